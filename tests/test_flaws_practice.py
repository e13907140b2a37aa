"""Tests for lrcourse.flaws.practice: the documented failures of article 004 (C1, M4) and their fixes.

The counts "one distinct rate sequence" (C1) and "one formula, no gradient" (M4) are computed from
the article's transcribed loops and formulas, which the last tests check against the article's text."""
import math
import re

import numpy as np
import pytest

from lrcourse import flaws
from lrcourse.flaws import practice as P


@pytest.fixture(scope="module")
def c1():
    return P.repro_004_C1(), P.fix_004_C1()


def test_registry_has_both_ids():
    reg = flaws.registry()
    for ident in ("004-C1", "004-M4"):
        assert set(reg[ident]) == {"repro", "fix"}


def test_c1_undefined_data_raises_name_error(c1):
    repro, _ = c1
    assert repro["error"] == "NameError: name 'x_train' is not defined"


def test_c1_four_loops_build_400_models_and_400_optimizers(c1):
    repro, _ = c1
    assert repro["models_built"] == 400 and repro["optimizer_inits"] == 400
    assert repro["distinct_lr_sequences"] == 1          # four names, one schedule


def test_c1_last_epoch_rate_is_0_01_times_0_9_to_the_99(c1):
    repro, fix = c1
    assert repro["last_epoch_lr"] == pytest.approx(0.01 * 0.9**99, rel=1e-12)
    assert f"{repro['last_epoch_lr']:.3g}" == "2.95e-07"      # ERRATA 004-C1
    assert repro["first_epoch_lr"] == fix["first_epoch_lr"] == 0.01
    assert fix["last_epoch_lr"] == pytest.approx(repro["last_epoch_lr"], rel=1e-12)


def test_c1_final_model_is_untrained(c1):
    repro, _ = c1
    assert repro["final_model_updates"] == 4                 # one epoch of 4 minibatches
    assert abs(repro["final_model_loss"] - repro["final_model_start_loss"]) < 1e-4


def test_c1_fix_trains_one_model(c1):
    repro, fix = c1
    assert fix["models_built"] == 1 and fix["optimizer_inits"] == 1 and fix["updates"] == 400
    assert fix["final_loss"] < 0.5 * fix["start_loss"]
    assert fix["final_loss"] < repro["final_model_loss"]


def test_article_rate_reads_each_sections_formula(monkeypatch):
    """Mutation check: give §3.3 another formula and article_rate("smooth") follows it."""
    from lrcourse.flaws import schedules as F
    changed = dict(F.ARTICLE_004_FORMULAS, smooth=r"lr = initial\_learning\_rate \times (1 - decay\_rate)^{epoch/10}")
    monkeypatch.setattr(P, "ARTICLE_004_FORMULAS", changed)
    assert P.article_rate("smooth", 10) == pytest.approx(0.01 * 0.9)
    assert P.article_rate("exponential", 10) == pytest.approx(0.01 * 0.9**10)


def test_gradient_based_rule_would_see_a_gradient_term(monkeypatch):
    """Mutation check: a §3.4 formula with a gradient term makes the two problems' rates differ."""
    changed = dict(P.ARTICLE_004_FORMULAS)
    changed["gradient-based"] = r"lr = initial\_learning\_rate \times (1 - decay\_rate)^{epoch} \times g"
    monkeypatch.setattr(P, "ARTICLE_004_FORMULAS", changed)
    repro = P.repro_004_M4()
    assert repro["gradient_based_uses_a_gradient"] and repro["max_lr_difference"] > 0


def test_article_rate_is_one_formula_and_checks_names():
    for t in (0, 1, 50):
        values = {P.article_rate(name, t) for name in P.SCHEDULE_NAMES}
        assert values == {0.01 * 0.9**t}
    with pytest.raises(ValueError, match="name must be one of"):
        P.article_rate("cosine", 3)


def test_fit_continues_a_schedule_across_calls():
    X, y = P.moons_task()
    mlp = P.MLP(P.SIZES, seed=0)
    opt = P.Adam(P.S.step_decay(0.01, 4, 0.5))
    params, state = P.fit(mlp, X, y, mlp.init_params(), opt, epochs=2)
    assert state["step"] == 8 and opt.lr_at(state["step"]) == pytest.approx(0.0025)
    params2, state2 = P.fit(mlp, X, y, params, opt, state=state, epochs=1)
    assert state2["step"] == 12 and not np.array_equal(params, params2)


