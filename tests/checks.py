"""For the unit tests that train a model: the seed to use, and a record of measured values.

``benchmarks/robustness.py`` runs these tests for many seeds (``COURSE_SEED``) and thread counts
(``COURSE_THREADS``); each test takes its seed from :func:`seed` and reports the values its
asserts compare with :func:`record`, so the benchmark can print their margins.
"""

from __future__ import annotations

import json
import os


def seed(default: int = 0) -> int:
    """``COURSE_SEED`` when set (the robustness benchmark sets it), else ``default``."""
    value = os.environ.get("COURSE_SEED", "").strip()
    return int(value) if value else default


def threads() -> None:
    """Apply ``COURSE_THREADS`` to TensorFlow (before its first op), as ``setup()`` does."""
    from course_utils.env import configure_tensorflow, threads_from_env

    configure_tensorflow(threads_from_env(), deterministic=False)


def record(name: str, value: float, threshold: float) -> None:
    """Append ``value >= threshold`` to ``$COURSE_CHECKS_LOG`` (when set) for the benchmark."""
    log = os.environ.get("COURSE_CHECKS_LOG")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps({"name": name, "value": value, "threshold": threshold}) + "\n")
