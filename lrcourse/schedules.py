"""Learning-rate schedules: pure functions ``step -> lr``.

Every factory checks its arguments once and returns a :class:`Schedule`, a callable that
accepts an integer step or an array of steps (``float`` out for an int, ``ndarray`` out for
an array), built from ``np.where``/``np.floor``/``np.minimum`` in the spirit of optax's
``schedule.py``. Conventions:

* Step ``t = 0`` is the first update (PyTorch and optax count the same way): ``s(t)`` is the
  learning rate used by update number ``t``.
* Schedules that end (``total_steps``) hold their final value afterwards, as optax and Keras
  do. Where PyTorch differs, the docstring says so.
* ``repr(s)`` (also ``s.describe``) reads like the call that made it, handy for plot legends.
* Steps, and every step count a factory takes, are integers in ``[0, 2**53]`` (each exact in
  float64); larger ones are refused with a ``ValueError``.
* A growing schedule (``gamma > 1``) reaches ``inf`` once the rate exceeds the largest float
  (about 1.8e308), without a warning; every other schedule stays finite.

Loss-driven schedules need state and are small classes with ``.step(loss) -> lr``:
:class:`ReduceLROnPlateau` and :class:`BoldDriver`.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Sequence

import numpy as np

from ._checks import (
    MAX_SIZE,
    MAX_STEP,
    check_bool,
    check_choice,
    check_fraction,
    check_int,
    check_nonnegative,
    check_positive,
    check_real,
)

__all__ = [
    "Schedule", "constant", "step_decay", "multistep_decay", "piecewise_constant",
    "exponential_decay", "natural_exp_decay", "inverse_time_decay", "linear_decay",
    "polynomial_decay", "cosine_annealing", "cosine_restarts", "one_cycle", "triangular_cyclic",
    "inverse_sqrt", "linear_warmup", "join", "evaluate", "ReduceLROnPlateau", "BoldDriver",
]


def _steps(step: Any) -> tuple[np.ndarray, bool]:
    """Check ``step`` (whole number in [0, 2**53], or an array of them); return (float64 array, is_scalar)."""
    if type(step) is int and 0 <= step <= MAX_STEP:   # the common case: one step of a training loop
        return np.array(float(step)), True
    if isinstance(step, (bool, np.bool_, str, bytes)):
        raise TypeError(f"step must be an integer >= 0 or an array of them, got {step!r}")
    if isinstance(step, numbers.Integral):            # np.integer, or a Python int out of range
        if step < 0:
            raise ValueError(f"step must be >= 0 (step 0 is the first update), got {step!r}")
        if step > MAX_STEP:
            shown = step if step < 2**64 else f"an integer of {len(str(step))} digits"
            raise ValueError(f"step must be <= 2**53 = {MAX_STEP} (exact in float64), got {shown}")
        return np.array(float(step)), True
    try:
        arr = np.asarray(step)
    except (TypeError, ValueError) as exc:             # ragged lists and the like
        raise TypeError(f"step must be an integer >= 0 or an array of them: {exc}") from None
    kind = arr.dtype.kind                                   # i/u integers, f floats, anything else refused
    if kind not in "iuf":
        raise TypeError(f"step must be an integer >= 0 or an array of them, got dtype {arr.dtype}")
    t = arr.astype(np.float64)
    if kind == "f" and (not np.all(np.isfinite(t)) or np.any(t != np.floor(t))):
        raise ValueError(f"step must be a whole number (0, 1, 2, ...), got {step!r}")
    if arr.size and arr.min() < 0:
        raise ValueError(f"step must be >= 0 (step 0 is the first update), got {step!r}")
    if arr.size and t.max() > MAX_STEP:
        raise ValueError(f"step must be <= 2**53 = {MAX_STEP} (exact in float64), got {step!r}")
    return t, not isinstance(step, (np.ndarray, list, tuple))


class Schedule:
    """A learning-rate schedule: ``schedule(step) -> lr`` for an int or an array of steps."""

    def __init__(self, fn: Callable[[np.ndarray], Any], describe: str):
        self._fn = fn            # takes a float64 array of valid steps
        self.describe = describe

    def __call__(self, step: Any) -> Any:
        t, scalar = _steps(step)
        with np.errstate(over="ignore", under="ignore"):
            lr = np.broadcast_to(np.asarray(self._fn(t), dtype=np.float64), t.shape).copy()
        return float(lr) if scalar else lr

    def __repr__(self) -> str:
        return self.describe


def _fmt(name: str, **kwargs: Any) -> str:
    def show(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:g}"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(show(x) for x in v) + "]"
        return repr(v)
    return f"{name}(" + ", ".join(f"{k}={show(v)}" for k, v in kwargs.items()) + ")"


def _int_sequence(name: str, values: Any, minimum: int) -> list[int]:
    """A strictly increasing sequence of integers >= minimum."""
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of integers, got {values!r}") from None
    out = [check_int(f"{name}[{i}]", v, minimum=minimum, maximum=MAX_STEP) for i, v in enumerate(values)]
    if any(b <= a for a, b in zip(out, out[1:])):
        raise ValueError(f"{name} must be strictly increasing, got {out}")
    return out


def _as_schedule(name: str, s: Any) -> Any:
    """A callable schedule as is; a number >= 0 becomes ``constant``."""
    if callable(s):
        return s
    if isinstance(s, numbers.Real) and not isinstance(s, bool):
        return constant(check_nonnegative(name, s))
    raise TypeError(f"{name} must be a schedule (callable step -> lr) or a number >= 0, got {s!r}")


def _call(s: Any, t: np.ndarray) -> np.ndarray:
    """Evaluate a (child) schedule at integer steps max(t, 0), always as an array."""
    return np.asarray(s(np.maximum(t, 0).astype(np.int64)), dtype=np.float64)


def _check_child(name: str, s: Any) -> None:
    """A combinator calls its schedules with arrays of steps: refuse, once, one that cannot take them."""
    try:
        out = _call(s, np.arange(2.0))
        np.broadcast_to(out, (2,))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must accept an array of steps (every lrcourse schedule does; wrap a "
                        f"function of one int with np.vectorize): calling it with np.arange(2) failed: {exc}") from None


def _horizon(name: str, value: Any, minimum: int = 1) -> int:
    """A step count of a schedule: an integer in [minimum, 2**53]."""
    return check_int(name, value, minimum=minimum, maximum=MAX_STEP)


# ------------------------------------------------------------------ fixed schedules

def constant(lr: float) -> Schedule:
    """``lr(t) = lr`` for every step."""
    lr = check_nonnegative("lr", lr)
    return Schedule(lambda t: np.full(t.shape, lr), _fmt("constant", lr=lr))


def step_decay(lr: float, step_size: int, gamma: float) -> Schedule:
    """``lr(t) = lr · gamma^floor(t / step_size)``: multiply by gamma every ``step_size`` steps.

    Same sequence as ``torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)``.
    """
    lr, gamma = check_nonnegative("lr", lr), check_positive("gamma", gamma)
    n = _horizon("step_size", step_size)
    return Schedule(lambda t: lr * gamma ** np.floor(t / n) if lr > 0 else np.zeros_like(t),  # no 0·inf
                    _fmt("step_decay", lr=lr, step_size=n, gamma=gamma))


def multistep_decay(lr: float, milestones: Sequence[int], gamma: float) -> Schedule:
    """``lr(t) = lr · gamma^(number of milestones <= t)``; milestones strictly increasing ints >= 0.

    Same sequence as ``torch.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma)``.
    """
    lr, gamma = check_nonnegative("lr", lr), check_positive("gamma", gamma)
    m = _int_sequence("milestones", milestones, minimum=0)
    marks = np.asarray(m, dtype=np.float64)
    return Schedule(lambda t: lr * gamma ** np.searchsorted(marks, t, side="right") if lr > 0 else np.zeros_like(t),
                    _fmt("multistep_decay", lr=lr, milestones=m, gamma=gamma))


def piecewise_constant(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """``values[i]`` for ``boundaries[i-1] <= t < boundaries[i]`` (``len(values) == len(boundaries) + 1``).

    Keras ``PiecewiseConstantDecay`` switches one step later (``t > boundary``); here, as
    in optax, the new value is used from the boundary step itself.
    """
    b = _int_sequence("boundaries", boundaries, minimum=1)
    try:
        values = list(values)
    except TypeError:
        raise TypeError(f"values must be a sequence of numbers, got {values!r}") from None
    v = [check_nonnegative(f"values[{i}]", x) for i, x in enumerate(values)]
    if len(v) != len(b) + 1:
        raise ValueError(f"values must have len(boundaries) + 1 = {len(b) + 1} entries, got {len(v)}")
    marks, vals = np.asarray(b, dtype=np.float64), np.asarray(v)
    return Schedule(lambda t: vals[np.searchsorted(marks, t, side="right")],
                    _fmt("piecewise_constant", boundaries=b, values=v))


def exponential_decay(lr: float, gamma: float, period: float = 1, staircase: bool = False) -> Schedule:
    """``lr(t) = lr · gamma^(t / period)`` (exponent floored when ``staircase``).

    ``gamma > 1`` grows the rate geometrically, which is what the LR range test needs.
    With ``period=1`` this is ``torch.optim.lr_scheduler.ExponentialLR``; with a period it is
    Keras ``ExponentialDecay(lr, decay_steps=period, decay_rate=gamma, staircase)``.
    """
    lr, gamma = check_nonnegative("lr", lr), check_positive("gamma", gamma)
    period, staircase = check_positive("period", period), check_bool("staircase", staircase)
    def fn(t):
        p = np.floor(t / period) if staircase else t / period
        return lr * gamma ** p if lr > 0 else np.zeros_like(t)   # no 0·inf when gamma > 1
    return Schedule(fn, _fmt("exponential_decay", lr=lr, gamma=gamma, period=period, staircase=staircase))


def natural_exp_decay(lr: float, k: float) -> Schedule:
    """``lr(t) = lr · exp(−k·t)``, i.e. exponential decay with ``gamma = e^−k``."""
    lr, k = check_nonnegative("lr", lr), check_nonnegative("k", k)
    return Schedule(lambda t: lr * np.exp(-k * t), _fmt("natural_exp_decay", lr=lr, k=k))


def inverse_time_decay(lr: float, k: float, period: float = 1, staircase: bool = False) -> Schedule:
    """``lr(t) = lr / (1 + k · t / period)`` (``t / period`` floored when ``staircase``).

    Keras ``InverseTimeDecay(lr, decay_steps=period, decay_rate=k, staircase)``. The 1/t
    decay of Robbins & Monro (1951): sum of rates diverges, sum of squares converges.
    """
    lr, k = check_nonnegative("lr", lr), check_nonnegative("k", k)
    period, staircase = check_positive("period", period), check_bool("staircase", staircase)
    def fn(t):
        p = np.floor(t / period) if staircase else t / period
        return lr / (1 + k * p) if k > 0 else np.full(t.shape, lr)   # no 0·inf for a tiny period
    return Schedule(fn, _fmt("inverse_time_decay", lr=lr, k=k, period=period, staircase=staircase))


def polynomial_decay(lr: float, total_steps: int, end_lr: float = 0.0, power: float = 1.0,
                     *, _name: str = "polynomial_decay") -> Schedule:
    """``lr(t) = (lr − end_lr) · (1 − min(t, T)/T)^power + end_lr`` with ``T = total_steps``.

    Reaches ``end_lr`` at step T and holds it (optax ``polynomial_schedule``, Keras
    ``PolynomialDecay`` without ``cycle``). PyTorch ``PolynomialLR`` is the case ``end_lr = 0``.
    """
    lr, end_lr = check_nonnegative("lr", lr), check_nonnegative("end_lr", end_lr)
    T, power = _horizon("total_steps", total_steps), check_positive("power", power)
    fn = lambda t: (lr - end_lr) * (1 - np.minimum(t, T) / T) ** power + end_lr  # noqa: E731
    if _name == "linear_decay":
        return Schedule(fn, _fmt(_name, lr=lr, total_steps=T, end_lr=end_lr))
    return Schedule(fn, _fmt(_name, lr=lr, total_steps=T, end_lr=end_lr, power=power))


def linear_decay(lr: float, total_steps: int, end_lr: float = 0.0) -> Schedule:
    """``lr(t) = lr + (end_lr − lr) · min(t, T)/T``: a straight line to ``end_lr``, then held."""
    return polynomial_decay(lr, total_steps, end_lr, 1.0, _name="linear_decay")


def cosine_annealing(lr_max: float, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """``lr(t) = lr_min + ½(lr_max − lr_min)(1 + cos(π · min(t, T)/T))`` with ``T = total_steps``.

    Loshchilov & Hutter (2017), SGDR, one cycle without restart. Holds ``lr_min`` after T,
    as optax ``cosine_decay_schedule`` and Keras ``CosineDecay`` do; PyTorch's
    ``CosineAnnealingLR(T_max=T, eta_min)`` agrees for ``t <= T`` but keeps following the
    cosine past ``T_max``, so its rate rises again towards ``lr_max`` at ``2·T_max``.
    """
    lr_max, lr_min = check_nonnegative("lr_max", lr_max), check_nonnegative("lr_min", lr_min)
    if lr_min > lr_max:
        raise ValueError(f"lr_min must be <= lr_max = {lr_max}, got {lr_min}")
    T = _horizon("total_steps", total_steps)
    # ((1 + cos) / 2) first: the same floats, and no overflow for lr_max near 1e308
    return Schedule(lambda t: lr_min + (lr_max - lr_min) * ((1 + np.cos(np.pi * np.minimum(t, T) / T)) / 2),
                    _fmt("cosine_annealing", lr_max=lr_max, total_steps=T, lr_min=lr_min))


def cosine_restarts(lr_max: float, first_period: int, period_mult: int = 1, lr_min: float = 0.0) -> Schedule:
    """SGDR, cosine annealing with warm restarts (Loshchilov & Hutter 2017).

    ``lr(t) = lr_min + ½(lr_max − lr_min)(1 + cos(π · t_cur / T_i))``, where cycle i lasts
    ``T_i = first_period · period_mult^i`` steps and ``t_cur`` counts steps since the last
    restart (the rate jumps back to ``lr_max`` at each restart). The cycle index has the
    closed form ``i = floor(log_m(1 + t(m − 1)/T_0))`` for ``m = period_mult > 1``.
    Same sequence as ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(T_0=first_period,
    T_mult=period_mult, eta_min=lr_min)``; ``period_mult`` is an integer >= 1 as there.
    """
    lr_max, lr_min = check_nonnegative("lr_max", lr_max), check_nonnegative("lr_min", lr_min)
    if lr_min > lr_max:
        raise ValueError(f"lr_min must be <= lr_max = {lr_max}, got {lr_min}")
    T0 = _horizon("first_period", first_period)
    m = _horizon("period_mult", period_mult)

    def fn(t):
        if m == 1:
            t_cur, t_i = np.mod(t, T0), T0
        else:
            start = lambda n: T0 * (m ** n - 1) / (m - 1)  # noqa: E731  first step of cycle n
            n = np.floor(np.log1p(t / T0 * (m - 1)) / math.log(m))
            n = np.where(start(n) > t, n - 1, n)           # undo rounding of the log
            n = np.where(start(n + 1) <= t, n + 1, n)
            t_cur, t_i = t - start(n), T0 * m ** n
        return lr_min + (lr_max - lr_min) * ((1 + np.cos(np.pi * t_cur / t_i)) / 2)
    return Schedule(fn, _fmt("cosine_restarts", lr_max=lr_max, first_period=T0, period_mult=m, lr_min=lr_min))


def one_cycle(max_lr: float, total_steps: int, pct_start: float = 0.3, div_factor: float = 25.0,
              final_div_factor: float = 1e4, anneal: str = "cos") -> Schedule:
    """A one-cycle schedule as PyTorch ``OneCycleLR`` with ``three_phase=False`` (its defaults:
    a rise over 30 % of the run from ``max_lr/25``, cosine annealing to ``1e-4`` of the start).

    That two-phase, cosine shape is fast.ai's variant. Smith's own 1cycle (Smith 2018, "A
    disciplined approach ...", arXiv:1803.09820; used for super-convergence in Smith & Topin
    2019) has two linear phases of equal length and a short final phase far below the start,
    with momentum cycled against the rate; build it from :func:`join` and :func:`linear_decay`
    pieces (the schedules chapter does).

    Phase 1 rises from ``initial = max_lr / div_factor`` to ``max_lr`` over steps
    ``0 .. e1`` with ``e1 = pct_start·total_steps − 1``; phase 2 falls to
    ``min_lr = initial / final_div_factor`` at step ``total_steps − 1``. With
    ``anneal="cos"`` each phase is ``end + ½(start − end)(1 + cos(π·pct))``, with ``"linear"``
    a straight line; ``pct`` is the fraction of the phase done. After the last step the rate
    holds ``min_lr`` (PyTorch raises past ``total_steps``). If ``e1 == 0`` step 0 gets ``max_lr``
    (PyTorch divides by zero there).
    """
    max_lr = check_nonnegative("max_lr", max_lr)
    T = _horizon("total_steps", total_steps)
    pct_start = check_fraction("pct_start", pct_start, low_open=True)
    div_factor = check_positive("div_factor", div_factor)
    final_div_factor = check_positive("final_div_factor", final_div_factor)
    anneal = check_choice("anneal", anneal, ("cos", "linear"))
    initial = max_lr / div_factor
    min_lr = initial / final_div_factor
    if not (math.isfinite(initial) and math.isfinite(min_lr)):
        raise ValueError(f"div_factor and final_div_factor are too small: max_lr / div_factor = {initial!r} "
                         f"and that / final_div_factor = {min_lr!r} must be finite")
    e1, e2 = float(pct_start * T) - 1, T - 1

    def ramp(start, end, pct):
        if anneal == "cos":
            return end + (start - end) / 2.0 * (np.cos(np.pi * pct) + 1)
        return (end - start) * pct + start

    def fn(t):
        t = np.minimum(t, e2)
        pct1 = t / e1 if e1 > 0 else np.ones_like(t)
        return np.where(t <= e1, ramp(initial, max_lr, pct1), ramp(max_lr, min_lr, (t - e1) / (e2 - e1)))
    return Schedule(fn, _fmt("one_cycle", max_lr=max_lr, total_steps=T, pct_start=pct_start,
                             div_factor=div_factor, final_div_factor=final_div_factor, anneal=anneal))


def triangular_cyclic(base_lr: float, max_lr: float, step_size_up: int) -> Schedule:
    """Triangular cyclical learning rate (Smith 2017): up from ``base_lr`` to ``max_lr`` in
    ``s = step_size_up`` steps, back down in ``s`` steps, repeat.

    ``cycle = floor(1 + t/2s)``, ``x = |t/s − 2·cycle + 1|``,
    ``lr(t) = base_lr + (max_lr − base_lr) · max(0, 1 − x)``. Same sequence as PyTorch
    ``CyclicLR(base_lr, max_lr, step_size_up, mode="triangular")`` (whose formula is used).
    """
    base_lr, max_lr = check_nonnegative("base_lr", base_lr), check_nonnegative("max_lr", max_lr)
    if max_lr < base_lr:
        raise ValueError(f"max_lr must be >= base_lr = {base_lr}, got {max_lr}")
    s = _horizon("step_size_up", step_size_up)
    total, ratio = 2.0 * s, s / (2.0 * s)

    def fn(t):
        cycle = np.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        scale = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        return base_lr + (max_lr - base_lr) * scale
    return Schedule(fn, _fmt("triangular_cyclic", base_lr=base_lr, max_lr=max_lr, step_size_up=s))


def inverse_sqrt(d_model: float, warmup_steps: int) -> Schedule:
    """The Transformer schedule (Vaswani et al. 2017, "Attention is all you need"):
    ``lr(t) = d_model^−½ · min(n^−½, n · w^−3/2)`` with ``n = t + 1`` (the paper counts
    updates from 1) and ``w = warmup_steps``: linear warmup to the peak
    ``(d_model · w)^−½`` at ``n = w``, then decay as ``1/sqrt(n)``.
    """
    d = check_positive("d_model", d_model)
    w = _horizon("warmup_steps", warmup_steps)
    def fn(t):
        n = t + 1
        return d ** -0.5 * np.minimum(n ** -0.5, n * w ** -1.5)
    return Schedule(fn, _fmt("inverse_sqrt", d_model=d, warmup_steps=w))


# ------------------------------------------------------------------ combinators

def linear_warmup(schedule: Any, warmup_steps: int, start_factor: float = 0.0) -> Schedule:
    """Prepend a linear warmup (Goyal et al. 2017) to ``schedule``.

    With ``w = warmup_steps`` and ``peak = schedule(0)``:
    ``lr(t) = peak · (start_factor + (1 − start_factor) · t/w)`` for ``t < w`` (rising from
    ``start_factor·peak`` towards ``peak``), then ``lr(t) = schedule(t − w)``: the wrapped
    schedule starts at its own step 0 when warmup ends, so ``lr(w) = peak``. With the default
    ``start_factor=0`` the very first update has lr 0 (a wasted step; use e.g. ``1/w``).
    Same sequence as PyTorch ``SequentialLR([LinearLR(start_factor, total_iters=w), main],
    milestones=[w])`` (LinearLR's default ``start_factor`` is 1/3 and must be > 0 there) and as
    optax ``join_schedules([linear_schedule(start_factor·peak, peak, w), main], [w])``.
    """
    inner = _as_schedule("schedule", schedule)
    _check_child("schedule", inner)
    w = _horizon("warmup_steps", warmup_steps, minimum=0)
    sf = check_fraction("start_factor", start_factor, high_open=False)
    peak = float(_call(inner, np.zeros(())))

    def fn(t):
        return np.where(t < w, peak * (sf + (1 - sf) * t / max(w, 1)), _call(inner, t - w))
    return Schedule(fn, _fmt("linear_warmup", schedule=inner, warmup_steps=w, start_factor=sf))


def join(schedules: Sequence[Any], boundaries: Sequence[int]) -> Schedule:
    """Run ``schedules[0]`` until ``boundaries[0]``, then ``schedules[1]`` until ``boundaries[1]``, ...

    Each later schedule sees the step counted from its boundary: at step ``t`` with
    ``boundaries[i-1] <= t < boundaries[i]`` the rate is ``schedules[i](t − boundaries[i-1])``
    (optax ``join_schedules``; PyTorch ``SequentialLR`` likewise restarts the next scheduler).
    Needs ``len(schedules) == len(boundaries) + 1``, boundaries strictly increasing ints >= 1.
    Numbers are accepted as constant schedules.
    """
    try:
        schedules = list(schedules)
    except TypeError:
        raise TypeError(f"schedules must be a sequence of schedules, got {schedules!r}") from None
    scheds = [_as_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)]
    for i, s in enumerate(scheds):
        _check_child(f"schedules[{i}]", s)
    b = _int_sequence("boundaries", boundaries, minimum=1)
    if len(scheds) != len(b) + 1:
        raise ValueError(f"schedules must have len(boundaries) + 1 = {len(b) + 1} entries, got {len(scheds)}")

    def fn(t):
        out = _call(scheds[0], t)
        for bound, s in zip(b, scheds[1:]):
            out = np.where(t < bound, out, _call(s, t - bound))
        return out
    return Schedule(fn, _fmt("join", schedules=scheds, boundaries=b))


def evaluate(schedule: Any, steps: int) -> np.ndarray:
    """The rates for updates ``0 .. steps − 1`` as a float64 array of shape ``(steps,)``.

    ``steps`` is at most ``2**31 − 1``. A callable that fails on the array of steps, or returns
    one number for it, is called once per step instead (a plain function of one int).
    """
    s = _as_schedule("schedule", schedule)
    n = check_int("steps", steps, minimum=0, maximum=MAX_SIZE)
    try:
        out = np.asarray(s(np.arange(n)), dtype=np.float64)
    except (TypeError, ValueError):   # e.g. lambda t: 0.1 if t < 5 else 0.01
        out = np.zeros(())
    if out.ndim == 0:  # a plain scalar-only callable
        out = np.array([float(s(i)) for i in range(n)], dtype=np.float64)
    elif out.shape != (n,):
        raise ValueError(f"schedule returned shape {out.shape} for the {n} steps np.arange({n}), expected ({n},)")
    return out


# ------------------------------------------------------------------ loss-driven (stateful)

def _loss(loss: Any) -> float:
    if isinstance(loss, (bool, np.bool_, str, bytes)):
        raise TypeError(f"loss must be a real number, got {loss!r}")
    try:
        return float(loss)
    except (TypeError, ValueError, OverflowError):
        raise TypeError(f"loss must be a real number, got {type(loss).__name__} {loss!r}") from None


class ReduceLROnPlateau:
    """Divide the rate by ``1/factor`` when the loss stops improving; PyTorch's
    ``ReduceLROnPlateau`` in mode ``"min"``, rule for rule.

    Each ``step(loss)`` (one "epoch": usually a validation loss) compares ``loss`` with the
    best so far: it is an improvement if ``loss < best·(1 − threshold)`` (``"rel"``) or
    ``loss < best − threshold`` (``"abs"``); a NaN loss never is. After more than
    ``patience`` steps without improvement, ``lr ← max(lr·factor, min_lr)`` -- skipped if it
    would change lr by ``eps`` or less -- then ``cooldown`` steps during which bad steps are
    not counted. ``step`` returns the rate for the next update (also in ``.lr``).
    """

    def __init__(self, lr: float, factor: float = 0.1, patience: int = 10, threshold: float = 1e-4,
                 threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0.0, eps: float = 1e-8):
        self.lr = check_nonnegative("lr", lr)
        self.factor = check_fraction("factor", factor)
        self.patience = check_int("patience", patience, minimum=0)
        self.threshold_mode = check_choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.threshold = (check_fraction("threshold", threshold) if threshold_mode == "rel"
                          else check_nonnegative("threshold", threshold))
        self.cooldown = check_int("cooldown", cooldown, minimum=0)
        self.min_lr = check_nonnegative("min_lr", min_lr)
        self.eps = check_nonnegative("eps", eps)
        self.best = math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def _is_better(self, loss: float) -> bool:
        if self.threshold_mode == "rel":
            return loss < self.best * (1.0 - self.threshold)
        return loss < self.best - self.threshold

    def step(self, loss: float) -> float:
        """Record ``loss``; return the learning rate for the next update."""
        loss = _loss(loss)
        if self._is_better(loss):
            self.best, self.num_bad_epochs = loss, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0          # bad steps during cooldown are ignored
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return self.lr

    def __repr__(self) -> str:
        return _fmt("ReduceLROnPlateau", lr=self.lr, factor=self.factor, patience=self.patience,
                    threshold=self.threshold, threshold_mode=self.threshold_mode,
                    cooldown=self.cooldown, min_lr=self.min_lr)


class BoldDriver:
    """The bold driver (Vogl et al. 1988; Battiti 1989): after each update, if the loss went
    down multiply the rate by ``increase`` (> 1, a little bolder); if it went up multiply by
    ``decrease`` (< 1); if equal, keep it. A NaN loss counts as +inf. The first ``step`` only
    records the loss.

    The classic version also rejects the update that raised the loss. The caller does that:
    with ``reject=True``, ``.rejected`` tells after each ``step`` that the caller should restore
    the previous parameters, and the loss of those parameters stays the reference for the next
    comparison. ``step(loss)`` returns the rate for the next update (also in ``.lr``).
    """

    def __init__(self, lr: float, increase: float = 1.05, decrease: float = 0.5, reject: bool = False):
        self.lr = check_positive("lr", lr)
        self.increase = check_real("increase", increase)
        if not 1.0 <= self.increase < math.inf:
            raise ValueError(f"increase must be >= 1 and finite, got {self.increase}")
        self.decrease = check_fraction("decrease", decrease, low_open=True, high_open=False)
        self.reject = check_bool("reject", reject)
        self.last_loss: float | None = None
        self.rejected = False

    def step(self, loss: float) -> float:
        """Record the loss after an update; return the learning rate for the next update."""
        loss = _loss(loss)
        loss = math.inf if math.isnan(loss) else loss   # a NaN loss counts as +inf
        self.rejected = False
        if self.last_loss is not None:
            if loss < self.last_loss:
                self.lr *= self.increase
            elif loss > self.last_loss:
                self.lr *= self.decrease
                self.rejected = self.reject
        if not self.rejected:
            self.last_loss = loss
        return self.lr

    def __repr__(self) -> str:
        return _fmt("BoldDriver", lr=self.lr, increase=self.increase, decrease=self.decrease)
