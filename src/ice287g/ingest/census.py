"""Census geography read from ``data/raw/census``: counties and places (2024 geography; FIPS always
5-character strings), the place-name key every county, place and placement hand table is matched by, the
counties an agency's own name names, and the placement hand tables keyed by it. The FBI rosters (history)
and the placement rules (places) both read counties through this module.
"""
from __future__ import annotations

import re
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..core import hand, paths
from ..core.keys import text_key
from ..core.states import COUNTY_5M, GeographyError, census_file
from ..core.frames import column_rows

# ---------------------------------------------------------------------------------------------
# Counties and places (2024 geography; FIPS always 5-character strings)

PLACES = "census/Gaz_places_national.txt"
PLACE_SHARES = "census/geocorr2022_place20_county20_national.csv"
OUTSIDE_PLACES = "99999"  # Geocorr's place code for the part of a county outside every place
POPULATION = "census/co-est2024-alldata.csv"
COUNTY_20M = "census/cb_2024_us_county_20m.shp"
STATE_20M = "census/cb_2024_us_state_20m.shp"
INDEPENDENT_CITY = "25"  # LSAD of Virginia's independent cities, St. Louis, Baltimore, Carson City
COUNTY_WORDS = ("CITY AND BOROUGH", "CENSUS AREA", "COUNTY", "PARISH", "BOROUGH", "MUNICIPALITY", "MUNICIPIO",
                "PLANNING REGION")
PLACE_WORDS = ("CITY AND BOROUGH", "CITY", "TOWN", "VILLAGE", "BOROUGH", "CDP", "MUNICIPALITY", "TOWNSHIP",
               "COMUNIDAD", "ZONA URBANA")


def county_key(text: str) -> tuple[str, bool]:
    """(name key, says-city) for a printed county name: suffix words dropped, Saint -> St."""
    key = text_key(text)
    city = False
    if key.startswith("CITY OF "):
        key, city = key[len("CITY OF "):], True
    for word in COUNTY_WORDS:
        if key.endswith(" " + word):
            key = key[: -len(word) - 1]
            break
    if key.endswith(" CITY"):
        city = True
    return key, city


@lru_cache(maxsize=None)
def _county_frame(root: str) -> pd.DataFrame:
    df = pyogrio.read_dataframe(census_file(COUNTY_5M), read_geometry=False,
                                columns=["GEOID", "STATEFP", "STUSPS", "NAME", "NAMELSAD", "LSAD"])
    return df.rename(columns={"GEOID": "county_fips", "STATEFP": "state_fips", "STUSPS": "state",
                              "NAME": "county", "NAMELSAD": "county_full", "LSAD": "lsad"}).sort_values(
        "county_fips", ignore_index=True)


def counties() -> pd.DataFrame:
    """Every 2024 county or equivalent (incl. territories): county_fips, state_fips, state, county, county_full, lsad."""
    return _county_frame(str(paths.project_root())).copy()


@lru_cache(maxsize=None)
def _county_index(root: str) -> dict:
    index: dict = {}
    for r in _county_frame(root).itertuples(index=False):
        is_city = r.lsad == INDEPENDENT_CITY
        for key in {county_key(r.county)[0], county_key(r.county_full)[0], text_key(r.county)}:
            index.setdefault((r.state, key, is_city), r.county_fips)
    return index


def match_county(state: str, printed: str) -> str | None:
    """County FIPS for a printed county name in a state, or None. A name that is both a county and an
    independent city (Fairfax, St. Louis, Baltimore) is the county unless the text says city."""
    index = _county_index(str(paths.project_root()))
    key, says_city = county_key(printed)
    if not key:
        return None
    order = (True, False) if says_city else (False, True)
    for want_city in order:
        for k in (key, text_key(printed), key.removesuffix(" CITY")):
            hit = index.get((state, k, want_city))
            if hit:
                return hit
    return None


@lru_cache(maxsize=None)
def _county_polygons(root: str):
    """The 2024 county polygons (1:5m), NAD83: county_fips, county_state, geometry. Read once per process;
    callers never change it."""
    polys = gpd.read_file(census_file(COUNTY_5M), columns=["GEOID", "STUSPS"], engine="pyogrio")
    return polys.rename(columns={"GEOID": "county_fips", "STUSPS": "county_state"})


