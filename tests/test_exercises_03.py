"""Lesson 03's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

import math

import numpy as np
import pytest


def _images(seed):
    return np.random.default_rng(seed).uniform(0, 255, (2, 6, 6, 3)).astype("float32")


def test_exercise_1_cache_order(ex):
    a, b = _images(0), _images(1)
    replayed, redrawn = [a, a.copy()], [a, b]
    assert ex[1].check(replayed, redrawn)
    cases = {
        "swap": (redrawn, replayed),  # the pipelines exchanged
        "training=True": (replayed, [b, b.copy()]),  # augmentation never acted
        "cache was not used": (redrawn, [b, a]),  # the cache was discarded
        "[epoch 1, epoch 2]": ("images", redrawn),  # not two arrays: the general message
        "same shape": ([a, a[:1]], redrawn),
    }
    for words, answers in cases.items():
        feedback = ex[1].check(*answers)
        assert not feedback and words in feedback.message, (words, feedback.message)
    assert ex[1].check(..., ...).status == "not attempted"


@pytest.fixture(scope="module")
def tiny_model():
    """The lesson's layout in miniature: an augmentation block, convolutions, Dropout, Dense."""
    import keras

    inputs = keras.Input((8, 8, 3))
    augmentation = keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.1)],
        name="augmentation",
    )
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 255)(x)
    x = keras.layers.Conv2D(2, 3, name="conv")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.5, name="dropout")(x)
    return keras.Model(inputs, keras.layers.Dense(1, name="dense")(x))


def test_exercise_2_random_layers(ex, tiny_model):
    assert ex[2].check(["augmentation", "dropout"], model=tiny_model)
    # the layers themselves, or the augmentation's inner random layers, are right too
    inner = [layer.name for layer in tiny_model.get_layer("augmentation").layers]
    assert ex[2].check([*inner, "dropout"], model=tiny_model)
    assert ex[2].check(
        [tiny_model.get_layer("augmentation"), tiny_model.get_layer("dropout")], model=tiny_model
    )
    cases = {
        "zeroes a random part of the features": ["augmentation"],  # Dropout forgotten
        "changed the images themselves": ["dropout"],  # the augmentation forgotten
        "same output for the same input": ["augmentation", "dropout", "conv"],
        "not a layer of this model": ["augmentation", "Dropout_1"],
        "expected a list of layer names": "augmentation",
        "expected the names of the model's layers": [],  # the general message
    }
    for words, answer in cases.items():
        feedback = ex[2].check(answer, model=tiny_model)
        assert not feedback and words in feedback.message, (words, feedback.message)


def test_exercise_3_shear_degrees(ex):
    assert ex[3].check(float(np.rad2deg(np.arctan(0.2))))
    cases = {
        "reads it in degrees": 0.2,  # the book's number in today's unit
        "0.2 radians in degrees": math.degrees(0.2),  # the book's Keras 2.0 reading
        "that angle is in radians": math.atan(0.2),  # not converted
        "is a slope": 20,
        "Expected a number of degrees": 45,  # the general message
    }
    for words, answer in cases.items():
        feedback = ex[3].check(answer)
        assert not feedback and words in feedback.message, (words, feedback.message)
    assert "Expected a number of degrees" in ex[3].check("eleven").message  # not a number
