"""The QA gate every stage passes through: a check that fails stops the build.

Each stage computes its checks as rows ``check, scope, value, expected, status`` (status ``pass``,
``fail`` or ``info``) and hands them to ``gate`` once its tables are computed. ``info`` rows are
reported, never fatal; a ``fail`` raises ``QAFailure`` naming every failed check.
"""
from __future__ import annotations

import pandas as pd

FAILURES_SHOWN = 20  # a failure message long enough to act on, short enough to read
QA_COLUMNS = ["check", "scope", "value", "expected", "status"]
STATUSES = ("pass", "fail", "info")


class QAFailure(RuntimeError):
    """One or more QA checks of a stage failed."""


def check_row(check: str, scope: str, value, expected, status: str) -> dict:
    if status not in STATUSES:
        raise ValueError(f"QA status must be one of {STATUSES}, not {status!r}")
    return {"check": check, "scope": scope, "value": str(value), "expected": str(expected), "status": status}


def gate(checks: pd.DataFrame, stage: str) -> None:
    """Raise ``QAFailure`` if any check failed; the message lists the first ``FAILURES_SHOWN`` and where to look."""
    failed = checks[checks["status"] == "fail"]
    if len(failed):
        raise QAFailure(f"{stage}: {len(failed)} QA check(s) failed (see data/qa/qa_summary.csv):\n"
                        + failed[QA_COLUMNS].head(FAILURES_SHOWN).to_string(index=False))
