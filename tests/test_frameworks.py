"""The framework claims of the practice chapter (book/practice.ipynb), tested directly.

PyTorch, Keras 3 (on the PyTorch backend) and optax are an optional extra
(``pip install -e .[frameworks]``); each test skips when its framework is missing.
The claims: the same small model trained with the same schedule uses the same rates and
reaches the same parameters as ``lrcourse``; the documented differences between the
frameworks (Keras's PiecewiseConstantDecay boundary, the plateau callbacks' patience, the
scheduler-order warning in PyTorch) are real; and the corrected version of article 004's
code (one model, one optimizer, one schedule) matches ``lrcourse.flaws.practice``.
"""
import os
import warnings

import numpy as np
import pytest

from lrcourse import schedules as S
from lrcourse.flaws import practice as P
from lrcourse.optimizers import SGD
from lrcourse.problems import LinearRegression, make_linear_data
from lrcourse.train import minimize

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")

T, WARMUP, PEAK, FLOOR, START = 100, 10, 1.0, 0.1, 0.1


@pytest.fixture(scope="module")
def task():
    x, y = make_linear_data()
    problem = LinearRegression(x, y)
    schedule = S.linear_warmup(S.cosine_annealing(PEAK, T - WARMUP, FLOOR * PEAK), WARMUP, start_factor=START)
    return x, y, problem, schedule, minimize(problem, SGD(lr=schedule), T, np.zeros(2))


# ---------------------------------------------------------------- PyTorch

@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def torch_sequence(torch, make, n, lr):
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        param.grad = torch.ones(1)
        opt.step()
        sched.step()
    return np.array(out)


def test_torch_sequential_warmup_cosine_trains_like_lrcourse(torch, task):
    x, y, problem, schedule, reference = task
    X, Y = torch.tensor(x[:, None], dtype=torch.float64), torch.tensor(y[:, None], dtype=torch.float64)
    model = torch.nn.Linear(1, 1, dtype=torch.float64)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)
    opt = torch.optim.SGD(model.parameters(), lr=PEAK)
    L = torch.optim.lr_scheduler
    sched = L.SequentialLR(opt, [L.LinearLR(opt, start_factor=START, total_iters=WARMUP),
                                 L.CosineAnnealingLR(opt, T_max=T - WARMUP, eta_min=FLOOR * PEAK)], milestones=[WARMUP])
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no scheduler warnings in the correct order
        for _ in range(T):
            lrs.append(sched.get_last_lr()[0])
            loss = 0.5 * torch.mean((model(X) - Y) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    np.testing.assert_allclose(lrs, reference.lrs, rtol=1e-12)
    np.testing.assert_allclose([model.bias.item(), model.weight.item()], reference.params[-1], rtol=1e-10)


def test_torch_scheduler_before_optimizer_skips_the_first_value(torch):
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.1)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    used = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(6):
            sched.step()
            used.append(opt.param_groups[0]["lr"])
            param.grad = torch.ones(1)
            opt.step()
    assert any("before `optimizer.step()`" in str(w.message) for w in caught)
    np.testing.assert_allclose(used, S.evaluate(S.step_decay(0.1, 2, 0.5), 7)[1:])


def test_torch_chained_schedulers_multiply(torch):
    L = torch.optim.lr_scheduler
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.1)
    first, second = L.ExponentialLR(opt, gamma=0.97), L.MultiStepLR(opt, milestones=[20, 40], gamma=0.1)
    used = []
    for _ in range(60):
        used.append(opt.param_groups[0]["lr"])
        param.grad = torch.ones(1)
        opt.step()
        first.step()
        second.step()
    expected = S.evaluate(S.exponential_decay(0.1, 0.97), 60) * S.evaluate(S.multistep_decay(1.0, [20, 40], 0.1), 60)
    np.testing.assert_allclose(used, expected, rtol=1e-12)


def test_torch_lambda_lr_is_the_schedule_over_the_base_rate(torch, task):
    schedule = task[3]
    lam = torch_sequence(torch, lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: float(schedule(t)) / PEAK), T, PEAK)
    np.testing.assert_allclose(lam, S.evaluate(schedule, T), rtol=1e-12)


