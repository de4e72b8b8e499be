"""What is in force on a date: the processed tables, the list in force, and counts on it.

Reads the processed tables of this run's output folder (a parameterized run writes under
``reports/``), falling back to the committed ones.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from . import paths
from .lists import _order
from .states import parse_states
from .vocab import MODELS


@lru_cache(maxsize=8)
def _processed(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def processed(name: str) -> pd.DataFrame:
    """A processed table: from this run's output folder if it wrote one (a report run), else the committed one."""
    for base in (paths.processed_dir(), paths.project_root() / "data" / "processed"):
        if (base / name).exists():
            return _processed(str(base / name))
    raise FileNotFoundError(f"data/processed/{name} is missing: run `make all` (notebook 01_agreement_history)")


def _series(kind: str) -> pd.DataFrame:
    lists = processed("lists.csv")
    lists = lists[(lists["list_kind"] == kind) & (lists["in_series"] == "True")]
    return _order(lists)


def _list_for(as_of, kind: str) -> pd.Series:
    if kind not in ("participating", "pending"):
        raise ValueError(f"kind must be 'participating' or 'pending', not {kind!r}")
    as_of = pd.Timestamp(as_of).date().isoformat()
    series = _series(kind)
    before = series[series["list_date"] <= as_of]
    if before.empty:
        raise ValueError(f"no {kind} list is dated on or before {as_of} (first is {series['list_date'].min()})")
    return before.iloc[-1]


def list_in_force(as_of, kind: str = "participating") -> tuple[str, str]:
    """``(list_date, source_file)`` of the newest list of ``kind`` dated on or before ``as_of``."""
    row = _list_for(as_of, kind)
    return row["list_date"], row["source_file"]


def count(as_of, *, model=None, state=None, unit="agreements", kind="participating") -> int:
    """Agreements, agencies or states on the list in force at ``as_of`` (territories count as states)."""
    if unit not in ("agreements", "agencies", "states"):
        raise ValueError(f"unit must be agreements, agencies or states, not {unit!r}")
    lst = _list_for(as_of, kind)
    rows = processed("list_rows.csv")
    rows = rows[rows["list_id"] == lst["list_id"]]
    if model:
        model = str(model).upper()
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, not {model!r}")
        rows = rows[rows["model"] == model]
    if state:
        rows = rows[rows["state"].isin(parse_states(state))]
    if unit == "agreements":
        return int(len(rows))
    return int(rows["agency_id"].nunique() if unit == "agencies" else rows["state"].nunique())
