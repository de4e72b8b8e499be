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
# # 01 · Every ICE 287(g) list, one agreement history
#
# ICE has published its list of 287(g) agreements in several forms over the years: a "partners"
# page, a fact-sheet roster, a table on ice.gov and, most recently, downloadable workbooks of
# participating and pending agencies, posted about weekly (the first table below dates each era
# from the lists themselves). Each era has its own columns and its own typos. This notebook reads
# **every archived list**, normalizes it through the rules in `ice287g.history.agreements` and the keyed fix
# tables in `data/hand/`, and builds one history:
#
# - `data/processed/list_rows.csv` — every data row of every list, printed values beside normalized ones;
# - `data/processed/lists.csv` — one row per list (date, how the date was decided, duplicates);
# - `data/processed/agreements.csv` — one row per agreement (agency × model × signing date);
# - `data/processed/agencies.csv`, `data/processed/list_counts.csv`;
# - QA tables in `data/qa/`.
#
# **A row is an agreement, not an agency**: one sheriff's office can hold a jail (JEM), a warrant
# (WSO) and a task-force (TFM) agreement at once. ICE publishes no terminations, so an agreement
# "ends" when it stops appearing; the archive has long gaps (see `00_raw_inventory`) and nothing
# here is interpolated across them.

# %% tags=["parameters"]
as_of = "newest"  # date (YYYY-MM-DD) of the list to rank states on, or "newest"
gap_days = 180  # lists further apart than this are separated by a gap in every chart
changes_since = "2021-01-01"  # first month of the additions/removals chart
timeline_start = "2011-01-01"  # first list date drawn in the timeline
timeline_split = "2025-01-01"  # the timeline's second panel (its own scale) starts here

# %%
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
import pandas as pd

import ice287g
from ice287g.ingest.lists import series_lists
from ice287g.history import listqa
from ice287g.core import paths
from ice287g.history import agreements, corrections, asof
from ice287g.publish import charts

ice287g.setup_notebook("01_agreement_history")

# %%
history = agreements.build_history()
agreements.write_history(history)
lists, rows, counts, ags = history.lists, history.list_rows, history.list_counts, history.agreements
raw_inputs = [paths.raw_dir() / "ice_287g" / f for f in sorted(lists["source_file"].unique())]

# %% [markdown]
# ## What was read
# One row per list. `date_basis` says how each list got its date: ICE's file name, a corrected file
# name (ICE wrote the wrong year or mistyped the date), the Wayback capture date, or the caption.
# `in_series` marks the lists that make the agreement history (the third-party stacked file is
# counted but not used for identity: it has no signing dates).

# %%
era_table = (
    lists.groupby(["era", "list_kind"])
    .agg(lists=("list_id", "size"), first=("list_date", "min"), last=("list_date", "max"),
         rows=("agreements", "sum"), duplicates=("duplicate_of", lambda s: int((s != "").sum())))
    .reset_index()
)
era_table

# %%
# NBVAL_CHECK_OUTPUT
qa = history.qa["qa_summary"]
print(f"{len(lists)} lists from {lists['source_file'].nunique()} files; {len(rows)} list rows; "
      f"{len(ags)} agreements of {history.agencies.shape[0]} agencies")
print("QA checks:", qa["status"].value_counts().sort_index().to_dict())
print("agreement status:", ags["status"].value_counts().sort_index().to_dict())

# %% [markdown]
# ## Links to the signed agreements
# Each agreement's memorandum of agreement (MOA) is a PDF on ice.gov. ICE's workbooks print only
# `link` (or `link pending`) in the MOA and ADDENDUM cells and keep the address in the cell's
# hyperlink, which the build reads; the ice.gov table linked the MOA directly (the archive kept its
# Wayback copies of those links, left as printed); the fact-sheet roster printed only each PDF's file
# name, which is no address. `list_rows.csv` keeps the printed text (`moa`, `addendum`) beside the
# address (`moa_url`, `addendum_url`), and `agreements.csv` takes each from the newest list that links
# one. A label without an address, such as `link pending`, is never taken for a link: it is counted
# apart. Below, the newest list of each era and kind.

# %%
# NBVAL_CHECK_OUTPUT
moa_share = qa[qa["check"] == "moa_link_share"].iloc[0]
print(f"agreements with an MOA link on the newest list ({moa_share['scope']}): {moa_share['value']}")
print(f"agreements ever listed with an MOA link: {int((ags['moa_url'] != '').sum())} of {len(ags)}; "
      f"with an addendum link: {int((ags['addendum_url'] != '').sum())}")

