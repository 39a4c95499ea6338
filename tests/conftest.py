"""Shared fixtures for the unit tests."""

import os

import pytest


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """An empty COURSE_DATA_DIR, so tests never see or write the user's real data folder."""
    folder = tmp_path / "course-data"
    folder.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def rehearsal_files(tmp_path_factory):
    """The rehearsal sources (every real file format, stand-in pictures) at the small scale,
    built once per run: under pytest-xdist the first worker that asks builds them into the
    run's shared temporary folder while the others wait on a lock, then reuse them
    (``rehearsal.build`` keeps a complete folder). Tests only read them."""
    from course_utils import rehearsal

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # .../pytest-N/popen-gwK -> .../pytest-N, shared by the workers
    try:
        import fcntl
    except ImportError:  # Windows: one copy per worker
        return rehearsal.build(tmp_path_factory.mktemp("rehearsal-files"), "small")
    with open(base / "rehearsal-files.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return rehearsal.build(base / "rehearsal-files-small", "small")


#: The rehearsal weight files the tests build: the smallest MobileNetV2 (~9 MB, ~10 s here, with
#: its BatchNorm calibration) and VGG16 without its top (~59 MB, ~3 s).
WEIGHT_KEYS = ("mobilenet_v2_96_notop", "vgg16_notop")


@pytest.fixture(scope="session")
def rehearsal_weights(tmp_path_factory):
    """:data:`WEIGHT_KEYS`' rehearsal weight files, built once per run into the run's shared
    temporary folder, as :func:`rehearsal_files` (``build_weights`` keeps a complete file)."""
    from course_utils import rehearsal

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    try:
        import fcntl
    except ImportError:  # Windows: one copy per worker
        return rehearsal.build_weights(tmp_path_factory.mktemp("rehearsal-weights"), WEIGHT_KEYS)
    with open(base / "rehearsal-weights.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return rehearsal.build_weights(base / "rehearsal-weights", WEIGHT_KEYS)


@pytest.fixture(scope="module")
def ex(request):
    """In ``tests/test_exercises_NN.py``: lesson NN's exercises by number, ``{1: ex1, ...}``."""
    from course_utils import exercises

    lesson = request.module.__name__.rsplit("_", 1)[-1]
    return dict(enumerate(exercises.for_lesson(lesson), start=1))
