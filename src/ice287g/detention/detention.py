"""ICE detentionStats workbooks (FY2019 ->) into tidy tables, checked against TRAC's own tables.

Layouts differ by year (sheet names, header rows, trailing columns; see docs/detention_layouts.md),
so every table is found by its header text, never by position. An unrecognized layout stops with
the file and sheet named; a bad cell stops with file, sheet, row and column.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from ..archive import cache, manifests
from ..core import hand, paths
from ..core.messages import FixError, column_letter, location
from ..core.text import squash
from ..core.vocab import GAP_DAYS, MODELS
from ..history import asof
from ..tables.qa import check_row
from .facility_places import FACILITY_OUTPUT, by_state, place_facilities, unplaced_facilities
from .trac import trac_facilities, trac_facility_check, trac_population
from ..tables import stage_commit
from ..tables.stage_commit import Table

WORKBOOK_KIND = "ice_detentionStats_workbook_xlsx"
# Bump when reading a workbook changes in a way this package's code does not show (the parse cache's
# key also hashes the code, so an edit here or in a module it imports re-reads every workbook anyway).
READER_VERSION = 1
# A fiscal year's last release stands for the year-end only this close to 30 September (ICE's
# year-end releases come out within weeks of it); a later or earlier one is flagged, never used as such.
FY_END_WINDOW_DAYS = 45
FY_LAST_DAY = (9, 30)  # the federal fiscal year runs October to September
FY_LAST_DAY_TEXT = pd.Timestamp(2000, *FY_LAST_DAY).strftime("%d %B").lstrip("0")
SUPERSEDED_FILE = "superseded_files.csv"
SUPERSEDED_COLUMNS = ["source", "file", "superseded_by", "reason"]
LEVELS = ("Level A", "Level B", "Level C", "Level D")
FACILITY_COLUMNS = {  # header text -> output column; every one is required
    "Name": "facility", "City": "city", "State": "state", "Zip": "zip", "Type Detailed": "facility_type",
    "Level A": "adp_level_a", "Level B": "adp_level_b", "Level C": "adp_level_c", "Level D": "adp_level_d",
    "Guaranteed Minimum": "guaranteed_minimum",
}
DETAINED_TITLE = "criminality and arresting agency"
DETAINED_ROWS = {"Total": "all", "Convicted Criminal": "conv", "Pending Criminal Charges": "pend",
                 "Other Immigration Violator": "other"}
BLANKS = {"", "*", "N/A", "NA", "#N/A"}


class DetentionError(FixError):
    """A detention workbook that cannot be read as it stands."""


def _where(file: str, sheet: str | None = None, row: int | None = None, column: str | None = None) -> str:
    return location("ice_detention", file, sheet, row, column)


def fiscal_year_of_sheet(name: str) -> int | None:
    m = re.search(r"FY\s*(\d{2,4})", name.upper())
    if not m:
        return None
    year = int(m.group(1))
    return year + 2000 if year < 100 else year


def _number(value, where) -> float | None:
    """A numeric cell; blank-like values are None; anything else stops with its location."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = squash(value)
    if text.upper() in BLANKS:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise DetentionError(f"{where()}: not a number: {value!r}") from None


def _zip(value) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value)).zfill(5)
    text = squash(value)
    return text.zfill(5) if text.isdigit() else text


def _unreadable(file: str, exc: Exception) -> DetentionError:
    return DetentionError(f"{_where(file)}: not a readable xlsx workbook ({type(exc).__name__}: {exc})")


