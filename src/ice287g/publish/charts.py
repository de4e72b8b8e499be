"""Every figure of the project goes through ``save_figure``.

It refuses a figure without a title, a source line and alt text; draws the title and source line
into the figure; writes ``figures/<slug>.svg``, ``.png`` and ``.csv`` (the plotted data)
deterministically; and records the figure in ``figures/manifest.csv`` with the raw files it
depends on and their sha256.
"""
from __future__ import annotations

import base64
import html
import io
import os
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.collections import PathCollection
from matplotlib.patches import Patch
from matplotlib.path import Path as MplPath
from PIL import Image

from ..archive import manifests
from ..core import files, paths
from ..core.vocab import MIX as MIX_LABEL
from ..core.vocab import MODELS
from ..tables import writers
from ..tables.schema import CORRECTIONS, LAW_ENFORCEMENT

STYLE = Path(__file__).with_name("ice287g.mplstyle")

# One fixed colour per model in every chart (Okabe-Ito, distinguishable with colour-blindness).
MODEL_COLORS = {"JEM": "#0072B2", "WSO": "#E69F00", "TFM": "#009E73"}
MODEL_NAMES = {"JEM": "Jail Enforcement Model", "WSO": "Warrant Service Officer", "TFM": "Task Force Model"}
MODEL_ORDER = MODELS
NEUTRAL = "#7f7f7f"

MANIFEST_COLUMNS = ["slug", "title", "alt_text", "source", "notebook", "inputs"]
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class FigureError(ValueError):
    """A figure is missing something the figure standard requires."""


def use_style() -> None:
    plt.style.use(STYLE)


use_style()


def grid_on_x(ax) -> None:
    """Gridlines along the value axis of a horizontal bar or strip chart (the style puts them on y)."""
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e5e5e5")


def adp_legend(ax, sizes, area, **style) -> None:
    """Legend entries for a map's circles sized by average daily population: an empty scatter per value of
    ``sizes``, its marker area ``area(value)`` as the map draws it, labelled ``ADP <value>``."""
    for size in sizes:
        ax.scatter([], [], s=area(size), label=f"ADP {size:,}", **style)


def _polygon_path(geom):
    parts = getattr(geom, "geoms", [geom])
    rings = []
    for poly in parts:
        if poly.is_empty:
            continue
        # the coordinates as one float array each, not a tuple per vertex: the same vertices, far faster
        rings.append(MplPath(np.asarray(poly.exterior.coords), closed=True))
        rings.extend(MplPath(np.asarray(r.coords), closed=True) for r in poly.interiors)
    return MplPath.make_compound_path(*rings) if rings else None


_PATHS: dict = {}  # id(geometry) -> (geometry, its path); the geometry is kept so its id stays its own
_PATHS_MAX = 50_000


def _cached_path(geom):
    """``_polygon_path`` once per geometry object: a map notebook draws the same county and state shapes
    in every panel (map_layers hands out the same shapely objects each call)."""
    hit = _PATHS.get(id(geom))
    if hit is not None and hit[0] is geom:
        return hit[1]
    if len(_PATHS) >= _PATHS_MAX:  # bounded: a long-lived kernel drawing fresh geometries forever
        _PATHS.clear()
    path = _polygon_path(geom)
    _PATHS[id(geom)] = (geom, path)
    return path


_cached_path.cache_clear = _PATHS.clear  # emptied with the package's other caches (cache.forget_memory)


def draw_polygons(ax, geometries, *, facecolor="#f2f2f2", edgecolor="white", linewidth=0.2, hatch=None,
                  rasterized=True, zorder=1):
    """Add (multi)polygons to ``ax`` as one collection. Unlike GeoDataFrame.plot, it does not redraw the
    whole figure after each layer, which made map notebooks slow; ``rasterized`` keeps SVGs small."""
    shapes = [p for p in (_cached_path(g) for g in geometries) if p is not None]
    if not shapes:
        return None
    coll = PathCollection(shapes, facecolors=facecolor, edgecolors=edgecolor, linewidths=linewidth,
                          hatch=hatch, rasterized=rasterized, zorder=zorder)
    ax.add_collection(coll)
    ax.autoscale_view()
    ax.set_aspect("equal")
    return coll


def draw_lines(ax, geometries, *, color="#777777", linewidth=0.4, rasterized=True, zorder=3):
    """Outlines of (multi)polygons as one collection (no fill)."""
    return draw_polygons(ax, geometries, facecolor="none", edgecolor=color, linewidth=linewidth,
                         rasterized=rasterized, zorder=zorder)


# County coverage maps: one colour per model, purple where a county holds two or more models.
COVERAGE_COLORS = {**MODEL_COLORS, MIX_LABEL: "#6a3d9a"}


# States with a statewide agreement: hatched one way where a law-enforcement agency holds one, another way where
# the only ones are a corrections department's (they reach the people it holds, not the state's residents).
STATEWIDE_HATCH = {LAW_ENFORCEMENT: ("////", "#333333", "statewide agreement (law enforcement)"),
                   CORRECTIONS: ("....", "#b2182b", "only statewide agreement: corrections department's")}


