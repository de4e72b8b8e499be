"""The data release (``make release``): ``dist/ice287g-data-<newest list date>.zip``.

One zip for people who will not clone the repository, built only from committed outputs and the schema:

- ``csv/``: every processed table, byte for byte as committed;
- ``parquet/``: the same tables typed from ``ice287g.tables.schema`` (dates as date32, FIPS codes as text,
  counts as int64), so nobody has to guess a type again;
- ``stata/``: ``agreements``, ``agencies``, ``list_counts`` and ``county_counts`` as ``.dta``, labelled
  from the schema;
- ``agreements_by_county.gpkg`` for GIS;
- ``ice287g.xlsx`` for reporters: agreements, agencies, counts by state and by county on the newest list,
  and a README sheet (sources, date, method, licences);
- ``datapackage.json``: a Frictionless Data Package (v2) generated from the same definitions as
  ``docs/codebook.md``, with keys, sources and licences;
- ``README.md``, ``LICENSE`` and ``CITATION.cff``.

The zip is byte-identical across runs in one environment: members in sorted order, every timestamp the
newest list's date, one compression level, one set of file attributes, and the formats' own clocks
(xlsx core properties, the Stata header) set to the same date.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from ..core import paths
from ..core.states import state_names
from ..core.vocab import MODELS
from ..ingest.lists import series_lists
from ..tables import schema
from ..core.files import write_bytes

DIST = "dist"
PREFIX = "ice287g-data"
STATA_TABLES = ("agreements", "agencies", "list_counts", "county_counts")
GPKG = "data/processed/agreements_by_county.gpkg"
WORKBOOK = "ice287g.xlsx"
STATA_LABEL_MAX = 80  # Stata's limit on a variable or data label
STATA_NAME_MAX = 32  # ... and on a variable name
EXCEL_SHEET_MAX = 31
ZIP_LEVEL = 9
FILE_MODE = 0o644
PROJECT_FILES = ("LICENSE", "CITATION.cff")
PACKAGE_PROFILE = schema.PROFILES.format(version=schema.DATA_PACKAGE_VERSION, name="datapackage")
RESOURCE_PROFILE = schema.PROFILES.format(version=schema.DATA_PACKAGE_VERSION, name="dataresource")
# Where each raw folder's files were first published, and on what terms (the manifests name the archive
# each copy was taken from; those archives are credited separately, as their manifests say).
PUBLISHERS = {
    "ice_287g": ("U.S. Immigration and Customs Enforcement (ICE), 287(g) lists", "https://www.ice.gov/identify-and-arrest/287g"),
    "ice_detention": ("U.S. Immigration and Customs Enforcement (ICE), detention statistics",
                      "https://www.ice.gov/detain/detention-management"),
    "ice_facilities": ("U.S. Immigration and Customs Enforcement (ICE), ERO Custody Management facility lists of "
                       "2015 and 2017 (FOIA releases)", "https://www.ice.gov/foia/library"),
    "trac": ("TRAC, Syracuse University: Immigration Detention Quick Facts",
             "https://tracreports.org/immigration/detentionstats/"),
    "census": ("U.S. Census Bureau: cartographic boundary files, gazetteers, population estimates",
               "https://www.census.gov/"),
    "fbi": ("Federal Bureau of Investigation, Crime Data Explorer: law-enforcement agency lists (ORI codes)",
            "https://cde.ucr.cjis.gov/"),
}
LICENSES = (
    {"name": "MIT", "title": "Code (src/, notebooks/, tests/): MIT licence", "path": "https://opensource.org/license/mit"},
    {"name": "other-pd", "title": "ICE and U.S. Census Bureau files and the tables derived from them: U.S. government "
     "works, not subject to copyright in the United States (17 U.S.C. §105)",
     "path": "https://www.usa.gov/government-copyright"},
    {"name": "other-at", "title": "TRAC's tables (the trac_ columns of detention_population): data © TRAC Reports, "
     "Inc.; cite \"Source: TRAC, Syracuse University\"", "path": "https://tracreports.org/"},
)
METHOD = (
    "Every archived ICE 287(g) list is read with the layout of its era, values are normalized through keyed "
    "hand tables with a reason per row, and an agreement (agency, model, signing date) is followed from list "
    "to list. ICE publishes no terminations: a removal is inferred from absence. Agencies are merged only by "
    "logged rules. Counties come from the 2024 Census boundaries; detention figures from ICE's detentionStats "
    "workbooks, checked against TRAC. Every number is recomputed from the raw files by the notebooks of the "
    "repository; docs/codebook.md and datapackage.json define every column.")


# ---- what the release speaks for -----------------------------------------------------------------

def _root(root: Path | str | None) -> Path:
    """The project the release is built from (default: this one): its committed tables, raw manifests,
    LICENSE and CITATION.cff."""
    return Path(root) if root is not None else paths.project_root()


def _read(root: Path, rel: str) -> pd.DataFrame:
    return pd.read_csv(root / rel, dtype=str, keep_default_na=False)


def newest_list(root: Path | str | None = None) -> pd.Series:
    """The row of lists.csv for the newest participating list of the series (the one the release is named after)."""
    return series_lists(_read(_root(root), "data/processed/lists.csv"), "participating").iloc[-1]


def zip_name(list_date: str) -> str:
    """The release's file name for a list date: ``ice287g-data-<date>.zip``."""
    return f"{PREFIX}-{list_date}.zip"


