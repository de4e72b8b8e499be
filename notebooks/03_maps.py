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
# # 03 · Where the agreements are: counties, states, people
#
# Every agreement is placed on the 2024 Census map. Its **jurisdiction level** (State, County,
# Municipal or Other: campus, port, court, constable, regional body) is ICE's TYPE column wherever a
# list prints one for the agency (its newest TYPE), unless a hand row in
# `data/hand/jurisdiction_levels.csv` overrules it with evidence; rules on the agency's name decide
# only for agencies no list types. Every agency whose name rules read another level than its TYPE is
# listed in `data/qa/type_disagreements.csv`. Its **county** comes from ICE's COUNTY column where
# printed. Where no list prints one, a municipal or other local agency is placed by the coordinates of
# its FBI ORI (`agency_roster_matches.csv`) in the 2024 county polygons, else by the 2020 Census place
# of the town in its name, in the county holding the largest share of the place's people (the share is
# kept, and flagged when under nine tenths). Then, as for every other agency, the agency's own name
# ("Polk County Sheriff's Office"), else the 2010 Census places file (the county holding the place's
# internal point, which also puts Connecticut towns in their planning regions of the Census
# boundaries), else a hand row with its evidence (`data/hand/agency_counties.csv`, which overrules every
# rule). State agencies are statewide and get no county; each is a **corrections department** (prisons,
# jails: its agreement reaches the people it holds, not the state's residents) or a **law-enforcement
# agency**, by the role its name reads unless a hand row in `data/hand/statewide_agency_roles.csv` says
# otherwise (every decision in `data/qa/statewide_agency_roles.csv`). A failed placement check stops this
# notebook before it writes the processed tables.
#
# Parameters: `as_of` (a date or `newest`), `model` (`ALL`, `JEM`, `WSO`, `TFM`) and `state`
# (`ALL` or a two-letter code, which zooms the county maps to that state and labels its counties).

# %% tags=["parameters"]
as_of = "newest"
model = "ALL"
state = "ALL"
spread_dates = "2017-01-20;2021-01-31;2023-06-30;2025-01-31;2025-06-30;2025-12-31;newest"

# %%
import matplotlib.pyplot as plt
import pandas as pd

import ice287g
from ice287g.core import paths
from ice287g.history import agreements, asof
from ice287g.ingest import fbi_rosters
from ice287g.ingest import census
from ice287g.places import geography
from ice287g.places import placement_qa
from ice287g.places import agency_shares
from ice287g.places import maps
from ice287g.publish import brief, charts
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table
from ice287g.core.vocab import GAP_DAYS

ice287g.setup_notebook("03_maps")

# %%
rows = asof.read_processed("list_rows.csv")
lists = asof.read_processed("lists.csv")
ags = asof.read_processed("agreements.csv")
roster_matches = asof.read_processed("agency_roster_matches.csv")
roster_counties = geography.roster_point_counties(roster_matches, fbi_rosters.read_rosters())
places = geography.place_agreements(rows, lists, ags, roster_counties)
unplaced = geography.unplaced_table(places)
rates = geography.placement_rates(rows, lists, places)
disagreements = geography.type_disagreements(places)
unused_fixes = placement_qa.unused_place_fixes(places, geography.agency_names(rows, lists))
county_since = geography.county_column_since(rows, lists)
# The same agreements by today's rules alone (no roster, no 2020 place file): what the second opinion changed.
baseline = geography.place_agreements(rows, lists, ags, second_opinion=False)
changes = geography.placement_changes(places, baseline)
roster_check = geography.roster_place_check(places)
placement_checks = pd.concat([
    placement_qa.placement_qa(places, ags, rates, unplaced, disagreements, unused_fixes,
                           placement_qa.hand_place_problems(), county_since),
    geography.second_opinion_qa(places, changes, roster_check)], ignore_index=True)
