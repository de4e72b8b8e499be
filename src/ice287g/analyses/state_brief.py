"""A state's "in brief", the opening of its report in both languages: the facts only, every one read from the
processed tables; ``publish.brief`` puts them in words."""
from __future__ import annotations

import pandas as pd

from ..core.vocab import GAP_DAYS, MODELS
from ..history.agreements import series_segments, state_model_table


def state_timeline(lists: pd.DataFrame, counts: pd.DataFrame, state: str, gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """Agreements in ``state`` on every series list, by model and in all (``model`` = ``ALL``, which also
    counts the earliest lists' rows that name no model), zero where the state has none, with the
    archive-gap ``segment`` numbers of ``agreements.timeline`` so charts never bridge a gap."""
    series = series_segments(lists, gap_days)[["list_date", "list_id", "segment"]]
    models = [*MODELS, "ALL"]
    grid = series.merge(pd.DataFrame({"model": models}), how="cross")
    c = counts[(counts["state"] == state) & counts["model"].isin(models)][["list_id", "model", "agreements"]]
    out = grid.merge(c, on=["list_id", "model"], how="left")
    out["agreements"] = pd.to_numeric(out["agreements"]).fillna(0).astype("int64")
    return out.sort_values(["list_date", "model"], ignore_index=True)


def state_brief(lists: pd.DataFrame, counts: pd.DataFrame, list_rows: pd.DataFrame, state: str,
                list_id: str) -> dict:
    """What the "in brief" of ``state`` says of the list ``list_id``: ``list_date``, ``agreements``,
    ``agencies``, ``by_model`` (model: agreements, every model), ``rank`` among ``ranked`` states and
    territories with agreements (None when it has none on the list), the list of its ``first_date``, and its
    ``peak`` of agreements up to this list with the ``peak_date`` (0 and None when it had none)."""
    list_date = lists.set_index("list_id").loc[list_id, "list_date"]
    on_list = list_rows[(list_rows["list_id"] == list_id) & (list_rows["state"] == state)]
    ranking = state_model_table(list_rows, list_id)
    by_model = on_list["model"].value_counts()
    timeline = state_timeline(lists, counts, state)
    per_list = timeline[timeline["model"] == "ALL"].set_index("list_date")["agreements"]
    so_far = per_list[per_list.index <= list_date]
    peak = int(so_far.max()) if len(so_far) else 0
    return {"list_date": list_date, "agreements": len(on_list), "agencies": int(on_list["agency_id"].nunique()),
            "by_model": {m: int(by_model.get(m, 0)) for m in MODELS},
            "rank": ranking.set_index("state")["rank"].get(state), "ranked": len(ranking),
            "first_date": per_list[per_list > 0].index.min(), "peak": peak,
            "peak_date": so_far.idxmax() if peak else None}
