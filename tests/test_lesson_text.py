"""The lessons' main line reads as a lesson: the subject, not the plumbing of the course's runs.

The *main line* is every cell without a tag. What proves the plumbing (``verify``), what is about
the run rather than the subject (``aside``), speaker notes (``notes``) and solutions
(``solution``) are collapsed cells a learner opens with one click (docs/CONVENTIONS.md). These
tests read the untagged markdown of each lesson and fail where it talks about the test profile,
stand-in statistics, seeds or threads, environment variables or issue numbers, where it runs
past the word budget, or where the expected times in its title differ from the README's table.

``python tests/test_lesson_text.py`` prints the table: untagged markdown words and main-line
cells per lesson.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: What the main line never says, with the reason a learner would give. Each is a regular
#: expression, matched case-insensitively against one lesson's untagged markdown.
FORBIDDEN = {
    r"\bsmoke\b": "the test profile is about the course's runs: say it in the `aside` cell",
    r"stand-ins?\b.{0,80}\b(accuracy|IoU|loss|measured|statistic)": "stand-in statistics",
    r"\bCOURSE_[A-Z_]+": "environment variables belong in the `aside` cell or the README",
    r"\b(\d+|ten|five) seeds\b|\bseeds? \d": "seed counts and numbers belong in the `aside` cell",
    r"\b(\d+|one|two) threads?\b": "thread counts belong in the `aside` cell",
    r"\bgithub\.com/[^ )]+/(issues|pull)/\d+|\b[\w.-]+/[\w.-]+#\d+|(^|\s)#\d{2,}\b": (
        "issue and pull-request numbers belong in the `aside` cell or docs/"
    ),
    r"\bbenchmarks/results\b|\brobustness\b": "robustness figures belong in the `aside` cell",
}
#: Lessons whose subject needs a word the list above keeps out of the others: lesson 00 is the
#: setup check, and explains the profiles, the stand-ins and the course's settings.
ALLOWED = {"00": {r"\bsmoke\b", r"\bCOURSE_[A-Z_]+"}}

#: Words of untagged markdown a lesson may have: readable in one sitting (a section of a book
#: chapter is about 1,500 words). A lesson that needs more says why here.
WORD_BUDGET = 1_500
OVER_BUDGET: dict[str, tuple[int, str]] = {}

TIME_LINE = "**Expected time:** `cpu` profile: {cpu} on 2 cores · `full` profile: {full}"


def _flags(pattern: str) -> int:
    """Case-insensitive, except for environment variables (``COURSE_SEED``, not
    ``course_utils``)."""
    return re.MULTILINE | (0 if "COURSE_" in pattern else re.IGNORECASE)


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def main_line(path: Path) -> list[dict]:
    """The untagged cells of a lesson: what a learner reads without opening anything."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if not c.get("metadata", {}).get("tags")]


def main_line_text(path: Path) -> str:
    return "\n\n".join(_source(c) for c in main_line(path) if c["cell_type"] == "markdown")


def words(text: str) -> int:
    """Words a reader reads: markdown markup and code spans count as the words they show."""
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets are not read
    return len(re.findall(r"[\w'’%×≈-]+(?:[.,;:][\w'’%×≈-]+)*", text))


def readme_times() -> dict[str, tuple[str, str]]:
    """Lesson number -> (cpu, full) expected-time cells of the README's lesson table."""
    times = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and re.fullmatch(r"\d\d", cells[0]):
            times[cells[0]] = (cells[4], cells[5])
    return times


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_main_line_keeps_to_the_subject(path):
    number = path.name[:2]
    text = main_line_text(path)
    found = []
    for pattern, why in FORBIDDEN.items():
        if pattern in ALLOWED.get(number, ()):
            continue
        for match in re.finditer(pattern, text, flags=_flags(pattern)):
            start = max(0, match.start() - 40)
            found.append(f"{why}: …{text[start : match.end() + 40]!r}…")
    assert not found, f"{path.name}, untagged markdown:\n" + "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_main_line_is_readable_in_one_sitting(path):
    number = path.name[:2]
    budget, reason = OVER_BUDGET.get(number, (WORD_BUDGET, ""))
    count = words(main_line_text(path))
    assert count <= budget, (
        f"{path.name}: {count} words of untagged markdown, budget {budget}. Move what is about "
        "the run into the `aside` cell, the instructor's points into `notes`, history into docs/."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_title_gives_the_readme_times(path):
    """One table of expected times (the README's, measured by ``make rehearsal``)."""
    number = path.name[:2]
    cpu, full = readme_times()[number]
    title = _source(json.loads(path.read_text(encoding="utf-8"))["cells"][0])
    assert TIME_LINE.format(cpu=cpu, full=full) in title, (
        f"{path.name}: the title needs the line {TIME_LINE.format(cpu=cpu, full=full)!r} "
        "(the README's lesson table)"
    )


def test_the_checks_here_can_fail():
    """Each pattern catches the sentence it was written for, and the budget counts words."""
    samples = {
        r"\bsmoke\b": "In smoke the lesson trains for one epoch.",
        r"stand-ins?\b.{0,80}\b(accuracy|IoU|loss|measured|statistic)": (
            "On the stand-in the accuracy reaches 0.98."
        ),
        r"\bCOURSE_[A-Z_]+": "Set COURSE_SEED to try another run.",
        r"\b(\d+|ten|five) seeds\b|\bseeds? \d": "It held over 10 seeds.",
        r"\b(\d+|one|two) threads?\b": "with 2 threads",
        r"\bgithub\.com/[^ )]+/(issues|pull)/\d+|\b[\w.-]+/[\w.-]+#\d+|(^|\s)#\d{2,}\b": (
            "fixed in keras-team/keras#8868"
        ),
        r"\bbenchmarks/results\b|\brobustness\b": "see the robustness table",
    }
    assert set(samples) == set(FORBIDDEN)
    for pattern, sample in samples.items():
        assert re.search(pattern, sample, flags=_flags(pattern)), pattern
    assert not re.search(r"\bCOURSE_[A-Z_]+", "uses course_utils.plots", flags=_flags("COURSE_"))
    assert not re.search(r"\b(\d+|one|two) threads?\b", "a 3×3 kernel slides over the image")
    assert words("A [link](https://example.org/a/b) and `code`.") == 4


if __name__ == "__main__":
    print("| lesson | untagged markdown words | main-line cells | all cells |")
    print("|---|---|---|---|")
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        print(
            f"| {path.name[:2]} | {words(main_line_text(path))} | {len(main_line(path))} "
            f"| {len(cells)} |"
        )
    sys.exit(0)
