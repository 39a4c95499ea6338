"""Lesson 02's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_utils.exercises import lesson02

N, BATCH = 40, 8


@pytest.fixture(scope="module")
def pipelines():
    """A tiny training split (40 images of 4x4x3, labels 0/1 of shape (1,)) and the pipelines
    learners build from it: the lesson's order, the exercise's shortcut and two near misses."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, size=(N, 4, 4, 3)).astype("float32")
    labels = (np.arange(N) % 2).astype("float32")[:, None]
    files = tf.data.Dataset.from_tensor_slices((images, labels))  # "decoded" single images
    return {
        "lesson": files.cache().shuffle(N, seed=1).batch(BATCH),
        "shortcut": files.shuffle(N, seed=1).batch(BATCH).cache(),
        "batches shuffled": files.batch(BATCH).cache().shuffle(N // BATCH, seed=1),
        "no cache": files.shuffle(N, seed=1).batch(BATCH),
        "single images": files.cache().shuffle(N, seed=1),
        "other images": files.take(N // 2).cache().shuffle(N, seed=1).batch(BATCH),
        "batched, then unbatched": (
            files.batch(BATCH).cache().unbatch().shuffle(N, seed=1).batch(BATCH)
        ),
    }


def test_exercise_1_cached_pipeline_with_new_orders(ex, pipelines):
    train_ds = pipelines["lesson"]
    assert ex[1].check(pipelines["lesson"], train_ds=train_ds)
    assert ex[1].check(pipelines["batched, then unbatched"], train_ds=train_ds)
    assert ex[1].check(pipelines["lesson"])  # without context: no comparison of the images
    cases = {
        "shortcut": "cache() after shuffled batches",
        "batches shuffled": "the same batches, only in another order",
        "no cache": "no cache()",
        "single images": "single images",
        "other images": "not the training split's",
    }
    for name, words in cases.items():
        feedback = ex[1].check(pipelines[name], train_ds=train_ds)
        assert not feedback and words in feedback.message, (name, feedback.message)
    feedback = ex[1].check(np.zeros((N, 4, 4, 3)), train_ds=train_ds)
    assert not feedback and "expected a tf.data.Dataset" in feedback.message


def test_exercise_1_reads_the_cache_from_the_graph(pipelines):
    assert lesson02._has_cache(pipelines["lesson"]) is True
    assert lesson02._has_cache(pipelines["no cache"]) is False
    assert lesson02._has_cache(object()) is None


def test_exercise_2_three_blocks(ex):
    assert lesson02.convnet_shape_and_params(150, 4) == (7, lesson02.FOUR_BLOCK_PARAMS)
    side, params = lesson02.convnet_shape_and_params(150, 3)
    assert (side, params) == (17, 19_034_177)
    assert ex[2].check(17, 19_034_177, image_size=(48, 48))
    assert ex[2].check(17, 19_034_177)
    at_48 = lesson02.convnet_shape_and_params(48, 3)
    biases = 32 + 64 + 128 + 512 + 1
    cases = {
        "the lesson's four-block model": (17, lesson02.FOUR_BLOCK_PARAMS),
        "7 is the side after the fourth block": (7, 19_034_177),
        "at the profile's 48x48": at_48,
        "leaves out the biases": (17, 19_034_177 - biases),
        "the first Dense layer alone": (17, (17 * 17 * 128 + 1) * 512),
        "the parameter count is not": (17, 19_000_000),
        "is not what three blocks leave": (15, 19_000_000),
        "expected two whole numbers": ("seventeen", 19_034_177),
    }
    for words, (side, params) in cases.items():
        feedback = ex[2].check(side, params, image_size=(48, 48))
        assert not feedback and words in feedback.message, (words, feedback.message)


def test_exercise_2_solution_model_has_that_count():
    import keras

    inputs = keras.Input(shape=(150, 150, 3))
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    for filters in (32, 64, 128):
        x = keras.layers.Conv2D(filters, 3, activation="relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    side = x.shape[1]
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(512, activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    assert (side, model.count_params()) == lesson02.convnet_shape_and_params(150, 3)


def test_exercise_3_fresh_loss(ex):
    assert ex[3].check(0.6931)
    assert ex[3].check(np.float32(0.71))
    assert ex[3].check(math.log(2))
    cases = {
        "looks like the untrained output P(dog) or the accuracy": 0.5,
        "[loss, accuracy]": [0.69, 0.5],
        "in bits": 1.0,
        "squared error": 0.25,
        "is not what an untrained model gives": 2.3,
        "expected one number": "ln 2",
    }
    for words, answer in cases.items():
        feedback = ex[3].check(answer)
        assert not feedback and words in feedback.message, (words, feedback.message)
    feedback = ex[3].check(0.52)  # an accuracy near chance
    assert not feedback and "accuracy" in feedback.message
    assert ex[3].check(None).status == "not attempted"
