"""The whole site as a reader finds it: Chromium, the window a phone's (375 px wide), opens the front page of
``site/`` served from 127.0.0.1 and follows every link to every page it reaches. On each page: no request
leaves the machine, no link or image is broken, every image has real alt text (never nbconvert's
placeholder), the page has a language, a title and headings in order, and nothing scrolls sideways. A
doctored site proves that each of these checks can fail.
"""
from __future__ import annotations

import base64
import dataclasses
import hashlib
import html.parser
import re
from collections import defaultdict
from urllib.parse import unquote, urldefrag, urlparse

import pandas as pd
import pytest

from .conftest import ROOT, SITE, load, outside, serve, status

PHONE = (375, 812)
# What nbconvert writes for an image that has no alt text.
PLACEHOLDER_ALT = "No description has been provided for this image"
CHECKS = ("request leaving the machine", "broken link", "broken image", "image without alt text", "no lang",
          "no title", "heading out of order", "scrolls sideways")

PAGE_FACTS = """
const h = document.documentElement;
return {
  lang: h.getAttribute('lang') || '',
  title: document.title.trim(),
  headings: Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).map(e => Number(e.tagName[1])),
  images: Array.from(document.images).map(i => ({src: i.getAttribute('src') || '', alt: i.getAttribute('alt'),
                                                 width: i.naturalWidth})),
  links: Array.from(document.links).map(a => a.href),
  ids: Array.from(document.querySelectorAll('[id], a[name]')).map(e => e.id || e.getAttribute('name')),
  overflow: h.scrollWidth - h.clientWidth,
};
"""


@dataclasses.dataclass
class Crawl:
    pages: list[str]
    files: set[str]
    external_links: set[str]
    images: int
    problems: dict[str, list[str]]


def _is_page(url: str) -> bool:
    path = urlparse(url).path
    return path.endswith((".html", "/"))


def _short(src: str) -> str:
    return src[:40] + "…" if src.startswith("data:") else src


def heading_skips(levels: list[int]) -> list[str]:
    """Where a page's headings skip a level going down (h1 → h3), or do not start at h1."""
    out, before = [], 0
    for level in levels:
        if level > before + 1:
            out.append(f"h{before} → h{level}" if before else f"first heading h{level}")
        before = level
    return out


def crawl(driver, base: str) -> Crawl:
    """Every page reachable from ``base``/index.html by its links, each checked in the browser at a phone's
    width; every other file linked from the site requested once."""
    queue, seen = [f"{base}/index.html"], {f"{base}/index.html"}
    problems: dict[str, list[str]] = defaultdict(list)
    pages, files, external, anchors, ids, images = [], set(), set(), [], {}, 0
    driver.set_window_size(*PHONE)
    try:
        while queue:
            url = queue.pop(0)
            name = url.removeprefix(base)
            if status(url) != 200:
                problems["broken link"].append(name)
                continue
            requested = load(driver, url)
            facts = driver.execute_script(PAGE_FACTS)
            pages.append(name)
            ids[url] = set(facts["ids"])
            problems["request leaving the machine"] += [f"{name}: {u}" for u in sorted(set(outside(requested)))]
            problems["no lang"] += [name] if not facts["lang"].strip() else []
            problems["no title"] += [name] if not facts["title"] else []
            problems["heading out of order"] += [f"{name}: {s}" for s in heading_skips(facts["headings"])]
            problems["scrolls sideways"] += [f"{name}: {facts['overflow']}px"] if facts["overflow"] > 1 else []
            for img in facts["images"]:
                images += 1
                alt = (img["alt"] or "").strip()
                if not alt or alt == PLACEHOLDER_ALT:
                    problems["image without alt text"].append(f"{name}: {_short(img['src'])} alt={img['alt']!r}")
                if img["width"] == 0:
                    problems["broken image"].append(f"{name}: {_short(img['src'])}")
            for href in facts["links"]:
                target, fragment = urldefrag(href)
                if urlparse(href).scheme not in ("http", "https"):
                    continue
                if not target.startswith(f"{base}/"):
                    external.add(href)
                    continue
                if fragment and "=" not in fragment:  # #state=TX is the search's filter, not an anchor
                    anchors.append((name, target, fragment))
                if not _is_page(target):
                    files.add(target)
                elif target not in seen:
                    seen.add(target)
                    queue.append(target)
    finally:
        driver.set_window_size(1200, 900)
    problems["broken link"] += [f.removeprefix(base) for f in sorted(files) if status(f) != 200]
    problems["broken link"] += [f"{page}: {target.removeprefix(base)}#{frag}" for page, target, frag in anchors
                                # as a browser looks an anchor up: the fragment as written, then decoded
                                if target in ids and not {frag, unquote(frag)} & ids[target]]
    return Crawl(pages, files, external, images, {k: problems.get(k, []) for k in CHECKS})


