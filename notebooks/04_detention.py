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
# # 04 · Detention beside the 287(g) agreements
#
# ICE publishes detention statistics as "detentionStats" workbooks, a few times a year. TRAC's
# detention figures are computed from them. This notebook reads every archived release:
# - the **facilities** table: average daily population (ADP) by security level A–D;
# - the **currently detained** table: people held on the snapshot date, by arresting agency and
#   criminality.
#
# Layouts change from year to year (see `docs/detention_layouts.md`), so every table is found by
# its header text. Each release is cross-checked against TRAC's own tables. Facilities are placed
# in counties through the facility crosswalks, and detention is set beside the agreements on the
# ICE list in force on the same day. ADP is a fiscal-year-to-date average, so a release early in a
# fiscal year covers only a few months, and a year's figure is its year-end release: the last one of
# the year, taken only when it falls close to the end of September (else it is flagged).
#
# Like the 287(g) lists, a release answers for a date only while it is recent: the store
# (`ice287g.history.asof`) refuses one older than the project's gap threshold.

# %% tags=["parameters"]
as_of = "newest"  # release date (YYYY-MM-DD) for the state comparison and the map, or "newest"
fiscal_year = 0  # fiscal year for the state ranking (0 means the latest completed one)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import ice287g
from ice287g.archive import coverage
from ice287g.core import paths
from ice287g.detention import detention
from ice287g.detention.trac import trac_population
from ice287g.history import agreements, asof
from ice287g.ingest import census
from ice287g.places import maps
from ice287g.publish import charts
from ice287g.core.vocab import GAP_DAYS

ice287g.setup_notebook("04_detention")

# %%
det = detention.build()
# the agreement and placement tables: this run's own if it wrote them, else the committed ones
rows = asof.read_processed("list_rows.csv")
lists = asof.read_processed("lists.csv")
versus = detention.write(det, rows, lists)
releases = det.releases
workbook_inputs = [paths.raw_dir() / "ice_detention" / f for f in sorted(releases["source_file"])]
trac_inputs = [paths.raw_dir() / "trac" / f for f in sorted(detention.sources_files("trac"))]

# %% [markdown]
# ## What was read, and how it compares with TRAC

# %%
releases[["release_date", "fiscal_year", "sheet", "header_row", "facilities", "iids_date", "fy_end", "days_from_sep30",
          "fy_end_flag", "blank_state", "blank_levels"]]

# %%
# NBVAL_CHECK_OUTPUT
placed_share = (det.facilities["county_fips"] != "").mean()
print(f"{len(releases)} releases (FY{releases['fiscal_year'].min()} to FY{releases['fiscal_year'].max()}), "
      f"{len(det.facilities)} facility rows; {placed_share:.1%} placed in a county; "
      f"{len(det.unplaced)} facilities unplaced (data/qa/unplaced_facilities.csv)")
for r in detention.superseded().itertuples(index=False):
    print(f"not read (superseded, kept for provenance): {r.file}; read instead: {r.superseded_by}")
over = releases[releases["fy_latest"] & (releases["fiscal_year"] < releases["fiscal_year"].max())]
flagged = over[~over["fy_end"]]
print(f"year-end releases within {detention.FY_END_WINDOW_DAYS} days of the end of September: "
      f"{int(over['fy_end'].sum())} of {len(over)} finished fiscal years"
      + ("".join(f"; FY{r.fiscal_year} flagged: {r.fy_end_flag}" for r in flagged.itertuples()) if len(flagged)
         else "; none flagged"))
no_state = det.facilities[det.facilities["state"] == ""]
print(f"facility rows without a state, kept and reported as unplaced: {len(no_state)} "
      f"({', '.join(sorted(set(no_state['facility'] + ' (' + no_state['release_date'] + ')')))})")
print("currently-detained vs TRAC:", det.population["match"].value_counts().sort_index().to_dict())
check = det.trac_facilities
print(f"TRAC facility table vs ICE workbook: {int(check['equal'].sum())}/{len(check)} facilities equal "
      f"on {', '.join(sorted(check['release_date'].unique()))}")

# %% [markdown]
# Every currently-detained table that is not exactly TRAC's row for the same date, with the reason.
# A release that prints ICE's and CBP's columns the wrong way round is detected and reported, and its
# numbers are kept as ICE printed them.

# %%
swapped = det.population.loc[det.population["match"] == "ice_cbp_swapped", "release_date"]
print("releases with ICE and CBP columns swapped:", ", ".join(swapped) or "none")
det.population.loc[det.population["match"] != "exact",
                   ["release_date", "table_date", "trac_date", "match", "ice_all", "cbp_all", "total_all", "reason"]]

# %% [markdown]
# ## Top states by average daily population

# %%
year = int(fiscal_year) or int(releases.loc[releases["fy_end"], "fiscal_year"].max())
ranking = detention.state_adp(fiscal_year=year)
year_release = releases[releases["release_date"] == ranking["release_date"].iloc[0]].iloc[0]
year_note = ("year-end release" if year_release["fy_end"] else year_release["fy_end_flag"]
             or "the year is still running: latest release so far")

