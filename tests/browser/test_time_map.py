"""The time-slider map (publish.timemap) in a real browser: written into a folder of its own as ``make site``
writes it, served from 127.0.0.1, driven by its slider, its play button and a click on a county. The
counties it colours are checked against county_counts.csv, the states it hatches against
population_covered.csv; no request may leave the machine."""
from __future__ import annotations

import json
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from ice287g.history.asof import read_processed
from ice287g.publish import timemap
from ice287g.tables.schema import CORRECTIONS, LAW_ENFORCEMENT

from .conftest import load, outside, serve


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    timemap.write_time_map(folder)
    with serve(folder) as url:
        yield folder, url


@pytest.fixture(scope="module")
def first_day(site) -> str:
    return read_processed("county_counts.csv")["as_of"].min()


@pytest.fixture
def page(site, driver):
    """The map, opened and its data loaded; the URLs it requested."""
    _, url = site
    driver.set_window_size(1200, 900)
    urls = load(driver, f"{url}/{timemap.PAGE}")
    WebDriverWait(driver, 60).until(lambda d: d.find_element("id", "tm-day").is_enabled())
    return urls


def _offset(day: str, first: str) -> int:
    return (date.fromisoformat(day) - date.fromisoformat(first)).days


def _move(driver, day: str, first: str) -> None:
    """Put the slider on ``day`` as a drag would leave it: the value set, then the input event."""
    driver.execute_script("const s = document.getElementById('tm-day'); s.value = arguments[0];"
                          "s.dispatchEvent(new Event('input', {bubbles: true}));", _offset(day, first))
    assert driver.find_element("id", "tm-date").text == day


def _coloured(driver) -> int:
    return driver.execute_script("return document.querySelectorAll('#tm-counties path[data-k]').length")


def _hatched(driver) -> dict[str, str]:
    """state -> its hatch (``timemap.ROLE_KEYS``), for the states hatched."""
    return dict(driver.execute_script("return Array.from(document.querySelectorAll('#tm-states path[data-h]'))"
                                      ".map(p => [p.id.slice(2), p.dataset.h])"))


