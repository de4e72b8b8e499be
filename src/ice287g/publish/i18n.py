"""The site's words in two languages: one catalogue per language (``locale/en.yaml``, ``locale/es.yaml``, the
same keys, each message with the same ``{placeholders}``) and one way per language to write a number, a share
and a date, so every page of a language shows figures alike.

English keeps the figures as the English pages always showed them: a comma between groups of three digits, a
point before decimals, ``%`` after the number, ISO dates. Spanish follows the Real Academia's rules: a comma
before decimals, a narrow no-break space (U+202F) between groups of three digits only from five digits up (a
four-digit number stays whole), a no-break space before ``%``, and dates in words (day, ``de``, month, ``de``,
year).

A message may mark words to stress with ``**``: Markdown shows them as they are, ``html`` as ``<b>``.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

import yaml
from markupsafe import Markup, escape

LOCALE = Path(__file__).parent / "locale"
LANGS = ("en", "es")
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
MONTHS_ES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre")
# How each language groups the digits of a whole number: (separator, the fewest digits it splits). The
# agency search's script counts by the same rule (its output's data-sep and data-group-from).
GROUPING = {"en": (",", 4), "es": (NARROW_NBSP, 5)}
_ISO = re.compile(r"(\d{4})-(\d\d)(?:-(\d\d))?")
_STRESS = re.compile(r"\*\*(.+?)\*\*")


@lru_cache(maxsize=len(LANGS))
def catalogue(lang: str) -> dict[str, str]:
    """Every message of ``lang``: key to text, from ``locale/<lang>.yaml``."""
    if lang not in LANGS:
        raise ValueError(f"no catalogue for {lang!r}: the site speaks {', '.join(LANGS)}")
    return yaml.safe_load((LOCALE / f"{lang}.yaml").read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a message takes."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def message(lang: str, key: str, **values) -> str:
    """The message ``key`` of ``lang`` with its placeholders filled: text (or Markdown) as it is."""
    return catalogue(lang)[key].format(**values)


def html(lang: str, key: str, **values) -> Markup:
    """The message ``key`` as HTML: the catalogue's text and every value escaped (a value that is markup
    already kept), ``**stressed**`` words in ``<b>``."""
    out = Markup(escape(catalogue(lang)[key])).format(**values)
    return Markup(_STRESS.sub(r"<b>\1</b>", str(out)))


def number(lang: str, value) -> str:
    """A whole number as ``lang`` writes it, its digits grouped by ``GROUPING``."""
    n = int(value)
    sep, split_from = GROUPING[lang]
    digits = str(abs(n))
    grouped = f"{abs(n):,}".replace(",", sep) if len(digits) >= split_from else digits
    return "-" + grouped if n < 0 else grouped


def decimal(lang: str, value, digits: int = 1) -> str:
    """A number with ``digits`` decimals, after a point (en) or a comma (es)."""
    text = f"{float(value):.{digits}f}"
    return text.replace(".", ",") if lang == "es" else text


def percent(lang: str, share) -> str:
    """A share (of one) as a percentage with one decimal, ``%`` after it (es: after a no-break space)."""
    return f"{decimal(lang, float(share) * 100)}{NBSP}%" if lang == "es" else f"{float(share):.1%}"


def date(lang: str, iso: str) -> str:
    """An ISO date or month (``YYYY-MM-DD``, ``YYYY-MM``): as it is in English, in words in Spanish (the day,
    the month's name, the year, joined by ``de``)."""
    m = _ISO.fullmatch(str(iso))
    if lang != "es" or m is None:
        return str(iso)
    year, month, day = m.groups()
    words = f"{MONTHS_ES[int(month) - 1]} de {year}"
    return f"{int(day)} de {words}" if day else words
