"""Rehearsal data: every real source's files, in their exact real formats, filled with stand-in
pictures, to rehearse a learner's whole journey (download, verify, extract, subset, tf.data)
where the real data cannot be had.

:func:`build` writes, into one folder, what the course downloads from the internet:

- ``kagglecatsanddogs_5340.zip`` (Microsoft): ``PetImages/{Cat,Dog}/N.jpg``, with the real
  archive's troubles: a zero-byte file, files named ``.jpg`` that hold PNG/GIF/BMP data, a JPEG
  that makes libjpeg print "Corrupt JPEG data: ... extraneous bytes", ``Thumbs.db`` files, the
  licence PDF and readme at the top;
- ``cats_and_dogs_filtered.zip``: ``cats_and_dogs_filtered/{train,validation}/{cats,dogs}/``;
- ``images.tar.gz`` and ``annotations.tar.gz`` (Oxford-IIIT Pet; plain tar despite the name, as
  the real ones): breeds named like the real ones (capitalised = cat), a few ``.jpg`` files that
  are PNG or GIF, three ``.mat`` files, ``annotations/{list.txt,trainval.txt,test.txt,README}``,
  ``trimaps/*.png`` (1 pet, 2 background, 3 border) with macOS ``._*`` twins, ``xmls/*.xml``;
- CelebA's ``img_align_celeba.zip`` and its three text files;
- ``mnist.npz`` (``x_train``, ``y_train``, ``x_test``, ``y_test``, uint8);
- at the ``cpu`` scale, *rehearsal weights* (:func:`build_weights`): Keras' ImageNet weight files
  (VGG16 with and without its top, Xception without, MobileNetV2 without at each size), with
  their real names, legacy Keras HDF5 format and layer layout, filled with seeded random values
  and marked inside as "rehearsal weights, not ImageNet".

Pictures come from :mod:`course_utils.datasets.standins` (deterministic). These files are not
the real ones and carry their own manifest: a mirror started with ``rehearsal=True`` says so, and
clients accept them only with ``COURSE_REHEARSAL=1`` and label every run on them *rehearsal
data*, never *real*, and models with the rehearsal weights "rehearsal weights, not ImageNet"
(:mod:`course_utils.pretrained`).
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .datasets import standins

#: Oxford-IIIT Pet's breeds: capitalised names are cats (12), lower case dogs (25).
CAT_BREEDS = [
    "Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau",
    "Maine_Coon", "Persian", "Ragdoll", "Russian_Blue", "Siamese", "Sphynx",
]  # fmt: skip
DOG_BREEDS = [
    "american_bulldog", "american_pit_bull_terrier", "basset_hound", "beagle", "boxer",
    "chihuahua", "english_cocker_spaniel", "english_setter", "german_shorthaired",
    "great_pyrenees", "havanese", "japanese_chin", "keeshond", "leonberger", "miniature_pinscher",
    "newfoundland", "pomeranian", "pug", "saint_bernard", "samoyed", "scottish_terrier",
    "shiba_inu", "staffordshire_bull_terrier", "wheaten_terrier", "yorkshire_terrier",
]  # fmt: skip


@dataclass(frozen=True)
class Scale:
    """How much rehearsal data to write."""

    cats_dogs_per_class: int  # Microsoft's archive, per class
    filtered_per_class: tuple[int, int]  # cats_and_dogs_filtered: train, validation per class
    pets: int  # Oxford-IIIT Pet images
    faces: int  # CelebA
    mnist: tuple[int, int]  # train, test
    image_side: int = 180  # cats and dogs, pets
    weights: tuple[str, ...] = ()  # rehearsal weight files: WEIGHT_REMOTES keys


def _weight_keys() -> tuple[str, ...]:
    """Every weight file of ``WEIGHT_REMOTES`` (the ``.h5`` ones: not the class names)."""
    from .datasets.download import WEIGHT_REMOTES

    return tuple(key for key, remote in WEIGHT_REMOTES.items() if remote.kind == "h5")


SCALES = {
    # for the tests: every file and quirk, a few pictures each; no weights (the tests that need
    # one build it: build_weights)
    "small": Scale(40, (12, 6), 40, 60, (600, 100), 96),
    # enough for every lesson's cpu profile (subset 1000/500/500, 1,400 pet pairs, ...), and
    # every weight file lessons 04, 05 and 09 load (MobileNetV2: every size Keras has)
    "cpu": Scale(2100, (1000, 500), 1500, 20_000, (60_000, 10_000), 180, _weight_keys()),
}


def _jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _other_format(image: np.ndarray, fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, fmt)
    return buffer.getvalue()


def warning_jpeg(image: np.ndarray) -> bytes:
    """A JPEG that decodes but makes libjpeg warn "Corrupt JPEG data: extraneous bytes before
    marker 0xd9", as a few files of Microsoft's archive do."""
    data = _jpeg(image)
    assert data.endswith(b"\xff\xd9")
    return data[:-2] + bytes(range(1, 33)) + data[-2:]  # 32 bytes the decoder cannot use


