"""Flaws taught in the chapter "Gradient descent and the learning rate" (book/gradient_descent).

One line per errata ID (see ``repro_<ID>`` / ``fix_<ID>`` below):

- 000-M1  §1.1: a too large rate is said to cause "premature convergence"; it oscillates or diverges.
- 000-M7  §6.4: SGD is defined by random initial values; its randomness is in the gradient estimate.
- 000-M8  α is the learning rate in the code (§4) and a decay rate in §3.2.1.
- 000-C1  §4.1: the "gradient" is minus the gradient (gradient ascent); θ is updated in place; integer θ fails.
- 001-M1  §1: a large rate is said to "fall into a local optimum"; on a convex problem it diverges.
- 001-M4  §3.1: "gradient ascent or descent"; minimisation always steps along −∇L.
- 001-M14 "converges to the global optimum": guaranteed only for convex losses.
- 001-M17 §1, §6.5: small rates "get stuck in local optima", large ones oscillate "between local optima".
- 001-M18 §4.1: least squares is said to minimise point-to-line distances; it minimises vertical residuals².
- 001-C1  §4.2: GD that never uses y, has the wrong gradient, no intercept and crashes on shapes.
- 002-M2  §1.3: a wrong rate is said to cause vanishing/exploding gradients (Jacobian products do).
- 002-M3  too small a rate is said to get stuck in local optima.
- 002-M7  ∇J(θ) written without the step index; the update needs ∇J(θ_t).
- 003-C1  §4.1: placeholder data ``np.array([...])`` (TypeError) and in-place update of θ.

Every function is our own code. ``repro_*`` and ``fix_*`` return plain Python values.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ..mlp import MLP
from ..datasets import two_moons
from ..optimizers import SGD
from ..problems import LinearRegression, article001_data, make_linear_data
from ..train import minimize, sweep

__all__ = [
    "regression", "design", "gd_sign_error", "gd_corrected", "line_fit_shape_bug", "line_fit_corrected",
    "fit_inplace", "fit_copy", "gd_frozen_gradient", "TiltedDoubleWell", "perpendicular_fit",
    "backward_signal_by_layer", "predicted_regime", "measured_regime", "double_well_outcomes", "iterate_averages",
    "averaging_vs_last",
]


# ------------------------------------------------------------------ shared set-up

def regression() -> LinearRegression:
    """The course's synthetic problem: ``make_linear_data()`` defaults, theta = [b, w], half-MSE."""
    return LinearRegression(*make_linear_data())


def design() -> tuple[np.ndarray, np.ndarray]:
    """(X, y) of :func:`regression` with X = [1, x] (shape (100, 2)), as the articles' code expects."""
    p = regression()
    return p.X.copy(), p.y.copy()


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


# ------------------------------------------------------------------ 000-C1: the sign error

def gd_sign_error(X, y, theta, lr, steps):
    """FLAWED (000 §4.1): residual y − Xθ makes the "gradient" point uphill; ``-=`` edits theta in place."""
    m = len(y)
    for _ in range(steps):
        uphill = X.T @ (y - X @ theta) / m   # this is −∇L, not ∇L
        theta -= lr * uphill                 # so θ climbs; and the caller's array is overwritten
    return theta


def gd_corrected(X, y, theta0, lr, steps):
    """Gradient descent on the half-MSE L(θ) = ‖Xθ − y‖² / (2m): returns a new array."""
    theta = np.array(theta0, dtype=float)    # float copy: the caller's θ is untouched, ints are fine
    m = len(y)
    for _ in range(steps):
        grad = X.T @ (X @ theta - y) / m     # ∇L(θ_t): residual = prediction − target
        theta = theta - lr * grad
    return theta


