import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.datasets import DataSource  # noqa: E402
from course_utils.plots import image_grid, join_histories, plot_history  # noqa: E402


class FakeHistory:
    def __init__(self, history):
        self.history = history


STAGE1 = {
    "loss": [1.0, 0.8],
    "val_loss": [1.1, 0.9],
    "accuracy": [0.5, 0.6],
    "val_accuracy": [0.5, 0.55],
}
STAGE2 = {
    "loss": [0.5, 0.4, 0.3],
    "val_loss": [0.7, 0.6, 0.65],
    "accuracy": [0.7, 0.8, 0.9],
    "val_accuracy": [0.65, 0.7, 0.68],
    "learning_rate": [1e-5] * 3,
}


def test_join_histories_concatenates_and_marks_boundaries():
    joined, boundaries = join_histories(FakeHistory(STAGE1), STAGE2)
    assert boundaries == [2]
    assert joined["loss"] == [1.0, 0.8, 0.5, 0.4, 0.3]
    assert all(math.isnan(v) for v in joined["learning_rate"][:2])
    assert joined["learning_rate"][2:] == [1e-5] * 3


def test_plot_history_draws_train_validation_and_stage_boundary():
    source = DataSource("cats", "stand-in", "pets stand-in")
    fig = plot_history(
        FakeHistory(STAGE1), STAGE2, stages=["frozen", "fine-tune"], title="VGG16", source=source
    )
    axes = fig.axes
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy"]
    for ax in axes:
        assert len(ax.lines) == 3  # train, validation, one boundary
        assert len(ax.lines[0].get_ydata()) == 5
        assert ax.lines[2].get_xdata()[0] == pytest.approx(2.5)
        assert {t.get_text() for t in ax.texts} == {"frozen", "fine-tune"}
        fig.canvas.draw()
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 5]
        assert ticks and all(float(t).is_integer() for t in ticks), "epochs are whole numbers"
    assert "pets stand-in (stand-in)" in fig._suptitle.get_text()


def test_plot_history_rejects_unknown_metric_and_stage_count():
    with pytest.raises(KeyError, match="auc"):
        plot_history(STAGE1, metrics=["auc"])
    with pytest.raises(ValueError, match="2 stage names for 1"):
        plot_history(STAGE1, stages=["a", "b"])
    with pytest.raises(TypeError):
        plot_history([1, 2, 3])


def test_image_grid_layout_titles_and_scaling():
    images = [np.full((8, 8), i, np.uint8) for i in range(5)]
    fig = image_grid(images, titles=[str(i) for i in range(5)], ncols=3, source="MNIST (real)")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(shown) == 5
    assert [ax.get_title() for ax in shown] == ["0", "1", "2", "3", "4"]
    assert "data: MNIST (real)" in fig._suptitle.get_text()
    signed = image_grid([np.linspace(-1, 1, 48).reshape(4, 4, 3)])
    shown = signed.axes[0].images[0].get_array()
    assert shown.min() >= 0 and shown.max() <= 1


def test_image_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="no images"):
        image_grid([])
    with pytest.raises(ValueError, match="2 titles for 1 images"):
        image_grid([np.zeros((4, 4))], titles=["a", "b"])


def test_compare_histories_one_colour_per_run():
    from course_utils.plots import compare_histories

    runs = {"plain": STAGE1, "augmented": FakeHistory(STAGE2)}
    fig = compare_histories(runs, title="cmp", source="pets stand-in")
    assert [ax.get_ylabel() for ax in fig.axes] == ["accuracy", "loss"]
    lines = fig.axes[0].lines
    assert len(lines) == 4  # training + validation per run
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert len(lines[3].get_ydata()) == 3 and lines[0].get_linestyle() == ":"
    assert "data: pets stand-in" in fig._suptitle.get_text()
    val = compare_histories(runs, metrics=["accuracy"], validation_only=True, chance=0.5)
    ys = [tuple(line.get_ydata()) for line in val.axes[0].lines]
    assert len(ys) == 3 and ys[-1] == (0.5, 0.5)  # two validation curves + the chance line


def test_compare_histories_rejects_missing_metric():
    from course_utils.plots import compare_histories

    with pytest.raises(KeyError, match="'plain'"):
        compare_histories({"plain": {"loss": [1.0], "val_loss": [1.0]}})
    with pytest.raises(ValueError):
        compare_histories({})


# --- Figures everyone can read: text alternatives and colours ----------------------------------

