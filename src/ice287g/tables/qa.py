"""The QA gate every stage passes through: a check that fails stops the build.

Each stage computes its checks as rows ``check, scope, value, expected, status`` (status ``pass``,
``fail`` or ``info``) and hands them, with its computed tables, to ``stage_commit.commit``, which runs
``gate`` before writing any table and ``upsert_summary`` after. ``info`` rows are
reported, never fatal; a ``fail`` raises ``QAFailure`` naming every failed check.

Every stage's rows go into one file, ``data/qa/qa_summary.csv``, tagged with the stage (the notebook
name): a stage replaces only its own rows, so running one stage alone leaves the others' checks as
they were.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..core import paths
from . import writers

FAILURES_SHOWN = 20  # a failure message long enough to act on, short enough to read
QA_COLUMNS = ["check", "scope", "value", "expected", "status"]
STATUSES = ("pass", "fail", "info")
SUMMARY = "qa_summary.csv"
SUMMARY_COLUMNS = ["stage", *QA_COLUMNS]


class QAFailure(RuntimeError):
    """One or more QA checks of a stage failed."""


def check_row(check: str, scope: str, value, expected, status: str) -> dict:
    if status not in STATUSES:
        raise ValueError(f"QA status must be one of {STATUSES}, not {status!r}")
    return {"check": check, "scope": scope, "value": str(value), "expected": str(expected), "status": status}


def listing(df: pd.DataFrame, cols, limit: int = 5) -> str:
    """The first ``limit`` rows of ``df`` as ``a/b/c`` of ``cols``, for a check's value (how many in all, if more)."""
    items = ["/".join(str(v) for v in row) for row in df[list(cols)].itertuples(index=False)]
    return "; ".join(items[:limit]) + (f"; … ({len(items)} in all)" if len(items) > limit else "")


def gate(checks: pd.DataFrame, stage: str) -> None:
    """Raise ``QAFailure`` if any check failed; the message lists the first ``FAILURES_SHOWN``. It names no
    file: a stage that fails its gate commits nothing, so the committed summary holds the last good run."""
    failed = checks[checks["status"] == "fail"]
    if len(failed):
        shown = f", the first {FAILURES_SHOWN} shown" if len(failed) > FAILURES_SHOWN else ""
        raise QAFailure(f"{stage}: {len(failed)} QA check(s) failed{shown}:\n"
                        + failed[QA_COLUMNS].head(FAILURES_SHOWN).to_string(index=False))


def upsert_summary(rows: pd.DataFrame, stage: str) -> Path:
    """Replace ``stage``'s rows of ``data/qa/qa_summary.csv`` by ``rows``, keeping every other stage's.

    Starts from this run's summary, else the committed one (``writers.upsert_base``). A summary written
    before rows carried their stage has no ``stage`` column; its rows are dropped (a full build restores
    them), as no rule can tell whose they are."""
    if not stage:
        raise ValueError("upsert_summary needs the stage (notebook name) the rows belong to")
    target = paths.qa_dir() / SUMMARY
    base = writers.upsert_base(target)
    old = pd.read_csv(base, dtype=str, keep_default_na=False) if base.exists() else None
    if old is None or "stage" not in old.columns:
        old = pd.DataFrame(columns=SUMMARY_COLUMNS)
    new = rows[QA_COLUMNS].astype(str).assign(stage=stage)[SUMMARY_COLUMNS]
    kept = old.loc[old["stage"] != stage, SUMMARY_COLUMNS]
    return writers.write_csv(pd.concat([kept, new], ignore_index=True), target, sort_by=["stage", "check", "scope"])
