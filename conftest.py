"""pytest configuration shared by unit tests and notebook runs."""

import os

import pytest

# Lessons run in the smoke profile under test unless the caller chose another.
os.environ.setdefault("COURSE_PROFILE", "smoke")
# Keep the kernels' TensorFlow C++ logs quiet too (they inherit this environment).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: Seconds per file in the suite on a 2-core machine with 3 test workers (junit times, mean of
#: two runs, rounded), for the order below. A file missing here counts as short.
SECONDS = {
    "notebooks/07_architecture_patterns.ipynb": 85,
    "notebooks/06_image_segmentation.ipynb": 75,
    "notebooks/10_scaling_up.ipynb": 75,
    "notebooks/08_celeba_gender.ipynb": 65,
    "tests/test_browser.py": 65,
    "notebooks/03_data_augmentation.ipynb": 65,
    "notebooks/09_interpretability.ipynb": 50,
    "tests/test_grad_cam_pointing.py": 40,
    "notebooks/04_transfer_learning_vgg16.ipynb": 40,
    "notebooks/02_cats_vs_dogs_from_scratch.ipynb": 35,
    "notebooks/05_transfer_learning_mobilenetv2.ipynb": 35,
    "notebooks/01_mnist_convnet.ipynb": 35,  # when the browser test does not run it
    "tests/test_training.py": 30,
    "tests/test_rehearsal.py": 25,
    "tests/test_scaling.py": 20,
    "tests/test_export.py": 20,
    "tests/test_executed.py": 15,
    "tests/test_env.py": 15,
    "tests/test_slides.py": 9,
    "tests/test_interpret.py": 8,
    "notebooks/00_setup.ipynb": 8,
}


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook; unknown without xdist
def pytest_xdist_auto_num_workers(config):
    """Test workers for ``-n auto``: xdist's choice (one per physical core), plus one on a
    machine with at most 2 cores.

    Lessons and tests also wait (kernels starting, JupyterLab and Chromium starting, worker
    processes, the training test's sleeps), and with one worker per core a core idles then.
    Measured on 2 cores from an empty data folder (544-546 tests): 2 workers 323 s and 300 s,
    3 workers 291 s, 286 s and 295 s, 4 workers 306 s (README, Tests). Each worker's kernel
    holds up to about 1.5 GB, so larger machines keep one per core (not measured there). ``PYTEST_XDIST_AUTO_NUM_WORKERS``
    or ``-n N`` still decide when given."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    try:
        import psutil

        cores = psutil.cpu_count(logical=False) or psutil.cpu_count() or 1
    except ImportError:
        cores = os.cpu_count() or 1
    return cores + 1 if cores <= 2 else cores


#: The real-browser test that runs every cell of lesson 01 in JupyterLab and fails on any error
#: output (tests/test_browser.py), and the lesson it runs.
BROWSER_RUN = "tests/test_browser.py::test_lesson_01_runs_in_jupyterlab_in_chromium"
BROWSER_LESSON = "notebooks/01_mnist_convnet.ipynb"
#: Tests that run every cell of a whole lesson in smoke and fail if any cell raises, as nbval
#: does, and check more; each with the lesson it runs.
LESSON_RUNS = {
    BROWSER_RUN: BROWSER_LESSON,
    # `make executed` on lesson 00 (tests/test_executed.py): banner first, HTML page and deck.
    "tests/test_executed.py::test_lesson_00_executed_in_smoke": "notebooks/00_setup.ipynb",
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
