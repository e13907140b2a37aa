"""The flaws of the chapter "Gradient descent and the learning rate": each reproduction shows the
documented failure (numbers as in ERRATA.md) and each fix the corrected behaviour."""
import numpy as np
import pytest

from lrcourse import flaws
from lrcourse.flaws import gradient_descent as gd

IDS = ["000-M1", "000-M7", "000-M8", "000-C1", "001-M1", "001-M4", "001-M14", "001-M17", "001-M18",
       "001-C1", "002-M2", "002-M3", "002-M7", "003-C1"]


def test_every_owned_id_has_repro_and_fix():
    reg = flaws.registry()
    for ident in IDS:
        assert set(reg[ident]) == {"repro", "fix"}, ident
        assert reg[ident]["repro"].__module__ == gd.__name__


@pytest.mark.parametrize("ident", IDS)
def test_results_are_plain_python(ident):
    def plain(v):
        if isinstance(v, list):
            return all(plain(x) for x in v)
        return type(v) in (bool, int, float, str)
    for which in ("repro", "fix"):
        out = flaws.run(ident, which)
        assert isinstance(out, dict) and out
        assert all(plain(v) for v in out.values()), (ident, which, out)


def test_000_C1_sign_error_climbs_as_documented():
    r = gd.repro_000_C1()
    assert r["loss_0"] == pytest.approx(2.367, abs=1e-3)
    assert r["loss_1"] == pytest.approx(3.02, abs=5e-3)
    assert r["loss_10"] == pytest.approx(27.8, abs=0.05)
    assert r["loss_100"] == pytest.approx(1.4e11, rel=0.03)
    assert r["loss_1000"] == pytest.approx(2.0e108, rel=0.03)
    assert r["first_nonfinite_step"] > 1000
    assert r["mutates_caller"] is True
    assert r["int_error"].startswith("UFuncTypeError") and r["int_error_class"] == "UFuncTypeError"


def test_000_C1_fix_converges_without_side_effects():
    f = gd.fix_000_C1()
    assert f["loss_1000"] == pytest.approx(0.00470, abs=5e-6)
    assert f["loss_5000"] == pytest.approx(f["min_loss"], rel=1e-12)
    assert f["dist_to_lstsq_5000"] < 1e-10
    assert f["caller_unchanged"] is True
    assert f["int_start_loss_1000"] == pytest.approx(f["loss_1000"])
    assert (f["b_star"], f["w_star"]) == pytest.approx((0.99925, 1.98693), abs=1e-5)


def test_gd_corrected_equals_library_gd():
    from lrcourse.optimizers import SGD
    from lrcourse.train import minimize
    X, y = gd.design()
    mine = gd.gd_corrected(X, y, [0, 0], 0.3, 200)
    lib = minimize(gd.regression(), SGD(0.3), 200, [0.0, 0.0]).params[-1]
    np.testing.assert_allclose(mine, lib, rtol=1e-12)


def test_000_M1_large_rate_oscillates_or_diverges():
    r = gd.repro_000_M1()
    assert r["osc_sign_flips_in_60"] == 60          # below the limit but above 1/λ_max: sign flips every step
    assert r["osc_loss_falls_every_step"]           # ... while the loss falls at every step
    assert r["big_diverged"] and r["big_loss_100"] > 1e6 * r["loss_0"]
    f = gd.fix_000_M1()
    assert f["converged_below"] == [True, True, True] and f["diverged_above"]
    assert f["max_dist_to_lstsq_below"] < 1e-10


def test_000_M7_randomness_is_in_the_gradient():
    r = gd.repro_000_M7()
    assert r["spread_of_end_points"] < 1e-10 and r["dist_to_lstsq"] < 1e-10
    f = gd.fix_000_M7()
    assert f["bias_norm"] < 0.05 * f["grad_norm"]        # unbiased up to Monte-Carlo error
    assert f["noise_std"] > 0.3 * f["grad_norm"]         # but noisy
    assert f["spread_of_end_points"] > 1e-3


def test_000_M8_alpha_as_decay_rate():
    assert gd.repro_000_M8()["first_negative_step"] == 11
    f = gd.fix_000_M8()
    assert f["min_rate"] == 0.0 and f["rate_500"] == pytest.approx(0.05)


