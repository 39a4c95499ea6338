"""Lesson 02 (cats vs dogs from scratch): the exercises' checks.

1. A training pipeline that is cached and still comes in a new order every epoch: a
   ``tf.data.Dataset`` of ``(images, labels)`` batches, compared with the lesson's ``train_ds``.
2. The convnet without its fourth block, at 150x150: the side length before ``Flatten`` and the
   number of parameters.
3. The validation loss of an untrained model: a number.
"""

from __future__ import annotations

import math

import numpy as np

from . import Exercise, Mistake, correct

FILTERS = (32, 64, 128, 128)
#: The lesson's convnet at 150x150 (asserted in section 3).
FOUR_BLOCK_PARAMS = 3_453_121


def convnet_shape_and_params(side: int, blocks: int) -> tuple[int, int]:
    """Side length before ``Flatten`` and parameter count of the lesson's convnet with its first
    ``blocks`` Conv2D + MaxPooling2D blocks, on ``side`` x ``side`` x 3 images."""
    params, channels = 0, 3
    for filters in FILTERS[:blocks]:
        params += (3 * 3 * channels + 1) * filters
        channels = filters
        side = (side - 2) // 2  # valid 3x3 convolution, then 2x2 pooling
    return side, params + (side * side * channels + 1) * 512 + (512 + 1)


# ---------------------------------------------------------------------------------------------
# Exercise 1


def _images_of_one_epoch(dataset) -> list[list[tuple[float, float]]]:
    """One pass: per batch, the (label, pixel sum) of each image, in order."""
    batches = []
    for batch in dataset:
        images, labels = np.asarray(batch[0]), np.asarray(batch[1])
        labels = labels.reshape(len(images), -1)[:, 0]
        sums = images.reshape(len(images), -1).sum(axis=1, dtype="float64")
        batches.append([(float(y), round(float(s), 2)) for y, s in zip(labels, sums, strict=True)])
    return batches


def _has_cache(dataset) -> bool | None:
    """Whether the dataset's graph holds a ``cache()``; ``None`` when it cannot be read."""
    try:
        import tensorflow as tf

        graph = tf.compat.v1.GraphDef.FromString(dataset._as_serialized_graph().numpy())
    except Exception:  # noqa: BLE001 - a private API: when it fails, the check skips this part
        return None
    return any("CacheDataset" in node.op for node in graph.node)


