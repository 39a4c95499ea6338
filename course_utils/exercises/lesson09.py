"""Lesson 09 (interpretability): the exercises' checks.

1. Grad-CAM of VGG16 for the *second* most probable ImageNet class of the photo: a heatmap,
   compared with ``ci.grad_cam`` for ``top3[1]``.
2. Filter patterns of ``block5_conv1``: every pattern's gain, and how many convolution layers
   each ascent step runs through (the part of "why does each step cost more?" with an answer).
3. Grad-CAM of the cats-vs-dogs model from every convolution and pooling layer: one heatmap per
   layer, each the size of that layer's feature maps.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Mistake, correct

#: VGG16's convolution layers up to and including block5_conv1 (2 + 2 + 3 + 3 + 1).
CONV_TO_BLOCK5_CONV1 = 11


# ---------------------------------------------------------------------------------------------
# Exercise 1


def check_second_class(second, *, vgg, x, top3, heatmap=None, layer_name="block5_conv3"):
    """Exercise 1: ``second``, the Grad-CAM heatmap of ``top3[1]`` from ``layer_name``."""
    from course_utils import interpret

    second = np.asarray(second, dtype="float64")
    if second.ndim != 2:
        raise Mistake(
            f"expected one 2-D heatmap (like `heatmap`); got an array of shape {second.shape}."
        )
    image = np.asarray(x)[0]

    def cam(index, layer=layer_name):
        return interpret.grad_cam(vgg, image, class_index=int(index), layer_name=layer)

    expected = cam(top3[1][0])
    if second.shape != expected.shape:
        if second.shape == (expected.shape[0] // 2, expected.shape[1] // 2):
            raise Mistake(
                f"a {second.shape[0]}x{second.shape[1]} map: that is the pooling layer after "
                f"{layer_name} (what find_last_conv_layer picks). Use layer_name="
                f"{layer_name!r}, as for the top class."
            )
        raise Mistake(
            f"a map of shape {second.shape}; expected {expected.shape}, from {layer_name!r}."
        )
    if np.allclose(second, expected, atol=1e-4):
        return correct(
            f"the heatmap of {top3[1][1]!r}: another class weighs the channels differently "
            "(other alpha_k), so its evidence lies elsewhere, or on the same object where the "
            "classes are related."
        )
    top = np.asarray(heatmap, dtype="float64") if heatmap is not None else cam(top3[0][0])
    if np.allclose(second, top, atol=1e-4):
        raise Mistake(
            "that is the top class's heatmap: the second most probable class is top3[1], and "
            "its ImageNet index is top3[1][0]."
        )
    if int(top3[1][0]) != 1 and np.allclose(second, cam(1), atol=1e-4):
        raise Mistake(
            "class_index=1 is ImageNet's class number 1, not the second most probable class: "
            "pass the index stored in top3[1][0]."
        )
    raise Mistake(
        f"expected the Grad-CAM heatmap of the class top3[1] from {layer_name!r}: a 2-D map with "
        "values in [0, 1], of the same shape as `heatmap`."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 2


def check_deep_patterns(deep, n_conv_layers, *, min_gain=2.0):
    """Exercise 2: ``deep`` ({filter index: pattern}) and the convolution layers per step."""
    if not isinstance(deep, dict) or not all(hasattr(p, "history") for p in deep.values()):
        raise Mistake(
            "expected the dict `responding_patterns` returns: {filter index: pattern}, each "
            "pattern with .gain and .history."
        )
    if not deep:
        raise Mistake(
            "no pattern: no filter scored above 0 on the start image. Ask for more filters "
            "(n), or check the value range: VGG16 works in (-128, 128)."
        )
    gains = {i: max(p.history) / p.history[0] for i, p in deep.items()}
    if all(np.isclose(g, 1.0) for g in gains.values()):
        raise Mistake(
            "every gain is exactly 1: no step raised a score (a step that lowers it is not "
            "taken). The ascent must follow +gradient of the filter's score w.r.t. the image."
        )
    low = {i: round(g, 2) for i, g in gains.items() if g < min_gain}
    if low:
        raise Mistake(f"these filters gained less than {min_gain}x: {low}. Did the ascent run?")
    try:
        n = int(n_conv_layers)
    except (TypeError, ValueError):
        raise Mistake("n_conv_layers: expected a whole number of layers.") from None
    if n == 13:
        raise Mistake(
            "13 is every convolution of VGG16: the extractor stops at block5_conv1, so the "
            "ascent never runs block5_conv2 and block5_conv3."
        )
    if n == 10:
        raise Mistake("block5_conv1 runs too: count it with the layers before it.")
    if n == 8:
        raise Mistake("8 is block4_conv1's count (the deepest layer of section 2).")
    if n != CONV_TO_BLOCK5_CONV1:
        raise Mistake(
            "n_conv_layers: count the Conv2D layers from the input up to and including "
            "block5_conv1 (vgg_base.layers, in order)."
        )
    return correct(
        f"{len(deep)} patterns, lowest gain {min(gains.values()):.1f}x; each step runs (and "
        "differentiates) 11 convolutions instead of block4_conv1's 8, so it costs more."
    )


# ---------------------------------------------------------------------------------------------
# Exercise 3


def check_layer_maps(maps, layer_choices, *, model):
    """Exercise 3: ``maps``, one Grad-CAM heatmap per layer in ``layer_choices``."""
    import keras

    feature_layers = [
        layer.name
        for layer in model.layers
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D))
    ]
    convs = [layer.name for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    choices = list(layer_choices)
    if len(maps) != len(choices):
        raise Mistake(f"{len(maps)} maps for {len(choices)} layer names: one map per layer.")
    if choices == convs and len(convs) < len(feature_layers):
        raise Mistake(
            "only the Conv2D layers: the MaxPooling2D layers have feature maps too (half the "
            "size); the exercise asks for every convolution and pooling layer."
        )
    if sorted(choices) != sorted(feature_layers):
        raise Mistake(
            f"expected the model's {len(feature_layers)} Conv2D and MaxPooling2D layers, in "
            "order; layers after them (Flatten, Dense) have no feature maps."
        )
    shapes = [np.shape(m) for m in maps]
    if len(set(shapes)) == 1 and len(shapes) > 1:
        raise Mistake(
            "every map has the same size: each call used the same layer. Pass "
            "layer_name=name for each name."
        )
    for name, heat in zip(choices, maps, strict=True):
        want = tuple(model.get_layer(name).output.shape[1:3])
        if np.shape(heat) != want:
            raise Mistake(f"the map of {name} has shape {np.shape(heat)}, its feature maps {want}.")
        if np.min(heat) < 0 or np.max(heat) > 1:
            raise Mistake(f"the map of {name} leaves [0, 1]: use ci.grad_cam's scaled heatmap.")
    sizes = " -> ".join(f"{np.shape(m)[0]}" for m in maps)
    return correct(
        f"one heatmap per layer, sides {sizes}: early layers give sharp maps with little class "
        "information, the last conv layer the most class-specific one, coarse."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "09",
            1,
            "Grad-CAM for the second most probable class",
            check_second_class,
            hints=[
                "top3 holds (ImageNet index, name, probability) triples, most probable first.",
                "ci.grad_cam(vgg, x[0], class_index=top3[1][0], layer_name='block5_conv3').",
            ],
            expected="a 2-D heatmap with values in [0, 1], the shape of `heatmap`",
        ),
        Exercise(
            "09",
            2,
            "filter patterns of block5_conv1, and the layers each step runs",
            check_deep_patterns,
            hints=[
                "responding_patterns(vgg_base, 'block5_conv1', n, (-128, 128)) returns "
                "(patterns, skipped).",
                "Count isinstance(layer, keras.layers.Conv2D) over vgg_base.layers up to "
                "block5_conv1.",
            ],
            expected="the dict of patterns from responding_patterns, and a whole number",
        ),
        Exercise(
            "09",
            3,
            "Grad-CAM from every convolution and pooling layer",
            check_layer_maps,
            hints=[
                "Pick the layers with isinstance(layer, (keras.layers.Conv2D, "
                "keras.layers.MaxPooling2D)).",
                "ci.grad_cam(model, img, layer_name=name) for each name.",
            ],
            expected="a list of 2-D heatmaps, one per layer name",
        ),
    ]
