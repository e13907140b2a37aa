"""Flaws found while writing the errata appendix, and the appendix's own machinery.

Reproductions (our own code with the article's defect) and fixes for the IDs that no chapter
owns, one line per ID:

- 000-C9  §4.2: the inverse-time rule uses the learning rate as its own decay constant, so the
  decay speed changes whenever the learning rate is changed (half-life 1/η0 steps).
- 000-C10 §4.5: the variable called "gain" in the initialisers holds a standard deviation;
  a gain is the activation-dependent factor (1, 5/3, √2) applied on top of the fan-in scale.
- 001-C6  §4.2–4.4: even with the gradient corrected, the code's η = 0.01 for 1000 steps stops
  far short of the least-squares fit (the flat direction of the Hessian needs ~10× more).
- 002-M8  §1.1: the learning rate is called the distance moved along the negative gradient;
  the distance is η·‖∇J‖, and a method whose steps really have length η cannot converge.
- 001-M19 §2.1, 003-M6 §2.2, 004-M7 §1: the same confusion (η called the step length, or the speed
  of the updates), each shown on its article's own setting.
- 000-M11 §3.2.3 with §4.4: the custom-decay recursion η ← η/(1+t) compounds to η0/(t+1)!.
- 001-M20 §6.1: the size of the data said to set the rate (as 000-M2).
- 001-M21 §4.2–4.5: "test" points outside the training range, and no held-out data.
- 001-M22 B§2.4: the SGD rate called a fixed hyperparameter and a decayed one.

The reference entries (000-R, 001-R, 003-R) are bibliographic, not code: their data are the
``references`` lists in ``book/errata.yml``, checked against ``book/references.bib``.

The rest of the module renders the appendix ``book/errata.ipynb`` from ``book/errata.yml``:
:func:`load_catalogue`, :func:`run_entry`, :func:`render_entry`, :func:`render_index`,
:func:`build_notebook` (regenerate the notebook with ``python -m lrcourse.flaws.errata_extra``).
"""
from __future__ import annotations

import math
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..optimizers import SGD, EMAMomentum
from ..problems import LinearRegression, make_linear_data
from ..schedules import inverse_time_decay
from ..train import minimize
from .momentum import article001_problem

# ---------------------------------------------------------------------------------------------
# 000-C9: one argument doubles as initial rate and decay constant
# ---------------------------------------------------------------------------------------------


def tied_inverse_time(lr: float, t: int) -> float:
    """Article 000's shape: ``lr / (1 + lr * t)``; the rate is also the decay constant."""
    return lr / (1 + lr * t)


def _halving_step(rate, lr0: float) -> int:
    """First step t at which ``rate(t) <= lr0 / 2``."""
    t = 0
    while rate(t) > lr0 / 2:
        t += 1
    return t


def repro_000_C9() -> dict:
    out: dict[str, Any] = {}
    for lr in (0.1, 0.01, 0.001):
        out[f"halving step, lr {lr:g}"] = _halving_step(lambda t: tied_inverse_time(lr, t), lr)
    for lr in (0.1, 0.01, 0.001):
        out[f"lr(1000) / lr(0), lr {lr:g}"] = float(tied_inverse_time(lr, 1000) / lr)
    return out


def fix_000_C9(k: float = 0.01) -> dict:
    out: dict[str, Any] = {"decay constant k": k}
    for lr in (0.1, 0.01, 0.001):
        out[f"halving step, lr {lr:g}"] = _halving_step(inverse_time_decay(lr, k), lr)
    for lr in (0.1, 0.01, 0.001):
        out[f"lr(1000) / lr(0), lr {lr:g}"] = float(inverse_time_decay(lr, k)(1000) / lr)
    return out


# ---------------------------------------------------------------------------------------------
# 000-C10: a standard deviation called "gain"
# ---------------------------------------------------------------------------------------------

