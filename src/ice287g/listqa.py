"""Quality checks of the lists and the history: each compares the build with an independent reading."""
from __future__ import annotations

import re

import pandas as pd

from .states import state_lookup
from .fixes import squash
from .lists import _order
from .vocab import AGENCY_TYPES, MODEL_LABELS, MODELS


DROP_SHARE = 1 / 3  # a list losing more than this share of the previous one is suspicious


MANIFEST_COUNT_RE = re.compile(r"rows=(\d+); JEM=(\d+) \((\d+) states\); WSO=(\d+) \((\d+) states\); "
                               r"TFM=(\d+) \((\d+) states\); states=(\d+)(?: \([^)]*\))?; FL=(\d+); TX=(\d+)")


def manifest_expectations() -> pd.DataFrame:
    """Counts the archive's curators recorded in MANIFEST notes, per single-list file."""
    from . import sources

    inv = sources.manifest("ice_287g")
    out = []
    for rec in inv.itertuples(index=False):
        m = MANIFEST_COUNT_RE.search(rec.notes)
        if m:
            v = list(map(int, m.groups()))
            out.append({"source_file": rec.file, "rows": v[0], "JEM": v[1], "JEM_states": v[2], "WSO": v[3],
                        "WSO_states": v[4], "TFM": v[5], "TFM_states": v[6], "states": v[7], "FL": v[8], "TX": v[9]})
    return pd.DataFrame(out)


def suspicious_drops(lists: pd.DataFrame) -> pd.DataFrame:
    out = []
    for kind, part in _order(lists[lists["era"] != "stacked_2025"]).groupby("list_kind", sort=True):
        prev = None
        for r in part.itertuples(index=False):
            if prev is not None and prev.agreements and r.agreements < (1 - DROP_SHARE) * prev.agreements:
                out.append({"list_id": r.list_id, "list_date": r.list_date, "list_kind": kind,
                            "agreements": r.agreements, "previous_list_id": prev.list_id,
                            "previous_agreements": prev.agreements,
                            "change_pct": round(100 * (r.agreements - prev.agreements) / prev.agreements, 1),
                            "excluded": bool(r.excluded_reason), "excluded_reason": r.excluded_reason})
            prev = r
    cols = ["list_id", "list_date", "list_kind", "agreements", "previous_list_id", "previous_agreements",
            "change_pct", "excluded", "excluded_reason"]
    return pd.DataFrame(out, columns=cols)


def unknown_values(list_rows: pd.DataFrame) -> pd.DataFrame:
    """Every printed value that is not already canonical, with what it became and how often."""
    checks = [
        ("STATE", "state_printed", "state", lambda p, v: squash(p).upper() in (v,) or False),
        ("SUPPORT TYPE", "model_printed", "model", None),
        ("TYPE", "agency_type_printed", "agency_type", None),
        ("LAW ENFORCEMENT AGENCY", "agency_printed", "agency", None),
    ]
    canonical_models = {k.title(): v for k, v in MODEL_LABELS.items()}
    frames = []
    for column, printed, value, _ in checks:
        df = list_rows[[printed, value, "source_file", "row"]].rename(columns={printed: "printed", value: "value"})
        if column == "STATE":
            known = set(state_lookup())
            odd = ~df["printed"].str.upper().isin(known)  # case alone is not worth a row
        elif column == "SUPPORT TYPE":
            odd = ~df["printed"].isin(canonical_models) & (df["printed"] != "")
        elif column == "TYPE":
            odd = ~df["printed"].isin(AGENCY_TYPES) & (df["printed"] != "")
        else:
            odd = df["printed"] != df["value"]
        df = df[odd]
        if df.empty:
            continue
        g = df.groupby(["printed", "value"]).agg(rows=("row", "size"), files=("source_file", "nunique"),
                                                  first_file=("source_file", "min")).reset_index()
        g.insert(0, "column", column)
        frames.append(g)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["column", "printed", "value", "rows", "files", "first_file"])
    return out.rename(columns={"value": "normalized"})


def qa_summary(list_rows, lists, skipped, qa: dict) -> pd.DataFrame:
    checks = []

    def add(check, scope, value, expected, status):
        checks.append({"check": check, "scope": scope, "value": str(value), "expected": str(expected),
                       "status": status})

    counts = list_rows.groupby("list_id").size()
    for r in lists.itertuples(index=False):
        got = int(counts.get(r.list_id, 0))
        if r.era == "fact_sheet" or r.era == "partners_page" or r.era == "stacked_2025":
            want = r.rows - r.skipped_rows if r.sheet else None
        else:
            want = r.rows - r.skipped_rows
        if want is not None:
            add("agreements_equal_raw_rows_minus_skipped", r.list_id, got, want, "pass" if got == want else "fail")
        if r.rows - r.skipped_rows == 0:
            add("empty_list", r.list_id, 0, "header only: a valid empty list", "info")
    expected = manifest_expectations()
    by_file = list_rows.groupby("source_file")
    for e in expected.itertuples(index=False):
        if e.source_file not in by_file.groups:
            got = {k: 0 for k in ("rows", *MODELS, "FL", "TX", "states")}
        else:
            df = by_file.get_group(e.source_file)
            got = {"rows": len(df), "FL": int((df["state"] == "FL").sum()), "TX": int((df["state"] == "TX").sum()),
                   "states": int(df["state"].nunique())}
            for m in MODELS:
                got[m] = int((df["model"] == m).sum())
        for k in ("rows", *MODELS, "FL", "TX", "states"):
            want = getattr(e, k)
            add(f"manifest_{k}", e.source_file, got[k], want, "pass" if got[k] == want else "fail")
    add("skipped_rows", "all lists", len(skipped), "reported in data/qa/skipped_rows.csv", "info")
    add("unknown_values", "all lists", len(qa["unknown_values"]), "each normalized by a rule or fix", "info")
    add("suspicious_drops", "all lists", len(qa["suspicious_drops"]),
        "flagged; excluded only via data/hand/excluded_lists.csv", "info")
    add("identity_candidates", "agencies", len(qa["identity_candidates"]), "reviewed by hand; never auto-merged",
        "info")
    add("unused_fixes", "data/hand", len(qa["unused_fixes"]), 0, "pass" if qa["unused_fixes"].empty else "info")
    dup_rows = list_rows.duplicated(["list_id", "agency_id", "model", "signed"]).sum()
    add("duplicate_agreement_rows", "all lists", int(dup_rows), "same agency, model and date twice on one list",
        "info")
    return pd.DataFrame(checks, columns=["check", "scope", "value", "expected", "status"])
