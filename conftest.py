"""Root pytest configuration, loaded for ``tests/`` and for the notebooks nbval collects in ``book/``.

nbval starts each notebook's kernel with ``nbval.kernel.KernelManager`` and reads no Jupyter
config file. Under pytest-xdist two workers start kernels at the same time and, over TCP, can
pick the same port ("Address already in use", then "Kernel died before replying to
kernel_info"). nbval's kernels use the IPC kernel manager of ``scripts/kernels.py`` instead
(private socket folder per kernel, removed at shutdown), as ``scripts/execute_notebooks.py`` does.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.kernels import IPCKernelManager  # noqa: E402

try:
    import nbval.kernel
except ImportError:                   # nbval not installed: nothing to patch
    pass
else:
    # nbval.kernel.start_new_kernel looks the class up in its module at each start
    nbval.kernel.KernelManager = IPCKernelManager
