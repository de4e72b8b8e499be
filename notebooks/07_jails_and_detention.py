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
# # 07 · Jails that hold people for ICE, run by 287(g) agencies
#
# Many county jails hold people for ICE under an intergovernmental service agreement (IGSA) or the
# Marshals' intergovernmental agreements (USMS IGA): they appear, by name and type, in ICE's detention
# workbooks. Many of the sheriffs who run them also hold 287(g) agreements. This notebook joins the two:
# each detention facility of a local operator type is matched to the 287(g) agency running it.
#
# The match is conservative, and every match names its rule (`match_rule`):
# - only local operator types are candidates (IGSA, USMS IGA, county juvenile halls). Contract detention
#   facilities (CDF), ICE's service processing centers (SPC), dedicated IGSAs run by companies (DIGSA),
#   federal prisons and the rest are never matched;
# - facility and agency are placed in the same county (the facility by the detention crosswalks of
#   `04_detention`, the agency by the placement of `03_maps`);
# - who runs the facility decides first. ICE's detention workbooks give a facility's contract type, not its
#   operator: an IGSA is an agreement with a county, and many IGSA jails are run by a company on the county's
#   behalf. ICE's own facility lists of 2015 and 2017 (`data/raw/ice_facilities/`) name the operator (GEO,
#   CCA, LaSalle, COUNTY (SHERIFF), COUNTY (JAILER) ...); they are joined to the workbooks' facilities by
#   name, city and state (every facility's outcome in `data/qa/facility_operator_join.csv`), and
#   `data/hand/facility_operators.csv` names the operator, with its source, where the lists are stale,
#   silent or too vague. A facility a company runs is never "run by" a 287(g) agency, whatever its name;
# - the names give evidence: the facility bears the agency's own name, or it is "<County> County Jail /
#   Detention Center / Justice Center / Sheriff" (or the county's name alone) and the agency is the
#   county's own jail or corrections department where ICE lists one as a 287(g) agency, else the county's
#   sheriff; or the hand table names the agency as its operator; or it is a county correctional center
#   that ICE's list says the sheriff runs; or it is a city's jail and the agency that city's police;
# - the sheriff is never matched to a facility whose operator is someone else (a county department, a
#   jailer, a city), nor to a county jail in a state whose county jails are run by another officer than
#   the sheriff (`jails.JAILER_STATES`, listed below with the reason).
#
# A facility of a local type in a county where a local agency holds an agreement, and which no rule
# matches, is listed in `data/qa/unmatched_jails.csv` with the reason and its operator: a "correctional
# center" whose operator nobody names may be run by a company or a county department rather than the
# sheriff, so it is left for a person to settle. Every match and every unmatched facility carries its
# operator and the evidence (`operator`, `operator_kind`, `operator_source`); an empty operator is unknown.
#
# The agreements that count are those on the participating list in force at `as_of` (the newest list by
# default). The detention side is the release in force at `as_of`, or the last release of `fiscal_year`.

# %% tags=["parameters"]
as_of = "newest"  # date (YYYY-MM-DD) whose list and detention release are matched, or "newest"
fiscal_year = 0  # a fiscal year: match its last detention release instead (0: the release in force at as_of)

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import ice287g
from ice287g.core import paths
from ice287g.detention import jails, operators
from ice287g.history import asof
from ice287g.ingest import census
from ice287g.places import maps
from ice287g.publish import charts
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table
from ice287g.core.vocab import MODELS

ice287g.setup_notebook("07_jails_and_detention")
SINCE = "2025-01-01"  # the comparison the issue asks for: the release and list in force at the start of that year

# %%
facilities = asof.read_processed("detention_facilities.csv")
releases = asof.read_processed("detention_releases.csv").astype({"fiscal_year": "int64"})
releases["fy_end"] = releases["fy_end"] == "True"
rows = asof.read_processed("list_rows.csv")
lists = asof.read_processed("lists.csv")
places = asof.read_processed("agreement_places.csv")
workbook_inputs = [paths.raw_dir() / "ice_detention" / f for f in sorted(set(releases["source_file"]))]
operator_inputs = operators.list_files()

