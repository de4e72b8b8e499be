"""The parse cache: each raw file is parsed once, and later builds load what the parse gave.

An entry lives in ``<project root>/.cache/<reader>/<generation>/`` (never committed) under a key made of

- the sha256 of the file's bytes as read now: hashing the whole raw archive takes a fraction of a
  second, so the key follows the content actually on disk, not what a manifest says it should be;
- the file's name: ICE's file names carry the list date, so the same bytes under another name parse
  differently;
- the reader's ``READER_VERSION``, a constant next to each reader that a developer bumps when parsing
  changes in a way the code alone does not show;
- a hash of the source of the reader's module and of every package module it imports, directly or not
  (``code_fingerprint``). A forgotten bump therefore cannot serve stale rows: any edit to the code that
  parses makes every entry of that reader miss. This over-counts (an edit to a module the parse never
  calls also misses), which costs one cold parse, never a wrong row;
- the versions of Python and of the libraries a parse goes through (pandas, NumPy, pyarrow, calamine,
  openpyxl), since a parsed frame's dtypes are theirs;
- whatever else the reader's result depends on: ``scope`` for what all its files share (for the lists,
  the content of the hand fix tables) and ``extra`` for what is one file's own (the list kind its
  manifest gives).

The parts every file of a reader shares name a generation folder; a new generation (after an edit to
the code or the fix tables) deletes the old ones, so the cache stays the size of one parse of the archive.

Entries are pickles of exactly what the parse returned, so a cached read returns the same frames
(dtypes, column order, index) an uncached read does. Pickle runs code when loaded; the cache is written
only by this module into the project's own folder, which is trusted as much as the code beside it.

Writes are atomic (``files.atomic_path``). An entry that cannot be read, or holds another key, is
deleted and the file parsed again: the cache is never a reason for a build to fail, and the outputs
never depend on whether it was there. ``ICE287G_NO_CACHE=1`` turns it off (nothing read, nothing
written); deleting ``.cache/`` clears it.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Hashable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from ..core import paths
from .manifests import sha256_file
from ..core.files import atomic_path

T = TypeVar("T")

DIR_NAME = ".cache"
NO_CACHE_ENV = "ICE287G_NO_CACHE"
PACKAGE = __name__.partition(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# Libraries whose version can change what a parse returns (a frame's dtypes, a cell's Python type).
LIBRARIES = ("pandas", "numpy", "pyarrow", "python-calamine", "openpyxl")
SUFFIX = ".pickle"

# hits, misses and discarded entries in this process, by reader (for tests and ``bench``)
stats: Counter = Counter()


def enabled() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip() in ("", "0")


def cache_dir() -> Path:
    return paths.project_root() / DIR_NAME


def module_file(name: str) -> Path | None:
    """The source file of package module ``name`` (``ice287g.x.y``; a subpackage's is its ``__init__.py``);
    None for anything else."""
    package, _, module = name.partition(".")
    if package != PACKAGE or not module or not all(part.isidentifier() for part in module.split(".")):
        return None
    base = PACKAGE_DIR.joinpath(*module.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.exists()), None)


# Import statements, at any indentation (a function-level import counts): a regular expression rather
# than a syntax tree, as walking the tree of every module took most of a warm read. A match inside a
# string only adds a module to the fingerprint, which costs a re-parse, never a stale row.
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.MULTILINE)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n]*)", re.MULTILINE)


def _names(text: str) -> list[str]:
    text = text.split("#", 1)[0] if "(" not in text else re.sub(r"#[^\n]*", "", text)
    return [part.split()[0] for part in text.strip("() \t\n").replace("\n", " ").split(",") if part.split()]


def package_imports(name: str, source: str) -> set[str]:
    """Package modules that module ``name`` imports anywhere in its source (function-level imports too)."""
    found = set()
    for m in _FROM_IMPORT.finditer(source):
        target = m.group(1)
        if target.startswith("."):  # relative: ``from . import x`` or ``from .x import y``
            level = len(target) - len(target.lstrip("."))
            base = name.rsplit(".", level)[0]
            target = f"{base}.{target[level:]}" if target[level:] else base
        found.add(target)
        found.update(f"{target}.{alias}" for alias in _names(m.group(2)))
    for m in _IMPORT.finditer(source):
        found.update(_names(m.group(1)))
    return {m for m in found if module_file(m) is not None}


def code_modules(module: str) -> set[str]:
    """``module`` and every package module it imports, directly or through another."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = module_file(name)
        if path is None:
            raise ValueError(f"{name}: not a module of the {PACKAGE} package")
        seen.add(name)
        todo.extend(package_imports(name, path.read_text(encoding="utf-8")))
    return seen


@lru_cache(maxsize=None)
def code_fingerprint(module: str) -> str:
    """sha256 over the source of ``module`` and of every package module it imports, transitively."""
    digests = {}
    for name in sorted(code_modules(module)):
        digests[name] = hashlib.sha256(module_file(name).read_text(encoding="utf-8").encode("utf-8")).hexdigest()
    return hashlib.sha256(json.dumps(sorted(digests.items())).encode()).hexdigest()


@lru_cache(maxsize=None)
def _environment() -> tuple:
    versions = []
    for lib in LIBRARIES:
        try:
            versions.append((lib, metadata.version(lib)))
        except metadata.PackageNotFoundError:
            versions.append((lib, ""))
    return ("python", sys.version_info[:2]), tuple(versions)


def generation(reader: str, version: Hashable, *, code: str, scope: tuple = ()) -> str:
    """The part of the key every file of one reader shares: its version, code, libraries and ``scope``."""
    parts = [reader, version, code_fingerprint(code), _environment(), scope]
    return hashlib.sha256(json.dumps(parts, default=repr).encode("utf-8")).hexdigest()[:32]


def entry_key(path: Path | str, extra: tuple = ()) -> str:
    """The part of the key that is the file's own: its name, the sha256 of its bytes, and ``extra``."""
    path = Path(path)
    return hashlib.sha256(json.dumps([path.name, sha256_file(path), extra], default=repr).encode("utf-8")).hexdigest()


def entry_path(reader: str, gen: str, key: str) -> Path:
    return cache_dir() / reader / gen / f"{key}{SUFFIX}"


_MISSING = object()


def load(reader: str, gen: str, key: str):
    """The value stored under ``key``, or ``_MISSING``; an unreadable entry is deleted."""
    target = entry_path(reader, gen, key)
    try:
        with open(target, "rb") as fh:
            stored_key, value = pickle.load(fh)
        if stored_key != (gen, key):
            raise ValueError("entry holds another key")
        return value
    except FileNotFoundError:
        return _MISSING
    except Exception:  # truncated, corrupt or foreign: parse again
        stats[f"{reader}.discarded"] += 1
        try:
            target.unlink()
        except OSError:
            pass
        return _MISSING


def store(reader: str, gen: str, key: str, value) -> None:
    """Write one entry atomically. The first entry of a new generation deletes the reader's other
    generations, whose keys no build of this code can ask for again, so the cache holds one parse of
    each file rather than one per edit of the code or of the fix tables. A folder that cannot be
    written only means no cache."""
    target = entry_path(reader, gen, key)
    try:
        if not target.parent.exists():
            for old in target.parent.parent.glob("*"):
                if old.is_dir() and old.name != gen:
                    shutil.rmtree(old, ignore_errors=True)
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as fh:
                pickle.dump(((gen, key), value), fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        pass


def cached(reader: str, version: Hashable, path: Path | str, parse: Callable[[], T], *, code: str,
           scope: tuple = (), extra: tuple = ()) -> T:
    """``parse()`` of the raw file at ``path``, from the cache when this file was parsed before with the
    same reader, code, libraries, ``scope`` (what all the reader's files share, such as the fix tables) and
    ``extra`` (what is this file's own, such as the list kind its manifest gives). ``code`` is the reader's
    module (``__name__``). An error in ``parse`` propagates and stores nothing."""
    if not enabled():
        return parse()
    gen, key = generation(reader, version, code=code, scope=scope), entry_key(path, extra)
    value = load(reader, gen, key)
    if value is not _MISSING:
        stats[f"{reader}.hit"] += 1
        return value
    stats[f"{reader}.miss"] += 1
    value = parse()
    store(reader, gen, key, value)
    return value


def clear(reader: str | None = None) -> None:
    """Delete every entry (of one reader, or all)."""
    shutil.rmtree(cache_dir() / reader if reader else cache_dir(), ignore_errors=True)


def forget_memory() -> int:
    """Empty every in-memory cache of the package's loaded modules (each ``functools`` cache: tables
    read, boundaries loaded, names folded); return how many were emptied. A kernel that runs one
    notebook after another (``pipeline.ReusedKernel``) calls it between them, so each notebook reads
    its files as a fresh kernel would. The parse cache on disk is not touched."""
    emptied = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == PACKAGE or name.startswith(PACKAGE + ".")):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name:
                value.cache_clear()
                emptied += 1
    return emptied
