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
# # 02 · What changed between two ICE lists
#
# The table a reporter needs the day ICE posts a new list: which agreements were **added**, which
# **disappeared**, which agencies **changed model** and which agreements show a **new signing date**,
# state by state. Agreements are matched on the agency's identity (`agency_id`, see
# `01_agreement_history`, where renamed agencies already share one id) and the model. By default it
# compares the newest list with the one before it in the series, the same pair as the change report
# (`python -m ice287g changes`). Run it for any pair:
#
# ```bash
# .venv/bin/python -m ice287g run 02_compare_lists -p before 2025-06-06 -p after newest
# ```
#
# `after` takes `newest`, `first-YYYY` (the first list of that year) or a date (the list in force on
# that date); `before` takes the same or `previous` (the series list just before `after`). A rename
# the identity rules cannot prove shows as one removal and one addition until an alias in
# `data/hand/aliases.csv` joins the two names (candidates: `data/qa/identity_candidates.csv`).

# %% tags=["parameters"]
before = "previous"
after = "newest"

# %%
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

import ice287g
from ice287g.history import asof
from ice287g.core import paths
from ice287g.history import agreements
from ice287g.publish import charts
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table
from ice287g.history import changes as changes_report

ice287g.setup_notebook("02_compare_lists")

# %%
lists = asof.read_processed("lists.csv")
rows = asof.read_processed("list_rows.csv")
before_id, after_id = changes_report.list_pair(lists, before, after)
meta = lists.set_index("list_id")
changes = agreements.compare_lists(rows, before_id, after_id)
by_state = agreements.changes_by_state(changes)
_ = stage_commit.commit("02_compare_lists", {
    paths.processed_dir() / "list_changes.csv": Table(changes.assign(before=before_id, after=after_id),
                                                      ["change", "state", "agency_id", "model_before", "model_after"]),
    paths.processed_dir() / "list_changes_by_state.csv": Table(by_state.assign(before=before_id, after=after_id),
                                                               ["state"]),
})

# %%
# NBVAL_CHECK_OUTPUT
n_before = int((rows["list_id"] == before_id).sum())
n_after = int((rows["list_id"] == after_id).sum())
print(f"{before_id} ({meta.loc[before_id, 'source_file']}): {n_before} agreements")
print(f"{after_id} ({meta.loc[after_id, 'source_file']}): {n_after} agreements")
print("changes:", changes["change"].value_counts().sort_index().to_dict())

# %% [markdown]
# ## By state

# %%
by_state

# %% [markdown]
# ## Every change, agreement by agreement

# %%
changes

# %%
shown = by_state[(by_state[["added", "removed", "model_changed", "signed_changed"]].sum(axis=1) > 0)]
fig, ax = plt.subplots(figsize=(9, max(4, 0.25 * len(shown) + 1)))
y = np.arange(len(shown))
ax.barh(y, shown["added"], color=charts.MODEL_COLORS["JEM"])
ax.barh(y, -shown["removed"], color=charts.MODEL_COLORS["WSO"])
# a marker only where something changed: one at zero would read as a change in every state
changed = (shown["model_changed"] + shown["signed_changed"]).to_numpy()
ax.scatter(changed[changed > 0], y[changed > 0], marker="|", s=60, color="#333333", zorder=3)
ax.set_yticks(y, shown["state"])
ax.invert_yaxis()
ax.axvline(0, color="#333333", lw=0.8)
charts.grid_on_x(ax)
ax.set_xlabel("agreements (removed to the left of zero)")
ax.legend(handles=[Patch(color=charts.MODEL_COLORS["JEM"], label="added"),
                   Patch(color=charts.MODEL_COLORS["WSO"], label="no longer listed"),
                   plt.Line2D([], [], marker="|", ls="", color="#333333", label="model or signing date changed")],
          loc="lower right")
d0, d1 = meta.loc[before_id, "list_date"], meta.loc[after_id, "list_date"]
charts.show_figure(fig, charts.save_figure(
    fig, "list_changes",
    title=f"287(g) agreements added and removed by state, {d0} to {d1}",
    source=(f"ICE 287(g) lists {meta.loc[before_id, 'source_file']} and {meta.loc[after_id, 'source_file']}; "
            "matched by agency identity and model (ice287g); removals inferred from absence"),
    alt_text=changes_report.chart_alt_text(by_state, d0, d1),
    data=shown.assign(before=before_id, after=after_id),
    inputs=[paths.raw_dir() / "ice_287g" / meta.loc[i, "source_file"] for i in (before_id, after_id)],
    sort_by=["state"],
))
