"""The project's only HTTP client, used by ``update`` alone (the build and the tests of the build never
open a connection).

Polite and defensive: a User-Agent naming the project, a timeout, a few retries with exponential backoff,
an optional pause between requests (the Wayback Machine asks for one), https only (plain http is
allowed for a loopback host, which is how the tests serve ICE's pages), a cap on the size of a
download and a check that a download is complete. Every error is one line naming the URL.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

# one cap for a download and a file added by hand (no network code in what `add` imports)
from .xlsxlimits import MAX_FILE_BYTES as MAX_BYTES

TIMEOUT = 60.0
RETRIES = 3  # attempts after the first
BACKOFF = 2.0  # seconds before the first retry, doubled after each
LOOPBACK_NAMES = {"localhost"}
PCHAR = "/-._~!$&'()*+,;=:@"  # what a URL path may hold unencoded (the URI standard's pchar)
# A retry helps with these: the server is busy or failed for a moment (Wayback often says so).
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A request that failed for good; the message is one line and names the URL."""


def _project_url() -> str:
    """The project's URL from its installed metadata (pyproject's [project.urls]), or ''."""
    try:
        from importlib.metadata import metadata

        for entry in metadata("ice287g").get_all("Project-URL") or []:
            _, _, url = entry.partition(",")
            if url.strip().startswith("https://"):
                return url.strip()
    except Exception:  # not installed, or no metadata: the agent string still names the project
        pass
    return ""


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ice287g")
    except Exception:
        return "0"


def user_agent() -> str:
    url = _project_url()
    where = f"+{url}" if url else "ICE 287(g) and detention statistics archive; research use"
    return f"ice287g/{_version()} ({where}) python-urllib"


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_problem(url: str) -> str:
    """Why ``url`` may not be requested ('' when it may): https only, http for a loopback host."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        return "no host"
    if parts.scheme == "https":
        return ""
    if parts.scheme == "http" and is_loopback(parts.hostname):
        return ""
    return f"{parts.scheme or 'no'} scheme refused: https only (plain http only for a loopback test server)"


def check_url(url: str) -> str:
    problem = url_problem(url)
    if problem:
        raise FetchError(f"{url}: {problem}")
    return url


class _SafeRedirect(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL the client may request itself (no downgrade to plain http)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        newurl = urllib.parse.urljoin(req.full_url, newurl)
        problem = url_problem(newurl)
        if problem:
            raise FetchError(f"{req.full_url}: redirect to {newurl} refused ({problem})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class Response:
    url: str  # the URL asked for
    final_url: str  # after redirects
    data: bytes
    content_type: str


@dataclass
class Client:
    """``get(url)`` with retries. ``sleep`` and ``clock`` are injectable so tests take no real time;
    ``pause`` is the least time between the starts of two requests."""

    timeout: float = TIMEOUT
    retries: int = RETRIES
    backoff: float = BACKOFF
    pause: float = 0.0
    max_bytes: int = MAX_BYTES
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    agent: str = field(default_factory=user_agent)
    requests: int = 0  # made so far, retries included (the estimate and the tests read it)
    _last: float | None = None

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_SafeRedirect())

    def _wait_turn(self) -> None:
        if self.pause and self._last is not None:
            left = self.pause - (self.clock() - self._last)
            if left > 0:
                self.sleep(left)
        self._last = self.clock()

    def _once(self, url: str) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": self.agent, "Accept-Encoding": "identity"})
        self._wait_turn()
        self.requests += 1
        with self._opener.open(request, timeout=self.timeout) as resp:
            declared = resp.headers.get("Content-Length")
            expected = int(declared) if declared and declared.isdigit() else None
            if expected is not None and expected > self.max_bytes:
                raise _Permanent(f"{expected:,} bytes announced, more than the {self.max_bytes:,}-byte cap")
            data = resp.read(self.max_bytes + 1)
            if len(data) > self.max_bytes:
                raise _Permanent(f"more than the {self.max_bytes:,}-byte cap")
            if expected is not None and len(data) != expected:
                raise _Transient(f"truncated download: {len(data):,} of {expected:,} bytes")
            return Response(url, resp.geturl(), data, resp.headers.get("Content-Type", ""))

    def get(self, url: str) -> Response:
        check_url(url)
        delay = self.backoff
        for attempt in range(self.retries + 1):
            try:
                return self._once(url)
            except FetchError:
                raise
            except _Permanent as exc:
                raise FetchError(f"{url}: {exc}") from None
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code} {exc.reason}"
                if exc.code not in RETRY_STATUS:
                    raise FetchError(f"{url}: {reason}") from None
            except http.client.IncompleteRead as exc:
                reason = f"truncated download: {len(exc.partial):,} bytes, then the connection closed"
            except _Transient as exc:
                reason = str(exc)
            except (TimeoutError, socket.timeout):
                reason = f"no answer within {self.timeout:g} s (timeout)"
            except urllib.error.URLError as exc:
                inner = exc.reason
                if isinstance(inner, (TimeoutError, socket.timeout)):
                    reason = f"no answer within {self.timeout:g} s (timeout)"
                else:
                    reason = f"cannot connect ({inner})"
            except (http.client.HTTPException, ConnectionError, OSError) as exc:
                reason = f"connection failed ({type(exc).__name__}: {exc})"
            if attempt < self.retries:
                self.sleep(delay)
                delay *= 2
        tries = self.retries + 1
        raise FetchError(f"{url}: {reason} (after {tries} attempt{'s' if tries > 1 else ''})")


class _Transient(Exception):
    pass


class _Permanent(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Links on a page


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag.lower() == "a":
            for name, value in attrs:
                if name.lower() == "href" and value:
                    self.hrefs.append(value.strip())


def hrefs(html: bytes | str) -> list[str]:
    """Every ``<a href>`` on a page, in order, character references decoded."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    parser = _Anchors()
    parser.feed(text)
    parser.close()
    return parser.hrefs


def file_name(url: str) -> str:
    """The file name a URL serves, as ICE named it: the last path segment, percent-decoded."""
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])


def _same_host(a: urllib.parse.SplitResult, b: urllib.parse.SplitResult) -> bool:
    return (a.hostname or "").lower() == (b.hostname or "").lower() and a.port == b.port


def xlsx_links(html: bytes | str, page_url: str, prefixes: Iterable[str],
               accept: Callable[[str], bool] = lambda name: True) -> list[str]:
    """Absolute URLs of the xlsx files a page links under one of ``prefixes`` (URL paths), on the page's
    own host only (a link elsewhere is ignored), deduplicated by path (first link kept), in page order.

    Links may be relative or absolute, carry a query string or fragment, or percent-encode the name."""
    page = urllib.parse.urlsplit(page_url)
    prefixes = tuple(prefixes)
    seen: set[str] = set()
    out: list[str] = []
    for href in hrefs(html):
        absolute = urllib.parse.urljoin(page_url, href)
        parts = urllib.parse.urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not _same_host(parts, page):
            continue
        path = urllib.parse.unquote(parts.path)
        if not path.lower().endswith(".xlsx") or not path.startswith(prefixes):
            continue
        if not accept(file_name(absolute)) or path in seen:
            continue
        seen.add(path)
        # one spelling per file (``pen%64ing`` is ``pending``), so original_url does not depend on the page's
        out.append(urllib.parse.urlunsplit((parts.scheme, parts.netloc, urllib.parse.quote(path, safe=PCHAR),
                                            parts.query, "")))
    return out
