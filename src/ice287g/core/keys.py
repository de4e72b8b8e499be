"""Name keys: an agency's printed name folded to the key identity compares (case, punctuation,
apostrophes and abbreviations folded), its id, and the role its words name. Lists apply them as they
read a file; identity, geography, roster, jails and operators compare by them."""
from __future__ import annotations

import re
from functools import cache

from .fixes import squash

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
