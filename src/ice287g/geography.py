"""Census geography: counties, places, placing agencies and agreements, map layers and coverage."""
from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from . import paths
from .identity import agreement_ids as _agreement_ids
from .lists import series_lists
from .vocab import MODELS
from .states import COUNTY_5M, GeographyError, census_file, state_lookup, states  # noqa: F401

# ---------------------------------------------------------------------------------------------
# Counties and places (2024 geography; FIPS always 5-character strings)

PLACES = "census/Gaz_places_national.txt"
POPULATION = "census/co-est2024-alldata.csv"
COUNTY_20M = "census/cb_2024_us_county_20m.shp"
STATE_20M = "census/cb_2024_us_state_20m.shp"
INDEPENDENT_CITY = "25"  # LSAD of Virginia's independent cities, St. Louis, Baltimore, Carson City
COUNTY_WORDS = ("CITY AND BOROUGH", "CENSUS AREA", "COUNTY", "PARISH", "BOROUGH", "MUNICIPALITY", "MUNICIPIO",
                "PLANNING REGION")
PLACE_WORDS = ("CITY AND BOROUGH", "CITY", "TOWN", "VILLAGE", "BOROUGH", "CDP", "MUNICIPALITY", "TOWNSHIP",
               "COMUNIDAD", "ZONA URBANA")


def _text_key(text: str) -> str:
    t = str(text).upper().replace("’", "'").replace("'", "").replace(".", "")
    t = re.sub(r"[^A-Z0-9 ]+", " ", t)
    t = re.sub(r"\bSAINT\b", "ST", t)
    t = re.sub(r"\bSAINTE\b", "STE", t)
    return re.sub(r"\s+", " ", t).strip()


def county_key(text: str) -> tuple[str, bool]:
    """(name key, says-city) for a printed county name: suffix words dropped, Saint -> St."""
    key = _text_key(text)
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
    import pyogrio

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
        for key in {county_key(r.county)[0], county_key(r.county_full)[0], _text_key(r.county)}:
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
        for k in (key, _text_key(printed), key.removesuffix(" CITY")):
            hit = index.get((state, k, want_city))
            if hit:
                return hit
    return None


@lru_cache(maxsize=None)
def _place_frame(root: str) -> pd.DataFrame:
    """Census 2010 places with the 2024 county holding each place's internal point."""
    import geopandas as gpd

    gaz = pd.read_csv(census_file(PLACES), sep="\t", encoding="latin-1", dtype={"GEOID": str, "ANSICODE": str})
    gaz = gaz.rename(columns=str.strip)
    pts = gpd.GeoDataFrame(gaz[["STUSPS", "GEOID", "NAME"]],
                           geometry=gpd.points_from_xy(gaz["INTPTLONG"], gaz["INTPTLAT"]), crs=4269)
    polys = gpd.read_file(census_file(COUNTY_5M), columns=["GEOID", "STUSPS"], engine="pyogrio")
    polys = polys.rename(columns={"GEOID": "county_fips", "STUSPS": "county_state"})
    joined = gpd.sjoin(pts, polys, predicate="within", how="left").drop(columns="index_right")
    joined = joined[~joined.index.duplicated(keep="first")]
    wrong = joined["county_fips"].isna() | (joined["county_state"] != joined["STUSPS"])
    if wrong.any():  # points in water or across a state line: nearest county of the same state
        proj_pts = pts.loc[wrong].to_crs(5070)
        proj_polys = polys.to_crs(5070)
        for i, row in proj_pts.iterrows():
            same = proj_polys[proj_polys["county_state"] == row["STUSPS"]]
            if len(same):
                joined.loc[i, "county_fips"] = same.iloc[same.distance(row.geometry).argmin()]["county_fips"]
                joined.loc[i, "county_state"] = row["STUSPS"]
    out = pd.DataFrame({"state": joined["STUSPS"], "place_geoid": joined["GEOID"], "place": joined["NAME"],
                        "county_fips": joined["county_fips"], "nearest": wrong})
    out["key"] = [place_key(n)[0] for n in out["place"]]
    out["cdp"] = out["place"].str.endswith(" CDP")
    return out.sort_values(["state", "key", "cdp", "place_geoid"], ignore_index=True)


