"""Shared fixtures. Tests that break things do it in a throwaway project built from real raw files."""
from __future__ import annotations

import copy
import csv
import dataclasses
import fcntl
import functools
import gc
import os
import pickle
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ice287g.core import paths
from ice287g.core.files import write_bytes
from ice287g.detention import operators
from ice287g.history import agreements
from ice287g.ingest import fbi_rosters

REAL_ROOT = Path(__file__).resolve().parents[1]
REAL_RAW = REAL_ROOT / "data" / "raw"

# A few real files per source: enough to exercise every check, small enough to copy quickly.
SAMPLE = {
    "ice_287g": ["2025-06-06_participatingAgencies06062025am.xlsx", "2017-08-01_pre2018-roster-long.csv"],
    "trac": ["2026-07-11_pop_agen_table.json"],
}


def manifest_rows(folder: Path) -> tuple[list[str], list[dict]]:
    """A raw source folder's MANIFEST.csv: its header and its rows."""
    with open(folder / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames), list(reader)


def write_manifest_rows(folder: Path, fieldnames: list[str], rows: list[dict]) -> None:
    with open(folder / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(rows)


def _copy_sample(raw: Path) -> None:
    for source, files in SAMPLE.items():
        src, dst = REAL_RAW / source, raw / source
        dst.mkdir(parents=True)
        fieldnames, rows = manifest_rows(src)
        rows = [r for r in rows if r["file"] in files]
        assert len(rows) == len(files), f"sample file missing from {source} manifest"
        write_manifest_rows(dst, fieldnames, rows)
        for f in files:
            shutil.copyfile(src / f, dst / f)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A throwaway project root (with a sample of the real raw archive) that the package points at."""
    root = tmp_path / "project"
    _copy_sample(root / "data" / "raw")
    for sub in ("data/hand", "data/processed", "data/qa", "figures", "notebooks"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("ICE287G_ROOT", str(root))
    monkeypatch.delenv("ICE287G_OUTPUT_ROOT", raising=False)
    monkeypatch.delenv("ICE287G_NOTEBOOK", raising=False)
    from ice287g.archive import manifests

    manifests._manifest_frame.cache_clear()
    assert paths.project_root() == root.resolve()
    yield root
    manifests._manifest_frame.cache_clear()


@functools.lru_cache(maxsize=None)
def _committed_table(name: str) -> pd.DataFrame:
    return pd.read_csv(REAL_ROOT / "data" / "processed" / name, dtype=str, keep_default_na=False)


def committed_table(name: str) -> pd.DataFrame:
    """A committed table of the real data/processed, every column as text: read from disk once per process
    (list_rows.csv takes half a second), a copy each call, which the test may change."""
    return _committed_table(name).copy()


def edited_workbook(tmp_path: Path, source: Path, edit, name: str | None = None,
                    sheet=lambda wb: wb.worksheets[0]) -> Path:
    """A doctored copy of the real workbook ``source``: ``edit`` applied to its sheet (the first, or the one
    ``sheet(workbook)`` picks), saved in ``tmp_path`` under ``name`` (default the source's)."""
    wb = openpyxl.load_workbook(source)
    edit(sheet(wb))
    target = tmp_path / (name or source.name)
    wb.save(target)
    return target


COUNTIES = [f"cb_2024_us_county_5m.{ext}" for ext in ("shp", "shx", "dbf", "prj")]


@pytest.fixture
def archive(project) -> Path:
    """The throwaway project's raw folder, with what the list readers need: the hand tables and the Census
    counties (states are looked up there)."""
    shutil.copytree(REAL_ROOT / "data" / "hand", project / "data" / "hand", dirs_exist_ok=True)
    census = project / "data" / "raw" / "census"
    census.mkdir()
    fieldnames, rows = manifest_rows(REAL_RAW / "census")
    write_manifest_rows(census, fieldnames, [r for r in rows if r["file"] in COUNTIES])
    for f in COUNTIES:
        shutil.copyfile(REAL_RAW / "census" / f, census / f)
    return project / "data" / "raw"


# Python's cyclic garbage collector ran about 12,000 times in each worker, every time over the objects the
# imports and the shared real tables hold: some 15 s of a unit run's CPU. What exists once the tests are
# collected is frozen out of its reach, and it runs after 20,000 new objects instead of 700 (2 to 3 s).
GC_THRESHOLDS = (20_000, 20, 20)


def pytest_configure(config):
    gc.set_threshold(*GC_THRESHOLDS)


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(items):
    """The files with integration tests first, then the files marked ``long``, each file's tests in their
    order: under pytest-xdist (``--dist loadfile --no-loadscope-reorder``, a file to a worker, in this order)
    the long files start early and the short ones fill in around them, instead of one long file running
    alone at the end."""
    integration = {item.path for item in items if item.get_closest_marker("integration")}
    long = {item.path for item in items if item.get_closest_marker("long")}
    items.sort(key=lambda item: (item.path not in integration, item.path not in long))


# ---- the real project's expensive objects, built once per session for every xdist worker -------------
# Many test files read the same real history, rosters and facility lists; each is built once here and
# shared. A test that changed one would change what every later test sees, so a pristine copy of each is
# kept when it is built, and the object is held to it after each test that used it: a test that must change
# one changes a copy (``copy.deepcopy(real_history)``, ``real_rosters.copy()``).


def same(pristine, value) -> bool:
    """Whether ``value`` still equals ``pristine``, its copy: every frame and series inside (dataclasses, dicts,
    lists and tuples are walked) with the same cells, labels, columns and dtypes, every plain value equal."""
    if isinstance(pristine, (pd.DataFrame, pd.Series)):
        # equals: same shape, cells (NaN where NaN), row and column labels, and each column's dtype
        return type(value) is type(pristine) and pristine.equals(value)
    if dataclasses.is_dataclass(pristine) and not isinstance(pristine, type):
        return type(value) is type(pristine) and all(
            same(getattr(pristine, f.name), getattr(value, f.name)) for f in dataclasses.fields(pristine))
    if isinstance(pristine, dict):
        return isinstance(value, dict) and pristine.keys() == value.keys() and all(
            same(pristine[k], value[k]) for k in pristine)
    if isinstance(pristine, (list, tuple)):
        return type(value) is type(pristine) and len(value) == len(pristine) and all(
            same(a, b) for a, b in zip(pristine, value))
    return type(value) is type(pristine) and value == pristine


class SharedChanged(AssertionError):
    pass


# fixture name -> (the shared object, its pristine copy)
_SHARED: dict[str, tuple[object, object]] = {}


def shared_changes(shared: dict[str, tuple[object, object]], names) -> list[str]:
    """The shared fixtures among ``names`` whose object no longer equals its pristine copy."""
    return [n for n in sorted(set(names) & set(shared)) if not same(shared[n][1], shared[n][0])]


def built_once(name: str, build, folder: Path | None):
    """``build()``, once for the whole session: under pytest-xdist (``folder``, the session's temporary folder
    the workers share) the first worker to ask builds it and leaves it pickled there, and the others read the
    pickle, waiting on a lock while it is being built; without xdist (``folder`` None), simply ``build()``."""
    if folder is None:
        return build()
    pickled = folder / f"{name}.pickle"
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not pickled.exists():  # written whole or not at all, should the worker building it be stopped
            write_bytes(pickled, pickle.dumps(build(), protocol=pickle.HIGHEST_PROTOCOL))
        return pickle.loads(pickled.read_bytes())


def _share(name: str, build, tmp_path_factory):
    """Build one real object against the real project (whatever root a test had pointed the package at when
    it first asked), once for the session (``built_once``), and keep a pristine copy of it."""
    folder = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else None
    with pytest.MonkeyPatch.context() as mp:
        for var in ("ICE287G_ROOT", "ICE287G_OUTPUT_ROOT", "ICE287G_NOTEBOOK"):
            mp.delenv(var, raising=False)
        value = built_once(name, build, folder)
    _SHARED[name] = (value, copy.deepcopy(value))
    return value


@pytest.fixture(autouse=True)
def _shared_objects_unchanged(request):
    """Fails the test (at its teardown) that changed a shared object it used, directly or through another
    fixture."""
    yield
    changed = shared_changes(_SHARED, request.fixturenames)
    if changed:
        for name in changed:  # copied again, so that the culprit fails and not every later test
            _SHARED[name] = (_SHARED[name][0], copy.deepcopy(_SHARED[name][0]))
        raise SharedChanged(f"this test changed the shared {', '.join(changed)} (later tests see the change): "
                            "change a copy instead")


@pytest.fixture(scope="session")
def real_history(tmp_path_factory):
    """The agreement history built from the real raw archive (``agreements.build_history()``)."""
    return _share("real_history", agreements.build_history, tmp_path_factory)


@pytest.fixture(scope="session")
def real_rosters(tmp_path_factory) -> pd.DataFrame:
    """Both real FBI rosters as one frame (``fbi_rosters.read_rosters()``)."""
    return _share("real_rosters", lambda: fbi_rosters.read_rosters(REAL_RAW), tmp_path_factory)


@pytest.fixture(scope="session")
def facility_lists(tmp_path_factory) -> pd.DataFrame:
    """ICE's real facility lists of data/raw/ice_facilities (``operators.read_lists()``)."""
    return _share("facility_lists", operators.read_lists, tmp_path_factory)
