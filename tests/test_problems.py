import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse.problems import (
    LinearRegression,
    Quadratic,
    Rosenbrock,
    article001_data,
    make_linear_data,
)


def numerical_grad(f, theta, h=1e-6):
    theta = np.asarray(theta, float)
    g = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return g


def regression():
    return LinearRegression(*make_linear_data())


# ---------------------------------------------------------------- Quadratic

def test_quadratic_values_and_derived_quantities():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    q = Quadratic(A, b, c=0.5)
    theta = np.array([0.3, -0.7])
    assert q.loss(theta) == pytest.approx(0.5 * theta @ A @ theta - b @ theta + 0.5)
    np.testing.assert_allclose(q.grad(theta), A @ theta - b)
    np.testing.assert_allclose(q.grad(theta), numerical_grad(q.loss, theta), atol=1e-8)
    lam = np.linalg.eigvalsh(A)
    np.testing.assert_allclose(q.eigenvalues(), lam)
    assert q.stability_limit() == pytest.approx(2 / lam[1])
    assert q.condition_number() == pytest.approx(lam[1] / lam[0])
    assert q.best_fixed_lr() == pytest.approx(2 / (lam[0] + lam[1]))
    np.testing.assert_allclose(q.grad(q.minimizer()), 0, atol=1e-12)
    assert q.min_loss() == pytest.approx(0.5 - 0.5 * b @ np.linalg.solve(A, b))
    np.testing.assert_array_equal(q.hessian(), A)
    assert q.dim == 2


def test_quadratic_default_b_and_c():
    q = Quadratic(np.eye(3))
    np.testing.assert_array_equal(q.minimizer(), np.zeros(3))
    assert q.loss([1.0, 2.0, 2.0]) == pytest.approx(4.5)


def test_quadratic_batched_shapes_match_rowwise():
    q = Quadratic([[2.0, 0.5], [0.5, 1.0]], [1.0, 2.0])
    theta = np.random.default_rng(1).normal(size=(4, 3, 2))
    assert q.loss(theta).shape == (4, 3)
    assert q.grad(theta).shape == (4, 3, 2)
    np.testing.assert_allclose(q.loss(theta)[2, 1], q.loss(theta[2, 1]))
    np.testing.assert_allclose(q.grad(theta)[2, 1], q.grad(theta[2, 1]))


def test_quadratic_accepts_int_theta_and_does_not_mutate():
    q = Quadratic([[2, 0], [0, 1]])
    theta = np.array([1, 2])
    assert q.loss(theta) == pytest.approx(3.0)
    np.testing.assert_array_equal(theta, [1, 2])


def test_quadratic_stochastic_grad_is_exact():
    q = Quadratic.from_condition(10)
    theta = np.array([1.0, 1.0])
    np.testing.assert_array_equal(q.stochastic_grad(theta, np.random.default_rng(0), 1), q.grad(theta))


@pytest.mark.parametrize("angle", [0.0, 0.3, np.pi / 4])
def test_from_condition(angle):
    q = Quadratic.from_condition(25.0, lam_max=2.0, angle=angle)
    np.testing.assert_allclose(q.eigenvalues(), [2.0 / 25, 2.0])
    assert q.condition_number() == pytest.approx(25.0)
    assert q.stability_limit() == pytest.approx(1.0)
    steep = np.array([-np.sin(angle), np.cos(angle)])  # second axis rotated by angle
    np.testing.assert_allclose(q.A @ steep, 2.0 * steep, atol=1e-12)


