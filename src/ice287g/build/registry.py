"""Every notebook, declared once: its name, what it reads, what it writes and the parameters it takes.

``NOTEBOOKS`` lists the pipeline's stages in run order (later ones read what earlier ones write);
``STATE_REPORT`` is the per-state notebook ``make reports`` runs, which takes parameters but writes no
committed output. Everything else is read from here: the runner's output checks and run order
(``pipeline``), the Makefile's notebook list and prerequisites (``stages.make_deps`` writes
``.build/deps.mk``), the check of what a kernel opened against what it declares (``stages.problems``),
the parameter validation and the codebook's parameter section (``validate_parameters``, ``parameters_markdown``),
and the README's table of where each output comes from (``write_readme_outputs``).
The table schemas (``src/ice287g/tables/**.yaml``) name their writers themselves, for the codebook; a
test holds them to the outputs declared here.

Inputs are the raw source folders (``data/raw/<source>``), the hand tables (``data/hand/*.csv``) and
the tables earlier stages write. The package modules a notebook depends on are not listed: they are
its imports, followed through the package's own imports (``stages.notebook_modules``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core import files, paths
from .parameters import (ANALYSIS_DATE, CLAIMS_FILE, COMPLETED_FISCAL_YEAR, GAP, LIST_DATE, LIST_DATES, LIST_SPEC,
                         MODEL_OR_ALL, RELEASE_AND_ITS_LIST, RELEASE_AND_LIST, RELEASE_FISCAL_YEAR, START_YEAR,
                         STATE, STATE_OR_ALL, CHART_DATE, Param, markdown)
from .parameters import validate_values


@dataclass(frozen=True)
class Inputs:
    """What one notebook reads: raw source folders, hand table file names, earlier stages' tables."""

    raw: tuple[str, ...] = ()
    hand: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stage:
    """One notebook: its name, the outputs (relative to the output root) it writes, what it reads and
    the parameters of its tagged ``parameters`` cell."""

    name: str
    outputs: tuple[str, ...] = ()
    inputs: Inputs = field(default_factory=Inputs)
    parameters: Mapping[str, Param] = field(default_factory=dict)


def _processed(*names: str) -> tuple[str, ...]:
    return tuple(f"data/processed/{n}.csv" for n in names)


def _figures(*stems: str) -> tuple[str, ...]:
    return tuple(f"figures/{s}.{e}" for s in stems for e in ("svg", "png", "csv"))


