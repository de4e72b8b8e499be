"""Reading every era of ICE's 287(g) lists into list rows (one row per printed agreement).

Eras (``vocab.ERAS``) are told apart by their columns, never by file name. Values are normalized
through small keyed fix tables in ``data/hand/``; a value no rule or fix covers stops the build with
the file, sheet, row and column named.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
from python_calamine import CalamineWorkbook

from ..archive import cache, icenames, manifests
from ..core import hand, paths
from ..core.fixtables import FixTable
from ..core.messages import FixError, column_letter, location
from ..core.text import squash
from ..core.keys import agency_id, agency_key
from ..core.states import state_lookup
from ..core.vocab import AGENCY_TYPES, LIST_KINDS, MODEL_LABELS
from .moa_links import LINK_FIELDS, link_url, workbook_hyperlinks
from .webtable import decode, page_tables

LIST_ROW_COLUMNS = [
    "list_id", "list_date", "list_kind", "source_file", "sheet", "row", "state", "agency",
    "agency_type", "county_printed", "model", "model_printed", "signed", "moa", "addendum",
]


EXTRA_ROW_COLUMNS = [
    "era", "state_printed", "agency_printed", "agency_type_printed", "signed_printed",
    "agency_key", "agency_id", "moa_url", "addendum_url",
]


HEADER_FIELDS = {
    "STATE": "state", "LAW ENFORCEMENT AGENCY": "agency", "TYPE": "agency_type", "COUNTY": "county",
    "SUPPORT TYPE": "model", "SIGNED": "signed", "MOA": "moa", "ADDENDUM": "addendum",
}


REQUIRED_FIELDS = ("state", "agency", "model")


TIME_OF_DAY_RANK = {"am": 0, "": 1, "mid": 1, "pm": 2}


# Bump when parsing changes in a way this package's code does not show (the parse cache's key also
# hashes the code, so an edit here or in a module it imports re-parses every list anyway).
READER_VERSION = 1


class ListError(FixError):
    """A raw list that cannot be read as it stands: names file, sheet, row and column."""


def _resolve(where) -> str:
    return where() if callable(where) else where


def list_location(source_file: str, sheet: str | None = None, row: int | None = None, column: str | None = None) -> str:
    """Where a value sits: ``source_file`` is a bare name in data/raw/ice_287g, or a ``_file_label``."""
    text = location("ice_287g", source_file, sheet, row, column)
    return text.removeprefix("data/raw/ice_287g/") if "/" in source_file else text


def _file_label(path: Path) -> str:
    """How errors name a list file: by its archive name inside data/raw/ice_287g, else by the path given."""
    if path.absolute().parent == (paths.raw_dir() / "ice_287g").absolute():
        return path.name
    return path.as_posix() if "/" in path.as_posix() else f"./{path.as_posix()}"


@dataclass
class Rules:
    states: FixTable
    models: FixTable
    agency_types: FixTable
    agency_names: FixTable
    aliases: FixTable
    dates: FixTable
    blank_states: FixTable
    state_codes: dict

    @classmethod
    def load(cls) -> Rules:
        return cls(
            FixTable.load("state_fixes.csv"), FixTable.load("model_fixes.csv"),
            FixTable.load("agency_type_fixes.csv"), FixTable.load("agency_name_fixes.csv"),
            FixTable.load("aliases.csv"), FixTable.load("date_fixes.csv"),
            FixTable.load("blank_state_fixes.csv"), state_lookup(),
        )

    def tables(self) -> list[FixTable]:
        return [self.states, self.models, self.agency_types, self.agency_names, self.aliases, self.dates, self.blank_states]


def normalize_state(printed: str, rules: Rules, where, agency: str = "") -> str:
    """The two-letter code of a printed state; a blank one is looked up by ``agency`` in
    data/hand/blank_state_fixes.csv (a typo, in data/hand/state_fixes.csv)."""
    value = squash(printed).upper()
    if not value:
        fixed = rules.blank_states.apply(squash(agency)) if squash(agency) else ""
        if fixed == squash(agency):
            raise ListError(f"{_resolve(where)}: state is blank (add a row for agency {squash(agency)!r} to "
                            "data/hand/blank_state_fixes.csv)")
        value = fixed.upper()
    value = rules.states.apply(value).upper()
    code = rules.state_codes.get(value)
    if code is None:
        raise ListError(f"{_resolve(where)}: state {printed!r} matches no state or territory "
                        "(add a row to data/hand/state_fixes.csv if it is a typo)")
    return code


def normalize_model(printed: str, rules: Rules, where) -> str:
    value = squash(printed)
    label = rules.models.apply(value).upper()
    if label not in MODEL_LABELS:
        raise ListError(f"{_resolve(where)}: unknown model label {printed!r} "
                        f"(known: {sorted(MODEL_LABELS)}; add a row to data/hand/model_fixes.csv)")
    return MODEL_LABELS[label]


def normalize_agency_type(printed: str, rules: Rules, where) -> str:
    value = squash(printed)
    fixed = rules.agency_types.apply(value)
    if fixed and fixed not in AGENCY_TYPES:
        raise ListError(f"{_resolve(where)}: unknown agency TYPE {printed!r} (known: {list(AGENCY_TYPES)}; "
                        "add a row to data/hand/agency_type_fixes.csv)")
    return fixed


DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d %H:%M:%S")


def normalize_date(value, where, fixes: FixTable | None = None) -> str:
    """ISO date from an Excel date or a text date; '' for a blank cell; error otherwise."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = squash(value)
    if fixes is not None:
        text = fixes.apply(text)
    if not text:
        return ""
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ListError(f"{_resolve(where)}: unparseable date {value!r}")


