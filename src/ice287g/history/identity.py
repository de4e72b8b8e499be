"""Identity: when two printed names are one agency, and what makes an agreement one agreement.

Names are compared by a key (case, punctuation and abbreviations folded). Anything looser is a
logged rule with evidence, or a candidate for a person to decide; it is never guessed.
"""
from __future__ import annotations

import difflib
import re

import pandas as pd

from ..core.text import squash
from ..core.keys import agency_key, fold, name_role_and_core, strip_state
from ..core import hand, paths
from ..core.messages import FixError

def agreement_ids(rows: pd.DataFrame) -> pd.Series:
    """An agreement's identity for each list row: agency × model × signing date."""
    return rows["agency_id"] + ":" + rows["model"].replace("", "unknown") + ":" + rows["signed"].replace("", "undated")


def row_agreement_ids(rows: pd.DataFrame) -> pd.Series:
    """The agreement each list row prints: its ``agreement_id`` column where the history set one (ICE's
    corrections joined, ``corrections.agreement_of``), else the printed form (``agreement_ids``)."""
    forms = agreement_ids(rows)
    if "agreement_id" not in rows:
        return forms
    return rows["agreement_id"].where(rows["agreement_id"].fillna("") != "", forms)


def identity_candidates(agencies: pd.DataFrame, list_rows: pd.DataFrame, transitions: pd.DataFrame | None = None,
                        threshold: float = 0.88, distinct: set | None = None) -> pd.DataFrame:
    """Name pairs the rules did not merge but a person should look at: same-state, same-role names, and
    the near misses and ambiguous renames at list transitions (``transitions``, from
    ``rename_transitions``). Pairs declared distinct in data/hand/distinct_agencies.csv are left out."""
    distinct = load_distinct() if distinct is None else distinct
    keys = list_rows.sort_values("list_date", kind="mergesort").drop_duplicates("agency_id", keep="last")
    keys = keys.set_index("agency_id")["agency_key"]
    df = agencies[["agency_id", "state", "agency"]].copy()
    df["key"] = df["agency_id"].map(keys)
    df[["role", "core"]] = [name_role_and_core(k) for k in df["key"]]
    out = []
    sm = difflib.SequenceMatcher(None)
    for (state, role), part in df.groupby(["state", "role"], sort=True):
        recs = part.sort_values("agency_id").to_dict("records")
        found = []
        # b outer, a inner: the matcher indexes its second sequence once for every first one it meets
        for j, b in enumerate(recs):
            sm.set_seq2(b["core"])
            for i, a in enumerate(recs[:j]):
                why = ""
                if a["core"] and a["core"] == b["core"]:
                    why = f"same {role} name apart from generic words"
                elif min(len(a["core"]), len(b["core"])) >= 5:
                    sm.set_seq1(a["core"])
                    # the cheap upper bounds first: ratio() <= quick_ratio() <= real_quick_ratio()
                    if sm.real_quick_ratio() >= threshold and sm.quick_ratio() >= threshold \
                            and sm.ratio() >= threshold:
                        why = f"similar {role} name (ratio {sm.ratio():.2f})"
                if why and not is_distinct(distinct, state, a["agency"], b["agency"]):
                    found.append((i, j, {"state": state, "agency_id_a": a["agency_id"], "agency_a": a["agency"],
                                         "agency_id_b": b["agency_id"], "agency_b": b["agency"], "why": why}))
        out.extend(row for _, _, row in sorted(found, key=lambda f: f[:2]))
    out = pd.DataFrame(out, columns=CANDIDATE_COLUMNS)
    if transitions is not None and len(transitions):
        # a transition pair may already be a same-role pair: one row per pair, the transition's reason first
        out = pd.concat([transitions, out], ignore_index=True)
        pair = pd.Series([tuple(sorted(p)) for p in zip(out["agency_id_a"], out["agency_id_b"])], index=out.index)
        out = out[~pair.duplicated()]
    return out.sort_values(["state", "agency_id_a", "agency_id_b"], ignore_index=True)


# ---- identity across list transitions -------------------------------------------------------------
# An agreement that leaves the participating series and one of the same state, model and signing date
# that enters it at that transition (or within RENAME_WINDOW_DAYS) are one agreement only if a logged
# name rule says the names are one agency. Several possible partners, or a similar name that no rule
# explains, go to identity_candidates for a person; nothing is guessed.

