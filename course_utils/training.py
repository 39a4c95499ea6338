"""Long trainings that survive a crash or a disconnected Colab runtime.

The lessons put ``keras.callbacks.BackupAndRestore(backup_dir(...))`` in their ``fit`` calls:
at the end of every epoch Keras saves the weights, the optimizer's state and the epoch number
into that folder; when the same ``fit`` starts again after a crash, it restores them and goes on
from the last finished epoch. When a training ends normally Keras deletes the backup, so running
the lesson again starts a fresh training. To start over after a crash instead of resuming,
delete the folder (:func:`forget_backup`).

:func:`backup_dir` only chooses the folder: on Google Drive when Drive is mounted in Colab (a
new runtime after a disconnect finds it there), else in the course data folder. In the ``smoke``
profile each call gets a new temporary folder, so a test run never resumes an older one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from .paths import data_dir

#: Where Colab mounts Google Drive (``from google.colab import drive; drive.mount(...)``).
COLAB_DRIVE = Path("/content/drive/MyDrive")


def backup_root() -> Path:
    """``/content/drive/MyDrive/cnn-course/backups`` when Drive is mounted, else
    ``<data folder>/backups``."""
    if COLAB_DRIVE.is_dir():
        return COLAB_DRIVE / "cnn-course" / "backups"
    return data_dir() / "backups"


def backup_dir(name: str, profile) -> Path:
    """The folder for ``BackupAndRestore`` of the training ``name`` in ``profile``.

    One folder per training and profile (a backup of a ``cpu`` run never resumes a ``full``
    one). ``smoke``: a fresh temporary folder on every call.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"backup name {name!r}: use letters, digits, '_', '-' and '.' only")
    profile_name = getattr(profile, "name", profile)
    if profile_name == "smoke":
        return Path(tempfile.mkdtemp(prefix=f"backup-{name}-"))
    folder = backup_root() / f"{name}-{profile_name}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder


def resumes_from(folder: str | os.PathLike) -> int | None:
    """The number of epochs a backup in ``folder`` has finished (``fit`` goes on after them),
    or ``None`` when there is none (a fresh training)."""
    metadata = Path(folder) / "training_metadata.json"  # Keras writes the finished epochs
    try:
        return int(json.loads(metadata.read_text())["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def describe_backup(folder: str | os.PathLike) -> str:
    """One line for the lesson: what the next ``fit`` with this backup folder will do."""
    done = resumes_from(folder)
    if done is None:
        return f"backup folder {folder}: no backup, training starts from epoch 1"
    return (
        f"backup folder {folder}: an interrupted training finished {done} epoch(s); fit() "
        f"RESUMES after them (course_utils.training.forget_backup(...) starts over)"
    )


def forget_backup(folder: str | os.PathLike) -> None:
    """Delete a backup, so that the next ``fit`` starts from scratch."""
    shutil.rmtree(folder, ignore_errors=True)
