"""The one reader of ``data/hand/*.csv``: every hand table is read here, checked for shape and for keys.

People edit these tables in a text editor or a spreadsheet, so an error names the file and the line as
an editor shows it (1-based, the header is line 1, a quoted field spanning lines counts every line).
Each table's key is declared once, in ``HAND_KEYS``, with the normalization its user applies when it
looks a row up: two rows whose keys agree after it would silently make the later one win, so they stop
the build instead, naming both lines.
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import paths


class HandError(ValueError):
    """A hand table that cannot be read as it stands: malformed, a duplicate key, a missing column.
    Readers pass their own error type (FixError, ListError ...) to keep what their callers catch."""


# Folds every table may use. A fold that belongs to a module reading hand tables (the fix tables'
# lookup, geography's place-name key, identity's agency key) is passed in by that reader, so this
# module imports none of its users.
BUILTIN_FOLDS: dict[str, Callable[[str], str]] = {"strip": str.strip, "upper": lambda v: v.strip().upper()}


@dataclass(frozen=True)
class Key:
    """The columns that identify a row and, per column, the name of the fold applied before comparing
    (the one the table's user applies when it looks a row up). ``unordered`` columns form a set:
    (a, b) and (b, a) are the same key."""

    columns: tuple[str, ...]
    folds: tuple[str, ...]
    unordered: tuple[str, ...] = ()

    def of(self, row: dict, folds: dict) -> tuple:
        folded = {c: folds[f](row[c]) for c, f in zip(self.columns, self.folds)}
        fixed = tuple(v for c, v in folded.items() if c not in self.unordered)
        return fixed + ((frozenset(folded[c] for c in self.unordered),) if self.unordered else ())


_STATE_FIX = Key(("state", "value"), ("upper", "fix"))
_FIX = Key(("value",), ("fix",))
_STATE_PLACE = Key(("state", "value"), ("upper", "place"))

HAND_KEYS: dict[str, Key] = {
    "agency_counties.csv": _STATE_PLACE,
    # one decision per pair of printed agreement forms (corrections.find looks pairs up as printed)
    "agreement_corrections.csv": Key(("agreement_before", "agreement_after"), ("strip", "strip")),
    "agency_name_fixes.csv": _STATE_FIX,
    "agency_ori.csv": Key(("state", "agency"), ("upper", "agency")),  # roster matching looks names up by agency_key
    "agency_type_fixes.csv": _FIX,
    "aliases.csv": _STATE_FIX,
    "blank_state_fixes.csv": _FIX,
    "county_fixes.csv": _STATE_PLACE,
    "date_fixes.csv": _FIX,
    "distinct_agencies.csv": Key(("state", "agency_a", "agency_b"), ("upper", "agency", "agency"),
                                 unordered=("agency_a", "agency_b")),
    "facility_operators.csv": Key(("facility", "state"), ("facility", "upper")),  # operators.join_key folds names
    "jurisdiction_levels.csv": _STATE_PLACE,
    "list_decisions.csv": Key(("list_id",), ("strip",)),
    "model_fixes.csv": _FIX,
    "news_claims.csv": Key(("claim_id",), ("strip",)),
    "pending_state_fixes.csv": Key(("state", "agency"), ("upper", "agency")),  # pending_states.state_corrections: by agency_key
    "raw_as_of_dates.csv": Key(("source", "value"), ("strip", "strip")),  # one date per vendored file
    "program_events.csv": Key(("short_label",), ("strip",)),  # charts and milestones look events up by label
    "state_fixes.csv": _FIX,
    "statewide_agency_roles.csv": _STATE_PLACE,
    "superseded_files.csv": Key(("source", "file"), ("strip", "strip")),
    "unplaced_reasons.csv": _STATE_PLACE,
    "wanted_files.csv": Key(("ice_file_name",), ("strip",)),  # `update --wanted` fetches each name once
}


def path_of(name: str) -> Path:
    return paths.hand_dir() / name


def _label(name: str, path: Path | None) -> str:
    return f"data/hand/{name}" if path is None else paths.relative(path)


def _records(path: Path, label: str, error: type[Exception]) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and the editor line each row starts on; blank lines are skipped as pandas skips them."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise error(f"{label} line {line}: not UTF-8 text ({exc.reason})") from None
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    header, rows, lines = None, [], []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise error(f"{label} line {start}: a quote opened on this line is never closed") from None
            raise error(f"{label} line {reader.line_num}: malformed CSV ({exc})") from None
        if not record:
            continue
        if header is None:
            header = [c.strip() for c in record]
            dup = sorted({c for c in header if header.count(c) > 1})
            if dup:
                raise error(f"{label} line {start}: column(s) {dup} appear more than once in the header")
            continue
        if len(record) != len(header):
            raise error(f"{label} line {start}: {len(record)} field(s) where the header (line 1) has "
                        f"{len(header)}; a comma inside a value needs the value in double quotes")
        rows.append(record)
        lines.append(start)
    if header is None:
        raise error(f"{label}: empty file, not even a header")
    return header, rows, lines


def read_hand_table(name: str, path: Path | str | None = None, *, folds: dict | None = None, missing_ok: bool = False,
               error: type[Exception] = HandError) -> pd.DataFrame | None:
    """Hand table ``name`` (``data/hand/name``, or the same kind of table at ``path``) as a DataFrame of
    strings, its rows' editor line numbers in ``attrs["lines"]``. A missing file is an error unless
    ``missing_ok`` (then None). Stops, raising ``error`` with the file and line, on a malformed CSV,
    a missing key column, or two rows with the same key under ``HAND_KEYS[name]`` (``folds`` supplies
    the reader's own folds that key names)."""
    if name not in HAND_KEYS:
        raise HandError(f"data/hand/{name}: no key declared in hand.HAND_KEYS; declare one before reading it")
    key = HAND_KEYS[name]
    folds = {**BUILTIN_FOLDS, **(folds or {})}
    lacking = sorted(set(key.folds) - set(folds))
    if lacking:
        raise HandError(f"data/hand/{name}: its key folds with {lacking}; the reader must pass them (folds=)")
    label = _label(name, None if path is None else Path(path))
    path = path_of(name) if path is None else Path(path)
    if not path.is_file():
        if missing_ok:
            return None
        raise error(f"{label}: file not found")
    header, rows, lines = _records(path, label, error)
    missing = [c for c in key.columns if c not in header]
    if missing:
        raise error(f"{label}: needs key column(s) {missing}, has {header}")
    df = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
    seen: dict[tuple, int] = {}
    for line, record in zip(lines, df[list(key.columns)].to_dict("records")):
        k = key.of(record, folds)
        if k in seen:
            first = seen[k]
            printed = ", ".join(f"{c}={record[c]!r}" for c in key.columns)
            raise error(f"{label}: lines {first} and {line} have the same key ({printed}, compared as "
                        f"{_show(k)}); keep one row")
        seen[k] = line
    df.attrs["lines"] = lines
    return df


def _show(key: tuple) -> str:
    return repr(tuple(sorted(k) if isinstance(k, frozenset) else k for k in key))


def lines(df: pd.DataFrame) -> list[int]:
    """Editor line of each row of a table ``read_hand_table`` returned (row i of the file after its header
    when the frame carries no line numbers)."""
    return list(df.attrs.get("lines") or range(2, len(df) + 2))


def tables() -> list[str]:
    """Every hand table on disk."""
    return sorted(p.name for p in paths.hand_dir().glob("*.csv"))
