"""Oxford-IIIT Pet (lesson 06, segmentation): images and trimaps, streamed with tf.data.

Real layout (official ``images.tar.gz`` + ``annotations.tar.gz``)::

    images/Abyssinian_1.jpg ...              (capitalised breed = cat, lower case = dog)
    annotations/trimaps/Abyssinian_1.png     (1 foreground, 2 background, 3 border)
    annotations/list.txt, trainval.txt, test.txt

The archive has a few files named ``.jpg`` that hold PNG or GIF data, plus ``.mat`` files and
macOS ``._*`` files: :func:`load_pairs` keeps only images that decode as JPEG and have a trimap,
and counts the rest. TensorFlow Datasets' ``oxford_iiit_pet`` is written once into the same
layout; the stand-in is generated in it, so every source goes through the same code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..paths import REPO_DATA, data_dir
from . import images as image_checks
from . import standins
from .download import REMOTES, extract, fetch, reachable, tfds_data_dir, tfds_prepared
from .source import REAL, STANDIN, DataSource

SPECIES = ["cat", "dog"]
#: Stand-in per profile: (number of images, side in pixels).
STANDIN_SIZES = {"smoke": (300, 64), "cpu": (2000, 200), "full": (7349, 200)}
FOLDER = "oxford_iiit_pet"


@dataclass
class PetsFiles:
    """Matching lists of image and trimap files (``species`` 0 cat / 1 dog per image).

    ``skipped`` counts image files left out (not decodable JPEG, or no trimap) and
    ``skipped_files`` says which and why. ``part_masks`` lists the stand-in's ear masks
    (``None`` for real data).
    """

    images: list[Path]
    trimaps: list[Path]
    species: list[int]
    skipped: int = 0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    part_masks: list[Path] | None = None
    source: DataSource | None = None

    def __len__(self) -> int:
        return len(self.images)

    def take(self, index) -> PetsFiles:
        """The files at ``index`` (a slice or a list of positions)."""
        pick = list(range(len(self)))[index] if isinstance(index, slice) else list(index)
        masks = None if self.part_masks is None else [self.part_masks[i] for i in pick]
        return replace(
            self,
            images=[self.images[i] for i in pick],
            trimaps=[self.trimaps[i] for i in pick],
            species=[self.species[i] for i in pick],
            part_masks=masks,
        )

    def split(self, n_val: int, seed: int = 1337) -> tuple[PetsFiles, PetsFiles]:
        """Shuffle with ``seed`` and keep the last ``n_val`` pairs for validation."""
        if not 0 < n_val < len(self):
            raise DataError(f"n_val={n_val} must be between 1 and {len(self) - 1}")
        order = np.random.default_rng(seed).permutation(len(self))
        return self.take(order[:-n_val]), self.take(order[-n_val:])


def search_folders() -> list[Path]:
    return [data_dir() / FOLDER, REPO_DATA / FOLDER]


def _has(folder: Path, name: str) -> bool:
    return (folder / name).is_dir() or (folder / f"{name}.tar.gz").is_file()


def local_copy() -> Path | None:
    """A folder holding ``images`` and ``annotations`` (extracted or as tarballs), or None."""
    for folder in search_folders():
        if _has(folder, "images") and _has(folder, "annotations"):
            return folder
    return None


def resolve(profile: str) -> DataSource:
    """Where lesson 06 gets Oxford-IIIT Pet from: the stand-in in ``smoke``; otherwise a local
    copy, the tfds cache, a download when reachable, else the stand-in (loudly)."""
    name = "Oxford-IIIT Pet"
    if profile != "smoke":
        folder = local_copy()
        if folder:
            return DataSource("pets", REAL, name, str(folder), "local files")
        if tfds_prepared("oxford_iiit_pet"):
            return DataSource("pets", REAL, name, "oxford_iiit_pet", "tfds cache")
        if reachable(REMOTES["pets_images"].host, REMOTES["pets_images"].port):
            return DataSource("pets", REAL, name, str(data_dir() / FOLDER), "download")
    n, size = STANDIN_SIZES[profile]
    folder = data_dir() / "standins" / f"pets-v{standins.PETS_VERSION}-{size}px-n{n}-s1"
    note = "" if profile == "smoke" else "Oxford-IIIT Pet not reachable: results are NOT real"
    return DataSource(
        "pets", STANDIN, "generated pets (trimaps, ear masks)", str(folder), "generated", note
    )


def _standin_folder(source: DataSource) -> Path:
    import re

    match = re.search(r"-(\d+)px-n(\d+)-s(\d+)$", source.location)
    if not match:
        raise DataError(f"not a pets stand-in location: {source.location}")
    size, n, seed = (int(g) for g in match.groups())
    return standins.pets_folder(n, size, seed)


def _unpacked(folder: Path) -> Path:
    """Extract ``images.tar.gz`` / ``annotations.tar.gz`` in ``folder`` when not done yet."""
    for name in ("images", "annotations"):
        if not (folder / name).is_dir():
            archive = folder / f"{name}.tar.gz"
            if not archive.is_file():
                raise DataError(
                    f"{folder} has neither {name}/ nor {name}.tar.gz. Run `python -m "
                    f"course_utils fetch pets` or copy the official archives there."
                )
            extract(archive, folder)
    return folder


def _export_tfds(dest: Path, download: bool) -> Path:
    """Write tfds ``oxford_iiit_pet`` (train + test) once into the official layout."""

    host = REMOTES["pets_images"].host
    if download and not reachable(host):
        raise DataError(
            f"cannot reach {host}, so tfds cannot download oxford_iiit_pet. Put images.tar.gz "
            f"and annotations.tar.gz in {data_dir() / FOLDER} (see `python -m course_utils data`)."
        )

    def build(tmp: Path) -> None:
        import tensorflow as tf
        import tensorflow_datasets as tfds

        try:
            ds = tfds.load(
                "oxford_iiit_pet",
                split="train+test",
                download=download,
                data_dir=str(tfds_data_dir()),  # see tfds_data_dir
            )
        except Exception as e:  # noqa: BLE001 - every failure means "not available"
            raise DataError(
                f"tfds oxford_iiit_pet is not available ({type(e).__name__}: {str(e)[:200]}). "
                f"Run `python -m course_utils fetch pets`, or put images.tar.gz and "
                f"annotations.tar.gz in {data_dir() / FOLDER}."
            ) from None
        (tmp / "images").mkdir()
        (tmp / "annotations" / "trimaps").mkdir(parents=True)
        lines, seen = [], set()
        for k, ex in enumerate(ds):
            stem = Path(ex["file_name"].numpy().decode()).stem or f"pet_{k}"
            if stem in seen:
                stem = f"{stem}_{k}"
            seen.add(stem)
            (tmp / "images" / f"{stem}.jpg").write_bytes(tf.io.encode_jpeg(ex["image"]).numpy())
            mask = tf.cast(ex["segmentation_mask"], tf.uint8)
            (tmp / "annotations" / "trimaps" / f"{stem}.png").write_bytes(
                tf.io.encode_png(mask).numpy()
            )
            label, species = int(ex["label"]), int(ex["species"])
            lines.append(f"{stem} {label + 1} {species + 1} 1\n")
        (tmp / "annotations" / "list.txt").write_text(standins.OXFORD_LIST_HEADER + "".join(lines))

    return standins._build_folder(dest, build)


def prepare_folder(source: DataSource) -> Path:
    """The folder with ``images/`` and ``annotations/trimaps/`` for ``source`` (downloading,
    extracting, exporting from tfds or generating it first when needed)."""
    if source.is_standin:
        return _standin_folder(source)
    if source.how in ("tfds cache", "tfds download"):
        return _export_tfds(data_dir() / f"{FOLDER}_from_tfds", source.how == "tfds download")
    folder = Path(source.location)
    if source.how == "download":
        for key in ("pets_images", "pets_annotations"):
            fetch(REMOTES[key], folder)
    return _unpacked(folder)


def load_pairs(source: DataSource) -> PetsFiles:
    """Image and trimap files of ``source``, sorted by name, bad files skipped and counted.

    An image is kept when it decodes as a JPEG (checked with TensorFlow) and has a trimap
    ``annotations/trimaps/<name>.png``.
    """
    folder = prepare_folder(source)
    trimap_dir = folder / "annotations" / "trimaps"
    part_dir = folder / "annotations" / "part_masks"
    kept, skipped = [], []
    for path in sorted((folder / "images").glob("*.jpg")):
        if path.name.startswith("._"):
            skipped.append((path.name, "macOS metadata file"))
            continue
        trimap = trimap_dir / f"{path.stem}.png"
        if not trimap.is_file():
            skipped.append((path.name, "no trimap"))
            continue
        check = image_checks.check_file(path)
        if not check.usable:
            skipped.append((path.name, str(check.problem)))
            continue
        kept.append((path, trimap))
    if not kept:
        raise DataError(f"no usable image/trimap pairs in {folder} ({len(skipped)} skipped)")
    parts = [part_dir / f"{p.stem}.png" for p, _ in kept] if part_dir.is_dir() else None
    return PetsFiles(
        images=[p for p, _ in kept],
        trimaps=[t for _, t in kept],
        species=[0 if p.name[0].isupper() else 1 for p, _ in kept],
        skipped=len(skipped),
        skipped_files=skipped,
        part_masks=parts,
        source=source,
    )


def dataset(
    data: PetsFiles | DataSource,
    image_size: tuple[int, int] = (160, 160),
    batch_size: int | None = None,
    shuffle: bool = False,
    seed: int = 0,
):
    """A tf.data pipeline of ``(image, mask)`` read from disk as it is consumed.

    ``image``: float32 ``(h, w, 3)`` in 0..255 (bilinear resize); ``mask``: uint8 ``(h, w, 1)``
    with 0 foreground, 1 background, 2 border (the trimap minus one; nearest-neighbour resize,
    so no new values appear). ``shuffle`` shuffles the pairs (never photos and masks apart) in
    a new order every epoch, repeatable with the same ``seed`` and global seed.

    Lesson 06 writes this pipeline step by step (``load_pair``, ``make_dataset``) and asserts
    that it gives the same batches as this helper, shuffled ones included.
    """
    import tensorflow as tf

    files = data if isinstance(data, PetsFiles) else load_pairs(data)
    size = tuple(int(s) for s in image_size)

    def load(image_path, trimap_path):
        image = tf.io.decode_jpeg(tf.io.read_file(image_path), channels=3)
        image = tf.image.resize(image, size)
        trimap = tf.io.decode_png(tf.io.read_file(trimap_path), channels=1)
        trimap = tf.image.resize(trimap, size, method="nearest")
        return image, tf.cast(trimap, tf.uint8) - 1

    paths = ([str(p) for p in files.images], [str(p) for p in files.trimaps])
    ds = tf.data.Dataset.from_tensor_slices(paths)
    if shuffle:
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE)
    if batch_size:
        ds = ds.batch(batch_size)
    return ds.prefetch(tf.data.AUTOTUNE)


def read_mask(path: str | os.PathLike) -> np.ndarray:
    """A trimap or part mask PNG as a 2-D uint8 array."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im)
