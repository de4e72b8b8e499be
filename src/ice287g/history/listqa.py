"""Quality checks of the lists and the history: each compares the build with an independent reading."""
from __future__ import annotations

import csv
import html
import re
from collections.abc import Collection
from pathlib import Path

import openpyxl
import pandas as pd

from ..archive import cache, manifests
from ..core.text import squash
from ..core.states import state_lookup
from ..core.vocab import AGENCY_TYPES, MODEL_LABELS, MODELS, SERIES_ERAS
from ..ingest.lists import (
    DECISIONS_FILE,
    HTML_SUFFIXES,
    ListError,
    in_list_order,
    list_location,
    quarantined_excluded,
    series_lists,
)
from ..ingest.moa_links import is_wayback, link_url, with_link_columns
from ..tables.qa import QA_COLUMNS, check_row
from .identity import agreement_ids

DROP_SHARE = 1 / 3  # a list losing more than this share of the previous list's agreements is suspicious


MANIFEST_COUNT_RE = re.compile(r"rows=(\d+); JEM=(\d+) \((\d+) states\); WSO=(\d+) \((\d+) states\); "
                               r"TFM=(\d+) \((\d+) states\); states=(\d+)(?: \([^)]*\))?; FL=(\d+); TX=(\d+)")


def manifest_expectations() -> pd.DataFrame:
    """Counts the archive's curators recorded in MANIFEST notes, per single-list file."""
    inv = manifests.manifest("ice_287g")
    out = []
    for rec in inv.itertuples(index=False):
        m = MANIFEST_COUNT_RE.search(rec.notes)
        if m:
            v = list(map(int, m.groups()))
            out.append({"source_file": rec.file, "rows": v[0], "JEM": v[1], "JEM_states": v[2], "WSO": v[3],
                        "WSO_states": v[4], "TFM": v[5], "TFM_states": v[6], "states": v[7], "FL": v[8], "TX": v[9]})
    return pd.DataFrame(out)


SUSPICIOUS_COLUMNS = ["list_id", "list_date", "list_kind", "case", "agreements", "previous_list_id",
                      "previous_agreements", "lost", "change_pct", "decision", "decision_reason", "status"]


def lost_agreements(previous: pd.DataFrame, current: pd.DataFrame) -> int:
    """Agreements of the previous list that the current one no longer shows: the same agency and model,
    or the same agency alone when either list prints no model (the partners page)."""
    return _lost(_list_keys(previous), _list_keys(current))


def _list_keys(rows: pd.DataFrame) -> tuple[bool, set, set]:
    """What ``_lost`` compares of one list: whether every row prints a model, its agencies and its
    (agency, model) pairs."""
    ids, models = rows["agency_id"].tolist(), rows["model"].tolist()
    return all(m != "" for m in models), set(ids), set(zip(ids, models))


def _lost(previous: tuple[bool, set, set], current: tuple[bool, set, set]) -> int:
    # a set difference of key tuples: what an anti-join counts, without a merge per pair of lists
    if previous[0] and current[0]:
        return len(previous[2] - current[2])
    return len(previous[1] - current[1])


