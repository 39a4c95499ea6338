"""Cats vs dogs (lessons 02-05, 07, 09): the small subset of the book, and tfds 80/10/10 splits.

:func:`small_subset` returns a folder ``cats_vs_dogs_small/{train,validation,test}/{cats,dogs}``
with 1000+1000 / 500+500 / 500+500 JPEGs (the subset of *Deep Learning with Python*), built from
the first usable images of any of:

* Kaggle's archive: ``train/cat.0.jpg`` ... (folder, ``train.zip`` or ``dogs-vs-cats.zip``);
* Microsoft's archive ``kagglecatsanddogs_5340.zip``: ``PetImages/Cat/0.jpg`` ...;
* ``cats_and_dogs_filtered.zip``: ``cats_and_dogs_filtered/{train,validation}/{cats,dogs}/``
  (1000 + 500 per class only, so its default subset is 1000 / 250 / 250);
* TensorFlow Datasets ``cats_vs_dogs``;
* the generated stand-in, written in Kaggle's layout and read by the same code.

Every image is decoded first (:mod:`.images`): unusable files (empty, truncated, PNG/GIF/BMP
under a ``.jpg`` name) are skipped and listed in ``SUBSET.json``; CMYK and grayscale JPEGs are
re-encoded as RGB. :func:`tfds_splits` gives ``(train, val, test, info)`` tf.data datasets of
``(uint8 image, int64 label)`` for lesson 05, from tfds or from the stand-in.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..paths import REPO_DATA, data_dir
from . import images, standins
from .download import (
    REMOTES,
    fetch,
    mirror,
    reachable,
    rehearsal,
    sha256sum,
    tfds_data_dir,
    tfds_prepared,
)
from .source import REAL, STANDIN, DataSource

CLASS_NAMES = ["cat", "dog"]
SUBSET_NAME = "cats_vs_dogs_small"
SPLITS = ("train", "validation", "test")
#: Images per class in train / validation / test (the book's subset).
DEFAULT_SIZES = (1000, 500, 500)
#: cats_and_dogs_filtered has 1000 + 500 per class: its 500 validation images are halved.
FILTERED_SIZES = (1000, 250, 250)
#: Stand-in per profile: (images per class, image side in pixels). The subset uses half for
#: training and a quarter each for validation and test.
STANDIN_SIZES = {"smoke": (200, 150), "cpu": (2000, 180), "full": (2000, 180)}
#: Stand-in of tfds ``cats_vs_dogs`` per profile: (images per class, side); split 80/10/10.
TFDS_STANDIN_SIZES = {"smoke": (150, 160), "cpu": (1000, 160), "full": (2000, 160)}
TFDS_SPLITS = ["train[:80%]", "train[80%:90%]", "train[90%:]"]
MARKER = "SUBSET.json"

_PATTERNS = {
    # kind: regex on a path inside the archive/folder -> (class word, index)
    "filtered": re.compile(
        r"cats_and_dogs_filtered/(?P<split>train|validation)/(?:cats|dogs)/"
        r"(?P<cls>cat|dog)\.(?P<idx>\d+)\.jpg$"
    ),
    "microsoft": re.compile(r"(?:^|/)(?P<cls>Cat|Dog)/(?P<idx>\d+)\.jpg$"),
    "kaggle": re.compile(r"(?:^|/)(?P<cls>cat|dog)\.(?P<idx>\d+)\.jpg$"),
}
#: Names looked for, in order of preference, in each search folder.
LOCAL_NAMES = (
    "kagglecatsanddogs_5340.zip",
    "PetImages",
    "dogs-vs-cats.zip",
    "train.zip",
    "train",
    "cats_and_dogs_filtered.zip",
    "cats_and_dogs_filtered",
    "cats_and_dogs_filtered_extracted",  # where keras.utils.get_file(extract=True) puts it
    "cats_and_dogs_extracted",  # the same for get_file("cats_and_dogs.zip", <Microsoft zip>)
)


# ----------------------------------------------------------------------------- where is it


def search_folders() -> list[Path]:
    """Folders searched for a local copy (the first found wins)."""
    keras_cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    return [data_dir() / "cats_vs_dogs", data_dir(), REPO_DATA / "cats_vs_dogs", keras_cache]


def _looks_usable(path: Path) -> bool:
    """Cheap test (no decoding) that ``path`` holds cats-vs-dogs images in a known layout."""
    if path.is_file():
        return zipfile.is_zipfile(path)
    if not path.is_dir():
        return False
    for pattern in (
        "cat.*.jpg",
        "Cat/*.jpg",
        "*/Cat/*.jpg",
        "*/cats/cat.*.jpg",
        "*/*/cats/cat.*.jpg",
    ):
        if next(path.glob(pattern), None) is not None:
            return True
    return False


def local_copies() -> list[Path]:
    """Local archives/folders of the real data, best first (network-free)."""
    found = []
    for folder in search_folders():
        for name in LOCAL_NAMES:
            path = folder / name
            if path.exists() and _looks_usable(path) and path not in found:
                found.append(path)
    return found


def _complete_subset(folder: Path, sizes: tuple[int, int, int] | None = None) -> bool:
    """True when ``folder`` holds a finished subset (of ``sizes`` when given)."""
    marker = folder / MARKER
    if marker.is_file():
        try:
            saved = tuple(json.loads(marker.read_text())["sizes"])
        except (ValueError, KeyError):
            return False
        return sizes is None or saved == tuple(sizes)
    if not folder.is_dir() or sizes is None:
        return False
    return all(
        len(list((folder / split / f"{cls}s").glob("*.jpg"))) == n
        for split, n in zip(SPLITS, sizes, strict=True)
        for cls in CLASS_NAMES
    )


def _standin_source(dataset: str, profile: str, n: int, size: int) -> DataSource:
    folder = data_dir() / "standins" / f"cats_vs_dogs-v{standins.PETS_VERSION}-{size}px-n{n}-s0"
    note = "" if profile == "smoke" else "no cats-vs-dogs data reachable: results are NOT real"
    return DataSource(
        dataset,
        STANDIN,
        "generated cats/dogs (told apart by their ears)",
        str(folder),
        "generated",
        note,
    )


def resolve(profile: str) -> DataSource:
    """Where lessons 02-04 (and 07, 09) get cats vs dogs from in ``profile``.

    ``smoke``: always the stand-in. Otherwise: an already built subset, a local archive, the
    tfds cache, a download when the host answers within 3 s, else the stand-in (loudly).
    """
    if profile == "smoke":
        return _standin_source("cats_vs_dogs", profile, *STANDIN_SIZES["smoke"])
    subset = data_dir() / SUBSET_NAME
    if _complete_subset(subset):
        return DataSource("cats_vs_dogs", REAL, "cats vs dogs", str(subset), "local subset")
    copies = local_copies()
    if copies:
        return DataSource("cats_vs_dogs", REAL, "cats vs dogs", str(copies[0]), "local archive")
    if tfds_prepared("cats_vs_dogs"):
        return DataSource("cats_vs_dogs", REAL, "cats vs dogs", "tfds cats_vs_dogs", "tfds cache")
    remote = REMOTES["microsoft_cats_dogs"]
    if reachable(remote.host, remote.port):
        return DataSource("cats_vs_dogs", REAL, "cats vs dogs", remote.source_url, "download")
    return _standin_source("cats_vs_dogs", profile, *STANDIN_SIZES[profile])


def resolve_tfds(profile: str) -> DataSource:
    """Where lesson 05 gets tfds ``cats_vs_dogs`` from: stand-in in ``smoke``; otherwise the
    tfds cache, a tfds download when reachable, else the stand-in (loudly)."""
    if profile != "smoke":
        if tfds_prepared("cats_vs_dogs"):
            return DataSource(
                "cats_vs_dogs_tfds", REAL, "cats vs dogs (tfds)", "cats_vs_dogs", "tfds cache"
            )
        remote = REMOTES["microsoft_cats_dogs"]
        have_zip = (data_dir() / "cats_vs_dogs" / remote.filename).is_file()  # tfds reads it
        if have_zip or reachable(remote.host, remote.port):
            return DataSource(
                "cats_vs_dogs_tfds", REAL, "cats vs dogs (tfds)", "cats_vs_dogs", "tfds download"
            )
    return _standin_source("cats_vs_dogs_tfds", profile, *TFDS_STANDIN_SIZES[profile])


def _standin_spec(source: DataSource) -> tuple[int, int, int]:
    """``(images per class, side, seed)`` from a stand-in source's folder name."""
    match = re.search(r"-(\d+)px-n(\d+)-s(\d+)$", source.location)
    if not match:
        raise DataError(f"not a cats-vs-dogs stand-in location: {source.location}")
    size, n, seed = (int(g) for g in match.groups())
    return n, size, seed