@pytest.fixture(scope="module")
def site_crawl(server, driver) -> Crawl:
    result = crawl(driver, server)
    print(f"\nsite crawl: {len(result.pages)} pages, {len(result.files)} other files, {result.images} images, "
          f"{len(result.external_links)} links off the site")
    return result


def test_the_crawl_reaches_every_page_of_the_site(site_crawl):
    on_disk = {"/" + p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")}
    assert set(site_crawl.pages) == on_disk
    states = {p.stem for p in (SITE / "states").glob("*.html")}
    ags = pd.read_csv(ROOT / "data" / "processed" / "agreements.csv", dtype=str, keep_default_na=False)
    assert states == set(ags["state"]) - {""}
    assert any(f.endswith(".zip") for f in site_crawl.files) and any(f.endswith(".csv") for f in site_crawl.files)


def test_the_only_links_off_the_site_are_the_signed_agreements(site_crawl):
    # the agreements ICE published (moa_url, addendum_url of agreements.csv), linked from the state reports
    ags = pd.read_csv(ROOT / "data" / "processed" / "agreements.csv", dtype=str, usecols=["moa_url", "addendum_url"])
    signed = set(ags.stack().dropna())
    assert site_crawl.external_links and {urldefrag(h).url for h in site_crawl.external_links} <= signed, \
        sorted({urldefrag(h).url for h in site_crawl.external_links} - signed)[:10]


@pytest.mark.parametrize("check", CHECKS)
def test_no_page_of_the_site_fails(site_crawl, check):
    assert not site_crawl.problems[check], f"{check}: {site_crawl.problems[check][:10]}"


DOCTORED = """<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
</head><body><h1>Doctored</h1><h3>skipped a level</h3>
<img src="ok.svg" alt="A square"><img src="ok.svg"><img src="ok.svg" alt="No description has been provided for this image">
<img src="missing.png" alt="A broken image"><img src="http://192.0.2.1/pixel.png" alt="From another host">
<a href="gone.html">a page that is not there</a> <a href="gone.csv">a file that is not there</a>
<a href="#nowhere">an anchor that is not there</a>
<div style="width: 900px">too wide for a phone</div></body></html>
"""
SQUARE = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def test_each_check_fails_on_a_doctored_site(driver, tmp_path):
    (tmp_path / "index.html").write_text(DOCTORED, encoding="utf-8")
    (tmp_path / "ok.svg").write_text(SQUARE, encoding="utf-8")
    with serve(tmp_path) as base:
        result = crawl(driver, base)
    p = result.problems
    assert result.pages == ["/index.html"]
    assert p["request leaving the machine"] == ["/index.html: http://192.0.2.1/pixel.png"]
    assert sorted(p["broken link"]) == ["/gone.csv", "/gone.html", "/index.html: /index.html#nowhere"]
    assert p["broken image"] == ["/index.html: missing.png", "/index.html: http://192.0.2.1/pixel.png"]
    assert p["image without alt text"] == ["/index.html: ok.svg alt=None", f"/index.html: ok.svg alt={PLACEHOLDER_ALT!r}"]
    assert p["no lang"] == p["no title"] == ["/index.html"]
    assert p["heading out of order"] == ["/index.html: h1 → h3"]
    assert len(p["scrolls sideways"]) == 1 and re.fullmatch(r"/index\.html: \d+px", p["scrolls sideways"][0])


class _Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img" and (a.get("src") or "").startswith("data:image/png;base64,"):
            self.found.append((a["src"].split(",", 1)[1], a.get("alt") or ""))


def test_the_notebook_pages_show_each_figure_with_its_manifest_alt_text():
    """The images of the notebook pages are the committed figures' PNGs, byte for byte, each shown with
    the alt text figures/manifest.csv records for it."""
    manifest = pd.read_csv(ROOT / "figures" / "manifest.csv", dtype=str, keep_default_na=False)
    by_hash = {hashlib.sha256((ROOT / "figures" / f"{slug}.png").read_bytes()).hexdigest(): alt
               for slug, alt in zip(manifest["slug"], manifest["alt_text"])}
    shown = []
    for page in sorted((SITE / "notebooks").glob("*.html")):
        parser = _Images()
        parser.feed(page.read_text(encoding="utf-8"))
        shown += [(page.name, hashlib.sha256(base64.b64decode(data)).hexdigest(), alt) for data, alt in parser.found]
    matched = [(page, by_hash[digest], alt) for page, digest, alt in shown if digest in by_hash]
    assert len(matched) == len(shown) >= len(manifest) // 2
    wrong = [(page, want[:50], got[:50]) for page, want, got in matched if got != want]
    assert not wrong, wrong
