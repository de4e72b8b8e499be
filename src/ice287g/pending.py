"""The pending pipeline: every request on ICE's pending lists and what became of it.

A **request** is one agency × model on the pending lists, per *spell*. The pending list swings from one
day to the next (a request can miss a list and come back, and some lists are empty), so an absence from
one list does not end a spell: two sightings of the same agency and model are one spell unless they are
more than the gap threshold (``vocab.GAP_DAYS``, the rule the history uses to tell a re-signing from a
new agreement) apart. Agencies are the history's ``agency_id``: its name rules, aliases, renames and ORI
merges already join the pending and participating spellings; nothing looser is matched here.

Everything is judged with the lists dated on or before the analysis date (``as_of``; the newest list of
either kind by default). The outcome of a request:

- ``signed``: the same agency and model is on a participating list on or after the request's first
  pending sighting (and before the pair's next spell, if any). The agreement matched is the first listed
  of those; ``first_participating`` is its first listing and ``signed_date`` its printed signing date.
- ``still_pending``: not signed, and on the newest pending list, which is no more than the gap threshold
  older than the analysis date. "Still pending" is as of that list's date, however old it is.
- ``unknown_gap``: not signed, and it leaves the pending list when the next pending list is more than the
  gap threshold later, or it is on the newest pending list but that list is more than the gap threshold
  older than the analysis date (the archive has no list to say what became of it).
- ``dropped``: not signed, and absent from the next pending list (within the gap threshold) and every one
  after it.

Days can be negative: ICE often lists an agreement as participating (or dates its signing) before the
pending list the archive holds shows it, or keeps an agency on the pending list after signing. Such a
row is kept as it is, with its reason in ``note``; a check fails when a negative day count has none.
"""
from __future__ import annotations

import difflib

import pandas as pd

from . import qa, store
from .identity import (
    NEAR_MISS_CORE_RATIO,
    NEAR_MISS_RATIO,
    agency_key,
    load_distinct,
    name_role_and_core,
    rename_rule,
)
from .identity import _is_distinct as is_distinct
from .history import days_between
from .lists import series_lists
from .vocab import GAP_DAYS, MODELS

OUTCOMES = ("signed", "dropped", "still_pending", "unknown_gap")
UNSIGNED = ("dropped", "still_pending", "unknown_gap")
COLUMNS = ["agency_id", "state", "agency", "model", "first_pending", "last_pending", "lists_seen", "outcome",
           "first_participating", "signed_date", "days_pending_to_listed", "days_pending_to_signed", "note"]
UNMATCHED_COLUMNS = ["agency_id", "state", "agency", "model", "first_pending", "last_pending", "outcome",
                     "candidate_agency_id", "candidate_agency", "candidate_models", "candidate_first_listed",
                     "candidate_last_listed", "same_model", "rule", "why"]
# identity.identity_candidates' default: names this alike (apart from generic words) are worth a look
CANDIDATE_RATIO = 0.88
# The words a note uses for each reason a day count is negative; the QA check looks for them.
LISTED_EARLY = "listed as participating"
SIGNED_EARLY = "signing date"
BEFORE_FIRST = "before its first pending sighting"
# A state's requests are ranked for stalling only when it has at least this many (a share of two or
# three requests says little).
MIN_STATE_REQUESTS = 5


def analysis_date(lists: pd.DataFrame, as_of="newest") -> str:
    """The date the outcomes are judged at: ``as_of``, or the newest series list of either kind."""
    if store.is_newest(as_of):
        return max(series_lists(lists, kind)["list_date"].max() for kind in ("participating", "pending"))
    return store.day(as_of)


def pending_series(lists: pd.DataFrame, as_of="newest") -> pd.DataFrame:
    """The series' pending lists dated on or before the analysis date, oldest first (several a day are
    ordered am, mid, pm), with ``pos`` their place in that order."""
    day = analysis_date(lists, as_of)
    series = series_lists(lists, "pending")
    series = series[series["list_date"] <= day].reset_index(drop=True)
    return series.assign(pos=range(len(series)))