TEN_EPOCHS = {
    "loss": [1.0, 0.8, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.28, 0.25],
    "val_loss": [1.1, 0.9, 0.8, 0.7, 0.65, 0.6, 0.62, 0.66, 0.7, 0.72],
    "accuracy": [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.83, 0.86, 0.88, 0.9],
    "val_accuracy": [0.5, 0.6, 0.7, 0.75, 0.78, 0.81, 0.8, 0.79, 0.78, 0.77],
}


def test_plot_history_alt_text_names_peak_epoch_and_values():
    from course_utils.plots import alt_text

    fig = plot_history(TEN_EPOCHS, title="MNIST convnet", source="MNIST (real)")
    alt = alt_text(fig)
    assert alt.startswith("Line chart 'MNIST convnet' (data: MNIST (real))"), alt
    assert "training and validation loss and accuracy over 10 epochs" in alt
    assert "validation accuracy peaks at 0.81 in epoch 6 (last 0.77)" in alt.lower()
    assert "validation loss is lowest at 0.6 in epoch 6 (last 0.72)" in alt.lower()
    assert "training accuracy ends at 0.9" in alt
    # computed from the data: another peak, another sentence
    moved = {**TEN_EPOCHS, "val_accuracy": TEN_EPOCHS["val_accuracy"][::-1]}
    assert "peaks at 0.81 in epoch 5" in alt_text(plot_history(moved))


def test_plot_history_alt_text_names_stages():
    from course_utils.plots import alt_text

    fig = plot_history(FakeHistory(STAGE1), STAGE2, stages=["frozen", "fine-tune"])
    alt = alt_text(fig)
    assert "over 5 epochs" in alt and "Stages: frozen (epochs 1-2), fine-tune (epochs 3-5)." in alt
    assert "validation accuracy peaks at 0.7 in epoch 4 (last 0.68)" in alt.lower()


def test_compare_histories_and_image_grid_alt_text():
    from course_utils.plots import alt_text, compare_histories

    runs = {"plain": STAGE1, "augmented": STAGE2}
    alt = alt_text(compare_histories(runs, metrics=["accuracy"], validation_only=True, chance=0.5))
    assert "validation accuracy of 2 models over 3 epochs" in alt
    assert "plain: validation accuracy peaks at 0.55 in epoch 2." in alt
    assert "augmented: validation accuracy peaks at 0.7 in epoch 2 (last 0.68)." in alt
    assert "Chance level 0.5" in alt and "training" not in alt

    images = [np.zeros((28, 28), np.uint8)] * 10
    fig = image_grid(images, titles=[f"digit\n{i}" for i in range(10)], title="First", source="M")
    alt = alt_text(fig)
    assert alt.startswith("Image grid 'First' (data: M): 10 images in 2 rows of 8, 28x28 grayscale")
    assert "Titles, row by row: digit 0; digit 1;" in alt and "digit 9." in alt
    many = alt_text(image_grid([np.zeros((4, 6, 3))] * 30, titles=[str(i) for i in range(30)]))
    assert "6x4 colour" in many and "; 23; and 6 more." in many


def test_right_and_wrong_marks_are_not_colour_alone():
    from course_utils.plots import OKABE_ITO, RIGHT_COLOR, WRONG_COLOR, alt_text

    images = [np.zeros((8, 8, 3), np.uint8)] * 3
    for kwargs in ({"correct": [True, False, True]}, {"title_colors": ["green", "red", "green"]}):
        fig = image_grid(images, titles=["cat", "dog", "cat"], **kwargs)
        assert [ax.get_title() for ax in fig.axes] == ["\u2713 cat", "\u2717 dog", "\u2713 cat"]
        assert [ax.title.get_color() for ax in fig.axes] == [RIGHT_COLOR, WRONG_COLOR, RIGHT_COLOR]
        assert fig.axes[1].title.get_fontweight() == "bold"
        assert "1 of 3 marked wrong" in alt_text(fig)
    assert {RIGHT_COLOR, WRONG_COLOR} == {OKABE_ITO["blue"], OKABE_ITO["vermillion"]}
    other = image_grid(images, titles=["a", "b", "c"], title_colors=["purple"] * 3)
    assert other.axes[0].get_title() == "a" and other.axes[0].title.get_color() == "purple"
    with pytest.raises(ValueError, match="2 right/wrong flags for 3"):
        image_grid(images, correct=[True, False])