facility_lists = operators.read_lists()
joined = operators.join(facilities, facility_lists)
hand_operators = operators.read_hand()
operated, unused_hand = operators.resolve(joined, hand_operators)

release, list_as_of = jails.choose(releases, as_of, int(fiscal_year))
the_list = asof.list_row_for(lists, list_as_of)
agencies = jails.local_agencies(rows, places, the_list["list_id"])
matches, unmatched = jails.match(facilities, agencies, release, the_list["list_date"], operated)
county, gaps = jails.county_detention(facilities, releases, rows, lists, places)
checks = pd.concat([jails.qa_rows(matches, unmatched, agencies, facilities, release, gaps),
                    operators.qa_rows(joined, facilities, unused_hand)], ignore_index=True)

proc, qa_dir = paths.processed_dir(), paths.qa_dir()
_ = stage_commit.commit("07_jails_and_detention", {
    proc / "agency_facility_matches.csv": Table(matches, ["state", "facility", "agency_id"]),
    proc / "county_detention_287g.csv": Table(county, ["release_date", "county_fips"]),
    qa_dir / "unmatched_jails.csv": Table(unmatched, ["state", "facility"]),
    qa_dir / "facility_operator_join.csv": Table(joined, ["state", "facility", "city", "list_date"]),
}, checks)

# %% [markdown]
# ## How many 287(g) agencies hold ICE detainees in their jails

# %%
# NBVAL_CHECK_OUTPUT
now = jails.totals(matches)
base_release, base_list_as_of = jails.choose(releases, SINCE)
base = jails.totals(jails.matches_at(facilities, rows, lists, places, base_release, base_list_as_of,
                                     operators=operated)[0])
base_list = asof.list_row_for(lists, base_list_as_of)
all_adp = pd.to_numeric(facilities.loc[facilities["release_date"] == release, "adp_total"]).sum()
print(f"ICE detention release of {release}, 287(g) list of {the_list['list_date']}: {now['agencies']} agencies with "
      f"287(g) agreements run {now['facilities']} facilities holding ICE detainees under contract, an average of "
      f"{now['adp']:,.0f} people a day ({now['adp'] / all_adp:.1%} of the {all_adp:,.0f} in ICE detention).")
print(f"At the start of {SINCE[:4]} (release of {base_release}, list of {base_list['list_date']}): "
      f"{base['agencies']} agencies, {base['facilities']} facilities, {base['adp']:,.0f} people a day; "
      f"from then to {release}, {now['agencies'] - base['agencies']:+d} agencies and {now['adp'] - base['adp']:+,.0f} "
      "people a day.")
print("matches by rule:", matches["match_rule"].value_counts().sort_index().to_dict())
print(f"left unmatched in counties with a local agreement (data/qa/unmatched_jails.csv): {len(unmatched)};",
      unmatched["reason"].value_counts().sort_index().to_dict())
companies = unmatched[unmatched["reason"] == jails.WHY_PRIVATE]
print(f"of them run by a company, so never a 287(g) agency's: {len(companies)} facilities holding "
      f"{pd.to_numeric(companies['adp_total']).sum():,.0f} people a day "
      f"({', '.join(sorted(set(companies['operator'])))})")

# %% [markdown]
# Every match, largest first. `models` are the agency's 287(g) models on the list in force; `first_release`
# is the first detention workbook that lists the facility, which shows how many of these jails began
# holding people for ICE recently.

# %%
matches.sort_values(["adp_total", "facility"], ascending=[False, True])[
    ["facility", "state", "facility_type", "agency", "models", "match_rule", "adp_total", "first_release"]]

