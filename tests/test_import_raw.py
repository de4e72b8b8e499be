"""Issue 12, items 2 and 8: import-raw checks a mirror's rows with verify-raw's rules before copying
anything, and syncs the news claims only from an explicit, valid file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ice287g.archive import manifests
from ice287g.acquire import from_mirror
from ice287g.build import cli
from ice287g.archive.manifests import RawDataError

from .conftest import REAL_RAW, REAL_ROOT, manifest_rows, write_manifest_rows

REAL_CLAIMS = REAL_ROOT / "data" / "hand" / "news_claims.csv"



def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` but the landing lock (``import-raw`` holds it; it stays, unlocked, when done)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != manifests.LOCK_NAME}


@pytest.fixture
def mirror(tmp_path) -> Path:
    folder = tmp_path / "a" / "b" / "raw" / "trac"
    shutil.copytree(REAL_RAW / "trac", folder)
    return folder


@pytest.fixture
def claims(project) -> Path:
    """The real claims in the throwaway project's data/hand."""
    target = project / "data/hand/news_claims.csv"
    shutil.copyfile(REAL_CLAIMS, target)
    return target


BREAKS = {
    "empty kind": lambda r: r.update(kind=""),
    "as_of_date is not a date": lambda r: r.update(as_of_date=""),
    "size mismatch": lambda r: r.update(bytes=str(int(r["bytes"]) + 1)),
    "bytes is not a whole number": lambda r: r.update(bytes=""),
}


@pytest.mark.parametrize("reason", sorted(BREAKS))
def test_a_row_verify_raw_would_reject_copies_nothing(project, mirror, reason):
    fieldnames, rows = manifest_rows(mirror)
    broken = rows[-1]
    BREAKS[reason](broken)
    write_manifest_rows(mirror, fieldnames, rows)
    before = _snapshot(project)
    with pytest.raises(RawDataError, match=reason) as err:
        from_mirror.import_raw(mirror)
    assert f"{broken['file']}: {reason}" in str(err.value) and f"row {len(rows) + 1}" in str(err.value)
    assert _snapshot(project) == before
    # the same row in data/raw's own manifest fails verify-raw for the same reason
    local = project / "data/raw/trac"
    shutil.copyfile(mirror / broken["file"], local / broken["file"])
    fieldnames, mine = manifest_rows(local)
    write_manifest_rows(local, fieldnames, mine + [broken])
    assert any(reason in str(p) for p in manifests.verify_raw())


def test_a_file_listed_twice_is_refused(project, mirror):
    fieldnames, rows = manifest_rows(mirror)
    write_manifest_rows(mirror, fieldnames, rows + [rows[-1]])
    before = _snapshot(project)
    with pytest.raises(RawDataError, match=rf"{rows[-1]['file']}: listed twice in MANIFEST.csv \(again in row "
                                           rf"{len(rows) + 2}\)"):
        from_mirror.import_raw(mirror)
    assert _snapshot(project) == before


