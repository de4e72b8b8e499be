"""Every ICE 287(g) list, every era, into one agreement history.

Eras (told apart by their columns, never by file name):

- ``partners_page``  2007/2008 ICE partners page (stacked CSV): state and agency only.
- ``fact_sheet``     2011-2017 fact-sheet roster (stacked CSV, one list per Wayback capture).
- ``web_table``      2021-2025 ice.gov table (xlsx, sheet "287(g) Agreements"): no TYPE, no COUNTY.
- ``ice_workbook``   ICE's own participating / pending workbooks (2025-02 ->): TYPE, later COUNTY.
- ``stacked_2025``   a third party's re-tabulation of 17 ICE sheets (May-July 2025), no SIGNED.

A row is an agreement (one agency can hold JEM, WSO and TFM rows at once). Values are normalized
through small keyed fix tables in ``data/hand/``; a value no rule or fix covers stops the build
with the file, sheet, row and column named.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import geography, paths
from .fixes import FixError, FixTable, column_letter, location, squash

LIST_ROW_COLUMNS = [
    "list_id", "list_date", "list_kind", "source_file", "sheet", "row", "state", "agency",
    "agency_type", "county_printed", "model", "model_printed", "signed", "moa", "addendum",
]
EXTRA_ROW_COLUMNS = [
    "era", "state_printed", "agency_printed", "agency_type_printed", "signed_printed",
    "agency_key", "agency_id",
]
MODELS = ("JEM", "WSO", "TFM")
MODEL_LABELS = {"JAIL ENFORCEMENT MODEL": "JEM", "WARRANT SERVICE OFFICER": "WSO", "TASK FORCE MODEL": "TFM"}
AGENCY_TYPES = ("County", "Municipality", "State Agency")

# Header text (upper-cased, spaces collapsed) -> field. Anything else in a header row is an error.
HEADER_FIELDS = {
    "STATE": "state", "LAW ENFORCEMENT AGENCY": "agency", "TYPE": "agency_type", "COUNTY": "county",
    "SUPPORT TYPE": "model", "SIGNED": "signed", "MOA": "moa", "ADDENDUM": "addendum",
}
REQUIRED_FIELDS = ("state", "agency", "model")

# Agency-name abbreviations expanded before names are compared (identity is exact after this).
ABBREVIATIONS = {
    "CO": "COUNTY", "CNTY": "COUNTY", "CTY": "COUNTY", "DEPT": "DEPARTMENT", "DEP": "DEPARTMENT",
    "SO": "SHERIFFS OFFICE", "PD": "POLICE DEPARTMENT", "TWP": "TOWNSHIP", "OFC": "OFFICE",
    "SHERIFF S": "SHERIFFS", "DOC": "DEPARTMENT OF CORRECTIONS", "&": "AND", "SHERIFF'S": "SHERIFFS",
}
TIME_OF_DAY_RANK = {"am": 0, "": 1, "mid": 1, "pm": 2}
DROP_SHARE = 1 / 3  # a list losing more than this share of the previous one is suspicious


class ListError(FixError):
    """A raw list that cannot be read as it stands: names file, sheet, row and column."""


def _resolve(where) -> str:
    return where() if callable(where) else where


def _where(source_file: str, sheet: str | None = None, row: int | None = None, column: str | None = None) -> str:
    return location("ice_287g", source_file, sheet, row, column)


# ---------------------------------------------------------------------------------------------
# Hand tables


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
            FixTable.load("blank_state_fixes.csv"), geography.state_lookup(),
        )

    def tables(self) -> list[FixTable]:
        return [self.states, self.models, self.agency_types, self.agency_names, self.aliases, self.dates, self.blank_states]


# ---------------------------------------------------------------------------------------------
# Value normalization (pure functions)


@lru_cache(maxsize=None)
def agency_key(name: str) -> str:
    """Identity key of an agency name: case, punctuation, apostrophes and abbreviations folded."""
    text = squash(name).upper().replace("'", "").replace("&", " AND ")
    tokens = re.sub(r"[^A-Z0-9]+", " ", text).split()
    out = []
    for tok in tokens:
        out.extend(ABBREVIATIONS.get(tok, tok).split())
    return " ".join(out)


def agency_id(state: str, key: str) -> str:
    return f"{state}-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def normalize_state(printed: str, rules: Rules, where) -> str:
    value = squash(printed).upper()
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


# ---------------------------------------------------------------------------------------------
# File names and dates

NAME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})_(.+)$")


@dataclass(frozen=True)
class FileDate:
    list_date: str
    time_of_day: str
    date_basis: str
    name_date: str


def file_date(file_name: str) -> FileDate:
    """The list date (the archive's ``YYYY-MM-DD_`` prefix) and how it was decided."""
    m = NAME_RE.match(file_name)
    if not m:
        raise ListError(f"data/raw/ice_287g/{file_name}: file name lacks the YYYY-MM-DD_ prefix of the archive")
    list_date, original = m.groups()
    stem = original.rsplit(".", 1)[0]
    wayback = re.search(r"-(\d{14})$", stem)
    if wayback:
        ts = wayback.group(1)
        return FileDate(list_date, "", "capture date", f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}")
    named = re.search(r"(\d{7,9})(am|pm|mid)?[A-Za-z]?$", stem)
    tod = (named.group(2) or "") if named else ""
    if named:
        digits = named.group(1)
        name_date = ""
        if len(digits) == 8:
            try:
                name_date = dt.datetime.strptime(digits, "%m%d%Y").date().isoformat()
            except ValueError:
                name_date = ""
        if name_date == list_date:
            return FileDate(list_date, tod, "file name", name_date)
        return FileDate(list_date, tod, f"corrected file name (name reads {digits})", name_date)
    return FileDate(list_date, tod, "archive date", "")


# ---------------------------------------------------------------------------------------------
# Reading one raw file


@dataclass
class ParsedFile:
    rows: pd.DataFrame
    lists: list[dict]
    skipped: list[dict]
    notes: list[str]


def _sheet_header(cells: list) -> list[str]:
    return [squash(c).upper() for c in cells]


def _read_workbook(path: Path, rules: Rules) -> ParsedFile:
    from python_calamine import CalamineWorkbook

    name = path.name
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for zip/xml damage
        raise ListError(f"{_where(name)}: not a readable xlsx workbook ({type(exc).__name__}: {exc})") from None
    chosen = None
    notes = []
    for sheet in wb.sheet_names:
        try:
            cells = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as exc:
            raise ListError(f"{_where(name, sheet)}: unreadable sheet ({type(exc).__name__}: {exc})") from None
        header = _sheet_header(cells[0]) if cells else []
        if "LAW ENFORCEMENT AGENCY" in header or ("STATE" in header and "SUPPORT TYPE" in header):
            if chosen is not None:
                raise ListError(f"{_where(name, sheet)}: a second sheet with a 287(g) header "
                                f"(first was {chosen[0]!r}); which one is the list is ambiguous")
            chosen = (sheet, cells)
        else:
            notes.append(f"sheet {sheet!r} ignored: no 287(g) header (first row {header[:4]})")
    if chosen is None:
        raise ListError(f"{_where(name)}: no sheet has a 287(g) list header "
                        f"(sheets {wb.sheet_names}; an empty sheet has no header row at all)")
    sheet, cells = chosen
    header = _sheet_header(cells[0])
    columns: dict[str, int] = {}
    for i, text in enumerate(header):
        if not text:
            continue
        fieldname = HEADER_FIELDS.get(text)
        if fieldname is None:
            raise ListError(f"{_where(name, sheet, 1, column_letter(i))}: unrecognized column header "
                            f"{cells[0][i]!r} (known: {sorted(HEADER_FIELDS)})")
        if fieldname in columns:
            raise ListError(f"{_where(name, sheet, 1, column_letter(i))}: column {text!r} appears twice")
        columns[fieldname] = i
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        wanted = [k for k, v in HEADER_FIELDS.items() if v in missing]
        raise ListError(f"{_where(name, sheet, 1)}: missing column(s) {wanted}; header is "
                        f"{[c for c in header if c]}")
    kind = "participating" if "signed" in columns else "pending"
    era = "ice_workbook" if "agency_type" in columns else "web_table"
    when = file_date(name)
    list_id = f"{kind}-{when.list_date}{when.time_of_day}"
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
        def at(f, label, row=offset):
            return lambda: _where(name, sheet, row, f"{column_letter(columns[f])} ({label})")

        records.append(_record(
            rules, name, sheet, offset, list_id, when.list_date, kind, era,
            state=(texts["state"], at("state", "STATE")),
            agency=texts["agency"],
            agency_type=(texts.get("agency_type", ""), at("agency_type", "TYPE") if "agency_type" in columns else ""),
            county=texts.get("county", ""),
            model=(texts["model"], at("model", "SUPPORT TYPE")),
            signed=(values.get("signed", ""), at("signed", "SIGNED") if "signed" in columns else ""),
            moa=texts.get("moa", ""), addendum=texts.get("addendum", ""),
        ))
    data_rows = len(cells) - 1
    lst = {"list_id": list_id, "list_date": when.list_date, "time_of_day": when.time_of_day, "list_kind": kind,
           "source_file": name, "sheet": sheet, "era": era, "date_basis": when.date_basis,
           "name_date": when.name_date, "content_as_of": "", "rows": data_rows}
    return ParsedFile(pd.DataFrame(records), [lst], skipped, notes)


def _record(rules: Rules, source_file, sheet, row, list_id, list_date, kind, era, *, state, agency,
            agency_type, county, model, signed, moa, addendum) -> dict:
    state_printed, state_where = state
    code = normalize_state(state_printed, rules, state_where)
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
        "agency_key": key, "agency_id": agency_id(code, key),
    }


