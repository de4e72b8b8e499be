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

# %% tags=["parameters"]
state = "FL"
as_of = "newest"

# %%
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator
from IPython.display import HTML, Markdown, display

import ice287g
from ice287g.analyses import pending, state_brief
from ice287g.core import paths
from ice287g.detention import detention, jails
from ice287g.history import agreements, asof
from ice287g.places import geography
from ice287g.places import maps
from ice287g.publish import brief, change_pages, charts, i18n
from ice287g.build import reports
from ice287g.core.vocab import GAP_DAYS

ice287g.setup_notebook("state_report")

# %%
lists = asof.read_processed("lists.csv")
counts = asof.read_processed("list_counts.csv")
rows = asof.read_processed("list_rows.csv")
ags = asof.read_processed("agreements.csv")
agency_types = asof.read_processed("agencies.csv")
places = asof.read_processed("agreement_places.csv")
facilities_all = asof.read_processed("detention_facilities.csv")
counties, state_shapes = maps.map_layers()
state = state.upper()
if state not in reports.report_states(ags):
    raise ValueError(f"{state}: no agreement was ever listed; states with reports: {reports.report_states(ags)}")
names = geography.states().set_index("state")["state_name"]
state_name = names.get(state, state)
list_id = asof.list_row_for(lists, as_of)["list_id"]
meta = lists.set_index("list_id").loc[list_id]
on_list = rows[(rows["list_id"] == list_id) & (rows["state"] == state)]
list_file = paths.raw_dir() / "ice_287g" / meta["source_file"]
fac, release = reports.state_facilities(facilities_all, counties, state, as_of)
reports.show_title(reports.state_report_title(state_name, meta["list_date"], release))

# %% [markdown]
# ## In brief

# %%
timeline = state_brief.state_timeline(lists, counts, state)
per_list = timeline[timeline["model"] == "ALL"].set_index("list_date")["agreements"]
display(Markdown(brief.state_brief_text("en", state_brief.state_brief(lists, counts, rows, state, list_id), state_name)))
# the share of the state's sheriffs and police in the program (03_maps), on the newest list whatever `as_of` is
display(Markdown(brief.state_shares_text("en", asof.read_processed("state_agency_shares.csv"), state, state_name)))

# %% [markdown]
# ## The state's map: counties covered
# Counties shaded by the models their local agreements use on the list this report shows; a statewide
# agreement of a law-enforcement agency (state police, patrol, investigators) hatches the whole state. A
# corrections department's covers the people it holds, not the state's residents: a state whose only
# statewide agreements are a corrections department's is hatched apart and not counted as covered.

# %%
display(Markdown(reports.statewide_summary(rows, places, list_id, state)))
shape = counties[counties["state"] == state]
if shape.empty:
    display(Markdown(f"{state_name} has no county boundaries in the 2024 Census 1:20m file, so no map is drawn."))
else:
    mix, statewide = maps.coverage_on_list(rows, places, list_id)
    mix = mix[mix["county_fips"].isin(shape["county_fips"])]
    statewide = [s for s in statewide if s == state]
    corrections_only = [s for s in maps.corrections_only_states(rows, places, list_id) if s == state]
    fig, ax = plt.subplots(figsize=(9, 8))
    charts.draw_coverage(ax, counties, state_shapes, mix, statewide, corrections_only=corrections_only,
                         zoom_state=state, label=len(shape) <= 120)
    charts.coverage_legend(ax, corrections=bool(corrections_only), loc="upper left", bbox_to_anchor=(1.0, 0.9),
                           fontsize=9)
    map_data = shape[["county_fips", "county"]].merge(mix, on="county_fips", how="left").fillna(
        {"models": "", "agreements": 0, "category": "none"})
    charts.show_figure(fig, charts.save_figure(
        fig, "state_county_map",
        title=i18n.message("en", "state.map_title", state=state_name, date=meta["list_date"]),
        source=(f"ICE 287(g) list {meta['source_file']}; placement in data/processed/agreement_places.csv; "
                "U.S. Census Bureau 2024 cartographic boundaries (1:20m), EPSG:5070"),
        alt_text=brief.state_map_alt("en", state_name, len(shape), len(mix), bool(statewide), bool(corrections_only)),
        data=map_data.assign(statewide=bool(statewide) and not corrections_only,
                             corrections_only=bool(corrections_only)),
        inputs=[list_file], sort_by=["county_fips"],
    ))

# %% [markdown]
# ## Changes since the previous list
# This report's list against the list just before it in the archive, agreement by agreement: the same
# comparison as the project's change report, for this state. A renamed agency is one agreement under a new
# name, not an addition and a removal.

# %%
display(HTML(change_pages.state_changes_html(reports.change_report(as_of), state)))

# %% [markdown]
# ## Added and removed recently
# The list in force about three months earlier compared with this report's list, agreement by agreement
# (agency × model × signing date).

