"""Flaws of article 004 (the learning-rate schedules article with TensorFlow code), in our own code.

- 004-C1: §4's sample trains on data it never defines, builds a fresh model and a fresh Adam in
  every epoch (400 models over four loops, each trained one epoch and dropped), and runs four
  identical loops as "four schedules"; fix: one model, one optimizer, one schedule, one run.
- 004-M4: §3.4's "gradient-based" schedule has the same formula as the other three and never
  reads a gradient; fix: methods whose rate really depends on the gradients (AdaGrad's
  per-coordinate rates, hypergradient descent).

What the claims are tested against: the article's four formulas as printed
(:data:`lrcourse.flaws.schedules.ARTICLE_004_FORMULAS`, evaluated by
:func:`~lrcourse.flaws.schedules.article_formula`) and the numbers of its four code loops
(:data:`ARTICLE_004_LOOPS`), both transcribed from the article and checked against its text by
the tests when the articles are available. Change a transcription (another decay in one loop, a
gradient term in §3.4) and the counts "one distinct sequence", "one formula" change with it.

The "model" is a small tanh MLP on two moons (:mod:`lrcourse.mlp`), trained with minibatch Adam
from :mod:`lrcourse.optimizers`; :func:`fit` plays the part of one ``model.fit`` call (shuffled
minibatches, one permutation per epoch). No framework is needed.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

import numpy as np

from .. import schedules as S
from .schedules import ARTICLE_004_FORMULAS, article_formula
from ..datasets import two_moons
from ..mlp import MLP
from ..optimizers import SGD, Adagrad, Adam
from ..problems import LinearRegression, make_linear_data
from ..train import minimize

__all__ = [
    "ARTICLE_LR0", "ARTICLE_DECAY", "ARTICLE_EPOCHS", "ARTICLE_004_LOOPS", "SCHEDULE_NAMES", "SIZES", "BATCH",
    "moons_task", "fit", "train_on_undefined_data", "article_rate", "fresh_model_every_epoch",
    "one_model_one_schedule", "gradient_based_like_004", "gd_with_rule", "adagrad_rates",
    "two_problems", "hypergradient_sgd", "article_rule", "GRADIENT_NAMES",
    "repro_004_C1", "fix_004_C1", "repro_004_M4", "fix_004_M4",
]

#: The article's numbers: initial rate, "decay_rate" (the rate is multiplied by 1 − decay each
#: epoch) and epochs per loop; it runs four such loops under four names.
ARTICLE_LR0, ARTICLE_DECAY, ARTICLE_EPOCHS = 0.01, 0.1, 100
SCHEDULE_NAMES = ("linear", "exponential", "smooth", "gradient-based")
#: The numbers of §4's four loops, one per schedule name, transcribed: initial rate, decay rate,
#: epochs. Each loop multiplies the rate by (1 − decay) after every epoch.
ARTICLE_004_LOOPS = {name: {"learning_rate": 0.01, "decay_rate": 0.1, "epochs": 100} for name in SCHEDULE_NAMES}
#: Names under which :func:`gradient_based_like_004` offers gradient statistics to §3.4's formula.
GRADIENT_NAMES = ("gradient", "grad", "g", "mean_gradient", "average_gradient")
SIZES = (2, 8, 1)      # our stand-in for the article's small dense network
BATCH = 25             # 100 points -> 4 updates per epoch


def moons_task(n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The data the article never defines, made up here: two moons, ``n`` points, seed 0."""
    return two_moons(n, noise=0.1, seed=0)


def fit(mlp: MLP, X: np.ndarray, y: np.ndarray, params: np.ndarray, optimizer: Any,
        state: dict | None = None, epochs: int = 1, batch_size: int = BATCH,
        rng: np.random.Generator | None = None, on_epoch_end: Callable[[int, np.ndarray], None] | None = None):
    """One ``fit`` call: ``epochs`` passes over shuffled minibatches, updating ``params``.

    ``state`` is the optimizer state to continue from (``None``: a fresh one, as a newly
    compiled model has). Returns ``(params, state)``. The optimizer's schedule is indexed by
    ``state["step"]``, the number of updates done so far, which is what carries a schedule
    across epochs.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    state = optimizer.init(params) if state is None else state
    for epoch in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch_size):
            idx = order[start:start + batch_size]
            params, state = optimizer.update(params, mlp.grad(params, X[idx], y[idx]), state)
        if on_epoch_end is not None:
            on_epoch_end(epoch, params)
    return params, state


# ---------------------------------------------------------------- 004-C1

def train_on_undefined_data(mlp: MLP, params: np.ndarray, lr: float):
    """004's training function refers to training and validation arrays that nothing creates."""
    return fit(mlp, x_train, y_train, params, Adam(lr))  # noqa: F821  (the flaw: never defined)


