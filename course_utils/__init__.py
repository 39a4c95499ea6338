"""Helpers for the course on convolutional networks with Keras 3 on TensorFlow.

Plumbing only (settings, data, plots); each lesson's subject stays in its notebook.
Every lesson starts with::

    import course_utils  # first: TensorFlow then starts without its C++ start-up lines

    import keras
    ...
    P = course_utils.setup("01")
"""

import os as _os
import sys as _sys

# Quiets TensorFlow's C++ logs when course_utils is imported before TensorFlow (`make lab` and
# the tests also set it in the environment).
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from . import datasets, env, paths, plots, profiles, training  # noqa: E402
from .env import banner, device_description, profile, setup  # noqa: E402
from .errors import CourseError, DataDirError, DataError, ProfileError  # noqa: E402
from .paths import data_dir  # noqa: E402
from .profiles import LESSONS, PROFILE_NAMES, Profile  # noqa: E402

__version__ = "0.1.0"

# In a Jupyter kernel, start TensorFlow now with its C++ start-up lines kept out of the cell's
# output (they are written to the process's stderr, which Jupyter shows). Elsewhere (the CLI,
# scripts, tests) TensorFlow still loads only on first use.
if "ipykernel" in _sys.modules:
    env.import_tensorflow_quietly()

# Loaded on first use (they import TensorFlow; `python -m course_utils data` must not).
_LAZY = ("exercises", "interpret", "models", "pipelines", "pretrained")


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


__all__ = [
    "datasets",
    "env",
    "paths",
    "plots",
    "profiles",
    "training",
    "CourseError",
    "DataDirError",
    "DataError",
    "ProfileError",
    "LESSONS",
    "PROFILE_NAMES",
    "Profile",
    "banner",
    "data_dir",
    "device_description",
    "profile",
    "setup",
]
