"""lrcourse.plots: every recipe draws, labels its axes and uses the course style."""
import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

from lrcourse import plots
from lrcourse.problems import Quadratic


def test_contour_trajectory_labels_and_clips():
    fig, ax = plots.new_figure()
    q = Quadratic.from_condition(10.0)
    path = np.array([[1.0, 1.0], [0.5, -0.5], [100.0, 100.0]])          # last point far outside
    plots.contour_trajectory(ax, q, [path], ["GD"])
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_xlim() == (-1.5, 1.5)
    assert ax.get_legend() is not None


def test_loss_and_lr_curves():
    fig, (a, b) = plots.new_figure(1, 2)
    plots.loss_curve(a, [1.0, 0.1, 0.01, 0.0], optimum=0.0, label="run")   # zero is dropped on a log axis
    plots.lr_curve(b, np.linspace(1, 0, 10), log=False)
    plots.mark_stability_limit(b, 0.5)
    assert a.get_yscale() == "log" and "optimum" in a.get_ylabel() and b.get_xlabel() == "update step t"


def test_small_multiples_hides_unused_panels():
    fig, axes = plots.small_multiples(5, ncols=3)
    assert len(axes) == 5 and sum(ax.get_visible() for ax in fig.axes) == 5


def test_dashboard_and_palette():
    fig = plots.lr_loss_dashboard(np.ones(5), np.geomspace(1, 1e-3, 6), title="t")
    assert len(fig.axes) == 2
    assert len(set(plots.PALETTE)) == 8 and plots.STYLE["svg.fonttype"] == "none"


def test_fixed_panels_switch_the_layout_engine_off():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3), layout="constrained")
    axes = plots.fixed_panels(fig, 3, left=0.2)
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    assert len(axes) == 3 and not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    assert abs(axes[0].get_position().x0 - 0.2) < 1e-12
    two_rows = plots.fixed_panels(Figure(), 2, nrows=2)
    assert len(two_rows) == 4
    with pytest.raises(ValueError, match="ncols"):
        plots.fixed_panels(Figure(), 0)


def test_inline_backend_shows_figures_at_their_own_size():
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline.config import InlineBackend

    shell = InteractiveShell.instance()
    try:
        plots.apply_style()
        assert InlineBackend.instance(parent=shell).print_figure_kwargs["bbox_inches"] is None
    finally:
        InteractiveShell.clear_instance()


def test_plain_decade_labels():
    from matplotlib.figure import Figure

    assert plots.power_of_ten_label(1e-3) == "10⁻³" and plots.power_of_ten_label(100.0) == "10²"
    assert plots.power_of_ten_label(0.0) == ""
    ax = Figure().subplots()
    ax.set_yscale("log")
    plots.few_log_ticks(ax.yaxis, plain=True)
    assert ax.yaxis.get_major_formatter()(1e4) == "10⁴"


def _drawn(fig):
    fig.canvas.draw()
    return fig


def test_course_figures_have_light_log_axes():
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    fig, (wide, narrow) = plots.new_figure(1, 2)
    assert isinstance(fig, plots.CourseFigure)
    wide.loglog(np.geomspace(1, 1e8, 50), np.geomspace(1e-9, 1, 50))         # 8 and 9 decades
    narrow.semilogy([1, 2, 3], [1.0, 20.0, 300.0])                            # under 3 decades
    _drawn(fig)
    assert len(wide.xaxis.get_minorticklocs()) == 0 and len(wide.yaxis.get_minorticklocs()) == 0
    assert len(narrow.yaxis.get_minorticklocs()) > 0          # minor ticks kept where they are readable
    label = wide.yaxis.get_major_formatter()(1e-3)
    assert label == "10⁻³" and "$" not in label               # plain text, no mathtext
    wide.set_xscale("linear")                                 # a new scale brings matplotlib's defaults
    assert isinstance(wide.xaxis.get_minor_locator(), NullLocator)
    plt.close(fig)

    fig, ax = plots.new_figure()                              # explicit choices are left alone
    ax.loglog(np.geomspace(1, 1e8, 50), np.geomspace(1, 1e8, 50))
    ax.xaxis.set_minor_locator(matplotlib.ticker.LogLocator(subs=(2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.LogFormatterSciNotation())
    _drawn(fig)
    assert len(ax.xaxis.get_minorticklocs()) > 0
    assert "$" in ax.yaxis.get_major_formatter()(1e3)
    plt.close(fig)


def test_widget_frames_are_course_figures():
    from lrcourse import widgets

    seen = []
    w = widgets.explorer(lambda fig, lr: seen.append(fig) or fig.subplots().semilogy([1, 2], [1e-6, lr]),
                         lr=[1.0, 10.0])
    assert w.stats.frames == 2 and all(isinstance(f, plots.CourseFigure) for f in seen)
