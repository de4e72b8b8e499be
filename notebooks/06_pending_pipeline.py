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
# # 06 · The pending pipeline: from request to signed agreement
#
# Besides the participating agencies, ICE publishes a list of agencies whose 287(g) agreements are
# *pending*. The archive holds its snapshots (their dates are printed below). This notebook follows every request on
# them and asks what became of it, using the participating lists of the same archive.
#
# **What a request is.** One agency × model on the pending lists, per *spell*. The pending list swings
# from one day to the next: a request can miss a list and come back, and some lists are empty. So an
# absence from one list does not end a spell. Two sightings of the same agency and model are one
# spell unless they are more than the project's gap threshold apart (printed below), the rule the
# history uses to tell a re-signing from a new agreement. Agencies are the history's `agency_id`:
# its name rules, aliases, renames and ORI merges. No looser matching is done here; near names are
# only proposed in QA (below).
#
# **A pending row printed under the wrong state** would make a request of an agency that does not exist,
# counted as dropped in a state it never asked from. The history's build moves such a row to the state its
# agency signs in (`pending_states.state_corrections`): the agency is on no FBI roster and no participating list of the
# printed state, its name names no county there, ICE does not type it a state agency, and the same name is on a
# participating list of one other state within a month of the pending list. Each move is logged in
# `data/qa/pending_state_corrections.csv`; `data/hand/pending_state_fixes.csv` can force a move or forbid one.
#
# **Outcomes**, judged with the lists dated on or before `as_of`:
# - `signed`: the same agency and model is on a participating list on or after the request's first
#   pending sighting (and before the pair's next spell, if any). The agreement matched is the first
#   listed of those: `first_participating` is its first listing and `signed_date` its printed signing
#   date.
# - `still_pending`: not signed, and on the newest pending list. "Still pending" is *as of that list's
#   date*, however old it is (see the section on the list's freshness).
# - `unknown_gap`: not signed, and it leaves the pending list when the next pending list is more than
#   the gap threshold later. Or the newest pending list is itself more than the gap threshold older than
#   `as_of`. Either way, the archive cannot say what became of it.
# - `dropped`: not signed, and absent from the next pending list and every later one.
# - `signed_other_model`: it would be `dropped` (or `unknown_gap`), but the same agency signed *another*
#   model within the request's spell: an agreement of another model first listed as participating on or after
#   the request's first pending sighting, and no more than the gap threshold after its last. `note` names
#   the model and the dates. A request still on the newest pending list stays `still_pending`.
#
# **Negative days.** ICE often lists an agreement as participating, or dates its signing, before the
# pending list shows the request. It also keeps some agencies on the pending list after they sign. Such
# rows are kept as they are, never clipped to zero. `note` gives the reason, and a QA check fails when a
# negative day count has none. A request already on the archive's first pending list may be older than
# that list: its day counts are lower bounds, and `note` says so.
#
# Output: `data/processed/pending_outcomes.csv`; QA: `data/qa/pending_unmatched.csv` and the stage's rows of
# `data/qa/qa_summary.csv` (which also check the state corrections the history's build logged).

# %% tags=["parameters"]
as_of = "newest"  # judge the outcomes with the lists dated on or before this date (YYYY-MM-DD), or "newest"

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import ice287g
from ice287g.analyses import pending
from ice287g.core import paths
from ice287g.history import pending_states, asof
from ice287g.publish import charts
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table
from ice287g.ingest.lists import series_lists
from ice287g.core.vocab import GAP_DAYS, MODELS

ice287g.setup_notebook("06_pending_pipeline")

# %%
rows = asof.read_processed("list_rows.csv")
lists = asof.read_processed("lists.csv")
day = pending_states.analysis_date(lists, as_of)
outcomes = pending.outcomes(rows, lists, as_of)
unmatched = pending.unmatched(outcomes, rows, lists, as_of)
corrections = asof.qa_table("pending_state_corrections.csv")
checks = pending.qa_rows(outcomes, rows, lists, unmatched, as_of, corrections)
_ = stage_commit.commit("06_pending_pipeline", {
    paths.qa_dir() / "pending_unmatched.csv": Table(unmatched, ["agency_id", "model", "first_pending",
                                                                "candidate_agency_id"]),
    paths.processed_dir() / "pending_outcomes.csv": Table(outcomes, ["agency_id", "model", "first_pending"]),
}, checks)
used = pd.concat([series_lists(lists, k) for k in ("pending", "participating")])
raw_inputs = [paths.raw_dir() / "ice_287g" / f for f in sorted(set(used.loc[used["list_date"] <= day, "source_file"]))]