roles = maps.statewide_agency_roles(places, ags, lists)
counts = geography.county_counts(rows, lists, places)
# the shares of each state's sheriffs and police in the program, gated with the placement
fbi_2018 = fbi_rosters.read_fbi_2018(paths.raw_dir() / agency_shares.ROSTER_FILE)
newest_list = asof.list_row_for(lists, "newest")
on_newest = agency_shares.list_agencies(rows, newest_list["list_id"], roster_matches)
state_shares = agency_shares.shares(fbi_2018, on_newest, newest_list["list_date"])
left_out = agency_shares.not_counted(fbi_2018, on_newest)
# a failed placement check writes none of these tables
qa_dir, proc = paths.qa_dir(), paths.processed_dir()
_ = stage_commit.commit("03_maps", {
    qa_dir / "unplaced_agreements.csv": Table(unplaced, ["agreement_id"]),
    qa_dir / "placement_rates.csv": Table(rates, ["list_date", "list_id"]),
    qa_dir / "unused_place_fixes.csv": Table(unused_fixes, ["table", "state", "value"]),
    qa_dir / "type_disagreements.csv": Table(disagreements, ["state", "agency", "agency_id"]),
    qa_dir / "placement_changes.csv": Table(geography.changed_counties(changes), ["state", "agency", "agency_id"]),
    qa_dir / "statewide_agency_roles.csv": Table(roles, ["state", "agency", "agency_id"]),
    proc / "agreement_places.csv": Table(places, ["agreement_id"]),
    proc / "county_counts.csv": Table(counts, ["as_of", "county_fips"]),
    proc / "state_agency_shares.csv": Table(state_shares, ["state"]),
    qa_dir / "agency_shares_unmatched.csv": Table(left_out, ["state", "agency_id"]),
}, pd.concat([placement_qa.prefixed(placement_checks, "placement_"),
              agency_shares.checks(state_shares, on_newest, left_out)], ignore_index=True))
counties, states = maps.map_layers()
census_inputs = [paths.raw_dir() / f for f in (census.COUNTY_20M, census.STATE_20M, geography.COUNTY_5M,
                                               census.PLACES, census.PLACE_SHARES, census.POPULATION)]
# the county maps also rest on the FBI rosters' coordinates
placement_inputs = census_inputs + [paths.raw_dir() / f for f in fbi_rosters.ROSTER_FILES.values()]

# %% [markdown]
# ## How each agreement was placed

# %%
# NBVAL_CHECK_OUTPUT
print("method:", places["method"].value_counts().sort_index().to_dict())
print("level:", places["jurisdiction_level"].value_counts().sort_index().to_dict())
recent = rates[rates["list_date"] >= county_since] if county_since else rates.iloc[0:0]
print(f"first list printing a county: {county_since}; lowest share placed since then "
      f"{recent['share_placed'].min():.2%}, before it {rates.drop(recent.index)['share_placed'].min():.2%}")
print(f"unplaced agreements: {len(unplaced)}, every one explained: {bool(unplaced['explained'].all())}")
print(placement_checks[["check", "scope", "status"]].to_string(index=False))

# %%
unplaced.drop_duplicates(["state", "agency"])[["state", "agency", "county_printed", "reason"]]

# %% [markdown]
# ## Where no list prints a county: the FBI roster and the 2020 places
# Municipal and other local agencies that no list gives a county are placed first by the coordinates of
# their FBI ORI, then by the 2020 place of their town (largest county share), and only then by today's
# rules. The table compares both placements, by agency and by agreement; below it, every agency whose
# county is not the one today's rules give (`data/qa/placement_changes.csv`), with the reason. A roster
# point in a county where the agency's own 2020 place has no resident stops the build until a hand row
# settles it.

# %%
# NBVAL_CHECK_OUTPUT
by_method = pd.DataFrame({
    (label, unit): frame.drop_duplicates("agency_id")["method"].value_counts() if unit == "agencies"
    else frame["method"].value_counts()
    for label, frame in (("today's rules", baseline), ("with roster and 2020 places", places))
    for unit in ("agencies", "agreements")}).reindex(list(geography.METHODS)).fillna(0).astype(int)
print(by_method.to_string())
moved = geography.changed_counties(changes)
print(f"\nagencies whose county changed: {len(moved)} ({int(moved['agreements'].sum())} agreements); "
      f"same county, another method: {int((~changes['county_changed']).sum())}; "
      f"placed now, unplaced by today's rules: {int((changes['old_method'] == 'unplaced').sum())}")
print(moved.groupby("reason").agg(agencies=("agency_id", "size"), agreements=("agreements", "sum")).to_string())
flagged = places[places["share_flag"]].drop_duplicates("agency_id")
print(f"placed by a 2020 place share under {geography.SHARE_FLAG_BELOW}: {len(flagged)} agencies; roster points "
      f"checked against the agency's own 2020 place: {len(roster_check)}, outside it: "
      f"{int(roster_check['conflict'].sum())}")

