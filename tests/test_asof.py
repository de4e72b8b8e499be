"""What is in force on a date: one rule for lists and detention releases, refused when too old."""
from __future__ import annotations

import inspect

import pandas as pd
import pytest

from ice287g.ingest.lists import series_lists
from ice287g.core import paths, vocab
from ice287g.detention import detention
from ice287g.history import agreements, asof

ROSTER_2017 = "2017-08-01_pre2018-roster-long.csv"


def test_the_default_bound_is_the_projects_gap_threshold():
    for fn in (asof.list_row_for, asof.release_row_for, asof.newest_on_or_before, asof.list_in_force, asof.count,
               asof.release_in_force, detention.release_for, detention.state_adp):
        assert inspect.signature(fn).parameters["max_age_days"].default == vocab.GAP_DAYS, fn.__name__
    assert asof.count is asof.count and asof.list_in_force is asof.list_in_force


def test_count_refuses_a_stale_list_naming_it_and_its_age():
    with pytest.raises(LookupError) as err:
        asof.count("2019-06-01")
    message = str(err.value)
    assert "the list of 2017-08-01" in message and ROSTER_2017 in message
    assert "669 days old" in message and "max_age_days=180" in message
    assert (err.value.found, err.value.age_days) == ("2017-08-01", 669)
    with pytest.raises(LookupError, match="the list of 2017-08-01 .*669 days old"):
        asof.list_in_force("2019-06-01")


def test_without_a_bound_the_old_answer_stands():
    assert asof.list_in_force("2019-06-01", max_age_days=None) == ("2017-08-01", ROSTER_2017)
    assert asof.count("2019-06-01", max_age_days=None) == asof.count("2017-08-01") == 58


def test_the_bound_is_inclusive_at_the_gap_threshold():
    assert asof.count("2018-01-28") == 58  # 180 days after the 2017-08-01 list
    with pytest.raises(LookupError, match="181 days old"):
        asof.count("2018-01-29")
    # the shorter 2023-06-22 -> 2024-02-05 gap is refused too
    with pytest.raises(LookupError, match="the list of 2023-06-22 .*193 days old"):
        asof.count("2024-01-01")


def test_within_the_bound_every_answer_is_unchanged():
    assert asof.count("2025-06-06") == 649
    assert asof.count("2025-06-06", kind="pending") == 79
    assert asof.list_in_force("2023-06-30")[0] == "2023-06-22"
    with pytest.raises(ValueError, match="no participating list is dated on or before 2001-01-01"):
        asof.count("2001-01-01")


def test_the_2025_04_11_pending_list_fills_the_april_gap():
    assert asof.list_in_force("2025-04-20", kind="pending") == (
        "2025-04-11", "2025-04-11_pendingAgencies04112025pm.xlsx")
    assert asof.count("2025-04-20", kind="pending") == 75


def test_detention_release_in_force_and_its_bound():
    assert asof.release_in_force("2026-04-30") == (
        "2026-04-02", "2026-04-02_FY26_detentionStats_04092026_ice-original.xlsx")
    with pytest.raises(LookupError, match=r"detention release of 2019-10-07 \(2019-10-07_FY19-detentionstats.xlsx\), "
                                          "238 days old"):
        asof.release_in_force("2020-06-01")
    assert asof.release_in_force("2020-06-01", max_age_days=None)[0] == "2019-10-07"
    with pytest.raises(ValueError, match="no detention release on or before 2019-01-01"):
        asof.release_in_force("2019-01-01")


def test_release_for_uses_the_same_rule():
    dates = pd.Series(["2024-01-10", "2024-03-01", "2024-03-01"])
    assert detention.release_for(dates, "2024-04-01") == "2024-03-01"
    assert detention.release_for(dates, "newest") == detention.release_for(dates) == "2024-03-01"
    assert detention.release_for(dates, "2023-12-31") is None
    with pytest.raises(asof.StaleError, match="detention release of 2024-03-01, 200 days old"):
        detention.release_for(dates, "2024-09-17")
    assert detention.release_for(dates, "2024-09-17", max_age_days=None) == "2024-03-01"
    with pytest.raises(LookupError, match="238 days old"):
        detention.state_adp(as_of="2020-06-01")


