"""Issue 25, items 1 and 15: a workbook's zip is held to limits before any reader opens it, and a file over
the size cap is refused unread. Each attack runs in a subprocess (with an address-space limit, so an
attack on the old code cannot take the machine's memory): it must end with exit 1 and one line."""
from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import pytest

from ice287g.acquire import landing
from ice287g.archive import manifests, xlsxlimits
from tests.conftest import REAL_RAW
from tests.workbooks import rezip

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

ICE = REAL_RAW / "ice_287g"
LIST = ICE / "2026-05-18_participatingAgencies05182026am.xlsx"
WORKBOOK = REAL_RAW / "ice_detention" / "2026-02-05_FY26_detentionStats_02122026.xlsx"
NAME = "participatingAgencies05192026am.xlsx"
SHEET = "xl/worksheets/sheet1.xml"
ADDRESS_SPACE = 4 * 1024 ** 3  # the subprocess's ceiling: a normal `add` stays far below it
FAR_CELL = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'


def _with_sheet(data: bytes, edit) -> bytes:
    """``data`` (an xlsx) with its first sheet's XML passed through ``edit``."""
    return rezip(data, SHEET, edit)


def _far_cell(data: bytes) -> bytes:
    return _with_sheet(data, lambda body: body.replace(b"</sheetData>", FAR_CELL, 1))