def article_rate(name: str, epoch: int, lr0: float = ARTICLE_LR0, decay: float = ARTICLE_DECAY,
                 **extra: float) -> float:
    """The rate of 004's schedule ``name`` at ``epoch``: the formula the article prints for that
    schedule (§3.1–§3.4, :data:`ARTICLE_004_FORMULAS`), evaluated. ``extra`` supplies any other
    variable a formula might use (none of the four printed ones does)."""
    if name not in SCHEDULE_NAMES:
        raise ValueError(f"name must be one of {SCHEDULE_NAMES}, got {name!r}")
    fn, names = article_formula(ARTICLE_004_FORMULAS[name])
    values = {"initial_learning_rate": lr0, "decay_rate": decay, "epoch": epoch, **extra}
    return float(fn(**{k: v for k, v in values.items() if k in names}))


@lru_cache(maxsize=4)      # deterministic and costly; callers must not modify the result
def fresh_model_every_epoch(epochs: int = ARTICLE_EPOCHS, loops: int = len(SCHEDULE_NAMES)) -> dict:
    """The structure of 004 §4, with data supplied: ``loops`` loops (one per schedule name, with
    that loop's numbers from :data:`ARTICLE_004_LOOPS`) of ``epochs`` epochs; each epoch builds a
    NEW model (new random weights), gives it a NEW Adam at the current rate, trains it for one
    epoch, and drops it; then the rate is multiplied by ``1 − decay``. Returns what happened,
    the model the code ends with included."""
    X, y = moons_task()
    built = resets = 0
    sequences, losses_before, losses_after = {}, [], []
    for loop, name in enumerate(SCHEDULE_NAMES[:loops]):
        lrs, setting = [], ARTICLE_004_LOOPS[name]
        lr = setting["learning_rate"]
        for epoch in range(min(epochs, setting["epochs"])):
            mlp = MLP(SIZES, seed=built)          # build_model(): fresh random weights
            start = mlp.init_params()
            built += 1
            opt = Adam(lr)                        # compile(): fresh optimizer state
            resets += 1
            params, state = fit(mlp, X, y, start, opt, rng=np.random.default_rng(built))
            lrs.append(lr)
            losses_before.append(mlp.loss(start, X, y))
            losses_after.append(mlp.loss(params, X, y))   # then the model is dropped
            lr *= 1 - setting["decay_rate"]               # the loop's update of the rate
        sequences[name] = lrs
    return {"sequences": sequences, "models_built": built, "optimizer_inits": resets, "mlp": mlp,
            "start": start, "params": params, "updates": int(state["step"]), "X": X, "y": y,
            "losses_before": np.array(losses_before), "losses_after": np.array(losses_after)}