RENAME_WINDOW_DAYS = 60
# A typo fix: at most this many edits on the key, on keys at least this long, with the same numbers
# (precinct and district numbers tell agencies apart: "Precinct 2" is never "Precinct 3").
EDIT_MAX = 2
EDIT_MIN_LEN = 12
# Similar names (difflib ratio on the key) that pass no rule are near misses for a person to look at.
NEAR_MISS_RATIO = 0.8
NEAR_MISS_CORE_RATIO = 0.6
RENAME_COLUMNS = ["agreement_id", "old_agency", "new_agency", "state", "model", "signed", "old_last_listed",
                  "new_first_listed", "rule"]
CANDIDATE_COLUMNS = ["state", "agency_id_a", "agency_a", "agency_id_b", "agency_b", "why"]
DISTINCT_FILE = "distinct_agencies.csv"


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i]
        for j, cb in enumerate(b, start=1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _numbers(key: str) -> list[str]:
    return sorted(t for t in key.split() if any(c.isdigit() for c in t))


_SUFFIX = re.compile(r"\s*[/,-]\s*\S")


def _extends(longer: str, shorter: str) -> bool:
    """``longer`` is ``shorter`` followed by a "/"-, "-"- or ","-separated suffix (printed names: "Florida
    Department of Environmental Protection, Division of Law Enforcement")."""
    a, b = squash(longer).upper(), squash(shorter).upper().rstrip()
    return len(b.split()) >= 3 and a.startswith(b) and bool(_SUFFIX.match(a[len(b):]))


def rename_rule(state: str, old: str, new: str, places_apart=None) -> str:
    """The logged rule under which two printed names of one state are one agency, or '' if none holds.

    ``abbreviation``: keys equal (the abbreviation table folds them); ``state_prefix``: equal once a
    leading name or code of the state is dropped; ``word_order``: the same words in another order (a leading
    state name aside); ``name_extended``: one printed name is the other plus a "/"-, "-"- or ","-separated
    suffix;
    ``edit_distance``: a typo of at most EDIT_MAX edits on a key of EDIT_MIN_LEN characters or more,
    with the same numbers, unless ``places_apart(state, old, new)`` says the names name two different real
    places (Madison and Marion County are two edits apart).
    """
    a, b = agency_key(old), agency_key(new)
    if a == b:
        return "abbreviation"
    if strip_state(a, state) == strip_state(b, state):
        return "state_prefix"
    # the same words in another order, a leading state name aside ("Criminal Investigation Division, Department
    # of Financial Services" and "Florida Department of Financial Services, Criminal Investigation Division")
    if sorted(strip_state(a, state).split()) == sorted(strip_state(b, state).split()):
        return "word_order"
    if _extends(new, old) or _extends(old, new):
        return "name_extended"
    if (min(len(a), len(b)) >= EDIT_MIN_LEN and _numbers(a) == _numbers(b)
            and abs(len(a) - len(b)) <= EDIT_MAX and edit_distance(a, b) <= EDIT_MAX
            and not (places_apart and places_apart(state, old, new))):
        return "edit_distance"
    return ""


def load_distinct(path=None) -> set[tuple[str, frozenset]]:
    """Pairs a person declared distinct agencies (``data/hand/distinct_agencies.csv``: state, agency_a,
    agency_b, reason), as (state, {key_a, key_b}): never merged, never proposed again."""
    df = hand.read_hand_table(DISTINCT_FILE, path, folds={"agency": agency_key}, missing_ok=True, error=FixError)
    if df is None:
        return set()
    where = f"data/hand/{DISTINCT_FILE}" if path is None else paths.relative(path)
    need = {"state", "agency_a", "agency_b", "reason"}
    if not need <= set(df.columns):
        raise FixError(f"{where}: needs columns {sorted(need)}, has {list(df.columns)}")
    out = set()
    for i, r in zip(hand.lines(df), df.itertuples(index=False)):
        if not r.reason.strip():
            raise FixError(f"{where} line {i}: every pair needs a reason")
        out.add((r.state.strip().upper(), frozenset({agency_key(r.agency_a), agency_key(r.agency_b)})))
    return out


def is_distinct(distinct, state, name_a, name_b) -> bool:
    return (state, frozenset({agency_key(name_a), agency_key(name_b)})) in distinct


def date_codes(dates: pd.Series) -> tuple[list, pd.Index]:
    """Each ISO date's rank among the sorted distinct dates, and those dates: a groupby takes the min or
    max of the ranks in compiled code, where one of text falls back to Python for every group."""
    codes, uniques = pd.factorize(dates, sort=True)
    return codes, uniques


def _agreement_spans(rows: pd.DataFrame) -> pd.DataFrame:
    """Per agreement of series rows (with ``_pos``): where it starts and ends and its latest name."""
    codes, dates = date_codes(rows["list_date"])
    rows = rows.assign(agreement_id=agreement_ids(rows), _date=codes).sort_values("_pos", kind="mergesort")
    out = rows.groupby("agreement_id").agg(
        agency_id=("agency_id", "first"), state=("state", "first"), agency=("agency", "last"),
        first_name=("agency", "first"), model=("model", "first"), signed=("signed", "first"),
        first_pos=("_pos", "min"), last_pos=("_pos", "max"), first_listed=("_date", "min"),
        last_listed=("_date", "max")).reset_index()
    return out.assign(first_listed=dates.take(out["first_listed"]), last_listed=dates.take(out["last_listed"]))


def rename_transitions(rows: pd.DataFrame, distinct: set | None = None, window_days: int = RENAME_WINDOW_DAYS,
                       places_apart=None):
    """Renames at list transitions of the participating series.

    ``rows``: the series' list rows with ``_pos`` (the list's place in the series) and ``list_date``.
    Returns ``(mapping, renames, candidates)``: old agency_id -> new agency_id for every merge, one
    row per merged agreement (RENAME_COLUMNS), and pairs for a person (CANDIDATE_COLUMNS).
    """
    distinct = distinct or set()
    ag = _agreement_spans(rows)
    newest = int(rows["_pos"].max())
    dated = ag[(ag["model"] != "") & (ag["signed"] != "")]
    # plain tuples and dicts: a frame filtered per old agreement costs more than every rule check
    records = list(dated.itertuples(index=False))
    groups: dict[tuple, list] = {}
    for r in records:
        groups.setdefault((r.state, r.model, r.signed), []).append(r)
    limits: dict[str, str] = {}
    pairs, near = [], []
    for old in records:
        if old.last_pos >= newest:
            continue
        limit = limits.get(old.last_listed)
        if limit is None:
            limit = limits[old.last_listed] = (pd.Timestamp(old.last_listed)
                                               + pd.Timedelta(days=window_days)).date().isoformat()
        for new in groups[(old.state, old.model, old.signed)]:
            if (new.agency_id == old.agency_id or new.first_pos <= old.last_pos
                    or (new.first_pos != old.last_pos + 1 and new.first_listed > limit)):
                continue
            if is_distinct(distinct, old.state, old.agency, new.first_name):
                continue
            rule = rename_rule(old.state, old.agency, new.first_name, places_apart)
            if rule:
                pairs.append((old, new, rule))
            else:
                ka, kb = agency_key(old.agency), agency_key(new.first_name)
                ratio = difflib.SequenceMatcher(None, ka, kb).ratio()
                # the distinctive words must be alike too: "Kerr County Sheriff's Office" and "Polk County
                # Sheriff's Office" are similar only in their role words
                ca, cb = name_role_and_core(ka)[1], name_role_and_core(kb)[1]
                core = difflib.SequenceMatcher(None, ca, cb).ratio() if ca or cb else 1.0
                if ratio >= NEAR_MISS_RATIO and core >= NEAR_MISS_CORE_RATIO:
                    near.append((old, new, f"near miss at a list transition: same model and signing date, "
                                           f"similar name (ratio {ratio:.2f}) but no rename rule"))
    candidates = [(o, n, why) for o, n, why in near]
    # exactly one partner each way, or a person decides
    n_new = pd.Series([o.agreement_id for o, _, _ in pairs]).value_counts()
    n_old = pd.Series([n.agreement_id for _, n, _ in pairs]).value_counts()
    one = []
    for o, n, rule in pairs:
        if n_new.get(o.agreement_id, 0) > 1 or n_old.get(n.agreement_id, 0) > 1:
            candidates.append((o, n, f"ambiguous rename at a list transition: rule {rule} holds but the "
                                     "agreement has several partners that pass a rule"))
        else:
            one.append((o, n, rule))
    # the merge is at the agency level: one new name per old name, and the two names never on one list
    lists_of = lists_by_agency(rows, "_pos")
    targets = {}
    for o, n, _ in one:
        targets.setdefault(o.agency_id, set()).add(n.agency_id)
    mapping, merged = {}, []
    for o, n, rule in one:
        if len(targets[o.agency_id]) > 1:
            candidates.append((o, n, "ambiguous rename: the old name's agreements pass rules with several "
                                     "new names"))
        elif lists_of[o.agency_id] & lists_of[n.agency_id]:
            candidates.append((o, n, f"rule {rule} holds at a list transition, but both names appear on one list"))
        else:
            mapping[o.agency_id] = n.agency_id
            merged.append((o, n, rule))
    # chains (A -> B -> C) resolve to the newest name
    for old_id in list(mapping):
        seen = {old_id}
        while mapping[old_id] in mapping and mapping[old_id] not in seen:
            seen.add(mapping[old_id])
            mapping[old_id] = mapping[mapping[old_id]]
    renames = pd.DataFrame([{
        "agreement_id": agreement_ids(pd.DataFrame({"agency_id": [mapping[o.agency_id]], "model": [o.model],
                                                    "signed": [o.signed]}))[0],
        "old_agency": o.agency, "new_agency": n.first_name, "state": o.state, "model": o.model,
        "signed": o.signed, "old_last_listed": o.last_listed, "new_first_listed": n.first_listed, "rule": rule,
    } for o, n, rule in merged], columns=RENAME_COLUMNS)
    cand = pd.DataFrame([{
        "state": o.state, "agency_id_a": o.agency_id, "agency_a": o.agency, "agency_id_b": n.agency_id,
        "agency_b": n.first_name,
        "why": f"{why} ({o.model}, signed {o.signed}; last listed {o.last_listed}, next first listed "
               f"{n.first_listed})",
    } for o, n, why in candidates], columns=CANDIDATE_COLUMNS)
    return mapping, _sorted_renames(renames), cand.drop_duplicates(["agency_id_a", "agency_id_b"])


def lists_by_agency(rows: pd.DataFrame, column: str = "list_id") -> dict[str, set]:
    """agency_id -> the lists that print it (their ``column``: list_id, or a series position): two names on
    one list are two agencies."""
    out: dict[str, set] = {}
    for aid, list_key in zip(rows["agency_id"].tolist(), rows[column].tolist()):
        out.setdefault(aid, set()).add(list_key)
    return out


def _sorted_renames(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["agreement_id", "old_last_listed", "old_agency"], ignore_index=True)


def joined_transitions(rows: pd.DataFrame) -> pd.DataFrame:
    """Agreements whose printed name changed at a list transition and that the key already joins: by the
    abbreviation table (``abbreviation``) or a row of data/hand/aliases.csv (``hand``). Case and
    punctuation changes are not renames. ``rows`` as for ``rename_transitions``."""
    rows = rows.assign(agreement_id=agreement_ids(rows), _form=rows["agency"].map(fold),
                       _key_id=rows["_key_id"] if "_key_id" in rows else rows["agency_id"],
                       _hand=rows["agency"].map(agency_key) != rows["agency_key"])
    # within one agency as the key (and aliases) made it: transitions merged by rename_transitions are
    # logged there under their own rule
    codes, dates = date_codes(rows["list_date"])
    spans = rows.assign(_date=codes).groupby(["agreement_id", "_key_id", "_form"], sort=True).agg(
        first_pos=("_pos", "min"), last_pos=("_pos", "max"), first=("_date", "min"), last=("_date", "max"),
        agency=("agency", "first"), hand=("_hand", "any")).reset_index().rename(columns={"_key_id": "key_id"})
    group = ["agreement_id", "key_id"]
    spans = spans[spans.groupby(group)["_form"].transform("size") > 1]
    # forms first listed on one list keep their sorted order
    spans = spans.sort_values([*group, "first_pos"], kind="mergesort")
    first = rows.drop_duplicates(["agreement_id", "_key_id"])
    first_row = dict(zip(zip(first["agreement_id"], first["_key_id"]), zip(first["state"], first["model"],
                                                                         first["signed"])))
    out = []
    prev = None
    for b in spans.itertuples(index=False):
        a, prev = prev, b
        if a is None or (a.agreement_id, a.key_id) != (b.agreement_id, b.key_id) or a.last_pos >= b.first_pos:
            continue
        state, model, signed = first_row[(b.agreement_id, b.key_id)]
        out.append({"agreement_id": b.agreement_id, "old_agency": a.agency, "new_agency": b.agency,
                    "state": state, "model": model, "signed": signed,
                    "old_last_listed": dates[a.last], "new_first_listed": dates[b.first],
                    "rule": "hand" if a.hand or b.hand else "abbreviation"})
    return pd.DataFrame(out, columns=RENAME_COLUMNS)


def merge_renames(rows: pd.DataFrame, list_rows: pd.DataFrame, distinct: set | None = None, places_apart=None):
    """Re-point every list row of an old name to its new name's agency_id (agency_printed and agency_key
    stay as printed). Returns ``(list_rows, renames, candidates)``; ``renames`` also lists the
    transitions the key or a hand alias already joined."""
    mapping, renames, cand = rename_transitions(rows, distinct, places_apart=places_apart)
    out = list_rows.assign(agency_id=list_rows["agency_id"].replace(mapping))
    moved = rows.assign(agency_id=rows["agency_id"].replace(mapping), _key_id=rows["agency_id"])
    renames = pd.concat([renames, joined_transitions(moved)], ignore_index=True)
    renames = renames.drop_duplicates(["agreement_id", "old_agency", "new_agency"])
    return out, _sorted_renames(renames), remap_candidates(cand, mapping)


def remap_candidates(cand: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Identity candidates after a merge: ids re-pointed, and a pair the merge made one agency dropped."""
    cand = cand.assign(agency_id_a=cand["agency_id_a"].replace(mapping), agency_id_b=cand["agency_id_b"].replace(mapping))
    cand = cand[cand["agency_id_a"] != cand["agency_id_b"]].drop_duplicates(["agency_id_a", "agency_id_b"])
    return cand.reset_index(drop=True)



def merge_agencies(rows: pd.DataFrame, list_rows: pd.DataFrame, mapping: dict[str, str], rule: str):
    """Merge agencies on evidence beyond their names (``mapping``: old agency_id -> new agency_id; for rule
    ``ori``, the FBI code both names match). Every list row of an old agency is re-pointed (agency_printed and
    agency_key stay as printed). Returns ``(list_rows, renames)``: one RENAME_COLUMNS row per agreement of an
    old agency in the series (``rows``, with ``_pos``), so every merge is logged. ``new_agency`` is the new
    name as first printed; ``new_first_listed`` is when the same agreement (model and signing date) is first
    listed under it, else when the new name first appears on a participating list ('' if never)."""
    if not mapping:
        return list_rows, pd.DataFrame(columns=RENAME_COLUMNS)
    spans = _agreement_spans(rows[rows["agency_id"].isin(set(mapping) | set(mapping.values()))])
    continued = {(r.agency_id, r.model, r.signed): r.first_listed for r in spans.itertuples(index=False)}
    first_listed = spans.groupby("agency_id")["first_listed"].min().to_dict()
    by_date = list_rows.sort_values(["list_date", "list_id", "row"], kind="mergesort")
    first_name = by_date.drop_duplicates("agency_id").set_index("agency_id")["agency"].to_dict()
    old = spans[spans["agency_id"].isin(mapping)]
    new_ids = old["agency_id"].map(mapping)
    renames = pd.DataFrame({
        "agreement_id": agreement_ids(old.assign(agency_id=new_ids)).to_numpy(),
        "old_agency": old["agency"].to_numpy(), "new_agency": new_ids.map(first_name).to_numpy(),
        "state": old["state"].to_numpy(), "model": old["model"].to_numpy(), "signed": old["signed"].to_numpy(),
        "old_last_listed": old["last_listed"].to_numpy(),
        "new_first_listed": [continued.get((n, m, s), first_listed.get(n, ""))
                             for n, m, s in zip(new_ids, old["model"], old["signed"])],
        "rule": rule}, columns=RENAME_COLUMNS)
    merged = list_rows.assign(agency_id=list_rows["agency_id"].replace(mapping))
    return merged, _sorted_renames(renames)
