"""Downloads that fail fast offline, verify what arrived and never leave half a file behind.

* :func:`reachable` - a 3-second TCP check before any download, so an offline machine falls
  back (or fails with instructions) within seconds instead of waiting for an HTTP time-out;
* :func:`fetch` - download one :class:`Remote` to ``<folder>/<filename>.part`` with a progress
  bar, retry network errors with back-off, check it (size, SHA-256 where known, archive format,
  an HTML page saved instead of the file), then ``os.replace`` it into place;
* :func:`extract` - unpack a zip/tar archive into a temporary sibling folder, then rename it.

Keras' ``get_file(extract=True)`` is not used: it extracts into ``*_extracted`` folders.

With ``COURSE_MIRROR=http://HOST:PORT`` set, every download comes from that classroom mirror
(:mod:`course_utils.mirror`) instead of the origin, by file name, and is verified exactly as
a download from the origin: against the course's pinned size and checksums.
"""

from __future__ import annotations

import hashlib
import html.parser
import json
import os
import shutil
import socket
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlparse

from ..errors import DataError, IntegrityError


@lru_cache(maxsize=32)
def reachable(host: str, port: int = 443, timeout: float = 3.0) -> bool:
    """True when a TCP connection to ``host:port`` opens within ``timeout`` seconds.

    Used before a download so that an offline machine falls back within seconds
    instead of waiting for a long HTTP time-out.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Remote:
    """One file to download: where from, its name, its format and what we know about it.

    ``sha256`` and ``size`` come from TensorFlow Datasets' checksum files where it ships them
    (``tensorflow_datasets/.../checksums.tsv``), ``md5`` from Keras' own ``file_hash`` of its
    weight files; ``None`` means unknown (then only the format is checked). ``kind`` is
    ``"zip"``, ``"tar.gz"``, ``"npz"``, ``"h5"``, ``"json"`` or ``"text"``.
    """

    url: str
    filename: str
    kind: str
    sha256: str | None = None
    size: int | None = None
    page: str = ""  # a web page where a person can download the file by hand
    md5: str | None = None

    @property
    def host(self) -> str:
        return urlparse(self.source_url).hostname or ""

    @property
    def source_url(self) -> str:
        """Where this file is downloaded from now: the mirror when ``COURSE_MIRROR`` is set."""
        base = mirror()
        return f"{base}/{quote(self.filename)}" if base else self.url

    @property
    def port(self) -> int:
        parsed = urlparse(self.source_url)
        return parsed.port or (80 if parsed.scheme == "http" else 443)


def mirror() -> str | None:
    """``COURSE_MIRROR`` (``http://HOST:PORT``, a classroom mirror), or ``None``."""
    value = os.environ.get("COURSE_MIRROR", "").strip().rstrip("/")
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path:
        raise DataError(
            f"COURSE_MIRROR={value!r} is not a mirror address: use http://HOST:PORT, as printed "
            f"by `python -m course_utils mirror serve` on the instructor's machine."
        )
    return value


@lru_cache(maxsize=8)
def _mirror_manifest(base: str) -> dict:
    try:
        with urllib.request.urlopen(f"{base}/manifest.json", timeout=10) as response:
            return json.loads(response.read())
    except (OSError, ValueError) as e:
        raise DataError(
            f"the mirror {base} (COURSE_MIRROR) does not answer with its manifest ({e}). Is "
            f"`python -m course_utils mirror serve` running there, and is the address right?"
        ) from None


def mirror_entry(remote: Remote) -> dict | None:
    """The mirror manifest's entry (name, size, sha256) for ``remote``, or ``None``."""
    base = mirror()
    if base is None:
        return None
    for entry in _mirror_manifest(base).get("files", []):
        if entry.get("name") == remote.filename:
            return entry
    return None


def rehearsal() -> bool:
    """True when this run uses a rehearsal mirror: ``COURSE_REHEARSAL=1`` and a mirror whose
    manifest says it serves rehearsal files (real formats, stand-in pictures)."""
    base = mirror()
    if os.environ.get("COURSE_REHEARSAL", "").strip() != "1" or base is None:
        return False
    return bool(_mirror_manifest(base).get("rehearsal"))


#: What a rehearsal weight file is called wherever a run names its weights (and inside the file).
REHEARSAL_WEIGHTS = "rehearsal weights, not ImageNet"
#: The HDF5 root attribute that marks a rehearsal weight file (:mod:`course_utils.rehearsal`
#: writes it; Keras' own weight files have no such attribute).
REHEARSAL_ATTR = "rehearsal"


def rehearsal_mark(path: str | os.PathLike) -> str | None:
    """The rehearsal label written inside an HDF5 weight file (:data:`REHEARSAL_ATTR`), or
    ``None`` for any other file (Keras' real weight files, a file that is not HDF5)."""
    try:
        import h5py

        with h5py.File(path, "r") as f:
            value = f.attrs.get(REHEARSAL_ATTR)
    except (ImportError, OSError):
        return None
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


#: Files the course knows how to fetch (checksums from tfds 4.9.10 and Keras 3.15).
REMOTES: dict[str, Remote] = {
    "microsoft_cats_dogs": Remote(
        "https://download.microsoft.com/download/3/E/1/3E1C3F21-ECDB-4869-8368-6DEBA77B919F/"
        "kagglecatsanddogs_5340.zip",
        "kagglecatsanddogs_5340.zip",
        "zip",
        "b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9",
        824887076,
        "https://www.microsoft.com/en-us/download/details.aspx?id=54765",
    ),
    "cats_and_dogs_filtered": Remote(
        "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip",
        "cats_and_dogs_filtered.zip",
        "zip",
        page="https://www.tensorflow.org/tutorials/images/transfer_learning",
    ),
    "pets_images": Remote(
        "https://thor.robots.ox.ac.uk/~vgg/data/pets/images.tar.gz",
        "images.tar.gz",
        "tar.gz",
        "67195c5e1c01f1ab5f9b6a5d22b8c27a580d896ece458917e61d459337fa318d",
        791918971,
        "https://www.robots.ox.ac.uk/~vgg/data/pets/",
    ),
    "pets_annotations": Remote(
        "https://thor.robots.ox.ac.uk/~vgg/data/pets/annotations.tar.gz",
        "annotations.tar.gz",
        "tar.gz",
        "52425fb6de5c424942b7626b428656fcbd798db970a937df61750c0f1d358e91",
        19173078,
        "https://www.robots.ox.ac.uk/~vgg/data/pets/",
    ),
    "celeba_images": Remote(
        "https://drive.google.com/uc?export=download&id=0B7EVK8r0v71pZjFTYXZWM3FlRnM",
        "img_align_celeba.zip",
        "zip",
        "46fb89443c578308acf364d7d379fe1b9efb793042c0af734b6112e4fd3a8c74",
        1443490838,
        "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
    ),
    "celeba_attributes": Remote(
        "https://drive.google.com/uc?export=download&id=0B7EVK8r0v71pblRyaVFSWGxPY0U",
        "list_attr_celeba.txt",
        "text",
        "f0e5da289d5ccf75ffe8811132694922b60f2af59256ed362afa03fefba324d0",
        26721026,
        "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
    ),
    "celeba_partition": Remote(
        "https://drive.google.com/uc?export=download&id=0B7EVK8r0v71pY0NSMzRuSXJEVkk",
        "list_eval_partition.txt",
        "text",
        "fc955bcb3ef8fbdf7d5640d9a8693a8431b5f2ee291a5c1449a1549e7e073fe7",
        2836386,
        "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
    ),
    "celeba_landmarks": Remote(
        "https://drive.google.com/uc?export=download&id=0B7EVK8r0v71pd0FJY3Blby1HUTQ",
        "list_landmarks_align_celeba.txt",
        "text",
        "6c02a87569907f6db2ba99019085697596730e8129f67a3d61659f198c48d43b",
        12156055,
        "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html",
    ),
    "mnist": Remote(
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
        "mnist.npz",
        "npz",
        "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
        11490434,
    ),
}

#: The JavaScript packages the slide decks load (tools/slides.py), from the npm registry; SHA-256
#: of the tarballs measured on download from registry.npmjs.org. Keyed by ``name-version``.
WEB_REMOTES: dict[str, Remote] = {
    "reveal.js-4.0.2": Remote(
        "https://registry.npmjs.org/reveal.js/-/reveal.js-4.0.2.tgz",
        "reveal.js-4.0.2.tgz",
        "tar.gz",
        "0c234d5bfe539606c1af4bcc031f0d21ed99e264d90b7859abad34f7e3a0c587",
        2299732,
        "https://www.npmjs.com/package/reveal.js/v/4.0.2",
    ),
    "jquery-2.2.4": Remote(
        "https://registry.npmjs.org/jquery/-/jquery-2.2.4.tgz",
        "jquery-2.2.4.tgz",
        "tar.gz",
        "1ce113265b4e2a1c8cfc1da2fbf8836bd44e2911daa2a264b8ec52afef2e19a1",
        272684,
        "https://www.npmjs.com/package/jquery/v/2.2.4",
    ),
    "requirejs-2.1.10": Remote(
        "https://registry.npmjs.org/requirejs/-/requirejs-2.1.10.tgz",
        "requirejs-2.1.10.tgz",
        "tar.gz",
        "4f951a198b4ea218c75bafe88056056947fb0b72daefcd5f3a022281c5600c60",
        231487,
        "https://www.npmjs.com/package/requirejs/v/2.1.10",
    ),
    "mathjax-2.7.7": Remote(
        "https://registry.npmjs.org/mathjax/-/mathjax-2.7.7.tgz",
        "mathjax-2.7.7.tgz",
        "tar.gz",
        "f0054315d40f7288b2373b23520677fd1132a405702dfca05ee6ebe5cd0a8677",
        20707440,
        "https://www.npmjs.com/package/mathjax/v/2.7.7",
    ),
}


@dataclass(frozen=True)
class Planned:
    """One download the lessons make in ``cpu``/``full``: what, which files, bytes, lessons."""

    what: str
    files: tuple[str, ...]
    size: int
    lessons: tuple[str, ...]


_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"

#: ImageNet weight files the lessons load through ``keras.applications``, as Keras downloads
#: them into ``~/.keras/models`` (URLs and MD5 ``file_hash`` values from Keras' own
#: ``keras/src/applications``; a test compares them with the installed Keras). Keras gives
#: MobileNetV2 no hash; its size is pinned for the 160-pixel file only.
WEIGHT_REMOTES: dict[str, Remote] = {
    "vgg16_notop": Remote(
        _KERAS_APPS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "h5",
        size=58889256,
        md5="6d6bbae143d832006294945121d1f1fc",
    ),
    "vgg16": Remote(
        _KERAS_APPS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        "vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        "h5",
        size=553467096,
        md5="64373286793e3c8b2b4e3219cbf3544b",
    ),
    "xception_notop": Remote(
        _KERAS_APPS + "xception/xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "h5",
        size=83683744,
        md5="b0042744bf5b25fce3cb969f33bebb97",
    ),
    **{
        f"mobilenet_v2_{rows}_notop": Remote(
            _KERAS_APPS
            + f"mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{rows}_no_top.h5",
            f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_{rows}_no_top.h5",
            "h5",
            size=9406464 if rows == 160 else None,
        )
        for rows in (96, 128, 160, 192, 224)
    },
    "imagenet_class_index": Remote(
        "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
        "imagenet_class_index.json",
        "json",
        size=35363,
        md5="c2c37ea517e94d9795004a39431a14cb",
    ),
}

#: Which weight files which lessons load (MobileNetV2: the ``full`` profile's 160-pixel file).
WEIGHT_LESSONS: dict[str, tuple[str, ...]] = {
    "vgg16_notop": ("04", "09"),
    "vgg16": ("09",),
    "xception_notop": ("09",),
    "mobilenet_v2_160_notop": ("05",),
    "imagenet_class_index": ("09",),
}

_WEIGHT_TITLES = {
    "vgg16_notop": "VGG16 without its top",
    "vgg16": "VGG16 with its top",
    "xception_notop": "Xception without its top",
    "mobilenet_v2_160_notop": "MobileNetV2 without its top (one ~9.4 MB file per image size)",
    "imagenet_class_index": "ImageNet class names",
}


def weights_cache() -> Path:
    """Keras' download cache: ``$KERAS_HOME/models``, else ``~/.keras/models``."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def rehearsal_weights_cache() -> Path:
    """Where a rehearsal keeps its rehearsal weight files: ``$KERAS_HOME/rehearsal-models``,
    else ``~/.keras/rehearsal-models``. Not Keras' cache: ``keras.applications`` never looks
    there for ImageNet weights, and a classroom mirror of Keras' cache does not serve them."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "rehearsal-models"


def fetch_weights(key: str, progress: bool = True) -> Path:
    """Put the ImageNet weight file ``key`` of :data:`WEIGHT_REMOTES` into Keras' cache,
    verified (Keras then finds it there and checks its hash again); from the mirror when
    ``COURSE_MIRROR`` is set.

    In a rehearsal (:func:`rehearsal`) the file is the rehearsal mirror's rehearsal weight file
    (same name and layout, random values), verified against that mirror's manifest, and goes
    to :func:`rehearsal_weights_cache` instead: the caller loads it by path
    (``weights=path``), never as ``"imagenet"``."""
    folder = rehearsal_weights_cache() if rehearsal() else weights_cache()
    return fetch(WEIGHT_REMOTES[key], folder, progress=progress)


def download_plan() -> list[Planned]:
    """Everything the course downloads when every lesson runs with network (``fetch --all``
    plus the ImageNet weights): the data sets' archives, then the weights."""

    def remote(*keys: str) -> tuple[tuple[str, ...], int]:
        return tuple(REMOTES[k].filename for k in keys), sum(REMOTES[k].size or 0 for k in keys)

    data = [
        ("MNIST", ("mnist",), ("01",)),
        (
            "cats vs dogs (Microsoft's archive)",
            ("microsoft_cats_dogs",),
            ("02", "03", "04", "07", "09", "10"),
        ),
        ("cats vs dogs again, inside TensorFlow Datasets", ("microsoft_cats_dogs",), ("05",)),
        ("Oxford-IIIT Pet", ("pets_images", "pets_annotations"), ("06",)),
        (
            "CelebA",
            ("celeba_images", "celeba_attributes", "celeba_partition", "celeba_landmarks"),
            ("08",),
        ),
    ]
    plan = [Planned(what, *remote(*keys), lessons) for what, keys, lessons in data]
    weights = [
        Planned(_WEIGHT_TITLES[key], *remote_weights(key), lessons)
        for key, lessons in WEIGHT_LESSONS.items()
    ]
    return [*plan, *weights]


def remote_weights(key: str) -> tuple[tuple[str, ...], int]:
    remote = WEIGHT_REMOTES[key]
    return (remote.filename,), remote.size or 0


_MAGIC = {
    "zip": (b"PK\x03\x04",),
    "npz": (b"PK\x03\x04",),
    "h5": (b"\x89HDF\r\n\x1a\n",),
}


def _archive_kind_ok(kind: str, head: bytes) -> bool:
    """Does a file starting with ``head`` look like ``kind``? A ``tar.gz`` may also be a plain
    tar: the Oxford-IIIT Pet archives are named ``.tar.gz`` but served uncompressed (tfds'
    ``oxford_iiit_pet`` builder reads them as plain tar)."""
    if kind == "tar.gz":
        return head.startswith(b"\x1f\x8b") or head[257:262] == b"ustar"
    magic = _MAGIC.get(kind)
    return not magic or head.startswith(magic)


def manual_steps(remote: Remote, folder: Path) -> str:
    """What a learner can do by hand when ``remote`` cannot be downloaded here."""
    where = remote.page or remote.url
    return (
        f"Download {remote.filename} by hand (from {where}; file URL {remote.url}) and put it "
        f"in {folder}, then run the cell again (`python -m course_utils data` shows what is "
        f"found). The course keeps its data in $COURSE_DATA_DIR, else ~/.cache/cnn-course."
    )


def _digest(path: Path, algorithm: str, chunk: int = 1 << 20) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256sum(path: Path) -> str:
    return _digest(path, "sha256")


def looks_like_html(head: bytes) -> bool:
    """True when a file starts like a web page (a login, quota or virus-scan page saved
    instead of the archive; Google Drive does this for large or popular files)."""
    text = head.lstrip()[:512].lower()
    return text.startswith((b"<!doctype html", b"<html", b"<head", b"<?xml")) or b"<html" in text


def verify(path: Path, remote: Remote) -> None:
    """Check a downloaded (or hand-copied) file; raise :class:`DataError` saying what is wrong.

    Checks, in order: an HTML page instead of the file, the archive's magic bytes, the size
    and the SHA-256 when known.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(1024)
    fix = manual_steps(remote, path.parent)
    if looks_like_html(head) and remote.kind != "html":
        raise DataError(
            f"{path} is a web page, not {remote.kind} data (the server sent a page such as "
            f"'quota exceeded' or a sign-in/virus-scan notice instead of the file). Delete it. "
            f"{fix}"
        )
    if not _archive_kind_ok(remote.kind, head):
        noun = "archive" if remote.kind in ("zip", "tar.gz", "npz") else "file"
        raise DataError(f"{path} is not a {remote.kind} {noun} (starts with {head[:8]!r}). {fix}")
    if remote.kind == "h5" and not rehearsal() and rehearsal_mark(path):
        raise DataError(
            f"{path} is a rehearsal weight file ({REHEARSAL_WEIGHTS}: random values written "
            f"by course_utils.rehearsal in the layout of {remote.filename}), not Keras' file. "
            f"It is accepted only in a rehearsal (COURSE_REHEARSAL=1 with a rehearsal mirror). "
            f"Delete it. {fix}"
        )
    size, sha256, md5 = remote.size, remote.sha256, remote.md5
    checked_by = "the published one"
    if rehearsal():  # rehearsal files differ from the real ones: the mirror's manifest pins them
        entry = mirror_entry(remote) or {}
        size, sha256, md5 = entry.get("size"), entry.get("sha256"), None
        checked_by = "the rehearsal mirror's manifest"
    elif sha256 is None and md5 is None and mirror() is not None:
        if _mirror_manifest(mirror()).get("rehearsal"):  # its checksums are a rehearsal file's
            raise DataError(
                f"{path}: the mirror {mirror()} serves rehearsal files (real formats, made-up "
                f"contents) and COURSE_REHEARSAL=1 is not set, so nothing vouches for this "
                f"{remote.filename} being the real one. Set COURSE_REHEARSAL=1 to rehearse, or "
                f"use a classroom mirror (`python -m course_utils mirror serve`)."
            )
        entry = mirror_entry(remote) or {}  # no published checksum: at least check the transfer
        sha256, checked_by = entry.get("sha256"), "the mirror's manifest"
    actual = path.stat().st_size
    if size is not None and actual != size:
        raise IntegrityError(
            f"{path} has {actual:,} bytes, expected {size:,} (incomplete or another "
            f"version). Delete it. {fix}"
        )
    if sha256 is not None and sha256sum(path) != sha256:
        raise IntegrityError(f"{path}: SHA-256 checksum does not match {checked_by}. {fix}")
    if md5 is not None and _digest(path, "md5") != md5:
        raise IntegrityError(f"{path}: MD5 checksum does not match Keras' own file hash. {fix}")


def _copy_stream(response, out, total: int | None, desc: str, progress: bool) -> int:
    from tqdm.auto import tqdm

    done = 0
    with tqdm(
        total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc, disable=not progress
    ) as bar:
        while block := response.read(1 << 16):
            out.write(block)
            done += len(block)
            bar.update(len(block))
    return done


class _DownloadForm(html.parser.HTMLParser):
    """Finds the confirmation form of a Google Drive "can't scan this file for viruses" page:
    its ``action`` and the hidden inputs ``id``, ``export``, ``confirm``, ``uuid`` (what tfds'
    ``downloader._process_gdrive_confirmation`` follows, too)."""

    def __init__(self):
        super().__init__()
        self.action: str | None = None
        self.params: dict[str, str] = {}
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self._in_form, self.action = True, a.get("action") or ""
        elif (
            tag == "input"
            and self._in_form
            and a.get("name") in ("id", "export", "confirm", "uuid")
        ):
            self.params[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def confirmation_url(page: bytes, url: str) -> str | None:
    """The real download link behind a Google Drive confirmation page, or ``None`` when
    ``page`` is not one (a quota page, for instance, has no such form)."""
    form = _DownloadForm()
    form.feed(page.decode("utf-8", "replace"))
    if not form.action or "confirm" not in form.params:
        return None
    return urljoin(url, f"{form.action}?{urlencode(form.params)}")


def _drive_refusal(page: bytes) -> str:
    """Why Google Drive sent a page instead of the file, in a learner's words."""
    text = page.decode("utf-8", "replace").lower()
    if "too many users" in text or "quota" in text:
        return (
            "the server sent a web page instead of the file: Google Drive's download quota for "
            "it is exhausted for today (too many people downloaded it). Try again tomorrow."
        )
    return "the server sent a web page instead of the file (a sign-in or error page)."


def _download(url: str, tmp: Path, remote: Remote, retries: int, timeout: float, progress: bool):
    """Download ``url`` into ``tmp`` with retries; returns the response headers."""
    folder = tmp.parent
    for attempt in range(retries + 1):
        try:
            request = urllib.request.Request(url, headers={"User-Agent": "cnn-course"})
            with urllib.request.urlopen(request, timeout=timeout) as response:
                total = response.headers.get("Content-Length")
                with open(tmp, "wb") as out:
                    _copy_stream(
                        response, out, int(total) if total else None, remote.filename, progress
                    )
                return response.headers
        except urllib.error.HTTPError as e:
            if e.code < 500 and e.code != 429 or attempt == retries:
                raise DataError(
                    f"downloading {url} failed: HTTP {e.code} {e.reason}. "
                    f"{manual_steps(remote, folder)}"
                ) from None
        except (urllib.error.URLError, OSError) as e:
            if attempt == retries:
                raise DataError(
                    f"downloading {url} failed after {retries + 1} tries ({e}). "
                    f"{manual_steps(remote, folder)}"
                ) from None
        time.sleep(2 ** (attempt + 1))
    raise AssertionError("unreachable")


def fetch(
    remote: Remote,
    folder: str | os.PathLike,
    retries: int = 3,
    timeout: float = 30.0,
    progress: bool = True,
) -> Path:
    """Download ``remote`` into ``folder`` and return the verified file.

    A file already there that passes :func:`verify` is reused. Offline (``reachable`` fails)
    this raises :class:`DataError` with manual steps within seconds. Network errors are retried
    ``retries`` times with 2, 4, 8 ... s pauses; a wrong file (HTML page, bad checksum) is not.
    A Google Drive confirmation page ("can't scan this file for viruses") is followed once.
    The data goes to ``<name>.part`` first and is renamed only once verified. With
    ``COURSE_MIRROR`` set the file comes from that mirror, verified the same way.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.filename
    if target.is_file():
        verify(target, remote)
        return target
    where = f"the mirror {mirror()} (COURSE_MIRROR)" if mirror() else remote.host
    if not reachable(remote.host, remote.port):
        raise DataError(
            f"cannot reach {where} (offline, or a firewall), so {remote.filename} cannot "
            f"be downloaded here. {manual_steps(remote, folder)}"
        )
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{remote.filename}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        url = remote.source_url
        for _ in range(2):  # the file, or a Drive confirmation page and then the file
            headers = _download(url, tmp, remote, retries, timeout, progress)
            if "Content-Disposition" in headers or tmp.stat().st_size > 2_000_000:
                break
            page = tmp.read_bytes()
            if not looks_like_html(page[:1024]) or remote.kind == "html":
                break
            confirmed = confirmation_url(page, url)
            if confirmed is None:
                raise DataError(
                    f"downloading {remote.filename} from {where}: {_drive_refusal(page)} "
                    f"{manual_steps(remote, folder)}"
                )
            url = confirmed
        verify(tmp, remote)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _safe_members(tar: tarfile.TarFile, dest: Path):
    """Tar members that stay inside ``dest`` (no absolute paths, ``..`` or links out)."""
    root = dest.resolve()
    for member in tar.getmembers():
        target = (dest / member.name).resolve()
        if not target.is_relative_to(root) or member.issym() or member.islnk():
            continue
        yield member


def extract(archive: str | os.PathLike, dest: str | os.PathLike) -> Path:
    """Unpack a ``.zip`` or ``.tar[.gz]`` archive so that its contents end up in ``dest``.

    Extracts into a temporary sibling folder, then moves each top-level entry into ``dest``
    with ``os.replace``; entries already in ``dest`` are kept (a finished earlier extraction).
    A damaged archive raises :class:`DataError` and leaves ``dest`` as it was.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest, prefix=f".{archive.name}.", suffix=".part"))
    try:
        try:
            if zipfile.is_zipfile(archive):
                with zipfile.ZipFile(archive) as zf:
                    for name in zf.namelist():
                        if (tmp / name).resolve().is_relative_to(tmp.resolve()):
                            zf.extract(name, tmp)
            else:
                with tarfile.open(archive) as tar:
                    tar.extractall(tmp, members=list(_safe_members(tar, tmp)))  # noqa: S202
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as e:
            raise DataError(
                f"{archive} cannot be unpacked ({e}): it is damaged or incomplete. Delete it "
                f"and download it again."
            ) from None
        for entry in tmp.iterdir():
            if not (dest / entry.name).exists():
                os.replace(entry, dest / entry.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def tfds_data_dir() -> Path:
    """Where TensorFlow Datasets keeps prepared data (``TFDS_DATA_DIR`` or
    ``~/tensorflow_datasets``), found without importing TensorFlow.

    The course passes it to every ``tfds.load`` as ``data_dir``: tfds reads ``TFDS_DATA_DIR``
    once, when it is imported, so a folder set later (in a notebook, or by a test) would be
    where the course looks for tfds' cache but not where tfds writes."""
    return Path(os.environ.get("TFDS_DATA_DIR", Path.home() / "tensorflow_datasets"))


def tfds_prepared(name: str) -> Path | None:
    """The folder of a prepared tfds data set ``name`` (any version), or ``None``."""
    base = tfds_data_dir() / name
    if not base.is_dir():
        return None
    for info in sorted(base.glob("*/dataset_info.json"), reverse=True):
        return info.parent
    return None


def folder_size(path: Path) -> tuple[int, int]:
    """``(bytes, files)`` under ``path`` (a file counts as one)."""
    if path.is_file():
        return path.stat().st_size, 1
    total = count = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
                count += 1
            except OSError:
                pass
    return total, count
