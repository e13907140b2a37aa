"""Flaws taught in the chapter "Choosing the learning rate" (book/choosing_lr), and the tools that replace them.

One line per errata ID (see ``repro_<ID>`` / ``fix_<ID>`` below):

- 000-M2  §1.2, §6.1 (the FAQ "how to choose the initial LR"): "small data / complex problem → small
  LR". The usable rates are set by curvature (2/λ_max) and batch size, not by n or "complexity".
- 001-M2  §2.2: grid search "at equal steps". Rates belong on a log scale; with several hyperparameters
  random search beats a grid, while for η alone a log grid beats random draws.

Corrected tools used by the chapter (our own code, built on :mod:`lrcourse`):
:func:`estimate_lambda_max` (power iteration on gradient differences), :func:`lr_range_test`,
:func:`grid_configs` / :func:`centred_log_grid` / :func:`random_configs` / :func:`search_objective` (grid vs
random search), :func:`peak_versus_constant` (reading the range test for a constant rate or a schedule's peak),
:func:`gradient_noise_scale` (McCandlish et al.'s B_simple),
:func:`largest_stable_lr` / :func:`predicted_largest_stable_lr` (batch size vs the largest stable
rate) and :func:`noise_floor` (the stationary excess loss of constant-rate SGD).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..optimizers import SGD
from ..problems import LinearRegression, Quadratic, make_linear_data
from ..schedules import constant, exponential_decay, one_cycle
from ..train import minimize, sweep

__all__ = [
    "regression", "scaled_regression", "wide_regression", "estimate_lambda_max", "lr_range_test",
    "linear_grid", "log_grid", "grid_configs", "random_configs", "search_objective",
    "largest_stable_lr", "predicted_largest_stable_lr", "noise_floor", "predicted_noise_floor",
    "centred_log_grid", "centred_grid", "gradient_noise_scale", "peak_versus_constant",
]


# ------------------------------------------------------------------ problems

def regression(n: int = 100, seed: int = 0) -> LinearRegression:
    """The course's synthetic line fit (``make_linear_data``), theta = [b, w], half-MSE."""
    return LinearRegression(*make_linear_data(n=n, seed=seed))


def scaled_regression(scale: float, n: int = 100, seed: int = 0) -> LinearRegression:
    """The same points with x measured in other units (x → scale·x): the same fit, another curvature."""
    x, y = make_linear_data(n=n, seed=seed)
    return LinearRegression(scale * x, y)


def wide_regression(n: int = 100, d: int = 20, noise: float = 0.5, seed: int = 1, scale: float = 1.0) -> LinearRegression:
    """Least squares with d standard-normal features (no intercept): y = X w + noise·ε, w ~ N(0, I).

    Unlike the one-feature line, each example's squared norm ‖x_i‖² ≈ d is much larger than the
    Hessian's largest eigenvalue, so the batch size changes the largest stable rate a lot.
    ``scale`` re-expresses the inputs in other units (X → scale·X, same y): the Hessian becomes
    scale²·H, so every learning-rate curve moves by exactly scale⁻² along η.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d)
    y = X @ w + noise * rng.standard_normal(n)
    return LinearRegression(scale * X, y, fit_intercept=False)


# ------------------------------------------------------------------ curvature

def estimate_lambda_max(problem: Any, theta: Any, iters: int = 30, eps: float = 1e-4, seed: int = 0) -> float:
    """Largest Hessian eigenvalue at ``theta`` by power iteration, using only gradients:
    ``H v ≈ (∇L(θ + εv) − ∇L(θ − εv)) / (2ε)``. Works for any differentiable problem."""
    theta = np.asarray(theta, dtype=float)
    v = np.random.default_rng(seed).standard_normal(theta.shape)
    v /= np.linalg.norm(v)
    lam = 0.0
    for _ in range(iters):
        hv = (problem.grad(theta + eps * v) - problem.grad(theta - eps * v)) / (2 * eps)
        lam = float(v @ hv)
        v = hv / np.linalg.norm(hv)
    return lam


# ------------------------------------------------------------------ the LR range test

def lr_range_test(problem: Any, theta0: Any, lr_min: float = 1e-4, lr_max: float = 10.0, steps: int = 100,
                  batch_size: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An LR range test in the style of fast.ai's ``lr_find``: one short run whose rate grows
    geometrically from ``lr_min`` to ``lr_max`` over ``steps`` updates; returns (rate of each
    update, full-batch loss after it), unsmoothed. The run stops early when the loss blows up
    (x 1e4 the initial loss). Smith (2017), who proposed the test, raised the rate linearly over
    a few epochs and read the accuracy instead."""
    gamma = (lr_max / lr_min) ** (1.0 / (steps - 1))
    t = minimize(problem, SGD(exponential_decay(lr_min, gamma)), steps, theta0,
                 batch_size=batch_size, seed=seed, blowup=1e4)
    return t.lrs, t.losses[1:]


