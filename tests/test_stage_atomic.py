"""A stage completes or leaves every committed output as it was (issue 12, items 4, 6, 7 and 12), and a
run of many notebooks commits all of them or none (issue 25, item 16).

Each test runs tiny notebooks on the ``ice287g`` kernel in a throwaway project under git, with the
pipeline's notebook list replaced by those notebooks."""
from __future__ import annotations

import shutil
import subprocess

import nbformat
import pandas as pd
import pytest

from ice287g.build import kernel, kernels, pipeline
from ice287g.tables import qa
from ice287g.tables import schema

from .conftest import REAL_ROOT
from .test_listqa import project_with_rules  # noqa: F401 (a fixture)
from .test_pipeline import BOOM, _write_notebook

# Writes a processed table, a figure's manifest row and 03_maps' QA rows, then passes or fails the gate.
STAGE = """
# %% tags=["parameters"]
status = "pass"

# %%
import pandas as pd
from ice287g.core import paths
from ice287g.tables import qa
from ice287g.publish import charts
from ice287g.tables import writers
writers.write_csv(pd.DataFrame({"label": ["new"]}), paths.processed_dir() / "label.csv")
charts.record_figure(slug="new_figure", title="New", alt_text="A new figure", source="Source: test",
                     notebook="notebooks/98_stage.ipynb", inputs="")
checks = pd.DataFrame([qa.check_row("placement_new", "all", 1, 1, status)])
_ = qa.upsert_summary(checks, "03_maps")

# %%
qa.gate(checks, "03_maps")
"""

# Whole stages in kernels, in throwaway projects: the integration tier (`make test-integration`).
pytestmark = pytest.mark.integration

OUTPUTS = ("data/processed/label.csv", "figures/manifest.csv", "data/qa/qa_summary.csv")
# the same without the summary's upsert: what a stage writes before its gate fails
NO_UPSERT = STAGE.replace('_ = qa.upsert_summary(checks, "03_maps")\n', "")

SUMMARY = pd.DataFrame([
    ["01_agreement_history", "agreements_equal_agency_cells", "participating-2025-06-06am", "1", "1", "pass"],
    ["03_maps", "placement_old", "all", "0", "0", "pass"],
    ["04_detention", "detention_blank_state_reported", "all releases", "0", "0", "pass"],
], columns=["stage", "check", "scope", "value", "expected", "status"])


def _git(project, *args) -> str:
    return subprocess.run(["git", *args], cwd=project, capture_output=True, text=True, check=True).stdout


def _commit_project(project, monkeypatch, notebook: str):
    """The throwaway project under git, with committed outputs of 98_stage and of other stages."""
    _write_notebook(project, "98_stage", notebook)
    monkeypatch.setattr(pipeline, "NOTEBOOKS", (pipeline.Stage("98_stage", outputs=OUTPUTS),))
    (project / "data/processed/label.csv").write_text("label\nold\n")
    (project / "data/processed/other_stage.csv").write_text("kept\n")
    SUMMARY.to_csv(project / "data/qa/qa_summary.csv", index=False, lineterminator="\n")
    (project / "figures/manifest.csv").write_text(
        "slug,title,alt_text,source,notebook,inputs\nold_figure,Old,An old figure,Source: test,"
        "notebooks/01_agreement_history.ipynb,\n")
    (project / "notebooks/98_stage.ipynb").write_text("previous executed notebook\n")
    shutil.copyfile(REAL_ROOT / ".gitignore", project / ".gitignore")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "committed outputs")
    return project


