import dataclasses
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
    assert not traj.diverged and traj.diverged_at is None and traj.left_start_at is None
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


def left_start_by_hand(losses):
    """The module docstring's definition, one row at a time: None if the last loss is at or
    below the first, else the update after which the loss stayed above it to the end."""
    if not losses[-1] > losses[0]:
        return None
    t = len(losses) - 1
    while losses[t - 1] > losses[0]:
        t -= 1
    return t - 1


def test_left_start_at_reports_slow_divergence_only():
    """SGD at 1.001 x the stability limit ends ~50 x above its start without reaching blowup:
    reported; at 0.999 x, and runs that rise and come back down (momentum's overshoot, Adam's
    spike at a huge rate), not reported."""
    theta0 = [3.0, -2.0]
    slow = minimize(BOWL, SGD(1.001 * BOWL.stability_limit()), 1000, theta0)
    assert not slow.diverged and slow.losses[-1] > 50 * slow.losses[0]
    t = slow.left_start_at
    assert isinstance(t, int) and 0 < t < 100
    assert slow.losses[t] <= slow.losses[0] and np.all(slow.losses[t + 1:] > slow.losses[0])
    stable = minimize(BOWL, SGD(0.999 * BOWL.stability_limit()), 1000, theta0)
    assert stable.left_start_at is None and stable.losses[-1] < 0.1 * stable.losses[0]
    overshoot = minimize(BOWL, SGD(1.5, momentum=0.9), 1000, theta0)
    spike = minimize(BOWL, Adam(1000.0), 1000, theta0)
    for run, rise in [(overshoot, 3.0), (spike, 1e5)]:
        assert run.losses.max() > rise * run.losses[0] and run.losses[-1] < 1e-30   # rose, came back
        assert not run.diverged and run.left_start_at is None
    cut_short = minimize(BOWL, SGD(1.5, momentum=0.9), 1, theta0)   # stopped at the overshoot's top
    assert cut_short.left_start_at == 0
    assert minimize(BOWL, SGD(0.0), 10, theta0).left_start_at is None  # level is not above
    fast = minimize(BOWL, SGD(1.1 * BOWL.stability_limit()), 1000, theta0)
    assert fast.diverged and fast.left_start_at <= fast.diverged_at
    for run in (slow, stable, overshoot, spike, cut_short, fast):
        assert run.left_start_at == left_start_by_hand(run.losses)


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
    with pytest.raises(TypeError, match="problem must be a problem instance") as err:
        minimize(Quadratic, GD(0.1), 10, [0.0, 0.0])           # the class, not an instance
    assert "property" not in str(err.value)
    with pytest.raises(TypeError, match="optimizer must be an optimizer instance"):
        minimize(p, SGD, 10, [0.0, 0.0])
    for opt in (SGD(np.array([0.1, 0.2])), GD(np.array([0.1, 0.2]))):
        with pytest.raises(ValueError, match="use sweep"):
            minimize(p, opt, 10, [0.0, 0.0])

    class VectorLoss:
        dim, grad = p.dim, p.grad

        def loss(self, theta):
            return np.array([p.loss(theta)] * 2)

    with pytest.raises(ValueError, match="problem.loss"):
        minimize(VectorLoss(), GD(0.1), 10, [0.0, 0.0])
    for name, value in [("steps", 10**400), ("steps", 2**53 + 1), ("seed", 10**400), ("blowup", 10**400)]:
        with pytest.raises(ValueError, match=name):
            minimize(p, GD(0.1), **{"steps": 10, "theta0": [0.0, 0.0], name: value})
    with pytest.raises(ValueError, match="batch_size"):
        minimize(p, GD(0.1), 10, [0.0, 0.0], batch_size=10**400)


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
        assert res.left_start_at[k] == (-1 if traj.left_start_at is None else traj.left_start_at)
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


