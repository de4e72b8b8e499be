"""Jails run by 287(g) agencies: real matches from the committed tables, private facilities never matched,
and QA checks that fail on doctored input."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g import jails, store
from ice287g.qa import QAFailure, gate

NEWEST_RELEASE = "2026-04-02"


@pytest.fixture(scope="module")
def tables():
    releases = store.processed("detention_releases.csv").astype({"fiscal_year": "int64"})
    releases["fy_end"] = releases["fy_end"] == "True"
    return {"facilities": store.processed("detention_facilities.csv"), "releases": releases,
            "rows": store.processed("list_rows.csv"), "lists": store.processed("lists.csv"),
            "places": store.processed("agreement_places.csv")}


@pytest.fixture(scope="module")
def newest(tables):
    t = tables
    lst = jails.list_for(t["lists"], "newest")
    agencies = jails.local_agencies(t["rows"], t["places"], lst["list_id"])
    matches, unmatched = jails.match(t["facilities"], agencies, NEWEST_RELEASE, lst["list_date"])
    return agencies, matches, unmatched


def test_a_sheriffs_county_jail_in_the_workbooks_is_matched(newest):
    _, matches, _ = newest
    butler = matches[matches["facility"] == "BUTLER COUNTY JAIL"].iloc[0]
    assert (butler["state"], butler["county_fips"], butler["facility_type"]) == ("OH", "39017", "USMS IGA")
    assert (butler["agency_id"], butler["agency"]) == ("OH-butler-county-sheriffs-office", "Butler County Sheriff's Office")
    assert butler["match_rule"] == jails.RULE_COUNTY_JAIL
    assert butler["models"] == "JEM;TFM"
    assert butler["adp_total"] == pytest.approx(358.874317, abs=1e-6)
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


def test_every_release_with_a_list_matches_only_local_types(tables):
    t = tables
    for release in t["releases"].loc[t["releases"]["fy_end"], "release_date"]:
        try:
            matches, _ = jails.matches_at(t["facilities"], t["rows"], t["lists"], t["places"], release)
        except LookupError:
            continue  # an archive gap: no list in force
        assert set(matches["facility_type"]) <= set(jails.LOCAL_TYPES)
        assert set(matches["match_rule"]) <= set(jails.RULES)
        assert not matches.duplicated(["facility", "county_fips"]).any()


def test_unmatched_local_facilities_carry_their_reason(newest):
    _, _, unmatched = newest
    calhoun = unmatched[unmatched["facility"] == "CALHOUN COUNTY CORRECTIONAL CENTER"].iloc[0]
    assert calhoun["reason"] == jails.WHY_CORRECTIONAL
    assert calhoun["local_agencies"] == "Calhoun County Sheriff's Office"
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
