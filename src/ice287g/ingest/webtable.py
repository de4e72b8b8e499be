"""A saved ice.gov 287(g) page that shows the list as an HTML table (the web-table era, before ICE
published workbooks), read into the same list rows as the archive's web-table workbooks.

The page's tables become "sheets" (rows of cell texts, header first) that ``lists`` reads with
``lists.read_sheets``, the reader of the workbooks: the same sheet choice (exactly one table with a
287(g) header), the same header names, the same fix tables and normalization, the same era rules. So a
capture and the workbook someone made from it give the same list rows.

Only the standard library's ``html.parser`` is used (lxml and BeautifulSoup are not in the lock file).
A cell's text is its visible text with ``<br>`` and block tags as spaces; in a column of documents (MOA,
ADDENDUM) a linked cell gives the link's address, as the archive's web-table workbooks record it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..core.text import squash

# Columns whose cells link a document: their value is the link's address, not its label.
LINK_COLUMNS = ("MOA", "ADDENDUM")
# Tags whose start or end separates words inside a cell (a line break, a paragraph).
BREAKS = {"br", "p", "div", "li", "ul", "ol", "tr", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SKIP = {"script", "style", "noscript", "template"}
CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


@dataclass
class _Cell:
    text: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    span: int = 1


@dataclass
class _Table:
    caption: list[str] = field(default_factory=list)
    heading: str = ""
    rows: list[list[_Cell]] = field(default_factory=list)


class _PageParser(HTMLParser):
    """Every ``<table>`` of a page (nested ones too) with its caption and the heading above it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._stack: list[_Table] = []  # tables open now, innermost last
        self._cell: list[_Cell | None] = []  # the open cell of each open table
        self._in_caption = False
        self._skip = 0
        self._heading: list[str] | None = None
        self._last_heading = ""

    def _text_sink(self) -> list[str] | None:
        if self._in_caption and self._stack:
            return self._stack[-1].caption
        if self._stack and self._cell[-1] is not None:
            return self._cell[-1].text
        return self._heading

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self._skip += 1
            return
        attrs = dict(attrs)
        if tag == "table":
            t = _Table(heading=self._last_heading)
            self.tables.append(t)
            self._stack.append(t)
            self._cell.append(None)
        elif not self._stack:
            if tag in HEADINGS:
                self._heading = []
            return
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._close_cell()
            self._stack[-1].rows.append([])
        elif tag in ("td", "th"):
            self._close_cell()
            if not self._stack[-1].rows:
                self._stack[-1].rows.append([])  # a cell outside any <tr>: browsers open a row
            span = attrs.get("colspan") or "1"
            cell = _Cell(span=int(span) if span.strip().isdigit() and int(span) > 0 else 1)
            self._stack[-1].rows[-1].append(cell)
            self._cell[-1] = cell
        elif tag == "a" and self._cell[-1] is not None and attrs.get("href"):
            self._cell[-1].links.append(attrs["href"].strip())
        if tag in BREAKS and (sink := self._text_sink()) is not None:
            sink.append(" ")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img", "input", "meta", "link"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "table" and self._stack:
            self._close_cell()
            self._stack.pop()
            self._cell.pop()
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th", "tr") and self._stack:
            self._close_cell()
        elif tag in HEADINGS and self._heading is not None and not self._stack:
            self._last_heading = squash("".join(self._heading))
            self._heading = None
        if tag in BREAKS and (sink := self._text_sink()) is not None:
            sink.append(" ")

    def _close_cell(self):
        if self._cell:
            self._cell[-1] = None

    def handle_data(self, data):
        if self._skip:
            return
        sink = self._text_sink()
        if sink is not None:
            sink.append(data)


def decode(data: bytes, where: str, error: type[Exception] = ValueError) -> str:
    """A page's text: UTF-8, or the charset its ``<meta>`` declares; ``error`` (naming ``where``) when
    the bytes are a workbook or no text at all."""
    if data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise error(f"{where}: a workbook, not an HTML page")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        m = CHARSET_RE.search(data[:4096])
        if m:
            try:
                return data.decode(m.group(1).decode("ascii"))
            except (LookupError, UnicodeDecodeError):
                pass
        raise error(f"{where}: not UTF-8 text and no usable <meta charset>: not a readable HTML page") from None


def _cell_value(cell: _Cell, column: str) -> str:
    text = squash("".join(cell.text))
    if column in LINK_COLUMNS and cell.links:
        return cell.links[0]
    return text


def page_tables(html: str) -> list[tuple[str, list[list[str]]]]:
    """Every table of a page as ``(name, rows of cell texts)``, header first: named by its caption, else
    by the heading above it, else ``table N``; a cell spanning columns fills them (the rest blank)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    out, names = [], set()
    for i, t in enumerate(parser.tables, start=1):
        name = squash("".join(t.caption)) or t.heading or f"table {i}"
        if name in names:
            name = f"{name} (table {i})"
        names.add(name)
        header = []
        rows = []
        for r, cells in enumerate(t.rows):
            values = []
            for cell in cells:
                column = header[len(values)] if r and len(values) < len(header) else ""
                values.append(_cell_value(cell, column))
                values.extend([""] * (cell.span - 1))
            if r == 0:
                header = [v.upper() for v in values]
            rows.append(values)
        out.append((name, rows))
    return out
