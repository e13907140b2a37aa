"""A small multilayer perceptron for binary classification, with hand-written backprop.

Functional style: the network object holds only the architecture; all parameters live in ONE
flat float64 vector ``params`` of length ``MLP.n_params``, so any optimizer in
:mod:`lrcourse.optimizers` can update it like any other parameter vector.

Layout of ``params``: for layer l = 1..L in order, the weights ``W_l`` of shape
``(sizes[l-1], sizes[l])`` flattened row-major, then the bias ``b_l`` of shape ``(sizes[l],)``.

Forward pass, with h_0 = X of shape (n, sizes[0]):
    z_l = h_{l-1} W_l + b_l,   h_l = act(z_l)   for the hidden layers l = 1..L-1,
    z_L = h_{L-1} W_L + b_L    (the logits; no activation; sizes[-1] must be 1).
Loss: mean binary cross-entropy on the logits,
    loss = mean_i [ log(1 + exp(z_i)) - y_i z_i ] = mean_i [ logaddexp(0, z_i) - y_i z_i ],
which equals -mean[y log p + (1-y) log(1-p)] with p = sigmoid(z), but never overflows.
Backward pass: dloss/dz_L = (sigmoid(z_L) - y) / n, then for l = L..1:
    dW_l = h_{l-1}^T dz_l,  db_l = sum_i dz_l,  dh_{l-1} = dz_l W_l^T,  dz_{l-1} = dh_{l-1} * act'(z_{l-1}).
(Rumelhart, Hinton & Williams, "Learning representations by back-propagating errors",
Nature 323, 1986.)

Loss, gradient, accuracy and layer statistics need at least one row of data (the forward pass
of zero rows gives an empty array). Parameters or inputs so large that a signal overflows
float64 give inf or NaN results without a RuntimeWarning (the training loops report divergence).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, Union

import numpy as np

from ._checks import MAX_SIZE, as_float_array, check_choice, check_int
from .init import INITIALIZERS

__all__ = ["MLP", "Classification"]

_ACTIVATIONS = {
    # name: (f(z), f'(z) given z and h = f(z))
    "tanh": (np.tanh, lambda z, h: 1.0 - h * h),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, h: (z > 0).astype(np.float64)),
}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """sigmoid(z) = (1 + tanh(z/2)) / 2, which cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _labels(y: Any, n: int) -> np.ndarray:
    """Check that y holds n labels, each 0 or 1; return them as float64."""
    try:
        arr = np.asarray(y)
    except (TypeError, ValueError) as exc:   # ragged lists and the like
        raise TypeError(f"y must be array-like of labels 0 and 1: {exc}") from None
    if arr.dtype == bool:
        arr = arr.astype(np.float64)
    arr = as_float_array("y", arr, ndim=1)
    if arr.shape[0] != n:
        raise ValueError(f"y must have one label per row of X ({n}), got {arr.shape[0]}")
    if not np.all((arr == 0) | (arr == 1)):
        raise ValueError("y must hold class labels 0 or 1 only")
    return arr


