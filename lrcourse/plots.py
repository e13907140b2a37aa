"""Figure recipes shared by the notebooks, in one consistent style.

Conventions: labelled axes with units ("update step t", "loss (½·MSE)"), log scales where a
quantity spans decades, the Okabe–Ito colour-blind-safe palette, and deterministic SVG output
(no date in the metadata, text kept as text). Every figure is a :class:`CourseFigure`: log axes
get minor ticks only where they can be read and decade labels as plain text (10⁻³), which also
halves the drawing time of a figure with log axes.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import matplotlib

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "apply_style",
    "new_figure",
    "contour_trajectory",
    "loss_curve",
    "lr_curve",
    "mark_stability_limit",
    "small_multiples",
    "lr_loss_dashboard",
    "few_log_ticks",
    "CourseFigure",
]

#: Okabe & Ito (2008) colour-blind-safe palette, black first.
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
#: The palette without black and yellow (which is hard to see on white), for lines.
LINE_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

STYLE = {
    "axes.prop_cycle": matplotlib.cycler(color=LINE_COLOURS),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 10,
    "axes.titlesize": 10,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "lrcourse",
    "figure.constrained_layout.use": True,
}


def apply_style() -> None:
    """Set the course's matplotlib style globally (notebooks call this once).

    In a Jupyter kernel it also makes the inline backend show figures at their own size
    (``bbox_inches=None``) instead of cropping them to a tight box: our figures use
    constrained layout, which already fits every label inside the figure, and the tight box
    costs a second full draw of every figure (about a third of a notebook's drawing time).
    """
    matplotlib.rcParams.update(STYLE)
    _inline_figures_at_their_own_size()


def _inline_figures_at_their_own_size() -> None:
    try:
        from IPython import get_ipython
        from matplotlib_inline.config import InlineBackend
    except ImportError:  # not in IPython: nothing to configure
        return
    shell = get_ipython()
    if shell is None:
        return
    config = InlineBackend.instance(parent=shell)
    if config.print_figure_kwargs.get("bbox_inches", "tight") is not None:
        import warnings

        with warnings.catch_warnings():   # matplotlib-inline's own change handler is a deprecated traitlets form
            warnings.simplefilter("ignore", DeprecationWarning)
            config.print_figure_kwargs = {**config.print_figure_kwargs, "bbox_inches": None}


#: Log axes spanning more decades than this get no minor ticks (see :class:`CourseFigure`).
MINOR_TICK_MAX_DECADES = 3


class _SparseLogMinorLocator(ticker.LogLocator):
    """Matplotlib's minor log ticks (2…9 × 10^k) on axes spanning at most ``max_decades``
    decades, none on wider ones."""

    def __init__(self, max_decades: float = MINOR_TICK_MAX_DECADES):
        super().__init__(subs="auto")
        self.max_decades = max_decades

    def tick_values(self, vmin, vmax):
        lo, hi = sorted((vmin, vmax))
        if lo > 0 and np.log10(hi / lo) > self.max_decades:
            return np.array([])
        return super().tick_values(vmin, vmax)


def _lighten_log_axis(axis) -> None:
    if axis.get_scale() != "log":
        return
    if axis.isDefault_minloc and not isinstance(axis.get_minor_locator(), _SparseLogMinorLocator):
        axis.set_minor_locator(_SparseLogMinorLocator())
        axis.isDefault_minloc = True           # still "matplotlib's choice": a new scale replaces it
    if axis.isDefault_majfmt and type(axis.get_major_formatter()) is ticker.LogFormatterSciNotation:
        axis.set_major_formatter(ticker.FuncFormatter(power_of_ten_label))
        axis.isDefault_majfmt = True


class CourseFigure(Figure):
    """A matplotlib ``Figure`` with lighter log axes; every course figure is one
    (:func:`new_figure`, and the widgets' frames).

    Just before it is drawn (or measured), each log axis still on matplotlib's default ticks gets:

    - minor ticks only if it spans at most :data:`MINOR_TICK_MAX_DECADES` decades. Matplotlib
      puts eight unlabelled minor ticks in every decade up to ten decades (up to ~90 per axis),
      and builds a tick object for each: on a figure with log axes they took a third to
      two thirds of the drawing time, for a comb too dense to read;
    - decade labels as plain text, ``10⁻³`` (:func:`power_of_ten_label`), instead of mathtext
      that is parsed anew in every kernel.

    Ticks set explicitly (``set_major_formatter``, :func:`few_log_ticks`, ...) are left alone.
    """

    def _lighten_log_axes(self) -> None:
        for ax in self.axes:
            _lighten_log_axis(ax.xaxis)
            _lighten_log_axis(ax.yaxis)

    def draw(self, renderer):
        self._lighten_log_axes()
        return super().draw(renderer)

    def get_tightbbox(self, renderer=None, *args, **kwargs):
        self._lighten_log_axes()
        return super().get_tightbbox(renderer, *args, **kwargs)


def new_figure(nrows: int = 1, ncols: int = 1, width: float = 7.0, height: float = 3.2, **kwargs):
    """A figure and its axes in the course style (``plt.subplots`` with our defaults).

    Applies the style globally (as :func:`apply_style`): creating pyplot figures inside a
    temporary ``rc_context`` would switch the inline backend's interactive mode off on exit,
    and later figures of the notebook would silently not be shown.
    """
    apply_style()
    return plt.subplots(nrows, ncols, figsize=(width, height), FigureClass=CourseFigure, **kwargs)


def _grid_loss(problem, xlim, ylim, n=120):
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    xx, yy = np.meshgrid(xs, ys)
    zz = problem.loss(np.stack([xx, yy], axis=-1))
    return xx, yy, zz


def contour_trajectory(ax, problem, trajectories: Sequence[np.ndarray] = (), labels: Sequence[str] = (),
                       xlim=(-1.5, 1.5), ylim=(-1.5, 1.5), levels: int = 14, colours: Iterable[str] | None = None,
                       xlabel: str = r"$\theta_1$", ylabel: str = r"$\theta_2$", show_minimum: bool = True):
    """Log-spaced loss contours of a 2-D problem with optimisation paths drawn on top.

    ``trajectories`` are arrays of shape (steps + 1, 2). Points outside the window are clipped
    by the axes, so a diverging path leaves the picture instead of rescaling it.
    """
    xx, yy, zz = _grid_loss(problem, xlim, ylim)
    floor = float(np.min(zz))
    shifted = zz - floor + 1e-12
    lv = np.geomspace(max(shifted.max() * 1e-4, 1e-10), shifted.max(), levels)
    ax.contour(xx, yy, shifted, levels=lv, colors="0.6", linewidths=0.6)
    colours = list(colours) if colours is not None else LINE_COLOURS
    for i, path in enumerate(trajectories):
        path = np.asarray(path)
        label = labels[i] if i < len(labels) else None
        ax.plot(path[:, 0], path[:, 1], "-o", ms=2.5, lw=1.2, color=colours[i % len(colours)], label=label)
    if show_minimum and hasattr(problem, "minimizer"):
        m = problem.minimizer()
        ax.plot(m[0], m[1], marker="*", ms=10, color="black", ls="none", label="minimum")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_aspect("equal", adjustable="box")
    if labels:
        ax.legend(loc="upper right")
    return ax


def loss_curve(ax, losses, label: str | None = None, *, log: bool = True, optimum: float | None = None,
               ylabel: str = "loss", xlabel: str = "update step t", **plot_kwargs):
    """Loss against step on a log scale. With ``optimum`` the excess loss L − L* is drawn."""
    y = np.asarray(losses, dtype=float)
    if optimum is not None:
        y = y - optimum
        ylabel = f"{ylabel} − optimum"
    with np.errstate(invalid="ignore"):
        y = np.where(y > 0, y, np.nan) if log else y
    ax.plot(np.arange(len(y)), y, label=label, **plot_kwargs)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label:
        ax.legend()
    return ax


def lr_curve(ax, lrs, label: str | None = None, *, log: bool = False, xlabel: str = "update step t",
             ylabel: str = r"learning rate $\eta_t$", **plot_kwargs):
    """Learning rate against step (a schedule drawn over ``np.arange(T)``)."""
    y = np.asarray(lrs, dtype=float)
    ax.plot(np.arange(len(y)), y, label=label, **plot_kwargs)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if label:
        ax.legend()
    return ax


def mark_stability_limit(ax, limit: float, *, axis: str = "x", label: str | None = r"stability limit $2/\lambda_{max}$"):
    """A dashed line at the stability limit (vertical on an LR axis by default)."""
    line = ax.axvline if axis == "x" else ax.axhline
    line(limit, color="#D55E00", ls="--", lw=1, label=label)
    return ax


def small_multiples(n: int, ncols: int = 3, width: float = 7.0, panel_height: float = 2.0, **kwargs):
    """A grid of ``n`` panels (extra panels hidden); returns (fig, flat list of used axes)."""
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(nrows, ncols, width=width, height=panel_height * nrows, squeeze=False, **kwargs)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def lr_loss_dashboard(lrs, losses, *, title: str | None = None, optimum: float | None = None) -> Figure:
    """Two panels, learning rate and loss against step: the plot to log during any training run."""
    fig, (a, b) = new_figure(1, 2, width=7.5, height=2.8)
    lr_curve(a, lrs)
    loss_curve(b, losses, optimum=optimum)
    if title:
        fig.suptitle(title)
    return fig


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten_label(value: float, _pos: object = None) -> str:
    """A decade as plain text, ``1e-3`` → ``10⁻³`` (a tick formatter: no mathtext to lay out,
    which makes frames with many log ticks cheaper to draw)."""
    return f"10{str(round(np.log10(value))).translate(_SUPERSCRIPT)}" if value > 0 else ""


def few_log_ticks(axis, numticks: int = 5, plain: bool = False) -> None:
    """A log axis (``ax.yaxis`` or ``ax.xaxis``) with a handful of labelled decades, no minor ticks;
    ``plain=True`` also labels them as plain text (:func:`power_of_ten_label`)."""
    axis.set_major_locator(ticker.LogLocator(numticks=numticks))
    axis.set_minor_locator(ticker.NullLocator())
    if plain:
        axis.set_major_formatter(ticker.FuncFormatter(power_of_ten_label))


def fixed_panels(fig: Figure, ncols: int, nrows: int = 1, **margins: float) -> list:
    """``ncols`` × ``nrows`` axes on ``fig`` with fixed margins (figure fractions), no layout engine.

    For widget frames: constrained layout measures every tick label of every axes on each draw
    and is the costliest part of a frame (about 40 % of it). Defaults suit one row of panels
    with a one-line ``suptitle``; override ``left``, ``right``, ``bottom``, ``top``, ``wspace``,
    ``hspace``. Returns a flat list of axes.
    """
    if ncols < 1 or nrows < 1:
        raise ValueError(f"ncols and nrows must be at least 1, got ncols={ncols}, nrows={nrows}")
    fig.set_layout_engine("none")
    gridspec = dict(left=0.095, right=0.985, bottom=0.2, top=0.86, wspace=0.5, hspace=0.5) | margins
    axes = fig.subplots(nrows, ncols, gridspec_kw=gridspec, squeeze=False)
    return list(axes.ravel())
