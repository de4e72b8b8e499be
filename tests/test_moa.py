"""Links to the signed agreements: the MOA and ADDENDUM addresses, read from real raw files."""
from __future__ import annotations

from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

from ice287g.core import paths
from ice287g.history import history, listqa
from ice287g.ingest import lists
from ice287g.ingest import moa_links
from ice287g.archive import xlsxlimits
from ice287g.tables import schema

ICE_DIR = paths.raw_dir() / "ice_287g"
WORKBOOK = "2026-05-18_participatingAgencies05182026am.xlsx"  # an ICE workbook with MOA and ADDENDUM columns
WEB_TABLE = "2021-01-13_ParticipatingEntities-20210113002027.xlsx"  # the archive's web-table workbook
FACT_SHEET = "2017-08-01_pre2018-roster-long.csv"
AUTAUGA_TFM = "https://www.ice.gov/doclib/287gMOA/AutaugaCoSheriffsOfficeAL_TFM_MOA_09222025.pdf"


@pytest.mark.parametrize("printed, url", [
    ("https://www.ice.gov/doclib/287gMOA/a.pdf", "https://www.ice.gov/doclib/287gMOA/a.pdf"),
    ("  https://www.ice.gov/doclib/287gMOA/a.pdf\n", "https://www.ice.gov/doclib/287gMOA/a.pdf"),
    ("/doclib/287gMOA/a.pdf", "https://www.ice.gov/doclib/287gMOA/a.pdf"),
    ("www.ice.gov/doclib/a.pdf", "https://www.ice.gov/doclib/a.pdf"),
    ("http://www.ice.gov/doclib/287gMOA/a.pdf", "https://www.ice.gov/doclib/287gMOA/a.pdf"),
    ("HTTPS://ice.gov/doclib/a.pdf", "https://www.ice.gov/doclib/a.pdf"),
    ("//www.ice.gov/doclib/a.pdf", "https://www.ice.gov/doclib/a.pdf"),
    ("https://www.ice.gov/doclib/287gMOA/287gJEM_ etowahCoAL.pdf",
     "https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL.pdf"),
    # Wayback links stay wrapped; a saved Wayback page's own relative path gets Wayback's origin
    ("https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/287gMOA/a.pdf",
     "https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/287gMOA/a.pdf"),
    ("/web/20210113002027/https://www.ice.gov/doclib/287gMOA/a.pdf",
     "https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/287gMOA/a.pdf"),
    # an Outlook safe link (ICE's workbooks, from June 2025) gives way to the address it wraps
    (("https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2F"
      "ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf&data=05%7C02%7CERO287g%40ice.dhs.gov%7C0%7C&reserved=0"),
     "https://www.ice.gov/doclib/287gMOA/ColbertCoSheriffsOfficeAL_WSO_MOA_05.08.25.pdf"),
    ("https://nam.safelinks.protection.outlook.com/?url=%2Fdoclib%2Fa%20b.pdf&data=x",
     "https://www.ice.gov/doclib/a%20b.pdf"),
    ("https://gcc02.safelinks.protection.outlook.com/?data=05", ""),
    # labels are not links
    ("link", ""), ("link pending", ""), ("Link Pending", ""), ("link\xa0|\xa0addendum", ""), ("MOA", ""),
    ("r_287gmesapolicedept.pdf", ""), ("", ""), ("   ", ""), ("/", ""), (None, ""), (float("nan"), ""),
    ("https://", ""), ("mailto:x@ice.dhs.gov", ""),
])
def test_link_url_normalizes_addresses_and_refuses_labels(printed, url):
    assert moa_links.link_url(printed) == url
    assert moa_links.link_url(url) == url  # normalizing twice changes nothing


def test_is_wayback():
    assert moa_links.is_wayback("https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/a.pdf")
    assert not moa_links.is_wayback("https://www.ice.gov/doclib/a.pdf")
    assert not moa_links.is_wayback("")


def test_hyperlinks_read_from_the_package_equal_openpyxls():
    """The fast reader of the xlsx package against openpyxl's ``cell.hyperlink.target`` (slow, independent)."""
    got = moa_links.workbook_hyperlinks(ICE_DIR / WORKBOOK)
    wb = openpyxl.load_workbook(ICE_DIR / WORKBOOK)
    want = {ws.title: {(c.row, c.column - 1): c.hyperlink.target for row in ws.iter_rows() for c in row
                       if c.hyperlink is not None and c.hyperlink.target} for ws in wb.worksheets}
    assert got == want
    assert got["Sheet1"][(2, 6)] == AUTAUGA_TFM  # G2
    by_column = pd.Series([c for _, c in got["Sheet1"]]).value_counts().to_dict()
    assert by_column == {6: 1680, 7: 45}  # MOA (G) and ADDENDUM (H)


