"""Who runs each detention facility: ICE's facility lists of 2015 and 2017 (``Facility Operator``) joined to the
detention workbooks' facilities, and ``data/hand/facility_operators.csv`` where the lists lack or misstate it.

ICE's detention workbooks give a facility's contract type (IGSA, USMS IGA, CDF ...), not who runs it: many IGSA
jails are run by a company on a county's behalf. ICE's own facility lists (``data/raw/ice_facilities``) name the
operator (GEO, CCA, COUNTY (SHERIFF), COUNTY (JAILER) ...). They print no key the workbooks share, so a workbook
facility is joined to a list row by name, city and state, then by name and state, then by city and ZIP code
where the names share a distinctive word (``JOIN_RULES``); each facility's outcome on each list is reported.

A facility's operator is, in order: its hand row; the newer list's operator; the older list's; none (unknown).
An operator that changed since the 2017 list, or a facility first used after it, is stale or missing there and
needs a hand row with its source.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from python_calamine import CalamineWorkbook

from ..archive import cache, manifests
from ..core import hand, paths
from ..core.messages import FixError, location
from ..core.text import squash
from ..core.keys import agency_key, city_key
from ..core.states import state_lookup
from ..tables.qa import check_row
from ..tables.schema import OPERATOR_FIELDS, OPERATOR_JOIN_RULES, OPERATOR_KINDS

SOURCE = "ice_facilities"
LIST_KIND = "facility_list"
SHEET = "Facility List - Main"
READER_VERSION = 1
HEADER_FIRST = "DETLOC"  # the header row is the one whose column A says this (its row differs from list to list)
LIST_COLUMNS = {"DETLOC": "detloc", "Name": "name", "City": "city", "State": "state", "Zip": "zip",
                "Type Detailed": "type_detailed", "Facility Operator": "operator", "Facility Owner": "owner"}
HAND_TABLE = "facility_operators.csv"
HAND_COLUMNS = ["facility", "state", "operator", "operator_kind", "source", "reason"]
PRIVATE, COUNTY, CITY, STATE, JAILER, SHERIFF, FEDERAL, OTHER = OPERATOR_KINDS
# A hand row names the body that runs a jail: any kind but those only ICE's values give (federal, other).
HAND_KINDS = tuple(k for k in OPERATOR_KINDS if k not in (FEDERAL, OTHER))

# Every operator value ICE's lists print, with its kind and whether it leaves room for the county's sheriff
# (plain COUNTY does: the sheriff is a county body; COUNTY (CORRECTIONS) names another). A value not here stops
# the reader, naming file, sheet, row and value, so a new one is classified before it is used.
ICE_OPERATORS: dict[str, tuple[str, bool]] = {
    "COUNTY": (COUNTY, True), "COUNTY (SHERIFF)": (SHERIFF, True), "COUNTY (CORRECTIONS)": (COUNTY, False),
    "COUNTY (JAILER)": (JAILER, False), "COUNTY (PRISON)": (COUNTY, False), "COUNTY (COMMISSIONERS)": (COUNTY, False),
    "CITY": (CITY, False),
    # companies: GEO Group; CCA (now CoreCivic); LaSalle Corrections; Community Education Centers (bought by
    # GEO); Management & Training Corp; Akima Global Services; Immigration Centers of America; Cornell
    # Companies; Emerald Correctional Management; guard contractors at ICE's own centers
    "GEO": (PRIVATE, False), "CCA": (PRIVATE, False), "LASALLE CORRECTIONS": (PRIVATE, False), "CEC": (PRIVATE, False),
    "M&TC": (PRIVATE, False), "AGS": (PRIVATE, False), "ICA": (PRIVATE, False), "CORNELL": (PRIVATE, False),
    "EMERALD": (PRIVATE, False), "AKAL": (PRIVATE, False), "MVM": (PRIVATE, False), "GPS-ASSET": (PRIVATE, False),
    "AKAL (GUARD)": (PRIVATE, False), "DOYON-AKAL (GUARD)": (PRIVATE, False), "AHTNA (GUARD)": (PRIVATE, False),
    "ASSET (GUARD)": (PRIVATE, False), "VM-BG (GUARD)": (PRIVATE, False),
    "BOP": (FEDERAL, False), "FEDERAL": (FEDERAL, False),
    # Central Falls Detention Facility Corporation (Wyatt): a municipal corporation; hospitals, hotels, ORR
    # shelters and ICE's "OTHER" are no jail operator
    "CFDFC": (OTHER, False), "HOSPITAL": (OTHER, False), "HOTEL": (OTHER, False), "ORR": (OTHER, False),
    "OTHER": (OTHER, False),
}

RULE_NAME_CITY, RULE_NAME_STATE, RULE_CITY_ZIP = JOIN_RULES = OPERATOR_JOIN_RULES[:3]
NOT_JOINED, AMBIGUOUS = OPERATOR_JOIN_RULES[3:]
# Words that say what a facility is, not which one: two names sharing only these (or their city's words) are not
# evidence of one facility.
GENERIC_WORDS = frozenset(
    "ADULT AND CENTER CITY COMPLEX CONTRACT CORRECTION CORRECTIONAL CORRECTIONS COUNTY DEPARTMENT DETENTION ERO "
    "FACILITY HOLD HOLDING ICE JAIL JUSTICE OF OFFICE PARISH PRISON PROCESSING REGIONAL ROOM SERVICE SHERIFF "
    "SHERIFFS STAGING SUBOFFICE THE".split())
HOLD_TYPE = "HOLD"  # an ERO hold room: on the 2017 list beside the jail of the same town, never a detention facility

# Abbreviations of ICE's facility names, beyond those every agency name folds (keys.ABBREVIATIONS).
FACILITY_ABBREVIATIONS = {"DET": "DETENTION", "CTR": "CENTER", "CORR": "CORRECTIONAL", "FAC": "FACILITY"}
_TAIL = re.compile(r"\s*(?:\(([^)]*)\)|,\s*([A-Z .]+))\s*$")  # "(FL)", ", MT", "(ALABAMA)": a state ICE appends
_FOOTNOTE = re.compile(r"(?<=[A-Z])\d{1,2}$")  # 'BERKS COUNTY RESIDENTIAL CENTER3': a footnote digit glued on

JOIN_COLUMNS = ["facility", "city", "state", "zip", "facility_type", "first_release", "last_release", "list_date",
                "join_rule", "detloc", "list_name", "list_city", "list_operator", "list_owner"]
OPERATOR_COLUMNS = list(OPERATOR_FIELDS)  # what every jails table says of a facility's operator


class OperatorError(FixError):
    """An ICE facility list or the hand operator table that cannot be read as it stands."""


def spell_out(key: str) -> str:
    """A name key with ICE's facility abbreviations (DET, CTR ...) spelled out."""
    return " ".join(FACILITY_ABBREVIATIONS.get(t, t) for t in key.split())