# %%
# NBVAL_CHECK_OUTPUT
new = matches[matches["first_release"] >= base_release]
held = matches["models"].str.split(";")
by_model = {m: sum(m in ms for ms in held) for m in MODELS}
print(f"{len(new)} of the {len(matches)} matched facilities first appear in a detention workbook on or after "
      f"{base_release}; agencies by model (an agency may hold several): {by_model}")

# %% [markdown]
# Local facilities left unmatched, with the reason, the county's local 287(g) agencies and the operator.

# %%
unmatched[["facility", "state", "facility_type", "adp_total", "reason", "local_agencies", "operator"]]

# %% [markdown]
# ## Who runs the jails
#
# States where county jails are run by someone other than the sheriff: there the county-jail rule never
# gives a jail to the sheriff; the county's own jail or detention agency, where ICE lists one, is matched instead.

# %%
# NBVAL_CHECK_OUTPUT
for state, why in jails.JAILER_STATES.items():
    print(f"{state}: {why}")

# %% [markdown]
# ICE's facility lists, joined to every facility the workbooks print (name, city, state), by rule; a facility
# first used after the 2017 list, or printed under another name and ZIP code, joins neither.

# %%
# NBVAL_CHECK_OUTPUT
print(joined.groupby(["list_date", "join_rule"]).size().to_string())
print("matched facilities by the kind of their operator:",
      matches["operator_kind"].replace("", "unknown").value_counts().sort_index().to_dict())

# %% [markdown]
# Matched facilities whose operator neither list nor a hand row gives (first used after the 2017 list, or printed too
# differently to join): the name rule alone ties them to the agency, so these are the matches to check first.

# %%
matches.loc[matches["operator"] == "", ["facility", "state", "agency", "match_rule", "adp_total", "first_release"]]

# %% [markdown]
# Operators settled by hand (`data/hand/facility_operators.csv`), each with its source: a hand row wins over
# ICE's 2015 and 2017 lists.

# %%
hand_operators[operators.HAND_COLUMNS]

# %% [markdown]
# ## Facilities run by 287(g) agencies, on the map

# %%
counties, states = maps.map_layers()
mix, statewide = maps.coverage_on_list(rows, places, the_list["list_id"])
points = counties[["county_fips", "geometry"]].copy()
points["x"], points["y"] = points.geometry.representative_point().x, points.geometry.representative_point().y
points = pd.DataFrame(points.drop(columns="geometry"))
shown = matches.merge(points, on="county_fips", how="left")
others = facilities[(facilities["release_date"] == release) & (facilities["county_fips"] != "")].merge(
    points, on="county_fips")
others = others[~others["facility"].isin(set(matches["facility"]))]
fig, ax = plt.subplots(figsize=(12, 7.5))
charts.draw_polygons(ax, states.geometry)
charts.draw_polygons(ax, counties[counties["county_fips"].isin(mix["county_fips"])].geometry, facecolor="#c6dbef",
                     zorder=2)
charts.draw_lines(ax, states.geometry)
ax.scatter(others["x"], others["y"], s=6, color=charts.NEUTRAL, alpha=0.6, zorder=3,
           label="other facilities holding ICE detainees")
adp = pd.to_numeric(shown["adp_total"]).fillna(0).clip(lower=0)
ax.scatter(shown["x"], shown["y"], s=np.sqrt(adp) * 6 + 4, color=charts.MODEL_COLORS["JEM"], alpha=0.8,
           edgecolor="#222222", linewidth=0.5, zorder=4, label="run by a 287(g) agency")