# %%
listqa.newest_link_coverage(rows, lists)

# %% [markdown]
# ## Cleaning, in the open
# Every printed value that is not already canonical, what it became and how often — typos such as
# `PENNSLYVANIA`, model labels from older eras, `Muncipality`. Each rule beyond case and spacing is
# a row in a `data/hand/*_fixes.csv` table with its reason; a fix that matches nothing would be
# listed in `data/qa/unused_fixes.csv`.

# %%
history.qa["unknown_values"]

# %% [markdown]
# Rows that are not agreements (blank rows, repeated headers) are kept in `data/qa/skipped_rows.csv`.
# The build counts every list a second time, straight from the raw file by another reader (the
# non-blank cells under the agency header), and checks that it holds exactly that many agreements.
# The archive's curators recorded per-file counts in the manifest notes (rows, JEM/WSO/TFM, Florida,
# Texas); the build checks each of them too. A failed check stops the build before any processed
# table is written.

# %%
history.qa["skipped_rows"]

# %%
checks = qa.assign(kind=qa["check"].str.replace(r"^manifest_.*", "manifest counts", regex=True))
checks.groupby(["kind", "status"]).size().unstack(fill_value=0)

# %% [markdown]
# Lists a person must look at: an empty list, or one that no longer shows more than
# `listqa.DROP_SHARE` of the previous list's agreements. Pending lists turn over that fast all the
# time (applications move to the participating list or drop out) and are only reported; a
# participating list doing so stops the build until `data/hand/list_decisions.csv` accepts it or
# excludes it from the history (an excluded list never removes an agreement).

# %%
history.qa["suspicious_drops"]

# %% [markdown]
# Names that the exact identity rules did **not** merge, but that a person should check (typos
# such as "Cartert County", "County" vs "Parish"). They stay separate agencies until a row in
# `data/hand/aliases.csv` says otherwise.

# %%
history.qa["identity_candidates"].head(20)

# %% [markdown]
# ### Renames at list transitions
#
# An agreement that leaves a list while one of the same state, model and signing date enters it
# (on the next list, or within `identity.RENAME_WINDOW_DAYS`) is one agreement only when a logged
# rule says the two names are one agency (`data/qa/renames.csv`, one row per merged agreement).
# Near misses and pairs with several possible partners go to `identity_candidates.csv` instead.

# %%
renames = history.qa["renames"]
display(renames.groupby("rule").size().rename("agreements").to_frame())
renames[renames["rule"] != "hand"].head(20)

# %% [markdown]
# ### ICE's corrections are not events
#
# ICE fixes its own lists in place: a signing date moved by a day (often a whole batch at once), a year
# typo, a model relabelled, an agreement moved to another agency's name. At each list transition, a form
# of an agreement that leaves and one that enters on the very next list are one agreement when a rule of
# `ice287g.history.corrections` shows a correction (each rule in the README, each with a test); never when both
# forms are printed on one list, and only with one partner each way. The agreement keeps ICE's newest
# printed form and every listing under any form. Each correction is a row of `data/qa/corrections.csv`;
# `data/hand/agreement_corrections.csv` lets a person join or separate any pair.

# %%
# NBVAL_CHECK_OUTPUT
fixes = history.qa["corrections"]
print("corrections by kind:", corrections.counts(fixes))
print("agreements corrected at least once:", int((ags["corrections"] > 0).sum()))
print("successors dated earlier than the agreement they follow:", len(history.qa["earlier_successors"]))

# %%
fixes[fixes["kind"] != "signed_date"][["state", "agency_before", "agency_after", "model_before", "model_after",
                                       "signed_before", "signed_after", "first_list_after", "kind"]]

# %% [markdown]
# ## Agreements over time

