"""Matching each agency of the history to an FBI ORI, by name within its state.

An agency of the history is only a name; the FBI's agency rosters (``data/raw/fbi/``) give most police and
sheriff's agencies an ORI, a code that survives renames. Matching is conservative, by the rules identity
already uses, first rule that finds a roster name wins:

1. ``hand``: a row of ``data/hand/agency_ori.csv`` (``state, agency, ori, reason``; an empty ori says the
   agency has none, and the reason says why), keyed by state and any name the agency carries;
2. ``exact_name``: the agency's name equals a roster name of its state once case and punctuation are folded
   (``keys.fold``);
3. ``normalized``: the names' identity keys (``keys.agency_key``) are equal, or their roster forms are
   (``roster_key``: the FBI writes every sheriff as "X County Sheriff's Office", Louisiana's parishes too, and
   a town's police department without "City", "Town", "Village" or "Borough");
4. ``alias``: another spelling the agency carries on ICE's lists matches by rule 2 or 3.

A name that finds two or more ORIs under a rule is taken by none (``note`` says ambiguous; the ORIs go to
``roster_candidates``). The 2018 roster is asked first and the 2017 roster only when the 2018 roster has no such
name: the 2017 list adds the ORIs the 2018 list dropped, so a name on both is the 2018 list's agency. A near name
(difflib ratio on the keys) is only ever proposed, never taken. Nor is a local roster agency that lies in
none of the counties ICE prints for the agency (``note`` says county conflict): the same name in another
county is another agency."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..core import hand, paths
from ..core.keys import agency_key, fold, roster_key
from ..core.vocab import STATE_AGENCY_TYPE
from ..core.frames import column_rows
from ..ingest.census import match_county
from ..ingest.fbi_rosters import ORI_RE, ROSTER_FILES, RosterError

HAND_FILE = "agency_ori.csv"
MATCH_COLUMNS = ["agency_id", "state", "agency", "ori", "roster", "roster_name", "roster_type",
                 "roster_county_fips", "match_rule", "note"]
# The FBI's agency types as ICE's TYPE, defined once. University or College, Tribal, Other, Federal and
# Unknown have no ICE counterpart: they are never compared.
FBI_TYPES = {"County": "County", "City": "Municipality", "State Police": STATE_AGENCY_TYPE,
             "Other State Agency": STATE_AGENCY_TYPE}
# Why an agency found no ORI, read from its name or its TYPE; first class that applies. The FBI's rosters
# list police and sheriffs that report crime; these bodies mostly do not.
UNMATCHED_CLASSES = (
    ("constable", re.compile(r"\bCONSTABLES?\b")),
    ("district attorney", re.compile(r"\b(DISTRICT ATTORNEYS?|ATTORNEYS?|PROSECUTORS?|SOLICITOR)\b")),
    ("corrections", re.compile(r"\b(CORRECTIONS?|CORRECTIONAL|JAIL|DETENTION|REHABILITATION)\b")),
)
NO_NAME = "no roster name matched"
COUNTY_CONFLICT = "county conflict: "
# ---------------------------------------------------------------------------------------------
# Matching

# (rule, function giving the name's form): the same order for the agency's own name and its other spellings.
NAME_FORMS = (("exact_name", lambda n, s: fold(n)), ("normalized", lambda n, s: agency_key(n)), ("normalized", roster_key))
FORM_NOTES = dict(zip([f for _, f in NAME_FORMS], ("", "identity key", "FBI name form")))


def _index(rosters: pd.DataFrame) -> dict:
    """(roster, form, state, form of name) -> ORIs, for every form of NAME_FORMS."""
    index: dict = {}
    # as Python lists: iterating the frame's rows (itertuples) costs more than keying the names
    rows = list(column_rows(rosters, ("roster", "state", "roster_name", "ori")))
    for _, form in NAME_FORMS:
        for roster, state, name, ori in rows:
            index.setdefault((roster, form, state, form(name, state)), []).append(ori)
    return index


def _lookup(index: dict, form, state: str, names) -> list[str]:
    """ORIs a form of any of ``names`` finds, from the 2018 roster if it has any, else the 2017 roster."""
    for roster in ROSTER_FILES:
        found = sorted({o for n in names for o in index.get((roster, form, state, form(n, state)), [])})
        if found:
            return found
    return []


def load_hand_ori(path: Path | str | None = None) -> pd.DataFrame:
    """``data/hand/agency_ori.csv`` (``state, agency, ori, reason``): every row needs a reason, and an ori
    (when not empty) of nine letters and digits."""
    df = hand.read_hand_table(HAND_FILE, path, folds={"agency": agency_key}, missing_ok=True, error=RosterError)
    if df is None:
        return pd.DataFrame(columns=["state", "agency", "ori", "reason"])
    where = f"data/hand/{HAND_FILE}" if path is None else paths.relative(path)
    need = {"state", "agency", "ori", "reason"}
    if not need <= set(df.columns):
        raise RosterError(f"{where}: needs columns {sorted(need)}, has {list(df.columns)}")
    df = df.assign(state=df["state"].str.strip().str.upper(), ori=df["ori"].str.strip().str.upper())
    for line, r in zip(hand.lines(df), df.itertuples(index=False)):
        if not r.reason.strip():
            raise RosterError(f"{where} line {line}: every row needs a reason")
        if r.ori and not ORI_RE.match(r.ori):
            raise RosterError(f"{where} line {line}: ORI {r.ori!r} is not nine letters and digits")
    return df


def agency_names(agencies: pd.DataFrame) -> dict[str, tuple[str, list[str]]]:
    """agency_id -> (name, other spellings on ICE's lists)."""
    out = {}
    for r in agencies[["agency_id", "agency", "spellings"]].itertuples(index=False):
        others = [s.strip() for s in str(r.spellings).split(";") if s.strip() and s.strip() != r.agency]
        out[r.agency_id] = (r.agency, others)
    return out


def unmatched_reason(agency: str, agency_type: str) -> str:
    """The class of an agency without an ORI: constable, district attorney, corrections, state agency, or
    no roster name matched."""
    key = agency_key(agency)
    for label, pattern in UNMATCHED_CLASSES:
        if pattern.search(key):
            return label
    if agency_type == STATE_AGENCY_TYPE:
        return "state agency"
    return NO_NAME


def listed_counties(state: str, roster_row) -> list[str]:
    """The counties a roster row's county text names (several, joined with "; ", for an agency that spans
    counties), as 2024 county FIPS."""
    return [f for f in (match_county(state, c.strip()) for c in str(roster_row["roster_county"]).split(";")) if f]


def roster_counties(state: str, roster_row) -> set[str]:
    """Every county a roster row places its agency in: those its county text names and the one holding
    its coordinates."""
    return {f for f in (*listed_counties(state, roster_row), roster_row["roster_county_fips"],
                        roster_row["roster_point_county_fips"]) if f}


def county_conflict(state: str, ice_county: str, ori: str, roster_row) -> str:
    """The note refusing a name match whose local roster agency lies in none of the counties the roster
    gives it, where ICE prints ``ice_county``; '' when nothing refuses it (no printed county, a state
    agency, or ICE's county among the roster's)."""
    if not ice_county or FBI_TYPES.get(roster_row["roster_type"]) == STATE_AGENCY_TYPE:
        return ""
    where = roster_counties(state, roster_row)
    if ice_county in where:
        return ""
    return (f"{COUNTY_CONFLICT}{ori} {roster_row['roster_name']} lies in {'; '.join(sorted(where))}, "
            f"ICE prints {ice_county}")


def match_agencies(agencies: pd.DataFrame, rosters: pd.DataFrame, hand_ori: pd.DataFrame,
                   printed: pd.Series | None = None) -> pd.DataFrame:
    """One row per agency of the history (``MATCH_COLUMNS``): its ORI and the rule that found it (the rules
    are in the module docstring). ``ambiguous`` candidates are named in the note and in ``roster_candidates``.

    ``printed`` (agency_id -> the county FIPS ICE prints, ``printed_counties``) guards a match by name: a
    roster agency that lies in none of the counties ICE prints for the agency is another agency of the
    same name (Pennsylvania has many Franklin Townships, one in the roster), so it is not taken; the note
    says ``county conflict`` and ``roster_candidates`` lists it for a person. A hand row is not guarded, nor a
    state agency (its roster county is its headquarters, not its reach)."""
    index = _index(rosters)
    printed = printed if printed is not None else pd.Series(dtype=str)
    by_ori = rosters.set_index("ori")
    hand_rows = {(r.state, agency_key(r.agency)): r for r in hand_ori.itertuples(index=False)}
    names_of = agency_names(agencies)
    out = []
    for r in agencies.sort_values("agency_id").itertuples(index=False):
        name, others = names_of[r.agency_id]
        row = {"agency_id": r.agency_id, "state": r.state, "agency": r.agency, "ori": "", "roster": "",
               "roster_name": "", "roster_type": "", "roster_county_fips": "", "match_rule": "none", "note": ""}
        hit = next((hand_rows[(r.state, agency_key(n))] for n in (name, *others)
                    if (r.state, agency_key(n)) in hand_rows), None)
        found, rule = [], ""
        if hit is not None:
            rule, found = "hand", [hit.ori] if hit.ori else []
            row["note"] = f"hand: {hit.reason}" if hit.ori else f"no ORI (hand): {hit.reason}"
        else:
            for names, alias in (([name], False), (others, True)):
                for form_rule, form in NAME_FORMS:
                    found = _lookup(index, form, r.state, names) if names else []
                    if found:
                        rule = "alias" if alias else form_rule
                        row["note"] = "; ".join(x for x in (FORM_NOTES[form], "another spelling" if alias else "")
                                                if x)
                        break
                if found:
                    break
        conflict = (county_conflict(r.state, printed.get(r.agency_id, ""), found[0], by_ori.loc[found[0]])
                    if len(found) == 1 and rule != "hand" and found[0] in by_ori.index else "")
        if conflict:
            row["note"] = conflict
        elif len(found) > 1:
            row["note"] = f"ambiguous: {len(found)} ORIs share the name ({'; '.join(found)})"
        elif found:
            row.update(ori=found[0], match_rule=rule)
            if found[0] in by_ori.index:
                ro = by_ori.loc[found[0]]
                row.update(roster=ro["roster"], roster_name=ro["roster_name"], roster_type=ro["roster_type"],
                           roster_county_fips=ro["roster_county_fips"])
            else:
                row["note"] = (row["note"] + "; " if row["note"] else "") + "ORI not on the FBI rosters"
        elif rule == "hand":
            row["match_rule"] = "hand"
        else:
            row["note"] = unmatched_reason(r.agency, r.agency_type)
        out.append(row)
    return pd.DataFrame(out, columns=MATCH_COLUMNS)
