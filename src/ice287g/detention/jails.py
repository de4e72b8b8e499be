"""Jails that hold people for ICE, run by agencies with 287(g) agreements: detention facilities matched to
the agencies operating them, and ICE detention by county beside the local agreements.

Matching is conservative, and every match carries the rule that made it (``match_rule``):

- only facilities of a local operator type (``LOCAL_TYPES``: intergovernmental service agreements with a
  county or city, the Marshals' intergovernmental agreements, county juvenile halls) are candidates;
  contract facilities, ICE's own processing centers, dedicated IGSAs (run by companies), federal prisons
  and every other type are never matched;
- the facility and the agency are placed in the same county (the facility by the detention crosswalks,
  the agency by ``agreement_places.csv``);
- the names give evidence (``RULES``): the facility bears the agency's own name; or it names its own
  county and a jail ("<County> County Jail", "… Detention Center", "… Justice Center", "… Sheriff"), or
  only the county, and the agency is the county's own jail or corrections department where ICE lists one as a
  287(g) agency, else the county's sheriff; or it is a city's jail and the agency that city's police;
- who runs the facility (``ice287g.operators``: a row of ``data/hand/facility_operators.csv``, else ICE's
  facility lists, the 2017 list before the 2015 list) decides before the names: a facility a company runs is
  never matched; one whose operator is named by hand is matched to that agency when it holds an agreement; the
  sheriff is never matched to a facility whose operator is someone else (a county department, a jailer, a
  city), nor to a county jail of a state where county jails are run by another officer (``JAILER_STATES``); a
  county correctional center whose operator ICE names as the sheriff is the sheriff's.

A local facility in a county with a local agreement that no rule matches is listed with the reason
(``unmatched``), and every table carries the facility's operator and its evidence. Which agreements count:
those on the participating list in force at the date asked
(``asof.list_row_for``); a release with no list in force is a gap, never a zero.
"""
from __future__ import annotations

import re

import pandas as pd

from ..ingest import census
from ..places import geography
from ..places import maps
from .detention import lists_in_force, release_for, vs_agreements_picks
from ..core.keys import agency_key
from ..history.identity import row_agreement_ids
from .operators import OPERATOR_COLUMNS, PRIVATE, SHERIFF, UNKNOWN, Operator, spell_out
from .operators import columns as operator_columns
from ..tables.qa import check_row
from ..tables.schema import JAIL_REASONS, JAIL_RULES
from ..history.asof import is_newest, iso_date, list_row_for
from ..core.vocab import GAP_DAYS, MODELS

# ICE's facility types run by a county or city under an agreement with ICE or the Marshals.
LOCAL_TYPES = ("IGSA", "USMS IGA", "JUVENILE")
LOCAL_LEVELS = ("County", "Municipal", "Other")

# The labels are declared once, in the schema (the codebook lists them and writers validate against them).
(RULE_SAME_NAME, RULE_COUNTY_JAIL, RULE_COUNTY_ONLY, RULE_COUNTY_CORRECTIONS, RULE_CITY_JAIL, RULE_HAND_OPERATOR,
 RULE_SHERIFF_OPERATOR) = RULES = JAIL_RULES
(WHY_OTHER_COUNTY, WHY_NO_JAIL_NAME, WHY_CORRECTIONAL, WHY_NO_OPERATOR, WHY_NO_POLICE, WHY_AMBIGUOUS, WHY_PRIVATE,
 WHY_JAILER_STATE, WHY_NOT_SHERIFF) = REASONS = JAIL_REASONS
SHERIFF_RULES = (RULE_COUNTY_JAIL, RULE_COUNTY_ONLY, RULE_SHERIFF_OPERATOR)

# States whose county jails someone other than the sheriff runs: there, a county jail is never the sheriff's by
# its name (the README and the jails notebook list these with the reason).
JAILER_STATES = {
    "KY": ("Kentucky's county jails are run by the county's elected jailer, not the sheriff (Kentucky Constitution "
           "section 99; KRS 71.020 gives the jailer the custody, rule and charge of the jail; the sheriff acts as "
           "jailer only while the office is vacant, KRS 71.090)"),
}

NEWEST = "newest"
ROLE_SHERIFF, ROLE_CORRECTIONS, ROLE_POLICE = "sheriff", "corrections", "police"