def repro_000_C1() -> dict:
    """Run :func:`gd_sign_error` (α = 0.1) and record the half-MSE after 1, 10, 100, 1000 steps."""
    X, y = design()
    p = regression()
    out: dict[str, Any] = {"lr": 0.1, "loss_0": float(p.loss(np.zeros(2)))}
    with np.errstate(over="ignore", invalid="ignore"):
        theta = np.zeros(2)
        done = 0
        for n in (1, 10, 100, 1000):
            gd_sign_error(X, y, theta, 0.1, n - done)
            done = n
            out[f"loss_{n}"] = float(p.loss(theta))
        while np.all(np.isfinite(theta)) and done < 10_000:   # keep climbing until overflow
            gd_sign_error(X, y, theta, 0.1, 1)
            done += 1
        out["first_nonfinite_step"] = done
    caller = np.zeros(2)
    returned = gd_sign_error(X, y, caller, 0.1, 1)
    out["mutates_caller"] = bool(returned is caller and np.any(caller != 0))
    try:
        gd_sign_error(X, y, np.zeros(2, dtype=int), 0.1, 1)
        out["int_error"] = ""
    except TypeError as exc:   # numpy's UFuncTypeError is a TypeError
        out["int_error"] = _error_text(exc)
        out["int_error_class"] = next(c.__name__ for c in type(exc).__mro__ if not c.__name__.startswith("_"))
    return out


def fix_000_C1() -> dict:
    """Run :func:`gd_corrected` (α = 0.1, 1000 steps, then to convergence) from float and int θ."""
    X, y = design()
    p = regression()
    caller = np.zeros(2)
    theta = gd_corrected(X, y, caller, 0.1, 1000)
    theta_int = gd_corrected(X, y, np.zeros(2, dtype=int), 0.1, 1000)
    theta_long = gd_corrected(X, y, caller, 0.1, 5000)
    return {
        "lr": 0.1,
        "loss_1000": float(p.loss(theta)),
        "loss_5000": float(p.loss(theta_long)),
        "min_loss": p.min_loss(),
        "b": float(theta[0]), "w": float(theta[1]),
        "b_star": float(p.solution()[0]), "w_star": float(p.solution()[1]),
        "dist_to_lstsq_5000": float(np.linalg.norm(theta_long - p.solution())),
        "caller_unchanged": bool(np.all(caller == 0)),
        "int_start_loss_1000": float(p.loss(theta_int)),
    }


# ------------------------------------------------------------------ 000-M1 / 001-M1: too large a rate

def repro_000_M1() -> dict:
    """What a too large rate does on the (convex) regression: oscillation below the limit, divergence above."""
    p = regression()
    limit = p.stability_limit()
    lam, Q = np.linalg.eigh(p.hessian())
    star = p.solution()
    osc = minimize(p, SGD(0.95 * limit), 60, [0.0, 0.0])
    steep = (osc.params - star) @ Q[:, -1]            # error along the steepest eigen-direction
    flips = int(np.sum(np.sign(steep[1:]) != np.sign(steep[:-1])))
    big = minimize(p, SGD(1.05 * limit), 2000, [0.0, 0.0])
    return {
        "limit": float(limit),
        "osc_lr": float(0.95 * limit),
        "osc_sign_flips_in_60": flips,
        "osc_loss_falls_every_step": bool(np.all(np.diff(osc.losses) < 0)),
        "big_lr": float(1.05 * limit),
        "big_diverged": bool(big.diverged),
        "big_diverged_at": int(big.diverged_at) if big.diverged else -1,
        "big_loss_100": float(big.losses[min(100, len(big.losses) - 1)]),
        "loss_0": float(big.losses[0]),
    }


def fix_000_M1() -> dict:
    """Every rate below 2/λ_max ends at the same least-squares θ* (nothing 'premature'); above it diverges."""
    p = regression()
    limit = p.stability_limit()
    fracs = np.array([0.3, 0.6, 0.99, 1.01])
    r = sweep(p, SGD, fracs * limit, 1500, [0.0, 0.0])
    best = r.params[-1, :3]
    return {
        "limit": float(limit),
        "fracs": [float(f) for f in fracs],
        "max_dist_to_lstsq_below": float(np.max(np.linalg.norm(best - p.solution(), axis=1))),
        "converged_below": [bool(not d) for d in r.diverged[:3]],
        "diverged_above": bool(r.diverged[3]),
    }


