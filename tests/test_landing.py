"""Landing downloaded files in a throwaway copy of the archive: what lands, what is skipped, what is refused."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from ice287g.acquire import landing
from ice287g.archive import manifests
from ice287g.build import cli
from ice287g.ingest import lists
from ice287g.acquire.landing import land
from tests.conftest import REAL_RAW, manifest_rows
from tests.workbooks import rezip

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

ICE = REAL_RAW / "ice_287g"
LIST = ICE / "2026-05-18_participatingAgencies05182026am.xlsx"
OLDER = ICE / "2026-05-11_participatingAgencies05112026am.xlsx"
PENDING = ICE / "2026-02-27_pendingAgencies02272026am.xlsx"
WORKBOOK = REAL_RAW / "ice_detention" / "2026-02-05_FY26_detentionStats_02122026.xlsx"
BASE = "https://www.ice.gov/doclib/about/offices/ero/287g/"
WHEN = "2026-05-18T14:05:00Z"



def _snapshot(raw: Path) -> dict[str, bytes]:
    """Every file under ``raw`` but the landing lock (``add`` holds it; it stays, unlocked, when done)."""
    return {p.relative_to(raw).as_posix(): p.read_bytes() for p in sorted(raw.rglob("*"))
            if p.is_file() and p.name != manifests.LOCK_NAME}


def _row(raw: Path, source: str, file: str) -> dict:
    _, rows = manifest_rows(raw / source)
    hits = [r for r in rows if r["file"] == file]
    assert len(hits) == 1
    return hits[0]


def test_a_real_list_lands_with_its_name_kind_date_hash_and_url(archive):
    data = LIST.read_bytes()
    url = BASE + "participatingAgencies05182026am.xlsx"
    got = land(data, "participatingAgencies05182026am.xlsx", url, retrieved=WHEN)
    assert got == landing.Landed("landed", "ice_287g", "2026-05-18_participatingAgencies05182026am.xlsx",
                                 "new participating file dated 2026-05-18")
    assert (archive / "ice_287g" / got.file).read_bytes() == data
    row = _row(archive, "ice_287g", got.file)
    assert row["sha256"] == hashlib.sha256(data).hexdigest() == "f2d0629e4a4c7f4557d90c74998be7fec37738cd2ca35de36b0b749ca25d04e0"
    assert (row["bytes"], row["kind"], row["as_of_date"], row["original_url"]) == (
        "231759", "ice_287g_participating_xlsx", "2026-05-18", url)
    assert row["notes"] == f"retrieved {WHEN} by ice287g update; date from the file name (MMDDYYYY)"
    assert manifests.verify_raw(archive) == []
    # the manifest keeps its line ending: every line of the sample ends as the header does
    text = (archive / "ice_287g" / "MANIFEST.csv").read_bytes()
    assert text.count(b"\r\n") in (0, text.count(b"\n"))


def test_the_same_bytes_again_change_nothing(archive):
    first = land(LIST.read_bytes(), "participatingAgencies05182026am.xlsx", BASE, retrieved=WHEN)
    before = _snapshot(archive)
    again = land(LIST.read_bytes(), "participatingAgencies05182026am.xlsx", BASE, retrieved="2026-05-19T09:00:00Z")
    assert again == landing.Landed("unchanged", "ice_287g", first.file, f"these bytes are already data/raw/ice_287g/{first.file}")
    # bytes the archive holds under any name, in any folder, are skipped too
    sample = archive / "ice_287g" / "2025-06-06_participatingAgencies06062025am.xlsx"
    other = land(sample.read_bytes(), "participatingAgencies06102025am.xlsx", BASE, retrieved=WHEN)
    assert (other.status, other.file) == ("unchanged", sample.name)
    assert _snapshot(archive) == before


def test_revised_bytes_under_the_same_name_are_kept_beside_the_old_ones(archive):
    name = "participatingAgencies05182026am.xlsx"
    first = land(LIST.read_bytes(), name, BASE + name, retrieved=WHEN)
    old = (archive / "ice_287g" / first.file).read_bytes()
    revised = land(OLDER.read_bytes(), name, BASE + name, retrieved="2026-05-18T20:00:00Z")
    assert revised == landing.Landed("landed", "ice_287g", "2026-05-18_participatingAgencies05182026am.r2.xlsx",
                                     f"revised under the same name: {first.file} holds other bytes")
    assert (archive / "ice_287g" / first.file).read_bytes() == old
    assert _row(archive, "ice_287g", revised.file)["as_of_date"] == "2026-05-18"
    third = land(PENDING.read_bytes(), "pendingAgencies05182026am.xlsx", BASE, retrieved=WHEN)
    assert third.status == "landed"
    assert manifests.verify_raw(archive) == []
    # the history reads both versions as two lists of one date, with distinct ids
    _, read, _, _ = lists.read_all()
    both = read[read["list_date"] == "2026-05-18"].sort_values("list_id")
    assert list(both["list_id"]) == ["participating-2026-05-18am", "participating-2026-05-18am-r2",
                                     "pending-2026-05-18am"]
    assert list(both["rows"]) == [1843, 1797, 2]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _without_content_types(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            if item.filename != "[Content_Types].xml":
                dst.writestr(item, src.read(item))
    return out.getvalue()


IMPOSTORS = {
    "an HTML error page": (lambda: b"<!DOCTYPE html><html><body>Access Denied</body></html>", {},
                           "this is an HTML page, not a workbook"),
    "a truncated download": (lambda: _truncated(LIST.read_bytes()), {}, "truncated or damaged workbook"),
    "a CSV renamed .xlsx": (lambda: (ICE / "2017-08-01_pre2018-roster-long.csv").read_bytes()[:4000], {},
                            "this is text, not a workbook"),
    "a zip that is no workbook": (lambda: _without_content_types(LIST.read_bytes()), {}, "not an Excel workbook"),
    "a hash other than the expected one": (lambda: LIST.read_bytes(), {"expected_sha256": "0" * 64},
                                           "differs from the expected " + "0" * 64),
}


@pytest.mark.parametrize("what", list(IMPOSTORS))
def test_an_impostor_is_refused_naming_the_file_and_nothing_changes(archive, what):
    make, extra, why = IMPOSTORS[what]
    before = _snapshot(archive)
    got = land(make(), "participatingAgencies05192026am.xlsx", BASE, retrieved=WHEN, **extra)
    assert got.status == "refused" and got.file == ""
    assert got.reason.startswith("participatingAgencies05192026am.xlsx: ") and why in got.reason
    assert "\n" not in got.reason and "ice287g-land-" not in got.reason  # one line, no temporary path
    assert _snapshot(archive) == before
    assert manifests.verify_raw(archive) == []


@pytest.mark.parametrize("name, why", [
    ("../participatingAgencies05192026am.xlsx", "not a plain file name"),
    (".participatingAgencies05192026am.xlsx", "hidden file name"),
    ("MANIFEST.csv", "MANIFEST.csv is the folder's own documentation"),
    ("participatingAgencies05192026am.csv", "not a name that lands"),
    ("participatingAgencies05192026am.html", "a workbook, not an HTML page"),
    ("participatingAgencies11114025am.xlsx", "11114025 is no date as MMDDYYYY"),
    ("participatingAgencies05252026am.xlsx", "after it was retrieved"),
])
def test_a_bad_or_undated_name_is_refused(archive, name, why):
    before = _snapshot(archive)
    got = land(LIST.read_bytes(), name, BASE, retrieved=WHEN)
    assert got.status == "refused" and why in got.reason, got
    assert _snapshot(archive) == before


def test_a_date_given_by_hand_lands_a_name_no_rule_reads(archive):
    got = land(LIST.read_bytes(), "participatingAgencies11114025am.xlsx", BASE, retrieved=WHEN,
               as_of_date="2025-11-14")
    assert (got.status, got.file) == ("landed", "2025-11-14_participatingAgencies11114025am.xlsx")
    assert _row(archive, "ice_287g", got.file)["notes"].endswith("as_of_date given by hand")
    assert lists.file_date(got.file).date_basis == "corrected file name (name reads 11114025)"


def test_a_january_name_with_last_years_year_lands_in_the_retrieval_year(archive):
    got = land(LIST.read_bytes(), "participatingAgencies01062025pm.xlsx", BASE, retrieved="2026-01-06T21:00:00Z")
    assert got.file == "2026-01-06_participatingAgencies01062025pm.xlsx"


def test_a_detention_workbook_lands_under_its_data_pull_date(archive):
    url = "https://www.ice.gov/doclib/detention/FY26_detentionStats_02122026.xlsx"
    got = land(WORKBOOK.read_bytes(), "FY26_detentionStats_02122026.xlsx", url, retrieved="2026-02-13T00:00:00Z")
    assert got == landing.Landed("landed", "ice_detention", "2026-02-05_FY26_detentionStats_02122026.xlsx",
                                 "new detention file dated 2026-02-05")
    real = _row(REAL_RAW, "ice_detention", got.file)
    row = _row(archive, "ice_detention", got.file)
    assert {k: row[k] for k in ("file", "sha256", "bytes", "kind", "as_of_date")} == {
        k: real[k] for k in ("file", "sha256", "bytes", "kind", "as_of_date")}
    assert manifests.verify_raw(archive) == []


def test_a_failed_manifest_write_leaves_no_file_behind(archive, monkeypatch):
    before = _snapshot(archive)

    def fail(manifest, rows):
        raise OSError("disk full")

    monkeypatch.setattr(manifests, "append_manifest_rows", fail)
    with pytest.raises(OSError, match="disk full"):
        land(LIST.read_bytes(), "participatingAgencies05182026am.xlsx", BASE, retrieved=WHEN)
    assert _snapshot(archive) == before
    assert not [p for p in archive.rglob("*") if p.name.startswith(".")]


def test_add_lands_a_file_downloaded_by_hand(archive, tmp_path, capsys):
    download = tmp_path / "participatingAgencies05182026am.xlsx"
    shutil.copyfile(LIST, download)
    assert cli.main(["add", str(download), "--url", BASE + download.name]) == 0
    out = capsys.readouterr().out.strip()
    assert out == ("add: landed data/raw/ice_287g/2026-05-18_participatingAgencies05182026am.xlsx: "
                   "new participating file dated 2026-05-18")
    row = _row(archive, "ice_287g", "2026-05-18_participatingAgencies05182026am.xlsx")
    assert row["original_url"] == BASE + download.name and "by hand with `ice287g add`" in row["notes"]
    assert cli.main(["add", str(download)]) == 0
    assert capsys.readouterr().out.startswith("add: unchanged data/raw/ice_287g/2026-05-18_")
    bad = tmp_path / "participatingAgencies05192026am.xlsx"
    bad.write_bytes(b"<html>404</html>")
    before = _snapshot(archive)
    assert cli.main(["add", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"add: refused {bad}: this is an HTML page, not a workbook"]
    assert _snapshot(archive) == before


def test_add_keeps_an_archive_copys_date_and_takes_a_date_by_hand(archive, tmp_path, capsys):
    copy = tmp_path / OLDER.name  # an archive file's name: its prefix is its date
    shutil.copyfile(OLDER, copy)
    assert cli.main(["add", str(copy)]) == 0
    assert _row(archive, "ice_287g", OLDER.name)["original_url"] == ""
    undated = tmp_path / "participatingAgencies.xlsx"
    shutil.copyfile(LIST, undated)
    assert cli.main(["add", str(undated)]) == 1
    assert "no list date" in capsys.readouterr().err
    assert cli.main(["add", str(undated), "--as-of", "2026-05-18"]) == 0
    assert (archive / "ice_287g" / "2026-05-18_participatingAgencies.xlsx").exists()


def test_another_name_for_a_list_of_the_same_date_and_time_gets_its_own_list_id(archive):
    land(LIST.read_bytes(), "participatingAgencies05182026am.xlsx", BASE, retrieved=WHEN)
    got = land(OLDER.read_bytes(), "ParticipatingAgency051826am.xlsx", BASE, retrieved=WHEN)
    assert got.file == "2026-05-18_ParticipatingAgency051826am.r2.xlsx"
    assert got.reason == ("kept as a revision: 2026-05-18_participatingAgencies05182026am.xlsx is another list of "
                          "that kind, date and time of day")
    _, read, _, _ = lists.read_all()
    assert sorted(read.loc[read["list_date"] == "2026-05-18", "list_id"]) == [
        "participating-2026-05-18am", "participating-2026-05-18am-r2"]


def test_a_second_detention_workbook_of_one_release_lands_and_says_what_the_build_needs(archive):
    first = land(WORKBOOK.read_bytes(), "FY26_detentionStats_02122026.xlsx", BASE, retrieved=WHEN)
    with zipfile.ZipFile(io.BytesIO(WORKBOOK.read_bytes())) as src:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:  # the same workbook, zipped anew
            for item in src.infolist():
                dst.writestr(item.filename, src.read(item))
        reissued = out.getvalue()
    got = land(reissued, "FY26_detentionStats_02122026.xlsx", BASE, retrieved=WHEN)
    assert (got.status, got.file) == ("landed", "2026-02-05_FY26_detentionStats_02122026.r2.xlsx")
    assert got.reason == (f"revised under the same name: {first.file} holds other bytes; {first.file} has the same "
                          "data-pull date: the build reads one workbook per release, so mark one superseded in "
                          "data/hand/superseded_files.csv")
    assert manifests.verify_raw(archive) == []


# ---------------------------------------------------------------------------------------------
# Issue 25: long names (item 6), dates after today (item 9), a detention name that disagrees with its data
# (item 8), outside names in messages (item 12)

TAIL = "participatingAgencies05192026am.xlsx"


@pytest.mark.parametrize("length, why", [
    (241, "file name refused: file name of 241 bytes, longer than the limit of 150"),
    (400, "file name refused: file name of 400 bytes, longer than the limit of 150"),
    # the ICE name fits, the archive's name (with its date prefix) would not
    (145, "archive name '2026-05-19_aaaa"),
])
def test_a_long_name_is_refused_in_one_line_and_nothing_is_written(archive, length, why):
    before = _snapshot(archive)
    name = "a" * (length - len(TAIL)) + TAIL
    got = land(LIST.read_bytes(), name, BASE, retrieved=WHEN)
    assert got.status == "refused" and why in got.reason and "longer than the limit of 150" in got.reason, got
    assert _snapshot(archive) == before


def test_the_longest_name_that_fits_lands(archive):
    name = "a" * (139 - len(TAIL)) + TAIL  # 139 bytes: 150 with the date prefix
    got = land(LIST.read_bytes(), name, BASE, retrieved=WHEN)
    assert (got.status, len(got.file)) == ("landed", 150)


def test_add_of_a_file_with_a_241_character_name_is_one_line(archive, tmp_path, capsys):
    path = tmp_path / ("a" * (241 - len(TAIL)) + TAIL)
    shutil.copyfile(LIST, path)
    assert cli.main(["add", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("file name refused: file name of 241 bytes, longer than the limit of 150")


def test_a_list_dated_after_today_is_refused_by_the_clock(archive):
    future = "participatingAgencies01022030am.xlsx"
    # retrieved "in 2030" (a clock or mtime that lies): the name alone would pass, today's date does not
    got = land(LIST.read_bytes(), future, BASE, retrieved="2030-01-02T12:00:00Z", today=lambda: dt.date(2026, 12, 6))
    assert got == landing.Landed("refused", "", "", f"{future}: dated 2030-01-02 is after today (2026-12-06)")
    got = land(LIST.read_bytes(), TAIL, BASE, retrieved=WHEN, as_of_date="2026-05-19",
               today=lambda: dt.date(2026, 5, 17))
    assert got.reason.endswith("dated 2026-05-19 is after today (2026-05-17)")
    # a day ahead is ICE's clock (US Eastern) against ours: it lands
    got = land(LIST.read_bytes(), TAIL, BASE, retrieved=WHEN, today=lambda: dt.date(2026, 5, 18))
    assert got.status == "landed"


def test_a_detention_workbook_pulled_after_today_is_refused(archive):
    got = land(WORKBOOK.read_bytes(), "FY26_detentionStats_02122026.xlsx", BASE, retrieved="2026-02-13T00:00:00Z",
               today=lambda: dt.date(2026, 2, 3))
    assert got.status == "refused" and got.reason.endswith(
        "its data-pull (IIDS) date 2026-02-05 is after today (2026-02-03)")


def test_add_no_longer_trusts_a_modification_time_in_the_future(archive, tmp_path, capsys):
    path = tmp_path / "participatingAgencies01022030am.xlsx"
    shutil.copyfile(LIST, path)
    in_2030 = dt.datetime(2030, 1, 2, 12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (in_2030, in_2030))
    assert cli.main(["add", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"add: refused {path}: ") and "2030-01-02" in err and "\n" not in err
    assert not list((archive / "ice_287g").glob("2030-*"))


FY27 = "FY27_detentionStats_12012026.xlsx"  # the probe's name: FY26 data pulled 2026-02-05, dated months later
PULLED = "2026-04-10T00:00:00Z"


def test_a_detention_workbook_whose_name_disagrees_lands_under_its_data_pull_date(archive):
    got = land(WORKBOOK.read_bytes(), FY27, BASE + FY27, retrieved=PULLED, today=lambda: dt.date(2026, 4, 10))
    disagree = ("file name and data disagree: the name reads 2026-12-01, 299 days after the data pull (a workbook "
                "comes out within 60 days after it); landed under the data-pull (IIDS) date 2026-02-05 printed on "
                "the Facilities sheet")
    assert got == landing.Landed("landed", "ice_detention", f"2026-02-05_{FY27}",
                                 f"new detention file dated 2026-02-05; {disagree}")
    assert _row(archive, "ice_detention", got.file)["notes"] == f"retrieved {PULLED} by ice287g update; {disagree}"


def test_a_disagreeing_detention_workbook_of_a_release_already_held_is_refused_as_a_duplicate(archive):
    first = land(WORKBOOK.read_bytes(), "FY26_detentionStats_02122026.xlsx", BASE, retrieved="2026-02-13T00:00:00Z")
    before = _snapshot(archive)
    got = land(rezip(WORKBOOK.read_bytes()), FY27, BASE + FY27, retrieved=PULLED,
               today=lambda: dt.date(2026, 4, 10))
    assert got.status == "refused" and got.source == "ice_detention"
    assert got.reason.startswith(f"{FY27}: a duplicate of the release of 2026-02-05, which "
                                 f"data/raw/ice_detention/{first.file} already holds (file name and data disagree: "
                                 "the name reads 2026-12-01, 299 days after the data pull")
    assert _snapshot(archive) == before
    # so the build still reads one workbook per release
    from ice287g.detention import detention

    assert detention.workbooks()["as_of_date"].tolist() == ["2026-02-05"]


def test_every_real_detention_workbook_name_agrees_with_its_data():
    # the rule must not fire on ICE's own names: each is dated within NAME_AFTER_PULL_DAYS after its pull
    from ice287g.archive import icenames
    from ice287g.detention import detention

    _, rows = manifest_rows(REAL_RAW / "ice_detention")
    books = [r for r in rows if r["kind"] == "ice_detentionStats_workbook_xlsx"]
    assert len(books) > 40
    said = {}
    for r in books:
        _, facts, _ = detention.read_release(REAL_RAW / "ice_detention" / r["file"])
        info = icenames.ice_name_info(icenames.split_archive_name(r["file"])[1])
        assert facts["iids_date"] == r["as_of_date"] or "given by hand" in r["notes"] or r["source_repo"], r["file"]
        said[r["file"]] = landing._name_disagrees(info, r["as_of_date"])
    assert {f: s for f, s in said.items() if s} == {}


def test_names_in_messages_are_shown_with_control_characters_escaped(archive, tmp_path, capsys):
    evil = "participating\x1b[2JAgencies\r\n05192026am\u202e.xlsx"
    got = land(LIST.read_bytes(), evil, BASE, retrieved=WHEN)
    assert got.status == "refused"
    assert got.reason.startswith("participating\\x1b[2JAgencies\\r\\n05192026am\\u202e.xlsx: file name refused")
    assert not any(c in got.reason for c in "\x1b\r\n\u202e")
    path = tmp_path / "participating\x1b]0;owned\x07Agencies05192026am.xlsx"
    path.write_bytes(b"<html>404</html>")
    assert cli.main(["add", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "\x1b" not in err and "\x07" not in err and "\\x1b]0;owned\\x07" in err
