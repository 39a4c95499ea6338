"""Lesson 05 (MobileNetV2 transfer learning): the checks of its three exercises.

1. layers and weight tensors ``unfreeze_top`` trains at ``fine_tune_at = 120`` and ``0`` (the
   question why moving statistics are never trainable is open, not checked);
2. what the Keras in use does with a recorded ``training=False`` when a model is called with
   ``training=True``, and whether an unfrozen BatchNormalization layer agrees; and that the model
   was restored (its BatchNormalization layer frozen again);
3. a batch's accuracy from logits three ways (which two agree and why is open, not checked).
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Mistake, correct


def _is_batchnorm(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.BatchNormalization)


def _pair(value, name: str) -> tuple[int, int]:
    try:
        layers, tensors = value
        if not (float(layers).is_integer() and float(tensors).is_integer()):
            raise ValueError
    except (TypeError, ValueError):
        raise Mistake(
            f"`{name}` should be a pair of whole numbers: (trainable layers, trainable weight "
            f"tensors), got {value!r}."
        ) from None
    return int(layers), int(tensors)


def expected_counts(base, model, at: int) -> dict[str, tuple[int, int]]:
    """What ``unfreeze_top(base, at)`` trains, and the counts of the usual wrong answers."""
    top = [layer for i, layer in enumerate(base.layers) if i >= at]
    batchnorm = [layer for layer in top if _is_batchnorm(layer)]
    trained = [layer for layer in top if not _is_batchnorm(layer)]
    head = len(model.weights) - len(base.weights)  # the head's kernel and bias
    tensors = sum(len(layer.weights) for layer in trained)
    return {
        "right": (len(trained), tensors + head),
        "batchnorm trainable": (len(top), tensors + 2 * len(batchnorm) + head),
        "moving statistics": (len(top), tensors + 4 * len(batchnorm) + head),
        "no head": (len(trained), tensors),
    }


def check_unfreeze_counts(at_120, at_0, *, base, model) -> object:
    answers = {120: _pair(at_120, "at_120"), 0: _pair(at_0, "at_0")}
    expected = {at: expected_counts(base, model, at) for at in answers}
    if all(answers[at] == expected[at]["right"] for at in answers):
        return correct(
            f"fine_tune_at=120: {answers[120][0]} layers, {answers[120][1]} tensors; "
            f"fine_tune_at=0: {answers[0][0]} layers, {answers[0][1]} tensors (BatchNorm frozen, "
            "convolutions without bias, plus the head's kernel and bias)."
        )
    if answers[120] == expected[0]["right"] and answers[0] == expected[120]["right"]:
        raise Mistake("the two answers are swapped: `at_120` first, then `at_0`.")
    for at, answer in answers.items():
        if answer == expected[at]["right"]:
            continue
        if answer in (expected[at]["batchnorm trainable"], expected[at]["moving statistics"]) or (
            answer[0] == expected[at]["batchnorm trainable"][0]
        ):
            raise Mistake(
                f"fine_tune_at={at}: this counts the BatchNormalization layers as trainable. "
                "`unfreeze_top` keeps every BatchNorm frozen (a BatchNorm left trainable would run "
                "in training mode in fit and overwrite ImageNet's statistics)."
            )
        if answer == expected[at]["no head"]:
            raise Mistake(
                f"fine_tune_at={at}: the head trains too: count `model.trainable_weights`, not "
                "only the base's."
            )
    raise Mistake(
        "not the counts `unfreeze_top` gives. Expected two pairs (trainable layers of the base, "
        "trainable weight tensors of the model)."
    )


def training_flag_overridden() -> bool:
    """True when this Keras passes ``training=True`` through a recorded ``training=False``."""
    import keras

    class ReportsMode(keras.layers.Layer):
        def call(self, x, training=False):
            return keras.ops.ones_like(x) if training else keras.ops.zeros_like(x)

    probe_input = keras.Input((1,))
    probe = keras.Model(probe_input, ReportsMode()(probe_input, training=False))
    return bool(np.asarray(probe(np.zeros((1, 1)), training=True))[0, 0] == 1)


def check_training_flag(overrides, changed, *, top_bn) -> object:
    if not isinstance(overrides, (bool, np.bool_)):
        raise Mistake(f"`overrides` should be True or False, got {overrides!r}.")
    change = float(changed)
    if not change >= 0:
        raise Mistake("`changed` should be the largest absolute change of the moving mean, >= 0.")
    truth = training_flag_overridden()
    if bool(overrides) != truth:
        raise Mistake(
            "that is not what this Keras does. Build the probe with its layer called "
            "`training=False` inside the model, then call the *model* with `training=True`, and "
            "read which mode the layer reported."
        )
    if truth and change == 0:
        raise Mistake(
            "this Keras overrides the recorded training=False, yet the moving mean did not move: "
            "was `top_bn.trainable = True` set before the call, and was `model` called with "
            "`training=True`? (A frozen BatchNorm always runs in inference mode.)"
        )
    if not truth and change > 0:
        raise Mistake(
            "this Keras keeps the recorded training=False, so the moving mean should not move "
            "when `model` is called; did you call `top_bn` itself?"
        )
    if getattr(top_bn, "trainable", False):
        raise Mistake(
            "your answers are right, but the BatchNorm layer is still trainable: restore the "
            "model (`top_bn.trainable = False` and the saved weights), or fine-tuning would now "
            "run it in training mode."
        )
    agree = "its moving mean moved" if truth else "its moving mean stayed"
    return correct(
        f"this Keras {'overrides' if truth else 'keeps'} the recorded training=False, and the "
        f"unfrozen BatchNorm agrees ({agree}); the model is restored."
    )


def check_thresholds(right, also_right, wrong_threshold, *, logits, labels) -> object:
    values = [float(v) for v in (right, also_right, wrong_threshold)]
    if any(v > 1 for v in values):
        raise Mistake("give accuracies as fractions between 0 and 1, not percentages.")
    z = np.asarray(logits, dtype="float64").ravel()
    y = np.asarray(labels).ravel()[: len(z)].astype(int)
    at_zero = float(np.mean((z > 0) == y))
    at_half = float(np.mean((z > 0.5) == y))
    all_dogs = float(np.mean(y == 1))  # sigmoid > 0 holds for every image

    def same(a, b) -> bool:
        return abs(a - b) < 1e-6

    r, p, w = values
    if same(r, at_zero) and same(p, at_zero) and same(w, at_half):
        return correct(
            f"logit > 0 and probability > 0.5 agree ({r:.3f}), logit > 0.5 gives {w:.3f}."
        )
    if same(r, at_half) and not same(at_half, at_zero):
        raise Mistake(
            "the first accuracy used threshold 0.5 on the logits; a logit's threshold is 0 "
            "(sigmoid(0) = 0.5)."
        )
    if same(p, all_dogs) and not same(all_dogs, at_zero):
        raise Mistake(
            "the second accuracy calls every image a dog: compare the probabilities "
            "(sigmoid of the logits) with 0.5, not 0."
        )
    if same(w, at_zero) and not same(at_zero, at_half):
        raise Mistake(
            "the third accuracy should be what `metrics=['accuracy']` does with logits: "
            "threshold 0.5 on the logits themselves."
        )
    raise Mistake(
        "these are not the three accuracies of this batch. Expected three fractions 0-1 computed "
        "from `logits` and `labels`."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "05",
            1,
            "what unfreeze_top trains at 120 and 0",
            check_unfreeze_counts,
            hints=[
                "Call `unfreeze_top(base_model, at)` and count "
                "`sum(layer.trainable for layer in base_model.layers)` and "
                "`len(model.trainable_weights)`; then restore `fine_tune_at`.",
                "BatchNormalization layers stay frozen; MobileNetV2's convolutions have no bias; "
                "the head adds its kernel and bias.",
            ],
            expected="two pairs (trainable layers, trainable weight tensors)",
        ),
        Exercise(
            "05",
            2,
            "the training flag on this Keras",
            check_training_flag,
            hints=[
                "A layer whose `call(self, x, training=False)` returns ones when `training` is "
                "true tells you which mode it ran in.",
                "Save `model.get_weights()` first; after the test set `top_bn.trainable = False` "
                "and `model.set_weights(...)`.",
            ],
            expected="a bool (overridden?) and a float (the moving mean's largest change)",
        ),
        Exercise(
            "05",
            3,
            "accuracy from logits, three thresholds",
            check_thresholds,
            hints=[
                "`y = labels.numpy()`; `np.mean((z > 0) == y)` is one of the three.",
                "The probabilities are `1 / (1 + np.exp(-z))`.",
            ],
            expected="three accuracies, fractions between 0 and 1",
        ),
    ]