# %%
# NBVAL_CHECK_OUTPUT
fresh = pending.list_freshness(lists, as_of)
counts = outcomes["outcome"].value_counts()
print(f"judged at {day}; gap threshold {GAP_DAYS} days; {fresh['pending_lists']} pending lists "
      f"({fresh['first_pending']} → {fresh['newest_pending']})")
print(f"{len(outcomes)} requests (agency × model × spell) of {outcomes['agency_id'].nunique()} agencies:",
      {k: int(counts.get(k, 0)) for k in pending.OUTCOMES})
print(f"agencies with more than one spell of the same model: "
      f"{int((outcomes.groupby(['agency_id', 'model']).size() > 1).sum())}")
print("QA checks:", checks["status"].value_counts().sort_index().to_dict())

# %% [markdown]
# ## Rows printed under the wrong state
# The pending rows the history's build moved, with the evidence (`rule`: the printed state, the participating
# listing in the state the agency signs in) and the agreement each request became there:

# %%
# NBVAL_CHECK_OUTPUT
print(f"{len(corrections)} pending row(s) moved to another state (agency × model × pending list date)")
corrections[["state", "agency_after", "model_after", "last_list_before", "first_list_after", "agreement_id", "rule"]]

# %% [markdown]
# ## Has ICE stopped updating the pending list?
# The pending lists came about weekly. The participating lists kept coming after the newest pending one.

# %%
# NBVAL_CHECK_OUTPUT
print(f"pending lists: a median {fresh['median_spacing']:.0f} days apart (at most {fresh['max_spacing']}); the "
      f"newest is dated {fresh['newest_pending']} and prints {fresh['newest_pending_rows']} row(s)")
print(f"the newest participating list is dated {fresh['newest_participating']}, {fresh['days_behind']} days later; "
      f"{fresh['participating_after']} participating lists were archived after the newest pending list")
tail = series_lists(lists, "pending")
tail = tail[tail["list_date"] <= day].tail(6)
print("the last pending lists' rows:", ", ".join(f"{d} {n}" for d, n in zip(tail["list_date"], tail["rows"])))

# %% [markdown]
# The archive collected participating lists after that date, but no pending list. ICE appears to have
# stopped updating (or publishing) the pending list, and its last lists were nearly empty. The
# archive's notes (`data/raw/ice_287g/README.md`) name a third party that may hold later workbooks,
# which could not be copied. So `still_pending` means *on the newest pending list*, as of its date, and
# `dropped` means absent from every list up to that date.

# %% [markdown]
# ## How long does signing take?
# Days from a request's first pending sighting to its first participating listing, and to the
# signing date ICE prints, for the signed requests. Quartiles are of all signed requests, negative ones
# included.

# %%
# NBVAL_CHECK_OUTPUT
by_model = pending.days_by_model(outcomes)
for r in by_model.itertuples(index=False):
    print(f"{r.model}: {r.signed} of {r.requests} requests signed; to first listing median {r.listed_median:.1f} "
          f"days (IQR {r.listed_q1:.1f}–{r.listed_q3:.1f}); to the printed signing date median "
          f"{r.signed_median:.1f} (IQR {r.signed_q1:.1f}–{r.signed_q3:.1f}); negative to listing: "
          f"{r.negative_listed}")
signed = outcomes[outcomes["outcome"] == "signed"]
lower = signed["note"].str.contains("lower bound", regex=False)
print(f"signed requests already on the first pending list (days are lower bounds): {int(lower.sum())}; "
      f"signed before the first pending sighting (printed date): "
      f"{int((signed['days_pending_to_signed'].fillna(0) < 0).sum())}")

# %% [markdown]
# The requests listed as participating *before* their first pending sighting, with the reasons:

