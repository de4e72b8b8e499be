"""``update`` against a loopback copy of ICE's pages and of the Wayback Machine (tests/loopback.py):
real raw files land with the right dates, kinds, hashes and URLs, impostors are refused, a second run
changes nothing, every failure leaves the archive as it was, and the build never opens a socket."""
from __future__ import annotations

import csv
import hashlib
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ice287g.acquire import fetch, ice_pages, update, wayback
from ice287g.archive import manifests
from ice287g.archive import coverage
from ice287g.core import paths
from tests.conftest import REAL_RAW, manifest_rows
from tests.loopback import XLSX, Loopback, quick_client, server  # noqa: F401 (server: a fixture)

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

FIXTURES = Path(__file__).parent / "fixtures"
DOCLIB_287G = "/doclib/about/offices/ero/287g/"
DOCLIB_DETENTION = "/doclib/detention/"

# Real archive files served under the names ICE gave them (their manifests' original_url).
PARTICIPATING = ("ice_287g", "2026-05-18_participatingAgencies05182026am.xlsx")
PENDING = ("ice_287g", "2025-04-11_pendingAgencies04112025pm.xlsx")
WORKBOOK = ("ice_detention", "2026-01-22_FY26_detentionStats02022026.xlsx")
IN_SAMPLE = ("ice_287g", "2025-06-06_participatingAgencies06062025am.xlsx")  # already in the `project` archive
OTHER_LIST = ("ice_287g", "2026-05-11_participatingAgencies05112026am.xlsx")


def real_row(source: str, file: str) -> dict:
    return next(r for r in manifest_rows(REAL_RAW / source)[1] if r["file"] == file)


def real_bytes(source: str, file: str) -> bytes:
    return (REAL_RAW / source / file).read_bytes()


def ice_name(source: str, file: str) -> str:
    return fetch.file_name(real_row(source, file)["original_url"])