def _read_stacked_csv(path: Path, rules: Rules) -> ParsedFile:
    name = path.name
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise ListError(f"{_where(name)}: unreadable CSV ({type(exc).__name__}: {exc})") from None
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
        raise ListError(f"{_where(name)}: stacked CSV of no known layout; columns {list(df.columns)}")
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
                raise ListError(f"{_where(name, None, int(first['_row']), 'date')}: unparseable sheet date {group!r}")
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
                state=(rec[spec["state"]], lambda row=row: _where(name, None, row, spec["state"])),
                agency=agency, agency_type=("", ""), county=squash(rec.get(spec.get("county") or "", "")),
                model=(rec[spec["model"]], lambda row=row: _where(name, None, row, spec["model"]))
                if spec["model"] else ("", ""),
                signed=(rec[spec["signed"]], lambda row=row: _where(name, None, row, spec["signed"]))
                if spec["signed"] else ("", ""),
                moa=squash(rec.get(spec["moa"], "")) if spec["moa"] else "", addendum="",
            ))
        lists.append({"list_id": list_id, "list_date": list_date, "time_of_day": tod, "list_kind": "participating",
                      "source_file": name, "sheet": "", "era": era, "date_basis": basis, "name_date": "",
                      "content_as_of": content_as_of, "rows": len(part)})
    return ParsedFile(pd.DataFrame(records), lists, skipped, [])


def parse_file(path: Path | str, rules: Rules | None = None) -> ParsedFile:
    """Read one raw list file (any era) with its lists, skipped rows and notes."""
    path = Path(path)
    if not path.exists():
        raise ListError(f"{_where(path.name)}: file missing")
    rules = rules or Rules.load()
    parsed = _read_workbook(path, rules) if path.suffix.lower() == ".xlsx" else _read_stacked_csv(path, rules)
    if parsed.rows.empty:
        parsed.rows = pd.DataFrame(columns=LIST_ROW_COLUMNS + EXTRA_ROW_COLUMNS)
    parsed.rows = parsed.rows[LIST_ROW_COLUMNS + EXTRA_ROW_COLUMNS]
    return parsed


def read_list(path: Path | str) -> pd.DataFrame:
    """Any single raw list of any era, from its path alone, as ``list_rows`` columns (plus extras)."""
    return parse_file(path).rows


# ---------------------------------------------------------------------------------------------
# The whole history

LIST_KINDS_READ = ("ice_287g_participating_xlsx", "ice_287g_pending_xlsx", "ice_287g_html_table_xlsx",
                   "ice_287g_derived_csv")
SERIES_ERAS = ("partners_page", "fact_sheet", "web_table", "ice_workbook")


@dataclass
class History:
    list_rows: pd.DataFrame
    lists: pd.DataFrame
    agreements: pd.DataFrame
    agencies: pd.DataFrame
    list_counts: pd.DataFrame
    wapo: pd.DataFrame
    qa: dict[str, pd.DataFrame]


