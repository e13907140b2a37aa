"""Widgets whose sliders work in Jupyter *and* in the static HTML book (no kernel).

:func:`explorer` renders one frame per point of a parameter grid when the notebook executes,
puts the frames in (nested) ``ipywidgets.Stack``s of ``Image``s, and links each slider's
``index`` to the stacks' ``selected_index`` with ``jslink``/``jsdlink``. The link lives in the
browser, so moving a slider in the built HTML switches frames with no Python behind the page.
With ``setup=`` the axes are built once and each frame updates artists in place; artists made
with ``animated=True`` are then blitted (only they are drawn for a frame, over a kept background).

:func:`live_explorer` is for inputs that cannot be gridded: it recomputes on every change,
updating matplotlib artists in place and re-rendering one PNG. In the static HTML it shows the
frame for the initial values (there is no kernel to recompute).

Example::

    def draw(fig, lr, kappa):
        ax = fig.subplots()
        ...
    explorer(draw, lr=[0.01, 0.1, 1.0], kappa=[1, 10, 100])
"""
from __future__ import annotations

import gzip
import io
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as widgets
import matplotlib
import matplotlib.artist
import matplotlib.colors
import numpy as np
from matplotlib.figure import Figure

from .plots import STYLE, CourseFigure

__all__ = ["explorer", "live_explorer", "render_figure", "FrameStats", "format_value", "Backdrop", "BackdropPanel", "freeze_backdrop"]

MAX_FRAMES = 400
#: Every widget built in this Python session, in order (read by ``lrcourse.bench``).
BUILT: list[widgets.VBox] = []


@dataclass
class FrameStats:
    """What building a widget cost: counts, seconds and bytes (read by ``lrcourse.bench``)."""

    frames: int = 0
    fmt: str = ""
    compute_s: list[float] = field(default_factory=list)
    draw_s: list[float] = field(default_factory=list)
    raw_bytes: int = 0
    gzip_bytes: int = 0
    full_draws: int = 0   #: frames drawn in full (the others were blitted)

    @property
    def build_s(self) -> float:
        return float(sum(self.compute_s) + sum(self.draw_s))


def format_value(v: Any) -> str:
    """Short slider label for a value: 0.001 → '0.001', 0.9999 → '0.9999', 12500 → '1.25e+04'."""
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}"
    return str(v)


#: PNG frames are stored with a palette of this many colours (line plots need few; a palette
#: PNG is about 3x smaller than a true-colour one). ``None`` keeps true colour.
PNG_COLOURS: int | None = 64


def render_figure(fig: Figure, fmt: str = "png", dpi: int = 80) -> bytes:
    """The figure as PNG or SVG bytes, reproducibly (no creation date in the metadata).

    PNGs are quantised to :data:`PNG_COLOURS` colours (maximum coverage, no dithering: on
    the course's frames twice as fast as median cut, with a smaller largest colour error and
    smaller files; unlike the fast octree it keeps white exactly white). When the
    figure's own dpi is ``dpi`` and it is not a pyplot figure, the PNG is made from one Agg
    draw of the canvas (no intermediate true-colour PNG to encode and decode again): the same
    pixels as ``savefig``, in about half the time.
    """
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None})
        return buf.getvalue()
    if fmt != "png":
        raise ValueError(f"fmt must be 'png' or 'svg', got {fmt!r}")
    if PNG_COLOURS is None:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        return buf.getvalue()
    from PIL import Image  # a dependency of matplotlib

    rgba = _agg_pixels(fig) if fig.dpi == dpi else None
    if rgba is None:
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
        rgba = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
    return _palette_png(rgba)


