"""What does ``COURSE_DETERMINISTIC=1`` cost, and what does it buy?

``COURSE_DETERMINISTIC=1`` makes ``course_utils.setup()`` call
``tf.config.experimental.enable_op_determinism()``: TensorFlow then picks deterministic kernels
(and refuses ops that have none), so the same seed gives the same weights, run after run, on the
same machine and thread count. It does not make another CPU compute the same floats, so it is not
what makes the lessons' checks robust (``benchmarks/robustness.py`` measures that).

For three trainings of the course (lesson 01's convnet on MNIST-size images, lesson 02's classic
convnet on the cats-vs-dogs stand-in, lesson 06's encoder-decoder on the pets stand-in), each run
in a fresh process, this prints per training: seconds per epoch without and with determinism (the
median of ``--repeats`` runs each, run alternately so that background load hits both alike), the
ratio, and whether two runs with the same seed ended with identical weights.

    .venv/bin/python benchmarks/determinism.py [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

WORKER = r"""
import json, os, sys, time
import numpy as np
import course_utils
course_utils.env.configure_tensorflow(int(os.environ["THREADS"]), os.environ["DET"] == "1")
import keras
from course_utils.datasets import standins

keras.utils.set_random_seed(0)
name = os.environ["TRAINING"]
if name == "01 convnet (28x28, 4,000 images)":
    rng = np.random.default_rng(0)
    x = rng.random((4000, 28, 28, 1), dtype=np.float32)
    y = (x[:, 10:18, 10:18, 0].mean(axis=(1, 2)) * 10).astype(int) % 10
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    loss, batch = "sparse_categorical_crossentropy", 64
elif name == "02 classic convnet (64 px, 400 images)":
    pets = standins.make_pets(400, size=64, seed=0)
    x, y = pets.images.astype("float32"), pets.labels
    model = course_utils.models.classic_convnet((64, 64, 3))
    loss, batch = "binary_crossentropy", 16
else:  # "06 encoder-decoder (64 px, 200 pairs)"
    pets = standins.make_pets(200, size=64, seed=0)
    x, y = pets.images.astype("float32"), pets.trimaps[..., None].astype("int32") - 1
    inputs = keras.Input((64, 64, 3))
    h = keras.layers.Rescaling(1 / 255)(inputs)
    for filters in (64, 128, 256):
        h = keras.layers.Conv2D(filters, 3, strides=2, activation="relu", padding="same")(h)
        h = keras.layers.Conv2D(filters, 3, activation="relu", padding="same")(h)
    for filters in (256, 128, 64):
        h = keras.layers.Conv2DTranspose(filters, 3, activation="relu", padding="same")(h)
        h = keras.layers.Conv2DTranspose(filters, 3, strides=2, activation="relu", padding="same")(h)
    outputs = keras.layers.Conv2D(3, 3, activation="softmax", padding="same")(h)
    model = keras.Model(inputs, outputs)
    loss, batch = "sparse_categorical_crossentropy", 16
model.compile("rmsprop", loss)
model.fit(x, y, batch_size=batch, epochs=1, verbose=0)  # traces the step: not timed
start = time.perf_counter()
model.fit(x, y, batch_size=batch, epochs=2, verbose=0)
seconds = (time.perf_counter() - start) / 2
digest = float(sum(np.abs(w).sum() for w in model.get_weights()))
print(json.dumps({"seconds_per_epoch": seconds, "weights": digest}))
"""

TRAININGS = (
    "01 convnet (28x28, 4,000 images)",
    "02 classic convnet (64 px, 400 images)",
    "06 encoder-decoder (64 px, 200 pairs)",
)


def run(training: str, deterministic: bool, threads: int) -> dict:
    env = {
        **os.environ,
        "TRAINING": training,
        "DET": "1" if deterministic else "0",
        "THREADS": str(threads),
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    print(f"{args.repeats} runs each, {args.threads} thread(s), {os.cpu_count()} cores\n")
    print(
        f"{'training':40s} {'s/epoch':>9s} {'s/epoch det.':>13s} {'ratio':>6s} "
        f"{'same weights, default':>22s} {'same weights, det.':>19s}"
    )
    for training in TRAININGS:
        default, det = [], []
        for _ in range(args.repeats):  # alternate, so background load hits both alike
            default.append(run(training, False, args.threads))
            det.append(run(training, True, args.threads))
        a = statistics.median(r["seconds_per_epoch"] for r in default)
        b = statistics.median(r["seconds_per_epoch"] for r in det)
        same_default = len({r["weights"] for r in default}) == 1
        same_det = len({r["weights"] for r in det}) == 1
        print(
            f"{training:40s} {a:9.2f} {b:13.2f} {b / a:6.2f} {str(same_default):>22s} "
            f"{str(same_det):>19s}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
