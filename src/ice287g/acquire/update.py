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

Every download has a deadline (``fetch.DOWNLOAD_DEADLINE``) and the whole run may have one
(``--deadline``): once it has passed, no new download starts, and what was not fetched is named as
``left``. A backfill fetches at most ``--max-captures`` captures (``MAX_CAPTURES`` by default) and says
what it left for the next run. One run lands at a time (``lock.landing_lock``). Every line printed goes
through ``messages.printable``: names and URLs come from outside.

Exit status: 0 when everything landed or nothing was new (a backfill that left captures to the next run
by ``--max-captures`` included); 1 when a file was refused or quarantined, when the run's deadline left
files for the next run, or when another run held the landing lock past its wait; 2 when a page (or a CDX
listing) could not be read, answered without linking any file, or an option was not understood.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import sys
import time
import urllib.parse
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from ..archive.manifests import RawDataError
from ..core.hand import read_hand_table
from ..core.messages import printable
from . import fetch, landing, lock
from .ice_pages import ICE_HOST, PAGE_287G_PATHS, PAGES, Page
from .wayback import Capture, Estimate, archived_digests, captures, cdx_url, digest_check, estimate, parse_cdx, yyyymmdd

ICE_BASE = "https://www.ice.gov"
WAYBACK = "https://web.archive.org"
# The Wayback Machine throttles clients that ask faster than about one request every few seconds.
WAYBACK_PAUSE = 5.0
# Captures one backfill fetches at most: at the pause above, a run of well under an hour; the rest wait
# for the next run, which skips what has landed by its digest.
MAX_CAPTURES = 200
WANTED = "wanted_files.csv"

EXIT_OK, EXIT_REFUSED, EXIT_PAGE = 0, 1, 2
WAYBACK_VIA = "ice287g update from a Wayback Machine capture"


WAYBACK_VIA = "ice287g update from a Wayback Machine capture"


@dataclass
class Outcome:
    """What became of one file: landed / unchanged / refused / quarantined / would fetch / skipped / left."""

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
        if self.status == "quarantined":
            return f"update: quarantined {self.detail}"
        return f"update: {self.status} {self.name}" + (f" ({self.detail})" if self.detail else "")


STATUSES = ("landed", "unchanged", "refused", "quarantined", "would fetch", "skipped", "left")
ALWAYS_COUNTED = ("landed", "unchanged", "refused")
NEEDS_A_LOOK = ("refused", "quarantined", "left")  # exit 1


@dataclass
class Run:
    """Everything one ``update`` did, in order; ``code`` is the exit status. ``deadline`` (seconds by
    ``clock`` from the run's start) is when no new download may start."""

    outcomes: list[Outcome] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    out: Callable[[str], None] = print
    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def say(self, line: str) -> None:
        """Print one line, control characters escaped (names, URLs and reasons come from outside)."""
        self.out(printable(line))

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.say(outcome.line())

    def page_error(self, message: str) -> None:
        self.page_errors.append(message)
        self.say(f"update: cannot read {message}")

    def out_of_time(self, name: str, url: str) -> bool:
        """Whether the run's deadline has passed; if so ``name`` is recorded as left for the next run."""
        if self.deadline is None or self.clock() - self.started <= self.deadline:
            return False
        self.add(Outcome("left", name, url, f"the run's deadline of {self.deadline:g} s passed: left for the next run"))
        return True

    def time_left(self) -> float | None:
        """Seconds before the run's deadline (None without one): a download under way stops then too."""
        return None if self.deadline is None else self.deadline - (self.clock() - self.started)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def code(self) -> int:
        if self.page_errors:
            return EXIT_PAGE
        return EXIT_REFUSED if any(self.count(s) for s in NEEDS_A_LOOK) else EXIT_OK

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in STATUSES if self.count(s) or s in ALWAYS_COUNTED]
        if self.page_errors:
            parts.append(f"{len(self.page_errors)} page(s) unreadable")
        return "update: " + ", ".join(parts)


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def unexpected(exc: Exception) -> str:
    """One line for an error no check foresaw: it refuses one file (or fails one page), never the run."""
    return f"unexpected error ({type(exc).__name__}: {exc})"