# %%
moved[["state", "agency", "old_method", "old_county_fips", "new_method", "new_county_fips", "county_share",
       "reason"]]

# %% [markdown]
# ## ICE's TYPE against the name rules
# Agencies whose name rules read another level than ICE's TYPE, or whose level is not the TYPE's. The
# TYPE decides; a hand row overrules it only with evidence (its reason is quoted). Hand rows first.

# %%
# NBVAL_CHECK_OUTPUT
settled = disagreements["settled_by"].value_counts()
print(f"{len(disagreements)} agencies disagree with ICE's TYPE: settled by the TYPE {settled.get('type', 0)}, "
      f"by a hand row {settled.get('hand', 0)}")
print(pd.crosstab(disagreements["rule_level"], disagreements["type_level"]).rename_axis(
    index="name rules read", columns="ICE's TYPE says"))
statewide_agencies = places[places["method"] == "statewide"].drop_duplicates("agency_id")
print(f"statewide agencies: {len(statewide_agencies)}, by what decided the level: "
      f"{statewide_agencies['level_rule'].value_counts().sort_index().to_dict()}")

# %%
disagreements.sort_values(["settled_by", "state", "agency"])[
    ["state", "agency", "agency_type", "rule_level", "level", "settled_by", "reason"]].head(20)

# %% [markdown]
# ## Statewide agencies: corrections department or law enforcement
# A statewide agreement covers a whole state only when a law-enforcement agency holds it. A state
# corrections department's agreement (a JEM or WSO in its prisons, or its own investigators' TFM)
# reaches the people the department holds, not the state's residents, so a state whose only statewide
# agreements are a corrections department's is marked apart on the maps and counted as covered only in
# the widest figure below. The role is the one the agency's name reads (`keys.name_role_and_core` on
# its identity key, where DOC is spelled out), unless a hand row says otherwise; the agencies on the
# newest list, corrections departments first:

# %%
# NBVAL_CHECK_OUTPUT
newest_roles = roles[roles["on_newest"]].sort_values(["statewide_role", "state", "agency"])
print(f"statewide agencies: {len(roles)} in the history, {len(newest_roles)} on the newest list; by role: "
      f"{roles['statewide_role'].value_counts().sort_index().to_dict()}, by what decided it: "
      f"{roles['role_rule'].value_counts().sort_index().to_dict()}")
print(newest_roles[["state", "agency", "models", "name_role", "statewide_role", "role_rule"]].to_string(index=False))

# %%
newest_gpkg = counts[counts["as_of"] == counts["as_of"].max()]
# real positions for GIS (the map layers move Alaska, Hawaii and Puerto Rico into insets)
gpkg = maps.county_boundaries().merge(newest_gpkg.drop(columns=["county", "state"]), on="county_fips",
                                           how="left")
for col in ("JEM", "WSO", "TFM", "agreements", "agencies"):
    gpkg[col] = gpkg[col].fillna(0).astype("int64")
gpkg["as_of"] = counts["as_of"].max()
_ = stage_commit.commit("03_maps", {paths.processed_dir() / "agreements_by_county.gpkg": Table(
    gpkg.to_crs(4269).drop(columns=["population_2024"]).merge(census.county_population(), on="county_fips",
                                                              how="left"), ["county_fips"])})

# %% [markdown]
# ## The county map

# %%
list_id = asof.list_row_for(lists, as_of)["list_id"]
list_date = lists.set_index("list_id").loc[list_id, "list_date"]
source_file = lists.set_index("list_id").loc[list_id, "source_file"]
mix, statewide = maps.coverage_on_list(rows, places, list_id, model)
corrections_only = maps.corrections_only_states(rows, places, list_id, model)
off_map = sorted(set(rows.loc[rows["list_id"] == list_id, "state"]) - set(states["state"]))
zoom = state != "ALL"


def draw_counties(ax, mix, statewide, corrections_only, zoom_state=None, label=False):
    charts.draw_coverage(ax, counties, states, mix, statewide, corrections_only=corrections_only,
                         zoom_state=zoom_state, label=label)


fig, ax = plt.subplots(figsize=(12, 7.5) if not zoom else (9, 8))
draw_counties(ax, mix, statewide, corrections_only, state if zoom else None, label=zoom)
charts.coverage_legend(ax, loc="upper left", bbox_to_anchor=(1.0, 0.9), fontsize=9)
if off_map and not zoom:
    ax.text(0.01, 0.01, "Not drawn: " + ", ".join(off_map) + " (territories outside the Census 1:20m file)",
            transform=ax.transAxes, fontsize=8, color="#555555")
