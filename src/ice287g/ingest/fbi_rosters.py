"""The FBI's agency rosters (``data/raw/fbi/``) read into one frame: the 2018 API list and the 2017 list, each
ORI checked, coordinates as numbers, the county of the roster's county name and the county holding its
coordinates (``census``). ``history.roster`` matches the history's agencies to them."""
from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.states import state_lookup
from ..core.frames import column_rows
from .census import counties_holding, match_county

ROSTER_FILES = {"fbi_2018": "fbi/2018-09-17_fbi_cde_api_agencies.csv",
                "fbi_2017": "fbi/2017-08-21_fbi_cde_agencies_by_state.json.gz"}
ROSTER_COLUMNS = ["ori", "roster", "roster_name", "roster_type", "roster_county", "latitude", "longitude", "state",
                  "roster_county_fips", "roster_point_county_fips"]
ORI_RE = re.compile(r"^[A-Z0-9]{9}$")  # the FBI's own lists hold a few with a digit in the state part



class RosterError(ValueError):
    """A roster file or the hand table of ORIs that cannot be read as it stands."""


def _coordinates(values: pd.Series, label: str, column: str, first_line: int) -> pd.Series:
    """Coordinates as floats; a value that is not a number stops with the file, line and column."""
    text = values.astype(str).str.strip()
    out = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = out.isna() & (text != "") & (text.str.lower() != "nan")
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise RosterError(f"{label} line {i + first_line}, column {column}: {text.iloc[i]!r} is not a number")
    return out


def _check_ori(frame: pd.DataFrame, label: str, where) -> None:
    bad = ~frame["ori"].str.fullmatch(ORI_RE.pattern)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise RosterError(f"{label} {where(i)}: ORI {frame['ori'].iloc[i]!r} is not nine letters and digits")
    dup = frame["ori"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().argmax())
        raise RosterError(f"{label} {where(i)}: ORI {frame['ori'].iloc[i]!r} appears twice")


def read_fbi_2018(path: Path | str) -> pd.DataFrame:
    """The 2018 API list. Its state codes are the FBI's (NB for Nebraska, GM for Guam), so the state is
    read from ``state_name``, falling back to the code."""
    path = Path(path)
    label = paths.relative(path)
    need = ["agency_name", "agency_type_name", "county_name", "latitude", "longitude", "ori", "state_abbr",
            "state_name"]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
        raise RosterError(f"{label}: cannot be read as CSV ({exc})") from None
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise RosterError(f"{label}: needs column(s) {missing}, has {list(df.columns)}")
    codes = state_lookup()
    df["ori"] = df["ori"].str.strip().str.upper()
    _check_ori(df, label, lambda i: f"line {i + 2}")  # line 1 is the header
    state = df["state_name"].str.strip().str.upper().map(codes)
    return pd.DataFrame({
        "ori": df["ori"], "roster": "fbi_2018", "roster_name": df["agency_name"].str.strip(),
        "roster_type": df["agency_type_name"].str.strip(), "roster_county": df["county_name"].str.strip(),
        "latitude": _coordinates(df["latitude"], label, "latitude", 2),
        "longitude": _coordinates(df["longitude"], label, "longitude", 2),
        "state": state.fillna(df["state_abbr"].str.strip().str.upper()),
    })


def read_fbi_2017(path: Path | str) -> pd.DataFrame:
    """The 2017 front-end list, ``{state: {ORI: {agency_name, agency_type_name, icpsr_lat, icpsr_lng,
    primary_county, ...}}}``; its state keys are postal codes."""
    path = Path(path)
    label = paths.relative(path)
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise RosterError(f"{label}: not JSON at line {exc.lineno}, column {exc.colno} ({exc.msg})") from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise RosterError(f"{label}: cannot be read as gzip JSON ({exc})") from None
    if not isinstance(data, dict):
        raise RosterError(f"{label}: expected an object of states, found {type(data).__name__}")
    codes = state_lookup()
    records = []
    for st, agencies in data.items():
        if not isinstance(agencies, dict):
            raise RosterError(f"{label}: state {st!r} holds {type(agencies).__name__}, not an object of ORIs")
        for ori, a in agencies.items():
            if not isinstance(a, dict) or "agency_name" not in a:
                raise RosterError(f"{label}: state {st!r}, ORI {ori!r} has no agency_name")
            records.append({"ori": str(ori).strip().upper(), "roster": "fbi_2017",
                            "roster_name": str(a["agency_name"] or "").strip(),
                            "roster_type": str(a.get("agency_type_name") or "").strip(),
                            "roster_county": str(a.get("primary_county") or "").strip(),
                            "latitude": a.get("icpsr_lat"), "longitude": a.get("icpsr_lng"),
                            "state": codes.get(str(st).upper(), str(st).upper())})
    df = pd.DataFrame(records, columns=ROSTER_COLUMNS[:8])
    _check_ori(df, label, lambda i: f"(state {df['state'].iloc[i]})")
    for c in ("latitude", "longitude"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    return df


def combine_rosters(newer: pd.DataFrame, older: pd.DataFrame) -> pd.DataFrame:
    """The 2018 list, then the rows of the 2017 list whose ORI the 2018 list lacks (``roster`` says which)."""
    return pd.concat([newer, older[~older["ori"].isin(set(newer["ori"]))]], ignore_index=True)


def first_county(text: str) -> str:
    """The first of the roster's counties (the 2018 list joins several with "; ")."""
    return str(text).split(";")[0].strip()


def county_fips_of(rosters: pd.DataFrame) -> pd.Series:
    """The 2024 county FIPS of each row's first county name ('' when it matches none)."""
    pairs = list(column_rows(rosters, ("state", "roster_county")))
    fips = {(s, c): match_county(s, first_county(c)) or "" if c else "" for s, c in set(pairs)}  # each name once
    return pd.Series([fips[p] for p in pairs], index=rosters.index, dtype=str)


def point_county_fips(rosters: pd.DataFrame) -> pd.Series:
    """The 2024 county containing each row's coordinates ('' when there are none, or the point lies in no
    county of the roster's own state: a point in the water or another state is no evidence)."""
    out = pd.Series("", index=rosters.index, dtype=str)
    part = rosters.loc[rosters["latitude"].notna() & rosters["longitude"].notna()]
    if part.empty:
        return out
    held = counties_holding(part["longitude"], part["latitude"], part.index)
    held = held[held["county_state"] == part["state"].reindex(held.index)]
    held = held[~held.index.duplicated(keep="first")]
    out.loc[held.index] = held["county_fips"].astype(str)
    return out


def read_rosters(root: Path | str | None = None) -> pd.DataFrame:
    """Both FBI rosters as one frame (``ROSTER_COLUMNS``): the 2018 API list first, the 2017 list adding the
    ORIs it lacks, with the county of the roster's county name and the county holding its coordinates."""
    raw = Path(root) if root is not None else paths.raw_dir()
    rosters = combine_rosters(read_fbi_2018(raw / ROSTER_FILES["fbi_2018"]),
                              read_fbi_2017(raw / ROSTER_FILES["fbi_2017"]))
    rosters["roster_county_fips"] = county_fips_of(rosters)
    rosters["roster_point_county_fips"] = point_county_fips(rosters)
    return rosters[ROSTER_COLUMNS]
