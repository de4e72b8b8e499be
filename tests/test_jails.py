"""Jails run by 287(g) agencies: real matches from the committed tables, private facilities never matched,
who runs a jail deciding before its name (a company, a county's own jail agency, Kentucky's jailers), and QA
checks that fail on doctored input."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from ice287g.detention import jails, operators
from ice287g.history import asof
from ice287g.detention.operators import Operator
from ice287g.tables.qa import QAFailure, gate
from ice287g.core.states import state_names

from .conftest import REAL_ROOT

NEWEST_RELEASE = "2026-04-02"


@pytest.fixture(scope="module")
def tables():
    releases = asof.read_processed("detention_releases.csv").astype({"fiscal_year": "int64"})
    releases["fy_end"] = releases["fy_end"] == "True"
    return {"facilities": asof.read_processed("detention_facilities.csv"), "releases": releases,
            "rows": asof.read_processed("list_rows.csv"), "lists": asof.read_processed("lists.csv"),
            "places": asof.read_processed("agreement_places.csv")}


@pytest.fixture(scope="module")
def operated(tables, facility_lists):
    joined = operators.join(tables["facilities"], facility_lists)
    ops, unused = operators.resolve(joined, operators.read_hand())
    assert unused.empty
    return ops


@pytest.fixture(scope="module")
def newest(tables, operated):
    t = tables
    lst = asof.list_row_for(t["lists"], "newest")
    agencies = jails.local_agencies(t["rows"], t["places"], lst["list_id"])
    matches, unmatched = jails.match(t["facilities"], agencies, NEWEST_RELEASE, lst["list_date"], operated)
    return agencies, matches, unmatched


def _facility(tables, name, release=NEWEST_RELEASE):
    fac = tables["facilities"]
    return fac[(fac["release_date"] == release) & (fac["facility"] == name)]


def test_a_sheriffs_county_jail_in_the_workbooks_is_matched(newest):
    _, matches, _ = newest
    butler = matches[matches["facility"] == "BUTLER COUNTY JAIL"].iloc[0]
    assert (butler["state"], butler["county_fips"], butler["facility_type"]) == ("OH", "39017", "USMS IGA")
    assert (butler["agency_id"], butler["agency"]) == ("OH-butler-county-sheriffs-office", "Butler County Sheriff's Office")
    assert butler["match_rule"] == jails.RULE_COUNTY_JAIL
    assert butler["models"] == "JEM;TFM"
    assert butler["adp_total"] == pytest.approx(358.874317, abs=1e-6)
    assert (butler["operator"], butler["operator_kind"]) == ("COUNTY (SHERIFF)", "sheriff")
    assert butler["operator_source"] == ("ICE facility list of 2017-11-06 (BUTLEOH: BUTLER COUNTY JAIL, HAMILTON; "
                                         "joined by name, city and state)")
    assert (butler["first_release"], butler["last_release"]) == ("2019-10-07", NEWEST_RELEASE)
    # "KAY CO JUSTICE FACILITY" and "CAMPBELL CO DET CTR": ICE's abbreviations spelled out before the county is read
    assert jails.named_county("OK", "KAY CO JUSTICE FACILITY") == "40071"
    assert jails.facility_name("CAMPBELL CO DET CTR") == "CAMPBELL COUNTY DETENTION CENTER"
    # the facility that bears the agency's own name
    cambria = matches[matches["facility"] == "CAMBRIA COUNTY PRISON"].iloc[0]
    assert (cambria["agency"], cambria["match_rule"]) == ("Cambria County Prison", jails.RULE_SAME_NAME)


def test_a_private_facility_is_never_matched(tables, newest):
    _, matches, unmatched = newest
    fac = tables["facilities"]
    broward = fac[(fac["release_date"] == NEWEST_RELEASE) & (fac["facility"] == "BROWARD TRANSITIONAL CENTER")]
    assert broward[["facility_type", "county_fips"]].values.tolist() == [["CDF", "12011"]]
    # Broward's sheriff holds an agreement and runs a jail that is matched; the company's CDF in the county is not
    assert "FL-broward-county-sheriffs-office" in set(matches["agency_id"])
    assert "BROWARD TRANSITIONAL CENTER" not in set(matches["facility"]) | set(unmatched["facility"])
    assert set(matches["facility_type"]) <= set(jails.LOCAL_TYPES)
    for never in ("CDF", "SPC", "DIGSA", "BOP", "USMS CDF"):
        assert never not in jails.LOCAL_TYPES
    # a contract facility named after a sheriff (Nye County, NV, typed USMS CDF) stays unmatched even beside the sheriff
    nye = fac[fac["facility"] == "NYE COUNTY SHERIFF-PAHRUMP"].head(1)
    assert nye["facility_type"].tolist() == ["USMS CDF"]
    sheriff = pd.DataFrame([{"agency_id": "NV-nye-county-sheriffs-office", "state": "NV",
                             "agency": "Nye County Sheriff's Office", "level": "County", "counties": ("32023",),
                             "models": "JEM", "role": jails.ROLE_SHERIFF, "town": ""}])
    m, u = jails.match(nye, sheriff, nye["release_date"].iloc[0], "2026-05-18")
    assert m.empty and u.empty
    # the same facility relabelled a local type is matched: only its type kept it out
    m, _ = jails.match(nye.assign(facility_type="USMS IGA"), sheriff, nye["release_date"].iloc[0], "2026-05-18")
    assert m["agency"].tolist() == ["Nye County Sheriff's Office"]


def test_every_release_with_a_list_matches_only_local_types(tables, operated):
    t = tables
    for release in t["releases"].loc[t["releases"]["fy_end"], "release_date"]:
        try:
            matches, _ = jails.matches_at(t["facilities"], t["rows"], t["lists"], t["places"], release,
                                          operators=operated)
        except LookupError:
            continue  # an archive gap: no list in force
        assert set(matches["facility_type"]) <= set(jails.LOCAL_TYPES)
        assert set(matches["match_rule"]) <= set(jails.RULES)
        assert not matches.duplicated(["facility", "county_fips"]).any()
        assert "private" not in set(matches["operator_kind"])
        jailers = matches["state"].isin(list(jails.JAILER_STATES))
        assert not (jailers & matches["match_rule"].isin(jails.SHERIFF_RULES)).any()


def test_a_facility_a_company_runs_is_never_matched(tables, operated, newest):
    agencies, matches, unmatched = newest
    # Limestone (a hand row: LaSalle since 2016; ICE's 2017 list still says COUNTY) and Torrance (ICE's 2017 list:
    # CCA) carry their county's name and sit beside the county's sheriff, who holds an agreement
    for name, sheriff, operator, evidence in (
            ("LIMESTONE COUNTY DETENTION CENTER", "TX-limestone-county-sheriffs-office", "LaSalle Corrections",
             "data/hand/facility_operators.csv: KWTX"),
            ("TORRANCE COUNTY DETENTION FACILITY", "NM-torrance-county-sheriffs-office", "CoreCivic",
             "data/hand/facility_operators.csv: ICE facility list of 2017-11-06 (CCA)")):
        assert sheriff in set(agencies["agency_id"]) and name not in set(matches["facility"])
        row = unmatched[unmatched["facility"] == name].iloc[0]
        assert (row["reason"], row["operator"], row["operator_kind"]) == (jails.WHY_PRIVATE, operator, "private")
        assert row["operator_source"].startswith(evidence)
        # without the operator (the old rules), the county-jail rule gave each to the sheriff
        alone = _facility(tables, name)
        m, _ = jails.match(alone, agencies, NEWEST_RELEASE, "2026-05-18")
        assert m[["agency_id", "match_rule"]].values.tolist() == [[sheriff, jails.RULE_COUNTY_JAIL]]
    limestone = unmatched[unmatched["facility"] == "LIMESTONE COUNTY DETENTION CENTER"].iloc[0]
    assert limestone["adp_total"] == pytest.approx(257.371585, abs=1e-6)
    # ICE's list alone says GEO (joined by city and ZIP code): the IGSA processing center in Conroe
    corley = unmatched[unmatched["facility"] == "JOE CORLEY PROCESSING CTR"].iloc[0]
    assert (corley["reason"], corley["operator"]) == (jails.WHY_PRIVATE, "GEO")
    assert "joined by city and ZIP code" in corley["operator_source"]


def test_the_countys_own_jail_agency_comes_before_the_sheriff(tables, newest):
    agencies, matches, _ = newest
    # Grayson County, KY: ICE lists the Grayson County Detention Center as a 287(g) agency of its own
    grayson = matches[matches["facility"] == "GRAYSON COUNTY JAIL"].iloc[0]
    assert (grayson["agency_id"], grayson["match_rule"]) == ("KY-grayson-county-detention-center",
                                                             jails.RULE_COUNTY_CORRECTIONS)
    assert (grayson["operator"], grayson["operator_kind"]) == ("Grayson County Jailer", "jailer")
    assert "KY-grayson-county-sheriffs-office" in set(agencies["agency_id"])
    # Orange County, FL: the hand row names the county's corrections department, which holds an agreement
    orange = matches[matches["facility"] == "ORANGE COUNTY JAIL (FL)"].iloc[0]
    assert (orange["agency"], orange["match_rule"]) == ("Orange County Corrections Department",
                                                        jails.RULE_HAND_OPERATOR)
    tgk = matches[matches["facility"] == "TURNER GUILFORD KNIGHT (TGK) JAIL"].iloc[0]
    assert (tgk["agency"], tgk["match_rule"]) == ("Miami-Dade Corrections and Rehabilitation", jails.RULE_HAND_OPERATOR)
    # the rule must not fire without such an agency: a county jail in a state of sheriffs' jails stays the sheriff's
    sheriff = agencies[agencies["agency_id"] == "FL-orange-county-sheriffs-office"]
    assert jails.match_one("ORANGE COUNTY JAIL (FL)", "FL", "ORLANDO", "12095", sheriff)[1] == jails.RULE_COUNTY_JAIL
    assert jails.match_one("ORANGE COUNTY JAIL (FL)", "FL", "ORLANDO", "12095", sheriff,
                           Operator("COUNTY", "county", "ICE", False, True))[1] == jails.RULE_COUNTY_JAIL
    # ... but not when a hand row names another operator
    hand = Operator("Orange County Corrections Department", "county", "hand", True, False)
    assert jails.match_one("ORANGE COUNTY JAIL (FL)", "FL", "ORLANDO", "12095", sheriff, hand) == (
        None, jails.WHY_NOT_SHERIFF)
    butler = matches[matches["facility"] == "BUTLER COUNTY JAIL"].iloc[0]
    assert butler["agency"] == "Butler County Sheriff's Office"  # Butler County, OH: no corrections agency


def test_kentuckys_county_jails_are_never_the_sheriffs(tables, newest, monkeypatch):
    agencies, matches, unmatched = newest
    kenton = unmatched[unmatched["facility"] == "KENTON COUNTY JAIL"].iloc[0]
    assert (kenton["reason"], kenton["operator"]) == (jails.WHY_JAILER_STATE, "Kenton County Jailer")
    assert kenton["local_agencies"] == "Kenton County Sheriff's Office"
    assert unmatched.loc[unmatched["facility"] == "DAVIESS COUNTY DETENTION", "reason"].tolist() == [
        jails.WHY_JAILER_STATE]
    assert not matches[matches["state"] == "KY"]["match_rule"].isin(jails.SHERIFF_RULES).any()
    # the state's declaration alone keeps Kenton's jail from its sheriff (ICE's list says only COUNTY)
    sheriff = agencies[agencies["agency_id"] == "KY-kenton-county-sheriffs-office"]
    county = Operator("COUNTY", "county", "ICE", False, True)
    assert jails.match_one("KENTON COUNTY JAIL", "KY", "COVINGTON", "21117", sheriff, county) == (
        None, jails.WHY_JAILER_STATE)
    monkeypatch.setattr(jails, "JAILER_STATES", {})
    agency, rule = jails.match_one("KENTON COUNTY JAIL", "KY", "COVINGTON", "21117", sheriff, county)
    assert (agency["agency_id"], rule) == ("KY-kenton-county-sheriffs-office", jails.RULE_COUNTY_JAIL)


def test_a_correctional_center_ice_says_the_sheriff_runs_is_the_sheriffs(newest):
    agencies, matches, _ = newest
    calhoun = matches[matches["facility"] == "CALHOUN COUNTY CORRECTIONAL CENTER"].iloc[0]
    assert (calhoun["agency"], calhoun["match_rule"], calhoun["operator"]) == (
        "Calhoun County Sheriff's Office", jails.RULE_SHERIFF_OPERATOR, "COUNTY (SHERIFF)")
    # without that evidence the name alone leaves it open
    sheriff = agencies[agencies["agency_id"] == "MI-calhoun-county-sheriffs-office"]
    assert jails.match_one("CALHOUN COUNTY CORRECTIONAL CENTER", "MI", "BATTLE CREEK", "26025", sheriff) == (
        None, jails.WHY_CORRECTIONAL)


def test_unmatched_local_facilities_carry_their_reason(newest):
    _, _, unmatched = newest
    lafayette = unmatched[unmatched["facility"] == "LAFAYETTE PARISH CORRECTIONAL CENTER"].iloc[0]
    assert lafayette["reason"] == jails.WHY_CORRECTIONAL  # ICE's list says only COUNTY: the sheriff or a department
    assert (lafayette["local_agencies"], lafayette["operator"]) == ("Lafayette Parish Sheriff's Office", "COUNTY")
    greene = unmatched[unmatched["facility"] == "GREENE COUNTY JAIL"].iloc[0]
    assert greene["reason"] == jails.WHY_NO_OPERATOR  # only town police of Greene County, MO hold agreements
    assert set(unmatched["reason"]) <= set(jails.REASONS)


def test_match_one_rules():
    county = pd.DataFrame([
        {"agency_id": "X-a", "agency": "Polk County Sheriff's Office", "role": jails.ROLE_SHERIFF, "town": ""},
        {"agency_id": "X-b", "agency": "Lakeland Police Department", "role": jails.ROLE_POLICE, "town": "LAKELAND"},
    ])
    agency, rule = jails.match_one("POLK COUNTY JAIL", "FL", "BARTOW", "12105", county)
    assert (agency["agency_id"], rule) == ("X-a", jails.RULE_COUNTY_JAIL)
    assert jails.match_one("POLK COUNTY", "FL", "BARTOW", "12105", county)[1] == jails.RULE_COUNTY_ONLY
    assert jails.match_one("HILLSBOROUGH COUNTY JAIL", "FL", "TAMPA", "12105", county) == (None,
                                                                                          jails.WHY_OTHER_COUNTY)
    agency, rule = jails.match_one("LAKELAND CITY JAIL", "FL", "LAKELAND", "12105", county)
    assert (agency["agency_id"], rule) == ("X-b", jails.RULE_CITY_JAIL)
    assert jails.match_one("SOUTH FLORIDA PROCESSING CENTER", "FL", "BARTOW", "12105", county) == (
        None, jails.WHY_NO_JAIL_NAME)
    two = pd.concat([county, county.head(1).assign(agency_id="X-c", agency="Polk County Sheriffs Dept")])
    assert jails.match_one("POLK COUNTY JAIL", "FL", "BARTOW", "12105", two) == (None, jails.WHY_AMBIGUOUS)
    assert jails.agency_role("FL", "Polk County Sheriff's Office", "County", ("12105",)) == jails.ROLE_SHERIFF
    assert jails.agency_role("FL", "Polk County Sheriff's Office", "County", ("12057",)) == ""  # placed elsewhere


def test_qa_checks_fail_on_doctored_input(tables, newest):
    agencies, matches, unmatched = newest
    fac = tables["facilities"]
    checks = jails.qa_rows(matches, unmatched, agencies, fac, NEWEST_RELEASE)
    assert set(checks["status"]) == {"pass"}
    gate(checks, "07_jails_and_detention")

    def failed(m=matches, u=unmatched):
        c = jails.qa_rows(m, u, agencies, fac, NEWEST_RELEASE)
        return set(c.loc[c["status"] == "fail", "check"])

    private = matches.copy()
    private.loc[private["facility"] == "BUTLER COUNTY JAIL", "facility_type"] = "CDF"
    assert failed(m=private) == {"jails_match_local_type"}
    company = matches.copy()
    company.loc[company["facility"] == "BUTLER COUNTY JAIL", ["operator", "operator_kind"]] = ["GEO", "private"]
    assert failed(m=company) == {"jails_no_private_operator_matched"}
    jailer = matches.copy()
    jailer.loc[jailer["facility"] == "GRAYSON COUNTY JAIL", "match_rule"] = jails.RULE_COUNTY_JAIL
    assert failed(m=jailer) == {"jails_no_sheriff_rule_in_jailer_states"}
    elsewhere = matches.copy()
    elsewhere.loc[elsewhere["facility"] == "BUTLER COUNTY JAIL", "county_fips"] = "39061"  # Hamilton County
    assert "jails_match_same_county" in failed(m=elsewhere)
    assert failed(m=pd.concat([matches, matches.head(1)])) == {"jails_one_agency_per_facility"}
    assert failed(u=unmatched.iloc[1:]) == {"jails_local_facilities_accounted"}
    with pytest.raises(QAFailure, match="jails_match_local_type"):
        gate(jails.qa_rows(private, unmatched, agencies, fac, NEWEST_RELEASE), "07_jails_and_detention")


def test_county_table_leaves_releases_without_a_list_as_gaps(tables):
    t = tables
    county, gaps = jails.county_detention(t["facilities"], t["releases"], t["rows"], t["lists"], t["places"])
    assert [d for d, _ in gaps] == ["2019-10-07", "2020-09-30"]  # before the first list after the archive gap
    assert not county["release_date"].isin(["2019-10-07", "2020-09-30"]).any()
    butler = county[(county["release_date"] == NEWEST_RELEASE) & (county["county_fips"] == "39017")].iloc[0]
    assert butler["local_agreement"] and butler["local_JEM"] >= 1
    assert butler["adp_total"] == pytest.approx(358.874, abs=1e-3)
    share = jails.share_in_local_counties(county, t["releases"], gaps)
    assert share.loc[share["release_date"].isin(["2019-10-07", "2020-09-30"]), "share_local"].isna().all()
    assert share["share_local"].dropna().between(0, 1).all()
    newest = share[share["release_date"] == NEWEST_RELEASE].iloc[0]
    assert newest["adp_all"] == pytest.approx(
        county.loc[county["release_date"] == NEWEST_RELEASE, "adp_total"].sum())


def test_choose_release_and_list(tables):
    releases = tables["releases"]
    assert jails.choose(releases, "newest") == (NEWEST_RELEASE, "newest")
    assert jails.choose(releases, "newest", 2023) == ("2023-09-30", "2023-09-30")
    assert jails.choose(releases, "2025-01-01") == ("2024-12-23", "2025-01-01")


def test_state_summary(newest):
    _, matches, _ = newest
    line = jails.state_summary(matches, "OH")
    assert line.startswith("**Jails holding ICE detainees:** 2 of the state's 287(g) agencies run 2 facilities")
    assert "Butler County Sheriff's Office (BUTLER COUNTY JAIL)" in line and "release of 2026-04-02" in line
    none = jails.state_summary(matches, "VT")
    assert "no facility holding ICE detainees" in none


def test_every_jailer_state_is_listed_with_its_reason_in_the_readme_and_notebook():
    readme = (REAL_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Jails run by 287(g) agencies", 1)[1].split("\n## ", 1)[0]
    shown = json.loads((REAL_ROOT / "notebooks" / "07_jails_and_detention.ipynb").read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for c in shown["cells"] for o in c.get("outputs", []))
    names = state_names()
    assert jails.JAILER_STATES, "the declaration is tested on a real state"
    for state, why in jails.JAILER_STATES.items():
        assert f"**{names[state]}**" in section, f"README.md's jails section does not list {names[state]}"
        assert f"{state}: {why}" in printed, f"notebook 07 does not print {state} with its reason"
    assert "**Texas**" not in section  # the check reads the section, not any mention
