"""Flaws of article 001 about SGD and momentum (chapter "SGD and momentum"), in our own code.

- 001-M6  §3.3, B§2.5: momentum written as v <- beta v + (1 - beta) g, theta <- theta - eta v: a valid
  EMA form, the same method as heavy ball with eta' = eta (1 - beta); v starts at 0, not at random.
- 001-M15 §3.3: momentum described as adding the previous update's gradient to the current one;
  the method weights every past gradient, the k-th last by (1 - beta) beta^k.
- 001-C2  §4.3: the SGD sample's "gradient" 2(x_i - theta) ignores y, has the wrong sign and no
  intercept; theta <- 1.02 theta - 0.02 x_i grows like 1.02^t (predictions about -4e8).
- 001-C3  §4.4: the momentum sample subtracts a (100, 1) batch from theta of shape (1,) in
  place: ValueError (non-broadcastable output operand).

Convention of the numbers (as in ERRATA.md): the corrected runs fit (b, w) from 0 for 1000 steps
with the MSE, mean(r^2), whose gradient is 2 X^T r / m. :class:`MSEProblem` views the course's
half-MSE :class:`~lrcourse.problems.LinearRegression` that way (loss and gradient doubled).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..optimizers import SGD, EMAMomentum
from ..problems import LinearRegression, article001_data
from ..train import minimize

__all__ = [
    "X_TEST", "MSEProblem", "article001_problem", "article001_stream", "article_indices",
    "sgd_without_targets", "sgd_single_sample", "momentum_on_whole_batch", "momentum_fit",
    "ema_weights", "two_tap_weights", "previous_plus_current_steps", "article_formula_velocity",
    "repro_001_M6", "fix_001_M6", "repro_001_M15", "fix_001_M15",
    "repro_001_C2", "fix_001_C2", "repro_001_C3", "fix_001_C3",
]

#: The inputs at which article 001 prints its predictions.
X_TEST = np.array([2.0, 3.0, 4.0])


class MSEProblem:
    """A :class:`LinearRegression` seen through the MSE ``mean(r**2)`` instead of the half-MSE.

    Loss and gradient are twice the wrapped problem's (gradient ``2 X^T r / m``), so GD with
    rate ``lr`` here equals GD with rate ``2 lr`` on the half-MSE. :meth:`sample_grads` gives the
    one-sample gradients ``2 r_i x_i`` for single-sample SGD.
    """

    def __init__(self, problem: LinearRegression):
        if not isinstance(problem, LinearRegression):
            raise TypeError(f"problem must be a LinearRegression, got {type(problem).__name__}")
        self.problem = problem
        self.dim = problem.dim

    def loss(self, theta: Any) -> np.ndarray:
        return 2.0 * self.problem.loss(theta)

    def grad(self, theta: Any) -> np.ndarray:
        return 2.0 * self.problem.grad(theta)

    def sample_grads(self, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Minibatch MSE gradients: row k of ``theta`` (K, d) gets the mean over the samples
        ``idx[k]`` of ``2 r_i x_i``; ``idx`` is (K,) (one sample each) or (K, B)."""
        idx = np.asarray(idx)
        idx = idx[:, None] if idx.ndim == 1 else idx
        rows = self.problem.X[idx]                                   # (K, B, d) design rows
        resid = np.einsum("kbd,kd->kb", rows, theta) - self.problem.y[idx]
        return 2.0 * np.einsum("kb,kbd->kd", resid, rows) / idx.shape[1]

    def predict(self, theta: Any, x: Any) -> np.ndarray:
        return self.problem.predict(theta, x)

    def minimizer(self) -> np.ndarray:
        return self.problem.solution()

    def min_loss(self) -> float:
        return 2.0 * self.problem.min_loss()


def article001_problem() -> MSEProblem:
    """Article 001's data (``y = 2x + 1 + 0.5 noise``) as an MSE regression with intercept."""
    return MSEProblem(LinearRegression(*article001_data()))


