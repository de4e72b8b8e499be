"""Run the notebooks with papermill: serially, on kernel ``ice287g``, from the project root.

Notebooks live in ``notebooks/`` as jupytext ``py:percent`` sources (``NN_name.py``), each paired
with its executed ``.ipynb``, which is committed with volatile metadata stripped. A run with
non-default parameters writes the executed notebook (and rendered HTML) and every output it makes
under ``reports/`` instead, so the committed outputs only ever come from default runs.
"""
from __future__ import annotations

import ast
import contextlib
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError
from papermill.execute import ERROR_MARKER_TAG

from ..archive.manifests import ensure_verified
from ..core import files, paths
from ..publish.site import site_href, spanish_twin
from ..tables import writers
from .kernel import stage_dir
from .kernels import (
    KERNEL_NAME,
    START_TIMEOUT,
    NotebookError,
    ReusedKernel,
    kernel_start_guard,
    kernel_start_lock,
    register_reused_engine,
    reused_kernel,
    set_environment,
)
from .notebook_html import leaked_path, render_html, strip_volatile
from .parameters import ParameterError
from .registry import NOTEBOOKS, READ_FIRST, STATE_REPORT, Stage, validate_parameters


def reading_order() -> list[str]:
    """The order a reader takes: notebooks named ``00_`` first (the history before the inventory), then
    the rest by number. Run order differs: the history runs last because it reads everything."""
    return sorted((nb.name for nb in NOTEBOOKS), key=lambda n: (n[:2], n != READ_FIRST, n))


def spec(name: str) -> Stage:
    name = notebook_stem(name)
    for nb in NOTEBOOKS:
        if nb.name == name:
            return nb
    known = ", ".join(nb.name for nb in NOTEBOOKS)
    raise NotebookError(f"unknown notebook {name!r}; the pipeline has: {known}")


def notebook_stem(name_or_path: str | Path) -> str:
    """``notebooks/00_raw_inventory.py`` / ``00_raw_inventory.ipynb`` / ``00_raw_inventory`` -> stem."""
    return Path(str(name_or_path)).name.split(".")[0]


def source_path(name: str) -> Path:
    return paths.notebooks_dir() / f"{name}.py"


def executed_path(name: str) -> Path:
    return paths.notebooks_dir() / f"{name}.ipynb"


# ---------------------------------------------------------------------------------------------
# Parameters


def parse_value(text: str):
    """Papermill-like typing of a command-line parameter: int, float, bool, None, else string."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def notebook_parameters(nb) -> dict[str, object]:
    """Defaults of the tagged ``parameters`` cell; a notebook without one is an error."""
    params = papermill.inspect_notebook(nb)
    tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1:
        raise NotebookError(f"{nb.metadata.get('ice287g_name', 'notebook')}: needs exactly one cell tagged "
                            f"'parameters' (found {len(tagged)})")
    defaults = {}
    for name, info in params.items():
        try:
            defaults[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            defaults[name] = info["default"]
    return defaults


def non_default(params: Mapping[str, object], defaults: Mapping[str, object], nb_name: str) -> dict[str, object]:
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise NotebookError(f"{nb_name}: unknown parameter(s) {unknown}; it takes {sorted(defaults)}")
    return {k: v for k, v in params.items() if defaults.get(k) != v}


def validated(name: str, params: Mapping[str, object] | None) -> dict[str, object]:
    """``registry.validate_parameters`` before any kernel starts, its refusal as the runner's one-line error."""
    try:
        return validate_parameters(name, dict(params or {}))
    except ParameterError as exc:
        raise NotebookError(str(exc)) from None


def report_slug(nb_name: str, params: Mapping[str, object]) -> str:
    parts = [nb_name] + [f"{k}-{v}" for k, v in sorted(params.items())]
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "__".join(parts))


# ---------------------------------------------------------------------------------------------
# Running


def load_source(name: str):
    src = source_path(name)
    if not src.exists():
        raise NotebookError(f"notebook source {paths.relative(src)} is missing")
    nb = jupytext.read(src)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:03d}"  # jupytext makes random ids; outputs must not change run to run
    nb.metadata["ice287g_name"] = name
    return nb


