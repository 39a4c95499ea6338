"""Looking inside a convnet: intermediate activations, filter patterns and Grad-CAM.

Every function here works on the model kinds a learner meets in the course:

- ``keras.Sequential`` models (where ``model.input`` raises in Keras 3 and many Grad-CAM recipes
  fail with "has never been called"),
- Functional models,
- subclassed models that have been called once (or ``input_shape=`` is given),
- models that nest another model, e.g. a pretrained ``VGG16`` base inside a classifier, where
  ``keras.Model(model.inputs, base.get_layer("block5_conv3").output)`` raises "graph disconnected".

The trick is one helper, :func:`trace_layers`: it calls the model's layers again on a fresh
``keras.Input``, going *inside* nested models, so the output of every layer (nested or not) is a
tensor of one single graph. The layers are the model's own objects, so the weights are shared,
not copied. Nested layers can be named plainly (``"block5_conv3"``) or by path
(``"vgg16/block5_conv3"``).

All models are used in inference mode (``training=False``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from . import plots
from .errors import CourseError

__all__ = [
    "FilterPattern",
    "ModelInputError",
    "Trace",
    "activation_model",
    "deprocess_image",
    "filter_pattern",
    "filter_patterns",
    "filter_responses",
    "find_last_conv_layer",
    "grad_cam",
    "overlay_heatmap",
    "plot_activations",
    "start_image",
    "trace_layers",
    "upsample_heatmap",
]

#: Layers shown by default in :func:`activation_model` (Chollet's "conv and pooling layers").
FEATURE_MAP_LAYERS = (
    keras.layers.Conv2D,
    keras.layers.SeparableConv2D,
    keras.layers.DepthwiseConv2D,
    keras.layers.Conv2DTranspose,
    keras.layers.MaxPooling2D,
    keras.layers.AveragePooling2D,
)

_SQUASHING = ("softmax", "sigmoid")


class ModelInputError(CourseError, ValueError):
    """The model's input shape is unknown (a model never built or called on data)."""


# --------------------------------------------------------------------------------------------
# Tracing: every layer's output in one graph
# --------------------------------------------------------------------------------------------


@dataclass
class _Call:
    path: str  # "vgg16/block5_conv3" for a nested layer, "dense" at the top
    layer: keras.layers.Layer
    inputs: tuple
    output: Any


@dataclass
class Trace:
    """The result of :func:`trace_layers`: a fresh input and every layer's symbolic output."""

    inputs: list
    output: Any  # the model's output (None when the trace stopped early)
    calls: list[_Call] = field(default_factory=list)

    def names(self) -> list[str]:
        """Paths of the traced layers, in call order."""
        return [c.path for c in self.calls]

    def find(self, name: str) -> _Call:
        """The call of the layer named ``name`` (a plain layer name or a path like
        ``"vgg16/block5_conv3"``). Raises ``KeyError`` with the known names if there is none,
        ``ValueError`` if a plain name is used by several nested models."""
        exact = [c for c in self.calls if c.path == name]
        if exact:
            return exact[0]
        plain = [c for c in self.calls if c.layer.name == name]
        if len({id(c.layer) for c in plain}) > 1:
            paths = sorted({c.path for c in plain})
            raise ValueError(f"layer name {name!r} is ambiguous; use one of the paths {paths}")
        if plain:
            return plain[0]
        raise KeyError(f"no layer {name!r} in the model; its layers are {self.names()}")


class _Done(Exception):
    """Raised inside a trace once every wanted layer has been seen, to skip the rest."""


def _is_plain_graph(model: Any) -> bool:
    """A Functional model (or Sequential's inner Functional): a graph we can walk."""
    return hasattr(model, "_run_through_graph") and hasattr(model, "_nodes_by_depth")


