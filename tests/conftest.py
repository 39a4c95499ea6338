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
