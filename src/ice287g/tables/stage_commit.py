"""One stage commit: the tables a stage computed pass its QA gate, are written together, and its QA rows recorded.

Every stage (a notebook, or the package function that writes its tables) hands what it computed to
``commit`` and writes no table itself. The order is fixed here, once:

1. **gate**: a ``fail`` row among the stage's checks raises ``qa.QAFailure`` naming every failed check,
   before any file is touched, so a failing stage leaves the previous outputs (and the QA summary of the
   last good run) in place; the failed rows, with their values, are in the message;
2. **write**: every table is checked against its schema and sorted before the first file is written
   (a mismatch writes nothing), then each goes to a temporary file beside its target, and the temporary
   files are renamed onto their targets only once every one is written;
3. **record**: the stage's rows replace its rows of ``data/qa/qa_summary.csv``.

A stage that writes more tables later (after plotting, say) commits them with no checks: its gate
already ran. Above the stage, the runner makes a whole run of notebooks all or nothing
(``build.pipeline.staged_run``).
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core import files
from . import qa, writers


@dataclass(frozen=True)
class Table:
    """One output of a stage: its rows and their order (``sort_by``; None: the table's primary key, else
    every column). A ``.gpkg`` target is written as one layer named after the file."""

    frame: pd.DataFrame
    sort_by: Sequence[str] | None = None


def saver(target: Path) -> Callable[[pd.DataFrame, Path], None]:
    """What writes a table bound for ``target`` to a (temporary) path, by ``target``'s suffix."""
    if target.suffix == ".csv":
        return writers.save_csv
    if target.suffix == ".parquet":
        return writers.save_parquet
    if target.suffix == ".gpkg":
        return functools.partial(writers.save_gpkg, layer=target.stem)
    raise ValueError(f"no writer for {target.name}: a stage writes .csv, .parquet or .gpkg tables")


def commit(stage: str, tables: Mapping[Path, Table | pd.DataFrame], checks: pd.DataFrame | None = None) -> list[Path]:
    """Gate ``checks`` (the stage's QA rows), write ``tables`` (target path → rows) all or none, record
    ``checks`` as ``stage``'s rows of the QA summary; return the targets written. See the module's doc."""
    if checks is not None:
        qa.gate(checks, stage)
    outputs = {Path(target): t if isinstance(t, Table) else Table(t) for target, t in tables.items()}
    savers = {target: saver(target) for target in outputs}
    prepared = {target: writers.prepared(t.frame, target, t.sort_by) for target, t in outputs.items()}
    # each atomic_path renames its file when the stack closes, after every file is written; an
    # exception on the way removes every temporary file and renames none
    with contextlib.ExitStack() as stack:
        for target, out in prepared.items():
            savers[target](out, stack.enter_context(files.atomic_path(target)))
    if checks is not None:
        qa.upsert_summary(checks, stage)
    return list(prepared)