@dataclass(frozen=True)
class RunResult:
    name: str
    notebook: Path
    html: Path | None
    output_root: Path
    parameters: dict


def run_notebook(name: str, parameters: Mapping[str, object] | None = None, *,
                 kernel_name: str = KERNEL_NAME, check_outputs: bool = True, reuse_kernel: bool = False,
                 stage: RunStage | None = None) -> RunResult:
    """Execute one pipeline notebook; raise NotebookError naming the notebook and failing cell.

    With default parameters the run is staged (``run_staged``): into ``stage``, the stage of a run of
    several notebooks (``run``), which commits them together; else into a stage of its own, so the
    executed notebook replaces ``notebooks/NAME.ipynb`` and its outputs the committed ones only once it
    has succeeded. With other parameters both go under ``reports/NAME__param-value/``.
    ``reuse_kernel`` runs it on this process's ``reused_kernel`` (its in-memory caches emptied first)
    instead of a kernel of its own."""
    ensure_verified()  # no notebook reads a raw file that no longer matches its manifest
    name = notebook_stem(name)
    parameters = validated(name, parameters)
    nb_spec = spec(name) if check_outputs else Stage(name)
    nb = load_source(name)
    changed = non_default(dict(parameters or {}), notebook_parameters(nb), name)
    writers.remove_stale_temp()
    kernel = reused_kernel(kernel_name) if reuse_kernel else None
    if not changed and stage is not None:
        return run_staged(name, nb, nb_spec, stage, kernel_name=kernel_name, kernel=kernel)
    if not changed:
        with staged_run(name) as own:
            return run_staged(name, nb, nb_spec, own, kernel_name=kernel_name, kernel=kernel)
    slug = report_slug(name, changed)
    out_root = paths.reports_dir() / slug
    result = _execute(name, nb, changed, paths.reports_dir() / f"{slug}.ipynb", out_root, kernel_name=kernel_name,
                      html=True, redirect=True, kernel=kernel, forget_caches=True)
    _check_outputs(nb_spec, out_root)
    return result


def _check_outputs(nb_spec: Stage, out_root: Path, before: Mapping[str, tuple] | None = None) -> None:
    """Every output ``nb_spec`` declares exists under ``out_root`` and, given the ``_signatures`` taken
    ``before`` the notebook ran, was written by it (a run stage also holds what earlier notebooks wrote)."""
    after = _signatures(out_root, nb_spec.outputs)
    missing = [o for o in nb_spec.outputs if after[o] is None or (before is not None and after[o] == before[o])]
    if missing:
        raise NotebookError(f"notebook {nb_spec.name} ran but did not write its declared output(s): {missing}; "
                            "committed outputs untouched")


def _signatures(root: Path, outputs: Sequence[str]) -> dict[str, tuple | None]:
    """Each output's inode, size and mtime under ``root`` (None if absent): the writers replace a file by
    renaming a new one onto it, so a file written again, even with the same bytes, changes signature."""
    found = {}
    for output in outputs:
        try:
            st = (root / output).stat()
        except FileNotFoundError:
            found[output] = None
        else:
            found[output] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return found


def failed_dir(name: str) -> Path:
    """Where what a failed default run of ``name`` wrote is kept for inspection (not committed)."""
    return paths.reports_dir() / "failed" / name


@dataclass
class RunStage:
    """The stage of one run (``staged_run``): its folder, and the notebook running now, under whose name
    the stage is kept if the run fails."""

    path: Path
    running: str


