"""Benchmarks of the course: ``python -m lrcourse.bench [--quick] [--builds] [--repeat N]``.

Prints one table per topic (not part of the test run; timings depend on the machine):

1. widgets — every widget of every notebook under ``book/``: frames (and how many of them were
   drawn in full rather than blitted), build time, compute and drawing time per frame, page
   weight (raw and gzipped); live widgets: p95 of 50 varied updates (compute, and compute +
   redraw);
2. vectorised sweep — one optimizer over 200 learning rates × 1000 steps in one call against a
   Python loop over the same runs (speed-up and largest difference);
3. optimizer step overhead against ``torch.optim`` (when PyTorch is installed);
3b. a learning-rate sweep on a real network (:func:`bench_network_sweep`: digits, 20 rates x 3
   seeds x 5 epochs) vectorised, one run at a time, and in PyTorch one run at a time;
4. whole course — execution time of every notebook (the fastest of ``--repeat`` runs; kernel
   start included) and the floor every notebook pays (kernel start + import cell, fastest of 5); with
   ``--builds`` also a cold and a cached book build.

Targets (issue "Performance"): compute ≤ 5 ms/frame, widget ≤ 3 s, ≤ 300 KB gzipped per 20
frames; live update p95 ≤ 30 ms compute, ≤ 100 ms with redraw; sweep ≥ 20× faster; lrcourse
≥ 3× faster than torch on 2-D, within 2× on 10,000-D; notebooks ≤ 90 s together; the network
sweep a few seconds at most on the 2-core machine.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

# Injected as the last cell of each notebook: report every widget built while it ran.
_REPORT_CELL = r'''
import time as _time
_t_report = _time.perf_counter()
import json as _json, numpy as _np
from lrcourse import widgets as _w
_rows = []
_rng = _np.random.default_rng(0)
for _i, _box in enumerate(_w.BUILT):
    if hasattr(_box, "stats"):
        _s = _box.stats
        _rows.append(dict(kind="frames", index=_i, frames=_s.frames, full_draws=_s.full_draws, fmt=_s.fmt, build_s=_s.build_s,
                          compute_ms=1e3 * float(_np.mean(_s.compute_s)), draw_ms=1e3 * float(_np.mean(_s.draw_s)),
                          raw_kb=_s.raw_bytes / 1024, gzip_kb=_s.gzip_bytes / 1024))
    else:
        _box.timings.clear()
        for _ in range(50):
            for _c in _box.controls.values():
                if hasattr(_c, "options") and len(_c.options):
                    _c.index = int(_rng.integers(len(_c.options)))
                elif hasattr(_c, "min") and hasattr(_c, "max"):
                    _v = _rng.uniform(_c.min, _c.max)
                    _c.value = int(round(_v)) if isinstance(_c.value, int) else _v
            _box.refresh()
        _t = _np.array(_box.timings)
        _rows.append(dict(kind="live", index=_i, updates=len(_t),
                          p95_compute_ms=1e3 * float(_np.percentile(_t[:, 0], 95)),
                          p95_total_ms=1e3 * float(_np.percentile(_t.sum(axis=1), 95))))
print("@@BENCH@@" + _json.dumps({"rows": _rows, "report_s": _time.perf_counter() - _t_report}))
'''


def notebooks() -> list[Path]:
    """Every notebook the book executes (student assignment pages, with execution off, are not)."""
    book = ROOT / "book"
    found = []
    for p in sorted(book.rglob("*.ipynb")):
        if {"_build", ".ipynb_checkpoints", "release"} & set(p.parts):
            continue
        meta = json.loads(p.read_text(encoding="utf-8")).get("metadata", {})
        if meta.get("mystnb", {}).get("execution_mode") == "off":
            continue
        found.append(p)
    return found


def run_notebook(path: Path, timeout: int = 600) -> tuple[float, list[dict]]:
    """Execute a notebook (in its folder) plus the report cell; return (seconds, widget rows).

    The seconds exclude the report cell's own work (e.g. the 50 live-widget updates)."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_REPORT_CELL))
    # as scripts/execute_notebooks.py runs them: the kernel is stopped at once after the last cell
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - t0
    rows = []
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if "@@BENCH@@" in text:
            report = json.loads(text.split("@@BENCH@@", 1)[1])
            rows, seconds = report["rows"], seconds - report["report_s"]
    return seconds, rows


