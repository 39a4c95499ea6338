"""The exercise checks' machinery (course_utils.exercises) and the learner stubs made from it.

Each lesson's own exercises are tested in tests/test_exercises_NN.py: the solution passes, each
recognised wrong answer gets its own message, any other wrong answer the general one."""

import sys
from pathlib import Path

import pytest

from course_utils import exercises
from course_utils.exercises import Exercise, Mistake, correct

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
import export  # noqa: E402


def _square_checker(answer, *, of=3):
    if answer == -(of**2):
        raise Mistake("the sign: a square is never negative")
    if answer == 2 * of:
        raise Mistake("that is twice the number, not its square")
    if answer != of**2:
        raise Mistake("not the square; expected a whole number")
    return correct(f"{of}² = {answer}")


def _exercise():
    return Exercise(
        "99", 1, "square a number", _square_checker, hints=["a", "b"], expected="a whole number"
    )


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        (9, "correct", "3² = 9"),
        (-9, "wrong", "the sign"),
        (6, "wrong", "twice"),
        (10, "wrong", "not the square"),
        ("nine", "wrong", "not the square"),
        (..., "not attempted", "not attempted yet"),
        (None, "not attempted", "not attempted yet"),
    ],
)
def test_check_names_the_mistake_and_never_raises(answer, status, words, capsys):
    feedback = _exercise().check(answer)
    assert feedback.status == status and bool(feedback) == (status == "correct")
    assert words in capsys.readouterr().out


def test_an_answer_the_checker_cannot_use_is_wrong_with_what_was_expected(capsys):
    feedback = _exercise().check(object(), of=object())  # TypeError inside the checker
    assert feedback.status == "wrong" and "Expected a whole number" in feedback.message


def test_hints_come_one_at_a_time(capsys):
    exercise = _exercise()
    for _ in range(3):
        exercise.hint()
    assert capsys.readouterr().out.splitlines() == [
        "Hint 1 of 2: a",
        "Hint 2 of 2: b",
        "Hint 2 of 2: b",
    ]


def test_summary_counts_this_kernels_results(monkeypatch, capsys):
    ex1, ex2, ex3 = _exercise(), _exercise(), _exercise()
    monkeypatch.setitem(exercises._LOADED, "99", [ex1, ex2, ex3])
    ex1.check(9)
    ex2.check(6)
    capsys.readouterr()
    exercises.summary("99")
    exercises.summary("98")
    assert capsys.readouterr().out.splitlines() == [
        "exercises of lesson 99: 1 of 3 correct, 1 not yet right, 1 not attempted",
        "exercises of lesson 98: none loaded in this kernel",
    ]


def test_learner_stub_assigns_ellipsis_and_calls_the_check_without_assert():
    stub = export.exercise_stub(
        "# Cache, then shuffle.\nnaive_ds = make()\nassert ex1.check(naive_ds, train_ds=train_ds)\n"
    )
    assert stub.splitlines() == [
        "# Your solution here. Hint: Cache, then shuffle.",
        "naive_ds = ...",
        "ex1.check(naive_ds, train_ds=train_ds)",
    ]
    namespace = {"ex1": _exercise(), "train_ds": None}
    exec(stub, namespace)  # runs: "not attempted yet", no exception
    assert namespace["ex1"].last.status == "not attempted"
    assert export.exercise_stub("x = 1") == export.EXERCISE_PROMPT


@pytest.mark.parametrize("lesson", [f"{n:02d}" for n in range(1, 11)])
def test_each_lesson_has_three_exercises_numbered_in_order(lesson):
    """Lessons 01-10: three exercises each, every one with hints and the kind of answer it
    expects (what the general message says)."""
    loaded = exercises.for_lesson(lesson)
    assert [e.number for e in loaded] == [1, 2, 3]
    assert all(e.lesson == lesson and e.hints and e.expected for e in loaded)
