"""Tests for lrcourse.network: backprop against finite differences, K runs at once against the
same runs one at a time, determinism, training on digits (a good rate learns, a huge one
diverges and is reported), train.sweep driving an Objective, bad input, and PyTorch agreement."""
import numpy as np
import pytest

from lrcourse import datasets, optimizers, schedules, train
from lrcourse.network import FitResult, Network, Objective, fit, grid, sweep


@pytest.fixture(scope="module")
def digits():
    return datasets.digits()


def _numeric_grad(f, theta, h=1e-6):
    g = np.zeros_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e.flat[i] = h
        g.flat[i] = (f(theta + e) - f(theta - e)) / (2 * h)
    return g


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.3])
def test_gradient_matches_finite_differences(activation, weight_decay):
    """Central differences (h = 1e-6) on a 5-4-3-3 net, K = 3 runs at once. For ReLU the check
    is made at a point where every pre-activation is at least 1e-4 from the kink, while a step of
    h moves a pre-activation by at most about h * max|input| * max|W| ~ 1e-5: no step crosses it."""
    net = Network([5, 4, 3, 3], activation=activation)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(7, 5)), rng.integers(0, 3, size=7)
    theta = net.init_params([1, 2, 3]) + 0.1 * rng.normal(size=(3, net.n_params))
    if activation == "relu":
        h = X
        for W, b in net.layers(theta)[:-1]:
            z = np.matmul(h, W) + b[:, None, :]
            assert np.abs(z).min() > 1e-4
            h = np.maximum(z, 0)
    loss, g = net.loss_and_grad(theta, X, y, weight_decay)
    assert loss.shape == (3,) and g.shape == theta.shape
    for k in range(3):
        num = _numeric_grad(lambda p: net.loss(p, X, y, weight_decay), theta[k])
        np.testing.assert_allclose(g[k], num, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(loss[k], net.loss(theta[k], X, y, weight_decay), rtol=1e-14)


def test_per_run_batches_and_loss_formula():
    """X of shape (K, n, d): run k sees its own rows; the loss is the textbook CE
    -mean log softmax(z)_y (+ lam/2 sum ||W||^2), here with no overflow risk."""
    net = Network([3, 4, 2])
    rng = np.random.default_rng(1)
    theta = net.init_params([0, 1])
    X, y = rng.normal(size=(2, 6, 3)), rng.integers(0, 2, size=(2, 6))
    loss, g = net.loss_and_grad(theta, X, y, 0.1)
    for k in range(2):
        z = net.logits(theta[k], X[k])
        ce = -np.mean(np.log(np.exp(z) / np.exp(z).sum(1, keepdims=True))[np.arange(6), y[k]])
        l2 = 0.05 * sum(np.sum(W**2) for W, _ in net.layers(theta[k]))
        np.testing.assert_allclose(loss[k], ce + l2, rtol=1e-12)
        np.testing.assert_allclose(g[k], net.loss_and_grad(theta[k], X[k], y[k], 0.1)[1], rtol=1e-12, atol=1e-15)


def test_logsumexp_is_stable_for_huge_logits():
    """Logits of 1e4 would overflow exp(): the logsumexp form gives the exact CE."""
    net = Network([1, 2], activation="relu")
    theta = np.array([1e4, -1e4, 0.0, 0.0])          # W = [[1e4, -1e4]], b = 0
    X, y = np.array([[1.0]]), np.array([1])
    with np.errstate(all="raise"):
        loss, g = net.loss_and_grad(theta, X, y)
    assert loss == pytest.approx(2e4, rel=1e-15)      # lse = 1e4, picked logit = -1e4
    np.testing.assert_allclose(g, [1.0, -1.0, 1.0, -1.0])


def test_init_he_normal_per_run_seed():
    net = Network([64, 500, 10])
    th = net.init_params([3, 4, 3])
    np.testing.assert_array_equal(th[0], th[2])
    np.testing.assert_array_equal(th[0], net.init_params(3))
    assert not np.allclose(th[0], th[1])
    W1, b1 = net.layers(th[1])[0]
    assert np.all(b1 == 0) and W1.std() == pytest.approx(np.sqrt(2 / 64), rel=0.02)


def test_batched_runs_equal_runs_one_at_a_time(digits):
    """sweep (K = 8 runs, per-seed minibatch order) against fit of each run alone. The same
    arithmetic in both, but different array shapes may take different SIMD/BLAS paths: the
    tolerance is rtol 1e-10 (measured: identical here)."""
    net = Network([64, 16, 10])
    lrs, seeds = [0.01, 0.05, 0.2, 5.0], [0, 1]
    r = sweep(net, digits, lambda lr: optimizers.SGD(lr, momentum=0.9), lrs, seeds, epochs=2, weight_decay=1e-3)
    lr_k, seed_k = grid(lrs, seeds)
    np.testing.assert_array_equal(r.lrs, lr_k)
    for k in range(len(lr_k)):
        one = fit(net, digits, optimizers.SGD(lr_k[k], momentum=0.9), 2, net.init_params(int(seed_k[k])),
                  weight_decay=1e-3, order_seed=[int(seed_k[k])])
        assert one.diverged[0] == r.diverged[k] and one.diverged_step[0] == r.diverged_step[k]
        for name in ("train_loss", "val_loss", "step_loss"):
            a, b = getattr(r, name)[:, k], getattr(one, name)[:, 0]
            np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b))
            np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=1e-10, err_msg=name)
        np.testing.assert_allclose(r.val_acc[:, k], one.val_acc[:, 0], atol=2 / len(digits.y_val))


