"""Slides: the lessons' slide metadata follows tools/slides.py, speaker notes, and the decks."""

import html.parser
import io
import re
import tarfile
from pathlib import Path

import nbformat
import pytest
from tool_modules import load_tool

import course_utils.mirror

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


slides = load_tool("slides")


def _md(source, tags=()):
    cell = nbformat.v4.new_markdown_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _code(source, tags=()):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


# --- the rules -----------------------------------------------------------------------------------


def test_rules_on_a_small_lesson():
    cells = [
        _md("# 99 · Title\n\nWhat you will build."),
        _md("**For the instructor.**\n\n- a\n- b", tags=["notes"]),
        _code("import keras"),
        _md("## 1. A section\n\nText."),
        _code("x = 1"),
        _md("More text."),
        _md("### A subsection"),
        _code("plt.plot(x)"),
        _code("secret = 1", tags=["skip-slide"]),
        _code("y = 2", tags=["new-slide"]),
    ]
    assert slides.slide_types(cells) == [
        "slide",
        "notes",
        "fragment",
        "slide",
        "fragment",
        "fragment",
        "subslide",
        "fragment",
        "skip",
        "subslide",
    ]


def test_a_slide_that_would_overflow_continues_on_a_sub_slide():
    heading, small, figure = _md("## Section"), _code("y = 1"), _code("plt.imshow(y)")

    def long_code(n):
        return _code("\n".join(f"x{i} = {i}" for i in range(n)))

    def total(n):
        return sum(slides.estimated_lines(c) for c in (heading, long_code(n), small))

    n = max(n for n in range(1, slides.SLIDE_LINES) if total(n) <= slides.SLIDE_LINES)
    # heading + long code + "y = 1" just fit; the figure does not
    cells = [heading, long_code(n), small, figure]
    assert slides.slide_types(cells) == ["slide", "fragment", "fragment", "subslide"]
    # one more line of code, and "y = 1" starts the sub-slide (the figure follows it there)
    cells = [heading, long_code(n + 1), small, figure]
    assert slides.slide_types(cells) == ["slide", "fragment", "subslide", "fragment"]


def test_estimated_lines_wraps_long_lines_and_counts_headings_tables_figures():
    lines = slides.estimated_lines
    assert lines(_md("a" * (2 * slides.SLIDE_COLUMNS + 1))) == lines(_md("a")) + 2
    # a paragraph hard-wrapped in the source is one paragraph on the slide
    assert lines(_md("a " * 25 + "\n" + "b " * 25)) == lines(_md("a"))
    assert lines(_md("# Title")) > lines(_md("## Section")) > lines(_md("Text"))
    table = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 10
    assert lines(_md(table)) >= 10
    assert lines(_md("![a figure](figure.png)")) >= slides.FIGURE_LINES
    assert lines(_code("x = 1\ny = 2")) == pytest.approx(lines(_code("x = 1")) + 0.95)
    # without outputs: a figure for a cell that draws one, two lines for others
    assert lines(_code("plt.plot(x)")) == pytest.approx(
        lines(_code("x = 1")) + slides.FIGURE_LINES - 2
    )
    assert lines(_code("plt.plot(x)"), guess_outputs=False) == pytest.approx(
        lines(_code("x = 1")) - 2
    )


def test_estimated_lines_counts_an_executed_cells_outputs():
    printout = _code("for i in range(40): print(i)")
    printout.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="".join(f"{i}\n" for i in range(40)))
    ]
    assert slides.estimated_lines(printout) > slides.SLIDE_LINES  # 40 lines: a slide and more
    figure = _code("show(x)")
    figure.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})]
    assert slides.estimated_lines(figure) >= slides.FIGURE_LINES  # the outputs, not the source
    assert slides.estimated_lines(_code("show(x)")) < slides.FIGURE_LINES


def test_a_deck_shows_outputs_as_a_terminal_does_and_cuts_long_ones():
    cell = _code("model.fit(x)")
    bar = ["\b" * 20 + f"\r{step}/5 - loss" if step else "0/5 - loss" for step in range(6)]
    texts = ["Epoch 1/1\n", *bar, "\n", *(f"line {i}\n" for i in range(40))]
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=t) for t in texts]
    summary = "\n".join(f"layer {i}" for i in range(60))
    cell.outputs.append(
        nbformat.v4.new_output(
            "display_data", data={"text/html": f"<pre>{summary}</pre>", "text/plain": summary}
        )
    )
    nb = nbformat.v4.new_notebook(cells=[cell])
    (stream, rich) = slides.tidied(nb).cells[0].outputs
    lines = stream.text.splitlines()
    assert lines[:2] == ["Epoch 1/1", "5/5 - loss"]  # the progress bar: its last state only
    assert (
        len(lines) == slides.OUTPUT_LINES and lines[3] == "[... 23 more lines in the notebook ...]"
    )
    assert lines[-1] == "line 39"
    assert "text/html" not in rich.data  # a long rich <pre> as plain text, cut the same way
    assert rich.data["text/plain"].splitlines()[-1] == "layer 59"
    assert len(rich.data["text/plain"].splitlines()) == slides.OUTPUT_LINES
    assert len(nb.cells[0].outputs) == len(texts) + 1  # the notebook is left alone


