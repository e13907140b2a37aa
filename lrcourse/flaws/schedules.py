"""Flaws of the articles' learning-rate schedules, reproduced in our own code (chapter ``schedules``).

Synthetic problem: ``LinearRegression(*make_linear_data())`` (theta = [b, w], start 0). Our
loss is ½MSE; where an entry of ERRATA.md uses MSE (gradient ``2·Xᵀr/m``) the function says so.

000-M3  §2.1.1: "linear decay = divide the LR by the epoch count" is 1/t decay, undefined at t = 0.
000-M4  §3.2.1: the recursion η ← η(1 − α·t) compounds to η0·Π(1 − αk); the closed form goes negative.
000-M5  §3.2.2: the recursion η ← η·γ^t gives η0·γ^(t(t+1)/2), not η0·γ^t.
000-M10 §2.1.2: exponential decay never reaches zero; its total Σηt is finite.
000-C2  §4.2: α/(1 + α·T) computed once before the loop (a constant rate) plus gradient ascent.
000-C3  §4.3: γ^T (no η0) computed once before the loop: constant rate, plus ascent.
000-C4  §4.4: α/(1 + t) evaluated at t = T outside the loop: constant 9.99e-5.
001-M3  §2.3: cosine decay "sets the LR to a multiple of π": meaningless (η = π diverges here).
001-M11 B§2.2: η0·exp(−t/T) is still 0.368·η0 at t = T: it does not decay "to zero".
001-M12 B§2.3: the "cosine" η0(1 − t/T)³cos(3πt/2T) is negative for 66 of 101 steps (T = 100).
001-M13 B§2.4–2.6: SGD, momentum and Adam are optimizers, not schedules; schedules compose with them.
002-V1  §3.1.2: η0·α^(t/T) with T = total steps makes α the final fraction (a valid variant).
002-M5  §3.1.3: natural exponential decay η0·e^(−kt) is exponential decay with γ = e^(−k).
003-M1  §3.2.2: exponential decay is geometric, not "linear in time".
003-M2  §3.2.3: the "infrared" rule: division by zero, sign flips, no bound; compounding collapses or diverges.
003-M3  Q2–Q3: the FAQ recommends the non-existent rule and calls a fixed LR adaptive (it diverges on steeper data).
003-M4  Q3: exponential decay called linear and "adaptive"; it is open-loop (diverges on steeper data).
003-M5  §3.2.3: the rule needs ΔJ_{t−1} at t = 1, i.e. a loss J_{−1} that does not exist.
003-C2  §4.2: γ = 0.99 per iteration freezes training (Σηt ≤ η0/(1 − γ)); MSE 0.108 vs 0.0157.
003-C3  §4.3: residual-vector "loss" ratio (≡ 1), builtin max on an array raises, placeholders fail.
004-M1  §1–2: "decay reduces the gradient": a schedule scales the step; scaling Adam's gradient does nothing.
004-M2  §3.1: the "linear" schedule η0(1 − d)^epoch is exponential, and not a step schedule either.
004-M3  §3.1–3.3: sentences trail off; "every 100 iterations" in the text, epochs in the formula.
004-M5  Q3: "schedules increase training time": same work per update (counted), fewer updates.
004-M6  §2: "fixed" listed as a schedule; the "smooth" schedule's printed formula is the exponential one.
004-C2  §4: ×0.9 per epoch for 100 epochs puts the LR below 1e-4 from epoch 44 on.
"""
from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .. import schedules as S
from ..optimizers import SGD, Adam
from ..problems import LinearRegression, make_linear_data
from ..train import minimize, sweep

__all__ = [
    "regression", "run_rates", "lr_over_epoch", "recursive_linear", "recursive_exponential",
    "article_cosine", "article004_rate", "inverse_time_once", "power_once", "custom_once",
    "train_rate_computed_once", "infrared_factor", "infrared_run", "infrared_vector_update",
    "loss_driven_run", "ARTICLE_004_FORMULAS", "article_formula", "smith_one_cycle", "smith_one_cycle_momentum",
    "plateau_cuts",
]


# ------------------------------------------------------------------ shared helpers

def regression(seed: int = 0) -> LinearRegression:
    """The synthetic problem of ERRATA.md: ``y = 1 + 2x + 0.1·noise``, 100 points."""
    return LinearRegression(*make_linear_data(seed=seed))


def run_rates(problem: LinearRegression, rates: Any, *, mse: bool = False, ascent: bool = False,
              theta0: Any = None) -> np.ndarray:
    """Full-batch gradient steps ``theta ← theta − rates[t]·g`` with ANY sign of rate.

    ``rates`` has shape ``(T,)`` or ``(T, K)`` (K runs at once). ``mse=True`` uses the MSE
    convention (gradient and loss twice ours); ``ascent=True`` adds the gradient instead (the
    sign error of article 000). Returns the losses, shape ``(T + 1,)`` or ``(T + 1, K)``;
    overflow gives ``inf``/``nan`` (no warning).
    """
    rates = np.asarray(rates, dtype=np.float64)
    scale, sign = (2.0 if mse else 1.0), (1.0 if ascent else -1.0)
    k_shape = rates.shape[1:]
    theta = np.zeros(k_shape + (problem.dim,)) if theta0 is None else np.broadcast_to(
        np.asarray(theta0, dtype=np.float64), k_shape + (problem.dim,)).copy()
    losses = np.empty((len(rates) + 1,) + k_shape)
    with np.errstate(all="ignore"):
        losses[0] = scale * problem.loss(theta)
        for t, r in enumerate(rates):
            theta = theta + sign * np.asarray(r)[..., None] * scale * problem.grad(theta)
            losses[t + 1] = scale * problem.loss(theta)
    return losses


# ------------------------------------------------------------------ the articles' formulas (flawed)

def lr_over_epoch(lr0: float, epoch: int) -> float:
    """Article 000 §2.1.1 read literally: "linear decay" = the LR divided by the epoch count."""
    return lr0 / epoch


def recursive_linear(lr0: float, alpha: float, steps: int) -> np.ndarray:
    """Article 000 §3.2.1 as an algorithm: at iteration t = 1, 2, ... do ``lr = lr * (1 − alpha*t)``.

    Returns the rate used at iterations 1..steps (entry t − 1 is η after t updates of η).
    """
    lr, out = lr0, []
    for t in range(1, steps + 1):
        lr = lr * (1 - alpha * t)
        out.append(lr)
    return np.array(out)