def repro_001_M1() -> dict:
    """The regression loss is convex (one minimum, no local optima), yet a large rate still fails: it diverges."""
    p = regression()
    lam = p.eigenvalues()
    t = minimize(p, SGD(1.2 * p.stability_limit()), 500, [0.0, 0.0])
    return {
        "lambda_min": float(lam[0]),
        "convex": bool(lam[0] > 0),
        "lr": float(1.2 * p.stability_limit()),
        "diverged": bool(t.diverged),
        "diverged_at": int(t.diverged_at) if t.diverged else -1,
        "last_loss": float(t.losses[-1]),
    }


def fix_001_M1() -> dict:
    """Below the limit GD reaches the single (global) minimum; the limit is 2/λ_max."""
    p = regression()
    t = minimize(p, SGD(0.9 * p.stability_limit()), 1000, [0.0, 0.0])
    return {
        "lr": float(0.9 * p.stability_limit()),
        "limit": float(p.stability_limit()),
        "dist_to_lstsq": float(np.linalg.norm(t.params[-1] - p.solution())),
        "excess_loss": float(t.losses[-1] - p.min_loss()),
    }


# ------------------------------------------------------------------ 001-M4: descent, not ascent

def repro_001_M4() -> dict:
    """One step along +∇L from θ = 0 (η = 0.1) raises the loss."""
    p = regression()
    theta = np.zeros(2)
    up = theta + 0.1 * p.grad(theta)
    return {"loss_0": float(p.loss(theta)), "loss_after_ascent_step": float(p.loss(up))}


def fix_001_M4() -> dict:
    """One step along −∇L lowers it, as the first-order Taylor expansion L − η‖∇L‖² predicts."""
    p = regression()
    theta = np.zeros(2)
    g = p.grad(theta)
    down = theta - 0.1 * g
    return {"loss_0": float(p.loss(theta)), "loss_after_descent_step": float(p.loss(down)),
            "taylor_prediction": float(p.loss(theta) - 0.1 * g @ g)}


# ------------------------------------------------------------------ 000-M7: what is stochastic in SGD

def repro_000_M7() -> dict:
    """Random initial values do not make GD stochastic: five random starts, exact gradients, one end point."""
    p = regression()
    rng = np.random.default_rng(7)
    starts = rng.normal(0.0, 1.0, size=(5, 2))
    r = sweep(p, SGD, np.full(5, 1.0), 2000, starts)
    ends = r.params[-1]
    return {"n_starts": 5, "spread_of_end_points": float(np.max(np.linalg.norm(ends - ends.mean(0), axis=1))),
            "dist_to_lstsq": float(np.max(np.linalg.norm(ends - p.solution(), axis=1)))}


def fix_000_M7() -> dict:
    """SGD = noisy but unbiased gradient estimates (Robbins & Monro 1951): same start, five seeds, five end points."""
    p = regression()
    theta = np.zeros(2)
    g = p.grad(theta)
    rng = np.random.default_rng(0)
    draws = np.array([p.stochastic_grad(theta, rng, 1) for _ in range(3000)])
    ends = np.array([minimize(p, SGD(0.1), 500, theta, batch_size=1, seed=s).params[-1] for s in range(5)])
    return {
        "bias_norm": float(np.linalg.norm(draws.mean(0) - g)),        # ≈ 0: unbiased
        "grad_norm": float(np.linalg.norm(g)),
        "noise_std": float(np.sqrt(np.mean(np.sum((draws - g) ** 2, axis=1)))),
        "spread_of_end_points": float(np.max(np.linalg.norm(ends - ends.mean(0), axis=1))),
    }


# ------------------------------------------------------------------ 000-M8: one symbol, two meanings

def repro_000_M8() -> dict:
    """Reading the code's α = 0.1 (a learning rate) as the §3.2.1 decay rate: η0(1 − αt) < 0 from t = 11.
    A demonstration (the arithmetic of the article's formula), not a measurement."""
    alpha, eta0 = 0.1, 1.0
    t = np.arange(0, 50)
    rate = eta0 * (1 - alpha * t)
    return {"alpha": alpha, "first_negative_step": int(np.argmax(rate < 0)), "rate_at_20": float(rate[20])}


def fix_000_M8() -> dict:
    """Two names for two things: lr = 0.1 and a decay horizon T = 1000; the linear schedule stays ≥ 0."""
    from ..schedules import linear_decay

    s = linear_decay(0.1, total_steps=1000)
    rates = s(np.arange(0, 1200))
    return {"lr": 0.1, "total_steps": 1000, "min_rate": float(rates.min()), "rate_500": float(rates[500])}