def test_a_qa_failure_leaves_every_committed_output_as_it_was(project, monkeypatch):
    # the notebook's default is doctored so that its QA check fails in a default (committing) run
    _commit_project(project, monkeypatch, NO_UPSERT.replace('status = "pass"', 'status = "fail"'))
    with pytest.raises(pipeline.NotebookError) as err:
        pipeline.run_notebook("98_stage")
    message = str(err.value)
    assert "QAFailure" in message and "placement_new" in message
    assert "committed outputs untouched" in message
    assert _git(project, "status", "--porcelain") == ""
    # what the failed run wrote is kept for inspection, outside the committed folders
    kept = project / "reports/failed/98_stage"
    assert (kept / "data/processed/label.csv").read_text() == "label\nnew\n"
    assert "reports/failed/98_stage/" in message
    assert not kernel.stage_dir().exists()


def test_a_missing_declared_output_leaves_every_committed_output_as_it_was(project, monkeypatch):
    _commit_project(project, monkeypatch, NO_UPSERT)
    monkeypatch.setattr(pipeline, "NOTEBOOKS",
                        (pipeline.Stage("98_stage", outputs=OUTPUTS[:2] + ("figures/never.svg",)),))
    with pytest.raises(pipeline.NotebookError, match=r"figures/never\.svg.*committed outputs untouched"):
        pipeline.run_notebook("98_stage")
    assert _git(project, "status", "--porcelain") == ""


def test_a_successful_stage_replaces_its_outputs_and_keeps_what_other_stages_committed(project, monkeypatch):
    _commit_project(project, monkeypatch, STAGE)
    result = pipeline.run_notebook("98_stage")
    assert result.notebook == project / "notebooks/98_stage.ipynb"
    assert nbformat.read(result.notebook, as_version=4).metadata.kernelspec.name == "ice287g"
    assert (project / "data/processed/label.csv").read_text() == "label\nnew\n"
    summary = pd.read_csv(project / "data/qa/qa_summary.csv", dtype=str)
    assert summary[["stage", "check"]].values.tolist() == [
        ["01_agreement_history", "agreements_equal_agency_cells"], ["03_maps", "placement_new"],
        ["04_detention", "detention_blank_state_reported"]]
    assert pd.read_csv(project / "figures/manifest.csv")["slug"].tolist() == ["new_figure", "old_figure"]
    changed = sorted(line[3:] for line in _git(project, "status", "--porcelain").splitlines())
    assert changed == ["data/processed/label.csv", "data/qa/qa_summary.csv", "figures/manifest.csv",
                       "notebooks/98_stage.ipynb"]
    assert not kernel.stage_dir().exists()


def test_commit_stage_moves_outputs_first_and_the_executed_notebook_last(tmp_path):
    stage, root = tmp_path / "stage", tmp_path / "root"
    for rel in ("notebooks/a.ipynb", "data/processed/b.csv", "figures/c.svg", "data/qa/.d.tmp-x.csv"):
        (stage / rel).parent.mkdir(parents=True, exist_ok=True)
        (stage / rel).write_text(rel)
    assert pipeline.commit_stage(stage, root) == ["data/processed/b.csv", "figures/c.svg", "notebooks/a.ipynb"]
    assert (root / "figures/c.svg").read_text() == "figures/c.svg" and not stage.exists()
    assert not (root / "data/qa/.d.tmp-x.csv").exists()  # a stale temp file is not an output


# ---------------------------------------------------------------------------------------------
# Issue 25, item 16: a run of many notebooks commits all of them or none

# Reads what 98_stage staged and stops: a later stage failing after an earlier one passed.
FAILS = """
# %% tags=["parameters"]
x = 1

# %%
from ice287g.history import asof
label = asof.read_processed("label.csv")["label"].tolist()

# %%
raise ValueError(f"99_fails stops after reading {label}")
"""

