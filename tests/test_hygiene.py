"""Repository hygiene: clean notebooks, the setup cell, pins that agree, ruff clean."""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from course_utils.pins import PINS
from course_utils.profiles import LESSONS

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SETUP_CELL = """import course_utils  # first: TensorFlow then starts without its C++ start-up lines

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

P = course_utils.setup("{nn}")"""


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def test_there_are_lessons():
    assert [p.name for p in NOTEBOOKS[:2]] == ["00_setup.ipynb", "01_mnist_convnet.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path):
    nb = json.loads(path.read_text())
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"cell {i} has outputs: strip them (make strip)"
            assert cell.get("execution_count") is None, f"cell {i} has an execution count"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in nb["metadata"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lesson_is_registered_and_starts_with_the_setup_cell(path):
    number = path.name[:2]
    assert LESSONS[number].notebook == path.name
    cells = _cells(path)
    assert cells[0]["cell_type"] == "markdown" and _source(cells[0]).startswith("# "), "title"
    first_code = next(c for c in cells if c["cell_type"] == "code")
    assert _source(first_code) == SETUP_CELL.format(nn=number)


ABSOLUTE = re.compile(r"(?<![\w.])(/home/|/root/|/Users/|/tmp/|/work/|[A-Z]:\\\\)")
SECRET = re.compile(
    r"(AKIA[0-9A-Z]{16}|ghp_[0-9A-Za-z]{30,}|hf_[0-9A-Za-z]{30,}|sk-[0-9A-Za-z]{20,}"
    r"|\"key\"\s*:\s*\"[0-9a-f]{32}\")"
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_absolute_paths_or_secrets(path):
    for i, cell in enumerate(_cells(path)):
        text = _source(cell)
        assert not ABSOLUTE.search(text), f"cell {i}: absolute path {ABSOLUTE.search(text)[0]}"
        assert not SECRET.search(text), f"cell {i}: looks like a secret"


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_exercises_have_collapsed_solutions(path):
    solutions = [c for c in _cells(path) if "solution" in c["metadata"].get("tags", [])]
    assert 2 <= len(solutions) <= 4, "2-3 exercises with solution cells"
    for cell in solutions:
        assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True


def _pins_from(requirements):
    return dict(
        re.fullmatch(r"\s*([A-Za-z0-9_.-]+)==([^\s;]+)\s*", r).groups() for r in requirements
    )


def test_pyproject_environment_and_pins_agree():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    from_pyproject = _pins_from(pyproject["project"]["dependencies"])
    env_lines = (ROOT / "environment.yml").read_text().splitlines()
    from_env = _pins_from([ln.strip()[2:] for ln in env_lines if re.match(r"\s+- [\w.-]+==", ln)])
    assert from_pyproject == from_env == PINS
    assert any(re.match(r"\s+- python=3\.11", ln) for ln in env_lines)
    for required in (
        "tensorflow",
        "tensorflow-datasets",
        "jupyterlab",
        "matplotlib",
        "pandas",
        "nbval",
        "importlib_resources",
    ):
        assert required in PINS


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is a pinned dependency; install the course environment"
    folders = [
        f
        for f in ("course_utils", "tests", "notebooks", "benchmarks", "tools")
        if (ROOT / f).is_dir()
    ]
    check = subprocess.run([ruff, "check", *folders], cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    python_folders = [f for f in folders if f != "notebooks"]
    fmt = subprocess.run(
        [ruff, "format", "--check", *python_folders], cwd=ROOT, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_readme_test_command_is_what_ci_runs():
    assert "make test" in (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.M)


def test_makefile_targets_parse_and_call_the_tools():
    """`make -n` (print, do not run) catches a broken Makefile before a user does."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    targets = ["strip", "slides", "executed", "learner", "colab", "install-browser"]
    dry = subprocess.run(
        ["make", "-n", *targets, "PROFILE=smoke", "LESSONS=01"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert dry.returncode == 0 and "overriding recipe" not in dry.stderr, dry.stderr
    for command in (
        "tools/slides.py tag",
        "tools/slides.py build --assets auto 01",
        "tools/execute.py --assets auto --profile smoke 01",
        "tools/export.py learner",
        "tools/export.py colab",
        "-e '.[browser]'",
    ):
        assert command in dry.stdout, command