def snapshot(root: Path) -> dict[str, str]:
    """Every raw file and its sha256 (the landing lock, an empty file git ignores, left out)."""
    raw = root / "data" / "raw"
    return {str(p.relative_to(raw)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(raw.rglob("*")) if p.is_file() and p.name != manifests.LOCK_NAME}


def hold(project: Path, source: str, file: str) -> tuple[str, bytes]:
    """A real file put into the throwaway archive with its manifest row, so that a page linking it links
    a file the archive already holds (``unchanged``); returns (its ICE name, its bytes)."""
    from tests.conftest import write_manifest_rows

    folder = project / "data" / "raw" / source
    folder.mkdir(exist_ok=True)
    fieldnames, rows = manifest_rows(folder) if (folder / "MANIFEST.csv").exists() else \
        (manifest_rows(REAL_RAW / source)[0], [])
    write_manifest_rows(folder, fieldnames, rows + [real_row(source, file)])
    (folder / file).write_bytes(real_bytes(source, file))
    return ice_name(source, file), real_bytes(source, file)


def page(*hrefs: str) -> bytes:
    links = "\n".join(f'<li><a href="{h}">{h.rsplit("/", 1)[-1]}</a></li>' for h in hrefs)
    return f"<!DOCTYPE html><html><head><title>287(g)</title></head><body><ul>{links}</ul></body></html>".encode()


@pytest.fixture
def landing(archive):
    """The project's archive with what landing's readers need (hand tables, Census states)."""
    return archive


def run_update(server, lines=None, **kw):
    out = lines.append if lines is not None else (lambda s: None)
    kw.setdefault("client", quick_client())
    kw.setdefault("wayback_client", quick_client())
    return update.update(ice_base=kw.pop("ice_base", server.url), out=out, **kw)


def serve_ice(server, files_287g, files_detention, extra_links=()):
    """ICE's two pages on the loopback server, each file under its ICE name, linked in turn by a root-relative,
    a page-relative with a percent-encoded letter, and an absolute link with a query string; returns {name: bytes}."""
    served = {}
    for folder, files, page_path in ((DOCLIB_287G, files_287g, ice_pages.PAGE_287G.path),
                                     (DOCLIB_DETENTION, files_detention, ice_pages.PAGE_DETENTION.path)):
        hrefs = []
        for i, (name, data) in enumerate(files):
            server.serve(folder + name, data, content_type=XLSX)
            hrefs.append([folder + name, ".." + folder + name[:3] + "%" + name[3].encode().hex().upper() + name[4:],
                          f"{server.url}{folder}{name}?ver={i}"][i % 3])
            served[name] = data
        if page_path == ice_pages.PAGE_287G.path:
            hrefs += list(extra_links)
        server.serve(page_path, page(*hrefs), content_type="text/html")
    return served


# ---------------------------------------------------------------------------------------------
# The client: links, URL rules, retries, timeouts, truncation (no landing needed)


def test_links_relative_absolute_odd_names_and_other_hosts():
    base = "https://www.ice.gov/identify-and-arrest/287g"
    html = page(
        "/doclib/about/offices/ero/287g/participatingAgencies11202026am.xlsx",
        "../doclib/about/offices/ero/287g/287gParticipatingAgencies091526pm.xlsx",
        "https://www.ice.gov/doclib/about/offices/ero/287g/ParticipatingAgency091826am.xlsx?ver=2#top",
        "/doclib/about/offices/ero/287g/060920263pm.XLSX",
        "/doclib/about/offices/ero/287g/pending%20Agencies%2006092026.xlsx",
        "https://www.ice.gov/doclib/about/offices/ero/287g/participatingAgencies11202026am.xlsx",  # duplicate
        "https://evil.example.com/doclib/about/offices/ero/287g/participatingAgencies11212026am.xlsx",
        "http://www.ice.gov:8080/doclib/about/offices/ero/287g/other-port.xlsx",
        "/doclib/about/offices/ero/287g/factsheet.pdf",
        "/doclib/news/participatingAgencies11202026am.xlsx",
        "mailto:someone@ice.gov",
    ).replace(b'href="/doclib/about/offices/ero/287g/060920263pm.XLSX"',
              b"HREF='/doclib/about/offices/ero/287g/060920263pm.XLSX'")
    links = fetch.xlsx_links(html, base, [DOCLIB_287G])
    assert links == [
        "https://www.ice.gov/doclib/about/offices/ero/287g/participatingAgencies11202026am.xlsx",
        "https://www.ice.gov/doclib/about/offices/ero/287g/287gParticipatingAgencies091526pm.xlsx",
        "https://www.ice.gov/doclib/about/offices/ero/287g/ParticipatingAgency091826am.xlsx?ver=2",
        "https://www.ice.gov/doclib/about/offices/ero/287g/060920263pm.XLSX",
        "https://www.ice.gov/doclib/about/offices/ero/287g/pending%20Agencies%2006092026.xlsx",
    ]
    assert [fetch.file_name(u) for u in links][-1] == "pending Agencies 06092026.xlsx"


def test_detention_page_takes_only_detention_statistics_workbooks():
    base = "https://www.ice.gov/detain/detention-management"
    html = page("/doclib/detention/FY26_detentionStats_04092026.xlsx", "/doclib/detention/FY19-detentionstats.xlsx",
                "/doclib/detention/dedicatedNonDedicatedFacilityList.xlsx")
    names = [fetch.file_name(u) for u in fetch.xlsx_links(html, base, [DOCLIB_DETENTION], ice_pages.PAGE_DETENTION.accept)]
    assert names == ["FY26_detentionStats_04092026.xlsx", "FY19-detentionstats.xlsx"]


@pytest.mark.parametrize("url, ok", [
    ("https://www.ice.gov/identify-and-arrest/287g", True),
    ("http://www.ice.gov/identify-and-arrest/287g", False),
    ("ftp://www.ice.gov/x.xlsx", False),
    ("http://127.0.0.1:8000/x", True),
    ("http://localhost:8000/x", True),
    ("http://[::1]:8000/x", True),
    ("http://10.0.0.1/x", False),
])
def test_https_only_except_loopback(url, ok):
    assert (fetch.url_problem(url) == "") is ok


def test_user_agent_names_the_project(server):
    server.serve("/x", b"hello")
    assert quick_client().get(server.url + "/x").data == b"hello"
    agent = server.requests[-1].agent
    assert agent.startswith("ice287g/") and "(" in agent


def test_a_404_is_one_line_naming_the_url_and_not_retried(server):
    client = quick_client(retries=3)
    with pytest.raises(fetch.FetchError) as err:
        client.get(server.url + "/missing.xlsx")
    assert str(err.value) == f"{server.url}/missing.xlsx: HTTP 404 Not Found"
    assert "\n" not in str(err.value) and server.hits("/missing.xlsx") == 1


def test_a_busy_server_is_retried_with_exponential_backoff(server):
    server.serve("/busy", b"", status=503)
    waits = []
    client = quick_client(retries=3, backoff=1.5, sleep=waits.append)
    with pytest.raises(fetch.FetchError, match=r"/busy: HTTP 503 .*\(after 4 attempts\)$"):
        client.get(server.url + "/busy")
    assert waits == [1.5, 3.0, 6.0] and server.hits("/busy") == 4


def test_a_slow_answer_times_out(server):
    server.serve("/slow.xlsx", b"x", delay=1.0)
    with pytest.raises(fetch.FetchError, match=r"/slow.xlsx: no answer within 0.2 s \(timeout\)"):
        quick_client(timeout=0.2, retries=0).get(server.url + "/slow.xlsx")


def test_a_truncated_download_is_detected(server):
    data = real_bytes(*PARTICIPATING)
    server.serve("/cut.xlsx", data[:5000], announce=len(data))
    with pytest.raises(fetch.FetchError, match=r"/cut.xlsx: truncated download: 5,000 of 231,759 bytes \(after 2 attempts\)$"):
        quick_client().get(server.url + "/cut.xlsx")


def test_a_download_over_the_cap_is_refused(server):
    server.serve("/big.xlsx", b"x" * 2000)
    with pytest.raises(fetch.FetchError, match=r"/big.xlsx: 2,000 bytes announced, more than the 1,000-byte cap"):
        quick_client(max_bytes=1000).get(server.url + "/big.xlsx")


def test_a_pause_separates_requests():
    now = [100.0]
    waits = []
    client = fetch.Client(pause=5.0, sleep=lambda s: (waits.append(s), now.__setitem__(0, now[0] + s)),
                          clock=lambda: now[0])
    client._wait_turn()
    now[0] += 1.0
    client._wait_turn()
    assert waits == [4.0]


def test_a_plain_http_site_is_refused_before_any_request():
    with pytest.raises(fetch.FetchError, match="^http://www.ice.gov: http scheme refused"):
        update.update(ice_base="http://www.ice.gov", out=lambda s: None)


# ---------------------------------------------------------------------------------------------
# ICE's pages, end to end


def test_update_lands_new_files_with_dates_kinds_hashes_and_urls(project, server, landing):
    files_287g = [(ice_name(*f), real_bytes(*f)) for f in (PARTICIPATING, PENDING, IN_SAMPLE)]
    serve_ice(server, files_287g, [(ice_name(*WORKBOOK), real_bytes(*WORKBOOK))])
    lines = []
    run = run_update(server, lines)
    assert run.code == 0, lines
    assert (run.count("landed"), run.count("unchanged"), run.count("refused")) == (3, 1, 0), lines
    for source, file in (PARTICIPATING, PENDING, WORKBOOK):
        want = real_row(source, file)
        rows = [r for r in manifest_rows(project / "data" / "raw" / source)[1] if r["sha256"] == want["sha256"]]
        assert len(rows) == 1, (file, lines)
        got = rows[0]
        assert got["file"] == file  # <as_of_date>_<ICE name>, as the archive names it
        assert (got["kind"], got["as_of_date"], got["bytes"]) == (want["kind"], want["as_of_date"], want["bytes"])
        assert got["original_url"] == f"{server.url}{want['original_url'][len('https://www.ice.gov'):]}"
        assert (project / "data" / "raw" / source / file).read_bytes() == real_bytes(source, file)
    assert manifests.check_raw(project / "data" / "raw") > 0
    assert any(line.startswith("update: unchanged participatingAgencies06062025am.xlsx") for line in lines)
    assert lines[-1] == "update: 3 landed, 1 unchanged, 0 refused"

    before = snapshot(project)
    again = run_update(server)
    assert again.code == 0 and again.count("landed") == 0 and again.count("unchanged") == 4
    assert snapshot(project) == before


def test_dry_run_lists_and_lands_nothing(project, server):
    serve_ice(server, [(ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))], [hold(project, *WORKBOOK)])
    before = snapshot(project)
    lines = []
    run = run_update(server, lines, dry_run=True)
    assert run.code == 0 and run.count("would fetch") == 2
    assert f"update: would fetch participatingAgencies05182026am.xlsx from {server.url}{DOCLIB_287G}" \
           "participatingAgencies05182026am.xlsx" in lines
    assert server.hits(DOCLIB_287G + "participatingAgencies05182026am.xlsx") == 0
    assert snapshot(project) == before


