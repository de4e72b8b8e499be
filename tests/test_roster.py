"""ORIs for the agencies of the history: real values from the real FBI rosters and the committed history,
and every QA check failing on doctored input."""
from __future__ import annotations

import gzip

import pandas as pd
import pytest

from ice287g.core import keys
from ice287g.history import roster
from ice287g.ingest import fbi_rosters

from .conftest import REAL_ROOT, committed_table

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

FBI_2018 = REAL_ROOT / "data" / "raw" / fbi_rosters.ROSTER_FILES["fbi_2018"]


@pytest.fixture(scope="module")
def rosters(real_rosters) -> pd.DataFrame:
    return real_rosters


@pytest.fixture(scope="module")
def agencies() -> pd.DataFrame:
    return committed_table("agencies.csv")


@pytest.fixture(scope="module")
def printed() -> pd.Series:
    return roster.printed_counties(committed_table("list_rows.csv"))


@pytest.fixture(scope="module")
def matches(agencies, rosters, printed) -> pd.DataFrame:
    return roster.match_agencies(agencies, rosters, roster.load_hand_ori(), printed)


def _one(frame: pd.DataFrame, column: str, value: str) -> dict:
    hit = frame[frame[column] == value]
    assert len(hit) == 1, (value, len(hit))
    return hit.iloc[0].to_dict()


# ---------------------------------------------------------------------------------------------
# Reading the rosters

def test_the_2018_list_comes_first_and_the_2017_list_adds_only_the_oris_it_lacks(rosters):
    assert rosters["ori"].is_unique and list(rosters.columns) == fbi_rosters.ROSTER_COLUMNS
    assert (rosters["roster"] == "fbi_2018").sum() == 18702  # the README's count of the 2018 list
    harris = _one(rosters, "ori", "TX1010000")  # line 260 of the 2018 CSV
    assert (harris["roster"], harris["roster_name"], harris["roster_type"], harris["state"]) == \
        ("fbi_2018", "Harris County Sheriff's Office", "County", "TX")
    assert harris["roster_county_fips"] == harris["roster_point_county_fips"] == "48201"
    # the 2018 list codes Nebraska NB; the state is read from its name
    assert "NB" not in set(rosters["state"]) and (rosters["state"] == "NE").sum() > 200
    assert set(rosters.loc[rosters["roster"] == "fbi_2017", "ori"]).isdisjoint(
        set(rosters.loc[rosters["roster"] == "fbi_2018", "ori"]))


def test_several_counties_give_the_first_one():
    assert fbi_rosters.first_county("KENT; SUSSEX") == "KENT"  # Milford Police Department, Delaware


def test_an_unreadable_roster_names_the_file_and_where(tmp_path):
    lines = FBI_2018.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "agencies.csv"
    bad.write_text("\n".join([lines[0], lines[1].replace("19.716698", "north")]) + "\n", encoding="utf-8")
    with pytest.raises(fbi_rosters.RosterError, match=r"agencies.csv line 2, column latitude: 'north' is not a number"):
        fbi_rosters.read_fbi_2018(bad)
    bad.write_text(lines[0].replace(",ori,", ",code,") + "\n", encoding="utf-8")
    with pytest.raises(fbi_rosters.RosterError, match=r"agencies.csv: needs column\(s\) \['ori'\]"):
        fbi_rosters.read_fbi_2018(bad)
    broken = tmp_path / "agencies.json.gz"
    broken.write_bytes(gzip.compress(b'{"TX": {"TX1010000": {"agency_name": "Harris"\n  oops}}'))
    with pytest.raises(fbi_rosters.RosterError, match=r"agencies.json.gz: not JSON at line 2, column 3"):
        fbi_rosters.read_fbi_2017(broken)


# ---------------------------------------------------------------------------------------------
# Matching

def test_a_sheriff_matches_its_real_ori_by_exact_name(matches):
    row = _one(matches, "agency_id", "AL-autauga-county-sheriffs-office")  # line 6487 of the 2018 CSV
    assert (row["ori"], row["match_rule"], row["roster"], row["roster_county_fips"]) == \
        ("AL0040000", "exact_name", "fbi_2018", "01001")
    assert list(matches.columns) == roster.MATCH_COLUMNS
    assert matches["agency_id"].is_unique and set(matches["match_rule"]) <= set(roster.MATCH_RULES)