def test_001_M1_convex_problem_still_diverges():
    r = gd.repro_001_M1()
    assert r["convex"] and r["diverged"]
    f = gd.fix_001_M1()
    assert f["dist_to_lstsq"] < 1e-10


def test_001_M4_ascent_vs_descent():
    assert gd.repro_001_M4()["loss_after_ascent_step"] == pytest.approx(3.02, abs=5e-3)
    f = gd.fix_001_M4()
    assert f["loss_after_descent_step"] < f["loss_0"]


def test_001_M14_local_minimum_on_nonconvex():
    r = gd.repro_001_M14()
    assert r["end"] == pytest.approx(0.8789, abs=1e-4) and r["end_grad"] < 1e-10
    assert r["end_loss"] > r["global_min_loss"] + 0.3
    f = gd.fix_001_M14()
    assert f["max_dist_to_lstsq"] < 1e-10


def test_001_M17_and_002_M3_basin_not_rate():
    r = gd.repro_001_M17()
    assert max(abs(e - r["local_min"]) for e in r["ends"]) < 1e-6
    assert r["end_0.7"] == pytest.approx(r["global_min"], abs=1e-8)
    assert abs(r["cycle_0.9"][0] - r["cycle_0.9"][1]) > 0.3      # a 2-cycle around the global minimum
    assert min(r["cycle_0.9"]) < r["global_min"] < max(r["cycle_0.9"])
    assert r["diverged_1.5"]
    f = gd.fix_001_M17()
    assert 8 < f["ratio_small_to_mid"] < 12
    r3 = gd.repro_002_M3()
    assert max(abs(e - r3["local_min"]) for e in r3["ends"]) < 1e-6
    f3 = gd.fix_002_M3()
    assert f3["ends"][0] == pytest.approx(f3["ends"][1]) and f3["ends"][2] == pytest.approx(f3["ends"][3])
    assert f3["ends"][0] < 0 < f3["ends"][3]


def test_001_M18_vertical_not_perpendicular():
    r = gd.repro_001_M18()
    assert abs(r["w_perpendicular"] - r["w_least_squares"]) > 0.5
    f = gd.fix_001_M18()
    assert f["w_gd"] == pytest.approx(f["w_least_squares"], abs=1e-9)


def test_001_C1_crash_and_fix():
    r = gd.repro_001_C1()
    assert r["error"] == ("ValueError: non-broadcastable output operand with shape (1,) doesn't match "
                          "the broadcast shape (100,1)")
    assert r["patched_theta_1000"] < -1e8
    f = gd.fix_001_C1()
    assert f["predictions"] == pytest.approx([5.048, 7.016, 8.985], abs=1e-3)
    assert f["predictions"] == pytest.approx(f["library_predictions"], abs=1e-10)
    assert f["predictions"] == pytest.approx(f["lstsq_predictions"], abs=1e-4)


def test_002_M2_depth_not_rate():
    r = gd.repro_002_M2()
    assert r["ratio_gain_0.5"] < 1e-2 < 1e2 < r["ratio_gain_2.0"]
    assert 0.2 < r["ratio_gain_1.0"] < 5
    f = gd.fix_002_M2()
    assert f["growth_per_step"] == pytest.approx(2.0)                       # the formula |1 − ηλ_max|
    assert f["measured_growth_per_step"] == pytest.approx(f["growth_per_step"], rel=1e-6)   # the run
    assert 0 < f["first_inf_loss_step"] < f["first_nan_step"]


def test_002_M7_gradient_at_the_current_point():
    r = gd.repro_002_M7()
    assert r["min_loss_on_path"] < r["loss_0"] < r["loss_1000"]
    f = gd.fix_002_M7()
    assert f["loss_5000"] == pytest.approx(f["min_loss"], rel=1e-10)


def test_003_C1_placeholder_and_mutation():
    r = gd.repro_003_C1()
    assert r["error"] == "TypeError: unsupported operand type(s) for *: 'ellipsis' and 'ellipsis'"
    assert r["mutates_caller"]
    f = gd.fix_003_C1()
    assert f["caller_unchanged"] and f["dist_to_lstsq"] < 1e-5


