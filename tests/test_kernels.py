"""Kernels of execute_notebooks.py and nbval: IPC in private socket folders, start retried once."""
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.kernels import IPCKernelManager  # noqa: E402


def test_kernel_uses_ipc_in_a_private_folder_removed_at_shutdown(tmp_path):
    km = IPCKernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(tmp_path))               # the kernel's cwd is not the client's
    folder = Path(km.ip).parent
    try:
        info = json.loads(Path(km.connection_file).read_text())
        assert info["transport"] == "ipc" and Path(info["ip"]).is_absolute()
        assert folder.name.startswith("lrc-kernel-")
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            reply = kc.execute_interactive("import os; assert os.getcwd() == %r" % str(tmp_path), timeout=60)
            assert reply["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
        assert sorted(p.name for p in folder.iterdir()) == [f"k-{i}" for i in range(1, 6)]
    finally:
        km.shutdown_kernel(now=True)
    assert not folder.exists()


def test_nbval_starts_the_ipc_kernel_manager():
    import nbval.kernel                               # patched by the root conftest.py

    assert nbval.kernel.KernelManager is IPCKernelManager


def _kernelspec(jupyter_path: Path, name: str, argv: list[str]) -> None:
    folder = jupyter_path / "kernels" / name
    folder.mkdir(parents=True)
    (folder / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": name, "language": "python"}))


def _notebook(path: Path, kernel: str) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nbformat.write(nb, path)
    return path


def test_kernel_dying_at_start_is_retried_once_then_reported_in_one_line(tmp_path):
    jupyter = tmp_path / "jupyter"
    # dies at once, every time
    _kernelspec(jupyter, "dies", [sys.executable, "-c", "raise SystemExit(3)", "{connection_file}"])
    # dies the first time only, then is a real ipykernel
    marker = tmp_path / "started-once"
    flaky = ("import os, sys\n"
             "if not os.path.exists(sys.argv[1]):\n"
             "    open(sys.argv[1], 'w').close(); raise SystemExit(3)\n"
             "os.execv(sys.executable, [sys.executable, '-m', 'ipykernel_launcher', '-f', sys.argv[2]])\n")
    _kernelspec(jupyter, "flaky", [sys.executable, "-c", flaky, str(marker), "{connection_file}"])
    dead = _notebook(tmp_path / "dead.ipynb", "dies")
    retried = _notebook(tmp_path / "retried.ipynb", "flaky")
    scratch = tmp_path / "scratch"                    # the kernels' socket folders go here
    scratch.mkdir()
    env = dict(os.environ, JUPYTER_PATH=str(jupyter), TMPDIR=str(scratch),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))

    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "execute_notebooks.py"), "--jobs", "2",
                          "--cache", str(tmp_path / "cache"), str(dead), str(retried)],
                         env=env, capture_output=True, text=True, timeout=120)

    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Traceback" not in output, output
    assert run.stderr.strip().splitlines()[-1] == (
        f"execute_notebooks: {dead}: kernel failed to start twice "
        "(RuntimeError: Kernel died before replying to kernel_info)"), output
    assert f"{retried}: ok (" in run.stdout and "kernel failed to start, retried" in run.stdout, output
    assert list(scratch.iterdir()) == [], "socket folders left behind"
