"""Tests of course_utils.interpret on tiny models of every kind a lesson meets.

Model kinds: Sequential (built by calling it on data, so ``model.input`` raises), Functional,
subclassed (called once), a Functional model nesting a tiny Functional "base" (after a
preprocessing layer, so the base's own input is *not* the model's input), and VGG16
(``weights=None``) nested in a Sequential model. Heads: softmax, single sigmoid unit, logits.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import CourseError  # noqa: E402
from course_utils import interpret as ci  # noqa: E402

SIZE = 16


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).uniform(0, 1, (3, SIZE, SIZE, 3)).astype("float32")


@pytest.fixture(scope="module")
def seq_model(images):
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
            keras.layers.MaxPooling2D(name="p1"),
            keras.layers.Conv2D(6, 3, activation="relu", name="c2"),
            keras.layers.Flatten(name="flat"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ]
    )
    model(images[:1])  # built by a call, no Input: model.input raises on such a model
    return model


@pytest.fixture(scope="module")
def func_model():
    keras.utils.set_random_seed(2)
    inp = keras.Input((SIZE, SIZE, 3))
    a = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="fa")(inp)
    b = keras.layers.Conv2D(4, 1, activation="relu", name="fb")(inp)
    x = keras.layers.Add(name="add")([a, b])
    x = keras.layers.MaxPooling2D(name="fpool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(inp, keras.layers.Dense(3, name="logits")(x), name="func")


class TinySubclassed(keras.Model):
    def __init__(self):
        super().__init__(name="sub")
        self.conv1 = keras.layers.Conv2D(5, 3, activation="relu", name="s_conv1")
        self.pool = keras.layers.MaxPooling2D(name="s_pool")
        self.gap = keras.layers.GlobalAveragePooling2D(name="s_gap")
        self.head = keras.layers.Dense(2, activation="softmax", name="s_head")

    def call(self, x):
        return self.head(self.gap(self.pool(self.conv1(x))))


@pytest.fixture(scope="module")
def sub_model(images):
    keras.utils.set_random_seed(3)
    model = TinySubclassed()
    model(images[:1])
    return model


@pytest.fixture(scope="module")
def nested_model():
    """A tiny Functional "base" nested after a Rescaling layer, with a sigmoid head."""
    keras.utils.set_random_seed(4)
    b_in = keras.Input((SIZE, SIZE, 3))
    b = keras.layers.Conv2D(4, 3, activation="relu", name="b_conv1")(b_in)
    b = keras.layers.Conv2D(6, 3, activation="relu", name="b_conv2")(b)
    base = keras.Model(b_in, b, name="base")
    inp = keras.Input((SIZE, SIZE, 3))
    x = keras.layers.Rescaling(2.0, offset=-1.0, name="scale")(inp)
    x = base(x)
    x = keras.layers.GlobalAveragePooling2D(name="n_gap")(x)
    out = keras.layers.Dense(1, activation="sigmoid", name="n_out")(x)
    return keras.Model(inp, out, name="nested")


@pytest.fixture(scope="module")
def vgg_model():
    keras.utils.set_random_seed(5)
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    base.trainable = False  # as in transfer learning: Grad-CAM must still get gradients
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            base,
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )


def _close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)


# --- activation_model ----------------------------------------------------------------------


def test_interpret_sequential_activations_equal_direct_layer_calls(seq_model, images):
    with pytest.raises((AttributeError, ValueError)):
        _ = seq_model.input  # the Keras 3 pitfall this module works around
    am = ci.activation_model(seq_model)
    assert am.layer_names == ["c1", "p1", "c2"]  # conv and pooling layers, in order
    acts = am(images)
    x = images
    direct = []
    for name in ["c1", "p1", "c2"]:
        x = seq_model.get_layer(name)(x)
        direct.append(x)
    assert [a.shape for a in acts] == [(3, 14, 14, 4), (3, 7, 7, 4), (3, 5, 5, 6)]
    for a, d in zip(acts, direct, strict=True):
        _close(a, d)


def test_interpret_functional_activations_equal_submodel(func_model, images):
    am = ci.activation_model(func_model, ["add", "fpool", "gap"])
    acts = am(images)
    for name, a in zip(["add", "fpool", "gap"], acts, strict=True):
        ref = keras.Model(func_model.inputs[0], func_model.get_layer(name).output)(images)
        _close(a, ref)
    assert ci.activation_model(func_model).layer_names == ["fa", "fb", "fpool"]


def test_interpret_activations_share_weights(func_model, images):
    am = ci.activation_model(func_model, ["fb"])
    layer = func_model.get_layer("fb")
    saved = layer.get_weights()
    try:
        layer.set_weights([w * 0 for w in saved])
        assert float(np.abs(am(images)).max()) == 0.0  # the new model sees the change
    finally:
        layer.set_weights(saved)
    assert float(np.abs(am(images)).max()) > 0.0


def test_interpret_subclassed_activations(sub_model, images):
    am = ci.activation_model(sub_model)
    assert am.layer_names == ["s_conv1", "s_pool"]
    conv, pool = am(images)
    _close(conv, sub_model.conv1(images))
    _close(pool, sub_model.pool(sub_model.conv1(images)))


def test_interpret_subclassed_never_called_raises_course_error():
    with pytest.raises(CourseError, match="call it once"):
        ci.activation_model(TinySubclassed())
    with pytest.raises(CourseError, match="input_shape"):
        ci.activation_model(keras.Sequential([keras.layers.Conv2D(2, 3)]))


def test_interpret_nested_base_layers_without_graph_disconnected(nested_model, images):
    base = nested_model.get_layer("base")
    with pytest.raises(ValueError):  # the naive recipe fails: base's graph is another graph
        keras.Model(nested_model.inputs, base.get_layer("b_conv2").output)
    am = ci.activation_model(nested_model, ["b_conv1", "base/b_conv2", "n_gap"])
    c1, c2, gap = am(images)
    scaled = images * 2.0 - 1.0  # the Rescaling in front of the base
    _close(c1, base.get_layer("b_conv1")(scaled))
    _close(c2, base(scaled))
    _close(gap, np.mean(np.asarray(base(scaled)), axis=(1, 2)))
    default = ci.activation_model(nested_model).layer_names
    assert default == ["b_conv1", "b_conv2"]  # found inside the nested base


def test_interpret_layer_name_errors(nested_model):
    with pytest.raises(KeyError, match="b_conv1"):  # the message lists the known layers
        ci.activation_model(nested_model, ["no_such_layer"])


def test_interpret_vgg16_nested_activations(vgg_model):
    x = np.random.default_rng(1).uniform(0, 255, (1, 32, 32, 3)).astype("float32")
    am = ci.activation_model(vgg_model, ["block1_conv1", "block5_conv3"])
    a1, a5 = am(x)
    assert a1.shape == (1, 32, 32, 64) and a5.shape == (1, 2, 2, 512)
    vgg = vgg_model.layers[0]
    ref = keras.Model(vgg.inputs[0], vgg.get_layer("block5_conv3").output)(x)
    _close(a5, ref)
    assert len(ci.activation_model(vgg_model).layer_names) == 18  # 13 conv + 5 pool


# --- plot_activations -----------------------------------------------------------------------


def test_interpret_plot_activations_grid_and_normalisation():
    rng = np.random.default_rng(0)
    conv = rng.normal(size=(1, 6, 6, 20)).astype("float32") * 50
    conv[..., 3] = 7.0  # a constant channel (e.g. a dead ReLU) must not give NaN
    pool = rng.normal(size=(3, 3, 2)).astype("float32")  # no batch axis works too
    flat = rng.normal(size=(1, 10)).astype("float32")  # not an image: skipped
    figs = ci.plot_activations([conv, pool, flat], ["conv", "pool", "flat"], max_channels=8)
    try:
        assert len(figs) == 2
        assert figs[0]._suptitle.get_text().startswith("conv")
        assert "8 of 20" in figs[0]._suptitle.get_text()
        shown = [ax.images[0].get_array() for ax in figs[0].axes if ax.images]
        assert len(shown) == 8
        for img in shown:
            assert np.isfinite(img).all() and img.min() >= 0 and img.max() <= 1
        assert float(np.ptp(shown[0])) == pytest.approx(1.0)  # scaled per channel
        assert float(np.ptp(shown[3])) == 0.0  # the constant channel: blank
        assert sum(bool(ax.images) for ax in figs[1].axes) == 2
    finally:
        for f in figs:
            plt.close(f)
    with pytest.raises(ValueError):
        ci.plot_activations([conv], ["a", "b"])


def test_interpret_plot_activations_from_activation_model(seq_model, images):
    am = ci.activation_model(seq_model)
    figs = ci.plot_activations(am.predict(images[:1], verbose=0), am.layer_names, ncols=4)
    try:
        assert [f._suptitle.get_text().split()[0] for f in figs] == ["c1", "p1", "c2"]
    finally:
        for f in figs:
            plt.close(f)


# --- filter_pattern -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pattern_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(8, 3, activation="relu", name="c1"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(16, 3, activation="relu", name="c2"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(16, 3, activation="relu", name="c3"),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )


def test_filter_pattern_raises_activation(pattern_model):
    """Gradient ascent must raise the filter's mean activation at least 10-fold.

    Why 10: the net is piecewise linear (conv + ReLU + max-pool), so along the ascent the
    response grows about in proportion to how far the image moved along the gradient. The
    start image is gray with noise of RMS 0.058 (of the value range); 30 normalised steps of
    0.02 move it up to 0.6 away, about 10 times the noise, and ReLUs switching on add more
    (measured: 20-113x over filters 1-7 of this model). A broken ascent (wrong sign, gradient
    not reaching the image, step not applied) gives 1x or less."""
    result = ci.filter_pattern(pattern_model, "c3", 1, steps=30, step_size=0.02, seed=0)
    print(
        f"\nfilter c3/1: mean activation {result.start_activation:.4f} -> "
        f"{result.end_activation:.4f} (gain {result.gain:.1f}x)"
    )
    assert result.start_activation > 0  # the filter is not silent at the start
    assert result.end_activation >= 10 * result.start_activation
    assert result.history[-1] > result.history[0]


def test_filter_pattern_image_format_and_seed(pattern_model):
    a = ci.filter_pattern(pattern_model, "c2", 2, size=40, steps=5, seed=3)
    b = ci.filter_pattern(pattern_model, "c2", 2, size=40, steps=5, seed=3)
    c = ci.filter_pattern(pattern_model, "c2", 2, size=40, steps=5, seed=4)
    assert a.image.dtype == np.uint8 and a.image.shape == (32, 32, 3)  # 40 - 2 * (40 // 10)
    assert len(a.history) == 6  # the start, then each of the 5 steps tried
    np.testing.assert_array_equal(a.image, b.image)
    assert not np.array_equal(a.image, c.image)
    assert a.image.std() > 5  # a pattern, not a flat gray


def test_filter_patterns_batch_equals_one_at_a_time(pattern_model):
    """Several filters in one batch: each image's ascent is its own (gradient, step size)."""
    batch = ci.filter_patterns(pattern_model, "c3", [1, 4, 1], steps=6, seed=2)
    for index, pattern in zip([1, 4, 1], batch, strict=True):
        alone = ci.filter_pattern(pattern_model, "c3", index, steps=6, seed=2)
        _close(pattern.history, alone.history)
        assert pattern.undone == alone.undone
        assert np.abs(pattern.image.astype(int) - alone.image).max() <= 1
    assert batch[0].history == batch[2].history  # the same filter twice: the same ascent
    assert batch[0].history != batch[1].history
    assert ci.filter_patterns(pattern_model, "c3", []) == []