def draw_statewide(ax, states, statewide, corrections_only=(), zorder=3):
    """Hatch the ``states`` (a GeoDataFrame with column state) in ``statewide`` by ``STATEWIDE_HATCH``: those in
    ``corrections_only`` as corrections, the others as law enforcement."""
    corrections = set(corrections_only)
    for role, picked in ((LAW_ENFORCEMENT, [s for s in statewide if s not in corrections]),
                         (CORRECTIONS, [s for s in statewide if s in corrections])):
        hatch, color, _ = STATEWIDE_HATCH[role]
        draw_polygons(ax, states[states["state"].isin(picked)].geometry, facecolor="none", edgecolor=color,
                      hatch=hatch, linewidth=0.6, zorder=zorder)


def statewide_handles(corrections: bool = True) -> list:
    """Legend entries for ``draw_statewide``'s hatches (the corrections one only when ``corrections``)."""
    return [Patch(facecolor="white", edgecolor=color, hatch=hatch, label=label)
            for role, (hatch, color, label) in STATEWIDE_HATCH.items() if corrections or role != CORRECTIONS]


def draw_coverage(ax, counties, states, mix, statewide, *, corrections_only=(), zoom_state=None, label=False):
    """County map of 287(g) coverage: counties coloured by ``mix["category"]`` (as made by
    ``maps.coverage_on_list``), states with a statewide agreement hatched (``draw_statewide``; those in
    ``corrections_only``, from ``maps.corrections_only_states``, apart). ``zoom_state`` draws
    one state's counties only; ``label`` writes county names (readable when zoomed)."""
    shown = counties if not zoom_state else counties[counties["state"] == zoom_state]
    frame = states if not zoom_state else states[states["state"] == zoom_state]
    # uncovered counties are drawn one by one only when zoomed: nationally the state shapes suffice
    draw_polygons(ax, (shown if zoom_state else frame).geometry)
    covered = shown.merge(mix, on="county_fips")
    for cat, color in COVERAGE_COLORS.items():
        part = covered[covered["category"] == cat]
        draw_polygons(ax, part.geometry, facecolor=color, zorder=2)
    draw_statewide(ax, frame, statewide, corrections_only)
    draw_lines(ax, frame.geometry)
    if label:
        for r in shown.itertuples():
            p = r.geometry.representative_point()
            # a plain text at the point: an annotation draws the same, but checks at every draw whether its
            # point lies inside the axes (a county's own point always does)
            ax.text(p.x, p.y, r.county, fontsize=5.5, ha="center", va="center", color="#222222")
    ax.set_axis_off()


def coverage_legend(ax, corrections: bool = True, **kwargs):
    """The legend that goes with ``draw_coverage`` (the corrections hatch only when ``corrections``)."""
    handles = [Patch(color=COVERAGE_COLORS[c], label=MODEL_NAMES.get(c, c) + (" only" if c in MODEL_NAMES else ""))
               for c in [*MODEL_ORDER, MIX_LABEL]]
    return ax.legend(handles=handles + statewide_handles(corrections), **kwargs)


def running_notebook() -> str:
    """The notebook making the figure: set by the pipeline runner, ``interactive`` otherwise."""
    return os.environ.get("ICE287G_NOTEBOOK", "interactive")


def _inputs_field(inputs: Iterable[Path | str]) -> str:
    entries = set()
    for item in inputs:
        path = Path(item)
        if not path.is_absolute():
            path = paths.project_root() / path
        if not path.is_file():
            raise FigureError(f"figure input {paths.relative(path)} does not exist")
        entries.add(f"{paths.relative(path)}@sha256:{manifests.raw_sha256(path)}")
    return "; ".join(sorted(entries))


def _svg_with_description(svg: bytes, title: str, alt_text: str) -> bytes:
    """Insert <title> and <desc> right after the opening <svg> tag so screen readers find them."""
    text = svg.decode("utf-8")
    match = re.search(r"<svg\b[^>]*>", text)
    if not match:
        raise FigureError("matplotlib wrote an SVG without an <svg> element")
    tag = match.group(0)
    labelled = tag[:-1] + ' role="img" aria-labelledby="fig-title fig-desc">'
    insert = f'\n <title id="fig-title">{html.escape(title)}</title>\n <desc id="fig-desc">{html.escape(alt_text)}</desc>'
    return (text[: match.start()] + labelled + insert + text[match.end():]).encode("utf-8")


def _require(**texts: str | None) -> None:
    for name, value in texts.items():
        if value is None or not str(value).strip():
            raise FigureError(f"save_figure refuses a figure without {name.replace('_', ' ')}")


def _sign(fig, title: str, source: str) -> None:
    """Draw the title above and the source line below the figure, flush with its left edge."""
    # Lay the figure out (aspect, ticks, legends) as a draw would, without rasterizing it: the extent is
    # the same and the real rendering happens once per file in savefig.
    fig.draw_without_rendering()
    content = fig.get_tightbbox(fig.canvas.get_renderer())
    left = content.x0 / fig.get_figwidth()
    top = content.y1 / fig.get_figheight()
    bottom = content.y0 / fig.get_figheight()
    fig.text(left, top + 0.03, title, ha="left", va="bottom",
             fontsize=plt.rcParams["figure.titlesize"], fontweight=plt.rcParams["figure.titleweight"])
    source_line = source if source.lower().startswith("source") else f"Source: {source}"
    width_chars = int(content.width * 14)
    fig.text(left, bottom - 0.02, "\n".join(textwrap.wrap(source_line, width_chars)),
             ha="left", va="top", fontsize=8.5, color="#444444")


