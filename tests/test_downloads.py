"""Every download the course makes, found in the code, and shown to go through ``COURSE_MIRROR``.

Two halves:

1. **Where the code downloads.** :func:`download_sites` reads the Python code of
   ``course_utils/``, ``tools/``, ``benchmarks/`` and every lesson's code cells, and lists each
   call that opens a network connection or makes a library download: ``urlopen``,
   ``urlretrieve``, ``requests``, ``http.client`` connections, ``socket.create_connection``,
   ``keras.utils.get_file``, ``keras.datasets.*.load_data``, ``tfds.load`` / ``tfds.builder`` /
   ``download_and_prepare``, and ``keras.applications`` constructors given ImageNet weights.
   :data:`SITES` says for each one how it goes through the mirror and which test shows it; a new
   download site, or a site that disappeared, fails :func:`test_every_download_site_is_known`.
   Everything else downloads through ``course_utils.datasets.download.fetch`` (the slides'
   JavaScript packages, the CLI's ``fetch``), which is one of those sites.
   Out of scope: installing packages (pip, apt); a classroom proxy for those is pip's own
   ``PIP_INDEX_URL``.

2. **Each loader, end to end, through a rehearsal mirror on 127.0.0.1** (small sizes), with
   every connection to anything but the loopback address refused and recorded: MNIST, the
   Microsoft cats-vs-dogs zip and its subset, tfds ``cats_vs_dogs`` prepared from the mirrored
   zip, the Oxford-IIIT Pet archives, CelebA's files behind a Google Drive-style confirmation
   page, and an ImageNet weight file the mirror lacks (the lesson goes on with random weights,
   and Keras is never let to download from its origin).
"""

from __future__ import annotations

import ast
import io
import json
import re
import socket
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

#: Calls that download or connect, by the name called (``x.urlopen(...)`` or ``urlopen(...)``).
NETWORK_CALLS = {
    "urlopen",
    "urlretrieve",
    "get_file",
    "load_data",
    "download_and_prepare",
    "HTTPConnection",
    "HTTPSConnection",
    "create_connection",
}
#: Calls on these module names: ``tfds.load``, ``tfds.builder``, ``requests.get`` ...
NETWORK_MODULES = {"tfds": {"load", "builder"}, "requests": None}

#: Every download site -> (how it goes through the mirror, the test that shows it).
SITES = {
    "course_utils/datasets/download.py:reachable": (
        "a TCP probe of the host it is given: callers pass Remote.host/port, which are the "
        "mirror's when COURSE_MIRROR is set",
        "test_downloads.py::test_loaders_end_to_end_through_a_rehearsal_mirror",
    ),
    "course_utils/datasets/download.py:_mirror_manifest": (
        "reads COURSE_MIRROR's own manifest.json",
        "test_mirror.py::test_serves_manifest_and_files_and_logs_each_request",
    ),
    "course_utils/datasets/download.py:_download": (
        "fetch() downloads Remote.source_url: the mirror's URL when COURSE_MIRROR is set, "
        "verified against the course's pins (or a rehearsal manifest when asked)",
        "test_mirror.py::test_fetch_goes_through_the_mirror_and_verifies",
    ),
    "course_utils/datasets/cats_vs_dogs.py:_tfds_load": (
        "with COURSE_MIRROR the Microsoft zip is fetched from the mirror first and tfds "
        "prepares from it (manual_dir): tfds' own downloader cannot be pointed elsewhere",
        "test_downloads.py::test_loaders_end_to_end_through_a_rehearsal_mirror",
    ),
    "course_utils/datasets/celeba.py:_from_tfds": (
        "never reached with COURSE_MIRROR: resolve() then returns 'mirror download' (the "
        "official files through fetch)",
        "test_downloads.py::test_loaders_end_to_end_through_a_rehearsal_mirror",
    ),
    "course_utils/datasets/pets.py:_export_tfds.build": (
        "reads only a prepared tfds cache (resolve() never returns a tfds download for pets; "
        "with COURSE_MIRROR the archives come through fetch)",
        "test_downloads.py::test_loaders_end_to_end_through_a_rehearsal_mirror",
    ),
    "course_utils/pretrained.py:load_application": (
        "with COURSE_MIRROR the weight file is fetched from the mirror into Keras' cache "
        "first (Keras then finds it and downloads nothing); a file the mirror cannot serve "
        "raises before Keras would download it, and the lesson goes on with random weights",
        "test_pretrained.py::test_load_application_fetches_weights_from_the_mirror_first",
    ),
}


