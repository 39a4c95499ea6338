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
