"""Profiles: one switch (``COURSE_PROFILE``) that scales every lesson.

* ``smoke`` - CI and quick checks: stand-in or small local data, 1-2 epochs; never uses the network.
* ``cpu``   - a learner without a GPU: real data, smaller sizes/epochs, <= ~10 min per lesson.
* ``full``  - the source material's scale; a GPU is recommended.

Unset: ``full`` when TensorFlow sees a GPU, else ``cpu``. Each lesson reads all its sizes from
the one object ``P`` that ``course_utils.setup()`` returns, e.g. ``P.epochs``; the table of
values per lesson and profile is :data:`LESSONS` below, so there are no test-only branches in
the notebooks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ProfileError

PROFILE_NAMES = ("smoke", "cpu", "full")

PROFILE_HELP = {
    "smoke": "CI/quick check: stand-in or small local data, 1-2 epochs, never uses the network",
    "cpu": "learner without GPU: real data, smaller sizes, each lesson <= ~10 min on 2 cores",
    "full": "the source material's scale (GPU recommended)",
}


@dataclass(frozen=True)
class Lesson:
    """One lesson: its number, notebook name, the data sets it uses and its settings per profile."""

    number: str
    slug: str
    title: str
    datasets: tuple[str, ...] = ()
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def notebook(self) -> str:
        return f"{self.number}_{self.slug}.ipynb"


def _same(**values: Any) -> dict[str, dict[str, Any]]:
    """The same settings in every profile."""
    return {name: dict(values) for name in PROFILE_NAMES}


# Sizes, epochs and check thresholds of every lesson, per profile. Thresholds are well above
# chance and lower than what the profile measured (see each lesson's check cell for the reason).
LESSONS: dict[str, Lesson] = {
    "00": Lesson("00", "setup", "Setup check", settings=_same()),
    "01": Lesson(
        "01",
        "mnist_convnet",
        "MNIST convnet: convolution, padding, stride, pooling",
        datasets=("mnist",),
        settings={
            # 10 classes: chance is 0.10. The smoke run sees 12,000 images twice (measured, 2 seeds:
            # 0.74-0.79 on Fashion-MNIST, 0.99 on the digits stand-in).
            "smoke": dict(
                train_samples=12_000,
                test_samples=2_000,
                epochs=2,
                batch_size=64,
                min_test_accuracy=0.60,
            ),
            "cpu": dict(
                train_samples=None,
                test_samples=None,
                epochs=3,
                batch_size=64,
                min_test_accuracy=0.85,
            ),
            "full": dict(
                train_samples=None,
                test_samples=None,
                epochs=5,
                batch_size=64,
                min_test_accuracy=0.85,
            ),
        },
    ),
    "02": Lesson("02", "cats_vs_dogs_from_scratch", "Cats vs dogs from scratch", ("cats_vs_dogs",)),
    "03": Lesson("03", "data_augmentation", "Data augmentation", ("cats_vs_dogs",)),
    "04": Lesson(
        "04",
        "transfer_learning_vgg16",
        "VGG16 feature extraction and fine-tuning",
        ("cats_vs_dogs",),
    ),
    "05": Lesson(
        "05",
        "transfer_learning_mobilenetv2",
        "MobileNetV2 transfer learning",
        ("cats_vs_dogs_tfds",),
    ),
    "06": Lesson("06", "image_segmentation", "Image segmentation (Oxford-IIIT pets)", ("pets",)),
    "07": Lesson("07", "architecture_patterns", "Modern architecture patterns", ("cats_vs_dogs",)),
    "08": Lesson("08", "celeba_gender", "CelebA gender classification", ("celeba",)),
    "09": Lesson(
        "09",
        "interpretability",
        "Interpretability: activations, filters, Grad-CAM",
        ("cats_vs_dogs",),
    ),
}


def resolve_profile_name(value: str | None = None, has_gpu: bool | None = None) -> tuple[str, str]:
    """Return ``(name, reason)`` for the profile to use.

    ``value`` defaults to ``$COURSE_PROFILE``. When it is empty, ``has_gpu`` decides (``full``
    with a GPU, ``cpu`` without); pass it to avoid importing TensorFlow here.
    """
    if value is None:
        value = os.environ.get("COURSE_PROFILE", "")
    value = value.strip().lower()
    if value:
        if value not in PROFILE_NAMES:
            raise ProfileError(
                f"COURSE_PROFILE={value!r} is not a profile. Use one of: "
                + ", ".join(f"{n} ({PROFILE_HELP[n]})" for n in PROFILE_NAMES)
                + ". Or unset it to choose automatically."
            )
        return value, f"COURSE_PROFILE={value}"
    if has_gpu is None:
        from .env import gpu_names

        has_gpu = bool(gpu_names())
    if has_gpu:
        return "full", "COURSE_PROFILE unset and a GPU is present"
    return "cpu", "COURSE_PROFILE unset and no GPU found"


class Profile:
    """The settings one lesson reads: ``P.name``, ``P.epochs``, ``P.data['mnist']`` ...

    Settings are attributes (``P.batch_size``); an unknown name raises a
    :class:`~course_utils.errors.ProfileError` that lists the known ones.
    """

    def __init__(
        self,
        name: str,
        reason: str = "",
        lesson: Lesson | None = None,
        data: Mapping[str, Any] | None = None,
    ):
        if name not in PROFILE_NAMES:
            raise ProfileError(f"unknown profile {name!r}; use one of {', '.join(PROFILE_NAMES)}")
        self.name = name
        self.reason = reason
        self.lesson = lesson
        self.settings: dict[str, Any] = dict(lesson.settings.get(name, {})) if lesson else {}
        self.data: dict[str, Any] = dict(data or {})

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        settings = self.__dict__.get("settings", {})
        if key in settings:
            return settings[key]
        known = ", ".join(sorted(settings)) or "none"
        where = f"lesson {self.lesson.number}" if self.__dict__.get("lesson") else "this profile"
        raise ProfileError(f"{where} has no setting {key!r} (known: {known})")

    @property
    def is_smoke(self) -> bool:
        return self.name == "smoke"

    @property
    def uses_network(self) -> bool:
        """False in ``smoke``: nothing in that profile may download."""
        return self.name != "smoke"

    def source(self, dataset: str | None = None):
        """The resolved :class:`~course_utils.datasets.DataSource` of a data set of this lesson."""
        if dataset is None:
            if len(self.data) != 1:
                raise ProfileError(f"say which data set: {', '.join(self.data) or 'none resolved'}")
            return next(iter(self.data.values()))
        try:
            return self.data[dataset]
        except KeyError:
            raise ProfileError(
                f"data set {dataset!r} is not one this lesson resolved ({', '.join(self.data)})"
            ) from None

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"Profile({self.name!r}, {items})"
