"""Figures cited in news coverage, recomputed from the raw lists and detention workbooks.

``data/hand/news_claims.csv`` (vendored from ``../shared/claims/``; ``import-raw`` keeps it in
sync) holds one claim per row. Each is recomputed with the project's APIs and given a verdict:
``exact``, ``close`` (within ``CLOSE_SHARE``, with the reason), ``differs`` (with the difference, and
the reason where a usual confusion reproduces the claim), or ``not_archived`` (the store refuses the
list in force at the claim's date as too old: the nearest lists before and after are named with
their values).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..ingest.lists import series_lists
from ..archive.manifests import RawDataError
from ..core import hand, paths
from ..detention import detention
from ..history import agreements, asof
from ..core.messages import FixError
from ..history.identity import row_agreement_ids
from ..core.vocab import GAP_DAYS
from ..core.files import write_bytes

CLAIMS_FILE = "news_claims.csv"
COLUMNS = ["claim_id", "outlet", "published", "as_of", "since", "statement", "metric", "list", "model", "state",
           "unit", "value", "notes"]
METRICS = ("count", "top_state", "net_change", "detention_top_state")
CLOSE_SHARE = 0.02
TIMING_DAYS = 45  # a list this close to the claim's date may be the one the reporter read


class ClaimError(FixError):
    """A malformed claim row: names the row."""


def load(path=None) -> pd.DataFrame:
    """The claims of ``data/hand/news_claims.csv`` (or of the claims file at ``path``), every row checked;
    an error names the file read and the line."""
    label = f"data/hand/{CLAIMS_FILE}" if path is None else paths.relative(path)
    df = hand.read_hand_table(CLAIMS_FILE, path, error=ClaimError)
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ClaimError(f"{label}: missing column(s) {missing}")
    for i, r in zip(hand.lines(df), df.itertuples(index=False)):
        where = f"{label} line {i} ({r.claim_id or 'no claim_id'})"
        if r.metric not in METRICS:
            raise ClaimError(f"{where}: unknown metric {r.metric!r} (known: {list(METRICS)})")
        for value in (r.as_of, r.since) if r.since else (r.as_of,):
            try:
                ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)) and bool(pd.Timestamp(value))
            except ValueError:
                ok = False
            if not ok:
                raise ClaimError(f"{where}: as_of/since is not a date YYYY-MM-DD ({r.as_of!r}, {r.since!r})")
        if r.metric in ("count", "net_change"):
            if not r.value.lstrip("-").isdigit():
                raise ClaimError(f"{where}: value {r.value!r} is not a whole number")
            if r.unit not in ("agreements", "agencies", "states"):
                raise ClaimError(f"{where}: unit {r.unit!r} is not agreements, agencies or states")
        if r.metric == "net_change" and not r.since:
            raise ClaimError(f"{where}: net_change needs a since date")
    return df


@dataclass
class Result:
    computed: str
    list_date: str
    source_file: str
    verdict: str
    reason: str
    extra: str = ""


def _age_days(as_of: str, list_date: str) -> int:
    return (pd.Timestamp(as_of) - pd.Timestamp(list_date)).days


def _share(part: int, whole: int) -> str:
    return f"{part / whole:+.1%}" if whole else "n/a"


def _is_close(computed: int, claimed: int) -> bool:
    return bool(claimed) and abs(computed - claimed) / abs(claimed) <= CLOSE_SHARE


def _neighbours(as_of: str, kind: str, fn) -> str:
    lists = series_lists(asof.read_processed("lists.csv"), kind)
    before = lists[lists["list_date"] <= as_of].tail(1)
    after = lists[lists["list_date"] > as_of].head(1)
    parts = []
    for label, part in (("before", before), ("after", after)):
        if len(part):
            d = part.iloc[0]["list_date"]
            parts.append(f"nearest list {label}: {d} ({part.iloc[0]['source_file']}) gives {fn(d)}")
    return "; ".join(parts)


def _count(c, as_of: str, unit: str | None = None, state: str | None = None, max_age_days=GAP_DAYS) -> int:
    return asof.count(as_of, model=c.model or None, state=state if state is not None else (c.state or None),
                       unit=unit or c.unit, kind=c.list or "participating", max_age_days=max_age_days)


def _miss_reason(c, computed: int) -> str:
    """Why a computed value misses the claim: the usual confusion that reproduces the claim, if one does;
    else the difference itself, in numbers and as a share of the claim."""
    rule = _confusion(c)
    if rule:
        return rule
    claimed = int(c.value)
    diff = computed - claimed
    return (f"the computed {computed:,} is {diff:+,} from the claimed {claimed:,} ({_share(diff, claimed)} of the "
            f"claim, {'within' if _is_close(computed, claimed) else 'beyond'} the {CLOSE_SHARE:.0%} of a close "
            "match); no single rule reproduces it")


def _confusion(c) -> str:
    """Try the usual confusions and say which one reproduces the claim ('' when none does)."""
    claimed = int(c.value)
    other_unit = {"agreements": "agencies", "agencies": "agreements"}.get(c.unit)
    if other_unit and _count(c, c.as_of, unit=other_unit) == claimed:
        return f"the claim counts {other_unit}, not {c.unit}"
    lists = series_lists(asof.read_processed("lists.csv"), c.list or "participating")
    for d in lists["list_date"]:
        if abs(_age_days(c.as_of, d)) <= TIMING_DAYS and _count(c, d) == claimed:
            return f"the list of {d} gives exactly the claimed value (list timing)"
    if c.unit == "states" and not c.state:
        rows = asof.read_processed("list_rows.csv")
        lid = asof.list_row_for(asof.read_processed("lists.csv"), c.as_of, c.list or "participating")["list_id"]
        on = rows[rows["list_id"] == lid]
        if c.model:
            on = on[on["model"] == c.model]
        if on.loc[~on["state"].isin(["GU", "MP", "PR", "VI", "AS"]), "state"].nunique() == claimed:
            return "the claim leaves out territories, which ICE counts as states"
    return ""


def evaluate(c) -> Result:
    """Recompute one claim row (a namedtuple of COLUMNS)."""
    kind = c.list or "participating"
    if c.metric == "detention_top_state":
        as_of = pd.Timestamp(c.as_of)
        fy = as_of.year + (1 if as_of.month >= 10 else 0)
        ranking = detention.state_adp(fiscal_year=fy)
        top = ranking.iloc[0]
        verdict = "exact" if top["state"] == c.value else "differs"
        return Result(top["state"], top["release_date"], "detentionStats release of " + top["release_date"],
                      verdict, "" if verdict == "exact" else f"FY{fy} leader is {top['state']}",
                      f"FY{fy} ADP {top['adp_total']:,.0f}")
    in_force = None  # (list_date, source_file) at as_of: the same list whatever the age bound
    try:
        for day in (c.as_of, c.since) if c.metric == "net_change" else (c.as_of,):
            found = asof.list_in_force(day, kind)  # every day checked: a stale since is refused too
            in_force = in_force or found
    except asof.StaleError as stale:
        # the store refuses the list as too old to speak for the date: its value is kept for the record
        list_date, source_file = in_force or asof.list_in_force(c.as_of, kind, max_age_days=None)
        computed = _count(c, c.as_of, max_age_days=None) - (
            _count(c, c.since, max_age_days=None) if c.metric == "net_change" else 0)
        return Result(str(computed), list_date, source_file, "not_archived",
                      f"the newest list on or before {stale.as_of} is {stale.label}, {stale.age_days} days old "
                      f"(more than {stale.max_age_days}); " + _neighbours(stale.as_of, kind, lambda d: _count(c, d)))
    list_date, source_file = in_force
    if c.metric == "top_state":
        lid = asof.list_row_for(asof.read_processed("lists.csv"), c.as_of, kind)["list_id"]
        table = agreements.state_model_table(asof.read_processed("list_rows.csv"), lid)
        top = table.iloc[0]
        computed = top["state"]
        verdict = "exact" if computed == c.value else "differs"
        return Result(computed, list_date, source_file, verdict, "" if verdict == "exact" else
                      f"the list's leader is {computed}", f"{computed} {int(top['total'])} agreements")
    if c.metric == "count":
        computed = _count(c, c.as_of)
    else:
        computed = _count(c, c.as_of) - _count(c, c.since)
    claimed = int(c.value)
    extra = ""
    if c.metric == "net_change":
        ags = asof.read_processed("agreements.csv")
        lid = asof.list_row_for(asof.read_processed("lists.csv"), c.as_of, kind)["list_id"]
        rows = asof.read_processed("list_rows.csv")
        on_list = set(row_agreement_ids(rows[rows["list_id"] == lid]))
        new = ags[(ags["first_listed"] > c.since) & (ags["first_listed"] <= c.as_of) & ags["agreement_id"].isin(on_list)]
        extra = f"{len(new)} agreements on the {list_date} list were first listed after {c.since}"
    if computed == claimed:
        return Result(str(computed), list_date, source_file, "exact", "", extra)
    return Result(str(computed), list_date, source_file, "close" if _is_close(computed, claimed) else "differs",
                  _miss_reason(c, computed), extra)


def check(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every claim with computed value, list used, difference and verdict."""
    claims = load() if claims is None else claims
    out = []
    for c in claims.itertuples(index=False):
        r = evaluate(c)
        diff = ""
        if r.computed.lstrip("-").isdigit() and c.value.lstrip("-").isdigit():
            diff = str(int(r.computed) - int(c.value))
        out.append({**c._asdict(), "computed": r.computed, "list_date": r.list_date, "source_file": r.source_file,
                    "difference": diff, "verdict": r.verdict, "reason": r.reason, "also": r.extra})
    return pd.DataFrame(out)


