"""Detention facilities placed on the county map: each facility's 2024 county from the geocoded crosswalks (by
its name key and state, else its city), the facilities left unplaced, and the average daily population by
state."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from ..core import paths
from ..core.keys import facility_key
from ..ingest import census


# ---------------------------------------------------------------------------------------------
# Facilities on the county map


@lru_cache(maxsize=None)
def _crosswalk(root: str) -> pd.DataFrame:
    """name key + state -> county_fips, from the geocoded ICE-spelling list (point in 2024 county) and
    then the Deportation Data Project list (county_fips_code)."""
    locs = pd.read_csv(paths.raw_dir() / "ice_detention" / "2026-07-18_facility_locations.csv", dtype=str,
                       keep_default_na=False)
    locs = locs[(locs["Geocodio Latitude"] != "") & (locs["Geocodio Longitude"] != "")]
    held = census.counties_holding(locs["Geocodio Longitude"].astype(float),
                                      locs["Geocodio Latitude"].astype(float), locs.index)
    held = held[~held.index.duplicated(keep="first")].reindex(locs.index)
    a = pd.DataFrame({"key": [facility_key(n) for n in locs["Name"]], "state": locs["State"].str.strip(),
                      "county_fips": held["county_fips"], "crosswalk": "facility_locations (geocoded point)"})
    ddp = pd.read_csv(paths.raw_dir() / "ice_detention" / "2026-05-27_ddp_facilities.csv", dtype=str,
                      keep_default_na=False)
    ddp = ddp[ddp["county_fips_code"] != ""]
    b = pd.DataFrame({"key": [facility_key(n) for n in ddp["name"]], "state": ddp["state"].str.strip(),
                      "county_fips": ddp["county_fips_code"].str.zfill(5), "crosswalk": "ddp_facilities"})
    both = pd.concat([a, b], ignore_index=True).dropna(subset=["county_fips"])
    return both.drop_duplicates(["key", "state"], keep="first")


def place_facilities(facilities: pd.DataFrame) -> pd.DataFrame:
    """Add county_fips and the crosswalk used; facilities that match nothing keep an empty county."""
    xw = _crosswalk(str(paths.project_root()))
    keys = {n: facility_key(n) for n in set(facilities["facility"])}  # each name recurs in every release
    keyed = facilities.assign(key=[keys[n] for n in facilities["facility"]])

    out = keyed.merge(xw, on=["key", "state"], how="left").drop(columns="key")
    out["county_fips"] = out["county_fips"].fillna("")
    out["crosswalk"] = out["crosswalk"].fillna("")
    # no crosswalk row: the facility's printed city, placed like a town (Census places, point in 2024 county)
    cities = {}
    for state, city in set(zip(out.loc[out["county_fips"] == "", "state"], out.loc[out["county_fips"] == "", "city"])):
        hit = census.match_place(state, city) if state and city else None
        if hit:
            cities[(state, city)] = hit[0]
    miss = out["county_fips"] == ""
    found = [cities.get((s, c), "") for s, c in zip(out.loc[miss, "state"], out.loc[miss, "city"])]
    out.loc[miss, "county_fips"] = found
    out.loc[miss & (out["county_fips"] != ""), "crosswalk"] = "city in Census places"
    return out


FACILITY_OUTPUT = ["release_date", "fiscal_year", "facility", "city", "state", "zip", "facility_type",
                   "adp_level_a", "adp_level_b", "adp_level_c", "adp_level_d", "adp_total", "guaranteed_minimum",
                   "county_fips", "crosswalk", "source_file", "sheet", "row"]


def unplaced_facilities(placed: pd.DataFrame) -> pd.DataFrame:
    """One row per facility (name + state) that no crosswalk places, with the releases it appears in."""
    miss = placed[placed["county_fips"] == ""]
    g = miss.groupby(["facility", "state", "city"], dropna=False).agg(
        releases=("release_date", "nunique"), first_release=("release_date", "min"),
        last_release=("release_date", "max"), max_adp=("adp_total", "max")).reset_index()
    g["reason"] = ["no state printed" if not s else "name + state not in either facility crosswalk"
                   for s in g["state"]]
    return g.sort_values(["state", "facility", "city"], ignore_index=True)


def by_state(placed: pd.DataFrame, releases: pd.DataFrame) -> pd.DataFrame:
    """Facilities and ADP per state and release, plus national rows (state = ALL)."""
    rel = releases[["release_date", "fiscal_year", "fy_end", "fy_latest"]]
    per = placed.groupby(["release_date", "state"]).agg(facilities=("facility", "size"),
                                                        adp_total=("adp_total", "sum")).reset_index()
    nat = placed.groupby("release_date").agg(facilities=("facility", "size"),
                                             adp_total=("adp_total", "sum")).reset_index().assign(state="ALL")
    out = pd.concat([per, nat], ignore_index=True).merge(rel, on="release_date")
    out["state"] = out["state"].replace("", "(blank)")
    out["adp_total"] = out["adp_total"].round(3)
    cols = ["release_date", "fiscal_year", "fy_end", "fy_latest", "state", "facilities", "adp_total"]
    return out[cols].sort_values(["release_date", "state"], ignore_index=True)