# ---------------------------------------------------------------------------- reading files


@dataclass
class Item:
    """One image of the source: class word, index, name inside the source, and its bytes."""

    label: str
    index: int
    name: str
    read: Callable[[], bytes]
    split: str = ""


def _generated_here(name: str) -> bool:
    """True for files this module wrote itself (a subset, a half-built temporary folder)."""
    return any(part.startswith((".", SUBSET_NAME)) for part in name.split("/"))


def _names_in(path: Path) -> tuple[list[str], Callable[[str], bytes], list[Any]]:
    """All file names inside a folder or zip (nested ``train.zip`` included), a reader, and the
    open zip files to close afterwards."""
    if path.is_dir():
        names = [p.relative_to(path).as_posix() for p in path.rglob("*.jpg")]
        names = [n for n in names if not _generated_here(n)]
        return names, lambda name: (path / name).read_bytes(), []
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise DataError(f"{path} is not a readable zip archive ({e}). Download it again.") from None
    names = zf.namelist()
    inner = [n for n in names if n.endswith("train.zip")]
    if inner and not any(_PATTERNS["kaggle"].search(n) for n in names):
        nested = zipfile.ZipFile(zf.open(inner[0]))
        return nested.namelist(), nested.read, [nested, zf]
    return names, zf.read, [zf]


