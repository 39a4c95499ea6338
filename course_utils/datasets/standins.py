"""Offline stand-ins: deterministic generated data in the same on-disk format as the real data.

A stand-in is used when the real data cannot be had (always in the ``smoke`` profile when no
real local copy exists). It is labeled as such in the banner and in plot titles.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..paths import data_dir
from . import idx

DIGITS_VERSION = 1
DIGIT_CLASS_NAMES = [str(d) for d in range(10)]


def _font_path() -> str:
    # DejaVu Sans ships with matplotlib, so every course environment has the same font.
    from matplotlib import font_manager

    return font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))


def render_digits(labels: np.ndarray, seed: int) -> np.ndarray:
    """Render one 28x28 uint8 image per label: a digit drawn with random size, slant, stroke
    width, rotation and position, centred like MNIST (20x20 box, centre of mass at the middle),
    with mild blur and noise."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = np.random.default_rng(seed)
    font_file = _font_path()
    fonts = {size: ImageFont.truetype(font_file, size) for size in range(22, 34, 2)}
    out = np.zeros((len(labels), 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        canvas = Image.new("L", (56, 56), 0)
        draw = ImageDraw.Draw(canvas)
        font = fonts[int(rng.choice(list(fonts)))]
        draw.text(
            (28, 28),
            str(int(label)),
            fill=255,
            font=font,
            anchor="mm",
            stroke_width=int(rng.integers(0, 3)),
            stroke_fill=255,
        )
        shear = rng.uniform(-0.35, 0.35)
        canvas = canvas.transform(
            canvas.size, Image.AFFINE, (1, shear, -shear * 28, 0, 1, 0), resample=Image.BILINEAR
        )
        canvas = canvas.rotate(rng.uniform(-18, 18), resample=Image.BILINEAR)
        box = canvas.getbbox() or (0, 0, 56, 56)
        glyph = canvas.crop(box)
        scale = 20 / max(glyph.size)
        size = (max(1, round(glyph.width * scale)), max(1, round(glyph.height * scale)))
        glyph = np.asarray(glyph.resize(size, Image.LANCZOS), dtype=np.float32)
        ys, xs = np.nonzero(glyph > 0)
        weights = glyph[ys, xs]
        cy = (ys * weights).sum() / weights.sum() if len(ys) else glyph.shape[0] / 2
        cx = (xs * weights).sum() / weights.sum() if len(xs) else glyph.shape[1] / 2
        top = int(np.clip(round(14 - cy + rng.normal(0, 1.0)), 0, 28 - glyph.shape[0]))
        left = int(np.clip(round(14 - cx + rng.normal(0, 1.0)), 0, 28 - glyph.shape[1]))
        img = np.zeros((28, 28), dtype=np.float32)
        img[top : top + glyph.shape[0], left : left + glyph.shape[1]] = glyph
        img = np.asarray(
            Image.fromarray(img.clip(0, 255).astype(np.uint8)).filter(
                ImageFilter.GaussianBlur(rng.uniform(0.0, 0.7))
            ),
            dtype=np.float32,
        )
        img += rng.normal(0, 8, img.shape) * (img > 0)
        out[i] = img.clip(0, 255).astype(np.uint8)
    return out


def digits_folder(n_train: int, n_test: int, seed: int = 0) -> Path:
    """Generate (once) and return a folder of MNIST-format IDX files with stand-in digits.

    Balanced classes; the same ``(n_train, n_test, seed)`` gives the same bytes. Written
    atomically, so parallel runs never see half a file.
    """
    folder = data_dir() / "standins" / f"digits-v{DIGITS_VERSION}-{n_train}-{n_test}-s{seed}"
    if idx.find_idx_folder(folder) is not None:
        return folder
    rng = np.random.default_rng(seed)
    for split, n, split_seed in (("train", n_train, seed * 2 + 1), ("test", n_test, seed * 2 + 2)):
        labels = rng.permutation(np.arange(n) % 10).astype(np.uint8)
        images = render_digits(labels, split_seed)
        prefix = "train" if split == "train" else "t10k"
        idx.write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
        idx.write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", images)
    return folder


# ---------------------------------------------------------------------------------------------
# Pets: cats and dogs told apart by their ears (pointed triangles vs floppy rounded flaps)
# ---------------------------------------------------------------------------------------------

PETS_VERSION = 3
PET_CLASS_NAMES = ["cat", "dog"]
#: Ids of the layers drawn into the id map: background, pet body, class-defining part (ears).
_BG, _BODY, _PART = 0, 1, 2


@dataclass
class PetsStandin:
    """Generated pets with their ground truth.

    ``images`` uint8 (n, H, W, 3); ``labels`` int64 (0 cat, 1 dog); ``trimaps`` uint8 (n, H, W)
    with the Oxford-IIIT convention (1 foreground, 2 background, 3 border ring);
    ``part_masks`` bool (n, H, W): the visible pixels of the class-defining part (the ears).
    """

    images: np.ndarray
    labels: np.ndarray
    trimaps: np.ndarray
    part_masks: np.ndarray
    class_names: list[str] = field(default_factory=lambda: list(PET_CLASS_NAMES))

    def __len__(self) -> int:
        return len(self.labels)


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 40) -> np.ndarray:
    """Points (n, 2) of an ellipse around ``(cx, cy)``."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _rotate(points: np.ndarray, angle: float, cx: float, cy: float) -> np.ndarray:
    """Rotate points by ``angle`` radians around ``(cx, cy)``."""
    c, s = np.cos(angle), np.sin(angle)
    d = points - (cx, cy)
    return np.stack([cx + c * d[:, 0] - s * d[:, 1], cy + s * d[:, 0] + c * d[:, 1]], axis=1)


def _colour(rng: np.random.Generator, low: int = 0, high: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(low, high, 3))


def _shade(colour, factor: float) -> tuple[int, int, int]:
    return tuple(int(np.clip(c * factor, 0, 255)) for c in colour)


def _background(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A float32 (h, w, 3) background: a gradient between two colours plus a blotchy texture
    (upsampled random grid) and fine noise, or stripes."""
    from PIL import Image

    yy, xx = np.ogrid[0:h, 0:w]
    yy, xx = yy.astype(np.float32), xx.astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1) / 2
    c1, c2 = np.array(_colour(rng), np.float32), np.array(_colour(rng), np.float32)
    t = t[..., None].astype(np.float32)
    img = c1 * t + c2 * (1 - t)
    grid = rng.integers(0, 256, (int(rng.integers(3, 9)), int(rng.integers(3, 9)), 3))
    blotch = np.asarray(
        Image.fromarray(grid.astype(np.uint8)).resize((w, h), Image.BICUBIC), np.float32
    )
    img = img * (1 - 0.35) + blotch * 0.35
    if rng.random() < 0.2:  # stripes
        period = rng.uniform(6, 20)
        phase = (xx * np.cos(angle) + yy * np.sin(angle)) / period * np.pi
        img += np.float32(15) * np.sign(np.sin(phase)).astype(np.float32)[..., None]
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(rng.uniform(2, 10))
    return img


