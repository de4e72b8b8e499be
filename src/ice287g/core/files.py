"""Atomic file writes: every file the project writes (a table, a figure, a page, a manifest, a cache entry)
goes to a temporary file beside its target and is renamed into place, so a run killed half way leaves the
previous file intact.

Plain bytes and text only, no pandas: the raw-archive commands (``update``, ``add``, ``verify-raw``) write
manifests and caches through it without loading the table writers (``tables.writers``), which build on it.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".{stem}.tmp-"
# What ``atomic_path`` creates, and the companions GDAL/SQLite add beside it (``-journal``, ``-wal``, ``-shm``).
STALE_TEMP = re.compile(r"^\..+\.tmp-")


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success rename it onto ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # keep the real suffix: some drivers (GeoPackage) check it
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX.format(stem=target.stem), suffix=target.suffix,
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # let the writer create it fresh (some drivers refuse an existing file)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes(target: Path | str, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path | str, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))
