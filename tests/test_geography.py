"""Placement on the 2024 Census map, checked on real agencies from real lists."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.history import asof
from ice287g.core import keys, paths
from ice287g.ingest import census
from ice287g.places import geography
from ice287g.places import placement_qa
from ice287g.places import maps

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)


@pytest.fixture(scope="module")
def roster_counties(real_rosters):
    return geography.roster_point_counties(asof.read_processed("agency_roster_matches.csv"), real_rosters)


@pytest.fixture(scope="module")
def placed(roster_counties):
    return geography.place_agreements(asof.read_processed("list_rows.csv"), asof.read_processed("lists.csv"),
                                      asof.read_processed("agreements.csv"), roster_counties)


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


@pytest.fixture(scope="module")
def baseline():
    return geography.place_agreements(asof.read_processed("list_rows.csv"), asof.read_processed("lists.csv"),
                                      asof.read_processed("agreements.csv"), second_opinion=False)


def test_city_department_without_a_printed_county_is_placed_by_its_roster_coordinates(placed, baseline):
    r = _agency(placed, "FL", "Tampa Police Department")
    assert (r["county_printed"], r["county_fips"], r["method"], r["county_share"] == r["county_share"],
            r["share_flag"]) == ("", "12057", "roster_coordinates", False, False)
    matches = asof.read_processed("agency_roster_matches.csv").set_index("agency_id")
    assert matches.loc[r["agency_id"], "ori"] == "FL0290200"  # Tampa's ORI, its coordinates in Hillsborough
    old = _agency(baseline, "FL", "Tampa Police Department")  # today's rules: the town's 2010 place point
    assert (old["county_fips"], old["method"]) == ("12057", "place_file")


def test_roster_coordinates_move_carrollton_tx_to_dallas_county_and_the_change_is_listed(placed, baseline):
    r = _agency(placed, "TX", "Carrollton Police Department")
    assert (r["county_fips"], r["method"]) == ("48113", "roster_coordinates")
    assert _agency(baseline, "TX", "Carrollton Police Department")["county_fips"] == "48121"  # Denton
    moved = geography.changed_counties(geography.placement_changes(placed, baseline))
    row = moved[moved["agency"] == "Carrollton Police Department"].iloc[0]
    assert (row["old_method"], row["old_county_fips"], row["new_method"], row["new_county_fips"], row["reason"]) == (
        "place_file", "48121", "roster_coordinates", "48113",
        "roster coordinates in another county than the Gazetteer point of the 2010 place")
    assert set(moved["new_method"]) <= set(geography.ROSTER_METHODS)


def test_a_town_without_roster_coordinates_is_placed_by_its_2020_place_share(placed):
    r = _agency(placed, "FL", "Indian Shores Police Department")
    assert (r["county_fips"], r["method"], r["county_share"], bool(r["share_flag"]), r["note"]) == (
        "12103", "place_county_share", 1.0, False, "2020 place Indian Shores town")
    assert not (placed["method"] == "place_county_share").eq(placed["county_share"].isna()).any()


def test_a_place_spanning_counties_goes_to_its_largest_share_and_is_flagged_under_nine_tenths():
    args = ("Municipality", "", "Texas", {}, {}, {})
    # Carrollton city, TX: 0.6102 of its people in Denton, 0.3848 in Dallas, 0.005 in Collin (Geocorr afact2)
    r = geography.place_agency("TX", "Carrollton Police Department", *args)
    assert (r["county_fips"], r["method"], r["county_share"], r["share_flag"]) == (
        "48121", "place_county_share", 0.6102, True)
    assert census.place_counties("TX", "Carrollton")[1][:2] == [("48121", 0.6102, 81423), ("48113", 0.3848, 51339)]
    r = geography.place_agency("TX", "Dallas Police Department", *args)
    assert (r["county_fips"], r["county_share"], r["share_flag"]) == ("48113", 0.9384, False)
    assert geography.place_agency("TX", "Dallas Police Department", *args, roster_county="48085")["method"] == (
        "roster_coordinates")
    assert geography.place_agency("TX", "Dallas Police Department", *args, second_opinion=False)["method"] == (
        "place_file")
    # a county agency is placed as today: the roster and the place shares are for towns
    r = geography.place_agency("TX", "Dallas County Sheriff's Office", "County", "", "Texas", {}, {}, {},
                               roster_county="48085")
    assert (r["county_fips"], r["method"]) == ("48113", "name_rule")


def test_connecticut_places_are_left_to_the_2024_planning_regions():
    assert census.match_place_share("CT", "Hartford") is None  # Geocorr's 2020 counties are not 2024's
    r = geography.place_agency("CT", "Hartford Police Department", "Municipality", "", "Connecticut", {}, {}, {})
    assert (r["county_fips"], r["method"]) == ("09110", "place_file")


def test_the_roster_check_passes_on_the_real_placement_and_fails_on_a_moved_roster_point(placed, baseline,
                                                                                          roster_counties):
    from ice287g.tables import qa

    rows, lists, ags = (asof.read_processed(n) for n in ("list_rows.csv", "lists.csv", "agreements.csv"))
    check = geography.roster_place_check(placed)
    assert len(check) and not check["conflict"].any()
    checks = geography.second_opinion_qa(placed, geography.placement_changes(placed, baseline), check)
    assert set(checks["status"]) == {"info", "pass"}
    counts = checks[checks["check"] == "placement_by_method"].set_index("scope")["value"]
    assert (counts["agreements"], counts["agencies"]) == (str(len(placed)), str(placed["agency_id"].nunique()))
    assert roster_counties["TX-carrollton-police-department"] == "48113"
    with pytest.raises(ValueError, match="roster_counties"):
        geography.place_agreements(rows, lists, ags)
    doctored = geography.place_agreements(rows, lists, ags,
                                          {**roster_counties, "TX-carrollton-police-department": "48001"})
    check = geography.roster_place_check(doctored)
    bad = check[check["conflict"]]
    assert bad[["agency", "roster_county_fips", "place_counties"]].values.tolist() == [
        ["Carrollton Police Department", "48001", "48085;48113;48121"]]
    checks = geography.second_opinion_qa(doctored, geography.placement_changes(doctored, baseline), check)
    assert set(checks.loc[checks["status"] == "fail", "check"]) == {"placement_roster_in_own_place"}
    with pytest.raises(qa.QAFailure, match="placement_roster_in_own_place"):
        qa.gate(checks, "03_maps")


def test_a_change_says_why_and_an_agency_left_unplaced_today_is_counted():
    assert geography.change_reason("unplaced", "place_county_share", True) == geography.LEFT_UNPLACED
    assert geography.change_reason("name_rule", "roster_coordinates", True) == (
        "roster coordinates in another county than the county in the agency's name")
    base = {"agency": "X Police Department", "state": "TX", "jurisdiction_level": "Municipal", "county_share": None,
            "share_flag": False}
    new = pd.DataFrame([{**base, "agreement_id": f"a{i}", "agency_id": a, "method": m, "county_fips": f}
                        for i, (a, m, f) in enumerate([("x", "roster_coordinates", "48113"),
                                                       ("x", "roster_coordinates", "48113"),
                                                       ("y", "place_county_share", "48121"),
                                                       ("z", "printed_county", "48001")])])
    old = new.assign(method=["unplaced", "unplaced", "place_file", "printed_county"],
                     county_fips=["", "", "48121", "48001"])
    changes = geography.placement_changes(new, old)
    assert changes[["agency_id", "agreements", "county_changed", "reason"]].values.tolist() == [
        ["x", 2, True, geography.LEFT_UNPLACED],
        ["y", 1, False, "the 2020 place's largest county share: same county as the Gazetteer point of the 2010 place"]]
    assert geography.changed_counties(changes)["agency_id"].tolist() == ["x"]


def test_virginia_independent_city_lands_on_its_own_fips():
    assert census.match_county("VA", "Hopewell") == "51670"
    assert census.match_county("VA", "City of Fairfax") == "51600"
    assert census.match_county("VA", "Fairfax County") == "51059"
    assert census.match_county("MO", "St. Louis City") == "29510"
    assert census.match_county("MO", "Saint Louis County") == "29189"
    assert census.match_county("MD", "Baltimore City") == "24510"


def test_florida_highway_patrol_is_statewide(placed):
    r = _agency(placed, "FL", "Florida Department of Highway Safety and Motor Vehicles, Division of Highway Patrol")
    assert (r["jurisdiction_level"], r["method"], r["county_fips"]) == ("State", "statewide", "")


def test_connecticut_towns_land_in_2024_planning_regions():
    county, place = census.match_place("CT", "Hartford")
    assert county == "09110" and place == "Hartford city"


def test_a_township_is_never_the_borough_of_its_name(placed, roster_counties):
    # Sewickley borough is a Census place of Allegheny County; Sewickley Township is another municipality
    assert census.match_place("PA", "Sewickley")[0] == "42003"
    assert census.match_place("PA", "Sewickley Township") is None
    assert census.match_place_share("PA", "Derry Township") is None
    sewickley = _agency(placed, "PA", "Sewickley Township Constable's Office")
    assert (sewickley["method"], sewickley["county_fips"]) == ("hand", "42129")
    derry = _agency(placed, "PA", "Derry Township Constable's Office")
    assert (derry["method"], derry["county_fips"]) == ("unplaced", "")
    unplaced = geography.unplaced_table(placed).set_index("agency")
    assert unplaced.loc["Derry Township Constable's Office", "explained"]


def test_places_in_water_stay_in_their_state():
    places = census._place_frame(str(paths.project_root()))
    assert (places["county_fips"].str[:2] == places["place_geoid"].str[:2]).all()


def test_newest_list_is_fully_placed_or_explained(placed):
    rows, lists = asof.read_processed("list_rows.csv"), asof.read_processed("lists.csv")
    rates = geography.placement_rates(rows, lists, placed).set_index("list_date")
    newest = rates.loc["2026-05-18"]
    unplaced = geography.unplaced_table(placed)
    on_newest = set(asof.read_processed("agreements.csv").query("status == 'Active'")["agreement_id"])
    missing = unplaced[unplaced["agreement_id"].isin(on_newest)]
    assert missing["explained"].all()
    assert newest["placed"] + len(missing) == newest["agreements"]
    assert newest["share_placed"] >= 0.998


def _placement_checks(placed):
    rows, lists = asof.read_processed("list_rows.csv"), asof.read_processed("lists.csv")
    return placement_qa.placement_qa(
        placed, asof.read_processed("agreements.csv"), geography.placement_rates(rows, lists, placed),
        geography.unplaced_table(placed), geography.type_disagreements(placed),
        placement_qa.unused_place_fixes(placed, geography.agency_names(rows, lists)), placement_qa.hand_place_problems(),
        geography.county_column_since(rows, lists))


def test_every_placement_check_passes_on_the_real_lists(placed):
    checks = _placement_checks(placed)
    assert "fail" not in set(checks["status"]), checks[checks["status"] == "fail"].to_string()


def test_the_county_cutoff_is_the_first_series_list_printing_a_county():
    rows, lists = asof.read_processed("list_rows.csv"), asof.read_processed("lists.csv")
    since = geography.county_column_since(rows, lists)
    earlier = rows[(rows["list_date"] < since) & rows["list_id"].isin(geography.series_lists(lists)["list_id"])]
    assert since == "2025-03-17"
    assert set(earlier["county_printed"].str.upper()) <= geography.NOT_PRINTED


def test_a_county_name_that_matches_nothing_is_kept_and_reported():
    out = geography.place_agency("KS", "Nowhere County Sheriff's Office", "County", "Nowhere County", "Kansas",
                                 {}, {}, {})
    assert out["method"] == "unplaced" and "Nowhere County" in out["note"]


def test_county_counts_add_up_for_the_newest_list(placed):
    counts = pd.read_csv(paths.processed_dir() / "county_counts.csv", dtype={"county_fips": str})
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
        geography.census_file(census.COUNTY_20M)


def test_a_placement_hand_row_that_matches_nothing_is_reported(placed, tmp_path, monkeypatch):
    import shutil

    from .conftest import REAL_RAW

    hand = tmp_path / "hand"
    shutil.copytree(REAL_RAW.parent / "hand", hand)
    with open(hand / "agency_counties.csv", "a") as fh:
        fh.write("KS,Nowhere Police Department,20111,test row that matches no agency\n")
    monkeypatch.setattr(paths, "hand_dir", lambda: hand)
    unused = placement_qa.unused_place_fixes(placed)
    assert unused.to_dict("records") == [{"table": "data/hand/agency_counties.csv", "state": "KS",
                                          "value": "Nowhere Police Department"}]


# ---------------------------------------------------------------------------------------------
# Jurisdiction level: ICE's TYPE decides, name rules only without one, hand rows with evidence

def test_a_town_public_safety_department_ice_types_local_is_never_statewide(placed):
    local = placed[placed["agency_type"].isin(["County", "Municipality"])]
    statewide = local[local["method"] == "statewide"]
    assert (statewide["level_rule"] == "hand").all(), statewide[["state", "agency", "agency_type"]]
    # ICE types the town's police County; the FBI roster files it City, and a hand row with that evidence decides
    r = _agency(placed, "VA", "Gordonsville Department of Public Safety")
    assert (r["agency_type"], r["jurisdiction_level"], r["level_rule"], r["method"], r["county_fips"]) == (
        "County", "Municipal", "hand", "printed_county", "51137")
    r = _agency(placed, "FL", "Indian Creek Village Department of Public Safety")
    assert (r["jurisdiction_level"], r["method"], r["county_fips"]) == ("Municipal", "roster_coordinates", "12086")


def test_the_newest_list_covers_no_state_through_a_town_department(placed):
    rows, lists = asof.read_processed("list_rows.csv"), asof.read_processed("lists.csv")
    newest = geography.series_lists(lists)["list_id"].iloc[-1]
    _, statewide = maps.coverage_on_list(rows, placed, newest)
    assert "VA" not in statewide and {"FL", "TX", "GA"} <= set(statewide)


def test_the_newest_type_decides_and_a_hand_row_with_evidence_overrules_it(placed):
    famu = _agency(placed, "FL", "Florida A&M University Board of Trustees")  # State Agency, then Municipality
    assert (famu["agency_type"], famu["jurisdiction_level"], famu["level_rule"]) == (
        "Municipality", "Other", geography.RULE_TYPE_OTHER)
    wicomico = _agency(placed, "MD", "Wicomico County Corrections Center")
    assert (wicomico["agency_type"], wicomico["jurisdiction_level"], wicomico["method"]) == (
        "State Agency", "County", "printed_county")
    assert "Wicomico County" in wicomico["level_evidence"]
    ar = _agency(placed, "AR", "Arkansas State Police Department")  # TYPE Municipality once, State Agency on the newest
    assert (ar["agency_type"], ar["method"]) == ("State Agency", "statewide")


def test_every_type_disagreement_is_listed_and_settled(placed):
    d = geography.type_disagreements(placed)
    assert d["agency_id"].is_unique and set(d["settled_by"]) == {"hand", "type"}
    assert (d.loc[d["settled_by"] == "hand", "reason"].str.len() > 20).all()
    by_type = d[d["settled_by"] == "type"]
    kept_other = (by_type["level"] == "Other") & (by_type["type_level"] == "Municipal")
    assert ((by_type["level"] == by_type["type_level"]) | kept_other).all()
    # ICE types the Haskell County (OK) sheriff Municipality; the name and the FBI roster say County, and a hand
    # row with that evidence settles it
    haskell = d.set_index("agency").loc["Haskell County Sheriff's Office"]
    assert (haskell["rule_level"], haskell["type_level"], haskell["level"], haskell["settled_by"]) == (
        "County", "Municipal", "County", "hand")
    assert "OK0310000" in haskell["reason"]
    assert d.equals(d.sort_values(["state", "agency", "agency_id"], ignore_index=True))


@pytest.mark.parametrize("state, agency, state_name, level", [
    ("FL", "Indian Creek Village Department of Public Safety", "Florida", "Municipal"),
    ("VA", "Gordonsville Department of Public Safety", "Virginia", "Municipal"),
    ("AZ", "AZ Department of Public Safety", "Arizona", "State"),
    ("AL", "Alabama State Police", "Alabama", "State"),
    ("AZ", "Department of Corrections", "Arizona", "State"),
    ("VA", "Department of State Police", "Virginia", "State"),
    ("GU", "Office Of The Attorney General", "Guam", "State"),
    ("MD", "Wicomico County Department of Corrections", "Maryland", "County"),
    ("TX", "Nueces County Constable Precinct 3", "Texas", "Other"),
    ("KS", "Kansas Bureau of Investigation", "Kansas", "State"),
])
def test_name_rules_read_a_state_agency_only_after_the_state_or_nothing(state, agency, state_name, level):
    assert geography.name_level(state, agency, state_name)[0] == level


@pytest.mark.parametrize("agency_type, agency, level, rule", [
    ("Municipality", "Indian Creek Village Department of Public Safety", "Municipal", "ICE TYPE column"),
    ("County", "Indian Creek Village Department of Public Safety", "County", "ICE TYPE column"),
    ("State Agency", "Pine Police Department", "State", "ICE TYPE column"),
    ("Municipality", "Nueces County Constable Precinct 3", "Other", geography.RULE_TYPE_OTHER),
    ("County", "Nueces County Constable Precinct 3", "County", "ICE TYPE column"),
    ("State Agency", "Nueces County Constable Precinct 3", "State", "ICE TYPE column"),
    ("", "Nueces County Constable Precinct 3", "Other", "name: campus, port, court, constable or regional body"),
    ("", "Texas Department of Public Safety", "State", "name: state agency"),
])
def test_ice_type_decides_the_level_wherever_it_is_printed(agency_type, agency, level, rule):
    assert geography.jurisdiction_level("TX", agency, agency_type, "Texas", {})[:2] == (level, rule)


def test_a_hand_row_overrules_the_type_under_any_name_of_the_agency():
    hand = {("TX", "OLD NAME PD"): ("County", "evidence: the county runs it")}
    level = geography.jurisdiction_level("TX", "New Name Police Department", "State Agency", "Texas", hand,
                                         other_names=("Old Name PD",))
    assert level == ("County", "hand", "evidence: the county runs it")
    assert geography.jurisdiction_level("OK", "Old Name PD", "State Agency", "Oklahoma", hand)[:2] == (
        "State", "ICE TYPE column")  # keyed by state too


def test_the_newest_printed_type_wins_and_untyped_agencies_are_absent():
    lists = pd.DataFrame({"list_id": ["a", "b", "c", "x"], "in_series": ["True", "True", "True", "False"]})
    rows = pd.DataFrame({
        "list_id": ["a", "b", "c", "x", "a", "c"], "list_date": ["2025-01-01", "2025-02-01", "2025-03-01",
                                                              "2025-04-01", "2025-01-01", "2025-03-01"],
        "row": [1, 1, 1, 1, 2, 2], "agency_id": ["T", "T", "T", "T", "U", "U"],
        "agency_type": ["County", "Municipality", "", "State Agency", "", ""]})
    types = geography.newest_types(rows, lists)
    assert types.to_dict("index") == {"T": {"agency_type": "Municipality", "type_list": "b"}}


def _places_frame(rows):
    cols = {"agreement_id": "", "agency_id": "", "state": "TX", "state_fips": "48", "county_fips": "48001",
            "method": "printed_county", "agency": "", "agency_type": "County", "jurisdiction_level": "County",
            "level_rule": "ICE TYPE column", "level_evidence": "", "statewide_role": "", "role_rule": "",
            "role_evidence": "", "name_level": "County", "name_rule": "name: sheriff or county", "county_printed": "",
            "type_list": "l"}
    return pd.DataFrame([{**cols, **r} for r in rows])


def test_type_disagreements_on_a_synthetic_placement():
    places = _places_frame([
        {"agreement_id": "1", "agency_id": "A", "agency": "Pine DPS", "agency_type": "Municipality",
         "jurisdiction_level": "Municipal", "name_level": "State", "name_rule": "name: state agency"},
        {"agreement_id": "2", "agency_id": "A", "agency": "Pine DPS", "agency_type": "Municipality",
         "jurisdiction_level": "Municipal", "name_level": "State", "name_rule": "name: state agency"},
        {"agreement_id": "3", "agency_id": "B", "agency": "Oak County Jail", "agency_type": "State Agency",
         "jurisdiction_level": "County", "level_rule": "hand", "level_evidence": "a county jail"},
        {"agreement_id": "4", "agency_id": "C", "agency": "Elm", "agency_type": "Municipality",
         "jurisdiction_level": "Municipal", "name_level": "Other", "name_rule": "no rule matched"},
        {"agreement_id": "5", "agency_id": "D", "agency": "Ash Sheriff", "agency_type": ""},
    ])
    d = geography.type_disagreements(places)
    assert d[["agency_id", "type_level", "rule_level", "level", "settled_by", "reason"]].values.tolist() == [
        ["B", "State", "County", "County", "hand", "a county jail"],
        ["A", "Municipal", "State", "Municipal", "type", "ICE's TYPE decides wherever a list prints one"]]


# ---------------------------------------------------------------------------------------------
# Every placement check fails on a doctored input, and a fail stops the stage

def _qa_inputs():
    places = _places_frame([{"agreement_id": "1", "agency_id": "A", "agency": "Pine Police Department",
                             "agency_type": "Municipality", "jurisdiction_level": "Municipal"},
                            {"agreement_id": "2", "agency_id": "B", "agency": "Texas Department of Public Safety",
                             "agency_type": "State Agency", "jurisdiction_level": "State", "method": "statewide",
                             "county_fips": "", "statewide_role": "law enforcement",
                             "role_rule": "name: not corrections"},
                            {"agreement_id": "3", "agency_id": "C", "agency": "Nowhere County Sheriff",
                             "method": "unplaced", "county_fips": ""}])
    return {
        "places": places,
        "agreements": pd.DataFrame({"agreement_id": ["1", "2", "3"]}),
        "rates": pd.DataFrame({"list_date": ["2025-01-01", "2025-06-01"], "share_placed": [1.0, 0.5]}),
        "unplaced": pd.DataFrame({"state": ["TX"], "agency": ["Nowhere County Sheriff"], "explained": [True]}),
        "disagreements": pd.DataFrame({"state": ["TX"], "agency": ["Pine Police Department"],
                                       "type_level": ["Municipal"], "level": ["Municipal"],
                                       "settled_by": ["type"]}),
        "unused": pd.DataFrame(columns=["table", "state", "value"]),
        "hand_problems": pd.DataFrame(columns=["table", "state", "value", "problem"]),
        "county_since": "2025-06-01",
    }


def _status(checks, check, scope=None):
    hit = checks[(checks["check"] == check) & ((checks["scope"] == scope) if scope else True)]
    assert len(hit) == 1, hit
    return hit["status"].iloc[0]


def test_placement_checks_pass_on_a_clean_synthetic_placement():
    checks = placement_qa.placement_qa(**_qa_inputs())
    assert "fail" not in set(checks["status"])
    assert _status(checks, "placement_min_share", "lists printing a county (since 2025-06-01)") == "info"
    assert checks.loc[checks["scope"] == "earlier lists", "value"].iloc[0] == "1.0000"
    from ice287g.tables import qa
    qa.gate(checks, "03_maps")


def _doctor_missing(i):
    i["agreements"] = pd.DataFrame({"agreement_id": ["1", "2", "3", "4"]})


def _doctor_twice(i):
    i["places"] = pd.concat([i["places"], i["places"].iloc[[0]]], ignore_index=True)


def _doctor_outside(i):
    i["places"].loc[0, "county_fips"] = "12086"


def _doctor_unexplained(i):
    i["unplaced"].loc[0, "explained"] = False


def _doctor_statewide(i):
    i["places"].loc[0, ["method", "county_fips", "jurisdiction_level", "statewide_role"]] = [
        "statewide", "", "State", "law enforcement"]


def _doctor_no_role(i):
    i["places"].loc[1, "statewide_role"] = ""


def _doctor_role_off_statewide(i):
    i["places"].loc[0, "statewide_role"] = "corrections"


def _doctor_unused_role(i):
    i["unused"] = pd.DataFrame([{"table": "data/hand/statewide_agency_roles.csv", "state": "TX",
                                 "value": "Pine Police Department"}])


def _doctor_against_type(i):
    i["disagreements"].loc[0, "level"] = "State"


def _doctor_hand_row(i):
    i["hand_problems"] = pd.DataFrame([{"table": "data/hand/jurisdiction_levels.csv", "state": "TX",
                                       "value": "Pine Police Department", "problem": "no reason"}])


def _doctor_unused_level(i):
    i["unused"] = pd.DataFrame([{"table": "data/hand/jurisdiction_levels.csv", "state": "TX", "value": "Gone PD"}])


@pytest.mark.parametrize("doctor, check", [
    (_doctor_missing, "placement_every_agreement_once"),
    (_doctor_twice, "placement_every_agreement_once"),
    (_doctor_outside, "placement_county_in_state"),
    (_doctor_unexplained, "placement_unexplained"),
    (_doctor_statewide, "placement_statewide_needs_state_type"),
    (_doctor_no_role, "placement_statewide_role"),
    (_doctor_role_off_statewide, "placement_statewide_role"),
    (_doctor_unused_role, "placement_unused_fixes"),
    (_doctor_against_type, "placement_level_against_type"),
    (_doctor_hand_row, "placement_hand_rows"),
    (_doctor_unused_level, "placement_unused_fixes"),
])
def test_each_placement_check_fails_on_a_doctored_input_and_stops_the_stage(doctor, check):
    from ice287g.tables import qa

    inputs = _qa_inputs()
    doctor(inputs)
    checks = placement_qa.placement_qa(**inputs)
    assert set(checks.loc[checks["status"] == "fail", "check"]) == {check}
    with pytest.raises(qa.QAFailure, match=check):
        qa.gate(checks, "03_maps")


def test_an_unused_county_fix_or_unplaced_reason_is_only_reported():
    inputs = _qa_inputs()
    inputs["unused"] = pd.DataFrame([{"table": "data/hand/county_fixes.csv", "state": "KS", "value": "Nowhere"}])
    checks = placement_qa.placement_qa(**inputs)
    assert "fail" not in set(checks["status"])
    assert "info" in set(checks.loc[checks["check"] == "placement_unused_fixes", "status"])


def test_hand_rows_without_evidence_or_with_impossible_values_are_found(tmp_path, monkeypatch):
    import shutil

    from .conftest import REAL_RAW

    hand = tmp_path / "hand"
    shutil.copytree(REAL_RAW.parent / "hand", hand)
    with open(hand / "jurisdiction_levels.csv", "a") as fh:
        fh.write("TX,Pine Police Department,Municipal,\n")
        fh.write("TX,Oak Police Department,Statewide,a level that does not exist\n")
    with open(hand / "agency_counties.csv", "a") as fh:
        fh.write("KS,Pine Police Department,12086,a Florida county for a Kansas agency\n")
    monkeypatch.setattr(paths, "hand_dir", lambda: hand)
    problems = placement_qa.hand_place_problems()
    assert problems[["value", "problem"]].values.tolist() == [
        ["Pine Police Department", "no reason"],
        ["Oak Police Department", "level 'Statewide' is not one of State, County, Municipal, Other"],
        ["Pine Police Department", "12086 is not a 2024 county of KS"]]


def test_the_county_cutoff_is_derived_from_a_synthetic_series():
    lists = pd.DataFrame({"list_id": ["a", "b", "c", "p"], "list_date": ["2025-01-01", "2025-02-01", "2025-03-01",
                                                                          "2025-01-15"],
                          "in_series": ["True"] * 4, "list_kind": ["participating"] * 3 + ["pending"],
                          "time_of_day": [""] * 4})
    rows = pd.DataFrame({"list_id": ["a", "b", "c", "p"], "list_date": ["2025-01-01", "2025-02-01", "2025-03-01",
                                                                         "2025-01-15"],
                         "county_printed": ["", "#N/A", "Polk County", "Polk County"]})
    assert geography.county_column_since(rows, lists) == "2025-03-01"
    assert geography.county_column_since(rows.assign(county_printed=""), lists) is None


def test_the_coverage_mix_counts_rows_and_orders_models_per_county():
    rows = pd.DataFrame({"list_id": ["L"] * 5, "county_fips": ["12099", "01001", "12099", "12099", "01003"],
                         "model": ["TFM", "WSO", "JEM", "TFM", ""],
                         "agency_id": ["a", "b", "c", "d", "e"], "signed": [""] * 5})
    mix, statewide = maps._coverage(rows, rows, pd.DataFrame(columns=["agreement_id", "method", "state"]),
                                         "ALL")
    assert mix.to_dict("list") == {"county_fips": ["01001", "01003", "12099"], "models": ["WSO", "", "JEM;TFM"],
                                   "agreements": [1, 1, 3], "category": ["WSO", "", maps.MIX]}
    assert statewide == []
    only_tfm, _ = maps._coverage(rows, rows, pd.DataFrame(columns=["agreement_id", "method", "state"]), "TFM")
    assert only_tfm[["county_fips", "agreements", "category"]].values.tolist() == [["12099", 2, "TFM"]]


def test_statewide_states_are_found_per_list_from_the_agreements_on_it():
    on_lists = pd.DataFrame({"list_id": ["L1", "L1", "L2", "L2"], "agency_id": ["FL-fhp", "FL-x", "TX-dps", "FL-fhp"],
                             "model": ["TFM", "JEM", "TFM", "WSO"], "signed": ["2025-01-01", "", "", ""]})
    places = pd.DataFrame({"agreement_id": ["FL-fhp:TFM:2025-01-01", "TX-dps:TFM:undated", "FL-x:JEM:undated"],
                           "method": ["statewide", "statewide", "printed_county"], "state": ["FL", "TX", "FL"]})
    assert maps._statewide_by_list(on_lists, places, by="list_id") == {"L1": ["FL"], "L2": ["TX"]}
    assert maps._statewide_by_list(on_lists, places) == {"all": ["FL", "TX"]}


def test_text_keys_match_the_plain_regex_rules():
    import re

    def reference(text):
        t = str(text).upper().replace("’", "'").replace("'", "").replace(".", "")
        t = re.sub(r"[^A-Z0-9 ]+", " ", t)
        t = re.sub(r"\bSAINT\b", "ST", t)
        t = re.sub(r"\bSAINTE\b", "STE", t)
        return re.sub(r"\s+", " ", t).strip()

    for text in ("Saint Sainte St. SAINTE-Marie  x", "  ’O'Brien\tCo. ", "SAINTES Saintly", "x\u00a0y", "straße",
                 "São Tomé", "", 1, 1.0, None):
        assert keys.text_key(text) == reference(text), text


def test_a_place_name_finds_the_incorporated_place_before_the_cdp():
    frame = census._place_frame(str(paths.project_root()))
    index = census._place_index(str(paths.project_root()))
    for (state, key), (fips, place) in list(index.items())[::500]:
        first = frame[(frame["state"] == state) & (frame["key"] == key)].iloc[0]
        assert (first["county_fips"], first["place"]) == (fips, place)
