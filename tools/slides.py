"""Slide decks for instructors: each lesson's slide metadata, and reveal.js decks made from it.

    python tools/slides.py tag                 # write every lesson's slide metadata from the rules
    python tools/slides.py check               # list cells whose metadata differs; exit 1 if any
    python tools/slides.py build [NN ...]      # build/slides/NN_*.slides.html, one deck per lesson
    python tools/slides.py build --assets cdn  # decks that load reveal.js etc. from the internet
    python tools/slides.py measure [DECK ...]  # does every slide fit 1280×720? (Chromium)

``make strip`` runs ``tag`` (so committed lessons always carry it), ``make slides`` runs ``build``
and the tests run ``check``. The metadata is generated, never edited by hand. The rules:

- a cell tagged ``notes`` becomes speaker notes (press ``S`` in a deck for the speaker view);
- the title (``# ...``) and every section (a markdown cell starting with ``## ...``) start a
  slide; a markdown cell starting with ``### ...`` starts a sub-slide (below, in reveal.js);
- every other cell is a *fragment*, shown on the next key press, so a slide builds up step by
  step: explanation, code, the next explanation ... until the slide would overflow; then the cell
  starts a sub-slide instead. :func:`estimated_lines` estimates a cell's height on a slide
  (calibrated in Chromium; an executed notebook's deck counts the cell's real outputs);
- cells tagged ``notes``, ``verify``, ``aside`` or ``solution`` are collapsed in JupyterLab
  (``jupyter.source_hidden``), others are not;
- cells tagged ``verify`` (proof that a helper equals the lesson's own code) and ``aside`` (about
  the run, not the subject) are left out of the deck;
- an instructor can force a cell onto a new sub-slide with the tag ``new-slide``, or leave it out
  of the deck with ``skip-slide``.

Slides fit the screen without scrolling: a 16:9 slide of 1280×720 (:data:`SLIDE_WIDTH`), output
figures at most 400 pixels high (the template's CSS), and a slide whose one cell is still taller
than the slide is zoomed out by the deck when shown (never below :data:`MIN_ZOOM`; a code cell
taller than that shows its first lines in the deck, :func:`shortened`; an executed notebook's
outputs show as a terminal shows them, long ones cut in the middle, :func:`tidied`). ``measure``
opens decks in headless Chromium and prints, per deck, how many slides overflow and by how much
(:func:`measure_decks`; tests/test_decks.py fails on any).

Decks use local copies of reveal.js, jQuery, RequireJS and MathJax, so they work without
internet in a classroom: these are downloaded once from the npm registry into the course cache,
checked against pinned SHA-256 sums and copied next to the decks into ``vendor/``. With
``--assets auto`` (the default) a failed download is reported and the decks load them from public
CDNs instead, as nbconvert does by default; ``--assets local`` makes it an error, ``--assets cdn``
skips the local copies.
"""

from __future__ import annotations

import argparse
import copy
import math
import re
import shutil
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build" / "slides"
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "course-reveal"

NOTES_TAG = "notes"
NEW_SLIDE_TAG = "new-slide"
SKIP_TAG = "skip-slide"
#: Cells a learner can open but a deck leaves out (see docs/CONVENTIONS.md).
OFF_DECK_TAGS = {SKIP_TAG, "verify", "aside"}
NOTES_HEADER = "**For the instructor.**"
#: Cells whose source JupyterLab shows collapsed (one line and "…"): a learner reads the main line
#: and opens these with one click. ``tag`` writes the metadata; ``check`` finds cells without it.
COLLAPSED_TAGS = {NOTES_TAG, "verify", "aside", "solution"}

#: reveal.js' slide size (CSS pixels before reveal.js scales the slide to the window): 16:9, the
#: size of the screen :func:`measure_decks` opens decks in.
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720
#: Heights are counted in lines of slide text (about 24 CSS pixels). A slide holds 28 (720 pixels
#: less reveal.js' 40 of padding); a sub-slide starts after SLIDE_LINES, two lines below that for
#: the estimates' error (about half a line on average, measured cell by cell in Chromium).
SLIDE_LINES = 26
#: Characters per line of markdown text, of code, of a table row, before they wrap.
SLIDE_COLUMNS = 120
CODE_COLUMNS = 110
TABLE_COLUMNS = 80
#: The lines a figure takes on a slide: the template's largest output image is 400 pixels high.
FIGURE_LINES = 17
#: The lines a heading takes (font size and margins), by level.
HEADING_LINES = {1: 4.5, 2: 2.5, 3: 2.5}
#: A slide taller than the screen is zoomed out by the deck (the template's script), never below
#: MIN_ZOOM, where code is still readable (19 px code at 0.6: 11 px of a 720 px slide); a code
#: cell taller than that even zoomed shows its first lines in the deck and says how many follow.
MIN_ZOOM = 0.6
LINE_PX = 24
MAX_CELL_LINES = (SLIDE_HEIGHT - 40) / LINE_PX / MIN_ZOOM - 3  # 3: the estimates' error