def _palette_png(pixels: np.ndarray) -> bytes:
    """PNG bytes of an (h, w, 3 or 4) uint8 image, quantised to :data:`PNG_COLOURS` colours."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(pixels[..., :3]))
    if PNG_COLOURS is not None:
        image = image.quantize(colors=PNG_COLOURS, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _agg_pixels(fig: Figure) -> np.ndarray | None:
    """RGBA pixels of one Agg draw of a standalone figure; ``None`` for a pyplot figure (whose
    canvas must not be replaced) or a transparent one (``savefig`` then decides the background)."""
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    facecolor = matplotlib.rcParams["savefig.facecolor"]
    if facecolor != "auto" and matplotlib.colors.to_rgba(facecolor) != matplotlib.colors.to_rgba(fig.get_facecolor()):
        return None
    canvas = fig.canvas
    if type(canvas) is FigureCanvasBase:
        canvas = FigureCanvasAgg(fig)
    elif not isinstance(canvas, FigureCanvasAgg) or getattr(canvas, "manager", None) is not None:
        return None
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())


class _Pixels(matplotlib.artist.Artist):
    """Paints a fixed RGBA image over the whole figure, pixel for pixel (no resampling)."""

    def __init__(self, rgba: np.ndarray):
        super().__init__()
        self._rgba = rgba
        self.set_zorder(-10)

    def draw(self, renderer) -> None:
        if not self.get_visible():
            return
        gc = renderer.new_gc()
        renderer.draw_image(gc, 0, 0, self._rgba)
        gc.restore()


@dataclass(frozen=True)
class Backdrop:
    """The static part of a frame, rendered once: an RGBA image and, per axes, its frozen data
    transform, clip box (pixels) and limits. Frames paint only their moving lines on top of it,
    which makes a frame several times faster to draw than re-drawing axes, ticks and contours."""

    image: np.ndarray   #: RGBA uint8, rows bottom-up
    panels: tuple

    def show(self, fig: Figure) -> None:
        """Put the backdrop on an empty figure (call first in ``draw``)."""
        h, w = self.image.shape[:2]
        fw, fh = fig.get_size_inches()
        if (round(fw * fig.dpi), round(fh * fig.dpi)) != (w, h):
            raise ValueError("the frame's figsize/dpi differ from the backdrop's; pass the same to explorer")
        fig.set_layout_engine("none")
        fig.add_artist(_Pixels(self.image))

    def line(self, fig: Figure, panel: int, x, y, **style):
        """Draw a line in data coordinates of axes ``panel``; non-finite points leave gaps."""
        from matplotlib.lines import Line2D

        x, y = np.asarray(x, float), np.asarray(y, float)
        bad = ~(np.isfinite(x) & np.isfinite(y))
        transform, clip = self.panels[panel][:2]
        artist = Line2D(np.where(bad, np.nan, x), np.where(bad, np.nan, y), transform=transform, **style)
        artist.set_clip_box(clip)
        fig.add_artist(artist)
        return artist

    def apply(self, fig: Figure) -> list["BackdropPanel"]:
        """Show the backdrop and return one axes-like :class:`BackdropPanel` per frozen axes."""
        self.show(fig)
        return [BackdropPanel(self, fig, i) for i in range(len(self.panels))]


@dataclass(frozen=True)
class BackdropPanel:
    """Stands in for one axes of a :class:`Backdrop` in a frame: ``plot``, ``axvline``, ``axhline``."""

    backdrop: Backdrop
    fig: Figure
    index: int

    def plot(self, x, y, *fmt, **style):
        if fmt:
            raise TypeError("BackdropPanel.plot takes keyword styles only (color=, ls=, marker=)")
        return self.backdrop.line(self.fig, self.index, x, y, **style)

    def axvline(self, x, **style):
        return self.plot([x, x], list(self.backdrop.panels[self.index][3]), **style)

    def axhline(self, y, **style):
        return self.plot(list(self.backdrop.panels[self.index][2]), [y, y], **style)


def freeze_backdrop(static_draw: Callable[[Figure], Any], figsize: tuple[float, float] = (7.0, 3.2),
                    dpi: int = 80, layout: str = "constrained") -> Backdrop:
    """Render ``static_draw(fig)`` (axes, labels, contours, legend: whatever does not move) once.

    ``static_draw`` may return the list of axes that frames draw in (default: ``fig.axes``).
    ``layout`` is ``"constrained"`` (axes from ``fig.subplots``) or ``"none"`` (axes placed by
    hand with ``fig.add_axes``).
    The layout is computed once and then frozen; pass the same ``figsize`` and ``dpi`` to
    :func:`explorer`. In ``draw``, call ``backdrop.apply(fig)`` and draw on the returned panels.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if layout not in ("constrained", "none"):
        raise ValueError(f"layout must be 'constrained' or 'none', got {layout!r}")
    with matplotlib.rc_context(STYLE):
        fig = CourseFigure(figsize=figsize, dpi=dpi, layout=layout)
        axes = static_draw(fig)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()                                                   # also runs the layout
        # RGBA uint8 (a copy), first row = bottom of the figure (the order ``draw_image`` expects)
        image = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[::-1])
        axes = list(axes) if axes is not None else fig.axes
        panels = tuple((ax.transData.frozen(), ax.bbox.frozen(), ax.get_xlim(), ax.get_ylim()) for ax in axes)
        return Backdrop(image, panels)


