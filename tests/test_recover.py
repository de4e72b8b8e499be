"""Issue 25, items 3 and 4 (the landing side): a landing killed between the file and its manifest row is
settled by the next run, and `add` and `import-raw` land one at a time under the landing lock."""
from __future__ import annotations

import fcntl
import functools
import shutil

import pytest

from ice287g.acquire import lock
from ice287g.archive import manifests
from ice287g.build import cli, raw_commands
from ice287g.acquire.landing import land, recover
from tests.conftest import REAL_RAW, manifest_rows

ICE = REAL_RAW / "ice_287g"
LIST = ICE / "2026-05-18_participatingAgencies05182026am.xlsx"
NAME = "participatingAgencies05182026am.xlsx"
FILE = f"2026-05-18_{NAME}"
WHEN = "2026-05-18T14:05:00Z"


def _listed(raw, source="ice_287g") -> dict[str, dict]:
    return {r["file"]: r for r in manifest_rows(raw / source)[1]}


def test_a_file_killed_before_its_row_is_adopted_and_the_same_bytes_are_then_unchanged(archive):
    # what `kill -9` leaves between the file and its row: the file in place, no row
    shutil.copyfile(LIST, archive / "ice_287g" / FILE)
    assert [(p.file, p.issue) for p in manifests.verify_raw(archive)] == [(FILE, "unlisted file (not in MANIFEST.csv)")]
    said = recover(archive, via="ice287g update")
    assert said == [f"adopted data/raw/ice_287g/{FILE}: found without its manifest row; its bytes pass every check a "
                    "landing makes, so its row is added"]
    assert manifests.verify_raw(archive) == []
    row = _listed(archive)[FILE]
    assert (row["kind"], row["as_of_date"], row.get("status", "")) == ("ice_287g_participating_xlsx", "2026-05-18", "")
    assert row["notes"].startswith("adopted by ice287g update: found without its manifest row")
    # the next landing of the same bytes finds them: unchanged, not a second copy as .r2
    again = land(LIST.read_bytes(), NAME, "https://www.ice.gov/" + NAME, retrieved=WHEN)
    assert (again.status, again.file) == ("unchanged", FILE)
    assert recover(archive) == []  # and a second recovery has nothing to do


def test_a_temporary_copy_is_adopted_when_whole_and_removed_when_cut_short(archive):
    folder = archive / "ice_287g"
    whole = folder / f".{FILE[:-5]}.tmp-ab12cd34.xlsx"
    shutil.copyfile(LIST, whole)
    cut = folder / ".2026-05-11_participatingAgencies05112026am.tmp-x9y8z7w6.xlsx"
    cut.write_bytes((ICE / "2026-05-11_participatingAgencies05112026am.xlsx").read_bytes()[:9000])
    said = recover(archive)
    assert said == [
        f"removed data/raw/ice_287g/{cut.name}: found without its manifest row, and refused: not a readable xlsx: "
        "truncated or damaged workbook (an incomplete zip archive)",
        f"adopted data/raw/ice_287g/{FILE}: found without its manifest row (as {whole.name}); its bytes pass every "
        "check a landing makes, so its row is added",
    ]
    assert not whole.exists() and not cut.exists() and (folder / FILE).read_bytes() == LIST.read_bytes()
    assert manifests.verify_raw(archive) == []


def test_a_temporary_copy_of_a_file_in_place_or_of_a_manifest_is_removed(archive):
    folder = archive / "ice_287g"
    in_place = "2025-06-06_participatingAgencies06062025am.xlsx"
    stale = [folder / ".2025-06-06_participatingAgencies06062025am.tmp-q1w2e3r4.xlsx",
             folder / ".MANIFEST.tmp-a1b2c3d4.csv"]
    for p in stale:
        p.write_bytes(b"half")
    assert recover(archive) == [
        f"removed data/raw/ice_287g/{stale[0].name}: a temporary copy a killed writer left of {in_place}, which is in "
        "place",
        f"removed data/raw/ice_287g/{stale[1].name}: a temporary copy a killed writer left of MANIFEST.csv, which is "
        "in place",
    ]
    assert manifests.verify_raw(archive) == []