def sentence(row) -> str:
    """One plain sentence for a claim that is not exact."""
    if row["verdict"] == "not_archived":
        stale = re.match(r"the newest list on or before (\S+) is", row["reason"])
        day = stale.group(1) if stale else row["as_of"]
        return (f"{row['outlet']} said {row['value']} for {row['as_of']}, but no archived ICE list is close to "
                f"{'that date' if day == row['as_of'] else day}: {row['reason'].split('; ', 1)[-1]}.")
    return (f"{row['outlet']} said {row['value']} ({row['statement']}); the ICE list of {row['list_date']} gives "
            f"{row['computed']} — {row['reason']}.")


# ---------------------------------------------------------------------------------------------
# The claims file: replaced only by one that passes this module's checks (`ice287g import-raw --claims`)


def sync_claims(src: Path | str) -> str:
    """Replace ``data/hand/news_claims.csv`` by the claims file ``src`` (an explicit path, never searched
    for) once it passes the claims schema and holds at least one claim; say what changed ('' if nothing)."""
    src = Path(src)
    incoming = load_claims(src)
    dst = paths.hand_dir() / "news_claims.csv"
    data = src.read_bytes()
    if dst.exists() and dst.read_bytes() == data:
        return ""
    before = "none"
    if dst.exists():
        try:
            before = str(len(load_claims(dst)))
        except RawDataError:
            before = "an invalid file"
    write_bytes(dst, data)
    return f"{paths.relative(dst)} updated from {src}: {before} -> {len(incoming)} claims"


def load_claims(src: Path | str) -> pd.DataFrame:
    """The claims in ``src``, validated by ``load``; a missing, malformed or header-only file stops."""
    src = Path(src)
    if not src.is_file():
        raise RawDataError(f"{src}: claims file not found")
    try:
        df = load(src)
    except ClaimError as exc:
        raise RawDataError(f"claims refused, data/hand/news_claims.csv kept: {exc}") from None
    if df.empty:
        raise RawDataError(f"{src}: claims refused, data/hand/news_claims.csv kept: no claim in it (header only)")
    return df