def test_filter_responses_are_the_start_scores(pattern_model):
    """One forward pass gives every filter's score on the start image of filter_pattern."""
    responses = ci.filter_responses(pattern_model, "c2", size=40, seed=3)
    assert responses.shape == (16,)
    starts = [
        ci.filter_pattern(pattern_model, "c2", i, size=40, steps=0, seed=3) for i in range(16)
    ]
    _close(responses, [p.start_activation for p in starts])
    assert all(p.history == [p.start_activation] for p in starts)  # 0 steps: only the start
    assert (responses > 0).any()


def _band_model() -> keras.Model:
    """Hand-set weights: one filter that responds only to gray values in a narrow band,
    ``relu(relu(x - 0.58) - 3 relu(x - 0.62))``: rising from 0.58, a peak of 0.04 at 0.62,
    silent again from 0.64 on. On the start image (0.4-0.6) only the few pixels above 0.58
    respond, so the normalised gradient is concentrated on them and one full step carries
    them past 0.64: the filter falls silent, its gradient is 0 and it never recovers."""
    inp = keras.Input((16, 16, 1))
    ramps = keras.layers.Conv2D(2, 1, activation="relu", name="ramps")
    band = keras.layers.Conv2D(1, 1, activation="relu", name="band")
    model = keras.Model(inp, band(ramps(inp)))
    ramps.set_weights([np.ones((1, 1, 1, 2), "float32"), np.array([-0.58, -0.62], "float32")])
    band.set_weights([np.array([1.0, -3.0], "float32").reshape(1, 1, 2, 1), np.zeros(1, "float32")])
    return model


