"""Tests for lrcourse.mlp: backprop against finite differences, learning two moons, the
textbook depth/initialisation behaviour of layer_stats, the problem wrapper, bad input."""
import warnings

import numpy as np
import pytest

from lrcourse.datasets import two_moons
from lrcourse.mlp import MLP, Classification


@pytest.fixture(scope="module")
def moons():
    return two_moons(n=200, noise=0.1, seed=0)


def _small_data(n=20, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, 2, n)


def _central_diff(f, p, h=1e-6):
    g = np.empty_like(p)
    for i in range(p.size):
        e = np.zeros_like(p)
        e[i] = h
        g[i] = (f(p + e) - f(p - e)) / (2 * h)
    return g


# ---------------------------------------------------------------- parameters and forward
def test_param_layout_and_roundtrip():
    m = MLP([3, 5, 4, 1], seed=1)
    assert m.n_params == 3 * 5 + 5 + 5 * 4 + 4 + 4 * 1 + 1
    p = m.init_params()
    assert p.shape == (m.n_params,) and p.dtype == np.float64
    layers = m.unflatten(p)
    assert [(W.shape, b.shape) for W, b in layers] == [((3, 5), (5,)), ((5, 4), (4,)), ((4, 1), (1,))]
    assert all(np.all(b == 0) for _, b in layers)  # biases start at zero
    np.testing.assert_array_equal(p[:15].reshape(3, 5), layers[0][0])  # W_1 first, row-major
    np.testing.assert_array_equal(m.flatten(layers), p)


def test_init_depends_only_on_seed():
    a = MLP([2, 8, 8, 1], seed=3).init_params()
    b = MLP([2, 8, 8, 1], seed=3).init_params()
    c = MLP([2, 8, 8, 1], seed=4).init_params()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # the init scheme sets the weight scale: He std = sqrt(2 / fan_in)
    W = MLP([400, 300, 1], init="he_normal").unflatten(MLP([400, 300, 1], init="he_normal").init_params())[0][0]
    assert W.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)


def test_custom_init_callable():
    m = MLP([2, 3, 1], init=lambda a, b, rng: np.ones((a, b)))
    np.testing.assert_array_equal(m.unflatten(m.init_params())[0][0], np.ones((2, 3)))
    with pytest.raises(ValueError, match="init returned shape"):
        MLP([2, 3, 1], init=lambda a, b, rng: np.ones((b, a))).init_params()


@pytest.mark.parametrize("activation, f", [("tanh", np.tanh), ("relu", lambda z: np.maximum(z, 0))])
def test_forward_matches_manual(activation, f):
    X, _ = _small_data()
    m = MLP([3, 4, 2, 1], activation=activation, seed=2)
    p = m.init_params() + 0.1 * np.random.default_rng(0).standard_normal(m.n_params)
    (W1, b1), (W2, b2), (W3, b3) = m.unflatten(p)
    expected = (f(f(X @ W1 + b1) @ W2 + b2) @ W3 + b3)[:, 0]
    np.testing.assert_allclose(m.forward(p, X), expected, rtol=1e-13)
    logits, cache = m.forward(p, X, return_cache=True)
    assert len(cache["pre"]) == 3 and len(cache["act"]) == 3
    np.testing.assert_array_equal(cache["act"][0], X)


def test_loss_is_binary_cross_entropy_and_stable():
    X, y = _small_data()
    m = MLP([3, 4, 1], seed=0)
    p = m.init_params()
    prob = m.predict_proba(p, X)
    bce = -np.mean(y * np.log(prob) + (1 - y) * np.log(1 - prob))
    assert m.loss(p, X, y) == pytest.approx(bce, rel=1e-12)
    # huge logits: no overflow, no warnings, finite loss and gradient
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = 1e3 * p
        assert np.isfinite(m.loss(big, X, y))
        assert np.all(np.isfinite(m.grad(big, X, y)))


