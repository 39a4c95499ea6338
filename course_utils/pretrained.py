"""Pretrained Keras Applications with an honest fallback when ImageNet weights can't be had."""

from __future__ import annotations

import sys
from dataclasses import dataclass

IMAGENET = "imagenet"


@dataclass(frozen=True)
class Weights:
    """Which weights a pretrained model really has, for banners and result tables."""

    pretrained: bool
    label: str

    def __str__(self) -> str:
        return self.label


def load_application(constructor, profile, **kwargs):
    """Build a ``keras.applications`` model with ImageNet weights when it can.

    Returns ``(model, Weights)``. In ``smoke`` (which never uses the network) the weights are
    random. Elsewhere ImageNet weights are downloaded (or taken from the Keras cache); when that
    fails, the lesson goes on with random weights and says so loudly: its accuracy numbers then
    show the architecture only, not transfer learning.
    """
    name = getattr(constructor, "__name__", str(constructor))
    if getattr(profile, "name", profile) == "smoke":
        model = constructor(weights=None, **kwargs)
        return model, Weights(False, "random weights (smoke profile: no download)")
    try:
        from .datasets import download

        key = weight_key(name, kwargs.get("include_top", True), kwargs.get("input_shape"))
        if download.mirror():  # the classroom mirror: put the file where Keras looks
            if key is None:  # Keras would download it from its origin, not the mirror
                raise download.DataError(
                    f"no ImageNet weight file of {name} with {kwargs} is on the course's "
                    f"list, so the mirror cannot serve it (COURSE_MIRROR is set)"
                )
            download.fetch_weights(key)
        model = constructor(weights=IMAGENET, **kwargs)
        return model, Weights(True, "ImageNet weights")
    except Exception as e:  # noqa: BLE001 - any download/load failure has the same remedy
        print(
            f"WARNING: {name}: ImageNet weights could not be loaded ({type(e).__name__}: "
            f"{str(e)[:160]}). Continuing with RANDOM weights: the results below are NOT "
            f"transfer-learning results. Connect to the internet (or put the weights file in "
            f"~/.keras/models/) and re-run.",
            file=sys.stderr,
        )
        model = constructor(weights=None, **kwargs)
        return model, Weights(False, "RANDOM weights (ImageNet download failed)")


def weight_key(name: str, include_top: bool = True, input_shape=None) -> str | None:
    """The :data:`~course_utils.datasets.download.WEIGHT_REMOTES` key of the ImageNet weight
    file Keras loads for the application ``name`` (``"VGG16"``, ``"Xception"``,
    ``"MobileNetV2"``), or ``None`` when the course does not list it."""
    from .datasets.download import WEIGHT_REMOTES

    base = {"VGG16": "vgg16", "Xception": "xception", "MobileNetV2": "mobilenet_v2"}.get(name)
    if base == "mobilenet_v2":
        rows = input_shape[0] if input_shape else 224
        key = None if include_top else f"mobilenet_v2_{rows}_notop"
    elif base:
        key = base if include_top else f"{base}_notop"
    else:
        key = None
    return key if key in WEIGHT_REMOTES else None
