"""The one definition of every committed table: what a row is, who writes it, and every column.

``DATASETS`` maps each committed output (path relative to the project root) to a ``Dataset``: a
description, the notebook(s) writing it, the raw sources it derives from and its ``Column``s in the
order they are written. Three things use it:

- ``validate(df, path)`` checks a table against it (columns, order, types, empties, categories) and
  raises ``SchemaError`` naming the file and the column. ``ice287g.writers`` calls it (through
  ``check_output``) before writing anything under ``data/processed/``, ``data/qa/`` or
  ``figures/manifest.csv``, so a table that does not match leaves the previous file in place.
- ``codebook_markdown(root)`` renders ``docs/codebook.md`` (``python -m ice287g codebook``).
- ``tests/test_schema.py`` checks every committed file against it.

Descriptions never carry numbers taken from the data: row counts in the codebook are read from the
committed files when it is generated.
"""
from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from ..core import paths
from ..core.vocab import AGENCY_TYPES, ERAS as ERA_DESCRIPTIONS, GAP_DAYS, LIST_KINDS, MODELS, SERIES_ERAS  # noqa: F401

TYPES = ("string", "integer", "number", "boolean", "date", "category", "geometry")
TYPE_HELP = {
    "string": "text",
    "integer": "whole number",
    "number": "decimal number (written with the fixed float format of `ice287g.writers`)",
    "boolean": "`True` or `False`",
    "date": "date as text, `YYYY-MM-DD`",
    "category": "one of a set of labels; the allowed labels are listed where the set is small and fixed",
    "geometry": "county boundary polygon (GeoPackage only)",
}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INT_RE = re.compile(r"^[+-]?\d+$")
GOVERNED_DIRS = ("data/processed/", "data/qa/")
FLOAT_FORMAT = "%.6f"  # every decimal number in a committed table
MANIFEST = "figures/manifest.csv"


class SchemaError(ValueError):
    """A table that does not match its definition in ``ice287g.schema`` (names file and column)."""


@dataclass(frozen=True)
class Column:
    """One column: name, type, whether it may be empty, what it means, its unit and where it comes from."""

    name: str
    type: str
    meaning: str
    source: str
    nullable: bool = False
    unit: str = ""
    allowed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name!r}: type {self.type!r} is not one of {TYPES}")
        if self.allowed and self.type != "category":
            raise ValueError(f"column {self.name!r}: only a category lists allowed values")


@dataclass(frozen=True)
class Dataset:
    """One committed table. ``notebooks[0]`` declares it in ``pipeline.NOTEBOOKS``; any others update it."""

    path: str
    description: str
    notebooks: tuple[str, ...]
    sources: tuple[str, ...]
    columns: tuple[Column, ...] = field(repr=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.path}: a column is defined twice")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.path} has no column {name!r}")


def _col(name, type_, meaning, source, *, nullable=False, unit="", allowed=()) -> Column:
    return Column(name, type_, meaning, source, nullable, unit, tuple(allowed))


def _as(column: Column, name: str | None = None, **changes) -> Column:
    """A shared column under another name or with other details."""
    return replace(column, name=name or column.name, **changes)


# ---------------------------------------------------------------------------------------------
# Columns shared by several tables

ERAS = tuple(ERA_DESCRIPTIONS)
LEVELS = ("State", "County", "Municipal", "Other")
NAME_RULES = ("name: state agency", "name: campus, port, court, constable or regional body", "name: sheriff or county",
              "name: police department of a city or town", "no rule matched")
LEVEL_RULES = ("hand", "ICE TYPE column", "ICE TYPE column (Municipality), finer Other from name", *NAME_RULES)
# How ice287g.jails ties a detention facility to the 287(g) agency running it, and why it leaves one unmatched.
JAIL_RULES = ("facility bears the agency's name", "county jail <-> county sheriff",
              "county's name alone <-> county sheriff", "county jail <-> county jail or corrections agency",
              "city jail <-> city police", "the agency named its operator (data/hand/facility_operators.csv)",
              "county facility <-> county sheriff, named its operator (ICE's facility list or a hand row)")
JAIL_REASONS = ("the name names another county", "the name names no county or city jail (operator unknown)",
                "the county's correctional center or prison: its operator may not be the sheriff",
                "no sheriff, jail or corrections agency of the county holds an agreement",
                "no police department of the city holds an agreement", "two or more agencies fit",
                "run by a private contractor",
                "the state's county jails are not run by the sheriff (jails.JAILER_STATES)",
                "its operator is not the sheriff and holds no agreement")
# Who runs a detention facility (ice287g.operators): the kinds a hand row may give, then those only ICE's lists give.
OPERATOR_KINDS = ("private", "county", "city", "state", "jailer", "sheriff", "federal", "other")
# How ice287g.operators joins a workbook facility to a row of ICE's facility lists, or why it joins none.
OPERATOR_JOIN_RULES = ("name, city and state", "name and state (city differs)",
                       "city and ZIP code, a distinctive word shared (name differs)", "not on the list",
                       "two or more rows of the list fit")
TRAC_MATCHES = ("exact", "same values, other date", "ice_cbp_swapped", "differs", "no_trac_row")

MODEL_MEANING = ("287(g) model: JEM = Jail Enforcement Model (deputized jail officers screen people booked "
                 "into jail), WSO = Warrant Service Officer (jail officers serve ICE administrative warrants), "
                 "TFM = Task Force Model (officers question and arrest people during ordinary policing)")

LIST_ID = _col(
    "list_id", "string",
    "Identifier of one ICE list: its kind and date, plus `am`/`pm`/`mid` when ICE published more than one "
    "list that day (`participating-YYYY-MM-DD`, `pending-YYYY-MM-DDam`); lists taken from the third-party "
    "stacked file end in `-stacked`; a revision ICE published under the same file name (archived as "
    "`….rN.xlsx`) ends in `-rN`.",
    "computed from the list kind, the list date and the raw file name (lists.list_id)")
LIST_DATE = _col(
    "list_date", "date",
    "Date the list speaks for: the date prefix the archive gives the raw file (the Wayback capture date for "
    "web-table copies, the date in ICE's own file name for ICE workbooks), or for a stacked file the capture, "
    "caption or sheet date of that list inside it.",
    "raw file name prefix in data/raw/ice_287g/, or the date column of a stacked CSV")
LIST_KIND = _col(
    "list_kind", "category",
    "`participating` = agencies with a signed agreement (the list has a SIGNED column); `pending` = ICE's "
    "list of agencies whose agreements are pending (no SIGNED column).",
    "presence of the SIGNED column in the raw list", allowed=LIST_KINDS)
ERA = _col(
    "era", "category",
    "Which layout of ICE list the row comes from, told apart by its columns: `partners_page` (ICE partners "
    "page: state and agency only), `fact_sheet` (ICE fact-sheet roster captures), `web_table` (the ice.gov "
    "287(g) table: no TYPE, no COUNTY), `ice_workbook` (ICE's own participating and pending workbooks), "
    "`stacked_2025` (a third party's re-tabulation of ICE sheets, without signing dates).",
    "the raw file's column headers (agreements.py)", allowed=ERAS)
ICE_SOURCE_FILE = _col(
    "source_file", "string", "Raw file the list was read from (a file in data/raw/ice_287g/).",
    "data/raw/ice_287g/MANIFEST.csv file name")
STATE = _col(
    "state", "category",
    "Two-letter postal code of the state or territory. Territories (Guam, Northern Mariana Islands, ...) "
    "count as states, as ICE counts them.",
    "ICE list column STATE (full name or code), normalized with data/hand/state_fixes.csv and the Census "
    "state list")
AGENCY = _col(
    "agency", "string",
    "Agency name as ICE prints it (spaces and quotes tidied), after any correction in "
    "data/hand/agency_name_fixes.csv.",
    "ICE list column LAW ENFORCEMENT AGENCY (agency in stacked files)")
AGENCY_ID = _col(
    "agency_id", "string",
    "Agency identity: state code plus the agency's name key in lower case with hyphens. Names that differ only "
    "in case, punctuation, apostrophes or common abbreviations (Co., Dept, SO, PD, Twp, DPS, BOCC ...) share one "
    "id; data/hand/aliases.csv joins other spellings. A name that an agreement leaves at a list transition for "
    "a new name by a logged rule takes the new name's id (data/qa/renames.csv). Other near-misses are never "
    "merged by code.",
    "computed from state and agency_key (agreements.agency_id), then identity.rename_transitions")
AGENCY_TYPE = _col(
    "agency_type", "category",
    "ICE's TYPE column: the kind of government the agency belongs to. Empty where the list has no TYPE "
    "column (partners page, fact sheet, web table, stacked file) or leaves it blank.",
    "ICE list column TYPE, normalized with data/hand/agency_type_fixes.csv",
    nullable=True, allowed=AGENCY_TYPES)
MODEL = _col("model", "category", MODEL_MEANING + ".",
             "ICE list column SUPPORT TYPE, normalized with data/hand/model_fixes.csv", allowed=MODELS)
SIGNED = _col(
    "signed", "date",
    "Date the agreement was signed, as ICE prints it (after data/hand/date_fixes.csv). Empty where the list "
    "has no SIGNED column (partners page, pending lists, stacked file) or leaves it blank.",
    "ICE list column SIGNED (date_signed in the fact-sheet roster)", nullable=True)
AGREEMENT_ID = _col(
    "agreement_id", "string",
    "Agreement identity: agency_id, model and signing date of ICE's newest printed form of the agreement, "
    "joined by `:` (`unknown` when no model is printed, `undated` when no signing date). One agency can hold "
    "several agreements (one per model, and a new one when it re-signs); forms ICE corrected into one another "
    "(data/qa/corrections.csv) are one agreement.",
    "computed from agency_id, model and signed (corrections.find, agreements.agreement_history)")
COUNTY_PRINTED = _col(
    "county_printed", "string",
    "County as ICE prints it in its COUNTY column (only the newer ICE workbooks and the stacked file have one); "
    "empty when not printed.",
    "ICE list column COUNTY", nullable=True)
SERIES_LIST_DATE = "date of a participating list of the series (lists.csv in_series = True)"
COUNT_JEM = _col("JEM", "integer", "Jail Enforcement Model agreements.", "count of list rows with model JEM",
                 unit="agreements")
COUNT_WSO = _col("WSO", "integer", "Warrant Service Officer agreements.", "count of list rows with model WSO",
                 unit="agreements")
COUNT_TFM = _col("TFM", "integer", "Task Force Model agreements.", "count of list rows with model TFM",
                 unit="agreements")
SHA256 = _col("sha256", "string", "SHA-256 checksum of the raw file (64 hexadecimal characters).",
              "the source folder's MANIFEST.csv")
RELEASE_DATE = _col(
    "release_date", "date",
    "Date of the ICE detentionStats workbook (release) the row comes from.",
    "as_of_date of the workbook in data/raw/ice_detention/MANIFEST.csv")
FISCAL_YEAR = _col(
    "fiscal_year", "integer",
    "Federal fiscal year the workbook reports (FY runs October to September; FY of the Facilities sheet name).",
    "the FY token in the workbook's Facilities sheet name", unit="year")
FY_END = _col(
    "fy_end", "boolean",
    "True when this release is the year-end figure of its fiscal year: the last release of that year, a "
    "later year's release exists to show the year is over, and it falls within detention.FY_END_WINDOW_DAYS "
    "days of 30 September (else fy_end_flag says why not).",
    "computed from release dates and fiscal years (detention.year_ends)")
FY_LATEST = _col(
    "fy_latest", "boolean",
    "True when this is the newest release of its fiscal year (even if the year is still running).",
    "computed from release dates and fiscal years (detention.read_all)")
ADP_TOTAL_STATE = _col(
    "adp_total", "number",
    "Average daily population held in ICE detention: the sum over the state's facilities of ADP levels A-D, "
    "fiscal year to date as of the release.",
    "sum of detention_facilities.adp_total (ICE detentionStats Facilities sheet)",
    unit="average daily population (people)")
TRAC_COUNTS = {
    f"{agency}_{k}": (agency, k) for agency in ("ice", "cbp", "total") for k in ("all", "conv", "pend", "other")
}
_AGENCY_WORDS = {"ice": "arrested by ICE", "cbp": "arrested by CBP (Customs and Border Protection)",
                 "total": "arrested by either agency"}
_CRIME_WORDS = {"all": "all people", "conv": "people with a criminal conviction",
                "pend": "people with pending criminal charges", "other": "other immigration violators (neither)"}
_CRIME_ROWS = {"all": "Total", "conv": "Convicted Criminal", "pend": "Pending Criminal Charges",
               "other": "Other Immigration Violator"}
_AGENCY_COLS = {"ice": "ICE", "cbp": "CBP", "total": "Total"}


def _detained_col(name: str) -> Column:
    agency, k = TRAC_COUNTS[name]
    return _col(name, "integer",
                f"People currently in ICE detention on the table's snapshot date, {_AGENCY_WORDS[agency]}: "
                f"{_CRIME_WORDS[k]}. Empty if ICE left the cell blank.",
                f"ICE detentionStats 'ICE Currently Detained by Criminality and Arresting Agency' table, row "
                f"'{_CRIME_ROWS[k]}', column {_AGENCY_COLS[agency]}", nullable=True, unit="people")


def _population_columns(matches: tuple[str, ...], reason_nullable: bool) -> tuple[Column, ...]:
    cols = [
        RELEASE_DATE,
        _col("table_date", "date",
             "Snapshot date of the currently-detained table, from the workbook's Footnotes sheet ('... a snapshot "
             "as of MM/DD/YYYY'); empty when the footnotes give none.",
             "ICE detentionStats Footnotes sheet", nullable=True),
        _col("source_file", "string", "Workbook the table was read from (a file in data/raw/ice_detention/).",
             "data/raw/ice_detention/MANIFEST.csv file name"),
        *[_detained_col(n) for n in TRAC_COUNTS],
        _col("trac_date", "date",
             "Date of the TRAC row this release was matched to; empty when TRAC has no matching row.",
             "TRAC pop_agen table (data/raw/trac/, kind trac_detained_population_json), column date",
             nullable=True),
        _col("match", "category",
             "How the workbook's table compares with TRAC's daily population table: `exact` (same date, same "
             "numbers), `same values, other date` (TRAC has the numbers under another date), `ice_cbp_swapped` "
             "(the workbook's ICE and CBP columns are swapped; kept as ICE printed them), `differs` (TRAC's row "
             "for the date has other numbers), `no_trac_row` (neither the date nor the numbers are in TRAC).",
             "computed (detention.compare_with_trac)", allowed=matches),
        _col("reason", "string", "Plain-language explanation of any difference from TRAC; empty for an exact match.",
             "computed (detention.compare_with_trac)", nullable=reason_nullable),
    ]
    for f in ("ice_all", "cbp_all", "total_all"):
        cols.append(_col(f"trac_{f}", "integer", f"TRAC's value of {f} on trac_date; empty without a TRAC row.",
                         f"TRAC pop_agen table, field {f}", nullable=True, unit="people"))
        cols.append(_col(f"diff_{f}", "integer",
                         f"Workbook minus TRAC for {f} (zero when they agree); empty without a TRAC row.",
                         f"computed: {f} - trac_{f}", nullable=True, unit="people"))
    return tuple(cols)


# ---------------------------------------------------------------------------------------------
# Every committed table

MOA_URL = _col(
    "moa_url", "string", "Address of the signed memorandum of agreement the MOA cell links: the cell's hyperlink "
    "in ICE's workbooks (whose text only says `link`), or the address the cell prints; absolute "
    "(`https://www.ice.gov/...` for an ice.gov path), spaces percent-encoded, an Outlook safe link unwrapped. "
    "Empty when the cell is blank or prints "
    "a label without an address (`link pending`, a bare PDF file name): those are not links.",
    "ICE list column MOA: cell hyperlink or text (moa_links.link_url)", nullable=True)
ADDENDUM_URL = _as(
    MOA_URL, name="addendum_url", meaning="Address of the addendum the ADDENDUM cell links (its hyperlink or its "
    "text), normalized as moa_url; empty when none.", source="ICE list column ADDENDUM: cell hyperlink or text "
    "(moa_links.link_url)")
ICE_LISTS = ("`data/raw/ice_287g/` — every ICE 287(g) list: participating and pending workbooks, the ice.gov "
             "web-table captures, the stacked fact-sheet / partners-page / re-tabulation CSVs")
ICE_FIXES = ("`data/hand/` correction tables: `state_fixes.csv`, `model_fixes.csv`, `agency_type_fixes.csv`, "
             "`date_fixes.csv`, `agency_name_fixes.csv`, `aliases.csv`")
EXCLUDED = ("`data/hand/list_decisions.csv` (a person's decision, accept or exclude, on each suspicious list, with "
            "a reason)")
