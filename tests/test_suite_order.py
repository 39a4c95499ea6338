"""The suite's own collection rules (the repository's conftest.py)."""

from pathlib import Path
from types import SimpleNamespace

from tool_modules import root_conftest

ROOT = Path(__file__).resolve().parent.parent


def _root_conftest():
    return root_conftest()


def _collect(nodeids):
    """Runs the collection hook on fake items; returns (kept ids, deselected ids)."""
    rules = _root_conftest()
    deselected = []
    hook = SimpleNamespace(pytest_deselected=lambda items: deselected.extend(items))
    items = [SimpleNamespace(nodeid=n) for n in nodeids]
    rules.pytest_collection_modifyitems(SimpleNamespace(hook=hook), items)
    return [i.nodeid for i in items], [i.nodeid for i in deselected]


LESSON_01 = ["notebooks/01_mnist_convnet.ipynb::Cell 0", "notebooks/01_mnist_convnet.ipynb::Cell 1"]
OTHERS = ["tests/test_profiles.py::test_a", "notebooks/08_celeba_gender.ipynb::Cell 0"]


def test_lesson_01_runs_once_in_the_browser_when_the_browser_test_runs():
    rules = _root_conftest()
    kept, deselected = _collect([*LESSON_01, *OTHERS, rules.BROWSER_RUN])
    assert deselected == LESSON_01
    assert set(kept) == {*OTHERS, rules.BROWSER_RUN}
    seconds = [rules.SECONDS.get(k.split("::")[0], 1) for k in kept]
    assert seconds == sorted(seconds, reverse=True) and seconds[0] > 1  # longest files first


def test_lesson_01_runs_in_nbval_without_the_browser_test():
    """No Chromium or Playwright (the browser module is skipped at collection), or -k/-m/
    --deselect took the browser run out: nbval runs lesson 01."""
    kept, deselected = _collect([*LESSON_01, *OTHERS])
    assert deselected == [] and set(kept) == {*LESSON_01, *OTHERS}


LESSON_00 = ["notebooks/00_setup.ipynb::Cell 0", "notebooks/00_setup.ipynb::Cell 1"]
EXECUTED_00 = "tests/test_executed.py::test_lesson_00_executed_in_smoke"


def test_lesson_00_runs_once_when_the_executed_lessons_test_runs_it():
    kept, deselected = _collect([*LESSON_00, *OTHERS, EXECUTED_00])
    assert deselected == LESSON_00 and set(kept) == {*OTHERS, EXECUTED_00}
    kept, deselected = _collect([*LESSON_00, *OTHERS])  # that test deselected: nbval runs it
    assert deselected == [] and set(kept) == {*LESSON_00, *OTHERS}


def test_every_lesson_run_elsewhere_exists():
    """The tests named in LESSON_RUNS exist (a renamed one would silently bring nbval back)."""
    for test, lesson in _root_conftest().LESSON_RUNS.items():
        path, name = test.split("::")
        name, _, parameter = name.partition("[")  # test_x[02]: test_x, run with "02"
        source = (ROOT / path).read_text()
        assert f"def {name}(" in source, test
        assert not parameter or f'"{parameter.rstrip("]")}"' in source, test
        assert (ROOT / lesson).is_file(), lesson