def _input_shapes(model: keras.Model, input_shape: Any = None) -> list[tuple]:
    """The per-example input shapes of ``model`` (one per input), without the batch axis."""
    if input_shape is not None:
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        return [tuple(s) for s in shapes]
    try:
        inputs = model.inputs  # works on Sequential models where model.input raises
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        return [tuple(t.shape[1:]) for t in inputs]
    build = model.get_build_config() if model.built else None
    if build and "input_shape" in build:
        shape = build["input_shape"]
        if shape and isinstance(shape[0], list | tuple):
            return [tuple(s[1:]) for s in shape]
        return [tuple(shape[1:])]
    raise ModelInputError(
        f"the input shape of model {model.name!r} is unknown: call it once on a batch of "
        "images (model(x[:1])), build it with keras.Input, or pass input_shape=(H, W, C)."
    )


def _graph_of(model: keras.Model) -> Any:
    """A Functional graph computing ``model``: itself, or for a subclassed model the graph
    made by calling its ``call`` method on a fresh ``keras.Input`` (its inner layers then get
    symbolic outputs; calling the model itself would not go inside)."""
    if _is_plain_graph(model):
        return model
    inputs = [keras.Input(shape=s) for s in _input_shapes(model)]
    outputs = model.call(inputs[0] if len(inputs) == 1 else inputs)
    return keras.Model(inputs, outputs, name=f"{model.name}_graph")


class _Tracer:
    def __init__(self, wanted: set[str] | None):
        self.wanted = wanted
        self.calls: list[_Call] = []

    def run(self, model: keras.Model, inputs: Any, prefix: str) -> Any:
        if isinstance(model, keras.Sequential):
            x = inputs
            for layer in model.layers:
                x = self.call(layer, prefix, x)
            return x
        graph = _graph_of(model)
        return graph._run_through_graph(
            inputs, operation_fn=lambda op: lambda *a, **k: self.call(op, prefix, *a, **k)
        )

    def call(self, op: Any, prefix: str, *args: Any, **kwargs: Any) -> Any:
        if isinstance(op, keras.Model):
            x = args[0] if len(args) == 1 else list(args)
            return self.run(op, x, f"{prefix}{op.name}/")
        output = op(*args, **kwargs)
        if isinstance(op, keras.layers.Layer) and not isinstance(op, keras.layers.InputLayer):
            self.calls.append(_Call(prefix + op.name, op, args, output))
            if self.wanted is not None:
                self.wanted.discard(op.name)
                self.wanted.discard(prefix + op.name)
                if not self.wanted:
                    raise _Done
        return output


def trace_layers(
    model: keras.Model,
    input_shape: Any = None,
    stop_after: Sequence[str] | None = None,
) -> Trace:
    """Call ``model``'s layers again on a fresh ``keras.Input``, going inside nested models.

    Returns a :class:`Trace` with the new inputs, the model's output and, per layer, its
    symbolic output, all in one graph, so ``keras.Model(trace.inputs, [...])`` never raises
    "graph disconnected". ``input_shape`` (without batch axis) overrides the model's own, e.g.
    ``(None, None, 3)`` to accept any image size. With ``stop_after`` the trace stops once those
    layers are reached (``output`` is then ``None``), so layers after them (a ``Flatten`` that
    needs one image size) are never called.
    """
    inputs = [keras.Input(shape=s) for s in _input_shapes(model, input_shape)]
    wanted = set(stop_after) if stop_after else None
    tracer = _Tracer(wanted)
    x = inputs[0] if len(inputs) == 1 else inputs
    try:
        output = tracer.run(model, x, "")
    except _Done:
        output = None
    if wanted:
        known = [c.path for c in tracer.calls]
        raise KeyError(f"no layer {sorted(wanted)} in the model; its layers are {known}")
    return Trace(inputs, output, tracer.calls)


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------