CENSUS_COUNTIES = "`data/raw/census/cb_2024_us_county_5m.shp` (2024 counties, county and state codes)"
CENSUS_PLACES = "`data/raw/census/Gaz_places_national.txt` (Census 2010 places, located in 2024 counties)"
CENSUS_POP = "`data/raw/census/co-est2024-alldata.csv` (Census Vintage 2024 county population estimates)"
CENSUS_PLACE_SHARES = ("`data/raw/census/geocorr2022_place20_county20_national.csv` (Geocorr: 2020 places by "
                       "county, share of each place's people, afact2)")
ROSTER_POINTS = ("`data/processed/agency_roster_matches.csv` (each agency's ORI) and `data/raw/fbi/` (the ORI's "
                 "coordinates, located in 2024 counties)")
PLACEMENT_METHODS = ("hand", "name_rule", "place_county_share", "place_file", "printed_county", "roster_coordinates",
                     "statewide", "unplaced")
COUNTY_SHARE = _col("county_share", "number", "For method `place_county_share`: the share of the 2020 place's "
                    "residents living in the county chosen (the largest; ties go to the larger population of the "
                    "place in the county, then the lower FIPS); empty for every other method.",
                    "geocorr2022_place20_county20_national.csv afact2", nullable=True, unit="share (0–1)")
SHARE_FLAG_BELOW = 0.9  # a place whose largest county holds less of its people than this is flagged
SHARE_FLAG = _col("share_flag", "boolean", f"True when method is `place_county_share` and county_share is under "
                  f"{SHARE_FLAG_BELOW} (the place spans counties and the one chosen holds less of its people: check "
                  "it before relying on it); False otherwise.", "computed (schema.SHARE_FLAG_BELOW)")
PLACE_HAND = ("`data/hand/jurisdiction_levels.csv`, `agency_counties.csv`, `county_fixes.csv`, `unplaced_reasons.csv`, "
              "`statewide_agency_roles.csv`")
# What a statewide agreement covers depends on the agency holding it: a corrections department's (prisons, jails)
# reaches the people it holds, a law-enforcement agency's (state police, patrol, investigators) the state's residents.
CORRECTIONS, LAW_ENFORCEMENT = "corrections", "law enforcement"
STATEWIDE_ROLES = (CORRECTIONS, LAW_ENFORCEMENT)
ROLE_RULES = ("hand", "name: corrections", "name: not corrections")
STATEWIDE_ROLE = _col(
    "statewide_role", "category", "For an agreement placed statewide: `corrections` when its agency is a state "
    "corrections department (prisons, jails: its agreement reaches the people it holds, not the state's residents "
    "in general), `law enforcement` otherwise (state police, patrol, investigators and every other state agency); "
    "empty for agreements not placed statewide.",
    "data/hand/statewide_agency_roles.csv, else the identity role of the agency's name (geography.statewide_role)",
    nullable=True, allowed=STATEWIDE_ROLES)
ROLE_RULE = _col(
    "role_rule", "category", "Which rule decided statewide_role: `hand` (a row of "
    "data/hand/statewide_agency_roles.csv), `name: corrections` (the agency's name key reads the corrections role of "
    "keys.ROLE_WORDS: corrections, correctional, jail, detention; DOC spelled out), `name: not corrections` (it "
    "reads another role); empty for agreements not placed statewide.",
    "computed (geography.statewide_role)", nullable=True, allowed=ROLE_RULES)
ROLE_EVIDENCE = _col(
    "role_evidence", "string", "The reason of the data/hand/statewide_agency_roles.csv row when role_rule is "
    "`hand`; empty otherwise.", "data/hand/statewide_agency_roles.csv reason", nullable=True)
DETENTION_BOOKS = ("`data/raw/ice_detention/` — every ICE detentionStats workbook (manifest kind "
                   "`ice_detentionStats_workbook_xlsx`) but those superseded in `data/hand/superseded_files.csv`")
CROSSWALKS = ("`data/raw/ice_detention/` facility crosswalks: `…_facility_locations.csv` (geocoded points) and "
              "`…_ddp_facilities.csv` (Deportation Data Project county codes)")
TRAC_POP = "`data/raw/trac/` TRAC daily detained population table (manifest kind `trac_detained_population_json`)"
TRAC_FAC = "`data/raw/trac/` TRAC facilities table (manifest kind `trac_facilities_adp_json`)"
FACILITY_LISTS = ("`data/raw/ice_facilities/` — ICE's facility lists (manifest kind `facility_list`; "
                  "`Facility Operator`, `Facility Owner`)")
OPERATOR_HAND = "`data/hand/facility_operators.csv` (who runs a facility where ICE's lists lack or misstate it)"
MANIFESTS = "every `data/raw/<source>/MANIFEST.csv`"
FBI_ROSTERS = ("`data/raw/fbi/` — the FBI Crime Data Explorer's 2018 API list and 2017 front-end list: ORI, "
               "name, agency type, county name, coordinates")
ORI = _col("ori", "string", "The FBI's ORI code of the agency: nine letters and digits, stable across renames.",
           "FBI roster column ori (the 2017 list's keys)")
ROSTER = _col("roster", "category", "Which FBI list the ORI's entry was read from: `fbi_2018` (API list) or "
              "`fbi_2017` (front-end list, for ORIs the 2018 list lacks); empty without an ORI.",
              "fbi_rosters.read_rosters", nullable=True, allowed=("fbi_2018", "fbi_2017"))
ROSTER_NAME = _col("roster_name", "string", "The agency's name on the FBI roster; empty without an ORI.",
                   "FBI roster agency_name", nullable=True)
ROSTER_TYPE = _col("roster_type", "string", "The FBI's agency type (City, County, State Police, Other State "
                   "Agency, University or College, Tribal, Other ...); empty without an ORI.",
                   "FBI roster agency_type_name", nullable=True)

OPERATOR_FIELDS = (
    _col("operator", "string", "Who runs the facility: the body a hand row names, else the `Facility Operator` of "
         "ICE's newest facility list joined to it (GEO, CCA, COUNTY (SHERIFF), COUNTY (JAILER) ...); empty when "
         "neither says (unknown).", "data/hand/facility_operators.csv operator; ICE facility list Facility Operator",
         nullable=True),
    _col("operator_kind", "category", "Kind of operator (operators.ICE_OPERATORS for ICE's values); empty when "
         "unknown. A private operator's facility is never matched.", "computed (operators.resolve)", nullable=True,
         allowed=OPERATOR_KINDS),
    _col("operator_source", "string", "The evidence: the hand row's source, or the ICE list, its DETLOC, name and "
         "city and the join rule; empty when unknown.", "computed (operators.resolve)", nullable=True),
)

