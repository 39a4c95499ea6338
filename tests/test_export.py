"""The exports in tools/export.py: Colab notebooks that run alone, and learner copies."""

import ast
import base64
import io
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest
from tool_modules import load_tool

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


export = load_tool("export")


def _source(cell):
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def _read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _embedded_zip(install_source):
    """The zip that the install cell carries, decoded from its `_BUNDLE = '...'` line."""
    for node in ast.parse(install_source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_BUNDLE":
            return zipfile.ZipFile(io.BytesIO(base64.b64decode(node.value.value)))
    raise AssertionError("no _BUNDLE in the install cell")


@pytest.fixture(scope="module")
def colab_exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("colab")
    return export.export_colab(out)


# --- Colab export -------------------------------------------------------------------------------


def test_every_lesson_exports_for_colab(colab_exports):
    assert [p.name for p in colab_exports] == [p.name for p in NOTEBOOKS]
    for path in colab_exports:
        nbformat.validate(nbformat.read(path, as_version=4))


@pytest.mark.parametrize("index", range(len(NOTEBOOKS)), ids=[p.name[:2] for p in NOTEBOOKS])
def test_colab_export_starts_with_the_install_cell_then_the_setup_cell(colab_exports, index):
    original, exported = _read(NOTEBOOKS[index]), _read(colab_exports[index])
    first, second = _code_cells(exported)[:2]
    assert "_BUNDLE = " in _source(first) and "pip" in _source(first)
    assert first["metadata"]["jupyter"]["source_hidden"] is True
    assert first["outputs"] == [] and first["execution_count"] is None
    assert _source(second) == _source(_code_cells(original)[0])
    before = exported["cells"][exported["cells"].index(first) - 1]
    assert before["cell_type"] == "markdown" and "course_utils" in _source(before)
    # Everything else is the lesson, unchanged and in order.
    rest = [c for c in exported["cells"] if c is not first and c is not before]
    assert rest == original["cells"]
    assert exported["metadata"]["accelerator"] == "GPU"
    assert exported["metadata"]["colab"] == {"provenance": [], "gpuType": "T4"}
    assert exported["metadata"]["kernelspec"]["name"] == "python3"


def test_the_embedded_zip_holds_course_utils_and_the_sample_images(colab_exports):
    install = _source(_code_cells(_read(colab_exports[0]))[0])
    names = set(_embedded_zip(install).namelist())
    sources = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "course_utils").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert len(sources) > 10 and sources <= names
    assert {"course_utils/__init__.py", "course_utils/datasets/mnist.py"} <= names
    assert "data/images/chelsea.png" in names  # lesson 09 reads it through REPO_DATA
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    bundle = _embedded_zip(install)
    assert bundle.read("course_utils/pins.py") == (ROOT / "course_utils/pins.py").read_bytes()


def test_install_cell_pins_come_from_pins_py(colab_exports):
    from course_utils.pins import PINS

    install = _source(_code_cells(_read(colab_exports[0]))[0])
    assigned = {
        node.targets[0].id: node.value
        for node in ast.parse(install).body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    pins = ast.literal_eval(assigned["_PINS"])
    assert pins == {name: PINS[name] for name in export.LESSON_PACKAGES}
    assert {"tensorflow", "keras", "tensorflow-datasets", "matplotlib", "pandas"} <= set(pins)
    assert "jupyterlab" not in pins and "pytest" not in pins  # Colab brings its own


def test_install_cell_does_nothing_where_course_utils_is_installed(colab_exports, tmp_path):
    install = _source(_code_cells(_read(colab_exports[0]))[0])
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    script = (
        "import sys\nn = len(sys.path)\nexec(open(sys.argv[1]).read())\nassert len(sys.path) == n"
    )
    (tmp_path / "install.py").write_text(install)
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "install.py")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "nothing to do" in done.stdout
    assert not (tmp_path / "cache").exists(), "unpacked although course_utils was installed"


