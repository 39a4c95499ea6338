"""Slide decks for instructors: each lesson's slide metadata, and reveal.js decks made from it.

    python tools/slides.py tag                 # write every lesson's slide metadata from the rules
    python tools/slides.py check               # list cells whose metadata differs; exit 1 if any
    python tools/slides.py build [NN ...]      # build/slides/NN_*.slides.html, one deck per lesson
    python tools/slides.py build --assets cdn  # decks that load reveal.js etc. from the internet

``make strip`` runs ``tag`` (so committed lessons always carry it), ``make slides`` runs ``build``
and the tests run ``check``. The metadata is generated, never edited by hand. The rules:

- a cell tagged ``notes`` becomes speaker notes (press ``S`` in a deck for the speaker view);
- the title (``# ...``) and every section (a markdown cell starting with ``## ...``) start a
  slide; a markdown cell starting with ``### ...`` starts a sub-slide (below, in reveal.js);
- every other cell is a *fragment*, shown on the next key press, so a slide builds up step by
  step: explanation, code, the next explanation ... until the slide would overflow; then the cell
  starts a sub-slide instead. :func:`estimated_lines` guesses a cell's height on a slide;
- cells tagged ``notes``, ``verify``, ``aside`` or ``solution`` are collapsed in JupyterLab
  (``jupyter.source_hidden``), others are not;
- cells tagged ``verify`` (proof that a helper equals the lesson's own code) and ``aside`` (about
  the run, not the subject) are left out of the deck;
- an instructor can force a cell onto a new sub-slide with the tag ``new-slide``, or leave it out
  of the deck with ``skip-slide``.

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

#: Lines of text per slide before a sub-slide starts. Measured in Chromium on the decks (without
#: outputs) of lessons 01, 02, 07 and 09: with 24, 131 of 136 slides fit reveal.js' 960×700 slide;
#: the other five hold a single cell taller than a slide, which scrolls.
SLIDE_LINES = 24
#: Characters per line on a slide before text wraps.
SLIDE_COLUMNS = 90
#: The lines a figure takes on a slide.
FIGURE_LINES = 12

_PLOT = re.compile(r"\b(plt\.|plot_\w*\(|image_grid\(|imshow\(|compare_histories\()")
_FIRST_HEADING = re.compile(r"^(#{1,3}) ")


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


def estimated_lines(cell: dict) -> int:
    """A rough height of ``cell`` on a slide, in lines of text.

    Wrapped source lines, plus for a code cell :data:`FIGURE_LINES` when it draws a figure or
    two lines for other output. Only a guide for where sub-slides start: decks scroll when a
    slide is taller than the screen.
    """
    source = _source(cell)
    lines = sum(max(1, math.ceil(len(line) / SLIDE_COLUMNS)) for line in source.splitlines())
    if cell["cell_type"] == "code":
        lines += FIGURE_LINES if _PLOT.search(source) else 2
    elif "![" in source or "<img" in source:
        lines += FIGURE_LINES
    return lines


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
    """nbconvert's SlidesExporter with the course's template, scrolling slides, no prompts.

    ``urls`` (from :func:`copy_assets`) point the deck at local copies; ``None`` keeps
    nbconvert's CDN addresses.
    """
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_scroll = True
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


def write_decks(paths: list[Path], out: Path, urls: dict[str, str] | None) -> list[Path]:
    """Decks of ``paths`` in ``out``, loading reveal.js & co. from ``urls`` (``None``: CDNs).

    Decks are built from the notebooks as they are (with outputs if executed) after applying the
    slide rules to a copy, so a notebook edited since ``make strip`` still gets a correct deck.
    """
    slides = exporter(urls)
    written = []
    for path in paths:
        nb = tagged(read(path))
        html, _ = slides.from_notebook_node(nb, resources={"metadata": {"name": Path(path).stem}})
        target = Path(out) / f"{Path(path).stem}.slides.html"
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(target)
        written.append(target)
    return written


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
    written = build_decks(select(args.lessons), args.out, args.assets)
    print(f"wrote {len(written)} decks to {args.out}")
    for path in written:
        shape = deck_shape(tagged(read(NOTEBOOKS / path.name.replace(".slides.html", ".ipynb"))))
        print(f"  {path.name}: {shape['slides']} slides, {shape['notes']} speaker-notes cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
