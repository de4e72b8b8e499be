"""Census geography: states (with territories) and, later, counties."""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import paths

COUNTY_5M = "census/cb_2024_us_county_5m.shp"


@lru_cache(maxsize=None)
def _state_frame(root: str) -> pd.DataFrame:
    import pyogrio

    df = pyogrio.read_dataframe(paths.raw_dir() / COUNTY_5M, read_geometry=False,
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