def counties_holding(longitude, latitude, index) -> pd.DataFrame:
    """Every 2024 county whose polygon holds each point (NAD83 longitude and latitude, labelled by
    ``index``): ``county_fips`` and ``county_state``, one row per county, none for a point in no county
    (water, abroad), several for a point on a border, in the polygons' file order. The one point-in-county
    join of the project: each caller decides which of several counties counts, and what no county means."""
    pts = gpd.GeoDataFrame(index=index, geometry=gpd.points_from_xy(longitude, latitude), crs=4269)
    joined = gpd.sjoin(pts, _county_polygons(str(paths.project_root())), predicate="within", how="inner")
    return pd.DataFrame(joined[["county_fips", "county_state"]])


@lru_cache(maxsize=None)
def _place_frame(root: str) -> pd.DataFrame:
    """Census 2010 places with the 2024 county holding each place's internal point."""
    gaz = pd.read_csv(census_file(PLACES), sep="\t", encoding="latin-1", dtype={"GEOID": str, "ANSICODE": str})
    gaz = gaz.rename(columns=str.strip)
    pts = gpd.GeoDataFrame(gaz[["STUSPS", "GEOID", "NAME"]],
                           geometry=gpd.points_from_xy(gaz["INTPTLONG"], gaz["INTPTLAT"]), crs=4269)
    polys = _county_polygons(root)
    held = counties_holding(gaz["INTPTLONG"], gaz["INTPTLAT"], gaz.index)
    joined = pts.join(held[~held.index.duplicated(keep="first")])
    wrong = joined["county_fips"].isna() | (joined["county_state"] != joined["STUSPS"])
    if wrong.any():  # points in water or across a state line: nearest county of the same state
        proj_pts = pts.loc[wrong].to_crs(5070)
        proj_polys = polys.to_crs(5070)
        nearest = {}
        for st, part in proj_pts.groupby("STUSPS", sort=False):
            same = proj_polys[proj_polys["county_state"] == st]
            if len(same):
                fips = same["county_fips"].tolist()
                shapes = same.geometry.to_numpy()
                for i, point in zip(part.index, part.geometry):
                    nearest[i] = (fips[int(np.argmin(shapely.distance(shapes, point)))], st)
        if nearest:
            fixed = pd.DataFrame.from_dict(nearest, orient="index", columns=["county_fips", "county_state"])
            joined.loc[fixed.index, "county_fips"] = fixed["county_fips"]
            joined.loc[fixed.index, "county_state"] = fixed["county_state"]
    out = pd.DataFrame({"state": joined["STUSPS"], "place_geoid": joined["GEOID"], "place": joined["NAME"],
                        "county_fips": joined["county_fips"], "nearest": wrong})
    key_of = {n: place_key(n)[0] for n in set(out["place"].tolist())}  # many towns share a name
    out["key"] = [key_of[n] for n in out["place"].tolist()]
    out["cdp"] = out["place"].str.endswith(" CDP")
    return out.sort_values(["state", "key", "cdp", "place_geoid"], ignore_index=True)


_BALANCE = re.compile(r"\s*\(balance\)$")
_GOVERNMENT = re.compile(r"\s+(metropolitan|consolidated|unified) government$", flags=re.I)


def place_key(name: str) -> tuple[str, str]:
    """(key, type word) of a Census place name ("Tampa city" -> ("TAMPA", "CITY"))."""
    name = _BALANCE.sub("", str(name))
    name = _GOVERNMENT.sub("", name)
    key = text_key(name)
    for word in PLACE_WORDS:
        if key.endswith(" " + word):
            return key[: -len(word) - 1], word
    return key, ""


# A township is a municipality of its own, not a Census place: "Sewickley Township" is not Sewickley borough
# (Pennsylvania has both, in two counties), so the word is never dropped to find a place.
KEPT_PLACE_WORDS = ("TOWNSHIP",)


