"""Issue 25, item 2: a genuine ICE workbook that does not parse as its kind is kept (quarantined), never lost,
and the build stops on it at its first stage until a hand table settles it."""
from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from ice287g.acquire import quarantine
from ice287g.archive import manifests
from ice287g.build import cli, pipeline
from ice287g.history import listqa
from ice287g.ingest import lists
from ice287g.acquire.landing import land
from tests.conftest import REAL_RAW, manifest_rows
from tests.workbooks import rezip

ICE = REAL_RAW / "ice_287g"
LIST = ICE / "2026-05-18_participatingAgencies05182026am.xlsx"
WORKBOOK = REAL_RAW / "ice_detention" / "2026-02-05_FY26_detentionStats_02122026.xlsx"
NAME = "participatingAgencies05192026am.xlsx"
FILE = f"2026-05-19_{NAME}"
LIST_ID = "participating-2026-05-19am"
WHEN = "2026-05-19T14:05:00Z"
# row 500 of the real 2026-05-18 list: FLORIDA, Wauchula Police Department
STATE_CELL = '<c r="A500" s="125" t="s"><v>225</v></c>'


def _lost_state() -> bytes:
    """The real list with row 500's STATE cell emptied (its style kept, its value gone)."""
    def edit(body: bytes) -> bytes:
        assert body.count(STATE_CELL.encode()) == 1
        return body.replace(STATE_CELL.encode(), b'<c r="A500" s="125"/>')

    return rezip(LIST.read_bytes(), "xl/worksheets/sheet1.xml", edit)


def _row(raw, source: str, file: str) -> dict:
    _, rows = manifest_rows(raw / source)
    return next(r for r in rows if r["file"] == file)


def _hand_row(project, table: str, line: str) -> None:
    path = project / "data" / "hand" / table
    text = path.read_text(encoding="utf-8")
    path.write_text(text + ("" if text.endswith("\n") else "\n") + line + "\n", encoding="utf-8")


def test_a_list_whose_row_500_lost_its_state_lands_quarantined_naming_blank_state_fixes(archive):
    data = _lost_state()
    url = "https://www.ice.gov/" + NAME
    got = land(data, NAME, url, retrieved=WHEN, final_url=url + "?redirected")
    assert (got.status, got.source, got.file) == ("quarantined", "ice_287g", FILE)
    assert got.reason == (
        f"{NAME}: does not parse as a participating list: {FILE}, sheet 'Sheet1', row 500, column A (STATE): "
        "state is blank (add a row for agency 'Wauchula Police Department' to data/hand/blank_state_fixes.csv); "
        f"the build stops on it until a fix in data/hand makes it parse or data/hand/list_decisions.csv excludes "
        f"list {LIST_ID}")
    assert "data/hand/state_fixes.csv" not in got.reason
    # the bytes are kept as they came, listed with status quarantined and the reason in the notes
    assert (archive / "ice_287g" / FILE).read_bytes() == data
    row = _row(archive, "ice_287g", FILE)
    assert row["status"] == "quarantined"
    assert row["notes"].endswith("quarantined: " + got.reason.split(": ", 1)[1].split("; the build stops")[0])
    assert row["kind"] == "ice_287g_participating_xlsx" and row["as_of_date"] == "2026-05-19"
    assert (row["original_url"], row["final_url"]) == (url, url + "?redirected")
    assert manifests.verify_raw(archive) == []
    # the other rows of the (widened) manifest say nothing in the new column
    header, rows = manifest_rows(archive / "ice_287g")
    assert header[-2:] == ["final_url", "status"]
    assert [(r["status"], r["final_url"]) for r in rows if r["file"] != FILE] == [("", ""), ("", "")]


