"""The pending pipeline: real requests from the archive, and QA checks failing on doctored input."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g import pending, store
from ice287g.vocab import GAP_DAYS


@pytest.fixture(scope="module")
def real():
    rows, lists = store.processed("list_rows.csv"), store.processed("lists.csv")
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
