"""Lesson 08's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

import numpy as np
import pytest

# Exercise 1 -----------------------------------------------------------------------------------

LOGITS = np.array([-3.0, -0.2, 0.1, 0.3, 0.4, 0.7, 2.0, 5.0, -1.0, 0.2])
LABELS = np.array([0, 0, 1, 1, 0, 1, 1, 1, 1, 1])
AT_05 = np.mean((LOGITS > 0.5) == LABELS)  # 0.6: faces with 0 < logit <= 0.5 count as Female
AT_0 = np.mean((LOGITS > 0.0) == LABELS)  # 0.8


@pytest.mark.parametrize(
    ("answers", "status", "words"),
    [
        ((AT_05, AT_0), "correct", "differ only on the 4 test faces"),
        ((AT_05, AT_05), "wrong", "threshold 0.5 on logits"),
        ((AT_05, 1 - AT_0), "wrong", "1 minus the right one"),
        ((AT_0, AT_0), "wrong", 'what metrics=["accuracy"] reports'),
        ((AT_05 * 100, AT_0 * 100), "wrong", "a percentage"),
        ((0.1, 0.45), "wrong", "expected two fractions"),
        ((..., ...), "not attempted", "not attempted yet"),
    ],
)
def test_exercise_1(ex, answers, status, words, capsys):
    feedback = ex[1].check(*answers, test_logits=LOGITS, test_labels=LABELS)
    assert feedback.status == status, feedback.message
    assert words in capsys.readouterr().out


def test_exercise_1_says_when_the_thresholds_agree(ex):
    logits, labels = np.array([-2.0, 3.0, 1.0]), np.array([0, 1, 0])
    at = np.mean((logits > 0) == labels)
    assert "here they agree" in ex[1].check(at, at, test_logits=logits, test_labels=labels).message


# Exercise 2 -----------------------------------------------------------------------------------


def _functional(head=None, flatten=False, size=64):
    import keras

    inputs = keras.Input(shape=(size, size, 3))
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
    x = keras.layers.Dropout(0.5)(keras.layers.MaxPooling2D(2)(x))
    x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = keras.layers.Dropout(0.5)(keras.layers.MaxPooling2D(2)(x))
    x = keras.layers.Conv2D(128, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(256, 3, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x) if flatten else keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, (head or keras.layers.Dense(1))(x))


def _subclassed():
    import keras

    class Small(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = keras.layers.Conv2D(4, 3)
            self.out = keras.layers.Dense(1)

        def call(self, x):
            return self.out(keras.ops.mean(self.conv(x), axis=(1, 2)))

    return Small()


def test_exercise_2(ex, capsys):
    import keras

    cases = [
        (_functional(), "correct", "388,673 parameters before any data"),
        (_functional(size=32), "correct", "388,673"),  # GAP: the size does not matter
        (_functional(flatten=True), "wrong", "Flatten"),
        (
            _functional(head=keras.layers.Dense(2, activation="softmax")),
            "wrong",
            "two output units",
        ),
        (_functional(head=keras.layers.Dense(1, activation="sigmoid")), "wrong", "'sigmoid'"),
        (_subclassed(), "wrong", "subclassed model"),
        (keras.Sequential([keras.layers.Dense(3)]), "wrong", "no input graph"),
        (
            keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)]),
            "wrong",
            "not the lesson's network",
        ),
        ("a model", "wrong", "expected a keras.Model"),
    ]
    for answer, status, words in cases:
        feedback = ex[2].check(answer)
        assert feedback.status == status, (words, feedback.message)
        assert words in capsys.readouterr().out


# Exercise 3 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tta():
    """A tiny logit model that is not mirror-symmetric, 20 test faces in batches of 8, and the
    averaged probabilities learners compute (right and wrong)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(2, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(1),
        ]
    )
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (20, 8, 8, 3)).astype("float32")
    ds_test = tf.data.Dataset.from_tensor_slices((images, np.arange(20) % 2)).batch(8)
    logits = model.predict(ds_test, verbose=0).ravel()
    flipped = model.predict(
        ds_test.map(lambda x, y: (tf.image.flip_left_right(x), y)), verbose=0
    ).ravel()
    upside = model.predict(
        ds_test.map(lambda x, y: (tf.image.flip_up_down(x), y)), verbose=0
    ).ravel()
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    answers = {
        "right": (sigmoid(logits) + sigmoid(flipped)) / 2,
        "upside down": (sigmoid(logits) + sigmoid(upside)) / 2,
        "plain": sigmoid(logits),
        "logits averaged": sigmoid((logits + flipped) / 2),
        "logits": (logits + flipped) / 2 + 3.0,
        "one short": ((sigmoid(logits) + sigmoid(flipped)) / 2)[:-1],
        "random": rng.uniform(0, 1, 20),
    }
    return model, ds_test, answers


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("right", "correct", "mirror image"),
        ("upside down", "wrong", "upside-down"),
        ("plain", "wrong", "plain predictions"),
        ("logits averaged", "wrong", "averaged the logits"),
        ("logits", "wrong", "outside [0, 1]"),
        ("one short", "wrong", "one Pr(Male) per test face (20)"),
        ("random", "wrong", "expected, for every test face"),
    ],
)
def test_exercise_3(ex, tta, name, status, words, capsys):
    model, ds_test, answers = tta
    feedback = ex[3].check(answers[name], model=model, ds_test=ds_test)
    assert feedback.status == status, feedback.message
    assert words in capsys.readouterr().out
