"""Identity: the abbreviation table, the rename rules at list transitions, and the real renames."""
from __future__ import annotations

import difflib

import pandas as pd
import pytest

from ice287g.history.history import agreement_history
from ice287g.history import agreements
from ice287g.history.history import merge_list_renames
from ice287g.core.keys import agency_key
from ice287g.history.identity import edit_distance, rename_rule
from ice287g.core.keys import strip_state

from .synthetic_history import lists_frame, rows_frame

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

# ---- the abbreviation table: one test per entry ---------------------------------------------------

@pytest.mark.parametrize("short, full", [
    ("Polk Cnty Sheriff's Office", "Polk County Sheriff's Office"),
    ("Polk Cty Sheriff's Office", "Polk County Sheriff's Office"),
    ("Polk Co. Sheriff's Office", "Polk County Sheriff's Office"),
    ("Polk County Sheriff's Dept.", "Polk County Sheriff's Department"),
    ("Polk County Sheriff's Dep", "Polk County Sheriff's Department"),
    ("Polk County SO", "Polk County Sheriff's Office"),
    ("Tampa PD", "Tampa Police Department"),
    ("Mahoning Twp Police Department", "Mahoning Township Police Department"),
    ("Polk County Sheriff's Ofc", "Polk County Sheriff's Office"),
    ("Polk County Sheriffs Office", "Polk County Sheriff’s Office"),
    ("Virginia DOC", "Virginia Department of Corrections"),
    ("Polk County Jail & Detention", "Polk County Jail and Detention"),
    ("Indian River Shores DPS", "Indian River Shores Department of Public Safety"),
    ("Gulf County BOCC", "Gulf County Board of County Commissioners"),
    ("Walker County Constable Pct 3", "Walker County Constable Precinct 3"),
])
def test_abbreviation_entry_folds(short, full):
    assert agency_key(short) == agency_key(full)


def test_co_is_county_only_after_a_name_and_so_sheriffs_office_only_at_the_end():
    # Colorado's code at the start of a Colorado name is not "County"
    assert agency_key("CO Dept. of Public Safety") == "CO DEPARTMENT OF PUBLIC SAFETY"
    assert agency_key("Cabarrus Co. Sheriff's Office") == "CABARRUS COUNTY SHERIFFS OFFICE"
    # "So Middleton" is South Middleton, not a sheriff's office
    assert "SHERIFFS" not in agency_key("Pennsylvania State Constable's Office So Middleton Twp")


def test_a_typo_rule_never_joins_two_real_counties():
    from ice287g.ingest.census import names_two_counties

    old, new = "Madison County Sheriff's Office", "Marion County Sheriff's Office"
    assert rename_rule("AL", old, new) == "edit_distance"  # two edits apart, as a typo would be
    assert names_two_counties("AL", old, new)
    assert rename_rule("AL", old, new, names_two_counties) == ""
    # a real typo of one county is still a typo: Dogulas names no county
    assert rename_rule("MO", "Dogulas County Sheriff's Office", "Douglas County Sheriff's Office",
                       names_two_counties) == "edit_distance"


def test_edit_distance_and_state_prefix():
    assert edit_distance("DOGULAS", "DOUGLAS") == 2
    assert edit_distance("COUNY", "COUNTY") == 1
    assert strip_state("MONTANA DEPARTMENT OF JUSTICE", "MT") == "DEPARTMENT OF JUSTICE"
    assert strip_state("MT DEPARTMENT OF JUSTICE", "MT") == "DEPARTMENT OF JUSTICE"
    assert strip_state("MT DEPARTMENT OF JUSTICE", "WY") == "MT DEPARTMENT OF JUSTICE"