def _items(names: list[str], read: Callable[[str], bytes]) -> tuple[str, dict[str, list[Item]]]:
    """The layout's kind and its images per class, in the order a subset takes them."""
    for kind, pattern in _PATTERNS.items():
        per_class: dict[str, list[Item]] = {c: [] for c in CLASS_NAMES}
        for name in names:
            match = pattern.search(name)
            if match and "__MACOSX" not in name:
                cls = match["cls"].lower()
                split = match.groupdict().get("split") or ""
                per_class[cls].append(
                    Item(cls, int(match["idx"]), name, lambda n=name: read(n), split)
                )
        if all(per_class.values()):
            for items_ in per_class.values():
                items_.sort(key=lambda it: (it.split != "train", it.index))
            return kind, per_class
    raise DataError(
        "found no cats-vs-dogs images in a known layout (train/cat.0.jpg, "
        "PetImages/Cat/0.jpg or cats_and_dogs_filtered/train/cats/cat.0.jpg)"
    )


# ------------------------------------------------------------------------------ the subset


@dataclass
class _Build:
    sizes: tuple[int, int, int]
    written: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CLASS_NAMES})
    skipped: list[dict[str, str]] = field(default_factory=list)
    converted: list[str] = field(default_factory=list)

    def full(self, label: str) -> bool:
        return self.written[label] >= sum(self.sizes)

    def done(self) -> bool:
        return all(self.full(c) for c in CLASS_NAMES)

    def add(self, root: Path, item_label: str, index: int, name: str, data: bytes) -> None:
        """Check one image and write it into the next split that still needs it."""
        if self.full(item_label):
            return
        check = images.check_bytes(data, name)
        if not check.usable:
            self.skipped.append({"file": name, "problem": str(check.problem)})
            return
        if images.needs_conversion(check):
            data = images.to_rgb_jpeg(data)
            self.converted.append(name)
        k = self.written[item_label]
        split = SPLITS[0] if k < self.sizes[0] else SPLITS[1]
        if k >= self.sizes[0] + self.sizes[1]:
            split = SPLITS[2]
        (root / split / f"{item_label}s" / f"{item_label}.{index}.jpg").write_bytes(data)
        self.written[item_label] = k + 1