@pytest.mark.parametrize("agency_id, ori, roster_name", [
    ("AZ-city-of-phoenix-police-department", "AZ0072300", "Phoenix Police Department"),  # not IL's or OR's
    ("FL-jupiter-island-department-of-public-safety", "FL0430200", "Jupiter Island Police Department"),
    ("AR-arkansas-state-police", "ARASP0000", "Arkansas State Police"),
])
def test_the_fbi_name_forms_match_as_normalized(matches, agency_id, ori, roster_name):
    row = _one(matches, "agency_id", agency_id)
    assert (row["ori"], row["match_rule"], row["roster_name"]) == (ori, "normalized", roster_name)


def test_roster_key_keeps_townships_and_state_departments():
    assert keys.roster_key("Pointe Coupee Parish Sheriff's Department") == keys.roster_key(
        "Pointe Coupee County Sheriff's Office")
    assert keys.roster_key("West York Borough Police Department") == keys.roster_key("West York Police Department")
    assert keys.roster_key("Manor Township Police Department") != keys.roster_key("Manor Police Department")
    assert keys.roster_key("Minnesota Department of Public Safety", "MN") == "MINNESOTA DEPARTMENT OF PUBLIC SAFETY"


def test_an_ambiguous_name_is_not_taken_and_its_oris_are_candidates(matches, rosters, agencies):
    row = _one(matches, "agency_id", "PA-union-township-police-department")
    assert row["match_rule"] == "none" and row["ori"] == ""
    assert row["note"].startswith("ambiguous: 3 ORIs share the name")
    candidates = roster.roster_candidates(matches, rosters, agencies)
    mine = candidates[candidates["agency_id"] == row["agency_id"]]
    assert sorted(mine["ori"]) == ["PA0440900", "PA060070X", "PA0633500"]
    # a near name is proposed, never taken
    near = candidates[candidates["why"].str.startswith("similar")]
    assert len(near) and not near["agency_id"].isin(set(matches.loc[matches["ori"] != "", "agency_id"])).any()


def test_a_hand_row_wins_over_every_rule(tmp_path, agencies, rosters):
    path = tmp_path / "agency_ori.csv"
    path.write_text("state,agency,ori,reason\n"
                    "PA,Union Township Police Department,PA0633500,doctored: the row's evidence\n"
                    "AL,Autauga County Sheriffs Office,,doctored: no ORI\n", encoding="utf-8")
    hand_ori = roster.load_hand_ori(path)
    matches = roster.match_agencies(agencies, rosters, hand_ori)
    union = _one(matches, "agency_id", "PA-union-township-police-department")
    assert (union["ori"], union["match_rule"]) == ("PA0633500", "hand")
    autauga = _one(matches, "agency_id", "AL-autauga-county-sheriffs-office")
    assert (autauga["ori"], autauga["match_rule"]) == ("", "hand") and "no ORI" in autauga["note"]
    assert roster.unused_hand_rows(hand_ori, agencies).empty


def test_a_hand_row_without_a_reason_stops(tmp_path):
    path = tmp_path / "agency_ori.csv"
    path.write_text("state,agency,ori,reason\nPA,Union Township Police Department,PA0633500, \n", encoding="utf-8")
    with pytest.raises(fbi_rosters.RosterError, match=r"agency_ori.csv line 2: every row needs a reason"):
        roster.load_hand_ori(path)


# ---------------------------------------------------------------------------------------------
# Shared ORIs, coverage and the QA rows

@pytest.fixture(scope="module")
def list_rows() -> pd.DataFrame:
    return committed_table("list_rows.csv")


@pytest.fixture(scope="module")
def lists() -> pd.DataFrame:
    return committed_table("lists.csv").assign(in_series=lambda d: d["in_series"] == "True")


