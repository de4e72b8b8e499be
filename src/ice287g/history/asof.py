"""What is in force on a date: the processed tables, the 287(g) list and the detention release in force,
and counts on the list.

One rule answers every "in force on date X" question, for lists and releases alike
(``newest_on_or_before``): the newest one dated on or before X, refused (``StaleError``, a
``LookupError``) when it is older than ``max_age_days`` at X. The default bound is the project's gap
threshold (``vocab.GAP_DAYS``): across an archive gap the newest list says nothing about X.
``max_age_days=None`` accepts any age. Every as-of lookup of the package, the notebooks and the
parameter checks goes through ``list_row_for`` or ``release_row_for``, which also take ``newest``.

Processed tables are read from this run's output folder (a parameterized run writes under
``reports/``), falling back to the committed ones when the run did not write them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..core import paths
from ..ingest.lists import series_lists
from ..core.states import parse_states
from ..core.vocab import GAP_DAYS, MODELS


class StaleError(LookupError):
    """The newest list or release on or before a date is older than the age bound at that date: the date
    falls inside an archive gap. ``str()`` is the message for the record (QA tables keep it); ``gap``
    says it to a user who gave the date."""

    def __init__(self, message: str, *, as_of: str, found: str, label: str, age_days: int, max_age_days: int,
                 what: str = "list or release"):
        super().__init__(message)
        self.as_of, self.found, self.label, self.age_days, self.max_age_days, self.what = (
            as_of, found, label, age_days, max_age_days, what)

    @property
    def gap(self) -> str:
        return (f"{self.as_of} falls inside an archive gap: the newest {self.what} on or before it is "
                f"{self.label}, {self.age_days} days old, more than the gap threshold of {self.max_age_days} days")


def _output_path(folder: str, name: str) -> Path:
    """A table of ``data/<folder>/``: this run's output folder if it wrote one (a report run), else the committed one."""
    for base in (paths.output_root(), paths.project_root()):
        if (base / "data" / folder / name).exists():
            return base / "data" / folder / name
    raise FileNotFoundError(f"data/{folder}/{name} is missing: run `make all` (the notebook that writes it)")


def processed_path(name: str) -> Path:
    """Path of a processed table (see ``_output_path`` for which copy)."""
    return _output_path("processed", name)


@lru_cache(maxsize=16)
def _read_text_table(path: str, size: int, mtime_ns: int) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _processed(path: str) -> pd.DataFrame:
    """The table at ``path``, read once per process while the file keeps its size and mtime: a process
    that runs many notebooks (the state reports reuse one kernel) reads each table once, and a file
    rewritten meanwhile is read again, never served stale."""
    st = Path(path).stat()
    return _read_text_table(path, st.st_size, st.st_mtime_ns)


def read_processed(name: str) -> pd.DataFrame:
    """A processed table, every column as text (see ``processed_path`` for which copy). The frame is
    shared by every caller in the process: callers copy before they change it."""
    return _processed(str(processed_path(name)))


def qa_table(name: str) -> pd.DataFrame:
    """A QA table of ``data/qa/``, every column as text, from the same copy a processed table would come from."""
    return _processed(str(_output_path("qa", name)))


def iso_date(as_of) -> str:
    """A date parameter as ``YYYY-MM-DD``."""
    return pd.Timestamp(as_of).date().isoformat()


def newest_on_or_before(table: pd.DataFrame, as_of, *, date_column: str, what: str, label=None,
                        max_age_days: int | None = GAP_DAYS) -> pd.Series | None:
    """The last row of ``table`` (ordered oldest first) dated on or before ``as_of``; ``None`` when none is
    that early. Raises ``StaleError`` naming the row (``label(row)``, else its date) and its age when it is
    more than ``max_age_days`` older than ``as_of``."""
    as_of = iso_date(as_of)
    before = table[table[date_column] <= as_of]
    if before.empty:
        return None
    row = before.iloc[-1]
    found = row[date_column]
    age = (pd.Timestamp(as_of) - pd.Timestamp(found)).days
    if max_age_days is not None and age > max_age_days:
        name = label(row) if label else found
        raise StaleError(f"the newest {what} on or before {as_of} is {name}, {age} days old: older than "
                         f"max_age_days={max_age_days}, so it cannot speak for {as_of} (pass max_age_days=None "
                         "to accept it anyway)", as_of=as_of, found=found, label=name, age_days=age,
                         max_age_days=max_age_days, what=what)
    return row


