"""TRAC's Quick Facts (``data/raw/trac``): the detained population by day and the facilities table, and the check
that every facility of ICE's newest release carries the population TRAC copied from it."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..archive import manifests
from ..core import paths


@lru_cache(maxsize=None)
def _trac_json(path: str) -> list:
    return json.loads(Path(path).read_text())


def trac_population() -> pd.DataFrame:
    """TRAC's daily detained-population rows (pop_agen), one per ICE release date."""
    inv = manifests.manifest("trac")
    file = inv.loc[inv["kind"] == "trac_detained_population_json", "file"].iloc[0]
    df = pd.DataFrame(_trac_json(str(paths.raw_dir() / "trac" / file)))
    df["date"] = pd.to_datetime(df["date"], format="%m/%d/%Y").dt.date.astype(str)
    df.insert(0, "trac_file", file)
    return df


def trac_facilities() -> pd.DataFrame:
    inv = manifests.manifest("trac")
    file = inv.loc[inv["kind"] == "trac_facilities_adp_json", "file"].iloc[0]
    df = pd.DataFrame(_trac_json(str(paths.raw_dir() / "trac" / file)))
    df["count_num"] = df["count"].astype(str).str.replace(",", "").str.strip().astype(int)
    df["download_date"] = pd.to_datetime(df["download_date"], format="%m/%d/%Y").dt.date.astype(str)
    return df


def _rows_by(keys: list[tuple], rows: list[tuple]) -> dict:
    """``rows`` grouped by their key, in table order; a key holding a missing value (NaN, None) matches nothing."""
    out: dict = {}
    for key, row in zip(keys, rows):
        if all(isinstance(k, str) for k in key):
            out.setdefault(key, []).append(row)
    return out


def trac_facility_check(placed: pd.DataFrame, trac_fac: pd.DataFrame) -> pd.DataFrame:
    """TRAC's facility table of each snapshot date beside ICE's workbook of that release, facility by
    facility: TRAC's count should equal round(Level A + B + C + D)."""
    out = []
    for day, t in trac_fac[trac_fac["order"].astype(int) > 0].groupby("download_date"):
        ice = placed[placed["release_date"] == day]
        if ice.empty:
            continue
        zipkey, citykey = ice["zip"].str[:5].tolist(), ice["city"].str.upper().str.strip().tolist()
        facts = list(zip(ice["facility"], ice["state"], ice["adp_total"]))
        # looked up per TRAC row: a filter of the release's rows for each would cost a pandas pass per facility
        by_name = _rows_by(list(zip(ice["facility"], citykey)), facts)
        by_zip = _rows_by(list(zip(citykey, zipkey)), facts)
        for r in t.itertuples(index=False):
            city = str(r.detention_facility_city).upper().strip()
            zipc = str(r.detention_facility_zip).strip().zfill(5)[:5]
            hit = by_name.get((r.name, city), [])
            how = "name and city"
            if not hit:
                hit = by_zip.get((city, zipc), [])
                how = "city and zip (name differs)"
            row = {"release_date": day, "trac_name": r.name, "city": city, "trac_state": r.detention_facility_state,
                   "trac_count": r.count_num}
            if len(hit) == 1:
                name, state, adp = hit[0]
                ice_count = int(round(adp)) if pd.notna(adp) else None
                row.update(ice_name=name, ice_state=state, ice_count=ice_count, matched_by=how,
                           equal=ice_count == r.count_num)
            else:
                row.update(ice_name="", ice_state="", ice_count=None, matched_by=f"{len(hit)} candidates",
                           equal=False)
            out.append(row)
    df = pd.DataFrame(out)
    df["ice_count"] = df["ice_count"].astype("Int64")
    return df
