"""Placing agencies and agreements: jurisdiction levels, counties, the second opinion, county counts (Census
loaders in ``ingest.census``, map layers and coverage in ``maps``, placement QA in ``placement_qa``).

Jurisdiction level of an agency (``jurisdiction_level``), first rule that applies:

1. A row of ``data/hand/jurisdiction_levels.csv`` keyed by state and agency name (any name the agency
   carries on the series lists), whose reason gives the evidence. It is the only way to overrule ICE.
2. ICE's TYPE, wherever any series list prints one for the agency: the newest non-blank TYPE (after
   ``data/hand/agency_type_fixes.csv``) maps through ``TYPE_LEVELS`` (County -> County, Municipality ->
   Municipal, State Agency -> State). The name rules still run, only to be compared: every agency whose
   name rule reads another level goes to ``data/qa/type_disagreements.csv``. One refinement is kept: a
   name the rules read as Other (campus, port, court, constable, regional body) under TYPE Municipality
   stays Other, because both are local bodies placed the same way (printed county, county in the name,
   town in the name). Under TYPE County an Other name is County and is placed like a county agency;
   under TYPE State Agency it is State.
3. Name rules, for agencies no list prints a TYPE for. The state-agency rule needs a state-agency phrase
   (state police, department of corrections, ...) after the state's name or code, or after nothing but
   "Office of the" / "Department of": a town or county before the phrase makes it a local department.

Only level State is placed statewide, so a statewide placement rests on ICE's TYPE State Agency, a hand
row, or (without any TYPE) the state-agency name rule; ``placement_qa`` fails on an agency ICE types
County or Municipality that ends up statewide without a hand row. A county from
``data/hand/agency_counties.csv`` takes precedence over a statewide placement.

What a statewide agreement covers depends on its agency (``statewide_role``): a state corrections department's
(prisons, jails) reaches the people it holds, not the state's residents, so ``population_covered`` counts such a
state as covered only in its widest figure. A row of ``data/hand/statewide_agency_roles.csv`` decides, else the
identity role of the agency's name: corrections when ``keys.name_role_and_core`` reads the corrections role of
its key (``keys.agency_key``, which spells DOC out), law enforcement for every other state agency.
"""
from __future__ import annotations

import re

import pandas as pd

from ..ingest.census import COUNTY_IN_NAME, ROLES_TABLE, counties, counties_in_name, county_population, match_county, match_place, match_place_share, place_counties, placement_keyed, placement_lookup
from ..core.keys import text_key
from ..core.keys import ROLE_WORDS, agency_key, name_role_and_core
from ..history.identity import row_agreement_ids as _agreement_ids
from ..ingest.lists import series_lists
from ..tables.qa import check_row, listing
from ..tables.schema import (CORRECTIONS, LAW_ENFORCEMENT, LEVEL_RULES, NAME_RULES, PLACEMENT_METHODS, ROLE_RULES,
                             SHARE_FLAG_BELOW)
from ..core.vocab import AGENCY_TYPES, MODELS, NOT_PRINTED, STATE_AGENCY_TYPE
from ..core.states import COUNTY_5M, GeographyError, census_file, state_lookup, states  # noqa: F401

# ---------------------------------------------------------------------------------------------
# Placing agencies and agreements (the rules are in the module docstring)

TYPE_LEVELS = {"County": "County", "Municipality": "Municipal", STATE_AGENCY_TYPE: "State"}
assert set(TYPE_LEVELS) == set(AGENCY_TYPES), "every TYPE ICE prints needs its level"
# The rule labels written to level_rule / name_rule are declared once, in the schema.
RULE_HAND, RULE_TYPE, RULE_TYPE_OTHER = LEVEL_RULES[: len(LEVEL_RULES) - len(NAME_RULES)]
RULE_STATE, RULE_OTHER, RULE_COUNTY, RULE_MUNICIPAL, RULE_NONE = NAME_RULES
OTHER_WORDS = re.compile(r"\b(UNIVERSITY|COLLEGE|SCHOOL|CAMPUS|PORT|AIRPORT|AVIATION|CONSTABLE|CONSTABLES|"
                         r"MARSHAL|MARSHALS|ATTORNEY|PROSECUTOR|DISTRICT ATTORNEY|JUDICIAL|COURT|AUTHORITY|"
                         r"REGIONAL|DISTRICT JAIL|TRUSTEES|TRANSIT|HOUSING|PARK POLICE|CAPITOL)\b")
