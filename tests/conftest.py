"""Shared fixtures for the unit tests."""

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
    built once per test process."""
    from course_utils import rehearsal

    return rehearsal.build(tmp_path_factory.mktemp("rehearsal-files"), "small")
