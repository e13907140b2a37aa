"""Flaws taught in the chapter "Weight initialisation versus learning-rate warmup" (book/init_warmup).

One line per errata ID (see ``repro_<ID>`` / ``fix_<ID>`` below):

000-M6  §2.2, §3.3, §6.2, §6.4: the "learning-rate warm start" (学习率热起始) is a weight initialisation; its "algorithm" is plain GD with a constant rate.
000-M9  §2.2, §6.2, §6.4: a small-σ Gaussian is random too, and too small a σ shrinks signals with depth: a deep net stalls at ln 2.
000-C5  §4.5: ``xavier_init`` returns the scalar √(2/n) (He's standard deviation for fan-in n) and samples nothing.
000-C6  §4.5: ``he_init`` multiplies by 0.1 when the size is even (0.0141 for 100, 0.1407 for 101).
000-C7  §4.5: the "heat start" GD: NameError alone, unused mean, discarded θ, no seed, constant rate with ascent, no warmup.
000-C8  §4.5: the two initialisers are defined and never called; the heat start draws with a raw σ.

Every function is our own code; ``repro_*`` and ``fix_*`` return plain Python values.

Tools used by the chapter (all built on :mod:`lrcourse`): :func:`moons` (the data),
:func:`layer_profile` (per-layer signal sizes of a fresh net), :func:`warmup_net` and
:func:`train` (the warmup experiment: full-batch gradient descent on a ReLU net of three hidden
layers), :func:`warmup_or_constant`, :func:`outcome`, :func:`small_gaussian`,
:func:`article_init` (turn a one-number "initialiser" into a sampler); for "Why warmup helps",
:func:`noisy_moons`, :func:`compare_net` and :func:`compare_warmup` (warmup against every
constant rate of a grid, same budget) and :func:`column` (one run of a sweep as a Trajectory).
"""
from __future__ import annotations

import ast
import inspect
import math
import sys
import textwrap
from typing import Any, Callable

import numpy as np

from .. import schedules as S
from ..datasets import two_moons
from ..init import gaussian, he_normal, xavier_normal, xavier_uniform
from ..mlp import MLP, Classification
from ..optimizers import SGD
from ..problems import LinearRegression, make_linear_data
from ..train import SweepResult, Trajectory, minimize, sweep
from .schedules import inverse_time_once

__all__ = [
    "moons", "layer_profile", "small_gaussian", "article_init", "WARMUP_SIZES", "PEAK_LR", "WARMUP_STEPS",
    "STEPS", "warmup_net", "warmup_or_constant", "train", "outcome", "article_xavier", "article_he",
    "heat_start_gd", "warmup_gd", "called_names", "warm_start_algorithm", "BLOWUP", "TRAINED_LOSS",
    "noisy_moons", "COMPARE_LRS", "COMPARE_STEPS", "COMPARE_WARMUP", "compare_net", "compare_warmup",
    "column", "initialised_start",
]

LN2 = math.log(2.0)

#: the warmup experiment: a ReLU net 2 → 32 → 32 → 32 → 1 with He init, full-batch gradient
#: descent for STEPS updates at peak rate PEAK_LR, linear warmup over WARMUP_STEPS updates
WARMUP_SIZES = (2, 32, 32, 32, 1)
PEAK_LR = 4.0
WARMUP_STEPS = 150
STEPS = 200
#: a run "diverges" once its loss exceeds BLOWUP times its initial loss (about 0.7 here)
BLOWUP = 100.0
#: a run "trains" if its final loss is below this (every point then classified correctly)
TRAINED_LOSS = 0.05


# ------------------------------------------------------------------ shared set-up

