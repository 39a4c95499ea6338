"""Decks an instructor can present: every slide of every deck fits a 1280×720 screen.

Builds each lesson's deck (without outputs, as committed) and a deck of a synthetic executed
notebook (a tall figure, a training log, a code cell longer than any slide), opens them in
headless Chromium and measures every slide and sub-slide with all fragments shown
(``tools/slides.py: measure_decks``); the table it prints says which deck overflows and by how
much. Needs Chromium and Playwright and reveal.js from the npm registry (once per machine, into
the course cache); without them the test is skipped with the reason, and fails instead under
``COURSE_REQUIRE_BROWSER=1`` (as in tests/test_browser.py).
"""

import base64
import io
import os
import re

import nbformat
import pytest
from tool_modules import load_tool

REQUIRED = os.environ.get("COURSE_REQUIRE_BROWSER") == "1"
WIDTH, HEIGHT = 1280, 720

slides = load_tool("slides")


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"COURSE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


if slides.find_chromium() is None:
    _unavailable("Chromium not found (Debian/Ubuntu: apt-get install chromium; or COURSE_CHROMIUM)")
try:
    import playwright.sync_api  # noqa: F401
except ImportError:
    _unavailable("Playwright is not installed (make install-browser)")


def _figure_png(width_in: float, height_in: float) -> str:
    """A real matplotlib figure as base64 PNG, at 100 dpi (800×1400 pixels for 8×14 inches)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 1, figsize=(width_in, height_in), dpi=100)
    for i, ax in enumerate(axes):
        ax.plot(range(10), [x**i for x in range(10)])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def synthetic_notebook() -> nbformat.NotebookNode:
    """An executed lesson's worst cases: what a deck must fit on a slide."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    figure = code("fig, axes = plt.subplots(4, 1, figsize=(8, 14))\nplt.show()")
    figure.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"image/png": _figure_png(8, 14), "text/plain": "<Figure>"}
        )
    ]
    printout = code("model.fit(x, y, epochs=40)")
    # a Keras log: per epoch a progress bar redrawn ten times (backspaces and a carriage return),
    # each update an output of its own, as a kernel sends them
    printout.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text=text)
        for epoch in range(40)
        for text in [f"Epoch {epoch + 1}/40\n"]
        + [
            ("\b" * 30 + "\r" if step else "") + f"{step}/10 - loss: 0.{epoch}"
            for step in range(11)
        ]
        + ["\n"]
    ]
    long_code = code("\n".join(f"layer_{i} = keras.layers.Dense({i + 1})" for i in range(90)))
    cells = [
        md("# 99 · Synthetic\n\nThe cases a real lesson may bring to a deck."),
        md("## 1. A tall figure\n\nA figure 1,400 pixels high, twice a slide."),
        figure,
        md("## 2. A long printout\n\nForty epochs of a training log."),
        printout,
        md("## 3. A code cell longer than any slide"),
        long_code,
    ]
    return nbformat.v4.new_notebook(cells=cells)


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    from course_utils.errors import DataError, IntegrityError

    out = tmp_path_factory.mktemp("decks")
    synthetic = out / "99_synthetic.ipynb"
    nbformat.write(synthetic_notebook(), synthetic)
    try:
        urls = slides.copy_assets(out)
    except IntegrityError as error:  # a wrong pin fails everywhere, not only where required
        pytest.fail(f"a deck asset does not match its pinned size or SHA-256: {error}")
    except DataError as error:  # the assets come from the npm registry, once per machine
        _unavailable(f"reveal.js could not be downloaded: {error}")
    return slides.write_decks([*slides.lessons(), synthetic], out, urls)


def test_every_slide_of_every_deck_fits_the_screen(decks):
    fits = slides.measure_decks(decks, width=WIDTH, height=HEIGHT)
    table = slides.fit_table(fits)
    print(f"\nslides at {WIDTH}×{HEIGHT} (height in reveal.js pixels of a {HEIGHT}-pixel slide)")
    print(table)
    assert [f.deck for f in fits] == [d.name.replace(".slides.html", "") for d in decks]
    assert all(f.heights and f.available == slides.SLIDE_HEIGHT for f in fits), table
    assert all(h > 0 for f in fits for h in f.heights), f"an empty slide was measured:\n{table}"
    over = {f.deck: f.overflows for f in fits if f.overflowing}
    assert not over, f"slides taller than the screen (see the table):\n{table}"
    assert min(f.smallest_zoom for f in fits) >= slides.MIN_ZOOM, table

    synthetic = fits[-1]
    # title; section 1 with its figure; sections 2 and 3 each a slide, then a sub-slide
    assert len(synthetic.heights) == 6, synthetic
    figure, printout, long_code = synthetic.heights[1], synthetic.heights[3], synthetic.heights[5]
    assert figure > 400 and synthetic.zooms[1] == 1, f"fits by the figure's size: {synthetic}"
    assert printout > 0.5 * HEIGHT and synthetic.zooms[3] == 1, f"the log, cut: {synthetic}"
    assert long_code > 0.8 * HEIGHT and slides.MIN_ZOOM <= synthetic.zooms[5] < 1, synthetic
    deck = decks[-1].read_text(encoding="utf-8")
    assert re.search(r"# \.\.\. \d+ more lines in the notebook", deck), "the long code, shortened"
    # the log as a terminal shows it: one line per epoch, its middle left out
    assert "10/10 - loss: 0.39" in deck and "5/10 - loss: 0.39" not in deck
    assert re.search(r"\[\.\.\. \d+ more lines in the notebook \.\.\.\]", deck)
