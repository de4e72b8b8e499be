"""What each notebook reads (declared in ice287g.build.registry): the declaration, the Makefile fragment
ice287g.build.stages writes from it, and the recordings of what each notebook's kernel opened in the last build."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from ice287g.build import kernel, registry, stages
from ice287g.core import paths

REAL_ROOT = Path(__file__).resolve().parents[1]
NAMES = [nb.name for nb in registry.NOTEBOOKS]


def _inputs(name: str) -> registry.Inputs:
    return registry.declared(name).inputs


def _opened_as_declared(name: str) -> list[str]:
    """A recording that opens exactly what ``name`` declares (one file per raw source)."""
    inputs = _inputs(name)
    return sorted([f"data/raw/{s}/MANIFEST.csv" for s in inputs.raw] + [f"data/hand/{h}" for h in inputs.hand]
                  + list(inputs.tables))


def _dependents(*names: str) -> set[str]:
    """``names`` and every notebook that reads, directly or not, a table one of them writes."""
    found = set(names)
    for nb in NAMES:  # run order: a notebook's stages come before it
        if set(stages.after(nb)) & found:
            found.add(nb)
    return found


def _readers(hand: str) -> list[str]:
    return [n for n in NAMES if hand in _inputs(n).hand]


def _detention_table() -> str:
    """A hand table the detention notebook reads and the 287(g) history does not."""
    return next(h for h in _inputs("04_detention").hand if "01_agreement_history" not in _readers(h))


# ---- the declaration ----------------------------------------------------------------------


def test_every_name_a_notebook_declares_it_reads_exists():
    for name in NAMES:
        inputs = _inputs(name)
        assert set(inputs.raw) <= set(paths.RAW_SOURCES), name
        assert all((REAL_ROOT / "data" / "hand" / h).is_file() for h in inputs.hand), name
        assert all(t.startswith(("data/processed/", "data/qa/")) for t in inputs.tables), name
        stages.after(name)  # every table is written by an earlier notebook


def test_a_table_nobody_writes_earlier_is_refused(monkeypatch):
    doctored = tuple(replace(nb, inputs=replace(nb.inputs, tables=("data/processed/agreement_places.csv",)))
                     if nb.name == "01_agreement_history" else nb for nb in registry.NOTEBOOKS)  # 03 writes it
    monkeypatch.setattr(stages, "NOTEBOOKS", doctored)
    with pytest.raises(ValueError, match="01_agreement_history reads data/processed/agreement_places.csv"):
        stages.make_deps()


def test_the_detention_notebook_waits_for_the_history_and_the_maps_only():
    assert stages.after("04_detention") == ["01_agreement_history", "03_maps"]
    assert _detention_table()


def test_notebooks_depend_on_the_modules_they_import_not_on_the_command_line():
    files = stages.src_files("04_detention")
    assert {"src/ice287g/detention/detention.py", "src/ice287g/__init__.py", "src/ice287g/publish/ice287g.mplstyle"} <= set(files)
    assert not {"src/ice287g/build/cli.py", "src/ice287g/acquire/update.py", "src/ice287g/build/reports.py"} & set(files)


def test_no_notebook_depends_on_the_table_schema_files():
    # they describe and check what a notebook writes, never change it: editing one reruns the codebook only
    assert not [f for nb in NAMES for f in stages.src_files(nb) if f.endswith(".yaml")]
    assert "src/ice287g/tables/tableschema.py" in stages.src_files("01_agreement_history")


def test_make_deps_names_each_stamps_prerequisites():
    text = stages.make_deps()
    rules = dict(re.findall(r"(?m)^\$\(STAMP\)/(\S+)\.done: \\\n((?:  .*\n?)+)", text))
    assert list(rules) == NAMES
    assert re.search(r"(?m)^NOTEBOOKS := (.*)$", text).group(1).split() == NAMES  # the Makefile's run order
    prereqs = {name: rule.replace("\\", " ").split() for name, rule in rules.items()}
    assert "$(STAMP)/01_agreement_history.done" in prereqs["02_compare_lists"]
    assert "data/hand/aliases.csv" in prereqs["01_agreement_history"]
    assert not any("$(STAMP)" in p for p in prereqs["00_raw_inventory"] + prereqs["01_agreement_history"])
    assert stages.make_deps() == text


# ---- the recordings -----------------------------------------------------------------------


def test_a_declaration_that_misses_or_invents_an_input_is_reported():
    name = "04_detention"
    opened = _opened_as_declared(name) + ["data/processed/detention_facilities.csv"]  # its own output: fine
    assert stages.problems(name, opened) == []
    hand = _detention_table()
    inputs = _inputs(name)
    missing_hand = replace(inputs, hand=tuple(h for h in inputs.hand if h != hand))
    assert stages.problems(name, opened, missing_hand) == [
        f"{name} opened hand table {hand} but the registry does not declare it"]
    invented = replace(inputs, raw=inputs.raw + ("nowhere",), tables=inputs.tables + ("data/processed/agencies.csv",))
    assert stages.problems(name, opened, invented) == [
        f"{name} declares raw source nowhere in the registry but did not open it",
        f"{name} declares table data/processed/agencies.csv in the registry but did not open it"]


def _recording(name: str) -> list[str]:
    opened = kernel.read_recording(name)
    if opened is None:
        pytest.fail(f"no recording of what {name} opens ({paths.relative(kernel.recording_path(name))}): a default "
                    "run writes it; run `make all` (or `python -m ice287g run NAME`) before this test")
    return opened


@pytest.mark.built
@pytest.mark.parametrize("name", NAMES)
def test_each_notebook_opened_exactly_what_it_declares(name):
    opened = _recording(name)
    assert stages.problems(name, opened) == [], (
        "The registry's inputs disagree with what the notebook opened in its last run (.build/opened/); fix the "
        "declaration, or rerun `make all` if the notebook changed since")


@pytest.mark.built
def test_the_real_recording_catches_a_doctored_declaration():
    name = "01_agreement_history"
    opened = _recording(name)
    inputs = _inputs(name)
    doctored = replace(inputs, hand=inputs.hand[1:])
    assert stages.problems(name, opened, doctored) == [
        f"{name} opened hand table {inputs.hand[0]} but the registry does not declare it"]


def test_a_run_with_parameters_records_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("ICE287G_ROOT", str(tmp_path))
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(tmp_path / "reports" / "03_maps__zoom_state-TX"))
    assert kernel.record_opens("03_maps") is None
    assert not (tmp_path / ".build").exists()


# ---- make, in question mode, on a copy of the project's file names -------------------------


# Named to make, and recorded in the copy's .venv/.python, so the environment counts as built by it.
BUILT_WITH = "/opt/python-that-built-the-environment/bin/python3"


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory) -> Path:
    """The tracked files (empty, except the Makefile) as a built project: every stamp and the
    environment newer than every source, so ``make -n all`` plans no notebook until a file is touched."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    root = tmp_path_factory.mktemp("built")
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REAL_ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    old = int(time.time()) - 3600
    for rel in tracked:
        if rel.startswith(".venv"):  # a worktree's link to the shared environment
            continue
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel == "Makefile":
            shutil.copyfile(REAL_ROOT / rel, target)
        else:
            target.touch()
        os.utime(target, (old, old))
    for folder in (root / "data" / "raw").rglob("*"):  # source folders too: make watches them for removals
        if folder.is_dir():
            os.utime(folder, (old, old))
    (root / ".build").mkdir()
    (root / ".build" / "deps.mk").write_text(stages.make_deps())
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / ".python").write_text(f"{BUILT_WITH}\n")  # the Python make is told built .venv
    for made in [root / ".venv" / ".python", root / ".venv" / ".installed", root / ".venv" / "bin" / "python", root / ".build" / "deps.mk",
                 root / ".build" / "docs.done", root / ".build" / "verified"] + [root / ".build" / f"{n}.done" for n in NAMES]:
        made.touch()
        os.utime(made, (old + 600, old + 600))
    return root


