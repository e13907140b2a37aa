"""Tests for lrcourse.flaws.momentum: each documented failure of article 001 and its fix.

Numbers as in ERRATA.md (MSE convention: gradient 2 X^T r / m, (b, w) from 0, 1000 steps).
"""
import numpy as np
import pytest

from lrcourse import flaws
from lrcourse.flaws import momentum as M
from lrcourse.optimizers import SGD, EMAMomentum
from lrcourse.problems import LinearRegression, article001_data
from lrcourse.train import minimize

LSTSQ = [5.048, 7.016, 8.985]


def test_registry_has_every_momentum_id():
    reg = flaws.registry()
    for ident in ("001-M6", "001-M15", "001-C2", "001-C3"):
        assert set(reg[ident]) == {"repro", "fix"}
        assert reg[ident]["repro"].__module__ == "lrcourse.flaws.momentum"


def test_article_stream_matches_the_library_data():
    _, X, y = M.article001_stream()
    x2, y2 = article001_data()
    np.testing.assert_array_equal(X.ravel(), x2)
    np.testing.assert_array_equal(y.ravel(), y2)


def test_mse_problem_doubles_the_half_mse():
    half = LinearRegression(*article001_data())
    mse = M.MSEProblem(half)
    theta = np.array([0.3, -0.7])
    assert mse.loss(theta) == pytest.approx(2 * half.loss(theta))
    np.testing.assert_allclose(mse.grad(theta), 2 * half.grad(theta))
    # the minibatch gradient over all samples is the full gradient
    idx = np.arange(half.n)[None, :]
    np.testing.assert_allclose(mse.sample_grads(theta[None, :], idx)[0], mse.grad(theta), atol=1e-12)
    # GD with lr on the MSE equals GD with 2 lr on the half-MSE
    a = minimize(mse, SGD(0.05), 50, np.zeros(2)).params
    b = minimize(half, SGD(0.1), 50, np.zeros(2)).params
    np.testing.assert_allclose(a, b, atol=1e-12)
    with pytest.raises(TypeError):
        M.MSEProblem("not a problem")


def test_repro_001_C2_explodes_like_1_02_to_the_1000():
    r = M.repro_001_C2()
    np.testing.assert_allclose(r["predictions"], [-3.98e8, -5.97e8, -7.96e8], rtol=2e-3)
    assert r["growth_over_1000_steps"] == pytest.approx(3.98e8, rel=2e-3)


def test_fix_001_C2_single_sample_sgd_on_the_article_stream():
    f = M.fix_001_C2()
    np.testing.assert_allclose(f["predictions"], [4.747, 6.460, 8.173], atol=5e-4)
    np.testing.assert_allclose(f["lstsq_predictions"], LSTSQ, atol=5e-4)


def test_sgd_runs_side_by_side_match_single_runs():
    idx = np.random.default_rng(0).integers(0, 100, (200, 3))
    many = M.sgd_single_sample(idx, 0.02)
    for k in range(3):
        np.testing.assert_allclose(many[k], M.sgd_single_sample(idx[:, k], 0.02), atol=1e-12)
    # minibatches: (steps, K, B)
    batched = M.sgd_single_sample(np.random.default_rng(1).integers(0, 100, (50, 2, 10)), 0.02)
    assert batched.shape == (2, 2) and np.all(np.isfinite(batched))


def test_repro_001_C3_crashes_on_shapes():
    r = M.repro_001_C3()
    assert r["error"] == "ValueError"
    assert "non-broadcastable output operand with shape (1,)" in r["message"]
    assert "(100,1)" in r["message"]


def test_fix_001_C3_heavy_ball_reaches_least_squares():
    f = M.fix_001_C3()
    np.testing.assert_allclose(f["predictions"], LSTSQ, atol=5e-4)
    assert f["max_abs_gap_to_lstsq"] < 1e-5


def test_repro_001_M6_same_lr_is_a_different_method_and_random_v0_moves():
    r = M.repro_001_M6()
    assert r["max_gap_same_lr"] > 0.5
    assert r["ema_predictions_same_lr"][2] < 8.5          # ten times slower: not there yet
    np.testing.assert_allclose(r["heavy_ball_predictions"], LSTSQ, atol=5e-4)
    assert r["random_v0_max_distance_from_optimum"] > 0.05


def test_fix_001_M6_ema_equals_rescaled_heavy_ball():
    f = M.fix_001_M6()
    assert f["max_gap_rescaled"] < 1e-12
    assert f["first_step_error"] < 1e-15
    assert f["zero_v0_max_distance_from_optimum"] < 1e-12
    np.testing.assert_allclose(f["predictions"], LSTSQ, atol=5e-4)


def test_ema_equals_heavy_ball_on_random_gradients():
    rng = np.random.default_rng(3)
    beta, lr = 0.8, 0.3
    ema, hb = EMAMomentum(lr, beta), SGD(lr * (1 - beta), momentum=beta)
    p1 = p2 = np.zeros(4)
    s1, s2 = ema.init(p1), hb.init(p2)
    for _ in range(50):
        g = rng.standard_normal(4)
        p1, s1 = ema.update(p1, g, s1)
        p2, s2 = hb.update(p2, g, s2)
    np.testing.assert_allclose(p1, p2, atol=1e-13)


def test_001_M15_weights():
    r, f = M.repro_001_M15(), M.fix_001_M15()
    assert r["nonzero_weights_of_10"] == 2 and r["weight_of_g1_at_t10"] == 0.0
    assert f["nonzero_weights_of_10"] == 10
    np.testing.assert_allclose(M.ema_weights(0.9, 10), 0.1 * 0.9 ** np.arange(9, -1, -1), atol=1e-15)
    assert f["weights_sum"] == pytest.approx(1 - 0.9**10)
    assert f["heavy_ball_step_over_eta_g"] == pytest.approx(10, rel=1e-6)
    assert r["constant_gradient_step_over_eta_g"] == pytest.approx(2, rel=1e-12)     # measured, not typed
    # the article's own formula, written out, weights the past like EMAMomentum (to rounding)
    assert f["max_gap_article_formula_vs_library"] < 1e-15
    np.testing.assert_allclose(f["article_formula_weights"], 0.1 * 0.9 ** np.arange(9, -1, -1), rtol=1e-12)


def test_001_M15_the_weight_count_can_tell_the_rules_apart():
    """A rule that keeps a buffer (d <- 0.9 d + g) is not 'previous plus current': its impulse
    weights are all nonzero, so the count of 2 in repro_001_M15 is a property of the rule."""
    def buffered(g):
        d, out = np.zeros_like(g[0]), []
        for x in g:
            d = 0.9 * d + x
            out.append(d)
        return np.array(out)
    assert np.count_nonzero(M._impulse_weights(buffered, 10)) == 10
    assert np.count_nonzero(M._impulse_weights(M.previous_plus_current_steps, 10)) == 2


def test_every_result_is_plain_python(assert_plain):
    for ident in ("001-M6", "001-M15", "001-C2", "001-C3"):
        for which in ("repro", "fix"):
            out = flaws.run(ident, which)
            assert_plain(out)

