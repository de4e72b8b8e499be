"""The Spanish edition of the site (``reports/es/``, ``site/es/``): the front page, the agency search, each
state's "in brief" and the program's history, in Spanish, with the same figures as the English pages, every
one computed from the same processed tables by the same functions (``analyses.state_brief``,
``publish.brief``, ``reports``), only worded by ``locale/es.yaml`` and written by ``i18n``'s Spanish rules.

Written by ``make reports`` beside the English pages it mirrors (the agency search's rows come from
``reports.agency_rows``, a layer above ``publish``); ``publish.site`` copies them into the site.
"""
from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd

from ..analyses.state_brief import state_brief
from ..archive import coverage
from ..core import files, paths
from ..core.states import states as census_states
from ..core.vocab import GAP_DAYS
from ..history import agreements
from ..history.asof import list_row_for, read_processed
from ..publish import brief, i18n, pages
from ..publish.charts import read_manifest
from ..publish.site import HISTORY_NOTEBOOK, SPANISH
from . import reports

LANG = "es"
LEAD_FIGURES = (reports.TIMELINE_FIGURE, reports.MAP_FIGURE)
HISTORY_FIGURES = ("program_timeline", "program_moments_maps")
STATE_MAP = "state_county_map"


def figure(slug: str, manifest: pd.DataFrame, src: str) -> dict:
    """An image of the manifest's figure ``slug`` at ``src``: its alt text and title are the manifest's,
    in English (the page marks them ``lang="en"``)."""
    row = manifest.set_index("slug").loc[slug]
    return {"src": src, "alt": row["alt_text"], "alt_lang": "en", "title": row["title"], "title_lang": "en"}


def state_map(state: str, state_name: str, list_date: str) -> dict | None:
    """The state report's county map, inline (the English report embeds it too), its alt text in Spanish from
    the data it plots; None where the report drew none."""
    folder = paths.reports_dir() / "states" / state / "figures"
    png = folder / f"{STATE_MAP}.png"
    if not png.exists():
        return None
    plotted = pd.read_csv(folder / f"{STATE_MAP}.csv", dtype=str, keep_default_na=False)
    flag = lambda c: bool(len(plotted)) and plotted[c].iloc[0] == "True"
    alt = brief.state_map_alt(LANG, state_name, len(plotted), int((plotted["category"] != "none").sum()),
                              flag("statewide"), flag("corrections_only"))
    return {"src": "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii"), "alt": alt,
            "alt_lang": LANG, "title": i18n.message(LANG, "state.map_title", state=state_name, date=i18n.date(LANG, list_date)),
            "title_lang": LANG}


def front_page(newest: pd.Series, totals: pd.DataFrame, shares: pd.DataFrame, states: pd.DataFrame,
               manifest: pd.DataFrame) -> str:
    return pages.render(
        "es_index.html.j2", lang=LANG, root="", twin="../index.html", newest=newest,
        totals=reports.totals_part(totals, LANG),
        shares=brief.national_shares_text(LANG, shares, i18n.html, list_date=newest["list_date"]),
        lead=[figure(s, manifest, f"../figures/{s}.png") for s in LEAD_FIGURES if s in set(manifest["slug"])],
        states=states.sort_values("state").to_dict("records"))


def state_page(state: str, state_name: str, facts: dict, shares: pd.DataFrame) -> str:
    return pages.render(
        "es_state.html.j2", lang=LANG, root="../", twin=f"../../states/{state}.html", state=state,
        state_name=state_name, list_date=facts["list_date"],
        brief=brief.state_brief_text(LANG, facts, state_name, i18n.html),
        shares=brief.state_shares_text(LANG, shares, state, state_name, i18n.html), map=state_map(state, state_name, facts["list_date"]))


def history_page(manifest: pd.DataFrame) -> str:
    facts = brief.history_facts(read_processed("program_milestones.csv"), agreements.program_events(),
                                coverage.list_gaps(coverage.coverage(), GAP_DAYS))
    return pages.render(
        "es_history.html.j2", lang=LANG, root="", twin=f"../notebooks/{HISTORY_NOTEBOOK}.html",
        story=brief.history_text(LANG, facts), notebook=f"../notebooks/{HISTORY_NOTEBOOK}.html",
        figures=[figure(s, manifest, f"../figures/{s}.png") for s in HISTORY_FIGURES])


def write_spanish(states_done: list[str]) -> list[Path]:
    """Every page of the Spanish edition into ``reports/es/``, for the newest list: ``states_done`` are the
    states with an English report."""
    out = paths.reports_dir() / SPANISH
    lists, rows, counts = read_processed("lists.csv"), read_processed("list_rows.csv"), read_processed("list_counts.csv")
    shares = read_processed("state_agency_shares.csv")
    manifest = read_manifest(paths.project_root() / "figures")
    names = census_states().set_index("state")["state_name"].to_dict()
    list_id = list_row_for(lists, "newest")["list_id"]
    parts = reports.front_page_parts()
    index_rows = reports.state_index_rows(rows, lists, states_done)
    written = [
        files.write_text(out / "index.html", front_page(parts["newest"], parts["totals"], shares, index_rows, manifest)),
        files.write_text(out / "agencies.html", reports.agencies_page(*reports.agency_search_rows(), LANG,
                                                                        "../agencies.html")),
        files.write_text(out / "history.html", history_page(manifest)),
    ]
    for stale in sorted((out / "states").glob("*.html")):
        if stale.stem not in states_done:
            stale.unlink()
    for state in states_done:
        facts = state_brief(lists, counts, rows, state, list_id)
        written.append(files.write_text(out / "states" / f"{state}.html",
                                          state_page(state, names.get(state, state), facts, shares)))
    return written
