"""Course data sets: a real loader and an offline stand-in for each, always labeled.

:func:`resolve` decides, per data set and profile, which source a lesson will use;
``course_utils.setup()`` calls it so the banner can say so before anything is loaded.
Nothing here imports TensorFlow; the loaders do when they are called.
"""

from __future__ import annotations

from collections.abc import Callable

from . import cats_vs_dogs, celeba, mnist, pets
from .source import REAL, REHEARSAL, STANDIN, DataSource

#: data set name -> function(profile name) -> DataSource
RESOLVERS: dict[str, Callable[[str], DataSource]] = {
    "mnist": mnist.resolve,
    "cats_vs_dogs": cats_vs_dogs.resolve,
    "cats_vs_dogs_tfds": cats_vs_dogs.resolve_tfds,
    "pets": pets.resolve,
    "celeba": celeba.resolve,
}


def resolve(dataset: str, profile: str) -> DataSource:
    """The source ``dataset`` will come from in ``profile`` (real or stand-in)."""
    try:
        resolver = RESOLVERS[dataset]
    except KeyError:
        raise KeyError(
            f"no loader for data set {dataset!r}; known: {', '.join(RESOLVERS)}"
        ) from None
    return resolver(profile)


__all__ = [
    "DataSource",
    "REAL",
    "REHEARSAL",
    "STANDIN",
    "RESOLVERS",
    "resolve",
    "cats_vs_dogs",
    "celeba",
    "mnist",
    "pets",
]