STATE_WORDS = re.compile(r"\b(STATE POLICE|HIGHWAY PATROL|STATE PATROL|DEPARTMENT OF PUBLIC SAFETY|"
                         r"DEPARTMENT OF CORRECTIONS?|CORRECTIONS DEPARTMENT|DEPARTMENT OF SAFETY|NATIONAL GUARD|"
                         r"DEPARTMENT OF LAW ENFORCEMENT|BUREAU OF INVESTIGATION|FISH AND WILDLIFE|"
                         r"DEPARTMENT OF REVENUE|ATTORNEY GENERALS?|DIVISION OF|GAME AND FISH|STATE FIRE MARSHAL|"
                         r"WILDLIFE AND FISHERIES|DEPARTMENT OF TRANSPORTATION|MOTOR VEHICLE)\b")
BARE_HEAD = {"THE", "OFFICE", "DEPARTMENT", "OF"}  # "Office of the Attorney General", "Department of State Police"
MUNICIPAL_TAIL = re.compile(r"\s+(POLICE|PUBLIC SAFETY|(?:DEPARTMENT|DIVISION) OF (?:POLICE|PUBLIC SAFETY)|MARSHAL|"
                            r"POLICE SERVICES|PD|DPS|SHERIFF|CONSTABLE|CONSTABLES).*$")


def _state_agency_name(key: str, state: str, state_name: str) -> bool:
    """A state body's name: a state-agency phrase preceded by the state's name or code, or by nothing
    but "Office of the" / "Department of". A place before the phrase ("Indian Creek Village Department of Public
    Safety") makes it a town's or county's department."""
    m = STATE_WORDS.search(key)
    if not m:
        return False
    head = key[: m.start()].split()
    for prefix in (text_key(state_name).split(), [state]):
        if prefix and head[: len(prefix)] == prefix:
            return True
    return set(head) <= BARE_HEAD and not COUNTY_IN_NAME.match(key) and "CITY" not in key.split()


def name_level(state: str, agency: str, state_name: str) -> tuple[str, str]:
    """(level, rule) read from the agency's name alone."""
    key = text_key(agency)
    if _state_agency_name(key, state, state_name):
        return "State", RULE_STATE
    if OTHER_WORDS.search(key):
        return "Other", RULE_OTHER
    if COUNTY_IN_NAME.match(key) or "SHERIFF" in key:
        return "County", RULE_COUNTY
    if re.search(r"\b(POLICE|PUBLIC SAFETY|MARSHAL|DPS)\b", key):
        return "Municipal", RULE_MUNICIPAL
    return "Other", RULE_NONE


def settle_level(agency_type: str, rule_level: str, rule: str) -> tuple[str, str]:
    """(level, rule) from ICE's TYPE when one is printed, else from the name rule. The name's finer
    Other survives only under TYPE Municipality, where both mean a local body placed the same way."""
    type_level = TYPE_LEVELS.get(agency_type)
    if type_level is None:
        return rule_level, rule
    if type_level == "Municipal" and rule == RULE_OTHER:
        return "Other", RULE_TYPE_OTHER
    return type_level, RULE_TYPE


def jurisdiction_level(state: str, agency: str, agency_type: str, state_name: str, hand: dict,
                       other_names=()) -> tuple[str, str, str]:
    """(level, rule, evidence): a hand row keyed by state and any of the agency's names (value: (level,
    reason)), else ICE's TYPE (``agency_type``: the newest TYPE any list prints for the agency), else
    the name rules."""
    row = placement_lookup(hand, state, (agency, *other_names))
    if row is not None:
        return row[0], RULE_HAND, row[1]
    return (*settle_level(agency_type, *name_level(state, agency, state_name)), "")