def test_sweep_left_start_at_equals_minimize():
    """The same slow, stable, overshooting and diverging runs as in minimize, in one sweep;
    blowup < 1 stops a run below its start (its inf rows after the stop must not count)."""
    limit = BOWL.stability_limit()
    lrs = limit * np.array([0.0, 0.999, 1.001, 1.1])
    res = check_sweep_matches_minimize(BOWL, SGD, lrs, 1000, [3.0, -2.0])
    assert res.left_start_at.dtype.kind == "i"
    assert res.left_start_at[:2].tolist() == [-1, -1] and 0 < res.left_start_at[2] < 100
    assert res.diverged.tolist() == [False, False, False, True]
    assert 0 <= res.left_start_at[3] <= res.diverged_at[3]
    res = check_sweep_matches_minimize(BOWL, lambda lr: SGD(lr, momentum=0.9), [1.5, 3.0], 1000, [3.0, -2.0])
    assert res.left_start_at[0] == -1 and res.diverged[1] and res.left_start_at[1] >= 0
    res = check_sweep_matches_minimize(BOWL, Adam, [1000.0], 1000, [3.0, -2.0])
    assert res.left_start_at[0] == -1
    res = check_sweep_matches_minimize(BOWL, SGD, [1.001, 1.5], 1000, [3.0, -2.0], blowup=0.5)
    assert res.diverged_at.tolist() == [0, 0] and res.left_start_at.tolist() == [-1, 0]


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
        ({"blowup": 10**400}, ValueError, "blowup"),
        ({"steps": 10**400}, ValueError, "steps"),
        ({"steps": 2**63}, ValueError, "steps"),
        ({"steps": 2**53}, ValueError, "steps = .* too many to store"),   # 432 PB: no machine has that
        ({"seed": 10**400}, ValueError, "seed"),
        ({"problem": LinearRegression}, TypeError, "problem must be a problem instance"),
        ({"make_optimizer": lambda lr: SGD}, TypeError, "make_optimizer"),
        # a factory that ignores its rate would run one rate K times
        ({"make_optimizer": lambda lr: SGD(0.1)}, ValueError, "make_optimizer.*lr 0.1"),
        ({"make_optimizer": lambda lr: SGD(lr[::-1])}, ValueError, "make_optimizer"),
        ({"make_optimizer": lambda lr: SGD(lambda t: 0.1)}, ValueError, "make_optimizer"),
        ({"make_optimizer": lambda lr: GD(0.1)}, ValueError, "make_optimizer"),
    ]
    for change, exc, word in cases:
        with pytest.raises(exc, match=word):
            sweep(**{**ok, **change})

    class ScalarLoss:                       # loss not vectorised over the K rows of theta
        dim, grad = p.dim, p.grad

        def loss(self, theta):
            return float(np.sum(theta ** 2))

    with pytest.raises(ValueError, match=r"problem.loss must be vectorised.*\(2,\)"):
        sweep(**{**ok, "problem": ScalarLoss()})
    # what passes: rates through a schedule or a duck-typed optimizer, one per run
    sweep(**{**ok, "make_optimizer": lambda lr: SGD(lambda t: lr / (1 + t))})
    sweep(**{**ok, "make_optimizer": lambda lr: GD(lambda t: lr)})


def test_sweep_of_200_stable_rates():
    """The benchmark's sweep (its speed is measured by lrcourse.bench, not asserted here):
    200 LRs below the stability limit, 1000 steps, no run diverges or ends above its start,
    and every 20th column equals minimize's run up to rounding."""
    p = regression()
    lrs = np.linspace(0.01, 1.4, 200)
    res = sweep(p, SGD, lrs, 1000, [0.0, 0.0])
    assert not res.diverged.any() and np.all(res.left_start_at == -1)
    for k in range(0, 200, 20):
        np.testing.assert_allclose(res.losses[:, k], minimize(p, SGD(lrs[k]), 1000, [0.0, 0.0]).losses,
                                   rtol=1e-12, atol=1e-15)


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
