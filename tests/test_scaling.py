"""Lesson 10's multi-worker checks shown able to fail (worker processes on 127.0.0.1).

The worker script is the lesson's own (the notebook cell tagged ``worker-script``), so this
tests exactly what learners run. The lesson itself (run in smoke by the suite) trains two
workers on 127.0.0.1 and checks that both end on their own, that their weights are identical
and that only the chief wrote a checkpoint; the test here breaks the first two conditions
and shows that the lesson's checks then fail.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
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


def test_multi_worker_checks_can_fail(tmp_path, images):
    script = tmp_path / "worker.py"
    script.write_text(_worker_script())
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        out.mkdir()

    def alone(seed, out, config):
        (result,) = scaling.run_workers(
            script, [config], timeout=180, args=_args(out, images, seed)
        )
        return result

    def without_its_peer():
        with pytest.raises(scaling.WorkersTimeout, match="did not end within 8 s"):
            scaling.run_workers(script, lone, timeout=8, args=_args(tmp_path / "lone", images))

    # The three runs below go at once: none of them waits for another.
    # A worker whose peer never starts waits for it: run_workers kills it at the time limit
    # instead of hanging, and says so ("both processes end on their own" would fail).
    lone = _configs(2)[:1]
    with ThreadPoolExecutor(3) as pool:
        waited = pool.submit(without_its_peer)
        # Two workers that are not one cluster (different seeds, no all-reduce): the weights
        # differ, so the lesson's "identical weights" check would fail.
        results = list(pool.map(alone, (0, 1), outs, _configs(2, separate=True)))
        waited.result()  # re-raises here if the lone worker was not stopped as expected
    for result in results:
        assert result.returncode == 0, result.output[-1500:]
        assert "epoch 2, loss" in result.output  # the script trained its two epochs
    a, b = (np.load(scaling.weights_file(out, 0)) for out in outs)
    assert not np.array_equal(a, b)
