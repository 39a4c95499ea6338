"""The learner copies (``make learner``) run end to end with their exercise stubs: *Run all*
goes through, every check says "not attempted yet", and the lesson's last line counts them.

Each lesson here costs a whole run of it (``smoke``), so three are run: the cheapest lessons
whose exercises take different kinds of answer (models, datasets, numbers)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tool_modules import load_tool

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LESSONS = ("01", "02", "09")


def _text(output: dict) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


@pytest.mark.parametrize("number", LESSONS)
def test_learner_copy_runs_with_its_stubs(number, tmp_path):
    import nbclient
    import nbformat

    export = load_tool("export")
    (path,) = NOTEBOOKS.glob(f"{number}_*.ipynb")
    learner = export.learner_notebook(json.loads(path.read_text(encoding="utf-8")))
    stubs = [c for c in learner["cells"] if "exercise" in c["metadata"].get("tags", [])]
    assert len(stubs) >= 2 and all(
        re.search(r"\bex\d+\.check\(", "".join(c["source"])) for c in stubs
    )
    nb = nbformat.reads(json.dumps(learner), as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()  # raises CellExecutionError if any cell raises
    outputs = {c.get("id"): "".join(_text(o) for o in c.get("outputs", [])) for c in nb.cells}
    for stub in stubs:
        assert "not attempted yet" in outputs[stub.get("id")], outputs[stub.get("id")]
    last = outputs[nb.cells[-1].get("id")].strip()
    n = len(stubs)
    assert last == f"exercises of lesson {number}: 0 of {n} correct, {n} not attempted", last