@dataclass(frozen=True)
class FileDate:
    list_date: str
    time_of_day: str
    date_basis: str
    name_date: str
    revision: int = 1  # N for a second version ICE published under the same name (``….rN.xlsx``)


def file_date(file_name: str, where: str | None = None) -> FileDate:
    """The list date of a raw list file and how it was decided: the archive's ``YYYY-MM-DD_`` prefix when
    the name has one, else what ICE's own name reads (``icenames``); ``where`` names the file in errors."""
    list_date, original = icenames.split_archive_name(file_name)
    info = icenames.ice_name_info(original)
    if not list_date:
        if not info.date:
            raise ListError(f"{where or list_location(file_name)}: no list date: {info.problem} "
                            "(nor the archive's YYYY-MM-DD_ prefix)")
        list_date = info.date
    if info.rule == "Wayback capture timestamp":
        return FileDate(list_date, "", "capture date", info.name_date, info.revision)
    if info.digits:
        basis = ("file name" if info.name_date == list_date
                 else f"corrected file name (name reads {info.digits})")
        return FileDate(list_date, info.time_of_day, basis, info.name_date, info.revision)
    return FileDate(list_date, "", "archive date", "", info.revision)


def list_id(kind: str, when: FileDate) -> str:
    """``<kind>-<date><am|pm|mid>``, and ``-r<N>`` for a revision ICE published under the same name."""
    return f"{kind}-{when.list_date}{when.time_of_day}" + (f"-r{when.revision}" if when.revision > 1 else "")


@dataclass
class ParsedFile:
    rows: pd.DataFrame
    lists: list[dict]
    skipped: list[dict]
    notes: list[str]


def _sheet_header(cells: list) -> list[str]:
    return [squash(c).upper() for c in cells]


def check_kind(found: str, expected: str | None, where: str, evidence: str) -> str:
    """The list kind: the manifest's when it gives one, which must agree with what the headers show."""
    if expected is None:
        return found
    if expected not in LIST_KINDS:
        raise ListError(f"{where}: unknown list kind {expected!r} (known: {list(LIST_KINDS)})")
    if found != expected:
        raise ListError(f"{where}: the manifest says a {expected} list, but {evidence} "
                        f"(a participating list prints SIGNED, a pending one does not)")
    return expected