def _distractors(draw, size: int, rng: np.random.Generator, count: int) -> None:
    """Clutter behind the pet: ellipses, boxes, lines and small polygons in both classes."""
    for _ in range(count):
        kind = rng.integers(0, 4)
        c = _colour(rng)
        x, y = rng.uniform(0, size, 2)
        r = rng.uniform(0.04, 0.14) * size
        if kind == 0:
            draw.ellipse([x - r, y - r * rng.uniform(0.4, 1), x + r, y + r], fill=c)
        elif kind == 1:
            draw.rectangle([x - r, y - r / 2, x + r, y + r / 2], fill=c)
        elif kind == 2:
            x2, y2 = rng.uniform(0, size, 2)
            draw.line([x, y, x2, y2], fill=c, width=int(rng.integers(1, 4)))
        else:
            pts = _ellipse(x, y, r, r, n=int(rng.integers(3, 7)))
            pts = _rotate(pts, rng.uniform(0, 2 * np.pi), x, y)
            draw.polygon([tuple(p) for p in pts], fill=c)


def _ear_colour(fur, rng: np.random.Generator) -> tuple[int, int, int]:
    """The ears' colour, by one rule for both classes: the fur pushed far towards black (light
    fur) or white (dark fur), so the ears always stand out from the head by the same amount."""
    lum = 0.299 * fur[0] + 0.587 * fur[1] + 0.114 * fur[2]
    target = 0.0 if lum > 128 else 255.0
    t = rng.uniform(0.55, 0.75)
    return tuple(int(np.clip(c + (target - c) * t, 0, 255)) for c in fur)


