"""Pending rows printed under the wrong state: the history moves a pending row to the state its agency signs
in (``state_corrections``, by rule or by ``data/hand/pending_state_fixes.csv``), before the pending pipeline
(``ice287g.analyses.pending``) reads the rows."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd

from ..core import hand
from ..core.keys import agency_id, agency_key
from ..core.states import state_lookup
from ..core.vocab import STATE_AGENCY_TYPE
from ..core.frames import column_rows
from ..ingest.census import counties_in_name
from ..ingest.lists import series_lists
from . import roster, roster_match, asof
from .history import days_between
from .identity import agreement_ids, date_codes


def analysis_date(lists: pd.DataFrame, as_of="newest") -> str:
    """The date the outcomes are judged at: ``as_of``, or the newest series list of either kind."""
    if asof.is_newest(as_of):
        return max(series_lists(lists, kind)["list_date"].max() for kind in ("participating", "pending"))
    return asof.iso_date(as_of)


def participating_agreements(list_rows: pd.DataFrame, lists: pd.DataFrame, as_of="newest") -> pd.DataFrame:
    """Agreements (agency × model × signing date) on the series' participating lists dated on or before the
    analysis date, with their first and last listing there."""
    day = analysis_date(lists, as_of)
    series = series_lists(lists, "participating")
    ids = set(series.loc[series["list_date"] <= day, "list_id"])
    rows = list_rows[list_rows["list_id"].isin(ids) & (list_rows["model"] != "")]
    codes, dates = date_codes(rows["list_date"])
    spans = (rows.assign(_date=codes).groupby(["agency_id", "model", "signed"], sort=True)
             .agg(first_listed=("_date", "min"), last_listed=("_date", "max")).reset_index())
    return spans.assign(first_listed=dates.take(spans["first_listed"]), last_listed=dates.take(spans["last_listed"]))


def became(agreements: pd.DataFrame, first_pending: str, next_start: str = ""):
    """The agreement (a row of ``participating_agreements``) a request became, or None: of ``agreements`` (one
    agency and model), the first listed still on a participating list on or after the request's first pending
    sighting, and first listed before ``next_start`` (the pair's next spell; '' when none)."""
    first, last, signed = (agreements[c].tolist() for c in ("first_listed", "last_listed", "signed"))
    ok = [i for i in range(len(first)) if last[i] >= first_pending and (next_start == "" or first[i] < next_start)]
    # min keeps the first of equals, as a stable sort would
    return agreements.iloc[min(ok, key=lambda i: (first[i], signed[i]))] if ok else None


# A pending row moves to another state only when its agency is listed as participating there, under the same
# name, within a month of the pending list: a name that matches a listing further away in time is as likely
# a namesake as the same request.
STATE_WINDOW_DAYS = 31
STATE_FIXES = "pending_state_fixes.csv"
STATE_FIX_COLUMNS = ["state", "agency", "fix_state", "reason"]
STATE_RULE = "pending_state"
# the columns of the project's corrections log (one row per correction)
CORRECTION_COLUMNS = ["agreement_id", "state", "agency_before", "agency_after", "model_before", "model_after",
                      "signed_before", "signed_after", "last_list_before", "first_list_after", "kind", "rule"]
UNUSED_COLUMNS = ["table", "state", "value", "fix"]  # data/qa/unused_fixes.csv's


class StateFixError(ValueError):
    """``data/hand/pending_state_fixes.csv`` cannot be used as it stands."""


def load_state_fixes(path=None) -> pd.DataFrame:
    """``data/hand/pending_state_fixes.csv`` (``STATE_FIX_COLUMNS``): a person's decision on an agency printed on
    a pending list under ``state`` (``agency`` is compared by its identity key): ``fix_state`` the state it
    belongs to (the rows move there even where the rule does not fire), or '' to leave them where printed
    (the rule never moves them). Every row needs a reason; both states must be state codes."""
    df = hand.read_hand_table(STATE_FIXES, path, folds={"agency": agency_key}, missing_ok=True, error=StateFixError)
    if df is None:
        return pd.DataFrame(columns=STATE_FIX_COLUMNS, dtype=str)
    where = f"data/hand/{STATE_FIXES}" if path is None else str(path)
    if not set(STATE_FIX_COLUMNS) <= set(df.columns):
        raise StateFixError(f"{where}: needs columns {STATE_FIX_COLUMNS}, has {list(df.columns)}")
    df = df.assign(state=df["state"].str.strip().str.upper(), fix_state=df["fix_state"].str.strip().str.upper())
    codes = set(state_lookup().values())
    for line, r in zip(hand.lines(df), df.itertuples(index=False)):
        if not r.reason.strip():
            raise StateFixError(f"{where} line {line}: every row needs a reason")
        if r.state not in codes or (r.fix_state and r.fix_state not in codes):
            raise StateFixError(f"{where} line {line}: {r.state!r} and {r.fix_state!r} must be state codes "
                                "(fix_state may be empty: never move the rows)")
        if r.fix_state == r.state:
            raise StateFixError(f"{where} line {line}: fix_state is the printed state; leave it empty to keep "
                                "the rows where printed")
    return df[STATE_FIX_COLUMNS]


def on_roster(roster_matches: pd.DataFrame) -> set[str]:
    """The agencies of ``roster_matches`` (``roster_match.match_agencies``) the FBI rosters of their state know: an
    ORI found or a hand row, or a roster name the match refused (an ambiguous name, a county conflict: the
    name is on the state's roster all the same)."""
    refused = roster_matches["note"].str.startswith(("ambiguous", roster_match.COUNTY_CONFLICT))
    return set(roster_matches.loc[(roster_matches["match_rule"] != "none") | refused, "agency_id"])


def listings_by_agency(rows: pd.DataFrame, lists: pd.DataFrame) -> dict:
    """agency_key -> {state: [(list_date, agency_id, signed), ...]} of the participating series' rows."""
    series = set(series_lists(lists, "participating")["list_id"])
    part = rows[rows["list_id"].isin(series)].drop_duplicates(["agency_key", "state", "list_date", "signed"])
    out: dict = {}
    # as Python lists first: iterating a pandas column yields its cells one slow call at a time
    columns = (part[c].tolist() for c in ("agency_key", "state", "list_date", "agency_id", "signed"))
    for key, state, date, aid, signed in zip(*columns):
        out.setdefault(key, {}).setdefault(state, []).append((date, aid, signed))
    return out


def nearest_listing(listings: list, day: str):
    """The listing of ``listings`` nearest to ``day`` (the earlier of two as near), as
    ``(|days|, days, list_date, agency_id, signed)``."""
    return min((abs(days_between(day, d)), days_between(day, d), d, aid, signed) for d, aid, signed in listings)


def state_corrections(list_rows: pd.DataFrame, lists: pd.DataFrame, roster_matches: pd.DataFrame | None,
                      names_county: Callable[[str, str], list], fixes: pd.DataFrame | None = None,
                      window_days: int = STATE_WINDOW_DAYS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pending rows printed under the wrong state, moved to the state their agency signs in: ``(list_rows,
    log)``, ``log`` in the corrections log's columns (``CORRECTION_COLUMNS``), kind ``state``.

    An agency printed on a pending list under state S (one decision per agency, S and list date) moves to T
    when it is absent from S's rosters and counties: ``roster_matches`` (``roster_match.match_agencies``) finds it on
    no FBI roster of S (``on_roster``; without rosters nothing moves by rule), it is on no participating list
    of S, ``names_county(S, name)`` (``census.counties_in_name``) finds no county of S in its name, and
    ICE does not type it a state agency (a state agency's name, "Office of the Attorney General", is its own
    in every state); and the same name (``agency_key``, after aliases) is on a participating list of T, and of
    no other state, within ``window_days`` of the pending list. A row of ``fixes`` (``load_state_fixes``)
    overrides the rule for its state and name: it moves the rows to its ``fix_state``, or, empty, keeps them.

    The moved rows take state T and the agency_id the participating rows of T give the name (the one
    ``keys.agency_id`` makes from T and the key unless a merge joined it to another); the printed state
    stays in ``state_printed``. One log row per agency, model and pending list date: ``agreement_id`` the
    agreement of the same model the request became in T (''
    when none), ``last_list_before`` the pending list's date, ``first_list_after`` the date of the
    participating listing in T nearest to it, and ``rule`` the printed state and the evidence."""
    fixes = fixes if fixes is not None else pd.DataFrame(columns=STATE_FIX_COLUMNS, dtype=str)
    by_hand = {(r.state, agency_key(r.agency)): (r.fix_state, r.reason) for r in fixes.itertuples(index=False)}
    listed = listings_by_agency(list_rows, lists)
    known = None if roster_matches is None else on_roster(roster_matches)
    participating = set(list_rows.loc[list_rows["list_kind"] == "participating", "agency_id"])
    pend = list_rows[list_rows["list_kind"] == "pending"]
    decision = ["state", "agency_id", "list_date"]  # one decision per agency, state and pending list
    # each decision's first row and whether ICE typed any of its rows a state agency, read as plain lists:
    # a frame per decision would cost more than the decision itself
    state_agencies = set(column_rows(pend[pend["agency_type"] == STATE_AGENCY_TYPE], decision))
    first = pend.drop_duplicates(decision).sort_values(decision, kind="mergesort")
    moves: dict[tuple, tuple] = {}
    for state, aid, day, key, name in column_rows(first, [*decision, "agency_key", "agency"]):
        others = {t: nearest_listing(v, day) for t, v in listed.get(key, {}).items() if t != state}
        fix = by_hand.get((state, key))
        if fix is not None:
            target, reason = fix
            if target:
                near = others.get(target)
                new_id = near[3] if near else agency_id(target, key)
                moves[(state, aid, day)] = (target, new_id, near[2] if near else "",
                                            f"{STATE_FIXES}: printed {state}, moved to {target}: {reason}")
            continue
        if (known is None or aid in known or aid in participating or names_county(state, name)
                or (state, aid, day) in state_agencies):
            continue
        close = {t: n for t, n in others.items() if n[0] <= window_days}
        if len(close) != 1:
            continue  # listed in no other state within the window, or in several: left where printed
        (target, (_, days, date, new_id, signed)), = close.items()
        when = f"signs in {target} on {signed}" if signed else f"signs in {target}"
        side = "after" if days >= 0 else "before"
        moves[(state, aid, day)] = (target, new_id, date, (
            f"{STATE_RULE}: printed {state}, {when} (on its participating list of {date}, {abs(days)} days {side} "
            f"the pending list); no FBI roster match, participating listing or county of that name in {state}"))
    out = list_rows.copy()
    if not moves:
        return out, pd.DataFrame(columns=CORRECTION_COLUMNS)
    index = pd.MultiIndex.from_frame(out[["state", "agency_id", "list_date"]])
    moved = (out["list_kind"] == "pending").to_numpy() & index.isin(list(moves))
    targets = [moves[k] for k in index[moved]]
    log = out.loc[moved, ["state", "agency", "model", "list_date"]].assign(
        new_state=[t[0] for t in targets], new_id=[t[1] for t in targets], listed=[t[2] for t in targets],
        rule=[t[3] for t in targets])
    out.loc[moved, "state"] = log["new_state"].to_numpy()
    out.loc[moved, "agency_id"] = log["new_id"].to_numpy()
    agreements = participating_agreements(out, lists)
    agreements = agreements.assign(agreement_id=agreement_ids(agreements))
    # each agency and model's rows by position: a frame is cut only for the few pairs a move names
    by_pair = agreements.groupby(["agency_id", "model"], sort=False).indices
    log = log.drop_duplicates(["new_id", "model", "list_date", "agency"])
    became_ids = []
    for r in log.itertuples(index=False):
        at = by_pair.get((r.new_id, r.model))
        hit = None if at is None else became(agreements.iloc[at], r.list_date)
        became_ids.append("" if hit is None else hit["agreement_id"])
    log = pd.DataFrame({
        "agreement_id": became_ids, "state": log["new_state"].to_numpy(), "agency_before": log["agency"].to_numpy(),
        "agency_after": log["agency"].to_numpy(), "model_before": log["model"].to_numpy(),
        "model_after": log["model"].to_numpy(), "signed_before": "", "signed_after": "",
        "last_list_before": log["list_date"].to_numpy(), "first_list_after": log["listed"].to_numpy(),
        "kind": "state", "rule": log["rule"].to_numpy()}, columns=CORRECTION_COLUMNS)
    return out, log.sort_values(["state", "agency_after", "model_after", "last_list_before"], ignore_index=True)


def unused_state_fixes(list_rows: pd.DataFrame, fixes: pd.DataFrame) -> list[dict]:
    """Rows of ``data/hand/pending_state_fixes.csv`` that name no agency printed on a pending list under their
    state (``list_rows`` as read, before ``state_corrections``), as ``data/qa/unused_fixes.csv`` rows."""
    pend = list_rows[list_rows["list_kind"] == "pending"]
    printed = set(zip(pend["state"], pend["agency_key"]))
    return [{"table": f"data/hand/{STATE_FIXES}", "state": r.state, "value": r.agency, "fix": r.fix_state}
            for r in fixes.itertuples(index=False) if (r.state, agency_key(r.agency)) not in printed]


def correct_states(list_rows: pd.DataFrame, lists: pd.DataFrame, evidence: roster.OriEvidence | None):
    """The build's ``state_corrections`` (``agreements.build_history``, after the merges by name and ORI):
    ``(list_rows, evidence, log, unused)``. ``evidence.matches`` loses the agencies the moves leave without a row
    (a move by rule needs them matched to no roster), ``unused`` lists the hand rows that name nothing."""
    fixes = load_state_fixes()
    rows, log = state_corrections(list_rows, lists, None if evidence is None else evidence.matches,
                                  counties_in_name, fixes)
    if evidence is not None:
        kept = evidence.matches["agency_id"].isin(set(rows["agency_id"]))
        evidence = dataclasses.replace(evidence, matches=evidence.matches[kept].reset_index(drop=True))
    return rows, evidence, log, unused_state_fixes(list_rows, fixes)