def test_deterministic_and_order_choices(digits):
    net = Network([64, 8, 10])
    run = lambda **kw: sweep(net, digits, lambda lr: optimizers.SGD(lr), [0.05], [0, 1], epochs=1, **kw)
    a, b = run(), run()
    np.testing.assert_array_equal(a.step_loss, b.step_loss)          # same path, same floats
    np.testing.assert_array_equal(a.params, b.params)
    # per-seed order: seeds differ in init and batches; shared order: the same batches for both
    shared = run(shared_order=True)
    assert not np.array_equal(a.step_loss[:, 1], shared.step_loss[:, 1])
    np.testing.assert_array_equal(a.step_loss[:, 0], shared.step_loss[:, 0])   # seed 0's order either way


def test_training_on_digits_learns_and_huge_rate_diverges(digits):
    """64-64-10, SGD momentum 0.9, batch 32, 3 epochs, 3 seeds. Measured: lr 0.05 reaches
    validation accuracy 0.95-0.96 (threshold 0.92); lr 5 blows up within the first epoch
    (reported, no RuntimeWarning); lr 0.3 ends above its start without diverging."""
    net = Network([64, 64, 10])
    lrs = [0.05, 0.3, 5.0]
    r = sweep(net, digits, lambda lr: optimizers.SGD(lr, momentum=0.9), lrs, (0, 1, 2), epochs=3)
    assert isinstance(r, FitResult) and r.epochs == 3
    assert r.train_loss.shape == (4, 9) and r.step_loss.shape == (3 * 34, 9)
    good, big, huge = (slice(3 * i, 3 * i + 3) for i in range(3))
    assert np.all(r.val_acc[-1, good] > 0.92), r.val_acc[-1, good]
    assert np.all(r.train_loss[-1, good] < 0.2 * r.train_loss[0, good])
    assert not r.diverged[good].any() and np.all(r.left_start_at[good] == -1)
    assert np.all(r.diverged[huge]) and np.all(r.diverged_at[huge] == 0)
    assert np.all(r.diverged_step[huge] >= 0) and np.all(r.diverged_step[huge] < 34)
    assert np.all(np.isinf(r.train_loss[1:, huge])) and np.all(np.isnan(r.val_acc[1:, huge]))
    assert np.all(np.isfinite(r.params[huge]))                     # frozen at the last good point
    assert not r.diverged[big].any() and np.all(r.left_start_at[big] >= 0)
    assert np.all(r.train_loss[-1, big] > r.train_loss[0, big])
    np.testing.assert_array_equal(r.best_val_acc[good], np.nanmax(r.val_acc[:, good], axis=0))


def test_schedule_counts_updates_and_adamw(digits):
    net = Network([64, 8, 10])
    sched = schedules.cosine_annealing(0.01, 2 * 34)
    r = fit(net, digits, optimizers.AdamW(sched, weight_decay=0.1), 2, net.init_params(0))
    np.testing.assert_allclose(r.lr[:, 0], sched(np.arange(68)), rtol=1e-15)
    assert r.val_acc[-1, 0] > 0.5          # it learns (chance: 0.1; measured 0.66 with 8 hidden units)


