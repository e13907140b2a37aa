"""The flaws of the articles' schedules (lrcourse.flaws.schedules): each documented failure
is reproduced with the numbers of ERRATA.md, and each fix works."""
import math
import re

import numpy as np
import pytest

from lrcourse import flaws
from lrcourse import schedules as S
from lrcourse.flaws import schedules as F

OWNED = ["000-M3", "000-M4", "000-M5", "000-M10", "000-C2", "000-C3", "000-C4", "001-M3", "001-M11",
         "001-M12", "001-M13", "002-V1", "002-M5", "003-M1", "003-M2", "003-M3", "003-M4", "003-M5",
         "003-C2", "003-C3", "004-M1", "004-M2", "004-M3", "004-M5", "004-M6", "004-C2"]


@pytest.mark.parametrize("ident", OWNED)
def test_every_owned_id_has_repro_and_fix_returning_plain_values(ident):
    entry = flaws.registry()[ident]
    assert set(entry) == {"repro", "fix"}
    for which in ("repro", "fix"):
        assert entry[which].__module__ == "lrcourse.flaws.schedules"
        out = entry[which]()
        assert isinstance(out, dict) and out

        def plain(v):
            if isinstance(v, (list, tuple)):
                return all(plain(x) for x in v)
            return v is None or type(v) in (bool, int, float, str)
        assert all(plain(v) for v in out.values()), (ident, which, out)


def test_docstring_has_one_line_per_id():
    lines = F.__doc__.splitlines()
    for ident in OWNED:
        assert sum(line.startswith(ident + " ") for line in lines) == 1, ident


def test_000_M3_divide_by_epoch():
    r, f = F.repro_000_M3(), F.fix_000_M3()
    assert r["error_at_epoch_0"].startswith("ZeroDivisionError")
    assert r["fraction_at_half"] == pytest.approx(0.02) and r["fraction_at_end"] == pytest.approx(0.01)
    assert f["fraction_at_half"] == 0.5 and f["fraction_at_end"] == 0.0 and f["fraction_at_0"] == 1.0


def test_000_M4_compounding_recursion():
    r, f = F.repro_000_M4(), F.fix_000_M4()
    assert r["recursion_t100"] == pytest.approx(0.0054, rel=0.01)
    assert r["recursion_t500"] == pytest.approx(1.6e-67, rel=0.05)
    assert r["closed_form_t100"] == pytest.approx(0.9) and r["closed_form_first_negative_t"] == 1001
    assert f["t100"] == pytest.approx(0.9) and f["t1000"] == 0.0 and f["t1500"] == 0.0 and f["min_rate"] == 0.0


def test_000_M5_gamma_power_t_recursion():
    r, f = F.repro_000_M5(), F.fix_000_M5()
    assert r["recursion_t100"] == pytest.approx(9.1e-23, rel=0.01)
    assert r["closed_form_t100"] == pytest.approx(0.366, rel=1e-3)
    assert r["counting_from_0"] == pytest.approx(2.5e-22, rel=0.02)
    assert f["t100"] == pytest.approx(0.366, rel=1e-3) == f["recursion_by_gamma_t100"]


def test_000_M10_exponential_never_zero():
    r, f = F.repro_000_M10(), F.fix_000_M10()
    assert r["t1000"] > 0 and r["budget_1000"] < r["budget_limit"] == pytest.approx(100)
    assert r["first_exact_zero_t_float64"] > 70_000
    assert f["linear_at_T"] == 0.0 and f["cosine_at_T"] == 0.0 and f["exponential_at_T"] > 0


def test_000_C2_rate_computed_once_with_ascent():
    r, f = F.repro_000_C2(), F.fix_000_C2()
    assert r["rate"] == pytest.approx(0.00099, rel=0.01) and r["rate_first_step"] == r["rate_last_step"]
    assert r["final_loss"] == pytest.approx(31.8, rel=0.01)
    assert f["rate_first_step"] == pytest.approx(0.1) and f["rate_last_step"] < 1e-3
    assert f["final_loss"] == pytest.approx(0.00475, rel=0.01) and f["final_loss"] < 1.02 * f["optimum"]


def test_000_C3_gamma_power_T_once():
    r, f = F.repro_000_C3(), F.fix_000_C3()
    assert r["rate_g09_T1000"] == pytest.approx(1.7e-46, rel=0.03)
    assert r["final_loss_g09_T1000"] == pytest.approx(r["initial_loss"], rel=1e-12)      # nothing moves
    assert r["rate_g099_T100"] == pytest.approx(0.366, rel=1e-3)
    assert r["final_loss_g099_T100"] == pytest.approx(4.6e34, rel=0.02)
    assert f["final_loss"] == pytest.approx(f["optimum"], rel=0.01)