def _cat_ear(hx, hy, r, side, angle, base_w, height):
    """Points of a cat's ear: a triangle based inside the head's outline, tip pointing up/out."""
    a = side * angle
    bx, by = hx + np.sin(a) * r * 0.45, hy - np.cos(a) * r * 0.45
    tip = (bx + np.sin(a) * height, by - np.cos(a) * height)
    left = (bx - np.cos(a) * base_w / 2, by - np.sin(a) * base_w / 2)
    right = (bx + np.cos(a) * base_w / 2, by + np.sin(a) * base_w / 2)
    return np.array([left, tip, right])


def _dog_ear(hx, hy, r, side, swing, width, length):
    """Points of a dog's ear: a rounded flap hanging from the side of the head."""
    ex, ey = hx + side * r * 0.95, hy + r * 0.15
    return _rotate(_ellipse(ex, ey, width, length), side * swing, ex, ey - length * 0.6)


def _ear_sizes(label: int, r: float, rng: np.random.Generator) -> tuple[float, float]:
    """(width, length) of one ear; both kinds have about the same visible area."""
    if label == 0:
        return r * rng.uniform(0.8, 1.0), r * rng.uniform(1.3, 1.6)
    return r * rng.uniform(0.26, 0.33), r * rng.uniform(0.62, 0.8)


def draw_pet(label: int, size: int, rng: np.random.Generator):
    """Draw one pet of class ``label`` (0 cat, 1 dog) on a ``size`` x ``size`` canvas.

    The two classes share every random choice (body colour, pose, position, scale, background,
    clutter, eyes, legs, tail) except the shape of the ears: cats have pointed triangular ears
    standing on top of the head, dogs rounded flaps hanging beside it. Both kinds are drawn over
    the head by the same colour rule (clearly lighter or darker than the fur) with about the same
    area, so each class carries its own equally visible evidence, rather than one class being
    told by the absence of the other's ears. Returns ``(image uint8 HxWx3, trimap uint8 HxW in
    {1, 2, 3}, part_mask bool HxW)``.
    """
    from PIL import Image, ImageDraw, ImageFilter

    s = float(size)
    canvas = Image.fromarray(_background(size, size, rng).clip(0, 255).astype(np.uint8))
    ids = Image.new("L", (size, size), _BG)
    draw, draw_ids = ImageDraw.Draw(canvas), ImageDraw.Draw(ids)
    _distractors(draw, size, rng, int(rng.integers(1, 5)))

    # Pose: head radius r, body behind/below the head, facing left or right, tilted.
    r = rng.uniform(0.11, 0.16) * s
    facing = 1 if rng.random() < 0.5 else -1
    tilt = rng.uniform(-0.35, 0.35)
    body_rx, body_ry = r * rng.uniform(1.3, 1.8), r * rng.uniform(0.75, 1.0)
    span_x = body_rx + r * 1.2
    cx = rng.uniform(span_x, s - span_x)
    cy = rng.uniform(2.4 * r, s - 1.6 * r - body_ry)
    head = (cx + facing * body_rx * 0.85, cy - body_ry * 0.8)
    fur = _colour(rng, 20, 236)
    ear_colour = _ear_colour(fur, rng)

    def poly(points, colour, layer):
        pts = [tuple(p) for p in _rotate(np.asarray(points), tilt, cx, cy)]
        draw.polygon(pts, fill=colour)
        draw_ids.polygon(pts, fill=layer)

    # Tail and legs first (behind the body).
    tail_dir = -facing
    tail_base = np.array([cx + tail_dir * body_rx * 0.9, cy - body_ry * 0.2])
    tail_tip = tail_base + [tail_dir * r * rng.uniform(0.8, 1.6), -r * rng.uniform(-0.6, 1.2)]
    normal = np.array([0, r * 0.12])
    poly([tail_base - normal, tail_tip - normal, tail_tip + normal, tail_base + normal], fur, _BODY)
    for k in range(4):
        lx = cx + (k - 1.5) / 1.5 * body_rx * 0.7
        w = r * 0.18
        poly(
            [
                (lx - w, cy),
                (lx + w, cy),
                (lx + w, cy + body_ry + r * 0.6),
                (lx - w, cy + body_ry + r * 0.6),
            ],
            _shade(fur, 0.9),
            _BODY,
        )
    poly(_ellipse(cx, cy, body_rx, body_ry), fur, _BODY)

    hx, hy = head
    head_ry = r * rng.uniform(0.9, 1.0)
    ear_angle = rng.uniform(0.35, 0.7)  # cat: radians from vertical
    swing = rng.uniform(0.1, 0.4)  # dog: radians the flaps swing outwards
    sizes = [_ear_sizes(label, r, rng) for _ in (-1, 1)]
    poly(_ellipse(hx, hy, r, head_ry), fur, _BODY)
    for side, (w, length) in zip((-1, 1), sizes, strict=True):  # drawn over the head
        if label == 0:  # cat: triangles pointing up
            poly(_cat_ear(hx, hy, r, side, ear_angle, w, length), ear_colour, _PART)
        else:  # dog: rounded flaps hanging beside the head
            poly(_dog_ear(hx, hy, r, side, swing, w, length), ear_colour, _PART)
    # Face: eyes and nose (same for both classes, not part of the id map's ears).
    eye = _colour(rng, 0, 60)
    for side in (-1, 1):
        ex, ey = hx + side * r * 0.38, hy - r * 0.1
        pts = _rotate(_ellipse(ex, ey, r * 0.12, r * 0.12, 12), tilt, cx, cy)
        draw.polygon([tuple(p) for p in pts], fill=eye)
    pts = _rotate(
        _ellipse(hx + facing * r * 0.05, hy + r * 0.35, r * 0.13, r * 0.09, 12), tilt, cx, cy
    )
    draw.polygon([tuple(p) for p in pts], fill=_shade(eye, 1.5))

    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.9)))
    image = np.asarray(canvas, np.float32)
    image += rng.standard_normal(image.shape, dtype=np.float32) * np.float32(4)
    id_map = np.asarray(ids)
    return image.clip(0, 255).astype(np.uint8), _trimap(id_map > _BG, size), id_map == _PART