def test_impostors_are_refused_the_rest_lands_and_the_archive_stays_valid(project, server, landing):
    good = (ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))
    html_as_xlsx = ("participatingAgencies11202026am.xlsx", b"<!DOCTYPE html><html><body>Access denied</body></html>")
    cut_at_source = ("pendingAgencies11202026am.xlsx", real_bytes(*PENDING)[:4000])
    serve_ice(server, [good, html_as_xlsx, cut_at_source], [hold(project, *WORKBOOK)],
              extra_links=[DOCLIB_287G + "participatingAgencies11212026am.xlsx",  # 404
                           DOCLIB_287G + "participatingAgencies11222026am.xlsx",  # cut off in transit
                           DOCLIB_287G + "participatingAgencies11232026am.xlsx",  # too slow
                           "https://evil.example.com" + DOCLIB_287G + "participatingAgencies11242026am.xlsx"])
    data = real_bytes(*OTHER_LIST)
    server.serve(DOCLIB_287G + "participatingAgencies11222026am.xlsx", data[:9000], announce=len(data))
    server.serve(DOCLIB_287G + "participatingAgencies11232026am.xlsx", data, delay=1.0)
    before = snapshot(project)
    lines = []
    run = run_update(server, lines, client=quick_client(timeout=0.3))
    assert run.code == 1, lines
    refused = {o.name: o.detail for o in run.outcomes if o.status == "refused"}
    assert set(refused) == {"participatingAgencies11202026am.xlsx", "pendingAgencies11202026am.xlsx",
                            "participatingAgencies11212026am.xlsx", "participatingAgencies11222026am.xlsx",
                            "participatingAgencies11232026am.xlsx"}, lines
    assert "HTML" in refused["participatingAgencies11202026am.xlsx"]
    assert "404" in refused["participatingAgencies11212026am.xlsx"]
    assert "truncated" in refused["participatingAgencies11222026am.xlsx"]
    assert "timeout" in refused["participatingAgencies11232026am.xlsx"]
    assert any(line.startswith("update: refused pendingAgencies11202026am.xlsx: ") for line in lines)
    assert not any("evil" in r.path for r in server.requests)
    assert run.count("landed") == 1
    after = snapshot(project)
    new = set(after) - set(before)
    assert {k for k in new if not k.endswith("MANIFEST.csv")} == {"ice_287g/" + PARTICIPATING[1]}
    assert all(after[k] == v for k, v in before.items() if not k.endswith("MANIFEST.csv"))
    assert not [p for p in (project / "data" / "raw").rglob("*") if p.name.startswith(".") and p.name != manifests.LOCK_NAME]
    manifests.check_raw(project / "data" / "raw")


def test_a_file_revised_under_the_same_name_lands_beside_the_old_one(project, server, landing):
    name = ice_name(*IN_SAMPLE)
    serve_ice(server, [(name, real_bytes(*OTHER_LIST))], [hold(project, *WORKBOOK)])
    before = snapshot(project)
    run = run_update(server)
    assert run.code == 0 and run.count("landed") == 1
    after = snapshot(project)
    assert after["ice_287g/" + IN_SAMPLE[1]] == before["ice_287g/" + IN_SAMPLE[1]]  # never overwritten
    new = [k for k in set(after) - set(before)]
    assert len(new) == 1 and new[0] != "ice_287g/" + IN_SAMPLE[1] and name.removesuffix(".xlsx") in new[0]
    assert after[new[0]] == hashlib.sha256(real_bytes(*OTHER_LIST)).hexdigest()
    manifests.check_raw(project / "data" / "raw")
    assert run_update(server).count("landed") == 0


@pytest.mark.parametrize("broken", ["missing", "slow"])
def test_an_unreadable_page_exits_2_and_the_other_page_still_lands(project, server, landing, broken):
    serve_ice(server, [], [(ice_name(*WORKBOOK), real_bytes(*WORKBOOK))])
    if broken == "missing":
        del server.routes[ice_pages.PAGE_287G.path]
    else:
        server.serve(ice_pages.PAGE_287G.path, page(), content_type="text/html", delay=1.0)
    lines = []
    run = run_update(server, lines, client=quick_client(timeout=0.3))
    assert run.code == 2
    assert any(line.startswith(f"update: cannot read the 287(g) page: {server.url}/identify-and-arrest/287g: ")
               for line in lines), lines
    assert run.count("landed") == 1
    manifests.check_raw(project / "data" / "raw")


def test_the_command_line(project, server, landing, capsys):
    from ice287g.build import cli

    serve_ice(server, [(ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))], [hold(project, *WORKBOOK)])
    assert cli.main(["update", "--ice-base-url", server.url, "--dry-run"]) == 0
    assert "2 would fetch" in capsys.readouterr().out
    assert cli.main(["update", "--ice-base-url", server.url]) == 0
    out = capsys.readouterr().out
    assert f"update: landed data/raw/ice_287g/{PARTICIPATING[1]} from {server.url}" in out
    assert cli.main(["update", "--ice-base-url", server.url]) == 0
    assert "0 landed, 2 unchanged, 0 refused" in capsys.readouterr().out
    assert cli.main(["update", "--until", "2020-01-01"]) == 2


# ---------------------------------------------------------------------------------------------
# The Wayback Machine


def test_the_backfill_estimate_for_a_year_of_287g_page_captures():
    rows = wayback.parse_cdx((FIXTURES / "cdx_287g_page_2019.json").read_bytes(), "fixture")
    found = wayback.captures(rows)
    assert len(rows) == 16 and len(found) == 12  # four repeated digests
    assert [c.timestamp[:6] for c in found] == [f"2019{m:02d}" for m in range(1, 13)]
    est = wayback.estimate(found, set(), listings=len(update.cdx_queries("2019-01-01", "2019-12-31")),
                          pause=update.WAYBACK_PAUSE)
    assert (est.requests, est.bytes, est.seconds) == (16, 1_261_368, 80.0)
    assert est.line() == ("update: backfill would fetch 12 capture(s) (12 distinct, 0 already in the archive): "
                          "16 requests with the 4 CDX listing(s), about 1,261,368 bytes by CDX length, "
                          "about 1.3 min at one request per 5 s")


def test_cdx_queries_ask_for_both_287g_page_addresses_and_the_doclib_folders():
    urls = [wayback.cdx_url("https://web.archive.org", u, m, "20190101", "20191231")
            for u, m in update.cdx_queries("2019-01-01", "2019-12-31")]
    assert any("url=www.ice.gov%2F287g&matchType=exact" in u for u in urls)
    assert any("url=www.ice.gov%2Fidentify-and-arrest%2F287g&matchType=exact" in u for u in urls)
    assert any("url=www.ice.gov%2Fdoclib%2Fabout%2Foffices%2Fero%2F287g%2F&matchType=prefix" in u for u in urls)
    assert all("from=20190101&to=20191231&output=json" in u and "filter=statuscode%3A200" in u
               and "collapse=digest" in u for u in urls)