# Run order is list order. Later notebooks may read what earlier ones write.
NOTEBOOKS: tuple[Stage, ...] = (
    Stage(
        "00_raw_inventory",
        outputs=(
            "data/processed/raw_inventory.csv",
            "data/qa/raw_verification.csv",
            "figures/archive_coverage.svg",
            "figures/archive_coverage.png",
            "figures/archive_coverage.csv",
            "figures/manifest.csv",
        ),
        inputs=Inputs(raw=paths.RAW_SOURCES),
        parameters={"start_year": START_YEAR, "gap_days": GAP},
    ),
    Stage(
        "01_agreement_history",
        outputs=_processed("list_rows", "lists", "agreements", "agencies", "list_counts", "wapo_agency_years",
                           "agency_roster_matches")
        + tuple(f"data/qa/{n}.csv" for n in ("qa_summary", "unknown_values", "suspicious_drops",
                                               "identity_candidates", "unused_fixes", "skipped_rows",
                                               "renames", "corrections", "earlier_successors",
                                               "roster_candidates", "roster_shared_ori", "roster_disagreements",
                                               "pending_state_corrections"))
        + _figures("agreements_timeline", "state_ranking", "additions_removals"),
        inputs=Inputs(
            raw=("ice_287g", "fbi", "census"),
            hand=("agency_counties.csv", "agency_name_fixes.csv", "agency_ori.csv", "agency_type_fixes.csv",
                  "agreement_corrections.csv", "aliases.csv", "blank_state_fixes.csv", "date_fixes.csv",
                  "distinct_agencies.csv", "jurisdiction_levels.csv", "list_decisions.csv", "model_fixes.csv",
                  "pending_state_fixes.csv", "program_events.csv", "state_fixes.csv"),
        ),
        parameters={"as_of": LIST_DATE, "gap_days": GAP, "changes_since": CHART_DATE, "timeline_start": CHART_DATE,
                    "timeline_split": CHART_DATE},
    ),
    Stage(
        "02_compare_lists",
        outputs=("data/processed/list_changes.csv", "data/processed/list_changes_by_state.csv",
                 "figures/list_changes.svg", "figures/list_changes.png", "figures/list_changes.csv"),
        inputs=Inputs(raw=("ice_287g",), tables=_processed("lists", "list_rows")),
        parameters={"before": LIST_SPEC, "after": LIST_SPEC},
    ),
    Stage(
        "03_maps",
        outputs=("data/processed/agreement_places.csv", "data/processed/county_counts.csv",
                 "data/processed/population_covered.csv", "data/processed/state_agency_shares.csv",
                 "data/processed/agreements_by_county.gpkg", "data/qa/unplaced_agreements.csv",
                 "data/qa/placement_rates.csv", "data/qa/unused_place_fixes.csv",
                 "data/qa/type_disagreements.csv", "data/qa/placement_changes.csv",
                 "data/qa/statewide_agency_roles.csv", "data/qa/agency_shares_unmatched.csv")
        + _figures("county_map", "county_map_by_model", "spread_small_multiples", "state_choropleth",
                   "population_covered"),
        inputs=Inputs(
            raw=("ice_287g", "fbi", "census"),
            hand=("agency_counties.csv", "county_fixes.csv", "jurisdiction_levels.csv", "statewide_agency_roles.csv",
                  "unplaced_reasons.csv"),
            tables=_processed("list_rows", "lists", "agreements", "agency_roster_matches"),
        ),
        parameters={"as_of": LIST_DATE, "model": MODEL_OR_ALL, "state": STATE_OR_ALL, "spread_dates": LIST_DATES},
    ),
    Stage(
        "04_detention",
        outputs=_processed("detention_facilities", "detention_by_state", "detention_population",
                           "detention_vs_agreements", "detention_releases")
        + tuple(f"data/qa/{n}.csv" for n in ("trac_differences", "trac_facility_check", "unplaced_facilities"))
        + _figures("detention_by_state", "detention_timeline", "detention_vs_agreements_states", "facilities_map"),
        inputs=Inputs(
            raw=("ice_287g", "ice_detention", "trac", "census"),
            hand=("superseded_files.csv",),
            tables=_processed("list_rows", "lists", "list_counts", "agreement_places"),
        ),
        parameters={"as_of": RELEASE_AND_ITS_LIST, "fiscal_year": COMPLETED_FISCAL_YEAR},
    ),
    Stage(
        "05_news_claims",
        outputs=("data/processed/news_claims_check.csv", "figures/news_claims.svg", "figures/news_claims.png",
                 "figures/news_claims.csv"),
        inputs=Inputs(raw=("census",), hand=("news_claims.csv",),
                      tables=_processed("lists", "list_rows", "agreements", "detention_by_state")),
        parameters={"claims_file": CLAIMS_FILE},
    ),
    Stage(
        "06_pending_pipeline",
        outputs=("data/processed/pending_outcomes.csv", "data/qa/pending_unmatched.csv")
        + _figures("pending_flow", "pending_time_to_sign", "pending_by_state"),
        inputs=Inputs(raw=("ice_287g", "census"), hand=("distinct_agencies.csv",),
                      tables=_processed("lists", "list_rows") + ("data/qa/pending_state_corrections.csv",)),
        parameters={"as_of": ANALYSIS_DATE},
    ),
    Stage(
        "07_jails_and_detention",
        outputs=("data/processed/agency_facility_matches.csv", "data/processed/county_detention_287g.csv",
                 "data/qa/unmatched_jails.csv", "data/qa/facility_operator_join.csv")
        + _figures("jails_with_agreements_map", "detention_in_287g_counties"),
        inputs=Inputs(
            raw=("ice_detention", "ice_facilities", "census"), hand=("facility_operators.csv",),
            tables=_processed("detention_facilities", "detention_releases", "list_rows", "lists", "agreement_places"),
        ),
        parameters={"as_of": RELEASE_AND_LIST, "fiscal_year": RELEASE_FISCAL_YEAR},
    ),
    # First in reading order, last to run: its narrative is computed from everything above.
    Stage("00_program_history", outputs=("data/processed/program_milestones.csv",)
          + _figures("program_timeline", "program_moments_maps"),
          inputs=Inputs(raw=paths.RAW_SOURCES, hand=("program_events.csv",),
                        tables=_processed("lists", "list_counts", "list_rows", "agreement_places")),
          parameters={"gap_days": GAP}),
)

