"""Images per second: the legacy ``ImageDataGenerator`` vs Keras preprocessing layers.

Lesson 03 explains where augmentation can run and points here for the speed; this script
measures it in one run, on the same folder of JPEGs (the ``train`` split of the cats-vs-dogs
subset), with the same augmentation: the book's generator arguments (rotation 40 degrees, shifts
20 %, zoom 20 %, horizontal flip, ``fill_mode="nearest"``) and their layers,
``course_utils.models.book_augmentation()`` (lesson 03 checks that it equals its own):

1. ``ImageDataGenerator.flow_from_directory`` (legacy: NumPy/SciPy, one image at a time,
   decodes every JPEG in every epoch);
2. ``image_dataset_from_directory`` + the layers mapped into the ``tf.data`` pipeline, without a
   cache (decodes every epoch too: the fair comparison with 1);
3. the same with ``cache()`` before the augmentation (decodes once, augments every epoch);
4. the cached pipeline with the layers applied as they are inside a model (one compiled call
   per batch, what ``fit`` does; on a GPU this part runs on the GPU);
5. the cached pipeline without augmentation (the ceiling: what the input side costs at least).

Each variant runs one warm-up epoch (fills caches, traces functions), then ``--epochs`` timed
epochs; the table shows images/s and the ratio to the generator. Times depend on the machine and
its load: compare rows of one run, not runs of different days.

    python benchmarks/augmentation_pipelines.py                 # stand-in data (smoke profile)
    python benchmarks/augmentation_pipelines.py --profile full  # the real subset if available
    python benchmarks/augmentation_pipelines.py --folder path/to/cats_vs_dogs_small
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=os.environ.get("COURSE_PROFILE") or "smoke")
    parser.add_argument("--folder", type=Path, help="a folder with train/<class>/*.jpg")
    parser.add_argument("--image-size", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per variant")
    return parser.parse_args()


def data_folder(args: argparse.Namespace) -> tuple[Path, str]:
    if args.folder:
        return args.folder, str(args.folder)
    from course_utils.datasets import cats_vs_dogs, resolve

    source = resolve("cats_vs_dogs", args.profile)
    return cats_vs_dogs.small_subset(source), source.describe()


def timed(make_batches, epochs: int) -> tuple[float, int]:
    """(images per second over ``epochs`` timed epochs, images per epoch) after a warm-up."""
    n = sum(len(x) for x, _ in make_batches())  # warm-up epoch
    start = time.perf_counter()
    for _ in range(epochs):
        seen = sum(len(x) for x, _ in make_batches())
        assert seen == n, f"an epoch gave {seen} images, the first {n}"
    return n * epochs / (time.perf_counter() - start), n


def main() -> None:
    args = parse_args()
    folder, described = data_folder(args)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    train = folder / "train"
    size = (args.image_size, args.image_size)
    from course_utils.models import book_augmentation

    augmentation = book_augmentation()
    rows: dict[str, tuple[float, int]] = {}

    with warnings.catch_warnings():
        # The legacy generator calls scipy.ndimage.interpolation (deprecated by SciPy): one
        # DeprecationWarning per image and channel.
        warnings.simplefilter("ignore", DeprecationWarning)
        generator = tf.keras.preprocessing.image.ImageDataGenerator(
            rotation_range=40,
            width_shift_range=0.2,
            height_shift_range=0.2,
            shear_range=0.2,
            zoom_range=0.2,
            horizontal_flip=True,
            fill_mode="nearest",
        ).flow_from_directory(
            train, target_size=size, batch_size=args.batch_size, class_mode="binary", seed=0
        )

        def legacy_epoch():
            return (generator[i] for i in range(len(generator)))

        rows["ImageDataGenerator (legacy), decodes each epoch"] = timed(legacy_epoch, args.epochs)

    def from_directory():
        return keras.utils.image_dataset_from_directory(
            train,
            image_size=size,
            batch_size=args.batch_size,
            label_mode="binary",
            seed=0,
            verbose=False,
        )

    def augment(x, y):
        return augmentation(x, training=True), y

    autotune = tf.data.AUTOTUNE
    uncached = from_directory().map(augment, num_parallel_calls=autotune).prefetch(autotune)
    rows["tf.data, layers in pipeline, decodes each epoch"] = timed(lambda: uncached, args.epochs)

    cached = from_directory().cache()
    in_pipeline = cached.map(augment, num_parallel_calls=autotune).prefetch(autotune)
    rows["tf.data cached, layers in pipeline"] = timed(lambda: in_pipeline, args.epochs)

    @tf.function  # compiled, as inside fit()
    def augment_in_model(x):
        return augmentation(x, training=True)

    prefetched = cached.prefetch(autotune)

    def in_model_epoch():
        return ((augment_in_model(x), y) for x, y in prefetched)

    rows["tf.data cached, layers in model (per batch)"] = timed(in_model_epoch, args.epochs)
    rows["tf.data cached, no augmentation (ceiling)"] = timed(lambda: prefetched, args.epochs)

    from course_utils.env import device_description, versions

    base = next(iter(rows.values()))[0]
    n_images = next(iter(rows.values()))[1]
    print(f"data: {described}")
    print(
        f"{n_images} training images per epoch at {size[0]}x{size[1]}, batches of "
        f"{args.batch_size}, {args.epochs} timed epochs after a warm-up | "
        f"{device_description()} | {versions()}"
    )
    width = max(len(name) for name in rows)
    print(f"{'variant':<{width}} | {'images/s':>9} | vs generator")
    print(f"{'-' * width}-|-{'-' * 9}-|-{'-' * 12}")
    for name, (per_second, n) in rows.items():
        assert n == n_images, f"{name}: {n} images per epoch, expected {n_images}"
        print(f"{name:<{width}} | {per_second:9.0f} | {per_second / base:10.1f}x")


if __name__ == "__main__":
    main()
