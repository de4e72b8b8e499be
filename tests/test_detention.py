"""Detention workbooks, checked against real values and against TRAC's own tables."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.detention import detention
from ice287g.detention.trac import trac_facility_check
from ice287g.history import asof
from ice287g.detention.detention import DetentionError
from ice287g.tables.qa import QAFailure, gate

from .conftest import REAL_RAW, edited_workbook

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

DET = REAL_RAW / "ice_detention"
FY19 = DET / "2019-10-07_FY19-detentionstats.xlsx"
EOFY23 = DET / "2023-09-30_FY23_detentionStats10312023.xlsx"
APR26 = DET / "2026-04-02_FY26_detentionStats_04092026.xlsx"  # a third party's re-save, superseded
APR26_ICE = DET / "2026-04-02_FY26_detentionStats_04092026_ice-original.xlsx"


@pytest.fixture(scope="module")
def built():
    return detention.build()


def test_facilities_found_by_header_in_every_layout():
    df, facts = detention.read_facilities(FY19)
    assert (facts["sheet"], facts["header_row"], facts["facilities"]) == ("Facilities FY19", 7, 213)
    first = df.iloc[0]
    assert (first["facility"], first["city"], first["state"], first["zip"], first["row"]) == (
        "STEWART DETENTION CENTER", "LUMPKIN", "GA", "31815", 8)
    assert first["adp_total"] == pytest.approx(1150.150684931497 + 314.98356164383506 + 237.8712328767115
                                               + 207.53698630136904)
    _, facts = detention.read_facilities(EOFY23)
    assert (facts["header_row"], facts["facilities"]) == (6, 115)
    df, facts = detention.read_facilities(APR26)
    assert (facts["header_row"], facts["facilities"], df.iloc[0]["zip"]) == (10, 203, "39120")
    assert df["adp_total"].sum() == pytest.approx(66161.70, abs=0.01)


def test_every_release_parses_with_the_manifest_facility_count(built):
    assert len(built.releases) == 45
    assert built.releases["facilities"].tolist()[:3] == [213, 170, 135]
    assert built.releases.set_index("release_date").loc["2025-06-23", "blank_levels"] == 25


def test_currently_detained_tables(built):
    t = detention.read_detained(APR26, 2026)
    assert (t["ice_all"], t["cbp_all"], t["total_all"], t["table_date"]) == (51428, 8883, 60311, "2026-04-04")
    # 2025-12-26 carries a stray EOFY2020 sheet first; the FY26 sheet is the release's own table
    t = detention.read_detained(DET / "2025-12-26_FY26_detentionStats01082026.xlsx", 2026)
    assert t["total_all"] == 68990


def test_trac_daily_population_equals_the_workbooks_with_every_exception_explained(built):
    pop = built.population
    assert pop["match"].value_counts().to_dict() == {
        "exact": 38, "same values, other date": 4, "no_trac_row": 2, "ice_cbp_swapped": 1}
    swapped = pop[pop["match"] == "ice_cbp_swapped"].iloc[0]
    assert (swapped["release_date"], swapped["ice_all"], swapped["trac_ice_all"]) == ("2025-02-18", 21137, 22622)
    assert (pop.loc[pop["match"] != "exact", "reason"] != "").all()


def test_trac_facility_table_equals_the_workbook_facility_by_facility(built):
    check = built.trac_facilities
    assert (check["release_date"].unique().tolist(), len(check), int(check["equal"].sum())) == (
        ["2026-04-02"], 203, 203)


def test_trac_facilities_match_by_name_and_city_then_city_and_zip():
    placed = pd.DataFrame({
        "release_date": ["2026-01-01"] * 4 + ["2026-02-01"],
        "facility": ["A JAIL", "B CENTER", "C ONE", "C TWO", "A JAIL"],
        "city": [" Town ", "Town", "Ville", "Ville", "Town"],
        "zip": ["11111", "22222-0001", "33333", "33333", "11111"],
        "state": ["AA", "BB", "CC", "CC", "AA"],
        "adp_total": [10.4, 5.5, float("nan"), 1.0, 99.0]})
    trac = pd.DataFrame({
        "name": ["Total", "A JAIL", "B RENAMED", "C THREE", "NOWHERE", "A JAIL"],
        "detention_facility_city": ["", "TOWN", "town", "VILLE", "TOWN", "TOWN"],
        "detention_facility_state": ["", "AA", "BB", "CC", "AA", "AA"],
        "detention_facility_zip": ["", "11111", "22222", "33333", "99999", "11111"],
        "download_date": ["2026-01-01"] * 5 + ["2026-03-01"],  # no release on 2026-03-01: left out
        "order": [0, 1, 2, 3, 4, 1],
        "count_num": [0, 10, 6, 1, 3, 10]})
    check = trac_facility_check(placed, trac)
    assert check[["trac_name", "ice_name", "ice_count", "matched_by", "equal"]].values.tolist() == [
        ["A JAIL", "A JAIL", 10, "name and city", True],  # the printed city is stripped and upper-cased
        ["B RENAMED", "B CENTER", 6, "city and zip (name differs)", True],  # 5.5 rounds to even
        ["C THREE", "", pd.NA, "2 candidates", False],
        ["NOWHERE", "", pd.NA, "0 candidates", False]]


def test_state_adp_reproduces_published_figures(built):
    fy23 = detention.state_adp(fiscal_year=2023).set_index("state")["adp_total"].round()
    assert fy23[["TX", "LA", "CA"]].tolist() == [10300, 4562, 1955]
    fy25 = detention.state_adp(fiscal_year=2025)
    assert fy25["state"].head(5).tolist() == ["TX", "LA", "CA", "GA", "AZ"]
    assert fy25["adp_total"].round().head(5).tolist() == [13415, 7493, 3801, 3022, 2690]
    assert detention.state_adp(as_of="2026-04-30")["release_date"].iloc[0] == "2026-04-02"


def test_fiscal_year_end_only_once_the_year_is_over(built):
    r = built.releases.set_index("release_date")
    assert bool(r.loc["2025-09-15", "fy_end"]) and not bool(r.loc["2026-04-02", "fy_end"])
    assert bool(r.loc["2026-04-02", "fy_latest"])
    assert r.loc["2026-04-02", "fy_end_flag"] == ""  # still running: not a year-end, but nothing to flag


def test_every_year_end_release_is_near_the_end_of_september(built):
    assert detention.FY_END_WINDOW_DAYS == 45
    ends = built.releases[built.releases["fy_end"]].set_index("fiscal_year")
    assert ends["days_from_sep30"].to_dict() == {2019: 7, 2020: 0, 2021: -3, 2022: -11, 2023: 0, 2024: 7, 2025: -15}
    assert (built.releases["fy_end_flag"] == "").all()  # no year is flagged today
    checks = detention.qa_rows(built.releases, built.facilities, built.unplaced, built.trac_facilities)
    near = checks[checks["check"] == "detention_fy_end_near_sep30"]
    assert len(near) == 7 and (near["status"] == "pass").all()
    assert near.set_index("scope").loc["FY2025", "value"] == "2025-09-15 (-15 days)"


def test_a_last_release_far_from_the_end_of_september_is_flagged_not_a_year_end():
    releases = pd.DataFrame({"release_date": ["2021-06-14", "2022-09-26", "2022-12-05"], "fiscal_year": [2021, 2022, 2023],
                             "source_file": ["a.xlsx", "b.xlsx", "c.xlsx"]})
    r = detention.year_ends(releases).set_index("fiscal_year")
    assert r["fy_end"].tolist() == [False, True, False]
    assert r.loc[2021, "days_from_sep30"] == -108
    assert r.loc[2021, "fy_end_flag"] == ("not a true year-end: the year's last archived release is 108 days before "
                                          "30 September (more than 45)")
    empty = pd.DataFrame(columns=["facility", "state", "county_fips", "reason"])
    checks = detention.qa_rows(r.reset_index(), empty, empty, pd.DataFrame(columns=["release_date", "equal"]),
                               skipped=pd.DataFrame(columns=detention.SUPERSEDED_COLUMNS))
    assert checks.set_index("scope").loc["FY2021", "status"] == "info"
    assert checks.set_index("scope").loc["FY2022", "status"] == "pass"


def test_ices_original_workbook_is_read_and_the_re_save_is_skipped_and_reported(built):
    books = detention.workbooks()["file"].tolist()
    assert APR26_ICE.name in books and APR26.name not in books
    skipped = detention.superseded()
    assert skipped[["file", "superseded_by"]].values.tolist() == [[APR26.name, APR26_ICE.name]]
    assert "LibreOffice" in skipped["reason"].iloc[0]
    r = built.releases.set_index("release_date")
    assert r.loc["2026-04-02", "source_file"] == APR26_ICE.name and r.loc["2026-04-02", "blank_state"] == 1
    checks = detention.qa_rows(built.releases, built.facilities, built.unplaced, built.trac_facilities)
    row = checks[checks["check"] == "detention_superseded_skipped"].iloc[0]
    assert (row["scope"], row["status"]) == (APR26.name, "pass")


def test_the_original_keeps_imperial_regional_without_a_state_and_reports_it(built):
    df, facts = detention.read_facilities(APR26_ICE)
    assert (facts["facilities"], facts["blank_state"]) == (203, 1)
    assert df["adp_total"].sum() == pytest.approx(66161.70, abs=0.01)
    imperial = df[df["facility"] == "IMPERIAL REGIONAL DETENTION FACILITY"].iloc[0]
    assert (imperial["state"], imperial["city"], imperial["row"]) == ("", "CALEXICO", 100)
    assert "STE. GENEVIEVE COUNTY SHERIFF/JAIL" in set(df["facility"])
    kept = built.facilities[(built.facilities["release_date"] == "2026-04-02")
                            & (built.facilities["facility"] == "IMPERIAL REGIONAL DETENTION FACILITY")]
    assert len(kept) == 1 and kept["state"].iloc[0] == "" and round(kept["adp_total"].iloc[0]) == 658
    u = built.unplaced.set_index("facility").loc["IMPERIAL REGIONAL DETENTION FACILITY"]
    assert (u["state"], u["reason"], u["last_release"]) == ("", "no state printed", "2026-04-02")
    check = built.trac_facilities  # TRAC carries ICE's original values: every facility equal, by name and city
    assert (len(check), int(check["equal"].sum())) == (203, 203)
    assert (check["matched_by"] == "name and city").all()


def test_detention_qa_checks_fail_on_doctored_input(built):
    args = (built.releases, built.facilities, built.unplaced, built.trac_facilities)
    good = detention.qa_rows(*args)
    assert (good["status"] != "fail").all()
    # a superseded file whose replacement is not read
    bad = detention.superseded().assign(superseded_by="2026-04-02_missing.xlsx")
    rows = detention.qa_rows(*args, skipped=bad)
    assert rows.loc[rows["check"] == "detention_superseded_skipped", "status"].tolist() == ["fail"]
    # TRAC's table disagreeing with ICE's on one facility
    trac = built.trac_facilities.copy()
    trac.loc[trac.index[0], "equal"] = False
    rows = detention.qa_rows(built.releases, built.facilities, built.unplaced, trac)
    assert rows.set_index("check").loc["detention_trac_facilities_equal", ["value", "status"]].tolist() == [
        "202/203", "fail"]
    # a blank-state facility missing from the unplaced report
    unplaced = built.unplaced[built.unplaced["facility"] != "IMPERIAL REGIONAL DETENTION FACILITY"]
    rows = detention.qa_rows(built.releases, built.facilities, unplaced, built.trac_facilities)
    assert rows.set_index("check").loc["detention_blank_state_reported", "status"] == "fail"
    with pytest.raises(QAFailure, match="detention_trac_facilities_equal"):
        gate(detention.qa_rows(built.releases, built.facilities, built.unplaced, trac), "04_detention")


def test_two_workbooks_for_one_release_stop_the_build(monkeypatch):
    monkeypatch.setattr(detention, "superseded", lambda source="ice_detention": pd.DataFrame(
        columns=detention.SUPERSEDED_COLUMNS))
    books = detention.workbooks()
    monkeypatch.setattr(detention, "workbooks", lambda: books[books["as_of_date"] >= "2026-04-02"])
    with pytest.raises(DetentionError, match="more than one workbook for release.*2026-04-02.*superseded_files.csv"):
        detention.read_all()


def test_releases_without_a_recent_list_are_not_set_beside_agreements(built):
    lists = asof.read_processed("lists.csv")
    versus = detention.vs_agreements(built.by_state, built.releases, asof.read_processed("list_rows.csv"), lists)
    assert sorted(set(versus["release_date"])) == [
        "2021-09-27", "2022-09-19", "2023-09-30", "2024-10-07", "2025-09-15", "2026-04-02"]
    assert versus["list_age_days"].max() <= 180
    stale = dict(detention.stale_pairings(built.releases, lists))
    assert sorted(stale) == ["2019-10-07", "2020-09-30"]
    assert "the list of 2017-08-01" in stale["2019-10-07"] and "797 days old" in stale["2019-10-07"]


def test_facilities_without_a_county_or_state_are_kept_and_reported(built):
    assert (built.facilities["county_fips"] != "").mean() > 0.99
    unplaced = built.unplaced
    no_state = unplaced[unplaced["state"] == ""]
    assert "CENTRAL LOUISIANA ICE PROCESSING CENTER (CLIPC)" in set(no_state["facility"])
    assert (no_state["reason"] == "no state printed").all()


def _edited(tmp_path, source, edit):
    """``edit`` applied to the workbook's Facilities sheet (``edited_workbook``)."""
    return edited_workbook(tmp_path, source, edit, sheet=lambda wb: next(
        ws for ws in wb.worksheets if ws.title.strip().lower().startswith("facilities")))


