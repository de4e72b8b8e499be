"""The project's only HTTP client, used by ``update`` alone (the build and the tests of the build never
open a connection).

Polite and defensive: a User-Agent naming the project, a timeout on each read and a deadline on the whole
download (retries and redirects included, so a server that drips a few bytes at a time cannot hold a
run), a few retries with exponential backoff, an optional pause between requests (the Wayback Machine
asks for one), https only (plain http is allowed for a loopback host, which is how the tests serve ICE's
pages), redirects checked hop by hop (the scheme rule, and the host rule of ``redirect_problem``), a cap
on the size of a download and a check that a download is complete. Every error is one line naming the URL.
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
from importlib.metadata import metadata, version
from html.parser import HTMLParser

from ..archive.xlsxlimits import MAX_FILE_BYTES

# one cap for a download and a file added by hand (xlsxlimits.MAX_FILE_BYTES): a download this big is no ICE workbook
MAX_BYTES = MAX_FILE_BYTES
TIMEOUT = 60.0  # the longest wait for one read
# The longest one download may take, retries, backoff and redirects included: an ICE workbook takes
# seconds; a server that answers every read in time but drips its body would otherwise never end.
DOWNLOAD_DEADLINE = 300.0
CHUNK = 64 * 1024  # read at most this much at a time, so the deadline is checked between reads
MAX_REDIRECTS = 5
RETRIES = 3  # attempts after the first
BACKOFF = 2.0  # seconds before the first retry, doubled after each
LOOPBACK_NAMES = {"localhost"}
PCHAR = "/-._~!$&'()*+,;=:@"  # what a URL path may hold unencoded (the URI standard's pchar)
SEGMENT_SAFE = PCHAR.replace("/", "")  # within one path segment: an encoded separator stays encoded
ICE_HOSTS = ("www.ice.gov", "ice.gov")
# Hosts that may redirect to each other: ICE's site answers under both of its names. Any other redirect
# must stay on its origin (scheme, host and port): the Wayback Machine's web.archive.org to itself.
ALTERNATE_HOSTS = (frozenset(ICE_HOSTS),)
DEFAULT_PORTS = {"http": 80, "https": 443}
# A retry helps with these: the server is busy or failed for a moment (Wayback often says so).
RETRY_STATUS = {429, 500, 502, 503, 504}


class FetchError(Exception):
    """A request that failed for good; the message is one line and names the URL."""


def _project_url() -> str:
    """The project's URL from its installed metadata (pyproject's [project.urls]), or ''."""
    try:
        for entry in metadata("ice287g").get_all("Project-URL") or []:
            _, _, url = entry.partition(",")
            if url.strip().startswith("https://"):
                return url.strip()
    except Exception:  # not installed, or no metadata: the agent string still names the project
        pass
    return ""


def _version() -> str:
    try:
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


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin no other URL shares
        port = -1
    return scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


def redirect_problem(source: str, target: str) -> str:
    """Why a redirect from ``source`` to ``target`` may not be followed ('' when it may): ``target`` must be
    a URL the client may request (``url_problem``) on the same origin as ``source`` (scheme, host and port),
    or on an alternate host of ``source``'s (``ALTERNATE_HOSTS``, https on its default port)."""
    problem = url_problem(target)
    if problem:
        return problem
    a, b = _origin(source), _origin(target)
    if a == b:
        return ""
    if (a[0], a[2]) == (b[0], b[2]) == ("https", DEFAULT_PORTS["https"]) and \
            any({a[1], b[1]} <= group for group in ALTERNATE_HOSTS):
        return ""
    alternates = "; ".join(" and ".join(sorted(group)) for group in ALTERNATE_HOSTS)
    return f"not the same scheme, host and port (a redirect stays on its site; only {alternates} redirect to each other)"


def link_problem(url: str) -> str:
    """Why a linked URL may not be requested ('' when it may): a path segment that decodes to a path
    separator (``%2f``, ``%5c``) or holds a dot segment (``..``, ``%2e%2e``), which a server may resolve
    to a file outside the folder the link seemed to name."""
    for segment in urllib.parse.urlsplit(url).path.split("/")[1:]:
        decoded = urllib.parse.unquote(segment)
        if "/" in decoded or "\\" in decoded:
            return f"an encoded path separator in {segment!r}"
        if decoded == "." or ".." in decoded:
            return f"a dot segment in {segment!r}"
    return ""


class _Redirect(Exception):
    def __init__(self, code: int, location: str):
        super().__init__(location)
        self.code, self.location = code, location


class _HandBack(urllib.request.HTTPRedirectHandler):
    """Follow no redirect: hand each one back to ``Client``, which checks every hop itself."""

    def http_error_302(self, req, fp, code, msg, headers):
        fp.close()
        raise _Redirect(code, headers.get("Location") or headers.get("URI") or "")

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


@dataclass
class Response:
    url: str  # the URL asked for
    final_url: str  # the URL the bytes came from, after redirects
    data: bytes
    content_type: str