ROLE_HAND, ROLE_NAME_CORRECTIONS, ROLE_NAME_OTHER = ROLE_RULES
NAME_CORRECTIONS = "corrections"  # keys.ROLE_WORDS' role of corrections, correctional, jail, detention
assert NAME_CORRECTIONS in ROLE_WORDS, "the corrections role must stay one of keys.ROLE_WORDS"


def name_role(agency: str) -> str:
    """The identity role an agency's name reads (sheriff, police, corrections, marshal, constable, other): the
    first role of ``keys.ROLE_WORDS`` with a word in the name's identity key, where DOC is spelled out."""
    return name_role_and_core(agency_key(agency))[0]


def statewide_role(state: str, agency: str, hand_roles: dict, other_names=()) -> tuple[str, str, str]:
    """(role, rule, evidence) of an agency placed statewide: a row of data/hand/statewide_agency_roles.csv keyed
    by state and any of the agency's names (value: (role, reason)), else ``CORRECTIONS`` when its name reads the
    corrections role, else ``LAW_ENFORCEMENT`` (state police, patrol, investigators, and every other state body:
    only a corrections department's reach is narrower than the state's residents)."""
    row = placement_lookup(hand_roles, state, (agency, *other_names))
    if row is not None:
        return row[0], ROLE_HAND, row[1]
    if name_role(agency) == NAME_CORRECTIONS:
        return CORRECTIONS, ROLE_NAME_CORRECTIONS, ""
    return LAW_ENFORCEMENT, ROLE_NAME_OTHER, ""


def municipality_in_name(agency: str) -> str:
    key = text_key(agency)
    key = re.sub(r"^(CITY|TOWN|VILLAGE|BOROUGH|TOWNSHIP) OF ", "", key)
    return MUNICIPAL_TAIL.sub("", key).strip()




# Levels placed through their town: where ICE prints no county, the roster's coordinates and then the
# Geocorr place shares are asked first (ROSTER_METHODS), before the county in the name and the Gazetteer point.
TOWN_LEVELS = ("Municipal", "Other")
ROSTER_METHODS = ("roster_coordinates", "place_county_share")
METHODS = ("printed_county", *ROSTER_METHODS, "name_rule", "place_file", "hand", "statewide", "unplaced")
assert set(METHODS) == set(PLACEMENT_METHODS), "every placement method needs its entry in the codebook"


def place_agency(state: str, agency: str, agency_type: str, county_printed: str, state_name: str,
                 hand_levels: dict, hand_counties: dict, county_fixes: dict, other_names=(),
                 roster_county: str = "", second_opinion: bool = True) -> dict:
    """Level and county of one agency, with the method used and a note. ``agency_type`` is the newest
    TYPE printed for the agency ('' when none); hand tables are keyed by (state, name key) and match
    the agency under ``agency`` or any of ``other_names``. ``roster_county`` is the county holding the
    coordinates of the agency's ORI in the FBI roster ('' when none). With ``second_opinion`` off, today's
    rules alone decide (the placement ``placement_changes`` compares against)."""
    level, rule, evidence = jurisdiction_level(state, agency, agency_type, state_name, hand_levels, other_names)
    rule_level, name_rule = name_level(state, agency, state_name)
    out = {"jurisdiction_level": level, "level_rule": rule, "level_evidence": evidence, "name_level": rule_level,
           "name_rule": name_rule, "county_fips": "", "method": "", "note": "", "county_share": float("nan"),
           "share_flag": False}
    hand = placement_lookup(hand_counties, state, (agency, *other_names))
    if hand:
        out.update(county_fips=hand, method="hand")
        return out
    if level == "State":
        out.update(method="statewide")
        return out
    printed = county_printed.strip()
    if state != "CT" and printed.upper() not in NOT_PRINTED:  # CT's printed counties predate 2024's regions
        fixed = county_fixes.get((state, text_key(printed)), printed)
        hits = [match_county(state, p) for p in re.split(r"\s*(?:;|/|&|,| and )\s*", fixed) if p]
        if hits and all(hits):
            out.update(county_fips=";".join(sorted(set(hits))), method="printed_county")
            return out
        out["note"] = f"printed county {printed!r} matches no 2024 county of {state}"
    if second_opinion and level in TOWN_LEVELS:
        if roster_county:
            out.update(county_fips=roster_county, method="roster_coordinates")
            return out
        town = municipality_in_name(agency)
        hit = match_place_share(state, town) if town else None
        if hit:
            out.update(county_fips=hit[0], method="place_county_share", county_share=hit[1],
                       share_flag=hit[1] < SHARE_FLAG_BELOW,
                       note=(out["note"] + f"; 2020 place {hit[2]}").strip("; "))
            return out
    named = counties_in_name(state, agency)
    if named:
        out.update(county_fips=";".join(sorted(set(named))), method="name_rule")
        return out
    if level in ("Municipal", "Other") or state == "CT":
        town = municipality_in_name(agency)
        hit = match_place(state, town) if town else None
        if hit:
            out.update(county_fips=hit[0], method="place_file", note=(out["note"] + f"; place {hit[1]}").strip("; "))
            return out
    out["method"] = "unplaced"
    return out


