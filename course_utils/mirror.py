"""A data mirror for classrooms: one machine serves the course's downloads to the others.

The instructor's machine has everything fetched (``python -m course_utils fetch --all``); it runs

    python -m course_utils mirror serve [--dir DIR] [--host HOST] [--port PORT]

and every learner sets ``COURSE_MIRROR=http://HOST:PORT`` (for example with ``make lab``). Each
download the course makes then comes from the mirror instead of the internet, and is verified
against the course's pinned checksums exactly as a download from the origin would be
(:func:`course_utils.datasets.download.fetch`).

What the server does, and does not:

- it serves only the files of its **manifest**: the course's known downloads (data archives and
  ImageNet weight files) found in ``DIR`` (any depth) and in Keras' cache, each under its file
  name (``/kagglecatsanddogs_5340.zip``), plus ``/manifest.json`` (name, size, SHA-256 of each).
  A path outside the manifest is a 404, whatever its spelling (``../``, ``%2e%2e/``, an absolute
  path, a symlink leading out of ``DIR``);
- it answers only ``GET`` and ``HEAD`` (anything else: 405);
- it binds to 127.0.0.1 unless ``--host`` says otherwise (``--host 0.0.0.0`` for a classroom
  network), and serves each client in its own thread, so one slow laptop does not hold up the
  others; it logs one line per request.

A *rehearsal* mirror (``tools/rehearse.py``) serves files in the real formats filled with
stand-in pictures, and *rehearsal weights* (Keras' weight files' names and layouts, random
values). Its manifest says ``"rehearsal": true`` and carries their checksums; clients accept
those checksums only when ``COURSE_REHEARSAL=1`` is set too, and label such data *rehearsal
data*, never *real*, and such weights "rehearsal weights, not ImageNet", never ImageNet (a
rehearsal weight file is marked inside, and refused outside a rehearsal wherever it comes from).
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

MANIFEST = "manifest.json"
_CACHE = ".mirror-checksums.json"


def known_files() -> set[str]:
    """File names of every download the course makes (data archives, ImageNet weights, the
    slide decks' JavaScript packages)."""
    from .datasets.download import REMOTES, WEB_REMOTES, WEIGHT_REMOTES

    remotes = (*REMOTES.values(), *WEIGHT_REMOTES.values(), *WEB_REMOTES.values())
    return {remote.filename for remote in remotes}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    size: int
    sha256: str
    real: Path | None = None  # where ``path`` really is (symlinks resolved) when listed


def _inside(path: Path, root: Path) -> bool:
    """True when ``path`` (symlinks resolved) lies inside ``root``."""
    try:
        path.resolve(strict=True).relative_to(root.resolve())
        return True
    except (OSError, ValueError):
        return False


def build_manifest(
    root: Path, names: set[str] | None = None, extra_roots: tuple[Path, ...] = ()
) -> dict[str, Entry]:
    """The files a mirror of ``root`` serves, by name: each of ``names`` (default: the course's
    known downloads) found in ``root`` or ``extra_roots``; hidden and ``.part`` files, and files
    whose real location is outside the root they were found in, are left out.

    SHA-256 sums are cached in ``root/.mirror-checksums.json`` (keyed by size and modification
    time), so a restart does not read gigabytes again.
    """
    root = Path(root)
    names = known_files() if names is None else names
    cache_file = root / _CACHE
    try:
        cache = json.loads(cache_file.read_text())
    except (OSError, ValueError):
        cache = {}
    entries: dict[str, Entry] = {}
    for base in (root, *extra_roots):
        if not base.is_dir():
            continue
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name not in names or name in entries or name.startswith("."):
                    continue
                path = Path(folder) / name
                if not path.is_file() or not _inside(path, base):
                    continue
                stat = path.stat()
                key = f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
                digest = cache.get(key) or _sha256(path)
                cache[key] = digest
                entries[name] = Entry(name, path, stat.st_size, digest, path.resolve())
    try:
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(cache, indent=0))
        os.replace(tmp, cache_file)
    except OSError:
        pass  # a read-only folder: checksums are computed again next time
    return entries