def _place_candidates(name: str) -> list[str]:
    """Keys a town's name may carry in a places file: as written, then without a trailing type word (except
    ``KEPT_PLACE_WORDS``)."""
    key = text_key(name)
    return [key] + [key[: -len(word) - 1] for word in PLACE_WORDS
                    if word not in KEPT_PLACE_WORDS and key.endswith(" " + word)]


def _lookup_town(index: dict, state: str, name: str):
    """The first entry of a places index keyed (state, key) under the keys a town's name may carry."""
    return next((index[(state, k)] for k in _place_candidates(name) if index.get((state, k))), None)


def match_place(state: str, name: str) -> tuple[str, str] | None:
    """(county_fips, place name) of an incorporated place (else a CDP) whose name matches."""
    return _lookup_town(_place_index(str(paths.project_root())), state, name)


@lru_cache(maxsize=None)
def _place_index(root: str) -> dict:
    """(state, key) -> (county_fips, place) of the first place with that key in ``_place_frame``'s order
    (incorporated places before CDPs)."""
    index: dict = {}
    places = _place_frame(root)
    for k in zip(places["state"].tolist(), places["key"].tolist(), places["county_fips"].tolist(),
                 places["place"].tolist()):
        index.setdefault(k[:2], k[2:])
    return index


@lru_cache(maxsize=None)
def _place_share_frame(root: str) -> pd.DataFrame:
    """Geocorr's 2020 places by county, one row per (place, county) with its share of the place's people
    (``afact2``): state, place_code, place, key, cdp, county_fips, population, share. Rows of the remainder
    outside places are dropped, and so are counties that are not 2024 counties of the place's state:
    Connecticut's 2020 counties gave way to planning regions, so its places are left to the other rules."""
    raw = pd.read_csv(census_file(PLACE_SHARES), encoding="latin-1", skiprows=[1],  # row 2 holds labels
                      dtype={"county": str, "place": str, "stab": str, "PlaceName": str},
                      usecols=["county", "place", "stab", "PlaceName", "pop20", "afact2"])
    raw = raw[raw["place"] != OUTSIDE_PLACES]
    fips_state = dict(zip(_county_frame(root)["county_fips"], _county_frame(root)["state"]))
    raw = raw[raw["county"].map(fips_state) == raw["stab"]]
    place = raw["PlaceName"].str.replace(r",\s*[A-Z]{2}$", "", regex=True)  # "Dallas city, TX"
    key_of = {n: place_key(n)[0] for n in set(place.tolist())}
    out = pd.DataFrame({"state": raw["stab"], "place_code": raw["place"], "place": place,
                        "key": [key_of[n] for n in place.tolist()], "cdp": place.str.endswith(" CDP"),
                        "county_fips": raw["county"], "population": raw["pop20"].astype("int64"),
                        "share": raw["afact2"].astype(float)})
    return out.sort_values(["state", "key", "cdp", "place_code", "county_fips"], ignore_index=True)


@lru_cache(maxsize=None)
def _place_share_index(root: str) -> dict:
    """(state, key) -> (place, [(county_fips, share, population), ...] largest share first) of the first
    place with that key (incorporated places before CDPs, then by place code, as ``_place_index``). Ties
    in the rounded share go to the larger population of the place in the county, then the lower FIPS."""
    frame = _place_share_frame(root).sort_values(
        ["state", "key", "cdp", "place_code", "share", "population", "county_fips"],
        ascending=[True, True, True, True, False, False, True], kind="mergesort")
    index: dict = {}
    first_code: dict = {}
    for st, key, code, place, fips, share, pop in column_rows(frame, (
            "state", "key", "place_code", "place", "county_fips", "share", "population")):
        if first_code.setdefault((st, key), code) != code:
            continue
        index.setdefault((st, key), (place, []))[1].append((fips, share, pop))
    return index


def place_counties(state: str, name: str) -> tuple[str, list] | None:
    """(2020 place name, [(county_fips, share, population), ...] largest share first) of the place whose
    name matches a town's, by the keys ``match_place`` tries; None when no 2020 place matches."""
    return _lookup_town(_place_share_index(str(paths.project_root())), state, name)


