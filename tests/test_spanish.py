"""The Spanish edition's words and figures: the two catalogues agree key for key and placeholder for
placeholder, each language writes numbers and dates by its one rule, and the sentences both editions say
carry the same figures, read from the committed tables."""
from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from ice287g.analyses.state_brief import state_brief
from ice287g.archive import coverage
from ice287g.core import paths
from ice287g.core.vocab import GAP_DAYS
from ice287g.history import agreements
from ice287g.history.asof import list_row_for, read_processed
from ice287g.publish import brief, i18n, site

from .figures_shown import figures


def test_both_catalogues_hold_the_same_keys_with_the_same_placeholders():
    en, es = i18n.catalogue("en"), i18n.catalogue("es")
    assert set(en) == set(es) and len(en) > 50
    assert {k: i18n.placeholders(en[k]) for k in en} == {k: i18n.placeholders(es[k]) for k in es}
    assert all(isinstance(v, str) and v.strip() for v in [*en.values(), *es.values()])
    # a Spanish message left in English would pass the keys: most must differ from their English
    same = [k for k in en if en[k] == es[k]]
    assert len(same) < len(en) / 10, same


def test_a_missing_placeholder_or_language_is_an_error():
    with pytest.raises(KeyError):
        i18n.message("es", "front.search_link_nowhere")
    with pytest.raises(KeyError):
        i18n.message("es", "agencies.count", shown="1")
    with pytest.raises(ValueError):
        i18n.catalogue("fr")


@pytest.mark.parametrize(("value", "en", "es"), [
    (0, "0", "0"), (999, "999", "999"), (1843, "1,843", "1843"), (11907, "11,907", "11\u202f907"),
    (-12345, "-12,345", "-12\u202f345"), (1234567, "1,234,567", "1\u202f234\u202f567")])
def test_each_language_writes_a_number_by_its_rule(value, en, es):
    assert i18n.number("en", value) == en and i18n.number("es", value) == es


def test_each_language_writes_shares_decimals_and_dates_by_its_rule():
    assert i18n.percent("en", 759 / 2987) == "25.4%" and i18n.percent("es", 759 / 2987) == "25,4\u00a0%"
    assert i18n.decimal("en", 13.65) == "13.7" or i18n.decimal("en", 13.65) == "13.6"
    assert i18n.decimal("es", 1843 / 135) == "13,7"
    assert i18n.date("en", "2026-05-18") == "2026-05-18"
    assert i18n.date("es", "2026-05-18") == "18 de mayo de 2026" and i18n.date("es", "2019-05") == "mayo de 2019"
    assert i18n.date("es", "2007-09-01") == "1 de septiembre de 2007"


def test_html_escapes_the_message_and_its_values_and_stresses_marked_words():
    out = i18n.html("es", "brief.rank", rank="<script>", ranked=3)
    assert "&lt;script&gt;" in out and "<b>" in out and "<script>" not in out


def test_the_figure_reader_undoes_each_languages_formatting():
    assert figures("1,843 agreements on 2026-05-18 (25.4%)", "en") == \
        figures("1843 acuerdos el 18 de mayo de 2026 (25,4\u00a0%)", "es") == Counter(["1843", "2026-05-18", "25.4"])
    assert figures("11,907", "en") != figures("11\u202f907 y 2,5", "es")


@pytest.fixture(scope="module")
def tables():
    return {name: read_processed(f"{name}.csv") for name in ("lists", "list_rows", "list_counts", "state_agency_shares")}


STATES = ("TX", "FL", "AL", "CT", "MP")


@pytest.mark.parametrize("state", STATES)
def test_a_states_brief_shows_the_same_figures_in_both_languages(tables, state):
    lists, rows = tables["lists"], tables["list_rows"]
    list_id = list_row_for(lists, "newest")["list_id"]
    facts = state_brief(lists, tables["list_counts"], rows, state, list_id)
    on = rows[(rows["list_id"] == list_id) & (rows["state"] == state)]
    assert facts["agreements"] == len(on) and facts["agencies"] == on["agency_id"].nunique()
    texts = {lang: brief.state_brief_text(lang, facts, "X") + " "
             + brief.state_shares_text(lang, tables["state_agency_shares"], state, "X") for lang in i18n.LANGS}
    shown = {lang: figures(re.sub(r"<[^>]+>|\*\*", "", t), lang) for lang, t in texts.items()}
    assert shown["en"] == shown["es"]
    assert str(len(on)) in shown["es"] and facts["list_date"] in shown["es"]


def test_the_english_brief_reads_as_the_state_report_always_said(tables):
    lists, rows = tables["lists"], tables["list_rows"]
    list_id = list_row_for(lists, "newest")["list_id"]
    facts = state_brief(lists, tables["list_counts"], rows, "TX", list_id)
    text = brief.state_brief_text("en", facts, "Texas")
    assert text.startswith(f"**Texas** has **{facts['agreements']:,}** agreements held by **{facts['agencies']:,}** "
                           f"agencies on ICE's list of {facts['list_date']} (")
    assert f"ranking **{facts['rank']}** of {facts['ranked']} states and territories" in text


def test_the_history_shows_the_same_figures_in_both_languages():
    facts = brief.history_facts(read_processed("program_milestones.csv"), agreements.program_events(),
                                coverage.list_gaps(coverage.coverage(), GAP_DAYS))
    m = pd.read_csv(paths.project_root() / "data" / "processed" / "program_milestones.csv", dtype=str)
    newest = m.set_index("milestone").loc["newest"]
    text = {lang: re.sub(r"<[^>]+>", "", " ".join(brief.history_text(lang, facts))) for lang in i18n.LANGS}
    shown = {lang: figures(t.replace("&#39;", "'"), lang) for lang, t in text.items()}
    assert shown["en"] == shown["es"]
    assert newest["agreements"] in shown["es"] and newest["list_date"] in shown["es"]


@pytest.mark.parametrize(("page", "twin"), [
    ("reports/index.html", "es/index.html"), ("reports/agencies.html", "es/agencies.html"),
    ("reports/states/TX.html", "../es/states/TX.html"),
    ("reports/notebooks/00_program_history.html", "../es/history.html"),
    ("reports/notebooks/03_maps.html", "../es/index.html"), ("reports/states_2025-01-01/TX.html", "../es/index.html")])
def test_each_english_page_switches_to_its_spanish_twin_or_the_spanish_front_page(page, twin):
    assert site.spanish_twin(paths.project_root() / page) == twin


def test_the_state_maps_alt_text_says_the_same_in_both_languages():
    en = brief.state_map_alt("en", "Texas", 254, 207, True, False)
    assert en == ("Map of Texas's 254 counties: 207 hold at least one local agreement, and a statewide agreement "
                  "covers the whole state.")
    for flags in ((True, False), (False, True), (False, False)):
        assert figures(brief.state_map_alt("en", "X", 12345, 67, *flags), "en") == \
            figures(brief.state_map_alt("es", "X", 12345, 67, *flags), "es") == Counter(["12345", "67"])
    assert "penitenciario" in brief.state_map_alt("es", "X", 3, 1, False, True)