# Reads every layer of the overlay (98_stage's staged table, manifest and QA rows; a table only the
# committed copy has; the committed label.csv itself), writes what it saw and adds to both shared tables.
READS = """
# %% tags=["parameters"]
x = 1

# %%
import ice287g
ice287g.setup_notebook("99_reads")
import pandas as pd
from ice287g.core import paths
from ice287g.tables import qa
from ice287g.history import asof
from ice287g.publish import charts
from ice287g.tables import writers
committed = (paths.project_root() / "data/processed/label.csv").read_text().split()[1]
seen = {"staged": asof.read_processed("label.csv")["label"][0], "committed": committed,
        "other": asof.read_processed("other_stage.csv").columns[0],
        "figures": " ".join(sorted(charts.read_manifest()["slug"])),
        "checks": " ".join(sorted(asof.qa_table("qa_summary.csv")["check"]))}
writers.write_csv(pd.DataFrame({"what": list(seen), "value": list(seen.values())}),
                  paths.processed_dir() / "echo.csv")
charts.record_figure(slug="second_figure", title="Second", alt_text="A second figure", source="Source: test",
                     notebook="notebooks/99_reads.ipynb", inputs="")
_ = qa.upsert_summary(pd.DataFrame([qa.check_row("jails_new", "all", 0, 0, "pass")]), "07_jails_and_detention")
"""


def _commit_run(project, monkeypatch, second: str, body: str, outputs: tuple[str, ...] = ()):
    """The throwaway project with 98_stage (which passes) and ``second`` after it, both queued by make
    (their stamps removed, as make's notebook rule does)."""
    _write_notebook(project, second, body)
    _commit_project(project, monkeypatch, STAGE)
    monkeypatch.setattr(pipeline, "NOTEBOOKS", (pipeline.Stage("98_stage", outputs=OUTPUTS),
                                                pipeline.Stage(second, outputs=outputs)))
    pipeline.queue_path().parent.mkdir(parents=True, exist_ok=True)
    pipeline.queue_path().write_text(f"{second}\n98_stage\n")  # make queues in any order


def _committed_bytes(project) -> dict[str, bytes]:
    return {f: (project / f).read_bytes() for f in _git(project, "ls-files").split()}


def test_a_later_stage_failing_leaves_the_earlier_stages_outputs_and_stamps_as_they_were(project, monkeypatch):
    _commit_run(project, monkeypatch, "99_fails", FAILS)
    before = _committed_bytes(project)
    with pytest.raises(pipeline.NotebookError) as err:
        pipeline.run_queue()
    message = str(err.value)
    assert "notebook 99_fails failed" in message and "after reading ['new']" in message  # it read the staged table
    assert "committed outputs untouched" in message
    # 98_stage passed, but nothing of it is committed and neither notebook is stamped: make runs both again
    assert _committed_bytes(project) == before
    assert _git(project, "status", "--porcelain") == ""
    assert sorted(p.name for p in (project / ".build").glob("*.done")) == []
    assert not pipeline.queue_path().exists()
    # what the run staged, 98_stage's outputs included, is kept for inspection under the failing notebook
    kept = project / "reports/failed/99_fails"
    assert (kept / "data/processed/label.csv").read_text() == "label\nnew\n"
    assert (kept / "notebooks/98_stage.ipynb").exists()
    assert "reports/failed/99_fails/" in message
    assert not kernel.stage_dir().exists()


