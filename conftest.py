"""pytest configuration shared by unit tests and notebook runs.

The suite decides what each test sees, whatever the caller's shell or machine holds:

- The course's own settings (:data:`SHELL_SETTINGS`: a classroom's ``COURSE_MIRROR``, a
  learner's ``COURSE_SEED`` or ``COURSE_PROFILE=cpu`` ...) are removed from the environment
  before any test, kernel or worker starts. Lessons run in ``smoke`` with their default seed.
  ``--course-seed``, ``--course-threads`` and ``--course-deterministic`` choose those three for
  one run (``benchmarks/robustness.py`` uses them).
- ``HOME``, Keras' and TensorFlow Datasets' folders and the course's data folder are fresh,
  empty folders of this run (:func:`isolate`): no ``~/.keras`` cache, no
  ``~/tensorflow_datasets``, no ``~/.cache/cnn-course`` and no user-level Jupyter kernel of the
  machine is seen; every kernel a test starts runs this environment's Python.
- What a machine may or may not have (Debian's ``/usr/share/datasets``, Chromium) changes which
  data a lesson uses or whether a test is skipped with its reason, never whether a test passes.
"""

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

#: The environment variables a learner or instructor may export for the course, and those of the
#: libraries whose folders it reads. The suite removes them; see the module docstring.
SHELL_SETTINGS = (
    "COURSE_MIRROR",
    "COURSE_REHEARSAL",
    "COURSE_SEED",
    "COURSE_THREADS",
    "COURSE_DETERMINISTIC",
    "COURSE_DATA_DIR",
    "COURSE_PROFILE",
    "COURSE_CHECKS_LOG",
    "TFDS_DATA_DIR",
    "KERAS_HOME",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "MPLCONFIGDIR",
    "JUPYTER_PATH",
    "JUPYTER_DATA_DIR",
    "JUPYTER_CONFIG_DIR",
    "IPYTHONDIR",
)
#: The variable under which the controller hands its run folder to the xdist workers.
RUN_FOLDER = "COURSE_SUITE_FOLDER"


def pytest_addoption(parser):
    group = parser.getgroup("course", "the course's suite")
    group.addoption("--course-seed", help="COURSE_SEED for this run (default: each test's own)")
    group.addoption("--course-threads", help="COURSE_THREADS for this run (default: all cores)")
    group.addoption(
        "--course-deterministic", action="store_true", help="COURSE_DETERMINISTIC=1 for this run"
    )
    group.addoption("--course-checks-log", help="COURSE_CHECKS_LOG: a file for tests/checks.py")
    group.addoption("--course-data-dir", help="an existing data folder instead of a fresh one")