def test_newest_on_or_before_on_a_synthetic_table():
    table = pd.DataFrame({"d": ["2020-01-01", "2020-02-01"], "name": ["a", "b"]})
    pick = asof.newest_on_or_before(table, "2020-03-01", date_column="d", what="thing")
    assert pick["name"] == "b"
    assert asof.newest_on_or_before(table, "2019-12-31", date_column="d", what="thing") is None
    with pytest.raises(asof.StaleError, match="the newest thing on or before 2020-03-05 is b, 33 days old"):
        asof.newest_on_or_before(table, "2020-03-05", date_column="d", what="thing", label=lambda r: r["name"],
                                  max_age_days=30)


def test_a_report_run_reads_committed_tables_it_did_not_write(tmp_path, monkeypatch):
    """04_detention with parameters writes under reports/ and must still find 01/03's tables."""
    committed = paths.project_root() / "data" / "processed" / "agreement_places.csv"
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(tmp_path))
    assert paths.processed_dir() == tmp_path.resolve() / "data" / "processed"
    assert asof.processed_path("agreement_places.csv") == committed
    own = tmp_path / "data" / "processed" / "detention_by_state.csv"
    own.parent.mkdir(parents=True)
    pd.read_csv(paths.project_root() / "data" / "processed" / "detention_by_state.csv").to_csv(own, index=False)
    assert asof.processed_path("detention_by_state.csv") == own.resolve()
    with pytest.raises(FileNotFoundError, match="data/processed/nothing.csv is missing"):
        asof.processed_path("nothing.csv")


def test_the_project_root_follows_its_setting_and_a_relative_one_the_working_directory(tmp_path, monkeypatch):
    from ice287g.core import paths

    (tmp_path / "a" / "p").mkdir(parents=True)
    (tmp_path / "b" / "p").mkdir(parents=True)
    monkeypatch.setenv("ICE287G_ROOT", str(tmp_path / "a" / "p"))
    assert paths.project_root() == (tmp_path / "a" / "p").resolve()
    monkeypatch.setenv("ICE287G_ROOT", "p")  # relative: resolved against the working directory of the call
    monkeypatch.chdir(tmp_path / "a")
    assert paths.project_root() == (tmp_path / "a" / "p").resolve()
    monkeypatch.chdir(tmp_path / "b")
    assert paths.project_root() == (tmp_path / "b" / "p").resolve()
    monkeypatch.delenv("ICE287G_ROOT")
    assert (paths.project_root() / "pyproject.toml").is_file()


# ---- one rule for every as-of lookup, on the real lists and releases ------------------------------------

# Inside the real 2017-2021 archive gap of the lists and the FY20-FY21 gap of the detention releases: the
# newest list on or before it is the 2017-08-01 roster, the newest release that of 2019-10-07.
IN_BOTH_GAPS = "2020-06-01"
FIRST_AFTER_GAP = "2021-01-13"  # the first list after the 2017-2021 gap
FIRST_RELEASE_AFTER_GAP = "2021-09-27"


def _days_after(date: str, days: int) -> str:
    return (pd.Timestamp(date) + pd.Timedelta(days=days)).date().isoformat()


@pytest.fixture(scope="module")
def built():
    releases = asof.read_processed("detention_releases.csv").astype({"fiscal_year": "int64"})
    releases["fy_end"] = releases["fy_end"] == "True"
    return {"lists": asof.read_processed("lists.csv"), "rows": asof.read_processed("list_rows.csv"),
            "releases": releases}


def _list_date_of(lists, list_id):
    return lists.set_index("list_id").loc[list_id, "list_date"]


# each answers "the date of the participating list in force at d"
LIST_LOOKUPS = {
    "asof.list_row_for": lambda t, d: asof.list_row_for(t["lists"], d)["list_date"],
    "asof.list_in_force": lambda t, d: asof.list_in_force(d)[0],
    "asof.count": lambda t, d: asof.count(d) and asof.list_in_force(d)[0],
    "agreements.resolve_list": lambda t, d: _list_date_of(t["lists"], agreements.resolve_list(t["lists"], d)),
    "changes.list_pair": lambda t, d: _list_date_of(t["lists"], _changes().list_pair(t["lists"], "previous", d)[1]),
    "reports.state_index_rows": lambda t, d: _reports().state_index_rows(t["rows"], t["lists"], ["FL"], d)[
        "list_date"].iloc[0],
    "reports.recent_changes": lambda t, d: _list_date_of(t["lists"], _reports().recent_changes(
        t["rows"], t["lists"], "FL", d)[2]),
}