def test_a_later_stage_reads_what_the_earlier_staged_and_all_commit_together(project, monkeypatch):
    _commit_run(project, monkeypatch, "99_reads", READS, outputs=("data/processed/echo.csv",))
    committed_when_stamped = []

    def done(result):  # the stamp is already touched: everything of the run must be committed by now
        committed_when_stamped.append((result.name, pipeline.done_stamp(result.name).exists(),
                                       (project / "data/processed/echo.csv").exists()))

    passed_before_commit = []

    def passed(result):  # progress: the notebook has passed, nothing of the run is committed or stamped yet
        passed_before_commit.append((result.name, pipeline.done_stamp(result.name).exists(),
                                     (project / "data/processed/echo.csv").exists()))

    results = pipeline.run_queue(done=done, passed=passed)
    assert [r.name for r in results] == ["98_stage", "99_reads"]
    assert passed_before_commit == [("98_stage", False, False), ("99_reads", False, False)]
    assert committed_when_stamped == [("98_stage", True, True), ("99_reads", True, True)]
    seen = dict(pd.read_csv(project / "data/processed/echo.csv", dtype=str).values.tolist())
    # staged first, committed below it; while 99_reads ran, the committed label.csv was still the old one
    assert seen == {"staged": "new", "committed": "old", "other": "kept", "figures": "new_figure old_figure",
                    "checks": "agreements_equal_agency_cells detention_blank_state_reported placement_new"}
    # the shared tables carry both notebooks' rows and every committed row of other stages
    assert pd.read_csv(project / "figures/manifest.csv")["slug"].tolist() == ["new_figure", "old_figure",
                                                                              "second_figure"]
    summary = pd.read_csv(project / "data/qa/qa_summary.csv", dtype=str)
    assert summary[["stage", "check"]].values.tolist() == [
        ["01_agreement_history", "agreements_equal_agency_cells"], ["03_maps", "placement_new"],
        ["04_detention", "detention_blank_state_reported"], ["07_jails_and_detention", "jails_new"]]
    assert (project / "data/processed/label.csv").read_text() == "label\nnew\n"
    # what 99_reads opened through the overlay is recorded at its committed path
    opened = kernel.read_recording("99_reads")
    assert {"data/processed/label.csv", "data/processed/other_stage.csv", "data/qa/qa_summary.csv"} <= set(opened)
    assert not any(".build" in p for p in opened)
    assert not kernel.stage_dir().exists()


# ---------------------------------------------------------------------------------------------
# Item 6: each stage replaces only its own rows of qa_summary.csv


def test_upserting_one_stage_keeps_the_other_stages_rows(project):
    SUMMARY.to_csv(project / "data/qa/qa_summary.csv", index=False, lineterminator="\n")
    rows = pd.DataFrame([qa.check_row("manifest_rows", "x.xlsx", 3, 3, "pass"),
                         qa.check_row("unused_fixes", "data/hand", 0, 0, "pass")])
    qa.upsert_summary(rows, "01_agreement_history")
    out = pd.read_csv(project / "data/qa/qa_summary.csv", dtype=str, keep_default_na=False)
    assert out.columns.tolist() == qa.SUMMARY_COLUMNS
    assert out[["stage", "check"]].values.tolist() == [
        ["01_agreement_history", "manifest_rows"], ["01_agreement_history", "unused_fixes"],
        ["03_maps", "placement_old"], ["04_detention", "detention_blank_state_reported"]]


def test_a_report_run_upserts_onto_the_committed_summary(project, monkeypatch):
    SUMMARY.to_csv(project / "data/qa/qa_summary.csv", index=False, lineterminator="\n")
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(project / "reports/x"))
    qa.upsert_summary(pd.DataFrame([qa.check_row("detention_new", "all", 0, 0, "pass")]), "04_detention")
    out = pd.read_csv(project / "reports/x/data/qa/qa_summary.csv", dtype=str)
    assert out["check"].tolist() == ["agreements_equal_agency_cells", "placement_old", "detention_new"]
    assert pd.read_csv(project / "data/qa/qa_summary.csv", dtype=str).equals(SUMMARY)


def test_placement_rows_must_carry_the_prefix():
    from ice287g.places import placement_qa

    rows = pd.DataFrame([qa.check_row("placement_x", "all", 0, 0, "pass")])
    assert placement_qa.prefixed(rows, prefix="placement_") is rows
    with pytest.raises(ValueError, match="detention_x"):
        placement_qa.prefixed(pd.DataFrame([qa.check_row("detention_x", "all", 0, 0, "pass")]), prefix="placement_")


# ---------------------------------------------------------------------------------------------
# Item 7: stale temp files