def _code_files() -> list[tuple[str, str]]:
    """``(relative path, Python source)`` of the modules, tools, benchmarks and lessons."""
    found = []
    for folder in ("course_utils", "tools", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            found.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        lines = []
        for cell in nb.cells:
            if cell.cell_type == "code":  # IPython magics and shell lines are not Python
                lines += [
                    "" if line.lstrip().startswith(("%", "!")) else line
                    for line in cell.source.splitlines()
                ]
        found.append((str(path.relative_to(ROOT)), "\n".join(lines)))
    return found


def _called_name(call: ast.Call) -> tuple[str | None, str]:
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else None
        return owner, func.attr
    if isinstance(func, ast.Name):
        return None, func.id
    return None, ""


def _is_download(call: ast.Call) -> bool:
    owner, name = _called_name(call)
    if name in NETWORK_CALLS:
        return True
    if owner in NETWORK_MODULES:
        names = NETWORK_MODULES[owner]
        return names is None or name in names
    for keyword in call.keywords:  # keras.applications.X(weights="imagenet" or IMAGENET)
        if keyword.arg == "weights":
            value = keyword.value
            if isinstance(value, ast.Constant) and value.value == "imagenet":
                return True
            if isinstance(value, ast.Name) and value.id == "IMAGENET":
                return True
    return False


def download_sites(files=None) -> dict[str, list[int]]:
    """``{"path:function": [line, ...]}`` of every download call in ``files``."""
    sites: dict[str, list[int]] = {}
    for rel, source in files if files is not None else _code_files():
        tree = ast.parse(source, filename=rel)

        def visit(node, scope: list[str], rel: str = rel) -> None:
            for child in ast.iter_child_nodes(node):
                inner = scope
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    inner = [*scope, child.name]
                if isinstance(child, ast.Call) and _is_download(child):
                    key = f"{rel}:{'.'.join(scope) or '<module>'}"
                    sites.setdefault(key, []).append(child.lineno)
                visit(child, inner, rel)

        visit(tree, [])
    return sites


def test_the_finder_finds_each_kind_of_download():
    """The finder itself: each kind of call is found, in a function and at a notebook's top."""
    code = """
import urllib.request, keras, tensorflow_datasets as tfds, requests
def a(): urllib.request.urlopen("http://x")
def b(): keras.utils.get_file("f", "http://x")
def c(): tfds.load("mnist")
def d(): keras.applications.VGG16(weights="imagenet")
def e(): requests.get("http://x")
def f(): keras.datasets.mnist.load_data()
def g(): keras.applications.VGG16(weights=None)
class H:
    def i(self): tfds.builder("x").download_and_prepare()
"""
    sites = download_sites([("x.py", code), ("n.ipynb", "x = tfds.load('mnist')")])
    assert set(sites) == {f"x.py:{f}" for f in "abcdef"} | {"x.py:H.i", "n.ipynb:<module>"}


def test_every_download_site_is_known():
    """Each download site in the code is in SITES (with its route through the mirror), and
    each entry of SITES still exists: a new download fails here until it is routed."""
    sites = download_sites()
    unknown = {k: v for k, v in sites.items() if k not in SITES}
    assert not unknown, f"download sites with no known route through COURSE_MIRROR: {unknown}"
    gone = set(SITES) - set(sites)
    assert not gone, f"SITES lists sites the code no longer has: {gone}"


@pytest.mark.parametrize("site", sorted(SITES))
def test_each_route_names_a_test_that_exists(site):
    route, test = SITES[site]
    file, name = test.split("::")
    assert route and re.search(rf"^def {name}\(", (TESTS / file).read_text(), re.M), test


# --------------------------------------------- the loaders, end to end, through a mirror


LOOPBACK = ("127.0.0.1", "::1", "localhost")


@pytest.fixture
def rehearsal_mirror(rehearsal_files, tmp_path, monkeypatch):
    """A rehearsal mirror of every real source (small scale) on 127.0.0.1, a fresh data
    folder, HOME, Keras and tfds folder, and a guard that refuses (and records) every
    connection to anything but the loopback address."""
    from course_utils import mirror
    from course_utils.datasets import download

    log = io.StringIO()
    server = mirror.start(
        rehearsal_files,
        port=0,
        rehearsal=True,
        drive_confirm=("img_align_celeba.zip",),
        log_stream=log,
    )
    server.log = log
    refused = []
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host not in LOOPBACK:
            refused.append(address)
            raise OSError(f"test guard: no connection to {address} (only the mirror)")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    server.refused = refused
    for name in ("data", "home", "keras"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "home" / "tensorflow_datasets"))
    monkeypatch.setenv("COURSE_MIRROR", server.url)
    monkeypatch.setenv("COURSE_REHEARSAL", "1")
    download._mirror_manifest.cache_clear()
    download.reachable.cache_clear()
    yield server
    server.shutdown()
    server.server_close()
    download._mirror_manifest.cache_clear()
    download.reachable.cache_clear()