def test_every_failing_row_is_named_and_nothing_copied(project, mirror, capsys):
    fieldnames, rows = manifest_rows(mirror)
    rows[1]["kind"] = ""
    rows[2]["as_of_date"] = "2026-13-40"
    rows[3]["bytes"] = "1"
    write_manifest_rows(mirror, fieldnames, rows)
    before = _snapshot(project)
    assert cli.main(["import-raw", str(mirror)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("import-raw: ") and "nothing imported" in err and "Traceback" not in err
    for lineno, row, reason in [(3, rows[1], "empty kind"), (4, rows[2], "as_of_date is not a date YYYY-MM-DD"),
                                (5, rows[3], "size mismatch")]:
        assert f"{row['file']}: {reason} (MANIFEST.csv row {lineno})" in err
    assert _snapshot(project) == before


def test_a_missing_mirror_file_is_one_line_naming_it(project, mirror, capsys):
    (mirror / "2026-07-09_facilities.json").unlink()
    assert cli.main(["import-raw", str(mirror)]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err.endswith("trac/2026-07-09_facilities.json: missing (listed in MANIFEST.csv row 4)")
    assert cli.main(["import-raw", str(mirror.parent / "nowhere")]) == 1
    assert "nowhere: no such folder" in capsys.readouterr().err


# ---- claims -------------------------------------------------------------------------------------------


def test_claims_two_levels_up_are_never_read(project, mirror, claims, capsys):
    header_only = mirror.parents[1] / "claims" / "news_claims.csv"  # .../a/claims/, beside the mirror's data
    header_only.parent.mkdir()
    header_only.write_text(REAL_CLAIMS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    before = claims.read_bytes()
    assert cli.main(["import-raw", str(mirror.parent)]) == 0
    out = capsys.readouterr().out
    assert claims.read_bytes() == before
    assert "claims not synced; to sync them pass --claims" in out


@pytest.mark.parametrize("content, reason", [
    (lambda text: text.splitlines()[0] + "\n", "no claim in it"),
    (lambda text: text.replace(",count,", ",tally,", 1), "unknown metric 'tally'"),
    (lambda text: "", "empty file"),
    (lambda text: text.replace("claim_id,", "id,", 1), "needs key column"),
])
def test_an_invalid_claims_file_is_refused_and_the_old_one_kept(project, mirror, claims, tmp_path, capsys,
                                                                   content, reason):
    bad = tmp_path / "bad_claims.csv"
    bad.write_text(content(REAL_CLAIMS.read_text(encoding="utf-8")), encoding="utf-8")
    before = claims.read_bytes()
    raw_before = _snapshot(project / "data/raw")
    assert cli.main(["import-raw", str(mirror), "--claims", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("import-raw: ") and reason in err and "bad_claims.csv" in err and "\n" not in err
    assert claims.read_bytes() == before
    assert _snapshot(project / "data/raw") == raw_before  # refused before any raw file was copied


def test_valid_claims_replace_the_old_ones_and_say_what_changed(project, mirror, claims, tmp_path, capsys):
    lines = REAL_CLAIMS.read_text(encoding="utf-8").splitlines(keepends=True)
    fewer = tmp_path / "claims.csv"
    fewer.write_text("".join(lines[:-1]), encoding="utf-8")
    n = len(lines) - 1  # claims in the real file (one header line)
    assert cli.main(["import-raw", str(mirror), "--claims", str(fewer)]) == 0
    out = capsys.readouterr().out
    assert f"data/hand/news_claims.csv updated from {fewer}: {n} -> {n - 1} claims" in out
    assert claims.read_bytes() == fewer.read_bytes()
    assert cli.main(["import-raw", str(mirror), "--claims", str(fewer)]) == 0
    assert "data/hand/news_claims.csv unchanged" in capsys.readouterr().out


def _fbi_mirror(tmp_path) -> Path:
    """The real FBI mirror folder (../shared's rows, one as_of_date in words), as a mirror of its own."""
    folder = tmp_path / "mirror" / "raw" / "fbi"
    shutil.copytree(REAL_RAW / "fbi", folder)
    fieldnames, rows = manifest_rows(folder)
    words = '2017-08-21 (commit: "Update agencies search dropdown with 2015 data")'
    for r in rows:
        if r["file"].startswith("2017-08-21_"):
            r["as_of_date"] = words  # as ../shared's manifest says it
    write_manifest_rows(folder, fieldnames, rows)
    return folder


def test_an_as_of_date_in_words_stops_the_import_until_a_hand_row_dates_it(project, tmp_path):
    mirror = _fbi_mirror(tmp_path)
    with pytest.raises(RawDataError, match="2017-08-21_fbi_cde_agencies_by_state.json.gz: as_of_date is not a date"):
        from_mirror.import_raw(mirror)
    assert not (project / "data/raw/fbi").exists()
    shutil.copyfile(REAL_ROOT / "data/hand" / from_mirror.AS_OF_FIXES, project / "data/hand" / from_mirror.AS_OF_FIXES)
    result = from_mirror.import_raw(mirror)
    assert "fbi/2017-08-21_fbi_cde_agencies_by_state.json.gz" in result.copied
    # the two census decisions match no row of this mirror, and are named
    assert result.unused_fixes == ("census/geocorr2022_cousub20_county20_NY.csv",
                                   "census/geocorr2022_place20_county20_national.csv")
    _, rows = manifest_rows(project / "data/raw/fbi")
    dated = next(r for r in rows if r["file"].startswith("2017-08-21_"))
    assert dated["as_of_date"] == "2017-08-21"
    assert "raw_as_of_dates.csv" in dated["notes"] and "Update agencies search dropdown" in dated["notes"]
    assert [p for p in manifests.verify_raw(project / "data/raw") if p.source == "fbi"] == []  # it passes verify-raw


def test_every_as_of_decision_dates_a_vendored_file():
    fixes = from_mirror.as_of_fixes(REAL_ROOT / "data/hand" / from_mirror.AS_OF_FIXES)
    assert len(fixes) == 3
    for (source, file), (date, _) in fixes.items():
        _, rows = manifest_rows(REAL_RAW / source)
        assert next(r["as_of_date"] for r in rows if r["file"] == file) == date, file