def release_name(root: Path | str | None = None) -> str:
    """``ice287g-data-<newest list date>.zip``."""
    return zip_name(newest_list(root)["list_date"])


# ---- typed tables ---------------------------------------------------------------------------------

def typed_frame(table: pd.DataFrame, rel: str) -> pd.DataFrame:
    """A processed table read as text, with each column in the type its schema gives (empty cells missing)."""
    out = {}
    for column in schema.dataset(rel).columns:
        text = table[column.name]
        empty = text == ""
        if column.type == "integer":
            out[column.name] = pd.to_numeric(text.mask(empty)).astype("Int64")
        elif column.type == "number":
            out[column.name] = pd.to_numeric(text.mask(empty)).astype("float64")
        elif column.type == "boolean":
            out[column.name] = text.map({"True": True, "False": False}).astype("boolean")
        elif column.type == "date":
            out[column.name] = pd.to_datetime(text.mask(empty), format="%Y-%m-%d")
        else:
            out[column.name] = text.mask(empty).astype(object)
    return pd.DataFrame(out)


def arrow_table(table: pd.DataFrame, rel: str):
    """A processed table as an Arrow table: date32, int64, float64, bool or string per the schema, with
    each column's meaning in its field metadata."""
    arrow_types = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
                   "string": pa.string(), "category": pa.string()}
    frame = typed_frame(table, rel)
    fields, arrays = [], []
    for column in schema.dataset(rel).columns:
        kind = arrow_types[column.type]
        values = frame[column.name]
        if column.type == "date":
            values = values.dt.date
        arrays.append(pa.array(values.astype(object).where(values.notna(), None).tolist(), type=kind))
        meta = {"description": column.meaning, **({"unit": column.unit} if column.unit else {})}
        fields.append(pa.field(column.name, kind, nullable=column.nullable, metadata=meta))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields, metadata={"title": schema.dataset(rel).title}))


def parquet_bytes(table: pd.DataFrame, rel: str) -> bytes:
    buf = io.BytesIO()
    pq.write_table(arrow_table(table, rel), buf, compression="zstd", compression_level=9)
    return buf.getvalue()