def peak_versus_constant(problem: Any, lr: float, steps: int = 200, batch_size: int | None = None,
                         seeds: int = 3) -> dict:
    """Final excess loss (median over ``seeds`` minibatch seeds; ``inf`` if diverged) after ``steps``
    SGD updates from 0 for: a constant rate ``lr/10``, a constant rate ``lr``, and a one-cycle
    schedule (PyTorch's defaults) whose PEAK is ``lr``. ``lr`` is meant to be a range test's minimum."""
    runs = {"constant_tenth": constant(lr / 10), "constant_min": constant(lr), "one_cycle_peak_min": one_cycle(lr, steps)}
    out = {}
    for name, schedule in runs.items():
        values = []
        for s in range(seeds if batch_size is not None else 1):
            t = minimize(problem, SGD(schedule), steps, np.zeros(problem.dim), batch_size=batch_size, seed=s,
                         blowup=1e6)
            values.append(np.inf if t.diverged else float(t.losses[-1] - problem.min_loss()))
        out[name] = float(np.median(values))
    return out


# ------------------------------------------------------------------ grids and random search (001-M2)

def linear_grid(lo: float, hi: float, k: int) -> np.ndarray:
    """FLAWED for rates (001 §2.2): k equally spaced values."""
    return np.linspace(lo, hi, k)


def log_grid(lo: float, hi: float, k: int) -> np.ndarray:
    """k values equally spaced in log(η), both ends included: the same number of candidates in every decade."""
    return np.geomspace(lo, hi, k)


def centred_log_grid(lo: float, hi: float, k: int) -> np.ndarray:
    """The centres (in log η) of k equal cells of [lo, hi]: no point is wasted on an end of the range."""
    a, b = np.log(lo), np.log(hi)
    return np.exp(a + (np.arange(k) + 0.5) * (b - a) / k)


def centred_grid(lo: float, hi: float, k: int) -> np.ndarray:
    """The centres of k equal cells of [lo, hi] (linear scale)."""
    return lo + (np.arange(k) + 0.5) * (hi - lo) / k


#: search space of the grid-vs-random demonstration: η (log scale) and the init scale σ0
LR_RANGE = (1e-3, 10.0)
SIGMA_RANGE = (0.0, 2.0)
_DIRECTION = np.array([1.0, -1.0]) / np.sqrt(2.0)


