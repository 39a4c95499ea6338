"""Lesson 01 (MNIST convnet): the exercises' checks.

1. The convnet without its two ``MaxPooling2D`` layers: a Keras model (or its parameter count).
2. Every output shape with ``padding="same"``: a list of shapes (or the model).
3. Strided convolutions instead of pooling: a builder (or model) and the two test accuracies.
"""

from __future__ import annotations

from . import Exercise, Mistake, correct

#: The lesson's convnet (asserted in section 4) and the one without pooling (exercise 1).
LESSON_PARAMS = 93_322
NO_POOLING_PARAMS = 2_038_922
#: The first Dense layer without pooling: 22 x 22 x 64 = 30,976 inputs, 64 units.
NO_POOLING_DENSE_PARAMS = (22 * 22 * 64 + 1) * 64
#: Output shapes after each layer (Conv2D, pool, Conv2D, pool, Conv2D, Flatten).
VALID_SHAPES = [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64), (576,)]
SAME_SHAPES = [(28, 28, 32), (14, 14, 32), (14, 14, 64), (7, 7, 64), (7, 7, 64), (3136,)]
LAYER_NAMES = ["Conv2D 1", "MaxPooling2D 1", "Conv2D 2", "MaxPooling2D 2", "Conv2D 3", "Flatten"]
#: Exercise 3: accuracies below this after one epoch mean a model did not learn (chance: 0.10;
#: the lesson's smoke runs measured 0.536 or more, benchmarks/results/robustness.md).
MIN_ACCURACY = 0.3


def _is_model(x) -> bool:
    return hasattr(x, "layers") and hasattr(x, "count_params")


def _kinds(model) -> list[str]:
    return [layer.__class__.__name__ for layer in model.layers]


def _strides(layer) -> tuple:
    return tuple(getattr(layer, "strides", (1, 1)) or (1, 1))


def check_no_pooling(no_pool):
    """Exercise 1: the model without pooling, or its number of parameters."""
    if _is_model(no_pool):
        pools = _kinds(no_pool).count("MaxPooling2D")
        count = no_pool.count_params()
    elif isinstance(no_pool, int | float) and not isinstance(no_pool, bool):
        pools, count = None, int(no_pool)
    else:
        raise Mistake(
            f"expected a Keras model (the convnet without MaxPooling2D) or its number of "
            f"parameters, got {type(no_pool).__name__}"
        )
    if pools == 2 or count == LESSON_PARAMS:
        raise Mistake(
            f"{count:,} parameters: that is the lesson's model, with both MaxPooling2D layers "
            "still in it. Remove both, and keep the three Conv2D and two Dense layers."
        )
    if pools == 1 or count in (409_664 + 56_394, 331_840 + 56_394):
        raise Mistake(
            f"{count:,} parameters: one MaxPooling2D is still there. Remove both: the feature "
            "map then shrinks only by the valid convolutions (2 pixels each)."
        )
    if count == NO_POOLING_DENSE_PARAMS:
        raise Mistake(
            f"{count:,} is the first Dense layer alone: count the whole model "
            "(model.count_params()), then say which layer holds most of it."
        )
    if count == NO_POOLING_PARAMS:
        share = NO_POOLING_DENSE_PARAMS / NO_POOLING_PARAMS
        return correct(
            f"{count:,} parameters, {share:.0%} of them in the first Dense layer: it now reads a "
            "22x22x64 feature map. Now say in words why that is a problem."
        )
    raise Mistake(
        f"{count:,} parameters is not the count of the lesson's convnet with both MaxPooling2D "
        "layers removed: keep the three Conv2D layers (3x3, valid padding), Flatten and the "
        "two Dense layers unchanged. Expected a Keras model or a whole number."
    )


def _shapes_of(answer) -> list[tuple]:
    if _is_model(answer):
        layers = [layer for layer in answer.layers if layer.__class__.__name__ != "InputLayer"]
        kinds = [layer.__class__.__name__ for layer in layers]
        if "Flatten" in kinds:  # the Dense layers after it are not part of the question
            layers = layers[: kinds.index("Flatten") + 1]
        return [tuple(layer.output.shape[1:]) for layer in layers]
    return [tuple(int(d) for d in shape) for shape in answer]


def check_same_shapes(same_shapes):
    """Exercise 2: the output shape after each layer with ``padding="same"`` (a list of shapes,
    with or without Flatten's), or the model itself."""
    try:
        shapes = _shapes_of(same_shapes)
    except TypeError:
        raise Mistake(
            "expected a list of shapes, one (height, width, channels) tuple per layer after the "
            f"input, or the model; got {type(same_shapes).__name__}"
        ) from None
    if len(shapes) not in (5, 6):
        raise Mistake(
            f"{len(shapes)} shapes: expected one per layer after the input (Conv2D, "
            "MaxPooling2D, Conv2D, MaxPooling2D, Conv2D, and Flatten's if you like)."
        )
    if shapes == SAME_SHAPES[: len(shapes)]:
        return correct(
            "every shape right: 'same' padding keeps the size at stride 1, each pooling halves "
            "(rounding down), so Flatten now gives 3,136 features instead of 576."
        )
    if shapes == VALID_SHAPES[: len(shapes)]:
        raise Mistake(
            "these are the shapes with the default padding='valid' (the lesson's model): with "
            "padding='same' a 3x3 convolution at stride 1 keeps the height and width."
        )
    if any(len(shape) == 2 for shape in shapes[:5]):
        raise Mistake(
            "give each feature map's full shape, (height, width, channels): the number of "
            "channels is the number of filters of the last Conv2D."
        )
    wrong = next(i for i, (a, b) in enumerate(zip(shapes, SAME_SHAPES, strict=False)) if a != b)
    raise Mistake(
        f"the output of {LAYER_NAMES[wrong]} is not {shapes[wrong]} (the shapes before it are "
        "right). Use section 2's formula: 'same' keeps the size at stride 1, pooling halves "
        "rounding down, Flatten multiplies height, width and channels."
    )