def test_a_code_cell_too_tall_even_zoomed_out_is_shortened_in_the_deck():
    long = _code("\n".join(f"x{i} = {i}" for i in range(100)))
    short = _code("x = 1")
    nb = nbformat.v4.new_notebook(cells=[_md("# T"), long, short])
    deck = slides.shortened(nb)
    assert nb.cells[1].source == long.source  # the notebook is left alone
    kept = deck.cells[1].source.splitlines()
    assert kept[:-1] == long.source.splitlines()[: len(kept) - 1]
    assert kept[-1] == f"# ... {100 - (len(kept) - 1)} more lines in the notebook"
    assert slides.estimated_lines(deck.cells[1], guess_outputs=False) <= slides.MAX_CELL_LINES
    assert slides.estimated_lines(deck.cells[1], guess_outputs=False) > slides.SLIDE_LINES
    assert deck.cells[2].source == short.source


def test_only_a_heading_at_the_start_of_a_cell_counts():
    assert slides.heading_level(_md("## Two")) == 2
    assert slides.heading_level(_md("### Three")) == 3
    assert slides.heading_level(_md("Text first\n## then a heading")) == 0
    assert slides.heading_level(_code("## a comment")) == 0


def test_tagged_and_differences():
    nb = nbformat.v4.new_notebook(cells=[_md("# T"), _code("x = 1")])
    assert slides.differences(nb) == [
        "cell 0: has None, the rules give 'slide'",
        "cell 1: has None, the rules give 'fragment'",
    ]
    done = slides.tagged(nb)
    assert slides.differences(done) == []
    assert "slideshow" not in nb.cells[0].metadata  # the input is left alone
    assert slides.deck_shape(done) == {"sections": 1, "slides": 1, "fragments": 1, "notes": 0}


# --- the lessons ---------------------------------------------------------------------------------


def test_every_lesson_carries_the_generated_slide_metadata():
    bad = {p.name: slides.differences(slides.read(p)) for p in NOTEBOOKS}
    bad = {name: found[:3] for name, found in bad.items() if found}
    assert not bad, f"run `make strip` (it writes the slide metadata): {bad}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_each_section_has_speaker_notes(path):
    cells = slides.read(path).cells
    sections = [i for i, c in enumerate(cells) if slides.heading_level(c) in (1, 2)]
    assert len(sections) >= 5, "a title and at least four sections"
    for i in sections:
        following = cells[i + 1]
        assert slides.NOTES_TAG in following.metadata.get("tags", []), (
            f"cell {i} ({cells[i].source.splitlines()[0]!r}) needs a notes cell right after it"
        )
    for cell in cells:
        if slides.NOTES_TAG in cell.metadata.get("tags", []):
            assert cell.cell_type == "markdown"
            assert cell.source.startswith(slides.NOTES_HEADER + "\n\n")
            bullets = [ln for ln in cell.source.splitlines() if ln.startswith("- ")]
            assert 2 <= len(bullets) <= 5 and len(cell.source.split()) <= 140, cell.source


def test_headings_start_their_cells():
    """A section heading inside a cell would not start a slide: split such cells."""
    for path in NOTEBOOKS:
        for i, cell in enumerate(slides.read(path).cells):
            if cell.cell_type == "markdown":
                later = [ln for ln in cell.source.splitlines()[1:] if re.match(r"#{1,2} ", ln)]
                assert not later, f"{path.name} cell {i}: split the cell before {later[0]!r}"


# --- decks ---------------------------------------------------------------------------------------