def test_torch_fix_of_004_matches_lrcourse(torch):
    epochs = 10
    ref = P.one_model_one_schedule(epochs=epochs)
    X, y, mlp = ref["X"], ref["y"], ref["mlp"]
    (W1, b1), (W2, b2) = mlp.unflatten(mlp.init_params())
    net = torch.nn.Sequential(torch.nn.Linear(2, 8, dtype=torch.float64), torch.nn.Tanh(),
                              torch.nn.Linear(8, 1, dtype=torch.float64))
    with torch.no_grad():
        for layer, (W, b) in zip((net[0], net[2]), ((W1, b1), (W2, b2))):
            layer.weight.copy_(torch.from_numpy(W.T))
            layer.bias.copy_(torch.from_numpy(b))
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(float))
    bce = torch.nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    rng, losses = np.random.default_rng(0), []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), P.BATCH):
            idx = torch.from_numpy(order[start:start + P.BATCH])
            loss = bce(net(Xt[idx])[:, 0], yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        with torch.no_grad():
            losses.append(float(bce(net(Xt)[:, 0], yt)))
    np.testing.assert_allclose(losses, ref["losses"][1:], rtol=1e-10)


# ---------------------------------------------------------------- Keras 3 on the PyTorch backend

@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    os.environ["KERAS_BACKEND"] = "torch"
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras was already imported with the {keras.backend.backend()} backend")
    keras.config.set_floatx("float64")
    return keras


def half_mse(keras):
    return lambda y_true, y_pred: 0.5 * keras.ops.mean(keras.ops.square(y_pred - y_true), axis=-1)


def linear_model(keras):
    return keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer="zeros")])


def test_keras_cosine_decay_with_warmup_trains_like_lrcourse(keras, task):
    x, y, problem, schedule, reference = task
    sched = keras.optimizers.schedules.CosineDecay(START * PEAK, T - WARMUP, alpha=FLOOR,
                                                   warmup_target=PEAK, warmup_steps=WARMUP)
    rates = []

    class Log(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    model = linear_model(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=sched), loss=half_mse(keras))
    model.fit(x[:, None], y[:, None], batch_size=len(x), epochs=T, shuffle=False, verbose=0, callbacks=[Log()])
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(rates, reference.lrs, rtol=1e-12)
    np.testing.assert_allclose([bias[0], kernel[0, 0]], reference.params[-1], rtol=1e-6)


def test_keras_learning_rate_scheduler_callback(keras, task):
    x, y, problem, schedule, reference = task
    model = linear_model(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=PEAK), loss=half_mse(keras))
    history = model.fit(x[:, None], y[:, None], batch_size=len(x), epochs=T, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, lr: float(schedule(epoch)))])
    np.testing.assert_allclose(history.history["learning_rate"], reference.lrs, rtol=1e-12)


@pytest.mark.parametrize("name", ["exp", "exp_stair", "inverse_time", "polynomial", "cosine", "piecewise"])
def test_keras_schedule_objects_match_lrcourse(keras, name):
    KS = keras.optimizers.schedules
    theirs, ours = {
        "exp": (KS.ExponentialDecay(0.1, 10, 0.5), S.exponential_decay(0.1, 0.5, period=10)),
        "exp_stair": (KS.ExponentialDecay(0.1, 10, 0.5, staircase=True), S.exponential_decay(0.1, 0.5, 10, True)),
        "inverse_time": (KS.InverseTimeDecay(0.1, 10, 0.5), S.inverse_time_decay(0.1, 0.5, period=10)),
        "polynomial": (KS.PolynomialDecay(0.1, 40, 0.01, power=2.0), S.polynomial_decay(0.1, 40, 0.01, 2.0)),
        "cosine": (KS.CosineDecay(0.1, 40, alpha=0.1), S.cosine_annealing(0.1, 40, 0.01)),
        # Keras switches one update after the boundary: boundaries b here are b + 1 in lrcourse
        "piecewise": (KS.PiecewiseConstantDecay([20, 40], [0.1, 0.01, 0.001]), S.piecewise_constant([21, 41], [0.1, 0.01, 0.001])),
    }[name]
    values = np.array([float(keras.ops.convert_to_numpy(theirs(t))) for t in range(60)])
    np.testing.assert_allclose(values, S.evaluate(ours, 60), rtol=1e-12, atol=1e-15)


