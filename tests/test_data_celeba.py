"""CelebA: the official text files (headers and all), tfds, stand-in: the same elements."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from course_utils.datasets import celeba, standins
from course_utils.datasets.source import REAL, DataSource
from course_utils.errors import DataError

N = 10


def official_files(folder, zipped=True):
    """The four official files for N images (8 train, 1 validation, 1 test)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    names = [f"{i + 1:06d}.jpg" for i in range(N)]
    images = {}
    for name in names:
        buffer = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (218, 178, 3), dtype=np.uint8)).save(buffer, "JPEG")
        images[f"img_align_celeba/{name}"] = buffer.getvalue()
    if zipped:
        with zipfile.ZipFile(folder / "img_align_celeba.zip", "w") as zf:
            for name, data in images.items():
                zf.writestr(name, data)
    attrs = rng.choice([-1, 1], (N, 40))
    attr_lines = [
        f"{n} " + " ".join(f"{v:2d}" for v in row) for n, row in zip(names, attrs, strict=True)
    ]
    (folder / "list_attr_celeba.txt").write_text(
        f"{N}\n" + " ".join(celeba.ATTRIBUTES) + " \n" + "\n".join(attr_lines) + "\n"
    )
    parts = [0] * 8 + [1, 2]
    (folder / "list_eval_partition.txt").write_text(
        "".join(f"{n} {p}\n" for n, p in zip(names, parts, strict=True))
    )
    marks = rng.integers(50, 150, (N, 10))
    (folder / "list_landmarks_align_celeba.txt").write_text(
        f"{N}\n"
        + " ".join(celeba.LANDMARKS)
        + "\n"
        + "".join(
            n + "".join(f"{v:>6d}" for v in row) + "\n" for n, row in zip(names, marks, strict=True)
        )
    )
    return folder, attrs, marks


def local(folder):
    return DataSource("celeba", REAL, "CelebA", str(folder), "official files")


def test_official_files(data_home):
    folder, attrs, marks = official_files(data_home / "celeba")
    ds = celeba.load(local(folder), "train")
    elements = list(ds)
    assert len(elements) == 8
    first = elements[0]
    assert first["image"].shape == (218, 178, 3) and first["image"].dtype.name == "uint8"
    assert len(first["attributes"]) == 40
    assert bool(first["attributes"]["Male"]) == (attrs[0, celeba.ATTRIBUTES.index("Male")] == 1)
    assert int(first["landmarks"]["nose_x"]) == marks[0, 4]
    assert len(list(celeba.load(local(folder), "validation"))) == 1
    assert len(list(celeba.load(local(folder), "train[:50%]"))) == 4
    assert (folder / "img_align_celeba" / "000010.jpg").is_file()  # unpacked once


def test_same_structure_as_tfds_and_standin(data_home, monkeypatch):
    import tensorflow_datasets as tfds

    folder, _, _ = official_files(data_home / "celeba")
    files_spec = celeba.load(local(folder), "test").element_spec
    monkeypatch.setitem(celeba.STANDIN_SIZES, "smoke", 20)
    standin = celeba.load(celeba.resolve("smoke"), "validation")
    assert standin.element_spec == files_spec
    assert len(list(standin)) == 2
    source = DataSource("celeba", REAL, "CelebA", "celeb_a", "tfds cache")
    with tfds.testing.mock_data(num_examples=3):
        ds = celeba.load(source, "train")
        assert ds.element_spec == files_spec
        assert len(list(ds)) == 3


@pytest.mark.parametrize(
    ("file", "damage", "message"),
    [
        ("list_attr_celeba.txt", lambda t: "11\n" + t.split("\n", 1)[1], "says 11 images"),
        ("list_attr_celeba.txt", lambda t: t.replace("Male", "Man"), "line 2 should list"),
        ("list_landmarks_align_celeba.txt", lambda t: t[: len(t) // 2], "expected 11 fields|says"),
        ("list_eval_partition.txt", lambda t: "<!DOCTYPE html><html>quota</html>", "web page"),
    ],
)
def test_damaged_text_files_give_clear_errors(data_home, file, damage, message):
    folder, _, _ = official_files(data_home / "celeba", zipped=False)
    path = folder / file
    path.write_text(damage(path.read_text()))
    celeba.read_files.cache_clear()
    with pytest.raises(DataError, match=message):
        celeba.read_files(str(folder))


def test_tfds_failure_explains_manual_steps(data_home, monkeypatch):
    monkeypatch.setattr(celeba, "reachable", lambda *a, **k: False)
    source = DataSource("celeba", REAL, "CelebA", "celeb_a", "tfds download")
    with pytest.raises(DataError, match="by hand.*list_attr_celeba.txt"):
        celeba.load(source, "train")
    monkeypatch.setenv("TFDS_DATA_DIR", str(data_home / "tfds"))
    cached = DataSource("celeba", REAL, "CelebA", "celeb_a", "tfds cache")
    with pytest.raises(DataError, match="tfds could not load celeb_a.*by hand"):
        celeba.load(cached, "train")  # not prepared, no download: fails at once


def test_resolver(data_home, monkeypatch):
    monkeypatch.setattr(celeba, "reachable", lambda *a, **k: False)
    monkeypatch.setenv("TFDS_DATA_DIR", str(data_home / "tfds"))
    assert celeba.resolve("full").is_standin
    official_files(data_home / "celeba")
    assert celeba.resolve("full").how == "official files"
    assert celeba.resolve("smoke").is_standin


def test_standin_labels_agree_with_what_is_drawn(data_home):
    """The written attribute file holds both classes, and only men have a goatee (the drawing
    gives beards to men only). That the jaw is visible in the pictures is checked on the drawing
    itself: tests/test_data_standins.py::test_faces_male_is_visible."""
    folder = standins.celeba_folder(40, seed=0)
    files = celeba.read_files(str(folder))
    male = files.attributes[:, celeba.ATTRIBUTES.index("Male")]
    assert 0 < male.sum() < 40
    assert not (files.attributes[:, celeba.ATTRIBUTES.index("Goatee")] & ~male).any()


def test_drive_quota_goes_on_with_the_standin_loudly(data_home, monkeypatch, capsys):
    """Issue 12, defect 3: Google Drive's daily quota makes tfds fail; lesson 08 goes on with
    the stand-in, says so and what to do, and its source says stand-in from then on."""

    def quota(split, download):
        raise DataError(
            "tfds could not load celeb_a (NonMatchingChecksumError: Google Drive "
            f"quota exceeded). {celeba.manual_steps()}"
        )

    monkeypatch.setattr(celeba, "_from_tfds", quota)
    monkeypatch.setitem(celeba.STANDIN_SIZES, "cpu", 40)
    real = DataSource("celeba", REAL, "CelebA", "celeb_a", "tfds download")
    source, splits = celeba.load_splits(real, "cpu")
    out = capsys.readouterr().out
    assert "quota exceeded" in out and "by hand" in out and "NOT CelebA's" in out
    assert source.is_standin and "NOT CelebA's" in source.note
    assert set(splits) == {"train", "validation", "test"}
    example = next(iter(splits["test"]))
    assert example["image"].shape == (218, 178, 3)
    # A stand-in that fails is a bug, not a quota: it is raised.
    monkeypatch.setattr(celeba, "load", lambda s, split: quota(split, False))
    with pytest.raises(DataError):
        celeba.load_splits(source, "cpu")