def _build_subset(dest: Path, sizes, origin: str, fill: Callable[[Path, _Build], None]) -> Path:
    """Build the subset in a temporary sibling of ``dest``, then rename it into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"))
    try:
        for split in SPLITS:
            for cls in CLASS_NAMES:
                (tmp / split / f"{cls}s").mkdir(parents=True)
        build = _Build(tuple(sizes))
        fill(tmp, build)
        missing = {c: sum(sizes) - n for c, n in build.written.items() if n < sum(sizes)}
        if missing:
            raise DataError(
                f"{origin} has too few usable images for sizes {tuple(sizes)} per class "
                f"(missing {missing}; {len(build.skipped)} files skipped as unusable). "
                f"Pass smaller sizes=(train, validation, test)."
            )
        record = {
            "source": origin,
            "sizes": list(sizes),
            "skipped": build.skipped,
            "converted_to_rgb_jpeg": build.converted,
        }
        (tmp / MARKER).write_text(json.dumps(record, indent=1))
        try:
            os.replace(tmp, dest)
        except OSError:
            if not _complete_subset(dest, sizes):
                raise
        if build.skipped or build.converted:
            print(
                f"{origin}: skipped {len(build.skipped)} unusable files, re-encoded "
                f"{len(build.converted)} as plain RGB JPEG (CMYK, PNG under a .jpg name, or "
                f"JPEGs that make libjpeg warn); both listed in {dest / MARKER}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def _fill_from_path(path: Path) -> Callable[[Path, _Build], None]:
    def fill(root: Path, build: _Build) -> None:
        names, read, handles = _names_in(path)
        try:
            _, per_class = _items(names, read)
            for label, items_ in per_class.items():
                for item in items_:
                    if build.full(label):
                        break
                    build.add(root, label, item.index, item.name, item.read())
        finally:
            for handle in handles:
                handle.close()

    return fill


def _fill_from_tfds(download: bool) -> Callable[[Path, _Build], None]:
    def fill(root: Path, build: _Build) -> None:
        import tensorflow as tf

        for k, (image, label) in enumerate(_tfds_load("train", download)[0]):
            cls = CLASS_NAMES[int(label)]
            build.add(root, cls, k, f"tfds:{k}.jpg", tf.io.encode_jpeg(image).numpy())
            if build.done():
                break

    return fill


def _subset_dest(sizes, default) -> str:
    return SUBSET_NAME if tuple(sizes) == default else f"{SUBSET_NAME}_{'_'.join(map(str, sizes))}"


def _from_local_subset(folder: Path, sizes: tuple[int, int, int] | None) -> Path:
    """The default subset ``folder`` when it has ``sizes``; else a subset of ``sizes`` drawn
    from it by the same rule (the first files by number), e.g. lesson 04's smaller ``cpu`` sizes
    after lesson 02 built the default one. Its files are the first of the archive, so the rule
    picks the same files as it would from the archive."""
    if sizes is None or _complete_subset(folder, tuple(sizes)):
        return folder
    sizes = tuple(sizes)
    have = json.loads((folder / MARKER).read_text())["sizes"]
    if sum(sizes) > sum(have):
        raise DataError(
            f"{folder} holds {have[0]}/{have[1]}/{have[2]} images per class; {sizes} needs more "
            "images than that. Put the downloaded archive in the data folder (`python -m "
            "course_utils fetch cats_vs_dogs`) and run again."
        )
    dest = data_dir() / _subset_dest(sizes, DEFAULT_SIZES)
    if _complete_subset(dest, sizes):
        return dest
    return _build_subset(dest, sizes, str(folder), _fill_from_path(folder))


def small_subset(source: DataSource, sizes: tuple[int, int, int] | None = None) -> Path:
    """The folder ``.../cats_vs_dogs_small`` with ``{train,validation,test}/{cats,dogs}``.

    ``sizes`` = images per class in (train, validation, test); default 1000/500/500 (the
    book's), 1000/250/250 from ``cats_and_dogs_filtered``, and half/quarter/quarter of the
    stand-in. Built once (atomically) and reused.
    """
    if source.is_standin:
        n, size, seed = _standin_spec(source)
        default = (n - 2 * (n // 4), n // 4, n // 4)
        sizes = tuple(sizes or default)
        raw = standins.cats_vs_dogs_folder(n, size, seed)
        dest = raw / _subset_dest(sizes, default)
        if _complete_subset(dest, sizes):
            return dest
        return _build_subset(dest, sizes, f"stand-in {raw.name}", _fill_from_path(raw))
    if source.how == "local subset":
        return _from_local_subset(Path(source.location), sizes)
    if source.how in ("tfds cache", "tfds download"):
        sizes = tuple(sizes or DEFAULT_SIZES)
        dest = data_dir() / _subset_dest(sizes, DEFAULT_SIZES)
        if _complete_subset(dest, sizes):
            return dest
        fill = _fill_from_tfds(source.how == "tfds download")
        return _build_subset(dest, sizes, "tfds cats_vs_dogs", fill)
    if source.how == "download":
        path = fetch(REMOTES["microsoft_cats_dogs"], data_dir() / "cats_vs_dogs")
    else:
        path = Path(source.location)
    if not path.exists():
        raise DataError(f"{path} does not exist; run `python -m course_utils data` to see why.")
    default = FILTERED_SIZES if "filtered" in path.name else DEFAULT_SIZES
    sizes = tuple(sizes or default)
    dest = data_dir() / _subset_dest(sizes, DEFAULT_SIZES)
    if _complete_subset(dest, sizes):
        return dest
    if dest.exists():
        raise DataError(
            f"{dest} exists but is not a complete {sizes} subset. Move or delete it, "
            f"then run again to rebuild it from {path}."
        )
    return _build_subset(dest, sizes, str(path), _fill_from_path(path))


# ----------------------------------------------------------------------- tfds-style splits


@dataclass
class SplitsInfo:
    """What lesson 05 needs to know about the splits, whatever the source.

    ``tfds_info`` is TensorFlow Datasets' ``DatasetInfo`` for the real data (``None`` for the
    stand-in).
    """

    class_names: list[str]
    num_examples: dict[str, int]
    source: DataSource
    tfds_info: Any = None

    def int2str(self, label: int) -> str:
        return self.class_names[int(label)]


def _tfds_load(split, download: bool):
    """``tfds.load("cats_vs_dogs", split=..., as_supervised=True, with_info=True)`` with a
    clear :class:`DataError` when it cannot be had (within seconds when offline).

    When the course already has the Microsoft zip (``fetch cats_vs_dogs``), tfds is given its
    folder as ``manual_dir``: tfds then prepares from that file (it looks there for the file
    name its checksum list gives, and checks it against that list) instead of downloading the
    786 MB a second time. With a classroom mirror (``COURSE_MIRROR``) the course first fetches
    the zip from the mirror (verified), then tfds prepares from it the same way: tfds' own
    downloader cannot be pointed at another server.
    """
    remote = REMOTES["microsoft_cats_dogs"]
    zip_folder = data_dir() / "cats_vs_dogs"
    have_zip = (zip_folder / remote.filename).is_file()
    if download and not have_zip and mirror():
        fetch(remote, zip_folder)  # a DataError here says what to do
        have_zip = True
    if download and not have_zip and not reachable(remote.host, remote.port):
        raise DataError(
            f"cannot reach {remote.host}, so tfds cannot download cats_vs_dogs. Copy a prepared "
            f"~/tensorflow_datasets/cats_vs_dogs folder here (TFDS_DATA_DIR sets another place) "
            f"or put {remote.filename} in {zip_folder}."
        )
    try:
        import tensorflow_datasets as tfds

        kwargs = {}
        if download and have_zip:
            config = tfds.download.DownloadConfig(manual_dir=str(zip_folder))
            kwargs["download_and_prepare_kwargs"] = {"download_config": config}
            if rehearsal():
                _tell_tfds_the_rehearsal_checksum(tfds, zip_folder / remote.filename)
        return tfds.load(
            "cats_vs_dogs",
            split=split,
            as_supervised=True,
            with_info=True,
            download=download,
            data_dir=str(tfds_data_dir()),  # see tfds_data_dir
            **kwargs,
        )
    except Exception as e:  # noqa: BLE001 - tfds raises many kinds; all mean "not available"
        raise DataError(
            f"tfds cats_vs_dogs is not available ({type(e).__name__}: {str(e)[:200]}). Run "
            f"`python -m course_utils fetch cats_vs_dogs_tfds` where there is network, or "
            f"copy a prepared ~/tensorflow_datasets/cats_vs_dogs folder here (TFDS_DATA_DIR "
            f"sets another place); the archive is {remote.url}."
        ) from None


def prepare_tfds() -> Path:
    """Download and prepare tfds ``cats_vs_dogs`` (``fetch cats_vs_dogs_tfds``): from the
    course's zip or the mirror when there, else by tfds' own download. Returns tfds' folder."""
    _, info = _tfds_load("train", download=True)
    return Path(info.data_dir)


