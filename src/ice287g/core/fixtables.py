"""Keyed correction tables in ``data/hand/`` (``value, fix, reason``, optionally keyed by ``state``).

Raw files are never edited: a correction is a row here, keyed on the erroneous value as printed.
Every table records which rows were used, so a fix that matches nothing can be reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import hand
from .keys import fix_key
from .messages import FixError


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