def _read_workbook(path: Path, rules: Rules, expected_kind: str | None = None) -> ParsedFile:
    name, label = path.name, _file_label(path)
    manifests.check_workbook(path, ListError, list_location(label))
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for zip/xml damage
        raise ListError(f"{list_location(label)}: not a readable xlsx workbook ({type(exc).__name__}: {exc})") from None
    sheets = []
    for sheet in wb.sheet_names:
        try:
            sheets.append((sheet, wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)))
        except Exception as exc:
            raise ListError(f"{list_location(label, sheet)}: unreadable sheet ({type(exc).__name__}: {exc})") from None

    def hyperlinks(sheet: str) -> dict[tuple[int, int], str]:
        try:
            return workbook_hyperlinks(path).get(sheet, {})
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
            raise ListError(f"{list_location(label, sheet)}: unreadable hyperlinks ({type(exc).__name__}: {exc})") from None

    return read_sheets(name, sheets, rules, expected_kind, label=label, hyperlinks=hyperlinks)


def read_sheets(name: str, sheets: list[tuple[str, list[list]]], rules: Rules, expected_kind: str | None = None,
                *, label: str | None = None, hyperlinks=None) -> ParsedFile:
    """The list in one file's sheets (``(sheet name, rows of cells)``, header first): the one sheet with a
    287(g) header, read and normalized. A workbook's sheets and an HTML capture's tables both come here.
    ``label`` names the file in messages (``_file_label``); ``name`` is its file name. ``hyperlinks(sheet)``
    gives a sheet's ``{(row, 0-based column): target}``; it is called (once) only when a MOA or ADDENDUM
    cell holds text that is not an address, such as ICE's ``link``."""
    label = label or name
    chosen = None
    notes = []
    for sheet, cells in sheets:
        header = _sheet_header(cells[0]) if cells else []
        if "LAW ENFORCEMENT AGENCY" in header or ("STATE" in header and "SUPPORT TYPE" in header):
            if chosen is not None:
                raise ListError(f"{list_location(label, sheet)}: a second sheet with a 287(g) header "
                                f"(first was {chosen[0]!r}); which one is the list is ambiguous")
            chosen = (sheet, cells)
        else:
            notes.append(f"sheet {sheet!r} ignored: no 287(g) header (first row {header[:4]})")
    if chosen is None:
        raise ListError(f"{list_location(label)}: no sheet has a 287(g) list header "
                        f"(sheets {[sheet for sheet, _ in sheets]}; an empty sheet has no header row at all)")
    sheet, cells = chosen
    header = _sheet_header(cells[0])
    columns: dict[str, int] = {}
    for i, text in enumerate(header):
        if not text:
            continue
        fieldname = HEADER_FIELDS.get(text)
        if fieldname is None:
            raise ListError(f"{list_location(label, sheet, 1, column_letter(i))}: unrecognized column header "
                            f"{cells[0][i]!r} (known: {sorted(HEADER_FIELDS)})")
        if fieldname in columns:
            raise ListError(f"{list_location(label, sheet, 1, column_letter(i))}: column {text!r} appears twice")
        columns[fieldname] = i
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        wanted = [k for k, v in HEADER_FIELDS.items() if v in missing]
        raise ListError(f"{list_location(label, sheet, 1)}: missing column(s) {wanted}; header is "
                        f"{[c for c in header if c]}")
    kind = check_kind("participating" if "signed" in columns else "pending", expected_kind, list_location(label, sheet, 1),
                      "the header has SIGNED" if "signed" in columns else "the header has no SIGNED column")
    era = "ice_workbook" if "agency_type" in columns else "web_table"
    when = file_date(name, list_location(label))
    lid = list_id(kind, when)
    links: dict[tuple[int, int], str] = {}
    link_cols = [columns[f] for f in LINK_FIELDS if f in columns]
    if hyperlinks is not None and any(
            squash(raw[i]) and not link_url(raw[i]) for raw in cells[1:] for i in link_cols if i < len(raw)):
        links = hyperlinks(sheet)

    def url(f, raw, row):
        """A cell's own address if it prints one, else its hyperlink's; '' when the cell is blank."""
        if f not in columns or columns[f] >= len(raw) or not squash(raw[columns[f]]):
            return ""
        return link_url(raw[columns[f]]) or link_url(links.get((row, columns[f]), ""))

    records, skipped = [], []
    for offset, raw in enumerate(cells[1:], start=2):
        squashed = [squash(v) for v in raw]
        if not any(squashed):
            skipped.append({"source_file": name, "sheet": sheet, "row": offset, "reason": "blank row", "content": ""})
            continue
        values = {f: raw[i] if i < len(raw) else "" for f, i in columns.items()}
        texts = {f: squashed[i] if i < len(raw) else "" for f, i in columns.items()}
        content = " | ".join(v for v in squashed if v)
        if [v.upper() for v in squashed][: len(header)] == header[: len(raw)]:
            skipped.append({"source_file": name, "sheet": sheet, "row": offset, "reason": "repeated header",
                            "content": content})
            continue
        if not texts["agency"]:
            skipped.append({"source_file": name, "sheet": sheet, "row": offset,
                            "reason": "no agency name in a non-blank row", "content": content})
            continue
        def at(f, header, row=offset):
            return lambda: list_location(label, sheet, row, f"{column_letter(columns[f])} ({header})")

        records.append(_record(
            rules, name, sheet, offset, lid, when.list_date, kind, era,
            state=(texts["state"], at("state", "STATE")),
            agency=texts["agency"],
            agency_type=(texts.get("agency_type", ""), at("agency_type", "TYPE") if "agency_type" in columns else ""),
            county=texts.get("county", ""),
            model=(texts["model"], at("model", "SUPPORT TYPE")),
            signed=(values.get("signed", ""), at("signed", "SIGNED") if "signed" in columns else ""),
            moa=texts.get("moa", ""), addendum=texts.get("addendum", ""),
            moa_url=url("moa", raw, offset), addendum_url=url("addendum", raw, offset),
        ))
    data_rows = len(cells) - 1
    lst = {"list_id": lid, "list_date": when.list_date, "time_of_day": when.time_of_day, "list_kind": kind,
           "source_file": name, "sheet": sheet, "era": era, "date_basis": when.date_basis,
           "name_date": when.name_date, "content_as_of": "", "rows": data_rows}
    return ParsedFile(pd.DataFrame(records), [lst], skipped, notes)


