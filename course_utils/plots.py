"""Plot helpers every lesson uses: training curves and image grids.

Each takes an optional ``source`` (a :class:`~course_utils.datasets.DataSource` or a string)
which is added to the title, so every figure says what data it came from.

Figures everyone can read:

- **A text alternative.** Every figure made here carries one (:func:`alt_text`): what it
  shows and its key numbers, computed from the data plotted ("... validation accuracy peaks
  at 0.81 in epoch 6 ..."). Wherever IPython shows the figure (the inline backend at the end
  of a cell, ``display(fig)``, a figure left as a cell's last value) it goes out as one
  bundle: ``image/png`` with ``metadata["image/png"]["alt"]`` (nbconvert's classic template
  reads it), ``text/html`` ``<img src="data:..." alt="...">`` (JupyterLab's image renderer
  sets no alt, its HTML renderer keeps one; nbconvert's lab, reveal and HTML exports and
  Colab show text/html first) and ``text/plain`` = the alt text (text-only front ends). Front
  ends show one of these, so the figure still appears once. See :func:`figure_bundle`. A figure
  drawn with matplotlib directly gets its text with :func:`set_alt_text`;
  :func:`outputs_without_alt` finds the figures in a notebook's outputs that have none (the
  suite fails a lesson that shows one).
- **Colour.** Classes and curves use the Okabe–Ito palette (:data:`OKABE_ITO`), safe with the
  common colour-vision deficiencies; curves also differ by line style and marker; heatmaps
  use a perceptually uniform map (:data:`HEATMAP_CMAP`); right/wrong marks pair blue and
  vermillion with a ✓/✗, never red against green alone (:func:`image_grid`'s ``correct``).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Okabe & Ito's colour-blind-safe palette ("Color Universal Design", 2002/2008), in the order
#: the course uses it for classes and curves (yellow last: pale on white).
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish green": "#009E73",
    "orange": "#E69F00",
    "reddish purple": "#CC79A7",
    "sky blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
#: Colours for classes, curves and runs, in order.
CLASS_COLORS = list(OKABE_ITO.values())
#: Markers that go with :data:`CLASS_COLORS`, so curves differ by more than colour.
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
#: Heatmaps (activations, Grad-CAM): perceptually uniform, readable in gray and with the common
#: colour-vision deficiencies (jet is neither).
HEATMAP_CMAP = "viridis"
#: A right / wrong prediction: blue + ✓ and vermillion + ✗ (never red vs green alone).
RIGHT_COLOR, WRONG_COLOR = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
RIGHT_MARK, WRONG_MARK = "\u2713", "\u2717"  # ✓ ✗ (in DejaVu Sans, matplotlib's default font)

#: Where a figure keeps its text alternative.
_ALT_ATTR = "_course_alt_text"
#: Image types that get ``alt`` metadata and an ``<img>`` in the text/html part.
_IMAGE_TYPES = ("image/png", "image/jpeg")


# --- Text alternatives -------------------------------------------------------------------------


def alt_text(fig: Any) -> str | None:
    """The text alternative of ``fig`` (``None`` if it has none)."""
    return getattr(fig, _ALT_ATTR, None)


def set_alt_text(fig: Any, text: str) -> Any:
    """Give ``fig`` the text alternative ``text``: from now on, wherever IPython displays it,
    it goes out as :func:`figure_bundle` makes it. Returns ``fig``."""
    setattr(fig, _ALT_ATTR, " ".join(str(text).split()))
    # IPython asks an object for _ipython_display_ before formatting it (the inline backend's
    # flush, display(fig), a cell's last value): this figure then publishes its own bundle.
    fig._ipython_display_ = functools.partial(_display_figure, fig)
    return fig


def figure_bundle(
    data: Mapping[str, Any], metadata: Mapping[str, Any] | None, alt: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The display bundle of a figure with its text alternative ``alt`` added.

    ``data``/``metadata`` are what IPython's formatters made of the figure (e.g. ``image/png``
    as base64, ``text/plain`` ``<Figure size ...>``). Adds ``alt`` to each image's metadata,
    replaces ``text/plain`` with ``alt``, and adds ``text/html``: the same PNG (or JPEG) as an
    ``<img>`` with the alt text and the image's width/height, if given (retina).
    """
    data, metadata = dict(data), {k: dict(v) for k, v in (metadata or {}).items()}
    if not alt:
        return data, metadata
    data["text/plain"] = alt
    for mime in _IMAGE_TYPES:
        if mime not in data:
            continue
        metadata.setdefault(mime, {})["alt"] = alt
        if "text/html" not in data:
            b64 = "".join(str(data[mime]).split())
            size = "".join(
                f' {key}="{int(metadata[mime][key])}"'
                for key in ("width", "height")
                if metadata[mime].get(key) is not None
            )
            data["text/html"] = (
                f'<img src="data:{mime};base64,{b64}" alt="{html.escape(alt, quote=True)}"{size}>'
            )
    return data, metadata


