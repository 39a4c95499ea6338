"""Lesson 06 (image segmentation): the exercises' checks.

1. The encoder–decoder with max pooling and upsampling instead of strides: a Keras model.
2. Which input sizes come back at the same size: a function ``comes_back(side) -> bool``.
3. Pet and outline merged into one class: the two IoUs computed from the lesson's ``cm``.
"""

from __future__ import annotations

import math

import numpy as np

from . import Exercise, Mistake, correct

#: Weights of the lesson's encoder–decoder (the same at every image size, asserted in section 5).
STRIDED_MODEL_PARAMS = 2_880_643


def _layers_of(model) -> list:
    return [layer for layer in model.layers if not layer.__class__.__name__ == "InputLayer"]


def _strides(layer) -> tuple:
    return tuple(getattr(layer, "strides", (1, 1)) or (1, 1))


def check_pooling_model(pooling_model, reference=None):
    """Exercise 1: ``pooling_model`` built at 200x200; ``reference``: the lesson's ``model_200``."""
    if not hasattr(pooling_model, "layers") or not hasattr(pooling_model, "count_params"):
        raise Mistake(
            f"expected a Keras model (the pooling version of get_model, built at 200x200), got "
            f"{type(pooling_model).__name__}"
        )
    layers = _layers_of(pooling_model)
    kinds = [layer.__class__.__name__ for layer in layers]
    strided = [
        layer.name
        for layer in layers
        if "Conv" in layer.__class__.__name__ and any(s != 1 for s in _strides(layer))
    ]
    output = tuple(pooling_model.outputs[0].shape)
    if strided and "MaxPooling2D" in kinds and output != (None, 200, 200, 3):
        raise Mistake(
            f"the output is {output[1:]}, not (200, 200, 3): the layers {strided} still have "
            "strides=2 next to the new pooling, so those stages shrink the map twice. Replace "
            "the stride by the pooling, do not add it."
        )
    if strided:
        raise Mistake(
            f"{strided} still have strides=2: in this version only MaxPooling2D halves the "
            "size and only UpSampling2D doubles it; every convolution keeps strides=1."
        )
    if "MaxPooling2D" not in kinds or "UpSampling2D" not in kinds:
        raise Mistake(
            "expected MaxPooling2D layers in the encoder and UpSampling2D layers in the decoder "
            f"(found: {sorted(set(kinds))})."
        )
    if output != (None, 200, 200, 3):
        raise Mistake(
            f"the output is {output[1:]}, not (200, 200, 3): three poolings need three "
            "upsamplings, and the last Conv2D needs 3 filters with a softmax."
        )
    expected = reference.count_params() if reference is not None else STRIDED_MODEL_PARAMS
    count = pooling_model.count_params()
    if count < expected:
        raise Mistake(
            f"{count:,} weights, fewer than the strided model's {expected:,}: each strided "
            "Conv2DTranspose becomes UpSampling2D *followed by a Conv2D* (UpSampling2D alone "
            "learns nothing), and each strided Conv2D becomes a Conv2D before its pooling."
        )
    if count > expected:
        raise Mistake(
            f"{count:,} weights, more than the strided model's {expected:,}: replace each "
            "strided layer by its pair (no extra convolutions), with the same filters and 3x3 "
            "kernels."
        )
    return correct(
        f"output (200, 200, 3) and {count:,} weights, as many as the strided model: pooling and "
        "upsampling have none. Now answer the question in words: what does max pooling forget?"
    )


def _mask_side(side: int) -> int:
    """What the lesson's model gives back for a side x side photo: three stride-2 layers
    (padding "same": ceil of the half), then three transposed ones (times 2)."""
    for _ in range(3):
        side = math.ceil(side / 2)
    return side * 8


def check_comes_back(comes_back):
    """Exercise 2: ``comes_back(side)`` is True when a side x side photo gets a side x side mask."""
    if not callable(comes_back):
        raise Mistake(
            f"expected a function that takes a side in pixels and returns True or False, got "
            f"{type(comes_back).__name__}"
        )
    sides = range(8, 401)
    said = {side: bool(comes_back(side)) for side in sides}
    truth = {side: _mask_side(side) == side for side in sides}
    if said == truth:
        return correct(
            "your rule gives the right answer for every side from 8 to 400 pixels. Can you say "
            "in one sentence why the stride-2 layers decide it?"
        )
    if all(said[side] == (side % 2 == 0) for side in sides):
        raise Mistake(
            "even sides are not enough: a 100x100 photo gives a 104x104 mask. The size is "
            "halved (rounding up) by each of the three stride-2 layers, not just once."
        )
    if all(said[side] == (side % 4 == 0) for side in sides):
        raise Mistake(
            "multiples of 4 are not enough: a 100x100 photo gives a 104x104 mask. Count the "
            "stride-2 layers of the encoder: how many halvings must come out even?"
        )
    if all(said.values()):
        raise Mistake(
            "not every size comes back: a 201x201 photo gives a 208x208 mask. padding='same' "
            "rounds each halving up, and the decoder doubles the rounded size."
        )
    wrong = next(side for side in sides if said[side] != truth[side])
    raise Mistake(
        f"your rule says {said[wrong]} for a {wrong}x{wrong} photo, but the model gives a "
        f"{_mask_side(wrong)}x{_mask_side(wrong)} mask. Build get_model at a few sizes and "
        "look at the shapes layer by layer; the rule is about the three stride-2 layers."
    )


