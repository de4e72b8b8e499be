"""Agencies as roster entities: the FBI's ORI code of every agency of the history, and what the FBI's
rosters say about its level and county.

An agency of the history is only a name; the FBI's agency rosters (``data/raw/fbi/``) give most police and
sheriff's agencies an ORI, a code that survives renames. ``roster_match`` matches each agency to its ORI by
name; here are the near names proposed to a person, the agencies one ORI joins, the ORI evidence the history
merges by, the rosters as a second opinion on level and county, and the QA checks on all of it.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core import paths
from ..core.keys import agency_key, name_role_and_core
from ..core.vocab import NOT_PRINTED, STATE_AGENCY_TYPE
from ..ingest.census import hand_decisions, match_county
from ..ingest.fbi_rosters import read_rosters
from ..ingest.lists import series_lists
from ..tables.qa import check_row, listing
from .identity import is_distinct, lists_by_agency
from .roster_match import (
    COUNTY_CONFLICT,
    FBI_TYPES,
    MATCH_COLUMNS,
    agency_names,
    listed_counties,
    load_hand_ori,
    match_agencies,
)

MATCH_RULES = ("exact_name", "normalized", "alias", "hand", "none")
CANDIDATE_COLUMNS = ["agency_id", "state", "agency", "agency_type", "ori", "roster", "roster_name", "roster_type",
                     "ratio", "why"]
SHARED_COLUMNS = ["ori", "state", "roster_name", "agency_id_a", "agency_a", "rule_a", "first_listed_a",
                  "last_listed_a", "agency_id_b", "agency_b", "rule_b", "first_listed_b", "last_listed_b",
                  "status", "note"]
SHARED_STATUSES = ("same_agency", "distinct", "hand", "conflict")
DISAGREEMENT_COLUMNS = ["agency_id", "state", "agency", "ori", "roster_name", "kind", "ice_value", "roster_value",
                        "status", "explanation"]
DISAGREEMENT_KINDS = ("type", "county", "point_county")
# The local types whose coverage the issue sets a floor for.
LOCAL_TYPES = ("County", "Municipality")
MIN_LOCAL_COVERAGE = 0.85
# A near name worth a person's look (difflib ratio on the keys), and how many per agency.
CANDIDATE_RATIO = 0.85
CANDIDATES_PER_AGENCY = 3


def roster_candidates(matches: pd.DataFrame, rosters: pd.DataFrame, agencies: pd.DataFrame,
                      ratio: float = CANDIDATE_RATIO, per_agency: int = CANDIDATES_PER_AGENCY) -> pd.DataFrame:
    """ORIs for a person to look at, never taken: every ORI of an ambiguous name, and for an agency without
    an ORI the roster names of its state, of the same role and a compatible type, whose core is near its core."""
    types = agencies.set_index("agency_id")["agency_type"]
    by_ori = rosters.set_index("ori")
    # compared on the name's core (keys.name_role_and_core) within its role: on whole keys every
    # "X Police Department" is near every other one
    role_core = [name_role_and_core(agency_key(n)) for n in rosters["roster_name"]]
    keyed = rosters.assign(role=[rc[0] for rc in role_core], core=[rc[1] for rc in role_core],
                           ice_type=rosters["roster_type"].map(FBI_TYPES).fillna(""))
    by_state = dict(tuple(keyed.groupby("state")))
    out = []
    for r in matches[matches["match_rule"] == "none"].itertuples(index=False):
        base = {"agency_id": r.agency_id, "state": r.state, "agency": r.agency, "agency_type": types.get(r.agency_id, "")}
        if r.note.startswith("ambiguous"):
            for ori in r.note.split("(", 1)[1].rstrip(")").split("; "):
                ro = by_ori.loc[ori]
                out.append({**base, "ori": ori, "roster": ro["roster"], "roster_name": ro["roster_name"],
                            "roster_type": ro["roster_type"], "ratio": 1.0, "why": "ambiguous: same name"})
            continue
        if r.note.startswith(COUNTY_CONFLICT):
            ori = r.note.removeprefix(COUNTY_CONFLICT).split()[0]
            ro = by_ori.loc[ori]
            out.append({**base, "ori": ori, "roster": ro["roster"], "roster_name": ro["roster_name"],
                        "roster_type": ro["roster_type"], "ratio": 1.0,
                        "why": "same name, another county: " + r.note.split(" lies in ", 1)[1]})
            continue
        part = by_state.get(r.state)
        if part is None:
            continue
        role, core = name_role_and_core(agency_key(r.agency))
        own = base["agency_type"]
        part = part[(part["role"] == role) & (part["core"] != "")]
        if own:
            part = part[part["ice_type"].isin(["", own])]
        scored = []
        for ro in part.itertuples(index=False):
            sm = difflib.SequenceMatcher(None, core, ro.core)
            if sm.real_quick_ratio() >= ratio and sm.quick_ratio() >= ratio and sm.ratio() >= ratio:
                scored.append((-round(sm.ratio(), 6), ro.ori, ro))
        for neg, _, ro in sorted(scored)[:per_agency]:
            out.append({**base, "ori": ro.ori, "roster": ro.roster, "roster_name": ro.roster_name,
                        "roster_type": ro.roster_type, "ratio": -neg,
                        "why": f"similar {role} name (ratio {-neg:.2f} apart from generic words)"})
    return pd.DataFrame(out, columns=CANDIDATE_COLUMNS)


# ---------------------------------------------------------------------------------------------
# One ORI, two agencies

def shared_ori_pairs(matches: pd.DataFrame) -> pd.DataFrame:
    """Pairs of agencies of the history that claim one ORI: the evidence that two names are one agency
    (a rename, or a spelling fixed on a later list)."""
    claimed = matches[matches["ori"] != ""]
    claimed = claimed[claimed["ori"].duplicated(keep=False)].sort_values(["ori", "agency_id"])
    out = []
    for ori, group in claimed.groupby("ori", sort=True):
        recs = group.to_dict("records")
        for i, a in enumerate(recs):
            for b in recs[i + 1:]:
                out.append({"ori": ori, "state": a["state"], "roster_name": a["roster_name"],
                            "agency_id_a": a["agency_id"], "agency_a": a["agency"], "rule_a": a["match_rule"],
                            "agency_id_b": b["agency_id"], "agency_b": b["agency"], "rule_b": b["match_rule"]})
    return pd.DataFrame(out, columns=["ori", "state", "roster_name", "agency_id_a", "agency_a", "rule_a",
                                      "agency_id_b", "agency_b", "rule_b"])


def shared_ori_table(pairs: pd.DataFrame, agencies: pd.DataFrame, list_rows: pd.DataFrame,
                     distinct: set | None = None) -> pd.DataFrame:
    """``data/qa/roster_shared_ori.csv``: each pair with when each name was listed, and its status.

    Two names that never appear on one list (``list_rows``: the rows of the lists of the series, participating
    and pending) are ``same_agency``: one agency under two names, merged by rule ``ori`` (``ori_mapping``) unless
    ``data/hand/distinct_agencies.csv`` declares them ``distinct``. Two names on one list are a ``conflict``
    (a QA fail): one agency does not appear twice on a list under two names, so one of the matches is wrong;
    ``hand`` when a hand row gave either one its ORI, a person's decision."""
    spans = agencies.set_index("agency_id")[["first_listed", "last_listed"]]
    on_lists = lists_by_agency(list_rows)
    out = pairs.copy()
    for side in ("a", "b"):
        ids = out[f"agency_id_{side}"]
        out[f"first_listed_{side}"] = ids.map(spans["first_listed"]).fillna("")
        out[f"last_listed_{side}"] = ids.map(spans["last_listed"]).fillna("")
    together = [bool(on_lists.get(a, set()) & on_lists.get(b, set()))
                for a, b in zip(out["agency_id_a"], out["agency_id_b"])]
    by_hand = (out["rule_a"] == "hand") | (out["rule_b"] == "hand")
    apart_by_hand = [is_distinct(distinct or set(), s, a, b)
                     for s, a, b in zip(out["state"], out["agency_a"], out["agency_b"])]
    out["status"] = ["conflict" if t and not h else "hand" if t else "distinct" if d else "same_agency"
                     for t, h, d in zip(together, by_hand, apart_by_hand)]
    out["note"] = [SHARED_NOTES[st] for st in out["status"]]
    return out[SHARED_COLUMNS]


