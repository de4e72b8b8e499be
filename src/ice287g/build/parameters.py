"""The kinds of value a notebook parameter takes: type, what is allowed, and how a value is normalized.
Which notebook takes which is declared with the notebook, in ``registry``.

The runner calls ``validate_values`` (through ``registry.validate_parameters``) before any kernel starts, so a bad value stops with one line naming the
notebook, the parameter, the value and what is allowed, instead of a traceback from inside a cell
(or, worse, a silently blank map). The codebook lists the declarations (``markdown``) and a test
checks them against each notebook's tagged ``parameters`` cell, so neither can drift.

Bounds that depend on the data (the earliest ICE list, the detention releases) are read from the raw
files' manifests when a value needs them, never typed here. A date whose list or release in force would
be too old (inside an archive gap) is refused by the store's own rule (``asof.list_row_for``,
``asof.release_row_for``) on the tables the notebooks read, so a run stops before its kernel starts.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ..core import paths
from ..core.vocab import GAP_DAYS, MODELS
from ..archive.coverage import coverage
from ..detention.detention import WORKBOOK_KIND
from ..archive.manifests import manifest
from ..archive.manifests import inventory
from ..core.states import states
from ..history.asof import StaleError, list_row_for, read_processed, release_row_for

NEWEST = "newest"


class ParameterError(ValueError):
    """A notebook parameter that is unknown or not allowed."""


class _Refused(ValueError):
    """Why a value is refused, beyond what the declaration allows (e.g. a date before the data)."""


# ---------------------------------------------------------------------------------------------
# What the data covers, read when a value needs it


@cache
def _first_ice_list(root: str) -> str:
    cov = coverage()
    return str(cov.loc[cov["ice_list"], "start"].min())


def first_ice_list() -> str:
    """Date of the earliest ICE list any raw file holds."""
    return _first_ice_list(str(paths.project_root()))


def detention_releases() -> list[str]:
    """Dates of ICE's detention workbooks in the ice_detention manifest."""
    m = manifest("ice_detention")
    return sorted(m.loc[m["kind"] == WORKBOOK_KIND, "as_of_date"])


def fiscal_year(date: str) -> int:
    """The federal fiscal year of a date (it starts on 1 October)."""
    d = dt.date.fromisoformat(date)
    return d.year + (d.month >= 10)


def newest_raw_year() -> int:
    return int(inventory()["as_of_date"].max()[:4])


# ---------------------------------------------------------------------------------------------
# Checks: each takes the given value and returns it normalized, or raises _Refused / ValueError


