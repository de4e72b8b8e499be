"""Per-state report tables and the index page, on the committed processed tables (real data)."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from ice287g.ingest.lists import series_lists
from ice287g.analyses import state_brief
from ice287g.build import notebook_html, pipeline, reports
from ice287g.detention import detention
from ice287g.history import asof
from ice287g.history.changes import ChangeReport, state_table
from ice287g.places import geography, maps
from ice287g.publish import change_pages, charts, pages


@pytest.fixture(scope="module")
def tables():
    return {n: asof.read_processed(f"{n}.csv") for n in
            ("lists", "list_counts", "list_rows", "agreements", "agencies", "agreement_places",
             "detention_facilities")}


def test_report_states_are_every_state_ever_on_a_participating_list(tables):
    rows, lists = tables["list_rows"], series_lists(tables["lists"])
    on_series = set(rows.loc[rows["list_id"].isin(lists["list_id"]), "state"]) - {""}
    states = reports.report_states(tables["agreements"])
    assert set(states) == on_series
    assert {"FL", "TX", "GU", "MP"} <= set(states) and "PR" not in states
    assert states == sorted(states)


def test_state_timeline_on_the_newest_list_equals_the_count_api(tables):
    newest = asof.list_row_for(tables["lists"], "newest")["list_id"]
    for state in ("FL", "TX", "MP"):
        t = state_brief.state_timeline(tables["lists"], tables["list_counts"], state)
        on_newest = t[t["list_id"] == newest]
        assert list(on_newest["model"]) == sorted([*charts.MODEL_ORDER, "ALL"])
        newest_date = tables["lists"].set_index("list_id").loc[newest, "list_date"]
        by_model = on_newest.set_index("model")["agreements"]
        assert by_model["ALL"] == asof.count(newest_date, state=state) == by_model.drop("ALL").sum()
        for model in charts.MODEL_ORDER:
            got = int(on_newest.loc[on_newest["model"] == model, "agreements"].iloc[0])
            assert got == asof.count(newest_date, state=state, model=model)


def test_state_timeline_is_zero_before_a_state_joined(tables):
    ags = tables["agreements"]
    for state in ("ND", "TX"):
        joined = ags.loc[ags["state"] == state, "first_listed"].min()
        t = state_brief.state_timeline(tables["lists"], tables["list_counts"], state)
        per_list = t[t["model"] == "ALL"].set_index("list_date")["agreements"]
        assert (per_list[per_list.index < joined] == 0).all() and len(per_list[per_list.index < joined]) > 0
        assert per_list[joined] > 0
    # the partners page of 2007 names no model: only the ALL line counts Florida there
    fl = state_brief.state_timeline(tables["lists"], tables["list_counts"], "FL")
    first = fl[fl["list_date"] == "2007-09-19"].set_index("model")["agreements"]
    assert first["ALL"] > 0 and first.drop("ALL").sum() == 0
    assert t["segment"].nunique() >= 2  # the 2017-2021 gap splits the series


def test_agencies_in_force_match_the_count_api(tables):
    counties, _ = maps.map_layers()
    lists = tables["lists"]
    newest = asof.list_row_for(lists, "newest")["list_id"]
    day = lists.set_index("list_id").loc[newest, "list_date"]
    for state in ("FL", "AK"):
        table = reports.state_agencies(tables["agreements"], tables["agencies"], tables["agreement_places"],
                                       counties, tables["list_rows"], newest, state)
        assert list(table.columns) == ["agency", "type", "county", "ori", "models", "signed", "status",
                                       "first_listed", "last_listed", "moa_url", "addendum_url"]
        assert (table["status"] == "in force").sum() == asof.count(day, state=state, unit="agencies")
        assert set(table["status"]) <= {"in force", "ended"}
        assert (table["first_listed"] <= day).all()
    fl = reports.state_agencies(tables["agreements"], tables["agencies"], tables["agreement_places"], counties,
                                tables["list_rows"], newest, "FL")
    polk = fl[fl["agency"] == "Polk County Sheriff's Office"].iloc[0]
    assert polk["county"] == "Polk County" and polk["status"] == "in force"


def test_agencies_at_an_earlier_date_exclude_later_agreements(tables):
    counties, _ = maps.map_layers()
    lid = asof.list_row_for(tables["lists"], "2023-06-30")["list_id"]
    table = reports.state_agencies(tables["agreements"], tables["agencies"], tables["agreement_places"],
                                   counties, tables["list_rows"], lid, "FL")
    assert (table["status"] == "in force").sum() == asof.count("2023-06-30", state="FL", unit="agencies")
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
    counties, _ = maps.map_layers()
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
    front = reports.front_page_parts()
    page = reports.index_html(rows, pipeline.reading_order(), figures, **front)
    parsed = _Collect()
    parsed.feed(page)
    assert {"states/FL.html", "states/GU.html", "states/FL.ipynb", "agencies.html#state=FL"} <= set(parsed.hrefs)
    assert "notebooks/00_program_history.html" in parsed.hrefs
    assert page.index("00_program_history") < page.index("00_raw_inventory")
    # the gallery shows every figure; the timeline and the county map lead the page as well
    srcs = [i["src"] for i in parsed.imgs]
    assert sorted(set(srcs)) == sorted(f"figures/{s}.png" for s in figures["slug"]) and all(i["alt"] for i in parsed.imgs)
    assert srcs[:2] == ["figures/agreements_timeline.png", "figures/county_map.png"]
    assert not any(h.startswith(("http:", "https:", "/")) for h in parsed.hrefs)  # works offline, from disk
    fl = rows.set_index("state").loc["FL"]
    assert fl["agreements"] == asof.count(fl["list_date"], state="FL")
    assert fl["agencies"] == asof.count(fl["list_date"], state="FL", unit="agencies")
    assert fl["state_name"] == "Florida"
    # the newest list, its totals by model, the change report and the release named by that date
    newest = series_lists(tables["lists"]).iloc[-1]
    assert f"<title>ICE 287(g) agreements: list of {newest['list_date']}</title>" in page
    total = asof.count(newest["list_date"])
    assert f"<b>{total:,}</b> agreements" in page
    assert front["totals"].set_index("model").loc["ALL", "after"] == total
    assert f"dist/ice287g-data-{newest['list_date']}.zip" in parsed.hrefs
    assert "What changed since the previous list" in page and "<details>" in page
    # the national shares of sheriffs and police, their roster's date and limits (the page escapes apostrophes)
    shares = pd.read_csv(pipeline.paths.project_root() / "data" / "processed" / "state_agency_shares.csv",
                         keep_default_na=False).set_index("state").loc["US"]
    shown = html.unescape(re.search(r'<p id="shares">(.*?)</p>', page).group(1))
    assert f"{shares['sheriffs_in_program']:,} of the country's {shares['sheriffs_total']:,} sheriffs' offices" in shown
    assert f"{shares['police_in_program']:,} of its {shares['police_total']:,} local police departments" in shown
    assert shares["as_of"] == newest["list_date"] and "roster of 2018-09-17" in shown and "lower bounds" in shown
    assert "data/processed/agreements.csv" in parsed.hrefs and "docs/codebook.md" in parsed.hrefs
    for label, href in pages.NAV["en"]:
        assert href in parsed.hrefs, label


def test_the_agency_search_lists_every_agency_ever_listed(tables):
    counties, _ = maps.map_layers()
    lists, ags = tables["lists"], tables["agreements"]
    newest = asof.list_row_for(lists, "newest")["list_id"]
    day = lists.set_index("list_id").loc[newest, "list_date"]
    table = reports.agency_rows(ags, tables["agencies"], tables["agreement_places"], counties,
                                tables["list_rows"], newest)
    assert len(table) == ags["agency_id"].nunique() == table[["state", "agency"]].drop_duplicates().shape[0]
    assert (table["status"] == "in force").sum() == asof.count(day, unit="agencies")
    assert list(table.columns[:10]) == ["state", *reports.AGENCY_COLUMNS]
    fl = reports.state_agencies(ags, tables["agencies"], tables["agreement_places"], counties, tables["list_rows"],
                                newest, "FL")
    assert fl.equals(table[table["state"] == "FL"].drop(columns="state").reset_index(drop=True))
    page = reports.agencies_page(table, day, geography.states().set_index("state")["state_name"].to_dict())
    assert page.count("<tr data-state=") == len(table)
    assert '<option value="TX">TX Texas</option>' in page
    assert "textContent" in page and "innerHTML" not in page
    assert reports.agency_search_href("TX") == "../agencies.html#state=TX"
    assert reports.agency_search_href("TX", "2023-06-30") == "../agencies_2023-06-30.html#state=TX"


EVIL = '<script>alert(1)</script> & "Co"'
EVIL_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"


def _report(changes: pd.DataFrame, renames: pd.DataFrame) -> ChangeReport:
    """A change report of the lists of 2025-03-01 and 2025-04-01 with these changes and renames, and only the
    parts a state's section reads."""
    return ChangeReport(before=pd.Series({"list_date": "2025-03-01"}), after=pd.Series({"list_date": "2025-04-01"}),
                        changes=changes, renames=renames, totals=pd.DataFrame(), by_state=state_table(changes, renames),
                        by_model=pd.DataFrame(), qa={})


