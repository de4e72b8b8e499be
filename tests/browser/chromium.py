"""What every browser test shares: Debian's headless Chromium and its chromedriver (no browser download;
the tests skip without them), a quiet HTTP server on 127.0.0.1, and the requests the browser made (read from
its DevTools network log) so that a test can check none left the machine. The ``driver`` fixture is in
``conftest.py``."""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no Chromium or chromedriver here: `apt-get install chromium chromium-driver` (Debian; .ci/run does it)")
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``directory`` served on 127.0.0.1 at a free port, for as long as the block runs: yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


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
