# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (ice287g)
#     language: python
#     name: ice287g
# ---

# %% [markdown]
# # 00 · What the raw archive holds
#
# Every number and chart in this project is recomputed from the raw files in `data/raw/`,
# vendored byte for byte from public sources and checked against their manifests (sha256 and
# size) before anything runs. This notebook is the map of that archive: which files there are,
# which source and period each speaks for, and — most important for reading everything that
# follows — **which stretches of the 287(g) program's history no archived ICE list covers**.
#
# Sources:
# - **ICE 287(g) lists**: ICE's participating and pending workbooks, the ice.gov web table captured
#   by the Wayback Machine, the fact-sheet roster and the partners page before it (stacked CSVs, one
#   list per capture). The chart below shows the years each one covers.
# - **Secondary**: the Washington Post's curated list of sheriffs with a flag per year — not an ICE
#   list, only a labelled secondary source.
# - **Detention**: ICE's detentionStats workbooks (FY2019 →), facility crosswalks, ICE's facility lists of
#   2015 and 2017 (who operates each facility), TRAC Quick Facts.
# - **Geography**: 2024 Census boundaries, gazetteers, population estimates, and 2020 place ↔ county
#   crosswalks.
# - **Agency rosters**: the FBI Crime Data Explorer's agency lists of 2017 and 2018, which give each police
#   or sheriff's agency its ORI code, type, county and coordinates: evidence of which agency a name on an
#   ICE list is.

# %% tags=["parameters"]
start_year = 2007  # left edge of the coverage timeline
gap_days = 180  # a stretch longer than this with no ICE list is drawn as a gap

# %%
import matplotlib.pyplot as plt
import pandas as pd

import ice287g
from ice287g.archive import manifests
from ice287g.archive import coverage as raw_coverage
from ice287g.core import paths
from ice287g.publish import charts
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table

ice287g.setup_notebook("00_raw_inventory")

# %% [markdown]
# ## Every raw file, checked
# The build stops before this notebook if any file differs from its manifest; the table below
# is the record of that check, written to `data/qa/raw_verification.csv`.

# %%
verification = manifests.verification_table()
inventory = manifests.inventory()
stage_commit.commit("00_raw_inventory", {
    paths.qa_dir() / "raw_verification.csv": Table(verification, ["source", "file"]),
    paths.processed_dir() / "raw_inventory.csv": Table(inventory, ["source", "file"]),
})

by_source = (
    inventory.groupby(["source", "kind"])
    .agg(files=("file", "size"), megabytes=("bytes", lambda b: round(b.sum() / 1e6, 1)),
         first_as_of=("as_of_date", "min"), last_as_of=("as_of_date", "max"))
    .reset_index()
)
by_source

# %%
# NBVAL_CHECK_OUTPUT
status = verification["status"].value_counts().to_dict()
print(f"raw files: {len(inventory)} in {inventory['source'].nunique()} sources, "
      f"{inventory['bytes'].sum() / 1e6:.1f} MB; verification: {status}")

# %% [markdown]
# ## Which dates each source speaks for
# Stacked files are opened so that every list inside them counts: the fact-sheet roster holds
# many Wayback captures, the partners-page file two lists, and the third party's stacked file one
# list per ICE sheet.

# %%
coverage = raw_coverage.coverage()
spans = (
    coverage.groupby(["group", "series"])
    .agg(dates=("start", "nunique"), first=("start", "min"), last=("end", "max"), files=("file", "nunique"))
    .reset_index()
)
spans

# %% [markdown]
# ## Gaps: where no ICE list exists
# A gap is a stretch of more than `gap_days` days between two archived ICE lists of participating
# agreements (pending lists and the Washington Post flags do not count). No chart in this project
# interpolates across these stretches.

# %%
# NBVAL_CHECK_OUTPUT
gaps = raw_coverage.list_gaps(coverage, gap_days)
for g in gaps.itertuples():
    print(f"no ICE list between {g.last_list_before} and {g.first_list_after} ({g.days} days)")

# %%
group_order = ["ICE 287(g) lists", "Secondary sources", "Detention", "Geography", "Agency rosters"]
rank = spans["group"].map({g: i for i, g in enumerate(group_order)}).fillna(len(group_order))
order = spans.assign(rank=rank).sort_values(["rank", "first"], kind="mergesort")["series"].tolist()[::-1]
group_colors = {"ICE 287(g) lists": charts.MODEL_COLORS["JEM"], "Secondary sources": charts.NEUTRAL,
                "Detention": charts.MODEL_COLORS["WSO"], "Geography": charts.MODEL_COLORS["TFM"],
                "Agency rosters": charts.NEUTRAL}
plotted = coverage.assign(start=pd.to_datetime(coverage["start"]), end=pd.to_datetime(coverage["end"]))
left = pd.Timestamp(f"{start_year}-01-01")
right = plotted["end"].max() + pd.Timedelta(days=120)
plotted = plotted[plotted["end"] >= left]

fig, ax = plt.subplots(figsize=(11, 5.5))
for g in gaps.itertuples():
    a, b = pd.Timestamp(g.last_list_before), pd.Timestamp(g.first_list_after)
    ax.axvspan(a, b, color="#f2f2f2", zorder=0)
    ax.text(a + (b - a) / 2, len(order) - 0.45, f"no ICE list\n{a:%b %Y} –\n{b:%b %Y}",
            ha="center", va="bottom", fontsize=8, color="#555555")
for y, series in enumerate(order):
    rows = plotted[plotted["series"] == series]
    color = group_colors.get(rows["group"].iloc[0], charts.NEUTRAL)
    points = rows[rows["start"] == rows["end"]]
    ranges = rows[rows["start"] != rows["end"]]
    ax.scatter(points["start"], [y] * len(points), marker="|", s=160, linewidths=1.2, color=color)
    for r in ranges.itertuples():
        ax.barh(y, r.end - r.start, left=r.start, height=0.35, color=color, alpha=0.55)
ax.set_yticks(range(len(order)), order)
ax.set_xlim(left, right)
ax.set_ylim(-0.7, len(order) + 0.9)
charts.grid_on_x(ax)
ax.set_xlabel("Date each file (or each list inside a stacked file) speaks for")

figure_data = plotted.assign(start=plotted["start"].dt.strftime("%Y-%m-%d"),
                             end=plotted["end"].dt.strftime("%Y-%m-%d"))
gap_text = "; ".join(f"{g.last_list_before} to {g.first_list_after}" for g in gaps.itertuples())
charts.show_figure(fig, charts.save_figure(
    fig, "archive_coverage",
    title="What the archive covers: ICE 287(g) lists, detention data, geography and agency rosters",
    source=("ice287g raw archive manifests (ICE 287(g) lists via Wayback, RelevantResearch, deportationdata, "
            "appelson; Washington Post; ICE detentionStats; ICE facility lists (FOIA); TRAC, Syracuse University; "
            "U.S. Census Bureau; FBI Crime Data Explorer)"),
    alt_text=(f"Timeline from {start_year} to {right:%Y}, one row per kind of source, a tick for each date "
              f"with a file or list. Shaded stretches with no ICE 287(g) list: {gap_text}."),
    data=figure_data,
    inputs=[folder / "MANIFEST.csv" for folder in manifests.source_folders()]
    + [paths.raw_dir() / "ice_287g" / f for f in inventory.loc[inventory["kind"] == "ice_287g_derived_csv", "file"]],
    sort_by=["group", "series", "start", "file"],
))
