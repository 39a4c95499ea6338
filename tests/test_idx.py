import gzip

import numpy as np
import pytest

from course_utils import DataError
from course_utils.datasets import idx


@pytest.mark.parametrize("name", ["images-idx3-ubyte.gz", "images-idx3-ubyte"])
def test_write_then_read_round_trip(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    path = idx.write_idx(tmp_path / name, images)
    back = idx.read_idx(path)
    assert back.shape == (7, 28, 28) and back.dtype == np.uint8
    np.testing.assert_array_equal(back, images)
    assert not list(tmp_path.glob("*.part")), "no temporary file may remain"


def test_header_is_the_mnist_header(tmp_path):
    path = idx.write_idx(tmp_path / "labels-idx1-ubyte", np.arange(10, dtype=np.uint8))
    raw = path.read_bytes()
    assert raw[:4] == b"\x00\x00\x08\x01" and raw[4:8] == (10).to_bytes(4, "big")


def _cut(path, keep):
    data = gzip.decompress(path.read_bytes())[:keep]
    path.write_bytes(gzip.compress(data))


def test_truncated_file_names_the_file_and_the_fix(tmp_path):
    path = idx.write_idx(tmp_path / "train-images-idx3-ubyte.gz", np.zeros((5, 28, 28), np.uint8))
    _cut(path, 100)
    with pytest.raises(DataError) as err:
        idx.read_idx(path)
    msg = str(err.value)
    assert "truncated" in msg and str(path) in msg and "download it again" in msg


def test_cut_off_gzip_stream_is_reported(tmp_path):
    path = idx.write_idx(tmp_path / "x-idx3-ubyte.gz", np.ones((50, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError, match="damaged or truncated"):
        idx.read_idx(path)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"<html>quota exceeded</html>")
    with pytest.raises(DataError, match="not an IDX file"):
        idx.read_idx(path)


def test_folder_with_mismatched_counts(tmp_path):
    for key, name in idx.FILES.items():
        n = 3 if key == "test_labels" else 4
        shape = (n, 28, 28) if "images" in key else (n,)
        idx.write_idx(tmp_path / name, np.zeros(shape, np.uint8))
    with pytest.raises(DataError, match="4 test images but 3 labels"):
        idx.load_idx_folder(tmp_path)


def test_incomplete_folder_is_not_found(tmp_path):
    idx.write_idx(tmp_path / idx.FILES["train_images"], np.zeros((1, 28, 28), np.uint8))
    assert idx.find_idx_folder(tmp_path) is None
    with pytest.raises(DataError, match="does not hold the four IDX files"):
        idx.load_idx_folder(tmp_path)