def _qa(matches, agencies, rosters, shared=None, hand_unused=None, renames=None):
    list_rows = committed_table("list_rows.csv")
    rows = roster.newest_rows(list_rows, committed_table("lists.csv"))
    coverage = roster.coverage_by_type(matches, agencies, rows)
    shared = (roster.shared_ori_table(roster.shared_ori_pairs(matches), agencies, list_rows) if shared is None
              else shared)
    hand_unused = roster.load_hand_ori().iloc[0:0] if hand_unused is None else hand_unused
    empty = pd.DataFrame(columns=roster.DISAGREEMENT_COLUMNS)
    qa = roster.roster_qa(matches, coverage, shared, empty, hand_unused, rows["list_id"].iloc[0], renames)
    return coverage, qa.set_index(["check", "scope"])["status"]


def test_coverage_on_the_real_newest_list_meets_the_floor(matches, agencies, rosters):
    coverage, status = _qa(matches, agencies, rosters)
    local = coverage[coverage["agency_type"].isin(roster.LOCAL_TYPES)]
    assert local["with_ori"].sum() / local["agencies"].sum() >= roster.MIN_LOCAL_COVERAGE
    assert coverage.set_index("agency_type").loc["County", "share"] > 0.9
    assert (status == "fail").sum() == 0


def test_coverage_under_the_floor_fails(matches, agencies, rosters):
    doctored = matches.copy()
    doctored.loc[doctored["roster_type"] == "City", "ori"] = ""
    _, status = _qa(doctored, agencies, rosters)
    assert status.xs("roster_coverage_local", level="check").iloc[0] == "fail"


def test_one_ori_claimed_by_two_agencies_listed_together_fails(matches, agencies, rosters, list_rows):
    doctored = matches.copy()
    baldwin = doctored["agency_id"] == "AL-baldwin-county-sheriffs-office"
    doctored.loc[baldwin, "ori"] = "AL0040000"  # Autauga's
    pairs = roster.shared_ori_pairs(doctored)
    assert len(pairs) == 1 and pairs.iloc[0]["ori"] == "AL0040000"
    shared = roster.shared_ori_table(pairs, agencies, list_rows)
    assert shared.iloc[0]["status"] == "conflict"
    assert roster.ori_mapping(shared, list_rows) == {}
    _, status = _qa(doctored, agencies, rosters, shared=shared)
    assert status[("roster_shared_ori", "data/qa/roster_shared_ori.csv")] == "fail"
    # the same pair never on one list is one agency under two names: evidence for a merge, no fail
    autauga = set(list_rows.loc[list_rows["agency_id"] == "AL-autauga-county-sheriffs-office", "list_id"])
    apart = list_rows[~((list_rows["agency_id"] == "AL-baldwin-county-sheriffs-office")
                        & list_rows["list_id"].isin(autauga))]
    assert (apart["agency_id"] == "AL-baldwin-county-sheriffs-office").any()
    assert roster.shared_ori_table(pairs, agencies, apart).iloc[0]["status"] == "same_agency"


# Two real names of one state agency, listed years apart: the Alabama State Police on the partners page, the
# Alabama Department of Public Safety on the fact-sheet lists. Neither finds an ORI by name (state agencies
# rarely do), so giving both one ORI is a doctored rename that no name rule makes.
OLD_NAME, NEW_NAME = "AL-alabama-state-police", "AL-alabama-department-of-public-safety"


def _doctored_same_ori(matches):
    doctored = matches.copy()
    doctored.loc[doctored["agency_id"].isin([OLD_NAME, NEW_NAME]), ["ori", "match_rule"]] = ["AL0010000", "hand"]
    doctored.loc[doctored["agency_id"] == OLD_NAME, "match_rule"] = "exact_name"
    doctored.loc[doctored["agency_id"] == NEW_NAME, "match_rule"] = "normalized"
    return doctored


