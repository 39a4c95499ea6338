"""Lesson 09 reuses the model that lesson 03 (or 02) saved, in the profiles where it does.

In ``cpu`` and ``full`` lesson 09 explains a convnet that an earlier lesson trained and saved,
instead of training its own; ``smoke`` always trains (``P.reuse_saved_model`` is false there, so
a run is the same whatever ran before), so the suite's run of the lesson never takes that path.
This test does: it saves a model where lesson 03 saves it, runs lesson 09 up to the cell that
picks its model with ``reuse_saved_model`` switched on (the ``cpu`` setting), and checks that the
lesson loaded that file and kept the saved model's own input size."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSON = next((ROOT / "notebooks").glob("09_*.ipynb"))


def test_lesson_09_loads_the_model_an_earlier_lesson_saved(data_home, tmp_path):
    import nbclient
    import nbformat

    from course_utils import models
    from course_utils.datasets import cats_vs_dogs
    from course_utils.profiles import LESSONS, Profile

    assert LESSONS["09"].settings["cpu"]["reuse_saved_model"] is True  # the path under test
    profile = Profile("smoke", "test", LESSONS["09"])
    source = cats_vs_dogs.resolve("smoke")
    saved = models.model_path("data_augmentation", profile, source)
    saved.parent.mkdir(parents=True, exist_ok=True)
    model = models.classic_convnet((56, 56, 3))  # another input size than the profile's
    model.compile(loss="binary_crossentropy", metrics=["accuracy"])  # lesson 03 saves it fitted
    models.save_model(model, saved)

    nb = nbformat.reads(LESSON.read_text(encoding="utf-8"), as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    setup, picks = code[0], next(i for i in code if 'origin = f"LOADED' in nb.cells[i].source)
    cells = nb.cells[: picks + 1]
    cells.insert(setup + 1, nbformat.v4.new_code_cell('P.settings["reuse_saved_model"] = True'))
    cells.append(nbformat.v4.new_code_cell("print(json.dumps([origin, list(image_size)]))"))
    cells.insert(setup + 1, nbformat.v4.new_code_cell("import json"))
    nb.cells = cells
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(LESSON.parent)}}
    )
    client.execute()
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    origin, image_size = json.loads(text.strip().splitlines()[-1])
    assert origin == f"LOADED {saved.name} (saved by an earlier lesson)", origin
    assert image_size == [56, 56]  # the saved model's own input size, not the profile's