def _synthetic(moa: bool):
    ags = pd.DataFrame({
        "agreement_id": ["ZZ-evil:TFM:2025-02-01", "ZZ-good:JEM:2019-01-01"], "agency_id": ["ZZ-evil", "ZZ-good"],
        "state": ["TX", "TX"], "agency": [EVIL, "Good County Sheriff"], "model": ["TFM", "JEM"],
        "signed": ["2025-02-01", "2019-01-01"], "first_listed": ["2025-03-01", "2019-02-01"],
        "last_listed": ["2025-04-01", "2020-01-01"]})
    if moa:
        ags["moa_url"] = ["javascript:alert(1)", "https://www.ice.gov/doclib/287gMOA/good.pdf"]
        ags["addendum_url"] = ["", ""]
    agencies = pd.DataFrame({"agency_id": ["ZZ-evil", "ZZ-good"], "agency_type": ["County", "County"]})
    places = pd.DataFrame({"agreement_id": ags["agreement_id"], "method": ["county", "county"],
                           "county_fips": ["48001", "48003"]})
    counties = pd.DataFrame({"county_fips": ["48001", "48003"], "county": ["Anderson", "Andrews"]})
    rows = pd.DataFrame({"list_id": ["l1"], "list_date": ["2025-04-01"], "agency_id": ["ZZ-evil"], "model": ["TFM"],
                         "signed": ["2025-02-01"], "state": ["TX"]})
    return ags, agencies, places, counties, rows


