"""Atom feeds (RFC 4287) of the archive's list changes, and the change pages they link.

``write_feeds(site)`` writes into the site folder (``make site``):

- ``changes/<list_id>.html`` and ``changes/index.html`` (``change_pages``): one page per list change, the
  whole change report of a participating list of the series against the list just before it;
- ``feeds/changes.xml``: one entry per list change, newest first: the change report's headline as the
  title, its summary, a link to the change page;
- ``feeds/<STATE>.xml``: one feed per state that ever had an agreement (``agreements.report_states``),
  holding that state's part of each change (its agreements changed and renamed). A list on which nothing
  changed in the state has no entry there: a feed reader is told of the state's changes, not of every
  list ICE posted (``feeds/changes.xml`` has every list change, an unchanged list among them).

Every date comes from the lists, never a clock: an entry's ``updated`` is the later list's date (midnight
UTC: ``lists.csv`` dates a list by its day; the am and pm lists of one day share it), a feed's is its
newest entry's (an empty state feed's, the newest list's). Entry ids are ``tag:`` URIs of the list id
(and the state), so a list keeps its id on every build; links are relative to the feed's own address
(``../changes/<list_id>.html``), so the feeds work wherever the site is served. Same tables, same bytes.

A page links the feeds from its head with ``feed_link`` (the front page's template does, through the
``feed_link`` macro); the change pages link their feed and each other.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from markupsafe import Markup

from ..core.states import state_names
from ..history import changes
from ..history.agreements import report_states
from ..history.asof import read_processed
from ..core.files import write_text
from . import pages
from .change_pages import (
    CHANGES_DIR,
    INDEX_PAGE,
    ROOT,
    ListChange,
    changed_states,
    describe,
    page_name,
    state_changes_html,
    state_headline,
    summary_html,
    write_change_pages,
)

FEEDS_DIR = "feeds"
ALL_CHANGES = "changes"  # feeds/changes.xml; a state's feed is named by its two-letter code
ATOM = "http://www.w3.org/2005/Atom"
# Entry and feed ids must never change once published (a reader would show every entry again): the
# tagging entity is fixed here, with the year the feeds were first written (RFC 4151).
TAG = "tag:ice287g,2026:"
AUTHOR = "The ice287g contributors"  # as CITATION.cff names them
SUBTITLE = ("What changed on each archived ICE 287(g) participating list against the list before it: agreements "
            "added, no longer listed (removals are inferred from absence) and renamed.")


def atom_date(list_date: str) -> str:
    """A list's date as an Atom date-time: midnight UTC of that day."""
    return f"{list_date}T00:00:00Z"


def feed_name(state: str = "") -> str:
    """``changes.xml``, or ``<STATE>.xml`` for a state's feed."""
    return f"{state or ALL_CHANGES}.xml"


def feed_title(state_name: str = "") -> str:
    """The feed's title, as the pages' links to it name it (the ``feed_title`` macro)."""
    return pages.part("feed_title", state_name).unescape()


def feed_link(root: str = "", state: str = "", state_name: str = "") -> Markup:
    """The ``<link rel="alternate" type="application/atom+xml">`` a page puts in its head to announce the
    feed of every change (or ``state``'s); ``root`` is the relative path from the page to the site's top."""
    return pages.part("feed_link", root, state, state_name)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    el.text = text
    return el


def entry(title: str, list_id: str, list_date: str, summary: str, suffix: str = "") -> ET.Element:
    """One Atom entry of the change to the list ``list_id`` (``suffix``: a state's part of it): ``summary``
    is HTML, escaped once more as the feed's text."""
    el = ET.Element("entry")
    _sub(el, "title", title)
    _sub(el, "link", rel="alternate", type="text/html", href=f"{ROOT}{CHANGES_DIR}/{page_name(list_id)}")
    _sub(el, "id", f"{TAG}{CHANGES_DIR}/{list_id}{suffix}")
    _sub(el, "updated", atom_date(list_date))
    _sub(el, "summary", str(summary), type="html")
    return el


def feed_xml(state: str, title: str, updated: str, entries: Sequence[ET.Element]) -> str:
    """A whole Atom document: ``state``'s feed, or every change's for ``""``."""
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en"})
    _sub(feed, "title", title)
    _sub(feed, "subtitle", SUBTITLE)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=feed_name(state))
    anchor = f"#state-{state}" if state else ""
    _sub(feed, "link", rel="alternate", type="text/html", href=f"{ROOT}{CHANGES_DIR}/{INDEX_PAGE}{anchor}")
    _sub(feed, "id", f"{TAG}{FEEDS_DIR}/{state or ALL_CHANGES}")
    _sub(feed, "updated", atom_date(updated))
    _sub(_sub(feed, "author"), "name", AUTHOR)
    feed.extend(entries)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def changes_feed(series: Sequence[ListChange]) -> str:
    """``feeds/changes.xml``: every change of ``series`` (oldest first), newest first."""
    entries = [entry(c.headline, c.list_id, c.list_date, summary_html(c)) for c in reversed(series)]
    return feed_xml("", feed_title(), series[-1].list_date, entries)


def state_feed(series: Sequence[ListChange], state: str, state_name: str) -> str:
    """``feeds/<state>.xml``: the state's part of every change in which something changed there, newest
    first; dated by its newest entry (an empty feed by the newest list)."""
    hit = [c for c in reversed(series) if state in changed_states(c.report)]
    entries = [entry(state_headline(c.report, state, state_name), c.list_id, c.list_date,
                     state_changes_html(c.report, state), suffix=f"/{state}") for c in hit]
    updated = (hit or series[-1:])[0].list_date
    return feed_xml(state, feed_title(state_name), updated, entries)


def list_changes() -> list[ListChange]:
    """Every list change of the participating series, oldest first."""
    return [describe(changes.build_pair(b, a)) for b, a in changes.series_pairs(read_processed("lists.csv"))]


def write_feeds(site: Path, series: Sequence[ListChange] | None = None) -> list[Path]:
    """Write the change pages and the feeds of ``series`` (default: ``list_changes()``, every change the
    tables hold) into the site folder ``site``; return every path written. The folders hold only what this
    writes: a page or feed no longer derived from the tables goes."""
    series = list_changes() if series is None else series
    names = state_names()
    states = [(s, names.get(s, s)) for s in report_states(read_processed("agreements.csv"))]
    written = write_change_pages(site, series, states, lambda s: f"{ROOT}{FEEDS_DIR}/{feed_name(s)}")
    folder = Path(site) / FEEDS_DIR
    feeds = [write_text(folder / feed_name(), changes_feed(series))]
    feeds += [write_text(folder / feed_name(s), state_feed(series, s, name)) for s, name in states]
    for stale in sorted(set(folder.glob("*.xml")) - set(feeds)):
        stale.unlink()
    return written + feeds