def _list_label(row: pd.Series) -> str:
    return f"the list of {row['list_date']} ({row['source_file']})"


def list_row_for(lists: pd.DataFrame, as_of, kind: str = "participating",
                 max_age_days: int | None = GAP_DAYS) -> pd.Series:
    """The row of ``lists`` (a ``lists.csv`` table) for the series list of ``kind`` in force at ``as_of``
    (``newest``: the newest of the series)."""
    if kind not in ("participating", "pending"):
        raise ValueError(f"kind must be 'participating' or 'pending', not {kind!r}")
    series = series_lists(lists, kind)
    if is_newest(as_of):
        return series.iloc[-1]
    row = newest_on_or_before(series, as_of, date_column="list_date", what=f"{kind} list", label=_list_label,
                              max_age_days=max_age_days)
    if row is None:
        raise ValueError(f"no {kind} list is dated on or before {iso_date(as_of)} (first is {series['list_date'].min()})")
    return row


def list_in_force(as_of, kind: str = "participating", max_age_days: int | None = GAP_DAYS) -> tuple[str, str]:
    """``(list_date, source_file)`` of the newest list of ``kind`` dated on or before ``as_of``; a
    ``StaleError`` (``LookupError``) when that list is more than ``max_age_days`` old at ``as_of``."""
    row = list_row_for(read_processed("lists.csv"), as_of, kind, max_age_days)
    return row["list_date"], row["source_file"]


def count(as_of, *, model=None, state=None, unit="agreements", kind="participating",
          max_age_days: int | None = GAP_DAYS) -> int:
    """Agreements, agencies or states on the list in force at ``as_of`` (territories count as states);
    refused like ``list_in_force`` when that list is too old."""
    if unit not in ("agreements", "agencies", "states"):
        raise ValueError(f"unit must be agreements, agencies or states, not {unit!r}")
    lst = list_row_for(read_processed("lists.csv"), as_of, kind, max_age_days)
    rows = read_processed("list_rows.csv")
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


def release_row_for(releases: pd.DataFrame, as_of, max_age_days: int | None = GAP_DAYS) -> pd.Series | None:
    """The row of ``releases`` (``release_date``, optionally ``source_file``) for the detention release in
    force at ``as_of`` (``newest``: the newest release); ``None`` when the archive holds no release that early."""
    ordered = releases.sort_values("release_date", kind="mergesort")
    if is_newest(as_of):
        return ordered.iloc[-1] if len(ordered) else None

    def label(row):
        return (f"the detention release of {row['release_date']}"
                + (f" ({row['source_file']})" if "source_file" in row.index else ""))

    return newest_on_or_before(ordered, as_of, date_column="release_date", what="detention release", label=label,
                               max_age_days=max_age_days)


def release_in_force(as_of, max_age_days: int | None = GAP_DAYS) -> tuple[str, str]:
    """``(release_date, source_file)`` of the newest detentionStats release on or before ``as_of``;
    a ``StaleError`` (``LookupError``) when it is more than ``max_age_days`` old at ``as_of``."""
    releases = read_processed("detention_releases.csv")
    row = release_row_for(releases, as_of, max_age_days)
    if row is None:
        raise ValueError(f"no detention release on or before {iso_date(as_of)} (first is {releases['release_date'].min()})")
    return row["release_date"], row["source_file"]


def is_newest(as_of) -> bool:
    """Whether an ``as_of`` parameter asks for the newest list or release rather than a date."""
    return str(as_of).lower() in ("newest", "latest", "none", "")