where = "" if not zoom else f", {state}"
what = "agreements" if model == "ALL" else f"{charts.MODEL_NAMES[model]} agreements"
map_data = mix.merge(counties[["county_fips", "county", "state"]], on="county_fips", how="left").assign(
    list_id=list_id, statewide_states=";".join(statewide), corrections_only_states=";".join(corrections_only))
charts.show_figure(fig, charts.save_figure(
    fig, "county_map",
    title=f"Counties covered by 287(g) {what}{where}, ICE list of {list_date}",
    source=(f"ICE 287(g) list {source_file}; counties from ICE's COUNTY column, else FBI roster coordinates or "
            "Census 2020 places (largest county share) for local agencies, agency names, Census 2010 places "
            "(point in 2024 county) or data/hand/agency_counties.csv; U.S. Census Bureau 2024 cartographic "
            "boundaries (1:20m), EPSG:5070, Alaska, Hawaii and Puerto Rico as insets"),
    alt_text=(f"Map of U.S. counties: {len(mix)} counties have at least one county, municipal or other local "
              f"287(g) agreement on the list of {list_date}, colored by model; {len(statewide)} states have a "
              f"statewide agreement, hatched: in {len(corrections_only)} of them ({', '.join(corrections_only)}) "
              "the only statewide agreements are a corrections department's, hatched apart."),
    data=map_data, inputs=[paths.raw_dir() / "ice_287g" / source_file] + placement_inputs,
    sort_by=["county_fips"],
))

# %% [markdown]
# ## One panel per model

# %%
fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
panels = []
for ax, m in zip(axes, charts.MODEL_ORDER):
    m_mix, m_statewide = maps.coverage_on_list(rows, places, list_id, m)
    m_corrections = maps.corrections_only_states(rows, places, list_id, m)
    m_mix = m_mix.assign(category=m)
    draw_counties(ax, m_mix, m_statewide, m_corrections, state if zoom else None)
    ax.set_title(f"{charts.MODEL_NAMES[m]}: {len(m_mix)} counties, {len(m_statewide)} statewide")
    panels.append(m_mix.assign(model=m, statewide_states=";".join(m_statewide),
                               corrections_only_states=";".join(m_corrections)))
charts.show_figure(fig, charts.save_figure(
    fig, "county_map_by_model",
    title=f"Counties covered by each 287(g) model, ICE list of {list_date}",
    source=f"ICE 287(g) list {source_file}; placement as in county_map; U.S. Census Bureau 2024 boundaries, EPSG:5070",
    alt_text="Three maps side by side, one per model (jail, warrant service, task force), each shading the "
             "counties with that model's agreements and hatching states with a statewide one (a corrections "
             "department's apart).",
    data=pd.concat(panels, ignore_index=True)[["model", "county_fips", "agreements", "statewide_states",
                                               "corrections_only_states"]],
    inputs=[paths.raw_dir() / "ice_287g" / source_file] + placement_inputs, sort_by=["model", "county_fips"],
))

# %% [markdown]
# ## How the program spread
# The same map at several dates (the list in force on each). Lists before the first one printing a
# county place agencies by their names and towns only; the panels say which.

