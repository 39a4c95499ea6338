"""Lesson 04 (VGG16 transfer learning): the checks of its three exercises.

1. the parameters each stage trains, (a), (b) and (c);
2. VGG16's input preparation written by hand (what ``vgg16.preprocess_input`` does); the
   comparison with the old recipe's ``/255`` features is an open question, not checked;
3. the classifier with ``GlobalAveragePooling2D`` instead of ``Flatten`` (its parameter count; the
   accuracy comparison is an open question, not checked).
"""

from __future__ import annotations

import numpy as np

from . import Exercise, Mistake, correct

#: The ImageNet mean pixel that VGG16's Caffe preprocessing subtracts, in B, G, R order.
IMAGENET_MEAN_BGR = np.array([103.939, 116.779, 123.68], dtype="float32")
#: VGG16's block 5: three 3x3 convolutions with 512 filters on 512 channels, with biases.
BLOCK5_PARAMS = 3 * (3 * 3 * 512 + 1) * 512
#: All of VGG16's convolutional base.
BASE_PARAMS = 14_714_688


def _head_params(feature_shape) -> int:
    """Flatten -> Dense 256 -> Dropout -> Dense 1 on the stored features."""
    return (int(np.prod(feature_shape)) + 1) * 256 + (256 + 1)


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not float(value).is_integer():
        raise Mistake(f"`{name}` should be a whole number of parameters, got {value!r}.")
    return int(value)


def check_trainable_params(params_a, params_b, params_c, *, feature_shape) -> object:
    a, b, c = (
        _count(v, n)
        for v, n in ((params_a, "params_a"), (params_b, "params_b"), (params_c, "params_c"))
    )
    head = _head_params(feature_shape)
    if (a, b, c) == (head, head, head + BLOCK5_PARAMS):
        return correct(
            f"(a) and (b) train the same head, {head:,} parameters; (c) adds block 5, "
            f"{BLOCK5_PARAMS:,}: {head + BLOCK5_PARAMS:,}."
        )
    if max(a, b, c) < 100:
        raise Mistake(
            "those look like numbers of weight *tensors* (`len(model.trainable_weights)`); "
            "count parameters: the sum of each tensor's size (`np.prod(w.shape)`)."
        )
    book_head = _head_params((4, 4, 512))
    if head != book_head and book_head in (a, b):
        raise Mistake(
            f"{book_head:,} is the head at the book's 150×150 (4×4×512 features); this run's "
            f"features have the shape {tuple(feature_shape)}: count from them."
        )
    if c == head + BASE_PARAMS or b == head + BASE_PARAMS:
        raise Mistake(
            "that counts the whole VGG16 base as trained: (b) trains none of it, and (c) only "
            "the layers from `block5_conv1` on."
        )
    if c == BLOCK5_PARAMS:
        raise Mistake("(c) trains block 5 *and* the classifier on top: add the head.")
    if a == head and b == head and c != head + BLOCK5_PARAMS:
        raise Mistake(
            "(a) and (b) are right; for (c), count the head plus the three convolutions of block "
            "5, (3·3·512 + 1)·512 each."
        )
    raise Mistake(
        "not the parameters each stage trains. Expected three whole numbers, (a), (b), (c), each "
        "the sum of the sizes of that stage's trainable weight tensors."
    )


def check_caffe_input(caffe_input, *, images) -> object:
    x = np.array(images, dtype="float32")  # a copy: a NumPy answer may work in place
    expected = x[..., ::-1] - IMAGENET_MEAN_BGR
    out = np.asarray(caffe_input(np.array(x)), dtype="float32")
    if out.shape != x.shape:
        raise Mistake(f"the result should have the shape of its input, {x.shape}, got {out.shape}.")

    def same(y) -> bool:
        return bool(np.allclose(out, y, atol=1e-2))

    if same(expected):
        return correct(
            "channels reversed to BGR and the ImageNet mean subtracted, no scaling: what "
            "vgg16.preprocess_input does."
        )
    if same(x / 255) or same(x[..., ::-1] / 255):
        raise Mistake(
            "that is the old recipe's `/255`: values in 0–1, a range 255 times narrower than "
            "VGG16's training inputs. VGG16 wants no scaling: BGR order minus the ImageNet mean."
        )
    if same(x - IMAGENET_MEAN_BGR) or same(x - IMAGENET_MEAN_BGR[::-1]):
        raise Mistake(
            "the mean is subtracted, but the channels are still in R, G, B order: VGG16 was "
            "trained on B, G, R (reverse the last axis first)."
        )
    if same(x / 127.5 - 1):
        raise Mistake(
            "that is MobileNetV2's scaling to [-1, 1] (lesson 05); VGG16 was trained with the "
            "Caffe conventions: BGR order minus the ImageNet mean, no scaling."
        )
    if same(x[..., ::-1]):
        raise Mistake("the channels are reversed; now subtract the ImageNet mean pixel (B, G, R).")
    if same(x):
        raise Mistake("the images came back unchanged: VGG16 needs BGR order minus the mean.")
    raise Mistake(
        "not what vgg16.preprocess_input gives. Expected a function that takes a batch of RGB "
        "pixels 0–255 and returns an array of the same shape."
    )


