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


# ---- real data: digits and split_arrays ------------------------------------------------------
from sklearn.datasets import load_digits  # noqa: E402

from lrcourse.datasets import Split, digits, split_arrays  # noqa: E402


def test_digits_split_sizes_stratified_disjoint():
    d = digits()
    assert isinstance(d, Split) and d.n_classes == 10 and d.n_features == 64
    assert (len(d.y_train), len(d.y_val), len(d.y_test)) == (1079, 359, 359)
    X_raw, y_raw = load_digits(return_X_y=True)
    counts = np.bincount(y_raw)
    for y_part, f in ((d.y_train, 0.6), (d.y_val, 0.2), (d.y_test, 0.2)):
        assert y_part.dtype == np.int64
        assert np.all(np.abs(np.bincount(y_part, minlength=10) - f * counts) <= 1)   # stratified
        assert 0 < np.sum(y_part[: len(y_part) // 2] == 0) < np.sum(y_part == 0)   # shuffled
    # the three parts, un-standardised, are exactly the 1797 rows of load_digits, each once
    raw = np.concatenate([d.X_train, d.X_val, d.X_test]) * d.std + d.mean
    labels = np.concatenate([d.y_train, d.y_val, d.y_test])
    np.testing.assert_allclose(raw, np.round(raw), atol=1e-9)        # grey levels 0..16
    key = lambda X, y: sorted(map(tuple, np.column_stack([np.round(X), y]).astype(int).tolist()))
    assert key(raw, labels) == key(X_raw, y_raw)


def test_digits_standardised_on_training_part_only():
    d = digits()
    X_raw, _ = load_digits(return_X_y=True)
    mean, std = d.X_train.mean(axis=0), d.X_train.std(axis=0)
    constant = np.isclose(std, 0.0, atol=1e-12)
    assert constant.any()                                      # pixels that are always 0 in training
    np.testing.assert_allclose(mean, 0.0, atol=1e-12)
    np.testing.assert_allclose(std[~constant], 1.0, rtol=1e-12)
    assert np.all(d.std[constant] == 1.0)
    # validation rows are transformed with the TRAINING statistics, so they are not exactly z-scored
    assert np.abs(d.X_val.mean(axis=0)).max() > 1e-3
    np.testing.assert_allclose(d.transform(X_raw[:5]), (X_raw[:5] - d.mean) / d.std, rtol=0, atol=0)
    raw = digits(standardize=False)
    assert raw.X_train.max() == 16 and np.all(raw.std == 1) and np.all(raw.mean == 0)


def test_digits_deterministic_by_seed():
    a, b, c = digits(seed=1), digits(seed=1), digits(seed=2)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.y_train, c.y_train)


def test_split_arrays_user_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * [1, 10, 100]
    y = np.repeat([0, 1, 2, 3, 4], 10).astype(float)              # whole floats are accepted
    s = split_arrays(X, y, fractions=(0.5, 0.3, 0.2), seed=3)
    assert s.n_classes == 5 and (len(s.y_train), len(s.y_val), len(s.y_test)) == (25, 15, 10)
    assert np.all(np.bincount(s.y_val) == 3)
    np.testing.assert_allclose(s.X_train.std(axis=0), 1.0, rtol=1e-12)


@pytest.mark.parametrize("X, y, kwargs, exc, match", [
    ("abc", [0, 1], {}, TypeError, "X must hold real numbers"),
    (np.ones(6), [0, 1] * 3, {}, ValueError, "X must be a 2-D array"),
    (np.ones((0, 2)), [], {}, ValueError, "X must be a 2-D array"),
    (np.full((6, 2), np.nan), [0, 1] * 3, {}, ValueError, "X must hold finite numbers"),
    (np.array([[1.0, np.inf]] * 6), [0, 1] * 3, {}, ValueError, "X must hold finite numbers"),
    (np.ones((6, 2)), ["a"] * 6, {}, TypeError, "y must hold integer class labels"),
    (np.ones((6, 2)), [0, 1] * 2, {}, ValueError, "y must have one label per row of X"),
    (np.ones((6, 2)), np.zeros((6, 1), int), {}, ValueError, "y must be 1-D"),
    (np.ones((6, 2)), [0, 1.5, 0, 1, 0, 1], {}, ValueError, "non-integer"),
    (np.ones((6, 2)), [0, np.nan, 0, 1, 0, 1], {}, ValueError, "NaN or inf"),
    (np.ones((6, 2)), [0, -1, 0, 1, 0, 1], {}, ValueError, "labels >= 0"),
    (np.ones((6, 2)), [0, 3, 0, 1, 0, 1], {"n_classes": 3}, ValueError, "0 .. n_classes - 1 = 2"),
    (np.ones((6, 2)), [0] * 6, {}, ValueError, "at least two classes"),
    (np.ones((4, 2)), [0, 1] * 2, {}, ValueError, r"y: class 0 has 2 rows, too few"),
    (np.ones((30, 2)), [0, 2] * 15, {}, ValueError, r"y: class 1 has 0 rows"),
    (np.ones((30, 2)), [0, 1] * 15, {"fractions": (0.5, 0.5)}, ValueError, "fractions must be a triple"),
    (np.ones((30, 2)), [0, 1] * 15, {"fractions": (0.5, 0.3, 0.3)}, ValueError, "fractions must sum to 1"),
    (np.ones((30, 2)), [0, 1] * 15, {"fractions": (1.0, 0.0, 0.0)}, ValueError, r"fractions\[1\] must be > 0"),
    (np.ones((30, 2)), [0, 1] * 15, {"seed": -1}, ValueError, "seed"),
    (np.ones((30, 2)), [0, 1] * 15, {"standardize": 1}, TypeError, "standardize"),
    (np.ones((30, 2)), [0, 1] * 15, {"n_classes": 1}, ValueError, "n_classes"),
])
def test_split_arrays_bad_input(X, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        split_arrays(X, y, **kwargs)


def test_split_transform_bad_input():
    d = split_arrays(np.arange(60.0).reshape(30, 2), [0, 1] * 15)
    with pytest.raises(ValueError, match="X must have 2 columns"):
        d.transform(np.ones((3, 5)))
