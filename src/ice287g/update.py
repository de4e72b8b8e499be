"""``python -m ice287g update``: bring ICE's newest files into ``data/raw``, the only command that uses
the network.

Three ways to find files, each ending in ``landing.land`` (which checks a file and writes it with its
manifest row, or refuses it, and never half-writes anything):

- ICE's pages (the default): the 287(g) page and the detention statistics page, every xlsx they link
  under the expected folders of ICE's own host;
- ``--since/--until``: the Wayback Machine's captures of those folders and of the 287(g) page (CDX API),
  distinct by digest, fetched raw (``id_``) one at a time with a pause;
- ``--wanted``: exactly the files ``data/hand/wanted_files.csv`` says the archive lacks, each refused
  unless its sha256 is the expected one.

Exit status: 0 when everything landed or nothing was new, 1 when a file was refused, 2 when a page (or
a CDX listing) could not be read.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import sys
import urllib.parse
from http import HTTPStatus
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import fetch, paths
from .landing import CAPTURE_SUFFIX

ICE_BASE = "https://www.ice.gov"
WAYBACK = "https://web.archive.org"
# The Wayback Machine throttles clients that ask faster than about one request every few seconds.
WAYBACK_PAUSE = 5.0
WANTED = "wanted_files.csv"

EXIT_OK, EXIT_REFUSED, EXIT_PAGE = 0, 1, 2


@dataclass(frozen=True)
class Page:
    label: str
    path: str  # on ICE's site
    folder: str  # the URL folder its files live in
    accept: Callable[[str], bool]  # which file names in that folder are this page's files


DETENTION_NAME = re.compile(r"^FY\d{2}.?detentionstats", re.IGNORECASE)
PAGE_287G = Page("287(g)", "/identify-and-arrest/287g", "/doclib/about/offices/ero/287g/", lambda name: True)
PAGE_DETENTION = Page("detention statistics", "/detain/detention-management", "/doclib/detention/",
                      lambda name: bool(DETENTION_NAME.match(name)))
PAGES = (PAGE_287G, PAGE_DETENTION)
# The 287(g) page moved from /287g to /identify-and-arrest/287g; its web-table era captures carry the list.
PAGE_287G_PATHS = ("/287g", "/identify-and-arrest/287g")
ICE_HOST = "www.ice.gov"
WAYBACK_VIA = "ice287g update from a Wayback Machine capture"


@dataclass
class Outcome:
    """What became of one file: landed / unchanged / refused / would fetch / skipped."""

    status: str
    name: str
    url: str
    detail: str = ""  # the landed file, the file it equals, or the reason for a refusal

    def line(self) -> str:
        if self.status == "refused":
            return f"update: refused {self.name}: {self.detail}"
        if self.status == "would fetch":
            return f"update: would fetch {self.name} from {self.url}"
        if self.status == "landed":
            return f"update: landed {self.detail} from {self.url}"
        return f"update: {self.status} {self.name}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Run:
    """Everything one ``update`` did, in order; ``code`` is the exit status."""

    outcomes: list[Outcome] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    out: Callable[[str], None] = print

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.out(outcome.line())

    def page_error(self, message: str) -> None:
        self.page_errors.append(message)
        self.out(f"update: cannot read {message}")

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def code(self) -> int:
        if self.page_errors:
            return EXIT_PAGE
        return EXIT_REFUSED if self.count("refused") else EXIT_OK

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("landed", "unchanged", "refused", "would fetch", "skipped")
                 if self.count(s) or s in ("landed", "unchanged", "refused")]
        if self.page_errors:
            parts.append(f"{len(self.page_errors)} page(s) unreadable")
        return "update: " + ", ".join(parts)


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _land(run: Run, data: bytes, name: str, url: str, retrieved: str, raw: Path | None, **extra) -> None:
    from .landing import land

    landed = land(data, name, url, retrieved=retrieved, raw=raw, **extra)
    where = f"data/raw/{landed.source}/{landed.file}" if landed.source and landed.file else ""
    if landed.status == "refused":
        reason = landed.reason or "refused"
        run.add(Outcome("refused", name, url, reason.removeprefix(f"{name}: ")))
    elif landed.status == "unchanged":
        run.add(Outcome("unchanged", name, url, f"same bytes as {where}" if where else (landed.reason or "")))
    else:
        run.add(Outcome("landed", name, url, where or name))


def _download_and_land(run: Run, client: fetch.Client, url: str, name: str, raw: Path | None,
                       retrieved: str | None = None, **extra) -> None:
    try:
        data = client.get(url).data
    except fetch.FetchError as exc:
        run.add(Outcome("refused", name, url, str(exc)))
        return
    _land(run, data, name, url, retrieved or now_utc(), raw, **extra)


# ---------------------------------------------------------------------------------------------
# ICE's pages


def page_files(client: fetch.Client, base: str, page: Page) -> list[str]:
    """The xlsx URLs ``page`` links (raises FetchError when the page cannot be read)."""
    url = base.rstrip("/") + page.path
    html = client.get(url).data
    return fetch.xlsx_links(html, url, [page.folder], page.accept)


def update_pages(run: Run, client: fetch.Client, base: str, *, dry_run: bool, raw: Path | None) -> None:
    for page in PAGES:
        try:
            urls = page_files(client, base, page)
        except fetch.FetchError as exc:
            run.page_error(f"the {page.label} page: {exc}")
            continue
        run.out(f"update: the {page.label} page links {len(urls)} file(s)")
        for url in urls:
            name = fetch.file_name(url)
            if dry_run:
                run.add(Outcome("would fetch", name, url))
            else:
                _download_and_land(run, client, url, name, raw)


# ---------------------------------------------------------------------------------------------
# The Wayback Machine

CDX_FIELDS = ("timestamp", "original", "digest", "statuscode", "mimetype", "length")


@dataclass(frozen=True)
class Capture:
    timestamp: str  # YYYYMMDDhhmmss
    original: str
    digest: str  # base32 SHA-1 of the payload
    mimetype: str
    length: int  # CDX's length: the capture's compressed WARC record, a lower bound of the download
    kind: str  # "xlsx" or "page"

    def url(self, wayback: str) -> str:
        return f"{wayback.rstrip('/')}/web/{self.timestamp}id_/{self.original}"

    @property
    def retrieved(self) -> str:
        t = dt.datetime.strptime(self.timestamp[:14], "%Y%m%d%H%M%S")
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def name(self) -> str:
        if self.kind == "xlsx":
            return fetch.file_name(self.original)
        # a page capture has no file name of its own: name it by page and capture time
        return f"{fetch.file_name(self.original) or 'page'}-{self.timestamp}{CAPTURE_SUFFIX}"


def cdx_queries(since: str, until: str) -> list[tuple[str, str]]:
    """(url, matchType) of every CDX listing a backfill asks for, dates as YYYYMMDD."""
    return ([(ICE_HOST + p.folder, "prefix") for p in PAGES]
            + [(ICE_HOST + path, "exact") for path in PAGE_287G_PATHS])


def cdx_url(wayback: str, url: str, match: str, since: str, until: str) -> str:
    query = [("url", url), ("matchType", match), ("from", since), ("to", until), ("output", "json"),
             ("fl", ",".join(CDX_FIELDS)), ("filter", f"statuscode:{HTTPStatus.OK.value}"), ("collapse", "digest")]
    return f"{wayback.rstrip('/')}/cdx/search/cdx?{urllib.parse.urlencode(query)}"


def parse_cdx(data: bytes, source_url: str) -> list[dict[str, str]]:
    """Rows of a CDX ``output=json`` answer (a header row, then one list per capture; ``[]`` when none)."""
    try:
        table = json.loads(data.decode("utf-8") or "[]")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fetch.FetchError(f"{source_url}: not a CDX JSON listing ({exc})") from None
    if not table:
        return []
    if not isinstance(table, list) or not all(isinstance(r, list) for r in table):
        raise fetch.FetchError(f"{source_url}: not a CDX JSON listing (expected a list of rows)")
    header = table[0]
    missing = [f for f in ("timestamp", "original", "digest") if f not in header]
    if missing:
        raise fetch.FetchError(f"{source_url}: CDX listing lacks field(s) {missing}")
    return [dict(zip(header, row)) for row in table[1:]]


def _capture_kind(original: str) -> str | None:
    parts = urllib.parse.urlsplit(original if "://" in original else "http://" + original)
    path = urllib.parse.unquote(parts.path)
    if (parts.hostname or "").lower() not in (ICE_HOST, "ice.gov"):
        return None
    for page in PAGES:
        if path.startswith(page.folder) and path.lower().endswith(".xlsx") and page.accept(path.rsplit("/", 1)[-1]):
            return "xlsx"
    if path.rstrip("/") in PAGE_287G_PATHS:
        return "page"
    return None


def captures(rows: Iterable[dict[str, str]]) -> list[Capture]:
    """Distinct captures (one per digest, the earliest) of ICE's files and the 287(g) page, by time."""
    found: dict[str, Capture] = {}
    for row in sorted(rows, key=lambda r: r["timestamp"]):
        if row.get("statuscode", "200") not in ("200", ""):
            continue
        kind = _capture_kind(row["original"])
        if kind is None or row["digest"] in found:
            continue
        length = row.get("length", "")
        found[row["digest"]] = Capture(row["timestamp"], row["original"], row["digest"], row.get("mimetype", ""),
                                       int(length) if str(length).isdigit() else 0, kind)
    return sorted(found.values(), key=lambda c: (c.timestamp, c.original))


