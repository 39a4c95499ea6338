"""Where the course keeps data: ``COURSE_DATA_DIR``, else a per-user cache folder."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import DataDirError

#: The repository's own ``data/`` folder (small shipped files; absent in a Colab copy).
REPO_DATA = Path(__file__).resolve().parent.parent / "data"


def default_data_dir() -> Path:
    """``$XDG_CACHE_HOME/cnn-course`` (usually ``~/.cache/cnn-course``)."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "cnn-course"


def data_dir(create: bool = True) -> Path:
    """The folder for downloaded data and generated stand-ins.

    ``COURSE_DATA_DIR`` wins when set; it must already exist (a typo should not silently
    download gigabytes into a new folder). The default cache folder is created on demand.
    """
    value = os.environ.get("COURSE_DATA_DIR", "").strip()
    if value:
        path = Path(value).expanduser()
        if not path.is_dir():
            raise DataDirError(
                f"COURSE_DATA_DIR={value!r} is not an existing folder. "
                f"Create it first (mkdir -p {value}) or unset COURSE_DATA_DIR to use "
                f"the default {default_data_dir()}."
            )
        if not os.access(path, os.W_OK):
            raise DataDirError(
                f"COURSE_DATA_DIR={value!r} is not writable; choose a folder you can write to."
            )
        return path
    path = default_data_dir()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir_origin() -> str:
    """Says where :func:`data_dir` comes from, for banners and ``python -m course_utils data``."""
    return "COURSE_DATA_DIR" if os.environ.get("COURSE_DATA_DIR", "").strip() else "default cache"


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = ".part"):
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    Readers (other lessons, parallel test workers) never see half a file; on an error the
    temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