def _floor_notebook_seconds(runs: int = 5) -> float:
    """What any notebook of the course costs before its content: a kernel start and the usual
    import cell (numpy, pyplot, lrcourse), then an immediate kernel stop; the fastest of ``runs``
    (as the notebooks' own times are the fastest of ``--repeat`` runs)."""
    import tempfile as _tempfile

    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import numpy as np\nimport matplotlib.pyplot as plt\nfrom lrcourse import flaws, plots, widgets\n"
        "from lrcourse.glue import glue\nplots.apply_style()")]
    times = []
    with _tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "floor.ipynb"
        nbformat.write(nb, path)
        for _ in range(runs):
            times.append(run_notebook(path)[0])
    return float(min(times))


def bench_sweep(n_lrs: int = 200, steps: int = 1000) -> dict:
    from lrcourse.optimizers import SGD
    from lrcourse.problems import LinearRegression, make_linear_data
    from lrcourse.train import minimize, sweep

    problem = LinearRegression(*make_linear_data())
    lrs = np.geomspace(1e-3, 1.4, n_lrs)
    theta0 = np.zeros(problem.dim)
    sweep(problem, lambda lr: SGD(lr=lr), lrs, 10, theta0)        # warm up both paths first
    minimize(problem, SGD(lr=0.1), 10, theta0)
    t0 = time.perf_counter()
    res = sweep(problem, lambda lr: SGD(lr=lr), lrs, steps, theta0)
    t_vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    finals = [minimize(problem, SGD(lr=float(lr)), steps, theta0).final_loss for lr in lrs]
    t_loop = time.perf_counter() - t0
    diff = float(np.max(np.abs(np.asarray(finals) - res.final_loss)))
    return dict(vectorised_s=t_vec, loop_s=t_loop, speedup=t_loop / t_vec, max_abs_diff=diff)