def _trimap(foreground: np.ndarray, size: int) -> np.ndarray:
    """Oxford-IIIT trimap: 1 foreground, 2 background, 3 a border ring around the outline."""
    from PIL import Image, ImageFilter

    k = 3 if size < 192 else 5  # ring width about 2-4 px, like the real annotations
    fg = Image.fromarray(foreground.astype(np.uint8) * 255)
    grown = np.asarray(fg.filter(ImageFilter.MaxFilter(k))) > 0
    shrunk = np.asarray(fg.filter(ImageFilter.MinFilter(k))) > 0
    trimap = np.full(foreground.shape, 2, np.uint8)
    trimap[foreground] = 1
    trimap[grown & ~shrunk] = 3
    return trimap


def _pet_rng(seed: int, label: int, index: int) -> np.random.Generator:
    """The random stream of pet number ``index`` of class ``label``: the same whatever ``n``."""
    return np.random.default_rng([seed, PETS_VERSION, label, index])


def make_pets(n: int, size: int = 128, seed: int = 0) -> PetsStandin:
    """Generate ``n`` pets in memory, alternating cat, dog, cat ... (balanced).

    Pet ``i`` is drawn from its own random stream, so ``make_pets(10)`` equals the first ten of
    ``make_pets(100)`` and the same ``seed`` always gives the same pixels.
    """
    images = np.zeros((n, size, size, 3), np.uint8)
    trimaps = np.zeros((n, size, size), np.uint8)
    parts = np.zeros((n, size, size), bool)
    labels = np.arange(n, dtype=np.int64) % 2
    for i in range(n):
        images[i], trimaps[i], parts[i] = draw_pet(
            int(labels[i]), size, _pet_rng(seed, int(labels[i]), i // 2)
        )
    return PetsStandin(images, labels, trimaps, parts)


def _build_folder(final: Path, build) -> Path:
    """Create ``final`` by calling ``build(tmp)`` on a temporary sibling folder, then renaming
    it: other processes see either no folder or a complete one. Returns ``final``."""
    import shutil
    import tempfile

    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part"))
    try:
        build(tmp)
        os.replace(tmp, final)
    except OSError:
        if not final.is_dir():  # not a lost race with a parallel worker: a real error
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _save_jpeg(path: Path, image: np.ndarray, quality: int = 90) -> None:
    from PIL import Image

    Image.fromarray(image).save(path, "JPEG", quality=quality)


def _save_png(path: Path, array: np.ndarray) -> None:
    from PIL import Image

    Image.fromarray(array).save(path, "PNG")


def cats_vs_dogs_folder(n_per_class: int, size: int = 150, seed: int = 0) -> Path:
    """Generate (once) pets in the layout of Kaggle's ``train`` folder and return its parent.

    ``<folder>/train/cat.0.jpg ... cat.{n-1}.jpg`` and ``dog.0.jpg ...`` (JPEG, ``size`` x
    ``size``), plus ``<folder>/part_masks/cat.0.png`` (255 where the ears are) for tests.
    :func:`course_utils.datasets.cats_vs_dogs.small_subset` reads it like the real archive.
    """
    name = f"cats_vs_dogs-v{PETS_VERSION}-{size}px-n{n_per_class}-s{seed}"
    final = data_dir() / "standins" / name

    def build(tmp: Path) -> None:
        (tmp / "train").mkdir()
        (tmp / "part_masks").mkdir()
        for label, cls in enumerate(PET_CLASS_NAMES):
            for k in range(n_per_class):
                image, _, part = draw_pet(label, size, _pet_rng(seed, label, k))
                _save_jpeg(tmp / "train" / f"{cls}.{k}.jpg", image)
                _save_png(tmp / "part_masks" / f"{cls}.{k}.png", part.astype(np.uint8) * 255)

    return _build_folder(final, build)


#: Header of the Oxford-IIIT Pet ``annotations/list.txt`` (six comment lines).
OXFORD_LIST_HEADER = (
    "#Image CLASS-ID SPECIES BREED ID\n"
    "#ID: 1:37 Class ids\n"
    "#SPECIES: 1:Cat 2:Dog\n"
    "#BREED ID: 1-25:Cat 1:12:Dog\n"
    "#All images with 1st letter as captial are cat images\n"
    "#images with small first letter are dog images\n"
)
#: Stand-in "breeds": capitalised names are cats, lower-case names dogs (Oxford's convention).
STANDIN_BREEDS = ["Cat", "dog"]


def pets_folder(n: int, size: int = 160, seed: int = 1) -> Path:
    """Generate (once) ``n`` pets in the Oxford-IIIT Pet layout and return the folder.

    ``images/Cat_1.jpg``, ``images/dog_1.jpg`` ...; ``annotations/trimaps/Cat_1.png`` (1
    foreground, 2 background, 3 border); ``annotations/list.txt`` (with Oxford's header),
    ``trainval.txt`` and ``test.txt`` (half each); ``annotations/part_masks/Cat_1.png`` (255 on
    the ears: ground truth for tests, not part of the real data).
    """
    final = data_dir() / "standins" / f"pets-v{PETS_VERSION}-{size}px-n{n}-s{seed}"

    def build(tmp: Path) -> None:
        ann = tmp / "annotations"
        for sub in (tmp / "images", ann / "trimaps", ann / "part_masks"):
            sub.mkdir(parents=True)
        rows: list[tuple[str, int, int]] = []
        for i in range(n):
            label, k = i % 2, i // 2
            stem = f"{STANDIN_BREEDS[label]}_{k + 1}"
            image, trimap, part = draw_pet(label, size, _pet_rng(seed, label, k))
            _save_jpeg(tmp / "images" / f"{stem}.jpg", image)
            _save_png(ann / "trimaps" / f"{stem}.png", trimap)
            _save_png(ann / "part_masks" / f"{stem}.png", part.astype(np.uint8) * 255)
            rows.append((stem, label, k))
        lines = [f"{stem} {label + 1} {label + 1} 1\n" for stem, label, _ in rows]
        (ann / "list.txt").write_text(OXFORD_LIST_HEADER + "".join(lines))
        half = (n // 2 + 1) // 2  # per class
        (ann / "trainval.txt").write_text(
            "".join(x for x, r in zip(lines, rows, strict=True) if r[2] < half)
        )
        (ann / "test.txt").write_text(
            "".join(x for x, r in zip(lines, rows, strict=True) if r[2] >= half)
        )

    return _build_folder(final, build)


# ---------------------------------------------------------------------------------------------
# Faces: CelebA's files and attributes; Male is visible (jaw, hair length, beard, necktie)
# ---------------------------------------------------------------------------------------------

FACES_VERSION = 1
FACE_HEIGHT, FACE_WIDTH = 218, 178
#: CelebA's 40 attribute names, in the order of ``list_attr_celeba.txt``.
CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose "
    "Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee "
    "Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes "
    "No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling "
    "Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace "
    "Wearing_Necktie Young"
).split()
#: The 10 landmark columns of ``list_landmarks_align_celeba.txt``.
CELEBA_LANDMARKS = (
    "lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y "
    "rightmouth_x rightmouth_y"
).split()
_HAIR = {
    "Black_Hair": (25, 20, 18),
    "Brown_Hair": (95, 60, 35),
    "Blond_Hair": (215, 185, 110),
    "Gray_Hair": (160, 160, 160),
}


def _face_attributes(rng: np.random.Generator) -> dict[str, bool]:
    """Draw a plausible set of the 40 attributes (Male about 42 %, as in CelebA)."""
    male = rng.random() < 0.42
    a = {name: bool(rng.random() < 0.2) for name in CELEBA_ATTRIBUTES}
    a["Male"] = male
    beard = male and rng.random() < 0.45
    a["No_Beard"] = not beard
    a["Goatee"] = male and not beard and rng.random() < 0.15
    a["Mustache"] = male and (beard or rng.random() < 0.1)
    a["5_o_Clock_Shadow"] = male and not beard and rng.random() < 0.3
    a["Sideburns"] = male and rng.random() < 0.25
    a["Bald"] = male and rng.random() < 0.06
    a["Wearing_Lipstick"] = (not male) and rng.random() < 0.6
    a["Heavy_Makeup"] = (not male) and rng.random() < 0.45
    a["Wearing_Earrings"] = (not male) and rng.random() < 0.3
    a["Wearing_Necklace"] = (not male) and rng.random() < 0.15
    a["Wearing_Necktie"] = male and rng.random() < 0.12
    a["Arched_Eyebrows"] = (not male) and rng.random() < 0.4
    a["Bushy_Eyebrows"] = male and rng.random() < 0.35
    a["Young"] = rng.random() < 0.77
    hair = rng.choice([*_HAIR, "none"], p=[0.3, 0.3, 0.17, 0.08, 0.15])
    for name in _HAIR:
        a[name] = bool(hair == name) and not a["Bald"]
    a["Gray_Hair"] = a["Gray_Hair"] or (not a["Young"] and rng.random() < 0.3 and not a["Bald"])
    wavy = rng.random() < 0.3
    a["Wavy_Hair"], a["Straight_Hair"] = wavy, (not wavy) and rng.random() < 0.5
    a["Smiling"] = rng.random() < 0.48
    a["Mouth_Slightly_Open"] = rng.random() < 0.48
    a["Eyeglasses"] = rng.random() < 0.07
    a["Wearing_Hat"] = rng.random() < 0.05
    a["Blurry"] = rng.random() < 0.05
    return a


def draw_face(rng: np.random.Generator):
    """Draw one aligned 218x178 face. Returns ``(image uint8, attributes dict of 40 bools,
    landmarks dict of 10 ints)``.

    ``Male`` shows in several places at once, none of them perfectly: a wider square jaw,
    short hair (most men) versus long hair framing the face (most women), beards, neckties;
    lipstick and earrings for many women. Other attributes are drawn (glasses, hat, smile,
    hair colour, pale skin, rosy cheeks, bangs, blur) or random.
    """
    from PIL import Image, ImageDraw, ImageFilter

    h, w = FACE_HEIGHT, FACE_WIDTH
    a = _face_attributes(rng)
    male = a["Male"]
    img = Image.fromarray(_background(h, w, rng).clip(0, 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    cx, cy = w / 2 + rng.normal(0, 3), 122 + rng.normal(0, 3)
    rx = (42 if male else 37) + rng.normal(0, 2) + (5 if a["Chubby"] else 0)
    ry = 54 + rng.normal(0, 2)
    skin = np.array([225, 185, 150]) * rng.uniform(0.55, 1.05)
    if a["Pale_Skin"]:
        skin = np.array([240, 215, 200])
    skin = tuple(int(v) for v in skin.clip(0, 255))
    hair_colour = next((c for n, c in _HAIR.items() if a[n]), _colour(rng, 30, 120))
    long_hair = (not male and rng.random() < 0.85) or (male and rng.random() < 0.08)
    clothes = _colour(rng, 20, 230)
    # Shoulders and neck.
    d.ellipse([cx - 80, h - 45, cx + 80, h + 80], fill=clothes)
    d.rectangle([cx - 16, cy + ry - 20, cx + 16, h - 30], fill=_shade(skin, 0.9))
    if long_hair and not a["Bald"]:
        d.rounded_rectangle(
            [cx - rx - 14, cy - ry - 10, cx + rx + 14, cy + ry + 40], radius=35, fill=hair_colour
        )
    # Face: an oval, plus a square jaw for men.
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=skin)
    if male:
        jaw = [(cx - rx, cy), (cx + rx, cy), (cx + rx * 0.8, cy + ry * 0.85)]
        jaw += [(cx - rx * 0.8, cy + ry * 0.85)]
        d.polygon(jaw, fill=skin)
    if not a["Bald"]:
        top = cy - ry - (4 if long_hair else 8)
        d.chord([cx - rx - 3, top, cx + rx + 3, cy + ry * 0.2], 180, 360, fill=hair_colour)
        if a["Bangs"]:
            d.rectangle(
                [cx - rx * 0.8, cy - ry * 0.75, cx + rx * 0.8, cy - ry * 0.45], fill=hair_colour
            )
    if a["Sideburns"]:
        for s in (-1, 1):
            d.rectangle(
                [cx + s * rx * 0.95 - 4, cy - 10, cx + s * rx * 0.95 + 4, cy + 18], fill=hair_colour
            )
    # Eyes, brows, nose, mouth: landmarks follow what is drawn.
    eye_y = cy - 10 + rng.normal(0, 1.5)
    eye_dx = 19 + rng.normal(0, 1.5)
    eyes = [(cx - eye_dx, eye_y), (cx + eye_dx, eye_y)]
    eye_h = 2.5 if a["Narrow_Eyes"] else 4.5
    for ex, ey in eyes:
        d.ellipse([ex - 7, ey - eye_h, ex + 7, ey + eye_h], fill=(250, 250, 250))
        d.ellipse([ex - 3, ey - 3, ex + 3, ey + 3], fill=_colour(rng, 20, 110))
        brow = 4 if a["Bushy_Eyebrows"] else 2
        lift = 4 if a["Arched_Eyebrows"] else 0
        d.line([ex - 9, ey - 9, ex, ey - 11 - lift, ex + 9, ey - 9], fill=hair_colour, width=brow)
        if a["Heavy_Makeup"]:
            d.arc([ex - 8, ey - 8, ex + 8, ey + 4], 190, 350, fill=(120, 60, 140), width=2)
    if a["Eyeglasses"]:
        for ex, ey in eyes:
            d.ellipse([ex - 11, ey - 9, ex + 11, ey + 9], outline=(20, 20, 20), width=2)
        d.line([eyes[0][0] + 11, eye_y, eyes[1][0] - 11, eye_y], fill=(20, 20, 20), width=2)
    nose = (cx + rng.normal(0, 1.5), eye_y + 22 + rng.normal(0, 1.5))
    nose_w = 7 if a["Big_Nose"] else 4
    d.polygon(
        [(nose[0], nose[1] - 14), (nose[0] - nose_w, nose[1]), (nose[0] + nose_w, nose[1])],
        fill=_shade(skin, 0.8),
    )
    mouth_y = nose[1] + 17 + rng.normal(0, 1.5)
    mouth_dx = 14 + rng.normal(0, 1.5) + (2 if a["Smiling"] else 0)
    mouth = [(cx - mouth_dx, mouth_y), (cx + mouth_dx, mouth_y)]
    lips = (190, 30, 50) if a["Wearing_Lipstick"] else _shade(skin, 0.7)
    lip_w = 5 if a["Big_Lips"] else 3
    if a["5_o_Clock_Shadow"] or a["Goatee"] or not a["No_Beard"]:
        beard = _shade(hair_colour, 1.0) if not a["5_o_Clock_Shadow"] else _shade(skin, 0.75)
        if not a["No_Beard"]:
            d.chord(
                [cx - rx * 0.95, cy - ry * 0.2, cx + rx * 0.95, cy + ry * 1.05], 0, 180, fill=beard
            )
        elif a["Goatee"]:
            d.ellipse([cx - 12, mouth_y + 4, cx + 12, cy + ry * 0.95], fill=beard)
        else:
            d.chord([cx - rx * 0.9, cy, cx + rx * 0.9, cy + ry * 0.95], 0, 180, fill=beard)
    if a["Mustache"]:
        d.rectangle([cx - 13, mouth_y - 9, cx + 13, mouth_y - 4], fill=hair_colour)
    if a["Smiling"]:
        d.arc([mouth[0][0], mouth_y - 8, mouth[1][0], mouth_y + 8], 0, 180, fill=lips, width=lip_w)
    else:
        d.line([*mouth[0], *mouth[1]], fill=lips, width=lip_w)
    if a["Mouth_Slightly_Open"]:
        d.ellipse([cx - 6, mouth_y - 1, cx + 6, mouth_y + 5], fill=(60, 20, 20))
    if a["Rosy_Cheeks"]:
        for s in (-1, 1):
            d.ellipse(
                [cx + s * 24 - 6, nose[1] - 4, cx + s * 24 + 6, nose[1] + 6], fill=(230, 130, 130)
            )
    if a["Wearing_Earrings"]:
        for s in (-1, 1):
            d.ellipse(
                [cx + s * (rx + 1) - 3, cy + 12, cx + s * (rx + 1) + 3, cy + 18],
                fill=(240, 200, 40),
            )
    if a["Wearing_Hat"]:
        d.rectangle([cx - rx - 12, cy - ry - 22, cx + rx + 12, cy - ry + 12], fill=_colour(rng))
    if a["Wearing_Necktie"]:
        d.polygon([(cx - 6, h - 42), (cx + 6, h - 42), (cx + 9, h), (cx - 9, h)], fill=_colour(rng))
    if a["Wearing_Necklace"]:
        d.arc([cx - 22, h - 70, cx + 22, h - 40], 20, 160, fill=(230, 210, 90), width=2)
    img = img.filter(ImageFilter.GaussianBlur(2.5 if a["Blurry"] else rng.uniform(0.2, 0.8)))
    image = np.asarray(img, np.float32)
    image += rng.standard_normal(image.shape, dtype=np.float32) * np.float32(3)
    points = [*eyes, nose, *mouth]
    landmarks = {}
    for k, (x, y) in enumerate(points):
        landmarks[CELEBA_LANDMARKS[2 * k]] = int(round(x))
        landmarks[CELEBA_LANDMARKS[2 * k + 1]] = int(round(y))
    return image.clip(0, 255).astype(np.uint8), a, landmarks


def celeba_folder(n: int, seed: int = 0) -> Path:
    """Generate (once) ``n`` faces in CelebA's official file layout and return the folder.

    ``img_align_celeba/000001.jpg`` ... (218x178 JPEG), ``list_attr_celeba.txt`` (count, the
    40 attribute names, then ``000001.jpg -1  1 ...``), ``list_eval_partition.txt``
    (``000001.jpg 0``: 80 % train 0, 10 % validation 1, 10 % test 2) and
    ``list_landmarks_align_celeba.txt`` (count, the 10 column names, 10 ints per image).
    """
    final = data_dir() / "standins" / f"celeba-v{FACES_VERSION}-n{n}-s{seed}"

    def build(tmp: Path) -> None:
        (tmp / "img_align_celeba").mkdir()
        attr_lines, part_lines, mark_lines = [], [], []
        for i in range(n):
            name = f"{i + 1:06d}.jpg"
            image, attrs, marks = draw_face(np.random.default_rng([seed, FACES_VERSION, i]))
            _save_jpeg(tmp / "img_align_celeba" / name, image, quality=92)
            values = " ".join(f"{1 if attrs[k] else -1:2d}" for k in CELEBA_ATTRIBUTES)
            attr_lines.append(f"{name} {values}\n")
            part = 0 if i < 0.8 * n else (1 if i < 0.9 * n else 2)
            part_lines.append(f"{name} {part}\n")
            mark_lines.append(name + "".join(f"{marks[k]:>6d}" for k in CELEBA_LANDMARKS) + "\n")
        (tmp / "list_attr_celeba.txt").write_text(
            f"{n}\n" + " ".join(CELEBA_ATTRIBUTES) + " \n" + "".join(attr_lines)
        )
        (tmp / "list_eval_partition.txt").write_text("".join(part_lines))
        (tmp / "list_landmarks_align_celeba.txt").write_text(
            f"{n}\n" + " ".join(CELEBA_LANDMARKS) + "\n" + "".join(mark_lines)
        )

    return _build_folder(final, build)
