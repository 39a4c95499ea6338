"""MNIST for lesson 01: real MNIST, real Fashion-MNIST, or a generated stand-in.

Where the data comes from, in order (the first that works wins):

1. Keras' cached ``~/.keras/datasets/mnist.npz`` (real MNIST, from an earlier download);
2. MNIST IDX files (``train-images-idx3-ubyte.gz`` ...) in ``$COURSE_DATA_DIR/mnist``,
   the repo's ``data/mnist`` or ``/usr/share/datasets/mnist``;
3. outside ``smoke``: ``keras.datasets.mnist.load_data()`` (downloads 11 MB);
4. Fashion-MNIST IDX files in the same places under ``fashion-mnist`` (Debian's package
   ``dataset-fashion-mnist`` installs them in ``/usr/share/datasets/fashion-mnist``);
5. a generated stand-in of printed digits in the same IDX format (labeled as such).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..paths import REPO_DATA, data_dir
from . import idx, standins
from .download import REMOTES, fetch, reachable
from .source import REAL, STANDIN, DataSource

MNIST_CLASS_NAMES = [str(d) for d in range(10)]
FASHION_CLASS_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
SYSTEM_DATASETS = Path("/usr/share/datasets")
#: Stand-in sizes per profile: smoke generates only what lesson 01 uses in smoke (6,000
#: training and 2,000 test images; generating takes about 1 ms per image).
STANDIN_SIZES = {"smoke": (6_000, 2_000), "cpu": (60_000, 10_000), "full": (60_000, 10_000)}


@dataclass
class ImageClassData:
    """Images (uint8, N x H x W) and integer labels, with class names and their source."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    source: DataSource

    def __repr__(self) -> str:
        return (
            f"{self.source.label}: train {self.x_train.shape}, test {self.x_test.shape}, "
            f"{len(self.class_names)} classes"
        )


def keras_cache_file() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets" / "mnist.npz"


def idx_folders(name: str) -> list[Path]:
    """Folders searched for the IDX files of ``name`` (``mnist`` or ``fashion-mnist``)."""
    return [data_dir() / name, REPO_DATA / name, SYSTEM_DATASETS / name]


def _local_idx(name: str) -> Path | None:
    for folder in idx_folders(name):
        if idx.find_idx_folder(folder) is not None:
            return folder
    return None


def resolve(profile: str) -> DataSource:
    """Decide which data lesson 01 will use in ``profile``; touches the network only outside
    ``smoke`` and only with a 3-second reachability check."""
    if keras_cache_file().is_file():
        return DataSource("mnist", REAL, "MNIST", str(keras_cache_file()), "keras cache")
    folder = _local_idx("mnist")
    if folder:
        return DataSource("mnist", REAL, "MNIST", str(folder), "local IDX files")
    remote = REMOTES["mnist"]  # Keras' own file; from the mirror when COURSE_MIRROR is set
    if profile != "smoke" and reachable(remote.host, remote.port):
        return DataSource("mnist", REAL, "MNIST", remote.source_url, "keras download")
    folder = _local_idx("fashion-mnist")
    if folder:
        return DataSource(
            "mnist",
            REAL,
            "Fashion-MNIST",
            str(folder),
            "local IDX files",
            note="MNIST not found; same format, clothing instead of digits",
        )
    n_train, n_test = STANDIN_SIZES[profile]
    note = "" if profile == "smoke" else "no MNIST reachable: results are NOT MNIST results"
    return DataSource(
        "mnist", STANDIN, "generated digits", f"{n_train}+{n_test} images", "generated", note=note
    )


def load(
    source: DataSource, train_samples: int | None = None, test_samples: int | None = None
) -> ImageClassData:
    """Load the data ``source`` names; keep the first ``train_samples``/``test_samples``."""
    class_names = FASHION_CLASS_NAMES if source.name == "Fashion-MNIST" else MNIST_CLASS_NAMES
    if source.how == "keras download":
        # The file keras.datasets.mnist.load_data() downloads, put where it looks for it,
        # verified against the course's pinned SHA-256 (and from the mirror when one is set).
        try:
            path = fetch(REMOTES["mnist"], keras_cache_file().parent)
        except DataError as e:  # any download failure falls back, loudly
            warnings.warn(f"MNIST download failed ({e}); using offline data instead", stacklevel=2)
            fallback = resolve("smoke")
            return load(fallback, train_samples, test_samples)
        with np.load(path) as f:
            x_train, y_train, x_test, y_test = (
                f[k] for k in ("x_train", "y_train", "x_test", "y_test")
            )
    elif source.how == "keras cache":
        with np.load(source.location) as f:
            x_train, y_train, x_test, y_test = (
                f[k] for k in ("x_train", "y_train", "x_test", "y_test")
            )
    elif source.how == "local IDX files":
        (x_train, y_train), (x_test, y_test) = idx.load_idx_folder(source.location)
    elif source.is_standin:
        n_train, n_test = (int(n) for n in source.location.split()[0].split("+"))
        folder = standins.digits_folder(n_train, n_test)
        (x_train, y_train), (x_test, y_test) = idx.load_idx_folder(folder)
    else:
        raise DataError(f"don't know how to load {source}")
    for n, x in ((train_samples, x_train), (test_samples, x_test)):
        if n is not None and n > len(x):
            raise DataError(f"asked for {n} samples but {source.label} has only {len(x)}")
    return ImageClassData(
        x_train[:train_samples],
        y_train[:train_samples].astype(np.int64),
        x_test[:test_samples],
        y_test[:test_samples].astype(np.int64),
        class_names,
        source,
    )
