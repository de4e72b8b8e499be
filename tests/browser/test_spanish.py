"""The Spanish edition in Chromium: its pages say they are Spanish, the language switch leads both ways, the
search speaks Spanish and finds what the English one finds, and each Spanish page shows the figures of its
English twin (read back by ``tests.figures_shown``, whatever each language's way of writing them)."""
from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from ..figures_shown import figures
from .conftest import SITE, load

STATES = ("TX", "FL", "AL", "CT")


def text_between(driver, start: str, end: str) -> str:
    """The page's visible text from the heading ``start`` to the text ``end``."""
    body = driver.find_element(By.TAG_NAME, "body").text
    i = body.index(start)
    return body[i + len(start):body.index(end, i)]


def switch(driver):
    return driver.find_element(By.CSS_SELECTOR, "header.site a.lang")


def test_the_switch_leads_from_the_english_front_page_to_the_spanish_and_back(server, driver):
    load(driver, f"{server}/index.html")
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    link = switch(driver)
    assert link.get_attribute("hreflang") == "es" and link.text == "Español"
    link.click()
    assert driver.current_url == f"{server}/es/index.html"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert driver.title.startswith("Acuerdos 287(g) de ICE")
    back = switch(driver)
    assert back.get_attribute("hreflang") == "en" and back.text == "English"
    back.click()
    assert driver.current_url == f"{server}/index.html"


@pytest.mark.parametrize("state", STATES)
def test_a_states_spanish_brief_shows_the_figures_of_its_english_report(server, driver, state):
    load(driver, f"{server}/states/{state}.html")
    english = text_between(driver, "In brief", "The state's map")
    switch(driver).click()
    assert driver.current_url == f"{server}/es/states/{state}.html"
    spanish = text_between(driver, "En breve", "El informe completo")
    assert figures(english, "en") == figures(spanish, "es")
    assert sum(figures(spanish, "es").values()) >= 10
    spanish_map = driver.find_element(By.CSS_SELECTOR, "main img")
    assert spanish_map.get_attribute("lang") in ("", None) and spanish_map.get_attribute("alt").startswith("Mapa de ")
    spanish_alt = spanish_map.get_attribute("alt")
    switch(driver).click()
    assert driver.current_url == f"{server}/states/{state}.html"
    english_alt = next(a for a in (i.get_attribute("alt") for i in driver.find_elements(By.TAG_NAME, "img"))
                       if a.startswith("Map of "))
    assert figures(english_alt, "en") == figures(spanish_alt, "es")
    switch(driver).click()
    assert driver.current_url == f"{server}/es/states/{state}.html"


def front_figures(driver, lang: str):
    main = driver.find_element(By.TAG_NAME, "main")
    parts = [main.find_element(By.TAG_NAME, "p").text, main.find_element(By.ID, "shares").text,
             main.find_element(By.TAG_NAME, "table").text]
    return figures(" ".join(parts), lang)


def test_the_spanish_front_page_shows_the_figures_of_the_english(server, driver):
    load(driver, f"{server}/index.html")
    english = front_figures(driver, "en")
    load(driver, f"{server}/es/index.html")
    assert front_figures(driver, "es") == english and sum(english.values()) >= 15


def test_the_spanish_history_tells_the_english_notebooks_story_in_numbers(server, driver):
    load(driver, f"{server}/notebooks/00_program_history.html")
    english = text_between(driver, "The story in numbers", "The milestones in numbers")
    switch(driver).click()
    assert driver.current_url == f"{server}/es/history.html"
    spanish = text_between(driver, "La historia en cifras", "Acuerdos por modelo, de la primera")
    assert figures(english, "en") == figures(spanish, "es") and sum(figures(spanish, "es").values()) >= 30
    for model in ("JEM", "WSO", "TFM"):
        assert f"({model})" in driver.find_element(By.TAG_NAME, "dl").text


def search(driver, words: str) -> str:
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys(words)
    return driver.find_element(By.ID, "count").text


def test_the_spanish_search_finds_what_the_english_finds_and_says_so_in_spanish(server, driver):
    load(driver, f"{server}/agencies.html")
    english = {q: search(driver, q) for q in ("harris", "sheriff tx", "")}
    load(driver, f"{server}/es/agencies.html")
    assert driver.find_element(By.ID, "q").get_attribute("placeholder") == "agencia, condado, estado u ORI"
    for q, said in english.items():
        shown, total = re.fullmatch(r"([\d,]+) of ([\d,]+) agencies", said).groups()
        spanish = search(driver, q)
        m = re.fullmatch(r"([\d.\s]+) de ([\d.\s]+) agencias", spanish)
        assert m, spanish
        assert [re.sub(r"\D", "", g) for g in m.groups()] == [shown.replace(",", ""), total.replace(",", "")]
    load(driver, f"{server}/es/agencies.html#state=TX")
    assert driver.find_element(By.ID, "state").get_attribute("value") == "TX"


def test_every_page_of_the_site_has_a_language_switch():
    """Read from the files: every page the site serves links the other edition from its header."""
    pages = sorted(SITE.rglob("*.html"))
    assert any(p.parts[-2] == "es" for p in pages)
    missing = [p.relative_to(SITE).as_posix() for p in pages
               if not re.search(r'<a class="lang" href="[^"]+" hreflang="(en|es)" lang="\1">',
                                p.read_text(encoding="utf-8"))]
    assert not missing, missing[:10]
