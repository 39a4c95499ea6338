import numpy as np
import pytest

from course_utils import DataError
from course_utils.datasets import DataSource
from course_utils.models import (
    architecture,
    book_augmentation,
    classic_convnet,
    load_saved_model,
    model_path,
    save_model,
)
from course_utils.pretrained import load_application


def test_classic_convnet_has_the_source_materials_parameter_count():
    model = classic_convnet()
    assert model.count_params() == 3_453_121
    assert model.output.shape == (None, 1)


def test_dropout_and_augmentation_add_no_parameters():
    import keras

    aug = keras.Sequential([keras.layers.RandomFlip("horizontal")])
    model = classic_convnet(augmentation=aug, dropout=0.5)
    assert model.count_params() == 3_453_121
    kinds = [kind for kind, _ in architecture(model)]
    assert "Dropout" in kinds and "Sequential" in kinds
    assert architecture(model) != architecture(classic_convnet())


def test_input_range_centres_the_pixels_with_the_same_weights():
    import keras

    centred = classic_convnet(input_shape=(48, 48, 3), input_range=(-1, 1))
    book = classic_convnet(input_shape=(48, 48, 3))
    assert centred.count_params() == book.count_params()
    rescaled = {}
    for label, model in (("book", book), ("centred", centred)):
        rescaling = next(
            layer for layer in model.layers if isinstance(layer, keras.layers.Rescaling)
        )
        pixels = np.array([[0.0, 127.5, 255.0]], "float32")
        rescaled[label] = np.asarray(rescaling(pixels))[0]
    np.testing.assert_allclose(rescaled["book"], [0, 0.5, 1], atol=1e-6)
    np.testing.assert_allclose(rescaled["centred"], [-1, 0, 1], atol=1e-6)
    assert architecture(book) == architecture(
        classic_convnet(input_shape=(48, 48, 3), input_range=(0, 1))
    )


def test_book_augmentation_maps_the_generator_arguments():
    import keras

    aug = book_augmentation()
    kinds = [kind for kind, _ in architecture(aug)]
    assert kinds == ["RandomFlip", "RandomRotation", "RandomTranslation", "RandomZoom"]
    configs = dict(architecture(aug))
    assert configs["RandomFlip"]["mode"] == "horizontal"
    assert np.allclose(configs["RandomRotation"]["factor"], (-40 / 360, 40 / 360))  # degrees / 360
    assert configs["RandomTranslation"]["height_factor"] == 0.2
    assert configs["RandomTranslation"]["width_factor"] == 0.2
    assert configs["RandomZoom"]["height_factor"] == configs["RandomZoom"]["width_factor"] == 0.2
    assert all(c["fill_mode"] == "nearest" for k, c in configs.items() if k != "RandomFlip")
    milder = book_augmentation(rotation_degrees=20, shift=0.1, zoom=0.1)
    assert architecture(milder) != architecture(aug)
    # Random in training, the identity at inference.
    x = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3)).astype("float32")
    keras.utils.set_random_seed(0)
    assert not np.allclose(aug(x, training=True), x)
    np.testing.assert_allclose(aug(x, training=False), x)


def test_model_path_separates_profiles_and_standins(data_home):
    real = DataSource("cats_vs_dogs", "real", "Kaggle")
    standin = DataSource("cats_vs_dogs", "stand-in", "pets stand-in")
    a, b = model_path("m", "smoke", real), model_path("m", "smoke", standin)
    assert a != b and a.parent == b.parent == data_home / "models"
    assert model_path("m", "cpu", real) != a
    rehearsal = DataSource("cats_vs_dogs", "real", "Kaggle")  # a real-path source ...
    object.__setattr__(rehearsal, "kind", "rehearsal data")  # ... served by a rehearsal mirror
    assert model_path("m", "cpu", rehearsal).name == "m-cpu-rehearsal.keras"


def test_save_and_load_round_trip(data_home):
    model = classic_convnet(input_shape=(64, 64, 3))
    path = save_model(model, data_home / "models" / "tiny.keras")
    assert not list(path.parent.glob(".*")), "no temporary file may remain"
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype("float32")
    np.testing.assert_allclose(
        load_saved_model(path).predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5
    )
    with pytest.raises(ValueError, match=".keras"):
        save_model(model, data_home / "tiny.h5")
    with pytest.raises(DataError, match="run the lesson"):
        load_saved_model(data_home / "missing.keras")


def test_pretrained_falls_back_to_random_weights_loudly(capsys):
    calls = []

    def constructor(weights, **kwargs):
        calls.append(weights)
        if weights == "imagenet":
            raise OSError("no network")
        return "model"

    model, weights = load_application(constructor, "cpu")
    assert model == "model" and calls == ["imagenet", None]
    assert not weights.pretrained and "RANDOM" in weights.label
    assert "NOT transfer-learning" in capsys.readouterr().err


def test_pretrained_in_smoke_never_downloads():
    calls = []
    model, weights = load_application(lambda weights, **k: calls.append(weights), "smoke")
    assert calls == [None] and not weights.pretrained
