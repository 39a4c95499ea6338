"""Lesson 05's image sizes must be ones MobileNetV2 has ImageNet weights for.

At any other size Keras warns and loads the weights trained at 224 pixels (keras/src/applications/
mobilenet_v2.py: sizes 96, 128, 160, 192, 224). The tests ask Keras itself, with the download
replaced by an exception, so they run offline and follow Keras if its list changes.
"""

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
    assert model == "model" and weights.pretrained
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
    assert built == [None] and not weights.pretrained
    assert "RANDOM weights" in capsys.readouterr().err