# each answers "the date of the detention release in force at d"
RELEASE_LOOKUPS = {
    "asof.release_row_for": lambda t, d: asof.release_row_for(t["releases"], d)["release_date"],
    "asof.release_in_force": lambda t, d: asof.release_in_force(d)[0],
    "detention.release_for": lambda t, d: detention.release_for(t["releases"]["release_date"], d),
    "detention.state_adp": lambda t, d: detention.state_adp(as_of=d)["release_date"].iloc[0],
    "jails.choose": lambda t, d: _jails().choose(t["releases"], d)[0],
}


def _changes():
    from ice287g.history import changes

    return changes


def _reports():
    from ice287g.build import reports

    return reports


def _jails():
    from ice287g.detention import jails

    return jails


@pytest.mark.parametrize("lookup", sorted(LIST_LOOKUPS))
def test_every_list_lookup_refuses_a_date_inside_the_archive_gap(built, lookup):
    with pytest.raises(asof.StaleError, match=f"the newest participating list on or before {IN_BOTH_GAPS} is the "
                                               f"list of 2017-08-01 \\({ROSTER_2017}\\), 1035 days old") as err:
        LIST_LOOKUPS[lookup](built, IN_BOTH_GAPS)
    assert err.value.gap.startswith(f"{IN_BOTH_GAPS} falls inside an archive gap: the newest participating list")


@pytest.mark.parametrize("lookup", sorted(LIST_LOOKUPS))
def test_every_list_lookup_takes_the_list_of_the_day_before(built, lookup):
    assert LIST_LOOKUPS[lookup](built, _days_after(FIRST_AFTER_GAP, 1)) == FIRST_AFTER_GAP
    assert LIST_LOOKUPS[lookup](built, FIRST_AFTER_GAP) == FIRST_AFTER_GAP


@pytest.mark.parametrize("lookup", sorted(LIST_LOOKUPS))
def test_every_list_lookup_accepts_a_list_exactly_the_gap_threshold_old(built, lookup):
    # the 2008-03-10 list is the last before the 2008-2011 gap
    assert LIST_LOOKUPS[lookup](built, _days_after("2008-03-10", vocab.GAP_DAYS)) == "2008-03-10"
    with pytest.raises(asof.StaleError, match=f"list of 2008-03-10 .*{vocab.GAP_DAYS + 1} days old"):
        LIST_LOOKUPS[lookup](built, _days_after("2008-03-10", vocab.GAP_DAYS + 1))


@pytest.mark.parametrize("lookup", sorted(RELEASE_LOOKUPS))
def test_every_release_lookup_refuses_a_date_inside_the_release_gap(built, lookup):
    with pytest.raises(asof.StaleError, match=f"the newest detention release on or before {IN_BOTH_GAPS} is the "
                                               "detention release of 2019-10-07.*, 238 days old"):
        RELEASE_LOOKUPS[lookup](built, IN_BOTH_GAPS)


@pytest.mark.parametrize("lookup", sorted(RELEASE_LOOKUPS))
def test_every_release_lookup_takes_the_release_of_the_day_before_and_one_the_threshold_old(built, lookup):
    assert RELEASE_LOOKUPS[lookup](built, _days_after(FIRST_RELEASE_AFTER_GAP, 1)) == FIRST_RELEASE_AFTER_GAP
    assert RELEASE_LOOKUPS[lookup](built, _days_after("2019-10-07", vocab.GAP_DAYS)) == "2019-10-07"
    with pytest.raises(asof.StaleError, match=f"{vocab.GAP_DAYS + 1} days old"):
        RELEASE_LOOKUPS[lookup](built, _days_after("2019-10-07", vocab.GAP_DAYS + 1))


def test_newest_is_the_newest_list_and_release_for_every_lookup(built):
    newest_list = series_lists(built["lists"])["list_date"].max()
    assert {LIST_LOOKUPS[k](built, "newest") for k in ("asof.list_row_for", "agreements.resolve_list",
                                                        "changes.list_pair", "reports.state_index_rows")} == {newest_list}
    newest_release = built["releases"]["release_date"].max()
    assert {RELEASE_LOOKUPS[k](built, "newest") for k in ("asof.release_row_for", "detention.release_for",
                                                           "jails.choose")} == {newest_release}


def test_the_old_lookups_are_gone():
    from ice287g.detention import jails

    assert not hasattr(agreements, "list_id_for") and not hasattr(jails, "list_for")
