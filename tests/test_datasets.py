"""Tests for lrcourse.datasets: shapes, balance, scale, determinism, bad input."""
import numpy as np
import pytest

from lrcourse.datasets import spirals, two_moons

MAKERS = [two_moons, spirals]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("n", [2, 7, 200, 1001])
def test_shapes_dtypes_balance(make, n):
    X, y = make(n=n)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) == {0, 1}
    assert np.sum(y == 0) == n // 2 and np.sum(y == 1) == n - n // 2
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("make", MAKERS)
def test_standardised(make):
    X, _ = make(n=500)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1.0, rtol=1e-12)


@pytest.mark.parametrize("make", MAKERS)
def test_deterministic_and_seeds_differ(make):
    X1, y1 = make(seed=3)
    X2, y2 = make(seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make(seed=4)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("make", MAKERS)
def test_shuffled(make):
    _, y = make(n=200)
    assert 0 < np.sum(y[:100]) < 100  # not sorted by class


def test_two_moons_noise_free_geometry():
    """Without noise, the points are exactly the two standardised half circles
    (cos t, sin t) and (1 - cos t, 1/2 - sin t), t in [0, pi], in some shuffled order."""
    X, y = two_moons(n=100, noise=0.0)
    t = np.linspace(0.0, np.pi, 50)
    raw = np.concatenate([np.stack([np.cos(t), np.sin(t)], 1),
                          np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)])
    expected = (raw - raw.mean(0)) / raw.std(0)
    labels = np.repeat([0, 1], 50)
    for k in (0, 1):
        got, want = X[y == k], expected[labels == k]
        # within a class the x coordinates are distinct (cos t is strictly monotone)
        got, want = got[np.argsort(got[:, 0])], want[np.argsort(want[:, 0])]
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_noise_increases_spread():
    a, _ = two_moons(n=400, noise=0.0, seed=1)
    b, _ = two_moons(n=400, noise=0.3, seed=1)
    assert not np.allclose(a, b)


def test_spirals_arms_are_opposite():
    """The two arms are the same spiral rotated by pi: with no noise, class 1 = -class 0
    before standardising, so after it the class means are symmetric about the origin."""
    X, y = spirals(n=400, noise=0.0)
    np.testing.assert_allclose(X[y == 0].mean(0), -X[y == 1].mean(0), atol=1e-12)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.max() > 1.0


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("kwargs, exc, word", [
    ({"n": 1}, ValueError, "n"), ({"n": 10.0}, TypeError, "n"), ({"n": True}, TypeError, "n"),
    ({"noise": -0.1}, ValueError, "noise"), ({"noise": np.nan}, ValueError, "noise"),
    ({"noise": "a"}, TypeError, "noise"), ({"seed": -1}, ValueError, "seed"),
    ({"seed": 1.5}, TypeError, "seed"),
])
def test_bad_input(make, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        make(**kwargs)


@pytest.mark.parametrize("turns, exc", [(0.0, ValueError), (-1.0, ValueError), ("2", TypeError)])
def test_bad_turns(turns, exc):
    with pytest.raises(exc, match="turns"):
        spirals(turns=turns)


# ------------------------------------------------------------------ bad input (issue 17, item 6)

@pytest.mark.parametrize("make", [two_moons, spirals])
def test_huge_sizes_and_scales_are_refused(make):
    with pytest.raises(ValueError, match="n must be"):
        make(n=2**63)
    with pytest.raises(ValueError, match="noise"):
        make(noise=1e308)
    with pytest.raises(ValueError, match="noise"):
        make(noise=float("inf"))


def test_huge_turns_refused():
    with pytest.raises(ValueError, match="turns"):
        spirals(turns=1e308)