def place_key(name: str) -> tuple[str, str]:
    """(key, type word) of a Census place name ("Tampa city" -> ("TAMPA", "CITY"))."""
    name = re.sub(r"\s*\(balance\)$", "", str(name))
    name = re.sub(r"\s+(metropolitan|consolidated|unified) government$", "", name, flags=re.I)
    key = _text_key(name)
    for word in PLACE_WORDS:
        if key.endswith(" " + word):
            return key[: -len(word) - 1], word
    return key, ""


def match_place(state: str, name: str) -> tuple[str, str] | None:
    """(county_fips, place name) of an incorporated place (else a CDP) whose name matches."""
    places = _place_frame(str(paths.project_root()))
    key = _text_key(name)
    candidates = [key]
    for word in PLACE_WORDS:
        if key.endswith(" " + word):
            candidates.append(key[: -len(word) - 1])
    part = places[places["state"] == state]
    for k in candidates:
        hit = part[part["key"] == k]
        if len(hit):
            first = hit.iloc[0]
            return first["county_fips"], first["place"]
    return None


def county_population() -> pd.DataFrame:
    pop = pd.read_csv(census_file(POPULATION), encoding="latin-1",
                      dtype={"SUMLEV": str, "STATE": str, "COUNTY": str}, usecols=["SUMLEV", "STATE", "COUNTY",
                                                                                  "POPESTIMATE2024"])
    pop = pop[pop["SUMLEV"] == "050"]
    return pd.DataFrame({"county_fips": pop["STATE"] + pop["COUNTY"],
                         "population_2024": pop["POPESTIMATE2024"].astype("int64")}).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Placing agencies and agreements

LEVELS = ("State", "County", "Municipal", "Other")
TYPE_LEVELS = {"County": "County", "Municipality": "Municipal", "State Agency": "State"}
OTHER_WORDS = re.compile(r"\b(UNIVERSITY|COLLEGE|SCHOOL|CAMPUS|PORT|AIRPORT|AVIATION|CONSTABLE|CONSTABLES|"
                         r"MARSHAL|MARSHALS|ATTORNEY|PROSECUTOR|DISTRICT ATTORNEY|JUDICIAL|COURT|AUTHORITY|"
                         r"REGIONAL|DISTRICT JAIL|TRUSTEES|TRANSIT|HOUSING|PARK POLICE|CAPITOL)\b")
STATE_WORDS = re.compile(r"\b(STATE POLICE|HIGHWAY PATROL|STATE PATROL|DEPARTMENT OF PUBLIC SAFETY|"
                         r"DEPARTMENT OF CORRECTIONS?|CORRECTIONS DEPARTMENT|DEPARTMENT OF SAFETY|NATIONAL GUARD|"
                         r"DEPARTMENT OF LAW ENFORCEMENT|BUREAU OF INVESTIGATION|FISH AND WILDLIFE|"
                         r"DEPARTMENT OF REVENUE|ATTORNEY GENERALS?|DIVISION OF|GAME AND FISH|STATE FIRE MARSHAL|"
                         r"WILDLIFE AND FISHERIES|DEPARTMENT OF TRANSPORTATION|MOTOR VEHICLE)\b")
COUNTY_IN_NAME = re.compile(r"^(?:THE )?(.+?) (COUNTY|PARISH|CENSUS AREA)\b")
MUNICIPAL_TAIL = re.compile(r"\s+(POLICE|PUBLIC SAFETY|DEPARTMENT OF POLICE|MARSHAL|POLICE SERVICES|"
                            r"PD|DPS|SHERIFF|CONSTABLE|CONSTABLES).*$")