@lru_cache(maxsize=8)
def one_model_one_schedule(epochs: int = ARTICLE_EPOCHS, lr0: float = ARTICLE_LR0,
                           decay: float = ARTICLE_DECAY, seed: int = 0) -> dict:
    """The fix: build the model once, create the optimizer once with the schedule
    ``lr0 · (1 − decay)^epoch`` (per epoch, i.e. every ``n / BATCH`` updates), and train once.
    Returns the final parameters, the loss after every epoch and the rate of every update."""
    X, y = moons_task()
    mlp = MLP(SIZES, seed=seed)
    steps_per_epoch = -(-len(y) // BATCH)
    schedule = S.exponential_decay(lr0, 1 - decay, period=steps_per_epoch, staircase=True)
    opt = Adam(schedule)
    losses = [mlp.loss(mlp.init_params(), X, y)]
    params, state = fit(mlp, X, y, mlp.init_params(), opt, epochs=epochs, rng=np.random.default_rng(seed),
                        on_epoch_end=lambda e, p: losses.append(mlp.loss(p, X, y)))
    return {"mlp": mlp, "params": params, "state": state, "losses": np.array(losses),
            "lrs": S.evaluate(schedule, int(state["step"])), "steps_per_epoch": steps_per_epoch,
            "schedule": schedule, "X": X, "y": y}


def repro_004_C1() -> dict:
    """Run 004 §4's structure: the NameError, then (data supplied) 400 throw-away models."""
    try:
        train_on_undefined_data(MLP(SIZES), MLP(SIZES).init_params(), ARTICLE_LR0)
        error = ""
    except NameError as exc:
        error = f"NameError: {exc}"
    run = fresh_model_every_epoch()
    mlp, X, y = run["mlp"], run["X"], run["y"]
    seqs = [tuple(s) for s in run["sequences"].values()]
    return {
        "error": error,
        "models_built": run["models_built"],
        "optimizer_inits": run["optimizer_inits"],
        "distinct_lr_sequences": len(set(seqs)),
        "first_epoch_lr": float(seqs[0][0]),
        "last_epoch_lr": float(seqs[0][-1]),
        "final_model_updates": run["updates"],
        "final_model_start_loss": float(mlp.loss(run["start"], X, y)),
        "final_model_loss": float(mlp.loss(run["params"], X, y)),
        "final_model_accuracy": float(mlp.accuracy(run["params"], X, y)),
    }


def fix_004_C1() -> dict:
    """One model, one Adam, the article's intended per-epoch decay as one schedule."""
    run = one_model_one_schedule()
    mlp, X, y = run["mlp"], run["X"], run["y"]
    epoch_lrs = run["lrs"][::run["steps_per_epoch"]]
    return {
        "models_built": 1,
        "optimizer_inits": 1,
        "updates": int(run["state"]["step"]),
        "first_epoch_lr": float(epoch_lrs[0]),
        "last_epoch_lr": float(epoch_lrs[-1]),
        "start_loss": float(run["losses"][0]),
        "final_loss": float(run["losses"][-1]),
        "final_accuracy": float(mlp.accuracy(run["params"], X, y)),
    }


# ---------------------------------------------------------------- 004-M4

def article_rule(name: str) -> Callable[[list, int], float]:
    """004's schedule ``name`` as a rule ``(gradients so far, epoch) -> rate``: the section's
    printed formula, offered the norm of the average gradient so far under every name in
    :data:`GRADIENT_NAMES`. Whether the rate depends on the gradients is decided by the
    formula's text: the printed ones use none of those names."""
    def rule(gradients: list[np.ndarray], epoch: int) -> float:
        mean = float(np.linalg.norm(np.mean(gradients, axis=0))) if len(gradients) else 0.0
        return article_rate(name, epoch, **{g: mean for g in GRADIENT_NAMES})
    rule.__name__ = rule.__qualname__ = f"article_rule_{name.replace('-', '_')}"
    return rule


def gradient_based_like_004(gradients: list[np.ndarray], epoch: int) -> float:
    """004's "gradient-based" rule (§3.4): its printed formula, offered the average gradient
    (see :func:`article_rule`); the printed formula never uses it."""
    return article_rule("gradient-based")(gradients, epoch)


def gd_with_rule(problem: Any, rule: Callable[[list, int], float], steps: int):
    """Gradient descent from θ = 0 whose rate at step t is ``rule(gradients so far, t)``.
    Returns ``(rates, gradients)``."""
    theta, grads, lrs = np.zeros(problem.dim), [], []
    for t in range(steps):
        g = problem.grad(theta)
        grads.append(g)
        lrs.append(rule(grads, t))
        theta = theta - lrs[-1] * g
    return np.array(lrs), grads


def hypergradient_sgd(problem: Any, lr0: float, beta: float, steps: int, theta0: Any) -> dict:
    """SGD with hypergradient descent on the rate (Baydin et al., ICLR 2018, "SGD-HD"):

        g_t = grad(theta_{t-1});  lr_t = lr_{t-1} + beta · g_t · g_{t-1};  theta_t = theta_{t-1} − lr_t · g_t

    with ``g_0 · g_{-1} = 0``. The rate grows while consecutive gradients agree (steps too
    short) and shrinks when they point against each other (overshooting): it is driven by
    the gradients. Returns ``{"lrs", "losses", "theta"}`` (``losses[0]`` at ``theta0``).
    """
    theta = np.array(theta0, dtype=np.float64)
    g_prev, lr = np.zeros_like(theta), float(lr0)
    lrs, losses = [], [float(problem.loss(theta))]
    for _ in range(steps):
        g = problem.grad(theta)
        lr = lr + beta * float(g @ g_prev)
        theta = theta - lr * g
        g_prev = g
        lrs.append(lr)
        losses.append(float(problem.loss(theta)))
    return {"lrs": np.array(lrs), "losses": np.array(losses), "theta": theta}


def adagrad_rates(problem: Any, lr: float, steps: int) -> np.ndarray:
    """The per-coordinate rates ``lr / (sqrt(sum of g²) + eps)`` that AdaGrad (PyTorch form)
    applies at each of ``steps`` full-batch updates from θ = 0; shape ``(steps, dim)``."""
    opt = Adagrad(lr=lr)
    theta = np.zeros(problem.dim)
    state, out = opt.init(theta), []
    for _ in range(steps):
        theta, state = opt.update(theta, problem.grad(theta), state)
        out.append(opt.lr / (np.sqrt(state["sum"]) + opt.eps))
    return np.array(out)


def two_problems(scale: float = 100.0) -> tuple[LinearRegression, LinearRegression]:
    """The same regression twice, targets multiplied by ``scale`` in the second: its gradients
    at θ = 0 are ``scale`` times larger."""
    x, y = make_linear_data()
    return LinearRegression(x, y), LinearRegression(x, scale * y)


def repro_004_M4(steps: int = 50) -> dict:
    """The four printed formulas are one (distinct rate sequences over ``steps`` epochs, and
    distinct texts); §3.4's uses no gradient variable, and run on two problems whose gradients
    differ 100-fold it gives the same rates."""
    small, large = two_problems()
    seqs = {name: tuple(gd_with_rule(small, article_rule(name), steps)[0]) for name in SCHEDULE_NAMES}
    variables = article_formula(ARTICLE_004_FORMULAS["gradient-based"])[1]
    lrs_small, g_small = gd_with_rule(small, gradient_based_like_004, steps)
    lrs_large, g_large = gd_with_rule(large, gradient_based_like_004, steps)
    return {
        "distinct_formulas": len(set(seqs.values())),
        "distinct_formula_texts": len(set(ARTICLE_004_FORMULAS.values())),
        "gradient_based_variables": sorted(variables),
        "gradient_based_uses_a_gradient": bool(variables & set(GRADIENT_NAMES)),
        "gradient_ratio": float(np.linalg.norm(g_large[0]) / np.linalg.norm(g_small[0])),
        "max_lr_difference": float(np.max(np.abs(lrs_small - lrs_large))),
        "lr_at_step_10": float(lrs_small[10]),
    }


def fix_004_M4(steps: int = 50) -> dict:
    """Rates that depend on the gradients: AdaGrad's per-coordinate rates differ between the two
    problems; hypergradient descent raises a too-small rate from 0.01 by itself."""
    small, large = two_problems()
    eff = [adagrad_rates(problem, 0.1, steps)[-1] for problem in (small, large)]
    hd = hypergradient_sgd(small, lr0=0.01, beta=0.01, steps=200, theta0=np.zeros(2))
    fixed = minimize(small, SGD(0.01), 200, np.zeros(small.dim)).final_loss
    return {
        "adagrad_rates_small": [float(v) for v in eff[0]],
        "adagrad_rates_large": [float(v) for v in eff[1]],
        "adagrad_rate_ratio": float(np.min(eff[0] / eff[1])),
        "hd_first_lr": float(hd["lrs"][0]),
        "hd_final_lr": float(hd["lrs"][-1]),
        "hd_final_loss": float(hd["losses"][-1]),
        "fixed_final_loss": float(fixed),
        "min_loss": float(small.min_loss()),
    }

