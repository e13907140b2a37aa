"""First-order optimizers as pure functions of (params, grads, state).

Every optimizer follows the same small protocol::

    opt = Adam(lr=1e-3)
    state = opt.init(params)                         # {"step": 0, buffers...}
    params, state = opt.update(params, grads, state)  # new arrays; inputs untouched

Keyword names and update rules match PyTorch's ``torch.optim`` (checked against it to
1e-10 in the tests), so a learner can move between the two. Conventions:

- ``state["step"]`` counts the updates done so far; update number ``t`` (0-based) uses
  the learning rate ``lr_at(t)``. Formulas below write ``t`` for the 1-based count
  ``state["step"] + 1``, as the papers and the PyTorch docs do.
- ``lr`` is a float >= 0, a schedule (callable ``step -> lr``), or an ndarray of shape
  ``(K,)``: one rate per row of params of shape ``(K, d)``, so a whole learning-rate
  sweep runs in one vectorised call (a schedule may also return such an array).
- float64 in and out; integer params are refused (they cannot hold a fractional step).
- ``update`` checks ``state``: ``state["step"]`` an int in ``[0, 2**53]`` (not a bool), every
  buffer a float64 array of params' shape. It does not check values: NaN or inf in params,
  grads or buffers, or a gradient so large that ``g**2`` overflows (``|g|`` above ~1e154),
  give NaN/inf params without a warning, which :mod:`lrcourse.train` reports as divergence.
- ``weight_decay`` is PyTorch's coupled L2 term ``g <- g + lambda*theta`` everywhere
  except :class:`AdamW`, whose decay is decoupled (Loshchilov & Hutter 2019).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import (
    MAX_STEP,
    as_float_array,
    check_bool,
    check_betas,
    check_fraction,
    check_lr,
    check_nonnegative,
    check_positive,
    check_same_shape,
)

__all__ = ["Optimizer", "SGD", "EMAMomentum", "Adagrad", "RMSprop", "Adam", "AdamW"]

State = dict[str, Any]


def _rate(lr_value: Any, params: np.ndarray) -> Any:
    """Broadcast a learning-rate value against params of shape (..., d).

    A scalar is returned as a float; an array of shape ``S`` (one rate per leading
    index of params) is reshaped to ``S + (1,) * (params.ndim - len(S))``.
    """
    if type(lr_value) is float:                      # the common case, on every update
        return lr_value
    if np.ndim(lr_value) == 0:
        return float(lr_value)
    lr = np.asarray(lr_value, dtype=np.float64)
    if lr.ndim > params.ndim or lr.shape != params.shape[: lr.ndim]:
        raise ValueError(
            f"lr array of shape {lr.shape} must match the leading dimensions of params "
            f"{params.shape} (e.g. lr (K,) with params (K, d))"
        )
    return lr.reshape(lr.shape + (1,) * (params.ndim - lr.ndim))


def _as_params(params: Any) -> np.ndarray:
    return as_float_array("params", params, allow_int=False)


def _check_step(step: Any) -> int:
    """``state["step"]``: the number of updates done, an integer in [0, 2**53] (not a bool)."""
    if isinstance(step, (bool, np.bool_)) or not isinstance(step, (int, np.integer)):
        raise TypeError(f"state['step'] must be an integer >= 0 (the number of updates done), "
                        f"got {type(step).__name__} {step!r}")
    if not 0 <= step <= MAX_STEP:
        shown = step if abs(step) < 2**64 else "a huge integer"
        raise ValueError(f"state['step'] must be an integer in [0, 2**53], got {shown}")
    return int(step)


class Optimizer:
    """Base class: argument checks, learning-rate lookup and the pure update loop.

    Subclasses set ``_buffers`` (state names, zero-initialised like params) and
    implement ``_step(params, grads, state, lr, t)`` returning the new params and a dict
    of new buffers; ``t`` is the 1-based update count.
    """

    _buffers: tuple[str, ...] = ()

    def __init__(self, lr: Any) -> None:
        self.lr = check_lr(lr)

    def lr_at(self, step: int) -> Any:
        """The learning rate used by update number ``step`` (0-based)."""
        if not callable(self.lr):
            return self.lr
        return check_lr(self.lr(step), name=f"lr({step}) returned by the schedule")

    def init(self, params: Any) -> State:
        """Fresh state for params: ``{"step": 0}`` plus zero buffers of params' shape."""
        p = _as_params(params)
        return {"step": 0, **{name: np.zeros_like(p) for name in self._buffers}}

    def update(self, params: Any, grads: Any, state: State) -> tuple[np.ndarray, State]:
        """One update. Returns ``(new_params, new_state)``; nothing passed in is modified."""
        p = _as_params(params)
        g = as_float_array("grads", grads)
        if g.shape != p.shape:
            check_same_shape("params", p, "grads", g)
        if not isinstance(state, dict) or "step" not in state:
            raise TypeError("state must be the dict returned by opt.init(params)")
        for name in self._buffers:
            buf = state.get(name)
            if getattr(buf, "shape", None) != p.shape:
                raise ValueError(f"state[{name!r}] must have the shape of params {p.shape}; "
                                 "was the state made by init() for these params?")
            if type(buf) is not np.ndarray or buf.dtype != np.float64:
                raise TypeError(f"state[{name!r}] must be a float64 array as made by init(), "
                                f"got {type(buf).__name__} of dtype {getattr(buf, 'dtype', None)}")
        step = state["step"]
        if type(step) is not int or not 0 <= step <= MAX_STEP:
            step = _check_step(step)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is the caller's to report
            return self._apply(p, g, state, self.lr_at(step))

    def _apply(self, p: np.ndarray, g: np.ndarray, state: State, lr_value: Any) -> tuple[np.ndarray, State]:
        """:meth:`update` without its checks, for loops that have made them once
        (:func:`lrcourse.train.minimize`): ``p`` and ``g`` float64 arrays of one shape, ``state``
        from :meth:`init`, ``lr_value`` the rate of this update (``lr_at(state["step"])``)."""
        step = state["step"]
        new_p, buffers = self._step(p, g, state, _rate(lr_value, p), step + 1)
        return new_p, {"step": step + 1, **buffers}

    def _step(self, p, g, state, lr, t):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum, as ``torch.optim.SGD``.

    With ``g_t`` the gradient (plus ``weight_decay * theta`` if set)::

        b_1 = g_1;  b_t = momentum * b_{t-1} + (1 - dampening) * g_t   (t > 1)
        d_t = g_t + momentum * b_t  if nesterov  else  b_t   (d_t = g_t if momentum == 0)
        theta_t = theta_{t-1} - lr * d_t

    Plain SGD: Robbins & Monro (1951). Heavy-ball momentum: Polyak (1964). Nesterov's
    accelerated gradient: Nesterov (1983); this is PyTorch's rewrite of the form of
    Sutskever et al. (2013), with params stored at the look-ahead point.

    Conventions (PyTorch's, which differ from some textbooks):

    - The learning rate multiplies the whole buffer (``theta -= lr * b``) instead of
      entering it (Sutskever et al.: ``v = mu*v + lr*g; theta -= v``). The two coincide for
      a constant lr; with a schedule a change of lr acts at once here.
    - The buffer starts at the first gradient, ``b_1 = g_1``, and dampening is not applied
      on the first step. With ``dampening = 0`` this is the same as starting from
      ``b_0 = 0`` (``b_1 = mu*0 + g_1``), i.e. Polyak's heavy ball. With ``dampening > 0``
      it is not: the first step is ``1/(1 - dampening)`` times larger than in the
      zero-initialised EMA. The zero-initialised EMA form is :class:`EMAMomentum`.
    - ``SGD(lr=eta*(1-beta), momentum=beta)`` follows exactly the trajectory of
      ``EMAMomentum(lr=eta, beta=beta)``.

    Stricter than PyTorch: ``momentum`` must lie in [0, 1) and ``dampening`` in [0, 1].
    """

    def __init__(self, lr: Any, momentum: float = 0, dampening: float = 0,
                 nesterov: bool = False, weight_decay: float = 0) -> None:
        super().__init__(lr)
        self.momentum = check_fraction("momentum", momentum)
        self.dampening = check_fraction("dampening", dampening, high_open=False)
        self.nesterov = check_bool("nesterov", nesterov)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError("nesterov=True requires momentum in (0, 1) and dampening == 0 "
                             f"(got momentum={self.momentum}, dampening={self.dampening})")
        self._buffers = ("momentum_buffer",) if self.momentum else ()

    def _step(self, p, g, state, lr, t):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if not self.momentum:
            return p - lr * g, {}
        if t == 1:
            b = g.copy()
        else:
            b = self.momentum * state["momentum_buffer"] + (1 - self.dampening) * g
        d = g + self.momentum * b if self.nesterov else b
        return p - lr * d, {"momentum_buffer": b}


class EMAMomentum(Optimizer):
    r"""Momentum as an exponential moving average of gradients (the form of article 001)::

        v_0 = 0;  v_t = beta * v_{t-1} + (1 - beta) * g_t;  theta_t = theta_{t-1} - lr * v_t

    Since ``v_t = (1 - beta) * b_t`` where ``b_t = beta * b_{t-1} + g_t`` is the heavy-ball
    buffer (Polyak 1964; ``b_0 = 0``, equivalently PyTorch's ``b_1 = g_1``), this is exactly
    ``SGD(lr=lr * (1 - beta), momentum=beta)``: the same trajectory, with the lr rescaled.
    It is also PyTorch's ``SGD(momentum=beta, dampening=beta)`` except on the first step,
    where PyTorch does not dampen (see :class:`SGD`). ``v`` is not bias-corrected (Adam's
    ``m`` is), so the first steps are short: the first is ``lr * (1 - beta) * g_1``.
    """

    _buffers = ("velocity",)

    def __init__(self, lr: Any, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = check_fraction("beta", beta)

    def _step(self, p, g, state, lr, t):
        v = self.beta * state["velocity"] + (1 - self.beta) * g
        return p - lr * v, {"velocity": v}


def _denominator(acc: np.ndarray, eps: float, inside: bool) -> np.ndarray:
    """``sqrt(acc) + eps`` (PyTorch, Duchi et al., Hinton) or ``sqrt(acc + eps)`` (Keras 3)."""
    return np.sqrt(acc + eps) if inside else np.sqrt(acc) + eps


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer 2011), as ``torch.optim.Adagrad``::

        lr_t  = lr / (1 + (t - 1) * lr_decay)
        s_t   = s_{t-1} + g_t**2            (s_0 = initial_accumulator_value)
        theta_t = theta_{t-1} - lr_t * g_t / (sqrt(s_t) + eps)

    ``lr_decay`` is PyTorch's inverse-time decay of the rate; :meth:`lr_at` includes it.
    ``eps_inside_sqrt=True`` uses ``sqrt(s_t + eps)`` instead, as Keras 3 does (whose
    defaults also differ: eps = 1e-7, initial_accumulator_value = 0.1).
    """

    _buffers = ("sum",)

    def __init__(self, lr: Any, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 eps_inside_sqrt: bool = False) -> None:
        super().__init__(lr)
        self.lr_decay = check_nonnegative("lr_decay", lr_decay)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.initial_accumulator_value = check_nonnegative(
            "initial_accumulator_value", initial_accumulator_value)
        self.eps = check_positive("eps", eps)
        self.eps_inside_sqrt = check_bool("eps_inside_sqrt", eps_inside_sqrt)

    def lr_at(self, step: int) -> Any:
        """The rate of update ``step`` (0-based): ``lr(step) / (1 + step * lr_decay)``."""
        return super().lr_at(step) / (1 + step * self.lr_decay)

    def init(self, params: Any) -> State:
        p = _as_params(params)
        return {"step": 0, "sum": np.full_like(p, self.initial_accumulator_value)}

    def _step(self, p, g, state, lr, t):
        if self.weight_decay:
            g = g + self.weight_decay * p
        s = state["sum"] + g * g
        return p - lr * g / _denominator(s, self.eps, self.eps_inside_sqrt), {"sum": s}


class RMSprop(Optimizer):
    r"""RMSprop (Tieleman & Hinton 2012, Coursera lecture 6.5), as ``torch.optim.RMSprop``::

        v_t = alpha * v_{t-1} + (1 - alpha) * g_t**2                     (v_0 = 0)
        centered:  a_t = alpha * a_{t-1} + (1 - alpha) * g_t;  v~_t = v_t - a_t**2
        otherwise: v~_t = v_t
        D_t = sqrt(v~_t) + eps
        momentum > 0: b_t = momentum * b_{t-1} + g_t / D_t;  theta_t = theta_{t-1} - lr * b_t
        otherwise:    theta_t = theta_{t-1} - lr * g_t / D_t

    The centered variant (Graves 2013) divides by an estimate of the gradient's standard
    deviation rather than its root mean square; ``v~`` is clipped at 0 against rounding.
    No bias correction: the first steps are larger than lr (``1/sqrt(1 - alpha)`` = 10x
    for alpha = 0.99). ``eps_inside_sqrt=True`` uses ``sqrt(v~_t + eps)`` as Keras 3 does
    (Keras also puts lr inside the momentum buffer; only the eps placement is offered here).

    If ``g**2`` overflows (``|g|`` above ~1e154), ``v_t`` is inf: the plain variant then takes
    a zero step (``g / inf``), as PyTorch does; the centered one gives NaN params
    (``v~ = inf - inf``), where PyTorch's fused multiply-add keeps ``v~ = inf`` and takes a zero
    step too. Here the NaN shows the overflow, without a warning, and :mod:`lrcourse.train`
    reports it as divergence.
    """

    def __init__(self, lr: Any, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, eps_inside_sqrt: bool = False) -> None:
        super().__init__(lr)
        self.alpha = check_fraction("alpha", alpha)
        self.eps = check_positive("eps", eps)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.momentum = check_fraction("momentum", momentum)
        self.centered = check_bool("centered", centered)
        self.eps_inside_sqrt = check_bool("eps_inside_sqrt", eps_inside_sqrt)
        self._buffers = ("square_avg",) + ("grad_avg",) * self.centered + (
            ("momentum_buffer",) if self.momentum else ())

    def _step(self, p, g, state, lr, t):
        if self.weight_decay:
            g = g + self.weight_decay * p
        new = {"square_avg": self.alpha * state["square_avg"] + (1 - self.alpha) * g * g}
        var = new["square_avg"]
        if self.centered:
            new["grad_avg"] = self.alpha * state["grad_avg"] + (1 - self.alpha) * g
            var = np.maximum(var - new["grad_avg"] ** 2, 0.0)
        direction = g / _denominator(var, self.eps, self.eps_inside_sqrt)
        if self.momentum:
            direction = new["momentum_buffer"] = self.momentum * state["momentum_buffer"] + direction
        return p - lr * direction, new


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t            (m_0 = v_0 = 0)
        v_t = beta2 * v_{t-1} + (1 - beta2) * g_t**2
        m^_t = m_t / (1 - beta1**t);  v^_t = v_t / (1 - beta2**t)   (bias correction, t 1-based)
        theta_t = theta_{t-1} - lr * m^_t / (sqrt(v^_t) + eps)

    eps is added after the square root of the bias-corrected ``v^``, as in the paper's
    Algorithm 1 and PyTorch (TensorFlow/Keras add it to ``sqrt(v_t)`` before the correction,
    the paper's "epsilon hat" form, which is a slightly different eps). Because of
    the bias correction the first step is ``lr * g / (|g| + eps)``: size ~ lr in every
    coordinate whatever the gradient's scale. ``weight_decay`` adds ``lambda*theta`` to the
    gradient (L2, coupled); see :class:`AdamW` for decoupled decay.

    ``amsgrad=True`` (Reddi, Kale & Kumar 2018) keeps ``v_max = max(v_max, v_t)`` of the
    *uncorrected* ``v`` and uses ``sqrt(v_max / (1 - beta2**t)) + eps`` as denominator,
    as PyTorch's implementation does (its doc box writes the max over ``v^``).
    """

    _decoupled = False

    def __init__(self, lr: Any, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False) -> None:
        super().__init__(lr)
        self.betas = check_betas(betas)
        self.eps = check_positive("eps", eps)
        self.weight_decay = check_nonnegative("weight_decay", weight_decay)
        self.amsgrad = check_bool("amsgrad", amsgrad)
        self._buffers = ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * self.amsgrad

    def _step(self, p, g, state, lr, t):
        b1, b2 = self.betas
        if self.weight_decay and self._decoupled:
            p = p * (1 - lr * self.weight_decay)
        elif self.weight_decay:
            g = g + self.weight_decay * p
        new = {"exp_avg": b1 * state["exp_avg"] + (1 - b1) * g,
               "exp_avg_sq": b2 * state["exp_avg_sq"] + (1 - b2) * g * g}
        v = new["exp_avg_sq"]
        if self.amsgrad:
            v = new["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
        m_hat = new["exp_avg"] / (1 - b1**t)
        return p - lr * m_hat / (np.sqrt(v / (1 - b2**t)) + self.eps), new


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter 2019), as ``torch.optim.AdamW``::

        theta <- theta * (1 - lr * weight_decay)      (first, with the scheduled lr)
        then the Adam update of :class:`Adam` on the raw gradient.

    The decay is multiplied by lr (PyTorch's convention; the paper scales it by the schedule
    multiplier only, and optax by lr too). Default weight_decay = 0.01 as in PyTorch.
    """

    _decoupled = True

    def __init__(self, lr: Any, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, amsgrad: bool = False) -> None:
        super().__init__(lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