# ------------------------------------------------------------------ 001-C1: y unused, wrong gradient, shapes

def line_fit_shape_bug(x_col, lr=0.01, steps=1000):
    """FLAWED (001 §4.2): θ has shape (1,), the "gradient" 2(x − θ) has shape (n, 1) and ignores y."""
    theta = np.zeros(1)
    for _ in range(steps):
        g = 2 * (x_col - theta)   # not ∂MSE/∂θ, no y anywhere, no intercept
        theta -= lr * g           # in-place update cannot store an (n, 1) result in a (1,) array
    return theta


def line_fit_corrected(x, y, lr=0.1, steps=1000):
    """Fit y ≈ w·x + b by GD on the MSE (1/n)Σ(w x_i + b − y_i)²; returns (w, b)."""
    w, b = 0.0, 0.0
    for _ in range(steps):
        r = w * x + b - y                 # residuals, shape (n,)
        w, b = w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r)
    return w, b


def repro_001_C1() -> dict:
    """The shape crash; and, patched for shapes (batch mean), the y-free rule θ ← 1.02θ − 0.02·mean(x) runs away."""
    x, _ = article001_data()
    out: dict[str, Any] = {}
    try:
        line_fit_shape_bug(x[:, None])
        out["error"] = ""
    except ValueError as exc:
        out["error"] = _error_text(exc)
    theta = 0.0
    with np.errstate(over="ignore"):
        for _ in range(1000):
            theta -= 0.01 * 2 * np.mean(x - theta)
    out["patched_theta_1000"] = float(theta)
    out["patched_predictions"] = [float(theta * v) for v in (2.0, 3.0, 4.0)]
    return out


def fix_001_C1() -> dict:
    """Corrected (w, b), lr 0.1, 1000 steps: predictions at x = 2, 3, 4 match least squares."""
    x, y = article001_data()
    w, b = line_fit_corrected(x, y)
    p = LinearRegression(x, y)
    ls = p.predict(p.solution(), [2.0, 3.0, 4.0])
    # the same run through the library: the half-MSE gradient is half the MSE one, so lr 0.2 there
    lib = minimize(p, SGD(0.2), 1000, [0.0, 0.0]).params[-1]
    return {
        "w": float(w), "b": float(b),
        "predictions": [float(w * v + b) for v in (2.0, 3.0, 4.0)],
        "lstsq_predictions": [float(v) for v in ls],
        "library_predictions": [float(v) for v in p.predict(lib, [2.0, 3.0, 4.0])],
    }


# ------------------------------------------------------------------ 001-M18: vertical residuals

def perpendicular_fit(x, y) -> tuple[float, float]:
    """The line minimising PERPENDICULAR distances (total least squares: first principal axis); (w, b)."""
    c = np.column_stack([x - x.mean(), y - y.mean()])
    _, _, vt = np.linalg.svd(c, full_matrices=False)
    dx, dy = vt[0]
    w = dy / dx
    return float(w), float(y.mean() - w * x.mean())


def repro_001_M18() -> dict:
    """If least squares minimised point-to-line distances it would give the perpendicular fit; it does not."""
    x, y = article001_data()
    w_perp, b_perp = perpendicular_fit(x, y)
    p = LinearRegression(x, y)
    b_ls, w_ls = p.solution()
    return {"w_perpendicular": w_perp, "b_perpendicular": b_perp, "w_least_squares": float(w_ls),
            "b_least_squares": float(b_ls)}


def fix_001_M18() -> dict:
    """GD on the mean of squared VERTICAL residuals reaches the least-squares line (not the perpendicular one)."""
    x, y = article001_data()
    w, b = line_fit_corrected(x, y, lr=0.1, steps=5000)
    p = LinearRegression(x, y)
    b_ls, w_ls = p.solution()
    return {"w_gd": float(w), "b_gd": float(b), "w_least_squares": float(w_ls), "b_least_squares": float(b_ls),
            "w_perpendicular": perpendicular_fit(x, y)[0]}


# ------------------------------------------------------------------ 002-M7: the gradient at θ_t

