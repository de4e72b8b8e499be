from __future__ import annotations

import csv
import os
import shutil

import pytest

from ice287g.archive import manifests
from ice287g.acquire import from_mirror
from ice287g.archive import coverage
from ice287g.build import cli
from ice287g.archive.manifests import RawDataError

from .conftest import REAL_RAW

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)


def _manifest_rows(folder):
    with open(folder / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_real_archive_matches_every_manifest():
    problems = manifests.verify_raw(REAL_RAW)
    assert problems == []
    counts = {f.name: len(_manifest_rows(f)) for f in manifests.source_folders(REAL_RAW)}
    assert counts == {"census": 26, "fbi": 3, "ice_287g": 150, "ice_detention": 49, "ice_facilities": 2, "trac": 4}


def test_vendored_files_are_byte_identical_to_shared_mirror():
    shared = REAL_RAW.parents[2] / "shared" / "data" / "raw"
    if not shared.is_dir():
        pytest.skip("../shared is not beside this checkout")
    for folder in manifests.source_folders(REAL_RAW):
        for row in _manifest_rows(folder):
            mirror = shared / folder.name / row["file"]
            if mirror.exists():
                assert manifests.sha256_file(mirror) == row["sha256"], mirror


def test_one_changed_byte_is_named_with_both_hashes(project, capsys):
    target = project / "data/raw/ice_287g/2025-06-06_participatingAgencies06062025am.xlsx"
    expected = manifests.sha256_file(target)
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    problems = manifests.verify_raw()
    assert len(problems) == 1
    message = str(problems[0])
    assert "data/raw/ice_287g/2025-06-06_participatingAgencies06062025am.xlsx" in message
    assert "sha256 mismatch" in message and expected in message and manifests.sha256_file(target) in message
    assert cli.main(["verify-raw"]) == 1
    assert "2025-06-06_participatingAgencies06062025am.xlsx" in capsys.readouterr().err


def test_missing_file_is_named(project):
    (project / "data/raw/trac/2026-07-11_pop_agen_table.json").unlink()
    problems = [str(p) for p in manifests.verify_raw()]
    assert problems == ["data/raw/trac/2026-07-11_pop_agen_table.json: missing (listed in MANIFEST.csv row 2)"]


def test_unlisted_file_is_named(project):
    (project / "data/raw/trac/notes.txt").write_text("scratch")
    problems = [str(p) for p in manifests.verify_raw()]
    assert problems == ["data/raw/trac/notes.txt: unlisted file (not in MANIFEST.csv)"]
    with pytest.raises(RawDataError, match="notes.txt"):
        manifests.check_raw()


def test_malformed_hash_in_manifest_is_named(project):
    manifest = project / "data/raw/trac/MANIFEST.csv"
    rows = _manifest_rows(project / "data/raw/trac")
    rows[0]["sha256"] = rows[0]["sha256"][:40]
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (problem,) = manifests.verify_raw()
    assert "malformed sha256" in str(problem) and "2026-07-11_pop_agen_table.json" in str(problem)


def test_import_raw_copies_only_new_files_and_appends_manifest_rows(project):
    raw = project / "data/raw"
    before = (raw / "trac/MANIFEST.csv").read_bytes()
    result = from_mirror.import_raw(REAL_RAW / "trac")
    assert sorted(result.copied) == sorted(
        f"trac/{r['file']}" for r in _manifest_rows(REAL_RAW / "trac") if r["file"] != "2026-07-11_pop_agen_table.json")
    assert result.unchanged == ["trac/2026-07-11_pop_agen_table.json"]
    after = (raw / "trac/MANIFEST.csv").read_bytes()
    assert after.startswith(before) and after.count(b"\r\n") == before.count(b"\r\n") + 3
    assert manifests.verify_raw() == []
    again = from_mirror.import_raw(REAL_RAW / "trac")
    assert again.copied == [] and len(again.unchanged) == 4


@pytest.mark.integration  # the whole real archive imported into a throwaway project
def test_import_raw_of_a_whole_mirror_brings_new_sources(project):
    result = from_mirror.import_raw(REAL_RAW)
    assert any(f.startswith("census/") for f in result.copied)
    assert manifests.verify_raw() == []
    assert sum(len(_manifest_rows(f)) for f in manifests.source_folders()) == sum(
        len(_manifest_rows(f)) for f in manifests.source_folders(REAL_RAW))


def test_import_raw_never_overwrites_a_different_file(project, tmp_path):
    mirror = tmp_path / "mirror" / "trac"
    shutil.copytree(REAL_RAW / "trac", mirror)
    victim = project / "data/raw/trac/2026-07-11_pop_agen_table.json"
    original = victim.read_bytes()
    (mirror / victim.name).write_bytes(b"[]")
    rows = _manifest_rows(mirror)
    for r in rows:
        if r["file"] == victim.name:
            r["sha256"], r["bytes"] = manifests.sha256_file(mirror / victim.name), "2"
    with open(mirror / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(RawDataError, match="never overwritten"):
        from_mirror.import_raw(mirror)
    assert victim.read_bytes() == original
    assert len(list((project / "data/raw/trac").iterdir())) == 2  # nothing half-imported


def test_import_raw_rejects_a_corrupt_mirror(project, tmp_path):
    mirror = tmp_path / "mirror" / "trac"
    shutil.copytree(REAL_RAW / "trac", mirror)
    (mirror / "2026-07-09_facilities.json").write_bytes(b"{}")
    with pytest.raises(RawDataError, match="does not match its own manifest"):
        from_mirror.import_raw(mirror)


def test_coverage_opens_stacked_lists_and_finds_the_known_gaps():
    cov = coverage.coverage()
    roster = cov[cov["series"] == "ICE fact-sheet roster (stacked)"]
    assert (len(roster), roster["start"].min(), roster["start"].max()) == (33, "2011-02-20", "2017-08-01")
    partners = cov[cov["series"] == "ICE partners page (stacked)"]
    assert partners["start"].tolist() == ["2007-09-19", "2008-03-10"]
    gaps = coverage.list_gaps(cov, 180)
    assert ("2017-08-01", "2021-01-13", 1261) in set(gaps.itertuples(index=False, name=None))
    assert gaps["days"].min() > 180


# ---- issue 12, item 5: every entry point verifies raw files first, cheaply ----------------------------

ROSTER = "data/raw/ice_287g/2017-08-01_pre2018-roster-long.csv"


def _same_size_edit(path):
    data = bytearray(path.read_bytes())
    i = data.index(b",") + 1
    data[i:i + 1] = b"X" if data[i:i + 1] != b"X" else b"Y"
    path.write_bytes(bytes(data))


def _age(path, seconds=3600):
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def test_an_edited_raw_csv_stops_ensure_verified(project):
    assert manifests.ensure_verified() == 3
    _same_size_edit(project / ROSTER)
    with pytest.raises(RawDataError, match=r"2017-08-01_pre2018-roster-long.csv: sha256 mismatch"):
        manifests.ensure_verified()


def test_an_edited_raw_csv_stops_run_before_any_kernel_starts(project, monkeypatch, capsys):
    from ice287g.build import pipeline

    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel started on an edited raw file")

    monkeypatch.setattr(pipeline, "run", no_kernel)
    monkeypatch.setattr(pipeline, "_execute", no_kernel)
    _same_size_edit(project / ROSTER)
    assert cli.main(["run", "01_agreement_history"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("run: raw data verification failed") and "\n" not in err
    assert "2017-08-01_pre2018-roster-long.csv: sha256 mismatch" in err
    with pytest.raises(RawDataError, match="sha256 mismatch"):
        pipeline.run_notebook("01_agreement_history")
    with pytest.raises(RawDataError, match="sha256 mismatch"):
        pipeline.run_state_report("TX")
    assert cli.main(["reports", "--state", "TX"]) == 1


def test_the_cache_trusts_unchanged_files_and_rehashes_touched_ones(project, monkeypatch):
    for p in (project / "data/raw").rglob("*"):
        if p.is_file():
            _age(p)
    manifests.ensure_verified()
    hashed = []
    real = manifests.sha256_file
    monkeypatch.setattr(manifests, "sha256_file", lambda p: hashed.append(p.name) or real(p))
    manifests.ensure_verified()
    assert hashed == []  # size and mtime unchanged: nothing is read again
    roster = project / ROSTER
    roster.touch()  # same bytes, new mtime: hashed again, still passes
    manifests.ensure_verified()
    assert hashed == [roster.name]
    _same_size_edit(roster)  # new bytes, same size
    with pytest.raises(RawDataError, match="sha256 mismatch"):
        manifests.ensure_verified()
    assert (project / ".build/raw_verified.json").exists()


def test_a_file_changed_just_after_it_was_hashed_is_not_trusted(project, monkeypatch):
    manifests.ensure_verified()  # the sample was copied a moment ago: racily recent
    hashed = []
    real = manifests.sha256_file
    monkeypatch.setattr(manifests, "sha256_file", lambda p: hashed.append(p.name) or real(p))
    manifests.ensure_verified()
    assert len(hashed) == 3


# ---- issue 12, item 11: raw errors are one line naming the file --------------------------------------


def _one_line_error(capsys, argv=("verify-raw",)) -> str:
    assert cli.main(list(argv)) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


def test_a_non_utf8_manifest_is_one_line(project, capsys):
    manifest = project / "data/raw/trac/MANIFEST.csv"
    manifest.write_bytes(manifest.read_bytes().replace(b"\n", b" caf\xe9\n", 2))
    with pytest.raises(RawDataError, match=r"data/raw/trac/MANIFEST.csv line 1: not UTF-8 text \(byte 0xe9\)"):
        manifests.read_manifest(project / "data/raw/trac")
    assert "data/raw/trac/MANIFEST.csv: line 1: not UTF-8" in _one_line_error(capsys)


def test_an_unbalanced_quote_in_a_manifest_is_one_line(project, capsys):
    manifest = project / "data/raw/ice_287g/MANIFEST.csv"
    lines = manifest.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b",", b',"', 1)  # opens a quote that never closes
    manifest.write_bytes(b"\n".join(lines))
    with pytest.raises(RawDataError, match=r"data/raw/ice_287g/MANIFEST.csv line 2: .*unbalanced quote"):
        manifests.read_manifest(project / "data/raw/ice_287g")
    assert "MANIFEST.csv: line 2" in _one_line_error(capsys)
    manifest.write_bytes(b"\n".join(lines[:1] + lines[2:]).rstrip(b"\n") + b'\nlast.json,"abc\n')
    with pytest.raises(RawDataError, match=r"MANIFEST.csv line 3: malformed CSV \(unexpected end of data"):
        manifests.read_manifest(project / "data/raw/ice_287g")


def test_a_short_manifest_row_is_named(project):
    manifest = project / "data/raw/trac/MANIFEST.csv"
    manifest.write_bytes(manifest.read_bytes() + b"extra.json,abc\n")
    with pytest.raises(RawDataError, match=r"MANIFEST.csv line 3: 2 fields where the header has"):
        manifests.read_manifest(project / "data/raw/trac")


def _csv_renamed_xlsx(project):
    """A real stacked CSV saved under a workbook's name, its manifest row updated to match."""
    folder = project / "data/raw/ice_287g"
    fake = folder / "2026-01-01_participatingAgencies01012026.xlsx"
    shutil.copyfile(folder / "2017-08-01_pre2018-roster-long.csv", fake)
    rows = _manifest_rows(folder)
    row = dict(rows[0], file=fake.name, sha256=manifests.sha256_file(fake), bytes=str(fake.stat().st_size))
    with open(folder / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows + [row])
    return fake


def test_a_csv_renamed_xlsx_says_it_is_text(project, capsys):
    from ice287g.ingest import lists

    from_mirror.import_raw(REAL_RAW / "census")  # the list reader's state names
    fake = _csv_renamed_xlsx(project)
    with pytest.raises(lists.ListError, match=rf"data/raw/ice_287g/{fake.name}: this is text, not a workbook"):
        lists.parse_file(fake)
    err = _one_line_error(capsys)
    assert err.startswith("verify-raw: raw data verification failed: ")
    assert f"data/raw/ice_287g/{fake.name}: this is text, not a workbook" in err


def test_workbook_sniffing_names_what_the_file_is(tmp_path):
    real = REAL_RAW / "ice_287g" / "2025-06-06_participatingAgencies06062025am.xlsx"
    data = real.read_bytes()
    assert manifests.workbook_problem(data) == "" and manifests.workbook_problem(real) == ""
    assert "truncated or damaged workbook" in manifests.workbook_problem(data[: len(data) // 2])
    assert manifests.workbook_problem(b"<!DOCTYPE html><html><body>Access denied") == (
        "this is an HTML page, not a workbook")
    assert manifests.workbook_problem(b"\xef\xbb\xbfSTATE,AGENCY\nTX,x\n") == "this is text, not a workbook"
    assert manifests.workbook_problem(b"") == "empty file, not a workbook"
    assert manifests.workbook_problem(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)) == ""  # an old .xls
    bad = tmp_path / "page.xlsx"
    bad.write_bytes(b"<html>moved</html>")
    with pytest.raises(RawDataError, match="page.xlsx: this is an HTML page, not a workbook"):
        manifests.check_workbook(bad)


def test_raw_sha256_reads_the_manifest_and_hashes_only_files_it_lacks(project):
    folder = project / "data/raw/trac"
    rows = _manifest_rows(folder)
    first = rows[0]
    assert manifests.raw_sha256(folder / first["file"]) == first["sha256"]
    # a file listed twice: the first row's hash, as before (verify-raw names the repeat)
    fields = list(rows[0].keys())
    with open(folder / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows + [{**first, "sha256": "0" * 64}])
    manifests._manifest_frame.cache_clear()
    assert manifests.raw_sha256(folder / first["file"]) == first["sha256"]
    (folder / "notes.txt").write_text("scratch")
    assert manifests.raw_sha256(folder / "notes.txt") == manifests.sha256_file(folder / "notes.txt")
    assert len(manifests.manifest("trac")) == len(rows) + 1
