"""Detention workbooks, checked against real values and against TRAC's own tables."""
from __future__ import annotations

import openpyxl
import pytest

from ice287g import detention
from ice287g.detention import DetentionError

from .conftest import REAL_RAW

DET = REAL_RAW / "ice_detention"
FY19 = DET / "2019-10-07_FY19-detentionstats.xlsx"
EOFY23 = DET / "2023-09-30_FY23_detentionStats10312023.xlsx"
APR26 = DET / "2026-04-02_FY26_detentionStats_04092026.xlsx"


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


def test_facilities_without_a_county_or_state_are_kept_and_reported(built):
    assert (built.facilities["county_fips"] != "").mean() > 0.99
    unplaced = built.unplaced
    no_state = unplaced[unplaced["state"] == ""]
    assert "CENTRAL LOUISIANA ICE PROCESSING CENTER (CLIPC)" in set(no_state["facility"])
    assert (no_state["reason"] == "no state printed").all()


def _edited(tmp_path, source, edit):
    wb = openpyxl.load_workbook(source)
    ws = next(ws for ws in wb.worksheets if ws.title.strip().lower().startswith("facilities"))
    edit(wb, ws)
    target = tmp_path / source.name
    wb.save(target)
    return target


def test_renamed_facilities_sheet_stops_naming_the_file(tmp_path):
    path = _edited(tmp_path, APR26, lambda wb, ws: setattr(ws, "title", "Sites FY26"))
    with pytest.raises(DetentionError, match=r"2026-04-02_FY26_detentionStats_04092026.xlsx: expected one 'Facilities"):
        detention.read_facilities(path)


def test_moved_header_row_is_still_found(tmp_path):
    path = _edited(tmp_path, APR26, lambda wb, ws: ws.insert_rows(1, 3))
    df, facts = detention.read_facilities(path)
    assert (facts["header_row"], facts["facilities"]) == (13, 203)


def test_non_numeric_adp_cell_stops_with_its_cell(tmp_path):
    path = _edited(tmp_path, APR26, lambda wb, ws: setattr(ws["J11"], "value", "about 1700"))
    with pytest.raises(DetentionError, match=r"sheet 'Facilities FY26', row 11, column J \(Level A\): not a number"):
        detention.read_facilities(path)


def test_renamed_column_stops(tmp_path):
    path = _edited(tmp_path, APR26, lambda wb, ws: setattr(ws["W10"], "value", "Guaranteed Min"))
    with pytest.raises(DetentionError, match=r"row 10: column 'Guaranteed Minimum' missing"):
        detention.read_facilities(path)