@pytest.fixture(scope="module")
def newest():
    return lists.parse_file(ICE_DIR / WORKBOOK, kind="participating").rows


def test_an_ice_workbook_gives_its_hyperlinks_not_its_labels(newest):
    first = newest.iloc[0]
    assert (first["row"], first["moa"], first["moa_url"]) == (2, "link", AUTAUGA_TFM)
    links = pd.concat([newest["moa_url"], newest["addendum_url"]])
    links = links[links != ""]
    assert links.str.startswith("https://www.ice.gov/doclib/").all()  # Outlook safe links unwrapped
    raw = moa_links.workbook_hyperlinks(ICE_DIR / WORKBOOK)["Sheet1"]
    assert sum("safelinks.protection.outlook.com" in t for t in raw.values()) == 218
    assert (newest["moa_url"] != "").sum() == 1678
    assert (newest["addendum_url"] != "").sum() == 45
    pending = newest[newest["moa"].str.lower() == "link pending"]
    assert len(pending) == 163 and (pending["moa_url"] == "").all()  # a label is never taken for a link
    assert (newest.loc[newest["moa"] == "", "moa_url"] == "").all()


def test_hyperlinks_are_read_once_and_only_where_the_text_is_no_address(monkeypatch):
    calls = []
    real = moa_links.workbook_hyperlinks

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(lists, "workbook_hyperlinks", counting)
    lists.parse_file(ICE_DIR / WORKBOOK, kind="participating")
    assert len(calls) == 1
    calls.clear()
    web = lists.parse_file(ICE_DIR / WEB_TABLE, kind="participating").rows
    assert calls == []  # the web-table workbook prints its addresses
    assert len(web) == 150 and (web["moa_url"] == web["moa"].map(moa_links.link_url)).all()
    assert web["moa_url"].map(moa_links.is_wayback).sum() == 150 - (web["moa"] == "").sum()


def test_the_fact_sheet_prints_file_names_which_are_not_links():
    rows = lists.parse_file(ICE_DIR / FACT_SHEET).rows
    assert rows["moa"].str.lower().str.endswith(".pdf").sum() == 1464
    assert (rows["moa_url"] == "").all()


def test_a_capture_with_relative_links_gets_ices_origin():
    header = ["STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED", "MOA"]
    cells = [header, ["TEXAS", "Harris County Sheriff's Office", "Jail Enforcement Model", "2020-01-02",
                      " /doclib/287gMOA/harris.pdf "],
             ["TEXAS", "Waller County Sheriff's Office", "Jail Enforcement Model", "2020-01-02", "link pending"]]
    rows = lists.read_sheets("2021-01-13_287g-20210113002027.html", [("287(g)", cells)], lists.Rules.load(),
                             "participating").rows
    assert rows["moa_url"].tolist() == ["https://www.ice.gov/doclib/287gMOA/harris.pdf", ""]