def jurisdiction_level(agency: str, agency_type: str, state_name: str, hand: dict) -> tuple[str, str]:
    """(level, rule): hand table, then name rules, then ICE's TYPE column."""
    key = _text_key(agency)
    if key in hand:
        return hand[key], "hand"
    state_key = _text_key(state_name)
    if key.startswith(state_key + " ") and (STATE_WORDS.search(key) or key.endswith(" STATE POLICE")):
        return "State", "name: state agency"
    if STATE_WORDS.search(key) and not COUNTY_IN_NAME.match(key) and "CITY" not in key.split():
        return "State", "name: state agency"
    if OTHER_WORDS.search(key):
        return "Other", "name: campus, port, court, constable or regional body"
    if COUNTY_IN_NAME.match(key) or "SHERIFF" in key:
        return "County", "name: sheriff or county"
    if re.search(r"\b(POLICE|PUBLIC SAFETY|MARSHAL|DPS)\b", key):
        return "Municipal", "name: police department of a city or town"
    if agency_type in TYPE_LEVELS:
        return TYPE_LEVELS[agency_type], "ICE TYPE column"
    return "Other", "no rule matched"


def counties_in_name(state: str, agency: str) -> list[str]:
    """County FIPS named in an agency's own name ("Polk County Sheriff's Office", "Rappahannock,
    Shenandoah, Warren Regional Jail" when each part is a county)."""
    key = _text_key(agency)
    m = COUNTY_IN_NAME.match(key) or (state == "AK" and re.match(r"^(.+?) (BOROUGH)\b", key))
    if m:
        hit = match_county(state, f"{m.group(1)} {m.group(2)}")
        return [hit] if hit else []
    raw_head = re.split(r"\b(SHERIFF|SHERIFFS|REGIONAL|JAIL|DETENTION|CORRECTIONAL)\b", str(agency).upper())[0]
    parts = [_text_key(p) for p in re.split(r",|\bAND\b|&", raw_head) if _text_key(p)]
    head = " ".join(parts)
    if head and len(parts) > 1:
        hits = [match_county(state, p) for p in parts]
        return hits if all(hits) else []
    if head and "SHERIFF" in key:
        hit = match_county(state, head)  # "Baltimore City Sheriff's Office", "Virginia Beach Sheriff's Office"
        return [hit] if hit else []
    return []


def municipality_in_name(agency: str) -> str:
    key = _text_key(agency)
    key = re.sub(r"^(CITY|TOWN|VILLAGE|BOROUGH|TOWNSHIP) OF ", "", key)
    return MUNICIPAL_TAIL.sub("", key).strip()


NOT_PRINTED = {"", "NA", "#NA", "N/A", "#N/A", "NONE", "STATEWIDE", "STATE WIDE"}


def place_agency(state: str, agency: str, agency_type: str, county_printed: str, state_name: str,
                 hand_levels: dict, hand_counties: dict, county_fixes: dict) -> dict:
    """Level and county of one agency, with the method used and a note."""
    level, rule = jurisdiction_level(agency, agency_type, state_name, hand_levels)
    out = {"jurisdiction_level": level, "level_rule": rule, "county_fips": "", "method": "", "note": ""}
    hand = hand_counties.get((state, _text_key(agency)))
    if hand:
        out.update(county_fips=hand, method="hand")
        return out
    if level == "State":
        out.update(method="statewide")
        return out
    printed = county_printed.strip()
    if state != "CT" and printed.upper() not in NOT_PRINTED:  # CT's printed counties predate 2024's regions
        fixed = county_fixes.get((state, _text_key(printed)), printed)
        hits = [match_county(state, p) for p in re.split(r"\s*(?:;|/|&|,| and )\s*", fixed) if p]
        if hits and all(hits):
            out.update(county_fips=";".join(sorted(set(hits))), method="printed_county")
            return out
        out["note"] = f"printed county {printed!r} matches no 2024 county of {state}"
    named = counties_in_name(state, agency)
    if named:
        out.update(county_fips=";".join(sorted(set(named))), method="name_rule")
        return out
    if level in ("Municipal", "Other") or state == "CT":
        town = municipality_in_name(agency)
        hit = match_place(state, town) if town else None
        if hit:
            out.update(county_fips=hit[0], method="place_file", note=(out["note"] + f"; place {hit[1]}").strip("; "))
            return out
    out["method"] = "unplaced"
    return out


