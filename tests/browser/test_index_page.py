"""`reports/index.html` in a real browser (Debian's headless Chromium): the page loads, every image
renders, no link is broken. Run by `make test-browser` after `make reports`; `.ci/run` installs
Chromium. The page is served from the project root on localhost so that Chromium may fetch the
links it checks; the page itself uses only relative links and works opened from disk."""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "reports" / "index.html"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine: `apt-get install chromium` (Debian; .ci/run does it)")

# Loads a page in an iframe, waits for it and its images, then HEAD-requests every link it holds.
HARNESS = """<!DOCTYPE html><html><body><pre id="result">PENDING</pre>
<iframe id="page" src="%(page)s" style="width:1200px;height:900px"></iframe>
<script>
const frame = document.getElementById('page');
frame.addEventListener('load', async () => {
  const doc = frame.contentDocument;
  const imgs = Array.from(doc.images);
  // the frame's load event waits for its images; the wait below only covers a late one
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
    i.addEventListener('load', r); i.addEventListener('error', r); })));
  const images = imgs.map(i => ({src: i.getAttribute('src'), width: i.naturalWidth}));
  const hrefs = [...new Set(Array.from(doc.querySelectorAll('a[href]')).map(a => a.href)
                 .filter(h => h.startsWith(location.origin)).map(h => h.split('#')[0]))];
  const links = await Promise.all(hrefs.map(h =>
      fetch(h, {method: 'HEAD'}).then(r => ({href: h, status: r.status}))
                                .catch(e => ({href: h, status: 0}))));
  document.getElementById('result').textContent = JSON.stringify(
      {title: doc.title, text: doc.body.innerText.length, images, links});
});
</script></body></html>"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.startswith("/__check.html?page="):
            body = (HARNESS % {"page": self.path.split("=", 1)[1]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(ROOT)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def check_page(server: str, page: str, tmp_path: Path) -> dict:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=60000", "--dump-dom",
           f"{server}/__check.html?page={page}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    m = re.search(r'<pre id="result">(.*?)</pre>', out.stdout, re.S)
    assert m, f"Chromium gave no page (exit {out.returncode}): {out.stderr[-2000:]}"
    text = m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    assert text != "PENDING", "the page never finished loading in Chromium"
    return json.loads(text)


@pytest.fixture(scope="module")
def index_result(server, tmp_path_factory):
    if not INDEX.exists():
        pytest.fail("reports/index.html is missing: run `make reports` first")
    return check_page(server, "/reports/index.html", tmp_path_factory.mktemp("chromium"))


def test_index_loads(index_result):
    assert index_result["title"] == "ice287g reports"
    assert index_result["text"] > 1000


def test_every_image_renders(index_result):
    import pandas as pd

    figures = pd.read_csv(ROOT / "figures" / "manifest.csv")
    srcs = {i["src"] for i in index_result["images"]}
    assert srcs == {f"../figures/{s}.png" for s in figures["slug"]}
    blank = [i["src"] for i in index_result["images"] if i["width"] <= 0]
    assert not blank, f"images that did not render: {blank}"


def test_no_link_is_broken(index_result):
    links = index_result["links"]
    states = {re.search(r"/states/(\w\w)\.html$", x["href"]).group(1) for x in links
              if re.search(r"/states/\w\w\.html$", x["href"])}
    built = {p.stem for p in (ROOT / "reports" / "states").glob("*.html")}
    assert states and states == built
    broken = [x for x in links if x["status"] != 200]
    assert not broken, f"broken links: {broken}"


def test_a_state_report_renders_its_figures(server, tmp_path):
    page = sorted((ROOT / "reports" / "states").glob("*.html"))[0]
    result = check_page(server, f"/reports/states/{page.name}", tmp_path)
    widths = [i["width"] for i in result["images"]]
    assert len(widths) >= 1 and min(widths) > 0, f"{page.name}: images {result['images']}"