def test_filter_pattern_does_not_step_a_filter_into_silence():
    """A step that would lower the activation is not taken (the step is halved instead).

    Without that, the band filter above responds at the start (mean 0.0014) and is 0.0 after
    the first step: gain 0.0, as seen offline in lesson 09's `cpu` run on filter 5 of VGG16's
    block2_conv1 (random weights). With it, the activation never decreases and climbs to the
    band's peak: the pixels that responded end near 0.62 (gain about 4)."""
    result = ci.filter_pattern(_band_model(), "band", 0, steps=30, step_size=0.02, seed=0)
    print(
        f"\nband filter: {result.start_activation:.4f} -> {result.end_activation:.4f} "
        f"(gain {result.gain:.2f}), activations tried {np.round(result.history[:6], 4)}"
    )
    assert result.start_activation > 0  # it responds at the start
    assert result.end_activation >= 2 * result.start_activation  # the ascent climbed
    assert result.history[1] == 0.0  # the first full step would have silenced it ...
    assert result.undone >= 1  # ... so it was not taken


def test_filter_pattern_broken_ascent_ends_at_gain_one(pattern_model):
    """The lessons' check ``gain >= 2`` must fail for a broken ascent: going *down* the
    gradient (a wrong sign), every step lowers the activation and is not taken."""
    good = ci.filter_pattern(pattern_model, "c3", 1, steps=10, step_size=0.02)
    wrong_sign = ci.filter_pattern(pattern_model, "c3", 1, steps=10, step_size=-0.02)
    assert good.gain >= 2 and good.undone == 0
    assert wrong_sign.gain == 1.0 and wrong_sign.undone == 10