def recursive_exponential(lr0: float, gamma: float, steps: int) -> np.ndarray:
    """Article 000 §3.2.2 as an algorithm: at iteration t = 1, 2, ... do ``lr = lr * gamma**t``."""
    lr, out = lr0, []
    for t in range(1, steps + 1):
        lr = lr * gamma ** t
        out.append(lr)
    return np.array(out)


def article_cosine(lr0: float, total_steps: int, t: Any) -> Any:
    """Article 001 B§2.3's "cosine decay": ``lr0·(1 − t/T)³·cos(3πt / 2T)``."""
    t = np.asarray(t, dtype=np.float64)
    return lr0 * (1 - t / total_steps) ** 3 * np.cos(3 * np.pi * t / (2 * total_steps))


def article004_rate(lr0: float, decay_rate: float, epoch: Any) -> Any:
    """Article 004's one formula, given for its "linear", "exponential", "smooth" and
    "gradient-based" schedules alike: ``lr0·(1 − decay_rate)^epoch``."""
    return lr0 * (1 - decay_rate) ** np.asarray(epoch, dtype=np.float64)


#: Article 004's formula for each of its four schedules (§3.1–§3.4), transcribed character for
#: character from the article's LaTeX (tests/test_flaws_schedules.py checks each against the
#: article's text when the source articles are available). The claims "four different schedules"
#: (004-M4) and "smooth is not exponential" (004-M6) are tested on this text, not on our code.
ARTICLE_004_FORMULAS = {
    "linear": r"learning\_rate = initial\_learning\_rate \times (1 - decay\_rate)^{epoch}",
    "exponential": r"learning\_rate = initial\_learning\_rate \times (1 - decay\_rate)^{epoch}",
    "smooth": r"learning\_rate = initial\_learning\_rate \times (1 - decay\_rate)^{epoch}",
    "gradient-based": r"learning\_rate = initial\_learning\_rate \times (1 - decay\_rate)^{epoch}",
}


def article_formula(latex: str) -> tuple[Any, frozenset]:
    """Turn one of the article's formula lines ``name = expression`` (a small LaTeX subset:
    ``\\_``, ``\\times``, ``\\cdot``, ``^{...}``, ``\\frac{a}{b}``) into a function of keyword
    arguments, and return it with the set of variable names the expression uses."""
    import ast
    import re
    rhs = latex.split("=", 1)[1].strip()
    expr = rhs.replace("\\_", "_").replace("\\times", "*").replace("\\cdot", "*")
    expr = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", expr)
    expr = re.sub(r"\^\{([^{}]*)\}", r"**(\1)", expr)
    if "\\" in expr or "{" in expr:
        raise ValueError(f"unsupported LaTeX left in {expr!r}")
    tree = ast.parse(expr, mode="eval")
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    code = compile(tree, "<article formula>", "eval")

    def fn(**values: Any) -> Any:
        missing = names - set(values)
        if missing:
            raise TypeError(f"the formula needs {sorted(missing)}")
        return eval(code, {"__builtins__": {}}, {k: np.asarray(v, dtype=np.float64) for k, v in values.items()})
    return fn, names


def inverse_time_once(a: float, n_total: int) -> float:
    """Article 000 §4.2's "linear decay" rate: a/(1 + a·n), called with the TOTAL count n."""
    return a / (1 + a * n_total)


def power_once(g: float, n_total: int) -> float:
    """Article 000 §4.3's "exponential decay" rate: g^n, no initial rate, n the total count."""
    return g ** n_total


def custom_once(a: float, n_total: int) -> float:
    """Article 000 §4.4's "custom decay" rate: a/(1 + t), evaluated at t = the total count n."""
    return a / (1 + n_total)


def train_rate_computed_once(problem: LinearRegression, rate: float, iterations: int,
                             ascent: bool = True) -> dict:
    """The loop shape of article 000 §4.2–4.4: ONE rate, computed before the loop, used for
    every iteration; ``ascent=True`` keeps the article's sign error (it adds the gradient)."""
    losses = run_rates(problem, np.full(iterations, rate), ascent=ascent)
    return {"rate": float(rate), "final_loss": float(losses[-1])}


def infrared_factor(dj: Any, dj_prev: Any, alpha: float = 0.9, gamma: float = 0.99) -> Any:
    """Article 003 §3.2.3's multiplier ``max(α, γ·ΔJ_t/ΔJ_{t−1})`` in float64 arithmetic."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(alpha, gamma * np.float64(dj) / np.float64(dj_prev))


def infrared_run(problem: LinearRegression, lr0: float, steps: int = 1000, alpha: float = 0.9,
                 gamma: float = 0.99, compounding: bool = True) -> dict:
    """Gradient descent (MSE convention, as article 003) with the "infrared" rule on a SCALAR loss.

    From iteration 2 on, after each update, ``factor = max(α, γ·ΔJ_t/ΔJ_{t−1})`` with
    ``ΔJ_t = J_{t−1} − J_t``. ``compounding=True`` is the article's code (``lr ← lr·factor``);
    ``False`` is its formula as printed (``lr_t = lr0·factor``). Returns ``lrs`` (rate of each
    update), ``losses`` (MSE, J_0 .. J_done) and ``overflow_at`` (1-based iteration whose loss
    was no longer finite, or None).
    """
    theta = np.zeros(problem.dim)
    J = [2.0 * float(problem.loss(theta))]
    lr, lrs, overflow_at = lr0, [], None
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            lrs.append(lr)
            theta = theta - lr * 2.0 * problem.grad(theta)
            J.append(2.0 * float(problem.loss(theta)))
            if not math.isfinite(J[-1]):
                overflow_at = t
                break
            if t > 1:
                factor = float(infrared_factor(J[-2] - J[-1], J[-3] - J[-2], alpha, gamma))
                lr = lr * factor if compounding else lr0 * factor
    return {"lrs": np.array(lrs), "losses": np.array(J), "overflow_at": overflow_at}


def infrared_vector_update(problem: LinearRegression, theta: np.ndarray, lr: float,
                           alpha: float = 0.9, gamma: float = 0.99) -> float:
    """Article 003 §4.3's update of the rate, in our own code: both "loss changes" are the
    residual VECTOR y − Xθ at the same θ, and Python's builtin ``max`` compares α with an array."""
    delta = problem.y - problem.X @ theta
    delta_prev = problem.y - problem.X @ theta.copy()
    return lr * max(alpha, gamma * delta / delta_prev)