# Run once per state by ``make reports``; its outputs go under reports/, never committed.
STATE_REPORT = Stage("state_report", parameters={"state": STATE, "as_of": LIST_DATE})

# The program's history is read first, though it runs last (``pipeline.reading_order``).
READ_FIRST = NOTEBOOKS[-1].name


def declared(name: str) -> Stage | None:
    """The stage named ``name`` (a pipeline notebook or the state report), None if the project has none."""
    return next((s for s in NOTEBOOKS + (STATE_REPORT,) if s.name == name), None)


def validate_parameters(notebook: str, params: Mapping[str, object]) -> dict[str, object]:
    """``params`` of ``notebook`` checked against its declared parameters and normalized
    (``parameters.validate_values``); a notebook the project does not declare is the runner's to check."""
    stage = declared(notebook)
    return validate_values(notebook, None if stage is None else stage.parameters, params)


def parameters_markdown() -> str:
    """The codebook's section on every notebook's parameters, in run order, the state report last."""
    return markdown({s.name: s.parameters for s in NOTEBOOKS + (STATE_REPORT,)})



# ---------------------------------------------------------------------------------------------
# README: where each output comes from, written between two markers

OUTPUTS_BEGIN = ("<!-- begin: where each output comes from (generated by `python -m ice287g readme` from "
                 "ice287g.build.registry; do not edit) -->")
OUTPUTS_END = "<!-- end: where each output comes from -->"
FIGURE_FORMATS = ("svg", "png", "csv")


def grouped(outputs: tuple[str, ...]) -> list[str]:
    """``outputs`` in order, a figure written in every format as one ``figures/NAME.*``."""
    shown: list[str] = []
    for out in outputs:
        stem, _, ext = out.rpartition(".")
        whole = out.startswith("figures/") and ext in FIGURE_FORMATS and all(
            f"{stem}.{e}" in outputs for e in FIGURE_FORMATS)
        item = f"{stem}.*" if whole else out
        if item not in shown:
            shown.append(item)
    return shown


def _reads(inputs: Inputs) -> str:
    raw = ("every raw source" if set(inputs.raw) == set(paths.RAW_SOURCES) and inputs.raw
           else ", ".join(f"`data/raw/{s}/`" for s in inputs.raw))
    parts = [raw] + [", ".join(f"`data/hand/{h}`" for h in inputs.hand),
                     ", ".join(f"`{t}`" for t in inputs.tables)]
    return "; ".join(p for p in parts if p)


def outputs_markdown() -> str:
    """The README's table of every notebook's outputs and what it reads, in run order, between its markers."""
    lines = [OUTPUTS_BEGIN, "| notebook (run order) | writes | reads |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {', '.join(f'`{o}`' for o in grouped(s.outputs))} | {_reads(s.inputs)} |"
              for s in NOTEBOOKS]
    return "\n".join(lines + [OUTPUTS_END])


def with_outputs_table(text: str) -> str:
    """``text`` (the README) with the part between the outputs markers (markers included) regenerated."""
    if text.count(OUTPUTS_BEGIN) != 1 or text.count(OUTPUTS_END) != 1:
        raise ValueError(f"README.md must hold the outputs markers exactly once each:\n  {OUTPUTS_BEGIN}\n"
                         f"  {OUTPUTS_END}")
    start, end = text.index(OUTPUTS_BEGIN), text.index(OUTPUTS_END) + len(OUTPUTS_END)
    return text[:start] + outputs_markdown() + text[end:]


def write_readme_outputs() -> Path:
    path = paths.project_root() / "README.md"
    return files.write_text(path, with_outputs_table(path.read_text(encoding="utf-8")))
