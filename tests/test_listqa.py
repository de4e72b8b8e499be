"""Every QA check of the lists and the history, shown failing on a doctored input, and the one gate."""
from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from ice287g.core import vocab
from ice287g.acquire import from_mirror
from ice287g.history import agreements, listqa
from ice287g.ingest import list_tables, lists
from ice287g.history.history import agreement_history
from ice287g.tables.qa import QAFailure

from .conftest import REAL_RAW

ICE = REAL_RAW / "ice_287g"
BOOK_2025 = ICE / "2025-06-06_participatingAgencies06062025am.xlsx"
NO_DECISIONS = pd.DataFrame(columns=lists.DECISION_COLUMNS)


def synthetic(spec: dict[str, list[tuple[str, str]]], kind: str = "participating"):
    """``list_rows`` and ``lists`` frames from {list_id: [(agency_id, model), ...]}; list ids end in their date."""
    rows, meta = [], []
    for list_id, agreements_on in spec.items():
        date = list_id[-10:]
        meta.append({"list_id": list_id, "list_date": date, "list_kind": kind, "era": "ice_workbook",
                     "time_of_day": "", "in_series": True, "source_file": f"{date}_x.xlsx", "sheet": "Sheet1",
                     "excluded_reason": ""})
        for i, (agency, model) in enumerate(agreements_on, start=2):
            rows.append({"list_id": list_id, "list_date": date, "list_kind": kind, "row": i, "state": "FL",
                         "agency": agency, "agency_id": f"FL:{agency}", "model": model, "signed": "2025-01-01",
                         "source_file": f"{date}_x.xlsx", "era": "ice_workbook"})
    cols = ["list_id", "list_date", "list_kind", "row", "state", "agency", "agency_id", "model", "signed",
            "source_file", "era"]
    return pd.DataFrame(rows, columns=cols), pd.DataFrame(meta)


SIX = [(f"a{i}", "JEM") for i in range(6)]


def decisions(*rows):
    return pd.DataFrame(list(rows), columns=lists.DECISION_COLUMNS)


def summary(list_rows, meta, decided=NO_DECISIONS, cells=None, unused=None, expected=None):
    qa = {"manifest_expectations": expected if expected is not None else pd.DataFrame(columns=["source_file"]),
          "suspicious_drops": listqa.suspicious_drops(list_rows, meta, decided), "list_decisions": decided,
          "raw_agency_cells": cells if cells is not None else pd.DataFrame(
              {"list_id": meta["list_id"], "agency_cells": meta["list_id"].map(list_rows.groupby("list_id").size())
               .fillna(0).astype(int)}),
          "unused_fixes": unused if unused is not None else pd.DataFrame(columns=["table", "state", "value", "fix"]),
          "unknown_values": pd.DataFrame(), "identity_candidates": pd.DataFrame()}
    return listqa.qa_summary(list_rows, meta, [], qa)


def status(table, check, scope=None):
    hit = table[(table["check"] == check) & ((table["scope"] == scope) if scope else True)]
    return hit["status"].tolist()


# ---- suspicious lists ---------------------------------------------------------------------------


def test_a_steady_series_passes():
    rows, meta = synthetic({"participating-2025-01-01": SIX, "participating-2025-02-01": SIX[:5]})
    assert listqa.suspicious_drops(rows, meta, NO_DECISIONS).empty
    assert status(summary(rows, meta), "suspicious_lists_decided") == ["pass"]


def test_an_empty_participating_list_stops_the_build_until_decided():
    rows, meta = synthetic({"participating-2025-01-01": SIX, "participating-2025-02-01": []})
    found = listqa.suspicious_drops(rows, meta, NO_DECISIONS)
    assert found[["list_id", "case", "status"]].values.tolist() == [["participating-2025-02-01", "empty", "fail"]]
    table = summary(rows, meta)
    assert status(table, "suspicious_lists_decided") == ["fail"]
    assert status(table, "suspicious_list", "participating-2025-02-01") == ["fail"]
    with pytest.raises(QAFailure, match="suspicious_list"):
        from ice287g.tables.qa import gate
        gate(table, "01_agreement_history")
    accepted = summary(rows, meta, decisions(["participating-2025-02-01", "accept", "ICE posted an empty sheet"]))
    assert status(accepted, "suspicious_lists_decided") == ["pass"]
    assert status(accepted, "suspicious_list", "participating-2025-02-01") == ["info"]


