"""The site's Atom feeds and change pages (publish.feeds), written from the committed tables and read back
as a feed reader and a browser would: feedparser for the feeds, every link followed inside the site."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import feedparser
import pandas as pd
import pytest

from ice287g.build import reports
from ice287g.publish import feeds, pages
from ice287g.publish.change_pages import ListChange

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

PROCESSED = Path(__file__).resolve().parents[1] / "data" / "processed"
QA = PROCESSED.parent / "qa"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def changes() -> list[ListChange]:
    """Every list change, built once for the module: the pairs' reports are most of a write's time."""
    return feeds.list_changes()


@pytest.fixture(scope="module")
def site(tmp_path_factory, changes) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("site")
    return root, feeds.write_feeds(root, changes)


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    """The participating lists of the archive's series, oldest first, straight from lists.csv (am before pm
    on a day that has both)."""
    lists = _csv(PROCESSED / "lists.csv")
    s = lists[(lists["list_kind"] == "participating") & (lists["in_series"] == "True")]
    return s.sort_values(["list_date", "time_of_day"], kind="mergesort", ignore_index=True)


def _parse(path: Path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, f"{path.name}: {feed.get('bozo_exception')}"
    assert feed.version == "atom10"
    return feed


def _list_id(entry) -> str:
    return re.fullmatch(r"\.\./changes/(.+)\.html", entry.link).group(1)


def test_the_changes_feed_has_an_entry_per_list_change_dated_by_the_list(site, series):
    root, _ = site
    feed = _parse(root / "feeds" / "changes.xml")
    newest_first = series.iloc[::-1]
    # every list of the series but the first is a change against the list before it
    assert len(feed.entries) == len(series) - 1
    assert [_list_id(e) for e in feed.entries] == newest_first["list_id"].tolist()[:-1]
    assert [e.updated[:10] for e in feed.entries] == newest_first["list_date"].tolist()[:-1]
    assert feed.feed.updated[:10] == series["list_date"].max()
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert all(e.id.startswith("tag:") and e.summary for e in feed.entries)
    assert feed.feed.author == "The ice287g contributors" and feed.feed.id == "tag:ice287g,2026:feeds/changes"


def _newest_pair_by_state() -> pd.DataFrame:
    return _csv(PROCESSED / "list_changes_by_state.csv").set_index("state")


def test_an_entrys_title_is_the_change_reports_headline(site, series):
    """The newest change's headline counts the agreements added and removed that 02_compare_lists wrote,
    state by state, for the same pair of lists."""
    root, _ = site
    by_state = _newest_pair_by_state()
    assert set(by_state["after"]) == {series["list_id"].iloc[-1]}
    assert set(by_state["before"]) == {series["list_id"].iloc[-2]}
    newest = _parse(root / "feeds" / "changes.xml").entries[0]
    added, removed = (by_state[k].astype(int).sum() for k in ("added", "removed"))
    assert newest.title.startswith(f"287(g) list of {series['list_date'].iloc[-1]}: ")
    assert f"({added} added, {removed} removed, " in newest.title
    assert "against the list before it" in newest.summary


def _renamed_states(before: pd.Series, after: pd.Series) -> set[str]:
    renames = _csv(QA / "renames.csv")
    hit = renames[(renames["old_last_listed"] == before["list_date"]) & (renames["new_first_listed"] == after["list_date"])]
    return set(hit["state"])


def test_each_state_has_a_feed_of_its_part_of_the_changes(site, series):
    root, _ = site
    states = sorted(set(_csv(PROCESSED / "agreements.csv")["state"]) - {""})
    assert sorted(p.stem for p in (root / "feeds").glob("*.xml")) == sorted([*states, "changes"])
    national = {_list_id(e): e.updated for e in _parse(root / "feeds" / "changes.xml").entries}
    newest_id = series["list_id"].iloc[-1]
    on_newest = {}
    for state in states:
        entries = _parse(root / "feeds" / f"{state}.xml").entries
        # a subset of the national feed's changes, dated alike, newest first, each id the state's own
        ids = [_list_id(e) for e in entries]
        assert set(ids) <= set(national) and len(set(ids)) == len(ids)
        assert all(e.updated == national[_list_id(e)] for e in entries)
        assert [e.updated for e in entries] == sorted((e.updated for e in entries), reverse=True)
        assert all(e.id.endswith(f"/{state}") for e in entries)
        on_newest.update({state: e for e in entries if _list_id(e) == newest_id})
    by_state = _newest_pair_by_state()
    renamed = _renamed_states(series.iloc[-2], series.iloc[-1])
    # the newest change is in the feed of every state where an agreement changed or was renamed, only there
    assert set(on_newest) == set(by_state.index) | renamed
    for state, row in by_state.iterrows():
        title = on_newest[state].title
        assert f"list of {series['list_date'].iloc[-1]}: {int(row['net']):+d} agreement" in title
        assert f"({row['added']} added, {row['removed']} removed, " in title
    texas = _parse(root / "feeds" / "TX.xml")
    assert texas.feed.title == "Changes to ICE's 287(g) lists in Texas" and texas.entries
    assert texas.feed.updated == texas.entries[0].updated


class _Links(HTMLParser):
    """Every href and src of a page, the ids it defines, its lang and title, and its headings in order."""

    def __init__(self):
        super().__init__()
        self.hrefs, self.ids, self.headings, self.lang, self.title, self._in = [], set(), [], None, "", None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.hrefs += [a[k] for k in ("href", "src") if k in a]
        self.ids.update([a["id"]] if "id" in a else [])
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "title" or re.fullmatch(r"h[1-6]", tag):
            self._in = tag
            if tag != "title":
                self.headings.append([int(tag[1]), ""])

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in:
            self.headings[-1][1] += data


def _page(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _feed_hrefs(path: Path) -> list[str]:
    feed = _parse(path)
    hrefs = [link.href for link in feed.feed.links]
    for e in feed.entries:
        hrefs += [link.href for link in e.links]
        summary = _Links()
        summary.feed(e.summary)
        hrefs += summary.hrefs
    return hrefs


def test_every_link_inside_the_site_resolves(site):
    """Every link of the feeds (their entries' summaries too) and of the change pages, followed: it reaches
    a file written here (and an id on that page, for a fragment), or one of the site's own pages in the
    header (the front page and the agency search, which `make site` writes, and the Spanish front page), never
    another host."""
    root, written = site
    written = {p.resolve() for p in written}
    sources = {p: _feed_hrefs(p) for p in sorted((root / "feeds").glob("*.xml"))}
    sources |= {p: _page(p).hrefs for p in sorted((root / "changes").glob("*.html"))}
    assert set(sources) == written
    outside, followed = set(), 0
    ids: dict[Path, set] = {}  # each page's ids, read once: many links lead into one page
    for page, hrefs in sources.items():
        for href in hrefs:
            if href.startswith("data:"):  # the pages' empty icon
                continue
            url, fragment = urldefrag(urljoin(page.resolve().as_uri(), href))
            assert urlparse(url).scheme == "file", f"{page.name}: {href} leaves the site"
            target = Path(unquote(urlparse(url).path))
            assert target.is_relative_to(root.resolve()), f"{page.name}: {href} leaves the site"
            if target in written:
                followed += 1
                if fragment and target not in ids:
                    ids[target] = _page(target).ids
                assert not fragment or fragment in ids[target], f"{page.name}: {href}: no such id"
            else:
                outside.add(target.relative_to(root.resolve()).as_posix())
    assert followed > 2 * len(sources)
    # the header's pages that `make site` writes elsewhere (the change index is written here, and followed),
    # and the language switch's Spanish front page
    header = {href.partition("#")[0] for _, href in pages.NAV["en"]} | {"es/index.html"}
    assert outside == header - {p.relative_to(root.resolve()).as_posix() for p in written}


def test_change_pages_have_a_language_a_title_and_headings_in_order(site, series):
    root, _ = site
    pages_written = sorted((root / "changes").glob("*.html"))
    assert len(pages_written) == len(series)  # one per change and the index
    for path in pages_written:
        page = _page(path)
        levels = [level for level, _ in page.headings]
        assert page.lang == "en" and page.title.strip(), path.name
        assert levels[0] == 1 and levels.count(1) == 1, path.name
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"{path.name}: {levels}"
        if path.name != "index.html":
            assert page.headings[0][1] == page.title
    newest = _page(root / "changes" / f"{series['list_id'].iloc[-1]}.html")
    assert [h for _, h in newest.headings[1:3]] == ["National totals by model", "Changes by model"]
    assert "../feeds/changes.xml" in newest.hrefs
    index = _page(root / "changes" / "index.html")
    assert {f"state-{s}" for s in ("TX", "FL", "GU")} <= index.ids and "../feeds/TX.xml" in index.hrefs


def test_pages_announce_the_feed_in_their_head(site):
    root, _ = site
    link = ('<link rel="alternate" type="application/atom+xml" href="{}feeds/changes.xml" '
            '''title="Changes to ICE's 287(g) lists">''')
    assert link.format("../") in (root / "changes" / "index.html").read_text(encoding="utf-8")
    states = pd.DataFrame({"state": ["TX"], "state_name": ["Texas"], "agreements": [1], "agencies": [1],
                           "list_date": ["2025-04-01"]})
    front = reports.index_html(states, [], pd.DataFrame(columns=["slug", "alt_text", "title", "source"]))
    assert front.count(link.format("")) == 1 and front.index(link.format("")) < front.index("</head>")
    assert str(feeds.feed_link("../", "TX", "Texas")) == (
        '<link rel="alternate" type="application/atom+xml" href="../feeds/TX.xml" '
        '''title="Changes to ICE's 287(g) lists in Texas">''')


def test_writing_twice_gives_the_same_bytes_and_drops_what_is_no_longer_derived(site, changes, tmp_path):
    root, _ = site
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "ZZ.xml").write_text("<feed/>", encoding="utf-8")
    (tmp_path / "changes").mkdir()
    (tmp_path / "changes" / "participating-1999-01-01.html").write_text("gone", encoding="utf-8")
    feeds.write_feeds(tmp_path, changes)

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    first, second = files(root), files(tmp_path)
    assert list(first) == list(second) and "feeds/ZZ.xml" not in second
    assert [name for name in first if first[name] != second[name]] == []
