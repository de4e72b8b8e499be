"""The Makefile's notebooks and their prerequisites, from what each stage of ``registry.NOTEBOOKS`` reads,
and a check of that declaration against what each notebook's kernel actually opened.

Which stage writes a table is its ``outputs``, so a notebook that reads a table waits for the stage
that writes it. The package modules a notebook depends on are its imports, followed through the
package's own imports (``imported_modules``), function-level ones included.

``python -m ice287g make-deps`` writes ``.build/deps.mk``, which the Makefile includes: the notebook
list in run order (``NOTEBOOKS``) and each notebook's stamp with its prerequisites.
Every default (staged) run records the files under ``data/`` its kernel opens for reading in
``.build/opened/<notebook>.txt`` (``kernel.record_opens``, installed by ``ice287g.setup_notebook``);
``problems`` compares such a recording with the declaration.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..core import files, paths
from ..archive.cache import PACKAGE, module_file, package_imports
from .registry import NOTEBOOKS, Inputs
from .registry import declared as declared_stage


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
    found = []
    for module in notebook_modules(name):
        found.append(module_file(f"{PACKAGE}.{module}"))
        for data in PACKAGE_DATA.get(module, ()):
            target = found[-1].parent / data
            found.extend(sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target])
    return sorted("src/" + f.relative_to(package_dir().parent).as_posix() for f in found)


# Tables each stage updates in place (``qa.upsert_summary``): a stage reads the committed copy only to keep
# the other stages' rows, so the read is not an input.
UPSERTED = ("data/qa/qa_summary.csv",)


def problems(name: str, opened: list[str], inputs: Inputs | None = None) -> list[str]:
    """Where notebook ``name``'s recording ``opened`` and its declaration (default its registry ``inputs``)
    disagree: a raw source, hand table or earlier table it opened but does not declare, or one it
    declares but did not open. Re-reading its own outputs is neither."""
    stage = declared_stage(name)
    inputs = stage.inputs if inputs is None else inputs
    own = set(stage.outputs) | set(UPSERTED)
    raw = {p.split("/")[2] for p in opened if p.startswith("data/raw/") and p.count("/") >= 3}
    hand = {p.removeprefix("data/hand/") for p in opened if p.startswith("data/hand/")}
    tables = {p for p in opened if not p.startswith(("data/raw/", "data/hand/")) and p not in own}
    found = []
    for kind, read, declared in (("raw source", raw, set(inputs.raw)), ("hand table", hand, set(inputs.hand)),
                                 ("table", tables, set(inputs.tables))):
        found += [f"{name} opened {kind} {x} but the registry does not declare it" for x in sorted(read - declared)]
        found += [f"{name} declares {kind} {x} in the registry but did not open it" for x in sorted(declared - read)]
    return found


# ---------------------------------------------------------------------------------------------
# Make


def writers_of() -> dict[str, str]:
    """Each declared output and the notebook that writes it."""
    return {out: nb.name for nb in NOTEBOOKS for out in nb.outputs}


def after(name: str) -> list[str]:
    """The notebooks whose tables ``name`` reads, in run order: it runs after them."""
    order = [nb.name for nb in NOTEBOOKS]
    writer = writers_of()
    earlier = set(order[:order.index(name)])
    stages = set()
    for table in NOTEBOOKS[order.index(name)].inputs.tables:
        if writer.get(table) not in earlier:
            raise ValueError(f"registry.NOTEBOOKS: {name} reads {table}, which no earlier notebook declares "
                             "among its outputs")
        stages.add(writer[table])
    return sorted(stages, key=order.index)


def make_deps() -> str:
    """The Makefile fragment (``.build/deps.mk``) naming the notebooks in run order and giving every
    notebook's stamp its prerequisites. Raw sources stay folders (``RAW_FILES`` filtered when make reads
    it), so a new raw file needs no rewrite."""
    lines = ["# Written by `python -m ice287g make-deps` from ice287g.build.registry: the notebooks in run order "
             "and what each reads. Do not edit.",
             "NOTEBOOKS := " + " ".join(nb.name for nb in NOTEBOOKS)]
    for nb in NOTEBOOKS:
        inputs = nb.inputs
        unknown = sorted(set(inputs.raw) - set(paths.RAW_SOURCES))
        if unknown:
            raise ValueError(f"registry.NOTEBOOKS: {nb.name} names unknown raw source(s) {unknown}")
        prereqs = [f"$(STAMP)/{s}.done" for s in after(nb.name)]
        if inputs.raw:
            prereqs.append("$(filter " + " ".join(f"data/raw/{s}/%" for s in inputs.raw) + ",$(RAW_FILES))")
        prereqs += [f"data/hand/{h}" for h in inputs.hand] + src_files(nb.name)
        lines.append(f"$(STAMP)/{nb.name}.done: \\\n  " + " \\\n  ".join(prereqs))
    return "\n".join(lines) + "\n"


def write_deps(target: Path | None = None) -> Path:
    target = target or paths.project_root() / ".build" / "deps.mk"
    return files.write_text(target, make_deps())
