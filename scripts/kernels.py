"""Kernel managers whose kernels cannot collide with kernels started by another process.

With the default TCP transport, jupyter_client picks five free ports for each kernel and the
kernel binds them a moment later. Its cache of ports handed out works only within one process,
so two processes starting kernels at the same time (``scripts/execute_notebooks.py`` with two
jobs, nbval under two pytest-xdist workers) can pick the same port: the kernel dies with
``ZMQError: Address already in use`` and the client with "Kernel died before replying to
kernel_info".

The managers here use the IPC transport (Unix sockets) instead, each kernel in a private socket
folder made with ``tempfile.mkdtemp``: no port is picked at all, so nothing can be shared, and
the folder is removed when the kernel is shut down. The socket prefix is an absolute path, as
the kernel runs in the notebook's folder, not in the client's (jupyter_client's default IPC
prefix, ``kernel-ipc``, is relative and fails there). Using IPC also silences ipykernel's
"Kernel is running over TCP without encryption" warning.

A Jupyter config file with ``c.KernelManager.transport = "ipc"`` does not do this: nbclient (as
used by jupyter-cache and myst-nb) and nbval never read config files. The classes are used
explicitly instead: ``scripts/execute_notebooks.py`` passes ``AsyncIPCKernelManager`` to
nbclient, and the root ``conftest.py`` makes nbval start ``IPCKernelManager``.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync
from traitlets import default

#: socket folders made in this process and not removed yet
_SOCKET_DIRS: set[str] = set()


def remove_socket_dirs() -> None:
    """Remove every socket folder this process made that is still there.

    A shut-down kernel's folder is removed already; this catches a manager whose kernel failed
    before jupyter_client cleaned it up. Registered with atexit, and called by
    ``execute_notebooks.py`` after each notebook (its pool workers leave with ``os._exit``, which
    skips atexit).
    """
    for folder in list(_SOCKET_DIRS):
        shutil.rmtree(folder, ignore_errors=True)
        _SOCKET_DIRS.discard(folder)


atexit.register(remove_socket_dirs)


class _PrivateIPC:
    """Mixin for a jupyter_client kernel manager: IPC transport, one private socket folder."""

    _socket_dir: str | None = None

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        if self.transport != "ipc":
            return super()._ip_default()
        # a short prefix: a Unix socket's path must stay under 108 bytes
        self._socket_dir = tempfile.mkdtemp(prefix="lrc-kernel-")
        _SOCKET_DIRS.add(self._socket_dir)
        return os.path.join(self._socket_dir, "k")      # the kernel's sockets: k-1 ... k-5

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if not restart and self._socket_dir is not None:   # a restart reuses the sockets
                shutil.rmtree(self._socket_dir, ignore_errors=True)
                _SOCKET_DIRS.discard(self._socket_dir)


class IPCKernelManager(_PrivateIPC, KernelManager):
    """Blocking kernel manager (nbval) over IPC in a private socket folder."""

    # KernelManager binds these to its own coroutine, not to an override: rebind them
    cleanup_resources = run_sync(_PrivateIPC._async_cleanup_resources)


class AsyncIPCKernelManager(_PrivateIPC, AsyncKernelManager):
    """Asynchronous kernel manager (nbclient, jupyter-cache) over IPC in a private socket folder."""

    cleanup_resources = _PrivateIPC._async_cleanup_resources