@pytest.mark.parametrize(
    "args, exc, word",
    [
        (([[1.0, 2.0, 3.0]],), ValueError, "A"),  # not square
        (([1.0, 2.0],), ValueError, "A"),  # not 2-D
        (([[1.0, 1.0], [0.0, 1.0]],), ValueError, "symmetric"),
        (([[1.0, 0.0], [0.0, -1.0]],), ValueError, "positive definite"),
        (([[1.0, 0.0], [0.0, 0.0]],), ValueError, "positive definite"),
        (([[1.0, np.nan], [np.nan, 1.0]],), ValueError, "A"),
        (([["a", "b"], ["c", "d"]],), TypeError, "A"),
        ((np.eye(2), [1.0, 2.0, 3.0]), ValueError, "b"),
        ((np.eye(2), [1.0, np.nan]), ValueError, "b"),
        ((np.eye(2), None, float("nan")), ValueError, "c"),
        ((np.eye(2), None, "0"), TypeError, "c"),
    ],
)
def test_quadratic_bad_input(args, exc, word):
    with pytest.raises(exc, match=word):
        Quadratic(*args)


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [
        ({"kappa": 0.5}, ValueError, "kappa"),
        ({"kappa": float("inf")}, ValueError, "kappa"),
        ({"kappa": "10"}, TypeError, "kappa"),
        ({"kappa": 10, "lam_max": 0}, ValueError, "lam_max"),
        ({"kappa": 10, "angle": float("nan")}, ValueError, "angle"),
    ],
)
def test_from_condition_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        Quadratic.from_condition(**kwargs)


@pytest.mark.parametrize("theta, exc", [([1.0, 2.0, 3.0], ValueError), (1.0, ValueError),
                                        (["a", "b"], TypeError), ([True, False], TypeError)])
def test_bad_theta(theta, exc):
    with pytest.raises(exc, match="theta"):
        Quadratic(np.eye(2)).grad(theta)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 4), st.integers(0, 10_000))
def test_quadratic_grad_matches_finite_differences(d, seed):
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(d, d))
    q = Quadratic(M @ M.T + 0.1 * np.eye(d), rng.normal(size=d))
    theta = rng.normal(size=d)
    np.testing.assert_allclose(q.grad(theta), numerical_grad(q.loss, theta), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- LinearRegression

def test_make_linear_data_recipe():
    x, y = make_linear_data()
    rng = np.random.default_rng(0)
    x_ref = rng.random(100)
    y_ref = 2.0 * x_ref + 1.0 + 0.1 * rng.standard_normal(100)
    np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_array_equal(y, y_ref)
    x2, y2 = make_linear_data(n=10, w=-1.0, b=0.0, noise=0.0, seed=3)
    np.testing.assert_allclose(y2, -x2)


def test_regression_reference_numbers():
    p = regression()
    np.testing.assert_allclose(p.solution(), [0.99925, 1.98693], atol=1e-5)
    assert p.loss(p.solution()) == pytest.approx(0.00470, abs=1e-5)
    assert p.min_loss() == pytest.approx(0.00470, abs=1e-5)
    assert p.loss(np.zeros(2)) == pytest.approx(2.367, abs=1e-3)
    assert (p.n, p.dim) == (100, 2)


def test_article001_reference_predictions():
    x, y = article001_data()
    assert x.shape == y.shape == (100,)
    rs = np.random.RandomState(0)
    X = rs.rand(100, 1)
    np.testing.assert_array_equal(x, X.ravel())
    np.testing.assert_array_equal(y, (2 * X + 1 + rs.randn(100, 1) * 0.5).ravel())
    p = LinearRegression(x, y)
    np.testing.assert_allclose(p.predict(p.solution(), [2.0, 3.0, 4.0]), [5.048, 7.016, 8.985], atol=1e-3)


def test_regression_loss_grad_hessian():
    p = regression()
    theta = np.array([0.5, -1.0])
    r = theta[0] + theta[1] * p.X[:, 1] - p.y
    assert p.loss(theta) == pytest.approx(0.5 * np.mean(r**2))  # half-MSE
    np.testing.assert_allclose(p.grad(theta), [np.mean(r), np.mean(r * p.X[:, 1])])
    np.testing.assert_allclose(p.grad(theta), numerical_grad(p.loss, theta), atol=1e-8)
    np.testing.assert_allclose(p.hessian(), p.X.T @ p.X / 100)
    np.testing.assert_allclose(p.grad(p.solution()), 0, atol=1e-12)
    assert p.stability_limit() == pytest.approx(2 / np.linalg.eigvalsh(p.hessian())[-1])
    np.testing.assert_array_equal(p.X[:, 0], 1.0)  # intercept column first: theta = [b, w]


def test_regression_batched():
    p = regression()
    theta = np.random.default_rng(2).normal(size=(5, 2))
    assert p.loss(theta).shape == (5,)
    assert p.grad(theta).shape == (5, 2)
    np.testing.assert_allclose(p.grad(theta)[3], p.grad(theta[3]))
    assert p.predict(theta, [1.0, 2.0, 3.0]).shape == (5, 3)


def test_regression_multifeature_and_no_intercept():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, 3))
    w = np.array([1.0, -2.0, 0.5])
    p = LinearRegression(X, X @ w, fit_intercept=False)
    assert p.dim == 3
    np.testing.assert_allclose(p.solution(), w)
    p1 = LinearRegression(X, X @ w + 3.0)
    np.testing.assert_allclose(p1.solution(), [3.0, *w])
    np.testing.assert_allclose(p1.predict(p1.solution(), X[:2]), X[:2] @ w + 3.0)