# %%
events = agreements.program_events()
line = agreements.timeline(lists, counts, gap_days)
line = line[line["list_date"] >= timeline_start]
split = timeline_split
fig, axes = plt.subplots(1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [2.2, 1]})
labelled = set()
for ax, part in zip(axes, (line[line["list_date"] < split], line[line["list_date"] >= split])):
    for model in ["ALL", *charts.MODEL_ORDER]:
        all_line = model == "ALL"
        label = "all agreements" if all_line else charts.MODEL_NAMES[model]
        for seg, s in part[part["model"] == model].groupby("segment"):
            ax.plot(pd.to_datetime(s["list_date"]), s["agreements"],
                    color="#bbbbbb" if all_line else charts.MODEL_COLORS[model], lw=4 if all_line else 1.6,
                    marker=None if all_line else "o", ms=2.5, zorder=1 if all_line else 2,
                    label=None if label in labelled else label)
            labelled.add(label)
    dates = pd.to_datetime(part["list_date"].drop_duplicates())
    for a, b in zip(dates[:-1], dates[1:]):
        if (b - a).days > gap_days:
            ax.axvspan(a, b, color="#eeeeee", zorder=0)
            ax.text(a + (b - a) / 2, 0.97, "no list", transform=ax.get_xaxis_transform(), ha="center",
                    va="top", fontsize=8, color="#666666")
    lo, hi = dates.min(), dates.max()
    for e in events.itertuples():
        d = pd.Timestamp(e.date)
        if lo <= d <= hi + pd.Timedelta(days=20):
            ax.axvline(d, color="#999999", lw=0.8, ls="--")
            ax.text(d, 0.88, f" {e.short_label}", transform=ax.get_xaxis_transform(), rotation=90,
                    va="top", ha="right", fontsize=8, color="#555555")
    ax.set_ylim(bottom=0)
early, late = line[line["list_date"] < split], line[line["list_date"] >= split]
axes[0].set_title(f"{early['list_date'].min()[:4]}–{early['list_date'].max()[:4]}")
axes[1].set_title(f"{late['list_date'].min()[:4]} onward (note the scale)")
axes[0].set_ylabel("agreements on the list")
fig.legend(loc="upper center", ncols=4, bbox_to_anchor=(0.5, 0.0), fontsize=9)
axes[1].xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
axes[1].xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
newest = line["list_date"].max()
total_now = int(line.loc[(line["list_date"] == newest) & (line["model"] == "ALL"), "agreements"].iloc[0])
charts.show_figure(fig, charts.save_figure(
    fig, "agreements_timeline",
    title="287(g) agreements on ICE's lists, by model",
    source=(f"ICE 287(g) lists: {agreements.era_sources(lists, line['list_id'])}; program events: "
            f"data/hand/program_events.csv. Gaps longer than {gap_days} days are left blank."),
    alt_text=(f"Two line charts of agreements by model. From {early['list_date'].min()[:4]} to "
              f"{early['list_date'].max()[:4]} the program holds at most "
              f"{int(early.loc[early['model'] == 'ALL', 'agreements'].max())} agreements; from "
              f"{late['list_date'].min()[:4]} it climbs to {total_now} agreements on the list of {newest}. "
              "Shaded stretches have no archived list."),
    data=line, inputs=raw_inputs + [paths.hand_dir() / "program_events.csv"],
    sort_by=["list_date", "list_id", "model"],
))

# %% [markdown]
# ## States at a glance

# %%
list_id = asof.list_row_for(lists, as_of)["list_id"]
ranked = agreements.state_model_table(rows, list_id)
list_date = lists.loc[lists["list_id"] == list_id, "list_date"].iloc[0]

# %%
# NBVAL_CHECK_OUTPUT
print(f"list in force: {list_id} ({list_date}); {int(ranked['total'].sum())} agreements in "
      f"{len(ranked)} states and territories; top: " + ", ".join(
          f"{r.state} {r.total}" for r in ranked.head(5).itertuples()))

# %%
fig, ax = plt.subplots(figsize=(9, max(4, 0.26 * len(ranked) + 1)))
left = np.zeros(len(ranked))
for model in charts.MODEL_ORDER:
    ax.barh(ranked["state"], ranked[model], left=left, color=charts.MODEL_COLORS[model],
            label=charts.MODEL_NAMES[model])
    left += ranked[model].to_numpy()
for y, total in enumerate(ranked["total"]):
    ax.text(total, y, f" {total}", va="center", fontsize=8)
ax.invert_yaxis()
charts.grid_on_x(ax)
ax.set_xlabel("agreements")
ax.legend(loc="lower right")
top = ranked.iloc[0]
charts.show_figure(fig, charts.save_figure(
    fig, "state_ranking",
    title=f"287(g) agreements by state, ICE list of {list_date}",
    source=f"ICE 287(g) list {list_id} ({lists.loc[lists['list_id'] == list_id, 'source_file'].iloc[0]}); "
           "territories counted as states, as ICE counts them",
    alt_text=(f"Horizontal stacked bars for {len(ranked)} states and territories, longest first. "
              f"{top.state} leads with {top.total} agreements ({top.JEM} JEM, {top.WSO} WSO, {top.TFM} TFM)."),
    data=ranked.assign(list_id=list_id, list_date=list_date),
    inputs=[paths.raw_dir() / "ice_287g" / lists.loc[lists["list_id"] == list_id, "source_file"].iloc[0]],
    sort_by=["rank", "state"],
))

