"""Lesson 07's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import lesson07


def _xception(conv: str, image_size: int = 48, bias: bool = False):
    """The lesson's mini-Xception (without augmentation) with ``conv`` layers in its blocks."""
    import keras

    layer = {"separable": keras.layers.SeparableConv2D, "regular": keras.layers.Conv2D}[conv]
    inputs = keras.Input(shape=(image_size, image_size, 3))
    x = keras.layers.Rescaling(1.0 / 255)(inputs)
    x = keras.layers.Conv2D(32, 5, use_bias=False)(x)
    for filters in [32, 64, 128, 256, 512]:
        residual = x
        for _ in range(2):
            x = keras.layers.BatchNormalization()(x)
            x = keras.layers.Activation("relu")(x)
            x = layer(filters, 3, padding="same", use_bias=bias)(x)
        x = keras.layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = keras.layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(
            residual
        )
        x = keras.layers.add([x, residual])
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.5)(x)
    return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))


def test_exercise_1_regular_xception(ex):
    separable = _xception("separable")
    assert separable.count_params() == lesson07.SEPARABLE_PARAMS  # the lesson's own count
    regular = _xception("regular")
    truth = lesson07.regular_params()
    assert regular.count_params() == truth
    assert ex[1].check(truth, regular)
    bn = sum(4 * a + 4 * b for a, b in lesson07.BLOCKS)
    projections = sum(a * b for a, b in lesson07.BLOCKS)
    cases = [
        ((truth, separable), "still has SeparableConv2D"),
        ((truth, _xception("regular", bias=True)), "use_bias=False"),
        ((lesson07.SEPARABLE_PARAMS, regular), "separable model's count"),
        ((truth - bn, regular), "BN layers"),
        ((truth - projections, regular), "projections"),
        ((truth + 1, regular), "off by -1"),
        ((truth, _xception("regular", image_size=64).layers[-1]), "expected the model"),
        (("many", regular), "as a number"),
    ]
    for answers, words in cases:
        feedback = ex[1].check(*answers)
        assert not feedback and words in feedback.message, (words, feedback.message)


def _block(projection: str | None):
    import keras

    inputs = keras.Input(shape=(24, 24, 64))
    x = keras.layers.Conv2D(128, 3, strides=2, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    if projection is None:
        return keras.Model(inputs, x), None
    kernel = {"1x1": 1, "3x3": 3}[projection]
    layer = keras.layers.Conv2D(128, kernel, strides=2, padding="same")
    return keras.Model(inputs, keras.layers.add([x, layer(inputs)])), layer


def test_exercise_2_strided_block(ex):
    block, projection = _block("1x1")
    assert projection.count_params() == 64 * 128 + 128
    assert ex[2].check(block, 64 * 128 + 128)
    cases = [
        ((block, 64 * 128), "has a bias"),
        ((block, block.count_params()), "whole block"),
        ((block, 1000), "kernel height"),
        ((_block("3x3")[0], 3 * 3 * 64 * 128 + 128), "1x1 kernel"),
        ((_block(None)[0], 0), "no residual connection"),
        (("block", 8320), "expected the block"),
    ]
    for answers, words in cases:
        feedback = ex[2].check(*answers)
        assert not feedback and words in feedback.message, (words, feedback.message)


@pytest.fixture(scope="module")
def trained():
    """A small trained model with BN (momentum 0.9), its test data and evaluate() results."""
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(96, 8, 8, 3)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("float32")[:, None]
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(8, 3, use_bias=False),
            keras.layers.BatchNormalization(momentum=0.9),
            keras.layers.Activation("relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    test = tf.data.Dataset.from_tensor_slices((x[:40], y[:40])).batch(16)
    loss, accuracy = model.evaluate(test, verbose=0)
    return model, test, loss, accuracy


def _accuracies(model, test, on_the_model: bool):
    """The solution's two accuracies; ``on_the_model``: the mistake, training=True on it."""
    import keras

    images = np.concatenate([x for x, _ in test.as_numpy_iterator()])
    labels = np.concatenate([y for _, y in test.as_numpy_iterator()])
    inference = model.predict(images, verbose=0)
    probe = model
    if not on_the_model:
        probe = keras.models.clone_model(model)
        probe.set_weights(model.get_weights())
    batch_stats = probe(images, training=True).numpy()
    return float(np.mean((inference > 0.5) == labels)), float(
        np.mean((batch_stats > 0.5) == labels)
    )


def test_exercise_3_bn_lag(ex, trained):
    model, test, loss, accuracy = trained
    context = dict(model=model, test_data=test, test_loss=loss)
    acc_inference, acc_batch_stats = _accuracies(model, test, on_the_model=False)
    assert np.isclose(acc_inference, accuracy)
    assert ex[3].check(acc_inference, acc_batch_stats, **context)
    assert ex[3].check(acc_inference, acc_batch_stats, **context)  # the model is unchanged
    for answers, words in [
        ((acc_inference, 87.5), "between 0 and 1"),
        ((acc_inference + 0.25 if acc_inference < 0.7 else 0.1, acc_batch_stats), "evaluate()"),
        (("high", acc_batch_stats), "as a number"),
    ]:
        feedback = ex[3].check(*answers, **context)
        assert not feedback and words in feedback.message, (words, feedback.message)
    # The mistake: training=True on the trained model moves its moving statistics.
    _accuracies(model, test, on_the_model=True)
    feedback = ex[3].check(acc_inference, acc_batch_stats, **context)
    assert not feedback and "the trained model changed" in feedback.message
