"""The lesson set-up: seeds, quiet logs, the profile, the device, and one banner line."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
import tempfile
import warnings

from . import datasets
from .errors import CourseError, ProfileError
from .profiles import LESSONS, Profile, resolve_profile_name

DEFAULT_SEED = 42
_current: Profile | None = None
_run_settings: dict[str, object] = {}


@contextlib.contextmanager
def quiet_stderr():
    """Send what C/C++ code writes to file descriptor 2 to a temporary file for a while.

    TensorFlow's C++ start-up lines ("All log messages before absl::InitializeLog() ...",
    "Could not find cuda drivers ...") are written there whatever ``TF_CPP_MIN_LOG_LEVEL`` says,
    and Jupyter shows them as the first cell's output. If the code inside raises, what was
    captured is written back to stderr before the exception goes on, so no error is lost.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no usable file descriptor 2 (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            if text:
                sys.stderr.write(text)
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras with their C++ start-up lines kept out of the notebook.

    ``import course_utils`` calls this inside Jupyter when TensorFlow is not loaded yet, which
    is why it comes first in every lesson's set-up cell: the banner is then the first thing
    the learner reads. (In a terminal the lines are harmless, and ``python -m course_utils``
    must not load TensorFlow at all, so nothing happens there.)
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return
    with quiet_stderr():
        import keras  # noqa: F401 - imports tensorflow, its backend
        import tensorflow  # noqa: F401


def seed_from_env() -> int:
    """The seed of this run: ``COURSE_SEED`` (an integer) or 42."""
    value = os.environ.get("COURSE_SEED", "").strip()
    if not value:
        return DEFAULT_SEED
    try:
        return int(value)
    except ValueError:
        raise ProfileError(
            f"COURSE_SEED={value!r} is not an integer. Set it to a whole number such as 0, 1 "
            f"or 7 (or unset it for the default {DEFAULT_SEED})."
        ) from None


def threads_from_env() -> int | None:
    """``COURSE_THREADS``: how many CPU threads TensorFlow may use per op (unset: all)."""
    value = os.environ.get("COURSE_THREADS", "").strip()
    if not value:
        return None
    try:
        threads = int(value)
    except ValueError:
        threads = 0
    if threads < 1:
        raise ProfileError(
            f"COURSE_THREADS={value!r} is not a positive whole number. Set it to 1, 2, ... "
            "(or unset it to let TensorFlow use every core)."
        )
    return threads


def deterministic_from_env() -> bool:
    """``COURSE_DETERMINISTIC=1``: TensorFlow's deterministic ops (same result, run after run)."""
    value = os.environ.get("COURSE_DETERMINISTIC", "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ProfileError(f"COURSE_DETERMINISTIC={value!r}: use 1 (on) or 0 (off).")


def configure_tensorflow(threads: int | None, deterministic: bool) -> None:
    """Set TensorFlow's thread pools and op determinism; both must come before the first op.

    Running the set-up cell again in the same kernel with the same values is fine; with other
    values TensorFlow cannot change them any more, and the message says to restart the kernel.
    """
    import tensorflow as tf

    if threads is not None:
        for get, set_ in (
            (
                tf.config.threading.get_intra_op_parallelism_threads,
                tf.config.threading.set_intra_op_parallelism_threads,
            ),
            (
                tf.config.threading.get_inter_op_parallelism_threads,
                tf.config.threading.set_inter_op_parallelism_threads,
            ),
        ):
            if get() == threads:
                continue
            try:
                set_(threads)
            except RuntimeError:
                raise ProfileError(
                    f"COURSE_THREADS={threads} cannot take effect: TensorFlow has started "
                    "already in this kernel. Restart the kernel, then run the set-up cell first."
                ) from None
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    elif _run_settings.get("deterministic"):
        # Turned on by an earlier set-up in this kernel. TensorFlow's public API can only turn
        # it on (tf.config.experimental has no disable_op_determinism in 2.20 or 2.21).
        try:
            from tensorflow.python.framework.config import disable_op_determinism
        except ImportError:
            raise ProfileError(
                "COURSE_DETERMINISTIC is off now, but deterministic ops were turned on earlier "
                "in this kernel and this TensorFlow cannot turn them off. Restart the kernel, "
                "then run the set-up cell."
            ) from None
        disable_op_determinism()


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


def setup(lesson: str | None = None, seed: int | None = None, quiet: bool = False) -> Profile:
    """Prepare a lesson and return its settings ``P``.

    Seeds Python, NumPy and TensorFlow (``keras.utils.set_random_seed``) with ``seed`` or
    ``COURSE_SEED`` (default 42), applies ``COURSE_THREADS`` and ``COURSE_DETERMINISTIC``,
    quiets TensorFlow's logs, chooses the profile (``COURSE_PROFILE``), resolves the lesson's
    data sources (real or stand-in) and prints one banner line saying all of it.
    """
    global _current
    quiet_logs()
    _show_course_errors_briefly()
    if lesson is not None and lesson not in LESSONS:
        raise ProfileError(f"unknown lesson {lesson!r}; lessons are {', '.join(LESSONS)}")
    seed = seed_from_env() if seed is None else int(seed)
    threads, deterministic = threads_from_env(), deterministic_from_env()
    name, reason = resolve_profile_name()  # a typo in COURSE_PROFILE fails before any work
    import_tensorflow_quietly()
    configure_tensorflow(threads, deterministic)
    _run_settings.update(seed=seed, threads=threads, deterministic=deterministic)
    import keras

    keras.utils.set_random_seed(seed)
    info = LESSONS.get(lesson) if lesson else None
    data = {ds: datasets.resolve(ds, name) for ds in (info.datasets if info else ())}
    profile = Profile(name, reason, info, data)
    profile.seed = seed
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
        f"[{lesson}] profile: {profile.name} ({profile.reason}) | {run_description()} | device: "
        f"{device_description()} | {versions()} | data: {data}"
    )


def run_description() -> str:
    """``"seed 42"``, plus the thread count and determinism when they were set."""
    seed = _run_settings.get("seed", seed_from_env())
    parts = [f"seed {seed}"]
    if _run_settings.get("threads"):
        parts.append(f"{_run_settings['threads']} CPU thread(s)")
    if _run_settings.get("deterministic"):
        parts.append("deterministic ops")
    return ", ".join(parts)


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
