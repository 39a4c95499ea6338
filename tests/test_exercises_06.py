"""Lesson 06's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

import numpy as np

from course_utils.exercises import lesson06


def _model(kind: str):
    """The lesson's encoder–decoder at 200x200 (``strided``), the exercise's answer
    (``pooling``) and three wrong answers."""
    import keras

    inputs = keras.Input(shape=(200, 200, 3))
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    for filters in (64, 128, 256):
        if kind == "strided":
            x = keras.layers.Conv2D(filters, 3, strides=2, activation="relu", padding="same")(x)
        else:
            stride = 2 if kind == "pooling and strides" else 1
            x = keras.layers.Conv2D(filters, 3, strides=stride, activation="relu", padding="same")(
                x
            )
            x = keras.layers.MaxPooling2D(2)(x)
        x = keras.layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    for filters in (256, 128, 64):
        x = keras.layers.Conv2DTranspose(filters, 3, activation="relu", padding="same")(x)
        if kind == "strided":
            x = keras.layers.Conv2DTranspose(
                filters, 3, strides=2, activation="relu", padding="same"
            )(x)
        elif kind == "pooling and strides":
            x = keras.layers.Conv2DTranspose(
                filters, 3, strides=2, activation="relu", padding="same"
            )(x)
            x = keras.layers.UpSampling2D(2)(x)
        else:
            x = keras.layers.UpSampling2D(2)(x)
            if kind != "upsampling alone":
                x = keras.layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    outputs = keras.layers.Conv2D(3, 3, activation="softmax", padding="same")(x)
    return keras.Model(inputs, outputs)


def test_exercise_1_pooling_model(ex, capsys):
    strided = _model("strided")
    assert strided.count_params() == lesson06.STRIDED_MODEL_PARAMS
    assert ex[1].check(_model("pooling"), reference=strided)
    assert ex[1].check(_model("pooling"))  # without context: the lesson's fixed count
    feedback = ex[1].check(_model("pooling and strides"), reference=strided)
    assert not feedback and "shrink the map twice" in feedback.message
    feedback = ex[1].check(_model("upsampling alone"), reference=strided)
    assert not feedback and "followed by a Conv2D" in feedback.message
    feedback = ex[1].check(strided, reference=strided)  # nothing changed
    assert not feedback and "still have strides=2" in feedback.message
    feedback = ex[1].check("a model", reference=strided)
    assert not feedback and "expected a Keras model" in feedback.message
    assert ex[1].check(..., reference=strided).status == "not attempted"


def test_exercise_2_comes_back(ex):
    assert ex[2].check(lambda side: side % 8 == 0)
    assert not ex[2].check(lambda side: side % 16 == 0)  # too strict: the general message
    assert "Build get_model" in ex[2].last.message
    feedback = ex[2].check(lambda side: side % 2 == 0)
    assert not feedback and "even sides are not enough" in feedback.message
    feedback = ex[2].check(lambda side: side % 4 == 0)
    assert not feedback and "multiples of 4" in feedback.message
    feedback = ex[2].check(lambda side: True)
    assert not feedback and "not every size" in feedback.message
    feedback = ex[2].check(8)
    assert not feedback and "expected a function" in feedback.message
    feedback = ex[2].check(lambda: True)  # the wrong signature: wrong, does not raise
    assert not feedback and "could not use this answer" in feedback.message


def test_exercise_2_rule_matches_the_models_shapes():
    for side in (64, 96, 100, 150, 200, 201):
        assert (lesson06._mask_side(side) == side) == (side % 8 == 0)
    assert lesson06._mask_side(100) == 104 and lesson06._mask_side(201) == 208


CM = np.array([[500, 40, 60], [30, 2000, 50], [70, 80, 170]])


def test_exercise_3_merged_iou(ex):
    truth = lesson06.merged_iou_of(CM)
    merged = np.array([[500 + 60 + 70 + 170, 40 + 80], [30 + 50, 2000]])
    assert np.allclose(truth, np.diag(merged) / (merged.sum(0) + merged.sum(1) - np.diag(merged)))
    assert ex[3].check(truth, cm=CM)
    assert ex[3].check(list(truth), cm=CM)
    iou = lesson06._iou(CM)
    cases = {
        "swapped": truth[::-1],
        "added the pet's and the outline's": [iou[0] + iou[2], truth[1]],
        "averaged": [(iou[0] + iou[2]) / 2, truth[1]],
        "not only its diagonal": [(500 + 170) / (920 + 880 - 800), truth[1]],  # rows, columns
        "computed from the 2x2 matrix": [0.5, 0.5],
        "expected two numbers": [0.5, 0.5, 0.5],
    }
    for words, answer in cases.items():
        feedback = ex[3].check(answer, cm=CM)
        assert not feedback and words in feedback.message, (words, feedback.message)