def _series_rows(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    series = set(lists.loc[lists["in_series"].astype(str) == "True", "list_id"])
    return list_rows[list_rows["list_id"].isin(series)]


def agency_names(list_rows: pd.DataFrame, lists: pd.DataFrame) -> dict:
    """agency_id -> every name (as corrected, and as printed) the agency carries on the series lists."""
    cols = [c for c in ("agency", "agency_printed") if c in list_rows.columns]
    rows = _series_rows(list_rows[["list_id", "agency_id", *cols]], lists)
    names: dict = {}
    for col in cols:
        part = rows.loc[rows[col].astype(str).str.strip() != "", ["agency_id", col]].drop_duplicates()
        for agency_id, name in zip(part["agency_id"].tolist(), part[col].tolist()):
            names.setdefault(agency_id, set()).add(name)
    return {k: sorted(names[k]) for k in sorted(names)}


def newest_types(list_rows: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Per agency_id, the newest TYPE any series list prints for it (after data/hand/agency_type_fixes.csv)
    and that list: columns agency_type, type_list. Agencies no list types are absent."""
    rows = _series_rows(list_rows[["list_id", "list_date", "row", "agency_id", "agency_type"]], lists)
    rows = rows[rows["agency_type"].isin(TYPE_LEVELS)]
    rows = rows.sort_values(["agency_id", "list_date", "list_id", "row"], kind="mergesort")
    newest = rows.drop_duplicates("agency_id", keep="last").set_index("agency_id")
    return newest[["agency_type", "list_id"]].rename(columns={"list_id": "type_list"})


def roster_point_counties(matches: pd.DataFrame, rosters: pd.DataFrame) -> dict:
    """agency_id -> the 2024 county holding the coordinates of the agency's ORI (``matches``: the
    agency_roster_matches table; ``rosters``: ``fbi_rosters.read_rosters()``), for agencies that have one."""
    point = dict(zip(rosters["ori"], rosters["roster_point_county_fips"]))
    out = {}
    for agency_id, ori in zip(matches["agency_id"].tolist(), matches["ori"].fillna("").tolist()):
        if ori and point.get(ori):
            out[agency_id] = point[ori]
    return out


ROLE_COLUMNS = ("statewide_role", "role_rule", "role_evidence")  # statewide_role's output, in agreement_places


def place_agreements(list_rows: pd.DataFrame, lists: pd.DataFrame, agreements: pd.DataFrame,
                     roster_counties: dict | None = None, second_opinion: bool = True) -> pd.DataFrame:
    """One row per agreement: agreement_id, jurisdiction_level, county_fips (';'-separated), state_fips,
    method (one of ``METHODS``), note, what was printed, how the level was decided (level_rule, the name
    rule's own reading, ICE's newest TYPE), for a statewide agreement its agency's role (``statewide_role``), and
    for ``place_county_share`` the share and its flag.
    ``roster_counties`` is ``roster_point_counties``'s (the caller reads the rosters: roster imports this
    module); ``second_opinion=False`` places by today's rules alone (no roster, no 2020 place file)."""
    if roster_counties is None:
        if second_opinion:
            raise ValueError("place_agreements needs roster_counties (geography.roster_point_counties) unless "
                             "second_opinion=False")
        roster_counties = {}
    cols = ["list_id", "list_date", "row", "agency_id", "state", "agency", "county_printed"]
    rows = _series_rows(list_rows[cols], lists)
    rows = rows.assign(has_county=~rows["county_printed"].str.upper().isin(NOT_PRINTED))
    rows = rows.sort_values(["agency_id", "has_county", "list_date", "row"], kind="mergesort")
    latest = rows.drop_duplicates("agency_id", keep="last")
    types = newest_types(list_rows, lists)
    type_of = dict(zip(types.index, types["agency_type"]))
    type_list_of = dict(zip(types.index, types["type_list"]))
    names_of = agency_names(list_rows, lists)
    names = dict(zip(states()["state"], states()["state_name"]))
    fips = dict(zip(states()["state"], states()["state_fips"]))
    levels = placement_keyed("jurisdiction_levels.csv", lambda r: (r.fix, r.reason))
    hand_counties = placement_keyed("agency_counties.csv")
    county_fixes = placement_keyed("county_fixes.csv")
    hand_roles = placement_keyed(ROLES_TABLE, lambda r: (r.fix, r.reason))
    placed = {}
    for r in latest[["agency_id", "state", "agency", "county_printed", "list_id"]].itertuples(index=False):
        agency_type = type_of.get(r.agency_id, "")
        other_names = names_of.get(r.agency_id, ())
        placed[r.agency_id] = place_agency(r.state, r.agency, agency_type, r.county_printed,
                                           names.get(r.state, r.state), levels, hand_counties, county_fixes,
                                           other_names=other_names,
                                           roster_county=roster_counties.get(r.agency_id, ""),
                                           second_opinion=second_opinion)
        role = (statewide_role(r.state, r.agency, hand_roles, other_names)
                if placed[r.agency_id]["method"] == "statewide" else ("", "", ""))
        placed[r.agency_id].update(county_printed=r.county_printed, agency_type=agency_type,
                                   type_list=type_list_of.get(r.agency_id, ""), agency=r.agency,
                                   evidence_list=r.list_id, **dict(zip(ROLE_COLUMNS, role)))
    out = agreements[["agreement_id", "agency_id", "state"]].copy()
    detail = pd.DataFrame.from_dict(placed, orient="index")
    out = out.merge(detail, left_on="agency_id", right_index=True, how="left")
    out["state_fips"] = out["state"].map(fips)
    cols = ["agreement_id", "jurisdiction_level", "county_fips", "state_fips", "method", "note", "agency_id",
            "state", "agency", "agency_type", "county_printed", "level_rule", "level_evidence", *ROLE_COLUMNS,
            "name_level", "name_rule", "type_list", "evidence_list", "county_share", "share_flag"]
    out["share_flag"] = out["share_flag"].astype(bool)
    return out[cols].sort_values("agreement_id", ignore_index=True)