# %%
dates = [d.strip() for d in spread_dates.split(";") if d.strip()]
ncols = 4
nrows_ = -(-len(dates) // ncols)
fig, axes = plt.subplots(nrows_, ncols, figsize=(16, 3.6 * nrows_))
spread = []
for ax, d in zip(axes.flat, dates):
    lid = asof.list_row_for(lists, d)["list_id"]
    meta = lists.set_index("list_id").loc[lid]
    d_mix, d_statewide = maps.coverage_on_list(rows, places, lid)
    d_corrections = maps.corrections_only_states(rows, places, lid)
    draw_counties(ax, d_mix, d_statewide, d_corrections)
    n = int((rows["list_id"] == lid).sum())
    note = "" if county_since and meta["list_date"] >= county_since else "\n(no COUNTY column: placed by name)"
    ax.set_title(f"{meta['list_date']}: {n} agreements{note}", fontsize=10)
    spread.append(d_mix.assign(requested=d, list_id=lid, list_date=meta["list_date"],
                               statewide_states=";".join(d_statewide),
                               corrections_only_states=";".join(d_corrections)))
for ax in list(axes.flat)[len(dates):]:
    ax.set_axis_off()
spread_df = pd.concat(spread, ignore_index=True)
charts.show_figure(fig, charts.save_figure(
    fig, "spread_small_multiples",
    title="How 287(g) agreements spread across U.S. counties",
    source=("ICE 287(g) lists in force on each date (fact-sheet roster, ice.gov table, ICE workbooks); "
            "colors and hatching as in county_map; U.S. Census Bureau 2024 boundaries, EPSG:5070"),
    alt_text=(f"{len(dates)} small maps from {spread_df['list_date'].min()} to {spread_df['list_date'].max()}: "
              "covered counties per panel: " + ", ".join(
                  f"{d} {n}" for d, n in spread_df.groupby("list_date")["county_fips"].nunique().items()) + "."),
    data=spread_df[["requested", "list_id", "list_date", "county_fips", "category", "agreements",
                    "statewide_states", "corrections_only_states"]],
    inputs=[paths.raw_dir() / "ice_287g" / f for f in sorted(lists.set_index("list_id").loc[
        spread_df["list_id"].unique(), "source_file"].unique())] + placement_inputs,
    sort_by=["list_date", "county_fips"],
))

# %% [markdown]
# ## States: agreements, in all and per resident
# Hatched as on the county map: states where a law-enforcement agency holds a statewide agreement, and
# apart, states whose only statewide agreements are a corrections department's.

# %%
list_statewide = maps.coverage_on_list(rows, places, list_id)[1]
list_corrections = maps.corrections_only_states(rows, places, list_id)
per_state = rows[rows["list_id"] == list_id].groupby("state").size().rename("agreements").reset_index()
per_state = per_state.merge(maps.state_population(), on="state", how="left")
per_residents = 100_000  # the rate's unit, as in county_counts.csv's agreements_per_100k
per_state["per_100k"] = (per_state["agreements"] / per_state["population_2024"] * per_residents).round(3)
shaded = states.merge(per_state, on="state", how="left")
fig, axes = plt.subplots(1, 2, figsize=(16, 5.5))
for ax, col, label in ((axes[0], "agreements", "agreements"),
                       (axes[1], "per_100k", f"agreements per {per_residents:,} residents")):
    charts.draw_polygons(ax, states.geometry, linewidth=0.4)
    valued = shaded.dropna(subset=[col])
    norm = plt.Normalize(valued[col].min(), valued[col].max())
    cmap = plt.get_cmap("cividis_r")
    charts.draw_polygons(ax, valued.geometry, facecolor=cmap(norm(valued[col].to_numpy())), linewidth=0.4, zorder=2)
    fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6, label=label)
    charts.draw_statewide(ax, states, list_statewide, list_corrections)
    ax.set_axis_off()
axes[0].legend(handles=charts.statewide_handles(), loc="upper left", bbox_to_anchor=(0.0, 0.02), ncol=2, fontsize=9,
               frameon=False)
per_state["statewide"] = [geography.CORRECTIONS if s in list_corrections else geography.LAW_ENFORCEMENT
                          if s in list_statewide else "" for s in per_state["state"]]
top_abs = per_state.sort_values("agreements", ascending=False).iloc[0]
top_rel = per_state.dropna(subset=["per_100k"]).sort_values("per_100k", ascending=False).iloc[0]
charts.show_figure(fig, charts.save_figure(
    fig, "state_choropleth",
    title=f"287(g) agreements by state and per {per_residents:,} residents, ICE list of {list_date}",
    source=(f"ICE 287(g) list {source_file}; U.S. Census Bureau Vintage 2024 state population estimates and 2024 "
            "boundaries; territories counted by ICE are not drawn (no population in the estimates file)"),
    alt_text=(f"Two state maps. Left: {top_abs.state} has the most agreements ({int(top_abs.agreements)}). "
              f"Right: per resident, {top_rel.state} leads with {top_rel.per_100k:.1f} agreements per "
              f"{per_residents:,}. Hatched: {len(list_statewide) - len(list_corrections)} states with a "
              f"law-enforcement agency's statewide agreement; dotted apart, {', '.join(list_corrections)}, whose "
              "only statewide agreements are a corrections department's."),
    data=per_state.assign(list_id=list_id), inputs=[paths.raw_dir() / "ice_287g" / source_file] + census_inputs,
    sort_by=["state"],
))

