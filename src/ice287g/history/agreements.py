"""Every ICE 287(g) list, every era, into one agreement history: the build, and the tables behind charts.

The work is split by concern, and this module runs it in order for the history stage; callers import
each name from its home, never through here:

- ``ingest.lists`` reading the lists of each era into list rows;
- ``identity``     when two names are one agency, what makes one agreement;
- ``history``      the agreement history and its status rules;
- ``listqa``       quality checks of the lists and the history;
- ``asof``         what is in force on a date (the query API over the processed tables).

A row is an agreement (one agency can hold JEM, WSO and TFM rows at once).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import pending_states
from ..archive import manifests
from ..archive import coverage
from ..core import hand, paths
from . import corrections, roster
from .history import (
    agency_table, agreement_history, earlier_successors, merge_list_by_ori, merge_list_renames, series_rows,
)
from ..core.keys import agency_id, agency_key
from .identity import identity_candidates, remap_candidates
from ..ingest.lists import (
    ListError, Rules, list_decisions, list_location, normalize_state, read_all, series_lists,
)
from ..ingest.list_tables import list_counts_table, summarize_lists
from .listqa import (
    manifest_expectations, qa_summary, raw_agency_cells,
    suspicious_drops, unknown_values,
)
from .asof import list_row_for
from ..core.text import squash
from ..core.vocab import GAP_DAYS, MODELS
from ..core.frames import column_rows
from ..tables import stage_commit
from ..tables.stage_commit import Table


@dataclass
class History:
    list_rows: pd.DataFrame
    lists: pd.DataFrame
    agreements: pd.DataFrame
    agencies: pd.DataFrame
    list_counts: pd.DataFrame
    wapo: pd.DataFrame
    qa: dict[str, pd.DataFrame]
    # the FBI rosters' evidence (None in a project that does not vendor them)
    roster: roster.OriEvidence | None = None


def build_history() -> History:
    rules = Rules.load()
    list_rows, lists, skipped, notes = read_all(rules)
    lists = summarize_lists(list_rows, lists, skipped)
    list_rows, renames, rename_candidates = merge_list_renames(list_rows, lists)
    evidence = None
    if roster.rosters_vendored():
        list_rows, by_ori, evidence = merge_list_by_ori(list_rows, lists)
        renames = pd.concat([renames, by_ori], ignore_index=True)
        rename_candidates = remap_candidates(rename_candidates, evidence.mapping)
    else:
        notes = [*notes, "data/raw/fbi is not vendored: no ORI evidence of identity, and agencies.csv ori is empty"]
    read_rows = list_rows  # the states as printed: the curators' counts (qa_summary's manifest checks) are of these
    list_rows, evidence, state_log, unused_state = pending_states.correct_states(list_rows, lists, evidence)
    list_rows, fixes = apply_corrections(list_rows, lists)
    agreements = agreement_history(list_rows, lists, corrections_log=fixes.log)
    agencies = agency_table(list_rows, lists)
    if evidence is not None:
        evidence = roster.match_after_merge(evidence, agencies, list_rows)
    ori_of = {} if evidence is None else dict(zip(evidence.matches["agency_id"], evidence.matches["ori"]))
    agencies["ori"] = [ori_of.get(a, "") for a in agencies["agency_id"]]
    counts = list_counts_table(list_rows, lists)
    wapo = wapo_flags(rules)
    decisions = list_decisions()
    qa = {
        "skipped_rows": pd.DataFrame(skipped, columns=["source_file", "sheet", "row", "reason", "content"]),
        "unknown_values": unknown_values(list_rows),
        "suspicious_drops": suspicious_drops(list_rows, lists, decisions),
        "list_decisions": decisions,
        "raw_agency_cells": raw_agency_cells(lists, paths.raw_dir() / "ice_287g"),
        "manifest_expectations": manifest_expectations(),
        "identity_candidates": identity_candidates(agencies, list_rows,
                                                   pd.concat([rename_candidates, fixes.candidates], ignore_index=True)),
        "renames": renames,
        # every correction, the pending rows moved to their state (kind state) among them
        "corrections": pd.concat([fixes.log, state_log], ignore_index=True),
        "earlier_successors": earlier_successors(agreements),
        "pending_state_corrections": state_log,
        "unused_fixes": pd.concat([pd.DataFrame([u for t in rules.tables() for u in t.unused()] + unused_state,
                                                columns=["table", "state", "value", "fix"]), fixes.unused],
                                  ignore_index=True),
    }
    qa["qa_summary"] = qa_summary(read_rows, lists, skipped, qa)
    qa["notes"] = pd.DataFrame({"note": notes})
    return History(list_rows, lists, agreements, agencies, counts, wapo, qa, evidence)


# The program-events row whose date no signing date can precede (corrections: a year typo).
PROGRAM_ENACTED = "287(g) enacted"


def apply_corrections(list_rows: pd.DataFrame, lists: pd.DataFrame) -> tuple[pd.DataFrame, corrections.Corrections]:
    """ICE's corrections over the participating series (``corrections.find``), and the list rows with each
    participating row's ``agreement_id`` (the newest form of its agreement; '' on a pending list)."""
    rows, ids, dates = series_rows(list_rows, lists)
    start = program_events().set_index("short_label").loc[PROGRAM_ENACTED, "date"]
    found = corrections.find(rows, [dates[i] for i in ids], start)
    participating = list_rows["list_kind"] == "participating"
    ids_of = pd.Series("", index=list_rows.index)
    ids_of[participating] = corrections.agreement_of(list_rows[participating], found.mapping)
    # before the link columns, which close every list row (lists.EXTRA_ROW_COLUMNS)
    out = list_rows.drop(columns="agreement_id", errors="ignore")
    out.insert(out.columns.get_loc("moa_url"), "agreement_id", ids_of)
    return out, found


