import dataclasses
import time
import warnings

import numpy as np
import pytest

from lrcourse.optimizers import SGD, Adam
from lrcourse.problems import LinearRegression, Quadratic, Rosenbrock, make_linear_data
from lrcourse.train import SweepResult, Trajectory, minimize, sweep


class GD:
    """Stand-in optimizer with the lrcourse.optimizers interface: theta <- theta - lr * g."""

    def __init__(self, lr):
        self.lr = lr

    def lr_at(self, step):
        return self.lr(step) if callable(self.lr) else self.lr

    def init(self, params):
        return {"step": 0}

    def update(self, params, grads, state):
        lr = np.asarray(self.lr_at(state["step"]), float)
        lr = lr.reshape(lr.shape + (1,) * (params.ndim - lr.ndim))
        return params - lr * grads, {"step": state["step"] + 1}


@pytest.fixture(autouse=True)
def warnings_are_errors():
    """No numpy overflow warning may leak out of the training loops."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def regression():
    return LinearRegression(*make_linear_data())


BOWL = Quadratic.from_condition(10.0, lam_max=2.0, angle=0.4)


# ---------------------------------------------------------------- minimize

def test_minimize_matches_hand_loop():
    p = regression()
    traj = minimize(p, GD(0.5), 50, [0.0, 0.0])
    theta = np.zeros(2)
    for t in range(50):
        theta = theta - 0.5 * p.grad(theta)
        np.testing.assert_array_equal(traj.params[t + 1], theta)
    assert traj.params.shape == (51, 2)
    assert traj.losses.shape == (51,)
    np.testing.assert_array_equal(traj.lrs, np.full(50, 0.5))
    np.testing.assert_allclose(traj.losses, p.loss(traj.params), rtol=1e-14)
    assert traj.steps == 50
    assert not traj.diverged and traj.diverged_at is None
    assert traj.final_loss == traj.losses[-1]


def test_minimize_with_real_optimizers_converges_to_solution():
    p = regression()
    for opt, steps in [(SGD(1.0), 500), (SGD(0.1, momentum=0.9), 500), (Adam(0.05), 1000)]:
        traj = minimize(p, opt, steps, [0.0, 0.0])
        np.testing.assert_allclose(traj.params[-1], p.solution(), atol=1e-8)


def test_minimize_records_schedule_lrs():
    traj = minimize(BOWL, SGD(lambda t: 0.1 / (1 + t)), 5, [1.0, 1.0])
    np.testing.assert_allclose(traj.lrs, 0.1 / (1 + np.arange(5)))


def test_minimize_theta0_not_mutated_and_ints_accepted():
    theta0 = np.array([1.0, -1.0])
    minimize(BOWL, GD(0.1), 10, theta0)
    np.testing.assert_array_equal(theta0, [1.0, -1.0])
    traj = minimize(BOWL, SGD(0.1), 10, np.array([1, -1]))  # real SGD refuses int params
    assert traj.params.dtype == np.float64
    np.testing.assert_array_equal(traj.params, minimize(BOWL, SGD(0.1), 10, theta0).params)


def test_trajectory_is_frozen():
    traj = minimize(BOWL, GD(0.1), 3, [1.0, 1.0])
    assert isinstance(traj, Trajectory)
    with pytest.raises(dataclasses.FrozenInstanceError):
        traj.diverged = True


def test_minibatch_minimize_uses_seeded_rng_and_full_batch_losses():
    p = regression()
    traj = minimize(p, GD(0.3), 30, [0.0, 0.0], batch_size=4, seed=3)
    rng = np.random.default_rng(3)
    theta = np.zeros(2)
    for t in range(30):
        theta = theta - 0.3 * p.stochastic_grad(theta, rng, 4)
        np.testing.assert_array_equal(traj.params[t + 1], theta)
    np.testing.assert_allclose(traj.losses, p.loss(traj.params), rtol=1e-14)  # full-batch losses
    again = minimize(p, GD(0.3), 30, [0.0, 0.0], batch_size=4, seed=3)
    np.testing.assert_array_equal(again.params, traj.params)
    other = minimize(p, GD(0.3), 30, [0.0, 0.0], batch_size=4, seed=4)
    assert not np.array_equal(other.params, traj.params)


@pytest.mark.parametrize("problem", [BOWL, regression()], ids=["quadratic", "regression"])
@pytest.mark.parametrize("make", [GD, SGD], ids=["stand-in", "SGD"])
def test_gd_converges_iff_lr_below_stability_limit(problem, make):
    limit = problem.stability_limit()
    below = minimize(problem, make(0.99 * limit), 3000, [3.0, -2.0])
    above = minimize(problem, make(1.01 * limit), 3000, [3.0, -2.0])
    assert not below.diverged
    np.testing.assert_allclose(below.params[-1], problem.minimizer(), atol=1e-8)
    assert above.diverged and above.diverged_at < 3000
    assert above.final_loss == np.inf


def test_divergence_reported_without_warnings():
    traj = minimize(BOWL, GD(10.0), 10_000, [1.0, 1.0])
    assert traj.diverged
    t = traj.diverged_at
    assert traj.steps == t + 1 and len(traj.params) == t + 2
    assert traj.losses[-1] > 1e10 * traj.losses[0]
    assert np.all(traj.losses[:-1] <= 1e10 * traj.losses[0])
    # with blowup=inf it runs until the loss overflows, still silently
    traj = minimize(BOWL, GD(10.0), 10_000, [1.0, 1.0], blowup=np.inf)
    assert traj.diverged and not np.isfinite(traj.losses[-1])
    assert np.all(np.isfinite(traj.losses[:-1]))
    traj = minimize(Rosenbrock(), SGD(0.1), 1000, [-1.2, 1.0])
    assert traj.diverged


def test_minimize_bad_input():
    p = regression()
    for steps, exc in [(0, ValueError), (-3, ValueError), (2.5, TypeError), ("10", TypeError)]:
        with pytest.raises(exc, match="steps"):
            minimize(p, GD(0.1), steps, [0.0, 0.0])
    for theta0, exc in [([0.0, 0.0, 0.0], ValueError), ([[0.0, 0.0]], ValueError), (0.0, ValueError),
                        (["a", "b"], TypeError), ([np.nan, 0.0], ValueError), ([True, False], TypeError)]:
        with pytest.raises(exc, match="theta0"):
            minimize(p, GD(0.1), 10, theta0)
    with pytest.raises(ValueError, match="theta0"):  # finite, but the loss overflows
        minimize(p, GD(0.1), 10, [1e200, 1e200])
    with pytest.raises(ValueError, match="batch_size"):
        minimize(p, GD(0.1), 10, [0.0, 0.0], batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        minimize(p, GD(0.1), 10, [0.0, 0.0], batch_size=1000)
    with pytest.raises(ValueError, match="seed"):
        minimize(p, GD(0.1), 10, [0.0, 0.0], seed=-1)
    with pytest.raises(ValueError, match="blowup"):
        minimize(p, GD(0.1), 10, [0.0, 0.0], blowup=0)
    with pytest.raises(TypeError, match="optimizer"):
        minimize(p, 0.1, 10, [0.0, 0.0])
    with pytest.raises(TypeError, match="problem"):
        minimize(object(), GD(0.1), 10, [0.0, 0.0])


# ---------------------------------------------------------------- sweep

def check_sweep_matches_minimize(problem, make, lrs, steps, theta0, **kw):
    res = sweep(problem, lambda lr: make(lr), lrs, steps, theta0, **kw)
    assert isinstance(res, SweepResult)
    K = len(lrs)
    assert res.params.shape == (steps + 1, K, problem.dim)
    assert res.losses.shape == (steps + 1, K)
    for k, lr in enumerate(lrs):
        traj = minimize(problem, make(lr), steps, theta0, **kw)
        n = len(traj.losses)
        assert res.diverged[k] == traj.diverged
        assert res.diverged_at[k] == (traj.diverged_at if traj.diverged else -1)
        if not traj.diverged:
            np.testing.assert_allclose(res.params[:, k], traj.params, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(res.losses[:, k], traj.losses, rtol=1e-12, atol=1e-12)
            assert res.final_loss[k] == pytest.approx(traj.final_loss, rel=1e-12, abs=1e-12)
        else:
            np.testing.assert_allclose(res.params[:n, k], traj.params, rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(res.losses[:n, k], traj.losses, rtol=1e-12, atol=1e-12)
            assert np.all(np.isnan(res.params[n:, k])) and np.all(res.losses[n:, k] == np.inf)
            assert res.final_loss[k] == np.inf
    return res


@pytest.mark.parametrize("make", [GD, SGD, lambda lr: SGD(lr, momentum=0.9, nesterov=True),
                                  lambda lr: Adam(lr, betas=(0.8, 0.99))],
                         ids=["stand-in", "SGD", "nesterov", "Adam"])
@pytest.mark.parametrize("batch_size", [None, 1, 10])
def test_sweep_equals_loop_over_minimize(make, batch_size):
    p = regression()
    lrs = np.array([0.0, 0.01, 0.3, 1.0, 1.6, 3.0])
    if isinstance(make(1.0), Adam):
        lrs = lrs[:-1]  # Adam at lr = 3 oscillates chaotically: rounding differences grow to 1e-9
    res = check_sweep_matches_minimize(p, make, lrs, 200, [0.5, -0.5], batch_size=batch_size, seed=1)
    np.testing.assert_array_equal(res.lrs, lrs)
    np.testing.assert_array_equal(res.params[:, 0], np.broadcast_to([0.5, -0.5], (201, 2)))  # lr = 0


def test_sweep_stability_limit_and_no_warnings():
    limit = BOWL.stability_limit()
    lrs = limit * np.array([0.5, 0.99, 1.01, 2.0, 50.0])
    res = check_sweep_matches_minimize(BOWL, GD, lrs, 3000, [1.0, 2.0])
    np.testing.assert_array_equal(res.diverged, [False, False, True, True, True])
    np.testing.assert_allclose(res.params[-1, :2], 0.0, atol=1e-8)
    assert res.diverged_at[4] < res.diverged_at[3] < res.diverged_at[2]
    assert np.all(res.losses.min(axis=0) <= res.losses[0])
    res = sweep(BOWL, GD, [100.0, 1e6], 5000, [1.0, 2.0], blowup=np.inf)  # until overflow
    assert res.diverged.all() and np.all(res.final_loss == np.inf)
    assert res.steps == 5000


def test_sweep_per_row_theta0():
    theta0 = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    res = sweep(BOWL, GD, [0.1, 0.2, 0.3], 20, theta0)
    for k in range(3):
        traj = minimize(BOWL, GD(res.lrs[k]), 20, theta0[k])
        np.testing.assert_allclose(res.params[:, k], traj.params, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(theta0, [[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])


def test_sweep_bad_input():
    p = regression()
    ok = dict(problem=p, make_optimizer=GD, lrs=[0.1, 0.2], steps=10, theta0=[0.0, 0.0])
    cases = [
        ({"steps": 0}, ValueError, "steps"),
        ({"steps": 1.5}, TypeError, "steps"),
        ({"lrs": []}, ValueError, "lrs"),
        ({"lrs": [0.1, -0.1]}, ValueError, "lrs"),
        ({"lrs": [0.1, np.nan]}, ValueError, "lrs"),
        ({"lrs": [[0.1, 0.2]]}, ValueError, "lrs"),
        ({"lrs": ["a"]}, TypeError, "lrs"),
        ({"theta0": [0.0]}, ValueError, "theta0"),
        ({"theta0": np.zeros((3, 2))}, ValueError, "theta0"),
        ({"theta0": [np.inf, 0.0]}, ValueError, "theta0"),
        ({"theta0": ["a", "b"]}, TypeError, "theta0"),
        ({"make_optimizer": 0.1}, TypeError, "make_optimizer"),
        ({"make_optimizer": lambda lr: lr}, TypeError, "make_optimizer"),
        ({"batch_size": -1}, ValueError, "batch_size"),
        ({"blowup": np.nan}, ValueError, "blowup"),
    ]
    for change, exc, word in cases:
        with pytest.raises(exc, match=word):
            sweep(**{**ok, **change})


def test_sweep_is_fast():
    """The vectorised sweep: 200 LRs x 1000 steps well under a second, and >= 20x faster
    than a Python loop over minimize (timed on 10 of the LRs and scaled)."""
    p = regression()
    lrs = np.linspace(0.01, 1.4, 200)  # all below the stability limit: no early stops
    start = time.perf_counter()
    res = sweep(p, SGD, lrs, 1000, [0.0, 0.0])
    t_sweep = time.perf_counter() - start
    assert not res.diverged.any()
    start = time.perf_counter()
    for lr in lrs[::20]:
        minimize(p, SGD(lr), 1000, [0.0, 0.0])
    t_loop = (time.perf_counter() - start) * 20
    assert t_sweep < 1.0
    assert t_loop / t_sweep >= 20


def test_loops_give_update_s_results_whatever_the_gradient_type():
    """minimize/sweep skip update()'s per-step checks for float64 gradients; other gradients
    (here lists) go through update(): both give the same runs as calling update() by hand."""
    problem = regression()

    class ListGradients:
        dim, loss = problem.dim, problem.loss

        def grad(self, theta):
            return problem.grad(theta).tolist()

    opt = Adam(0.05)
    theta, state, by_hand = np.zeros(2), opt.init(np.zeros(2)), [np.zeros(2)]
    for _ in range(50):
        theta, state = opt.update(theta, problem.grad(theta), state)
        by_hand.append(theta)
    for p in (problem, ListGradients()):
        np.testing.assert_array_equal(minimize(p, Adam(0.05), 50, np.zeros(2)).params, np.array(by_hand))
    swept = sweep(problem, lambda lr: Adam(lr), [0.05, 0.05], 50, np.zeros(2))   # batched: equal up to rounding
    np.testing.assert_allclose(swept.params[:, 1], np.array(by_hand), rtol=1e-12, atol=1e-15)