# %% [markdown]
# ## Share of U.S. residents covered
# Three figures, on the last list of every month. **Local**: residents of counties holding a county,
# municipal or other local agreement. **Law enforcement**, the headline: those, plus the residents of
# states where a law-enforcement agency (state police, patrol, investigators) holds a statewide agreement.
# **Any agreement**: those, plus the residents of states whose only statewide agreements are a corrections
# department's, which reach the people the department holds rather than the state's residents: an upper
# bound, not a reach. Population is the 2024 estimate throughout, so the lines show the reach of the
# agreements, not population change.

# %%
# NBVAL_CHECK_OUTPUT
covered = maps.population_covered(rows, lists, places)
_ = stage_commit.commit("03_maps", {paths.processed_dir() / "population_covered.csv":
                                   Table(covered, ["as_of", "list_id"])})
n_states = int(maps.state_population()["state"].ne("DC").sum())  # the denominator's states, DC apart
newest_cover = covered.iloc[-1]
print(f"list of {newest_cover.as_of}: law enforcement {newest_cover.share_law_enforcement:.2%}, any agreement "
      f"{newest_cover.share_covered:.2%}, local agreements only {newest_cover.share_local:.2%}; states whose only "
      f"statewide agreements are a corrections department's: {newest_cover.corrections_only_states or 'none'}")

# %%
# The partners-page lists name agencies without models, years before the next list: not on the line.
line = covered[covered["era"] != "partners_page"].copy()
line["segment"] = agreements.gap_segments(line["as_of"], GAP_DAYS)
figures = {  # column: (label, style), widest first
    "share_covered": ("any agreement (a corrections department's statewide one included)",
                      {"color": charts.NEUTRAL, "lw": 1.2, "ls": ":"}),
    "share_law_enforcement": ("local agreement, or a law-enforcement agency's statewide one",
                              {"color": charts.MODEL_COLORS["TFM"], "lw": 2.2}),
    "share_local": ("county, municipal or other local agreement only",
                    {"color": charts.MODEL_COLORS["JEM"], "lw": 1.5, "ls": "--"}),
}
fig, ax = plt.subplots(figsize=(11, 5))
for i, (seg, part) in enumerate(line.groupby("segment")):
    x = pd.to_datetime(part["as_of"])
    for col, (label, style) in figures.items():
        ax.plot(x, part[col] * 100, **style, label=label if i == 0 else None)
ax.set_ylabel("% of U.S. residents (2024 estimates)")
ax.set_ylim(0, 100)
ax.legend(loc="upper left")
last = line.iloc[-1]
charts.show_figure(fig, charts.save_figure(
    fig, "population_covered",
    title="Share of U.S. residents living under a 287(g) agreement",
    source=("ICE 287(g) lists (last list of each month); U.S. Census Bureau Vintage 2024 county population. "
            "Method: residents of counties with a local agreement, plus residents of states with a statewide "
            "agreement of a law-enforcement agency (solid) or of any agency, a corrections department included "
            f"(dotted), over the {n_states} states and DC; gaps longer than {GAP_DAYS} days between lists are "
            "not bridged"),
    alt_text=(f"Line chart from {line['as_of'].iloc[0]} to {last.as_of}: on the last list "
              f"{last.share_law_enforcement:.0%} of residents live in a county with a local agreement or in a state "
              f"where a law-enforcement agency holds a statewide one; {last.share_covered:.0%} counting any "
              f"statewide agreement, a corrections department's included; {last.share_local:.0%} counting local "
              "agreements only."),
    data=line.drop(columns=["segment"]), inputs=placement_inputs, sort_by=["as_of", "list_id"],
))

# %% [markdown]
# ## Shares of each state's sheriffs' offices and police departments
# What share of a state's sheriffs' offices and local police departments hold an agreement on the newest list,
# with the FBI's newer agency roster as the denominator (`places.agency_shares` says how each is counted and
# the roster's limits), computed and checked with the placement above (`data/processed/state_agency_shares.csv`).
# An agency of the list counts through the ORI `agency_roster_matches.csv` gives it; those it leaves out are in
# `data/qa/agency_shares_unmatched.csv`, with the reason.

# %%
# NBVAL_CHECK_OUTPUT
print(brief.national_shares_text("en", state_shares))
print(f"left out: {len(left_out)} of the list's {len(on_newest)} agencies; by reason:")
print(agency_shares.reason_kinds(left_out).value_counts().to_string())
