"""Read and write the IDX format of MNIST and Fashion-MNIST (``*-images-idx3-ubyte[.gz]``).

Format: a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one
big-endian uint32 per dimension, then the values. MNIST uses type 0x08 (unsigned byte).
"""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..paths import atomic_path

_UBYTE = 0x08

#: File names of the four MNIST/Fashion-MNIST files, gzipped as distributed.
FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def _open(path: Path):
    with open(path, "rb") as f:
        head = f.read(2)
    return gzip.open(path, "rb") if head == b"\x1f\x8b" else open(path, "rb")


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzipped or not) into a uint8 array, checking its size.

    Raises :class:`~course_utils.errors.DataError` naming the file when it is missing, not
    IDX, truncated or has extra bytes.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist")
    fix = f"Delete {path} and download it again (or remove it to fall back to a stand-in)."
    try:
        with _open(path) as f:
            data = f.read()
    except (OSError, EOFError) as e:  # gzip raises EOFError on a cut-off stream
        raise DataError(f"{path} is damaged or truncated ({e}). {fix}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataError(f"{path} is not an IDX file (bad magic number). {fix}")
    dtype_code, ndim = data[2], data[3]
    if dtype_code != _UBYTE:
        raise DataError(f"{path}: IDX type 0x{dtype_code:02x} is not supported (only ubyte)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{path} is truncated inside its header. {fix}")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + int(np.prod(shape))
    if len(data) != expected:
        what = "truncated" if len(data) < expected else "longer than its header says"
        raise DataError(
            f"{path} is {what}: shape {shape} needs {expected:,} bytes, the file has "
            f"{len(data):,}. {fix}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write a uint8 array as IDX (gzipped when the name ends in ``.gz``), atomically."""
    path = Path(path)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    payload = struct.pack(">BBBB", 0, 0, _UBYTE, array.ndim)
    payload += struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    with atomic_path(path) as tmp, open(tmp, "wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                gz.write(payload)
        else:
            raw.write(payload)
    return path


def find_idx_folder(folder: str | os.PathLike) -> dict[str, Path] | None:
    """The four files in ``folder`` (``.gz`` or not), or ``None`` when any is missing."""
    folder = Path(folder)
    found = {}
    for key, name in FILES.items():
        for candidate in (folder / name, folder / name.removesuffix(".gz")):
            if candidate.is_file():
                found[key] = candidate
                break
        else:
            return None
    return found


def load_idx_folder(folder: str | os.PathLike):
    """``(x_train, y_train), (x_test, y_test)`` from a folder holding the four IDX files."""
    files = find_idx_folder(folder)
    if files is None:
        raise DataError(f"{folder} does not hold the four IDX files ({', '.join(FILES.values())})")
    arrays = {key: read_idx(path) for key, path in files.items()}
    for split in ("train", "test"):
        n_img, n_lab = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_img != n_lab:
            raise DataError(f"{folder}: {n_img} {split} images but {n_lab} labels")
    return (arrays["train_images"], arrays["train_labels"]), (
        arrays["test_images"],
        arrays["test_labels"],
    )
