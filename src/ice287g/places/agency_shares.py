"""What share of each state's sheriffs' offices and local police departments hold a 287(g) agreement on the
newest participating list, with the FBI's newer agency roster (``ROSTER_FILE``, under ``data/raw/``) as the
denominator.

The roster lists the agencies that report, or once
reported, crime to the FBI: the nearest thing to a census of local law enforcement in the archive. An
agency counts as a **sheriff's office** when its roster name says sheriff, and as a **local police
department** when it is any other agency the roster types ``City`` or ``County`` (county police
departments included, as the Bureau of Justice Statistics counts them). An agency of the list is **in the
program** when it holds an agreement on the newest list and ``agency_roster_matches.csv`` gives it an ORI
of that roster; counted once per ORI. Its limits, said wherever the shares are shown (``shares.limits`` of
the site's catalogues, ``publish.brief.shares_text`` puts the shares in words): the
roster is years older than the list, so agencies formed or closed since are missing or still counted; it holds some agencies
that never report; and an agency of the list that found no ORI (``data/qa/agency_shares_unmatched.csv``
says which and why) is not counted, so the shares are lower bounds.
"""
from __future__ import annotations

import re

import pandas as pd

from ..ingest.fbi_rosters import ROSTER_FILES
from ..tables.qa import check_row, listing

ROSTER = "fbi_2018"
ROSTER_FILE = ROSTER_FILES[ROSTER]
ROSTER_DATE = re.search(r"\d{4}-\d\d-\d\d", ROSTER_FILE).group(0)
NATIONAL = "US"  # the row summing every state and territory
SHARE_COLUMNS = ["state", "as_of", "sheriffs_total", "sheriffs_in_program", "police_total", "police_in_program",
                 "roster"]
UNMATCHED_COLUMNS = ["state", "agency_id", "agency", "agency_type", "ori", "reason"]
CLASSES = ("sheriffs", "police")
# The roster's types of local government; its others (state police, universities, tribes, ...) are neither class.
LOCAL_ROSTER_TYPES = ("City", "County")
_SHERIFF = re.compile(r"\bSHERIFF", re.IGNORECASE)


def roster_class(name: str, roster_type: str) -> str:
    """``sheriffs`` for a sheriff's office (by its name: the roster types Baltimore City's sheriff ``City``),
    ``police`` for any other City or County agency, else ``''``."""
    if _SHERIFF.search(str(name)):
        return "sheriffs"
    return "police" if roster_type in LOCAL_ROSTER_TYPES else ""