LIST_COLUMNS = ["list_id", "list_date", "list_kind", "source_file", "sha256", "content_hash", "rows", "agreements",
                "agencies", "states", "era", "date_basis", "duplicate_of", "time_of_day", "sheet", "name_date",
                "content_as_of", "skipped_rows", "in_series", "series_note", "manifest_kind"]


def write_history(history: History) -> None:
    """Commit the history's stage (``stage_commit.commit``): a failed check writes nothing, so every output of
    the last good build stays in place (the failure message lists the failed checks)."""
    proc, qa_dir = paths.processed_dir(), paths.qa_dir()
    sort_keys = {"skipped_rows": ["source_file", "sheet", "row"], "unknown_values": ["column", "printed", "normalized"],
                 "suspicious_drops": ["list_kind", "list_date", "list_id"],
                 "identity_candidates": ["state", "agency_id_a", "agency_id_b"],
                 "unused_fixes": ["table", "state", "value"],
                 "renames": ["agreement_id", "old_last_listed", "old_agency"],
                 "corrections": ["agreement_id", "last_list_before", "kind", "agency_before", "signed_before"],
                 "earlier_successors": ["agreement_id", "successor_id"],
                 "pending_state_corrections": ["state", "agency_after", "model_after", "last_list_before"]}
    tables = {qa_dir / f"{name}.csv": Table(history.qa[name], keys) for name, keys in sort_keys.items()}
    tables.update({
        proc / "list_rows.csv": Table(history.list_rows, ["list_kind", "list_date", "list_id", "row"]),
        proc / "lists.csv": Table(history.lists[LIST_COLUMNS], ["list_kind", "list_date", "list_id"]),
        proc / "agreements.csv": Table(history.agreements, ["agreement_id"]),
        proc / "agencies.csv": Table(history.agencies, ["agency_id"]),
        proc / "list_counts.csv": Table(history.list_counts, ["list_kind", "list_date", "list_id", "state", "model"]),
        proc / "wapo_agency_years.csv": Table(history.wapo, ["state", "agency_id", "year", "row"]),
    })
    stage_commit.commit("01_agreement_history", tables, history.qa["qa_summary"])


def gap_segments(dates: pd.Series, gap_days: int = GAP_DAYS) -> pd.Series:
    """Segment number per (sorted) date, changing after every gap longer than ``gap_days``: charts draw
    each segment separately so no line bridges a stretch the archive does not cover."""
    return (pd.to_datetime(dates).diff().dt.days.fillna(0) > gap_days).cumsum().astype("int64")


