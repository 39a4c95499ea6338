"""Lesson 08 (CelebA gender): the exercises' checks.

1. Two test accuracies from the lesson's logits: with threshold 0.5 on the logit (what
   ``metrics=["accuracy"]`` does with a logit output) and with ``Pr(Male) > 0.5`` (logit > 0).
2. The same network as a functional model: a ``keras.Model`` built from ``keras.Input``, with
   388,673 parameters before it has seen data, and a logit output.
3. Test-time augmentation: ``Pr(Male)`` averaged over each test face and its mirror image.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Mistake, correct

#: The lesson's network (asserted in section 3): four 3x3 convolutions, GAP, Dense(1).
PARAMS = 388_673
#: Parameters of the same network with two output units (a softmax over Female/Male).
PARAMS_TWO_UNITS = PARAMS - 257 + 2 * 257


def _as_fraction(value, name: str) -> float:
    value = float(np.asarray(value))
    if 1.0 < value <= 100.0:
        raise Mistake(
            f"{name} is {value:g}: a percentage. Give the accuracy as a fraction between 0 and 1, "
            "like test_acc."
        )
    if not 0.0 <= value <= 1.0:
        raise Mistake(f"{name} is {value:g}: an accuracy is a fraction between 0 and 1.")
    return value


# ---------------------------------------------------------------------------------------------
# Exercise 1


def check_thresholds(acc_logit_05, acc_proba_05, *, test_logits, test_labels):
    """Exercise 1: ``acc_logit_05`` (logit > 0.5) and ``acc_proba_05`` (Pr(Male) > 0.5)."""
    logits = np.asarray(test_logits, dtype="float64").ravel()
    labels = np.asarray(test_labels).ravel().astype(int)
    at_05 = float(np.mean((logits > 0.5) == labels))
    at_0 = float(np.mean((logits > 0.0) == labels))
    mine_05 = _as_fraction(acc_logit_05, "acc_logit_05")
    mine_0 = _as_fraction(acc_proba_05, "acc_proba_05")
    tolerance = 0.5 / len(labels)  # less than one face
    close = lambda a, b: abs(a - b) < tolerance  # noqa: E731
    between = int(np.sum((logits > 0.0) & (logits <= 0.5)))
    if close(mine_0, at_05) and not close(at_05, at_0):
        raise Mistake(
            "acc_proba_05 compares the *logit* with 0.5: that is the trap of section 4, the "
            "threshold 0.5 on logits, i.e. Pr(Male) > 0.62. Pr(Male) > 0.5 means logit > 0 "
            "(or tf.sigmoid(logit) > 0.5)."
        )
    if close(mine_0, 1 - at_0) or close(mine_05, 1 - at_05):
        raise Mistake(
            "one accuracy is 1 minus the right one: the predictions are compared the wrong way "
            "round (!= instead of ==, or the labels inverted)."
        )
    if close(mine_05, at_0) and not close(at_05, at_0):
        raise Mistake(
            "acc_logit_05 is the accuracy at Pr(Male) > 0.5. It should be what "
            'metrics=["accuracy"] reports on a logit output: the logit itself compared with 0.5.'
        )
    if not (close(mine_05, at_05) and close(mine_0, at_0)):
        raise Mistake(
            "expected two fractions computed from test_logits and test_labels: the share of "
            "faces where (logit > threshold) equals the label, for the two thresholds."
        )
    if between == 0:
        return correct(
            "both accuracies are right; no test face has 0 < logit <= 0.5, so here they agree. "
            "The one you want is Pr(Male) > 0.5 (logit > 0)."
        )
    return correct(
        f"both accuracies are right. They differ only on the {between} test faces with "
        "0 < logit <= 0.5 (Pr(Male) between 0.5 and 0.62), which the logit threshold calls "
        "Female although the model finds Male more likely."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2


def check_functional(functional):
    """Exercise 2: the lesson's network as a functional model."""
    import keras

    if not isinstance(functional, keras.Model):
        raise Mistake(f"expected a keras.Model; got {type(functional).__name__}.")
    try:
        has_graph = bool(functional.built and functional.inputs)
    except (AttributeError, ValueError):  # a subclassed model has no symbolic inputs
        has_graph = False
    if not has_graph:
        raise Mistake(
            "this model has no input graph yet: it looks like a subclassed model (or a "
            "Sequential model without keras.Input). Start from inputs = keras.Input(shape=(64, "
            "64, 3)), call each layer on the previous output, and end with "
            "keras.Model(inputs, outputs)."
        )
    params = functional.count_params()
    if any(isinstance(layer, keras.layers.Flatten) for layer in functional.layers):
        raise Mistake(
            f"{params:,} parameters, with a Flatten layer: the lesson's network ends with "
            "GlobalAveragePooling2D (256 numbers per face, whatever the image size)."
        )
    if params == PARAMS_TWO_UNITS:
        raise Mistake(
            "two output units: the lesson's model has one unit whose output is a logit "
            "(Dense(1)), trained with BinaryCrossentropy(from_logits=True)."
        )
    if params != PARAMS:
        raise Mistake(
            f"{params:,} parameters, not the lesson's network: expected four 3x3 Conv2D layers "
            "(32, 64, 128, 256 filters, padding='same'), pooling, dropout, "
            "GlobalAveragePooling2D and one Dense unit."
        )
    last = functional.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "linear")
    if activation != "linear":
        raise Mistake(
            f"the last layer applies {activation!r}: the lesson's model outputs a logit "
            "(Dense(1) with no activation), as its loss expects (from_logits=True)."
        )
    return correct(
        f"{params:,} parameters before any data: a functional model knows every layer's input "
        "shape from keras.Input, so summary() shows output shapes and counts at once."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 3


def _sample(ds_test, n: int):
    import tensorflow as tf

    images = np.concatenate([np.asarray(x) for x, _ in ds_test.unbatch().batch(n).take(1)])
    return tf.constant(images)


def check_tta(p_mean, *, model, ds_test, n=64):
    """Exercise 3: ``p_mean``, Pr(Male) averaged over each test face and its mirror image, for
    every test face in ``ds_test``'s order. The first ``n`` are recomputed with ``model``."""
    import tensorflow as tf

    p_mean = np.asarray(p_mean, dtype="float64").ravel()
    n_test = sum(int(np.shape(y)[0]) for _, y in ds_test)
    if p_mean.shape != (n_test,):
        raise Mistake(
            f"expected one Pr(Male) per test face ({n_test}); got an array of shape {p_mean.shape}."
        )
    if p_mean.min() < 0 or p_mean.max() > 1:
        raise Mistake(
            "values outside [0, 1]: these are logits (or averaged logits), not probabilities. "
            "Apply tf.sigmoid to each prediction, then average."
        )
    faces = _sample(ds_test, n)
    k = len(faces)

    def logit(images):
        return model(images, training=False).numpy().ravel().astype("float64")

    def proba(images):
        return 1 / (1 + np.exp(-logit(images)))

    plain_logit, mirrored_logit = logit(faces), logit(tf.image.flip_left_right(faces))
    plain, mirrored = 1 / (1 + np.exp(-plain_logit)), 1 / (1 + np.exp(-mirrored_logit))
    expected = (plain + mirrored) / 2
    mine = p_mean[:k]
    if np.allclose(mine, expected, atol=1e-4):
        return correct(
            "Pr(Male) averaged over each face and its mirror image. The model was trained on "
            "random left-right flips, so both are faces it knows; any change in accuracy is "
            "small: compare it with the standard error of the test accuracy before concluding."
        )
    upside_down = (plain + proba(tf.image.flip_up_down(faces))) / 2
    if np.allclose(mine, upside_down, atol=1e-4):
        raise Mistake(
            "that averages each face with its upside-down copy (flip_up_down): the model never "
            "saw upside-down faces. Mirror them left-right, as the training augmentation did."
        )
    if np.allclose(mine, plain, atol=1e-4):
        raise Mistake(
            "these are the plain predictions: the mirrored faces did not enter the average "
            "(flip the images with tf.image.flip_left_right before predicting)."
        )
    logit_mean = 1 / (1 + np.exp(-(plain_logit + mirrored_logit) / 2))
    if np.allclose(mine, logit_mean, atol=1e-4):
        raise Mistake(
            "you averaged the logits, then applied the sigmoid: close, but the exercise "
            "averages the probabilities Pr(Male) = sigmoid(logit) of the two images."
        )
    raise Mistake(
        "expected, for every test face in ds_test's order, the mean of Pr(Male) for the face "
        "and for its mirror image: an array of probabilities between 0 and 1."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "08",
            1,
            "accuracy at threshold 0.5 on the logit and at Pr(Male) > 0.5",
            check_thresholds,
            hints=[
                "(test_logits > t) == test_labels gives True where the prediction is right; "
                "its mean is the accuracy.",
                "Pr(Male) = sigmoid(logit) > 0.5 exactly when the logit is > 0.",
            ],
            expected="two fractions between 0 and 1: acc_logit_05, acc_proba_05",
        ),
        Exercise(
            "08",
            2,
            "the network as a functional model",
            check_functional,
            hints=[
                "inputs = keras.Input(shape=(64, 64, 3)); x = layer(inputs); x = next_layer(x) ...",
                "End with keras.Model(inputs, keras.layers.Dense(1)(x)): no activation, a logit.",
            ],
            expected="a keras.Model built from keras.Input",
        ),
        Exercise(
            "08",
            3,
            "test-time augmentation with mirror images",
            check_tta,
            hints=[
                "model.predict(ds_test.map(lambda x, y: (tf.image.flip_left_right(x), y))) "
                "gives the mirrored faces' logits, in ds_test's order.",
                "Average tf.sigmoid of both logits, not the logits themselves.",
            ],
            expected="an array with one Pr(Male) in [0, 1] per test face",
        ),
    ]