_DATASETS: tuple[Dataset, ...] = (
    # ----------------------------------------------------------------------------- 00_raw_inventory
    Dataset(
        "data/processed/raw_inventory.csv",
        "One row per raw file in `data/raw/`: the source folder, what kind of file it is, the date it speaks "
        "for, its size and checksum, and where it was copied from. The map of the archive everything else is "
        "computed from.",
        ("00_raw_inventory",), (MANIFESTS,),
        (
            _col("source", "category", "Source folder in data/raw/: ICE 287(g) lists, ICE detention statistics, "
                 "ICE facility lists, TRAC tables, Census geography or FBI agency rosters.",
                 "folder name under data/raw/",
                 allowed=("census", "fbi", "ice_287g", "ice_detention", "ice_facilities", "trac")),
            _col("file", "string", "File name inside the source folder.", "MANIFEST.csv column file"),
            _col("kind", "category", "What kind of file it is (e.g. `ice_287g_participating_xlsx`, "
                 "`census_popest_county_totals_csv`), as the archive's curators label it.", "MANIFEST.csv column kind"),
            _col("as_of_date", "date", "Date the file speaks for (for an ICE list, the list date).",
                 "MANIFEST.csv column as_of_date"),
            _col("bytes", "integer", "File size.", "MANIFEST.csv column bytes", unit="bytes"),
            SHA256,
            _col("source_repo", "string", "Public repository or archive the copy was taken from.",
                 "MANIFEST.csv column source_repo", nullable=True),
            _col("original_url", "string", "Address the file was originally published at, where known.",
                 "MANIFEST.csv column original_url", nullable=True),
        ),
    ),
    Dataset(
        "data/qa/raw_verification.csv",
        "One row per raw file listed in a manifest (plus one per unlisted file found), with the result of "
        "checking its size and SHA-256 against the manifest. The build stops before any notebook if a file "
        "fails, so a committed copy should say `ok` everywhere.",
        ("00_raw_inventory",), (MANIFESTS, "every file in `data/raw/`"),
        (
            _col("source", "category", "Source folder in data/raw/.", "folder name under data/raw/"),
            _col("file", "string", "File name inside the source folder.",
                 "MANIFEST.csv column file, or the unlisted file's name"),
            _col("kind", "category",
                 "Kind of file as the manifest labels it; empty for a file the manifest does not list.",
                 "MANIFEST.csv column kind", nullable=True),
            _col("bytes", "integer", "File size the manifest records; empty for an unlisted file.",
                 "MANIFEST.csv column bytes", nullable=True, unit="bytes"),
            _as(SHA256, meaning="SHA-256 the manifest records; empty for an unlisted file.", nullable=True),
            _col("status", "string", "`ok`, or every problem found: size or hash mismatch (with expected and "
                 "actual values), missing file, unlisted file, malformed hash.",
                 "computed (sources.verify_raw)"),
        ),
    ),
    # -------------------------------------------------------------------------- 01_agreement_history
    Dataset(
        "data/processed/list_rows.csv",
        "One row per agreement row of every archived ICE 287(g) list (participating and pending, every era): "
        "the normalized values beside the values as printed, with the file, sheet and row it came from. "
        "Blank rows, repeated headers and rows without an agency name are left out (see "
        "`data/qa/skipped_rows.csv`).",
        ("01_agreement_history",), (ICE_LISTS, ICE_FIXES),
        (
            LIST_ID, LIST_DATE, LIST_KIND, ICE_SOURCE_FILE,
            _col("sheet", "string", "Workbook sheet the list was read from; empty for a CSV file.",
                 "raw workbook sheet name", nullable=True),
            _col("row", "integer", "Row number in the raw sheet or CSV, as a spreadsheet shows it (header = row 1).",
                 "position in the raw file", unit="row number"),
            _as(STATE, source=STATE.source + "; a pending row printed under the wrong state takes the state its "
                "agency signs in (pending_states.state_corrections, each move in data/qa/pending_state_corrections.csv; "
                "state_printed keeps the printed one)"),
            AGENCY,
            AGENCY_TYPE, COUNTY_PRINTED,
            _as(MODEL, meaning=MODEL_MEANING + ". Empty on the partners page, which prints no model.", nullable=True),
            _col("model_printed", "string",
                 "Model label exactly as printed (e.g. 'Jail Enforcement'); empty when none.",
                 "ICE list column SUPPORT TYPE", nullable=True),
            SIGNED,
            _col("moa", "string", "Text of the MOA (memorandum of agreement) cell as printed: a label (`link`, "
                 "`link pending` in ICE's workbooks), the document's address (web-table captures) or the PDF's "
                 "file name (fact-sheet roster); empty when none. The address itself is in moa_url.",
                 "ICE list column MOA (moa_file in the fact-sheet roster)", nullable=True),
            _col("addendum", "string", "Text of the ADDENDUM cell as printed (`link`, `link pending`); empty when "
                 "none. The address itself is in addendum_url.", "ICE list column ADDENDUM", nullable=True),
            ERA,
            _col("state_printed", "string", "State exactly as printed (full name or code, typos included).",
                 "ICE list column STATE"),
            _col("agency_printed", "string", "Agency name as printed, before data/hand/agency_name_fixes.csv.",
                 "ICE list column LAW ENFORCEMENT AGENCY"),
            _col("agency_type_printed", "string", "TYPE exactly as printed; empty when none.", "ICE list column TYPE",
                 nullable=True),
            _col("signed_printed", "string",
                 "SIGNED cell as printed (an Excel date shown as YYYY-MM-DD); empty when none.",
                 "ICE list column SIGNED", nullable=True),
            _col("agency_key", "string", "Name key used for agency identity: upper case, punctuation and apostrophes "
                 "removed, abbreviations expanded (CO -> COUNTY, SO -> SHERIFFS OFFICE, ...), after aliases.",
                 "computed from agency and data/hand/aliases.csv (agreements.agency_key)"),
            _as(AGENCY_ID, source=AGENCY_ID.source + "; a pending row moved to another state takes that state's "
                "agency_id (pending_states.state_corrections)"),
            _as(AGREEMENT_ID, nullable=True, meaning="The agreement this participating row prints: the newest form "
                "of its agreement once ICE's corrections are joined (data/qa/corrections.csv); empty on a pending "
                "list."),
            MOA_URL,
            ADDENDUM_URL,
        ),
    ),
    Dataset(
        "data/processed/lists.csv",
        "One row per archived ICE list (a single workbook, or one capture inside a stacked file): its date and "
        "how that date was decided, the raw file and its checksum, a hash of its content, row and agreement "
        "counts, and whether it counts in the agreement history.",
        ("01_agreement_history",), (ICE_LISTS, ICE_FIXES, EXCLUDED),
        (
            LIST_ID, LIST_DATE, LIST_KIND, ICE_SOURCE_FILE,
            _as(SHA256, meaning="SHA-256 of the raw file the list was read from."),
            _col("content_hash", "string", "SHA-256 of the list's sorted content (state, agency key, type, county, "
                 "model, signing date): two lists with the same hash say exactly the same thing.",
                 "computed (agreements.content_hash)"),
            _col("rows", "integer", "Data rows below the header in the raw sheet (blank and skipped rows included); "
                 "for a stacked file, its rows for this list.", "raw file", unit="rows"),
            _col("agreements", "integer", "Agreement rows read from the list (rows minus skipped rows).",
                 "count of list_rows.csv rows", unit="agreements"),
            _col("agencies", "integer", "Distinct agencies (agency_id) on the list.", "list_rows.csv", unit="agencies"),
            _col("states", "integer", "Distinct states and territories on the list.", "list_rows.csv", unit="states"),
            ERA,
            _col("date_basis", "string", "How list_date was decided: `file name`, `capture date` (with the roster's "
                 "caption), `list caption`, `sheet date in stacked file`, `archive date`, or `corrected file name` "
                 "when ICE's own file name carries a wrong date.", "computed (agreements.file_date)"),
            _col("duplicate_of", "string", "list_id of an earlier list with the same content_hash (the same list "
                 "published or captured again); empty for the first one.", "computed from content_hash",
                 nullable=True),
            _col("time_of_day", "category", "`am`, `pm` or `mid` when ICE's file name (or a stacked file's sheet "
                 "date) marks several lists on one day; empty otherwise.", "raw file name", nullable=True,
                 allowed=("am", "mid", "pm")),
            _col("sheet", "string", "Workbook sheet holding the list; empty for a stacked CSV.",
                 "raw workbook sheet name", nullable=True),
            _col("name_date", "date", "Date written in the file's own name (Wayback timestamp or ICE's MMDDYYYY); "
                 "empty when the name has none or it is not a valid date.", "raw file name", nullable=True),
            _col("content_as_of", "date", "'As of' date printed on the list itself (partners page and fact-sheet "
                 "roster only); empty otherwise.", "stacked CSV columns as_of / content_asof", nullable=True),
            _col("skipped_rows", "integer", "Raw rows left out (blank, repeated header, no agency) in this list's "
                 "file and sheet; for a stacked CSV, in the whole file.", "data/qa/skipped_rows.csv", unit="rows"),
            _col("in_series", "boolean", "True when the list counts in the agreement history: its era is one of "
                 "partners_page, fact_sheet, web_table, ice_workbook and data/hand/list_decisions.csv does not "
                 "exclude it.", "computed (agreements.summarize_lists)"),
            _col("series_note", "string", "Why a list is outside the series (third-party re-tabulation, or the "
                 "exclusion reason); empty otherwise.", "computed; data/hand/list_decisions.csv", nullable=True),
            _col("manifest_kind", "category", "The raw file's kind in the manifest.",
                 "data/raw/ice_287g/MANIFEST.csv column kind",
                 allowed=("ice_287g_derived_csv", "ice_287g_html_capture", "ice_287g_html_table_xlsx",
                          "ice_287g_participating_xlsx",
                          "ice_287g_pending_xlsx")),
        ),
    ),
    Dataset(
        "data/processed/agreements.csv",
        "One row per 287(g) agreement (agency × model × signing date) ever seen on a participating list of the "
        "series, with the first and last list showing it and its status. Removals are inferred from absence: "
        "ICE publishes no terminations.",
        ("01_agreement_history",), (ICE_LISTS, ICE_FIXES, EXCLUDED),
        (
            AGREEMENT_ID, AGENCY_ID, STATE,
            _as(AGENCY, meaning="Agency name on the latest list showing the agreement."),
            _as(MODEL, meaning=MODEL_MEANING + ". Empty for agreements seen only on the partners page.", nullable=True),
            _as(SIGNED, meaning="Date the agreement was signed; empty where no list showing it prints one."),
            _col("first_listed", "date", "Date of the first participating series list showing the agreement.",
                 SERIES_LIST_DATE),
            _col("last_listed", "date", "Date of the last participating series list showing the agreement.",
                 SERIES_LIST_DATE),
            _col("status", "category", "`Active` = on the newest list; `Superseded` = the same agency and model "
                 "are listed again under a later signing date, first listed within the gap threshold "
                 "(vocab.GAP_DAYS) of this agreement's last listing (a re-signing; ICE correcting a date is not "
                 "one); `Removed` = seen absent from a list within the gap threshold of its last listing, and not "
                 "re-signed within it; `Lapsed` = last listed just before an archive gap longer than the gap "
                 "threshold and absent when the archive resumes: it ended at an unknown time inside the gap (a "
                 "model-less partners-page row is never superseded).",
                 "computed (history.agreement_history)", allowed=("Active", "Superseded", "Removed", "Lapsed")),
            _col("status_reason", "string", "The evidence for the status: the newest list, the successor agreement, "
                 "or the list it is missing from (with any archive gap before that list).",
                 "computed (agreements.agreement_history)"),
            _col("lists_seen", "integer", "Participating series lists showing the agreement, under any of its "
                 "printed forms.", "list_rows.csv", unit="lists"),
            _col("corrections", "integer", "How many corrections ICE made to the agreement's printed form between "
                 "two lists (its rows in data/qa/corrections.csv).", "data/qa/corrections.csv",
                 unit="corrections"),
            _as(ERA, meaning="Era of the first list showing the agreement. `partners_page` agreements (the earliest "
                "lists) print no model or signing date: they are never linked to a later agreement, and headline "
                "numbers keep them apart.", allowed=SERIES_ERAS),
            _as(MOA_URL, meaning="Address of the signed memorandum of agreement, from the newest participating "
                "series list that links one for this agreement (a later `link pending` does not hide it); empty "
                "when no list does. Web-table era links point to a Wayback Machine capture, kept as printed.",
                source="list_rows.csv moa_url"),
            _as(ADDENDUM_URL, meaning="Address of the agreement's addendum, from the newest participating series "
                "list that links one; empty when none does.", source="list_rows.csv addendum_url"),
        ),
    ),
    Dataset(
        "data/processed/agencies.csv",
        "One row per agency (agency_id) on any list of the series, participating or pending: every spelling "
        "ICE used, its type, the models it held and when it was first and last listed.",
        ("01_agreement_history",), (ICE_LISTS, ICE_FIXES, EXCLUDED, FBI_ROSTERS, "`data/hand/agency_ori.csv`"),
        (
            AGENCY_ID, STATE,
            _as(AGENCY, meaning="Agency name on the latest series list showing the agency."),
            _col("spellings", "string", "Every distinct printed name of the agency, sorted, separated by `; `.",
                 "list_rows.csv agency_printed"),
            _as(AGENCY_TYPE, meaning="Latest non-empty TYPE ICE printed for the agency; empty if never printed."),
            _col("first_listed", "date", "Date of the first participating list showing the agency; empty for an "
                 "agency only ever on pending lists.", SERIES_LIST_DATE, nullable=True),
            _col("last_listed", "date", "Date of the last participating list showing the agency; empty for an "
                 "agency only ever on pending lists.", SERIES_LIST_DATE, nullable=True),
            _col("models", "string", "Models the agency held on participating lists, in the order JEM;WSO;TFM, "
                 "separated by `;`; empty if none was printed or it was never participating.",
                 "list_rows.csv model", nullable=True),
            _col("first_pending", "date", "Date of the first pending list showing the agency; empty if never pending.",
                 "list_rows.csv, pending lists of the series", nullable=True),
            _as(ORI, nullable=True, meaning=ORI.meaning + " Empty when no rule found exactly one "
                "(`data/processed/agency_roster_matches.csv` says why)."),
        ),
    ),
    Dataset(
        "data/processed/list_counts.csv",
        "One row per list × state × model: how many agreements, agencies and states the list holds, with `ALL` "
        "rows for every state and every model together. Covers every list, including those outside the series.",
        ("01_agreement_history",), (ICE_LISTS, ICE_FIXES),
        (
            LIST_DATE, LIST_KIND,
            _as(STATE, meaning="Two-letter code of the state or territory, or `ALL` for every state together."),
            _col("model", "category", "JEM, WSO or TFM, or `ALL` for every model together (the `ALL` row also "
                 "counts rows that print no model).", "list_rows.csv model", allowed=("ALL",) + MODELS),
            _col("agreements", "integer", "Agreement rows on the list in this state and model.", "list_rows.csv",
                 unit="agreements"),
            _col("agencies", "integer", "Distinct agencies among them.", "list_rows.csv agency_id", unit="agencies"),
            _col("states", "integer", "Distinct states among them (always one on a single-state row).",
                 "list_rows.csv state", unit="states"),
            LIST_ID,
        ),
    ),
    Dataset(
        "data/processed/wapo_agency_years.csv",
        "Secondary source, not an ICE list: one row per agency and year that the Washington Post's curated "
        "list of sheriffs flags as having a 287(g) agreement, with the agency matched to the same agency_id as "
        "the ICE lists.",
        ("01_agreement_history",),
        ("`data/raw/ice_287g/` Washington Post workbook (manifest kind `wapo_287g_curated_derived_xlsx`)",
         "`data/hand/state_fixes.csv`, `blank_state_fixes.csv`, `aliases.csv`"),
        (
            _col("source", "string", "Credit line: the Washington Post (wpinvestigative/sheriffs_287g), a secondary "
                 "source.", "constant (agreements.WAPO_SOURCE)"),
            _col("source_file", "string", "The Washington Post workbook in data/raw/ice_287g/.",
                 "data/raw/ice_287g/MANIFEST.csv file name"),
            _col("row", "integer", "Row number in the workbook, as a spreadsheet shows it (header = row 1).",
                 "position in the raw file", unit="row number"),
            _as(STATE, source="workbook column State (or data/hand/blank_state_fixes.csv when blank)"),
            _col("agency", "string", "Agency name as the Post prints it.", "workbook column County"),
            _as(AGENCY_ID, source="computed from state and the agency's name key, as for the ICE lists"),
            _col("sheriff", "string", "Sheriff's name; empty when not given.", "workbook column Sheriff",
                 nullable=True),
            _col("county_fips", "string", "Five-digit county FIPS code the Post gives; empty when not given.",
                 "workbook column FIPS, zero-padded", nullable=True),
            _col("section", "category", "Part of the sheet the row is in: the first part (agencies participating "
                 "when the Post made the list), or the text of the sub-header that starts the second part "
                 "(agencies that ended their agreements).",
                 "workbook layout (sub-header row)"),
            _col("year", "integer", "Calendar year the Post flags with an X.", "workbook year columns yYYYY",
                 unit="year"),
        ),
    ),
    Dataset(
        "data/qa/qa_summary.csv",
        "One row per quality check: each list's agreement count against a second count of its non-blank agency "
        "cells read by another reader, the counts the archive's curators recorded in the manifest notes, the "
        "suspicious lists and their decisions, counts of skipped rows, unknown values and name near-misses, "
        "(from 03_maps) how many agreements were placed on the map, and (from 04_detention) the detention "
        "checks: superseded workbooks skipped, year-end releases near 30 September, blank-state facilities "
        "reported, TRAC's facility table equal to ICE's, (from 06_pending_pipeline) the pending requests: one "
        "outcome each, every pending sighting in a request, no negative day count without its reason, every "
        "signed_other_model naming its model, every pending row moved to another state listed as participating "
        "there within pending_states.STATE_WINDOW_DAYS and present in list_rows.csv, and (from "
        "07_jails_and_detention) the jail matches: "
        "local types only, the same county, one agency per facility, every local facility matched or listed, no "
        "facility of a private operator matched, no sheriff rule in a state whose county jails another officer "
        "runs, every facility beside every ICE facility list, every hand operator row used. "
        "A `fail` stops the build. Rows are tagged with their "
        "stage.",
        ("01_agreement_history", "03_maps", "04_detention", "06_pending_pipeline", "07_jails_and_detention"),
        (ICE_LISTS, "`data/raw/ice_287g/MANIFEST.csv` notes (curated counts)", ICE_FIXES, EXCLUDED, PLACE_HAND,
         DETENTION_BOOKS, TRAC_FAC),
        (
            _col("stage", "category", "Notebook whose checks the row holds. Each stage replaces only its own rows "
                 "(qa.upsert_summary), so running one stage alone keeps the others' checks.", "pipeline stage",
                 allowed=("01_agreement_history", "03_maps", "04_detention", "06_pending_pipeline",
                          "07_jails_and_detention")),
            _col("check", "category", "Name of the check, e.g. `agreements_equal_agency_cells`, `suspicious_list`, "
                 "`manifest_rows`, `manifest_JEM`, `unused_fixes`, `placement_min_share` (placement checks start "
                 "with `placement_`, detention checks with `detention_`, pending-pipeline checks with `pending_`).",
                 "agreements.qa_summary, placement_qa.placement_qa, detention.qa_rows, pending.qa_rows and "
                 "jails.qa_rows"),
            _col("scope", "string", "What was checked: a list_id, a raw file name, `all lists`, `agencies`, "
                 "`data/hand`, or a group of lists.", "computed"),
            _col("value", "string", "Value found (a count or a share, as text).", "computed"),
            _col("expected", "string", "Value or rule expected, as text.", "computed; manifest notes"),
            _col("status", "category", "`pass`, `fail` (stops the build) or `info` (reported, not a failure).",
                 "computed", allowed=("fail", "info", "pass")),
        ),
    ),
    Dataset(
        "data/qa/unknown_values.csv",
        "One row per printed value that is not already in canonical form (a state typo, a model label variant, "
        "an odd TYPE, a corrected agency name) with what it was normalized to and how often it occurs.",
        ("01_agreement_history",), (ICE_LISTS, ICE_FIXES),
        (
            _col("column", "category", "Raw column the value was printed in.", "ICE list header",
                 allowed=("LAW ENFORCEMENT AGENCY", "STATE", "SUPPORT TYPE", "TYPE")),
            _col("printed", "string", "Value as printed.", "list_rows.csv *_printed columns"),
            _col("normalized", "string", "What it became (empty when a fix maps it to nothing, e.g. a TYPE of '#NA').",
                 "list_rows.csv state / model / agency_type / agency", nullable=True),
            _col("rows", "integer", "List rows printing this value.", "list_rows.csv", unit="rows"),
            _col("files", "integer", "Raw files printing it.", "list_rows.csv source_file", unit="files"),
            _col("first_file", "string",
                 "Alphabetically first raw file printing it (file names start with their date).",
                 "list_rows.csv source_file"),
        ),
    ),
    Dataset(
        "data/qa/skipped_rows.csv",
        "One row per raw row not read as an agreement: a blank row, a repeated header, or a row without an "
        "agency name.",
        ("01_agreement_history",), (ICE_LISTS,),
        (
            ICE_SOURCE_FILE,
            _col("sheet", "string", "Workbook sheet; empty for a CSV file.", "raw workbook sheet name", nullable=True),
            _col("row", "integer", "Row number in the raw sheet or CSV (header = row 1).", "position in the raw file",
                 unit="row number"),
            _col("reason", "category", "Why the row was skipped.",
                 "computed (agreements._read_workbook, _read_stacked_csv)",
                 allowed=("blank row", "no agency name", "no agency name in a non-blank row", "repeated header")),
            _col("content", "string", "The row's non-empty cells joined by ` | `; empty for a blank row.", "raw row",
                 nullable=True),
        ),
    ),
    Dataset(
        "data/qa/suspicious_drops.csv",
        "One row per list a person must look at: an empty list, or one that loses more than the share set in "
        "`listqa.DROP_SHARE` of the agreements of the previous list of its kind in the series (a possible partial "
        "capture). A participating one stops the build until `data/hand/list_decisions.csv` accepts or excludes "
        "it; pending lists turn over fast and are reported only.",
        ("01_agreement_history",), (ICE_LISTS, EXCLUDED),
        (
            LIST_ID, LIST_DATE, LIST_KIND,
            _col("case", "category", "`empty` (header only) or `drop` (lost more than DROP_SHARE of the previous "
                 "list's agreements).", "computed (listqa.suspicious_drops)", allowed=("drop", "empty")),
            _col("agreements", "integer", "Agreement rows on this list.", "list_rows.csv", unit="agreements"),
            _col("previous_list_id", "string", "The previous list of the same kind in the series (an excluded list "
                 "is never the previous one); empty for the first list.", "lists.csv, in date order", nullable=True),
            _col("previous_agreements", "integer", "Agreement rows on the previous list.", "list_rows.csv",
                 unit="agreements"),
            _col("lost", "integer", "Agreements of the previous list this one no longer shows (same agency and "
                 "model; agency alone where a list prints no model).", "computed (listqa.lost_agreements)",
                 unit="agreements"),
            _col("change_pct", "number", "Net change from the previous list, rounded to one decimal.",
                 "computed: 100 × (agreements − previous_agreements) / previous_agreements", unit="percent"),
            _col("decision", "category", "`accept` or `exclude` from data/hand/list_decisions.csv; empty when no "
                 "one has decided.", "data/hand/list_decisions.csv", nullable=True, allowed=("accept", "exclude")),
            _col("decision_reason", "string", "The decision's reason; empty without a decision.",
                 "data/hand/list_decisions.csv reason", nullable=True),
            _col("status", "category", "`fail` for an undecided participating list (stops the build), `info` "
                 "otherwise.", "computed (listqa.suspicious_drops)", allowed=("fail", "info")),
        ),
    ),
    Dataset(
        "data/qa/identity_candidates.csv",
        "One row per pair of agencies in the same state for a person to decide: the same role (sheriff, police, "
        "corrections ...) and names the same apart from generic words or nearly the same; or an agreement leaving "
        "a list and one of the same model and signing date entering it whose names are similar but pass no rename "
        "rule, or that has several partners passing one. They are never merged by code; a person records a merge "
        "in `data/hand/aliases.csv` or a distinct pair in `data/hand/distinct_agencies.csv`.",
        ("01_agreement_history",), (ICE_LISTS, "`data/hand/aliases.csv`", "`data/hand/distinct_agencies.csv`"),
        (
            STATE,
            _as(AGENCY_ID, "agency_id_a", meaning="agency_id of the first agency of the pair."),
            _as(AGENCY, "agency_a", meaning="Name of the first agency.", source="agencies.csv agency"),
            _as(AGENCY_ID, "agency_id_b", meaning="agency_id of the second agency of the pair."),
            _as(AGENCY, "agency_b", meaning="Name of the second agency.", source="agencies.csv agency"),
            _col("why", "string", "Why the pair is listed: the same name apart from generic words, a similar "
                 "name with its similarity ratio (between zero and one), or a near miss or ambiguous rename at a "
                 "list transition (with the model, signing date and the two lists).",
                 "computed (identity.identity_candidates, identity.rename_transitions, difflib)"),
        ),
    ),
    Dataset(
        "data/qa/renames.csv",
        "One row per agreement whose agency name changed at a transition of the participating series: the old "
        "name's last list and the new name's first list (within identity.RENAME_WINDOW_DAYS, or the next list), "
        "with the same state, model and signing date, joined by a logged rule. Both names are one agency. Rule "
        "`ori` rows are agreements of a name merged because the FBI rosters give it the ORI of a name never "
        "listed with it (`data/qa/roster_shared_ori.csv`): one row per agreement of the old name.",
        ("01_agreement_history",), (ICE_LISTS, "`data/hand/aliases.csv`", "`data/hand/distinct_agencies.csv`",
                                    FBI_ROSTERS, "`data/hand/agency_ori.csv`"),
        (
            AGREEMENT_ID,
            _as(AGENCY, "old_agency", meaning="Agency name before the transition.", source="list_rows.csv agency"),
            _as(AGENCY, "new_agency", meaning="Agency name after the transition.", source="list_rows.csv agency"),
            STATE,
            _as(MODEL, nullable=True, meaning=MODEL_MEANING + ". Empty for partners-page agreements."),
            _as(SIGNED),
            _col("old_last_listed", "date", "Last participating series list printing the old name.",
                 SERIES_LIST_DATE),
            _col("new_first_listed", "date", "First participating series list printing the new name (for rule "
                 "`ori`: printing the same agreement under it, else the new name at all; empty when the new name "
                 "was only ever pending).", SERIES_LIST_DATE, nullable=True),
            _col("rule", "category", "The rule joining the names: `abbreviation` (equal keys once the "
                 "abbreviation table expands DPS, BOCC, Dept ...), `hand` (data/hand/aliases.csv), `state_prefix` "
                 "(a leading state name or code added or dropped), `word_order` (the same words reordered), "
                 "`name_extended` (a '/'-, '-'- or ','-separated suffix added or dropped), `edit_distance` (a typo: "
                 "at most identity.EDIT_MAX edits, same numbers), `ori` (both names match one FBI ORI and never "
                 "appear on one list).", "computed (identity.rename_rule; roster.ori_mapping)",
                 allowed=("abbreviation", "hand", "state_prefix", "word_order", "name_extended", "edit_distance",
                          "ori")),
        ),
    ),
    Dataset(
        "data/qa/corrections.csv",
        "One row per correction ICE made to an agreement between two lists of the participating series: a form "
        "(agency × model × signing date) leaves after one list and another enters on the next, never both on one "
        "list, and a logged rule (or a person) says they are one agreement. A correction is not an event: the "
        "agreement keeps ICE's newest printed form, and its listings under every form.",
        ("01_agreement_history",), (ICE_LISTS, ICE_FIXES, "`data/hand/agreement_corrections.csv`"),
        (
            _as(AGREEMENT_ID, nullable=True, meaning="The agreement corrected (its newest form); for a pending row "
                "moved to its state (kind `state`), the agreement the request became, empty when none."),
            STATE,
            _as(AGENCY, "agency_before", meaning="Agency name before the correction.", source="list_rows.csv agency"),
            _as(AGENCY, "agency_after", meaning="Agency name after the correction.", source="list_rows.csv agency"),
            _as(MODEL, "model_before", meaning="Model before the correction."),
            _as(MODEL, "model_after", meaning="Model after the correction."),
            _col("signed_before", "string", "Signing date before the correction, as printed after the date fixes "
                 "(a year typo is kept as printed); empty for a pending row (kind `state`).", "list_rows.csv signed",
                 nullable=True),
            _col("signed_after", "date", "Signing date after the correction; for a pending row (kind `state`), of "
                 "the agreement it became, empty when none.", "list_rows.csv signed", nullable=True),
            _col("last_list_before", "date", "Last list printing the form before the correction.", SERIES_LIST_DATE),
            _col("first_list_after", "date", "First list printing the corrected form (the next list of the "
                 "series).", SERIES_LIST_DATE),
            _col("kind", "category", "`signed_date` (the same agency and model, dates at most "
                 "corrections.DATE_FIX_DAYS apart), `year_typo` (dates equal but for an impossible year, or a "
                 "year early), `agency` (the same state, model and date under another agency sharing a county or "
                 "place), `model` (the same agency and date, model relabelled), `state` (a pending row printed "
                 "under the wrong state).", "computed (corrections.find)",
                 allowed=("signed_date", "year_typo", "agency", "model", "state")),
            _col("rule", "string", "The evidence: the rule and what it saw, or `hand:` and the reason from "
                 "data/hand/agreement_corrections.csv.", "computed (corrections.find)"),
        ),
    ),
    Dataset(
        "data/qa/earlier_successors.csv",
        "One row per agreement followed, within the gap threshold, by one of the same agency and model with an "
        "earlier signing date that no correction rule joined. A re-signing cannot carry an earlier date, so any "
        "row here fails the QA until a person decides in `data/hand/agreement_corrections.csv`.",
        ("01_agreement_history",), (ICE_LISTS, "`data/hand/agreement_corrections.csv`"),
        (
            AGREEMENT_ID,
            _as(AGREEMENT_ID, "successor_id", meaning="The later-listed agreement with the earlier date."),
            STATE, AGENCY, MODEL, SIGNED,
            _as(SIGNED, "successor_signed", meaning="The successor's (earlier) signing date."),
            _col("last_listed", "date", "Last list showing the agreement.", SERIES_LIST_DATE),
            _col("successor_first_listed", "date", "First list showing the successor.", SERIES_LIST_DATE),
        ),
    ),
    Dataset(
        "data/qa/unused_fixes.csv",
        "One row per correction in the `data/hand/` list tables that matched nothing in this build (a stale fix "
        "worth removing). Empty when every fix was used.",
        ("01_agreement_history",), (ICE_FIXES, "`data/hand/blank_state_fixes.csv`",
                                    "`data/hand/pending_state_fixes.csv`"),
        (
            _col("table", "category", "Hand table holding the fix (`data/hand/<name>.csv`).", "data/hand/"),
            _col("state", "string", "State the fix is keyed on; empty for tables not keyed by state.",
                 "hand table column state", nullable=True),
            _col("value", "string", "The value the fix is keyed on (upper case, spaces tidied).",
                 "hand table column value"),
            _col("fix", "string", "What the value would become.", "hand table column fix", nullable=True),
        ),
    ),
    Dataset(
        "data/qa/pending_state_corrections.csv",
        "One row per agency, model and pending list date that the build moved to another state: a pending row "
        "printed under a state whose FBI rosters, participating lists and counties do not know the agency, whose "
        "name is on a participating list of one other state within pending_states.STATE_WINDOW_DAYS of the pending list "
        "(pending_states.state_corrections), or that data/hand/pending_state_fixes.csv moves. The columns are the "
        "project's corrections log's (kind `state`); the printed state is in rule.",
        ("01_agreement_history",), (ICE_LISTS, FBI_ROSTERS, CENSUS_COUNTIES, "`data/hand/pending_state_fixes.csv`"),
        (
            _as(AGREEMENT_ID, meaning="The agreement of the same model the request became in the new state (the "
                "first listed still listed on or after the pending list, pending_states.became); empty when none.",
                source="computed (pending_states.state_corrections)", nullable=True),
            _as(STATE, meaning="The state the rows were moved to: the one the agency signs in.",
                source="list_rows.csv state of the participating listing"),
            _as(AGENCY, "agency_before", meaning="The agency's name on the pending list."),
            _as(AGENCY, "agency_after", meaning="The agency's name after the correction (a move keeps the name)."),
            _as(MODEL, "model_before", meaning="Model requested on the pending list. " + MODEL_MEANING + "."),
            _as(MODEL, "model_after", meaning="Model after the correction (a move keeps the model)."),
            _col("signed_before", "date", "Signing date before the correction: always empty (a pending list prints "
                 "none).", "list_rows.csv signed", nullable=True),
            _col("signed_after", "date", "Signing date after the correction: always empty.", "list_rows.csv signed",
                 nullable=True),
            _col("last_list_before", "date", "Date of the pending list printing the row under the wrong state.",
                 "lists.csv list_date"),
            _col("first_list_after", "date", "Date of the participating list in the new state nearest to the pending "
                 "list (empty for a move by hand to a state with no listing).", "lists.csv list_date",
                 nullable=True),
            _col("kind", "category", "What was corrected.", "pending_states.state_corrections", allowed=("state",)),
            _col("rule", "string", "Why: `pending_state: printed <state>, signs in <state> on <date>` with the "
                 "participating listing and its distance in days, or `pending_state_fixes.csv: printed <state>, "
                 "moved to <state>: <reason>`.", "computed (pending_states.state_corrections)"),
        ),
    ),
    Dataset(
        "data/processed/agency_roster_matches.csv",
        "One row per agency of the history (agencies.csv) with its FBI ORI code, the roster entry that gave it "
        "and the rule that matched, or no ORI and why. Matching is conservative: hand row, then the name folded, "
        "then its identity key or FBI name form, then another spelling, all within the state; a name two ORIs "
        "share is taken by none (see `data/qa/roster_candidates.csv`).",
        ("01_agreement_history",), (FBI_ROSTERS, CENSUS_COUNTIES, "`data/processed/agencies.csv`",
                                    "`data/hand/agency_ori.csv`"),
        (
            AGENCY_ID, STATE, _as(AGENCY, meaning="The agency's newest name on ICE's lists (agencies.csv)."),
            _as(ORI, nullable=True, meaning=ORI.meaning + " Empty when no rule found exactly one."),
            ROSTER, ROSTER_NAME, ROSTER_TYPE,
            _col("roster_county_fips", "string", "2024 county FIPS of the roster's (first) county name; empty when "
                 "there is no ORI or the name matches no county.", "roster county name through "
                 "census.match_county", nullable=True),
            _col("match_rule", "category", "`exact_name` (names equal once case and punctuation are folded), "
                 "`normalized` (identity keys or FBI name forms equal: roster.roster_key), `alias` (another "
                 "spelling of the agency matched), `hand` (data/hand/agency_ori.csv), `none`.",
                 "computed (roster.match_agencies)", allowed=("exact_name", "normalized", "alias", "hand", "none")),
            _col("note", "string", "How it matched (identity key, FBI name form, another spelling, the hand row's "
                 "reason), or why there is no ORI: ambiguous (with the ORIs), constable, district attorney, "
                 "corrections, state agency, no roster name matched.", "computed (roster.match_agencies)",
                 nullable=True),
        ),
    ),
    Dataset(
        "data/qa/roster_candidates.csv",
        "ORIs a person should look at for agencies without one: every ORI of a name several roster entries "
        "share, and roster names of the state near the agency's (same role, compatible type). Never taken; a "
        "row of `data/hand/agency_ori.csv` takes one.",
        ("01_agreement_history",), (FBI_ROSTERS, "`data/processed/agency_roster_matches.csv`"),
        (
            AGENCY_ID, STATE, AGENCY,
            _as(AGENCY_TYPE, meaning="ICE's newest TYPE for the agency (agencies.csv); empty when never printed."),
            ORI, ROSTER, ROSTER_NAME, ROSTER_TYPE,
            _col("ratio", "number", "difflib similarity of the two names' cores (1 for an ambiguous name).",
                 "computed (roster.roster_candidates)"),
            _col("why", "string", "`ambiguous: same name`, or the similarity and role.",
                 "computed (roster.roster_candidates)"),
        ),
    ),
    Dataset(
        "data/qa/roster_shared_ori.csv",
        "One row per pair of agencies of the name rules that claim one ORI, before the build merges by ORI, with "
        "when each name was listed. `same_agency` pairs (never on one list of the series) are one agency under "
        "two names and are merged (rule `ori` in `data/qa/renames.csv`); `conflict` pairs stop the build until "
        "`data/hand/agency_ori.csv` settles them. Empty when no ORI is claimed twice.",
        ("01_agreement_history",), (FBI_ROSTERS, "`data/hand/agency_ori.csv`", "`data/hand/distinct_agencies.csv`",
                                    "`data/processed/list_rows.csv`"),
        (
            ORI, STATE, ROSTER_NAME,
            *[c for side in ("a", "b") for c in (
                _as(AGENCY_ID, f"agency_id_{side}", meaning=f"Agency {side} of the pair."),
                _as(AGENCY, f"agency_{side}", meaning=f"Newest name of agency {side}."),
                _col(f"rule_{side}", "category", f"match_rule that gave agency {side} the ORI.",
                     "agency_roster_matches.csv match_rule", allowed=("exact_name", "normalized", "alias", "hand")),
                _col(f"first_listed_{side}", "date", f"First participating list showing agency {side}; empty if "
                     "only ever pending.", "agencies.csv first_listed", nullable=True),
                _col(f"last_listed_{side}", "date", f"Last participating list showing agency {side}; empty if only "
                     "ever pending.", "agencies.csv last_listed", nullable=True))],
            _col("status", "category", "`same_agency` (never on one list: merged), `distinct` (never on one list, "
                 "but data/hand/distinct_agencies.csv keeps them apart), `hand` (on one list; a hand row gave the "
                 "ORI), `conflict` (on one list, no hand row: a QA fail).", "computed (roster.shared_ori_table)",
                 allowed=("same_agency", "distinct", "hand", "conflict")),
            _col("note", "string", "What the status means for the pair.", "computed (roster.shared_ori_table)"),
        ),
    ),
    Dataset(
        "data/qa/roster_disagreements.csv",
        "One row per difference between ICE and the FBI roster for an agency with an ORI: ICE's TYPE against the "
        "roster's agency type (`type`), ICE's printed county against the roster's county (`county`) or the county "
        "holding the roster's coordinates (`point_county`). ICE's values win unless a placement hand row settles "
        "the difference with its evidence; each row is explained by a rule, settled by a hand row, or open for a "
        "person.",
        ("01_agreement_history",), (FBI_ROSTERS, CENSUS_COUNTIES, "`data/processed/agency_roster_matches.csv`",
                                    "`data/processed/list_rows.csv`", "`data/hand/jurisdiction_levels.csv`",
                                    "`data/hand/agency_counties.csv`"),
        (
            AGENCY_ID, STATE, AGENCY, ORI, ROSTER_NAME,
            _col("kind", "category", "`type`, `county` or `point_county`.", "computed (roster.roster_disagreements)",
                 allowed=("type", "county", "point_county")),
            _col("ice_value", "string", "ICE's TYPE, or the 2024 county FIPS of the county ICE printed last.",
                 "agencies.csv agency_type; list_rows.csv county_printed through census.match_county"),
            _col("roster_value", "string", "The roster's agency type, or its county FIPS (first county name, or "
                 "the county containing its coordinates).", "FBI roster; 2024 county polygons"),
            _col("status", "category", "`explained` (a rule accounts for it), `settled` (a row of "
                 "data/hand/jurisdiction_levels.csv or data/hand/agency_counties.csv decides the placement against "
                 "ICE's value, with its evidence) or `open`.",
                 "computed (roster.roster_disagreements)", allowed=("explained", "settled", "open")),
            _col("explanation", "string", "The rule that explains it, or the hand row that settles it (its table, "
                 "its decision and its reason); empty when open.",
                 "computed (roster.roster_disagreements)", nullable=True),
        ),
    ),
    # ------------------------------------------------------------------------------ 02_compare_lists
    Dataset(
        "data/processed/list_changes.csv",
        "One row per agreement-level difference between two participating lists (chosen by the notebook's "
        "parameters `before` and `after`, named in the columns of the same names): added, removed, model "
        "changed, or signing date changed. Rows are matched on agency and model; removals are inferred from "
        "absence.",
        ("02_compare_lists",), ("`data/processed/list_rows.csv`, `lists.csv`", ICE_LISTS),
        (
            _col("change", "category", "`added` (only on the later list), `removed` (only on the earlier), "
                 "`model_changed` (the agency lost one model and gained another), `signed_changed` (same agency "
                 "and model, another signing date: a re-signing), `corrected` (one agreement printed in another "
                 "form: ICE fixed its date, model or agency name, data/qa/corrections.csv; the agency reads "
                 "'old → new' when the name moved).", "computed (agreements.compare_lists)",
                 allowed=("added", "corrected", "model_changed", "removed", "signed_changed")),
            STATE, AGENCY, AGENCY_ID,
            _as(MODEL, "model_before", meaning="Model on the earlier list; empty for an added agreement.",
                nullable=True),
            _as(MODEL, "model_after", meaning="Model on the later list; empty for a removed agreement.",
                nullable=True),
            _as(SIGNED, "signed_before", meaning="Signing date on the earlier list; empty for an added agreement "
                "or when none is printed."),
            _as(SIGNED, "signed_after", meaning="Signing date on the later list; empty for a removed agreement "
                "or when none is printed."),
            _as(LIST_ID, "before", meaning="list_id of the earlier list compared.", source="notebook parameter before"),
            _as(LIST_ID, "after", meaning="list_id of the later list compared.", source="notebook parameter after"),
        ),
    ),
    Dataset(
        "data/processed/list_changes_by_state.csv",
        "One row per state with at least one difference in `list_changes.csv`: how many agreements were "
        "added, removed or changed between the two lists compared.",
        ("02_compare_lists",), ("`data/processed/list_rows.csv`, `lists.csv`", ICE_LISTS),
        (
            STATE,
            _col("added", "integer", "Agreements only on the later list.", "list_changes.csv", unit="agreements"),
            _col("removed", "integer", "Agreements only on the earlier list.", "list_changes.csv", unit="agreements"),
            _col("model_changed", "integer", "Agencies that switched model.", "list_changes.csv", unit="agreements"),
            _col("signed_changed", "integer", "Agreements whose signing date changed.", "list_changes.csv",
                 unit="agreements"),
            _col("corrected", "integer", "Agreements ICE printed in a corrected form (not events).",
                 "list_changes.csv", unit="agreements"),
            _col("net", "integer", "added − removed.", "computed", unit="agreements"),
            _as(LIST_ID, "before", meaning="list_id of the earlier list compared.", source="notebook parameter before"),
            _as(LIST_ID, "after", meaning="list_id of the later list compared.", source="notebook parameter after"),
        ),
    ),
    # -------------------------------------------------------------------------------------- 03_maps
    Dataset(
        "data/processed/agreement_places.csv",
        "One row per agreement (as in `agreements.csv`): the level of government of its agency and the county "
        "or counties it is placed in, with the method used and the printed evidence. Placement is per agency, "
        "from the agency's latest list row (preferring one with a printed county).",
        ("03_maps",),
        ("`data/processed/list_rows.csv`, `lists.csv`, `agreements.csv`", CENSUS_COUNTIES, CENSUS_PLACES,
         CENSUS_PLACE_SHARES, ROSTER_POINTS, PLACE_HAND),
        (
            AGREEMENT_ID,
            _col("jurisdiction_level", "category", "Level of government of the agency: `State` (a state agency, "
                 "placed statewide), `County` (sheriff or county body), `Municipal` (city or town police), `Other` "
                 "(campus, port, court, constable, regional body).",
                 "data/hand/jurisdiction_levels.csv, else ICE's TYPE wherever a list prints one, else name rules "
                 "(geography.jurisdiction_level)",
                 allowed=LEVELS),
            _col("county_fips", "string", "Five-digit 2024 county FIPS code(s) the agreement is placed in, "
                 "separated by `;` when it covers several; empty for statewide and unplaced agreements.",
                 "Census 2024 counties via the method below", nullable=True),
            _col("state_fips", "string", "Two-digit state FIPS code.", "Census 2024 county file (state codes)"),
            _col("method", "category", "How the county was found: `printed_county` (ICE's COUNTY column), "
                 "`roster_coordinates` (a Municipal or Other agency without a printed county: the county holding "
                 "the coordinates of its FBI ORI), `place_county_share` (else the 2020 Census place of the town in "
                 "its name, in the county holding the largest share of the place's people; see county_share), "
                 "`name_rule` (a county named in the agency's name), `place_file` (a city or town in the name, "
                 "located in its county via the internal point of the 2010 Census place), `hand` "
                 "(data/hand/agency_counties.csv), `statewide` (a state agency), `unplaced` (nothing reliable; "
                 "see data/qa/unplaced_agreements.csv).",
                 "computed (geography.place_agency)", allowed=PLACEMENT_METHODS),
            _col("note", "string", "Detail of the placement: a printed county that matched nothing, or the Census "
                 "place used; empty otherwise.", "computed (geography.place_agency)", nullable=True),
            AGENCY_ID, STATE,
            _as(AGENCY, meaning="Agency name on the list row used as evidence."),
            _as(AGENCY_TYPE, meaning="ICE's TYPE for the agency: the newest non-blank TYPE any series list prints "
                "for it (the one that decides jurisdiction_level); empty when no list prints one."),
            _as(COUNTY_PRINTED, meaning="COUNTY printed on the list row used as evidence; empty when not printed."),
            _col("level_rule", "category", "Which rule decided jurisdiction_level: `hand`, ICE's TYPE (with the "
                 "name's finer `Other` kept under TYPE Municipality), or a name rule (only when no list prints a "
                 "TYPE for the agency).", "computed (geography.jurisdiction_level)", allowed=LEVEL_RULES),
            _col("level_evidence", "string", "The reason of the data/hand/jurisdiction_levels.csv row when "
                 "level_rule is `hand`; empty otherwise.", "data/hand/jurisdiction_levels.csv reason", nullable=True),
            STATEWIDE_ROLE, ROLE_RULE, ROLE_EVIDENCE,
            _col("name_level", "category", "The level the name rules alone read (compared with ICE's TYPE in "
                 "data/qa/type_disagreements.csv).", "computed (geography.name_level)", allowed=LEVELS),
            _col("name_rule", "category", "The name rule that read name_level.", "computed (geography.name_level)",
                 allowed=NAME_RULES),
            _as(LIST_ID, "type_list", meaning="list_id of the newest list printing the agency's TYPE; empty when "
                "no list prints one.", nullable=True),
            _as(LIST_ID, "evidence_list", meaning="list_id of the list row used as evidence."),
            COUNTY_SHARE, SHARE_FLAG,
        ),
    ),
    Dataset(
        "data/qa/placement_changes.csv",
        "One row per agency whose county differs from what today's rules alone (printed county, county in the "
        "name, 2010 place point, hand rows) would give, now that the FBI roster's coordinates and the 2020 place "
        "file are asked first for Municipal and Other agencies without a printed county. Per agency, as "
        "placement is decided per agency. Placements that keep their county under another method are counted "
        "in qa_summary.csv (placement_changes), not listed.",
        ("03_maps",), ("`data/processed/agreement_places.csv`", CENSUS_PLACE_SHARES, ROSTER_POINTS),
        (
            AGENCY_ID, STATE, AGENCY,
            _col("jurisdiction_level", "category", "Level of government of the agency.",
                 "agreement_places.csv jurisdiction_level", allowed=LEVELS),
            _col("agreements", "integer", "The agency's agreements (rows of agreement_places.csv).",
                 "agreement_places.csv", unit="agreements"),
            _col("old_method", "category", "Method by today's rules alone.", "geography.place_agency, "
                 "second_opinion off", allowed=PLACEMENT_METHODS),
            _col("old_county_fips", "string", "County FIPS (';'-separated) by today's rules alone; empty when "
                 "unplaced.", "geography.place_agency, second_opinion off", nullable=True),
            _col("new_method", "category", "Method of agreement_places.csv.", "agreement_places.csv method",
                 allowed=PLACEMENT_METHODS),
            _col("new_county_fips", "string", "County FIPS of agreement_places.csv; empty when unplaced.",
                 "agreement_places.csv county_fips", nullable=True),
            COUNTY_SHARE, SHARE_FLAG,
            _col("reason", "string", "Why the county changed: which evidence lies in another county than which, "
                 "or that today's rules left the agency unplaced.", "computed (geography.change_reason)"),
        ),
    ),
    Dataset(
        "data/processed/county_counts.csv",
        "One row per county with at least one placed agreement on a month-end list (the last participating "
        "series list of each month, plus the newest list): agreements by model, agencies, and agreements per "
        "100,000 residents. An agreement placed in several counties counts in each; statewide agreements are "
        "not counted in any county.",
        ("03_maps",),
        ("`data/processed/list_rows.csv`, `lists.csv`, `agreements.csv`", CENSUS_COUNTIES, CENSUS_PLACES, CENSUS_POP,
         PLACE_HAND),
        (
            _col("as_of", "date", "Date of the month-end list counted.", SERIES_LIST_DATE),
            _col("county_fips", "string", "Five-digit 2024 county FIPS code.", "agreement_places.csv county_fips"),
            _col("county", "string", "County name with its type (e.g. 'Maricopa County', 'Orleans Parish').",
                 "Census 2024 county file, NAMELSAD"),
            _as(STATE, source="Census 2024 county file, STUSPS"),
            COUNT_JEM, COUNT_WSO, COUNT_TFM,
            _col("agreements", "integer", "Agreements placed in the county (every model, including rows without one).",
                 "count of list rows", unit="agreements"),
            _col("agencies", "integer", "Distinct agencies among them.", "list_rows.csv agency_id", unit="agencies"),
            _col("population_2024", "integer", "County resident population, July 1, 2024 estimate; empty where the "
                 "estimates file has no county (territories).", "co-est2024-alldata.csv POPESTIMATE2024",
                 nullable=True, unit="people"),
            _col("agreements_per_100k", "number", "Agreements per 100,000 residents, rounded to three decimals; "
                 "empty without a population.", "computed: agreements / population_2024 × 100,000",
                 nullable=True, unit="agreements per 100,000 residents"),
        ),
    ),
    Dataset(
        "data/processed/agreements_by_county.gpkg",
        "GeoPackage (layer `agreements_by_county`) with one feature per county of the 2024 Census 1:20m "
        "cartographic file: agreements on the newest month-end list (zero where none) and population. Meant for "
        "GIS: county boundaries where they really are (not the inset positions of the figures), in "
        "longitude/latitude (NAD83, EPSG:4269).",
        ("03_maps",),
        ("`data/processed/county_counts.csv` (newest month-end list)",
         "`data/raw/census/cb_2024_us_county_20m.shp` (county boundaries, 1:20m)", CENSUS_POP),
        (
            _col("state_fips", "string", "Two-digit state FIPS code.", "cb_2024_us_county_20m STATEFP"),
            _col("county_fips", "string", "Five-digit county FIPS code.", "cb_2024_us_county_20m GEOID"),
            _col("county", "string", "County name without its type (e.g. 'Maricopa').", "cb_2024_us_county_20m NAME"),
            _as(STATE, source="cb_2024_us_county_20m STUSPS"),
            _col("as_of", "date", "Date of the newest month-end list counted.", "county_counts.csv as_of"),
            _as(COUNT_JEM, source="county_counts.csv JEM (zero where the county has none)"),
            _as(COUNT_WSO, source="county_counts.csv WSO (zero where the county has none)"),
            _as(COUNT_TFM, source="county_counts.csv TFM (zero where the county has none)"),
            _col("agreements", "integer", "Agreements placed in the county (zero where none).", "county_counts.csv",
                 unit="agreements"),
            _col("agencies", "integer", "Distinct agencies among them (zero where none).", "county_counts.csv",
                 unit="agencies"),
            _col("agreements_per_100k", "number", "Agreements per 100,000 residents; empty where the county has no "
                 "agreement or no population.", "county_counts.csv agreements_per_100k", nullable=True,
                 unit="agreements per 100,000 residents"),
            _col("population_2024", "integer", "County resident population, July 1, 2024 estimate; empty where the "
                 "estimates file has no county (territories).", "co-est2024-alldata.csv POPESTIMATE2024",
                 nullable=True, unit="people"),
            _col("geometry", "geometry", "County boundary (1:20m), EPSG:4269, where the county really is.",
                 "cb_2024_us_county_20m geometry (maps.county_boundaries)"),
        ),
    ),
    Dataset(
        "data/qa/unplaced_agreements.csv",
        "One row per agreement the map leaves off (method `unplaced` in `agreement_places.csv`), with what ICE "
        "printed and why no county could be found. Placing on a guess is never done.",
        ("03_maps",), ("`data/processed/agreement_places.csv`", "`data/hand/unplaced_reasons.csv`"),
        (
            AGREEMENT_ID, STATE, AGENCY, AGENCY_TYPE, COUNTY_PRINTED,
            _col("jurisdiction_level", "category", "Level of government of the agency.",
                 "agreement_places.csv jurisdiction_level", allowed=LEVELS),
            _col("reason", "string", "Why it is unplaced: the explanation from data/hand/unplaced_reasons.csv, or "
                 "else the placement note.", "data/hand/unplaced_reasons.csv; agreement_places.csv note"),
            _col("explained", "boolean", "True when data/hand/unplaced_reasons.csv explains it (an error in ICE's "
                 "list rather than a gap in the rules).", "data/hand/unplaced_reasons.csv"),
            _as(LIST_ID, "evidence_list", meaning="list_id of the list row used as evidence."),
        ),
    ),
    Dataset(
        "data/processed/population_covered.csv",
        "One row per month-end list (the last participating series list of each month, plus the newest list): "
        "how many U.S. residents live under a 287(g) agreement, three ways. `local`: in a county holding a county, "
        "municipal or other local agreement. `law_enforcement`: those, plus the residents of states where a "
        "law-enforcement agency (state police, patrol, investigators) holds a statewide agreement. `covered`: "
        "those, plus the residents of states whose only statewide agreements are a corrections department's, which "
        "reach the people the department holds, not the state's residents in general. Population is the 2024 "
        "estimate throughout, so the shares move with the agreements, not with population change.",
        ("03_maps",),
        ("`data/processed/list_rows.csv`, `lists.csv`, `agreement_places.csv`", CENSUS_POP, PLACE_HAND),
        (
            _col("as_of", "date", "Date of the month-end list.", SERIES_LIST_DATE),
            LIST_ID,
            _as(ERA, allowed=SERIES_ERAS),
            _col("population_local", "integer", "Residents of the counties holding a county, municipal or other "
                 "local agreement on the list.", "co-est2024-alldata.csv POPESTIMATE2024; agreement_places.csv "
                 "county_fips", unit="people"),
            _col("population_law_enforcement", "integer", "population_local plus the residents of the other "
                 "counties of states where a law-enforcement agency holds a statewide agreement on the list.",
                 "co-est2024-alldata.csv POPESTIMATE2024; agreement_places.csv statewide_role", unit="people"),
            _col("population_covered", "integer", "population_local plus the residents of the other counties of "
                 "every state with a statewide agreement on the list, a corrections department's included.",
                 "co-est2024-alldata.csv POPESTIMATE2024; agreement_places.csv method", unit="people"),
            _col("population_total", "integer", "Residents of the 50 states and DC (territories have no "
                 "estimate).", "co-est2024-alldata.csv POPESTIMATE2024, state rows", unit="people"),
            _col("statewide_states", "string", "States and territories with a statewide agreement on the list, "
                 "`;`-separated; empty when none.", "agreement_places.csv method statewide", nullable=True),
            _col("corrections_only_states", "string", "Those whose only statewide agreements are a corrections "
                 "department's (counted in population_covered, not in population_law_enforcement), `;`-separated; "
                 "empty when none.", "agreement_places.csv statewide_role", nullable=True),
            _col("share_local", "number", "population_local / population_total, rounded to six decimals.",
                 "computed", unit="share (0–1)"),
            _col("share_law_enforcement", "number", "population_law_enforcement / population_total, rounded to six "
                 "decimals: the project's headline share.", "computed", unit="share (0–1)"),
            _col("share_covered", "number", "population_covered / population_total, rounded to six decimals.",
                 "computed", unit="share (0–1)"),
        ),
    ),
    Dataset(
        "data/qa/placement_rates.csv",
        "One row per participating list of the series: how many of its agreements are placed on the map (in a "
        "county, or statewide).",
        ("03_maps",), ("`data/processed/list_rows.csv`, `lists.csv`, `agreement_places.csv`",),
        (
            LIST_ID, LIST_DATE,
            _as(ERA, allowed=SERIES_ERAS),
            _col("agreements", "integer", "Agreement rows on the list.", "list_rows.csv", unit="agreements"),
            _col("placed", "integer", "Those whose agreement is placed (method other than `unplaced`).",
                 "agreement_places.csv method", unit="agreements"),
            _col("share_placed", "number", "placed / agreements.", "computed", unit="share (0–1)"),
        ),
    ),
    Dataset(
        "data/qa/unused_place_fixes.csv",
        "One row per row of the placement hand tables that matches no agency (or printed county) in this build. "
        "Empty when every row was used.",
        ("03_maps",), (PLACE_HAND,),
        (
            _col("table", "category", "Hand table holding the row.", "data/hand/",
                 allowed=("data/hand/agency_counties.csv", "data/hand/county_fixes.csv",
                          "data/hand/jurisdiction_levels.csv", "data/hand/unplaced_reasons.csv",
                          "data/hand/statewide_agency_roles.csv")),
            _col("state", "string", "State the row is keyed on.", "hand table column state", nullable=True),
            _col("value", "string", "Agency name (or printed county) the row is keyed on.", "hand table column value"),
        ),
    ),
    Dataset(
        "data/qa/type_disagreements.csv",
        "One row per agency for which a list prints ICE's TYPE and either the name rules read another level "
        "or the level used is not the TYPE's: what each says, the level used and what settled it. ICE's TYPE "
        "decides unless a row of `data/hand/jurisdiction_levels.csv` overrules it with evidence.",
        ("03_maps",), ("`data/processed/agreement_places.csv`", "`data/hand/jurisdiction_levels.csv`"),
        (
            STATE, AGENCY, AGENCY_ID,
            _as(AGENCY_TYPE, meaning="ICE's newest non-blank TYPE for the agency.", nullable=False),
            _as(LIST_ID, "type_list", meaning="list_id of the newest list printing that TYPE."),
            _col("type_level", "category", "The level ICE's TYPE maps to (County, Municipality, State Agency -> "
                 "County, Municipal, State).", "geography.TYPE_LEVELS", allowed=LEVELS),
            _col("rule_level", "category", "The level the name rules read.", "agreement_places.csv name_level",
                 allowed=LEVELS),
            _col("rule", "category", "The name rule that read it.", "agreement_places.csv name_rule",
                 allowed=NAME_RULES),
            _col("level", "category", "The level used.", "agreement_places.csv jurisdiction_level", allowed=LEVELS),
            _col("settled_by", "category", "`type` (ICE's TYPE, or the name's finer Other under TYPE Municipality) "
                 "or `hand` (a row of data/hand/jurisdiction_levels.csv).", "computed (geography.type_disagreements)",
                 allowed=("hand", "type")),
            _col("reason", "string", "Why: the hand row's reason, or the rule applied.",
                 "data/hand/jurisdiction_levels.csv reason; geography.type_disagreements"),
        ),
    ),
    Dataset(
        "data/qa/statewide_agency_roles.csv",
        "One row per agency placed statewide (every agreement of it in agreement_places.csv has method "
        "`statewide`): whether it is a corrections department or a law-enforcement agency, what decided it, and "
        "where its statewide agreements were listed. A state whose only statewide agreements are a corrections "
        "department's counts as covered only in population_covered.csv's `covered` figure. A person who finds the "
        "name rule wrong for an agency overrules it with a row of `data/hand/statewide_agency_roles.csv`.",
        ("03_maps",), ("`data/processed/agreement_places.csv`, `agreements.csv`",
                       "`data/hand/statewide_agency_roles.csv`"),
        (
            STATE, AGENCY, AGENCY_ID,
            _as(AGENCY_TYPE, meaning="ICE's newest non-blank TYPE for the agency; empty when no list prints one."),
            _col("name_role", "string", "The role the agency's name key reads (keys.name_role_and_core: "
                 "sheriff, police, corrections, marshal, constable, other): the name rule's input.",
                 "keys.name_role_and_core of keys.agency_key(agency)"),
            _as(STATEWIDE_ROLE, nullable=False),
            _as(ROLE_RULE, nullable=False),
            ROLE_EVIDENCE,
            _col("models", "string", "Models of the agency's statewide agreements, in JEM, WSO, TFM order, "
                 "`;`-separated; empty when the lists print none.", "agreements.csv model", nullable=True),
            _col("agreements", "integer", "The agency's agreements.", "agreement_places.csv", unit="agreements"),
            _as(LIST_DATE, "first_listed", meaning="Date of the first series list showing any of them.",
                source="agreements.csv first_listed"),
            _as(LIST_DATE, "last_listed", meaning="Date of the last series list showing any of them.",
                source="agreements.csv last_listed"),
            _col("on_newest", "boolean", "True when one of them is on the newest participating list.",
                 "agreements.csv last_listed"),
        ),
    ),
    # ---------------------------------------------------------------------------------- 04_detention
    Dataset(
        "data/processed/detention_facilities.csv",
        "One row per facility in each ICE detentionStats release (release × facility): the average daily "
        "population by security level, fiscal year to date, and the county the facility is in.",
        ("04_detention",), (DETENTION_BOOKS, CROSSWALKS, CENSUS_COUNTIES, CENSUS_PLACES),
        (
            RELEASE_DATE, FISCAL_YEAR,
            _col("facility", "string", "Facility name as ICE prints it.", "Facilities sheet column Name"),
            _col("city", "string", "City as printed.", "Facilities sheet column City", nullable=True),
            _col("state", "category", "Two-letter state code as printed; empty where ICE prints none.",
                 "Facilities sheet column State", nullable=True),
            _col("zip", "string", "Five-digit ZIP code (leading zeros restored).", "Facilities sheet column Zip",
                 nullable=True),
            _col("facility_type", "category", "ICE's detailed facility type code (e.g. `IGSA` intergovernmental "
                 "service agreement, `CDF` contract detention facility, `SPC` ICE service processing center, "
                 "`USMS IGA` shared with the U.S. Marshals).", "Facilities sheet column Type Detailed",
                 nullable=True),
            *[_col(f"adp_level_{x}", "number",
                   f"Average daily population of detainees classified at security level {x.upper()} "
                   f"({w}); empty when ICE leaves it blank.",
                   f"Facilities sheet column Level {x.upper()}", nullable=True,
                   unit="average daily population (people)")
              for x, w in (("a", "lowest risk"), ("b", "medium-low"), ("c", "medium-high"), ("d", "highest risk"))],
            _col("adp_total", "number", "Average daily population of the facility: levels A-D summed; empty when "
                 "all four are blank.", "computed: adp_level_a + b + c + d", nullable=True,
                 unit="average daily population (people)"),
            _col("guaranteed_minimum", "number", "Beds ICE pays for whether used or not, under the facility's "
                 "contract; empty when none is printed.", "Facilities sheet column Guaranteed Minimum",
                 nullable=True, unit="beds"),
            _col("county_fips", "string", "Five-digit 2024 county FIPS code of the facility; empty when no "
                 "crosswalk places it (see data/qa/unplaced_facilities.csv).", "crosswalk below", nullable=True),
            _col("crosswalk", "category", "How the county was found: a geocoded point in a 2024 county, the "
                 "Deportation Data Project's county code, or the printed city located via Census places; empty "
                 "when unplaced.", "computed (facility_places.place_facilities)", nullable=True,
                 allowed=("city in Census places", "ddp_facilities", "facility_locations (geocoded point)")),
            _col("source_file", "string", "Workbook the row was read from.",
                 "data/raw/ice_detention/MANIFEST.csv file name"),
            _col("sheet", "string", "Facilities sheet name (as ICE spells it, trailing spaces included).",
                 "raw workbook sheet name"),
            _col("row", "integer", "Row number in the sheet, as a spreadsheet shows it.", "position in the raw file",
                 unit="row number"),
        ),
    ),
    Dataset(
        "data/processed/detention_by_state.csv",
        "One row per release × state: facilities and average daily population in ICE detention, with a national "
        "row (`ALL`) per release. This is how TRAC computes its state figures.",
        ("04_detention",), (DETENTION_BOOKS,),
        (
            RELEASE_DATE, FISCAL_YEAR, FY_END, FY_LATEST,
            _as(STATE, meaning="Two-letter state code as printed, `ALL` for the nation, `(blank)` for facilities "
                "with no state printed.", source="Facilities sheet column State"),
            _col("facilities", "integer", "Facility rows in the state in this release.", "detention_facilities.csv",
                 unit="facilities"),
            _as(ADP_TOTAL_STATE, meaning="Average daily population held in the state's facilities: the sum of "
                "their ADP (levels A-D), fiscal year to date as of the release, rounded to three decimals."),
        ),
    ),
    Dataset(
        "data/processed/detention_population.csv",
        "One row per detentionStats release: ICE's table of people currently detained, by arresting agency "
        "and criminality, beside TRAC's daily population table for the same date, with how they match.",
        ("04_detention",), (DETENTION_BOOKS, TRAC_POP),
        _population_columns(TRAC_MATCHES, reason_nullable=True),
    ),
    Dataset(
        "data/processed/detention_releases.csv",
        "One row per ICE detentionStats workbook (release): where its facility table is, how many facilities it "
        "lists, and what was odd about it (footnote rows, blank states, blank levels).",
        ("04_detention",), (DETENTION_BOOKS,),
        (
            _col("source_file", "string", "Workbook file in data/raw/ice_detention/.",
                 "data/raw/ice_detention/MANIFEST.csv file name"),
            _col("sheet", "string", "Facilities sheet name (as ICE spells it).", "raw workbook sheet name"),
            _col("header_row", "integer", "Row of the facility table's header (the row whose column A is 'Name').",
                 "raw workbook", unit="row number"),
            _col("facilities", "integer", "Facility rows read.", "raw workbook", unit="facilities"),
            _col("iids_date", "date", "Date ICE pulled the data from its Integrated Decision Support system, as "
                 "printed above the table; empty when not printed.", "raw workbook, text above the header",
                 nullable=True),
            _col("footnote_rows", "integer", "Footnote rows below the table (skipped).", "raw workbook", unit="rows"),
            _col("blank_state", "integer", "Facility rows with no state printed.", "raw workbook", unit="facilities"),
            _col("blank_levels", "integer", "Facility rows with all four level columns blank.", "raw workbook",
                 unit="facilities"),
            FISCAL_YEAR, RELEASE_DATE, FY_LATEST, FY_END,
            _col("days_from_sep30", "integer", "Days from 30 September of the fiscal year (its last day) to the "
                 "release date; negative before it.", "computed: release_date − 30 September of fiscal_year",
                 unit="days"),
            _col("fy_end_flag", "string", "Set on the last release of a finished fiscal year that is too far "
                 "from 30 September to stand for the year-end (so fy_end is False): how far, and the bound.",
                 "computed (detention.year_ends)", nullable=True),
        ),
    ),
    Dataset(
        "data/processed/detention_vs_agreements.csv",
        "One row per state at each fiscal-year-end release and at the newest release: people in ICE detention "
        "(average daily population) beside the 287(g) agreements and agencies on the ICE list in force on the "
        f"release date. A release whose newest list is older than the gap threshold ({GAP_DAYS} days, "
        "vocab.GAP_DAYS) has no list in force and no rows (`detention_vs_agreements_no_list` in qa_summary.csv).",
        ("04_detention",), (DETENTION_BOOKS, "`data/processed/list_rows.csv`, `lists.csv`", ICE_LISTS),
        (
            RELEASE_DATE, FISCAL_YEAR, FY_END, STATE,
            _as(ADP_TOTAL_STATE,
                meaning=ADP_TOTAL_STATE.meaning + " Zero for a state with agreements but no facility."),
            _col("facilities", "integer", "Facility rows in the state in this release (zero if none).",
                 "detention_by_state.csv", unit="facilities"),
            COUNT_JEM, COUNT_WSO, COUNT_TFM,
            _col("agreements", "integer", "Agreements on the list in force, in the state.", "list_rows.csv",
                 unit="agreements"),
            _col("agencies", "integer", "Distinct agencies among them.", "list_rows.csv agency_id", unit="agencies"),
            _as(LIST_ID,
                meaning="The participating series list in force on the release date (newest on or before it)."),
            _as(LIST_DATE, meaning="Date of that list.", source="lists.csv list_date"),
            _col("list_age_days", "integer", "Days between the list's date and the release date (large across "
                 "archive gaps).", "computed: release_date − list_date", unit="days"),
        ),
    ),
    Dataset(
        "data/qa/trac_differences.csv",
        "The rows of `detention_population.csv` whose match with TRAC is not `exact`: every release where ICE's "
        "workbook and TRAC's table disagree on the date or the numbers, with the reason.",
        ("04_detention",), (DETENTION_BOOKS, TRAC_POP),
        _population_columns(tuple(m for m in TRAC_MATCHES if m != "exact"), reason_nullable=False),
    ),
    Dataset(
        "data/qa/trac_facility_check.csv",
        "One row per facility in TRAC's facilities table on a snapshot date that is also an ICE release date: "
        "TRAC's count beside ICE's average daily population (levels A-D, rounded) for the same facility.",
        ("04_detention",), (TRAC_FAC, DETENTION_BOOKS),
        (
            _col("release_date", "date", "TRAC's snapshot date, equal to the ICE release date compared.",
                 "TRAC facilities table download_date"),
            _col("trac_name", "string", "Facility name in TRAC's table.", "TRAC facilities table name"),
            _col("city", "string", "Facility city in TRAC's table (upper case).", "TRAC detention_facility_city",
                 nullable=True),
            _col("trac_state", "category", "Facility state in TRAC's table; empty where TRAC gives none.",
                 "TRAC detention_facility_state", nullable=True),
            _col("trac_count", "integer", "TRAC's count for the facility.", "TRAC facilities table count",
                 unit="average daily population (people)"),
            _col("ice_name", "string", "Facility name in ICE's workbook; empty when no single facility matched.",
                 "detention_facilities.csv facility", nullable=True),
            _col("ice_state", "category", "Facility state in ICE's workbook; empty when unmatched or not printed.",
                 "detention_facilities.csv state", nullable=True),
            _col("ice_count", "integer", "ICE's adp_total for the facility, rounded to a whole number; empty when "
                 "unmatched.", "detention_facilities.csv adp_total", nullable=True,
                 unit="average daily population (people)"),
            _col("matched_by", "category", "How the facilities were matched: `name and city`, `city and zip (name "
                 "differs)`, or `<n> candidates` when no single facility matched.",
                 "computed (trac.trac_facility_check)"),
            _col("equal", "boolean", "True when trac_count equals ice_count.", "computed"),
        ),
    ),
    Dataset(
        "data/qa/unplaced_facilities.csv",
        "One row per detention facility (name, state, city) that no crosswalk places in a county, with the "
        "releases it appears in.",
        ("04_detention",), (DETENTION_BOOKS, CROSSWALKS, CENSUS_PLACES),
        (
            _col("facility", "string", "Facility name as ICE prints it.", "detention_facilities.csv facility"),
            _col("state", "category", "State as printed; empty when none.", "detention_facilities.csv state",
                 nullable=True),
            _col("city", "string", "City as printed.", "detention_facilities.csv city", nullable=True),
            _col("releases", "integer", "Releases listing the facility unplaced.", "detention_facilities.csv",
                 unit="releases"),
            _col("first_release", "date", "First such release.", "detention_facilities.csv release_date"),
            _col("last_release", "date", "Last such release.", "detention_facilities.csv release_date"),
            _col("max_adp", "number", "Highest adp_total of the facility across those releases; empty if always blank.",
                 "detention_facilities.csv adp_total", nullable=True, unit="average daily population (people)"),
            _col("reason", "category", "Why it is unplaced.", "computed (facility_places.unplaced_facilities)",
                 allowed=("name + state not in either facility crosswalk", "no state printed")),
        ),
    ),
    # ------------------------------------------------------------------------------- 05_news_claims
    Dataset(
        "data/processed/news_claims_check.csv",
        "One row per figure cited in news coverage (`data/hand/news_claims.csv`), recomputed from the ICE list "
        "in force on the claim's date (or the detention workbooks), with the difference and a verdict.",
        ("05_news_claims",),
        ("`data/hand/news_claims.csv` (vendored from the shared claims folder)",
         "`data/processed/lists.csv`, `list_rows.csv`, `agreements.csv`, `detention_by_state.csv`", ICE_LISTS,
         DETENTION_BOOKS),
        (
            _col("claim_id", "string", "Identifier of the claim.", "news_claims.csv claim_id"),
            _col("outlet", "string", "News outlet making the claim.", "news_claims.csv outlet"),
            _col("published", "string", "When the story was published, as recorded (year and month, YYYY-MM).",
                 "news_claims.csv published", nullable=True),
            _col("as_of", "date", "Date the claimed figure refers to.", "news_claims.csv as_of"),
            _col("since", "date", "Start date of a claimed change (net_change claims); empty otherwise.",
                 "news_claims.csv since", nullable=True),
            _col("statement", "string", "The claim in words.", "news_claims.csv statement"),
            _col("metric", "category", "What is recomputed: `count` (agreements, agencies or states on a list), "
                 "`top_state` (state with the most agreements), `net_change` (count at as_of minus count at since), "
                 "`detention_top_state` (state with the highest detention ADP in the fiscal year).",
                 "news_claims.csv metric", allowed=("count", "detention_top_state", "net_change", "top_state")),
            _col("list", "category", "Which ICE list kind the claim is about; empty means participating.",
                 "news_claims.csv list", nullable=True, allowed=LIST_KINDS),
            _as(MODEL, meaning="Model the claim is restricted to; empty for all models.",
                source="news_claims.csv model", nullable=True),
            _col("state", "string", "State(s) the claim is restricted to, codes or names separated by `;`; empty "
                 "for the whole country.", "news_claims.csv state", nullable=True),
            _col("unit", "category", "What the claimed value counts (`agreements`, `agencies`, `states`, or "
                 "`average_daily_population` for detention claims).", "news_claims.csv unit"),
            _col("value", "string", "The claimed value (a number, or a state code for top-state claims).",
                 "news_claims.csv value"),
            _col("notes", "string", "Notes on how the claim was read; empty when none.", "news_claims.csv notes",
                 nullable=True),
            _col("computed", "string", "The value recomputed from the archive (a number or a state code).",
                 "computed (claims.evaluate)"),
            _col("list_date", "date", "Date of the list (or detention release) the value was recomputed from.",
                 "lists.csv list_date / detention release date"),
            _col("source_file", "string", "Raw file of that list, or 'detentionStats release of <date>'.",
                 "lists.csv source_file"),
            _col("difference", "integer", "computed − value; empty when either is not a number.", "computed",
                 nullable=True),
            _col("verdict", "category", "`exact` (reproduced), `close` (within the tolerance claims.CLOSE_SHARE, with "
                 "the reason), `differs`, or `not_archived` (no list close enough to the claim's date; the nearest "
                 "lists before and after are named in reason).", "computed (claims.evaluate)",
                 allowed=("close", "differs", "exact", "not_archived")),
            _col("reason", "string", "Why the claim is not exact (e.g. it counts agencies, not agreements); empty "
                 "for an exact claim.", "computed (claims.evaluate)", nullable=True),
            _col("also", "string", "Extra context: the leader's value, the detention ADP, or agreements first "
                 "listed since the since date; empty when none.", "computed (claims.evaluate)", nullable=True),
        ),
    ),
    # --------------------------------------------------------------------------- 06_pending_pipeline
    Dataset(
        "data/processed/pending_outcomes.csv",
        "One row per request on ICE's pending lists: an agency × model per spell (sightings of the pair more than "
        "the gap threshold vocab.GAP_DAYS apart start a new spell; an absence from some lists in between does "
        "not, as the pending list swings from day to day), with what became of it, judged with the lists dated on "
        "or before the notebook's as_of (the newest list of either kind by default). Agencies are the history's "
        "agency_id; near names are proposed in data/qa/pending_unmatched.csv, never merged.",
        ("06_pending_pipeline",), ("`data/processed/list_rows.csv`, `lists.csv`", ICE_LISTS),
        (
            AGENCY_ID,
            _as(STATE, source="list_rows.csv state of the request's newest pending sighting"),
            _as(AGENCY, meaning="The agency's newest name on any list of the series up to the analysis date "
                "(participating or pending), as agreements.csv names it.", source="list_rows.csv agency"),
            _as(MODEL, meaning="Model requested. " + MODEL_MEANING + ".", source="list_rows.csv model (pending list)"),
            _col("first_pending", "date", "Date of the first pending list of the spell showing the request.",
                 "lists.csv list_date"),
            _col("last_pending", "date", "Date of the last pending list of the spell showing the request.",
                 "lists.csv list_date"),
            _col("lists_seen", "integer", "Pending lists of the series showing the request in this spell.",
                 "computed (pending.spells)", unit="lists"),
            _col("outcome", "category",
                 "`signed`: the same agency and model is on a participating list on or after the first pending "
                 "sighting (and before the pair's next spell); `still_pending`: not signed and on the newest pending "
                 "list, as of that list's date; `unknown_gap`: not signed, and it leaves the pending list when the "
                 "next pending list is more than GAP_DAYS later, or it is on the newest pending list but that list "
                 "is more than GAP_DAYS older than as_of; `dropped`: not signed and absent from the next pending "
                 "list (within GAP_DAYS) and every later one; `signed_other_model`: would be dropped or unknown_gap, "
                 "but the agency signed another model within the spell (an agreement of another model first listed "
                 "on or after the first pending sighting and no more than GAP_DAYS after the last; note names the "
                 "model and the dates).", "computed (pending.outcomes)",
                 allowed=("dropped", "signed", "signed_other_model", "still_pending", "unknown_gap")),
            _col("first_participating", "date", "First participating list (series) showing the agreement the "
                 "request became: the first listed agreement of the same agency and model still listed on or "
                 "after the first pending sighting; empty unless signed.", "list_rows.csv (participating lists)",
                 nullable=True),
            _col("signed_date", "date", "That agreement's signing date as ICE prints it; empty unless signed, or "
                 "when the list prints none.", "list_rows.csv signed", nullable=True),
            _col("days_pending_to_listed", "integer", "first_participating − first_pending. Negative when ICE "
                 "listed the agreement before the pending list showed the request (the reason is in note); empty "
                 "unless signed.", "computed", nullable=True, unit="days"),
            _col("days_pending_to_signed", "integer", "signed_date − first_pending. Negative when the printed "
                 "signing date precedes the first pending sighting (the reason is in note); empty unless signed "
                 "with a date.", "computed", nullable=True, unit="days"),
            _col("note", "string", "Why the outcome (for signed_other_model: the other model, its signing date and "
                 "first participating listing), and the reason for every negative day count; also whether "
                 "the request was already on the archive's first pending list (its days are then lower bounds) or "
                 "is a later spell of its agency and model.", "computed (pending.outcomes)", nullable=True),
        ),
    ),
    Dataset(
        "data/qa/pending_unmatched.csv",
        "One row per pending request never signed (dropped, still pending or unknown) and agency on the "
        "participating lists of its state whose name is near the requester's: a rename rule of the history holds "
        "(identity.rename_rule, which the history applies only between participating lists), the same role and "
        "name apart from generic words, or a similar name. For a person to decide (data/hand/aliases.csv or "
        "distinct_agencies.csv); never merged by code.",
        ("06_pending_pipeline",), ("`data/processed/pending_outcomes.csv`, `list_rows.csv`", ICE_LISTS,
                                   "`data/hand/distinct_agencies.csv`"),
        (
            AGENCY_ID, STATE,
            _as(AGENCY, meaning="The requester's name on its newest pending sighting."),
            _as(MODEL, meaning="Model requested. " + MODEL_MEANING + "."),
            _col("first_pending", "date", "First pending sighting of the request.", "pending_outcomes.csv"),
            _col("last_pending", "date", "Last pending sighting of the request.", "pending_outcomes.csv"),
            _col("outcome", "category", "The request's outcome (never signed).", "pending_outcomes.csv",
                 allowed=("dropped", "still_pending", "unknown_gap")),
            _as(AGENCY_ID, "candidate_agency_id", meaning="agency_id of the participating agency with a near name."),
            _as(AGENCY, "candidate_agency", meaning="Its newest name on the participating lists."),
            _col("candidate_models", "string", "Models it holds on the participating lists (`;`-separated).",
                 "list_rows.csv model"),
            _col("candidate_first_listed", "date", "Its first participating list.", "list_rows.csv list_date"),
            _col("candidate_last_listed", "date", "Its last participating list.", "list_rows.csv list_date"),
            _col("same_model", "boolean", "Whether it holds the requested model.", "computed"),
            _col("rule", "category", "The history's rename rule that accepts the pair; empty when none.",
                 "identity.rename_rule", nullable=True,
                 allowed=("abbreviation", "edit_distance", "name_extended", "state_prefix", "word_order")),
            _col("why", "string", "Why the pair is listed (rule, or the similarity ratio between zero and one).",
                 "computed (pending.near_name, difflib)"),
        ),
    ),
    # ------------------------------------------------------------------------- 07_jails_and_detention
    Dataset(
        "data/processed/agency_facility_matches.csv",
        "One row per ICE detention facility of a local operator type (IGSA, USMS IGA, county juvenile hall) in "
        "the chosen detentionStats release that is run by an agency holding a 287(g) agreement on the list in "
        "force: the facility, the agency, the rule that matched them, the facility's ADP and its operator with the "
        "evidence. Contract, private and federal facilities are never matched, nor a local facility a company "
        "runs (ice287g.jails).",
        ("07_jails_and_detention",),
        (DETENTION_BOOKS, CROSSWALKS, ("`data/processed/detention_facilities.csv`, `list_rows.csv`, `lists.csv`, "
                                       "`agreement_places.csv`"), ICE_LISTS, FACILITY_LISTS, OPERATOR_HAND),
        (
            _col("facility", "string", "Facility name as ICE prints it.", "detention_facilities.csv facility"),
            _as(STATE, source="detention_facilities.csv state"),
            _col("county_fips", "string", "Five-digit 2024 county FIPS code of the facility, where the agency is "
                 "placed too.", "detention_facilities.csv county_fips"),
            _col("facility_type", "category", "ICE's detailed facility type (only local operator types: "
                 "jails.LOCAL_TYPES).", "detention_facilities.csv facility_type"),
            AGENCY_ID,
            _as(AGENCY, meaning="Name of the 287(g) agency running the facility, as on the list in force."),
            _col("models", "string", "The agency's 287(g) models on the list in force, `;`-joined in the order "
                 "JEM, WSO, TFM.", "list_rows.csv model"),
            _col("match_rule", "category", "Rule that matched facility and agency (jails.RULES): the facility bears "
                 "the agency's name; a county jail (or a facility named by its county alone) and the county's "
                 "sheriff; a county jail and the county's jail or corrections agency (which wins over the sheriff); "
                 "a city jail and the city's police; the agency a hand row names as the operator; a county facility "
                 "(a correctional center) and the sheriff ICE's facility list or a hand row names as its operator.", "computed (jails.match_one)",
                 allowed=JAIL_RULES),
            _col("adp_total", "number", "Average daily population held for ICE in the facility in the chosen "
                 "release (levels A-D), fiscal year to date; empty when ICE leaves every level blank.",
                 "detention_facilities.csv adp_total", nullable=True, unit="average daily population (people)"),
            _col("first_release", "date", "First detentionStats release listing the facility (same name key and "
                 "state, any type).", "detention_facilities.csv release_date"),
            _col("last_release", "date", "Last detentionStats release listing the facility.",
                 "detention_facilities.csv release_date"),
            *OPERATOR_FIELDS,
            _as(RELEASE_DATE, meaning="The detentionStats release matched (the notebook's `as_of` or "
                "`fiscal_year`)."),
            _as(LIST_DATE, meaning="Date of the participating list whose agreements count.",
                source="lists.csv list_date"),
        ),
    ),
    Dataset(
        "data/processed/county_detention_287g.csv",
        "One row per county holding an ICE detention facility at each fiscal-year-end detentionStats release and "
        "the newest: the average daily population held in the county's facilities, the local 287(g) agreements "
        "placed in the county by model, and whether a statewide agreement covers its state, on the participating "
        f"list in force at the release. A release whose newest list is older than the gap threshold ({GAP_DAYS} "
        "days) has no rows: a gap, not a zero (`jails_no_list` in qa_summary.csv).",
        ("07_jails_and_detention",),
        (DETENTION_BOOKS, CROSSWALKS, ("`data/processed/detention_facilities.csv`, `detention_releases.csv`, "
                                       "`list_rows.csv`, `lists.csv`, `agreement_places.csv`"), ICE_LISTS,
         CENSUS_COUNTIES),
        (
            RELEASE_DATE, FISCAL_YEAR, FY_END,
            _col("county_fips", "string", "Five-digit 2024 county FIPS code.", "detention_facilities.csv county_fips"),
            _col("county", "string", "County name with its type word (2024 Census).", "Census 2024 counties"),
            _as(STATE, source="Census 2024 counties (state of the county)"),
            _col("facilities", "integer", "Facility rows in the county in this release.",
                 "detention_facilities.csv", unit="facilities"),
            _as(ADP_TOTAL_STATE, meaning="Average daily population held in the county's facilities: the sum of "
                "their ADP (levels A-D), fiscal year to date as of the release, rounded to three decimals."),
            *[_col(f"local_{m}", "integer", f"{m} agreements of county, municipal or other local agencies placed in "
                   "the county, on the list in force.", "list_rows.csv, agreement_places.csv county_fips",
                   unit="agreements") for m in MODELS],
            _col("local_agreement", "boolean", "True when the county holds at least one local agreement.",
                 "computed"),
            _col("statewide", "boolean", "True when a statewide agreement (a state agency's) on the list covers the "
                 "county's state.", "agreement_places.csv method statewide"),
            _as(LIST_ID, meaning="The participating series list in force on the release date."),
            _as(LIST_DATE, meaning="Date of that list.", source="lists.csv list_date"),
        ),
    ),
    Dataset(
        "data/qa/facility_operator_join.csv",
        "One row per detention facility as the workbooks print it (name, city, state) and per ICE facility list: "
        "the list row it joins and the rule, or why it joins none (ice287g.operators). The operator of a jail "
        "comes from here unless data/hand/facility_operators.csv names it.",
        ("07_jails_and_detention",),
        (FACILITY_LISTS, DETENTION_BOOKS, "`data/processed/detention_facilities.csv`"),
        (
            _col("facility", "string", "Facility name as ICE's workbooks print it.",
                 "detention_facilities.csv facility"),
            _col("city", "string", "City as printed.", "detention_facilities.csv city", nullable=True),
            _col("state", "string", "State as printed (empty where the workbook prints none).",
                 "detention_facilities.csv state", nullable=True),
            _col("zip", "string", "ZIP code in the facility's last release.", "detention_facilities.csv zip",
                 nullable=True),
            _col("facility_type", "category", "ICE's detailed facility type in its last release.",
                 "detention_facilities.csv facility_type"),
            _col("first_release", "date", "First release printing the facility so.", "detention_facilities.csv"),
            _col("last_release", "date", "Last release printing the facility so.", "detention_facilities.csv"),
            _col("list_date", "date", "Date of the ICE facility list.", "data/raw/ice_facilities/MANIFEST.csv "
                 "as_of_date"),
            _col("join_rule", "category", "How the facility joined a row of the list, or why it joined none "
                 "(operators.JOIN_RULES).", "computed (operators.join_one)", allowed=OPERATOR_JOIN_RULES),
            _col("detloc", "string", "ICE's facility code (DETLOC) of the list row; empty when none joined.",
                 "ICE facility list DETLOC", nullable=True),
            _col("list_name", "string", "Facility name on the list.", "ICE facility list Name", nullable=True),
            _col("list_city", "string", "City on the list.", "ICE facility list City", nullable=True),
            _col("list_operator", "string", "`Facility Operator` on the list (empty where ICE leaves it blank).",
                 "ICE facility list Facility Operator", nullable=True),
            _col("list_owner", "string", "`Facility Owner` on the list.", "ICE facility list Facility Owner",
                 nullable=True),
        ),
    ),
    Dataset(
        "data/qa/unmatched_jails.csv",
        "One row per detention facility of a local operator type, in the chosen release, placed in a county where "
        "a local agency holds a 287(g) agreement, that no matching rule ties to an agency (or whose operator is a "
        "company): with the reason, the local agencies of the county and the facility's operator.",
        ("07_jails_and_detention",),
        (DETENTION_BOOKS, "`data/processed/detention_facilities.csv`, `list_rows.csv`, `agreement_places.csv`",
         FACILITY_LISTS, OPERATOR_HAND),
        (
            _col("facility", "string", "Facility name as ICE prints it.", "detention_facilities.csv facility"),
            _col("city", "string", "City as printed.", "detention_facilities.csv city", nullable=True),
            _as(STATE, source="detention_facilities.csv state"),
            _col("county_fips", "string", "Five-digit 2024 county FIPS code of the facility.",
                 "detention_facilities.csv county_fips"),
            _col("facility_type", "category", "ICE's detailed facility type.", "detention_facilities.csv"),
            _col("adp_total", "number", "Average daily population in the release; empty when not printed.",
                 "detention_facilities.csv adp_total", nullable=True, unit="average daily population (people)"),
            _col("reason", "category", "Why no rule matched (jails.REASONS).", "computed (jails.match_one)",
                 allowed=JAIL_REASONS),
            _col("local_agencies", "string", "The local 287(g) agencies placed in the county, `; `-joined.",
                 "list_rows.csv, agreement_places.csv"),
            *OPERATOR_FIELDS,
            _as(RELEASE_DATE, meaning="The detentionStats release matched."),
            _as(LIST_DATE, meaning="Date of the participating list whose agreements count.",
                source="lists.csv list_date"),
        ),
    ),
    # ---------------------------------------------------------------------------- 00_program_history
    Dataset(
        "data/processed/program_milestones.csv",
        "One row per milestone of the program's history that the program-history notebook cites (first "
        "archived list, fewest agreements, last list before the archive gap, first WSO list, newest list ...), "
        "each with the list it comes from and that list's counts by model.",
        ("00_program_history",), ("`data/processed/lists.csv`, `list_counts.csv`", ICE_LISTS),
        (
            _col("milestone", "category", "Key of the milestone.", "agreements.milestones",
                 allowed=("fact_sheet_low", "first_archived_list", "first_fact_sheet", "first_wso_list",
                          "last_before_gap", "newest", "start_of_2025", "task_forces_back", "task_forces_gone")),
            _col("label", "string", "What the milestone is, in words.", "agreements.milestones"),
            LIST_ID, LIST_DATE,
            _as(ERA, allowed=SERIES_ERAS),
            _col("agreements", "integer", "Agreements on that list (every model).", "list_counts.csv (ALL, ALL)",
                 unit="agreements"),
            _as(COUNT_JEM, source="list_counts.csv (ALL, JEM)"),
            _as(COUNT_WSO, source="list_counts.csv (ALL, WSO)"),
            _as(COUNT_TFM, source="list_counts.csv (ALL, TFM)"),
        ),
    ),
    # -------------------------------------------------------------------------------- every notebook
    Dataset(
        MANIFEST,
        "One row per figure in `figures/`: its title, alt text and source line, the notebook that made it, and "
        "the raw files it depends on with their SHA-256. Each notebook that saves a figure updates its row "
        "(`charts.save_figure`); `figures/README.md` is generated from it.",
        ("00_raw_inventory", "01_agreement_history", "02_compare_lists", "03_maps", "04_detention", "05_news_claims",
         "06_pending_pipeline", "07_jails_and_detention"),
        ("the figures' raw inputs, named in the inputs column",),
        (
            _col("slug", "string", "Figure name: its files are figures/<slug>.svg, .png and .csv.",
                 "save_figure argument"),
            _col("title", "string", "Title drawn above the figure.", "save_figure argument"),
            _col("alt_text", "string", "Text description of the figure for screen readers.", "save_figure argument"),
            _col("source", "string", "Credit line drawn below the figure.", "save_figure argument"),
            _col("notebook", "string", "Notebook that made the figure (`notebooks/<name>.ipynb`; `interactive` "
                 "outside the pipeline).", "ICE287G_NOTEBOOK set by the pipeline"),
            _col("inputs", "string", "Raw files the figure depends on, as `path@sha256:<hash>` separated by `; `.",
                 "save_figure inputs; sha256 from the manifests", nullable=True),
        ),
    ),
)

