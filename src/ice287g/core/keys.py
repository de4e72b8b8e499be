"""Name keys, the one home of every name normalizer: an agency's printed name folded to the key identity
compares (case, punctuation, apostrophes and abbreviations folded), its id and the role its words name;
the same key in the FBI's forms (``roster_key``); Census names (``text_key``, on which ``census`` builds
its county and place keys); facility and city names; and the key a hand fix table looks a value up by.
Lists apply them after reading a file; identity, geography, roster, jails and operators compare by them."""
from __future__ import annotations

import re
from functools import cache, lru_cache

from .states import state_lookup
from .text import squash

ABBREVIATIONS = {
    "CNTY": "COUNTY", "CTY": "COUNTY", "DEPT": "DEPARTMENT", "DEP": "DEPARTMENT",
    "PD": "POLICE DEPARTMENT", "TWP": "TOWNSHIP", "OFC": "OFFICE", "DOC": "DEPARTMENT OF CORRECTIONS",
    "DPS": "DEPARTMENT OF PUBLIC SAFETY", "BOCC": "BOARD OF COUNTY COMMISSIONERS", "PCT": "PRECINCT",
}
# Apostrophes and "&" are folded before the table applies (SHERIFF'S -> SHERIFFS, & -> AND).
# Abbreviations that mean one thing only in one place of a name. "CO" is COUNTY after a county's name
# ("Cabarrus Co. Sheriff's Office") but Colorado's state code at the start ("CO Dept. of Public Safety");
# "SO" is SHERIFFS OFFICE at the end ("Polk County SO") but South before a place ("So Middleton Twp").
NOT_FIRST = {"CO": "COUNTY"}
LAST_ONLY = {"SO": "SHERIFFS OFFICE"}


@cache
def fold(name: str) -> str:
    """A name with case, punctuation and apostrophes folded, abbreviations kept as printed."""
    text = squash(name).upper().replace("'", "").replace("&", " AND ")
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", text).split())


@cache
def agency_key(name: str) -> str:
    """Identity key of an agency name: case, punctuation, apostrophes and abbreviations folded."""
    tokens = fold(name).split()
    out = []
    for i, tok in enumerate(tokens):
        if i > 0 and tok in NOT_FIRST:
            tok = NOT_FIRST[tok]
        elif i == len(tokens) - 1 and i > 0 and tok in LAST_ONLY:
            tok = LAST_ONLY[tok]
        out.extend(ABBREVIATIONS.get(tok, tok).split())
    return " ".join(out)


def agency_id(state: str, key: str) -> str:
    return f"{state}-" + re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


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


@cache
def _state_prefixes(state: str) -> tuple[tuple[str, ...], ...]:
    names = [n for n, code in state_lookup().items() if code == state] + [state]
    return tuple(sorted({tuple(fold(n).split()) for n in names}, key=len, reverse=True))


def strip_state(key: str, state: str) -> str:
    """The key without a leading name or code of its own state ("MONTANA DEPARTMENT OF JUSTICE" -> ...)."""
    tokens = key.split()
    for prefix in _state_prefixes(state):
        if len(tokens) > len(prefix) and tuple(tokens[:len(prefix)]) == prefix:
            return " ".join(tokens[len(prefix):])
    return key


# The FBI's ways of writing a name that ICE writes otherwise, applied to both sides (rule 3 above).
_SHERIFF = re.compile(r"\bSHERIFFS?( (OFFICE|DEPARTMENT))?$")
_PLACE_PREFIX = re.compile(r"^(CITY|TOWN|VILLAGE|BOROUGH) OF ")
_PLACE_WORD = re.compile(r"\b(CITY|TOWN|VILLAGE|BOROUGH) (POLICE DEPARTMENT)$")
_TOWN_SAFETY = re.compile(r"^(.+?) (DEPARTMENT OF PUBLIC SAFETY|PUBLIC SAFETY DEPARTMENT|PUBLIC SAFETY)$")


@cache  # every roster name is keyed in three forms, and again by each match and rename check
def roster_key(name: str, state: str = "") -> str:
    """The identity key in the FBI's forms: a sheriff ("Sheriff", "Sheriff's Department") is "Sheriff's
    Office", a parish is a county, Saint is St, a state's police department is its state police, and a
    town's police department drops "City", "Town", "Village" or "Borough" ("West York Borough Police
    Department" is the FBI's "West York Police Department"); a town's department of public safety is its
    police department (the FBI's "Jupiter Island Police Department"), a state's (its name or code first)
    stays what it is. Townships keep the word: a township and a borough of one name are two agencies in
    Pennsylvania and New Jersey."""
    key = agency_key(name)
    key = re.sub(r"\bPARISH\b", "COUNTY", key)
    key = re.sub(r"\bSAINT\b", "ST", key)
    key = _SHERIFF.sub("SHERIFFS OFFICE", key)
    key = re.sub(r"\bSTATE POLICE DEPARTMENT$", "STATE POLICE", key)
    town = _TOWN_SAFETY.match(key)
    if town and state and strip_state(key, state) == key:
        key = f"{town.group(1)} POLICE DEPARTMENT"
    if key.endswith("POLICE DEPARTMENT"):
        key = _PLACE_WORD.sub(r"\2", _PLACE_PREFIX.sub("", key))
    return key


@lru_cache(maxsize=None, typed=True)  # agency names recur on every list and under every hand-table lookup
def text_key(text: str) -> str:
    """A Census county or place name as it is compared: upper case, apostrophes and periods dropped, other
    punctuation a space, Saint -> St."""
    t = str(text).upper().replace("’", "'").replace("'", "").replace(".", "")
    t = _NOT_KEY_CHARS.sub(" ", t)
    if "SAINT" in t:
        t = _SAINT.sub("ST", t)
        t = _SAINTE.sub("STE", t)
    return " ".join(t.split())  # only spaces are left: runs of them collapsed, ends stripped


_NOT_KEY_CHARS = re.compile(r"[^A-Z0-9 ]+")
_SAINT = re.compile(r"\bSAINT\b")
_SAINTE = re.compile(r"\bSAINTE\b")


def facility_key(name: str) -> str:
    """Name key for joining releases and crosswalks: case, punctuation and glued footnote digits folded."""
    text = squash(name).upper().replace("'", "").replace("&", " AND ")
    text = re.sub(r"(?<=[A-Z])\d{1,2}$", "", text)  # 'BERKS COUNTY RESIDENTIAL CENTER3'
    return re.sub(r"[^A-Z0-9]+", " ", text).strip()


def city_key(city: str) -> str:
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", squash(city).upper()).split())


def fix_key(value: str) -> str:
    """How a fix table looks a value up: squashed, upper-cased."""
    return squash(value).upper()
