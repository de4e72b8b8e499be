"""A loopback HTTP server for the update tests: 127.0.0.1, a free port, one thread per request, stopped
by the fixture that started it. Nothing here reaches beyond this machine.

Each route answers a path (``/a/b``, or ``/a/b?query`` to answer one query only) with fixed bytes, a
status, a content type, an optional delay (a slow server; capped so a test stays short) and an optional
announced length larger than the body (a download cut off mid-way), extra headers (a redirect's
``Location``) and an optional drip (a few bytes at a time, the slow-drip attack on a deadline; capped at
``MAX_DRIP`` seconds, then the connection closes)."""
from __future__ import annotations

import posixpath
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple

import pytest

from ice287g.acquire import fetch

MAX_DELAY = 3.0
MAX_DRIP = 10.0
HOLD_SECONDS = 3.0  # the longest a held answer waits for the other requests it is held for


@dataclass
class Route:
    body: bytes | Callable[[dict[str, list[str]]], bytes] = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    delay: float = 0.0
    announce: int | None = None  # Content-Length sent instead of the body's length
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Location": ...} with a 3xx status
    drip: tuple[int, float] | None = None  # (bytes, seconds): send that many bytes, then wait, until done
    hold: int = 0  # answer only once this many requests for the path have arrived (two runs at once)


class Request(NamedTuple):
    path: str  # as the client sent it (percent-encoding and dot segments kept)
    agent: str  # the User-Agent header
    host: str  # the Host header


NOT_FOUND = Route(b"<html><body>Page not found</body></html>", 404, "text/html")


def _drip(out, body: bytes, size: int, every: float, stop: threading.Event) -> None:
    ends = time.monotonic() + MAX_DRIP
    for start in range(0, len(body), size):
        if time.monotonic() > ends:
            return
        out.write(body[start:start + size])
        out.flush()
        if stop.wait(every):  # the server stops, or is reset for the next case
            return


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Loopback:
    """Routes answer a path as sent (query included), else the path alone, else the path with its
    percent-encoding decoded and its dot segments resolved (as a real web server does). Every connection
    is counted, even one that never sends a valid request (a TLS handshake to a plain-HTTP port)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def handle(self):
                with server._lock:
                    server.connections += 1
                super().handle()

            def do_GET(self):  # noqa: N802
                stop = server._stop  # this case's: a reset for the next one ends a drip
                with server._lock:
                    server.requests.append(Request(self.path, self.headers.get("User-Agent", ""),
                                                   self.headers.get("Host", "")))
                route = server.route(self.path)
                if route.hold:
                    server.wait_for(self.path, route.hold)
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
                        _drip(self.wfile, body, *route.drip, stop)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test): nothing to answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def route(self, raw_path: str) -> Route:
        path = raw_path.split("?", 1)[0]
        resolved = posixpath.normpath(urllib.parse.unquote(path))
        return self.routes.get(raw_path) or self.routes.get(path) or self.routes.get(resolved) or NOT_FOUND

    def wait_for(self, path: str, count: int) -> None:
        with self._arrived:
            self._arrived.notify_all()
            self._arrived.wait_for(lambda: sum(r.path == path for r in self.requests) >= count, HOLD_SECONDS)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve(self, path: str, body=b"", **kw) -> str:
        self.routes[path] = Route(body, **kw)
        return self.url + path

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """``path`` answers ``status`` with ``Location: location`` (absolute, or relative to ``path``)."""
        return self.serve(path, b"", status=status, content_type="text/html", headers={"Location": location})

    def hits(self, path: str) -> int:
        return sum(r.path.split("?", 1)[0] == path for r in self.requests)

    def reset(self) -> None:
        """Forget every route and request, and end any drip still running: the next case starts clean."""
        self._stop.set()
        with self._lock:
            self.routes.clear()
            self.requests.clear()
            self.connections = 0
        self._stop = threading.Event()

    def start(self) -> "Loopback":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
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
