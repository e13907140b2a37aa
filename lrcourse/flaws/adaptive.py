"""Flaws of articles 001 and 002 about AdaGrad, RMSProp and Adam (chapter "AdaGrad, RMSProp and
Adam"), in our own code.

- 001-M7  §3.4: Adam called "accelerated gradient descent"; it is adaptive moment estimation,
  whose step ignores the gradient's scale (an accelerated gradient method's step does not).
- 001-M8  §3.4, B§2.6: Adam's formulas with m^2 for g^2, an inverted bias correction of v, no
  step size, no correction of m and no eps: for a constant gradient the step is 1000 at t = 1.
- 001-M9  B§2.6: Adam = "momentum + gradient accumulation"; it is momentum + an RMSProp-style
  second moment + bias correction. Any momentum fed accumulated gradients is linear in the
  gradients; Adam is not (it ignores a change of units of a coordinate).
- 001-M16 §3.4 step 1: m, beta1, beta2 "randomly chosen"; the betas are fixed hyperparameters
  (0.9, 0.999) and m, v start at 0.
- 001-C4  §4.5: the Adam sample crashes on shapes; patched, its first step is 10x the nominal
  lr and it walks away from the data (predictions about -27, -41, -54).
- 001-C5  §4.5 vs §3.4: the Adam code and the Adam formulas are two different algorithms, and
  neither is Adam.
- 002-V2  §3.2.1: AdaGrad with eps inside the square root: a real variant (Keras 3); it
  matters only for tiny gradients.
- 002-V3  §3.2.2: RMSProp with eps inside the square root: the same.
- 002-M4  §3.2.3: v_t called the "second moment (variance)"; it is the uncentred mean of g^2.
- 002-M6  §3.2.1: AdaGrad's eta called the "initial" learning rate; it is a constant global
  step size (the first update does not use the rate eta), and the shrinking happens in the
  denominator.
- 002-M1  §2.1.3 and §3.2 (ERRATA.md: "002 minor (§2.1.3)"): adaptive methods said to lift the
  burden of tuning the learning rate; Adam's result still swings by orders of magnitude with it.

Numbers on article 001's data use the MSE convention of ERRATA.md (see
:mod:`lrcourse.flaws.momentum`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .._checks import check_betas, check_nonnegative
from ..optimizers import SGD, Adagrad, Adam, EMAMomentum, Optimizer, RMSprop
from ..problems import LinearRegression, Quadratic, Rosenbrock, article001_data
from ..train import minimize, sweep
from .momentum import X_TEST, article001_problem, article001_stream

__all__ = [
    "AdamVariant", "article_text_adam", "article_code_adam", "adam_on_whole_batch",
    "article_code_adam_patched", "constant_gradient_steps", "first_step", "RaceProblem",
    "race_problems", "RACE_OPTIMIZERS", "tune_lr", "sparse_regression",
    "repro_001_M7", "fix_001_M7", "repro_001_M8", "fix_001_M8", "repro_001_M9", "fix_001_M9",
    "repro_001_M16", "fix_001_M16", "repro_001_C4", "fix_001_C4", "repro_001_C5", "fix_001_C5",
    "repro_002_V2", "fix_002_V2", "repro_002_V3", "fix_002_V3", "repro_002_M4", "fix_002_M4",
    "repro_002_M6", "fix_002_M6", "repro_002_M1", "fix_002_M1",
    "article002_adagrad_steps", "keras_adagrad", "keras_rmsprop", "EPS_PLACEMENT", "FRAMEWORKS",
    "RMS_S0", "installed_frameworks", "framework_defaults", "defaults_markdown", "M9_SCALE",
]

_V_CORRECTIONS = {"standard", "none", "inverted"}


class AdamVariant(Optimizer):
    r"""Adam with switches, to reproduce the articles' variants and to see what each part does::

        m_t = beta1 m_{t-1} + (1 - beta1) g_t                  (m_0 = v_0 = 0)
        v_t = beta2 v_{t-1} + (1 - beta2) s_t**2,   s = g (Adam) or m (second_moment_of="m")
        m^ = m_t / (1 - beta1**t)          if correct_m else m_t
        v^ = v_t / (1 - beta2**t)          v_correction="standard" (Adam)
             v_t                           "none"
             v_t * (1 - beta2**t)          "inverted"
        theta_t = theta_{t-1} - lr * m^ / (sqrt(v^) + eps)

    With the defaults it is :class:`lrcourse.optimizers.Adam` (without weight decay). eps may
    be 0 here (the article's formulas have none).
    """

    _buffers = ("exp_avg", "exp_avg_sq")

    def __init__(self, lr: Any, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 correct_m: bool = True, v_correction: str = "standard",
                 second_moment_of: str = "g") -> None:
        super().__init__(lr)
        self.betas = check_betas(betas)
        self.eps = check_nonnegative("eps", eps)
        if v_correction not in _V_CORRECTIONS:
            raise ValueError(f"v_correction must be one of {sorted(_V_CORRECTIONS)}, got {v_correction!r}")
        if second_moment_of not in ("g", "m"):
            raise ValueError(f"second_moment_of must be 'g' or 'm', got {second_moment_of!r}")
        self.correct_m = bool(correct_m)
        self.v_correction = v_correction
        self.second_moment_of = second_moment_of

    def _step(self, p, g, state, lr, t):
        b1, b2 = self.betas
        m = b1 * state["exp_avg"] + (1 - b1) * g
        s = g if self.second_moment_of == "g" else m
        v = b2 * state["exp_avg_sq"] + (1 - b2) * s * s
        m_hat = m / (1 - b1**t) if self.correct_m else m
        scale = {"standard": 1 / (1 - b2**t), "none": 1.0, "inverted": 1 - b2**t}[self.v_correction]
        return p - lr * m_hat / (np.sqrt(v * scale) + self.eps), {"exp_avg": m, "exp_avg_sq": v}


def article_text_adam(beta2: float = 0.999) -> AdamVariant:
    """FLAWED (001-M8): the update of article 001's §3.4 / B§2.6 formulas.

    v averages m**2, the "bias correction" multiplies the step by 1/sqrt(1 - beta2**t) (Adam
    divides by it), m is not corrected, there is no step size (lr = 1) and no eps. The text
    gives no beta values; beta1 = 0.9 as usual, beta2 as passed.
    """
    return AdamVariant(1.0, betas=(0.9, beta2), eps=0.0, correct_m=False,
                       v_correction="inverted", second_moment_of="m")


def article_code_adam(lr: float = 0.01) -> AdamVariant:
    """FLAWED (001-C4, 001-C5): the update of article 001's §4.5 code: v averages m**2, no bias
    correction at all, beta2 = 0.99, eps = 1e-8 added after the square root."""
    return AdamVariant(lr, betas=(0.9, 0.99), eps=1e-8, correct_m=False,
                       v_correction="none", second_moment_of="m")


def constant_gradient_steps(optimizer: Optimizer, steps: int, g: float = 1.0) -> np.ndarray:
    """Sizes |theta_t - theta_{t-1}| of the first ``steps`` updates when every gradient is ``g``."""
    theta = np.zeros(1)
    state = optimizer.init(theta)
    out = np.empty(steps)
    for t in range(steps):
        new, state = optimizer.update(theta, np.array([g]), state)
        out[t], theta = abs(new[0] - theta[0]), new
    return out


def first_step(optimizer: Optimizer, g: Any, state: dict | None = None) -> np.ndarray:
    """The first update ``theta_1 - theta_0`` of ``optimizer`` from 0 for the gradient ``g``."""
    g = np.atleast_1d(np.asarray(g, dtype=float))
    theta = np.zeros_like(g)
    state = optimizer.init(theta) if state is None else state
    return optimizer.update(theta, g, state)[0] - theta


# ------------------------------------------------------------------------- 001-M8, 001-C5

def repro_001_M8() -> dict:
    """Step sizes of the article's formulas for a constant gradient g = 1 at t = 1, 10, 10^4."""
    out = {}
    for b2 in (0.999, 0.99):
        s = constant_gradient_steps(article_text_adam(b2), 10_000)
        out[f"beta2={b2}"] = {"t=1": float(s[0]), "t=10": float(s[9]), "t=10000": float(s[-1])}
    tiny = constant_gradient_steps(article_text_adam(0.999), 1, g=1e-6)[0]
    out["step_t1_for_g=1e-6"] = float(tiny)
    return out


def fix_001_M8() -> dict:
    """Kingma & Ba's Adam (lr 0.001) for the same constant gradient: 0.001 at every step."""
    s = constant_gradient_steps(Adam(0.001), 10_000)
    return {"t=1": float(s[0]), "t=10": float(s[9]), "t=10000": float(s[-1]),
            "max_abs_deviation_from_lr": float(np.max(np.abs(s - 0.001)))}


def repro_001_C5() -> dict:
    """The §3.4 formulas and the §4.5 code are different algorithms: their steps for g = 1."""
    text = constant_gradient_steps(article_text_adam(0.99), 100)
    code = constant_gradient_steps(article_code_adam(0.01), 100)
    return {"text_steps_t1_t10_t100": [float(text[0]), float(text[9]), float(text[99])],
            "code_steps_t1_t10_t100": [float(code[0]), float(code[9]), float(code[99])]}


def fix_001_C5() -> dict:
    """Adam with the code's lr 0.01 and beta2 0.99: 0.01 per step for a constant gradient."""
    s = constant_gradient_steps(Adam(0.01, betas=(0.9, 0.99)), 100)
    return {"adam_steps_t1_t10_t100": [float(s[0]), float(s[9]), float(s[99])]}


# --------------------------------------------------------------------------------- 001-C4

def adam_on_whole_batch(lr: float = 0.01, steps: int = 1000) -> np.ndarray:
    """FLAWED (001-C4): the article's Adam loop with the per-sample "gradient" 2 (X - theta).

    As in 001-C3 the gradient has shape (100, 1) and the in-place update of theta fails.
    """
    _, X, _ = article001_stream()
    theta, m, v = np.zeros(1), np.zeros(1), np.zeros(1)
    for _ in range(steps):
        per_sample = 2 * (X - theta)
        m = 0.9 * m + 0.1 * per_sample
        v = 0.99 * v + 0.01 * m**2                 # m squared, where Adam squares the gradient
        theta -= lr / (np.sqrt(v) + 1e-8) * m      # no bias correction
    return theta


def article_code_adam_patched(lr: float = 0.01, steps: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The same loop with the shapes patched (the per-sample "gradient" averaged over the data).

    Returns (step sizes (steps,), final theta (1,)). The "gradient" 2 (mean x - theta) still
    ignores y and points the wrong way, so theta walks off towards minus infinity.
    """
    _, X, _ = article001_stream()
    opt = article_code_adam(lr)
    theta = np.zeros(1)
    state = opt.init(theta)
    sizes = np.empty(steps)
    for t in range(steps):
        new, state = opt.update(theta, np.mean(2 * (X - theta), axis=0), state)
        sizes[t], theta = abs(new[0] - theta[0]), new
    return sizes, theta


def repro_001_C4() -> dict:
    """Article 001 §4.5: the shape crash, then the patched run's steps and predictions."""
    try:
        adam_on_whole_batch()
        error = ""
    except ValueError as err:
        error = str(err)
    sizes, theta = article_code_adam_patched()
    return {"error": error, "first_steps": [float(s) for s in sizes[:3]],
            "first_step_over_lr": float(sizes[0] / 0.01),
            "predictions": [float(v) for v in X_TEST * theta[0]]}


def fix_001_C4() -> dict:
    """Adam (lr 0.1, default betas) on (b, w) from 0, MSE gradient, 1000 steps."""
    problem = article001_problem()
    traj = minimize(problem, Adam(0.1), 1000, np.zeros(2))
    pred = problem.predict(traj.params[-1], X_TEST)
    lstsq = problem.predict(problem.minimizer(), X_TEST)
    return {"predictions": [float(v) for v in pred], "lstsq_predictions": [float(v) for v in lstsq],
            "first_step": [float(v) for v in traj.params[1] - traj.params[0]],
            "max_abs_gap_to_lstsq": float(np.max(np.abs(pred - lstsq)))}


# --------------------------------------------------------------------------------- 001-M7

def repro_001_M7() -> dict:
    """Accelerated gradient descent (Nesterov momentum) moves in proportion to the gradient:
    multiply the loss by 1000 and its first step is 1000 times longer."""
    base = np.array([0.3, -2.0])
    nag = [np.linalg.norm(first_step(SGD(0.01, momentum=0.9, nesterov=True), c * base)) for c in (1, 1000)]
    return {"nesterov_first_step": float(nag[0]), "nesterov_first_step_loss_x1000": float(nag[1]),
            "ratio": float(nag[1] / nag[0])}


def fix_001_M7() -> dict:
    """Adam's first step has length lr in every coordinate whatever the loss's scale."""
    base = np.array([0.3, -2.0])
    steps = {c: first_step(Adam(0.01), c * base) for c in (1e-3, 1, 1000)}
    return {f"adam_first_step_scale_{c:g}": [float(v) for v in s] for c, s in steps.items()} | {
        "ratio": float(np.linalg.norm(steps[1000]) / np.linalg.norm(steps[1]))}


# --------------------------------------------------------------------------------- 001-M9

def _step_stream(optimizer: Optimizer, grads: np.ndarray) -> np.ndarray:
    """The updates theta_t - theta_{t-1} of ``optimizer`` fed the gradient stream ``grads`` (T, d),
    open loop (the gradients do not depend on theta), from theta = 0."""
    theta = np.zeros(grads.shape[1])
    state = optimizer.init(theta)
    out = np.empty_like(grads)
    for t, g in enumerate(grads):
        new, state = optimizer.update(theta, g, state)
        out[t], theta = new - theta, new
    return out


def _micro_batch_stream(steps: int = 100, seed: int = 0) -> np.ndarray:
    """(steps, 8, 2) minibatch gradients of article 001's least squares (batches of 5) at the
    points of a slow gradient-descent path, so they look like a real run's gradients."""
    problem = LinearRegression(*article001_data())
    rng = np.random.default_rng(seed)
    theta, out = np.zeros(2), np.empty((steps, 8, 2))
    for t in range(steps):
        out[t] = [problem.stochastic_grad(theta, rng, 5) for _ in range(8)]
        theta = theta - 0.05 * problem.grad(theta)
    return out


#: How coordinate 0 of the gradient is rescaled in 001-M9 (a change of units of one parameter).
M9_SCALE = np.array([1000.0, 1.0])


def repro_001_M9() -> dict:
    """"Momentum + gradient accumulation", read as broadly as possible: heavy ball (beta 0.9) fed the
    sum of k micro-batch gradients, k = 1, 2, 4, 8. Every such method is linear in the
    gradients: rescale coordinate 0 of every gradient by 1000 and its steps in that coordinate
    grow 1000-fold. Adam's do not (its second moment divides the scale out), so Adam is not in
    this family. Measured on the same stream of minibatch gradients of article 001's data."""
    stream = _micro_batch_stream()
    out = {}
    for k in (1, 2, 4, 8):
        acc = stream[:, :k].sum(axis=1)
        base = _step_stream(SGD(0.01, momentum=0.9), acc)
        scaled = _step_stream(SGD(0.01, momentum=0.9), acc * M9_SCALE)
        out[f"accumulate_{k}_step_ratio"] = [float(v) for v in np.median(scaled / base, axis=0)]
    g = stream[:, 0]
    ratio = _step_stream(Adam(0.01), g * M9_SCALE) / _step_stream(Adam(0.01), g)
    out["adam_step_ratio"] = [float(v) for v in np.median(ratio, axis=0)]
    out["adam_step_ratio_max_deviation"] = float(np.max(np.abs(ratio - 1)))
    return out


def fix_001_M9() -> dict:
    """Adam's step rebuilt from an EMA-momentum buffer and an RMSprop square average (both with
    Adam's betas and zero start) plus the two bias corrections equals Adam's step."""
    problem = article001_problem()
    b1, b2, lr, eps = 0.9, 0.999, 0.01, 1e-8
    adam, mom, rms = Adam(lr, betas=(b1, b2), eps=eps), EMAMomentum(1.0, b1), RMSprop(1.0, alpha=b2)
    theta = np.zeros(2)
    sa, sm, sr = adam.init(theta), mom.init(theta), rms.init(theta)
    gap = 0.0
    for t in range(1, 201):
        g = problem.grad(theta)
        _, sm = mom.update(theta, g, sm)
        _, sr = rms.update(theta, g, sr)
        rebuilt = theta - lr * (sm["velocity"] / (1 - b1**t)) / (np.sqrt(sr["square_avg"] / (1 - b2**t)) + eps)
        theta, sa = adam.update(theta, g, sa)
        gap = max(gap, float(np.max(np.abs(rebuilt - theta))))
    return {"max_gap_rebuilt_vs_adam": gap}


# -------------------------------------------------------------------------------- 001-M16

def repro_001_M16() -> dict:
    """A random m0 (the article's step 1 picks m "at random"; v is never initialised, take 0):
    with beta1 = 0.9 the bias-corrected m^_1 is g + 9 m0, so the first step's length and
    direction are set by m0, not by the gradient."""
    g = np.array([0.5, -0.2])
    opt = Adam(0.01)
    state = opt.init(np.zeros(2))
    state["exp_avg"] = np.random.default_rng(0).standard_normal(2)
    step = first_step(opt, g, state)
    return {"m0": [float(v) for v in state["exp_avg"]], "first_step_over_lr": [float(v) for v in step / 0.01]}


def fix_001_M16() -> dict:
    """m0 = v0 = 0 and betas (0.9, 0.999): the first step is -lr * g / (|g| + eps), length lr
    in each coordinate, against the gradient's sign."""
    g = np.array([0.5, -0.2])
    step = first_step(Adam(0.01), g)
    return {"first_step_over_lr": [float(v) for v in step / 0.01],
            "against_gradient": bool(np.all(np.sign(step) == -np.sign(g)))}


# --------------------------------------------------------------------- 002-V2, 002-V3 (eps)

_GRAD_SCALES = (1.0, 1e-2, 1e-4, 1e-6)


def _first_steps_over_lr(make: Callable[[bool], Optimizer]) -> dict:
    out = {}
    for inside in (True, False):
        key = "inside" if inside else "outside"
        out[key] = {f"g={g:g}": float(abs(first_step(make(inside), g)[0]) / 0.01) for g in _GRAD_SCALES}
    return out


def repro_002_V2() -> dict:
    """AdaGrad with eps = 1e-8 inside the square root (article 002, Keras 3): first step / lr for
    gradients of decreasing size. Below |g| ~ sqrt(eps) = 1e-4 the step shrinks with g."""
    return _first_steps_over_lr(lambda inside: Adagrad(0.01, eps=1e-8, eps_inside_sqrt=inside))["inside"]


def fix_002_V2() -> dict:
    """Both placements (outside: Duchi et al.'s delta, PyTorch); the same eps outside acts like
    sqrt(eps) inside."""
    out = _first_steps_over_lr(lambda inside: Adagrad(0.01, eps=1e-8, eps_inside_sqrt=inside))
    out["outside_with_eps=1e-4"] = {f"g={g:g}": float(abs(first_step(Adagrad(0.01, eps=1e-4), g)[0]) / 0.01)
                                   for g in _GRAD_SCALES}
    return out


def repro_002_V3() -> dict:
    """RMSProp (alpha 0.99) with eps = 1e-8 inside the square root: first step / lr. The first
    RMSProp step is 1/sqrt(1 - alpha) = 10 lr for large gradients (no bias correction)."""
    return _first_steps_over_lr(lambda inside: RMSprop(0.01, eps=1e-8, eps_inside_sqrt=inside))["inside"]


def fix_002_V3() -> dict:
    """RMSProp with eps outside (PyTorch; Hinton's slides have no eps at all) next to inside."""
    return _first_steps_over_lr(lambda inside: RMSprop(0.01, eps=1e-8, eps_inside_sqrt=inside))


# ------------------------------------------------------------- framework defaults that differ

def keras_adagrad(lr: Any) -> Adagrad:
    """Keras 3's (and optax's) ``Adagrad`` defaults in lrcourse terms: the accumulator starts at
    0.1, eps = 1e-7 inside the square root. tests/test_flaws_adaptive.py checks its steps
    against Keras itself."""
    return Adagrad(lr, initial_accumulator_value=0.1, eps=1e-7, eps_inside_sqrt=True)


def keras_rmsprop(lr: Any) -> RMSprop:
    """Keras 3's ``RMSprop`` defaults in lrcourse terms: rho = 0.9, eps = 1e-7 inside the square
    root, the accumulator starting at 0 (checked against Keras in the tests)."""
    return RMSprop(lr, alpha=0.9, eps=1e-7, eps_inside_sqrt=True)


#: Where each framework adds eps (not visible in a signature; measured against the installed
#: frameworks by tests/test_flaws_adaptive.py). optax's RMSprop placement is read from its
#: ``eps_in_sqrt`` default instead.
EPS_PLACEMENT = {
    ("torch", "Adagrad"): "outside √s", ("keras", "Adagrad"): "inside √(s + ε)",
    ("optax", "Adagrad"): "inside √(s + ε)",
    ("torch", "RMSprop"): "outside √s", ("keras", "RMSprop"): "inside √(s + ε)",
    ("torch", "Adam"): "outside √v̂ (corrected)", ("keras", "Adam"): "outside √v (uncorrected, 'ε-hat')",
    ("optax", "Adam"): "outside √v̂ (corrected)",
}

#: RMSprop's initial square average where it is not a parameter (measured by the tests).
RMS_S0 = {"torch": 0.0, "keras": 0.0}

#: (label, {framework: (object path, parameter)}) for each default of the table.
_DEFAULT_ROWS = [
    ("Adagrad: initial accumulator s₀", {"torch": ("torch.optim.Adagrad", "initial_accumulator_value"),
                                          "keras": ("keras.optimizers.Adagrad", "initial_accumulator_value"),
                                          "optax": ("optax.adagrad", "initial_accumulator_value")}),
    ("Adagrad: ε", {"torch": ("torch.optim.Adagrad", "eps"), "keras": ("keras.optimizers.Adagrad", "epsilon"),
                    "optax": ("optax.adagrad", "eps")}),
    ("Adagrad: where ε goes", "Adagrad"),
    ("RMSprop: decay of the square average", {"torch": ("torch.optim.RMSprop", "alpha"),
                                               "keras": ("keras.optimizers.RMSprop", "rho"),
                                               "optax": ("optax.rmsprop", "decay")}),
    ("RMSprop: initial square average s₀", "RMSprop s0"),
    ("RMSprop: ε", {"torch": ("torch.optim.RMSprop", "eps"), "keras": ("keras.optimizers.RMSprop", "epsilon"),
                    "optax": ("optax.rmsprop", "eps")}),
    ("RMSprop: where ε goes", "RMSprop"),
    ("Adam: ε", {"torch": ("torch.optim.Adam", "eps"), "keras": ("keras.optimizers.Adam", "epsilon"),
                 "optax": ("optax.adam", "eps")}),
    ("Adam: where ε goes", "Adam"),
    ("AdamW: weight decay λ", {"torch": ("torch.optim.AdamW", "weight_decay"),
                               "keras": ("keras.optimizers.AdamW", "weight_decay"),
                               "optax": ("optax.adamw", "weight_decay")}),
]

FRAMEWORKS = ("torch", "keras", "optax")


def _import(framework: str):
    import importlib
    import os
    if framework == "keras":
        os.environ.setdefault("KERAS_BACKEND", "torch")    # must be set before Keras is imported
    return importlib.import_module(framework)


def installed_frameworks() -> dict[str, str]:
    """{framework: version} of those of torch, keras, optax that import here."""
    out = {}
    for fw in FRAMEWORKS:
        try:
            out[fw] = str(_import(fw).__version__)
        except Exception:                                  # noqa: BLE001  not installed / no backend
            pass
    return out


def framework_defaults() -> dict[str, dict[str, Any]]:
    """The defaults of the table, READ from the installed frameworks (``inspect.signature``), so
    they cannot drift from the installed versions: {row label: {framework: value or None}}.
    None means the framework is not installed. ε placements come from :data:`EPS_PLACEMENT`
    (tested against the frameworks), except optax's RMSprop (its ``eps_in_sqrt`` default)."""
    import inspect
    have = installed_frameworks()
    table: dict[str, dict[str, Any]] = {}
    for label, spec in _DEFAULT_ROWS:
        row: dict[str, Any] = {}
        for fw in FRAMEWORKS:
            if fw not in have:
                row[fw] = None
            elif spec == "RMSprop s0":
                row[fw] = RMS_S0[fw] if fw in RMS_S0 else inspect.signature(
                    _import("optax").rmsprop).parameters["initial_scale"].default
            elif isinstance(spec, str):
                if (fw, spec) in EPS_PLACEMENT:
                    row[fw] = EPS_PLACEMENT[fw, spec]
                else:                                       # optax rmsprop
                    sig = inspect.signature(_import("optax").rmsprop)
                    row[fw] = "inside √(s + ε)" if sig.parameters["eps_in_sqrt"].default else "outside √s"
            else:
                path, param = spec[fw]
                obj = _import(fw)
                for part in path.split(".")[1:]:
                    obj = getattr(obj, part)
                row[fw] = inspect.signature(obj).parameters[param].default
        table[label] = row
    return table


def defaults_markdown(table: dict[str, dict[str, Any]], versions: dict[str, str]) -> str:
    """The defaults as a Markdown table (one column per framework, with its version)."""
    names = {"torch": "PyTorch", "keras": "Keras", "optax": "optax"}
    head = [f"{names[fw]} {versions[fw]}" if fw in versions else f"{names[fw]} (not installed)" for fw in FRAMEWORKS]
    lines = ["| default | " + " | ".join(head) + " |", "|---" * (len(FRAMEWORKS) + 1) + "|"]
    for label, row in table.items():
        cells = ["—" if row[fw] is None else (f"{row[fw]:g}" if isinstance(row[fw], float) else str(row[fw]))
                 for fw in FRAMEWORKS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------- 002-M4

def _moment_stream(steps: int = 5000, mean: float = 1.0, std: float = 0.5):
    rng = np.random.default_rng(0)
    opt = RMSprop(0.0, alpha=0.999, centered=True)
    theta = np.zeros(1)
    state = opt.init(theta)
    for _ in range(steps):
        theta, state = opt.update(theta, mean + std * rng.standard_normal(1), state)
    return state


def repro_002_M4() -> dict:
    """Gradients with mean 1 and standard deviation 0.5: v (what 002 calls the variance) is near
    E[g^2] = 1.25, five times the variance 0.25."""
    state = _moment_stream()
    return {"v": float(state["square_avg"][0]), "true_variance": 0.25, "true_mean_square": 1.25}


def fix_002_M4() -> dict:
    """v is the uncentred E[g^2]; the variance is v - m^2 (what centred RMSprop tracks)."""
    state = _moment_stream()
    v, m = float(state["square_avg"][0]), float(state["grad_avg"][0])
    return {"v": v, "m": m, "v_minus_m_squared": v - m * m}


# --------------------------------------------------------------------------------- 002-M6

def article002_adagrad_steps(eta: float, grads: np.ndarray, eps: float = 1e-8) -> np.ndarray:
    """Article 002 §3.2.1's AdaGrad written out literally, open loop: G_t = sum_{k<=t} g_k**2
    (the diagonal of the article's matrix), step_t = eta / sqrt(G_t + eps) * g_t. Returns the
    steps (T, d). Independent of :class:`lrcourse.optimizers.Adagrad`."""
    G = np.cumsum(grads**2, axis=0)
    return eta / np.sqrt(G + eps) * grads


def repro_002_M6() -> dict:
    """If eta were an initial learning rate, the first update would use the rate eta. It does
    not: on a stream of gradients (N(0, 1) times 3, two coordinates), the rate the first update
    actually applies, step / g, is eta / |g_1| per coordinate, and it differs between
    coordinates. Measured on the article's formula written out (article002_adagrad_steps)."""
    eta = 0.1
    grads = 3.0 * np.random.default_rng(0).standard_normal((1000, 2))
    rate = article002_adagrad_steps(eta, grads) / grads
    return {"called": "initial learning rate", "eta": eta,
            "rate_at_update_1": [float(v) for v in rate[0]],
            "rate_at_update_1000": [float(v) for v in rate[-1]]}


def fix_002_M6() -> dict:
    """eta is the constant in front: rate_t * sqrt(G_t + eps) recovers eta at every update, in
    the article's formula and in :class:`~lrcourse.optimizers.Adagrad` (eps inside, to match the
    article) fed the same gradients. What shrinks is the effective step eta / sqrt(G_t): for a
    constant gradient it falls like eta / sqrt(t)."""
    eta = 0.1
    grads = 3.0 * np.random.default_rng(0).standard_normal((1000, 2))
    G = np.cumsum(grads**2, axis=0)
    implied = {"article formula": article002_adagrad_steps(eta, grads) / grads * np.sqrt(G + 1e-8),
               "lrcourse Adagrad": _step_stream(Adagrad(eta, eps=1e-8, eps_inside_sqrt=True), grads)
               / -grads * np.sqrt(G + 1e-8)}
    s = constant_gradient_steps(Adagrad(eta), 1000, g=3.0)
    out = {f"implied_eta_{k.split()[0]}_min_max": [float(v.min()), float(v.max())] for k, v in implied.items()}
    return out | {"step_1": float(s[0]), "step_1000": float(s[-1]), "ratio": float(s[-1] / s[0]),
                  "one_over_sqrt_1000": float(1 / np.sqrt(1000))}


# ---------------------------------------------------------------- the race and 002-M1 (tuning)

def sparse_regression(n: int = 400, d: int = 8, seed: int = 0) -> LinearRegression:
    """Regression on 0/1 features of very different frequencies (word-presence style).

    Feature j is present in a sample with probability ``p_j``, from 0.8 down to 0.02 on a log
    scale, so a minibatch rarely sees the rare features and their gradients are mostly zero.
    ``y = X w + 0.1 noise`` with w = 1, no intercept.
    """
    rng = np.random.default_rng(seed)
    p = np.geomspace(0.8, 0.02, d)
    X = (rng.random((n, d)) < p).astype(float)
    X[np.arange(d), np.arange(d)] = 1.0          # every feature occurs at least once
    y = X @ np.ones(d) + 0.1 * rng.standard_normal(n)
    return LinearRegression(X, y, fit_intercept=False)


@dataclass(frozen=True)
class RaceProblem:
    """A problem of the optimizer race: the problem, its start, batch size (None: full batch),
    number of updates, and what to call it."""

    name: str
    problem: Any
    theta0: np.ndarray
    batch_size: int | None
    steps: int


def race_problems() -> dict[str, RaceProblem]:
    """The four problems of the race, by name."""
    sparse = sparse_regression()
    return {
        "bowl, axes aligned": RaceProblem("bowl, axes aligned", Quadratic.from_condition(100.0),
                                          np.array([-1.0, 0.6]), None, 200),
        "bowl, rotated 45°": RaceProblem("bowl, rotated 45°", Quadratic.from_condition(100.0, angle=np.pi / 4),
                                         np.array([-1.0, 0.6]), None, 200),
        "Rosenbrock": RaceProblem("Rosenbrock", Rosenbrock(), np.array([-1.2, 1.0]), None, 400),
        "sparse regression": RaceProblem("sparse regression", sparse, np.zeros(sparse.dim), 10, 400),
    }


#: The five optimizers of the race: name -> factory lr -> optimizer (lr may be an array).
RACE_OPTIMIZERS: dict[str, Callable[[Any], Optimizer]] = {
    "SGD": lambda lr: SGD(lr),
    "momentum": lambda lr: SGD(lr, momentum=0.9),
    "AdaGrad": lambda lr: Adagrad(lr),
    "RMSProp": lambda lr: RMSprop(lr),
    "Adam": lambda lr: Adam(lr),
}


def _excess(rp: RaceProblem, losses: np.ndarray) -> np.ndarray:
    return np.maximum(losses - rp.problem.min_loss(), 1e-16)


def tune_lr(rp: RaceProblem, make: Callable[[Any], Optimizer], lrs: Any, seed: int = 0):
    """Run ``make(lr)`` at every lr of ``lrs`` in one vectorised sweep on a race problem.

    Returns ``(best_lr, score, result)``: the score of each lr is log10 of the LARGEST excess
    loss over the last quarter of the run, inf for diverged runs (lower is better: low and
    settled, spikes count), and ``result`` the :class:`~lrcourse.train.SweepResult`.
    """
    res = sweep(rp.problem, make, lrs, rp.steps, rp.theta0, batch_size=rp.batch_size, seed=seed, blowup=1e6)
    late = res.losses[rp.steps - rp.steps // 4:]
    with np.errstate(invalid="ignore"):
        score = np.where(res.diverged, np.inf, np.log10(np.max(_excess(rp, late), axis=0)))
    return float(res.lrs[np.argmin(score)]), score, res


def repro_002_M1() -> dict:
    """Adam on the four race problems at lr = 1e-4 ... 10: the final excess loss spans decades."""
    lrs = np.geomspace(1e-4, 10.0, 11)
    out = {}
    for name, rp in race_problems().items():
        _, _, res = tune_lr(rp, RACE_OPTIMIZERS["Adam"], lrs)
        final = np.where(res.diverged, np.inf, _excess(rp, res.losses[-1]))
        out[name] = {"best": float(final.min()), "worst": float(final.max()),
                     "decades": float(np.log10(final.max() / final.min()))}
    return out


def fix_002_M1() -> dict:
    """The lr has to be tuned per problem, for Adam too: the best lr of each race problem."""
    lrs = np.geomspace(1e-4, 10.0, 11)
    return {name: tune_lr(rp, RACE_OPTIMIZERS["Adam"], lrs)[0] for name, rp in race_problems().items()}