def activation_model(
    model: keras.Model,
    layer_names: Sequence[str] | None = None,
    input_shape: Any = None,
) -> keras.Model:
    """A model mapping ``model``'s input to the outputs of the chosen layers.

    Called on a batch it returns a list with one array per layer (Keras returns the array
    itself, not a list of one, when a single layer is chosen).

    ``layer_names`` default: every convolution and pooling layer, nested ones included, in the
    order they run. Works on Sequential, Functional, subclassed (called once) and nested
    models; layer names may refer to layers inside a nested base (``"block5_conv3"`` or
    ``"vgg16/block5_conv3"``). The returned model shares the original model's weights.
    ``activation_model(model).layer_names`` lists the chosen layers.
    """
    if layer_names is None:
        trace = trace_layers(model, input_shape)
        calls = [c for c in trace.calls if isinstance(c.layer, FEATURE_MAP_LAYERS)]
        if not calls:
            raise ValueError(f"model {model.name!r} has no convolution or pooling layer")
    else:
        if isinstance(layer_names, str):
            layer_names = [layer_names]
        trace = trace_layers(model, input_shape, stop_after=layer_names)
        calls = [trace.find(name) for name in layer_names]
    inputs = trace.inputs[0] if len(trace.inputs) == 1 else trace.inputs
    outputs = [c.output for c in calls]
    out = keras.Model(inputs, outputs, name=f"{model.name}_activations")
    out.layer_names = [c.layer.name for c in calls]
    return out


