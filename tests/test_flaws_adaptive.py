"""Tests for lrcourse.flaws.adaptive: each documented failure of articles 001/002 and its fix.

Numbers as in ERRATA.md (article 001's data: MSE convention, (b, w) from 0, 1000 steps).
"""
import numpy as np
import pytest

from lrcourse import flaws
from lrcourse.flaws import adaptive as A
from lrcourse.optimizers import SGD, Adagrad, Adam, RMSprop

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
    r = A.repro_001_M9()
    for k in (1, 2, 4, 8):      # momentum on accumulated gradients is linear: units of a coordinate pass through
        np.testing.assert_allclose(r[f"accumulate_{k}_step_ratio"], A.M9_SCALE, rtol=1e-9)
    np.testing.assert_allclose(r["adam_step_ratio"], 1, rtol=1e-6)       # Adam divides them out
    assert r["adam_step_ratio_max_deviation"] < 1e-6


def test_001_M9_the_linearity_test_can_tell_methods_apart():
    """The test of 001-M9 is not a strawman: it classifies RMSprop (not linear) with Adam and
    Nesterov momentum (linear) with the accumulated heavy ball."""
    stream = A._micro_batch_stream()[:, 0]
    ratio = lambda opt: np.median(A._step_stream(opt(), stream * A.M9_SCALE) / A._step_stream(opt(), stream), axis=0)  # noqa: E731
    np.testing.assert_allclose(ratio(lambda: RMSprop(0.01)), 1, rtol=1e-6)
    np.testing.assert_allclose(ratio(lambda: SGD(0.01, momentum=0.9, nesterov=True)), A.M9_SCALE, rtol=1e-9)


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
    # the first update does not use the rate eta ("initial rate" is false), nor one rate for all
    assert all(abs(v / r["eta"] - 1) > 0.5 for v in r["rate_at_update_1"])
    assert abs(r["rate_at_update_1"][0] / r["rate_at_update_1"][1] - 1) > 0.01
    for key in ("implied_eta_article_min_max", "implied_eta_lrcourse_min_max"):
        np.testing.assert_allclose(f[key], r["eta"], rtol=1e-9)       # eta recovered at every update
    assert f["ratio"] == pytest.approx(1 / np.sqrt(1000), rel=1e-6)


def test_002_M6_implied_eta_detects_a_decaying_eta():
    """The 'implied eta' check can fail: with torch's lr_decay the constant is not recovered."""
    grads = 3.0 * np.random.default_rng(0).standard_normal((50, 2))
    G = np.cumsum(grads**2, axis=0)
    implied = A._step_stream(Adagrad(0.1, lr_decay=0.01, eps=1e-8, eps_inside_sqrt=True), grads) / -grads * np.sqrt(G + 1e-8)
    assert implied.min() < 0.7 * 0.1


def test_framework_defaults_table_shape():
    table = A.framework_defaults()
    assert all(set(row) == set(A.FRAMEWORKS) for row in table.values())
    text = A.defaults_markdown(table, A.installed_frameworks())
    assert text.count("\n") == len(table) + 1


def _keras():
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("g", [1.0, 1e-2, 1e-6])
def test_keras_adagrad_and_rmsprop_defaults_measured(g):
    """lrcourse's models of Keras 3's defaults take Keras's first TWO steps (accumulator 0.1 for
    Adagrad, 0 for RMSprop, eps inside), measured on Keras itself."""
    keras = _keras()
    for cls, model in ((keras.optimizers.Adagrad, A.keras_adagrad), (keras.optimizers.RMSprop, A.keras_rmsprop)):
        var = keras.Variable(np.zeros(1), dtype="float64")
        opt, path = cls(learning_rate=0.01), []
        for _ in range(2):
            opt.apply_gradients([(keras.ops.convert_to_tensor(np.array([g])), var)])
            path.append(float(keras.ops.convert_to_numpy(var)[0]))
        ours = A.constant_gradient_steps(model(0.01), 2, g=g)
        np.testing.assert_allclose(np.abs(np.diff([0.0] + path)), ours, rtol=1e-6)


def test_eps_placements_measured_on_the_frameworks():
    """EPS_PLACEMENT and RMS_S0 against the first step of each installed framework at |g| = 1e-6."""
    torch = pytest.importorskip("torch")
    g = 1e-6
    def torch_first(cls, **kw):
        p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        opt = cls([p], lr=0.01, **kw)
        p.grad = torch.full((1,), g, dtype=torch.float64)
        opt.step()
        return abs(float(p.detach()[0])) / 0.01
    assert torch_first(torch.optim.Adagrad) == pytest.approx(g / (g + 1e-10), rel=1e-9)                 # outside, s0 = 0
    assert torch_first(torch.optim.RMSprop) == pytest.approx(g / (np.sqrt(0.01) * g + 1e-8), rel=1e-9)  # outside, s0 = 0
    assert torch_first(torch.optim.Adam) == pytest.approx(g / (g + 1e-8), rel=1e-9)                     # outside √v̂
    keras = _keras()
    var = keras.Variable(np.zeros(1), dtype="float64")
    keras.optimizers.Adam(learning_rate=0.01).apply_gradients([(keras.ops.convert_to_tensor(np.array([g])), var)])
    b2 = 0.999                                          # ε-hat: added to √v before the bias correction
    want = np.sqrt(1 - b2) * g / (np.sqrt(1 - b2) * g + 1e-7)
    assert abs(float(keras.ops.convert_to_numpy(var)[0])) / 0.01 == pytest.approx(want, rel=1e-6)


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



def test_optax_defaults_measured():
    """optax's Adagrad (accumulator 0.1, eps 1e-7 inside) takes keras_adagrad's steps; its Adam
    adds eps outside the corrected √v̂, as EPS_PLACEMENT says."""
    optax = pytest.importorskip("optax")
    jnp = pytest.importorskip("jax.numpy")
    for g in (1.0, 1e-2, 1e-6):
        opt = optax.adagrad(0.01)
        params = jnp.zeros(1)
        state, path = opt.init(params), []
        for _ in range(2):
            upd, state = opt.update(jnp.full(1, g), state, params)
            params = optax.apply_updates(params, upd)
            path.append(float(params[0]))
        np.testing.assert_allclose(np.abs(np.diff([0.0] + path)), A.constant_gradient_steps(A.keras_adagrad(0.01), 2, g=g),
                                   rtol=1e-4)                        # jax computes in float32
    assert A.EPS_PLACEMENT["optax", "Adam"].startswith("outside √v̂")
    upd, _ = optax.adam(0.01).update(jnp.full(1, 1e-6), optax.adam(0.01).init(jnp.zeros(1)))
    assert abs(float(upd[0])) / 0.01 == pytest.approx(1e-6 / (1e-6 + 1e-8), rel=1e-4)


def test_no_exercise_hidden_in_a_code_cell():
    """Exercises and solutions are markdown: a code cell never carries '# **4.**' or '# :::'."""
    import json
    import re
    from pathlib import Path
    book = Path(__file__).resolve().parents[1] / "book"
    for name in ("adaptive.ipynb", "momentum.ipynb"):
        for cell in json.loads((book / name).read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                text = "".join(cell["source"])
                assert not re.search(r"^#\s*(\*\*\d+\.\*\*|:::)", text, re.M), (name, text[:80])
