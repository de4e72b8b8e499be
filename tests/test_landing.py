"""Landing downloaded files in a throwaway copy of the archive: what lands, what is skipped, what is refused."""
from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from pathlib import Path

import pytest

from ice287g import cli, landing, lists, sources
from ice287g.landing import land
from tests.conftest import REAL_RAW, manifest_rows

ICE = REAL_RAW / "ice_287g"
LIST = ICE / "2026-05-18_participatingAgencies05182026am.xlsx"
OLDER = ICE / "2026-05-11_participatingAgencies05112026am.xlsx"
PENDING = ICE / "2026-02-27_pendingAgencies02272026am.xlsx"
WORKBOOK = REAL_RAW / "ice_detention" / "2026-02-05_FY26_detentionStats_02122026.xlsx"
BASE = "https://www.ice.gov/doclib/about/offices/ero/287g/"
WHEN = "2026-05-18T14:05:00Z"



def _snapshot(raw: Path) -> dict[str, bytes]:
    return {p.relative_to(raw).as_posix(): p.read_bytes() for p in sorted(raw.rglob("*")) if p.is_file()}


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
    assert sources.verify_raw(archive) == []
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
    assert sources.verify_raw(archive) == []
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
    "a pending list named participating": (lambda: PENDING.read_bytes(), {},
                                           "the header has no SIGNED column"),
    "a detention workbook named as a list": (lambda: WORKBOOK.read_bytes(), {},
                                             "does not parse as a participating list"),
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
    assert sources.verify_raw(archive) == []


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
    assert sources.verify_raw(archive) == []


def test_a_failed_manifest_write_leaves_no_file_behind(archive, monkeypatch):
    before = _snapshot(archive)

    def fail(manifest, rows):
        raise OSError("disk full")

    monkeypatch.setattr(sources, "append_manifest_rows", fail)
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
    assert sources.verify_raw(archive) == []
