"""The build's first check after ``verify-raw``: no quarantined raw file is left for a notebook to trip on.

``landing`` keeps a genuine ICE workbook that does not parse as its kind, with manifest ``status``
``quarantined`` (ICE replaces its files in place: refusing it could lose it for good). Every build asks
each such file again, with today's hand tables, whether it parses now: once a fix in ``data/hand`` makes
it parse it is read like any other file; one that a hand table takes out of the build
(``data/hand/list_decisions.csv`` for a list, ``data/hand/superseded_files.csv`` for a detention workbook)
is not asked. Any other stops the build before a kernel starts, one line per file.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import landing
from ..archive import manifests
from ..core import paths
from ..detention import detention
from ..ingest import lists


def excluded(source: str, rows: list[dict[str, str]], decisions: pd.DataFrame, superseded: pd.DataFrame) -> set[str]:
    """The files among ``rows`` (manifest rows of ``source``) that a hand table takes out of the build."""
    if source == "ice_detention":
        return {r["file"] for r in rows} & set(superseded["file"])
    return set(lists.quarantined_excluded(pd.DataFrame(rows, columns=list(rows[0]) if rows else []), decisions))


def quarantined_rows(folder: Path) -> list[dict[str, str]]:
    """The manifest rows of ``folder`` that landed quarantined."""
    if not (folder / manifests.MANIFEST).exists():
        return []
    return [r for r in manifests.read_manifest(folder) if (r.get("status") or "").strip() == manifests.QUARANTINED]


def stuck(raw: Path | None = None) -> list[str]:
    """One line per quarantined file that still does not parse and that no hand table excludes."""
    raw = Path(raw) if raw is not None else paths.raw_dir()
    lines = []
    for source in landing.LANDING_SOURCES:
        rows = quarantined_rows(raw / source)
        if not rows:
            continue
        out = excluded(source, rows, lists.list_decisions(), detention.superseded())
        for r in rows:
            if r["file"] in out:
                continue
            kind = landing.KIND_OF_MANIFEST[r["kind"]]
            where = f"data/raw/{source}/{r['file']}"
            problem = landing.parse_problem(raw / source / r["file"], kind)
            if problem:  # the line names the file once: the reader's own mention of it goes
                problem = problem.replace(f"{where}, ", "").replace(f"{where}: ", "")
                lines.append(f"{where}: quarantined, and still: {problem}; {landing.build_stops(kind, r['file'])}")
    return lines