@pytest.mark.parametrize("state, old, new, rule", [
    ("TX", "Dimmit Couny Sheriff's Office", "Dimmit County Sheriff's Office", "edit_distance"),
    ("FL", "Gulf County BOCC", "Gulf County Board of County Commissioners", "abbreviation"),
    ("MT", "MT Dept of Justice", "Montana Department of Justice", "state_prefix"),
    ("VA", "Department of Corrections", "Virginia Department of Corrections", "state_prefix"),
    ("WY", "Wyoming Highway State Patrol", "Wyoming State Highway Patrol", "word_order"),
    ("FL", "Okaloosa County Board of County Commissioners",
     "Okaloosa County Board of County Commissioners/ Department of Corrections", "name_extended"),
    # never one agency
    ("FL", "Okaloosa County Sheriff's Office", "Okaloosa County Department of Corrections", ""),
    ("TX", "Haskell Police Department", "Haskell County Sheriff's Office", ""),
    ("PA", "Cambria County Sheriff's Office", "Cambria County Prison", ""),
    ("TX", "Hays County Sheriff's Office", "Texas Department of Criminal Justice", ""),
    ("TX", "Smith County Constable Precinct 2", "Smith County Constable Precinct 3", ""),
    ("VA", "Department of Corrections", "Virginia Department of State Police", ""),
])
def test_rename_rule(state, old, new, rule):
    assert rename_rule(state, old, new) == rule


# ---- a small synthetic history --------------------------------------------------------------------

DATES = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]


def _merge(rows, distinct=None):
    lists = lists_frame(DATES)
    return merge_list_renames(rows_frame(rows), lists, distinct or set())


def _on(dates, state, agency, model, signed):
    return [(d, state, agency, model, signed) for d in dates]


def test_each_rule_merges_a_transition():
    rows = (_on(DATES[:2], "TX", "Dimmit Couny Sheriff's Office", "JEM", "2024-12-10")
            + _on(DATES[2:], "TX", "Dimmit County Sheriff's Office", "JEM", "2024-12-10")
            + _on(DATES[:1], "VA", "Department of Corrections", "JEM", "2024-11-01")
            + _on(DATES[1:], "VA", "Virginia Department of Corrections", "JEM", "2024-11-01")
            + _on(DATES[:3], "WY", "Wyoming Highway State Patrol", "TFM", "2024-07-24")
            + _on(DATES[3:], "WY", "Wyoming State Highway Patrol", "TFM", "2024-07-24")
            + _on(DATES[:2], "FL", "Pasco County Board of County Commissioners", "WSO", "2024-02-26")
            + _on(DATES[2:], "FL", "Pasco County Board of County Commissioners/ Pasco County Corrections", "WSO",
                  "2024-02-26"))
    list_rows, renames, cand = _merge(rows)
    assert list(renames.columns) == ["agreement_id", "old_agency", "new_agency", "state", "model", "signed",
                                     "old_last_listed", "new_first_listed", "rule"]
    assert dict(zip(renames["state"], renames["rule"])) == {
        "TX": "edit_distance", "VA": "state_prefix", "WY": "word_order", "FL": "name_extended"}
    assert renames["agreement_id"].is_monotonic_increasing
    # the old rows now carry the new name's agency_id, and keep what was printed
    dimmit = list_rows[list_rows["agency"].str.startswith("Dimmit")]
    assert set(dimmit["agency_id"]) == {"TX-dimmit-county-sheriffs-office"}
    assert set(dimmit["agency_key"]) == {"DIMMIT COUNY SHERIFFS OFFICE", "DIMMIT COUNTY SHERIFFS OFFICE"}
    assert cand.empty
    history = agreement_history(list_rows, lists_frame(DATES))
    assert set(history["status"]) == {"Active"} and len(history) == 4


def test_abbreviation_and_hand_transitions_are_logged():
    rows = (_on(DATES[:2], "FL", "Gulf County BOCC", "WSO", "2024-02-26")
            + _on(DATES[2:], "FL", "Gulf County Board of County Commissioners", "WSO", "2024-02-26"))
    _, renames, _ = _merge(rows)
    assert renames[["old_agency", "rule", "old_last_listed", "new_first_listed"]].values.tolist() == [
        ["Gulf County BOCC", "abbreviation", DATES[1], DATES[2]]]
    # a hand alias: the key (after aliases.csv) is shared but the printed name is not
    frame = rows_frame(_on(DATES[:2], "MN", "Freedom County Sheriff's Office", "WSO", "2025-03-27")
                       + _on(DATES[2:], "MN", "Freeborn County Sheriff's Office", "WSO", "2025-03-27"))
    frame["agency_key"] = agency_key("Freeborn County Sheriff's Office")
    frame["agency_id"] = "MN-freeborn-county-sheriffs-office"
    _, renames, _ = merge_list_renames(frame, lists_frame(DATES), set())
    assert renames["rule"].tolist() == ["hand"]