def test_the_build_stops_on_it_until_a_hand_fix_makes_it_parse(archive, monkeypatch, capsys):
    land(_lost_state(), NAME, "", retrieved=WHEN)
    lines = quarantine.stuck()
    assert lines == [f"data/raw/ice_287g/{FILE}: quarantined, and still: does not parse as a participating list: "
                     "sheet 'Sheet1', row 500, column A (STATE): state is blank (add a row for agency "
                     "'Wauchula Police Department' to data/hand/blank_state_fixes.csv); the build stops on it until "
                     f"a fix in data/hand makes it parse or data/hand/list_decisions.csv excludes list {LIST_ID}"]
    # `ice287g run` stops before any kernel starts, one line per file
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: pytest.fail("a notebook ran"))
    assert cli.main(["run", "01_agreement_history"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [f"run: {lines[0]}"]
    # the fix the reason names makes it parse: the build goes on and reads it like any other list
    _hand_row(archive.parent.parent, "blank_state_fixes.csv",
              "Wauchula Police Department,FLORIDA,row 500 of the 2026-05-19 list lost its state (test)")
    assert quarantine.stuck() == []
    _, read, _, _ = lists.read_all()
    assert read.loc[read["list_id"] == LIST_ID, "rows"].tolist() == [1843]  # as the 2026-05-18 list it was made from


def test_an_excluded_quarantined_list_is_never_read_and_its_decision_matches(archive):
    land(_lost_state(), NAME, "", retrieved=WHEN)
    _hand_row(archive.parent.parent, "list_decisions.csv", f"{LIST_ID},exclude,row 500 lost its state (test)")
    assert quarantine.stuck() == []
    _, read, _, notes = lists.read_all()  # the unparseable file is not read
    assert LIST_ID not in set(read["list_id"])
    assert f"{FILE}: quarantined, and data/hand/list_decisions.csv excludes list {LIST_ID}: not read" in notes
    decisions = lists.list_decisions()
    unread = lists.quarantined_excluded(manifests.manifest("ice_287g"), decisions).values()
    checks = listqa.decision_checks(read, pd.DataFrame(columns=["list_id"]), decisions, unread)
    assert [(c["scope"], c["status"]) for c in checks if c["scope"] == LIST_ID] == [(LIST_ID, "pass")]
    # without the quarantine, the same decision on no list still fails
    checks = listqa.decision_checks(read, pd.DataFrame(columns=["list_id"]), decisions)
    assert [(c["scope"], c["status"]) for c in checks if c["scope"] == LIST_ID] == [(LIST_ID, "fail")]


def test_an_accepted_or_unrelated_decision_does_not_excuse_a_quarantined_list(archive):
    land(_lost_state(), NAME, "", retrieved=WHEN)
    _hand_row(archive.parent.parent, "list_decisions.csv", f"{LIST_ID},accept,looked at it (test)")
    assert len(quarantine.stuck()) == 1
    assert lists.quarantined_excluded(manifests.manifest("ice_287g"), lists.list_decisions()) == {}


def test_a_workbook_of_another_kind_under_a_list_name_is_quarantined_not_refused(archive):
    pending = ICE / "2026-02-27_pendingAgencies02272026am.xlsx"
    got = land(pending.read_bytes(), NAME, "", retrieved=WHEN)
    assert (got.status, got.file) == ("quarantined", FILE)
    assert "the header has no SIGNED column" in got.reason
    got = land(WORKBOOK.read_bytes(), "participatingAgencies05202026am.xlsx", "", retrieved="2026-05-20T12:00:00Z")
    assert got.status == "quarantined" and "does not parse as a participating list" in got.reason
    assert manifests.verify_raw(archive) == []


def test_a_detention_workbook_that_does_not_parse_is_quarantined_until_superseded(archive):
    renamed = rezip(WORKBOOK.read_bytes(), "xl/workbook.xml",
                     lambda b: re.sub(rb'name="Facilities FY26', b'name="Sites FY26', b, count=1))
    got = land(renamed, "FY26_detentionStats_02122026.xlsx", "", retrieved="2026-02-13T00:00:00Z")
    assert (got.status, got.source, got.file) == ("quarantined", "ice_detention",
                                                  "2026-02-12_FY26_detentionStats_02122026.xlsx")
    assert "does not parse as a detention workbook" in got.reason
    assert got.reason.endswith("until a fix in data/hand makes it parse or data/hand/superseded_files.csv lists it")
    assert _row(archive, "ice_detention", got.file)["status"] == "quarantined"
    assert len(quarantine.stuck()) == 1
    _hand_row(archive.parent.parent, "superseded_files.csv",
              f"ice_detention,{got.file},2026-02-05_FY26_detentionStats_02122026.xlsx,renamed sheet (test)")
    assert quarantine.stuck() == []


def test_add_exits_1_on_a_quarantined_file_in_one_line(archive, tmp_path, capsys):
    path = tmp_path / NAME
    path.write_bytes(_lost_state())
    assert cli.main(["add", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"add: quarantined data/raw/ice_287g/{FILE}: does not parse as a ")
    assert "data/hand/blank_state_fixes.csv" in err[0]


def test_a_quarantined_file_is_unchanged_when_it_comes_again(archive):
    first = land(_lost_state(), NAME, "", retrieved=WHEN)
    again = land(_lost_state(), NAME, "", retrieved="2026-05-19T20:00:00Z")
    assert (again.status, again.file) == ("unchanged", first.file)


@pytest.mark.parametrize("what, make", [
    ("an HTML page", lambda: b"<!DOCTYPE html><html><body>Access Denied</body></html>"),
    ("a truncated download", lambda: _lost_state()[:20_000]),
    ("a workbook past a limit", lambda: rezip(LIST.read_bytes(), "xl/worksheets/sheet1.xml", lambda b: b.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', 1))),
])
def test_what_is_no_genuine_workbook_is_still_refused_and_not_stored(archive, what, make):
    before = sorted(p.name for p in (archive / "ice_287g").iterdir())
    got = land(make(), NAME, "", retrieved=WHEN)
    assert got.status == "refused" and got.file == ""
    assert sorted(p.name for p in (archive / "ice_287g").iterdir()) == before


def test_the_real_archive_has_no_quarantined_file_and_the_check_is_silent():
    assert quarantine.quarantined_rows(REAL_RAW / "ice_287g") == []
    assert quarantine.stuck(REAL_RAW) == []


def test_a_manifest_without_the_new_columns_gains_them_only_when_a_row_fills_them(project, tmp_path):
    folder = project / "data" / "raw" / "ice_287g"
    before = (folder / "MANIFEST.csv").read_bytes()
    header, rows = manifest_rows(folder)
    assert "status" not in header and "final_url" not in header
    row = dict(rows[0], file="x.csv", final_url="", status="")
    manifests.append_manifest_rows(folder / "MANIFEST.csv", [row])
    after = (folder / "MANIFEST.csv").read_bytes()
    assert after.startswith(before) and manifest_rows(folder)[0] == header  # appended, header as it was
    shutil.copyfile(folder / "MANIFEST.csv", tmp_path / "m.csv")
    manifests.append_manifest_rows(folder / "MANIFEST.csv", [dict(row, file="y.csv", status="quarantined")])
    widened, rows = manifest_rows(folder)
    assert widened == header + ["status"]
    # every earlier line is the same bytes with one empty cell more
    ending = b"\r\n" if b"\r\n" in before else b"\n"
    old_lines = (tmp_path / "m.csv").read_bytes().split(ending)[1:-1]
    new_lines = (folder / "MANIFEST.csv").read_bytes().split(ending)[1:-2]
    assert new_lines == [line + b"," for line in old_lines]
    assert [r["status"] for r in rows][-1] == "quarantined"