def test_the_slider_shows_each_lists_counties(page, driver, first_day):
    counts = read_processed("county_counts.csv")
    covered = read_processed("population_covered.csv").set_index("as_of")
    per_list = counts.groupby("as_of").size()
    shapes = driver.execute_script("return Array.from(document.querySelectorAll('#tm-states path')).map(p => p.id.slice(2))")
    # month-end lists of every era: the partners page, the fact sheets, the web table, ICE's workbooks
    days = [per_list.index[i] for i in (0, len(per_list) // 4, len(per_list) // 2, 3 * len(per_list) // 4, -1)]
    assert len(set(days)) == 5
    for day in days:
        _move(driver, day, first_day)
        assert _coloured(driver) == per_list[day], day
        statewide = sorted(filter(None, covered.at[day, "statewide_states"].split(";")))
        corrections = set(filter(None, covered.at[day, "corrections_only_states"].split(";")))
        role = {s: timemap.ROLE_KEYS[CORRECTIONS if s in corrections else LAW_ENFORCEMENT] for s in statewide}
        assert _hatched(driver) == {s: role[s] for s in statewide if s in shapes}, day
        status = driver.find_element("id", "tm-status").text
        assert status.startswith(f"ICE list of {day}: {per_list[day]:,} counties with an agreement, "
                                 f"{len(statewide)} states and territories with a statewide agreement"), status
        off_map = [s for s in statewide if s not in shapes]
        assert (f"({', '.join(off_map)} not on the map)" in status) == bool(off_map), status
    assert not outside(page), f"requests leaving localhost: {outside(page)}"


def test_an_arrow_key_steps_one_day(page, driver, first_day):
    _move(driver, "2012-06-05", first_day)
    before = driver.find_element("id", "tm-status").text
    assert before.startswith("ICE list of 2012-03-04:")
    driver.find_element("id", "tm-day").send_keys(Keys.ARROW_RIGHT)
    assert driver.find_element("id", "tm-date").text == "2012-06-06"
    assert driver.find_element("id", "tm-status").text.startswith("ICE list of 2012-06-06: 49 counties")


def test_a_gap_day_shows_no_list_archived(page, driver, first_day):
    _move(driver, "2010-01-01", first_day)
    status = driver.find_element("id", "tm-status").text
    assert status.startswith("No list archived for 2010-01-01: the newest list before it, of 2008-03-10"), status
    assert driver.find_element("id", "tm-gap").is_displayed()
    assert driver.find_element("id", "tm-gap").text == "No list archived"
    assert _coloured(driver) == 0 and _hatched(driver) == {}
    # back on a list, the note goes
    _move(driver, "2011-02-20", first_day)
    assert not driver.find_element("id", "tm-gap").is_displayed() and _coloured(driver) > 0


def test_a_click_lists_the_countys_agencies(page, driver, first_day):
    _move(driver, "2012-06-06", first_day)
    driver.find_element("id", "c48201").click()  # Harris County, TX
    panel = driver.find_element("id", "tm-county")
    assert panel.find_element("tag name", "h2").text == "Harris County, TX"
    assert "On ICE's list of 2012-06-06: 1 agency with an agreement placed in this county." in panel.text
    links = panel.find_elements("tag name", "a")
    assert [a.text for a in links] == ["Harris County Sheriff's Office"]
    href = urlparse(links[0].get_attribute("href"))
    assert href.path.endswith("/agencies.html")
    assert parse_qs(href.fragment) == {"state": ["TX"], "q": ["Harris County Sheriff's Office"]}
    # the panel follows the slider: on the newest list the sheriff is gone and Texas's statewide agencies show
    newest = read_processed("county_counts.csv")["as_of"].max()
    _move(driver, newest, first_day)
    assert "Harris County Sheriff's Office" not in panel.text and "Statewide in TX:" in panel.text


def test_a_county_picked_with_the_keyboard(page, driver, first_day):
    _move(driver, "2012-06-06", first_day)
    chooser = Select(driver.find_element("id", "tm-pick"))
    # one option a coloured county, after the prompt
    assert len(chooser.options) - 1 == _coloured(driver) == 49
    chooser.select_by_visible_text("Harris County, TX")
    panel = driver.find_element("id", "tm-county")
    assert panel.find_element("tag name", "h2").text == "Harris County, TX"
    assert [a.text for a in panel.find_elements("tag name", "a")] == ["Harris County Sheriff's Office"]


def test_play_steps_from_list_to_list(site, page, driver, first_day):
    _move(driver, read_processed("county_counts.csv")["as_of"].max(), first_day)
    driver.find_element("id", "tm-play").click()  # at the end, play starts over from the first list
    assert driver.find_element("id", "tm-play").text == "Pause"
    WebDriverWait(driver, 10).until(lambda d: d.find_element("id", "tm-date").text != first_day)
    shown = driver.find_element("id", "tm-date").text
    driver.find_element("id", "tm-play").click()
    assert driver.find_element("id", "tm-play").text == "Play"
    # play stops on a list's day or on a gap's first day
    data = json.loads((site[0] / timemap.DATA).read_text(encoding="utf-8"))
    assert shown in {d for d, _ in data["lists"]} | {g[0] for g in data["gaps"]}


def test_the_data_file_loads(site, page, driver):
    folder, url = site
    size = (folder / timemap.DATA).stat().st_size
    timing = driver.execute_script(
        "const e = performance.getEntriesByName(arguments[0])[0];"
        "return e ? {duration: e.duration, body: e.decodedBodySize} : null", f"{url}/{timemap.DATA}")
    assert timing and timing["body"] == size
    print(f"\n{timemap.DATA}: {size:,} bytes, loaded in {timing['duration']:.1f} ms")


def test_the_map_fits_a_phone(site, driver):
    driver.set_window_size(390, 844)
    try:
        load(driver, f"{site[1]}/{timemap.PAGE}")
        wide = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 1, f"the map scrolls sideways by {wide}px on a 390px-wide screen"
        svg_width = driver.execute_script("return document.getElementById('tm-svg').getBoundingClientRect().width")
        assert 300 < svg_width <= 390
    finally:
        driver.set_window_size(1200, 900)
