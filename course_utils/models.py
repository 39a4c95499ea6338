"""Models that a lesson teaches and later lessons reuse, plus saving them where others find them.

Lesson 02 builds :func:`classic_convnet` step by step and checks that its own model equals this
helper; lessons 03, 07 and 09 then call the helper.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError
from .paths import atomic_path, data_dir


def classic_convnet(
    input_shape: tuple[int, int, int] = (150, 150, 3),
    augmentation=None,
    dropout: float = 0.0,
    name: str = "classic_convnet",
):
    """The cats-vs-dogs convnet of the source material (3,453,121 parameters at 150x150x3).

    ``Rescaling(1/255)`` → [``augmentation``] → 4 × (Conv2D 3×3 32/64/128/128 + MaxPool 2) →
    Flatten → [Dropout] → Dense 512 → Dense 1 sigmoid. ``augmentation`` is a layer (e.g. a
    ``keras.Sequential`` of random layers) applied to the raw pixels, active only in training.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape)
    x = inputs
    if augmentation is not None:
        x = augmentation(x)
    x = layers.Rescaling(1.0 / 255)(x)
    for filters in (32, 64, 128, 128):
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    x = layers.Dense(512, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name=name)


def architecture(model) -> list[tuple[str, dict]]:
    """A model's layers as ``(class name, config without names)``: equal for equal architectures."""
    rows = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k not in ("name", "seed")}
        rows.append((type(layer).__name__, config))
    return rows


def model_path(name: str, profile, source=None) -> Path:
    """Where a lesson saves a trained model for later lessons.

    The file name carries the profile and whether the data was real or a stand-in, so a lesson
    never loads a model trained on other data than it is about to use.
    """
    kind = "standin" if (source is not None and source.is_standin) else "real"
    profile_name = getattr(profile, "name", profile)
    return data_dir() / "models" / f"{name}-{profile_name}-{kind}.keras"


def save_model(model, path: str | os.PathLike) -> Path:
    """Save as ``.keras`` atomically (a reader never sees half a file)."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"Keras 3 saves whole models as .keras files, not {path.suffix!r}")
    with atomic_path(path, suffix=".keras") as tmp:  # Keras insists on the .keras suffix
        model.save(tmp)
    return path


def load_saved_model(path: str | os.PathLike):
    """Load a model saved by :func:`save_model`; a clear error says which lesson makes it."""
    import keras

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist yet: run the lesson that trains and saves it.")
    return keras.models.load_model(path)