def _land(run: Run, data: bytes, name: str, url: str, retrieved: str, raw: Path | None, **extra) -> None:
    landed = landing.land(data, name, url, retrieved=retrieved, raw=raw, **extra)
    where = f"data/raw/{landed.source}/{landed.file}" if landed.source and landed.file else ""
    reason = (landed.reason or landed.status).removeprefix(f"{name}: ")
    if landed.status == "refused":
        run.add(Outcome("refused", name, url, reason))
    elif landed.status == "quarantined":  # stored, but the build stops on it until a hand fix makes it parse
        run.add(Outcome("quarantined", name, url, f"{where or name}: {reason}"))
    elif landed.status == "unchanged":
        run.add(Outcome("unchanged", name, url, f"same bytes as {where}" if where else (landed.reason or "")))
    else:
        run.add(Outcome("landed", name, url, where or name))


def _download_and_land(run: Run, client: fetch.Client, url: str, name: str, raw: Path | None,
                       retrieved: str | None = None, check: Callable[[bytes], str] | None = None, **extra) -> None:
    """Fetch one file and land it, unless the run's deadline has passed; ``check`` may refuse the bytes
    first (it returns a reason, or ''). Whatever goes wrong refuses this file alone, in one line."""
    if run.out_of_time(name, url):
        return
    try:
        response = client.get(url, within=run.time_left())
        problem = check(response.data) if check else ""
        if problem:
            run.add(Outcome("refused", name, url, problem))
            return
        if response.final_url != url:  # the first URL stays original_url; the manifest names the last too
            extra["final_url"] = response.final_url
        _land(run, response.data, name, url, retrieved or now_utc(), raw, **extra)
    except fetch.FetchError as exc:
        run.add(Outcome("refused", name, url, str(exc)))
    except Exception as exc:
        run.add(Outcome("refused", name, url, unexpected(exc)))


def _refuse_link(run: Run, name: str, url: str) -> bool:
    """Refuse a link with an encoded separator or dot segment, before any request."""
    problem = fetch.link_problem(url)
    if problem:
        run.add(Outcome("refused", name, url, f"link refused before any request: {problem}"))
    return bool(problem)


# ---------------------------------------------------------------------------------------------
# ICE's pages


def page_url(base: str, page: Page) -> str:
    return base.rstrip("/") + page.path


def page_files(client: fetch.Client, base: str, page: Page) -> list[str]:
    """The xlsx URLs ``page`` links (raises FetchError when the page cannot be read, or links no file of
    its own: ICE's pages always link their lists, so an answer without any is a block page or a redesign)."""
    url = page_url(base, page)
    urls = fetch.xlsx_links(client.get(url).data, url, [page.folder], page.accept)
    if not urls:
        raise fetch.FetchError(f"{url}: answered but linked no file: blocked or changed?")
    return urls


def update_pages(run: Run, client: fetch.Client, base: str, *, dry_run: bool, raw: Path | None) -> None:
    for page in PAGES:
        if run.out_of_time(f"the {page.label} page", page_url(base, page)):  # reading a page is a download too
            continue
        try:
            urls = page_files(client, base, page)
        except fetch.FetchError as exc:
            run.page_error(f"the {page.label} page: {exc}")
            continue
        except Exception as exc:
            run.page_error(f"the {page.label} page: {unexpected(exc)}")
            continue
        run.say(f"update: the {page.label} page links {len(urls)} file(s)")
        for url in urls:
            name = fetch.file_name(url)
            if _refuse_link(run, name, url):
                continue
            if dry_run:
                run.add(Outcome("would fetch", name, url))
            else:
                _download_and_land(run, client, url, name, raw)


# ---------------------------------------------------------------------------------------------
# The Wayback Machine

def cdx_queries(since: str, until: str) -> list[tuple[str, str]]:
    """(url, matchType) of every CDX listing a backfill asks for, dates as YYYYMMDD."""
    return ([(ICE_HOST + p.folder, "prefix") for p in PAGES]
            + [(ICE_HOST + path, "exact") for path in PAGE_287G_PATHS])