def exif_jpeg(image: np.ndarray) -> bytes:
    """A valid JPEG that starts with an Exif (APP1) header instead of JFIF (APP0), as many
    camera pictures of Microsoft's archive do; tfds' ``cats_vs_dogs`` drops every file without
    ``JFIF`` in its first 10 bytes and counts them (see :data:`TFDS_DROPPED`)."""
    data = _jpeg(image)
    app0 = b"\xff\xe0\x00\x10JFIF\x00"
    assert data[2:11] == app0
    tiff = b"II*\x00\x08\x00\x00\x00" + b"\x00\x00" + b"\x00\x00\x00\x00"  # one empty IFD
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return data[:2] + app1 + data[20:]  # data[2:20] is the APP0 (JFIF) segment


#: How many files of Microsoft's zip tfds 4.9.10's ``cats_vs_dogs`` drops for having no JFIF
#: header; it raises unless it drops exactly this many, so the rehearsal zip has as many.
TFDS_DROPPED = 1738


def _pet(label: int, k: int, side: int, seed: int):
    return standins.draw_pet(label, side, np.random.default_rng([seed, 77, label, k]))


def tfds_drops(data: bytes) -> bool:
    """tfds' ``cats_vs_dogs`` rule: a file without ``JFIF`` in its first 10 bytes is dropped."""
    return b"JFIF" not in data[:10]


def _microsoft_zip(path: Path, scale: Scale, seed: int) -> None:
    dropped = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("CDLA-Permissive-2.0.pdf", b"%PDF-1.4\n% rehearsal placeholder\n%%EOF\n")
        zf.writestr("readme[1].txt", "Rehearsal copy of kagglecatsanddogs_5340.zip (stand-ins)\n")
        for label, cls in enumerate(("Cat", "Dog")):
            for k in range(scale.cats_dogs_per_class):
                image = _pet(label, k, scale.image_side, seed)[0]
                name = f"PetImages/{cls}/{k}.jpg"
                if k == 7:
                    data = b""  # the real archive has zero-byte files (Cat/666.jpg)
                elif k == 11:
                    data = _other_format(image, ("PNG", "GIF")[label])  # not a JPEG
                elif k == 13 and label == 0:
                    data = _other_format(image, "BMP")
                elif k == 17:
                    data = warning_jpeg(image)
                else:
                    data = _jpeg(image)
                zf.writestr(name, data)
                dropped += tfds_drops(data)
            zf.writestr(f"PetImages/{cls}/Thumbs.db", b"\xd0\xcf\x11\xe0 thumbnail cache")
        # Camera JPEGs without a JFIF header, numbered after the others: tfds drops them (and
        # expects exactly TFDS_DROPPED dropped files in all); the course keeps them.
        for i in range(TFDS_DROPPED - dropped):
            label, k = i % 2, 12_500 + i // 2
            image = _pet(label, k, 24, seed)[0]
            zf.writestr(f"PetImages/{('Cat', 'Dog')[label]}/{k}.jpg", exif_jpeg(image))