def test_curves_differ_by_style_and_marker_as_well_as_colour():
    from course_utils.plots import compare_histories

    fig = plot_history(STAGE1)
    train, val = fig.axes[0].lines[:2]
    assert train.get_color() != val.get_color()
    assert (train.get_linestyle(), train.get_marker()) != (val.get_linestyle(), val.get_marker())
    runs = {"a": STAGE1, "b": STAGE2, "c": STAGE1}
    lines = compare_histories(runs, metrics=["accuracy"], validation_only=True).axes[0].lines
    assert len({line.get_marker() for line in lines}) == 3
    assert len({line.get_color() for line in lines}) == 3
    from course_utils.plots import MARKERS

    assert len(set(MARKERS)) == len(MARKERS) >= 6  # (colours: tests/test_plots_colours.py)


def test_probability_histogram_two_groups_by_colour_and_style_with_numbers_in_alt():
    from course_utils.plots import CLASS_COLORS, alt_text, probability_histogram

    p = np.array([0.05, 0.1, 0.2, 0.45, 0.6, 0.55, 0.9, 0.95, 0.99, 0.3])
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    fig = probability_histogram(p, y, ["true cats", "true dogs"], "P(dog)",
                                counted="test images", title="Test", source="pets")  # fmt: skip
    ax = fig.axes[0]
    cats, dogs = ax.patches[:2]  # one step outline per group
    assert cats.get_edgecolor() != dogs.get_edgecolor()
    assert cats.get_linestyle() != dogs.get_linestyle()
    assert matplotlib.colors.to_hex(cats.get_edgecolor()) == CLASS_COLORS[0].lower()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["true cats", "true dogs"]
    assert ax.get_xlabel() == "predicted P(dog)" and ax.get_ylabel() == "test images"
    assert fig._suptitle.get_text() == "Test | data: pets"
    assert alt_text(fig) == (
        "Histogram 'Test' (data: pets): predicted P(dog) of 10 test images, threshold 0.5 dotted. "
        "true cats (5): 80% below 0.5, median 0.20. true dogs (5): 80% above 0.5, median 0.90. "
        "30% of all between 0.4 and 0.6."
    )
    with pytest.raises(ValueError, match="apply the sigmoid"):
        probability_histogram(p * 4 - 2, y, ["a", "b"], "P(b)")
    with pytest.raises(ValueError, match="9 probabilities for 10 labels"):
        probability_histogram(p[:9], y, ["a", "b"], "P(b)")


def test_figure_bundle_adds_alt_everywhere_a_front_end_reads_it():
    from course_utils.plots import figure_bundle

    data, metadata = figure_bundle(
        {"image/png": "iVBORw0K\nGgo=\n", "text/plain": "<Figure size 640x480 with 1 Axes>"},
        {"image/png": {"width": 320, "height": 240}},
        'Line chart "a" <b> & c',
    )
    assert data["text/plain"] == 'Line chart "a" <b> & c'
    assert metadata["image/png"] == {"width": 320, "height": 240, "alt": 'Line chart "a" <b> & c'}
    assert data["text/html"] == (
        '<img src="data:image/png;base64,iVBORw0KGgo=" '
        'alt="Line chart &quot;a&quot; &lt;b&gt; &amp; c" width="320" height="240">'
    )
    plain = {"image/png": "x", "text/plain": "<Figure>"}
    assert figure_bundle(plain, None, None) == (plain, {})  # no alt: left as it was


def test_figure_displays_once_with_its_alt_text_in_ipython():
    """What a kernel sends: IPython asks the figure to display itself (_ipython_display_) and
    it publishes one bundle: the inline backend's PNG, its alt text, an <img alt> twin."""
    pytest.importorskip("IPython")
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from traitlets.config import Config

    from course_utils.plots import alt_text

    assert not InteractiveShell.initialized()  # a shell of our own, cleared again below
    config = Config()
    config.HistoryManager.enabled = False  # no history database
    shell = InteractiveShell.instance(config=config)
    shell.display_formatter.formatters["image/png"].for_type_by_name(
        "matplotlib.figure",
        "Figure",
        lambda fig: "UE5H",  # stands in for the inline backend
    )
    published = []
    original = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kw: published.append((data, metadata))
    try:
        fig = plot_history(TEN_EPOCHS, title="t")
        display(fig)
    finally:
        shell.display_pub.publish = original
        InteractiveShell.clear_instance()  # get_ipython() is None again for the other tests
    assert len(published) == 1
    data, metadata = published[0]
    assert set(data) == {"image/png", "text/html", "text/plain"}
    assert data["image/png"] == "UE5H" and data["text/plain"] == alt_text(fig)
    assert metadata["image/png"]["alt"] == alt_text(fig)
    assert 'alt="Line chart' in data["text/html"] and "base64,UE5H" in data["text/html"]
    assert hasattr(fig, "_ipython_display_")  # still there for the next display