DATASETS: MappingProxyType[str, Dataset] = MappingProxyType({d.path: d for d in _DATASETS})
if len(DATASETS) != len(_DATASETS):  # pragma: no cover - a definition error
    raise ValueError("a dataset is defined twice in ice287g.schema")


# ---------------------------------------------------------------------------------------------
# Titles and keys of the processed tables (the data release's datapackage.json, ice287g.release)

RELEASED = "data/processed/"
TITLES = MappingProxyType({
    "data/processed/raw_inventory.csv": "Raw files of the archive",
    "data/processed/list_rows.csv": "Rows of every ICE 287(g) list",
    "data/processed/lists.csv": "ICE 287(g) lists",
    "data/processed/agreements.csv": "287(g) agreements",
    "data/processed/agencies.csv": "Agencies on ICE's 287(g) lists",
    "data/processed/agency_roster_matches.csv": "Agencies matched to the FBI's agency rosters (ORI codes)",
    "data/processed/list_counts.csv": "Counts by list, state and model",
    "data/processed/wapo_agency_years.csv": "Washington Post sheriffs list (secondary source)",
    "data/processed/list_changes.csv": "Changes between two lists",
    "data/processed/list_changes_by_state.csv": "Changes between two lists by state",
    "data/processed/agreement_places.csv": "Agreements placed on the county map",
    "data/processed/county_counts.csv": "Agreements by county on month-end lists",
    "data/processed/population_covered.csv": "U.S. residents under a 287(g) agreement on month-end lists",
    "data/processed/agreements_by_county.gpkg": "Agreements by county on the newest month-end list (GeoPackage)",
    "data/processed/detention_facilities.csv": "ICE detention facilities by release",
    "data/processed/detention_by_state.csv": "ICE detention by state and release",
    "data/processed/detention_population.csv": "People in ICE detention by release, beside TRAC",
    "data/processed/detention_releases.csv": "ICE detentionStats releases",
    "data/processed/detention_vs_agreements.csv": "Detention and 287(g) agreements by state",
    "data/processed/news_claims_check.csv": "News figures recomputed",
    "data/processed/program_milestones.csv": "Milestones of the program's history",
    "data/processed/pending_outcomes.csv": "Requests on ICE's pending lists and their outcomes",
    "data/processed/agency_facility_matches.csv": "Detention facilities run by 287(g) agencies",
    "data/processed/county_detention_287g.csv": "ICE detention by county beside local 287(g) agreements",
})
# Keys that hold by construction (one row per ...); the release's frictionless check enforces them.
PRIMARY_KEYS = MappingProxyType({
    "data/processed/raw_inventory.csv": ("source", "file"),
    "data/processed/list_rows.csv": ("list_id", "row"),
    "data/processed/lists.csv": ("list_id",),
    "data/processed/agreements.csv": ("agreement_id",),
    "data/processed/agencies.csv": ("agency_id",),
    "data/processed/agency_roster_matches.csv": ("agency_id",),
    "data/processed/list_counts.csv": ("list_id", "state", "model"),
    "data/processed/wapo_agency_years.csv": ("source_file", "row", "year"),
    "data/processed/agreement_places.csv": ("agreement_id",),
    "data/processed/county_counts.csv": ("as_of", "county_fips"),
    "data/processed/population_covered.csv": ("list_id",),
    "data/processed/detention_by_state.csv": ("release_date", "state"),
    "data/processed/detention_population.csv": ("release_date",),
    "data/processed/detention_releases.csv": ("release_date",),
    "data/processed/pending_outcomes.csv": ("agency_id", "model", "first_pending"),
    "data/processed/agency_facility_matches.csv": ("facility", "county_fips"),
    "data/processed/county_detention_287g.csv": ("release_date", "county_fips"),
})
# (fields, referenced table, referenced fields). list_rows.agency_id is not one: rows of lists outside the
# series name agencies that agencies.csv (series lists only) does not hold.
FOREIGN_KEYS = MappingProxyType({
    "data/processed/list_rows.csv": ((("list_id",), "data/processed/lists.csv", ("list_id",)),),
    "data/processed/agreements.csv": ((("agency_id",), "data/processed/agencies.csv", ("agency_id",)),),
    "data/processed/agency_roster_matches.csv": ((("agency_id",), "data/processed/agencies.csv", ("agency_id",)),),
    "data/processed/list_counts.csv": ((("list_id",), "data/processed/lists.csv", ("list_id",)),),
    "data/processed/agreement_places.csv": ((("agreement_id",), "data/processed/agreements.csv", ("agreement_id",)),
                                            (("agency_id",), "data/processed/agencies.csv", ("agency_id",))),
    "data/processed/detention_facilities.csv": ((("release_date",), "data/processed/detention_releases.csv",
                                                 ("release_date",)),),
    "data/processed/detention_by_state.csv": ((("release_date",), "data/processed/detention_releases.csv",
                                               ("release_date",)),),
    "data/processed/detention_population.csv": ((("release_date",), "data/processed/detention_releases.csv",
                                                 ("release_date",)),),
    "data/processed/detention_vs_agreements.csv": ((("release_date",), "data/processed/detention_releases.csv",
                                                    ("release_date",)),
                                                   (("list_id",), "data/processed/lists.csv", ("list_id",))),
    "data/processed/program_milestones.csv": ((("list_id",), "data/processed/lists.csv", ("list_id",)),),
    "data/processed/population_covered.csv": ((("list_id",), "data/processed/lists.csv", ("list_id",)),),
    "data/processed/pending_outcomes.csv": ((("agency_id",), "data/processed/agencies.csv", ("agency_id",)),),
    "data/processed/agency_facility_matches.csv": ((("agency_id",), "data/processed/agencies.csv", ("agency_id",)),
                                                   (("release_date",), "data/processed/detention_releases.csv",
                                                    ("release_date",))),
    "data/processed/county_detention_287g.csv": ((("release_date",), "data/processed/detention_releases.csv",
                                                  ("release_date",)),
                                                 (("list_id",), "data/processed/lists.csv", ("list_id",))),
})
# Table Schema's name for each of our types (a category is a string, constrained to its labels when they are fixed).
TABLE_SCHEMA_TYPES = MappingProxyType({"string": "string", "integer": "integer", "number": "number",
                                       "boolean": "boolean", "date": "date", "category": "string"})