def backfill(run: Run, client: fetch.Client, wayback: str, since: str, until: str, *, dry_run: bool,
             raw: Path | None, max_captures: int = MAX_CAPTURES) -> Estimate | None:
    rows: list[dict[str, str]] = []
    queries = cdx_queries(since, until)
    for url, match in queries:
        listing = cdx_url(wayback, url, match, yyyymmdd(since), yyyymmdd(until))
        if run.out_of_time(f"the Wayback listing of {url}", listing):
            continue
        try:
            rows += parse_cdx(client.get(listing).data, listing)
        except fetch.FetchError as exc:
            run.page_error(f"the Wayback listing of {url}: {exc}")
        except Exception as exc:
            run.page_error(f"the Wayback listing of {url}: {unexpected(exc)}")
    if run.page_errors or run.count("left"):
        return None
    found = captures(rows)
    held = archived_digests(raw)
    est = estimate(found, held, len(queries), client.pause)
    run.say(est.line())
    later = [c for c in found if c.digest not in held][max_captures:]
    postponed = {c.digest for c in later}
    if later:
        run.say(f"update: backfill left {len(later)} capture(s) for the next run (--max-captures {max_captures}), "
                f"captured {later[0].retrieved[:10]} to {later[-1].retrieved[:10]}: run the same command again")
    for cap in found:
        url = cap.url(wayback)
        if cap.digest in held:
            run.add(Outcome("unchanged", cap.name, url, "already in the archive (same Wayback digest)"))
        elif cap.digest in postponed or _refuse_link(run, cap.name, url):
            continue
        elif dry_run:
            run.add(Outcome("would fetch", cap.name, url))
        else:
            # the capture time is when ICE served the file: it dates it and settles a January name's year
            _download_and_land(run, client, url, cap.name, raw, cap.retrieved, check=digest_check(cap.digest),
                               seen_at=cap.retrieved, via=WAYBACK_VIA)
    return est


# ---------------------------------------------------------------------------------------------
# Files the archive is known to lack


def wanted_files() -> list[dict[str, str]]:
    """``data/hand/wanted_files.csv``: one row per file the archive lacks (read through hand.read_hand_table)."""
    return read_hand_table(WANTED).to_dict("records")


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
    if host in fetch.ICE_HOSTS:
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
        if _refuse_link(run, name, url):
            continue
        if dry_run:
            run.add(Outcome("would fetch", name, url))
            continue
        from_wayback = urllib.parse.urlsplit(row["url"]).hostname == urllib.parse.urlsplit(WAYBACK).hostname
        seen = _capture_time(url)
        extra = {"seen_at": seen, "via": WAYBACK_VIA} if seen else {}
        # a person dated the lists in the wanted table (ICE's names lie); a workbook dates itself
        given = row.get("as_of_date", "").strip()
        if row.get("kind", "").strip() in ("participating", "pending") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", given):
            extra["as_of_date"] = given
        _download_and_land(run, (wayback_client or client) if from_wayback else client, url, name, raw, seen,
                           check=size_check(row.get("bytes", "").strip()), expected_sha256=expected or None, **extra)


def size_check(size: str) -> Callable[[bytes], str]:
    """A check that refuses bytes of another size than the wanted table's ``bytes`` (when it gives one)."""
    def check(data: bytes) -> str:
        if size.isdigit() and int(size) != len(data):
            return f"{len(data):,} bytes, data/hand/{WANTED} expects {int(size):,}"
        return ""
    return check


def _capture_time(url: str) -> str | None:
    m = re.search(r"/web/(\d{14})id_/", url)
    return Capture(m.group(1), "", "", "", 0, "xlsx").retrieved if m else None


# ---------------------------------------------------------------------------------------------


