"""Pretrained models: which weight file Keras loads, the mirror route, and rehearsal weights.

Lesson 05's image sizes must be ones MobileNetV2 has ImageNet weights for. At any other size
Keras warns and loads the weights trained at 224 pixels (keras/src/applications/mobilenet_v2.py:
sizes 96, 128, 160, 192, 224). The tests ask Keras itself, with the download replaced by an
exception, so they run offline and follow Keras if its list changes.

In a rehearsal (``COURSE_REHEARSAL=1`` with a rehearsal mirror on 127.0.0.1) ``load_application``
downloads the rehearsal weight file, verifies it against the mirror's manifest and loads it by
path through the real constructor, labelled "rehearsal weights, not ImageNet"; outside a
rehearsal such a file is refused wherever it comes from.
"""

import io
import warnings

import pytest

from course_utils.profiles import LESSONS


class _NoDownload(Exception):
    """Raised instead of downloading a weights file."""


def _loads_224_weights_instead(size: int, monkeypatch) -> bool:
    """True when Keras' MobileNetV2 has no ImageNet weights for ``size`` x ``size`` images."""
    import keras
    from keras.src.applications import mobilenet_v2

    def no_download(*args, **kwargs):
        raise _NoDownload

    monkeypatch.setattr(mobilenet_v2.file_utils, "get_file", no_download)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(_NoDownload):  # Keras got as far as fetching the weights
            keras.applications.MobileNetV2(
                input_shape=(size, size, 3), include_top=False, weights="imagenet"
            )
    return any("(224, 224)" in str(w.message) for w in caught)


def test_keras_falls_back_to_the_224_weights_at_other_sizes(monkeypatch):
    assert _loads_224_weights_instead(100, monkeypatch)


@pytest.mark.parametrize("profile", ["smoke", "cpu", "full"])
def test_lesson_05_image_size_has_its_own_imagenet_weights(profile, monkeypatch):
    size = LESSONS["05"].settings[profile]["image_size"]
    assert not _loads_224_weights_instead(size, monkeypatch), (
        f"lesson 05 ({profile}): MobileNetV2 has no ImageNet weights for {size} px; "
        "use 96, 128, 160, 192 or 224"
    )


@pytest.mark.parametrize(
    ("name", "module", "kwargs"),
    [
        ("VGG16", "vgg16", {"include_top": False, "input_shape": (150, 150, 3)}),
        ("Xception", "xception", {"include_top": False, "input_shape": (150, 150, 3)}),
        ("MobileNetV2", "mobilenet_v2", {"include_top": False, "input_shape": (96, 96, 3)}),
        ("VGG16", "vgg16", {}),
    ],
)
def test_weight_key_names_the_file_keras_loads(name, module, kwargs, monkeypatch):
    """With ``COURSE_MIRROR`` set, ``load_application`` fetches ``weight_key``'s file into Keras'
    cache first: it must be the very file Keras then asks for (asked of Keras itself)."""
    import importlib

    import keras

    from course_utils.datasets.download import WEIGHT_REMOTES
    from course_utils.pretrained import weight_key

    wanted = []

    def no_download(fname, *args, **kwargs):
        wanted.append(fname)
        raise _NoDownload

    monkeypatch.setattr(
        importlib.import_module(f"keras.src.applications.{module}").file_utils,
        "get_file",
        no_download,
    )
    with pytest.raises(_NoDownload):
        getattr(keras.applications, name)(weights="imagenet", **kwargs)
    key = weight_key(name, kwargs.get("include_top", True), kwargs.get("input_shape"))
    assert wanted == [WEIGHT_REMOTES[key].filename]


def test_load_application_fetches_weights_from_the_mirror_first(monkeypatch):
    from course_utils import pretrained
    from course_utils.datasets import download

    order = []
    monkeypatch.setenv("COURSE_MIRROR", "http://127.0.0.1:8765")
    monkeypatch.setattr(download, "fetch_weights", lambda key: order.append(("fetch", key)))

    def VGG16(weights, **kwargs):  # noqa: N802 - named like the Keras constructor
        order.append(("build", weights))
        return "model"

    model, weights = pretrained.load_application(VGG16, "cpu", include_top=False)
    assert model == "model" and weights.pretrained and weights.imagenet
    assert str(weights) == "ImageNet weights"
    assert order == [("fetch", "vgg16_notop"), ("build", "imagenet")]
    monkeypatch.delenv("COURSE_MIRROR")
    order.clear()
    pretrained.load_application(VGG16, "cpu", include_top=False)
    assert order == [("build", "imagenet")]  # no mirror: Keras downloads as usual


