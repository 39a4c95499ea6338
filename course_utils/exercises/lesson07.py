"""Lesson 07 (architecture patterns): the exercises' checks.

1. The mini-Xception with regular ``Conv2D`` layers: the predicted parameter count and the model.
2. A residual block that downsamples with a strided convolution: the block as a model and the
   projection's parameter count.
3. BN's moving statistics on the trained model: the test accuracy in inference mode and with
   batch statistics, the trained model left unchanged (the lesson's model and test data as
   context).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import Exercise, Mistake, correct

#: (filters in, filters out) of the mini-Xception's five blocks.
BLOCKS = [(32, 32), (32, 64), (64, 128), (128, 256), (256, 512)]
#: The separable mini-Xception's parameters (section 6 of the lesson asserts them).
SEPARABLE_PARAMS = 721_857


def _regular_parts(c_in: int, c: int) -> dict[str, int]:
    return {
        "bn": 4 * c_in + 4 * c,
        "convs": 9 * c_in * c + 9 * c * c,
        "projection": c_in * c,
    }


def regular_params() -> int:
    """Parameters of the mini-Xception with Conv2D (no bias) instead of SeparableConv2D."""
    blocks = sum(sum(_regular_parts(c_in, c).values()) for c_in, c in BLOCKS)
    return 5 * 5 * 3 * 32 + blocks + 512 + 1


def _number(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise Mistake(f"expected {what} as a number, got {type(value).__name__}")
    return float(value)


def _is_model(value) -> bool:
    return hasattr(value, "layers") and hasattr(value, "count_params")


def check_regular_xception(predicted, regular_model):
    """Exercise 1: ``predicted`` (a whole number) and ``regular_model`` (a Keras model)."""
    predicted = _number(predicted, "the predicted parameter count")
    if not _is_model(regular_model):
        raise Mistake(
            f"expected the model you built (a Keras model), got {type(regular_model).__name__}"
        )
    truth = regular_params()
    kinds = {layer.__class__.__name__ for layer in regular_model.layers}
    count = regular_model.count_params()
    if "SeparableConv2D" in kinds:
        raise Mistake(
            "the model still has SeparableConv2D layers: replace both of every block by Conv2D "
            "(same filters, padding='same', use_bias=False)."
        )
    biases = sum(2 * c for _, c in BLOCKS)
    if count == truth + biases:
        raise Mistake(
            f"{count:,} parameters: {biases:,} too many, one bias per filter of each new "
            "Conv2D. BN follows every convolution and cancels a bias: use_bias=False."
        )
    if count != truth:
        raise Mistake(
            f"the model has {count:,} parameters, not what build_mini_xception gives with "
            "Conv2D(filters, 3, padding='same', use_bias=False) in place of each "
            "SeparableConv2D and everything else unchanged. Compare model.summary() with "
            "xception_180.summary() layer by layer."
        )
    if predicted == count:
        return correct(
            f"{count:,} parameters, as you predicted: {count / SEPARABLE_PARAMS:.1f} times the "
            "separable model's."
        )
    if predicted == SEPARABLE_PARAMS:
        raise Mistake(
            "your prediction is the separable model's count: a regular 3x3 Conv2D from c_in to "
            "c channels has 9·c_in·c weights, not 9·c_in + c_in·c."
        )
    for part, words in (
        ("bn", "the BN layers (4 per channel: γ, β, moving mean and moving variance)"),
        ("projection", "the 1x1 projections of the residual connections (c_in·c each)"),
    ):
        if predicted == truth - sum(_regular_parts(c_in, c)[part] for c_in, c in BLOCKS):
            raise Mistake(f"your prediction leaves out {words}.")
    raise Mistake(
        f"the model is right but your prediction is off by {int(count - predicted):+,}: count "
        "each block's layers (two BNs, two 3x3 Conv2D without bias, the 1x1 projection), then "
        "the first convolution and the output layer."
    )


def _producer(tensor):
    history = getattr(tensor, "_keras_history", None)
    return history[0] if history else None


def _inputs_of(layer) -> list:
    nodes = getattr(layer, "_inbound_nodes", [])
    return list(nodes[0].input_tensors) if nodes else []


def check_strided_block(block, projection_params):
    """Exercise 2: ``block`` (a Keras model from the 24x24x64 input) and ``projection_params``."""
    projection_params = _number(projection_params, "the projection's parameter count")
    if not _is_model(block):
        raise Mistake(
            "expected the block as a Keras model, keras.Model(inputs, outputs), got "
            f"{type(block).__name__}"
        )
    shape = tuple(block.outputs[0].shape)
    if shape != (None, 12, 12, 128):
        raise Mistake(
            f"the block outputs {shape[1:]}, expected (12, 12, 128): the first Conv2D has "
            "strides=2 and padding='same', so 24x24 becomes 12x12, with 128 channels."
        )
    adds = [layer for layer in block.layers if layer.__class__.__name__ == "Add"]
    if not adds:
        raise Mistake(
            "the block has no residual connection: add the (projected) input to the output of "
            "the two convolutions with keras.layers.add."
        )
    model_inputs = {id(t) for t in block.inputs}
    projection = None
    for tensor in _inputs_of(adds[-1]):
        layer = _producer(tensor)
        if layer is not None and any(id(t) in model_inputs for t in _inputs_of(layer)):
            projection = layer
    if projection is None or "Conv" not in projection.__class__.__name__:
        raise Mistake(
            "expected the residual path to be one convolution of the block's input (a "
            "projection to 128 channels and 12x12), added to the main path."
        )
    if tuple(projection.kernel_size) != (1, 1):
        raise Mistake(
            f"your projection has a {projection.kernel_size} kernel "
            f"({projection.count_params():,} weights): a 1x1 kernel with strides=2 is enough "
            "to match the shape, at a fraction of the weights."
        )
    count = projection.count_params()
    if projection_params == count:
        return correct(
            f"output (12, 12, 128), a 1x1 projection with strides=2 that adds {count:,} parameters."
        )
    if projection.use_bias and projection_params == count - projection.filters:
        raise Mistake(
            f"your projection has a bias: {projection.filters} weights more than 64·128. Count "
            "them, or build it with use_bias=False."
        )
    if projection_params == block.count_params():
        raise Mistake(
            "that is the whole block's count; the question asks what the projection adds "
            "(its layer's count_params())."
        )
    raise Mistake(
        "expected the number of weights of the projection layer: kernel height x width x "
        "input channels x filters, plus a bias per filter if it has one."
    )


def check_bn_lag(acc_inference, acc_batch_stats, model, test_data, test_loss):
    """Exercise 3: two test accuracies; ``model``/``test_data``/``test_loss``: the lesson's
    trained mini-Xception, its test split and the loss ``evaluate`` gave right after training."""
    acc_inference = _number(acc_inference, "acc_inference (an accuracy between 0 and 1)")
    acc_batch_stats = _number(acc_batch_stats, "acc_batch_stats (an accuracy between 0 and 1)")
    if not (0 <= acc_inference <= 1 and 0 <= acc_batch_stats <= 1):
        raise Mistake("expected two accuracies between 0 and 1 (fractions, not percentages).")
    results = model.evaluate(test_data, verbose=0, return_dict=True)
    if not np.isclose(results["loss"], test_loss, rtol=1e-5, atol=1e-7):
        raise Mistake(
            f"the trained model changed: evaluate() now gives a test loss of "
            f"{results['loss']:.5f}, not the {test_loss:.5f} of section 6. A call with "
            "training=True uses batch statistics *and updates the moving statistics*: make "
            "it on a copy (keras.models.clone_model, then set_weights), never on the trained "
            "model. Re-run section 6 to get the trained model back."
        )
    n = sum(int(np.shape(labels)[0]) for _, labels in test_data)
    if abs(acc_inference - results["accuracy"]) > 0.5 / n + 1e-6:
        raise Mistake(
            f"acc_inference should be what evaluate() gives, {results['accuracy']:.3f} "
            f"(inference mode, moving statistics): threshold the predicted probabilities at "
            "0.5 and compare them with labels of the same shape and order."
        )
    gap = acc_batch_stats - acc_inference
    return correct(
        f"inference mode {acc_inference:.3f}, batch statistics {acc_batch_stats:.3f} "
        f"(difference {gap:+.3f}), and the trained model is unchanged. What does the "
        "difference say about the moving statistics?"
    )


def exercises() -> list[Exercise]:
    return [
        Exercise(
            "07",
            1,
            "the mini-Xception with regular convolutions",
            check_regular_xception,
            hints=[
                "Adapt block_params of section 6: a 3x3 Conv2D without bias from c_in to c "
                "channels has 9·c_in·c weights.",
                "Copy build_mini_xception and change only the two SeparableConv2D lines.",
            ],
            expected="a whole number (your prediction) and a Keras model",
        ),
        Exercise(
            "07",
            2,
            "a residual block that downsamples with strides",
            check_strided_block,
            hints=[
                "The block's output is 12x12x128: the residual path must change both the size "
                "and the number of channels.",
                "A 1x1 Conv2D with 128 filters and strides=2; its weights: 1·1·64·128 (+ bias).",
            ],
            expected="a Keras model (the block) and a whole number (the projection's weights)",
        ),
        Exercise(
            "07",
            3,
            "BN's moving statistics on the trained model",
            check_bn_lag,
            hints=[
                "A BN layer called with training=True normalizes with the batch's statistics "
                "and moves its moving statistics towards them.",
                "keras.models.clone_model(xception), then set_weights(xception.get_weights()), "
                "gives a copy you may call with training=True.",
            ],
            expected="two accuracies between 0 and 1: acc_inference, acc_batch_stats",
        ),
    ]
