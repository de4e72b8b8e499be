"""One stage commit (``tables.stage_commit.commit``): gate, then every table written together, then the QA rows."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from ice287g.tables import qa, schema, stage_commit, writers
from ice287g.tables.schema import SchemaError
from ice287g.tables.stage_commit import Table

from .conftest import REAL_ROOT

STAGE = "01_agreement_history"
PREVIOUS = "previous\n"


@pytest.fixture
def real():
    """The committed agreements and agencies, and the history stage's committed QA rows (all passing or info)."""
    summary = pd.read_csv(REAL_ROOT / "data/qa/qa_summary.csv", dtype=str, keep_default_na=False)
    checks = summary.loc[summary["stage"] == STAGE, qa.QA_COLUMNS].reset_index(drop=True)
    assert len(checks) and not (checks["status"] == "fail").any()
    return {"agreements": schema.read_committed_table(REAL_ROOT / "data/processed/agreements.csv"),
            "agencies": schema.read_committed_table(REAL_ROOT / "data/processed/agencies.csv"), "checks": checks}


def _tables(project, real, agencies=None):
    proc = project / "data/processed"
    return {proc / "agreements.csv": Table(real["agreements"], ["agreement_id"]),
            proc / "agencies.csv": Table(real["agencies"] if agencies is None else agencies, ["agency_id"])}


def _files(project):
    return sorted(p.relative_to(project).as_posix() for d in ("data/processed", "data/qa")
                  for p in (project / d).iterdir())


def _previous_outputs(project):
    (project / "data/processed/agreements.csv").write_text(PREVIOUS)
    (project / "data/qa/qa_summary.csv").write_text(PREVIOUS)


def test_a_passing_stage_writes_every_table_as_committed_and_records_its_rows(project, real):
    written = stage_commit.commit(STAGE, _tables(project, real), real["checks"])
    assert [p.name for p in written] == ["agreements.csv", "agencies.csv"]
    for name in ("agreements.csv", "agencies.csv"):
        assert (project / "data/processed" / name).read_bytes() == (REAL_ROOT / "data/processed" / name).read_bytes()
    summary = pd.read_csv(project / "data/qa/qa_summary.csv", dtype=str, keep_default_na=False)
    assert set(summary["stage"]) == {STAGE}
    assert sorted(summary["check"]) == sorted(real["checks"]["check"])


def test_a_failed_check_refuses_the_stage_and_writes_nothing(project, real):
    _previous_outputs(project)
    checks = real["checks"].copy()
    failing = checks.loc[0, "check"]
    checks.loc[0, "status"] = "fail"
    with pytest.raises(qa.QAFailure, match=rf"(?s){STAGE}: 1 QA check\(s\) failed.*{re.escape(failing)}"):
        stage_commit.commit(STAGE, _tables(project, real), checks)
    assert _files(project) == ["data/processed/agreements.csv", "data/qa/qa_summary.csv"]
    assert (project / "data/processed/agreements.csv").read_text() == PREVIOUS
    assert (project / "data/qa/qa_summary.csv").read_text() == PREVIOUS


def test_a_table_off_its_schema_writes_no_table(project, real):
    _previous_outputs(project)
    with pytest.raises(SchemaError, match="agencies"):
        stage_commit.commit(STAGE, _tables(project, real, agencies=real["agencies"].drop(columns="agency_id")),
                            real["checks"])
    assert (project / "data/processed/agreements.csv").read_text() == PREVIOUS
    assert _files(project) == ["data/processed/agreements.csv", "data/qa/qa_summary.csv"]


def test_a_write_failing_half_way_renames_no_table(project, real, monkeypatch):
    _previous_outputs(project)
    save, calls = writers.save_csv, []

    def second_fails(out, path, *args):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        save(out, path, *args)

    monkeypatch.setattr(writers, "save_csv", second_fails)
    with pytest.raises(OSError, match="disk full"):
        stage_commit.commit(STAGE, _tables(project, real), real["checks"])
    assert len(calls) == 2 and not calls[0].exists()  # the first table was written, then dropped
    assert (project / "data/processed/agreements.csv").read_text() == PREVIOUS
    assert _files(project) == ["data/processed/agreements.csv", "data/qa/qa_summary.csv"]


def test_a_stage_without_checks_writes_and_leaves_the_summary(project, real):
    _previous_outputs(project)
    stage_commit.commit(STAGE, _tables(project, real))
    assert (project / "data/processed/agencies.csv").exists()
    assert (project / "data/qa/qa_summary.csv").read_text() == PREVIOUS


def test_an_unknown_format_is_refused_before_any_write(project, real):
    with pytest.raises(ValueError, match="no writer for agreements.xlsx"):
        stage_commit.commit(STAGE, {project / "data/processed/agreements.xlsx": real["agreements"]})
    assert _files(project) == []


# Notebooks compute through the package, narrate and plot: a table reaches disk only through the stage commit.
WRITES_DIRECTLY = re.compile(r"\bwriters\b|\b(gate|upsert_summary|upsert_qa|write_csv|write_gpkg|write_parquet)\(")


def direct_writes(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if WRITES_DIRECTLY.search(line)]


def test_the_direct_write_pattern_catches_each_way_round_the_commit():
    for line in ("from ice287g.tables import writers", "writers.write_csv(df, target)", "qa.gate(checks, 's')",
                 "qa_gate.upsert_summary(rows, 's')", "_ = write_gpkg(gdf, t, layer='x')"):
        assert direct_writes(line) == [line]
    assert direct_writes('stage_commit.commit("03_maps", {t: Table(df)}, checks)') == []


def test_no_notebook_writes_a_table_or_gates_itself():
    notebooks = sorted((REAL_ROOT / "notebooks").glob("*.py"))
    assert len(notebooks) > 5
    found = {nb.name: direct_writes(nb.read_text(encoding="utf-8")) for nb in notebooks}
    assert {name: lines for name, lines in found.items() if lines} == {}
    assert sum("stage_commit.commit(" in nb.read_text(encoding="utf-8") for nb in notebooks) >= 8


def test_detention_gates_before_it_writes(project, monkeypatch):
    """A failed detention check leaves every output in place: the gate runs before any write."""
    from ice287g.detention import detention

    def read(rel):
        return schema.read_committed_table(REAL_ROOT / rel)

    det = detention.Detention(
        facilities=read("data/processed/detention_facilities.csv"),
        releases=read("data/processed/detention_releases.csv"),
        by_state=read("data/processed/detention_by_state.csv"),
        population=read("data/processed/detention_population.csv"),
        trac_facilities=read("data/qa/trac_facility_check.csv"),
        unplaced=read("data/qa/unplaced_facilities.csv"))
    assert det.trac_facilities["equal"].all()
    det.trac_facilities.loc[det.trac_facilities.index[0], "equal"] = False  # TRAC's table no longer ICE's
    monkeypatch.setattr(detention, "vs_agreements", lambda *a: read("data/processed/detention_vs_agreements.csv"))
    _previous_outputs(project)
    with pytest.raises(qa.QAFailure, match="(?s)04_detention: 1 QA check.*detention_trac_facilities_equal"):
        detention.write(det, pd.DataFrame(), read("data/processed/lists.csv"))
    assert _files(project) == ["data/processed/agreements.csv", "data/qa/qa_summary.csv"]
    assert (project / "data/qa/qa_summary.csv").read_text() == PREVIOUS
