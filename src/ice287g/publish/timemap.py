"""The time-slider map (``site/map.html``): the county map of every archived participating list, the first to
the newest, with a slider over the days between them and a play button.

The page holds the map as inline SVG (the Census counties as the static maps draw them, ``maps.map_layers``:
equal-area, Alaska, Hawaii and Puerto Rico in insets; simplified as one coverage so neighbours keep their
shared borders, then rounded to whole kilometres) and its script (``templates/timemap.js``). What each list
holds comes from one data file, ``map-data.json``, built from the committed tables (``map_data``): for every
agency placed in a county or statewide, the runs of lists it is on. A day shows the list in force as
``asof.list_row_for`` decides it: the newest list on or before it, and no list inside an archive gap
(``gaps``: the days a list is older than ``GAP_DAYS``).

``python -m ice287g.publish.timemap <dir>`` writes both files into ``<dir>``.
"""
from __future__ import annotations

import html
import itertools
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from markupsafe import Markup

from ..core import files
from ..core.vocab import GAP_DAYS, MIX, MODELS
from ..history.identity import row_agreement_ids
from ..history.asof import read_processed
from ..ingest.census import counties as census_counties
from ..ingest.lists import series_lists
from ..places.geography import agreement_columns, agreement_counties
from ..places.maps import map_layers
from ..tables.schema import CORRECTIONS, LAW_ENFORCEMENT
from . import pages
from .charts import COVERAGE_COLORS, MODEL_NAMES, NEUTRAL, STATEWIDE_HATCH

PAGE = "map.html"
DATA = "map-data.json"
AGENCY_SEARCH = "agencies.html"  # the agency search, next to the map in the site's root

# Map geometry: metres in EPSG:5070. Simplified by 2 km (finer than a county drawn a few pixels wide on a
# phone), then every vertex rounded to the kilometre, the SVG's unit.
SIMPLIFY_METRES = 2_000
UNIT_METRES = 1_000

# The colour classes of a county (``data-k`` in the page): one model, two or more (MIX), or none printed (the
# earliest lists, ICE's partners page, name agencies without their model).
NO_MODEL = "none"
CATEGORY_KEYS = {**{m: m for m in MODELS}, MIX: "MIX", NO_MODEL: "NA"}
CATEGORY_COLORS = {**COVERAGE_COLORS, NO_MODEL: NEUTRAL}
CATEGORY_LABELS = {**{m: f"{MODEL_NAMES[m]} only" for m in MODELS}, MIX: MIX,
                   NO_MODEL: "model not printed (the earliest lists)"}
ROLE_KEYS = {LAW_ENFORCEMENT: "L", CORRECTIONS: "C"}


# ---------------------------------------------------------------------------------------------
# The data: which agencies each list holds, county by county and statewide


def _runs(indices) -> list[int]:
    """Sorted list indices as flat inclusive runs: [0, 1, 2, 5] -> [0, 2, 5, 5]."""
    out: list[int] = []
    for i in sorted(set(indices)):
        if out and out[-1] == i - 1:
            out[-1] = i
        else:
            out += [i, i]
    return out


def _gaps(dates: list[str]) -> list[list[str]]:
    """[first, last] day of every archive gap: the days on which the newest list is more than ``GAP_DAYS``
    old (``asof.newest_on_or_before`` refuses it there), up to the day before the next list."""
    out = []
    for before, after in itertools.pairwise(dates):
        stale = date.fromisoformat(before) + timedelta(days=GAP_DAYS + 1)
        if stale < date.fromisoformat(after):
            out.append([stale.isoformat(), (date.fromisoformat(after) - timedelta(days=1)).isoformat()])
    return out


def map_data(list_rows: pd.DataFrame, lists: pd.DataFrame, places: pd.DataFrame,
             agencies: pd.DataFrame) -> dict:
    """What ``map-data.json`` holds, from ``list_rows.csv``, ``lists.csv``, ``agreement_places.csv`` and
    ``agencies.csv``: the participating series ``lists`` ([date, list_id], oldest first), the archive
    ``gaps``, ``agencies`` ([state, name], by state and name), and per (agency, model, county) in
    ``placed`` or (agency, model, role) in ``statewide`` the runs of list indices it is on (``_runs``)."""
    series = series_lists(lists)
    index = {lid: i for i, lid in enumerate(series["list_id"])}
    rows = list_rows.loc[list_rows["list_id"].isin(index), ["list_id", *agreement_columns(list_rows)]]
    in_county = agreement_counties(rows, places, list(index))
    sw = places[places["method"] == "statewide"]
    role_of = dict(zip(sw["agreement_id"], sw["statewide_role"]))
    rows = rows.assign(agreement_id=row_agreement_ids(rows))
    statewide = rows[rows["agreement_id"].isin(role_of)]

    placed_on: dict = {}
    for lid, agency, model, fips in zip(in_county["list_id"], in_county["agency_id"], in_county["model"],
                                        in_county["county_fips"]):
        placed_on.setdefault((agency, model, fips), set()).add(index[lid])
    statewide_on: dict = {}
    for lid, agency, model, agreement in zip(statewide["list_id"], statewide["agency_id"], statewide["model"],
                                             statewide["agreement_id"]):
        statewide_on.setdefault((agency, model, ROLE_KEYS[role_of[agreement]]), set()).add(index[lid])

    used = {k[0] for k in placed_on} | {k[0] for k in statewide_on}
    known = agencies.set_index("agency_id")
    missing = sorted(used - set(known.index))
    if missing:
        raise ValueError(f"agencies on the lists but not in agencies.csv: {missing[:5]}")
    ordered = sorted(used, key=lambda a: (known.at[a, "state"], known.at[a, "agency"], a))
    number = {a: i for i, a in enumerate(ordered)}
    return {
        "gap_days": GAP_DAYS,
        "models": list(MODELS),
        "lists": [[d, lid] for d, lid in zip(series["list_date"], series["list_id"])],
        "gaps": _gaps(series["list_date"].tolist()),
        "agencies": [[known.at[a, "state"], known.at[a, "agency"]] for a in ordered],
        "placed": sorted([number[a], m, f, _runs(ix)] for (a, m, f), ix in placed_on.items()),
        "statewide": sorted([number[a], m, r, _runs(ix)] for (a, m, r), ix in statewide_on.items()),
    }


