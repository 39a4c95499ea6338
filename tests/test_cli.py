"""The command line: `data` is quick and TensorFlow-free, `fetch` fails fast offline."""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

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
    lines = {line.split(":")[0].strip(): line for line in out.splitlines() if "smoke -> " in line}
    for name in ("cats_vs_dogs", "cats_vs_dogs_tfds", "pets", "celeba"):
        # an empty data folder: in smoke each of these uses its stand-in, on its own line
        assert " - stand-in" in lines[name], lines[name]
    # MNIST: Debian's Fashion-MNIST where this machine has it, else the stand-in
    assert " - stand-in" in lines["mnist"] or "Fashion-MNIST - real" in lines["mnist"]


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


@pytest.fixture
def unanswered_port():
    """A port on 127.0.0.1 whose listen queue is full: a connection to it neither opens nor is
    refused, it waits, as to a host behind a firewall that drops packets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))  # takes the queue's one place
    yield port
    filler.close()
    server.close()


def test_fetch_gives_up_after_the_real_3_second_check(data_home, unanswered_port):
    """Offline, `fetch` must not hang: the real reachability check (no patching) waits its 3 s
    for a mirror that does not answer, then the command says what to do and exits 2."""
    env = {**os.environ, "COURSE_MIRROR": f"http://127.0.0.1:{unanswered_port}"}
    start = time.monotonic()
    result = run("fetch", "pets", env=env)
    elapsed = time.monotonic() - start
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        f"error: cannot reach the mirror http://127.0.0.1:{unanswered_port}"
    )
    assert "by hand" in result.stderr and "Traceback" not in result.stderr
    # The check really waited (3 s) and the command gave up soon after (with TensorFlow-free
    # imports, the process starts in about a second).
    assert 3.0 <= elapsed < 30, elapsed


def test_fetch_and_fetch_all_succeed_through_a_mirror(
    rehearsal_files, data_home, tmp_path, monkeypatch, capsys
):
    """The success branches: one data set, then --all, from a rehearsal mirror on 127.0.0.1;
    each says where its data is ready and the command exits 0."""
    from course_utils import mirror

    server = mirror.start(rehearsal_files, port=0, rehearsal=True, log_stream=io.StringIO())
    try:
        monkeypatch.setenv("COURSE_MIRROR", server.url)
        monkeypatch.setenv("COURSE_REHEARSAL", "1")
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
        download._mirror_manifest.cache_clear()
        download.reachable.cache_clear()
        assert cli.main(["fetch", "pets"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"pets: ready in {data_home}")
        assert (data_home / "oxford_iiit_pet" / "annotations" / "trimaps").is_dir()
        from course_utils.datasets import cats_vs_dogs

        # the small rehearsal zip holds fewer pictures than the book's 1000/500/500 per class
        monkeypatch.setattr(cats_vs_dogs, "DEFAULT_SIZES", (10, 5, 5))
        monkeypatch.setattr(cli, "FETCH_ALL", ("mnist", "cats_vs_dogs", "pets", "celeba"))
        assert cli.main(["fetch", "--all"]) == 0
        out = capsys.readouterr().out
        for name in cli.FETCH_ALL:
            assert f"\n{name}: ready in " in f"\n{out}", out
        assert (tmp_path / "keras" / "datasets" / "mnist.npz").is_file()
    finally:
        server.shutdown()
        server.server_close()
        download._mirror_manifest.cache_clear()
        download.reachable.cache_clear()


def test_mirror_serve_as_an_instructor_types_it(rehearsal_files, data_home, tmp_path):
    """`python -m course_utils mirror serve --port 0`: lists the data folder's downloads and
    the ImageNet weight files in Keras' cache, serves them, and stops on Ctrl+C."""
    import shutil
    import signal
    import urllib.request

    shutil.copy(rehearsal_files / "mnist.npz", data_home / "mnist.npz")
    models = tmp_path / "keras" / "models"
    models.mkdir(parents=True)
    weight_file = download.WEIGHT_REMOTES["mobilenet_v2_96_notop"].filename
    (models / weight_file).write_bytes(b"\x89HDF\r\n\x1a\n not really weights")
    env = {**os.environ, "KERAS_HOME": str(tmp_path / "keras"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "course_utils", "mirror", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        lines = []
        while not any(line.startswith("learners: export COURSE_MIRROR=") for line in lines):
            line = process.stdout.readline()
            assert line, f"mirror serve ended: {process.stderr.read()}"
            lines.append(line)
        assert lines[0].startswith("serving 2 files") and str(data_home) in lines[0]
        url = lines[0].split(" at ")[1].strip()
        assert any(weight_file in line for line in lines) and any("mnist.npz" in ln for ln in lines)
        with urllib.request.urlopen(f"{url}/manifest.json", timeout=10) as response:
            names = {f["name"] for f in json.loads(response.read())["files"]}
        assert names == {"mnist.npz", weight_file}
        with urllib.request.urlopen(f"{url}/{weight_file}", timeout=10) as response:
            assert response.read() == (models / weight_file).read_bytes()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out.strip().endswith("stopped") and "Traceback" not in err


def test_a_data_folder_that_cannot_be_written_is_a_course_error(tmp_path):
    """`COURSE_DATA_DIR` on a read-only file system (as root, file modes do not stop writes;
    a read-only mount does): exit 2 with what to do, no traceback."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    command = [sys.executable, "-m", "course_utils", "data"]
    env = dict(os.environ, COURSE_DATA_DIR=str(folder))
    if os.geteuid() == 0:
        if not shutil.which("unshare"):
            pytest.skip("running as root without `unshare`: no way to make a read-only folder")
        script = f"mount -t tmpfs -o ro none {folder} && exec {' '.join(command)}"
        command = ["unshare", "--mount", "sh", "-c", script]
    else:
        folder.chmod(0o500)
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    if os.geteuid() == 0 and "mount" in result.stderr and "denied" in result.stderr.lower():
        pytest.skip(f"this machine does not let root mount a tmpfs: {result.stderr.strip()}")
    assert result.returncode == 2, result.stderr
    assert "is not writable" in result.stderr and "Traceback" not in result.stderr