def test_pure_functions_do_not_modify_inputs():
    X, y = _small_data()
    m = MLP([3, 4, 1])
    p = m.init_params()
    p0, X0, y0 = p.copy(), X.copy(), y.copy()
    m.grad(p, X, y), m.loss(p, X, y), m.layer_stats(p, X)
    for W, b in m.unflatten(p):
        W[:] = 0.0
    np.testing.assert_array_equal(p, p0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


# ---------------------------------------------------------------- gradient check
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("hidden", [[], [4], [5, 4], [4, 4, 4, 4]])
def test_grad_matches_central_differences(activation, hidden):
    X, y = _small_data(seed=len(hidden))
    m = MLP([3, *hidden, 1], activation=activation, init="he_normal" if activation == "relu" else "xavier_normal",
            seed=len(hidden))
    # perturb so the biases are non-zero and the check is not a special case
    p = m.init_params() + 0.3 * np.random.default_rng(7).standard_normal(m.n_params)
    if activation == "relu":  # keep every pre-activation away from the kink at 0
        _, cache = m.forward(p, X, return_cache=True)
        assert min((np.abs(z).min() for z in cache["pre"][:-1]), default=1.0) > 1e-4
    g = m.grad(p, X, y)
    g_fd = _central_diff(lambda q: m.loss(q, X, y), p)
    rel = np.linalg.norm(g - g_fd) / (np.linalg.norm(g) + np.linalg.norm(g_fd))
    assert rel < 1e-6
    np.testing.assert_allclose(g, g_fd, atol=1e-7)


# ---------------------------------------------------------------- learning
@pytest.mark.parametrize("activation, init, seed", [("tanh", "xavier_normal", 0), ("tanh", "xavier_normal", 1),
                                                     ("relu", "he_normal", 0)])
def test_gradient_descent_learns_two_moons(moons, activation, init, seed):
    """Plain GD, lr 0.5, 300 full-batch steps, net 2-16-16-1: 100 % training accuracy in our
    runs (seeds 0-9); we assert > 95 %."""
    X, y = moons
    m = MLP([2, 16, 16, 1], activation=activation, init=init, seed=seed)
    p = m.init_params()
    loss0 = m.loss(p, X, y)
    for _ in range(300):
        p = p - 0.5 * m.grad(p, X, y)
    assert m.loss(p, X, y) < 0.1 * loss0
    assert m.accuracy(p, X, y) > 0.95


# ---------------------------------------------------------------- layer_stats
DEEP = [2] + [64] * 10 + [1]  # 10 hidden layers of width 64


def _act_std(moons, activation, init, seed):
    m = MLP(DEEP, activation=activation, init=init, seed=seed)
    return m.layer_stats(m.init_params(), moons[0])


def test_layer_stats_shapes(moons):
    X, y = moons
    m = MLP([2, 8, 8, 8, 1])
    s = m.layer_stats(m.init_params(), X)
    assert {k: v.shape for k, v in s.items()} == {"preact_std": (4,), "act_std": (3,), "grad_act_std": (3,),
                                                  "grad_preact_std": (4,), "grad_W_std": (4,)}
    # with labels, the backward signal is that of the mean BCE loss: grad_W_std matches grad()
    p = m.init_params()
    s = m.layer_stats(p, X, y)
    W1_grad = m.unflatten(m.grad(p, X, y))[0][0]
    assert s["grad_W_std"][0] == pytest.approx(W1_grad.std(), rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_small_gaussian_init_vanishes_with_depth(moons, seed):
    """N(0, 0.01^2) weights: each tanh layer multiplies the activation std by about
    0.01 * sqrt(64) = 0.08 (measured 0.08-0.09 per layer), so forward signals vanish --
    after 10 layers ~1e-10 of the first -- and so do the gradients flowing back."""
    s = _act_std(moons, "tanh", "gaussian", seed)
    a, g = s["act_std"], s["grad_act_std"]
    assert np.all(a[1:] / a[:-1] < 0.15)
    assert a[-1] / a[0] < 1e-6
    assert g[0] / g[-1] < 1e-6  # backward: the first layer sees almost no gradient


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xavier_keeps_tanh_signal_alive(moons, seed):
    """Xavier with tanh: activation std stays within a factor 3 of the first layer
    (measured: every layer within 0.55x-1.02x of the first over 20 seeds), and so does the
    backward signal (0.35x-1.2x of the last hidden layer's)."""
    s = _act_std(moons, "tanh", "xavier_normal", seed)
    a, g = s["act_std"], s["grad_act_std"]
    assert np.all((a > a[0] / 3) & (a < 3 * a[0]))
    assert np.all((g > g[-1] / 3) & (g < 3 * g[-1]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_relu_he_keeps_signal_xavier_shrinks_it(moons, seed):
    """ReLU halves the second moment: with Xavier (Var W = 1/64 here) the activation std drops
    by ~1/sqrt(2) per layer (last/first measured 0.02-0.10 over 20 seeds); He's factor 2
    compensates (last/first 0.5-2.3: roughly constant, with width-64 fluctuations)."""
    he = _act_std(moons, "relu", "he_normal", seed)["act_std"]
    xa = _act_std(moons, "relu", "xavier_normal", seed)["act_std"]
    assert np.all((he > he[0] / 3) & (he < 3 * he[0]))
    assert xa[-1] / xa[0] < 0.2
    assert np.all(np.diff(xa[1:]) < 0)  # shrinks layer after layer
    assert he[-1] / he[0] > 4 * xa[-1] / xa[0]


# ---------------------------------------------------------------- Classification problem
def test_classification_matches_mlp_and_batches(moons):
    X, y = moons
    m = MLP([2, 6, 1], seed=0)
    prob = Classification(m, X, y)
    assert prob.n == 200 and prob.dim == m.n_params
    p = prob.init_params()
    assert prob.loss(p) == pytest.approx(m.loss(p, X, y), rel=1e-15)
    np.testing.assert_array_equal(prob.grad(p), m.grad(p, X, y))
    P = np.stack([p, 2 * p, -p])
    assert prob.loss(P).shape == (3,) and prob.grad(P).shape == P.shape
    assert prob.accuracy(P).shape == (3,)
    np.testing.assert_allclose(prob.grad(P)[1], m.grad(2 * p, X, y))
    assert prob.loss(P[None]).shape == (1, 3)


def test_stochastic_grad(moons):
    X, y = moons
    m = MLP([2, 6, 1], seed=0)
    prob = Classification(m, X, y)
    p = prob.init_params()
    # the whole set as one batch is the full gradient (up to summation order)
    np.testing.assert_allclose(prob.stochastic_grad(p, np.random.default_rng(0), 200), prob.grad(p), atol=1e-15)
    a = prob.stochastic_grad(p, np.random.default_rng(5), 8)
    b = prob.stochastic_grad(p, np.random.default_rng(5), 8)
    np.testing.assert_array_equal(a, b)
    idx = np.random.default_rng(5).choice(200, 8, replace=False)
    np.testing.assert_array_equal(a, m.grad(p, X[idx], y[idx]))
    # a batched theta sees the same minibatch in every row
    G = prob.stochastic_grad(np.stack([p, p]), np.random.default_rng(5), 8)
    np.testing.assert_array_equal(G[0], G[1])
    np.testing.assert_array_equal(G[0], a)
    for bad, exc in [(0, ValueError), (201, ValueError), (2.0, TypeError)]:
        with pytest.raises(exc, match="batch_size"):
            prob.stochastic_grad(p, np.random.default_rng(0), bad)
    with pytest.raises(TypeError, match="rng"):
        prob.stochastic_grad(p, 0, 4)


def test_works_with_train_minimize_and_sweep(moons):
    train = pytest.importorskip("lrcourse.train")
    optimizers = pytest.importorskip("lrcourse.optimizers")
    X, y = moons
    prob = Classification(MLP([2, 16, 16, 1], seed=0), X, y)
    traj = train.minimize(prob, optimizers.SGD(0.5), 300, prob.init_params())
    assert not traj.diverged and traj.losses[-1] < 0.1 * traj.losses[0]
    assert prob.accuracy(traj.params[-1]) > 0.95
    traj = train.minimize(prob, optimizers.Adam(0.01), 50, prob.init_params(), batch_size=32)
    assert traj.params.shape == (51, prob.dim) and traj.losses[-1] < traj.losses[0]
    res = train.sweep(prob, lambda lr: optimizers.SGD(lr), np.array([0.1, 1.0, 1e4]), 30, prob.init_params())
    assert res.losses.shape == (31, 3)
    assert res.losses[-1, 1] < res.losses[-1, 0] < res.losses[0, 0]


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, exc, word", [
    ({"sizes": [2]}, ValueError, "sizes"),
    ({"sizes": []}, ValueError, "sizes"),
    ({"sizes": 3}, TypeError, "sizes"),
    ({"sizes": "21"}, TypeError, "sizes"),
    ({"sizes": [2, 0, 1]}, ValueError, r"sizes\[1\]"),
    ({"sizes": [2, 3.0, 1]}, TypeError, r"sizes\[1\]"),
    ({"sizes": [2, 3, 2]}, ValueError, r"sizes\[-1\]"),
    ({"sizes": [2, 1], "activation": "sigmoid"}, ValueError, "activation"),
    ({"sizes": [2, 1], "init": "orthogonal"}, ValueError, "init"),
    ({"sizes": [2, 1], "init": 0.01}, TypeError, "init"),
    ({"sizes": [2, 1], "seed": -1}, ValueError, "seed"),
    ({"sizes": [2, 1], "seed": 0.5}, TypeError, "seed"),
])
def test_bad_constructor_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        MLP(**kwargs)


def test_bad_call_arguments():
    X, y = _small_data()
    m = MLP([3, 4, 1])
    p = m.init_params()
    cases = [
        (lambda: m.loss(p[:-1], X, y), ValueError, "params"),
        (lambda: m.loss(p.reshape(1, -1), X, y), ValueError, "params"),
        (lambda: m.loss(["a"] * m.n_params, X, y), TypeError, "params"),
        (lambda: m.loss(p, X[:, :2], y), ValueError, "X"),
        (lambda: m.loss(p, X[0], y), ValueError, "X"),
        (lambda: m.loss(p, np.full_like(X, np.nan), y), ValueError, "X"),
        (lambda: m.loss(p, X, y[:-1]), ValueError, "y"),
        (lambda: m.loss(p, X, y + 1), ValueError, "y"),
        (lambda: m.grad(p, X, 0.5 * y), ValueError, "y"),
        (lambda: m.accuracy(p, X, y.astype(str)), TypeError, "y"),
        (lambda: Classification("net", X, y), TypeError, "mlp"),
        (lambda: Classification(m, X, y[:3]), ValueError, "y"),
        (lambda: Classification(m, X, y).loss(p[:-1]), ValueError, "theta"),
    ]
    for call, exc, word in cases:
        with pytest.raises(exc, match=word):
            call()
    # boolean labels are accepted
    assert m.loss(p, X, y.astype(bool)) == m.loss(p, X, y)


# ------------------------------------------------------------------ bad input (issue 17, item 6)

def test_zero_rows_are_refused_where_a_mean_is_taken():
    """loss gave NaN with "Mean of empty slice", grad a silent zero."""
    net = MLP([2, 3, 1])
    p, X0, y0 = net.init_params(), np.zeros((0, 2)), np.zeros(0)
    for method in (net.loss, net.grad, net.accuracy, net.layer_stats):
        with pytest.raises(ValueError, match="X must have at least 1 row"):
            method(p, X0, y0)
    with pytest.raises(ValueError, match="X must have at least 1 row"):
        Classification(net, X0, y0)
    assert net.forward(p, X0).shape == (0,)                          # the forward pass of no rows is empty


def test_ragged_labels_unhashable_activation_and_huge_sizes():
    net = MLP([2, 3, 1])
    with pytest.raises(TypeError, match="y must be array-like"):
        net.loss(net.init_params(), np.zeros((2, 2)), [[0], [0, 1]])
    with pytest.raises(ValueError, match="activation"):
        MLP([2, 3, 1], activation=["tanh"])
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        MLP([2, 2**63, 1])
    with pytest.raises(TypeError, match="sizes"):
        MLP(np.array(3))


def test_overflowing_layer_stats_without_warnings():
    net = MLP([2, 3, 1], "relu")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stats = net.layer_stats(np.full(net.n_params, 1e200), np.full((4, 2), 1e200))
    assert set(stats) == {"preact_std", "act_std", "grad_act_std", "grad_preact_std", "grad_W_std"}