def test_a_first_list_that_is_empty_is_suspicious_too():
    rows, meta = synthetic({"participating-2025-01-01": []})
    assert listqa.suspicious_drops(rows, meta, NO_DECISIONS)["case"].tolist() == ["empty"]


def test_losing_more_than_a_third_is_suspicious_and_a_third_is_not():
    rows, meta = synthetic({"participating-2025-01-01": SIX, "participating-2025-02-01": SIX[:4],
                            "participating-2025-03-01": SIX[:4] + [("new1", "JEM"), ("new2", "JEM")]})
    assert listqa.suspicious_drops(rows, meta, NO_DECISIONS).empty  # lost 2 of 6: exactly a third
    rows, meta = synthetic({"participating-2025-01-01": SIX,
                            "participating-2025-02-01": SIX[:3] + [(f"n{i}", "JEM") for i in range(3)]})
    found = listqa.suspicious_drops(rows, meta, NO_DECISIONS)
    # the count is flat, but half of the agreements were swapped out: loss is measured, not the net change
    assert found[["case", "lost", "change_pct", "status"]].values.tolist() == [["drop", 3, 0.0, "fail"]]


def test_a_model_change_counts_as_a_loss_but_the_partners_page_compares_agencies():
    rows, meta = synthetic({"participating-2025-01-01": SIX, "participating-2025-02-01": [(a, "WSO") for a, _ in SIX]})
    assert listqa.suspicious_drops(rows, meta, NO_DECISIONS)["lost"].tolist() == [6]
    rows, meta = synthetic({"participating-2025-01-01": [(a, "") for a, _ in SIX], "participating-2025-02-01": SIX})
    assert listqa.suspicious_drops(rows, meta, NO_DECISIONS).empty


def test_pending_lists_are_reported_never_fatal():
    rows, meta = synthetic({"pending-2025-01-01": SIX, "pending-2025-02-01": []}, kind="pending")
    found = listqa.suspicious_drops(rows, meta, NO_DECISIONS)
    assert found["status"].tolist() == ["info"]
    table = summary(rows, meta)
    assert "fail" not in set(table["status"])
    assert status(table, "empty_list", "pending-2025-02-01") == ["info"]


def test_an_excluded_list_is_never_the_previous_list_and_drives_no_removal():
    spec = {"participating-2025-01-01": SIX, "participating-2025-02-01": SIX[:1], "participating-2025-03-01": SIX}
    rows, meta = synthetic(spec)
    excluded = decisions(["participating-2025-02-01", "exclude", "partial capture"])
    found = listqa.suspicious_drops(rows, meta, excluded)
    assert found[["list_id", "decision", "status"]].values.tolist() == [["participating-2025-02-01", "exclude", "info"]]
    # the series without it: every agreement stays Active, none Removed and re-added
    meta.loc[meta["list_id"] == "participating-2025-02-01", "in_series"] = False
    history = agreement_history(rows, meta)
    assert set(history["status"]) == {"Active"} and (history["lists_seen"] == 2).all()
    # and when the excluded list is the newest, it removes nothing either
    rows, meta = synthetic({"participating-2025-01-01": SIX, "participating-2025-02-01": []})
    meta.loc[meta["list_id"] == "participating-2025-02-01", "in_series"] = False
    assert set(agreement_history(rows, meta)["status"]) == {"Active"}