def manifest_json(entries: dict[str, Entry], rehearsal: bool = False) -> bytes:
    files = [{"name": e.name, "size": e.size, "sha256": e.sha256} for e in entries.values()]
    return json.dumps({"rehearsal": rehearsal, "files": files}, indent=1).encode()


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "cnn-course-mirror"
    protocol_version = "HTTP/1.1"
    entries: dict[str, Entry] = {}
    manifest: bytes = b"{}"
    log_stream = sys.stderr
    # Paths answered with a Google Drive-style confirmation page first (rehearsals only).
    drive_confirm: frozenset[str] = frozenset()

    def log_message(self, format, *args):  # noqa: A002 - the base class' signature
        pass  # one line per request is written by _log instead

    def _log(self, status: int, sent: int) -> None:
        line = (
            f"{time.strftime('%H:%M:%S')} {self.client_address[0]} {self.command} "
            f"{self.path[:200]} {status} {sent}"
        )
        print(line, file=self.log_stream, flush=True)

    def _reply(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 405:
            self.send_header("Allow", "GET, HEAD")
        self.end_headers()
        sent = 0
        if self.command != "HEAD":
            self.wfile.write(body)
            sent = len(body)
        self._log(status, sent)

    def _name(self) -> str | None:
        """The requested manifest name, or None (any other path)."""
        path = unquote(urlsplit(self.path).path)
        if not path.startswith("/") or "\\" in path or "\x00" in path:
            return None
        name = path[1:]
        if name == MANIFEST or name in self.entries:
            return name
        return None

    def do_GET(self):  # noqa: N802 - http.server's naming
        name = self._name()
        if name is None:
            return self._reply(404, b"not in this mirror's manifest\n")
        if name == MANIFEST:
            return self._reply(200, self.manifest, "application/json")
        query = urlsplit(self.path).query
        if name in self.drive_confirm and "confirm=" not in query:
            page = (
                "<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title>"
                "</head><body><p>Google Drive can't scan this file for viruses.</p>"
                f'<form id="download-form" action="/{name}" method="get">'
                '<input type="hidden" name="id" value="rehearsal">'
                '<input type="hidden" name="export" value="download">'
                '<input type="hidden" name="confirm" value="t">'
                '<input type="hidden" name="uuid" value="0000">'
                '<input type="submit" value="Download anyway"></form></body></html>'
            ).encode()
            return self._reply(200, page, "text/html; charset=utf-8")
        entry = self.entries[name]
        moved = entry.real is not None and entry.path.resolve() != entry.real
        if moved or not entry.path.is_file() or entry.path.stat().st_size != entry.size:
            return self._reply(410, b"the file changed since the mirror started; restart it\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(entry.size))
        self.send_header("Content-Disposition", f'attachment; filename="{name}"')
        self.end_headers()
        sent = 0
        if self.command != "HEAD":
            with open(entry.path, "rb") as f:
                try:
                    shutil.copyfileobj(f, self.wfile, 1 << 20)
                    sent = entry.size
                except (BrokenPipeError, ConnectionResetError):
                    sent = -1  # the client went away
                    self.close_connection = True  # do not wait for its next request
        self._log(200, sent)

    do_HEAD = do_GET  # noqa: N815 - http.server's naming

    def _refuse(self):
        self._reply(405, b"only GET and HEAD\n")

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # noqa: N815


class MirrorServer(http.server.ThreadingHTTPServer):
    """A threading HTTP server over one manifest; :func:`start` makes one."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (a cancelled download, a laptop closed between two requests)
        is normal in a classroom: one log line for it, not socketserver's traceback on the
        instructor's terminal. Any other error keeps the traceback."""
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError):
            super().handle_error(request, client_address)
            return
        line = (
            f"{time.strftime('%H:%M:%S')} {client_address[0]} - - hung up ({type(error).__name__})"
        )
        print(line, file=self.RequestHandlerClass.log_stream, flush=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def start(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8765,
    entries: dict[str, Entry] | None = None,
    rehearsal: bool = False,
    drive_confirm: tuple[str, ...] = (),
    log_stream=None,
) -> MirrorServer:
    """Start serving ``root`` in a background thread; returns the server (``.url``,
    ``.shutdown()``). ``port=0`` picks a free port."""
    entries = build_manifest(Path(root)) if entries is None else entries
    handler = type(
        "Handler",
        (_Handler,),
        {
            "entries": entries,
            "manifest": manifest_json(entries, rehearsal),
            "drive_confirm": frozenset(drive_confirm),
            "log_stream": log_stream or sys.stderr,
        },
    )
    server = MirrorServer((host, port), handler)
    threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="course-mirror",
        daemon=True,
    ).start()
    return server