def test_different_agencies_sharing_a_signing_date_never_merge():
    rows = (_on(DATES[:2], "FL", "Okaloosa County Sheriff's Office", "JEM", "2024-02-26")
            + _on(DATES[2:], "FL", "Okaloosa County Department of Corrections", "JEM", "2024-02-26")
            + _on(DATES[:2], "TX", "Hays County Sheriff's Office", "TFM", "2024-03-01")
            + _on(DATES[2:], "TX", "Texas Department of Criminal Justice", "TFM", "2024-03-01"))
    list_rows, renames, _ = _merge(rows)
    assert renames.empty and list_rows["agency_id"].nunique() == 4


def test_outside_the_window_or_on_one_list_never_merges():
    dates = ["2025-01-01", "2025-02-01", "2025-06-01"]
    rows = rows_frame([(dates[0], "TX", "La Vernia Police Deparment", "TFM", "2024-02-23"),
                       (dates[2], "TX", "La Vernia Police Department", "TFM", "2024-02-23"),
                       (dates[1], "TX", "Other Police Department", "TFM", "2024-02-23")])
    _, renames, _ = merge_list_renames(rows, lists_frame(dates), set())
    assert renames.empty  # 151 days later, and not on the next list


def test_several_partners_are_ambiguous_and_go_to_candidates():
    rows = (_on(DATES[:2], "MO", "Dogulas County Sheriff's Office", "TFM", "2024-11-19")
            + _on(DATES[2:], "MO", "Douglas County Sheriff's Office", "TFM", "2024-11-19")
            + _on(DATES[2:], "MO", "Dogulas County Sheriffs Offices", "TFM", "2024-11-19"))
    list_rows, renames, cand = _merge(rows)
    assert renames.empty and list_rows["agency_id"].nunique() == 3
    assert len(cand) == 2 and cand["why"].str.startswith("ambiguous").all()


def test_near_miss_goes_to_candidates_and_hand_distinct_pair_is_dropped():
    rows = (_on(DATES[:2], "TX", "Parker County District Attorney's Office", "TFM", "2024-04-05")
            + _on(DATES[2:], "TX", "Parker County (County) Attorney's Office", "TFM", "2024-04-05"))
    _, renames, cand = _merge(rows)
    assert renames.empty and cand["why"].str.startswith("near miss").tolist() == [True]
    distinct = {("TX", frozenset({agency_key("Parker County District Attorney's Office"),
                                  agency_key("Parker County (County) Attorney's Office")}))}
    _, renames, cand = _merge(rows, distinct)
    assert renames.empty and cand.empty
    # a hand-distinct pair that would pass a rule is never merged either
    typo = (_on(DATES[:2], "TX", "Dimmit Couny Sheriff's Office", "JEM", "2024-12-10")
            + _on(DATES[2:], "TX", "Dimmit County Sheriff's Office", "JEM", "2024-12-10"))
    distinct = {("TX", frozenset({agency_key("Dimmit Couny Sheriff's Office"),
                                  agency_key("Dimmit County Sheriff's Office")}))}
    list_rows, renames, cand = _merge(typo, distinct)
    assert renames.empty and cand.empty and list_rows["agency_id"].nunique() == 2


# ---- the real history -----------------------------------------------------------------------------

def test_the_real_history_carries_each_agency_ori_from_the_rosters(real_history):
    agencies = real_history.agencies.set_index("agency_id")
    assert agencies.loc["TX-harris-county-sheriffs-office", "ori"] == "TX1010000"
    # created in 2025, after both rosters: no ORI, and the matches say why
    assert agencies.loc["FL-miami-dade-sheriffs-office", "ori"] == ""
    matches = real_history.roster.matches.set_index("agency_id")
    assert agencies["ori"].equals(matches["ori"].reindex(agencies.index))
    # no two names of the name rules claim one ORI on the real lists, so no merge by ORI
    assert real_history.roster.shared.empty and real_history.roster.mapping == {}
    assert not (real_history.qa["renames"]["rule"] == "ori").any()


