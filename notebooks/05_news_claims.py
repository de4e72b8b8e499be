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
# # 05 · The numbers in the news, recomputed
#
# Reporters cite 287(g) counts (how many agreements on a given day, which state had the most) and
# detention figures taken from TRAC. `data/hand/news_claims.csv` lists those claims: outlet, date,
# statement, and what was measured. This notebook recomputes each one from the raw ICE files,
# using the list in force on the claim's date, and gives a verdict:
# - **exact**;
# - **close**: within a small share of the claim (printed below), with the likely reason (agencies
#   counted instead of agreements, territories left out, or a neighbouring list) or the difference;
# - **differs**: with the difference in numbers and as a share of the claim, or the confusion that
#   reproduces the claim;
# - **not_archived**: the list in force is too old to speak for the date (the store's gap threshold,
#   printed below); the nearest lists before and after are named with their values.
#
# The results are written to `data/processed/news_claims_check.csv`.

# %% tags=["parameters"]
claims_file = "data/hand/news_claims.csv"

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import ice287g
from ice287g.analyses import claims
from ice287g.core import paths
from ice287g.publish import charts
from ice287g.tables import stage_commit
from ice287g.tables.stage_commit import Table
from ice287g.core.vocab import GAP_DAYS

ice287g.setup_notebook("05_news_claims")

# %%
table = claims.check(claims.load(paths.project_root() / claims_file))
_ = stage_commit.commit("05_news_claims", {paths.processed_dir() / "news_claims_check.csv": Table(table, ["claim_id"])})

# %%
# NBVAL_CHECK_OUTPUT
print(f"{len(table)} claims:", table["verdict"].value_counts().sort_index().to_dict())
print(f"close: within {claims.CLOSE_SHARE:.0%} of the claim; not_archived: the newest list is more than "
      f"{GAP_DAYS} days older than the claim's date")

# %%
table[["claim_id", "outlet", "as_of", "statement", "value", "computed", "list_date", "verdict", "also"]]

# %% [markdown]
# ## Claims that are not exact, in plain words

# %%
# NBVAL_CHECK_OUTPUT
misses = table[table["verdict"] != "exact"]
for _, row in misses.iterrows():
    print("-", claims.sentence(row))
if misses.empty:
    print("Every claim is reproduced exactly by the list in force on its date.")

# %%
numeric = table[table["value"].str.lstrip("-").str.isdigit() & table["computed"].str.lstrip("-").str.isdigit()].copy()
numeric["published"] = numeric["value"].astype(int)
numeric["recomputed"] = numeric["computed"].astype(int)
fig, ax = plt.subplots(figsize=(8, 7))
lim = [1, max(numeric["published"].max(), numeric["recomputed"].max()) * 1.5]
ax.plot(lim, lim, color=charts.NEUTRAL, lw=0.8, ls="--", label="published = recomputed")
colors = {"exact": charts.MODEL_COLORS["TFM"], "close": charts.MODEL_COLORS["WSO"],
          "differs": "#D55E00", "not_archived": charts.NEUTRAL}
for verdict, part in numeric.groupby("verdict"):
    ax.scatter(part["published"], part["recomputed"], color=colors.get(verdict, "#000000"), s=36, label=verdict,
               zorder=3)
for r in numeric.itertuples():
    ax.annotate(r.claim_id, (r.published, r.recomputed), fontsize=6.5, xytext=(4, -3), textcoords="offset points")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlim(lim)
ax.set_ylim(lim)
ax.set_xlabel("figure published")
ax.set_ylabel("figure recomputed from the archived ICE list")
ax.legend(loc="upper left")
ax.grid(True, color="#e5e5e5")
charts.show_figure(fig, charts.save_figure(
    fig, "news_claims",
    title="Figures cited in the news against the archived ICE lists",
    source=("data/hand/news_claims.csv (Border Report, ProPublica/Arizona Luminaria, CQ Roll Call); ICE 287(g) lists "
            "in force on each claim's date; ICE detentionStats workbooks. Non-numeric claims (top state) are in "
            "data/processed/news_claims_check.csv"),
    alt_text=(f"Scatter plot of {len(numeric)} numeric claims, published value against recomputed value on log "
              f"axes; {int((numeric['verdict'] == 'exact').sum())} lie exactly on the diagonal."),
    data=numeric[["claim_id", "published", "recomputed", "list_date", "verdict"]],
    inputs=[paths.project_root() / claims_file], sort_by=["claim_id"],
))
