"""Command line: ``python -m ice287g verify-raw | import-raw PATH [--claims FILE] | run [NOTEBOOK ...] [-p NAME VALUE ...]
| release [--out DIR] | update [--ice-base-url URL] [--wayback-url URL] [--wanted] [--since DATE --until DATE] [--dry-run]``.

A raw-data problem (RawDataError) ends any command with one message naming the file, and exit status 1."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ..acquire import update
from ..acquire.freshness import check
from ..acquire.from_mirror import import_raw
from ..acquire.landing import land, recover
from ..acquire.lock import landing_lock
from ..acquire.quarantine import stuck
from ..analyses.claims import load_claims, sync_claims
from ..archive.icenames import split_archive_name
from ..archive.sources import RawDataError, check_raw, ensure_verified
from ..archive.xlsxlimits import size_problem
from ..core import paths
from ..core.messages import printable
from ..history.changes import write_report
from ..history.store import StaleError
from ..publish.charts import write_gallery
from ..publish.release import build
from ..tables.writers import write_text
from .codebook import CODEBOOK, codebook_markdown
from .pipeline import NotebookError, parse_value, run, run_queue
from .readme import write_readme
from .registry import write_readme_outputs
from .reports import build_reports
from .stages import write_deps


def _verify(args) -> int:
    n = check_raw()
    if args.quiet:
        return 0
    print(f"verify-raw: {n} raw files match their manifests (sha256 and size); no unlisted files")
    return 0


def _import(args) -> int:
    if args.claims:
        load_claims(args.claims)  # a bad claims file stops before any raw file is copied
    with landing_lock():
        for line in recover(via="ice287g import-raw"):
            print(f"import-raw: {line}")
        result = import_raw(Path(args.path))
    for f in result.copied:
        print(printable(f"import-raw: copied data/raw/{f}"))
    for f in result.adopted:
        print(printable(f"import-raw: adopted data/raw/{f}: in place without its manifest row (an import stopped "
                        "before writing it), with the mirror's bytes; its row is added"))
    for f in result.readmes_updated:
        print(printable(f"import-raw: updated data/raw/{f}"))
    for f in result.unused_fixes:
        print(printable(f"import-raw: data/hand/raw_as_of_dates.csv: no mirror row for {f} "
                        "(a decision that matches nothing)"))
    print(f"import-raw: {len(result.copied)} new file(s), {len(result.unchanged)} already present and identical")
    if args.claims:
        note = sync_claims(args.claims)
        note = note or f"data/hand/news_claims.csv unchanged (identical to {args.claims})"
        print(printable(f"import-raw: {note}"))
    else:
        print("import-raw: claims not synced; to sync them pass --claims PATH "
              "(e.g. --claims ../shared/claims/news_claims.csv)")
    return 0


def _add(args) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(printable(f"add: {path}: no such file"), file=sys.stderr)
        return 1
    stat = path.stat()
    too_big = size_problem(stat.st_size)  # before reading: a huge file is refused unread
    if too_big:
        print(printable(f"add: refused {path}: {too_big}"), file=sys.stderr)
        return 1
    # a copy of an archive file keeps its date; ICE's name is the part after the prefix
    prefix, ice_name = split_archive_name(path.name)
    now = dt.datetime.now(dt.timezone.utc)
    # when the file was downloaded: its modification time, unless that is in the future (never trusted)
    when = min(dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc), now)
    with landing_lock():
        for line in recover(via="ice287g add"):
            print(f"add: {line}")
        result = land(path.read_bytes(), ice_name, args.url or "", retrieved=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                      as_of_date=args.as_of or prefix or None,
                      via="hand with `ice287g add` (time: the file's modification time, the clock's if that is "
                          "in the future)")
    where = f"data/raw/{result.source}/{result.file}" if result.file else path
    failed = result.status in ("refused", "quarantined")
    print(printable(f"add: {result.status} {where}: {result.reason.removeprefix(f'{printable(ice_name)}: ')}"),
          file=sys.stderr if failed else sys.stdout)
    return 1 if failed else 0


def _run(args) -> int:
    ensure_verified()  # an edited raw file stops here, before any kernel starts
    held = stuck()  # and so does a quarantined file that still does not parse
    for line in held:
        print(printable(f"run: {line}"), file=sys.stderr)
    if held:
        return 1
    params = {name: parse_value(value) for name, value in (args.parameters or [])}
    if args.queued and (args.notebooks or params):
        print("run: --queued runs what make queued, with default parameters; name no notebook", file=sys.stderr)
        return 2

    def report(result) -> None:
        where = paths.relative(result.notebook)
        extra = f" (+ {paths.relative(result.html)})" if result.html else ""
        print(f"run: {result.name} -> {where}{extra}", flush=True)

    def progress(result) -> None:  # the run commits at its end: say meanwhile how far it has got
        print(f"run: {result.name} passed (its outputs wait for the rest of the run)", flush=True)

    try:
        if args.queued:
            run_queue(done=report, passed=progress)
        else:
            run(args.notebooks, params, done=report, passed=progress)
    except NotebookError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 1
    return 0


def _gallery(args) -> int:
    print(f"gallery: wrote {paths.relative(write_gallery())}")
    return 0


def _codebook(args) -> int:
    if args.check:
        path = paths.project_root() / CODEBOOK
        if not path.exists() or path.read_text(encoding="utf-8") != codebook_markdown():
            print(f"codebook: {CODEBOOK} is out of date; run `python -m ice287g codebook`", file=sys.stderr)
            return 1
        print(f"codebook: {CODEBOOK} is up to date")
        return 0
    print(f"codebook: wrote {paths.relative(write_text(paths.project_root() / CODEBOOK, codebook_markdown()))}")
    return 0


def _reports(args) -> int:
    ensure_verified()
    try:
        index = build_reports([s.upper() for s in args.state or []], args.as_of, workers=args.jobs)
    except (NotebookError, ValueError) as exc:
        print(f"reports: {exc}", file=sys.stderr)
        return 1
    print(f"reports: wrote {paths.relative(index)}")
    return 0


def _readme(args) -> int:
    print(f"readme: wrote the at-a-glance numbers of {paths.relative(write_readme())}")
    print(f"readme: wrote where each output comes from in {paths.relative(write_readme_outputs())}")
    return 0


def _docs(args) -> int:
    """The pages written from every notebook's outputs, in one process: gallery, README numbers, codebook."""
    args.check = False
    return _gallery(args) or _readme(args) or _codebook(args)