#: Recommended gains (PyTorch ``torch.nn.init.calculate_gain``): linear 1, tanh 5/3, ReLU √2.
GAINS = {"linear": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def std_named_gain(n: int) -> float:
    """The articles' shape: a function whose "gain" is really the standard deviation √(2/n)."""
    gain = math.sqrt(2.0 / n)  # misnamed: this is a std, not a gain
    return gain


def std_from_gain(fan_in: int, activation: str) -> float:
    """The usual convention: std = gain / √fan_in, the gain chosen by the activation."""
    return GAINS[activation] / math.sqrt(fan_in)


def relu_signal_std(std: float, width: int = 100, depth: int = 10, seed: int = 0) -> float:
    """Standard deviation of the activations after ``depth`` ReLU layers of ``width`` units whose
    weights are drawn N(0, std²), for a standard-normal input batch of 256 rows (measured)."""
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((256, width))
    for _ in range(depth):
        h = np.maximum(h @ (std * rng.standard_normal((width, width))), 0.0)
    return float(h.std())


def repro_000_C10() -> dict:
    """A reader who takes the name at its word uses √(2/n) as a gain, std = gain/√n = √2/n: for
    n = 100 ten times too small, and the signal of a 10-layer ReLU net shrinks by about 10¹⁰."""
    misread = std_named_gain(100) / math.sqrt(100)
    return {"'gain' for n = 100": std_named_gain(100), "'gain' for n = 400": std_named_gain(400),
            "ReLU gain (He)": GAINS["relu"], "tanh gain": GAINS["tanh"],
            "'gain' depends on the layer size": std_named_gain(100) != std_named_gain(400),
            "std if the 'gain' is used as a gain, n = 100": misread,
            "signal std after 10 ReLU layers of 100, that std": relu_signal_std(misread)}


def fix_000_C10() -> dict:
    return {"ReLU std, fan_in 100": std_from_gain(100, "relu"), "ReLU std, fan_in 400": std_from_gain(400, "relu"),
            "tanh std, fan_in 100": std_from_gain(100, "tanh"),
            "gain is the same for every layer size": True,
            "matches He's √(2/fan_in)": math.isclose(std_from_gain(100, "relu"), math.sqrt(2 / 100)),
            "signal std after 10 ReLU layers of 100, He std": relu_signal_std(std_from_gain(100, "relu"))}


# ---------------------------------------------------------------------------------------------
# 001-C6: the code's hyperparameters are too small even once the gradient is right
# ---------------------------------------------------------------------------------------------

X_TEST_001 = (2.0, 3.0, 4.0)


def fit_line_mse(lr: float, steps: int = 1000, beta: float | None = None, ema: bool = False) -> np.ndarray:
    """Fit ``y = w x + b`` to article 001's data with the MSE gradient ``2 Xᵀr/m``, from w = b = 0.

    ``beta=None``: plain GD. Otherwise momentum: heavy ball ``v ← βv + g`` or, with ``ema=True``,
    the moving-average form ``v ← βv + (1−β)g`` of article 001. Returns the predictions at 2, 3, 4.
    """
    problem = article001_problem()
    if beta is None:
        optimizer = SGD(lr=lr)
    else:
        optimizer = EMAMomentum(lr=lr, beta=beta) if ema else SGD(lr=lr, momentum=beta)
    run = minimize(problem, optimizer, steps, np.zeros(problem.dim))
    return problem.predict(run.params[-1], np.array(X_TEST_001))


def _lstsq_predictions_001() -> np.ndarray:
    problem = article001_problem()
    return problem.predict(problem.minimizer(), np.array(X_TEST_001))


def _mse_hessian_eigs_001() -> np.ndarray:
    return 2.0 * article001_problem().problem.eigenvalues()


def repro_001_C6() -> dict:
    target = _lstsq_predictions_001()
    gd = fit_line_mse(0.01)
    ema = fit_line_mse(0.01, beta=0.9, ema=True)
    lam_min = float(_mse_hessian_eigs_001()[0])
    return {
        "least-squares predictions at x = 2, 3, 4": [float(v) for v in target],
        "GD, lr 0.01, 1000 steps": [float(v) for v in gd],
        "EMA momentum, lr 0.01, beta 0.9, 1000 steps": [float(v) for v in ema],
        "largest prediction error, GD": float(np.max(np.abs(gd - target))),
        "smallest Hessian eigenvalue (MSE)": lam_min,
        "error left along it, (1 - 0.01 lambda_min)^1000": float((1 - 0.01 * lam_min) ** 1000),
    }


def fix_001_C6() -> dict:
    target = _lstsq_predictions_001()
    gd = fit_line_mse(0.1)
    hb = fit_line_mse(0.01, beta=0.9)
    lam = _mse_hessian_eigs_001()
    return {
        "stability limit 2/lambda_max (MSE)": float(2 / lam[-1]),
        "GD, lr 0.1, 1000 steps": [float(v) for v in gd],
        "heavy ball, lr 0.01, beta 0.9, 1000 steps": [float(v) for v in hb],
        "largest prediction error, GD lr 0.1": float(np.max(np.abs(gd - target))),
        "largest prediction error, heavy ball": float(np.max(np.abs(hb - target))),
    }


# ---------------------------------------------------------------------------------------------
# 002-M8: the learning rate is not the distance moved
# ---------------------------------------------------------------------------------------------


def gd_step_lengths(lr: float = 0.1, steps: int = 1000, normalised: bool = False, problem: Any = None):
    """GD from θ = 0 on ``problem`` (default: the synthetic half-MSE regression); returns
    (problem, θ_final, step lengths).

    ``normalised=True`` moves exactly ``lr`` along −∇J/‖∇J‖ (what "η is the distance" would mean).
    """
    problem = LinearRegression(*make_linear_data()) if problem is None else problem
    theta, lengths = np.zeros(2), []
    for _ in range(steps):
        g = problem.grad(theta)
        step = lr * g / np.linalg.norm(g) if normalised else lr * g
        theta = theta - step
        lengths.append(float(np.linalg.norm(step)))
    return problem, theta, np.array(lengths)


def repro_002_M8() -> dict:
    problem, theta, lengths = gd_step_lengths(0.1)
    _, theta_n, lengths_n = gd_step_lengths(0.1, normalised=True)
    star = problem.solution()
    return {
        "learning rate": 0.1,
        "GD: length of step 1": float(lengths[0]),
        "GD: length of step 100": float(lengths[99]),
        "GD: length of step 1000": float(lengths[999]),
        "steps of length exactly lr: distance to optimum after 1000 steps": float(np.linalg.norm(theta_n - star)),
        "steps of length exactly lr: final half-MSE": float(problem.loss(theta_n)),
    }


def fix_002_M8() -> dict:
    problem = LinearRegression(*make_linear_data())
    theta, worst = np.zeros(2), 0.0
    for _ in range(1000):
        g = problem.grad(theta)
        new = theta - 0.1 * g
        worst = max(worst, abs(np.linalg.norm(new - theta) - 0.1 * np.linalg.norm(g)))
        theta = new
    return {
        "largest |step length - lr * gradient norm|": float(worst),
        "GD lr 0.1: distance to optimum after 1000 steps": float(np.linalg.norm(theta - problem.solution())),
        "GD lr 0.1: final half-MSE": float(problem.loss(theta)),
        "optimal half-MSE": float(problem.min_loss()),
    }


# ---------------------------------------------------------------------------------------------
# 001-M19, 003-M6, 004-M7: the rate called the step length or the speed of the updates (as 002-M8)
# ---------------------------------------------------------------------------------------------


def _step_length_record(problem: Any, lr: float, steps: int) -> dict:
    """What a constant rate does to the distance moved per update, on one article's own problem."""
    _, theta, lengths = gd_step_lengths(lr, steps, problem=problem)
    return {
        "learning rate (constant)": lr,
        "length of update 1": float(lengths[0]),
        f"length of update {steps}": float(lengths[-1]),
        "longest / shortest update": float(lengths.max() / lengths.min()),
        "final loss": float(problem.loss(theta)),
        "optimal loss": float(problem.min_loss() if hasattr(problem, "min_loss") else 2 * problem.problem.min_loss()),
    }


def _step_length_fix(problem: Any, lr: float, steps: int) -> dict:
    """The update is η·∇J: its length is η·‖∇J‖ at every step (η is a factor, not a distance)."""
    theta, worst = np.zeros(problem.dim), 0.0
    for _ in range(steps):
        g = problem.grad(theta)
        new = theta - lr * g
        worst = max(worst, abs(np.linalg.norm(new - theta) / (lr * np.linalg.norm(g)) - 1.0))
        theta = new
    return {"largest |length / (lr * gradient norm) - 1|": float(worst)}


def repro_001_M19() -> dict:
    """Article 001's data and rate (MSE, η = 0.01, 1000 updates): the rate never changes, the length does."""
    return _step_length_record(article001_problem(), 0.01, 1000)


def fix_001_M19() -> dict:
    return _step_length_fix(article001_problem(), 0.01, 1000)


def repro_003_M6() -> dict:
    """Article 003's fixed-rate setting (the synthetic half-MSE problem, η = 0.1, 1000 updates), and
    the same problem at η = 0.01: from some update on, the larger rate takes the shorter steps."""
    problem = LinearRegression(*make_linear_data())
    out = _step_length_record(problem, 0.1, 1000)
    _, _, large = gd_step_lengths(0.1, 1000, problem=problem)
    _, _, small = gd_step_lengths(0.01, 1000, problem=problem)
    out["first update at which the lr 0.1 run moves less than the lr 0.01 run"] = int(np.argmax(large < small)) + 1
    return out


def fix_003_M6() -> dict:
    return _step_length_fix(LinearRegression(*make_linear_data()), 0.1, 1000)


def repro_004_M7() -> dict:
    """A rate is not a speed: the same η = 0.1 moves at very different speeds during one run, and on
    the same data with x in other units (×10) the same η diverges."""
    problem = LinearRegression(*make_linear_data())
    _, _, lengths = gd_step_lengths(0.1, 1000, problem=problem)
    x, y = make_linear_data()
    rescaled = minimize(LinearRegression(10.0 * x, y), SGD(lr=0.1), 1000, np.zeros(2))
    return {"learning rate (constant)": 0.1,
            "distance moved by update 1": float(lengths[0]), "distance moved by update 500": float(lengths[499]),
            "same rate, x measured in units 10 times smaller: diverged": bool(rescaled.diverged),
            "diverged at update": int(rescaled.diverged_at) if rescaled.diverged else -1}


def fix_004_M7() -> dict:
    """The speed is η·‖∇J‖; what bounds a usable η is the curvature: 2/λ_max for each scaling of x."""
    out = _step_length_fix(LinearRegression(*make_linear_data()), 0.1, 1000)
    x, y = make_linear_data()
    limits = [float(LinearRegression(c * x, y).stability_limit()) for c in (1.0, 10.0)]
    out["stability limit 2/lambda_max, x as given"], out["stability limit 2/lambda_max, x times 10"] = limits
    return out


# ---------------------------------------------------------------------------------------------
# 000-M11: the custom-decay recursion compounds (as 000-M4 and 000-M5 do)
# ---------------------------------------------------------------------------------------------


def recursive_custom_decay(lr0: float, steps: int) -> np.ndarray:
    """§3.2.3's loop η ← f(η, t) with §4.4's f(η, t) = η / (1 + t), applied at t = 1 .. steps."""
    rates, lr = [], lr0
    for t in range(1, steps + 1):
        lr = lr / (1 + t)
        rates.append(lr)
    return np.array(rates)


def _fit_with_rates(rates: np.ndarray) -> float:
    """Final half-MSE of GD on the synthetic problem from θ = 0 with the given rate per update."""
    problem = LinearRegression(*make_linear_data())
    theta = np.zeros(2)
    for lr in rates:
        theta = theta - lr * problem.grad(theta)
    return float(problem.loss(theta))


def repro_000_M11() -> dict:
    rates = recursive_custom_decay(1.0, 1000)
    return {
        "rate after update 5, in units of lr0": float(rates[4]),
        "1 / 6!": 1 / math.factorial(6),
        "rate after update 10, in units of lr0": float(rates[9]),
        "total budget of 1000 updates, in units of lr0": float(rates.sum()),
        "e - 2 (the budget of the infinite run)": math.e - 2,
        "final half-MSE, lr0 = 1": _fit_with_rates(rates),
    }


def fix_000_M11() -> dict:
    """Evaluate the rule at the INITIAL rate, η_t = f(η0, t) = η0/(1 + t): inverse-time decay."""
    rates = inverse_time_decay(1.0, 1.0)(np.arange(1, 1001))
    return {
        "rate after update 10, in units of lr0": float(rates[9]),
        "total budget of 1000 updates, in units of lr0": float(rates.sum()),
        "final half-MSE, lr0 = 1": _fit_with_rates(rates),
        "optimal half-MSE": float(LinearRegression(*make_linear_data()).min_loss()),
    }


# ---------------------------------------------------------------------------------------------
# 001-M20: "the size of the data" sets the rate (as 000-M2)
# ---------------------------------------------------------------------------------------------

_SIZES_001 = (20, 100, 1000, 10000)


def repro_001_M20() -> dict:
    """Data like article 001's (y = 2x + 1 + 0.5 noise, x ~ U[0, 1), MSE loss) at several sizes:
    the stability limit of GD hardly moves with n."""
    limits = []
    for n in _SIZES_001:
        x, y = make_linear_data(n=n, noise=0.5)
        limits.append(float(LinearRegression(x, y).stability_limit() / 2))   # MSE: half the ½MSE limit
    return {"n": list(_SIZES_001), "MSE stability limit by n": limits,
            "largest / smallest limit": max(limits) / min(limits)}


def fix_001_M20() -> dict:
    """What does move it: the scale of the inputs (the curvature). The same 100 points with x in
    other units (×10) divide the limit many times over."""
    x, y = make_linear_data(noise=0.5)
    limit, limit10 = (float(LinearRegression(c * x, y).stability_limit() / 2) for c in (1.0, 10.0))
    return {"MSE stability limit": limit, "MSE stability limit, x times 10": limit10, "ratio": limit / limit10}


# ---------------------------------------------------------------------------------------------
# 001-M21: "test" points outside the training range, and no held-out data
# ---------------------------------------------------------------------------------------------


def _poly_fit(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares polynomial coefficients (highest power first), as numpy's polyfit."""
    return np.polyfit(x, y, degree)


def repro_001_M21() -> dict:
    """Article 001's data: x in [0, 1), "test" points 2, 3, 4. Training loss alone prefers a degree-9
    polynomial to the line, whose extrapolation to 2, 3, 4 is far off; nothing held out could tell."""
    stream = np.random.RandomState(0)
    x = stream.rand(100)
    y = 2 * x + 1 + stream.randn(100) * 0.5
    test = np.array(X_TEST_001)
    out = {"largest training x": float(x.max()), "test x": list(X_TEST_001)}
    for degree in (1, 9):
        c = _poly_fit(x, y, degree)
        out[f"degree {degree}: training MSE"] = float(np.mean((np.polyval(c, x) - y) ** 2))
        out[f"degree {degree}: largest error at x = 2, 3, 4 against 2x + 1"] = float(
            np.max(np.abs(np.polyval(c, test) - (2 * test + 1))))
    return out


def fix_001_M21() -> dict:
    """Judge on held-out points from the SAME range: 80 points train, 20 validate (seeded split);
    the validation MSE picks the line, and the line's error at 2, 3, 4 is what extrapolation costs."""
    stream = np.random.RandomState(0)
    x = stream.rand(100)
    y = 2 * x + 1 + stream.randn(100) * 0.5
    order = np.random.default_rng(0).permutation(100)
    train, val = order[:80], order[80:]
    out = {"validation points": int(len(val))}
    for degree in (1, 9):
        c = _poly_fit(x[train], y[train], degree)
        out[f"degree {degree}: validation MSE"] = float(np.mean((np.polyval(c, x[val]) - y[val]) ** 2))
    out["chosen degree"] = min((1, 9), key=lambda d: out[f"degree {d}: validation MSE"])
    return out


# ---------------------------------------------------------------------------------------------
# 001-M22: the SGD rate called fixed and decayed in one sentence
# ---------------------------------------------------------------------------------------------


def repro_001_M22() -> dict:
    """A demonstration of the terms, not a measurement: SGD 'with a fixed rate that is decayed'
    uses as many different rates as it takes updates."""
    problem = LinearRegression(*make_linear_data())
    run = minimize(problem, SGD(lr=inverse_time_decay(0.5, 0.01)), 100, np.zeros(2))
    return {"distinct rates used in 100 updates": int(len(np.unique(run.lrs))),
            "first rate": float(run.lrs[0]), "last rate": float(run.lrs[-1])}


def fix_001_M22() -> dict:
    """Name the two things: the base rate η0 (a fixed hyperparameter) and the schedule η_t = η0·s(t)."""
    problem = LinearRegression(*make_linear_data())
    fixed = minimize(problem, SGD(lr=0.5), 100, np.zeros(2))
    decayed = minimize(problem, SGD(lr=inverse_time_decay(0.5, 0.01)), 100, np.zeros(2))
    return {"fixed rate: distinct rates": int(len(np.unique(fixed.lrs))),
            "schedule: base rate eta0": float(decayed.lrs[0]),
            "schedule: distinct rates": int(len(np.unique(decayed.lrs)))}


# ---------------------------------------------------------------------------------------------
# Rendering the appendix from book/errata.yml
# ---------------------------------------------------------------------------------------------

KINDS = {"M": "claim or formula", "C": "code sample", "V": "variant worth a note", "R": "references"}
_ID = re.compile(r"^(\d{3})-([A-Z]+)(\d*)$")


def load_catalogue(path: str | Path) -> dict:
    """Read ``errata.yml``: ``{"articles": [...], "entries": [...]}``."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def label_of(ident: str) -> str:
    """'000-C1' -> 'errata-000-c1' (MyST/Sphinx labels are compared in lower case)."""
    return "errata-" + ident.lower()


def kind_of(ident: str) -> str:
    m = _ID.match(ident)
    if not m:
        raise ValueError(f"bad errata ID {ident!r}")
    return m.group(2)


def run_entry(ident: str) -> dict:
    """Run the reproduction and the fix of ``ident``: ``{"repro": dict, "fix": dict}``.

    Warnings (overflow in a diverging run, say) are silenced: the numbers show the failure.
    """
    from . import run

    out = {}
    for which in ("repro", "fix"):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out[which] = run(ident, which)
    return out


def _fmt_value(v: Any, fmt: str | None = None) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return format(int(v), fmt or "d")
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        return format(v, fmt or ".4g")
    if isinstance(v, str):
        text = " ".join(v.split())
        if len(text) > 160:
            text = text[:157] + "…"
        fence = "``" if "`" in text else "`"
        pad = " " if fence == "``" else ""
        return f"{fence}{pad}{text}{pad}{fence}"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_fmt_value(x, fmt)}" for k, x in v.items())
    if isinstance(v, (list, tuple, np.ndarray)):
        items = list(v)
        if len(items) > 8:
            items = items[:4] + ["…"] + items[-3:]
        return "[" + ", ".join(x if x == "…" else _fmt_value(x, fmt) for x in items) + "]"
    if v is None:
        return "—"
    return f"`{v!r}`"


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(result: dict, show: list | None = None, rest: bool = True) -> str:
    """A two-column markdown table of a repro/fix dict.

    ``show`` lists the keys to present first, each a key or ``{key, label, fmt}``; keys it names
    that the dict lacks are skipped (the tests report them). With ``rest`` the other keys follow
    with their own names as labels.
    """
    rows, seen = [], set()
    for item in show or []:
        item = {"key": item} if isinstance(item, str) else item
        key = item["key"]
        if key not in result:
            continue
        seen.add(key)
        label = item.get("label", str(key).replace("_", " "))
        rows.append(f"| {_escape_cell(label)} | {_escape_cell(_fmt_value(result[key], item.get('fmt')))} |")
    if rest or not show:
        for key, value in result.items():
            if key not in seen:
                rows.append(f"| {_escape_cell(str(key).replace('_', ' '))} | {_escape_cell(_fmt_value(value))} |")
    if not rows:
        return "*(no values returned)*"
    return "| measured | value |\n| :-- | :-- |\n" + "\n".join(rows)


def anchor_role(anchor: str, book_dir: str | Path) -> str:
    """``{doc}`name``` if ``anchor`` names a page of the book, else ``{ref}`label```."""
    book_dir = Path(book_dir)
    if any((book_dir / f"{anchor}{ext}").exists() for ext in (".ipynb", ".md")):
        return f"{{doc}}`{anchor}`"
    return f"{{ref}}`{anchor}`"


def render_references(entry: dict) -> str:
    lines = ["| # | as the article cites it (paraphrased) | what is wrong | correct entry |",
             "| :-- | :-- | :-- | :-- |"]
    for c in entry["citations"]:
        keys = c.get("keys") or []
        correct = "; ".join(f"{{cite:t}}`{k}`" for k in keys) if keys else "none: not found as cited"
        lines.append(f"| {_escape_cell(str(c['number']))} | {_escape_cell(c['as_cited'])} | "
                     f"{_escape_cell(c['problem'])} | {correct} |")
    return "\n".join(lines)


def render_entry(entry: dict, results: dict | None, book_dir: str | Path) -> str:
    """The body of one errata entry as MyST markdown (no headings: the notebook has them)."""
    where = f"article {entry['article']}, {entry['section']}" if entry.get("section") else f"article {entry['article']}"
    parts = [f"**Where:** {where} · **kind:** {KINDS[entry['kind']]}",
             f"**The claim, in our words.** {entry['claim'].strip()}"]
    if entry["kind"] == "R":
        parts.append(f"**What is wrong.** {entry['what'].strip()}")
        parts.append(render_references(entry))
        parts.append(f"**The fix.** {entry['fix'].strip()}")
    else:
        show = entry.get("show") or {}
        parts.append(f"**What actually happens.** {entry['what'].strip()} "
                     "Measured by running our minimal reproduction:")
        parts.append(table(results["repro"], show.get("repro"), show.get("rest", True)))
        parts.append(f"**The fix.** {entry['fix'].strip()} Measured by running the corrected version:")
        parts.append(table(results["fix"], show.get("fix"), show.get("rest", True)))
    lead = "Corrected entries in" if entry["kind"] == "R" else "Taught properly in"
    parts.append(f"**{lead}:** {anchor_role(entry['anchor'], book_dir)}")
    return "\n\n".join(parts) + "\n"


def render_article_note(article: dict) -> str:
    note = article["structure"].strip() + "\n\n**References:** " + article["references"].strip() + "\n"
    if article.get("numbering"):
        note += "\n**Numbering:** " + article["numbering"].strip() + "\n"
    return note


def render_index(catalogue: dict) -> str:
    """A table of every entry: ID (linked), article section, kind, one-line title."""
    lines = ["| ID | where | kind | flaw |", "| :-- | :-- | :-- | :-- |"]
    for e in catalogue["entries"]:
        lines.append(f"| {{ref}}`{e['id']} <{label_of(e['id'])}>` | {e['article']} {_escape_cell(e.get('section', ''))} | "
                     f"{KINDS[e['kind']]} | {_escape_cell(e['title'])} |")
    return "\n".join(lines) + "\n"


def heading_of(entry: dict) -> str:
    return f"{entry['id']}: {entry['title']}"


# ---------------------------------------------------------------------------------------------
# The notebook: static headings and labels (for the page's table of contents and for links)
# and, under each, one hidden code cell that renders the entry from the YAML when it runs.
# ---------------------------------------------------------------------------------------------

_MYST_OUT = {"tags": ["remove-input"], "mystnb": {"markdown_format": "myst"}}

_INTRO = """\
# Errata of the five source articles

This appendix is for a reader who has one of the five source articles in hand. Every flaw we
found has an identifier, for example `000-C1` (article 000, code sample 1): `M` marks a claim or
formula, `C` a code sample, `V` a variant that is legitimate but needs a note, `R` the list of
references. The identifiers of the first catalogue are kept unchanged so that they can be cited;
flaws found later continue its numbering.

Each entry says where the flaw is, restates the claim in our own words, shows what actually
happens when a minimal reproduction (our own code with the same defect, never the article's)
is run, shows the corrected version run the same way, and links to the chapter that teaches the
topic properly. Every number below is computed when the book is built, by the functions of
`lrcourse.flaws` (`run(ID, "repro")` and `run(ID, "fix")`); the list itself is the data file
`book/errata.yml`.
"""

_SETUP = """\
from lrcourse.glue import glue

from lrcourse import flaws
from lrcourse.flaws import errata_extra as E

catalogue = E.load_catalogue("errata.yml")
entries = {e["id"]: e for e in catalogue["entries"]}
articles = {a["id"]: a for a in catalogue["articles"]}
results = {i: E.run_entry(i) for i, e in entries.items() if e["kind"] != "R"}

registered = set(flaws.registry())
missing = sorted(i for i, e in entries.items() if e["kind"] != "R" and i not in registered)
assert not missing, f"no reproduction for {missing}"
assert all(set(r) == {"repro", "fix"} for r in results.values())

glue("errata_n_entries", len(entries), display=False)
glue("errata_n_code", sum(e["kind"] != "R" for e in entries.values()), display=False)
glue("errata_n_articles", len(articles), display=False)


def show(ident):
    from IPython.display import Markdown
    return Markdown(E.render_entry(entries[ident], results.get(ident), "."))


def show_article(article_id):
    from IPython.display import Markdown
    return Markdown(E.render_article_note(articles[article_id]))
"""

_COUNTS = """\
The catalogue holds {glue:text}`errata_n_entries` entries over {glue:text}`errata_n_articles`
articles; {glue:text}`errata_n_code` of them come with an executed reproduction and fix (the
others are about the reference lists). The index links to each entry.
"""


def catalogue_digest(catalogue: dict) -> str:
    """A short hash of the catalogue. It is written into the notebook's first code cell, so that
    an edit of errata.yml changes the code and invalidates Jupyter Book's execution cache."""
    import hashlib
    import json

    text = json.dumps(catalogue, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build_notebook(catalogue: dict) -> dict:
    """The appendix notebook (nbformat 4 dict, no outputs) for ``catalogue``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata.update({
        "jupytext": {"formats": "ipynb"},
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    })
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    setup = f"# generated from errata.yml (digest {catalogue_digest(catalogue)}) by lrcourse.flaws.errata_extra\n" + _SETUP
    cells = [md(_INTRO), code(setup, metadata={"tags": ["remove-cell"]}), md(_COUNTS),
             md("(errata-index)=\n## Index of the entries"),
             code("from IPython.display import Markdown\nMarkdown(E.render_index(catalogue))", metadata=dict(_MYST_OUT))]
    for art in catalogue["articles"]:
        cells.append(md(f"(errata-{art['id']})=\n## Article {art['id']}: {art['title']}"))
        cells.append(code(f'show_article("{art["id"]}")', metadata=dict(_MYST_OUT)))
        for e in catalogue["entries"]:
            if e["article"] == art["id"]:
                cells.append(md(f"({label_of(e['id'])})=\n### {heading_of(e)}"))
                cells.append(code(f'show("{e["id"]}")', metadata=dict(_MYST_OUT)))
    for i, c in enumerate(cells):   # stable ids so that regenerating gives the same file
        c["id"] = str(i)
    nb.cells = cells
    return nb


def write_notebook(yml: str | Path, out: str | Path) -> None:
    import nbformat

    nbformat.write(build_notebook(load_catalogue(yml)), str(out))


if __name__ == "__main__":  # python -m lrcourse.flaws.errata_extra  (from the project root)
    root = Path.cwd()
    write_notebook(root / "book" / "errata.yml", root / "book" / "errata.ipynb")
    print("wrote book/errata.ipynb")