def _iso(value: str) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise _Refused("not a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise _Refused("not a calendar date") from None


def _date_or_newest(first: Callable[[], str], what: str) -> Callable:
    def check(value) -> str:
        if str(value).strip().lower() == NEWEST:
            return NEWEST
        date = _iso(value)
        if date < first():
            raise _Refused(f"before the earliest {what} ({first()})")
        return date
    return check


def _date(value) -> str:
    return _iso(value)


def _built(name: str):
    """A processed table the gap checks read; ``None`` before a build wrote it (the notebook's own lookup
    then refuses a date in a gap, by the same rule)."""
    try:
        return read_processed(name)
    except FileNotFoundError:
        return None


def _outside_gaps(lookup: Callable, table: str, date: str):
    """``lookup(table, date)``: the list or release in force at ``date``; refused when it is too old."""
    rows = _built(table)
    if rows is None:
        return None
    try:
        return lookup(rows, date)
    except StaleError as exc:
        raise _Refused(exc.gap) from None


def _list_in_force(date: str):
    return _outside_gaps(list_row_for, "lists.csv", date)


def _release_in_force(date: str):
    return _outside_gaps(release_row_for, "detention_releases.csv", date)


def _analysis_date(value) -> str:
    return _date_or_newest(first_ice_list, "ICE list")(value)


def _list_date(value) -> str:
    date = _analysis_date(value)
    if date != NEWEST:
        _list_in_force(date)
    return date


def _release_date(value) -> str:
    return _date_or_newest(lambda: detention_releases()[0], "detention release")(value)


def _release_and_its_list(value) -> str:
    """The detention notebook's date: the release in force at it, and the list in force at that release."""
    date = _release_date(value)
    release = None if date == NEWEST else _release_in_force(date)
    if release is not None:
        try:
            _list_in_force(release["release_date"])
        except _Refused as exc:
            raise _Refused(f"its detention release is of {release['release_date']}, and {exc}") from None
    return date


def _release_and_list(value) -> str:
    """The jails notebook's date: the release and the list in force at the date itself."""
    date = _release_date(value)
    if date != NEWEST:
        _release_in_force(date)
        _list_in_force(date)
    return date


def _list_spec(value) -> str:
    if str(value).strip().lower() == "previous":  # the series list before the other one (comparing two lists)
        return "previous"
    m = re.fullmatch(r"first-(\d{4})", str(value).strip().lower())
    if m:
        if m.group(1) < first_ice_list()[:4]:
            raise _Refused(f"before the earliest ICE list ({first_ice_list()})")
        return f"first-{m.group(1)}"
    return _list_date(value)


def _list_dates(value) -> str:
    parts = [p for p in str(value).split(";") if p.strip()]
    if not parts:
        raise _Refused("no date given")
    return ";".join(_list_date(p) for p in parts)


def _int(value) -> int:
    if isinstance(value, bool):
        raise _Refused("not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    raise _Refused("not a whole number")


def _positive_int(value) -> int:
    n = _int(value)
    if n <= 0:
        raise _Refused("not positive")
    return n


def _start_year(value) -> int:
    year = _positive_int(value)
    if year > newest_raw_year():
        raise _Refused(f"after the newest raw file ({newest_raw_year()})")
    return year


def _fiscal_year(value) -> int:
    year = _int(value)
    if year == 0:
        return 0
    years = sorted({fiscal_year(d) for d in detention_releases()})
    if not years[0] <= year <= years[-1]:
        raise _Refused(f"no detention release covers FY{year} (FY{years[0]} to FY{years[-1]})")
    return year


def _state_code(value) -> str:
    code = str(value).strip().upper()
    if code not in set(states()["state"]):
        raise _Refused("not a state, DC or territory code of the Census state file")
    return code


def _state_or_all(value) -> str:
    return "ALL" if str(value).strip().upper() == "ALL" else _state_code(value)


def _model_or_all(value) -> str:
    model = str(value).strip().upper()
    if model != "ALL" and model not in MODELS:
        raise _Refused("not a model")
    return model


def _project_file(value) -> str:
    text = str(value).strip()
    path = Path(text) if Path(text).is_absolute() else paths.project_root() / text
    if not path.is_file():
        raise _Refused("no such file")
    return text


# ---------------------------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True)
class Param:
    """One parameter: its type (of the default in the notebook), what is allowed (as errors and the
    codebook say it) and the check that normalizes a value."""

    type: type
    allowed: str
    check: Callable


GAP_RULE = (f"a date is refused inside an archive gap, where the newest list or release on or before it is more "
            f"than {GAP_DAYS} days old")
LIST_DATE = Param(str, f"`newest` or a date YYYY-MM-DD on or after the earliest ICE list ({GAP_RULE})",
                  _list_date)
ANALYSIS_DATE = Param(str, "`newest` or a date YYYY-MM-DD on or after the earliest ICE list (a date inside an "
                           "archive gap is allowed: a request the gap hides is judged `unknown_gap`)", _analysis_date)
RELEASE_AND_ITS_LIST = Param(str, "`newest` or a date YYYY-MM-DD on or after the earliest detention release "
                                  f"({GAP_RULE}: the release in force at it, and the ICE list in force at that "
                                  "release)",
                             _release_and_its_list)
RELEASE_AND_LIST = Param(str, "`newest` or a date YYYY-MM-DD on or after the earliest detention release "
                              f"({GAP_RULE}: the release and the ICE list in force at it)", _release_and_list)
CHART_DATE = Param(str, "a date YYYY-MM-DD", _date)
GAP = Param(int, f"a positive whole number of days (the project's threshold is {GAP_DAYS})", _positive_int)
LIST_SPEC = Param(str, "`newest`, `previous` (the series list just before the other list), `first-YYYY` (the first "
                       f"list of that year) or a date YYYY-MM-DD on or after the earliest ICE list ({GAP_RULE})",
                  _list_spec)

START_YEAR = Param(int, "a year not after the newest raw file", _start_year)
MODEL_OR_ALL = Param(str, f"`ALL` or one of {', '.join(MODELS)} (any case)", _model_or_all)
STATE_OR_ALL = Param(str, "`ALL` or a two-letter state, DC or territory code (any case)", _state_or_all)
STATE = Param(str, "a two-letter state, DC or territory code (any case)", _state_code)
LIST_DATES = Param(str, "dates YYYY-MM-DD (or `newest`) separated by `;`, none before the "
                        f"earliest ICE list ({GAP_RULE})", _list_dates)
COMPLETED_FISCAL_YEAR = Param(int, "0 (the latest completed fiscal year) or a fiscal year some detention "
                                   "release covers", _fiscal_year)
RELEASE_FISCAL_YEAR = Param(int, "0 (the release in force at as_of) or a fiscal year some detention release "
                                 "covers (its last release)", _fiscal_year)
CLAIMS_FILE = Param(str, "an existing claims CSV, relative to the project root", _project_file)


def validate_values(notebook: str, declared: Mapping[str, Param] | None, params: Mapping[str, object]) -> dict[str, object]:
    """``params`` of notebook ``notebook`` checked against its ``declared`` parameters and normalized
    (``tx`` -> ``TX``, ``jem`` -> ``JEM``); the first unknown name or refused value raises ParameterError,
    one line naming notebook, parameter, value and what is allowed. ``declared`` is None for a notebook
    the project does not declare (tests run throwaway ones): the runner checks its names."""
    if declared is None:
        return dict(params)
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise ParameterError(f"{notebook}: unknown parameter(s) {unknown}; it takes {sorted(declared)}")
    out = {}
    for name, value in params.items():
        param = declared[name]
        try:
            out[name] = param.check(value)
        except ValueError as exc:
            raise ParameterError(f"{notebook}: parameter {name}={value!r} refused ({exc}); allowed: "
                                 f"{param.allowed}") from None
    return out


def markdown(declarations: Mapping[str, Mapping[str, Param]]) -> str:
    """The codebook's section on notebook parameters: ``declarations`` maps each notebook to its own."""
    lines = ["## Notebook parameters", "",
             "Declared in `src/ice287g/build/registry.py`; `python -m ice287g run NOTEBOOK -p NAME VALUE` refuses "
             "any other name or value before the notebook starts. A run with non-default values writes under "
             "`reports/`, never over the committed outputs."]
    for notebook, declared in declarations.items():
        lines += ["", f"### Parameters of `{notebook}`", "", "| parameter | type | allowed |", "|---|---|---|"]
        lines += [f"| `{name}` | {param.type.__name__} | {param.allowed} |" for name, param in declared.items()]
    return "\n".join(lines) + "\n"