def content_hash(rows: pd.DataFrame) -> str:
    cols = ["state", "agency_key", "agency_type", "county_printed", "model", "signed"]
    lines = sorted("\t".join(map(str, r)) for r in rows[cols].itertuples(index=False, name=None))
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def read_all(rules: Rules | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], list[str]]:
    from . import sources

    rules = rules or Rules.load()
    inv = sources.manifest("ice_287g")
    rows, lists, skipped, notes = [], [], [], []
    for rec in inv.sort_values("file").itertuples(index=False):
        if rec.kind not in LIST_KINDS_READ:
            continue
        parsed = parse_file(paths.raw_dir() / "ice_287g" / rec.file, rules)
        for lst in parsed.lists:
            part = parsed.rows[parsed.rows["list_id"] == lst["list_id"]]
            lst.update(sha256=rec.sha256, manifest_kind=rec.kind, content_hash=content_hash(part))
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


def _order(lists: pd.DataFrame) -> pd.DataFrame:
    return lists.assign(_tod=lists["time_of_day"].map(TIME_OF_DAY_RANK).fillna(1)).sort_values(
        ["list_kind", "list_date", "_tod", "list_id"], kind="mergesort").drop(columns="_tod")


def summarize_lists(list_rows: pd.DataFrame, lists: pd.DataFrame, skipped: list[dict]) -> pd.DataFrame:
    skipped_df = pd.DataFrame(skipped, columns=["source_file", "sheet", "row", "reason", "content"])
    per_list = list_rows.groupby("list_id").agg(
        agreements=("row", "size"), agencies=("agency_id", "nunique"), states=("state", "nunique"))
    out = lists.merge(per_list, left_on="list_id", right_index=True, how="left")
    for c in ("agreements", "agencies", "states"):
        out[c] = out[c].fillna(0).astype("int64")
    skip_counts = skipped_df.groupby(["source_file", "sheet"]).size()
    out["skipped_rows"] = [int(skip_counts.get((f, s), 0)) for f, s in zip(out["source_file"], out["sheet"])]
    # stacked CSV lists share one file: count their skipped rows by list rows instead
    out = _order(out)
    first_with_hash = out.groupby("content_hash")["list_id"].transform("first")
    out["duplicate_of"] = first_with_hash.where(first_with_hash != out["list_id"], "")
    excluded = pd.read_csv(paths.hand_dir() / "excluded_lists.csv", dtype=str, keep_default_na=False)
    out["excluded_reason"] = out["list_id"].map(dict(zip(excluded["list_id"], excluded["reason"]))).fillna("")
    out["in_series"] = out["era"].isin(SERIES_ERAS) & (out["excluded_reason"] == "")
    out["series_note"] = ""
    out.loc[out["era"] == "stacked_2025", "series_note"] = (
        "third-party re-tabulation without SIGNED; counted, but ICE's own workbooks carry the history")
    out.loc[out["excluded_reason"] != "", "series_note"] = "excluded by data/hand/excluded_lists.csv: " + out["excluded_reason"]
    return out


