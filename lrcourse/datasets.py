"""Datasets: toy two-class sets in the plane generated in code, and real data that needs no
download (scikit-learn's bundled handwritten digits), split and standardised reproducibly.

Toy sets (:func:`two_moons`, :func:`spirals`)
---------------------------------------------
Both return ``(X, y)`` with ``X`` of shape ``(n, 2)`` (float64) and ``y`` of shape ``(n,)``
(int64, values 0 and 1). Class sizes are ``n // 2`` (label 0) and ``n - n // 2`` (label 1),
the rows are shuffled, and each column of ``X`` is standardised to mean 0 and standard
deviation 1 (the z-score of this sample), so that the same learning rates suit both sets.
Everything is drawn from ``np.random.default_rng(seed)``: the same seed gives the same data.
``n`` is at most ``2**31 − 1``; ``noise`` and ``turns`` at most 1e100 (beyond, the
standardisation overflows float64).

Real data (:func:`digits`, :func:`split_arrays`)
-------------------------------------------------
:func:`digits` is the UCI optical-recognition handwritten digits as bundled in scikit-learn
(``sklearn.datasets.load_digits``: 1797 images of 8 x 8 pixels, grey levels 0..16, 10 classes of
174-183 images each; it ships inside the wheel, nothing is downloaded). :func:`split_arrays` does
the same for a user's own ``(X, y)``. Both return a :class:`Split`:

* **stratified, seeded split**: for each class c (in order 0, 1, ...), its row indices are
  permuted by ``rng = np.random.default_rng(seed)``; the first ``round(f_val * n_c)`` go to
  validation, the next ``round(f_test * n_c)`` to test, the rest to training (``fractions =
  (f_train, f_val, f_test)``, default 60/20/20). Each part is then shuffled by the same ``rng`` so
  its rows are not sorted by class. Every class must get at least one row in every part.
* **standardisation fitted on the training part only**: ``mean`` and ``std`` are the per-feature
  mean and (population, ``ddof=0``) standard deviation of the training rows; all three parts are
  transformed with them, ``(X - mean) / std``. A feature constant on the training rows (several
  digits pixels are always 0) has ``std`` replaced by 1, so it is only centred. Nothing about the
  validation or test rows leaks into the training pipeline. ``standardize=False`` keeps the raw
  features (``mean = 0``, ``std = 1``).
"""
from __future__ import annotations

import numpy as np

from dataclasses import dataclass
from typing import Any

from ._checks import MAX_SIZE, check_bool, check_int, check_nonnegative, check_positive

_MAX_SCALE = 1e100

__all__ = ["two_moons", "spirals", "Split", "split_arrays", "digits"]


def _finish(points: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Stack the per-class points, label them 0, 1, shuffle and standardise each column."""
    X = np.concatenate(points, axis=0)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(points)])
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    std = X.std(axis=0)
    X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
    return X, y


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's ``make_moons``).

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t), t evenly spaced in [0, pi];
    then isotropic Gaussian noise of standard deviation ``noise`` (in the units of the unit
    circle, before standardising) is added to every coordinate.
    """
    n = check_int("n", n, minimum=2, maximum=MAX_SIZE)
    noise = check_nonnegative("noise", noise, maximum=_MAX_SCALE)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    n0, n1 = n // 2, n - n // 2
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n1)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    outer = outer + noise * rng.standard_normal(outer.shape)
    inner = inner + noise * rng.standard_normal(inner.shape)
    return _finish([outer, inner], rng)