def test_m4_gradient_based_rule_ignores_gradients():
    repro = P.repro_004_M4()
    assert repro["distinct_formulas"] == 1 and repro["distinct_formula_texts"] == 1
    assert repro["gradient_based_variables"] == ["decay_rate", "epoch", "initial_learning_rate"]
    assert not repro["gradient_based_uses_a_gradient"]
    assert repro["gradient_ratio"] == pytest.approx(100.0)
    assert repro["max_lr_difference"] == 0.0
    assert repro["lr_at_step_10"] == pytest.approx(0.01 * 0.9**10)


def test_m4_fix_rates_follow_the_gradients():
    fix = P.fix_004_M4()
    assert fix["adagrad_rate_ratio"] > 50                  # 100x larger gradients -> much smaller rates
    assert fix["hd_first_lr"] == 0.01 and fix["hd_final_lr"] > 10 * fix["hd_first_lr"]
    assert fix["hd_final_loss"] < 1.05 * fix["min_loss"] < fix["fixed_final_loss"]


def test_hypergradient_sgd_lowers_a_too_large_rate():
    x, y = P.make_linear_data()
    problem = P.LinearRegression(x, y)
    limit = problem.stability_limit()
    run = P.hypergradient_sgd(problem, lr0=1.05 * limit, beta=0.01, steps=300, theta0=np.zeros(2))
    assert run["lrs"][-1] < limit                          # consecutive gradients disagree -> rate falls
    assert math.isfinite(run["losses"][-1]) and run["losses"][-1] < 1.01 * problem.min_loss()


from _sources import source_article  # noqa: E402  (skips when the articles are absent)


def test_article_004_loops_are_transcribed_from_the_code():
    """§4's code block: four loops, each setting the rate, the decay and the epochs to the
    transcribed numbers and multiplying the rate by (1 − decay) after each one-epoch model."""
    text = source_article("004")
    code = re.search(r"```python\n(.*?)```", text, flags=re.S).group(1)
    loops = re.split(r"\n(?=# [^\n]*学习率调度\n)", code)[1:]
    assert len(loops) == len(P.SCHEDULE_NAMES)
    for name, loop in zip(P.SCHEDULE_NAMES, loops):
        numbers = P.ARTICLE_004_LOOPS[name]
        for var, value in numbers.items():
            assert re.search(rf"^{var} = {value}$", loop, flags=re.M), (name, var)
        assert "learning_rate *= (1 - decay_rate)" in loop and "train_model(build_model()" in loop


def test_c1_distinct_sequences_follow_the_loops(monkeypatch):
    """Mutation check: another decay in one loop gives two distinct sequences."""
    loops = {k: dict(v) for k, v in P.ARTICLE_004_LOOPS.items()}
    loops["smooth"]["decay_rate"] = 0.2
    monkeypatch.setattr(P, "ARTICLE_004_LOOPS", loops)
    run = P.fresh_model_every_epoch.__wrapped__(epochs=3)
    assert len({tuple(v) for v in run["sequences"].values()}) == 2


def test_range_test_peak_larger_peak_wins_rarely():
    """practice_recipes, range-test section: the peak read off the range test (factor 1) beats a
    peak ten times smaller and one three times larger in median; a single order favours the larger
    peak on orders 1-5 only once (the count the chapter glues), and on none of orders 6-15."""
    from lrcourse import schedules as S
    from lrcourse.datasets import two_moons
    from lrcourse.mlp import MLP, Classification
    from lrcourse.optimizers import SGD
    from lrcourse.train import minimize

    X, y = two_moons(100, noise=0.1, seed=0)
    net = MLP((2, 16, 1), seed=0)
    moons = Classification(net, X, y)
    lo, hi, n = 1e-3, 1e2, 120
    rt = minimize(moons, SGD(S.exponential_decay(lo, (hi / lo) ** (1 / (n - 1))), momentum=0.9), n,
                  net.init_params(), batch_size=25, seed=0)
    smooth = np.empty(rt.steps)
    for i, v in enumerate(rt.losses[1:]):
        smooth[i] = v if i == 0 else 0.9 * smooth[i - 1] + 0.1 * v
    best = float(rt.lrs[np.argmin(smooth)])

    def larger_wins(orders):
        f = {k: np.array([minimize(moons, SGD(S.one_cycle(k * best, 200), momentum=0.9), 200, net.init_params(),
                                   batch_size=25, seed=s).final_loss for s in orders]) for k in (0.1, 1.0, 3.0)}
        assert np.median(f[1.0]) < 0.01 * min(np.median(f[0.1]), np.median(f[3.0]))
        return int(np.sum((f[3.0] < f[1.0]) & (f[3.0] < f[0.1])))

    assert larger_wins(range(1, 6)) == 1
    assert larger_wins(range(6, 16)) == 0