def web_table_capture() -> bytes:
    """An HTML capture of the web-table era page, written from one of the archive's web-table lists."""
    table = pd.read_excel(REAL_RAW / "ice_287g" / "2021-01-13_ParticipatingEntities-20210113002027.xlsx",
                          engine="calamine")
    return (f"<!DOCTYPE html><html><head><title>Delegation of Immigration Authority Section 287(g)</title></head>"
            f"<body><h2>Participating Entities</h2>{table.to_html(index=False)}</body></html>").encode()


def serve_wayback(server, captures: list[tuple[str, str, bytes, str]]) -> None:
    """CDX listings and raw captures of (timestamp, original, bytes, mimetype), each listed twice
    (the second time with the same digest a month later) as a live listing does."""
    def cdx(query):
        url, match = query["url"][0], query.get("matchType", ["exact"])[0]
        rows = [["timestamp", "original", "digest", "statuscode", "mimetype", "length"]]
        for ts, original, data, mime in captures:
            bare = original.split("://", 1)[1]
            if bare == url or (match == "prefix" and bare.startswith(url)):
                for stamp in (ts, str(int(ts) + 100000000)):
                    rows.append([stamp, original, wayback.wayback_digest(data), "200", mime, str(len(data))])
        return json.dumps(rows if len(rows) > 1 else []).encode()

    server.serve("/cdx/search/cdx", cdx, content_type="application/json")
    for ts, original, data, mime in captures:
        server.serve(f"/web/{ts}id_/{original}", data, content_type=mime)


def test_backfill_lands_distinct_captures_once(project, server, landing):
    held = real_bytes(*IN_SAMPLE)  # already in the archive: listed, never fetched
    caps = [("20250412093000", "https://www.ice.gov" + DOCLIB_287G + ice_name(*PENDING), real_bytes(*PENDING), XLSX),
            ("20250607101500", "https://www.ice.gov" + DOCLIB_287G + ice_name(*IN_SAMPLE), held, XLSX),
            ("20260120080000", "https://www.ice.gov" + DOCLIB_DETENTION + ice_name(*WORKBOOK), real_bytes(*WORKBOOK),
             XLSX),
            ("20250101000000", "https://www.ice.gov" + DOCLIB_287G + "participatingAgencies01012025am.xlsx",
             b"<html><body>Not found</body></html>", "text/html")]
    serve_wayback(server, caps)
    lines = []
    run = run_update(server, lines, wayback=server.url, since="2025-01-01", until="2026-06-30")
    assert server.hits(f"/web/20250607101500id_/{caps[1][1]}") == 0
    assert run.count("refused") == 1 and run.code == 1, lines  # the HTML impostor
    assert run.count("landed") == 2, lines
    landed = {r["sha256"]: r for s in ("ice_287g", "ice_detention")
              for r in manifest_rows(project / "data" / "raw" / s)[1]}
    row = landed[real_row(*PENDING)["sha256"]]
    assert row["file"] == PENDING[1] and row["as_of_date"] == real_row(*PENDING)["as_of_date"]
    assert row["original_url"] == f"{server.url}/web/20250412093000id_/{caps[0][1]}"
    assert "2025-04-12T09:30:00Z" in row["notes"]
    assert landed[real_row(*WORKBOOK)["sha256"]]["as_of_date"] == real_row(*WORKBOOK)["as_of_date"]
    manifests.check_raw(project / "data" / "raw")
    before = snapshot(project)
    again = run_update(server, wayback=server.url, since="2025-01-01", until="2026-06-30")
    assert again.count("landed") == 0 and snapshot(project) == before


def test_backfill_of_the_web_table_era_fetches_the_page_captures(project, server):
    html = web_table_capture()
    serve_wayback(server, [("20190601020117", "https://www.ice.gov/287g", html, "text/html"),
                           ("20210113002027", "https://www.ice.gov/identify-and-arrest/287g", html + b" ", "text/html")])
    lines = []
    run = run_update(server, lines, wayback=server.url, since="2019-01-01", until="2021-01-31", dry_run=True)
    assert [o.name for o in run.outcomes] == ["287g-20190601020117.html", "287g-20210113002027.html"]
    assert run.code == 0 and lines[0].startswith("update: backfill would fetch 2 capture(s)")
    assert server.hits("/web/20190601020117id_/https://www.ice.gov/287g") == 0


def test_backfill_lands_page_captures_that_the_build_reads_as_lists(landing, project, server):
    from ice287g.ingest import lists

    html = web_table_capture()
    serve_wayback(server, [("20190601020117", "https://www.ice.gov/287g", html, "text/html"),
                           ("20190715020117", "https://www.ice.gov/287g", b"<html><p>Down for maintenance</p></html>",
                            "text/html")])
    lines = []
    run = run_update(server, lines, wayback=server.url, since="2019-01-01", until="2019-12-31")
    assert run.count("landed") == 1 and run.count("refused") == 1 and run.code == 1, lines
    rows = {r["file"]: r for r in manifest_rows(project / "data" / "raw" / "ice_287g")[1]}
    row = rows["2019-06-01_287g-20190601020117.html"]
    assert row["kind"] == "ice_287g_html_capture" and row["as_of_date"] == "2019-06-01"
    assert row["original_url"] == f"{server.url}/web/20190601020117id_/https://www.ice.gov/287g"
    manifests.check_raw(project / "data" / "raw")
    parsed = lists.parse_file(project / "data" / "raw" / "ice_287g" / row["file"], kind="participating")
    table = pd.read_excel(REAL_RAW / "ice_287g" / "2021-01-13_ParticipatingEntities-20210113002027.xlsx",
                          engine="calamine")
    assert len(parsed.rows) == len(table) and parsed.lists[0]["list_date"] == "2019-06-01"


def test_a_broken_cdx_listing_exits_2_and_lands_nothing(project, server):
    server.serve("/cdx/search/cdx", b"<html>rate limited</html>", content_type="text/html")
    before = snapshot(project)
    lines = []
    run = run_update(server, lines, wayback=server.url, since="2019-01-01", until="2019-12-31")
    assert run.code == 2 and "not a CDX JSON listing" in lines[0]
    assert snapshot(project) == before


# ---------------------------------------------------------------------------------------------
# --wanted


def test_wanted_files_is_the_shared_list_byte_for_byte():
    shared = paths.project_root().parent / "shared" / "wanted_files.csv"
    if not shared.exists():
        pytest.skip("../shared/wanted_files.csv not present")
    assert (paths.hand_dir() / update.WANTED).read_bytes() == shared.read_bytes()