# %% [markdown]
# ## Additions and removals by month
# An agreement is **added** in the month of the first list that shows it and **disappears** in
# the month of the first list that no longer shows it: *removed*, or *superseded* when the same
# agency and model come back with a new signing date. Months right after an archive gap (hatched)
# collect everything that happened in the unseen stretch.

# %%
monthly = agreements.monthly_changes(ags, lists, gap_days)
series = series_lists(lists)
shown_ids = series.loc[series["list_date"] >= changes_since, "list_id"]
monthly = monthly[monthly["month"] >= changes_since[:7]]
wide = monthly.pivot_table(index="month", columns="change", values="agreements", fill_value=0)
wide = wide.reindex(columns=["added", "removed", "superseded"], fill_value=0)
gap_months = set(monthly.loc[monthly["after_gap"], "month"])
months = pd.period_range(wide.index.min(), wide.index.max(), freq="M").strftime("%Y-%m")
wide = wide.reindex(months, fill_value=0)
x = np.arange(len(wide))
fig, ax = plt.subplots(figsize=(12, 5))
hatch = ["//" if m in gap_months else "" for m in wide.index]
ax.bar(x, wide["added"], color=charts.MODEL_COLORS["JEM"], label="first listed", hatch=hatch)
ax.bar(x, -wide["removed"], color=charts.MODEL_COLORS["WSO"], label="no longer listed", hatch=hatch)
ax.bar(x, -wide["superseded"], bottom=-wide["removed"], color=charts.NEUTRAL,
       label="re-listed with a new signing date", hatch=hatch)
