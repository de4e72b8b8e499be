"""ICE's corrections to its own lists: when two printed forms of an agreement are one agreement.

An agreement is printed as agency × model × signing date (its *form*, ``identity.agreement_ids``). ICE
corrects its lists in place: a signing date moved by a day, a year typo, an agreement moved to another
agency's name, a model relabelled. A correction is not an event: the two forms are one agreement, never a
re-signing plus a removal. Each rule below looks only at one list transition of the participating series:
a form that leaves the series after list *p* and one that enters it on list *p + 1*, never both printed on
one list. Rules (each logged, by ``kind``, in ``data/qa/corrections.csv``):

- ``year_typo``: the same agency and model, the dates equal but for the year, and one year cannot be right
  (after the date of the list printing it, or before the program was enacted), or the earlier date is
  exactly a year before the corrected one and the corrected one falls within ``DATE_FIX_DAYS`` before the
  agreement was first listed;
- ``signed_date``: the same agency and model, signing dates at most ``DATE_FIX_DAYS`` apart;
- ``model``: the same agency and signing date, the model changed;
- ``agency``: the same state, model and signing date under another agency, taken when the two share a
  printed county or one name contains the other's place (``place_evidence``); otherwise the pair is an
  identity candidate for a person.

Every rule needs one partner each way at the transition; several partners go to a person. A person decides
in ``data/hand/agreement_corrections.csv`` (``agreement_before, agreement_after, decision, reason``):
``same`` joins two forms, ``distinct`` keeps them apart. The agreement keeps ICE's newest printed form.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ..core import hand
from ..core.messages import FixError
from ..core.keys import fold, name_role_and_core
from .identity import CANDIDATE_COLUMNS, agreement_ids
from ..core.keys import strip_state
from ..core.vocab import NOT_PRINTED
from ..core.frames import column_rows

# A signing date moved by more than this is a new date, not a fix (a month covers ICE's batch fixes).
DATE_FIX_DAYS = 31
CORRECTION_KINDS = ("signed_date", "year_typo", "agency", "model", "state")
CORRECTION_COLUMNS = ["agreement_id", "state", "agency_before", "agency_after", "model_before", "model_after",
                      "signed_before", "signed_after", "last_list_before", "first_list_after", "kind", "rule"]
HAND_FILE = "agreement_corrections.csv"
HAND_DECISIONS = ("same", "distinct")
# Words of a name that say where, not which body: a county's name is the place both its sheriff and its
# board share. STATE is left out so "Louisiana State Patrol" and "Louisiana State Police" do not share one.
_NOT_PLACE = {"STATE"}


@dataclass(frozen=True)
class Run:
    """One unbroken stretch of the series printing a form: lists ``start`` to ``end`` (series positions)."""
    form: str
    agency_id: str
    state: str
    agency: str
    model: str
    signed: str
    county: str
    key: str
    start: int
    end: int


def runs(rows: pd.DataFrame) -> list[Run]:
    """Every form's unbroken stretches of lists (``rows``: series rows with ``_pos``), oldest first."""
    rows = rows.assign(_form=agreement_ids(rows)).sort_values(["_pos", "row"], kind="mergesort")
    if "county_printed" not in rows:
        rows = rows.assign(county_printed="")  # lists before ICE printed a COUNTY column
    out = []
    cols = ["_form", "agency_id", "state", "agency", "model", "signed", "county_printed", "agency_key", "_pos"]
    current: dict[str, list] = {}
    for form, aid, state, agency, model, signed, county, key, pos in column_rows(rows, cols):
        run = current.get(form)
        if run is not None and pos <= run[-1] + 1:
            # the run's newest name and printed county
            run[-1], run[3], run[6] = pos, agency, county or run[6]
            continue
        if run is not None:
            out.append(Run(*run))
        current[form] = [form, aid, state, agency, model, signed, county, key, pos, pos]
    out.extend(Run(*r) for r in current.values())
    return sorted(out, key=lambda r: (r.start, r.form))


