"""The browser tests' site server and browser, one of each for the whole run (tests/browser/browsers.py
says where the browser and its driver are found)."""
from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from pathlib import Path

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