def gd_frozen_gradient(problem, theta0, lr, steps):
    """FLAWED reading of θ ← θ − η∇J(θ) with the gradient taken once, at θ_0: a straight line forever."""
    theta = np.array(theta0, dtype=float)
    g0 = problem.grad(theta)                 # never re-evaluated
    return np.array([theta - lr * k * g0 for k in range(steps + 1)])


def repro_002_M7() -> dict:
    """Gradient frozen at θ_0 (η = 0.1): the loss falls, then rises without bound."""
    p = regression()
    path = gd_frozen_gradient(p, [0.0, 0.0], 0.1, 1000)
    losses = p.loss(path)
    return {"loss_0": float(losses[0]), "min_loss_on_path": float(losses.min()),
            "argmin_step": int(np.argmin(losses)), "loss_1000": float(losses[-1])}


def fix_002_M7() -> dict:
    """θ_{t+1} = θ_t − η∇J(θ_t) (η = 0.1): the loss falls to the least-squares minimum."""
    p = regression()
    X, y = design()
    theta = gd_corrected(X, y, [0.0, 0.0], 0.1, 5000)
    return {"loss_0": float(p.loss(np.zeros(2))), "loss_5000": float(p.loss(theta)), "min_loss": p.min_loss()}


# ------------------------------------------------------------------ non-convex: 001-M14, 001-M17, 002-M3

class TiltedDoubleWell:
    """A 1-D non-convex loss ``f(x) = x⁴/4 − x²/2 + c·x`` (c = 0.2): a global minimum near −1.088,
    a local one near 0.879, a maximum near 0.209. theta has shape (..., 1)."""

    dim = 1

    def __init__(self, c: float = 0.2):
        self.c = float(c)

    def loss(self, theta: Any) -> np.ndarray:
        x = np.asarray(theta, dtype=float)[..., 0]
        return x**4 / 4 - x**2 / 2 + self.c * x

    def grad(self, theta: Any) -> np.ndarray:
        t = np.asarray(theta, dtype=float)
        return t**3 - t + self.c

    def stationary_points(self) -> np.ndarray:
        """The roots of f'(x) = x³ − x + c, ascending: global min, maximum, local min."""
        return np.sort(np.roots([1.0, 0.0, -1.0, self.c]).real)

    def curvature(self, x: Any) -> np.ndarray:
        return 3 * np.asarray(x, dtype=float) ** 2 - 1

    def minimizer(self) -> np.ndarray:
        return self.stationary_points()[:1]

    def min_loss(self) -> float:
        return float(self.loss(self.minimizer()))


def repro_001_M14() -> dict:
    """On a non-convex loss GD from x0 = 1.5 (η = 0.1) converges, but to the LOCAL minimum."""
    f = TiltedDoubleWell()
    t = minimize(f, SGD(0.1), 500, [1.5])
    return {"end": float(t.params[-1, 0]), "end_loss": float(t.losses[-1]), "global_min_loss": f.min_loss(),
            "end_grad": float(abs(f.grad(t.params[-1])[0]))}


def fix_001_M14() -> dict:
    """Convex regression: GD from five random starts reaches the one global minimum (the guarantee that does hold)."""
    p = regression()
    starts = np.random.default_rng(14).normal(0.0, 3.0, size=(5, 2))
    r = sweep(p, SGD, np.full(5, p.best_fixed_lr()), 1000, starts)
    return {"max_excess_loss": float(np.max(r.final_loss - p.min_loss())),
            "max_dist_to_lstsq": float(np.max(np.linalg.norm(r.params[-1] - p.solution(), axis=1)))}


def _small_rates_same_basin() -> dict:
    """GD from x0 = 1.5 on the double well at three small rates (4000 steps each)."""
    return {k: (list(v) if isinstance(v, list) else v) for k, v in _small_rates_cached()}   # fresh lists


@lru_cache(maxsize=1)
def _small_rates_cached() -> tuple:
    f = TiltedDoubleWell()
    lrs = np.array([3e-3, 3e-2, 3e-1])
    r = sweep(f, SGD, lrs, 4000, [1.5])
    local = f.stationary_points()[2]
    err = np.abs(r.params[:, :, 0] - local)
    steps_to_tol = [int(np.argmax(err[:, k] < 1e-6)) for k in range(3)]
    return (("lrs", [float(v) for v in lrs]), ("ends", [float(v) for v in r.params[-1, :, 0]]),
            ("local_min", float(local)), ("steps_to_1e-6", steps_to_tol))