def article001_stream() -> tuple[np.random.RandomState, np.ndarray, np.ndarray]:
    """The legacy seed-0 stream after drawing article 001's data, with the data as (100, 1) columns.

    The article seeds numpy's global generator with 0, draws X then the noise, and its SGD
    sample keeps drawing indices from the same stream; this returns that stream positioned
    where the SGD loop starts.
    """
    stream = np.random.RandomState(0)
    X = stream.rand(100, 1)
    y = 2 * X + 1 + stream.randn(100, 1) * 0.5
    return stream, X, y


def article_indices(steps: int = 1000) -> np.ndarray:
    """The sample indices article 001's SGD loop draws (``randint(0, 100)`` once per step)."""
    stream, X, _ = article001_stream()
    return np.array([stream.randint(0, len(X)) for _ in range(steps)])


# ------------------------------------------------------------------------------ 001-C2: SGD

def sgd_without_targets(lr: float = 0.01, steps: int = 1000) -> np.ndarray:
    """FLAWED (001-C2): a single-sample SGD whose "gradient" is ``2 (x_i - theta)``.

    y never enters, the sign is that of an ascent on ``(x - theta)**2`` and there is no
    intercept. Each step is ``theta <- (1 + 2 lr) theta - 2 lr x_i``: with lr = 0.01 the
    factor 1.02 compounds over the steps. Returns theta, shape (1,).
    """
    stream, X, _ = article001_stream()
    theta = np.zeros(1)
    for _ in range(steps):
        pick = stream.randint(0, len(X))
        theta = theta - lr * (2 * (X[pick] - theta))
    return theta


def sgd_single_sample(indices: Any, lr: Any = 0.01, problem: MSEProblem | None = None) -> np.ndarray:
    """CORRECTED: SGD on (b, w) from 0 with the MSE gradient of the sampled examples.

    ``indices`` has shape (steps,) for one single-sample run, (steps, K) for K single-sample
    runs side by side (one index stream per column) or (steps, K, B) for K runs with
    minibatches of B. ``lr`` is a float or a schedule ``step -> lr`` (e.g. from
    :mod:`lrcourse.schedules`). Returns the final (b, w): shape (2,) or (K, 2).
    """
    problem = problem or article001_problem()
    idx = np.asarray(indices)
    single = idx.ndim == 1
    idx = idx[:, None] if single else idx
    opt = SGD(lr)
    theta = np.zeros((idx.shape[1], problem.dim))
    state = opt.init(theta)
    for batch in idx:
        theta, state = opt.update(theta, problem.sample_grads(theta, batch), state)
    return theta[0] if single else theta


def repro_001_C2() -> dict:
    """Article 001 §4.3: predictions at x = 2, 3, 4 of the target-free "SGD" (lr 0.01, 1000 steps)."""
    theta = sgd_without_targets(0.01, 1000)
    return {"theta": float(theta[0]), "predictions": [float(v) for v in X_TEST * theta[0]],
            "growth_factor_per_step": 1.02, "growth_over_1000_steps": float(1.02**1000)}


def fix_001_C2() -> dict:
    """Corrected single-sample SGD (lr 0.01, MSE gradient, the article's index stream)."""
    problem = article001_problem()
    theta = sgd_single_sample(article_indices(1000), 0.01, problem)
    lstsq = problem.predict(problem.minimizer(), X_TEST)
    pred = problem.predict(theta, X_TEST)
    return {"theta": [float(v) for v in theta], "predictions": [float(v) for v in pred],
            "lstsq_predictions": [float(v) for v in lstsq],
            "max_abs_gap_to_lstsq": float(np.max(np.abs(pred - lstsq)))}


# ------------------------------------------------------------------------- 001-C3: momentum

def momentum_on_whole_batch(lr: float = 0.01, beta: float = 0.9, steps: int = 1000) -> np.ndarray:
    """FLAWED (001-C3): EMA momentum whose "gradient" is the per-sample array ``2 (X - theta)``.

    The gradient has one row per sample, shape (100, 1); the velocity silently takes that
    shape, and the in-place update of theta (shape (1,)) then fails.
    """
    _, X, _ = article001_stream()
    theta, velocity = np.zeros(1), np.zeros(1)
    for _ in range(steps):
        per_sample = 2 * (X - theta)                             # (100, 1); y unused
        velocity = beta * velocity + (1 - beta) * per_sample     # now (100, 1)
        theta -= lr * velocity                                   # (1,) cannot hold (100, 1)
    return theta


