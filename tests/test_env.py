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


def test_version_table_compares_with_the_pins():
    rows = {r["package"]: r for r in version_table()}
    assert rows["tensorflow"]["pinned"] == "2.21.0"
    assert rows["keras"]["status"] in ("ok", "newer", "older")
    assert all(r["status"] in ("ok", "newer", "older", "missing") for r in rows.values())


def test_heavy_modules_load_on_first_use():
    import subprocess
    import sys

    code = (
        "import sys, course_utils; assert 'tensorflow' not in sys.modules, 'eager TF import'; "
        "print(course_utils.models.__name__, course_utils.interpret.__name__); "
        "assert 'tensorflow' in sys.modules"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "course_utils.models course_utils.interpret" in out.stdout
