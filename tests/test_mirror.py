"""The classroom mirror: what it serves, what it refuses, parallel clients, and downloads
through ``COURSE_MIRROR`` verified exactly as from the origin (loopback only)."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import socket
import struct
import threading
import time
import urllib.request
import zipfile

import pytest

from course_utils import mirror
from course_utils.datasets import download
from course_utils.datasets.download import Remote
from course_utils.errors import DataError


def _logged(stream: io.StringIO, until, timeout: float = 5.0) -> list[str]:
    """The log's lines once ``until(lines)`` is true (or after ``timeout`` s). Each request
    has its own server thread, which writes its line only after it has answered, so the
    client can finish before the line is there (seen on a busy machine)."""
    deadline = time.monotonic() + timeout
    while not until(stream.getvalue().splitlines()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def _zip(payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("inside.txt", payload)
    return buffer.getvalue()


@pytest.fixture
def folder(tmp_path):
    """A data folder with two course downloads (one nested), clutter and a link leading out."""
    root = tmp_path / "data"
    (root / "cats_vs_dogs").mkdir(parents=True)
    (root / "mnist.npz").write_bytes(_zip(b"digits"))
    (root / "cats_vs_dogs" / "kagglecatsanddogs_5340.zip").write_bytes(_zip(b"x" * 300_000))
    (root / ".kagglecatsanddogs_5340.zip.abc.part").write_bytes(b"half")
    (root / "notes.txt").write_text("not a course download")
    secret = tmp_path / "outside" / "images.tar.gz"
    secret.parent.mkdir()
    secret.write_bytes(b"\x1f\x8b secret")
    (root / "images.tar.gz").symlink_to(secret)  # a known name, but it leads out of the folder
    return root


@pytest.fixture
def server(folder):
    log = io.StringIO()
    srv = mirror.start(folder, port=0, log_stream=log)
    srv.log = log
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(url: str, method: str = "GET") -> tuple[int, bytes, dict]:
    parsed = urllib.request.urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=10)
    conn.request(method, parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body, dict(response.headers)


def test_manifest_lists_only_course_downloads_inside_the_folder(folder):
    entries = mirror.build_manifest(folder)
    assert set(entries) == {"mnist.npz", "kagglecatsanddogs_5340.zip"}
    data = (folder / "mnist.npz").read_bytes()
    assert entries["mnist.npz"].size == len(data)
    assert entries["mnist.npz"].sha256 == hashlib.sha256(data).hexdigest()

    def no_reading(path):
        raise AssertionError(f"{path} was read again instead of taken from the checksum cache")

    real_sha256 = mirror._sha256
    mirror._sha256 = no_reading  # a restart takes the sums from .mirror-checksums.json
    try:
        again = mirror.build_manifest(folder)
    finally:
        mirror._sha256 = real_sha256
    assert again["mnist.npz"].sha256 == entries["mnist.npz"].sha256
    (folder / "mnist.npz").write_bytes(data + b"changed")  # new size and time: read again
    changed = mirror.build_manifest(folder)
    assert changed["mnist.npz"].sha256 == hashlib.sha256(data + b"changed").hexdigest()


def test_serves_manifest_and_files_and_logs_each_request(server, folder):
    status, body, _ = _get(f"{server.url}/manifest.json")
    manifest = json.loads(body)
    assert status == 200 and manifest["rehearsal"] is False
    assert {f["name"] for f in manifest["files"]} == {"mnist.npz", "kagglecatsanddogs_5340.zip"}
    status, body, headers = _get(f"{server.url}/kagglecatsanddogs_5340.zip")
    assert status == 200
    assert body == (folder / "cats_vs_dogs" / "kagglecatsanddogs_5340.zip").read_bytes()
    status, body, headers = _get(f"{server.url}/mnist.npz", "HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == (folder / "mnist.npz").stat().st_size
    # One line per request, written once its server thread has answered, so on a busy machine
    # two lines can come in either order.
    lines = _logged(server.log, lambda lines: len(lines) >= 3)
    requests = sorted(" ".join(line.split()[2:5]) for line in lines)  # time and address out
    assert requests == [
        "GET /kagglecatsanddogs_5340.zip 200",
        "GET /manifest.json 200",
        "HEAD /mnist.npz 200",
    ], lines
    assert any(line.endswith("HEAD /mnist.npz 200 0") for line in lines)  # no body sent


@pytest.mark.parametrize(
    "path",
    [
        "/../mnist.npz",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fdata%2fmnist.npz",
        "//etc/passwd",
        "/etc/passwd",
        "/cats_vs_dogs/kagglecatsanddogs_5340.zip",  # served by name only, not by folder
        "/images.tar.gz",  # a known name whose symlink leads out of the folder
        "/notes.txt",
        "/.kagglecatsanddogs_5340.zip.abc.part",
        "/mnist.npz%00.txt",
    ],
)
def test_refuses_every_path_outside_the_manifest(server, path):
    status, body, _ = _get(f"{server.url}{path}")
    assert status == 404 and b"secret" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_answers_only_get_and_head(server, method):
    status, _, headers = _get(f"{server.url}/mnist.npz", method)
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_binds_to_loopback_by_default(folder):
    srv = mirror.start(folder, port=0, log_stream=io.StringIO())
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_slow_client_does_not_block_the_others(server):
    # Two stuck clients: one never finishes its request, one reads a file and then stalls.
    stuck = socket.create_connection(server.server_address[:2])
    stuck.sendall(b"GET /kagglecatsanddogs_5340.zip HTTP/1.1\r\n")  # no end of headers
    stalled = socket.create_connection(server.server_address[:2])
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.sendall(b"GET /kagglecatsanddogs_5340.zip HTTP/1.1\r\nHost: x\r\n\r\n")
    stalled.recv(100)  # the transfer started; we now stop reading
    results, start = [], time.monotonic()

    def learner():
        results.append(_get(f"{server.url}/kagglecatsanddogs_5340.zip")[0])

    threads = [threading.Thread(target=learner) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert results == [200] * 8
    assert time.monotonic() - start < 10  # not held up by the two stuck connections
    stuck.close()
    stalled.close()


def test_a_client_that_hangs_up_mid_download_is_one_log_line_not_a_traceback(tmp_path, capfd):
    """A learner who cancels a download (or closes the laptop) resets the connection while the
    mirror is sending: the instructor's terminal shows one log line for it, not a traceback of
    the server reading the next request from the dead connection (seen in CI's output)."""
    big = tmp_path / "images.tar.gz"  # larger than any socket buffer: the transfer is cut short
    big.write_bytes(b"\0" * (32 << 20))
    log = io.StringIO()
    srv = mirror.start(tmp_path, port=0, log_stream=log)
    try:
        for _ in range(3):
            client = socket.create_connection(srv.server_address[:2])
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            client.sendall(b"GET /images.tar.gz HTTP/1.1\r\nHost: x\r\n\r\n")
            client.recv(100)  # the transfer started
            # close with unread data and no lingering: the peer gets a reset (RST)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
        # A client that resets the connection between two requests (keep-alive): the server's
        # thread is waiting for the next request line when the reset comes.
        idle = socket.create_connection(srv.server_address[:2])
        idle.sendall(b"GET /manifest.json HTTP/1.1\r\nHost: x\r\n\r\n")
        _logged(log, lambda lines: any("/manifest.json 200" in line for line in lines))
        idle.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        idle.close()
        lines = _logged(log, lambda lines: sum(" 200 -1" in line for line in lines) >= 3)
        assert sum(line.endswith(" 200 -1") for line in lines) == 3, lines  # -1: not sent whole
        hung_up = lambda lines: any(" hung up (ConnectionResetError)" in x for x in lines)  # noqa: E731
        assert hung_up(_logged(log, hung_up)), lines  # the reset between two requests
        time.sleep(0.5)  # give a server thread time to (wrongly) read from a dead connection
        assert _get(f"{srv.url}/manifest.json")[0] == 200  # and it goes on serving
    finally:
        srv.shutdown()
        srv.server_close()
    err = capfd.readouterr().err
    assert "Traceback" not in err, err


# --- downloads through COURSE_MIRROR ---------------------------------------------------------


@pytest.fixture
def course_remote(monkeypatch, folder):
    """mnist.npz as a pinned course download (its real checksum is for the real file)."""
    data = (folder / "mnist.npz").read_bytes()
    remote = Remote(
        "https://origin.invalid/mnist.npz",
        "mnist.npz",
        "npz",
        hashlib.sha256(data).hexdigest(),
        len(data),
    )
    download._mirror_manifest.cache_clear()
    yield remote
    download._mirror_manifest.cache_clear()


def test_fetch_goes_through_the_mirror_and_verifies(server, course_remote, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_MIRROR", server.url)
    assert course_remote.source_url == f"{server.url}/mnist.npz"
    path = download.fetch(course_remote, tmp_path / "learner", progress=False)
    assert path.read_bytes() == (server.RequestHandlerClass.entries["mnist.npz"].path).read_bytes()
    mnist = lambda lines: any("GET /mnist.npz 200" in line for line in lines)  # noqa: E731
    assert mnist(_logged(server.log, mnist))


@pytest.mark.parametrize(
    ("change", "message"),
    [(lambda b: b[:-10], "bytes, expected"), (lambda b: b[:-4] + b"evil", "SHA-256")],
    ids=["truncated", "tampered"],
)
def test_a_bad_file_from_the_mirror_is_rejected_and_nothing_stays(
    folder, course_remote, monkeypatch, tmp_path, change, message
):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "mnist.npz").write_bytes(change((folder / "mnist.npz").read_bytes()))
    srv = mirror.start(bad, port=0, log_stream=io.StringIO())
    try:
        monkeypatch.setenv("COURSE_MIRROR", srv.url)
        with pytest.raises(DataError, match=message):
            download.fetch(course_remote, tmp_path / "learner", progress=False)
        assert list((tmp_path / "learner").iterdir()) == []  # no half-written file
    finally:
        srv.shutdown()
        srv.server_close()


def test_drive_confirmation_page_is_followed(folder, course_remote, monkeypatch, tmp_path):
    log = io.StringIO()
    srv = mirror.start(folder, port=0, log_stream=log, drive_confirm=("mnist.npz",))
    try:
        monkeypatch.setenv("COURSE_MIRROR", srv.url)
        path = download.fetch(course_remote, tmp_path / "learner", progress=False)
        assert path.read_bytes() == (folder / "mnist.npz").read_bytes()
        # the file's URL (answered with the confirmation page), then the confirmed URL; their
        # lines can come in either order (see _logged)
        both = lambda lines: sum("/mnist.npz" in line for line in lines) >= 2  # noqa: E731
        requests = sorted(
            r for r in (line.split()[3] for line in _logged(log, both)) if "mnist" in r
        )
        assert len(requests) == 2, requests
        assert requests[0] == "/mnist.npz" and "confirm=t" in requests[1], requests
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_quota_page_is_explained(tmp_path, monkeypatch):
    page = tmp_path / "server" / "img_align_celeba.zip"
    page.parent.mkdir()
    page.write_text(
        "<!DOCTYPE html><html><title>Google Drive - Quota exceeded</title><body>Too many "
        "users have viewed or downloaded this file recently.</body></html>"
    )
    monkeypatch.setattr(download, "reachable", lambda *a, **k: True)
    remote = Remote(page.as_uri(), "img_align_celeba.zip", "zip")
    with pytest.raises(DataError, match="quota .* exhausted for today"):
        download.fetch(remote, tmp_path / "out", progress=False)
    assert list((tmp_path / "out").iterdir()) == []


def test_rehearsal_files_are_checked_against_the_rehearsal_manifest_only_when_asked(
    folder, course_remote, monkeypatch, tmp_path
):
    other = tmp_path / "rehearsal"
    other.mkdir()
    (other / "mnist.npz").write_bytes(_zip(b"rehearsal digits"))  # not the pinned file
    srv = mirror.start(other, port=0, log_stream=io.StringIO(), rehearsal=True)
    try:
        monkeypatch.setenv("COURSE_MIRROR", srv.url)
        with pytest.raises(DataError, match="bytes, expected|SHA-256"):  # the pinned ones
            download.fetch(course_remote, tmp_path / "a", progress=False)
        monkeypatch.setenv("COURSE_REHEARSAL", "1")
        download._mirror_manifest.cache_clear()
        assert download.rehearsal()
        path = download.fetch(course_remote, tmp_path / "b", progress=False)
        assert path.read_bytes() == (other / "mnist.npz").read_bytes()
    finally:
        srv.shutdown()
        srv.server_close()


def test_a_rehearsal_mirror_never_vouches_for_an_unpinned_file_outside_a_rehearsal(
    monkeypatch, tmp_path
):
    """A file the course has no checksum for (cats_and_dogs_filtered.zip; MobileNetV2's weights)
    is checked against a classroom mirror's manifest. A rehearsal mirror's manifest holds a
    rehearsal file's checksum: without COURSE_REHEARSAL=1 it is refused, not taken as real."""
    other = tmp_path / "rehearsal"
    other.mkdir()
    (other / "cats_and_dogs_filtered.zip").write_bytes(_zip(b"rehearsal pictures"))
    remote = Remote("https://origin.invalid/f.zip", "cats_and_dogs_filtered.zip", "zip")
    monkeypatch.delenv("COURSE_REHEARSAL", raising=False)
    for rehearsal in (True, False):
        download._mirror_manifest.cache_clear()
        srv = mirror.start(other, port=0, log_stream=io.StringIO(), rehearsal=rehearsal)
        try:
            monkeypatch.setenv("COURSE_MIRROR", srv.url)
            target = tmp_path / f"out-{rehearsal}"
            if rehearsal:
                with pytest.raises(DataError, match="serves rehearsal files.*COURSE_REHEARSAL=1"):
                    download.fetch(remote, target, progress=False)
                assert list(target.iterdir()) == []
                monkeypatch.setenv("COURSE_REHEARSAL", "1")
                download._mirror_manifest.cache_clear()
                assert download.fetch(remote, target, progress=False).is_file()  # rehearsing
                monkeypatch.delenv("COURSE_REHEARSAL")
            else:  # a classroom mirror: its manifest checks the transfer
                assert download.fetch(remote, target, progress=False).is_file()
        finally:
            srv.shutdown()
            srv.server_close()
            download._mirror_manifest.cache_clear()


def test_bad_mirror_address_says_what_to_do(monkeypatch):
    monkeypatch.setenv("COURSE_MIRROR", "classroom-pc:8765")
    with pytest.raises(DataError, match="http://HOST:PORT"):
        download.mirror()


def test_plain_tar_is_accepted_as_tar_gz(tmp_path):
    import tarfile

    member = tmp_path / "list.txt"
    member.write_text("Abyssinian_1 1 1 1\n")
    plain = tmp_path / "annotations.tar.gz"  # the Oxford pets archives: named .tar.gz, plain tar
    with tarfile.open(plain, "w") as tar:
        tar.add(member, arcname="annotations/list.txt")
    download.verify(plain, Remote("https://x.invalid/a", plain.name, "tar.gz"))
    plain.write_bytes(b"neither gzip nor tar" * 40)
    with pytest.raises(DataError, match="not a tar.gz archive"):
        download.verify(plain, Remote("https://x.invalid/a", plain.name, "tar.gz"))