def test_000_C4_custom_decay_at_T():
    r, f = F.repro_000_C4(), F.fix_000_C4()
    assert r["rate"] == pytest.approx(9.99e-5, rel=1e-3)
    assert r["final_loss"] > r["initial_loss"]
    assert f["per_step_alpha_over_1_plus_t_loss"] > 50 * f["optimum"]
    assert f["gentle_inverse_time_loss"] == pytest.approx(f["optimum"], rel=1e-4)


def test_001_M3_multiple_of_pi():
    r, f = F.repro_001_M3(), F.fix_001_M3()
    assert r["lr"] > r["stability_limit"] and r["diverged"]
    assert f["max_rate"] == 0.5 and f["min_rate"] == 0.0 and f["final_loss"] < 0.01


def test_001_M11_exp_minus_t_over_T():
    assert F.repro_001_M11()["fraction_at_T"] == pytest.approx(0.368, rel=1e-3)
    f = F.fix_001_M11()
    assert f["fraction_at_T_f1e-3"] == pytest.approx(1e-3) and f["cosine_at_T"] == 0.0


def test_001_M12_negative_cosine():
    r, f = F.repro_001_M12(), F.fix_001_M12()
    assert r["negative_steps"] == 66 and r["total_steps"] == 101
    assert r["min_fraction"] == pytest.approx(-0.0896, rel=1e-3)
    assert f["negative_steps"] == 0 and f["min_fraction"] == 0.0
    assert f["final_loss_lr0_05"] < r["final_loss_lr0_05"]


def test_001_M13_optimizers_are_not_schedules():
    """A schedule only sets η_t, so an update under it is parallel to −∇L; measured on the
    optimizers' own updates: SGD's is (with or without a schedule), momentum's and Adam's are not."""
    r, f = F.repro_001_M13(), F.fix_001_M13()
    assert r["min_cosine_sgd"] > 1 - 1e-12 and r["min_cosine_sgd_with_cosine_schedule"] > 1 - 1e-12
    assert r["min_cosine_momentum"] < 0.99 and r["min_cosine_adam"] < 0.99
    for name in ("sgd", "momentum", "adam"):
        assert f[name] < 1.25 * f["optimum"]


def test_002_V1_final_fraction():
    r, f = F.repro_002_V1(), F.fix_002_V1()
    assert r["fraction_at_T"] == pytest.approx(0.01) and r["fraction_at_10T"] == pytest.approx(1e-20)
    assert f["max_abs_difference"] < 1e-15


def test_002_M5_natural_exp_is_exponential():
    assert F.repro_002_M5()["max_relative_difference"] < 1e-12
    f = F.fix_002_M5()
    assert math.log(f["gamma_for_k_0.01"]) == pytest.approx(-0.01)


def test_003_M1_not_linear():
    r, f = F.repro_003_M1(), F.fix_003_M1()
    assert abs(r["line_at_100"]) < 1e-12 and r["line_at_200"] < 0 and r["exponential_at_100"] == pytest.approx(0.366, rel=1e-3)
    assert f["ratio_min"] == pytest.approx(0.99) and f["ratio_max"] == pytest.approx(0.99)
    assert f["log_fit_max_residual"] < 1e-10


def test_003_M2_infrared():
    r, f = F.repro_003_M2(), F.fix_003_M2()
    assert 1e-11 < r["lr_iter_200_from_0.1"] < 1e-9
    assert r["final_mse_from_0.1"] == pytest.approx(0.092, rel=0.01)
    assert r["optimum_mse"] == pytest.approx(0.0094, rel=0.01)
    assert [round(x, 2) for x in r["lrs_from_0.7"][1:4]] == [0.7, 0.63, 0.91]
    assert r["lrs_from_0.7"][3] > r["fixed_rate_limit_mse"] == pytest.approx(0.756, rel=1e-3)
    assert r["overflow_at_from_0.7"] == 14
    assert math.isnan(r["factor_plateau"]) and r["factor_after_tiny_drop"] > 1e5 and r["factor_two_rises"] > 1
    for key in ("bold_final_mse_from_0.1", "bold_final_mse_from_0.7", "plateau_final_mse_from_0.1",
                "plateau_final_mse_from_0.7"):
        assert f[key] == pytest.approx(f["optimum_mse"], rel=0.01)


