"""Tests for lrcourse.optimizers: hand-computed steps, identities, convergence, PyTorch parity."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse import optimizers as O
from lrcourse.optimizers import SGD, Adagrad, Adam, AdamW, EMAMomentum, RMSprop, _rate

ALL = [
    lambda lr: SGD(lr),
    lambda lr: SGD(lr, momentum=0.9),
    lambda lr: SGD(lr, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda lr: SGD(lr, momentum=0.5, dampening=0.3),
    lambda lr: EMAMomentum(lr, beta=0.8),
    lambda lr: Adagrad(lr, lr_decay=0.01, initial_accumulator_value=0.1),
    lambda lr: RMSprop(lr, centered=True, momentum=0.5),
    lambda lr: Adam(lr, amsgrad=True, weight_decay=0.1),
    lambda lr: AdamW(lr),
]
A = np.array([[3.0, 1.0], [1.0, 2.0]])


def run(opt, theta0, grad, steps):
    """Trajectory (steps + 1, ...) of opt from theta0 on grad(theta)."""
    theta, state, out = np.asarray(theta0, float), opt.init(theta0), [np.asarray(theta0, float)]
    for _ in range(steps):
        theta, state = opt.update(theta, grad(theta), state)
        out.append(theta)
    return np.array(out)


# ---------------------------------------------------------------- one hand-computed step each

def test_sgd_steps_by_hand():
    p, s = SGD(0.1).update([1.0, 2.0], [0.5, -1.0], {"step": 0})
    np.testing.assert_allclose(p, [0.95, 2.1], rtol=0, atol=1e-15)
    assert s == {"step": 1}
    # momentum 0.9, dampening 0.5: b1 = g1 (no dampening on step 1), b2 = 0.9*b1 + 0.5*g2
    opt = SGD(0.1, momentum=0.9, dampening=0.5)
    p, s = opt.update([1.0], [2.0], opt.init([1.0]))
    assert p[0] == pytest.approx(1 - 0.1 * 2.0) and s["momentum_buffer"][0] == 2.0
    p, s = opt.update(p, [1.0], s)
    assert s["momentum_buffer"][0] == pytest.approx(0.9 * 2 + 0.5 * 1)       # 2.3
    assert p[0] == pytest.approx(0.8 - 0.1 * 2.3)
    # Nesterov: step along g + mu*b; weight decay adds lambda*theta to g first
    opt = SGD(0.1, momentum=0.5, nesterov=True, weight_decay=0.5)
    p, _ = opt.update([2.0], [1.0], opt.init([2.0]))                            # g = 1 + 1 = 2
    assert p[0] == pytest.approx(2.0 - 0.1 * (2 + 0.5 * 2))


def test_ema_momentum_step_by_hand():
    opt = EMAMomentum(0.5, beta=0.75)
    p, s = opt.update([1.0], [2.0], opt.init([1.0]))                           # v1 = 0.25*2
    assert s["velocity"][0] == 0.5 and p[0] == 0.75
    p, s = opt.update(p, [4.0], s)                                             # v2 = .375 + 1
    assert s["velocity"][0] == 1.375 and p[0] == pytest.approx(0.75 - 0.5 * 1.375)


def test_adagrad_step_by_hand():
    opt = Adagrad(0.13, eps=0.25)
    p, s = opt.update([1.0], [1.2], opt.init([1.0]))                           # sqrt(1.44) + .25
    assert s["sum"][0] == pytest.approx(1.44) and p[0] == pytest.approx(1 - 0.13 * 1.2 / 1.45)
    opt = Adagrad(0.13, eps=0.25, eps_inside_sqrt=True)                        # sqrt(1.44 + .25)
    assert opt.update([1.0], [1.2], opt.init([1.0]))[0][0] == pytest.approx(1 - 0.12)
    # lr_decay: update t (0-based) uses lr / (1 + t * lr_decay); accumulator starts at 3
    opt = Adagrad(1.0, lr_decay=0.5, initial_accumulator_value=3.0, eps=1e-10)
    assert [opt.lr_at(t) for t in range(3)] == [1.0, 1 / 1.5, 0.5]
    p, s = opt.update([0.0], [1.0], opt.init([0.0]))                           # sum = 4
    p, s = opt.update(p, [0.0], s)
    p, s = opt.update(p, [3.0], s)                                             # sum = 13
    assert p[0] == pytest.approx(-1.0 / 2 - 0.5 * 3 / np.sqrt(13))


def test_rmsprop_step_by_hand():
    opt = RMSprop(0.1, alpha=0.75)
    p, s = opt.update([1.0], [2.0], opt.init([1.0]))                           # v = .25*4 = 1
    assert s["square_avg"][0] == 1.0 and p[0] == pytest.approx(1 - 0.1 * 2)
    opt = RMSprop(0.1, alpha=0.75, centered=True, momentum=0.5)                # a = .5, v~ = .75
    p, s = opt.update([1.0], [2.0], opt.init([1.0]))
    assert s["grad_avg"][0] == 0.5 and s["momentum_buffer"][0] == pytest.approx(2 / np.sqrt(0.75))
    assert p[0] == pytest.approx(1 - 0.1 * 2 / np.sqrt(0.75))
    opt = RMSprop(0.1, alpha=0.75, eps=0.44, eps_inside_sqrt=True)             # sqrt(1 + .44)
    assert opt.update([1.0], [2.0], opt.init([1.0]))[0][0] == pytest.approx(1 - 0.1 * 2 / 1.2)


def test_adam_two_steps_by_hand():
    opt = Adam(0.1, betas=(0.5, 0.75), eps=1e-8)
    p, s = opt.update([1.0], [1.0], opt.init([1.0]))                           # m^ = 1, v^ = 1
    p1 = 1 - 0.1 / (1 + 1e-8)
    assert p[0] == pytest.approx(p1, abs=1e-15)
    p, s = opt.update(p, [3.0], s)
    # m2 = .25 + 1.5 = 1.75, m^ = 1.75/.75 = 7/3; v2 = .1875 + 2.25, v^ = 2.4375/.4375 = 39/7
    assert s["exp_avg"][0] == 1.75 and s["exp_avg_sq"][0] == 2.4375
    assert p[0] == pytest.approx(p1 - 0.1 * (7 / 3) / (np.sqrt(39 / 7) + 1e-8), abs=1e-14)


def test_adamw_decays_before_the_adam_step():
    opt = AdamW(0.1, weight_decay=0.5)
    p, _ = opt.update([2.0], [4.0], opt.init([2.0]))
    assert p[0] == pytest.approx(2.0 * (1 - 0.05) - 0.1 * 4 / (4 + 1e-8), abs=1e-14)
    # Adam's weight_decay is L2 in the gradient instead: with g = 0 it still moves by ~lr
    opt = Adam(0.1, weight_decay=0.5)
    assert opt.update([2.0], [0.0], opt.init([2.0]))[0][0] == pytest.approx(1.9)


# ---------------------------------------------------------------- identities and properties

@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-4, 8), st.floats(1, 9.99), st.booleans()), min_size=1, max_size=6),
       st.floats(1e-4, 10.0))
def test_adam_first_steps_have_size_lr_for_constant_gradient(coords, lr):
    g = np.array([(-1) ** neg * m * 10.0**e for e, m, neg in coords])
    opt, theta = Adam(lr), np.zeros(len(g))
    state = opt.init(theta)
    for _ in range(3):  # constant g: m^ = g and v^ = g^2 at every step
        new, state = opt.update(theta, g, state)
        np.testing.assert_allclose(theta - new, lr * np.sign(g), rtol=2e-4)
        theta = new


def test_heavy_ball_equals_ema_momentum_with_rescaled_lr():
    eta, beta, theta0 = 0.1, 0.9, np.array([1.0, -2.0])
    ema = run(EMAMomentum(eta, beta), theta0, lambda th: A @ th, 200)
    heavy = run(SGD(eta * (1 - beta), momentum=beta), theta0, lambda th: A @ th, 200)
    np.testing.assert_allclose(ema, heavy, rtol=0, atol=1e-12)
    assert np.abs(ema[-1]).max() < 1e-3  # and it is a real (converging) trajectory


def test_dampened_pytorch_momentum_differs_from_ema_only_by_its_first_step():
    grad = lambda th: A @ th + 1.0
    dampened = run(SGD(0.1, momentum=0.9, dampening=0.9), np.zeros(2), grad, 3)
    ema = run(EMAMomentum(0.1, beta=0.9), np.zeros(2), grad, 3)
    np.testing.assert_allclose(dampened[1], 10 * ema[1])  # b_1 = g_1 vs v_1 = (1 - beta) g_1
    assert not np.allclose(dampened[3], ema[3])


@pytest.mark.parametrize("make", ALL)
def test_update_is_pure_and_float64(make):
    opt = make(0.1)
    theta = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32)
    state = opt.init(theta)
    for _ in range(2):  # second update exercises the buffers
        grads = theta @ A
        before = (theta.copy(), grads.copy(), {k: np.copy(v) for k, v in state.items()})
        new, new_state = opt.update(theta, grads, state)
        np.testing.assert_array_equal(theta, before[0])
        np.testing.assert_array_equal(grads, before[1])
        assert state.keys() == before[2].keys()
        for k in state:
            np.testing.assert_array_equal(state[k], before[2][k])
        assert new.dtype == np.float64 and new is not theta
        assert new_state["step"] == state["step"] + 1
        theta, state = new, new_state


@pytest.mark.parametrize("make", ALL)
@pytest.mark.parametrize("schedule", [False, True])
def test_batched_lrs_equal_separate_runs(make, schedule):
    lrs = np.array([0.01, 0.05, 0.2])
    theta0 = np.array([[1.0, -1.0], [2.0, 0.5], [-1.0, 3.0]])
    grad = lambda th: th @ A + 0.1  # row-wise A theta + 0.1 (A symmetric)
    lr = (lambda t: lrs / (1 + 0.1 * t)) if schedule else lrs
    batched = run(make(lr), theta0, grad, 30)
    for k in range(3):
        lr_k = (lambda t, k=k: lrs[k] / (1 + 0.1 * t)) if schedule else lrs[k]
        single = run(make(lr_k), theta0[k], grad, 30)
        np.testing.assert_allclose(batched[:, k], single, rtol=0, atol=1e-12)


def test_schedule_is_called_with_the_step_before_the_update():
    seen = []
    opt = SGD(lambda t: seen.append(t) or 0.1 * (t + 1))
    traj = run(opt, [0.0], lambda th: np.ones_like(th), 3)
    assert seen == [0, 1, 2] and opt.lr_at(4) == pytest.approx(0.5)
    np.testing.assert_allclose(traj[:, 0], [0, -0.1, -0.3, -0.6])


def test_rate_broadcasts_array_learning_rates():
    params = np.zeros((3, 4, 2))
    assert _rate(0.5, params) == 0.5 and isinstance(_rate(np.float64(0.5), params), float)
    assert _rate(np.ones(3), params).shape == (3, 1, 1)
    assert _rate(np.ones((3, 4)), params).shape == (3, 4, 1)
    with pytest.raises(ValueError, match="lr array"):
        _rate(np.ones(4), params)


def test_divergence_produces_no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for make in ALL:
            opt = make(1e300)
            theta = np.array([1e300, -1e300])
            new, state = opt.update(theta, theta, opt.init(theta))
            opt.update(new, new, state)


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("call, exc, match", [
    (lambda: SGD(-0.1), ValueError, "lr"),
    (lambda: SGD(float("nan")), ValueError, "lr"),
    (lambda: SGD("0.1"), TypeError, "lr"),
    (lambda: SGD(np.array([0.1, -1.0])), ValueError, "lr"),
    (lambda: SGD(0.1, momentum=1.0), ValueError, r"momentum must be in \[0, 1\)"),
    (lambda: SGD(0.1, momentum=-0.5), ValueError, "momentum"),
    (lambda: SGD(0.1, dampening=1.5), ValueError, r"dampening must be in \[0, 1\]"),
    (lambda: SGD(0.1, nesterov=True), ValueError, "nesterov.*momentum"),
    (lambda: SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError, "nesterov.*dampening"),
    (lambda: SGD(0.1, weight_decay=-1), ValueError, "weight_decay must be >= 0"),
    (lambda: EMAMomentum(0.1, beta=1.0), ValueError, r"beta must be in \[0, 1\)"),
    (lambda: Adagrad(0.1, lr_decay=-0.1), ValueError, "lr_decay must be >= 0"),
    (lambda: Adagrad(0.1, initial_accumulator_value=-1), ValueError, "initial_accumulator_value"),
    (lambda: Adagrad(0.1, eps=0), ValueError, "eps must be > 0"),
    (lambda: RMSprop(0.1, alpha=1.0), ValueError, r"alpha must be in \[0, 1\)"),
    (lambda: RMSprop(0.1, momentum=1.2), ValueError, "momentum"),
    (lambda: RMSprop(0.1, eps=-1e-8), ValueError, "eps must be > 0"),
    (lambda: Adam(0.1, betas=(0.9, 1.0)), ValueError, r"betas\[1\] must be in \[0, 1\)"),
    (lambda: Adam(0.1, betas=(-0.1, 0.9)), ValueError, r"betas\[0\]"),
    (lambda: Adam(0.1, betas=0.9), TypeError, "betas must be a pair"),
    (lambda: Adam(0.1, eps=0.0), ValueError, "eps must be > 0"),
    (lambda: AdamW(0.1, weight_decay=-0.01), ValueError, "weight_decay"),
])
def test_bad_hyperparameters_raise(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("make", ALL)
def test_bad_arrays_raise(make):
    opt = make(0.1)
    theta = np.zeros(2)
    state = opt.init(theta)
    with pytest.raises(ValueError, match="grads must have the shape of params"):
        opt.update(theta, np.zeros(3), state)
    with pytest.raises(TypeError, match="grads must hold real numbers"):
        opt.update(theta, ["a", "b"], state)
    with pytest.raises(TypeError, match="params must be a float array.*astype"):
        opt.update(np.array([1, 2]), np.zeros(2), state)
    with pytest.raises(TypeError, match="params"):
        opt.init([1, 2])
    with pytest.raises(TypeError, match="params must hold real numbers"):
        opt.init(["x", "y"])
    with pytest.raises(TypeError, match="state must be the dict"):
        opt.update(theta, theta, None)


def test_bad_lr_values_at_update_time_raise():
    with pytest.raises(ValueError, match="lr"):
        SGD(lambda t: -1.0).update([1.0], [1.0], {"step": 0})
    with pytest.raises(ValueError, match="lr array of shape"):
        SGD(np.array([0.1, 0.2])).update(np.zeros((3, 2)), np.zeros((3, 2)), {"step": 0})
    opt = Adam(0.1)
    with pytest.raises(ValueError, match="state\\['exp_avg'\\]"):
        opt.update(np.zeros(3), np.zeros(3), opt.init(np.zeros(2)))


# ---------------------------------------------------------------- convergence on article 001's data

def article001():
    rs = np.random.RandomState(0)
    X = rs.rand(100, 1)
    y = (2 * X + 1 + rs.randn(100, 1) * 0.5)[:, 0]
    design = np.hstack([np.ones((100, 1)), X])  # intercept FIRST: theta = [b, w]
    return design, y


@pytest.mark.parametrize("opt, steps", [
    (SGD(1.0), 1000),                                    # plain full-batch GD
    (SGD(0.5, momentum=0.9), 500),                       # heavy ball
    (EMAMomentum(5.0, beta=0.9), 500),
    (SGD(0.5, momentum=0.9, nesterov=True), 500),
    (Adam(0.05), 2000),
    (AdamW(0.05, weight_decay=0.0), 2000),
    (Adagrad(0.5), 3000),
    (RMSprop(lambda t: 0.01 / (1 + t / 100)), 5000),
])
def test_convergence_to_least_squares_on_article001(opt, steps):
    X, y = article001()
    theta = run(opt, np.zeros(2), lambda th: X.T @ (X @ th - y) / len(y), steps)[-1]
    predictions = theta[0] + theta[1] * np.array([2.0, 3.0, 4.0])
    np.testing.assert_allclose(predictions, [5.048, 7.016, 8.985], atol=1e-3)
    np.testing.assert_allclose(theta, np.linalg.lstsq(X, y, rcond=None)[0], atol=2e-4)


# ---------------------------------------------------------------- reference: PyTorch

TORCH_CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=0.2)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.9, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-3)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.0)),
]


@pytest.mark.parametrize("name, kwargs", TORCH_CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(TORCH_CASES)])
def test_matches_pytorch(name, kwargs):
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(1)
    theta0 = rs.randn(3, 4)
    # gradients whose scale shrinks over time, so AMSGrad's running max matters
    grads = rs.randn(50, 3, 4) * np.linspace(2.0, 0.1, 50)[:, None, None] + 0.3

    p = torch.tensor(theta0, dtype=torch.float64, requires_grad=True)
    topt = getattr(torch.optim, name)([p], **kwargs)
    opt = getattr(O, name)(**kwargs)
    theta, state = theta0, opt.init(theta0)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        topt.step()
        theta, state = opt.update(theta, g, state)
        np.testing.assert_allclose(theta, p.detach().numpy(), rtol=0, atol=1e-10)


# ------------------------------------------------------------------ bad input (issue 17, item 6)

FLAGS = [(lambda v: SGD(0.1, momentum=0.9, nesterov=v), "nesterov"),
         (lambda v: Adagrad(0.1, eps_inside_sqrt=v), "eps_inside_sqrt"),
         (lambda v: RMSprop(0.1, centered=v), "centered"),
         (lambda v: RMSprop(0.1, eps_inside_sqrt=v), "eps_inside_sqrt"),
         (lambda v: Adam(0.1, amsgrad=v), "amsgrad"),
         (lambda v: AdamW(0.1, amsgrad=v), "amsgrad")]


@pytest.mark.parametrize("make, flag", FLAGS, ids=[f for _, f in FLAGS])
@pytest.mark.parametrize("value", ["False", "no", 0, 1, None, np.nan, [], np.array([]), np.array([1, 0])])
def test_boolean_flags_accept_only_booleans(make, flag, value):
    """bool() used to turn "False" into True."""
    with pytest.raises(TypeError, match=f"{flag} must be True or False"):
        make(value)
    assert getattr(make(np.bool_(True)), flag) is True and getattr(make(False), flag) is False


@pytest.mark.parametrize("step, exc", [(-1, ValueError), (10**400, ValueError), (2**53 + 1, ValueError),
                                       (1.5, TypeError), (3.0, TypeError), ("3", TypeError),
                                       (None, TypeError), (True, TypeError), (np.nan, TypeError)])
def test_state_step_is_checked(step, exc):
    """-1 gave Adam NaN params and a divide-by-zero warning; 1.5 was accepted; "3" failed deep inside."""
    opt, p = Adam(0.1), np.ones(2)
    with pytest.raises(exc, match=r"state\['step'\]"):
        opt.update(p, p, {**opt.init(p), "step": step})


def test_state_step_numpy_integers_and_buffers():
    opt, p, g = Adam(0.1), np.array([1.0, -2.0]), np.array([0.5, 0.25])
    state = opt.update(p, g, opt.init(p))[1]
    want = opt.update(p, g, state)[0]
    np.testing.assert_allclose(opt.update(p, g, {**state, "step": np.int64(1)})[0], want, rtol=1e-15)
    with pytest.raises(TypeError, match=r"state\['exp_avg'\] must be a float64 array"):
        opt.update(p, g, {**state, "exp_avg": state["exp_avg"].astype(object)})


def test_centered_rmsprop_with_overflowing_grads_gives_nan_silently():
    """Documented: g**2 overflows, v~ = inf - inf = NaN (PyTorch's fused multiply-add keeps inf
    and takes a zero step); no warning leaks."""
    opt = RMSprop(0.01, centered=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p, _ = opt.update(np.ones(2), np.full(2, 1e200), opt.init(np.ones(2)))
        assert np.isnan(p).all()
        p, _ = RMSprop(0.01).update(np.ones(2), np.full(2, 1e200), opt.init(np.ones(2)))
        np.testing.assert_array_equal(p, [1.0, 1.0])                 # plain variant: g / inf = a zero step
