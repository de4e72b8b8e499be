"""What each notebook reads, declared once: the Makefile's prerequisites come from here, and a test
holds the declaration to what each notebook's kernel actually opened.

``INPUTS`` names, for every notebook of ``pipeline.NOTEBOOKS``, the raw source folders
(``data/raw/<source>``), the hand tables (``data/hand/*.csv``) and the tables earlier stages write
(``data/processed``, ``data/qa``) that it reads. Which stage writes a table is ``pipeline.NOTEBOOKS``'s
``outputs``, so a notebook that reads a table waits for the stage that writes it. The package modules
a notebook depends on are not listed: they are its imports, followed through the package's own
imports (``imported_modules``), function-level ones included.

``python -m ice287g make-deps`` writes ``.build/deps.mk`` from this, which the Makefile includes.
Every default (staged) run records the files under ``data/`` its kernel opens for reading in
``.build/opened/<notebook>.txt`` (``kernel.record_opens``, installed by ``ice287g.setup_notebook``);
``problems`` compares such a recording with the declaration.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..core import paths
from ..archive.cache import PACKAGE, module_file, package_imports
from .pipeline import NOTEBOOKS, spec
from ..tables import writers


@dataclass(frozen=True)
class Inputs:
    """What one notebook reads: raw source folders, hand table file names, earlier stages' tables."""

    raw: tuple[str, ...] = ()
    hand: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


def _processed(*names: str) -> tuple[str, ...]:
    return tuple(f"data/processed/{n}.csv" for n in names)


INPUTS: dict[str, Inputs] = {
    "00_raw_inventory": Inputs(raw=paths.RAW_SOURCES),
    "01_agreement_history": Inputs(
        raw=("ice_287g", "fbi", "census"),
        hand=("agency_counties.csv", "agency_name_fixes.csv", "agency_ori.csv", "agency_type_fixes.csv",
              "agreement_corrections.csv", "aliases.csv", "blank_state_fixes.csv", "date_fixes.csv",
              "distinct_agencies.csv", "jurisdiction_levels.csv", "list_decisions.csv", "model_fixes.csv",
              "pending_state_fixes.csv", "program_events.csv", "state_fixes.csv"),
    ),
    "02_compare_lists": Inputs(raw=("ice_287g",), tables=_processed("lists", "list_rows")),
    "03_maps": Inputs(
        raw=("ice_287g", "fbi", "census"),
        hand=("agency_counties.csv", "county_fixes.csv", "jurisdiction_levels.csv", "statewide_agency_roles.csv",
              "unplaced_reasons.csv"),
        tables=_processed("list_rows", "lists", "agreements", "agency_roster_matches"),
    ),
    "04_detention": Inputs(
        raw=("ice_287g", "ice_detention", "trac", "census"),
        hand=("superseded_files.csv",),
        tables=_processed("list_rows", "lists", "list_counts", "agreement_places"),
    ),
    "05_news_claims": Inputs(raw=("census",), hand=("news_claims.csv",),
                             tables=_processed("lists", "list_rows", "agreements", "detention_by_state")),
    "06_pending_pipeline": Inputs(raw=("ice_287g", "census"), hand=("distinct_agencies.csv",),
                                  tables=_processed("lists", "list_rows") + ("data/qa/pending_state_corrections.csv",)),
    "07_jails_and_detention": Inputs(
        raw=("ice_detention", "ice_facilities", "census"), hand=("facility_operators.csv",),
        tables=_processed("detention_facilities", "detention_releases", "list_rows", "lists", "agreement_places"),
    ),
    "00_program_history": Inputs(raw=paths.RAW_SOURCES, hand=("program_events.csv",),
                                 tables=_processed("lists", "list_counts")),
}


# ---------------------------------------------------------------------------------------------
# Package imports

# Files of the package that are not modules, with the module that reads them in a notebook's run (the
# page templates only shape HTML, which default runs do not write; the table schemas in tables/ only
# describe and check what a notebook writes, never change it: tests/test_schema.py checks the committed
# tables against them, and the codebook, not a notebook, is rebuilt when one changes).
PACKAGE_DATA = {"publish.charts": ("ice287g.mplstyle",)}


def package_dir() -> Path:
    return Path(__file__).resolve().parents[1]


def imported_modules(module: str) -> set[str]:
    """Modules of the package (``layer.module``, ``layer`` for a subpackage) a module of the package imports
    anywhere in its source (top level or in a function), read as the parse cache reads them
    (``cache.package_imports``)."""
    path = module_file(f"{PACKAGE}.{module}")
    name = f"{PACKAGE}.{module}" + (".__init__" if path.name == "__init__.py" and module != "__init__" else "")
    return _bare(package_imports(name, path.read_text(encoding="utf-8")))


def _bare(modules: set[str]) -> set[str]:
    return {m.partition(".")[2] for m in modules}