def test_filter_pattern_nested_vgg16(vgg_model):
    r = ci.filter_pattern(vgg_model, "block2_conv1", 1, steps=4, value_range=(0, 255))
    assert r.image.shape == (26, 26, 3)  # 32 - 2 * 3
    assert r.end_activation > r.start_activation


# --- grad_cam -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["seq", "func", "sub", "nested"])
def test_grad_cam_shapes_and_range(kind, request, images):
    model = request.getfixturevalue(f"{kind}_model")
    expected = {"seq": (5, 5), "func": (8, 8), "sub": (7, 7), "nested": (12, 12)}[kind]
    heat = ci.grad_cam(model, images[0])
    assert heat.shape == expected and heat.dtype == np.float32
    assert heat.min() >= 0 and heat.max() <= 1 and np.isfinite(heat).all()
    batch = ci.grad_cam(model, images, class_index=0)
    assert batch.shape == (len(images), *expected)
    assert set(np.round(batch.reshape(3, -1).max(axis=1), 5)) <= {0.0, 1.0}


def test_grad_cam_finds_last_feature_map_layer(seq_model, func_model, nested_model, vgg_model):
    assert ci.find_last_conv_layer(seq_model) == "c2"
    assert ci.find_last_conv_layer(func_model) == "fpool"
    assert ci.find_last_conv_layer(nested_model) == "base/b_conv2"
    assert ci.find_last_conv_layer(vgg_model).endswith("/block5_pool")


def test_grad_cam_vgg16_nested_frozen_base(vgg_model):
    x = np.random.default_rng(2).uniform(0, 255, (32, 32, 3)).astype("float32")
    heat = ci.grad_cam(vgg_model, x, layer_name="block4_conv3")
    assert heat.shape == (4, 4)
    assert heat.max() == pytest.approx(1.0)  # gradients reached the frozen base


def _two_square_image(size=16):
    """A red square top-left (the evidence for class 1), a green one bottom-right (class 0)."""
    img = np.zeros((size, size, 3), "float32")
    img[2:5, 2:5, 0] = 1.0
    img[11:14, 11:14, 1] = 1.0
    return img


