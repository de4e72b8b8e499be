"""Executed notebooks as the project keeps and shows them: what changes from run to run stripped, no path of the
machine left in an output, and one self-contained HTML page per notebook."""
from __future__ import annotations

import base64
import binascii
import copy
import functools
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nbformat
from jinja2 import FileSystemLoader
from nbconvert import HTMLExporter
from PIL import Image, UnidentifiedImageError

from ..publish.pages import TEMPLATES, page_parts

VOLATILE_CELL_METADATA = ("execution", "papermill", "ExecuteTime", "collapsed", "scrolled")


def strip_volatile(nb):
    """Drop what changes from run to run: papermill timings, execution timestamps, paths."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill's cell comes with a random id
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.get("cell_type") == "code":
            for output in cell.get("outputs", []):
                output.get("metadata", {}).pop("execution", None)
            cell["outputs"] = coalesce_streams(cell.get("outputs", []))
    return nb


def coalesce_streams(outputs: list) -> list:
    """Consecutive outputs of one stream (stdout, stderr) as one: how a kernel splits a cell's printing
    into messages depends on timing, so the split is not part of the result."""
    merged = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (output.get("output_type") == "stream" and last is not None and last.get("output_type") == "stream"
                and last.get("name") == output.get("name")):
            last["text"] = "".join(last["text"]) + "".join(output["text"])
        else:
            merged.append(output)
    return merged


# Outputs whose text is base64 image data: "/tmp/" can occur in it by chance, and no path can leak there.
BINARY_MIME = ("image/png", "image/jpeg", "image/gif")


def leaked_path(nb, root: Path) -> str | None:
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime in BINARY_MIME:
                output.get("data", {}).pop(mime, None)
    text = nbformat.writes(nb)
    for needle in {str(root), str(root.resolve()), tempfile.gettempdir() + "/"}:
        if needle and needle in text:
            return needle
    return None


def page_title(nb) -> str | None:
    """The title a notebook gives its page at run time: the ``ice287g_title`` metadata of an output
    (``reports.show_title``), so dates computed by the run can name the page."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            title = output.get("metadata", {}).get("ice287g_title")
            if title:
                return str(title)
    return None


class MissingAltText(ValueError):
    """A notebook shows an image no reader of a screen reader could know: no alt text anywhere."""


# The PNG text chunk publish.charts.save_figure writes the figure's alt text into (its manifest's alt_text).
ALT_CHUNK = "Description"


def png_alt_text(data: str) -> str | None:
    """The alt text carried by a base64 PNG: its ``Description`` text chunk, else ``None``."""
    try:
        with Image.open(io.BytesIO(base64.b64decode(data))) as im:
            text = im.text.get(ALT_CHUNK) if hasattr(im, "text") else None
    except (binascii.Error, UnidentifiedImageError, OSError):
        return None
    return text.strip() if isinstance(text, str) and text.strip() else None


def with_alt_text(nb):
    """Every PNG a notebook shows with its alt text in the output's ``image/png`` metadata (``alt``), which
    ``offline.html.j2`` writes into the page: the notebook's own, if it gave one for a figure drawn inline,
    else the alt text ``save_figure`` wrote into the PNG, the same as the figure's row of
    ``figures/manifest.csv``. An image with neither stops the page (nbconvert would write "No description
    has been provided for this image")."""
    nb = copy.deepcopy(nb)
    for number, cell in enumerate(nb.cells, 1):
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            if data is None:
                continue
            meta = output.setdefault("metadata", {}).setdefault("image/png", {})
            alt = str(meta.get("alt") or "").strip() or png_alt_text(data)
            if not alt:
                raise MissingAltText(f"cell {number} shows an image without alt text: draw it with "
                                     "publish.charts.save_figure and show_figure, which carry the figure's alt text")
            meta["alt"] = alt
    return nb


def render_html(nb, *, title: str | None = None, root: str = "", sources: Sequence[tuple[str, str]] = (),
                twin: str = "") -> str:
    """A notebook as one self-contained HTML page (images inline), the only way the project renders one:
    code cells and prompts hidden, every image with its alt text (``with_alt_text``), the site's header and stylesheet (``root`` is the relative path from
    the page to ``reports/``), ``sources`` (label, href) linking the executed notebook and its code, and the
    language switch to the page's Spanish ``twin`` (``publish.site.spanish_twin``)."""
    nb = with_alt_text(nb)
    title = title or page_title(nb)
    if title:
        nb.metadata["title"] = title
    head, header, footer = page_parts(root, sources, twin)
    body, _ = _html_exporter().from_notebook_node(nb, resources={"ice287g": {"head": head, "header": header,
                                                                             "footer": footer}})
    return body


@functools.lru_cache(maxsize=1)
def _html_exporter():
    """One exporter per process: its templates are compiled once, not once per page (everything that
    differs between pages comes in through ``resources``)."""
    return HTMLExporter(extra_loaders=[FileSystemLoader(str(TEMPLATES))], template_file="offline.html.j2",
                        mathjax_url="", require_js_url="", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True)