def series_segments(lists: pd.DataFrame, gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """The participating series, one list per day (the day's last), with its ``gap_segments`` number."""
    series = series_lists(lists).drop_duplicates("list_date", keep="last")
    return series.assign(segment=gap_segments(series["list_date"], gap_days))


def timeline(lists: pd.DataFrame, counts: pd.DataFrame, gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """Agreements by model on every participating list, with a ``segment`` number that changes at
    each archive gap longer than ``gap_days`` (charts draw segments separately, never bridging)."""
    series = series_segments(lists, gap_days)
    c = counts[(counts["state"] == "ALL") & counts["list_id"].isin(series["list_id"])]
    c = c.assign(agreements=c["agreements"].astype("int64"))
    out = c.merge(series[["list_id", "era", "segment"]], on="list_id")
    return out[["list_date", "list_id", "era", "segment", "model", "agreements"]].sort_values(
        ["list_date", "model"], ignore_index=True)


# How a chart's source line names each era of lists, and who archived them.
ERA_CREDITS = {
    "partners_page": ("ICE partners page", "Wayback, deportationdata"),
    "fact_sheet": ("fact-sheet roster", "Wayback, deportationdata"),
    "web_table": ("ice.gov table", "Wayback, RelevantResearch"),
    "ice_workbook": ("ICE participating-agency workbooks", ""),
    "stacked_2025": ("third-party re-tabulation of ICE sheets", ""),
}


def era_sources(lists: pd.DataFrame, list_ids) -> str:
    """A chart's source line for the lists it draws: each era with the years of its lists, read from
    the lists (never typed), in date order, each with who archived it."""
    part = lists[lists["list_id"].isin(set(list_ids))]
    spans = part.groupby("era")["list_date"].agg(["min", "max"]).sort_values("min")
    out = []
    for era, r in spans.iterrows():
        label, credit = ERA_CREDITS.get(era, (era, ""))
        years = r["min"][:4] if r["min"][:4] == r["max"][:4] else f"{r['min'][:4]}-{r['max'][:4]}"
        out.append(f"{label} {years}" + (f" ({credit})" if credit else ""))
    return ", ".join(out)


def state_model_table(list_rows: pd.DataFrame, list_id: str) -> pd.DataFrame:
    """Agreements per state on one list, one column per model, ranked by total."""
    rows = list_rows[list_rows["list_id"] == list_id]
    table = pd.crosstab(rows["state"], rows["model"]).reindex(columns=list(MODELS), fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.reset_index().sort_values(["total", "state"], ascending=[False, True], ignore_index=True)
    table.insert(0, "rank", table["total"].rank(method="min", ascending=False).astype("int64"))
    return table


def monthly_changes(agreements: pd.DataFrame, lists: pd.DataFrame, gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """Per month: agreements first listed, and agreements that disappeared (Removed or Superseded),
    dated by the first list that no longer shows them. ``after_gap`` marks months whose first list
    follows an archive gap, where additions and removals pile up from the unseen stretch."""
    series = series_lists(lists)
    dates = series["list_date"].drop_duplicates().tolist()
    nxt = {d: dates[i + 1] for i, d in enumerate(dates[:-1])}
    gap_after = {d: (pd.Timestamp(dates[i]) - pd.Timestamp(dates[i - 1])).days > gap_days
                 for i, d in enumerate(dates) if i}
    first_date = dates[0]
    added = agreements[agreements["first_listed"] != first_date].assign(event_date=agreements["first_listed"],
                                                                        change="added")
    gone = agreements[agreements["status"].isin(["Removed", "Superseded"])]
    gone = gone.assign(event_date=gone["last_listed"].map(nxt), change=gone["status"].str.lower())
    events = pd.concat([added, gone], ignore_index=True)
    events["after_gap"] = events["event_date"].map(gap_after).fillna(False).astype(bool)
    events["month"] = events["event_date"].str[:7]
    out = events.groupby(["month", "change"]).agg(agreements=("agreement_id", "size"),
                                                 after_gap=("after_gap", "any")).reset_index()
    return out.sort_values(["month", "change"], ignore_index=True)


def compare_lists(list_rows: pd.DataFrame, before_id: str, after_id: str) -> pd.DataFrame:
    """Agreement-level differences between two lists: added, removed, model_changed, signed_changed, corrected.

    ``corrected``: one agreement (``agreement_id``, where the rows carry it) printed in another form on the
    later list: ICE fixed its date, model or agency name (``corrections``); a correction is not an addition
    plus a removal. The other rows are matched on agency and model (then agency alone for a model change);
    an agency-and-model pair whose signing date differs is ``signed_changed``.
    """
    # In plain Python over the two lists' rows: a feed compares every pair of lists, and pandas' merges and
    # per-group filters cost more than the comparison on lists of a few thousand rows.
    cols = ["agency_id", "state", "agency", "model", "signed"]
    agency_id, state, agency, model, signed = range(len(cols))
    before = list_rows[list_rows["list_id"] == before_id]
    after = list_rows[list_rows["list_id"] == after_id]
    a, b = list(dict.fromkeys(column_rows(before, cols))), list(dict.fromkeys(column_rows(after, cols)))
    out = []
    if "agreement_id" in list_rows:
        # each agreement's first row on each list; the later list's forms of one agreement that differ
        firsts = [{}, {}]
        for first, side in zip(firsts, (before, after)):
            for rec in column_rows(side, ["agreement_id", *cols]):
                first.setdefault(rec[0], rec[1:])
        was, now = firsts
        fixed = [(old, now[aid]) for aid, old in was.items() if aid in now
                 and (old[agency_id], old[model], old[signed]) != (now[aid][agency_id], now[aid][model], now[aid][signed])]
        for old, new in fixed:
            name = new[agency] if old[agency_id] == new[agency_id] else f"{old[agency]} → {new[agency]}"
            out.append({"change": "corrected", "agency_id": new[agency_id], "state": new[state], "agency": name,
                        "model_before": old[model], "model_after": new[model],
                        "signed_before": old[signed], "signed_after": new[signed]})
        # the forms a correction accounts for take no part in the matching below
        for i, rows in enumerate((a, b)):
            forms = {(f[i][agency_id], f[i][model], f[i][signed]) for f in fixed}
            rows[:] = [r for r in rows if (r[agency_id], r[model], r[signed]) not in forms]
    # matched on agency and model, as an outer join does: keys in order, every pair of rows within a key
    by_key: dict[tuple, tuple[list, list]] = {}
    for i, rows in enumerate((a, b)):
        for r in rows:
            by_key.setdefault((r[agency_id], r[model]), ([], []))[i].append(r)
    left, right = [], []
    for key in sorted(by_key):
        was_rows, now_rows = by_key[key]
        if not now_rows:
            left += was_rows
        elif not was_rows:
            right += now_rows
        for old in was_rows:
            for new in now_rows:
                if old[signed] != new[signed]:
                    out.append({"change": "signed_changed", "agency_id": key[0], "state": new[state],
                                "agency": new[agency], "model_before": key[1], "model_after": key[1],
                                "signed_before": old[signed], "signed_after": new[signed]})
    # an agency that lost one model and gained another, with one row each side, changed model
    left_count, right_count = Counter(r[agency_id] for r in left), Counter(r[agency_id] for r in right)
    gained = {r[agency_id]: r for r in right if right_count[r[agency_id]] == 1}
    switched = {k for k, n in left_count.items() if n == 1} & set(gained)
    for r in left:
        if r[agency_id] in switched:
            new = gained[r[agency_id]]
            out.append({"change": "model_changed", "agency_id": r[agency_id], "state": r[state],
                        "agency": new[agency], "model_before": r[model], "model_after": new[model],
                        "signed_before": r[signed], "signed_after": new[signed]})
        else:
            out.append({"change": "removed", "agency_id": r[agency_id], "state": r[state], "agency": r[agency],
                        "model_before": r[model], "model_after": "", "signed_before": r[signed], "signed_after": ""})
    for r in right:
        if r[agency_id] not in switched:
            out.append({"change": "added", "agency_id": r[agency_id], "state": r[state], "agency": r[agency],
                        "model_before": "", "model_after": r[model], "signed_before": "", "signed_after": r[signed]})
    cols_out = ["change", "state", "agency", "agency_id", "model_before", "model_after", "signed_before",
                "signed_after"]
    return pd.DataFrame(out, columns=cols_out).sort_values(["change", "state", "agency_id", "model_before",
                                                           "model_after"], ignore_index=True)


def resolve_list(lists: pd.DataFrame, spec: str, kind: str = "participating") -> str:
    """A list id from a notebook parameter: ``newest``, ``first-YYYY`` (first list of that year) or a
    date (the list in force on that date, refused inside an archive gap: ``asof.list_row_for``)."""
    spec = str(spec).strip()
    m = re.fullmatch(r"first-(\d{4})", spec)
    if m:
        series = series_lists(lists, kind)
        hit = series[series["list_date"].str[:4] == m.group(1)]
        if hit.empty:
            raise ValueError(f"no {kind} list dated in {m.group(1)}")
        return hit.iloc[0]["list_id"]
    return list_row_for(lists, spec, kind)["list_id"]


CHANGE_KINDS = ("added", "removed", "model_changed", "signed_changed", "corrected")


def report_states(agreements: pd.DataFrame) -> list[str]:
    """Every state or territory with at least one agreement on any participating list of the series: the
    states with a report and a change feed of their own."""
    return sorted(set(agreements["state"]) - {""})


def changes_by_state(changes: pd.DataFrame) -> pd.DataFrame:
    kinds = list(CHANGE_KINDS)
    table = pd.crosstab(changes["state"], changes["change"]).reindex(columns=kinds, fill_value=0)
    table["net"] = table["added"] - table["removed"]
    return table.reset_index().sort_values(["net", "state"], ascending=[False, True], ignore_index=True)


WAPO_KIND = "wapo_287g_curated_derived_xlsx"


WAPO_SOURCE = "Washington Post, wpinvestigative/sheriffs_287g (secondary source, not an ICE list)"


def read_wapo_flags(path: Path | str, rules: Rules | None = None) -> pd.DataFrame:
    """One row per agency and flagged year: ``source, source_file, row, state, agency, agency_id,
    sheriff, county_fips, section, year``. The agency name sits in the workbook's ``County`` column;
    the sheet's second section (after a sub-header row) lists agencies that ended their agreements."""
    path = Path(path)
    rules = rules or Rules.load()
    manifests.check_workbook(path, ListError, list_location(path.name))
    df = pd.read_excel(path, engine="calamine", dtype=str).fillna("")
    need = {"State", "County", "Sheriff", "FIPS"}
    if not need <= set(df.columns):
        raise ListError(f"{list_location(path.name, 'Sheet1', 1)}: WaPo list lacks column(s) {sorted(need - set(df.columns))}")
    years = [c for c in df.columns if re.fullmatch(r"y\d{4}", c)]
    out = []
    # the sheet's first part: agencies in the program in the last year it flags
    section = f"participating in {max(int(y[1:]) for y in years)} or earlier" if years else "first section"
    for i, r in enumerate(df.to_dict("records"), start=2):
        if not any(squash(v) for v in r.values()):
            continue  # the blank row between the sheet's two sections
        if squash(r["State"]).upper().startswith("STATE ("):
            section = squash(r["County"]).lower() or "second section"  # the sheet's sub-header row
            continue
        flagged = [int(y[1:]) for y in years if squash(r[y]).upper() == "X"]
        if not flagged:
            continue  # listed without any year flag (e.g. sub-rows of a regional jail): no year to record
        name = squash(r["County"])
        state = normalize_state(r["State"], rules, lambda i=i: list_location(path.name, "Sheet1", i, "State"), name)
        key = agency_key(rules.aliases.apply(name, state))
        fips = squash(r["FIPS"]).split(".")[0]
        for year in flagged:
            out.append({"source": WAPO_SOURCE, "source_file": path.name, "row": i, "state": state,
                        "agency": name, "agency_id": agency_id(state, key), "sheriff": squash(r["Sheriff"]),
                        "county_fips": fips.zfill(5) if fips else "", "section": section, "year": year})
    return pd.DataFrame(out)


def wapo_flags(rules: Rules | None = None) -> pd.DataFrame:
    inv = manifests.manifest("ice_287g")
    files = inv.loc[inv["kind"] == WAPO_KIND, "file"].sort_values()
    frames = [read_wapo_flags(paths.raw_dir() / "ice_287g" / f, rules) for f in files]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def wapo_vs_lists(flags: pd.DataFrame, list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Per year: agencies the Post flags, and agencies on the last ICE list of that year (if any)."""
    series = series_lists(lists)
    last = series.assign(year=series["list_date"].str[:4].astype(int)).drop_duplicates("year", keep="last")
    on_list = list_rows[list_rows["list_id"].isin(last["list_id"])].merge(last[["list_id", "year"]], on="list_id")
    ice = on_list.groupby("year")["agency_id"].nunique().rename("agencies_on_last_ice_list")
    both = on_list.merge(flags[["year", "agency_id"]].drop_duplicates(), on=["year", "agency_id"])
    matched = both.groupby("year")["agency_id"].nunique().rename("flagged_and_on_ice_list")
    wapo = flags.groupby("year")["agency_id"].nunique().rename("wapo_flagged_agencies")
    out = pd.concat([wapo, ice, matched], axis=1).fillna(0).astype("int64").reset_index()
    out = out.merge(last[["year", "list_date"]].rename(columns={"list_date": "last_ice_list"}), on="year", how="left")
    return out.fillna({"last_ice_list": ""}).sort_values("year", ignore_index=True)


PROGRAM_EVENTS = "program_events.csv"


def program_events() -> pd.DataFrame:
    """Dated events of the program's history (``data/hand/program_events.csv``: date, event, short_label,
    source), one per short_label."""
    return hand.read_hand_table(PROGRAM_EVENTS)


def milestones(lists: pd.DataFrame, counts: pd.DataFrame, gaps: pd.DataFrame | None = None,
               events: pd.DataFrame | None = None) -> pd.DataFrame:
    """The program's history in numbers, every one read from the lists: one row per milestone with
    the list it comes from. Used by the program-history notebook, never typed by hand.

    The long gap is the longest stretch without a list (``coverage.list_gaps`` with ``GAP_DAYS``); the
    start of the surge is the date of executive order 14159 in data/hand/program_events.csv."""
    if gaps is None:
        gaps = coverage.list_gaps(coverage.coverage(), GAP_DAYS)
    if events is None:
        events = program_events()
    series = series_lists(lists)
    c = counts[(counts["state"] == "ALL")].copy()
    c["agreements"] = c["agreements"].astype(int)
    wide = c.pivot_table(index="list_id", columns="model", values="agreements", aggfunc="sum").fillna(0).astype(int)
    s = series.merge(wide, left_on="list_id", right_index=True, how="left").fillna({m: 0 for m in MODELS})
    for m in MODELS:
        s[m] = s[m].astype(int)
    rows = []

    def add(key, label, r):
        rows.append({"milestone": key, "label": label, "list_id": r["list_id"], "list_date": r["list_date"],
                     "era": r["era"], "agreements": int(r["ALL"]), "JEM": int(r["JEM"]), "WSO": int(r["WSO"]),
                     "TFM": int(r["TFM"])})

    add("first_archived_list", "first archived list (ICE partners page)", s.iloc[0])
    fact = s[s["era"] == "fact_sheet"]
    add("first_fact_sheet", "first fact-sheet roster capture", fact.iloc[0])
    no_tfm = fact[fact["TFM"] == 0]
    if len(no_tfm):
        add("task_forces_gone", "first roster without task-force agreements", no_tfm.iloc[0])
    low = fact.loc[fact["ALL"].idxmin()]
    add("fact_sheet_low", "fewest agreements on the roster", low)
    gap = gaps.sort_values(["days", "last_list_before"]).iloc[-1]
    add("last_before_gap", f"last list before the {gap['last_list_before'][:4]}-{gap['first_list_after'][:4]} gap",
        s[s["list_date"] <= gap["last_list_before"]].iloc[-1])
    wso = s[s["WSO"] > 0]
    if len(wso):
        add("first_wso_list", "first archived list with Warrant Service Officer agreements", wso.iloc[0])
    surge = events.set_index("short_label").loc["EO 14159", "date"]
    in_force = list_row_for(lists, surge)["list_id"]
    add("start_of_2025", f"last list on or before {surge}", s[s["list_id"] == in_force].iloc[0])
    tfm_back = s[(s["TFM"] > 0) & (s["list_date"] >= gap["first_list_after"])]
    if len(tfm_back):
        add("task_forces_back", "first list with task-force agreements again", tfm_back.iloc[0])
    add("newest", "newest list", s.iloc[-1])
    return pd.DataFrame(rows)