def sightings(list_rows: pd.DataFrame, plists: pd.DataFrame) -> pd.DataFrame:
    """One row per agency × model × pending list of ``plists`` (a list printing a pair twice counts once),
    with the list's ``pos`` and date and the name printed there. Rows without a model are left out (they
    cannot make a request; ``qa_rows`` counts them)."""
    pos = dict(zip(plists["list_id"], plists["pos"]))
    rows = list_rows[list_rows["list_id"].isin(pos) & (list_rows["model"] != "")]
    rows = rows.assign(pos=rows["list_id"].map(pos)).sort_values(["pos", "row"], kind="mergesort")
    return rows.drop_duplicates(["agency_id", "model", "list_id"])[
        ["agency_id", "state", "agency", "model", "list_id", "list_date", "pos"]].reset_index(drop=True)


def spells(seen: pd.DataFrame, gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """One row per request: consecutive sightings of an agency × model more than ``gap_days`` apart start
    a new spell. ``state`` and ``agency`` are those of its newest sighting; ``spell`` counts the pair's
    spells from 1."""
    out = []
    for (aid, model), part in seen.sort_values("pos", kind="mergesort").groupby(["agency_id", "model"], sort=True):
        spell, number = None, 0
        for r in part.itertuples(index=False):
            if spell is None or days_between(spell["last_pending"], r.list_date) > gap_days:
                number += 1
                spell = {"agency_id": aid, "model": model, "spell": number, "first_pending": r.list_date,
                         "first_pos": r.pos, "lists_seen": 0}
                out.append(spell)
            spell.update(state=r.state, agency=r.agency, last_pending=r.list_date, last_pos=r.pos)
            spell["lists_seen"] += 1
    cols = ["agency_id", "state", "agency", "model", "spell", "first_pending", "last_pending", "first_pos",
            "last_pos", "lists_seen"]
    return pd.DataFrame(out, columns=cols)


def participating_agreements(list_rows: pd.DataFrame, lists: pd.DataFrame, as_of="newest") -> pd.DataFrame:
    """Agreements (agency × model × signing date) on the series' participating lists dated on or before the
    analysis date, with their first and last listing there."""
    day = analysis_date(lists, as_of)
    series = series_lists(lists, "participating")
    ids = set(series.loc[series["list_date"] <= day, "list_id"])
    rows = list_rows[list_rows["list_id"].isin(ids) & (list_rows["model"] != "")]
    return (rows.groupby(["agency_id", "model", "signed"], sort=True)
            .agg(first_listed=("list_date", "min"), last_listed=("list_date", "max")).reset_index())


def match_signed(requests: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    """``requests`` with ``first_participating`` and ``signed_date`` of the agreement each became ('' when
    none): the first listed agreement of the same agency and model still on a participating list on or
    after the request's first pending sighting, and first listed before the pair's next spell begins."""
    by_pair = {k: part.sort_values(["first_listed", "signed"], kind="mergesort")
               for k, part in agreements.groupby(["agency_id", "model"], sort=False)}
    next_start = (requests.sort_values("spell").groupby(["agency_id", "model"])["first_pending"].shift(-1)
                  .reindex(requests.index).fillna(""))
    listed, signed = [], []
    for r, nxt in zip(requests.itertuples(index=False), next_start):
        cand = by_pair.get((r.agency_id, r.model))
        hit = None
        if cand is not None:
            ok = cand[(cand["last_listed"] >= r.first_pending) & ((nxt == "") | (cand["first_listed"] < nxt))]
            hit = ok.iloc[0] if len(ok) else None
        listed.append("" if hit is None else hit["first_listed"])
        signed.append("" if hit is None else hit["signed"])
    return requests.assign(first_participating=listed, signed_date=signed)


def _outcome(r, plists: pd.DataFrame, day: str, gap_days: int) -> tuple[str, str]:
    """Outcome of an unsigned request and why."""
    newest = plists.iloc[-1]
    if r.last_pos == newest["pos"]:
        age = days_between(newest["list_date"], day)
        if age > gap_days:
            return "unknown_gap", (f"on the newest pending list ({newest['list_date']}), which is {age} days older "
                                   f"than {day} (more than {gap_days}): the archive cannot say what became of it")
        return "still_pending", (f"on the newest pending list ({newest['list_date']}): still pending as of that "
                                 "list's date; the archive holds no later pending list")
    nxt = plists.iloc[r.last_pos + 1]
    gap = days_between(r.last_pending, nxt["list_date"])
    if gap > gap_days:
        return "unknown_gap", (f"last seen {r.last_pending}; the next pending list ({nxt['list_date']}) is {gap} "
                               f"days later (more than {gap_days}): it left during an archive gap")
    return "dropped", (f"absent from the pending list of {nxt['list_date']} after {r.last_pending} and from every "
                       f"later one, and on no participating list with this model by {day}")


def outcomes(list_rows: pd.DataFrame, lists: pd.DataFrame, as_of="newest", gap_days: int = GAP_DAYS) -> pd.DataFrame:
    """One row per pending request (``COLUMNS``), sorted by agency, model and first sighting."""
    day = analysis_date(lists, as_of)
    plists = pending_series(lists, as_of)
    if plists.empty:
        first = series_lists(lists, "pending")["list_date"].min()
        raise ValueError(f"no pending list is dated on or before {day} (the first is {first})")
    req = spells(sightings(list_rows, plists), gap_days)
    req = match_signed(req, participating_agreements(list_rows, lists, as_of))
    first_list = plists["list_date"].iloc[0] if len(plists) else ""
    outcome, listed_days, signed_days, notes = [], [], [], []
    for r in req.itertuples(index=False):
        note = []
        if r.spell > 1:
            note.append(f"spell {r.spell} of this agency and model on the pending lists (more than {gap_days} days "
                        "after the previous sighting)")
        if r.first_pending == first_list:
            note.append(f"already on the archive's first pending list ({first_list}): the request may be older, so "
                        "its days are a lower bound")
        d_listed = d_signed = None
        if r.first_participating:
            outcome.append("signed")
            d_listed = days_between(r.first_pending, r.first_participating)
            if d_listed < 0:
                note.append(f"{LISTED_EARLY} from {r.first_participating}, {-d_listed} days {BEFORE_FIRST}"
                            + (f" (more than {gap_days}: an agreement already in force, so the request is a renewal "
                               "or a re-listing, not a new agreement)" if -d_listed > gap_days else
                               " (ICE's pending list lags its signings)"))
            if r.signed_date:
                d_signed = days_between(r.first_pending, r.signed_date)
                if d_signed < 0:
                    note.append(f"{SIGNED_EARLY} {r.signed_date} is {-d_signed} days {BEFORE_FIRST}")
            else:
                note.append("the participating list prints no signing date")
        else:
            kind, why = _outcome(r, plists, day, gap_days)
            outcome.append(kind)
            note.append(why)
        listed_days.append(d_listed)
        signed_days.append(d_signed)
        notes.append("; ".join(note))
    # the agency's newest name on any list of the series up to the date, as agreements.csv names it: a typo
    # printed on a pending list (joined to its agency by data/hand/aliases.csv) is not repeated
    in_series = set(lists.loc[lists["in_series"].astype(str) == "True", "list_id"])
    named = list_rows[list_rows["list_id"].isin(in_series) & (list_rows["list_date"] <= day)]
    newest = named.sort_values(["list_date", "list_id", "row"], kind="mergesort").drop_duplicates(
        "agency_id", keep="last").set_index("agency_id")["agency"]
    req = req.assign(agency=[newest.get(a, n) for a, n in zip(req["agency_id"], req["agency"])],
                     outcome=outcome, days_pending_to_listed=pd.array(listed_days, dtype="Int64"),
                     days_pending_to_signed=pd.array(signed_days, dtype="Int64"), note=notes)
    return req[COLUMNS].sort_values(["agency_id", "model", "first_pending"], ignore_index=True)


# ---- QA ---------------------------------------------------------------------------------------------------

def near_name(state: str, name: str, other: str, threshold: float = CANDIDATE_RATIO) -> tuple[str, str]:
    """``(rule, why)`` when two printed names of one state may be one agency, else ``('', '')``: a rename rule
    of the history holds (``identity.rename_rule``; the history applies it only at participating-list
    transitions), or the names are alike as ``identity.identity_candidates`` and the transition near misses
    judge them (same role and core, or similar keys whose distinctive words are alike too)."""
    rule = rename_rule(state, name, other)
    if rule:
        return rule, f"the history's rename rule {rule} holds (applied only between participating lists)"
    ka, kb = agency_key(name), agency_key(other)
    (ra, ca), (rb, cb) = name_role_and_core(ka), name_role_and_core(kb)
    core = difflib.SequenceMatcher(None, ca, cb).ratio() if ca or cb else 1.0
    if ra == rb and ca and ca == cb:
        return "", f"same {ra} name apart from generic words"
    if ra == rb and min(len(ca), len(cb)) >= 5 and core >= threshold:
        return "", f"similar {ra} name (ratio {core:.2f})"
    ratio = difflib.SequenceMatcher(None, ka, kb).ratio()
    if ratio >= NEAR_MISS_RATIO and core >= NEAR_MISS_CORE_RATIO:
        return "", f"similar name (ratio {ratio:.2f}, distinctive words {core:.2f}) but no rename rule"
    return "", ""


def unmatched(outcomes: pd.DataFrame, list_rows: pd.DataFrame, lists: pd.DataFrame, as_of="newest",
              distinct: set | None = None) -> pd.DataFrame:
    """Requests never signed whose agency has a near name (``near_name``) among the agencies on the series'
    participating lists of its state, one row per request and candidate. Proposed for a person to decide
    (``data/hand/aliases.csv`` joins them, ``data/hand/distinct_agencies.csv`` keeps them apart), never merged."""
    distinct = load_distinct() if distinct is None else distinct
    day = analysis_date(lists, as_of)
    open_req = outcomes[outcomes["outcome"].isin(UNSIGNED)]
    series = series_lists(lists, "participating")
    part = list_rows[list_rows["list_id"].isin(set(series.loc[series["list_date"] <= day, "list_id"]))]
    part = part[part["state"].isin(set(open_req["state"]))].sort_values(["list_date", "row"], kind="mergesort")
    on_part = part.groupby("agency_id").agg(
        state=("state", "last"), agency=("agency", "last"),
        models=("model", lambda m: ";".join(x for x in MODELS if x in set(m))),
        first_listed=("list_date", "min"), last_listed=("list_date", "max"))
    by_state = {s: g for s, g in on_part.groupby("state")}
    out = []
    for r in open_req.itertuples(index=False):
        for cid, c in by_state.get(r.state, on_part.iloc[:0]).iterrows():
            if cid == r.agency_id or is_distinct(distinct, r.state, r.agency, c["agency"]):
                continue
            rule, why = near_name(r.state, r.agency, c["agency"])
            if why:
                out.append({**r._asdict(), "candidate_agency_id": cid, "candidate_agency": c["agency"],
                            "candidate_models": c["models"], "candidate_first_listed": c["first_listed"],
                            "candidate_last_listed": c["last_listed"],
                            "same_model": r.model in c["models"].split(";"), "rule": rule, "why": why})
    out = pd.DataFrame(out, columns=UNMATCHED_COLUMNS)
    return out.sort_values(["agency_id", "model", "first_pending", "candidate_agency_id"], ignore_index=True)


def negative_days_unexplained(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Rows with a negative day count whose note does not give the reason."""
    listed = outcomes["days_pending_to_listed"].fillna(0).astype(int) < 0
    signed = outcomes["days_pending_to_signed"].fillna(0).astype(int) < 0
    note = outcomes["note"].fillna("")
    listed_ok = note.str.contains(LISTED_EARLY, regex=False) & note.str.contains(BEFORE_FIRST, regex=False)
    signed_ok = note.str.contains(SIGNED_EARLY, regex=False) & note.str.contains(BEFORE_FIRST, regex=False)
    return outcomes[(listed & ~listed_ok) | (signed & ~signed_ok)]


def qa_rows(outcomes: pd.DataFrame, list_rows: pd.DataFrame, lists: pd.DataFrame, unmatched_rows: pd.DataFrame,
            as_of="newest") -> pd.DataFrame:
    """The stage's QA rows (``qa.check_row``); the ``fail`` ones stop the build (``qa.gate``)."""
    plists = pending_series(lists, as_of)
    pending_rows = list_rows[list_rows["list_id"].isin(set(plists["list_id"]))]
    pairs_seen = len(pending_rows[pending_rows["model"] != ""].drop_duplicates(["agency_id", "model", "list_id"]))
    key = ["agency_id", "model", "first_pending"]
    bad_outcome = int((~outcomes["outcome"].isin(OUTCOMES)).sum())
    duplicated = int(outcomes.duplicated(key).sum())
    no_model = int((pending_rows["model"] == "").sum())
    negative = negative_days_unexplained(outcomes)
    n_negative = int(((outcomes["days_pending_to_listed"].fillna(0) < 0)
                      | (outcomes["days_pending_to_signed"].fillna(0) < 0)).sum())
    signed = outcomes["outcome"] == "signed"
    signed_mismatch = int((signed != (outcomes["first_participating"] != "")).sum())
    rows = [
        qa.check_row("pending_one_outcome", "pending requests", bad_outcome + duplicated, 0,
                     "pass" if bad_outcome + duplicated == 0 else "fail"),
        qa.check_row("pending_sightings_covered", "pending lists", int(outcomes["lists_seen"].sum()), pairs_seen,
                     "pass" if int(outcomes["lists_seen"].sum()) == pairs_seen else "fail"),
        qa.check_row("pending_signed_has_listing", "pending requests", signed_mismatch, 0,
                     "pass" if signed_mismatch == 0 else "fail"),
        qa.check_row("pending_rows_without_model", "pending lists", no_model, 0, "pass" if no_model == 0 else "fail"),
        qa.check_row("pending_negative_days_unexplained", "pending requests", len(negative), 0,
                     "pass" if negative.empty else "fail"),
        qa.check_row("pending_negative_days", "pending requests", n_negative, "reported, with the reason in note",
                     "info"),
        qa.check_row("pending_unmatched_candidates", "data/qa/pending_unmatched.csv", len(unmatched_rows),
                     "for a person to decide", "info"),
        qa.check_row("pending_unmatched_rename_rule", "data/qa/pending_unmatched.csv",
                     unmatched_rows.loc[unmatched_rows["same_model"] & (unmatched_rows["rule"] != ""),
                                        ["agency_id", "model", "first_pending"]].drop_duplicates().shape[0],
                     "unsigned requests with a same-model candidate a history rename rule accepts", "info"),
    ]
    for kind in OUTCOMES:
        rows.append(qa.check_row(f"pending_outcome_{kind}", "pending requests",
                                 int((outcomes["outcome"] == kind).sum()), "reported", "info"))
    return pd.DataFrame(rows, columns=qa.QA_COLUMNS)


# ---- tables for the text and the figures -------------------------------------------------------------------

def list_freshness(lists: pd.DataFrame, as_of="newest") -> dict:
    """How current the pending list is beside the participating one: the newest list of each kind, the
    participating lists archived after the newest pending one, and the usual spacing of pending lists."""
    day = analysis_date(lists, as_of)
    plists = pending_series(lists, as_of)
    part = series_lists(lists, "participating")
    part = part[part["list_date"] <= day]
    newest_pending = plists["list_date"].iloc[-1]
    spacing = pd.to_datetime(plists["list_date"]).drop_duplicates().diff().dt.days.dropna()
    return {
        "pending_lists": len(plists),
        "first_pending": plists["list_date"].iloc[0],
        "newest_pending": newest_pending,
        "newest_pending_rows": int(plists["rows"].iloc[-1]),
        "newest_participating": part["list_date"].iloc[-1],
        "days_behind": days_between(newest_pending, part["list_date"].iloc[-1]),
        "participating_after": int((part["list_date"] > newest_pending).sum()),
        "median_spacing": float(spacing.median()),
        "max_spacing": int(spacing.max()),
    }


def _quantiles(values: pd.Series) -> dict:
    v = values.dropna().astype(float)
    if v.empty:
        return {"median": float("nan"), "q1": float("nan"), "q3": float("nan")}
    return {"median": v.median(), "q1": v.quantile(0.25), "q3": v.quantile(0.75)}


def days_by_model(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per model (and ``ALL``): signed requests, the median and quartiles of days from first pending
    sighting to first participating listing and to the printed signing date, and how many are negative."""
    signed = outcomes[outcomes["outcome"] == "signed"]
    out = []
    for model in (*MODELS, "ALL"):
        part = signed if model == "ALL" else signed[signed["model"] == model]
        listed, dated = _quantiles(part["days_pending_to_listed"]), _quantiles(part["days_pending_to_signed"])
        out.append({"model": model, "requests": int((outcomes["model"] == model).sum() if model != "ALL"
                                                     else len(outcomes)),
                    "signed": len(part), "listed_median": listed["median"], "listed_q1": listed["q1"],
                    "listed_q3": listed["q3"], "signed_median": dated["median"], "signed_q1": dated["q1"],
                    "signed_q3": dated["q3"],
                    "negative_listed": int((part["days_pending_to_listed"].fillna(0) < 0).sum())})
    return pd.DataFrame(out)


def monthly_flow(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Requests per month of their first pending sighting, by outcome (one column per outcome)."""
    month = outcomes["first_pending"].str[:7]
    table = pd.crosstab(month, outcomes["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
    table.index.name, table.columns.name = "month", None
    return table.reset_index()


def by_state(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per state: requests by outcome, the share not signed, and the median days to a participating listing."""
    table = pd.crosstab(outcomes["state"], outcomes["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
    table.columns.name = None
    table.insert(0, "requests", table.sum(axis=1))
    table["unsigned_share"] = table[list(UNSIGNED)].sum(axis=1) / table["requests"]
    signed = outcomes[outcomes["outcome"] == "signed"]
    table["median_days_to_listed"] = (signed.groupby("state")["days_pending_to_listed"]
                                      .apply(lambda s: s.astype(float).median()).reindex(table.index))
    return table.reset_index().sort_values(["requests", "state"], ascending=[False, True], ignore_index=True)


def stalled_states(states: pd.DataFrame, min_requests: int = MIN_STATE_REQUESTS, top: int = 5) -> pd.DataFrame:
    """The states (with at least ``min_requests`` requests) where the largest share of requests was never
    signed; ties broken by more requests, then the state code."""
    ranked = states[states["requests"] >= min_requests]
    return ranked.sort_values(["unsigned_share", "requests", "state"], ascending=[False, False, True]).head(top)


def state_summary(outcomes: pd.DataFrame, state: str) -> str:
    """The one-line (markdown) summary of a state's pending requests for its state report."""
    state = state.upper()
    mine = outcomes[outcomes["state"] == state]
    span = f"{outcomes['first_pending'].min()} → {outcomes['last_pending'].max()}" if len(outcomes) else "none"
    if mine.empty:
        return f"**Pending requests:** no {state} agency appears on ICE's pending lists (sightings {span})."
    counts = mine["outcome"].value_counts()
    signed = mine[mine["outcome"] == "signed"]
    parts = [f"{int(counts.get(k, 0))} {k.replace('_', ' ')}" for k in OUTCOMES if counts.get(k, 0)]
    text = (f"**Pending requests:** {len(mine)} {state} request{'s' if len(mine) != 1 else ''} (agency × model) "
            f"on ICE's pending lists (sightings {span}): " + ", ".join(parts))
    if len(signed):
        median = signed["days_pending_to_listed"].astype(float).median()
        text += (f"; median {median:.0f} days from first pending sighting to first participating listing "
                 f"({len(signed)} signed)")
    if counts.get("still_pending", 0):
        text += f"; still pending as of the newest pending list ({outcomes['last_pending'].max()})"
    return text + "."
