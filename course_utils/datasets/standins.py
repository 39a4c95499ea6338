"""Offline stand-ins: deterministic generated data in the same on-disk format as the real data.

A stand-in is used when the real data cannot be had (always in the ``smoke`` profile when no
real local copy exists). It is labeled as such in the banner and in plot titles.
"""

from __future__ import annotations

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
