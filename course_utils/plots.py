"""Plot helpers every lesson uses: training curves and image grids.

Each takes an optional ``source`` (a :class:`~course_utils.datasets.DataSource` or a string)
which is added to the title, so every figure says what data it came from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _history_dict(h: Any) -> Mapping[str, Sequence[float]]:
    """Accept a keras ``History``, its ``.history`` dict, or any mapping of lists."""
    hist = getattr(h, "history", h)
    if not isinstance(hist, Mapping):
        raise TypeError(f"expected a keras History or a dict of lists, got {type(h).__name__}")
    return hist


def _source_text(source: Any) -> str:
    if source is None:
        return ""
    return getattr(source, "label", None) or str(source)


def _finish(fig: Any, title: str | None, source: Any, y: float | None = None) -> Any:
    """Gives ``fig`` the title ``"<title> | data: <source>"`` (either part may be absent)."""
    text = " | ".join(
        t for t in (title, _source_text(source) and f"data: {_source_text(source)}") if t
    )
    if text:
        fig.suptitle(text, **({"y": y} if y is not None else {}))
    fig.tight_layout()
    return fig


def join_histories(*histories: Any) -> tuple[dict[str, list[float]], list[int]]:
    """Concatenate the metrics of several training stages.

    Returns ``(joined, boundaries)``: ``joined[metric]`` is one list over all stages and
    ``boundaries`` the number of epochs completed at the end of each stage but the last.
    A metric absent from a stage is padded with NaN so epochs stay aligned.
    """
    dicts = [_history_dict(h) for h in histories]
    if not dicts:
        raise ValueError("give at least one History")
    keys: list[str] = []
    for d in dicts:
        keys += [k for k in d if k not in keys]
    joined: dict[str, list[float]] = {k: [] for k in keys}
    boundaries, total = [], 0
    for i, d in enumerate(dicts):
        n = max((len(v) for v in d.values()), default=0)
        for k in keys:
            values = [float(v) for v in d.get(k, [])]
            joined[k] += values + [float("nan")] * (n - len(values))
        total += n
        if i < len(dicts) - 1:
            boundaries.append(total)
    return joined, boundaries


def plot_history(
    *histories: Any,
    metrics: Sequence[str] | None = None,
    stages: Sequence[str] | None = None,
    title: str | None = None,
    source: Any = None,
):
    """Training curves, train vs validation, one panel per metric.

    Several histories (e.g. feature extraction then fine-tuning) are joined into one curve
    with a dashed line at each stage boundary, labeled with ``stages``. Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    joined, boundaries = join_histories(*histories)
    if metrics is None:
        metrics = [k for k in joined if not k.startswith("val_") and k != "learning_rate"]
    missing = [m for m in metrics if m not in joined]
    if missing:
        raise KeyError(f"no metric {missing} in the history; it has {sorted(joined)}")
    if stages is not None and len(stages) != len(histories):
        raise ValueError(f"{len(stages)} stage names for {len(histories)} histories")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(joined[metric]) + 1)
        ax.plot(epochs, joined[metric], "o-", ms=3, label=f"train {metric}")
        if f"val_{metric}" in joined:
            ax.plot(epochs, joined[f"val_{metric}"], "s-", ms=3, label=f"validation {metric}")
        for b in boundaries:
            ax.axvline(b + 0.5, color="gray", ls="--", lw=1)
        if stages:
            starts = [0, *boundaries]
            for start, name in zip(starts, stages, strict=True):
                ax.text(
                    start + 0.6,
                    1.0,
                    name,
                    transform=ax.get_xaxis_transform(),
                    va="bottom",
                    ha="left",
                    fontsize=8,
                    color="dimgray",
                )
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # no "epoch 1.5"
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _finish(fig, title, source, y=1.02 if stages else 0.99)


def _to_displayable(img: Any) -> np.ndarray:
    a = np.asarray(img)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.dtype.kind == "f":
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
        if lo < 0 or hi > 1:  # e.g. [-1, 1] or [0, 255] floats: rescale for display only
            a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return a


def image_grid(
    images: Any,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cmap: str | None = None,
    title: str | None = None,
    source: Any = None,
    size: float = 1.6,
    title_colors: Sequence[str] | None = None,
):
    """Show images in a grid with optional per-image titles. Returns the figure.

    Accepts uint8 or float images, gray (H, W) / (H, W, 1) or color (H, W, 3).
    Floats outside [0, 1] are rescaled for display only.
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("no images to show")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    ncols = max(1, min(ncols, len(images)))
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        a = _to_displayable(images[i])
        ax.imshow(a, cmap=cmap or ("gray" if a.ndim == 2 else None))
        if titles is not None:
            color = title_colors[i] if title_colors is not None else "black"
            ax.set_title(titles[i], fontsize=8, color=color)
    return _finish(fig, title, source)


def compare_histories(
    runs: Mapping[str, Any],
    metrics: Sequence[str] = ("accuracy", "loss"),
    validation_only: bool = False,
    chance: float | None = None,
    title: str | None = None,
    source: Any = None,
):
    """Curves of several models in one figure, one panel per metric, a colour per model.

    ``runs`` maps a model's name to its ``History`` (or history dict). Validation curves are
    solid; training curves dotted in the same colour (left out with ``validation_only``).
    ``chance`` draws a dotted gray line at that value on the first panel. Returns the figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if not runs:
        raise ValueError("give at least one run to compare")
    dicts = {name: _history_dict(h) for name, h in runs.items()}
    for name, d in dicts.items():
        missing = [
            m for m in metrics if f"val_{m}" not in d or (not validation_only and m not in d)
        ]
        if missing:
            raise KeyError(f"run {name!r} has no {missing} (it has {sorted(d)})")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes[0], metrics, strict=True):
        for (name, d), color in zip(dicts.items(), colors, strict=False):
            epochs = np.arange(1, len(d[f"val_{metric}"]) + 1)
            if not validation_only:
                ax.plot(epochs, d[metric], ":", color=color, label=f"{name}: training")
            ax.plot(
                epochs,
                d[f"val_{metric}"],
                "-",
                marker="o",
                ms=3,
                color=color,
                label=f"{name}: validation",
            )
        if chance is not None and ax is axes[0][0]:
            ax.axhline(chance, color="gray", ls=":", lw=1, label="chance")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(("validation " if validation_only else "") + metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _finish(fig, title, source)
