"""Shared fixtures. Tests that break things do it in a throwaway project built from real raw files."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from ice287g import paths

REAL_ROOT = Path(__file__).resolve().parents[1]
REAL_RAW = REAL_ROOT / "data" / "raw"

# A few real files per source: enough to exercise every check, small enough to copy quickly.
SAMPLE = {
    "ice_287g": ["2025-06-06_participatingAgencies06062025am.xlsx", "2017-08-01_pre2018-roster-long.csv"],
    "trac": ["2026-07-11_pop_agen_table.json"],
}


def _copy_sample(raw: Path) -> None:
    for source, files in SAMPLE.items():
        src, dst = REAL_RAW / source, raw / source
        dst.mkdir(parents=True)
        with open(src / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = [r for r in reader if r["file"] in files]
            fieldnames = reader.fieldnames
        assert len(rows) == len(files), f"sample file missing from {source} manifest"
        with open(dst / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fieldnames)
            writer.writeheader()
            writer.writerows(rows)
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
    from ice287g import sources

    sources._manifest_frame.cache_clear()
    assert paths.project_root() == root.resolve()
    yield root
    sources._manifest_frame.cache_clear()