class _DeckParser(html.parser.HTMLParser):
    """Counts a deck's slides (sections), notes and fragments, and the URLs it loads."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.top = self.leaves = self.notes = self.fragments = 0
        self.stack = []
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "section":
            self.top += self.depth == 0
            self.stack.append(0)
            if len(self.stack) > 1:
                self.stack[-2] += 1
            self.depth += 1
        if tag == "aside" and "notes" in classes:
            self.notes += 1
        if "fragment" in classes:
            self.fragments += 1
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "section":
            children = self.stack.pop()
            self.depth -= 1
            self.leaves += self.depth > 0 and children == 0


def _parse(path):
    parser = _DeckParser()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def cdn_decks(tmp_path_factory):
    return slides.build_decks(out=tmp_path_factory.mktemp("decks"), assets="cdn")


def test_one_deck_per_lesson_with_its_slides_and_notes(cdn_decks):
    assert [p.name for p in cdn_decks] == [f"{p.stem}.slides.html" for p in NOTEBOOKS]
    for notebook, deck in zip(NOTEBOOKS, cdn_decks, strict=True):
        shape = slides.deck_shape(slides.read(notebook))
        parsed = _parse(deck)
        assert parsed.top == shape["sections"], deck.name
        assert parsed.leaves == shape["slides"], deck.name
        assert parsed.notes == shape["notes"] >= 5, deck.name
        assert parsed.fragments >= shape["fragments"] > 0, deck.name
        assert "unpkg.com/reveal.js@4.0.2/dist/reveal.js" in deck.read_text()


def _fake_package(name, version, files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for inner, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"package/{inner}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_local_assets_are_unpacked_once_and_decks_load_nothing_remote(tmp_path, monkeypatch):
    """fetch_assets keeps only the files a deck needs; a deck then points at vendor/ only."""
    import course_utils.datasets.download as download

    fetched = []

    def fake_fetch(remote, folder, progress=True):
        asset = next(a for a in slides.ASSETS.values() if a.url == remote.url)
        assert remote.sha256 == asset.sha256 and remote.host == "registry.npmjs.org"
        fetched.append(asset.name)
        files = {keep.rstrip("/") + ("/x.js" if keep.endswith("/") else ""): "//"
                 for keep in asset.keep}  # fmt: skip
        files["README.md"] = "not needed"
        Path(folder).mkdir(parents=True, exist_ok=True)
        archive = Path(folder) / remote.filename
        archive.write_bytes(_fake_package(asset.name, asset.version, files))
        return archive

    monkeypatch.setattr(download, "fetch", fake_fetch)
    cache = tmp_path / "cache"
    slides.fetch_assets(cache, progress=False)
    slides.fetch_assets(cache, progress=False)  # the second call downloads nothing
    assert sorted(fetched) == sorted(a.name for a in slides.ASSETS.values())
    reveal = cache / slides.ASSETS["reveal"].folder
    assert (reveal / "dist" / "x.js").is_file() and not (reveal / "README.md").exists()
    # the archives stay, so that `mirror serve` on the data folder serves them to a classroom
    kept = sorted(p.name for p in (cache / "downloads").glob("*.tgz"))
    assert kept == sorted(f"{a.folder}.tgz" for a in slides.ASSETS.values())
    assert set(kept) <= course_utils.mirror.known_files()

    monkeypatch.setattr(slides, "assets_cache", lambda: cache)
    (deck,) = slides.build_decks([NOTEBOOKS[1]], tmp_path / "out", assets="local")
    urls = _parse(deck).urls
    assert urls and all(u.startswith("vendor/") for u in urls), urls
    for url in urls:  # each points into a copied package folder
        assert (deck.parent / "/".join(Path(url).parts[:2])).is_dir(), url
    assert "mermaid" not in deck.read_text().lower()


def test_a_deck_asset_that_does_not_match_its_pin_is_an_integrity_error(tmp_path, monkeypatch):
    """A package archive of the wrong size or content (another version, a damaged copy) is not
    "unavailable": it raises IntegrityError, which the browser test turns into a failure."""
    import course_utils.datasets.download as download
    from course_utils.errors import IntegrityError

    monkeypatch.setattr(download, "reachable", lambda *a, **k: False)  # nothing downloads
    downloads = tmp_path / "cache" / "downloads"
    downloads.mkdir(parents=True)
    for asset in slides.ASSETS.values():  # already "downloaded", but not the pinned bytes
        (downloads / f"{asset.folder}.tgz").write_bytes(b"\x1f\x8b" + bytes(2000))
    with pytest.raises(IntegrityError, match=r"bytes, expected|SHA-256"):
        slides.fetch_assets(tmp_path / "cache", progress=False)


def test_auto_assets_fall_back_to_cdns_with_a_warning(tmp_path, monkeypatch, capsys):
    from course_utils.errors import DataError

    def offline(cache=None, progress=True):
        raise DataError("cannot reach registry.npmjs.org")

    monkeypatch.setattr(slides, "fetch_assets", offline)
    with pytest.raises(DataError):
        slides.build_decks([NOTEBOOKS[0]], tmp_path, assets="local")
    (deck,) = slides.build_decks([NOTEBOOKS[0]], tmp_path, assets="auto")
    assert "cannot reach registry.npmjs.org" in capsys.readouterr().err
    assert any(u.startswith("https://") for u in _parse(deck).urls)


def test_cli_check_and_unknown_lesson(capsys):
    assert slides.main(["check"]) == 0
    assert f"all {len(NOTEBOOKS)} lessons follow the rules" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="no lesson numbered 42"):
        slides.select(["42"])
    assert [p.name[:2] for p in slides.select(["1", "03"])] == ["01", "03"]