def repro_001_M17() -> dict:
    """From x0 = 1.5 every small rate ends in the SAME minimum (the basin decides, not η); large η = 0.7
    jumps to the global minimum, η = 0.9 oscillates around ONE minimum, η = 1.5 diverges."""
    f = TiltedDoubleWell()
    out = _small_rates_same_basin()
    runs = {eta: minimize(f, SGD(eta), 200, [1.5]) for eta in (0.7, 0.9, 1.5)}
    out["end_0.7"] = float(runs[0.7].params[-1, 0])
    out["cycle_0.9"] = [float(v) for v in runs[0.9].params[-2:, 0]]
    out["diverged_1.5"] = bool(runs[1.5].diverged)
    out["global_min"] = float(f.stationary_points()[0])
    out["limit_global_min"] = float(2 / f.curvature(f.stationary_points()[0]))
    return out


def fix_001_M17() -> dict:
    """Too small a rate is SLOW: the steps needed scale like 1/η (ratio ≈ 10 per factor 10)."""
    out = _small_rates_same_basin()
    s = out["steps_to_1e-6"]
    return {"steps_to_1e-6": s, "ratio_small_to_mid": s[0] / s[1], "ratio_mid_to_large": s[1] / s[2]}


def repro_002_M3() -> dict:
    """'Too small a rate gets stuck in a local optimum': η = 0.003, 0.03, 0.3 from the same start end together."""
    return _small_rates_same_basin()


def fix_002_M3() -> dict:
    """What decides the minimum is the start's basin: from either side of the maximum (η = 0.1), each start
    goes to the minimum on its side; starts left of the maximum reach the global one."""
    f = TiltedDoubleWell()
    x_max = f.stationary_points()[1]
    starts = np.array([[-2.0], [x_max - 0.05], [x_max + 0.05], [1.5]])
    ends = sweep(f, SGD, np.full(4, 0.1), 600, starts).params[-1, :, 0]
    return {"starts": [float(s[0]) for s in starts], "ends": [float(e) for e in ends], "maximum": float(x_max)}


# ------------------------------------------------------------------ 002-M2: vanishing/exploding vs divergence

def backward_signal_by_layer(gain: float, depth: int = 12, width: int = 64) -> np.ndarray:
    """std of the backward signal ∂(Σ logits)/∂h_l at each hidden layer l = 1..depth (first layer first)
    of a fresh ReLU net on two-moons whose weights have std gain·√(2/fan_in) (He for gain = 1).
    Nothing is trained: no learning rate is involved."""
    return np.array(_backward_signal(float(gain), int(depth), int(width)))


@lru_cache(maxsize=16)
def _backward_signal(gain: float, depth: int, width: int) -> tuple:
    def init(fan_in, fan_out, rng):
        return rng.normal(0.0, gain * np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    X, _ = two_moons(200, seed=0)
    net = MLP([2] + [width] * depth + [1], activation="relu", init=init, seed=0)
    return tuple(float(v) for v in net.layer_stats(net.init_params(), X)["grad_act_std"])


def _deep_net_grad_ratio(gain: float, depth: int = 12, width: int = 64) -> float:
    s = backward_signal_by_layer(gain, depth, width)
    return float(s[0] / s[-1])


def repro_002_M2() -> dict:
    """Vanishing/exploding gradients appear at initialisation, before any learning rate is used."""
    return {"depth": 12, "ratio_gain_0.5": _deep_net_grad_ratio(0.5), "ratio_gain_1.0": _deep_net_grad_ratio(1.0),
            "ratio_gain_2.0": _deep_net_grad_ratio(2.0)}


def fix_002_M2() -> dict:
    """A too large rate causes DIVERGENCE even with no depth at all (linear regression): overflow, then NaN."""
    p = regression()
    X, y = design()
    lr = 1.5 * p.stability_limit()
    theta = np.zeros(2)
    first_inf = first_nan = -1
    steep_axis, star, steep_err = np.linalg.eigh(p.hessian())[1][:, -1], p.solution(), {}
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, 5000):
            theta = theta - lr * X.T @ (X @ theta - y) / len(y)
            if t in (20, 40):
                steep_err[t] = abs(float((theta - star) @ steep_axis))
            loss = 0.5 * np.mean((X @ theta - y) ** 2)
            if first_inf < 0 and np.isinf(loss):
                first_inf = t
            if np.any(np.isnan(theta)):
                first_nan = t
                break
    return {"lr": float(lr), "limit": float(p.stability_limit()), "first_inf_loss_step": first_inf,
            "first_nan_step": first_nan, "growth_per_step": float(abs(1 - lr * p.eigenvalues()[-1])),
            "measured_growth_per_step": (steep_err[40] / steep_err[20]) ** (1 / 20)}   # from the run itself