SHARED_NOTES = {
    "same_agency": "never listed together: one agency under two names, merged (rule ori in data/qa/renames.csv)",
    "distinct": "never listed together, but data/hand/distinct_agencies.csv declares them two agencies: not merged",
    "hand": "listed together; a hand row of data/hand/agency_ori.csv gave the ORI",
    "conflict": "listed together: a hand row must settle which one holds the ORI",
}


def ori_mapping(shared: pd.DataFrame, list_rows: pd.DataFrame) -> dict[str, str]:
    """old agency_id -> new agency_id for the names of one ORI that are one agency: every pair of the ORI's
    names ``same_agency`` (one pair listed together or declared distinct keeps them all apart). The name
    listed last carries the agency on (on a tie, the first by agency_id), as a rename at a list transition."""
    last = list_rows.groupby("agency_id")["list_date"].max().to_dict()
    mapping = {}
    for _, group in shared.groupby("ori", sort=True):
        if set(group["status"]) != {"same_agency"}:
            continue
        ids = sorted(set(group["agency_id_a"]) | set(group["agency_id_b"]))
        target = max(ids, key=lambda i: last.get(i, ""))  # max keeps the first of equals: ids are sorted
        mapping.update({i: target for i in ids if i != target})
    return mapping


def rosters_vendored(root: Path | str | None = None) -> bool:
    """Whether the project holds the FBI rosters (a sample project of the tests may not: its history then
    has no ORI evidence, and says so)."""
    raw = Path(root) if root is not None else paths.raw_dir()
    return (raw / "fbi" / "MANIFEST.csv").exists()