def test_loaders_end_to_end_through_a_rehearsal_mirror(rehearsal_mirror, capsys):
    """Each lesson's loader in ``cpu`` finds only the mirror, downloads from it (with a
    progress bar), verifies, extracts, subsets and gives a first batch; no other host is ever
    contacted; every source says it is rehearsal data."""
    import keras
    import numpy as np

    from course_utils.datasets import REHEARSAL, cats_vs_dogs, celeba, mnist, pets
    from course_utils.pretrained import load_application

    # MNIST (lesson 01): Keras' mnist.npz, into Keras' cache
    source = mnist.resolve("cpu")
    assert (source.how, source.kind) == ("keras download", REHEARSAL)
    assert source.location.startswith(rehearsal_mirror.url)
    data = mnist.load(source, 100, 50)
    assert data.x_train.shape == (100, 28, 28) and data.x_train.dtype == np.uint8
    assert "mnist.npz" in capsys.readouterr().err  # the download's progress bar

    # cats vs dogs (lessons 02-04, 07, 09): the Microsoft zip, then the subset
    source = cats_vs_dogs.resolve("cpu")
    assert (source.how, source.kind) == ("download", REHEARSAL)
    assert source.location.startswith(rehearsal_mirror.url)  # the banner names the mirror
    folder = cats_vs_dogs.small_subset(source, (10, 5, 5))
    printed = capsys.readouterr().out
    assert "skipped" in printed and "re-encoded" in printed  # the zip's bad files, counted
    train = keras.utils.image_dataset_from_directory(
        folder / "train", image_size=(64, 64), batch_size=8, verbose=False
    )
    images, labels = next(iter(train))
    assert images.shape == (8, 64, 64, 3) and set(labels.numpy()) <= {0, 1}

    # tfds cats_vs_dogs (lesson 05): prepared by tfds from the zip fetched from the mirror
    source = cats_vs_dogs.resolve_tfds("cpu")
    assert (source.how, source.kind) == ("tfds download", REHEARSAL)
    train_ds, _, test_ds, info = cats_vs_dogs.tfds_splits(source, (32, 32))
    image, label = next(iter(train_ds))
    assert image.shape == (32, 32, 3) and int(label) in (0, 1)
    assert sum(info.num_examples.values()) > 40  # the zip's usable pictures, both classes
    again = cats_vs_dogs.resolve_tfds("cpu")  # a second run finds tfds' cache: still rehearsal
    assert (again.how, again.kind) == ("tfds cache", REHEARSAL)

    # Oxford-IIIT Pet (lesson 06): images.tar.gz and annotations.tar.gz (plain tar)
    source = pets.resolve("cpu")
    assert (source.how, source.kind) == ("download", REHEARSAL)
    files = pets.load_pairs(source)
    assert files.skipped > 0  # the archive's PNG/GIF files named .jpg, macOS twins
    image, mask = next(iter(pets.dataset(files.take(slice(0, 4)), (64, 64), batch_size=4)))
    assert image.shape == (4, 64, 64, 3) and set(np.unique(mask)) <= {0, 1, 2}

    # CelebA (lesson 08): the official files, the large one behind Drive's confirmation page
    source = celeba.resolve("cpu")
    assert (source.how, source.kind) == ("mirror download", REHEARSAL)
    used, splits = celeba.load_splits(source, "cpu")
    assert used == source, "fell back to the stand-in"
    element = next(iter(splits["train"]))
    assert element["image"].shape == (218, 178, 3) and "Male" in element["attributes"]

    # ImageNet weights (lessons 04, 05, 09): not on a rehearsal mirror -> random weights, and
    # Keras is not let to download from its origin
    _, weights = load_application(
        keras.applications.MobileNetV2, "cpu", input_shape=(96, 96, 3), include_top=False
    )
    assert not weights.pretrained
    assert "RANDOM weights" in capsys.readouterr().err

    names = (
        "mnist.npz",
        "kagglecatsanddogs_5340.zip",
        "images.tar.gz",
        "annotations.tar.gz",
        "list_attr_celeba.txt",
        "img_align_celeba.zip",
    )

    def all_logged(log: str) -> bool:
        return " 404 " in log and all(f"GET /{name} 200" in log for name in names)

    # Each request's server thread logs only after it has answered: wait for every line.
    deadline = time.monotonic() + 5
    while not all_logged(rehearsal_mirror.log.getvalue()) and time.monotonic() < deadline:
        time.sleep(0.01)
    log = rehearsal_mirror.log.getvalue()
    for name in names:
        assert f"GET /{name} 200" in log, (name, log)
    confirmations = re.findall(r"GET /img_align_celeba\.zip\S* 200", log)
    assert len(confirmations) == 2, log  # the confirmation page, then the file
    assert "mobilenet_v2" in log and " 404 " in log  # asked the mirror, which lacks it
    assert rehearsal_mirror.refused == [], "connections to other hosts were attempted"


