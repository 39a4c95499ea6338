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
    and code path, stand-in pictures; see :mod:`course_utils.rehearsal`); ``name`` is what the data is (``"Fashion-MNIST"``);
    ``location`` is a folder, file or URL; ``how`` says how it is obtained
    (``"local IDX files"``, ``"keras download"``, ``"generated"`` ...).
    """

    dataset: str
    kind: str
    name: str
    location: str = ""
    how: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if self.kind == REAL and _rehearsal_run():
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


def _rehearsal_run() -> bool:
    """True during a rehearsal (asks the mirror once per process)."""
    import os

    if os.environ.get("COURSE_REHEARSAL", "").strip() != "1":
        return False
    from .download import rehearsal

    return rehearsal()
