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
