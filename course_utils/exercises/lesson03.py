"""Lesson 03 (data augmentation): the checks of its three exercises.

1. augmentation before vs after ``cache()``: two epochs of each pipeline;
2. the layers that make the reloaded model random with ``training=True``;
3. the ``shear_range`` (in degrees, today's unit) whose tangent is 0.2.
"""

from __future__ import annotations

import math

import numpy as np

from . import Exercise, Mistake, correct

#: The angle whose tangent is 0.2, in degrees: ``RandomShear(x_factor=0.2)``'s slope as the
#: generator's ``shear_range``.
SHEAR_DEGREES = math.degrees(math.atan(0.2))


def _two_epochs(value, name: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        first, second = (np.asarray(epoch, dtype="float32") for epoch in value)
    except (TypeError, ValueError) as e:
        raise Mistake(
            f"`{name}` should be two arrays of images, [epoch 1, epoch 2] (a list of two arrays "
            f"of the same shape), one per pass over the dataset ({e})."
        ) from None
    if first.shape != second.shape or first.ndim != 4:
        raise Mistake(
            f"`{name}`: expected two image arrays of the same shape (batch, height, width, 3), "
            f"got shapes {first.shape} and {second.shape}."
        )
    return first, second


def check_cache_order(frozen, fresh) -> object:
    frozen_same = np.array_equal(*_two_epochs(frozen, "frozen"))
    fresh_same = np.allclose(*_two_epochs(fresh, "fresh"))
    if frozen_same and not fresh_same:
        return correct(
            "augment → cache replays epoch 1's random images; cache → augment draws new ones "
            "each epoch. Augment after the cache."
        )
    if fresh_same and not frozen_same:
        raise Mistake(
            "the other way round: here the pipeline that augments *after* the cache replays, and "
            "the one that caches the augmented images changes. Did you swap `frozen` and `fresh`?"
        )
    if frozen_same and fresh_same:
        raise Mistake(
            "both pipelines give the same images in both epochs, so the augmentation did not act "
            "in `fresh`. Inside `map`, call the layers with `training=True`: without it they pass "
            "the images through unchanged."
        )
    raise Mistake(
        "augment → cache gave new images in epoch 2: its cache was not used. A cache is kept only "
        "when the first pass reads the dataset to its end (take the batch before `.cache()`, and "
        "read every element of each epoch)."
    )


def _layer_name(item) -> str:
    return item if isinstance(item, str) else getattr(item, "name", repr(item))


def _random_layers(model) -> tuple[dict[str, set[str]], set[str]]:
    """Blocks of random augmentation layers (name -> inner layer names) and Dropout layers."""
    import keras

    blocks, dropouts = {}, set()
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dropout):
            dropouts.add(layer.name)
        elif type(layer).__name__.startswith("Random"):
            blocks[layer.name] = {layer.name}
        else:
            inner = {
                sub.name
                for sub in getattr(layer, "layers", [])
                if type(sub).__name__.startswith("Random")
            }
            if inner:
                blocks[layer.name] = inner
    return blocks, dropouts


def check_random_layers(random_layers, *, model) -> object:
    if isinstance(random_layers, str) or not hasattr(random_layers, "__iter__"):
        raise Mistake("expected a list of layer names, e.g. `[layer.name for layer in ...]`.")
    given = {_layer_name(item) for item in random_layers}
    blocks, dropouts = _random_layers(model)
    top_names = {layer.name for layer in model.layers}
    inner_names = set().union(*blocks.values()) if blocks else set()
    unknown = given - top_names - inner_names
    if unknown:
        raise Mistake(
            f"{sorted(unknown)} is not a layer of this model: take the names from "
            "`[layer.name for layer in reloaded.layers]`."
        )
    deterministic = given - set(blocks) - inner_names - dropouts
    if deterministic:
        raise Mistake(
            f"{sorted(deterministic)} compute the same output for the same input in both modes; "
            "only layers that draw random numbers in training make the two calls differ."
        )
    has_augmentation = all(name in given or inner <= given for name, inner in blocks.items())
    has_dropout = dropouts <= given
    if has_augmentation and has_dropout:
        return correct(
            "the augmentation block and Dropout: the only random layers, active only with "
            "training=True (inside fit)."
        )
    if has_augmentation:
        raise Mistake(
            "one random layer is missing: besides the augmentation, which layer zeroes a random "
            "part of the features in training?"
        )
    if has_dropout:
        raise Mistake(
            "one random layer is missing: which layers changed the images themselves at random "
            "in training (section 2)?"
        )
    raise Mistake("expected the names of the model's layers that draw random numbers in training.")


def check_shear_degrees(degrees) -> object:
    value = float(degrees)
    if math.isclose(value, SHEAR_DEGREES, abs_tol=0.05):
        return correct(
            f"shear_range={value:.1f} (degrees): tan({value:.1f}°) = 0.2, a clearly visible shear, "
            "close to what the book's 0.2 meant when Keras read it in radians."
        )
    if math.isclose(value, 0.2, abs_tol=1e-6):
        raise Mistake(
            "0.2 is the book's number, and today's generator reads it in degrees: 0.2° is the "
            "shear that does almost nothing. Find the angle whose tangent is 0.2."
        )
    if math.isclose(value, math.degrees(0.2), abs_tol=0.05):
        raise Mistake(
            "that is 0.2 radians in degrees, the shear the book's Keras applied: close, but the "
            "exercise asks for the angle whose tangent is 0.2 (`np.arctan`, then degrees)."
        )
    if math.isclose(value, math.atan(0.2), abs_tol=1e-3):
        raise Mistake(
            "that angle is in radians; `shear_range` takes degrees today: convert it "
            "(`np.rad2deg`)."
        )
    if math.isclose(value, 20, abs_tol=1e-6):
        raise Mistake(
            "20 reads RandomShear's 0.2 as 20 degrees, but its factor is a slope (a fraction of "
            "the image), not an angle: find the angle whose tangent is 0.2."
        )
    raise Mistake(
        "not the angle whose tangent is 0.2. Expected a number of degrees between 0 and 45."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "03",
            1,
            "augmentation before vs after cache()",
            check_cache_order,
            hints=[
                "Build `one_batch = splits.train.take(1)`, then "
                "`one_batch.map(augment).cache()` and `one_batch.cache().map(augment)`, with "
                "`augment` calling `data_augmentation(x, training=True)`.",
                "For each pipeline read two epochs completely, e.g. "
                "`[np.concatenate([x.numpy() for x, _ in ds]) for _ in range(2)]`.",
            ],
            expected="two lists [epoch 1, epoch 2] of image arrays of the same shape",
        ),
        Exercise(
            "03",
            2,
            "the layers that make training=True random",
            check_random_layers,
            hints=[
                "Call `reloaded(test_images, training=True)` twice and compare; then look at "
                "`[layer.name for layer in reloaded.layers]`.",
                "Which layers draw random numbers only in training? Two kinds: one changes the "
                "images, one the features.",
            ],
            expected="a list of layer names of the reloaded model",
        ),
        Exercise(
            "03",
            3,
            "the shear_range for a visible shear",
            check_shear_degrees,
            hints=[
                "A shear with slope 0.2 moves a pixel by 0.2 × its distance from the centre; the "
                "angle of that slope is the one whose tangent is 0.2.",
                "`np.arctan` gives radians; today's `shear_range` takes degrees.",
            ],
            expected="a number of degrees (a float)",
        ),
    ]
