"""The kernels notebooks run on: one start at a time across processes (jupyter_client's port race), and the
reused kernel that runs many notebooks in turn, with its papermill engine; ``NotebookError`` is what a run
that fails says."""
from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

from ..core import paths

KERNEL_NAME = "ice287g"
KERNEL_DISPLAY_NAME = "Python (ice287g)"
START_TIMEOUT = 120
ASYNC_CLIENT = "jupyter_client.asynchronous.AsyncKernelClient"


def kernel_start_lock() -> Path:
    """The lock every kernel start of this user holds, whatever project it runs in: `make test` starts the
    reports' kernels while the integration tests start theirs in throwaway projects, and the two would
    otherwise race for the same ports."""
    return Path(tempfile.gettempdir()) / f"ice287g-kernel-start-{os.getuid()}.lock"


class NotebookError(RuntimeError):
    """A notebook failed, or did not produce what it declares."""

@contextlib.contextmanager
def set_environment(**values: str) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def kernel_start_guard(lock_path: Path) -> Iterator:
    """Hold an inter-process lock from before a kernel starts until it answers (the callback yielded is
    nbclient's ``on_notebook_start`` hook) so that runs in parallel processes never pick the same
    ports (jupyter_client's port race). Released at the latest when the block ends."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "w")
    fcntl.flock(handle, fcntl.LOCK_EX)

    def release(**_):
        if not handle.closed:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    try:
        yield release
    finally:
        release()


class ReusedKernel:
    """One kernel that runs many notebooks in turn (the state reports: imports and processed tables are
    loaded once per worker, not once per state). Before each notebook ``prepare`` gives the kernel a
    fresh session: user namespace and execution counter reset (``InteractiveShell.reset``), figures
    closed, warnings shown again, the run's environment and working directory set, so a notebook's
    outputs are those of a fresh kernel. What stays is what a fresh kernel would rebuild the same: the
    imported modules and their caches keyed by file (``store._processed``)."""

    def __init__(self, kernel_name: str = KERNEL_NAME, lock_path: Path | None = None):
        self.kernel_name = kernel_name
        # An asynchronous client, as nbclient makes for a kernel of its own: nbclient runs the cells in an
        # event loop that also polls whether the kernel is alive, and a blocking client's wait for output
        # would block that loop, so a kernel that died mid-run would hang the run instead of failing it.
        self.km = KernelManager(kernel_name=kernel_name, client_class=ASYNC_CLIENT)
        lock_path = lock_path or kernel_start_lock()
        with kernel_start_guard(lock_path) as started:
            self.km.start_kernel(cwd=str(paths.project_root()))
            self.kc = self.km.client()
            self.kc.start_channels()
            run_sync(self.kc.wait_for_ready)(timeout=START_TIMEOUT)
            started()
        self.kc.allow_stdin = False

    def execute(self, code: str, **kwargs) -> dict:
        """Run ``code`` on the kernel and wait for its reply (``execute_interactive``'s keywords)."""
        return run_sync(self.kc.execute_interactive)(code, **kwargs)

    def prepare(self, env: Mapping[str, str], cwd: Path, *, forget_caches: bool = False) -> None:
        """A fresh session for the next notebook. ``forget_caches`` also empties the package's in-memory
        caches (``cache.forget_memory``), so the notebook opens every file it reads as a fresh kernel
        would: the pipeline's runs record what they open (``kernel.record_opens``)."""
        code = (
            "get_ipython().reset(new_session=True, aggressive=False)\n"
            "import os as _os, sys as _sys, warnings as _w\n"
            f"_os.environ.update({dict(env)!r})\n"
            f"_os.chdir({str(cwd)!r})\n"
            "if 'matplotlib.pyplot' in _sys.modules:\n"
            "    _sys.modules['matplotlib.pyplot'].close('all')\n"
            # a warning shown by an earlier notebook is shown again (fresh registries)
            "getattr(_w, '_filters_mutated', getattr(_w, '_filters_mutated_lock_held', lambda: None))()\n"
            "del _os, _sys, _w\n"
            + ("import ice287g.archive.cache as _c\n_c.forget_memory()\ndel _c\n" if forget_caches else "")
        )
        reply = self.execute(code, silent=True, store_history=False, timeout=START_TIMEOUT)
        if reply["content"]["status"] != "ok":
            raise NotebookError(f"could not reset the reused kernel: {reply['content'].get('evalue')}")

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            self.kc.stop_channels()
        with contextlib.suppress(Exception):
            self.km.shutdown_kernel(now=True)


_REUSED: dict[str, ReusedKernel] = {}


def reused_kernel(kernel_name: str = KERNEL_NAME) -> ReusedKernel:
    """This process's reused kernel (started on first use, shut down when the process exits)."""
    kernel = _REUSED.get(kernel_name)
    if kernel is None or not kernel.km.is_alive():
        if kernel is not None:
            kernel.shutdown()
        if not _REUSED:
            atexit.register(shutdown_reused_kernels)
        kernel = _REUSED[kernel_name] = ReusedKernel(kernel_name)
    return kernel


def shutdown_reused_kernels() -> None:
    while _REUSED:
        _REUSED.popitem()[1].shutdown()


def register_reused_engine() -> str:
    """Papermill engine ``ice287g_reused``: papermill injects the parameters and records the run as
    usual, but the cells run on a ``ReusedKernel`` (engine keyword ``kernel``) prepared for the run."""
    class ReusedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, *,
                                     kernel: ReusedKernel, env: Mapping[str, str], kernel_cwd: str,
                                     forget_caches: bool = False, **kwargs):
            kernel.prepare(env, Path(kernel_cwd), forget_caches=forget_caches)
            client = PapermillNotebookClient(
                nb_man, km=kernel.km, kernel_name=kernel_name, startup_timeout=start_timeout,
                timeout=execution_timeout, log=logging.getLogger("papermill"), log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
                **{k: v for k, v in kwargs.items() if k not in ("input_path", "timeout", "startup_timeout")})
            client.kc = kernel.kc
            # No save after every cell (papermill's default, the whole notebook encoded again each time: a
            # state report's figures made each save cost more than most cells). The notebook is written once
            # when the run ends, however it ends (papermill's notebook_complete, after this returns or
            # raises), so a run stopped by a dead kernel still shows which cell had started.
            saved_to, nb_man.output_path = nb_man.output_path, None
            try:
                return client.execute()
            finally:
                nb_man.output_path = saved_to

    papermill_engines.register(REUSED_ENGINE, ReusedKernelEngine)
    return REUSED_ENGINE


REUSED_ENGINE = "ice287g_reused"