def match_place_share(state: str, name: str) -> tuple[str, float, str] | None:
    """(county_fips, share, 2020 place name): the county holding the largest share of the matching
    2020 place's people (ties as in ``_place_share_index``), or None."""
    hit = place_counties(state, name)
    if not hit:
        return None
    fips, share, _ = hit[1][0]
    return fips, share, hit[0]


def county_population() -> pd.DataFrame:
    pop = pd.read_csv(census_file(POPULATION), encoding="latin-1",
                      dtype={"SUMLEV": str, "STATE": str, "COUNTY": str}, usecols=["SUMLEV", "STATE", "COUNTY",
                                                                                  "POPESTIMATE2024"])
    pop = pop[pop["SUMLEV"] == "050"]
    return pd.DataFrame({"county_fips": pop["STATE"] + pop["COUNTY"],
                         "population_2024": pop["POPESTIMATE2024"].astype("int64")}).reset_index(drop=True)


COUNTY_IN_NAME = re.compile(r"^(?:THE )?(.+?) (COUNTY|PARISH|CENSUS AREA)\b")


def counties_in_name(state: str, agency: str) -> list[str]:
    """County FIPS named in an agency's own name ("Polk County Sheriff's Office", "Rappahannock,
    Shenandoah, Warren Regional Jail" when each part is a county)."""
    key = text_key(agency)
    m = COUNTY_IN_NAME.match(key) or (state == "AK" and re.match(r"^(.+?) (BOROUGH)\b", key))
    if m:
        hit = match_county(state, f"{m.group(1)} {m.group(2)}")
        return [hit] if hit else []
    raw_head = re.split(r"\b(SHERIFF|SHERIFFS|REGIONAL|JAIL|DETENTION|CORRECTIONAL)\b", str(agency).upper())[0]
    parts = [text_key(p) for p in re.split(r",|\bAND\b|&", raw_head) if text_key(p)]
    head = " ".join(parts)
    if head and len(parts) > 1:
        hits = [match_county(state, p) for p in parts]
        return hits if all(hits) else []
    if head and "SHERIFF" in key:
        hit = match_county(state, head)  # "Baltimore City Sheriff's Office", "Virginia Beach Sheriff's Office"
        return [hit] if hit else []
    return []


def names_two_counties(state: str, a: str, b: str) -> bool:
    """Whether two agency names each name a real county of ``state`` and not the same ones: a typo rule must
    not join them ("Madison County" and "Marion County" are two edits apart)."""
    ca, cb = set(counties_in_name(state, a)), set(counties_in_name(state, b))
    return bool(ca) and bool(cb) and ca != cb


# ---------------------------------------------------------------------------------------------
# Placement hand tables, keyed by state and the place-name key of any name an agency carries

ROLES_TABLE = "statewide_agency_roles.csv"
PLACE_FIX_TABLES = ("jurisdiction_levels.csv", "agency_counties.csv", "county_fixes.csv", "unplaced_reasons.csv",
                    ROLES_TABLE)


def placement_table(name: str) -> pd.DataFrame:
    df = hand.read_hand_table(name, folds={"place": text_key}, missing_ok=True, error=GeographyError)
    if df is None:
        return pd.DataFrame(columns=["state", "value", "fix", "reason"])
    return df.assign(state=df["state"].str.strip().str.upper())


def placement_keyed(name: str, value_fn=lambda r: r.fix) -> dict:
    return {(r.state, text_key(r.value)): value_fn(r) for r in placement_table(name).itertuples(index=False)}


def placement_lookup(hand: dict, state: str, names) -> object:
    for name in names:
        hit = hand.get((state, text_key(name)))
        if hit is not None:
            return hit
    return None


def hand_decisions(table: str):
    """A lookup ``(state, names) -> (fix, reason)`` of the rows of a placement hand table (``PLACE_FIX_TABLES``),
    matched by state and any of the names as placement matches them (None when no row does); the table is
    read once."""
    keyed = placement_keyed(table, lambda r: (r.fix, r.reason))
    return lambda state, names: placement_lookup(keyed, state, names)
