"""Coverage: which dates each kind of raw source speaks for (every list a stacked file holds counts, not just the file's own date), and the gaps between ICE's lists."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..core import paths
from .manifests import RawDataError, check_workbook, folder_check, inventory, safe_raw_name


# ---------------------------------------------------------------------------------------------
# Coverage: which dates each kind of source speaks for. Stacked files are opened so that every
# list they hold counts, not just the file's own date.

# (series label, source group, counts as an ICE list of participating agreements)
SERIES_BY_KIND = {
    "ice_287g_participating_xlsx": ("ICE participating workbook", "ICE 287(g) lists", True),
    "ice_287g_pending_xlsx": ("ICE pending workbook", "ICE 287(g) lists", False),
    "ice_287g_html_table_xlsx": ("ice.gov 287(g) web table", "ICE 287(g) lists", True),
    "ice_287g_html_capture": ("ice.gov 287(g) web table", "ICE 287(g) lists", True),
    "wapo_287g_curated_derived_xlsx": ("Washington Post sheriff flags", "Secondary sources", False),
    "ice_detentionStats_workbook_xlsx": ("ICE detention workbooks", "Detention", False),
    "derived_stacked_facilities_parquet": ("Detention facilities (stacked)", "Detention", False),
    "facility_county_crosswalk_csv": ("Facility crosswalks", "Detention", False),
    "facility_geocode_crosswalk_csv": ("Facility crosswalks", "Detention", False),
    "trac_detained_population_json": ("TRAC Quick Facts", "Detention", False),
    "trac_bookins_json": ("TRAC Quick Facts", "Detention", False),
    "trac_facilities_adp_json": ("TRAC Quick Facts", "Detention", False),
    "trac_atd_json": ("TRAC Quick Facts", "Detention", False),
    "agency_roster": ("FBI agency rosters (ORI codes)", "Agency rosters", False),
    "facility_list": ("ICE facility lists (operators)", "Detention", False),
}
# Kinds that speak for no date: a licence travels with the files it covers.
UNDATED_KINDS = ("licence",)
# Stacked ICE-list CSVs are told apart by their columns, not their names.
STACKED_LAYOUTS = (
    ("capture_date", "ICE fact-sheet roster (stacked)"),
    ("as_of", "ICE partners page (stacked)"),
    ("date", "ICE sheets (stacked by a third party)"),
)
GEOGRAPHY_SERIES = ("Census geography (vintage)", "Geography", False)


def _stacked_csv_dates(path: Path) -> tuple[str, list[str]]:
    head = pd.read_csv(path, nrows=0)
    for column, label in STACKED_LAYOUTS:
        if column in head.columns:
            values = pd.read_csv(path, usecols=[column], dtype=str)[column].dropna()
            dates = sorted({v.strip()[:10] for v in values.tolist()})  # plain str: iterating the column is slower
            return label, dates
    raise RawDataError(f"{paths.relative(path)}: stacked CSV with no known date column "
                       f"(looked for {[c for c, _ in STACKED_LAYOUTS]}; has {list(head.columns)})")


def _year_flag_spans(path: Path) -> list[tuple[str, str]]:
    check_workbook(path)
    head = pd.read_excel(path, engine="calamine", nrows=0)
    years = sorted(int(c[1:]) for c in head.columns if re.fullmatch(r"y\d{4}", str(c)))
    return [(f"{y}-01-01", f"{y}-12-31") for y in years]


def _json_snapshot_dates(path: Path) -> list[str]:
    rows = json.loads(path.read_text())
    dates = set()
    for row in rows if isinstance(rows, list) else []:
        for key in ("date", "download_date"):
            value = row.get(key) if isinstance(row, dict) else None
            if value and re.fullmatch(r"\d\d/\d\d/\d{4}", str(value).strip()):
                m, d, y = str(value).strip().split("/")
                dates.add(f"{y}-{m}-{d}")
    return sorted(dates)


def coverage(only: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per (series, date span, file): what period each raw file (of the sources in ``only``, if
    any) can speak for. A notebook that needs only the ICE lists' dates asks for ``("ice_287g",)`` and
    reads no other source's manifest.

    Columns: group, series, ice_list (counts toward the agreement history), start, end, file.
    """
    rows = []
    inv = inventory(only)
    folders = {source: safe_raw_name(source, paths.raw_dir()) for source in sorted(set(inv["source"]))}
    checked = {source: folder_check(folder) for source, folder in folders.items()}
    for rec in inv.itertuples(index=False):
        if rec.kind in UNDATED_KINDS:
            continue
        path = safe_raw_name(rec.file, folders[rec.source], checked=checked[rec.source])  # raw_path, folders once
        if rec.source == "census":
            series, group, ice_list = GEOGRAPHY_SERIES
            spans = [(rec.as_of_date, rec.as_of_date)]
        elif rec.kind == "ice_287g_derived_csv":
            series, dates = _stacked_csv_dates(path)
            group, ice_list = "ICE 287(g) lists", True
            spans = [(d, d) for d in dates]
        elif rec.kind == "wapo_287g_curated_derived_xlsx":
            series, group, ice_list = SERIES_BY_KIND[rec.kind]
            spans = _year_flag_spans(path)
        else:
            series, group, ice_list = SERIES_BY_KIND.get(rec.kind, (rec.kind, "Other", False))
            dates = _json_snapshot_dates(path) if path.suffix == ".json" else []
            spans = [(d, d) for d in dates] or [(rec.as_of_date, rec.as_of_date)]
        for start, end in spans:
            rows.append({"group": group, "series": series, "ice_list": ice_list,
                         "start": start, "end": end, "file": f"{rec.source}/{rec.file}"})
    out = pd.DataFrame(rows)
    return out.drop_duplicates().sort_values(["group", "series", "start", "file"], kind="mergesort").reset_index(drop=True)


def list_gaps(cov: pd.DataFrame, min_days: int) -> pd.DataFrame:
    """Stretches longer than ``min_days`` with no ICE list of participating agreements at all."""
    dates = pd.to_datetime(cov.loc[cov["ice_list"], "start"]).drop_duplicates().sort_values().reset_index(drop=True)
    gaps = pd.DataFrame({"last_list_before": dates.shift(1), "first_list_after": dates})
    gaps["days"] = (gaps["first_list_after"] - gaps["last_list_before"]).dt.days
    gaps = gaps[gaps["days"] > min_days].reset_index(drop=True)
    gaps["days"] = gaps["days"].astype("int64")
    for col in ("last_list_before", "first_list_after"):
        gaps[col] = gaps[col].dt.strftime("%Y-%m-%d")
    return gaps
