"""What every browser test shares: the site server and the browser, one of each for the whole run
(tests/browser/browsers.py says where the browser and its driver are found), and the requests a page made,
read from the browser's DevTools log, so that a test can check none left the machine."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from . import browsers

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
CHROMIUM = browsers.browser()
CHROMEDRIVER = browsers.driver()


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(reason="no Chromium or Chrome with its chromedriver here: `apt-get install chromium "
                                   "chromium-driver` (Debian; .ci/run does it where neither is there)")
    if CHROMIUM is None or CHROMEDRIVER is None:
        for item in items:
            if "driver" in getattr(item, "fixturenames", ()):
                item.add_marker(skip)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """``folder`` as its own web root on 127.0.0.1, as GitHub Pages serves a site: yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def server():
    """``site/`` served as its own web root."""
    if not (SITE / "index.html").exists():
        pytest.fail("site/index.html is missing: run `make site` first")
    with serve(SITE) as base:
        yield base


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--window-size=1200,900",
                f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    d = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    d.set_page_load_timeout(120)
    yield d
    d.quit()


LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def requested(driver) -> list[str]:
    """Every URL the browser asked for since the log was last read (DevTools Network events)."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        # the browser's own pages (its new-tab page, chrome://...) are not ours to judge
        if msg.get("method") == "Network.requestWillBeSent" and \
                not msg["params"].get("documentURL", "").startswith(("chrome:", "chrome-")):
            urls.append(msg["params"]["request"]["url"])
    return urls


def outside(urls) -> list[str]:
    return [u for u in urls if not u.startswith(("data:", "blob:", "about:"))
            and urlparse(u).hostname not in LOCAL_HOSTS]


def load(driver, url: str) -> list[str]:
    """Open ``url``, wait for it and its images; return the URLs it requested."""
    requested(driver)  # drop what earlier pages asked for
    driver.get(url)
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Promise.all(Array.from(document.images).map(i => i.complete ? null : new Promise(r => {"
        "  i.addEventListener('load', r); i.addEventListener('error', r); }))).then(() => done(null));")
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return requested(driver) + resources


def status(url: str) -> int:
    """The HTTP status of a HEAD request for ``url`` (a page of the site served on 127.0.0.1)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code
