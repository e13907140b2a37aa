"""Tests for lrcourse.flaws.adaptive: each documented failure of articles 001/002 and its fix.

Numbers as in ERRATA.md (article 001's data: MSE convention, (b, w) from 0, 1000 steps).
"""
import numpy as np
import pytest

from lrcourse import flaws
from lrcourse.flaws import adaptive as A
from lrcourse.optimizers import Adagrad, Adam, RMSprop

IDS = ("001-M7", "001-M8", "001-M9", "001-M16", "001-C4", "001-C5",
       "002-V2", "002-V3", "002-M4", "002-M6", "002-M1")


def test_registry_has_every_adaptive_id():
    reg = flaws.registry()
    for ident in IDS:
        assert set(reg[ident]) == {"repro", "fix"}, ident
        assert reg[ident]["fix"].__module__ == "lrcourse.flaws.adaptive"


def test_adam_variant_defaults_equal_adam():
    rng = np.random.default_rng(0)
    a, b = A.AdamVariant(0.05), Adam(0.05)
    p = q = np.zeros(3)
    sa, sb = a.init(p), b.init(q)
    for _ in range(50):
        g = rng.standard_normal(3)
        p, sa = a.update(p, g, sa)
        q, sb = b.update(q, g, sb)
    np.testing.assert_allclose(p, q, atol=1e-14)
    with pytest.raises(ValueError):
        A.AdamVariant(0.1, v_correction="sometimes")
    with pytest.raises(ValueError):
        A.AdamVariant(0.1, second_moment_of="v")


def test_001_M8_article_formula_steps():
    r = A.repro_001_M8()
    assert r["beta2=0.999"]["t=1"] == pytest.approx(1000, rel=1e-6)
    assert r["beta2=0.999"]["t=10"] == pytest.approx(145, rel=5e-3)
    assert r["beta2=0.999"]["t=10000"] == pytest.approx(1.0, rel=1e-3)
    assert r["beta2=0.99"]["t=1"] == pytest.approx(100, rel=1e-6)
    assert r["beta2=0.99"]["t=10"] == pytest.approx(15.0, rel=1e-3)
    assert r["beta2=0.99"]["t=10000"] == pytest.approx(1.0, rel=1e-6)
    assert r["step_t1_for_g=1e-6"] == pytest.approx(1000, rel=1e-6)        # independent of |g|
    f = A.fix_001_M8()
    for key in ("t=1", "t=10", "t=10000"):
        assert f[key] == pytest.approx(0.001, rel=1e-6)


def test_001_C4_crash_patched_run_and_fix():
    r = A.repro_001_C4()
    assert "non-broadcastable output operand with shape (1,)" in r["error"]
    np.testing.assert_allclose(r["first_steps"], [0.100, 0.0905, 0.0818], atol=5e-4)
    assert r["first_step_over_lr"] == pytest.approx(10, rel=1e-5)
    np.testing.assert_allclose(r["predictions"], [-27.2, -40.9, -54.5], atol=0.05)
    f = A.fix_001_C4()
    np.testing.assert_allclose(f["predictions"], [5.048, 7.016, 8.985], atol=5e-4)
    np.testing.assert_allclose(f["first_step"], [0.1, 0.1], rtol=1e-6)      # Adam's first step = lr
    with pytest.raises(ValueError, match="non-broadcastable"):
        A.adam_on_whole_batch()


def test_001_C5_text_and_code_differ_from_each_other_and_from_adam():
    r, f = A.repro_001_C5(), A.fix_001_C5()
    text, code, adam = r["text_steps_t1_t10_t100"], r["code_steps_t1_t10_t100"], f["adam_steps_t1_t10_t100"]
    assert text[0] == pytest.approx(100, rel=1e-6) and code[0] == pytest.approx(0.1, rel=1e-5)
    assert all(abs(t / c) > 10 for t, c in zip(text, code))
    np.testing.assert_allclose(adam, 0.01, rtol=1e-6)