def test_summarize_lists_takes_exclusions_from_the_decisions_table(project):
    (project / "data/hand/list_decisions.csv").write_text(
        "list_id,decision,reason\nparticipating-2025-02-01,exclude,partial capture\n"
        "participating-2025-01-01,accept,looked at it\n")
    rows, meta = synthetic({"participating-2025-01-01": SIX, "participating-2025-02-01": SIX[:1]})
    meta = meta.drop(columns=["in_series", "excluded_reason"]).assign(content_hash=meta["list_id"])
    out = list_tables.summarize_lists(rows, meta, []).set_index("list_id")
    assert out["in_series"].to_dict() == {"participating-2025-01-01": True, "participating-2025-02-01": False}
    assert out.loc["participating-2025-02-01", "series_note"] == (
        "excluded by data/hand/list_decisions.csv: partial capture")


def test_a_decision_on_no_list_fails_and_a_needless_accept_is_reported():
    rows, meta = synthetic({"participating-2025-01-01": SIX, "participating-2025-02-01": SIX})
    table = summary(rows, meta, decisions(["participating-2099-01-01", "exclude", "typo"],
                                          ["participating-2025-02-01", "accept", "was short once"]))
    assert status(table, "list_decision_matches_a_list", "participating-2099-01-01") == ["fail"]
    assert status(table, "list_decision_matches_a_list", "participating-2025-02-01") == ["info"]


# ---- the second count of agency cells ------------------------------------------------------------


def test_agreements_equal_agency_cells_fails_when_the_reader_loses_a_row():
    rows, meta = synthetic({"participating-2025-01-01": SIX})
    cells = pd.DataFrame({"list_id": ["participating-2025-01-01"], "agency_cells": [6]})
    assert status(summary(rows, meta, cells=cells), "agreements_equal_agency_cells") == ["pass"]
    assert status(summary(rows.iloc[1:], meta, cells=cells), "agreements_equal_agency_cells") == ["fail"]
    missing = pd.DataFrame({"list_id": ["participating-2025-01-01"], "agency_cells": [-1]})
    assert status(summary(rows, meta, cells=missing), "agreements_equal_agency_cells") == ["fail"]


def test_the_second_reader_counts_the_real_workbook_and_skips_blanks_and_repeated_headers(tmp_path):
    meta = pd.DataFrame([{"list_id": "participating-2025-06-06am", "source_file": BOOK_2025.name, "sheet": "Sheet1",
                          "list_date": "2025-06-06", "time_of_day": "am"}])
    assert listqa.raw_agency_cells(meta, ICE)["agency_cells"].tolist() == [649]  # 2025-06-06: 649 agreements
    wb = openpyxl.load_workbook(BOOK_2025)
    ws = wb.worksheets[0]
    for cell in ws[10]:
        cell.value = None
    for cell, head in zip(ws[20], ws[1]):
        cell.value = head.value
    wb.save(tmp_path / BOOK_2025.name)
    assert listqa.raw_agency_cells(meta, tmp_path)["agency_cells"].tolist() == [647]
    assert len(lists.read_list(tmp_path / BOOK_2025.name)) == 647


def test_the_second_reader_counts_stacked_csv_lists_per_date():
    parsed = lists.parse_file(ICE / "2017-08-01_pre2018-roster-long.csv")
    meta = pd.DataFrame(parsed.lists)
    cells = listqa.raw_agency_cells(meta, ICE).set_index("list_id")["agency_cells"]
    assert cells["participating-2011-02-20"] == 71  # the 2011-02-20 caption says 71 agreements
    assert cells.to_dict() == parsed.rows.groupby("list_id").size().to_dict()


# ---- the curators' counts and the hand tables -------------------------------------------------


def test_manifest_count_fails_when_a_list_row_changes_state():
    row = listqa.manifest_expectations().set_index("source_file").loc[BOOK_2025.name]
    rows = lists.read_list(BOOK_2025)
    meta = pd.DataFrame(lists.parse_file(BOOK_2025).lists).assign(in_series=True, excluded_reason="")
    expected = listqa.manifest_expectations()
    expected = expected[expected["source_file"] == BOOK_2025.name]
    good = summary(rows, meta, expected=expected)
    assert status(good, "manifest_FL", BOOK_2025.name) == ["pass"] and int(row["FL"]) == 277
    moved = rows.copy()
    moved.loc[moved.index[moved["state"] == "FL"][0], "state"] = "GA"
    bad = summary(moved, meta, expected=expected)
    assert status(bad, "manifest_FL", BOOK_2025.name) == ["fail"]
    assert status(bad, "manifest_rows", BOOK_2025.name) == ["pass"]
    unread = summary(rows.iloc[:0], meta, expected=expected)  # a file in the manifest the build never read
    for check in ("rows", *vocab.MODELS, "FL", "TX", "states"):
        assert status(unread, f"manifest_{check}", BOOK_2025.name) == ["fail"], check


