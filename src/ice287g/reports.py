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

import html
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import paths, writers
from .agreements import MODELS, agreement_ids, list_id_for, series_lists, series_segments

STATE_REPORT = "state_report"
RECENT_DAYS = 90


def report_states(agreements: pd.DataFrame) -> list[str]:
    """Every state or territory with at least one agreement on any participating list of the series."""
    return sorted(set(agreements["state"]) - {""})


def state_timeline(lists: pd.DataFrame, counts: pd.DataFrame, state: str, gap_days: int = 180) -> pd.DataFrame:
    """Agreements in ``state`` on every series list, by model and in all (``model`` = ``ALL``, which also
    counts the earliest lists' rows that name no model), zero where the state has none, with the
    archive-gap ``segment`` numbers of ``agreements.timeline`` so charts never bridge a gap."""
    series = series_segments(lists, gap_days)[["list_date", "list_id", "segment"]]
    models = [*MODELS, "ALL"]
    grid = series.merge(pd.DataFrame({"model": models}), how="cross")
    c = counts[(counts["state"] == state) & counts["model"].isin(models)][["list_id", "model", "agreements"]]
    out = grid.merge(c, on=["list_id", "model"], how="left")
    out["agreements"] = pd.to_numeric(out["agreements"]).fillna(0).astype("int64")
    return out.sort_values(["list_date", "model"], ignore_index=True)


def _county_names(counties: pd.DataFrame) -> dict[str, str]:
    return dict(zip(counties["county_fips"], counties["county"] + " County"))


def state_agencies(agreements: pd.DataFrame, agencies: pd.DataFrame, places: pd.DataFrame, counties: pd.DataFrame,
                   list_rows: pd.DataFrame, list_id: str, state: str) -> pd.DataFrame:
    """One row per agency of ``state`` with an agreement first listed on or before the list ``list_id``:
    ``agency, type, county, models, signed, status, first_listed, last_listed``. ``status`` is
    ``in force`` when one of its agreements is on that list, else ``ended`` (not on it any more)."""
    on_list = list_rows[list_rows["list_id"] == list_id]
    list_date = on_list["list_date"].iloc[0] if len(on_list) else ""
    in_force = set(agreement_ids(on_list))
    ags = agreements[(agreements["state"] == state) & (agreements["first_listed"] <= list_date)].copy()
    if ags.empty:
        return pd.DataFrame(columns=["agency", "type", "county", "models", "signed", "status", "first_listed",
                                     "last_listed"])
    ags["in_force"] = ags["agreement_id"].isin(in_force)
    p = places[places["agreement_id"].isin(ags["agreement_id"])]
    names = _county_names(counties)
    where = dict(zip(p["agreement_id"], ["statewide" if m == "statewide" else names.get(f, f or "not placed")
                                         for m, f in zip(p["method"], p["county_fips"])]))
    types = dict(zip(agencies["agency_id"], agencies["agency_type"]))
    ags["county"] = ags["agreement_id"].map(where).fillna("")
    order = {m: i for i, m in enumerate(MODELS)}
    ags["_m"] = ags["model"].map(order).fillna(len(MODELS))
    rows = []
    for agency_id, g in ags.sort_values(["_m", "signed"], kind="mergesort").groupby("agency_id", sort=True):
        current = g[g["in_force"]]
        shown = current if len(current) else g
        rows.append({
            "agency": g["agency"].iloc[-1],
            "type": types.get(agency_id, ""),
            "county": "; ".join(dict.fromkeys(c for c in shown["county"] if c)),
            "models": ", ".join(dict.fromkeys(m or "unknown" for m in shown["model"])),
            "signed": "; ".join(f"{m or 'unknown'} {s or 'undated'}" for m, s in zip(shown["model"], shown["signed"])),
            "status": "in force" if len(current) else "ended",
            "first_listed": g["first_listed"].min(),
            "last_listed": g["last_listed"].max(),
        })
    out = pd.DataFrame(rows)
    return out.sort_values(["status", "agency"], ascending=[False, True], ignore_index=True)