ax.axhline(0, color="#333333", lw=0.8)
step = max(1, len(x) // 16)
ax.set_xticks(x[::step], wide.index[::step], rotation=45, ha="right")
ax.set_ylabel("agreements (removals below zero)")
ax.legend(handles=[Patch(color=charts.MODEL_COLORS["JEM"], label="first listed"),
                   Patch(color=charts.MODEL_COLORS["WSO"], label="no longer listed"),
                   Patch(color=charts.NEUTRAL, label="re-listed with a new signing date"),
                   Patch(facecolor="white", edgecolor="#333333", hatch="//", label="month after an archive gap")],
          loc="upper left")
busiest = wide["added"].idxmax()
charts.show_figure(fig, charts.save_figure(
    fig, "additions_removals",
    title="Agreements first listed and no longer listed, by month",
    source=(f"ICE 287(g) lists ({agreements.era_sources(lists, shown_ids)}); "
            "removals inferred from absence, ICE publishes no terminations; hatched months follow an archive gap"),
    alt_text=(f"Monthly bars from {wide.index[0]} to {wide.index[-1]}: additions above zero, removals below. "
              f"Additions peak in {busiest} with {int(wide.loc[busiest, 'added'])} agreements first listed."),
    data=wide.reset_index().rename(columns={"index": "month"}).assign(after_gap=lambda d: d["month"].isin(gap_months)),
    inputs=raw_inputs, sort_by=["month"],
))

# %% [markdown]
# ## A secondary source for the gap years: the Washington Post's flags
# The Washington Post curated a list of (mostly sheriff's) agencies with an X for every year in
# which each took part. It is **not an ICE list** and is never mixed into the counts above, but for
# the years no archived ICE list covers it is the only evidence there is (both printed below).
# Matching to ICE's lists uses the same exact identity key, so differently worded names (the Post
# often writes only "Pinal County") do not match: the last column is a floor, not an estimate.

# %%
# NBVAL_CHECK_OUTPUT
flagged = sorted(history.wapo["year"].unique())
listed_years = set(series_lists(lists)["list_date"].str[:4].astype(int))
unlisted = [y for y in flagged if y not in listed_years]
print(f"The Post flags the years {flagged[0]}–{flagged[-1]}; no archived ICE list is dated in "
      + (", ".join(map(str, unlisted)) if unlisted else "none of them"))

# %%
agreements.wapo_vs_lists(history.wapo, rows, lists)

# %% [markdown]
# ## Agencies as roster entities: FBI ORI codes
# Every police or sheriff's agency that reports crime to the FBI has an **ORI**, a nine-character code that
# survives renames and spelling changes. `ice287g.history.roster` matches each agency of the history to the FBI's
# agency rosters (the 2018 API list, then the 2017 front-end list, in `data/raw/fbi/`), within its state,
# by the first rule that finds a name: a row of `data/hand/agency_ori.csv`, the name as printed (case and
# punctuation folded), its identity key or the FBI's way of writing it ("Sheriff's Office" for every sheriff,
# a parish as a county, a town's police department without "City" or "Borough"), then another spelling the
# agency carries. A name that two ORIs
# share is taken by none, and a near name is only proposed (`data/qa/roster_candidates.csv`). Nor is a roster
# agency that lies in none of the counties ICE prints for the agency: it is another agency of the same name
# (a state can have many Franklin Townships), and it too goes to the candidates for a person. Below, the share
# of the agencies on the newest participating list that carry an ORI, by ICE's TYPE.

# %%
from ice287g.history import roster
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table

# the build matched the rosters already: ORIs are evidence of identity, so it merged by them
rosters, hand_ori = history.roster.rosters, history.roster.hand_ori
ori_matches, ori_shared = history.roster.matches, history.roster.shared
ori_candidates = roster.roster_candidates(ori_matches, rosters, history.agencies)
ori_disagreements = roster.roster_disagreements(ori_matches, rosters, history.agencies, rows)
newest_rows = roster.newest_rows(rows, lists)
ori_coverage = roster.coverage_by_type(ori_matches, history.agencies, newest_rows)
rename_evidence = roster.rename_evidence(renames, rosters, hand_ori)
roster_checks = roster.roster_qa(ori_matches, ori_coverage, ori_shared, ori_disagreements,
                                 roster.unused_hand_rows(hand_ori, history.agencies), newest_rows["list_id"].iloc[0],
                                 rename_evidence)
# the history's checks and the roster's share the stage: they are recorded together
_ = stage_commit.commit("01_agreement_history", {
    paths.processed_dir() / "agency_roster_matches.csv": Table(ori_matches, ["agency_id"]),
    paths.qa_dir() / "roster_candidates.csv": Table(ori_candidates, ["state", "agency_id", "ori"]),
    paths.qa_dir() / "roster_shared_ori.csv": Table(ori_shared, ["ori", "agency_id_a", "agency_id_b"]),
    paths.qa_dir() / "roster_disagreements.csv": Table(ori_disagreements, ["state", "agency_id", "kind"]),
}, pd.concat([history.qa["qa_summary"], roster_checks], ignore_index=True))
ori_coverage

# %% [markdown]
# **An ORI is evidence of identity.** Two names of the history that match one ORI and never appear on one list
# are one agency under two names (a rename, or a spelling fixed on a later list): the build merges them and logs
# each agreement it moves in `data/qa/renames.csv` under rule `ori`, beside the name rules. Two names on one list
# that claim one ORI are a QA failure until a row of `data/hand/agency_ori.csv` settles it, and a pair that
# `data/hand/distinct_agencies.csv` declares two agencies stays apart. Every pair is in
# `data/qa/roster_shared_ori.csv`, by status:

# %%
# NBVAL_CHECK_OUTPUT
print("pairs of names sharing an ORI, by status:",
      ori_shared["status"].value_counts().reindex(roster.SHARED_STATUSES, fill_value=0).to_dict())
print("agreements moved by an ORI merge:", int((renames["rule"] == "ori").sum()))

# %% [markdown]
# The rosters are also a second opinion on the renames the name rules made: each name of a rename is matched on its
# own. The same ORI confirms the rename; two ORIs would be evidence against it, a QA failure until a hand row
# settles it. Agreements renamed by a name rule, by rule and by what the rosters say:

# %%
rename_evidence.groupby(["rule", "evidence"]).size().unstack(fill_value=0)

# %% [markdown]
# Agencies without an ORI, by reason (constables, district attorneys, corrections and state departments rarely
# report to the FBI under their own name), and where ICE's TYPE or printed county differs from the roster's:
# each difference is explained by a rule (the roster lists several counties, its coordinates lie in ICE's county,
# a state agency's roster county is its headquarters), settled, or left open for a person. ICE's value wins unless a
# placement hand row (`data/hand/jurisdiction_levels.csv`, `data/hand/agency_counties.csv`) settles the difference
# with its evidence; the map then follows the hand row.

# %%
display(roster.unmatched_reasons(ori_matches).to_frame())
ori_disagreements.groupby(["kind", "status"]).size().rename("agencies").to_frame()

# %% [markdown]
# The differences a hand row settled, and any still open:

# %%
ori_disagreements.loc[ori_disagreements["status"] != "explained",
                      ["state", "agency", "kind", "ice_value", "roster_value", "status"]].reset_index(drop=True)
