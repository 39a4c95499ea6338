"""The lesson set-up: seeds, quiet logs, the profile, the device, and one banner line."""

from __future__ import annotations

import logging
import os
import platform
import sys
import warnings

from . import datasets
from .errors import CourseError, ProfileError
from .profiles import LESSONS, Profile, resolve_profile_name

DEFAULT_SEED = 42
_current: Profile | None = None


def quiet_logs() -> None:
    """Silence TensorFlow's Python and C++ info/warning logs as far as they can be.

    ``TF_CPP_MIN_LOG_LEVEL`` only works when set before TensorFlow loads, which is why
    ``import course_utils`` comes first in every lesson. A few C++ lines at import time
    (CPU instruction notices) are printed whatever the setting.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    # Noise from libraries below us, not from the learner's code:
    warnings.filterwarnings(
        "ignore",
        category=DeprecationWarning,
        module=r"(tensorflow|keras|google|jupyter_client|tensorflow_datasets).*",
    )
    warnings.filterwarnings("ignore", message=r".*np\.find_common_type.*")
    # Keras 3.15 warns on every fit() over a tf.data dataset although nobody passed shuffle.
    warnings.filterwarnings("ignore", message=r"`shuffle=True` was passed, but will be ignored")


def gpu_names() -> list[str]:
    """Names of the GPUs TensorFlow can use (empty list on CPU)."""
    import tensorflow as tf

    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except Exception:  # noqa: BLE001 - details are optional
            details = {}
        names.append(details.get("device_name", gpu.name))
    return names


def device_description() -> str:
    """``"GPU: NVIDIA H100"`` or ``"CPU: 2 cores (no GPU)"``."""
    gpus = gpu_names()
    if gpus:
        return "GPU: " + ", ".join(gpus)
    return f"CPU: {os.cpu_count()} cores, {platform.machine()} (no GPU)"


def versions() -> str:
    import keras
    import tensorflow as tf

    return f"TF {tf.__version__} / Keras {keras.__version__} / Python {platform.python_version()}"


def _show_course_errors_briefly() -> None:
    """In Jupyter, show a CourseError as its message (what to do), not as a traceback."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is None:
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        print(f"{etype.__name__}: {value}", file=sys.stderr)
        return None

    ip.set_custom_exc((CourseError,), handler)


def setup(lesson: str | None = None, seed: int = DEFAULT_SEED, quiet: bool = False) -> Profile:
    """Prepare a lesson and return its settings ``P``.

    Seeds Python, NumPy and TensorFlow (``keras.utils.set_random_seed``), quiets TensorFlow's
    logs, chooses the profile (``COURSE_PROFILE``), resolves the lesson's data sources (real or
    stand-in) and prints one banner line saying all of it.
    """
    global _current
    quiet_logs()
    _show_course_errors_briefly()
    if lesson is not None and lesson not in LESSONS:
        raise ProfileError(f"unknown lesson {lesson!r}; lessons are {', '.join(LESSONS)}")
    import keras

    keras.utils.set_random_seed(seed)
    name, reason = resolve_profile_name()
    info = LESSONS.get(lesson) if lesson else None
    data = {ds: datasets.resolve(ds, name) for ds in (info.datasets if info else ())}
    profile = Profile(name, reason, info, data)
    _current = profile
    if not quiet:
        print(banner(profile))
        for source in data.values():
            if source.is_standin and name != "smoke":
                print(
                    f"WARNING: {source.dataset}: the real data could not be loaded, so this run "
                    f"uses a STAND-IN ({source.describe()}). Its numbers are not the "
                    f"real data set's. Run `python -m course_utils data` to see why."
                )
    return profile


def banner(profile: Profile) -> str:
    """One line: lesson, profile and why, device, versions, data source(s)."""
    lesson = (
        f"lesson {profile.lesson.number} ({profile.lesson.title})" if profile.lesson else "course"
    )
    data = "; ".join(s.describe() for s in profile.data.values()) or "none"
    return (
        f"[{lesson}] profile: {profile.name} ({profile.reason}) | device: "
        f"{device_description()} | {versions()} | data: {data}"
    )


def profile() -> Profile:
    """The profile of the last ``setup()`` (or a fresh one without lesson settings)."""
    if _current is not None:
        return _current
    name, reason = resolve_profile_name()
    return Profile(name, reason)


def version_table() -> list[dict[str, str]]:
    """Installed versions of the course's packages next to the pinned ones.

    ``status`` is ``ok`` (equal), ``newer``/``older`` (installed differs: usually fine, but
    not what the course was tested with) or ``missing``.
    """
    from importlib.metadata import PackageNotFoundError, version

    from packaging.version import Version

    from .pins import PINS

    rows = []
    for package, pinned in PINS.items():
        try:
            installed = version(package)
        except PackageNotFoundError:
            rows.append(
                {"package": package, "pinned": pinned, "installed": "-", "status": "missing"}
            )
            continue
        if Version(installed) == Version(pinned):
            status = "ok"
        else:
            status = "newer" if Version(installed) > Version(pinned) else "older"
        rows.append(
            {"package": package, "pinned": pinned, "installed": installed, "status": status}
        )
    return rows