def classified(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster's sheriffs' offices and local police: ``ori, state, class``."""
    cls = [roster_class(n, t) for n, t in zip(roster["roster_name"], roster["roster_type"])]
    out = roster.assign(**{"class": cls})
    return out.loc[out["class"] != "", ["ori", "state", "class"]].reset_index(drop=True)


def list_agencies(list_rows: pd.DataFrame, list_id: str, matches: pd.DataFrame) -> pd.DataFrame:
    """One row per agency holding an agreement on ``list_id``, with its match (``agency_roster_matches``
    columns ori, roster, roster_name, roster_type, note) and ICE's TYPE."""
    on = list_rows.loc[list_rows["list_id"] == list_id, ["state", "agency_id", "agency", "agency_type"]]
    on = on.sort_values(["agency_id", "agency_type"], ascending=[True, False]).drop_duplicates("agency_id")
    cols = ["agency_id", "ori", "roster", "roster_name", "roster_type", "note"]
    return on.merge(matches[cols], on="agency_id", how="left").fillna("").reset_index(drop=True)


def shares(roster: pd.DataFrame, agencies: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """``SHARE_COLUMNS``: per state of the roster or the list, then ``NATIONAL``, the roster's sheriffs' offices
    and local police and how many of them hold an agreement (``agencies``: ``list_agencies``)."""
    local = classified(roster)
    held = local[local["ori"].isin(set(agencies["ori"]) - {""})]
    totals = local.groupby(["state", "class"]).size()
    counted = held.groupby(["state", "class"]).size()
    rows = []
    for state in sorted(set(local["state"]) | set(agencies["state"])):
        row = {"state": state, "as_of": as_of, "roster": ROSTER_FILE}
        for c in CLASSES:
            row[f"{c}_total"] = int(totals.get((state, c), 0))
            row[f"{c}_in_program"] = int(counted.get((state, c), 0))
        rows.append(row)
    out = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    national = {"state": NATIONAL, "as_of": as_of, "roster": ROSTER_FILE,
                **{c: int(out[c].sum()) for c in SHARE_COLUMNS if c.endswith(("_total", "_in_program"))}}
    return pd.concat([out, pd.DataFrame([national])], ignore_index=True)[SHARE_COLUMNS]


def not_counted(roster: pd.DataFrame, agencies: pd.DataFrame) -> pd.DataFrame:
    """``UNMATCHED_COLUMNS``: the agencies of the list the shares leave out, and why (no ORI and the match's
    note; an ORI the roster lacks; a roster agency neither a sheriff's office nor local police)."""
    local = set(classified(roster)["ori"])
    on_roster = set(roster["ori"])
    reasons = []
    for r in agencies.itertuples(index=False):
        if not r.ori:
            reasons.append(f"no ORI: {r.note or 'no roster name matched'}")
        elif r.ori not in on_roster:
            reasons.append(f"ORI not on the {ROSTER_DATE} roster ({r.roster or 'hand'})")
        elif r.ori not in local:
            reasons.append(f"roster type {r.roster_type or 'unknown'}: not a sheriff's office or local police")
        else:
            reasons.append("")
    out = agencies.assign(reason=reasons)
    return out.loc[out["reason"] != "", UNMATCHED_COLUMNS].sort_values(["state", "agency_id"], ignore_index=True)


def matched_count(agencies: pd.DataFrame) -> pd.DataFrame:
    """The in-program counts read from the match table alone (its roster, type and name columns, not the raw
    roster): ``state, class, in_program``, one ORI counted once. The QA check compares it with ``shares``."""
    m = agencies[(agencies["roster"] == ROSTER) & (agencies["ori"] != "")].drop_duplicates("ori")
    m = m.assign(**{"class": [roster_class(n, t) for n, t in zip(m["roster_name"], m["roster_type"])]})
    m = m[m["class"] != ""]
    return m.groupby(["state", "class"]).size().rename("in_program").reset_index()


def reason_kinds(unmatched: pd.DataFrame) -> pd.Series:
    """Each reason of ``not_counted`` without its detail: ``no ORI``, ``ORI not on the ... roster``, ``roster type X``."""
    return unmatched["reason"].str.split(r":| \(", n=1, regex=True).str[0]


def checks(table: pd.DataFrame, agencies: pd.DataFrame, unmatched: pd.DataFrame) -> pd.DataFrame:
    """The QA rows: no count above its total; the in-program counts equal ``matched_count``; the national
    row the sum of the states; the agencies left out, by reason (reported)."""
    rows = []
    states, national = table[table["state"] != NATIONAL], table.loc[table["state"] == NATIONAL]
    for c in CLASSES:
        over = table[table[f"{c}_in_program"] > table[f"{c}_total"]]
        rows.append(check_row("agency_shares_bounded", f"data/processed/state_agency_shares.csv, {c}",
                              len(over) if over.empty else f"{len(over)}: " + listing(over, ["state"]),
                              f"0 (no state counts more {c} in the program than the roster holds)",
                              "pass" if over.empty else "fail"))
        ok = len(national) == 1 and all(int(national[f"{c}_{k}"].iloc[0]) == int(states[f"{c}_{k}"].sum())
                                        for k in ("total", "in_program"))
        rows.append(check_row("agency_shares_national", f"{NATIONAL} row, {c}", "equal" if ok else "differs",
                              "equal (the national row sums the states)", "pass" if ok else "fail"))
    matched = matched_count(agencies)
    independent = matched.pivot(index="state", columns="class", values="in_program")
    independent = independent.reindex(columns=list(CLASSES)).reindex(states["state"]).fillna(0).astype(int)
    mine = states.set_index("state")[[f"{c}_in_program" for c in CLASSES]].set_axis(list(CLASSES), axis=1)
    extra = sorted(set(matched["state"]) - set(states["state"]))
    differ = [s for s in mine.index if not mine.loc[s].equals(independent.loc[s])] + extra
    rows.append(check_row("agency_shares_match_table", "data/processed/agency_roster_matches.csv",
                          len(differ) if not differ else f"{len(differ)}: " + "; ".join(differ[:5]),
                          "0 states whose in-program counts differ from a count of the list's agencies matched to the "
                          f"{ROSTER_DATE} roster's sheriffs and police", "pass" if not differ else "fail"))
    kinds = reason_kinds(unmatched)
    rows.append(check_row("agency_shares_not_counted", "data/qa/agency_shares_unmatched.csv, all", len(unmatched),
                          f"reported: agencies of the list (of {len(agencies)}) the shares leave out", "info"))
    for kind, n in sorted(kinds.value_counts().items()):
        rows.append(check_row("agency_shares_not_counted", f"data/qa/agency_shares_unmatched.csv, {kind}", int(n),
                              "reported: agencies left out, by reason", "info"))
    return pd.DataFrame(rows)

