"""Per-state report tables and the index page, on the committed processed tables (real data)."""
from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest

from ice287g import agreements, charts, detention, geography, pipeline, reports


@pytest.fixture(scope="module")
def tables():
    return {n: agreements.processed(f"{n}.csv") for n in
            ("lists", "list_counts", "list_rows", "agreements", "agencies", "agreement_places",
             "detention_facilities")}


def test_report_states_are_every_state_ever_on_a_participating_list(tables):
    rows, lists = tables["list_rows"], agreements.series_lists(tables["lists"])
    on_series = set(rows.loc[rows["list_id"].isin(lists["list_id"]), "state"]) - {""}
    states = reports.report_states(tables["agreements"])
    assert set(states) == on_series
    assert {"FL", "TX", "GU", "MP"} <= set(states) and "PR" not in states
    assert states == sorted(states)


def test_state_timeline_on_the_newest_list_equals_the_count_api(tables):
    newest = agreements.list_id_for(tables["lists"], "newest")
    for state in ("FL", "TX", "MP"):
        t = reports.state_timeline(tables["lists"], tables["list_counts"], state)
        on_newest = t[t["list_id"] == newest]
        assert list(on_newest["model"]) == sorted([*charts.MODEL_ORDER, "ALL"])
        newest_date = tables["lists"].set_index("list_id").loc[newest, "list_date"]
        by_model = on_newest.set_index("model")["agreements"]
        assert by_model["ALL"] == agreements.count(newest_date, state=state) == by_model.drop("ALL").sum()
        for model in charts.MODEL_ORDER:
            got = int(on_newest.loc[on_newest["model"] == model, "agreements"].iloc[0])
            assert got == agreements.count(newest_date, state=state, model=model)


def test_state_timeline_is_zero_before_a_state_joined(tables):
    ags = tables["agreements"]
    for state in ("ND", "TX"):
        joined = ags.loc[ags["state"] == state, "first_listed"].min()
        t = reports.state_timeline(tables["lists"], tables["list_counts"], state)
        per_list = t[t["model"] == "ALL"].set_index("list_date")["agreements"]
        assert (per_list[per_list.index < joined] == 0).all() and len(per_list[per_list.index < joined]) > 0
        assert per_list[joined] > 0
    # the partners page of 2007 names no model: only the ALL line counts Florida there
    fl = reports.state_timeline(tables["lists"], tables["list_counts"], "FL")
    first = fl[fl["list_date"] == "2007-09-19"].set_index("model")["agreements"]
    assert first["ALL"] > 0 and first.drop("ALL").sum() == 0
    assert t["segment"].nunique() >= 2  # the 2017-2021 gap splits the series


def test_agencies_in_force_match_the_count_api(tables):
    counties, _ = geography.map_layers()
    lists = tables["lists"]
    newest = agreements.list_id_for(lists, "newest")
    day = lists.set_index("list_id").loc[newest, "list_date"]
    for state in ("FL", "AK"):
        table = reports.state_agencies(tables["agreements"], tables["agencies"], tables["agreement_places"],
                                       counties, tables["list_rows"], newest, state)
        assert list(table.columns) == ["agency", "type", "county", "models", "signed", "status", "first_listed",
                                       "last_listed"]
        assert (table["status"] == "in force").sum() == agreements.count(day, state=state, unit="agencies")
        assert set(table["status"]) <= {"in force", "ended"}
        assert (table["first_listed"] <= day).all()
    fl = reports.state_agencies(tables["agreements"], tables["agencies"], tables["agreement_places"], counties,
                                tables["list_rows"], newest, "FL")
    polk = fl[fl["agency"] == "Polk County Sheriff's Office"].iloc[0]
    assert polk["county"] == "Polk County" and polk["status"] == "in force"


