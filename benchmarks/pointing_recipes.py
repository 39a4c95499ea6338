"""Training recipes for the Grad-CAM pointing test, one seed at a time, epoch by epoch.

``tests/test_grad_cam_pointing.py`` trains a small convnet on the pets stand-in and checks that
Grad-CAM points at the ears. Whether it passes depends on what the net learns, so a recipe is
chosen by measurement (``benchmarks/robustness.py --tests tests/test_grad_cam_pointing.py``
gives the table over seeds and thread counts). This script shows *why* a run passes or fails:
the test accuracy after every epoch, then per class the hit rate, how many heatmaps are empty
(all zero after Grad-CAM's ReLU: the net encodes that class as "the other class's evidence is
absent") and how many images' decision the ears make (occluding them flips it).

    .venv/bin/python benchmarks/pointing_recipes.py --seed 6 --threads 1
    .venv/bin/python benchmarks/pointing_recipes.py --seed 1 --threads 2 --batch 16 --epochs 8 --warmup 0

Defaults are the test's recipe. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    import test_grad_cam_pointing as T

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=T.BATCH_SIZE)
    parser.add_argument("--epochs", type=int, default=T.EPOCHS)
    parser.add_argument("--warmup", type=int, default=T.WARMUP_EPOCHS, help="epochs; 0: none")
    parser.add_argument("--lr", type=float, default=T.LEARNING_RATE)
    parser.add_argument("--cosine", action="store_true", help="decay to 0 after the warm-up")
    args = parser.parse_args(argv)

    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    import numpy as np

    from course_utils import interpret as ci
    from course_utils.datasets.standins import make_pets

    train = make_pets(T.N_TRAIN, size=T.SIZE, seed=args.seed)
    test = make_pets(T.N_TEST, size=T.SIZE, seed=args.seed + 1000)
    x_test = test.images.astype("float32")
    steps = T.N_TRAIN // args.batch
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if args.warmup else args.lr,
        args.epochs * steps,
        alpha=0.0 if args.cosine else 1.0,
        warmup_target=args.lr if args.warmup else None,
        warmup_steps=args.warmup * steps,
    )
    model = T._convnet(args.seed)  # seeds Keras; compiled again with this recipe below
    model.compile(keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy")
    per_epoch = []

    def log_accuracy(epoch, logs=None):
        pred = model.predict(x_test, verbose=0).argmax(axis=1)
        per_epoch.append(round(float(np.mean(pred == test.labels)), 3))

    start = time.perf_counter()
    model.fit(
        train.images,
        train.labels,
        epochs=args.epochs,
        batch_size=args.batch,
        verbose=0,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=log_accuracy)],
    )
    seconds = time.perf_counter() - start

    pred = model.predict(x_test, verbose=0).argmax(axis=1)
    ok = np.nonzero(pred == test.labels)[0]
    images, labels = x_test[ok], test.labels[ok]
    near = T._near(test.part_masks[ok], T.MARGIN)
    occluded = T._occlude_part(images, test.part_masks[ok], test.trimaps[ok])
    decides = model.predict(occluded, verbose=0).argmax(axis=1) != labels
    result = {
        "seed": args.seed,
        "threads": args.threads,
        "recipe": {k: v for k, v in vars(args).items() if k not in ("seed", "threads")},
        "accuracy per epoch": per_epoch,
        "seconds (fit, with the per-epoch accuracy)": round(seconds, 1),
    }
    for k, name in enumerate(["cat", "dog"]):
        idx = np.nonzero(labels == k)[0]
        heat = ci.grad_cam(model, images[idx], class_index=k, layer_name="last_conv")
        peaks = np.array(
            [
                np.unravel_index(np.argmax(ci.upsample_heatmap(h, (T.SIZE, T.SIZE))), (T.SIZE,) * 2)
                for h in heat
            ]
        )
        hits = near[idx, peaks[:, 0], peaks[:, 1]]
        result[name] = {
            "images": len(idx),
            "hit rate": round(float(hits.mean()), 3),
            "empty heatmaps": int(sum(float(h.max()) == 0.0 for h in heat)),
            "ears decide": int(decides[idx].sum()),
            "hit rate where the ears decide": round(float(hits[decides[idx]].mean()), 3)
            if decides[idx].any()
            else None,
        }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