def test_with_a_mirror_an_unlisted_weight_file_is_never_downloaded_from_its_origin(
    monkeypatch, capsys
):
    """A weight file the course does not list cannot be on the mirror: Keras is not asked for
    ImageNet weights at all (it would download them from its origin), the model gets random
    weights, loudly."""
    from course_utils import pretrained
    from course_utils.datasets import download

    built = []
    monkeypatch.setenv("COURSE_MIRROR", "http://127.0.0.1:8765")
    monkeypatch.setattr(download, "fetch_weights", lambda key: pytest.fail("fetched"))

    def ResNet50(weights, **kwargs):  # noqa: N802 - named like the Keras constructor
        built.append(weights)
        return "model"

    _, weights = pretrained.load_application(ResNet50, "cpu", include_top=False)
    assert built == [None] and not weights.pretrained and not weights.imagenet
    assert "RANDOM weights" in capsys.readouterr().err


# --------------------------------------------------------------------- rehearsal weights

REHEARSAL_LABEL = "rehearsal weights, not ImageNet"
#: Built once per run (~10 s and ~3 s here); tests/test_rehearsal.py builds the same files.


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """``serve(files, rehearsal=..., entries=...)``: a mirror of ``files`` on 127.0.0.1 with
    COURSE_MIRROR pointing at it; fresh HOME and KERAS_HOME; Keras' own downloader replaced by
    a failure (any ``get_file`` is recorded in ``serve.keras_downloads``)."""
    import shutil

    from keras.src.utils import file_utils

    from course_utils import mirror
    from course_utils.datasets import download

    servers = []
    keras_downloads = []

    def no_keras_download(fname, *args, **kwargs):
        keras_downloads.append(fname)
        raise _NoDownload(fname)

    monkeypatch.setattr(file_utils, "get_file", no_keras_download)
    for name in ("home", "keras", "served"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("COURSE_REHEARSAL", raising=False)

    def start(files, rehearsal=True, entries=None):
        for path in files:
            shutil.copy(path, tmp_path / "served" / path.name)
        log = io.StringIO()
        server = mirror.start(
            tmp_path / "served", port=0, rehearsal=rehearsal, entries=entries, log_stream=log
        )
        server.log = log
        servers.append(server)
        monkeypatch.setenv("COURSE_MIRROR", server.url)
        download._mirror_manifest.cache_clear()
        download.reachable.cache_clear()
        return server

    start.folder = tmp_path / "served"
    start.keras_downloads = keras_downloads
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
    download._mirror_manifest.cache_clear()
    download.reachable.cache_clear()


def _recording(built: list):
    """A stand-in for ``keras.applications.MobileNetV2`` that records its ``weights``."""

    def MobileNetV2(weights, **kwargs):  # noqa: N802 - named like the Keras constructor
        built.append(weights)
        return "model"

    return MobileNetV2


def _kernel(path, layer: str):
    import h5py

    with h5py.File(path, "r") as f:
        return f[layer][f[layer].attrs["weight_names"][0]][()]


def test_in_a_rehearsal_load_application_downloads_verifies_and_loads_rehearsal_weights(
    rehearsal_weights, serve, monkeypatch, capsys
):
    """The real path, executed: the rehearsal mirror serves each file under its real name with
    its own checksum (not the one Keras publishes); ``load_application`` downloads it, verifies
    it against the manifest, loads it through the real constructor by path (Keras' downloader
    and its hash check are never asked) and labels it: pretrained, not ImageNet."""
    import json
    import urllib.request

    import keras
    import numpy as np

    from course_utils.datasets import download
    from course_utils.pretrained import load_application

    server = serve(rehearsal_weights.values())
    monkeypatch.setenv("COURSE_REHEARSAL", "1")
    with urllib.request.urlopen(f"{server.url}/manifest.json") as response:
        manifest = json.loads(response.read())
    served = {entry["name"]: entry for entry in manifest["files"]}
    assert manifest["rehearsal"] is True
    cases = [
        ("mobilenet_v2_96_notop", keras.applications.MobileNetV2, (96, 96, 3), "Conv_1"),
        ("vgg16_notop", keras.applications.VGG16, (64, 64, 3), "block5_conv3"),
    ]
    for key, constructor, shape, layer in cases:
        remote = download.WEIGHT_REMOTES[key]
        entry = served[remote.filename]
        assert entry["sha256"] == download.sha256sum(rehearsal_weights[key])
        assert entry["size"] != remote.size  # its own file, not Keras' (whose size is pinned)
        model, weights = load_application(constructor, "cpu", include_top=False, input_shape=shape)
        assert weights.pretrained and not weights.imagenet
        assert weights.label == str(weights) == REHEARSAL_LABEL
        fetched = download.rehearsal_weights_cache() / remote.filename
        assert download.sha256sum(fetched) == entry["sha256"]
        assert np.array_equal(model.get_layer(layer).kernel.numpy(), _kernel(fetched, layer))
        assert not (download.weights_cache() / remote.filename).exists()  # not Keras' cache
        assert f"GET /{remote.filename} 200" in server.log.getvalue()
    assert serve.keras_downloads == []
    assert "RANDOM" not in capsys.readouterr().err


def test_a_tampered_rehearsal_weight_file_is_rejected(
    rehearsal_weights, serve, monkeypatch, capsys
):
    """One byte altered on the mirror's disk after its manifest was made: the download fails
    its SHA-256 against the rehearsal manifest with a clear DataError, nothing stays behind, and
    the lesson goes on with random weights, loudly."""
    from course_utils import mirror
    from course_utils.datasets import download
    from course_utils.errors import DataError
    from course_utils.pretrained import load_application

    path = rehearsal_weights["mobilenet_v2_96_notop"]
    served = serve.folder / path.name
    served.write_bytes(path.read_bytes())
    entries = mirror.build_manifest(serve.folder)
    altered = bytearray(served.read_bytes())
    altered[len(altered) // 2] ^= 0xFF
    served.write_bytes(bytes(altered))
    serve([], entries=entries)
    monkeypatch.setenv("COURSE_REHEARSAL", "1")
    with pytest.raises(DataError, match="SHA-256 checksum does not match the rehearsal mirror"):
        download.fetch_weights("mobilenet_v2_96_notop", progress=False)
    built = []
    _, weights = load_application(
        _recording(built), "cpu", include_top=False, input_shape=(96, 96, 3)
    )
    assert built == [None] and not weights.pretrained and not weights.imagenet
    assert weights.label == "RANDOM weights (rehearsal weights failed)"
    err = capsys.readouterr().err
    assert "rehearsal weights could not be loaded (IntegrityError" in err and "SHA-256" in err
    assert "RANDOM weights" in err
    cache = download.rehearsal_weights_cache()
    assert not cache.exists() or list(cache.iterdir()) == []  # no file, no .part
    assert serve.keras_downloads == []


@pytest.mark.parametrize("how", ["rehearsal mirror", "classroom mirror", "in Keras' cache"])
def test_without_course_rehearsal_a_rehearsal_weight_file_is_never_imagenet(
    how, rehearsal_weights, serve, capsys
):
    """No ``COURSE_REHEARSAL=1``: a rehearsal weight file is refused, whether a rehearsal mirror
    serves it, a classroom mirror serves it (found in the instructor's cache) or it lies in
    Keras' cache under the real name. MobileNetV2's file is the dangerous one: Keras gives it no
    hash to check, and the rehearsal mirror's manifest has a checksum for it. The model gets
    random weights, loudly; Keras is never asked to load "imagenet" from that file."""
    import shutil

    from course_utils.datasets import download
    from course_utils.errors import DataError
    from course_utils.pretrained import load_application

    path = rehearsal_weights["mobilenet_v2_96_notop"]
    if how == "in Keras' cache":
        download.weights_cache().mkdir(parents=True)
        shutil.copy(path, download.weights_cache() / path.name)
    else:
        serve([path], rehearsal=how == "rehearsal mirror")
        with pytest.raises(DataError, match="rehearsal weight file"):
            download.fetch_weights("mobilenet_v2_96_notop", progress=False)
        assert not (download.weights_cache() / path.name).exists()
    built = []
    _, weights = load_application(
        _recording(built), "cpu", include_top=False, input_shape=(96, 96, 3)
    )
    assert built == [None]  # random weights: Keras was not asked for "imagenet" at all
    assert not weights.pretrained and not weights.imagenet
    assert weights.label != REHEARSAL_LABEL and "ImageNet weights" not in weights.label
    err = capsys.readouterr().err
    assert "is a rehearsal weight file" in err and "RANDOM weights" in err