def wayback_digest(data: bytes) -> str:
    """The digest the Wayback Machine lists for a capture: base32 of the payload's SHA-1."""
    return base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def archived_digests(raw: Path | None = None) -> set[str]:
    """Wayback digests of every file already in the ICE folders of ``data/raw`` (skipped, never fetched)."""
    raw = raw or paths.raw_dir()
    return {wayback_digest(p.read_bytes()) for source in ("ice_287g", "ice_detention")
            if (raw / source).is_dir() for p in sorted((raw / source).iterdir())
            if p.is_file() and p.name not in ("MANIFEST.csv", "README.md")}


@dataclass(frozen=True)
class Estimate:
    listings: int
    captures: int
    held: int  # already in the archive by digest: not fetched
    bytes: int
    pause: float

    @property
    def requests(self) -> int:
        return self.listings + self.captures - self.held

    @property
    def seconds(self) -> float:
        return self.requests * self.pause

    def line(self) -> str:
        return (f"update: backfill would fetch {self.captures - self.held} capture(s) "
                f"({self.captures} distinct, {self.held} already in the archive): {self.requests} requests "
                f"with the {self.listings} CDX listing(s), about {self.bytes:,} bytes by CDX length, "
                f"about {self.seconds / 60:.1f} min at one request per {self.pause:g} s")