def list_on(data: dict, day: str) -> int | None:
    """Index in ``data["lists"]`` of the list a day shows (as the page's script decides it): the newest on
    or before it; None before the first list or inside an archive gap."""
    dates = [d for d, _ in data["lists"]]
    i = int(np.searchsorted(dates, day, side="right")) - 1
    if i < 0 or any(first <= day <= last for first, last in data["gaps"]):
        return None
    return i


def _on(runs: list[int], i: int) -> bool:
    return any(runs[k] <= i <= runs[k + 1] for k in range(0, len(runs), 2))


def counties_on(data: dict, i: int) -> dict[str, str]:
    """county FIPS -> its colour category (``CATEGORY_KEYS``'s keys) on list ``i``: as the page colours it."""
    models: dict = {}
    for _, model, fips, runs in data["placed"]:
        if _on(runs, i):
            models.setdefault(fips, set()).add(model)
    out = {}
    for fips, present in models.items():
        known = [m for m in MODELS if m in present]
        out[fips] = NO_MODEL if not known else known[0] if len(known) == 1 else MIX
    return out


def statewide_on(data: dict, i: int) -> dict[str, str]:
    """state -> ``L`` (a law-enforcement agency holds a statewide agreement) or ``C`` (only a corrections
    department does) on list ``i``: as the page hatches it."""
    roles: dict = {}
    for agency, _, role, runs in data["statewide"]:
        if _on(runs, i):
            roles.setdefault(data["agencies"][agency][0], set()).add(role)
    return {s: ROLE_KEYS[LAW_ENFORCEMENT] if ROLE_KEYS[LAW_ENFORCEMENT] in r else ROLE_KEYS[CORRECTIONS]
            for s, r in roles.items()}


# ---------------------------------------------------------------------------------------------
# The map: counties and state outlines as SVG paths, in kilometres


def _path(geom, x0: int, y1: int) -> str:
    """SVG path data of a (multi)polygon: each ring's first vertex absolute, the rest relative, on the
    kilometre grid (y flipped: SVG's y runs down); rings that round away are dropped."""
    out = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in (poly.exterior, *poly.interiors):
            xy = np.round(np.asarray(ring.coords) / UNIT_METRES).astype(np.int64)
            xy[:, 0] -= x0
            xy[:, 1] = y1 - xy[:, 1]
            keep = np.ones(len(xy), dtype=bool)
            keep[1:] = (xy[1:] != xy[:-1]).any(axis=1)
            xy = xy[keep]
            if len(xy) > 1 and (xy[0] == xy[-1]).all():
                xy = xy[:-1]
            if len(xy) < 3:
                continue
            steps = " ".join(f"{dx} {dy}" for dx, dy in np.diff(xy, axis=0).tolist())
            out.append(f"M{xy[0, 0]} {xy[0, 1]}l{steps}z")
    return "".join(out)


def hatch_patterns(tile: int, suffix: str = "") -> str:
    """An SVG pattern per statewide role (``hatch-{role}{suffix}``), drawn like the static maps' hatches
    (``charts.STATEWIDE_HATCH``: lines for ``/``, dots for ``.``) on a square of ``tile`` units."""
    out = []
    for role, (hatch, color, _) in STATEWIDE_HATCH.items():
        t, q, w = tile, tile // 4, round(tile / 6, 1)
        # a diagonal through the tile and the two corners it leaves, so the lines join across tiles
        mark = (f'<path d="M0 {t}L{t} 0M{-q} {q}L{q} {-q}M{t - q} {t + q}L{t + q} {t - q}" stroke="{color}" '
                f'stroke-width="{w:g}"/>' if "/" in hatch
                else f'<circle cx="{t // 2}" cy="{t // 2}" r="{w:g}" fill="{color}"/>')
        out.append(f'<pattern id="hatch-{ROLE_KEYS[role]}{suffix}" width="{t}" height="{t}" '
                   f'patternUnits="userSpaceOnUse">{mark}</pattern>')
    return "".join(out)


