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
- ``signed_other_model``: would be ``dropped`` or ``unknown_gap``, but the same agency signed another model
  within the request's spell: an agreement of another model first listed as participating on or after the
  request's first pending sighting and no more than the gap threshold after its last (``note`` names the
  model and the dates). A request still on the newest pending list stays ``still_pending``: it has not ended.

Before any of this, the build moves a pending row printed under the wrong state to the state its agency signs
in (``state_corrections``, applied by ``agreements.build_history``; each move is logged in
``data/qa/pending_state_corrections.csv``): otherwise the row would be a request of a phantom agency, counted
as dropped in a state it never asked from.

Days can be negative: ICE often lists an agreement as participating (or dates its signing) before the
pending list the archive holds shows it, or keeps an agency on the pending list after signing. Such a
row is kept as it is, with its reason in ``note``; a check fails when a negative day count has none.
"""
from __future__ import annotations

import difflib

import pandas as pd

from ..core.keys import agency_key, name_role_and_core
from ..core.vocab import GAP_DAYS, MODELS
from ..core.frames import column_rows
from ..history.history import days_between
from ..history.identity import NEAR_MISS_CORE_RATIO, NEAR_MISS_RATIO, is_distinct, load_distinct, rename_rule
from ..history.pending_states import (STATE_RULE, STATE_WINDOW_DAYS, analysis_date, became, listings_by_agency,
                                      nearest_listing, participating_agreements)
from ..ingest.lists import series_lists
from ..tables import qa

OUTCOMES = ("signed", "signed_other_model", "dropped", "still_pending", "unknown_gap")
# the requests that came to nothing: no agreement of the agency followed them (signed_other_model did get one)
UNSIGNED = ("dropped", "still_pending", "unknown_gap")
# the outcomes a signing of another model within the spell replaces (a request still pending has not ended)
ENDED = ("dropped", "unknown_gap")
COLUMNS = ["agency_id", "state", "agency", "model", "first_pending", "last_pending", "lists_seen", "outcome",
           "first_participating", "signed_date", "days_pending_to_listed", "days_pending_to_signed", "note"]
UNMATCHED_COLUMNS = ["agency_id", "state", "agency", "model", "first_pending", "last_pending", "outcome",
                     "candidate_agency_id", "candidate_agency", "candidate_models", "candidate_first_listed",
                     "candidate_last_listed", "same_model", "rule", "why"]
# identity.identity_candidates' default: names this alike (apart from generic words) are worth a look
CANDIDATE_RATIO = 0.88
# The words a note uses for each reason a day count is negative; the QA check looks for them.
LISTED_EARLY = "listed as participating"
OTHER_MODEL = "signed another model"
SIGNED_EARLY = "signing date"
BEFORE_FIRST = "before its first pending sighting"
# A state's requests are ranked for stalling only when it has at least this many (a share of two or
# three requests says little).
MIN_STATE_REQUESTS = 5


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
    ordered = seen.sort_values("pos", kind="mergesort")
    state, agency, date, pos = (ordered[c].tolist() for c in ("state", "agency", "list_date", "pos"))
    pairs = ordered.groupby(["agency_id", "model"], sort=True).indices  # each pair's rows, in sighting order
    for aid, model in sorted(pairs):
        spell, number = None, 0
        for i in pairs[aid, model]:
            if spell is None or days_between(spell["last_pending"], date[i]) > gap_days:
                number += 1
                spell = {"agency_id": aid, "model": model, "spell": number, "first_pending": date[i],
                         "first_pos": pos[i], "lists_seen": 0}
                out.append(spell)
            spell.update(state=state[i], agency=agency[i], last_pending=date[i], last_pos=pos[i])
            spell["lists_seen"] += 1
    cols = ["agency_id", "state", "agency", "model", "spell", "first_pending", "last_pending", "first_pos",
            "last_pos", "lists_seen"]
    return pd.DataFrame(out, columns=cols)


def match_signed(requests: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    """``requests`` with ``first_participating`` and ``signed_date`` of the agreement each became ('' when
    none; ``became``)."""
    by_pair = agreements.groupby(["agency_id", "model"], sort=False).indices  # positions: a frame cut only when asked
    next_start = (requests.sort_values("spell").groupby(["agency_id", "model"])["first_pending"].shift(-1)
                  .reindex(requests.index).fillna(""))
    listed, signed = [], []
    for (aid, model, first), nxt in zip(column_rows(requests, ("agency_id", "model", "first_pending")),
                                        next_start.tolist()):
        at = by_pair.get((aid, model))
        hit = None if at is None else became(agreements.iloc[at], first, nxt)
        listed.append("" if hit is None else hit["first_listed"])
        signed.append("" if hit is None else hit["signed"])
    return requests.assign(first_participating=listed, signed_date=signed)


def other_model(r, agreements: pd.DataFrame | None, gap_days: int = GAP_DAYS):
    """The agreement of another model the request's agency signed within its spell, or None: of
    ``agreements`` (the agency's, from ``participating_agreements``), the first listed of a model other than
    the request's, first listed on or after its first pending sighting and no more than ``gap_days`` after
    its last (an agreement in force before the request is not one it led to)."""
    if agreements is None:
        return None
    ok = agreements[(agreements["model"] != r.model) & (agreements["first_listed"] >= r.first_pending)]
    ok = ok[[days_between(r.last_pending, d) <= gap_days for d in ok["first_listed"]]]
    return ok.sort_values(["first_listed", "signed", "model"], kind="mergesort").iloc[0] if len(ok) else None


def other_model_note(r, hit) -> str:
    """``note``'s words for a ``signed_other_model`` request: which model, signed and first listed when."""
    signed = f"signed {hit['signed']}" if hit["signed"] else "no signing date printed"
    after_last = days_between(r.last_pending, hit["first_listed"])
    when = (f"{after_last} days after its last" if after_last > 0 else
            "while the request was still on the pending lists")
    return (f"{OTHER_MODEL}: not signed as {r.model}, but the agency's {hit['model']} agreement ({signed}) was first "
            f"listed as participating {hit['first_listed']}, {days_between(r.first_pending, hit['first_listed'])} "
            f"days after the request's first pending sighting, {when}")


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
    agreements = participating_agreements(list_rows, lists, as_of)
    req = match_signed(req, agreements)
    by_agency = dict(list(agreements.groupby("agency_id", sort=False)))
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
            hit = other_model(r, by_agency.get(r.agency_id), gap_days) if kind in ENDED else None
            if hit is not None:
                kind = "signed_other_model"
                note.append(other_model_note(r, hit))
                why = f"as a {r.model} request: {why}"
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
            as_of="newest", corrections: pd.DataFrame | None = None) -> pd.DataFrame:
    """The stage's QA rows (``qa.check_row``); the ``fail`` ones stop the build (``qa.gate``). ``corrections``:
    the build's state corrections (``state_correction_checks``), when given."""
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
    other = outcomes["outcome"] == "signed_other_model"
    other_unnamed = int((other & ~outcomes["note"].fillna("").str.contains(OTHER_MODEL, regex=False)).sum())
    rows = [
        qa.check_row("pending_one_outcome", "pending requests", bad_outcome + duplicated, 0,
                     "pass" if bad_outcome + duplicated == 0 else "fail"),
        qa.check_row("pending_sightings_covered", "pending lists", int(outcomes["lists_seen"].sum()), pairs_seen,
                     "pass" if int(outcomes["lists_seen"].sum()) == pairs_seen else "fail"),
        qa.check_row("pending_signed_has_listing", "pending requests", signed_mismatch, 0,
                     "pass" if signed_mismatch == 0 else "fail"),
        qa.check_row("pending_rows_without_model", "pending lists", no_model, 0, "pass" if no_model == 0 else "fail"),
        qa.check_row("pending_other_model_named", "pending requests", other_unnamed, 0,
                     "pass" if other_unnamed == 0 else "fail"),
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
    out = pd.DataFrame(rows, columns=qa.QA_COLUMNS)
    if corrections is None:
        return out
    return pd.concat([out, state_correction_checks(corrections, list_rows, lists)], ignore_index=True)


def state_correction_checks(log: pd.DataFrame, list_rows: pd.DataFrame, lists: pd.DataFrame,
                            window_days: int = STATE_WINDOW_DAYS) -> pd.DataFrame:
    """QA rows on the build's state corrections (``log``: ``data/qa/pending_state_corrections.csv``): every row
    the rule moved has a participating listing of its name in its new state within ``window_days`` of the
    pending list (a hand row's move stands on its reason), and every logged move is in ``list_rows`` (a
    pending row of that name, model and date in the new state)."""
    listed = listings_by_agency(list_rows, lists)
    by_rule = log[log["rule"].str.startswith(STATE_RULE + ":")]
    far = [r for r in by_rule.itertuples(index=False)
           if not listed.get(agency_key(r.agency_after), {}).get(r.state)
           or nearest_listing(listed[agency_key(r.agency_after)][r.state], r.last_list_before)[0] > window_days]
    pend = list_rows[list_rows["list_kind"] == "pending"]
    present = set(zip(pend["state"], pend["agency"], pend["model"], pend["list_date"]))
    lost = [r for r in log.itertuples(index=False)
            if (r.state, r.agency_after, r.model_after, r.last_list_before) not in present]
    return pd.DataFrame([
        qa.check_row("pending_state_corrected_listed", "data/qa/pending_state_corrections.csv", len(far), 0,
                     "pass" if not far else "fail"),
        qa.check_row("pending_state_corrected_rows", "data/qa/pending_state_corrections.csv", len(lost), 0,
                     "pass" if not lost else "fail"),
        qa.check_row("pending_state_corrections", "data/qa/pending_state_corrections.csv", len(log),
                     f"pending rows moved to the state their agency signs in (within {window_days} days)", "info"),
    ], columns=qa.QA_COLUMNS)


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
    """Per state: requests by outcome, those that came to nothing (``UNSIGNED``) and their share, and the median
    days to a participating listing."""
    table = pd.crosstab(outcomes["state"], outcomes["outcome"]).reindex(columns=list(OUTCOMES), fill_value=0)
    table.columns.name = None
    table.insert(0, "requests", table.sum(axis=1))
    table["unsigned"] = table[list(UNSIGNED)].sum(axis=1)
    table["unsigned_share"] = table["unsigned"] / table["requests"]
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
