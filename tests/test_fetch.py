"""The HTTP client against a loopback server (tests/loopback.py): a deadline on the whole download (a slow
drip cannot hold it), the host and scheme rules on every redirect hop, one line per failure, and the
link rule that refuses an encoded separator or dot segment before any request."""
from __future__ import annotations

import time

import pytest

from ice287g.acquire import fetch
from tests.loopback import Loopback, quick_client, server  # noqa: F401 (server: a fixture)


@pytest.fixture
def other():
    """A second loopback server: another port on the same machine is another host."""
    srv = Loopback().start()
    yield srv
    srv.stop()


# ---------------------------------------------------------------------------------------------
# A deadline on the whole download


def test_a_slow_drip_stops_at_the_download_deadline_not_after_the_body(server):
    # every read gets bytes well within the timeout: only an overall deadline stops it
    server.serve("/drip.xlsx", b"x" * 400, drip=(2, 0.05))
    started = time.monotonic()
    with pytest.raises(fetch.FetchError) as err:
        quick_client(deadline=0.5).get(server.url + "/drip.xlsx")
    took = time.monotonic() - started
    assert str(err.value) == f"{server.url}/drip.xlsx: not done within the download deadline of 0.5 s"
    assert took < 2.0 and server.hits("/drip.xlsx") == 1  # not retried: it would be as slow again


def test_a_quick_drip_within_the_deadline_completes(server):
    server.serve("/drip.xlsx", b"y" * 40, drip=(10, 0.02))
    assert quick_client(deadline=5.0).get(server.url + "/drip.xlsx").data == b"y" * 40


def test_the_deadline_covers_every_retry_of_a_download(server):
    server.serve("/busy", b"", status=503)
    now = [0.0]

    def sleep(seconds):  # an injected clock: the backoff is where the time goes
        now[0] += seconds

    client = quick_client(retries=10, backoff=10.0, sleep=sleep, clock=lambda: now[0], deadline=45.0)
    with pytest.raises(fetch.FetchError, match=r"/busy: HTTP 503 .*\(after 3 attempts; no time left "
                                               r"within the download deadline of 45 s\)$"):
        client.get(server.url + "/busy")
    assert server.hits("/busy") == 3  # tries at 0, 10 and 30 s; the next would start at 70 s


def test_the_default_deadline_is_finite():
    assert 0 < fetch.Client().deadline == fetch.DOWNLOAD_DEADLINE < float("inf")


# ---------------------------------------------------------------------------------------------
# Redirects: the host and scheme rules on every hop


def test_a_redirect_on_the_same_host_is_followed_and_the_final_url_kept(server):
    server.serve("/new/list.xlsx", b"bytes")
    server.redirect("/old/list.xlsx", "/new/list.xlsx")
    response = quick_client().get(server.url + "/old/list.xlsx")
    assert (response.url, response.final_url, response.data) == (
        server.url + "/old/list.xlsx", server.url + "/new/list.xlsx", b"bytes")


@pytest.mark.parametrize("where", ["another port", "localhost", "https host", "file", "plain http host"])
def test_a_redirect_off_the_host_is_refused_in_one_line(server, other, where):
    other.serve("/list.xlsx", b"elsewhere")
    port = server.url.rsplit(":", 1)[1]
    target = {"another port": other.url + "/list.xlsx",
              "localhost": f"http://localhost:{port}/list.xlsx",
              "https host": "https://example.com/list.xlsx",
              "file": "file:///etc/passwd",
              "plain http host": "http://example.com/list.xlsx"}[where]
    server.serve("/list.xlsx", b"here")  # what `localhost` would reach: refused all the same
    server.redirect("/moved.xlsx", target)
    with pytest.raises(fetch.FetchError) as err:
        quick_client().get(server.url + "/moved.xlsx")
    message = str(err.value)
    assert message.startswith(f"{server.url}/moved.xlsx: redirect to {target} refused: ") and "\n" not in message
    assert other.hits("/list.xlsx") == 0 and server.hits("/list.xlsx") == 0 and server.hits("/moved.xlsx") == 1


def test_the_host_rule_applies_to_every_hop(server, other):
    other.serve("/x.xlsx", b"elsewhere")
    server.redirect("/a.xlsx", "/b.xlsx")  # first hop: same host, followed
    server.redirect("/b.xlsx", other.url + "/x.xlsx")  # second hop: refused
    with pytest.raises(fetch.FetchError, match=r"/a.xlsx: redirect to http://127.0.0.1:\d+/x.xlsx refused"):
        quick_client().get(server.url + "/a.xlsx")
    assert server.hits("/b.xlsx") == 1 and other.hits("/x.xlsx") == 0