def join_key(name: str) -> str:
    """A facility name as the join compares it: the agencies' identity key (case, punctuation, CO ...), ICE's
    facility abbreviations spelled out, a trailing state tag ("(FL)", ", MT", "(ALABAMA)") and a glued footnote
    digit dropped. Any other parenthesis stays: "(OAK PARK HEIGHTS)" tells two prisons apart."""
    text = squash(name).upper()
    m = _TAIL.search(text)
    if m and squash(m.group(1) or m.group(2) or "").upper() in state_lookup():
        text = text[:m.start()]
    return spell_out(agency_key(_FOOTNOTE.sub("", text.strip())))


def distinctive(name_key: str, city: str) -> frozenset:
    """The words of a name key that say which facility it is: not generic, not the city's."""
    return frozenset(name_key.split()) - GENERIC_WORDS - set(city_key(city).split())


def _zip5(value) -> str:
    if isinstance(value, float) and value == int(value):
        return str(int(value)).zfill(5)
    text = squash(value)
    return text[:5].zfill(5) if text[:5].isdigit() else text


# ---------------------------------------------------------------------------------------------
# ICE's facility lists


def read_list(path, list_date: str) -> pd.DataFrame:
    """One ICE facility list: a row per facility (``file, row, list_date`` and ``LIST_COLUMNS``' names) with the
    operator's ``operator_kind``; an unknown operator value or a missing column stops, naming where."""
    def parse():
        manifests.check_workbook(path, OperatorError, location(SOURCE, path.name))
        book = CalamineWorkbook.from_path(str(path))
        if SHEET not in book.sheet_names:
            raise OperatorError(f"{location(SOURCE, path.name)}: no sheet {SHEET!r} (sheets: {book.sheet_names})")
        cells = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
        at = next((i for i, r in enumerate(cells) if r and squash(r[0]) == HEADER_FIRST), None)
        if at is None:
            raise OperatorError(f"{location(SOURCE, path.name, SHEET)}: no header row (column A {HEADER_FIRST!r})")
        header = [squash(c) for c in cells[at]]
        missing = [c for c in LIST_COLUMNS if header.count(c) != 1]
        if missing:
            raise OperatorError(f"{location(SOURCE, path.name, SHEET, at + 1)}: column(s) {missing} missing or "
                                "repeated")
        rows = []
        for i, raw in enumerate(cells[at + 1:], start=at + 2):
            rec = {out: raw[header.index(c)] if header.index(c) < len(raw) else "" for c, out in LIST_COLUMNS.items()}
            if not squash(rec["name"]):
                continue
            rec = {k: _zip5(v) if k == "zip" else squash(v).upper() for k, v in rec.items()}
            if rec["operator"] and rec["operator"] not in ICE_OPERATORS:
                raise OperatorError(f"{location(SOURCE, path.name, SHEET, i)}: unknown Facility Operator "
                                    f"{rec['operator']!r}: classify it in operators.ICE_OPERATORS")
            rows.append({"file": path.name, "row": i, **rec})
        return pd.DataFrame(rows)

    df = cache.cached("facility_lists", READER_VERSION, path, parse, code=__name__).copy()
    df.insert(2, "list_date", list_date)
    df["operator_kind"] = [ICE_OPERATORS[v][0] if v else "" for v in df["operator"]]
    return df


