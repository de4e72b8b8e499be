"""The shares of each state's sheriffs' offices and local police in the program: the committed table against a
count made here from the raw FBI roster and the committed history, and every QA check failing on doctored input."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from ice287g.places import agency_shares
from ice287g.publish import brief
from ice287g.tables import qa

from .conftest import REAL_ROOT, committed_table

PROCESSED = REAL_ROOT / "data" / "processed"


@pytest.fixture(scope="module")
def committed() -> pd.DataFrame:
    return pd.read_csv(PROCESSED / "state_agency_shares.csv", dtype={"state": str}, keep_default_na=False)


def _independent(state: str, state_name: str) -> dict:
    """Texas counted with csv and sets alone: the roster's Texas rows by their own columns, the newest series list
    from lists.csv, its Texas agencies' ORIs from agency_roster_matches.csv."""
    with open(REAL_ROOT / "data" / "raw" / agency_shares.ROSTER_FILE, newline="", encoding="utf-8") as fh:
        roster = [r for r in csv.DictReader(fh) if r["state_name"].strip().upper() == state_name.upper()]
    sheriffs = {r["ori"].strip().upper() for r in roster if "sheriff" in r["agency_name"].lower()}
    police = {r["ori"].strip().upper() for r in roster
              if r["agency_type_name"].strip() in ("City", "County") and "sheriff" not in r["agency_name"].lower()}
    with open(PROCESSED / "lists.csv", newline="", encoding="utf-8") as fh:
        series = [r for r in csv.DictReader(fh) if r["list_kind"] == "participating" and r["in_series"] == "True"]
    newest = max(series, key=lambda r: (r["list_date"], r["list_id"]))
    with open(PROCESSED / "list_rows.csv", newline="", encoding="utf-8") as fh:
        ids = {r["agency_id"] for r in csv.DictReader(fh) if r["list_id"] == newest["list_id"] and r["state"] == state}
    with open(PROCESSED / "agency_roster_matches.csv", newline="", encoding="utf-8") as fh:
        oris = {r["ori"] for r in csv.DictReader(fh) if r["agency_id"] in ids and r["ori"]}
    return {"as_of": newest["list_date"], "sheriffs_total": len(sheriffs), "sheriffs_in_program": len(sheriffs & oris),
            "police_total": len(police), "police_in_program": len(police & oris)}


def test_texas_row_equals_a_count_from_the_raw_roster_and_the_history(committed):
    row = committed.set_index("state").loc["TX"]
    expected = _independent("TX", "Texas")
    assert {k: (str(row[k]) if k == "as_of" else int(row[k])) for k in expected} == expected
    # real Texas: hundreds of sheriffs' offices on the 2018 roster, most of them in the program on the 2026 lists
    assert expected["sheriffs_total"] > 250 and expected["sheriffs_in_program"] > expected["sheriffs_total"] / 2
    assert row["roster"] == "fbi/2018-09-17_fbi_cde_api_agencies.csv"


def test_the_national_row_sums_the_states_and_names_the_roster(committed):
    states, national = committed[committed["state"] != "US"], committed[committed["state"] == "US"].iloc[0]
    for c in ("sheriffs_total", "sheriffs_in_program", "police_total", "police_in_program"):
        assert int(national[c]) == int(states[c].sum())
    assert list(committed.columns) == agency_shares.SHARE_COLUMNS
    assert committed["state"].is_unique and set(committed["roster"]) == {agency_shares.ROSTER_FILE}
    assert {"TX", "FL", "CA", "DC", "GU"} <= set(states["state"])


def test_every_agency_of_the_list_is_counted_or_reported(committed):
    lists = committed_table("lists.csv")
    series = lists[(lists["list_kind"] == "participating") & (lists["in_series"] == "True")]
    newest = series.sort_values(["list_date", "list_id"]).iloc[-1]["list_id"]
    rows = committed_table("list_rows.csv")
    ids = set(rows.loc[rows["list_id"] == newest, "agency_id"])
    left_out = pd.read_csv(REAL_ROOT / "data" / "qa" / "agency_shares_unmatched.csv", dtype=str, keep_default_na=False)
    matches = committed_table("agency_roster_matches.csv").set_index("agency_id")
    counted = ids - set(left_out["agency_id"])
    assert set(left_out["agency_id"]) <= ids and left_out["reason"].ne("").all()
    # every agency counted carries an ORI of the 2018 roster; the national in-program total counts those ORIs
    assert (matches.loc[sorted(counted), "roster"] == agency_shares.ROSTER).all()
    national = committed.set_index("state").loc["US"]
    assert int(national["sheriffs_in_program"]) + int(national["police_in_program"]) == \
        matches.loc[sorted(counted), "ori"].nunique()


# ---------------------------------------------------------------------------------------------
# The pure functions on a small roster

ROSTER = pd.DataFrame([
    ("TX0000001", "TX", "Harris County Sheriff's Office", "County"),
    ("TX0000002", "TX", "Houston Police Department", "City"),
    ("TX0000003", "TX", "Travis County Sheriff's Office", "County"),
    ("TX0000004", "TX", "Texas Department of Public Safety", "State Police"),
    ("MD0000001", "MD", "Baltimore City Sheriff's Office", "City"),
    ("MD0000002", "MD", "Baltimore County Police Department", "County"),
    ("MD0000003", "MD", "Johns Hopkins University", "University or College"),
], columns=["ori", "state", "roster_name", "roster_type"])