_TAIL = re.compile(r"\s*(\([^)]*\)|,\s*[A-Z]{2})\s*$")  # "(NY)", ", MT": the state ICE appends to a name
JAIL_WORDS = re.compile(r"\b(JAIL|DETENTION|JUSTICE|SHERIFF|SHERIFFS|PUBLIC SAFETY|LAW ENFORCEMENT CENTER|ADC)\b")
CORRECTIONAL_WORDS = re.compile(r"\b(CORRECTIONAL|CORRECTIONS|CORRECTION|PRISON|PENAL)\b")
CORRECTIONS_AGENCY = re.compile(r"\b(JAIL|DETENTION|CORRECTIONAL|CORRECTIONS|CORRECTION|PRISON)\b")
CITY_JAIL = re.compile(r"^(?:CITY OF )?(.+?) (?:CITY )?(?:JAIL|DETENTION|POLICE)\b")

MATCH_COLUMNS = ["facility", "state", "county_fips", "facility_type", "agency_id", "agency", "models", "match_rule",
                 "adp_total", "first_release", "last_release", *OPERATOR_COLUMNS, "release_date", "list_date"]
UNMATCHED_COLUMNS = ["facility", "city", "state", "county_fips", "facility_type", "adp_total", "reason",
                     "local_agencies", *OPERATOR_COLUMNS, "release_date", "list_date"]


def facility_name(name: str) -> str:
    """A facility (or agency) name as a key: the agencies' identity key (``keys.agency_key``: case,
    punctuation and abbreviations such as CO folded), a trailing state tag dropped, ICE's facility
    abbreviations (DET, CTR ...) spelled out."""
    return spell_out(agency_key(_TAIL.sub("", str(name).upper().strip())))


def named_county(state: str, name: str) -> str:
    """County FIPS the (facility or agency) name names ("Kay Co Justice Facility" -> Kay County), or ''."""
    hits = census.counties_in_name(state, facility_name(name))
    return hits[0] if len(hits) == 1 else ""


def agency_role(state: str, agency: str, level: str, counties: tuple[str, ...]) -> str:
    """What a local agency is to a jail: the county's ``sheriff``, the county's jail or ``corrections``
    agency (both only when its name names the one county it is placed in), a city's ``police``, or ''."""
    key = facility_name(agency)
    if level == "County" and len(counties) == 1 and named_county(state, agency) == counties[0]:
        if re.search(r"\bSHERIFFS?\b", key):
            return ROLE_SHERIFF
        if CORRECTIONS_AGENCY.search(key):
            return ROLE_CORRECTIONS
    if level == "Municipal" and re.search(r"\bPOLICE\b", key):
        return ROLE_POLICE
    return ""


def local_agencies(list_rows: pd.DataFrame, places: pd.DataFrame, list_id: str) -> pd.DataFrame:
    """One row per local agency (county, municipal or other level) on one list: ``agency_id, state, agency,
    level, counties`` (tuple of FIPS), ``models`` (';'-joined in MODELS order), ``role``, ``town``."""
    on = list_rows[list_rows["list_id"] == list_id]
    on = on.assign(agreement_id=row_agreement_ids(on))
    placed = on.merge(places[["agreement_id", "jurisdiction_level", "county_fips"]], on="agreement_id", how="left")
    placed = placed[placed["jurisdiction_level"].isin(LOCAL_LEVELS) & placed["county_fips"].fillna("").ne("")]
    out = []
    for agency_id, g in placed.groupby("agency_id", sort=True):
        counties = tuple(sorted({f for v in g["county_fips"] for f in v.split(";")}))
        level = g["jurisdiction_level"].mode().iloc[0]
        state, agency = g["state"].iloc[0], g["agency"].iloc[0]
        out.append({"agency_id": agency_id, "state": state, "agency": agency, "level": level, "counties": counties,
                    "models": ";".join(m for m in MODELS if m in set(g["model"])),
                    "role": agency_role(state, agency, level, counties),
                    "town": geography.municipality_in_name(agency) if level == "Municipal" else ""})
    return pd.DataFrame(out, columns=["agency_id", "state", "agency", "level", "counties", "models", "role", "town"])