def test_regression_accepts_column_y():
    x, y = make_linear_data()
    np.testing.assert_allclose(LinearRegression(x[:, None], y[:, None]).solution(),
                               LinearRegression(x, y).solution())


def test_stochastic_grad_minibatch_recipe():
    p = regression()
    theta = np.array([0.2, 0.4])
    g = p.stochastic_grad(theta, np.random.default_rng(7), 10)
    idx = np.random.default_rng(7).choice(100, 10, replace=False)
    r = p.X[idx] @ theta - p.y[idx]
    np.testing.assert_allclose(g, p.X[idx].T @ r / 10)
    g1 = p.stochastic_grad(theta, np.random.default_rng(7), 1)
    i = np.random.default_rng(7).integers(100)
    np.testing.assert_allclose(g1, p.X[i] * (p.X[i] @ theta - p.y[i]))
    np.testing.assert_allclose(p.stochastic_grad(theta, np.random.default_rng(0), 100), p.grad(theta))


def test_stochastic_grad_same_batch_for_every_row():
    p = regression()
    thetas = np.array([[0.0, 0.0], [1.0, 2.0], [-3.0, 0.5]])
    g = p.stochastic_grad(thetas, np.random.default_rng(5), 8)
    for k in range(3):
        np.testing.assert_allclose(g[k], p.stochastic_grad(thetas[k], np.random.default_rng(5), 8))


def test_stochastic_grad_is_unbiased():
    p = regression()
    theta = np.array([0.0, 0.0])
    rng = np.random.default_rng(0)
    mean = np.mean([p.stochastic_grad(theta, rng, 5) for _ in range(2000)], axis=0)
    np.testing.assert_allclose(mean, p.grad(theta), atol=0.05)


@pytest.mark.parametrize(
    "X, y, exc, word",
    [
        (np.zeros(5), np.zeros(4), ValueError, "y"),
        (np.zeros((5, 2, 2)), np.zeros(5), ValueError, "X"),
        (np.zeros(0), np.zeros(0), ValueError, "X"),
        ([1.0, np.nan], [1.0, 2.0], ValueError, "X"),
        ([1.0, 2.0], [1.0, np.inf], ValueError, "y"),
        (["a", "b"], [1.0, 2.0], TypeError, "X"),
        ([1.0, 2.0], ["a", "b"], TypeError, "y"),
    ],
)
def test_regression_bad_input(X, y, exc, word):
    with pytest.raises(exc, match=word):
        LinearRegression(X, y)


def test_regression_bad_calls():
    p = regression()
    with pytest.raises(TypeError, match="fit_intercept"):
        LinearRegression([1.0, 2.0], [1.0, 2.0], fit_intercept="yes")
    with pytest.raises(ValueError, match="batch_size"):
        p.stochastic_grad(np.zeros(2), np.random.default_rng(0), 0)
    with pytest.raises(ValueError, match="batch_size"):
        p.stochastic_grad(np.zeros(2), np.random.default_rng(0), 101)
    with pytest.raises(TypeError, match="batch_size"):
        p.stochastic_grad(np.zeros(2), np.random.default_rng(0), 2.0)
    with pytest.raises(TypeError, match="rng"):
        p.stochastic_grad(np.zeros(2), 0, 2)
    with pytest.raises(ValueError, match="theta"):
        p.loss(np.zeros(3))
    with pytest.raises(ValueError, match="x"):
        p.predict(np.zeros(2), np.zeros((3, 2)))