# %%
outcomes.loc[outcomes["days_pending_to_listed"].fillna(0) < 0,
             ["agency_id", "model", "first_pending", "first_participating", "signed_date", "days_pending_to_listed",
              "note"]]

# %%
plot = signed[["agency_id", "state", "model", "first_pending", "first_participating", "days_pending_to_listed"]].copy()
plot["days"] = plot["days_pending_to_listed"].astype(int)
fig, ax = plt.subplots(figsize=(9, 4.8))
rng = np.random.default_rng(287)  # fixed: the jitter is the same on every run
present = [m for m in MODELS if (plot["model"] == m).any()]
for i, model in enumerate(present):
    days = plot.loc[plot["model"] == model, "days"].to_numpy()
    ax.scatter(days, i + rng.uniform(-0.25, 0.25, len(days)), s=9, alpha=0.45, color=charts.MODEL_COLORS[model],
               zorder=2)
    ax.boxplot(days, positions=[i], orientation="horizontal", widths=0.6, showfliers=False, zorder=3,
               medianprops={"color": "black"}, boxprops={"linewidth": 1.2})
ax.axvline(0, color=charts.NEUTRAL, lw=0.8, ls="--")
# an agreement in force long before its pending sighting (a renewal) would squash the scale: the axis stops at
# the gap threshold and says how many lie beyond it (they stay in the figure's data and in the boxes)
beyond = plot[plot["days"] < -GAP_DAYS]
if len(beyond):
    ax.set_xlim(-GAP_DAYS - 10, plot["days"].max() + 10)
    ax.annotate(f"{len(beyond)} request(s) further left, listed more than {GAP_DAYS} days before the pending "
                f"sighting: " + ", ".join(f"{r.model} {r.days}" for r in beyond.itertuples()),
                (0.01, 0.01), xycoords="axes fraction", fontsize=8, color="#444444")
ax.set_yticks(range(len(present)), [f"{charts.MODEL_NAMES[m]} ({(plot['model'] == m).sum()})" for m in present])
ax.set_xlabel("days from first pending sighting to first participating listing")
charts.grid_on_x(ax)
med = by_model.set_index("model")
charts.show_figure(fig, charts.save_figure(
    fig, "pending_time_to_sign",
    title="How long ICE's pending requests took to reach the participating list",
    source=f"ICE 287(g) pending and participating agencies lists, {fresh['first_pending']} to {day}. "
           "Signed requests; the box spans the quartiles",
    alt_text=(f"Box and dot plot by model of days from first pending sighting to first participating listing for "
              f"{len(plot)} signed requests; medians "
              + ", ".join(f"{m} {med.loc[m, 'listed_median']:.1f} days" for m in present) + "."),
    data=plot.drop(columns="days"), inputs=raw_inputs, sort_by=["model", "agency_id", "first_pending"],
))

# %% [markdown]
# ## Requests by month, and what became of them
# Each request is counted in the month of its first pending sighting. The first month includes every
# request already pending when the archive's first pending list was taken.

# %%
flow = pending.monthly_flow(outcomes)
colors = {"signed": charts.MODEL_COLORS["TFM"], "signed_other_model": "#56B4E9", "dropped": "#D55E00",
          "still_pending": charts.MODEL_COLORS["WSO"], "unknown_gap": charts.NEUTRAL}
fig, ax = plt.subplots(figsize=(10, 4.8))
bottom = np.zeros(len(flow))
for kind in pending.OUTCOMES:
    if flow[kind].sum():
        ax.bar(flow["month"], flow[kind], bottom=bottom, color=colors[kind], label=kind.replace("_", " "))
        bottom += flow[kind].to_numpy()
ax.set_ylabel("requests first seen pending")
ax.tick_params(axis="x", rotation=45)
ax.legend(loc="upper right")
charts.show_figure(fig, charts.save_figure(
    fig, "pending_flow",
    title="Requests on ICE's pending list by month first seen, by outcome",
    source=f"ICE 287(g) pending and participating agencies lists, {fresh['first_pending']} to {day}; outcomes "
           "as of the newest lists",
    alt_text=(f"Stacked bars of {len(outcomes)} requests by month of first pending sighting, {flow['month'].iloc[0]} "
              f"to {flow['month'].iloc[-1]}; "
              + ", ".join(f"{int(counts.get(k, 0))} {k.replace('_', ' ')}" for k in pending.OUTCOMES if counts.get(k, 0))
              + "."),
    data=flow, inputs=raw_inputs, sort_by=["month"],
))