def test_keras_plateau_acts_one_epoch_before_torch(keras, torch):
    losses = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8]
    model = linear_model(keras)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss=half_mse(keras))
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, min_delta=0.0)
    cb.set_model(model)
    cb.on_train_begin()
    keras_rates = []
    for epoch, value in enumerate(losses):
        cb.on_epoch_end(epoch, {"loss": value})
        keras_rates.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    same = S.ReduceLROnPlateau(0.1, factor=0.5, patience=1, threshold=0.0, threshold_mode="abs")
    np.testing.assert_allclose(keras_rates, [same.step(v) for v in losses], rtol=1e-6)

    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, threshold=0.0)
    torch_rates = []
    for value in losses:
        plateau.step(value)
        torch_rates.append(opt.param_groups[0]["lr"])
    first_cut = [next(i for i, v in enumerate(seq) if v < 0.1 - 1e-9) for seq in (keras_rates, torch_rates)]
    assert first_cut[0] + 1 == first_cut[1]


def test_keras_refuses_a_callback_on_a_schedule_object(keras, task):
    x, y = task[0], task[1]
    model = linear_model(keras)
    model.compile(optimizer=keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(0.01, 4, 0.9)),
                  loss=half_mse(keras))
    with pytest.raises(TypeError, match="not settable"):
        model.fit(x[:, None], y[:, None], epochs=1, verbose=0,
                  callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 * 0.9**epoch)])


def test_keras_004_structure_and_fix(keras):
    epochs = 10
    ref = P.one_model_one_schedule(epochs=epochs)
    X, y, mlp = ref["X"], ref["y"], ref["mlp"]
    (W1, b1), (W2, b2) = mlp.unflatten(mlp.init_params())

    def build():
        return keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(1)])

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    counts = []
    for epoch in range(2):                 # 004: a new model and optimizer every epoch
        m = build()
        m.compile(optimizer=keras.optimizers.Adam(0.01 * 0.9**epoch), loss=bce)
        m.fit(X, y[:, None].astype(float), batch_size=P.BATCH, epochs=1, verbose=0)
        counts.append(int(m.optimizer.iterations))
    assert counts == [4, 4]

    model = build()                        # the fix
    model.set_weights([W1, b1, W2, b2])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-8), loss=bce)
    rng = np.random.default_rng(0)
    stream = np.concatenate([rng.permutation(len(y)) for _ in range(epochs)])
    history = model.fit(X[stream], y[stream, None].astype(float), batch_size=P.BATCH, epochs=epochs,
                        steps_per_epoch=len(y) // P.BATCH, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 * 0.9**epoch)])
    assert int(model.optimizer.iterations) == epochs * len(y) // P.BATCH
    np.testing.assert_allclose(history.history["learning_rate"], 0.01 * 0.9 ** np.arange(epochs), rtol=1e-12)
    z = keras.ops.convert_to_numpy(model(X))[:, 0]
    assert abs(float(np.mean(np.logaddexp(0, z) - y * z)) - ref["losses"][-1]) < 1e-6


# ---------------------------------------------------------------- optax

@pytest.fixture(scope="module")
def optax():
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    jax.config.update("jax_enable_x64", True)
    return optax


def test_optax_warmup_cosine_and_join_match_lrcourse(optax, task):
    import jax.numpy as jnp

    schedule = task[3]
    ready = optax.warmup_cosine_decay_schedule(START * PEAK, PEAK, WARMUP, T, FLOOR * PEAK)
    joined = optax.join_schedules([optax.linear_schedule(START * PEAK, PEAK, WARMUP),
                                   optax.cosine_decay_schedule(PEAK, T - WARMUP, alpha=FLOOR)], [WARMUP])
    steps = jnp.arange(T)                  # int64 steps: double precision
    np.testing.assert_allclose(np.asarray(ready(steps)), S.evaluate(schedule, T), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(joined(steps)), S.evaluate(schedule, T), rtol=1e-12)


def test_optax_inject_hyperparams_trains_like_lrcourse(optax, task):
    import jax
    import jax.numpy as jnp

    x, y, problem, schedule, reference = task
    tx = optax.inject_hyperparams(optax.sgd)(
        learning_rate=optax.warmup_cosine_decay_schedule(START * PEAK, PEAK, WARMUP, T, FLOOR * PEAK))
    design, target = jnp.asarray(problem.X), jnp.asarray(y)

    def loss(theta):
        return 0.5 * jnp.mean((design @ theta - target) ** 2)

    theta = jnp.zeros(2)
    state, rates = tx.init(theta), []
    for _ in range(T):
        updates, state = tx.update(jax.grad(loss)(theta), state, theta)
        theta = optax.apply_updates(theta, updates)
        rates.append(float(state.hyperparams["learning_rate"]))
    # the int32 update count makes optax evaluate the schedule in single precision
    np.testing.assert_allclose(rates, reference.lrs, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(theta), reference.params[-1], rtol=1e-8)
