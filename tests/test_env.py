import os
import subprocess
import sys

import pytest

import course_utils
from course_utils import ProfileError
from course_utils.env import banner, version_table


def test_setup_returns_the_lessons_settings_and_prints_a_banner(data_home, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    P = course_utils.setup("01")
    line = capsys.readouterr().out.strip().splitlines()[0]
    assert P.name == "smoke" and P.epochs >= 1
    for part in ("lesson 01", "profile: smoke", "device: ", "TF 2.", "Keras 3.", "data: "):
        assert part in line, part
    assert P.source("mnist").kind in ("real", "stand-in")
    assert P.source("mnist").kind in line
    assert course_utils.profile() is P


def test_setup_is_seeded(monkeypatch):
    import numpy as np

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    course_utils.setup(quiet=True)
    import random

    import tensorflow as tf

    def draw():
        # The global generators are what the seeding is for, hence the legacy NumPy call.
        return (
            random.random(),
            np.random.rand(3).tolist(),  # noqa: NPY002
            tf.random.uniform((3,)).numpy().tolist(),
        )

    first = draw()
    course_utils.setup(quiet=True)
    assert draw() == first


def test_standin_outside_smoke_warns_loudly(data_home, monkeypatch, capsys):
    from course_utils.datasets import DataSource

    standin = DataSource("mnist", "stand-in", "generated digits", "", "generated", note="x")
    monkeypatch.setitem(course_utils.datasets.RESOLVERS, "mnist", lambda profile: standin)
    monkeypatch.setenv("COURSE_PROFILE", "cpu")
    course_utils.setup("01")
    out = capsys.readouterr().out
    assert "WARNING" in out and "STAND-IN" in out


def test_unknown_lesson_and_profile(monkeypatch):
    with pytest.raises(ProfileError, match="unknown lesson"):
        course_utils.setup("99")
    monkeypatch.setenv("COURSE_PROFILE", "gpu")
    with pytest.raises(ProfileError, match="not a profile"):
        course_utils.setup("01")


def test_course_errors_show_as_a_message_in_jupyter(monkeypatch, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    course_utils.env._show_course_errors_briefly()
    shell.run_cell("import course_utils\nraise course_utils.ProfileError('use smoke, cpu or full')")
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "ProfileError: use smoke, cpu or full" in text
    assert "Traceback" not in text
    InteractiveShell.clear_instance()


def test_banner_names_a_standin(monkeypatch):
    from course_utils.datasets import DataSource
    from course_utils.profiles import LESSONS, Profile

    source = DataSource("mnist", "stand-in", "generated digits", "", "generated")
    text = banner(Profile("smoke", "why", LESSONS["01"], {"mnist": source}))
    assert "generated digits - stand-in" in text and "profile: smoke (why)" in text


def test_version_table_compares_with_the_pins(monkeypatch):
    """Each status from its own case: equal (as versions: 2.21 == 2.21.0), newer, older (as
    versions, not strings: 3.9 < 3.15), missing."""
    from importlib import metadata

    import course_utils.pins

    pins = {"equal": "2.21.0", "newer": "3.15.1", "older": "3.15.1", "missing": "1.0"}
    installed = {"equal": "2.21", "newer": "3.16.0", "older": "3.9.2"}

    def version(package):
        if package not in installed:
            raise metadata.PackageNotFoundError(package)
        return installed[package]

    monkeypatch.setattr(course_utils.pins, "PINS", pins)
    monkeypatch.setattr(metadata, "version", version)
    rows = {r["package"]: r for r in version_table()}
    assert {name: row["status"] for name, row in rows.items()} == {
        "equal": "ok",
        "newer": "newer",
        "older": "older",
        "missing": "missing",
    }
    assert rows["missing"]["installed"] == "-" and rows["older"]["installed"] == "3.9.2"


def test_version_table_of_this_environment_matches_the_pins():
    """`make install` installs the pins: every package of this environment is ok."""
    rows = {r["package"]: r for r in version_table()}
    assert rows["tensorflow"]["pinned"] == "2.21.0"
    assert {r["status"] for r in rows.values()} == {"ok"}, rows


@pytest.fixture(scope="module")
def fresh_process():
    """One fresh Python (TensorFlow costs ~6 s of CPU per process start), as a learner's first
    cells run it, with COURSE_THREADS=1 and COURSE_DETERMINISTIC=1: `import course_utils`
    alone, then two modules that need TensorFlow, then the set-up cell. Its output, line by line."""
    code = (
        "import sys, course_utils; print('tensorflow' in sys.modules); "
        "print(course_utils.models.__name__, course_utils.interpret.__name__); "
        "print('tensorflow' in sys.modules); "
        "import tensorflow as tf; P = course_utils.setup('00'); "
        "print(tf.config.threading.get_intra_op_parallelism_threads(),"
        " tf.config.threading.get_inter_op_parallelism_threads()); "
        "import tensorflow.python.framework.config as c; print(c.is_op_determinism_enabled())"
    )
    env = {
        **os.environ,
        "COURSE_PROFILE": "smoke",
        "COURSE_THREADS": "1",
        "COURSE_DETERMINISTIC": "1",
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()


def test_heavy_modules_load_on_first_use(fresh_process):
    before, modules, after = fresh_process[:3]
    assert before == "False", "import course_utils imported TensorFlow"
    assert modules == "course_utils.models course_utils.interpret"
    assert after == "True"


def test_course_seed_sets_the_seed_and_the_banner_says_it(data_home, monkeypatch, capsys):
    import numpy as np

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setenv("COURSE_SEED", "7")
    # whatever the caller's environment: with COURSE_THREADS or COURSE_DETERMINISTIC set the
    # banner says "seed 7, 1 CPU thread(s)" and so on
    monkeypatch.delenv("COURSE_THREADS", raising=False)
    monkeypatch.delenv("COURSE_DETERMINISTIC", raising=False)
    P = course_utils.setup("00")
    first = np.random.rand(3)  # noqa: NPY002 - the global generator is what setup() seeds
    assert P.seed == 7 and "| seed 7 |" in capsys.readouterr().out
    monkeypatch.setenv("COURSE_SEED", "8")
    course_utils.setup("00", quiet=True)
    assert not np.allclose(np.random.rand(3), first)  # noqa: NPY002
    monkeypatch.delenv("COURSE_SEED")
    assert course_utils.setup("00", quiet=True).seed == 42


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("COURSE_SEED", "forty-two", "not an integer"),
        ("COURSE_THREADS", "0", "positive whole number"),
        ("COURSE_THREADS", "two", "positive whole number"),
        ("COURSE_DETERMINISTIC", "maybe", "use 1"),
    ],
)
def test_bad_run_settings_say_what_to_do(monkeypatch, variable, value, message):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ProfileError, match=message):
        course_utils.setup("00", quiet=True)


