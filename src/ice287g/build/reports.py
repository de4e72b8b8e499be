"""Per-state reports and the offline index page that links every report, notebook and figure.

``make reports`` runs ``notebooks/state_report.py`` with papermill once per state or territory that
ever had an agreement, into ``reports/states/XX.ipynb`` and ``.html`` (outputs such as the state's
figures go under ``reports/states/XX/``), renders the pipeline's executed notebooks to
``reports/notebooks/``, and writes ``reports/index.html``. Nothing here is committed: the reports
are rebuilt from the committed processed tables.

The table functions are pure: they take the processed tables and return frames, so the notebook
only draws and shows.
"""
from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

import nbformat
import pandas as pd
from IPython.display import Markdown, display
from markupsafe import Markup

from ..archive.manifests import ensure_verified
from ..core import files, paths
from ..core.states import states as census_states
from ..core.vocab import MODELS
from ..core.frames import column_rows
from ..detention.detention import release_for
from ..history import changes
from ..history.agreements import compare_lists, report_states
from ..history.asof import StaleError, list_row_for, read_processed
from ..history.identity import row_agreement_ids
from ..ingest.lists import series_lists
from ..places.maps import map_layers
from ..publish import brief, i18n, pages
from ..publish.change_pages import changes_html
from ..publish.charts import MODEL_NAMES, read_manifest
from ..publish.pages import table_part
from ..publish.release import zip_name
from ..publish.site import site_prefix, spanish_twin
from ..tables.schema import CORRECTIONS, LAW_ENFORCEMENT
from .notebook_html import render_html
from .pipeline import (
    NOTEBOOKS,
    executed_path,
    reading_order,
    relative_href,
    run_state_report,
    source_links,
    state_reports_folder,
)
from .registry import STATE_REPORT, validate_parameters

RECENT_DAYS = 90


def _county_names(counties: pd.DataFrame) -> dict[str, str]:
    return dict(zip(counties["county_fips"], counties["county"] + " County"))


AGENCY_COLUMNS = ["agency", "type", "county", "ori", "models", "signed", "status", "first_listed", "last_listed"]
# Links to the signed agreements, in agreements.csv once the history carries them (shown when present).
LINK_COLUMNS = ("moa_url", "addendum_url")


def _first_link(values) -> str:
    return next((v for v in values if isinstance(v, str) and v), "")


