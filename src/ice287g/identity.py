"""Identity: when two printed names are one agency, and what makes an agreement one agreement.

Names are compared by a key (case, punctuation and abbreviations folded). Anything looser is a
logged rule with evidence, or a candidate for a person to decide; it is never guessed.
"""
from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from .fixes import squash


ABBREVIATIONS = {
    "CO": "COUNTY", "CNTY": "COUNTY", "CTY": "COUNTY", "DEPT": "DEPARTMENT", "DEP": "DEPARTMENT",
    "SO": "SHERIFFS OFFICE", "PD": "POLICE DEPARTMENT", "TWP": "TOWNSHIP", "OFC": "OFFICE",
    "SHERIFF S": "SHERIFFS", "DOC": "DEPARTMENT OF CORRECTIONS", "&": "AND", "SHERIFF'S": "SHERIFFS",
}


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


def agreement_ids(rows: pd.DataFrame) -> pd.Series:
    """An agreement's identity for each list row: agency × model × signing date."""
    return rows["agency_id"] + ":" + rows["model"].replace("", "unknown") + ":" + rows["signed"].replace("", "undated")


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
