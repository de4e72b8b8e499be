"""News figures recomputed from the archive."""
from __future__ import annotations

import pandas as pd
import pytest

from ice287g.history import asof
from ice287g.analyses import claims

from .conftest import REAL_RAW


def _claim(**over):
    base = {c: "" for c in claims.COLUMNS}
    base.update(claim_id="t", outlet="Test Outlet", statement="a test", metric="count", list="participating",
                unit="agreements")
    base.update(over)
    return pd.DataFrame([base])


def test_claims_table_is_vendored_from_shared():
    shared = REAL_RAW.parents[2] / "shared" / "claims" / "news_claims.csv"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    assert (REAL_RAW.parent / "hand" / "news_claims.csv").read_bytes() == shared.read_bytes()


def test_every_published_claim_is_reproduced():
    table = claims.check()
    assert len(table) == 19
    assert table["verdict"].value_counts().to_dict() == {"exact": 19}
    new = table.set_index("claim_id").loc["propublica_2025_new"]
    assert (new["computed"], new["also"]) == (
        "514", "514 agreements on the 2025-06-06 list were first listed after 2025-01-20")


def test_a_date_inside_the_archive_gap_is_not_archived_and_names_both_neighbours():
    row = claims.check(_claim(as_of="2019-06-01", value="60")).iloc[0]
    assert (row["verdict"], row["computed"], row["list_date"]) == ("not_archived", "58", "2017-08-01")
    assert row["reason"].startswith("the newest list on or before 2019-06-01 is the list of 2017-08-01 "
                                    "(2017-08-01_pre2018-roster-long.csv), 669 days old (more than 180); ")
    assert "nearest list before: 2017-08-01" in row["reason"] and "nearest list after: 2021-01-13" in row["reason"]
    assert "Test Outlet said 60 for 2019-06-01, but no archived ICE list is close to that date" in claims.sentence(row)


def test_the_age_limit_is_the_stores():
    assert not hasattr(claims, "MAX_LIST_AGE_DAYS")
    # 150 days after the 2017-08-01 list: within the store's bound, so the list speaks for the date
    row = claims.check(_claim(as_of="2017-12-29", value="58")).iloc[0]
    assert (row["verdict"], row["list_date"]) == ("exact", "2017-08-01")
    row = claims.check(_claim(as_of="2018-01-29", value="58")).iloc[0]
    assert row["verdict"] == "not_archived" and "181 days old (more than 180)" in row["reason"]


def test_a_stale_since_date_is_not_archived_and_named():
    row = claims.check(_claim(metric="net_change", as_of="2021-03-01", since="2019-06-01", value="90")).iloc[0]
    assert (row["verdict"], row["list_date"]) == ("not_archived", "2021-01-16")
    assert row["reason"].startswith("the newest list on or before 2019-06-01 is the list of 2017-08-01")
    assert "no archived ICE list is close to 2019-06-01" in claims.sentence(row)


def test_a_near_miss_is_close_with_its_reason():
    row = claims.check(_claim(as_of="2025-06-06", value="655")).iloc[0]
    assert (row["verdict"], row["difference"]) == ("close", "-6")
    assert row["reason"] == ("the computed 649 is -6 from the claimed 655 (-0.9% of the claim, within the 2% of a "
                             "close match); no single rule reproduces it")


def test_a_claim_that_differs_gets_its_true_difference():
    row = claims.check(_claim(as_of="2025-06-06", value="700")).iloc[0]
    assert (row["verdict"], row["computed"], row["difference"]) == ("differs", "649", "-51")
    assert row["reason"] == ("the computed 649 is -51 from the claimed 700 (-7.3% of the claim, beyond the 2% of a "
                             "close match); no single rule reproduces it")
    assert "within" not in row["reason"]
    row = claims.check(_claim(as_of="2025-06-06", value="0")).iloc[0]
    assert row["verdict"] == "differs" and "(n/a of the claim, beyond" in row["reason"]


def test_agencies_counted_as_agreements_is_explained():
    agencies = asof.count("2026-05-18", unit="agencies")
    row = claims.check(_claim(as_of="2026-05-18", value=str(agencies))).iloc[0]
    assert row["verdict"] == "differs" and row["reason"] == "the claim counts agencies, not agreements"


@pytest.mark.parametrize("over, message", [
    ({"metric": "rumour"}, "unknown metric 'rumour'"),
    ({"as_of": "June 2025"}, "not a date"),
    ({"value": "about 600"}, "not a whole number"),
    ({"metric": "net_change", "value": "5"}, "net_change needs a since date"),
])
def test_malformed_rows_stop_naming_the_row(tmp_path, over, message):
    path = tmp_path / "claims.csv"
    _claim(**{"as_of": "2025-06-06", "value": "649", **over}).to_csv(path, index=False)
    with pytest.raises(claims.ClaimError, match=rf"line 2 \(t\): .*{message}"):
        claims.load(path)