# %%
# NBVAL_CHECK_OUTPUT
total = ranking["adp_total"].sum()
print(f"FY{year} (release {ranking['release_date'].iloc[0]}, {year_note}): total ADP {total:,.0f}; " + ", ".join(
    f"{r.state} {r.adp_total:,.0f} ({r.adp_total / total:.1%})" for r in ranking.head(5).itertuples()))

# %%
SHOWN = 15  # bars on the chart: a layout choice, not a result
top = ranking.head(SHOWN)
fig, ax = plt.subplots(figsize=(9, 6))
ax.barh(top["state"], top["adp_total"], color=charts.MODEL_COLORS["WSO"])
for y, v in enumerate(top["adp_total"]):
    ax.text(v, y, f" {v:,.0f}", va="center", fontsize=8)
ax.invert_yaxis()
charts.grid_on_x(ax)
ax.set_xlabel(f"average daily population, FY{year} (sum over the state's facilities)")
charts.show_figure(fig, charts.save_figure(
    fig, "detention_by_state",
    title=f"People held in ICE detention by state, fiscal year {year}",
    source=(f"ICE detentionStats workbook released {ranking['release_date'].iloc[0]} (facility ADP, levels A-D "
            "summed by state); TRAC, Syracuse University computes its state figures the same way"),
    alt_text=(f"Horizontal bars for the {len(top)} states with the most people in ICE detention in FY{year}; "
              f"{top.iloc[0].state} leads with an average of {top.iloc[0].adp_total:,.0f} a day."),
    data=ranking, inputs=workbook_inputs, sort_by=["rank", "state"],
))

# %% [markdown]
# ## People held, and agreements in force, over time

# %%
trac = trac_population()
held = det.population[["release_date", "table_date", "trac_date", "total_all"]].copy()
# where TRAC matched a table, its date is the table's (a workbook's footnotes can carry a stale date)
held["plotted_date"] = held["trac_date"].where(held["trac_date"] != "", held["table_date"])
held["plotted_date"] = held["plotted_date"].where(held["plotted_date"] != "", held["release_date"])
start = min(trac["date"].min(), releases["release_date"].min())
end = max(trac["date"].max(), releases["release_date"].max())
timeline = agreements.timeline(lists, asof.read_processed("list_counts.csv").astype({"agreements": "int64"}), GAP_DAYS)
ag_line = timeline[(timeline["model"] == "ALL") & (timeline["list_date"] >= start)]
gaps = coverage.list_gaps(coverage.coverage(("ice_287g",)), GAP_DAYS)
gaps = gaps[(gaps["first_list_after"] > start) & (gaps["last_list_before"] < end)]
gap_note = "; ".join(f"no ICE 287(g) list exists from {g.last_list_before} to {g.first_list_after}"
                     for g in gaps.itertuples()) or "no archive gap in this period"
