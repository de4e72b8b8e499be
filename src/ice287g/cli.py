"""Command line: ``python -m ice287g verify-raw | import-raw PATH | run [NOTEBOOK ...] [-p NAME VALUE ...]``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths


def _verify(args) -> int:
    from .sources import RawDataError, check_raw

    try:
        n = check_raw()
    except RawDataError as exc:
        print(f"verify-raw: {exc}", file=sys.stderr)
        return 1
    if args.quiet:
        return 0
    print(f"verify-raw: {n} raw files match their manifests (sha256 and size); no unlisted files")
    return 0


def _import(args) -> int:
    from .sources import RawDataError, import_raw

    try:
        result = import_raw(Path(args.path))
    except RawDataError as exc:
        print(f"import-raw: {exc}", file=sys.stderr)
        return 1
    from .sources import sync_claims

    claims_note = sync_claims(Path(args.path))
    if claims_note:
        print(f"import-raw: {claims_note}")
    for f in result.copied:
        print(f"import-raw: copied data/raw/{f}")
    for f in result.readmes_updated:
        print(f"import-raw: updated data/raw/{f}")
    print(f"import-raw: {len(result.copied)} new file(s), {len(result.unchanged)} already present and identical")
    return 0


def _run(args) -> int:
    from .pipeline import NotebookError, parse_value, run

    params = {name: parse_value(value) for name, value in (args.parameters or [])}
    try:
        for result in run(args.notebooks, params):
            where = paths.relative(result.notebook)
            extra = f" (+ {paths.relative(result.html)})" if result.html else ""
            print(f"run: {result.name} -> {where}{extra}")
    except NotebookError as exc:
        print(f"run: {exc}", file=sys.stderr)
        return 1
    return 0


def _gallery(args) -> int:
    from .charts import write_gallery

    print(f"gallery: wrote {paths.relative(write_gallery())}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ice287g", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("verify-raw", help="check every raw file's size and sha256 against its manifest")
    v.add_argument("-q", "--quiet", action="store_true")
    v.set_defaults(func=_verify)
    i = sub.add_parser("import-raw", help="copy files that are new in a mirror (e.g. ../shared/data/raw)")
    i.add_argument("path")
    i.set_defaults(func=_import)
    r = sub.add_parser("run", help="run notebooks with papermill (default: all, in order)")
    r.add_argument("notebooks", nargs="*")
    r.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append", metavar=("NAME", "VALUE"))
    r.set_defaults(func=_run)
    g = sub.add_parser("gallery", help="write figures/README.md from figures/manifest.csv")
    g.set_defaults(func=_gallery)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
