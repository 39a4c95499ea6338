"""Check image files with TensorFlow's own decoders before a model trains on them.

A training run should never die in epoch 3 on one bad file. :func:`check_images` decodes every
image file of a folder the way ``tf.data`` pipelines do and names, per file, what is wrong:

* problems (the file is not used): empty, truncated, corrupt, not an image, or content in
  another format than its name says (PNG/GIF/BMP data in a ``.jpg`` file);
* notes (the file is fine; loaders convert it to an RGB JPEG): CMYK, grayscale, alpha channel,
  palette, and JPEGs that make libjpeg print "Corrupt JPEG data" (a warning at every read).

The loaders of the course call :func:`check_file` / :func:`check_bytes` on every file they use,
so they skip exactly what ``python -m course_utils check-images DIR`` reports.
TensorFlow is imported only when a file is decoded.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

#: File name endings that name an image, and the format each one promises.
SUFFIX_FORMATS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".gif": "GIF",
    ".bmp": "BMP",
}
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


@dataclass
class ImageCheck:
    """What one file holds: its real ``format`` (from its first bytes), a ``problem`` when it
    cannot be used, ``notes`` about conversions loaders make, and the decoded ``shape``."""

    path: str
    size: int
    format: str | None = None
    problem: str | None = None
    notes: tuple[str, ...] = ()
    shape: tuple[int, ...] | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None

    def describe(self) -> str:
        what = self.problem or ("ok" + (f" ({', '.join(self.notes)})" if self.notes else ""))
        return f"{self.path}: {what}"


@dataclass
class ImageReport:
    """The checks of every image file under ``folder`` (``ignored``: files with other names)."""

    folder: Path
    checks: list[ImageCheck] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def bad(self) -> list[ImageCheck]:
        return [c for c in self.checks if not c.usable]

    @property
    def noted(self) -> list[ImageCheck]:
        return [c for c in self.checks if c.usable and c.notes]

    @property
    def all_usable(self) -> bool:
        return not self.bad

    def summary(self) -> str:
        """One line: how many files, how many unusable, how many converted on loading."""
        text = (
            f"{self.folder}: {len(self.checks)} image files, {len(self.bad)} unusable, "
            f"{len(self.noted)} usable after conversion to RGB"
        )
        if self.ignored:
            text += f", {len(self.ignored)} other files ignored"
        return text


def sniff_format(data: bytes) -> str | None:
    """The image format the first bytes of ``data`` announce, or ``None``."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _truncated(data: bytes, fmt: str) -> bool:
    tail = data.rstrip(b"\x00")[-16:]
    if fmt == "JPEG":
        return not tail.endswith(b"\xff\xd9")
    if fmt == "PNG":
        return b"IEND" not in tail
    return False