class Sheets(Mapping):
    """A workbook's sheets by name (in workbook order), each read on first use: a release is read from
    three of its ten or so sheets, and loading a sheet is most of the cost of a parse."""

    def __init__(self, book, file: str):
        self._book, self._file, self._names, self._cells = book, file, list(book.sheet_names), {}

    def __getitem__(self, name: str) -> list:
        if name not in self._cells:
            if name not in self._names:
                raise KeyError(name)
            try:
                self._cells[name] = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            except Exception as exc:
                raise _unreadable(self._file, exc) from None
        return self._cells[name]

    def __iter__(self):
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass
class Workbook:
    """An open workbook. Path-like (its file): what names a workbook by its path names an open one too."""
    file: str
    sheets: Mapping
    path: Path | None = None

    def __fspath__(self) -> str:
        return str(self.path if self.path is not None else self.file)

    @classmethod
    def open(cls, path: Path) -> Workbook:
        manifests.check_workbook(path, DetentionError, _where(path.name))
        try:
            sheets = Sheets(CalamineWorkbook.from_path(str(path)), path.name)
        except Exception as exc:
            raise _unreadable(path.name, exc) from None
        return cls(path.name, sheets, path)

    def facilities_sheet(self) -> str:
        hits = [s for s in self.sheets if s.strip().lower().startswith("facilities")]
        if len(hits) != 1:
            raise DetentionError(f"{_where(self.file)}: expected one 'Facilities…' sheet, found {hits} "
                                 f"(sheets: {list(self.sheets)})")
        return hits[0]

    def detention_sheet(self, fiscal_year: int) -> str:
        hits = [s for s in self.sheets if s.strip().lower().startswith("detention")
                and fiscal_year_of_sheet(s) == fiscal_year]
        if len(hits) != 1:
            raise DetentionError(f"{_where(self.file)}: expected one 'Detention' sheet for FY{fiscal_year}, "
                                 f"found {hits} (sheets: {list(self.sheets)})")
        return hits[0]


def _opened(source: Path | str | Workbook) -> Workbook:
    return source if isinstance(source, Workbook) else Workbook.open(Path(source))


def read_facilities(source: Path | str | Workbook) -> tuple[pd.DataFrame, dict]:
    """Facility rows of one workbook (``detention_facilities`` columns) and facts about the sheet;
    ``source`` is the workbook's path, or the workbook already open."""
    wb = _opened(source)
    sheet = wb.facilities_sheet()
    cells = wb.sheets[sheet]
    header_at = next((i for i, r in enumerate(cells) if r and squash(r[0]) == "Name"), None)
    if header_at is None:
        raise DetentionError(f"{_where(wb.file, sheet)}: no header row (a row whose column A is 'Name')")
    header = [squash(c) for c in cells[header_at]]
    columns = {}
    for text, out in FACILITY_COLUMNS.items():
        if header.count(text) != 1:
            raise DetentionError(f"{_where(wb.file, sheet, header_at + 1)}: column {text!r} "
                                 f"{'missing' if not header.count(text) else 'repeated'}; header is "
                                 f"{[h for h in header if h]}")
        columns[out] = header.index(text)
    pulled = ""
    for r in cells[:header_at]:
        m = re.search(r"IIDS\)?,?\s*(\d{1,2}/\d{1,2}/\d{4})", squash(r[0]) if r else "")
        if m:
            pulled = pd.to_datetime(m.group(1), format="%m/%d/%Y").date().isoformat()
    rows, footnotes, blank_state = [], 0, 0
    for i, raw in enumerate(cells[header_at + 1:], start=header_at + 2):
        get = lambda col: raw[columns[col]] if columns[col] < len(raw) else ""  # noqa: E731
        name = squash(get("facility"))
        place = [squash(get(c)) for c in ("city", "state", "zip", "facility_type")]
        if not name and not any(place):
            continue
        if not any(place):
            footnotes += 1  # footnote text below the table, in column A only
            continue
        rec = {"facility": name, "city": place[0], "state": place[1], "zip": _zip(get("zip")),
               "facility_type": place[3], "sheet": sheet, "row": i}
        for out, col in (("adp_level_a", "adp_level_a"), ("adp_level_b", "adp_level_b"),
                         ("adp_level_c", "adp_level_c"), ("adp_level_d", "adp_level_d"),
                         ("guaranteed_minimum", "guaranteed_minimum")):
            label = next(k for k, v in FACILITY_COLUMNS.items() if v == col)
            rec[out] = _number(get(col), lambda i=i, label=label, col=col: _where(
                wb.file, sheet, i, f"{column_letter(columns[col])} ({label})"))
        blank_state += not rec["state"]
        rows.append(rec)
    if not rows:
        raise DetentionError(f"{_where(wb.file, sheet)}: header found on row {header_at + 1} but no facility rows")
    df = pd.DataFrame(rows)
    levels = df[["adp_level_a", "adp_level_b", "adp_level_c", "adp_level_d"]]
    df["adp_total"] = levels.sum(axis=1, min_count=1)
    facts = {"source_file": wb.file, "sheet": sheet, "header_row": header_at + 1, "facilities": len(df),
             "iids_date": pulled, "footnote_rows": footnotes, "blank_state": blank_state,
             "blank_levels": int(levels.isna().all(axis=1).sum()), "fiscal_year": fiscal_year_of_sheet(sheet)}
    return df, facts