def momentum_fit(lr: float = 0.01, beta: float = 0.9, steps: int = 1000, ema: bool = False):
    """CORRECTED: full-batch momentum on (b, w) from 0 with the MSE gradient.

    ``ema=False``: heavy ball, ``SGD(lr, momentum=beta)``; ``ema=True``: the article's EMA form,
    ``EMAMomentum(lr, beta)``. Returns the :class:`~lrcourse.train.Trajectory`.
    """
    opt = EMAMomentum(lr, beta) if ema else SGD(lr, momentum=beta)
    return minimize(article001_problem(), opt, steps, np.zeros(2))


def repro_001_C3() -> dict:
    """Article 001 §4.4: the momentum sample stops with a shape error."""
    try:
        momentum_on_whole_batch()
    except ValueError as err:
        return {"error": type(err).__name__, "message": str(err)}
    return {"error": "", "message": "no error"}  # pragma: no cover - the defect always raises


def fix_001_C3() -> dict:
    """Heavy ball, lr 0.01, beta 0.9, 1000 steps, MSE gradient: the least-squares predictions."""
    problem = article001_problem()
    traj = momentum_fit(0.01, 0.9, 1000)
    pred = problem.predict(traj.params[-1], X_TEST)
    lstsq = problem.predict(problem.minimizer(), X_TEST)
    return {"predictions": [float(v) for v in pred], "lstsq_predictions": [float(v) for v in lstsq],
            "max_abs_gap_to_lstsq": float(np.max(np.abs(pred - lstsq)))}


# --------------------------------------------------------- 001-M6: EMA form, v starts at 0

def repro_001_M6() -> dict:
    """The EMA form with the same lr as heavy ball is a 10x slower method (beta = 0.9), and a
    random initial velocity (the article's step 1) pushes an iterate that starts at the
    optimum away from it."""
    problem = article001_problem()
    lstsq = problem.predict(problem.minimizer(), X_TEST)
    ema = momentum_fit(0.01, 0.9, 1000, ema=True)
    heavy = momentum_fit(0.01, 0.9, 1000)
    # random initial velocity (the article's step 1), starting AT the least-squares solution
    opt = EMAMomentum(0.1, 0.9)
    start = problem.minimizer()
    theta, state = start, opt.init(start)
    state["velocity"] = np.random.default_rng(0).standard_normal(2)
    wander = 0.0
    for _ in range(1000):
        theta, state = opt.update(theta, problem.grad(theta), state)
        wander = max(wander, float(np.linalg.norm(theta - start)))
    return {"ema_predictions_same_lr": [float(v) for v in problem.predict(ema.params[-1], X_TEST)],
            "heavy_ball_predictions": [float(v) for v in problem.predict(heavy.params[-1], X_TEST)],
            "lstsq_predictions": [float(v) for v in lstsq],
            "max_gap_same_lr": float(np.max(np.abs(ema.params - heavy.params))),
            "random_v0_max_distance_from_optimum": wander}


def fix_001_M6() -> dict:
    """EMA form with eta and heavy ball with eta (1 - beta) follow one trajectory; v0 = 0 makes
    the first step exactly -eta (1 - beta) g, and an iterate started at the optimum stays there."""
    beta = 0.9
    ema = momentum_fit(0.1, beta, 1000, ema=True)
    heavy = momentum_fit(0.1 * (1 - beta), beta, 1000)
    problem = article001_problem()
    g = problem.grad(np.zeros(2))
    first = ema.params[1] - ema.params[0]
    at_opt = minimize(problem, EMAMomentum(0.1, beta), 1000, problem.minimizer())
    stay = float(np.max(np.linalg.norm(at_opt.params - problem.minimizer(), axis=1)))
    return {"max_gap_rescaled": float(np.max(np.abs(ema.params - heavy.params))),
            "zero_v0_max_distance_from_optimum": stay,
            "predictions": [float(v) for v in problem.predict(ema.params[-1], X_TEST)],
            "first_step_error": float(np.max(np.abs(first - (-0.1 * (1 - beta) * g))))}


