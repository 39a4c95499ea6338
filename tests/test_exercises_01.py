"""Lesson 01's exercise checks: the solution passes, each recognised mistake gets its message,
any other wrong answer the general one, and no check raises."""

from __future__ import annotations

from course_utils.exercises import lesson01


def _convnet(pools=(True, True), padding="valid", strides=(1, 1, 1)):
    """The lesson's convnet, with each MaxPooling2D kept or not, a padding and per-Conv2D
    strides: the exercises' answers and their wrong versions."""
    import keras

    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for i, filters in enumerate((32, 64, 64)):
        conv = keras.layers.Conv2D(
            filters, 3, strides=strides[i], padding=padding, activation="relu"
        )
        x = conv(x)
        if i < 2 and pools[i]:
            x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def test_exercise_1_without_pooling(ex):
    assert _convnet().count_params() == lesson01.LESSON_PARAMS
    no_pool = _convnet(pools=(False, False))
    assert ex[1].check(no_pool)
    assert ex[1].check(lesson01.NO_POOLING_PARAMS)  # the count alone
    cases = {
        "that is the lesson's model": _convnet(),
        "one MaxPooling2D is still there": _convnet(pools=(False, True)),
        "the first Dense layer alone": lesson01.NO_POOLING_DENSE_PARAMS,
        "is not the count": 123_456,  # any other count: the general message
        "expected a Keras model": "two million",
    }
    for words, answer in cases.items():
        feedback = ex[1].check(answer)
        assert not feedback and words in feedback.message, (words, feedback.message)
    assert "one MaxPooling2D" in ex[1].check(_convnet(pools=(True, False)).count_params()).message
    assert ex[1].check(...).status == "not attempted"


def test_exercise_2_same_padding(ex):
    same = _convnet(padding="same")
    assert ex[2].check(same)
    assert ex[2].check(lesson01.SAME_SHAPES)
    assert ex[2].check(lesson01.SAME_SHAPES[:5])  # without Flatten's
    shapes = list(lesson01.SAME_SHAPES)
    shapes[3] = (8, 8, 64)  # pooling rounded up
    cases = {
        "padding='valid'": lesson01.VALID_SHAPES,
        "(height, width, channels)": [(28, 28), (14, 14), (14, 14), (7, 7), (7, 7)],
        "the output of MaxPooling2D 2 is not (8, 8, 64)": shapes,
        "expected one per layer": lesson01.SAME_SHAPES[:3],
        "expected a list of shapes": 3136,
    }
    for words, answer in cases.items():
        feedback = ex[2].check(answer)
        assert not feedback and words in feedback.message, (words, feedback.message)


def test_exercise_3_strided(ex):
    results = {"max pooling": 0.81, "strided conv": 0.78}

    def build_strided():
        return _convnet(pools=(False, False), strides=(1, 2, 2))

    assert ex[3].check(build_strided, results)
    assert ex[3].check(build_strided(), results)  # the model itself
    cases = {
        "halves the map twice": (lambda: _convnet(strides=(1, 2, 2)), results),
        "before* each pooling": (
            lambda: _convnet(pools=(False, False), strides=(2, 2, 1)),
            results,
        ),
        "still has MaxPooling2D": (_convnet, results),
        "model.evaluate returns [loss, accuracy]": (
            build_strided,
            {"a": [0.4, 0.8], "b": [0.5, 0.8]},
        ),
        "is that the loss": (build_strided, {"a": 1.2, "b": 0.8}),
        "did not learn": (build_strided, {"a": 0.11, "b": 0.8}),
        "a dict of two entries": (build_strided, [0.8, 0.8]),
        "expected your build_strided": ("model", results),
        "expected the lesson's three Conv2D": (
            lambda: _convnet(pools=(False, False), strides=(1, 1, 2)),
            results,
        ),
    }
    for words, (answer, accuracies) in cases.items():
        feedback = ex[3].check(answer, accuracies)
        assert not feedback and words in feedback.message, (words, feedback.message)


def test_the_fixed_counts_are_the_models():
    assert _convnet(pools=(False, False)).count_params() == lesson01.NO_POOLING_PARAMS
    assert _convnet(pools=(False, False)).layers[-2].count_params() == (
        lesson01.NO_POOLING_DENSE_PARAMS
    )
    same = _convnet(padding="same")
    assert [tuple(layer.output.shape[1:]) for layer in same.layers[1:7]] == lesson01.SAME_SHAPES
    valid = _convnet()
    assert [tuple(layer.output.shape[1:]) for layer in valid.layers[1:7]] == lesson01.VALID_SHAPES
