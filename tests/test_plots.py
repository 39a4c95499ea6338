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