def test_agency_names_are_escaped_in_the_search_and_the_state_report():

    ags, agencies, places, counties, rows = _synthetic(moa=False)
    table = reports.agency_rows(ags, agencies, places, counties, rows, "l1")
    assert list(table["status"]) == ["in force", "ended"] and "moa_url" not in table.columns
    search = reports.agencies_page(table, "2025-04-01", {"TX": "Texas"})
    state = reports.agencies_table_html(reports.state_agencies(ags, agencies, places, counties, rows, "l1", "TX"))
    changes = pd.DataFrame({"change": ["added"], "state": ["TX"], "agency": [EVIL], "agency_id": ["ZZ-evil"],
                            "model_before": [""], "model_after": ["TFM"], "signed_before": [""],
                            "signed_after": ["2025-02-01"]})
    renames = pd.DataFrame({"state": ["TX"], "old_agency": [EVIL], "new_agency": [EVIL + " 2"], "model": ["TFM"],
                            "signed": ["2025-02-01"]})
    rep = _report(changes, renames)
    section = change_pages.state_changes_html(rep, "TX")
    assert "1 added, 0 removed, 0 model changed, 0 signed changed, 0 corrected, 1 renamed" in section
    for page in (search, state, section, reports.html_table(changes, {"agency": "Agency"})):
        assert EVIL_ESCAPED in page
        assert "<script>alert" not in page and EVIL not in page
    # the search's own script is the page's only script
    assert search.count("<script>") == 1


def test_agency_names_are_escaped_in_the_front_pages_change_report():
    from ice287g.history import changes

    rep = changes.build()
    evil = rep.changes.iloc[:1].assign(change="added", agency=EVIL)
    rep.changes = pd.concat([evil, rep.changes], ignore_index=True)
    page = change_pages.changes_html(rep)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<table>" in page and '<div class="scroll">' in page


def test_moa_links_light_up_when_the_history_carries_them():
    ags, agencies, places, counties, rows = _synthetic(moa=True)
    table = reports.agency_rows(ags, agencies, places, counties, rows, "l1")
    assert list(table.columns[-2:]) == ["moa_url", "addendum_url"]
    page = reports.agencies_page(table, "2025-04-01", {"TX": "Texas"})
    assert '<th data-col="moa_url">MOA</th>' in page and '<a href="https://www.ice.gov/doclib/287gMOA/good.pdf">MOA</a>' in page
    assert "javascript:" not in page  # a link from data that is not http(s) is dropped
    assert "1 of them link the signed agreement (MOA)" in page


EVIL_STATE = "Tex<as> & 'Co'"