def python_kernel(folder: Path) -> Path:
    """A Jupyter data folder whose ``python3`` kernel is this interpreter (first on
    ``JUPYTER_PATH``, so no user- or system-level ``python3`` kernel of the machine wins)."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1))
    return folder


def isolate(environ: dict, run: Path, options: dict) -> None:
    """Rewrite ``environ`` for a test run whose fresh folders live in ``run``."""
    for name in SHELL_SETTINGS:
        environ.pop(name, None)
    folders = {
        "HOME": run / "home",
        "COURSE_DATA_DIR": run / "course-data",
        "KERAS_HOME": run / "keras",
        "TFDS_DATA_DIR": run / "tensorflow_datasets",
        "XDG_CACHE_HOME": run / "home" / ".cache",
        "MPLCONFIGDIR": run / "home" / ".config" / "matplotlib",
    }
    for name, folder in folders.items():
        folder.mkdir(parents=True, exist_ok=True)
        environ[name] = str(folder)
    environ["JUPYTER_PATH"] = str(python_kernel(run / "jupyter"))
    environ["COURSE_PROFILE"] = "smoke"  # every lesson and test runs the smoke profile
    environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # the kernels' TensorFlow C++ logs too
    for option, name in (
        ("course_seed", "COURSE_SEED"),
        ("course_threads", "COURSE_THREADS"),
        ("course_checks_log", "COURSE_CHECKS_LOG"),
    ):
        if options.get(option):
            environ[name] = str(options[option])
    if options.get("course_deterministic"):
        environ["COURSE_DETERMINISTIC"] = "1"
    if options.get("course_data_dir"):
        environ["COURSE_DATA_DIR"] = str(options["course_data_dir"])


def pytest_configure(config):
    """Once per process, before any test: the controller makes the run's folders; xdist
    workers inherit its environment (they start after this hook) and keep it."""
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(RUN_FOLDER):
        return
    run = Path(tempfile.mkdtemp(prefix="course-suite-"))
    os.environ[RUN_FOLDER] = str(run)
    options = {
        name: config.getoption(name, None)
        for name in (
            "course_seed",
            "course_threads",
            "course_deterministic",
            "course_checks_log",
            "course_data_dir",
        )
    }
    isolate(os.environ, run, options)
    config.add_cleanup(lambda: _remove(run))


def _remove(run: Path) -> None:
    import shutil

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        shutil.rmtree(run, ignore_errors=True)


#: Seconds per file in the suite on a 2-core machine with 2 test workers (junit times of one run
#: from an empty data folder, rounded), for the order below. A file missing here counts as short.
SECONDS = {
    "tests/test_learner_copies.py": 100,  # lessons 02, 04, 09 as learner copies + solutions
    "tests/test_pretrained_path.py": 45,  # lesson 05 with rehearsal weights (instead of nbval)
    "tests/test_decks.py": 45,  # every deck measured in Chromium
    "tests/test_figures_alt.py": 40,  # two kernels drawing the course's figures
    "notebooks/07_architecture_patterns.ipynb": 55,
    "notebooks/06_image_segmentation.ipynb": 53,
    "tests/test_browser.py": 52,
    "notebooks/03_data_augmentation.ipynb": 49,
    "notebooks/10_scaling_up.ipynb": 49,
    "tests/test_grad_cam_pointing.py": 43,
    "notebooks/08_celeba_gender.ipynb": 40,
    "notebooks/04_transfer_learning_vgg16.ipynb": 39,  # when the learner-copies test does not
    "notebooks/05_transfer_learning_mobilenetv2.ipynb": 38,
    "notebooks/01_mnist_convnet.ipynb": 35,  # when the browser test does not run it
    "notebooks/09_interpretability.ipynb": 30,  # (the same)
    "notebooks/02_cats_vs_dogs_from_scratch.ipynb": 25,  # (the same)
    "tests/test_training.py": 21,
    "tests/test_rehearsal.py": 18,
    "tests/test_export.py": 14,
    "tests/test_scaling.py": 13,
    "tests/test_executed.py": 11,
    "tests/test_slides.py": 10,
    "tests/test_shell_settings.py": 20,  # two pytest/kernel starts
    "notebooks/00_setup.ipynb": 8,  # when tests/test_executed.py does not run it
    "tests/test_interpret.py": 6,
    "tests/test_pretrained.py": 6,
    "tests/test_env.py": 6,
}


#: The real-browser test that runs every cell of lesson 01 in JupyterLab and fails on any error
#: output (tests/test_browser.py), and the lesson it runs.
BROWSER_RUN = "tests/test_browser.py::test_lesson_01_runs_in_jupyterlab_in_chromium"
BROWSER_LESSON = "notebooks/01_mnist_convnet.ipynb"
LEARNER_RUN = (
    "tests/test_learner_copies.py::test_learner_copy_runs_with_its_stubs_then_the_solutions"
)
#: Tests that run every cell of a whole lesson in smoke and fail if any cell raises, as nbval
#: does, and check more; each with the lesson it runs.
LESSON_RUNS = {
    BROWSER_RUN: BROWSER_LESSON,
    # `make executed` on lesson 00 (tests/test_executed.py): banner first, HTML page and deck.
    "tests/test_executed.py::test_lesson_00_executed_in_smoke": "notebooks/00_setup.ipynb",
    # the learner copies, each followed by its lesson's solutions in the same kernel
    **{
        f"{LEARNER_RUN}[{lesson[10:12]}]": lesson
        for lesson in (
            "notebooks/02_cats_vs_dogs_from_scratch.ipynb",
            "notebooks/04_transfer_learning_vgg16.ipynb",
            "notebooks/09_interpretability.ipynb",
        )
    },
    # lesson 05 with rehearsal weights: the branches that only loaded weights take
    "tests/test_pretrained_path.py::test_lesson_05_runs_with_rehearsal_weights": (
        "notebooks/05_transfer_learning_mobilenetv2.ipynb"
    ),
}


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they deselect
def pytest_collection_modifyitems(config, items):
    """Each lesson runs once: where a test of ``LESSON_RUNS`` will run a lesson (the browser
    test runs lesson 01 in JupyterLab, the executed-lessons test runs lesson 00), nbval does not
    run it again. Where that test is not collected (no Chromium or Playwright: the browser test
    is skipped at collection; or -k, -m or --deselect took it out), nbval runs the lesson.

    Then long files first. pytest-xdist (``--dist loadfile --no-loadscope-reorder``) hands out
    whole files in this order; a long file handed out last keeps one worker busy while the
    others have nothing left to do."""
    ids = {item.nodeid for item in items}
    elsewhere = {lesson for test, lesson in LESSON_RUNS.items() if test in ids}
    again = [item for item in items if item.nodeid.split("::")[0] in elsewhere]
    if again:
        config.hook.pytest_deselected(items=again)
        items[:] = [item for item in items if item not in again]
    items.sort(key=lambda item: -SECONDS.get(item.nodeid.split("::")[0], 1))  # stable


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A lesson cell that nbval runs fails when it shows a figure without a text alternative
    (issue 24: every figure carries one; :func:`course_utils.plots.outputs_without_alt`). The
    tests of ``LESSON_RUNS`` check the lessons they run in the same way."""
    result = yield
    outputs = getattr(item, "test_outputs", None)  # nbval's IPyNbCell: what the cell showed
    if outputs:
        from course_utils.plots import outputs_without_alt

        missing = outputs_without_alt(outputs)
        if missing:
            pytest.fail(
                f"{len(missing)} figure(s) without a text alternative (outputs {missing}): "
                "give the figure one with course_utils.plots.set_alt_text(fig, ...)",
                pytrace=False,
            )
    return result