def _tell_tfds_the_rehearsal_checksum(tfds, path: Path) -> None:
    """In a rehearsal (:mod:`course_utils.rehearsal`), the zip is not Microsoft's, so tfds'
    registered checksum cannot match: tfds is given the rehearsal file's size and SHA-256 (the
    course already verified it against the rehearsal mirror's manifest) for that URL. Only in
    rehearsals; a real run keeps tfds' own check."""
    from tensorflow_datasets.core.download import checksums

    builder = tfds.builder_cls("cats_vs_dogs")
    infos = dict(builder.url_infos or {})
    for url, info in list(infos.items()):
        if info.filename == path.name or url.endswith(path.name):
            infos[url] = checksums.UrlInfo(
                size=path.stat().st_size, checksum=sha256sum(path), filename=path.name
            )
    builder.url_infos = infos  # a class property tfds memoises; this run only


def _resize(image_size):
    import tensorflow as tf

    def resize(image, label):
        image = tf.image.resize(image, image_size)
        return tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8), label

    return resize


def _standin_splits(source: DataSource):
    """80/10/10 tf.data splits of the stand-in's Kaggle-layout files (seeded order)."""
    import numpy as np
    import tensorflow as tf

    n, size, seed = _standin_spec(source)
    raw = standins.cats_vs_dogs_folder(n, size, seed) / "train"
    files = [raw / f"{c}.{k}.jpg" for k in range(n) for c in CLASS_NAMES]
    labels = np.array([i % 2 for i in range(len(files))], np.int64)
    order = np.random.default_rng(seed).permutation(len(files))
    files, labels = [str(files[i]) for i in order], labels[order]
    cut = [0, int(0.8 * len(files)), int(0.9 * len(files)), len(files)]

    def load(path, label):
        return tf.io.decode_jpeg(tf.io.read_file(path), channels=3), label

    parts = []
    for a, b in zip(cut[:-1], cut[1:], strict=True):
        ds = tf.data.Dataset.from_tensor_slices((files[a:b], labels[a:b]))
        parts.append(ds.map(load, num_parallel_calls=tf.data.AUTOTUNE))
    counts = {s: b - a for s, a, b in zip(TFDS_SPLITS, cut[:-1], cut[1:], strict=True)}
    return parts, counts


