"""A multiclass MLP trained as MANY RUNS AT ONCE (learning rates x seeds), with hand-written backprop.

The network object holds only the architecture. Parameters are one flat float64 vector per run;
K runs are a ``(K, n_params)`` array, row k being run k, so a learning-rate sweep over K runs is
one vectorised loop (batched ``np.matmul`` on ``(K, n, width)`` arrays) and every optimizer in
:mod:`lrcourse.optimizers` with an array of K rates (``SGD(lr=lrs)``) updates all runs row-wise.

Layout of one parameter vector (as :mod:`lrcourse.mlp`): for layer l = 1..L in order, ``W_l`` of
shape ``(sizes[l-1], sizes[l])`` flattened row-major, then ``b_l`` of shape ``(sizes[l],)``.

Forward pass of run k, with h_0 = X (n, sizes[0]):
    z_l = h_{l-1} W_l + b_l,  h_l = relu(z_l) = max(z_l, 0)   (hidden layers l = 1..L-1),
    z_L = h_{L-1} W_L + b_L   (the C = sizes[-1] logits).
Loss: mean softmax cross-entropy, computed stably with logsumexp,
    CE = mean_i [ lse(z_i) - z_{i, y_i} ],   lse(z) = m + log sum_j exp(z_j - m),  m = max_j z_j,
(= -mean_i log softmax(z_i)_{y_i}, but no exp can overflow) plus, with ``weight_decay = lam``,
the explicit L2 term on the WEIGHTS (biases are not decayed):
    objective = CE + (lam / 2) * sum_l ||W_l||_F^2.
This coupled L2 penalty is what the problem optimizes; for AdamW's *decoupled* decay pass
``weight_decay=0`` here and use ``optimizers.AdamW(lr, weight_decay=...)`` instead (which decays
every parameter, biases included, as ``torch.optim.AdamW`` does).
Backward pass: dCE/dz_L = (softmax(z_L) - onehot(y)) / n, then for l = L..1:
    dW_l = h_{l-1}^T dz_l + lam W_l,  db_l = sum_i dz_l,  dh_{l-1} = dz_l W_l^T,
    dz_{l-1} = dh_{l-1} * [z_{l-1} > 0]   (the ReLU's derivative, taken as 0 at z = 0, as PyTorch).
(Rumelhart, Hinton & Williams 1986; softmax cross-entropy: Bridle 1990; He init: He et al. 2015.)
``activation="tanh"`` is offered too (smooth: finite-difference checks need no care at kinks).

Initialisation: run k's parameters come from ``np.random.default_rng(seeds[k])`` alone: He normal
weights ``W_l ~ N(0, 2 / sizes[l-1])`` drawn layer by layer (:func:`lrcourse.init.he_normal`),
biases 0. Two runs with the same seed start at the same point whatever their rates.

Training (:func:`fit`, :func:`sweep`): epochs over the training rows in minibatches of
``batch_size`` (the last one smaller if ``batch_size`` does not divide n; every row once per
epoch, as ``torch.utils.data.DataLoader(shuffle=True)`` with ``drop_last=False``). The order of
epoch e is ``rng.permutation(n)`` with ``rng = np.random.default_rng(order_seed)`` drawn once per
epoch: one shared order for all runs (an int ``order_seed``: common random numbers) or one per run
(an array of K seeds; :func:`sweep` gives each run its init seed, so all rates of one seed see the
same batches and the seeds differ in init AND order). Update t (0-based over all epochs) uses
``optimizer.lr_at(t)``, so schedules count updates, not epochs.

Divergence, as :func:`lrcourse.train.sweep`: a run is stopped as soon as a loss it reports, the
minibatch objective at each step or the full training objective after each epoch, is non-finite
or exceeds ``blowup * max(|train_loss[0]|, 1e-12)``; its parameters stay at their point before
the offending update (they keep being computed, masked, with numpy's warnings silenced, so no
RuntimeWarning escapes). See :class:`FitResult`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from ._checks import MAX_SIZE, as_float_array, check_choice, check_int, check_nonnegative, check_positive
from .init import he_normal
from .train import _check_optimizer, _left_start_at, _update

__all__ = ["Network", "Objective", "FitResult", "fit", "sweep", "grid"]

# name: (f applied in place to z, f' as a function of h = f(z)); relu'(z) = [z > 0] = [h > 0]
_ACT = {"relu": (lambda z: np.maximum(z, 0.0, out=z), lambda h: h > 0),
        "tanh": (lambda z: np.tanh(z, out=z), lambda h: 1.0 - h * h)}


def _check_seeds(seeds: Any, name: str = "seeds") -> np.ndarray:
    arr = np.atleast_1d(np.asarray(seeds))
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer or a non-empty 1-D array of integers, got {seeds!r}")
    if np.any(arr < 0):
        raise ValueError(f"{name} must be integers >= 0, got {arr.min()}")
    return arr.astype(np.int64)


class Network:
    """Fully connected net ``sizes[0] -> ... -> sizes[-1] = C`` (C >= 2 class logits), ReLU hidden
    layers (or tanh), softmax cross-entropy; all methods take ``theta`` of shape (n_params,) for one
    run or (K, n_params) for K runs (the result then has a leading K axis).

    ``X`` is (n, sizes[0]), shared by every run, or (K, n, sizes[0]), one batch per run; ``y`` is
    (n,) or (K, n) integer labels in ``0 .. C - 1``.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "relu"):
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
            raise TypeError(f"sizes must be a sequence of layer widths, got {sizes!r}")
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least the input and output widths, got {list(sizes)}")
        self.sizes = tuple(check_int(f"sizes[{i}]", s, minimum=1, maximum=MAX_SIZE) for i, s in enumerate(sizes))
        if self.sizes[-1] < 2:
            raise ValueError(f"sizes[-1] must be the number of classes, >= 2, got {self.sizes[-1]}")
        self.activation = check_choice("activation", activation, tuple(_ACT))
        self._act, self._dact = _ACT[activation]
        self.shapes = list(zip(self.sizes[:-1], self.sizes[1:]))
        self.n_classes = self.sizes[-1]
        self.n_params = sum(a * b + b for a, b in self.shapes)
        offsets, i = [], 0
        for a, b in self.shapes:
            offsets.append((i, i + a * b, i + a * b + b))
            i += a * b + b
        self._offsets = offsets

    def __repr__(self) -> str:
        return f"Network(sizes={list(self.sizes)}, activation={self.activation!r})"

    # ---- parameters -------------------------------------------------------------------
    def init_params(self, seeds: Any = 0) -> np.ndarray:
        """He-normal weights, zero biases; an int seed gives (n_params,), an array of K seeds
        gives (K, n_params) with row k from ``np.random.default_rng(seeds[k])`` only."""
        single = np.ndim(seeds) == 0
        arr = _check_seeds(seeds)
        out = np.empty((len(arr), self.n_params))
        for k, s in enumerate(arr):
            rng = np.random.default_rng(int(s))
            for (a, b), (i, j, e) in zip(self.shapes, self._offsets):
                out[k, i:j] = he_normal(a, b, rng).ravel()
                out[k, j:e] = 0.0
        return out[0] if single else out

    def layers(self, theta: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W_1, b_1), ...], views: W_l (K, a, b), b_l (K, b) for theta (K, n_params) (no K axis
        for theta (n_params,))."""
        t = self._theta(theta)
        out = [(t[..., i:j].reshape(t.shape[:-1] + (a, b)), t[..., j:e])
               for (a, b), (i, j, e) in zip(self.shapes, self._offsets)]
        return out

    def _theta(self, theta: Any, name: str = "theta") -> np.ndarray:
        t = as_float_array(name, theta)
        if t.ndim not in (1, 2) or t.shape[-1] != self.n_params:
            raise ValueError(f"{name} must have shape ({self.n_params},) or (K, {self.n_params}), got {t.shape}")
        return t

    def _data(self, X: Any, y: Any, K: int | None) -> tuple[np.ndarray, np.ndarray]:
        X = as_float_array("X", X)
        d = self.sizes[0]
        if not (X.ndim == 2 or (X.ndim == 3 and K is not None and X.shape[0] == K)) or X.shape[-1] != d \
                or X.shape[-2] == 0:
            allowed = f"(n, {d})" + ("" if K is None else f" or ({K}, n, {d})")
            raise ValueError(f"X must have shape {allowed} with n >= 1, got {X.shape}")
        yy = np.asarray(y)
        if yy.dtype.kind not in "iu":
            raise TypeError(f"y must hold integer class labels, got dtype {yy.dtype}")
        if yy.shape != X.shape[:-1]:
            raise ValueError(f"y must have shape {X.shape[:-1]} (one label per row of X), got {yy.shape}")
        if yy.size and (yy.min() < 0 or yy.max() >= self.n_classes):
            raise ValueError(f"y must hold labels in 0 .. {self.n_classes - 1}, got {yy.min()} .. {yy.max()}")
        return X, yy.astype(np.intp)

    # ---- forward / backward ----------------------------------------------------------
    def _forward(self, t: np.ndarray, X: np.ndarray):
        """t (K, n_params) checked, X (n, d) or (K, n, d): logits (K, n, C), cache."""
        hs = [X]
        h = X
        layers = self.layers(t)
        for l, (W, b) in enumerate(layers):
            z = np.matmul(h, W)                 # (K, n, b): a fresh array, updated in place below
            z += b[:, None, :]
            if l < len(layers) - 1:
                h = self._act(z)
                hs.append(h)
        return z, (hs, layers)

    @staticmethod
    def _cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-run mean CE (K,) and softmax (K, n, C) of logits z (K, n, C), labels y (n,) or (K, n)."""
        m = z.max(axis=-1, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(axis=-1, keepdims=True)
        lse = m[..., 0] + np.log(s[..., 0])
        yk = np.broadcast_to(y, z.shape[:-1])
        picked = np.take_along_axis(z, yk[..., None], axis=-1)[..., 0]
        return (lse - picked).mean(axis=-1), e / s

    def _l2(self, layers) -> np.ndarray:
        return 0.5 * sum(np.einsum("kab,kab->k", W, W) for W, _ in layers)

    def _loss_grad(self, t: np.ndarray, X: np.ndarray, y: np.ndarray, lam: float, want_grad: bool = True):
        z, (hs, layers) = self._forward(t, X)
        ce, p = self._cross_entropy(z, y)
        loss = ce + lam * self._l2(layers) if lam else ce
        if not want_grad:
            return loss, None
        K, n = z.shape[0], z.shape[1]
        dz = p
        yk = np.broadcast_to(y, z.shape[:-1])
        np.put_along_axis(dz, yk[..., None], np.take_along_axis(dz, yk[..., None], axis=-1) - 1.0, axis=-1)
        dz /= n
        g = np.empty_like(t)
        for l in range(len(layers) - 1, -1, -1):
            W = layers[l][0]
            i, j, e = self._offsets[l]
            h = hs[l]
            hT = np.swapaxes(h, -1, -2)
            dW = np.matmul(hT, dz)                       # (K, a, b), also for a shared h = X (n, a)
            if lam:
                dW = dW + lam * W
            g[:, i:j] = dW.reshape(K, -1)
            g[:, j:e] = dz.sum(axis=1)
            if l:
                dz = np.matmul(dz, np.swapaxes(W, -1, -2))       # dh_{l-1}
                dz *= self._dact(hs[l])
        return loss, g

    def _batched(self, theta: Any):
        t = self._theta(theta)
        return (t[None, :], True) if t.ndim == 1 else (t, False)

    def logits(self, theta: Any, X: Any) -> np.ndarray:
        """The logits, (K, n, C) (or (n, C) for one run)."""
        t, single = self._batched(theta)
        X, _ = self._data(X, np.zeros(np.shape(X)[:-1], dtype=np.int64), None if single else len(t))
        with np.errstate(all="ignore"):
            z, _ = self._forward(t, X)
        return z[0] if single else z

    def loss(self, theta: Any, X: Any, y: Any, weight_decay: float = 0.0):
        """Mean softmax CE + (weight_decay / 2) * sum ||W||^2, (K,) (or a float for one run)."""
        t, single = self._batched(theta)
        X, y = self._data(X, y, None if single else len(t))
        lam = check_nonnegative("weight_decay", weight_decay)
        with np.errstate(all="ignore"):
            loss, _ = self._loss_grad(t, X, y, lam, want_grad=False)
        return np.float64(loss[0]) if single else loss

    def loss_and_grad(self, theta: Any, X: Any, y: Any, weight_decay: float = 0.0):
        """(loss, gradient of loss w.r.t. theta), shapes (K,), (K, n_params) (or (), (n_params,))."""
        t, single = self._batched(theta)
        X, y = self._data(X, y, None if single else len(t))
        lam = check_nonnegative("weight_decay", weight_decay)
        with np.errstate(all="ignore"):
            loss, g = self._loss_grad(t, X, y, lam)
        return (np.float64(loss[0]), g[0]) if single else (loss, g)

    def accuracy(self, theta: Any, X: Any, y: Any):
        """Fraction of rows whose largest logit is the label (ties: the first, np.argmax), (K,)."""
        t, single = self._batched(theta)
        X, y = self._data(X, y, None if single else len(t))
        with np.errstate(all="ignore"):
            z, _ = self._forward(t, X)
        acc = (np.argmax(z, axis=-1) == y).mean(axis=-1)
        return np.float64(acc[0]) if single else acc


class Objective:
    """A :class:`Network` on fixed data ``(X, y)`` as a ``problem`` for :func:`lrcourse.train.minimize`
    and :func:`lrcourse.train.sweep`: ``loss(theta)``, ``grad(theta)`` for theta (d,) or (K, d)
    (vectorised over K), ``stochastic_grad(theta, rng, batch_size)`` on the rows
    ``rng.choice(n, batch_size, replace=False)`` (one minibatch for all K rows, a fresh draw each
    step: sampling without replacement within a step, with replacement across steps, as
    :class:`lrcourse.mlp.Classification`; :func:`fit` does epochs instead). ``weight_decay``: the
    explicit L2 term of the module docstring. Note that ``train.sweep`` evaluates the FULL loss
    after every update; for many steps on the whole training set :func:`fit` is much cheaper."""

    def __init__(self, net: Network, X: Any, y: Any, weight_decay: float = 0.0):
        if not isinstance(net, Network):
            raise TypeError(f"net must be an lrcourse.network.Network, got {type(net).__name__}")
        self.net = net
        self.X, self.y = net._data(X, y, None)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.n, self.dim = self.X.shape[0], net.n_params

    def loss(self, theta: Any):
        return self.net.loss(theta, self.X, self.y, self.weight_decay)

    def grad(self, theta: Any) -> np.ndarray:
        return self.net.loss_and_grad(theta, self.X, self.y, self.weight_decay)[1]

    def stochastic_grad(self, theta: Any, rng: np.random.Generator, batch_size: int) -> np.ndarray:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        batch_size = check_int("batch_size", batch_size, minimum=1, maximum=self.n)
        idx = rng.choice(self.n, batch_size, replace=False)
        return self.net.loss_and_grad(theta, self.X[idx], self.y[idx], self.weight_decay)[1]

    def accuracy(self, theta: Any):
        return self.net.accuracy(theta, self.X, self.y)


@dataclass(frozen=True)
class FitResult:
    """K runs trained by :func:`fit`. Per epoch (rows e = 0..epochs; row 0 is the start, row e the
    end of epoch e):

    * ``train_loss`` (epochs + 1, K): the full training OBJECTIVE (CE + L2 term, what is optimized);
    * ``train_acc``, ``val_loss`` (CE only, no penalty), ``val_acc`` (epochs + 1, K);
    * ``step_loss`` (steps, K): the minibatch objective at the parameters BEFORE update t (free:
      it comes out of the gradient's forward pass), the noisy curve a framework logs;
    * ``lr`` (steps, K): the rate of each update.

    A run stopped during epoch e (update t): ``diverged[k]``, ``diverged_at[k] = e`` (epoch, 0-based;
    -1 if it did not), ``diverged_step[k] = t`` (the update after which its loss blew up), and rows
    e + 1.. of the per-epoch arrays and steps t + 1.. of ``step_loss`` hold ``inf`` (losses) and
    ``nan`` (accuracies): the run stopped (``step_loss[t + 1]`` keeps the offending value, as
    :func:`lrcourse.train.sweep` keeps the offending point). ``left_start_at`` (K,): the last epoch e with
    ``train_loss[e] <= train_loss[0]``, when that is not the last row of the run (its training
    objective went above its start then and stayed there; -1 otherwise), as in
    :mod:`lrcourse.train` but counted in epochs. ``params`` (K, n_params): the final parameters
    (for a run stopped by a minibatch loss, its point before the offending update; by the
    end-of-epoch loss, its last point). ``seconds``: wall time of the loop.
    """

    lrs: np.ndarray | None
    seeds: np.ndarray | None
    train_loss: np.ndarray
    train_acc: np.ndarray
    val_loss: np.ndarray
    val_acc: np.ndarray
    step_loss: np.ndarray
    lr: np.ndarray
    diverged: np.ndarray
    diverged_at: np.ndarray
    diverged_step: np.ndarray
    left_start_at: np.ndarray
    params: np.ndarray
    seconds: float

    @property
    def epochs(self) -> int:
        return self.train_loss.shape[0] - 1

    @property
    def best_val_acc(self) -> np.ndarray:
        """(K,): the highest validation accuracy of each run over its epochs (nan-safe)."""
        return np.nanmax(np.where(np.isnan(self.val_acc), -np.inf, self.val_acc), axis=0)


def _check_data(net: Network, data: Any) -> None:
    for name in ("X_train", "y_train", "X_val", "y_val"):
        if not hasattr(data, name):
            raise TypeError(f"data must have X_train, y_train, X_val, y_val (an lrcourse.datasets.Split), "
                            f"got {type(data).__name__}")
    net._data(data.X_train, data.y_train, None)
    net._data(data.X_val, data.y_val, None)


def fit(net: Network, data: Any, optimizer: Any, epochs: int, theta0: Any, batch_size: int = 32,
        weight_decay: float = 0.0, order_seed: Any = 0, blowup: float = 1e10,
        lrs: Any = None, seeds: Any = None) -> FitResult:
    """Train K runs at once for ``epochs`` epochs of minibatch updates (see the module docstring).

    Args:
        net: the architecture; ``data``: a :class:`lrcourse.datasets.Split` (or anything with
            ``X_train, y_train, X_val, y_val``).
        optimizer: an :mod:`lrcourse.optimizers` optimizer whose rate is a float, a schedule, or an
            array of K rates applied row-wise (``SGD(lr=lrs, momentum=0.9)``).
        theta0: (K, n_params) start points (e.g. ``net.init_params(seeds)``), or (n_params,) for K = 1.
        batch_size: rows per update (>= 1; at most the training set's size).
        weight_decay: the explicit L2 term ``(lam/2) sum ||W||^2`` of the objective.
        order_seed: an int (one minibatch order shared by all runs) or K ints (run k's order from
            ``default_rng(order_seed[k])``; runs with equal seeds share their order).
        blowup: divergence threshold, as :func:`lrcourse.train.sweep`.
        lrs, seeds: stored in the result only (labels of the runs).
    Returns a :class:`FitResult`.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an lrcourse.network.Network, got {type(net).__name__}")
    _check_data(net, data)
    _check_optimizer(optimizer)
    epochs = check_int("epochs", epochs, minimum=1, maximum=10**6)
    t = net._theta(theta0, "theta0")
    theta = (t[None, :] if t.ndim == 1 else t).copy()
    if not np.all(np.isfinite(theta)):
        raise ValueError("theta0 must hold finite numbers (no NaN or inf)")
    K = len(theta)
    lam = check_nonnegative("weight_decay", weight_decay)
    blowup = check_positive("blowup", blowup, allow_inf=True)
    Xtr, ytr = net._data(data.X_train, data.y_train, None)
    Xva, yva = net._data(data.X_val, data.y_val, None)
    n = len(ytr)
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=n)
    if np.ndim(order_seed) == 0:
        order_seeds, shared = _check_seeds(order_seed, "order_seed"), True
    else:
        order_seeds, shared = _check_seeds(order_seed, "order_seed"), False
        if len(order_seeds) != K:
            raise ValueError(f"order_seed must be one int or K = {K} ints (one per run), got {len(order_seeds)}")
    lr0 = optimizer.lr_at(0)
    if np.ndim(lr0) != 0 and np.shape(lr0) != (K,):
        raise ValueError(f"optimizer's learning rate must be one number or K = {K} rates, got shape {np.shape(lr0)}")

    uniq, inverse = np.unique(order_seeds, return_inverse=True)
    rngs = [np.random.default_rng(int(s)) for s in uniq]
    per_epoch = -(-n // batch_size)
    steps = epochs * per_epoch
    shape_e = (epochs + 1, K)
    train_loss, val_loss = np.full(shape_e, np.inf), np.full(shape_e, np.inf)
    train_acc, val_acc = np.full(shape_e, np.nan), np.full(shape_e, np.nan)
    step_loss, lr_log = np.full((steps, K), np.inf), np.full((steps, K), np.nan)
    diverged_at, diverged_step = np.full(K, -1), np.full(K, -1)
    alive = np.ones(K, dtype=bool)
    rows = np.arange(K)

    def evaluate(e: int) -> None:
        za, (_, layers) = net._forward(theta, Xtr)
        tl = net._cross_entropy(za, ytr)[0] + (lam * net._l2(layers) if lam else 0.0)
        z, _ = net._forward(theta, Xva)
        vl, _ = net._cross_entropy(z, yva)
        for arr, val in ((train_loss, tl), (val_loss, vl),
                         (train_acc, (np.argmax(za, -1) == ytr).mean(-1)),
                         (val_acc, (np.argmax(z, -1) == yva).mean(-1))):
            arr[e, alive] = val[alive]

    start = time.perf_counter()
    with np.errstate(all="ignore"):
        evaluate(0)
        if not np.all(np.isfinite(train_loss[0])):
            raise ValueError("theta0 must give a finite training loss")
        limit = blowup * np.maximum(np.abs(train_loss[0]), 1e-12)
        state = optimizer.init(theta)
        step = 0
        for e in range(epochs):
            orders = np.stack([rng.permutation(n) for rng in rngs])           # (n_unique, n)
            for b in range(per_epoch):
                cols = slice(b * batch_size, (b + 1) * batch_size)
                if shared:
                    idx = orders[0, cols]
                    Xb, yb = Xtr[idx], ytr[idx]
                else:
                    idx = orders[inverse][:, cols]                             # (K, B)
                    Xb, yb = Xtr[idx], ytr[idx]
                loss, g = net._loss_grad(theta, Xb, yb, lam)
                step_loss[step, alive] = loss[alive]
                ok = np.isfinite(loss) & (loss <= limit)
                if step > 0 and not ok[alive].all():         # update step - 1 made the loss blow up
                    bad = alive & ~ok
                    diverged_at[bad], diverged_step[bad] = (step - 1) // per_epoch, step - 1
                    alive &= ~bad
                    theta = np.where(bad[:, None], previous, theta)    # back to its last good point
                    if not alive.any():
                        break
                lr = optimizer.lr_at(step)
                lr_log[step] = lr
                previous = theta
                new, state = _update(optimizer, theta, g, state, lr)
                theta = new if alive.all() else np.where(alive[:, None], new, theta)
                step += 1
            if not alive.any():
                break
            evaluate(e + 1)
            ok = np.isfinite(train_loss[e + 1]) & (train_loss[e + 1] <= limit)
            bad = alive & ~ok
            if bad.any():                                  # blew up on the full data only
                diverged_at[bad], diverged_step[bad] = e, step - 1
                alive &= ~bad
    seconds = time.perf_counter() - start
    # a run stopped at update t: no record after it; its epoch row e+1 is inf / nan
    for k in np.flatnonzero(diverged_at >= 0):
        e, t = diverged_at[k], diverged_step[k]
        train_loss[e + 1:, k] = val_loss[e + 1:, k] = np.inf
        train_acc[e + 1:, k] = val_acc[e + 1:, k] = np.nan
        step_loss[t + 2:, k] = np.inf            # step t + 1 keeps the offending minibatch loss
        lr_log[t + 1:, k] = np.nan
    diverged = diverged_at >= 0
    last = np.where(diverged, diverged_at + 1, epochs)
    left = _left_start_at(train_loss, last)
    return FitResult(None if lrs is None else np.asarray(lrs, dtype=np.float64),
                     None if seeds is None else np.asarray(seeds), train_loss, train_acc, val_loss, val_acc,
                     step_loss, lr_log, diverged, diverged_at, diverged_step, left, theta, seconds)


def grid(lrs: Any, seeds: Any) -> tuple[np.ndarray, np.ndarray]:
    """The runs of a sweep, rate-major: ``(lr_per_run, seed_per_run)``, K = len(lrs) * len(seeds),
    run ``k = i * len(seeds) + j`` having rate ``lrs[i]`` and seed ``seeds[j]`` (so
    ``result.val_acc[e].reshape(len(lrs), len(seeds))`` is a rates x seeds table)."""
    lrs = as_float_array("lrs", lrs, ndim=1)
    if len(lrs) == 0 or not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
        raise ValueError("lrs must be a non-empty 1-D array of finite learning rates >= 0")
    seeds = _check_seeds(seeds)
    return np.repeat(lrs, len(seeds)), np.tile(seeds, len(lrs))


def sweep(net: Network, data: Any, make_optimizer: Callable[[np.ndarray], Any], lrs: Any, seeds: Any = (0, 1, 2),
          epochs: int = 5, batch_size: int = 32, weight_decay: float = 0.0, shared_order: bool = False,
          blowup: float = 1e10) -> FitResult:
    """Train every (rate, seed) pair of ``grid(lrs, seeds)`` at once with :func:`fit`:
    ``make_optimizer(lr_per_run)`` gets the K rates (e.g. ``lambda lr: SGD(lr, momentum=0.9)``),
    run k starts at ``net.init_params(seed_per_run)[k]`` and, unless ``shared_order``, its
    minibatch order comes from its seed too (all rates of one seed see the same batches)."""
    if not callable(make_optimizer):
        raise TypeError(f"make_optimizer must be a callable lr_array -> optimizer, got {type(make_optimizer).__name__}")
    lr_k, seed_k = grid(lrs, seeds)
    optimizer = make_optimizer(lr_k.copy())
    _check_optimizer(optimizer, "make_optimizer(lrs)")
    if np.shape(optimizer.lr_at(0)) != lr_k.shape:
        raise ValueError("make_optimizer(lrs) must return an optimizer running rate lrs[k] in run k "
                         "(e.g. lambda lr: SGD(lr)); it ignored its argument")
    order = int(seed_k[0]) if shared_order else seed_k
    return fit(net, data, optimizer, epochs, net.init_params(seed_k), batch_size=batch_size,
               weight_decay=weight_decay, order_seed=order, blowup=blowup, lrs=lr_k, seeds=seed_k)