# ------------------------------------------------------------------ 003-C1: placeholders and mutation

def fit_inplace(X, y, theta, lr, steps):
    """FLAWED (003 §4.1): a correct MSE gradient, but ``-=`` overwrites the caller's θ."""
    m = len(y)
    for _ in range(steps):
        grad = X.T @ (X @ theta - y) * 2 / m
        theta -= lr * grad
    return theta


def fit_copy(X, y, theta0, lr, steps):
    """Corrected: the same MSE gradient on a float copy of θ0."""
    theta = np.array(theta0, dtype=float)
    m = len(y)
    for _ in range(steps):
        theta = theta - lr * 2 * X.T @ (X @ theta - y) / m
    return theta


def repro_003_C1() -> dict:
    """Placeholder arrays ``np.array([...])`` hold Python's Ellipsis: the first product raises TypeError;
    with real data the function works but changes the caller's θ."""
    out: dict[str, Any] = {}
    placeholder = np.array([...])
    try:
        fit_inplace(placeholder, placeholder, placeholder, 0.01, 1000)
        out["error"] = ""
    except TypeError as exc:
        out["error"] = _error_text(exc)
    X, y = design()
    caller = np.zeros(2)
    fit_inplace(X, y, caller, 0.1, 1000)
    out["caller_after"] = [float(v) for v in caller]
    out["mutates_caller"] = bool(np.any(caller != 0))
    return out


def fix_003_C1() -> dict:
    """Real data, a copy of θ0: lr 0.1 (MSE gradient), 1000 steps reach the least-squares optimum."""
    X, y = design()
    p = regression()
    caller = np.zeros(2)
    theta = fit_copy(X, y, caller, 0.1, 1000)
    return {"caller_unchanged": bool(np.all(caller == 0)), "loss": float(p.loss(theta)), "min_loss": p.min_loss(),
            "dist_to_lstsq": float(np.linalg.norm(theta - p.solution()))}


# ------------------------------------------------------------------ chapter helpers (issue 18)
# Regimes of the 1-D recursion e <- (1 - lr*lam) e, classified two independent ways: from the
# boundaries 1/lam and 2/lam (the theory) and from a measured error sequence (signs and sizes).

def predicted_regime(lr: float, lam: float, atol: float = 1e-12) -> str:
    """The regime the boundaries 1/λ and 2/λ predict for the error factor 1 − ηλ (ηλ within ``atol`` of
    1 or 2 counts as that boundary, so that a last-bit difference in λ does not change the name)."""
    x = lr * lam
    if x <= 0:
        return "no movement"
    if abs(x - 1) <= atol:
        return "one step"
    if abs(x - 2) <= atol:
        return "constant oscillation"
    if x < 1:
        return "monotone"
    if x < 2:
        return "oscillating"
    return "diverging"