def tfds_splits(source: DataSource, image_size: tuple[int, int] | None = None):
    """``(train_ds, val_ds, test_ds, info)``: tfds ``cats_vs_dogs`` split 80/10/10 with
    ``split=["train[:80%]", "train[80%:90%]", "train[90%:]"]``.

    Elements are ``(image uint8 (H, W, 3), label int64)`` with 0 cat, 1 dog, from tfds or from
    the stand-in alike. ``image_size=(h, w)`` resizes (still uint8).
    """
    if source.is_standin:
        parts, counts = _standin_splits(source)
        info = SplitsInfo(list(CLASS_NAMES), counts, source)
    else:
        parts, tfds_info = _tfds_load(TFDS_SPLITS, source.how == "tfds download")
        try:
            counts = {s: int(tfds_info.splits[s].num_examples) for s in TFDS_SPLITS}
        except KeyError:  # split sizes unknown (tfds' mock data in tests)
            counts = {}
        names = list(tfds_info.features["label"].names)
        info = SplitsInfo(names, counts, source, tfds_info)
    if image_size is not None:
        parts = [p.map(_resize(tuple(image_size))) for p in parts]
    return parts[0], parts[1], parts[2], info


def subset_counts(folder: Path) -> dict[str, dict[str, int]]:
    """Images per split and class in a subset folder (for checks and ``course_utils data``)."""
    return {
        split: {f"{c}s": len(list((folder / split / f"{c}s").glob("*.jpg"))) for c in CLASS_NAMES}
        for split in SPLITS
    }


def iter_items(path: str | os.PathLike) -> Iterator[Item]:
    """Every cats-vs-dogs image in a folder or zip of a known layout (for inspection)."""
    names, read, _ = _names_in(Path(path))
    _, per_class = _items(names, read)
    for items_ in per_class.values():
        yield from items_


__all__ = ["resolve", "resolve_tfds", "small_subset", "tfds_splits", "SplitsInfo"]