def test_train_sweep_drives_an_objective(digits):
    """The Objective is a batched problem for lrcourse.train: sweep over 3 rates equals
    minimize at each rate (rtol 1e-10), full-batch and with minibatches."""
    net = Network([64, 8, 10])
    prob = Objective(net, digits.X_train[:200], digits.y_train[:200], weight_decay=1e-3)
    theta0 = net.init_params(0)
    lrs = np.array([0.01, 0.1, 0.5])
    for bs in (None, 20):
        sw = train.sweep(prob, lambda lr: optimizers.SGD(lr, momentum=0.9), lrs, 15, theta0, batch_size=bs)
        for k, lr in enumerate(lrs):
            one = train.minimize(prob, optimizers.SGD(float(lr), momentum=0.9), 15, theta0, batch_size=bs)
            np.testing.assert_allclose(sw.losses[:, k], one.losses, rtol=1e-10)
    assert prob.accuracy(sw.params[-1]).shape == (3,)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: Network("64"), TypeError, "sizes"),
    (lambda: Network([64]), ValueError, "sizes must list"),
    (lambda: Network([64, 1]), ValueError, r"sizes\[-1\]"),
    (lambda: Network([64, 0, 10]), ValueError, r"sizes\[1\]"),
    (lambda: Network([4, 3], activation="gelu"), ValueError, "activation"),
    (lambda: Network([4, 3]).init_params(-1), ValueError, "seeds"),
    (lambda: Network([4, 3]).init_params(1.5), TypeError, "seeds"),
    (lambda: Network([4, 3]).loss(np.zeros(7), np.zeros((2, 4)), [0, 1]), ValueError, r"theta must have shape \(15,\)"),
    (lambda: Network([4, 3]).loss(np.zeros(15), np.zeros((2, 5)), [0, 1]), ValueError, "X must have shape"),
    (lambda: Network([4, 3]).loss(np.zeros(15), np.zeros((2, 4)), [0.0, 1.0]), TypeError, "y must hold integer"),
    (lambda: Network([4, 3]).loss(np.zeros(15), np.zeros((2, 4)), [0, 3]), ValueError, r"y must hold labels in 0 \.\. 2"),
    (lambda: Network([4, 3]).loss(np.zeros(15), np.zeros((2, 4)), [0]), ValueError, "y must have shape"),
    (lambda: Network([4, 3]).loss(np.zeros(15), np.zeros((2, 4)), [0, 1], -1.0), ValueError, "weight_decay"),
    (lambda: Objective("net", np.zeros((2, 4)), [0, 1]), TypeError, "net must be"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(epochs=0), ValueError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(batch_size=10**6), ValueError, "batch_size"),
    (dict(order_seed=[0, 1, 2]), ValueError, "order_seed must be one int or K = 2"),
    (dict(order_seed=-3), ValueError, "order_seed"),
    (dict(theta0=np.full((2, 235), np.nan)), ValueError, "theta0 must hold finite"),
    (dict(theta0=np.zeros((2, 5))), ValueError, r"theta0 must have shape \(235,\) or \(K, 235\)"),
    (dict(optimizer=optimizers.SGD), TypeError, "optimizer must be an optimizer instance"),
    (dict(optimizer=optimizers.SGD(np.ones(3))), ValueError, "K = 2 rates"),
    (dict(data=(1, 2)), TypeError, "data must have X_train"),
    (dict(weight_decay=np.nan), ValueError, "weight_decay"),
])
def test_fit_bad_input(digits, kwargs, exc, match):
    net = Network([64, 3, 10])
    args = dict(net=net, data=digits, optimizer=optimizers.SGD(0.1), epochs=1, theta0=net.init_params([0, 1]))
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        fit(**args)


def test_sweep_bad_input(digits):
    net = Network([64, 3, 10])
    with pytest.raises(ValueError, match="ignored its argument"):
        sweep(net, digits, lambda lr: optimizers.SGD(0.1), [0.1, 0.2], [0])
    with pytest.raises(ValueError, match="lrs must be"):
        sweep(net, digits, lambda lr: optimizers.SGD(lr), [-0.1], [0])
    with pytest.raises(TypeError, match="make_optimizer"):
        sweep(net, digits, 0.1, [0.1], [0])


def test_same_network_in_torch(digits):
    """The same 64-32-10 net in PyTorch (float64, the same initial weights, the same minibatch
    order, SGD momentum 0.9, the same explicit L2 term): the minibatch losses agree to rtol 1e-12
    for the first 10 updates and to rtol 1e-8 over 3 epochs (102 updates). Measured drift: at
    lr 0.2, 4e-16 over the first 10 updates, 3e-15 over the first epoch, 1.5e-12 after 3 epochs."""
    torch = pytest.importorskip("torch")
    net = Network([64, 32, 10])
    wd, epochs, bs = 1e-3, 3, 32
    for lr in (0.05, 0.2):
        ours = fit(net, digits, optimizers.SGD(lr, momentum=0.9), epochs, net.init_params(0),
                   batch_size=bs, weight_decay=wd, order_seed=0).step_loss[:, 0]
        model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)).double()
        with torch.no_grad():
            for lin, (W, b) in zip([model[0], model[2]], net.layers(net.init_params(0))):
                lin.weight.copy_(torch.from_numpy(W.T.copy()))
                lin.bias.copy_(torch.from_numpy(b.copy()))
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        X, y = torch.from_numpy(digits.X_train), torch.from_numpy(digits.y_train)
        rng, n, theirs = np.random.default_rng(0), len(digits.y_train), []
        for _ in range(epochs):
            order = rng.permutation(n)
            for b in range(-(-n // bs)):
                idx = torch.from_numpy(order[b * bs:(b + 1) * bs])
                loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx]) + wd / 2 * (
                    model[0].weight.square().sum() + model[2].weight.square().sum())
                theirs.append(loss.item())
                opt.zero_grad()
                loss.backward()
                opt.step()
        theirs = np.array(theirs)
        assert len(theirs) == len(ours)
        np.testing.assert_allclose(ours[:10], theirs[:10], rtol=1e-12)
        np.testing.assert_allclose(ours, theirs, rtol=1e-8)