def check_fixed_pipeline(fixed_ds, *, train_ds=None):
    """Exercise 1: ``fixed_ds``, the training split cached and in a new order every epoch."""
    spec = getattr(fixed_ds, "element_spec", None)
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise Mistake(
            "expected a tf.data.Dataset of (images, labels) batches, like train_ds; got "
            f"{type(fixed_ds).__name__}"
        )
    if len(spec[0].shape) != 4:
        raise Mistake(
            f"its elements have the shape {tuple(spec[0].shape)}: single images. Batch them "
            "(.batch(P.batch_size)) after the shuffle, so that each epoch gets new batches."
        )
    first, second = _images_of_one_epoch(fixed_ds), _images_of_one_epoch(fixed_ds)
    if train_ds is not None:
        expected = sorted(i for batch in _images_of_one_epoch(train_ds) for i in batch)
        if sorted(i for batch in first for i in batch) != expected:
            raise Mistake(
                "its images are not the training split's, each once per epoch: start from "
                "image_dataset_from_directory(folder / 'train', ...) with the lesson's "
                "image_size and label_mode='binary', and do not repeat() or take()."
            )
    if first == second:
        raise Mistake(
            "two epochs come in exactly the same order: cache() after shuffled batches stores "
            "the first epoch's batches and replays them every epoch. Cache single images "
            "(batch_size=None) first, then shuffle, then batch."
        )
    if sorted(map(sorted, first)) == sorted(map(sorted, second)):
        raise Mistake(
            "every epoch has the same batches, only in another order: the shuffle comes after "
            "batch(), so it moves whole batches. Shuffle single images, then batch."
        )
    if _has_cache(fixed_ds) is False:
        raise Mistake(
            "a new order every epoch, but no cache(): every epoch decodes every JPEG again. "
            "Put cache() after the decoding and before the shuffle."
        )
    return correct(
        "the same images every epoch, in new batches and a new order, decoded once (cached). "
        "Now say in words what the shortcut did wrong."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2


def check_three_blocks(side, n_params, *, image_size=None):
    """Exercise 2: the side length before ``Flatten`` and the parameter count of the convnet
    without its fourth block, at 150x150. ``image_size``: the lesson's ``P.image_size``, to
    recognise an answer computed at the profile's size."""
    try:
        side, n_params = int(side), int(n_params)
    except (TypeError, ValueError):
        raise Mistake(
            "expected two whole numbers: the side length before Flatten (e.g. x.shape[1]) and "
            "the model's count_params()"
        ) from None
    right_side, right_params = convnet_shape_and_params(150, 3)
    if n_params == FOUR_BLOCK_PARAMS:
        raise Mistake(
            f"{n_params:,} is the lesson's four-block model: build it again without the fourth "
            "Conv2D + MaxPooling2D block and count the parameters of that model."
        )
    if side == 7:
        raise Mistake(
            "7 is the side after the fourth block: without it the map stops one block earlier, "
            "after the third pooling."
        )
    if image_size is not None and int(image_size[0]) != 150:
        at_profile = convnet_shape_and_params(int(image_size[0]), 3)
        if (side, n_params) == at_profile or n_params == at_profile[1]:
            raise Mistake(
                f"that is the three-block model at the profile's {image_size[0]}x"
                f"{image_size[1]}: the question is at the book's 150x150 (keras.Input(shape="
                "(150, 150, 3)))."
            )
    biases = sum(FILTERS[:3]) + 512 + 1
    if n_params == right_params - biases and side == right_side:
        raise Mistake(
            "the count leaves out the biases: each Conv2D filter and each Dense unit has one "
            "more weight, (3*3*channels + 1) and (inputs + 1)."
        )
    dense = right_side * right_side * 128
    if n_params in ((dense + 1) * 512, dense * 512):
        raise Mistake(
            f"{n_params:,} is the first Dense layer alone (by far the largest): add the three "
            "Conv2D layers and the output layer."
        )
    if side == right_side and n_params == right_params:
        return correct(
            f"{right_side}x{right_side}x128 before Flatten, {right_params:,} parameters: "
            f"{right_params / FOUR_BLOCK_PARAMS:.1f} times the four-block model. Now say why "
            "removing a layer made the model larger."
        )
    if side == right_side:
        raise Mistake(
            f"the side {side} is right, the parameter count is not: per Conv2D (3*3*input "
            "channels + 1) x filters, per Dense (inputs + 1) x units, with Flatten's inputs = "
            "side x side x 128."
        )
    raise Mistake(
        f"the side {side} is not what three blocks leave of 150 pixels: each valid 3x3 "
        "convolution removes 2 pixels, each pooling halves rounding down. Expected two whole "
        "numbers, the side before Flatten and the parameter count."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 3


def check_fresh_loss(fresh_loss):
    """Exercise 3: the validation loss of an untrained model (binary cross-entropy)."""
    if isinstance(fresh_loss, list | tuple | np.ndarray) and np.size(fresh_loss) == 2:
        raise Mistake(
            "two numbers: model.evaluate returns [loss, accuracy] when the model has a metric. "
            "Pass the loss, the first one."
        )
    try:
        loss = float(fresh_loss)
    except (TypeError, ValueError):
        raise Mistake(
            f"expected one number, the validation loss; got {type(fresh_loss).__name__}"
        ) from None
    if abs(loss - math.log(2)) < 0.1:
        return correct(
            f"{loss:.3f}, close to ln 2 = {math.log(2):.3f}: an untrained sigmoid says about "
            "0.5 for every image. Now say why this check is worth running at the start of "
            "every project."
        )
    if abs(loss - 0.5) <= 0.1:
        raise Mistake(
            f"{loss:.2f} looks like the untrained output P(dog) or the accuracy of guessing, "
            "not the loss: the loss is the binary cross-entropy of that output for the true "
            "label, -ln(p)."
        )
    if abs(loss - 1.0) < 0.02:
        raise Mistake(
            "1.0 is -log2(0.5), in bits: Keras' binary cross-entropy uses the natural logarithm."
        )
    if abs(loss - 0.25) < 0.02:
        raise Mistake(
            "0.25 is the squared error of an output of 0.5: the model's loss is the binary "
            "cross-entropy, -ln(p) for the true label."
        )
    raise Mistake(
        f"{loss:.3f} is not what an untrained model gives: expected a positive number, the "
        "binary cross-entropy of its outputs. What does a sigmoid output before training, and "
        "what is -ln of it? (A measured value far from that means a bug: inputs not scaled, "
        "labels not 0/1.)"
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "02",
            1,
            "a cached training pipeline with a new order every epoch",
            check_fixed_pipeline,
            hints=[
                "Compare the labels of two passes over the shortcut: np.array_equal(...).",
                "cache() replays what it stored. Store single images in file order "
                "(batch_size=None), then shuffle and batch after the cache.",
            ],
            expected="a tf.data.Dataset of (images, labels) batches of the training split",
        ),
        Exercise(
            "02",
            2,
            "the convnet without its fourth block",
            check_three_blocks,
            hints=[
                "150 -> 148 -> 74 is the first block; repeat twice more.",
                "Flatten gets side x side x 128 inputs, and the Dense layer has (inputs + 1) x "
                "512 weights.",
            ],
            expected="two whole numbers: the side length before Flatten and the parameter count",
        ),
        Exercise(
            "02",
            3,
            "the loss of an untrained model",
            check_fresh_loss,
            hints=[
                "Before training, what does the sigmoid output for any image?",
                "Binary cross-entropy is -ln(p) for the probability p given to the true label.",
            ],
            expected="one positive number, the validation loss",
        ),
    ]
