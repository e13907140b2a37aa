"""Tests for lrcourse.schedules: closed forms, monotonicity, array/scalar agreement,
property tests, bad arguments, the stateful schedulers, and PyTorch agreement."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lrcourse import schedules as S

T = 20

# one instance of each schedule, with the properties it promises
ALL = {
    "constant": S.constant(0.1),
    "step_decay": S.step_decay(0.1, 3, 0.5),
    "multistep_decay": S.multistep_decay(0.1, [2, 5, 9], 0.1),
    "piecewise_constant": S.piecewise_constant([3, 7], [0.3, 0.2, 0.1]),
    "exponential_decay": S.exponential_decay(0.1, 0.9, period=2, staircase=True),
    "natural_exp_decay": S.natural_exp_decay(0.1, 0.2),
    "inverse_time_decay": S.inverse_time_decay(0.1, 0.5, period=3),
    "linear_decay": S.linear_decay(0.1, 10, 0.01),
    "polynomial_decay": S.polynomial_decay(0.1, 10, 0.0, 2.0),
    "cosine_annealing": S.cosine_annealing(0.1, 10, 0.001),
    "cosine_restarts": S.cosine_restarts(0.1, 3, 2, 0.01),
    "one_cycle": S.one_cycle(0.1, 15),
    "triangular_cyclic": S.triangular_cyclic(0.01, 0.1, 4),
    "inverse_sqrt": S.inverse_sqrt(64, 5),
    "linear_warmup": S.linear_warmup(S.cosine_annealing(0.1, 10), 4),
    "join": S.join([S.constant(0.1), S.linear_decay(0.1, 5)], [6]),
}
DECAYS = ["constant", "step_decay", "multistep_decay", "piecewise_constant", "exponential_decay",
          "natural_exp_decay", "inverse_time_decay", "linear_decay", "polynomial_decay",
          "cosine_annealing"]


def test_public_names():
    for name in ["constant", "step_decay", "multistep_decay", "piecewise_constant",
                 "exponential_decay", "natural_exp_decay", "inverse_time_decay", "linear_decay",
                 "polynomial_decay", "cosine_annealing", "cosine_restarts", "one_cycle",
                 "triangular_cyclic", "inverse_sqrt", "linear_warmup", "join", "evaluate",
                 "ReduceLROnPlateau", "BoldDriver"]:
        assert name in S.__all__ and hasattr(S, name)


# ---------------------------------------------------------------- closed forms

def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_constant():
    assert S.constant(0.3)(0) == 0.3 and S.constant(0.3)(10**6) == 0.3


def test_step_decay():
    s = S.step_decay(1.0, 10, 0.5)
    close([s(t) for t in (0, 9, 10, 19, 20, 35)], [1, 1, 0.5, 0.5, 0.25, 0.125])


def test_multistep_decay():
    s = S.multistep_decay(1.0, [3, 5], 0.1)
    close([s(t) for t in range(7)], [1, 1, 1, 0.1, 0.1, 0.01, 0.01])
    assert S.multistep_decay(1.0, [0], 0.5)(0) == 0.5      # as MultiStepLR([0])
    assert S.multistep_decay(1.0, [], 0.5)(100) == 1.0


def test_piecewise_constant():
    s = S.piecewise_constant([2, 4], [3.0, 2.0, 1.0])
    assert [s(t) for t in range(6)] == [3, 3, 2, 2, 1, 1]
    assert S.piecewise_constant([], [0.7])(9) == 0.7


def test_exponential_decay():
    close(S.exponential_decay(2.0, 0.9)(7), 2 * 0.9**7)
    close(S.exponential_decay(2.0, 0.9, period=4)(6), 2 * 0.9**1.5)
    close(S.exponential_decay(2.0, 0.9, period=4, staircase=True)(7), 2 * 0.9)
    close(S.exponential_decay(1e-6, 1.1)(50), 1e-6 * 1.1**50)       # LR range test grows
    with np.errstate(all="raise"):                                     # overflow is silent
        assert S.exponential_decay(1.0, 10.0)(1000) == math.inf
        assert S.exponential_decay(0.0, 10.0)(1000) == 0.0


def test_natural_exp_and_inverse_time():
    close(S.natural_exp_decay(0.5, 0.1)(7), 0.5 * math.exp(-0.7))
    close(S.inverse_time_decay(0.5, 0.1)(7), 0.5 / 1.7)
    close(S.inverse_time_decay(0.5, 0.5, period=4)(6), 0.5 / (1 + 0.5 * 1.5))
    close(S.inverse_time_decay(0.5, 0.5, period=4, staircase=True)(6), 0.5 / 1.5)


def test_linear_and_polynomial_decay():
    s = S.linear_decay(1.0, 4, 0.2)
    close([s(t) for t in range(7)], [1, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2])
    p = S.polynomial_decay(1.0, 10, 0.1, power=2)
    for t in (0, 3, 10, 15):
        close(p(t), 0.9 * (1 - min(t, 10) / 10) ** 2 + 0.1)


def test_cosine_annealing_holds_after_T():
    s = S.cosine_annealing(1.0, 10, 0.1)
    for t in (0, 1, 5, 10, 11, 100):
        close(s(t), 0.1 + 0.45 * (1 + math.cos(math.pi * min(t, 10) / 10)))
    assert s(0) == 1.0 and s(10) == s(50) == 0.1


def test_cosine_restarts_cycles():
    s = S.cosine_restarts(1.0, 4, 1, 0.0)
    close(S.evaluate(s, 12), np.tile([1.0, 0.5 * (1 + math.cos(math.pi / 4)), 0.5,
                                      0.5 * (1 + math.cos(3 * math.pi / 4))], 3))
    s2 = S.cosine_restarts(1.0, 2, 3)            # cycles of 2, 6, 18, 54 steps
    starts = [0, 2, 8, 26, 80]
    assert all(s2(t) == 1.0 for t in starts)
    close(s2(8 + 9), 0.5 * (1 + math.cos(math.pi * 9 / 18)))


def test_cosine_restarts_cycle_index_exact_at_many_boundaries():
    for T0, m in [(1, 2), (3, 2), (1, 3), (5, 7), (2, 10)]:
        starts, lengths, t, Ti = [], [], 0, T0
        while t < 10**12:
            starts.append(t)
            lengths.append(Ti)
            t, Ti = t + Ti, Ti * m
        starts, lengths = np.array(starts), np.array(lengths, dtype=float)
        s = S.cosine_restarts(1.0, T0, m)
        np.testing.assert_array_equal(s(starts), 1.0)
        last = 0.5 * (1 + np.cos(np.pi * (lengths - 1) / lengths))     # last step of each cycle
        np.testing.assert_allclose(s(starts + lengths.astype(np.int64) - 1), last, rtol=1e-9, atol=1e-15)


def test_one_cycle_shape():
    s = S.one_cycle(1.0, 100, pct_start=0.25, div_factor=10, final_div_factor=100)
    lr = S.evaluate(s, 120)
    assert lr[0] == pytest.approx(0.1) and lr.max() == pytest.approx(1.0)
    assert np.argmax(lr) == 24 and lr[99] == pytest.approx(1e-3) and np.all(lr[99:] == lr[99])
    assert np.all(np.diff(lr[:25]) > 0) and np.all(np.diff(lr[24:100]) < 0)
    lin = S.evaluate(S.one_cycle(1.0, 10, pct_start=0.5, div_factor=5, final_div_factor=2,
                                 anneal="linear"), 10)            # phase ends at 0.5*10 - 1 = 4
    close(lin[:5], np.linspace(0.2, 1.0, 5))
    close(lin[4:], np.linspace(1.0, 0.1, 6))
    assert S.one_cycle(1.0, 10, pct_start=0.1)(0) == 1.0      # zero-length warm phase


def test_triangular_cyclic():
    s = S.triangular_cyclic(0.1, 0.5, 2)
    close(S.evaluate(s, 9), [0.1, 0.3, 0.5, 0.3, 0.1, 0.3, 0.5, 0.3, 0.1])


def test_inverse_sqrt():
    d, w = 512, 4000
    s = S.inverse_sqrt(d, w)
    for t in (0, 100, w - 1, w, 10**5):
        n = t + 1
        close(s(t), d**-0.5 * min(n**-0.5, n * w**-1.5))
    lr = S.evaluate(s, 3 * w)
    assert np.argmax(lr) == w - 1 and lr.max() == pytest.approx((d * w) ** -0.5)


def test_linear_warmup():
    main = S.step_decay(0.8, 3, 0.5)
    s = S.linear_warmup(main, 4, start_factor=0.25)
    close(S.evaluate(s, 10), [0.2, 0.35, 0.5, 0.65, 0.8, 0.8, 0.8, 0.4, 0.4, 0.4])
    z = S.linear_warmup(0.1, 5)                     # a number is a constant schedule
    assert z(0) == 0.0 and z(5) == 0.1
    assert S.evaluate(S.linear_warmup(main, 0), 7).tolist() == S.evaluate(main, 7).tolist()


def test_linear_warmup_matches_optax_style_join():
    peak, w, sf = 0.3, 5, 0.1
    main = S.cosine_annealing(peak, 20)
    ramp = lambda t: sf * peak + (peak - sf * peak) * np.minimum(t, w) / w   # optax linear_schedule
    close(S.evaluate(S.linear_warmup(main, w, sf), 40), S.evaluate(S.join([ramp, main], [w]), 40))


def test_join_counts_from_boundary():
    s = S.join([S.constant(1.0), S.exponential_decay(1.0, 0.5), S.constant(0.01)], [2, 5])
    close(S.evaluate(s, 7), [1, 1, 1, 0.5, 0.25, 0.01, 0.01])


def test_evaluate_and_repr():
    s = S.cosine_annealing(0.1, 100)
    assert repr(s) == s.describe == "cosine_annealing(lr_max=0.1, total_steps=100, lr_min=0)"
    assert "step_decay(lr=0.1" in repr(S.linear_warmup(S.step_decay(0.1, 3, 0.5), 2))
    out = S.evaluate(s, 5)
    assert out.shape == (5,) and out.dtype == np.float64
    assert S.evaluate(lambda t: 0.1, 3).tolist() == [0.1] * 3
    assert S.evaluate(s, 0).shape == (0,)


# ---------------------------------------------------------------- generic properties

@pytest.mark.parametrize("name", sorted(ALL))
def test_array_scalar_agreement(name):
    s = ALL[name]
    arr = s(np.arange(3 * T))
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float64 and arr.shape == (3 * T,)
    # One step is a 0-d array, a long array goes through numpy's SIMD loops, which are chosen by
    # CPU: on AVX-512, float64 `power` differs from the one-element path by 1 ulp at some steps.
    # Across those two paths we promise agreement within 4 ulp, not bit for bit; the three
    # one-step forms (int, np.int64, whole float) share one path and agree exactly.
    scalars = []
    for t in range(3 * T):
        v = s(t)
        assert type(v) is float
        assert s(np.int64(t)) == v and s(float(t)) == v
        scalars.append(v)
    np.testing.assert_array_max_ulp(np.array(scalars), arr, maxulp=4)
    grid = s(np.arange(6).reshape(2, 3))
    assert grid.shape == (2, 3)
    np.testing.assert_array_max_ulp(grid.ravel(), arr[:6], maxulp=4)
    assert np.all(np.isfinite(arr)) and np.all(arr >= 0)


@pytest.mark.parametrize("name", DECAYS)
def test_decays_non_increasing(name):
    assert np.all(np.diff(S.evaluate(ALL[name], 3 * T)) <= 0)


def test_warmups_non_decreasing():
    assert np.all(np.diff(S.evaluate(S.linear_warmup(0.1, 10, 0.1), 10)) > 0)
    assert np.all(np.diff(S.evaluate(S.inverse_sqrt(16, 10), 10)) > 0)
    assert np.all(np.diff(S.evaluate(S.one_cycle(1.0, 50), 15)) > 0)


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("bad", [-1, 1.5, np.array([0, -2]), np.array([0.5]), math.nan])
def test_bad_step_value(name, bad):
    with pytest.raises(ValueError, match="step"):
        ALL[name](bad)


@pytest.mark.parametrize("bad", ["3", True, None, np.array([True]), 1j])
def test_bad_step_type(bad):
    with pytest.raises(TypeError, match="step"):
        S.constant(0.1)(bad)


lrs = st.floats(0.0, 10.0)
periods = st.integers(1, 50)
steps = st.integers(0, 10**4)


@settings(max_examples=60, deadline=None)
@given(a=lrs, b=lrs, T=periods, t=steps)
def test_prop_cosine_annealing_in_range(a, b, T, t):
    lo, hi = min(a, b), max(a, b)
    v = S.cosine_annealing(hi, T, lo)(t)
    assert lo - 1e-12 <= v <= hi + 1e-12


@settings(max_examples=60, deadline=None)
@given(a=lrs, b=lrs, T0=st.integers(1, 20), m=st.integers(1, 4), t=steps)
def test_prop_cosine_restarts_matches_iteration(a, b, T0, m, t):
    lo, hi = min(a, b), max(a, b)
    t_cur, t_i = t, T0
    while t_cur >= t_i:
        t_cur, t_i = t_cur - t_i, t_i * m
    v = S.cosine_restarts(hi, T0, m, lo)(t)
    expected = lo + (hi - lo) * (1 + math.cos(math.pi * t_cur / t_i)) / 2
    assert v == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert lo - 1e-12 <= v <= hi + 1e-12


@settings(max_examples=60, deadline=None)
@given(lr=st.floats(1e-6, 10.0), T=st.integers(1, 200), pct=st.floats(0.01, 0.99),
       div=st.floats(1.0, 100.0), fdiv=st.floats(1.0, 1e4), anneal=st.sampled_from(["cos", "linear"]))
def test_prop_one_cycle_bounds(lr, T, pct, div, fdiv, anneal):
    out = S.evaluate(S.one_cycle(lr, T, pct, div, fdiv, anneal), T + 5)
    assert np.all(out <= lr * (1 + 1e-12)) and np.all(out >= lr / div / fdiv - 1e-12 * lr)
    assert out[-1] == pytest.approx(lr / div / fdiv)


@settings(max_examples=60, deadline=None)
@given(base=lrs, peak=lrs, s=st.integers(1, 30))
def test_prop_triangular_in_range_and_periodic(base, peak, s):
    lo, hi = min(base, peak), max(base, peak)
    out = S.evaluate(S.triangular_cyclic(lo, hi, s), 6 * s)
    assert np.all(out >= lo - 1e-12) and np.all(out <= hi + 1e-12)
    np.testing.assert_allclose(out[: 2 * s], out[2 * s: 4 * s], rtol=1e-12, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(lr=lrs, end=lrs, T=periods, power=st.floats(0.1, 5.0))
def test_prop_polynomial_decay_endpoints_and_monotone(lr, end, T, power):
    hi, lo = max(lr, end), min(lr, end)
    out = S.evaluate(S.polynomial_decay(hi, T, lo, power), T + 3)
    assert out[0] == pytest.approx(hi) and np.all(out[T:] == lo)
    assert np.all(np.diff(out) <= 1e-15)


@settings(max_examples=60, deadline=None)
@given(lr=st.floats(1e-6, 10.0), gamma=st.floats(0.01, 1.0), n=st.integers(1, 10), t=steps)
def test_prop_step_decays_agree(lr, gamma, n, t):
    a = S.step_decay(lr, n, gamma)(t)
    b = S.exponential_decay(lr, gamma, period=n, staircase=True)(t)
    c = S.multistep_decay(lr, list(range(n, 10**4 + 1, n)), gamma)(t)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-300) and a == pytest.approx(c, rel=1e-12, abs=1e-300)
    assert 0 <= a <= lr


@settings(max_examples=60, deadline=None)
@given(peak=st.floats(1e-4, 1.0), w=st.integers(1, 30), sf=st.floats(0.0, 1.0), t=st.integers(0, 100))
def test_prop_linear_warmup(peak, w, sf, t):
    main = S.exponential_decay(peak, 0.97)
    v = S.linear_warmup(main, w, sf)(t)
    expected = peak * (sf + (1 - sf) * t / w) if t < w else main(t - w)
    assert v == pytest.approx(expected, rel=1e-12, abs=1e-300) and 0 <= v <= peak * (1 + 1e-12)


# ---------------------------------------------------------------- bad arguments

BAD = [
    (lambda: S.constant(-0.1), ValueError, "lr"),
    (lambda: S.constant(math.nan), ValueError, "lr"),
    (lambda: S.constant("0.1"), TypeError, "lr"),
    (lambda: S.step_decay(0.1, 0, 0.5), ValueError, "step_size"),
    (lambda: S.step_decay(0.1, 2.5, 0.5), TypeError, "step_size"),
    (lambda: S.step_decay(0.1, 3, 0.0), ValueError, "gamma"),
    (lambda: S.step_decay(0.1, 3, -0.5), ValueError, "gamma"),
    (lambda: S.step_decay(-0.1, 3, 0.5), ValueError, "lr"),
    (lambda: S.multistep_decay(0.1, [5, 3], 0.5), ValueError, "milestones"),
    (lambda: S.multistep_decay(0.1, [3, 3], 0.5), ValueError, "milestones"),
    (lambda: S.multistep_decay(0.1, [-1, 3], 0.5), ValueError, "milestones"),
    (lambda: S.multistep_decay(0.1, [1.5], 0.5), TypeError, "milestones"),
    (lambda: S.multistep_decay(0.1, 5, 0.5), TypeError, "milestones"),
    (lambda: S.multistep_decay(0.1, [5], math.nan), ValueError, "gamma"),
    (lambda: S.piecewise_constant([3, 7], [0.3, 0.2]), ValueError, "values"),
    (lambda: S.piecewise_constant([7, 3], [0.3, 0.2, 0.1]), ValueError, "boundaries"),
    (lambda: S.piecewise_constant([0], [0.3, 0.2]), ValueError, "boundaries"),
    (lambda: S.piecewise_constant([3], [0.3, -0.2]), ValueError, "values"),
    (lambda: S.piecewise_constant([3], 0.3), TypeError, "values"),
    (lambda: S.exponential_decay(0.1, 0.0), ValueError, "gamma"),
    (lambda: S.exponential_decay(0.1, math.inf), ValueError, "gamma"),
    (lambda: S.exponential_decay(0.1, 0.9, period=0), ValueError, "period"),
    (lambda: S.exponential_decay(0.1, 0.9, staircase=1), TypeError, "staircase"),
    (lambda: S.natural_exp_decay(0.1, -1.0), ValueError, "k"),
    (lambda: S.inverse_time_decay(0.1, -1.0), ValueError, "k"),
    (lambda: S.inverse_time_decay(0.1, 1.0, period=-2), ValueError, "period"),
    (lambda: S.inverse_time_decay(0.1, 1.0, staircase="yes"), TypeError, "staircase"),
    (lambda: S.linear_decay(0.1, 0), ValueError, "total_steps"),
    (lambda: S.linear_decay(0.1, 10, -0.01), ValueError, "end_lr"),
    (lambda: S.polynomial_decay(0.1, -5), ValueError, "total_steps"),
    (lambda: S.polynomial_decay(0.1, 10, power=0.0), ValueError, "power"),
    (lambda: S.cosine_annealing(0.1, 0), ValueError, "total_steps"),
    (lambda: S.cosine_annealing(0.1, 10.0), TypeError, "total_steps"),
    (lambda: S.cosine_annealing(-0.1, 10), ValueError, "lr_max"),
    (lambda: S.cosine_annealing(0.1, 10, 0.2), ValueError, "lr_min"),
    (lambda: S.cosine_restarts(0.1, 0), ValueError, "first_period"),
    (lambda: S.cosine_restarts(0.1, 5, 0), ValueError, "period_mult"),
    (lambda: S.cosine_restarts(0.1, 5, 1.5), TypeError, "period_mult"),
    (lambda: S.cosine_restarts(0.1, 5, 2, -1.0), ValueError, "lr_min"),
    (lambda: S.one_cycle(0.1, 0), ValueError, "total_steps"),
    (lambda: S.one_cycle(-0.1, 10), ValueError, "max_lr"),
    (lambda: S.one_cycle(0.1, 10, pct_start=0.0), ValueError, "pct_start"),
    (lambda: S.one_cycle(0.1, 10, pct_start=1.0), ValueError, "pct_start"),
    (lambda: S.one_cycle(0.1, 10, div_factor=0), ValueError, "div_factor"),
    (lambda: S.one_cycle(0.1, 10, final_div_factor=-1), ValueError, "final_div_factor"),
    (lambda: S.one_cycle(0.1, 10, anneal="exp"), ValueError, "anneal"),
    (lambda: S.triangular_cyclic(0.1, 0.05, 5), ValueError, "max_lr"),
    (lambda: S.triangular_cyclic(-0.1, 0.5, 5), ValueError, "base_lr"),
    (lambda: S.triangular_cyclic(0.1, 0.5, 0), ValueError, "step_size_up"),
    (lambda: S.inverse_sqrt(0, 100), ValueError, "d_model"),
    (lambda: S.inverse_sqrt(512, 0), ValueError, "warmup_steps"),
    (lambda: S.linear_warmup(S.constant(0.1), -1), ValueError, "warmup_steps"),
    (lambda: S.linear_warmup(S.constant(0.1), 5, 1.5), ValueError, "start_factor"),
    (lambda: S.linear_warmup("cosine", 5), TypeError, "schedule"),
    (lambda: S.linear_warmup(-0.1, 5), ValueError, "schedule"),
    (lambda: S.join([S.constant(0.1)], [5]), ValueError, "schedules"),
    (lambda: S.join([0.1, 0.2, 0.3], [5, 5]), ValueError, "boundaries"),
    (lambda: S.join([0.1, 0.2], [0]), ValueError, "boundaries"),
    (lambda: S.join([0.1, "x"], [3]), TypeError, "schedules"),
    (lambda: S.join(S.constant(0.1), [3]), TypeError, "schedules"),
    (lambda: S.evaluate(S.constant(0.1), -1), ValueError, "steps"),
    (lambda: S.ReduceLROnPlateau(-1.0), ValueError, "lr"),
    (lambda: S.ReduceLROnPlateau(0.1, factor=1.0), ValueError, "factor"),
    (lambda: S.ReduceLROnPlateau(0.1, patience=-1), ValueError, "patience"),
    (lambda: S.ReduceLROnPlateau(0.1, threshold=-1e-4), ValueError, "threshold"),
    (lambda: S.ReduceLROnPlateau(0.1, threshold_mode="max"), ValueError, "threshold_mode"),
    (lambda: S.ReduceLROnPlateau(0.1, cooldown=1.5), TypeError, "cooldown"),
    (lambda: S.ReduceLROnPlateau(0.1, min_lr=-1.0), ValueError, "min_lr"),
    (lambda: S.ReduceLROnPlateau(0.1).step("low"), TypeError, "loss"),
    (lambda: S.BoldDriver(0.0), ValueError, "lr"),
    (lambda: S.BoldDriver(0.1, increase=0.9), ValueError, "increase"),
    (lambda: S.BoldDriver(0.1, decrease=1.5), ValueError, "decrease"),
    (lambda: S.BoldDriver(0.1, decrease=0.0), ValueError, "decrease"),
    (lambda: S.BoldDriver(0.1).step(None), TypeError, "loss"),
]


@pytest.mark.parametrize("make, exc, name", BAD, ids=[f"{i}-{b[2]}" for i, b in enumerate(BAD)])
def test_bad_arguments(make, exc, name):
    with pytest.raises(exc, match=name):
        make()


# ---------------------------------------------------------------- loss-driven

def test_reduce_on_plateau_hand_made():
    r = S.ReduceLROnPlateau(1.0, factor=0.5, patience=2, threshold=0.0, cooldown=1, min_lr=0.2)
    losses = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3]
    lrs = [r.step(x) for x in losses]
    # 3 bad steps (> patience 2) -> halve, then 1 cooldown step whose badness is ignored
    assert lrs == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2]
    assert r.lr == 0.2 and r.step(3) == 0.2


def test_reduce_on_plateau_threshold_and_eps():
    rel = S.ReduceLROnPlateau(1.0, patience=0, threshold=0.1)
    assert rel.step(1.0) == 1.0 and rel.step(0.95) == pytest.approx(0.1)   # 5% < 10%: not better
    ab = S.ReduceLROnPlateau(1.0, patience=0, threshold=0.01, threshold_mode="abs")
    assert ab.step(1.0) == 1.0 and ab.step(0.985) == 1.0 and ab.step(0.98) == pytest.approx(0.1)
    tiny = S.ReduceLROnPlateau(1e-8, patience=0)                           # change <= eps: skipped
    assert tiny.step(1.0) == 1e-8 and tiny.step(2.0) == 1e-8
    nan = S.ReduceLROnPlateau(1.0, patience=0)
    assert nan.step(math.nan) == pytest.approx(0.1)                        # NaN is never better


def test_bold_driver_hand_made():
    b = S.BoldDriver(1.0, increase=2.0, decrease=0.25)
    # a NaN loss counts as +inf: down from it is an improvement
    assert [b.step(x) for x in [5, 4, 3, 3, 6, 5, math.nan, 1]] == [1, 2, 4, 4, 1, 2, 0.5, 1]


def test_bold_driver_reject():
    b = S.BoldDriver(1.0, increase=2.0, decrease=0.5, reject=True)
    assert b.step(5) == 1 and not b.rejected
    assert b.step(6) == 0.5 and b.rejected and b.last_loss == 5      # caller restores params
    assert b.step(5.5) == 0.25 and b.rejected                        # still worse than 5
    assert b.step(4) == 0.5 and not b.rejected and b.last_loss == 4


# ---------------------------------------------------------------- agreement with PyTorch

class TestAgainstTorch:
    @staticmethod
    def torch_lrs(make, n, lr=1.0):
        torch = pytest.importorskip("torch")
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=lr, momentum=0.9)
        sched = make(torch.optim.lr_scheduler, opt)
        out = []
        for _ in range(n):
            out.append(float(opt.param_groups[0]["lr"]))
            opt.step()
            sched.step()
        return np.array(out)

    def check(self, ours, make, n, lr=1.0):
        np.testing.assert_allclose(S.evaluate(ours, n), self.torch_lrs(make, n, lr), rtol=1e-12, atol=1e-16)

    def test_step_lr(self):
        self.check(S.step_decay(0.3, 7, 0.6), lambda L, o: L.StepLR(o, 7, 0.6), 60, 0.3)

    def test_multistep_lr(self):
        self.check(S.multistep_decay(0.3, [5, 12, 30], 0.2),
                   lambda L, o: L.MultiStepLR(o, [5, 12, 30], 0.2), 50, 0.3)

    def test_exponential_lr(self):
        self.check(S.exponential_decay(0.3, 0.95), lambda L, o: L.ExponentialLR(o, 0.95), 200, 0.3)

    @pytest.mark.parametrize("eta_min", [0.0, 0.01])
    def test_cosine_annealing_lr_within_T_max(self, eta_min):
        self.check(S.cosine_annealing(0.3, 50, eta_min),
                   lambda L, o: L.CosineAnnealingLR(o, 50, eta_min), 51, 0.3)

    @pytest.mark.parametrize("T0, mult", [(7, 1), (3, 2), (2, 3)])
    def test_cosine_warm_restarts(self, T0, mult):
        self.check(S.cosine_restarts(0.3, T0, mult, 0.01),
                   lambda L, o: L.CosineAnnealingWarmRestarts(o, T0, mult, eta_min=0.01), 200, 0.3)

    @pytest.mark.parametrize("T, pct, anneal", [(100, 0.3, "cos"), (37, 0.25, "linear"), (10, 0.45, "cos")])
    def test_one_cycle(self, T, pct, anneal):
        self.check(S.one_cycle(0.5, T, pct, 20.0, 1e3, anneal),
                   lambda L, o: L.OneCycleLR(o, 0.5, total_steps=T, pct_start=pct, div_factor=20.0,
                                             final_div_factor=1e3, anneal_strategy=anneal), T)

    def test_cyclic_triangular(self):
        self.check(S.triangular_cyclic(0.01, 0.2, 6),
                   lambda L, o: L.CyclicLR(o, 0.01, 0.2, step_size_up=6, mode="triangular"), 60, 0.01)

    @pytest.mark.parametrize("sf", [1 / 3, 0.1])
    def test_linear_warmup_sequential(self, sf):
        def make(L, o):
            return L.SequentialLR(o, [L.LinearLR(o, start_factor=sf, total_iters=8),
                                      L.CosineAnnealingLR(o, T_max=30, eta_min=0.001)], milestones=[8])
        self.check(S.linear_warmup(S.cosine_annealing(0.3, 30, 0.001), 8, sf), make, 38, 0.3)

    def test_reduce_lr_on_plateau(self):
        torch = pytest.importorskip("torch")
        rng = np.random.default_rng(0)
        losses = np.concatenate([np.linspace(5, 1, 20), 1 + 0.05 * rng.standard_normal(80),
                                 np.linspace(1, 0.5, 10), np.full(40, 0.5)])
        for kw in [dict(), dict(factor=0.5, patience=3, cooldown=2, min_lr=0.01),
                   dict(factor=0.3, patience=1, threshold=0.02, threshold_mode="abs"),
                   dict(factor=0.5, patience=0, min_lr=0.3 * 0.5**5 + 5e-9)]:
            p = torch.zeros(1, requires_grad=True)
            opt = torch.optim.SGD([p], lr=0.3)
            theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", **kw)
            ours = S.ReduceLROnPlateau(0.3, **kw)
            for x in losses:
                theirs.step(float(x))
                assert ours.step(x) == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12)


# ------------------------------------------------------------------ bad input (issue 17, item 6)

def test_huge_steps_are_refused_at_once():
    """2**63 made evaluate loop for ever and linear_warmup/join report step -2**63; 10**400 gave
    an unnamed OverflowError. Steps are bounded by 2**53 (exact in float64)."""
    with pytest.raises(ValueError, match="steps"):
        S.evaluate(S.constant(0.1), 2**63)
    for s in (S.constant(0.1), S.linear_warmup(0.1, 5), S.join([0.1, 0.2], [3])):
        for step in (2**63, 10**400, np.uint64(2**63), [0, 2**63]):
            with pytest.raises(ValueError, match=r"step must be .*2\*\*53"):
                s(step)
        assert s(2**53) == pytest.approx(s(10**6), rel=1e-15)        # the last exact step still works
    with pytest.raises(TypeError, match="step"):
        S.constant(0.1)([[1], [1, 2]])                                  # ragged: numpy's error was leaking


def test_no_overflow_or_nan_at_the_edges():
    assert S.cosine_annealing(1e308, 10)(0) == pytest.approx(1e308, rel=1e-15)
    assert S.cosine_restarts(1e308, 10)(0) == pytest.approx(1e308, rel=1e-15)
    assert S.step_decay(0.0, 1, 10.0)(400) == 0.0                      # was NaN (0 * inf) with a warning
    assert S.multistep_decay(0.0, [1, 2], 1e308)(5) == 0.0
    assert S.inverse_time_decay(0.1, 0.0, period=5e-324)(3) == 0.1      # was NaN (0 * inf)
    assert S.exponential_decay(1.0, 2.0)(2000) == math.inf             # growing: inf, as documented
    with pytest.raises(ValueError, match="div_factor"):
        S.one_cycle(0.1, 100, div_factor=5e-324)
    with pytest.raises(ValueError, match="div_factor"):
        S.one_cycle(1e308, 100, div_factor=1.0, final_div_factor=1e-10)


def test_cosine_values_unchanged_by_the_overflow_fix():
    """((1 + cos) / 2) is computed first now; the rates agree with the textbook formula."""
    t = np.arange(0, 130)
    want = 0.01 + 0.5 * (0.5 - 0.01) * (1 + np.cos(np.pi * np.minimum(t, 100) / 100))
    np.testing.assert_allclose(S.cosine_annealing(0.5, 100, 0.01)(t), want, rtol=1e-15, atol=0)


def _scalar_only(t):
    return 0.1 if t < 5 else 0.01


def test_combinators_refuse_scalar_only_callables_evaluate_accepts_them():
    with pytest.raises(TypeError, match="schedule must accept an array of steps"):
        S.linear_warmup(_scalar_only, 3)
    with pytest.raises(TypeError, match=r"schedules\[1\] must accept an array of steps"):
        S.join([0.1, _scalar_only], [3])
    np.testing.assert_array_equal(S.evaluate(_scalar_only, 7), [0.1] * 5 + [0.01] * 2)
    np.testing.assert_array_equal(S.evaluate(lambda t: 0.3, 3), [0.3] * 3)


@pytest.mark.parametrize("value", ["False", 0, 1, None, np.array([])])
def test_boolean_options_accept_only_booleans(value):
    with pytest.raises(TypeError, match="staircase must be True or False"):
        S.exponential_decay(0.1, 0.5, staircase=value)
    with pytest.raises(TypeError, match="reject must be True or False"):
        S.BoldDriver(0.1, reject=value)


def test_choices_and_numbers_too_large_for_a_float():
    with pytest.raises(ValueError, match="anneal"):
        S.one_cycle(0.1, 10, anneal=["cos"])
    with pytest.raises(ValueError, match="threshold_mode"):
        S.ReduceLROnPlateau(0.1, threshold_mode=np.array(["rel", "abs"]))
    with pytest.raises(ValueError, match="lr must be a finite real number"):
        S.constant(10**400)
    with pytest.raises(ValueError, match="total_steps"):
        S.cosine_annealing(0.1, 10**400)