def test_renamed_facilities_sheet_stops_naming_the_file(tmp_path):
    path = _edited(tmp_path, APR26, lambda ws: setattr(ws, "title", "Sites FY26"))
    with pytest.raises(DetentionError, match=r"2026-04-02_FY26_detentionStats_04092026.xlsx: expected one 'Facilities"):
        detention.read_facilities(path)


def test_moved_header_row_is_still_found(tmp_path):
    path = _edited(tmp_path, APR26, lambda ws: ws.insert_rows(1, 3))
    df, facts = detention.read_facilities(path)
    assert (facts["header_row"], facts["facilities"]) == (13, 203)


def test_non_numeric_adp_cell_stops_with_its_cell(tmp_path):
    path = _edited(tmp_path, APR26, lambda ws: setattr(ws["J11"], "value", "about 1700"))
    with pytest.raises(DetentionError, match=r"sheet 'Facilities FY26', row 11, column J \(Level A\): not a number"):
        detention.read_facilities(path)


def test_renamed_column_stops(tmp_path):
    path = _edited(tmp_path, APR26, lambda ws: setattr(ws["W10"], "value", "Guaranteed Min"))
    with pytest.raises(DetentionError, match=r"row 10: column 'Guaranteed Minimum' missing"):
        detention.read_facilities(path)


def test_a_damaged_sheet_stops_naming_the_file(tmp_path):
    import zipfile

    path = tmp_path / APR26.name
    with zipfile.ZipFile(APR26) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<worksheet><sheetData><row" if item.filename.startswith("xl/worksheets/sheet")
                         else data)
    wb = detention.Workbook.open(path)  # sheets are read when used
    assert list(wb.sheets)[:3] == ["Header", "ATD FY26 YTD", "Detention FY26"]
    with pytest.raises(DetentionError, match=r"2026-04-02_FY26_detentionStats_04092026.xlsx: not a readable xlsx"):
        detention.read_facilities(path)
