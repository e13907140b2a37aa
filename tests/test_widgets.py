"""lrcourse.widgets: frames, nested stacks, links, formats, bad input."""
import ipywidgets as w
import numpy as np
import pytest

from lrcourse import widgets


def _draw(fig, a, b=None):
    ax = fig.subplots()
    ax.plot(np.arange(5) * a)
    ax.set_title(f"{a} {b}")


def test_one_grid_makes_a_stack_linked_to_a_slider():
    box = widgets.explorer(_draw, a=[1.0, 2.0, 3.0], initial={"a": 3.0})
    slider, stack = box.children
    assert isinstance(slider, w.SelectionSlider) and isinstance(stack, w.Stack)
    assert len(stack.children) == 3 and stack.selected_index == 2 and slider.index == 2
    assert box.stats.frames == 3 and box.stats.fmt in ("png", "svg")
    assert all(isinstance(c, w.Image) and c.value for c in stack.children)


def test_two_grids_nest_stacks_and_link_every_inner_stack():
    box = widgets.explorer(_draw, a=[1, 2], b={"x": 0, "y": 1, "z": 2}, fmt="png")
    s1, s2, outer = box.children
    assert [len(c.children) for c in outer.children] == [3, 3]
    assert s2.options == ("x", "y", "z") and s2.index == 1          # middle value by default
    assert all(inner.selected_index == 1 for inner in outer.children)
    assert box.stats.frames == 6 and len(box.stats.draw_s) == 6 and box.stats.gzip_bytes > 0


def test_compute_is_timed_separately():
    box = widgets.explorer(lambda fig, data, a: fig.subplots().plot(data), compute=lambda a: np.arange(3) * a, a=[1, 2])
    assert len(box.stats.compute_s) == 2 and box.stats.build_s > 0


def test_frames_are_reproducible():
    one = widgets.explorer(_draw, a=[1.0], fmt="svg").children[1].children[0].value
    two = widgets.explorer(_draw, a=[1.0], fmt="svg").children[1].children[0].value
    assert one == two