def read_lists() -> pd.DataFrame:
    """Every ICE facility list of ``data/raw/ice_facilities`` (manifest kind ``facility_list``), newest first."""
    inv = manifests.manifest(SOURCE)
    books = inv[inv["kind"] == LIST_KIND].sort_values("as_of_date", ascending=False)
    frames = [read_list(manifests.raw_path(SOURCE, r.file), r.as_of_date) for r in books.itertuples(index=False)]
    return pd.concat(frames, ignore_index=True)


def list_files() -> list:
    """Paths of the lists ``read_lists`` reads (a figure's or table's inputs)."""
    inv = manifests.manifest(SOURCE)
    return [manifests.raw_path(SOURCE, f) for f in sorted(inv.loc[inv["kind"] == LIST_KIND, "file"])]


# ---------------------------------------------------------------------------------------------
# The join


def facilities_seen(facilities: pd.DataFrame) -> pd.DataFrame:
    """One row per facility as the workbooks print it (name, city, state): its ZIP and type in its last release,
    first and last release."""
    ordered = facilities.sort_values("release_date", kind="mergesort")
    g = ordered.groupby(["facility", "city", "state"], sort=True)
    return g.agg(zip=("zip", "last"), facility_type=("facility_type", "last"), first_release=("release_date", "min"),
                 last_release=("release_date", "max")).reset_index()


