"""Lesson 10 (scaling up): the exercises' checks.

1. Desynchronised replicas: the largest difference between replicas after changing one copy
   (``broken``), and the mirrored model put back in sync afterwards.
2. The one-device model trained with the *per-replica* batch: how many steps it took, against
   the mirrored run's (the part of "why does it not match?" with an answer).
3. The mirrored model trained without the linear scaling rule: its learning rate, its strategy
   and its number of steps, against the scaled run (the question "which made more progress,
   and why?" stays open).

The checks read what the lesson's runs produced (models, optimizers' step counters), so they
hold for any profile, seed and device.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Mistake, correct


def _steps(model) -> int:
    return int(np.asarray(model.optimizer.iterations))


def _rate(model) -> float:
    return float(np.asarray(model.optimizer.learning_rate))


# ---------------------------------------------------------------------------------------------
# Exercise 1


def check_broken_replicas(broken, *, mirrored):
    """Exercise 1: ``broken``, the replicas' largest difference after changing one copy."""
    from course_utils.scaling import max_replica_difference

    try:
        broken = float(broken)
    except (TypeError, ValueError):
        raise Mistake(
            "expected one number: max_replica_difference(mirrored) after changing one copy."
        ) from None
    if broken < 0 or not np.isfinite(broken):
        raise Mistake("a largest difference is a finite number >= 0.")
    if broken == 0:
        raise Mistake(
            "0: all copies changed together. Assigning to the mirrored variable itself "
            "(kernel.assign) writes every replica; change one copy: "
            "mirrored.layers[1].kernel.value.values[0].assign(...)."
        )
    now = max_replica_difference(mirrored)
    if now > 0:
        raise Mistake(
            f"the replicas still differ (by {now:g}): put the copy back (copies[0].assign(saved)) "
            "so that the model is in sync again; the next exercises use it."
        )
    return correct(
        f"one changed copy makes the check fail ({broken:g} > 0), and the model is in sync "
        "again. Out of sync, the replicas would compute gradients of different models and drift "
        "further apart with every step."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2


def check_per_replica_batch(small_batches, gap, *, mirrored, replicas, difference):
    """Exercise 2: the one-device model trained with the per-replica batch, and ``gap``, its
    largest weight difference to the mirrored model."""
    mine, theirs = _steps(small_batches), _steps(mirrored)
    if mine == theirs:
        raise Mistake(
            f"{mine} steps, as many as the mirrored run: that is the global batch again. Train "
            "on decoded_dataset(P.per_replica_batch)."
        )
    if mine != replicas * theirs:
        raise Mistake(
            f"{mine} steps; expected {replicas} x the mirrored run's {theirs}: the same number of "
            "epochs, in batches of P.per_replica_batch, starting from `initial`."
        )
    gap = float(gap)
    if gap <= difference:
        raise Mistake(
            f"gap = {gap:.2e} is no larger than the global-batch run's difference "
            f"({difference:.2e}): compare small_batches' weights with mirrored's."
        )
    return correct(
        f"{mine} steps instead of {theirs}: {replicas} times as many steps, each on a smaller "
        f"batch, so the weights follow another path (gap {gap:.1e}). MirroredStrategy computes "
        "one step on the global batch, not one per replica."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 3


def check_unscaled(unscaled, *, mirrored, base_learning_rate):
    """Exercise 3: ``unscaled``, the mirrored model trained at the base learning rate."""
    rate, scaled = _rate(unscaled), _rate(mirrored)
    if np.isclose(rate, scaled) and not np.isclose(scaled, base_learning_rate):
        raise Mistake(
            f"learning rate {rate:g}: that is the scaled rate (learning_rate, already multiplied "
            "by the replicas). Use P.base_learning_rate."
        )
    if not np.isclose(rate, base_learning_rate):
        raise Mistake(f"learning rate {rate:g}; expected P.base_learning_rate.")
    if unscaled.distribute_strategy is not mirrored.distribute_strategy:
        raise Mistake(
            "this model was built outside `with strategy.scope():`, so it trained on one "
            "device: build and compile it inside the scope, as `mirrored`."
        )
    if _steps(unscaled) != _steps(mirrored):
        raise Mistake(
            f"{_steps(unscaled)} steps, the scaled run {_steps(mirrored)}: train as many epochs "
            "on decoded_dataset(global_batch)."
        )
    return correct(
        f"the same {_steps(unscaled)} steps on the same global batches at {rate:g} instead of "
        f"{scaled:g}. Now compare the two losses, and say why."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "10",
            1,
            "break the replicas' synchronisation, then restore it",
            check_broken_replicas,
            hints=[
                "mirrored.layers[1].kernel.value.values holds one tf.Variable per device.",
                "course_utils.scaling.max_replica_difference(mirrored) is the check of section 5.",
            ],
            expected="one number: the replicas' largest difference after the change",
        ),
        Exercise(
            "10",
            2,
            "the one-device run with the per-replica batch",
            check_per_replica_batch,
            hints=[
                "Copy the one-device cell of section 5 and change only the dataset's batch.",
                "model.optimizer.iterations counts the steps taken.",
            ],
            expected="the trained keras.Model and its largest weight difference (a number)",
        ),
        Exercise(
            "10",
            3,
            "the mirrored run without the linear scaling rule",
            check_unscaled,
            hints=[
                "Copy the mirrored cell of section 5: inside strategy.scope(), from `initial`.",
                "Only the optimizer's learning rate changes: P.base_learning_rate.",
            ],
            expected="the trained mirrored keras.Model",
        ),
    ]