def test_an_unreadable_hyperlink_part_names_the_file(tmp_path):
    import zipfile

    src = ICE_DIR / WORKBOOK
    bad = tmp_path / WORKBOOK
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/_rels/sheet1.xml.rels":
                data = data[: len(data) // 2]  # truncated XML
            zout.writestr(item, data)
    with pytest.raises(lists.ListError, match=f"{WORKBOOK}.*Sheet1.*unreadable hyperlinks"):
        lists.parse_file(bad, kind="participating")


def _rows(*specs):
    """List rows: (list date, model, signed, moa_url, addendum_url) of one agency."""
    out = []
    for i, (date, model, signed, moa, addendum) in enumerate(specs):
        out.append({"list_id": f"participating-{date}", "list_date": date, "list_kind": "participating",
                    "row": i + 2, "state": "TX", "agency": "Harris County Sheriff's Office", "agency_printed": "x",
                    "agency_type": "", "model": model, "signed": signed, "era": "ice_workbook",
                    "agency_key": "HARRIS", "agency_id": "TX:HARRIS", "moa": "link" if moa else "link pending",
                    "moa_url": moa, "addendum_url": addendum})
    return pd.DataFrame(out)


def _lists(*dates):
    return pd.DataFrame({"list_id": [f"participating-{d}" for d in dates], "list_date": list(dates),
                         "list_kind": "participating", "in_series": True, "time_of_day": "", "era": "ice_workbook"})


def test_an_agreement_takes_the_newest_list_that_links_its_document():
    a, b = "https://www.ice.gov/doclib/287gMOA/a.pdf", "https://www.ice.gov/doclib/287gMOA/b.pdf"
    rows = _rows(("2025-07-01", "JEM", "2025-06-01", a, ""), ("2025-07-08", "JEM", "2025-06-01", b, a),
                 ("2025-07-15", "JEM", "2025-06-01", "", ""),  # link pending on the newest list
                 ("2025-07-15", "TFM", "2025-07-10", "", ""))
    got = history.agreement_history(rows, _lists("2025-07-01", "2025-07-08", "2025-07-15")).set_index("model")
    assert got.loc["JEM", ["moa_url", "addendum_url"]].tolist() == [b, a]
    assert got.loc["TFM", ["moa_url", "addendum_url"]].tolist() == ["", ""]
    assert list(got.columns[-2:]) == ["moa_url", "addendum_url"]


def test_qa_reports_the_share_and_fails_on_a_label_taken_for_a_link():
    url = "https://www.ice.gov/doclib/287gMOA/a.pdf"
    rows = _rows(("2025-07-01", "JEM", "2025-06-01", url, ""), ("2025-07-01", "WSO", "2025-06-01", "", ""),
                 ("2025-07-01", "TFM", "2025-06-01", url, url))
    ls = _lists("2025-07-01")
    checks = {c["check"]: c for c in listqa.moa_link_checks(rows, ls)}
    assert checks["moa_link_share"]["value"] == "2 of 3 (66.7%)"
    assert checks["moa_link_share"]["status"] == "info"
    assert checks["addendum_link_share"]["value"] == "1 of 3 (33.3%)"
    assert checks["moa_label_without_link"]["value"] == "1 (link pending: 1)"
    assert checks["moa_links_are_addresses"]["status"] == "pass"
    doctored = rows.assign(moa_url=["link pending", "", url])
    failed = {c["check"]: c for c in listqa.moa_link_checks(doctored, ls)}["moa_links_are_addresses"]
    assert failed["status"] == "fail" and "'link pending'" in failed["value"]


def test_qa_share_on_the_real_newest_workbook(newest):
    lid = newest["list_id"].iloc[0]
    ls = pd.DataFrame({"list_id": [lid], "list_date": [newest["list_date"].iloc[0]], "list_kind": ["participating"],
                       "in_series": [True], "time_of_day": ["am"], "era": ["ice_workbook"]})
    checks = {c["check"]: c for c in listqa.moa_link_checks(newest, ls)}
    assert checks["moa_link_share"]["value"] == "1,678 of 1,843 (91.0%)"
    assert checks["moa_label_without_link"]["value"] == "165 (link: 2; link pending: 163)"


def test_the_link_columns_are_declared():
    for path in ("data/processed/agreements.csv", "data/processed/list_rows.csv"):
        names = [c.name for c in schema.DATASETS[path].columns]
        assert names[-2:] == ["moa_url", "addendum_url"]
    assert lists.EXTRA_ROW_COLUMNS[-2:] == ["moa_url", "addendum_url"]


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@pytest.mark.parametrize("sheet", [
    # ICE's layout: default namespace, the hyperlinks after the cell data
    (f'<worksheet xmlns="{MAIN}" xmlns:r="{RELS}"><sheetData><row r="2"><c r="G2" t="s"><v>0</v></c></row>'
     '</sheetData><hyperlinks><hyperlink ref="G2" r:id="rId1"/><hyperlink ref="H3:H4" r:id="rId2"/>'
     '<hyperlink ref="A1" location="Sheet1!A1"/></hyperlinks></worksheet>'),
    # another writer's prefixes
    (f'<x:worksheet xmlns:x="{MAIN}" xmlns:rel="{RELS}"><x:sheetData/><x:hyperlinks>'
     '<x:hyperlink ref="G2" rel:id="rId1"/><x:hyperlink ref="H3:H4" rel:id="rId2"/></x:hyperlinks></x:worksheet>'),
])
def test_the_hyperlink_block_is_read_whatever_the_prefixes(sheet):
    got = [(e.get("ref"), e.get(f"{{{RELS}}}id")) for e in moa_links._sheet_hyperlink_elements(sheet.encode())]
    assert got[:2] == [("G2", "rId1"), ("H3:H4", "rId2")]
    whole = ElementTree.fromstring(sheet.encode()).iterfind("m:hyperlinks/m:hyperlink", {"m": MAIN})
    assert got == [(e.get("ref"), e.get(f"{{{RELS}}}id")) for e in whole]


def test_a_sheet_without_hyperlinks_has_none():
    assert moa_links._sheet_hyperlink_elements(f'<worksheet xmlns="{MAIN}"><sheetData/></worksheet>'.encode()) == []
    assert xlsxlimits.cell_index("H4") == (4, 7) and xlsxlimits.cell_index("$AA$10") == (10, 26)