class MLP:
    """Fully connected net ``sizes[0] -> sizes[1] -> ... -> sizes[-1] = 1`` (one logit).

    Args:
        sizes: layer widths, input first, at least (input, output); the output must be 1.
        activation: hidden-layer nonlinearity, "tanh" or "relu".
        init: weight initialiser, a name from :data:`lrcourse.init.INITIALIZERS`
            ("xavier_normal", "xavier_uniform", "he_normal", "he_uniform", "lecun_normal",
            "gaussian") or a callable ``(fan_in, fan_out, rng) -> array``. Biases start at 0.
            The Xavier schemes use gain 1 (as in Glorot & Bengio 2010).
        seed: the initial parameters depend only on this seed (``np.random.default_rng(seed)``,
            layers drawn in order).
    """

    def __init__(self, sizes: Sequence[int], activation: str = "tanh",
                 init: Union[str, Callable[..., np.ndarray]] = "xavier_normal", seed: int = 0):
        try:
            if isinstance(sizes, (str, bytes)):
                raise TypeError
            len(sizes)
        except TypeError:
            raise TypeError(f"sizes must be a sequence of layer widths, got {sizes!r}") from None
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least the input and output widths, got {list(sizes)}")
        self.sizes = tuple(check_int(f"sizes[{i}]", s, minimum=1, maximum=MAX_SIZE) for i, s in enumerate(sizes))
        if self.sizes[-1] != 1:
            raise ValueError(f"sizes[-1] must be 1 (one logit for binary classification), got {self.sizes[-1]}")
        check_choice("activation", activation, tuple(_ACTIVATIONS))
        if isinstance(init, str):
            if init not in INITIALIZERS:
                raise ValueError(f"init must be one of {sorted(INITIALIZERS)} or a callable, got {init!r}")
        elif not callable(init):
            raise TypeError(f"init must be a name or a callable (fan_in, fan_out, rng) -> array, got {init!r}")
        self.activation, self.init, self.seed = activation, init, check_int("seed", seed, minimum=0)
        self._act, self._dact = _ACTIVATIONS[activation]
        self.shapes = [(a, b) for a, b in zip(self.sizes[:-1], self.sizes[1:])]
        self.n_layers = len(self.shapes)
        self.n_params = sum(a * b + b for a, b in self.shapes)

    def __repr__(self) -> str:
        return (f"MLP(sizes={list(self.sizes)}, activation={self.activation!r}, "
                f"init={self.init!r}, seed={self.seed})")

    def init_params(self) -> np.ndarray:
        """A fresh flat parameter vector (n_params,), weights from ``init``, biases 0."""
        rng = np.random.default_rng(self.seed)
        fn = INITIALIZERS[self.init] if isinstance(self.init, str) else self.init
        parts = []
        for a, b in self.shapes:
            W = np.asarray(fn(a, b, rng), dtype=np.float64)
            if W.shape != (a, b):
                raise ValueError(f"init returned shape {W.shape}, expected {(a, b)}")
            parts += [W.ravel(), np.zeros(b)]
        return np.concatenate(parts)

    def _params(self, params: Any) -> np.ndarray:
        p = as_float_array("params", params, ndim=1)
        if p.shape[0] != self.n_params:
            raise ValueError(f"params must have length n_params = {self.n_params}, got {p.shape[0]}")
        return p

    def unflatten(self, params: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """Split the flat vector into [(W_1, b_1), ..., (W_L, b_L)] (copies)."""
        return self._split(self._params(params))

    def _split(self, p: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """:meth:`unflatten` of a checked vector, as views of it."""
        out, i = [], 0
        for a, b in self.shapes:
            out.append((p[i:i + a * b].reshape(a, b), p[i + a * b:i + a * b + b]))
            i += a * b + b
        return out

    def flatten(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Inverse of :meth:`unflatten`."""
        return self._params(np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in layers]))

    def _inputs(self, X: Any, min_rows: int = 0) -> np.ndarray:
        X = as_float_array("X", X, ndim=2)
        if X.shape[1] != self.sizes[0]:
            raise ValueError(f"X must have sizes[0] = {self.sizes[0]} columns, got shape {X.shape}")
        if X.shape[0] < min_rows:
            raise ValueError(f"X must have at least {min_rows} row(s) here, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("X must hold finite values")
        return X

    def forward(self, params: Any, X: Any, return_cache: bool = False):
        """Logits of shape (n,). With ``return_cache``: ``(logits, cache)``, cache =
        ``{"pre": [z_1, ..., z_L], "act": [h_0 = X, h_1, ..., h_{L-1}]}``."""
        return self._forward(self.unflatten(params), self._inputs(X), return_cache)

    def _forward(self, layers, h: np.ndarray, return_cache: bool = False):
        """:meth:`forward` of checked layers (:meth:`_split`) and inputs ``h`` = X."""
        pre, act = [], [h]
        with np.errstate(over="ignore", invalid="ignore"):
            for l, (W, b) in enumerate(layers):
                z = h @ W + b
                pre.append(z)
                if l < self.n_layers - 1:
                    h = self._act(z)
                    act.append(h)
        logits = pre[-1][:, 0]
        return (logits, {"pre": pre, "act": act}) if return_cache else logits

    def _backward(self, layers, cache, dlogits):
        """Backprop ``dlogits`` (n,); returns (grads [(dW, db)], dz per layer, dh per hidden)."""
        pre, act = cache["pre"], cache["act"]
        dz = dlogits[:, None]
        grads, dzs, dhs = [None] * self.n_layers, [None] * self.n_layers, [None] * (self.n_layers - 1)
        with np.errstate(over="ignore", invalid="ignore"):
            for l in range(self.n_layers - 1, -1, -1):
                W = layers[l][0]
                dzs[l] = dz
                grads[l] = (act[l].T @ dz, dz.sum(axis=0))
                if l > 0:
                    dh = dz @ W.T
                    dhs[l - 1] = dh
                    dz = dh * self._dact(pre[l - 1], act[l])
        return grads, dzs, dhs

    def loss(self, params: Any, X: Any, y: Any) -> float:
        """Mean binary cross-entropy on logits: mean(logaddexp(0, z) - y z)."""
        p, X = self._params(params), self._inputs(X, min_rows=1)
        return self._loss(p, X, _labels(y, X.shape[0]))

    def grad(self, params: Any, X: Any, y: Any) -> np.ndarray:
        """Gradient of :meth:`loss` w.r.t. the flat params, by backprop (shape (n_params,))."""
        p, X = self._params(params), self._inputs(X, min_rows=1)
        return self._grad(p, X, _labels(y, X.shape[0]))

    # the two without argument checks, for :class:`Classification` (which checks X and y once)
    def _loss(self, p: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
        z = self._forward(self._split(p), X)
        with np.errstate(over="ignore", invalid="ignore"):
            return float(np.mean(np.logaddexp(0.0, z) - y * z))

    def _grad(self, p: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        layers = self._split(p)
        z, cache = self._forward(layers, X, return_cache=True)
        grads, _, _ = self._backward(layers, cache, (_sigmoid(z) - y) / z.shape[0])
        return np.concatenate([np.concatenate([dW.ravel(), db]) for dW, db in grads])

    def predict_proba(self, params: Any, X: Any) -> np.ndarray:
        """P(y = 1 | x) = sigmoid(logit), shape (n,)."""
        return _sigmoid(self.forward(params, X))

    def accuracy(self, params: Any, X: Any, y: Any) -> float:
        """Fraction of rows where (logit > 0) matches the label."""
        z = self._forward(self.unflatten(params), self._inputs(X, min_rows=1))
        return float(np.mean((z > 0) == (_labels(y, z.shape[0]) == 1)))

    def layer_stats(self, params: Any, X: Any, y: Any = None) -> dict[str, np.ndarray]:
        """Standard deviations of the signals, layer by layer (Glorot & Bengio 2010, sec. 4).

        Returns a dict of float64 arrays (index 0 = first layer):
          "preact_std" (L,): std of z_l over all rows and units (the last is the logits);
          "act_std" (L-1,): std of the hidden activations h_l;
          "grad_act_std" (L-1,): std of the backward signal d(.)/dh_l;
          "grad_preact_std" (L,): std of d(.)/dz_l;
          "grad_W_std" (L,): std of the weight gradient d(.)/dW_l.
        The backward signal is the gradient of the mean BCE loss if ``y`` is given, else of
        sum_i logit_i (dlogits = 1 for every row: the net's own Jacobian, free of labels).
        Only ratios between layers matter for the vanishing/exploding picture.
        """
        layers = self.unflatten(params)
        z, cache = self._forward(layers, self._inputs(X, min_rows=1), return_cache=True)
        dlogits = np.ones_like(z) if y is None else (_sigmoid(z) - _labels(y, z.shape[0])) / z.shape[0]
        grads, dzs, dhs = self._backward(layers, cache, dlogits)
        arrays = {"preact_std": cache["pre"], "act_std": cache["act"][1:], "grad_act_std": dhs,
                  "grad_preact_std": dzs, "grad_W_std": [dW for dW, _ in grads]}
        with np.errstate(over="ignore", invalid="ignore"):
            return {k: np.array([np.std(a) for a in v], dtype=np.float64) for k, v in arrays.items()}


class Classification:
    """An :class:`MLP` on a fixed dataset, as a ``problem`` for :func:`lrcourse.train.minimize`.

    ``loss(theta)`` and ``grad(theta)`` accept theta of shape (d,) or (..., d) (rows are
    evaluated one by one) and return shapes ``theta.shape[:-1]`` and ``theta.shape``.
    ``stochastic_grad(theta, rng, batch_size)`` averages over a minibatch of ``batch_size``
    distinct rows drawn with ``rng.choice(n, batch_size, replace=False)``; a batched theta
    uses the same minibatch for every row.
    """

    def __init__(self, mlp: MLP, X: Any, y: Any):
        if not isinstance(mlp, MLP):
            raise TypeError(f"mlp must be an lrcourse.mlp.MLP, got {type(mlp).__name__}")
        self.mlp, self.X = mlp, mlp._inputs(X, min_rows=1)
        self.y = _labels(y, self.X.shape[0])
        self.n, self.dim = self.X.shape[0], mlp.n_params

    def init_params(self) -> np.ndarray:
        """The wrapped MLP's initial parameters (depend only on its seed)."""
        return self.mlp.init_params()

    def _rows(self, theta: Any, fn: Callable[[np.ndarray], Any], shape: Callable[[tuple], tuple]):
        t = as_float_array("theta", theta)
        if t.ndim == 0 or t.shape[-1] != self.dim:
            raise ValueError(f"theta must have shape (..., {self.dim}), got {t.shape}")
        if t.ndim == 1:                                   # one parameter vector: the usual case
            return np.float64(fn(t)) if shape(t.shape) == () else np.asarray(fn(t), dtype=np.float64)
        out = np.array([fn(row) for row in t.reshape(-1, self.dim)], dtype=np.float64)
        return out.reshape(shape(t.shape))[()]  # a 0-d result comes back as np.float64

    def loss(self, theta: Any):
        """Mean BCE on the whole dataset, shape theta.shape[:-1]."""
        return self._rows(theta, lambda p: self.mlp._loss(p, self.X, self.y), lambda s: s[:-1])

    def grad(self, theta: Any) -> np.ndarray:
        """Full-batch gradient, shape theta.shape."""
        return self._rows(theta, lambda p: self.mlp._grad(p, self.X, self.y), lambda s: s)

    def stochastic_grad(self, theta: Any, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        batch_size = check_int("batch_size", batch_size, minimum=1)
        if batch_size > self.n:
            raise ValueError(f"batch_size must be <= n = {self.n}, got {batch_size}")
        idx = rng.choice(self.n, batch_size, replace=False)
        Xb, yb = self.X[idx], self.y[idx]
        return self._rows(theta, lambda p: self.mlp._grad(p, Xb, yb), lambda s: s)

    def accuracy(self, theta: Any):
        """Training accuracy, shape theta.shape[:-1]."""
        return self._rows(theta, lambda p: self.mlp.accuracy(p, self.X, self.y), lambda s: s[:-1])