def loss_driven_run(problem: LinearRegression, controller: Any, steps: int, mse: bool = True,
                    batch_size: int | None = None, check_every: int = 1, seed: int = 0) -> dict:
    """Gradient descent whose rate comes from a loss-driven controller with ``.lr`` and
    ``.step(loss) -> lr`` (:class:`~lrcourse.schedules.BoldDriver`,
    :class:`~lrcourse.schedules.ReduceLROnPlateau`).

    Every ``check_every`` updates (an "epoch") the controller sees the full-batch loss; if it
    sets ``.rejected``, the parameters go back to the previous check (the classic bold driver).
    Updates use the full gradient, or minibatches of ``batch_size`` drawn with
    ``np.random.default_rng(seed)`` (the same minibatches as :func:`lrcourse.train.sweep`).
    Returns ``lrs`` (rate of each update) and ``losses`` (full-batch, MSE if ``mse`` else ½MSE,
    at the start and after each update), and ``checked`` / ``checked_lrs``: every loss the
    controller was shown (the first is the loss at the start, before any update) and the rate
    it returned for it, so that another implementation can be fed the same sequence.
    """
    scale = 2.0 if mse else 1.0
    rng = np.random.default_rng(seed)
    theta = anchor = np.zeros(problem.dim)
    losses = [scale * float(problem.loss(theta))]
    anchor_loss = losses[0]
    controller.step(losses[0])
    lrs, checked, checked_lrs = [], [losses[0]], [controller.lr]
    with np.errstate(all="ignore"):
        for t in range(1, steps + 1):
            lr = controller.lr
            lrs.append(lr)
            g = problem.grad(theta) if batch_size is None else problem.stochastic_grad(theta, rng, batch_size)
            theta = theta - lr * scale * g
            loss = scale * float(problem.loss(theta))
            if t % check_every == 0:
                controller.step(loss)
                checked.append(loss)
                checked_lrs.append(controller.lr)
                if getattr(controller, "rejected", False):
                    theta, loss = anchor, anchor_loss     # undo the updates since the last check
                anchor, anchor_loss = theta, loss
            losses.append(loss)
    return {"lrs": np.array(lrs), "losses": np.array(losses), "checked": np.array(checked),
            "checked_lrs": np.array(checked_lrs)}


def plateau_cuts(rates: Any) -> list[int]:
    """The indices (epochs) at which a sequence of rates returned by a plateau rule drops."""
    r = np.asarray(rates, dtype=np.float64)
    return [int(i) + 1 for i in np.flatnonzero(r[1:] < r[:-1])]


def smith_one_cycle(max_lr: float, total_steps: int, div: float = 10.0, final_div: float = 100.0,
                    final_pct: float = 0.1) -> Any:
    """Smith's 1cycle (Smith 2018, arXiv:1803.09820), built from linear pieces: a cycle of two
    linear phases of equal length, ``max_lr/div → max_lr → max_lr/div``, over the first
    ``(1 − final_pct)·total_steps`` steps, then a short final phase that anneals linearly to
    ``max_lr/(div·final_div)``, far below the start. Not PyTorch's ``OneCycleLR`` default
    (:func:`lrcourse.schedules.one_cycle`: cosine, 30 % rise, ÷25 and ÷1e4, fast.ai's variant)."""
    low, end = max_lr / div, max_lr / (div * final_div)
    cycle = int(round((1 - final_pct) * total_steps))
    half = cycle // 2
    return S.join([S.linear_decay(low, half, end_lr=max_lr), S.linear_decay(max_lr, cycle - half, end_lr=low),
                   S.linear_decay(low, total_steps - cycle, end_lr=end)], [half, cycle])


def smith_one_cycle_momentum(total_steps: int, high: float = 0.95, low: float = 0.85,
                             final_pct: float = 0.1) -> Any:
    """The cyclical momentum that goes with :func:`smith_one_cycle`: down from ``high`` to ``low``
    while the rate rises, back up while it falls, then held at ``high``."""
    cycle = int(round((1 - final_pct) * total_steps))
    half = cycle // 2
    return S.join([S.linear_decay(high, half, end_lr=low), S.linear_decay(low, cycle - half, end_lr=high),
                   S.constant(high)], [half, cycle])


def _half_mse_after(schedule: Any, steps: int) -> float:
    """½MSE after ``steps`` full-batch GD updates at the rates ``schedule(0..steps−1)``."""
    return float(run_rates(regression(), S.evaluate(schedule, steps))[-1])


@functools.lru_cache(maxsize=None)
def _infrared_cached(lr0: float) -> dict:
    return infrared_run(regression(), lr0)


@functools.lru_cache(maxsize=None)
def _minibatch_excess() -> np.ndarray:
    """50-step running mean of the excess ½MSE of minibatch SGD (batch 5, 1000 steps, same
    minibatches), column 0 at the constant η = 0.5, column 1 under cosine annealing from 0.5."""
    p = regression()
    table = np.stack([np.full(1000, 0.5), S.evaluate(S.cosine_annealing(0.5, 1000), 1000)], axis=1)
    res = sweep(p, lambda lr: SGD(lambda t: table[t]), table[0], 1000, np.zeros(2), batch_size=5, seed=0)
    kernel = np.ones(50) / 50
    out = np.stack([np.convolve(res.losses[:, k] - p.min_loss(), kernel, mode="valid") for k in range(2)], 1)
    out.flags.writeable = False
    return out


def _steps_to(excess: np.ndarray, target: float = 1e-4) -> int:
    hit = np.flatnonzero(excess < target)
    return int(hit[0] + 49) if hit.size else -1


# ------------------------------------------------------------------ article 000

