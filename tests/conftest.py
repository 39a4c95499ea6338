"""Shared fixtures for the unit tests."""

import pytest


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """An empty COURSE_DATA_DIR, so tests never see or write the user's real data folder."""
    folder = tmp_path / "course-data"
    folder.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    return folder