def test_the_manifest_of_a_rehearsal_mirror_says_so(rehearsal_mirror):
    import urllib.request

    with urllib.request.urlopen(f"{rehearsal_mirror.url}/manifest.json") as response:
        manifest = json.loads(response.read())
    assert manifest["rehearsal"] is True
    assert {"mnist.npz", "img_align_celeba.zip"} <= {f["name"] for f in manifest["files"]}


def test_a_damaged_transfer_is_rejected_by_the_loaders(rehearsal_files, tmp_path, monkeypatch):
    """Through the loaders, not only fetch(): the mirror's manifest was made from the good files,
    then one file is truncated and another altered (same size) on the mirror's disk. The mirror
    refuses the truncated one (410: changed since it started) and lesson 01's loader says so and
    goes on with offline data; the altered one is served, fails its SHA-256 and lesson 06's
    loader stops with a clear error; nothing half-written stays in the data folder or Keras'
    cache. (A transfer cut short by the network: test_mirror.py, "bytes, expected".)"""
    import shutil

    from course_utils import mirror
    from course_utils.datasets import download, mnist, pets
    from course_utils.errors import DataError

    served = tmp_path / "mirror"
    served.mkdir()
    for name in ("mnist.npz", "images.tar.gz", "annotations.tar.gz"):
        shutil.copy(rehearsal_files / name, served / name)
    entries = mirror.build_manifest(served)
    truncated = (served / "mnist.npz").read_bytes()[:-1000]
    (served / "mnist.npz").write_bytes(truncated)
    altered = bytearray((served / "annotations.tar.gz").read_bytes())
    altered[5000] ^= 0xFF
    (served / "annotations.tar.gz").write_bytes(bytes(altered))
    server = mirror.start(served, port=0, entries=entries, rehearsal=True, log_stream=io.StringIO())
    try:
        for name in ("data", "keras", "tfds", "home"):
            (tmp_path / name).mkdir()
        monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
        monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))  # no tfds copy of the pets
        monkeypatch.setenv("HOME", str(tmp_path / "home"))
        monkeypatch.setenv("COURSE_MIRROR", server.url)
        monkeypatch.setenv("COURSE_REHEARSAL", "1")
        download._mirror_manifest.cache_clear()
        download.reachable.cache_clear()

        source = mnist.resolve("cpu")
        assert source.how == "keras download"
        with pytest.warns(UserWarning, match="MNIST download failed.*410 Gone"):
            data = mnist.load(source, 10, 10)
        # Offline data: Debian's Fashion-MNIST where the machine has it, else the generated
        # digits, which are written into the data folder's standins/ (nothing else is).
        assert data.source.is_standin or data.source.name == "Fashion-MNIST", data.source
        standins = tmp_path / "data" / "standins"
        assert data.source.is_standin == standins.exists()

        source = pets.resolve("cpu")
        with pytest.raises(DataError, match="SHA-256") as error:
            pets.load_pairs(source)
        assert "annotations.tar.gz" in str(error.value)
        leftovers = [
            p
            for p in tmp_path.rglob("*")
            if p.is_file() and "mirror" not in p.parts and standins not in p.parents
        ]
        names = sorted(p.name for p in leftovers)
        assert names == ["images.tar.gz"], names  # verified and kept; nothing else, no .part
    finally:
        server.shutdown()
        server.server_close()
        download._mirror_manifest.cache_clear()
        download.reachable.cache_clear()
