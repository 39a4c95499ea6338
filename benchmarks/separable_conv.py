"""Conv2D vs SeparableConv2D on this machine, with and without XLA (``jit_compile``).

Lesson 07 counts the parameters of a 3x3 convolution (36,864 for 64 -> 64 channels without bias)
and of its depthwise separable version (4,672) and leaves their speed to this script. It times
both at the feature-map sizes of the lesson's mini-Xception at 180x180 (176x176x32 ...
11x11x512): a forward pass and a training step (forward + gradients), each compiled by
``tf.function`` without and with XLA, and one training step of the whole mini-Xception. Everything is printed in one
table with the ratios side by side, so the numbers compare within one run on one load.

Run from the repository root::

    .venv/bin/python benchmarks/separable_conv.py            # about 5 min on 2 busy CPU cores
    .venv/bin/python benchmarks/separable_conv.py --quick    # fewer sizes and repeats

Times are medians over ``--repeats`` calls after warm-up calls (which include tracing and XLA
compilation); a shared or busy machine inflates them, so compare ratios within a run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: (name, batch, side, channels): the feature maps of the lesson's mini-Xception at 180x180.
SIZES = [
    ("block 1", 8, 176, 32),
    ("block 2", 8, 88, 64),
    ("block 3", 8, 44, 128),
    ("block 4", 8, 22, 256),
    ("block 5", 8, 11, 512),
]
QUICK_SIZES = [SIZES[1], SIZES[3]]


def build_layer(kind: str, channels: int):
    import keras

    if kind == "conv":
        return keras.layers.Conv2D(channels, 3, padding="same", use_bias=False)
    return keras.layers.SeparableConv2D(channels, 3, padding="same", use_bias=False)


def step_function(layer, mode: str, jit: bool):
    """A compiled call of ``layer``: forward only, or forward + gradients of its weights."""
    import tensorflow as tf

    if mode == "forward":

        def run(x):
            return tf.reduce_sum(layer(x))

    else:

        def run(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(layer(x)))
            grads = tape.gradient(loss, layer.trainable_variables)
            return loss + tf.add_n([tf.reduce_sum(g) for g in grads])

    return tf.function(run, jit_compile=jit)


def median_ms(fn, x, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn(x).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x).numpy()  # .numpy() waits for the result
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def mini_xception(side: int):
    """The lesson's mini-Xception without its data augmentation (random layers have no XLA)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(side, side, 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(32, 5, use_bias=False)(x)
    for filters in (32, 64, 128, 256, 512):
        residual = x
        for _ in range(2):
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(residual)
        x = layers.add([x, residual])
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def model_step_ms(jit: bool, side: int, batch: int, repeats: int) -> float:
    import keras
    import numpy as np

    keras.backend.clear_session()
    model = mini_xception(side)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", jit_compile=jit)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (batch, side, side, 3)).astype("float32")
    y = rng.integers(0, 2, (batch, 1)).astype("float32")
    for _ in range(2):
        model.train_on_batch(x, y)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.train_on_batch(x, y)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed calls per measurement")
    parser.add_argument("--quick", action="store_true", help="two sizes, 3 repeats")
    parser.add_argument("--no-model", action="store_true", help="skip the whole-model step")
    args = parser.parse_args()
    repeats = 3 if args.quick else args.repeats
    sizes = QUICK_SIZES if args.quick else SIZES

    import keras
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    from course_utils.env import device_description

    keras.utils.set_random_seed(0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"device: {device_description()} | TF {tf.__version__} / Keras {keras.__version__} | "
        f"{platform.processor() or platform.machine()} | load average at start: {load:.1f} | "
        f"median of {repeats} calls"
    )
    rows = []
    for name, batch, side, channels in sizes:
        x = tf.constant(
            np.random.default_rng(0).normal(size=(batch, side, side, channels)).astype("float32")
        )
        layers = {kind: build_layer(kind, channels) for kind in ("conv", "sep")}
        for layer in layers.values():
            layer(x)  # create the weights
        params = {kind: layer.count_params() for kind, layer in layers.items()}
        for mode in ("forward", "train step"):
            ms = {
                (kind, jit): median_ms(step_function(layer, mode, jit), x, repeats)
                for kind, layer in layers.items()
                for jit in (False, True)
            }
            rows.append(
                {
                    "feature map": f"{name}: {batch}x{side}x{side}x{channels}",
                    "mode": mode,
                    "params conv/sep": f"{params['conv']:,}/{params['sep']:,}"
                    f" = {params['conv'] / params['sep']:.1f}x",
                    "conv ms": ms["conv", False],
                    "sep ms": ms["sep", False],
                    "conv/sep": ms["conv", False] / ms["sep", False],
                    "conv XLA ms": ms["conv", True],
                    "sep XLA ms": ms["sep", True],
                    "conv/sep XLA": ms["conv", True] / ms["sep", True],
                    "XLA/default conv": ms["conv", True] / ms["conv", False],
                    "XLA/default sep": ms["sep", True] / ms["sep", False],
                }
            )
            print(f"  measured {name} {mode}", flush=True)
    table = pd.DataFrame(rows).set_index(["feature map", "mode"])
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(2).to_string())
    print(
        "conv/sep > 1: the separable layer is faster. XLA/default > 1: XLA is slower than "
        "TensorFlow's default kernels."
    )
    if not args.no_model:
        side, batch = (96, 8) if args.quick else (180, 16)
        default = model_step_ms(False, side, batch, repeats)
        xla = model_step_ms(True, side, batch, repeats)
        print(
            f"mini-Xception training step, batch {batch} at {side}x{side}: default {default:.0f} "
            f"ms, XLA {xla:.0f} ms, XLA/default {xla / default:.2f}"
        )


if __name__ == "__main__":
    main()
