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
import pandas as pd
from IPython.display import Markdown, display

import ice287g
from ice287g.history import asof
from ice287g.archive import coverage
from ice287g.core import paths
from ice287g.history import agreements
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
# ## Milestones and their sources

# %%
events[["date", "event", "source"]]

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
of {first.list_date}, names **{first.agreements}** agencies with agreements.

**Growth and the task forces.** The first archived fact-sheet roster ({fact.list_date}) lists **{fact.agreements}**
agreements: {fact.JEM} jail-model and {fact.TFM} task-force agreements. ICE let the task forces lapse at the end of
{ev.loc['task forces ended', 'date'][:4]}; the first roster without any task-force agreement is dated {gone.list_date},
with **{gone.agreements}** agreements left. The roster reaches its low of **{low.agreements}** on {low.list_date}.

**The {ev.loc['EO 13768', 'date'][:4]} resurgence and the gap.** After the executive order of {ev.loc['EO 13768', 'date']}, the roster grows
to **{before_gap.agreements}** agreements on {before_gap.list_date}. Then the record stops: **no ICE list survives
from {long_gap.last_list_before} to {long_gap.first_list_after}** ({long_gap.days} days). ICE created the Warrant
Service Officer model inside that gap ({ev.loc['WSO model', 'date'][:7]}); it first appears on an archived list on
{wso.list_date}, with **{wso.WSO}** WSO agreements beside {wso.JEM} jail-model ones.

**{ev.loc['EO 13993', 'date'][:4]} to {int(ev.loc['EO 14159', 'date'][:4]) - 1}.** The program holds steady: the last list before {ev.loc['EO 14159', 'date']} ({start25.list_date})
shows **{start25.agreements}** agreements.

**The {ev.loc['EO 14159', 'date'][:4]} surge.** Task-force agreements return on {back.list_date}. On the newest list ({newest.list_date}) ICE
counts **{newest.agreements}** agreements: {newest.JEM} jail-model, {newest.WSO} warrant-service and {newest.TFM}
task-force agreements. That is {newest.agreements / start25.agreements:.1f} times the count at the start of {start25_year}.
"""
display(Markdown(text))

# %%
# NBVAL_CHECK_OUTPUT
print(m[["list_date", "agreements", "JEM", "WSO", "TFM"]].to_string())

# %% [markdown]
# ## What the record cannot tell
# Every stretch longer than `gap_days` days without an archived ICE list. No chart in this project
# draws a line across them, and an agreement that vanished inside one was last seen on the date
# before it.

# %%
gaps
