"""What the maps show: county and state boundaries in an equal-area projection with Alaska, Hawaii and Puerto
Rico moved into insets, and the coverage each map draws from the placements (``geography``): counties by
model, statewide agreements, the population covered."""
from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd
from shapely.affinity import scale, translate

from ..core import paths
from ..core.states import census_file, states
from ..core.vocab import MIX, MODELS
from ..history.identity import row_agreement_ids as _agreement_ids
from ..ingest.census import COUNTY_20M, POPULATION, STATE_20M, county_population
from ..ingest.lists import series_lists
from .geography import LAW_ENFORCEMENT, ROLE_COLUMNS, agreement_columns, agreement_counties, month_end_lists, name_role

# ---------------------------------------------------------------------------------------------
# Map geometry: equal-area (EPSG:5070), Alaska, Hawaii and Puerto Rico moved into insets

INSETS = {  # state fips: (scale, x of the inset's lower-left corner, y of it), metres in EPSG:5070
    "02": (0.35, -2_250_000, 150_000),
    "15": (1.0, -1_250_000, 150_000),
    "72": (1.0, 1_600_000, 150_000),
}


def _inset(gdf):
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


def models_by_county(fips, models) -> pd.DataFrame:
    """Per county (sorted by FIPS): the models present, in MODELS order and ';'-joined (other values left
    out), the number of rows, and the map category (the one model, or MIX)."""
    size: dict = {}
    present: dict = {}
    for f, m in zip(fips, models):
        size[f] = size.get(f, 0) + 1
        present.setdefault(f, set()).add(m)
    keys = sorted(size)
    joined = [";".join(m for m in MODELS if m in present[k]) for k in keys]
    return pd.DataFrame({"county_fips": keys, "models": joined,
                         "agreements": pd.array([size[k] for k in keys], dtype="int64"),
                         "category": [m if ";" not in m else MIX for m in joined]})


def _coverage(rows: pd.DataFrame, on_list: pd.DataFrame, places: pd.DataFrame, model: str):
    if model != "ALL":
        rows = rows[rows["model"] == model]
        on_list = on_list[on_list["model"] == model]
    if len(rows):
        mix = models_by_county(rows["county_fips"].tolist(), rows["model"].tolist())
    else:  # keeps the dtypes an empty groupby gives
        mix = rows.groupby("county_fips").agg(models=("model", lambda s: ""),
                                              agreements=("model", "size")).reset_index()
        mix["category"] = []
    return mix, _statewide_by_list(on_list, places).get("all", [])


def _statewide_by_list(on_list: pd.DataFrame, places: pd.DataFrame, by: str | None = None) -> dict:
    """States with a statewide agreement among ``on_list``'s rows, sorted: {"all": states}, or per value
    of column ``by`` ({list_id: states})."""
    sw = places["method"] == "statewide"
    states_of: dict = {}
    for a, s in zip(places.loc[sw, "agreement_id"].tolist(), places.loc[sw, "state"].tolist()):
        states_of.setdefault(a, set()).add(s)
    keys = on_list[by].tolist() if by else ["all"] * len(on_list)
    found: dict = {}
    for k, a in zip(keys, _agreement_ids(on_list).tolist()):
        if a in states_of:
            found.setdefault(k, set()).update(states_of[a])
    return {k: sorted(v) for k, v in found.items()}


def _rows_on(list_rows: pd.DataFrame, list_id: str) -> pd.DataFrame:
    """The agreement columns of one list's rows."""
    return list_rows.loc[list_rows["list_id"] == list_id, ["list_id", *agreement_columns(list_rows)]]


def coverage_on_list(list_rows: pd.DataFrame, places: pd.DataFrame, list_id: str, model: str = "ALL"):
    """(counties, statewide): counties covered on one list with their model mix, and the states with a
    statewide agreement. ``model`` filters to JEM, WSO or TFM."""
    on_list = _rows_on(list_rows, list_id)
    rows = agreement_counties(on_list, places, [list_id])
    return _coverage(rows, on_list, places, model)


def state_population() -> pd.DataFrame:
    pop = pd.read_csv(census_file(POPULATION), encoding="latin-1", dtype={"SUMLEV": str, "STATE": str},
                      usecols=["SUMLEV", "STATE", "POPESTIMATE2024"])
    pop = pop[pop["SUMLEV"] == "040"]
    codes = states().set_index("state_fips")["state"]
    return pd.DataFrame({"state": pop["STATE"].map(codes), "population_2024": pop["POPESTIMATE2024"].astype("int64")})


def law_enforcement(places: pd.DataFrame) -> pd.DataFrame:
    """The placements whose statewide agreement is a law-enforcement agency's (not a corrections department's)."""
    return places[places["statewide_role"] == LAW_ENFORCEMENT]


