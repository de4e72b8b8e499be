"""The site's pages (site/, `make site`) in a real browser: Selenium drives a headless Chromium or Chrome
found by its system's names (tests/browser/browsers.py; no browser download). Run by `make test-browser`
after `make site`; `.ci/run` installs Debian's packages where neither is there, and the tests skip
without them.

The site is served as its own web root on 127.0.0.1 (conftest.py), as GitHub Pages serves it; the pages
use only relative links and open from disk too. Every request the browser makes is read from its
DevTools network log: none may leave localhost.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from .conftest import ROOT, SITE, load, outside

# Code cells as nbconvert draws them: the input area of a code cell and the In/Out prompts.
CODE_SELECTORS = (".jp-CodeCell .jp-Cell-inputWrapper", ".jp-InputArea-editor", ".jp-InputPrompt",
                  ".jp-OutputPrompt", "div.input", "div.prompt")


def visible_code(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [f"{sel}: {el.text[:60]!r}" for sel in CODE_SELECTORS
            for el in driver.find_elements(By.CSS_SELECTOR, sel) if el.is_displayed()]


def images(driver) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.images).map(i => ({src: i.getAttribute('src'), width: i.naturalWidth}))")


def a_state() -> str:
    built = sorted(p.stem for p in (SITE / "states").glob("*.html"))
    if not built:
        pytest.fail("no state report under site/states: run `make site`")
    return "TX" if "TX" in built else built[0]


def test_front_page(server, driver):
    urls = load(driver, f"{server}/index.html")
    assert driver.title.startswith("ICE 287(g) agreements: list of ")
    lists = pd.read_csv(ROOT / "data" / "processed" / "lists.csv", dtype=str, keep_default_na=False)
    newest = lists[lists["in_series"] == "True"]["list_date"].max()
    assert newest in driver.title
    for section in ("changes", "states", "notebooks", "figures", "data"):
        assert driver.find_elements("id", section), f"no section #{section}"
    figures = pd.read_csv(ROOT / "figures" / "manifest.csv")
    srcs = {i["src"] for i in images(driver)}
    assert srcs == {f"figures/{s}.png" for s in figures["slug"]}
    assert all(i["width"] > 0 for i in images(driver)), images(driver)
    assert not visible_code(driver)
    assert not outside(urls), f"requests leaving localhost: {outside(urls)}"


def test_a_state_report_shows_no_code(server, driver):
    state = a_state()
    urls = load(driver, f"{server}/states/{state}.html")
    assert not visible_code(driver), visible_code(driver)
    assert re.search(r"ICE list of \d{4}-\d\d-\d\d, (ICE detention release of \d{4}-\d\d-\d\d|no ICE detention)",
                     driver.title), driver.title
    text = driver.find_element("tag name", "body").text
    assert "Changes since the previous list" in text
    assert images(driver) and min(i["width"] for i in images(driver)) > 0
    assert not outside(urls), f"requests leaving localhost: {outside(urls)}"


# The state report's sections in the order a reader meets them (issue 27): findings first, the machinery last.
STATE_SECTIONS = ("In brief", "The state's map: counties covered", "Changes since the previous list",
                  "Added and removed recently", "Agreements over time, by model", "Agencies", "Pending requests",
                  "Jails and detention", "About this report")


def test_a_state_report_opens_with_its_findings(server, driver):
    state = a_state()
    load(driver, f"{server}/states/{state}.html")
    headings = [h.text.strip().rstrip("¶").strip() for h in driver.find_elements("tag name", "h2")]
    assert [h for h in headings if h in STATE_SECTIONS] == list(STATE_SECTIONS), headings
    # no cell cut short with an ellipsis; the shares of the state's sheriffs and police, as the table has them
    cells = driver.execute_script("return Array.from(document.querySelectorAll('td')).map(c => c.textContent)")
    assert cells and not [c for c in cells if c.rstrip().endswith(("…", "..."))]
    shares = pd.read_csv(ROOT / "data" / "processed" / "state_agency_shares.csv", keep_default_na=False)
    row = shares.set_index("state").loc[state]
    text = driver.find_element("tag name", "body").text
    brief = text[text.index("In brief"):text.index("The state's map")]
    assert f"{row['sheriffs_in_program']:,} of " in brief and f"{row['sheriffs_total']:,} sheriffs' offices" in brief
    assert f"{row['police_total']:,} local police departments" in brief and "roster of 2018-09-17" in brief


def test_the_rendered_notebooks_show_no_code(server, driver):
    for page in sorted((SITE / "notebooks").glob("*.html")):
        urls = load(driver, f"{server}/notebooks/{page.name}")
        assert not visible_code(driver), f"{page.name}: {visible_code(driver)[:3]}"
        assert not outside(urls), f"{page.name}: requests leaving localhost: {outside(urls)}"


def _shown_rows(driver) -> list[list[str]]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#agencies tbody tr')).filter(r => !r.hidden)"
        ".map(r => Array.from(r.cells).map(c => c.textContent))")


def _count(driver) -> tuple[int, int]:
    m = re.fullmatch(r"([\d,]+) of ([\d,]+) agencies", driver.find_element("id", "count").text)
    assert m, driver.find_element("id", "count").text
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def test_the_agency_search_filters_as_one_types(server, driver):
    ags = pd.read_csv(ROOT / "data" / "processed" / "agreements.csv", dtype=str, keep_default_na=False)
    urls = load(driver, f"{server}/agencies.html")
    shown, total = _count(driver)
    assert shown == total == ags["agency_id"].nunique()
    # a real agency, typed as a reader would: every row left names it (or its county), and it is there
    target = ags[ags["agency"] == "Polk County Sheriff's Office"].iloc[0]
    box = driver.find_element("id", "q")
    box.send_keys("polk county sheriff")
    rows = _shown_rows(driver)
    assert (target["state"], target["agency"]) in {(r[0], r[1]) for r in rows}
    assert all("polk" in (r[1] + r[2]).lower() for r in rows)
    expected = ags[ags["agency"].str.lower().str.contains("polk county sheriff")]["agency_id"].nunique()
    assert len(rows) >= expected and _count(driver) == (len(rows), total)
    box.clear()
    box.send_keys("zzzz no such agency")
    assert _count(driver) == (0, total)
    assert not outside(urls), f"requests leaving localhost: {outside(urls)}"


def test_a_state_report_links_its_slice_of_the_search(server, driver):
    state = a_state()
    ags = pd.read_csv(ROOT / "data" / "processed" / "agreements.csv", dtype=str, keep_default_na=False)
    load(driver, f"{server}/states/{state}.html")
    hrefs = driver.execute_script("return Array.from(document.links).map(a => a.href)")
    slice_href = next(h for h in hrefs if h.endswith(f"/agencies.html#state={state}"))
    load(driver, slice_href)
    rows = _shown_rows(driver)
    assert {r[0] for r in rows} == {state}
    assert _count(driver)[0] == len(rows) == ags.loc[ags["state"] == state, "agency_id"].nunique()


def test_pages_fit_a_phone(server, driver):
    driver.set_window_size(390, 844)
    try:
        for p in ("index.html", "agencies.html", f"states/{a_state()}.html"):
            load(driver, f"{server}/{p}")
            assert driver.execute_script("return document.querySelector('meta[name=viewport]') !== null"), p
            wide = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert wide <= 1, f"{p} scrolls sideways by {wide}px on a 390px-wide screen"
    finally:
        driver.set_window_size(1200, 900)


def test_the_checks_fail_on_a_doctored_page(driver, tmp_path):
    """A page that shows a code cell and fetches from another host trips both checks."""
    doctored = tmp_path / "doctored.html"
    doctored.write_text('<!DOCTYPE html><html><body><div class="jp-CodeCell"><div class="jp-Cell-inputWrapper">'
                        "import pandas as pd</div></div><img src=\"http://192.0.2.1/pixel.png\"></body></html>",
                        encoding="utf-8")
    urls = load(driver, doctored.as_uri())
    assert visible_code(driver) == [".jp-CodeCell .jp-Cell-inputWrapper: 'import pandas as pd'"]
    assert "http://192.0.2.1/pixel.png" in outside(urls)
