"""Issue 12, item 1: no name from a manifest or a mirror leads a path out of its raw source folder.

Each attack is tried through ``import-raw`` (nothing may be created anywhere) and through a manifest
row in ``data/raw`` (``verify-raw`` must refuse it)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ice287g.archive import manifests
from ice287g.acquire import from_mirror
from ice287g.build import cli
from ice287g.archive.manifests import RawDataError

from .conftest import REAL_RAW, manifest_rows, write_manifest_rows

TRAC_FILE = "2026-07-11_pop_agen_table.json"
PAYLOAD = b"import os; os.system('echo pwned')\n"



def _add_row(folder: Path, name: str, data: bytes) -> None:
    """Append a well-formed row for ``name`` (whose bytes are ``data``) to ``folder``'s manifest."""
    fieldnames, rows = manifest_rows(folder)
    row = dict(rows[0])
    row.update(file=name, sha256=manifests.hashlib.sha256(data).hexdigest(), bytes=str(len(data)))
    write_manifest_rows(folder, fieldnames, rows + [row])


def _tree(root: Path) -> dict[str, bytes | str]:
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = os.readlink(p) if p.is_symlink() else (p.read_bytes() if p.is_file() else "dir")
    return out


@pytest.fixture
def mirror(tmp_path) -> Path:
    folder = tmp_path / "m1" / "m2" / "mirror" / "trac"
    shutil.copytree(REAL_RAW / "trac", folder)
    return folder


def _import_is_refused(project: Path, mirror: Path, tmp_path: Path, match: str) -> None:
    before = _tree(tmp_path)
    with pytest.raises(RawDataError, match=match):
        from_mirror.import_raw(mirror)
    assert _tree(tmp_path) == before  # nothing created, in the project or anywhere beside it


def _verify_refuses(project: Path, name: str, capsys) -> None:
    problems = [str(p) for p in manifests.verify_raw()]
    assert any("refused" in p and "row" in p for p in problems), problems
    assert cli.main(["verify-raw"]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and name in err


def test_dot_dot_row_creates_nothing_outside_data_raw(project, mirror, tmp_path, capsys):
    name = "../../evil.txt"
    (mirror.parent.parent / "evil.txt").write_bytes(PAYLOAD)  # where the row points from the mirror
    _add_row(mirror, name, PAYLOAD)
    _import_is_refused(project, mirror, tmp_path, r"'\.\./\.\./evil\.txt' refused")
    assert not (project / "data" / "evil.txt").exists()

    (project / "data" / "evil.txt").write_bytes(PAYLOAD)  # the row already sits in data/raw's manifest
    _add_row(project / "data/raw/trac", name, PAYLOAD)
    _verify_refuses(project, name, capsys)


def test_row_into_site_packages_plants_no_pth_file(project, mirror, tmp_path, capsys):
    site = project / ".venv/lib/python3.11/site-packages"
    site.mkdir(parents=True)
    name = "../../../.venv/lib/python3.11/site-packages/zz.pth"
    target = mirror / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(PAYLOAD)
    _add_row(mirror, name, PAYLOAD)
    _import_is_refused(project, mirror, tmp_path, "zz.pth' refused")
    assert list(site.iterdir()) == []

    (site / "zz.pth").write_bytes(PAYLOAD)
    _add_row(project / "data/raw/trac", name, PAYLOAD)
    _verify_refuses(project, name, capsys)


def test_absolute_path_is_refused_not_reported_as_present(project, mirror, tmp_path, capsys):
    outside = tmp_path / "elsewhere" / "evil.txt"
    outside.parent.mkdir()
    outside.write_bytes(PAYLOAD)
    _add_row(mirror, str(outside), PAYLOAD)
    _import_is_refused(project, mirror, tmp_path, "evil.txt' refused")

    _add_row(project / "data/raw/trac", str(outside), PAYLOAD)
    _verify_refuses(project, str(outside), capsys)


def test_symlink_in_the_mirror_pointing_outside_is_not_followed(project, mirror, tmp_path, capsys):
    secret = tmp_path / "outside" / "secret.json"
    secret.parent.mkdir()
    secret.write_bytes(b'{"token": "not for data/raw"}')
    (mirror / "secret.json").symlink_to(secret)
    _add_row(mirror, "secret.json", secret.read_bytes())
    _import_is_refused(project, mirror, tmp_path, "secret.json' refused")
    assert not (project / "data/raw/trac/secret.json").exists()

    (project / "data/raw/trac/secret.json").symlink_to(secret)
    _add_row(project / "data/raw/trac", "secret.json", secret.read_bytes())
    _verify_refuses(project, "secret.json", capsys)


def test_symlink_in_data_raw_is_not_written_through(project, mirror, tmp_path):
    # A dangling link in data/raw named like a new mirror file would make the copy land at its target.
    site = project / ".venv/lib/python3.11/site-packages"
    site.mkdir(parents=True)
    (project / "data/raw/trac/2026-07-09_facilities.json").symlink_to(site / "zz.pth")
    _import_is_refused(project, mirror, tmp_path, "facilities.json.*outside")
    assert list(site.iterdir()) == []


def test_a_source_folder_that_links_outside_data_raw_is_refused(project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "data/raw/census").symlink_to(outside, target_is_directory=True)
    _import_is_refused(project, REAL_RAW / "census", tmp_path, "census")
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("name", [
    "", ".", "..", "a/b.csv", "a\\b.csv", "/etc/passwd", "C:evil.csv", "x\x00.csv", "MANIFEST.csv", "README.md",
    ".hidden.csv", "..evil.csv", " spaced.csv", "a" * 147 + ".csv", "é" * 74 + ".csv",
])
def test_safe_raw_name_refuses_anything_but_a_plain_name(project, name):
    folder = project / "data/raw/trac"
    with pytest.raises(RawDataError, match="refused"):
        manifests.safe_raw_name(name, folder, "data/raw/trac/MANIFEST.csv row 9")
    with pytest.raises(RawDataError):
        manifests.raw_path("trac", name)


def test_safe_raw_name_accepts_the_archive_names(project):
    folder = project / "data/raw/trac"
    assert manifests.safe_raw_name(TRAC_FILE, folder) == folder / TRAC_FILE
    assert manifests.safe_raw_name("a" * 146 + ".csv", folder) == folder / ("a" * 146 + ".csv")  # 150 bytes: the cap
    assert manifests.raw_path("trac", TRAC_FILE) == manifests.paths.raw_dir() / "trac" / TRAC_FILE


def test_every_manifest_reader_refuses_an_unsafe_row(project):
    _add_row(project / "data/raw/trac", "../../evil.txt", PAYLOAD)
    with pytest.raises(RawDataError, match=r"data/raw/trac/MANIFEST.csv row 3: file '\.\./\.\./evil\.txt' refused"):
        manifests.read_manifest(project / "data/raw/trac")
    with pytest.raises(RawDataError, match="refused"):
        manifests.inventory()


@pytest.mark.parametrize("length", [151, 241, 300, 5000])
def test_a_name_over_the_cap_is_one_line_never_an_oserror(project, mirror, tmp_path, length):
    name = "a" * (length - 5) + ".json"
    problem = manifests.raw_name_problem(name, project / "data/raw/trac")
    assert problem == f"file name of {length} bytes, longer than the limit of 150"
    # a mirror row of that name is refused like any unsafe name: nothing imported
    fieldnames, rows = manifest_rows(mirror)
    write_manifest_rows(mirror, fieldnames, [dict(r, file=name if r["file"] == TRAC_FILE else r["file"]) for r in rows])
    _import_is_refused(project, mirror, tmp_path, "longer than the limit of 150")