def corrections_only_states(list_rows: pd.DataFrame, places: pd.DataFrame, list_id: str,
                            model: str = "ALL") -> list[str]:
    """States whose only statewide agreements on one list are corrections departments' (sorted); ``model``
    filters to JEM, WSO or TFM as ``coverage_on_list`` does."""
    on_list = _rows_on(list_rows, list_id)
    if model != "ALL":
        on_list = on_list[on_list["model"] == model]
    enforcing = set(_statewide_by_list(on_list, law_enforcement(places)).get("all", []))
    return [s for s in _statewide_by_list(on_list, places).get("all", []) if s not in enforcing]


def population_covered(list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Residents of the 50 states and DC (2024 estimates) under an agreement on every month-end list, three
    ways: in a county holding a county, municipal or other local agreement (``local``); those and the residents
    of states where a law-enforcement agency holds a statewide agreement (``law_enforcement``); those and the
    residents of every state with a statewide agreement, a corrections department's included (``covered``).
    ``places`` is agreement_places.csv (``statewide_role`` says which statewide agencies enforce the law)."""
    cpop = county_population()
    total = int(state_population()["population_2024"].sum())
    fips_of = dict(zip(states()["state"], states()["state_fips"]))
    picks = month_end_lists(lists)
    on_lists = list_rows.loc[list_rows["list_id"].isin(set(picks["list_id"])),
                             ["list_id", *agreement_columns(list_rows)]]
    county_rows = agreement_counties(on_lists, places, picks["list_id"])
    local_of: dict = {}
    for lid, f in zip(county_rows["list_id"].tolist(), county_rows["county_fips"].tolist()):
        local_of.setdefault(lid, set()).add(f)
    statewide_of = _statewide_by_list(on_lists, places, by="list_id")
    enforcing_of = _statewide_by_list(on_lists, law_enforcement(places), by="list_id")
    pop_of = dict(zip(cpop["county_fips"].tolist(), cpop["population_2024"].tolist()))
    in_state: dict = {}
    for f in pop_of:
        in_state.setdefault(f[:2], []).append(f)

    def counties_of(state_codes) -> set:
        fips = {fips_of[s] for s in state_codes if s in fips_of and pd.notna(fips_of[s])}
        return set().union(*(in_state.get(sf, ()) for sf in fips))

    out = []
    for r in picks.itertuples(index=False):
        statewide = statewide_of.get(r.list_id, [])
        enforcing = enforcing_of.get(r.list_id, [])
        local = {f for f in local_of.get(r.list_id, ()) if f in pop_of}
        out.append({"as_of": r.list_date, "list_id": r.list_id, "era": r.era,
                    "population_local": sum(pop_of[f] for f in local),
                    "population_law_enforcement": sum(pop_of[f] for f in local | counties_of(enforcing)),
                    "population_covered": sum(pop_of[f] for f in local | counties_of(statewide)),
                    "population_total": total, "statewide_states": ";".join(statewide),
                    "corrections_only_states": ";".join(s for s in statewide if s not in enforcing)})
    df = pd.DataFrame(out)
    for figure in ("local", "law_enforcement", "covered"):
        df[f"share_{figure}"] = (df[f"population_{figure}"] / df["population_total"]).round(6)
    return df


def statewide_agency_roles(places: pd.DataFrame, agreements: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """data/qa/statewide_agency_roles.csv: one row per agency placed statewide, with the role its name reads
    (``name_role``), the role it gets and what decided it, the models of its agreements and where they were
    listed (``agreements``: agreements.csv; on_newest against the newest participating series list)."""
    sw = places[places["method"] == "statewide"].merge(
        agreements[["agreement_id", "model", "first_listed", "last_listed"]], on="agreement_id", how="left")
    newest = series_lists(lists)["list_date"].max()
    out = []
    for agency_id, part in sw.groupby("agency_id", sort=True):
        r = part.iloc[0]
        present = set(part["model"].fillna(""))
        out.append({"state": r.state, "agency": r.agency, "agency_id": agency_id, "agency_type": r.agency_type,
                    "name_role": name_role(r.agency), "statewide_role": r.statewide_role, "role_rule": r.role_rule,
                    "role_evidence": r.role_evidence, "models": ";".join(m for m in MODELS if m in present),
                    "agreements": len(part), "first_listed": part["first_listed"].min(),
                    "last_listed": part["last_listed"].max(), "on_newest": bool((part["last_listed"] == newest).any())})
    cols = ["state", "agency", "agency_id", "agency_type", "name_role", *ROLE_COLUMNS, "models", "agreements",
            "first_listed", "last_listed", "on_newest"]
    return pd.DataFrame(out, columns=cols).sort_values(["state", "agency", "agency_id"], ignore_index=True)