_PLOT = re.compile(r"\b(plt\.|plot_\w*\(|image_grid\(|imshow\(|compare_histories\()")
_FIRST_HEADING = re.compile(r"^(#{1,3}) ")
_TABLE_RULE = re.compile(r"^\|[\s:|-]+\|?$")
_ITEM = re.compile(r"^\s*([-*+]|\d+\.) ")


def _source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def lessons() -> list[Path]:
    """The lesson notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def heading_level(cell: dict) -> int:
    """1, 2 or 3 for a markdown cell that starts with a ``#``, ``##`` or ``###`` heading; else 0."""
    if cell["cell_type"] != "markdown":
        return 0
    match = _FIRST_HEADING.match(_source(cell))
    return len(match[1]) if match else 0


def estimated_lines(cell: dict, guess_outputs: bool = True) -> float:
    """A height of ``cell`` on a slide, in lines of slide text (see :data:`SLIDE_LINES`).

    Markdown: paragraphs wrapped at :data:`SLIDE_COLUMNS` plus the space between them, headings
    by level (:data:`HEADING_LINES`), table rows, code blocks, images (:data:`FIGURE_LINES`).
    Code: wrapped source lines plus the cell's padding, plus its outputs when it has some (an
    executed notebook's deck), else (unless ``guess_outputs`` is false) :data:`FIGURE_LINES` for
    a cell that draws a figure and two lines for other output. Calibrated on the decks' cells as Chromium shows them (code within a
    few pixels, markdown within a line on average); :func:`measure_decks` checks the result.
    """
    source = _source(cell)
    if cell["cell_type"] == "code":
        code = sum(max(1, math.ceil(len(line) / CODE_COLUMNS)) for line in source.splitlines())
        return 0.95 * code + 1.4 + _output_lines(cell, source, guess_outputs)
    lines, paragraph, fenced = 1.0, 0, False

    def flush():
        nonlocal lines, paragraph
        if paragraph:
            lines += math.ceil(paragraph / SLIDE_COLUMNS) + 0.85
        paragraph = 0

    for line in source.splitlines():
        if line.startswith("```"):
            flush()
            fenced = not fenced
            lines += 0.5
        elif fenced:
            lines += max(1, math.ceil(len(line) / CODE_COLUMNS))
        elif heading := _FIRST_HEADING.match(line):
            flush()
            lines += HEADING_LINES[len(heading[1])]
        elif line.startswith("|"):
            flush()
            if not _TABLE_RULE.match(line):
                lines += 1 + 0.7 * math.ceil(len(line) / TABLE_COLUMNS)
        elif not line.strip():
            flush()
        else:
            if _ITEM.match(line):
                flush()
                lines -= 0.25  # list items sit closer together than paragraphs
            paragraph += len(line) + 1
    flush()
    images = source.count("![") + source.count("<img")
    return lines + images * FIGURE_LINES


def _output_lines(cell: dict, source: str, guess: bool = True) -> float:
    """The lines a code cell's outputs take: measured from its outputs when it has some."""
    outputs = cell.get("outputs") or []
    if not outputs:
        if not guess:
            return 0.0
        return FIGURE_LINES if _PLOT.search(source) else 2
    lines = 0.0
    for output in outputs:
        data = output.get("data", {})
        if "image/png" in data or "image/jpeg" in data or "image/svg+xml" in data:
            lines += FIGURE_LINES
        elif "text/html" in data:
            html = _text_of(data["text/html"])
            lines += 1 + max(1.3 * html.count("<tr"), 0.95 * html.count("\n"))
        else:
            text = _text_of(output.get("text", data.get("text/plain", "")))
            wrapped = sum(max(1, math.ceil(len(ln) / CODE_COLUMNS)) for ln in text.splitlines())
            lines += 0.95 * wrapped + 0.5
    return lines


