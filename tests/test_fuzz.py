"""Fuzzing the public API, one argument at a time (issue 17, "any machine, every time").

Every case replaces ONE argument of a valid call with a nasty value and checks that the call
either raises a TypeError/ValueError whose message names that argument, or returns a sensible
result: finite numbers (NaN/inf only where documented: a non-finite or huge (> 1e150) input
may overflow, and a growing schedule, gamma > 1, may reach inf). Objects that are returned
(schedules, optimizers, problems, networks) are exercised at once, so a bad value cannot be
accepted now and fail later. Warnings are errors, and every case runs under a 10 s alarm.

No case allocates much: every size in the catalogue is either small or above the library's
bounds (2**31 - 1 for sizes, 2**53 for steps), where it must be refused before any allocation.
"""
from __future__ import annotations

import math
import signal
import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lrcourse import datasets, init, mlp, optimizers, problems, schedules

# ------------------------------------------------------------------ the catalogue


def _scalar_only(t):
    return 0.1 if t < 5 else 0.01


NASTY = [
    math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -1, -0.5, 0, -0.0, 0.5, 3, 2.5,
    True, False, np.bool_(True), 1 + 2j, "0.1", "abc", "False", None, [1, 2], [[1], [1, 2]], {},
    lambda *a, **k: 0.1, _scalar_only, np.array(0.5), np.array([]), np.array([1.0, 2.0]),
    np.zeros((0, 2)), np.int64(3), np.float32(0.5), np.float32("nan"), np.uint8(3),
    10**400, -10**400, 2**63, -2**63, 2**31, 2**53 + 1, Fraction(1, 3), Decimal("0.1"),
    np.array(["a"]), np.array([1, None], dtype=object), np.array([1 + 1j]), np.full(3, np.nan),
    np.full((2, 2), 1e200), np.full(13, 1e200),
]
"""The scalar and array values every argument gets (each case tries all of them)."""

_shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=4)
_small_arrays = st.one_of(
    hnp.arrays(np.float64, _shapes, elements=st.floats(allow_nan=True, allow_infinity=True) | st.just(1e300)),
    hnp.arrays(np.float32, _shapes, elements=st.floats(allow_nan=True, allow_infinity=True, width=32)),
    hnp.arrays(np.int64, _shapes, elements=st.integers(-3, 3)),
)
RANDOM = st.one_of(
    st.sampled_from(NASTY),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10, 1000),                              # small: a valid size allocates little
    st.sampled_from([2**31, 2**62, 2**63 - 1, 2**64, 10**20, 10**400]),
    st.text(max_size=3),
    st.lists(st.floats(-2, 2), max_size=3),
    _small_arrays,
)
"""Hypothesis's random nasty values: sizes are small or beyond the bounds."""


# ------------------------------------------------------------------ the oracle

def _numbers(x):
    """Every number in a result (floats, arrays, tuples, lists, dicts)."""
    if isinstance(x, dict):
        for v in x.values():
            yield from _numbers(v)
    elif isinstance(x, (tuple, list)):
        for v in x:
            yield from _numbers(v)
    elif isinstance(x, (bool, np.bool_)):
        return
    elif isinstance(x, (int, float, np.number, np.ndarray)):
        arr = np.asarray(x)
        assert arr.dtype.kind in "iuf", f"result of dtype {arr.dtype}"
        yield arr