def _make_n(root: Path, touched: str | None = None) -> str:
    was = (root / touched).stat().st_mtime if touched else None
    if touched:
        os.utime(root / touched)  # now: newer than every stamp
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    done = subprocess.run(["make", "-n", "all", f"PYTHON={BUILT_WITH}"], cwd=root, capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    if touched:
        os.utime(root / touched, (was, was))
    return done.stdout


def _planned(root: Path, touched: str | None = None) -> list[str]:
    return re.findall(r"echo (\S+) >> \.build/queue", _make_n(root, touched))


def test_the_raw_files_are_verified_again_only_when_one_changes(built_copy):
    assert "verify-raw" not in _make_n(built_copy)
    assert "verify-raw" in _make_n(built_copy, "data/raw/census/MANIFEST.csv")


def test_make_plans_nothing_on_a_built_project(built_copy):
    assert _planned(built_copy) == []


def test_editing_a_detention_hand_table_reruns_detention_not_the_287g_notebooks(built_copy):
    table = _detention_table()
    planned = _planned(built_copy, f"data/hand/{table}")
    assert "04_detention" in planned and "01_agreement_history" not in planned
    assert set(planned) == _dependents(*_readers(table))


def test_a_new_ice_list_reruns_the_history_and_what_reads_it(built_copy):
    newest = sorted(p.name for p in (REAL_ROOT / "data" / "raw" / "ice_287g").iterdir()
                    if p.suffix in (".xlsx", ".csv") and p.name != "MANIFEST.csv")[-1]
    planned = _planned(built_copy, f"data/raw/ice_287g/{newest}")
    expected = _dependents(*(n for n in NAMES if "ice_287g" in _inputs(n).raw))
    assert planned == [n for n in NAMES if n in expected]  # in run order
    assert "01_agreement_history" in planned
    assert "04_detention" in planned  # it reads the history's tables