@pytest.mark.parametrize("kwargs, match", [
    (dict(), "one to three"),
    (dict(a=[1], b=[1], c=[1], d=[1]), "one to three"),
    (dict(a=[]), "at least one"),
    (dict(a="abc"), "sequence"),
    (dict(a=[1], fmt="gif"), "fmt"),
    (dict(a=[1], initial={"z": 1}), "unknown"),
    (dict(a=[1, 2], initial={"a": 5}), "not one of"),
    (dict(a=[0.1, 0.10000001]), "identical labels"),
])
def test_bad_input(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        widgets.explorer(_draw, **kwargs)


def test_draw_must_be_callable():
    with pytest.raises(TypeError, match="draw"):
        widgets.explorer(None, a=[1])


def test_too_many_frames():
    with pytest.raises(ValueError, match="frames"):
        widgets.explorer(_draw, a=list(range(30)), b=list(range(30)))


def test_live_explorer_updates_in_place():
    def setup(fig):
        (line,) = fig.subplots().plot([0, 1], [0, 1])
        return line

    def update(line, slope):
        line.set_ydata([0, slope])

    slope = w.FloatSlider(value=1.0, min=0, max=2)
    box = widgets.live_explorer(setup, update, controls={"slope": slope})
    first = box.children[-1].value
    slope.value = 2.0
    assert box.children[-1].value != first and len(box.timings) == 2


def test_live_explorer_blits_animated_artists_onto_a_kept_background():
    from PIL import Image
    import io

    def setup(fig):
        ax = fig.subplots()
        ax.set(xlim=(0, 1), ylim=(0, 2))
        (line,) = ax.plot([0, 1], [0, 1], animated=True)
        return line

    def update(line, slope):
        line.set_ydata([0, slope])

    slope = w.BoundedFloatText(value=1.0, min=0, max=2)
    box = widgets.live_explorer(setup, update, controls={"slope": slope})
    assert "lrcourse-live" in box._dom_classes and isinstance(box.children[1], w.HTML)
    assert "kernel" in box.children[1].value                       # says what the static page shows
    first = box.children[-1].value
    slope.value = 2.0
    slope.value = 1.0
    assert box.children[-1].value == first                          # same input, same pixels: nothing stale
    # a full redraw of the same figure gives the same picture as the blitted one
    for artist in box.figure.findobj():
        artist.set_animated(False)
    full = widgets.render_figure(box.figure, "png", 80)
    as_rgb = lambda png: np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert np.abs(as_rgb(full) - as_rgb(first)).mean() < 1


def test_live_explorer_rejects_bad_controls():
    with pytest.raises(ValueError, match="controls"):
        widgets.live_explorer(lambda fig: None, lambda h: None, controls={})
    with pytest.raises(TypeError, match=r"controls\['lr'\]"):
        widgets.live_explorer(lambda fig: None, lambda h, lr: None, controls={"lr": 0.1})


def test_backdrop_paints_lines_on_a_frozen_background():
    def static(fig):
        ax = fig.add_axes([0.1, 0.1, 0.8, 0.8])
        ax.set(xlim=(0, 1), ylim=(0, 1))

    bd = widgets.freeze_backdrop(static, (3, 2), 50, layout="none")
    assert bd.image.shape[:2] == (100, 150) and len(bd.panels) == 1
    from matplotlib.figure import Figure
    fig = Figure(figsize=(3, 2), dpi=50)
    bd.show(fig)
    bd.line(fig, 0, [0, 0.5, 1], [0, np.inf, 1])                  # non-finite point: a gap, no error
    assert widgets.render_figure(fig, "png", 50)[:8] == b"\x89PNG\r\n\x1a\n"


def _decoded(png: bytes) -> np.ndarray:
    import io
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_fast_png_path_gives_savefigs_pixels():
    import io
    from matplotlib.figure import Figure
    from PIL import Image

    fig = Figure(figsize=(3, 2), dpi=50)
    fig.subplots().plot([0, 1, 2], [2, 0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    reference = np.asarray(Image.open(buf).convert("RGB"))
    assert np.array_equal(np.asarray(widgets._agg_pixels(fig))[..., :3], reference)
    fast = _decoded(widgets.render_figure(fig, "png", 50))
    assert fast.shape == reference.shape and np.abs(fast.astype(int) - reference).mean() < 2   # palette PNG
    assert (fast[0, 0] == 255).all()                                  # the page's white stays white
    slow = _decoded(widgets.render_figure(fig, "png", 100))          # other dpi: the savefig route
    assert slow.shape == (200, 300, 3)


def test_pyplot_figures_keep_their_canvas():
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 2), dpi=50)
    canvas = fig.canvas
    widgets.render_figure(fig, "png", 50)
    assert fig.canvas is canvas
    plt.close(fig)


def test_backdrop_is_painted_pixel_for_pixel(monkeypatch):
    from matplotlib.figure import Figure

    monkeypatch.setattr(widgets, "PNG_COLOURS", None)                # true-colour PNG: exact pixels

    def static(fig):
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_title("top")

    bd = widgets.freeze_backdrop(static, (3, 2), 50)
    assert bd.image.dtype == np.uint8 and bd.image.shape == (100, 150, 4)
    fig = Figure(figsize=(3, 2), dpi=50)
    bd.apply(fig)
    assert np.array_equal(_decoded(widgets.render_figure(fig, "png", 50)), bd.image[::-1, :, :3])


def test_setup_builds_the_axes_once_and_draw_updates_them():
    made = []

    def setup(fig):
        ax = fig.subplots()
        ax.set(xlim=(0, 1), ylim=(0, 3))
        made.append(ax)
        (line,) = ax.plot([0, 1], [0, 0])
        return line

    def draw(line, a):
        line.set_ydata([0, a])

    box = widgets.explorer(draw, setup=setup, a=[1.0, 2.0, 3.0], fmt="png")
    frames = [c.value for c in box.children[1].children]
    assert len(made) == 1 and len(set(frames)) == 3
    # the same frames as drawing each one on a fresh figure
    def fresh(fig, a):
        draw(setup(fig), a)

    again = widgets.explorer(fresh, a=[1.0, 2.0, 3.0], fmt="png")
    assert [c.value for c in again.children[1].children] == frames
    with pytest.raises(TypeError, match="setup"):
        widgets.explorer(draw, setup=3, a=[1.0])


def test_setup_frames_blit_animated_artists_and_redraw_when_anything_else_changes():
    values = [1.0, 2.0, 3.0, 5.0]

    def make_setup(animated):
        def setup(fig):
            ax = fig.subplots()
            ax.set(xlim=(0, 1), ylim=(0, 4))
            (line,) = ax.plot([0.2, 0.8], [0.5, 0.5], lw=2, animated=animated)
            title = fig.suptitle(" ", animated=animated)
            return ax, line, title
        return setup

    def draw(handle, a):
        ax, line, title = handle
        line.set_ydata([0.5, min(a, 3.5)])
        title.set_text(f"a = {a}")
        if a > 4:                              # the last frame also changes the limits
            ax.set_ylim(0, 6)

    blitted = widgets.explorer(draw, setup=make_setup(True), a=values, fmt="png")
    full = widgets.explorer(draw, setup=make_setup(False), a=values, fmt="png")
    frames = [c.value for c in blitted.children[1].children]
    assert frames == [c.value for c in full.children[1].children]      # the same pictures ...
    assert len(set(frames)) == len(values)
    assert blitted.stats.full_draws == 2 and full.stats.full_draws == len(values)   # ... for less work
