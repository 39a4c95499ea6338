"""Downloads that fail fast offline, verify what arrived and never leave half a file behind.

* :func:`reachable` - a 3-second TCP check before any download, so an offline machine falls
  back (or fails with instructions) within seconds instead of waiting for an HTTP time-out;
* :func:`fetch` - download one :class:`Remote` to ``<folder>/<filename>.part`` with a progress
  bar, retry network errors with back-off, check it (size, SHA-256 where known, archive format,
  an HTML page saved instead of the file), then ``os.replace`` it into place;
* :func:`extract` - unpack a zip/tar archive into a temporary sibling folder, then rename it.

Keras' ``get_file(extract=True)`` is not used: it extracts into ``*_extracted`` folders.
"""

from __future__ import annotations

import hashlib
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
from urllib.parse import urlparse

from ..errors import DataError


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
    (``tensorflow_datasets/.../checksums.tsv``); ``None`` means unknown (then only the
    format is checked). ``kind`` is ``"zip"``, ``"tar.gz"``, ``"npz"`` or ``"text"``.
    """

    url: str
    filename: str
    kind: str
    sha256: str | None = None
    size: int | None = None
    page: str = ""  # a web page where a person can download the file by hand

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or ""


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


@dataclass(frozen=True)
class Planned:
    """One download the lessons make in ``cpu``/``full``: what, which files, bytes, lessons."""

    what: str
    files: tuple[str, ...]
    size: int
    lessons: tuple[str, ...]


#: ImageNet weights the lessons load through ``keras.applications`` into ``~/.keras/models``
#: (sizes as Keras downloads them from storage.googleapis.com/tensorflow/keras-applications).
IMAGENET_WEIGHTS: tuple[Planned, ...] = (
    Planned(
        "VGG16 without its top",
        ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",),
        58889256,
        ("04", "09"),
    ),
    Planned(
        "VGG16 with its top", ("vgg16_weights_tf_dim_ordering_tf_kernels.h5",), 553467096, ("09",)
    ),
    Planned(
        "Xception without its top",
        ("xception_weights_tf_dim_ordering_tf_kernels_notop.h5",),
        83683744,
        ("09",),
    ),
    Planned(
        "MobileNetV2 without its top (one ~9.4 MB file per image size)",
        ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5",),
        9406464,
        ("05",),
    ),
    Planned("ImageNet class names", ("imagenet_class_index.json",), 35363, ("09",)),
)


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
            ("02", "03", "04", "07", "09"),
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
    return [*plan, *IMAGENET_WEIGHTS]


_MAGIC = {"zip": (b"PK\x03\x04",), "tar.gz": (b"\x1f\x8b",), "npz": (b"PK\x03\x04",)}


def manual_steps(remote: Remote, folder: Path) -> str:
    """What a learner can do by hand when ``remote`` cannot be downloaded here."""
    where = remote.page or remote.url
    return (
        f"Download {remote.filename} by hand (from {where}; file URL {remote.url}) and put it "
        f"in {folder}, then run the cell again (`python -m course_utils data` shows what is "
        f"found). The course keeps its data in $COURSE_DATA_DIR, else ~/.cache/cnn-course."
    )


def sha256sum(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


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
    if looks_like_html(head):
        raise DataError(
            f"{path} is a web page, not {remote.kind} data (the server sent a page such as "
            f"'quota exceeded' or a sign-in/virus-scan notice instead of the file). Delete it. "
            f"{fix}"
        )
    magic = _MAGIC.get(remote.kind)
    if magic and not head.startswith(magic):
        raise DataError(f"{path} is not a {remote.kind} archive (starts with {head[:8]!r}). {fix}")
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        raise DataError(
            f"{path} has {size:,} bytes, expected {remote.size:,} (incomplete or another "
            f"version). Delete it. {fix}"
        )
    if remote.sha256 is not None and sha256sum(path) != remote.sha256:
        raise DataError(f"{path}: SHA-256 checksum does not match the published one. {fix}")


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
    The data goes to ``<name>.part`` first and is renamed only once verified.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.filename
    if target.is_file():
        verify(target, remote)
        return target
    if not reachable(remote.host):
        raise DataError(
            f"cannot reach {remote.host} (offline, or a firewall), so {remote.filename} cannot "
            f"be downloaded here. {manual_steps(remote, folder)}"
        )
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{remote.filename}.", suffix=".part")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        for attempt in range(retries + 1):
            try:
                request = urllib.request.Request(remote.url, headers={"User-Agent": "cnn-course"})
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    total = response.headers.get("Content-Length")
                    with open(tmp, "wb") as out:
                        _copy_stream(
                            response, out, int(total) if total else None, remote.filename, progress
                        )
                break
            except urllib.error.HTTPError as e:
                if e.code < 500 and e.code != 429 or attempt == retries:
                    raise DataError(
                        f"downloading {remote.url} failed: HTTP {e.code} {e.reason}. "
                        f"{manual_steps(remote, folder)}"
                    ) from None
            except (urllib.error.URLError, OSError) as e:
                if attempt == retries:
                    raise DataError(
                        f"downloading {remote.url} failed after {retries + 1} tries ({e}). "
                        f"{manual_steps(remote, folder)}"
                    ) from None
            time.sleep(2 ** (attempt + 1))
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
        if not str(target).startswith(str(root)) or member.issym() or member.islnk():
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
                        target = (tmp / name).resolve()
                        if str(target).startswith(str(tmp.resolve())):
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
    ``~/tensorflow_datasets``), found without importing TensorFlow."""
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
