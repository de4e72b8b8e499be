"""The agreement history: one row per agreement across the lists, with its status.

An agreement is every printed form ICE corrected into one (``corrections``): it keeps the newest printed
agency, model and signing date, and its listings under every form. Its status:

- ``Active``: on the newest list;
- ``Superseded``: the same agency and model come back with a *later* signing date, listed within the gap
  threshold (``vocab.GAP_DAYS``) of this one's last listing: a re-signing;
- ``Removed``: seen absent from a list within the gap threshold of its last listing, and not re-signed;
- ``Lapsed``: last listed just before an archive gap longer than the gap threshold and absent when the
  archive resumes: it ended at an unknown time inside the gap, which the archive cannot tell.

The model-less partners-page rows (the earliest lists) are never linked to a later agreement: they carry
their ``era``, so headline numbers can keep them apart.
"""
from __future__ import annotations

from functools import lru_cache

import pandas as pd

from .identity import agreement_ids, load_distinct, merge_agencies, merge_renames
from ..ingest.moa_links import with_link_columns
from ..ingest.lists import in_list_order
from ..core.vocab import GAP_DAYS, MODELS
from ..core.frames import column_rows
from ..ingest.census import names_two_counties
from .roster import ori_evidence


def series_rows(list_rows: pd.DataFrame, lists: pd.DataFrame) -> tuple[pd.DataFrame, list[str], dict]:
    """The participating series' list rows with ``_pos`` (their list's place in the series), the series'
    list ids in order, and each list's date."""
    series = in_list_order(lists[lists["in_series"] & (lists["list_kind"] == "participating")])
    order = {lid: i for i, lid in enumerate(series["list_id"])}
    rows = list_rows[list_rows["list_id"].isin(order)].copy()
    rows["_pos"] = rows["list_id"].map(order)
    return rows, series["list_id"].tolist(), dict(zip(series["list_id"], series["list_date"]))


def merge_list_renames(list_rows: pd.DataFrame, lists: pd.DataFrame, distinct: set | None = None):
    """``identity.merge_renames`` over the participating series: ``(list_rows, renames, candidates)``."""
    rows, _, _ = series_rows(list_rows, lists)
    return merge_renames(rows, list_rows, load_distinct() if distinct is None else distinct, names_two_counties)


def merge_list_by_ori(list_rows: pd.DataFrame, lists: pd.DataFrame, distinct: set | None = None):
    """Merge the agencies whose names the FBI rosters give one ORI (``roster.ori_mapping``), after the name
    rules: ``(list_rows, renames, evidence)``, the renames under rule ``ori``."""
    rows, _, _ = series_rows(list_rows, lists)
    in_series = list_rows[list_rows["list_id"].isin(set(lists.loc[lists["in_series"], "list_id"]))]
    evidence = ori_evidence(agency_table(list_rows, lists), in_series, list_rows,
                            load_distinct() if distinct is None else distinct)
    list_rows, renames = merge_agencies(rows, list_rows, evidence.mapping, "ori")
    return list_rows, renames, evidence


LINK_URL_COLUMNS = ("moa_url", "addendum_url")


def newest_links(rows: pd.DataFrame) -> pd.DataFrame:
    """Per agreement (``agreement_id``), each of ``LINK_URL_COLUMNS`` from the newest list (highest ``_pos``)
    that prints one, so a later ``link pending`` does not hide the address an earlier list gave; ''
    when no list does."""
    rows = with_link_columns(rows)
    out = pd.DataFrame(index=pd.Index(sorted(rows["agreement_id"].unique()), name="agreement_id"))
    for column in LINK_URL_COLUMNS:
        printed = rows[rows[column].fillna("") != ""].sort_values(["_pos", "row"], kind="mergesort")
        out[column] = printed.groupby("agreement_id")[column].last().reindex(out.index).fillna("")
    return out


