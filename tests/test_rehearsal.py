"""Rehearsal data: the real sources' exact formats, filled with stand-in pictures."""

from __future__ import annotations

import tarfile
import zipfile

import numpy as np
import pytest

from course_utils.datasets import images


@pytest.fixture
def files(rehearsal_files):
    return rehearsal_files


def test_microsoft_archive_has_the_real_layout_and_its_troubles(files):
    with zipfile.ZipFile(files / "kagglecatsanddogs_5340.zip") as zf:
        names = zf.namelist()
        assert "PetImages/Cat/0.jpg" in names and "PetImages/Dog/39.jpg" in names
        assert "PetImages/Cat/Thumbs.db" in names and "readme[1].txt" in names
        assert zf.read("PetImages/Cat/7.jpg") == b""  # zero bytes
        checks = {n: images.check_bytes(zf.read(n), n) for n in names if n.endswith(".jpg")}
    unusable = sorted(n for n, c in checks.items() if not c.usable)
    assert unusable == [
        "PetImages/Cat/11.jpg", "PetImages/Cat/13.jpg", "PetImages/Cat/7.jpg",
        "PetImages/Dog/11.jpg", "PetImages/Dog/7.jpg",
    ]  # fmt: skip
    with zipfile.ZipFile(files / "kagglecatsanddogs_5340.zip") as zf:
        warned = zf.read("PetImages/Cat/17.jpg")
    assert checks["PetImages/Cat/17.jpg"].usable  # decodes, but with extraneous bytes:
    assert warned[-34:-2] == bytes(range(1, 33)) and warned.endswith(b"\xff\xd9")


def test_pets_archives_are_plain_tar_with_the_real_members(files):
    with open(files / "images.tar.gz", "rb") as f:
        head = f.read(512)
    assert head[257:262] == b"ustar" and not head.startswith(b"\x1f\x8b")  # named .gz, plain tar
    with tarfile.open(files / "annotations.tar.gz") as tar:
        names = tar.getnames()
        listing = tar.extractfile("annotations/list.txt").read().decode().splitlines()
    assert listing[0].startswith("#Image CLASS-ID SPECIES BREED ID") and len(listing) == 6 + 40
    assert "annotations/trimaps/Abyssinian_1.png" in names
    assert "annotations/trimaps/._Abyssinian_1.png" in names
    assert any(n.startswith("annotations/xmls/") for n in names)
    with tarfile.open(files / "images.tar.gz") as tar:
        image_names = tar.getnames()
    assert (
        "images/Abyssinian_100.mat" in image_names
        and "images/american_bulldog_1.jpg" in image_names
    )


def test_celeba_and_mnist_files(files):
    lines = (files / "list_attr_celeba.txt").read_text().splitlines()
    assert lines[0] == "60" and lines[1].split()[20] == "Male" and lines[2].startswith("000001.jpg")
    with zipfile.ZipFile(files / "img_align_celeba.zip") as zf:
        assert len(zf.namelist()) == 60 and zf.namelist()[0] == "img_align_celeba/000001.jpg"
    with np.load(files / "mnist.npz") as npz:
        assert npz["x_train"].shape == (600, 28, 28) and npz["x_train"].dtype == np.uint8
        assert set(np.unique(npz["y_test"])) == set(range(10))
    assert "rehearsal data" in (files / "REHEARSAL.txt").read_text()