DATA_PACKAGE_VERSION = "2.0"
PROFILES = "https://datapackage.org/profiles/{version}/{name}.json"
TABLE_SCHEMA_PROFILE = PROFILES.format(version=DATA_PACKAGE_VERSION, name="tableschema")


def released_tables() -> list[str]:
    """The processed CSV tables a data release carries, in path order."""
    return sorted(p for p in DATASETS if p.startswith(RELEASED) and p.endswith(".csv"))


def resource_name(path: str) -> str:
    """A table's name in the data package (its file stem: ``agreements``, ``list_rows``)."""
    return Path(path).stem


def table_field(column: Column) -> dict:
    """One Table Schema field: type, description, unit, and the constraints the writers enforce."""
    field_ = {"name": column.name, "type": TABLE_SCHEMA_TYPES[column.type], "description": column.meaning}
    if column.unit:
        field_["unit"] = column.unit  # a custom property: Table Schema has no unit of its own
    constraints = {"required": True} if not column.nullable else {}
    if column.allowed:
        constraints["enum"] = list(column.allowed)
    if constraints:
        field_["constraints"] = constraints
    if column.type == "boolean":
        field_["trueValues"], field_["falseValues"] = ["True"], ["False"]
    return field_


def table_schema(path: str) -> dict:
    """The Table Schema (Data Package v2) of a processed CSV table, with its primary and foreign keys."""
    ds = dataset(path)
    schema = {"$schema": TABLE_SCHEMA_PROFILE, "fields": [table_field(c) for c in ds.columns],
              "missingValues": [""]}
    if path in PRIMARY_KEYS:
        schema["primaryKey"] = list(PRIMARY_KEYS[path])
    if path in FOREIGN_KEYS:
        schema["foreignKeys"] = [
            {"fields": list(fields), "reference": {"resource": resource_name(ref), "fields": list(ref_fields)}}
            for fields, ref, ref_fields in FOREIGN_KEYS[path]]
    return schema


