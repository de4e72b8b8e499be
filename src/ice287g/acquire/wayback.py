"""The Wayback Machine's side of ``ice287g update``'s backfill: CDX listings and their rows, the captures they
name, and the digests that say which of them the archive already holds."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from ..core import paths
from . import fetch
from .ice_pages import PAGE_287G_PATHS, PAGES
from .landing import CAPTURE_SUFFIX

CDX_FIELDS = ("timestamp", "original", "digest", "statuscode", "mimetype", "length")
CDX_REQUIRED = ("timestamp", "original", "digest")
TIMESTAMP_DIGITS = 14  # YYYYMMDDhhmmss
DIGEST_LENGTH = 32  # base32 of a SHA-1 digest
DIGEST = re.compile(f"[A-Z2-7]{{{DIGEST_LENGTH}}}")


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


def cdx_url(wayback: str, url: str, match: str, since: str, until: str) -> str:
    query = [("url", url), ("matchType", match), ("from", since), ("to", until), ("output", "json"),
             ("fl", ",".join(CDX_FIELDS)), ("filter", f"statuscode:{HTTPStatus.OK.value}"), ("collapse", "digest")]
    return f"{wayback.rstrip('/')}/cdx/search/cdx?{urllib.parse.urlencode(query)}"


def parse_cdx(data: bytes, source_url: str) -> list[dict[str, str]]:
    """Rows of a CDX ``output=json`` answer (a header row, then one list per capture; ``[]`` when none),
    each checked by ``cdx_problem``; a malformed listing raises FetchError (one line)."""
    try:
        table = json.loads(data.decode("utf-8") or "[]")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # deep nesting: RecursionError
        raise fetch.FetchError(f"{source_url}: not a CDX JSON listing ({exc})") from None
    if table == []:
        return []
    problem = cdx_problem(table)
    if problem:
        raise fetch.FetchError(f"{source_url}: not a CDX JSON listing: {problem}")
    return [dict(zip(table[0], row)) for row in table[1:]]


def cdx_problem(table: object) -> str:
    """What is wrong with a decoded CDX listing ('' when nothing): a list of rows, the first naming the
    fields (timestamp, original and digest among them), every other a list of as many strings, with a
    timestamp of ``TIMESTAMP_DIGITS`` digits and a base32 SHA-1 digest."""
    if not isinstance(table, list):
        return f"a JSON {type(table).__name__}, not a list of rows"
    header = table[0]
    if not isinstance(header, list) or not all(isinstance(f, str) for f in header):
        return "its first row is not a list of field names"
    missing = [f for f in CDX_REQUIRED if f not in header]
    if missing:
        return f"no field(s) {', '.join(missing)} in its header"
    for number, row in enumerate(table[1:], start=1):
        if not isinstance(row, list) or not all(isinstance(v, str) for v in row):
            return f"row {number} is not a list of strings"
        if len(row) != len(header):
            return f"row {number} has {len(row)} fields where the header has {len(header)}"
        fields = dict(zip(header, row))
        if not (len(fields["timestamp"]) == TIMESTAMP_DIGITS and fields["timestamp"].isascii()
                and fields["timestamp"].isdigit()):
            return f"row {number}: timestamp {fields['timestamp']!r} is not {TIMESTAMP_DIGITS} digits"
        if not DIGEST.fullmatch(fields["digest"]):
            return f"row {number}: digest {fields['digest']!r} is not a base32 SHA-1"
    return ""


def _capture_kind(original: str) -> str | None:
    parts = urllib.parse.urlsplit(original if "://" in original else "http://" + original)
    path = urllib.parse.unquote(parts.path)
    if (parts.hostname or "").lower() not in fetch.ICE_HOSTS:
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


def yyyymmdd(date: str) -> str:
    return dt.date.fromisoformat(date).strftime("%Y%m%d")


def digest_check(digest: str) -> Callable[[bytes], str]:
    """A check that refuses a capture's bytes unless their SHA-1 is the digest its CDX row lists."""
    def check(data: bytes) -> str:
        got = wayback_digest(data)
        return "" if got == digest else f"SHA-1 {got} differs from the CDX digest {digest}"
    return check
