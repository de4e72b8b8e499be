"""The commands that write outputs from the committed data, without running a notebook: `changes`, `release`,
`site`. Each takes the parsed arguments (``build.cli``) and returns the exit status."""
from __future__ import annotations

import sys

from ..core import paths
from ..history.changes import write_report
from ..history.asof import StaleError
from ..publish.release import DIST, build, release_name
from ..publish.site import build_site


def changes(args) -> int:
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


def release(args) -> int:
    path = build(args.out)
    print(f"release: wrote {paths.relative(path)} ({path.stat().st_size:,} bytes)")
    return 0


def site(args) -> int:
    try:
        written = build_site(paths.project_root() / DIST / release_name())
    except FileNotFoundError as exc:
        print(f"site: {exc}", file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in written)
    pages = sum(p.suffix == ".html" for p in written)
    print(f"site: wrote {paths.relative(paths.site_dir())}/: {len(written):,} files ({pages} pages), {size:,} bytes")
    return 0
