"""Toy two-class datasets in the plane, generated in code (no downloads).

Both return ``(X, y)`` with ``X`` of shape ``(n, 2)`` (float64) and ``y`` of shape ``(n,)``
(int64, values 0 and 1). Class sizes are ``n // 2`` (label 0) and ``n - n // 2`` (label 1),
the rows are shuffled, and each column of ``X`` is standardised to mean 0 and standard
deviation 1 (the z-score of this sample), so that the same learning rates suit both sets.
Everything is drawn from ``np.random.default_rng(seed)``: the same seed gives the same data.
``n`` is at most ``2**31 − 1``; ``noise`` and ``turns`` at most 1e100 (beyond, the
standardisation overflows float64).
"""
from __future__ import annotations

import numpy as np

from ._checks import MAX_SIZE, check_int, check_nonnegative, check_positive

_MAX_SCALE = 1e100

__all__ = ["two_moons", "spirals"]


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