def read_detained(source: Path | str | Workbook, fiscal_year: int) -> dict:
    """The 'ICE Currently Detained by Criminality and Arresting Agency' table of one workbook,
    as TRAC names its fields (ice_all, cbp_conv, ...), with the snapshot date from the Footnotes;
    ``source`` is the workbook's path, or the workbook already open."""
    wb = _opened(source)
    sheet = wb.detention_sheet(fiscal_year)
    cells = wb.sheets[sheet]
    spot = next(((i, j) for i, r in enumerate(cells) for j, c in enumerate(r)
                 if DETAINED_TITLE in squash(c).lower()), None)
    if spot is None:
        raise DetentionError(f"{_where(wb.file, sheet)}: no table titled '…{DETAINED_TITLE}…'")
    top, left = spot
    header = [squash(c) for c in cells[top + 1][left:left + 6]]
    want = ["Criminality", "ICE", "Percent ICE", "CBP", "Percent CBP", "Total"]
    if header != want:
        raise DetentionError(f"{_where(wb.file, sheet, top + 2)}: currently-detained header is {header}, "
                             f"expected {want}")
    out = {"source_file": wb.file, "sheet": sheet, "row": top + 3}
    for i in range(top + 2, top + 6):
        label = squash(cells[i][left])
        key = DETAINED_ROWS.get(label)
        if key is None:
            raise DetentionError(f"{_where(wb.file, sheet, i + 1, column_letter(left))}: unexpected row label {label!r}")
        for agency, col in (("ice", 1), ("cbp", 3), ("total", 5)):
            value = _number(cells[i][left + col], lambda i=i, col=col: _where(wb.file, sheet, i + 1,
                                                                             column_letter(left + col)))
            out[f"{agency}_{key}"] = int(round(value)) if value is not None else None
    out["table_date"] = snapshot_date(wb)
    return out


def snapshot_date(wb: Workbook) -> str:
    """The date the Footnotes give for the currently-detained snapshot ('' when they give none)."""
    for name in wb.sheets:
        if name.strip().lower().startswith("footnotes") and name.strip().lower() == "footnotes":
            for r in wb.sheets[name]:
                for c in r:
                    m = re.search(r"snapshot as (?:of )?(\d\d/\d\d/\d{4})", squash(c))
                    if m:
                        return pd.to_datetime(m.group(1), format="%m/%d/%Y").date().isoformat()
    return ""


# ---------------------------------------------------------------------------------------------
# All releases


def superseded(source: str = "ice_detention") -> pd.DataFrame:
    """Rows of ``data/hand/superseded_files.csv`` for ``source``: raw files kept for provenance but not read,
    each with the file that replaces it and why."""
    df = hand.read_hand_table(SUPERSEDED_FILE, missing_ok=True, error=DetentionError)
    if df is None:
        return pd.DataFrame(columns=SUPERSEDED_COLUMNS)
    missing = [c for c in SUPERSEDED_COLUMNS if c not in df.columns]
    if missing:
        raise DetentionError(f"data/hand/{SUPERSEDED_FILE}: missing column(s) {missing}")
    for i, r in zip(hand.lines(df), df.itertuples(index=False)):
        if not (r.source and r.file and r.superseded_by and r.reason.strip()):
            raise DetentionError(f"data/hand/{SUPERSEDED_FILE} line {i}: source, file, superseded_by and reason "
                                 "are all required")
    return df[df["source"] == source].reset_index(drop=True)


