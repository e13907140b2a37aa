"""Training loops: one run (:func:`minimize`) and a whole learning-rate sweep in one
vectorised call (:func:`sweep`).

Conventions
-----------
* ``theta0`` is converted to a float64 copy (integers are accepted here, unlike in the
  optimizers, because a start point like ``[0, 0]`` is natural); it is never modified.
* ``steps`` is an integer in ``[1, 2**53]`` (as every step count in lrcourse; a sweep also
  refuses, with a ValueError naming ``steps``, arrays too large to allocate), ``seed`` in
  ``[0, 2**63 - 1]``.
* Update ``t = 0, 1, ..., steps - 1`` uses ``optimizer.lr_at(t)`` and the gradient at
  ``params[t]``, producing ``params[t + 1]``. ``losses[t]`` is the FULL-batch loss at
  ``params[t]``, even when the updates use minibatches.
* Divergence: the run stops after update ``t`` (``diverged_at = t``) as soon as
  ``losses[t + 1]`` is non-finite or exceeds ``blowup * max(|losses[0]|, 1e-12)``. The
  offending point is kept as the last row. No numpy overflow warning escapes.
* Leaving the start: ``left_start_at = max{t : losses[t] <= losses[0]}`` when that ``t`` is
  not the last row: update ``t`` took the loss above its start and it stayed above to the end
  of the run (NaN counts as above). ``None`` (``-1`` in :class:`SweepResult`, as for
  ``diverged_at``) when the run ended at or below its start. It reports a run that blows up
  too slowly to reach ``blowup`` (SGD just above the stability limit: ``diverged=False``,
  ``left_start_at`` set) and leaves out a run that rose and came back (a momentum overshoot,
  an Adam spike); a run cut short in the middle of an overshoot is reported, as it did end
  above its start. A run stopped by ``blowup >= 1`` has ``left_start_at <= diverged_at``
  (unless its loss fell to -inf).
* Minibatches: with ``batch_size`` set, each update calls
  ``problem.stochastic_grad(theta, rng, batch_size)`` with
  ``rng = np.random.default_rng(seed)``; with ``batch_size=None`` it calls ``problem.grad``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._checks import MAX_STEP, as_float_array, check_int, check_positive
from .optimizers import Optimizer

__all__ = ["Trajectory", "SweepResult", "minimize", "sweep"]


@dataclass(frozen=True)
class Trajectory:
    """One run. ``params`` (steps + 1, d): theta0, then the point after each update;
    ``losses`` (steps + 1,): full-batch loss at each of them; ``lrs`` (steps,): the rate used
    by each update; ``diverged_at``: index of the update after which the loss blew up
    (None if it did not); ``left_start_at``: index of the update after which the loss stayed
    above ``losses[0]`` to the end (None if it ended at or below it; see the module docstring).
    ``steps`` counts the updates actually done."""

    params: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray
    diverged: bool
    diverged_at: int | None
    left_start_at: int | None

    @property
    def steps(self) -> int:
        return len(self.lrs)

    @property
    def final_loss(self) -> float:
        """The last loss, or ``inf`` if the run diverged."""
        return float("inf") if self.diverged else float(self.losses[-1])


@dataclass(frozen=True)
class SweepResult:
    """K runs, one per learning rate ``lrs[k]``. ``params`` (steps + 1, K, d) and ``losses``
    (steps + 1, K) as in :class:`Trajectory`, column k being run k. After a run diverges at
    update ``t`` (``diverged_at[k] = t``, else -1), row ``t + 1`` holds the offending point and
    every later row holds ``nan`` params and ``inf`` loss (the run stopped), so
    ``losses.min(axis=0)`` is the best loss reached. ``left_start_at`` (K,): as in
    :class:`Trajectory`, -1 for None (the rows after a stop do not count). ``final_loss`` (K,):
    last loss, ``inf`` for diverged runs."""

    lrs: np.ndarray
    params: np.ndarray
    losses: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    left_start_at: np.ndarray
    final_loss: np.ndarray

    @property
    def steps(self) -> int:
        return self.losses.shape[0] - 1


def _check_problem(problem: Any) -> None:
    if isinstance(problem, type):
        raise TypeError(f"problem must be a problem instance, e.g. {problem.__name__}(...), "
                        f"got the class {problem.__name__} itself")
    for name in ("loss", "grad"):
        if not callable(getattr(problem, name, None)):
            raise TypeError(f"problem must have a {name}(theta) method, got {type(problem).__name__}")


def _check_optimizer(optimizer: Any, name: str = "optimizer") -> None:
    if isinstance(optimizer, type):
        raise TypeError(f"{name} must be an optimizer instance, e.g. {optimizer.__name__}(lr=0.1), "
                        f"got the class {optimizer.__name__} itself")
    for method in ("init", "update", "lr_at"):
        if not callable(getattr(optimizer, method, None)):
            raise TypeError(f"{name} must have init/update/lr_at methods (see lrcourse.optimizers), "
                            f"got {type(optimizer).__name__}")


def _check_theta0(theta0: Any, problem: Any, batched_rows: int | None = None) -> np.ndarray:
    """float64 copy of theta0, shape (d,) (or (K, d) in a sweep), finite."""
    theta = as_float_array("theta0", theta0)
    dim = getattr(problem, "dim", None)
    ok_ndim = theta.ndim == 1 or (batched_rows is not None and theta.ndim == 2 and len(theta) == batched_rows)
    if not ok_ndim or theta.shape[-1] == 0 or (dim is not None and theta.shape[-1] != dim):
        d = dim if dim is not None else "d"
        allowed = f"({d},)" if batched_rows is None else f"({d},) or ({batched_rows}, {d})"
        raise ValueError(f"theta0 must have shape {allowed}, got {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must hold finite numbers (no NaN or inf)")
    return theta


def _gradient_fn(problem: Any, batch_size: Any, seed: Any) -> Callable[[np.ndarray], np.ndarray]:
    seed = check_int("seed", seed, minimum=0, maximum=2**63 - 1)
    if batch_size is None:
        return problem.grad
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if not callable(getattr(problem, "stochastic_grad", None)):
        raise TypeError(f"batch_size needs a problem with stochastic_grad(theta, rng, batch_size), "
                        f"got {type(problem).__name__}")
    rng = np.random.default_rng(seed)
    return lambda theta: problem.stochastic_grad(theta, rng, batch_size)


def _loss_limit(loss0: np.ndarray, blowup: float) -> np.ndarray:
    if not np.all(np.isfinite(loss0)):
        raise ValueError("theta0 must give a finite loss")
    return blowup * np.maximum(np.abs(loss0), 1e-12)


def _left_start_at(losses: np.ndarray, last: Any) -> np.ndarray:
    """``left_start_at`` of the module docstring for runs whose rows ``0 .. last`` (along axis 0)
    are their own, the later rows (a stopped run in a sweep) being ``inf``; -1 for None."""
    at_or_below = losses <= losses[0]                 # False for NaN; row 0 is always True
    last_below = len(losses) - 1 - np.argmax(at_or_below[::-1], axis=0)
    return np.where(last_below == last, -1, last_below)


def _update(optimizer: Any, theta: np.ndarray, g: Any, state: dict, lr: Any) -> tuple[np.ndarray, dict]:
    """``optimizer.update(theta, g, state)`` for loops that checked their inputs once: lrcourse's
    own optimizers skip update()'s per-step checks when ``g`` is a float64 array of theta's
    shape (``update`` = those checks + ``_apply``, the same arithmetic); ``lr`` is ``lr_at(step)``."""
    if isinstance(optimizer, Optimizer) and type(g) is np.ndarray and g.dtype == np.float64 and g.shape == theta.shape:
        return optimizer._apply(theta, g, state, lr)
    return optimizer.update(theta, g, state)


def minimize(problem: Any, optimizer: Any, steps: int, theta0: Any, batch_size: int | None = None,
             seed: int = 0, blowup: float = 1e10) -> Trajectory:
    """Run ``optimizer`` on ``problem`` for ``steps`` updates from ``theta0``.

    ``params[t + 1], state = optimizer.update(params[t], g_t, state)`` with ``g_t`` the full
    gradient (``batch_size=None``) or a minibatch gradient. Stops early if the loss diverges
    (see the module docstring). Returns a :class:`Trajectory`.
    """
    _check_problem(problem)
    _check_optimizer(optimizer)
    steps = check_int("steps", steps, minimum=1, maximum=MAX_STEP)
    theta = _check_theta0(theta0, problem)
    grad = _gradient_fn(problem, batch_size, seed)
    blowup = check_positive("blowup", blowup, allow_inf=True)
    if np.ndim(lr0 := optimizer.lr_at(0)) != 0:
        raise ValueError(f"optimizer has an array of learning rates, shape {np.shape(lr0)}; minimize runs "
                         "one rate: use sweep(problem, make_optimizer, lrs, ...) for several")

    with np.errstate(all="ignore"):
        loss0 = problem.loss(theta)
        if np.shape(loss0) != ():
            raise ValueError(f"problem.loss(theta) must return one number for theta of shape {theta.shape}, "
                             f"got shape {np.shape(loss0)}")
        losses = [float(loss0)]
        limit = float(_loss_limit(np.array(losses[0]), blowup))
        params, lrs, diverged_at = [theta], [], None
        state = optimizer.init(theta)
        for t in range(steps):
            lr = optimizer.lr_at(t)
            lrs.append(float(lr))
            theta, state = _update(optimizer, theta, grad(theta), state, lr)
            params.append(theta)
            loss = float(problem.loss(theta))
            losses.append(loss)
            if not (loss <= limit and math.isfinite(loss)):
                diverged_at = t
                break
    losses = np.array(losses)
    left = int(_left_start_at(losses, len(losses) - 1))
    return Trajectory(np.array(params), losses, np.array(lrs), diverged_at is not None, diverged_at,
                      None if left < 0 else left)


def sweep(problem: Any, make_optimizer: Callable[[np.ndarray], Any], lrs: Any, steps: int, theta0: Any,
          batch_size: int | None = None, seed: int = 0, blowup: float = 1e10) -> SweepResult:
    """Run one optimizer at K learning rates at once: ``make_optimizer(lrs)`` gets the float64
    array ``lrs`` (K,) and returns an optimizer whose rate is applied row-wise to params of
    shape (K, d), e.g. ``sweep(problem, lambda lr: SGD(lr, momentum=0.9), lrs, 100, theta0)``.

    ``theta0`` is (d,) (the same start for every run) or (K, d). All runs see the same
    minibatches (common random numbers), so column k equals
    ``minimize(problem, make_optimizer(lrs[k]), ...)`` up to rounding. A run that diverges is
    stopped (see :class:`SweepResult`) while the others continue.
    """
    _check_problem(problem)
    if not callable(make_optimizer):
        raise TypeError(f"make_optimizer must be a callable lr_array -> optimizer, got {type(make_optimizer).__name__}")
    lrs = as_float_array("lrs", lrs, ndim=1)
    if len(lrs) == 0 or not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
        raise ValueError("lrs must be a non-empty 1-D array of finite learning rates >= 0")
    K = len(lrs)
    steps = check_int("steps", steps, minimum=1, maximum=MAX_STEP)
    theta0 = _check_theta0(theta0, problem, batched_rows=K)
    theta = np.broadcast_to(theta0, (K, theta0.shape[-1])).copy()
    grad = _gradient_fn(problem, batch_size, seed)
    blowup = check_positive("blowup", blowup, allow_inf=True)
    optimizer = make_optimizer(lrs.copy())
    _check_optimizer(optimizer, "make_optimizer(lrs)")
    _check_rates(optimizer, lrs)

    try:
        params = np.full((steps + 1, K, theta.shape[1]), np.nan)
        losses = np.full((steps + 1, K), np.inf)
    except (MemoryError, ValueError):                 # ValueError: more than 2**63 bytes
        size = (steps + 1) * K * (theta.shape[1] + 1) * 8 / 2**30
        raise ValueError(f"steps = {steps} is too many to store: (steps + 1) x {K} rates x (d + 1) float64 "
                         f"= {size:.3g} GiB for params and losses") from None
    diverged_at = np.full(K, -1)
    with np.errstate(all="ignore"):
        loss0 = problem.loss(theta)
        if np.shape(loss0) != (K,):
            raise ValueError(f"problem.loss must be vectorised: for theta of shape {theta.shape} it must return "
                             f"one loss per run, shape ({K},), got shape {np.shape(loss0)}")
        params[0], losses[0] = theta, loss0
        limit = _loss_limit(losses[0], blowup)
        alive = np.ones(K, dtype=bool)
        state = optimizer.init(theta)
        everyone_alive = True
        for t in range(steps):
            new, state = _update(optimizer, theta, grad(theta), state, optimizer.lr_at(t))
            loss = problem.loss(new)
            ok = np.isfinite(loss) & (loss <= limit)
            if everyone_alive and ok.all():                  # the usual step: no masks needed
                params[t + 1], losses[t + 1], theta = new, loss, new
                continue
            everyone_alive = False
            params[t + 1, alive], losses[t + 1, alive] = new[alive], loss[alive]
            blew_up = alive & ~ok
            diverged_at[blew_up] = t
            alive &= ~blew_up
            if not alive.any():
                break
            theta = np.where(alive[:, None], new, theta)  # stopped runs stay at their last finite point
    diverged = diverged_at >= 0
    final_loss = np.where(diverged, np.inf, losses[-1])
    left_start_at = _left_start_at(losses, np.where(diverged, diverged_at + 1, steps))
    return SweepResult(lrs, params, losses, diverged, diverged_at, left_start_at, final_loss)


def _check_rates(optimizer: Any, lrs: np.ndarray) -> None:
    """make_optimizer(lrs) must run rate lrs[k] in row k: an lrcourse optimizer with a constant
    rate must hold lrs itself; any other (a schedule, a duck-typed optimizer) must give K rates
    at step 0. This catches a factory that ignores its argument (``lambda lr: SGD(0.1)``)."""
    if isinstance(optimizer, Optimizer) and not callable(optimizer.lr):
        if np.shape(optimizer.lr) == lrs.shape and np.array_equal(optimizer.lr, lrs):
            return
        got = f"lr {optimizer.lr!r}" if np.ndim(optimizer.lr) == 0 else "an lr array other than lrs"
    else:
        shape = np.shape(optimizer.lr_at(0))
        if shape == lrs.shape:
            return
        got = f"lr_at(0) of shape {shape}"
    raise ValueError(f"make_optimizer(lrs) must return an optimizer running rate lrs[k] in run k "
                     f"(e.g. lambda lr: SGD(lr)); got {got}, for lrs of shape {lrs.shape}: a factory that "
                     f"ignores its argument runs the same rate {len(lrs)} times")