@contextlib.contextmanager
def staged_run(first: str) -> Iterator[RunStage]:
    """One stage for every default run of notebooks inside the block (``first`` runs first), all or
    nothing. Each notebook writes into ``stage_dir()`` and reads what the notebooks before it wrote
    there first, the committed files below (the output overlay: ``store._output_path``,
    ``writers.upsert_base``). When the block ends without error, ``commit_stage`` moves every staged
    file over the committed one in one step. On any failure no committed file changes, and what the
    stage held is kept in ``failed_dir`` of the notebook that was running."""
    stage = RunStage(stage_dir(), first)
    shutil.rmtree(stage.path, ignore_errors=True)  # a killed run's leftovers: never committed
    stage.path.mkdir(parents=True)
    try:
        yield stage
    except BaseException as exc:
        kept = _keep_failed_stage(stage.path, failed_dir(stage.running))
        if isinstance(exc, NotebookError) and kept:
            raise NotebookError(f"{exc}\n  what the run wrote is kept in {paths.relative(kept)}/") from None
        raise
    commit_stage(stage.path, paths.project_root())


def run_staged(name: str, nb, nb_spec: Stage, stage: RunStage, *, kernel_name: str = KERNEL_NAME,
               kernel: ReusedKernel | None = None) -> RunResult:
    """A default run into ``stage`` (see ``staged_run``): the notebook writes every output, and the
    runner its executed copy, there; it fails unless it wrote every output it declares. The result
    names where the executed notebook goes once the run commits."""
    root = paths.project_root()
    target = stage.path / executed_path(name).relative_to(root)
    before = _signatures(stage.path, nb_spec.outputs)
    _execute(name, nb, {}, target, stage.path, kernel_name=kernel_name, html=False, redirect=True, kernel=kernel,
             forget_caches=True)
    _check_outputs(nb_spec, stage.path, before)
    return RunResult(name, executed_path(name), None, root, {})


def _keep_failed_stage(stage: Path, keep: Path) -> Path | None:
    shutil.rmtree(keep, ignore_errors=True)
    if not any(p.is_file() for p in stage.rglob("*")):
        shutil.rmtree(stage, ignore_errors=True)
        return None
    keep.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(stage), keep)
    return keep


def commit_stage(stage: Path, root: Path) -> list[str]:
    """Move every file of ``stage`` to the same place under ``root`` (a rename each: both sit on one
    file system) and remove the stage; return the files moved, relative. Outputs go first and the
    executed notebooks last, so an interruption leaves a notebook older than its outputs, never newer;
    the done stamps come after (``run_queue``), so every notebook of an interrupted commit runs again."""
    staged = sorted((p for p in stage.rglob("*") if p.is_file() and not files.STALE_TEMP.match(p.name)),
                    key=lambda p: (p.suffix == ".ipynb", p.relative_to(stage).as_posix()))
    moved = []
    for f in staged:
        rel = f.relative_to(stage)
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, dest)
        moved.append(rel.as_posix())
    shutil.rmtree(stage)
    return moved


def state_reports_folder(as_of: str = "newest") -> str:
    """``states`` for reports on the newest list; ``states_YYYY-MM-DD`` for another date, so a report
    for an earlier date never replaces the current one."""
    as_of = str(as_of)
    return "states" if as_of.lower() == "newest" else f"states_{re.sub(r'[^0-9A-Za-z-]+', '_', as_of)}"


def run_state_report(state: str, as_of: str = "newest", *, kernel_name: str = KERNEL_NAME,
                     reuse_kernel: bool = False, verify: bool = True) -> RunResult:
    """``notebooks/state_report.py`` for one state into ``reports/states/XX.ipynb`` and ``.html`` (for an
    ``as_of`` other than ``newest``, ``reports/states_<as_of>/``); any file it writes goes under
    ``reports/states/XX/``, never over the committed outputs. ``reuse_kernel`` runs it on this process's
    ``reused_kernel`` instead of a kernel of its own; ``verify=False`` skips ``manifests.ensure_verified``
    for a caller that has just run it (``reports.build_reports``, once for every state)."""
    if verify:
        ensure_verified()
    name = STATE_REPORT.name
    params = validated(name, {"state": state, "as_of": as_of})
    state, as_of = params["state"], params["as_of"]
    nb = load_source(name)
    non_default(params, notebook_parameters(nb), name)  # unknown parameter names stop here
    states_dir = paths.reports_dir() / state_reports_folder(as_of)
    result = _execute(name, nb, params, states_dir / f"{state}.ipynb", states_dir / state,
                      kernel_name=kernel_name, html=True, redirect=True,
                      kernel=reused_kernel(kernel_name) if reuse_kernel else None)
    if not result.html or not result.html.exists():
        raise NotebookError(f"state report {state}: no HTML written")
    return result


