"""Downloads: offline fails fast, wrong files are recognised, no half-written files remain."""

from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading
import time
import zipfile

import pytest

from course_utils.datasets import download
from course_utils.datasets.download import Remote
from course_utils.errors import DataError


def zip_bytes(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def served(tmp_path, data: bytes, name="archive.zip", **kw) -> Remote:
    """A Remote whose URL is a local file (urllib reads file:// like http)."""
    src = tmp_path / "server" / name
    src.parent.mkdir(exist_ok=True)
    src.write_bytes(data)
    return Remote(src.as_uri(), name, kw.pop("kind", "zip"), **kw)


@pytest.fixture
def online(monkeypatch):
    monkeypatch.setattr(download, "reachable", lambda *a, **k: True)


def test_offline_fails_within_seconds(tmp_path, monkeypatch):
    monkeypatch.setattr(download, "reachable", lambda *a, **k: False)
    start = time.monotonic()
    with pytest.raises(DataError, match=r"cannot reach .* by hand .* \$COURSE_DATA_DIR"):
        download.fetch(download.REMOTES["pets_images"], tmp_path / "pets")
    assert time.monotonic() - start < 5
    assert list((tmp_path / "pets").iterdir()) == []


def test_reachable_is_false_for_unresolvable_host():
    assert download.reachable("host.invalid", timeout=1.0) is False


def test_download_verifies_and_renames(tmp_path, online):
    data = zip_bytes({"a.txt": b"hello"})
    remote = served(tmp_path, data, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    path = download.fetch(remote, tmp_path / "out", progress=False)
    assert path.read_bytes() == data
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["archive.zip"]  # no .part left
    assert download.fetch(remote, tmp_path / "out", progress=False) == path  # reused


@pytest.mark.parametrize(
    ("data", "extra", "message"),
    [
        (b"<!DOCTYPE html><html><title>Google Drive - Quota exceeded</title>", {}, "web page"),
        (b"\x1f\x8bnot a zip at all", {}, "not a zip archive"),
        (zip_bytes({"a": b"1"}), {"size": 10}, "expected 10"),
        (zip_bytes({"a": b"1"}), {"sha256": "0" * 64}, "SHA-256"),
    ],
)
def test_wrong_downloads_are_rejected_and_removed(tmp_path, online, data, extra, message):
    remote = served(tmp_path, data, **extra)
    with pytest.raises(DataError, match=message):
        download.fetch(remote, tmp_path / "out", progress=False)
    assert list((tmp_path / "out").iterdir()) == []  # neither the file nor a .part


def test_network_error_is_retried_then_given_up(tmp_path, online, monkeypatch):
    monkeypatch.setattr(download.time, "sleep", lambda s: None)
    remote = Remote((tmp_path / "missing.zip").as_uri(), "missing.zip", "zip")
    with pytest.raises(DataError, match="failed after 4 tries"):
        download.fetch(remote, tmp_path / "out", retries=3, progress=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_extract_zip_and_tar_into_place(tmp_path):
    archive = tmp_path / "a.zip"
    archive.write_bytes(zip_bytes({"images/x.jpg": b"1", "../evil.txt": b"no"}))
    download.extract(archive, tmp_path / "dest")
    assert (tmp_path / "dest" / "images" / "x.jpg").read_bytes() == b"1"
    assert not (tmp_path / "evil.txt").exists()
    tar_path = tmp_path / "b.tar.gz"
    with tarfile.open(tar_path, "w:gz") as tar:
        info = tarfile.TarInfo("annotations/list.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"ok"))
    download.extract(tar_path, tmp_path / "dest")
    assert (tmp_path / "dest" / "annotations" / "list.txt").read_bytes() == b"ok"
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["annotations", "images"]


def test_damaged_archive_leaves_destination_alone(tmp_path):
    good = tarfile.open(tmp_path / "ok.tar.gz", "w:gz")
    good.close()
    data = (tmp_path / "ok.tar.gz").read_bytes()
    damaged = tmp_path / "images.tar.gz"
    damaged.write_bytes(b"\x1f\x8b" + b"\x00" * 50)
    (tmp_path / "dest").mkdir()
    with pytest.raises(DataError, match="damaged or incomplete"):
        download.extract(damaged, tmp_path / "dest")
    assert list((tmp_path / "dest").iterdir()) == []
    assert data  # the good archive was readable


def test_known_checksums_are_well_formed():
    for remote in download.REMOTES.values():
        assert remote.url.startswith("https://")
        assert remote.sha256 is None or len(remote.sha256) == 64


def test_download_plan_counts_every_download_including_imagenet_weights():
    from course_utils.datasets.download import download_plan

    plan = download_plan()
    assert all(item.size > 0 and item.files and item.lessons for item in plan)
    files = {f for item in plan for f in item.files}
    # lesson 09 loads VGG16 with its top (the largest single file) and Xception; 04 VGG16
    assert "vgg16_weights_tf_dim_ordering_tf_kernels.h5" in files
    assert {"04", "05", "09"} <= {lesson for item in plan for lesson in item.lessons}
    data_only = sum(i.size for i in plan if not i.files[0].endswith((".h5", ".json")))
    assert sum(i.size for i in plan) - data_only > 700e6  # the weights are not a rounding error


def test_weight_files_match_the_installed_keras():
    """URLs and MD5 hashes of the ImageNet weights are Keras' own (keras/src/applications)."""
    import inspect

    from keras.src.applications import imagenet_utils, mobilenet_v2, vgg16, xception

    w = download.WEIGHT_REMOTES
    assert w["vgg16"].url == vgg16.WEIGHTS_PATH
    assert w["vgg16_notop"].url == vgg16.WEIGHTS_PATH_NO_TOP
    assert w["xception_notop"].url == xception.WEIGHTS_PATH_NO_TOP
    assert w["imagenet_class_index"].url == imagenet_utils.CLASS_INDEX_PATH
    assert w["mobilenet_v2_160_notop"].url.startswith(mobilenet_v2.BASE_WEIGHT_PATH)
    sources = inspect.getsource(vgg16) + inspect.getsource(xception)
    sources += inspect.getsource(imagenet_utils)
    for key in ("vgg16", "vgg16_notop", "xception_notop", "imagenet_class_index"):
        assert f'file_hash="{w[key].md5}"' in sources, key


def test_tfds_loads_use_the_tfds_folder_set_after_tfds_was_imported(data_home, monkeypatch):
    """tfds reads TFDS_DATA_DIR once, when imported; the course looks for tfds' cache where
    TFDS_DATA_DIR says now. Every tfds.load of the course passes that folder, so tfds prepares
    where the course looks (it wrote into ~/tensorflow_datasets when another test had imported
    tfds before the rehearsal test set a fresh folder)."""
    import tensorflow_datasets as tfds

    from course_utils.datasets import cats_vs_dogs, celeba, pets

    folder = data_home / "fresh-tfds"
    monkeypatch.setenv("TFDS_DATA_DIR", str(folder))
    asked = []

    def fake_load(name, **kwargs):
        asked.append((name, kwargs.get("data_dir")))
        raise RuntimeError("not prepared")  # every loader turns this into a DataError

    monkeypatch.setattr(tfds, "load", fake_load)
    with pytest.raises(DataError):
        cats_vs_dogs._tfds_load("train", download=False)
    with pytest.raises(DataError):
        celeba._from_tfds("train", download=False)
    with pytest.raises(DataError):
        pets._export_tfds(data_home / "pets-export", download=False)
    assert asked == [(n, str(folder)) for n in ("cats_vs_dogs", "celeb_a", "oxford_iiit_pet")]


@pytest.fixture
def scripted_server():
    """An HTTP server on 127.0.0.1 that answers each GET with the next status of its script
    (200 sends the payload) and records the requests it got."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            server.requests.append(self.path)
            status = server.script.pop(0) if server.script else 200
            if status == 200:
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.payload)))
                self.end_headers()
                self.wfile.write(server.payload)
            else:
                self.send_error(status)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests, server.script, server.payload = [], [], zip_bytes({"a.txt": b"hello"})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("script", "requests", "outcome"),
    [
        ([404], 1, "HTTP 404"),  # a client error: the same request would fail again
        ([403], 1, "HTTP 403"),
        ([503, 200], 2, None),  # a server error passes: retried, then the file
        ([429, 200], 2, None),  # too many requests: retried after a pause
        ([500, 502, 503, 504], 4, "HTTP 504"),  # retries + 1 tries, then the last error
    ],
)
def test_http_errors_retry_policy(
    tmp_path, online, monkeypatch, scripted_server, script, requests, outcome
):
    """4xx (but 429) is final at once; 5xx and 429 are retried with pauses, up to retries + 1
    tries; the pauses double (2, 4, 8 s; recorded here instead of waited)."""
    pauses = []
    monkeypatch.setattr(download.time, "sleep", pauses.append)
    scripted_server.script[:] = script
    data = scripted_server.payload
    url = f"http://127.0.0.1:{scripted_server.server_address[1]}/archive.zip"
    remote = Remote(url, "archive.zip", "zip", sha256=hashlib.sha256(data).hexdigest())
    if outcome is None:
        assert download.fetch(remote, tmp_path / "out", progress=False).read_bytes() == data
    else:
        with pytest.raises(DataError, match=outcome) as error:
            download.fetch(remote, tmp_path / "out", retries=3, progress=False)
        assert "by hand" in str(error.value)
        assert list((tmp_path / "out").iterdir()) == []
    assert len(scripted_server.requests) == requests
    assert pauses == [2, 4, 8][: requests - 1]


def test_tar_members_that_leave_the_folder_are_not_extracted(tmp_path):
    """The tar guard: paths that climb out with ``..`` (to a file or into another folder),
    absolute paths, and symbolic and hard links are skipped; the rest is unpacked."""
    tar_path = tmp_path / "evil.tar"
    with tarfile.open(tar_path, "w") as tar:
        for name in ("ok/list.txt", "../evil.txt", "/tmp/absolute-evil.txt", "../dest2/x.txt"):
            info = tarfile.TarInfo(name)
            info.size = 2
            tar.addfile(info, io.BytesIO(b"no" if "evil" in name or "dest2" in name else b"ok"))
        link = tarfile.TarInfo("ok/link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
        hard = tarfile.TarInfo("ok/hard")
        hard.type, hard.linkname = tarfile.LNKTYPE, "../evil.txt"
        tar.addfile(hard)
    dest = tmp_path / "work" / "dest"
    download.extract(tar_path, dest)
    assert (dest / "ok" / "list.txt").read_bytes() == b"ok"
    assert sorted(p.name for p in (dest / "ok").iterdir()) == ["list.txt"]
    assert not (tmp_path / "work" / "evil.txt").exists()
    assert not (tmp_path / "work" / "dest2").exists() and not (dest / "dest2").exists()
    assert not (dest / "evil.txt").exists()
    assert not any(dest.rglob("absolute-evil.txt")) and not (dest / "tmp").exists()
