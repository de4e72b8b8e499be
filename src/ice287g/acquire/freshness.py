"""Is the archive current? Each source's newest raw file and its age, for ``update --check DAYS``.

Read from the raw manifests (not the processed tables), so the check speaks for what ``update`` landed
even before ``make all`` has run. The age is counted to today's date: this is a command-line check, never
a build output, so the clock is allowed here (tests pass ``today``).

Only ICE's participating lists and its detention workbooks can fail the check: those are the series
ICE is expected to keep publishing. The pending lists, TRAC's snapshots and the Census geography are
shown for context.
"""
from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from typing import Callable, TextIO

import pandas as pd
from ..ingest.lists import MANIFEST_LIST_KINDS
from ..detention.detention import WORKBOOK_KIND
from ..archive.manifests import inventory as raw_inventory

DETENTION_LABEL = "ICE detention statistics workbooks"


@dataclass(frozen=True)
class Source:
    """A source's label, which manifest rows are its files, and whether a stale one fails the check."""

    label: str
    rows: Callable[[pd.DataFrame], pd.Series]
    gates: bool


def _list_kinds(list_kind: str) -> set[str]:
    return {k for k, v in MANIFEST_LIST_KINDS.items() if v == list_kind}


def sources_checked() -> tuple[Source, ...]:
    participating, pending = _list_kinds("participating"), _list_kinds("pending")
    return (
        Source("ICE 287(g) participating lists", lambda inv: inv["kind"].isin(participating), True),
        Source("ICE 287(g) pending lists", lambda inv: inv["kind"].isin(pending), False),
        Source(DETENTION_LABEL, lambda inv: inv["kind"] == WORKBOOK_KIND, True),
        Source("TRAC detention snapshots", lambda inv: inv["source"] == "trac", False),
        Source("Census geography", lambda inv: inv["source"] == "census", False),
    )


def source_ages(inventory: pd.DataFrame, today: dt.date, days: int) -> pd.DataFrame:
    """One row per source: ``source, newest, file, age_days, gates, stale`` (``stale`` only where a stale
    source fails the check; a source without any file is stale when it gates)."""
    out = []
    for src in sources_checked():
        part = inventory[src.rows(inventory)].sort_values(["as_of_date", "file"], kind="mergesort")
        if part.empty:
            out.append({"source": src.label, "newest": "", "file": "", "age_days": None, "gates": src.gates,
                        "stale": src.gates})
            continue
        last = part.iloc[-1]
        age = (today - dt.date.fromisoformat(last["as_of_date"])).days
        out.append({"source": src.label, "newest": last["as_of_date"], "file": f"{last['source']}/{last['file']}",
                    "age_days": age, "gates": src.gates, "stale": src.gates and age > days})
    return pd.DataFrame(out)


def report_lines(ages: pd.DataFrame, days: int) -> list[str]:
    lines = []
    width = max(len(s) for s in ages["source"])
    for r in ages.itertuples(index=False):
        if not r.newest:
            lines.append(f"{r.source:<{width}}  no file in the archive")
            continue
        flag = f"  STALE: older than {days} days" if r.stale else ("" if r.gates else "  (not checked)")
        lines.append(f"{r.source:<{width}}  {r.newest}  {r.age_days:>5} days old  {r.file}{flag}")
    stale = ages[ages["stale"]]
    for r in stale.itertuples(index=False):
        if r.source == DETENTION_LABEL:
            lines.append(
                "The detention workbooks are stale: ICE may have stopped publishing its detention statistics "
                "(an appropriations act reportedly no longer requires them). Look at "
                "https://www.ice.gov/detain/detention-management by hand before trusting any detention "
                "figure as current.")
        else:
            lines.append(f"{r.source}: nothing newer than {days} days in the archive; run "
                         "`python -m ice287g update`, and if it finds nothing new, look at "
                         "https://www.ice.gov/identify-and-arrest/287g by hand (has ICE stopped publishing, "
                         "or moved the page?).")
    lines.append(f"check: {'FAILED' if len(stale) else 'ok'} ({len(stale)} checked source(s) older than "
                 f"{days} days)")
    return lines


def check(days: int, *, today: dt.date | None = None, out: TextIO | None = None,
          inventory: pd.DataFrame | None = None) -> int:
    """Print each source's newest date and its age; return 1 (an exit code) when the 287(g) participating
    lists or the detention workbooks are older than ``days``, else 0."""
    if days < 0:
        raise ValueError(f"DAYS must be zero or more, not {days}")
    out = out or sys.stdout
    today = today or dt.date.today()
    inv = raw_inventory() if inventory is None else inventory
    ages = source_ages(inv, today, days)
    print(f"Newest raw file of each source, as of {today.isoformat()}:", file=out)
    for line in report_lines(ages, days):
        print(line, file=out)
    return 1 if ages["stale"].any() else 0