# ---------------------------------------------------------------------------------------------
# Validation


def dataset(relative_path: str | Path) -> Dataset:
    rel = Path(relative_path).as_posix()
    try:
        return DATASETS[rel]
    except KeyError:
        raise SchemaError(f"{rel}: not in the schema (src/ice287g/schema.py); every file in data/processed/, "
                          f"data/qa/ and {MANIFEST} must be documented there") from None


def _int_like(x) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (numbers.Integral, np.integer)):
        return True
    if isinstance(x, (float, np.floating)):
        return math.isfinite(x) and float(x).is_integer()
    if isinstance(x, str):
        return bool(INT_RE.match(x.strip()))
    return False


def _number_like(x) -> bool:
    if isinstance(x, (bool, np.bool_)):
        return False
    if isinstance(x, (numbers.Real, np.number)):
        return math.isfinite(float(x))
    if isinstance(x, str):
        try:
            return math.isfinite(float(x.replace(",", "")))
        except ValueError:
            return False
    return False


def _bool_like(x) -> bool:
    return isinstance(x, (bool, np.bool_)) or (isinstance(x, str) and x in ("True", "False"))


def _date_like(x) -> bool:
    if isinstance(x, (dt.date, np.datetime64)):
        return True
    if isinstance(x, str) and DATE_RE.match(x):
        try:
            dt.date.fromisoformat(x)
        except ValueError:
            return False
        return True
    return False