def recent_changes(list_rows: pd.DataFrame, lists: pd.DataFrame, state: str, as_of: str = "newest",
                   days: int = RECENT_DAYS) -> tuple[pd.DataFrame, str, str]:
    """Additions, removals and model or date changes in ``state`` between the list in force ``days``
    before the list of ``as_of`` and that list: ``(changes, before_list_id, after_list_id)``."""
    from .agreements import compare_lists

    after = list_id_for(lists, as_of)
    after_date = lists.set_index("list_id").loc[after, "list_date"]
    start = (pd.Timestamp(after_date) - pd.Timedelta(days=days)).date().isoformat()
    try:
        before = list_id_for(lists, start)
    except ValueError:  # nothing archived that early: compare with the first list
        before = series_lists(lists).iloc[0]["list_id"]
    rows = list_rows[list_rows["state"] == state]
    return compare_lists(rows, before, after), before, after


def state_facilities(facilities: pd.DataFrame, counties: pd.DataFrame, state: str, as_of: str = "newest"
                     ) -> tuple[pd.DataFrame, str]:
    """Detention facilities of ``state`` in the newest detentionStats release on or before ``as_of``:
    ``facility, city, county, facility_type, adp_total`` (largest first) and the release date (``None``,
    with no rows, when no release was published within ``vocab.GAP_DAYS`` before ``as_of``)."""
    from .detention import release_for
    from .store import StaleError

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
# The index page

