"""The commands that run notebooks or write pages from their outputs: `run`, `make-deps`, `docs`, `gallery`,
`codebook`, `readme`, `reports`. They load the notebook runner (papermill, nbconvert), which the raw-archive
commands (``build.raw_commands``) and the data commands (``build.data_commands``) never need. Each takes the
parsed arguments and returns the exit status."""
from __future__ import annotations

import sys

from ..acquire.quarantine import stuck
from ..archive.manifests import ensure_verified
from ..core import paths
from ..core.messages import printable
from ..publish.charts import write_gallery
from ..core.files import write_text
from .codebook import CODEBOOK, codebook_markdown
from .pipeline import NotebookError, parse_value, run, run_queue, state_reports_folder
from .readme import write_readme
from .registry import write_readme_outputs
from .reports import build_reports, state_reports_on_disk
from .spanish import write_spanish
from .stages import write_deps


def run_notebooks(args) -> int:
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


def gallery(args) -> int:
    print(f"gallery: wrote {paths.relative(write_gallery())}")
    return 0


def codebook(args) -> int:
    if args.check:
        path = paths.project_root() / CODEBOOK
        if not path.exists() or path.read_text(encoding="utf-8") != codebook_markdown():
            print(f"codebook: {CODEBOOK} is out of date; run `python -m ice287g codebook`", file=sys.stderr)
            return 1
        print(f"codebook: {CODEBOOK} is up to date")
        return 0
    print(f"codebook: wrote {paths.relative(write_text(paths.project_root() / CODEBOOK, codebook_markdown()))}")
    return 0


def reports(args) -> int:
    ensure_verified()
    try:
        index = build_reports([s.upper() for s in args.state or []], args.as_of, workers=args.jobs)
    except (NotebookError, ValueError) as exc:
        print(f"reports: {exc}", file=sys.stderr)
        return 1
    print(f"reports: wrote {paths.relative(index)}")
    if state_reports_folder(args.as_of) == "states":  # the Spanish edition is of the newest list only
        es = write_spanish(state_reports_on_disk())
        print(f"reports: wrote {len(es)} pages of the Spanish edition in {paths.relative(es[0].parent)}")
    return 0


def readme(args) -> int:
    print(f"readme: wrote the at-a-glance numbers of {paths.relative(write_readme())}")
    print(f"readme: wrote where each output comes from in {paths.relative(write_readme_outputs())}")
    return 0


def docs(args) -> int:
    """The pages written from every notebook's outputs, in one process: gallery, README numbers, codebook."""
    args.check = False
    return gallery(args) or readme(args) or codebook(args)


def make_deps(args) -> int:
    print(f"make-deps: wrote {paths.relative(write_deps())}")
    return 0
