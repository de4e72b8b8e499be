"""Command line: ``python -m ice287g verify-raw | import-raw PATH [--claims FILE] | run [NOTEBOOK ...] [-p NAME VALUE ...]
| release [--out DIR] | site | update [--ice-base-url URL] [--wayback-url URL] [--wanted] [--since DATE --until DATE] [--dry-run]``.

A raw-data problem (RawDataError) ends any command with one message naming the file, and exit status 1."""
from __future__ import annotations

import argparse
import sys

from ..archive.manifests import RawDataError

# Each command is a function of ``raw_commands``, ``data_commands`` or ``notebook_commands``, named by
# ``set_defaults(func=...)``.
NOTEBOOK_COMMANDS = frozenset({"run_notebooks", "make_deps", "docs", "gallery", "codebook", "readme", "reports"})
RAW_COMMANDS = frozenset({"verify_raw", "import_raw_files", "add", "update_raw"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ice287g", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify-raw", help="check every raw file's size and sha256 against its manifest")
    v.add_argument("-q", "--quiet", action="store_true")
    v.set_defaults(func="verify_raw")
    i = sub.add_parser("import-raw", help="copy files that are new in a mirror (e.g. ../shared/data/raw)")
    i.add_argument("path")
    i.add_argument("--claims", metavar="FILE",
                   help="also replace data/hand/news_claims.csv by this claims file once it validates "
                        "(e.g. ../shared/claims/news_claims.csv); without it claims are left alone")
    i.set_defaults(func="import_raw_files")
    a = sub.add_parser("add", help="land one ICE file downloaded by hand (checked as `update` checks a download)")
    a.add_argument("file")
    a.add_argument("--url", help="where it was downloaded from (an absolute URL; default: none, noted as added by hand)")
    a.add_argument("--as-of", help="its date YYYY-MM-DD, when its name carries none (or a wrong one)")
    a.set_defaults(func="add")
    r = sub.add_parser("run", help="run notebooks with papermill (default: all, in order)")
    r.add_argument("notebooks", nargs="*")
    r.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("NAME", "VALUE"))
    r.add_argument("--queued", action="store_true",
                   help="run the notebooks make queued in .build/queue (pipeline order, one kernel), stamping each")
    r.set_defaults(func="run_notebooks")
    dc = sub.add_parser("docs", help="gallery, readme and codebook in one process (what make runs after the notebooks)")
    dc.set_defaults(func="docs")
    md = sub.add_parser("make-deps", help="write .build/deps.mk, the notebooks' Makefile prerequisites (ice287g.build.stages)")
    md.set_defaults(func="make_deps")
    g = sub.add_parser("gallery", help="write figures/README.md from figures/manifest.csv")
    g.set_defaults(func="gallery")
    cb = sub.add_parser("codebook", help="write docs/codebook.md from ice287g.tables.schema (row counts from committed files)")
    cb.add_argument("--check", action="store_true", help="only check that docs/codebook.md is up to date")
    cb.set_defaults(func="codebook")
    rd = sub.add_parser("readme", help="rewrite README.md's at-a-glance numbers from data/processed and its "
                                         "table of where each output comes from")
    rd.set_defaults(func="readme")
    rp = sub.add_parser("reports", help="per-state reports (every state that ever had an agreement) and reports/index.html")
    rp.add_argument("--state", action="append", help="two-letter code; repeat for several (default: all)")
    rp.add_argument("--as-of", default="newest", help="a date or 'newest' (default)")
    rp.add_argument("-j", "--jobs", type=int, default=None,
                    help="reports run in parallel (default: 2, or 1 on a one-core machine)")
    rp.set_defaults(func="reports")
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
    up.set_defaults(func="update_raw")
    ch = sub.add_parser("changes", help="write reports/changes/<list date>.md: the newest 287(g) list against "
                                        "the one before (a pull request body)")
    ch.add_argument("--as-of", default="newest", metavar="DATE",
                    help="report on the list in force at DATE (YYYY-MM-DD) against the one before (default: newest)")
    ch.set_defaults(func="changes")
    rl = sub.add_parser("release", help="write dist/ice287g-data-<newest list date>.zip from the committed tables: "
                                         "CSV, Parquet, Stata, xlsx, GeoPackage and a Frictionless datapackage.json")
    rl.add_argument("--out", metavar="DIR", help="folder to write the zip into (default: dist/)")
    rl.set_defaults(func="release")
    st = sub.add_parser("site", help="write site/, the whole site (the reports' pages and every file they link, "
                                      "the release among them) to publish or serve: python -m http.server -d site")
    st.set_defaults(func="site")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Each group of commands is imported once the command is known, so `--help` and a mistyped argument
    # load no pandas.
    if args.func in NOTEBOOK_COMMANDS:
        # papermill, nbconvert and matplotlib take about a second to load
        from . import notebook_commands as commands
    elif args.func in RAW_COMMANDS:
        # `update` and `add` (subprocesses of every daily run and of the probe) load no matplotlib
        from . import raw_commands as commands
    else:
        # the release's writers and the site's map load matplotlib and the table writers
        from . import data_commands as commands
    try:
        return getattr(commands, args.func)(args)
    except RawDataError as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
