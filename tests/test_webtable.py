"""A saved ice.gov page with the list as an HTML table reads into the same list rows as the archive's
web-table workbook made from the same capture."""
from __future__ import annotations

import html
import shutil

import openpyxl
import pytest

from ice287g.archive import coverage
from ice287g.core import paths
from ice287g.history import listqa
from ice287g.ingest import lists, webtable

WORKBOOK = "2021-01-13_ParticipatingEntities-20210113002027.xlsx"
CAPTURE = "2021-01-13_287g-20210113002027.html"


def _workbook_rows(name: str = WORKBOOK) -> tuple[str, list[list[str]]]:
    """The workbook's sheet, read with openpyxl (the project reads it with calamine)."""
    wb = openpyxl.load_workbook(paths.raw_dir() / "ice_287g" / name, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
    title = ws.title
    wb.close()
    return title, rows


def capture_page(title: str, rows: list[list[str]], *, extra_list_table: bool = False) -> str:
    """A page as ice.gov served it: header and navigation, the table under a heading, a footer; names
    entity-escaped, a line break and nested tags inside cells, the MOA as a link."""
    header, body = rows[0], rows[1:]
    moa = header.index("MOA")
    agency = header.index("LAW ENFORCEMENT AGENCY")
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"><title>Delegation of Immigration '
           "Authority Section 287(g) | ICE</title><style>td { padding: 2px }</style>"
           "<script>var x = '<table><tr><td>LAW ENFORCEMENT AGENCY</td></tr></table>';</script></head><body>",
           '<header><nav><ul><li><a href="/">Home</a></li><li><a href="/about">About &amp; Contact</a></li>'
           "</ul></nav>",
           # a layout table without a 287(g) header: the reader must pass over it
           '<table class="layout"><tr><td>Search</td><td><input type="text"/></td></tr></table></header>',
           "<main><h1>Delegation of Immigration Authority Section 287(g)</h1>",
           "<p>ICE has <strong>287(g)</strong> agreements with the agencies below.</p>",
           f"<h2>{html.escape(title)}</h2>",
           '<table class="usa-table"><thead><tr>' + "".join(f"<th scope=\"col\">{html.escape(h)}</th>" for h in header)
           + "</tr></thead><tbody>"]
    for i, r in enumerate(body):
        cells = []
        for j, v in enumerate(r):
            if j == moa and v:
                cells.append(f'<td><a href="{html.escape(v)}" target="_blank">MOA<span class="sr-only"> '
                             f"(PDF)</span></a></td>")
            elif j == agency and i % 7 == 0 and " " in v:
                a, b = v.split(" ", 1)
                cells.append(f"<td><p>{html.escape(a)}<br>{html.escape(b)}</p></td>")
            elif j == 0:
                cells.append(f"<td><span><strong>{html.escape(v)}</strong></span>&nbsp;</td>")
            else:
                cells.append(f"<td>{html.escape(v)}</td>")
        out.append("<tr>\n  " + "\n  ".join(cells) + "\n</tr>")
    out.append("</tbody></table>")
    if extra_list_table:
        out.append("<table><tr><th>STATE</th><th>LAW ENFORCEMENT AGENCY</th><th>SUPPORT TYPE</th></tr></table>")
    out.append('<footer><table><tr><td>Last Reviewed/Updated:</td><td>01/12/2021</td></tr></table>'
               "<p>&copy; U.S. Immigration and Customs Enforcement</p></footer></main></body></html>")
    return "\n".join(out)


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    title, rows = _workbook_rows()
    path = tmp_path_factory.mktemp("capture") / CAPTURE
    path.write_text(capture_page(title, rows), encoding="utf-8")
    return path