def _text(values: pd.Series) -> pd.Series | None:
    """``values`` as a pandas string Series when every value is text (vectorized checks), else None."""
    if isinstance(values.dtype, pd.StringDtype):
        return values
    if values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.astype("string")
    return None


def _mask(result: pd.Series) -> pd.Series:
    return pd.Series(result.fillna(False).to_numpy(dtype=bool), index=result.index)


def _bad_text(text: pd.Series, column: Column) -> pd.Series:
    """Vectorized ``_bad_values`` for non-empty text values."""
    if column.type == "integer":
        return ~_mask(text.str.strip().str.fullmatch(INT_RE.pattern))
    if column.type == "number":
        number = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
        return pd.Series(~np.isfinite(number.to_numpy(dtype=float, na_value=np.nan)), index=text.index)
    if column.type == "boolean":
        return ~_mask(text.isin(["True", "False"]))
    if column.type == "date":
        shaped = _mask(text.str.fullmatch(DATE_RE.pattern))
        parsed = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce").notna()
        return ~(shaped & parsed.to_numpy(dtype=bool))
    if column.type == "category" and column.allowed:
        return ~_mask(text.isin(column.allowed))
    return pd.Series(False, index=text.index)


def _bad_values(values: pd.Series, column: Column) -> pd.Series:
    """Boolean mask over non-empty ``values``: True where the value violates the column's type."""
    kind = values.dtype
    ok = pd.api.types
    none = pd.Series(False, index=values.index)
    if column.type in ("string", "geometry"):
        return none
    text = _text(values)
    if text is not None:
        return _bad_text(text, column)
    if column.type == "integer":
        if ok.is_bool_dtype(kind):
            return ~none
        if ok.is_integer_dtype(kind):
            return none
        if ok.is_float_dtype(kind):
            a = values.to_numpy(dtype=float)
            return pd.Series(~(np.isfinite(a) & (a == np.floor(a))), index=values.index)
        return ~values.map(_int_like).astype(bool)
    if column.type == "number":
        if ok.is_bool_dtype(kind):
            return ~none
        if ok.is_numeric_dtype(kind):
            return pd.Series(~np.isfinite(values.to_numpy(dtype=float)), index=values.index)
        return ~values.map(_number_like).astype(bool)
    if column.type == "boolean":
        if ok.is_bool_dtype(kind):
            return none
        if ok.is_numeric_dtype(kind):
            return ~none
        return ~values.map(_bool_like).astype(bool)
    if column.type == "date":
        if ok.is_datetime64_any_dtype(kind):
            return none
        if ok.is_numeric_dtype(kind) or ok.is_bool_dtype(kind):
            return ~none
        return ~values.map(_date_like).astype(bool)
    if column.type == "category":
        if not column.allowed:
            return none
        return ~values.map(str).isin(column.allowed)
    raise AssertionError(column.type)  # pragma: no cover