def suspicious_drops(list_rows: pd.DataFrame, lists: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Lists a person must look at: an empty list, or one that loses more than ``DROP_SHARE`` of the
    agreements of the previous list of its kind in the series (a possible partial capture).

    A participating one stops the build (``status`` fail) until data/hand/list_decisions.csv accepts or
    excludes it; pending lists turn over that fast as applications move on, so theirs are ``info``. An
    excluded list is never the previous list of another: it is out of the series.
    """
    decided = decisions.set_index("list_id")
    # each list's size and keys once (a list is compared as current, then as previous)
    sizes = list_rows["list_id"].value_counts().to_dict()
    keys = {lid: _list_keys(rows) for lid, rows in list_rows.groupby("list_id", sort=False)}
    no_keys = (True, set(), set())
    out = []
    for kind, part in in_list_order(lists[lists["era"].isin(SERIES_ERAS)]).groupby("list_kind", sort=True):
        prev = None
        for r in part.itertuples(index=False):
            n = sizes.get(r.list_id, 0)
            decision = decided["decision"].get(r.list_id, "")
            case, lost, prev_n = "", 0, 0
            if n == 0:
                case = "empty"
            if prev is not None:
                prev_n = sizes.get(prev.list_id, 0)
                lost = _lost(keys.get(prev.list_id, no_keys), keys.get(r.list_id, no_keys)) if prev_n else 0
                if not case and prev_n and lost > DROP_SHARE * prev_n:
                    case = "drop"
            if case:
                out.append({
                    "list_id": r.list_id, "list_date": r.list_date, "list_kind": kind, "case": case,
                    "agreements": n, "previous_list_id": prev.list_id if prev is not None else "",
                    "previous_agreements": prev_n, "lost": lost,
                    "change_pct": round(100 * (n - prev_n) / prev_n, 1) if prev_n else 0.0,
                    "decision": decision, "decision_reason": decided["reason"].get(r.list_id, ""),
                    "status": "fail" if kind == "participating" and not decision else "info"})
            if decision != "exclude":
                prev = r
    return pd.DataFrame(out, columns=SUSPICIOUS_COLUMNS)


def decision_checks(lists: pd.DataFrame, suspicious: pd.DataFrame, decisions: pd.DataFrame,
                    unread: Collection[str] = ()) -> list[dict]:
    """QA rows for data/hand/list_decisions.csv: a decision on no list fails; an accept that no rule
    asks for any more is reported. ``unread`` are the ids of quarantined lists the build excludes unread
    (``lists.quarantined_excluded``): their decisions match a file, not a list the build read."""
    rows = []
    flagged = set(suspicious["list_id"])
    for d in decisions.itertuples(index=False):
        if d.decision == "exclude" and d.list_id in unread:
            rows.append(check_row("list_decision_matches_a_list", d.list_id, "exclude (a quarantined file, not read)",
                                  "a list_id of data/processed/lists.csv", "pass"))
        elif d.list_id not in set(lists["list_id"]):
            rows.append(check_row("list_decision_matches_a_list", d.list_id, "no such list",
                                  "a list_id of data/processed/lists.csv", "fail"))
        elif d.decision == "accept" and d.list_id not in flagged:
            rows.append(check_row("list_decision_matches_a_list", d.list_id, "accepted but not suspicious",
                                  "a decision only where a rule asks for one", "info"))
        else:
            rows.append(check_row("list_decision_matches_a_list", d.list_id, d.decision,
                                  "a list_id of data/processed/lists.csv", "pass"))
    return rows


# The date column a stacked CSV groups its lists by, by layout (the reader's own list of layouts is not reused).
STACKED_DATE_COLUMNS = ("capture_date", "as_of", "date")
DATE_TOD_RE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*(am|pm|mid)?")
AGENCY_HEADERS = ("LAW ENFORCEMENT AGENCY", "agency")
NO_AGENCY_COLUMN = -1
# Bump when the second count changes in a way this package's code does not show (the parse cache's
# key also hashes the code, so an edit here or in a module it imports recounts every workbook anyway).
READER_VERSION = 1


def _workbook_agency_cells(path: Path) -> dict[str, int]:
    """Non-blank cells under a LAW ENFORCEMENT AGENCY header, per sheet, read with openpyxl (the lists
    themselves are read with calamine), leaving out a repeated header."""
    manifests.check_workbook(path, ListError, list_location(path.name))
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            first = next(ws.iter_rows(max_row=1, values_only=True), ())
            header = [str(c).strip().upper() if c is not None else "" for c in first]
            if AGENCY_HEADERS[0] not in header:
                continue
            col = header.index(AGENCY_HEADERS[0]) + 1
            n = 0
            for (v,) in ws.iter_rows(min_row=2, min_col=col, max_col=col, values_only=True):
                text = " ".join(str(v).split()) if v is not None else ""
                if text and text.upper() != AGENCY_HEADERS[0]:
                    n += 1
            out[ws.title] = n
        return out
    finally:
        wb.close()


def _csv_agency_cells(path: Path) -> dict[tuple[str, str], int]:
    """Non-blank agency cells of a stacked CSV per (date, time of day) of its date column, read with the
    csv module (the lists themselves are read with pandas)."""
    counts: dict[tuple[str, str], int] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        date_col = next((c for c in STACKED_DATE_COLUMNS if c in (reader.fieldnames or [])), None)
        if date_col is None:
            return counts
        for rec in reader:
            m = DATE_TOD_RE.match((rec[date_col] or "").strip())
            key = (m.group(1), m.group(2) or "") if m else ((rec[date_col] or "").strip(), "")
            if (rec.get(AGENCY_HEADERS[1]) or "").strip():
                counts[key] = counts.get(key, 0) + 1
    return counts


HTML_ROW_RE = re.compile(r"<tr\b.*?(?=<tr\b|</table>)", re.S | re.I)
HTML_CELL_RE = re.compile(r"<t([dh])\b[^>]*>(.*?)(?=<t[dh]\b|</tr>|$)", re.S | re.I)


def _html_agency_cells(path: Path) -> int:
    """Non-blank cells under a LAW ENFORCEMENT AGENCY header in a saved HTML page, found with regular
    expressions (the list itself is read with html.parser), leaving out a repeated header."""
    def text(cell: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", cell)).split())

    page = path.read_text(encoding="utf-8", errors="replace")
    page = re.sub(r"<!--.*?-->|<(script|style|template|noscript)\b.*?</\1\s*>", " ", page, flags=re.S | re.I)
    for table in re.split(r"</table\s*>", page, flags=re.I):  # the first table with the header counts
        col, n = None, 0
        for row in HTML_ROW_RE.findall(table + "</table>"):
            cells = [text(c) for _, c in HTML_CELL_RE.findall(row)]
            upper = [c.upper() for c in cells]
            if AGENCY_HEADERS[0] in upper:
                col = upper.index(AGENCY_HEADERS[0]) if col is None else col
                continue
            if col is not None and col < len(cells) and cells[col]:
                n += 1
        if col is not None:
            return n
    return NO_AGENCY_COLUMN


def raw_agency_cells(lists: pd.DataFrame, raw_dir: Path) -> pd.DataFrame:
    """A second count of every list's agreements, straight from the raw file by another reader:
    ``list_id, source_file, agency_cells`` (``NO_AGENCY_COLUMN`` when the second reader finds none)."""
    out = []
    for source_file, part in lists.groupby("source_file", sort=True):
        path = Path(raw_dir) / source_file
        ids = part["list_id"].tolist()
        if path.suffix.lower() == ".xlsx":
            # openpyxl is slow: the count of each workbook is kept in the parse cache (``ice287g.cache``)
            cells = cache.cached("listqa", READER_VERSION, path, lambda: _workbook_agency_cells(path), code=__name__)
            counts = [cells.get(sheet, NO_AGENCY_COLUMN) for sheet in part["sheet"].tolist()]
        elif path.suffix.lower() in HTML_SUFFIXES:
            counts = [_html_agency_cells(path)] * len(ids)
        else:
            cells = _csv_agency_cells(path)
            counts = [cells.get(key, NO_AGENCY_COLUMN)
                      for key in zip(part["list_date"].tolist(), part["time_of_day"].tolist())]
        out.extend({"list_id": lid, "source_file": source_file, "agency_cells": n} for lid, n in zip(ids, counts))
    return pd.DataFrame(out, columns=["list_id", "source_file", "agency_cells"])


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


def share_text(part: int, whole: int) -> str:
    """``<part> of <whole> (<share>%)``: counts with thousands separators, the share to one decimal."""
    return f"{part:,} of {whole:,} ({100 * part / whole:.1f}%)" if whole else f"{part:,} of 0"


LINK_COVERAGE_COLUMNS = ["list_id", "agreements", "moa_link", "addendum_link", "moa_label_without_link",
                         "moa_labels"]


def link_coverage(list_rows: pd.DataFrame, list_ids) -> pd.DataFrame:
    """Per list: its agreements (``identity.agreement_ids``), how many a MOA and an ADDENDUM cell links to a
    document, and how many print an MOA label but no address (``link pending``, ``link`` without a
    hyperlink, a bare PDF file name: never taken for links), with those labels and their counts."""
    list_rows = with_link_columns(list_rows)
    list_ids = list(list_ids)
    by_list = dict(tuple(list_rows[list_rows["list_id"].isin(list_ids)].groupby("list_id", sort=False)))
    out = []
    for lid in list_ids:
        part = by_list.get(lid)
        if part is None:  # a header-only list
            out.append({"list_id": lid, "agreements": 0, "moa_link": 0, "addendum_link": 0,
                        "moa_label_without_link": 0, "moa_labels": ""})
            continue
        part = part.assign(agreement_id=agreement_ids(part), _moa=part["moa_url"] != "",
                           _addendum=part["addendum_url"] != "")
        per = part.groupby("agreement_id").agg(moa=("_moa", "any"), addendum=("_addendum", "any"))
        # each agreement's first printed MOA label
        printed = part[part["moa"] != ""]
        per["label"] = printed.groupby("agreement_id")["moa"].first().reindex(per.index).fillna("")
        unlinked = per[~per["moa"] & (per["label"] != "")]
        # the fact-sheet roster prints each PDF's bare file name, one label per agreement: counted as one kind
        labels = unlinked["label"].str.lower().map(lambda v: "PDF file name" if v.endswith(".pdf") else v)
        labels = labels.value_counts().sort_index()
        out.append({"list_id": lid, "agreements": len(per), "moa_link": int(per["moa"].sum()),
                    "addendum_link": int(per["addendum"].sum()), "moa_label_without_link": len(unlinked),
                    "moa_labels": "; ".join(f"{k}: {v:,}" for k, v in labels.items())})
    return pd.DataFrame(out, columns=LINK_COVERAGE_COLUMNS)


def newest_link_coverage(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """``link_coverage`` of the newest list of each era and list kind, oldest era first."""
    newest = in_list_order(lists).drop_duplicates(["era", "list_kind"], keep="last").sort_values(
        ["list_kind", "list_date"], kind="mergesort")
    cov = link_coverage(list_rows, newest["list_id"])
    return newest[["era", "list_kind", "list_date", "list_id"]].merge(cov, on="list_id").reset_index(drop=True)


def moa_link_checks(list_rows: pd.DataFrame, lists: pd.DataFrame) -> list[dict]:
    """QA rows on the links to the signed agreements: the share of the newest participating list's
    agreements whose MOA (and ADDENDUM) cell links a document; its agreements whose MOA cell prints a
    label but no address, counted apart; and a failing check if any stored link is not a normalized
    address (``moa_links.link_url``)."""
    list_rows = with_link_columns(list_rows)
    rows = []
    series = series_lists(lists)
    if len(series):
        cov = link_coverage(list_rows, [series.iloc[-1]["list_id"]]).iloc[0]
        for check, column, cell in (("moa_link_share", "moa_link", "MOA"),
                                    ("addendum_link_share", "addendum_link", "ADDENDUM")):
            rows.append(check_row(check, cov["list_id"], share_text(int(cov[column]), int(cov["agreements"])),
                                  f"reported: agreements on the newest participating list whose {cell} cell "
                                  "links a document (its address, or the cell's hyperlink)", "info"))
        rows.append(check_row("moa_label_without_link", cov["list_id"],
                              f"{cov['moa_label_without_link']:,}" + (f" ({cov['moa_labels']})" if cov["moa_labels"]
                                                                       else ""),
                              "reported: an MOA cell printing a label but no address (such as 'link pending') "
                              "is not a link", "info"))
    bad = []
    for column in ("moa_url", "addendum_url"):
        values = list_rows[column][list_rows[column] != ""]
        bad += [v for v in values.unique() if link_url(v) != v]
    rows.append(check_row("moa_links_are_addresses", "all lists",
                          f"{len(bad)}" + (f" (first: {min(bad)!r})" if bad else ""),
                          "0 links that are not normalized http(s) addresses", "fail" if bad else "pass"))
    urls = list_rows["moa_url"]
    wayback = list_rows[urls.isin([u for u in urls.unique() if is_wayback(u)])]  # each address checked once
    rows.append(check_row("moa_links_wayback", "all lists",
                          f"{len(wayback):,} rows on {wayback['list_id'].nunique():,} lists",
                          "reported: links kept as printed, to a Wayback capture of ICE's document", "info"))
    return rows


def qa_summary(list_rows, lists, skipped, qa: dict) -> pd.DataFrame:
    """One row per check. ``pass``/``fail`` rows compare the build with something it did not compute
    itself (a second reader, the curators' counts, a person's decision); ``info`` rows only report counts."""
    checks = []

    def add(check, scope, value, expected, status):
        checks.append(check_row(check, scope, value, expected, status))

    counts = list_rows.groupby("list_id").size()
    second = qa["raw_agency_cells"].set_index("list_id")["agency_cells"]
    for r in lists.itertuples(index=False):
        got = int(counts.get(r.list_id, 0))
        want = int(second.get(r.list_id, NO_AGENCY_COLUMN))
        add("agreements_equal_agency_cells", r.list_id, got,
            want if want != NO_AGENCY_COLUMN else "an agency column found by the second reader",
            "pass" if got == want else "fail")
        if got == 0 and r.list_kind == "pending":
            add("empty_list", r.list_id, 0, "header only: a valid empty pending list", "info")
    expected = qa["manifest_expectations"]
    # every file's counts in one groupby, not a group and six comparisons per file
    files = list_rows["source_file"]
    tally = pd.DataFrame({"rows": 1, "FL": list_rows["state"] == "FL", "TX": list_rows["state"] == "TX",
                          **{m: list_rows["model"] == m for m in MODELS}}).groupby(files).sum()
    tally["states"] = list_rows.groupby("source_file")["state"].nunique()
    tally = tally.to_dict("index")
    for e in expected.itertuples(index=False):
        got = {k: int(v) for k, v in tally[e.source_file].items()} if e.source_file in tally else \
            {k: 0 for k in ("rows", *MODELS, "FL", "TX", "states")}
        for k in ("rows", *MODELS, "FL", "TX", "states"):
            want = getattr(e, k)
            add(f"manifest_{k}", e.source_file, got[k], want, "pass" if got[k] == want else "fail")
    suspicious = qa["suspicious_drops"]
    part = suspicious[suspicious["list_kind"] == "participating"]
    undecided = int((part["status"] == "fail").sum())
    add("suspicious_lists_decided", "participating lists", f"{undecided} of {len(part)} undecided",
        f"none undecided (empty, or losing more than {DROP_SHARE:.0%} of the previous list)",
        "fail" if undecided else "pass")
    for r in part.itertuples(index=False):
        what = "empty (header only)" if r.case == "empty" else \
            f"lost {r.lost} of {r.previous_agreements} agreements of {r.previous_list_id}"
        add("suspicious_list", r.list_id, f"{what}; decision: {r.decision or 'none'}",
            f"accept or exclude in {DECISIONS_FILE}", r.status)
    pending = suspicious[suspicious["list_kind"] == "pending"]
    add("suspicious_pending_lists", "pending lists", len(pending),
        "reported in data/qa/suspicious_drops.csv (pending lists turn over fast)", "info")
    unread = quarantined_excluded(manifests.manifest("ice_287g"), qa["list_decisions"]).values()
    checks.extend(decision_checks(lists, suspicious, qa["list_decisions"], unread))
    add("unused_fixes", "data/hand", len(qa["unused_fixes"]), 0, "pass" if qa["unused_fixes"].empty else "fail")
    if "corrections" in qa:
        by_kind = qa["corrections"]["kind"].value_counts().sort_index()
        add("corrections", "participating series", len(qa["corrections"]),
            "ICE's own corrections, joined into one agreement each (data/qa/corrections.csv): "
            + (", ".join(f"{k} {n}" for k, n in by_kind.items()) or "none"), "info")
        earlier = qa["earlier_successors"]
        add("successor_dated_earlier", "agreements", len(earlier),
            "0: a re-signing never carries an earlier date (data/qa/earlier_successors.csv; decide in "
            "data/hand/agreement_corrections.csv)", "fail" if len(earlier) else "pass")
    add("skipped_rows", "all lists", len(skipped), "reported in data/qa/skipped_rows.csv", "info")
    add("unknown_values", "all lists", len(qa["unknown_values"]), "each normalized by a rule or fix", "info")
    add("identity_candidates", "agencies", len(qa["identity_candidates"]), "reviewed by hand; never auto-merged",
        "info")
    dup_rows = list_rows.duplicated(["list_id", "agency_id", "model", "signed"]).sum()
    add("duplicate_agreement_rows", "all lists", int(dup_rows), "same agency, model and date twice on one list",
        "info")
    checks.extend(moa_link_checks(list_rows, lists))
    return pd.DataFrame(checks, columns=QA_COLUMNS)