def test_a_capture_reads_into_the_rows_of_its_workbook(capture):
    from_workbook = lists.parse_file(paths.raw_dir() / "ice_287g" / WORKBOOK, kind="participating")
    from_page = lists.parse_file(capture, kind="participating")
    want = from_workbook.rows.drop(columns="source_file")
    got = from_page.rows.drop(columns="source_file")
    assert len(got) == 150  # the manifest's rows=150 for this capture
    assert got.equals(want)
    assert set(from_page.rows["source_file"]) == {CAPTURE}
    assert (got["era"] == "web_table").all()
    assert got.loc[got["agency_printed"].str.startswith("Etowah"), "agency"].tolist() == [
        "Etowah County Sheriff's Office"]  # split by <br> on the page, one name in the rows
    assert got["moa"].str.startswith("https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/").all()
    (lst_w,), (lst_p,) = from_workbook.lists, from_page.lists
    assert {k: v for k, v in lst_p.items() if k != "source_file"} == {
        k: v for k, v in lst_w.items() if k != "source_file"}
    assert lst_p["sheet"] == "287(g) Agreements" and lst_p["list_id"] == "participating-2021-01-13"


def test_read_list_takes_a_capture_by_its_suffix(capture):
    rows = lists.read_list(capture)
    assert rows["list_kind"].unique().tolist() == ["participating"]  # SIGNED in the header
    assert len(rows) == 150


def test_the_capture_kind_is_read_by_the_build():
    assert lists.MANIFEST_LIST_KINDS["ice_287g_html_capture"] == "participating"
    assert "ice_287g_html_capture" in lists.LIST_KINDS_READ
    label, group, ice_list = coverage.SERIES_BY_KIND["ice_287g_html_capture"]
    assert ice_list and (label, group) == coverage.SERIES_BY_KIND["ice_287g_html_table_xlsx"][:2]


def test_the_second_reader_counts_the_capture_alike(capture, tmp_path):
    shutil.copy(capture, tmp_path / CAPTURE)
    lst = lists.parse_file(capture).lists[0]
    import pandas as pd

    cells = listqa.raw_agency_cells(pd.DataFrame([lst]), tmp_path)
    assert cells["agency_cells"].tolist() == [150]
    # a doctored page with one agency cell blanked: the two readers disagree, so the QA check can fail
    page = (tmp_path / CAPTURE).read_text(encoding="utf-8")
    doctored = page.replace("<td>Kodiak Police Department</td>", "<td></td>", 1)
    assert doctored != page
    (tmp_path / CAPTURE).write_text(doctored, encoding="utf-8")
    assert listqa.raw_agency_cells(pd.DataFrame([lst]), tmp_path)["agency_cells"].tolist() == [149]


def test_page_tables_names_and_cells():
    page = ("<h3>Before</h3><table><caption>Agreements &amp; more</caption><tr><th colspan=2>A</th><th>MOA</th></tr>"
            "<tr><td>x<br/>y</td><td><b>z</b></td><td><a href='/doclib/a.pdf'>MOA</a></td></tr></table>"
            "<h2>Second</h2><table><tr><td>1</td><td><table><tr><td>inner</td></tr></table></td></tr></table>")
    tables = webtable.page_tables(page)
    assert [name for name, _ in tables] == ["Agreements & more", "Second", "Second (table 3)"]
    assert tables[0][1] == [["A", "", "MOA"], ["x y", "z", "/doclib/a.pdf"]]
    assert tables[1][1] == [["1", ""]] and tables[2][1] == [["inner"]]


def test_a_page_with_two_list_tables_is_refused(tmp_path):
    title, rows = _workbook_rows()
    path = tmp_path / CAPTURE
    path.write_text(capture_page(title, rows, extra_list_table=True), encoding="utf-8")
    with pytest.raises(lists.ListError, match="second sheet with a 287\\(g\\) header"):
        lists.parse_file(path)


def test_a_page_without_the_list_is_refused(tmp_path):
    path = tmp_path / CAPTURE
    path.write_text("<html><body><h1>Page not found</h1><table><tr><td>Search</td></tr></table></body></html>",
                    encoding="utf-8")
    with pytest.raises(lists.ListError, match=f"{CAPTURE}: no sheet has a 287\\(g\\) list header"):
        lists.parse_file(path)


def test_a_workbook_named_html_is_refused(tmp_path):
    path = tmp_path / CAPTURE
    path.write_bytes((paths.raw_dir() / "ice_287g" / WORKBOOK).read_bytes())
    with pytest.raises(lists.ListError, match="a workbook, not an HTML page"):
        lists.parse_file(path)
