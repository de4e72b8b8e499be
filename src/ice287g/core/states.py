"""States, DC and territories: names and codes from the 2024 Census county file.

Its own module so that reading the lists needs no map geometry: ``agreements`` imports this, never
``geography``.
"""
from __future__ import annotations

import sys
from functools import lru_cache

import pandas as pd
import pyogrio

from . import paths
from .messages import FixError
from .text import squash

COUNTY_5M = "census/cb_2024_us_county_5m.shp"


class GeographyError(FixError):
    """A Census file that is missing or unreadable."""


def census_file(relative: str):
    """Path of a vendored Census file; a missing one stops with its name (and its sidecars' names)."""
    path = paths.raw_dir() / relative
    needed = [path] + ([path.with_suffix(s) for s in (".shx", ".dbf", ".prj")] if path.suffix == ".shp" else [])
    missing = [paths.relative(p) for p in needed if not p.exists()]
    if missing:
        raise GeographyError(f"Census file(s) missing: {missing} (vendored from ../shared/data/raw/census; "
                             "`python -m ice287g import-raw ../shared/data/raw`)")
    # GDAL (pyogrio) opens shapefiles in C, where Python's audit hooks never see it: the read is announced
    # here, so that what a notebook reads is recorded (kernel.record_opens) whichever library reads it
    for p in needed:
        sys.audit("open", str(p), "rb", 0)
    return path


@lru_cache(maxsize=None)
def _state_frame(root: str) -> pd.DataFrame:
    df = pyogrio.read_dataframe(census_file(COUNTY_5M), read_geometry=False,
                                columns=["STATEFP", "STUSPS", "STATE_NAME"])
    df = df.drop_duplicates().rename(columns={"STATEFP": "state_fips", "STUSPS": "state", "STATE_NAME": "state_name"})
    return df.sort_values("state_fips").reset_index(drop=True)


def states() -> pd.DataFrame:
    """Every state, DC and territory in the 2024 Census county file: state_fips, state, state_name."""
    return _state_frame(str(paths.project_root())).copy()


def state_lookup() -> dict[str, str]:
    """Upper-case full name or two-letter code -> two-letter code. Territories under their short names too."""
    lookup = {}
    for row in states().itertuples(index=False):
        name = row.state_name.upper()
        lookup[name] = row.state
        lookup[row.state] = row.state
        for prefix in ("COMMONWEALTH OF THE ", "UNITED STATES "):
            if name.startswith(prefix):
                lookup[name[len(prefix):]] = row.state
    lookup["U.S. VIRGIN ISLANDS"] = "VI"
    return lookup


def state_names() -> dict[str, str]:
    """Two-letter code -> the Census name ("TX" -> "Texas")."""
    return dict(zip(states()["state"], states()["state_name"]))


def parse_states(state: str) -> list[str]:
    """Codes of a ';'-separated list of state names or codes; an unknown one is an error."""
    lookup = state_lookup()
    out = []
    for part in str(state).split(";"):
        key = squash(part).upper()
        if key not in lookup:
            raise ValueError(f"unknown state {part!r}")
        out.append(lookup[key])
    return out
