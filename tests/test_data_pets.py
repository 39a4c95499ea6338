"""Oxford-IIIT Pet: official tarballs (with their odd files), tfds, stand-in; streaming masks."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest
from PIL import Image

from course_utils.datasets import pets, standins
from course_utils.datasets.source import REAL, DataSource
from course_utils.errors import DataError


def encoded(array, fmt):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, fmt)
    return buffer.getvalue()


def trimap(h=30, w=40):
    t = np.full((h, w), 2, np.uint8)
    t[8:22, 10:30] = 3
    t[10:20, 12:28] = 1
    return t


def photo(seed, h=30, w=40):
    return np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)


def write_tar(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def oxford_archives(folder):
    """images.tar.gz + annotations.tar.gz with the real archive's quirks."""
    stems = ["Abyssinian_1", "Abyssinian_2", "american_bulldog_1", "Egyptian_Mau_14"]
    images = {f"images/{s}.jpg": encoded(photo(i), "JPEG") for i, s in enumerate(stems[:3])}
    images["images/Egyptian_Mau_14.jpg"] = encoded(photo(9), "PNG")  # PNG named .jpg
    images["images/Abyssinian_100.mat"] = b"MATLAB 5.0"
    images["images/beagle_1.jpg"] = encoded(photo(5), "JPEG")  # no trimap
    annotations = {f"annotations/trimaps/{s}.png": encoded(trimap(), "PNG") for s in stems}
    annotations["annotations/trimaps/._Abyssinian_1.png"] = b"\x00\x05\x16\x07"
    annotations["annotations/list.txt"] = (
        standins.OXFORD_LIST_HEADER.encode()
        + b"Abyssinian_1 1 1 1\nAbyssinian_2 1 1 1\namerican_bulldog_1 2 2 1\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    write_tar(folder / "images.tar.gz", images)
    write_tar(folder / "annotations.tar.gz", annotations)
    return folder


def local(folder):
    return DataSource("pets", REAL, "Oxford-IIIT Pet", str(folder), "local files")


def test_official_archives(data_home):
    folder = oxford_archives(data_home / "oxford_iiit_pet")
    before = (folder / "images.tar.gz").read_bytes()
    files = pets.load_pairs(local(folder))
    assert [p.name for p in files.images] == [
        "Abyssinian_1.jpg",
        "Abyssinian_2.jpg",
        "american_bulldog_1.jpg",
    ]
    assert [p.name for p in files.trimaps] == [
        "Abyssinian_1.png",
        "Abyssinian_2.png",
        "american_bulldog_1.png",
    ]
    assert files.species == [0, 0, 1]
    assert files.skipped == 2
    reasons = dict(files.skipped_files)
    assert reasons["Egyptian_Mau_14.jpg"] == "PNG content under a .jpg name"
    assert reasons["beagle_1.jpg"] == "no trimap"
    assert files.part_masks is None
    assert (folder / "images.tar.gz").read_bytes() == before


def test_dataset_streams_resized_images_and_masks(data_home):
    folder = oxford_archives(data_home / "oxford_iiit_pet")
    ds = pets.dataset(local(folder), image_size=(17, 23), batch_size=2)
    images, masks = next(iter(ds))
    assert images.shape == (2, 17, 23, 3) and images.dtype.name == "float32"
    assert masks.shape == (2, 17, 23, 1) and masks.dtype.name == "uint8"
    assert set(np.unique(masks.numpy())) == {0, 1, 2}  # nearest: no in-between values


def test_shuffle_moves_pairs_together_and_repeats_with_its_seed(data_home, monkeypatch):
    monkeypatch.setitem(pets.STANDIN_SIZES, "smoke", (10, 64))
    files = pets.load_pairs(pets.resolve("smoke"))
    images, masks = next(iter(pets.dataset(files, (32, 32), batch_size=10)))
    first, second = (
        next(iter(pets.dataset(files, (32, 32), batch_size=10, shuffle=True, seed=3)))
        for _ in range(2)
    )
    order = [next(i for i in range(10) if np.array_equal(images[i], image)) for image in first[0]]
    assert sorted(order) == list(range(10)) and order != list(range(10))
    for position, i in enumerate(order):  # each photo still has its own mask
        assert np.array_equal(first[1][position], masks[i])
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])


def test_resolver_finds_local_copy(data_home, monkeypatch):
    monkeypatch.setattr(pets, "reachable", lambda *a, **k: False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(data_home / "tfds"))
    assert pets.resolve("cpu").is_standin and "NOT real" in pets.resolve("cpu").note
    oxford_archives(data_home / "oxford_iiit_pet")
    assert pets.resolve("cpu").how == "local files"
    assert pets.resolve("smoke").is_standin


def test_missing_archive_is_a_clear_error(data_home):
    folder = data_home / "oxford_iiit_pet"
    folder.mkdir()
    (folder / "images").mkdir()
    with pytest.raises(DataError, match="annotations.tar.gz"):
        pets.load_pairs(local(folder))


def test_standin_pairs_with_part_masks(data_home, monkeypatch):
    monkeypatch.setitem(pets.STANDIN_SIZES, "smoke", (10, 64))
    files = pets.load_pairs(pets.resolve("smoke"))
    assert len(files) == 10 and files.skipped == 0 and sorted(files.species) == [0] * 5 + [1] * 5
    mask = pets.read_mask(files.part_masks[3])
    trimap = pets.read_mask(files.trimaps[3])
    assert mask.any() and (trimap[mask > 0] != 2).all()
    train, val = files.split(3)
    assert len(train) == 7 and len(val) == 3
    assert not set(train.images) & set(val.images)


def test_tfds_source_written_in_oxford_layout(data_home):
    import tensorflow_datasets as tfds

    source = DataSource("pets", REAL, "Oxford-IIIT Pet", "oxford_iiit_pet", "tfds cache")
    with tfds.testing.mock_data(num_examples=4):
        files = pets.load_pairs(source)
    assert len(files) >= 4  # train + test of the mock
    images, masks = next(iter(pets.dataset(files, image_size=(16, 16))))
    # tfds' mock masks are random values of another shape: only the structure is checked.
    assert images.shape == (16, 16, 3) and masks.shape == (16, 16, 1)