PAGE_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.7em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:.25em .7em;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1.2em}
.figs figure{margin:0}.figs img{width:100%;border:1px solid #ddd}figcaption{font-size:.9em}
.note{color:#555;font-size:.9em}
"""


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'


def index_html(states: pd.DataFrame, notebooks: Sequence[str], figures: pd.DataFrame,
               folder: str = "states") -> str:
    """``reports/index.html``: the pipeline notebooks, one row per state report, every figure.

    ``states``: ``state, state_name, agreements, list_date`` (agreements on the newest list);
    ``notebooks``: pipeline notebook names in reading order; ``figures``: ``figures/manifest.csv``;
    ``folder``: where the state reports are, under ``reports/``.
    Links are relative, so the page works opened from disk with no server and no network.
    """
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        "<title>ice287g reports</title>", f"<style>{PAGE_STYLE}</style>", "</head>", "<body>",
        "<h1>ICE 287(g) program: reports</h1>",
        '<p class="note">Generated by <code>make reports</code> from the committed processed tables; do not edit. '
        "Every number is computed from the raw files in <code>data/raw/</code>.</p>",
        "<h2>Notebooks, in reading order</h2>", "<ul>",
    ]
    for name in notebooks:
        parts.append(f"<li>{_link(f'notebooks/{name}.html', name)} "
                     f"({_link(f'../notebooks/{name}.ipynb', 'ipynb')}, {_link(f'../notebooks/{name}.py', 'py')})</li>")
    parts += ["</ul>", "<h2>State reports</h2>"]
    if len(states):
        newest = states["list_date"].max()
        parts += [f'<p class="note">Agreements on the ICE list of {e(newest)}, the list the reports show; a state '
                  "with none there had agreements on an earlier list.</p>",
                  "<table>", "<thead><tr><th>state</th><th>name</th><th>agreements</th><th>report</th></tr></thead>",
                  "<tbody>"]
        for r in states.sort_values("state").itertuples(index=False):
            parts.append(f"<tr><td>{e(r.state)}</td><td>{e(r.state_name)}</td><td class=\"n\">{int(r.agreements)}</td>"
                         f"<td>{_link(f'{folder}/{r.state}.html', 'report')} · "
                         f"{_link(f'{folder}/{r.state}.ipynb', 'ipynb')}</td></tr>")
        parts += ["</tbody>", "</table>"]
    parts += ["<h2>Figures</h2>", f"<p class=\"note\">{_link('../figures/README.md', 'Figure gallery')} with "
              "sources and data; each figure below links its SVG and the CSV of what it plots.</p>", '<div class="figs">']
    for r in figures.sort_values("slug").itertuples(index=False):
        parts.append(
            f'<figure><a href="../figures/{e(r.slug)}.svg"><img src="../figures/{e(r.slug)}.png" '
            f'alt="{e(r.alt_text, quote=True)}" loading="eager"></a>'
            f"<figcaption><b>{e(r.title)}</b><br>{e(r.source)}<br>"
            f"{_link(f'../figures/{r.slug}.csv', 'data (CSV)')} · {_link(f'../figures/{r.slug}.svg', 'SVG')}"
            "</figcaption></figure>")
    parts += ["</div>", "</body>", "</html>", ""]
    return "\n".join(parts)


def state_index_rows(list_rows: pd.DataFrame, lists: pd.DataFrame, states_done: Sequence[str],
                     as_of: str = "newest") -> pd.DataFrame:
    from .geography import states as census_states

    newest = list_id_for(lists, as_of)
    on = list_rows[list_rows["list_id"] == newest].groupby("state").size()
    names = census_states().set_index("state")["state_name"]
    return pd.DataFrame({
        "state": list(states_done),
        "state_name": [names.get(s, s) for s in states_done],
        "agreements": [int(on.get(s, 0)) for s in states_done],
        "list_date": lists.set_index("list_id").loc[newest, "list_date"],
    })


def render_pipeline_notebooks(names: Sequence[str], out_dir: Path) -> list[Path]:
    """HTML of each committed executed notebook, for reading in a browser."""
    import nbformat

    from .pipeline import executed_path, render_html

    written = []
    for name in names:
        nb = nbformat.read(executed_path(name), as_version=4)
        written.append(writers.write_text(out_dir / f"{name}.html", render_html(nb)))
    return written


def _run_one(state: str, as_of: str) -> str:
    from .pipeline import run_state_report

    return paths.relative(run_state_report(state, as_of).notebook)


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def build_reports(states: Sequence[str] | None = None, as_of: str = "newest", *, workers: int | None = None,
                  progress=print) -> Path:
    """Run the state report for ``states`` (default: every state that ever had an agreement), render the
    pipeline notebooks, and write ``reports/index.html``. Reports run in ``workers`` processes, each
    kernel start guarded by a lock (``pipeline.kernel_start_guard``); ``workers=1`` runs them serially."""
    from .agreements import processed
    from .charts import read_manifest
    from .parameters import validate
    from .pipeline import NOTEBOOKS, reading_order, state_reports_folder

    # refused before any work: an unknown code, a date before the first list
    as_of = validate("state_report", {"as_of": as_of})["as_of"]
    states = [validate("state_report", {"state": s})["state"] for s in states or ()]
    ags = processed("agreements.csv")
    chosen = list(states) if states else report_states(ags)
    unknown = sorted(set(chosen) - set(report_states(ags)))
    if unknown:
        raise ValueError(f"no agreement ever listed for {unknown}; states with reports: {report_states(ags)}")
    workers = workers or default_workers()
    if workers == 1 or len(chosen) == 1:
        for state in chosen:
            progress(f"reports: {state} -> {_run_one(state, as_of)}")
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

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
    # the index links every report on disk, so a run for a few states keeps the others linked
    on_disk = [s for s in report_states(ags) if (out / folder / f"{s}.html").exists()]
    rows = state_index_rows(processed("list_rows.csv"), processed("lists.csv"), on_disk, as_of)
    page = index_html(rows, reading_order(), read_manifest(paths.project_root() / "figures"), folder)
    name = "index.html" if folder == "states" else f"index_{folder.removeprefix('states_')}.html"
    return writers.write_text(out / name, page)


# ---------------------------------------------------------------------------------------------
# README: the numbers it shows come from the processed tables, written between two markers

README_BEGIN = "<!-- begin: at a glance (generated by `python -m ice287g readme` from data/processed; do not edit) -->"
README_END = "<!-- end: at a glance -->"
SOURCE_NAMES = {"ice_287g": "ICE 287(g) lists", "ice_detention": "ICE detention", "trac": "TRAC",
                "census": "Census"}


def _n(value) -> str:
    return f"{int(value):,}"


def readme_block(processed: dict[str, pd.DataFrame]) -> str:
    """The README's *At a glance* section from the processed tables (``processed[name]`` is
    ``data/processed/<name>.csv`` read as text)."""
    inv, lists, ags = processed["raw_inventory"], processed["lists"], processed["agreements"]
    agencies, places = processed["agencies"], processed["agreement_places"]
    releases, claims, rows = processed["detention_releases"], processed["news_claims_check"], processed["list_rows"]
    series = series_lists(lists)
    pending = series_lists(lists, "pending")
    newest = series.iloc[-1]
    on_newest = rows[rows["list_id"] == newest["list_id"]]
    by_source = inv["source"].value_counts()
    # the model-less partners-page rows are never linked to a later agreement: counted apart
    modelless = ags["era"] == "partners_page"
    status = ags.loc[~modelless, "status"].value_counts()
    renames, disagreements = processed["renames"], processed["type_disagreements"]
    placed = (places["method"] != "unplaced").mean()
    models = on_newest["model"].value_counts()
    exact = int((claims["verdict"] == "exact").sum())
    lines = [
        README_BEGIN,
        "## At a glance",
        "",
        f"- **{_n(len(inv))}** raw files ("
        + ", ".join(f"{SOURCE_NAMES.get(s, s)} {_n(by_source[s])}" for s in sorted(by_source.index))
        + "), each checked against its sha256 at every build.",
        f"- **{_n(len(lists))}** ICE 287(g) lists read, **{_n(len(rows))}** rows kept "
        f"({_n(pd.to_numeric(lists['skipped_rows']).sum())} skipped, listed in `data/qa/skipped_rows.csv`): "
        f"{_n(len(series))} participating lists from {series['list_date'].iloc[0]} to {newest['list_date']} and "
        f"{_n(len(pending))} pending lists make the history; {_n((lists['in_series'] != 'True').sum())} more "
        "are read and counted but kept out of it (`series_note` in `data/processed/lists.csv` says why).",
        f"- **{_n((~modelless).sum())}** agreements (" + ", ".join(f"{_n(status[k])} {k.lower()}"
                                                            for k in sorted(status.index))
        + f") held by **{_n(len(agencies))}** agencies, and {_n(modelless.sum())} rows of the earliest lists, which "
        "print no model, kept apart.",
        f"- **{_n(renames['agreement_id'].nunique())}** agreements renamed on ICE's lists are counted once, not as a "
        "removal and an addition (each merge and its rule in `data/qa/renames.csv`; "
        f"{_n(len(processed['identity_candidates']))} name pairs left for a person in "
        "`data/qa/identity_candidates.csv`).",
        f"- The newest list ({newest['list_date']}) shows **{_n(len(on_newest))}** agreements ("
        + ", ".join(f"{_n(models.get(m, 0))} {m}" for m in MODELS)
        + f") in **{_n(on_newest['state'].nunique())}** states and territories.",
        f"- **{placed:.1%}** of agreements are placed on the 2024 Census county map "
        f"({_n((places['method'] == 'unplaced').sum())} are not, each with its reason in `data/qa/unplaced_agreements.csv`). "
        f"ICE's TYPE decides an agency's level: {_n(len(disagreements))} agencies whose names read otherwise are "
        "listed in `data/qa/type_disagreements.csv` ("
        + ", ".join(f"{_n(n)} settled by {k}" for k, n in sorted(disagreements["settled_by"].value_counts().items()))
        + ").",
        f"- **{_n(len(releases))}** ICE detention workbooks, fiscal years {releases['fiscal_year'].min()} to "
        f"{releases['fiscal_year'].max()}, released {releases['release_date'].min()} to {releases['release_date'].max()}.",
        f"- **{_n(exact)}** of **{_n(len(claims))}** figures cited in news coverage reproduced exactly "
        "(`data/processed/news_claims_check.csv`).",
        README_END,
    ]
    return "\n".join(lines)


def readme_tables() -> dict[str, pd.DataFrame]:
    from .agreements import processed

    from .store import qa_table

    names = ("raw_inventory", "lists", "agreements", "agencies", "agreement_places", "detention_releases",
             "news_claims_check", "list_rows")
    tables = {n: processed(f"{n}.csv") for n in names}
    tables.update({n: qa_table(f"{n}.csv") for n in ("renames", "identity_candidates", "type_disagreements")})
    return tables


def replace_block(text: str, block: str) -> str:
    """``text`` with the part between the README markers (markers included) replaced by ``block``."""
    if text.count(README_BEGIN) != 1 or text.count(README_END) != 1:
        raise ValueError("README.md must hold the at-a-glance markers exactly once each:\n"
                         f"  {README_BEGIN}\n  {README_END}")
    start = text.index(README_BEGIN)
    end = text.index(README_END) + len(README_END)
    return text[:start] + block + text[end:]


def write_readme() -> Path:
    path = paths.project_root() / "README.md"
    return writers.write_text(path, replace_block(path.read_text(encoding="utf-8"), readme_block(readme_tables())))