def workbooks() -> pd.DataFrame:
    """The detentionStats workbooks to read: every one in the manifest but those superseded by a hand row."""
    inv = manifests.manifest("ice_detention")
    books = inv[inv["kind"] == WORKBOOK_KIND]
    books = books[~books["file"].isin(superseded()["file"])]
    return books.sort_values("file", ignore_index=True)


def days_from_sep30(release_date: str, fiscal_year: int) -> int:
    """Days from 30 September of ``fiscal_year`` (its last day) to ``release_date``; negative before it."""
    return (pd.Timestamp(release_date) - pd.Timestamp(int(fiscal_year), *FY_LAST_DAY)).days


def year_ends(releases: pd.DataFrame) -> pd.DataFrame:
    """``releases`` with ``fy_latest`` (newest release of its fiscal year), ``days_from_sep30`` and ``fy_end``:
    the year-end figure is the year's last release, once a later year's release shows the year is over,
    and only if it falls within ``FY_END_WINDOW_DAYS`` of 30 September; otherwise ``fy_end_flag`` says why not."""
    out = releases.copy()
    last = out.groupby("fiscal_year")["release_date"].transform("max")
    out["fy_latest"] = out["release_date"] == last
    out["days_from_sep30"] = [days_from_sep30(d, y) for d, y in zip(out["release_date"], out["fiscal_year"])]
    over = out["fiscal_year"] < out["fiscal_year"].max()
    near = out["days_from_sep30"].abs() <= FY_END_WINDOW_DAYS
    out["fy_end"] = out["fy_latest"] & over & near
    out["fy_end_flag"] = ""
    far = out["fy_latest"] & over & ~near
    out.loc[far, "fy_end_flag"] = [
        f"not a true year-end: the year's last archived release is {abs(d)} days "
        f"{'before' if d < 0 else 'after'} {FY_LAST_DAY_TEXT} (more than {FY_END_WINDOW_DAYS})"
        for d in out.loc[far, "days_from_sep30"]]
    first = [c for c in out.columns if c not in ("fy_latest", "fy_end", "days_from_sep30", "fy_end_flag")]
    return out[first + ["fy_latest", "fy_end", "days_from_sep30", "fy_end_flag"]]


def read_release(path: Path) -> tuple[pd.DataFrame, dict, dict]:
    """One workbook's facility rows, sheet facts and currently-detained table, through the parse cache
    (``ice287g.cache``, keyed by the workbook's sha256 and name and this reader)."""
    def parse():
        wb = Workbook.open(path)  # once for both tables
        df, info = read_facilities(wb)
        return df, info, read_detained(wb, info["fiscal_year"])

    return cache.cached("detention", READER_VERSION, path, parse, code=__name__)


