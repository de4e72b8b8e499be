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
# # 00 · The 287(g) program: a short history, told from ICE's own lists
#
# Read this notebook first. It tells the program's story in the order things happened. The
# milestones, with a source for each, come from `data/hand/program_events.csv`. **Every number comes
# from the archived lists when the notebook runs**: nothing in the text below was typed by hand.
# The other notebooks show how the lists were read (`01`), where the agreements are (`03`) and what
# detention looks like beside them (`04`).

# %% tags=["parameters"]
gap_days = 180  # lists further apart than this are a gap in the record

# %%
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import ice287g
from ice287g.history import asof
from ice287g.analyses import program_history
from ice287g.archive import coverage
from ice287g.core import paths
from ice287g.history import agreements
from ice287g.ingest import census
from ice287g.places import maps
from ice287g.publish import charts
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table

ice287g.setup_notebook("00_program_history")

# %%
lists = asof.read_processed("lists.csv")
counts = asof.read_processed("list_counts.csv")
events = agreements.program_events()
m = agreements.milestones(lists, counts).set_index("milestone")
stage_commit.commit("00_program_history", {paths.processed_dir() / "program_milestones.csv":
                                            Table(m.reset_index(), ["list_date", "milestone"])})
gaps = coverage.list_gaps(coverage.coverage(), gap_days)
ev = events.set_index("short_label")


def at(key):
    return m.loc[key]


# %% [markdown]
# ## The three models
#
# - **Jail Enforcement Model (JEM).** Officers the agency names, trained and supervised by ICE, question
#   people already booked into the agency's jail about their immigration status and start removal
#   proceedings. Source: ICE, *Delegation of Immigration Authority Section 287(g) Immigration and
#   Nationality Act* (ice.gov/identify-and-arrest/287g).
# - **Warrant Service Officer (WSO).** Jail officers trained by ICE serve and execute ICE's administrative
#   warrants on people in the agency's custody, so that ICE can take them into its own custody; they do
#   not question anyone about status. Source: ICE news release announcing the model (see the milestones).
# - **Task Force Model (TFM).** Officers use limited immigration authority during their ordinary police
#   work in the community, not only in a jail. ICE let these agreements lapse and later brought the model
#   back (see the milestones and the chart). Source: ICE's 287(g) page above; the news report in the
#   milestones.
#
# The earliest lists (ICE's partners page) name the agencies but print no model: the chart shows only
# their total.

# %% [markdown]
# ## Milestones and their sources

# %%
display(Markdown(program_history.markdown_table(events[["date", "event", "source"]])))

# %% [markdown]
# ## Agreements by model, from the first archived list to the newest
#
# Letters mark the four lists the maps below show; numbers mark the program events listed under the chart.
# A shaded stretch is a time from which no ICE list survives: no line is drawn across it.

# %%
line = agreements.timeline(lists, counts, gap_days)
wide = program_history.model_counts(line)
spans = program_history.gap_spans(wide)
picked = program_history.moments(wide)
marks = program_history.events_in(events, wide)
surge_from = wide[wide["list_date"] < ev.loc["EO 14159", "date"]]
zoom_top = int(surge_from["ALL"].max())
letters = dict(zip(picked["moment"], "ABCD"))
fig, axes = plt.subplots(2, 1, figsize=(12, 9), sharex=True, gridspec_kw={"height_ratios": [1.3, 1]})
for ax in axes:
    for model in ["ALL", *charts.MODEL_ORDER]:
        name = "all agreements" if model == "ALL" else charts.MODEL_NAMES[model]
        for seg, part in wide.groupby("segment"):
            part = part.dropna(subset=[model])
            ax.plot(pd.to_datetime(part["list_date"]), part[model].astype(float),
                    color="#bbbbbb" if model == "ALL" else charts.MODEL_COLORS[model],
                    lw=4 if model == "ALL" else 1.6, zorder=1 if model == "ALL" else 2,
                    label=name if (ax is axes[0] and seg == wide["segment"].min()) else None)
    for g in spans.itertuples():
        a, b = pd.Timestamp(g.last_list_before), pd.Timestamp(g.first_list_after)
        ax.axvspan(a, b, color="#eeeeee", zorder=0)
        ax.text(a + (b - a) / 2, 0.35, "no list archived", transform=ax.get_xaxis_transform(), rotation=90,
                ha="center", va="center", fontsize=8, color="#666666")
    for i, e in enumerate(marks.itertuples(), start=1):
        ax.axvline(pd.Timestamp(e.date), color="#999999", lw=0.8, ls="--", zorder=0.5)
    ax.set_ylim(bottom=0)
