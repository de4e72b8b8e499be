"""What changed on the newest ICE list: the change report ``python -m ice287g changes`` writes.

The newest list of the participating series against the one before it (the series skips lists that
data/hand/list_decisions.csv excludes), in words and tables: agreements added, removed and renamed,
by state and model, the new national totals, and what the QA flagged about the newest list. The text
is Markdown meant to be a pull request's body, so it starts with a one-line headline.

Differences come from ``agreements.compare_lists`` over ``list_rows.csv``, where renamed agencies
already share one ``agency_id`` (``identity.merge_renames``): a rename is never an addition plus a
removal, and the renames themselves are read from ``data/qa/renames.csv``. Every number is read from
``data/processed`` and ``data/qa`` when the report is written.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from ..core import paths
from . import asof
from .agreements import CHANGE_KINDS, compare_lists, resolve_list
from .identity import row_agreement_ids
from ..ingest.lists import series_lists
from ..core.vocab import MODELS
from ..core.files import write_text
from ..core.frames import column_rows

PREVIOUS = "previous"
# Detail tables stop here so the text stays well inside a pull request body's limit; the full list is
# data/processed/list_changes.csv (02_compare_lists compares the same pair by default).
MAX_DETAIL_ROWS = 150
REPORT_DIR = ("reports", "changes")


def previous_list(lists: pd.DataFrame, list_id: str, kind: str = "participating") -> str:
    """The list just before ``list_id`` in the series of ``kind`` (excluded lists are not in it)."""
    series = series_lists(lists, kind)["list_id"].tolist()
    if list_id not in series:
        raise ValueError(f"{list_id} is not a list of the {kind} series")
    at = series.index(list_id)
    if at == 0:
        raise ValueError(f"{list_id} is the first {kind} list of the series: there is no list before it")
    return series[at - 1]


def list_pair(lists: pd.DataFrame, before: str = PREVIOUS, after: str = "newest") -> tuple[str, str]:
    """``(before_id, after_id)`` for notebook-style specs (``agreements.resolve_list``); ``before``
    may also be ``previous``: the series list just before ``after``. The defaults are the newest list
    and the one before, the pair both the change report and 02_compare_lists show."""
    if str(after).strip().lower() == PREVIOUS:
        raise ValueError("`previous` names the list before the other one: give it as `before`, not `after`")
    after_id = resolve_list(lists, after)
    if str(before).strip().lower() == PREVIOUS:
        return previous_list(lists, after_id), after_id
    return resolve_list(lists, before), after_id


@dataclass
class ChangeReport:
    before: pd.Series          # the lists.csv row of each list
    after: pd.Series
    changes: pd.DataFrame      # agreements.compare_lists
    renames: pd.DataFrame      # rows of data/qa/renames.csv at this transition
    totals: pd.DataFrame       # model x (before, after, change), with ALL
    by_state: pd.DataFrame
    by_model: pd.DataFrame
    qa: dict[str, pd.DataFrame | None]  # None: the QA table is not built

    @cached_property
    def states(self) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.Series]]:
        """Each state where anything changed (``by_state``): its agreements changed, its renames and its row
        of ``by_state``. Split once: a feed reads every state's part of every change."""
        def split(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
            return {state: part.reset_index(drop=True) for state, part in frame.groupby("state", sort=False)}

        changes, renames = split(self.changes), split(self.renames)
        return {row["state"]: (changes.get(row["state"], self.changes.iloc[:0]),
                               renames.get(row["state"], self.renames.iloc[:0]), row)
                for _, row in self.by_state.iterrows()}


def chart_alt_text(by_state: pd.DataFrame, before_date: str, after_date: str) -> str:
    """Alt text of the by-state change chart (``agreements.changes_by_state``, largest net gain first).
    ICE often posts a list unchanged, so no change at all, or no state gaining, is said as such."""
    added, removed = int(by_state["added"].sum()), int(by_state["removed"].sum())
    changed = by_state[by_state[list(CHANGE_KINDS)].sum(axis=1) > 0]
    if changed.empty:
        return f"No agreement was added, removed or changed between the lists of {before_date} and {after_date}."
    text = (f"Horizontal bars for {len(changed)} states, sorted by net change: {added} agreements added and "
            f"{removed} no longer listed between the lists of {before_date} and {after_date}")
    top = by_state.iloc[0]
    return text + (f"; {top['state']} gained the most." if top["net"] > 0 else "; no state gained.")


def _int(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").fillna(0).astype("int64")


def national_totals(counts: pd.DataFrame, before_id: str, after_id: str) -> pd.DataFrame:
    """Agreements per model (and ALL) on both lists, read from ``list_counts.csv``."""
    c = counts[(counts["state"] == "ALL") & counts["list_id"].isin([before_id, after_id])]
    found: dict[tuple[str, str], str] = {}
    for key in column_rows(c, ("list_id", "model", "agreements")):
        found.setdefault(key[:2], key[2])  # a model's first row on a list
    models = [*MODELS, "ALL"]
    out = pd.DataFrame({"model": models,
                        **{side: _int(pd.Series([found.get((list_id, m)) for m in models], dtype=object))
                           for side, list_id in (("before", before_id), ("after", after_id))}})
    out["change"] = out["after"] - out["before"]
    return out


def transition_renames(renames: pd.DataFrame, before: pd.Series, after: pd.Series) -> pd.DataFrame:
    """Renames logged at this transition: last listed under the old name on the earlier list, first under
    the new name on the later one."""
    hit = renames[(renames["old_last_listed"] == before["list_date"])
                  & (renames["new_first_listed"] == after["list_date"])]
    return hit.sort_values(["state", "new_agency", "model", "signed"], kind="mergesort", ignore_index=True)


def model_table(changes: pd.DataFrame, renames: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Per model: agreements added and removed (a model switch counts as removed from the old model and
    added to the new), renamed, and the totals before and after."""
    added, removed = Counter(), Counter()
    for kind, before, after in column_rows(changes, ("change", "model_before", "model_after")):
        if kind in ("added", "model_changed"):
            added[after] += 1
        if kind in ("removed", "model_changed"):
            removed[before] += 1
    renamed = Counter(renames["model"].tolist())
    by_model = totals.set_index("model")
    return pd.DataFrame([{"model": m, "before": int(by_model.at[m, "before"]), "added": added[m],
                          "removed": removed[m], "renamed": renamed[m], "after": int(by_model.at[m, "after"]),
                          "change": int(by_model.at[m, "change"])} for m in MODELS])


def state_table(changes: pd.DataFrame, renames: pd.DataFrame) -> pd.DataFrame:
    """Per state with any change or rename: the agreements of each kind of change (``CHANGE_KINDS``) and
    renamed, and ``net``, added less removed (as ``agreements.changes_by_state``); largest net gain first."""
    kinds = Counter(column_rows(changes, ("state", "change")))
    renamed = Counter(renames["state"].tolist())
    states = sorted({state for state, _ in kinds} | set(renamed))
    counts = {"renamed": [renamed[s] for s in states], **{k: [kinds[s, k] for s in states] for k in CHANGE_KINDS}}
    order = ["added", "removed", "renamed", "model_changed", "signed_changed", "corrected"]
    out = pd.DataFrame({"state": pd.Series(states, dtype="str"),
                        **{k: pd.Series(counts[k], dtype="int64") for k in order}})
    out["net"] = out["added"] - out["removed"]
    return out.sort_values(["net", "state"], ascending=[False, True], kind="mergesort", ignore_index=True)


def _qa(name: str) -> pd.DataFrame | None:
    try:
        return asof.qa_table(name)
    except FileNotFoundError:
        return None


def qa_findings(before: pd.Series, after: pd.Series, rows: pd.DataFrame, changes: pd.DataFrame
                ) -> dict[str, pd.DataFrame | None]:
    """What the QA tables say that matters for the newer list: any failing check; checks on that list or
    its file that are not a pass; a suspicious drop; skipped rows of its file; its agreements no county
    holds; TYPE disagreements new on it; identity candidates naming an agency added or removed."""
    after_rows = rows[rows["list_id"] == after["list_id"]]
    before_rows = rows[rows["list_id"] == before["list_id"]]
    out: dict[str, pd.DataFrame | None] = {}
    summary = _qa("qa_summary.csv")
    if summary is not None:
        out["failing"] = summary[summary["status"] == "fail"]
        on_list = summary["scope"].isin([after["list_id"], after["source_file"]])
        out["on_list"] = summary[on_list & (summary["status"] != "pass")]
    else:
        out["failing"] = out["on_list"] = None
    drops = _qa("suspicious_drops.csv")
    out["suspicious"] = None if drops is None else drops[drops["list_id"] == after["list_id"]]
    skipped = _qa("skipped_rows.csv")
    out["skipped"] = None if skipped is None else skipped[skipped["source_file"] == after["source_file"]]
    unplaced = _qa("unplaced_agreements.csv")
    if unplaced is not None:
        on_after = set(row_agreement_ids(after_rows).tolist())
        new = set(row_agreement_ids(before_rows).tolist())
        part = unplaced[unplaced["agreement_id"].isin(on_after)]
        out["unplaced"] = part.assign(new=~part["agreement_id"].isin(new))
    else:
        out["unplaced"] = None
    types = _qa("type_disagreements.csv")
    if types is not None:
        # new on this list: the list that types the agency is this one, and the list before did not
        # already print that TYPE for it
        earlier = set(column_rows(before_rows, ("agency_id", "agency_type")))
        part = types[types["type_list"] == after["list_id"]]
        out["types"] = part[[(a, t) not in earlier for a, t in zip(part["agency_id"], part["agency_type"])]]
    else:
        out["types"] = None
    cand = _qa("identity_candidates.csv")
    if cand is not None:
        moved = set(changes.loc[changes["change"].isin(["added", "removed"]), "agency_id"])
        out["candidates"] = cand[cand["agency_id_a"].isin(moved) | cand["agency_id_b"].isin(moved)]
    else:
        out["candidates"] = None
    return out


def build(before: str = PREVIOUS, after: str = "newest") -> ChangeReport:
    """The change report's content for a pair of lists (default: the newest and the one before)."""
    return build_pair(*list_pair(asof.read_processed("lists.csv"), before, after))


def series_pairs(lists: pd.DataFrame, kind: str = "participating") -> list[tuple[str, str]]:
    """``(before_id, after_id)`` of every list of the series of ``kind`` and the list just before it, oldest
    first: every change the archive records (two lists of one day, am and pm, are a pair like any other)."""
    series = series_lists(lists, kind)["list_id"].tolist()
    return list(zip(series, series[1:]))


def build_pair(before_id: str, after_id: str) -> ChangeReport:
    """The change report's content for two lists named by ``list_id`` (a date cannot tell apart the am and
    pm lists of one day)."""
    lists = asof.read_processed("lists.csv")
    # the two lists' rows, picked once: every step below reads only them, and a feed builds every pair
    every_row = asof.read_processed("list_rows.csv")
    rows = every_row[every_row["list_id"].isin([before_id, after_id])]
    meta = lists.set_index("list_id")
    b, a = meta.loc[before_id].copy(), meta.loc[after_id].copy()
    b["list_id"], a["list_id"] = before_id, after_id
    changes = compare_lists(rows, before_id, after_id)
    renames = transition_renames(asof.qa_table("renames.csv"), b, a)
    totals = national_totals(asof.read_processed("list_counts.csv"), before_id, after_id)
    return ChangeReport(b, a, changes, renames, totals, state_table(changes, renames),
                        model_table(changes, renames, totals), qa_findings(b, a, rows, changes))


# ------------------------------------------------------------------------------------------- Markdown

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\|*_`[]<>#"})


def md(text) -> str:
    """Text safe in a Markdown table cell: specials escaped (a pipe would split the cell), one line."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def _n(value) -> str:
    return f"{int(value):,}"


def _signed(value) -> str:
    v = int(value)
    return f"+{v:,}" if v > 0 else f"{v:,}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{_n(n)} {word if int(n) == 1 else plural or word + 's'}"


def table(df: pd.DataFrame, headers: dict[str, str], right: tuple[str, ...] = (), limit: int | None = None) -> str:
    """A Markdown table of ``df``'s ``headers`` columns (right-aligned where numeric), at most ``limit`` rows."""
    cols = list(headers)
    shown = df if limit is None else df.head(limit)
    lines = ["| " + " | ".join(headers[c] for c in cols) + " |",
             "|" + "|".join("---:" if c in right else "---" for c in cols) + "|"]
    for rec in column_rows(shown, cols):
        lines.append("| " + " | ".join(md(v) for v in rec) + " |")
    if limit is not None and len(df) > limit:
        lines.append("")
        lines.append(f"…and {_n(len(df) - limit)} more (every change: `data/processed/list_changes.csv`, "
                     "written by `02_compare_lists` for this same pair).")
    return "\n".join(lines)


def _list_name(r: pd.Series) -> str:
    return f"{r['list_date']}{' ' + r['time_of_day'] if r['time_of_day'] else ''} (`{r['source_file']}`)"


def markdown(rep: ChangeReport) -> str:
    ch = rep.changes
    n = {k: int((ch["change"] == k).sum()) for k in CHANGE_KINDS}
    renamed = len(rep.renames)
    total = rep.totals.set_index("model").loc["ALL"]
    a, b = rep.after, rep.before
    parts = [f"# 287(g) list of {a['list_date']}: {_signed(total['change'])} agreements "
             f"({_n(n['added'])} added, {_n(n['removed'])} removed, {_n(renamed)} renamed)", ""]
    gap = (pd.Timestamp(a["list_date"]) - pd.Timestamp(b["list_date"])).days
    parts.append(
        f"ICE's participating list of {_list_name(a)} against the list before it in the archive's series, "
        f"of {_list_name(b)}, {_plural(gap, 'day')} earlier. The newer list holds "
        f"{_plural(total['after'], 'agreement')} of {_plural(int(a['agencies']), 'agency', 'agencies')} "
        f"in {_plural(int(a['states']), 'state')} (territories count as states); the older held "
        f"{_plural(total['before'], 'agreement')}.")
    words = [f"{_plural(n['added'], 'agreement')} added", f"{_n(n['removed'])} no longer listed",
             f"{_plural(renamed, 'agreement')} listed under a new agency name (a rename, matched by the "
             "history's identity rules, not an addition and a removal)"]
    if n["model_changed"]:
        words.append(f"{_plural(n['model_changed'], 'agency', 'agencies')} switched model")
    if n["signed_changed"]:
        words.append(f"{_plural(n['signed_changed'], 'agreement')} with a new signing date")
    if n["corrected"]:
        words.append(f"{_plural(n['corrected'], 'agreement')} corrected by ICE (a date, model or agency name "
                     "fixed: the same agreement, not an addition and a removal)")
    parts += ["", "In short: " + "; ".join(words) + ". Removals are inferred from absence: ICE publishes no "
              "terminations.", ""]

    parts += ["## National totals by model", ""]
    totals = rep.totals.assign(label=rep.totals["model"].replace({"ALL": "All models"}),
                               before=rep.totals["before"].map(_n), after=rep.totals["after"].map(_n),
                               change=rep.totals["change"].map(_signed))
    parts += [table(totals, {"label": "Model", "before": b["list_date"], "after": a["list_date"],
                             "change": "Change"}, right=("before", "after", "change")), ""]

    parts += ["## Changes by model", ""]
    bm = rep.by_model.copy()
    for c in ("before", "added", "removed", "renamed", "after"):
        bm[c] = bm[c].map(_n)
    bm["change"] = rep.by_model["change"].map(_signed)
    parts += [table(bm, {"model": "Model", "before": "Before", "added": "Added", "removed": "Removed",
                         "renamed": "Renamed", "after": "After", "change": "Change"},
                    right=("before", "added", "removed", "renamed", "after", "change")),
              "", "A model switch counts as removed from the old model and added to the new one.", ""]

    parts += ["## Changes by state", ""]
    if rep.by_state.empty:
        parts += ["No state changed.", ""]
    else:
        bs = rep.by_state.copy()
        bs["net"] = bs["net"].map(_signed)
        headers = {"state": "State", "added": "Added", "removed": "Removed", "renamed": "Renamed"}
        if n["model_changed"]:
            headers["model_changed"] = "Model switched"
        if n["signed_changed"]:
            headers["signed_changed"] = "New signing date"
        if n["corrected"]:
            headers["corrected"] = "Corrected"
        headers["net"] = "Net"
        parts += [table(bs, headers, right=tuple(c for c in headers if c != "state")), ""]

    detail = {"state": "State", "agency": "Agency"}
    sections = [
        ("added", "Agreements added", {**detail, "model_after": "Model", "signed_after": "Signed"}),
        ("removed", "Agreements no longer listed", {**detail, "model_before": "Model", "signed_before": "Signed"}),
        ("model_changed", "Model switched", {**detail, "model_before": "From", "model_after": "To",
                                             "signed_after": "Signed"}),
        ("signed_changed", "New signing date", {**detail, "model_after": "Model", "signed_before": "Was",
                                                "signed_after": "Now"}),
        ("corrected", "Corrected by ICE (data/qa/corrections.csv)",
         {**detail, "model_before": "Model was", "model_after": "Model", "signed_before": "Signed was",
          "signed_after": "Signed"}),
    ]
    for kind, title, headers in sections:
        part = ch[ch["change"] == kind]
        if kind in ("added", "removed") or len(part):
            parts += [f"## {title} ({_n(len(part))})", ""]
            parts += [table(part, headers, limit=MAX_DETAIL_ROWS) if len(part) else "None.", ""]
    parts += [f"## Renamed ({_n(renamed)})", ""]
    parts += [table(rep.renames, {"state": "State", "old_agency": "Name before", "new_agency": "Name now",
                                  "model": "Model", "signed": "Signed", "rule": "Rule"}, limit=MAX_DETAIL_ROWS)
              if renamed else "None.", ""]
    parts += qa_markdown(rep)
    return "\n".join(parts).rstrip("\n") + "\n"


def _finding_table(frame, qa_file: str, none_text: str, heading, columns: dict[str, str],
                   shown=lambda df: df) -> list[str]:
    """One QA finding of the report: the QA file missing, nothing found, or a heading (``heading(frame)``)
    and its table."""
    if frame is None:
        return [_missing(qa_file)]
    if frame.empty:
        return [none_text]
    return [heading(frame), "", table(shown(frame), columns), ""]


def _missing(name: str) -> str:
    return f"- `data/qa/{name}` is not built: run `make all`."


def qa_markdown(rep: ChangeReport) -> list[str]:
    qa, a = rep.qa, rep.after
    out = ["## What the QA flagged", ""]
    if qa["failing"] is None:
        out.append(_missing("qa_summary.csv"))
    elif qa["failing"].empty:
        out.append("- No QA check fails.")
    else:
        out += [f"- **{_plural(len(qa['failing']), 'QA check')} fail** (the build stops until they pass):", "",
                table(qa["failing"], {"stage": "Stage", "check": "Check", "scope": "Scope", "value": "Value",
                                      "expected": "Expected"}), ""]
    if qa["on_list"] is not None:
        if qa["on_list"].empty:
            out.append(f"- Every check on the list of {a['list_date']} and its file passes.")
        else:
            out += [f"- Checks on the list of {a['list_date']} that are not a plain pass:", "",
                    table(qa["on_list"], {"check": "Check", "scope": "Scope", "value": "Value",
                                          "expected": "Expected", "status": "Status"}), ""]
    if qa["suspicious"] is None:
        out.append(_missing("suspicious_drops.csv"))
    elif qa["suspicious"].empty:
        out.append("- No suspicious drop: the list keeps most of the agreements of the list before.")
    else:
        for r in qa["suspicious"].itertuples(index=False):
            what = "is empty" if r.case == "empty" else \
                f"lost {_n(r.lost)} of the {_n(r.previous_agreements)} agreements of {r.previous_list_id}"
            out.append(f"- **Suspicious list**: it {what} (decision: {md(r.decision) or 'none yet'}; status "
                       f"{r.status}). Accept or exclude it in `data/hand/list_decisions.csv`.")
    if qa["skipped"] is None:
        out.append(_missing("skipped_rows.csv"))
    elif qa["skipped"].empty:
        out.append("- No row of the file was skipped.")
    else:
        reasons = qa["skipped"]["reason"].value_counts().sort_index()
        out.append(f"- {_plural(len(qa['skipped']), 'row')} of the file skipped: "
                   + "; ".join(f"{md(k)}: {_n(v)}" for k, v in reasons.items()) + ".")
    out += _finding_table(
        qa["unplaced"], "unplaced_agreements.csv", "- Every agreement on the list is placed on a county or state.",
        lambda df: f"- {_plural(len(df), 'agreement')} on the list not placed on a map "
                   f"({_n(int(df['new'].sum()))} new on it):",
        {"state": "State", "agency": "Agency", "new": "New", "reason": "Why"},
        lambda df: df.assign(new=df["new"].map({True: "yes", False: "no"})))
    out += _finding_table(
        qa["types"], "type_disagreements.csv", "- No TYPE disagreement is new on this list.",
        lambda df: f"- {_plural(len(df), 'TYPE disagreement')} new on this list (ICE's TYPE against the "
                   "agency's name):",
        {"state": "State", "agency": "Agency", "agency_type": "ICE TYPE", "rule_level": "Name says", "level": "Kept",
         "settled_by": "Settled by"})
    out += _finding_table(
        qa["candidates"], "identity_candidates.csv",
        "- No added or removed agency is a near-miss of another name (no identity candidate).",
        lambda df: f"- {_plural(len(df), 'identity candidate')} name an agency added or removed: a person should "
                   "decide whether they are one agency (never merged by code):",
        {"state": "State", "agency_a": "Name", "agency_b": "Other name", "why": "Why"})
    out.append("")
    return out


def report_path(rep: ChangeReport, folder: Path | None = None) -> Path:
    """``reports/changes/<date of the newer list>.md`` (under ``folder`` instead when given)."""
    folder = paths.project_root().joinpath(*REPORT_DIR) if folder is None else Path(folder)
    return folder / f"{rep.after['list_date']}.md"


def write_report(before: str = PREVIOUS, after: str = "newest", folder: Path | None = None) -> Path:
    """Write the report atomically to ``report_path``; return its path."""
    rep = build(before, after)
    return write_text(report_path(rep, folder), markdown(rep))