@pytest.mark.parametrize(
    "kwargs, exc, word",
    [({"n": 0}, ValueError, "n"), ({"n": 2.5}, TypeError, "n"), ({"noise": -1}, ValueError, "noise"),
     ({"w": float("nan")}, ValueError, "w"), ({"seed": -1}, ValueError, "seed")],
)
def test_make_linear_data_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        make_linear_data(**kwargs)


# ---------------------------------------------------------------- Rosenbrock

def test_rosenbrock():
    f = Rosenbrock()
    np.testing.assert_array_equal(f.minimizer(), [1.0, 1.0])
    assert f.loss(f.minimizer()) == 0.0
    np.testing.assert_array_equal(f.grad(f.minimizer()), [0.0, 0.0])
    assert f.loss([0.0, 0.0]) == 1.0
    theta = np.array([-1.2, 1.0])
    assert f.loss(theta) == pytest.approx(24.2)
    np.testing.assert_allclose(f.grad(theta), numerical_grad(f.loss, theta), rtol=1e-7)
    np.testing.assert_allclose(f.hessian(theta)[0], numerical_grad(lambda t: f.grad(t)[0], theta), rtol=1e-6)
    g = Rosenbrock(a=2.0, b=10.0)
    np.testing.assert_array_equal(g.minimizer(), [2.0, 4.0])
    batch = np.random.default_rng(0).normal(size=(3, 4, 2))
    assert g.loss(batch).shape == (3, 4)
    assert g.grad(batch).shape == (3, 4, 2)
    assert g.hessian(batch).shape == (3, 4, 2, 2)
    np.testing.assert_allclose(g.grad(batch)[1, 2], g.grad(batch[1, 2]))
    np.testing.assert_array_equal(g.stochastic_grad(theta, np.random.default_rng(0), 4), g.grad(theta))


def test_rosenbrock_bad_input():
    with pytest.raises(ValueError, match="b"):
        Rosenbrock(b=-1)
    with pytest.raises(TypeError, match="a"):
        Rosenbrock(a="1")
    with pytest.raises(ValueError, match="theta"):
        Rosenbrock().loss([1.0, 2.0, 3.0])


# ------------------------------------------------------------------ bad input (issue 17, item 6)

def test_infinite_and_huge_numbers_are_refused():
    import math
    with pytest.raises(ValueError, match="w must be a finite"):
        make_linear_data(w=math.inf)
    with pytest.raises(ValueError, match="c must be a finite"):
        Quadratic(np.eye(2), c=-math.inf)
    with pytest.raises(ValueError, match="c must be a finite"):
        Quadratic(np.eye(2), c=10**400)                             # was an unnamed OverflowError
    with pytest.raises(ValueError, match="a must be below"):
        Rosenbrock(a=1e308)                                          # minimizer() raised OverflowError
    with pytest.raises(ValueError, match="noise"):
        make_linear_data(noise=1e308)
    with pytest.raises(ValueError, match="n must be"):
        make_linear_data(n=2**63)
    with pytest.raises(ValueError, match="kappa"):
        Quadratic.from_condition(1e308, angle=0.3)


def test_overflow_in_direct_calls_gives_inf_without_warnings():
    import warnings
    X, y = make_linear_data(n=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Quadratic(np.eye(2)).loss(np.full(2, 1e200)) == np.inf
        assert np.isinf(Quadratic(2 * np.eye(2)).grad(np.full(2, 1e308))).all()
        assert LinearRegression(X, y).loss(np.full(2, 1e200)) == np.inf
        assert np.isinf(LinearRegression(np.full(5, 1e200), y).hessian()).any()
        assert Rosenbrock().loss(np.full(2, 1e200)) == np.inf
        assert np.isinf(Rosenbrock().hessian(np.full(2, 1e200))).any()
