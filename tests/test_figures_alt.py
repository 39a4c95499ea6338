"""Figures everyone can read, end to end (issue 24 §2).

Two small notebooks call the plots helpers the way the lessons do (01: image grids with titles,
a training history, right/wrong marks; 03/07/09: compared histories, Grad-CAM overlays, grids
drawn in a loop, feature maps) and run in a real kernel. Every image output must carry a text
alternative, exactly once per figure; the web page tools/execute.py writes (nbconvert's lab
template) and the course's deck (tools/slides.py, course-reveal) must put it into each <img>,
and, where Chromium and Playwright are installed, Chromium must read it from the page.

The real lessons are checked where they run: every lesson cell nbval runs fails if it shows a
figure without a text alternative (the ``pytest_runtest_call`` hook of the root conftest.py),
and the tests that run whole lessons themselves (00: tests/test_executed.py, 01:
tests/test_browser.py, 05: tests/test_pretrained_path.py, 02/04/09:
tests/test_learner_copies.py) assert the same. The last test here
shows that the hook fails a lesson cell whose figure has none.
"""

import html
import os
import re
import shutil

import nbformat
import pytest
from tool_modules import load_tool

from course_utils.plots import outputs_without_alt

#: nbconvert's lab template writes this alt into an <img> that has none (nbconvert#2021).
NBCONVERT_PLACEHOLDER = "No description has been provided for this image"

LESSON_01_LIKE = [
    "import course_utils\nimport matplotlib.pyplot as plt\nimport numpy as np",
    # 01: the first training images
    "digits = np.random.default_rng(0).integers(0, 255, (16, 28, 28), dtype='uint8')\n"
    "course_utils.plots.image_grid(digits, titles=[str(i % 10) for i in range(16)],\n"
    "                              title='First training images', source='MNIST (stand-in)');",
    # 01: the training curves
    "history = {'loss': [0.9, 0.5, 0.3, 0.25], 'val_loss': [0.6, 0.4, 0.35, 0.38],\n"
    "           'accuracy': [0.7, 0.85, 0.9, 0.93], 'val_accuracy': [0.8, 0.88, 0.91, 0.9]}\n"
    "course_utils.plots.plot_history(history, title='MNIST convnet', source='MNIST (stand-in)');",
    # 02/05/08: predictions marked right and wrong (the lessons pass green/red)
    "course_utils.plots.image_grid(digits[:4], titles=['cat', 'dog', 'cat', 'dog'],\n"
    "    title_colors=['green', 'red', 'green', 'green'], title='Test images (red = wrong)');",
]

LESSON_09_LIKE = [
    "import course_utils\nimport course_utils.interpret as ci\nimport matplotlib.pyplot as plt\n"
    "import numpy as np\nrng = np.random.default_rng(0)",
    # 03/07: runs compared
    "runs = {'plain': {'accuracy': [0.6, 0.7], 'val_accuracy': [0.55, 0.6]},\n"
    "        'augmented': {'accuracy': [0.6, 0.65], 'val_accuracy': [0.6, 0.7]}}\n"
    "course_utils.plots.compare_histories(runs, metrics=['accuracy'], validation_only=True,\n"
    "                                     chance=0.5, title='plain vs augmented');",
    # 09: Grad-CAM overlays in an image grid
    "photos = rng.integers(0, 255, (4, 48, 48, 3), dtype='uint8')\n"
    "heat = rng.uniform(0, 1, (4, 6, 6))\n"
    "course_utils.plots.image_grid([ci.overlay_heatmap(p, h) for p, h in zip(photos, heat)],\n"
    "    titles=[f'pred {i}' for i in range(4)], ncols=4, title='Grad-CAM', source='pets');",
    # 09: grids drawn in a loop (no semicolon needed: not the cell's last value)
    "for layer in ['block1_conv1', 'block2_conv1']:\n"
    "    course_utils.plots.image_grid(photos[:2], titles=['filter 0', 'filter 1'],\n"
    "                                  title=f'VGG16 {layer}')",
    # 09: feature maps shown ...
    "maps = rng.normal(size=(1, 12, 12, 6)).astype('float32')\n"
    "ci.plot_activations([maps], ['conv2d'], max_channels=4);",
    # ... and, in a verify cell, only compared and closed: nothing shown
    "figures = ci.plot_activations([maps], ['conv2d'])\nfor f in figures:\n    plt.close(f)",
]


def figures_without_alt(nb) -> list[str]:
    """Each image output of ``nb`` without a text alternative, as "cell N: types"."""
    return [
        f"cell {index}: {types}"
        for index, cell in enumerate(nb.cells)
        for types in outputs_without_alt(cell.get("outputs", []))
    ]


def _image_outputs(cell) -> list[dict]:
    return [
        o for o in cell.get("outputs", []) if any(m.startswith("image/") for m in o.get("data", {}))
    ]


