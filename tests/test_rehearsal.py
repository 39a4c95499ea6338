"""Rehearsal data: the real sources' exact formats, filled with stand-in pictures."""

from __future__ import annotations

import re
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from course_utils import rehearsal
from course_utils.datasets import images


@pytest.fixture
def files(rehearsal_files):
    return rehearsal_files


def test_microsoft_archive_has_the_real_layout_and_its_troubles(files):
    with zipfile.ZipFile(files / "kagglecatsanddogs_5340.zip") as zf:
        names = zf.namelist()
        assert "PetImages/Cat/0.jpg" in names and "PetImages/Dog/39.jpg" in names
        assert "PetImages/Cat/Thumbs.db" in names and "readme[1].txt" in names
        assert zf.read("PetImages/Cat/7.jpg") == b""  # zero bytes
        checks = {n: images.check_bytes(zf.read(n), n) for n in names if n.endswith(".jpg")}
    unusable = sorted(n for n, c in checks.items() if not c.usable)
    assert unusable == [
        "PetImages/Cat/11.jpg", "PetImages/Cat/13.jpg", "PetImages/Cat/7.jpg",
        "PetImages/Dog/11.jpg", "PetImages/Dog/7.jpg",
    ]  # fmt: skip
    with zipfile.ZipFile(files / "kagglecatsanddogs_5340.zip") as zf:
        warned = zf.read("PetImages/Cat/17.jpg")
    assert checks["PetImages/Cat/17.jpg"].usable  # decodes, but with extraneous bytes:
    assert warned[-34:-2] == bytes(range(1, 33)) and warned.endswith(b"\xff\xd9")
    # tfds 4.9.10 raises unless it drops exactly 1,738 pictures (no JFIF header); the course
    # keeps the camera JPEGs among them (they decode)
    with zipfile.ZipFile(files / "kagglecatsanddogs_5340.zip") as zf:
        pictures = {
            n: zf.read(n) for n in names if re.fullmatch(r"PetImages/(Cat|Dog)/\d+\.jpg", n)
        }
    dropped = [n for n, data in pictures.items() if rehearsal.tfds_drops(data)]
    assert len(dropped) == rehearsal.TFDS_DROPPED == 1738
    assert checks["PetImages/Dog/12500.jpg"].usable and "PetImages/Dog/12500.jpg" in dropped


def test_a_kept_rehearsal_folder_of_another_version_is_rebuilt(tmp_path, monkeypatch):
    folder = tmp_path / "sources"
    folder.mkdir()
    for name in rehearsal.FILES:
        (folder / name).write_bytes(b"old")
    (folder / "REHEARSAL.txt").write_text(
        "rehearsal data (real formats, stand-in pictures): scale small, seed 0\n"  # version 1
    )
    written = []
    for part in ("_microsoft_zip", "_filtered_zip", "_pets_tars", "_celeba", "_mnist"):
        monkeypatch.setattr(rehearsal, part, lambda *a, part=part: written.append(part))
    rehearsal.build(folder, "small")
    assert (
        len(written) == 5
        and f"version {rehearsal.VERSION}" in (folder / "REHEARSAL.txt").read_text()
    )


def test_pets_archives_are_plain_tar_with_the_real_members(files):
    with open(files / "images.tar.gz", "rb") as f:
        head = f.read(512)
    assert head[257:262] == b"ustar" and not head.startswith(b"\x1f\x8b")  # named .gz, plain tar
    with tarfile.open(files / "annotations.tar.gz") as tar:
        names = tar.getnames()
        listing = tar.extractfile("annotations/list.txt").read().decode().splitlines()
    assert listing[0].startswith("#Image CLASS-ID SPECIES BREED ID") and len(listing) == 6 + 40
    assert "annotations/trimaps/Abyssinian_1.png" in names
    assert "annotations/trimaps/._Abyssinian_1.png" in names
    assert any(n.startswith("annotations/xmls/") for n in names)
    with tarfile.open(files / "images.tar.gz") as tar:
        image_names = tar.getnames()
    assert (
        "images/Abyssinian_100.mat" in image_names
        and "images/american_bulldog_1.jpg" in image_names
    )


def test_celeba_and_mnist_files(files):
    lines = (files / "list_attr_celeba.txt").read_text().splitlines()
    assert lines[0] == "60" and lines[1].split()[20] == "Male" and lines[2].startswith("000001.jpg")
    with zipfile.ZipFile(files / "img_align_celeba.zip") as zf:
        assert len(zf.namelist()) == 60 and zf.namelist()[0] == "img_align_celeba/000001.jpg"
    with np.load(files / "mnist.npz") as npz:
        assert npz["x_train"].shape == (600, 28, 28) and npz["x_train"].dtype == np.uint8
        assert set(np.unique(npz["y_test"])) == set(range(10))
    assert "rehearsal data" in (files / "REHEARSAL.txt").read_text()