def test_agencies_at_an_earlier_date_exclude_later_agreements(tables):
    counties, _ = geography.map_layers()
    lid = agreements.list_id_for(tables["lists"], "2023-06-30")
    table = reports.state_agencies(tables["agreements"], tables["agencies"], tables["agreement_places"],
                                   counties, tables["list_rows"], lid, "FL")
    assert (table["status"] == "in force").sum() == agreements.count("2023-06-30", state="FL", unit="agencies")
    assert (table["first_listed"] <= "2023-06-30").all()


def test_recent_changes_are_the_difference_of_two_lists(tables):
    rows, lists = tables["list_rows"], tables["lists"]
    changes, before, after = reports.recent_changes(rows, lists, "FL")
    dates = lists.set_index("list_id")["list_date"]
    gap = (pd.Timestamp(dates[after]) - pd.Timestamp(dates[before])).days
    assert 0 < gap <= reports.RECENT_DAYS + 60
    key = ["agency_id", "model", "signed"]
    a = set(map(tuple, rows.loc[(rows["list_id"] == before) & (rows["state"] == "FL"), key].values))
    b = set(map(tuple, rows.loc[(rows["list_id"] == after) & (rows["state"] == "FL"), key].values))
    assert len(changes) >= 1
    assert (changes["change"] == "added").sum() <= len(b - a)
    assert len(b) - len(a) == (changes["change"] == "added").sum() - (changes["change"] == "removed").sum()
    assert set(changes["state"]) == {"FL"}


def test_state_facilities_sum_to_the_state_adp(tables):
    counties, _ = geography.map_layers()
    fac, release = reports.state_facilities(tables["detention_facilities"], counties, "TX")
    adp = detention.state_adp().set_index("state")
    assert release == adp["release_date"].iloc[0]
    assert fac["adp_total"].sum() == pytest.approx(adp.loc["TX", "adp_total"], abs=0.1 * len(fac))
    assert len(fac) == adp.loc["TX", "facilities"]
    assert fac["adp_total"].is_monotonic_decreasing
    before, none = reports.state_facilities(tables["detention_facilities"], counties, "TX", "2000-01-01")
    assert none is None and before.empty
    fy19, day = reports.state_facilities(tables["detention_facilities"], counties, "TX", "2019-12-31")
    assert day == "2019-10-07" and len(fy19) > 10


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.imgs = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a["href"])
        if tag == "img":
            self.imgs.append(a)


def test_index_links_every_state_notebook_and_figure(tables):
    figures = charts.read_manifest(pipeline.paths.project_root() / "figures")
    rows = reports.state_index_rows(tables["list_rows"], tables["lists"], ["FL", "GU"])
    page = reports.index_html(rows, pipeline.reading_order(), figures)
    parsed = _Collect()
    parsed.feed(page)
    assert {"states/FL.html", "states/GU.html", "states/FL.ipynb"} <= set(parsed.hrefs)
    assert "notebooks/00_program_history.html" in parsed.hrefs
    assert page.index("00_program_history") < page.index("00_raw_inventory")
    assert len(parsed.imgs) == len(figures) and all(i["alt"] for i in parsed.imgs)
    assert not any(h.startswith(("http:", "https:", "/")) for h in parsed.hrefs)  # works offline, from disk
    fl = rows.set_index("state").loc["FL"]
    assert fl["agreements"] == agreements.count(fl["list_date"], state="FL")
    assert fl["state_name"] == "Florida"


def test_unknown_state_stops_before_any_kernel_starts():
    with pytest.raises(ValueError, match=r"^state_report: parameter state='ZZ' refused \(not a state"):
        reports.build_reports(["ZZ"])
    with pytest.raises(ValueError, match=r"no agreement ever listed for \['VI'\]"):
        reports.build_reports(["vi"])


def test_reports_for_another_date_go_to_their_own_folder():
    assert pipeline.state_reports_folder("newest") == "states"
    assert pipeline.state_reports_folder("2023-06-30") == "states_2023-06-30"