def _city_of_jail(key: str) -> str:
    m = CITY_JAIL.match(key)
    return geography.municipality_in_name(m.group(1)) if m and not re.search(r"\b(COUNTY|PARISH)\b", key) else ""


def match_one(facility: str, state: str, city: str, county_fips: str, candidates: pd.DataFrame,
              operator: Operator = UNKNOWN) -> tuple[pd.Series | None, str]:
    """The agency running one local facility among the local agencies placed in its county, and the rule
    (or, when none fits, ``(None, reason)``). ``operator`` is who runs it (``operators.resolve``)."""
    if operator.private:
        return None, WHY_PRIVATE
    key = facility_name(facility)
    same = candidates[[facility_name(a) == key for a in candidates["agency"]]]
    if len(same) == 1:
        return same.iloc[0], RULE_SAME_NAME
    if operator.from_hand:
        named = candidates[[facility_name(a) == facility_name(operator.name) for a in candidates["agency"]]]
        if len(named) == 1:
            return named.iloc[0], RULE_HAND_OPERATOR
    county = named_county(state, facility)
    if county and county != county_fips:
        return None, WHY_OTHER_COUNTY
    if county:
        sheriffs = candidates[candidates["role"] == ROLE_SHERIFF]
        corrections = candidates[candidates["role"] == ROLE_CORRECTIONS]
        bare = key == facility_name(census.counties().set_index("county_fips").loc[county, "county_full"])
        sheriff_may = operator.sheriff_possible and state not in JAILER_STATES
        not_sheriff = WHY_JAILER_STATE if state in JAILER_STATES else WHY_NOT_SHERIFF
        if CORRECTIONAL_WORDS.search(key) and not JAIL_WORDS.search(key):
            if len(corrections) == 1:
                return corrections.iloc[0], RULE_COUNTY_CORRECTIONS
            if len(corrections) > 1:
                return None, WHY_AMBIGUOUS
            # ICE's list (or a hand row) says the sheriff runs it: the sheriff's, not a company's or a department's
            if operator.kind == SHERIFF and sheriff_may and len(sheriffs) == 1:
                return sheriffs.iloc[0], RULE_SHERIFF_OPERATOR
            return None, WHY_CORRECTIONAL
        if not (JAIL_WORDS.search(key) or bare):
            return None, WHY_NO_JAIL_NAME
        if not bare and len(corrections):  # the county's own jail or corrections agency runs the jail, not the sheriff
            return (corrections.iloc[0], RULE_COUNTY_CORRECTIONS) if len(corrections) == 1 else (None, WHY_AMBIGUOUS)
        if not len(sheriffs):
            return None, WHY_NO_OPERATOR
        if not sheriff_may:
            return None, not_sheriff
        if len(sheriffs) == 1:
            return sheriffs.iloc[0], RULE_COUNTY_JAIL if not bare else RULE_COUNTY_ONLY
        return None, WHY_AMBIGUOUS
    town = _city_of_jail(key)
    if town and town == geography.municipality_in_name(city):
        police = candidates[(candidates["role"] == ROLE_POLICE) & (candidates["town"] == town)]
        if len(police) == 1:
            return police.iloc[0], RULE_CITY_JAIL
        return None, WHY_AMBIGUOUS if len(police) > 1 else WHY_NO_POLICE
    return None, WHY_NO_JAIL_NAME


def seen(facilities: pd.DataFrame) -> pd.DataFrame:
    """First and last release each facility (name key and state) appears in, whatever its type."""
    keyed = facilities.assign(key=[facility_name(f) for f in facilities["facility"]])
    return keyed.groupby(["key", "state"]).agg(first_release=("release_date", "min"),
                                               last_release=("release_date", "max")).reset_index()


