"""The tables that describe ICE's lists: one row per list (``lists.csv``: size, skipped rows, duplicates, whether
it is in the series and why not) and the counts per list by state and model (``list_counts.csv``)."""
from __future__ import annotations

import pandas as pd

from ..core.vocab import SERIES_ERAS
from .lists import DECISIONS_FILE, in_list_order, list_decisions


def summarize_lists(list_rows: pd.DataFrame, lists: pd.DataFrame, skipped: list[dict]) -> pd.DataFrame:
    skipped_df = pd.DataFrame(skipped, columns=["source_file", "sheet", "row", "reason", "content"])
    per_list = list_rows.groupby("list_id").agg(
        agreements=("row", "size"), agencies=("agency_id", "nunique"), states=("state", "nunique"))
    out = lists.merge(per_list, left_on="list_id", right_index=True, how="left")
    for c in ("agreements", "agencies", "states"):
        out[c] = out[c].fillna(0).astype("int64")
    skip_counts = skipped_df.groupby(["source_file", "sheet"]).size()
    out["skipped_rows"] = [int(skip_counts.get((f, s), 0)) for f, s in zip(out["source_file"], out["sheet"])]
    # stacked CSV lists share one file: count their skipped rows by list rows instead
    out = in_list_order(out)
    first_with_hash = out.groupby("content_hash")["list_id"].transform("first")
    out["duplicate_of"] = first_with_hash.where(first_with_hash != out["list_id"], "")
    decisions = list_decisions()
    excluded = decisions[decisions["decision"] == "exclude"]
    reasons = dict(zip(excluded["list_id"], excluded["reason"]))
    out["excluded_reason"] = [reasons.get(list_id, "") for list_id in out["list_id"]]
    out["in_series"] = out["era"].isin(SERIES_ERAS) & (out["excluded_reason"] == "")
    out["series_note"] = ""
    out.loc[out["era"] == "stacked_2025", "series_note"] = (
        "third-party re-tabulation without SIGNED; counted, but ICE's own workbooks carry the history")
    out.loc[out["excluded_reason"] != "", "series_note"] = f"excluded by {DECISIONS_FILE}: " + out["excluded_reason"]
    return out


def list_counts_table(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Agreements, agencies and states per list by state x model, with ALL margins."""
    frames = []
    base = list_rows[["list_id", "state", "model", "agency_id"]]
    for state_all in (False, True):
        for model_all in (False, True):
            df = base.copy()
            if state_all:
                df["state"] = "ALL"
            if model_all:
                df["model"] = "ALL"
            else:
                df = df[df["model"] != ""]
            g = df.groupby(["list_id", "state", "model"]).agg(
                agreements=("agency_id", "size"), agencies=("agency_id", "nunique")).reset_index()
            states = base.assign(model=base["model"] if not model_all else "ALL")
            if not model_all:
                states = states[states["model"] != ""]
            if state_all:
                st = states.groupby(["list_id", "model"])["state"].nunique().rename("states").reset_index()
                g = g.merge(st, on=["list_id", "model"], how="left")
            else:
                g["states"] = 1
            frames.append(g)
    counts = pd.concat(frames, ignore_index=True)
    meta = lists[["list_id", "list_date", "list_kind"]]
    empty = meta[~meta["list_id"].isin(counts["list_id"])].assign(state="ALL", model="ALL", agreements=0,
                                                                  agencies=0, states=0)
    counts = counts.merge(meta, on="list_id").pipe(lambda d: pd.concat([d, empty], ignore_index=True))
    cols = ["list_date", "list_kind", "state", "model", "agreements", "agencies", "states", "list_id"]
    return counts[cols].sort_values(["list_kind", "list_date", "list_id", "state", "model"], kind="mergesort",
                                    ignore_index=True)