def _options(name: str, values: Any) -> list[tuple[str, Any]]:
    """Normalise a grid to (label, value) pairs: a sequence of values or a {label: value} dict."""
    if isinstance(values, Mapping):
        pairs = [(str(k), v) for k, v in values.items()]
    elif isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"grid {name!r} must be a sequence of values or a {{label: value}} dict, got {values!r}")
    else:
        pairs = [(format_value(v), v) for v in values]
    if not pairs:
        raise ValueError(f"grid {name!r} must hold at least one value")
    labels = [p[0] for p in pairs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"grid {name!r} has values with identical labels {labels}; pass a {{label: value}} dict")
    return pairs


def _initial_index(name: str, pairs, initial: Mapping[str, Any]) -> int:
    if name not in initial:
        return len(pairs) // 2
    want = initial[name]
    for i, (label, v) in enumerate(pairs):
        if label == want or (not isinstance(v, np.ndarray) and v == want):
            return i
    raise ValueError(f"initial[{name!r}] = {want!r} is not one of the grid's values {[p[0] for p in pairs]}")


class _Blitter:
    """Pixels of a figure whose moving parts are *animated* artists (``animated=True``).

    The first call draws everything else once and keeps it as a pixel buffer; later calls
    restore that buffer and draw only the animated artists on it (matplotlib's blitting).
    Animated artists do not mark the figure stale when they change, anything else does: so when
    a frame changed something else too (limits, ticks, a legend's text), the figure is stale and
    is drawn in full again, with a new background; so is a frame whose animated artists are not
    the same ones as before. A figure without animated artists is always drawn in full.
    """

    def __init__(self, fig: Figure):
        from matplotlib.backend_bases import FigureCanvasBase
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        if type(fig.canvas) is FigureCanvasBase:
            FigureCanvasAgg(fig)
        if not isinstance(fig.canvas, FigureCanvasAgg):
            raise TypeError("blitting needs a figure on an Agg canvas (not a pyplot figure)")
        self.fig, self.canvas = fig, fig.canvas
        self.background = None
        self.animated: list = []
        self.full_draws = 0

    def pixels(self) -> np.ndarray:
        """RGBA pixels of the figure as it is now."""
        fig, canvas = self.fig, self.canvas
        animated = [a for a in fig.findobj() if a is not fig and a.get_animated()]
        if self.background is None or fig.stale or animated != self.animated:
            self.animated = animated
            canvas.draw()                                        # all but the animated artists
            self.full_draws += 1
            self.background = canvas.copy_from_bbox(fig.bbox) if self.animated else None
        else:
            canvas.restore_region(self.background)
        for artist in self.animated:
            if artist.get_visible():
                fig.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())