def measured_regime(errors: Any, rtol: float = 1e-12, floor: float = 1e-10) -> str:
    """The regime of a measured 1-D error sequence e_0, e_1, …, read from signs and sizes only:
    'monotone' (same sign, shrinking), 'one step' (|e_t| <= rtol·|e_0| after one update), 'oscillating'
    (sign flips at every step, shrinking), 'diverging' (sign flips, growing); 'other' for anything else.
    The sequence is read up to its first entry below ``floor``·|e_0|: an error projected out of a
    multi-dimensional run is round-off there, and its sign means nothing."""
    e = np.asarray(errors, dtype=float)
    e = e[np.isfinite(e)]
    if len(e) < 3 or e[0] == 0:
        return "other"
    if np.all(np.abs(e[1:]) <= rtol * abs(e[0])):
        return "one step"
    small = np.nonzero(np.abs(e) < floor * abs(e[0]))[0]
    if len(small):
        e = e[:small[0]]
    if len(e) < 3:
        return "other"
    size, sign = np.abs(e), np.sign(e)
    shrinks, grows = np.all(size[1:] < size[:-1]), np.all(size[1:] > size[:-1])
    same = np.all(sign == sign[0])
    flips = np.all(sign[1:] == -sign[:-1])
    if same and shrinks:
        return "monotone"
    if flips and shrinks:
        return "oscillating"
    if flips and grows:
        return "diverging"
    return "other"


def double_well_outcomes(lrs: Any, starts: Any = None, steps: int = 3000, tol: float = 1e-6) -> dict:
    """Gradient descent on the tilted double well from many starts (81 on [−2, 2] by default), one rate
    at a time: how many runs settle (end within ``tol`` of a minimum, not diverged) in the global and in
    the local minimum, how many diverge, how many do neither (cycles), and how many starts LEFT of the
    maximum (the global minimum's basin) end in the local minimum."""
    f = TiltedDoubleWell()
    x_glob, x_max, x_loc = f.stationary_points()
    starts = np.linspace(-2.0, 2.0, 81) if starts is None else np.asarray(starts, dtype=float)
    out = {"lrs": [], "global": [], "local": [], "diverged": [], "other": [], "global_basin_to_local": [],
           "n_starts": int(len(starts))}
    for lr in np.asarray(lrs, dtype=float):
        r = sweep(f, SGD, np.full(len(starts), lr), steps, starts[:, None])
        end = r.params[-1, :, 0]
        glob = ~r.diverged & (np.abs(end - x_glob) < tol)
        loc = ~r.diverged & (np.abs(end - x_loc) < tol)
        out["lrs"].append(float(lr))
        out["global"].append(int(glob.sum()))
        out["local"].append(int(loc.sum()))
        out["diverged"].append(int(r.diverged.sum()))
        out["other"].append(int(len(starts) - glob.sum() - loc.sum() - r.diverged.sum()))
        out["global_basin_to_local"].append(int(np.sum(loc & (starts < x_max))))
    return out


def iterate_averages(params: Any, start: int, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Two averages of a run's iterates ``params`` (steps + 1, d): the Polyak–Ruppert average of
    ``params[start:]`` (equal weights) and the exponential moving average over the whole run,
    ``a_{t+1} = β a_t + (1 − β) θ_{t+1}`` from ``a_0 = θ_0``. ``start = len(params) − 1`` or
    ``beta = 0`` give back the last iterate (no averaging)."""
    P = np.asarray(params, dtype=float)
    polyak = P[start:].mean(axis=0)
    ema = P[0].copy()
    for theta in P[1:]:
        ema = beta * ema + (1 - beta) * theta
    return polyak, ema


def averaging_vs_last(lr: float = 0.5, batch_size: int = 10, steps: int = 400, start: int = 200,
                      beta: float = 0.98, seeds: Any = range(8)) -> dict:
    """Constant-rate minibatch SGD on the regression, several seeds: the excess loss of the iterates
    themselves (averaged over the second half of the run, the noise-ball level; it does not depend on
    ``start`` or ``beta``) against the excess loss of the Polyak–Ruppert average of ``params[start:]``
    and of the EMA with factor ``beta``. Lists, one entry per seed."""
    p = regression()
    out = {"last": [], "polyak": [], "ema": []}
    for seed in seeds:
        t = minimize(p, SGD(lr), steps, np.zeros(2), batch_size=batch_size, seed=int(seed))
        polyak, ema = iterate_averages(t.params, start, beta)
        out["last"].append(float(np.mean(t.losses[steps // 2:] - p.min_loss())))
        out["polyak"].append(float(p.loss(polyak) - p.min_loss()))
        out["ema"].append(float(p.loss(ema) - p.min_loss()))
    return out
