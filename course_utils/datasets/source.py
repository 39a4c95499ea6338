"""`DataSource`: what a lesson's data really is (real or stand-in), and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

REAL = "real"
STANDIN = "stand-in"


@dataclass(frozen=True)
class DataSource:
    """The resolved source of one data set.

    ``kind`` is ``"real"`` or ``"stand-in"``; ``name`` is what the data is (``"Fashion-MNIST"``);
    ``location`` is a folder, file or URL; ``how`` says how it is obtained
    (``"local IDX files"``, ``"keras download"``, ``"generated"`` ...).
    """

    dataset: str
    kind: str
    name: str
    location: str = ""
    how: str = ""
    note: str = ""

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