def notebook_modules(name: str) -> set[str]:
    """Every package module notebook ``name`` runs: its imports and theirs, transitively (importing any
    module of the package runs ``__init__``, and its subpackage's)."""
    source = paths.notebooks_dir().joinpath(f"{name}.py").read_text(encoding="utf-8")
    todo = _bare(package_imports("notebook", source))
    if re.search(rf"^\s*(?:import|from)\s+{PACKAGE}\b", source, re.MULTILINE):
        todo.add("__init__")
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo |= imported_modules(module)
            if "." in module:
                todo |= {module.rpartition(".")[0], "__init__"}
    return seen


def src_files(name: str) -> list[str]:
    """The package files (modules and the data files they read) notebook ``name`` depends on, relative
    to the project root."""
    files = []
    for module in notebook_modules(name):
        files.append(module_file(f"{PACKAGE}.{module}"))
        for data in PACKAGE_DATA.get(module, ()):
            target = files[-1].parent / data
            files.extend(sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target])
    return sorted("src/" + f.relative_to(package_dir().parent).as_posix() for f in files)


# Tables each stage updates in place (``qa.upsert_summary``): a stage reads the committed copy only to keep
# the other stages' rows, so the read is not an input.
UPSERTED = ("data/qa/qa_summary.csv",)


def problems(name: str, opened: list[str], inputs: Inputs | None = None) -> list[str]:
    """Where notebook ``name``'s recording ``opened`` and its declaration (default ``INPUTS[name]``)
    disagree: a raw source, hand table or earlier table it opened but does not declare, or one it
    declares but did not open. Re-reading its own outputs is neither."""
    inputs = INPUTS[name] if inputs is None else inputs
    own = set(spec(name).outputs) | set(UPSERTED)
    raw = {p.split("/")[2] for p in opened if p.startswith("data/raw/") and p.count("/") >= 3}
    hand = {p.removeprefix("data/hand/") for p in opened if p.startswith("data/hand/")}
    tables = {p for p in opened if not p.startswith(("data/raw/", "data/hand/")) and p not in own}
    found = []
    for kind, read, declared in (("raw source", raw, set(inputs.raw)), ("hand table", hand, set(inputs.hand)),
                                 ("table", tables, set(inputs.tables))):
        found += [f"{name} opened {kind} {x} but stages.INPUTS does not declare it" for x in sorted(read - declared)]
        found += [f"{name} declares {kind} {x} in stages.INPUTS but did not open it" for x in sorted(declared - read)]
    return found


# ---------------------------------------------------------------------------------------------
# Make


def writers_of() -> dict[str, str]:
    """Each declared output and the notebook that writes it (``pipeline.NOTEBOOKS``)."""
    return {out: nb.name for nb in NOTEBOOKS for out in nb.outputs}


def after(name: str) -> list[str]:
    """The notebooks whose tables ``name`` reads, in run order: it runs after them."""
    order = [nb.name for nb in NOTEBOOKS]
    writer = writers_of()
    earlier = set(order[:order.index(name)])
    stages = set()
    for table in INPUTS[name].tables:
        if writer.get(table) not in earlier:
            raise ValueError(f"stages.INPUTS: {name} reads {table}, which no earlier notebook of "
                             "pipeline.NOTEBOOKS declares among its outputs")
        stages.add(writer[table])
    return sorted(stages, key=order.index)


def make_deps() -> str:
    """The Makefile fragment giving every notebook's stamp its prerequisites (``.build/deps.mk``). Raw
    sources stay folders (``RAW_FILES`` filtered when make reads it), so a new raw file needs no rewrite."""
    missing = sorted({nb.name for nb in NOTEBOOKS} - set(INPUTS))
    if missing:
        raise ValueError(f"stages.INPUTS: no entry for {missing}")
    lines = ["# Written by `python -m ice287g make-deps` from ice287g.stages: what each notebook reads. Do not edit."]
    for nb in NOTEBOOKS:
        inputs = INPUTS[nb.name]
        unknown = sorted(set(inputs.raw) - set(paths.RAW_SOURCES))
        if unknown:
            raise ValueError(f"stages.INPUTS: {nb.name} names unknown raw source(s) {unknown}")
        prereqs = [f"$(STAMP)/{s}.done" for s in after(nb.name)]
        if inputs.raw:
            prereqs.append("$(filter " + " ".join(f"data/raw/{s}/%" for s in inputs.raw) + ",$(RAW_FILES))")
        prereqs += [f"data/hand/{h}" for h in inputs.hand] + src_files(nb.name)
        lines.append(f"$(STAMP)/{nb.name}.done: \\\n  " + " \\\n  ".join(prereqs))
    return "\n".join(lines) + "\n"


def write_deps(target: Path | None = None) -> Path:
    target = target or paths.project_root() / ".build" / "deps.mk"
    return writers.write_text(target, make_deps())