def test_two_names_of_one_ori_never_listed_together_merge_under_rule_ori(matches, agencies, list_rows, lists):
    from ice287g.history.history import agreement_history, series_rows
    from ice287g.history.identity import merge_agencies

    assert set(matches.loc[matches["agency_id"].isin([OLD_NAME, NEW_NAME]), "ori"]) == {""}  # no name rule
    shared = roster.shared_ori_table(roster.shared_ori_pairs(_doctored_same_ori(matches)), agencies, list_rows)
    assert shared["status"].tolist() == ["same_agency"]
    mapping = roster.ori_mapping(shared, list_rows)
    assert mapping == {OLD_NAME: NEW_NAME}  # the name listed last carries the agency on
    rows, _, _ = series_rows(list_rows, lists)
    merged, renames = merge_agencies(rows, list_rows, mapping, "ori")
    old_rows = list_rows["agency_id"] == OLD_NAME
    assert old_rows.sum() > 0 and (merged.loc[old_rows, "agency_id"] == NEW_NAME).all()
    assert (merged.loc[~old_rows, "agency_id"] == list_rows.loc[~old_rows, "agency_id"]).all()
    # one logged row per agreement of the old name: its partners-page row, moved to the new name
    old_agreements = rows.loc[rows["agency_id"] == OLD_NAME, ["model", "signed"]].drop_duplicates()
    assert len(renames) == len(old_agreements) and set(renames["rule"]) == {"ori"}
    first = renames.iloc[0]
    assert (first["old_agency"], first["new_agency"]) == ("Alabama State Police", "Alabama Department of Public Safety")
    assert first["agreement_id"] == f"{NEW_NAME}:unknown:undated"
    assert first["new_first_listed"] == agencies.set_index("agency_id").loc[NEW_NAME, "first_listed"]
    history = agreement_history(merged, lists)
    assert not history["agency_id"].eq(OLD_NAME).any()
    assert history["agency_id"].eq(NEW_NAME).sum() == (
        agreement_history(list_rows, lists)["agency_id"].isin([OLD_NAME, NEW_NAME]).sum())


def test_a_distinct_pair_of_one_ori_is_not_merged(matches, agencies, list_rows):
    distinct = {("AL", frozenset({roster.agency_key("Alabama State Police"),
                                  roster.agency_key("Alabama Department of Public Safety")}))}
    shared = roster.shared_ori_table(roster.shared_ori_pairs(_doctored_same_ori(matches)), agencies, list_rows,
                                     distinct)
    assert shared["status"].tolist() == ["distinct"]
    assert roster.ori_mapping(shared, list_rows) == {}


def test_the_rosters_confirm_real_renames_and_a_contradiction_fails(matches, agencies, rosters):
    renames = pd.read_csv(REAL_ROOT / "data/qa/renames.csv", dtype=str, keep_default_na=False)
    evidence = roster.rename_evidence(renames, rosters, roster.load_hand_ori())
    assert set(evidence["evidence"]) <= set(roster.RENAME_EVIDENCE)
    same = evidence[evidence["evidence"] == "same"]
    assert len(same) >= 10 and (same["ori_old"] == same["ori_new"]).all()
    _, status = _qa(matches, agencies, rosters, renames=evidence)
    assert status[("roster_rename_evidence", "data/qa/renames.csv, name rules")] == "pass"
    # a hand row giving the old name of a confirmed rename another ORI makes the rosters speak against it (a
    # rename whose names have two keys: a hand row is keyed by the name's key)
    row = same[[roster.agency_key(a) != roster.agency_key(b)
                for a, b in zip(same["old_agency"], same["new_agency"])]].iloc[0]
    hand_ori = pd.concat([roster.load_hand_ori(), pd.DataFrame([{
        "state": row["state"], "agency": row["old_agency"], "ori": "XX0000000", "reason": "doctored"}])])
    against = roster.rename_evidence(renames, rosters, hand_ori)
    assert (against["evidence"] == "different").sum() >= 1
    _, status = _qa(matches, agencies, rosters, renames=against)
    assert status[("roster_rename_evidence", "data/qa/renames.csv, name rules")] == "fail"


def test_a_hand_row_naming_no_agency_fails(matches, agencies, rosters):
    stray = pd.DataFrame([{"state": "TX", "agency": "Nowhere Police Department", "ori": "", "reason": "doctored"}])
    assert len(roster.unused_hand_rows(stray, agencies)) == 1
    _, status = _qa(matches, agencies, rosters, hand_unused=stray)
    assert status[("roster_hand_rows", "data/hand/agency_ori.csv")] == "fail"


