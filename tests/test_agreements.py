"""The agreement history, checked against real values from real raw files."""
from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from ice287g.ingest.lists import (
    LIST_ROW_COLUMNS,
    MANIFEST_LIST_KINDS,
    Rules,
    file_date,
    parse_archived,
    parse_file,
    read_list,
)
from ice287g.history import listqa
from ice287g.history import asof
from ice287g.core import vocab
from ice287g.core import keys
from ice287g.history import agreements
from ice287g.ingest.lists import ListError
from ice287g.history.history import STATUSES

from .conftest import REAL_RAW, edited_workbook

ICE = REAL_RAW / "ice_287g"
WEB_2023 = ICE / "2023-06-22_ParticipatingEntities-20230622112554.xlsx"
BOOK_2025 = ICE / "2025-06-06_participatingAgencies06062025am.xlsx"
PENDING_2025 = ICE / "2025-06-06_pendingAgencies06062025am.xlsx"


@pytest.fixture(scope="module")
def processed():
    rows = asof.read_processed("list_rows.csv")
    return {"rows": rows, "lists": asof.read_processed("lists.csv"),
            "agreements": asof.read_processed("agreements.csv"), "counts": asof.read_processed("list_counts.csv")}


def test_web_table_2023_counts_by_model_and_state():
    df = read_list(WEB_2023)
    assert list(df.columns[:15]) == LIST_ROW_COLUMNS
    by_model = df.groupby("model").agg(n=("row", "size"), states=("state", "nunique"))
    assert by_model.loc["JEM"].tolist() == [62, 18]
    assert by_model.loc["WSO"].tolist() == [75, 11]
    assert set(df["list_kind"]) == {"participating"} and set(df["era"]) == {"web_table"}
    assert df["signed"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()


def test_workbook_2025_06_06_has_649_rows_277_in_florida_and_79_pending():
    df = read_list(BOOK_2025)
    assert len(df) == 649 and (df["state"] == "FL").sum() == 277
    assert (df["model"] == "TFM").sum() == 315
    assert len(read_list(PENDING_2025)) == 79


def test_rows_are_numbered_as_in_excel_with_printed_values_kept():
    df = read_list(ICE / "2025-05-12_participatingAgencies05122025amB.xlsx")
    row = df[df["row"] == 533].iloc[0]
    assert (row["state"], row["agency"], row["model"]) == ("VA", "Campbell County Sheriff's Office", "TFM")
    assert (row["signed_printed"], row["signed"]) == ("05/082025", "2025-05-08")  # via data/hand/date_fixes.csv


def test_every_curated_manifest_count_is_reproduced():
    from ice287g.archive import manifests

    expected = listqa.manifest_expectations()
    inv = manifests.manifest("ice_287g")
    workbooks = inv.loc[inv["kind"].str.startswith("ice_287g_") & inv["file"].str.endswith(".xlsx"), "file"]
    assert set(expected["source_file"]) == set(workbooks)  # no list workbook left unchecked
    kinds = dict(zip(inv["file"], inv["kind"].map(MANIFEST_LIST_KINDS)))
    rules = Rules.load()  # the hand tables read once for every workbook, as the build reads them
    for e in expected.itertuples(index=False):
        # as the build reads each workbook: with its manifest's list kind, through the parse cache (which
        # test_cache holds to what an uncached parse gives)
        df = parse_archived(ICE / e.source_file, rules, kinds[e.source_file])[0].rows
        got = (len(df), *(int((df["model"] == m).sum()) for m in vocab.MODELS),
               int((df["state"] == "FL").sum()), int((df["state"] == "TX").sum()), df["state"].nunique())
        assert got == (e.rows, e.JEM, e.WSO, e.TFM, e.FL, e.TX, e.states), e.source_file


def test_stacked_roster_yields_one_list_per_capture():
    parsed = parse_file(ICE / "2017-08-01_pre2018-roster-long.csv")
    assert len(parsed.lists) == 33
    first = parsed.rows[parsed.rows["list_date"] == "2011-02-20"]
    assert len(first) == 71  # the caption says 71 agreements
    assert set(first["model"]) == {"JEM", "TFM"}


def test_list_counts_all_all_equal_raw_rows_minus_skipped(processed):
    counts, lists = processed["counts"], processed["lists"]
    total = counts[(counts["state"] == "ALL") & (counts["model"] == "ALL")].set_index("list_id")["agreements"]
    xlsx = lists[lists["sheet"] != ""]
    for r in xlsx.itertuples(index=False):
        assert int(total[r.list_id]) == int(r.rows) - int(r.skipped_rows), r.list_id


def test_list_in_force_and_count_api(processed):
    assert asof.list_in_force("2023-06-30") == ("2023-06-22",
                                                       "2023-06-22_ParticipatingEntities-20230622112554.xlsx")
    assert asof.count("2025-06-06") == 649
    assert asof.count("2025-06-06", state="Florida") == 277
    assert asof.count("2025-06-06", kind="pending") == 79
    assert asof.count("2023-06-30", model="JEM", unit="states") == 18
    assert asof.count("2023-06-30", state="AZ;CA;NM;TX", unit="states") == 2
    assert asof.count("2025-06-06", unit="states") == 40
    # agencies vs agreements: one agency can hold several agreements
    assert asof.count("2026-05-18", unit="agencies") < asof.count("2026-05-18")


def test_territories_count_as_states_as_ice_counts_them(processed):
    assert asof.count("2026-05-18", state="GU;MP", unit="states") == 2
    assert asof.count("2026-05-18", state="Northern Mariana Islands") > 0


def test_api_rejects_bad_arguments(processed):
    with pytest.raises(ValueError, match="model"):
        asof.count("2025-06-06", model="XYZ")
    with pytest.raises(ValueError, match="unknown state"):
        asof.count("2025-06-06", state="Atlantis")
    with pytest.raises(ValueError, match="no participating list"):
        asof.list_in_force("2001-01-01")


def test_agreement_ids_are_stable_and_statuses_explained(processed):
    ags = processed["agreements"]
    assert ags["agreement_id"].is_unique
    assert set(ags["status"]) == set(STATUSES)
    assert (ags["status_reason"] != "").all()
    newest = processed["lists"].query("list_kind == 'participating' and in_series == 'True'")["list_date"].max()
    assert int((ags["status"] == "Active").sum()) == asof.count(newest)


def test_compare_lists_reconciles_counts(processed):
    rows, lists = processed["rows"], processed["lists"]
    a, b = agreements.resolve_list(lists, "first-2025"), agreements.resolve_list(lists, "newest")
    changes = agreements.compare_lists(rows, a, b)
    n = changes["change"].value_counts()
    assert (rows["list_id"] == a).sum() + n.get("added", 0) - n.get("removed", 0) == (rows["list_id"] == b).sum()


def test_agency_key_folds_only_listed_abbreviations():
    assert keys.agency_key("Polk Co. Sheriff’s Office") == keys.agency_key("POLK COUNTY SHERIFF'S OFFICE")
    assert keys.agency_key("Tampa PD") == keys.agency_key("Tampa Police Department")
    assert keys.agency_key("Polk County Sheriff's Office") != keys.agency_key("Polk County Jail")


# ---- bad input: fixtures written to a temp dir from real files ----------------------------------



def test_renamed_column_is_named_with_file_sheet_row_and_column(tmp_path):
    path = edited_workbook(tmp_path, BOOK_2025, lambda ws: setattr(ws["B1"], "value", "AGENCY NAME"))
    with pytest.raises(ListError, match=r"2025-06-06_participatingAgencies06062025am.xlsx, sheet 'Sheet1', "
                                        r"row 1, column B: unrecognized column header 'AGENCY NAME'"):
        read_list(path)


def test_missing_column_is_named(tmp_path):
    path = edited_workbook(tmp_path, BOOK_2025, lambda ws: ws.delete_cols(5))  # SUPPORT TYPE
    with pytest.raises(ListError, match=r"row 1: missing column\(s\) \['SUPPORT TYPE'\]"):
        read_list(path)


def test_unknown_model_label_stops_with_its_cell(tmp_path):
    path = edited_workbook(tmp_path, BOOK_2025, lambda ws: setattr(ws["E7"], "value", "Border Patrol Model"))
    with pytest.raises(ListError, match=r"sheet 'Sheet1', row 7, column E \(SUPPORT TYPE\): unknown model label"):
        read_list(path)


def test_unparseable_date_stops_with_its_cell(tmp_path):
    path = edited_workbook(tmp_path, BOOK_2025, lambda ws: setattr(ws["F9"], "value", "sometime in May"))
    with pytest.raises(ListError, match=r"row 9, column F \(SIGNED\): unparseable date 'sometime in May'"):
        read_list(path)


def test_state_that_matches_nothing_stops(tmp_path):
    path = edited_workbook(tmp_path, BOOK_2025, lambda ws: setattr(ws["A3"], "value", "FLORIDAA"))
    with pytest.raises(ListError, match=r"row 3, column A \(STATE\): state 'FLORIDAA' matches no state"):
        read_list(path)


def test_empty_pending_list_is_valid_and_reported(tmp_path):
    def empty(ws):
        ws.delete_rows(2, ws.max_row)
    path = edited_workbook(tmp_path, PENDING_2025, empty)
    parsed = parse_file(path)
    assert parsed.rows.empty and parsed.lists[0]["list_kind"] == "pending" and parsed.lists[0]["rows"] == 0
    real_empty = read_list(ICE / "2025-11-10_pendingAgencies11102025am.xlsx")
    assert real_empty.empty


def test_blank_rows_are_skipped_and_reported(tmp_path):
    def blank(ws):
        for cell in ws[10]:
            cell.value = None
    parsed = parse_file(edited_workbook(tmp_path, BOOK_2025, blank))
    assert len(parsed.rows) == 648
    assert [(s["row"], s["reason"]) for s in parsed.skipped] == [(10, "blank row")]


def test_truncated_xlsx_stops_naming_the_file(tmp_path):
    target = tmp_path / BOOK_2025.name
    target.write_bytes(BOOK_2025.read_bytes()[:5000])
    with pytest.raises(ListError, match="2025-06-06_participatingAgencies06062025am.xlsx: not a readable xlsx"):
        read_list(target)


def test_file_name_dates_and_their_basis():
    assert file_date("2025-09-02_participatingAgencies090022025am.xlsx").date_basis.startswith(
        "corrected file name")
    assert file_date("2025-06-06_participatingAgencies06062025am.xlsx").date_basis == "file name"
    assert file_date(WEB_2023.name).date_basis == "capture date"


@pytest.fixture
def project_with_rules(project):
    """The throwaway project with the real hand tables and the Census files the state lookup reads."""
    from ice287g.acquire import from_mirror

    shutil.copytree(REAL_RAW.parent / "hand", project / "data" / "hand", dirs_exist_ok=True)
    from_mirror.import_raw(REAL_RAW / "census")
    return project


def test_a_failed_history_build_leaves_outputs_intact(project_with_rules):
    project = project_with_rules
    (project / "data/processed/list_rows.csv").write_text("previous\n")
    (project / "data/hand/model_fixes.csv").write_text("value,fix,reason\n")  # lose the label fixes
    with pytest.raises(ListError, match="unknown model label"):
        agreements.write_history(agreements.build_history())
    assert (project / "data/processed/list_rows.csv").read_text() == "previous\n"


def test_unused_fix_is_reported(project_with_rules):
    with open(project_with_rules / "data/hand/state_fixes.csv", "a") as fh:
        fh.write("ATLANTIS,FLORIDA,test row that matches nothing\n")
    rules = Rules.load()
    parse_file(BOOK_2025, rules)
    unused = pd.DataFrame([u for t in rules.tables() for u in t.unused()])
    assert "ATLANTIS" in set(unused["value"])


def test_wapo_flags_per_year_match_the_manifest_note():
    from ice287g.archive import manifests

    inv = manifests.manifest("ice_287g")
    row = inv[inv["kind"] == agreements.WAPO_KIND].iloc[0]
    noted = {int(y): int(n) for y, n in re.findall(r"y(\d{4})=(\d+)", row["notes"])}
    assert noted  # y2010=63, y2016=38, ...
    flags = agreements.read_wapo_flags(ICE / row["file"])
    per_year = flags.groupby("year").size()
    assert {y: int(per_year[y]) for y in noted} == noted
    assert set(flags["source"]) == {agreements.WAPO_SOURCE}
    assert (flags[flags["agency"] == "Manassas Police Department"]["state"] == "VA").all()


def test_program_milestones_agree_with_the_count_api(processed):
    m = agreements.milestones(processed["lists"], processed["counts"]).set_index("milestone")
    for key in ("start_of_2025", "newest", "last_before_gap", "first_fact_sheet"):
        assert int(m.loc[key, "agreements"]) == asof.count(m.loc[key, "list_date"]), key
    assert m.loc["task_forces_gone", "list_date"] == "2013-04-02"  # README: no Task Force rows from the 2013-04 capture on
    assert m.loc["first_wso_list", "list_date"] == "2021-01-13"
    committed = pd.read_csv(REAL_RAW.parent / "processed" / "program_milestones.csv", dtype={"agreements": int})
    assert committed.set_index("milestone").loc["newest", "agreements"] == m.loc["newest", "agreements"]


def test_era_sources_dates_each_era_from_its_lists(processed):
    lists = processed["lists"]
    ids = lists.loc[lists["list_date"].between("2017-01-01", "2021-12-31"), "list_id"]
    assert agreements.era_sources(lists, ids) == ("fact-sheet roster 2017 (Wayback, deportationdata), "
                                                  "ice.gov table 2021 (Wayback, RelevantResearch)")


def test_milestones_take_the_gap_from_list_gaps_and_the_surge_from_program_events(processed):
    gaps = pd.DataFrame([{"last_list_before": "2013-01-18", "first_list_after": "2015-01-06", "days": 718}])
    events = pd.DataFrame([{"short_label": "EO 14159", "date": "2024-12-31"}])
    m = agreements.milestones(processed["lists"], processed["counts"], gaps, events).set_index("milestone")
    assert m.loc["last_before_gap", "label"] == "last list before the 2013-2015 gap"
    assert m.loc["last_before_gap", "list_date"] == "2013-01-18"
    assert m.loc["start_of_2025", "label"] == "last list on or before 2024-12-31"
    assert m.loc["start_of_2025", "list_date"] == "2024-12-18"
