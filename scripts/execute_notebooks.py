"""Execute the book's notebooks in parallel into the build's execution cache.

``jupyter-book build`` executes the notebooks that are not in its cache one after the other.
Run this first (``make book`` and ``make test`` do) and every notebook is executed exactly as the
build would (``jupyter_cache``'s ``single_nb_execution``, in the notebook's folder, the timeout
of ``_config.yml``), two (or ``--jobs``) at a time, longest first; the build then finds them all
in the cache. A notebook already cached (same code) is skipped. A notebook that fails is not
cached: the build then runs it again and reports the error in full.

Kernels use IPC sockets in a private folder each (``scripts/kernels.py``), so two started at the
same time cannot pick the same TCP port. A kernel that dies or does not answer before the first
cell is started once more; if it fails again, one line names the notebook and the reason, and
the script exits with status 1.

The cache knows only the notebooks' code, not the library behind them: this script keeps a
digest of ``lrcourse/`` next to the cache and empties the cache when the library has changed,
together with Sphinx's saved state of the pages (``.doctrees``, ``jupyter_execute``), so that a
change in ``lrcourse`` is never shown with stale outputs.

    python scripts/execute_notebooks.py [--jobs N] [--cache _build/.jupyter_cache] [notebook ...]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timeout() -> int:
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return int(config.get("execute", {}).get("timeout", 30))


def library_digest() -> str:
    """SHA-256 over the library's source files (names and contents)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "lrcourse").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _drop_stale_cache(cache_path: Path) -> None:
    stamp = cache_path.parent / (cache_path.name + ".lrcourse-digest")
    current = library_digest()
    if cache_path.exists() and (not stamp.exists() or stamp.read_text().strip() != current):
        import shutil

        print("execute_notebooks: lrcourse changed since the cache was filled: executing every notebook")
        shutil.rmtree(cache_path)
        # Sphinx re-reads a page only when its source changed: drop its saved state too
        for saved in (".doctrees", "jupyter_execute"):
            shutil.rmtree(cache_path.parent / saved, ignore_errors=True)
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")


class KernelStartError(Exception):
    """The kernel died or did not answer before the first cell (not a failing cell)."""


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:160]}" if text else type(err).__name__


def _execute_once(path: str, timeout: int):
    import traceback

    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    # IPC in a private socket folder: kernels started at once cannot pick the same TCP port
    from scripts.kernels import AsyncIPCKernelManager, remove_socket_dirs

    nb = nbformat.read(path, as_version=4)
    started = []                           # nbclient calls on_notebook_start once the kernel is ready
    try:
        # "immediate": the kernel is stopped once every output is in; a graceful shutdown of an
        # ipykernel takes 0.1 s or, at random, about 2.7 s (measured here), for nothing we keep
        result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout, allow_errors=False,
                                     meta_override=True, shutdown_kernel="immediate",
                                     kernel_manager_class=AsyncIPCKernelManager,
                                     on_notebook_start=lambda notebook: started.append(True))
    except Exception as err:               # failing cells are caught by jupyter_cache: not these
        if not started:
            raise KernelStartError(_short(err)) from None
        # the kernel died (or the client failed) while running: a failed notebook, not a crash
        return nb, 0.0, "".join(traceback.format_exc())
    finally:
        remove_socket_dirs()               # anything a kernel that failed at start left behind
    error = None if result.err is None else (result.exc_string or repr(result.err))
    return nb, result.time, error


def _execute(path: str, timeout: int):
    """Execute one notebook, its kernel started at most twice.

    Returns (path, seconds, error or None, executed notebook, notes): error is a cell's traceback,
    or ``kernel failed to start twice (...)``; notes say that a first kernel failed to start.
    """
    notes = []
    for attempt in (1, 2):
        try:
            nb, seconds, error = _execute_once(path, timeout)
        except KernelStartError as err:
            if attempt == 2:
                return path, 0.0, f"kernel failed to start twice ({err})", None, notes
            notes.append(f"kernel failed to start, retried ({err})")
        else:
            return path, seconds, error, nb, notes


def main(argv: list[str] | None = None) -> int:
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    from lrcourse.bench import notebooks

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--cache", default=str(ROOT / "_build" / ".jupyter_cache"))
    parser.add_argument("notebook", nargs="*", type=Path, help="only these (default: every notebook of the book)")
    args = parser.parse_args(argv)

    _drop_stale_cache(Path(args.cache))
    cache = get_cache(args.cache)
    todo = []
    for path in [p.resolve() for p in args.notebook] or notebooks():
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            todo.append(path)
    if not todo:
        print("execute_notebooks: every notebook is cached")
        return 0
    todo.sort(key=lambda p: p.stat().st_size, reverse=True)          # long ones first: better balance
    print(f"execute_notebooks: {len(todo)} notebook(s), {args.jobs} at a time", flush=True)
    t0, failed, no_kernel = time.perf_counter(), [], []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(_execute, str(p), _timeout()) for p in todo]
        for done, future in enumerate(as_completed(futures), 1):
            path, seconds, error, nb, notes = future.result()
            if error is None:                      # one writer for the cache's database: this process
                cache.cache_notebook_bundle(CacheBundleIn(nb, path, data={"execution_seconds": seconds}),
                                            check_validity=False, overwrite=True)
            name = _name(path)
            note = "".join(f"; {n}" for n in notes)
            print(f"  [{done}/{len(todo)}] {name}: {'FAILED' if error else 'ok'} ({seconds:.1f} s{note})",
                  flush=True)
            if nb is None:                         # no kernel: nothing the build could tell more about
                no_kernel.append(f"execute_notebooks: {name}: {error}")
            elif error:
                failed.append((name, error))
    print(f"execute_notebooks: {time.perf_counter() - t0:.1f} s in all", flush=True)
    for name, error in failed:
        print(f"\n{name} failed:\n{error}", file=sys.stderr)
    for line in no_kernel:
        print(line, file=sys.stderr)
    return 1 if failed or no_kernel else 0


def _name(path: str) -> Path:
    try:
        return Path(path).relative_to(ROOT)
    except ValueError:
        return Path(path)


if __name__ == "__main__":
    raise SystemExit(main())