def test_a_redirect_loop_is_one_line(server):
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    with pytest.raises(fetch.FetchError) as err:
        quick_client(retries=3).get(server.url + "/a")
    assert str(err.value) == f"{server.url}/a: redirect loop ({server.url}/a -> {server.url}/b -> {server.url}/a)"
    assert server.hits("/a") == 1  # a loop is not retried


def test_a_long_redirect_chain_stops(server):
    for i in range(fetch.MAX_REDIRECTS + 2):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    with pytest.raises(fetch.FetchError, match=rf"/r0: more than {fetch.MAX_REDIRECTS} redirects$"):
        quick_client().get(server.url + "/r0")


@pytest.mark.parametrize("source, target, ok", [
    ("https://www.ice.gov/a.xlsx", "https://www.ice.gov/b.xlsx", True),
    ("https://www.ice.gov/a.xlsx", "https://ice.gov/a.xlsx", True),  # ICE's documented alternate
    ("https://ice.gov/a.xlsx", "https://www.ice.gov/a.xlsx", True),
    ("https://www.ice.gov/a.xlsx", "https://WWW.ICE.GOV:443/b.xlsx", True),  # the same origin spelled otherwise
    ("https://web.archive.org/web/1id_/x", "https://web.archive.org/web/2id_/x", True),
    ("https://www.ice.gov/a.xlsx", "http://www.ice.gov/a.xlsx", False),  # a downgrade
    ("https://www.ice.gov/a.xlsx", "https://www.ice.gov:8443/a.xlsx", False),  # another port
    ("https://www.ice.gov/a.xlsx", "http://127.0.0.1:8000/a.xlsx", False),  # ICE may not send us to loopback
    ("https://www.ice.gov/a.xlsx", "https://dhs.gov/a.xlsx", False),
    ("https://www.ice.gov/a.xlsx", "https://www.ice.gov.example.com/a.xlsx", False),
    ("https://web.archive.org/web/1id_/x", "https://www.ice.gov/x", False),  # no alternate of Wayback's
    ("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/a", False),
    ("http://127.0.0.1:8000/a", "http://localhost:8000/a", False),
])
def test_the_redirect_rule(source, target, ok):
    assert (fetch.redirect_problem(source, target) == "") is ok


# ---------------------------------------------------------------------------------------------
# Links: an encoded separator or dot segment is refused before any request


@pytest.mark.parametrize("tail, ok", [
    ("participatingAgencies05182026am.xlsx", True),
    ("pending%20Agencies%2006092026.xlsx", True),
    ("%2e%2e%2f%2e%2e%2fX.xlsx", False),
    ("..%2FX.xlsx", False),
    ("a%2fb.xlsx", False),
    ("a%5Cb.xlsx", False),
    ("a..b.xlsx", False),
    ("%2e%2e/X.xlsx", False),  # an encoded dot segment in the folder part
    ("%2e/X.xlsx", False),
])
def test_the_link_rule(tail, ok):
    url = "https://www.ice.gov/doclib/about/offices/ero/287g/" + tail
    assert (fetch.link_problem(url) == "") is ok


def test_links_keep_an_encoded_separator_encoded_so_the_rule_sees_it():
    html = b'<a href="/doclib/about/offices/ero/287g/%2e%2e%2f%2e%2e%2fX.xlsx">x</a>'
    [link] = fetch.xlsx_links(html, "https://www.ice.gov/identify-and-arrest/287g", ["/doclib/about/offices/ero/287g/"])
    assert link == "https://www.ice.gov/doclib/about/offices/ero/287g/..%2F..%2FX.xlsx"
    assert "separator" in fetch.link_problem(link)


def test_a_read_cut_short_by_the_deadline_says_deadline_not_timeout(server):
    # no byte before the deadline: the read's timeout is shortened to what is left of it
    server.serve("/silent.xlsx", b"x", delay=1.5)
    with pytest.raises(fetch.FetchError, match=r"/silent.xlsx: not done within the download deadline of 0.3 s$"):
        quick_client(deadline=0.3, timeout=5.0, retries=3).get(server.url + "/silent.xlsx")
    assert server.hits("/silent.xlsx") == 1



def test_a_download_under_way_stops_with_what_is_left_of_the_run_deadline(server):
    # the download deadline is ample; the run has 0.5 s left, and the drip would take 10 s
    server.serve("/drip.xlsx", b"x" * 400, drip=(2, 0.05))
    started = time.monotonic()
    with pytest.raises(fetch.FetchError) as err:
        quick_client(deadline=60.0).get(server.url + "/drip.xlsx", within=0.5)
    assert time.monotonic() - started < 2.0
    assert str(err.value) == f"{server.url}/drip.xlsx: not done within what was left of the run's deadline of 0.5 s"
