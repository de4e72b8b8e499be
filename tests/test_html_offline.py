"""Generated pages carry the data and open offline: nothing they reference lives on another host."""
import base64
import html
import io
import re
from pathlib import Path

import nbformat
import pytest
from PIL import Image, PngImagePlugin

from ice287g.build import notebook_html, pipeline

REPORTS = Path(__file__).resolve().parents[1] / "reports"

# Every way a page can make the browser fetch something: attributes, CSS url() and @import, a script's import().
REFERENCE = re.compile(r"""\b(?:src|href|srcset|poster|data|action)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
                       r"""|url\(\s*['"]?([^'")]*)|@import\s+['"]([^'"]*)|\bimport\(\s*['"]([^'"]*)""", re.IGNORECASE)


# A link's target is fetched only when a reader clicks it (the signed agreements on ice.gov), so an <a>'s href
# is not a request of the page; everything else the pattern finds is.
ANCHOR_HREF = re.compile(r"""(<a\b[^>]*?)\bhref\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def outside_references(html: str) -> list[str]:
    """References that make the browser fetch from a host: a scheme (http:, https:, ftp: ...) other than
    data:, or a protocol-relative //host. Relative paths, #anchors and data: URIs stay, and so do the
    targets of links (``<a href>``), which load only when clicked."""
    found = []
    for m in REFERENCE.finditer(ANCHOR_HREF.sub(r"\1", html)):
        ref = next(g for g in m.groups() if g is not None).strip()
        if ref.startswith("//") or (re.match(r"^[a-z][a-z0-9+.-]*:", ref, re.I) and not ref.lower().startswith("data:")):
            found.append(ref)
    return found


def test_the_checker_finds_what_phones_out():
    page = ('<script src="https://cdnjs.cloudflare.com/x.js"></script><link href=\'//fonts.example/x.css\'>'
            '<style>@import "http://h/a.css"; b {background: url(https://h/i.png)}</style>'
            '<img src="../figures/x.png"><a href="#top"></a><img src="data:image/png;base64,AA==">'
            '<script type="module">await import("https://cdn.example/m.mjs")</script>'
            '<a class="moa" href="https://www.ice.gov/doclib/287gMOA/x.pdf">MOA</a>'
            '<a href="https://h/a" style="background: url(https://h/bg.png)">x</a>')
    assert outside_references(page) == ["https://cdnjs.cloudflare.com/x.js", "//fonts.example/x.css",
                                        "http://h/a.css", "https://h/i.png", "https://cdn.example/m.mjs",
                                        "https://h/bg.png"]


def _small_notebook():
    nb = nbformat.v4.new_notebook()
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    nb.cells = [
        nbformat.v4.new_markdown_cell("# A page\n\nA rate of $x^2$ per [figure](../figures/x.svg)."),
        nbformat.v4.new_code_cell("table", outputs=[nbformat.v4.new_output(
            "execute_result", {"text/html": "<table><tr><td>FL</td><td>12</td></tr></table>",
                               "text/plain": "FL 12"}, execution_count=1)]),
        nbformat.v4.new_code_cell("figure", outputs=[nbformat.v4.new_output(
            "display_data", {"image/png": png, "text/plain": "<Figure>"},
            metadata={"image/png": {"alt": "One white pixel"}})]),
    ]
    return nb


def _png_with_description(text: str | None) -> str:
    """A base64 PNG as save_figure writes one: its alt text in the Description chunk (none when ``None``)."""
    info = PngImagePlugin.PngInfo()
    if text is not None:
        info.add_text("Description", text)
    buf = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buf, format="PNG", pnginfo=info)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def test_a_figure_is_shown_with_the_alt_text_its_png_carries():
    nb = _small_notebook()
    nb.cells[2].outputs[0] = nbformat.v4.new_output(
        "display_data", {"image/png": _png_with_description('Bars of "agreements" by model & year'),
                         "text/plain": "<Figure>"})
    page = notebook_html.render_html(nb)
    assert _alts(page) == ['Bars of "agreements" by model & year']
    assert "No description has been provided" not in page
    # the notebook's own alt text, for a figure drawn inline, comes first
    nb.cells[2].outputs[0].metadata = {"image/png": {"alt": "Drawn inline"}}
    assert _alts(notebook_html.render_html(nb)) == ["Drawn inline"]


def _alts(page: str) -> list[str]:
    return [html.unescape(m.group(2)) for m in re.finditer(r"""<img\b[^>]*\balt=(["'])(.*?)\1""", page)]


def test_an_image_without_alt_text_stops_the_page():
    nb = _small_notebook()
    nb.cells[2].outputs[0] = nbformat.v4.new_output(
        "display_data", {"image/png": _png_with_description(None), "text/plain": "<Figure>"})
    with pytest.raises(notebook_html.MissingAltText, match="cell 3"):
        notebook_html.render_html(nb)


def test_a_rendered_notebook_loads_nothing_from_another_host():
    page = notebook_html.render_html(_small_notebook())
    assert outside_references(page) == []
    assert "<script src=" not in page  # no empty script tags either
    # still a page: the table and the image are inline
    assert "<td>FL</td>" in page and 'src="data:image/png;base64,' in page
    assert 'href="../figures/x.svg"' in page


def test_a_rendered_notebook_hides_its_code_and_links_it():
    nb = _small_notebook()
    nb.cells[1].source = "SECRET_CODE = 1\ntable"
    nb.cells.insert(1, nbformat.v4.new_code_cell("show_title()", outputs=[nbformat.v4.new_output(
        "display_data", {"text/markdown": "# Texas, list of 2026-05-18"},
        metadata={"ice287g_title": "Texas <list> of 2026-05-18"})]))
    page = notebook_html.render_html(nb, root="../", sources=[("executed notebook (.ipynb)", "TX.ipynb"),
                                                         ("source (.py)", "../../notebooks/state_report.py")])
    assert "SECRET_CODE" not in page
    assert not re.search(r'class="[^"]*\bjp-(InputPrompt|OutputPrompt|InputArea-editor)\b', page)
    assert "<title>Texas &lt;list&gt; of 2026-05-18</title>" in page  # named by the run, escaped
    assert '<a href="TX.ipynb">executed notebook (.ipynb)</a>' in page
    assert '<a href="../../notebooks/state_report.py">source (.py)</a>' in page
    # the site's header and stylesheet, and a viewport for phones
    assert '<a href="../agencies.html">agencies</a>' in page and 'header.site' in page
    assert 'name="viewport"' in page
    assert "<td>FL</td>" in page  # outputs stay


def test_source_links_are_relative_to_the_page():
    from ice287g.core import paths

    executed = paths.reports_dir() / "states" / "TX.ipynb"
    assert pipeline.source_links("state_report", executed) == (
        ("executed notebook (.ipynb)", "TX.ipynb"), ("source (.py)", "../notebooks/state_report.py"))
    # as the site places them: reports/notebooks/03_maps.html beside notebooks/03_maps.ipynb (publish.site)
    assert pipeline.source_links("03_maps", pipeline.executed_path("03_maps"), paths.reports_dir() / "notebooks") == (
        ("executed notebook (.ipynb)", "03_maps.ipynb"), ("source (.py)", "03_maps.py"))


@pytest.mark.built
@pytest.mark.parametrize("page", sorted(REPORTS.rglob("*.html")) or [None],
                         ids=lambda p: str(p.relative_to(REPORTS)) if p else "none")
def test_every_generated_page_loads_nothing_from_another_host(page):
    if page is None:
        pytest.skip("no pages generated under reports/ (make reports)")
    assert outside_references(page.read_text(encoding="utf-8")) == [], \
        f"{page}: stale or phoning out; rebuild with `python -m ice287g reports`"