def check_gap_classifier(gap_classifier, *, feature_shape) -> object:
    flatten_head = _head_params(feature_shape)
    gap_head = (512 + 1) * 256 + (256 + 1)
    if isinstance(gap_classifier, (int, float, np.integer)) and not isinstance(
        gap_classifier, bool
    ):
        count = _count(gap_classifier, "the parameter count")
        if count == gap_head:
            return correct(f"{count:,} parameters: 512 means in, at any image size.")
        if count == flatten_head:
            raise Mistake("that is the count with `Flatten`; replace it by the pooling layer.")
        raise Mistake("not the count of that classifier; count it from the model you built.")
    if not hasattr(gap_classifier, "count_params") or not hasattr(gap_classifier, "layers"):
        raise Mistake("expected the Keras model you built (or its parameter count).")
    kinds = [type(layer).__name__ for layer in gap_classifier.layers]
    shape = tuple(gap_classifier.inputs[0].shape[1:])
    if shape != tuple(feature_shape):
        raise Mistake(
            f"the classifier reads the stored features, shape {tuple(feature_shape)}; its input "
            f"is {shape}."
        )
    if "GlobalMaxPooling2D" in kinds:
        raise Mistake(
            "GlobalMaxPooling2D keeps each feature map's maximum; the exercise asks for the mean."
        )
    if "Flatten" in kinds and "GlobalAveragePooling2D" not in kinds:
        raise Mistake("the classifier still flattens the features: replace `Flatten`.")
    count = gap_classifier.count_params()
    if "GlobalAveragePooling2D" in kinds and count == gap_head:
        return correct(
            f"{count:,} parameters: the pooling leaves 512 numbers per image whatever the image "
            f"size, against {flatten_head:,} with Flatten here."
        )
    if "GlobalAveragePooling2D" in kinds and "Dense" in kinds and count == 512 + 1:
        raise Mistake("keep the rest of the classifier: Dense(256) and Dropout before the output.")
    raise Mistake(
        "not the classifier asked for. Expected the stage (a) classifier with "
        "GlobalAveragePooling2D in place of Flatten, the rest unchanged."
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "04",
            1,
            "parameters trained in (a), (b), (c)",
            check_trainable_params,
            hints=[
                "Parameters, not tensors: `sum(int(np.prod(w.shape)) for w in m.trainable_weights)`.",
                "(a) is the classifier on stored features; (b) the model with the base frozen; (c) "
                "the model with block 5 unfrozen. By hand: Dense has (inputs + 1) × units.",
            ],
            expected="three whole numbers: the parameters stages (a), (b) and (c) train",
        ),
        Exercise(
            "04",
            2,
            "VGG16's input preparation by hand",
            check_caffe_input,
            hints=[
                "Section 3 lists what VGG16 was trained on: channel order, mean, scaling.",
                "`images[..., ::-1]` reverses the channels; `imagenet_mean_bgr` is the mean pixel.",
            ],
            expected="a function from a batch of RGB pixels 0-255 to an array of the same shape",
        ),
        Exercise(
            "04",
            3,
            "the classifier with GlobalAveragePooling2D",
            check_gap_classifier,
            hints=[
                "Copy `build_classifier` and change one layer.",
                "GlobalAveragePooling2D turns (side, side, 512) into 512 numbers: the Dense layer's "
                "inputs no longer depend on the image size.",
            ],
            expected="a Keras model on the stored features (or its parameter count)",
        ),
    ]
