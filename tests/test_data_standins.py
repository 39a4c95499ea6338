"""Stand-ins: ground truth matches what is drawn, determinism by seed, real on-disk formats,
and a tiny convnet learns the pets stand-in."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from course_utils.datasets import standins


@pytest.fixture(scope="module")
def pets():
    return standins.make_pets(24, size=96, seed=3)


def test_make_pets_api(pets):
    assert pets.images.shape == (24, 96, 96, 3) and pets.images.dtype == np.uint8
    assert pets.trimaps.shape == (24, 96, 96) and pets.trimaps.dtype == np.uint8
    assert pets.part_masks.shape == (24, 96, 96) and pets.part_masks.dtype == bool
    assert pets.labels.tolist() == [0, 1] * 12
    assert pets.class_names == ["cat", "dog"]
    assert set(np.unique(pets.trimaps)) == {1, 2, 3}


def test_same_seed_same_pixels_and_prefix_stable(pets):
    again = standins.make_pets(10, size=96, seed=3)
    np.testing.assert_array_equal(again.images, pets.images[:10])
    np.testing.assert_array_equal(again.trimaps, pets.trimaps[:10])
    other = standins.make_pets(10, size=96, seed=4)
    assert not np.array_equal(other.images, again.images)


def test_trimap_ring_separates_foreground_from_background(pets):
    for trimap in pets.trimaps:
        fg, bg = trimap == 1, trimap == 2
        # No foreground pixel touches a background pixel: the border ring lies between.
        padded = np.pad(fg, 1)
        grown = padded[1:-1, 1:-1] | padded[:-2, 1:-1] | padded[2:, 1:-1]
        grown |= padded[1:-1, :-2] | padded[1:-1, 2:]
        assert not (grown & bg).any()
        assert 0.02 < fg.mean() < 0.5  # a pet, not the whole picture


def test_part_masks_are_on_the_pet(pets):
    for trimap, part in zip(pets.trimaps, pets.part_masks, strict=True):
        assert part.sum() > 10  # the ears are visible in every image
        assert (trimap[part] != 2).all()  # ears are foreground or border, never background


def test_cats_have_ears_above_dogs_beside(pets):
    """Cat ears point up (above the head's centre), dog ears hang lower: the class-defining
    part differs in shape and place, so the ground truth really is the part."""
    heights = {0: [], 1: []}
    for label, part, trimap in zip(pets.labels, pets.part_masks, pets.trimaps, strict=True):
        ys = np.nonzero(part)[0]
        fg_ys = np.nonzero(trimap == 1)[0]
        heights[int(label)].append((ys.mean() - fg_ys.min()) / (fg_ys.max() - fg_ys.min()))
    assert np.mean(heights[0]) < np.mean(heights[1])


def test_cats_vs_dogs_folder_is_kaggle_layout(data_home):
    folder = standins.cats_vs_dogs_folder(3, size=64, seed=0)
    names = sorted(p.name for p in (folder / "train").iterdir())
    assert names == [f"{c}.{k}.jpg" for c in ("cat", "dog") for k in range(3)]
    with Image.open(folder / "train" / "dog.2.jpg") as im:
        assert im.format == "JPEG" and im.size == (64, 64) and im.mode == "RGB"
    mask = np.asarray(Image.open(folder / "part_masks" / "dog.2.png"))
    _, _, part = standins.draw_pet(1, 64, standins._pet_rng(0, 1, 2))
    np.testing.assert_array_equal(mask > 0, part)
    written = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    real_draw = standins.draw_pet
    standins.draw_pet = None  # a second call must not draw again: it finds the folder
    try:
        assert standins.cats_vs_dogs_folder(3, size=64, seed=0) == folder
    finally:
        standins.draw_pet = real_draw
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()} == written


def test_pets_folder_is_oxford_layout(data_home):
    folder = standins.pets_folder(6, size=64, seed=1)
    lines = (folder / "annotations" / "list.txt").read_text().splitlines()
    assert lines[0].startswith("#Image CLASS-ID SPECIES BREED ID") and len(lines) == 6 + 6
    assert lines[6:8] == ["Cat_1 1 1 1", "dog_1 2 2 1"]
    trimap = np.asarray(Image.open(folder / "annotations" / "trimaps" / "dog_3.png"))
    _, expected, _ = standins.draw_pet(1, 64, standins._pet_rng(1, 1, 2))
    np.testing.assert_array_equal(trimap, expected)
    trainval = (folder / "annotations" / "trainval.txt").read_text().split()
    test = (folder / "annotations" / "test.txt").read_text().split()
    assert len(trainval) + len(test) == 6 * 4 and not set(trainval[::4]) & set(test[::4])


def test_celeba_folder_has_official_text_files(data_home):
    folder = standins.celeba_folder(20, seed=0)
    attr = (folder / "list_attr_celeba.txt").read_text().splitlines()
    assert attr[0] == "20" and attr[1].split() == standins.CELEBA_ATTRIBUTES
    assert len(standins.CELEBA_ATTRIBUTES) == 40 and "Male" in standins.CELEBA_ATTRIBUTES
    assert attr[2].split()[0] == "000001.jpg" and set(attr[2].split()[1:]) <= {"-1", "1"}
    marks = (folder / "list_landmarks_align_celeba.txt").read_text().splitlines()
    assert marks[1].split() == standins.CELEBA_LANDMARKS and len(marks[2].split()) == 11
    parts = [
        line.split()[1] for line in (folder / "list_eval_partition.txt").read_text().splitlines()
    ]
    assert parts.count("0") == 16 and parts.count("1") == 2 and parts.count("2") == 2
    with Image.open(folder / "img_align_celeba" / "000020.jpg") as im:
        assert im.size == (178, 218) and im.format == "JPEG"


def _jaw_corners_skin(male: bool, seed: int, monkeypatch) -> float:
    """The share of skin-coloured pixels at the lower corners of one face, drawn from ``seed``
    with ``Male`` set as given and everything that could cover the jaw (beard, stubble,
    sideburns, blur) turned off; the other attributes and every random draw stay the same."""
    real = standins._face_attributes

    def attributes(rng):
        a = real(rng)
        a.update(Male=male, No_Beard=True, Goatee=False, Mustache=False, Sideburns=False)
        a.update({"5_o_Clock_Shadow": False, "Rosy_Cheeks": False, "Chubby": False})
        a.update(Bald=False, Eyeglasses=False, Blurry=False)
        return a

    monkeypatch.setattr(standins, "_face_attributes", attributes)
    image, _, marks = standins.draw_face(np.random.default_rng([9, seed]))
    monkeypatch.setattr(standins, "_face_attributes", real)
    cheek = image[marks["nose_y"], (marks["lefteye_x"] + marks["nose_x"]) // 2 - 6].astype(int)
    # The jaw's corners: 31-36 px either side of the face's centre line, 25-37 px below the
    # centre of the face oval (rows 147-158): inside a man's square jaw, outside a woman's oval.
    x = marks["nose_x"]
    corners = np.concatenate([image[147:159, x - 36 : x - 31], image[147:159, x + 32 : x + 37]])
    return float((np.abs(corners.astype(int) - cheek).sum(-1) < 12).mean())


def test_faces_male_is_visible(monkeypatch):
    """Men's faces are drawn with a wider, square jaw: the same face drawn as a man and as a
    woman differs at the jaw's lower corners, which are skin for the man (measured over these
    40 faces: 0.03-0.82, mean 0.46; 40 of 40 above the woman) and hardly ever for the woman
    (0-0.18, mean 0.04). The base rate of men is CelebA-like."""
    pairs = np.array(
        [[_jaw_corners_skin(m, seed, monkeypatch) for m in (True, False)] for seed in range(40)]
    )
    assert (pairs[:, 0] > pairs[:, 1]).sum() >= 36, pairs
    assert pairs[:, 0].mean() - pairs[:, 1].mean() > 0.2, pairs.mean(0)
    faces = [standins.draw_face(np.random.default_rng([9, i])) for i in range(60)]
    male = np.array([a["Male"] for _, a, _ in faces])
    assert 0.2 < male.mean() < 0.7
    for _, attrs, marks in faces:
        assert attrs["No_Beard"] or attrs["Male"]  # only men have beards
        assert 0 < marks["lefteye_x"] < marks["righteye_x"] < 178
