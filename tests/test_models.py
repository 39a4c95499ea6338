import numpy as np
import pytest

from course_utils import DataError
from course_utils.datasets import DataSource
from course_utils.models import (
    architecture,
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


def test_model_path_separates_profiles_and_standins(data_home):
    real = DataSource("cats_vs_dogs", "real", "Kaggle")
    standin = DataSource("cats_vs_dogs", "stand-in", "pets stand-in")
    a, b = model_path("m", "smoke", real), model_path("m", "smoke", standin)
    assert a != b and a.parent == b.parent == data_home / "models"
    assert model_path("m", "cpu", real) != a


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