def _evidence_model(head: str, gain: float = 1.0):
    """Hand-set weights: feature map 0 = red, 1 = green; class 1 is decided by red, class 0 by
    green, so Grad-CAM must point at the red square for class 1, the green one for class 0."""
    inp = keras.Input((16, 16, 3))
    conv = keras.layers.Conv2D(2, 1, activation="relu", name="colors")
    x = conv(inp)
    x = keras.layers.GlobalAveragePooling2D()(x)
    units = 1 if head == "sigmoid" else 2
    dense = keras.layers.Dense(units, activation=None if head == "logits" else head)
    model = keras.Model(inp, dense(x))
    kernel = np.zeros((1, 1, 3, 2), "float32")
    kernel[0, 0, 0, 0] = kernel[0, 0, 1, 1] = 1.0
    conv.set_weights([kernel, np.zeros(2, "float32")])
    w = np.array([[1.0], [-1.0]]) if units == 1 else np.array([[0.0, 1.0], [1.0, 0.0]])
    dense.set_weights([(w * gain).astype("float32"), np.zeros(units, "float32")])
    return model


@pytest.mark.parametrize("head", ["softmax", "sigmoid", "logits"])
def test_grad_cam_points_at_the_evidence(head):
    model = _evidence_model(head)
    img = _two_square_image()
    for cls, (r0, r1) in {1: (2, 5), 0: (11, 14)}.items():
        heat = ci.grad_cam(model, img, class_index=cls)
        y, x = np.unravel_index(np.argmax(heat), heat.shape)
        assert r0 <= y < r1 and r0 <= x < r1, (head, cls, heat.round(2))
        other = (11, 14) if cls == 1 else (2, 5)
        assert heat[other[0] : other[1], other[0] : other[1]].max() == 0.0
    # the default class is the top prediction: class 1 when the red square is the brighter
    brighter = img.copy()
    brighter[2:5, 2:5, 0] = 3.0
    top = ci.grad_cam(model, brighter)
    assert np.unravel_index(np.argmax(top), top.shape)[0] < 5


def test_grad_cam_survives_saturated_softmax():
    """With probabilities the gradient is exactly 0 once p == 1.0 in float32; Grad-CAM uses
    the logits, so the heatmap still points at the evidence."""
    model = _evidence_model("softmax", gain=2000.0)
    img = _two_square_image()
    img[2:5, 2:5, 0] = 3.0  # more red than green: class 1 wins by a logit margin of 140
    probs = np.asarray(model(img[None]))
    assert probs[0, 1] == 1.0  # saturated
    heat = ci.grad_cam(model, img)
    assert heat.max() == pytest.approx(1.0)
    assert np.unravel_index(np.argmax(heat), heat.shape)[0] < 5


def test_grad_cam_rejects_bad_class_for_single_unit():
    with pytest.raises(ValueError, match="0 or 1"):
        ci.grad_cam(_evidence_model("sigmoid"), _two_square_image(), class_index=2)


# --- upsample_heatmap / overlay_heatmap -----------------------------------------------------


def test_interpret_upsample_heatmap():
    heat = np.zeros((4, 4), "float32")
    heat[1, 2] = 1.0
    up = ci.upsample_heatmap(heat, 32)
    assert up.shape == (32, 32) and up.dtype == np.float32
    assert up.min() >= 0 and up.max() <= 1
    y, x = np.unravel_index(np.argmax(up), up.shape)
    assert 8 <= y < 16 and 16 <= x < 24  # the cell (1, 2) of a 4x4 grid on 32x32
    _close(ci.upsample_heatmap(np.full((3, 3), 0.5), (7, 9)), np.full((7, 9), 0.5))


def test_interpret_overlay_heatmap():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (20, 24, 3), dtype=np.uint8)
    heat = rng.uniform(0, 1, (5, 6)).astype("float32")
    out = ci.overlay_heatmap(img, heat, alpha=0.4)
    assert out.shape == (20, 24, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(ci.overlay_heatmap(img, heat, alpha=0.0), img)
    only_heat = ci.overlay_heatmap(img, heat, alpha=1.0, cmap="jet")
    expected = matplotlib.colormaps["jet"](ci.upsample_heatmap(heat, (20, 24)))[..., :3] * 255
    assert np.abs(only_heat.astype(float) - expected).max() <= 0.5 + 1e-6
    gray = ci.overlay_heatmap(img[..., 0].astype("float32") / 255.0, heat, alpha=0.0)
    assert gray.shape == (20, 24, 3)
    assert np.abs(gray[..., 1].astype(int) - img[..., 0]).max() <= 1  # [0, 1] floats scaled
