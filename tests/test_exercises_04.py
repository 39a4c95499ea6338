"""Lesson 04's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import lesson04


@pytest.mark.parametrize("feature_shape", [(4, 4, 512), (2, 2, 512)])
def test_exercise_1_trainable_params(ex, feature_shape):
    head = (int(np.prod(feature_shape)) + 1) * 256 + 257
    block5 = lesson04.BLOCK5_PARAMS
    assert ex[1].check(head, head, head + block5, feature_shape=feature_shape)
    cases = {
        "weight *tensors*": (4, 4, 10),
        "whole VGG16 base": (head, head, head + lesson04.BASE_PARAMS),
        "add the head": (head, head, block5),
        "block 5, (3·3·512 + 1)·512": (head, head, head + 123),
        "Expected three whole numbers": (1_000, 2_000, 3_000),  # the general message
        "whole number of parameters": (head, head, 1.5),
    }
    for words, answers in cases.items():
        feedback = ex[1].check(*answers, feature_shape=feature_shape)
        assert not feedback and words in feedback.message, (words, feedback.message)
    book_head = (4 * 4 * 512 + 1) * 256 + 257  # the head at the book's 150x150
    feedback = ex[1].check(book_head, book_head, book_head + block5, feature_shape=feature_shape)
    assert bool(feedback) == (feature_shape == (4, 4, 512))
    if feature_shape != (4, 4, 512):
        assert "the book's 150×150" in feedback.message


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 255, (2, 5, 5, 3)).astype("float32")


def test_exercise_2_caffe_input(ex, images):
    mean = lesson04.IMAGENET_MEAN_BGR

    def solution(x):
        return np.asarray(x, "float32")[..., ::-1] - mean

    assert ex[2].check(solution, images=images)
    import keras

    assert ex[2].check(keras.applications.vgg16.preprocess_input, images=images)
    cases = {
        "old recipe's `/255`": lambda x: x / 255.0,
        "still in R, G, B order": lambda x: x - mean,
        "MobileNetV2's scaling": lambda x: x / 127.5 - 1,
        "now subtract the ImageNet mean": lambda x: x[..., ::-1],
        "came back unchanged": lambda x: x,
        "shape of its input": lambda x: x[0],
        "returns an array of the same shape": lambda x: x[..., ::-1] - 100,  # general message
    }
    for words, answer in cases.items():
        feedback = ex[2].check(answer, images=images)
        assert not feedback and words in feedback.message, (words, feedback.message)
    assert not ex[2].check("x / 255", images=images)  # not a function: wrong, no exception


def _classifier(feature_shape, pooling="GlobalAveragePooling2D", dense=True):
    import keras

    inputs = keras.Input(feature_shape)
    x = getattr(keras.layers, pooling)()(inputs)
    if dense:
        x = keras.layers.Dense(256, activation="relu")(x)
        x = keras.layers.Dropout(0.5)(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def test_exercise_3_gap_classifier(ex):
    shape = (2, 2, 512)
    assert ex[3].check(_classifier(shape), feature_shape=shape)
    assert ex[3].check(131_585, feature_shape=shape)  # the count alone
    cases = {
        "still flattens": _classifier(shape, "Flatten"),
        "the mean": _classifier(shape, "GlobalMaxPooling2D"),
        "keep the rest": _classifier(shape, dense=False),
        "its input": _classifier((3, 3, 512)),
        "the count with `Flatten`": (2 * 2 * 512 + 1) * 256 + 257,
        "count it from the model": 42,
        "expected the Keras model": "131585",
    }
    for words, answer in cases.items():
        feedback = ex[3].check(answer, feature_shape=shape)
        assert not feedback and words in feedback.message, (words, feedback.message)
