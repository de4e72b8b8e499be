"""Shared fixtures. Tests that break things do it in a throwaway project built from real raw files."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from ice287g.core import paths

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
    from ice287g.archive import sources

    sources._manifest_frame.cache_clear()
    assert paths.project_root() == root.resolve()
    yield root
    sources._manifest_frame.cache_clear()


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
