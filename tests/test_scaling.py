"""Lesson 10's multi-worker training on its own: two processes on 127.0.0.1, bounded in time.

The worker script is the lesson's own (the notebook cell tagged ``worker-script``), so this
tests exactly what learners run. The second test breaks each condition the lesson checks and
shows that its check then fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from course_utils import scaling
from course_utils.datasets import standins

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "10_scaling_up.ipynb"


def _worker_script() -> str:
    cells = json.loads(LESSON.read_text())["cells"]
    (cell,) = [c for c in cells if "worker-script" in c["metadata"].get("tags", [])]
    namespace: dict = {}
    exec("".join(cell["source"]), namespace)  # noqa: S102 - the cell only assigns a string
    return namespace["WORKER_SCRIPT"]


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> Path:
    """A small folder of stand-in pets: cats/ and dogs/, 16 JPEGs each at 40 px."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("pets")
    pets = standins.make_pets(32, size=40, seed=3)
    for i, (image, label) in enumerate(zip(pets.images, pets.labels, strict=True)):
        sub = folder / ("cats" if label == 0 else "dogs")
        sub.mkdir(exist_ok=True)
        Image.fromarray(image).save(sub / f"{i}.jpg")
    return folder


def _configs(n: int, separate: bool = False) -> list[dict]:
    ports = scaling.free_ports(n)
    if separate:  # each worker alone in its own cluster: no synchronisation at all
        return [
            {"cluster": {"worker": [f"127.0.0.1:{p}"]}, "task": {"type": "worker", "index": 0}}
            for p in ports
        ]
    cluster = {"worker": [f"127.0.0.1:{p}" for p in ports]}
    return [{"cluster": cluster, "task": {"type": "worker", "index": i}} for i in range(n)]


def _args(out: Path, images: Path, seed: int = 0) -> list[str]:
    # folder, image size, images, per-replica batch, epochs, learning rate, seed
    return [str(out), str(images), "24", "32", "4", "2", "0.05", str(seed)]


def test_multi_worker_training_on_loopback(tmp_path, images):
    script = tmp_path / "worker.py"
    script.write_text(_worker_script())
    results = scaling.run_workers(script, _configs(2), timeout=180, args=_args(tmp_path, images))
    assert [r.returncode for r in results] == [0, 0], [r.output[-1500:] for r in results]
    chief, other = (np.load(scaling.weights_file(tmp_path, i)) for i in range(2))
    assert chief.size > 1000 and np.array_equal(chief, other)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.h5"))
    assert written == ["checkpoint/model.weights.h5"]  # the chief only
    assert all("epoch 2, loss" in r.output for r in results)


def test_multi_worker_checks_can_fail(tmp_path, images):
    script = tmp_path / "worker.py"
    script.write_text(_worker_script())
    # 1. Two workers that are not one cluster (different seeds, no all-reduce): the weights
    #    differ, so the lesson's "identical weights" check would fail.
    outs = [tmp_path / "a", tmp_path / "b"]
    for seed, (out, config) in enumerate(zip(outs, _configs(2, separate=True), strict=True)):
        out.mkdir()
        (result,) = scaling.run_workers(
            script, [config], timeout=180, args=_args(out, images, seed)
        )
        assert result.returncode == 0, result.output[-1500:]
    a, b = (np.load(scaling.weights_file(out, 0)) for out in outs)
    assert not np.array_equal(a, b)
    # 2. A worker whose peer never starts waits for it: run_workers kills it at the time limit
    #    instead of hanging, and says so ("both processes end on their own" would fail).
    lone = _configs(2)[:1]
    with pytest.raises(scaling.WorkersTimeout, match="did not end within 8 s"):
        scaling.run_workers(script, lone, timeout=8, args=_args(tmp_path / "lone", images))