def test_real_typo_rows_carry_the_corrected_agency_id(real_history):
    rows = real_history.list_rows
    dimmit = rows[rows["agency_printed"].str.startswith("Dimmit Couny")]
    assert len(dimmit) and set(dimmit["agency_id"]) == {"TX-dimmit-county-sheriffs-office"}
    renames = real_history.qa["renames"]
    dimmit = renames[renames["old_agency"] == "Dimmit Couny Sheriff's Office"]
    assert sorted(dimmit["model"]) == ["JEM", "TFM", "WSO"] and set(dimmit["rule"]) == {"edit_distance"}
    assert {"edit_distance", "abbreviation", "state_prefix", "hand"} <= set(renames["rule"])


def test_real_okaloosa_sheriff_and_corrections_stay_distinct(real_history):
    ids = set(real_history.agencies.loc[real_history.agencies["state"] == "FL", "agency_id"])
    assert {"FL-okaloosa-county-sheriffs-office", "FL-okaloosa-county-department-of-corrections"} <= ids


def removed_with_near_identical_successor(agreements_df: pd.DataFrame, distinct=frozenset()) -> list[tuple]:
    """Removed agreements with a same-state, same-model, same-signing-date agreement of a near-identical
    name (difflib ratio >= 0.85 on agency_key) first listed within 60 days: a missed rename."""
    a = agreements_df[agreements_df["signed"] != ""].assign(key=agreements_df["agency"].map(agency_key))
    out = []
    for r in a[a["status"] == "Removed"].itertuples(index=False):
        later = a[(a["state"] == r.state) & (a["model"] == r.model) & (a["signed"] == r.signed)
                  & (a["agency_id"] != r.agency_id) & (a["first_listed"] > r.last_listed)]
        later = later[(pd.to_datetime(later["first_listed"]) - pd.Timestamp(r.last_listed)).dt.days <= 60]
        for s in later.itertuples(index=False):
            if (r.state, frozenset({r.key, s.key})) in distinct:
                continue
            if difflib.SequenceMatcher(None, r.key, s.key).ratio() >= 0.85:
                out.append((r.agreement_id, s.agreement_id))
    return out


def test_done_when_fewer_than_3_removed_agreements_are_missed_renames(real_history):
    from ice287g.history.identity import load_distinct

    assert len(removed_with_near_identical_successor(real_history.agreements, load_distinct())) < 3


def test_missed_rename_check_can_fail():
    a = pd.DataFrame({"agreement_id": ["x", "y"], "agency_id": ["TX-a", "TX-b"], "state": "TX",
                      "agency": ["Dimmit Couny Sheriff's Office", "Dimmit County Sheriff's Office"],
                      "model": "JEM", "signed": "2025-12-10", "first_listed": ["2025-01-01", "2025-02-01"],
                      "last_listed": ["2025-01-15", "2025-03-01"], "status": ["Removed", "Active"]})
    assert removed_with_near_identical_successor(a) == [("x", "y")]


@pytest.mark.integration  # the whole history build, again, with doctored roster evidence
def test_a_merge_by_ori_runs_through_the_whole_build(monkeypatch):
    # doctored evidence: the rosters give the partners page's Alabama State Police and the fact sheets' Alabama
    # Department of Public Safety one ORI (no name rule joins them); the build merges them as one agency
    from ice287g.history import roster

    old, new = "AL-alabama-state-police", "AL-alabama-department-of-public-safety"
    monkeypatch.setattr(roster, "ori_mapping", lambda shared, rows: {old: new})
    history = agreements.build_history()
    assert not (history.list_rows["agency_id"] == old).any()
    assert old not in set(history.agencies["agency_id"]) and old not in set(history.roster.matches["agency_id"])
    merged = history.agencies.set_index("agency_id").loc[new]
    assert {"Alabama State Police", "Alabama Department of Public Safety"} <= set(merged["spellings"].split("; "))
    by_ori = history.qa["renames"][history.qa["renames"]["rule"] == "ori"]
    assert by_ori[["old_agency", "new_agency"]].drop_duplicates().values.tolist() == [
        ["Alabama State Police", "Alabama Department of Public Safety"]]
    assert set(by_ori["agreement_id"]) <= set(history.agreements["agreement_id"])
    assert not history.qa["identity_candidates"][["agency_id_a", "agency_id_b"]].isin([old]).any().any()
