"""The program-history notebook's choices, on the committed tables: the moments its maps show, the gaps its
timeline leaves blank, the events it marks, and its tables shown whole."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.history import asof
from ice287g.analyses import program_history
from ice287g.archive import coverage
from ice287g.core.vocab import GAP_DAYS
from ice287g.history import agreements

from .conftest import REAL_RAW


@pytest.fixture(scope="module")
def wide():
    processed = REAL_RAW.parent / "processed"
    lists = pd.read_csv(processed / "lists.csv", dtype=str, keep_default_na=False)
    counts = pd.read_csv(processed / "list_counts.csv", dtype=str, keep_default_na=False)
    return program_history.model_counts(agreements.timeline(lists, counts, GAP_DAYS))


def test_the_partners_page_prints_no_model_and_later_lists_count_absent_models_as_zero(wide):
    first = wide.iloc[0]
    assert (first["list_date"], first["ALL"]) == ("2007-09-19", 28)
    assert first[["JEM", "WSO", "TFM"]].isna().all()
    gone = wide.set_index("list_date").loc["2013-04-02"]
    assert (gone["ALL"], gone["JEM"], gone["TFM"]) == (39, 39, 0)


def test_the_timeline_gaps_are_the_archive_gaps(wide):
    spans = program_history.gap_spans(wide)
    archive = coverage.list_gaps(coverage.coverage(("ice_287g",)), GAP_DAYS)
    assert spans.to_dict("records") == archive.to_dict("records")
    assert spans["first_list_after"].tolist() == ["2011-02-20", "2021-01-13", "2024-02-05"]
    # no segment of the chart's lines reaches into a gap
    for g in spans.itertuples():
        inside = wide[(wide["list_date"] > g.last_list_before) & (wide["list_date"] < g.first_list_after)]
        assert inside.empty


def test_the_moments_are_chosen_from_the_counts(wide):
    m = program_history.moments(wide).set_index("moment")
    assert list(m.index) == ["first_peak", "low_point", "first_after_gap", "newest"]
    peak = m.loc["first_peak"]
    assert (peak["list_date"], peak["agreements"]) == ("2011-02-20", 71)
    assert peak["agreements"] == wide.loc[wide["list_date"] <= "2017-08-01", "ALL"].max()
    low = m.loc["low_point"]
    after_peak = wide[wide["list_date"] > peak["list_date"]]
    assert low["agreements"] == after_peak["ALL"].min() == 32
    assert low["list_date"] == "2015-07-25"  # the first of the lists at the minimum
    assert (m.loc["first_after_gap", "list_date"], m.loc["first_after_gap", "agreements"]) == ("2021-01-13", 150)
    assert m.loc["first_after_gap", "WSO"] == 76
    newest = m.loc["newest"]
    assert (newest["list_date"], newest["agreements"]) == (wide["list_date"].max(), wide["ALL"].iloc[-1])


def test_a_new_minimum_after_the_peak_moves_the_low_point(wide):
    doctored = wide.copy()
    doctored.loc[doctored["list_date"] == "2022-08-11", "ALL"] = 5
    assert program_history.moments(doctored).set_index("moment").loc["low_point", "list_date"] == "2022-08-11"


def test_only_events_within_the_archived_lists_are_marked(wide):
    marked = program_history.events_in(agreements.program_events(), wide)
    assert marked["short_label"].tolist() == ["task forces ended", "EO 13768", "WSO model", "EO 13993",
                                              "EO 14159", "TFM returns"]


def test_moment_maps_count_the_counties_each_list_covers(wide):
    processed = REAL_RAW.parent / "processed"
    rows = asof.read_processed("list_rows.csv")
    places = asof.read_processed("agreement_places.csv")
    picked = program_history.moments(wide)
    panels = program_history.moment_maps(rows, places, picked)
    per = panels.groupby("moment")["county_fips"].nunique()
    assert per["low_point"] == 32 and per["first_after_gap"] == 142
    counts = pd.read_csv(processed / "county_counts.csv", dtype={"county_fips": str})
    newest = picked.set_index("moment").loc["newest", "list_date"]
    assert per["newest"] == counts.loc[counts["as_of"] == newest, "county_fips"].nunique()


def test_markdown_tables_keep_every_cell_whole():
    long = "Illegal Immigration Reform and Immigrant Responsibility Act of 1996, Pub. L. 104-208 | div. C"
    df = pd.DataFrame({"source": [long], "agreements": [1843], "TFM": [pd.NA]})
    text = program_history.markdown_table(df)
    assert text.splitlines() == ["| source | agreements | TFM |", "|---|---|---|",
                                 "| " + long.replace("|", "\\|") + " | 1,843 |  |"]
    assert "…" not in text
