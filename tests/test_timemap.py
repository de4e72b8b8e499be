"""The time-slider map's data (publish.timemap) against the committed tables it is built from, and the page
it writes."""
from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest

from ice287g.core.vocab import GAP_DAYS, MODELS
from ice287g.history.asof import StaleError, list_row_for, read_processed
from ice287g.places.geography import month_end_lists
from ice287g.publish import timemap
from ice287g.publish.charts import COVERAGE_COLORS, STATEWIDE_HATCH
from ice287g.publish.pages import static

from .test_html_offline import outside_references


@pytest.fixture(scope="module")
def data() -> dict:
    return timemap.map_data(read_processed("list_rows.csv"), read_processed("lists.csv"),
                            read_processed("agreement_places.csv"), read_processed("agencies.csv"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The map written as ``make site`` will write it: into a folder of its own."""
    folder = tmp_path_factory.mktemp("site")
    return folder, timemap.write_time_map(folder)


def _index(data: dict, list_id: str) -> int:
    return [lid for _, lid in data["lists"]].index(list_id)


def test_every_month_end_list_colours_the_counties_county_counts_holds(data):
    counts = read_processed("county_counts.csv")
    picks = month_end_lists(read_processed("lists.csv"))
    assert len(picks) > 50
    for lid, day in zip(picks["list_id"], picks["list_date"]):
        shown = timemap.counties_on(data, _index(data, lid))
        rows = counts[counts["as_of"] == day]
        assert set(shown) == set(rows["county_fips"]), day
        # the colour follows the models county_counts counts there
        for r in rows.itertuples(index=False):
            present = [m for m in MODELS if int(getattr(r, m)) > 0]
            expected = "none" if not present else present[0] if len(present) == 1 else "two or more models"
            assert shown[r.county_fips] == expected, (day, r.county_fips)


def test_counties_on_real_lists(data):
    """Figures read off county_counts.csv: the first list, the 2012 peak, the newest."""
    assert len(timemap.counties_on(data, 0)) == 23
    assert len(timemap.counties_on(data, _index(data, "participating-2012-06-06"))) == 49
    newest = timemap.counties_on(data, len(data["lists"]) - 1)
    assert len(newest) == 929
    assert newest["12086"] == "two or more models"  # Miami-Dade


def test_statewide_states_are_population_covereds(data):
    covered = read_processed("population_covered.csv")
    for r in covered.itertuples(index=False):
        hatched = timemap.statewide_on(data, _index(data, r.list_id))
        assert sorted(hatched) == sorted(filter(None, r.statewide_states.split(";"))), r.as_of
        assert sorted(s for s, k in hatched.items() if k == "C") == \
            sorted(filter(None, r.corrections_only_states.split(";"))), r.as_of


def test_a_list_date_shows_its_list_and_a_gap_date_none(data):
    lists = read_processed("lists.csv")
    assert len(data["gaps"]) == 3
    for i, (day, lid) in enumerate(data["lists"]):
        if i + 1 < len(data["lists"]) and data["lists"][i + 1][0] == day:
            continue  # two lists of one day: the day shows the later, as the store does
        assert timemap.list_on(data, day) == i
        assert list_row_for(lists, day)["list_id"] == lid
    for first, last in data["gaps"]:
        for day in (first, last):
            assert timemap.list_on(data, day) is None
            with pytest.raises(StaleError):
                list_row_for(lists, day)
        # the day before a gap, the list before it still speaks: GAP_DAYS old exactly
        eve = (date.fromisoformat(first) - timedelta(days=1)).isoformat()
        i = timemap.list_on(data, eve)
        assert (date.fromisoformat(eve) - date.fromisoformat(data["lists"][i][0])).days == GAP_DAYS
        assert list_row_for(lists, eve)["list_id"] == data["lists"][i][1]
    assert timemap.list_on(data, "2010-01-01") is None
    assert timemap.list_on(data, "2007-09-18") is None
    assert data["lists"][timemap.list_on(data, "2012-06-07")][0] == "2012-06-06"


def test_the_agencies_are_agencies_csvs(data):
    agencies = read_processed("agencies.csv")
    known = set(zip(agencies["state"], agencies["agency"]))
    assert all(tuple(a) in known for a in data["agencies"])
    assert data["agencies"] == sorted(data["agencies"])
    # a county's agencies on a list are the list's rows placed there
    i = _index(data, "participating-2012-06-06")
    harris = [data["agencies"][a] for a, _, f, runs in data["placed"] if f == "48201" and timemap._on(runs, i)]
    assert harris == [["TX", "Harris County Sheriff's Office"]]


def test_runs_are_inclusive_ranges():
    assert timemap._runs([5, 0, 1, 2, 2]) == [0, 2, 5, 5]
    assert timemap._on([0, 2, 5, 5], 5) and not timemap._on([0, 2, 5, 5], 3)


def test_the_written_files(site, data):
    folder, written = site
    assert [p.name for p in written] == ["map-data.json", "map.html"]
    text = (folder / "map-data.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(data))
    assert text == timemap.data_json(data) and list(json.loads(text)) == sorted(json.loads(text))
    page = (folder / "map.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and '<meta name="viewport"' in page
    assert re.search(r"<title>The 287\(g\) program on the map: every ICE list, 2007-09-19 to \d{4}-\d\d-\d\d</title>", page)
    assert re.search(r'<input id="tm-day" type="range" min="0" max="\d+"', page)
    # nothing from another host, no script but the page's own; its data file next to it
    assert outside_references(page) == []
    assert page.count("<script") == 1 and "<script>" in page and "://" not in static("timemap.js")
    assert f'data-src="{timemap.DATA}"' in page
    # every county county_counts ever holds has its shape
    shapes = set(re.findall(r'<path id="c(\d{5})"', page))
    assert len(shapes) > 3000 and set(read_processed("county_counts.csv")["county_fips"]) <= shapes


def test_the_colours_are_the_charts(site):
    page = (site[0] / "map.html").read_text(encoding="utf-8")
    for model in MODELS:
        assert f'#tm-counties [data-k="{model}"]{{fill:{COVERAGE_COLORS[model]}}}' in page
    for _, color, label in STATEWIDE_HATCH.values():
        assert color in page and html.escape(label) in page


def test_the_command_writes_the_same_bytes_into_a_folder(site, tmp_path, capsys):
    assert timemap.main([]) == 2
    assert timemap.main([str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["map-data.json", "map.html"]
    assert capsys.readouterr().out.split() == [str(tmp_path / "out" / n) for n in ("map-data.json", "map.html")]
    folder, _ = site  # written a second time, byte for byte the first: deterministic
    for p in (tmp_path / "out").iterdir():
        assert p.read_bytes() == (folder / p.name).read_bytes(), p.name