def _tf_message(error: Exception) -> str:
    """The readable part of a TensorFlow error (after its ``{{function_node ...}}`` prefix)."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text.split("}} ", 1)[-1].split(" [Op:", 1)[0].strip()


def _colour_notes(data: bytes, channels: int) -> tuple[str, ...]:
    """Notes on colour modes the loaders convert: CMYK, grayscale, alpha, palette."""
    mode = ""
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            mode = im.mode
            transparent = "transparency" in im.info
    except Exception:  # noqa: BLE001 - PIL is only used for notes; TF decided usability
        transparent = False
    notes = []
    if mode == "CMYK":
        notes.append("CMYK")
    if channels in (1, 2) or mode in ("L", "LA", "1", "I", "I;16"):
        notes.append("grayscale")
    if channels in (2, 4) or mode in ("RGBA", "LA", "PA") or transparent:
        notes.append("alpha channel")
    if mode == "P":
        notes.append("palette")
    return tuple(notes)


def check_bytes(data: bytes, name: str = "<bytes>") -> ImageCheck:
    """Check one file's content (``name`` gives the expected format by its ending)."""
    check = ImageCheck(path=str(name), size=len(data))
    if not data:
        check.problem = "empty file (0 bytes)"
        return check
    fmt = sniff_format(data)
    check.format = fmt
    if fmt is None:
        check.problem = f"not an image (starts with {data[:8]!r})"
        return check
    import tensorflow as tf

    try:
        with _stderr_of_c_code() as warnings:
            image = tf.io.decode_image(data, channels=0, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as e:
        what = "truncated" if _truncated(data, fmt) else "corrupt"
        check.problem = f"{what} {fmt} ({_tf_message(e)})"
        return check
    check.shape = tuple(int(d) for d in image.shape)
    if 0 in check.shape[:2]:
        check.problem = f"{fmt} with no pixels (shape {check.shape})"
        return check
    expected = SUFFIX_FORMATS.get(Path(str(name)).suffix.lower())
    if expected is not None and expected != fmt:
        check.problem = f"{fmt} content under a {Path(str(name)).suffix} name"
    check.notes = _colour_notes(data, check.shape[-1])
    if "Corrupt JPEG data" in warnings.text:
        # It decodes, but libjpeg prints a warning for every read: during training that fills the
        # learner's log (the reason tfds re-encodes these files, tensorflow/datasets#2188).
        check.notes += ("libjpeg warns: " + warnings.text.strip().splitlines()[0][:80],)
    return check


class _Captured:
    text = ""


@contextlib.contextmanager
def _stderr_of_c_code():
    """What C code (libjpeg inside TensorFlow) writes to file descriptor 2 meanwhile; it is not
    passed on. ``.text`` holds it after the block."""
    captured = _Captured()
    try:
        saved = os.dup(2)
    except OSError:
        yield captured
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.text = sink.read().decode("utf-8", "replace")


def check_file(path: str | os.PathLike) -> ImageCheck:
    """Check one image file (see :func:`check_bytes`)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        return ImageCheck(path=str(path), size=0, problem=f"cannot be read ({e.strerror})")
    check = check_bytes(data, str(path))
    return check


def image_files(folder: str | os.PathLike) -> tuple[list[Path], list[Path]]:
    """``(images, others)``: the files under ``folder`` whose names end like an image, sorted,
    and the rest."""
    images, others = [], []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            (images if path.suffix.lower() in SUFFIX_FORMATS else others).append(path)
    return images, others


def check_images(folder: str | os.PathLike, progress: bool = False) -> ImageReport:
    """Decode every image file under ``folder`` (recursively) and report each one's problems.

    Files whose names do not end in an image suffix (``Thumbs.db``, ``README``) are listed in
    ``report.ignored``. Nothing is moved or changed; see :func:`quarantine`.
    """
    from ..errors import DataError

    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder; give the folder that holds the images.")
    images, others = image_files(folder)
    report = ImageReport(folder, ignored=[str(p.relative_to(folder)) for p in others])
    iterator: Iterable[Path] = images
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(images, desc=f"checking {folder.name}", unit="file")
    for path in iterator:
        check = check_file(path)
        check.path = str(path.relative_to(folder))
        report.checks.append(check)
    return report


def quarantine(report: ImageReport, dest: str | os.PathLike) -> list[Path]:
    """Move the unusable files of ``report`` into ``dest``, keeping their relative paths.

    Returns the new paths. Usable files are never touched; a file already in ``dest`` under the
    same name is not overwritten (a number is added to the new name).
    """
    dest = Path(dest)
    moved = []
    for check in report.bad:
        source = report.folder / check.path
        target = dest / check.path
        target.parent.mkdir(parents=True, exist_ok=True)
        n = 1
        while target.exists():
            target = target.with_name(f"{Path(check.path).stem}.{n}{Path(check.path).suffix}")
            n += 1
        shutil.move(str(source), str(target))
        moved.append(target)
    return moved


def to_rgb_jpeg(data: bytes, quality: int = 95) -> bytes:
    """Re-encode any decodable image (CMYK, grayscale, alpha, PNG ...) as an RGB JPEG."""
    import tensorflow as tf

    image = tf.io.decode_image(data, channels=3, expand_animations=False)
    return tf.io.encode_jpeg(image, quality=quality).numpy()


def needs_conversion(check: ImageCheck) -> bool:
    """True for a usable file that is not a plain RGB JPEG (loaders re-encode those)."""
    return check.usable and (check.format != "JPEG" or bool(check.notes))