def test_a_run_removes_temp_files_a_killed_writer_left(project, monkeypatch):
    _commit_project(project, monkeypatch, STAGE)
    stale = [project / "data/processed/.list_rows.tmp-k3j2.csv",
             project / "data/processed/.agreements_by_county.tmp-x1.gpkg-journal",
             project / "notebooks/.98_stage.tmp-ab.ipynb"]
    for p in stale:
        p.write_text("half a fi")
    assert "!! data/processed/.list_rows.tmp-k3j2.csv" in _git(project, "status", "--porcelain", "--ignored")
    pipeline.run_notebook("98_stage")
    assert not any(p.exists() for p in stale)


# ---------------------------------------------------------------------------------------------
# Item 12: notebook errors name the notebook and the cell, counted as in the source

DIES = """
# %% tags=["parameters"]
x = 1

# %%
y = x + 1

# %%
import os
os.kill(os.getpid(), 9)

# %%
print("never")
"""


# The reused kernel's runs write the notebook once, when the run ends (kernels.register_reused_engine): a
# kernel that dies mid-run must still leave the cell it was running named
@pytest.mark.parametrize("reuse_kernel", [False, True], ids=["own kernel", "reused kernel"])
def test_a_dead_kernel_names_the_notebook_and_the_cell_and_touches_nothing(project, monkeypatch, reuse_kernel):
    _commit_project(project, monkeypatch, STAGE)
    _write_notebook(project, "96_dies", DIES)
    _git(project, "add", "-A")
    _git(project, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "dies")
    monkeypatch.setattr(pipeline, "NOTEBOOKS", (pipeline.Stage("96_dies"),))
    try:
        with pytest.raises(pipeline.NotebookError) as err:
            pipeline.run_notebook("96_dies", reuse_kernel=reuse_kernel)
    finally:
        kernels.shutdown_reused_kernels()
    message = str(err.value)
    assert "notebook 96_dies: the kernel died" in message
    assert "while running cell 3 of 4" in message and "cell starts: import os" in message
    assert "executed copy kept at reports/failed/96_dies.ipynb; committed outputs untouched" in message
    assert (project / "reports/failed/96_dies.ipynb").exists()
    assert _git(project, "status", "--porcelain") == ""




def test_the_cell_count_leaves_out_the_injected_parameters_cell(project):
    _write_notebook(project, "99_boom", BOOM)
    with pytest.raises(pipeline.NotebookError) as err:
        pipeline.run_notebook("99_boom", {"x": 2}, check_outputs=False)
    assert "notebook 99_boom failed in cell 3 of 3 (In [" in str(err.value)
    assert (project / "reports/failed/99_boom__x-2.ipynb").exists()


def test_a_failing_injected_cell_is_named_as_such():
    cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
             nbformat.v4.new_code_cell("x = 2", metadata={"tags": ["injected-parameters"]}),
             nbformat.v4.new_code_cell("y = x")]
    assert pipeline.cell_label(cells, 1) == "the injected parameters cell"
    assert pipeline.cell_label(cells, 2) == "cell 2 of 2"
    assert pipeline.cell_label(cells[::2], 1) == "cell 2 of 2"


def test_writing_the_history_alone_keeps_the_placement_and_detention_rows(project_with_rules):
    from ice287g.history import agreements

    project = project_with_rules
    SUMMARY.to_csv(project / "data/qa/qa_summary.csv", index=False, lineterminator="\n")
    history = agreements.build_history()
    checks = history.qa["qa_summary"]  # a sample of the archive fails some checks: keep the rest
    history.qa["qa_summary"] = checks[checks["status"] != "fail"]
    # the sample has no Post workbook: take the committed table so every write passes its schema
    history.wapo = schema.read_committed_table(REAL_ROOT / "data/processed/wapo_agency_years.csv")
    agreements.write_history(history)
    out = pd.read_csv(project / "data/qa/qa_summary.csv", dtype=str, keep_default_na=False)
    others = SUMMARY[SUMMARY["stage"] != "01_agreement_history"].reset_index(drop=True)
    assert out[out["stage"] != "01_agreement_history"].reset_index(drop=True).equals(others)
    assert len(out[out["stage"] == "01_agreement_history"]) == len(history.qa["qa_summary"])