def read_all() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(facilities, releases, detained): every facility row, one row of facts per release, and the
    currently-detained table of every release."""
    frames, facts, detained = [], [], []
    for rec in workbooks().itertuples(index=False):
        path = paths.raw_dir() / "ice_detention" / rec.file
        df, info, table = read_release(path)
        info["release_date"] = rec.as_of_date
        df.insert(0, "release_date", rec.as_of_date)
        df.insert(1, "fiscal_year", info["fiscal_year"])
        df["source_file"] = rec.file
        frames.append(df)
        facts.append(info)
        table["release_date"] = rec.as_of_date
        detained.append(table)
    releases = pd.DataFrame(facts)
    doubled = releases[releases["release_date"].duplicated(keep=False)]
    if len(doubled):  # two workbooks for one release: one must be marked superseded, never both read
        raise DetentionError(f"ice_detention: more than one workbook for release(s) "
                             f"{sorted(set(doubled['release_date']))}: {sorted(doubled['source_file'])}; mark all "
                             f"but one superseded in data/hand/{SUPERSEDED_FILE}")
    return pd.concat(frames, ignore_index=True), year_ends(releases), pd.DataFrame(detained)


TRAC_FIELDS = [f"{a}_{k}" for a in ("ice", "cbp", "total") for k in ("all", "conv", "pend", "other")]


def _swapped(row: dict) -> dict:
    out = dict(row)
    for k in ("all", "conv", "pend", "other"):
        out[f"ice_{k}"], out[f"cbp_{k}"] = row[f"cbp_{k}"], row[f"ice_{k}"]
    return out


def compare_with_trac(detained: pd.DataFrame, trac: pd.DataFrame) -> pd.DataFrame:
    """Each release's currently-detained table beside TRAC's row for the same date, with the match
    found and the reason for any difference. A release whose ICE and CBP columns are swapped is
    detected and reported; its numbers are left as ICE printed them."""
    by_date = {r["date"]: r for r in trac.to_dict("records")}
    by_values = {tuple(r[f] for f in TRAC_FIELDS): r["date"] for r in trac.to_dict("records")}
    out = []
    for rec in detained.sort_values("release_date").to_dict("records"):
        values = tuple(rec[f] for f in TRAC_FIELDS)
        row = {"release_date": rec["release_date"], "table_date": rec["table_date"], "source_file": rec["source_file"],
               **{f: rec[f] for f in TRAC_FIELDS}}
        same_day = by_date.get(rec["table_date"])
        if same_day and tuple(same_day[f] for f in TRAC_FIELDS) == values:
            row.update(trac_date=rec["table_date"], match="exact", reason="")
        elif values in by_values:
            row.update(trac_date=by_values[values], match="same values, other date",
                       reason=f"TRAC dates this table {by_values[values]}; the workbook's footnotes say "
                              f"{rec['table_date'] or 'nothing'}")
        elif tuple(_swapped(rec)[f] for f in TRAC_FIELDS) in by_values:
            row.update(trac_date=by_values[tuple(_swapped(rec)[f] for f in TRAC_FIELDS)], match="ice_cbp_swapped",
                       reason="the workbook's ICE and CBP columns are swapped; TRAC has them the right way round; "
                              "kept as ICE printed it")
        elif same_day:
            row.update(trac_date=rec["table_date"], match="differs", reason="TRAC's row for this date differs")
        else:
            row.update(trac_date="", match="no_trac_row", reason="TRAC has no row with this date or these values")
        trac_row = by_date.get(row["trac_date"]) if row["trac_date"] else None
        for f in ("ice_all", "cbp_all", "total_all"):
            row[f"trac_{f}"] = trac_row[f] if trac_row else None
            row[f"diff_{f}"] = (rec[f] - trac_row[f]) if trac_row else None
        out.append(row)
    df = pd.DataFrame(out)
    for c in [c for c in df.columns if c.startswith(("trac_ice", "trac_cbp", "trac_total", "diff_"))]:
        df[c] = df[c].astype("Int64")
    return df


def release_for(release_dates: pd.Series, as_of=None, max_age_days: int | None = GAP_DAYS) -> str | None:
    """The newest release date on or before ``as_of`` (``None`` or ``newest``: the newest of all);
    ``None`` when the archive holds no release that early. A release more than ``max_age_days`` older
    than ``as_of`` is refused with ``asof.StaleError`` (a ``LookupError``), as the store refuses lists."""
    row = asof.release_row_for(pd.DataFrame({"release_date": sorted(set(release_dates))}), as_of, max_age_days)
    return None if row is None else row["release_date"]


def state_adp(as_of=None, fiscal_year=None, max_age_days: int | None = GAP_DAYS) -> pd.DataFrame:
    """``state, adp_total, facilities, rank`` from the newest release on or before ``as_of`` (refused when
    more than ``max_age_days`` old), or the last release of ``fiscal_year`` (its year-end release once the
    year is over, its latest while the year is still running; see ``fy_end`` in detention_releases.csv)."""
    df = pd.read_csv(asof.processed_path("detention_by_state.csv"), dtype={"state": str})
    if fiscal_year is not None:
        pick = df[(df["fiscal_year"] == int(fiscal_year)) & df["fy_latest"]]
        if pick.empty:
            raise ValueError(f"no detention release for fiscal year {fiscal_year}")
    else:
        release = release_for(df["release_date"], as_of, max_age_days)
        if release is None:
            raise ValueError(f"no detention release on or before {asof.iso_date(as_of)}")
        pick = df[df["release_date"] == release]
    pick = pick[pick["state"] != "ALL"].sort_values(["adp_total", "state"], ascending=[False, True])
    pick = pick.assign(rank=pick["adp_total"].rank(method="min", ascending=False).astype("int64"))
    return pick[["state", "adp_total", "facilities", "rank", "release_date"]].reset_index(drop=True)


def vs_agreements_picks(releases: pd.DataFrame) -> pd.DataFrame:
    """The releases set beside the agreements: each fiscal-year-end release and the newest."""
    return releases[releases["fy_end"] | (releases["release_date"] == releases["release_date"].max())]


def lists_in_force(picks: pd.DataFrame, lists: pd.DataFrame, max_age_days: int | None = GAP_DAYS):
    """``(paired, gaps)``: each release of ``picks`` with the participating list in force at it, as
    ``(release, list row)``; a release with none (none that early, or the newest more than ``max_age_days``
    old: an archive gap) goes to ``gaps`` as ``(release_date, the store's message)``."""
    paired, gaps = [], []
    for rel in picks.itertuples(index=False):
        try:
            paired.append((rel, asof.list_row_for(lists, rel.release_date, max_age_days=max_age_days)))
        except (LookupError, ValueError) as exc:
            gaps.append((rel.release_date, str(exc)))
    return paired, gaps


def vs_agreements(by_state_df: pd.DataFrame, releases: pd.DataFrame, list_rows: pd.DataFrame,
                  lists: pd.DataFrame, max_age_days: int | None = GAP_DAYS, release_dates=None) -> pd.DataFrame:
    """Per state at each fiscal-year-end release and the newest (or at ``release_dates``): ADP and
    facilities beside the 287(g) agreements (by model) and agencies on the ICE list in force that day,
    with that list's date. A release with no list in force (none that early, or the newest is more than
    ``max_age_days`` old: an archive gap) has no rows; ``stale_pairings`` names them."""
    picks = (vs_agreements_picks(releases) if release_dates is None
             else releases[releases["release_date"].isin(list(release_dates))])
    out = []
    for rel, lst in lists_in_force(picks, lists, max_age_days)[0]:
        rows = list_rows[list_rows["list_id"] == lst["list_id"]]
        ags = pd.crosstab(rows["state"], rows["model"]).reindex(columns=list(MODELS), fill_value=0)
        ags["agreements"] = rows.groupby("state").size()
        ags["agencies"] = rows.groupby("state")["agency_id"].nunique()
        det = by_state_df[(by_state_df["release_date"] == rel.release_date) & (by_state_df["state"] != "ALL")]
        det = det.set_index("state")[["adp_total", "facilities"]]
        both = det.join(ags, how="outer").fillna(0).reset_index().rename(columns={"index": "state"})
        both = both.assign(release_date=rel.release_date, fiscal_year=rel.fiscal_year, fy_end=rel.fy_end,
                           list_id=lst["list_id"], list_date=lst["list_date"])
        both["list_age_days"] = (pd.Timestamp(rel.release_date) - pd.Timestamp(lst["list_date"])).days
        out.append(both)
    cols = ["release_date", "fiscal_year", "fy_end", "state", "adp_total", "facilities", *MODELS,
            "agreements", "agencies", "list_id", "list_date", "list_age_days"]
    if not out:
        return pd.DataFrame(columns=cols)
    df = pd.concat(out, ignore_index=True)
    for c in ("facilities", *MODELS, "agreements", "agencies"):
        df[c] = df[c].astype("int64")
    return df[cols].sort_values(["release_date", "state"], ignore_index=True)


def stale_pairings(releases: pd.DataFrame, lists: pd.DataFrame,
                   max_age_days: int | None = GAP_DAYS) -> list[tuple[str, str]]:
    """Why each release ``vs_agreements`` leaves out has no list in force (the store's message)."""
    return lists_in_force(vs_agreements_picks(releases), lists, max_age_days)[1]


def qa_rows(releases: pd.DataFrame, facilities: pd.DataFrame, unplaced: pd.DataFrame, trac_check: pd.DataFrame,
            lists: pd.DataFrame | None = None, skipped: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows for data/qa/qa_summary.csv (checks start with ``detention_``): superseded workbooks skipped for
    the file that replaces them, year-end releases near 30 September, blank-state facilities kept and
    reported, TRAC's facility table equal to ICE's, releases left without a list in force."""
    skipped = superseded() if skipped is None else skipped
    read = set(releases["source_file"])
    rows = []
    for r in skipped.itertuples(index=False):
        ok = r.superseded_by in read and r.file not in read
        rows.append(check_row("detention_superseded_skipped", r.file, f"not read; {r.superseded_by} read instead"
                              if ok else f"read={r.file in read}, replacement read={r.superseded_by in read}",
                              "skipped, and the file that supersedes it read", "pass" if ok else "fail"))
    over = releases[releases["fy_latest"] & (releases["fiscal_year"] < releases["fiscal_year"].max())]
    for r in over.sort_values("fiscal_year").itertuples(index=False):
        rows.append(check_row("detention_fy_end_near_sep30", f"FY{r.fiscal_year}",
                              f"{r.release_date} ({r.days_from_sep30:+d} days)",
                              f"within {FY_END_WINDOW_DAYS} days of {FY_LAST_DAY_TEXT}",
                              "pass" if r.fy_end else "info"))
    blank = facilities[facilities["state"] == ""]
    reported = set(unplaced.loc[unplaced["reason"] == "no state printed", "facility"])
    lost = blank[(blank["county_fips"] != "") | ~blank["facility"].isin(reported)]
    rows.append(check_row("detention_blank_state_reported", "all releases",
                          f"{len(blank)} facility rows without a state, {len(lost)} not reported",
                          "each kept and listed in data/qa/unplaced_facilities.csv", "fail" if len(lost) else "pass"))
    for day, t in trac_check.groupby("release_date"):
        equal = int(t["equal"].sum())
        rows.append(check_row("detention_trac_facilities_equal", day, f"{equal}/{len(t)}", f"{len(t)}/{len(t)}",
                              "pass" if equal == len(t) else "fail"))
    if lists is not None:
        for day, why in stale_pairings(releases, lists):
            rows.append(check_row("detention_vs_agreements_no_list", day, why,
                                  "a list in force at the release (left out of detention_vs_agreements.csv)", "info"))
    return pd.DataFrame(rows)


@dataclass
class Detention:
    facilities: pd.DataFrame
    releases: pd.DataFrame
    by_state: pd.DataFrame
    population: pd.DataFrame
    trac_facilities: pd.DataFrame
    unplaced: pd.DataFrame


def build() -> Detention:
    facilities, releases, detained = read_all()
    placed = place_facilities(facilities)
    states_df = by_state(placed, releases)
    population = compare_with_trac(detained, trac_population())
    return Detention(placed[FACILITY_OUTPUT], releases, states_df, population,
                     trac_facility_check(placed, trac_facilities()), unplaced_facilities(placed))


def write(det: Detention, list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Commit every detention output with its QA rows (``stage_commit.commit``: a failed check writes
    nothing); return the detention-vs-agreements table."""
    proc, qa_dir = paths.processed_dir(), paths.qa_dir()
    versus = vs_agreements(det.by_state, det.releases, list_rows, lists)
    checks = qa_rows(det.releases, det.facilities, det.unplaced, det.trac_facilities, lists)
    stage_commit.commit("04_detention", {
        proc / "detention_facilities.csv": Table(det.facilities, ["release_date", "source_file", "row"]),
        proc / "detention_by_state.csv": Table(det.by_state, ["release_date", "state"]),
        proc / "detention_population.csv": Table(det.population, ["release_date"]),
        proc / "detention_releases.csv": Table(det.releases, ["release_date"]),
        proc / "detention_vs_agreements.csv": Table(versus, ["release_date", "state"]),
        qa_dir / "trac_differences.csv": Table(det.population[det.population["match"] != "exact"], ["release_date"]),
        qa_dir / "trac_facility_check.csv": Table(det.trac_facilities, ["release_date", "trac_name", "city"]),
        qa_dir / "unplaced_facilities.csv": Table(det.unplaced, ["state", "facility", "city"]),
    }, checks)
    return versus


def sources_files(source: str) -> list[str]:
    return manifests.manifest(source)["file"].tolist()