def _record(rules: Rules, source_file, sheet, row, list_id, list_date, kind, era, *, state, agency,
            agency_type, county, model, signed, moa, addendum, moa_url="", addendum_url="") -> dict:
    state_printed, state_where = state
    code = normalize_state(state_printed, rules, state_where, agency)
    name = rules.agency_names.apply(agency, code)
    key = agency_key(rules.aliases.apply(name, code))
    key = agency_key(key)
    model_printed, model_where = model
    type_printed, type_where = agency_type
    signed_value, signed_where = signed
    return {
        "list_id": list_id, "list_date": list_date, "list_kind": kind, "source_file": source_file,
        "sheet": sheet, "row": row, "state": code, "agency": name,
        "agency_type": normalize_agency_type(type_printed, rules, type_where) if type_printed else "",
        "county_printed": county,
        "model": normalize_model(model_printed, rules, model_where) if model_where else "",
        "model_printed": model_printed,
        "signed": normalize_date(signed_value, signed_where, rules.dates) if signed_where else "",
        "moa": moa, "addendum": addendum, "era": era, "state_printed": state_printed,
        "agency_printed": agency, "agency_type_printed": type_printed,
        "signed_printed": squash(signed_value.isoformat() if hasattr(signed_value, "isoformat") else signed_value),
        "agency_key": key, "agency_id": agency_id(code, key), "moa_url": moa_url, "addendum_url": addendum_url,
    }


