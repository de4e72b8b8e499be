"""Placement on the 2024 Census map, checked on real agencies from real lists."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g import agreements, geography


@pytest.fixture(scope="module")
def placed():
    return geography.place_agreements(agreements.processed("list_rows.csv"), agreements.processed("lists.csv"),
                                      agreements.processed("agreements.csv"))


def _agency(placed, state, name):
    hit = placed[(placed["state"] == state) & (placed["agency"] == name)]
    assert len(hit), f"{name} not found"
    return hit.iloc[0]


def test_florida_county_sheriff_lands_in_its_county(placed):
    r = _agency(placed, "FL", "Polk County Sheriff's Office")
    assert (r["county_fips"], r["jurisdiction_level"]) == ("12105", "County")


def test_city_department_lands_in_the_county_ice_printed(placed):
    r = _agency(placed, "FL", "Delray Beach Police Department")
    assert (r["county_printed"], r["county_fips"], r["method"], r["jurisdiction_level"]) == (
        "Palm Beach County", "12099", "printed_county", "Municipal")


def test_city_department_without_a_printed_county_is_placed_through_its_town(placed):
    r = _agency(placed, "FL", "Tampa Police Department")
    assert (r["county_fips"], r["method"]) == ("12057", "place_file")


def test_virginia_independent_city_lands_on_its_own_fips():
    assert geography.match_county("VA", "Hopewell") == "51670"
    assert geography.match_county("VA", "City of Fairfax") == "51600"
    assert geography.match_county("VA", "Fairfax County") == "51059"
    assert geography.match_county("MO", "St. Louis City") == "29510"
    assert geography.match_county("MO", "Saint Louis County") == "29189"
    assert geography.match_county("MD", "Baltimore City") == "24510"


def test_florida_highway_patrol_is_statewide(placed):
    r = _agency(placed, "FL", "Florida Department of Highway Safety and Motor Vehicles, Division of Highway Patrol")
    assert (r["jurisdiction_level"], r["method"], r["county_fips"]) == ("State", "statewide", "")


def test_connecticut_towns_land_in_2024_planning_regions():
    county, place = geography.match_place("CT", "Hartford")
    assert county == "09110" and place == "Hartford city"


def test_places_in_water_stay_in_their_state():
    places = geography._place_frame(str(geography.paths.project_root()))
    assert (places["county_fips"].str[:2] == places["place_geoid"].str[:2]).all()


def test_newest_list_is_fully_placed_or_explained(placed):
    rows, lists = agreements.processed("list_rows.csv"), agreements.processed("lists.csv")
    rates = geography.placement_rates(rows, lists, placed).set_index("list_date")
    newest = rates.loc["2026-05-18"]
    unplaced = geography.unplaced_table(placed)
    on_newest = set(agreements.processed("agreements.csv").query("status == 'Active'")["agreement_id"])
    missing = unplaced[unplaced["agreement_id"].isin(on_newest)]
    assert missing["explained"].all()
    assert newest["placed"] + len(missing) == newest["agreements"]
    assert newest["share_placed"] >= 0.998


def test_workbook_lists_since_march_2025_reach_the_target(placed):
    rows, lists = agreements.processed("list_rows.csv"), agreements.processed("lists.csv")
    qa = geography.placement_qa(geography.placement_rates(rows, lists, placed), geography.unplaced_table(placed))
    assert set(qa["status"]) == {"pass"}


def test_a_county_name_that_matches_nothing_is_kept_and_reported():
    out = geography.place_agency("KS", "Nowhere County Sheriff's Office", "County", "Nowhere County", "Kansas",
                                 {}, {}, {})
    assert out["method"] == "unplaced" and "Nowhere County" in out["note"]


def test_county_counts_add_up_for_the_newest_list(placed):
    counts = pd.read_csv(geography.paths.processed_dir() / "county_counts.csv", dtype={"county_fips": str})
    newest = counts[counts["as_of"] == counts["as_of"].max()]
    assert (newest[["JEM", "WSO", "TFM"]].sum(axis=1) == newest["agreements"]).all()
    assert newest["county_fips"].str.len().eq(5).all()
    polk = newest.set_index("county_fips").loc["12105"]
    assert polk["population_2024"] > 700_000


def test_missing_geometry_sidecar_is_named(project):
    import shutil

    from .conftest import REAL_RAW

    shutil.copytree(REAL_RAW / "census", project / "data/raw/census")
    (project / "data/raw/census/cb_2024_us_county_20m.dbf").unlink()
    with pytest.raises(geography.GeographyError, match="cb_2024_us_county_20m.dbf"):
        geography.census_file(geography.COUNTY_20M)


def test_a_placement_hand_row_that_matches_nothing_is_reported(placed, tmp_path, monkeypatch):
    import shutil

    from .conftest import REAL_RAW

    hand = tmp_path / "hand"
    shutil.copytree(REAL_RAW.parent / "hand", hand)
    with open(hand / "agency_counties.csv", "a") as fh:
        fh.write("KS,Nowhere Police Department,20111,test row that matches no agency\n")
    monkeypatch.setattr(geography.paths, "hand_dir", lambda: hand)
    unused = geography.unused_place_fixes(placed)
    assert unused.to_dict("records") == [{"table": "data/hand/agency_counties.csv", "state": "KS",
                                          "value": "Nowhere Police Department"}]
