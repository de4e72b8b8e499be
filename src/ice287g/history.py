"""The agreement history: one row per agreement across the lists, with its status.

``Active`` on the newest list; ``Superseded`` when the same agency and model come back with a new
signing date; ``Removed`` when it leaves the lists for good.
"""
from __future__ import annotations

import pandas as pd

from .identity import agreement_ids
from .lists import _order
from .vocab import MODELS


def agreement_history(list_rows: pd.DataFrame, lists: pd.DataFrame, gap_days: int = 180) -> pd.DataFrame:
    """One row per agreement across the participating lists of the series."""
    series = _order(lists[lists["in_series"] & (lists["list_kind"] == "participating")])
    order = {lid: i for i, lid in enumerate(series["list_id"])}
    dates = dict(zip(series["list_id"], series["list_date"]))
    rows = list_rows[list_rows["list_id"].isin(order)].copy()
    rows["agreement_id"] = agreement_ids(rows)
    rows["_pos"] = rows["list_id"].map(order)
    g = rows.sort_values("_pos", kind="mergesort").groupby("agreement_id")
    ag = g.agg(agency_id=("agency_id", "first"), state=("state", "first"), agency=("agency", "last"),
               model=("model", "first"), signed=("signed", "first"), first_pos=("_pos", "min"),
               last_pos=("_pos", "max"), lists_seen=("list_id", "nunique")).reset_index()
    ids = series["list_id"].tolist()
    ag["first_listed"] = ag["first_pos"].map(lambda p: dates[ids[p]])
    ag["last_listed"] = ag["last_pos"].map(lambda p: dates[ids[p]])
    newest = len(ids) - 1
    # successor: same agency and model (or a model-less early row), listed again after this one ends
    by_agency = ag.groupby("agency_id")
    status, reason = [], []
    for r in ag.itertuples(index=False):
        if r.last_pos == newest:
            status.append("Active")
            reason.append(f"on the newest list ({dates[ids[newest]]})")
            continue
        later = by_agency.get_group(r.agency_id)
        later = later[(later["first_pos"] > r.last_pos) & ((later["model"] == r.model) | (r.model == ""))]
        next_date = dates[ids[r.last_pos + 1]]
        gap = (pd.Timestamp(next_date) - pd.Timestamp(r.last_listed)).days
        gap_note = f" (archive gap of {gap} days before that list)" if gap > gap_days else ""
        if len(later):
            succ = later.sort_values("first_pos").iloc[0]
            what = f"listed with signing date {succ['signed']}" if r.model else f"listed as {succ['model']}"
            status.append("Superseded")
            reason.append(f"same agency {what} from {succ['first_listed']} ({succ['agreement_id']}){gap_note}")
        else:
            status.append("Removed")
            reason.append(f"absent from the list of {next_date} after {r.last_listed}{gap_note}")
    ag["status"], ag["status_reason"] = status, reason
    cols = ["agreement_id", "agency_id", "state", "agency", "model", "signed", "first_listed", "last_listed",
            "status", "status_reason", "lists_seen"]
    return ag[cols].sort_values("agreement_id", ignore_index=True)


def agency_table(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    series_ids = set(lists.loc[lists["in_series"], "list_id"])
    rows = list_rows[list_rows["list_id"].isin(series_ids)].sort_values(["list_date", "list_id", "row"],
                                                                       kind="mergesort")
    part = rows[rows["list_kind"] == "participating"]
    pend = rows[rows["list_kind"] == "pending"]
    g = rows.groupby("agency_id")
    out = pd.DataFrame({
        "state": g["state"].first(),
        "agency": g["agency"].last(),
        "spellings": g["agency_printed"].agg(lambda s: "; ".join(sorted(set(s)))),
        "agency_type": g["agency_type"].agg(lambda s: next((v for v in reversed(s.tolist()) if v), "")),
    })
    pg = part.groupby("agency_id")
    out["first_listed"] = pg["list_date"].min()
    out["last_listed"] = pg["list_date"].max()
    out["models"] = pg["model"].agg(lambda s: ";".join(m for m in MODELS if m in set(s)))
    out["first_pending"] = pend.groupby("agency_id")["list_date"].min()
    out = out.fillna("").reset_index()
    cols = ["agency_id", "state", "agency", "spellings", "agency_type", "first_listed", "last_listed", "models",
            "first_pending"]
    return out[cols].sort_values("agency_id", ignore_index=True)