def parse_date(text: str, option: str) -> dt.date:
    """``text`` as a date YYYY-MM-DD, or a ValueError naming ``option`` (dates are compared once parsed)."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option} {text} is not a date YYYY-MM-DD") from None


def backfill_range(since: str | None, until: str | None, today: dt.date) -> tuple[str, str]:
    """(since, until) as ISO dates: ``until`` defaults to today, ``since`` to ``until``; neither may be
    after today (there is nothing to capture yet: a typo), nor ``since`` after ``until``."""
    start = parse_date(since or until, "--since" if since else "--until")
    end = parse_date(until, "--until") if until else today
    for option, text, day in (("--since", since, start), ("--until", until, end)):
        if text and day > today:
            raise ValueError(f"{option} {text} is after today ({today.isoformat()})")
    if start > end:
        raise ValueError(f"--since {since} is after --until {until or end.isoformat()}")
    return start.isoformat(), end.isoformat()


def update(*, ice_base: str | None = None, wayback: str | None = None, wanted: bool = False,
           since: str | None = None, until: str | None = None, dry_run: bool = False,
           client: fetch.Client | None = None, wayback_client: fetch.Client | None = None,
           raw: Path | None = None, out: Callable[[str], None] = print, deadline: float | None = None,
           max_captures: int = MAX_CAPTURES, clock: Callable[[], float] = time.monotonic,
           today: dt.date | None = None) -> Run:
    """Run one update and return what it did (each file's outcome is printed as it happens).

    Options are checked before anything else (a ValueError or FetchError, one line); then, unless it is a
    dry run, the landing lock is taken (``lock.LockBusy`` when another run holds it past the wait)."""
    for url in (ice_base, wayback):
        if url:
            fetch.check_url(url)
    if since or until:
        since, until = backfill_range(since, until, today or dt.datetime.now(dt.timezone.utc).date())
    run = Run(out=out, deadline=deadline, clock=clock)
    client = client or fetch.Client()
    # read when called, so a test may shorten the wait
    with nullcontext() if dry_run else lock.landing_lock(raw, wait=lock.WAIT_SECONDS):
        if not dry_run:  # what a killed run left is adopted or removed before anything new lands
            for line in landing.recover(raw, via="ice287g update"):
                run.say(f"update: {line}")
        if since:
            wb = wayback_client or fetch.Client(pause=WAYBACK_PAUSE)
            backfill(run, wb, wayback or WAYBACK, since, until, dry_run=dry_run, raw=raw, max_captures=max_captures)
        if wanted:
            update_wanted(run, client, ice_base, wayback, dry_run=dry_run, raw=raw,
                          wayback_client=wayback_client or fetch.Client(pause=WAYBACK_PAUSE))
        if not (wanted or since):
            update_pages(run, client, ice_base or ICE_BASE, dry_run=dry_run, raw=raw)
    run.say(run.summary())
    return run


def option_problem(args) -> str:
    """Why ``--deadline`` or ``--max-captures`` cannot be used ('' when they can)."""
    if args.deadline is not None and not (math.isfinite(args.deadline) and args.deadline > 0):
        return f"--deadline takes a number of seconds above 0, not {args.deadline:g}"
    if args.max_captures is not None and args.max_captures < 1:
        return f"--max-captures takes a number above 0, not {args.max_captures}"
    return ""


def main(args) -> int:
    """The ``update`` subcommand (cli.py parses the arguments): one line for any error, never a traceback."""
    def fail(message: str, code: int) -> int:
        print(printable(f"update: {message}"), file=sys.stderr)
        return code

    problem = option_problem(args)
    if problem:
        return fail(problem, EXIT_PAGE)
    try:
        run = update(ice_base=args.ice_base_url, wayback=args.wayback_url, wanted=args.wanted,
                     since=args.since, until=args.until, dry_run=args.dry_run, deadline=args.deadline,
                     max_captures=MAX_CAPTURES if args.max_captures is None else args.max_captures)
    except RawDataError as exc:  # the landing lock held past the wait, a hand table that does not read
        return fail(str(exc), EXIT_REFUSED)
    except (fetch.FetchError, ValueError) as exc:
        return fail(str(exc), EXIT_PAGE)
    except Exception as exc:
        return fail(unexpected(exc), EXIT_PAGE)
    return run.code
