"""Cats vs dogs: the small subset from every real layout, the resolver, tfds splits."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from course_utils.datasets import cats_vs_dogs, download
from course_utils.datasets.source import REAL, DataSource
from course_utils.errors import DataError


def jpeg(seed: int, mode: str = "RGB", fmt: str = "JPEG") -> bytes:
    array = np.random.default_rng(seed).integers(0, 255, (20, 24, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).convert(mode).save(buffer, fmt)
    return buffer.getvalue()


N = 8  # images per class in the fixtures; subsets use sizes (3, 2, 2)
SIZES = (3, 2, 2)


def kaggle_files(prefix="train/"):
    files = {}
    for i, cls in enumerate(("cat", "dog")):
        for k in range(N):
            files[f"{prefix}{cls}.{k}.jpg"] = jpeg(k + 100 * i)
    return files


def microsoft_files():
    files = {}
    for i, cls in enumerate(("Cat", "Dog")):
        for k in range(N):
            files[f"PetImages/{cls}/{k}.jpg"] = jpeg(k + 100 * i)
        files[f"PetImages/{cls}/Thumbs.db"] = b"\x00" * 32
    files["PetImages/Cat/1.jpg"] = b""  # like Cat/666.jpg: 0 bytes
    files["PetImages/Dog/2.jpg"] = jpeg(5, fmt="PNG")  # PNG under a .jpg name
    files["PetImages/Dog/3.jpg"] = jpeg(6, mode="CMYK")  # usable, converted to RGB
    files["MSR-LA - 3467.docx"] = b"PK\x03\x04not really"
    return files


def filtered_files():
    files = {}
    for split, start, n in (("train", 0, 6), ("validation", 2000, 4)):
        for i, cls in enumerate(("cat", "dog")):
            for k in range(start, start + n):
                name = f"cats_and_dogs_filtered/{split}/{cls}s/{cls}.{k}.jpg"
                files[name] = jpeg(k + 100 * i)
    return files


def write_zip(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def write_tree(root, files):
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def local(path):
    return DataSource("cats_vs_dogs", REAL, "cats vs dogs", str(path), "local archive")


def check_subset(folder, sizes=SIZES):
    counts = cats_vs_dogs.subset_counts(folder)
    assert counts == {
        s: {"cats": n, "dogs": n} for s, n in zip(cats_vs_dogs.SPLITS, sizes, strict=True)
    }
    for path in folder.rglob("*.jpg"):
        with Image.open(path) as im:
            assert im.format == "JPEG" and im.mode == "RGB"
    return json.loads((folder / cats_vs_dogs.MARKER).read_text())


def test_kaggle_folder(data_home, tmp_path):
    root = write_tree(tmp_path / "kaggle", kaggle_files())
    folder = cats_vs_dogs.small_subset(local(root / "train"), SIZES)
    assert folder.parent == data_home and folder.name.startswith("cats_vs_dogs_small")
    check_subset(folder)
    names = sorted(p.name for p in (folder / "train" / "cats").iterdir())
    assert names == ["cat.0.jpg", "cat.1.jpg", "cat.2.jpg"]  # the first ones, like the book
    assert sorted(p.name for p in (folder / "test" / "dogs").iterdir()) == [
        "dog.5.jpg",
        "dog.6.jpg",
    ]


def test_kaggle_competition_zip_with_nested_train_zip(data_home, tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        for name, data in kaggle_files().items():
            zf.writestr(name, data)
    outer = write_zip(tmp_path / "dogs-vs-cats.zip", {"train.zip": inner.getvalue()})
    check_subset(cats_vs_dogs.small_subset(local(outer), SIZES))


def test_microsoft_zip_skips_bad_files_and_converts_cmyk(data_home, tmp_path, capsys):
    files = microsoft_files()
    archive = write_zip(tmp_path / "kagglecatsanddogs_5340.zip", files)
    before = archive.read_bytes()
    record = check_subset(cats_vs_dogs.small_subset(local(archive), SIZES))
    # What the learner reads: both counts (issue 12, defect 6).
    assert "skipped 2 unusable files, re-encoded 1 as plain RGB JPEG" in capsys.readouterr().out
    skipped = {s["file"]: s["problem"] for s in record["skipped"]}
    assert skipped == {
        "PetImages/Cat/1.jpg": "empty file (0 bytes)",
        "PetImages/Dog/2.jpg": "PNG content under a .jpg name",
    }
    assert record["converted_to_rgb_jpeg"] == ["PetImages/Dog/3.jpg"]
    assert archive.read_bytes() == before  # the original is untouched
    folder = data_home / "cats_vs_dogs_small_3_2_2"
    assert not (folder / "train" / "cats" / "cat.1.jpg").exists()
    assert (folder / "validation" / "cats" / "cat.4.jpg").exists()  # next ones moved up


def test_microsoft_folder(data_home, tmp_path):
    root = write_tree(tmp_path / "ms", microsoft_files())
    check_subset(cats_vs_dogs.small_subset(local(root / "PetImages"), SIZES))


def test_filtered_zip_default_sizes_halve_validation(data_home, tmp_path, monkeypatch):
    monkeypatch.setattr(cats_vs_dogs, "FILTERED_SIZES", (6, 2, 2))
    archive = write_zip(tmp_path / "cats_and_dogs_filtered.zip", filtered_files())
    folder = cats_vs_dogs.small_subset(local(archive))
    check_subset(folder, (6, 2, 2))
    assert (folder / "validation" / "cats" / "cat.2000.jpg").exists()
    assert (folder / "test" / "dogs" / "dog.2003.jpg").exists()


def test_too_few_usable_images_is_a_clear_error(data_home, tmp_path):
    archive = write_zip(tmp_path / "kagglecatsanddogs_5340.zip", microsoft_files())
    with pytest.raises(DataError, match="too few usable images"):
        cats_vs_dogs.small_subset(local(archive), (5, 2, 2))
    assert not list(data_home.glob("cats_vs_dogs_small*"))  # no half-built subset left


def test_damaged_zip_is_a_clear_error(data_home, tmp_path):
    archive = tmp_path / "kagglecatsanddogs_5340.zip"
    archive.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(DataError, match="not a readable zip"):
        cats_vs_dogs.small_subset(local(archive), SIZES)


def test_existing_foreign_folder_is_not_overwritten(data_home, tmp_path):
    (data_home / "cats_vs_dogs_small_3_2_2" / "train").mkdir(parents=True)
    archive = write_zip(tmp_path / "kagglecatsanddogs_5340.zip", microsoft_files())
    with pytest.raises(DataError, match="not a complete"):
        cats_vs_dogs.small_subset(local(archive), SIZES)


def test_resolver(data_home, monkeypatch):
    monkeypatch.setattr(cats_vs_dogs, "reachable", lambda *a, **k: False)
    monkeypatch.setattr(cats_vs_dogs, "search_folders", lambda: [data_home / "cats_vs_dogs"])
    monkeypatch.setenv("TFDS_DATA_DIR", str(data_home / "tfds"))
    assert cats_vs_dogs.resolve("smoke").is_standin
    offline = cats_vs_dogs.resolve("cpu")
    assert offline.is_standin and "NOT real" in offline.note
    (data_home / "cats_vs_dogs").mkdir()
    write_zip(data_home / "cats_vs_dogs" / "kagglecatsanddogs_5340.zip", microsoft_files())
    found = cats_vs_dogs.resolve("cpu")
    assert found.kind == "real" and found.location.endswith("kagglecatsanddogs_5340.zip")
    assert cats_vs_dogs.resolve("smoke").is_standin  # smoke never uses real data
    monkeypatch.setattr(cats_vs_dogs, "reachable", lambda *a, **k: True)
    assert cats_vs_dogs.resolve_tfds("full").how == "tfds download"


def test_standin_goes_through_the_real_code_path(data_home, monkeypatch):
    monkeypatch.setitem(cats_vs_dogs.STANDIN_SIZES, "smoke", (8, 64))
    source = cats_vs_dogs.resolve("smoke")
    folder = cats_vs_dogs.small_subset(source)
    record = check_subset(folder, (4, 2, 2))
    assert record["source"].startswith("stand-in") and record["skipped"] == []
    # The book's rule (lesson 02 shows it): per class, in the order of the file numbers, the
    # first go to train, the next to validation, the next to test.
    for cls in ("cat", "dog"):
        numbers = {
            split: sorted(int(f.name.split(".")[1]) for f in (folder / split / f"{cls}s").iterdir())
            for split in cats_vs_dogs.SPLITS
        }
        assert numbers == {"train": [0, 1, 2, 3], "validation": [4, 5], "test": [6, 7]}
    assert cats_vs_dogs.small_subset(source) == folder
    # Other sizes from the same stand-in get their own folder; the default one is untouched.
    smaller = cats_vs_dogs.small_subset(source, (2, 1, 1))
    assert smaller != folder
    check_subset(smaller, (2, 1, 1))
    check_subset(folder, (4, 2, 2))


def test_tfds_splits_same_structure_from_tfds_and_standin(data_home, monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setitem(cats_vs_dogs.TFDS_STANDIN_SIZES, "smoke", (10, 48))
    source = cats_vs_dogs.resolve_tfds("smoke")
    standin = cats_vs_dogs.tfds_splits(source)
    assert standin[3].num_examples == {"train[:80%]": 16, "train[80%:90%]": 2, "train[90%:]": 2}
    real_source = DataSource("cats_vs_dogs_tfds", REAL, "cats vs dogs", "x", "tfds cache")
    with tfds.testing.mock_data(num_examples=6):
        real = cats_vs_dogs.tfds_splits(real_source)
        image, label = next(iter(real[0]))
    assert real[0].element_spec == standin[0].element_spec
    assert image.dtype.name == "uint8" and int(label) in (0, 1)
    assert real[3].class_names == standin[3].class_names == ["cat", "dog"]
    resized = cats_vs_dogs.tfds_splits(source, image_size=(32, 40))[1]
    assert tuple(resized.element_spec[0].shape) == (32, 40, 3)
    assert resized.element_spec[0].dtype.name == "uint8"


def test_small_subset_from_tfds(data_home):
    import tensorflow_datasets as tfds

    real_source = DataSource("cats_vs_dogs", REAL, "cats vs dogs", "x", "tfds cache")
    with tfds.testing.mock_data(num_examples=40):
        folder = cats_vs_dogs.small_subset(real_source, (2, 1, 1))
    check_subset(folder, (2, 1, 1))


def test_offline_download_fails_fast_with_instructions(data_home, monkeypatch):
    monkeypatch.setattr(download, "reachable", lambda *a, **k: False)
    source = DataSource("cats_vs_dogs", REAL, "cats vs dogs", "url", "download")
    with pytest.raises(DataError, match="by hand"):
        cats_vs_dogs.small_subset(source)
    assert not list((data_home / "cats_vs_dogs").glob("*.part"))


def test_lesson_order_a_smaller_subset_after_the_default_one(data_home, tmp_path, monkeypatch):
    """Issue 12, defect 1: lesson 02 builds the default subset, then lesson 04 asks for fewer
    images per class (its cpu sizes). The resolver finds the default subset ("local subset");
    the smaller one must still have the requested sizes, chosen by the same rule (the first
    files by number), built from the default subset when no archive is left."""
    monkeypatch.setattr(cats_vs_dogs, "DEFAULT_SIZES", SIZES)
    monkeypatch.setattr(cats_vs_dogs, "search_folders", lambda: [data_home / "cats_vs_dogs"])
    archive = write_tree(tmp_path / "kaggle", kaggle_files())
    lesson_02 = cats_vs_dogs.small_subset(local(archive / "train"))  # the default sizes
    check_subset(lesson_02)
    source = cats_vs_dogs.resolve("cpu")
    assert source.how == "local subset" and source.location == str(lesson_02)
    assert cats_vs_dogs.small_subset(source) == lesson_02  # default sizes: the same folder
    smaller = (2, 1, 1)
    lesson_04 = cats_vs_dogs.small_subset(source, smaller)
    assert lesson_04 != lesson_02
    check_subset(lesson_04, smaller)
    numbers = {
        split: sorted(int(f.name.split(".")[1]) for f in (lesson_04 / split / "dogs").iterdir())
        for split in cats_vs_dogs.SPLITS
    }
    assert numbers == {"train": [0, 1], "validation": [2], "test": [3]}
    check_subset(lesson_02)  # untouched
    with pytest.raises(DataError, match="more images"):
        cats_vs_dogs.small_subset(source, (5, 2, 2))


def test_keras_get_file_extraction_folder_is_found(data_home, monkeypatch):
    """Issue 12, defect 7: ``keras.utils.get_file("cats_and_dogs.zip", <Microsoft zip>,
    extract=True)`` extracts into ``cats_and_dogs_extracted/PetImages/...`` in Keras' cache;
    the resolver finds it there instead of downloading the 786 MB again."""
    keras_cache = data_home / "keras" / "datasets"
    monkeypatch.setattr(cats_vs_dogs, "search_folders", lambda: [keras_cache])
    monkeypatch.setattr(cats_vs_dogs, "reachable", lambda *a, **k: True)
    write_tree(keras_cache / "cats_and_dogs_extracted", microsoft_files())
    source = cats_vs_dogs.resolve("cpu")
    assert source.how == "local archive"
    assert source.location == str(keras_cache / "cats_and_dogs_extracted")
    check_subset(cats_vs_dogs.small_subset(source, SIZES))


def test_tfds_prepares_from_the_course_zip_instead_of_downloading_it_again(data_home, monkeypatch):
    """Issue 12, defect 7: with the Microsoft zip already in the data folder, tfds gets that
    folder as ``manual_dir`` (tfds looks there for the file name of its checksum list,
    kagglecatsanddogs_5340.zip) and needs no network; without it, tfds downloads as usual."""
    import tensorflow_datasets as tfds

    calls = []
    monkeypatch.setattr(tfds, "load", lambda *a, **k: calls.append(k) or ("ds", "info"))
    monkeypatch.setattr(cats_vs_dogs, "reachable", lambda *a, **k: False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(data_home / "tfds"))
    with pytest.raises(DataError, match="cannot reach"):
        cats_vs_dogs._tfds_load("train", download=True)
    assert cats_vs_dogs.resolve_tfds("cpu").is_standin
    folder = data_home / "cats_vs_dogs"
    folder.mkdir()
    (folder / "kagglecatsanddogs_5340.zip").write_bytes(b"PK")  # only its name matters here
    assert cats_vs_dogs.resolve_tfds("cpu").how == "tfds download"
    assert cats_vs_dogs._tfds_load("train", download=True) == ("ds", "info")
    config = calls[-1]["download_and_prepare_kwargs"]["download_config"]
    assert str(config.manual_dir) == str(folder)
    cats_vs_dogs._tfds_load("train", download=False)  # the tfds cache: nothing to prepare
    assert "download_and_prepare_kwargs" not in calls[-1]
