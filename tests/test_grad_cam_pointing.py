"""Grad-CAM verified against ground truth: the pointing game on the pets stand-in.

In the stand-in, cats and dogs differ only by their ears (pointed triangles vs rounded flaps,
both drawn over the head in the same contrasting colour, about the same area), and
``part_masks`` marks the ear pixels. A small convnet is trained on it; for each test image
it classifies correctly, the Grad-CAM heatmap of the true class is upsampled to the image and
its argmax is a *hit* when it lies within ``MARGIN`` pixels of the ears (Zhang et al.'s
pointing game). The same measure on the same architecture with random weights, on the same
images and classes, is the control. Two populations:

- every correctly classified image (``test_grad_cam_pointing_game_on_pets_standin``);
- those whose decision the ears make: painting the ears over flips the prediction
  (``test_grad_cam_pointing_game_where_the_part_decides``).

What the net learns decides what Grad-CAM can show. Dogs are told by their flaps in every run:
painting them over flips nearly every dog to "cat". Cats are mostly told by the *absence* of
flaps (painting a cat's ears over leaves it a cat: a cat without ears is no dog), so a cat's
heatmap has no ear evidence to point at, and how often it still lands on the ears depends on
the run. Measured (robustness benchmark, seeds 0-9 x 1 and 2 threads, the recipe below): the
cats' hit rate was 0.43-0.93, the dogs' 0.84-1.00, and 0.855-1.00 where the ears decide. So the
requirement, hits >= 0.8, is asserted where the ears are the evidence: on the dogs among all
correctly classified images, and on every image whose decision the ears make; the cats' rate is
printed and recorded. These are the suite's thinnest margins (0.04 and 0.055). The misses are
peaks more than 6 px from the ears, not empty heatmaps (seeds 0 and 3, with
``benchmarks/pointing_recipes.py``). A net can also encode a class as "the other class's
evidence is absent": with another recipe (batches of 16, 8 epochs), seed 1 at 2 threads gave
every dog an empty heatmap (dogs' hit rate 0.0) although occluding the ears flipped 51
decisions; Grad-CAM shows only positive evidence.
In stand-in v2 dogs had large dark flaps and cats small pale triangles and cats scored 0.50,
which is why both kinds of ear are now equally visible.

Why ``MARGIN = 6`` px: the heatmap is 8x8 for a 64x64 image, so the argmax of its bilinear
upsampling sits on a grid of cell centres 8 px apart, up to 4 * sqrt(2) = 5.7 px from any
pixel: 6 px is the smallest margin a perfectly placed coarse heatmap always meets. The ears
grown by 6 px cover about 15 % of an image (13 % for cats, 16 % for dogs), the hit rate of a
heatmap that points at random.

Thresholds: hits >= 0.8 (the requirement); random <= trained - 0.3: the standard error of the
difference of two rates near 0.5 over ~180 images is about 0.05, so 0.3 is about six of them.
A single random net sometimes likes the high-contrast ears (up to 0.57 of all images in one of
six draws), so the control is the mean over ``N_RANDOM`` random nets.
"""

from __future__ import annotations

import time

import checks
import keras
import numpy as np
import pytest

from course_utils import interpret as ci
from course_utils.datasets.standins import make_pets

SIZE = 64
N_TRAIN, N_TEST = 800, 200
# Adam at 2e-3 in batches of 32 for 12 epochs, the rate rising linearly from 0 over the first
# 2 epochs (warm-up): accuracy 0.97-0.995 over seeds 0-9 x 1, 2 threads. Without the warm-up,
# seed 6 stayed near chance for 6 epochs and ended at 0.76 < 0.8 (1 thread) and 0.775 (2).
# The recipes tried and their tables: benchmarks/results/robustness.md.
BATCH_SIZE, EPOCHS, WARMUP_EPOCHS, LEARNING_RATE = 32, 12, 2, 2e-3
N_RANDOM = 3  # random-weights nets averaged for the control
MARGIN = 6.0  # pixels, see the module docstring
MIN_ACCURACY = 0.8  # below this the classifier has not learned the ears; the game means nothing