def estimate(found: list[Capture], held: set[str], listings: int, pause: float) -> Estimate:
    todo = [c for c in found if c.digest not in held]
    return Estimate(listings, len(found), len(found) - len(todo), sum(c.length for c in todo), pause)


def _yyyymmdd(date: str) -> str:
    return dt.date.fromisoformat(date).strftime("%Y%m%d")


def backfill(run: Run, client: fetch.Client, wayback: str, since: str, until: str, *, dry_run: bool,
             raw: Path | None) -> Estimate | None:
    rows: list[dict[str, str]] = []
    queries = cdx_queries(since, until)
    for url, match in queries:
        listing = cdx_url(wayback, url, match, _yyyymmdd(since), _yyyymmdd(until))
        try:
            rows += parse_cdx(client.get(listing).data, listing)
        except fetch.FetchError as exc:
            run.page_error(f"the Wayback listing of {url}: {exc}")
    if run.page_errors:
        return None
    found = captures(rows)
    held = archived_digests(raw)
    est = estimate(found, held, len(queries), client.pause)
    run.out(est.line())
    for cap in found:
        url = cap.url(wayback)
        if cap.digest in held:
            run.add(Outcome("unchanged", cap.name, url, "already in the archive (same Wayback digest)"))
        elif dry_run:
            run.add(Outcome("would fetch", cap.name, url))
        elif cap.kind == "xlsx":
            # the capture time is when ICE served the file: it dates it and settles a January name's year
            _download_and_land(run, client, url, cap.name, raw, cap.retrieved, seen_at=cap.retrieved,
                               via=WAYBACK_VIA)
        else:
            _land_page_capture(run, client, cap, url, raw)
    return est


def _land_page_capture(run: Run, client: fetch.Client, cap: Capture, url: str, raw: Path | None) -> None:
    try:
        data = client.get(url).data
    except fetch.FetchError as exc:
        run.add(Outcome("refused", cap.name, url, str(exc)))
        return
    _land(run, data, cap.name, url, cap.retrieved, raw, seen_at=cap.retrieved, via=WAYBACK_VIA)



# ---------------------------------------------------------------------------------------------
# Files the archive is known to lack