def test_threads_and_determinism_reach_tensorflow(fresh_process):
    banner, threads, deterministic = fresh_process[3:]
    assert "seed 42, 1 CPU thread(s), deterministic ops" in banner
    assert threads == "1 1" and deterministic == "True"


def test_quiet_stderr_hides_fd_output_and_gives_it_back_on_error(capfd):
    from course_utils.env import quiet_stderr

    with quiet_stderr():
        os.write(2, b"C++ start-up noise\n")
    assert "noise" not in capfd.readouterr().err
    with pytest.raises(ImportError), quiet_stderr():
        os.write(2, b"why the import failed\n")
        raise ImportError("broken")
    assert "why the import failed" in capfd.readouterr().err
    os.write(2, b"fd 2 works again\n")
    assert "fd 2 works again" in capfd.readouterr().err


def test_deterministic_ops_turn_off_again_in_the_same_kernel(data_home, monkeypatch):
    """COURSE_DETERMINISTIC=1, then unset, then the set-up cell again: ops are no longer
    deterministic (this raised AttributeError: TensorFlow 2.21 has no public way back)."""
    from tensorflow.python.framework.config import is_op_determinism_enabled

    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    monkeypatch.delenv("COURSE_THREADS", raising=False)
    monkeypatch.setenv("COURSE_DETERMINISTIC", "1")
    try:
        course_utils.setup("00", quiet=True)
        assert is_op_determinism_enabled()
        monkeypatch.delenv("COURSE_DETERMINISTIC")
        course_utils.setup("00", quiet=True)
        assert not is_op_determinism_enabled()
    finally:
        monkeypatch.delenv("COURSE_DETERMINISTIC", raising=False)
        course_utils.setup("00", quiet=True)  # leave this test process as it found it
