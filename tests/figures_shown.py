"""The figures a page shows, read back from its text whatever its language, so that the English and the Spanish
page of the same thing can be compared number for number. Written apart from ``publish.i18n`` on purpose: a
formatting rule broken there is not undone here."""
from __future__ import annotations

import re
from collections import Counter

MONTHS = {m: i for i, m in enumerate(("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                                      "septiembre", "octubre", "noviembre", "diciembre"), start=1)}
SPANISH_DATE = re.compile(r"(?:(\d{1,2}) de )?(" + "|".join(MONTHS) + r") de (\d{4})")
TOKEN = re.compile(r"\d{4}-\d\d(?:-\d\d)?|\d+(?:\.\d+)?")


def _iso(m: re.Match) -> str:
    day, month, year = m.groups()
    return f"{year}-{MONTHS[month]:02d}" + (f"-{int(day):02d}" if day else "")


def figures(text: str, lang: str) -> Counter:
    """Every number and date of ``text`` (``lang`` "en" or "es"), normalized: thousands separators dropped,
    decimal commas made points, Spanish dates in words made ISO dates; as a multiset."""
    if lang == "es":
        text = SPANISH_DATE.sub(_iso, text)
        text = re.sub(r"(?<=\d)\u202f(?=\d{3}\b)", "", text)
        text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    else:
        text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return Counter(TOKEN.findall(text))
