"""Tests for lrcourse.init: sample statistics match the formulas, shapes, seeding, bad input."""
import numpy as np
import pytest

from lrcourse import init
from lrcourse.init import (INITIALIZERS, gaussian, he_normal, he_uniform, lecun_normal,
                           xavier_normal, xavier_uniform)

FAN_IN, FAN_OUT = 300, 500  # 150 000 samples per draw: std estimates good to ~0.5 %

# name -> (function, kwargs, expected std, uniform limit or None)
CASES = {
    "xavier_uniform": (xavier_uniform, {}, np.sqrt(2 / (FAN_IN + FAN_OUT)), np.sqrt(6 / (FAN_IN + FAN_OUT))),
    "xavier_uniform_gain": (xavier_uniform, {"gain": 5 / 3}, 5 / 3 * np.sqrt(2 / (FAN_IN + FAN_OUT)),
                            5 / 3 * np.sqrt(6 / (FAN_IN + FAN_OUT))),
    "xavier_normal": (xavier_normal, {}, np.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    "xavier_normal_gain": (xavier_normal, {"gain": 2.0}, 2 * np.sqrt(2 / (FAN_IN + FAN_OUT)), None),
    "he_normal": (he_normal, {}, np.sqrt(2 / FAN_IN), None),
    "he_uniform": (he_uniform, {}, np.sqrt(2 / FAN_IN), np.sqrt(6 / FAN_IN)),
    "lecun_normal": (lecun_normal, {}, np.sqrt(1 / FAN_IN), None),
    "gaussian": (gaussian, {}, 0.01, None),
    "gaussian_std": (gaussian, {"std": 0.5}, 0.5, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_sample_statistics_match_formula(case):
    fn, kwargs, std, limit = CASES[case]
    W = fn(FAN_IN, FAN_OUT, np.random.default_rng(0), **kwargs)
    assert W.shape == (FAN_IN, FAN_OUT)
    assert W.dtype == np.float64
    assert abs(W.mean()) < 0.02 * std
    assert W.std() == pytest.approx(std, rel=0.01)
    if limit is not None:
        assert np.all(np.abs(W) <= limit)
        assert np.abs(W).max() > 0.999 * limit  # the whole interval is used
    else:  # Gaussian: about 4.55 % of samples beyond 2 sigma
        assert np.mean(np.abs(W) > 2 * std) == pytest.approx(0.0455, abs=0.003)


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_registry_shapes_and_reproducibility(name):
    fn = INITIALIZERS[name]
    assert fn is getattr(init, name)
    a = fn(3, 7, np.random.default_rng(42))
    b = fn(3, 7, np.random.default_rng(42))
    c = fn(3, 7, np.random.default_rng(43))
    assert a.shape == (3, 7)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert fn(1, 1, np.random.default_rng(0)).shape == (1, 1)


def test_registry_names():
    assert set(INITIALIZERS) == {"xavier_uniform", "xavier_normal", "he_normal", "he_uniform",
                                 "lecun_normal", "gaussian"}


def test_rng_advances():
    rng = np.random.default_rng(0)
    assert not np.array_equal(he_normal(4, 4, rng), he_normal(4, 4, rng))


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
@pytest.mark.parametrize("fan_in, fan_out, exc, word", [
    (0, 3, ValueError, "fan_in"), (-2, 3, ValueError, "fan_in"), (3, 0, ValueError, "fan_out"),
    (2.5, 3, TypeError, "fan_in"), (3, "4", TypeError, "fan_out"), (True, 3, TypeError, "fan_in"),
])
def test_bad_fans(name, fan_in, fan_out, exc, word):
    with pytest.raises(exc, match=word):
        INITIALIZERS[name](fan_in, fan_out, np.random.default_rng(0))


@pytest.mark.parametrize("name", sorted(INITIALIZERS))
@pytest.mark.parametrize("rng", [0, None, np.random.RandomState(0), "seed"])
def test_bad_rng(name, rng):
    with pytest.raises(TypeError, match="rng"):
        INITIALIZERS[name](3, 4, rng)


@pytest.mark.parametrize("fn", [xavier_uniform, xavier_normal])
@pytest.mark.parametrize("gain, exc", [(0.0, ValueError), (-1.0, ValueError), (np.nan, ValueError),
                                       (np.inf, ValueError), ("1", TypeError)])
def test_bad_gain(fn, gain, exc):
    with pytest.raises(exc, match="gain"):
        fn(3, 4, np.random.default_rng(0), gain=gain)


@pytest.mark.parametrize("std, exc", [(0.0, ValueError), (-0.1, ValueError), (None, TypeError)])
def test_bad_gaussian_std(std, exc):
    with pytest.raises(exc, match="std"):
        gaussian(3, 4, np.random.default_rng(0), std=std)


# ------------------------------------------------------------------ bad input (issue 17, item 6)

@pytest.mark.parametrize("name", sorted(INITIALIZERS))
def test_huge_sizes_are_refused_before_allocating(name):
    rng = np.random.default_rng(0)
    for fan_in, fan_out, match in [(2**63, 3, "fan_in"), (3, 10**400, "fan_out"), (2**20, 2**20, "fan_in \\* fan_out")]:
        with pytest.raises(ValueError, match=match):
            INITIALIZERS[name](fan_in, fan_out, rng)


def test_huge_gain_and_std_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="gain"):
        xavier_uniform(3, 4, rng, gain=1e308)                        # numpy's OverflowError before
    with pytest.raises(ValueError, match="gain"):
        xavier_normal(3, 4, rng, gain=1e301)
    with pytest.raises(ValueError, match="std"):
        gaussian(3, 4, rng, std=1e308)