def _bomb(path: Path, unpacked: int) -> None:
    """A real list whose sheet part is ``unpacked`` bytes of rows, deflated to about a thousandth of that.
    One chunk is compressed once: after a full flush deflate starts afresh, so every repetition of the
    chunk deflates to the same bytes, and the bomb is written in moments with little memory."""
    with zipfile.ZipFile(LIST) as src:
        parts = [(i.filename, src.read(i)) for i in src.infolist() if i.filename != SHEET]
        head = src.read(SHEET).split(b"<sheetData>")[0] + b"<sheetData>"
    tail = b"</sheetData></worksheet>"
    chunk = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20_000
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    packed = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    assert co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH) == packed  # the premise
    n = unpacked // len(chunk)
    body = first + packed * (n + 1) + co.compress(tail) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(n + 2):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts:
            dst.writestr(name, data)
        info = zipfile.ZipInfo(SHEET, date_time=(2026, 5, 19, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED  # the deflate stream itself, marked deflated below
        dst.writestr(info, body)
    _patch_headers(path, SHEET, method=zipfile.ZIP_DEFLATED, crc=crc,
                   size=len(head) + len(chunk) * (n + 2) + len(tail))


def _patch_headers(path: Path, name: str, **fields: int) -> None:
    """Set ``method``, ``crc`` and/or ``size`` (uncompressed) in member ``name``'s local and central headers."""
    raw = bytearray(path.read_bytes())
    # (signature, where the name starts, offsets of method, crc and uncompressed size)
    for sig, name_at, offsets in ((b"PK\x03\x04", 30, {"method": 8, "crc": 14, "size": 22}),
                                  (b"PK\x01\x02", 46, {"method": 10, "crc": 16, "size": 24})):
        at = raw.find(sig)
        while raw[at + name_at:at + name_at + len(name)] != name.encode():
            at = raw.find(sig, at + 4)
        for field, value in fields.items():
            struct.pack_into("<H" if field == "method" else "<I", raw, at + offsets[field], value)
    path.write_bytes(bytes(raw))


def _bomb_bytes(unpacked: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / NAME
        _bomb(path, unpacked)
        return path.read_bytes()


def _run(args: list[str], project: Path | None = None) -> subprocess.CompletedProcess:
    """Python with ``args`` in a subprocess under an address-space ceiling (so an attack on a reader can
    neither abort the test run nor take the machine's memory)."""
    def ceiling() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "ICE287G_NO_CACHE": "1"}
    if project is not None:
        env["ICE287G_ROOT"] = str(project)
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, timeout=600,
                          preexec_fn=ceiling, check=False)


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess:
    return _run(["-m", "ice287g", *args], project)


def _refused_in_one_line(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and not result.stdout.strip(), result.stderr[-2000:]
    assert all(n in lines[0] for n in needles), lines[0]
    return lines[0]


def test_every_real_workbook_keeps_the_limits():
    books = sorted(p for p in REAL_RAW.rglob("*.xlsx"))
    assert len(books) > 150
    problems = {p.name: xlsxlimits.zip_problem(p) for p in books}
    assert {name: problem for name, problem in problems.items() if problem} == {}


def test_a_real_detention_workbook_declares_columns_to_XFC_and_passes():
    # ICE's own workbooks style cells out to column XFC: a declared range is held to its area, not its columns
    book = REAL_RAW / "ice_detention" / "2025-05-27_FY25_detentionStats06052025.xlsx"
    with zipfile.ZipFile(book) as z:
        declared = [z.read(i).split(b'<dimension ref="')[1].split(b'"')[0] for i in z.infolist()
                    if i.filename.startswith("xl/worksheets/sheet")]
    assert b"A1:XFC869" in declared
    assert xlsxlimits.zip_problem(book) == ""


@pytest.mark.integration  # runs ice287g as a subprocess
def test_a_cell_at_XFD1048576_is_refused_in_one_line_by_add(archive, tmp_path):
    path = tmp_path / NAME
    path.write_bytes(_far_cell(LIST.read_bytes()))
    assert path.stat().st_size < 300_000
    before = sorted(p.name for p in (archive / "ice_287g").iterdir())
    line = _refused_in_one_line(_cli(archive.parent.parent, "add", str(path)),
                                "over a workbook limit", "1,048,576 rows x 16,384 columns",
                                "200,000 rows x 200 columns")
    assert line.startswith(f"add: refused {path}: ")
    assert sorted(p.name for p in (archive / "ice_287g").iterdir()) == before


def test_a_style_only_cell_at_XFD1048576_is_no_value_and_passes(archive):
    # a cell with a style but no value is not part of the grid a reader builds: it must not trip the limit
    styled = _with_sheet(LIST.read_bytes(), lambda b: b.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" s="1"/></row></sheetData>', 1))
    assert xlsxlimits.zip_problem(styled) == ""
    got = landing.land(styled, NAME, "", retrieved="2026-05-19T12:00:00Z")
    assert got.status == "landed", got


@pytest.mark.integration  # runs ice287g as a subprocess
def test_a_zip_bomb_is_refused_in_one_line_by_add(archive, tmp_path):
    path = tmp_path / NAME
    _bomb(path, 2_400_000_000)
    assert path.stat().st_size < 10_000_000
    with zipfile.ZipFile(path) as z:
        assert z.getinfo(SHEET).file_size > 2_000_000_000
    _refused_in_one_line(_cli(archive.parent.parent, "add", str(path)), "over a workbook limit",
                         "bytes once decompressed, over the limit of 209,715,200")


@pytest.mark.parametrize("what, make, why", [
    ("a sheet compressed a thousand to one", lambda: _bomb_bytes(50_000_000), "to 1, over the limit of 100 to 1"),
    ("a sheet part past the total", lambda: _bomb_bytes(250_000_000), "once decompressed, over the limit"),
    ("a sheet declaring a million rows", lambda: _with_sheet(LIST.read_bytes(), lambda b: b.replace(
        b'<dimension ref="A1:M1854"/>', b'<dimension ref="A1:M1048576"/>', 1)), "<dimension ref>"),
    ("a value cell in column GS", lambda: _with_sheet(LIST.read_bytes(), lambda b: b.replace(
        b"</sheetData>", b'<row r="1855"><c r="GS1855"><v>1</v></c></row></sheetData>', 1)), "x 201 columns"),
    ("a value cell without r past 200 columns", lambda: _with_sheet(LIST.read_bytes(), lambda b: b.replace(
        b"</sheetData>", b"<row>" + b"<c><v>1</v></c>" * 201 + b"</row></sheetData>", 1)), "x 201 columns"),
    ("a cell reference that is no cell", lambda: _with_sheet(LIST.read_bytes(), lambda b: b.replace(
        b"</sheetData>", b'<row r="1855"><c r="A99999999"><v>1</v></c></row></sheetData>', 1)), "is no cell"),
])
def test_each_limit_is_named(what, make, why):
    problem = manifests.workbook_problem(make())
    assert problem.startswith("over a workbook limit: ") and why in problem, problem


def test_a_part_that_holds_more_than_its_header_declares_is_refused(tmp_path):
    # a forged size: the headers say 1,000 bytes, the stream inflates to five megabytes
    path = tmp_path / NAME
    _bomb(path, 5_000_000)
    _patch_headers(path, SHEET, size=1000)
    problem = xlsxlimits.zip_problem(path)
    assert "holds more than the 1,000 bytes its header declares" in problem, problem
    # declared honestly, the same stream is refused for its ratio before a byte is inflated
    assert "(a zip bomb)" in xlsxlimits.zip_problem(_bomb_bytes(5_000_000))


READERS = """
import sys
from pathlib import Path
from ice287g.archive import coverage, manifests
from ice287g.detention import detention, operators
from ice287g.history import agreements, listqa
from ice287g.ingest import lists
far, wb = Path(sys.argv[1]), Path(sys.argv[2])
readers = {
    "lists.parse_file": lambda: lists.parse_file(far),
    "detention.Workbook.open": lambda: detention.Workbook.open(wb),
    "operators.read_list": lambda: operators.read_list(far, "2026-05-19"),
    "agreements.read_wapo_flags": lambda: agreements.read_wapo_flags(far),
    "listqa._workbook_agency_cells": lambda: listqa._workbook_agency_cells(far),
    "coverage._year_flag_spans": lambda: coverage._year_flag_spans(far),
}
for name, read in readers.items():
    try:
        read()
        print(name, "read it")
    except Exception as exc:
        print(name, type(exc).__name__, str(exc).replace("\\n", " | "), flush=True)
"""


def test_every_reader_checks_the_limits_before_opening(tmp_path):
    far = tmp_path / "2026-05-19_participatingAgencies05192026am.xlsx"
    far.write_bytes(_far_cell(LIST.read_bytes()))
    wb = tmp_path / "2026-02-05_FY26_detentionStats_02122026.xlsx"
    wb.write_bytes(_with_sheet(WORKBOOK.read_bytes(), lambda b: b.replace(b"</sheetData>", FAR_CELL, 1)))
    result = _run(["-c", READERS, str(far), str(wb)])
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    said = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert list(said) == ["lists.parse_file", "detention.Workbook.open", "operators.read_list",
                          "agreements.read_wapo_flags", "listqa._workbook_agency_cells", "coverage._year_flag_spans"]
    errors = {"ListError", "DetentionError", "OperatorError", "RawDataError"}
    for reader, line in said.items():
        error, _, message = line.partition(" ")
        assert error in errors and "over a workbook limit" in message and "|" not in message, (reader, line)


@pytest.mark.integration  # runs ice287g as a subprocess
def test_add_refuses_a_file_over_the_size_cap_unread(archive, tmp_path):
    path = tmp_path / NAME
    with open(path, "wb") as fh:
        fh.truncate(6 * 1024 ** 3)  # a sparse 6 GB file: reading it would take the memory it claims
    # under a 4 GB address-space ceiling, a clean line shows the file was never read
    _refused_in_one_line(_cli(archive.parent.parent, "add", str(path)),
                         f"add: refused {path}: 6,442,450,944 bytes, over the limit of 52,428,800 bytes for an ICE "
                         "file (refused unread)")


def test_the_size_cap_is_one_constant_for_update_and_add():
    from ice287g.acquire import fetch

    assert fetch.MAX_BYTES is xlsxlimits.MAX_FILE_BYTES


def test_a_workbook_that_passed_is_only_sniffed_next_time_and_one_that_failed_is_scanned_again(project, monkeypatch):
    good = project / "data/raw/ice_287g/2025-06-06_participatingAgencies06062025am.xlsx"
    bad = project / NAME
    bad.write_bytes(_far_cell(LIST.read_bytes()))
    scanned = []
    real = xlsxlimits.zip_problem
    monkeypatch.setattr(xlsxlimits, "zip_problem", lambda source: scanned.append(source) or real(source))
    for _ in range(2):
        manifests.check_workbook(good)
        with pytest.raises(manifests.RawDataError, match="over a workbook limit"):
            manifests.check_workbook(bad)
    assert scanned == [good, bad, bad]
    cache = project / manifests.WITHIN_LIMITS_CACHE
    assert cache.read_text().split() == ["[", f'"{manifests.sha256_file(good)}"', "]"]
    manifests._PASSED.clear()  # another process: it reads the file
    manifests.check_workbook(good)
    assert scanned == [good, bad, bad]


def test_the_readme_states_the_limits_as_they_are():
    from ice287g.acquire import landing, lock

    readme = " ".join((REAL_RAW.parents[1] / "README.md").read_text(encoding="utf-8").split())
    mib = 1024 * 1024
    stated = {
        "MAX_FILE_BYTES": f"{xlsxlimits.MAX_FILE_BYTES // mib} MiB",
        "MAX_MEMBERS": f"{xlsxlimits.MAX_MEMBERS:,}",
        "MAX_UNCOMPRESSED_BYTES": f"{xlsxlimits.MAX_UNCOMPRESSED_BYTES // mib} MiB",
        "RATIO_FLOOR_BYTES": f"{xlsxlimits.RATIO_FLOOR_BYTES // mib} MiB",
        "MAX_RATIO": f"{xlsxlimits.MAX_RATIO}",
        "MAX_COLUMNS": f"{xlsxlimits.MAX_COLUMNS}",
        "MAX_ROWS": f"{xlsxlimits.MAX_ROWS:,}",
        "MAX_DECLARED_CELLS": f"{xlsxlimits.MAX_DECLARED_CELLS:,}",
        "manifests.MAX_NAME_BYTES": f"{manifests.MAX_NAME_BYTES}",
        "landing.NAME_AFTER_PULL_DAYS": f"{landing.NAME_AFTER_PULL_DAYS}",
        "lock.WAIT_SECONDS": f"{lock.WAIT_SECONDS:g}",
    }
    assert [f"`{k}` = `{v}`" for k, v in stated.items() if f"`{k}` = `{v}`" not in readme] == []