def test_what_a_landing_would_refuse_is_removed_and_a_genuine_workbook_is_never_lost(archive):
    folder = archive / "ice_287g"
    (folder / "2026-05-19_participatingAgencies05192026am.xlsx").write_bytes(b"<!DOCTYPE html><html>Denied</html>")
    pending_as_list = folder / "2026-05-20_participatingAgencies05202026am.xlsx"
    shutil.copyfile(ICE / "2026-02-27_pendingAgencies02272026am.xlsx", pending_as_list)
    said = recover(archive)
    assert said[0] == ("removed data/raw/ice_287g/2026-05-19_participatingAgencies05192026am.xlsx: found without its "
                       "manifest row, and refused: this is an HTML page, not a workbook")
    assert said[1].startswith("adopted data/raw/ice_287g/2026-05-20_participatingAgencies05202026am.xlsx")
    assert _listed(archive)[pending_as_list.name]["status"] == "quarantined"  # kept, quarantined as landing would
    assert manifests.verify_raw(archive) == []


def test_a_copy_of_bytes_already_listed_is_removed(archive):
    folder = archive / "ice_287g"
    shutil.copyfile(folder / "2025-06-06_participatingAgencies06062025am.xlsx",
                    folder / "2025-06-10_participatingAgencies06102025am.xlsx")
    assert recover(archive) == [
        "removed data/raw/ice_287g/2025-06-10_participatingAgencies06102025am.xlsx: found without its manifest row, "
        "and refused: its bytes are already data/raw/ice_287g/2025-06-06_participatingAgencies06062025am.xlsx"]


def test_an_unlisted_file_of_a_folder_landing_never_writes_is_left_and_named(archive):
    stray = archive / "trac" / "stray.json"
    stray.write_text("[]")
    assert recover(archive) == ["left data/raw/trac/stray.json: not in MANIFEST.csv, and only files of ice_287g, "
                                "ice_detention are landed here (import-raw adopts its own)"]
    assert stray.exists()


def test_add_recovers_first_under_the_lock(archive, tmp_path, capsys):
    shutil.copyfile(LIST, archive / "ice_287g" / FILE)
    download = tmp_path / NAME
    shutil.copyfile(LIST, download)
    assert cli.main(["add", str(download)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [f"add: adopted data/raw/ice_287g/{FILE}: found without its manifest row; its bytes pass every "
                   "check a landing makes, so its row is added",
                   f"add: unchanged data/raw/ice_287g/{FILE}: these bytes are already data/raw/ice_287g/{FILE}"]
    assert manifests.verify_raw(archive) == []


def test_import_raw_adopts_a_file_it_copied_before_it_was_killed(project, tmp_path, capsys):
    mirror = tmp_path / "mirror" / "trac"
    shutil.copytree(REAL_RAW / "trac", mirror)
    have = {r["file"] for r in manifest_rows(project / "data/raw/trac")[1]}
    new = sorted(r["file"] for r in manifest_rows(mirror)[1] if r["file"] not in have)[0]
    shutil.copyfile(mirror / new, project / "data/raw/trac" / new)  # copied, then killed before its row
    assert any(p.file == new for p in manifests.verify_raw())
    assert cli.main(["import-raw", str(mirror)]) == 0
    out = capsys.readouterr().out
    assert (f"import-raw: adopted data/raw/trac/{new}: in place without its manifest row (an import stopped before "
            "writing it), with the mirror's bytes; its row is added") in out
    assert _listed(project / "data/raw", "trac")[new] == {k: v for k, v in
                                                          {r["file"]: r for r in manifest_rows(mirror)[1]}[new].items()}
    assert manifests.verify_raw() == []


@pytest.mark.parametrize("command", ["add", "import-raw"])
def test_add_and_import_raw_wait_for_the_landing_lock_then_stop_in_one_line(archive, tmp_path, capsys, monkeypatch,
                                                                           command):
    # the commands hold the lock through raw_commands.landing_lock: a short wait there, not the default minute
    monkeypatch.setattr(raw_commands, "landing_lock", functools.partial(lock.landing_lock, wait=0.3))
    download = tmp_path / NAME
    shutil.copyfile(LIST, download)
    target = str(download) if command == "add" else str(REAL_RAW / "trac")
    with open(archive / manifests.LOCK_NAME, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another run is landing
        assert cli.main([command, target]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{command}: data/raw/.landing.lock: another update, add or "
                                               "import-raw is landing files")
    assert not (archive / "ice_287g" / FILE).exists()
    assert cli.main([command, target]) == 0  # once it is free


def test_a_source_folder_that_links_out_of_data_raw_is_never_cleaned(archive, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(archive / "ice_287g", outside)
    (outside / "keep.xlsx").write_bytes(b"<html>not ours</html>")
    shutil.rmtree(archive / "ice_287g")
    (archive / "ice_287g").symlink_to(outside, target_is_directory=True)
    assert recover(archive) == []
    assert (outside / "keep.xlsx").exists()