# The hatches' tile on the map, in kilometres: a few pixels on a desktop screen, as on the static maps.
MAP_HATCH_TILE = 28


def map_svg() -> str:
    """The map as one ``<svg>``: a ``<path id="c{fips}">`` per county with its name as ``<title>``, and a
    ``<path id="s-{state}">`` outline per state above them (hatched by the script for a statewide agreement);
    the colours of both in its ``<style>`` (``_style``)."""
    cty, _ = map_layers()
    cty = cty.sort_values("county_fips", ignore_index=True)
    geoms = shapely.coverage_simplify(cty.geometry.to_numpy(), SIMPLIFY_METRES)
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    x0, y1 = int(np.floor(xmin / UNIT_METRES)), int(np.ceil(ymax / UNIT_METRES))
    width, height = int(np.ceil(xmax / UNIT_METRES)) - x0, y1 - int(np.floor(ymin / UNIT_METRES))
    names = census_counties().set_index("county_fips")["county_full"]
    county_paths = [f'<path id="c{f}" d="{_path(g, x0, y1)}"><title>{html.escape(names.get(f, f))}, {s}</title></path>'
                    for f, s, g in zip(cty["county_fips"], cty["state"], geoms)]
    state_paths = []
    for state in sorted(set(cty["state"])):
        outline = shapely.coverage_union_all(geoms[(cty["state"] == state).to_numpy()])
        state_paths.append(f'<path id="s-{state}" d="{_path(outline, x0, y1)}"/>')
    return (f'<svg id="tm-svg" viewBox="0 0 {width} {height}" role="group" aria-label="County map of the United '
            f'States">\n<style>{_style()}</style>\n<defs>{hatch_patterns(MAP_HATCH_TILE)}</defs>\n<g id="tm-counties">\n' + "\n".join(county_paths)
            + '\n</g>\n<g id="tm-states">\n' + "\n".join(state_paths) + "\n</g>\n</svg>")


# ---------------------------------------------------------------------------------------------
# The page


LEGEND = "-legend"  # the suffix of the legend's own hatch patterns, sized for its small swatches


def _legend() -> list[dict]:
    keys = [*MODELS, MIX, NO_MODEL]
    colours = [{"key": CATEGORY_KEYS[k], "label": CATEGORY_LABELS[k], "fill": CATEGORY_COLORS[k]} for k in keys]
    hatches = [{"key": ROLE_KEYS[r], "label": label, "fill": f"url(#hatch-{ROLE_KEYS[r]}{LEGEND})"}
               for r, (_, _, label) in STATEWIDE_HATCH.items()]
    return colours + hatches


def _style() -> str:
    """The colour of each category and hatch, from the charts' palette (``charts.COVERAGE_COLORS``)."""
    fills = [f'#tm-counties [data-k="{CATEGORY_KEYS[k]}"]{{fill:{c}}}' for k, c in CATEGORY_COLORS.items()]
    hatches = [f'#tm-states [data-h="{k}"]{{fill:url(#hatch-{k})}}' for k in ROLE_KEYS.values()]
    return "".join(fills + hatches)


def script_keys() -> str:
    """The keys the script writes (``data-k``, ``data-h``) that are not a model's name, as JSON for the figure's
    ``data-keys``: the script takes them from the page rather than spell them again."""
    return json.dumps({"mix": CATEGORY_KEYS[MIX], "none": CATEGORY_KEYS[NO_MODEL],
                       "law": ROLE_KEYS[LAW_ENFORCEMENT], "corrections": ROLE_KEYS[CORRECTIONS]}, sort_keys=True)


def map_page(data: dict) -> str:
    dates = [d for d, _ in data["lists"]]
    days = (date.fromisoformat(dates[-1]) - date.fromisoformat(dates[0])).days
    return pages.render("site_map.html.j2", first=dates[0], newest=dates[-1], lists=len(dates), days=days,
                        gaps=len(data["gaps"]), gap_days=data["gap_days"], data_file=DATA, search=AGENCY_SEARCH, keys=script_keys(),
                        svg=Markup(map_svg()), legend=_legend(), legend_hatches=Markup(hatch_patterns(6, LEGEND)))


def data_json(data: dict) -> str:
    """``data`` as the file holds it: sorted keys, no spaces, one final newline."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def write_time_map(site: Path) -> list[Path]:
    """Write ``site/map.html`` and its data ``site/map-data.json`` from the processed tables; return both paths."""
    site = Path(site)
    data = map_data(read_processed("list_rows.csv"), read_processed("lists.csv"),
                    read_processed("agreement_places.csv"), read_processed("agencies.csv"))
    return [files.write_text(site / DATA, data_json(data)), files.write_text(site / PAGE, map_page(data))]


def main(argv: list[str]) -> int:
    """``python -m ice287g.publish.timemap <dir>``: write the map into ``<dir>`` (until ``make site`` does)."""
    if len(argv) != 1:
        print("usage: python -m ice287g.publish.timemap <site folder>", file=sys.stderr)
        return 2
    for written in write_time_map(Path(argv[0])):
        print(written)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
