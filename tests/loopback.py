"""A loopback HTTP server for the update tests: 127.0.0.1, a free port, one thread per request, stopped
by the fixture that started it. Nothing here reaches beyond this machine.

Each route answers a path (``/a/b``, or ``/a/b?query`` to answer one query only) with fixed bytes, a
status, a content type, an optional delay (a slow server; capped so a test stays short) and an optional
announced length larger than the body (a download cut off mid-way), extra headers (a redirect's
``Location``) and an optional drip (a few bytes at a time, the slow-drip attack on a deadline; capped at
``MAX_DRIP`` seconds, then the connection closes)."""
from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ice287g import fetch

MAX_DELAY = 3.0
MAX_DRIP = 10.0


@dataclass
class Route:
    body: bytes | Callable[[dict[str, list[str]]], bytes] = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    delay: float = 0.0
    announce: int | None = None  # Content-Length sent instead of the body's length
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Location": ...} with a 3xx status
    drip: tuple[int, float] | None = None  # (bytes, seconds): send that many bytes, then wait, until done


def _drip(out, body: bytes, size: int, every: float) -> None:
    ends = time.monotonic() + MAX_DRIP
    for start in range(0, len(body), size):
        if time.monotonic() > ends:
            return
        out.write(body[start:start + size])
        out.flush()
        time.sleep(every)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Loopback:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []  # (path with query, User-Agent)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                with server._lock:
                    server.requests.append((self.path, self.headers.get("User-Agent", "")))
                path = urllib.parse.unquote(self.path.split("?", 1)[0])
                route = server.routes.get(self.path) or server.routes.get(path)
                if route is None:
                    route = Route(b"<html><body>Page not found</body></html>", 404, "text/html")
                if route.delay:
                    time.sleep(min(route.delay, MAX_DELAY))
                body = route.body
                if callable(body):
                    body = body(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(route.announce or len(body)))
                    self.send_header("Connection", "close")
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if route.drip:
                        _drip(self.wfile, body, *route.drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test): nothing to answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, path: str, body, **kw) -> str:
        self.routes[path] = Route(body, **kw)
        return self.url + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """``path`` answers ``status`` with ``Location: location`` (absolute, or relative to ``path``)."""
        return self.serve(path, b"", status=status, content_type="text/html", headers={"Location": location})

    def hits(self, path: str) -> int:
        return sum(p.split("?", 1)[0] == path for p, _ in self.requests)

    def start(self) -> "Loopback":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    """A loopback server for one test (import it into the test module to use it)."""
    srv = Loopback().start()
    yield srv
    srv.stop()


def quick_client(**kw) -> fetch.Client:
    """A client that neither waits nor retries long: what the tests fetch with."""
    kw = {"timeout": 2.0, "retries": 1, "backoff": 0.0, "sleep": lambda s: None, **kw}
    return fetch.Client(**kw)