def _text_of(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def slide_types(cells: list[dict]) -> list[str]:
    """The reveal.js slide type of each cell under the rules in this module's docstring."""
    types = []
    used = 0
    for i, cell in enumerate(cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        level = heading_level(cell)
        height = estimated_lines(cell)
        if NOTES_TAG in tags:
            kind = "notes"
        elif tags & OFF_DECK_TAGS:
            kind = "skip"
        elif i == 0 or level in (1, 2):
            kind, used = "slide", height
        elif level == 3 or NEW_SLIDE_TAG in tags or used + height > SLIDE_LINES:
            kind, used = "subslide", height
        else:
            kind, used = "fragment", used + height
        types.append(kind)
    return types


def tagged(nb: dict) -> dict:
    """A copy of ``nb`` whose cells carry the slide metadata of :func:`slide_types`."""
    nb = copy.deepcopy(nb)
    for cell, kind in zip(nb["cells"], slide_types(nb["cells"]), strict=True):
        metadata = cell.setdefault("metadata", {})
        metadata["slideshow"] = {"slide_type": kind}
        if collapsed(cell):
            metadata.setdefault("jupyter", {})["source_hidden"] = True
        elif "jupyter" in metadata:
            metadata["jupyter"].pop("source_hidden", None)
            if not metadata["jupyter"]:
                del metadata["jupyter"]
    return nb


def collapsed(cell: dict) -> bool:
    """True for a cell that ``notebooks/`` shows collapsed (a tag of :data:`COLLAPSED_TAGS`)."""
    return bool(set(cell.get("metadata", {}).get("tags", [])) & COLLAPSED_TAGS)


def differences(nb: dict) -> list[str]:
    """Cells whose slide metadata differs from the rules, as ``cell N: has X, rules give Y``."""
    found = []
    for i, (cell, kind) in enumerate(zip(nb["cells"], slide_types(nb["cells"]), strict=True)):
        has = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if has != kind:
            found.append(f"cell {i}: has {has!r}, the rules give {kind!r}")
        hidden = bool(cell.get("metadata", {}).get("jupyter", {}).get("source_hidden"))
        if hidden != collapsed(cell):
            found.append(f"cell {i}: source_hidden is {hidden}, the rules give {collapsed(cell)}")
    return found


def deck_shape(nb: dict) -> dict[str, int]:
    """What a deck of ``nb`` contains: horizontal slides, all slides, fragments, notes cells."""
    types = [c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in nb["cells"]]
    return {
        "sections": types.count("slide"),
        "slides": types.count("slide") + types.count("subslide"),
        "fragments": types.count("fragment"),
        "notes": types.count("notes"),
    }


def read(path: Path) -> dict:
    import nbformat

    return nbformat.read(path, as_version=4)


# --- Local copies of the JavaScript a deck loads ------------------------------------------------


@dataclass(frozen=True)
class Asset:
    """One npm package a deck loads, the files of it the deck needs, and the URL it is used by."""

    name: str
    version: str
    keep: tuple[str, ...]  # path prefixes inside the package to copy
    entry: str  # the file (or folder, for reveal.js) a deck refers to

    @property
    def remote(self):
        """The tarball's download (URL, SHA-256, size): ``course_utils`` keeps these pins, so
        that a classroom mirror (``COURSE_MIRROR``) knows and serves these files too."""
        from course_utils.datasets.download import WEB_REMOTES

        return WEB_REMOTES[self.folder]

    @property
    def url(self) -> str:
        return self.remote.url

    @property
    def sha256(self) -> str:
        return self.remote.sha256

    @property
    def size(self) -> int:
        return self.remote.size

    @property
    def folder(self) -> str:
        return f"{self.name}-{self.version}"


#: The versions nbconvert's reveal template loads from CDNs (reveal.js 4.0.2, RequireJS 2.1.10,
#: MathJax 2.7.7); jQuery 2.0.3 is not on npm, so 2.2.4, the last 2.x. Their pins (URL, SHA-256,
#: size) are ``course_utils.datasets.download.WEB_REMOTES``.
ASSETS = {
    "reveal": Asset(
        "reveal.js",
        "4.0.2",
        ("dist/", "plugin/notes/", "LICENSE"),
        "",
    ),
    "jquery": Asset(
        "jquery",
        "2.2.4",
        ("dist/jquery.min.js", "LICENSE"),
        "dist/jquery.min.js",
    ),
    "require": Asset(
        "requirejs",
        "2.1.10",
        ("require.js", "LICENSE"),
        "require.js",
    ),
    "mathjax": Asset(
        "mathjax",
        "2.7.7",
        (
            "MathJax.js",
            "LICENSE",
            "config/TeX-AMS_CHTML-full.js",
            "config/Safe.js",
            "extensions/",
            "jax/input/TeX/",
            "jax/element/",
            "jax/output/CommonHTML/",
            "jax/output/PreviewHTML/",
            "jax/output/NativeMML/",
            "fonts/HTML-CSS/TeX/woff/",
            "localization/en/",
        ),
        "MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    ),
}


def assets_cache() -> Path:
    from course_utils import paths

    return paths.data_dir() / "web"


def fetch_assets(cache: Path | None = None, progress: bool = True) -> Path:
    """The folder with unpacked copies of :data:`ASSETS`, downloading what is missing.

    Raises ``course_utils.errors.DataError`` (saying what to do) when a download fails.
    """
    from course_utils.datasets.download import fetch

    cache = Path(cache or assets_cache())
    for asset in ASSETS.values():
        unpacked = cache / asset.folder
        if (unpacked / ".complete").is_file():
            continue
        # Kept after unpacking: `mirror serve` on the data folder serves it to a classroom.
        archive = fetch(asset.remote, cache / "downloads", progress=progress)
        staging = Path(tempfile.mkdtemp(dir=cache, prefix=f".{asset.folder}."))
        try:
            with tarfile.open(archive) as tar:
                for member in tar.getmembers():
                    inner = member.name.split("/", 1)[-1]
                    if member.isfile() and inner.startswith(asset.keep) and ".." not in inner:
                        target = staging / inner
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(tar.extractfile(member).read())
            (staging / ".complete").write_text(asset.url + "\n")
            staging.chmod(0o755)  # mkdtemp makes it private; decks may be served to others
            shutil.rmtree(unpacked, ignore_errors=True)
            staging.replace(unpacked)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return cache


def copy_assets(out: Path, cache: Path | None = None) -> dict[str, str]:
    """Copies the assets into ``out/vendor`` and returns the URLs (relative to ``out``) to use."""
    cache = fetch_assets(cache)
    vendor = Path(out) / "vendor"
    urls = {}
    for key, asset in ASSETS.items():
        target = vendor / asset.folder
        if not (target / ".complete").is_file():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(cache / asset.folder, target)
        urls[key] = f"vendor/{asset.folder}" + (f"/{asset.entry}" if asset.entry else "")
    return urls


# --- Decks -------------------------------------------------------------------------------------


def exporter(urls: dict[str, str] | None = None):
    """nbconvert's SlidesExporter with the course's template, 16:9 slides, no prompts.

    ``urls`` (from :func:`copy_assets`) point the deck at local copies; ``None`` keeps
    nbconvert's CDN addresses.
    """
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    # A 16:9 slide the size of the screen it is measured on; slides are made to fit (figures
    # sized, a slide taller than this zoomed out by the template), so none scrolls.
    config.SlidesExporter.reveal_width = str(SLIDE_WIDTH)
    config.SlidesExporter.reveal_height = str(SLIDE_HEIGHT)
    config.SlidesExporter.reveal_scroll = False
    config.SlidesExporter.reveal_theme = (
        "white"  # its fonts ship with reveal.js; "simple" loads Google Fonts
    )
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    if urls:
        config.SlidesExporter.reveal_url_prefix = urls["reveal"]
        config.SlidesExporter.jquery_url = urls["jquery"]
        config.SlidesExporter.require_js_url = urls["require"]
        config.SlidesExporter.mathjax_url = urls["mathjax"]
    return SlidesExporter(
        config=config, template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES)]
    )


def resolve_assets(mode: str, out: Path) -> dict[str, str] | None:
    """Local asset URLs for ``mode`` ``local`` or ``auto``; ``None`` (CDN) for ``cdn``.

    ``auto`` falls back to the CDNs, with a warning, when the local copies cannot be had.
    """
    if mode == "cdn":
        return None
    from course_utils.errors import CourseError

    try:
        return copy_assets(out)
    except CourseError as error:
        if mode == "local":
            raise
        print(
            f"WARNING: {error}\nWARNING: the decks load reveal.js, jQuery, RequireJS and MathJax "
            "from public CDNs instead, so they need internet when shown.",
            file=sys.stderr,
        )
        return None


def build_decks(
    paths: list[Path] | None = None, out: Path = BUILD, assets: str = "auto"
) -> list[Path]:
    """Writes one reveal.js deck per notebook into ``out`` and returns their paths.

    ``assets`` is ``local``, ``auto`` or ``cdn`` (see :func:`resolve_assets`).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return write_decks(paths or lessons(), out, resolve_assets(assets, out))


#: Lines of one text output a deck shows: a longer one (a training log, a model summary) keeps its
#: first and last lines and says how many lines the notebook has in between.
OUTPUT_LINES = 20


def for_deck(nb: dict) -> dict:
    """``nb`` as a deck shows it: outputs as a terminal shows them (:func:`tidied`), the slide
    rules applied (:func:`tagged`), code cells too tall for a slide shortened (:func:`shortened`)."""
    return shortened(tagged(tidied(nb)))


def tidied(nb: dict) -> dict:
    """A copy of ``nb`` whose outputs read on a slide as in JupyterLab: consecutive stream
    outputs joined, with carriage returns and backspaces applied (a Keras progress bar is one
    line, not one output per update); rich text (a model summary as ``<pre>`` HTML) longer than
    :data:`OUTPUT_LINES` as plain text; text longer than that shortened in the middle."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or not cell.get("outputs"):
            continue
        joined = []
        for output in cell["outputs"]:
            previous = joined[-1] if joined else None
            if (
                output.get("output_type") == "stream"
                and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")
            ):
                previous["text"] = _text_of(previous["text"]) + _text_of(output["text"])
            else:
                joined.append(output)
        for output in joined:
            data = output.get("data", {})
            if output.get("output_type") == "stream":
                output["text"] = _cut(_as_terminal_shows(_text_of(output["text"])))
            elif "text/plain" in data and "text/html" in data:
                html = _text_of(data["text/html"])
                if html.lstrip().startswith("<pre") and html.count("\n") > OUTPUT_LINES:
                    del data["text/html"]
            if "text/plain" in data and "text/html" not in data:
                data["text/plain"] = _cut(_text_of(data["text/plain"]))
        cell["outputs"] = joined
    return nb


def _as_terminal_shows(text: str) -> str:
    """``text`` after its carriage returns (back to the line's start) and backspaces."""
    lines = []
    for line in text.split("\n"):
        line = line.rsplit("\r", 1)[-1]
        shown: list[str] = []
        for char in line:
            if char == "\b":
                if shown:
                    shown.pop()
            else:
                shown.append(char)
        lines.append("".join(shown))
    return "\n".join(lines)


def _cut(text: str, keep: int = OUTPUT_LINES) -> str:
    """``text`` with at most ``keep`` lines: its first few, a line saying how many are left
    out, its last ones."""
    lines = text.split("\n")
    end = "\n" if text.endswith("\n") else ""
    if end:
        lines.pop()
    if len(lines) <= keep:
        return text
    head, tail = 3, keep - 4
    left_out = len(lines) - head - tail
    note = f"[... {left_out} more lines in the notebook ...]"
    return "\n".join([*lines[:head], note, *lines[-tail:]]) + end


def shortened(nb: dict) -> dict:
    """A copy of ``nb`` for a deck: a code cell too tall for a slide even at :data:`MIN_ZOOM`
    (more than :data:`MAX_CELL_LINES`) keeps its first lines and a last line
    ``# ... N more lines in the notebook``. Nothing else changes; the notebook keeps it all."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or estimated_lines(cell, False) <= MAX_CELL_LINES:
            continue
        lines = _source(cell).splitlines()
        keep = len(lines)
        while keep > 5:
            keep -= 1
            note = f"# ... {len(lines) - keep} more lines in the notebook"
            cell["source"] = "\n".join([*lines[:keep], note])
            if estimated_lines(cell, False) <= MAX_CELL_LINES:
                break
    return nb


def write_decks(paths: list[Path], out: Path, urls: dict[str, str] | None) -> list[Path]:
    """Decks of ``paths`` in ``out``, loading reveal.js & co. from ``urls`` (``None``: CDNs).

    Decks are built from the notebooks as they are (with outputs if executed) after applying the
    slide rules to a copy, so a notebook edited since ``make strip`` still gets a correct deck.
    """
    slides = exporter(urls)
    written = []
    for path in paths:
        nb = for_deck(read(path))
        resources = {"metadata": {"name": Path(path).stem}, "course": {"min_zoom": MIN_ZOOM}}
        html, _ = slides.from_notebook_node(nb, resources=resources)
        target = Path(out) / f"{Path(path).stem}.slides.html"
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written


# --- Does every slide fit the screen? ----------------------------------------------------------

#: Chromium as root needs --no-sandbox; on a closed network the background services (updates,
#: sync, QUIC probes) would only wait for timeouts (as in tests/test_browser.py).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Walks a deck in the page: every slide and sub-slide with all its fragments shown, after
#: MathJax and the images. A slide's height is that of its content as shown (after the deck's
#: own fitting, :data:`FIT_SCRIPT`), in reveal.js' slide pixels, against the slide's height.
_MEASURE_JS = """async module => {
    const Reveal = await new Promise(resolve => require([module], resolve));
    if (window.MathJax && MathJax.Hub) await new Promise(r => MathJax.Hub.Queue(r));
    Reveal.configure({transition: "none", backgroundTransition: "none"});
    const available = Reveal.getConfig().height;
    const found = [];
    for (const slide of Reveal.getSlides()) {
        const {h, v} = Reveal.getIndices(slide);
        Reveal.slide(h, v);
        slide.querySelectorAll(".fragment").forEach(f => f.classList.add("visible"));
        await Promise.all([...slide.querySelectorAll("img")].map(i => i.decode().catch(() => 0)));
        const scale = Reveal.getScale();
        let top = Infinity, bottom = -Infinity;
        for (const child of slide.children) {
            if (child.matches("aside.notes")) continue;
            const r = child.getBoundingClientRect();
            if (r.height === 0 && r.width === 0) continue;
            top = Math.min(top, r.top);
            bottom = Math.max(bottom, r.bottom);
        }
        // a slide that scrolls (reveal.js' scroll option, or the template's last resort) shows
        // less than it holds: count all it holds, as laid out (zoom included)
        const style = getComputedStyle(slide);
        const zoom = parseFloat(slide.dataset.fitZoom || "1");
        const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
        const held = (slide.scrollHeight - padding) * zoom;
        const box = slide.getBoundingClientRect().height / scale - padding * zoom;
        const height = Math.max(bottom > top ? (bottom - top) / scale : 0, held, box);
        found.push({h, v, height: Math.round(height), available, zoom});
    }
    return found;
}"""


def find_chromium() -> str | None:
    """Chromium's executable: ``COURSE_CHROMIUM``, /usr/bin/chromium, or one on the PATH."""
    import os

    candidates = [os.environ.get("COURSE_CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@dataclass
class DeckFit:
    """How one deck fits a screen: each slide's content height against the slide's height."""

    deck: str
    heights: list[int]  # content height of each slide, in reveal.js' slide pixels
    available: int  # the slide's height (reveal.js' ``height``)
    zooms: list[float]  # the deck's own scaling of each slide (1: none)

    @property
    def overflows(self) -> list[int]:
        return [max(0, h - self.available) for h in self.heights]

    @property
    def overflowing(self) -> int:
        return sum(o > 0 for o in self.overflows)

    @property
    def worst(self) -> int:
        return max(self.overflows, default=0)

    @property
    def smallest_zoom(self) -> float:
        return min(self.zooms, default=1.0)


def measure_decks(
    paths: list[Path], width: int = 1280, height: int = 720, chromium: str | None = None
) -> list[DeckFit]:
    """Opens each deck (from disk) in headless Chromium at ``width``×``height`` and measures
    every slide and sub-slide with all fragments shown (needs Playwright and Chromium)."""
    from playwright.sync_api import sync_playwright

    chromium = chromium or find_chromium()
    if chromium is None:
        raise RuntimeError("Chromium not found (apt-get install chromium; or COURSE_CHROMIUM)")
    fits = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            for path in paths:
                path = Path(path).resolve()
                module = re.search(r'"([^"]*/dist/reveal\.js)"', path.read_text(encoding="utf-8"))
                page.goto(path.as_uri())
                page.locator(".reveal.ready").wait_for(timeout=60_000)
                found = page.evaluate(_MEASURE_JS, module[1])
                fits.append(
                    DeckFit(
                        deck=path.name.replace(".slides.html", ""),
                        heights=[s["height"] for s in found],
                        available=found[0]["available"] if found else height,
                        zooms=[s["zoom"] for s in found],
                    )
                )
        finally:
            browser.close()
    return fits


def fit_table(fits: list[DeckFit]) -> str:
    """A table of :func:`measure_decks`' results: deck, slides, overflowing, worst, zoom."""
    rows = [f"{'deck':<36} {'slides':>6} {'overflowing':>11} {'worst (px)':>10} {'zoom':>5}"]
    for fit in fits:
        rows.append(
            f"{fit.deck:<36} {len(fit.heights):>6} {fit.overflowing:>11} {fit.worst:>10} "
            f"{fit.smallest_zoom:>5.2f}"
        )
    total = [len(f.heights) for f in fits], [f.overflowing for f in fits]
    worst = max((f.worst for f in fits), default=0)
    zoom = min((f.smallest_zoom for f in fits), default=1.0)
    rows.append(f"{'all':<36} {sum(total[0]):>6} {sum(total[1]):>11} {worst:>10} {zoom:>5.2f}")
    return "\n".join(rows)


def select(numbers: list[str]) -> list[Path]:
    """The lessons whose two-digit numbers are in ``numbers`` (all of them when empty)."""
    every = lessons()
    if not numbers:
        return every
    wanted = {n.zfill(2) for n in numbers}
    chosen = [p for p in every if p.name[:2] in wanted]
    unknown = wanted - {p.name[:2] for p in chosen}
    if unknown:
        known = ", ".join(p.name[:2] for p in every)
        raise SystemExit(f"error: no lesson numbered {', '.join(sorted(unknown))} (known: {known})")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tag = sub.add_parser("tag", help="write each lesson's slide metadata from the rules")
    tag.add_argument("lessons", nargs="*", help="two-digit lesson numbers (default: all)")
    sub.add_parser("check", help="exit 1 if a lesson's slide metadata differs from the rules")
    build = sub.add_parser("build", help="write reveal.js decks")
    build.add_argument("lessons", nargs="*", help="two-digit lesson numbers (default: all)")
    build.add_argument("--out", type=Path, default=BUILD, help=f"default: {BUILD}")
    build.add_argument("--assets", choices=["auto", "local", "cdn"], default="auto")
    measure = sub.add_parser("measure", help="does every slide of the decks fit the screen?")
    measure.add_argument("decks", nargs="*", type=Path, help=f"default: {BUILD}/*.slides.html")
    measure.add_argument("--width", type=int, default=SLIDE_WIDTH)
    measure.add_argument("--height", type=int, default=SLIDE_HEIGHT)
    args = parser.parse_args(argv)

    if args.command == "tag":
        import nbformat

        changed = 0
        for path in select(args.lessons):
            nb = nbformat.read(path, as_version=4)
            if differences(nb):
                nbformat.write(tagged(nb), path)
                changed += 1
        print(f"slide metadata: {changed} of {len(lessons())} lessons updated")
        return 0
    if args.command == "check":
        bad = {path: differences(read(path)) for path in lessons()}
        bad = {path: found for path, found in bad.items() if found}
        for path, found in bad.items():
            print(f"{path.relative_to(ROOT)}: {len(found)} cells differ, e.g. {found[0]}")
        if bad:
            print("run `make strip` (it writes the slide metadata) and commit the lessons")
            return 1
        print(f"slide metadata: all {len(lessons())} lessons follow the rules")
        return 0
    if args.command == "measure":
        decks = args.decks or sorted(BUILD.glob("*.slides.html"))
        if not decks:
            raise SystemExit(f"error: no decks in {BUILD}: run `make slides` first")
        fits = measure_decks(decks, args.width, args.height)
        print(f"slides at {args.width}×{args.height}, all fragments shown:")
        print(fit_table(fits))
        return 1 if any(f.overflowing for f in fits) else 0
    written = build_decks(select(args.lessons), args.out, args.assets)
    print(f"wrote {len(written)} decks to {args.out}")
    for path in written:
        shape = deck_shape(tagged(read(NOTEBOOKS / path.name.replace(".slides.html", ".ipynb"))))
        print(f"  {path.name}: {shape['slides']} slides, {shape['notes']} speaker-notes cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
