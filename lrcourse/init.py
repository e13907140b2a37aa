"""Weight initialisers: how large the starting weights of a layer should be.

Every initialiser has the signature ``init(fan_in, fan_out, rng) -> W`` and returns a float64
array of shape ``(fan_in, fan_out)`` (a layer computes ``X @ W + b`` with ``X`` of shape
``(batch, fan_in)``), sampled from the given ``numpy.random.Generator``. Biases are not
covered here: the MLP sets them to zero.

The scale of the initial weights and the learning rate interact: a scheme that keeps the
variance of activations and gradients roughly constant from layer to layer (Glorot, He) lets
one learning rate suit every layer; a fixed tiny scale makes signals vanish with depth.

Sizes are checked: ``fan_in * fan_out`` at most ``2**31 - 1``, ``gain`` and ``std`` in (0, 1e300].

Sources
-------
- X. Glorot and Y. Bengio, "Understanding the difficulty of training deep feedforward neural
  networks", AISTATS 2010, JMLR W&CP 9:249-256.
- K. He, X. Zhang, S. Ren and J. Sun, "Delving Deep into Rectifiers: Surpassing Human-Level
  Performance on ImageNet Classification", ICCV 2015, arXiv:1502.01852.
- Y. LeCun, L. Bottou, G. Orr and K.-R. Mueller, "Efficient BackProp", in Neural Networks:
  Tricks of the Trade, Springer 1998.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ._checks import MAX_SIZE, check_int, check_positive

__all__ = [
    "xavier_uniform",
    "xavier_normal",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "gaussian",
    "INITIALIZERS",
]


MAX_SCALE = 1e300
"""The largest ``gain`` or ``std`` accepted (larger weights overflow float64 in a layer)."""


def _check(fan_in: Any, fan_out: Any, rng: Any) -> tuple[int, int]:
    fan_in = check_int("fan_in", fan_in, minimum=1, maximum=MAX_SIZE)
    fan_out = check_int("fan_out", fan_out, minimum=1, maximum=MAX_SIZE)
    if fan_in * fan_out > MAX_SIZE:
        raise ValueError(f"fan_in * fan_out must be <= {MAX_SIZE} (a larger float64 matrix needs > 16 GB), "
                         f"got {fan_in} * {fan_out}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. np.random.default_rng(0)), "
            f"got {type(rng).__name__}"
        )
    return fan_in, fan_out


def xavier_uniform(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Glorot/Xavier uniform: W ~ U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).

    Var(W) = a^2 / 3 = gain^2 * 2 / (fan_in + fan_out), the compromise between keeping the
    forward variance (needs fan_in * Var = 1) and the backward variance (fan_out * Var = 1).
    Source: Glorot & Bengio, AISTATS 2010 (JMLR W&CP 9:249-256), eq. 16.
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    gain = check_positive("gain", gain, maximum=MAX_SCALE)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def xavier_normal(fan_in: int, fan_out: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    """Glorot/Xavier normal: W ~ N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Same variance as :func:`xavier_uniform`. Source: Glorot & Bengio, AISTATS 2010
    (JMLR W&CP 9:249-256); PyTorch ``torch.nn.init.xavier_normal_``.
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    gain = check_positive("gain", gain, maximum=MAX_SCALE)
    std = gain * np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He/Kaiming normal: W ~ N(0, std^2) with std = sqrt(2 / fan_in).

    A ReLU zeroes half of its inputs, halving the second moment; the factor 2 compensates,
    so that Var of the pre-activations stays constant through depth (fan-in mode).
    Source: He et al., ICCV 2015 (arXiv:1502.01852), eq. 10.
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He/Kaiming uniform: W ~ U(-a, a) with a = sqrt(6 / fan_in), so Var(W) = 2 / fan_in.

    Source: He et al., ICCV 2015 (arXiv:1502.01852); PyTorch ``kaiming_uniform_``.
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    a = np.sqrt(6.0 / fan_in)
    return rng.uniform(-a, a, size=(fan_in, fan_out))


def lecun_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """LeCun normal: W ~ N(0, std^2) with std = sqrt(1 / fan_in).

    Keeps the variance of a weighted sum equal to that of its (unit-variance) inputs.
    Source: LeCun, Bottou, Orr & Mueller, "Efficient BackProp", 1998, section 4.6.
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    return rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))


def gaussian(fan_in: int, fan_out: int, rng: np.random.Generator, std: float = 0.01) -> np.ndarray:
    """Fixed-scale Gaussian: W ~ N(0, std^2), independent of the layer's size.

    The classic "small random numbers" init (std = 0.01 by default). With depth, each layer
    multiplies the signal's scale by about std * sqrt(fan_in) < 1, so activations and
    gradients shrink geometrically -- the failure that Glorot & Bengio (2010) diagnosed.
    The course's source article calls this fixed small-sigma init a "learning-rate warm
    start".
    """
    fan_in, fan_out = _check(fan_in, fan_out, rng)
    std = check_positive("std", std, maximum=MAX_SCALE)
    return rng.normal(0.0, std, size=(fan_in, fan_out))


INITIALIZERS: dict[str, Callable[..., np.ndarray]] = {
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "gaussian": gaussian,
}
"""Initialisers by name, as accepted by ``lrcourse.mlp.MLP(init=...)``."""
