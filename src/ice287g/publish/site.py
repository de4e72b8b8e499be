"""The published site: ``site/`` (``make site``), one folder that is the whole site, served as its own web
root (GitHub Pages, or ``python -m http.server -d site``) and opened from disk alike.

The site keeps the project's layout with ``reports/`` at its top: ``reports/index.html`` is the site's
``index.html``, ``reports/notebooks/01_agreement_history.html`` its ``notebooks/01_agreement_history.html``,
and every other file keeps its path from the project root (``figures/county_map.png``,
``data/processed/lists.csv``, ``notebooks/01_agreement_history.ipynb``). A page links a file by the relative
path between the two as the site places them (``site_href``), so the same link works in ``site/`` and a link
a notebook writes relative to ``notebooks/`` (``../data/processed/lists.csv``) reaches its file there too.
``reports/`` alone is where ``make reports`` stages the pages; only ``site/`` holds what they link.

``SITE_FILES`` declares every file copied; ``SITE_EXTRAS`` the writers of pages made for the site alone.
"""
from __future__ import annotations

import os
import posixpath
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ..core import paths
from .feeds import write_feeds
from .timemap import write_time_map

# The folder whose contents are the top of the site (core.paths.reports_dir).
PAGES = "reports"

# (project folder, file patterns): every file of the site but the release and the extras' own. The pages
# of the newest list only: a parameter run's (reports/states_<date>/, index_<date>.html) is not published.
SITE_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (PAGES, ("index.html", "agencies.html")),
    (f"{PAGES}/es", ("*.html",)),
    (f"{PAGES}/es/states", ("*.html",)),
    (f"{PAGES}/states", ("*.html", "*.ipynb")),
    (f"{PAGES}/notebooks", ("*.html",)),
    ("notebooks", ("*.ipynb", "*.py")),
    ("figures", ("*.png", "*.svg", "*.csv", "README.md")),
    ("data/processed", ("*.csv", "*.gpkg")),
    ("docs", ("codebook.md",)),
)

# Pages and data written for the site alone, after the copy: each ``write(site) -> paths written``, called in
# this order with the site folder being built: the time-slider map, then the Atom feeds with their change pages.
SiteWriter = Callable[[Path], list[Path]]
SITE_EXTRAS: tuple[SiteWriter, ...] = (write_time_map, write_feeds)


def site_path(path: Path | str) -> PurePosixPath:
    """Where the project file or folder ``path`` sits in the site, relative to its top (``.`` for the top)."""
    rel = PurePosixPath(Path(os.path.relpath(Path(path).resolve(), paths.project_root())).as_posix())
    if rel.parts[:1] == ("..",):
        raise ValueError(f"{path} is outside the project: the site holds only the project's files")
    return PurePosixPath(*rel.parts[1:]) if rel.parts[:1] == (PAGES,) else rel


def site_href(target: Path | str, page_dir: Path | str) -> str:
    """The relative link from a page in the folder ``page_dir`` to ``target`` (both project paths), as the
    site places them: ``site_href(notebooks/x.py, reports/notebooks)`` is ``x.py``."""
    return posixpath.relpath(site_path(target), site_path(page_dir))


def site_prefix(folder: Path | str, page_dir: Path | str) -> str:
    """``site_href`` of a folder as a URL prefix: ``""`` for the page's own folder, else ending in ``/``."""
    rel = site_href(folder, page_dir)
    return "" if rel == "." else rel + "/"


# The Spanish edition (build.spanish): each English page with a Spanish twin, by their places in the site; a
# state report's twin is es/states/<its name>.
SPANISH = "es"
# The notebook whose story the Spanish edition tells on a page of its own, history.html
HISTORY_NOTEBOOK = "00_program_history"
SPANISH_TWINS = {"index.html": f"{SPANISH}/index.html", "agencies.html": f"{SPANISH}/agencies.html",
                 f"notebooks/{HISTORY_NOTEBOOK}.html": f"{SPANISH}/history.html"}


def spanish_twin(page: Path | str) -> str:
    """The link from the English page ``page`` (a project path under ``reports/``) to its Spanish twin, or to
    the Spanish front page where it has none: its language switch."""
    place = site_path(page)
    twin = SPANISH_TWINS.get(place.as_posix())
    if twin is None and place.parent == PurePosixPath("states"):
        twin = f"{SPANISH}/states/{place.name}"
    return posixpath.relpath(twin or f"{SPANISH}/index.html", place.parent.as_posix())


def site_sources(release: Path) -> list[tuple[Path, PurePosixPath]]:
    """Every ``(project file, its place in the site)`` of ``SITE_FILES`` and the data release ``release``
    (``publish.release``'s zip, which the front page links), sorted by place."""
    root = paths.project_root()
    found = {release}
    for folder, patterns in SITE_FILES:
        for pattern in patterns:
            found.update(p for p in (root / folder).glob(pattern) if p.is_file())
    return sorted(((p, site_path(p)) for p in found), key=lambda pair: pair[1])


def build_site(release: Path, site: Path | None = None, extras: tuple[SiteWriter, ...] | None = None) -> list[Path]:
    """Write the site into ``site`` (default ``site/``) from scratch and return every file written: the
    declared files copied byte for byte (so the site is the same on every run from the same build), then
    ``extras`` (default ``SITE_EXTRAS``). It is assembled beside ``site`` and moved into place whole, so a
    failed build leaves the previous site as it was."""
    site = site or paths.site_dir()
    index = paths.reports_dir() / "index.html"
    if not index.exists():
        raise FileNotFoundError(f"{paths.relative(index)} is missing: run `make reports` first")
    sources = site_sources(release)
    missing = [paths.relative(src) for src, _ in sources if not src.exists()]
    if missing:
        raise FileNotFoundError(f"the site links {', '.join(missing)}, which is missing: run `make release`")
    staging = site.with_name(f".{site.name}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    written = []
    for src, place in sources:
        dest = staging / place
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        written.append(dest)
    for write in SITE_EXTRAS if extras is None else extras:
        written += write(staging)
    shutil.rmtree(site, ignore_errors=True)
    staging.rename(site)
    return sorted(site / p.relative_to(staging) for p in written)