def list_counts_table(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Agreements, agencies and states per list by state x model, with ALL margins."""
    frames = []
    base = list_rows[["list_id", "state", "model", "agency_id"]]
    for state_all in (False, True):
        for model_all in (False, True):
            df = base.copy()
            if state_all:
                df["state"] = "ALL"
            if model_all:
                df["model"] = "ALL"
            else:
                df = df[df["model"] != ""]
            g = df.groupby(["list_id", "state", "model"]).agg(
                agreements=("agency_id", "size"), agencies=("agency_id", "nunique")).reset_index()
            states = base.assign(model=base["model"] if not model_all else "ALL")
            if not model_all:
                states = states[states["model"] != ""]
            if state_all:
                st = states.groupby(["list_id", "model"])["state"].nunique().rename("states").reset_index()
                g = g.merge(st, on=["list_id", "model"], how="left")
            else:
                g["states"] = 1
            frames.append(g)
    counts = pd.concat(frames, ignore_index=True)
    meta = lists[["list_id", "list_date", "list_kind"]]
    empty = meta[~meta["list_id"].isin(counts["list_id"])].assign(state="ALL", model="ALL", agreements=0,
                                                                  agencies=0, states=0)
    counts = counts.merge(meta, on="list_id").pipe(lambda d: pd.concat([d, empty], ignore_index=True))
    cols = ["list_date", "list_kind", "state", "model", "agreements", "agencies", "states", "list_id"]
    return counts[cols].sort_values(["list_kind", "list_date", "list_id", "state", "model"], kind="mergesort",
                                    ignore_index=True)


def agreement_ids(rows: pd.DataFrame) -> pd.Series:
    """An agreement's identity for each list row: agency × model × signing date."""
    return rows["agency_id"] + ":" + rows["model"].replace("", "unknown") + ":" + rows["signed"].replace("", "undated")


def agreement_history(list_rows: pd.DataFrame, lists: pd.DataFrame, gap_days: int = 180) -> pd.DataFrame:
    """One row per agreement across the participating lists of the series."""
    series = _order(lists[lists["in_series"] & (lists["list_kind"] == "participating")])
    order = {lid: i for i, lid in enumerate(series["list_id"])}
    dates = dict(zip(series["list_id"], series["list_date"]))
    rows = list_rows[list_rows["list_id"].isin(order)].copy()
    rows["agreement_id"] = agreement_ids(rows)
    rows["_pos"] = rows["list_id"].map(order)
    g = rows.sort_values("_pos", kind="mergesort").groupby("agreement_id")
    ag = g.agg(agency_id=("agency_id", "first"), state=("state", "first"), agency=("agency", "last"),
               model=("model", "first"), signed=("signed", "first"), first_pos=("_pos", "min"),
               last_pos=("_pos", "max"), lists_seen=("list_id", "nunique")).reset_index()
    ids = series["list_id"].tolist()
    ag["first_listed"] = ag["first_pos"].map(lambda p: dates[ids[p]])
    ag["last_listed"] = ag["last_pos"].map(lambda p: dates[ids[p]])
    newest = len(ids) - 1
    # successor: same agency and model (or a model-less early row), listed again after this one ends
    by_agency = ag.groupby("agency_id")
    status, reason = [], []
    for r in ag.itertuples(index=False):
        if r.last_pos == newest:
            status.append("Active")
            reason.append(f"on the newest list ({dates[ids[newest]]})")
            continue
        later = by_agency.get_group(r.agency_id)
        later = later[(later["first_pos"] > r.last_pos) & ((later["model"] == r.model) | (r.model == ""))]
        next_date = dates[ids[r.last_pos + 1]]
        gap = (pd.Timestamp(next_date) - pd.Timestamp(r.last_listed)).days
        gap_note = f" (archive gap of {gap} days before that list)" if gap > gap_days else ""
        if len(later):
            succ = later.sort_values("first_pos").iloc[0]
            what = f"listed with signing date {succ['signed']}" if r.model else f"listed as {succ['model']}"
            status.append("Superseded")
            reason.append(f"same agency {what} from {succ['first_listed']} ({succ['agreement_id']}){gap_note}")
        else:
            status.append("Removed")
            reason.append(f"absent from the list of {next_date} after {r.last_listed}{gap_note}")
    ag["status"], ag["status_reason"] = status, reason
    cols = ["agreement_id", "agency_id", "state", "agency", "model", "signed", "first_listed", "last_listed",
            "status", "status_reason", "lists_seen"]
    return ag[cols].sort_values("agreement_id", ignore_index=True)


def agency_table(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    series_ids = set(lists.loc[lists["in_series"], "list_id"])
    rows = list_rows[list_rows["list_id"].isin(series_ids)].sort_values(["list_date", "list_id", "row"],
                                                                       kind="mergesort")
    part = rows[rows["list_kind"] == "participating"]
    pend = rows[rows["list_kind"] == "pending"]
    g = rows.groupby("agency_id")
    out = pd.DataFrame({
        "state": g["state"].first(),
        "agency": g["agency"].last(),
        "spellings": g["agency_printed"].agg(lambda s: "; ".join(sorted(set(s)))),
        "agency_type": g["agency_type"].agg(lambda s: next((v for v in reversed(s.tolist()) if v), "")),
    })
    pg = part.groupby("agency_id")
    out["first_listed"] = pg["list_date"].min()
    out["last_listed"] = pg["list_date"].max()
    out["models"] = pg["model"].agg(lambda s: ";".join(m for m in MODELS if m in set(s)))
    out["first_pending"] = pend.groupby("agency_id")["list_date"].min()
    out = out.fillna("").reset_index()
    cols = ["agency_id", "state", "agency", "spellings", "agency_type", "first_listed", "last_listed", "models",
            "first_pending"]
    return out[cols].sort_values("agency_id", ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Quality assurance

MANIFEST_COUNT_RE = re.compile(r"rows=(\d+); JEM=(\d+) \((\d+) states\); WSO=(\d+) \((\d+) states\); "
                               r"TFM=(\d+) \((\d+) states\); states=(\d+)(?: \([^)]*\))?; FL=(\d+); TX=(\d+)")


def manifest_expectations() -> pd.DataFrame:
    """Counts the archive's curators recorded in MANIFEST notes, per single-list file."""
    from . import sources

    inv = sources.manifest("ice_287g")
    out = []
    for rec in inv.itertuples(index=False):
        m = MANIFEST_COUNT_RE.search(rec.notes)
        if m:
            v = list(map(int, m.groups()))
            out.append({"source_file": rec.file, "rows": v[0], "JEM": v[1], "JEM_states": v[2], "WSO": v[3],
                        "WSO_states": v[4], "TFM": v[5], "TFM_states": v[6], "states": v[7], "FL": v[8], "TX": v[9]})
    return pd.DataFrame(out)


def suspicious_drops(lists: pd.DataFrame) -> pd.DataFrame:
    out = []
    for kind, part in _order(lists[lists["era"] != "stacked_2025"]).groupby("list_kind", sort=True):
        prev = None
        for r in part.itertuples(index=False):
            if prev is not None and prev.agreements and r.agreements < (1 - DROP_SHARE) * prev.agreements:
                out.append({"list_id": r.list_id, "list_date": r.list_date, "list_kind": kind,
                            "agreements": r.agreements, "previous_list_id": prev.list_id,
                            "previous_agreements": prev.agreements,
                            "change_pct": round(100 * (r.agreements - prev.agreements) / prev.agreements, 1),
                            "excluded": bool(r.excluded_reason), "excluded_reason": r.excluded_reason})
            prev = r
    cols = ["list_id", "list_date", "list_kind", "agreements", "previous_list_id", "previous_agreements",
            "change_pct", "excluded", "excluded_reason"]
    return pd.DataFrame(out, columns=cols)


def unknown_values(list_rows: pd.DataFrame) -> pd.DataFrame:
    """Every printed value that is not already canonical, with what it became and how often."""
    checks = [
        ("STATE", "state_printed", "state", lambda p, v: squash(p).upper() in (v,) or False),
        ("SUPPORT TYPE", "model_printed", "model", None),
        ("TYPE", "agency_type_printed", "agency_type", None),
        ("LAW ENFORCEMENT AGENCY", "agency_printed", "agency", None),
    ]
    canonical_models = {k.title(): v for k, v in MODEL_LABELS.items()}
    frames = []
    for column, printed, value, _ in checks:
        df = list_rows[[printed, value, "source_file", "row"]].rename(columns={printed: "printed", value: "value"})
        if column == "STATE":
            known = set(geography.state_lookup())
            odd = ~df["printed"].str.upper().isin(known)  # case alone is not worth a row
        elif column == "SUPPORT TYPE":
            odd = ~df["printed"].isin(canonical_models) & (df["printed"] != "")
        elif column == "TYPE":
            odd = ~df["printed"].isin(AGENCY_TYPES) & (df["printed"] != "")
        else:
            odd = df["printed"] != df["value"]
        df = df[odd]
        if df.empty:
            continue
        g = df.groupby(["printed", "value"]).agg(rows=("row", "size"), files=("source_file", "nunique"),
                                                  first_file=("source_file", "min")).reset_index()
        g.insert(0, "column", column)
        frames.append(g)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["column", "printed", "value", "rows", "files", "first_file"])
    return out.rename(columns={"value": "normalized"})


# Words that say what kind of agency a name is, not which one. Two names with the same role and the
# same remaining words (or nearly the same) are worth a human look; they are never merged by code.
ROLE_WORDS = {
    "sheriff": {"SHERIFF", "SHERIFFS"},
    "police": {"POLICE", "PUBLIC", "SAFETY"},
    "corrections": {"CORRECTIONS", "CORRECTION", "CORRECTIONAL", "JAIL", "DETENTION"},
    "marshal": {"MARSHAL", "MARSHALS"},
    "constable": {"CONSTABLE", "CONSTABLES"},
}
GENERIC_WORDS = {"THE", "OF", "AND", "OFFICE", "DEPARTMENT", "COUNTY", "CITY", "TOWN", "VILLAGE", "BOROUGH",
                 "TOWNSHIP", "PARISH", "DIVISION", "BUREAU", "AGENCY", "SERVICES", "FACILITY", "CENTER"}


def name_role_and_core(key: str) -> tuple[str, str]:
    tokens = key.split()
    role = next((r for r, words in ROLE_WORDS.items() if words & set(tokens)), "other")
    noise = GENERIC_WORDS.union(*ROLE_WORDS.values())
    return role, " ".join(t for t in tokens if t not in noise)


def identity_candidates(agencies: pd.DataFrame, list_rows: pd.DataFrame, threshold: float = 0.88) -> pd.DataFrame:
    """Same-state, same-role name pairs the exact rules did not merge but a person should look at."""
    import difflib

    keys = list_rows.drop_duplicates("agency_id").set_index("agency_id")["agency_key"]
    df = agencies[["agency_id", "state", "agency"]].copy()
    df["key"] = df["agency_id"].map(keys)
    df[["role", "core"]] = [name_role_and_core(k) for k in df["key"]]
    out = []
    for (state, role), part in df.groupby(["state", "role"], sort=True):
        recs = part.sort_values("agency_id").to_dict("records")
        for i, a in enumerate(recs):
            for b in recs[i + 1:]:
                why = ""
                if a["core"] and a["core"] == b["core"]:
                    why = f"same {role} name apart from generic words"
                elif min(len(a["core"]), len(b["core"])) >= 5:
                    sm = difflib.SequenceMatcher(None, a["core"], b["core"])
                    if sm.real_quick_ratio() >= threshold and sm.ratio() >= threshold:
                        why = f"similar {role} name (ratio {sm.ratio():.2f})"
                if why:
                    out.append({"state": state, "agency_id_a": a["agency_id"], "agency_a": a["agency"],
                                "agency_id_b": b["agency_id"], "agency_b": b["agency"], "why": why})
    return pd.DataFrame(out, columns=["state", "agency_id_a", "agency_a", "agency_id_b", "agency_b", "why"])


def qa_summary(list_rows, lists, skipped, qa: dict) -> pd.DataFrame:
    checks = []

    def add(check, scope, value, expected, status):
        checks.append({"check": check, "scope": scope, "value": str(value), "expected": str(expected),
                       "status": status})

    counts = list_rows.groupby("list_id").size()
    for r in lists.itertuples(index=False):
        got = int(counts.get(r.list_id, 0))
        if r.era == "fact_sheet" or r.era == "partners_page" or r.era == "stacked_2025":
            want = r.rows - r.skipped_rows if r.sheet else None
        else:
            want = r.rows - r.skipped_rows
        if want is not None:
            add("agreements_equal_raw_rows_minus_skipped", r.list_id, got, want, "pass" if got == want else "fail")
        if r.rows - r.skipped_rows == 0:
            add("empty_list", r.list_id, 0, "header only: a valid empty list", "info")
    expected = manifest_expectations()
    by_file = list_rows.groupby("source_file")
    for e in expected.itertuples(index=False):
        if e.source_file not in by_file.groups:
            got = {k: 0 for k in ("rows", "JEM", "WSO", "TFM", "FL", "TX", "states")}
        else:
            df = by_file.get_group(e.source_file)
            got = {"rows": len(df), "FL": int((df["state"] == "FL").sum()), "TX": int((df["state"] == "TX").sum()),
                   "states": int(df["state"].nunique())}
            for m in MODELS:
                got[m] = int((df["model"] == m).sum())
        for k in ("rows", "JEM", "WSO", "TFM", "FL", "TX", "states"):
            want = getattr(e, k)
            add(f"manifest_{k}", e.source_file, got[k], want, "pass" if got[k] == want else "fail")
    add("skipped_rows", "all lists", len(skipped), "reported in data/qa/skipped_rows.csv", "info")
    add("unknown_values", "all lists", len(qa["unknown_values"]), "each normalized by a rule or fix", "info")
    add("suspicious_drops", "all lists", len(qa["suspicious_drops"]),
        "flagged; excluded only via data/hand/excluded_lists.csv", "info")
    add("identity_candidates", "agencies", len(qa["identity_candidates"]), "reviewed by hand; never auto-merged",
        "info")
    add("unused_fixes", "data/hand", len(qa["unused_fixes"]), 0, "pass" if qa["unused_fixes"].empty else "info")
    dup_rows = list_rows.duplicated(["list_id", "agency_id", "model", "signed"]).sum()
    add("duplicate_agreement_rows", "all lists", int(dup_rows), "same agency, model and date twice on one list",
        "info")
    return pd.DataFrame(checks, columns=["check", "scope", "value", "expected", "status"])


def build_history() -> History:
    rules = Rules.load()
    list_rows, lists, skipped, notes = read_all(rules)
    lists = summarize_lists(list_rows, lists, skipped)
    agreements = agreement_history(list_rows, lists)
    agencies = agency_table(list_rows, lists)
    counts = list_counts_table(list_rows, lists)
    wapo = wapo_flags(rules)
    qa = {
        "skipped_rows": pd.DataFrame(skipped, columns=["source_file", "sheet", "row", "reason", "content"]),
        "unknown_values": unknown_values(list_rows),
        "suspicious_drops": suspicious_drops(lists),
        "identity_candidates": identity_candidates(agencies, list_rows),
        "unused_fixes": pd.DataFrame([u for t in rules.tables() for u in t.unused()],
                                     columns=["table", "state", "value", "fix"]),
    }
    qa["qa_summary"] = qa_summary(list_rows, lists, skipped, qa)
    qa["notes"] = pd.DataFrame({"note": notes})
    return History(list_rows, lists, agreements, agencies, counts, wapo, qa)


LIST_COLUMNS = ["list_id", "list_date", "list_kind", "source_file", "sha256", "content_hash", "rows", "agreements",
                "agencies", "states", "era", "date_basis", "duplicate_of", "time_of_day", "sheet", "name_date",
                "content_as_of", "skipped_rows", "in_series", "series_note", "manifest_kind"]


def write_history(history: History) -> None:
    """Write every processed and QA table; stop (after writing QA) if any QA check fails."""
    from . import writers

    proc, qa_dir = paths.processed_dir(), paths.qa_dir()
    writers.write_csv(history.list_rows, proc / "list_rows.csv", sort_by=["list_kind", "list_date", "list_id", "row"])
    writers.write_csv(history.lists[LIST_COLUMNS], proc / "lists.csv", sort_by=["list_kind", "list_date", "list_id"])
    writers.write_csv(history.agreements, proc / "agreements.csv", sort_by=["agreement_id"])
    writers.write_csv(history.agencies, proc / "agencies.csv", sort_by=["agency_id"])
    writers.write_csv(history.list_counts, proc / "list_counts.csv",
                      sort_by=["list_kind", "list_date", "list_id", "state", "model"])
    writers.write_csv(history.wapo, proc / "wapo_agency_years.csv", sort_by=["state", "agency_id", "year", "row"])
    sort_keys = {"skipped_rows": ["source_file", "sheet", "row"], "unknown_values": ["column", "printed", "normalized"],
                 "suspicious_drops": ["list_kind", "list_date"], "identity_candidates": ["state", "agency_id_a",
                                                                                         "agency_id_b"],
                 "unused_fixes": ["table", "state", "value"], "qa_summary": ["check", "scope"]}
    for name, keys in sort_keys.items():
        writers.write_csv(history.qa[name], qa_dir / f"{name}.csv", sort_by=keys)
    failed = history.qa["qa_summary"].query("status == 'fail'")
    if len(failed):
        raise ListError(f"{len(failed)} QA check(s) failed (see data/qa/qa_summary.csv):\n"
                        + failed.head(20).to_string(index=False))


# ---------------------------------------------------------------------------------------------
# Query API over the processed tables


@lru_cache(maxsize=8)
def _processed(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def processed(name: str) -> pd.DataFrame:
    """A processed table: from this run's output folder if it wrote one (a report run), else the committed one."""
    for base in (paths.processed_dir(), paths.project_root() / "data" / "processed"):
        if (base / name).exists():
            return _processed(str(base / name))
    raise FileNotFoundError(f"data/processed/{name} is missing: run `make all` (notebook 01_agreement_history)")


def _series(kind: str) -> pd.DataFrame:
    lists = processed("lists.csv")
    lists = lists[(lists["list_kind"] == kind) & (lists["in_series"] == "True")]
    return _order(lists)


def _list_for(as_of, kind: str) -> pd.Series:
    if kind not in ("participating", "pending"):
        raise ValueError(f"kind must be 'participating' or 'pending', not {kind!r}")
    as_of = pd.Timestamp(as_of).date().isoformat()
    series = _series(kind)
    before = series[series["list_date"] <= as_of]
    if before.empty:
        raise ValueError(f"no {kind} list is dated on or before {as_of} (first is {series['list_date'].min()})")
    return before.iloc[-1]


def list_in_force(as_of, kind: str = "participating") -> tuple[str, str]:
    """``(list_date, source_file)`` of the newest list of ``kind`` dated on or before ``as_of``."""
    row = _list_for(as_of, kind)
    return row["list_date"], row["source_file"]


def parse_states(state: str) -> list[str]:
    lookup = geography.state_lookup()
    out = []
    for part in str(state).split(";"):
        key = squash(part).upper()
        if key not in lookup:
            raise ValueError(f"unknown state {part!r}")
        out.append(lookup[key])
    return out


def count(as_of, *, model=None, state=None, unit="agreements", kind="participating") -> int:
    """Agreements, agencies or states on the list in force at ``as_of`` (territories count as states)."""
    if unit not in ("agreements", "agencies", "states"):
        raise ValueError(f"unit must be agreements, agencies or states, not {unit!r}")
    lst = _list_for(as_of, kind)
    rows = processed("list_rows.csv")
    rows = rows[rows["list_id"] == lst["list_id"]]
    if model:
        model = str(model).upper()
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, not {model!r}")
        rows = rows[rows["model"] == model]
    if state:
        rows = rows[rows["state"].isin(parse_states(state))]
    if unit == "agreements":
        return int(len(rows))
    return int(rows["agency_id"].nunique() if unit == "agencies" else rows["state"].nunique())


# ---------------------------------------------------------------------------------------------
# Tables behind the charts (pure functions of the processed tables)


def series_lists(lists: pd.DataFrame, kind: str = "participating") -> pd.DataFrame:
    lists = lists.copy()
    lists["in_series"] = lists["in_series"].astype(str) == "True"
    return _order(lists[lists["in_series"] & (lists["list_kind"] == kind)]).reset_index(drop=True)


def gap_segments(dates: pd.Series, gap_days: int = 180) -> pd.Series:
    """Segment number per (sorted) date, changing after every gap longer than ``gap_days``: charts draw
    each segment separately so no line bridges a stretch the archive does not cover."""
    return (pd.to_datetime(dates).diff().dt.days.fillna(0) > gap_days).cumsum().astype("int64")


def series_segments(lists: pd.DataFrame, gap_days: int = 180) -> pd.DataFrame:
    """The participating series, one list per day (the day's last), with its ``gap_segments`` number."""
    series = series_lists(lists).drop_duplicates("list_date", keep="last")
    return series.assign(segment=gap_segments(series["list_date"], gap_days))


def is_newest(as_of) -> bool:
    """Whether an ``as_of`` parameter asks for the newest list or release rather than a date."""
    return str(as_of).lower() in ("newest", "latest", "none", "")


def timeline(lists: pd.DataFrame, counts: pd.DataFrame, gap_days: int = 180) -> pd.DataFrame:
    """Agreements by model on every participating list, with a ``segment`` number that changes at
    each archive gap longer than ``gap_days`` (charts draw segments separately, never bridging)."""
    series = series_segments(lists, gap_days)
    c = counts[(counts["state"] == "ALL") & counts["list_id"].isin(series["list_id"])]
    c = c.assign(agreements=c["agreements"].astype("int64"))
    out = c.merge(series[["list_id", "era", "segment"]], on="list_id")
    return out[["list_date", "list_id", "era", "segment", "model", "agreements"]].sort_values(
        ["list_date", "model"], ignore_index=True)


def state_model_table(list_rows: pd.DataFrame, list_id: str) -> pd.DataFrame:
    """Agreements per state on one list, one column per model, ranked by total."""
    rows = list_rows[list_rows["list_id"] == list_id]
    table = pd.crosstab(rows["state"], rows["model"]).reindex(columns=list(MODELS), fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.reset_index().sort_values(["total", "state"], ascending=[False, True], ignore_index=True)
    table.insert(0, "rank", table["total"].rank(method="min", ascending=False).astype("int64"))
    return table


def monthly_changes(agreements: pd.DataFrame, lists: pd.DataFrame, gap_days: int = 180) -> pd.DataFrame:
    """Per month: agreements first listed, and agreements that disappeared (Removed or Superseded),
    dated by the first list that no longer shows them. ``after_gap`` marks months whose first list
    follows an archive gap, where additions and removals pile up from the unseen stretch."""
    series = series_lists(lists)
    dates = series["list_date"].drop_duplicates().tolist()
    nxt = {d: dates[i + 1] for i, d in enumerate(dates[:-1])}
    gap_after = {d: (pd.Timestamp(dates[i]) - pd.Timestamp(dates[i - 1])).days > gap_days
                 for i, d in enumerate(dates) if i}
    first_date = dates[0]
    added = agreements[agreements["first_listed"] != first_date].assign(event_date=agreements["first_listed"],
                                                                        change="added")
    gone = agreements[agreements["status"].isin(["Removed", "Superseded"])]
    gone = gone.assign(event_date=gone["last_listed"].map(nxt), change=gone["status"].str.lower())
    events = pd.concat([added, gone], ignore_index=True)
    events["after_gap"] = events["event_date"].map(gap_after).fillna(False).astype(bool)
    events["month"] = events["event_date"].str[:7]
    out = events.groupby(["month", "change"]).agg(agreements=("agreement_id", "size"),
                                                 after_gap=("after_gap", "any")).reset_index()
    return out.sort_values(["month", "change"], ignore_index=True)


def compare_lists(list_rows: pd.DataFrame, before_id: str, after_id: str) -> pd.DataFrame:
    """Agreement-level differences between two lists: added, removed, model_changed, signed_changed.

    Rows are matched on agency and model (then agency alone for a model change); an agency-and-model
    pair whose signing date differs is ``signed_changed``.
    """
    cols = ["agency_id", "state", "agency", "model", "signed"]
    a = list_rows.loc[list_rows["list_id"] == before_id, cols].drop_duplicates()
    b = list_rows.loc[list_rows["list_id"] == after_id, cols].drop_duplicates()
    m = a.merge(b, on=["agency_id", "model"], how="outer", suffixes=("_before", "_after"), indicator=True)
    out = []
    both = m[m["_merge"] == "both"]
    for r in both[both["signed_before"] != both["signed_after"]].itertuples(index=False):
        out.append({"change": "signed_changed", "agency_id": r.agency_id, "state": r.state_after,
                    "agency": r.agency_after, "model_before": r.model, "model_after": r.model,
                    "signed_before": r.signed_before, "signed_after": r.signed_after})
    left = m[m["_merge"] == "left_only"]
    right = m[m["_merge"] == "right_only"]
    # an agency that lost one model and gained another, with one row each side, changed model
    l_one = left.groupby("agency_id").filter(lambda g: len(g) == 1)
    r_one = right.groupby("agency_id").filter(lambda g: len(g) == 1)
    switched = set(l_one["agency_id"]) & set(r_one["agency_id"])
    for r in left.itertuples(index=False):
        if r.agency_id in switched:
            new = r_one[r_one["agency_id"] == r.agency_id].iloc[0]
            out.append({"change": "model_changed", "agency_id": r.agency_id, "state": r.state_before,
                        "agency": new["agency_after"], "model_before": r.model, "model_after": new["model"],
                        "signed_before": r.signed_before, "signed_after": new["signed_after"]})
        else:
            out.append({"change": "removed", "agency_id": r.agency_id, "state": r.state_before,
                        "agency": r.agency_before, "model_before": r.model, "model_after": "",
                        "signed_before": r.signed_before, "signed_after": ""})
    for r in right.itertuples(index=False):
        if r.agency_id not in switched:
            out.append({"change": "added", "agency_id": r.agency_id, "state": r.state_after,
                        "agency": r.agency_after, "model_before": "", "model_after": r.model,
                        "signed_before": "", "signed_after": r.signed_after})
    cols_out = ["change", "state", "agency", "agency_id", "model_before", "model_after", "signed_before",
                "signed_after"]
    return pd.DataFrame(out, columns=cols_out).sort_values(["change", "state", "agency_id", "model_before",
                                                           "model_after"], ignore_index=True)


def list_id_for(lists: pd.DataFrame, as_of, kind: str = "participating") -> str:
    """The series list in force at ``as_of`` (``newest`` for the newest list)."""
    series = series_lists(lists, kind)
    if is_newest(as_of):
        return series.iloc[-1]["list_id"]
    as_of = pd.Timestamp(as_of).date().isoformat()
    before = series[series["list_date"] <= as_of]
    if before.empty:
        raise ValueError(f"no {kind} list on or before {as_of}")
    return before.iloc[-1]["list_id"]


def resolve_list(lists: pd.DataFrame, spec: str, kind: str = "participating") -> str:
    """A list id from a notebook parameter: ``newest``, ``first-YYYY`` (first list of that year) or a
    date (the list in force on that date)."""
    spec = str(spec).strip()
    m = re.fullmatch(r"first-(\d{4})", spec)
    if m:
        series = series_lists(lists, kind)
        hit = series[series["list_date"].str[:4] == m.group(1)]
        if hit.empty:
            raise ValueError(f"no {kind} list dated in {m.group(1)}")
        return hit.iloc[0]["list_id"]
    return list_id_for(lists, spec, kind)


def changes_by_state(changes: pd.DataFrame) -> pd.DataFrame:
    kinds = ["added", "removed", "model_changed", "signed_changed"]
    table = pd.crosstab(changes["state"], changes["change"]).reindex(columns=kinds, fill_value=0)
    table["net"] = table["added"] - table["removed"]
    return table.reset_index().sort_values(["net", "state"], ascending=[False, True], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Secondary source: the Washington Post's curated list of agencies with a flag per year


WAPO_KIND = "wapo_287g_curated_derived_xlsx"
WAPO_SOURCE = "Washington Post, wpinvestigative/sheriffs_287g (secondary source, not an ICE list)"


def read_wapo_flags(path: Path | str, rules: Rules | None = None) -> pd.DataFrame:
    """One row per agency and flagged year: ``source, source_file, row, state, agency, agency_id,
    sheriff, county_fips, section, year``. The agency name sits in the workbook's ``County`` column;
    the sheet's second section (after a sub-header row) lists agencies that ended their agreements."""
    path = Path(path)
    rules = rules or Rules.load()
    df = pd.read_excel(path, engine="calamine", dtype=str).fillna("")
    need = {"State", "County", "Sheriff", "FIPS"}
    if not need <= set(df.columns):
        raise ListError(f"{_where(path.name, 'Sheet1', 1)}: WaPo list lacks column(s) {sorted(need - set(df.columns))}")
    years = [c for c in df.columns if re.fullmatch(r"y\d{4}", c)]
    out = []
    section = "participating in 2019 or earlier"
    for i, r in enumerate(df.to_dict("records"), start=2):
        if not any(squash(v) for v in r.values()):
            continue  # the blank row between the sheet's two sections
        if squash(r["State"]).upper().startswith("STATE ("):
            section = squash(r["County"]).lower() or "second section"  # the sheet's sub-header row
            continue
        flagged = [int(y[1:]) for y in years if squash(r[y]).upper() == "X"]
        if not flagged:
            continue  # listed without any year flag (e.g. sub-rows of a regional jail): no year to record
        name = squash(r["County"])
        printed_state = squash(r["State"]) or rules.blank_states.apply(name)
        state = normalize_state(printed_state, rules, lambda i=i: _where(path.name, "Sheet1", i, "State"))
        key = agency_key(rules.aliases.apply(name, state))
        fips = squash(r["FIPS"]).split(".")[0]
        for year in flagged:
            out.append({"source": WAPO_SOURCE, "source_file": path.name, "row": i, "state": state,
                        "agency": name, "agency_id": agency_id(state, key), "sheriff": squash(r["Sheriff"]),
                        "county_fips": fips.zfill(5) if fips else "", "section": section, "year": year})
    return pd.DataFrame(out)


def wapo_flags(rules: Rules | None = None) -> pd.DataFrame:
    from . import sources

    inv = sources.manifest("ice_287g")
    files = inv.loc[inv["kind"] == WAPO_KIND, "file"].sort_values()
    frames = [read_wapo_flags(paths.raw_dir() / "ice_287g" / f, rules) for f in files]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def wapo_vs_lists(flags: pd.DataFrame, list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Per year: agencies the Post flags, and agencies on the last ICE list of that year (if any)."""
    series = series_lists(lists)
    last = series.assign(year=series["list_date"].str[:4].astype(int)).drop_duplicates("year", keep="last")
    on_list = list_rows[list_rows["list_id"].isin(last["list_id"])].merge(last[["list_id", "year"]], on="list_id")
    ice = on_list.groupby("year")["agency_id"].nunique().rename("agencies_on_last_ice_list")
    both = on_list.merge(flags[["year", "agency_id"]].drop_duplicates(), on=["year", "agency_id"])
    matched = both.groupby("year")["agency_id"].nunique().rename("flagged_and_on_ice_list")
    wapo = flags.groupby("year")["agency_id"].nunique().rename("wapo_flagged_agencies")
    out = pd.concat([wapo, ice, matched], axis=1).fillna(0).astype("int64").reset_index()
    out = out.merge(last[["year", "list_date"]].rename(columns={"list_date": "last_ice_list"}), on="year", how="left")
    return out.fillna({"last_ice_list": ""}).sort_values("year", ignore_index=True)


def milestones(lists: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The program's history in numbers, every one read from the lists: one row per milestone with
    the list it comes from. Used by the program-history notebook, never typed by hand."""
    series = series_lists(lists)
    c = counts[(counts["state"] == "ALL")].copy()
    c["agreements"] = c["agreements"].astype(int)
    wide = c.pivot_table(index="list_id", columns="model", values="agreements", aggfunc="sum").fillna(0).astype(int)
    s = series.merge(wide, left_on="list_id", right_index=True, how="left").fillna({m: 0 for m in MODELS})
    for m in MODELS:
        s[m] = s[m].astype(int)
    rows = []

    def add(key, label, r):
        rows.append({"milestone": key, "label": label, "list_id": r["list_id"], "list_date": r["list_date"],
                     "era": r["era"], "agreements": int(r["ALL"]), "JEM": int(r["JEM"]), "WSO": int(r["WSO"]),
                     "TFM": int(r["TFM"])})

    add("first_archived_list", "first archived list (ICE partners page)", s.iloc[0])
    fact = s[s["era"] == "fact_sheet"]
    add("first_fact_sheet", "first fact-sheet roster capture", fact.iloc[0])
    no_tfm = fact[fact["TFM"] == 0]
    if len(no_tfm):
        add("task_forces_gone", "first roster without task-force agreements", no_tfm.iloc[0])
    low = fact.loc[fact["ALL"].idxmin()]
    add("fact_sheet_low", "fewest agreements on the roster", low)
    add("last_before_gap", "last list before the 2017-2021 gap", s[s["list_date"] < "2021-01-01"].iloc[-1])
    wso = s[s["WSO"] > 0]
    if len(wso):
        add("first_wso_list", "first archived list with Warrant Service Officer agreements", wso.iloc[0])
    before_2025 = s[s["list_date"] < "2025-01-21"]
    add("start_of_2025", "last list before 2025-01-20", before_2025.iloc[-1])
    tfm_back = s[(s["TFM"] > 0) & (s["list_date"] >= "2021-01-01")]
    if len(tfm_back):
        add("task_forces_back", "first list with task-force agreements again", tfm_back.iloc[0])
    add("newest", "newest list", s.iloc[-1])
    return pd.DataFrame(rows)