def _hand_keyed(name: str, value_fn=lambda v: v) -> dict:
    path = paths.hand_dir() / name
    if not path.exists():
        return {}
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {(r.state.strip().upper(), _text_key(r.value)): value_fn(r.fix) for r in df.itertuples(index=False)}


def place_agreements(list_rows: pd.DataFrame, lists: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    """One row per agreement: agreement_id, jurisdiction_level, county_fips (';'-separated), state_fips,
    method (printed_county|name_rule|place_file|hand|statewide|unplaced), note, and what was printed."""
    series = set(lists.loc[lists["in_series"].astype(str) == "True", "list_id"])
    rows = list_rows[list_rows["list_id"].isin(series)].copy()
    rows["has_county"] = ~rows["county_printed"].str.upper().isin(NOT_PRINTED)
    rows = rows.sort_values(["agency_id", "has_county", "list_date", "row"], kind="mergesort")
    latest = rows.drop_duplicates("agency_id", keep="last").set_index("agency_id")
    names = dict(zip(states()["state"], states()["state_name"]))
    fips = dict(zip(states()["state"], states()["state_fips"]))
    levels = {k[1]: v for k, v in _hand_keyed("jurisdiction_levels.csv").items()}
    hand_counties = _hand_keyed("agency_counties.csv")
    county_fixes = _hand_keyed("county_fixes.csv")
    placed = {}
    for agency_id, r in latest.iterrows():
        placed[agency_id] = place_agency(r["state"], r["agency"], r["agency_type"], r["county_printed"],
                                         names.get(r["state"], r["state"]), levels, hand_counties, county_fixes)
        placed[agency_id].update(county_printed=r["county_printed"], agency_type=r["agency_type"],
                                 agency=r["agency"], evidence_list=r["list_id"])
    out = agreements[["agreement_id", "agency_id", "state"]].copy()
    detail = pd.DataFrame.from_dict(placed, orient="index")
    out = out.merge(detail, left_on="agency_id", right_index=True, how="left")
    out["state_fips"] = out["state"].map(fips)
    cols = ["agreement_id", "jurisdiction_level", "county_fips", "state_fips", "method", "note", "agency_id",
            "state", "agency", "agency_type", "county_printed", "level_rule", "evidence_list"]
    return out[cols].sort_values("agreement_id", ignore_index=True)


def placement_rates(list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Share of each participating series list's agreements placed (a county, or statewide)."""
    series = lists[(lists["in_series"].astype(str) == "True") & (lists["list_kind"] == "participating")]
    rows = list_rows[list_rows["list_id"].isin(series["list_id"])].copy()
    rows["agreement_id"] = _agreement_ids(rows)
    ok = places.set_index("agreement_id")["method"] != "unplaced"
    rows["placed"] = rows["agreement_id"].map(ok).fillna(False).astype(bool)
    rates = rows.groupby(["list_id", "list_date", "era"]).agg(agreements=("placed", "size"),
                                                              placed=("placed", "sum")).reset_index()
    rates["share_placed"] = rates["placed"] / rates["agreements"]
    return rates.sort_values(["list_date", "list_id"], ignore_index=True)


def unplaced_table(places: pd.DataFrame) -> pd.DataFrame:
    """Every agreement without a placement, with what was printed and why (``data/hand/unplaced_reasons.csv``
    explains the ones that are ICE's errors rather than gaps in the rules)."""
    reasons = {}
    path = paths.hand_dir() / "unplaced_reasons.csv"
    if path.exists():
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        reasons = {(r.state, _text_key(r.value)): r.reason for r in df.itertuples(index=False)}
    out = places[places["method"] == "unplaced"].copy()
    out["reason"] = [reasons.get((s, _text_key(a)), n or "no printed county, no county or town in the name")
                     for s, a, n in zip(out["state"], out["agency"], out["note"])]
    out["explained"] = [(s, _text_key(a)) in reasons for s, a in zip(out["state"], out["agency"])]
    cols = ["agreement_id", "state", "agency", "agency_type", "county_printed", "jurisdiction_level", "reason",
            "explained", "evidence_list"]
    return out[cols].sort_values("agreement_id", ignore_index=True)


def month_end_lists(lists: pd.DataFrame) -> pd.DataFrame:
    """The last participating series list of every month, plus the newest list."""
    series = series_lists(lists)
    picked = series.assign(month=series["list_date"].str[:7]).drop_duplicates("month", keep="last")
    return pd.concat([picked, series.tail(1)]).drop_duplicates("list_id").reset_index(drop=True)


def agreement_counties(list_rows: pd.DataFrame, places: pd.DataFrame, list_ids) -> pd.DataFrame:
    """One row per (list, agreement row, county) for county-placed agreements on the given lists."""
    rows = list_rows[list_rows["list_id"].isin(set(list_ids))].copy()
    rows["agreement_id"] = _agreement_ids(rows)
    fips = places.set_index("agreement_id")["county_fips"]
    rows["county_fips"] = rows["agreement_id"].map(fips).fillna("")
    rows = rows[rows["county_fips"] != ""]
    rows["county_fips"] = rows["county_fips"].str.split(";")
    return rows.explode("county_fips", ignore_index=True)


def county_counts(list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Per month-end list and county: agreements by model, agencies, 2024 population, agreements per 100k."""
    picks = month_end_lists(lists)
    rows = agreement_counties(list_rows, places, picks["list_id"])
    rows = rows.merge(picks[["list_id", "list_date"]].rename(columns={"list_date": "as_of"}), on="list_id")
    wide = pd.crosstab([rows["as_of"], rows["county_fips"]], rows["model"]).reindex(
        columns=list(MODELS), fill_value=0)
    wide["agreements"] = rows.groupby(["as_of", "county_fips"]).size()
    wide["agencies"] = rows.groupby(["as_of", "county_fips"])["agency_id"].nunique()
    out = wide.reset_index()
    names = counties().set_index("county_fips")
    out["county"] = out["county_fips"].map(names["county_full"])
    out["state"] = out["county_fips"].map(names["state"])
    out = out.merge(county_population(), on="county_fips", how="left")
    out["agreements_per_100k"] = (out["agreements"] / out["population_2024"] * 1e5).round(3)
    out["population_2024"] = out["population_2024"].astype("Int64")
    cols = ["as_of", "county_fips", "county", "state", *MODELS, "agreements", "agencies",
            "population_2024", "agreements_per_100k"]
    return out[cols].sort_values(["as_of", "county_fips"], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Map geometry: equal-area (EPSG:5070), Alaska, Hawaii and Puerto Rico moved into insets

INSETS = {  # state fips: (scale, x of the inset's lower-left corner, y of it), metres in EPSG:5070
    "02": (0.35, -2_250_000, 150_000),
    "15": (1.0, -1_250_000, 150_000),
    "72": (1.0, 1_600_000, 150_000),
}


def _inset(gdf):
    from shapely.affinity import scale, translate

    gdf = gdf.to_crs(5070)
    geoms = gdf.geometry.copy()
    for fips, (factor, x0, y0) in INSETS.items():
        mask = gdf["state_fips"] == fips
        if not mask.any():
            continue
        part = geoms[mask]
        xmin, ymin, xmax, ymax = part.total_bounds
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        part = part.apply(lambda g: scale(g, factor, factor, origin=(cx, cy)))
        bx, by, _, _ = part.total_bounds
        geoms[mask] = part.apply(lambda g: translate(g, x0 - bx, y0 - by))
    return gdf.set_geometry(geoms)


@lru_cache(maxsize=None)
def _boundaries(root: str):
    import geopandas as gpd

    cty = gpd.read_file(census_file(COUNTY_20M), columns=["GEOID", "STATEFP", "STUSPS", "NAME"],
                        engine="pyogrio").rename(columns={"GEOID": "county_fips", "STATEFP": "state_fips",
                                                          "STUSPS": "state", "NAME": "county"})
    st = gpd.read_file(census_file(STATE_20M), columns=["GEOID", "STUSPS", "NAME"], engine="pyogrio").rename(
        columns={"GEOID": "state_fips", "STUSPS": "state", "NAME": "state_name"})
    return cty, st


@lru_cache(maxsize=None)
def _map_layers(root: str):
    cty, st = _boundaries(root)
    return _inset(cty), _inset(st)


def county_boundaries():
    """Counties as the Census draws them (NAD83, EPSG:4269, Alaska and Hawaii where they are): for GIS
    files. Maps use ``map_layers``, which moves Alaska, Hawaii and Puerto Rico into insets."""
    return _boundaries(str(paths.project_root()))[0].copy()


def map_layers():
    """(counties, states) as GeoDataFrames ready to draw; read from disk once per process."""
    cty, st = _map_layers(str(paths.project_root()))
    return cty.copy(), st.copy()


# ---------------------------------------------------------------------------------------------
# What the maps show

MIX = "two or more models"


def _coverage(rows: pd.DataFrame, on_list: pd.DataFrame, places: pd.DataFrame, model: str):
    if model != "ALL":
        rows = rows[rows["model"] == model]
        on_list = on_list[on_list["model"] == model]
    mix = rows.groupby("county_fips").agg(models=("model", lambda s: ";".join(m for m in MODELS
                                                                          if m in set(s))),
                                          agreements=("model", "size")).reset_index()
    mix["category"] = [m if ";" not in m else MIX for m in mix["models"]]
    ids = _agreement_ids(on_list)
    statewide = places[places["agreement_id"].isin(set(ids)) & (places["method"] == "statewide")]
    return mix, sorted(set(statewide["state"]))


def coverage_on_list(list_rows: pd.DataFrame, places: pd.DataFrame, list_id: str, model: str = "ALL"):
    """(counties, statewide): counties covered on one list with their model mix, and the states with a
    statewide agreement. ``model`` filters to JEM, WSO or TFM."""
    rows = agreement_counties(list_rows, places, [list_id])
    return _coverage(rows, list_rows[list_rows["list_id"] == list_id], places, model)


def state_population() -> pd.DataFrame:
    pop = pd.read_csv(census_file(POPULATION), encoding="latin-1", dtype={"SUMLEV": str, "STATE": str},
                      usecols=["SUMLEV", "STATE", "POPESTIMATE2024"])
    pop = pop[pop["SUMLEV"] == "040"]
    codes = states().set_index("state_fips")["state"]
    return pd.DataFrame({"state": pop["STATE"].map(codes), "population_2024": pop["POPESTIMATE2024"].astype("int64")})


def population_covered(list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Share of U.S. residents (50 states + DC, 2024 estimates) in a county holding a county, municipal
    or other local agreement, or in a state with a statewide agreement, on every month-end list."""
    cpop = county_population()
    total = int(state_population()["population_2024"].sum())
    fips_of = states().set_index("state")["state_fips"]
    picks = month_end_lists(lists)
    county_rows = agreement_counties(list_rows, places, picks["list_id"])
    by_list_counties = dict(tuple(county_rows.groupby("list_id")))
    by_list_rows = dict(tuple(list_rows[list_rows["list_id"].isin(set(picks["list_id"]))].groupby("list_id")))
    empty = county_rows.iloc[0:0]
    out = []
    for r in picks.itertuples(index=False):
        mix, statewide = _coverage(by_list_counties.get(r.list_id, empty), by_list_rows.get(r.list_id, empty),
                                   places, "ALL")
        local_mask = cpop["county_fips"].isin(mix["county_fips"])
        covered = local_mask | cpop["county_fips"].str[:2].isin(set(fips_of.reindex(statewide).dropna()))
        out.append({"as_of": r.list_date, "list_id": r.list_id, "era": r.era,
                    "population_local": int(cpop.loc[local_mask, "population_2024"].sum()),
                    "population_covered": int(cpop.loc[covered, "population_2024"].sum()),
                    "population_total": total, "statewide_states": ";".join(statewide)})
    df = pd.DataFrame(out)
    df["share_local"] = (df["population_local"] / df["population_total"]).round(6)
    df["share_covered"] = (df["population_covered"] / df["population_total"]).round(6)
    return df


def placement_qa(rates: pd.DataFrame, unplaced: pd.DataFrame, since: str = "2025-03-17",
                 unused: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows for data/qa/qa_summary.csv: share placed per era, target 100 % for ICE workbooks since
    ``since`` and 98 % before, every remaining agreement explained."""
    rows = []
    recent = rates[(rates["era"] == "ice_workbook") & (rates["list_date"] >= since)]
    older = rates[~rates.index.isin(recent.index)]
    all_explained = bool(unplaced["explained"].all()) if len(unplaced) else True
    for label, part, target in ((f"ICE workbooks since {since}", recent, 1.0), ("earlier lists", older, 0.98)):
        worst = part.loc[part["share_placed"].idxmin()] if len(part) else None
        value = float(worst["share_placed"]) if worst is not None else 1.0
        ok = value >= target or (target == 1.0 and all_explained and value >= 0.98)
        rows.append({"check": "placement_min_share", "scope": label, "value": f"{value:.4f}",
                     "expected": f">= {target:.2f}" + (" (or every remaining one explained)" if target == 1.0 else ""),
                     "status": "pass" if ok else "fail"})
    rows.append({"check": "placement_unplaced_agreements", "scope": "all agreements", "value": str(len(unplaced)),
                 "expected": "each listed in data/qa/unplaced_agreements.csv with a reason",
                 "status": "pass" if all_explained else "info"})
    if unused is not None:
        rows.append({"check": "placement_unused_fixes", "scope": "data/hand placement tables", "value": str(len(unused)),
                     "expected": "0 (listed in data/qa/unused_place_fixes.csv)",
                     "status": "pass" if unused.empty else "info"})
    return pd.DataFrame(rows)


def upsert_qa(rows: pd.DataFrame, prefix: str) -> None:
    """Replace this stage's rows (checks starting with ``prefix``) in data/qa/qa_summary.csv."""
    from . import writers

    path = paths.qa_dir() / "qa_summary.csv"
    if not path.exists():  # a report run writes under reports/: start from the committed summary
        path_in = paths.project_root() / "data" / "qa" / "qa_summary.csv"
    else:
        path_in = path
    old = pd.read_csv(path_in, dtype=str, keep_default_na=False) if path_in.exists() else rows.iloc[0:0]
    old = old[~old["check"].str.startswith(prefix)]
    writers.write_csv(pd.concat([old, rows.astype(str)], ignore_index=True), path, sort_by=["check", "scope"])


PLACE_FIX_TABLES = ("jurisdiction_levels.csv", "agency_counties.csv", "county_fixes.csv", "unplaced_reasons.csv")


def unused_place_fixes(places: pd.DataFrame) -> pd.DataFrame:
    """Rows of the placement hand tables that match no agency (or printed county) that was placed."""
    agencies = {(s, _text_key(a)) for s, a in zip(places["state"], places["agency"])}
    printed = {(s, _text_key(c)) for s, c in zip(places["state"], places["county_printed"]) if c}
    out = []
    for name in PLACE_FIX_TABLES:
        path = paths.hand_dir() / name
        if not path.exists():
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        universe = printed if name == "county_fixes.csv" else agencies
        for r in df.itertuples(index=False):
            if (r.state.strip().upper(), _text_key(r.value)) not in universe:
                out.append({"table": f"data/hand/{name}", "state": r.state, "value": r.value})
    return pd.DataFrame(out, columns=["table", "state", "value"])
