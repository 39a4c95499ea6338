"""Plumbing for lesson 10 (scaling up): measuring throughput, reading replicas, running workers.

The strategies themselves (``MirroredStrategy``, ``MultiWorkerMirroredStrategy``, the training
step, ``TF_CONFIG``) stay in the lesson; this module holds what is not its subject: timing a
loop, reading the per-replica copies of a mirrored variable, and starting worker processes on
127.0.0.1 with a time limit.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def images_per_second(batches: Iterable, n_batches: int, step=None) -> float:
    """Images per second of ``n_batches`` batches of ``(images, labels)`` from ``batches``,
    each passed to ``step`` when given (a training step); ``.numpy()`` waits for the result."""
    start, n = time.perf_counter(), 0
    for _, (x, y) in zip(range(n_batches), batches, strict=False):
        if step is not None:
            np.asarray(step(x, y))
        n += len(x)
    return n / (time.perf_counter() - start)


def replica_values(variable) -> list[np.ndarray]:
    """The per-device copies of a mirrored variable (one array for an ordinary variable)."""
    copies = getattr(variable, "values", None)
    if copies is None:  # a Keras variable wraps the tf.Variable
        inner = getattr(variable, "value", None)
        copies = getattr(inner, "values", None) if inner is not None else None
    if not copies:
        return [np.asarray(variable)]
    return [np.asarray(c) for c in copies]


def max_replica_difference(model) -> float:
    """The largest difference between two replicas' copies of any weight of ``model`` (0.0 when
    they are identical, as synchronous data-parallel training keeps them)."""
    worst = 0.0
    for weight in model.weights:
        copies = replica_values(weight)
        for other in copies[1:]:
            worst = max(worst, float(np.max(np.abs(other - copies[0]))))
    return worst


def free_ports(n: int) -> list[int]:
    """``n`` TCP ports on 127.0.0.1 that are free right now."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class WorkersTimeout(RuntimeError):
    """Worker processes did not end within their time limit (they were killed)."""


@dataclass
class WorkerResult:
    index: int
    returncode: int
    output: str
    seconds: float


def run_workers(
    script: str | os.PathLike,
    configs: list[dict],
    timeout: float = 300,
    args: list[str] | None = None,
    cwd: str | os.PathLike | None = None,
) -> list[WorkerResult]:
    """Start one ``python script`` process per ``TF_CONFIG`` dict in ``configs`` (each its own
    environment), wait for all of them, and return their exit codes and output.

    Every worker that is still running after ``timeout`` seconds (counted from the start) is
    killed, and :class:`WorkersTimeout` says which: a worker waiting for a peer that never came
    does not hang the notebook.
    """
    start = time.monotonic()
    procs = []
    for config in configs:
        env = {**os.environ, "TF_CONFIG": json.dumps(config), "TF_CPP_MIN_LOG_LEVEL": "3"}
        env.pop("PYTEST_CURRENT_TEST", None)
        procs.append(
            subprocess.Popen(
                [sys.executable, str(script), *(args or [])],
                env=env,
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    results, late = [], []
    for index, proc in enumerate(procs):
        left = max(0.1, timeout - (time.monotonic() - start))
        try:
            output, _ = proc.communicate(timeout=left)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
            late.append(index)
        results.append(
            WorkerResult(index, proc.returncode, output, round(time.monotonic() - start, 1))
        )
    if late:
        tails = "; ".join(f"worker {i}: {results[i].output.strip()[-300:]!r}" for i in late)
        raise WorkersTimeout(f"workers {late} did not end within {timeout:g} s: killed ({tails})")
    return results


def weights_file(folder: Path, index: int) -> Path:
    """Where worker ``index`` of the lesson's script saves its final weights."""
    return Path(folder) / f"worker{index}_weights.npy"