# %% [markdown]
# ## Requests never signed
# The share of requests still pending or dropped, and the requests whose agency signed another model
# instead. Some dropped requests are probably signed agreements
# printed under another spelling: `data/qa/pending_unmatched.csv` lists each unsigned request whose
# agency has a near name among the participating agencies of its state, with the rename rule of the
# history that would accept the pair, if one does. The history applies those rules only between
# participating lists. They are proposals for a person (`data/hand/aliases.csv`), never merged here.

# %%
# NBVAL_CHECK_OUTPUT
unsigned = outcomes["outcome"].isin(pending.UNSIGNED)
for kind in (*pending.UNSIGNED, "signed_other_model"):
    print(f"{kind}: {int(counts.get(kind, 0))} of {len(outcomes)} requests ({counts.get(kind, 0) / len(outcomes):.1%})")
likely = unmatched[unmatched["same_model"] & (unmatched["rule"] != "")].drop_duplicates(
    ["agency_id", "model", "first_pending"])
print(f"unsigned requests with a near name on the participating lists: "
      f"{unmatched[['agency_id', 'model', 'first_pending']].drop_duplicates().shape[0]}; with a same-model "
      f"candidate a history rename rule accepts: {len(likely)}")

# %%
unmatched[["agency", "model", "outcome", "candidate_agency", "candidate_models", "rule", "why"]]

# %% [markdown]
# The requests whose agency signed another model within the spell, with the model and dates in `note`:

# %%
outcomes.loc[outcomes["outcome"] == "signed_other_model", ["agency_id", "model", "first_pending", "last_pending", "note"]]

# %% [markdown]
# ## Where requests stall
# Requests by state and outcome. The ranking of states where requests stall takes the states with at
# least the minimum number of requests printed below, by the share never signed (dropped, still pending or
# unknown: a request whose agency signed another model instead is not counted).

# %%
# NBVAL_CHECK_OUTPUT
states = pending.by_state(outcomes)
stalled = pending.stalled_states(states)
print(f"states with at least {pending.MIN_STATE_REQUESTS} requests, by share never signed:")
for r in stalled.itertuples(index=False):
    print(f"  {r.state}: {r.unsigned} of {r.requests} never signed ({r.unsigned_share:.0%}); median "
          f"{r.median_days_to_listed:.1f} days to listing for the signed")
slow = states[(states["requests"] >= pending.MIN_STATE_REQUESTS)].sort_values(
    ["median_days_to_listed", "state"], ascending=[False, True]).head(5)
print("slowest to reach the participating list (median days, signed requests): "
      + ", ".join(f"{r.state} {r.median_days_to_listed:.1f}" for r in slow.itertuples(index=False)))

# %%
shown = states.sort_values(["requests", "state"], ascending=[True, False])
fig, ax = plt.subplots(figsize=(8, max(4, 0.24 * len(shown))))
left = np.zeros(len(shown))
for kind in pending.OUTCOMES:
    if shown[kind].sum():
        ax.barh(shown["state"], shown[kind], left=left, color=colors[kind], label=kind.replace("_", " "))
        left += shown[kind].to_numpy()
ax.set_xlabel("requests on ICE's pending lists")
ax.legend(loc="lower right")
charts.grid_on_x(ax)
charts.show_figure(fig, charts.save_figure(
    fig, "pending_by_state",
    title="Pending requests by state and outcome",
    source=f"ICE 287(g) pending and participating agencies lists, {fresh['first_pending']} to {day}",
    alt_text=(f"Horizontal stacked bars of requests by state and outcome for {len(states)} states; the most "
              f"requests: {states['state'].iloc[0]} ({int(states['requests'].iloc[0])}), then "
              f"{states['state'].iloc[1]} ({int(states['requests'].iloc[1])})."),
    data=states, inputs=raw_inputs, sort_by=["state"],
))
