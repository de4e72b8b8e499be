"""Links to the signed agreements in ICE's lists (MOA and ADDENDUM columns): a cell's text or its workbook hyperlink made one absolute URL, Wayback captures told apart, Outlook safe links unwrapped."""
from __future__ import annotations

import posixpath
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pandas as pd

from ..archive.xlsxlimits import cell_index

# The Office Open XML namespaces of a sheet and its relationships (ECMA-376), as openpyxl names them: written
# out, since reading a sheet's hyperlinks needs no more of openpyxl (importing any of it loads all of it).
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# ---------------------------------------------------------------------------------------------
# Links to the signed agreements (MOA and ADDENDUM columns)

ICE_ORIGIN = "https://www.ice.gov"
WAYBACK_ORIGIN = "https://web.archive.org"
LINK_FIELDS = ("moa", "addendum")
_ABSOLUTE_RE = re.compile(r"https?://[^/\s]+\.[^/\s]+(/\S*)?", re.IGNORECASE)
# a saved Wayback page links ICE's documents through Wayback's own paths: /web/<timestamp>[flags]/<url>
_WAYBACK_PATH_RE = re.compile(r"/web/\d{1,14}[a-z_]*/\S+", re.IGNORECASE)
_WAYBACK_RE = re.compile(r"https?://web\.archive\.org/web/", re.IGNORECASE)
_ICE_HTTP_RE = re.compile(r"^https?://(www\.)?ice\.gov/", re.IGNORECASE)
# Outlook's "safe links" wrapper around an address pasted from an e-mail; its other parameters carry the
# mailbox it passed through and a token, which say nothing about the document
_SAFELINKS_RE = re.compile(r"https?://[a-z0-9.-]*safelinks\.protection\.outlook\.com/", re.IGNORECASE)


def link_url(value) -> str:
    """The absolute address a MOA or ADDENDUM cell (its text, or the hyperlink on it) points to; ''
    when it holds none: blank, or a label such as ``link``, ``link pending`` or a bare PDF file name,
    which is never taken for a link.

    Ends are stripped and an inner run of spaces is percent-encoded (an address has no spaces); an ice.gov
    path (``/doclib/…``) gets ICE's origin and a Wayback path (``/web/<timestamp>/…``) Wayback's; an ice.gov
    address is written ``https://www.ice.gov/…`` whatever scheme and host spelling it printed; an Outlook
    safe-links wrapper (pasted into ICE's later workbooks) gives way to the address it wraps. The address
    is otherwise kept as printed: a Wayback-wrapped link stays wrapped (``is_wayback``)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return _link_url_text(str(value))


@lru_cache(maxsize=None)  # the same few thousand addresses recur on every weekly list
def _link_url_text(text: str) -> str:
    text = text.strip()
    if _SAFELINKS_RE.match(text):
        return link_url(parse_qs(urlsplit(text).query).get("url", [""])[0])
    text = re.sub(r"\s+", "%20", text)
    if text.startswith("//"):
        text = "https:" + text
    elif _WAYBACK_PATH_RE.fullmatch(text):
        text = WAYBACK_ORIGIN + text
    elif text.startswith("/") and len(text) > 1:
        text = ICE_ORIGIN + text
    elif text.lower().startswith("www.ice.gov/"):
        text = "https://" + text
    text = _ICE_HTTP_RE.sub(ICE_ORIGIN + "/", text)  # some of ICE's workbooks link over plain http
    return text if _ABSOLUTE_RE.fullmatch(text) else ""


LINK_COLUMNS = ("moa", "addendum", "moa_url", "addendum_url")


def with_link_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with the MOA and ADDENDUM columns, empty where a frame lacks them (a hand-made frame in a
    test, or list rows written before the links were read): such rows link no document."""
    missing = [c for c in LINK_COLUMNS if c not in rows]
    return rows.assign(**{c: "" for c in missing}) if missing else rows


def is_wayback(url: str) -> bool:
    """Whether an address is a Wayback Machine capture of the document rather than ICE's own copy."""
    return bool(_WAYBACK_RE.match(url or ""))




@lru_cache(maxsize=None)
def _xlsx_names() -> tuple[dict[str, str], str]:
    """The package's XML namespaces (as ElementTree prefixes) and the relationship-id attribute, named by
    openpyxl."""
    return {"m": SHEET_MAIN_NS, "p": PKG_REL_NS}, f"{{{REL_NS}}}id"

_HYPERLINKS_RE = re.compile(rb"<(?:\w+:)?hyperlinks\b.*?</(?:\w+:)?hyperlinks\s*>", re.DOTALL)
_ROOT_TAG_RE = re.compile(rb"<(?:\w+:)?worksheet\b[^>]*>")


def _sheet_hyperlink_elements(data: bytes) -> list[ElementTree.Element]:
    """The ``<hyperlink>`` elements of a sheet part. They follow the cell data, which is most of the part:
    only the root tag (for its namespace declarations) and the ``<hyperlinks>`` block are parsed."""
    root, block = _ROOT_TAG_RE.search(data), _HYPERLINKS_RE.search(data)
    if block is None:
        return []
    if root is None:  # not the layout ICE's workbooks have: parse the whole part
        return list(ElementTree.fromstring(data).iterfind("m:hyperlinks/m:hyperlink", _xlsx_names()[0]))
    close = b"</" + root.group(0)[1:].split(None, 1)[0].rstrip(b">") + b">"
    fragment = ElementTree.fromstring(root.group(0) + block.group(0) + close)
    return list(fragment.iterfind("m:hyperlinks/m:hyperlink", _xlsx_names()[0]))


def _part_relations(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, bool]]:
    """A package part's relationships: id -> (target, external); an internal target as a part name."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in z.namelist():
        return {}
    out = {}
    for rel in ElementTree.fromstring(z.read(rels)).findall("p:Relationship", _xlsx_names()[0]):
        target, external = rel.get("Target", ""), rel.get("TargetMode") == "External"
        if not external:
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (target, external)
    return out


def workbook_hyperlinks(path: Path | str) -> dict[str, dict[tuple[int, int], str]]:
    """Every external hyperlink of an xlsx workbook, per sheet name: ``{(row, 0-based column): target}``.

    ICE's workbooks print ``link`` in the MOA and ADDENDUM cells and keep the address in the cell's
    hyperlink, which calamine (values only) does not read. The package's XML is read directly, once per
    file: loading the workbook with openpyxl to reach the same targets takes many times longer."""
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        book_rels = _part_relations(z, "xl/workbook.xml")
        out: dict[str, dict[tuple[int, int], str]] = {}
        for sheet in book.iterfind("m:sheets/m:sheet", _xlsx_names()[0]):
            part, _ = book_rels.get(sheet.get(_xlsx_names()[1]), ("", False))
            links: dict[tuple[int, int], str] = {}
            if part in z.namelist():
                rels = _part_relations(z, part)
                for link in _sheet_hyperlink_elements(z.read(part)):
                    target, external = rels.get(link.get(_xlsx_names()[1]), ("", False))
                    if not external:
                        continue  # a jump inside the workbook (``location``), not a document
                    first, _, last = link.get("ref", "").partition(":")
                    (r0, c0), (r1, c1) = cell_index(first), cell_index(last or first)
                    for r in range(r0, r1 + 1):
                        for c in range(c0, c1 + 1):
                            links[(r, c)] = target
            out[sheet.get("name")] = links
        return out