def join_one(name: str, city: str, state: str, zipc: str, facility_type: str, by_name_city: dict, by_name: dict,
             by_zip: dict) -> tuple[dict | None, str]:
    """The list row of one workbook facility and the rule, or ``(None, why)``: the name (key), city and state;
    else the name and state, the only row of that name in the state; else the city and ZIP code, the only row
    there (hold rooms aside) whose name shares a distinctive word with the facility's."""
    key, town = join_key(name), city_key(city)
    hits = by_name_city.get((key, town, state), [])
    if len(hits) == 1:
        return hits[0], RULE_NAME_CITY
    if not hits:
        hits = by_name.get((key, state), [])
        if len(hits) == 1:
            return hits[0], RULE_NAME_STATE
    if not hits:
        mine = distinctive(key, city)
        hits = [r for r in by_zip.get((town, str(zipc)[:5], state), [])
                if (r["type_detailed"] != HOLD_TYPE or facility_type.upper() == HOLD_TYPE)
                and distinctive(r["key"], r["city"]) & mine and ("JUVENILE" in r["key"]) == ("JUVENILE" in key)]
        if len(hits) == 1:
            return hits[0], RULE_CITY_ZIP
    return None, NOT_JOINED if not hits else AMBIGUOUS


def join(facilities: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Every workbook facility (name, city, state as printed) beside each ICE facility list: the row it joins
    and the rule, or the reason it joins none (``JOIN_COLUMNS``)."""
    seen = facilities_seen(facilities)
    out = []
    for list_date, lst in lists.groupby("list_date", sort=True):
        recs = lst.assign(key=[join_key(n) for n in lst["name"]]).to_dict("records")
        by_name_city, by_name, by_zip = {}, {}, {}
        for r in recs:
            by_name_city.setdefault((r["key"], city_key(r["city"]), r["state"]), []).append(r)
            by_name.setdefault((r["key"], r["state"]), []).append(r)
            by_zip.setdefault((city_key(r["city"]), r["zip"], r["state"]), []).append(r)
        for f in seen.itertuples(index=False):
            hit, rule = join_one(f.facility, f.city, f.state, f.zip, f.facility_type, by_name_city, by_name, by_zip)
            row = {**f._asdict(), "list_date": list_date, "join_rule": rule}
            hit = hit or {}
            row.update(detloc=hit.get("detloc", ""), list_name=hit.get("name", ""), list_city=hit.get("city", ""),
                       list_operator=hit.get("operator", ""), list_owner=hit.get("owner", ""))
            out.append(row)
    df = pd.DataFrame(out, columns=JOIN_COLUMNS)
    return df.sort_values(["state", "facility", "city", "list_date"], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Hand rows and the operator of each facility


def read_hand(path=None) -> pd.DataFrame:
    """``data/hand/facility_operators.csv``: who runs a facility where ICE's lists do not say it or say it
    wrongly. Columns exactly ``HAND_COLUMNS``; ``operator_kind`` one of ``HAND_KINDS``; every field filled."""
    df = hand.read_hand_table(HAND_TABLE, path, folds={"facility": join_key}, error=OperatorError)
    label = f"data/hand/{HAND_TABLE}" if path is None else paths.relative(path)
    if list(df.columns) != HAND_COLUMNS:
        raise OperatorError(f"{label}: columns must be exactly {HAND_COLUMNS}, not {list(df.columns)}")
    for line, r in zip(hand.lines(df), df.itertuples(index=False)):
        empty = [c for c in HAND_COLUMNS if not squash(getattr(r, c))]
        if empty:
            raise OperatorError(f"{label} line {line}: {empty} empty; every field is needed (the source above all)")
        if r.operator_kind not in HAND_KINDS:
            raise OperatorError(f"{label} line {line}: operator_kind {r.operator_kind!r} is not one of {HAND_KINDS}")
    return df.assign(key=[join_key(f) for f in df["facility"]], state=df["state"].str.strip().str.upper())


@dataclass(frozen=True)
class Operator:
    """Who runs a facility, on what evidence; ``sheriff_possible``: the evidence leaves room for the county
    sheriff (none, COUNTY, COUNTY (SHERIFF), a hand row saying sheriff)."""

    name: str = ""
    kind: str = ""
    source: str = ""
    from_hand: bool = False
    sheriff_possible: bool = True

    @property
    def private(self) -> bool:
        return self.kind == PRIVATE


UNKNOWN = Operator()


def _from_list(row) -> Operator:
    kind, sheriff = ICE_OPERATORS[row.list_operator]
    return Operator(row.list_operator, kind, f"ICE facility list of {row.list_date} ({row.detloc}: "
                    f"{row.list_name}, {row.list_city}; joined by {row.join_rule})", False, sheriff)


def resolve(joined: pd.DataFrame, hand_rows: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """``({(facility, city, state): Operator}, unused hand rows)``: a hand row (same name key and state) wins;
    else the newest list that joins the facility with an operator; else ``UNKNOWN``."""
    by_hand = {(r.key, r.state): r for r in hand_rows.itertuples(index=False)}
    used: set = set()
    out = {}
    for (facility, city, state), g in joined.groupby(["facility", "city", "state"], sort=False):
        h = by_hand.get((join_key(facility), state))
        if h is not None:
            used.add((h.key, h.state))
            out[(facility, city, state)] = Operator(h.operator, h.operator_kind, f"data/hand/{HAND_TABLE}: {h.source}",
                                                    True, h.operator_kind == SHERIFF)
            continue
        listed = g[g["list_operator"] != ""].sort_values("list_date", ascending=False)
        out[(facility, city, state)] = _from_list(listed.iloc[0]) if len(listed) else UNKNOWN
    unused = hand_rows.loc[pd.Series([(k, s) not in used for k, s in zip(hand_rows["key"], hand_rows["state"])],
                                     index=hand_rows.index, dtype=bool)]
    return out, unused[HAND_COLUMNS].reset_index(drop=True)


def columns(op: Operator) -> dict:
    """The operator's columns (``OPERATOR_COLUMNS``) of a jails table."""
    return dict(zip(OPERATOR_COLUMNS, (op.name, op.kind, op.source)))


def qa_rows(joined: pd.DataFrame, facilities: pd.DataFrame, unused_hand: pd.DataFrame) -> pd.DataFrame:
    """Rows for data/qa/qa_summary.csv: every workbook facility beside every list exactly once, by a known
    rule or a reason; every hand row names a facility of the workbooks."""
    rows = []
    seen = facilities_seen(facilities)
    lists = sorted(set(joined["list_date"]))
    keys = set(zip(seen["facility"], seen["city"], seen["state"]))
    counted = joined.groupby(["facility", "city", "state"]).size()
    wrong = sorted(k for k in keys if counted.get(k, 0) != len(lists)) + sorted(set(counted.index) - keys)
    rows.append(check_row("jails_operator_join_complete", "data/qa/facility_operator_join.csv",
                          f"{len(keys) - len(wrong)}/{len(keys)} facilities once beside each of {len(lists)} lists"
                          + (f"; not: {'; '.join(' '.join(k) for k in wrong[:10])}" if wrong else ""),
                          f"{len(keys)}/{len(keys)}", "fail" if wrong else "pass"))
    unknown = sorted(set(joined["join_rule"]) - set(OPERATOR_JOIN_RULES))
    rows.append(check_row("jails_operator_join_rule_known", "data/qa/facility_operator_join.csv",
                          f"{len(unknown)} unknown rules {unknown}", "every row by a rule of operators.JOIN_RULES or "
                          "a reason", "fail" if unknown else "pass"))
    rows.append(check_row("jails_operator_hand_rows", f"data/hand/{HAND_TABLE}", len(unused_hand) if unused_hand.empty
                          else f"{len(unused_hand)}: " + "; ".join(f"{r.facility} ({r.state})"
                                                                  for r in unused_hand.itertuples(index=False)),
                          "0 (every row names a facility of the detention workbooks)",
                          "pass" if unused_hand.empty else "fail"))
    return pd.DataFrame(rows)
