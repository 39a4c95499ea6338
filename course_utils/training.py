"""Long trainings that survive a crash or a disconnected Colab runtime.

The lessons put ``keras.callbacks.BackupAndRestore(backup_dir(...))`` in their ``fit`` calls:
at the end of every epoch Keras saves the weights, the optimizer's state and the epoch number
into that folder; when the same ``fit`` starts again after a crash, it restores them and goes on
from the last finished epoch. When a training ends normally Keras deletes the backup, so running
the lesson again starts a fresh training. To start over after a crash instead of resuming,
delete the folder (:func:`forget_backup`).

A ``ModelCheckpoint(save_best_only=True)`` made for the resumed ``fit`` is a new callback: it
starts with no best value, so the first resumed epoch would overwrite the best file of the
interrupted run even with a worse model. :func:`best_so_far` gives the value to start from, as
``ModelCheckpoint(..., initial_value_threshold=best_so_far(...))``.

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


def best_so_far(
    checkpoint: str | os.PathLike,
    backup_folder: str | os.PathLike,
    validation_data,
    monitor: str = "val_loss",
) -> float | None:
    """The ``monitor`` value of the model saved at ``checkpoint``, when the next ``fit`` resumes
    an interrupted training from ``backup_folder``; ``None`` when it starts a fresh one.

    Pass it to ``keras.callbacks.ModelCheckpoint(checkpoint, save_best_only=True,
    initial_value_threshold=...)``: a new ``ModelCheckpoint`` starts with no best value (Keras
    3: ``None``, then the first epoch always counts as an improvement), so without it the first
    resumed epoch overwrites the best model of the interrupted run. The value is measured again
    on ``validation_data`` (a dataset, or an ``(x, y)`` tuple, as given to ``fit``) with the
    model reloaded from the file: it is the value of what is on disk. ``None`` as well when
    there is no file yet (the interruption came before the first save).
    """
    if resumes_from(backup_folder) is None or not Path(checkpoint).is_file():
        return None
    import keras

    model = keras.models.load_model(checkpoint)
    if isinstance(validation_data, tuple):
        results = model.evaluate(*validation_data, verbose=0, return_dict=True)
    else:
        results = model.evaluate(validation_data, verbose=0, return_dict=True)
    return float(results[monitor.removeprefix("val_")])