def outputs_without_alt(outputs: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """The image outputs among ``outputs`` (a notebook cell's, as nbformat stores them) that
    carry no text alternative: neither ``alt`` in an image type's metadata nor an
    ``<img ... alt="...">`` with a non-empty alt in their text/html part. One entry per such
    output: its data types, e.g. ``["image/png", "text/plain"]``. Empty when every figure
    has one."""
    missing = []
    for output in outputs:
        data = output.get("data") or {}
        images = [mime for mime in data if mime.startswith("image/")]
        if not images:
            continue
        metadata = output.get("metadata") or {}
        in_metadata = any((metadata.get(mime) or {}).get("alt") for mime in images)
        in_html = re.search(r'<img\b[^>]*\balt="[^"]+"', str(data.get("text/html", "")))
        if not (in_metadata or in_html):
            missing.append(sorted(data))
    return missing


def _display_figure(fig: Any) -> None:
    """IPython's ``_ipython_display_`` of a figure with a text alternative: the bundle IPython
    would make (same formats, resolution and cropping as the inline backend), plus the alt."""
    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    if shell is None:
        return
    hook = fig.__dict__.pop("_ipython_display_", None)  # format it as any figure, once
    try:
        data, metadata = shell.display_formatter.format(fig)
    finally:
        if hook is not None:
            fig._ipython_display_ = hook
    data, metadata = figure_bundle(data, metadata, alt_text(fig))
    if data:
        publish_display_data(data, metadata)


def _num(value: float) -> str:
    """A metric value in an alt text: three significant digits."""
    return f"{value:.3g}"


def _lower_is_better(metric: str) -> bool:
    name = metric.lower()
    return any(k in name for k in ("loss", "error", "mse", "mae", "entropy"))


def _best(values: Sequence[float], metric: str) -> tuple[float, int] | None:
    """(best value, its 1-based epoch) ignoring NaN; None if there is no value."""
    a = np.asarray(values, dtype=float)
    if a.size == 0 or np.all(np.isnan(a)):
        return None
    i = int(np.nanargmin(a) if _lower_is_better(metric) else np.nanargmax(a))
    return float(a[i]), i + 1


def _last(values: Sequence[float]) -> float | None:
    a = np.asarray(values, dtype=float)
    a = a[~np.isnan(a)]
    return float(a[-1]) if a.size else None


def _curve_summary(values: Sequence[float], metric: str, who: str) -> str:
    """E.g. "validation accuracy peaks at 0.81 in epoch 6 (last 0.79)"."""
    best, last = _best(values, metric), _last(values)
    if best is None:
        return f"{who} {metric}: no values"
    word = "is lowest at" if _lower_is_better(metric) else "peaks at"
    text = f"{who} {metric} {word} {_num(best[0])} in epoch {best[1]}"
    return text + (f" (last {_num(last)})" if last is not None and last != best[0] else "")


def _named(title: str | None, source: Any) -> str:
    """ "'<title>' (data: <source>)" with either part left out when absent."""
    parts = [f"'{title}'" if title else "", f"(data: {_source_text(source)})" if source else ""]
    return " ".join(p for p in parts if p)


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


def _finish(
    fig: Any, title: str | None, source: Any, y: float | None = None, alt: str | None = None
) -> Any:
    """Gives ``fig`` the title ``"<title> | data: <source>"`` (either part may be absent) and
    the text alternative ``alt``."""
    text = " | ".join(
        t for t in (title, _source_text(source) and f"data: {_source_text(source)}") if t
    )
    if text:
        fig.suptitle(text, **({"y": y} if y is not None else {}))
    fig.tight_layout()
    if alt:
        set_alt_text(fig, alt)
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
        # Training: blue, solid, circles; validation: vermillion, dashed, squares.
        ax.plot(epochs, joined[metric], "o-", ms=3, color=CLASS_COLORS[0], label=f"train {metric}")
        if f"val_{metric}" in joined:
            ax.plot(
                epochs,
                joined[f"val_{metric}"],
                "s--",
                ms=3,
                color=CLASS_COLORS[1],
                label=f"validation {metric}",
            )
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
    alt = _history_alt(joined, metrics, boundaries, stages, title, source)
    return _finish(fig, title, source, y=1.02 if stages else 0.99, alt=alt)


def _history_alt(joined, metrics, boundaries, stages, title, source) -> str:
    """E.g. "Line chart 'MNIST convnet' (data: MNIST): training and validation accuracy and loss
    over 10 epochs. Validation accuracy peaks at 0.81 in epoch 6 (last 0.79); training ..."."""
    n = max((len(joined[m]) for m in metrics), default=0)
    has_val = any(f"val_{m}" in joined for m in metrics)
    what = ("training and validation " if has_val else "training ") + " and ".join(metrics)
    head = " ".join(p for p in ("Line chart", _named(title, source)) if p)
    parts = [f"{head}: {what} over {n} epoch{'s' * (n != 1)}."]
    if boundaries:
        starts, ends = [0, *boundaries], [*boundaries, n]
        names = stages or [f"stage {i + 1}" for i in range(len(starts))]
        spans = [
            f"{name} (epoch{f's {a + 1}-{b}' if b > a + 1 else f' {b}'})"
            for name, a, b in zip(names, starts, ends, strict=True)
        ]
        parts.append("Stages: " + ", ".join(spans) + ".")
    for metric in metrics:
        sentences = []
        if f"val_{metric}" in joined:
            sentences.append(_curve_summary(joined[f"val_{metric}"], metric, "validation"))
        last = _last(joined[metric])
        if last is not None:
            sentences.append(f"training {metric} ends at {_num(last)}")
        if sentences:
            text = "; ".join(sentences)
            parts.append(text[0].upper() + text[1:] + ".")
    return " ".join(parts)


def _to_displayable(img: Any) -> np.ndarray:
    a = np.asarray(img)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.dtype.kind == "f":
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
        if lo < 0 or hi > 1:  # e.g. [-1, 1] or [0, 255] floats: rescale for display only
            a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return a


#: ``title_colors`` the lessons use for right and wrong predictions, drawn as :data:`RIGHT_COLOR`
#: / :data:`WRONG_COLOR` with a mark, so colour is never the only cue.
_RIGHT_WRONG_NAMES = {"green": True, "tab:green": True, "red": False, "tab:red": False}


def _marks(
    n: int, correct: Sequence[bool] | None, title_colors: Sequence[str] | None
) -> tuple[list[bool | None], list[str | None]]:
    """Per image: right (True) / wrong (False) / unmarked (None), and the title colour."""
    if correct is not None:
        if len(correct) != n:
            raise ValueError(f"{len(correct)} right/wrong flags for {n} images")
        flags = [bool(c) for c in correct]
    elif title_colors is not None:
        if len(title_colors) != n:
            raise ValueError(f"{len(title_colors)} title colours for {n} images")
        flags = [_RIGHT_WRONG_NAMES.get(str(c).lower()) for c in title_colors]
    else:
        return [None] * n, [None] * n
    colors = [
        (RIGHT_COLOR if f else WRONG_COLOR)
        if f is not None
        else (title_colors[i] if title_colors is not None else None)
        for i, f in enumerate(flags)
    ]
    return flags, colors


def image_grid(
    images: Any,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    cmap: str | None = None,
    title: str | None = None,
    source: Any = None,
    size: float = 1.6,
    title_colors: Sequence[str] | None = None,
    correct: Sequence[bool] | None = None,
):
    """Show images in a grid with optional per-image titles. Returns the figure.

    Accepts uint8 or float images, gray (H, W) / (H, W, 1) or color (H, W, 3).
    Floats outside [0, 1] are rescaled for display only.

    ``correct`` (one bool per image) marks predictions right or wrong: the title in blue with
    a ✓, or in vermillion, bold, with a ✗ (never red against green alone). ``title_colors``
    sets each title's colour; the names ``"green"`` and ``"red"`` are read as right and wrong
    and drawn the same way.
    """
    import matplotlib.pyplot as plt

    images = list(images)
    if not images:
        raise ValueError("no images to show")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    flags, colors = _marks(len(images), correct, title_colors)
    if any(f is not None for f in flags):
        base = list(titles) if titles is not None else [""] * len(images)
        titles = [
            (f"{RIGHT_MARK if f else WRONG_MARK} {t}".rstrip() if f is not None else t)
            for t, f in zip(base, flags, strict=True)
        ]
    ncols = max(1, min(ncols, len(images)))
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False
    )
    shapes = []
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        a = _to_displayable(images[i])
        shapes.append(a.shape)
        ax.imshow(a, cmap=cmap or ("gray" if a.ndim == 2 else None))
        if titles is not None:
            ax.set_title(
                titles[i],
                fontsize=8,
                color=colors[i] or "black",
                fontweight="bold" if flags[i] is False else "normal",
            )
    alt = _grid_alt(shapes, nrows, ncols, titles, flags, cmap, title, source)
    return _finish(fig, title, source, alt=alt)


