"""Placement QA: every check can fail; the stage's commit (``stage_commit.commit``) stops the build on a fail."""
from __future__ import annotations

import pandas as pd

from ..ingest.census import PLACE_FIX_TABLES, ROLES_TABLE, counties, placement_table
from ..core.keys import text_key
from ..tables.qa import check_row, listing
from ..tables.schema import LEVELS, STATEWIDE_ROLES
from .geography import ROLE_HAND, RULE_HAND, TYPE_LEVELS


# ---------------------------------------------------------------------------------------------
# Placement QA: every check can fail; the stage's commit stops the build on a fail

# Hand rows whose loss silently changes a placement: a level override or a county by hand that matches
# nothing means the agency is placed by the rules the row was written to overrule.
# A role row matching nothing lets the name rule decide again, unseen.
FAIL_IF_UNUSED = ("jurisdiction_levels.csv", "agency_counties.csv", ROLES_TABLE)


def _agency_keys(places: pd.DataFrame, names: dict | None) -> set:
    """(state, name key) of every agency of ``places`` under its newest name and its names in ``names``."""
    keys = {(s, text_key(a)) for s, a in zip(places["state"], places["agency"])}
    if names:
        state_of = dict(zip(places["agency_id"], places["state"]))
        keys |= {(state_of[i], text_key(n)) for i, ns in names.items() if i in state_of for n in ns}
    return keys


def unused_place_fixes(places: pd.DataFrame, names: dict | None = None) -> pd.DataFrame:
    """Rows of the placement hand tables that match no agency (under any of its names in ``names``,
    agency_id -> names, else its newest name) or printed county that was placed; a row of the roles table
    must match an agency placed statewide."""
    universes = {"county_fixes.csv": {(s, text_key(c)) for s, c in zip(places["state"], places["county_printed"])
                                      if c},
                 ROLES_TABLE: _agency_keys(places[places["method"] == "statewide"], names)}
    agencies = _agency_keys(places, names)
    out = []
    for name in PLACE_FIX_TABLES:
        universe = universes.get(name, agencies)
        for r in placement_table(name).itertuples(index=False):
            if (r.state, text_key(r.value)) not in universe:
                out.append({"table": f"data/hand/{name}", "state": r.state, "value": r.value})
    return pd.DataFrame(out, columns=["table", "state", "value"])


def hand_place_problems() -> pd.DataFrame:
    """Placement hand rows that cannot be trusted: no reason (a hand row is evidence or nothing), a level
    that is not one of LEVELS, a role that is not one of STATEWIDE_ROLES, a county that is not a 2024 county of
    the row's state."""
    fips_state = dict(zip(counties()["county_fips"], counties()["state"]))
    out = []
    for name in PLACE_FIX_TABLES:
        for r in placement_table(name).itertuples(index=False):
            problems = []
            if not str(r.reason).strip():
                problems.append("no reason")
            if name == "jurisdiction_levels.csv" and r.fix not in LEVELS:
                problems.append(f"level {r.fix!r} is not one of {', '.join(LEVELS)}")
            if name == ROLES_TABLE and r.fix not in STATEWIDE_ROLES:
                problems.append(f"role {r.fix!r} is not one of {', '.join(STATEWIDE_ROLES)}")
            if name == "agency_counties.csv":
                wrong = [f for f in str(r.fix).split(";") if fips_state.get(f) != r.state]
                if wrong:
                    problems.append(f"{';'.join(wrong)} is not a 2024 county of {r.state}")
            out += [{"table": f"data/hand/{name}", "state": r.state, "value": r.value, "problem": p}
                    for p in problems]
    return pd.DataFrame(out, columns=["table", "state", "value", "problem"])