def test_003_M3_and_M4_open_vs_closed_loop():
    """Two data sets of different curvature: open-loop rates (fixed, exponential decay) are the
    same on both by definition (a demonstration); measured, they diverge on the steep one, where
    the closed-loop rules (bold driver, plateau) from the same 0.5 adapt and converge."""
    r3, f3, r4, f4 = F.repro_003_M3(), F.fix_003_M3(), F.repro_003_M4(), F.fix_003_M4()
    assert r3["fixed_lr_same_for_two_datasets"] and r4["same_rates_for_two_datasets"]   # by definition
    assert r3["steep_stability_limit"] < 0.5 < F.regression().stability_limit()
    assert not r3["fixed_lr_diverged_flat"] and r3["fixed_lr_diverged_steep"]
    assert not r4["diverged_flat"] and r4["diverged_steep"]
    assert r3["infrared_final_mse"] > 5 * r3["optimum_mse"]
    assert not f3["same_rates_for_two_datasets"] and f3["final_mse"] == pytest.approx(f3["optimum_mse"], rel=1e-6)
    assert abs(f3["bold_over_optimum_flat"] - 1) < 1e-6 and abs(f3["bold_over_optimum_steep"] - 1) < 1e-6
    assert not f4["same_rates_for_two_datasets"] and f4["first_cut_step"][1] < f4["first_cut_step"][0]
    assert abs(f4["over_optimum_flat"] - 1) < 0.01 and abs(f4["over_optimum_steep"] - 1) < 0.01


def test_003_M5_missing_previous_loss():
    """A demonstration: J[t − 2] at t = 1 is J[1], so the ratio is −1 by algebra."""
    r, f = F.repro_003_M5(), F.fix_003_M5()
    assert r["ratio_at_t1"] == -1.0 and r["factor_at_t1"] == 0.9
    assert 0 < f["first_ratio_t2"] < 1


def test_003_C2_per_iteration_decay_freezes():
    r, f = F.repro_003_C2(), F.fix_003_C2()
    assert r["decayed_final_mse"] == pytest.approx(0.108, rel=0.01)
    assert r["constant_final_mse"] == pytest.approx(0.0157, rel=0.01)
    assert r["budget_decayed"] < 1.0
    assert f["per_period_final_mse"] < 0.2 * r["decayed_final_mse"]
    assert f["stronger_final_mse"] == pytest.approx(f["optimum_mse"], rel=1e-6)


def test_003_C3_vector_ratio_and_builtin_max():
    r, f = F.repro_003_C3(), F.fix_003_C3()
    assert r["ratio_min"] == r["ratio_max"] == 1.0
    assert r["max_error"].startswith("ValueError: The truth value of an array")
    assert r["placeholder_error"] == "TypeError: unsupported operand type(s) for *: 'ellipsis' and 'ellipsis'"
    assert f["final_mse"] == pytest.approx(f["optimum_mse"], rel=1e-6)


def test_004_M1_schedule_scales_the_step_not_the_gradient():
    r, f = F.repro_004_M1(), F.fix_004_M1()
    assert r["max_param_difference"] < 1e-5
    assert f["first_step_ratio"] == pytest.approx(0.01) and f["loss_lr_times_0.01"] > 100 * f["loss_lr"]


def test_004_M2_M3_M6_C2_article004():
    r2, f2 = F.repro_004_M2(), F.fix_004_M2()
    assert r2["fraction_at_half"] == pytest.approx(0.9 ** 50) and r2["distinct_values"] == 100
    assert f2["linear_at_half"] == 0.5 and f2["linear_at_end"] == 0.0 and f2["step_distinct_values"] == 4
    r3 = F.repro_004_M3()
    assert r3["ratio"] > 1000
    f3 = F.fix_004_M3()
    assert f3["rate_last_step"] == pytest.approx(f3["formula_last_epoch"])
    r6 = F.repro_004_M6()          # evaluated from the article's printed formulas
    assert r6["max_difference_smooth_vs_exponential"] == 0.0 and r6["same_text"]
    assert F.fix_004_M6()["max_relative_difference"] > 0.05
    rc, fc = F.repro_004_C2(), F.fix_004_C2()
    assert rc["first_epoch_below_1e-4"] == 44 and rc["epochs_below"] == 56
    assert rc["last_epoch_rate"] == pytest.approx(2.95e-7, rel=0.01)
    assert fc["epochs_below"] == 0 and fc["last_epoch_rate"] == pytest.approx(1e-4)


def test_004_M5_schedule_saves_steps():
    """Training time = updates × work per update: the work is counted on the running loop
    (one minibatch gradient per update either way, one schedule call per update, plus one at the
    start), and the schedule needs fewer updates."""
    r, f = F.repro_004_M5(), F.fix_004_M5()
    assert r["steps_to_target"] == -1 and 0 < f["steps_to_target"] < 1000
    assert r["grad_calls_per_update"] == f["grad_calls_per_update"] == 1.0
    assert 1.0 <= f["schedule_calls_per_update"] <= 1.0 + 1 / 200


from _sources import source_article as _article  # noqa: E402  (skips when the articles are absent)