def _label(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= STATA_LABEL_MAX else text[:STATA_LABEL_MAX - 1] + "…"


def stata_bytes(table: pd.DataFrame, rel: str, stamp: dt.datetime) -> bytes:
    """A processed table as a Stata file (the Unicode format) labelled from the schema; ``stamp`` replaces
    the clock in the file header."""
    ds = schema.dataset(rel)
    too_long = [c.name for c in ds.columns if len(c.name) > STATA_NAME_MAX]
    if too_long:
        raise ValueError(f"{rel}: column names longer than Stata allows: {too_long}")
    frame = typed_frame(table, rel)
    for column in ds.columns:
        if column.type in ("string", "category"):
            frame[column.name] = frame[column.name].fillna("").astype(object)
        elif column.type == "boolean":  # Stata has no boolean: 1/0, missing stays missing
            frame[column.name] = frame[column.name].astype("Int8")
    buf = io.BytesIO()
    frame.to_stata(buf, write_index=False, version=118, time_stamp=stamp,
                   data_label=_label(schema.dataset(rel).title),
                   variable_labels={c.name: _label(c.meaning) for c in ds.columns},
                   convert_dates={c.name: "td" for c in ds.columns if c.type == "date"})
    return buf.getvalue()


# ---- the reporters' workbook ----------------------------------------------------------------------

def state_counts(list_counts: pd.DataFrame, list_id: str) -> pd.DataFrame:
    """One row per state on a list (and an ``ALL`` row last): agreements by model, all agreements, agencies."""
    on = list_counts[list_counts["list_id"] == list_id]
    wide = on.pivot(index="state", columns="model", values="agreements")
    out = pd.DataFrame({"state": wide.index})
    names = state_names()
    out["state_name"] = out["state"].map(lambda s: names.get(s, "All states and territories" if s == "ALL" else ""))
    for m in MODELS:
        out[m] = wide[m].to_numpy() if m in wide else "0"
        out[m] = pd.to_numeric(out[m].fillna("0")).astype(int)
    totals = on[on["model"] == "ALL"].set_index("state")
    out["agreements"] = out["state"].map(totals["agreements"]).astype(int)
    out["agencies"] = out["state"].map(totals["agencies"]).astype(int)
    out["list_date"] = on["list_date"].iloc[0]
    out["_all"] = out["state"] == "ALL"
    return out.sort_values(["_all", "state"], kind="mergesort").drop(columns="_all").reset_index(drop=True)


def _sheet_columns(rel: str, names: list[str]) -> list[tuple[str, str, str]]:
    ds = schema.dataset(rel)
    known = {c.name: c for c in ds.columns}
    return [(n, known[n].meaning, known[n].unit) if n in known else (n, "", "") for n in names]


def workbook_sheets(root: Path) -> list[tuple[str, str, pd.DataFrame]]:
    """The data sheets of the workbook: (sheet name, the table it comes from, rows)."""
    newest = newest_list(root)
    counties = _read(root, "data/processed/county_counts.csv")
    return [
        ("agreements", "data/processed/agreements.csv", _read(root, "data/processed/agreements.csv")),
        ("agencies", "data/processed/agencies.csv", _read(root, "data/processed/agencies.csv")),
        ("state_counts", "data/processed/list_counts.csv",
         state_counts(_read(root, "data/processed/list_counts.csv"), newest["list_id"])),
        ("county_counts", "data/processed/county_counts.csv",
         counties[counties["as_of"] == counties["as_of"].max()].reset_index(drop=True)),
    ]


def _readme_rows(root: Path, sheets, sources: list[dict]) -> list[tuple[str, str]]:
    newest = newest_list(root)
    rows = [
        ("Title", "ICE 287(g) agreements: data release of the ice287g project"),
        ("Newest ICE list", f"{newest['list_date']} ({newest['list_id']}, file {newest['source_file']})"),
        ("Method", METHOD),
        ("Cite", ("Cite the project as CITATION.cff in the zip says; for TRAC's numbers, \"Source: TRAC, Syracuse "
                  "University\"; for Census geography, \"Source: U.S. Census Bureau\".")),
    ]
    rows += [("Licence", lic["title"]) for lic in LICENSES]
    rows += [("Source", f"{s['title']} — {s['path']}") for s in sources]
    rows.append(("", ""))
    for name, rel, _ in sheets:
        rows.append((f"Sheet {name}", schema.dataset(rel).description if name != "state_counts" else
                     "Agreements on the newest list by state and model (JEM, WSO, TFM), all agreements and "
                     "distinct agencies; the ALL row is every state together. From list_counts.csv."))
    return rows


def workbook_bytes(root: Path, stamp: dt.datetime, sources: list[dict]) -> bytes:
    """``ice287g.xlsx``: a README sheet, then the data sheets with real dates and numbers, frozen headers
    and filters; a columns sheet gives each column's meaning and unit."""
    sheets = workbook_sheets(root)
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_urls": False})
    # xlsxwriter stamps docProps/core.xml with the clock unless told a date
    book.set_properties({"title": "ICE 287(g) agreements (ice287g)", "created": stamp,
                         "comments": "Generated by python -m ice287g release"})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    readme = book.add_worksheet("README")
    readme.set_column(0, 0, 22, bold)
    readme.set_column(1, 1, 110, wrap)
    for i, (k, v) in enumerate(_readme_rows(root, sheets, sources)):
        readme.write_string(i, 0, k)
        readme.write_string(i, 1, v)
    legend = []
    for name, rel, frame in sheets:
        ds = schema.dataset(rel)
        types = {c.name: c.type for c in ds.columns}
        sheet = book.add_worksheet(name[:EXCEL_SHEET_MAX])
        sheet.write_row(0, 0, list(frame.columns), bold)
        sheet.freeze_panes(1, 0)
        for j, col in enumerate(frame.columns):
            kind = types.get(col, "integer" if pd.api.types.is_integer_dtype(frame[col]) else "string")
            sheet.set_column(j, j, min(max(len(col), 10), 40), day if kind == "date" else None)
            for i, value in enumerate(frame[col].tolist(), start=1):
                if value == "" or value is None:
                    continue
                if kind == "date":
                    sheet.write_datetime(i, j, dt.datetime.fromisoformat(str(value)), day)
                elif kind in ("integer", "number"):
                    sheet.write_number(i, j, float(value))
                else:
                    sheet.write_string(i, j, str(value))
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        legend += [(name, *c) for c in _sheet_columns(rel, list(frame.columns))]
    cols = book.add_worksheet("columns")
    cols.write_row(0, 0, ["sheet", "column", "meaning", "unit"], bold)
    cols.set_column(2, 2, 100, wrap)
    for i, row in enumerate(legend, start=1):
        cols.write_row(i, 0, list(row))
    book.close()
    return buf.getvalue()


# ---- the data package -----------------------------------------------------------------------------

def manifest_sources(root: Path | str | None = None) -> list[dict]:
    """Package sources: each raw folder's first publisher, then every archive a manifest says a copy
    was taken from (``source_repo``), with how many files it gave."""
    raw = _root(root) / "data" / "raw"
    out = []
    for source in paths.RAW_SOURCES:
        title, url = PUBLISHERS[source]
        out.append({"title": title, "path": url})
    archives: dict[str, list[str]] = {}
    for source in paths.RAW_SOURCES:
        with open(raw / source / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row.get("source_repo"):
                    archives.setdefault(row["source_repo"], []).append(source)
    for repo in sorted(archives, key=str.lower):
        folders = sorted(set(archives[repo]))
        out.append({"title": f"Archived copies from {repo} ({len(archives[repo])} raw file(s) in "
                             f"{', '.join(f'data/raw/{f}/' for f in folders)})",
                    "path": f"https://github.com/{repo}"})
    return out


def _plain(text: str) -> str:
    return text.replace("`", "")


def geopackage_resource(data: bytes) -> dict:
    """The GeoPackage as a file resource (Table Schema describes text tables only): size and sha256, which
    frictionless checks, and its columns from the schema as a custom ``columns`` property."""
    ds = schema.dataset(GPKG)
    return {
        "$schema": RESOURCE_PROFILE,
        "name": schema.resource_name(GPKG),
        "path": Path(GPKG).name,
        "title": ds.title,
        "description": ds.description,
        "format": "gpkg",
        "mediatype": "application/geopackage+sqlite3",
        "bytes": len(data),
        "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
        "sources": [{"title": _plain(s)} for s in ds.sources],
        "layer": schema.resource_name(GPKG),
        "columns": [{"name": c.name, "type": c.type, "description": c.meaning, **({"unit": c.unit} if c.unit else {})}
                    for c in ds.columns],
    }


def datapackage(root: Path | str | None, csv_bytes: dict[str, bytes], sources: list[dict],
                gpkg: bytes | None = None) -> dict:
    """The ``datapackage.json`` descriptor: one tabular resource per processed CSV (``csv/<name>.csv``),
    its Table Schema from ``ice287g.tables.schema``, its size and sha256, the GeoPackage as a file resource, and
    the package's sources and licences."""
    newest = newest_list(root)
    resources = []
    for rel in schema.released_tables():
        ds = schema.dataset(rel)
        data = csv_bytes[rel]
        resources.append({
            "$schema": RESOURCE_PROFILE,
            "name": schema.resource_name(rel),
            "type": "table",
            "path": f"csv/{Path(rel).name}",
            "title": schema.dataset(rel).title,
            "description": ds.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "bytes": len(data),
            "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
            "sources": [{"title": _plain(s)} for s in ds.sources],
            "schema": schema.table_schema(rel),
        })
    if gpkg is not None:
        resources.append(geopackage_resource(gpkg))
    return {
        "$schema": PACKAGE_PROFILE,
        "name": PREFIX,
        "title": "ICE 287(g) agreements, detention statistics and Census geography (ice287g)",
        "description": f"Processed tables of the ice287g project as of ICE's list of {newest['list_date']}. "
                       + METHOD,
        "version": str(newest["list_date"]),
        "created": f"{newest['list_date']}T00:00:00Z",
        "keywords": ["287(g)", "ICE", "immigration enforcement", "detention"],
        "licenses": [dict(lic) for lic in LICENSES],
        "sources": sources,
        "resources": resources,
    }


# ---- the zip --------------------------------------------------------------------------------------

def release_readme(root: Path, members: list[str]) -> str:
    newest = newest_list(root)
    lines = [f"# ICE 287(g) data release, newest list {newest['list_date']}", "", METHOD, "",
             "## Contents", ""]
    lines += [f"- `{m}`" for m in members]
    lines += ["", "## Licences and credit", ""]
    lines += [f"- {lic['title']}" for lic in LICENSES]
    lines += [("- Archived copies of the raw files are credited in `datapackage.json` (sources), as the "
               "manifests of the repository say."), ""]
    return "\n".join(lines)


def release_members(root: Path | str | None = None) -> dict[str, bytes]:
    """Every file of the release, by its path inside the zip's top folder."""
    root = _root(root)
    stamp = dt.datetime.combine(dt.date.fromisoformat(newest_list(root)["list_date"]), dt.time())
    sources = manifest_sources(root)
    csv_bytes = {rel: (root / rel).read_bytes() for rel in schema.released_tables()}
    members: dict[str, bytes] = {}
    for rel, data in csv_bytes.items():
        name = Path(rel).stem
        members[f"csv/{name}.csv"] = data
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
        members[f"parquet/{name}.parquet"] = parquet_bytes(table, rel)
        if name in STATA_TABLES:
            members[f"stata/{name}.dta"] = stata_bytes(table, rel, stamp)
    members[Path(GPKG).name] = (root / GPKG).read_bytes()
    members[WORKBOOK] = workbook_bytes(root, stamp, sources)
    members["datapackage.json"] = (json.dumps(datapackage(root, csv_bytes, sources, members[Path(GPKG).name]), indent=2, ensure_ascii=False)
                                   + "\n").encode("utf-8")
    for name in PROJECT_FILES:
        members[name] = (root / name).read_bytes()
    members["README.md"] = release_readme(root, sorted([*members, "README.md"])).encode("utf-8")
    return dict(sorted(members.items()))


def zip_bytes(members: dict[str, bytes], folder: str, date: str) -> bytes:
    """A zip of ``members`` under ``folder/``: sorted, every entry dated ``date``, one compression level,
    one file mode, no extra fields, so equal members give equal bytes."""
    when = dt.date.fromisoformat(date).timetuple()[:6]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the build machine, so external_attr reads the same
            info.external_attr = (0o100000 | FILE_MODE) << 16
            zf.writestr(info, members[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
    return buf.getvalue()


def build(out_dir: Path | str | None = None, root: Path | str | None = None) -> Path:
    """Write the release zip into ``out_dir`` (default ``dist/`` of the project) and return its path."""
    root_path = _root(root)
    name = release_name(root_path)
    out = Path(out_dir) if out_dir is not None else paths.project_root() / DIST
    data = zip_bytes(release_members(root_path), name.removesuffix(".zip"), newest_list(root_path)["list_date"])
    return write_bytes(out / name, data)