def type_disagreements(places: pd.DataFrame) -> pd.DataFrame:
    """One row per agency whose name rule reads another level than ICE's TYPE, or whose level is not the
    TYPE's: what each says, the level used, and what settled it (``type``: the TYPE's level, or the finer
    Other under Municipality; ``hand``: a row of data/hand/jurisdiction_levels.csv, its reason quoted)."""
    ag = places.drop_duplicates("agency_id").copy()
    ag["type_level"] = ag["agency_type"].map(TYPE_LEVELS)
    ag = ag[ag["type_level"].notna()]
    rule_differs = (ag["name_rule"] != RULE_NONE) & (ag["name_level"] != ag["type_level"])
    ag = ag[rule_differs | (ag["jurisdiction_level"] != ag["type_level"])].copy()
    hand = ag["level_rule"] == RULE_HAND
    ag["settled_by"] = ["hand" if h else "type" for h in hand]
    ag["reason"] = [ev if h else ("TYPE Municipality and the name's Other are both local and placed alike: "
                                  "the finer Other is kept" if rule == RULE_TYPE_OTHER
                                  else "ICE's TYPE decides wherever a list prints one")
                    for h, ev, rule in zip(hand, ag["level_evidence"], ag["level_rule"])]
    out = ag.rename(columns={"name_level": "rule_level", "name_rule": "rule", "jurisdiction_level": "level"})
    cols = ["state", "agency", "agency_id", "agency_type", "type_list", "type_level", "rule_level", "rule",
            "level", "settled_by", "reason"]
    return out[cols].sort_values(["state", "agency", "agency_id"], ignore_index=True)