def explorer(draw: Callable[..., None], *, compute: Callable[..., Any] | None = None,
             setup: Callable[[Figure], Any] | None = None,
             initial: Mapping[str, Any] | None = None, descriptions: Mapping[str, str] | None = None,
             figsize: tuple[float, float] = (7.0, 3.2), dpi: int = 80, fmt: str = "auto",
             **grids: Any) -> widgets.VBox:
    """Build a slider widget from a drawing function and one to three parameter grids.

    Parameters
    ----------
    draw
        ``draw(fig, **params)`` (or ``draw(fig, data, **params)`` when ``compute`` is given)
        draws one frame on an empty :class:`~matplotlib.figure.Figure`.
    compute
        Optional ``compute(**params) -> data``, timed separately from drawing.
    setup
        Optional ``setup(fig) -> handle``, run once: it creates the axes and artists that every
        frame shares. ``draw`` then gets ``handle`` instead of a cleared figure and updates the
        artists in place (``set_data``, ``set_text``, limits). Re-using axes instead of
        re-creating them makes a frame about twice as fast. Lay the axes out with fixed margins
        (e.g. :func:`lrcourse.plots.fixed_panels`): the layout is not recomputed per frame.
        Artists made with ``animated=True`` are blitted (PNG frames): axes, ticks and everything
        else are drawn once and each frame only draws the animated artists over them, several
        times faster again. A frame that changes anything else (limits, a new artist) is drawn
        in full, so blitting never shows a stale picture.
    initial
        Initial slider positions by name (a grid value or label); default: the middle value.
    descriptions
        Slider labels by name (default: the parameter name).
    fmt
        ``"png"``, ``"svg"`` or ``"auto"`` (render the first frame both ways and keep the format
        that is smaller gzipped).
    **grids
        ``name=[values]`` or ``name={label: value}``; the first grid is the outer slider.

    Returns a ``VBox`` (sliders above the frames) with a :class:`FrameStats` in ``.stats``.
    """
    if not callable(draw):
        raise TypeError(f"draw must be callable, got {type(draw).__name__}")
    if compute is not None and not callable(compute):
        raise TypeError(f"compute must be callable or None, got {type(compute).__name__}")
    if setup is not None and not callable(setup):
        raise TypeError(f"setup must be callable or None, got {type(setup).__name__}")
    if not 1 <= len(grids) <= 3:
        raise ValueError(f"explorer takes one to three parameter grids, got {len(grids)}: {list(grids)}")
    if fmt not in ("auto", "png", "svg"):
        raise ValueError(f"fmt must be 'auto', 'png' or 'svg', got {fmt!r}")
    initial = dict(initial or {})
    unknown = set(initial) - set(grids)
    if unknown:
        raise ValueError(f"initial names unknown parameters {sorted(unknown)}; grids are {list(grids)}")
    names = list(grids)
    options = [_options(n, grids[n]) for n in names]
    n_frames = int(np.prod([len(o) for o in options]))
    if n_frames > MAX_FRAMES:
        raise ValueError(f"the grids make {n_frames} frames; at most {MAX_FRAMES} keep the page light")

    stats = FrameStats(frames=n_frames)
    with matplotlib.rc_context(STYLE):
        fig = CourseFigure(figsize=figsize, dpi=dpi, layout="constrained")
        handle = setup(fig) if setup is not None else None
        blitter = _Blitter(fig) if setup is not None and PNG_COLOURS is not None else None

        def render(fmt: str) -> bytes:
            if fmt == "png" and blitter is not None:
                return _palette_png(blitter.pixels())
            return render_figure(fig, fmt, dpi)

        def frame(values: tuple) -> widgets.Image:
            params = {n: v for n, (_, v) in zip(names, values)}
            t0 = time.perf_counter()
            data = compute(**params) if compute is not None else None
            t1 = time.perf_counter()
            if setup is None:
                fig.clear()
            target = fig if setup is None else handle
            if compute is not None:
                draw(target, data, **params)
            else:
                draw(target, **params)
            if not stats.fmt:
                if fmt == "auto":
                    candidates = {f: render(f) for f in ("svg", "png")}
                    stats.fmt = min(candidates, key=lambda f: len(gzip.compress(candidates[f])))
                    image = candidates[stats.fmt]
                else:
                    stats.fmt = fmt
                    image = render(fmt)
            else:
                image = render(stats.fmt)
            stats.compute_s.append(t1 - t0)
            stats.draw_s.append(time.perf_counter() - t1)
            stats.raw_bytes += len(image)
            stats.gzip_bytes += len(gzip.compress(image))
            return widgets.Image(value=image, format="svg+xml" if stats.fmt == "svg" else "png",
                                 layout=widgets.Layout(width="100%", max_width=f"{int(figsize[0] * dpi)}px"))

        def build(level: int, prefix: tuple) -> tuple[widgets.Widget, list[list[widgets.Stack]]]:
            """A frame, or a Stack of sub-stacks; also returns the stacks of each depth."""
            if level == len(names):
                return frame(prefix), []
            children, depth_stacks = [], [[] for _ in range(len(names) - level - 1)]
            for opt in options[level]:
                child, sub = build(level + 1, prefix + (opt,))
                children.append(child)
                for d, stacks in enumerate(sub):
                    depth_stacks[d].extend(stacks)
            stack = widgets.Stack(children=children, selected_index=_initial_index(names[level], options[level], initial))
            return stack, [[stack]] + depth_stacks

        top, stacks_by_depth = build(0, ())

    descriptions = dict(descriptions or {})
    sliders = []
    for name, opts, stacks in zip(names, options, stacks_by_depth):
        slider = widgets.SelectionSlider(
            options=[label for label, _ in opts], index=_initial_index(name, opts, initial),
            description=descriptions.get(name, name), continuous_update=True,
            style={"description_width": "initial"}, layout=widgets.Layout(width="420px"),
        )
        for st in stacks:
            (widgets.jslink if len(stacks) == 1 else widgets.jsdlink)((slider, "index"), (st, "selected_index"))
        sliders.append(slider)
    box = widgets.VBox([*sliders, top])
    box.stats = stats
    stats.full_draws = blitter.full_draws if blitter is not None else n_frames
    BUILT.append(box)
    return box