@dataclass
class OriEvidence:
    """What the rosters say about the agencies of a history: read once by the build, used for identity
    (``mapping``, from ``shared``: pairs of names claiming one ORI, before any merge by ORI) and for the
    agency table (``matches``, after it)."""
    rosters: pd.DataFrame
    hand_ori: pd.DataFrame
    shared: pd.DataFrame
    mapping: dict[str, str]
    matches: pd.DataFrame


def ori_evidence(agencies: pd.DataFrame, series_rows: pd.DataFrame, list_rows: pd.DataFrame,
                 distinct: set | None = None) -> OriEvidence:
    """Match ``agencies`` (the name rules' agencies) to the rosters and find the names one ORI makes one
    agency. ``series_rows``: the rows of the lists of the series (two names on one of them are two agencies);
    ``list_rows``: every row, for the county ICE prints."""
    rosters, hand_ori = read_rosters(), load_hand_ori()
    matches = match_agencies(agencies, rosters, hand_ori, printed_counties(list_rows))
    shared = shared_ori_table(shared_ori_pairs(matches), agencies, series_rows, distinct)
    return OriEvidence(rosters, hand_ori, shared, ori_mapping(shared, series_rows), matches)


def match_after_merge(evidence: OriEvidence, agencies: pd.DataFrame, list_rows: pd.DataFrame) -> OriEvidence:
    """``evidence`` with ``matches`` for the agencies after the merge by ORI (the same frame when nothing
    merged: the agencies did not change)."""
    if not evidence.mapping:
        return evidence
    matches = match_agencies(agencies, evidence.rosters, evidence.hand_ori, printed_counties(list_rows))
    return OriEvidence(evidence.rosters, evidence.hand_ori, evidence.shared, evidence.mapping, matches)


RENAME_EVIDENCE = ("same", "different", "one side", "neither")


def rename_evidence(renames: pd.DataFrame, rosters: pd.DataFrame, hand_ori: pd.DataFrame) -> pd.DataFrame:
    """What the rosters say of each rename the name rules made (``renames``: data/qa/renames.csv rows not of
    rule ``ori``): the ORI each name matches on its own, and ``evidence``: ``same`` (the ORI confirms it),
    ``different`` (two ORIs: evidence against the merge, for a person), ``one side`` or ``neither``."""
    renames = renames[renames["rule"] != "ori"]
    names = sorted({(s, n) for s, a, b in zip(renames["state"], renames["old_agency"], renames["new_agency"])
                    for n in (a, b)})
    frame = pd.DataFrame({"agency_id": [f"{s}|{n}" for s, n in names], "state": [s for s, _ in names],
                          "agency": [n for _, n in names], "spellings": [n for _, n in names], "agency_type": ""})
    matched = match_agencies(frame, rosters, hand_ori) if names else pd.DataFrame(columns=MATCH_COLUMNS)
    ori_of = dict(zip(matched["agency_id"], matched["ori"]))
    out = renames[["agreement_id", "state", "old_agency", "new_agency", "rule"]].copy()
    out["ori_old"] = [ori_of.get(f"{s}|{n}", "") for s, n in zip(out["state"], out["old_agency"])]
    out["ori_new"] = [ori_of.get(f"{s}|{n}", "") for s, n in zip(out["state"], out["new_agency"])]
    out["evidence"] = ["neither" if not a and not b else "one side" if not a or not b else
                       "same" if a == b else "different" for a, b in zip(out["ori_old"], out["ori_new"])]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The roster as a second opinion on level and county