def _update(args) -> int:
    if args.check is not None:  # no network: the age of what is already in data/raw
        if args.check < 0:
            print(f"update: --check takes a number of days, 0 or more, not {args.check}", file=sys.stderr)
            return 2
        return check(args.check)
    if args.until and not args.since:
        print("update: --until needs --since", file=sys.stderr)
        return 2
    return update.main(args)


def _changes(args) -> int:
    try:
        path = write_report(after=args.as_of)
    except StaleError as exc:  # said for the date given, without the API's max_age_days hint
        print(f"changes: {exc.gap}; give a date with a list in force, or `newest`", file=sys.stderr)
        return 1
    except (ValueError, FileNotFoundError) as exc:
        print(f"changes: {exc}", file=sys.stderr)
        return 1
    print(f"changes: wrote {paths.relative(path)}")
    return 0


def _release(args) -> int:
    path = build(args.out)
    print(f"release: wrote {paths.relative(path)} ({path.stat().st_size:,} bytes)")
    return 0


def _make_deps(args) -> int:
    print(f"make-deps: wrote {paths.relative(write_deps())}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ice287g", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify-raw", help="check every raw file's size and sha256 against its manifest")
    v.add_argument("-q", "--quiet", action="store_true")
    v.set_defaults(func=_verify)
    i = sub.add_parser("import-raw", help="copy files that are new in a mirror (e.g. ../shared/data/raw)")
    i.add_argument("path")
    i.add_argument("--claims", metavar="FILE",
                   help="also replace data/hand/news_claims.csv by this claims file once it validates "
                        "(e.g. ../shared/claims/news_claims.csv); without it claims are left alone")
    i.set_defaults(func=_import)
    a = sub.add_parser("add", help="land one ICE file downloaded by hand (checked as `update` checks a download)")
    a.add_argument("file")
    a.add_argument("--url", help="where it was downloaded from (an absolute URL; default: none, noted as added by hand)")
    a.add_argument("--as-of", help="its date YYYY-MM-DD, when its name carries none (or a wrong one)")
    a.set_defaults(func=_add)
    r = sub.add_parser("run", help="run notebooks with papermill (default: all, in order)")
    r.add_argument("notebooks", nargs="*")
    r.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("NAME", "VALUE"))
    r.add_argument("--queued", action="store_true",
                   help="run the notebooks make queued in .build/queue (pipeline order, one kernel), stamping each")
    r.set_defaults(func=_run)
    dc = sub.add_parser("docs", help="gallery, readme and codebook in one process (what make runs after the notebooks)")
    dc.set_defaults(func=_docs)
    md = sub.add_parser("make-deps", help="write .build/deps.mk, the notebooks' Makefile prerequisites (ice287g.stages)")
    md.set_defaults(func=_make_deps)
    g = sub.add_parser("gallery", help="write figures/README.md from figures/manifest.csv")
    g.set_defaults(func=_gallery)
    cb = sub.add_parser("codebook", help="write docs/codebook.md from ice287g.schema (row counts from committed files)")
    cb.add_argument("--check", action="store_true", help="only check that docs/codebook.md is up to date")
    cb.set_defaults(func=_codebook)
    rd = sub.add_parser("readme", help="rewrite README.md's at-a-glance numbers from data/processed and its "
                                         "table of where each output comes from")
    rd.set_defaults(func=_readme)
    rp = sub.add_parser("reports", help="per-state reports (every state that ever had an agreement) and reports/index.html")
    rp.add_argument("--state", action="append", help="two-letter code; repeat for several (default: all)")
    rp.add_argument("--as-of", default="newest", help="a date or 'newest' (default)")
    rp.add_argument("-j", "--jobs", type=int, default=None,
                    help="reports run in parallel (default: 2, or 1 on a one-core machine)")
    rp.set_defaults(func=_reports)
    up = sub.add_parser("update", help="fetch ICE's newest lists and workbooks into data/raw (the only command "
                        "that uses the network); exit 1 if a file was refused, 2 if a page was unreadable")
    up.add_argument("--ice-base-url", metavar="URL", help="ICE's site (default https://www.ice.gov)")
    up.add_argument("--wayback-url", metavar="URL", help="the Wayback Machine (default https://web.archive.org)")
    up.add_argument("--wanted", action="store_true", help="fetch the files data/hand/wanted_files.csv lists "
                    "(refused unless their sha256 is the expected one), instead of ICE's pages")
    up.add_argument("--since", metavar="DATE", help="backfill Wayback captures from DATE (YYYY-MM-DD)")
    up.add_argument("--until", metavar="DATE", help="... to DATE (default: today)")
    up.add_argument("--dry-run", action="store_true", help="list what would be fetched; land nothing")
    up.add_argument("--deadline", type=float, metavar="SECONDS", help="start no download once the run is this old; "
                    "what is left is named (exit 1) for the next run (default: none; each download has its own "
                    "deadline)")
    up.add_argument("--max-captures", type=int, metavar="N",
                    help="a backfill fetches at most N captures and says what it left for the next run "
                         "(default: ice287g.update.MAX_CAPTURES)")
    up.add_argument("--check", type=int, metavar="DAYS", help="fetch nothing: print each source's newest date and "
                    "age; exit 1 when the 287(g) lists or the detention workbooks are older than DAYS")
    up.set_defaults(func=_update)
    ch = sub.add_parser("changes", help="write reports/changes/<list date>.md: the newest 287(g) list against "
                                        "the one before (a pull request body)")
    ch.add_argument("--as-of", default="newest", metavar="DATE",
                    help="report on the list in force at DATE (YYYY-MM-DD) against the one before (default: newest)")
    ch.set_defaults(func=_changes)
    rl = sub.add_parser("release", help="write dist/ice287g-data-<newest list date>.zip from the committed tables: "
                                         "CSV, Parquet, Stata, xlsx, GeoPackage and a Frictionless datapackage.json")
    rl.add_argument("--out", metavar="DIR", help="folder to write the zip into (default: dist/)")
    rl.set_defaults(func=_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RawDataError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
