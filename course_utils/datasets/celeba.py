"""CelebA (lesson 08): tfds ``celeb_a`` or the official files, as the same tf.data elements.

Each element is a dict like tfds' ``celeb_a`` (without its ``identity`` entry)::

    {"image": uint8 (218, 178, 3),
     "attributes": {"5_o_Clock_Shadow": bool, ..., "Male": bool, ..., "Young": bool},  # 40
     "landmarks": {"lefteye_x": int64, ..., "rightmouth_y": int64}}                    # 10

Official files (from the CelebA page / Google Drive), in ``$COURSE_DATA_DIR/celeba``:

* ``img_align_celeba.zip`` or the folder ``img_align_celeba/000001.jpg`` ...;
* ``list_attr_celeba.txt``: line 1 the count, line 2 the 40 names, then ``000001.jpg -1  1 ...``;
* ``list_eval_partition.txt``: ``000001.jpg 0`` (0 train, 1 validation, 2 test);
* ``list_landmarks_align_celeba.txt``: count, the 10 column names, then 10 ints per image.

Google Drive often answers "quota exceeded" for these files; then tfds fails and
:func:`load` says how to get them by hand.

With a classroom mirror (``COURSE_MIRROR``) the official files come from the mirror, verified
by the course's own :func:`~course_utils.datasets.download.fetch`, instead of a tfds download:
tfds' downloader cannot be pointed at another server (its URLs and checksums are fixed in the
package), and the files are what tfds itself would read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..paths import REPO_DATA, data_dir
from . import standins
from .download import REMOTES, extract, fetch, mirror, reachable, tfds_data_dir, tfds_prepared
from .source import REAL, STANDIN, DataSource

ATTRIBUTES = list(standins.CELEBA_ATTRIBUTES)
LANDMARKS = list(standins.CELEBA_LANDMARKS)
TEXT_FILES = ("list_attr_celeba.txt", "list_eval_partition.txt", "list_landmarks_align_celeba.txt")
SPLIT_IDS = {"train": 0, "validation": 1, "test": 2}
#: Stand-in faces per profile (80 % train, 10 % validation, 10 % test).
STANDIN_SIZES = {"smoke": 1000, "cpu": 6000, "full": 12000}
FOLDER = "celeba"


def search_folders() -> list[Path]:
    return [data_dir() / FOLDER, REPO_DATA / FOLDER]


def local_copy() -> Path | None:
    """A folder with the three text files and the images (folder or zip), or None."""
    for folder in search_folders():
        has_text = all((folder / name).is_file() for name in TEXT_FILES)
        has_images = (folder / "img_align_celeba").is_dir() or (
            folder / "img_align_celeba.zip"
        ).is_file()
        if has_text and has_images:
            return folder
    return None


def resolve(profile: str) -> DataSource:
    """Where lesson 08 gets CelebA from: the stand-in in ``smoke``; otherwise the official
    files, the tfds cache, a tfds download when Google Drive answers, else the stand-in."""
    if profile != "smoke":
        folder = local_copy()
        if folder:
            return DataSource("celeba", REAL, "CelebA", str(folder), "official files")
        if tfds_prepared("celeb_a"):
            return DataSource("celeba", REAL, "CelebA", "celeb_a", "tfds cache")
        remote = REMOTES["celeba_images"]
        if mirror() and reachable(remote.host, remote.port):
            folder = data_dir() / FOLDER
            return DataSource("celeba", REAL, "CelebA", str(folder), "mirror download")
        if reachable(remote.host, remote.port):
            return DataSource("celeba", REAL, "CelebA", "celeb_a", "tfds download")
    return standin_source(profile)


def standin_source(profile: str, why: str = "CelebA not reachable") -> DataSource:
    """The generated faces for ``profile`` (their size depends on it)."""
    n = STANDIN_SIZES[profile]
    folder = data_dir() / "standins" / f"celeba-v{standins.FACES_VERSION}-n{n}-s0"
    note = "" if profile == "smoke" else f"{why}: results are NOT CelebA's"
    return DataSource("celeba", STANDIN, "generated faces", str(folder), "generated", note)


def manual_steps() -> str:
    files = ", ".join(REMOTES[k].filename for k in REMOTES if k.startswith("celeba"))
    return (
        f"Get CelebA by hand: from https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html "
        f"(Google Drive, 'Align&Cropped Images' and 'Anno'/'Eval') download {files} and put "
        f"them in {data_dir() / FOLDER} (COURSE_DATA_DIR sets another base folder). Then run "
        f"`python -m course_utils data` to check and run the cell again."
    )


# ------------------------------------------------------------------------ the text files


def _lines(path: Path) -> list[str]:
    if not path.is_file():
        raise DataError(f"{path} is missing. {manual_steps()}")
    text = path.read_text(errors="replace")
    if text.lstrip().lower().startswith(("<!doctype html", "<html")):
        raise DataError(f"{path} is a web page (Google Drive quota?), not CelebA data. Delete it.")
    return [line for line in text.splitlines() if line.strip()]


def _table(path: Path, names: list[str], header: bool) -> tuple[list[str], np.ndarray]:
    """File names and an int array (rows x len(names)) from a CelebA text file."""
    lines = _lines(path)
    if header:
        if len(lines) < 2 or not lines[0].strip().isdigit():
            raise DataError(f"{path}: line 1 should be the number of images")
        found = lines[1].split()
        if found != names:
            raise DataError(
                f"{path}: line 2 should list {len(names)} names ({' '.join(names[:3])} ...)"
            )
        count, lines = int(lines[0]), lines[2:]
        if count != len(lines):
            raise DataError(f"{path} says {count} images but has {len(lines)} rows (truncated?)")
    files, rows = [], []
    for number, line in enumerate(lines, start=3 if header else 1):
        parts = line.split()
        if len(parts) != len(names) + 1:
            raise DataError(f"{path}, line {number}: expected {len(names) + 1} fields: {line!r}")
        files.append(parts[0])
        try:
            rows.append([int(v) for v in parts[1:]])
        except ValueError:
            raise DataError(f"{path}, line {number}: not integers: {line!r}") from None
    return files, np.array(rows, dtype=np.int64).reshape(len(rows), len(names))


@dataclass
class CelebAFiles:
    """The parsed official files: image names, attributes (bool), landmarks, partition."""

    folder: Path
    names: list[str]
    attributes: np.ndarray
    landmarks: np.ndarray
    partition: np.ndarray

    def split_rows(self, split: str) -> np.ndarray:
        """Row numbers of a split: ``train``, ``validation``, ``test``, with optional
        tfds-style slicing ``train[:1000]`` or ``train[:10%]``."""
        match = re.fullmatch(r"(\w+)(?:\[(-?\d*%?):(-?\d*%?)\])?", split.strip())
        if not match or match[1] not in SPLIT_IDS:
            raise DataError(f"unknown split {split!r}; use train, validation or test")
        rows = np.flatnonzero(self.partition == SPLIT_IDS[match[1]])

        def bound(text: str | None, default: int) -> int:
            if not text:
                return default
            if text.endswith("%"):
                return round(int(text[:-1]) * len(rows) / 100)
            return int(text)

        return rows[bound(match[2], 0) : bound(match[3], len(rows))]


@lru_cache(maxsize=4)
def read_files(folder: str) -> CelebAFiles:
    """Parse the three text files of ``folder`` and check they agree with each other."""
    root = Path(folder)
    names, attrs = _table(root / TEXT_FILES[0], ATTRIBUTES, header=True)
    if not set(np.unique(attrs)) <= {-1, 1}:
        raise DataError(f"{root / TEXT_FILES[0]}: attribute values must be -1 or 1")
    part_names, partition = _table(root / TEXT_FILES[1], ["partition"], header=False)
    mark_names, marks = _table(root / TEXT_FILES[2], LANDMARKS, header=True)
    if part_names != names or mark_names != names:
        raise DataError(f"{root}: the three CelebA text files list different images")
    return CelebAFiles(root, names, attrs > 0, marks, partition[:, 0])


def _image_folder(folder: Path) -> Path:
    images = folder / "img_align_celeba"
    if not images.is_dir():
        extract(folder / "img_align_celeba.zip", folder)
    if not images.is_dir():
        raise DataError(f"{folder / 'img_align_celeba.zip'} holds no img_align_celeba/ folder")
    return images


def _from_files(folder: Path, split: str):
    import tensorflow as tf

    files = read_files(str(folder))
    rows = files.split_rows(split)
    images = _image_folder(folder)
    paths = [str(images / files.names[i]) for i in rows]
    missing = [p for p in paths[:50] if not Path(p).is_file()]
    if missing:
        raise DataError(
            f"{len(missing)}+ images listed in {TEXT_FILES[0]} are missing: {missing[0]}"
        )
    attrs, marks = files.attributes[rows], files.landmarks[rows]

    def load(path, attr_row, mark_row):
        image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
        image = tf.ensure_shape(image, (standins.FACE_HEIGHT, standins.FACE_WIDTH, 3))
        return {
            "image": image,
            "attributes": {n: attr_row[k] for k, n in enumerate(ATTRIBUTES)},
            "landmarks": {n: mark_row[k] for k, n in enumerate(LANDMARKS)},
        }

    ds = tf.data.Dataset.from_tensor_slices((paths, attrs, marks))
    return ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)


def _from_tfds(split: str, download: bool):
    host = REMOTES["celeba_images"].host
    if download and not reachable(host):
        raise DataError(f"cannot reach {host}, so tfds cannot download celeb_a. {manual_steps()}")
    import tensorflow_datasets as tfds

    try:
        ds = tfds.load(
            "celeb_a", split=split, download=download, data_dir=str(tfds_data_dir())
        )  # see tfds_data_dir
    except Exception as e:  # noqa: BLE001 - Drive quota, no network, missing files ...
        raise DataError(
            f"tfds could not load celeb_a ({type(e).__name__}: {str(e)[:200]}). {manual_steps()}"
        ) from None
    keys = ("image", "attributes", "landmarks")
    return ds.map(lambda ex: {k: ex[k] for k in keys})


def load(source: DataSource, split: str = "train"):
    """CelebA ``split`` (``train``/``validation``/``test``, tfds slicing allowed) as tf.data.

    The same element structure from tfds, the official files and the stand-in (see the module
    docstring). Nothing is held in memory: images are read as the dataset is consumed.
    """
    if source.is_standin:
        match = re.search(r"-n(\d+)-s(\d+)$", source.location)
        if not match:
            raise DataError(f"not a CelebA stand-in location: {source.location}")
        folder = standins.celeba_folder(int(match[1]), int(match[2]))
        return _from_files(folder, split)
    if source.how in ("tfds cache", "tfds download"):
        return _from_tfds(split, source.how == "tfds download")
    if source.how == "mirror download":
        fetch_files(Path(source.location))
    return _from_files(Path(source.location), split)


#: The official files, small ones first (a refusal is met before the 1.4 GB download).
FILE_KEYS = ("celeba_attributes", "celeba_partition", "celeba_landmarks", "celeba_images")


def fetch_files(folder: Path) -> Path:
    """Download (or reuse) the four official files into ``folder``, verified; from the mirror
    when ``COURSE_MIRROR`` is set. ``python -m course_utils fetch celeba`` calls this."""
    for key in FILE_KEYS:
        fetch(REMOTES[key], folder)
    return folder


def load_splits(
    source: DataSource, profile: str, splits: tuple[str, ...] = ("train", "validation", "test")
) -> tuple[DataSource, dict]:
    """``(source, {split: dataset})``: :func:`load` for each split; when the real data cannot be
    had (Google Drive's daily quota for CelebA is the usual reason), says so loudly, with what to
    do, and goes on with the stand-in, so that a lesson still runs (its results then labeled as
    the stand-in's)."""
    try:
        return source, {split: load(source, split) for split in splits}
    except DataError as error:
        if source.is_standin:
            raise
        fallback = standin_source(profile, "CelebA could not be loaded")
        print(
            f"WARNING: {error}\nWARNING: going on with the stand-in ({fallback.label}); "
            "every result below is the stand-in's, NOT CelebA's. Run the lesson again once "
            "the files are in place.",
            flush=True,
        )
        return fallback, {split: load(fallback, split) for split in splits}
