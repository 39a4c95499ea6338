"""Real-browser tests: lesson 01 in JupyterLab in Chromium, and a slide deck in Chromium.

They need Chromium (Debian: ``apt-get install chromium``) and Playwright (``make
install-browser``); without them they are skipped with the reason. ``.ci/run`` installs both and
sets ``COURSE_REQUIRE_BROWSER=1``, which turns a skip into a failure, so CI always runs them.
Screenshots go to ``build/browser/``.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tool_modules import load_tool

from course_utils.plots import outputs_without_alt

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "browser"
LESSON = ROOT / "notebooks" / "01_mnist_convnet.ipynb"
REQUIRED = os.environ.get("COURSE_REQUIRE_BROWSER") == "1"
_slides = load_tool("slides")
#: Tags of the cells that notebooks/ shows collapsed.
COLLAPSED = _slides.COLLAPSED_TAGS
#: Chromium as root needs --no-sandbox; on a closed network its background services would only
#: wait for timeouts (the flags the deck measurement uses too).
CHROMIUM_FLAGS = _slides.CHROMIUM_FLAGS


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"COURSE_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


CHROMIUM = _slides.find_chromium()
if CHROMIUM is None:
    _unavailable("Chromium not found (Debian/Ubuntu: apt-get install chromium; or COURSE_CHROMIUM)")
try:
    from playwright.sync_api import sync_playwright
except ImportError:
    _unavailable("Playwright is not installed (make install-browser)")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """JupyterLab on localhost serving a copy of lesson 01, with its own settings and runtime.

    The kernel runs in the smoke profile (the server's environment, which kernels inherit).
    Yields ``(url, token, folder)``.
    """
    folder = tmp_path / "lessons"
    shutil.copytree(LESSON.parent, folder)  # the lessons folder as `make lab` shows it
    home = tmp_path / "jupyter"
    # No "Would you like to get notified about official Jupyter news?" pop-up: the course's
    # own setting (`make install` puts tools/jupyterlab/overrides.json into the environment).
    overrides = Path(sys.prefix, "share", "jupyter", "lab", "settings", "overrides.json")
    assert overrides.is_file(), f"{overrides} is missing: run `make install`"
    env = dict(
        os.environ,
        COURSE_PROFILE="smoke",
        TF_CPP_MIN_LOG_LEVEL="3",  # as `make lab` does
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
    )
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).parent / "jupyter"
    command = [str(jupyter), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}"]
    command += ["--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    command += [f"--ServerApp.root_dir={folder}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield url, token, folder
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


def _saved_code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def _text(output: dict) -> str:
    text = output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def test_lesson_01_runs_in_jupyterlab_in_chromium(browser, jupyterlab):
    """Open lesson 01 in JupyterLab, Run All Cells from the menu, and check what the browser saved.

    Progress is read from the notebook file, which the test saves with Ctrl+S every few
    seconds: that is the browser's own notebook model, whatever JupyterLab renders on screen.
    """
    url, token, folder = jupyterlab
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(f"{url}/lab/tree/{LESSON.name}?token={token}")
    page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=90_000)
    # The kernel must be connected and idle before Run All, or the run is silently dropped.
    page.get_by_text(re.compile(r"^Python 3 \(ipykernel\) \| Idle$")).wait_for(timeout=120_000)

    # What a learner sees first: notes, checks, asides and solutions collapsed (JupyterLab
    # shows a placeholder with the cell's first line), everything else open.
    notebook = json.loads(LESSON.read_text())["cells"]
    hidden = [bool(c["metadata"].get("jupyter", {}).get("source_hidden")) for c in notebook]
    tagged = [bool(set(c["metadata"].get("tags", [])) & COLLAPSED) for c in notebook]
    assert hidden == tagged and sum(hidden) >= 5, "make strip writes source_hidden from the tags"
    # JupyterLab renders a long notebook's cells as they come into view: compare each cell it
    # has rendered (by its index in the notebook), and at least the first screen's.
    shown = page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")
    rendered = {}
    for k in range(shown.count()):
        index = shown.nth(k).get_attribute("data-windowed-list-index")
        collapsed = shown.nth(k).locator(".jp-InputPlaceholder").count() > 0
        rendered[int(index) if index is not None else k] = collapsed
    assert set(range(12)) <= set(rendered), sorted(rendered)
    assert rendered == {i: hidden[i] for i in rendered}, "exactly the tagged cells collapsed"
    # Nothing over the lesson, and the file browser lists the lessons only.
    page.wait_for_timeout(2000)  # the news question, where asked, comes a moment after start
    assert page.get_by_text("official Jupyter news").count() == 0, "the news pop-up is shown"
    assert page.locator(".jp-Notification-Toast").count() == 0, "a pop-up covers the lesson"
    listed = page.locator(".jp-DirListing-content .jp-DirListing-itemName").all_inner_texts()
    lessons = sorted(p.name for p in LESSON.parent.glob("[0-9][0-9]_*.ipynb"))
    assert sorted(name.strip() for name in listed) == lessons, listed
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lesson01_opened.png"))  # as a learner opens it
    # (Running a markdown cell shows it: JupyterLab's runCell sets inputHidden = false for
    # markdown cells, so after Run All the notes and the aside are open; code cells stay shut.)

    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

    saved = folder / LESSON.name
    total = len(_saved_code_cells(saved))
    deadline = time.monotonic() + 480  # smoke: about 30 s alone, a few minutes on a busy CI box
    while True:
        time.sleep(3)
        page.keyboard.press("Control+s")
        time.sleep(1)
        cells = _saved_code_cells(saved)
        done = sum(c["execution_count"] is not None for c in cells)
        errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, f"error output: {errors[0]['ename']}: {errors[0]['evalue']}"
        if done == total:
            break
        assert time.monotonic() < deadline, f"only {done} of {total} code cells ran"
    page.get_by_text(re.compile(r"^Python 3 \(ipykernel\) \| Idle$")).wait_for(timeout=60_000)

    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, total + 1)), "every cell ran once, in order"
    stdout = "".join(_text(o) for c in cells for o in c["outputs"] if o.get("name") == "stdout")
    assert "profile: smoke" in stdout  # the banner: profile, device and data source
    accuracy = float(re.search(r"test accuracy: (\d\.\d+)", stdout)[1])
    assert accuracy > 0.5, accuracy  # the lesson asserts its own threshold; chance is 0.10
    figures = sum("image/png" in o.get("data", {}) for c in cells for o in c["outputs"])
    assert figures >= 3, "the history, the grids and the per-class chart"
    assert [m for c in cells for m in outputs_without_alt(c["outputs"])] == [], "text alternatives"
    assert not page_errors, page_errors

    # The first screen: the title, the collapsed notes, the set-up cell and its banner.
    setup_outputs = _saved_code_cells(saved)[0]["outputs"]
    assert _text(setup_outputs[0]).startswith("[lesson 01"), setup_outputs[:2]
    first_open = next(i for i in range(1, len(notebook)) if not hidden[i])
    assert notebook[first_open]["cell_type"] == "code", "after the title comes the set-up cell"
    page.locator(".jp-NotebookPanel .jp-WindowedPanel-outer").first.evaluate(
        "element => element.scrollTo(0, 0)"
    )
    page.wait_for_timeout(1500)
    cell = page.locator(f'.jp-Notebook .jp-Cell[data-windowed-list-index="{first_open}"]')
    if cell.count() == 0:  # a JupyterLab without the attribute: the cells in order
        cell = shown.nth(first_open)
    banner = cell.locator(".jp-OutputArea").first.inner_text().strip()
    assert banner.startswith("[lesson 01"), banner[:200]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "lesson01_first_screen.png"))

    # A screenshot of the results: the accuracy line and the training curves below it.
    result = page.get_by_text(re.compile(r"test accuracy: \d")).first
    for _ in range(3):  # cells off screen are laid out when reached, which moves the target
        result.evaluate("element => element.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(700)
    # Each figure goes out with its text alternative as an <img alt> in text/html, which
    # JupyterLab renders in preference to the bare PNG (course_utils.plots.figure_bundle).
    figures_shown = page.locator(".jp-OutputArea-output img")
    assert figures_shown.count() >= 1
    alts = figures_shown.evaluate_all("images => images.map(image => image.alt)")
    assert all(alt.strip() for alt in alts), f"a figure without alt in JupyterLab: {alts}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "lesson01_jupyterlab.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000
    page.close()


def test_lesson_01_deck_in_chromium(browser, tmp_path):
    """Build lesson 01's deck with local assets, open it from disk, ask reveal.js what it has."""
    slides = load_tool("slides")
    from course_utils.errors import DataError, IntegrityError

    try:
        (deck,) = slides.build_decks([LESSON], tmp_path, assets="local")
    except IntegrityError as error:  # a wrong pin fails everywhere, not only where required
        pytest.fail(f"a deck asset does not match its pinned size or SHA-256: {error}")
    except DataError as error:  # the assets come from the npm registry, once per machine
        _unavailable(f"reveal.js could not be downloaded: {error}")
    shape = slides.deck_shape(slides.tagged(slides.read(LESSON)))

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    failed, page_errors = [], []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.goto(deck.as_uri())
    page.locator(".reveal.ready").wait_for(timeout=30_000)
    reveal = slides.ASSETS["reveal"]
    counts = page.evaluate(
        """module => new Promise(resolve => require([module], Reveal => resolve({
            total: Reveal.getTotalSlides(),
            horizontal: Reveal.getHorizontalSlides().length,
            notes: document.querySelectorAll("aside.notes").length,
            fragments: document.querySelectorAll(".fragment").length,
        })))""",
        f"vendor/{reveal.folder}/dist/reveal.js",
    )
    assert counts["total"] == shape["slides"] > 10
    assert counts["horizontal"] == shape["sections"]
    assert counts["notes"] == shape["notes"]
    assert counts["fragments"] >= shape["fragments"]
    assert not failed, f"the deck loaded something it could not get: {failed}"
    assert not page_errors, page_errors

    # Section 2 (the output-size formula, typeset by the local MathJax) for the screenshot. Wait
    # for MathJax to finish typesetting first: moving to a slide while it works left the formula
    # half-typeset (a hidden CHTML copy beside the preview) in 2 of 4 tries on Chromium 156.
    page.wait_for_function("() => window.MathJax && MathJax.isReady", timeout=30_000)
    typeset = page.evaluate(
        "() => new Promise(r => MathJax.Hub.Queue(() => r(document.querySelectorAll('.MathJax_CHTML').length)))"
    )
    assert typeset >= 5, "the output-size formula and its four letters"
    page.evaluate(
        "module => new Promise(resolve => require([module], Reveal => resolve(Reveal.slide(2))))",
        f"vendor/{reveal.folder}/dist/reveal.js",
    )
    page.locator("section.present .MathJax_CHTML:visible").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # the slide transition
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / "lesson01_deck.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    # The speaker view (key S) opens a window with this slide's notes, also from local files.
    with page.expect_popup() as opened:
        page.keyboard.press("s")
    speaker = opened.value
    speaker.get_by_text("For the instructor.").wait_for(timeout=30_000)
    cells = slides.read(LESSON).cells
    section_2 = next(i for i, c in enumerate(cells) if c.source.startswith("## 2."))
    first_note = cells[section_2 + 1].source.split("\n- ")[1].split("\n")[0]
    assert first_note in speaker.inner_text("body")  # section 2's notes, not another slide's
    speaker.close()
    page.close()
