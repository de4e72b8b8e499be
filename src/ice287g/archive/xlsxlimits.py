"""Limits a workbook must keep before any reader opens it: its size on disk, and its zip's parts.

An xlsx is a zip of XML parts, and a reader believes what they say. A sheet that prints one cell at
``XFD1048576`` (a few bytes) makes calamine allocate the whole rectangle up to it, and the process
aborts; a sheet of gigabytes compressed into a few megabytes (a zip bomb) exhausts memory. Neither is an
exception a caller can catch. So every workbook is checked here first, by reading its zip as a stream
with bounded memory: the number of parts, their size as declared and as actually decompressed, their
compression ratio, and each sheet's declared range (``<dimension ref>``) and actual range (the cells that
carry a value, as a reader builds its grid from them).

ICE's own detention workbooks declare ranges out to column XFC, from cells that hold only a style: so
the columns of a *declared* range are bounded through its area, and only cells that carry a value
(what a reader keeps) are held to ``MAX_COLUMNS``.
"""
from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib
from pathlib import Path

# A file bigger than this is no ICE workbook or list page; ``update`` and ``add`` refuse it unread.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 1_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all parts together, as declared and as decompressed
MAX_RATIO = 100  # uncompressed / compressed, for a part above RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 1024 * 1024  # a small part may compress well (a blank sheet) and cannot exhaust memory
MAX_COLUMNS = 200
MAX_ROWS = 200_000
MAX_DECLARED_CELLS = MAX_COLUMNS * MAX_ROWS  # the area a sheet's <dimension ref> may declare
CHUNK_BYTES = 1024 * 1024
MAX_TAG_BYTES = 64 * 1024  # a cell, row or dimension tag longer than this is no workbook's

_REF_RE = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
# A cell that carries a value is not self-closing (``<c r="B2" s="3"/>`` holds a style only). Sheets name
# their cells ``<c``; a part that gives the element a namespace prefix is read with the slower pattern.
_VALUE_CELL_RE = re.compile(rb"<c(\s[^>]*+)?(?<!/)>")
_PREFIXED_CELL_RE = re.compile(rb"<[\w.-]+:c[\s/>]")
_ANY_VALUE_CELL_RE = re.compile(rb"<(?:[\w.-]+:)?c(\s[^>]*+)?(?<!/)>")
_TAG_RE = re.compile(rb"<(?:[\w.-]+:)?(c|row)(\s[^>]*|/)?>")
_DIMENSION_RE = re.compile(rb"<(?:[\w.-]+:)?dimension\s([^>]*)>")
_R_ATTR_RE = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)["']""")
_REFS_RE = re.compile(rb"""[\s\x00]r\s*=\s*["']([A-Za-z]{1,3})([0-9]{1,7})["']""")
_REF_ATTR_RE = re.compile(rb"""(?:^|\s)ref\s*=\s*["']([^"']*)["']""")


class LimitExceeded(Exception):
    """One line: which limit a workbook breaks, and by how much."""