def test_an_unused_fix_fails():
    rows, meta = synthetic({"participating-2025-01-01": SIX})
    stale = pd.DataFrame([{"table": "state_fixes.csv", "state": "", "value": "ATLANTIS", "fix": "FLORIDA"}])
    assert status(summary(rows, meta), "unused_fixes") == ["pass"]
    assert status(summary(rows, meta, unused=stale), "unused_fixes") == ["fail"]


# ---- one gate, before any processed table is written ---------------------------------------------


@pytest.fixture
def project_with_rules(project):
    shutil.copytree(REAL_RAW.parent / "hand", project / "data" / "hand", dirs_exist_ok=True)
    from_mirror.import_raw(REAL_RAW / "census")
    return project


def test_a_project_without_the_fbi_rosters_says_it_has_no_ori_evidence(project_with_rules):
    history = agreements.build_history()
    assert history.roster is None and (history.agencies["ori"] == "").all()
    assert history.qa["notes"]["note"].str.contains("data/raw/fbi is not vendored").any()


def test_a_failed_qa_check_writes_nothing(project_with_rules):
    project = project_with_rules
    (project / "data/processed/list_rows.csv").write_text("previous\n")
    (project / "data/qa/qa_summary.csv").write_text("previous\n")
    with open(project / "data/hand/list_decisions.csv", "a") as fh:
        fh.write("participating-2099-01-01,exclude,a decision on no list\n")
    history = agreements.build_history()
    assert status(history.qa["qa_summary"], "list_decision_matches_a_list") == ["fail"]
    with pytest.raises(QAFailure, match=r"(?s)01_agreement_history: .*list_decision_matches_a_list"):
        agreements.write_history(history)
    assert sorted(p.name for p in (project / "data").glob("*/*.csv") if p.parent.name in ("processed", "qa")) == [
        "list_rows.csv", "qa_summary.csv"]
    assert (project / "data/processed/list_rows.csv").read_text() == "previous\n"
    assert (project / "data/qa/qa_summary.csv").read_text() == "previous\n"


def test_an_empty_participating_workbook_stops_the_build(project_with_rules):
    project = project_with_rules
    path = project / "data/raw/ice_287g" / BOOK_2025.name
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0].delete_rows(2, wb.worksheets[0].max_row)
    wb.save(path)
    (project / "data/processed/list_rows.csv").write_text("previous\n")
    with pytest.raises(QAFailure, match=r"suspicious_list +participating-2025-06-06am +empty \(header only\)"):
        agreements.write_history(agreements.build_history())
    assert (project / "data/processed/list_rows.csv").read_text() == "previous\n"


def test_lost_agreements_counts_what_an_anti_join_leaves():
    before = pd.DataFrame({"agency_id": ["a", "a", "b", "c", "c"], "model": ["JEM", "WSO", "JEM", "TFM", "TFM"]})
    after = pd.DataFrame({"agency_id": ["a", "c", "d"], "model": ["JEM", "TFM", "JEM"]})
    assert listqa.lost_agreements(before, after) == 2  # (a, WSO) and (b, JEM); the repeated (c, TFM) stays
    # a list without models compares agencies alone: only b is gone
    assert listqa.lost_agreements(before, after.assign(model="")) == 1
    assert listqa.lost_agreements(before, after.iloc[:0]) == 4
    anti = before.drop_duplicates().merge(after, how="left", indicator=True)
    assert (anti["_merge"] == "left_only").sum() == 2
