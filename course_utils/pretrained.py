"""Pretrained Keras Applications with an honest fallback when ImageNet weights can't be had.

Three kinds of weights, each labelled (:class:`Weights`):

- **ImageNet weights**: Keras' weight file, downloaded (from the classroom mirror when
  ``COURSE_MIRROR`` is set) and verified;
- **rehearsal weights, not ImageNet**: in a rehearsal (``COURSE_REHEARSAL=1`` with a rehearsal
  mirror, see :mod:`course_utils.rehearsal`) the rehearsal mirror's weight file of the same name
  and layout, filled with random values, downloaded, verified against the mirror's manifest and
  loaded by path through the same ``keras.applications`` constructor;
- **random weights**: ``smoke`` (outside a rehearsal: a rehearsal's ``smoke`` run takes the
  rehearsal weights, so the suite can run the pretrained path in seconds), or when the download
  failed (loudly).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .datasets.download import REHEARSAL_WEIGHTS

IMAGENET = "imagenet"


@dataclass(frozen=True)
class Weights:
    """Which weights a pretrained model really has, for banners and result tables.

    ``pretrained``: a weight file was downloaded (or found in Keras' cache), verified and
    loaded, so the model's weights are not its initializers' (freezing, fine-tuning and checks
    that need trained-looking weights apply). ``imagenet``: that file holds Keras' ImageNet
    weights, so its features carry ImageNet's knowledge (accuracy thresholds of transfer
    learning apply). A rehearsal's weights are ``pretrained`` but not ``imagenet``.
    """

    pretrained: bool
    label: str
    imagenet: bool = False

    def __str__(self) -> str:
        return self.label


def load_application(constructor, profile, **kwargs):
    """Build a ``keras.applications`` model with ImageNet weights when it can.

    Returns ``(model, Weights)``. In ``smoke`` (which never uses the network) the weights are
    random, except in a rehearsal. Elsewhere ImageNet weights are downloaded (or taken from the Keras cache); when that
    fails, the lesson goes on with random weights and says so loudly: its accuracy numbers then
    show the architecture only, not transfer learning. In a rehearsal the weights are the
    rehearsal mirror's (random values in the real file's name and layout; see the module's
    docstring), labelled "rehearsal weights, not ImageNet". A rehearsal weight file is never
    taken for ImageNet weights outside a rehearsal.
    """
    from .datasets import download

    name = getattr(constructor, "__name__", str(constructor))
    if getattr(profile, "name", profile) == "smoke" and not download.rehearsal():
        model = constructor(weights=None, **kwargs)
        return model, Weights(False, "random weights (smoke profile: no download)")
    wanted = "ImageNet weights"
    try:
        key = weight_key(name, kwargs.get("include_top", True), kwargs.get("input_shape"))
        if download.mirror():  # the classroom mirror: put the file where Keras looks
            if key is None:  # Keras would download it from its origin, not the mirror
                raise download.DataError(
                    f"no ImageNet weight file of {name} with {kwargs} is on the course's "
                    f"list, so the mirror cannot serve it (COURSE_MIRROR is set)"
                )
            if download.rehearsal():  # download, verify, load by path: no "imagenet" anywhere
                wanted = "rehearsal weights"
                path = download.fetch_weights(key)
                model = constructor(weights=str(path), **kwargs)
                return model, Weights(True, REHEARSAL_WEIGHTS, imagenet=False)
            download.fetch_weights(key)
        if key is not None:
            _refuse_rehearsal_file(download.weights_cache() / download.WEIGHT_REMOTES[key].filename)
        model = constructor(weights=IMAGENET, **kwargs)
        return model, Weights(True, "ImageNet weights", imagenet=True)
    except Exception as e:  # noqa: BLE001 - any download/load failure has the same remedy
        print(
            f"WARNING: {name}: {wanted} could not be loaded ({type(e).__name__}: "
            f"{str(e)[:300]}). Continuing with RANDOM weights: the results below are NOT "
            f"transfer-learning results. Connect to the internet (or put the weights file in "
            f"~/.keras/models/) and re-run.",
            file=sys.stderr,
        )
        model = constructor(weights=None, **kwargs)
        failed = "ImageNet download" if wanted == "ImageNet weights" else "rehearsal weights"
        return model, Weights(False, f"RANDOM weights ({failed} failed)")


def _refuse_rehearsal_file(path) -> None:
    """Raise :class:`~course_utils.errors.DataError` when Keras' cache holds a rehearsal weight
    file under ``path`` (copied there by hand, say): Keras gives some files, such as
    MobileNetV2's, no hash to check, and would load it as ImageNet weights."""
    from .datasets import download

    if path.is_file() and download.rehearsal_mark(path):
        raise download.DataError(
            f"{path} is a rehearsal weight file ({REHEARSAL_WEIGHTS}: random values), not "
            f"Keras' ImageNet weights; it is used only in a rehearsal (COURSE_REHEARSAL=1). "
            f"Delete it, then re-run to download the real file"
        )


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
