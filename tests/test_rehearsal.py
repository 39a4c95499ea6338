"""Rehearsal data: the real sources' exact formats, filled with stand-in pictures; rehearsal
weights: Keras' weight files' names and layouts, filled with random values."""

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
    # MB above an idle kernel (lesson 98's, which allocated nothing): the kernel's 300, its
    # subprocess' 300 and the shared 300 once, all resident at once, plus the subprocess' own
    # Python (about 10). Where the system shows no proportional set size, the resident sets'
    # sum counts the shared file twice (measured: 1,264 in all against 948 with PSS).
    idle = float([c.strip() for c in rows[0].split("|")[1:-1]][3])
    import psutil

    try:
        assert psutil.Process().memory_full_info().pss > 0
        low, high = 850, 1050
    except (AttributeError, NotImplementedError, psutil.AccessDenied):
        low, high = 1150, 1350
    assert low < float(cells[3]) - idle < high, (cells[3], idle)
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


# --------------------------------------------------------------------- rehearsal weights


def _text(name) -> str:
    """An HDF5 attribute's string (h5py gives ``bytes`` or ``str``)."""
    return name.decode() if isinstance(name, bytes) else str(name)


def test_rehearsal_weights_have_the_real_name_format_and_layout(rehearsal_weights, monkeypatch):
    """Each file: Keras' file name, the legacy Keras HDF5 weights format (``layer_names``, one
    group per layer with ``weight_names``), the real file's size within 0.5 % where the course
    pins it (the same tensors), a "rehearsal weights, not ImageNet" mark; the real constructor
    loads it with ``weights=path`` through Keras' legacy HDF5 loader, value for value."""
    import h5py
    import keras
    from keras.src.legacy.saving import legacy_h5_format

    from course_utils.datasets.download import WEIGHT_REMOTES, rehearsal_mark

    loaded = []
    real_loader = legacy_h5_format.load_weights_from_hdf5_group
    monkeypatch.setattr(
        legacy_h5_format,
        "load_weights_from_hdf5_group",
        lambda f, model, *a: loaded.append(f.filename) or real_loader(f, model, *a),
    )
    sizes = {"mobilenet_v2_96_notop": 9_406_464}  # the 160-pixel file's: same tensors
    builds = {
        "mobilenet_v2_96_notop": (
            keras.applications.MobileNetV2,
            {"include_top": False, "input_shape": (96, 96, 3)},
            "Conv_1",
        ),
        "vgg16_notop": (keras.applications.VGG16, {"include_top": False}, "block5_conv3"),
    }
    for key, path in rehearsal_weights.items():
        remote = WEIGHT_REMOTES[key]
        assert path.name == remote.filename
        real = remote.size or sizes[key]
        # the same tensors; HDF5's bookkeeping differs by ~0.03 % (VGG16), ~0.16 % (MobileNetV2)
        assert abs(path.stat().st_size - real) < 0.005 * real, (key, path.stat().st_size)
        assert rehearsal_mark(path) == rehearsal.weights_stamp()
        assert rehearsal_mark(path).startswith("rehearsal weights, not ImageNet")
        constructor, kwargs, layer_name = builds[key]
        model = constructor(weights=str(path), **kwargs)
        assert loaded[-1] == str(path)
        with h5py.File(path, "r") as f:
            names = [_text(n) for n in f.attrs["layer_names"]]
            # every layer, in order (the input layer's name is made unique per session)
            assert names[1:] == [layer.name for layer in model.layers[1:]]
            assert names[0].startswith("input") and len(names) == len(model.layers)
            group = f[layer_name]
            weight_names = [_text(n) for n in group.attrs["weight_names"]]
            kernel = group[weight_names[0]][()]
            assert all("weight_names" in f[name].attrs for name in names)
        assert np.array_equal(model.get_layer(layer_name).kernel.numpy(), kernel)
        assert kernel.std() > 0  # random values, not an initializer's constants


def test_rehearsal_weights_are_seeded_kept_and_rebuilt_when_their_mark_differs(
    rehearsal_weights, tmp_path, monkeypatch
):
    """The same seed writes the same values (VGG16: no calibration, pure NumPy draws); a file
    with the current mark is kept, one with another mark (an older version) is rewritten."""
    import h5py

    from course_utils.datasets.download import REHEARSAL_ATTR

    again = rehearsal.build_weights(tmp_path / "again", ("vgg16_notop",))["vgg16_notop"]
    with (
        h5py.File(again, "r") as a,
        h5py.File(rehearsal_weights["vgg16_notop"], "r") as b,
    ):
        for layer in ("block1_conv1", "block5_conv3"):
            for name in a[layer].attrs["weight_names"]:
                assert np.array_equal(a[layer][name][()], b[layer][name][()])
    written = []
    monkeypatch.setattr(rehearsal, "_write_weights", lambda path, key, seed: written.append(key))
    rehearsal.build_weights(tmp_path / "again", ("vgg16_notop",))
    assert written == []  # kept
    with h5py.File(again, "r+") as f:
        f.attrs[REHEARSAL_ATTR] = "rehearsal weights, not ImageNet (weights version 0)"
    rehearsal.build_weights(tmp_path / "again", ("vgg16_notop",))
    assert written == ["vgg16_notop"]


def test_the_cpu_scale_has_every_weight_file_the_lessons_load():
    from course_utils.datasets.download import WEIGHT_REMOTES
    from course_utils.profiles import LESSONS

    weights = set(rehearsal.SCALES["cpu"].weights)
    sizes = {s["image_size"] for s in LESSONS["05"].settings.values()}
    assert {"vgg16", "vgg16_notop", "xception_notop"} <= weights
    assert {f"mobilenet_v2_{n}_notop" for n in sizes} <= weights
    assert weights == {k for k, r in WEIGHT_REMOTES.items() if r.kind == "h5"}
    assert rehearsal.SCALES["small"].weights == ()  # the loaders' tests: no weights served


def test_rehearsal_mobilenet_weights_keep_activations_at_a_trainable_scale(rehearsal_weights):
    """Calibrated BatchNorm statistics: at MobileNetV2's top the features of random pixels have
    a standard deviation near 1 (measured 0.73), as with trained weights; with Keras'
    initializers alone it is ~1e-12 (measured), too small for lesson 05's fine-tuning to move a
    float32 weight."""
    import keras

    model = keras.applications.MobileNetV2(
        weights=str(rehearsal_weights["mobilenet_v2_96_notop"]),
        include_top=False,
        input_shape=(96, 96, 3),
    )
    pixels = np.random.default_rng(1).uniform(-1, 1, (4, 96, 96, 3)).astype("float32")
    assert 0.1 < float(np.std(model(pixels, training=False))) < 10