def wanted_files() -> list[dict[str, str]]:
    """``data/hand/wanted_files.csv``: one row per file the archive lacks (read through hand.read_table)."""
    from .hand import read_table

    return read_table(WANTED).to_dict("records")


def rebase(url: str, base: str | None) -> str:
    """``url`` moved onto ``base`` (scheme and host; the path and query are kept)."""
    if not base:
        return url
    new = urllib.parse.urlsplit(base)
    old = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((new.scheme, new.netloc, new.path.rstrip("/") + old.path, old.query, ""))


def wanted_url(url: str, ice_base: str | None, wayback: str | None) -> str:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == urllib.parse.urlsplit(WAYBACK).hostname:
        return rebase(url, wayback)
    if host in (ICE_HOST, "ice.gov"):
        return rebase(url, ice_base)
    return url


def update_wanted(run: Run, client: fetch.Client, ice_base: str | None, wayback: str | None, *, dry_run: bool,
                  raw: Path | None, wayback_client: fetch.Client | None = None) -> None:
    for row in wanted_files():
        name, expected = row["ice_file_name"].strip(), row.get("sha256", "").strip().lower()
        if "<" in row["url"]:
            run.add(Outcome("skipped", name, row["url"], "a series of captures, not one file: fetch it with "
                            "--since/--until"))
            continue
        url = wanted_url(row["url"].strip(), ice_base, wayback)
        if dry_run:
            run.add(Outcome("would fetch", name, url))
            continue
        from_wayback = urllib.parse.urlsplit(row["url"]).hostname == urllib.parse.urlsplit(WAYBACK).hostname
        try:
            data = ((wayback_client or client) if from_wayback else client).get(url).data
        except fetch.FetchError as exc:
            run.add(Outcome("refused", name, url, str(exc)))
            continue
        size = row.get("bytes", "").strip()
        if size.isdigit() and int(size) != len(data):
            run.add(Outcome("refused", name, url, f"{len(data):,} bytes, data/hand/{WANTED} expects {int(size):,}"))
            continue
        seen = _capture_time(url)
        extra = {"seen_at": seen, "via": WAYBACK_VIA} if seen else {}
        # a person dated the lists in the wanted table (ICE's names lie); a workbook dates itself
        given = row.get("as_of_date", "").strip()
        if row.get("kind", "").strip() in ("participating", "pending") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", given):
            extra["as_of_date"] = given
        _land(run, data, name, url, seen or now_utc(), raw, expected_sha256=expected or None, **extra)


def _capture_time(url: str) -> str | None:
    m = re.search(r"/web/(\d{14})id_/", url)
    return Capture(m.group(1), "", "", "", 0, "xlsx").retrieved if m else None


# ---------------------------------------------------------------------------------------------


def update(*, ice_base: str | None = None, wayback: str | None = None, wanted: bool = False,
           since: str | None = None, until: str | None = None, dry_run: bool = False,
           client: fetch.Client | None = None, wayback_client: fetch.Client | None = None,
           raw: Path | None = None, out: Callable[[str], None] = print) -> Run:
    """Run one update and return what it did (each file's outcome is printed as it happens)."""
    for url in (ice_base, wayback):
        if url:
            fetch.check_url(url)
    run = Run(out=out)
    client = client or fetch.Client()
    if since or until:
        wb = wayback_client or fetch.Client(pause=WAYBACK_PAUSE)
        since = since or until
        until = until or dt.datetime.now(dt.timezone.utc).date().isoformat()
        if since > until:
            raise ValueError(f"--since {since} is after --until {until}")
        backfill(run, wb, wayback or WAYBACK, since, until, dry_run=dry_run, raw=raw)
    if wanted:
        update_wanted(run, client, ice_base, wayback, dry_run=dry_run, raw=raw,
                      wayback_client=wayback_client or fetch.Client(pause=WAYBACK_PAUSE))
    if not (wanted or since or until):
        update_pages(run, client, ice_base or ICE_BASE, dry_run=dry_run, raw=raw)
    run.out(run.summary())
    return run


def main(args) -> int:
    """The ``update`` subcommand (cli.py parses the arguments)."""
    try:
        run = update(ice_base=args.ice_base_url, wayback=args.wayback_url, wanted=args.wanted,
                     since=args.since, until=args.until, dry_run=args.dry_run)
    except (fetch.FetchError, ValueError) as exc:
        print(f"update: {exc}", file=sys.stderr)
        return EXIT_PAGE
    return run.code
