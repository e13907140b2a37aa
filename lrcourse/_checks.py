"""Argument checks shared by every module.

Each check raises a ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind,
wrong range) whose message names the argument and the allowed range, so that bad input
fails at the call that received it, not three numpy frames deeper.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Union

import numpy as np

__all__ = [
    "MAX_STEP",
    "MAX_SIZE",
    "check_real",
    "check_positive",
    "check_nonnegative",
    "check_fraction",
    "check_int",
    "check_lr",
    "check_betas",
    "as_float_array",
    "check_same_shape",
    "check_bool",
    "check_choice",
]

MAX_STEP = 2**53
"""The largest step (or step count) accepted: every integer up to 2**53 is exact in float64."""

MAX_SIZE = 2**31 - 1
"""The largest array length or layer width accepted (a float64 array that long needs 16 GB)."""

LearningRate = Union[float, Callable[[Any], Any]]


def check_real(name: str, value: Any, *, allow_inf: bool = False) -> float:
    """Return ``value`` as a float; reject bools, non-numbers, NaN, integers too large for a
    float and, unless ``allow_inf``, ±inf."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        value = float(value)
    except OverflowError:   # e.g. 10**400
        raise ValueError(f"{name} must be a finite real number, got a number too large for a float") from None
    if math.isnan(value):
        raise ValueError(f"{name} must be a number, got NaN")
    if not allow_inf and math.isinf(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return value


def check_positive(name: str, value: Any, *, allow_inf: bool = False, maximum: float | None = None) -> float:
    """A real number > 0 (finite unless ``allow_inf``), optionally <= ``maximum``."""
    value = check_real(name, value, allow_inf=allow_inf)
    if not value > 0:
        raise ValueError(f"{name} must be > 0 and finite, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be in (0, {maximum:g}], got {value!r}")
    return value


def check_nonnegative(name: str, value: Any, *, maximum: float | None = None) -> float:
    """A finite real number >= 0, optionally <= ``maximum``."""
    value = check_real(name, value)
    if not value >= 0:
        raise ValueError(f"{name} must be >= 0 and finite, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be in [0, {maximum:g}], got {value!r}")
    return value


def check_fraction(name: str, value: Any, *, low_open: bool = False, high_open: bool = True) -> float:
    """A real number in [0, 1) by default; the brackets are set by ``low_open``/``high_open``."""
    value = check_real(name, value)
    lo_ok = value > 0 if low_open else value >= 0
    hi_ok = value < 1 if high_open else value <= 1
    if not (lo_ok and hi_ok):
        lo = "(0" if low_open else "[0"
        hi = "1)" if high_open else "1]"
        raise ValueError(f"{name} must be in {lo}, {hi}, got {value!r}")
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (Python or numpy, not bool), optionally in [``minimum``, ``maximum``]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    too_small, too_large = minimum is not None and value < minimum, maximum is not None and value > maximum
    if too_small or too_large:
        lo = f">= {minimum}" if minimum is not None else ""
        hi = f"<= {maximum}" if maximum is not None else ""
        shown = value if value.bit_length() <= 64 else f"an integer of {len(str(abs(value)))} digits"
        raise ValueError(f"{name} must be an integer {' and '.join(x for x in (lo, hi) if x)}, got {shown}")
    return value


def check_bool(name: str, value: Any) -> bool:
    """True or False (also ``np.bool_``); anything else, even ``"False"`` or 0, is refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """One of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        allowed = " or ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return value


def check_lr(lr: Any, name: str = "lr") -> Any:
    """A learning rate: a finite real >= 0, a callable schedule ``step -> lr``, or an array
    of non-negative finite rates (used by vectorised sweeps, one rate per row of params)."""
    if callable(lr):
        return lr
    if isinstance(lr, np.ndarray):
        if not np.issubdtype(lr.dtype, np.number) or np.issubdtype(lr.dtype, np.complexfloating):
            raise TypeError(f"{name} array must be real-valued, got dtype {lr.dtype}")
        if not np.all(np.isfinite(lr)) or np.any(lr < 0):
            raise ValueError(f"{name} array must hold finite values >= 0")
        return lr.astype(np.float64)
    return check_nonnegative(name, lr)


def check_betas(betas: Any, name: str = "betas") -> tuple[float, float]:
    """A pair (beta1, beta2), each in [0, 1)."""
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (beta1, beta2), got {betas!r}") from None
    return (check_fraction(f"{name}[0]", b1), check_fraction(f"{name}[1]", b2))


def as_float_array(name: str, value: Any, *, ndim: int | None = None, allow_int: bool = True) -> np.ndarray:
    """Convert to a float64 array (always a copy); reject non-numeric data (and integer arrays
    when ``allow_int`` is False) with a message naming the argument."""
    if type(value) is np.ndarray and value.dtype == np.float64:   # the common case, on every update
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
        kind = arr.dtype.kind          # b bool, i/u integers, f floats, c complex, O/U/S/M/m others
        if kind not in "iuf":
            raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
        if not allow_int and kind in "iu":
            raise TypeError(
                f"{name} must be a float array, got integer dtype {arr.dtype} "
                "(an integer array cannot hold a fractional update; convert with .astype(float))"
            )
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    return np.array(arr, dtype=np.float64)


def check_same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Raise ValueError if the two arrays differ in shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(f"{name_b} must have the shape of {name_a} {np.shape(a)}, got {np.shape(b)}")
