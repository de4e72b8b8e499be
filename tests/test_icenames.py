"""ICE file names: every pattern ICE used, the archive's names, and read_list on ICE's own name."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from ice287g.archive import icenames
from ice287g.ingest import lists
from ice287g.archive.icenames import ice_name_info
from tests.conftest import REAL_RAW, manifest_rows

ICE = REAL_RAW / "ice_287g"


@pytest.mark.parametrize("name, date, kind, tod, rule", [
    ("participatingAgencies11202026am.xlsx", "2026-11-20", "participating", "am", "MMDDYYYY"),
    ("pendingAgencies06062025am.xlsx", "2025-06-06", "pending", "am", "MMDDYYYY"),
    ("participatingAgencies12082025mid.xlsx", "2025-12-08", "participating", "mid", "MMDDYYYY"),
    ("participatingAgencies06032026.xlsx", "2026-06-03", "participating", "", "MMDDYYYY"),
    ("ParticipatingAgencies08282026pm.xlsx", "2026-08-28", "participating", "pm", "MMDDYYYY"),
    ("participatingAgencies05122025amB.xlsx", "2025-05-12", "participating", "am", "MMDDYYYY"),
    ("287gParticipatingAgencies091526pm.xlsx", "2026-09-15", "participating", "pm", "MMDDYY"),
    ("ParticipatingAgency091826am.xlsx", "2026-09-18", "participating", "am", "MMDDYY"),
    ("participatingAgencies060920263pm.xlsx", "2026-06-09", "participating", "pm", "MMDDYYYY then the hour (3pm)"),
    ("060920263pm.xlsx", "2026-06-09", "", "pm", "MMDDYYYY then the hour (3pm)"),
    ("participatingAgencies090022025am.xlsx", "2025-09-02", "participating", "am",
     "MMDDYYYY with one stray digit (090022025 read as 09022025)"),
    ("participatingAgencies-20250221214937.xlsx", "2025-02-21", "participating", "", "Wayback capture timestamp"),
    ("pendingAgencies-20250313172004.xlsx", "2025-03-13", "pending", "", "Wayback capture timestamp"),
    ("ParticipatingEntities-20210113002027.xlsx", "2021-01-13", "html_table", "", "Wayback capture timestamp"),
    ("FY26_detentionStats_04022026.xlsx", "2026-04-02", "detention", "", "MMDDYYYY"),
    ("FY21_detentionStats11122021.xlsx", "2021-11-12", "detention", "", "MMDDYYYY"),
    ("FY23_detentionStats221212.xlsx", "2022-12-12", "detention", "", "YYMMDD"),
])
def test_each_pattern_of_ice_names(name, date, kind, tod, rule):
    info = ice_name_info(name)
    assert (info.date, info.kind, info.time_of_day, info.rule, info.problem) == (date, kind, tod, rule, "")
    assert info.source == {"participating": "ice_287g", "pending": "ice_287g", "html_table": "ice_287g",
                           "detention": "ice_detention", "": ""}[kind]


def test_january_names_with_last_years_year_take_the_retrieval_year():
    name = "participatingAgencies01062025pm.xlsx"  # ICE's name for a sheet of 2026-01-06
    assert ice_name_info(name).date == "2025-01-06"  # the name alone cannot know
    info = ice_name_info(name, retrieved="2026-01-08T15:04:00Z")
    assert info.date == "2026-01-06" and info.name_date == "2025-01-06"
    assert "ICE kept the old year in January" in info.rule
    # a January name retrieved in its own January, or a year later in spring, is read as printed
    assert ice_name_info("participatingAgencies01072026am.xlsx", retrieved="2026-01-07T12:00:00Z").date == "2026-01-07"
    assert ice_name_info(name, retrieved="2026-05-01").date == "2025-01-06"
    # and through lists.file_date: the archive's prefix keeps the date; the basis says the name was corrected
    when = lists.file_date("2026-01-06_" + name)
    assert (when.list_date, when.name_date, when.date_basis) == (
        "2026-01-06", "2025-01-06", "corrected file name (name reads 01062025)")


def test_a_name_dated_after_its_retrieval_is_refused():
    info = ice_name_info("participatingAgencies07182026pm.xlsx", retrieved="2026-07-10T00:00:00Z")
    assert info.date == "" and "after it was retrieved" in info.problem
    # a day ahead is ICE's clock (US Eastern) against ours (UTC), not an error
    assert ice_name_info("participatingAgencies07182026pm.xlsx", retrieved="2026-07-17T23:00:00Z").date == "2026-07-18"


@pytest.mark.parametrize("name, why", [
    ("participatingAgencies11114025am.xlsx", "11114025 is no date as MMDDYYYY"),  # ICE's typo for 11/14/2025
    ("participatingAgencies10223025am.xlsx", "10223025 is no date as MMDDYYYY"),  # ICE's typo for 10/23/2025
    ("participatingAgencies.xlsx", "no date in the name"),
    ("participatingAgencies1062025am.xlsx", "7 digits match no date pattern"),
    ("FY24_detentionStats.xlsx", "only the fiscal year (FY24)"),
])
def test_a_name_no_rule_reads_gives_no_date_and_says_why(name, why):
    info = ice_name_info(name)
    assert info.date == "" and name in info.problem and why in info.problem


def test_a_revision_reads_as_the_same_date_and_gets_its_own_list_id():
    name = icenames.revision_name("participatingAgencies07182026pm.xlsx", 2)
    assert name == "participatingAgencies07182026pm.r2.xlsx"
    first = lists.file_date("2026-07-18_participatingAgencies07182026pm.xlsx")
    second = lists.file_date(f"2026-07-18_{name}")
    assert (second.list_date, second.time_of_day, second.date_basis, second.revision) == (
        first.list_date, first.time_of_day, first.date_basis, 2)
    assert lists.list_id("participating", first) == "participating-2026-07-18pm"
    assert lists.list_id("participating", second) == "participating-2026-07-18pm-r2"


# Archive files whose name is not an ICE name carrying a date: third-party derived tables and crosswalks.
NOT_ICE_NAMES = {
    "2008-03-10_historical-ice-lists.csv": "deportationdata's stacked table of two undated partners pages",
    "2017-08-01_pre2018-roster-long.csv": "stacked fact-sheet roster; dates are inside, per capture",
    "2019-12-31_287g_curated_2019.xlsx": "Washington Post's curated sheriff list (year flags)",
    "2025-07-03_agreements.csv": "appelson's stacked table; dates are inside, per sheet",
    "2026-04-02_facilities.parquet": "deportationdata's parse of many workbooks",
    "2026-05-27_ddp_facilities.csv": "facility crosswalk",
    "2026-07-18_facility_locations.csv": "facility geocode crosswalk",
}
# Detention workbooks named with the fiscal year alone: the date is the data-pull date printed inside.
FISCAL_YEAR_ONLY = {"2019-10-07_FY19-detentionstats.xlsx", "2020-09-30_FY20-detentionstats.xlsx",
                    "2024-10-07_FY24_detentionStats.xlsx"}
# ICE names a detention workbook by its release date; the archive dates it by the data-pull date printed on
# its Facilities sheet, which comes some days before the release.
RELEASE_LAG_DAYS = range(0, 61)


def _archive_rows():
    for source in ("ice_287g", "ice_detention"):
        _, rows = manifest_rows(REAL_RAW / source)
        for r in rows:
            yield source, r


def test_every_archive_name_reads_as_its_manifest_date():
    checked = 0
    for source, r in _archive_rows():
        prefix, original = icenames.split_archive_name(r["file"])
        assert prefix == r["as_of_date"], r["file"]
        info = ice_name_info(original)
        if r["file"] in NOT_ICE_NAMES:
            assert info.date == "", r["file"]
            continue
        assert info.source == source, r["file"]
        if source == "ice_287g":
            assert info.date == r["as_of_date"], (r["file"], info)
            assert info.kind in r["kind"] or (info.kind == "html_table" and r["kind"] == "ice_287g_html_table_xlsx")
        elif r["file"] in FISCAL_YEAR_ONLY:
            start, end = icenames._fiscal_window(info.fiscal_year)
            assert info.date == "" and start <= dt.date.fromisoformat(r["as_of_date"]) <= end, r["file"]
        else:
            lag = (dt.date.fromisoformat(info.date) - dt.date.fromisoformat(r["as_of_date"])).days
            assert lag in RELEASE_LAG_DAYS, (r["file"], info.date, lag)
        checked += 1
    assert checked >= 190  # every ICE-named file of both sources


def test_read_list_reads_ices_own_name_from_any_folder(tmp_path):
    archived = ICE / "2025-06-06_participatingAgencies06062025am.xlsx"
    copy = tmp_path / "participatingAgencies06062025am.xlsx"
    shutil.copyfile(archived, copy)
    got, want = lists.read_list(copy), lists.read_list(archived)
    assert len(got) == len(want) == 649
    assert set(got["list_id"]) == {"participating-2025-06-06am"}
    assert got.drop(columns="source_file").equals(want.drop(columns="source_file"))
    assert set(got["source_file"]) == {copy.name}


def test_read_list_errors_name_the_path_given(tmp_path):
    copy = tmp_path / "participatingAgencies.xlsx"  # no date in the name, no archive prefix
    shutil.copyfile(ICE / "2025-06-06_participatingAgencies06062025am.xlsx", copy)
    with pytest.raises(lists.ListError) as err:
        lists.read_list(copy)
    assert str(err.value).startswith(f"{copy.as_posix()}: no list date")
    assert "data/raw" not in str(err.value)
    broken = tmp_path / "pendingAgencies06062025am.xlsx"
    broken.write_bytes(b"<html>Access denied</html>")
    with pytest.raises(lists.ListError, match=rf"^{broken.as_posix()}: this is an HTML page, not a workbook"):
        lists.read_list(broken)
