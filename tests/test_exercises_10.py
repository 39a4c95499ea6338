"""Lesson 10's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises.

The checks read replicas' copies, step counters, learning rates and strategies; stand-ins with
those attributes keep this file fast (the lesson runs the real MirroredStrategy)."""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np
import pytest


def _mirrored(*copies):
    """A model whose one weight has these per-replica copies."""
    return NS(weights=[NS(values=[np.asarray(c, "float32") for c in copies])])


@pytest.mark.parametrize(
    ("broken", "copies", "status", "words"),
    [
        (0.01, ([1.0, 2.0], [1.0, 2.0]), "correct", "in sync again"),
        (0.0, ([1.0, 2.0], [1.0, 2.0]), "wrong", "all copies changed together"),
        (0.01, ([1.01, 2.0], [1.0, 2.0]), "wrong", "put the copy back"),
        (-1.0, ([1.0], [1.0]), "wrong", "finite number >= 0"),
        ("broken", ([1.0], [1.0]), "wrong", "expected one number"),
        (..., ([1.0], [1.0]), "not attempted", "not attempted yet"),
    ],
)
def test_exercise_1(ex, broken, copies, status, words, capsys):
    feedback = ex[1].check(broken, mirrored=_mirrored(*copies))
    assert feedback.status == status, feedback.message
    assert words in capsys.readouterr().out


def _trained(steps, rate=0.1, strategy=None):
    return NS(optimizer=NS(iterations=steps, learning_rate=rate), distribute_strategy=strategy)


@pytest.mark.parametrize(
    ("steps", "gap", "status", "words"),
    [
        (16, 3e-2, "correct", "2 times as many steps"),
        (8, 1e-7, "wrong", "that is the global batch again"),
        (12, 3e-2, "wrong", "expected 2 x the mirrored run's 8"),
        (16, 1e-7, "wrong", "no larger than the global-batch run's difference"),
        (16, "a lot", "wrong", "Expected the trained keras.Model and its largest"),
    ],
)
def test_exercise_2(ex, steps, gap, status, words, capsys):
    feedback = ex[2].check(_trained(steps), gap, mirrored=_trained(8), replicas=2, difference=1e-6)
    assert feedback.status == status, feedback.message
    assert words in capsys.readouterr().out


STRATEGY = object()


@pytest.mark.parametrize(
    ("model", "status", "words"),
    [
        (_trained(8, 0.05, STRATEGY), "correct", "the same 8 steps"),
        (_trained(8, 0.1, STRATEGY), "wrong", "that is the scaled rate"),
        (_trained(8, 0.05, object()), "wrong", "outside `with strategy.scope():`"),
        (_trained(4, 0.05, STRATEGY), "wrong", "4 steps, the scaled run 8"),
        (_trained(8, 0.3, STRATEGY), "wrong", "expected P.base_learning_rate"),
        ("model", "wrong", "Expected the trained mirrored keras.Model"),
    ],
)
def test_exercise_3(ex, model, status, words, capsys):
    feedback = ex[3].check(model, mirrored=_trained(8, 0.1, STRATEGY), base_learning_rate=0.05)
    assert feedback.status == status, feedback.message
    assert words in capsys.readouterr().out