def cell_index(ref: str) -> tuple[int, int]:
    """``(row, 0-based column)`` of an A1 reference (row as a spreadsheet shows it)."""
    m = _REF_RE.fullmatch(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col - 1


def size_problem(size: int) -> str:
    """Why a file of ``size`` bytes is refused unread ('' when it is not)."""
    if size > MAX_FILE_BYTES:
        return f"{size:,} bytes, over the limit of {MAX_FILE_BYTES:,} bytes for an ICE file (refused unread)"
    return ""


def _range_text(rows: int, cols: int) -> str:
    return f"{rows:,} rows x {cols:,} columns"


def _check_range(part: str, rows: int, cols: int) -> None:
    if rows > MAX_ROWS or cols > MAX_COLUMNS:
        raise LimitExceeded(f"{part}: its cells with a value reach {_range_text(rows, cols)}, over the limit of "
                            f"{_range_text(MAX_ROWS, MAX_COLUMNS)}")


def _check_dimension(part: str, attrs: bytes) -> None:
    ref = _REF_ATTR_RE.search(attrs)
    if ref is None:
        return
    try:  # a malformed declaration declares nothing a reader could use
        corners = [cell_index(c) for c in ref.group(1).decode("ascii").split(":")]
    except (UnicodeDecodeError, ValueError):
        return
    rows, cols = max(r for r, _ in corners), max(c for _, c in corners) + 1
    if rows > MAX_ROWS or rows * cols > MAX_DECLARED_CELLS:
        raise LimitExceeded(f"{part}: declares a range of {_range_text(rows, cols)} (<dimension ref>), over the "
                            f"limit of {MAX_ROWS:,} rows and {MAX_DECLARED_CELLS:,} cells")


class _Sheet:
    """The extent of one part's cells that carry a value, read chunk by chunk."""

    def __init__(self, part: str):
        self.part = part
        self.rows = self.cols = 0
        self.unplaced = False  # a value cell without ``r``: its place follows from the cells before it

    def scan(self, text: bytes) -> None:
        if b"dimension" in text:
            for attrs in _DIMENSION_RE.findall(text):
                _check_dimension(self.part, attrs)
        cells = (_ANY_VALUE_CELL_RE if _PREFIXED_CELL_RE.search(text) else _VALUE_CELL_RE).findall(text)
        if not cells:
            return
        # every value cell's ``r`` in one pass over their tags (a sheet may hold a million cells)
        refs = _REFS_RE.findall(b"\x00" + b"\x00".join(cells))
        if len(refs) != len(cells):  # a cell without (or with a second) ``r``: one at a time
            for attrs in cells:
                ref = _R_ATTR_RE.search(attrs)
                if ref is None:
                    self.unplaced = True
                else:
                    self._extend(*self._position(ref.group(1)))
            return
        letters, digits = zip(*refs)
        col = max((len(c), c.upper()) for c in set(letters))[1]
        self._extend(max(map(int, digits)), cell_index(f"{col.decode()}1")[1] + 1)

    def _position(self, ref: bytes) -> tuple[int, int]:
        """(row, 1-based column) of a cell's ``r``; a reference that is no cell is refused, not guessed."""
        try:
            row, col = cell_index(ref.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise LimitExceeded(f"{self.part}: cell reference {ref[:20]!r} is no cell") from None
        return row, col + 1

    def _extend(self, row: int, col: int) -> None:
        if row > self.rows or col > self.cols:
            self.rows, self.cols = max(self.rows, row), max(self.cols, col)
            _check_range(self.part, self.rows, self.cols)


class _OrderedSheet(_Sheet):
    """The slow reading, for a part with a value cell that gives no ``r``: rows and cells counted in order."""

    def __init__(self, part: str):
        super().__init__(part)
        self.row = self.col = 0

    def scan(self, text: bytes) -> None:
        for m in _TAG_RE.finditer(text):
            attrs = m.group(2) or b""
            ref = _R_ATTR_RE.search(attrs)
            if m.group(1) == b"row":
                self.row = int(ref.group(1)) if ref and ref.group(1).isdigit() else self.row + 1
                self.col = 0
                continue
            if ref:
                self.row, self.col = self._position(ref.group(1))
            else:
                self.col += 1
            if not attrs.endswith(b"/"):
                self._extend(self.row, self.col)


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int]):
    """A part's bytes as actually decompressed (not as its header declares), within ``budget[0]`` bytes
    left for the whole workbook."""
    honest = copy.copy(info)
    honest.file_size = budget[0] + 1  # read what is there, not what the header says is there
    read = 0
    with zf.open(honest) as fh:
        while chunk := fh.read(CHUNK_BYTES):
            read += len(chunk)
            budget[0] -= len(chunk)
            if read > info.file_size:
                raise LimitExceeded(f"{info.filename}: holds more than the {info.file_size:,} bytes its header "
                                    "declares (a forged size)")
            if budget[0] < 0:
                raise LimitExceeded(f"more than {MAX_UNCOMPRESSED_BYTES:,} bytes once decompressed")
            yield chunk


def _scan_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: list[int], sheet: _Sheet) -> bool:
    """Read one part to its end, scanning it as XML when ``sheet`` is given; whether it had an unplaced cell."""
    carry = b""
    for chunk in _chunks(zf, info, budget):
        if sheet is None:
            continue
        text = carry + chunk
        cut = text.rfind(b"<")
        if cut >= 0 and text.find(b">", cut) < 0:  # a tag cut in two: scan it with the next chunk
            text, carry = text[:cut], text[cut:]
            if len(carry) > MAX_TAG_BYTES:
                raise LimitExceeded(f"{info.filename}: a tag longer than {MAX_TAG_BYTES:,} bytes")
        else:
            carry = b""
        sheet.scan(text)
    if sheet is not None and carry:
        sheet.scan(carry)
    return sheet is not None and sheet.unplaced


def _check_zip(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise LimitExceeded(f"{len(infos):,} parts in the zip, over the limit of {MAX_MEMBERS:,}")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise LimitExceeded(f"{declared:,} bytes once decompressed, over the limit of {MAX_UNCOMPRESSED_BYTES:,}")
    for i in infos:
        if i.file_size > RATIO_FLOOR_BYTES and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise LimitExceeded(f"{i.filename}: compressed {i.file_size / max(i.compress_size, 1):,.0f} to 1, "
                                f"over the limit of {MAX_RATIO} to 1 (a zip bomb)")
    budget = [MAX_UNCOMPRESSED_BYTES]
    for i in infos:
        xml = i.filename.lower().endswith(".xml")
        left = budget[0]
        if _scan_part(zf, i, budget, _Sheet(i.filename) if xml else None):
            budget[0] = left  # the part is read again, in order: count its bytes once
            _scan_part(zf, i, budget, _OrderedSheet(i.filename))


def zip_problem(source: bytes | Path | str) -> str:
    """Why the xlsx ``source`` (its bytes, or its path) breaks a limit ('' when it keeps them all, or is no
    zip: ``sources.workbook_problem`` names what it is)."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source) as zf:
            _check_zip(zf)
    except LimitExceeded as exc:
        return f"over a workbook limit: {exc}"
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        return f"not a readable xlsx: damaged zip ({type(exc).__name__}: {exc})"
    return ""
