"""Lesson 05's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import lesson05


@pytest.fixture(scope="module")
def tiny():
    """A MobileNetV2-like base in miniature (bias-free convolutions, BatchNorm, ReLU) and a
    model with a one-logit head on it."""
    import keras

    base_input = keras.Input((8, 8, 3))
    x = base_input
    for filters in (4, 4, 8, 8):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    base = keras.Model(base_input, x)  # 13 layers: Input, then 4 x (Conv2D, BN, ReLU)
    inputs = keras.Input((8, 8, 3))
    x = base(inputs, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1)(x))
    return base, model


def test_exercise_1_unfreeze_counts(ex, tiny):
    base, model = tiny
    # from index 7 on: Conv2D, BN, ReLU, Conv2D, BN, ReLU -> 4 layers (BN frozen), 2 kernels
    # from index 0 on: Input + 4 Conv2D + 4 ReLU = 9 layers, 4 kernels; the head adds 2 tensors
    expected = {7: (4, 2 + 2), 0: (9, 4 + 2)}
    assert lesson05.expected_counts(base, model, 7)["right"] == expected[7]
    assert lesson05.expected_counts(base, model, 0)["right"] == expected[0]
    # the exercise's answers are for fine_tune_at = 120 and 0; with this tiny base, index 120
    # is past the end: nothing of the base trains, only the head
    at_120, at_0 = (0, 2), expected[0]
    assert ex[1].check(at_120, at_0, base=base, model=model)
    cases = {
        "swapped": (at_0, at_120),
        "BatchNormalization layers as trainable": (at_120, (13, 4 + 2 * 4 + 2)),  # BN trainable
        "the head trains too": (at_120, (9, 4)),
        "Expected two pairs": (at_120, (9, 99)),  # the general message
        "pair of whole numbers": (at_120, 6),
    }
    for words, answers in cases.items():
        feedback = ex[1].check(*answers, base=base, model=model)
        assert not feedback and words in feedback.message, (words, feedback.message)


def test_exercise_2_training_flag(ex, tiny):
    import keras

    base, _ = tiny
    top_bn = next(
        layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)
    )
    overrides = lesson05.training_flag_overridden()  # what the installed Keras does
    moved = 0.01 if overrides else 0.0
    top_bn.trainable = False
    assert ex[2].check(overrides, moved, top_bn=top_bn)
    cases = {
        "not what this Keras does": (not overrides, moved),
        "should be True or False": ("yes", moved),
        "largest absolute change": (overrides, -1.0),
        ("did not move" if overrides else "should not move"): (overrides, 0.01 - moved),
    }
    for words, answers in cases.items():
        feedback = ex[2].check(*answers, top_bn=top_bn)
        assert not feedback and words in feedback.message, (words, feedback.message)
    top_bn.trainable = True  # the exercise's test, not restored: BatchNorm left trainable
    try:
        feedback = ex[2].check(overrides, moved, top_bn=top_bn)
        assert not feedback and "still trainable" in feedback.message
    finally:
        top_bn.trainable = False


def test_exercise_3_thresholds(ex):
    logits = np.array([-2.0, -0.2, 0.2, 0.3, 0.8, 2.0])
    labels = np.array([0, 0, 1, 1, 1, 0])
    right = np.mean((logits > 0) == labels)  # 5 of 6
    wrong = np.mean((logits > 0.5) == labels)  # 3 of 6
    assert ex[3].check(right, right, wrong, logits=logits, labels=labels)
    cases = {
        "threshold 0.5 on the logits; a logit's threshold is 0": (wrong, right, wrong),
        "calls every image a dog": (right, np.mean(labels == 1), wrong),
        "what `metrics=['accuracy']` does": (right, right, right),
        "fractions between 0 and 1, not percentages": (100 * right, right, wrong),
        "not the three accuracies": (0.1, 0.2, 0.3),  # the general message
    }
    for words, answers in cases.items():
        feedback = ex[3].check(*answers, logits=logits, labels=labels)
        assert not feedback and words in feedback.message, (words, feedback.message)
