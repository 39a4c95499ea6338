"""Lesson 09's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from course_utils import interpret

# Exercise 1 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def classifier():
    """A tiny softmax classifier with VGG16's layer names at the end, a photo and its top 3."""
    import keras

    keras.utils.set_random_seed(1)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="block5_conv3")(inputs)
    x = keras.layers.MaxPooling2D(name="block5_pool")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    model = keras.Model(inputs, keras.layers.Dense(6, activation="softmax")(x))
    image = np.random.default_rng(1).uniform(-1, 1, (1, 16, 16, 3)).astype("float32")
    p = model.predict(image, verbose=0)[0]
    top = np.argsort(p)[::-1][:3]
    if top[1] == 1:  # keep "class_index=1" a distinct mistake
        top = top[[0, 2, 1]]
    top3 = [(int(i), f"class {i}", float(p[i])) for i in top]
    heatmap = interpret.grad_cam(model, image[0], class_index=top3[0][0], layer_name="block5_conv3")
    return model, image, top3, heatmap


def test_exercise_1(ex, classifier, capsys):
    model, image, top3, heatmap = classifier

    def cam(index, layer="block5_conv3"):
        return interpret.grad_cam(model, image[0], class_index=index, layer_name=layer)

    cases = [
        (cam(top3[1][0]), "correct", "the heatmap of 'class"),
        (heatmap, "wrong", "the top class's heatmap"),
        (cam(1), "wrong", "ImageNet's class number 1"),
        (cam(top3[1][0], "block5_pool"), "wrong", "the pooling layer after"),
        (np.zeros((3, 3)), "wrong", "expected (16, 16)"),
        (np.ones((16, 16)), "wrong", "expected the Grad-CAM heatmap of the class top3[1]"),
        (np.ones(16), "wrong", "one 2-D heatmap"),
    ]
    for answer, status, words in cases:
        feedback = ex[1].check(answer, vgg=model, x=image, top3=top3, heatmap=heatmap)
        assert feedback.status == status, (words, feedback.message)
        assert words in capsys.readouterr().out


# Exercise 2 -----------------------------------------------------------------------------------


def _pattern(*history):
    return SimpleNamespace(history=list(history), gain=max(history) / history[0])


GOOD = {0: _pattern(0.1, 0.5, 0.9), 3: _pattern(0.2, 0.3, 0.8)}


@pytest.mark.parametrize(
    ("deep", "n", "status", "words"),
    [
        (GOOD, 11, "correct", "11 convolutions"),
        (GOOD, 13, "wrong", "every convolution of VGG16"),
        (GOOD, 10, "wrong", "block5_conv1 runs too"),
        (GOOD, 8, "wrong", "block4_conv1's count"),
        (GOOD, 5, "wrong", "count the Conv2D layers"),
        (GOOD, "eleven", "wrong", "a whole number"),
        ({0: _pattern(0.1, 0.1, 0.1)}, 11, "wrong", "every gain is exactly 1"),
        ({0: _pattern(0.1, 0.15)}, 11, "wrong", "gained less than 2.0x"),
        ({}, 11, "wrong", "no filter scored above 0"),
        ([0.1, 0.9], 11, "wrong", "expected the dict"),
        (..., 11, "not attempted", "not attempted yet"),
    ],
)
def test_exercise_2(ex, deep, n, status, words, capsys):
    feedback = ex[2].check(deep, n, min_gain=2.0)
    assert feedback.status == status, feedback.message
    assert words in capsys.readouterr().out


# Exercise 3 -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def convnet():
    import keras

    keras.utils.set_random_seed(2)
    model = keras.Sequential(
        [
            keras.Input((20, 20, 3)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    image = np.random.default_rng(2).uniform(0, 255, (20, 20, 3)).astype("float32")
    return model, image


def test_exercise_3(ex, convnet, capsys):
    import keras

    model, image = convnet
    names = [
        layer.name
        for layer in model.layers
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D))
    ]
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]

    def maps(layers, layer_name=None):
        return [interpret.grad_cam(model, image, layer_name=layer_name or n) for n in layers]

    cases = [
        (maps(names), names, "correct", "one heatmap per layer, sides 18 -> 9 -> 7 -> 3"),
        (maps(convs), convs, "wrong", "only the Conv2D layers"),
        (maps(names, names[-1]), names, "wrong", "every map has the same size"),
        (maps(names)[:-1], names, "wrong", "3 maps for 4 layer names"),
        (maps(names[:2]), names[:2], "wrong", "expected the model's 4 Conv2D and MaxPooling2D"),
        ([m + 2 for m in maps(names)], names, "wrong", "leaves [0, 1]"),
    ]
    for answer, layers, status, words in cases:
        feedback = ex[3].check(answer, layers, model=model)
        assert feedback.status == status, (words, feedback.message)
        assert words in capsys.readouterr().out
