"""One landing at a time: ``update``, ``add`` and ``import-raw`` each hold ``data/raw/.landing.lock`` (``manifests.LOCK_NAME``)
while they run.

Two runs at once would each see the same ICE file as new and land it twice. The lock is an advisory
``flock`` on a file that stays in place: the kernel drops it when its holder ends, however it ends
(``kill -9`` included), so a killed run never leaves the archive locked. ``verify-raw`` ignores the file
and git does not track it."""
from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..core import paths
from ..archive.manifests import LOCK_NAME, RawDataError

WAIT_SECONDS = 60.0  # a second run waits this long for the first, then stops with a message
POLL_SECONDS = 0.2


class LockBusy(RawDataError):
    """Another run holds the landing lock past the wait: one line naming the lock and its holder."""


def _holder(handle) -> str:
    handle.seek(0)
    pid = handle.read().strip()
    return f" (pid {pid})" if pid.isdigit() else ""


@contextmanager
def landing_lock(raw: Path | None = None, *, wait: float = WAIT_SECONDS, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> Iterator[Path]:
    """Hold the raw archive's landing lock for the ``with`` block; wait up to ``wait`` seconds for another
    holder, then raise ``LockBusy``."""
    raw = Path(raw) if raw is not None else paths.raw_dir()
    raw.mkdir(parents=True, exist_ok=True)
    path = raw / LOCK_NAME
    deadline = clock() + wait
    with open(path, "a+", encoding="ascii") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if clock() >= deadline:
                    raise LockBusy(f"{paths.relative(path)}: another update, add or import-raw is landing files"
                                   f"{_holder(handle)}; waited {wait:g} s. Run again when it has ended.") from None
                sleep(POLL_SECONDS)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