def test_article_004_formulas_are_transcribed_from_the_text():
    """Each of §3.1–§3.4 prints its formula in a $$ block; the transcription must be that text."""
    text = _article("004")
    sections = re.split(r"^## 3\.\d ", text, flags=re.M)[1:5]
    assert len(sections) == 4
    for name, section in zip(F.ARTICLE_004_FORMULAS, sections):
        block = re.search(r"\$\$\s*(.*?)\s*\$\$", section, flags=re.S).group(1)
        assert block == F.ARTICLE_004_FORMULAS[name], name


def test_article_formula_parser():
    fn, names = F.article_formula(r"y = a \times (1 - b)^{t} + \frac{c}{2}")
    assert names == {"a", "b", "t", "c"}
    assert fn(a=2.0, b=0.5, t=3, c=1.0) == pytest.approx(2 * 0.125 + 0.5)
    with pytest.raises(TypeError, match="needs"):
        fn(a=1.0)
    with pytest.raises(ValueError, match="unsupported"):
        F.article_formula(r"y = \sqrt{x}")


def test_plateau_rule_matches_torch_on_the_course_loop():
    """The losses the course's loop shows ReduceLROnPlateau, replayed into PyTorch's scheduler,
    give the same rate after every check, hence the same cut epochs (both data sets, and a
    minibatch run checked once per 20 updates)."""
    torch = pytest.importorskip("torch")
    cases = [(F.regression(), {}, 300), (F.steep_regression(), {}, 300),
             (F.regression(), {"batch_size": 5, "check_every": 20, "mse": False}, 1000)]
    for problem, kwargs, steps in cases:
        for patience in (1, 2, 4):
            run = F.loss_driven_run(problem, S.ReduceLROnPlateau(0.5, factor=0.5, patience=patience), steps, **kwargs)
            opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
            sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=patience)
            theirs = []
            for loss in run["checked"]:
                sched.step(float(loss))
                theirs.append(opt.param_groups[0]["lr"])
            np.testing.assert_allclose(run["checked_lrs"], theirs, rtol=1e-15)
            assert F.plateau_cuts(run["checked_lrs"]) == F.plateau_cuts(theirs)
            assert F.plateau_cuts(theirs)                       # at least one cut happened


def test_smith_one_cycle_shape():
    s, m = F.smith_one_cycle(1.0, 100), F.smith_one_cycle_momentum(100)
    r, mom = S.evaluate(s, 101), S.evaluate(m, 101)
    assert r[0] == pytest.approx(0.1) and r[45] == pytest.approx(1.0) and r[90] == pytest.approx(0.1)
    assert r[100] == pytest.approx(0.001) and int(np.argmax(r)) == 45
    np.testing.assert_allclose(np.diff(r[:45]), 0.9 / 45)                # linear up ...
    np.testing.assert_allclose(np.diff(r[45:90]), -0.9 / 45)             # ... and down, equal lengths
    assert mom[0] == 0.95 and mom[45] == pytest.approx(0.85) and np.all(mom[90:] == 0.95)


def test_run_rates_matches_library_gd():
    """run_rates (any sign) agrees with minimize + SGD for a non-negative schedule."""
    from lrcourse.optimizers import SGD
    from lrcourse.train import minimize
    p = F.regression()
    s = S.cosine_annealing(0.5, 50)
    ours = F.run_rates(p, S.evaluate(s, 50))
    lib = minimize(p, SGD(s), 50, np.zeros(2)).losses
    np.testing.assert_allclose(ours, lib, rtol=1e-12)
    both = F.run_rates(p, np.stack([S.evaluate(s, 50)] * 2, axis=1))
    np.testing.assert_allclose(both[:, 1], lib, rtol=1e-12)


def test_loss_driven_run_rejects_bad_steps():
    p = F.regression()
    run = F.loss_driven_run(p, S.BoldDriver(3.0, reject=True), 200)
    assert np.all(np.diff(run["losses"]) <= 0)          # rejected steps never raise the loss
    assert run["losses"][-1] == pytest.approx(2 * p.min_loss(), rel=1e-6)


def test_infrared_formula_vs_code():
    p = F.regression()
    code = F.infrared_run(p, 0.1, steps=300)
    formula = F.infrared_run(p, 0.1, steps=300, compounding=False)
    assert code["lrs"][-1] < 1e-9 < 0.05 < formula["lrs"][-1]


def test_loss_driven_run_uses_the_minibatches_of_sweep():
    """With a controller that never changes the rate, loss_driven_run reproduces sweep exactly."""
    from lrcourse.optimizers import SGD
    from lrcourse.train import sweep
    p = F.regression()
    res = sweep(p, lambda lr: SGD(lr), [0.5], 200, np.zeros(2), batch_size=5, seed=0)
    run = F.loss_driven_run(p, S.ReduceLROnPlateau(0.5, patience=10**6), 200, mse=False, batch_size=5,
                            check_every=20)
    np.testing.assert_allclose(run["losses"], res.losses[:, 0], rtol=1e-12)
