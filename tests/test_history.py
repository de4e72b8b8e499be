"""The agreement history's status rules: bounded succession and the model-less partners-page rows."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.history import asof
from ice287g.history.history import agency_table, agreement_history
from ice287g.core.vocab import GAP_DAYS

from .synthetic_history import lists_frame, rows_frame


def _status(history: pd.DataFrame, agreement_id: str) -> tuple[str, str]:
    r = history.set_index("agreement_id").loc[agreement_id]
    return r["status"], r["status_reason"]


def test_succession_within_the_gap_threshold():
    dates = ["2025-01-01", "2025-02-01", "2025-03-01"]
    rows = rows_frame([(dates[0], "TX", "Polk County Sheriff's Office", "JEM", "2020-01-01"),
                       (dates[1], "TX", "Polk County Sheriff's Office", "JEM", "2025-01-15"),
                       (dates[2], "TX", "Polk County Sheriff's Office", "JEM", "2025-01-15")])
    h = agreement_history(rows, lists_frame(dates))
    status, reason = _status(h, "TX-polk-county-sheriffs-office:JEM:2020-01-01")
    assert status == "Superseded" and "2025-01-15" in reason


def test_re_signing_beyond_the_gap_threshold_is_a_new_agreement():
    # off every list from 2013-03-01 until 2013-03-01 + GAP_DAYS + 1, with lists in between
    late = (pd.Timestamp("2013-03-01") + pd.Timedelta(days=GAP_DAYS + 1)).date().isoformat()
    dates = ["2013-01-01", "2013-03-01", "2013-06-01", late]
    rows = rows_frame([(d, "AZ", "Maricopa County Sheriff's Office", "TFM", "2009-10-15") for d in dates[:2]]
                      + [(dates[2], "AZ", "Pima County Sheriff's Office", "JEM", "2010-01-01"),
                         (late, "AZ", "Maricopa County Sheriff's Office", "TFM", "2013-08-01")])
    h = agreement_history(rows, lists_frame(dates))
    status, reason = _status(h, "AZ-maricopa-county-sheriffs-office:TFM:2009-10-15")
    assert status == "Removed"
    assert reason.startswith("absent from the list of 2013-06-01 after 2013-03-01")
    assert f"{GAP_DAYS + 1} days later" in reason and "a new agreement" in reason
    # exactly the threshold still supersedes
    h = agreement_history(rows, lists_frame(dates), gap_days=GAP_DAYS + 1)
    assert _status(h, "AZ-maricopa-county-sheriffs-office:TFM:2009-10-15")[0] == "Superseded"


def test_removal_names_the_archive_gap_before_the_re_signing():
    dates = ["2017-06-01", "2017-08-01", "2021-01-13"]
    rows = rows_frame([(dates[0], "AZ", "Maricopa County Sheriff's Office", "JEM", "2009-10-15"),
                       (dates[1], "AZ", "Pima County Sheriff's Office", "JEM", "2010-01-01"),
                       (dates[2], "AZ", "Maricopa County Sheriff's Office", "JEM", "2020-01-01")])
    status, reason = _status(agreement_history(rows, lists_frame(dates)),
                             "AZ-maricopa-county-sheriffs-office:JEM:2009-10-15")
    assert status == "Removed" and "no list between 2017-08-01 and 2021-01-13" in reason


def test_model_less_rows_are_never_superseded_nor_supersede():
    dates = ["2008-03-10", "2008-04-01", "2008-05-01"]
    rows = rows_frame([(dates[0], "NC", "Gaston County Sheriff's Office", "", ""),
                       (dates[1], "NC", "Gaston County Sheriff's Office", "JEM", "2007-01-01"),
                       (dates[1], "NC", "Wake County Sheriff's Office", "JEM", "2008-01-01"),
                       (dates[2], "NC", "Wake County Sheriff's Office", "", ""),
                       (dates[2], "NC", "Gaston County Sheriff's Office", "JEM", "2007-01-01")])
    h = agreement_history(rows, lists_frame(dates))
    status, reason = _status(h, "NC-gaston-county-sheriffs-office:unknown:undated")
    assert status == "Removed" and "never linked to a later agreement" in reason
    assert _status(h, "NC-wake-county-sheriffs-office:JEM:2008-01-01")[0] == "Removed"
    assert h.set_index("agreement_id")["era"].to_dict() == {
        "NC-gaston-county-sheriffs-office:JEM:2007-01-01": "ice_workbook",
        "NC-gaston-county-sheriffs-office:unknown:undated": "partners_page",
        "NC-wake-county-sheriffs-office:JEM:2008-01-01": "ice_workbook",
        "NC-wake-county-sheriffs-office:unknown:undated": "partners_page"}


# ---- the real history (processed outputs) -------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return asof.read_processed("agreements.csv")


def test_real_no_succession_spans_more_than_the_gap_threshold(real):
    sup = real[real["status"] == "Superseded"].copy()
    succ = sup["status_reason"].str.extract(r"from (\d{4}-\d{2}-\d{2}) \(")[0]
    assert succ.notna().all()
    off = (pd.to_datetime(succ) - pd.to_datetime(sup["last_listed"])).dt.days
    assert off.max() <= GAP_DAYS
    # and some agreements are Removed because their re-signing came too late
    assert real["status_reason"].str.contains("gap threshold: a new agreement").any()


def test_real_partners_page_rows_are_apart(real):
    pp = real[real["era"] == "partners_page"]
    # never superseded nor active; most end inside the 2008-2011 archive gap
    assert len(pp) and (pp["model"] == "").all() and set(pp["status"]) == {"Removed", "Lapsed"}
    assert not real.loc[real["era"] != "partners_page", "model"].eq("").any()


def test_the_successor_is_the_earliest_later_agreement_of_the_agency_and_model():
    dates = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]
    rows = rows_frame([(dates[0], "TX", "Polk County Sheriff's Office", "JEM", "2020-01-01"),
                       (dates[2], "TX", "Polk County Sheriff's Office", "JEM", "2025-02-15"),
                       (dates[1], "TX", "Polk County Sheriff's Office", "JEM", "2025-01-20"),
                       (dates[1], "TX", "Polk County Sheriff's Office", "WSO", "2025-01-10"),
                       (dates[3], "TX", "Polk County Sheriff's Office", "JEM", "2025-02-15")])
    h = agreement_history(rows, lists_frame(dates))
    _, reason = _status(h, "TX-polk-county-sheriffs-office:JEM:2020-01-01")
    assert "signing date 2025-01-20 from 2025-02-01" in reason  # not the WSO, not the later JEM
    # two re-signings first listed on one list: the first by agreement_id
    rows = rows_frame([(dates[0], "TX", "Polk County Sheriff's Office", "JEM", "2020-01-01"),
                       (dates[1], "TX", "Polk County Sheriff's Office", "JEM", "2025-01-25"),
                       (dates[1], "TX", "Polk County Sheriff's Office", "JEM", "2025-01-20")])
    _, reason = _status(agreement_history(rows, lists_frame(dates[:2])), "TX-polk-county-sheriffs-office:JEM:2020-01-01")
    assert "signing date 2025-01-20" in reason


def test_agency_table_by_hand():
    dates = ["2025-01-01", "2025-02-01"]
    rows = rows_frame([(dates[0], "TX", "Polk County SO", "JEM", "2020-01-01"),
                       (dates[1], "TX", "Polk County Sheriff's Office", "WSO", "2025-01-20"),
                       (dates[0], "TX", "Polk County Sheriff's Office", "TFM", "2020-01-01"),
                       (dates[1], "FL", "Gulf County Sheriff's Office", "WSO", "2025-01-20")])
    rows["agency_type"] = ["Sheriff", "", "", "County"]
    pending = rows_frame([("2024-12-01", "FL", "Gulf County Sheriff's Office", "", "")]).assign(
        list_kind="pending", list_id="pending-2024-12-01")
    lists = pd.concat([lists_frame(dates), pd.DataFrame({"list_id": ["pending-2024-12-01"], "list_date": ["2024-12-01"],
                                                         "list_kind": ["pending"], "in_series": [True],
                                                         "time_of_day": [""]})], ignore_index=True)
    table = agency_table(pd.concat([rows, pending], ignore_index=True), lists)
    assert table.to_dict("records") == [
        {"agency_id": "FL-gulf-county-sheriffs-office", "state": "FL", "agency": "Gulf County Sheriff's Office",
         "spellings": "Gulf County Sheriff's Office", "agency_type": "County", "first_listed": "2025-02-01",
         "last_listed": "2025-02-01", "models": "WSO", "first_pending": "2024-12-01"},
        {"agency_id": "TX-polk-county-sheriffs-office", "state": "TX", "agency": "Polk County Sheriff's Office",
         "spellings": "Polk County SO; Polk County Sheriff's Office", "agency_type": "Sheriff",
         "first_listed": "2025-01-01", "last_listed": "2025-02-01", "models": "JEM;WSO;TFM", "first_pending": ""}]
