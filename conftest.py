"""pytest configuration shared by unit tests and notebook runs."""

import os

import pytest

# Lessons run in the smoke profile under test unless the caller chose another.
os.environ.setdefault("COURSE_PROFILE", "smoke")
# Keep the kernels' TensorFlow C++ logs quiet too (they inherit this environment).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: Seconds per file in the suite on a 2-core machine with 2 test workers (junit times of one run
#: from an empty data folder, rounded), for the order below. A file missing here counts as short.
SECONDS = {
    "notebooks/07_architecture_patterns.ipynb": 55,
    "notebooks/06_image_segmentation.ipynb": 53,
    "tests/test_browser.py": 52,
    "notebooks/03_data_augmentation.ipynb": 49,
    "notebooks/10_scaling_up.ipynb": 49,
    "tests/test_grad_cam_pointing.py": 43,
    "notebooks/08_celeba_gender.ipynb": 40,
    "notebooks/04_transfer_learning_vgg16.ipynb": 39,
    "notebooks/05_transfer_learning_mobilenetv2.ipynb": 38,
    "notebooks/01_mnist_convnet.ipynb": 35,  # when the browser test does not run it
    "notebooks/09_interpretability.ipynb": 30,
    "notebooks/02_cats_vs_dogs_from_scratch.ipynb": 25,
    "tests/test_training.py": 21,
    "tests/test_rehearsal.py": 18,
    "tests/test_export.py": 14,
    "tests/test_scaling.py": 13,
    "tests/test_executed.py": 11,
    "tests/test_slides.py": 10,
    "notebooks/00_setup.ipynb": 8,  # when tests/test_executed.py does not run it
    "tests/test_interpret.py": 6,
    "tests/test_pretrained.py": 6,
    "tests/test_env.py": 6,
}


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
