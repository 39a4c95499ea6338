"""The command line: `data` is quick and TensorFlow-free, `fetch` fails fast offline."""

from __future__ import annotations

import subprocess
import sys
import time

from course_utils import cli
from course_utils.datasets import download


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "course_utils", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_data_lists_sources_without_tensorflow(data_home, monkeypatch):
    (data_home / "standins" / "pets-v1-64px-n4-s1").mkdir(parents=True)
    code = (
        "import sys; from course_utils.cli import main; rc = main(['data']); "
        "assert 'tensorflow' not in sys.modules, 'data imported tensorflow'; sys.exit(rc)"
    )
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 10
    out = result.stdout
    assert f"data folder: {data_home} (COURSE_DATA_DIR)" in out
    assert "pets-v1-64px-n4-s1" in out
    for name in ("cats_vs_dogs", "cats_vs_dogs_tfds", "pets", "celeba"):
        assert f"  {name}: smoke -> " in out and "stand-in" in out


def test_fetch_offline_exits_2_quickly(data_home, monkeypatch, capsys):
    monkeypatch.setattr(download, "reachable", lambda *a, **k: False)
    start = time.monotonic()
    assert cli.main(["fetch", "pets"]) == 2
    assert time.monotonic() - start < 5
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach thor.robots.ox.ac.uk") and "by hand" in err


def test_fetch_all_reports_each_failure(data_home, monkeypatch, capsys):
    monkeypatch.setattr(download, "reachable", lambda *a, **k: False)
    monkeypatch.setattr(cli, "FETCH_ALL", ("pets", "celeba"))
    assert cli.main(["fetch", "--all"]) == 2
    err = capsys.readouterr().err
    assert (
        "pets: FAILED" in err and "celeba: FAILED" in err and "could not fetch pets, celeba" in err
    )


def test_bad_data_dir_is_a_course_error(tmp_path):
    import os

    env = dict(os.environ, COURSE_DATA_DIR=str(tmp_path / "typo"))
    result = run("data", env=env)
    assert result.returncode == 2
    assert "is not an existing folder" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors():
    result = run("fetch", "imagenet")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_fetch_cats_vs_dogs_tfds_offline_says_what_to_do(data_home, monkeypatch, capsys):
    """`fetch cats_vs_dogs_tfds` goes through the lesson's own route (the course's zip or the
    mirror first, then tfds); offline it stops within seconds and names the file to copy."""
    from course_utils.datasets import cats_vs_dogs

    monkeypatch.setattr(cats_vs_dogs, "reachable", lambda *a, **k: False)
    assert cli.main(["fetch", "cats_vs_dogs_tfds"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach download.microsoft.com" in err and "kagglecatsanddogs_5340.zip" in err