def spirals(n: int = 200, noise: float = 0.2, turns: float = 1.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved Archimedean spirals (the classic hard toy problem for small nets).

    Arm k in {0, 1}: radius r evenly spaced in [0.1, 1], angle phi = 2 pi * turns * r + k pi
    + noise * eps with eps ~ N(0, 1); the point is r (cos phi, sin phi). The noise is on the
    angle (radians), as in the CS231n spiral data, so it blurs the arms without moving
    points across the centre. ``turns`` counts how often each arm winds around the origin.
    """
    n = check_int("n", n, minimum=2, maximum=MAX_SIZE)
    noise = check_nonnegative("noise", noise, maximum=_MAX_SCALE)
    turns = check_positive("turns", turns, maximum=_MAX_SCALE)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    arms = []
    for k, m in enumerate((n // 2, n - n // 2)):
        r = np.linspace(0.1, 1.0, m)
        phi = 2.0 * np.pi * turns * r + k * np.pi + noise * rng.standard_normal(m)
        arms.append(np.stack([r * np.cos(phi), r * np.sin(phi)], axis=1))
    return _finish(arms, rng)


@dataclass(frozen=True)
class Split:
    """A train/validation/test split of a classification data set (see the module docstring).

    ``X_train`` (n_train, d), ``y_train`` (n_train,) int64 in ``0 .. n_classes - 1``, and the same
    for ``_val`` and ``_test``; ``mean``, ``std`` (d,): the standardisation fitted on the raw
    training rows (``X_part = (raw - mean) / std``); ``seed`` and ``fractions`` as passed."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    n_classes: int
    seed: int
    fractions: tuple[float, float, float]

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    def transform(self, X: Any) -> np.ndarray:
        """Standardise new raw rows with the training statistics: ``(X - mean) / std``."""
        X = _check_features(X, "X")
        if X.shape[1] != self.n_features:
            raise ValueError(f"X must have {self.n_features} columns (features), got {X.shape[1]}")
        return (X - self.mean) / self.std


def _check_features(X: Any, name: str) -> np.ndarray:
    """X as a float64 (n, d) array of finite numbers, n >= 1, d >= 1."""
    try:
        arr = np.asarray(X)
    except Exception as exc:            # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers: {exc}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features) with n, d >= 1, got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        bad = int(np.sum(~np.isfinite(arr)))
        raise ValueError(f"{name} must hold finite numbers: it has {bad} NaN or inf entries")
    return arr


def _check_labels(y: Any, n: int, n_classes: Any) -> tuple[np.ndarray, int]:
    """y as int64 (n,) in 0 .. n_classes - 1 (n_classes = max(y) + 1 if None)."""
    try:
        arr = np.asarray(y)
    except Exception as exc:
        raise TypeError(f"y must be array-like of integer class labels: {exc}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"y must hold integer class labels 0, 1, ..., got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per row of X), got shape {arr.shape}")
    if arr.shape[0] != n:
        raise ValueError(f"y must have one label per row of X ({n}), got {arr.shape[0]}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError("y must hold integer class labels, got NaN or inf")
        if not np.all(arr == np.round(arr)):
            raise ValueError("y must hold integer class labels, got non-integer values "
                             f"such as {arr[arr != np.round(arr)][0]!r}")
        if np.any(np.abs(arr) > MAX_SIZE):
            raise ValueError(f"y must hold class labels in [0, {MAX_SIZE}]")
    if np.any(arr < 0):
        raise ValueError(f"y must hold class labels >= 0, got {arr.min()}")
    arr = arr.astype(np.int64)
    if n_classes is None:
        n_classes = int(arr.max()) + 1
        if n_classes < 2:
            raise ValueError("y must hold at least two classes, got only label 0")
    else:
        n_classes = check_int("n_classes", n_classes, minimum=2, maximum=MAX_SIZE)
        if arr.max() >= n_classes:
            raise ValueError(f"y must hold class labels in 0 .. n_classes - 1 = {n_classes - 1}, got {arr.max()}")
    return arr, n_classes


def _check_fractions(fractions: Any) -> tuple[float, float, float]:
    try:
        parts = tuple(fractions)
    except TypeError:
        raise TypeError(f"fractions must be a triple (train, validation, test), got {fractions!r}") from None
    if len(parts) != 3:
        raise ValueError(f"fractions must be a triple (train, validation, test), got {len(parts)} values")
    parts = tuple(check_positive(f"fractions[{i}]", f) for i, f in enumerate(parts))
    if abs(sum(parts) - 1.0) > 1e-9:
        raise ValueError(f"fractions must sum to 1, got {parts} (sum {sum(parts)!r})")
    return parts


def split_arrays(X: Any, y: Any, fractions: Any = (0.6, 0.2, 0.2), seed: int = 0,
                 n_classes: int | None = None, standardize: bool = True) -> Split:
    """Split a user's classification data ``(X, y)`` into train/validation/test, stratified by
    class and seeded, and standardise it with the training statistics (see the module docstring).

    Args:
        X: features, (n, d) real and finite (a ValueError names ``X`` otherwise; TypeError for
            non-numeric data).
        y: labels, (n,) integers (or whole floats) in ``0 .. n_classes - 1``.
        fractions: (train, validation, test), each > 0, summing to 1.
        seed: the split depends only on it (``np.random.default_rng(seed)``).
        n_classes: the number of classes; ``max(y) + 1`` if None. Every class must have enough
            rows that each part gets at least one (else a ValueError naming ``y``).
        standardize: fit ``(X - mean) / std`` on the training part and apply it to all parts.
    """
    X = _check_features(X, "X")
    y, n_classes = _check_labels(y, X.shape[0], n_classes)
    f_train, f_val, f_test = _check_fractions(fractions)
    seed = check_int("seed", seed, minimum=0)
    standardize = check_bool("standardize", standardize)
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for c in range(n_classes):
        idx = rng.permutation(np.flatnonzero(y == c))
        n_c = len(idx)
        n_val, n_test = int(round(f_val * n_c)), int(round(f_test * n_c))
        n_train = n_c - n_val - n_test
        if min(n_train, n_val, n_test) < 1:
            raise ValueError(f"y: class {c} has {n_c} rows, too few to put at least one in each part of the "
                             f"split {fractions} (it would get {n_train}/{n_val}/{n_test}); "
                             "give more rows per class, other fractions, or a smaller n_classes")
        parts[0].append(idx[n_val + n_test:])
        parts[1].append(idx[:n_val])
        parts[2].append(idx[n_val:n_val + n_test])
    train, val, test = (rng.permutation(np.concatenate(p)) for p in parts)
    if standardize:
        mean = X[train].mean(axis=0)
        std = X[train].std(axis=0)
        std = np.where(std > 0, std, 1.0)
    else:
        mean, std = np.zeros(X.shape[1]), np.ones(X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        Z = (X - mean) / std
    if not np.all(np.isfinite(Z)):
        raise ValueError("X is too large to standardise in float64 (the result overflows)")
    return Split(Z[train], y[train], Z[val], y[val], Z[test], y[test], mean, std, n_classes, seed,
                 (f_train, f_val, f_test))


def digits(fractions: Any = (0.6, 0.2, 0.2), seed: int = 0, standardize: bool = True) -> Split:
    """scikit-learn's bundled handwritten digits (1797 x 64 pixels, 10 classes), split and
    standardised as :func:`split_arrays` does; with the defaults 1079 training, 359 validation
    and 359 test rows.

    Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
    Learning Repository (1998), the 8 x 8 version bundled as ``sklearn.datasets.load_digits``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:                                   # pragma: no cover - a dependency
        raise ImportError("lrcourse.datasets.digits needs scikit-learn (pip install scikit-learn)") from None
    X, y = load_digits(return_X_y=True)
    return split_arrays(X, y, fractions=fractions, seed=seed, n_classes=10, standardize=standardize)