def printed_counties(list_rows: pd.DataFrame) -> pd.Series:
    """agency_id -> FIPS of the county ICE printed for it on the newest list printing one that matches a
    2024 county (geography places the rest)."""
    rows = list_rows[~list_rows["county_printed"].str.strip().str.upper().isin(NOT_PRINTED)]
    rows = rows.sort_values(["list_date", "list_id"], kind="mergesort").drop_duplicates("agency_id", keep="last")
    fips = [match_county(s, c) or "" for s, c in zip(rows["state"], rows["county_printed"])]
    out = pd.Series(fips, index=rows["agency_id"].to_numpy(), dtype=str)
    return out[out != ""]


def roster_disagreements(matches: pd.DataFrame, rosters: pd.DataFrame, agencies: pd.DataFrame,
                         list_rows: pd.DataFrame) -> pd.DataFrame:
    """``data/qa/roster_disagreements.csv``: where ICE's TYPE (``agencies.csv``) is not the roster's agency
    type through ``FBI_TYPES`` (kind ``type``), or ICE's printed county is not the roster's first county
    (``county``) or the county holding the roster's coordinates (``point_county``). ICE's values still win;
    ``status`` is ``explained`` when a rule accounts for the difference (``explanation`` names it), else
    ``open``. A difference on an agency whose ORI a hand row gave is explained by that row's reason."""
    by_ori = rosters.set_index("ori")
    types = agencies.set_index("agency_id")["agency_type"]
    printed = printed_counties(list_rows)
    out = []
    for m in matches[matches["ori"].isin(by_ori.index)].itertuples(index=False):
        ro = by_ori.loc[m.ori]
        base = {"agency_id": m.agency_id, "state": m.state, "agency": m.agency, "ori": m.ori,
                "roster_name": ro["roster_name"]}
        ice_type, fbi_type = types.get(m.agency_id, ""), FBI_TYPES.get(ro["roster_type"], "")
        if ice_type and fbi_type and ice_type != fbi_type:
            out.append({**base, "kind": "type", "ice_value": ice_type, "roster_value": ro["roster_type"],
                        **_type_explanation(ice_type, ro["roster_type"], m.agency)})
        ice_fips = printed.get(m.agency_id, "")
        if not ice_fips:
            continue
        listed = listed_counties(m.state, ro)
        first, point = ro["roster_county_fips"], ro["roster_point_county_fips"]
        # a hand row's reason explains a difference; so does a state agency's level (its roster county is
        # where its headquarters are, not its jurisdiction)
        by_hand = (m.note if m.match_rule == "hand" else
                   "a state agency: the roster's county is its headquarters" if fbi_type == STATE_AGENCY_TYPE else "")
        if first and first != ice_fips:
            explained = ice_fips in listed or ice_fips == point or bool(by_hand)
            why = ("the roster lists several counties, ICE's among them" if ice_fips in listed
                   else "the roster's coordinates lie in ICE's county" if ice_fips == point else by_hand)
            out.append({**base, "kind": "county", "ice_value": ice_fips, "roster_value": first,
                        "status": "explained" if explained else "open", "explanation": why})
        if point and point != ice_fips:
            explained = ice_fips in listed or bool(by_hand)
            why = ("the roster's county names ICE's county; its coordinates (one station) lie in another of the "
                   "agency's or a neighbouring county" if ice_fips in listed else by_hand)
            out.append({**base, "kind": "point_county", "ice_value": ice_fips, "roster_value": point,
                        "status": "explained" if explained else "open", "explanation": why})
    return settle_by_hand(pd.DataFrame(out, columns=DISAGREEMENT_COLUMNS), agencies)