def repro_000_M3() -> dict:
    """"Divide the LR by the epoch count": fails at epoch 0 and decays like 1/t."""
    try:
        lr_over_epoch(0.1, 0)
        error = ""
    except ZeroDivisionError as exc:
        error = f"ZeroDivisionError: {exc}"
    T = 100
    return {"error_at_epoch_0": error, "fraction_at_half": lr_over_epoch(1.0, T // 2),
            "fraction_at_end": lr_over_epoch(1.0, T), "fraction_after_10_epochs": lr_over_epoch(1.0, 10)}


def fix_000_M3() -> dict:
    """Linear decay η0(1 − t/T): half the rate at T/2, zero at T; 1/t decay is inverse-time."""
    T = 100
    lin = S.linear_decay(1.0, T)
    inv = S.inverse_time_decay(1.0, k=1.0)
    return {"fraction_at_half": lin(T // 2), "fraction_at_end": lin(T), "fraction_at_0": lin(0),
            "inverse_time_at_0": inv(0), "inverse_time_at_half": inv(T // 2)}


def repro_000_M4() -> dict:
    """The recursion compounds: 0.0054·η0 at t = 100, 1.6e-67·η0 at t = 500 (α = 1e-3)."""
    rates = recursive_linear(1.0, 1e-3, 1500)
    closed = 1 - 1e-3 * np.arange(1, 1501)
    return {"recursion_t100": float(rates[99]), "recursion_t500": float(rates[499]),
            "closed_form_t100": float(closed[99]), "closed_form_t500": float(closed[499]),
            "closed_form_t1500": float(closed[1499]),
            "closed_form_first_negative_t": int(np.argmax(closed < 0)) + 1}


def fix_000_M4() -> dict:
    """η0·max(0, 1 − t/T) via ``linear_decay``: 0.9·η0 at t = 100 (T = 1000), 0 from T on."""
    s = S.linear_decay(1.0, 1000)
    rates = S.evaluate(s, 1501)
    return {"t100": float(rates[100]), "t500": float(rates[500]), "t1000": float(rates[1000]),
            "t1500": float(rates[1500]), "min_rate": float(rates.min())}


def repro_000_M5() -> dict:
    """The recursion η ← η·γ^t: η0·γ^5050 = 9.1e-23 after 100 iterations (γ = 0.99)."""
    rates = recursive_exponential(1.0, 0.99, 100)
    return {"recursion_t100": float(rates[99]), "closed_form_t100": 0.99 ** 100,
            "counting_from_0": 0.99 ** (99 * 100 / 2)}


def fix_000_M5() -> dict:
    """η_t = η0·γ^t from the closed form (or η ← η·γ once per step): 0.366·η0 at t = 100."""
    s = S.exponential_decay(1.0, 0.99)
    lr, manual = 1.0, []
    for _ in range(100):
        lr *= 0.99                       # the recursion that matches the closed form
        manual.append(lr)
    return {"t100": s(100), "recursion_by_gamma_t100": float(manual[-1])}


def repro_000_M10() -> dict:
    """Exponential decay approaches zero but never reaches it; its budget Σηt is finite."""
    s = S.exponential_decay(1.0, 0.99)
    r = S.evaluate(s, 80_000)
    return {"t1000": s(1000), "min_positive_t": 1000, "budget_limit": 1 / (1 - 0.99),
            "budget_1000": float(r[:1000].sum()),
            "first_exact_zero_t_float64": int(np.argmax(r == 0.0))}


def fix_000_M10() -> dict:
    """To end at zero, use a schedule that gets there at T: linear or cosine (exactly 0.0)."""
    T = 1000
    return {"linear_at_T": S.linear_decay(1.0, T)(T), "cosine_at_T": S.cosine_annealing(1.0, T)(T),
            "exponential_at_T": S.exponential_decay(1.0, 0.99)(T)}


def repro_000_C2() -> dict:
    """α/(1 + α·T) once, before the loop (α = 0.1, T = 1000): rate 0.00099 for every step; with
    the sign error the ½MSE ends at 31.8."""
    rate = inverse_time_once(0.1, 1000)
    out = train_rate_computed_once(regression(), rate, 1000, ascent=True)
    out["rate_first_step"] = out["rate_last_step"] = rate
    return out


def fix_000_C2() -> dict:
    """Evaluate the schedule at each step, inside the loop, and descend: linear decay from
    η0 = α = 0.1 over T = 1000 steps reaches ½MSE 0.00475 (optimum 0.00470)."""
    s = S.linear_decay(0.1, 1000)
    return {"rate_first_step": s(0), "rate_last_step": s(999), "final_loss": _half_mse_after(s, 1000),
            "optimum": regression().min_loss()}


def repro_000_C3() -> dict:
    """γ^T once, before the loop: 1.7e-46 for γ = 0.9, T = 1000 (nothing moves); 0.366 for
    γ = 0.99, T = 100, which with the sign error sends the ½MSE to 4.6e34."""
    p = regression()
    frozen = train_rate_computed_once(p, power_once(0.9, 1000), 1000)
    climbing = train_rate_computed_once(p, power_once(0.99, 100), 100)
    return {"rate_g09_T1000": frozen["rate"], "final_loss_g09_T1000": frozen["final_loss"],
            "rate_g099_T100": climbing["rate"], "final_loss_g099_T100": climbing["final_loss"],
            "initial_loss": float(p.loss(np.zeros(2)))}


def fix_000_C3() -> dict:
    """η_t = η0·γ^t evaluated at each step (η0 = 1, the article's implicit value), descending:
    γ = 0.99 for 100 steps reaches ½MSE 0.00471."""
    s = S.exponential_decay(1.0, 0.99)
    return {"rate_first_step": s(0), "rate_last_step": s(99), "final_loss": _half_mse_after(s, 100),
            "optimum": regression().min_loss()}


def repro_000_C4() -> dict:
    """α/(1 + t) at t = T, outside the loop: a constant 9.99e-5 (α = 0.1, T = 1000)."""
    rate = custom_once(0.1, 1000)
    out = train_rate_computed_once(regression(), rate, 1000, ascent=True)
    out["initial_loss"] = float(regression().loss(np.zeros(2)))
    return out


def fix_000_C4() -> dict:
    """Inside the loop α/(1 + t) decays too fast to finish (Σηt ≈ α·ln T); a gentler
    inverse-time schedule η0/(1 + k·t), η0 = 0.5, k = 0.01, reaches the optimum."""
    fast = S.inverse_time_decay(0.1, k=1.0)
    gentle = S.inverse_time_decay(0.5, k=0.01)
    return {"per_step_alpha_over_1_plus_t_loss": _half_mse_after(fast, 1000),
            "gentle_inverse_time_loss": _half_mse_after(gentle, 1000), "optimum": regression().min_loss()}


# ------------------------------------------------------------------ article 001

def repro_001_M3() -> dict:
    """Read literally, "a multiple of π" as the LR: η = π is above the stability limit
    2/λ_max ≈ 1.51 of the regression problem, and gradient descent diverges."""
    p = regression()
    traj = minimize(p, SGD(lr=math.pi), steps=100, theta0=np.zeros(2))
    return {"lr": math.pi, "stability_limit": float(p.stability_limit()), "diverged": bool(traj.diverged),
            "diverged_at": traj.diverged_at}


def fix_001_M3() -> dict:
    """Cosine annealing η_min + ½(η_max − η_min)(1 + cos(πt/T)): values in [η_min, η_max]."""
    s = S.cosine_annealing(0.5, 100)
    r = S.evaluate(s, 101)
    return {"max_rate": float(r.max()), "min_rate": float(r.min()), "rate_at_half": s(50),
            "final_loss": _half_mse_after(s, 100)}


def repro_001_M11() -> dict:
    """η0·exp(−t/T) at t = T is e^−1 = 0.368·η0: far from zero."""
    T = 1000
    return {"fraction_at_T": S.natural_exp_decay(1.0, 1 / T)(T)}


def fix_001_M11() -> dict:
    """To end at a chosen fraction f use η0·f^(t/T); to end at zero use linear or cosine."""
    T = 1000
    return {"fraction_at_T_f1e-3": S.exponential_decay(1.0, 1e-3, period=T)(T),
            "cosine_at_T": S.cosine_annealing(1.0, T)(T)}


def repro_001_M12() -> dict:
    """The article's "cosine" is negative for 66 of the 101 steps t = 0..100 (T = 100), min
    −0.0896·η0: gradient ASCENT for two thirds of training."""
    T = 100
    r = article_cosine(1.0, T, np.arange(T + 1))
    losses = run_rates(regression(), article_cosine(0.5, T, np.arange(T)))
    return {"negative_steps": int((r < 0).sum()), "total_steps": T + 1, "min_fraction": float(r.min()),
            "first_negative_t": int(np.argmax(r < 0)), "final_loss_lr0_05": float(losses[-1])}


def fix_001_M12() -> dict:
    """Cosine annealing is never negative; same η0 = 0.5, T = 100: lower final loss."""
    T = 100
    s = S.cosine_annealing(0.5, T)
    r = S.evaluate(s, T + 1)
    return {"negative_steps": int((r < 0).sum()), "min_fraction": float(r.min() / 0.5),
            "final_loss_lr0_05": _half_mse_after(s, T)}


def _update_cosines(opt: Any, steps: int = 20) -> np.ndarray:
    """Cosine between each full-batch update ``θ_{t+1} − θ_t`` of ``opt`` and ``−∇L(θ_t)`` on the
    regression problem, from θ = 0 (measured on the optimizer's own update code)."""
    p, theta = regression(), np.zeros(2)
    state, out = opt.init(theta), []
    for _ in range(steps):
        g = p.grad(theta)
        new, state = opt.update(theta, g, state)
        d = new - theta
        out.append(float(d @ -g / (np.linalg.norm(d) * np.linalg.norm(g))))
        theta = new
    return np.array(out)


def repro_001_M13() -> dict:
    """If SGD, momentum and Adam were learning-rate schedules, each would only choose η_t and
    its update would be −η_t·∇L: parallel to the negative gradient (cosine 1). Measured over the
    first 20 full-batch updates on the regression: SGD's update is (with or without a schedule),
    momentum's and Adam's are not -- they choose the direction, which is what an optimizer does."""
    cos = {"sgd": _update_cosines(SGD(0.1)),
           "sgd_with_cosine_schedule": _update_cosines(SGD(S.cosine_annealing(0.5, 20))),
           "momentum": _update_cosines(SGD(0.1, momentum=0.9)),
           "adam": _update_cosines(Adam(0.1))}
    return {f"min_cosine_{name}": float(c.min()) for name, c in cos.items()}


def fix_001_M13() -> dict:
    """A schedule composes with any optimizer: the same cosine annealing drives SGD, heavy-ball
    momentum and Adam on the regression problem (final ½MSE; optimum 0.00470)."""
    p, T = regression(), 200
    runs = {"sgd": SGD(S.cosine_annealing(0.5, T)),
            "momentum": SGD(S.cosine_annealing(0.05, T), momentum=0.9),
            "adam": Adam(S.cosine_annealing(0.1, T))}
    out = {name: float(minimize(p, o, T, np.zeros(2)).losses[-1]) for name, o in runs.items()}
    out["optimum"] = p.min_loss()
    return out


# ------------------------------------------------------------------ article 002

def repro_002_V1() -> dict:
    """η0·α^(t/T) with T = the run length ends at α·η0 (valid). Reading T as Keras's
    ``decay_steps`` (a period) instead, a run of 10·T steps ends at α^10·η0."""
    T, a = 1000, 0.01
    s = S.exponential_decay(1.0, a, period=T)
    return {"fraction_at_T": s(T), "fraction_at_10T": s(10 * T)}


def fix_002_V1() -> dict:
    """Name the convention: with ``period = total steps`` α is the final fraction; to decay by
    γ per period s, ``exponential_decay(η0, γ, period=s)``; the two agree when s = T."""
    T, a = 1000, 0.01
    t = np.arange(T + 1)
    direct = 1.0 * a ** (t / T)
    ours = S.evaluate(S.exponential_decay(1.0, a, period=T), T + 1)
    return {"max_abs_difference": float(np.max(np.abs(direct - ours))), "fraction_at_T": float(ours[-1])}


def repro_002_M5() -> dict:
    """Natural exponential decay is presented as its own schedule; its rates equal exponential
    decay's with γ = e^−k up to rounding."""
    k, T = 0.01, 1000
    nat = S.evaluate(S.natural_exp_decay(0.1, k), T)
    exp = S.evaluate(S.exponential_decay(0.1, math.exp(-k)), T)
    return {"max_relative_difference": float(np.max(np.abs(nat - exp) / exp))}


def fix_002_M5() -> dict:
    """One family, two parametrisations: γ = e^−k, k = −ln γ."""
    return {"gamma_for_k_0.01": math.exp(-0.01), "k_for_gamma_0.99": -math.log(0.99)}


# ------------------------------------------------------------------ article 003

def repro_003_M1() -> dict:
    """Exponential decay is not linear in t: the line through its first two rates hits zero at
    t = 100 (γ = 0.99) and goes negative, while η0·γ^100 = 0.366·η0."""
    g = 0.99
    s = S.exponential_decay(1.0, g)
    slope = s(1) - s(0)
    line = lambda t: 1.0 + slope * t  # noqa: E731
    return {"line_at_100": line(100), "line_at_200": line(200), "exponential_at_100": s(100),
            "exponential_at_200": s(200)}


def fix_003_M1() -> dict:
    """It is geometric: the ratio η_{t+1}/η_t is the constant γ, and log η_t is linear in t."""
    r = S.evaluate(S.exponential_decay(1.0, 0.99), 1000)
    ratios = r[1:] / r[:-1]
    t = np.arange(1000)
    coef = np.polyfit(t, np.log(r), 1)
    return {"ratio_min": float(ratios.min()), "ratio_max": float(ratios.max()),
            "log_slope": float(coef[0]), "log_fit_max_residual": float(np.max(np.abs(np.polyval(coef, t) - np.log(r))))}


def repro_003_M2() -> dict:
    """The "infrared" rule (MSE convention, α = 0.9, γ = 0.99), compounding as in the article's
    code: from η0 = 0.1 the rate collapses to ≈1e-10 by iteration 200 and the MSE stalls at
    0.092; from η0 = 0.7 the rate goes 0.7 → 0.63 → 0.91 and the MSE overflows at iteration 14.
    Also the formula itself: 0/0 on a plateau, a positive ratio when the loss rises twice, no bound."""
    p = regression()
    low, high = _infrared_cached(0.1), _infrared_cached(0.7)
    return {"lr_iter_200_from_0.1": float(low["lrs"][199]), "final_mse_from_0.1": float(low["losses"][-1]),
            "optimum_mse": 2 * p.min_loss(),
            "lrs_from_0.7": [float(x) for x in high["lrs"][:4]], "overflow_at_from_0.7": high["overflow_at"],
            "fixed_rate_limit_mse": float(1 / np.linalg.eigvalsh(p.hessian())[-1]),
            "factor_plateau": float(infrared_factor(0.0, 0.0)),
            "factor_after_tiny_drop": float(infrared_factor(1e-3, 1e-9)),
            "factor_two_rises": float(infrared_factor(-2.0, -1.0))}


def fix_003_M2() -> dict:
    """Real loss-driven methods on the same problem and starts: the bold driver (with rejection
    of bad steps) and ReduceLROnPlateau both end at the optimum MSE 0.0094, also from η0 = 0.7."""
    p = regression()
    out = {}
    for lr0 in (0.1, 0.7):
        bold = loss_driven_run(p, S.BoldDriver(lr0, increase=1.05, decrease=0.5, reject=True), 1000)
        plateau = loss_driven_run(p, S.ReduceLROnPlateau(lr0, factor=0.5, patience=2), 1000)
        out[f"bold_final_mse_from_{lr0}"] = float(bold["losses"][-1])
        out[f"plateau_final_mse_from_{lr0}"] = float(plateau["losses"][-1])
    out["optimum_mse"] = 2 * p.min_loss()
    return out


def steep_regression() -> LinearRegression:
    """A second data set for the closed-loop tests: another noise draw (seed 1) with x four times
    wider, so its curvature is about 16 times larger (stability limit 0.32 instead of 1.51)."""
    x, y = make_linear_data(seed=1)
    return LinearRegression(4 * x, y)


def _two_datasets() -> dict:
    return {"flat": regression(0), "steep": steep_regression()}


def _same_prefix(a: Any, b: Any) -> bool:
    """Equal over the updates both runs made (a diverged run stops early)."""
    n = min(len(a), len(b))
    return bool(n > 0 and np.array_equal(np.asarray(a)[:n], np.asarray(b)[:n]))


def repro_003_M3() -> dict:
    """The FAQ's advice, measured on two data sets (:func:`regression` and
    :func:`steep_regression`). An adaptive strategy would have to react to the data: the fixed
    rate 0.5 is the same on both (that part holds by definition, a demonstration) and, measured,
    diverges on the steep one (limit 0.32), where the bold driver from the same 0.5 converges.
    The recommended "infrared" rule stalls (MSE 0.092, optimum 0.0094)."""
    data = _two_datasets()
    runs = {name: minimize(p, SGD(0.5), 300, np.zeros(2)) for name, p in data.items()}
    stalled = _infrared_cached(0.1)
    return {"fixed_lr_same_for_two_datasets": _same_prefix(runs["flat"].lrs, runs["steep"].lrs),
            "fixed_lr_diverged_flat": bool(runs["flat"].diverged),
            "fixed_lr_diverged_steep": bool(runs["steep"].diverged),
            "steep_stability_limit": float(data["steep"].stability_limit()),
            "infrared_final_mse": float(stalled["losses"][-1]), "optimum_mse": 2 * regression().min_loss()}


def fix_003_M3() -> dict:
    """A real loss-driven rule (bold driver, from the same 0.5) reacts to the data: its rates
    differ between the two data sets, and it reaches the optimum of both (½MSE ratios to the
    optimum). ``final_mse``/``optimum_mse``: the original problem from 0.1, MSE convention."""
    ratios, lrs = {}, {}
    for name, p in _two_datasets().items():
        run = loss_driven_run(p, S.BoldDriver(0.5, reject=True), 300, mse=False)
        ratios[name], lrs[name] = float(run["losses"][-1] / p.min_loss()), run["lrs"]
    base = loss_driven_run(regression(), S.BoldDriver(0.1, reject=True), 500)
    return {"same_rates_for_two_datasets": _same_prefix(lrs["flat"], lrs["steep"]),
            "bold_over_optimum_flat": ratios["flat"], "bold_over_optimum_steep": ratios["steep"],
            "final_mse": float(base["losses"][-1]), "optimum_mse": 2 * regression().min_loss()}


def repro_003_M4() -> dict:
    """Exponential decay is open-loop. That it hands two data sets the same rates holds by
    definition (a demonstration); the measured consequence is that it cannot adapt: from
    0.5·0.99^t it converges on :func:`regression` and diverges on :func:`steep_regression`
    (limit 0.32), whose rate it would have had to cut at once. Not "adaptive" (and, 003-M1,
    not linear)."""
    s = S.exponential_decay(0.5, 0.99)
    runs = {name: minimize(p, SGD(s), 300, np.zeros(2)) for name, p in _two_datasets().items()}
    return {"same_rates_for_two_datasets": _same_prefix(runs["flat"].lrs, runs["steep"].lrs),
            "diverged_flat": bool(runs["flat"].diverged), "diverged_steep": bool(runs["steep"].diverged)}


def fix_003_M4() -> dict:
    """A closed-loop rule (ReduceLROnPlateau from 0.5, factor 0.5, patience 2, checked every
    update) reads the loss: it cuts the rate on the steep data set within a few steps and much
    later on the flat one, and converges on both (final ½MSE / optimum)."""
    runs = {name: (p, loss_driven_run(p, S.ReduceLROnPlateau(0.5, factor=0.5, patience=2), 300, mse=False))
            for name, p in _two_datasets().items()}
    a, b = runs["flat"][1]["lrs"], runs["steep"][1]["lrs"]
    first_cut = [int(np.argmax(r < r[0])) for r in (a, b)]
    return {"same_rates_for_two_datasets": _same_prefix(a, b), "first_cut_step": first_cut,
            "over_optimum_flat": float(runs["flat"][1]["losses"][-1] / runs["flat"][0].min_loss()),
            "over_optimum_steep": float(runs["steep"][1]["losses"][-1] / runs["steep"][0].min_loss())}


def repro_003_M5() -> dict:
    """At t = 1 the rule needs ΔJ_0 = J_{−1} − J_0. A demonstration, not a measurement: indexing
    a Python list with t − 2 = −1 silently reads the NEWEST loss J_1, so the ratio is
    (J_0 − J_1)/(J_1 − J_0) = −1 by algebra, whatever the data, and the rate is cut by α."""
    p = regression()
    theta0 = np.zeros(2)
    J = [2 * float(p.loss(theta0))]
    J.append(2 * float(p.loss(theta0 - 0.1 * 2 * p.grad(theta0))))
    t = 1
    ratio = (J[t - 1] - J[t]) / (J[t - 2] - J[t - 1])
    return {"ratio_at_t1": float(ratio), "factor_at_t1": float(infrared_factor(J[t - 1] - J[t], J[t - 2] - J[t - 1]))}


def fix_003_M5() -> dict:
    """Start the rule when three losses exist (t = 2), as the bold driver starts comparing only
    after its first loss: the first ratio is then a genuine ratio of two decreases."""
    p = regression()
    run = infrared_run(p, 0.1, steps=2)
    J = run["losses"]
    return {"first_ratio_t2": float((J[1] - J[2]) / (J[0] - J[1])), "lrs": [float(x) for x in run["lrs"]]}


def repro_003_C2() -> dict:
    """γ = 0.99 PER ITERATION from η0 = 0.01 (MSE convention, full batch, 1000 steps): MSE 0.108,
    against 0.0157 for the constant rate; the whole run has Σηt < η0/(1 − γ) = 1."""
    p = regression()
    t = np.arange(1000)
    decayed = run_rates(p, 0.01 * 0.99 ** t, mse=True)
    constant = run_rates(p, np.full(1000, 0.01), mse=True)
    return {"decayed_final_mse": float(decayed[-1]), "constant_final_mse": float(constant[-1]),
            "budget_decayed": float((0.01 * 0.99 ** t).sum()), "budget_constant": 0.01 * 1000}


def fix_003_C2() -> dict:
    """Decay per epoch, not per iteration: γ = 0.99 every 100 steps (``period=100``) keeps the
    budget, so the MSE matches the constant rate's; a larger η0 with a real decay goes further."""
    p = regression()
    r = S.evaluate(S.exponential_decay(0.01, 0.99, period=100), 1000)
    stronger = S.evaluate(S.exponential_decay(0.5, 0.01, period=1000), 1000)   # η0 = 0.5 → 0.005
    return {"per_period_final_mse": float(run_rates(p, r, mse=True)[-1]), "budget": float(r.sum()),
            "stronger_final_mse": float(run_rates(p, stronger, mse=True)[-1]), "optimum_mse": 2 * p.min_loss()}


def repro_003_C3() -> dict:
    """The article's §4.3 rate update, in our code: residual vectors at the SAME θ (ratio ≡ 1),
    builtin ``max`` on an array (ValueError), and ``np.array([...])`` placeholders (TypeError)."""
    p = regression()
    theta = np.array([0.5, 0.5])
    delta = p.y - p.X @ theta
    ratio = delta / (p.y - p.X @ theta.copy())
    try:
        infrared_vector_update(p, theta, 0.01)
        max_error = ""
    except ValueError as exc:
        max_error = f"ValueError: {exc}"
    placeholder = np.array([...])
    try:
        placeholder.T @ (placeholder @ placeholder - placeholder)
        placeholder_error = ""
    except TypeError as exc:
        placeholder_error = f"TypeError: {exc}"
    return {"ratio_min": float(ratio.min()), "ratio_max": float(ratio.max()), "max_error": max_error,
            "placeholder_error": placeholder_error}


def fix_003_C3() -> dict:
    """Scalar losses at successive points, ``np.maximum``/``float`` instead of builtin max on
    arrays, real data; and a rule that works: the bold driver reaches the optimum."""
    p = regression()
    run = loss_driven_run(p, S.BoldDriver(0.01, reject=True), 1000)
    return {"final_mse": float(run["losses"][-1]), "optimum_mse": 2 * p.min_loss(),
            "factor_scalar": float(infrared_factor(0.5, 1.0))}


# ------------------------------------------------------------------ article 004

def repro_004_M1() -> dict:
    """"Decay reduces the gradient": scaling Adam's gradients by 0.01 changes nothing (Adam
    divides the scale out), so a "decayed gradient" does not slow Adam down."""
    p = regression()
    def run(grad_scale: float, lr: float, steps: int = 200) -> np.ndarray:
        opt, theta = Adam(lr), np.zeros(2)
        state = opt.init(theta)
        for _ in range(steps):
            theta, state = opt.update(theta, grad_scale * p.grad(theta), state)
        return theta
    base, scaled = run(1.0, 0.05), run(0.01, 0.05)
    return {"max_param_difference": float(np.max(np.abs(base - scaled))),
            "loss_full_grad": float(p.loss(base)), "loss_scaled_grad": float(p.loss(scaled))}


def fix_004_M1() -> dict:
    """A schedule scales the STEP: Adam with lr × 0.01 moves 100 times less per step."""
    p = regression()
    a = minimize(p, Adam(0.05), 200, np.zeros(2))
    b = minimize(p, Adam(0.05 * 0.01), 200, np.zeros(2))
    first_a, first_b = a.params[1] - a.params[0], b.params[1] - b.params[0]
    return {"first_step_ratio": float(np.linalg.norm(first_b) / np.linalg.norm(first_a)),
            "loss_lr": float(a.losses[-1]), "loss_lr_times_0.01": float(b.losses[-1])}


def repro_004_M2() -> dict:
    """The "linear" η0(1 − d)^epoch (d = 0.1, 100 epochs): 0.9^50 = 0.0052·η0 at half-way, never
    zero, changes every epoch (not a step schedule)."""
    e = np.arange(100)
    r = article004_rate(1.0, 0.1, e)
    return {"fraction_at_half": float(r[50]), "fraction_last_epoch": float(r[-1]),
            "distinct_values": int(len(np.unique(r))), "constant_ratio": float(r[1] / r[0])}


def fix_004_M2() -> dict:
    """Linear: η0(1 − t/T), half at T/2, zero at T. Step: η0·γ^⌊t/s⌋, a few plateaus."""
    lin = S.evaluate(S.linear_decay(1.0, 100), 101)
    step = S.evaluate(S.step_decay(1.0, 30, 0.1), 100)
    return {"linear_at_half": float(lin[50]), "linear_at_end": float(lin[100]),
            "step_distinct_values": int(len(np.unique(step)))}


def repro_004_M3() -> dict:
    """"Every 100 iterations" (text) vs "per epoch" (formula), 20 iterations per epoch, 100
    epochs: the two readings of one sentence end thousands of times apart."""
    steps, per_epoch = 2000, 20
    text = S.step_decay(0.01, 100, 0.9)(steps - 1)
    formula = float(article004_rate(0.01, 0.1, (steps - 1) // per_epoch))
    return {"text_reading_final": text, "formula_reading_final": formula, "ratio": text / formula}


def fix_004_M3() -> dict:
    """One formula, with its unit: ``step_decay(η0, step_size=s, gamma)`` counts update steps;
    per epoch means s = iterations per epoch."""
    per_epoch = 20
    s = S.step_decay(0.01, per_epoch, 0.9)
    return {"rate_last_step": s(1999), "formula_last_epoch": float(article004_rate(0.01, 0.1, 99))}


class _Counted:
    """Wrap a callable and count its calls (a gradient or a schedule)."""

    def __init__(self, fn: Any) -> None:
        self.fn, self.calls = fn, 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.fn(*args)


def _work_per_update(lr: Any, steps: int = 200) -> dict:
    """Gradient evaluations and schedule calls made by ``minimize`` (minibatch SGD, batch 5) per
    update, counted on the running loop."""
    p = regression()
    counted_grad = _Counted(p.stochastic_grad)
    p.stochastic_grad = counted_grad            # instance attribute: this problem object only
    sched = _Counted(lr) if callable(lr) else None
    minimize(p, SGD(sched if sched is not None else lr), steps, np.zeros(2), batch_size=5, seed=0)
    return {"grad_calls_per_update": counted_grad.calls / steps,
            "schedule_calls_per_update": (sched.calls / steps) if sched is not None else 0.0}


def repro_004_M5() -> dict:
    """"Schedules increase training time". Time = updates × work per update. Measured: at a
    constant η = 0.5, minibatch SGD (batch 5) never gets its 50-step mean excess ½MSE below 1e-4
    within 1000 updates; each update costs one minibatch gradient (counted on the loop)."""
    return {"steps_to_target": _steps_to(_minibatch_excess()[:, 0]), **_work_per_update(0.5)}


def fix_004_M5() -> dict:
    """With cosine annealing from the same η = 0.5 the target is reached within 1000 updates, and
    the work per update is the same one minibatch gradient plus one scalar schedule call
    (counted on the loop, whatever the model size): fewer updates, same cost each."""
    return {"steps_to_target": _steps_to(_minibatch_excess()[:, 1]),
            **_work_per_update(S.cosine_annealing(0.5, 1000))}


def repro_004_M6() -> dict:
    """The "smooth" schedule's formula (§3.3, as printed: :data:`ARTICLE_004_FORMULAS`) gives the
    same rates as the "exponential" one (§3.2) over 100 epochs, and the same text; "fixed" is
    the absence of a schedule."""
    e = np.arange(100)
    args = {"initial_learning_rate": 0.01, "decay_rate": 0.1, "epoch": e}
    smooth = article_formula(ARTICLE_004_FORMULAS["smooth"])[0](**args)
    exponential = article_formula(ARTICLE_004_FORMULAS["exponential"])[0](**args)
    return {"max_difference_smooth_vs_exponential": float(np.max(np.abs(smooth - exponential))),
            "same_text": ARTICLE_004_FORMULAS["smooth"] == ARTICLE_004_FORMULAS["exponential"]}


def fix_004_M6() -> dict:
    """The real distinction: continuous ("smooth") vs staircase exponential decay differ."""
    cont = S.evaluate(S.exponential_decay(0.01, 0.9, period=10), 100)
    stair = S.evaluate(S.exponential_decay(0.01, 0.9, period=10, staircase=True), 100)
    return {"max_relative_difference": float(np.max(np.abs(cont - stair) / stair))}


def repro_004_C2() -> dict:
    """0.01·0.9^epoch: below 1e-4 from epoch 44 on, i.e. for 56 of the 100 epochs."""
    r = article004_rate(0.01, 0.1, np.arange(100))
    below = r < 1e-4
    return {"first_epoch_below_1e-4": int(np.argmax(below)), "epochs_below": int(below.sum()),
            "last_epoch_rate": float(r[-1])}


def fix_004_C2() -> dict:
    """Pick γ from the final fraction you want: γ = f^(1/(E−1)) with f = 0.01 ends at 1e-4 in
    the last epoch; no epoch before it is below 1e-4."""
    E, f = 100, 0.01
    g = f ** (1 / (E - 1))
    r = 0.01 * g ** np.arange(E)
    below = r < 1e-4 * (1 - 1e-12)      # the last epoch lands on 1e-4 up to rounding
    return {"gamma": g, "epochs_below": int(below.sum()), "last_epoch_rate": float(r[-1])}
