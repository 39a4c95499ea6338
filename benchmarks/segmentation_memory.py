"""Memory of lesson 06's streaming pipeline vs the source's all-in-RAM float32 arrays.

The source material (Deep Learning with Python, the Oxford-IIIT Pet segmentation example) reads
every photo into one float32 NumPy array at 200x200 before training: N x 200 x 200 x 3 x 4 bytes,
plus the masks (uint8), about 3.5 GB + 0.3 GB for the 7,349 usable pairs. Lesson 06 streams the
pairs from disk with ``course_utils.datasets.pets.dataset`` instead.

This script streams one epoch over a data set of the full size (by default the offline
stand-in: 7,349 image/trimap pairs at 200x200, generated once into the data folder, a few
minutes) through the pipeline of a profile (``cpu`` by default: its image size and batch size),
then trains the lesson's encoder-decoder for a few steps on that stream. It prints the resident
memory (RSS) of the process next to the size of the all-in-RAM copy, in one table.

Run from the repository root::

    .venv/bin/python benchmarks/segmentation_memory.py                 # stand-in, cpu profile
    .venv/bin/python benchmarks/segmentation_memory.py --profile full  # 200x200, batch 64
    .venv/bin/python benchmarks/segmentation_memory.py --real          # Oxford-IIIT Pet on disk

RSS includes TensorFlow itself (several hundred MB before any data is read). "Peak" is the
operating system's high-water mark of the whole process (``resource.getrusage``), so it also
covers moments between the samples taken after each batch.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

FULL_PAIRS = 7349  # usable image/trimap pairs of the real Oxford-IIIT Pet
SOURCE_SIDE = 200  # the source's image size


def rss_now() -> int | None:
    """Current resident memory of this process in bytes (Linux; None elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def rss_peak() -> int:
    """The process's peak resident memory so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # kB on Linux, bytes on macOS


def gb(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 1e9:6.2f} GB"


def in_ram_bytes(n: int, side: int = SOURCE_SIDE) -> tuple[int, int]:
    """The source's arrays: float32 images (n, side, side, 3) and uint8 masks (n, side, side, 1)."""
    return n * side * side * 3 * 4, n * side * side * 1


def get_model(img_size, num_classes=3):
    """Lesson 06's encoder-decoder (the source's model), to measure a few training steps."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=img_size + (3,))
    x = layers.Rescaling(1.0 / 255)(inputs)
    for filters in (64, 128, 256):
        x = layers.Conv2D(filters, 3, strides=2, activation="relu", padding="same")(x)
        x = layers.Conv2D(filters, 3, activation="relu", padding="same")(x)
    for filters in (256, 128, 64):
        x = layers.Conv2DTranspose(filters, 3, activation="relu", padding="same")(x)
        x = layers.Conv2DTranspose(filters, 3, strides=2, activation="relu", padding="same")(x)
    outputs = layers.Conv2D(num_classes, 3, activation="softmax", padding="same")(x)
    return keras.Model(inputs, outputs)


def pairs(real: bool, profile: str, n: int):
    """The image/trimap files to stream: the real data of ``profile`` or the stand-in of ``n``."""
    from course_utils.datasets import pets, standins
    from course_utils.datasets.source import STANDIN, DataSource

    if real:
        source = pets.resolve(profile)
        if source.is_standin:
            raise SystemExit("no real Oxford-IIIT Pet here (run `python -m course_utils data`)")
    else:
        t = time.perf_counter()
        folder = standins.pets_folder(n, SOURCE_SIDE, seed=1)  # generated on first use
        print(f"stand-in folder ready in {time.perf_counter() - t:.0f} s")
        source = DataSource("pets", STANDIN, "generated pets", str(folder), "generated")
    t = time.perf_counter()
    files = pets.load_pairs(source)
    print(
        f"{source.label}: {len(files):,} pairs in {source.location} ({time.perf_counter() - t:.0f} s)"
    )
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="cpu", choices=["smoke", "cpu", "full"])
    parser.add_argument("--real", action="store_true", help="the real data instead of the stand-in")
    parser.add_argument("--n", type=int, default=FULL_PAIRS, help="stand-in pairs (default 7,349)")
    parser.add_argument("--train-steps", type=int, default=10, help="training steps (0: none)")
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    from course_utils.datasets import pets
    from course_utils.profiles import LESSONS

    settings = LESSONS["06"].settings[args.profile]
    side, batch = settings["image_size"], settings["batch_size"]
    rows = [("after importing TensorFlow", rss_now(), rss_peak())]
    files = pairs(args.real, args.profile, args.n)
    keras.utils.set_random_seed(0)
    stream = pets.dataset(files, (side, side), batch_size=batch, shuffle=True, seed=0)
    rows.append(("pipeline built (file names only)", rss_now(), rss_peak()))

    t, seen, high = time.perf_counter(), 0, 0
    for images, _masks in stream:  # one epoch over every pair
        seen += int(images.shape[0])
        high = max(high, rss_now() or 0)
    elapsed = time.perf_counter() - t
    assert seen == len(files), f"streamed {seen} of {len(files)} pairs"
    rows.append((f"one epoch streamed ({seen:,} pairs)", high or None, rss_peak()))

    if args.train_steps:
        model = get_model((side, side))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(stream.take(1), epochs=1, verbose=0)  # tracing and first-step warm-up
        t = time.perf_counter()
        model.fit(stream.take(args.train_steps), epochs=1, verbose=0)
        step = (time.perf_counter() - t) / args.train_steps
        rows.append(
            (f"+ {args.train_steps + 1} training steps of the model", rss_now(), rss_peak())
        )

    images_b, masks_b = in_ram_bytes(len(files))
    print()
    print(
        f"profile {args.profile}: pipeline at {side}x{side}, batch {batch}; "
        f"TF {tf.__version__}; {os.cpu_count()} CPUs"
    )
    print(f"streaming one epoch: {elapsed:.0f} s, {seen / elapsed:.0f} pairs/s")
    if args.train_steps:
        print(f"training: {step:.2f} s per step of {batch} pairs ({batch / step:.0f} pairs/s)")
    print()
    print(f"{'':44s} {'RSS':>9s}  {'peak RSS':>9s}")
    for name, now, peak in rows:
        print(f"{name:44s} {gb(now)}  {gb(peak)}")
    print()
    print(f"the source's in-memory arrays for {len(files):,} pairs at {SOURCE_SIDE}x{SOURCE_SIDE}:")
    print(f"{'  float32 images':44s} {gb(images_b)}")
    print(f"{'  + uint8 masks':44s} {gb(images_b + masks_b)}")
    base = rows[0][1] or 0
    print(f"{'  + TensorFlow itself (first row)':44s} {gb(base + images_b + masks_b)}")
    peak = rss_peak()
    print()
    print(
        f"peak RSS of the streaming run: {gb(peak).strip()} = {peak / (images_b + masks_b):.0%} "
        f"of the in-memory arrays alone"
    )


if __name__ == "__main__":
    main()
