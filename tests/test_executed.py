"""tools/execute.py (make executed): executed notebooks, web pages, decks and a summary."""

from pathlib import Path

import nbformat
from tool_modules import load_tool

from course_utils.plots import outputs_without_alt

execute = load_tool("execute")


def _lesson(path: Path, *sources: str) -> Path:
    cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}")]
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_a_failing_lesson_is_kept_with_its_error_and_the_run_goes_on(tmp_path, capsys):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    broken = _lesson(
        lessons / "98_broken.ipynb",
        "import os\nprint('[lesson 98] profile:', os.environ['COURSE_PROFILE'])",
        "1 / 0",
        "print('never')",
    )
    fine = _lesson(lessons / "99_fine.ipynb", "print('[lesson 99] ok')")

    # "cpu", not the tests' "smoke": the kernel must get the profile from the run, not the shell.
    failures = execute.run([broken, fine], "cpu", out=tmp_path / "out", assets="cdn")

    assert failures == 1
    folder = tmp_path / "out" / "cpu"
    kept = nbformat.read(folder / broken.name, as_version=4)
    assert kept.cells[1].outputs[0]["text"] == "[lesson 98] profile: cpu\n"
    assert kept.cells[2].outputs[0]["ename"] == "ZeroDivisionError"
    assert kept.cells[3].execution_count is None
    ran = nbformat.read(folder / fine.name, as_version=4)
    assert ran.cells[1].outputs[0]["text"] == "[lesson 99] ok\n"
    for path in (broken, fine):
        assert (folder / f"{path.stem}.html").stat().st_size > 10_000
        assert (folder / f"{path.stem}.slides.html").is_file()
        assert (folder / "logs" / f"{path.stem}.kernel.log").is_file()
    summary = (folder / "SUMMARY.md").read_text()
    assert "| 98_broken | FAILED: ZeroDivisionError" in summary
    assert "| 99_fine | ran |" in summary and "[lesson 99] ok" in summary
    captured = capsys.readouterr()
    assert "1 lesson(s) failed" in captured.err


def test_lesson_00_executed_in_smoke(tmp_path, monkeypatch):
    # As in a learner's plain `jupyter lab`: no TF_CPP_MIN_LOG_LEVEL in the environment, and
    # no PYTEST_CURRENT_TEST (with it, ipykernel stops showing what C++ code writes to stderr).
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    (lesson,) = execute.slides.select(["00"])
    assert execute.run([lesson], "smoke", out=tmp_path, assets="cdn") == 0
    folder = tmp_path / "smoke"
    nb = nbformat.read(folder / lesson.name, as_version=4)
    banner = execute.banner_line(nb)
    assert banner.startswith("[lesson 00") and "profile: smoke" in banner and "device:" in banner
    # The banner is the first thing the set-up cell shows: no TensorFlow C++ start-up lines
    # ("All log messages before absl::InitializeLog() ...") on stderr before or after it.
    setup_cell = next(c for c in nb.cells if c.cell_type == "code")
    assert [o.get("name") for o in setup_cell.outputs] == ["stdout"], setup_cell.outputs
    assert setup_cell.outputs[0]["text"].startswith("[lesson 00")
    assert "seed 42" in banner
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert [m for c in nb.cells for m in outputs_without_alt(c.get("outputs", []))] == []
    page = (folder / f"{lesson.stem}.html").read_text()
    assert "profile: smoke" in page and "data:image/png;base64," in page
    deck = (folder / f"{lesson.stem}.slides.html").read_text()
    assert "data:image/png;base64," in deck and 'class="notes"' in deck
    assert "\\| device:" in (folder / "SUMMARY.md").read_text()  # | escaped in the table


def test_an_unknown_profile_is_an_error_before_anything_runs(tmp_path, capsys):
    assert execute.main(["--profile", "huge", "--out", str(tmp_path), "00"]) == 2
    assert "is not a profile" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_lessons_are_chosen_by_number():
    assert [p.name[:2] for p in execute.slides.select(["07", "1"])] == ["01", "07"]