# What each method's county rests on, to say why a placement changed.
EVIDENCE = {"roster_coordinates": "roster coordinates", "place_county_share": "the 2020 place's largest county share",
            "name_rule": "the county in the agency's name", "place_file": "the Gazetteer point of the 2010 place"}
LEFT_UNPLACED = "today's rules left it unplaced"
CHANGE_COLUMNS = ["agency_id", "state", "agency", "jurisdiction_level", "agreements", "old_method", "old_county_fips",
                  "new_method", "new_county_fips", "county_share", "share_flag", "county_changed", "reason"]


def change_reason(old_method: str, new_method: str, county_changed: bool) -> str:
    """Why an agency's placement differs from today's rules alone."""
    if old_method == "unplaced":
        return LEFT_UNPLACED
    new, old = EVIDENCE.get(new_method, new_method), EVIDENCE.get(old_method, old_method)
    return f"{new} in another county than {old}" if county_changed else f"{new}: same county as {old}"


def placement_changes(places: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """One row per agency whose method or county differs between ``places`` and ``baseline`` (the same
    agreements placed by today's rules alone, ``place_agreements(..., second_opinion=False)``): both
    placements, the share, ``county_changed`` and the reason. Per agency, as placement is decided per
    agency; ``agreements`` counts its agreements."""
    new = places.drop_duplicates("agency_id").set_index("agency_id")
    old = baseline.drop_duplicates("agency_id").set_index("agency_id").reindex(new.index)
    differs = (new["method"] != old["method"]) | (new["county_fips"] != old["county_fips"])
    new, old = new[differs], old[differs]
    changed = (new["county_fips"] != old["county_fips"]).tolist()
    out = pd.DataFrame({
        "agency_id": new.index, "state": new["state"].tolist(), "agency": new["agency"].tolist(),
        "jurisdiction_level": new["jurisdiction_level"].tolist(),
        "agreements": new.index.map(places["agency_id"].value_counts()).astype("int64"),
        "old_method": old["method"].tolist(), "old_county_fips": old["county_fips"].tolist(),
        "new_method": new["method"].tolist(), "new_county_fips": new["county_fips"].tolist(),
        "county_share": new["county_share"].tolist(), "share_flag": new["share_flag"].astype(bool).tolist(),
        "county_changed": changed,
        "reason": [change_reason(o, n, c) for o, n, c in zip(old["method"], new["method"], changed)]})
    return out[CHANGE_COLUMNS].sort_values(["state", "agency", "agency_id"], ignore_index=True)


def roster_place_check(places: pd.DataFrame) -> pd.DataFrame:
    """Agencies placed by roster coordinates whose town's name matches a 2020 place, with ``conflict``
    True where the roster's county holds none of that place's residents: two independent sources
    disagree, so the ORI match, the FBI's coordinates or the town match is wrong. Settled by a row of
    data/hand/agency_counties.csv (method ``hand``)."""
    ag = places[places["method"] == "roster_coordinates"].drop_duplicates("agency_id")
    out = []
    for r in ag.itertuples(index=False):
        town = municipality_in_name(r.agency)
        hit = place_counties(r.state, town) if town else None
        if hit is None:
            continue
        peopled = sorted(f for f, _, pop in hit[1] if pop > 0)
        out.append({"agency_id": r.agency_id, "state": r.state, "agency": r.agency,
                    "roster_county_fips": r.county_fips, "place": hit[0], "place_counties": ";".join(peopled),
                    "conflict": r.county_fips not in peopled})
    return pd.DataFrame(out, columns=["agency_id", "state", "agency", "roster_county_fips", "place", "place_counties",
                                      "conflict"])


def changed_counties(changes: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``placement_changes`` whose county changed: data/qa/placement_changes.csv."""
    return changes[changes["county_changed"].astype(bool)].drop(columns="county_changed").reset_index(drop=True)


def second_opinion_qa(places: pd.DataFrame, changes: pd.DataFrame, roster_check: pd.DataFrame) -> pd.DataFrame:
    """QA rows on the roster coordinates and the 2020 place file (checks ``placement_*``): agencies and
    agreements by method, changed placements by reason, shares under SHARE_FLAG_BELOW (info), and a
    roster point in a county the agency's own 2020 place does not reach (fails until a hand row settles it)."""
    rows = []
    agencies = places.drop_duplicates("agency_id")
    for scope, frame in (("agencies", agencies), ("agreements", places)):
        counts = frame["method"].value_counts()
        rows.append(check_row("placement_by_method", scope, len(frame),
                              "; ".join(f"{m} {int(counts.get(m, 0))}" for m in METHODS), "info"))
    moved = changes[changes["county_changed"].astype(bool)]
    by_reason = moved["reason"].value_counts()
    rows.append(check_row("placement_changes", "agencies whose county differs from today's rules alone", len(moved),
                          "listed in data/qa/placement_changes.csv"
                          + "".join(f"; {r}: {int(n)}" for r, n in sorted(by_reason.items()))
                          + f"; same county by another method: {int(len(changes) - len(moved))} (not listed)",
                          "info"))
    flagged = agencies[agencies["share_flag"].astype(bool)]
    rows.append(check_row("placement_share_flagged", "agencies placed by place_county_share",
                          len(flagged) if flagged.empty else f"{len(flagged)}: "
                          + listing(flagged, ["state", "agency", "county_share"]),
                          f"reported: the place's largest county holds under {SHARE_FLAG_BELOW} of its people "
                          "(share_flag True)", "info"))
    conflicts = roster_check[roster_check["conflict"].astype(bool)]
    rows.append(check_row("placement_roster_in_own_place",
                          f"agencies placed by roster_coordinates whose town is a 2020 place ({len(roster_check)})",
                          len(conflicts) if conflicts.empty else f"{len(conflicts)}: "
                          + listing(conflicts, ["state", "agency", "roster_county_fips", "place_counties"]),
                          "0 (the roster point lies in a county where the agency's 2020 place has residents, "
                          "or a hand row in data/hand/agency_counties.csv settles it)",
                          "pass" if conflicts.empty else "fail"))
    return pd.DataFrame(rows)


def agreement_columns(list_rows: pd.DataFrame) -> list[str]:
    """The columns naming each row's agreement (``identity.row_agreement_ids``): the printed form, and the
    history's ``agreement_id`` where the rows carry it."""
    return ["agency_id", "model", "signed", *(["agreement_id"] if "agreement_id" in list_rows else [])]


def placement_rates(list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Share of each participating series list's agreements placed (a county, or statewide)."""
    series = lists[(lists["in_series"].astype(str) == "True") & (lists["list_kind"] == "participating")]
    rows = list_rows[["list_id", "list_date", "era", *agreement_columns(list_rows)]]
    rows = rows[rows["list_id"].isin(series["list_id"])].copy()
    rows["agreement_id"] = _agreement_ids(rows)
    ok = places.set_index("agreement_id")["method"] != "unplaced"
    rows["placed"] = rows["agreement_id"].map(ok).fillna(False).astype(bool)
    rates = rows.groupby(["list_id", "list_date", "era"]).agg(agreements=("placed", "size"),
                                                              placed=("placed", "sum")).reset_index()
    rates["share_placed"] = rates["placed"] / rates["agreements"]
    return rates.sort_values(["list_date", "list_id"], ignore_index=True)


def county_column_since(list_rows: pd.DataFrame, lists: pd.DataFrame) -> str | None:
    """Date of the first participating series list that prints a county for any agreement, or None."""
    series = series_lists(lists)
    rows = list_rows[["list_id", "list_date", "county_printed"]]
    rows = rows[rows["list_id"].isin(series["list_id"])]
    printed = rows.loc[~rows["county_printed"].str.upper().isin(NOT_PRINTED), "list_date"]
    return str(printed.min()) if len(printed) else None


def unplaced_table(places: pd.DataFrame) -> pd.DataFrame:
    """Every agreement without a placement, with what was printed and why (``data/hand/unplaced_reasons.csv``
    explains the ones that are ICE's errors rather than gaps in the rules)."""
    reasons = placement_keyed("unplaced_reasons.csv", lambda r: r.reason)
    out = places[places["method"] == "unplaced"].copy()
    out["reason"] = [reasons.get((s, text_key(a)), n or "no printed county, no county or town in the name")
                     for s, a, n in zip(out["state"], out["agency"], out["note"])]
    out["explained"] = [(s, text_key(a)) in reasons for s, a in zip(out["state"], out["agency"])]
    cols = ["agreement_id", "state", "agency", "agency_type", "county_printed", "jurisdiction_level", "reason",
            "explained", "evidence_list"]
    return out[cols].sort_values("agreement_id", ignore_index=True)


def month_end_lists(lists: pd.DataFrame) -> pd.DataFrame:
    """The last participating series list of every month, plus the newest list."""
    series = series_lists(lists)
    picked = series.assign(month=series["list_date"].str[:7]).drop_duplicates("month", keep="last")
    return pd.concat([picked, series.tail(1)]).drop_duplicates("list_id").reset_index(drop=True)


def agreement_counties(list_rows: pd.DataFrame, places: pd.DataFrame, list_ids) -> pd.DataFrame:
    """One row per (list, agreement row, county) for county-placed agreements on the given lists."""
    rows = list_rows[list_rows["list_id"].isin(set(list_ids))].copy()
    rows["agreement_id"] = _agreement_ids(rows)
    fips = places.set_index("agreement_id")["county_fips"]
    rows["county_fips"] = rows["agreement_id"].map(fips).fillna("")
    rows = rows[rows["county_fips"] != ""]
    rows["county_fips"] = rows["county_fips"].str.split(";")
    return rows.explode("county_fips", ignore_index=True)


def county_counts(list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Per month-end list and county: agreements by model, agencies, 2024 population, agreements per 100k."""
    picks = month_end_lists(lists)
    rows = agreement_counties(list_rows[["list_id", *agreement_columns(list_rows)]], places, picks["list_id"])
    rows = rows.merge(picks[["list_id", "list_date"]].rename(columns={"list_date": "as_of"}), on="list_id")
    wide = rows.groupby(["as_of", "county_fips", "model"]).size().unstack("model", fill_value=0).reindex(
        columns=list(MODELS), fill_value=0)
    wide["agreements"] = rows.groupby(["as_of", "county_fips"]).size()
    wide["agencies"] = rows.groupby(["as_of", "county_fips"])["agency_id"].nunique()
    out = wide.reset_index()
    names = counties().set_index("county_fips")
    out["county"] = out["county_fips"].map(names["county_full"])
    out["state"] = out["county_fips"].map(names["state"])
    out = out.merge(county_population(), on="county_fips", how="left")
    out["agreements_per_100k"] = (out["agreements"] / out["population_2024"] * 1e5).round(3)
    out["population_2024"] = out["population_2024"].astype("Int64")
    cols = ["as_of", "county_fips", "county", "state", *MODELS, "agreements", "agencies",
            "population_2024", "agreements_per_100k"]
    return out[cols].sort_values(["as_of", "county_fips"], ignore_index=True)