low, newest = ag_line.loc[ag_line["agreements"].idxmin()], ag_line.iloc[-1]
print(gap_note)
fig, (top_ax, low_ax) = plt.subplots(2, 1, figsize=(11, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
top_ax.plot(pd.to_datetime(trac["date"]), trac["total_all"], color=charts.NEUTRAL, lw=1.2,
            label="TRAC daily population (pop_agen)")
top_ax.scatter(pd.to_datetime(held["plotted_date"]), held["total_all"], color=charts.MODEL_COLORS["WSO"], zorder=3, s=18,
               label="ICE workbook, currently detained")
top_ax.set_ylabel("people in ICE detention")
top_ax.legend(loc="upper left")
for seg, part in ag_line.groupby("segment"):
    low_ax.plot(pd.to_datetime(part["list_date"]), part["agreements"], color=charts.MODEL_COLORS["JEM"], lw=2)
low_ax.set_ylabel("287(g) agreements\non ICE's list")
low_ax.set_ylim(bottom=0)
charts.show_figure(fig, charts.save_figure(
    fig, "detention_timeline",
    title=f"People held in ICE detention, and 287(g) agreements in force, {start[:4]}-{end[:4]}",
    source=("ICE detentionStats workbooks (currently detained); TRAC, Syracuse University (pop_agen); ICE 287(g) "
            f"lists (ice.gov table, ICE workbooks). The agreement line breaks where {gap_note}"),
    alt_text=(f"Two panels sharing a time axis. Top: people in ICE detention from {trac['date'].min()[:4]} to "
              f"{trac['date'].max()[:4]}, from {trac['total_all'].min():,} at the lowest to "
              f"{trac['total_all'].max():,} at the highest. Bottom: 287(g) agreements on each ICE list, "
              f"{low['agreements']:,} at the lowest ({low['list_date']}) and {newest['agreements']:,} on the newest "
              f"list ({newest['list_date']})."),
    data=pd.concat([trac[["date", "total_all"]].assign(series="TRAC pop_agen"),
                    held.rename(columns={"plotted_date": "date"})[["date", "total_all"]].assign(
                        series="ICE workbook currently detained"),
                    ag_line.rename(columns={"list_date": "date", "agreements": "total_all"})[["date", "total_all"]]
                    .assign(series="287(g) agreements")], ignore_index=True),
    inputs=workbook_inputs + trac_inputs, sort_by=["series", "date"],
))

# %% [markdown]
# ## States: agreements against detention

# %%
# the release in force at as_of; refused (LookupError) when it is older than the gap threshold
day = detention.release_for(releases["release_date"], as_of)
if day is None:
    raise ValueError(f"no detention release on or before {as_of} (first is {releases['release_date'].min()})")
pair = versus[versus["release_date"] == day] if day in set(versus["release_date"]) else detention.vs_agreements(
    det.by_state, releases, rows, lists, release_dates=[day])
if pair.empty:  # no ICE list in force at that release: the store says which list is too old, and by how much
    asof.list_row_for(lists, day)
pair = pair[(pair["adp_total"] > 0) | (pair["agreements"] > 0)]
fig, ax = plt.subplots(figsize=(10, 7))
ax.scatter(pair["agreements"], pair["adp_total"], color=charts.MODEL_COLORS["JEM"], s=28)
for r in pair.itertuples():
    ax.annotate(r.state, (r.agreements, r.adp_total), fontsize=7.5, xytext=(3, 2), textcoords="offset points")
ax.set_xscale("symlog", linthresh=10)
ax.set_yscale("symlog", linthresh=100)
ax.set_xlabel(f"287(g) agreements on the ICE list of {pair['list_date'].iloc[0]}")
ax.set_ylabel(f"ICE detention ADP, release of {day}")
ax.grid(True, color="#e5e5e5")
charts.show_figure(fig, charts.save_figure(
    fig, "detention_vs_agreements_states",
    title=f"287(g) agreements and people in ICE detention, by state ({day})",
    source=(f"ICE detentionStats workbook released {day}; ICE 287(g) list {pair['list_id'].iloc[0]}; both axes "
            "are linear near zero and logarithmic above"),
    alt_text=(f"Scatter plot of {len(pair)} states: agreements on the horizontal axis, detention ADP on the "
              "vertical axis, each point labelled with the state's code."),
    data=pair, inputs=workbook_inputs, sort_by=["state"],
))

# %% [markdown]
# ## Facilities on the map of 287(g) coverage

# %%
counties, states = maps.map_layers()
places = asof.read_processed("agreement_places.csv")
list_id = pair["list_id"].iloc[0]
mix, statewide = maps.coverage_on_list(rows, places, list_id)
fac = det.facilities[(det.facilities["release_date"] == day) & (det.facilities["county_fips"] != "")]
per_county = fac.groupby("county_fips").agg(adp=("adp_total", "sum"), facilities=("facility", "size")).reset_index()
points = counties.merge(per_county, on="county_fips")
points = points.assign(x=points.geometry.representative_point().x, y=points.geometry.representative_point().y)
fig, ax = plt.subplots(figsize=(12, 7.5))
charts.draw_polygons(ax, states.geometry)
charts.draw_polygons(ax, counties[counties["county_fips"].isin(mix["county_fips"])].geometry, facecolor="#c6dbef",
                     zorder=2)
charts.draw_polygons(ax, states[states["state"].isin(statewide)].geometry, facecolor="none", edgecolor="#6f8fb0",
                     hatch="////", linewidth=0.5, zorder=3)
charts.draw_lines(ax, states.geometry)
ax.scatter(points["x"], points["y"], s=np.sqrt(points["adp"].clip(lower=0)) * 4, color=charts.MODEL_COLORS["WSO"],
           alpha=0.75, edgecolor="#7a4f00", linewidth=0.5, zorder=4)
charts.adp_legend(ax, (100, 1000, 3000), lambda adp: np.sqrt(adp) * 4, color=charts.MODEL_COLORS["WSO"], alpha=0.75)
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 0.9), title="detention (per county)", labelspacing=1.4)
ax.set_axis_off()
charts.show_figure(fig, charts.save_figure(
    fig, "facilities_map",
    title=f"ICE detention facilities and 287(g) coverage ({day})",
    source=(f"ICE detentionStats workbook released {day} (ADP summed by county; counties from the facility "
            f"crosswalks or the facility's city); ICE 287(g) list {list_id}: blue counties hold a local agreement, "
            "hatched states a statewide one; U.S. Census Bureau 2024 boundaries, EPSG:5070"),
    alt_text=(f"Map of the U.S. with {len(fac)} detention facilities in {len(per_county)} counties drawn as circles "
              "sized by average daily population over counties shaded where a 287(g) agreement is in force."),
    data=per_county.merge(counties[["county_fips", "county", "state"]], on="county_fips", how="left").assign(
        release_date=day, covered=lambda d: d["county_fips"].isin(mix["county_fips"])),
    inputs=workbook_inputs + [paths.raw_dir() / census.COUNTY_20M], sort_by=["county_fips"],
))
