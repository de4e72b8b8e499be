"""Sentences both editions of the site say, in either language (``publish.i18n``): a state's "in brief", the
shares of sheriffs and police in the program, and the program's history in numbers. ``render`` is
``i18n.message`` for text and Markdown (the notebooks), ``i18n.html`` for a page: the same words and figures
either way."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..core.vocab import MODELS
from ..places.agency_shares import CLASSES, NATIONAL, ROSTER_DATE
from .i18n import date, decimal, html, message, number, percent

Render = Callable[..., str]


def state_brief_text(lang: str, facts: dict, state_name: str, render: Render = message) -> str:
    """The "in brief" sentence of ``analyses.state_brief.state_brief``'s ``facts``."""
    n = lambda v: number(lang, v)
    models = ", ".join(f"{n(facts['by_model'][m])} {m}" for m in MODELS)
    rank = (render(lang, "brief.rank", rank=n(facts["rank"]), ranked=n(facts["ranked"]))
            if facts["rank"] is not None else render(lang, "brief.no_rank"))
    peak = (render(lang, "brief.peak", peak=n(facts["peak"]), date=date(lang, facts["peak_date"]))
            if facts["peak"] else render(lang, "brief.no_peak"))
    return render(lang, "brief.summary", state=state_name, agreements=n(facts["agreements"]),
                  agencies=n(facts["agencies"]), date=date(lang, facts["list_date"]), models=models, rank=rank,
                  first_date=date(lang, facts["first_date"]), peak=peak)


def shares_text(lang: str, row, where: str, render: Render = message) -> str:
    """The shares of one row of ``agency_shares.SHARE_COLUMNS`` in words, for ``where`` ("Texas", or
    ``where.country`` of the catalogue)."""
    parts = {}
    for c in CLASSES:
        held, total = int(row[f"{c}_in_program"]), int(row[f"{c}_total"])
        parts[c] = (render(lang, f"shares.{c}", held=number(lang, held), total=number(lang, total),
                           share=percent(lang, held / total), where=where)
                    if total else render(lang, f"shares.{c}_none"))
    return render(lang, "shares.sentence", date=date(lang, row["as_of"]), **parts,
                  limits=render(lang, "shares.limits", date=date(lang, ROSTER_DATE)))


def state_shares_text(lang: str, shares: pd.DataFrame, state: str, state_name: str, render: Render = message) -> str:
    """``shares_text`` of ``state`` in ``state_agency_shares.csv`` (``shares``), or that the roster lists none."""
    rows = shares[shares["state"] == state]
    if rows.empty:
        return render(lang, "shares.no_roster", date=date(lang, ROSTER_DATE), state=state_name)
    return shares_text(lang, rows.iloc[0], state_name, render)


def national_shares_text(lang: str, shares: pd.DataFrame, render: Render = message, list_date: str | None = None) -> str:
    """``shares_text`` of the country, the ``NATIONAL`` row of ``state_agency_shares.csv`` (``shares``); '' where
    ``list_date`` is given and the table is of another list (a front page for another date leaves them out)."""
    row = shares.set_index("state").loc[NATIONAL]
    if list_date is not None and row["as_of"] != list_date:
        return ""
    return shares_text(lang, row, message(lang, "where.country"), render)


def state_map_alt(lang: str, state_name: str, counties: int, covered: int, statewide: bool,
                  corrections_only: bool) -> str:
    """The alt text of a state's county map: its ``counties``, how many hold a local agreement (``covered``),
    and what its statewide agreements cover."""
    tail = ("alt.state_map_corrections" if corrections_only else "alt.state_map_statewide" if statewide
            else "alt.state_map_end")
    return message(lang, "alt.state_map", state=state_name, counties=number(lang, counties),
                   covered=number(lang, covered), tail=message(lang, tail))


def history_facts(milestones: pd.DataFrame, events: pd.DataFrame, gaps: pd.DataFrame) -> dict:
    """The program's history in numbers (``history_text``'s values, unformatted): ``milestones`` is
    ``program_milestones.csv``, ``events`` ``agreements.program_events()``, ``gaps`` ``coverage.list_gaps``."""
    m = milestones.astype({c: "int64" for c in ("agreements", *MODELS)}).set_index("milestone")
    ev = events.set_index("short_label")["date"]
    long_gap = gaps.sort_values("days").iloc[-1]
    first, fact, gone, low = (m.loc[k] for k in ("first_archived_list", "first_fact_sheet", "task_forces_gone",
                                                 "fact_sheet_low"))
    before, wso, start, back, newest = (m.loc[k] for k in ("last_before_gap", "first_wso_list", "start_of_2025",
                                                           "task_forces_back", "newest"))
    return {
        "origins": {"enacted": ev["287(g) enacted"][:4], "first_agreement": ev["first agreement (FL)"][:4],
                    "first_date": ("date", first["list_date"]), "first": first["agreements"]},
        "growth": {"fact_date": ("date", fact["list_date"]), "fact": fact["agreements"], "fact_jem": fact["JEM"],
                   "fact_tfm": fact["TFM"], "tfm_end": ev["task forces ended"][:4],
                   "gone_date": ("date", gone["list_date"]), "gone": gone["agreements"],
                   "low": low["agreements"], "low_date": ("date", low["list_date"])},
        "gap": {"eo_year": ev["EO 13768"][:4], "eo_date": ("date", ev["EO 13768"]), "before_gap": before["agreements"],
                "before_gap_date": ("date", before["list_date"]), "gap_from": ("date", long_gap["last_list_before"]),
                "gap_to": ("date", long_gap["first_list_after"]), "gap_days": int(long_gap["days"]),
                "wso_month": ("date", ev["WSO model"][:7]), "wso_date": ("date", wso["list_date"]),
                "wso": wso["WSO"], "wso_jem": wso["JEM"]},
        "steady": {"steady_from": ev["EO 13993"][:4], "steady_to": str(int(ev["EO 14159"][:4]) - 1),
                   "surge_date": ("date", ev["EO 14159"]), "start_date": ("date", start["list_date"]),
                   "start": start["agreements"]},
        "surge": {"surge_year": ev["EO 14159"][:4], "back_date": ("date", back["list_date"]),
                  "newest_date": ("date", newest["list_date"]), "newest": newest["agreements"],
                  "newest_jem": newest["JEM"], "newest_wso": newest["WSO"], "newest_tfm": newest["TFM"],
                  "times": ("decimal", newest["agreements"] / start["agreements"])},
    }


def _shown(lang: str, value) -> str:
    """A value of ``history_facts`` as ``lang`` writes it: a date, a decimal, a count, or text (a year)."""
    if isinstance(value, tuple):
        kind, v = value
        return date(lang, v) if kind == "date" else decimal(lang, v)
    return value if isinstance(value, str) else number(lang, value)


def history_text(lang: str, facts: dict, render: Render = html) -> list[str]:
    """The paragraphs of the history in numbers, one per part of ``history_facts``."""
    return [render(lang, f"history.{part}", **{k: _shown(lang, v) for k, v in values.items()})
            for part, values in facts.items()]