def check_strided(build_strided, results):
    """Exercise 3: the strided model (a builder or a model) and ``results``, the test accuracy
    of each model after one epoch (a dict of two numbers)."""
    model = build_strided
    if callable(build_strided) and not _is_model(build_strided):
        model = build_strided()
    if not _is_model(model):
        raise Mistake(
            f"expected your build_strided function (or the model it builds), got "
            f"{type(build_strided).__name__}"
        )
    kinds = _kinds(model)
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    strided = [i for i, layer in enumerate(convs) if _strides(layer) != (1, 1)]
    flat = int(model.layers[kinds.index("Flatten")].output.shape[-1]) if "Flatten" in kinds else 0
    if "MaxPooling2D" in kinds and strided:
        raise Mistake(
            f"the model still has MaxPooling2D next to the strided convolutions, so it halves "
            f"the map twice per step (Flatten gets {flat} features). Replace each pooling by a "
            "stride; do not add the stride."
        )
    if "MaxPooling2D" in kinds:
        raise Mistake("the model still has MaxPooling2D layers: the strides should replace them.")
    if strided == [0, 1]:
        raise Mistake(
            "the strides are on the first and second convolutions (the ones *before* each "
            "pooling): the exercise gives them to the convolution *after* each pooling, the "
            "second and the third, so the first layer still sees the full 28x28 image."
        )
    if len(convs) != 3 or strided != [1, 2] or int(model.outputs[0].shape[-1]) != 10:
        raise Mistake(
            "expected the lesson's three Conv2D layers with strides=2 on the second and third, "
            f"no pooling, and 10 outputs; found {len(convs)} Conv2D, strides on "
            f"{[i + 1 for i in strided]}."
        )
    if not isinstance(results, dict) or len(results) != 2:
        raise Mistake(
            "expected results as a dict of two entries, {'max pooling': accuracy, "
            "'strided conv': accuracy}, one test accuracy per model."
        )
    values = list(results.values())
    if any(isinstance(v, list | tuple) for v in values):
        raise Mistake(
            "each result is a list: model.evaluate returns [loss, accuracy] when the model "
            "was compiled with metrics=['accuracy']; keep the accuracy, [1]."
        )
    values = [float(v) for v in values]
    if not all(0.0 <= v <= 1.0 for v in values):
        raise Mistake(
            f"the results {values} are not accuracies between 0 and 1: is that the loss? "
            "Keep the accuracy of model.evaluate (its second value)."
        )
    if min(values) < MIN_ACCURACY:
        raise Mistake(
            f"one model reached only {min(values):.2f} (chance is 0.10): it did not learn. "
            "Compile each with RMSprop and sparse categorical cross-entropy and train it on "
            "the first P.exercise_samples training images, the pixels scaled to 0-1."
        )
    accuracies = ", ".join(f"{name}: {v:.3f}" for name, v in zip(results, values, strict=True))
    return correct(
        f"strided model right (Flatten gets {flat} features) and both learned ({accuracies}). "
        "Which is better here, and would another seed or more epochs say the same?"
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "01",
            1,
            "the convnet without pooling",
            check_no_pooling,
            hints=[
                "Copy build_convnet and delete the two MaxPooling2D lines; nothing else changes.",
                "Without pooling each valid 3x3 convolution removes only 2 pixels: 28 -> 26 -> "
                "24 -> 22. How many inputs does Flatten give the Dense layer?",
            ],
            expected="a Keras model (or its number of parameters, a whole number)",
        ),
        Exercise(
            "01",
            2,
            "output shapes with padding='same'",
            check_same_shapes,
            hints=[
                "With padding='same' and stride 1, a convolution's output has the input's "
                "height and width; the channels are its number of filters.",
                "MaxPooling2D(2) halves height and width, rounding down; Flatten multiplies "
                "the three numbers.",
            ],
            expected="a list of (height, width, channels) tuples, one per layer, or the model",
        ),
        Exercise(
            "01",
            3,
            "strided convolutions instead of pooling",
            check_strided,
            hints=[
                "Delete each MaxPooling2D and give the Conv2D right after it strides=2.",
                "Train each model with the same compile and fit arguments as the lesson, one "
                "epoch, then keep model.evaluate(x_test, y_test)[1].",
            ],
            expected="your build_strided function and a dict of two test accuracies",
        ),
    ]