def grid_configs(budget: int, k_lr: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A k_η × k_σ grid with k_η·k_σ ≤ budget (default k_η = ⌈√budget⌉): cell-centred, log-spaced η
    and linear σ0, so that a 2 × 2 grid does not spend its budget on the two ends of the η range.
    ``k_lr=budget`` gives a one-dimensional log grid over η at the middle σ0."""
    k_lr = int(np.ceil(np.sqrt(budget))) if k_lr is None else int(k_lr)
    k_s = max(budget // k_lr, 1)
    L, S = np.meshgrid(centred_log_grid(*LR_RANGE, k_lr), centred_grid(*SIGMA_RANGE, k_s))
    return L.ravel(), S.ravel()


def random_configs(budget: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``budget`` independent draws: log η uniform on LR_RANGE, σ0 uniform on SIGMA_RANGE."""
    rng = np.random.default_rng(seed)
    lo, hi = np.log(LR_RANGE[0]), np.log(LR_RANGE[1])
    return np.exp(rng.uniform(lo, hi, budget)), rng.uniform(*SIGMA_RANGE, budget)


def search_objective(lrs: Any, sigmas: Any, steps: int = 50) -> np.ndarray:
    """Excess half-MSE of the line fit after ``steps`` GD updates at rate η from θ0 = σ0·(1, −1)/√2,
    for every configuration at once (one vectorised sweep); ``inf`` where the run diverged."""
    p = regression()
    lrs = np.asarray(lrs, dtype=float)
    theta0 = np.asarray(sigmas, dtype=float)[:, None] * _DIRECTION
    r = sweep(p, SGD, lrs, steps, theta0, blowup=1e6)
    return np.where(r.diverged, np.inf, r.final_loss - p.min_loss())


# ------------------------------------------------------------------ batch size

def largest_stable_lr(problem: Any, batch_size: int, lrs: Any, steps: int = 300, seeds: int = 3,
                      return_losses: bool = False) -> Any:
    """The largest rate in ``lrs`` (ascending) such that it and every smaller one kept the loss
    below 1e6 × its start for ``steps`` minibatch-SGD updates from 0, over ``seeds`` seeds.

    With ``return_losses=True`` also returns the final excess loss of each rate for seed 0
    (``inf`` where that run diverged): ``(largest, excess)``."""
    lrs = np.asarray(lrs, dtype=float)
    ok = np.ones(len(lrs), dtype=bool)
    excess = None
    for s in range(seeds):
        r = sweep(problem, SGD, lrs, steps, np.zeros(problem.dim), batch_size=batch_size, seed=s, blowup=1e6)
        ok &= ~r.diverged
        if excess is None:
            excess = np.where(r.diverged, np.inf, r.final_loss - problem.min_loss())
    bad = np.flatnonzero(~ok)
    k = bad[0] if len(bad) else len(lrs)
    largest = float(lrs[k - 1]) if k > 0 else 0.0
    return (largest, excess) if return_losses else largest


def _noise_fraction(n: int, batch_size: int) -> float:
    """Variance factor of a minibatch mean drawn without replacement: (n − B) / (B (n − 1))."""
    return (n - batch_size) / (batch_size * (n - 1)) if n > 1 else 0.0


def predicted_largest_stable_lr(problem: LinearRegression, batch_size: int) -> float:
    """Mean-square estimate ``2 / (λ_max + f_B (tr H − λ_max))``, f_B = (n − B)/(B (n − 1)).

    From E[(I − ηH_B)²] = I − 2ηH + η² E[H_B²] along the top eigenvector, with
    E[H_B²] ≈ H² + f_B (tr(H) H − H²) (exact when every ‖x_i‖² equals tr H). B = n gives the
    full-batch limit 2/λ_max; B = 1 gives 2/tr(H) ≈ 2/E‖x‖²."""
    H = problem.hessian()
    lam = float(np.linalg.eigvalsh(H)[-1])
    f = _noise_fraction(problem.n, batch_size)
    return 2.0 / (lam + f * (float(np.trace(H)) - lam))


def gradient_noise_scale(problem: LinearRegression, theta: Any) -> float:
    """McCandlish et al.'s (2018) simple noise scale ``B_simple = tr Σ / ‖G‖²`` at ``theta``: Σ the
    covariance of the per-example gradients, G their mean (the full gradient). Unlike tr H/λ_max it
    depends on where training is: it grows as ‖G‖ shrinks."""
    theta = np.asarray(theta, dtype=float)
    residual = problem.X @ theta - problem.y
    per_example = problem.X * residual[:, None]          # gradients of ½(x·θ − y)²
    G = per_example.mean(axis=0)
    tr_sigma = float(np.sum((per_example - G) ** 2) / problem.n)
    return tr_sigma / float(G @ G)


def noise_floor(problem: LinearRegression, lrs: Any, batch_size: int, steps: int = 1500, burn_in: int = 500,
                seeds: int = 2) -> np.ndarray:
    """Average excess loss of constant-rate minibatch SGD started at θ*, over updates
    ``burn_in..steps`` and ``seeds`` seeds, for each rate in ``lrs`` (one sweep per seed)."""
    lrs = np.asarray(lrs, dtype=float)
    star = problem.solution()
    acc = np.zeros(len(lrs))
    for s in range(seeds):
        r = sweep(problem, SGD, lrs, steps, star, batch_size=batch_size, seed=s)
        acc += r.losses[burn_in + 1:].mean(axis=0) - problem.min_loss()
    return acc / seeds


def predicted_noise_floor(problem: LinearRegression, lr: Any, batch_size: int) -> Any:
    """Small-η stationary excess loss ``(η/4) f_B tr(Σ_1)``, Σ_1 the per-example gradient covariance at θ*."""
    r = problem.X @ problem.solution() - problem.y
    per_example = problem.X * r[:, None]                 # their mean is 0 at θ*
    tr_sigma = float(np.sum(per_example**2) / problem.n)
    return np.asarray(lr, dtype=float) / 4 * _noise_fraction(problem.n, batch_size) * tr_sigma


# ------------------------------------------------------------------ 000-M2

def repro_000_M2() -> dict:
    """The claim says n and 'complexity' set the rate. Measured: 2/λ_max hardly moves with n (20 … 10000);
    and harder (worse-conditioned) quadratics with the same λ_max have the SAME limit and a LARGER best rate.

    ``limit_by_kappa`` and ``best_lr_by_kappa`` are the formulas 2/λ_max and 2/(λ_min + λ_max), true by
    algebra for these bowls (a demonstration); the ``measured_*`` keys come from runs instead: on a log
    grid of 400 rates, the largest rate whose loss after 20 steps is below its start, and the rate with
    the lowest loss after 20 steps (from θ0 = (1, 1))."""
    ns = [20, 100, 1000, 10000]
    kappas = [1.0, 10.0, 100.0, 1000.0]
    bowls = [Quadratic.from_condition(k, lam_max=1.0) for k in kappas]
    lrs = np.geomspace(0.05, 2.5, 400)
    measured_limit, measured_best = [], []
    for b in bowls:
        r = sweep(b, SGD, lrs, 20, np.ones(2), blowup=1e6)
        final = np.where(r.diverged | ~np.isfinite(r.final_loss), np.inf, r.final_loss)
        grows = final > b.loss(np.ones(2))
        measured_limit.append(float(lrs[np.flatnonzero(grows)[0] - 1]) if grows.any() else float(lrs[-1]))
        measured_best.append(float(lrs[int(np.argmin(final))]))
    return {
        "n": ns,
        "limit_by_n": [float(regression(n=n).stability_limit()) for n in ns],
        "kappa": kappas,
        "limit_by_kappa": [float(b.stability_limit()) for b in bowls],
        "best_lr_by_kappa": [float(b.best_fixed_lr()) for b in bowls],
        "measured_limit_by_kappa": measured_limit,
        "measured_best_lr_by_kappa": measured_best,
    }


def fix_000_M2() -> dict:
    """What does set it: curvature. Re-expressing x in other units (×10) divides 2/λ_max by 30; a
    gradient-only power iteration finds λ_max, and η = 1/λ̂_max then converges."""
    p, p10 = regression(), scaled_regression(10.0)
    lam_hat = estimate_lambda_max(p10, np.zeros(2))
    t = minimize(p10, SGD(1.0 / lam_hat), 3000, [0.0, 0.0])
    return {
        "limit": float(p.stability_limit()),
        "limit_x10": float(p10.stability_limit()),
        "ratio": float(p.stability_limit() / p10.stability_limit()),
        "lambda_max_x10": float(p10.eigenvalues()[-1]),
        "lambda_max_estimate_x10": float(lam_hat),
        "excess_loss_at_1_over_lambda_hat": float(t.losses[-1] - p10.min_loss()),
    }


# ------------------------------------------------------------------ 001-M2

def _decade_counts(values: np.ndarray, lo: float, hi: float) -> list[int]:
    edges = np.geomspace(lo, hi, int(round(np.log10(hi / lo))) + 1)
    edges[-1] *= 1 + 1e-12
    return [int(c) for c in np.histogram(values, bins=edges)[0]]


def _grid_search(problem: LinearRegression, lrs: np.ndarray, steps: int = 200) -> tuple[float, float, int]:
    r = sweep(problem, SGD, lrs, steps, np.zeros(2), blowup=1e6)
    excess = np.where(r.diverged, np.inf, r.final_loss - problem.min_loss())
    k = int(np.argmin(excess))
    return float(excess[k]), float(lrs[k]), int(r.diverged.sum())


def repro_001_M2() -> dict:
    """Ten equally spaced rates on [1e-4, 1]: 9 fall in the top decade. With x in other units (×10,
    limit ≈ 0.05) all nine diverge and the best survivor, 1e-4, barely moves in 200 steps."""
    lo, hi, k = 1e-4, 1.0, 10
    grid = linear_grid(lo, hi, k)
    p10 = scaled_regression(10.0)
    best, best_lr, n_div = _grid_search(p10, grid)
    return {"grid": [float(g) for g in grid], "per_decade": _decade_counts(grid, lo, hi),
            "limit_x10": float(p10.stability_limit()), "diverged": n_div,
            "best_lr": best_lr, "best_excess_loss": best}


def fix_001_M2() -> dict:
    """Ten log-spaced rates on [1e-4, 1]: two or three per decade, and the best is close to the limit."""
    lo, hi, k = 1e-4, 1.0, 10
    grid = log_grid(lo, hi, k)
    p10 = scaled_regression(10.0)
    best, best_lr, n_div = _grid_search(p10, grid)
    return {"grid": [float(g) for g in grid], "per_decade": _decade_counts(grid, lo, hi),
            "limit_x10": float(p10.stability_limit()), "diverged": n_div,
            "best_lr": best_lr, "best_excess_loss": best}