def moons(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The chapter's data: two moons, 200 points, noise 0.1, standardised columns."""
    return two_moons(n=n, noise=0.1, seed=seed)


def small_gaussian(std: float = 0.01) -> Callable[[int, int, np.random.Generator], np.ndarray]:
    """The initialiser article 000 recommends: N(0, std²) whatever the layer's size."""
    def init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
        return gaussian(fan_in, fan_out, rng, std=std)
    init.__name__ = f"gaussian_{std:g}"
    return init


def layer_profile(depth: int, activation: str, init: Any, width: int = 64, seed: int = 0) -> dict[str, np.ndarray]:
    """Signal sizes layer by layer in a FRESH net ``2 → width × depth → 1`` on :func:`moons`:
    ``MLP.layer_stats`` without labels (the backward signal is the net's own Jacobian).
    Nothing is trained, so no learning rate is involved."""
    X, _ = moons()
    net = MLP([2] + [width] * depth + [1], activation=activation, init=init, seed=seed)
    return net.layer_stats(net.init_params(), X)


# ------------------------------------------------------------------ the warmup experiment

def warmup_net(init: Any = "he_normal", seed: int = 0) -> Classification:
    """The ReLU net of the warmup experiment on :func:`moons`, as a problem for ``minimize``."""
    X, y = moons()
    return Classification(MLP(WARMUP_SIZES, activation="relu", init=init, seed=seed), X, y)


def warmup_or_constant(peak: float, warmup: int) -> S.Schedule:
    """``peak`` throughout if ``warmup == 0``, else a linear ramp from 0 to ``peak`` over ``warmup``
    updates (Goyal et al. 2017), then ``peak``."""
    return S.constant(peak) if warmup == 0 else S.linear_warmup(S.constant(peak), warmup)


def train(problem: Classification, schedule: Any, steps: int = STEPS) -> Trajectory:
    """Full-batch gradient descent with the given rate schedule; stops at divergence (loss > BLOWUP × initial)."""
    return minimize(problem, SGD(schedule), steps, problem.init_params(), blowup=BLOWUP)


def outcome(traj: Trajectory) -> str:
    """'diverged', 'trained' (final loss < TRAINED_LOSS), 'stalled' (final loss within 0.001 of ln 2) or 'other'."""
    if traj.diverged:
        return "diverged"
    final = float(traj.losses[-1])
    if final < TRAINED_LOSS:
        return "trained"
    if abs(final - LN2) < 1e-3:
        return "stalled"
    return "other"


# ------------------------------------------------------------------ warmup against the best constant rate

#: the comparison of "Why warmup helps": the same ReLU net on overlapping moons (noise 0.3, so no
#: run reaches zero loss and training is far from finished when a warmup ends), full-batch GD for
#: COMPARE_STEPS updates, each rate of COMPARE_LRS run once as a constant and once as the peak of
#: a linear warmup over COMPARE_WARMUP updates (the same grid, the same budget)
COMPARE_LRS = tuple(float(v) for v in 0.5 * np.sqrt(2.0) ** np.arange(1, 9))   # 0.71, 1, 1.41, ..., 8
COMPARE_STEPS = 300
COMPARE_WARMUP = 100


def noisy_moons(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two moons with noise 0.3: the classes overlap, so the loss has a floor well above 0."""
    return two_moons(n=n, noise=0.3, seed=seed)


def compare_net(seed: int = 0) -> Classification:
    """The ReLU net 2 → 32 → 32 → 32 → 1 (He init, seed ``seed``) on :func:`noisy_moons`."""
    X, y = noisy_moons()
    return Classification(MLP(WARMUP_SIZES, activation="relu", init="he_normal", seed=seed), X, y)


def compare_warmup(seed: int = 0, lrs: Any = COMPARE_LRS, steps: int = COMPARE_STEPS,
                   warmup: int = COMPARE_WARMUP) -> dict[str, SweepResult]:
    """Both families on one initialisation: ``{"constant": sweep, "warmup": sweep}``, run k at
    rate (or peak) ``lrs[k]``; a run stops once its loss exceeds BLOWUP × its initial loss."""
    problem = compare_net(seed)
    theta0 = problem.init_params()
    ramp = S.linear_warmup(S.constant(1.0), warmup)          # 0 → 1 over `warmup` updates, then 1

    def warm(lr):
        return SGD(lambda t: lr * ramp(t))
    return {"constant": sweep(problem, lambda lr: SGD(lr), lrs, steps, theta0, blowup=BLOWUP),
            "warmup": sweep(problem, warm, lrs, steps, theta0, blowup=BLOWUP)}


#: the same comparison on a longer budget: seeds 0-4, the full grid, LONG_STEPS updates. The
#: test suite (tests/test_flaws_init_warmup.py) runs it (too slow for the page) and checks that the
#: best constant rate beats the best warmup run on LONG_CONSTANT_WINS of the 5 seeds, and that every
#: best run lies among the LONG_GRID smallest rates of the grid
LONG_STEPS = 1000
LONG_CONSTANT_WINS = 3   # at least this many: the count varies with the CPU (chaotic large-rate runs), 3 or 4 measured
LONG_GRID = 5


def dead_units(problem: Classification, theta: Any) -> list[int]:
    """Per hidden layer, the number of ReLU units whose activation is 0 on every point of the data."""
    _, cache = problem.mlp.forward(theta, problem.X, return_cache=True)
    return [int(np.sum(np.all(h <= 0, axis=0))) for h in cache["act"][1:]]


def column(result: SweepResult, k: int) -> Trajectory:
    """Run ``k`` of a sweep as a :class:`Trajectory` (rows after a divergence dropped), so that
    :func:`outcome` and the plots treat it like a run of :func:`train`."""
    last = int(result.diverged_at[k]) + 2 if result.diverged[k] else result.losses.shape[0]
    return Trajectory(params=result.params[:last, k], losses=result.losses[:last, k], lrs=np.full(last - 1, np.nan),
                      diverged=bool(result.diverged[k]),
                      diverged_at=int(result.diverged_at[k]) if result.diverged[k] else None,
                      left_start_at=int(result.left_start_at[k]) if result.left_start_at[k] >= 0 else None)


# ------------------------------------------------------------------ 000-C5, 000-C6: the two "initialisers"

def article_xavier(size):
    """FLAWED (000 §4.5): named after Xavier, returns √(2/size), one number, and samples nothing."""
    scale = np.sqrt(2 / size)      # He's std for fan-in `size`, not Xavier's 2/(fan_in + fan_out)
    return scale                   # a scalar: no weight matrix is ever drawn


def article_he(size):
    """FLAWED (000 §4.5): √(2/size), shrunk ten-fold whenever size is even."""
    scale = np.sqrt(2 / size)
    if size % 2 == 0:              # parity has nothing to do with the right scale
        scale *= 0.1
    return scale


def article_init(std_of_size: Callable[[int], float]) -> Callable[[int, int, np.random.Generator], np.ndarray]:
    """Use a one-number rule ``std_of_size(fan_in)`` as a sampler for ``MLP(init=...)``."""
    def init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(0.0, float(std_of_size(fan_in)), size=(fan_in, fan_out))
    return init


def repro_000_C5() -> dict:
    """What ``xavier_init`` returns for a 100 → 100 layer, against what Xavier and He prescribe."""
    value = article_xavier(100)
    return {
        "returned": float(value),
        "returned_ndim": int(np.ndim(value)),
        "he_std_fan_in_100": float(np.sqrt(2 / 100)),
        "xavier_std_100_to_100": float(np.sqrt(2 / (100 + 100))),
        "xavier_uniform_limit_100_to_100": float(np.sqrt(6 / (100 + 100))),
    }


def fix_000_C5() -> dict:
    """Xavier uniform for a 100 → 100 layer: a sampled matrix with Var = 2/(fan_in + fan_out)."""
    W = xavier_uniform(100, 100, np.random.default_rng(0))
    Wn = xavier_normal(100, 100, np.random.default_rng(0))
    return {
        "shape": f"{W.shape[0]}x{W.shape[1]}",
        "sample_var": float(W.var()),
        "target_var": 2 / 200,
        "max_abs": float(np.abs(W).max()),
        "limit": float(np.sqrt(6 / 200)),
        "normal_sample_std": float(Wn.std()),
        "normal_target_std": float(np.sqrt(2 / 200)),
    }


def _last_act_std(width: int, init: Any, depth: int = 8) -> float:
    return float(layer_profile(depth, "relu", init, width=width)["act_std"][-1])


def repro_000_C6() -> dict:
    """``he_init`` at neighbouring sizes, and what it does to an 8-layer ReLU net of width 100 vs 101."""
    flawed = article_init(article_he)
    return {
        "he_init_100": float(article_he(100)),
        "he_init_101": float(article_he(101)),
        "ratio_101_over_100": float(article_he(101) / article_he(100)),
        "last_act_std_width_100": _last_act_std(100, flawed),
        "last_act_std_width_101": _last_act_std(101, flawed),
    }


def fix_000_C6() -> dict:
    """He normal (std √(2/fan_in), sampled) for the same two nets: the signal keeps its size."""
    return {
        "he_std_100": float(np.sqrt(2 / 100)),
        "he_std_101": float(np.sqrt(2 / 101)),
        "ratio_101_over_100": float(np.sqrt(100 / 101)),
        "last_act_std_width_100": _last_act_std(100, "he_normal"),
        "last_act_std_width_101": _last_act_std(101, "he_normal"),
        "sample_std_100": float(he_normal(100, 100, np.random.default_rng(0)).std()),
    }


# ------------------------------------------------------------------ 000-C7, 000-C8: the "heat start" routine

def heat_start_gd(X, y, theta, lr, steps, mean, spread):
    """FLAWED (000 §4.5): "gradient descent with a heat start"."""
    m = len(y)
    theta = spread * np.random.standard_normal(theta.shape)   # caller's θ dropped; `mean` unused; no seed
    rate = inverse_time_once(lr, steps)   # helper of the §4.2 listing: one constant rate
    for _ in range(steps):
        uphill = X.T @ (y - X @ theta) / m   # −∇L: the sign error of §4.1
        theta -= rate * uphill                # so every step climbs
    return theta


def warmup_gd(X, y, theta0, schedule, steps):
    """Gradient descent on ½·MSE from the given θ0 with a rate schedule (e.g. a warmup)."""
    theta = np.array(theta0, dtype=float)   # start where the caller says; never modify its array
    m = len(y)
    for t in range(steps):
        grad = X.T @ (X @ theta - y) / m    # ∇L(θ_t)
        theta = theta - schedule(t) * grad
    return theta


def _design() -> tuple[np.ndarray, np.ndarray, LinearRegression]:
    p = LinearRegression(*make_linear_data())
    return p.X.copy(), p.y.copy(), p


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _with_global_seed(seed: int, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` with numpy's global RNG seeded, then restore the caller's global RNG state."""
    saved = np.random.get_state()
    try:
        np.random.seed(seed)
        return fn()
    finally:
        np.random.set_state(saved)


def repro_000_C7() -> dict:
    """Every defect of the heat-start routine, one at a time (lr 0.1, 1000 steps, σ = 0.01)."""
    X, y, p = _design()
    out: dict[str, Any] = {}
    # 1. run on its own, as a reader would paste the listing: the helper is missing
    namespace: dict[str, Any] = {"np": np}
    exec(textwrap.dedent(inspect.getsource(heat_start_gd)), namespace)   # noqa: S102 (our own code)
    try:
        namespace["heat_start_gd"](X, y, np.zeros(2), 0.1, 1000, 0.0, 0.01)
        out["alone"] = ""
    except NameError as exc:
        out["alone"] = _error_text(exc)

    def run(theta=np.zeros(2), mean=0.0):
        return _with_global_seed(0, lambda: heat_start_gd(X, y, np.array(theta, dtype=float), 0.1, 1000, mean, 0.01))
    # 2. the mean argument does nothing
    out["mean_ignored"] = bool(np.array_equal(run(mean=0.0), run(mean=5.0)))
    # 3. the θ passed in is thrown away
    out["theta_discarded"] = bool(np.array_equal(run(theta=np.zeros(2)), run(theta=p.solution())))
    # 4. no seed: two calls in a row start from different points
    saved = np.random.get_state()
    first = heat_start_gd(X, y, np.zeros(2), 0.1, 1, 0.0, 0.01)
    second = heat_start_gd(X, y, np.zeros(2), 0.1, 1, 0.0, 0.01)
    np.random.set_state(saved)
    out["two_calls_differ"] = bool(not np.array_equal(first, second))
    # 5. one constant rate, and the steps climb
    out["rate"] = float(inverse_time_once(0.1, 1000))
    out["loss_start"] = float(p.loss(_with_global_seed(0, lambda: 0.01 * np.random.standard_normal(2))))
    out["loss_end"] = float(p.loss(run()))
    # 6. no warmup: the rate helper is called once, so every update uses the same rate
    module, calls = sys.modules[__name__], []
    original = module.inverse_time_once

    def counting(*args):
        calls.append(args)
        return original(*args)
    module.inverse_time_once = counting
    try:
        run()
    finally:
        module.inverse_time_once = original
    out["rate_evaluations"] = len(calls)
    return out


def fix_000_C7() -> dict:
    """Separate concerns: a seeded start, a correct descent step, a warmup schedule for the rate."""
    X, y, p = _design()
    steps, warmup, peak = 1000, 50, 1.0
    schedule = S.linear_warmup(S.linear_decay(peak, steps - warmup), warmup, start_factor=1 / warmup)

    def start(seed: int, mean: float = 0.0, spread: float = 0.01) -> np.ndarray:
        return np.random.default_rng(seed).normal(mean, spread, size=2)

    theta = warmup_gd(X, y, start(0), schedule, steps)
    again = warmup_gd(X, y, start(0), schedule, steps)
    rates = S.evaluate(schedule, steps)
    caller = p.solution()
    kept = warmup_gd(X, y, caller, schedule, 0)
    return {
        "peak_lr": peak, "warmup_steps": warmup, "steps": steps,
        "stability_limit": float(p.stability_limit()),
        "rate_first": float(rates[0]), "rate_at_warmup_end": float(rates[warmup]), "rate_last": float(rates[-1]),
        "loss_end": float(p.loss(theta)),
        "min_loss": float(p.min_loss()),
        "same_seed_same_result": bool(np.array_equal(theta, again)),
        "mean_used": bool(np.allclose(start(0, mean=5.0).mean(), 5.0, atol=0.05)),
        "theta_respected": bool(np.array_equal(kept, caller)),
        "distinct_rates": int(len(np.unique(rates))),
    }


def called_names(fn: Callable) -> list[str]:
    """The names of every function that ``fn``'s body calls (read from its source with ``ast``)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            names.add(ast.unparse(node.func))
    return sorted(names)


def initialised_start(sizes: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    """The fix of 000-C8 as a routine: one He-normal draw per layer, with that layer's fan-in."""
    rng = np.random.default_rng(seed)
    return [he_normal(a, b, rng) for a, b in zip(sizes[:-1], sizes[1:])]


def repro_000_C8() -> dict:
    """The heat start never calls either initialiser; its weights have std σ whatever the layer size.

    ``calls`` is read from our transcription :func:`heat_start_gd`; the test suite checks the
    article's own §4.5 listing the same way (tests/test_flaws_init_warmup.py). The control
    ``detector_sees_a_call``: the same reader finds ``he_normal`` in :func:`initialised_start`,
    so an empty result is not an artefact of the reader. The two stds are a demonstration (a raw
    σ draw has std σ by construction)."""
    calls = called_names(heat_start_gd)
    stds = {n: float(np.std(_with_global_seed(0, lambda n=n: 0.01 * np.random.standard_normal((n, n)))))
            for n in (10, 1000)}
    return {
        "calls": ", ".join(calls),
        "calls_xavier": "article_xavier" in calls,
        "calls_he": "article_he" in calls,
        "detector_sees_a_call": "he_normal" in called_names(initialised_start),
        "weight_std_fan_in_10": stds[10],
        "weight_std_fan_in_1000": stds[1000],
    }


def fix_000_C8() -> dict:
    """Call the initialiser per layer, with its fan-in: He std √(2/fan_in) for a 2 → 1000 → 10 → 1 net
    (sample stds from ``MLP(init="he_normal")``, set against the formula)."""
    net = MLP([2, 1000, 10, 1], activation="relu", init="he_normal", seed=0)
    (W1, _), (W2, _), (W3, _) = net.unflatten(net.init_params())
    return {
        "std_layer_1_fan_in_2": float(W1.std()), "target_1": float(np.sqrt(2 / 2)),
        "std_layer_2_fan_in_1000": float(W2.std()), "target_2": float(np.sqrt(2 / 1000)),
        "std_layer_3_fan_in_10": float(W3.std()), "target_3": float(np.sqrt(2 / 10)),
    }


# ------------------------------------------------------------------ 000-M6: warm start is not warmup

def warm_start_algorithm(problem: Any, theta0: np.ndarray, lr: float, steps: int) -> np.ndarray:
    """Article 000 §3.3's "warm start" algorithm, transcribed: initialise, then θ ← θ − η∇L(θ)."""
    theta = np.array(theta0, dtype=float)
    path = [theta]
    for _ in range(steps):
        theta = theta - lr * problem.grad(theta)
        path.append(theta)
    return np.array(path)


def repro_000_M6() -> dict:
    """The §3.3 "warm start" is gradient descent at a constant rate from a small-Gaussian start.
    Its rate never moves, and even the right initialisation (He) does not make η = 4 usable.

    ``max_diff_to_plain_gd``: our transcription against ``minimize`` (another code path, equal up
    to rounding); ``max_diff_to_warmup_gd``: the same comparison against a warmup run, the control
    showing that it tells the two apart. That the transcription is the article's algorithm is
    checked on the text: §3.3's update formula is, character for character, §3.1's gradient
    descent, with a rate η that carries no step index (tests/test_flaws_init_warmup.py)."""
    small = warmup_net(init=small_gaussian(0.01))
    theta0 = small.init_params()
    path = warm_start_algorithm(small, theta0, 0.5, 20)
    plain = minimize(small, SGD(0.5), 20, theta0)
    # the control: the same comparison against a run whose rate does change (warmup over 10)
    warmed = minimize(small, SGD(S.linear_warmup(S.constant(0.5), 10)), 20, theta0)
    he = train(warmup_net(), S.constant(PEAK_LR))
    return {
        "max_diff_to_plain_gd": float(np.abs(path - plain.params).max()),
        "max_diff_to_warmup_gd": float(np.abs(path - warmed.params).max()),
        "path_size": float(np.abs(path[-1] - path[0]).max()),
        "distinct_rates": int(len(np.unique(plain.lrs))),
        "peak_lr": PEAK_LR,
        "he_init_no_warmup": outcome(he),
        "he_init_no_warmup_diverged_at": int(he.diverged_at) if he.diverged else -1,
    }


def fix_000_M6() -> dict:
    """Warmup is a rate schedule: η_t rises from 0 to η over the first updates. The same He net,
    the same η = 4, with linear warmup over 150 updates: it trains."""
    schedule = warmup_or_constant(PEAK_LR, WARMUP_STEPS)
    run = train(warmup_net(), schedule)
    return {
        "rate_0": float(schedule(0)), "rate_75": float(schedule(75)), "rate_150": float(schedule(WARMUP_STEPS)),
        "he_init_with_warmup": outcome(run),
        "final_loss": float(run.losses[-1]),
        "accuracy": float(warmup_net().accuracy(run.params[-1])),
    }


# ------------------------------------------------------------------ 000-M9: small σ is not a speed-up

def _stalls(init: Any, lr: float = 1.0) -> tuple[Trajectory, dict[str, np.ndarray]]:
    problem = warmup_net(init=init)
    stats = problem.mlp.layer_stats(problem.init_params(), problem.X, problem.y)   # gradient of the mean loss
    return train(problem, S.constant(lr)), stats


def repro_000_M9() -> dict:
    """The article's small-σ Gaussian (σ = 0.01) on the three-hidden-layer ReLU net, GD at η = 1."""
    run, stats = _stalls(small_gaussian(0.01))
    return {
        "sigma": 0.01, "lr": 1.0, "steps": STEPS,
        "logit_std_at_init": float(stats["preact_std"][-1]),
        "first_layer_grad_std": float(stats["grad_W_std"][0]),
        "loss_start": float(run.losses[0]), "loss_end": float(run.losses[-1]), "ln2": LN2,
        "outcome": outcome(run),
    }


def fix_000_M9() -> dict:
    """The same net, rate and steps with He init (std √(2/fan_in)): it trains."""
    run, stats = _stalls("he_normal")
    return {
        "lr": 1.0, "steps": STEPS,
        "logit_std_at_init": float(stats["preact_std"][-1]),
        "first_layer_grad_std": float(stats["grad_W_std"][0]),
        "loss_start": float(run.losses[0]), "loss_end": float(run.losses[-1]),
        "outcome": outcome(run),
    }