def match(facilities: pd.DataFrame, agencies: pd.DataFrame, release_date: str, list_date: str,
          operators: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(matches, unmatched)`` for one release: every local facility placed in a county where a local agency
    holds an agreement, matched by a rule or listed with the reason, each with its operator. ``facilities`` holds
    every release (for first and last seen); ``agencies`` is ``local_agencies`` of the list in force;
    ``operators`` maps ``(facility, city, state)`` to its ``operators.Operator`` (``operators.resolve``; a
    facility missing from it has an unknown operator)."""
    operators = operators or {}
    rel = facilities[facilities["release_date"] == release_date]
    local = rel[rel["facility_type"].isin(LOCAL_TYPES) & (rel["county_fips"] != "")]
    by_county: dict = {}
    for i, counties in enumerate(agencies["counties"]):
        for f in counties:
            by_county.setdefault(f, []).append(i)
    found, missed = [], []
    for r in local.itertuples(index=False):
        rows = by_county.get(r.county_fips)
        if not rows:
            continue
        candidates = agencies.iloc[rows]
        operator = operators.get((r.facility, r.city, r.state), UNKNOWN)
        agency, rule = match_one(r.facility, r.state, r.city, r.county_fips, candidates, operator)
        base = {"facility": r.facility, "state": r.state, "county_fips": r.county_fips,
                "facility_type": r.facility_type, "adp_total": pd.to_numeric(r.adp_total, errors="coerce"),
                **operator_columns(operator), "release_date": release_date, "list_date": list_date}
        if agency is None:
            missed.append({**base, "city": r.city, "reason": rule,
                           "local_agencies": "; ".join(sorted(candidates["agency"]))})
        else:
            found.append({**base, "agency_id": agency["agency_id"], "agency": agency["agency"],
                          "models": agency["models"], "match_rule": rule, "key": facility_name(r.facility)})
    matches = pd.DataFrame(found, columns=[*MATCH_COLUMNS, "key"])
    if len(matches):
        matches = matches.drop(columns=["first_release", "last_release"]).merge(
            seen(facilities), on=["key", "state"], how="left")
    matches = matches[MATCH_COLUMNS].sort_values(["state", "facility", "agency_id"], ignore_index=True)
    unmatched = pd.DataFrame(missed, columns=UNMATCHED_COLUMNS)
    return matches, unmatched.sort_values(["state", "facility"], ignore_index=True)


def matches_at(facilities: pd.DataFrame, list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame,
               release_date: str, list_as_of=None, max_age_days: int | None = GAP_DAYS, operators: dict | None = None):
    """``match`` for one release against the list in force at ``list_as_of`` (default: the release date;
    ``newest``: the newest list)."""
    lst = list_row_for(lists, list_as_of or release_date, max_age_days=max_age_days)
    return match(facilities, local_agencies(list_rows, places, lst["list_id"]), release_date, lst["list_date"],
                 operators)


def choose(releases: pd.DataFrame, as_of, fiscal_year: int = 0,
           max_age_days: int | None = GAP_DAYS) -> tuple[str, str]:
    """``(release_date, list_as_of)``: the release matched (the last of ``fiscal_year``, else the one in force
    at ``as_of``) and the date whose participating list counts (``as_of``; for ``newest`` the newest list, or
    with a fiscal year the list in force at its release)."""
    if fiscal_year:
        pick = releases[(releases["fiscal_year"].astype(int) == int(fiscal_year))]
        if pick.empty:
            raise ValueError(f"no detention release for fiscal year {fiscal_year}")
        release = pick["release_date"].max()
    else:
        release = release_for(releases["release_date"], as_of, max_age_days)
        if release is None:
            raise ValueError(f"no detention release on or before {as_of}")
    if not is_newest(as_of):
        return release, iso_date(as_of)
    return release, (release if fiscal_year else NEWEST)


def totals(matches: pd.DataFrame) -> dict:
    """Agencies, facilities and ADP (sum over matched facilities) of a matches table."""
    return {"agencies": int(matches["agency_id"].nunique()), "facilities": len(matches),
            "adp": float(pd.to_numeric(matches["adp_total"]).fillna(0).sum())}


# ---------------------------------------------------------------------------------------------
# Counties


COUNTY_COLUMNS = ["release_date", "fiscal_year", "fy_end", "county_fips", "county", "state", "facilities",
                  "adp_total", "local_JEM", "local_WSO", "local_TFM", "local_agreement", "statewide", "list_id",
                  "list_date"]


def county_detention(facilities: pd.DataFrame, releases: pd.DataFrame, list_rows: pd.DataFrame,
                     lists: pd.DataFrame, places: pd.DataFrame,
                     max_age_days: int | None = GAP_DAYS) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Per county holding a facility, at each fiscal-year-end release and the newest: ICE detention ADP, the
    local agreements placed in the county by model and whether a statewide agreement covers its state, on
    the list in force at the release. Returns the table and ``(release_date, why)`` for each release with no
    list in force, which has no rows: a gap, not a zero."""
    names = census.counties().set_index("county_fips")
    out = []
    paired, gaps = lists_in_force(vs_agreements_picks(releases), lists, max_age_days)
    for rel, lst in paired:
        fac = facilities[(facilities["release_date"] == rel.release_date) & (facilities["county_fips"] != "")]
        per = fac.groupby("county_fips").agg(facilities=("facility", "size"),
                                             adp_total=("adp_total", lambda s: pd.to_numeric(s, errors="coerce").sum()))
        on = list_rows[list_rows["list_id"] == lst["list_id"]]
        local = geography.agreement_counties(on, places, [lst["list_id"]])
        by_model = pd.crosstab(local["county_fips"], local["model"]).reindex(columns=list(MODELS), fill_value=0)
        per = per.join(by_model.add_prefix("local_"), how="left").fillna(
            {f"local_{m}": 0 for m in MODELS}).reset_index()
        statewide = set(maps.coverage_on_list(on, places, lst["list_id"])[1])
        per["state"] = per["county_fips"].map(names["state"])
        per["county"] = per["county_fips"].map(names["county_full"])
        per["local_agreement"] = per[[f"local_{m}" for m in MODELS]].sum(axis=1) > 0
        per["statewide"] = per["state"].isin(statewide)
        out.append(per.assign(release_date=rel.release_date, fiscal_year=rel.fiscal_year, fy_end=rel.fy_end,
                              list_id=lst["list_id"], list_date=lst["list_date"]))
    if not out:
        return pd.DataFrame(columns=COUNTY_COLUMNS), gaps
    df = pd.concat(out, ignore_index=True)
    for c in ("facilities", *(f"local_{m}" for m in MODELS)):
        df[c] = df[c].astype("int64")
    df["adp_total"] = df["adp_total"].round(3)
    return df[COUNTY_COLUMNS].sort_values(["release_date", "county_fips"], ignore_index=True), gaps


def share_in_local_counties(county: pd.DataFrame, releases: pd.DataFrame, gaps) -> pd.DataFrame:
    """Per pick release: ADP in counties with a local agreement, in all counties, and the share; a release
    with no list in force keeps its row with an empty share (a gap)."""
    picks = vs_agreements_picks(releases)[["release_date", "fiscal_year", "fy_end"]].reset_index(drop=True)
    g = county.groupby("release_date")
    out = picks.assign(
        adp_all=picks["release_date"].map(g["adp_total"].sum()),
        adp_local=picks["release_date"].map(county[county["local_agreement"]].groupby("release_date")["adp_total"]
                                            .sum()).fillna(0.0),
        list_date=picks["release_date"].map(g["list_date"].first()))
    gap_days = {d for d, _ in gaps}
    out.loc[out["release_date"].isin(gap_days), ["adp_all", "adp_local"]] = float("nan")
    out["share_local"] = out["adp_local"] / out["adp_all"]
    return out


# ---------------------------------------------------------------------------------------------
# QA


def qa_rows(matches: pd.DataFrame, unmatched: pd.DataFrame, agencies: pd.DataFrame, facilities: pd.DataFrame,
            release_date: str, gaps=()) -> pd.DataFrame:
    """Rows for data/qa/qa_summary.csv (checks start with ``jails_``): every match is of a local operator type,
    in a county where its agency is placed, by a known rule, one agency per facility, none of a private operator,
    none by a sheriff rule in ``JAILER_STATES``; every local facility in a county with a local agreement is
    matched or listed unmatched; releases with no list in force."""
    rows = []
    not_local = matches[~matches["facility_type"].isin(LOCAL_TYPES)]
    rows.append(check_row("jails_match_local_type", release_date,
                          f"{len(not_local)} matched facilities of another type"
                          + (f" ({', '.join(sorted(not_local['facility'] + ' ' + not_local['facility_type']))})"
                             if len(not_local) else ""),
                          f"only {', '.join(LOCAL_TYPES)}", "fail" if len(not_local) else "pass"))
    counties_of = dict(zip(agencies["agency_id"], agencies["counties"]))
    elsewhere = [f"{r.facility} ({r.county_fips}) <-> {r.agency}" for r in matches.itertuples()
                 if r.county_fips not in counties_of.get(r.agency_id, ())]
    rows.append(check_row("jails_match_same_county", release_date, f"{len(elsewhere)} matches across counties"
                          + (f": {'; '.join(elsewhere)}" if elsewhere else ""),
                          "the agency placed in the facility's county", "fail" if elsewhere else "pass"))
    unknown = sorted(set(matches["match_rule"]) - set(RULES))
    rows.append(check_row("jails_match_rule_known", release_date, f"{len(unknown)} unknown rules {unknown}",
                          "every match by a rule of jails.RULES", "fail" if unknown else "pass"))
    private = matches[matches["operator_kind"] == PRIVATE]
    rows.append(check_row("jails_no_private_operator_matched", release_date, f"{len(private)} matched facilities "
                          "run by a company" + (f" ({'; '.join(private['facility'] + ': ' + private['operator'])})"
                                                if len(private) else ""),
                          "0 (a facility a company runs is never a 287(g) agency's)",
                          "fail" if len(private) else "pass"))
    jailer = matches[matches["state"].isin(list(JAILER_STATES)) & matches["match_rule"].isin(SHERIFF_RULES)]
    rows.append(check_row("jails_no_sheriff_rule_in_jailer_states", release_date,
                          f"{len(jailer)} county jails of {', '.join(sorted(JAILER_STATES))} matched to a sheriff"
                          + (f" ({'; '.join(jailer['facility'] + ' <-> ' + jailer['agency'])})" if len(jailer) else ""),
                          "0 (jails.JAILER_STATES: there another officer runs the county jail)",
                          "fail" if len(jailer) else "pass"))
    twice = matches[matches.duplicated(["facility", "state", "county_fips"], keep=False)]
    rows.append(check_row("jails_one_agency_per_facility", release_date, f"{len(twice)} rows of facilities "
                          "matched twice", "0", "fail" if len(twice) else "pass"))
    rel = facilities[(facilities["release_date"] == release_date) & facilities["facility_type"].isin(LOCAL_TYPES)]
    local_counties = {f for c in agencies["counties"] for f in c}
    owed = rel[rel["county_fips"].isin(local_counties)]
    listed = set(zip(matches["facility"], matches["county_fips"])) | set(zip(unmatched["facility"],
                                                                              unmatched["county_fips"]))
    lost = owed[[k not in listed for k in zip(owed["facility"], owed["county_fips"])]]
    rows.append(check_row("jails_local_facilities_accounted", release_date,
                          f"{len(owed) - len(lost)}/{len(owed)} matched or listed in data/qa/unmatched_jails.csv",
                          f"{len(owed)}/{len(owed)}", "fail" if len(lost) else "pass"))
    for gap_day, why in gaps:
        rows.append(check_row("jails_no_list", gap_day, why, "a list in force at the release (left out of "
                              "county_detention_287g.csv)", "info"))
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# State reports


def state_summary(matches: pd.DataFrame, state: str) -> str:
    """The state report's one line (markdown): how many of the state's 287(g) agencies run a facility holding
    ICE detainees, which, and their average daily population, from ``agency_facility_matches.csv``."""
    part = matches[matches["state"] == state]
    when = (f" (ICE detention release of {matches['release_date'].iloc[0]}, 287(g) list of "
            f"{matches['list_date'].iloc[0]})" if len(matches) and "release_date" in matches else "")
    if part.empty:
        return (f"**Jails holding ICE detainees:** no facility holding ICE detainees{when} is run by one of the "
                f"state's 287(g) agencies by the matching rules of `ice287g.detention.jails`.")
    adp = pd.to_numeric(part["adp_total"]).fillna(0).sum()
    agencies = part.groupby("agency")["facility"].apply(lambda s: ", ".join(sorted(s)))
    named = "; ".join(f"{a} ({f})" for a, f in agencies.items())
    n = part["agency_id"].nunique()
    return (f"**Jails holding ICE detainees:** {n} of the state's 287(g) {'agency runs' if n == 1 else 'agencies run'}"
            f" {len(part)} {'facility' if len(part) == 1 else 'facilities'} holding an average of {adp:,.0f} "
            f"people a day for ICE{when}: {named}.")