for i, e in enumerate(marks.itertuples(), start=1):
    # events a month apart would print over each other: every other number sits lower
    axes[0].text(pd.Timestamp(e.date), 0.97 if i % 2 else 0.9, str(i), transform=axes[0].get_xaxis_transform(),
                 ha="center", va="top", fontsize=9, fontweight="bold", color="#333333",
                 bbox={"boxstyle": "circle", "fc": "white", "ec": "#999999", "lw": 0.6})
for r in picked.itertuples():
    ax = axes[0] if r.moment == "newest" else axes[1]
    ax.plot(pd.Timestamp(r.list_date), r.agreements, "o", color="black", ms=5, zorder=3)
    ax.annotate(f"{letters[r.moment]}  {r.label}\n{r.list_date}: {r.agreements:,}", (pd.Timestamp(r.list_date), r.agreements),
                textcoords="offset points", xytext=(6, 8), ha="left", fontsize=8.5,
                bbox={"fc": "white", "ec": "none", "alpha": 0.8})
surge_start, surge_end = at("start_of_2025"), at("newest")
axes[0].annotate(f"the surge after EO 14159: {surge_start.agreements:,} agreements on {surge_start.list_date}, "
                 f"{surge_end.agreements:,} on {surge_end.list_date}",
                 xy=(pd.Timestamp(surge_start.list_date), surge_start.agreements),
                 xytext=(pd.Timestamp(surge_start.list_date) - pd.Timedelta(days=3650), surge_end.agreements * 0.6),
                 fontsize=8.5, arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 0.8})
axes[1].set_ylim(0, zoom_top * 1.3)
axes[0].set_ylabel("agreements on the list")
axes[1].set_ylabel(f"the same, scale cut at {round(zoom_top * 1.3):,}")
axes[0].legend(loc="upper left", fontsize=9)
key = "   ".join(f"{i} {e.date} {e.short_label}" for i, e in enumerate(marks.itertuples(), start=1))
axes[1].text(0, -0.14, "Events: " + key, transform=axes[1].transAxes, fontsize=8.5, va="top", color="#333333")
timeline_data = wide.merge(picked[["list_id", "moment"]], on="list_id", how="left").fillna({"moment": ""})
list_inputs = [paths.raw_dir() / "ice_287g" / f for f in sorted(lists.loc[lists["list_id"].isin(wide["list_id"]),
                                                                           "source_file"].unique())]
by_model = ", ".join(f"{int(surge_end[m]):,} {charts.MODEL_NAMES[m]}" for m in charts.MODEL_ORDER)
charts.show_figure(fig, charts.save_figure(
    fig, "program_timeline",
    title="287(g) agreements on ICE's lists by model, from the first archived list to the newest",
    source=(f"ICE 287(g) lists: {agreements.era_sources(lists, wide['list_id'])}; program events: "
            f"data/hand/program_events.csv. Gaps longer than {gap_days} days are left blank."),
    alt_text=(f"Two stacked line charts of agreements on ICE's lists from {wide['list_date'].min()} to "
              f"{wide['list_date'].max()}, one line per model and a grey line for all agreements; the lower chart "
              f"cuts the scale at {round(zoom_top * 1.3):,} to show the years before the surge. "
              + "; ".join(f"{letters[r.moment]}, {r.label}: {r.agreements:,} agreements on {r.list_date}"
                          for r in picked.itertuples())
              + f". The newest list holds {by_model} agreements. Shaded stretches that no line crosses: "
              + "; ".join(f"no list archived from {g.last_list_before} to {g.first_list_after}"
                          for g in spans.itertuples())
              + ". Dashed lines mark: " + "; ".join(f"{e.short_label} ({e.date})" for e in marks.itertuples()) + "."),
    data=timeline_data, inputs=list_inputs + [paths.hand_dir() / "program_events.csv"], sort_by=["list_date", "list_id"],
))

# %% [markdown]
# ## The program on the map at four moments
#
# The four lists are chosen by the counts, not by hand: the **first peak** (most agreements before the
# longest stretch without an archived list), the **low point** (fewest agreements on any list after that
# peak), the **first list after the longest gap**, and the **newest** list. Counties are coloured by the
# models their agencies hold; hatched states hold a statewide agreement. The earliest lists print no
# county, so their agencies are placed by name (notebook `03`).

# %%
list_rows = asof.read_processed("list_rows.csv")
places = asof.read_processed("agreement_places.csv")
panels = program_history.moment_maps(list_rows, places, picked)
counties, states = maps.map_layers()
fig, axes = plt.subplots(2, 2, figsize=(13, 9))
for ax, r in zip(axes.flat, picked.itertuples()):
    shown = panels[panels["moment"] == r.moment]
    statewide = [s for s in shown["statewide_states"].iloc[0].split(";") if s]
    corrections = [s for s in shown["corrections_only_states"].iloc[0].split(";") if s]
    charts.draw_coverage(ax, counties, states, shown, statewide, corrections_only=corrections)
    ax.set_title(f"{letters[r.moment]} · {r.label}, {r.list_date}\n{r.agreements:,} agreements, "
                 f"{len(shown):,} counties, {len(statewide)} states statewide", fontsize=10)