def relative_href(path: Path, start: Path) -> str:
    """``path`` relative to the folder ``start``, as a URL prefix (``""`` for the same folder)."""
    rel = Path(os.path.relpath(path, start)).as_posix()
    return "" if rel == "." else rel + "/"


def source_links(name: str, executed: Path, page_dir: Path | None = None) -> tuple[tuple[str, str], ...]:
    """Links from a page in ``page_dir`` (default: beside ``executed``) to the executed notebook and its
    ``.py`` source, as the site (``publish.site``) places the three."""
    page_dir = executed.parent if page_dir is None else page_dir
    return (("executed notebook (.ipynb)", site_href(executed, page_dir)),
            ("source (.py)", site_href(source_path(name), page_dir)))


def _execute(name: str, nb, parameters: Mapping[str, object], target: Path, out_root: Path, *,
             kernel_name: str, html: bool, redirect: bool, kernel: ReusedKernel | None = None,
             forget_caches: bool = False) -> RunResult:
    nb.metadata.pop("ice287g_name", None)
    root = paths.project_root()
    scratch = root / ".build" / "papermill"
    scratch.mkdir(parents=True, exist_ok=True)
    raw_out = scratch / f"{target.stem}.ipynb"
    failed = paths.reports_dir() / "failed" / target.name
    env = {"ICE287G_NOTEBOOK": f"notebooks/{name}.ipynb", "ICE287G_ROOT": str(root),
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if redirect:
        env["ICE287G_OUTPUT_ROOT"] = str(out_root)
    if kernel is not None:  # no kernel starts: the reused one takes this run's environment instead
        engine = {"engine_name": register_reused_engine(), "kernel": kernel, "env": env, "kernel_cwd": str(root),
                  "forget_caches": forget_caches}
        guard = contextlib.nullcontext(None)
    else:
        engine = {}
        guard = kernel_start_guard(kernel_start_lock())
    with set_environment(**env), guard as started:
        try:
            papermill.execute_notebook(
                nb, str(raw_out), parameters=dict(parameters) or None, kernel_name=kernel_name,
                cwd=str(root), progress_bar=False, start_timeout=START_TIMEOUT,
                **({"on_notebook_start": started} if started else {}), **engine,
            )
        except PapermillExecutionError as exc:
            cells = _partial_cells(raw_out, nb)
            kept = _keep_failed_copy(raw_out, failed)
            raise NotebookError(
                f"notebook {name} failed in {cell_label(cells, exc.cell_index)} (In [{exc.exec_count}]): "
                f"{exc.ename}: {exc.evalue}\n  cell starts: {_first_line(exc.source)}\n"
                f"  {kept}; committed outputs untouched"
            ) from None
        except Exception as exc:  # the kernel died, timed out or never started: no cell error to report
            cells = _partial_cells(raw_out, nb)
            index = _last_started(cells)
            what = "the kernel died" if type(exc).__name__ == "DeadKernelError" else "execution stopped"
            where = (f"while running {cell_label(cells, index)}\n  cell starts: {_first_line(cells[index].source)}"
                     if index is not None else "before its first cell ran")
            kept = _keep_failed_copy(raw_out, failed)
            raise NotebookError(f"notebook {name}: {what} ({type(exc).__name__}: {str(exc).strip()}) {where}\n"
                                f"  {kept}; committed outputs untouched") from None
    executed = strip_volatile(nbformat.read(raw_out, as_version=4))
    raw_out.unlink()
    leaked = leaked_path(executed, root)
    if leaked:
        files.write_text(failed, nbformat.writes(executed) + "\n")
        raise NotebookError(f"notebook {name}: output contains the machine-specific path {leaked!r} "
                            f"(see {paths.relative(failed)}); outputs must not depend on where the "
                            "project is checked out")
    files.write_text(target, nbformat.writes(executed) + "\n")
    html_path = files.write_text(target.with_suffix(".html"), render_html(
        executed, root=relative_href(paths.reports_dir(), target.parent),
        sources=source_links(name, target), twin=spanish_twin(target.with_suffix(".html")))) if html else None
    return RunResult(name, target, html_path, out_root, dict(parameters))


def cell_label(cells, index: int) -> str:
    """``cell N of M`` numbered as in the source notebook: papermill's injected parameters cell is not
    counted (it is named when it is the one that failed)."""
    injected = [i for i, c in enumerate(cells) if "injected-parameters" in c.get("metadata", {}).get("tags", [])]
    if index in injected:
        return "the injected parameters cell"
    return f"cell {index + 1 - sum(i < index for i in injected)} of {len(cells) - len(injected)}"


def _first_line(source: str | None) -> str:
    lines = (source or "").strip().splitlines()
    return lines[0] if lines else ""


def _partial_cells(raw_out: Path, nb) -> list:
    """The cells as papermill executed them (with its injected cell, without the error banners it adds
    after a failure, which its cell indices do not count), else the source's."""
    try:
        cells = nbformat.read(raw_out, as_version=4).cells
    except Exception:  # not written yet, or cut off mid-write
        return nb.cells
    return [c for c in cells if ERROR_MARKER_TAG not in c.get("metadata", {}).get("tags", [])]


def _last_started(cells) -> int | None:
    """Index of the last cell papermill started (the one running when execution stopped)."""
    started = [i for i, c in enumerate(cells) if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    return started[-1] if started else None


def _keep_failed_copy(raw_out: Path, failed: Path) -> str:
    if not raw_out.exists():
        return "no executed copy was written"
    failed.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(raw_out), failed)
    return f"executed copy kept at {paths.relative(failed)}"


def run(names: Sequence[str] = (), parameters: Mapping[str, object] | None = None, *,
        reuse_kernel: bool = True, done: Callable[[RunResult], None] | None = None,
        passed: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Run the named notebooks (default: all) one after another, in pipeline order, on one kernel
    (``reuse_kernel``: imports are paid once; each notebook still starts from a fresh session and empty
    caches), the default runs in one stage (``staged_run``): the first failure stops the rest and
    commits none. ``passed(result)`` is called as each one succeeds (its outputs still staged: progress
    for a person watching), ``done(result)`` for each, in order, once all have succeeded and committed."""
    order = [nb.name for nb in NOTEBOOKS]
    chosen = sorted({spec(n).name for n in names}, key=order.index) if names else order
    results = []
    with staged_run(chosen[0]) as stage:
        for name in chosen:
            stage.running = name
            results.append(run_notebook(name, parameters, reuse_kernel=reuse_kernel, stage=stage))
            if passed:
                passed(results[-1])
    for result in results:
        if done:
            done(result)
    return results


def queue_path() -> Path:
    """Where ``make`` lists the notebooks whose inputs changed (one name a line, any order, repeats
    allowed), for ``run_queue`` to run in one process."""
    return paths.project_root() / ".build" / "queue"


def done_stamp(name: str) -> Path:
    """The stamp ``make`` compares with a notebook's inputs: touched when a default run succeeds."""
    return paths.project_root() / ".build" / f"{name}.done"


def run_queue(queue: Path | None = None, done: Callable[[RunResult], None] | None = None,
              passed: Callable[[RunResult], None] | None = None) -> list[RunResult]:
    """Run what ``make`` queued (``queue_path``): in pipeline order, on one kernel, in one stage (``run``);
    once all have succeeded and their outputs are committed, each notebook's ``done_stamp`` is touched.
    The queue is emptied first: when any notebook fails, or the run is interrupted (mid-commit too),
    none of the run has a stamp, so the next ``make`` queues them all (and what reads them) again."""
    queue = queue or queue_path()
    if not queue.exists():
        return []
    names = queue.read_text(encoding="utf-8").split()
    queue.unlink()

    def stamp(result: RunResult) -> None:
        done_stamp(result.name).touch()
        if done:
            done(result)

    return run(names, done=stamp, passed=passed) if names else []