def test_wanted_urls_move_onto_the_given_sites():
    assert update.wanted_url("https://web.archive.org/web/20250415094706id_/https://www.ice.gov/doclib/x.xlsx",
                             "http://127.0.0.1:1", "http://127.0.0.1:2") == \
        "http://127.0.0.1:2/web/20250415094706id_/https://www.ice.gov/doclib/x.xlsx"
    assert update.wanted_url("https://www.ice.gov/doclib/x.xlsx?a=1", "http://127.0.0.1:1", None) == \
        "http://127.0.0.1:1/doclib/x.xlsx?a=1"
    assert update.wanted_url("https://www.ice.gov/doclib/x.xlsx", None, None) == "https://www.ice.gov/doclib/x.xlsx"


def write_wanted(project: Path, rows: list[dict]) -> None:
    header = (REAL_ROOT_HAND / update.WANTED).read_text(encoding="utf-8").splitlines()[0].split(",")
    with open(project / "data" / "hand" / update.WANTED, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows([{**{c: "" for c in header}, **r} for r in rows])


REAL_ROOT_HAND = Path(__file__).resolve().parents[1] / "data" / "hand"


def test_wanted_fetches_exactly_the_listed_files_and_refuses_a_wrong_hash(project, server, landing):
    good, bad = real_bytes(*PARTICIPATING), real_bytes(*PENDING)
    server.serve(DOCLIB_287G + "participatingAgencies05182026am.xlsx", good, content_type=XLSX)
    server.serve(f"/web/20250415094706id_/https://www.ice.gov{DOCLIB_287G}pendingAgencies04112025pm.xlsx", bad,
                 content_type=XLSX)
    write_wanted(project, [
        {"ice_file_name": "participatingAgencies05182026am.xlsx", "kind": "participating",
         "as_of_date": "2026-05-18", "sha256": hashlib.sha256(good).hexdigest(),
         "url": f"https://www.ice.gov{DOCLIB_287G}participatingAgencies05182026am.xlsx"},
        {"ice_file_name": "pendingAgencies04112025pm.xlsx", "kind": "pending", "as_of_date": "2025-04-11",
         "sha256": "0" * 64,
         "url": f"https://web.archive.org/web/20250415094706id_/https://www.ice.gov{DOCLIB_287G}pendingAgencies04112025pm.xlsx"},
        {"ice_file_name": "page captures 2017-2021", "kind": "html_table", "as_of_date": "2017-09..2021-01",
         "url": "https://web.archive.org/web/<timestamp>id_/https://www.ice.gov/287g"},
    ])
    before = snapshot(project)
    lines = []
    run = run_update(server, lines, wanted=True, wayback=server.url)
    assert run.code == 1, lines
    assert [(o.status, o.name) for o in run.outcomes] == [
        ("landed", "participatingAgencies05182026am.xlsx"), ("refused", "pendingAgencies04112025pm.xlsx"),
        ("skipped", "page captures 2017-2021")], lines
    assert set(snapshot(project)) - set(before) == {"ice_287g/" + PARTICIPATING[1]}
    assert server.hits(ice_pages.PAGE_287G.path) == 0  # --wanted reads no page
    manifests.check_raw(project / "data" / "raw")


# ---------------------------------------------------------------------------------------------
# The network stays in `update`


@pytest.fixture
def no_network(monkeypatch):
    """Any connection to a host other than this machine raises (loopback stays open for kernels)."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (fetch.is_loopback(host) or self.family == socket.AF_UNIX):
            attempts.append(address)
            raise OSError(f"network blocked in a build step: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def test_the_block_really_blocks(no_network):
    with pytest.raises(OSError, match="network blocked"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    assert no_network


def test_the_build_steps_open_no_network_connection(no_network):
    """In-process: the checks and readers every notebook starts from (the whole history takes minutes)."""
    from ice287g.detention import detention
    from ice287g.ingest import lists

    assert manifests.check_raw() > 0
    assert len(coverage.coverage()) > 0
    assert len(lists.parse_file(REAL_RAW.joinpath(*PARTICIPATING)).rows) > 0
    facilities, _ = detention.read_facilities(REAL_RAW.joinpath(*WORKBOOK))
    assert len(facilities) > 0
    assert no_network == []


GUARD = '''"""Loaded at interpreter start (sitecustomize): a connection to any host but this machine raises and is
logged, so a notebook kernel proves it opened none."""
import ipaddress
import os
import socket

_connect = socket.socket.connect


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def connect(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and not _loopback(host):
        with open(os.environ["ICE287G_NET_LOG"], "a") as fh:
            fh.write(f"{address}\\n")
        raise OSError(f"network blocked in a build step: {address}")
    return _connect(self, address)


socket.socket.connect = connect
'''


@pytest.mark.integration  # runs a notebook in a kernel
def test_a_notebook_kernel_opens_no_network_connection(project, landing, tmp_path, monkeypatch):
    import os

    from ice287g.build import pipeline

    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    monkeypatch.setenv("ICE287G_NET_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(guard), os.environ.get("PYTHONPATH", "")]))
    from tests.conftest import write_manifest_rows

    detention = project / "data" / "raw" / "ice_detention"  # the inventory's chart draws every source
    detention.mkdir()
    write_manifest_rows(detention, manifest_rows(REAL_RAW / "ice_detention")[0], [real_row(*WORKBOOK)])
    (detention / WORKBOOK[1]).write_bytes(real_bytes(*WORKBOOK))
    (project / "notebooks" / "00_raw_inventory.py").write_text(
        (REAL_ROOT_HAND.parents[1] / "notebooks" / "00_raw_inventory.py").read_text(encoding="utf-8"))
    pipeline.run_notebook("00_raw_inventory", check_outputs=False)
    assert (project / "data" / "processed" / "raw_inventory.csv").exists()
    assert not log.exists(), log.read_text()
    # the guard is live in a child interpreter started as the kernel was: it can fail
    probe = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\nexcept OSError:\n    pass"
    subprocess.run([sys.executable, "-c", probe], check=True, timeout=30)
    assert "192.0.2.1" in log.read_text()


def test_update_check_reads_the_archive_and_fetches_nothing(no_network, capsys):
    from ice287g.build import cli

    assert cli.build_parser().parse_args(["update", "--check", "21"]).check == 21
    assert cli.main(["update", "--check", "100000"]) == 0  # nothing in the archive is that old
    assert cli.main(["update", "--check", "0"]) == 1
    assert no_network == []


# ---------------------------------------------------------------------------------------------
# Under attack (issue 25): deadlines, redirects, CDX rows and digests, names, soft blocks, one run at a time


def no_control(lines: list[str]) -> bool:
    import unicodedata

    return not any(unicodedata.category(ch) in ("Cc", "Cf") for line in lines for ch in line)


def test_the_run_deadline_starts_no_download_after_it_and_names_what_it_left(project, server, landing):
    now = [0.0]
    first = real_bytes(*PARTICIPATING)

    def slow_first(query):  # the first download takes 100 s by the run's (injected) clock
        now[0] += 100
        return first

    serve_ice(server, [(ice_name(*PARTICIPATING), first), (ice_name(*PENDING), real_bytes(*PENDING))],
              [hold(project, *WORKBOOK)])
    server.serve(DOCLIB_287G + ice_name(*PARTICIPATING), slow_first, content_type=XLSX)
    lines = []
    run = run_update(server, lines, deadline=50, clock=lambda: now[0])
    assert [(o.status, o.name) for o in run.outcomes] == [
        ("landed", ice_name(*PARTICIPATING)), ("left", ice_name(*PENDING)), ("left", "the detention statistics page")]
    assert f"update: left {ice_name(*PENDING)} (the run's deadline of 50 s passed: left for the next run)" in lines
    assert server.hits(DOCLIB_287G + ice_name(*PENDING)) == 0 and server.hits(ice_pages.PAGE_DETENTION.path) == 0
    assert run.code == 1 and lines[-1] == "update: 1 landed, 0 unchanged, 0 refused, 2 left"
    manifests.check_raw(project / "data" / "raw")
    # the next run, in time, takes what was left
    later = run_update(server, deadline=50, clock=lambda: 0.0)
    assert (later.code, later.count("landed"), later.count("unchanged")) == (0, 1, 2)


def test_a_backfill_takes_at_most_max_captures_and_says_what_it_left(project, server, landing):
    caps = [(ts, "https://www.ice.gov" + DOCLIB_287G + ice_name(*f), real_bytes(*f), XLSX)  # each a day after its date
            for ts, f in (("20250412093000", PENDING), ("20260512093000", OTHER_LIST), ("20260519093000", PARTICIPATING))]
    serve_wayback(server, caps)
    lines = []
    run = run_update(server, lines, wayback=server.url, since="2025-01-01", until="2026-06-30", max_captures=2)
    assert run.count("landed") == 2 and run.code == 0, lines
    assert server.hits(f"/web/{caps[2][0]}id_/{caps[2][1]}") == 0
    assert ("update: backfill left 1 capture(s) for the next run (--max-captures 2), captured 2026-05-19 to "
            "2026-05-19: run the same command again") in lines
    again = []
    run = run_update(server, again, wayback=server.url, since="2025-01-01", until="2026-06-30", max_captures=2)
    assert (run.count("landed"), run.count("unchanged"), run.code) == (1, 2, 0), again
    assert not any("left" in line for line in again)


def test_a_backfill_has_a_capture_cap_by_default(monkeypatch):
    from ice287g.build import cli

    given = []
    monkeypatch.setattr(update, "update", lambda **kw: given.append(kw) or update.Run(out=lambda s: None))
    assert cli.main(["update", "--since", "2019-01-01"]) == 0
    assert cli.main(["update", "--since", "2019-01-01", "--max-captures", "7"]) == 0
    assert [kw["max_captures"] for kw in given] == [update.MAX_CAPTURES, 7] and 0 < update.MAX_CAPTURES < 1000


def test_a_redirect_off_the_host_is_refused_in_one_line_and_the_run_goes_on(project, server, landing):
    other = Loopback().start()
    try:
        moved = "participatingAgencies11202026am.xlsx"
        other.serve(DOCLIB_287G + moved, real_bytes(*OTHER_LIST), content_type=XLSX)
        serve_ice(server, [(ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))], [hold(project, *WORKBOOK)],
                  extra_links=[DOCLIB_287G + moved])
        server.redirect(DOCLIB_287G + moved, other.url + DOCLIB_287G + moved)
        lines = []
        run = run_update(server, lines)
        assert other.requests == []
    finally:
        other.stop()
    assert [(o.status, o.name) for o in run.outcomes] == [
        ("landed", ice_name(*PARTICIPATING)), ("refused", moved), ("unchanged", ice_name(*WORKBOOK))], lines
    assert (f"update: refused {moved}: {server.url}{DOCLIB_287G}{moved}: redirect to {other.url}{DOCLIB_287G}{moved} "
            "refused: ") in lines[2]
    assert run.code == 1


def test_a_redirected_file_lands_with_its_final_url(project, server, monkeypatch):
    from ice287g.acquire import landing
    from ice287g.acquire.landing import Landed

    calls = {}

    def fake_land(data, name, url, **kw):
        calls[name] = (url, kw.get("final_url"))
        return Landed("landed", "ice_287g", f"2026-05-18_{name}", "new")

    monkeypatch.setattr(landing, "land", fake_land)
    name = ice_name(*PARTICIPATING)
    serve_ice(server, [(name, b"moved"), (ice_name(*PENDING), b"in place")], [hold(project, *WORKBOOK)])
    server.serve("/doclib/v2/" + name, b"the bytes", content_type=XLSX)
    server.redirect(DOCLIB_287G + name, "/doclib/v2/" + name, status=301)
    run = run_update(server)
    assert run.code == 0
    # the first URL stays original_url; the last one, where the bytes came from, is final_url
    assert calls[name] == (server.url + DOCLIB_287G + name, server.url + "/doclib/v2/" + name)
    assert calls[ice_name(*PENDING)][1] is None  # no redirect: the bytes came from original_url


needs_final_url = pytest.mark.skipif(
    "final_url" not in __import__("inspect").signature(__import__("ice287g.acquire.landing").acquire.landing.land).parameters,
    reason="landing.land records final_url once issue 25's landing change is merged")


@needs_final_url
def test_the_manifest_records_the_first_and_the_final_url(project, server, landing):
    name = ice_name(*PARTICIPATING)
    serve_ice(server, [(name, b"moved")], [hold(project, *WORKBOOK)])
    server.serve("/doclib/v2/" + name, real_bytes(*PARTICIPATING), content_type=XLSX)
    server.redirect(DOCLIB_287G + name, "/doclib/v2/" + name)
    assert run_update(server).code == 0
    row = next(r for r in manifest_rows(project / "data" / "raw" / "ice_287g")[1] if r["file"] == PARTICIPATING[1])
    assert (row["original_url"], row["final_url"]) == (server.url + DOCLIB_287G + name, server.url + "/doclib/v2/" + name)


def test_a_quarantined_file_is_its_own_outcome_and_exits_1(project, server, monkeypatch):
    from ice287g.acquire import landing
    from ice287g.acquire.landing import Landed

    reason = "does not parse as a participating list: row 500 has no state; fix it in data/hand/blank_state_fixes.csv"
    monkeypatch.setattr(landing, "land", lambda data, name, url, **kw: Landed(
        "quarantined", "ice_287g", f"2026-05-18_{name}", f"{name}: {reason}"))
    name = ice_name(*PARTICIPATING)
    serve_ice(server, [(name, real_bytes(*PARTICIPATING))], [(ice_name(*WORKBOOK), b"x")])
    lines = []
    run = run_update(server, lines)
    assert f"update: quarantined data/raw/ice_287g/2026-05-18_{name}: {reason}" in lines
    assert run.count("quarantined") == 2 and run.code == 1
    assert lines[-1] == "update: 0 landed, 0 unchanged, 0 refused, 2 quarantined"


MALFORMED_CDX = {
    "short row": json.dumps([list(wayback.CDX_FIELDS), ["20190601020117", "https://www.ice.gov/287g"]]),
    "null row": json.dumps([list(wayback.CDX_FIELDS), None]),
    "null listing": "null",
    "a number in a row": json.dumps([list(wayback.CDX_FIELDS),
                                     ["20190601020117", "https://www.ice.gov/287g", "A" * 32, "200", "text/html", 5]]),
    "nested row": json.dumps([list(wayback.CDX_FIELDS),
                              ["20190601020117", ["https://www.ice.gov/287g"], "A" * 32, "200", "text/html", "5"]]),
    "deep nesting": "[" * 100_000 + "]" * 100_000,
    "bad timestamp": json.dumps([list(wayback.CDX_FIELDS),
                                 ["2019-06-01", "https://www.ice.gov/287g", "A" * 32, "200", "text/html", "5"]]),
    "bad digest": json.dumps([list(wayback.CDX_FIELDS),
                              ["20190601020117", "https://www.ice.gov/287g", "a/b", "200", "text/html", "5"]]),
    "header not strings": json.dumps([[1, 2, 3], ["1", "2", "3"]]),
}


@pytest.mark.parametrize("kind", MALFORMED_CDX)
def test_a_malformed_cdx_listing_is_a_page_failure_in_one_line(project, server, kind):
    server.serve("/cdx/search/cdx", MALFORMED_CDX[kind].encode(), content_type="application/json")
    before = snapshot(project)
    lines = []
    run = run_update(server, lines, wayback=server.url, since="2019-01-01", until="2019-12-31")
    assert run.code == 2 and len(run.page_errors) == len(update.cdx_queries("2019-01-01", "2019-12-31")), lines
    assert all(line.startswith("update: cannot read the Wayback listing of www.ice.gov/") and "CDX" in line
               for line in lines[:-1]), lines
    assert server.hits("/cdx/search/cdx") == len(run.page_errors) and len(server.requests) == len(run.page_errors)
    assert snapshot(project) == before


def test_a_well_formed_cdx_listing_passes_the_row_checks():
    rows = wayback.parse_cdx((FIXTURES / "cdx_287g_page_2019.json").read_bytes(), "fixture")
    assert len(rows) == 16 and all(len(r["digest"]) == 32 and len(r["timestamp"]) == 14 for r in rows)
    assert wayback.parse_cdx(b"[]", "empty") == [] and wayback.parse_cdx(b"", "empty") == []


def test_a_capture_whose_bytes_differ_from_its_cdx_digest_is_refused(project, server, landing):
    caps = [("20250412093000", "https://www.ice.gov" + DOCLIB_287G + ice_name(*PENDING), real_bytes(*PENDING), XLSX),
            ("20260519093000", "https://www.ice.gov" + DOCLIB_287G + ice_name(*PARTICIPATING),
             real_bytes(*PARTICIPATING), XLSX)]
    serve_wayback(server, caps)
    # the listing names the pending list's digest; the capture serves another genuine list
    server.serve(f"/web/{caps[0][0]}id_/{caps[0][1]}", real_bytes(*OTHER_LIST), content_type=XLSX)
    lines = []
    run = run_update(server, lines, wayback=server.url, since="2025-01-01", until="2026-06-30")
    assert [(o.status, o.name) for o in run.outcomes] == [("refused", ice_name(*PENDING)),
                                                          ("landed", ice_name(*PARTICIPATING))], lines
    assert (f"update: refused {ice_name(*PENDING)}: SHA-1 {wayback.wayback_digest(real_bytes(*OTHER_LIST))} differs "
            f"from the CDX digest {wayback.wayback_digest(real_bytes(*PENDING))}") in lines
    held = {r["sha256"] for r in manifest_rows(project / "data" / "raw" / "ice_287g")[1]}
    assert hashlib.sha256(real_bytes(*OTHER_LIST)).hexdigest() not in held and run.code == 1


def test_names_with_control_characters_are_shown_escaped(project, server, landing):
    names = ["participatingAgencies%0Aupdate%3A%20landed%20all.xlsx", "pending%0D%1B%5B2J.xlsx", "x%00y.xlsx",
             "participating%E2%80%AEslx.exe.xlsx"]
    serve_ice(server, [(ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))], [hold(project, *WORKBOOK)],
              extra_links=[DOCLIB_287G + n for n in names])
    for n in names:
        server.serve(DOCLIB_287G + n, real_bytes(*OTHER_LIST), content_type=XLSX)
    lines = []
    run = run_update(server, lines)
    assert run.count("refused") == len(names) and run.count("landed") == 1, lines
    assert no_control(lines), lines
    assert any("participatingAgencies\\nupdate: landed all.xlsx" in line for line in lines)
    assert any("pending\\r\\x1b[2J.xlsx" in line for line in lines)
    assert any("participating\\u202eslx.exe.xlsx" in line for line in lines)


def test_an_encoded_separator_or_dot_segment_is_refused_before_any_request(project, server, landing):
    bad = ["%2e%2e%2f%2e%2e%2fX.xlsx", "a%2fb.xlsx", "a%5cb.xlsx", "%2e%2e/Y.xlsx"]
    serve_ice(server, [(ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))], [hold(project, *WORKBOOK)],
              extra_links=[DOCLIB_287G + b for b in bad])
    for path in (DOCLIB_287G + "../../X.xlsx", "/doclib/about/offices/X.xlsx", "/doclib/about/offices/ero/Y.xlsx"):
        server.serve(path, real_bytes(*OTHER_LIST), content_type=XLSX)
    lines = []
    run = run_update(server, lines)
    refused = [o for o in run.outcomes if o.status == "refused"]
    assert len(refused) == len(bad) and all("refused before any request" in o.detail for o in refused), lines
    assert not [r.path for r in server.requests if any(s in r.path for s in ("X.xlsx", "Y.xlsx", "a%", "b.xlsx"))]
    assert run.count("landed") == 1 and run.code == 1


@pytest.mark.parametrize("served", ["no link", "no file of the page's kind"])
def test_a_page_that_answers_but_links_no_file_is_a_page_failure(project, server, landing, served):
    serve_ice(server, [(ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))], [])
    detention = (b"<html><body><h1>Access Denied</h1></body></html>" if served == "no link"
                 else page(DOCLIB_DETENTION + "dedicatedNonDedicatedFacilityList.xlsx"))
    server.serve(ice_pages.PAGE_DETENTION.path, detention, content_type="text/html")
    lines = []
    run = run_update(server, lines)
    assert run.code == 2 and run.count("landed") == 1, lines
    assert (f"update: cannot read the detention statistics page: {server.url}{ice_pages.PAGE_DETENTION.path}: "
            "answered but linked no file: blocked or changed?") in lines


def test_a_name_too_long_for_the_disk_is_refused_and_the_run_goes_on(project, server, landing):
    long = "participatingAgencies" + "x" * 220 + "05112026am.xlsx"  # dated by its name, too long for a disk
    serve_ice(server, [(long, real_bytes(*OTHER_LIST)), (ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))],
              [hold(project, *WORKBOOK)])
    lines = []
    run = run_update(server, lines)
    assert [(o.status, o.name) for o in run.outcomes] == [
        ("refused", long), ("landed", ice_name(*PARTICIPATING)), ("unchanged", ice_name(*WORKBOOK))], lines
    assert run.code == 1 and sum(line.startswith(f"update: refused {long}: ") for line in lines) == 1, lines
    manifests.check_raw(project / "data" / "raw")


def test_an_unexpected_error_in_one_file_or_page_is_one_line_and_the_run_goes_on(project, server, landing,
                                                                                 monkeypatch):
    from ice287g.acquire import landing as landing_module

    real_land, real_links = landing_module.land, fetch.xlsx_links

    def land(data, name, url, **kw):
        if name == ice_name(*PENDING):
            raise RuntimeError("boom\nTraceback (most recent call last):")
        return real_land(data, name, url, **kw)

    def links(html, page_url, prefixes, accept=lambda name: True):
        if page_url.endswith(ice_pages.PAGE_DETENTION.path):
            raise KeyError("surprise")
        return real_links(html, page_url, prefixes, accept)

    monkeypatch.setattr(landing_module, "land", land)
    monkeypatch.setattr(fetch, "xlsx_links", links)
    serve_ice(server, [(ice_name(*PENDING), real_bytes(*PENDING)), (ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))],
              [hold(project, *WORKBOOK)])
    lines = []
    run = run_update(server, lines)
    assert [(o.status, o.name) for o in run.outcomes] == [("refused", ice_name(*PENDING)),
                                                          ("landed", ice_name(*PARTICIPATING))], lines
    assert (f"update: refused {ice_name(*PENDING)}: unexpected error (RuntimeError: boom\\nTraceback (most recent "
            "call last):)") in lines
    assert "update: cannot read the detention statistics page: unexpected error (KeyError: 'surprise')" in lines
    assert run.code == 2 and no_control(lines)


def test_no_error_escapes_update_main_as_a_traceback(project, monkeypatch, capsys):
    from ice287g.build import cli

    def broken(**kw):
        raise RuntimeError("deep\ninside")

    monkeypatch.setattr(update, "update", broken)
    assert cli.main(["update", "--ice-base-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err == "update: unexpected error (RuntimeError: deep\\ninside)\n"


@pytest.mark.parametrize("argv, says", [
    (["--check", "-1"], "update: --check takes a number of days, 0 or more, not -1"),
    (["--since", "2021-13-01"], "update: --since 2021-13-01 is not a date YYYY-MM-DD"),
    (["--since", "2021-01-01", "--until", "2021-02-30"], "update: --until 2021-02-30 is not a date YYYY-MM-DD"),
    (["--since", "2021-06-01", "--until", "2021-01-01"], "update: --since 2021-06-01 is after --until 2021-01-01"),
    (["--since", "2999-01-01"], "update: --since 2999-01-01 is after today ("),
    (["--since", "2021-01-01", "--until", "2999-01-01"], "update: --until 2999-01-01 is after today ("),
    (["--deadline", "-5"], "update: --deadline takes a number of seconds above 0, not -5"),
    (["--deadline", "nan"], "update: --deadline takes a number of seconds above 0, not nan"),
    (["--since", "2021-01-01", "--max-captures", "0"], "update: --max-captures takes a number above 0, not 0"),
])
def test_a_bad_option_is_one_line_and_exit_2(project, capsys, argv, says):
    from ice287g.build import cli

    # a discard port: were an option to slip through, the request would fail at once, on this machine
    assert cli.main(["update", "--wayback-url", "http://127.0.0.1:9", "--ice-base-url", "http://127.0.0.1:9",
                     *argv]) == 2
    out, err = capsys.readouterr()
    assert err.startswith(says) and err.count("\n") == 1 and out == "", err


@pytest.mark.integration  # runs ice287g as a subprocess
def test_a_second_run_waits_for_the_landing_lock_then_stops_in_one_line(project, server, landing):
    import os

    from ice287g.acquire import lock
    from ice287g.build import cli

    serve_ice(server, [(ice_name(*PARTICIPATING), real_bytes(*PARTICIPATING))], [hold(project, *WORKBOOK)])
    before = snapshot(project)
    # this process holds the lock; a second `update` runs as its own process (ICE287G_ROOT is the project's)
    second = [sys.executable, "-c", "import sys; from ice287g.acquire import lock; from ice287g.build import cli; lock.WAIT_SECONDS = 0.3; "
              "sys.exit(cli.main(sys.argv[1:]))", "update", "--ice-base-url", server.url]
    with lock.landing_lock(project / "data" / "raw", wait=0):
        started = time.monotonic()
        done = subprocess.run(second, capture_output=True, text=True, timeout=120)
        took = time.monotonic() - started
    assert done.returncode == 1 and done.stdout == "" and took >= 0.3, done
    assert done.stderr.count("\n") == 1 and manifests.LOCK_NAME in done.stderr and f"pid {os.getpid()}" in done.stderr
    assert server.requests == [] and snapshot(project) == before
    # the holder is done: the next run lands
    assert cli.main(["update", "--ice-base-url", server.url]) == 0


def test_the_readme_states_the_rules_by_the_names_the_code_uses():
    import importlib
    import re

    readme = (REAL_ROOT_HAND.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Keeping the archive current", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(fetch|update|wayback|lock|messages)\.(\w+)`", section))
    assert {("fetch", "DOWNLOAD_DEADLINE"), ("fetch", "ALTERNATE_HOSTS"), ("fetch", "MAX_REDIRECTS"),
            ("update", "MAX_CAPTURES"), ("lock", "WAIT_SECONDS")} <= named
    assert [f"{m}.{n}" for m, n in sorted(named) if not hasattr(importlib.import_module(f"ice287g.acquire.{m}" if m != "messages" else "ice287g.core.messages"), n)] == []
    # the redirect rule names every alternate host the client allows
    assert all(f"`{host}`" in section for group in fetch.ALTERNATE_HOSTS for host in group)