def _iou(cm) -> np.ndarray:
    cm = np.asarray(cm, dtype="float64")
    return np.diag(cm) / (cm.sum(axis=0) + cm.sum(axis=1) - np.diag(cm))


def merged_iou_of(cm) -> np.ndarray:
    """IoU of (pet+outline, background) from a 3x3 confusion matrix (0 pet, 1 bg, 2 outline)."""
    cm = np.asarray(cm, dtype="float64")
    merged = np.array(
        [
            [cm[np.ix_([0, 2], [0, 2])].sum(), cm[[0, 2], 1].sum()],
            [cm[1, [0, 2]].sum(), cm[1, 1]],
        ]
    )
    return _iou(merged)


def check_merged_iou(merged_iou, cm):
    """Exercise 3: ``merged_iou`` = [IoU of pet+outline, IoU of background], from ``cm``."""
    answer = np.asarray(merged_iou, dtype="float64").ravel()
    if answer.shape != (2,):
        raise Mistake(
            f"expected two numbers between 0 and 1: the IoU of pet+outline, then the IoU of "
            f"background; got shape {np.shape(merged_iou)}"
        )
    cm = np.asarray(cm, dtype="float64")
    iou = _iou(cm)
    truth = merged_iou_of(cm)

    def same(a, b) -> bool:
        return bool(np.allclose(a, b, atol=1e-6))

    if same(answer, truth):
        return correct(
            f"pet+outline IoU {truth[0]:.3f}, background IoU {truth[1]:.3f}. Compare with the "
            f"pet's IoU alone ({iou[0]:.3f}) and say why they differ."
        )
    if same(answer, truth[::-1]):
        raise Mistake("the two numbers are swapped: first pet+outline, then background.")
    if same(answer[0], iou[0] + iou[2]):
        raise Mistake(
            "you added the pet's and the outline's IoUs: the IoU of two classes merged is not "
            "the sum of their IoUs (it can even exceed 1 that way). Merge the rows and columns "
            "of the confusion matrix first, then compute the IoU."
        )
    if same(answer[0], (iou[0] + iou[2]) / 2):
        raise Mistake(
            "you averaged the pet's and the outline's IoUs: that scores them still as two "
            "classes. Merge the rows and columns of the confusion matrix first."
        )
    keep = [0, 2]
    diagonal_only = (cm[0, 0] + cm[2, 2]) / (
        cm[keep].sum() + cm[:, keep].sum() - cm[np.ix_(keep, keep)].sum()
    )
    if same(answer[0], diagonal_only):
        raise Mistake(
            "once merged, a pet pixel predicted as outline (and an outline pixel predicted as "
            "pet) is right: the intersection is the whole 2x2 pet/outline corner of the matrix, "
            "not only its diagonal."
        )
    raise Mistake(
        "expected two IoUs between 0 and 1, [pet+outline, background], computed from the 2x2 "
        "matrix you get by adding up the pet and outline rows and columns of `cm`."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "06",
            1,
            "max pooling and upsampling instead of strides",
            check_pooling_model,
            hints=[
                "Copy get_model and change only the six strided layers; the other layers stay.",
                "Encoder: Conv2D(filters, 3, padding='same') then MaxPooling2D(2). Decoder: "
                "UpSampling2D(2) then Conv2D(filters, 3, padding='same').",
            ],
            expected="a Keras model built at 200x200 with an output of shape (200, 200, 3)",
        ),
        Exercise(
            "06",
            2,
            "which input sizes give back a mask of the same size",
            check_comes_back,
            hints=[
                "Print the output shape of get_model((side, side)) for the six sizes, and the "
                "shapes after each layer for 100.",
                "padding='same' with strides=2 gives ceil(side / 2); the decoder doubles.",
            ],
            expected="a function comes_back(side) that returns True or False",
        ),
        Exercise(
            "06",
            3,
            "IoU with pet and outline merged",
            check_merged_iou,
            hints=[
                "Build a 2x2 confusion matrix: add up the rows 0 and 2 and the columns 0 and 2.",
                "iou_from_confusion works on any square confusion matrix.",
            ],
            expected="two numbers between 0 and 1: [IoU of pet+outline, IoU of background]",
        ),
    ]
