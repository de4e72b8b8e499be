"""The site's pages under ``reports/`` come from Jinja2 templates in ``templates/``: ``site.html.j2`` is
the page every other extends (header with the site's navigation, stylesheet ``site.css``, footer),
``site_parts.html.j2`` holds the pieces (links, tables, the change report's sections) that
``pipeline.render_html`` and the state report's notebook put in pages of their own, and ``search.js``
is the agency search's script. Nothing here reads data; the templates escape every value they show, and
Markdown (the change report's) comes in with its own HTML escaped (``markdown_html``).
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jinja2
import mistune
import pandas as pd
from markupsafe import Markup

from ..core.frames import column_rows
from . import i18n

TEMPLATES = Path(__file__).parent / "templates"
PARTS = "site_parts.html.j2"
# Each edition's navigation, (catalogue key nav.<key>, href from the top of the edition); the Spanish links
# the English pages it has no twin of.
NAV = {"en": (("home", "index.html"), ("states", "index.html#states"), ("map", "map.html"),
              ("changes", "changes/index.html"), ("agencies", "agencies.html"), ("notebooks", "index.html#notebooks"),
              ("figures", "index.html#figures"), ("data", "index.html#data")),
       "es": (("home", "index.html"), ("states", "index.html#states"), ("history", "history.html"),
              ("agencies", "agencies.html"), ("map", "../map.html"), ("changes", "../changes/index.html"))}


def static(name: str) -> Markup:
    """A file under ``templates/`` put in a page as it is, never read as a template: the stylesheet and the
    search's script, whose braces Jinja would otherwise parse."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


def escape(value) -> Markup:
    """Every value a template shows, escaped unless it is markup already, with ``html.escape``'s entities
    for quotes rather than markupsafe's decimal ones: the pages stay byte for byte what they were before
    templates built them."""
    return value if hasattr(value, "__html__") else Markup(html.escape(str(value)))


def thousands(value) -> str:
    return f"{int(value):,}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """One environment for every page: autoescaping on, undefined names an error, the final newline of a
    page kept."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, finalize=escape,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals.update(static=static, NAV=NAV, words=i18n.html, number=i18n.number, date=i18n.date,
                       GROUPING=i18n.GROUPING)
    env.filters["thousands"] = thousands
    return env


def render(template: str, **context) -> str:
    """A whole page from ``templates/<template>``."""
    return environment().get_template(template).render(**context)


def part(name: str, *args, **kwargs) -> Markup:
    """The macro ``name`` of ``site_parts.html.j2`` called with these arguments: a fragment of a page."""
    return getattr(environment().get_template(PARTS).module, name)(*args, **kwargs)


def page_parts(root: str = "", sources: Sequence[tuple[str, str]] = (), twin: str = "") -> tuple[str, str, str]:
    """``(head, header, footer)`` of every page: the stylesheet, the navigation (``root`` is the relative
    path from the page to ``reports/``) with links to the page's ``sources`` (label, href) and to its Spanish
    ``twin`` (default: the Spanish front page), a footer."""
    return str(part("head")), str(part("header", root, sources, "en", twin)), str(part("footer"))


def table_part(df: pd.DataFrame, headers: dict[str, str], numeric: Sequence[str] = (), table_id: str = "") -> dict:
    """The arguments of the ``table`` template macro for ``df``'s ``headers`` columns: each cell as text."""
    cols = [c for c in headers if c in df.columns]
    # the columns as Python lists: cheaper than a frame's rows on the many small tables of the feeds
    records = [dict(zip(cols, map(str, rec))) for rec in column_rows(df, cols)]
    return {"records": records, "headers": {c: headers[c] for c in cols}, "numeric": numeric, "table_id": table_id}


def markdown_html(text: str, shift: int = 1) -> Markup:
    """Markdown (``changes.markdown``) as HTML, raw HTML in it escaped, headings ``shift`` levels down."""
    out = mistune.create_markdown(escape=True, plugins=["table"])(text)
    out = out.replace("<table>", '<div class="scroll"><table>').replace("</table>", "</table></div>")
    # mistune escaped the text (escape=True): its HTML goes into the templates as it is
    return Markup(re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}", out))
