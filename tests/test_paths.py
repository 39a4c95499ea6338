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


def test_atomic_path_replaces_only_on_success(tmp_path):
    from course_utils.paths import atomic_path

    target = tmp_path / "sub" / "file.bin"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"new")
        assert not target.exists(), "nothing may appear before the write is complete"
    assert target.read_bytes() == b"new"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"new", "a failed write leaves the old file"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]
