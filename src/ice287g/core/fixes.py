"""Keyed correction tables in ``data/hand/`` (``value, fix, reason``, optionally keyed by ``state``).

Raw files are never edited: a correction is a row here, keyed on the erroneous value as printed.
Every table records which rows were used, so a fix that matches nothing can be reported.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from . import hand


class FixError(ValueError):
    """A hand table or a raw value that cannot be used as it stands."""


def location(source: str, file: str, sheet: str | None = None, row: int | None = None,
             column: str | None = None) -> str:
    """Where a raw value sits, as every error message names it: file, sheet, row (as in Excel), column."""
    parts = [f"data/raw/{source}/{file}"]
    if sheet is not None:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column}")
    return ", ".join(parts)


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=None)
def squash_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _SPACES.sub(" ", text).strip()


def squash(value) -> str:
    """Text of a cell: NFKC, curly quotes straight, non-breaking spaces gone, spaces collapsed."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return squash_text(value if isinstance(value, str) else str(value))


def fix_key(value: str) -> str:
    """How a fix table looks a value up: squashed, upper-cased."""
    return squash(value).upper()


@dataclass
class FixTable:
    """A keyed correction table (``value, fix, reason``, optionally keyed by ``state`` too)."""

    name: str
    keyed_by_state: bool
    fixes: dict = field(default_factory=dict)
    used: set = field(default_factory=set)

    @classmethod
    def load(cls, name: str) -> FixTable:
        df = hand.read_hand_table(name, folds={"fix": fix_key}, missing_ok=True, error=FixError)
        if df is None:
            return cls(name, False)
        required = {"value", "fix", "reason"}
        if not required <= set(df.columns):
            raise FixError(f"data/hand/{name}: needs columns {sorted(required)}, has {list(df.columns)}")
        by_state = "state" in hand.HAND_KEYS[name].columns
        table = cls(name, by_state)
        for i, r in zip(hand.lines(df), df.itertuples(index=False)):
            if not r.reason.strip():
                raise FixError(f"data/hand/{name} line {i}: every fix needs a reason")
            key = (r.state.strip().upper(), fix_key(r.value)) if by_state else fix_key(r.value)
            table.fixes[key] = r.fix
        return table

    def apply(self, value: str, state: str = "") -> str:
        key = (state, value.upper()) if self.keyed_by_state else value.upper()
        if key in self.fixes:
            self.used.add(key)
            return self.fixes[key]
        return value

    def unused(self) -> list[dict]:
        rows = []
        for key, fix in self.fixes.items():
            if key not in self.used:
                state, value = key if self.keyed_by_state else ("", key)
                rows.append({"table": f"data/hand/{self.name}", "state": state, "value": value, "fix": fix})
        return rows