def _year_only(a: str, b: str) -> bool:
    return a[4:] == b[4:] and a[:4] != b[:4]


def _days(a: str, b: str) -> int | None:
    """Days from date ``a`` to ``b``; None when either is not a real date (a mistyped year far in the future)."""
    try:
        return (pd.Timestamp(b) - pd.Timestamp(a)).days
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None


def impossible_date(signed: str, listed: str, program_start: str) -> bool:
    """A signing date no agreement can have: after the date of the list printing it, or before the program."""
    return signed > listed or signed < program_start


def date_rule(pred: Run, succ: Run, dates: list[str], first_listed: dict[str, str], program_start: str) -> str:
    """``year_typo`` or ``signed_date`` when two forms of one agency and model are one agreement whose date ICE
    corrected, else ''."""
    if (pred.agency_id, pred.model) != (succ.agency_id, succ.model) or pred.signed == succ.signed:
        return ""
    if not pred.signed or not succ.signed:
        return ""
    if _year_only(pred.signed, succ.signed):
        if impossible_date(pred.signed, dates[pred.start], program_start) or \
                impossible_date(succ.signed, dates[succ.start], program_start):
            return "year_typo"
        early, fixed = pred.signed, succ.signed
        gap = _days(fixed, first_listed[pred.form])
        if int(fixed[:4]) == int(early[:4]) + 1 and gap is not None and 0 <= gap <= DATE_FIX_DAYS:
            return "year_typo"
    days = _days(pred.signed, succ.signed)
    if days is not None and abs(days) <= DATE_FIX_DAYS:
        return "signed_date"
    return ""


def _numbers(key: str) -> set[str]:
    """The numbers of a key, ordinals read as numbers ("4TH DISTRICT" and "DISTRICT 4" carry one number)."""
    return {re.sub(r"(?<=\d)(ST|ND|RD|TH)$", "", t) for t in key.split() if any(c.isdigit() for c in t)}


# The county word and ICE's misspellings of it ("Lake Conty", "Custer Countey", "Baldwin Couny").
_COUNTY_WORDS = {"COUNTY", "CONTY", "COUNTEY", "COUNY", "PARISH", "BOROUGH"}


def county_of(printed: str) -> str:
    """A printed COUNTY cell compared by its name alone ('' when ICE printed none)."""
    if printed.strip().upper() in NOT_PRINTED:
        return ""
    return " ".join(t for t in fold(printed).split() if t not in _COUNTY_WORDS)


def place_of(key: str, state: str) -> str:
    """The place words of an agency key: its distinctive words with the state's name, role words and generic
    words dropped ("OKALOOSA COUNTY SHERIFFS OFFICE" -> "OKALOOSA")."""
    core = name_role_and_core(strip_state(key, state))[1]
    return " ".join(t for t in core.split() if t not in _NOT_PLACE)


def _contains(key: str, words: str) -> bool:
    return bool(words) and f" {words} " in f" {key} "


def place_evidence(pred: Run, succ: Run) -> str:
    """Why two agencies of one state may print one agreement, or '': they share a printed county, or one
    name contains the other's place words. Never when both counties are printed and differ, or the names
    carry different numbers (Precinct 2 is never Precinct 3)."""
    if _numbers(pred.key) != _numbers(succ.key):
        return ""
    ca, cb = county_of(pred.county), county_of(succ.county)
    if ca and cb:
        return f"both printed in {succ.county}" if ca == cb else ""
    for a, b in ((pred, succ), (succ, pred)):
        place = place_of(a.key, a.state)
        if _contains(place_of(b.key, b.state), place):
            return f"'{b.agency}' contains the place of '{a.agency}' ({place.title()})"
    return ""