def _huge(value) -> bool:
    """A non-finite or huge (> 1e150) number anywhere in ``value``: overflow is documented."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return isinstance(value, int) and abs(value) > 1e150
    return bool(arr.size) and not bool(np.all(np.abs(arr) <= 1e150))


def _alarm(signum, frame):
    raise TimeoutError("case took more than 10 s")


def check(call, value, name, exercise=None, *, strict=False, allow_inf=False, user_callable=False):
    """``call(value)`` raises a TypeError/ValueError naming ``name``, or returns a sensible result.

    ``exercise(result)`` uses the returned object; its numbers are checked too. Non-finite
    numbers are allowed if ``value`` is huge or non-finite, unless ``strict``; +inf is allowed
    if ``allow_inf``. NaN never is in strict mode. With ``user_callable``, a callable ``value``
    may raise anything: that is the user's own function failing, correctly propagated.
    """
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, 10.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                out = call(value)
                if exercise is not None:
                    out = exercise(out)
            except Exception as exc:
                if user_callable and callable(value):
                    return
                if not isinstance(exc, (TypeError, ValueError)):
                    raise
                assert name in str(exc), f"{name}={value!r}: {type(exc).__name__} does not name it: {exc}"
                return
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    may_overflow = not strict and _huge(value)
    for arr in _numbers(out):
        if arr.dtype.kind == "f" and not may_overflow:
            bad = np.isnan(arr) | (np.isinf(arr) & (not allow_inf or arr < 0))
            assert not bad.any(), f"{name}={value!r} gave {arr!r}"


# ------------------------------------------------------------------ the cases

def _vary(fn, base, arg):
    return lambda v: fn(**{**base, arg: v})


STEPS = [0, 1, 7, 10**6, 2**53, np.array([0, 1, 7, 10**6])]


def _use_schedule(s):
    return [s(t) for t in STEPS] + [schedules.evaluate(s, 20)]


def _use_stateful(sch):
    return [sch.step(loss) for loss in (1.0, 0.5, 0.7, 0.7, 0.7, math.nan)]


SCHEDULES = {
    "constant": (schedules.constant, dict(lr=0.1)),
    "step_decay": (schedules.step_decay, dict(lr=0.1, step_size=3, gamma=0.5)),
    "multistep_decay": (schedules.multistep_decay, dict(lr=0.1, milestones=[2, 5], gamma=0.5)),
    "piecewise_constant": (schedules.piecewise_constant, dict(boundaries=[2, 5], values=[0.1, 0.05, 0.01])),
    "exponential_decay": (schedules.exponential_decay, dict(lr=0.1, gamma=0.5, period=2, staircase=False)),
    "natural_exp_decay": (schedules.natural_exp_decay, dict(lr=0.1, k=0.1)),
    "inverse_time_decay": (schedules.inverse_time_decay, dict(lr=0.1, k=0.1, period=2, staircase=True)),
    "linear_decay": (schedules.linear_decay, dict(lr=0.1, total_steps=10, end_lr=0.01)),
    "polynomial_decay": (schedules.polynomial_decay, dict(lr=0.1, total_steps=10, end_lr=0.01, power=2.0)),
    "cosine_annealing": (schedules.cosine_annealing, dict(lr_max=0.1, total_steps=10, lr_min=0.01)),
    "cosine_restarts": (schedules.cosine_restarts, dict(lr_max=0.1, first_period=3, period_mult=2, lr_min=0.01)),
    "one_cycle": (schedules.one_cycle, dict(max_lr=0.1, total_steps=20, pct_start=0.3, div_factor=25.0,
                                            final_div_factor=1e4, anneal="cos")),
    "triangular_cyclic": (schedules.triangular_cyclic, dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    "inverse_sqrt": (schedules.inverse_sqrt, dict(d_model=512.0, warmup_steps=4)),
    "linear_warmup": (schedules.linear_warmup, dict(schedule=schedules.cosine_annealing(0.1, 10),
                                                    warmup_steps=3, start_factor=0.1)),
    "join": (schedules.join, dict(schedules=[schedules.constant(0.1), schedules.linear_decay(0.1, 5)],
                                  boundaries=[4])),
}
GROWING = {"step_decay", "multistep_decay", "exponential_decay"}   # gamma > 1 may reach inf (documented)
STATEFUL = {
    "ReduceLROnPlateau": (schedules.ReduceLROnPlateau, dict(lr=0.1, factor=0.5, patience=1, threshold=1e-4,
                                                            threshold_mode="rel", cooldown=1, min_lr=0.0,
                                                            eps=1e-8)),
    "BoldDriver": (schedules.BoldDriver, dict(lr=0.1, increase=1.05, decrease=0.5, reject=True)),
}

OPTIMIZERS = {
    "SGD": (optimizers.SGD, dict(lr=0.1, momentum=0.9, dampening=0.0, nesterov=True, weight_decay=0.01)),
    "EMAMomentum": (optimizers.EMAMomentum, dict(lr=0.1, beta=0.9)),
    "Adagrad": (optimizers.Adagrad, dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1,
                                         eps=1e-10, eps_inside_sqrt=False)),
    "RMSprop": (optimizers.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.01, momentum=0.5,
                                         centered=True, eps_inside_sqrt=False)),
    "Adam": (optimizers.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=True)),
    "AdamW": (optimizers.AdamW, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=False)),
}


def _use_optimizer(opt, params=None):
    p = np.array([1.0, -2.0, 0.5]) if params is None else params
    state = opt.init(p)
    for g in ([1.0, -2.0, 0.5], [0.5, 0.0, -1.0], [1.0, 1.0, 1.0]):
        p, state = opt.update(p, np.array(g), state)
    return p, state


def _update_case(opt_name, what):
    """Vary one input of ``update``: params, grads, the state, state['step'] or a buffer."""
    fn, base = OPTIMIZERS[opt_name]
    opt = fn(**base)
    p, g = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -0.2])
    state = opt.update(p, g, opt.init(p))[1]

    def call(v):
        if what == "params":
            return opt.update(v, g, state)
        if what == "grads":
            return opt.update(p, v, state)
        if what == "state":
            return opt.update(p, g, v)
        return opt.update(p, g, {**state, what: v})
    return call, (f"state[{what!r}]" if what not in ("params", "grads", "state") else what)


def _problem_cases():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    X, y = problems.make_linear_data(n=8)
    rng = np.random.default_rng(0)
    q, lin, ros = problems.Quadratic(A, [1.0, -1.0], 0.5), problems.LinearRegression(X, y), problems.Rosenbrock()

    def use(pr):
        th = np.linspace(0.5, -0.25, pr.dim)
        return pr.loss(th), pr.grad(th), pr.minimizer()

    cases = []
    for fn, base in [(problems.Quadratic, dict(A=A, b=[1.0, -1.0], c=0.5)),
                     (problems.Quadratic.from_condition, dict(kappa=10.0, lam_max=2.0, angle=0.3)),
                     (problems.LinearRegression, dict(X=X, y=y, fit_intercept=True)),
                     (problems.Rosenbrock, dict(a=1.0, b=100.0))]:
        cases += [(f"{fn.__qualname__}.{arg}", _vary(fn, base, arg), arg, use) for arg in base]
    base = dict(n=10, w=2.0, b=1.0, noise=0.1, seed=0)
    cases += [(f"make_linear_data.{arg}", _vary(problems.make_linear_data, base, arg), arg, None) for arg in base]
    for name, pr in [("Quadratic", q), ("LinearRegression", lin), ("Rosenbrock", ros)]:
        th = np.array([0.5, -0.25])
        cases += [(f"{name}.loss.theta", pr.loss, "theta", None),
                  (f"{name}.grad.theta", pr.grad, "theta", None),
                  (f"{name}.stochastic_grad.theta", lambda v, pr=pr: pr.stochastic_grad(v, rng, 2), "theta", None),
                  (f"{name}.stochastic_grad.batch_size", lambda v, pr=pr, th=th: pr.stochastic_grad(th, rng, v),
                   "batch_size", None)]
    cases += [("LinearRegression.stochastic_grad.rng", lambda v: lin.stochastic_grad([0.5, -0.25], v, 2), "rng", None)]
    cases += [("Rosenbrock.hessian.theta", ros.hessian, "theta", None),
              ("LinearRegression.predict.theta", lambda v: lin.predict(v, [0.5, 2.0]), "theta", None),
              ("LinearRegression.predict.x", lambda v: lin.predict([1.0, 2.0], v), "x", None)]
    return cases


def _mlp_cases():
    net = mlp.MLP([2, 3, 1])
    P, X, y = net.init_params(), np.array([[0.5, -1.0], [1.0, 2.0], [0.0, 0.3], [-1.0, 1.0]]), np.array([0, 1, 0, 1])

    def use_net(m):
        p = m.init_params()
        return m.loss(p, X, y), m.grad(p, X, y), m.accuracy(p, X, y), m.layer_stats(p, X, y)

    def use_problem(c):
        p = c.init_params()
        return c.loss(p), c.grad(p), c.accuracy(p), c.stochastic_grad(p, np.random.default_rng(0), 2)

    base = dict(sizes=[2, 3, 1], activation="tanh", init="xavier_normal", seed=0)
    cases = [(f"MLP.{arg}", _vary(mlp.MLP, base, arg), arg, use_net) for arg in base if arg != "init"]
    cases += [("MLP.init", _vary(mlp.MLP, base, "init"), "init", use_net, dict(user_callable=True))]
    cases += [("MLP.sizes[1]", lambda v: mlp.MLP([2, v, 1]), "sizes[1]", use_net)]
    for method in ("loss", "grad", "accuracy", "layer_stats"):
        f = getattr(net, method)
        cases += [(f"MLP.{method}.params", lambda v, f=f: f(v, X, y), "params", None),
                  (f"MLP.{method}.X", lambda v, f=f: f(P, v, y), "X", None),
                  (f"MLP.{method}.y", lambda v, f=f: f(P, X, v), "y", None)]
    cases += [("MLP.forward.X", lambda v: net.forward(P, v), "X", None),
              ("MLP.predict_proba.params", lambda v: net.predict_proba(v, X), "params", None),
              ("MLP.unflatten.params", net.unflatten, "params", None)]
    base = dict(mlp=net, X=X, y=y)
    cases += [(f"Classification.{arg}", _vary(mlp.Classification, base, arg), arg, use_problem) for arg in base]
    c = mlp.Classification(net, X, y)
    cases += [("Classification.loss.theta", c.loss, "theta", None),
              ("Classification.grad.theta", c.grad, "theta", None),
              ("Classification.stochastic_grad.batch_size",
               lambda v: c.stochastic_grad(P, np.random.default_rng(0), v), "batch_size", None)]
    return cases


def _init_cases():
    cases = []
    for name, fn in init.INITIALIZERS.items():
        base = dict(fan_in=3, fan_out=4, rng=np.random.default_rng(0))
        if name.startswith("xavier"):
            base["gain"] = 1.0
        if name == "gaussian":
            base["std"] = 0.01
        cases += [(f"{name}.{arg}", _vary(fn, base, arg), arg, None) for arg in base]
    return cases


def _dataset_cases():
    cases = []
    for fn, base in [(datasets.two_moons, dict(n=20, noise=0.1, seed=0)),
                     (datasets.spirals, dict(n=20, noise=0.2, turns=1.5, seed=0))]:
        cases += [(f"{fn.__name__}.{arg}", _vary(fn, base, arg), arg, None) for arg in base]
    return cases


def _cases():
    """(id, call, argument name, exercise, options) for every argument of the public API."""
    out = []
    for sname, (fn, base) in SCHEDULES.items():
        for arg in base:
            opts = dict(strict=True, allow_inf=sname in GROWING and arg == "gamma")
            out.append((f"{sname}.{arg}", _vary(fn, base, arg), arg, _use_schedule, opts))
        s = fn(**base)
        out.append((f"{sname}(step)", s, "step", None, dict(strict=True)))
        out.append((f"evaluate({sname}, steps)", lambda v, s=s: schedules.evaluate(s, v), "steps", None,
                    dict(strict=True)))
    out.append(("evaluate.schedule", lambda v: schedules.evaluate(v, 5), "schedule", None, dict(strict=True)))
    for sname, (fn, base) in STATEFUL.items():
        for arg in base:
            out.append((f"{sname}.{arg}", _vary(fn, base, arg), arg, _use_stateful, dict(strict=True)))
        out.append((f"{sname}.step(loss)", lambda v, fn=fn, base=base: fn(**base).step(v), "loss", None, {}))
    for oname, (fn, base) in OPTIMIZERS.items():
        for arg in base:
            out.append((f"{oname}.{arg}", _vary(fn, base, arg), arg, _use_optimizer, {}))
        opt = fn(**base)
        buffers = list(opt.init(np.zeros(3)))
        for what in ["params", "grads", "state"] + buffers:
            call, name = _update_case(oname, what)
            out.append((f"{oname}.update.{what}", call, name, None, {}))
    out += [(c + ({},))[:5] for c in _problem_cases() + _mlp_cases() + _init_cases() + _dataset_cases()]
    return out


CASES = _cases()
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_catalogue(case):
    """Every catalogue value for this argument."""
    _, call, name, use, opts = case
    for value in NASTY:
        check(call, value, name, use, **opts)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@settings(max_examples=12, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(value=RANDOM)
def test_random(case, value):
    """Hypothesis's random nasty values for this argument."""
    _, call, name, use, opts = case
    check(call, value, name, use, **opts)


def test_catalogue_covers_every_public_name():
    """Every schedule factory and optimizer of the public API is in the fuzz tables."""
    factories = {n for n in schedules.__all__ if n[0].islower() and n != "evaluate"}
    assert factories == set(SCHEDULES)
    assert {"ReduceLROnPlateau", "BoldDriver"} == set(STATEFUL)
    assert set(optimizers.__all__) - {"Optimizer"} == set(OPTIMIZERS)
    assert set(init.INITIALIZERS) <= {c[0].split(".")[0] for c in CASES}
