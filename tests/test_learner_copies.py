"""The learner copies (``make learner``) run end to end with their exercise stubs: *Run all*
goes through, every check says "not attempted yet", and the lesson's last line counts them.
Then, in the same kernel, the lesson's own solutions run and must each pass their check, and the
count says so.

So each test here runs its whole lesson once, as nbval would (every main-line cell, then every
solution with its ``assert exN.check(...)``), and also as a learner's copy: nbval does not run
these lessons again (``LESSON_RUNS`` in conftest.py). Three lessons, whose exercises take
different kinds of answer: a function of a dataset (02), numbers, a function and a model (04),
a heatmap and filter patterns (09)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tool_modules import load_tool

from course_utils.plots import outputs_without_alt

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = ("02", "04", "09")


def _text(output: dict) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("number", LESSONS)
def test_learner_copy_runs_with_its_stubs_then_the_solutions(number, tmp_path):
    import nbclient
    import nbformat

    export = load_tool("export")
    (path,) = NOTEBOOKS.glob(f"{number}_*.ipynb")
    lesson = json.loads(path.read_text(encoding="utf-8"))
    learner = export.learner_notebook(lesson)
    stubs = [c for c in learner["cells"] if "exercise" in _tags(c)]
    assert len(stubs) >= 2 and all(
        re.search(r"\bex\d+\.check\(", "".join(c["source"])) for c in stubs
    )
    # The exercises close the lesson: after the first solution come only the exercises' text,
    # solutions and the count. So the lesson's solutions can run after the learner copy.
    cells = lesson["cells"]
    first = next(i for i, c in enumerate(cells) if "solution" in _tags(c))
    solutions = [c for c in cells[first:] if "solution" in _tags(c)]
    summary = cells[-1]
    assert "".join(summary["source"]) == f'course_utils.exercises.summary("{number}")'
    rest = [c for c in cells[first:-1] if c["cell_type"] == "code" and "solution" not in _tags(c)]
    assert rest == [], "a code cell among the exercises: run the lesson with nbval instead"

    again = [{**c, "id": f"{c['id']}-lesson"} for c in [*solutions, summary]]
    nb = nbformat.reads(json.dumps({**learner, "cells": learner["cells"] + again}), as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()  # raises CellExecutionError if any cell raises, a solution's assert too
    outputs = {c.get("id"): "".join(_text(o) for o in c.get("outputs", [])) for c in nb.cells}
    for stub in stubs:
        assert "not attempted yet" in outputs[stub.get("id")], outputs[stub.get("id")]
    n = len(stubs)
    learners_count = outputs[summary["id"]].strip()
    assert learners_count == f"exercises of lesson {number}: 0 of {n} correct, {n} not attempted"
    lesson_count = outputs[f"{summary['id']}-lesson"].strip()
    assert lesson_count == f"exercises of lesson {number}: {n} of {n} correct", lesson_count
    assert [m for c in nb.cells for m in outputs_without_alt(c.get("outputs", []))] == []