def load_hand(path=None) -> pd.DataFrame:
    """``data/hand/agreement_corrections.csv``: pairs of forms a person joined (``same``) or kept apart
    (``distinct``), each with a reason."""
    df = hand.read_hand_table(HAND_FILE, path, missing_ok=True, error=FixError)
    if df is None:
        return pd.DataFrame(columns=["agreement_before", "agreement_after", "decision", "reason", "line"])
    where = f"data/hand/{HAND_FILE}" if path is None else str(path)
    for line, r in zip(hand.lines(df), df.itertuples(index=False)):
        if r.decision.strip() not in HAND_DECISIONS:
            raise FixError(f"{where} line {line}: decision must be one of {HAND_DECISIONS}, not {r.decision!r}")
        if not r.reason.strip():
            raise FixError(f"{where} line {line}: every decision needs a reason")
    return df.assign(line=hand.lines(df), decision=df["decision"].str.strip(),
                     agreement_before=df["agreement_before"].str.strip(),
                     agreement_after=df["agreement_after"].str.strip())


@dataclass
class Corrections:
    mapping: dict[str, str]     # form -> agreement_id (the newest form of its agreement)
    log: pd.DataFrame           # CORRECTION_COLUMNS, one row per correction
    candidates: pd.DataFrame    # CANDIDATE_COLUMNS, pairs for a person
    unused: pd.DataFrame        # hand rows that matched no transition: table, state, value, fix


def _kind_of(pred: Run, succ: Run) -> str:
    if pred.agency_id != succ.agency_id:
        return "agency"
    if pred.model != succ.model:
        return "model"
    return "year_typo" if _year_only(pred.signed, succ.signed) else "signed_date"


def find(rows: pd.DataFrame, dates: list[str], program_start: str, hand_rows: pd.DataFrame | None = None) -> Corrections:
    """Corrections at the transitions of the participating series (``rows`` with ``_pos``; ``dates``: each
    position's list date)."""
    hand_rows = load_hand() if hand_rows is None else hand_rows
    decided = {(r.agreement_before, r.agreement_after): (r.decision, r.reason)
               for r in hand_rows.itertuples(index=False)}
    used: set = set()
    all_runs = runs(rows)
    first_listed: dict[str, str] = {}
    positions: dict[str, set] = {}
    starting: dict[int, list[Run]] = {}
    for r in all_runs:
        first_listed.setdefault(r.form, dates[r.start])
        positions.setdefault(r.form, set()).update(range(r.start, r.end + 1))
        starting.setdefault(r.start, []).append(r)
    newest = len(dates) - 1
    auto, unsure = [], []
    for pred in all_runs:
        if pred.end >= newest or not pred.model:
            continue
        for succ in starting.get(pred.end + 1, []):
            if not succ.model or succ.form == pred.form:
                continue
            decision = decided.get((pred.form, succ.form))
            if decision is not None:
                used.add((pred.form, succ.form))
                if decision[0] == "same":
                    auto.append((pred, succ, _kind_of(pred, succ), f"hand: {decision[1]}"))
                continue
            same_agency = pred.agency_id == succ.agency_id
            if same_agency and pred.model == succ.model:
                kind = date_rule(pred, succ, dates, first_listed, program_start)
                if kind:
                    auto.append((pred, succ, kind, _date_note(pred, succ, kind)))
            elif same_agency and pred.signed == succ.signed and pred.signed:
                auto.append((pred, succ, "model", f"model relabelled {pred.model} -> {succ.model} with the same "
                                                  "agency and signing date"))
            elif (not same_agency and pred.state == succ.state and pred.model == succ.model
                  and pred.signed == succ.signed and pred.signed):
                why = place_evidence(pred, succ)
                if why:
                    auto.append((pred, succ, "agency", f"agreement moved to another agency's name: {why}"))
                else:
                    unsure.append((pred, succ))
    # one partner each way at a transition, or a person decides
    n_succ = Counter((p.form, p.end) for p, *_ in auto)
    n_pred = Counter((s.form, s.start) for _, s, *_ in auto)
    applied, candidates = [], []
    for pred, succ, kind, rule in auto:
        hand_made = rule.startswith("hand:")
        if not hand_made and (n_succ[pred.form, pred.end] > 1 or n_pred[succ.form, succ.start] > 1):
            candidates.append((pred, succ, f"ambiguous correction ({kind}): several partners at one list "
                                           "transition"))
        else:
            applied.append((pred, succ, kind, rule))
    # an agency handover with no evidence is shown to a person only when it is one-to-one
    u_succ = Counter(p.form for p, _ in unsure)
    u_pred = Counter(s.form for _, s in unsure)
    corrected = {p.form for p, *_ in applied}
    for pred, succ in unsure:
        if u_succ[pred.form] == 1 and u_pred[succ.form] == 1 and pred.form not in corrected:
            candidates.append((pred, succ, "agreement handed to another agency's name at a list transition "
                                           "(same state, model and signing date) with no shared county or place"))
    mapping, log = _join(applied, positions, dates, candidates)
    unused = [{"table": HAND_FILE, "state": b.split("-")[0], "value": b, "fix": a}
              for (b, a) in decided if (b, a) not in used]
    cand = pd.DataFrame([{
        "state": p.state, "agency_id_a": p.agency_id, "agency_a": p.agency, "agency_id_b": s.agency_id,
        "agency_b": s.agency, "why": f"{why}: {p.form} last listed {dates[p.end]} -> {s.form} first listed "
                                     f"{dates[s.start]}; decide in data/hand/{HAND_FILE}"}
        for p, s, why in candidates], columns=CANDIDATE_COLUMNS)
    return Corrections(mapping, log, cand, pd.DataFrame(unused, columns=["table", "state", "value", "fix"]))


