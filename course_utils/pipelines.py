"""Input pipelines that a lesson teaches and later lessons reuse.

Lesson 02 builds the cats-vs-dogs pipeline step by step (``image_dataset_from_directory``, then
``cache`` and ``prefetch``) and checks that it equals :func:`image_folder_splits`; lessons 03, 04,
07 and 09 call the helper.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError

SPLITS = ("train", "validation", "test")


@dataclass
class ImageSplits:
    """Batched ``tf.data`` datasets of (image float32 0-255, label) per split."""

    train: Any
    validation: Any
    test: Any
    class_names: list[str]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def __iter__(self):
        return iter((self.train, self.validation, self.test))


def count_images(folder: str | os.PathLike) -> dict[str, dict[str, int]]:
    """``{split: {class: number of files}}`` for a ``split/class/file`` folder."""
    folder = Path(folder)
    return {
        split.name: {
            c.name: sum(1 for f in c.iterdir() if f.is_file())
            for c in sorted(split.iterdir())
            if c.is_dir()
        }
        for split in sorted(folder.iterdir())
        if split.is_dir()
    }


def image_folder_splits(
    folder: str | os.PathLike,
    image_size: tuple[int, int] = (150, 150),
    batch_size: int = 32,
    seed: int = 42,
    cache: bool = True,
) -> ImageSplits:
    """``train``/``validation``/``test`` datasets from ``folder/{split}/{class}/*.jpg``.

    Images are decoded and resized in parallel by ``image_dataset_from_directory``, labels are
    0/1 floats (``label_mode="binary"``, classes in alphabetical order), and every split is
    cached in memory after the first epoch and prefetched so the next batch is ready while the
    model trains on this one. Only ``train`` is shuffled, *after* the cache and before batching,
    so each epoch gets a new order (caching shuffled batches would replay one order forever).
    """
    import keras
    import tensorflow as tf

    folder = Path(folder)
    missing = [s for s in SPLITS if not (folder / s).is_dir()]
    if missing:
        raise DataError(
            f"{folder} has no {', '.join(missing)} folder(s); expected "
            f"{folder}/{{{','.join(SPLITS)}}}/<class>/<image files>"
        )
    datasets, class_names = {}, None
    for split in SPLITS:
        train = split == "train"
        ds = keras.utils.image_dataset_from_directory(
            folder / split,
            image_size=image_size,
            batch_size=None if train else batch_size,  # train: single images, batched below
            label_mode="binary",
            shuffle=False,
            verbose=False,
        )
        if class_names is None:
            class_names = list(ds.class_names)
        elif list(ds.class_names) != class_names:
            raise DataError(f"{folder / split} has classes {ds.class_names}, not {class_names}")
        if cache:
            ds = ds.cache()
        if train:
            n = sum(1 for f in (folder / split).rglob("*") if f.is_file())
            ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True).batch(batch_size)
        datasets[split] = ds.prefetch(tf.data.AUTOTUNE)
    return ImageSplits(
        datasets["train"],
        datasets["validation"],
        datasets["test"],
        class_names,
        count_images(folder),
    )
