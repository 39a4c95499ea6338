"""Models that a lesson teaches and later lessons reuse, plus saving them where others find them.

Lesson 02 builds :func:`classic_convnet` step by step and checks that its own model equals this
helper; lessons 03, 07 and 09 then call the helper. Lesson 03 builds :func:`book_augmentation`
step by step (the book's ``ImageDataGenerator`` mapped to layers) and checks that its own equals
this helper; lesson 04 calls the helper.
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
    input_range: tuple[float, float] = (0.0, 1.0),
):
    """The cats-vs-dogs convnet of the source material (3,453,121 parameters at 150x150x3).

    [``augmentation``] → ``Rescaling`` → 4 × (Conv2D 3×3 32/64/128/128 + MaxPool 2) →
    Flatten → [Dropout] → Dense 512 → Dense 1 sigmoid. ``augmentation`` is a layer (e.g. a
    ``keras.Sequential`` of random layers) applied to the raw pixels, active only in training.
    The model takes pixels 0-255; ``Rescaling`` maps them to ``input_range``: the book's
    ``(0, 1)`` (``Rescaling(1/255)``) by default, ``(-1, 1)`` centres them (``Rescaling(1/127.5,
    offset=-1)``, lessons 02-03's ``smoke`` run). Same weights either way.
    """
    import keras
    from keras import layers

    low, high = input_range
    inputs = keras.Input(shape=input_shape)
    x = inputs
    if augmentation is not None:
        x = augmentation(x)
    x = layers.Rescaling((high - low) / 255, offset=low)(x)
    for filters in (32, 64, 128, 128):
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    x = layers.Dense(512, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name=name)


def book_augmentation(
    rotation_degrees: float = 40,
    shift: float = 0.2,
    zoom: float = 0.2,
    name: str = "augmentation",
):
    """The book's data augmentation as Keras 3 layers (taught in lesson 03, reused in lesson 04).

    *Deep Learning with Python* (1st ed., 5.2 and 5.3) augments with ``ImageDataGenerator(
    rotation_range=40, width_shift_range=0.2, height_shift_range=0.2, shear_range=0.2,
    zoom_range=0.2, horizontal_flip=True, fill_mode="nearest")``. Mapped argument by argument:
    ``RandomFlip("horizontal")``, ``RandomRotation(rotation_degrees / 360)`` (the layer's factor
    is a fraction of a full turn), ``RandomTranslation(shift, shift)`` and ``RandomZoom(zoom,
    zoom)``, each geometric layer with ``fill_mode="nearest"`` (the generator's default; the
    layers' own default is ``"reflect"``). No shear: this helper reproduces what the book's line
    does in today's Keras, not what the book meant. Today ``shear_range`` is in degrees, so 0.2
    shears by at most 0.2 degrees, which changes almost nothing (lesson 03 shows it); Keras 2.0,
    which the book used, read it in radians (0.2 rad, about 11.5 degrees, a visible shear) until
    keras-team/keras#8868 (December 2017) changed the unit. The shear the book meant would be
    ``RandomShear(0.2)`` (lesson 03, exercise 3); it is left out because the lessons' checks were
    measured without it. The defaults are the book's values; smaller ones give a milder version
    of the same augmentation.
    """
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(rotation_degrees / 360, fill_mode="nearest"),
            layers.RandomTranslation(shift, shift, fill_mode="nearest"),
            layers.RandomZoom(zoom, zoom, fill_mode="nearest"),
        ],
        name=name,
    )


def architecture(model) -> list[tuple[str, dict]]:
    """A model's layers as ``(class name, config without names)``: equal for equal architectures."""
    rows = []
    for layer in model.layers:
        config = {k: v for k, v in layer.get_config().items() if k not in ("name", "seed")}
        rows.append((type(layer).__name__, config))
    return rows


def model_path(name: str, profile, source=None) -> Path:
    """Where a lesson saves a trained model for later lessons.

    The file name carries the profile and whether the data was real, a stand-in or rehearsal
    data, so a lesson never loads a model trained on other data than it is about to use.
    """
    from .datasets.source import REHEARSAL

    kind = "real"
    if source is not None and source.is_standin:
        kind = "standin"
    elif source is not None and source.kind == REHEARSAL:
        kind = "rehearsal"
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