def agency_rows(agreements: pd.DataFrame, agencies: pd.DataFrame, places: pd.DataFrame, counties: pd.DataFrame,
                list_rows: pd.DataFrame, list_id: str, states: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per agency (of ``states``, default every state) with an agreement first listed on or before
    the list ``list_id``: ``state`` and ``AGENCY_COLUMNS``, plus ``moa_url``/``addendum_url`` when
    ``agreements`` has them. ``status`` is ``in force`` when one of its agreements is on that list, else
    ``ended`` (not on it any more); ``models``, ``signed``, ``county`` and the links describe the
    agreements in force (for an ended agency, the ones it had)."""
    on_list = list_rows[list_rows["list_id"] == list_id]
    list_date = on_list["list_date"].iloc[0] if len(on_list) else ""
    in_force = set(row_agreement_ids(on_list))
    links = [c for c in LINK_COLUMNS if c in agreements.columns]
    columns = ["state", *AGENCY_COLUMNS, *links]
    chosen = agreements["state"].isin(states) if states is not None else agreements["state"] != ""
    ags = agreements[chosen & (agreements["first_listed"] <= list_date)].copy()
    if ags.empty:
        return pd.DataFrame(columns=columns)
    p = places[places["agreement_id"].isin(ags["agreement_id"])]
    names = _county_names(counties)
    where = dict(zip(p["agreement_id"], ["statewide" if m == "statewide" else names.get(f, f or "not placed")
                                         for m, f in zip(p["method"], p["county_fips"])]))
    types = dict(zip(agencies["agency_id"], agencies["agency_type"]))
    # the FBI's ORI (agencies.csv ori): '' in a project without the rosters
    oris = dict(zip(agencies["agency_id"], agencies["ori"])) if "ori" in agencies.columns else {}
    order = {m: i for i, m in enumerate(MODELS)}
    ags = ags.assign(_m=ags["model"].map(order).fillna(len(MODELS))).sort_values(["_m", "signed"], kind="mergesort")
    # grouped in plain Python: per-group pandas indexing cost ~1 s a state on the thousands of agreements
    fields = ["agency_id", "agreement_id", "state", "agency", "model", "signed", "first_listed", "last_listed", *links]
    groups: dict[str, list[dict]] = {}
    for rec in column_rows(ags, fields):
        r = dict(zip(fields, rec))
        r["in_force"] = r["agreement_id"] in in_force
        r["county"] = where.get(r["agreement_id"], "")
        groups.setdefault(r["agency_id"], []).append(r)
    rows = []
    for agency_id in sorted(groups):
        g = groups[agency_id]
        current = [r for r in g if r["in_force"]]
        shown = current or g
        row = {
            "state": g[-1]["state"],
            "agency": g[-1]["agency"],
            "type": types.get(agency_id, ""),
            "county": "; ".join(dict.fromkeys(r["county"] for r in shown if r["county"])),
            "ori": oris.get(agency_id, ""),
            "models": ", ".join(dict.fromkeys(r["model"] or "unknown" for r in shown)),
            "signed": "; ".join(f"{r['model'] or 'unknown'} {r['signed'] or 'undated'}" for r in shown),
            "status": "in force" if current else "ended",
            "first_listed": min(r["first_listed"] for r in g),
            "last_listed": max(r["last_listed"] for r in g),
        }
        for c in links:  # the agreement in force's link first, then any the agency's agreements had
            row[c] = _first_link([*(r[c] for r in shown), *(r[c] for r in g)])
        rows.append(row)
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["state", "status", "agency"], ascending=[True, False, True], ignore_index=True)


def state_agencies(agreements: pd.DataFrame, agencies: pd.DataFrame, places: pd.DataFrame, counties: pd.DataFrame,
                   list_rows: pd.DataFrame, list_id: str, state: str) -> pd.DataFrame:
    """``agency_rows`` of one state, without the state column: ``AGENCY_COLUMNS`` (and the links when
    present), agencies in force first."""
    return agency_rows(agreements, agencies, places, counties, list_rows, list_id, [state]).drop(columns="state")


def _holders(agreements_on: pd.DataFrame) -> str:
    """'Agency (JEM, WSO)' for each agency of ``agreements_on`` (columns agency, model), joined with '; '."""
    models: dict[str, set] = {}
    for agency, model in zip(agreements_on["agency"], agreements_on["model"]):
        models.setdefault(agency, set()).add(model or "unknown")
    return "; ".join(f"{a} ({', '.join(m for m in (*MODELS, 'unknown') if m in ms)})" for a, ms in sorted(models.items()))


def statewide_summary(list_rows: pd.DataFrame, places: pd.DataFrame, list_id: str, state: str) -> str:
    """Markdown for the state report: the statewide agreements of ``state`` on list ``list_id`` and what they
    cover (``places``: agreement_places.csv with statewide_role). A corrections department's covers the people
    held in the state's prisons, not the state's residents: where it is the only kind, the report says so."""
    on = list_rows[(list_rows["list_id"] == list_id) & (list_rows["state"] == state)]
    on = on.assign(agreement_id=row_agreement_ids(on))
    sw = places.loc[places["method"] == "statewide", ["agreement_id", "statewide_role"]]
    held = on.merge(sw, on="agreement_id")
    if held.empty:
        return ("No statewide agreement is on this list: only the counties with a local agreement (shaded on the "
                "map) are covered.")
    enforcing = held[held["statewide_role"] == LAW_ENFORCEMENT]
    corrections = held[held["statewide_role"] == CORRECTIONS]
    prisons = ("a corrections department's agreement covers people held in the state's prisons, not the "
               "state's residents in general")
    if enforcing.empty:
        only = (f"The only statewide agreement on this list is the corrections department's {corrections['model'].iloc[0]}"
                f" ({corrections['agency'].iloc[0]})" if len(corrections) == 1 else
                f"The only statewide agreements on this list are the corrections department's: {_holders(corrections)}")
        return (f"{only}. As {prisons}, the state is not counted as covered statewide (it is hatched apart on the "
                "map): only its counties with a local agreement are.")
    text = f"Statewide agreements of law-enforcement agencies cover the whole state: {_holders(enforcing)}."
    if len(corrections):
        text += (f" The corrections department's are counted apart, as {prisons}: {_holders(corrections)}.")
    return text


def recent_changes(list_rows: pd.DataFrame, lists: pd.DataFrame, state: str, as_of: str = "newest",
                   days: int = RECENT_DAYS) -> tuple[pd.DataFrame, str, str]:
    """Additions, removals and model or date changes in ``state`` between the list in force ``days``
    before the list of ``as_of`` and that list: ``(changes, before_list_id, after_list_id)``."""
    after = list_row_for(lists, as_of)["list_id"]
    after_date = lists.set_index("list_id").loc[after, "list_date"]
    start = (pd.Timestamp(after_date) - pd.Timedelta(days=days)).date().isoformat()
    try:
        # any age: a window that opens inside an archive gap compares with the last list before the gap,
        # which the report names by its date
        before = list_row_for(lists, start, max_age_days=None)["list_id"]
    except ValueError:  # nothing archived that early: compare with the first list
        before = series_lists(lists).iloc[0]["list_id"]
    rows = list_rows[list_rows["state"] == state]
    return compare_lists(rows, before, after), before, after


def state_facilities(facilities: pd.DataFrame, counties: pd.DataFrame, state: str, as_of: str = "newest"
                     ) -> tuple[pd.DataFrame, str]:
    """Detention facilities of ``state`` in the newest detentionStats release on or before ``as_of``:
    ``facility, city, county, facility_type, adp_total`` (largest first) and the release date (``None``,
    with no rows, when no release was published within ``vocab.GAP_DAYS`` before ``as_of``)."""
    try:
        release = release_for(facilities["release_date"], as_of)
    except StaleError:  # the newest release before the date is too old to stand for it
        release = None
    if release is None:
        return pd.DataFrame(columns=["facility", "city", "county", "facility_type", "adp_total"]), None
    f = facilities[(facilities["release_date"] == release) & (facilities["state"] == state)].copy()
    f["county"] = f["county_fips"].map(_county_names(counties)).fillna("not placed")
    f["adp_total"] = pd.to_numeric(f["adp_total"]).round(1)
    cols = ["facility", "city", "county", "facility_type", "adp_total"]
    return f[cols].sort_values(["adp_total", "facility"], ascending=[False, True], ignore_index=True), release


# ---------------------------------------------------------------------------------------------
# Pages: rendered from the templates in templates/ (pages.render), which escape every value; the
# functions here only choose and shape the data a page shows.

TIMELINE_FIGURE, MAP_FIGURE = "agreements_timeline", "county_map"


def safe_url(url) -> str:
    """``url`` when it is an http(s) address, else ``""``: a link taken from data never runs script."""
    url = str(url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def show_title(title: str) -> None:
    """In a notebook: show ``title`` as the page's heading and name the rendered page after it
    (``notebook_html.page_title`` reads it back)."""
    display(Markdown(f"# {title}"), metadata={"ice287g_title": title})


def state_report_title(state_name: str, list_date: str, release: str | None) -> str:
    detention = f"ICE detention release of {release}" if release else "no ICE detention release in range"
    return f"287(g) in {state_name}: ICE list of {list_date}, {detention}"


def html_table(df: pd.DataFrame, headers: dict[str, str], numeric: Sequence[str] = (), table_id: str = "") -> str:
    """``df``'s ``headers`` columns as an HTML table, every cell escaped, in a box that scrolls sideways on
    a narrow screen."""
    return str(pages.part("table", **table_part(df, headers, numeric, table_id)))


# ---------------------------------------------------------------------------------------------
# The agency search

# The agency search's columns, in order (their headings: agencies.col.<column> of the catalogues)
AGENCY_COLUMN_ORDER = ("state", "agency", "county", "type", "ori", "models", "signed", "first_listed", "last_listed",
                       "status", "moa_url", "addendum_url")
STATUS_KEYS = {"in force": "in_force", "ended": "ended"}


def agencies_table_part(table: pd.DataFrame, state_names: dict[str, str] | None = None, lang: str = "en") -> dict:
    """The arguments of the ``agencies_table`` template macro: the columns present under ``lang``'s headings,
    each cell as text (the status in ``lang``), MOA and addendum addresses only where they are http(s)."""
    cols = [c for c in AGENCY_COLUMN_ORDER if c in table.columns]
    status = {v: i18n.message(lang, f"agencies.status.{k}") for v, k in STATUS_KEYS.items()}
    records = [{c: safe_url(v) if c in LINK_COLUMNS else status.get(v, v) if c == "status" else str(v)
                for c, v in rec.items()} for rec in table[cols].to_dict("records")]
    return {"records": records, "headers": {c: i18n.message(lang, f"agencies.col.{c}") for c in cols},
            "links": {c: i18n.message(lang, f"agencies.link.{c}") for c in LINK_COLUMNS if c in cols},
            "state_names": state_names or {}}


def agencies_table_html(table: pd.DataFrame, state_names: dict[str, str] | None = None) -> str:
    """``agency_rows`` (or ``state_agencies``) as the search's table: the columns present, names escaped,
    MOA and addendum links only where the address is http(s); each row carries its state code."""
    return str(pages.part("agencies_table", **agencies_table_part(table, state_names)))


def agency_search_href(state: str, as_of: str = "newest") -> str:
    """From a state report (``reports/states/XX.html``) to its slice of the agency search."""
    folder = state_reports_folder(as_of)
    name = "agencies.html" if folder == "states" else f"agencies_{folder.removeprefix('states_')}.html"
    return f"../{name}#state={state}"


def agencies_page(table: pd.DataFrame, list_date: str, state_names: dict[str, str], lang: str = "en",
                  twin: str = "") -> str:
    """``reports/agencies.html``: every agency ever listed (``agency_rows``), searchable offline; in ``lang``
    (the Spanish edition's ``es/agencies.html``), with a link to its ``twin`` in the other language."""
    links = [c for c in LINK_COLUMNS if c in table.columns]
    return pages.render(
        "site_agencies.html.j2", list_date=list_date, agencies=len(table), in_force=(table["status"] == "in force").sum(),
        moa=sum(bool(safe_url(u)) for u in table[links[0]]) if links else None,
        states=[(s, state_names.get(s, s)) for s in sorted(set(table["state"]))],
        table=agencies_table_part(table, state_names, lang), lang=lang, twin=twin)


# ---------------------------------------------------------------------------------------------
# Changes since the previous list (ice287g.changes), for the front page and each state report: the HTML
# comes from publish.change_pages, which the site's change pages and feeds share

FACILITY_HEADERS = {"facility": "Facility", "city": "City", "county": "County", "facility_type": "Type",
                    "adp_total": "People held on an average day"}

def change_report(as_of: str = "newest"):
    """``changes.build(after=as_of)``, built once per process while the tables it may read stay as they
    are (keyed by every processed and QA table's path, size and mtime, in the output root and the
    committed copy): a worker running many state reports compares the lists once, never from stale files."""
    key = []
    for base in dict.fromkeys((paths.output_root(), paths.project_root())):
        for folder in ("processed", "qa"):
            with contextlib.suppress(FileNotFoundError), os.scandir(base / "data" / folder) as entries:
                for entry in entries:
                    st = entry.stat()
                    key.append((entry.path, st.st_size, st.st_mtime_ns))
    return _change_report(str(as_of), tuple(sorted(key)))


@lru_cache(maxsize=4)
def _change_report(as_of: str, inputs: tuple):
    return changes.build(after=as_of)


# ---------------------------------------------------------------------------------------------
# The front page

def index_html(states: pd.DataFrame, notebooks: Sequence[str], figures: pd.DataFrame,
               folder: str = "states", *, newest: pd.Series | None = None, totals: pd.DataFrame | None = None,
               changes: str = "", data_files: Sequence[str] = (), shares: str = "") -> str:
    """``reports/index.html``, the front page: the newest list (``newest``, its ``lists.csv`` row) and its
    totals by model (``changes.national_totals``), the national timeline and county map, what changed
    (``changes``: HTML of ``changes_html``), the national shares of sheriffs and police in the program
    (``shares``: ``brief.shares_text``), one row per state report, the notebooks, every figure, and
    the downloads (the data release by its name, ``data_files`` relative to the project root).

    ``states``: ``state, state_name, agreements, agencies, list_date``; ``notebooks``: pipeline notebook
    names in reading order; ``figures``: ``figures/manifest.csv``; ``folder``: where the state reports
    are, under ``reports/``. Links are relative and reach the project's files as the site (``make site``,
    ``publish.site``) places them, so the page works in ``site/`` opened from disk with no server.
    """
    list_date = newest["list_date"] if newest is not None else (states["list_date"].max() if len(states) else "")
    lead = [r for r in figures.to_dict("records") if r["slug"] in (TIMELINE_FIGURE, MAP_FIGURE)]
    return pages.render(
        "site_index.html.j2", list_date=list_date, newest=newest, totals=None if totals is None else totals_part(totals),
        lead=sorted(lead, key=lambda r: r["slug"] != TIMELINE_FIGURE), changes=Markup(changes),
        states=states.sort_values("state").to_dict("records"),
        states_list_date=states["list_date"].max() if len(states) else "", folder=folder, notebooks=notebooks,
        figures=figures.sort_values("slug").to_dict("records"), release=zip_name(list_date) if list_date else "",
        data_files=data_files, shares=shares, project=site_prefix(paths.project_root(), paths.reports_dir()))


def totals_part(totals: pd.DataFrame, lang: str = "en") -> dict:
    """The front page's agreements by model (``changes.national_totals``) as ``table`` macro arguments, in
    ``lang``."""
    n = lambda v: i18n.number(lang, v)
    t = totals.assign(name=[i18n.message(lang, f"model.{m}") if m in (*MODEL_NAMES, "ALL") else m for m in totals["model"]],
                      change=[("+" if v > 0 else "") + n(v) if v else "0" for v in totals["change"]],
                      after=[n(v) for v in totals["after"]], before=[n(v) for v in totals["before"]])
    words = {k: i18n.message(lang, f"col.{k}") for k in ("model", "agreements", "previous", "change")}
    return table_part(t, {"model": words["model"], "name": "", "after": words["agreements"],
                          "before": words["previous"], "change": words["change"]},
                      numeric=("after", "before", "change"))


def state_index_rows(list_rows: pd.DataFrame, lists: pd.DataFrame, states_done: Sequence[str],
                     as_of: str = "newest") -> pd.DataFrame:
    """``state, state_name, agreements, agencies, list_date``: each state's agreements and agencies on the
    list of ``as_of``."""
    newest = list_row_for(lists, as_of)["list_id"]
    on_list = list_rows[list_rows["list_id"] == newest]
    on = on_list.groupby("state").size()
    agencies = on_list.groupby("state")["agency_id"].nunique()
    names = census_states().set_index("state")["state_name"]
    return pd.DataFrame({
        "state": list(states_done),
        "state_name": [names.get(s, s) for s in states_done],
        "agreements": [int(on.get(s, 0)) for s in states_done],
        "agencies": [int(agencies.get(s, 0)) for s in states_done],
        "list_date": lists.set_index("list_id").loc[newest, "list_date"],
    })


def render_pipeline_notebooks(names: Sequence[str], out_dir: Path) -> list[Path]:
    """HTML of each committed executed notebook, for reading in a browser (code hidden, linked)."""
    written = []
    for name in names:
        nb = nbformat.read(executed_path(name), as_version=4)
        page_html = render_html(nb, title=name, root=relative_href(paths.reports_dir(), out_dir),
                                sources=source_links(name, executed_path(name), out_dir),
                                twin=spanish_twin(out_dir / f"{name}.html"))
        written.append(files.write_text(out_dir / f"{name}.html", page_html))
    return written


def agency_search_rows(as_of: str = "newest") -> tuple[pd.DataFrame, str, dict[str, str]]:
    """The agency search's rows (``agency_rows``) of the list of ``as_of``, that list's date, and the state
    names: what both editions' searches show."""
    lists, rows = read_processed("lists.csv"), read_processed("list_rows.csv")
    list_id = list_row_for(lists, as_of)["list_id"]
    counties, _ = map_layers()
    table = agency_rows(read_processed("agreements.csv"), read_processed("agencies.csv"), read_processed("agreement_places.csv"),
                        counties, rows, list_id)
    return table, lists.set_index("list_id").loc[list_id, "list_date"], census_states().set_index("state")["state_name"].to_dict()


def write_agencies_page(as_of: str = "newest") -> Path:
    """``reports/agencies.html`` (``agencies_<date>.html`` for another date) from the processed tables."""
    folder = state_reports_folder(as_of)
    name = "agencies.html" if folder == "states" else f"agencies_{folder.removeprefix('states_')}.html"
    page_html = agencies_page(*agency_search_rows(as_of), twin="es/agencies.html" if folder == "states" else "")
    return files.write_text(paths.reports_dir() / name, page_html)


def state_reports_on_disk(as_of: str = "newest") -> list[str]:
    """The states whose report of ``as_of`` is on disk: the ones the front page links."""
    folder = paths.reports_dir() / state_reports_folder(as_of)
    return [s for s in report_states(read_processed("agreements.csv")) if (folder / f"{s}.html").exists()]


def front_page_parts(as_of: str = "newest") -> dict:
    """The front page's data: the list row, totals by model against the list before, the change report
    as HTML, the national shares of sheriffs and police in the program, and the processed tables to download."""
    lists = read_processed("lists.csv")
    rep = changes.build(after=as_of)
    newest = lists.set_index("list_id").loc[rep.after["list_id"]]
    data_dir = paths.project_root() / "data" / "processed"
    data_files = sorted(paths.relative(p) for p in data_dir.iterdir() if p.suffix in (".csv", ".gpkg"))
    return {"newest": newest, "totals": rep.totals, "changes": changes_html(rep), "data_files": data_files,
            "shares": brief.national_shares_text("en", read_processed("state_agency_shares.csv"),
                                                 list_date=newest["list_date"])}


def _run_one(state: str, as_of: str) -> str:
    # one kernel per worker runs its states in turn: imports and tables are loaded once per worker
    # the raw files were verified once, by build_reports
    return paths.relative(run_state_report(state, as_of, reuse_kernel=True, verify=False).notebook)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def build_reports(states: Sequence[str] | None = None, as_of: str = "newest", *, workers: int | None = None,
                  progress=print) -> Path:
    """Run the state report for ``states`` (default: every state that ever had an agreement), render the
    pipeline notebooks, and write ``reports/index.html``. Reports run in ``workers`` processes, each with
    one kernel that runs its states in turn (``kernels.ReusedKernel``, a fresh session per state), each
    kernel start guarded by a lock (``kernels.kernel_start_guard``); ``workers=1`` runs them serially."""
    # refused before any work: an unknown code, a date before the first list or inside an archive gap
    as_of = validate_parameters(STATE_REPORT.name, {"as_of": as_of})["as_of"]
    states = [validate_parameters(STATE_REPORT.name, {"state": s})["state"] for s in states or ()]
    ags = read_processed("agreements.csv")
    chosen = list(states) if states else report_states(ags)
    unknown = sorted(set(chosen) - set(report_states(ags)))
    if unknown:
        raise ValueError(f"no agreement ever listed for {unknown}; states with reports: {report_states(ags)}")
    ensure_verified()  # once here, not once a state: an edited raw file stops the run before any kernel starts
    workers = workers or default_workers()
    if workers == 1 or len(chosen) == 1:
        for state in chosen:
            progress(f"reports: {state} -> {_run_one(state, as_of)}")
    else:
        # spawn, not fork: each worker sets its own environment for its run
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {state: pool.submit(_run_one, state, as_of) for state in chosen}
            for state, future in futures.items():
                progress(f"reports: {state} -> {future.result()}")
    out = paths.reports_dir()
    folder = state_reports_folder(as_of)
    if not states:  # a full run: drop reports of states no longer in the history
        for stale in sorted((out / folder).glob("*")):
            if stale.name.split(".")[0] not in chosen:
                shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    render_pipeline_notebooks([nb.name for nb in NOTEBOOKS], out / "notebooks")
    write_agencies_page(as_of)
    # the index links every report on disk, so a run for a few states keeps the others linked
    rows = state_index_rows(read_processed("list_rows.csv"), read_processed("lists.csv"), state_reports_on_disk(as_of),
                            as_of)
    front = index_html(rows, reading_order(), read_manifest(paths.project_root() / "figures"), folder,
                       **front_page_parts(as_of))
    name = "index.html" if folder == "states" else f"index_{folder.removeprefix('states_')}.html"
    return files.write_text(out / name, front)
