"""Who a statewide agreement covers: a corrections department's reaches the people it holds, a law-enforcement
agency's the state's residents. Checked on the real lists, and on doctored ones where the rule must not fire."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from ice287g.ingest.lists import series_lists
from ice287g.history import asof
from ice287g.build import readme, reports
from ice287g.core import keys, paths
from ice287g.history.identity import agreement_ids
from ice287g.ingest import census
from ice287g.places import geography, maps, placement_qa
from ice287g.publish import charts

from .conftest import REAL_RAW

CORRECTIONS, LAW_ENFORCEMENT = geography.CORRECTIONS, geography.LAW_ENFORCEMENT


@pytest.fixture(scope="module")
def real():
    tables = {n: asof.read_processed(f"{n}.csv") for n in ("list_rows", "lists", "agreements", "agreement_places")}
    tables["newest"] = series_lists(tables["lists"])["list_id"].iloc[-1]
    return tables


# ---------------------------------------------------------------------------------------------
# The rule: the identity role of the agency's name, unless a hand row says otherwise

@pytest.mark.parametrize("state, agency, role, rule", [
    ("AZ", "Arizona Department of Corrections", CORRECTIONS, "name: corrections"),
    ("NE", "Nebraska Department of Correctional Services", CORRECTIONS, "name: corrections"),
    ("WV", "West Virginia Division of Corrections and Rehabilitation", CORRECTIONS, "name: corrections"),
    ("VA", "Virginia DOC Law Enforcement Services", CORRECTIONS, "name: corrections"),  # DOC spelled out
    # must not fire: state police, patrols, investigators and other state bodies enforce the law statewide
    ("ID", "Idaho State Police Department", LAW_ENFORCEMENT, "name: not corrections"),
    ("WY", "Wyoming State Highway Patrol", LAW_ENFORCEMENT, "name: not corrections"),
    ("KS", "Kansas Bureau of Investigation", LAW_ENFORCEMENT, "name: not corrections"),
    ("FL", "Florida Fish & Wildlife Conservation Commission", LAW_ENFORCEMENT, "name: not corrections"),
    # a combined department reads police first: the name rule alone says law enforcement
    ("LA", "Louisiana Department of Public Safety & Corrections", LAW_ENFORCEMENT, "name: not corrections"),
])
def test_the_name_rule_reads_corrections_departments_only(state, agency, role, rule):
    assert geography.statewide_role(state, agency, {}) == (role, rule, "")


def test_a_hand_row_overrules_the_name_rule_under_any_name_of_the_agency():
    hand = {("LA", keys.text_key("Louisiana DPS and Corrections")): (CORRECTIONS, "its JEM runs in prisons")}
    name = "Louisiana Department of Public Safety & Corrections"
    assert geography.statewide_role("LA", name, hand) == (LAW_ENFORCEMENT, "name: not corrections", "")
    assert geography.statewide_role("LA", name, hand, other_names=("Louisiana DPS and Corrections",)) == (
        CORRECTIONS, "hand", "its JEM runs in prisons")
    assert geography.statewide_role("MS", "Louisiana DPS and Corrections", hand)[1] != "hand"  # keyed by state too


def test_every_statewide_agency_of_the_history_has_a_role_and_no_other_agency_has_one(real):
    places = real["agreement_places"]
    statewide = places["method"] == "statewide"
    assert set(places.loc[statewide, "statewide_role"]) == {CORRECTIONS, LAW_ENFORCEMENT}
    assert (places.loc[~statewide, ["statewide_role", "role_rule", "role_evidence"]] == "").all().all()


def test_the_corrections_departments_on_the_newest_list_are_the_real_ones(real):
    roles = maps.statewide_agency_roles(real["agreement_places"], real["agreements"], real["lists"])
    newest = roles[roles["on_newest"]]
    corrections = newest[newest["statewide_role"] == CORRECTIONS]
    assert sorted(zip(corrections["state"], corrections["agency"])) == [
        ("AK", "Alaska Department of Corrections"), ("AR", "Arkansas Department of Corrections"),
        ("AZ", "Arizona Department of Corrections"), ("FL", "Florida Department of Corrections"),
        ("GA", "Georgia Department of Corrections"), ("IN", "Indiana Department of Corrections"),
        ("LA", "Louisiana Department of Public Safety & Corrections"),
        ("MA", "Massachusetts Department of Corrections"), ("MP", "CNMI Department of Corrections"),
        ("MS", "Mississippi Department of Corrections"), ("NE", "Nebraska Department of Correctional Services"),
        ("OK", "Oklahoma Department of Corrections"), ("SD", "South Dakota Department of Corrections"),
        ("TN", "Tennessee Department of Corrections"), ("UT", "Utah Department of Corrections"),
        ("WV", "West Virginia Division of Corrections and Rehabilitation")]
    # Louisiana's combined department alone is decided by hand; its name reads police
    by_hand = roles[roles["role_rule"] == "hand"]
    assert by_hand[["state", "name_role", "statewide_role"]].values.tolist() == [["LA", "police", CORRECTIONS]]
    assert by_hand["role_evidence"].iloc[0].startswith("one department with a public-safety side")
    # the committed QA table is this table
    committed = pd.read_csv(paths.qa_dir() / "statewide_agency_roles.csv", dtype=str, keep_default_na=False)
    assert committed["agency_id"].tolist() == roles["agency_id"].tolist()
    assert committed["statewide_role"].tolist() == roles["statewide_role"].tolist()


# ---------------------------------------------------------------------------------------------
# The three figures on the newest list, recomputed here from the lists, the placements and the Census file

def _county_population() -> dict:
    pop = pd.read_csv(REAL_RAW / "census" / "co-est2024-alldata.csv", encoding="latin-1", dtype=str,
                      usecols=["SUMLEV", "STATE", "COUNTY", "POPESTIMATE2024"])
    counties = pop[pop["SUMLEV"] == "050"]
    return dict(zip(counties["STATE"] + counties["COUNTY"], counties["POPESTIMATE2024"].astype(int)))


def test_the_three_figures_on_the_newest_list_are_recomputed_from_the_placements(real):
    rows, places, newest = real["list_rows"], real["agreement_places"], real["newest"]
    on = rows[rows["list_id"] == newest]
    placed = places[places["agreement_id"].isin(set(agreement_ids(on)))]
    local = {f for fips in placed["county_fips"] for f in fips.split(";") if f}
    statewide = placed[placed["method"] == "statewide"]
    every = set(statewide["state"])
    enforcing = set(statewide.loc[statewide["statewide_role"] == LAW_ENFORCEMENT, "state"])
    assert every - enforcing == {"AK", "AZ", "MA", "UT"}
    pop = _county_population()
    fips = dict(zip(geography.states()["state"], geography.states()["state_fips"]))

    def residents(states):
        codes = {fips.get(s) for s in states}
        return sum(n for f, n in pop.items() if f in local or f[:2] in codes)

    expected = {"population_local": residents(()), "population_law_enforcement": residents(enforcing),
                "population_covered": residents(every)}
    got = maps.population_covered(rows, real["lists"], places).set_index("list_id").loc[newest]
    assert {k: int(got[k]) for k in expected} == expected
    assert got["corrections_only_states"] == "AK;AZ;MA;UT"
    assert got["share_local"] < got["share_law_enforcement"] < got["share_covered"]
    committed = pd.read_csv(paths.processed_dir() / "population_covered.csv", dtype={"list_id": str}).set_index(
        "list_id").loc[newest]
    assert {k: int(committed[k]) for k in expected} == expected
    assert committed["share_law_enforcement"] == round(expected["population_law_enforcement"]
                                                       / committed["population_total"], 6)


def test_a_state_with_only_a_corrections_department_counts_only_in_the_widest_figure():
    lists = pd.DataFrame({"list_id": ["L1"], "list_date": ["2025-06-30"], "in_series": ["True"],
                          "list_kind": ["participating"], "time_of_day": [""], "era": ["ice_workbook"]})
    held = [("TX-dps", "TFM", "TX", LAW_ENFORCEMENT), ("TX-doc", "JEM", "TX", CORRECTIONS),  # both: covered
            ("AZ-doc", "JEM", "AZ", CORRECTIONS),  # corrections only
            ("ID-isp", "TFM", "ID", LAW_ENFORCEMENT)]  # state police alone: covered
    rows = pd.DataFrame({"list_id": "L1", "agency_id": [a for a, *_ in held] + ["FL-sheriff"],
                         "model": [m for _, m, *_ in held] + ["JEM"], "signed": ""})
    ids = agreement_ids(rows).tolist()
    places = pd.DataFrame({"agreement_id": ids, "method": ["statewide"] * len(held) + ["printed_county"],
                           "state": [s for *_, s, _ in held] + ["FL"], "county_fips": [""] * len(held) + ["12086"],
                           "statewide_role": [r for *_, r in held] + [""]})
    got = maps.population_covered(rows, lists, places).iloc[0]
    pop = _county_population()

    def residents(state_fips):
        return sum(n for f, n in pop.items() if f[:2] in state_fips)

    miami = pop["12086"]
    assert got["population_local"] == miami
    assert got["population_law_enforcement"] == miami + residents({"48", "16"})
    assert got["population_covered"] == miami + residents({"48", "16", "04"})
    assert (got["statewide_states"], got["corrections_only_states"]) == ("AZ;ID;TX", "AZ")
    assert maps.corrections_only_states(rows, places, "L1") == ["AZ"]
    assert maps.corrections_only_states(rows, places, "L1", "TFM") == []  # TX and ID hold TFMs of police


# ---------------------------------------------------------------------------------------------
# Hand rows: reported when they match no statewide agency, refused with an impossible role

@pytest.fixture
def hand_copy(tmp_path, monkeypatch):
    hand = tmp_path / "hand"
    shutil.copytree(REAL_RAW.parent / "hand", hand)
    monkeypatch.setattr(paths, "hand_dir", lambda: hand)
    return hand


def test_a_role_row_matching_no_statewide_agency_is_reported(real, hand_copy):
    assert placement_qa.unused_place_fixes(real["agreement_places"]).empty
    with open(hand_copy / census.ROLES_TABLE, "a") as fh:
        fh.write("TX,Harris County Sheriff's Office,corrections,a county agency: never statewide\n")
    assert placement_qa.unused_place_fixes(real["agreement_places"]).to_dict("records") == [
        {"table": "data/hand/statewide_agency_roles.csv", "state": "TX", "value": "Harris County Sheriff's Office"}]


def test_a_role_row_with_an_impossible_role_or_no_reason_is_a_problem(hand_copy):
    assert placement_qa.hand_place_problems().empty
    with open(hand_copy / census.ROLES_TABLE, "a") as fh:
        fh.write("AK,Alaska Department of Corrections,prisons,a role that does not exist\n")
        fh.write("UT,Utah Department of Corrections,law enforcement,\n")
    assert placement_qa.hand_place_problems()[["value", "problem"]].values.tolist() == [
        ["Alaska Department of Corrections", "role 'prisons' is not one of corrections, law enforcement"],
        ["Utah Department of Corrections", "no reason"]]


# ---------------------------------------------------------------------------------------------
# What readers see: the state report's sentence, the README line, the maps' hatches

def test_the_state_report_says_a_corrections_department_covers_prisons_not_residents(real):
    rows, places, newest = real["list_rows"], real["agreement_places"], real["newest"]
    az = reports.statewide_summary(rows, places, newest, "AZ")
    assert az.startswith("The only statewide agreement on this list is the corrections department's JEM "
                         "(Arizona Department of Corrections).")
    assert "not the state's residents in general" in az and "not counted as covered statewide" in az
    ak = reports.statewide_summary(rows, places, newest, "AK")
    assert "corrections department's WSO (Alaska Department of Corrections)" in ak
    # must not fire where a law-enforcement agency holds one too, nor where there is none
    ga = reports.statewide_summary(rows, places, newest, "GA")
    assert ga.startswith("Statewide agreements of law-enforcement agencies cover the whole state: Georgia "
                         "Department of Public Safety (TFM).")
    assert "Georgia Department of Corrections (JEM)" in ga and "The only" not in ga
    assert reports.statewide_summary(rows, places, newest, "CA").startswith("No statewide agreement")


def test_the_readme_line_leads_with_the_law_enforcement_share_and_names_the_other_two():
    covered = pd.DataFrame({"list_id": ["L1", "L2"], "share_law_enforcement": ["0.4", "0.466086"],
                            "share_covered": ["0.5", "0.496234"], "share_local": ["0.3", "0.341696"],
                            "corrections_only_states": ["", "AK;AZ"]})
    line, = readme.coverage_lines(covered, "L2")
    assert line.startswith("- **46.6%** of U.S. residents")
    assert "**49.6%** counting any agreement, including the corrections departments' statewide agreements in the 2 " \
           "states where they are the only ones (AK, AZ), which reach the people held in state prisons" in line
    assert "**34.2%** counting local agreements only" in line
    plain, = readme.coverage_lines(covered, "L1")
    assert "**50.0%** counting any agreement; " in plain and "prisons" not in plain


def test_the_readme_headline_is_the_newest_lists_law_enforcement_share(real):
    cover = asof.read_processed("population_covered.csv").set_index("list_id").loc[real["newest"]]
    block = readme.readme_block(readme.readme_tables())
    assert f"- **{float(cover['share_law_enforcement']):.1%}** of U.S. residents" in block
    assert f"**{float(cover['share_covered']):.1%}** counting any agreement" in block
    assert "in the 4 states where they are the only ones (AK, AZ, MA, UT), which reach the people held in state " \
           "prisons rather than the state's residents" in block


def test_corrections_only_states_get_their_own_hatch_and_legend_entry():
    import geopandas as gpd
    import matplotlib.pyplot as plt
    from shapely.geometry import box

    shapes = gpd.GeoDataFrame({"state": ["TX", "AZ", "CA"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1),
                                                                     box(2, 0, 3, 1)])
    fig, ax = plt.subplots()
    charts.draw_statewide(ax, shapes, ["AZ", "TX"], ["AZ"])
    hatches = sorted((c.get_hatch(), len(c.get_paths())) for c in ax.collections)
    assert hatches == sorted((charts.STATEWIDE_HATCH[role][0], 1) for role in (CORRECTIONS, LAW_ENFORCEMENT))
    labels = [t.get_text() for t in charts.coverage_legend(ax).get_texts()]
    assert charts.STATEWIDE_HATCH[CORRECTIONS][2] in labels
    assert charts.STATEWIDE_HATCH[CORRECTIONS][2] not in [
        t.get_text() for t in charts.coverage_legend(ax, corrections=False).get_texts()]
    plt.close(fig)
