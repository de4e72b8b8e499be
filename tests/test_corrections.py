"""ICE's corrections to its own lists are joined into one agreement, never counted as events."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.history import agreements, corrections, asof
from ice287g.core.messages import FixError
from ice287g.history.history import agreement_history, earlier_successors

from .synthetic_history import lists_frame, rows_frame

START = "1996-09-30"


def _find(dates, rows, hand_rows=None):
    order = {f"participating-{d}": i for i, d in enumerate(dates)}
    rows = rows.assign(_pos=rows["list_id"].map(order))
    empty = pd.DataFrame(columns=["agreement_before", "agreement_after", "decision", "reason", "line"])
    return corrections.find(rows, dates, START, empty if hand_rows is None else hand_rows)


def _history(dates, rows, hand_rows=None):
    found = _find(dates, rows, hand_rows)
    rows = rows.assign(agreement_id=corrections.agreement_of(rows, found.mapping))
    return agreement_history(rows, lists_frame(dates), corrections_log=found.log), found


DATES = ["2025-06-20", "2025-06-26", "2025-07-01", "2025-07-07"]


def test_a_date_moved_a_day_is_one_agreement_with_the_newest_date():
    rows = rows_frame([(d, "WY", "Laramie County Sheriff's Office", "TFM", "2025-06-12") for d in DATES[:2]]
                      + [(d, "WY", "Laramie County Sheriff's Office", "TFM", "2025-06-11") for d in DATES[2:]])
    h, found = _history(DATES, rows)
    assert len(h) == 1
    r = h.iloc[0]
    assert (r["agreement_id"], r["status"], r["first_listed"], r["lists_seen"], r["corrections"]) == \
        ("WY-laramie-county-sheriffs-office:TFM:2025-06-11", "Active", DATES[0], 4, 1)
    assert found.log[["kind", "signed_before", "signed_after", "last_list_before", "first_list_after"]].values.tolist() \
        == [["signed_date", "2025-06-12", "2025-06-11", DATES[1], DATES[2]]]


def test_a_date_moved_more_than_a_month_is_a_re_signing():
    rows = rows_frame([(d, "AL", "Lawrence County Sheriff's Office", "WSO", "2025-05-20") for d in DATES[:2]]
                      + [(d, "AL", "Lawrence County Sheriff's Office", "WSO", "2025-06-30") for d in DATES[2:]])
    h, found = _history(DATES, rows)
    assert found.log.empty
    assert h.set_index("agreement_id").loc["AL-lawrence-county-sheriffs-office:WSO:2025-05-20", "status"] == "Superseded"


def test_a_later_date_is_not_a_correction_when_a_list_lies_between():
    # the new date appears two lists after the old one's last: not the next list, so not a correction
    rows = rows_frame([(DATES[0], "TX", "Rains County Sheriff's Office", "WSO", "2025-06-12"),
                       (DATES[1], "TX", "Polk County Sheriff's Office", "WSO", "2025-05-07"),
                       (DATES[2], "TX", "Rains County Sheriff's Office", "WSO", "2025-06-20")])
    assert _find(DATES, rows).log.empty


def test_an_earlier_successor_never_supersedes_and_is_reported():
    # a month and more apart on the next list: no rule joins them, and no re-signing carries an earlier date
    rows = rows_frame([(d, "TX", "Rains County Sheriff's Office", "WSO", "2025-06-12") for d in DATES[:2]]
                      + [(d, "TX", "Rains County Sheriff's Office", "WSO", "2025-04-01") for d in DATES[2:]])
    h, found = _history(DATES, rows)
    assert found.log.empty
    assert h.set_index("agreement_id").loc["TX-rains-county-sheriffs-office:WSO:2025-06-12", "status"] == "Removed"
    assert earlier_successors(h)["successor_id"].tolist() == ["TX-rains-county-sheriffs-office:WSO:2025-04-01"]


def test_impossible_year_is_a_typo():
    rows = rows_frame([(DATES[0], "TN", "Grundy County Sheriff's Office", "WSO", "5025-07-07"),
                       (DATES[1], "TN", "Grundy County Sheriff's Office", "WSO", "2025-07-07")])
    assert _find(DATES[:2], rows).log["kind"].tolist() == ["year_typo"]


def test_a_year_early_just_before_the_first_listing_is_a_typo_but_not_a_year_apart_later():
    dates = ["2026-01-13", "2026-04-30", "2026-05-07"]
    rows = rows_frame([(dates[0], "TX", "Tenaha Police Department", "TFM", "2025-01-07"),
                       (dates[1], "TX", "Tenaha Police Department", "TFM", "2025-01-07"),
                       (dates[2], "TX", "Tenaha Police Department", "TFM", "2026-01-07")])
    assert _find(dates, rows).log["kind"].tolist() == ["year_typo"]
    # first listed a year after its printed date was real: the next year's date is a re-signing
    late = ["2025-01-13", "2026-01-20", "2026-02-01"]
    rows = rows_frame([(late[0], "TX", "Tenaha Police Department", "TFM", "2025-01-07"),
                       (late[1], "TX", "Tenaha Police Department", "TFM", "2025-01-07"),
                       (late[2], "TX", "Tenaha Police Department", "TFM", "2026-01-07")])
    assert _find(late, rows).log.empty


def test_a_model_relabelled_with_the_same_date_is_one_agreement():
    dates = ["2011-02-20", "2011-08-18"]
    rows = rows_frame([(dates[0], "AZ", "Arizona Department of Public Safety", "TFM", "2007-04-15"),
                       (dates[1], "AZ", "Arizona Department of Public Safety", "JEM", "2007-04-15")])
    h, found = _history(dates, rows)
    assert found.log["kind"].tolist() == ["model"]
    assert h["agreement_id"].tolist() == ["AZ-arizona-department-of-public-safety:JEM:2007-04-15"]


def _with_counties(rows, counties):
    return rows.assign(county_printed=counties)


def test_an_agreement_moved_to_the_county_board_of_its_county_is_a_correction():
    dates = ["2025-06-26", "2025-07-01"]
    rows = _with_counties(rows_frame([
        (dates[0], "FL", "Okaloosa County Sheriff's Office", "WSO", "2025-02-26"),
        (dates[0], "FL", "Okaloosa County Sheriff's Office", "TFM", "2025-02-26"),
        (dates[1], "FL", "Okaloosa County Department of Corrections", "WSO", "2025-02-26"),
        (dates[1], "FL", "Okaloosa County Sheriff's Office", "TFM", "2025-02-26")]),
        ["Okaloosa County"] * 4)
    h, found = _history(dates, rows)
    assert found.log[["kind", "agency_before", "agency_after"]].values.tolist() == \
        [["agency", "Okaloosa County Sheriff's Office", "Okaloosa County Department of Corrections"]]
    assert sorted(h["status"]) == ["Active", "Active"]


def test_two_agencies_of_one_county_on_one_list_are_never_one_agreement():
    # the doctored case: both printed on the same list with the same model and date, then one leaves
    dates = ["2025-06-26", "2025-07-01"]
    rows = _with_counties(rows_frame([
        (dates[0], "FL", "Okaloosa County Sheriff's Office", "WSO", "2025-02-26"),
        (dates[0], "FL", "Okaloosa County Department of Corrections", "WSO", "2025-02-26"),
        (dates[1], "FL", "Okaloosa County Department of Corrections", "WSO", "2025-02-26")]),
        ["Okaloosa County"] * 3)
    h, found = _history(dates, rows)
    assert found.log.empty and len(h) == 2
    assert h.set_index("agency_id").loc["FL-okaloosa-county-sheriffs-office", "status"] == "Removed"


def test_a_handover_between_two_counties_goes_to_a_person():
    dates = ["2025-07-14", "2025-07-23"]
    rows = _with_counties(rows_frame([
        (dates[0], "FL", "Escambia County Sheriff's Office", "WSO", "2025-02-26"),
        (dates[1], "FL", "Okaloosa County Board of County Commissioners/ Department of Corrections", "WSO",
         "2025-02-26")]), ["Escambia County", "Okaloosa County"])
    found = _find(dates, rows)
    assert found.log.empty
    assert found.candidates["agency_id_a"].tolist() == ["FL-escambia-county-sheriffs-office"]
    # a person joins them: logged as a hand correction with the reason
    hand_rows = pd.DataFrame([{"agreement_before": "FL-escambia-county-sheriffs-office:WSO:2025-02-26",
                               "agreement_after": "FL-okaloosa-county-board-of-county-commissioners-department-of-"
                                                  "corrections:WSO:2025-02-26", "decision": "same",
                               "reason": "doctored", "line": 2}])
    found = _find(dates, rows, hand_rows)
    assert found.log["rule"].tolist() == ["hand: doctored"] and found.candidates.empty


def test_numbered_agencies_of_one_county_are_never_joined():
    dates = ["2025-07-14", "2025-07-23"]
    rows = _with_counties(rows_frame([
        (dates[0], "TX", "Harris County Constable Precinct 2", "TFM", "2025-03-01"),
        (dates[1], "TX", "Harris County Constable Precinct 3", "TFM", "2025-03-01")]), ["Harris County"] * 2)
    assert _find(dates, rows).log.empty


def test_several_partners_go_to_a_person():
    dates = ["2025-02-26", "2025-03-07"]
    rows = rows_frame([(dates[0], "FL", "Gulf County BOCC", "TFM", "2025-02-26"),
                       (dates[1], "FL", "Gulf County Sheriff's Office", "TFM", "2025-02-26"),
                       (dates[1], "FL", "Gulf County Detention Facility", "TFM", "2025-02-26")])
    found = _find(dates, rows)
    assert found.log.empty and len(found.candidates) == 2


def test_a_distinct_hand_row_keeps_a_rule_pair_apart_and_an_unused_one_is_reported():
    rows = rows_frame([(DATES[0], "WY", "Laramie County Sheriff's Office", "TFM", "2025-06-12"),
                       (DATES[1], "WY", "Laramie County Sheriff's Office", "TFM", "2025-06-11")])
    hand_rows = pd.DataFrame([
        {"agreement_before": "WY-laramie-county-sheriffs-office:TFM:2025-06-12",
         "agreement_after": "WY-laramie-county-sheriffs-office:TFM:2025-06-11", "decision": "distinct",
         "reason": "doctored", "line": 2},
        {"agreement_before": "WY-nowhere:TFM:2025-06-12", "agreement_after": "WY-nowhere:TFM:2025-06-11",
         "decision": "same", "reason": "doctored", "line": 3}])
    found = _find(DATES[:2], rows, hand_rows)
    assert found.log.empty
    assert found.unused["value"].tolist() == ["WY-nowhere:TFM:2025-06-12"]


def test_place_evidence():
    def run(agency, state="FL", county=""):
        from ice287g.core.keys import agency_id, agency_key
        key = agency_key(agency)
        return corrections.Run(f"{agency_id(state, key)}:TFM:2025-01-01", agency_id(state, key), state, agency,
                               "TFM", "2025-01-01", county, key, 0, 0)
    assert corrections.place_evidence(run("Pasco County BOCC"), run("Pasco County Sheriff's Office"))
    assert corrections.place_evidence(run("University of West Florida Board of Trustees"),
                                      run("University of West Florida Police Department"))
    assert not corrections.place_evidence(run("Gulf County BOCC"), run("Clay County Sheriff's Office"))
    assert not corrections.place_evidence(run("Louisiana State Patrol", "LA"),
                                          run("Louisiana State Police Department", "LA"))
    # printed counties that differ outweigh a shared word
    assert not corrections.place_evidence(run("Haskell Police Department", "OK", "Muskogee County"),
                                          run("Haskell County Sheriff's Office", "OK", "Haskell County"))
    # ordinals are numbers, ICE's misspelt county word is the county word
    assert corrections.place_evidence(run("Tennessee State Constable 4th District", "TN", "Polk County"),
                                      run("Polk County Constable District 4", "TN", "Polk Conty"))


# ---- the real history (processed outputs) -------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return {"agreements": asof.read_processed("agreements.csv"), "corrections": asof.qa_table("corrections.csv")}


def test_real_no_successor_is_dated_earlier(real):
    ags = real["agreements"]
    sup = ags[ags["status"] == "Superseded"]
    succ = sup["status_reason"].str.extract(r"signing date (\d{4}-\d{2}-\d{2}) from")[0]
    assert succ.notna().all() and (succ > sup["signed"]).all()
    assert earlier_successors(ags).empty


def test_real_corrections(real):
    log, ags = real["corrections"], real["agreements"].set_index("agreement_id")
    # ICE's batch fix of 2025-06-12 to 06-11: one agreement, first listed under the old date
    laramie = ags.loc["WY-laramie-county-sheriffs-office:TFM:2025-06-11"]
    assert laramie["status"] == "Active" and laramie["corrections"] == "1"
    assert laramie["first_listed"] < "2025-07-01"
    assert "WY-laramie-county-sheriffs-office:TFM:2025-06-12" not in ags.index
    kinds = log.groupby("kind").size()
    assert kinds["year_typo"] == 2 and kinds["model"] == 3 and kinds["signed_date"] >= 60
    grundy = log[log["agreement_id"] == "TN-grundy-county-sheriffs-office:WSO:2025-07-07"]
    assert grundy[["kind", "signed_before"]].values.tolist() == [["year_typo", "5025-07-07"]]
    tenaha = log[log["agreement_id"] == "TX-tenaha-police-department:TFM:2026-01-07"]
    assert tenaha[["kind", "signed_before", "last_list_before"]].values.tolist() == \
        [["year_typo", "2025-01-07", "2026-04-30"]]
    # Arizona DPS's task force, relabelled JEM on the list of 2011-08-18: one agreement, not a removal
    azdps = log[log["agreement_id"] == "AZ-arizona-department-of-public-safety:JEM:2007-04-15"]
    assert azdps[["kind", "model_before", "model_after", "first_list_after"]].values.tolist() == \
        [["model", "TFM", "JEM", "2011-08-18"]]
    assert "AZ-arizona-department-of-public-safety:TFM:2007-04-15" not in ags.index
    okaloosa = log[log["agency_before"] == "Okaloosa County Sheriff's Office"]
    assert okaloosa["agency_after"].tolist() == ["Okaloosa County Department of Corrections"]
    assert ags["corrections"].astype(int).sum() == len(log[log["kind"] != "state"])


def test_real_archive_gap_endings_are_lapsed(real):
    ags = real["agreements"]
    lapsed = ags[ags["status"] == "Lapsed"]
    fact = lapsed[lapsed["era"] == "fact_sheet"]
    assert set(fact["last_listed"]) == {"2017-08-01"} and len(fact) >= 40
    assert fact["status_reason"].str.contains("archive gap of 1261 days").all()
    removed = ags[ags["status"] == "Removed"]
    assert not removed["status_reason"].str.contains("just before an archive gap").any()


def test_real_a_correction_is_shown_as_corrected_between_two_lists():
    rows = asof.read_processed("list_rows.csv")
    changes = agreements.compare_lists(rows, "participating-2025-06-26am", "participating-2025-07-01pm")
    laramie = changes[changes["agency_id"] == "WY-laramie-county-sheriffs-office"]
    assert laramie[["change", "model_after", "signed_before", "signed_after"]].values.tolist() == \
        [["corrected", "TFM", "2025-06-12", "2025-06-11"]]
    # a correction is neither an addition nor a removal: the counts still reconcile
    n = changes["change"].value_counts()
    on = rows["list_id"].value_counts()
    assert on["participating-2025-06-26am"] + n.get("added", 0) - n.get("removed", 0) == \
        on["participating-2025-07-01pm"]


@pytest.mark.parametrize("row, message", [
    ("A:TFM:2025-06-12,A:TFM:2025-06-11,maybe,r", "decision must be one of"),
    ("A:TFM:2025-06-12,A:TFM:2025-06-11,same,", "every decision needs a reason"),
    ("A:TFM:2025-06-12,A:TFM:2025-06-11,same,r\nA:TFM:2025-06-12,A:TFM:2025-06-11,distinct,r", "same key"),
])
def test_a_broken_hand_decision_stops_the_build_naming_the_line(tmp_path, row, message):
    path = tmp_path / corrections.HAND_FILE
    path.write_text("agreement_before,agreement_after,decision,reason\n" + row + "\n", encoding="utf-8")
    with pytest.raises(FixError, match=message) as err:
        corrections.load_hand(path)
    assert "line" in str(err.value) or "lines" in str(err.value)