def test_001_M7_adam_is_scale_free_nesterov_is_not():
    assert A.repro_001_M7()["ratio"] == pytest.approx(1000)
    f = A.fix_001_M7()
    assert f["ratio"] == pytest.approx(1, abs=1e-6)
    for key, step in f.items():
        if key.startswith("adam_first_step"):
            np.testing.assert_allclose(np.abs(step), 0.01, rtol=1e-3)


def test_001_M9_adam_rebuilt_from_momentum_and_rmsprop():
    assert A.fix_001_M9()["max_gap_rebuilt_vs_adam"] < 1e-14
    assert A.repro_001_M9()["max_gap_after_100_steps"] > 0.1


def test_001_M16_random_m0_breaks_the_first_step():
    r, f = A.repro_001_M16(), A.fix_001_M16()
    assert max(abs(x) for x in r["first_step_over_lr"]) > 3
    np.testing.assert_allclose(f["first_step_over_lr"], [-1, 1], atol=1e-6)
    assert f["against_gradient"] is True


def test_002_V2_V3_eps_placement():
    v2, v2f = A.repro_002_V2(), A.fix_002_V2()
    assert v2["g=1"] == pytest.approx(1, rel=1e-6) and v2["g=1e-06"] == pytest.approx(0.01, rel=1e-3)
    assert v2f["outside"]["g=1e-06"] > 0.98
    assert v2["g=0.0001"] == pytest.approx(1 / np.sqrt(2), rel=1e-6)       # |g| = sqrt(eps)
    # eps inside ~ sqrt(eps) outside
    for k in v2:
        assert v2f["inside"][k] == pytest.approx(v2f["outside_with_eps=1e-4"][k], rel=0.5)
    v3, v3f = A.repro_002_V3(), A.fix_002_V3()
    assert v3["g=1"] == pytest.approx(10, rel=1e-5)                          # no bias correction: 10x
    assert v3["g=1e-06"] < 0.011 and v3f["outside"]["g=1e-06"] > 9


def test_eps_inside_matches_the_formula():
    g = 3e-5
    step = A.first_step(Adagrad(1.0, eps=1e-8, eps_inside_sqrt=True), g)[0]
    assert abs(step) == pytest.approx(g / np.sqrt(g * g + 1e-8))
    step = A.first_step(RMSprop(1.0, eps=1e-8, eps_inside_sqrt=True), g)[0]
    assert abs(step) == pytest.approx(g / np.sqrt(0.01 * g * g + 1e-8))


def test_002_M4_v_is_the_uncentred_second_moment():
    r, f = A.repro_002_M4(), A.fix_002_M4()
    assert r["v"] == pytest.approx(1.25, abs=0.05)
    assert f["v_minus_m_squared"] == pytest.approx(0.25, abs=0.05)


def test_002_M6_adagrad_lr_is_constant_the_step_shrinks():
    r, f = A.repro_002_M6(), A.fix_002_M6()
    assert r["lr_at_update_1"] == r["lr_at_update_1000"] == 0.1
    assert f["ratio"] == pytest.approx(1 / np.sqrt(1000), rel=1e-6)


def test_002_M1_adam_still_needs_lr_tuning():
    r, f = A.repro_002_M1(), A.fix_002_M1()
    assert set(r) == set(A.race_problems())
    assert all(v["decades"] > 4 for v in r.values())
    best = list(f.values())
    assert max(best) / min(best) >= 10


def test_tune_lr_and_race_problems():
    rp = A.race_problems()["bowl, rotated 45°"]
    best, score, res = A.tune_lr(rp, A.RACE_OPTIMIZERS["SGD"], [0.01, 1.0, 5.0])
    assert best == 1.0 and np.isinf(score[2]) and res.diverged[2]
    sparse = A.sparse_regression()
    assert sparse.dim == 8 and np.all(sparse.X.sum(axis=0) >= 1)


def test_every_result_is_plain_python(assert_plain):
    for ident in IDS:
        for which in ("repro", "fix"):
            assert_plain(flaws.run(ident, which))