def show_figure(fig, written: dict) -> None:
    """In a notebook: show the PNG ``save_figure`` just wrote (``written``) at the size the inline
    backend shows ``fig`` (its ``figure.dpi``), and close the figure. The figure is rasterized once, not
    again for the notebook (``plt.show()`` would draw it a third time, after the SVG and the PNG)."""
    png = Path(written["png"]).read_bytes()
    with Image.open(io.BytesIO(png)) as im:
        (w, h), dpi = im.size, round(im.info.get("dpi", (fig.dpi,))[0])
    scale = fig.dpi / dpi
    display({"image/png": base64.b64encode(png).decode("ascii"), "text/plain": repr(fig)}, raw=True,
            metadata={"image/png": {"width": round(w * scale), "height": round(h * scale)}})
    plt.close(fig)


def save_figure(
    fig,
    slug: str,
    *,
    title: str,
    source: str,
    alt_text: str,
    data: pd.DataFrame,
    inputs: Iterable[Path | str] = (),
    sort_by: list[str] | None = None,
) -> dict[str, Path]:
    """Sign, write and register a figure. Returns the paths written.

    ``source`` is the credit line (e.g. "ICE 287(g) participating agencies lists"); ``inputs`` the
    raw files the figure depends on (their sha256 go to the manifest); ``data`` what is plotted.
    """
    _require(title=title, source=source, alt_text=alt_text)
    if not SLUG_RE.match(slug or ""):
        raise FigureError(f"figure slug {slug!r} must be lower-case letters, digits and underscores")
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise FigureError(f"figure {slug}: data must be a non-empty DataFrame of what is plotted")
    inputs_field = _inputs_field(inputs)

    with plt.style.context(STYLE):
        _sign(fig, title, source)
        out_dir = paths.figures_dir()
        written = {}
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        written["svg"] = files.write_bytes(out_dir / f"{slug}.svg",
                                           _svg_with_description(buf.getvalue(), title, alt_text))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", metadata={"Software": None, "Title": title, "Description": alt_text})
        written["png"] = files.write_bytes(out_dir / f"{slug}.png", buf.getvalue())
    written["csv"] = writers.write_csv(data, out_dir / f"{slug}.csv", sort_by=sort_by)
    record_figure(slug=slug, title=title, alt_text=alt_text, source=source,
                  notebook=running_notebook(), inputs=inputs_field)
    return written


def read_manifest(out_dir: Path | None = None) -> pd.DataFrame:
    """``figures/manifest.csv`` of ``out_dir``; by default this run's, else the committed one (a staged or
    report run starts from the committed manifest, so other notebooks' figures keep their rows)."""
    path = (out_dir / "manifest.csv") if out_dir else writers.upsert_base(paths.figures_dir() / "manifest.csv")
    if not path.exists():
        return pd.DataFrame(columns=MANIFEST_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def record_figure(**row: str) -> None:
    """Upsert one figure's row in ``figures/manifest.csv`` (one row per slug, sorted by slug)."""
    manifest = read_manifest()
    manifest = manifest[manifest["slug"] != row["slug"]]
    manifest = pd.concat([manifest, pd.DataFrame([row], columns=MANIFEST_COLUMNS)], ignore_index=True)
    writers.write_csv(manifest[MANIFEST_COLUMNS], paths.figures_dir() / "manifest.csv", sort_by=["slug"])


def gallery_markdown(manifest: pd.DataFrame) -> str:
    """figures/README.md: every figure with its thumbnail, title, alt text, source, notebook and data."""
    lines = [
        "# Figure gallery",
        "",
        "Generated by `python -m ice287g gallery` from `figures/manifest.csv` after every build; do not edit.",
        "Each figure is an SVG and a PNG with the CSV of exactly what it plots; `manifest.csv` also lists the raw",
        "files each figure depends on, with their sha256.",
        "",
    ]
    for r in manifest.sort_values("slug").itertuples(index=False):
        notebook = r.notebook.split("/")[-1]
        lines += [
            f"## {r.title}",
            "",
            f'<img src="{r.slug}.png" width="560" alt="{html.escape(r.alt_text, quote=True)}">',
            "",
            f"- **Alt text:** {r.alt_text}",
            f"- **Source:** {r.source}",
            f"- **Made by:** [`{notebook}`](../notebooks/{notebook}) · **data:** [`{r.slug}.csv`]({r.slug}.csv)"
            f" · [SVG]({r.slug}.svg) · [PNG]({r.slug}.png)",
            "",
        ]
    return "\n".join(lines)


def write_gallery() -> Path:
    return files.write_text(paths.figures_dir() / "README.md", gallery_markdown(read_manifest()))