def test_rehearse_runs_lessons_in_order_in_fresh_folders_and_goes_on_after_a_failure(
    rehearsal_files, tmp_path, monkeypatch
):
    """tools/rehearse.py (make rehearsal) on two tiny lessons: the first fails, the second
    still runs and finds the rehearsal mirror, an empty fresh data folder and a fresh HOME;
    SUMMARY.md has a row each (result, seconds, peak memory, banner); one failure counted."""
    import nbformat
    from tool_modules import load_tool

    rehearse = load_tool("rehearse")
    monkeypatch.setattr(rehearsal, "build", lambda folder, scale: rehearsal_files)
    first = (
        "import os\n"
        "print('[lesson 98 (fails)] profile: ' + os.environ['COURSE_PROFILE'])\n"
        "open(os.path.join(os.environ['COURSE_DATA_DIR'], 'from-98.txt'), 'w').close()\n"
        "raise ValueError('boom')"
    )
    second = (
        "import json, os, urllib.request\n"
        "with urllib.request.urlopen(os.environ['COURSE_MIRROR'] + '/manifest.json') as r:\n"
        "    assert json.load(r)['rehearsal'] and os.environ['COURSE_REHEARSAL'] == '1'\n"
        f"assert os.environ['HOME'] != {str(Path.home())!r}\n"
        "assert os.listdir(os.environ['COURSE_DATA_DIR']) == ['from-98.txt']  # one folder\n"
        "print('[lesson 99 (passes)] data: rehearsal')\n"
        # 300 MB in the kernel while a subprocess holds 300 MB more: the peak is their sum.
        # Both also read the same 300 MB file through a memory map (shared pages, like
        # TensorFlow's libraries in lesson 10's kernel and workers): counted once, not twice.
        "import mmap, subprocess, sys\n"
        "held = bytearray(300 * 2**20)\n"
        "shared = os.path.join(os.environ['COURSE_DATA_DIR'], 'shared.bin')\n"
        "with open(shared, 'wb') as f:\n"
        "    for _ in range(300):\n"
        "        f.write(bytes(range(256)) * 4096)\n"
        "READ = ('import mmap; f = open(%r, \"rb\"); '\n"
        "        'm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ); '\n"
        "        't = sum(m[i] for i in range(0, len(m), 4096))' % shared)\n"
        "exec(READ)\n"
        "subprocess.run([sys.executable, '-c', READ + "
        "'; import time; b = bytearray(300 * 2**20); time.sleep(2.5)'], check=True)"
    )
    paths = []
    for name, code in (("98_fails", first), ("99_passes", second)):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        paths.append(tmp_path / f"{name}.ipynb")
        nbformat.write(nb, paths[-1])
    assert rehearse.rehearse(paths, "smoke", tmp_path / "out") == 1
    summary = (tmp_path / "out" / "smoke" / "SUMMARY.md").read_text()
    rows = [line for line in summary.splitlines() if line.startswith("| 9")]
    assert len(rows) == 2, summary
    assert "failed: ValueError: boom" in rows[0] and "[lesson 98 (fails)]" in rows[0]
    cells = [c.strip() for c in rows[1].split("|")[1:-1]]
    assert cells[0] == "99_passes" and cells[1] == "passed", rows[1]
    assert float(cells[2]) > 2.5  # seconds: the lesson waited 2.5 s
    # MB: the kernel's 300, its subprocess' 300 and the shared 300 once, all resident at once,
    # plus Python and ipykernel (948 measured here); the resident sets' sum, which counts the
    # shared file twice, read 1,264
    assert 900 < float(cells[3]) < 1100, cells[3]
    assert cells[4] == "[lesson 99 (passes)] data: rehearsal"
    assert (tmp_path / "out" / "smoke" / "98_fails.ipynb").is_file()  # kept, with its error


def test_memory_falls_back_to_the_resident_set_without_pss():
    """A process whose PSS the system will not show (another user's, or no smaps) still
    counts, with its resident set, instead of dropping out of the sum."""
    from types import SimpleNamespace

    import psutil
    from tool_modules import load_tool

    rehearse = load_tool("rehearse")

    def denied():
        raise psutil.AccessDenied(pid=1)

    process = SimpleNamespace(
        memory_full_info=denied, memory_info=lambda: SimpleNamespace(rss=123 * 2**20)
    )
    assert rehearse._memory(process) == 123 * 2**20
    assert rehearse._memory(psutil.Process()) > 10 * 2**20  # this process: its PSS