# ------------------------------------------------------ 001-M15: not just the last gradient

def ema_weights(beta: float, t: int) -> np.ndarray:
    """Weight of g_1 .. g_t in the EMA velocity v_t (v_0 = 0): ``(1 - beta) beta**(t - k)``,
    read off by feeding unit impulses through :class:`EMAMomentum`."""
    weights = []
    for k in range(t):
        opt = EMAMomentum(1.0, beta)
        theta, state = np.zeros(1), opt.init(np.zeros(1))
        for s in range(t):
            theta, state = opt.update(theta, np.array([1.0 if s == k else 0.0]), state)
        weights.append(float(state["velocity"][0]))
    return np.array(weights)


def previous_plus_current_steps(grads: np.ndarray, eta: float = 1.0) -> np.ndarray:
    """FLAWED (001-M15): article 001 §3.3's sentence taken literally, open loop. Momentum "keeps
    the gradient of the previous update and adds it to the current gradient":
    d_t = g_{t-1} + g_t (g_0 = 0), theta_t = theta_{t-1} - eta d_t. Returns the steps eta d_t."""
    grads = np.asarray(grads, dtype=float)
    previous = np.concatenate([np.zeros_like(grads[:1]), grads[:-1]])
    return eta * (previous + grads)


def article_formula_velocity(grads: np.ndarray, beta: float = 0.9) -> np.ndarray:
    """Article 001 §3.3's own formula (steps 4-5) written out: v <- beta v + (1 - beta) g, from
    v = 0 (independent of :class:`lrcourse.optimizers.EMAMomentum`). Returns v_1 .. v_T."""
    v, out = np.zeros_like(np.asarray(grads[0], dtype=float)), []
    for g in grads:
        v = beta * v + (1 - beta) * np.asarray(g, dtype=float)
        out.append(v)
    return np.array(out)


def _impulse_weights(respond, t: int) -> np.ndarray:
    """Weight of g_1 .. g_t in the output at step t of a linear rule, read off by unit impulses."""
    return np.array([respond(np.eye(t)[k][:, None])[-1, 0] for k in range(t)])


def two_tap_weights(t: int) -> np.ndarray:
    """Weights of g_1 .. g_t in the article's "previous plus current" step at step t, MEASURED
    by feeding unit impulses through :func:`previous_plus_current_steps`."""
    return _impulse_weights(previous_plus_current_steps, t)


def repro_001_M15() -> dict:
    """The article's wording (previous gradient + current gradient), measured: the weights its
    step gives the past gradients, and its step under a constant gradient (200 steps)."""
    w = two_tap_weights(10)
    const = previous_plus_current_steps(np.ones((200, 1)))
    return {"nonzero_weights_of_10": int(np.count_nonzero(w)), "weight_of_g1_at_t10": float(w[0]),
            "constant_gradient_step_over_eta_g": float(const[-1, 0])}


def fix_001_M15() -> dict:
    """The EMA velocity weights every past gradient (geometrically), measured twice: through
    :class:`EMAMomentum` and through the article's own formula written out; heavy ball's step
    under a constant gradient tends to eta g / (1 - beta) = 10 eta g for beta = 0.9."""
    beta = 0.9
    w = ema_weights(beta, 10)
    w_text = _impulse_weights(lambda g: article_formula_velocity(g, beta), 10)
    opt, theta = SGD(1.0, momentum=beta), np.zeros(1)
    state = opt.init(theta)
    for _ in range(200):
        new, state = opt.update(theta, np.ones(1), state)
        step, theta = float(theta[0] - new[0]), new
    return {"nonzero_weights_of_10": int(np.count_nonzero(w)), "weight_of_g1_at_t10": float(w[0]),
            "weights_sum": float(w.sum()), "heavy_ball_step_over_eta_g": step,
            "article_formula_weights": [float(v) for v in w_text],
            "max_gap_article_formula_vs_library": float(np.max(np.abs(w_text - w)))}