# Where a person decided a placement against ICE's printed value: the hand table that settles each kind.
SETTLING_TABLES = {"type": "jurisdiction_levels.csv", "county": "agency_counties.csv",
                   "point_county": "agency_counties.csv"}


def settle_by_hand(disagreements: pd.DataFrame, agencies: pd.DataFrame) -> pd.DataFrame:
    """Status ``settled`` for a disagreement a placement hand row decides (``SETTLING_TABLES``, keyed by any
    name the agency carries), the row's reason quoted: the map then follows the hand row, not ICE."""
    decide = {table: hand_decisions(table) for table in set(SETTLING_TABLES.values())}
    names = agency_names(agencies)
    out = disagreements.copy()
    for i, r in out.iterrows():
        name, others = names.get(r["agency_id"], (r["agency"], []))
        hit = decide[SETTLING_TABLES[r["kind"]]](r["state"], (name, *others))
        if hit is not None:
            out.loc[i, ["status", "explanation"]] = [
                "settled", f"data/hand/{SETTLING_TABLES[r['kind']]} places it at {hit[0]}: {hit[1]}"]
    return out


def _type_explanation(ice_type: str, fbi_type: str, agency: str) -> dict:
    """A TYPE difference the two vocabularies account for: the FBI files a county's or city's sheriff or
    police by who runs it, ICE by the government that signs; a consolidated city-county or an independent
    city's sheriff is both."""
    key = agency_key(agency)
    if {ice_type, FBI_TYPES[fbi_type]} == {"County", "Municipality"} and (
            ("SHERIFF" in key and not re.search(r"\b(COUNTY|PARISH)\b", key)) or re.search(r"\b(METRO|METROPOLITAN|CONSOLIDATED|CITY AND COUNTY|UNIFIED)\b", key)):
        return {"status": "explained", "explanation": "a city's sheriff or a consolidated city-county: county "
                "and municipal at once"}
    return {"status": "open", "explanation": ""}


# ---------------------------------------------------------------------------------------------
# Coverage and QA