# The first check runs before the install cell: the kernel must not see the repo's course_utils.
CHECK_NOT_IMPORTABLE = """\
import importlib.util
assert importlib.util.find_spec("course_utils") is None, "the repo's course_utils is importable"
"""
# The second runs after the lesson's set-up cell: course_utils came from the unpacked copy.
CHECK_IMPORTED_FROM_COPY = """\
import json
import os
from pathlib import Path

copy = Path(os.environ["XDG_CACHE_HOME"], "cnn-course-colab").resolve()
assert copy in Path(course_utils.__file__).resolve().parents, course_utils.__file__
assert copy in course_utils.paths.REPO_DATA.resolve().parents, course_utils.paths.REPO_DATA
assert (course_utils.paths.REPO_DATA / "images" / "chelsea.png").is_file()
Path("imported-from.json").write_text(json.dumps(
    {"course_utils": course_utils.__file__, "repo_data": str(course_utils.paths.REPO_DATA)}
))
"""


def _code_cell(source):
    return nbformat.v4.new_code_cell(source)


def _isolated_python(tmp_path):
    """A venv that sees this environment's packages but not the editable course_utils.

    A path line in a ``.pth`` file adds that folder to ``sys.path`` without processing the
    ``.pth`` files inside it, so the editable install's finder (loaded by a ``.pth`` file in
    .venv's site-packages) is never installed there.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "course-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_colab_export_of_lesson_00_runs_in_a_kernel_without_course_utils(colab_exports, tmp_path):
    python = _isolated_python(tmp_path)
    nb = nbformat.read(colab_exports[0], as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    install_at, setup_at = code[0], code[1]
    nb.cells.insert(setup_at + 1, _code_cell(CHECK_IMPORTED_FROM_COPY))
    nb.cells.insert(install_at, _code_cell(CHECK_NOT_IMPORTABLE))
    work = tmp_path / "work"
    work.mkdir()
    nbformat.write(nb, work / "00_setup.ipynb")
    data, cache = tmp_path / "data", tmp_path / "cache"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        COURSE_PROFILE="smoke",
        COURSE_DATA_DIR=str(data),
        HOME=str(tmp_path / "home"),
        XDG_CACHE_HOME=str(cache),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    run = subprocess.run(
        [python, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env"]
        + ["-o", "addopts=", "-q", "00_setup.ipynb"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout
    imported = json.loads((work / "imported-from.json").read_text())
    copy = cache / "cnn-course-colab"
    assert Path(imported["course_utils"]).is_relative_to(copy)
    assert not Path(imported["course_utils"]).is_relative_to(ROOT)
    assert Path(imported["repo_data"]) == Path(imported["course_utils"]).parent.parent / "data"


# --- learner copies -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def learner_exports(tmp_path_factory):
    return export.export_learner(tmp_path_factory.mktemp("learner"))


def _is_solution(cell):
    return "solution" in cell["metadata"].get("tags", [])


def _is_notes(cell):
    return "notes" in cell["metadata"].get("tags", [])


@pytest.mark.parametrize("index", range(len(NOTEBOOKS)), ids=[p.name[:2] for p in NOTEBOOKS])
def test_learner_copy_has_exercises_instead_of_solutions(learner_exports, index):
    original, learner = _read(NOTEBOOKS[index]), _read(learner_exports[index])
    nbformat.validate(nbformat.from_dict(learner))
    # The instructors' speaker notes are left out; every other cell is kept, in order.
    assert sum(map(_is_notes, original["cells"])) >= 5
    assert not any(map(_is_notes, learner["cells"]))
    original["cells"] = [c for c in original["cells"] if not _is_notes(c)]
    assert len(learner["cells"]) == len(original["cells"])
    assert learner["metadata"] == original["metadata"]
    solutions = [c for c in original["cells"] if _is_solution(c)]
    exercises = [c for c in learner["cells"] if "exercise" in c["metadata"].get("tags", [])]
    assert len(exercises) == len(solutions)
    assert len(solutions) >= (0 if index == 0 else 2)
    for before, after in zip(original["cells"], learner["cells"], strict=True):
        if _is_solution(before):
            assert after["cell_type"] == "code" and after["outputs"] == []
            assert after["execution_count"] is None
            assert _source(after).startswith("# Your solution here.")
            # The stub: the hint, `name = ...` per answer, and the check (as in the solution's
            # last line, without assert), which says "not attempted yet" until it is filled in.
            lines = _source(after).strip().splitlines()
            last = _source(before).strip().splitlines()[-1]
            assert last.startswith("assert ex") and lines[-1] == last.removeprefix("assert ")
            assert all(line.endswith(" = ...") for line in lines[1:-1]), lines
        else:
            assert after == before
    # No line of a solution survives (lines that other cells share are not solution code).
    elsewhere = {ln.strip() for c in original["cells"] if not _is_solution(c) for ln in
                 _source(c).splitlines()}  # fmt: skip
    learner_lines = {ln.strip() for c in learner["cells"] for ln in _source(c).splitlines()}
    for cell in solutions:
        for line in _source(cell).splitlines():
            kept = line.strip().startswith("assert ex")  # the check, without its assert
            if line.strip() and line.strip() not in elsewhere and not kept:
                assert line.strip() not in learner_lines, f"solution line survives: {line}"


def test_originals_keep_their_solutions(learner_exports):
    assert sum(_is_solution(c) for p in NOTEBOOKS for c in _read(p)["cells"]) >= 20


def test_exercise_hint_keeps_a_leading_comment():
    assert export.exercise_hint("x = 1\n# not first") == "# Your solution here."
    hint = export.exercise_hint("# Use strides=2 instead of pooling.\nx = 1\n")
    assert hint == "# Your solution here. Hint: Use strides=2 instead of pooling."
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": "a",
                "metadata": {"tags": ["solution"], "jupyter": {"source_hidden": True}},
                "source": ["# Count the parameters.\n", "secret = 42\n"],
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {},
    }
    (cell,) = export.learner_notebook(nb)["cells"]
    assert cell["source"] == "# Your solution here. Hint: Count the parameters."
    assert cell["metadata"] == {"tags": ["exercise"]} and cell["id"] == "a"
    assert "secret" in _source(nb["cells"][0])  # the input is left alone


def test_cli_writes_learner_copies(tmp_path, capsys):
    assert export.main(["learner", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == [p.name for p in NOTEBOOKS]
    assert f"wrote {len(NOTEBOOKS)} notebooks" in capsys.readouterr().out


def test_install_cell_prints_what_it_found_installed_and_kept(colab_exports, capsys):
    """The table: found / now / note, with a warning for a kept version older than tested."""
    install = _source(_code_cells(_read(colab_exports[0]))[0])
    namespace: dict = {}
    exec(install.split("if _course_utils_version() == _VERSION:")[0], namespace)  # noqa: S102
    versions = {name: namespace["_TESTED_MIN"][name] for name in namespace["_MODULES"]}
    versions["keras"] = "3.10.0"  # older than Colab's 3.13.2 and the pin
    namespace["_found"] = {**versions, "tqdm": None}
    namespace["_installed_version"] = lambda name: {**versions, "tqdm": "4.70.1"}[name]
    namespace["_version_table"](["tqdm"])
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert set(rows) == set(namespace["_MODULES"])
    assert "installed (course pin" in rows["tqdm"] and rows["tqdm"].split()[1] == "-"
    assert "WARNING: older than the course was tested with (3.13.2 .." in rows["keras"]
    assert rows["pandas"].rstrip().endswith("kept")
    # Colab's versions are the oldest tested: keras 3.13.2, not the pinned 3.15.1.
    assert namespace["_TESTED_MIN"]["keras"] == export.colab_stack()["keras"]
