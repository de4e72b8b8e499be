"""The one definition of every committed table: what a row is, who writes it, and every column.

``DATASETS`` maps each committed output (path relative to the project root) to a ``Dataset``: a title,
a description, the notebook(s) writing it, the raw sources it derives from, its primary and foreign
keys and its ``Column``s in the order they are written. Each is read (``ice287g.tableschema``) from its
Table Schema file in ``src/ice287g/tables/``, which is where a table is documented. What uses it:

- ``validate_table(df, path)`` checks a table against it (columns, order, types, empties, categories) and
  raises ``SchemaError`` naming the file and the column. ``ice287g.tables.writers`` calls it (through
  ``check_output``) before writing anything under ``data/processed/``, ``data/qa/`` or
  ``figures/manifest.csv``, so a table that does not match leaves the previous file in place.
- ``codebook_markdown(root)`` renders ``docs/codebook.md`` (``python -m ice287g codebook``).
- ``table_schema(path)`` gives a processed table's Table Schema for the data release (``ice287g.publish.release``).
- ``tests/test_schema.py`` checks every committed file against it.

The labels a category may take are the code's where the code decides them (``LEVELS``, ``JAIL_RULES``
and the rest below, ``vocab.MODELS``): the schema files repeat them as ``enum`` constraints, and
``tests/test_schema.py`` holds the two equal.

Descriptions never carry numbers taken from the data: row counts in the codebook are read from the
committed files when it is generated.
"""
from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from pathlib import Path
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd

from ..core import paths
from ..core.vocab import AGENCY_TYPES, GAP_DAYS, LIST_KINDS, MODELS, SERIES_ERAS  # noqa: F401
from ..core.vocab import ERAS as ERA_DESCRIPTIONS
from . import tableschema
from .tableschema import TABLE_SCHEMA_TYPES, TYPES, Column, Dataset, ForeignKey, resource_name  # noqa: F401

TYPE_HELP = {
    "string": "text",
    "integer": "whole number",
    "number": "decimal number (written with the fixed float format of `ice287g.tables.writers`)",
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
    """A table that does not match its definition in ``ice287g.tables.schema`` (names file and column)."""


# ---------------------------------------------------------------------------------------------
# Labels the code decides, which the schema files list as the enum of the columns holding them

ERAS = tuple(ERA_DESCRIPTIONS)
LEVELS = ("State", "County", "Municipal", "Other")
NAME_RULES = ("name: state agency", "name: campus, port, court, constable or regional body", "name: sheriff or county",
              "name: police department of a city or town", "no rule matched")
LEVEL_RULES = ("hand", "ICE TYPE column", "ICE TYPE column (Municipality), finer Other from name", *NAME_RULES)
# How ice287g.detention.jails ties a detention facility to the 287(g) agency running it, and why it leaves one unmatched.
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

PLACEMENT_METHODS = ("hand", "name_rule", "place_county_share", "place_file", "printed_county", "roster_coordinates",
                     "statewide", "unplaced")
SHARE_FLAG_BELOW = 0.9  # a place whose largest county holds less of its people than this is flagged
# What a statewide agreement covers depends on the agency holding it: a corrections department's (prisons, jails)
# reaches the people it holds, a law-enforcement agency's (state police, patrol, investigators) the state's residents.
CORRECTIONS, LAW_ENFORCEMENT = "corrections", "law enforcement"
STATEWIDE_ROLES = (CORRECTIONS, LAW_ENFORCEMENT)
ROLE_RULES = ("hand", "name: corrections", "name: not corrections")
# What every table of ice287g.detention.jails says of a facility's operator (shared fields of tables/shared.yaml).
OPERATOR_FIELDS = ("operator", "operator_kind", "operator_source")

# ---------------------------------------------------------------------------------------------
# Every committed table, read from its schema file

# Numbers the schema files' texts quote from the code (written {GAP_DAYS} there).
QUOTED_CONSTANTS = MappingProxyType({"GAP_DAYS": GAP_DAYS, "SHARE_FLAG_BELOW": SHARE_FLAG_BELOW})
DATASETS: MappingProxyType[str, Dataset] = MappingProxyType(tableschema.load(QUOTED_CONSTANTS))

# ---------------------------------------------------------------------------------------------
# The processed tables as a data package (datapackage.json of the data release, ice287g.publish.release)

RELEASED = "data/processed/"
DATA_PACKAGE_VERSION = "2.0"
PROFILES = "https://datapackage.org/profiles/{version}/{name}.json"
TABLE_SCHEMA_PROFILE = PROFILES.format(version=DATA_PACKAGE_VERSION, name="tableschema")


def released_tables() -> list[str]:
    """The processed CSV tables a data release carries, in path order."""
    return sorted(p for p in DATASETS if p.startswith(RELEASED) and p.endswith(".csv"))


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
    if ds.primary_key:
        schema["primaryKey"] = list(ds.primary_key)
    if ds.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(fk.fields), "reference": {"resource": resource_name(fk.table), "fields": list(fk.reference)}}
            for fk in ds.foreign_keys]
    return schema


# ---------------------------------------------------------------------------------------------
# Validation


def dataset(relative_path: str | Path) -> Dataset:
    rel = Path(relative_path).as_posix()
    try:
        return DATASETS[rel]
    except KeyError:
        raise SchemaError(f"{rel}: not in the schema (src/ice287g/tables/); every file in data/processed/, "
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


def validate_table(df: pd.DataFrame, relative_path: str | Path) -> Dataset:
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
                          f"src/ice287g/tables/{Path(rel).with_suffix('.yaml')} or drop it")
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


def read_committed_table(path: Path | str) -> pd.DataFrame:
    """A committed table as the writers' frame round-trips: types inferred by pandas, but only empty
    cells are missing (pandas' default would also read printed values such as ``#NA`` or ``NA`` as NaN)."""
    path = Path(path)
    if path.suffix == ".gpkg":
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


def primary_key(target: Path | str) -> list[str] | None:
    """The order a writer sorts ``target``'s rows in unless told another: its primary key, where the schema
    governs it and gives it one (None otherwise)."""
    rel = governed_path(target)
    if rel not in DATASETS or not DATASETS[rel].primary_key:
        return None
    return list(DATASETS[rel].primary_key)


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
    validate_table(df, rel)