@lru_cache(maxsize=4096)
def days_between(start: str, end: str) -> int:
    """Days from one ISO date to another (many agreements share each pair of list dates)."""
    return (pd.Timestamp(end) - pd.Timestamp(start)).days


STATUSES = ("Active", "Superseded", "Removed", "Lapsed")


def agreement_history(list_rows: pd.DataFrame, lists: pd.DataFrame, gap_days: int = GAP_DAYS,
                      corrections_log: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per agreement across the participating lists of the series. ``list_rows`` carry each row's
    ``agreement_id`` (``corrections.agreement_of``; without the column, each printed form is an agreement);
    ``corrections_log`` gives each agreement's ``corrections`` count."""
    rows, ids, dates = series_rows(list_rows, lists)
    if "agreement_id" not in rows:
        rows["agreement_id"] = agreement_ids(rows)
    g = rows.sort_values(["_pos", "row"], kind="mergesort").groupby("agreement_id")
    # ICE's newest printed form names the agreement; its first listing under any form dates it
    ag = g.agg(agency_id=("agency_id", "last"), state=("state", "last"), agency=("agency", "last"),
               model=("model", "last"), signed=("signed", "last"), era=("era", "first"),
               first_pos=("_pos", "min"), last_pos=("_pos", "max"), lists_seen=("list_id", "nunique")).reset_index()
    ag["first_listed"] = ag["first_pos"].map(lambda p: dates[ids[p]])
    ag["last_listed"] = ag["last_pos"].map(lambda p: dates[ids[p]])
    newest = len(ids) - 1
    gaps = [(dates[a], dates[b]) for a, b in zip(ids, ids[1:])
            if (pd.Timestamp(dates[b]) - pd.Timestamp(dates[a])).days > gap_days]
    records = list(ag.itertuples(index=False))
    by_agency: dict[str, list] = {}
    for r in records:
        by_agency.setdefault(r.agency_id, []).append(r)
    status, reason = [], []
    for r in records:
        if r.last_pos == newest:
            status.append("Active")
            reason.append(f"on the newest list ({dates[ids[newest]]})")
            continue
        next_date = dates[ids[r.last_pos + 1]]
        gap = days_between(r.last_listed, next_date)
        gap_note = f" (archive gap of {gap} days before that list)" if gap > gap_days else ""
        # a successor: the same agency and model with a later signing date, still listed after this one ends
        # (the earliest first listed; on a tie, the first by agreement_id). An earlier date is never a
        # re-signing (ICE fixing a date is a correction, joined before this). A model-less partners-page row
        # neither has nor is a successor: nothing says which agreement it was.
        succ = min((x for x in by_agency[r.agency_id]
                    if x.last_pos > r.last_pos and x.first_pos > r.first_pos and x.model == r.model
                    and x.model != "" and x.signed > r.signed),
                   key=lambda x: (x.first_pos, x.agreement_id), default=None)
        off = max(0, days_between(r.last_listed, succ.first_listed)) if succ is not None else 0
        if succ is not None and off <= gap_days:
            status.append("Superseded")
            reason.append(f"same agency listed with the later signing date {succ.signed} from "
                          f"{succ.first_listed} ({succ.agreement_id}){gap_note}")
            continue
        lapsed = gap > gap_days
        status.append("Lapsed" if lapsed else "Removed")
        if lapsed:
            why = (f"last listed {r.last_listed}, just before an archive gap of {gap} days (no list until "
                   f"{next_date}); absent when the archive resumes: it ended at an unknown time inside the gap")
        else:
            why = f"absent from the list of {next_date} after {r.last_listed}"
        if succ is not None:
            why += (f"; re-signed as {succ.agreement_id} first listed {succ.first_listed}, {off} days "
                    f"later (more than the {gap_days}-day gap threshold: a new agreement)")
            between = [f"{a} and {b}" for a, b in gaps
                       if r.last_listed <= a and b <= succ.first_listed and not (lapsed and a == r.last_listed)]
            if between:
                why += "; the archive has no list between " + "; nor between ".join(between)
        elif r.model == "":
            why += "; a partners-page row without model or signing date is never linked to a later agreement"
        reason.append(why)
    ag["status"], ag["status_reason"] = status, reason
    ag = ag.merge(newest_links(rows), left_on="agreement_id", right_index=True, how="left")
    fixes = pd.Series(dtype="int64") if corrections_log is None else corrections_log["agreement_id"].value_counts()
    ag["corrections"] = ag["agreement_id"].map(fixes).fillna(0).astype("int64")
    cols = ["agreement_id", "agency_id", "state", "agency", "model", "signed", "first_listed", "last_listed",
            "status", "status_reason", "lists_seen", "corrections", "era", *LINK_URL_COLUMNS]
    return ag[cols].sort_values("agreement_id", ignore_index=True)


def agency_table(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    series_ids = set(lists.loc[lists["in_series"], "list_id"])
    rows = list_rows[list_rows["list_id"].isin(series_ids)].sort_values(["list_date", "list_id", "row"],
                                                                       kind="mergesort")
    # one pass over the rows in list order, with dicts: a groupby with Python functions (or the min of
    # text) calls back into Python once per agency and column
    columns = ["agency_id", "state", "agency", "agency_printed", "agency_type", "list_kind", "list_date", "model"]
    out: dict[str, dict] = {}
    for aid, state, agency, printed, atype, kind, date, model in column_rows(rows, columns):
        rec = out.get(aid)
        if rec is None:
            rec = out[aid] = {"agency_id": aid, "state": state, "agency": agency, "spellings": set(),
                              "agency_type": "", "first_listed": "", "last_listed": "", "models": set(),
                              "first_pending": ""}
        rec["agency"] = agency
        rec["spellings"].add(printed)
        if atype:
            rec["agency_type"] = atype  # the newest type printed
        if kind == "participating":
            rec["first_listed"] = min(rec["first_listed"] or date, date)
            rec["last_listed"] = max(rec["last_listed"], date)
            rec["models"].add(model)
        elif kind == "pending":
            rec["first_pending"] = min(rec["first_pending"] or date, date)
    for rec in out.values():
        rec["spellings"] = "; ".join(sorted(rec["spellings"]))
        rec["models"] = ";".join(m for m in MODELS if m in rec["models"])
    cols = ["agency_id", "state", "agency", "spellings", "agency_type", "first_listed", "last_listed", "models",
            "first_pending"]
    table = pd.DataFrame(list(out.values()), columns=cols)
    # the names keep the list rows' dtype, as a groupby's first and last would
    table = table.astype({"state": rows["state"].dtype, "agency": rows["agency"].dtype})
    return table.sort_values("agency_id", ignore_index=True)


def earlier_successors(agreements: pd.DataFrame, gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """Agreements followed by one of the same agency and model with an *earlier* signing date, first listed
    after this one's last listing and within ``gap_days`` of it. A re-signing cannot carry an earlier date:
    each pair is a correction no rule joined, for a person to decide in
    ``data/hand/agreement_corrections.csv``."""
    cols = ["agreement_id", "successor_id", "state", "agency", "model", "signed", "successor_signed",
            "last_listed", "successor_first_listed"]
    dated = agreements[(agreements["model"] != "") & (agreements["signed"] != "")]
    pairs = dated.merge(dated, on=["agency_id", "model"], suffixes=("", "_next"))
    pairs = pairs[(pairs["first_listed_next"] > pairs["last_listed"]) & (pairs["signed_next"] < pairs["signed"])]
    pairs = pairs[[days_between(a, b) <= gap_days
                   for a, b in zip(pairs["last_listed"], pairs["first_listed_next"])]]
    out = pairs.rename(columns={"agreement_id_next": "successor_id", "signed_next": "successor_signed",
                                "first_listed_next": "successor_first_listed"})
    return out[cols].sort_values(["agreement_id", "successor_id"], ignore_index=True)