def _warm_up_then_constant() -> keras.optimizers.schedules.LearningRateSchedule:
    """0 to LEARNING_RATE linearly over WARMUP_EPOCHS, then constant (alpha=1: no decay)."""
    steps_per_epoch = N_TRAIN // BATCH_SIZE
    return keras.optimizers.schedules.CosineDecay(
        0.0,
        EPOCHS * steps_per_epoch,
        alpha=1.0,
        warmup_target=LEARNING_RATE,
        warmup_steps=WARMUP_EPOCHS * steps_per_epoch,
    )


def _convnet(seed: int) -> keras.Model:
    """Three conv blocks (BatchNorm, ReLU, max-pool) and a last conv at 8x8, global average
    pooling and a softmax over cat / dog: Grad-CAM then explains the 8x8 last conv."""
    keras.utils.set_random_seed(seed)
    layers = [keras.Input((SIZE, SIZE, 3)), keras.layers.Rescaling(1 / 255)]
    for filters in (16, 32, 64):
        layers += [
            keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.Activation("relu"),
            keras.layers.MaxPooling2D(),
        ]
    layers += [
        keras.layers.Conv2D(64, 3, padding="same", activation="relu", name="last_conv"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2, activation="softmax"),
    ]
    model = keras.Sequential(layers)
    model.compile(
        keras.optimizers.Adam(_warm_up_then_constant()),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _near(masks: np.ndarray, margin: float) -> np.ndarray:
    """Masks (n, h, w) dilated by a disk: pixels within ``margin`` px (Euclidean) of a pixel of
    their mask. One shifted OR per integer offset (dy, dx) with dy^2 + dx^2 <= margin^2."""
    r = int(np.floor(margin))
    n, h, w = masks.shape
    padded = np.zeros((n, h + 2 * r, w + 2 * r), bool)
    padded[:, r : r + h, r : r + w] = masks
    near = np.zeros(masks.shape, bool)
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dy * dy + dx * dx <= margin * margin:
                near |= padded[:, r + dy : r + dy + h, r + dx : r + dx + w]
    return near


def _hits(peaks: np.ndarray, near: np.ndarray) -> np.ndarray:
    """For each (y, x) peak: does it fall in its image's dilated part mask?"""
    return near[np.arange(len(peaks)), peaks[:, 0], peaks[:, 1]]


def _peaks(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Argmax (y, x) of each image's Grad-CAM heatmap (for its true class) at image size."""
    peaks = np.zeros((len(images), 2), int)
    for cls in np.unique(labels):
        idx = np.nonzero(labels == cls)[0]
        heat = ci.grad_cam(model, images[idx], class_index=int(cls), layer_name="last_conv")
        for i, h in zip(idx, heat, strict=True):
            up = ci.upsample_heatmap(h, images.shape[1:3])
            peaks[i] = np.unravel_index(np.argmax(up), up.shape)
    return peaks


def _report(name: str, hits: np.ndarray, labels: np.ndarray) -> str:
    per_class = ", ".join(
        f"{c} {hits[labels == k].mean():.2f} (n={int(np.sum(labels == k))})"
        for k, c in enumerate(["cat", "dog"])
        if np.any(labels == k)
    )
    return f"{name} {hits.mean():.3f} [{per_class}]"


def _occlude_part(images: np.ndarray, masks: np.ndarray, trimaps: np.ndarray) -> np.ndarray:
    """Paint each image's part (grown by 1 px) with the mean colour of its background."""
    out = images.copy()
    for img, grown, trimap in zip(out, _near(masks, 1.0), trimaps, strict=True):
        img[grown] = img[trimap == 2].mean(axis=0)
    return out


@pytest.fixture(scope="module")
def game():
    """Train once; Grad-CAM peaks of the trained and the random-weights net on the test images
    the trained net classifies correctly, plus whether occluding the ears flips its decision."""
    start = time.perf_counter()
    checks.threads()
    seed = checks.seed()  # 0 unless the robustness benchmark sets COURSE_SEED
    train = make_pets(N_TRAIN, size=SIZE, seed=seed)
    test = make_pets(N_TEST, size=SIZE, seed=seed + 1000)
    model = _convnet(seed=seed)
    model.fit(train.images, train.labels, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
    x = test.images.astype("float32")
    pred = model.predict(x, verbose=0).argmax(axis=1)
    ok = np.nonzero(pred == test.labels)[0]
    images, labels = x[ok], test.labels[ok]
    occluded = _occlude_part(images, test.part_masks[ok], test.trimaps[ok])
    near = _near(test.part_masks[ok], MARGIN)
    g = {
        "accuracy": float(np.mean(pred == test.labels)),
        "labels": labels,
        "near": near,
        "trained": _hits(_peaks(model, images, labels), near),
        "random": np.mean(
            [
                _hits(_peaks(_convnet(seed=seed + k), images, labels), near)
                for k in range(1, N_RANDOM + 1)
            ],
            axis=0,
        ),
        "centre": _hits(np.tile([[SIZE // 2, SIZE // 2]], (len(ok), 1)), near),
        "part_decides": model.predict(occluded, verbose=0).argmax(axis=1) != labels,
    }
    g["seconds"] = time.perf_counter() - start
    return g


def _print_game(g: dict, sel: np.ndarray, title: str) -> None:
    labels = g["labels"][sel]
    print(
        f"\n{title}: {int(sel.sum())} images; test accuracy {g['accuracy']:.3f}; margin "
        f"{MARGIN:g} px; ears+margin cover {g['near'][sel].mean():.2f} of an image"
        f"\n  {_report('trained', g['trained'][sel], labels)}"
        f"\n  {_report(f'random weights ({N_RANDOM} nets)', g['random'][sel], labels)}"
        f"\n  {_report('always the centre', g['centre'][sel], labels)}"
        f"\n  occluding the ears flips the decision: "
        f"{_report('', g['part_decides'], g['labels']).strip()}"
        f"\n  (train + Grad-CAM {g['seconds']:.1f} s)"
    )


def test_grad_cam_pointing_game_on_pets_standin(game):
    """The pointing game on every correctly classified test image: hits >= 0.8 on the dogs,
    whose flaps are their evidence; the trained net far above the random ones overall."""
    _print_game(game, np.ones(len(game["labels"]), bool), "all correctly classified")
    trained, random = game["trained"].mean(), game["random"].mean()
    dogs = game["trained"][game["labels"] == 1].mean()
    cats = game["trained"][game["labels"] == 0].mean()
    checks.record("pointing: accuracy", game["accuracy"], MIN_ACCURACY)
    checks.record("pointing: dogs hit rate", dogs, 0.8)
    checks.record("pointing: trained - random", trained - random, 0.3)
    checks.record("pointing: cats hit rate (not asserted)", cats, 0.0)
    assert game["accuracy"] >= MIN_ACCURACY, "the convnet did not learn the stand-in"
    assert dogs >= 0.8
    assert random <= trained - 0.3


def test_grad_cam_pointing_game_where_the_part_decides(game):
    """The pointing game on the correctly classified images whose decision the ears make:
    painting the ears over with the background colour flips the prediction. There the ears
    are, provably, the evidence the net uses, so Grad-CAM must point at them."""
    sel = game["part_decides"]
    _print_game(game, sel, "where occluding the ears flips the decision")
    trained, random = game["trained"][sel].mean(), game["random"][sel].mean()
    checks.record("ears decide: images", float(sel.sum()), 30)
    checks.record("ears decide: trained hit rate", trained, 0.8)
    checks.record("ears decide: trained - random", trained - random, 0.3)
    assert sel.sum() >= 30, "too few images where the ears decide to measure a rate"
    assert trained >= 0.8
    assert random <= trained - 0.3
