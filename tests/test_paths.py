import pytest

from course_utils import DataDirError, data_dir
from course_utils.paths import data_dir_origin


def test_course_data_dir_is_used(data_home):
    assert data_dir() == data_home
    assert data_dir_origin() == "COURSE_DATA_DIR"


def test_missing_course_data_dir_is_a_clear_error(tmp_path, monkeypatch):
    missing = tmp_path / "nope"
    monkeypatch.setenv("COURSE_DATA_DIR", str(missing))
    with pytest.raises(DataDirError) as err:
        data_dir()
    assert "mkdir -p" in str(err.value) and str(missing) in str(err.value)
    assert not missing.exists(), "a typo must not create a folder"


def test_default_is_a_per_user_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert data_dir() == tmp_path / "cnn-course"
    assert (tmp_path / "cnn-course").is_dir()
    assert data_dir_origin() == "default cache"
