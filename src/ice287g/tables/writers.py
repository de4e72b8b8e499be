"""Atomic, deterministic writers for every table the project commits.

Each writer sorts rows (by the order asked for, else the table's primary key, else every column),
fixes the float format, writes to a temporary file beside the target and renames it into place
(``core.files.atomic_path``), so a run that fails half way leaves the previous output intact and a
rebuild from the same inputs gives the same bytes.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyogrio

from ..core import paths
from ..core.files import STALE_TEMP, atomic_path
from .schema import FLOAT_FORMAT, check_output, primary_key

# GeoPackage stores a last-change timestamp; GDAL takes it from this setting instead of the clock.
FIXED_GPKG_DATE = "2000-01-01T00:00:00.000Z"


# Folders (relative to the project root) whose files a build writes; a killed writer can leave temp files there.
OUTPUT_DIRS = ("data/processed", "data/qa", "figures", "notebooks")


def remove_stale_temp(root: Path | str | None = None) -> list[Path]:
    """Delete temp files a killed writer left under the output folders of ``root`` (default: the project
    root); return them. Only files named as ``core.files.atomic_path`` names them are touched."""
    root = Path(root) if root is not None else paths.project_root()
    stale = sorted(p for d in OUTPUT_DIRS if (root / d).is_dir()
                   for p in (root / d).rglob(".*") if p.is_file() and STALE_TEMP.match(p.name))
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


def upsert_base(target: Path | str) -> Path:
    """The copy a table updated in place (an upsert) starts from: this run's ``target`` if it wrote one,
    else the committed file at the same place under the project root (a staged or report run writes
    under another output root, and must not drop rows other stages committed)."""
    target = Path(target)
    if target.exists():
        return target
    try:
        rel = target.resolve().relative_to(paths.output_root())
    except ValueError:
        return target
    return paths.project_root() / rel


def _check_schema(df: pd.DataFrame, target: Path | str) -> None:
    check_output(df, target)


def sorted_frame(df: pd.DataFrame, sort_by: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows in a stable, content-defined order: by ``sort_by`` or else by every column."""
    keys = list(sort_by) if sort_by is not None else list(df.columns)
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise KeyError(f"cannot sort by missing column(s) {missing}; columns are {list(df.columns)}")
    if not keys or df.empty:
        return df.reset_index(drop=True)
    return df.sort_values(keys, kind="mergesort", na_position="last").reset_index(drop=True)


def row_order(target: Path | str, sort_by: Sequence[str] | None) -> Sequence[str] | None:
    """The columns ``target``'s rows are sorted by: ``sort_by`` if given, else its primary key (None: every column)."""
    return sort_by if sort_by is not None else primary_key(target)


def prepared(df: pd.DataFrame, target: Path | str, sort_by: Sequence[str] | None = None) -> pd.DataFrame:
    """``df`` as ``target`` is written: checked against ``ice287g.tables.schema`` (a table under ``data/processed/``
    or ``data/qa/`` of the output root, or ``figures/manifest.csv``; a mismatch raises SchemaError) and sorted
    (by ``sort_by``, else the table's primary key, else every column)."""
    _check_schema(df, target)
    return sorted_frame(df, row_order(target, sort_by))


def save_csv(out: pd.DataFrame, path: Path, float_format: str = FLOAT_FORMAT) -> None:
    """``out`` as UTF-8 CSV with LF line ends, fixed float format, no index, at ``path`` as it is."""
    out.to_csv(path, index=False, float_format=float_format, lineterminator="\n", encoding="utf-8")


def save_parquet(out: pd.DataFrame, path: Path) -> None:
    out.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def save_gpkg(out, path: Path, layer: str) -> None:
    """``out`` (a GeoDataFrame) as a one-layer GeoPackage with a fixed timestamp."""
    with _gdal_config(OGR_CURRENT_DATE=FIXED_GPKG_DATE):
        out.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")


def write_csv(
    df: pd.DataFrame,
    target: Path | str,
    *,
    sort_by: Sequence[str] | None = None,
    float_format: str = FLOAT_FORMAT,
) -> Path:
    """Write ``df`` as UTF-8 CSV with LF line ends, sorted rows (by ``sort_by``, else by the table's
    primary key in ``ice287g.tables.schema``, else by every column), fixed float format, no index.

    A table under ``data/processed/`` or ``data/qa/`` of the output root, or ``figures/manifest.csv``,
    is first checked against ``ice287g.tables.schema``; a mismatch raises SchemaError and writes nothing."""
    out = prepared(df, target, sort_by)
    with atomic_path(target) as tmp:
        save_csv(out, tmp, float_format)
    return Path(target)


def write_parquet(df: pd.DataFrame, target: Path | str, *, sort_by: Sequence[str] | None = None) -> Path:
    out = prepared(df, target, sort_by)
    with atomic_path(target) as tmp:
        save_parquet(out, tmp)
    return Path(target)


def write_gpkg(gdf, target: Path | str, *, layer: str, sort_by: Sequence[str] | None = None) -> Path:
    """Write a GeoDataFrame as a one-layer GeoPackage with a fixed timestamp (schema-checked like ``write_csv``)."""
    out = prepared(gdf, target, sort_by)
    with atomic_path(target) as tmp:
        save_gpkg(out, tmp, layer)
    return Path(target)


@contextlib.contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    previous = {k: pyogrio.get_gdal_config_option(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)