def _agencies(*rows) -> pd.DataFrame:
    cols = ["state", "agency_id", "agency", "agency_type", "ori", "roster", "roster_name", "roster_type", "note"]
    return pd.DataFrame(list(rows), columns=cols)


AGENCIES = _agencies(
    ("TX", "TX-harris-so", "Harris County Sheriff's Office", "County", "TX0000001", "fbi_2018",
     "Harris County Sheriff's Office", "County", ""),
    ("TX", "TX-harris-sheriff", "Harris County Sheriff", "County", "TX0000001", "fbi_2018",
     "Harris County Sheriff's Office", "County", "identity key"),
    ("TX", "TX-dps", "Texas Department of Public Safety", "State Agency", "TX0000004", "fbi_2018",
     "Texas Department of Public Safety", "State Police", ""),
    ("TX", "TX-tdcj", "Texas Department of Criminal Justice", "State Agency", "", "", "", "", "corrections"),
    ("TX", "TX-old", "Old Town Police Department", "Municipality", "TX9999999", "fbi_2017", "Old Town PD", "City", ""),
    ("MD", "MD-bc-sheriff", "Baltimore City Sheriff's Office", "Municipality", "MD0000001", "fbi_2018",
     "Baltimore City Sheriff's Office", "City", ""),
)


def test_shares_count_one_ori_once_and_class_by_name_and_type():
    t = agency_shares.shares(ROSTER, AGENCIES, "2026-05-18").set_index("state")
    assert t.loc["TX", ["sheriffs_total", "sheriffs_in_program", "police_total", "police_in_program"]].tolist() == \
        [2, 1, 1, 0]
    # Baltimore City's sheriff is a sheriff although the roster types it City; the university is neither class
    assert t.loc["MD", ["sheriffs_total", "sheriffs_in_program", "police_total", "police_in_program"]].tolist() == \
        [1, 1, 1, 0]
    assert t.loc["US", ["sheriffs_total", "sheriffs_in_program", "police_total"]].tolist() == [3, 2, 2]
    assert agency_shares.roster_class("Johns Hopkins University", "University or College") == ""


def test_agencies_left_out_say_why():
    out = agency_shares.not_counted(ROSTER, AGENCIES).set_index("agency_id")["reason"]
    assert out.to_dict() == {
        "TX-dps": "roster type State Police: not a sheriff's office or local police",
        "TX-old": "ORI not on the 2018-09-17 roster (fbi_2017)",
        "TX-tdcj": "no ORI: corrections",
    }
    kinds = agency_shares.reason_kinds(agency_shares.not_counted(ROSTER, AGENCIES))
    assert sorted(kinds) == ["ORI not on the 2018-09-17 roster", "no ORI", "roster type State Police"]


def _statuses(table, agencies=AGENCIES) -> dict:
    rows = agency_shares.checks(table, agencies, agency_shares.not_counted(ROSTER, agencies))
    return {(r.check, r.scope): r.status for r in rows.itertuples()}


def test_the_checks_pass_on_the_computed_table_and_fail_on_doctored_ones():
    good = agency_shares.shares(ROSTER, AGENCIES, "2026-05-18")
    assert "fail" not in _statuses(good).values()
    qa.gate(agency_shares.checks(good, AGENCIES, agency_shares.not_counted(ROSTER, AGENCIES)), "test")

    over = good.copy()
    over.loc[over["state"] == "TX", "police_in_program"] = 5
    st = _statuses(over)
    assert st[("agency_shares_bounded", "data/processed/state_agency_shares.csv, police")] == "fail"
    assert st[("agency_shares_national", "US row, police")] == "fail"
    assert st[("agency_shares_match_table", "data/processed/agency_roster_matches.csv")] == "fail"
    with pytest.raises(qa.QAFailure, match="agency_shares_bounded"):
        qa.gate(agency_shares.checks(over, AGENCIES, agency_shares.not_counted(ROSTER, AGENCIES)), "test")

    # the match table says the DPS is a sheriff's office: the independent count disagrees with the roster's
    doctored = AGENCIES.copy()
    doctored.loc[doctored["agency_id"] == "TX-dps", "roster_name"] = "Texas Sheriff"
    assert _statuses(good, doctored)[("agency_shares_match_table", "data/processed/agency_roster_matches.csv")] == "fail"


def test_the_sentence_formats_numbers_and_states_the_limits():
    row = {"as_of": "2026-05-18", "sheriffs_in_program": 759, "sheriffs_total": 2987, "police_in_program": 524,
           "police_total": 11907}
    text = brief.shares_text("en", row, "the country")
    assert text.startswith("On ICE's list of 2026-05-18, 759 of the country's 2,987 sheriffs' offices (25.4%) and "
                           "524 of its 11,907 local police departments (4.4%) hold a 287(g) agreement;")
    assert "2018-09-17" in text and "lower bounds" in text
    guam = brief.shares_text("en", {**row, "sheriffs_total": 0, "sheriffs_in_program": 0}, "Guam")
    assert guam.startswith("On ICE's list of 2026-05-18, no sheriffs' offices (the roster lists none) and 524 of its")