def _filtered_zip(path: Path, scale: Scale, seed: int) -> None:
    n_train, n_val = scale.filtered_per_class
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("cats_and_dogs_filtered/vectorize.py", "# rehearsal placeholder\n")
        for label, cls in enumerate(("cat", "dog")):
            for k in range(n_train + n_val):
                split, index = ("train", k) if k < n_train else ("validation", 2000 + k - n_train)
                image = _pet(label, 10_000 + k, scale.image_side, seed)[0]
                zf.writestr(
                    f"cats_and_dogs_filtered/{split}/{cls}s/{cls}.{index}.jpg", _jpeg(image)
                )


def _tar_add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_200_000_000
    tar.addfile(info, io.BytesIO(data))


def _pets_tars(folder: Path, scale: Scale, seed: int) -> None:
    rows, xml_rows = [], []
    with tarfile.open(folder / "images.tar.gz", "w") as images:  # plain tar, as the real one
        per_breed: dict[str, int] = {}
        for i in range(scale.pets):
            label = i % 2
            breeds = CAT_BREEDS if label == 0 else DOG_BREEDS
            breed = breeds[(i // 2) % len(breeds)]
            per_breed[breed] = per_breed.get(breed, 0) + 1
            stem = f"{breed}_{per_breed[breed]}"
            image, trimap, _ = _pet(label, 20_000 + i, scale.image_side, seed)
            if i in (5, 9):  # named .jpg, but PNG / GIF inside (as Egyptian_Mau_14.jpg ...)
                _tar_add(images, f"images/{stem}.jpg", _other_format(image, ("PNG", "GIF")[i % 2]))
            else:
                _tar_add(images, f"images/{stem}.jpg", _jpeg(image))
            class_id = (CAT_BREEDS + DOG_BREEDS).index(breed) + 1
            rows.append((stem, class_id, label + 1, breeds.index(breed) + 1, trimap))
        for k in range(100, 103):  # the real archive holds three .mat files among the images
            _tar_add(images, f"images/Abyssinian_{k}.mat", b"MATLAB 5.0 MAT-file, rehearsal")
    header = standins.OXFORD_LIST_HEADER
    lines = [f"{s} {c} {sp} {b}\n" for s, c, sp, b, _ in rows]
    half = len(rows) // 2
    with tarfile.open(folder / "annotations.tar.gz", "w") as ann:
        _tar_add(ann, "annotations/README", b"Rehearsal copy of the Oxford-IIIT Pet annotations.\n")
        _tar_add(ann, "annotations/list.txt", (header + "".join(lines)).encode())
        _tar_add(ann, "annotations/trainval.txt", "".join(lines[:half]).encode())
        _tar_add(ann, "annotations/test.txt", "".join(lines[half:]).encode())
        for stem, _, _, _, trimap in rows:
            png = _other_format(trimap, "PNG")
            _tar_add(ann, f"annotations/trimaps/{stem}.png", png)
            _tar_add(ann, f"annotations/trimaps/._{stem}.png", b"\x00\x05\x16\x07 AppleDouble")
            xml_rows.append(stem)
        for stem in xml_rows[:half]:  # head boxes exist for the trainval images only
            xml = (
                f"<annotation><folder>OXIIIT</folder><filename>{stem}.jpg</filename>"
                f"<object><name>{'cat' if stem[0].isupper() else 'dog'}</name><bndbox>"
                f"<xmin>10</xmin><ymin>10</ymin><xmax>60</xmax><ymax>60</ymax></bndbox>"
                f"</object></annotation>\n"
            )
            _tar_add(ann, f"annotations/xmls/{stem}.xml", xml.encode())


def _celeba(folder: Path, scale: Scale, seed: int) -> None:
    attr_lines, part_lines, mark_lines = [], [], []
    with zipfile.ZipFile(folder / "img_align_celeba.zip", "w", zipfile.ZIP_STORED) as zf:
        for i in range(scale.faces):
            name = f"{i + 1:06d}.jpg"
            image, attrs, marks = standins.draw_face(np.random.default_rng([seed, 88, i]))
            zf.writestr(f"img_align_celeba/{name}", _jpeg(image, 92))
            values = " ".join(f"{1 if attrs[k] else -1:2d}" for k in standins.CELEBA_ATTRIBUTES)
            attr_lines.append(f"{name} {values}\n")
            part = 0 if i < 0.8 * scale.faces else (1 if i < 0.9 * scale.faces else 2)
            part_lines.append(f"{name} {part}\n")
            mark_lines.append(
                name + "".join(f"{marks[k]:>6d}" for k in standins.CELEBA_LANDMARKS) + "\n"
            )
    n = scale.faces
    (folder / "list_attr_celeba.txt").write_text(
        f"{n}\n" + " ".join(standins.CELEBA_ATTRIBUTES) + " \n" + "".join(attr_lines)
    )
    (folder / "list_eval_partition.txt").write_text("".join(part_lines))
    (folder / "list_landmarks_align_celeba.txt").write_text(
        f"{n}\n" + " ".join(standins.CELEBA_LANDMARKS) + "\n" + "".join(mark_lines)
    )


def _mnist(path: Path, scale: Scale, seed: int) -> None:
    n_train, n_test = scale.mnist
    rng = np.random.default_rng(seed)
    y_train = rng.permutation(np.arange(n_train) % 10).astype(np.uint8)
    y_test = rng.permutation(np.arange(n_test) % 10).astype(np.uint8)
    x_train = standins.render_digits(y_train, seed * 2 + 1)
    x_test = standins.render_digits(y_test, seed * 2 + 2)
    with open(path, "wb") as f:
        np.savez_compressed(f, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


#: The files :func:`build` writes, in the order it writes them.
FILES = (
    "kagglecatsanddogs_5340.zip",
    "cats_and_dogs_filtered.zip",
    "images.tar.gz",
    "annotations.tar.gz",
    "img_align_celeba.zip",
    "list_attr_celeba.txt",
    "list_eval_partition.txt",
    "list_landmarks_align_celeba.txt",
    "mnist.npz",
)


#: Raised whenever what :func:`build` writes changes, so that a kept folder is rebuilt
#: (2: the Microsoft zip carries the files tfds drops, :data:`TFDS_DROPPED`).
VERSION = 2


def build(folder: str | os.PathLike, scale: str = "small", seed: int = 0) -> Path:
    """Write every rehearsal file into ``folder`` (kept when complete: a marker records the
    version, scale and seed), then the scale's rehearsal weight files (:func:`build_weights`,
    each kept when its mark matches). Returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "REHEARSAL.txt"
    stamp = (
        f"rehearsal data (real formats, stand-in pictures): version {VERSION}, scale {scale}, "
        f"seed {seed}\n"
    )
    s = SCALES[scale]
    if (
        marker.is_file()
        and marker.read_text() == stamp
        and all((folder / f).is_file() for f in FILES)
    ):
        build_weights(folder, s.weights, seed)  # kept when complete, too
        return folder
    _microsoft_zip(folder / FILES[0], s, seed)
    _filtered_zip(folder / FILES[1], s, seed)
    _pets_tars(folder, s, seed)
    _celeba(folder, s, seed)
    _mnist(folder / "mnist.npz", s, seed)
    marker.write_text(stamp)
    build_weights(folder, s.weights, seed)
    return folder


# --------------------------------------------------------------------- rehearsal weights

#: Raised whenever what :func:`build_weights` writes changes (a kept file is then rebuilt).
WEIGHTS_VERSION = 1


def weights_stamp(seed: int = 0) -> str:
    """The label written into every rehearsal weight file (HDF5 root attribute
    ``download.REHEARSAL_ATTR``), starting with "rehearsal weights, not ImageNet"."""
    from .datasets.download import REHEARSAL_WEIGHTS

    return (
        f"{REHEARSAL_WEIGHTS}: random values (seed {seed}) in the layout of Keras' weight file, "
        f"written by course_utils.rehearsal (weights version {WEIGHTS_VERSION})"
    )


def _weights_model(key: str):
    """``(model with random weights, shape of a calibration batch or None)`` for the
    ``WEIGHT_REMOTES`` key: the very ``keras.applications`` model whose file it is."""
    import keras

    if key in ("vgg16", "vgg16_notop"):
        return keras.applications.VGG16(weights=None, include_top=key == "vgg16"), None
    if key == "xception_notop":
        return keras.applications.Xception(weights=None, include_top=False), (4, 150, 150, 3)
    if key.startswith("mobilenet_v2_") and key.endswith("_notop"):
        rows = int(key.split("_")[2])
        model = keras.applications.MobileNetV2(
            weights=None, include_top=False, input_shape=(rows, rows, 3)
        )
        return model, (8, rows, rows, 3)
    raise ValueError(f"no rehearsal weights for {key!r}")


def _glorot_uniform(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Keras' default kernel initializer (``glorot_uniform``, fans as ``compute_fans``), drawn
    with NumPy so that the values depend on the seed only, not on Keras' random state."""
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    limit = np.float32(np.sqrt(6.0 / (fan_in + fan_out)))
    values = rng.random(shape, dtype=np.float32)
    values *= 2 * limit
    values -= limit
    return values


def _calibrate_batchnorm(model, shape: tuple[int, ...], seed: int) -> None:
    """Set each BatchNormalization layer's moving mean and variance to the statistics of its
    input on one batch of random pixels in [-1, 1] (the range MobileNetV2's and Xception's
    ``preprocess_input`` give): one call in training mode with momentum 0 does it, layer after
    layer. Trained weights keep activations at a usable scale deep in the network; Keras'
    initializers alone (moving variance 1) shrink them to ~1e-10 at MobileNetV2's top, where
    no fine-tuning step can move a float32 weight."""
    import keras

    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momentum = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0
    rng = np.random.default_rng([seed, 99])
    batch = rng.uniform(-1.0, 1.0, shape).astype("float32")
    model(batch, training=True)
    for layer, m in zip(layers, momentum, strict=True):
        layer.momentum = m


def _write_weights(path: Path, key: str, seed: int) -> None:
    """Write the rehearsal weight file ``key`` to ``path`` (atomically)."""
    import zlib

    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    from .datasets.download import REHEARSAL_ATTR

    model, calibration = _weights_model(key)
    for i, variable in enumerate(model.weights):
        if len(variable.shape) >= 2:  # kernels; biases, gamma, beta keep their constants
            rng = np.random.default_rng([seed, zlib.crc32(key.encode()), i])
            variable.assign(_glorot_uniform(tuple(variable.shape), rng))
    if calibration is not None:
        _calibrate_batchnorm(model, calibration, seed)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with h5py.File(tmp, "w") as f:  # the legacy format of Keras' own files: layer_names,
            legacy_h5_format.save_weights_to_hdf5_group(f, model)  # a group per layer
            f.attrs[REHEARSAL_ATTR] = weights_stamp(seed)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build_weights(folder: str | os.PathLike, keys=None, seed: int = 0) -> dict[str, Path]:
    """Write rehearsal weight files into ``folder``: for each ``WEIGHT_REMOTES`` key in ``keys``
    (default: all of them), the file of Keras' real name, legacy HDF5 format and layer layout,
    filled with random values (seeded, deterministic), marked "rehearsal weights, not ImageNet"
    inside. A file already there with the same mark (version and seed) is kept. Returns
    ``{key: path}``."""
    from .datasets.download import WEIGHT_REMOTES, rehearsal_mark

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for key in _weight_keys() if keys is None else keys:
        path = folder / WEIGHT_REMOTES[key].filename
        if rehearsal_mark(path) != weights_stamp(seed):
            _write_weights(path, key, seed)
        written[key] = path
    return written
