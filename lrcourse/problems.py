"""Test problems for the learning-rate course: a quadratic bowl, linear regression and the
Rosenbrock valley.

Every problem works on a parameter vector ``theta`` of shape ``(d,)`` and, unchanged, on a
batch of them of shape ``(..., d)``: ``loss(theta)`` returns shape ``theta.shape[:-1]`` and
``grad(theta)`` returns ``theta.shape``. A learning-rate sweep uses this to run K rates at
once on params of shape ``(K, d)`` (see :mod:`lrcourse.train`).

Every problem also has ``stochastic_grad(theta, rng, batch_size)`` so that the training loop
can call one method whatever the problem. Only :class:`LinearRegression` has data to
subsample; the others return the exact gradient.

For the two quadratic problems the Hessian ``H`` is constant, and plain gradient descent
``theta <- theta - lr * grad`` converges from every start iff ``0 < lr < 2 / lambda_max(H)``
(each eigen-direction is multiplied by ``1 - lr * lambda`` per step).

Values too large for float64 (a loss above ~1.8e308, say at ``theta`` ~ 1e200) come back as
inf (NaN where inf − inf arises), without a RuntimeWarning, as in the training loops.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import MAX_SIZE, as_float_array, check_int, check_nonnegative, check_positive, check_real

__all__ = ["Quadratic", "LinearRegression", "Rosenbrock", "make_linear_data", "article001_data"]


def _as_theta(theta: Any, dim: int) -> np.ndarray:
    """``theta`` as a float64 array of shape ``(..., dim)``."""
    theta = as_float_array("theta", theta)
    if theta.ndim == 0 or theta.shape[-1] != dim:
        raise ValueError(f"theta must have shape (..., {dim}), got {theta.shape}")
    return theta


def _quiet() -> np.errstate:
    """Overflow gives inf, inf − inf NaN, silently (see the module docstring)."""
    return np.errstate(over="ignore", invalid="ignore")


def _check_finite(name: str, arr: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold finite numbers (no NaN or inf)")
    return arr


def _check_batch_size(batch_size: Any, n: int | None = None) -> int:
    batch_size = check_int("batch_size", batch_size, minimum=1)
    if n is not None and batch_size > n:
        raise ValueError(f"batch_size must be an integer in [1, {n}] (the number of samples), got {batch_size}")
    return batch_size


class _ConstantHessian:
    """Facts every problem with a constant Hessian ``H = self.hessian()`` shares."""

    def hessian(self) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of the Hessian, ascending."""
        return np.linalg.eigvalsh(self.hessian())

    def stability_limit(self) -> float:
        """``2 / lambda_max``: plain GD converges iff ``0 < lr < stability_limit()``."""
        return 2.0 / self.eigenvalues()[-1]

    def condition_number(self) -> float:
        """``kappa = lambda_max / lambda_min`` (inf if the Hessian is singular)."""
        lam = self.eigenvalues()
        return float(lam[-1] / lam[0]) if lam[0] > 0 else float("inf")

    def best_fixed_lr(self) -> float:
        """``2 / (lambda_min + lambda_max)``: the constant GD rate with the fastest worst-case
        convergence; every error component then shrinks by ``(kappa - 1) / (kappa + 1)`` per step."""
        lam = self.eigenvalues()
        return 2.0 / (lam[0] + lam[-1])

    def stochastic_grad(self, theta: Any, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        """No data to subsample: the exact gradient (``rng`` is not used)."""
        _check_batch_size(batch_size)
        return self.grad(theta)


class Quadratic(_ConstantHessian):
    r"""The quadratic bowl ``f(theta) = 1/2 theta^T A theta - b^T theta + c``.

    ``A`` must be symmetric positive definite (d x d); ``b`` defaults to zeros, so the minimum
    is at the origin. Gradient ``A theta - b``, Hessian ``A``, minimizer ``A^{-1} b``.
    GD with rate ``lr`` multiplies the error along the eigenvector of ``lambda_i`` by
    ``1 - lr * lambda_i`` per step, hence the stability limit ``2 / lambda_max``.
    """

    def __init__(self, A: Any, b: Any = None, c: float = 0.0):
        A = _check_finite("A", as_float_array("A", A, ndim=2))
        if A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise ValueError(f"A must be a square, non-empty matrix, got shape {A.shape}")
        scale = np.max(np.abs(A))
        if not np.allclose(A, A.T, rtol=1e-10, atol=1e-12 * scale):
            raise ValueError("A must be symmetric (A == A.T)")
        with _quiet():
            A = (A + A.T) / 2
        if not np.all(np.isfinite(A)):
            raise ValueError("A's entries must be below ~9e307 in magnitude ((A + A.T) / 2 overflows)")
        if np.linalg.eigvalsh(A)[0] <= 0:
            raise ValueError("A must be positive definite (all eigenvalues > 0)")
        d = A.shape[0]
        if b is None:
            b = np.zeros(d)
        b = _check_finite("b", as_float_array("b", b, ndim=1))
        if b.shape != (d,):
            raise ValueError(f"b must have shape ({d},) to match A, got {b.shape}")
        self.A, self.b, self.c = A, b, check_real("c", c)

    @classmethod
    def from_condition(cls, kappa: float, lam_max: float = 1.0, angle: float = 0.0) -> "Quadratic":
        """A 2-D bowl with eigenvalues ``lam_max / kappa`` and ``lam_max``, minimum at 0.

        ``A = R diag(lam_max / kappa, lam_max) R^T`` with ``R`` the rotation by ``angle``
        (radians, counter-clockwise): at ``angle=0`` the flat direction is the first axis and
        the steep one the second.
        """
        kappa = check_real("kappa", kappa)
        if not (1 <= kappa < np.inf):
            raise ValueError(f"kappa must be a finite number >= 1, got {kappa!r}")
        lam_max = check_positive("lam_max", lam_max)
        angle = check_real("angle", angle)
        if not np.isfinite(angle):
            raise ValueError(f"angle must be finite (radians), got {angle!r}")
        cos, sin = np.cos(angle), np.sin(angle)
        R = np.array([[cos, -sin], [sin, cos]])
        with _quiet():
            A = R @ np.diag([lam_max / kappa, lam_max]) @ R.T
        try:
            return cls(A)
        except ValueError as exc:   # lam_max / kappa lost to rounding or underflow, or lam_max near overflow
            raise ValueError(f"kappa={kappa!r} with lam_max={lam_max!r} gives no usable float64 matrix: {exc}") from None

    @property
    def dim(self) -> int:
        return self.A.shape[0]

    def loss(self, theta: Any) -> np.ndarray:
        """``1/2 theta^T A theta - b^T theta + c``, shape ``theta.shape[:-1]``."""
        theta = _as_theta(theta, self.dim)
        with _quiet():
            return 0.5 * np.einsum("...i,ij,...j->...", theta, self.A, theta) - theta @ self.b + self.c

    def grad(self, theta: Any) -> np.ndarray:
        """``A theta - b``, shape ``theta.shape``."""
        theta = _as_theta(theta, self.dim)
        with _quiet():
            return theta @ self.A - self.b  # A is symmetric

    def hessian(self) -> np.ndarray:
        """``A`` (a copy)."""
        return self.A.copy()

    def minimizer(self) -> np.ndarray:
        """``A^{-1} b``."""
        with _quiet():
            return np.linalg.solve(self.A, self.b)

    def min_loss(self) -> float:
        """``f(A^{-1} b) = c - 1/2 b^T A^{-1} b``."""
        return float(self.loss(self.minimizer()))

    def __repr__(self) -> str:
        return f"Quadratic(dim={self.dim}, eigenvalues={np.round(self.eigenvalues(), 6).tolist()})"


class LinearRegression(_ConstantHessian):
    r"""Least-squares linear regression with the half mean squared error.

    ``X`` has shape ``(n, p)``, or ``(n,)`` for one feature; ``y`` shape ``(n,)``. With
    ``fit_intercept=True`` the design matrix gets a column of ones FIRST, so
    ``theta = [b, w_1, ..., w_p]`` and ``dim = p + 1``. With ``Xd`` the design matrix and
    residuals ``r = Xd theta - y``:

    * loss ``L(theta) = 1/(2n) sum_i r_i^2`` ("half-MSE", so the gradient has no factor 2),
    * gradient ``Xd^T r / n``, Hessian ``Xd^T Xd / n`` (constant),
    * minibatch gradient over a set ``B``: ``Xd_B^T r_B / |B|``.
    """

    def __init__(self, X: Any, y: Any, fit_intercept: bool = True):
        X = _check_finite("X", as_float_array("X", X))
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must have shape (n,) or (n, p) with n >= 1, got {X.shape}")
        y = _check_finite("y", as_float_array("y", y))
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must have shape ({X.shape[0]},) to match X's {X.shape[0]} rows, got {y.shape}")
        if not isinstance(fit_intercept, (bool, np.bool_)):
            raise TypeError(f"fit_intercept must be True or False, got {fit_intercept!r}")
        self.fit_intercept = bool(fit_intercept)
        self.X = self._design(X)  # design matrix (n, dim)
        self.y = y

    def _design(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(len(X)), X]) if self.fit_intercept else X

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    def _residuals(self, theta: np.ndarray, idx: Any = slice(None)) -> np.ndarray:
        return theta @ self.X[idx].T - self.y[idx]  # shape (..., n)

    def loss(self, theta: Any) -> np.ndarray:
        """``1/(2n) * sum_i (x_i . theta - y_i)^2``, shape ``theta.shape[:-1]``."""
        theta = _as_theta(theta, self.dim)
        # = 0.5 * np.mean(r**2, axis=-1), bit for bit, without np.mean's Python-level overhead
        with _quiet():
            return 0.5 * (np.square(self._residuals(theta)).sum(axis=-1) / self.X.shape[0])

    def grad(self, theta: Any) -> np.ndarray:
        """Full-batch gradient ``Xd^T (Xd theta - y) / n``, shape ``theta.shape``."""
        theta = _as_theta(theta, self.dim)
        with _quiet():
            return self._residuals(theta) @ self.X / self.n

    def stochastic_grad(self, theta: Any, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        """Minibatch gradient ``Xd_B^T r_B / |B|``.

        ``B = rng.choice(n, batch_size, replace=False)`` (``batch_size=1``: ``B = [rng.integers(n)]``).
        The same minibatch serves every row of a batched ``theta`` (common random numbers).
        """
        theta = _as_theta(theta, self.dim)
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        batch_size = _check_batch_size(batch_size, self.n)
        idx = [rng.integers(self.n)] if batch_size == 1 else rng.choice(self.n, batch_size, replace=False)
        with _quiet():
            return self._residuals(theta, idx) @ self.X[idx] / batch_size

    def hessian(self) -> np.ndarray:
        """``Xd^T Xd / n``."""
        with _quiet():
            return self.X.T @ self.X / self.n

    def solution(self) -> np.ndarray:
        """Least-squares ``theta*`` (``np.linalg.lstsq`` on the design matrix)."""
        with _quiet():
            return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    minimizer = solution

    def min_loss(self) -> float:
        """The half-MSE at :meth:`solution`."""
        return float(self.loss(self.solution()))

    def predict(self, theta: Any, x: Any) -> np.ndarray:
        """Predictions ``[1, x] . theta`` for inputs ``x`` of shape ``(m,)`` or ``(m, p)``;
        shape ``theta.shape[:-1] + (m,)``."""
        theta = _as_theta(theta, self.dim)
        x = as_float_array("x", x)
        x = x[:, None] if x.ndim == 1 else x
        if x.ndim != 2 or self._design(x).shape[1] != self.dim:
            raise ValueError(f"x must have shape (m,) or (m, {self.dim - self.fit_intercept}), got {x.shape}")
        with _quiet():
            return theta @ self._design(x).T

    def __repr__(self) -> str:
        return f"LinearRegression(n={self.n}, dim={self.dim}, fit_intercept={self.fit_intercept})"


class Rosenbrock:
    r"""The Rosenbrock valley ``f(x, y) = (a - x)^2 + b (y - x^2)^2``, ``theta = [x, y]``.

    Gradient ``[-2(a - x) - 4 b x (y - x^2), 2 b (y - x^2)]``; minimum 0 at ``(a, a^2)``,
    at the end of a long curved valley. Rosenbrock, *Comput. J.* 3(3), 1960.
    """

    dim = 2

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = check_real("a", a)
        self.b = check_nonnegative("b", b)
        if not np.isfinite(self.a * self.a):
            raise ValueError(f"a must be below ~1.3e154 in magnitude, so that the minimizer (a, a**2) "
                             f"is finite, got {self.a!r}")

    def loss(self, theta: Any) -> np.ndarray:
        """``(a - x)^2 + b (y - x^2)^2``, shape ``theta.shape[:-1]``."""
        theta = _as_theta(theta, 2)
        x, y = theta[..., 0], theta[..., 1]
        with _quiet():
            return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, theta: Any) -> np.ndarray:
        """``[-2(a - x) - 4 b x (y - x^2), 2 b (y - x^2)]``, shape ``theta.shape``."""
        theta = _as_theta(theta, 2)
        x, y = theta[..., 0], theta[..., 1]
        with _quiet():
            return np.stack([-2 * (self.a - x) - 4 * self.b * x * (y - x**2), 2 * self.b * (y - x**2)], axis=-1)

    def hessian(self, theta: Any) -> np.ndarray:
        """``[[2 - 4b(y - 3x^2), -4bx], [-4bx, 2b]]`` at ``theta``, shape ``theta.shape + (2,)``."""
        theta = _as_theta(theta, 2)
        x, y = theta[..., 0], theta[..., 1]
        with _quiet():
            hxy = -4 * self.b * x
            return np.stack([np.stack([2 - 4 * self.b * (y - 3 * x**2), hxy], -1),
                             np.stack([hxy, np.full_like(x, 2 * self.b)], -1)], -2)

    def stochastic_grad(self, theta: Any, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        """No data to subsample: the exact gradient (``rng`` is not used)."""
        _check_batch_size(batch_size)
        return self.grad(theta)

    def minimizer(self) -> np.ndarray:
        """``(a, a^2)``."""
        return np.array([self.a, self.a**2])

    def min_loss(self) -> float:
        return 0.0

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a}, b={self.b})"