def placement_qa(places: pd.DataFrame, agreements: pd.DataFrame, rates: pd.DataFrame, unplaced: pd.DataFrame,
                 disagreements: pd.DataFrame, unused: pd.DataFrame, hand_problems: pd.DataFrame,
                 county_since: str | None) -> pd.DataFrame:
    """Rows for data/qa/qa_summary.csv (checks ``placement_*``). Fails: an agreement placed twice or not
    at all, a county outside the agreement's state, an unplaced agreement no hand row explains, a statewide
    agency ICE types County or Municipality without a hand row, an agency placed statewide without a role (or
    another with one), a level against ICE's TYPE without a hand row, a hand row without a reason or with an
    impossible value, a level, county or role hand row matching nothing. The shares placed before and since
    the first list printing a county, and the statewide agencies by role, are reported (info)."""
    rows = []
    ids = places["agreement_id"]
    missing = set(agreements["agreement_id"]) - set(ids)
    bad = places[places["method"].fillna("").eq("") | ids.duplicated(keep=False)]
    n = len(missing) + len(bad)
    rows.append(check_row("placement_every_agreement_once", "data/processed/agreement_places.csv", n,
                          "0 (each agreement of agreements.csv placed exactly once, with a method)",
                          "pass" if n == 0 else "fail"))
    exploded = places.assign(fips=places["county_fips"].fillna("").str.split(";")).explode("fips")
    exploded = exploded[exploded["fips"] != ""]
    outside = exploded[exploded["fips"].str[:2] != exploded["state_fips"]]
    rows.append(check_row("placement_county_in_state", "data/processed/agreement_places.csv",
                          len(outside) if outside.empty else f"{len(outside)}: "
                          + listing(outside, ["state", "agency", "fips"]),
                          "0 (every county FIPS within the agreement's state)", "pass" if outside.empty else "fail"))
    unexplained = unplaced[~unplaced["explained"].astype(bool)]
    rows.append(check_row("placement_unexplained", "unplaced agreements", len(unexplained) if unexplained.empty
                          else f"{len(unexplained)}: " + listing(unexplained, ["state", "agency"]),
                          "0 (each unplaced agreement explained by a row of data/hand/unplaced_reasons.csv)",
                          "pass" if unexplained.empty else "fail"))
    rows.append(check_row("placement_unplaced_agreements", "all agreements", len(unplaced),
                          "listed in data/qa/unplaced_agreements.csv with a reason", "info"))
    local_type = places["agency_type"].map(TYPE_LEVELS).isin(["County", "Municipal"])
    wrong_state = places[local_type & (places["method"] == "statewide") & (places["level_rule"] != RULE_HAND)]
    wrong_state = wrong_state.drop_duplicates("agency_id")
    rows.append(check_row("placement_statewide_needs_state_type", "statewide agencies",
                          len(wrong_state) if wrong_state.empty
                          else f"{len(wrong_state)}: " + listing(wrong_state, ["state", "agency", "agency_type"]),
                          "0 (statewide only under ICE's TYPE State Agency, or a hand row with evidence)",
                          "pass" if wrong_state.empty else "fail"))
    statewide = places["method"] == "statewide"
    role = places["statewide_role"].fillna("")
    no_role = places[(statewide & ~role.isin(STATEWIDE_ROLES)) | (~statewide & (role != ""))]
    no_role = no_role.drop_duplicates("agency_id")
    rows.append(check_row("placement_statewide_role", "agencies placed statewide",
                          len(no_role) if no_role.empty
                          else f"{len(no_role)}: " + listing(no_role, ["state", "agency", "method", "statewide_role"]),
                          "0 (every agency placed statewide is a corrections department or a law-enforcement "
                          "agency; no other agency has a role)", "pass" if no_role.empty else "fail"))
    agencies = places[statewide].drop_duplicates("agency_id")
    rows.append(check_row("placement_statewide_roles", "agencies placed statewide", len(agencies),
                          "listed in data/qa/statewide_agency_roles.csv; " + ", ".join(
                              f"{r} {int((agencies['statewide_role'] == r).sum())} (by hand "
                              f"{int(((agencies['statewide_role'] == r) & (agencies['role_rule'] == ROLE_HAND)).sum())})"
                              for r in STATEWIDE_ROLES), "info"))
    against = disagreements[(disagreements["level"] != disagreements["type_level"])
                            & (disagreements["settled_by"] != "hand")
                            & ~((disagreements["level"] == "Other") & (disagreements["type_level"] == "Municipal"))]
    rows.append(check_row("placement_level_against_type", "agencies with a printed TYPE",
                          len(against) if against.empty
                          else f"{len(against)}: " + listing(against, ["state", "agency", "type_level", "level"]),
                          "0 (a level other than ICE's TYPE only by a hand row)", "pass" if against.empty else "fail"))
    settled = disagreements["settled_by"].value_counts()
    rows.append(check_row("placement_type_disagreements", "agencies with a printed TYPE", len(disagreements),
                          "listed in data/qa/type_disagreements.csv; settled "
                          + ", ".join(f"by {k}: {int(settled.get(k, 0))}" for k in ("type", "hand")), "info"))
    rows.append(check_row("placement_hand_rows", "data/hand placement tables", len(hand_problems)
                          if hand_problems.empty else f"{len(hand_problems)}: "
                          + listing(hand_problems, ["table", "state", "value", "problem"]),
                          "0 (every row with a reason and a possible value)",
                          "pass" if hand_problems.empty else "fail"))
    tables = unused["table"].str.removeprefix("data/hand/")
    for fatal in (True, False):
        part = unused[tables.isin(FAIL_IF_UNUSED) == fatal]
        scope = ", ".join(t for t in PLACE_FIX_TABLES if (t in FAIL_IF_UNUSED) == fatal)
        rows.append(check_row("placement_unused_fixes", scope, len(part) if part.empty
                              else f"{len(part)}: " + listing(part, ["table", "state", "value"]),
                              "0 (listed in data/qa/unused_place_fixes.csv)",
                              "pass" if part.empty else ("fail" if fatal else "info")))
    since = rates[rates["list_date"] >= county_since] if county_since else rates.iloc[0:0]
    for label, part in ((f"lists printing a county (since {county_since})", since),
                        ("earlier lists", rates.drop(since.index))):
        value = f"{part['share_placed'].min():.4f}" if len(part) else "no list"
        rows.append(check_row("placement_min_share", label, value, "reported: lowest share placed", "info"))
    return pd.DataFrame(rows)


def prefixed(rows: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """``rows`` if every check starts with ``prefix``, else ValueError naming the others: a check is named
    for the stage that records it in data/qa/qa_summary.csv."""
    stray = sorted(set(rows.loc[~rows["check"].str.startswith(prefix), "check"]))
    if stray:
        raise ValueError(f"placement QA rows must start with {prefix!r}: {stray}")
    return rows
