"""`DataSource`: what a lesson's data really is (real or stand-in), and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

REAL = "real"
STANDIN = "stand-in"
#: Files in the real formats, served by a rehearsal mirror, filled with stand-in pictures.
REHEARSAL = "rehearsal data"


@dataclass(frozen=True)
class DataSource:
    """The resolved source of one data set.

    ``kind`` is ``"real"`` or ``"stand-in"``, or ``"rehearsal data"`` for what a resolver calls
    real during a rehearsal (``COURSE_REHEARSAL=1`` with a rehearsal mirror: the real formats
    and code path, stand-in pictures; see :mod:`course_utils.rehearsal`); ``name`` is what the
    data is (``"Fashion-MNIST"``); ``location`` is a folder, file or URL; ``how`` says how it is
    obtained (``"local IDX files"``, ``"keras download"``, ``"generated"`` ...).
    """

    dataset: str
    kind: str
    name: str
    location: str = ""
    how: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind == REAL and _from_the_rehearsal_mirror(self):
            object.__setattr__(self, "kind", REHEARSAL)
            note = "real formats filled with stand-in pictures: results are NOT real"
            object.__setattr__(self, "note", f"{note}; {self.note}" if self.note else note)

    @property
    def is_standin(self) -> bool:
        return self.kind == STANDIN

    @property
    def label(self) -> str:
        """Short label for plot titles: ``"Fashion-MNIST (real)"``."""
        return f"{self.name} ({self.kind})"

    def describe(self) -> str:
        """One line for the banner."""
        parts = [f"{self.name} - {self.kind}"]
        if self.how:
            parts.append(self.how)
        if self.location:
            parts.append(self.location)
        text = ", ".join(parts)
        return f"{text} ({self.note})" if self.note else text


def _from_the_rehearsal_mirror(source: DataSource) -> bool:
    """True during a rehearsal for data that comes (or came earlier in the same rehearsal)
    from the rehearsal mirror: a download, or files in the data folder or under ``HOME`` (the
    rehearsal makes both fresh). Real files elsewhere (Debian's Fashion-MNIST, the repository's
    ``data/``) stay real. Asks the mirror once per process."""
    import os
    from pathlib import Path

    if os.environ.get("COURSE_REHEARSAL", "").strip() != "1":
        return False
    from ..paths import data_dir
    from .download import mirror, rehearsal

    if not rehearsal():
        return False
    if "download" in source.how or source.location.startswith(mirror() or "\0"):
        return True
    location = Path(source.location).expanduser()
    if source.how == "tfds cache":  # the location is tfds' name for it; the files are here
        from .download import tfds_data_dir

        location = tfds_data_dir()
    for folder in (data_dir(), Path.home()):
        if location.is_absolute() and location.resolve().is_relative_to(folder.resolve()):
            return True
    return False
