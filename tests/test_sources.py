from __future__ import annotations

import csv
import shutil

import pytest

from ice287g import cli, sources
from ice287g.sources import RawDataError

from .conftest import REAL_RAW


def _manifest_rows(folder):
    with open(folder / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_real_archive_matches_every_manifest():
    problems = sources.verify_raw(REAL_RAW)
    assert problems == []
    counts = {f.name: len(_manifest_rows(f)) for f in sources.source_folders(REAL_RAW)}
    assert counts == {"census": 24, "ice_287g": 150, "ice_detention": 49, "trac": 4}


def test_vendored_files_are_byte_identical_to_shared_mirror():
    shared = REAL_RAW.parents[2] / "shared" / "data" / "raw"
    if not shared.is_dir():
        pytest.skip("../shared is not beside this checkout")
    for folder in sources.source_folders(REAL_RAW):
        for row in _manifest_rows(folder):
            mirror = shared / folder.name / row["file"]
            if mirror.exists():
                assert sources.sha256_file(mirror) == row["sha256"], mirror


def test_one_changed_byte_is_named_with_both_hashes(project, capsys):
    target = project / "data/raw/ice_287g/2025-06-06_participatingAgencies06062025am.xlsx"
    expected = sources.sha256_file(target)
    data = bytearray(target.read_bytes())
    data[100] ^= 0xFF
    target.write_bytes(bytes(data))
    problems = sources.verify_raw()
    assert len(problems) == 1
    message = str(problems[0])
    assert "data/raw/ice_287g/2025-06-06_participatingAgencies06062025am.xlsx" in message
    assert "sha256 mismatch" in message and expected in message and sources.sha256_file(target) in message
    assert cli.main(["verify-raw"]) == 1
    assert "2025-06-06_participatingAgencies06062025am.xlsx" in capsys.readouterr().err


def test_missing_file_is_named(project):
    (project / "data/raw/trac/2026-07-11_pop_agen_table.json").unlink()
    problems = [str(p) for p in sources.verify_raw()]
    assert problems == ["data/raw/trac/2026-07-11_pop_agen_table.json: missing (listed in MANIFEST.csv row 2)"]


def test_unlisted_file_is_named(project):
    (project / "data/raw/trac/notes.txt").write_text("scratch")
    problems = [str(p) for p in sources.verify_raw()]
    assert problems == ["data/raw/trac/notes.txt: unlisted file (not in MANIFEST.csv)"]
    with pytest.raises(RawDataError, match="notes.txt"):
        sources.check_raw()


def test_malformed_hash_in_manifest_is_named(project):
    manifest = project / "data/raw/trac/MANIFEST.csv"
    rows = _manifest_rows(project / "data/raw/trac")
    rows[0]["sha256"] = rows[0]["sha256"][:40]
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (problem,) = sources.verify_raw()
    assert "malformed sha256" in str(problem) and "2026-07-11_pop_agen_table.json" in str(problem)


def test_import_raw_copies_only_new_files_and_appends_manifest_rows(project):
    raw = project / "data/raw"
    before = (raw / "trac/MANIFEST.csv").read_bytes()
    result = sources.import_raw(REAL_RAW / "trac")
    assert sorted(result.copied) == sorted(
        f"trac/{r['file']}" for r in _manifest_rows(REAL_RAW / "trac") if r["file"] != "2026-07-11_pop_agen_table.json")
    assert result.unchanged == ["trac/2026-07-11_pop_agen_table.json"]
    after = (raw / "trac/MANIFEST.csv").read_bytes()
    assert after.startswith(before) and after.count(b"\r\n") == before.count(b"\r\n") + 3
    assert sources.verify_raw() == []
    again = sources.import_raw(REAL_RAW / "trac")
    assert again.copied == [] and len(again.unchanged) == 4


def test_import_raw_of_a_whole_mirror_brings_new_sources(project):
    result = sources.import_raw(REAL_RAW)
    assert any(f.startswith("census/") for f in result.copied)
    assert sources.verify_raw() == []
    assert sum(len(_manifest_rows(f)) for f in sources.source_folders()) == sum(
        len(_manifest_rows(f)) for f in sources.source_folders(REAL_RAW))


def test_import_raw_never_overwrites_a_different_file(project, tmp_path):
    mirror = tmp_path / "mirror" / "trac"
    shutil.copytree(REAL_RAW / "trac", mirror)
    victim = project / "data/raw/trac/2026-07-11_pop_agen_table.json"
    original = victim.read_bytes()
    (mirror / victim.name).write_bytes(b"[]")
    rows = _manifest_rows(mirror)
    for r in rows:
        if r["file"] == victim.name:
            r["sha256"], r["bytes"] = sources.sha256_file(mirror / victim.name), "2"
    with open(mirror / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(RawDataError, match="never overwritten"):
        sources.import_raw(mirror)
    assert victim.read_bytes() == original
    assert len(list((project / "data/raw/trac").iterdir())) == 2  # nothing half-imported


def test_import_raw_rejects_a_corrupt_mirror(project, tmp_path):
    mirror = tmp_path / "mirror" / "trac"
    shutil.copytree(REAL_RAW / "trac", mirror)
    (mirror / "2026-07-09_facilities.json").write_bytes(b"{}")
    with pytest.raises(RawDataError, match="does not match its own manifest"):
        sources.import_raw(mirror)


def test_coverage_opens_stacked_lists_and_finds_the_known_gaps():
    cov = sources.coverage()
    roster = cov[cov["series"] == "ICE fact-sheet roster (stacked)"]
    assert (len(roster), roster["start"].min(), roster["start"].max()) == (33, "2011-02-20", "2017-08-01")
    partners = cov[cov["series"] == "ICE partners page (stacked)"]
    assert partners["start"].tolist() == ["2007-09-19", "2008-03-10"]
    gaps = sources.list_gaps(cov, 180)
    assert ("2017-08-01", "2021-01-13", 1261) in set(gaps.itertuples(index=False, name=None))
    assert gaps["days"].min() > 180