def test_disagreements_are_typed_and_each_explained_settled_or_open(matches, rosters, agencies):
    d = roster.roster_disagreements(matches, rosters, agencies, committed_table("list_rows.csv"))
    assert list(d.columns) == roster.DISAGREEMENT_COLUMNS
    assert set(d["kind"]) <= set(roster.DISAGREEMENT_KINDS)
    assert set(d["status"]) <= {"explained", "settled", "open"}
    assert (d.loc[d["status"] != "open", "explanation"] != "").all()
    by = d.set_index(["agency_id", "kind"])
    # Cherokee, Alabama is a town of Colbert County (01033) on the roster; ICE prints Cherokee County (01019):
    # the difference stays listed, settled by the placement hand row that carries the evidence
    cherokee = by.loc[("AL-cherokee-police-department", "county")]
    assert cherokee[["ice_value", "roster_value", "status"]].tolist() == ["01019", "01033", "settled"]
    assert cherokee["explanation"].startswith("data/hand/agency_counties.csv places it at 01033: ")
    # ICE types Stamford's police County; the roster files it City, and a level hand row says Municipal
    stamford = by.loc[("TX-stamford-police-department", "type")]
    assert stamford[["ice_value", "roster_value", "status"]].tolist() == ["County", "City", "settled"]
    assert stamford["explanation"].startswith("data/hand/jurisdiction_levels.csv places it at Municipal: ")


def test_without_the_hand_rows_the_same_differences_are_explained_or_open(archive, matches, rosters, agencies):
    hand_dir = archive.parent / "hand"
    for table, name in (("jurisdiction_levels.csv", "Stamford Police Department"),
                        ("agency_counties.csv", "Cherokee Police Department")):
        lines = (hand_dir / table).read_text(encoding="utf-8").splitlines(keepends=True)
        kept = [line for line in lines if f",{name}," not in line]
        assert len(kept) == len(lines) - 1
        (hand_dir / table).write_text("".join(kept), encoding="utf-8")
    d = roster.roster_disagreements(matches, rosters, agencies, committed_table("list_rows.csv")).set_index(["agency_id", "kind"])
    assert d.loc[("TX-stamford-police-department", "type"), "status"] == "open"
    # the ORI's hand row still explains Cherokee's county; without it too, the difference is open
    assert d.loc[("AL-cherokee-police-department", "county"), "status"] == "explained"
    plain = matches.assign(match_rule=matches["match_rule"].replace("hand", "exact_name"))
    again = roster.roster_disagreements(plain, rosters, agencies, committed_table("list_rows.csv"))
    assert again.set_index(["agency_id", "kind"]).loc[("AL-cherokee-police-department", "county"), "status"] == "open"


def test_a_township_of_the_same_name_in_another_county_is_not_taken(matches):
    # ICE prints Beaver County for its Franklin Township Police Department; the roster's is in Columbia County
    row = matches.set_index("agency_id").loc["PA-franklin-township-police-department"]
    assert row["ori"] == "" and row["match_rule"] == "none"
    assert row["note"] == ("county conflict: PA0192500 Franklin Township Police Department lies in 42037, "
                           "ICE prints 42007")


def test_the_county_guard_takes_the_match_when_ice_prints_the_roster_county(agencies, rosters, printed):
    one = agencies[agencies["agency_id"] == "PA-franklin-township-police-department"]
    assert printed["PA-franklin-township-police-department"] == "42007"  # Beaver County, as ICE prints it
    no_hand = roster.load_hand_ori().iloc[:0]
    taken = roster.match_agencies(one, rosters, no_hand, pd.Series({"PA-franklin-township-police-department": "42037"}))
    assert taken.loc[0, "ori"] == "PA0192500" and taken.loc[0, "match_rule"] == "exact_name"
    assert roster.match_agencies(one, rosters, no_hand).loc[0, "ori"] == "PA0192500"  # no county, no guard


def test_a_hand_row_settles_a_county_conflict_with_its_evidence(matches):
    row = matches.set_index("agency_id").loc["TX-tye-police-department"]
    assert (row["ori"], row["match_rule"]) == ("TX2210800", "hand")
    assert "Taylor County" in row["note"]
