"""The list kind comes from the manifest and must agree with the headers; the decisions table is strict."""
from __future__ import annotations

import csv
import shutil

import pytest

from ice287g.archive import manifests
from ice287g.acquire import from_mirror
from ice287g.ingest import lists
from ice287g.ingest.lists import ListError

from .conftest import REAL_RAW, edited_workbook

ICE = REAL_RAW / "ice_287g"
BOOK_2025 = ICE / "2025-06-06_participatingAgencies06062025am.xlsx"
PENDING_2025 = ICE / "2025-06-06_pendingAgencies06062025am.xlsx"
ROSTER = ICE / "2017-08-01_pre2018-roster-long.csv"



def _drop_signed(ws):
    col = next(c.column for c in ws[1] if c.value and str(c.value).strip().upper() == "SIGNED")
    ws.delete_cols(col)


def test_every_list_kind_in_the_manifest_has_a_list_kind():
    kinds = set(manifests.manifest("ice_287g")["kind"])
    read = {k for k in kinds if k.startswith("ice_287g_")}
    # every kind the manifest holds is read; HTML captures are read once update lands one
    assert read <= set(lists.MANIFEST_LIST_KINDS)
    assert set(lists.MANIFEST_LIST_KINDS) - read <= {"ice_287g_html_capture"}
    assert lists.MANIFEST_LIST_KINDS["ice_287g_html_table_xlsx"] == "participating"


def test_real_workbooks_agree_with_their_manifest_kind():
    assert set(lists.parse_file(BOOK_2025, kind="participating").rows["list_kind"]) == {"participating"}
    assert len(lists.parse_file(PENDING_2025, kind="pending").rows) == 79
    assert len(lists.parse_file(ROSTER, kind=None).lists) == 33


def test_participating_workbook_without_signed_stops_the_build_naming_the_file(tmp_path):
    path = edited_workbook(tmp_path, BOOK_2025, _drop_signed)
    with pytest.raises(ListError, match=r"2025-06-06_participatingAgencies06062025am.xlsx, sheet 'Sheet1', row 1: "
                                        r"the manifest says a participating list, but the header has no SIGNED"):
        lists.parse_file(path, kind="participating")
    # from a path alone the kind is still guessed from the headers
    assert set(lists.read_list(path)["list_kind"]) == {"pending"}


def test_pending_workbook_with_signed_is_refused(tmp_path):
    def add_signed(ws):
        ws.cell(row=1, column=ws.max_column + 1, value="SIGNED")
    path = edited_workbook(tmp_path, PENDING_2025, add_signed)
    with pytest.raises(ListError, match="the manifest says a pending list, but the header has SIGNED"):
        lists.parse_file(path, kind="pending")


def test_stacked_csv_cannot_be_a_pending_list():
    with pytest.raises(ListError, match=r"2017-08-01_pre2018-roster-long.csv: the manifest says a pending list, "
                                        r"but its layout is the fact_sheet roster"):
        lists.parse_file(ROSTER, kind="pending")
    with pytest.raises(ListError, match="unknown list kind 'draft'"):
        lists.parse_file(BOOK_2025, kind="draft")


@pytest.fixture
def project_with_rules(project):
    shutil.copytree(REAL_RAW.parent / "hand", project / "data" / "hand", dirs_exist_ok=True)
    from_mirror.import_raw(REAL_RAW / "census")
    return project


def test_read_all_takes_the_kind_from_the_manifest(project_with_rules):
    rows, found, _, _ = lists.read_all()
    assert set(found["list_kind"]) == {"participating"}
    manifest = project_with_rules / "data/raw/ice_287g/MANIFEST.csv"
    with open(manifest, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        recs, fields = list(reader), reader.fieldnames
    for r in recs:
        if r["file"] == BOOK_2025.name:
            r["kind"] = "ice_287g_pending_xlsx"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(recs)
    manifests._manifest_frame.cache_clear()
    with pytest.raises(ListError, match=r"2025-06-06_participatingAgencies06062025am.xlsx.*manifest says a pending"):
        lists.read_all()


@pytest.mark.parametrize("text, message", [
    ("list_id,reason\n", "columns must be exactly"),
    ("list_id,decision,reason\nparticipating-2025-06-06am,keep,looks fine\n", r"lines \[2\] do not"),
    ("list_id,decision,reason\nparticipating-2025-06-06am,accept,\n", r"lines \[2\] do not"),
    ("list_id,decision,reason\nx,accept,a\nx,exclude,b\n", r"lines 2 and 3 have the same key \(list_id='x'"),
])
def test_a_malformed_decisions_table_stops_the_build(tmp_path, text, message):
    path = tmp_path / "list_decisions.csv"
    path.write_text(text)
    with pytest.raises(ListError, match=message):
        lists.list_decisions(path)


def test_the_real_decisions_table_reads():
    table = lists.list_decisions(REAL_RAW.parent / "hand" / "list_decisions.csv")
    assert list(table.columns) == ["list_id", "decision", "reason"]