charts.coverage_legend(axes.flat[-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
charts.show_figure(fig, charts.save_figure(
    fig, "program_moments_maps",
    title="Where the 287(g) agreements were at four moments of the program",
    source=("ICE 287(g) lists of each date; counties as placed in 03_maps (agreement_places.csv); "
            "U.S. Census Bureau 2024 boundaries, EPSG:5070"),
    alt_text=("Four maps of U.S. counties, one per moment chosen from the counts: "
              + "; ".join(f"{letters[r.moment]}, {r.label} ({r.list_date}): {r.agreements:,} agreements in "
                          f"{int((panels['moment'] == r.moment).sum()):,} counties"
                          for r in picked.itertuples())
              + ". Counties are coloured by model (blue jail, orange warrant service, green task force, purple "
                "two or more models); states with a statewide agreement are hatched."),
    data=panels, sort_by=["moment", "county_fips"],
    inputs=sorted(set(list_inputs)) + [paths.raw_dir() / census.COUNTY_20M, paths.raw_dir() / census.STATE_20M],
))

# %% [markdown]
# ## The story in numbers

# %%
first, fact, newest = at("first_archived_list"), at("first_fact_sheet"), at("newest")
gone, low, before_gap = at("task_forces_gone"), at("fact_sheet_low"), at("last_before_gap")
wso, start25, back = at("first_wso_list"), at("start_of_2025"), at("task_forces_back")
long_gap = gaps.sort_values("days").iloc[-1]
start25_year = ev.loc["EO 14159", "date"][:4]
text = f"""
**Origins.** Congress created the program in {ev.loc['287(g) enacted', 'date'][:4]}; Florida signed the first
agreement in {ev.loc['first agreement (FL)', 'date'][:4]}. The oldest list in this archive, ICE's partners page
of {first.list_date}, names **{first.agreements:,}** agencies with agreements.

**Growth and the task forces.** The first archived fact-sheet roster ({fact.list_date}) lists **{fact.agreements:,}**
agreements: {fact.JEM} jail-model and {fact.TFM} task-force agreements. ICE let the task forces lapse at the end of
{ev.loc['task forces ended', 'date'][:4]}; the first roster without any task-force agreement is dated {gone.list_date},
with **{gone.agreements:,}** agreements left. The roster reaches its low of **{low.agreements:,}** on {low.list_date}.

**The {ev.loc['EO 13768', 'date'][:4]} resurgence and the gap.** After the executive order of {ev.loc['EO 13768', 'date']}, the roster grows
to **{before_gap.agreements:,}** agreements on {before_gap.list_date}. Then the record stops: **no ICE list survives
from {long_gap.last_list_before} to {long_gap.first_list_after}** ({long_gap.days:,} days). ICE created the Warrant
Service Officer model inside that gap ({ev.loc['WSO model', 'date'][:7]}); it first appears on an archived list on
{wso.list_date}, with **{wso.WSO}** WSO agreements beside {wso.JEM} jail-model ones.

**{ev.loc['EO 13993', 'date'][:4]} to {int(ev.loc['EO 14159', 'date'][:4]) - 1}.** The program holds steady: the last list before {ev.loc['EO 14159', 'date']} ({start25.list_date})
shows **{start25.agreements:,}** agreements.

**The {ev.loc['EO 14159', 'date'][:4]} surge.** Task-force agreements return on {back.list_date}. On the newest list ({newest.list_date}) ICE
counts **{newest.agreements:,}** agreements: {newest.JEM:,} jail-model, {newest.WSO:,} warrant-service and {newest.TFM:,}
task-force agreements. That is {newest.agreements / start25.agreements:.1f} times the count at the start of {start25_year}.
"""
display(Markdown(text))

# %% [markdown]
# ## The milestones in numbers
# Each row is one archived list; the counts are ICE's, by model.

# %%
table = m.reset_index()[["label", "list_date", "agreements", "JEM", "WSO", "TFM"]]
display(Markdown(program_history.markdown_table(table.rename(columns={"label": "milestone", "list_date": "list"}))))

# %% [markdown]
# ## What the record cannot tell
# Every stretch longer than `gap_days` days without an archived ICE list. No chart in this project
# draws a line across them, and an agreement that vanished inside one was last seen on the date
# before it.

# %%
display(Markdown(program_history.markdown_table(gaps.rename(columns={
    "last_list_before": "last list before", "first_list_after": "first list after", "days": "days without a list"}))))