def _normalise_channel(a: np.ndarray) -> np.ndarray:
    """Scale one channel to [0, 1]; a constant channel becomes all zeros (no NaN)."""
    a = np.nan_to_num(a.astype(np.float32))
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def plot_activations(
    activations: Any,
    layer_names: Sequence[str] | None = None,
    max_channels: int = 16,
    ncols: int = 8,
    size: float = 1.3,
    cmap: str = plots.HEATMAP_CMAP,
):
    """One figure per layer: a grid of the channels of its activation for one image.

    ``activations`` is what an :func:`activation_model` returns for one image: a list of
    arrays shaped (1, H, W, C) or (H, W, C) (a dict name -> array works too, then
    ``layer_names`` may be left out). Each channel is scaled to [0, 1] on its own; channels
    that are constant (e.g. dead ReLUs) show as blank, never NaN. Layers whose output is not
    an image (e.g. after ``Flatten``) are skipped. Returns the list of figures.
    """
    import matplotlib.pyplot as plt

    if isinstance(activations, dict):
        layer_names = list(activations) if layer_names is None else list(layer_names)
        activations = [activations[n] for n in layer_names]
    activations = list(activations) if isinstance(activations, list | tuple) else [activations]
    if layer_names is None:
        layer_names = [f"layer {i}" for i in range(len(activations))]
    if len(layer_names) != len(activations):
        raise ValueError(f"{len(layer_names)} layer names for {len(activations)} activations")
    figures = []
    for name, act in zip(layer_names, activations, strict=True):
        a = np.asarray(act)
        if a.ndim == 4:
            a = a[0]
        if a.ndim != 3:
            continue
        n = min(max_channels, a.shape[-1])
        cols = max(1, min(ncols, n))
        rows = -(-n // cols)
        fig, axes = plt.subplots(
            rows, cols, figsize=(size * cols, size * rows + 0.4), squeeze=False
        )
        for i, ax in enumerate(axes.flat):
            ax.axis("off")
            if i < n:
                ax.imshow(_normalise_channel(a[..., i]), cmap=cmap, vmin=0.0, vmax=1.0)
        shown = f"{n} of {a.shape[-1]} channels" if n < a.shape[-1] else f"{n} channels"
        fig.suptitle(f"{name}  ({a.shape[0]}x{a.shape[1]}, {shown})")
        fig.tight_layout()
        flat = a[..., :n].reshape(-1, n)
        blank = int(np.sum(flat.max(axis=0) == flat.min(axis=0)))
        active = (flat > 0).mean(axis=0)  # share of positions above 0, per channel
        busiest = int(np.argmax(active))
        plots.set_alt_text(
            fig,
            f"Feature maps of layer {name}: {shown} of {a.shape[0]}x{a.shape[1]}, in a grid of "
            f"{rows} rows of {cols}, each channel scaled to its own range ({cmap}: dark low, "
            f"bright high). {blank} of {n} blank (constant). "
            + (
                f"Channel {busiest} is above 0 on the most positions, {active[busiest]:.0%}."
                if active[busiest] > 0
                else "No channel is above 0 anywhere."
            ),
        )
        figures.append(fig)
    return figures


# --------------------------------------------------------------------------------------------
# Filter patterns
# --------------------------------------------------------------------------------------------


@dataclass
class FilterPattern:
    """What :func:`filter_pattern` found: the image and how much it excites the filter."""

    image: np.ndarray  # uint8 (H, W, 3), border cropped
    start_activation: float  # mean activation of the filter on the starting (gray) image
    end_activation: float  # ... on the image returned (after the last step that was taken)
    history: list[float]  # mean activation of every image tried: the start, then each step
    undone: int = 0  # steps not taken because they lowered the activation (step halved)

    @property
    def gain(self) -> float:
        """``end_activation / start_activation`` (inf when the start was 0). Never below 1:
        a step that would lower the activation is not taken."""
        if self.start_activation > 0:
            return self.end_activation / self.start_activation
        return float("inf") if self.end_activation > 0 else 1.0


def deprocess_image(image: Any, crop: int = 0) -> np.ndarray:
    """Turn a float image of any scale into a displayable uint8 image: centre on 0, scale to
    a standard deviation of 0.15, shift to 0.5, clip to [0, 1], crop ``crop`` pixels of border
    (Chollet's recipe, which scales to 0.1)."""
    x = np.asarray(image, dtype=np.float32)
    x = x - x.mean()
    x = x / (x.std() + 1e-5) * 0.15 + 0.5
    if crop:
        x = x[crop:-crop, crop:-crop]
    return (np.clip(x, 0, 1) * 255).astype(np.uint8)


def start_image(
    size: int,
    channels: int = 3,
    value_range: tuple[float, float] = (0.0, 1.0),
    noise: float = 0.2,
    seed: int = 0,
) -> np.ndarray:
    """Where a filter-pattern search starts: the middle of ``value_range`` plus uniform noise
    of ``noise`` times its width (``seed``); float32 (1, size, size, channels)."""
    lo, hi = value_range
    rng = np.random.default_rng(seed)
    noise_image = rng.uniform(-1, 1, (1, size, size, channels))
    return (lo + (hi - lo) * (0.5 + noise / 2 * noise_image)).astype(np.float32)


def _pattern_extractor(model: keras.Model, layer_name: str, size: int | None) -> tuple:
    """(a model from the image to the layer's output, image size, channels) for patterns."""
    shapes = _input_shapes(model)
    if len(shapes) != 1 or len(shapes[0]) != 3:
        raise ValueError("filter patterns need a model with one image input (H, W, C)")
    h, w, channels = shapes[0]
    if size is None:
        size = h if (h is not None and h == w) else 128
    extractor = activation_model(model, [layer_name], input_shape=(size, size, channels))
    return extractor, size, channels


def _inner(act: Any, layer_name: str) -> Any:
    """Feature maps (N, H, W, C) without 2 border pixels (fewer on maps under 5 px), as in
    Chollet's 2nd edition: scoring only inner pixels avoids artifacts at the image's edge."""
    if act.shape.rank != 4:
        raise ValueError(f"layer {layer_name!r} has no feature maps: output shape {act.shape}")
    b = min(2, (act.shape[1] - 1) // 2, (act.shape[2] - 1) // 2)
    return act[:, b : act.shape[1] - b, b : act.shape[2] - b, :]


def filter_responses(
    model: keras.Model,
    layer_name: str,
    size: int | None = None,
    value_range: tuple[float, float] = (0.0, 1.0),
    noise: float = 0.2,
    seed: int = 0,
) -> np.ndarray:
    """Every filter's score on the start image of :func:`filter_pattern` (same arguments), from
    one forward pass: shape (filters,). A filter scoring 0 (a ReLU off everywhere) has zero
    gradient, so gradient ascent cannot start from it; pick filters scoring above 0."""
    extractor, size, channels = _pattern_extractor(model, layer_name, size)
    image = start_image(size, channels, value_range, noise, seed)
    act = _inner(extractor(image, training=False), layer_name)
    return keras.ops.convert_to_numpy(keras.ops.mean(act[0], axis=(0, 1))).astype(np.float64)


def filter_pattern(
    model: keras.Model,
    layer_name: str,
    filter_index: int,
    size: int | None = None,
    steps: int = 30,
    step_size: float = 0.02,
    seed: int = 0,
    value_range: tuple[float, float] = (0.0, 1.0),
    crop: int | None = None,
    noise: float = 0.2,
) -> FilterPattern:
    """The image that most excites one filter, found by gradient ascent.

    Start from :func:`start_image` (gray plus uniform noise of ``noise`` times the value range,
    ``seed``). The score is the mean activation of filter ``filter_index`` of layer
    ``layer_name``, border pixels left out; ``tf.GradientTape`` gives its gradient with respect
    to the image. Then ``steps`` times: move the image along the gradient, normalised to an RMS
    of 1, by ``step_size`` times the width of ``value_range`` (the range of the model's inputs,
    e.g. ``(0, 255)`` when the model rescales inside). A step that *lowers* the score is not
    taken (it overshot: ReLUs on the way switched off, and the filter may even have fallen
    silent for good): the image stays and the step is halved. So the score never decreases,
    ``gain`` is at least 1, and a broken ascent (wrong sign, step not applied) ends at exactly 1.

    ``size`` defaults to the model's input size (or 128 when that is not fixed). The result is
    deprocessed to uint8 with ``crop`` border pixels cut (default ``size // 10``). Returns a
    :class:`FilterPattern`.

    A filter that is silent (ReLU output 0) everywhere on the start image has zero gradient,
    so nothing changes (``gain`` 1.0): try another ``seed`` or more ``noise``.
    """
    (pattern,) = filter_patterns(
        model, layer_name, [filter_index], size, steps, step_size, seed, value_range, crop, noise
    )
    return pattern


def filter_patterns(
    model: keras.Model,
    layer_name: str,
    filter_indices: Sequence[int],
    size: int | None = None,
    steps: int = 30,
    step_size: float = 0.02,
    seed: int = 0,
    value_range: tuple[float, float] = (0.0, 1.0),
    crop: int | None = None,
    noise: float = 0.2,
) -> list[FilterPattern]:
    """:func:`filter_pattern` for several filters of one layer at once: one image per filter,
    all in one batch (each image's ascent is its own: its gradient, its step size), so a
    layer costs ``steps + 1`` batched passes instead of that many per filter."""
    indices = [int(i) for i in filter_indices]
    if not indices:
        return []
    extractor, size, channels = _pattern_extractor(model, layer_name, size)
    crop = size // 10 if crop is None else crop
    lo, hi = value_range
    n = len(indices)

    def scores_and_gradients(images: tf.Tensor) -> tuple[np.ndarray, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(images)
            maps = _inner(extractor(images, training=False), layer_name)
            scores = tf.reduce_mean(tf.gather(maps, indices, axis=3, batch_dims=1), axis=(1, 2))
            total = tf.reduce_sum(scores)  # image i's gradient is that of its own score
        return scores.numpy().astype(np.float64), tape.gradient(total, images)

    images = tf.constant(np.repeat(start_image(size, channels, value_range, noise, seed), n, 0))
    best, grads = scores_and_gradients(images)
    history, step, undone = [best], np.full(n, step_size * (hi - lo)), np.zeros(n, int)
    for _ in range(steps):
        rms = tf.sqrt(tf.reduce_mean(tf.square(grads), axis=(1, 2, 3), keepdims=True))
        candidates = images + step.astype(np.float32)[:, None, None, None] * (grads / (rms + 1e-8))
        scores, candidate_grads = scores_and_gradients(candidates)
        history.append(scores)
        uphill = scores >= best  # take the step (uphill or flat); else stay, halve the step
        taken = tf.constant(uphill)[:, None, None, None]
        images = tf.where(taken, candidates, images)
        grads = tf.where(taken, candidate_grads, grads)
        best = np.where(uphill, scores, best)
        step, undone = np.where(uphill, step, step / 2), undone + ~uphill
    images = images.numpy()
    return [
        FilterPattern(
            image=deprocess_image(images[i], crop),
            start_activation=float(history[0][i]),
            end_activation=float(best[i]),
            history=[float(h[i]) for h in history],
            undone=int(undone[i]),
        )
        for i in range(n)
    ]


# --------------------------------------------------------------------------------------------
# Grad-CAM
# --------------------------------------------------------------------------------------------


def _activation_name(layer: Any) -> str:
    return getattr(getattr(layer, "activation", None), "__name__", "")


def _logits(trace: Trace) -> tuple[Any, str]:
    """The model's scores before a final softmax / sigmoid, and which squashing it had.

    Gradients of a saturated probability are 0 in float32 (p = 1.0 exactly), which would give
    an empty heatmap; gradients of the logit never vanish. The logit is the input of a final
    ``Activation``/``Softmax`` layer, or the output of a twin of the final layer with the same
    weights and a linear activation.
    """
    final = next((c for c in reversed(trace.calls) if c.output is trace.output), None)
    if final is None:
        return trace.output, ""
    layer, squash = final.layer, _activation_name(final.layer)
    if isinstance(layer, keras.layers.Softmax):
        return final.inputs[0], "softmax"
    if squash not in _SQUASHING:
        return trace.output, ""
    if isinstance(layer, keras.layers.Activation):
        return final.inputs[0], squash
    config = {**layer.get_config(), "activation": "linear", "name": f"{layer.name}_logits"}
    twin = type(layer).from_config(config)
    logits = twin(*final.inputs)
    twin.set_weights(layer.get_weights())
    return logits, squash


def find_last_conv_layer(model: keras.Model, input_shape: Any = None) -> str:
    """Path of the last layer whose output is a 4-D feature map (batch, H, W, C), nested
    models included (e.g. ``"vgg16/block5_pool"``)."""
    return _last_feature_map(trace_layers(model, input_shape), model.name)


def _last_feature_map(trace: Trace, model_name: str) -> str:
    for c in reversed(trace.calls):
        if len(getattr(c.output, "shape", ())) == 4:
            return c.path
    raise ValueError(f"model {model_name!r} has no layer with a 4-D (image-like) output")


def grad_cam(
    model: keras.Model,
    image: Any,
    class_index: int | None = None,
    layer_name: str | None = None,
) -> np.ndarray:
    """Grad-CAM heatmap: where in the image the evidence for one class lies.

    ``image`` is one image (H, W, C), scaled as the model expects, or a batch (N, H, W, C).
    ``layer_name``: the feature-map layer to explain (default: the last layer with a 4-D
    output, nested models included). ``class_index``: the class to explain (default: the top
    prediction of each image). Heads ending in softmax, in a single sigmoid unit (class 1 = the
    unit, class 0 = its complement, i.e. the negative logit) or in plain logits all work; the
    score differentiated is the logit (the pre-softmax / pre-sigmoid value).

    Steps (Selvaraju et al. 2017): gradients of the class score w.r.t. the feature maps,
    averaged over space, weight the feature maps; the weighted sum goes through ReLU and is
    divided by its maximum. Returns float32 in [0, 1] at feature-map size: (H', W') for one
    image, (N, H', W') for a batch; all zeros when nothing speaks for the class.
    """
    x = np.asarray(image, dtype=np.float32)
    single = x.ndim == 3
    if single:
        x = x[None]
    if x.ndim != 4:
        raise ValueError(f"expected an image (H, W, C) or a batch (N, H, W, C), got {x.shape}")
    trace = trace_layers(model)
    name = layer_name or _last_feature_map(trace, model.name)
    conv = trace.find(name).output
    if len(conv.shape) != 4:
        raise ValueError(f"layer {name!r} has output shape {conv.shape}, not a 4-D feature map")
    logits, _ = _logits(trace)
    inputs = trace.inputs[0] if len(trace.inputs) == 1 else trace.inputs
    grad_model = keras.Model(inputs, [conv, logits])

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)  # so gradients flow even when every weight is frozen
        feature_maps, scores = grad_model(x, training=False)
        scores = tf.reshape(scores, (tf.shape(scores)[0], -1))
        if scores.shape[-1] == 1:  # one sigmoid unit (or one logit): class 1 vs class 0
            top = tf.cast(scores[:, 0] > 0, tf.int32)
            wanted = top if class_index is None else tf.fill(tf.shape(top), int(class_index))
            if class_index is not None and int(class_index) not in (0, 1):
                raise ValueError(f"class_index {class_index} for a single-unit output: use 0 or 1")
            score = tf.where(wanted == 1, scores[:, 0], -scores[:, 0])
        else:
            top = tf.argmax(scores, axis=-1, output_type=tf.int32)
            wanted = top if class_index is None else tf.fill(tf.shape(top), int(class_index))
            score = tf.gather(scores, wanted, axis=1, batch_dims=1)
    grads = tape.gradient(score, feature_maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)  # (N, 1, 1, C)
    cam = tf.nn.relu(tf.reduce_sum(weights * feature_maps, axis=-1)).numpy()
    peak = cam.reshape(len(cam), -1).max(axis=1)[:, None, None]
    cam = np.where(peak > 0, cam / np.where(peak > 0, peak, 1.0), 0.0).astype(np.float32)
    return cam[0] if single else cam


def upsample_heatmap(heatmap: Any, size: int | Sequence[int]) -> np.ndarray:
    """Resize a heatmap (H', W') to ``size`` = (H, W) (or an int for a square) bilinearly.
    Returns float32 clipped to [0, 1]."""
    size = (size, size) if isinstance(size, int) else tuple(size)
    h = np.asarray(heatmap, dtype=np.float32)
    if h.ndim != 2:
        raise ValueError(f"expected a heatmap (H, W), got shape {h.shape}")
    up = keras.ops.image.resize(h[None, :, :, None], size, interpolation="bilinear")
    return np.clip(keras.ops.convert_to_numpy(up)[0, :, :, 0], 0.0, 1.0).astype(np.float32)


def overlay_heatmap(
    image: Any, heatmap: Any, alpha: float = 0.4, cmap: str = plots.HEATMAP_CMAP
) -> np.ndarray:
    """The image with the heatmap, upsampled to its size and colored with ``cmap``, blended
    over it: ``(1 - alpha) * image + alpha * colored``. ``image`` may be uint8, float in
    [0, 1] or [0, 255], gray or color. Returns uint8 (H, W, 3).

    ``cmap`` defaults to viridis (perceptually uniform, readable with the common colour-vision
    deficiencies; low is dark purple, high bright yellow); Chollet's book uses ``"jet"``."""
    import matplotlib

    img = np.asarray(image)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    img = img.astype(np.float32)
    if np.asarray(image).dtype.kind == "f" and img.max(initial=0.0) <= 1.0:
        img = img * 255.0
    heat = upsample_heatmap(heatmap, img.shape[:2])
    colored = matplotlib.colormaps[cmap](heat)[..., :3] * 255.0
    out = (1.0 - alpha) * img + alpha * colored
    return np.clip(np.round(out), 0, 255).astype(np.uint8)
