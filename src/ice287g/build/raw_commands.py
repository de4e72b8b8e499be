"""The commands that read and write the raw archive: `verify-raw`, `import-raw`, `add`, `update`. Each takes the
parsed arguments (``build.cli``) and returns the exit status. They import nothing that draws or publishes:
``update`` and ``add`` start as subprocesses of daily runs and of the tests, and ``data_commands``' imports
(matplotlib through the site's map, the release's writers) would more than double their start-up time."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from ..acquire import update
from ..acquire.freshness import check
from ..acquire.from_mirror import import_raw
from ..acquire.landing import land, recover
from ..acquire.lock import landing_lock
from ..analyses.claims import load_claims, sync_claims
from ..archive.icenames import split_archive_name
from ..archive.manifests import check_raw
from ..archive.xlsxlimits import size_problem
from ..core.messages import printable


def verify_raw(args) -> int:
    n = check_raw()
    if args.quiet:
        return 0
    print(f"verify-raw: {n} raw files match their manifests (sha256 and size); no unlisted files")
    return 0


def import_raw_files(args) -> int:
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


def add(args) -> int:
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


def update_raw(args) -> int:
    if args.check is not None:  # no network: the age of what is already in data/raw
        if args.check < 0:
            print(f"update: --check takes a number of days, 0 or more, not {args.check}", file=sys.stderr)
            return 2
        return check(args.check)
    if args.until and not args.since:
        print("update: --until needs --since", file=sys.stderr)
        return 2
    return update.main(args)