LIVE_NOTE = ("<small><b>Live widget</b>: it recomputes on every change while a Python kernel runs "
             "this notebook (Jupyter). The static book has no kernel, so there it shows the "
             "picture for the initial values.</small>")


def live_explorer(setup: Callable[[Figure], Any], update: Callable[..., None], *,
                  controls: Mapping[str, widgets.ValueWidget], figsize: tuple[float, float] = (7.0, 3.2),
                  dpi: int = 80, note: str | None = LIVE_NOTE) -> widgets.VBox:
    """A widget that recomputes on every change (for inputs that cannot be gridded).

    ``setup(fig) -> handle`` creates the axes and artists once; ``update(handle, **values)``
    changes the artists in place (``set_data``, ``set_ydata``, ``set_text`` …) for the
    controls' current values. Artists that change should be made with ``animated=True``: the
    rest of the figure (axes, ticks, contours) is then drawn once, kept as a pixel buffer, and
    each update only restores that buffer and draws the animated artists on it (matplotlib's
    blitting), which is several times faster than a full redraw. Without animated artists the
    whole figure is redrawn. Keep axis limits fixed in ``update`` when blitting (the
    background is not redrawn).

    In the static HTML the widget shows the frame of the initial values, with ``note`` (HTML,
    ``None`` for none) saying so. ``.timings`` collects (compute+update, render) seconds per
    update for the benchmark; ``.refresh()`` re-renders.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not callable(setup) or not callable(update):
        raise TypeError("setup and update must be callable")
    if not controls or not isinstance(controls, Mapping):
        raise ValueError("controls must name at least one widget, e.g. controls={'lr': FloatLogSlider()}")
    for name, c in controls.items():
        if not isinstance(c, widgets.ValueWidget):
            raise TypeError(f"controls[{name!r}] must be an ipywidgets value widget, got {type(c).__name__}")
    with matplotlib.rc_context(STYLE):
        fig = CourseFigure(figsize=figsize, dpi=dpi, layout="constrained")
        handle = setup(fig)
        FigureCanvasAgg(fig).draw()       # runs the layout engine once ...
        fig.set_layout_engine("none")     # ... and freezes it: updates neither pay for it nor move the axes
    blitter = _Blitter(fig)
    image = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width=f"{int(figsize[0] * dpi)}px"))
    timings: list[tuple[float, float]] = []

    def render() -> bytes:
        with matplotlib.rc_context(STYLE):
            return _palette_png(blitter.pixels())

    def refresh(*_):
        t0 = time.perf_counter()
        update(handle, **{name: c.value for name, c in controls.items()})
        t1 = time.perf_counter()
        image.value = render()
        timings.append((t1 - t0, time.perf_counter() - t1))

    for c in controls.values():
        c.observe(refresh, names="value")
    refresh()
    parts = [*controls.values(), image]
    if note:
        parts.insert(len(controls), widgets.HTML(note))
    box = widgets.VBox(parts)
    box.add_class("lrcourse-live")
    box.timings = timings
    box.refresh = refresh
    box.figure = fig
    box.controls = dict(controls)
    BUILT.append(box)
    return box