#: Per-image titles an alt text lists before it says "and N more".
_ALT_TITLES = 24


def _grid_alt(shapes, nrows, ncols, titles, flags, cmap, title, source) -> str:
    """E.g. "Image grid 'First training images' (data: MNIST): 16 images in 2 rows of 8,
    28x28 grayscale. Titles: 5; 0; 4; ..."."""
    n = len(shapes)
    head = " ".join(p for p in ("Image grid", _named(title, source)) if p)
    layout = f"{n} image{'s' * (n != 1)}" + (
        f" in {nrows} rows of {ncols}" if nrows > 1 else f" in a row of {n}" if n > 1 else ""
    )
    sizes = sorted({f"{s[1]}x{s[0]}" for s in shapes})
    gray = all(len(s) == 2 for s in shapes)
    kind = "grayscale" if gray and not cmap else f"{cmap} colour map" if gray else "colour"
    if any(len(s) == 2 for s in shapes) and not gray:
        kind = "grayscale and colour"
    size_text = sizes[0] if len(sizes) == 1 else f"sizes {sizes[0]} to {sizes[-1]}"
    parts = [f"{head}: {layout}, {size_text} {kind}."]
    marked = [f for f in flags if f is not None]
    if marked:
        wrong = sum(not f for f in marked)
        parts.append(f"{wrong} of {len(marked)} marked wrong ({WRONG_MARK}).")
    if titles is not None:
        named = [" ".join(str(t).split()) for t in titles]
        if any(named):
            shown = [t or "(untitled)" for t in named[:_ALT_TITLES]]
            more = len(named) - len(shown)
            parts.append(
                "Titles, row by row: " + "; ".join(shown) + (f"; and {more} more" if more else "")
            )
            parts[-1] += "."
    return " ".join(parts)


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
    for ax, metric in zip(axes[0], metrics, strict=True):
        for k, (name, d) in enumerate(dicts.items()):
            # A colour and a marker per run (Okabe-Ito; the marker tells runs apart without colour).
            color, marker = CLASS_COLORS[k % len(CLASS_COLORS)], MARKERS[k % len(MARKERS)]
            epochs = np.arange(1, len(d[f"val_{metric}"]) + 1)
            if not validation_only:
                ax.plot(
                    epochs,
                    d[metric],
                    ":",
                    marker=marker,
                    ms=3,
                    mfc="none",
                    color=color,
                    label=f"{name}: training",
                )
            ax.plot(
                epochs,
                d[f"val_{metric}"],
                "-",
                marker=marker,
                ms=4,
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
    alt = _compare_alt(dicts, metrics, validation_only, chance, title, source)
    return _finish(fig, title, source, alt=alt)


def _compare_alt(dicts, metrics, validation_only, chance, title, source) -> str:
    """E.g. "Line chart 'cmp' (data: ...): validation accuracy of 2 models over 10 epochs.
    plain: validation accuracy peaks at 0.7 in epoch 4 (last 0.68); ..."."""
    n = max(len(d[f"val_{m}"]) for d in dicts.values() for m in metrics)
    what = ("validation " if validation_only else "training and validation ") + " and ".join(
        metrics
    )
    head = " ".join(p for p in ("Line chart", _named(title, source)) if p)
    parts = [f"{head}: {what} of {len(dicts)} models over {n} epoch{'s' * (n != 1)}."]
    for name, d in dicts.items():
        sentences = [_curve_summary(d[f"val_{m}"], m, "validation") for m in metrics]
        if not validation_only:
            sentences += [
                f"training {m} ends at {_num(v)}" for m in metrics if (v := _last(d[m])) is not None
            ]
        parts.append(f"{name}: " + "; ".join(sentences) + ".")
    if chance is not None:
        parts.append(f"Chance level {_num(chance)} marked on the {metrics[0]} panel.")
    return " ".join(parts)


def probability_histogram(
    probabilities: Any,
    labels: Any,
    groups: Sequence[str],
    quantity: str,
    counted: str = "images",
    title: str | None = None,
    source: Any = None,
    bins: int = 20,
):
    """How sure a binary classifier is: the predicted probability of the positive class for
    each example, one histogram per true label, with the decision threshold 0.5 dotted.

    ``labels`` holds 0/1; ``groups`` names the two true labels (e.g. ``["true cats", "true
    dogs"]``); ``quantity`` names the probability (``"P(dog)"``); ``counted`` what the y-axis
    counts. A good model piles the first group up near 0 and the second near 1. The two
    histograms differ by colour (Okabe-Ito) and line style. Returns the figure.
    """
    import matplotlib.pyplot as plt

    p = np.asarray(probabilities, dtype=float).reshape(-1)
    y = np.asarray(labels).reshape(-1)
    if p.shape != y.shape:
        raise ValueError(f"{p.size} probabilities for {y.size} labels")
    if len(groups) != 2:
        raise ValueError(f"give the names of the two true labels, not {list(groups)}")
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("probabilities must lie in [0, 1] (apply the sigmoid to logits first)")
    negative, positive = p[y == 0], p[y == 1]
    fig, ax = plt.subplots(figsize=(6.5, 3))
    for values, name, color, style in zip(
        (negative, positive), groups, CLASS_COLORS[:2], ("-", "--"), strict=True
    ):
        ax.hist(values, bins=bins, range=(0, 1), histtype="step", lw=1.5, color=color, ls=style,
                label=name)  # fmt: skip
    ax.axvline(0.5, color="gray", ls=":", lw=1)
    ax.set_xlabel(f"predicted {quantity}")
    ax.set_ylabel(counted)
    ax.legend(fontsize=8, loc="upper center")  # the two groups pile up at the ends
    alt = _probability_alt(negative, positive, groups, quantity, counted, title, source)
    return _finish(fig, title, source, alt=alt)


def _probability_alt(negative, positive, groups, quantity, counted, title, source) -> str:
    """E.g. "Histogram 'Test predictions' (data: ...): predicted P(dog) of 100 test images,
    20 bins from 0 to 1. true cats (50): 98% below 0.5, median 0.08. true dogs (50): 94% above
    0.5, median 0.94. 12% of all between 0.4 and 0.6."."""
    head = " ".join(p for p in ("Histogram", _named(title, source)) if p)
    both = np.concatenate([negative, positive])
    parts = [f"{head}: predicted {quantity} of {both.size} {counted}, threshold 0.5 dotted."]
    for name, values, side in ((groups[0], negative, "below"), (groups[1], positive, "above")):
        if values.size == 0:
            parts.append(f"{name}: none.")
            continue
        share = np.mean(values < 0.5) if side == "below" else np.mean(values > 0.5)
        parts.append(
            f"{name} ({values.size}): {share:.0%} {side} 0.5, median {np.median(values):.2f}."
        )
    if both.size:
        parts.append(f"{np.mean(np.abs(both - 0.5) < 0.1):.0%} of all between 0.4 and 0.6.")
    return " ".join(parts)
