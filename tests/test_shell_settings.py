"""The suite passes whatever the caller's shell exports: a classroom's ``COURSE_MIRROR``, a
learner's ``COURSE_SEED`` or ``COURSE_PROFILE=cpu``, a Keras or tfds folder with data in it.

``conftest.py`` removes the course's settings and gives the run fresh folders
(``conftest.isolate``). :func:`test_what_tests_and_kernels_see` checks that from inside a run;
:func:`test_the_settings_in_the_shell_change_nothing` runs a representative part of the suite
in a fresh pytest with all of them exported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tool_modules import root_conftest

ROOT = Path(__file__).resolve().parent.parent


conftest = root_conftest()


def test_what_tests_and_kernels_see(request):
    """Inside any run: no course setting from the shell, the smoke profile, a fresh HOME, data
    folder, Keras and tfds folder (empty but for what this run wrote), and a ``python3``
    kernel that is this interpreter and sees the same environment."""
    import nbclient
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager

    run = Path(os.environ[conftest.RUN_FOLDER])
    chosen = {  # what this run's own options set
        "COURSE_SEED": request.config.getoption("course_seed"),
        "COURSE_THREADS": request.config.getoption("course_threads"),
        "COURSE_DETERMINISTIC": request.config.getoption("course_deterministic"),
        "COURSE_CHECKS_LOG": request.config.getoption("course_checks_log"),
    }
    given = {"COURSE_DATA_DIR", "KERAS_HOME", "TFDS_DATA_DIR", "XDG_CACHE_HOME", "MPLCONFIGDIR"}
    given |= {"JUPYTER_PATH", "COURSE_PROFILE"} | {name for name, v in chosen.items() if v}
    leaked = {name: os.environ[name] for name in conftest.SHELL_SETTINGS if name in os.environ}
    assert set(leaked) <= given, f"from the shell: { {n: leaked[n] for n in set(leaked) - given} }"
    assert os.environ["COURSE_PROFILE"] == "smoke"
    for name in ("HOME", "COURSE_DATA_DIR", "KERAS_HOME", "TFDS_DATA_DIR"):
        assert Path(os.environ[name]).is_relative_to(run), (name, os.environ[name])
    assert Path.home().is_relative_to(run)
    assert not (Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz").exists()
    assert not (Path(os.environ["TFDS_DATA_DIR"]) / "oxford_iiit_pet").exists()
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert spec.argv[0] == sys.executable, spec.argv

    code = (
        "import os, sys; print(sys.executable, os.environ.get('COURSE_SEED'), os.environ['HOME'])"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=60).execute()
    executable, seed, home = nb.cells[0].outputs[0]["text"].split()
    assert executable == sys.executable and home == os.environ["HOME"]
    assert seed == str(chosen["COURSE_SEED"])  # only what this run chose ("None": nothing)


#: The settings a learner or classroom may export, each with a value that would change or break
#: a test if it got through (folders are made by :func:`shell_values`).
SHELL = {
    "COURSE_MIRROR": "http://127.0.0.1:9",  # a classroom mirror that is not running
    "COURSE_REHEARSAL": "1",
    "COURSE_SEED": "7",
    "COURSE_THREADS": "1",
    "COURSE_DETERMINISTIC": "1",
    "COURSE_DATA_DIR": "no-such-folder",  # data_dir() would raise
    "COURSE_PROFILE": "cpu",
    "TFDS_DATA_DIR": "tensorflow_datasets",  # holds a fake Oxford-IIIT Pet copy
    "KERAS_HOME": "keras",  # holds a broken mnist.npz
}


@pytest.fixture(scope="module")
def shell_values(tmp_path_factory):
    """:data:`SHELL`, with its folders made under a temporary folder."""
    folder = tmp_path_factory.mktemp("shell")
    (folder / "keras" / "datasets").mkdir(parents=True)
    (folder / "keras" / "datasets" / "mnist.npz").write_bytes(b"not an npz: a broken cache")
    (folder / "tensorflow_datasets" / "oxford_iiit_pet" / "4.0.0").mkdir(parents=True)
    folders = ("COURSE_DATA_DIR", "TFDS_DATA_DIR", "KERAS_HOME")
    return {k: str(folder / v) if k in folders else v for k, v in SHELL.items()}


#: A representative part of the suite: the probe above (the run's environment, and a kernel
#: started from it), the offline fetches that failed with a classroom's COURSE_MIRROR exported,
#: and the listing of the data sources (data folder, Keras cache, tfds folder).
PART = [
    "tests/test_shell_settings.py::test_what_tests_and_kernels_see",
    "tests/test_cli.py::test_fetch_offline_exits_2_quickly",
    "tests/test_cli.py::test_fetch_cats_vs_dogs_tfds_offline_says_what_to_do",
    "tests/test_cli.py::test_data_lists_sources_without_tensorflow",
]


def test_the_settings_in_the_shell_change_nothing(shell_values, tmp_path):
    """All of :data:`SHELL` exported at once, as a classroom machine or a learner's shell may
    have them: the part passes as it does without them. (One run for all: each pytest start
    costs about 8 s here; :func:`test_isolate_replaces_every_setting_and_applies_the_options`
    checks each setting's removal one by one.)"""
    assert set(shell_values) <= set(conftest.SHELL_SETTINGS)
    env = {**os.environ, **shell_values}
    env.pop(conftest.RUN_FOLDER, None)  # a new run, as from a shell
    env.pop("PYTEST_XDIST_WORKER", None)
    command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:randomly", *PART]
    command += [f"--basetemp={tmp_path / 'run'}"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{shell_values}:\n{done.stdout[-3000:]}"
    assert done.stdout.splitlines()[-1].startswith(f"{len(PART)} passed"), done.stdout[-500:]


def test_isolate_replaces_every_setting_and_applies_the_options(tmp_path):
    environ = {name: "from the shell" for name in conftest.SHELL_SETTINGS}
    environ["PATH"] = "/usr/bin"
    conftest.isolate(environ, tmp_path, {"course_seed": "3", "course_deterministic": True})
    assert environ["PATH"] == "/usr/bin"
    assert "from the shell" not in environ.values()
    assert environ["COURSE_SEED"] == "3" and environ["COURSE_DETERMINISTIC"] == "1"
    assert "COURSE_THREADS" not in environ and environ["COURSE_PROFILE"] == "smoke"
    assert Path(environ["JUPYTER_PATH"], "kernels", "python3", "kernel.json").is_file()
