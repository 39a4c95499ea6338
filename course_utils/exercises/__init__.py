"""Exercises that answer back: ``ex1.check(answer)``, ``ex1.hint()``, ``ex1.solution()``.

Each lesson's exercises are registered in ``course_utils/exercises/lessonNN.py`` by a function
``exercises()`` that returns a list of :class:`Exercise`. A lesson gets them with::

    ex1, ex2, ex3 = course_utils.exercises.for_lesson("02")

and a learner checks an answer with ``ex1.check(answer)``. A check never raises: it prints what
it found and returns a :class:`Feedback` (truthy only when the answer is correct), so *Run all*
goes through and the kernel keeps its state. An answer left as ``...`` or ``None`` (the stubs of
the learner copies) is "not attempted yet". A wrong answer that learners often give is named and
explained; any other wrong answer gets a general message saying what kind of answer was
expected, never the answer itself. ``course_utils.exercises.summary("02")`` prints one line:
how many of the lesson's exercises were checked correct in this kernel.

In ``notebooks/`` each solution cell ends with ``assert exN.check(...)``, so the test suite
fails when a solution stops passing its own check; ``make learner`` turns the cell into a stub
that assigns ``...`` to each name the check takes and calls the same check without ``assert``.

Plain Python: no server, no network, no extension; it runs in JupyterLab, in the Colab exports
(which embed ``course_utils``) and offline.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

CORRECT = "correct"
WRONG = "wrong"
NOT_ATTEMPTED = "not attempted"

_MARK = {CORRECT: "✓", WRONG: "✗", NOT_ATTEMPTED: "…"}


@dataclass(frozen=True)
class Feedback:
    """What a check found: ``status`` (correct, wrong or not attempted) and a message."""

    status: str
    message: str

    def __bool__(self) -> bool:
        return self.status == CORRECT

    def __str__(self) -> str:
        return f"{_MARK[self.status]} {self.message}"

    def _ipython_display_(self) -> None:  # check() has printed it already
        pass


def correct(message: str) -> Feedback:
    return Feedback(CORRECT, message)


def wrong(message: str) -> Feedback:
    return Feedback(WRONG, message)


class Mistake(Exception):
    """Raised inside a checker to reject an answer with a message (``raise Mistake("...")``)."""


def _not_attempted(value) -> bool:
    return value is ... or value is None


@dataclass
class Exercise:
    """One exercise of a lesson.

    ``checker(*answers, **context)`` returns a :class:`Feedback`, or raises :class:`Mistake`
    with the feedback's message. ``context`` holds what the lesson's own run produced (a
    dataset, a model) so a check can compare with it instead of with fixed numbers. Any other
    exception inside the checker becomes a *wrong* feedback that names the error: a learner's
    answer of the wrong type must not stop the notebook.
    """

    lesson: str
    number: int
    what: str  # what the exercise asks for, in a few words (tables, messages)
    checker: Callable[..., Feedback]
    hints: list[str] = field(default_factory=list)
    expected: str = ""  # what kind of answer is expected (type, shape, range): never the answer
    _hints_shown: int = 0
    last: Feedback | None = None

    @property
    def name(self) -> str:
        return f"exercise {self.number} of lesson {self.lesson}"

    def check(self, *answers, **context) -> Feedback:
        """Check the learner's answer(s); prints and returns the feedback, never raises."""
        if not answers or any(_not_attempted(a) for a in answers):
            feedback = Feedback(
                NOT_ATTEMPTED,
                f"{self.name} not attempted yet: replace the `...` with your answer and run "
                "the cell again.",
            )
        else:
            try:
                feedback = self.checker(*answers, **context)
            except Mistake as e:
                feedback = wrong(str(e))
            except Exception as e:  # noqa: BLE001 - the learner's answer may be anything
                feedback = wrong(
                    f"the check could not use this answer ({type(e).__name__}: {e}). "
                    f"Expected {self.expected or 'the answer the exercise asks for'}."
                )
            if not isinstance(feedback, Feedback):
                raise TypeError(f"the checker of {self.name} returned {feedback!r}")
        self.last = feedback
        print(feedback)
        return feedback

    def hint(self) -> None:
        """Prints the next hint (each call one more, then the last again)."""
        if not self.hints:
            print(f"No hint for {self.name}: reread the exercise's text.")
            return
        index = min(self._hints_shown, len(self.hints) - 1)
        self._hints_shown += 1
        print(f"Hint {index + 1} of {len(self.hints)}: {self.hints[index]}")

    def solution(self) -> None:
        """Says where the solution is: a collapsed cell below the exercise in ``notebooks/``."""
        print(
            f"The solution of {self.name} is the collapsed cell below the exercise in "
            "notebooks/ (click the '…' to open it). The learner copies from `make learner` "
            "have an empty cell there instead."
        )


_LOADED: dict[str, list[Exercise]] = {}


def for_lesson(lesson: str) -> list[Exercise]:
    """The exercises of lesson ``"NN"``, fresh for this kernel (results start empty)."""
    module = importlib.import_module(f"{__name__}.lesson{lesson}")
    exercises = module.exercises()
    _LOADED[lesson] = exercises
    return exercises


def summary(lesson: str) -> None:
    """Prints one line: how many of the lesson's exercises were checked correct in this
    kernel (returns nothing, so a notebook cell shows the line once)."""
    exercises = _LOADED.get(lesson)
    if exercises is None:
        line = f"exercises of lesson {lesson}: none loaded in this kernel"
    else:
        counts = {status: 0 for status in (CORRECT, WRONG, NOT_ATTEMPTED)}
        for exercise in exercises:
            counts[NOT_ATTEMPTED if exercise.last is None else exercise.last.status] += 1
        parts = [f"{counts[CORRECT]} of {len(exercises)} correct"]
        if counts[WRONG]:
            parts.append(f"{counts[WRONG]} not yet right")
        if counts[NOT_ATTEMPTED]:
            parts.append(f"{counts[NOT_ATTEMPTED]} not attempted")
        line = f"exercises of lesson {lesson}: " + ", ".join(parts)
    print(line)