def test_double_well_gradient_matches_finite_differences():
    f = gd.TiltedDoubleWell()
    x = np.linspace(-2, 2, 9)[:, None]
    h = 1e-6
    fd = (f.loss(x + h) - f.loss(x - h)) / (2 * h)
    np.testing.assert_allclose(f.grad(x)[:, 0], fd, atol=1e-6)
    lo, mx, hi = f.stationary_points()
    assert f.curvature(lo) > 0 and f.curvature(mx) < 0 and f.curvature(hi) > 0
    assert f.min_loss() == pytest.approx(float(f.loss([lo])))


# ------------------------------------------------------------------ chapter helpers (issue 18)

@pytest.mark.parametrize("x, name", [(0.3, "monotone"), (0.99, "monotone"), (1.0, "one step"), (1.01, "oscillating"),
                                     (1.99, "oscillating"), (2.0, "constant oscillation"), (2.01, "diverging")])
def test_regimes_from_boundaries_and_from_signs_agree(x, name):
    lam = 3.0
    lr = x / lam
    assert gd.predicted_regime(lr, lam) == name
    errors = (1 - lr * lam) ** np.arange(15)                 # the closed form, not the library
    if name != "constant oscillation":
        assert gd.measured_regime(errors) == name


def test_measured_regime_rejects_what_is_none_of_the_three():
    assert gd.measured_regime([1.0, 0.5, 0.7, 0.2]) == "other"          # not shrinking every step
    assert gd.measured_regime([1.0, -0.5, -0.2, 0.1]) == "other"        # sign pattern broken
    assert gd.measured_regime([1.0, -1.0, 1.0, -1.0]) == "other"        # neither shrinking nor growing
    assert gd.measured_regime([1.0, 2.0, 4.0]) == "other"               # growth without sign flips
    # round-off below floor * |e0| is ignored, not read as a sign change
    assert gd.measured_regime([1.0, 1e-3, 1e-6, 1e-9, -1e-17, 1e-18]) == "monotone"


def test_double_well_rule_curvature_below_two_over_eta():
    f = gd.TiltedDoubleWell()
    x_glob, _, x_loc = f.stationary_points()
    c_glob, c_loc = f.curvature(x_glob), f.curvature(x_loc)
    assert c_glob > c_loc                                      # the global minimum is the sharper one
    lrs = [0.3, 0.7, 0.9, 1.2, 1.4, 1.6]
    out = gd.double_well_outcomes(lrs)
    for j, eta in enumerate(lrs):
        reached = {m for m in ("global", "local") if out[m][j] > 0}
        assert reached == {m for m, c in (("global", c_glob), ("local", c_loc)) if eta * c < 2}, eta
        total = out["global"][j] + out["local"][j] + out["diverged"][j] + out["other"][j]
        assert total == out["n_starts"] == 81
    assert out["global"][2:5] == [0, 0, 0] and min(out["local"][2:5]) >= 20
    assert out["global_basin_to_local"][0] == 0 and out["global_basin_to_local"][2] > 0


def test_iterate_averages():
    P = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    polyak, ema = gd.iterate_averages(P, start=1, beta=0.5)
    np.testing.assert_allclose(polyak, [3.0, 4.0])
    np.testing.assert_allclose(ema, 0.125 * P[0] + 0.125 * P[1] + 0.25 * P[2] + 0.5 * P[3])
    last_a, last_b = gd.iterate_averages(P, start=3, beta=0.0)     # averaging switched off
    np.testing.assert_array_equal(last_a, P[-1])
    np.testing.assert_array_equal(last_b, P[-1])


def test_averaging_beats_the_noise_ball_and_only_when_on():
    on = gd.averaging_vs_last(seeds=range(4))
    off = gd.averaging_vs_last(start=400, beta=0.0, seeds=range(4))
    assert on["last"] == off["last"]                          # the reference does not depend on the averaging
    for k in ("polyak", "ema"):
        assert np.median(on["last"]) > 10 * np.median(on[k])
        assert np.median(off[k]) > 0.2 * np.median(off["last"])