def newest_rows(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """The rows of the newest participating list of the series."""
    newest = series_lists(lists).iloc[-1]["list_id"]
    return list_rows[list_rows["list_id"] == newest]


def coverage_by_type(matches: pd.DataFrame, agencies: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Share of the agencies on one list (``rows``) that carry an ORI, by ICE's TYPE on that list (else the
    agency's newest TYPE; ``(none)`` when never printed), with a row ``all``."""
    type_now = rows[rows["agency_type"] != ""].drop_duplicates("agency_id").set_index("agency_id")["agency_type"]
    ids = pd.Series(sorted(set(rows["agency_id"])), dtype=str)
    newest = agencies.set_index("agency_id")["agency_type"]
    kind = ids.map(type_now).fillna(ids.map(newest)).fillna("").replace("", "(none)")
    has = ids.isin(set(matches.loc[matches["ori"] != "", "agency_id"]))
    df = pd.DataFrame({"agency_type": kind, "with_ori": has})
    out = df.groupby("agency_type").agg(agencies=("with_ori", "size"), with_ori=("with_ori", "sum")).reset_index()
    out = pd.concat([out, pd.DataFrame([{"agency_type": "all", "agencies": len(df), "with_ori": int(has.sum())}])],
                    ignore_index=True)
    out["with_ori"] = out["with_ori"].astype(int)
    out["share"] = (out["with_ori"] / out["agencies"]).round(4)
    return out


def unused_hand_rows(hand_ori: pd.DataFrame, agencies: pd.DataFrame) -> pd.DataFrame:
    """Hand rows that name no agency of the history (under any of its spellings)."""
    known = {(s, agency_key(n)) for s, sp in zip(agencies["state"], agencies["spellings"])
             for n in str(sp).split(";") if n.strip()}
    known |= {(s, agency_key(a)) for s, a in zip(agencies["state"], agencies["agency"])}
    return hand_ori[[(s, agency_key(a)) not in known for s, a in zip(hand_ori["state"], hand_ori["agency"])]]


def unmatched_reasons(matches: pd.DataFrame) -> pd.Series:
    """How many agencies have no ORI, by reason: the note's class (an ambiguous name and a county conflict
    count as one reason each, whatever ORIs their notes name)."""
    none = matches.loc[matches["match_rule"] == "none", "note"]
    return none.str.replace(r"^(ambiguous|county conflict):.*", r"\1", regex=True).value_counts().rename("agencies")


def roster_qa(matches: pd.DataFrame, coverage: pd.DataFrame, shared: pd.DataFrame, disagreements: pd.DataFrame,
              unused_hand: pd.DataFrame, list_id: str, renames: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows for data/qa/qa_summary.csv (checks ``roster_*``). Fails: county and municipal agencies on the
    newest list carrying an ORI under MIN_LOCAL_COVERAGE; an ORI two agencies claim while listed together
    with no hand row; a hand row naming no agency. Reported: coverage by type, why agencies found none,
    ambiguous names, pairs to merge by ORI, disagreements by kind and status."""
    rows = []
    scope = f"agencies on {list_id}"
    for r in coverage.itertuples(index=False):
        rows.append(check_row("roster_coverage", f"{scope}, TYPE {r.agency_type}", f"{r.share:.4f}",
                              f"reported: share with an ORI ({r.with_ori} of {r.agencies})", "info"))
    local = coverage[coverage["agency_type"].isin(LOCAL_TYPES)]
    n, k = int(local["agencies"].sum()), int(local["with_ori"].sum())
    share = k / n if n else 0.0
    rows.append(check_row("roster_coverage_local", f"{scope}, TYPE County or Municipality", f"{share:.4f}",
                          f">= {MIN_LOCAL_COVERAGE} carry an ORI ({k} of {n})",
                          "pass" if share >= MIN_LOCAL_COVERAGE else "fail"))
    conflict = shared[shared["status"] == "conflict"]
    rows.append(check_row("roster_shared_ori", "data/qa/roster_shared_ori.csv",
                          len(conflict) if conflict.empty
                          else f"{len(conflict)}: " + listing(conflict, ["ori", "agency_a", "agency_b"]),
                          "0 (an ORI two agencies listed together claim is settled by data/hand/agency_ori.csv)",
                          "pass" if conflict.empty else "fail"))
    same = shared[shared["status"] == "same_agency"]
    rows.append(check_row("roster_same_agency_by_ori", "data/qa/roster_shared_ori.csv", len(same),
                          "reported: names never listed together that share an ORI (one agency)", "info"))
    if renames is not None:
        against = renames[renames["evidence"] == "different"].drop_duplicates(["state", "old_agency", "new_agency"])
        rows.append(check_row("roster_rename_evidence", "data/qa/renames.csv, name rules",
                              len(against) if against.empty
                              else f"{len(against)}: " + listing(against, ["state", "old_agency", "ori_old",
                                                                             "new_agency", "ori_new"]),
                              "0 (no rename of the name rules joins two names the rosters give two ORIs; a row of "
                              "data/hand/agency_ori.csv or data/hand/distinct_agencies.csv settles one)",
                              "pass" if against.empty else "fail"))
        for evidence in RENAME_EVIDENCE:
            rows.append(check_row("roster_rename_evidence", f"data/qa/renames.csv, name rules, ORI {evidence}",
                                  int((renames["evidence"] == evidence).sum()),
                                  "reported: agreements renamed by a name rule, by what the rosters say of the "
                                  "two names", "info"))
    rows.append(check_row("roster_hand_rows", "data/hand/agency_ori.csv", len(unused_hand) if unused_hand.empty
                          else f"{len(unused_hand)}: " + listing(unused_hand, ["state", "agency"]),
                          "0 (every row names an agency of the history)", "pass" if unused_hand.empty else "fail"))
    for reason, count in sorted(unmatched_reasons(matches).items()):
        rows.append(check_row("roster_unmatched", f"all agencies, {reason}", int(count),
                              "reported: agencies without an ORI, by reason (agency_roster_matches.csv note)", "info"))
    for rule in MATCH_RULES:
        rows.append(check_row("roster_match_rule", f"all agencies, {rule}", int((matches["match_rule"] == rule).sum()),
                              "reported: agencies by the rule that gave (or refused) the ORI", "info"))
    for (kind, status), count in disagreements.groupby(["kind", "status"]).size().items():
        rows.append(check_row("roster_disagreements", f"{kind}, {status}", int(count),
                              "reported: listed in data/qa/roster_disagreements.csv; ICE's values win unless a "
                              "placement hand row settles one", "info"))
    return pd.DataFrame(rows)