# %%
changes, before_id, after_id = reports.recent_changes(rows, lists, state, as_of)
dates = lists.set_index("list_id")["list_date"]
summary = changes["change"].value_counts().reindex(list(agreements.CHANGE_KINDS), fill_value=0)
display(Markdown(f"From the list of {dates[before_id]} (in force {reports.RECENT_DAYS} days before) to the list "
                 f"of {dates[after_id]}: "
                 + ", ".join(f"**{n:,}** {k.replace('_', ' ')}" for k, n in summary.items()) + "."))
if len(changes):
    display(HTML(reports.html_table(changes.assign(change=changes["change"].str.replace("_", " ")),
                                    change_pages.STATE_CHANGE_HEADERS)))

# %% [markdown]
# ## Agreements over time, by model
# Each colored line is one model, the grey line all agreements (the earliest lists name no model);
# a break in a line is a gap in the archive (a stretch with no surviving list), not a drop to zero.

# %%
fig, ax = plt.subplots(figsize=(10, 4.5))
for m in [*charts.MODEL_ORDER, "ALL"]:
    part = timeline[timeline["model"] == m]
    style = dict(color=charts.MODEL_COLORS[m], lw=1.8) if m != "ALL" else dict(color=charts.NEUTRAL, lw=1, ls="--")
    for i, (_, seg) in enumerate(part.groupby("segment")):
        ax.plot(pd.to_datetime(seg["list_date"]), seg["agreements"], **style,
                label=(charts.MODEL_NAMES.get(m, "all agreements")) if i == 0 else None)
ax.set_ylabel("agreements on the list")
ax.set_ylim(bottom=0)
ax.yaxis.set_major_locator(MaxNLocator(integer=True))
ax.legend(loc="upper left")
charts.show_figure(fig, charts.save_figure(
    fig, "state_timeline",
    title=f"287(g) agreements in {state_name} by model, every archived ICE list",
    source="ICE 287(g) lists (fact-sheet rosters, ice.gov tables, participating-agency workbooks), as archived",
    alt_text=(f"Line chart of {state_name}'s agreements by model from {timeline['list_date'].min()} to "
              f"{timeline['list_date'].max()}, peaking at {per_list.max()} on {per_list.idxmax()}."),
    data=timeline, sort_by=["list_date", "model"],
))

# %% [markdown]
# ## Agencies
# Every agency of the state with an agreement listed on or before this report's list. `status` is
# *in force* when one of its agreements is on that list; `models` and `signed` describe the
# agreements in force (for an ended agency, the ones it had). `ORI` is the agency's code on the FBI's agency
# rosters, where a logged rule found exactly one (`data/processed/agency_roster_matches.csv` says how, or why
# not): the key to join these agencies to crime, arrest and staffing data the FBI publishes.

# %%
table = reports.state_agencies(ags, agency_types, places, counties, rows, list_id, state)
display(Markdown(f"{(table['status'] == 'in force').sum()} agencies in force, {(table['status'] == 'ended').sum()} "
                 f"ended. [Search them]({reports.agency_search_href(state, as_of)}) with every other state's."))
display(HTML(reports.agencies_table_html(table)))

# %% [markdown]
# ## Pending requests
# How the state's requests on ICE's pending lists ended, up to the newest pending list whatever this report's
# date: signed (listed as participating afterwards, in the model asked or another), dropped, or still pending.

# %%
display(Markdown(pending.state_summary(asof.read_processed("pending_outcomes.csv"), state)))

# %% [markdown]
# ## Jails and detention
# Facilities in ICE's detentionStats workbook (the newest release on or before this report's date), with their
# average daily population (ADP, people held on an average day of the fiscal year to date).

# %%
adp = detention.state_adp(as_of=release).set_index("state") if release else None
if release is None:
    display(Markdown(f"No ICE detention workbook in the archive was released in the {GAP_DAYS} days up to {as_of}."))
elif state in adp.index:
    r = adp.loc[state]
    display(Markdown(f"Release of {release}: **{len(fac)}** facilities holding **{r['adp_total']:,.0f}** people on "
                     f"an average day, rank **{int(r['rank'])}** of {len(adp)} states."))
else:
    display(Markdown(f"Release of {release}: no ICE detention facility in {state_name}."))
if len(fac):
    display(HTML(reports.html_table(fac.assign(adp_total=fac["adp_total"].map("{:,.1f}".format)),
                                    reports.FACILITY_HEADERS, numeric=("adp_total",))))

# %% [markdown]
# Which of these facilities are jails run by the state's own 287(g) agencies (`07_jails_and_detention`: matched by
# county and name, each match logged with its rule in `data/processed/agency_facility_matches.csv`; that table is
# for the newest release and list, whatever `as_of` is):

# %%
display(Markdown(jails.state_summary(asof.read_processed("agency_facility_matches.csv"), state)))

# %% [markdown]
# ## About this report
# How this page was made. One report per state or territory that ever had a 287(g) agreement. `make reports`
# runs this notebook with papermill for each of them (`reports/states/XX.html`); run one by hand with
# `python -m ice287g reports --state TX`. Everything above is computed from the committed processed
# tables (`data/processed/`) when the notebook runs.
#
# Parameters: `state` (two-letter code) and `as_of` (a date, or `newest`): the report shows the
# ICE list in force on that date and the newest detention release on or before it.