def _date_note(pred: Run, succ: Run, kind: str) -> str:
    if kind == "year_typo":
        return f"year typo: {pred.signed} -> {succ.signed}"
    days = _days(pred.signed, succ.signed)
    return f"signing date moved {days:+d} days on the next list"


def _join(applied, positions: dict[str, set], dates: list[str], candidates: list):
    """Union the forms of every applied correction (never two forms printed on one list), and name each
    agreement by its newest form. Returns the form -> agreement_id mapping and the log."""
    parent: dict[str, str] = {}

    def root(f):
        while parent.get(f, f) != f:
            f = parent[f]
        return f

    members: dict[str, set] = {}
    kept = []
    for pred, succ, kind, rule in sorted(applied, key=lambda a: (a[0].end, a[0].form, a[1].form)):
        a, b = root(pred.form), root(succ.form)
        if a == b:
            kept.append((pred, succ, kind, rule))
            continue
        pa = set().union(*(positions[f] for f in members.get(a, {a})))
        pb = set().union(*(positions[f] for f in members.get(b, {b})))
        if pa & pb:
            candidates.append((pred, succ, f"correction ({kind}) refused: the two forms' agreements are both "
                                           "printed on one list"))
            continue
        parent[a] = b
        members[b] = members.pop(b, {b}) | members.pop(a, {a})
        kept.append((pred, succ, kind, rule))
    mapping = {}
    for top, forms in members.items():
        newest = max(forms, key=lambda f: (max(positions[f]), min(positions[f]), f))
        for f in forms:
            mapping[f] = newest
    log = pd.DataFrame([{
        "agreement_id": mapping[p.form], "state": s.state, "agency_before": p.agency, "agency_after": s.agency,
        "model_before": p.model, "model_after": s.model, "signed_before": p.signed, "signed_after": s.signed,
        "last_list_before": dates[p.end], "first_list_after": dates[s.start], "kind": kind, "rule": rule}
        for p, s, kind, rule in kept], columns=CORRECTION_COLUMNS)
    return mapping, log.sort_values(["agreement_id", "last_list_before", "kind"], ignore_index=True)


def agreement_of(rows: pd.DataFrame, mapping: dict[str, str]) -> pd.Series:
    """Each participating row's agreement: its form, or the newest form of the agreement it was corrected
    into."""
    forms = agreement_ids(rows)
    return forms.map(lambda f: mapping.get(f, f))


def counts(log: pd.DataFrame) -> dict[str, int]:
    """Corrections by kind, every kind present (zero when none)."""
    got = log["kind"].value_counts()
    return {k: int(got.get(k, 0)) for k in CORRECTION_KINDS}