def _read_stacked_csv(path: Path, rules: Rules, expected_kind: str | None = None) -> ParsedFile:
    name, label = path.name, _file_label(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ListError(f"{list_location(label)}: unreadable CSV ({type(exc).__name__}: {exc})") from None
    cols = set(df.columns)
    records, lists, skipped = [], [], []
    if {"snapshot_ts", "capture_date", "state", "agency", "support_type", "date_signed"} <= cols:
        era, group_col = "fact_sheet", "snapshot_ts"
        spec = dict(state="state", agency="agency", model="support_type", signed="date_signed", moa="moa_file")
    elif {"capture", "as_of", "state", "state_abbr", "agency"} <= cols:
        era, group_col = "partners_page", "as_of"
        spec = dict(state="state", agency="agency", model=None, signed=None, moa=None)
    elif {"date", "state", "agency", "type", "county"} <= cols:
        era, group_col = "stacked_2025", "date"
        spec = dict(state="state", agency="agency", model="type", signed=None, moa=None, county="county")
    else:
        raise ListError(f"{list_location(label)}: stacked CSV of no known layout; columns {list(df.columns)}")
    # every known stacked layout is a participating roster
    check_kind("participating", expected_kind, list_location(label), f"its layout is the {era} roster")
    df["_row"] = range(2, len(df) + 2)
    for group, part in df.groupby(group_col, sort=True):
        first = part.iloc[0]
        if era == "fact_sheet":
            list_date, tod = first["capture_date"], ""
            basis = f"capture date (caption: {first['caption'] or 'none'})"
            content_as_of = first["content_asof"]
        elif era == "partners_page":
            list_date, tod, basis, content_as_of = group, "", "list caption", group
        else:
            m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*(am|pm)?", group.strip())
            if not m:
                raise ListError(f"{list_location(label, None, int(first['_row']), 'date')}: unparseable sheet date {group!r}")
            list_date, tod = m.group(1), m.group(2) or ""
            basis, content_as_of = "sheet date in stacked file", ""
        list_id = f"participating-{list_date}{tod}" + ("-stacked" if era == "stacked_2025" else "")
        for rec in part.astype(object).to_dict("records"):
            row = rec["_row"]
            agency = squash(rec[spec["agency"]])
            if not agency:
                skipped.append({"source_file": name, "sheet": "", "row": row, "reason": "no agency name",
                                "content": " | ".join(v for k, v in rec.items() if k != "_row" and v)})
                continue
            records.append(_record(
                rules, name, "", row, list_id, list_date, "participating", era,
                state=(rec[spec["state"]], lambda row=row: list_location(label, None, row, spec["state"])),
                agency=agency, agency_type=("", ""), county=squash(rec.get(spec.get("county") or "", "")),
                model=(rec[spec["model"]], lambda row=row: list_location(label, None, row, spec["model"]))
                if spec["model"] else ("", ""),
                signed=(rec[spec["signed"]], lambda row=row: list_location(label, None, row, spec["signed"]))
                if spec["signed"] else ("", ""),
                moa=squash(rec.get(spec["moa"], "")) if spec["moa"] else "", addendum="",
                moa_url=link_url(rec.get(spec["moa"], "")) if spec["moa"] else "",
            ))
        lists.append({"list_id": list_id, "list_date": list_date, "time_of_day": tod, "list_kind": "participating",
                      "source_file": name, "sheet": "", "era": era, "date_basis": basis, "name_date": "",
                      "content_as_of": content_as_of, "rows": len(part)})
    return ParsedFile(pd.DataFrame(records), lists, skipped, [])


def _read_capture(path: Path, rules: Rules, expected_kind: str | None = None) -> ParsedFile:
    """A saved ice.gov page with the list as an HTML table: its tables read like a workbook's sheets."""
    label = _file_label(path)
    html = decode(path.read_bytes(), list_location(label), ListError)
    return read_sheets(path.name, page_tables(html), rules, expected_kind, label=label)


def parse_file(path: Path | str, rules: Rules | None = None, kind: str | None = None) -> ParsedFile:
    """Read one raw list file (any era) with its lists, skipped rows and notes.

    ``kind`` is the list kind the manifest gives (``participating`` or ``pending``); the headers must
    agree with it. Without it (a path alone) the kind is read from the headers: SIGNED means participating.
    """
    path = Path(path)
    if not path.exists():
        raise ListError(f"{list_location(_file_label(path))}: file missing")
    rules = rules or Rules.load()
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        reader = _read_capture
    else:
        reader = _read_workbook if suffix == ".xlsx" else _read_stacked_csv
    parsed = reader(path, rules, kind)
    if parsed.rows.empty:
        parsed.rows = pd.DataFrame(columns=LIST_ROW_COLUMNS + EXTRA_ROW_COLUMNS)
    parsed.rows = parsed.rows[LIST_ROW_COLUMNS + EXTRA_ROW_COLUMNS]
    return parsed


def read_list(path: Path | str) -> pd.DataFrame:
    """Any single raw list of any era, from its path alone, as ``list_rows`` columns (plus extras)."""
    return parse_file(path).rows


# The list kind each manifest kind holds; None: the stacked CSV's layout decides (every known one participating).
MANIFEST_LIST_KINDS = {
    "ice_287g_participating_xlsx": "participating",
    "ice_287g_pending_xlsx": "pending",
    "ice_287g_html_table_xlsx": "participating",
    "ice_287g_derived_csv": None,
    "ice_287g_html_capture": "participating",  # a saved ice.gov page holding the list as an HTML table
}
HTML_SUFFIXES = (".html", ".htm")
LIST_KINDS_READ = tuple(MANIFEST_LIST_KINDS)


def content_hash(rows: pd.DataFrame) -> str:
    cols = ["state", "agency_key", "agency_type", "county_printed", "model", "signed"]
    lines = sorted("\t".join(map(str, r)) for r in rows[cols].itertuples(index=False, name=None))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def rules_fingerprint(rules: Rules) -> str:
    """sha256 of what the fix tables and the state lookup map, which every parsed row goes through."""
    tables = [(t.name, t.keyed_by_state, sorted(t.fixes.items())) for t in rules.tables()]
    text = json.dumps([tables, sorted(rules.state_codes.items())], default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse_recording(path: Path, rules: Rules, kind: str | None) -> tuple[ParsedFile, list[list], list[str]]:
    """``parse_file`` with the fix rows this one file used (per table of ``rules.tables()``, sorted) and
    each list's content hash: what a cache hit must give back, as the unused-fix QA counts the uses."""
    tables = rules.tables()
    before = [t.used for t in tables]
    for t in tables:
        t.used = set()
    try:
        parsed = parse_file(path, rules, kind)
        used = [sorted(t.used) for t in tables]
    finally:
        for t, earlier in zip(tables, before):
            t.used = earlier | t.used
    hashes = [content_hash(parsed.rows[parsed.rows["list_id"] == lst["list_id"]]) for lst in parsed.lists]
    return parsed, used, hashes


def parse_archived(path: Path, rules: Rules, kind: str | None, fingerprint: str | None = None,
                   ) -> tuple[ParsedFile, list[str]]:
    """One raw list file through the parse cache (``ice287g.cache``): the parsed file and each list's
    content hash. The cache key holds the file's sha256 and name, the list kind, the reader and the fix
    tables (``fingerprint``, from ``rules_fingerprint``); on a hit the fix rows the file used are marked
    used in ``rules`` as a parse would mark them."""
    fingerprint = fingerprint or rules_fingerprint(rules)
    parsed, used, hashes = cache.cached("lists", READER_VERSION, path, lambda: _parse_recording(path, rules, kind),
                                        code=__name__, scope=(fingerprint,), extra=(kind,))
    for t, keys in zip(rules.tables(), used):
        t.used.update(keys)
    return parsed, hashes


def quarantined_excluded(inv: pd.DataFrame, decisions: pd.DataFrame) -> dict[str, str]:
    """``file -> list_id`` of each list file of ``inv`` (a manifest) that landed quarantined (``ice287g.landing``)
    and that ``decisions`` (data/hand/list_decisions.csv) excludes: the build never reads it, as it may not parse."""
    if "status" not in inv.columns:
        return {}
    ids = set(decisions.loc[decisions["decision"] == "exclude", "list_id"])
    out = {}
    for rec in inv[inv["status"].fillna("").str.strip() == manifests.QUARANTINED].itertuples(index=False):
        kind = MANIFEST_LIST_KINDS.get(rec.kind)
        lid = list_id(kind, file_date(rec.file)) if kind else ""
        if lid in ids:
            out[rec.file] = lid
    return out


def read_all(rules: Rules | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], list[str]]:
    rules = rules or Rules.load()
    inv = manifests.manifest("ice_287g")
    rows, lists, skipped, notes = [], [], [], []
    fingerprint = rules_fingerprint(rules)
    unread = quarantined_excluded(inv, list_decisions())
    for rec in inv.sort_values("file").itertuples(index=False):
        if rec.kind not in LIST_KINDS_READ:
            continue
        if rec.file in unread:
            notes.append(f"{rec.file}: quarantined, and {DECISIONS_FILE} excludes list {unread[rec.file]}: not read")
            continue
        parsed, hashes = parse_archived(paths.raw_dir() / "ice_287g" / rec.file, rules,
                                        MANIFEST_LIST_KINDS[rec.kind], fingerprint)
        for lst, digest in zip(parsed.lists, hashes):
            lst.update(sha256=rec.sha256, manifest_kind=rec.kind, content_hash=digest)
        rows.append(parsed.rows)
        lists.extend(parsed.lists)
        skipped.extend(parsed.skipped)
        notes.extend(f"{rec.file}: {n}" for n in parsed.notes)
    list_rows = pd.concat(rows, ignore_index=True)
    lists_df = pd.DataFrame(lists)
    dup = lists_df.duplicated("list_id", keep=False)
    if dup.any():
        clash = lists_df.loc[dup, ["list_id", "source_file"]].to_dict("records")
        raise ListError(f"two raw files give the same list id (same kind, date and time of day): {clash}")
    return list_rows, lists_df, skipped, notes


def in_list_order(lists: pd.DataFrame) -> pd.DataFrame:
    """``lists`` in the order ICE published them: by kind, date, time of day (am, mid, pm), id."""
    return lists.assign(_tod=lists["time_of_day"].map(TIME_OF_DAY_RANK).fillna(1)).sort_values(
        ["list_kind", "list_date", "_tod", "list_id"], kind="mergesort").drop(columns="_tod")


DECISIONS_FILE = "data/hand/list_decisions.csv"
DECISION_COLUMNS = ["list_id", "decision", "reason"]
DECISIONS = ("accept", "exclude")


def list_decisions(path: Path | str | None = None) -> pd.DataFrame:
    """A person's decision on each suspicious list (``accept`` keeps it in the series, ``exclude`` takes
    it out), read from data/hand/list_decisions.csv; a malformed table stops the build."""
    where = DECISIONS_FILE if path is None else paths.relative(path)
    df = hand.read_hand_table("list_decisions.csv", path, error=ListError)  # a list decided twice stops here
    if list(df.columns) != DECISION_COLUMNS:
        raise ListError(f"{where}: columns must be exactly {DECISION_COLUMNS}, not {list(df.columns)}")
    bad = ~df["decision"].isin(DECISIONS) | (df["reason"].str.strip() == "") | (df["list_id"].str.strip() == "")
    if bad.any():
        lines = [line for line, b in zip(hand.lines(df), bad) if b]
        raise ListError(f"{where}: every row needs a list_id, a decision in {DECISIONS} and a reason; "
                        f"lines {lines} do not")
    return df


def series_lists(lists: pd.DataFrame, kind: str = "participating") -> pd.DataFrame:
    lists = lists.copy()
    lists["in_series"] = lists["in_series"].astype(str) == "True"
    return in_list_order(lists[lists["in_series"] & (lists["list_kind"] == kind)]).reset_index(drop=True)