def _torch_digits_run(net, data, theta0: np.ndarray, lr: float, seed: int, epochs: int, batch_size: int):
    """One run of :func:`lrcourse.network.fit` redone in PyTorch (float64, the same initial weights,
    the same minibatch order, ``torch.optim.SGD(momentum=0.9)``): its per-step minibatch losses."""
    import torch

    mods = []
    for W, b in net.layers(theta0):
        lin = torch.nn.Linear(*W.shape).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        mods += [lin, torch.nn.ReLU()]
    model = torch.nn.Sequential(*mods[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    rng, n, out = np.random.default_rng(seed), len(data.y_train), []
    for _ in range(epochs):
        order = rng.permutation(n)
        for b in range(-(-n // batch_size)):
            idx = torch.from_numpy(order[b * batch_size:(b + 1) * batch_size])
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            out.append(loss.item())
            opt.zero_grad()
            loss.backward()
            opt.step()
    return np.array(out)


def bench_network_sweep(n_lrs: int = 20, seeds: tuple = (0, 1, 2), epochs: int = 5, hidden: int = 64,
                        batch_size: int = 32, torch_runs: bool = True) -> dict:
    """A learning-rate sweep on a real network: the digits 64-hidden-10 ReLU MLP, SGD momentum 0.9,
    ``n_lrs`` rates on a log grid x ``seeds``, ``epochs`` epochs, as ONE vectorised
    :func:`lrcourse.network.sweep`, against the same runs one at a time (:func:`~lrcourse.network.fit`
    with K = 1) and, where installed, in PyTorch on CPU one at a time (float64, same initial weights,
    same minibatch order). Reports seconds, speed-ups and the largest relative difference of the
    per-step minibatch losses (runs that did not diverge; those that did must diverge in all)."""
    from lrcourse import datasets, network
    from lrcourse.optimizers import SGD

    data = datasets.digits()
    net = network.Network([64, hidden, 10])
    lrs = np.geomspace(1e-3, 3.0, n_lrs)
    make = lambda lr: SGD(lr, momentum=0.9)
    network.sweep(net, data, make, lrs[:2], seeds[:1], epochs=1, batch_size=batch_size)     # warm up
    t0 = time.perf_counter()
    res = network.sweep(net, data, make, lrs, seeds, epochs=epochs, batch_size=batch_size)
    t_vec = time.perf_counter() - t0
    lr_k, seed_k = network.grid(lrs, seeds)
    t0 = time.perf_counter()
    ones = [network.fit(net, data, make(float(lr)), epochs, net.init_params(int(s)), batch_size=batch_size,
                        order_seed=[int(s)]) for lr, s in zip(lr_k, seed_k)]
    t_loop = time.perf_counter() - t0
    ok = ~res.diverged
    same_div = all(o.diverged[0] == d for o, d in zip(ones, res.diverged))
    # relative differences, with a floor of 1e-12 under |loss| (a run at a large rate can fit a
    # minibatch so well that its CE rounds to exactly 0)
    relative = lambda a, b: np.abs(a - b) / np.maximum(np.abs(b), 1e-12)
    rel = max(float(np.max(relative(res.step_loss[:, k], o.step_loss[:, 0]))) for k, o in enumerate(ones) if ok[k])
    row = dict(runs=len(lr_k), epochs=epochs, hidden=hidden, updates=res.step_loss.shape[0],
               vectorised_s=t_vec, one_at_a_time_s=t_loop, speedup=t_loop / t_vec,
               max_rel_diff=rel, same_divergence=same_div,
               best_val_acc=float(np.nanmax(res.val_acc[-1])), diverged=int(res.diverged.sum()))
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None and torch_runs:
        torch.set_num_threads(1)
        t0 = time.perf_counter()
        theirs = [_torch_digits_run(net, data, net.init_params(int(s)), float(lr), int(s), epochs, batch_size)
                  for k, (lr, s) in enumerate(zip(lr_k, seed_k)) if ok[k]]
        t_torch = time.perf_counter() - t0
        n_ok = int(ok.sum())
        diffs = [relative(res.step_loss[:, k], t) for k, t in zip(np.flatnonzero(ok), theirs)]
        row.update(torch_runs=n_ok, torch_s=t_torch, torch_s_per_run_over_vectorised=(t_torch / n_ok * len(lr_k)) / t_vec,
                   torch_rel_diff_first10=float(max(d[:10].max() for d in diffs)),
                   torch_rel_diff_all=float(max(d.max() for d in diffs)),
                   torch_rel_diff_all_lr_le_0_1=float(max(d.max() for d, k in zip(diffs, np.flatnonzero(ok))
                                                          if lr_k[k] <= 0.1)))
    return row


def _best_of(run, repeats: int, rounds: int = 5) -> float:
    """Seconds per call of ``run``: the best of ``rounds`` timings of ``repeats`` calls, after
    one untimed round (warm caches; the minimum is the least disturbed by other processes)."""
    best = float("inf")
    for r in range(rounds + 1):
        t0 = time.perf_counter()
        for _ in range(repeats):
            run()
        if r:
            best = min(best, (time.perf_counter() - t0) / repeats)
    return best


def bench_optimizer_step(repeats: int = 2000) -> list[dict]:
    from lrcourse import optimizers

    try:
        import torch
    except ImportError:  # optional extra
        torch = None
    rows = []
    for dim in (2, 10_000):
        rng = np.random.default_rng(0)
        p = rng.standard_normal(dim)
        g = rng.standard_normal(dim)
        for name, ours, theirs in [("SGD momentum", lambda: optimizers.SGD(lr=0.01, momentum=0.9),
                                    lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9)),
                                   ("Adam", lambda: optimizers.Adam(lr=1e-3),
                                    lambda ps: torch.optim.Adam(ps, lr=1e-3))]:
            opt = ours()
            box = {"params": p, "state": opt.init(p)}

            def step_ours():
                box["params"], box["state"] = opt.update(box["params"], g, box["state"])

            t_ours = _best_of(step_ours, repeats)
            row = dict(optimizer=name, dim=dim, lrcourse_us=1e6 * t_ours)
            if torch is not None:
                tp = torch.tensor(p, dtype=torch.float64, requires_grad=True)
                tp.grad = torch.tensor(g, dtype=torch.float64)
                topt = theirs([tp])
                t_torch = _best_of(topt.step, repeats)
                row.update(torch_us=1e6 * t_torch, torch_over_lrcourse=t_torch / t_ours)
            rows.append(row)
    return rows


def bench_builds() -> dict:
    """A cold build as ``make book`` runs it (notebooks executed two at a time into the cache by
    ``scripts/execute_notebooks.py``, then ``jupyter-book build``), then a cached rebuild."""
    jb = Path(sys.executable).with_name("jupyter-book")
    out = Path(tempfile.mkdtemp(prefix="lrcourse-bench-"))
    build = [str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
    times = {}
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "scripts" / "execute_notebooks.py"),
                        "--cache", str(out / "_build" / ".jupyter_cache")], check=True, capture_output=True)
        times["cold_execute_s"] = time.perf_counter() - t0
        subprocess.run(build, check=True, capture_output=True)
        times["cold_build_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(build, check=True, capture_output=True)
        times["cached_build_s"] = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return times


def _table(rows: list[dict], title: str) -> str:
    if not rows:
        return f"\n{title}\n(none)\n"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    fmt = lambda v: f"{v:.3g}" if isinstance(v, float) else str(v)
    cells = [[fmt(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths)) + " |"
    return "\n".join([f"\n{title}", line(cols), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *(line(r) for r in cells)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip executing the notebooks")
    parser.add_argument("--builds", action="store_true", help="also time a cold and a cached book build")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each notebook this many times and keep the fastest run (default 1)")
    args = parser.parse_args(argv)

    print(_table([bench_sweep()], "Vectorised sweep: SGD, 200 learning rates x 1000 steps, regression problem"))
    print(_table(bench_optimizer_step(), "One optimizer update (microseconds; ratio > 1: lrcourse faster)"))
    print(_table([bench_network_sweep()], "Network sweep on digits: 20 rates x 3 seeds x 5 epochs, 64-64-10 MLP, "
                 "SGD momentum 0.9 (vectorised vs one at a time vs PyTorch one at a time)"))
    if not args.quick:
        widget_rows, nb_rows = [], []
        for path in notebooks():
            # the fastest of --repeat runs: the one least disturbed by the rest of the machine
            seconds, rows = min((run_notebook(path) for _ in range(args.repeat)), key=lambda run: run[0])
            name = str(path.relative_to(ROOT / "book"))
            nb_rows.append(dict(notebook=name, seconds=seconds, widgets=len(rows)))
            widget_rows += [dict(notebook=name, **r) for r in rows]
            print(f"  executed {name} in {seconds:.1f} s", file=sys.stderr)
        floor = _floor_notebook_seconds()
        nb_rows.append(dict(notebook="TOTAL", seconds=sum(r["seconds"] for r in nb_rows),
                            widgets=sum(r["widgets"] for r in nb_rows)))
        nb_rows.append(dict(notebook=f"(of which the floor: {len(nb_rows) - 1} x kernel start + import cell)",
                            seconds=(len(nb_rows) - 1) * floor, widgets=""))
        print(_table([r for r in widget_rows if r["kind"] == "frames"], "Widgets with precomputed frames"))
        print(_table([r for r in widget_rows if r["kind"] == "live"], "Live widgets (50 varied updates)"))
        print(_table(nb_rows, "Notebook execution (kernel start included)"))
    if args.builds:
        print(_table([bench_builds()], "Book build (seconds)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