def make_linear_data(n: int = 100, w: float = 2.0, b: float = 1.0, noise: float = 0.1,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Noisy points on a line: ``y = w x + b + noise * eps``, ``x ~ U[0, 1)``, ``eps ~ N(0, 1)``.

    Drawn as ``rng = np.random.default_rng(seed); x = rng.random(n); eps = rng.standard_normal(n)``
    (in that order). Returns ``(x, y)``, each of shape ``(n,)``. With the defaults the
    least-squares fit is ``[b, w] = [0.99925, 1.98693]`` with half-MSE 0.00470.
    ``n`` is at most ``2**31 − 1``; w, b and noise so large that y overflows are refused.
    """
    n = check_int("n", n, minimum=1, maximum=MAX_SIZE)
    w, b, noise = check_real("w", w), check_real("b", b), check_nonnegative("noise", noise)
    seed = check_int("seed", seed, minimum=0)
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    eps = rng.standard_normal(n)
    with _quiet():
        y = w * x + b + noise * eps
    if not np.all(np.isfinite(y)):
        raise ValueError(f"w, b and noise are too large: y = w x + b + noise * eps overflows float64 "
                         f"(w={w!r}, b={b!r}, noise={noise!r})")
    return x, y


def article001_data() -> tuple[np.ndarray, np.ndarray]:
    """The data of article 001: ``y = 2x + 1 + 0.5 * eps`` for 100 points.

    The same numbers as the article's set-up: the legacy seed-0 ``RandomState`` stream draws 100
    uniform x in [0, 1), then 100 standard normals ε, and y = 2x + 1 + 0.5·ε; returned flattened
    as ``(x, y)`` of shape ``(100,)``.
    Least-squares predictions at ``x = 2, 3, 4`` are about 5.048, 7.016, 8.985.
    """
    legacy = np.random.RandomState(0)        # the stream np.random.seed(0) gives
    x = legacy.uniform(size=100)
    eps = legacy.standard_normal(size=100)
    y = 2.0 * x + 1.0 + 0.5 * eps           # same order of operations, same floats
    return x, y