charts.adp_legend(ax, (10, 100, 500), lambda adp: np.sqrt(adp) * 6 + 4, color=charts.MODEL_COLORS["JEM"], alpha=0.8)
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 0.9), labelspacing=1.3)
ax.set_axis_off()
charts.show_figure(fig, charts.save_figure(
    fig, "jails_with_agreements_map",
    title=f"Jails holding ICE detainees that are run by 287(g) agencies ({release})",
    source=(f"ICE detentionStats workbook released {release} (facility ADP, levels A-D; counties from the facility "
            f"crosswalks); ICE 287(g) list {the_list['list_id']}: shaded counties hold a local agreement; "
            "operators from ICE's 2015 and 2017 facility lists and data/hand/facility_operators.csv; "
            "matching rules of ice287g.detention.jails; U.S. Census Bureau 2024 boundaries, EPSG:5070"),
    alt_text=(f"Map of the U.S. with {len(matches)} detention facilities run by {now['agencies']} agencies holding "
              f"287(g) agreements, drawn as circles sized by average daily population (together {now['adp']:,.0f} "
              "a day), over grey dots for the other facilities holding ICE detainees."),
    data=matches[["facility", "state", "county_fips", "agency", "models", "match_rule", "adp_total"]],
    inputs=workbook_inputs + operator_inputs + [paths.raw_dir() / census.COUNTY_20M],
    sort_by=["state", "facility"],
))

# %% [markdown]
# ## Share of ICE detention held in counties with a local 287(g) agreement
#
# At each fiscal-year-end release, and the newest: the average daily population in the facilities of
# counties where a county, city or other local agency holds an agreement on the list in force, as a share of
# all ICE detention placed in a county. Where no list is in force at a release (an archive gap longer than
# the project's gap threshold), the bar is missing and marked: a gap, not a zero.

# %%
share = jails.share_in_local_counties(county, releases, gaps)
fig, ax = plt.subplots(figsize=(10, 5.5))
xs = np.arange(len(share))
known = share["share_local"].notna()
ax.bar(xs[known], share.loc[known, "share_local"] * 100, color=charts.MODEL_COLORS["JEM"], width=0.65)
for x, r in zip(xs, share.itertuples()):
    if pd.isna(r.share_local):
        ax.bar(x, 100, color="none", edgecolor=charts.NEUTRAL, hatch="///", width=0.65, linewidth=0.5)
        ax.text(x, 50, "no 287(g) list\nin force", ha="center", va="center", fontsize=8, color="#555555",
                bbox={"facecolor": "white", "edgecolor": "none"})
    else:
        ax.text(x, r.share_local * 100, f"{r.share_local:.0%}", ha="center", va="bottom", fontsize=8)
ax.set_xticks(xs, [f"FY{r.fiscal_year}\n{r.release_date}" + ("" if r.fy_end else "\n(newest)")
                   for r in share.itertuples()], fontsize=8)
ax.set_ylim(0, 100)
ax.set_ylabel("% of ICE detention ADP")
charts.show_figure(fig, charts.save_figure(
    fig, "detention_in_287g_counties",
    title="Share of people in ICE detention held in counties with a local 287(g) agreement",
    source=("ICE detentionStats workbooks (fiscal-year-end releases and the newest; ADP levels A-D summed by "
            "county); ICE 287(g) list in force at each release; agreements placed by county (03_maps). Hatched: "
            "no list within the gap threshold"),
    alt_text=(f"Bars for {len(share)} detention releases from FY{share['fiscal_year'].min()} to the newest; "
              f"{int((~known).sum())} have no 287(g) list in force and are drawn as hatched gaps; the share goes from "
              f"{share.loc[known, 'share_local'].iloc[0]:.0%} to {share.loc[known, 'share_local'].iloc[-1]:.0%}."),
    data=share, inputs=workbook_inputs, sort_by=["release_date"],
))

# %%
# NBVAL_CHECK_OUTPUT
for r in share.itertuples():
    print(f"FY{r.fiscal_year} ({r.release_date}): " + (
        f"{r.share_local:.1%} of {r.adp_all:,.0f} ADP in counties with a local agreement (list of {r.list_date})"
        if pd.notna(r.share_local) else "no 287(g) list in force: a gap, not a zero"))
