"""The pending pipeline: real requests from the archive, and QA checks failing on doctored input."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.analyses import pending
from ice287g.history import pending_states, asof
from ice287g.ingest.census import counties_in_name
from ice287g.core.keys import agency_id
from ice287g.core.states import state_lookup
from ice287g.core.vocab import GAP_DAYS

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)


@pytest.fixture(scope="module")
def real():
    rows, lists = asof.read_processed("list_rows.csv"), asof.read_processed("lists.csv")
    out = pending.outcomes(rows, lists)
    return rows, lists, out


def _request(out, agency_id, model):
    hit = out[(out["agency_id"] == agency_id) & (out["model"] == model)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def _status(checks, name):
    return checks.set_index("check").loc[name, "status"]


def test_a_request_that_became_an_agreement(real):
    # Rockwall County's WSO request: on the pending lists of 2025-06-02 to 2025-07-07, then on the participating
    # list of 2025-07-14 with the signing date 2025-07-07
    r = _request(real[2], "TX-rockwall-county-sheriffs-office", "WSO")
    assert (r["outcome"], r["first_pending"], r["last_pending"], r["lists_seen"]) == (
        "signed", "2025-06-02", "2025-07-07", 11)
    assert (r["first_participating"], r["signed_date"]) == ("2025-07-14", "2025-07-07")
    assert (r["days_pending_to_listed"], r["days_pending_to_signed"]) == (42, 35)
    assert r["note"] == ""


def test_a_request_that_was_dropped(real):
    # Murray County (GA) asked for a JEM agreement: on every pending list from the first (2025-02-21) to
    # 2025-07-29, gone from 2025-08-04 on, and never on a participating list with that model
    r = _request(real[2], "GA-murray-county-sheriffs-office", "JEM")
    assert (r["outcome"], r["first_pending"], r["last_pending"], r["lists_seen"]) == (
        "dropped", "2025-02-21", "2025-07-29", 26)
    assert (r["first_participating"], r["signed_date"]) == ("", "")
    assert pd.isna(r["days_pending_to_listed"]) and pd.isna(r["days_pending_to_signed"])
    assert "absent from the pending list of 2025-08-04 after 2025-07-29" in r["note"]
    assert "lower bound" in r["note"]  # already on the first pending list


def test_outcomes_cover_every_request_and_every_sighting(real):
    rows, _, out = real
    assert set(out["outcome"]) <= set(pending.OUTCOMES)
    assert not out.duplicated(["agency_id", "model", "first_pending"]).any()
    seen = rows[rows["list_kind"] == "pending"].drop_duplicates(["agency_id", "model", "list_id"])
    assert out["lists_seen"].sum() == len(seen)
    assert set(zip(out["agency_id"], out["model"])) == set(zip(seen["agency_id"], seen["model"]))
    assert ((out["outcome"] == "signed") == (out["first_participating"] != "")).all()


def test_days_are_never_negative_without_a_logged_reason(real):
    out = real[2]
    assert pending.negative_days_unexplained(out).empty
    negative = out[out["days_pending_to_listed"].fillna(0) < 0]
    assert len(negative) >= 1
    # Dickens County was listed as participating (2025-06-26, signed 2025-06-25) before the pending list showed it
    r = _request(out, "TX-dickens-county-sheriffs-office", "WSO")
    assert (r["first_pending"], r["first_participating"], r["signed_date"]) == ("2025-06-30", "2025-06-26", "2025-06-25")
    assert (r["days_pending_to_listed"], r["days_pending_to_signed"]) == (-4, -5)
    assert "4 days before its first pending sighting" in r["note"]


def test_the_stage_checks_pass_on_the_archive(real):
    rows, lists, out = real
    checks = pending.qa_rows(out, rows, lists, pending.unmatched(out, rows, lists))
    assert set(checks["status"]) <= {"pass", "info"}


def test_checks_fail_on_doctored_outcomes(real):
    rows, lists, out = real
    none = pending.unmatched(out.iloc[:0], rows, lists)
    # a negative day count whose reason was lost
    doctored = out.copy()
    doctored.loc[doctored["days_pending_to_listed"].fillna(0) < 0, "note"] = ""
    assert _status(pending.qa_rows(doctored, rows, lists, none), "pending_negative_days_unexplained") == "fail"
    # a request counted twice, and one with an outcome outside the set
    twice = pd.concat([out, out.iloc[[0]]], ignore_index=True)
    assert _status(pending.qa_rows(twice, rows, lists, none), "pending_one_outcome") == "fail"
    odd = out.assign(outcome=out["outcome"].where(out.index != 0, "approved"))
    assert _status(pending.qa_rows(odd, rows, lists, none), "pending_one_outcome") == "fail"
    # a sighting no request accounts for
    short = out.iloc[1:]
    assert _status(pending.qa_rows(short, rows, lists, none), "pending_sightings_covered") == "fail"
    # "signed" without a participating listing
    unlisted = out.assign(first_participating=out["first_participating"].where(out.index != 0, ""))
    first_signed = out.index[out["outcome"] == "signed"][0]
    unlisted.loc[first_signed, "first_participating"] = ""
    assert _status(pending.qa_rows(unlisted, rows, lists, none), "pending_signed_has_listing") == "fail"


def test_a_pending_row_without_a_model_fails(real):
    rows, lists, out = real
    doctored = rows.copy()
    first = doctored.index[doctored["list_kind"] == "pending"][0]
    doctored.loc[first, "model"] = ""
    assert _status(pending.qa_rows(out, doctored, lists, pending.unmatched(out.iloc[:0], rows, lists)), "pending_rows_without_model") == "fail"


def test_an_unsigned_request_with_a_near_name_is_proposed_never_merged(real):
    rows, lists, out = real
    found = pending.unmatched(out, rows, lists)
    assert list(found.columns) == pending.UNMATCHED_COLUMNS
    # Dunnellon and Bunnell are two Florida towns: a near name, no rename rule, only proposed
    hit = found[(found["agency_id"] == "FL-dunnellon-police-department")
                & (found["candidate_agency_id"] == "FL-bunnell-police-department")]
    assert len(hit) == 1
    assert (hit.iloc[0]["rule"], bool(hit.iloc[0]["same_model"])) == ("", True)
    assert _request(out, "FL-dunnellon-police-department", "TFM")["outcome"] == "dropped"
    # a pair a person declared distinct is not proposed again
    distinct = {("FL", frozenset({"DUNNELLON POLICE DEPARTMENT", "BUNNELL POLICE DEPARTMENT"}))}
    again = pending.unmatched(out, rows, lists, distinct=distinct)
    assert not ((again["agency_id"] == "FL-dunnellon-police-department")
                & (again["candidate_agency_id"] == "FL-bunnell-police-department")).any()


def test_a_pending_typo_a_hand_alias_joins_is_its_agency_signed_request(real):
    # "New Port Richey Polce Department" on the pending lists of 2025-04-08 to 2025-05-12: data/hand/aliases.csv
    # joins it to the police department listed as participating from 2025-05-16
    rows, lists, out = real
    assert not (out["agency_id"] == "FL-new-port-richey-polce-department").any()
    r = _request(out, "FL-new-port-richey-police-department", "TFM")
    assert (r["outcome"], r["first_pending"], r["first_participating"]) == ("signed", "2025-04-08", "2025-05-16")
    assert r["agency"] == "New Port Richey Police Department"


def test_the_pending_list_stopped_before_the_participating_list(real):
    fresh = pending.list_freshness(real[1])
    assert (fresh["newest_pending"], fresh["newest_participating"]) == ("2026-02-27", "2026-05-18")
    assert fresh["days_behind"] == 80 and fresh["participating_after"] >= 1


def test_an_earlier_as_of_judges_with_the_lists_of_then(real):
    rows, lists, _ = real
    early = pending.outcomes(rows, lists, as_of="2025-06-05")
    r = _request(early, "TX-rockwall-county-sheriffs-office", "WSO")
    assert (r["outcome"], r["last_pending"]) == ("still_pending", "2025-06-05")
    assert early["last_pending"].max() <= "2025-06-05"


# ---- synthetic lists: the rules at their edges ------------------------------------------------------------

def _lists(dates_kinds):
    return pd.DataFrame([{"list_id": f"{k}-{d}", "list_date": d, "list_kind": k, "in_series": "True",
                          "time_of_day": "", "rows": "1", "source_file": f"{d}_{k}.xlsx"} for d, k in dates_kinds])


def _rows(entries):
    return pd.DataFrame([{"list_id": f"{k}-{d}", "list_date": d, "list_kind": k, "row": str(i + 2), "state": "TX",
                          "agency_id": f"TX-{a}", "agency": a, "agency_key": a.upper(), "model": m, "signed": s}
                         for i, (d, k, a, m, s) in enumerate(entries)])


def test_synthetic_spells_gaps_and_staleness():
    dates = ["2025-01-01", "2025-01-08", "2025-12-01", "2025-12-08"]
    lists = _lists([(d, "pending") for d in dates] + [("2025-12-20", "participating")])
    rows = _rows([
        ("2025-01-01", "pending", "a", "WSO", ""), ("2025-12-01", "pending", "a", "WSO", ""),  # two spells
        ("2025-01-08", "pending", "b", "TFM", ""),  # leaves, next list is far later: unknown_gap
        ("2025-12-01", "pending", "c", "JEM", ""),  # leaves, next list a week later: dropped
        ("2025-12-08", "pending", "d", "TFM", ""),  # on the newest pending list: still pending
        ("2025-12-01", "pending", "e", "TFM", ""), ("2025-12-20", "participating", "e", "TFM", "2025-11-28"),
    ])
    out = pending.outcomes(rows, lists).set_index(["agency_id", "first_pending"])
    assert out.loc[("TX-a", "2025-01-01"), "outcome"] == "dropped"
    assert "spell 2" in out.loc[("TX-a", "2025-12-01"), "note"]
    assert out.loc[("TX-b", "2025-01-08"), "outcome"] == "unknown_gap"
    assert out.loc[("TX-c", "2025-12-01"), "outcome"] == "dropped"
    assert out.loc[("TX-d", "2025-12-08"), "outcome"] == "still_pending"
    e = out.loc[("TX-e", "2025-12-01")]
    assert (e["outcome"], e["days_pending_to_listed"], e["days_pending_to_signed"]) == ("signed", 19, -3)
    assert "signing date 2025-11-28 is 3 days before its first pending sighting" in e["note"]
    # judged long after the newest pending list, "still pending" can no longer be said
    late = pd.Timestamp("2025-12-08") + pd.Timedelta(days=GAP_DAYS + 1)
    stale = pending.outcomes(rows, lists, as_of=late.date().isoformat()).set_index("agency_id")
    assert stale.loc["TX-d", "outcome"] == "unknown_gap"


def test_state_summary(real):
    out = real[2]
    tx = out[out["state"] == "TX"]
    line = pending.state_summary(out, "tx")
    assert line.startswith(f"**Pending requests:** {len(tx)} TX requests")
    assert f"{int((tx['outcome'] == 'signed').sum())} signed" in line
    assert "median" in line
    assert pending.state_summary(out, "VT").startswith("**Pending requests:** no VT agency")


def test_a_date_before_the_first_pending_list_is_refused(real):
    rows, lists, _ = real
    with pytest.raises(ValueError, match="no pending list is dated on or before 2024-01-01"):
        pending.outcomes(rows, lists, as_of="2024-01-01")


# ---- pending rows printed under the wrong state -------------------------------------------------------------

@pytest.fixture(scope="module")
def as_printed(real):
    """The list rows with every pending row back under the state ICE printed, as the build read them before
    its state corrections (the printed state, where it names a state, differs from the row's)."""
    rows = real[0]
    printed = rows["state_printed"].str.strip().str.upper().map(state_lookup())
    moved = (rows["list_kind"] == "pending") & printed.notna() & (printed != rows["state"])
    out = rows.copy()
    out.loc[moved, "state"] = printed[moved]
    out.loc[moved, "agency_id"] = [agency_id(s, k) for s, k in zip(printed[moved], rows.loc[moved, "agency_key"])]
    return out


@pytest.fixture(scope="module")
def matches():
    return asof.read_processed("agency_roster_matches.csv")


def _moved(log, agency):
    return log[log["agency_after"] == agency]


def test_a_pending_row_under_the_wrong_state_moves_to_where_its_agency_signs(real, as_printed, matches):
    # McKenzie County (North Dakota) is printed under Texas on the pending list of 2025-03-17; Texas has no
    # McKenzie County and no FBI roster entry of the name; the same name is on North Dakota's participating list
    # of 2025-03-27 (signed 2025-03-17)
    rows, lists, out = real
    fixed, log = pending_states.state_corrections(as_printed, lists, matches, counties_in_name)
    assert list(log.columns) == pending_states.CORRECTION_COLUMNS
    m = _moved(log, "McKenzie County Sheriff's Office").iloc[0]
    assert (m["state"], m["model_before"], m["last_list_before"], m["first_list_after"], m["kind"]) == (
        "ND", "TFM", "2025-03-17", "2025-03-27", "state")
    assert m["agreement_id"] == "ND-mckenzie-county-sheriffs-office:TFM:2025-03-17"
    assert m["rule"].startswith("pending_state: printed TX, signs in ND on 2025-03-17")
    # and three more: McIntosh County (TX -> OK), Trousdale County (TX -> TN), Heritage Creek (FL -> KY)
    assert sorted(zip(log["state"], log["agency_after"], log["rule"].str[:26])) == [
        ("KY", "Heritage Creek Police Department", "pending_state: printed FL,"),
        ("ND", "McKenzie County Sheriff's Office", "pending_state: printed TX,"),
        ("OK", "McIntosh County Sheriff's Office", "pending_state: printed TX,"),
        ("TN", "Trousdale County Sheriff's Office", "pending_state: printed TX,")]
    # the build did exactly this: its list rows and its log
    assert fixed[["state", "agency_id"]].equals(rows[["state", "agency_id"]])
    assert log.astype(str).equals(asof.qa_table("pending_state_corrections.csv")[pending_states.CORRECTION_COLUMNS])
    # so the request is North Dakota's, signed; no phantom Texas request is dropped
    r = _request(out, "ND-mckenzie-county-sheriffs-office", "TFM")
    assert (r["outcome"], r["first_pending"], r["first_participating"]) == ("signed", "2025-03-17", "2025-03-27")
    assert not out["agency_id"].isin({"TX-mckenzie-county-sheriffs-office", "TX-trousdale-county-sheriffs-office",
                                      "TX-mcintosh-county-sheriffs-office",
                                      "FL-heritage-creek-police-department"}).any()
    # Trousdale's Texas sighting (2025-08-11) joins its Tennessee ones: one request of three sightings
    t = _request(out, "TN-trousdale-county-sheriffs-office", "WSO")
    assert (t["first_pending"], t["lists_seen"], t["outcome"]) == ("2025-08-11", 3, "signed")
    # the corrected rows move no further
    again = pending_states.state_corrections(rows, lists, matches, counties_in_name)[1]
    assert again.empty


def test_the_state_rule_needs_a_listing_within_the_window(real, as_printed, matches):
    # North Dakota lists McKenzie County 10 days after the Texas pending list
    lists = real[1]
    assert "McKenzie County Sheriff's Office" not in set(
        pending_states.state_corrections(as_printed, lists, matches, counties_in_name, window_days=9)[1]["agency_after"])
    assert "McKenzie County Sheriff's Office" in set(
        pending_states.state_corrections(as_printed, lists, matches, counties_in_name, window_days=10)[1]["agency_after"])
    # doctored: North Dakota's listings within 31 days gone
    early = ((as_printed["state"] == "ND") & (as_printed["agency_key"] == "MCKENZIE COUNTY SHERIFFS OFFICE")
             & (as_printed["list_kind"] == "participating") & (as_printed["list_date"] <= "2025-04-17"))
    log = pending_states.state_corrections(as_printed[~early], lists, matches, counties_in_name)[1]
    assert "McKenzie County Sheriff's Office" not in set(log["agency_after"])


def test_the_state_rule_never_moves_a_county_of_the_printed_state(real, as_printed, matches):
    # Montgomery County GA is pending on 2025-02-21 while Montgomery County TX is listed as participating that
    # day; doctored: even without its Georgia roster match, Georgia's Montgomery County keeps it in Georgia
    lists = real[1]
    doctored = matches[matches["agency_id"] != "GA-montgomery-county-sheriffs-office"]
    log = pending_states.state_corrections(as_printed, lists, doctored, counties_in_name)[1]
    assert "Montgomery County Sheriff's Office" not in set(log["agency_after"])
    # without the county test, it would move (so the county test is what keeps it)
    log = pending_states.state_corrections(as_printed, lists, doctored, lambda state, name: [])[1]
    assert set(log.loc[log["agency_after"] == "Montgomery County Sheriff's Office", "state"]) == {"TX"}


def test_the_state_rule_never_moves_an_agency_on_the_printed_states_roster(real, as_printed, matches):
    # Camden Police Department is pending in Delaware (2025-04-28); a Camden Police Department signs in New York
    # (listed from 2025-07-07). Delaware's FBI roster holds a Camden Police Department (DE0010400): it stays,
    # however wide the window
    lists = real[1]
    wide = pending_states.state_corrections(as_printed, lists, matches, counties_in_name, window_days=120)[1]
    assert "Camden Police Department" not in set(wide["agency_after"])
    doctored = matches[matches["agency_id"] != "DE-camden-police-department"]
    wide = pending_states.state_corrections(as_printed, lists, doctored, counties_in_name, window_days=120)[1]
    assert set(wide.loc[wide["agency_after"] == "Camden Police Department", "state"]) == {"NY"}
    # without the rosters, nothing moves by rule
    assert pending_states.state_corrections(as_printed, lists, None, counties_in_name)[1].empty


def test_the_state_rule_never_moves_a_state_agency(real, as_printed, matches):
    # Guam's Office of the Attorney General (pending 2025-09-22) shares its name with Texas's, listed until
    # 2025-03-07. Doctored: Guam's participating listings of it gone, so only its type keeps it in Guam
    lists = real[1]
    guam = (as_printed["state"] == "GU") & (as_printed["agency_key"] == "OFFICE OF THE ATTORNEY GENERAL")
    pending_guam = guam & (as_printed["list_kind"] == "pending")
    assert pending_guam.any() and (as_printed.loc[pending_guam, "agency_type"] == "State Agency").all()
    doctored = as_printed[~guam | pending_guam]
    log = pending_states.state_corrections(doctored, lists, matches, counties_in_name, window_days=365)[1]
    assert "Office Of The Attorney General" not in set(log["agency_after"])
    untyped = doctored.assign(agency_type=doctored["agency_type"].where(~pending_guam, ""))
    log = pending_states.state_corrections(untyped, lists, matches, counties_in_name, window_days=365)[1]
    assert set(log.loc[log["agency_after"].str.upper() == "OFFICE OF THE ATTORNEY GENERAL", "state"]) == {"TX"}


def test_a_hand_row_forces_a_move_or_forbids_one(real, as_printed, matches):
    lists = real[1]
    fixes = pd.DataFrame([
        ["TX", "McKenzie County Sheriffs Office", "", "doctored: keep it in Texas"],
        ["DE", "Camden Police Department", "NY", "doctored: the New York city of Camden"],
        ["TX", "Nowhere Police Department", "OK", "doctored: names no pending row"],
    ], columns=pending_states.STATE_FIX_COLUMNS)
    fixed, log = pending_states.state_corrections(as_printed, lists, matches, counties_in_name, fixes)
    assert "McKenzie County Sheriff's Office" not in set(log["agency_after"])
    assert ((fixed["agency_id"] == "TX-mckenzie-county-sheriffs-office") & (fixed["list_kind"] == "pending")).any()
    camden = _moved(log, "Camden Police Department").iloc[0]
    assert (camden["state"], camden["last_list_before"], camden["first_list_after"]) == ("NY", "2025-04-28", "2025-07-07")
    assert camden["rule"] == "pending_state_fixes.csv: printed DE, moved to NY: doctored: the New York city of Camden"
    assert camden["agreement_id"].startswith("NY-camden-police-department:TFM:")
    unused = pending_states.unused_state_fixes(as_printed, fixes)
    assert [(u["state"], u["value"], u["fix"]) for u in unused] == [("TX", "Nowhere Police Department", "OK")]
    assert unused[0]["table"] == "data/hand/pending_state_fixes.csv"


@pytest.mark.parametrize("line, message", [
    ('TX,McKenzie County Sheriff\'s Office,ND,\n', "every row needs a reason"),
    ('TX,McKenzie County Sheriff\'s Office,TX,typo\n', "leave it empty"),
    ('TX,McKenzie County Sheriff\'s Office,XX,typo\n', "must be state codes"),
])
def test_a_bad_state_fix_row_stops_the_build(tmp_path, line, message):
    path = tmp_path / "pending_state_fixes.csv"
    path.write_text("state,agency,fix_state,reason\n" + line, encoding="utf-8")
    with pytest.raises(pending_states.StateFixError, match=message):
        pending_states.load_state_fixes(path)


def test_state_correction_checks_fail_on_doctored_input(real, as_printed):
    rows, lists, _ = real
    log = asof.qa_table("pending_state_corrections.csv")
    checks = pending.state_correction_checks(log, rows, lists)
    assert set(checks["status"]) <= {"pass", "info"}
    assert _status(checks, "pending_state_corrections") == "info"
    # a move whose participating listing is more than the window away
    far = log.assign(last_list_before=log["last_list_before"].where(log["state"] != "ND", "2024-12-01"))
    assert _status(pending.state_correction_checks(far, rows, lists), "pending_state_corrected_listed") == "fail"
    # a logged move the list rows do not hold
    assert _status(pending.state_correction_checks(log, as_printed, lists), "pending_state_corrected_rows") == "fail"
    # and the stage's checks carry them
    out = real[2]
    stage = pending.qa_rows(out, rows, lists, pending.unmatched(out.iloc[:0], rows, lists), corrections=far)
    assert _status(stage, "pending_state_corrected_listed") == "fail"


# ---- signed another model ---------------------------------------------------------------------------------

def test_a_request_whose_agency_signed_another_model(real):
    # Beggs PD (OK) was pending for JEM, WSO and TFM from 2025-09-29; only a TFM agreement followed (signed
    # 2025-10-17, listed from 2025-10-20): the JEM and WSO requests are signed_other_model, not dropped
    rows, lists, out = real
    for model in ("JEM", "WSO"):
        r = _request(out, "OK-beggs-police-department", model)
        assert (r["outcome"], r["first_pending"], r["last_pending"]) == ("signed_other_model", "2025-09-29", "2025-10-06")
        assert (r["first_participating"], r["signed_date"]) == ("", "")
        assert (f"signed another model: not signed as {model}, but the agency's TFM agreement (signed 2025-10-17) "
                "was first listed as participating 2025-10-20, 21 days after the request's first pending sighting, "
                "14 days after its last") in r["note"]
        assert "absent from the pending list of 2025-10-14" in r["note"]
    assert _request(out, "OK-beggs-police-department", "TFM")["outcome"] == "signed"
    # doctored: without the TFM agreement, the two requests are dropped
    tfm = ((rows["agency_id"] == "OK-beggs-police-department") & (rows["list_kind"] == "participating"))
    doctored = pending.outcomes(rows[~tfm], lists)
    assert _request(doctored, "OK-beggs-police-department", "JEM")["outcome"] == "dropped"
    # a note that lost the model fails the stage's check
    lost = out.assign(note=out["note"].where(out["outcome"] != "signed_other_model", ""))
    checks = pending.qa_rows(lost, rows, lists, pending.unmatched(out.iloc[:0], rows, lists))
    assert _status(checks, "pending_other_model_named") == "fail"
    assert _status(pending.qa_rows(out, rows, lists, pending.unmatched(out.iloc[:0], rows, lists)),
                   "pending_other_model_named") == "pass"


def test_synthetic_another_model_only_within_the_spell():
    lists = _lists([(d, "pending") for d in ("2025-01-01", "2025-01-08", "2025-01-15")]
                   + [(d, "participating") for d in ("2024-06-01", "2025-02-01", "2025-07-20")])
    late = (pd.Timestamp("2025-01-08") + pd.Timedelta(days=GAP_DAYS + 1)).date().isoformat()
    lists = pd.concat([lists, _lists([(late, "participating")])], ignore_index=True)
    rows = _rows([
        ("2025-01-01", "pending", "a", "JEM", ""), ("2025-02-01", "participating", "a", "TFM", "2025-01-30"),
        ("2025-01-01", "pending", "b", "JEM", ""), (late, "participating", "b", "TFM", late),  # too late
        ("2025-01-01", "pending", "c", "JEM", ""), ("2024-06-01", "participating", "c", "TFM", "2024-05-01"),
        ("2025-02-01", "participating", "c", "TFM", "2024-05-01"),  # in force before the request: not one it led to
        ("2025-01-15", "pending", "d", "JEM", ""), ("2025-02-01", "participating", "d", "TFM", "2025-01-20"),
    ])
    out = pending.outcomes(rows, lists, as_of=late).set_index("agency_id")
    assert out.loc["TX-a", "outcome"] == "signed_other_model"
    assert "TFM agreement (signed 2025-01-30) was first listed as participating 2025-02-01" in out.loc["TX-a", "note"]
    assert out.loc["TX-b", "outcome"] == "dropped"
    assert out.loc["TX-c", "outcome"] == "dropped"
    # on the newest pending list: still pending, whatever the agency signed meanwhile
    assert pending.outcomes(rows, lists, as_of="2025-02-01").set_index("agency_id").loc["TX-d", "outcome"] == \
        "still_pending"