def _notebook(sources: list[str]):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Both notebooks, run at once (two kernels; most of the time is their start and imports)."""
    import asyncio

    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("figures-alt")
    notebooks = {"01": _notebook(LESSON_01_LIKE), "09": _notebook(LESSON_09_LIKE)}
    env = {**os.environ, "COURSE_PROFILE": "smoke", "TF_CPP_MIN_LOG_LEVEL": "3"}
    clients = [
        NotebookClient(
            nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        for nb in notebooks.values()
    ]

    async def run_all():
        await asyncio.gather(*(c.async_execute(env=env) for c in clients))

    asyncio.run(run_all())
    return notebooks


def test_the_check_finds_a_figure_without_alt():
    bare = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("plt.plot([1])")])
    bare.cells[0].outputs = [nbformat.v4.new_output("display_data", {"image/png": "iVBO"})]
    assert figures_without_alt(bare) == ["cell 0: ['image/png']"]
    bare.cells[0].outputs[0]["data"]["text/html"] = '<img src="data:image/png;base64,iVBO">'
    assert figures_without_alt(bare) != []  # an <img> without alt is no alternative
    bare.cells[0].outputs[0]["metadata"] = {"image/png": {"alt": "a line"}}
    assert figures_without_alt(bare) == []


def test_every_helper_figure_goes_out_once_with_its_text_alternative(executed):
    for name, nb in executed.items():
        assert figures_without_alt(nb) == [], name
        for cell in nb.cells:
            for output in _image_outputs(cell):
                alt = output["metadata"]["image/png"]["alt"]
                data = output["data"]
                assert data["text/plain"] == alt
                assert f'alt="{html.escape(alt, quote=True)}"' in data["text/html"]
                assert data["image/png"][:20] in "".join(data["text/html"].split())  # same PNG
    # one image output per figure: no figure doubled, the closed ones not shown
    counts = {k: [len(_image_outputs(c)) for c in nb.cells] for k, nb in executed.items()}
    assert counts == {"01": [0, 1, 1, 1], "09": [0, 1, 1, 2, 1, 0]}, counts


def test_alt_texts_say_what_the_figures_show(executed):
    def alts(nb, i):
        return [o["metadata"]["image/png"]["alt"] for o in _image_outputs(nb.cells[i])]

    one, nine = executed["01"], executed["09"]
    assert alts(one, 1)[0].startswith("Image grid 'First training images' (data: MNIST")
    assert "16 images in 2 rows of 8, 28x28 grayscale" in alts(one, 1)[0]
    assert "Validation accuracy peaks at 0.91 in epoch 3 (last 0.9)" in alts(one, 2)[0]
    assert "Validation loss is lowest at 0.35 in epoch 3 (last 0.38)" in alts(one, 2)[0]
    assert "1 of 4 marked wrong" in alts(one, 3)[0] and "\u2717 dog" in alts(one, 3)[0]
    assert "augmented: validation accuracy peaks at 0.7 in epoch 2." in alts(nine, 1)[0]
    assert "4 images in a row of 4, 48x48 colour" in alts(nine, 2)[0]
    assert ["block1_conv1" in a for a in alts(nine, 3)] == [True, False]
    assert alts(nine, 4)[0].startswith("Feature maps of layer conv2d: 4 of 6 channels of 12x12")


def _imgs(page: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", page)


def _alt(tag: str) -> str | None:
    found = re.search(r"""\balt=(?:"([^"]*)"|'([^']*)')""", tag)
    return html.unescape(found[1] if found[1] is not None else found[2]) if found else None


def test_web_page_and_deck_write_the_alt_into_each_img(executed, tmp_path):
    slides = load_tool("slides")
    nb = executed["01"]
    expected = [o["metadata"]["image/png"]["alt"] for c in nb.cells for o in _image_outputs(c)]
    load_tool("execute").write_html(nb, tmp_path / "lesson.html")  # as make executed writes it
    page = (tmp_path / "lesson.html").read_text(encoding="utf-8")
    deck, _ = slides.exporter(None).from_notebook_node(nb)
    for name, text in (("page", page), ("deck", deck)):
        assert [_alt(t) for t in _imgs(text)] == expected, name
        assert NBCONVERT_PLACEHOLDER not in text, name
    # An image/png output with alt metadata but no text/html (e.g. display(fig, metadata=...))
    # gets its alt too: the data_png block of the course-reveal and course-lab templates.
    only_png = _notebook(["display(fig, metadata={'image/png': {'alt': 'a \"b\"'}})"])
    only_png.cells[0].outputs = [
        nbformat.v4.new_output(
            "display_data", {"image/png": "iVBO"}, metadata={"image/png": {"alt": 'a "b"'}}
        )
    ]
    deck_only, _ = slides.exporter(None).from_notebook_node(only_png)
    load_tool("execute").write_html(only_png, tmp_path / "only_png.html")
    page_only = (tmp_path / "only_png.html").read_text(encoding="utf-8")
    for text in (deck_only, page_only):
        assert [_alt(t) for t in _imgs(text)] == ['a "b"']

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return  # Chromium's reading is checked where Playwright is installed (make install-browser)
    if not os.access(chromium, os.X_OK):
        return
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=slides.CHROMIUM_FLAGS)
        try:
            view = browser.new_page()
            view.goto((tmp_path / "page.html").as_uri())
            seen = view.evaluate("() => [...document.images].map(i => i.alt)")
        finally:
            browser.close()
    assert seen == expected


def test_a_lesson_cell_showing_a_figure_without_alt_fails(tmp_path):
    """nbval runs a two-cell notebook with the root conftest.py as a plugin: the cell whose
    figure has no text alternative fails and says how to give it one; the other passes."""
    import subprocess
    import sys
    from pathlib import Path

    nb = _notebook(
        [
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 4])\nplt.show()",
            "import course_utils.plots\nfig = plt.figure()\nplt.plot([1, 2, 4])\n"
            "course_utils.plots.set_alt_text(fig, 'a line rising from 1 to 4')\nplt.show()",
        ]
    )
    nbformat.write(nb, tmp_path / "figures.ipynb")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--nbval-lax", "--nbval-current-env", "-o", "addopts=",
         "-rf", "figures.ipynb"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert "1 failed, 1 passed" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
    assert "figures.ipynb::Cell 0" in run.stdout
    assert "1 figure(s) without a text alternative" in run.stdout
    assert "course_utils.plots.set_alt_text" in run.stdout
