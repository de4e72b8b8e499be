"""The program's history for students (notebook ``00_program_history``): agreements by model on every list,
the archive gaps the chart leaves blank, the moments its small maps show, each chosen from the counts and
never typed, and tables shown whole."""
from __future__ import annotations

import pandas as pd

from ..core.vocab import MODELS
from ..places import maps

# The eras whose lists print no model: their model columns are unknown, not zero.
NO_MODEL_ERAS = ("partners_page",)

MOMENT_LABELS = {
    "first_peak": "first peak",
    "low_point": "low point",
    "first_after_gap": "first list after the longest gap",
    "newest": "newest list",
}


def model_counts(line: pd.DataFrame) -> pd.DataFrame:
    """One row per list of ``agreements.timeline`` (list_date, list_id, era, segment, ALL, JEM, WSO, TFM): a
    model absent from a list that prints models counts zero; on a list that prints none it is missing."""
    wide = line.pivot_table(index=["list_date", "list_id", "era", "segment"], columns="model",
                            values="agreements", aggfunc="sum").reindex(columns=["ALL", *MODELS])
    wide = wide.reset_index().rename_axis(columns=None)
    printed = ~wide["era"].isin(NO_MODEL_ERAS)
    for m in MODELS:
        wide[m] = wide[m].where(~printed, wide[m].fillna(0)).astype("Int64")
    wide["ALL"] = wide["ALL"].astype("int64")
    return wide.sort_values("list_date", ignore_index=True)


def gap_spans(wide: pd.DataFrame) -> pd.DataFrame:
    """The stretches between two segments of ``model_counts``: last_list_before, first_list_after, days. A
    chart shades exactly these, and draws each segment's line apart, so no line crosses a shaded gap."""
    ends = wide.groupby("segment")["list_date"].agg(["min", "max"]).sort_index()
    out = pd.DataFrame({"last_list_before": ends["max"].iloc[:-1].to_numpy(),
                        "first_list_after": ends["min"].iloc[1:].to_numpy()})
    out["days"] = (pd.to_datetime(out["first_list_after"]) - pd.to_datetime(out["last_list_before"])).dt.days
    return out.astype({"days": "int64"})


def moments(wide: pd.DataFrame) -> pd.DataFrame:
    """The lists the small maps show, found in the counts: the **first peak** (most agreements before the
    longest archive gap, its first list on ties), the **low point** (fewest agreements on any list after that
    peak, its first list on ties), the **first list after the longest gap** and the **newest** list."""
    gaps = gap_spans(wide)
    longest = gaps.sort_values(["days", "last_list_before"]).iloc[-1]
    before = wide[wide["list_date"] <= longest["last_list_before"]]
    peak = before.loc[before["ALL"].idxmax()]
    after = wide[wide["list_date"] > peak["list_date"]]
    picks = {"first_peak": peak, "low_point": after.loc[after["ALL"].idxmin()],
             "first_after_gap": wide[wide["list_date"] >= longest["first_list_after"]].iloc[0],
             "newest": wide.iloc[-1]}
    rows = [{"moment": key, "label": MOMENT_LABELS[key], **r[["list_date", "list_id", "era", "ALL", *MODELS]]}
            for key, r in picks.items()]
    return pd.DataFrame(rows).rename(columns={"ALL": "agreements"})


def events_in(events: pd.DataFrame, wide: pd.DataFrame) -> pd.DataFrame:
    """The program events dated from the first archived list through the newest, in date order: those a
    timeline of the lists can mark."""
    inside = events["date"].between(wide["list_date"].min(), wide["list_date"].max())
    return events[inside].sort_values("date", ignore_index=True)


def moment_maps(list_rows: pd.DataFrame, places: pd.DataFrame, picked: pd.DataFrame) -> pd.DataFrame:
    """The counties each moment's list covers (``maps.coverage_on_list``), one row per moment and county, with
    the states holding a statewide agreement and those whose only one is a corrections department's."""
    frames = []
    for r in picked.itertuples(index=False):
        mix, statewide = maps.coverage_on_list(list_rows, places, r.list_id)
        corrections = maps.corrections_only_states(list_rows, places, r.list_id)
        frames.append(mix.assign(moment=r.moment, list_id=r.list_id, list_date=r.list_date,
                                 statewide_states=";".join(statewide), corrections_only_states=";".join(corrections)))
    out = pd.concat(frames, ignore_index=True)
    return out[["moment", "list_id", "list_date", "county_fips", "models", "category", "agreements",
                "statewide_states", "corrections_only_states"]]


def _cell(value) -> str:
    if pd.isna(value):
        return ""
    text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    # a pipe would end the cell and a line break the row
    return " ".join(text.replace("|", "\\|").split())


def markdown_table(df: pd.DataFrame) -> str:
    """``df`` as a Markdown table with every cell whole (no ellipsis), whole numbers with thousands
    separators, missing values blank: the page wraps long text instead of cutting it."""
    head = "| " + " | ".join(_cell(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v.item() if hasattr(v, "item") else v) for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])