def _empty_mask(values: pd.Series, column: Column) -> pd.Series:
    empty = pd.Series(values.isna().to_numpy(dtype=bool), index=values.index)
    if column.type == "geometry" or pd.api.types.is_numeric_dtype(values.dtype) \
            or pd.api.types.is_bool_dtype(values.dtype):
        return empty
    text = _text(values)
    if text is not None:
        return empty | _mask(text.eq(""))
    return empty | values.map(lambda x: isinstance(x, str) and x == "").astype(bool)


def _first(mask: pd.Series, values: pd.Series) -> tuple[int, object, object, int]:
    hits = np.flatnonzero(mask.to_numpy(dtype=bool))
    pos = int(hits[0])
    return pos, values.index[pos], values.iloc[pos], len(hits)


def _where(pos: int, label, n: int) -> str:
    at = f"row {pos}" + (f" (index {label!r})" if label != pos else "")
    return at + (f", first of {n} such rows" if n > 1 else "")


def validate(df: pd.DataFrame, relative_path: str | Path) -> Dataset:
    """Check ``df`` against the definition of ``relative_path``; raise SchemaError naming file and column.

    Checks: the file is in the schema; no column missing, none undocumented, none repeated; the order
    as defined; no empty value in a non-nullable column; every value of its type; categories within
    their allowed labels. For the GeoPackage the ``geometry`` column may sit anywhere. Row numbers in
    messages are 0-based positions in ``df``.
    """
    ds = dataset(relative_path)
    rel = ds.path
    got = [str(c) for c in df.columns]
    want = ds.names
    geo = "geometry" in want
    dupes = sorted({c for c in got if got.count(c) > 1})
    if dupes:
        raise SchemaError(f"{rel}: column {dupes[0]!r} appears more than once")
    missing = [c for c in want if c not in got]
    if missing:
        raise SchemaError(f"{rel}: column {missing[0]!r} is missing (the schema defines {want})")
    extra = [c for c in got if c not in want]
    if extra:
        raise SchemaError(f"{rel}: column {extra[0]!r} is not in the schema (undocumented); document it in "
                          "src/ice287g/schema.py or drop it")
    order_got = [c for c in got if not (geo and c == "geometry")]
    order_want = [c for c in want if not (geo and c == "geometry")]
    if order_got != order_want:
        i = next(i for i, (a, b) in enumerate(zip(order_got, order_want)) if a != b)
        raise SchemaError(f"{rel}: column {order_got[i]!r} is at position {i}, where the schema has "
                          f"{order_want[i]!r}; the order must be {order_want}")
    for column in ds.columns:
        values = df[column.name]
        empty = _empty_mask(values, column)
        if not column.nullable and empty.any():
            pos, label, value, n = _first(empty, values)
            raise SchemaError(f"{rel}: column {column.name!r} may not be empty, but {_where(pos, label, n)} "
                              f"is empty ({value!r})")
        filled = values[~empty.to_numpy()]
        if filled.empty:
            continue
        bad = _bad_values(filled, column)
        if bad.any():
            pos_in_filled, label, value, n = _first(bad, filled)
            pos = int(np.flatnonzero(~empty.to_numpy())[pos_in_filled])
            if column.type == "category":
                what = f"is not an allowed value (allowed: {list(column.allowed)})"
            else:
                what = f"is not of type {column.type} ({TYPE_HELP[column.type]})"
            raise SchemaError(f"{rel}: column {column.name!r}: {_where(pos, label, n)} has {value!r}, which {what}")
    return ds


def read_table(path: Path | str) -> pd.DataFrame:
    """A committed table as the writers' frame round-trips: types inferred by pandas, but only empty
    cells are missing (pandas' default would also read printed values such as ``#NA`` or ``NA`` as NaN)."""
    path = Path(path)
    if path.suffix == ".gpkg":
        import geopandas as gpd

        return gpd.read_file(path, engine="pyogrio")
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def governed_path(target: Path | str) -> str | None:
    """``target`` relative to the output root if it is a table the schema governs, else None."""
    try:
        rel = Path(target).resolve().relative_to(paths.output_root()).as_posix()
    except ValueError:
        return None
    if rel.startswith(GOVERNED_DIRS) or rel == MANIFEST:
        return rel
    return None


def _this_project() -> bool:
    return paths.project_root() == Path(__file__).resolve().parents[3]


def check_output(df: pd.DataFrame, target: Path | str) -> None:
    """Called by the writers before writing ``target``: validate it when the schema governs it.

    A throwaway project (``ICE287G_ROOT`` elsewhere, as the tests build) may write tables this project
    does not have; the tables it shares with the schema are still checked."""
    rel = governed_path(target)
    if rel is None:
        return
    if rel not in DATASETS and not _this_project():
        return
    validate(df, rel)