@dataclass
class Client:
    """``get(url)`` with retries. ``sleep`` and ``clock`` are injectable so tests take no real time;
    ``pause`` is the least time between the starts of two requests; ``deadline`` the most one ``get``
    may take (checked between reads, each of which waits at most ``timeout``)."""

    timeout: float = TIMEOUT
    retries: int = RETRIES
    backoff: float = BACKOFF
    pause: float = 0.0
    max_bytes: int = MAX_BYTES
    deadline: float = DOWNLOAD_DEADLINE
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    agent: str = field(default_factory=user_agent)
    requests: int = 0  # made so far, retries included (the estimate and the tests read it)
    _last: float | None = None
    _budget: float = DOWNLOAD_DEADLINE  # the deadline of the get under way, and its name, for its messages
    _budget_of: str = "the download deadline"

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_HandBack())

    def _wait_turn(self) -> None:
        if self.pause and self._last is not None:
            left = self.pause - (self.clock() - self._last)
            if left > 0:
                self.sleep(left)
        self._last = self.clock()

    def _once(self, url: str, ends: float) -> Response:
        """One attempt: the request and every redirect, each hop checked before it is followed."""
        hops = [url]
        while True:
            try:
                return self._request(url, hops[-1], ends)
            except _Redirect as hop:
                if not hop.location:
                    raise _Permanent(f"HTTP {hop.code} redirect without a Location") from None
                target = urllib.parse.urljoin(hops[-1], hop.location)
                problem = redirect_problem(hops[-1], target)
                if problem:
                    raise _Permanent(f"redirect to {target} refused: {problem}") from None
                if target in hops:
                    raise _Permanent(f"redirect loop ({' -> '.join(hops + [target])})") from None
                if len(hops) > MAX_REDIRECTS:
                    raise _Permanent(f"more than {MAX_REDIRECTS} redirects") from None
                hops.append(target)

    def _request(self, url: str, current: str, ends: float) -> Response:
        request = urllib.request.Request(current, headers={"User-Agent": self.agent, "Accept-Encoding": "identity"})
        self._wait_turn()
        left = ends - self.clock()
        if left <= 0:
            raise _OutOfTime(self._budget, self._budget_of)
        self.requests += 1
        with self._opener.open(request, timeout=min(self.timeout, left)) as resp:
            declared = resp.headers.get("Content-Length")
            expected = int(declared) if declared and declared.isdigit() else None
            if expected is not None and expected > self.max_bytes:
                raise _Permanent(f"{expected:,} bytes announced, more than the {self.max_bytes:,}-byte cap")
            data = self._read(resp, ends)
            if expected is not None and len(data) != expected:
                raise _Transient(f"truncated download: {len(data):,} of {expected:,} bytes")
            return Response(url, current, data, resp.headers.get("Content-Type", ""))

    def _read(self, resp, ends: float) -> bytes:
        """The body, one socket read at a time (``read1``), the deadline checked after each."""
        chunks, size = [], 0
        while chunk := resp.read1(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise _Permanent(f"more than the {self.max_bytes:,}-byte cap")
            chunks.append(chunk)
            if self.clock() > ends:
                raise _OutOfTime(self._budget, self._budget_of)
        return b"".join(chunks)

    def get(self, url: str, within: float | None = None) -> Response:
        """``url``'s body, within the download deadline, or within ``within`` seconds when that is sooner
        (what is left of a run's own deadline: a download under way stops with the run)."""
        check_url(url)
        delay = self.backoff
        self._budget = self.deadline if within is None else max(0.0, min(self.deadline, within))
        self._budget_of = "the download deadline" if self._budget == self.deadline else "what was left of the run's deadline"
        ends = self.clock() + self._budget
        for attempt in range(self.retries + 1):
            try:
                return self._once(url, ends)
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
                reason = self._timed_out(url, ends)
            except urllib.error.URLError as exc:
                inner = exc.reason
                if isinstance(inner, (TimeoutError, socket.timeout)):
                    reason = self._timed_out(url, ends)
                else:
                    reason = f"cannot connect ({inner})"
            except (http.client.HTTPException, ConnectionError, OSError) as exc:
                reason = f"connection failed ({type(exc).__name__}: {exc})"
            tries = f"{attempt + 1} attempt{'s' if attempt else ''}"
            if attempt < self.retries and self.clock() + delay >= ends:
                raise FetchError(f"{url}: {reason} (after {tries}; no time left within {self._budget_of} "
                                 f"of {self._budget:g} s)")
            if attempt < self.retries:
                self.sleep(delay)
                delay *= 2
        raise FetchError(f"{url}: {reason} (after {tries})")

    def _timed_out(self, url: str, ends: float) -> str:
        """Why a read timed out: the deadline (which shortens the last reads' timeout), a FetchError, or the
        timeout, a reason to retry."""
        if self.clock() >= ends:
            raise FetchError(f"{url}: {_OutOfTime(self._budget, self._budget_of)}")
        return f"no answer within {self.timeout:g} s (timeout)"


class _Transient(Exception):
    pass


class _Permanent(Exception):
    pass


class _OutOfTime(_Permanent):
    """Not retried: a download that used up its deadline would use it up again."""

    def __init__(self, deadline: float, which: str = "the download deadline"):
        super().__init__(f"not done within {which} of {deadline:g} s")


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
        # one spelling per file (``pen%64ing`` is ``pending``), so original_url does not depend on the page's;
        # segment by segment, so an encoded separator stays one and link_problem sees it
        quoted = "/".join(urllib.parse.quote(urllib.parse.unquote(s), safe=SEGMENT_SAFE) for s in parts.path.split("/"))
        out.append(urllib.parse.urlunsplit((parts.scheme, parts.netloc, quoted, parts.query, "")))
    return out
