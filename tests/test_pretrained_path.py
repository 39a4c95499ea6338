"""The pretrained path, executed: a lesson whose branches need loaded weights runs with them.

Lessons 04, 05 and 09 load ImageNet weights, which no test machine can download. In a
rehearsal they load *rehearsal weights* instead (the real files' names and layouts, random
values, served by a mirror on 127.0.0.1 with their own checksums), through the real path:
download, verify, ``keras.applications.*(weights=path)``, freeze, fine-tune. Lesson 05 has the
branches that only loaded weights take (``if weights.pretrained:``); it runs here whole, in
``smoke``, with the rehearsal weights (and nbval does not run it a second time: conftest's
``LESSON_RUNS``). ``make rehearsal LESSONS="04 05 09"`` runs the three at the ``cpu`` scale.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from tool_modules import load_tool

from course_utils.plots import outputs_without_alt

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
#: The lessons this file runs with rehearsal weights.
RUN_WITH_REHEARSAL_WEIGHTS = {"05": "mobilenet_v2_96_notop"}


def _sources(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def test_every_branch_that_needs_loaded_weights_is_run_somewhere():
    """A lesson with an ``if weights.pretrained`` branch (taken only with loaded weights) must be
    run here with rehearsal weights: the suite's other runs have random weights."""
    branching = {
        path.name[:2]
        for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
        if any(re.search(r"\bif\b[^\n]*\bweights\.pretrained\b", s) for s in _sources(path))
    }
    assert branching, "no lesson has such a branch: remove this test's lesson run"
    assert branching <= set(RUN_WITH_REHEARSAL_WEIGHTS), branching


def test_lesson_05_runs_with_rehearsal_weights(tmp_path, monkeypatch):
    from course_utils import mirror, rehearsal

    served = tmp_path / "mirror"
    rehearsal.build_weights(served, keys=list(RUN_WITH_REHEARSAL_WEIGHTS.values()))
    log = io.StringIO()
    server = mirror.start(served, port=0, rehearsal=True, log_stream=log)
    try:
        monkeypatch.setenv("COURSE_MIRROR", server.url)
        monkeypatch.setenv("COURSE_REHEARSAL", "1")
        execute = load_tool("execute")
        (lesson,) = NOTEBOOKS.glob("05_*.ipynb")
        nb, error = execute.execute(lesson, "smoke", tmp_path / "kernel.log", progress=False)
    finally:
        server.shutdown()
        server.server_close()
    assert error is None, f"{error.ename}: {error.evalue}"
    text = "\n".join(
        "".join(o.get("text", "")) if isinstance(o.get("text", ""), list) else o.get("text", "")
        for c in nb.cells
        for o in c.get("outputs", [])
    )
    assert "rehearsal weights, not ImageNet" in text
    assert [m for c in nb.cells for m in outputs_without_alt(c.get("outputs", []))] == []
    assert "RANDOM weights" not in text and "random weights (smoke" not in text
    # the branch that needs loaded weights ran: the top convolution's kernel changed
    change = float(re.search(r"kernel changed by up to ([0-9.e+-]+)", text)[1])
    assert change > 0, change
    assert "no accuracy check: rehearsal weights, not ImageNet" in text  # no ImageNet: skipped
    from course_utils.datasets.download import WEIGHT_REMOTES

    weight_file = WEIGHT_REMOTES[RUN_WITH_REHEARSAL_WEIGHTS["05"]].filename
    assert f"GET /{weight_file} 200" in log.getvalue(), log.getvalue()  # from the mirror


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-n", "0", "-q"]))