def test_hostile_names_are_escaped_in_every_page_from_the_templates():
    """An agency and a state named like markup, through each page the templates build: the agency search,
    the front page with its change report, a state report's agencies and change section, and the page
    around a state report (its title and source links)."""

    ags, agencies, places, counties, rows = _synthetic(moa=True)
    table = reports.agency_rows(ags, agencies, places, counties, rows, "l1")
    search = reports.agencies_page(table, "2025-04-01", {"TX": EVIL_STATE})
    changes = pd.DataFrame({"change": ["added"], "state": ["TX"], "agency": [EVIL], "model_before": [""],
                            "model_after": ["TFM"], "signed_before": [""], "signed_after": ["2025-02-01"]})
    rep = _report(changes, pd.DataFrame(columns=["state", "old_agency", "new_agency", "model", "signed"]))
    section = change_pages.state_changes_html(rep, "TX")
    states = pd.DataFrame({"state": ["TX"], "state_name": [EVIL_STATE], "agreements": [1], "agencies": [1],
                           "list_date": ["2025-04-01"]})
    figures = pd.DataFrame({"slug": ["county_map"], "alt_text": [EVIL], "title": [EVIL], "source": [EVIL_STATE]})
    front = reports.index_html(states, ["00_program_history"], figures, changes=pages.markdown_html(f"# {EVIL}"))
    _, header, _ = pages.page_parts("../", [(EVIL_STATE, "TX.ipynb?a=1&b=2")])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A state")])
    report = notebook_html.render_html(nb, title=reports.state_report_title(EVIL_STATE, "2025-04-01", None), root="../",
                                  sources=[(EVIL_STATE, "TX.ipynb")])
    state_table = reports.agencies_table_html(reports.state_agencies(ags, agencies, places, counties, rows, "l1", "TX"))
    state_escaped = "Tex&lt;as&gt; &amp; &#x27;Co&#x27;"
    for name, page in {"search": search, "section": section, "front": front, "state": state_table}.items():
        assert EVIL_ESCAPED in page and "<script>alert" not in page and EVIL not in page, name
    for page in (search, front, header):
        assert state_escaped in page and EVIL_STATE not in page
    # nbconvert writes the page out again: quotes in text come back as they were, markup stays escaped
    assert "<title>287(g) in Tex&lt;as&gt; &amp; 'Co'" in report and "Tex<as>" not in report
    assert """<a href="TX.ipynb">Tex&lt;as&gt; &amp; 'Co'</a>""" in report
    assert f'<td title="{state_escaped}">TX</td>' in search
    assert '<a href="TX.ipynb?a=1&amp;b=2">' in header


def test_the_search_script_is_a_static_file_served_as_it_is():
    script = (pages.TEMPLATES / "search.js").read_text(encoding="utf-8")
    ags, agencies, places, counties, rows = _synthetic(moa=False)
    page = reports.agencies_page(reports.agency_rows(ags, agencies, places, counties, rows, "l1"), "2025-04-01", {})
    # whole and unescaped, never read as a template; the page's only script
    assert f"<script>\n{script}</script>" in page and page.count("<script") == 1
    assert "split(/\\s+/)" in script and "textContent" in script and "innerHTML" not in script
    # no page is assembled in Python any more: the script and the markup live under templates/ only
    source = Path(reports.__file__).read_text(encoding="utf-8")
    assert "getElementById" not in source and "html.escape" not in source and "<td" not in source


def test_release_name_and_state_report_title():
    assert reports.zip_name("2026-05-18") == "ice287g-data-2026-05-18.zip"
    assert reports.state_report_title("Texas", "2026-05-18", "2026-04-02") == \
        "287(g) in Texas: ICE list of 2026-05-18, ICE detention release of 2026-04-02"
    assert "no ICE detention release" in reports.state_report_title("Guam", "2026-05-18", None)


def test_unknown_state_stops_before_any_kernel_starts():
    with pytest.raises(ValueError, match=r"^state_report: parameter state='ZZ' refused \(not a state"):
        reports.build_reports(["ZZ"])
    with pytest.raises(ValueError, match=r"no agreement ever listed for \['VI'\]"):
        reports.build_reports(["vi"])


def test_reports_for_another_date_go_to_their_own_folder():
    assert pipeline.state_reports_folder("newest") == "states"
    assert pipeline.state_reports_folder("2023-06-30") == "states_2023-06-30"


def test_every_raw_source_has_a_name_for_the_readme():
    from ice287g.build import readme
    from ice287g.core import paths

    assert set(readme.SOURCE_NAMES) == set(paths.RAW_SOURCES)
