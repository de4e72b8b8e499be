"""The hostile probe of issue 25, replayed: a loopback server with the tricks the probe played, the doctored
workbooks it served (each built from a real raw file), and one function per attack.

Everything here stays on this machine: the servers listen on 127.0.0.1 only, and a redirect or link that
names another address is an attack the client must refuse, never a request this module makes.

An attack is a function ``attack(probe) -> Expect``: it sets up the server and the throwaway project
through ``probe`` (a ``Probe``), runs ``python -m ice287g update`` or ``add`` through ``probe.run`` (each
run a subprocess, measured), and says what the archive must hold afterwards. ``tests/test_update_probe.py``
then checks every run and the archive the same way for every attack."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import posixpath
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ice287g.acquire import ice_pages, update, wayback
from tests.loopback import XLSX, Loopback, Request

DOCLIB_287G = ice_pages.PAGE_287G.folder
DOCLIB_DETENTION = ice_pages.PAGE_DETENTION.folder
REAL_ROOT = Path(__file__).resolve().parents[1]
REAL_RAW = REAL_ROOT / "data" / "raw"

# Real lists and a workbook held out of the throwaway archive (archive names: ICE's name after the date), so
# that serving one is serving something new.
NEW_LIST = "2026-05-18_participatingAgencies05182026am.xlsx"  # the valid list most attacks serve after theirs
NEW_LIST_2 = "2026-05-11_participatingAgencies05112026am.xlsx"  # the attacks' own list (doctored for some)
NEW_LIST_3 = "2026-05-07_participatingAgencies05072026am.xlsx"  # row 500 loses its state
NEW_WORKBOOK = "2026-02-05_FY26_detentionStats_02122026.xlsx"
HELD_OUT = {"ice_287g": (NEW_LIST, NEW_LIST_2, NEW_LIST_3), "ice_detention": (NEW_WORKBOOK,)}
# Already in the archive: what ICE's pages link besides the attack (ICE's pages always link their lists).
ARCHIVED_LIST = "2026-04-30_participatingAgencies04302026am.xlsx"
ARCHIVED_WORKBOOK = "2026-04-02_FY26_detentionStats_04092026.xlsx"

MEMORY_LIMIT = 4 * 1024**3  # address space of each run: an allocation of GiBs fails at once instead of swapping
RUN_TIMEOUT = 60.0  # seconds; a run that takes longer is killed and fails its attack
BOMB_BYTES = 1024**3  # the zip bomb's sheet, uncompressed (a real list's sheet is under 1 MB)
DRIP_BYTES_PER_SECOND = 2
DEADLINE = 6  # --deadline of the slow-drip attack, seconds
LONG_NAME = 241  # characters: the shortest link name the probe saw crash a run


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ice_name(archive_file: str) -> str:
    """The name ICE gave an archive file: the archive name without its ``YYYY-MM-DD_`` prefix."""
    return archive_file.split("_", 1)[1]


def real(source: str, archive_file: str) -> bytes:
    return (REAL_RAW / source / archive_file).read_bytes()


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def build_project(root: Path) -> Path:
    """A throwaway project under git: the real raw archive without the held-out files (file and manifest
    row), the hand tables, the project's .gitignore; everything committed."""
    shutil.copytree(REAL_RAW, root / "data" / "raw", ignore=shutil.ignore_patterns(".landing.lock", ".*.tmp-*"))
    shutil.copytree(REAL_ROOT / "data" / "hand", root / "data" / "hand")
    shutil.copyfile(REAL_ROOT / ".gitignore", root / ".gitignore")
    for source, files in HELD_OUT.items():
        manifest = root / "data" / "raw" / source / "MANIFEST.csv"
        lines = manifest.read_bytes().splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(tuple(f"{f},".encode() for f in files))]
        assert len(lines) - len(kept) == len(files), f"held-out rows not found in {manifest}"
        manifest.write_bytes(b"".join(kept))
        for f in files:
            (root / "data" / "raw" / source / f).unlink()
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "-c", "user.name=probe", "-c", "user.email=probe@localhost", "commit", "-q", "-m", "the archive")
    return root


# Kept from one attack to the next, as a daily run keeps them: the parse cache and the caches of verify-raw and
# the workbook limits, each keyed by a file's bytes (or size and time), so an attack's file never passes for
# another; without them every attack would parse and scan again the lists an earlier one already read.
KEPT_CACHES = (".cache/", ".build/")


def reset_project(root: Path, base: Path) -> None:
    """Back to the committed archive, its caches kept (``KEPT_CACHES``); refuses to run anywhere but under
    ``base`` (the test's temporary folder)."""
    assert root.resolve().is_relative_to(base.resolve()) and (root / ".git").is_dir(), root
    git(root, "reset", "-q", "--hard")
    git(root, "clean", "-q", "-f", "-d", "-x", *(f"--exclude={c}" for c in KEPT_CACHES))


# ---------------------------------------------------------------------------------------------
# Doctored workbooks, each from a real one


def rezip(data: bytes, change: Callable[[str, bytes], bytes] = lambda name, body: body, *,
          level: int = 9) -> bytes:
    """``data`` (an xlsx) written again, each member through ``change(name, body)``; a different
    compression level alone gives other bytes with the same contents."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():  # the members' own times: the same doctoring gives the same bytes
            dst.writestr(zipfile.ZipInfo(info.filename, info.date_time), change(info.filename, src.read(info)),
                         compress_type=zipfile.ZIP_DEFLATED, compresslevel=level)
    return out.getvalue()


def sheet_members(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sorted(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


def with_far_cell(data: bytes, ref: str = "XFD1048576") -> bytes:
    """A real list whose first sheet ends with one more cell, at ``ref`` (the last cell Excel allows): a
    few bytes more on disk, a 16,384 x 1,048,576 sheet to a reader that allocates its range."""
    first = sheet_members(data)[0]
    row = re.match(r"[A-Z]+(\d+)$", ref).group(1)

    def change(name: str, body: bytes) -> bytes:
        if name != first:
            return body
        return body.replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'.encode(), 1)

    return rezip(data, change)


def without_cell(data: bytes, ref: str) -> bytes:
    """A real list with the cell ``ref`` of its first sheet removed (blank), every other byte of the sheet kept."""
    first = sheet_members(data)[0]

    def change(name: str, body: bytes) -> bytes:
        if name != first:
            return body
        new, n = re.subn(rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % ref.encode(), b"", body, count=1)
        assert n == 1, f"no cell {ref} in {name}"
        return new

    return rezip(data, change)


def zip_bomb(path: Path, base: bytes, sheet_bytes: int = BOMB_BYTES) -> Path:
    """A real list whose first sheet is replaced by ``sheet_bytes`` of rows (highly compressible), written
    streaming: the test never holds the sheet in memory."""
    first = sheet_members(base)[0]
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<dimension ref="A1:P1"/><sheetData>')
    tail = b"</sheetData></worksheet>"
    row = b"<row>" + b"<c><v>1</v></c>" * 16 + b"</row>"
    chunk = row * ((1 << 20) // len(row))
    with zipfile.ZipFile(io.BytesIO(base)) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        # level 1: the sheet still shrinks over 100 times (past xlsxlimits.MAX_RATIO), in a third of level 9's time
        for info in src.infolist():
            if info.filename != first:
                dst.writestr(zipfile.ZipInfo(info.filename, info.date_time), src.read(info),
                             compress_type=zipfile.ZIP_DEFLATED)
                continue
            member = zipfile.ZipInfo(first, date_time=info.date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(member, "w", force_zip64=True) as fh:
                fh.write(head)
                written = len(head)
                while written < sheet_bytes:
                    fh.write(chunk)
                    written += len(chunk)
                fh.write(tail)
    return path


def cdx_json(rows: list) -> bytes:
    return json.dumps(rows).encode()


# ---------------------------------------------------------------------------------------------
# The probe's server


def page(*hrefs: str, title: str = "287(g)") -> bytes:
    links = "\n".join(f'<li><a href="{h}">{urllib.parse.unquote(h.rsplit("/", 1)[-1])[:40]}</a></li>' for h in hrefs)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body><ul>{links}</ul></body></html>"
            ).encode()


# ---------------------------------------------------------------------------------------------
# Runs, measured


@dataclass
class Result:
    """One subprocess: its command, exit code (negative: killed by that signal), output, wall time and peak
    resident memory; ``judged`` is False for a run the probe itself killed."""

    label: str
    argv: list[str]
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    timed_out: bool = False
    judged: bool = True

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


# Each run goes through this launcher: it limits the address space, forks and execs the command, and writes
# the command's exit code and peak resident memory (``wait4``) to a file. A fork of the test process itself
# would count the test's own memory (pandas, the served files) in the child's peak, so the fork happens in
# this small process instead.
LAUNCHER = """
import os, resource, sys
limit, report, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}\\n")
"""


class Running:
    """A started run (the launcher in a session of its own, so the probe can kill it and its child)."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], cwd: Path, logs: Path) -> None:
        self.label, self.argv = label, argv
        logs.mkdir(parents=True, exist_ok=True)
        self._out, self._err, self._report = (logs / f"{label}.{ext}" for ext in ("out", "err", "rusage"))
        self._report.unlink(missing_ok=True)
        with open(self._out, "wb") as out, open(self._err, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(MEMORY_LIMIT), str(self._report), *argv],
                                         cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        self.started = time.monotonic()
        self.result: Result | None = None

    def poll(self) -> bool:
        """True once the run has ended."""
        if self.result is None and self.proc.poll() is not None:
            self._finish()
        return self.result is not None

    def wait(self, timeout: float = RUN_TIMEOUT) -> Result:
        while not self.poll():
            if time.monotonic() - self.started > timeout:
                self.kill().timed_out = True
                break
            time.sleep(0.02)
        return self.result

    def kill(self, judged: bool = True) -> Result:
        """SIGKILL to the command and its launcher (as ``kill -9`` would)."""
        if self.result is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            self._finish()
        self.result.judged = judged
        return self.result

    def _finish(self) -> None:
        seconds = time.monotonic() - self.started
        report = self._report.read_text().split() if self._report.exists() else []
        code, peak = (int(report[0]), int(report[1]) / 1024) if len(report) == 2 else (-signal.SIGKILL, float("nan"))
        # bytes decoded as they are: text mode would turn a raw carriage return into a newline
        self.result = Result(self.label, self.argv, code, self._out.read_bytes().decode("utf-8", "replace"),
                             self._err.read_bytes().decode("utf-8", "replace"), seconds, peak)


@dataclass
class Expect:
    """What the archive must hold after an attack, by sha256 (label for the message):

    - ``keep``: genuine ICE files served, which must be in data/raw (landed, or quarantined);
    - ``quarantine``: of those, the ones whose manifest row must say ``status`` = ``quarantined``;
    - ``refuse``: files that must not be in data/raw (impostors, over the limits, duplicates, mismatches);
    - ``codes``: the exit codes every judged run may end with;
    - ``checks``: more assertions, each given the runs."""

    codes: set[int]
    keep: dict[str, str] = field(default_factory=dict)
    quarantine: dict[str, str] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)
    checks: list[Callable[[list[Result]], None]] = field(default_factory=list)
    usage_error_ok: bool = False  # the attack is a bad argument: argparse's two usage lines are a clean answer


class Probe:
    """One attack's world: the ICE server, a second loopback server (another port), the throwaway project,
    and the runs made so far."""

    def __init__(self, project: Path, ice: Loopback, other: Loopback, scratch: Path, cache: Path,
                 python: str = sys.executable) -> None:
        self.project, self.ice, self.other, self.scratch, self.cache, self.python = (
            project, ice, other, scratch, cache, python)
        self.results: list[Result] = []
        self._running: list[Running] = []
        self.env = {**os.environ, "ICE287G_ROOT": str(project), "TMPDIR": str(scratch / "tmp"),
                    "PYTHONDONTWRITEBYTECODE": "1"}
        for name in ("ICE287G_OUTPUT_ROOT", "ICE287G_NOTEBOOK"):
            self.env.pop(name, None)
        (scratch / "tmp").mkdir(parents=True, exist_ok=True)

    # -- the ICE site ------------------------------------------------------------------------
    def serve_list(self, name: str, data: bytes, **kw) -> str:
        """``data`` under ICE's 287(g) folder as ``name`` (percent-encoded in the path); the href."""
        path = DOCLIB_287G + urllib.parse.quote(name, safe="")
        self.ice.serve(path, data, **kw)
        return path

    def serve_pages(self, hrefs_287g: list[str], hrefs_detention: list[str] | None = None,
                    page_287g: bytes | None = None) -> None:
        """ICE's two pages: the 287(g) page linking a list already archived, then ``hrefs_287g``; the
        detention page linking a workbook already archived, then ``hrefs_detention``."""
        archived = self.serve_list(ice_name(ARCHIVED_LIST), real("ice_287g", ARCHIVED_LIST))
        workbook = DOCLIB_DETENTION + ice_name(ARCHIVED_WORKBOOK)
        self.ice.serve(workbook, real("ice_detention", ARCHIVED_WORKBOOK))
        self.ice.serve(ice_pages.PAGE_287G.path, page_287g if page_287g is not None else page(archived, *hrefs_287g),
                       content_type="text/html")
        self.ice.serve(ice_pages.PAGE_DETENTION.path, page(workbook, *(hrefs_detention or []), title="Detention"),
                       content_type="text/html")

    def bomb(self) -> Path:
        """The zip bomb (built once per test session, in ``cache``)."""
        path = self.cache / "bomb.xlsx"
        if not path.exists():
            zip_bomb(path.with_suffix(".part"), real("ice_287g", NEW_LIST_2)).rename(path)
        return path

    # -- runs --------------------------------------------------------------------------------
    def argv(self, *args: str, shim: bool = False) -> list[str]:
        if shim:  # the Wayback pause (5 s between requests, for the real site) set to 0 for the loopback one
            code = ("import ice287g.acquire.update as u; assert u.WAYBACK_PAUSE > 0; u.WAYBACK_PAUSE = 0.0; "
                    "from ice287g.build.cli import main; raise SystemExit(main())")
            return [self.python, "-c", code, *args]
        return [self.python, "-m", "ice287g", *args]

    def start(self, *args: str, shim: bool = False) -> Running:
        label = f"run{len(self.results) + len(self._running) + 1}"
        running = Running(label, self.argv(*args, shim=shim), self.env, self.project, self.scratch / "logs")
        self._running.append(running)
        return running

    def collect(self, running: Running, result: Result) -> Result:
        self._running.remove(running)
        self.results.append(result)
        return result

    def run(self, *args: str, timeout: float = RUN_TIMEOUT, shim: bool = False) -> Result:
        running = self.start(*args, shim=shim)
        return self.collect(running, running.wait(timeout))

    def update(self, *more: str, timeout: float = RUN_TIMEOUT) -> Result:
        return self.run("update", "--ice-base-url", self.ice.url, *more, timeout=timeout)

    def backfill(self, *more: str, since: str = "2026-01-01", until: str = "2026-06-30") -> Result:
        return self.run("update", "--wayback-url", self.ice.url, "--since", since, "--until", until, *more, shim=True)

    def cleanup(self) -> None:
        for running in list(self._running):
            self.collect(running, running.kill(judged=False))

    # -- the archive ---------------------------------------------------------------------------
    def raw(self, source: str) -> Path:
        return self.project / "data" / "raw" / source


# ---------------------------------------------------------------------------------------------
# Assertions attacks add to the common ones


def said(pattern: str, *, flags: int = re.IGNORECASE) -> Callable[[list[Result]], None]:
    def check(results: list[Result]) -> None:
        out = "".join(r.output for r in results if r.judged)
        assert re.search(pattern, out, flags), f"no line matches {pattern!r}"
    return check


def not_said(pattern: str, *, flags: int = re.IGNORECASE) -> Callable[[list[Result]], None]:
    def check(results: list[Result]) -> None:
        out = "".join(r.output for r in results if r.judged)
        found = re.search(pattern, out, flags)
        assert not found, f"a line says {found.group(0)!r}"
    return check


def no_request(server: Loopback, what: str, where: Callable[[Request], bool] = lambda r: True):
    def check(results: list[Result]) -> None:
        bad = [r for r in server.requests if where(r)]
        assert not bad, f"{what}: {bad[:3]}"
    return check


def no_connection(server: Loopback, what: str):
    def check(results: list[Result]) -> None:
        assert server.connections == 0, f"{what}: {server.connections} connection(s)"
    return check


def within(seconds: float):
    def check(results: list[Result]) -> None:
        slow = [r for r in results if r.judged and r.seconds > seconds]
        assert not slow, f"ran {slow[0].seconds:.0f} s, more than {seconds:g} s"
    return check


# ---------------------------------------------------------------------------------------------
# The attacks. Each docstring's first line is the table's description; ``ITEM`` maps an attack to the
# issue's item (0: one of the 33 the probe saw pass).

ATTACKS: dict[str, Callable[[Probe], Expect]] = {}
ITEM: dict[str, int] = {}


def attack(item: int):
    def register(fn: Callable[[Probe], Expect]) -> Callable[[Probe], Expect]:
        ATTACKS[fn.__name__] = fn
        ITEM[fn.__name__] = item
        return fn
    return register


def genuine(archive_file: str, source: str = "ice_287g") -> tuple[str, bytes]:
    """(sha256, bytes) of a held-out real file."""
    data = real(source, archive_file)
    return sha256(data), data


def _then_new_list(probe: Probe) -> tuple[str, dict[str, str]]:
    """The valid new list every list attack links after its own file: it must land whatever came before."""
    sha, data = genuine(NEW_LIST)
    return probe.serve_list(ice_name(NEW_LIST), data), {sha: NEW_LIST}


@attack(0)
def valid_new_list(probe: Probe) -> Expect:
    """a real list ICE has not served before lands (exit 0)"""
    new, keep = _then_new_list(probe)
    probe.serve_pages([new])
    probe.update()
    return Expect({0}, keep=keep)


@attack(0)
def html_impostor(probe: Probe) -> Expect:
    """an HTML 'Access denied' page served as a list's xlsx is refused, the next list lands"""
    body = b"<!DOCTYPE html><html><body>Access denied</body></html>"
    bad = probe.serve_list("participatingAgencies11202026am.xlsx", body)
    new, keep = _then_new_list(probe)
    probe.serve_pages([bad, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha256(body): "the HTML page"})


@attack(0)
def truncated_file(probe: Probe) -> Expect:
    """a list cut off at the source (a consistent Content-Length) is refused, the next list lands"""
    body = real("ice_287g", NEW_LIST_2)[:4000]
    bad = probe.serve_list(ice_name(NEW_LIST_2), body)
    new, keep = _then_new_list(probe)
    probe.serve_pages([bad, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha256(body): "the truncated list"})


@attack(1)
def xfd_cell(probe: Probe) -> Expect:
    """a real list with one more cell at XFD1048576 is refused over the limits, the next list lands"""
    body = with_far_cell(real("ice_287g", NEW_LIST_2))
    bad = probe.serve_list(ice_name(NEW_LIST_2), body)
    new, keep = _then_new_list(probe)
    probe.serve_pages([bad, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha256(body): "the XFD1048576 list"})


@attack(1)
def xfd_cell_add(probe: Probe) -> Expect:
    """`add` of the same XFD1048576 list is refused over the limits"""
    body = with_far_cell(real("ice_287g", NEW_LIST_2))
    path = probe.scratch / ice_name(NEW_LIST_2)
    path.write_bytes(body)
    probe.run("add", str(path))
    return Expect({1}, refuse={sha256(body): "the XFD1048576 list"})


@attack(1)
def zip_bomb_sheet(probe: Probe) -> Expect:
    """a list whose sheet is 1 GiB of rows in a few MB of zip is refused over the limits, the next list lands"""
    body = probe.bomb().read_bytes()
    bad = probe.serve_list(ice_name(NEW_LIST_2), body)
    new, keep = _then_new_list(probe)
    probe.serve_pages([bad, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha256(body): "the zip bomb"})


@attack(2)
def row_lost_state(probe: Probe) -> Expect:
    """a real list whose row 500 lost its state lands quarantined (exit 1), the hint names blank_state_fixes.csv"""
    body = without_cell(real("ice_287g", NEW_LIST_3), "A500")
    bad = probe.serve_list(ice_name(NEW_LIST_3), body)
    new, keep = _then_new_list(probe)
    probe.serve_pages([bad, new])
    probe.update()
    quarantined = {sha256(body): "the list with a blank state"}
    return Expect({1}, keep={**keep, **quarantined}, quarantine=quarantined,
                  checks=[said(r"blank_state_fixes\.csv"), not_said(r"(?<!\w)state_fixes\.csv")])


@attack(3)
def kill_mid_landing(probe: Probe) -> Expect:
    """kill -9 as the new file appears (no manifest row), then update again: adopted or removed, no .r2"""
    sha, data = genuine(NEW_LIST)
    new = probe.serve_list(ice_name(NEW_LIST), data)
    probe.serve_pages([new])
    target = probe.raw("ice_287g") / NEW_LIST
    running = probe.start("update", "--ice-base-url", probe.ice.url)
    while not target.exists() and not running.poll() and time.monotonic() - running.started < RUN_TIMEOUT:
        time.sleep(0.001)
    probe.collect(running, running.kill(judged=False))
    assert target.exists(), "the killed run never wrote the new file"
    # the state a kill between the file and its manifest row leaves, whichever the kill caught
    git(probe.project, "checkout", "-q", "--", "data/raw/ice_287g/MANIFEST.csv")
    probe.update()
    return Expect({0}, keep={sha: NEW_LIST}, checks=[said(r"adopt|remov")])


@attack(4)
def concurrent_updates(probe: Probe) -> Expect:
    """two updates at once, the new list answered to both at the same moment: it lands once, no .r2"""
    sha, data = genuine(NEW_LIST)
    new = probe.serve_list(ice_name(NEW_LIST), data, hold=2)
    probe.serve_pages([new])
    runs = [probe.start("update", "--ice-base-url", probe.ice.url) for _ in range(2)]
    for running in runs:
        probe.collect(running, running.wait())
    return Expect({0, 1}, keep={sha: NEW_LIST})


@attack(5)
def slow_drip(probe: Probe) -> Expect:
    """a list answered at 2 bytes/s, `--deadline 6`: the run stops in time, the list before it lands"""
    new, keep = _then_new_list(probe)
    slow = probe.serve_list(ice_name(NEW_LIST_2), real("ice_287g", NEW_LIST_2), drip=(DRIP_BYTES_PER_SECOND, 1.0))
    probe.serve_pages([new, slow])
    probe.update("--deadline", str(DEADLINE))
    return Expect({1, 2}, keep=keep, checks=[within(DEADLINE + 10), said("deadline")])


@attack(6)
def long_name(probe: Probe) -> Expect:
    """a dated link name of 241 characters is refused in one line, the run goes on and the next list lands"""
    name = "participatingAgencies" + "x" * (LONG_NAME - len("participatingAgencies05112026am.xlsx")) + "05112026am.xlsx"
    assert len(name) == LONG_NAME
    sha, data = genuine(NEW_LIST_2)
    bad = probe.serve_list(name, data)
    new, keep = _then_new_list(probe)
    probe.serve_pages([bad, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha: "the long-named list"})


def _redirected(probe: Probe, location: str, served_at: Loopback, final_path: str) -> tuple[str, str, bytes]:
    sha, data = genuine(NEW_LIST_2)
    served_at.serve(final_path, data)
    first = DOCLIB_287G + ice_name(NEW_LIST_2)
    probe.ice.redirect(first, location)
    return first, sha, data


@attack(7)
def redirect_other_port(probe: Probe) -> Expect:
    """a list redirected to another loopback port is refused before that port is asked, the next list lands"""
    final = DOCLIB_287G + ice_name(NEW_LIST_2)
    first, sha, _ = _redirected(probe, probe.other.url + final, probe.other, final)
    new, keep = _then_new_list(probe)
    probe.serve_pages([first, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha: "the list behind the redirect"},
                  checks=[no_connection(probe.other, "the other port was asked")])


@attack(7)
def redirect_localhost(probe: Probe) -> Expect:
    """a list redirected to http://localhost (same port) is refused: another host name"""
    final = DOCLIB_287G + "moved/" + ice_name(NEW_LIST_2)
    first, sha, _ = _redirected(probe, f"http://localhost:{probe.ice.port}{final}", probe.ice, final)
    new, keep = _then_new_list(probe)
    probe.serve_pages([first, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha: "the list behind the redirect"},
                  checks=[no_request(probe.ice, "asked as localhost", lambda r: r.host.startswith("localhost"))])


@attack(7)
def redirect_https_other_port(probe: Probe) -> Expect:
    """a list redirected to https on another loopback port is refused before connecting"""
    final = DOCLIB_287G + ice_name(NEW_LIST_2)
    first, sha, _ = _redirected(probe, f"https://127.0.0.1:{probe.other.port}{final}", probe.other, final)
    new, keep = _then_new_list(probe)
    probe.serve_pages([first, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha: "the list behind the redirect"},
                  checks=[no_connection(probe.other, "the other port was connected to")])


@attack(7)
def redirect_same_host(probe: Probe) -> Expect:
    """a same-host redirect lands; original_url is the first URL and final_url the last"""
    final = DOCLIB_287G + "current/" + ice_name(NEW_LIST_2)
    first, sha, _ = _redirected(probe, final, probe.ice, final)
    probe.serve_pages([first])
    probe.update()

    def urls(results: list[Result]) -> None:
        row = manifest_row(probe, sha)
        assert row["original_url"] == probe.ice.url + first, row["original_url"]
        assert row.get("final_url") == probe.ice.url + final, f"final_url: {row.get('final_url')!r}"

    return Expect({0}, keep={sha: NEW_LIST_2}, checks=[urls])


@attack(12)
def redirect_loop(probe: Probe) -> Expect:
    """a list that redirects to itself is refused in one line, the next list lands"""
    looping = DOCLIB_287G + "participatingAgencies11252026am.xlsx"
    probe.ice.redirect(looping, looping)
    new, keep = _then_new_list(probe)
    probe.serve_pages([looping, new])
    probe.update()
    return Expect({1}, keep=keep, checks=[said(r"^update: refused participatingAgencies11252026am\.xlsx: .*$",
                                               flags=re.MULTILINE)])


@attack(8)
def detention_name_disagrees_existing_release(probe: Probe) -> Expect:
    """FY27_detentionStats12012026.xlsx holding the FY26 data pulled 2026-04-02 (archived): refused as a duplicate"""
    body = rezip(real("ice_detention", ARCHIVED_WORKBOOK), level=1)
    path = DOCLIB_DETENTION + "FY27_detentionStats12012026.xlsx"
    probe.ice.serve(path, body)
    probe.serve_pages([], [path])
    probe.update()
    return Expect({1}, refuse={sha256(body): "the FY27-named copy of an archived release"})


@attack(8)
def detention_name_disagrees_new_release(probe: Probe) -> Expect:
    """FY27_detentionStats12012026.xlsx holding FY26 data pulled 2026-02-05: lands under 2026-02-05, noted"""
    sha, data = genuine(NEW_WORKBOOK, "ice_detention")
    path = DOCLIB_DETENTION + "FY27_detentionStats12012026.xlsx"
    probe.ice.serve(path, data)
    probe.serve_pages([], [path])
    probe.update()

    def noted(results: list[Result]) -> None:
        row = manifest_row(probe, sha)
        assert row["as_of_date"] == "2026-02-05" and row["file"].startswith("2026-02-05_"), row["file"]
        assert re.search(r"FY27|12012026|2026-12-01", row["notes"]), f"notes: {row['notes']!r}"

    return Expect({0}, keep={sha: NEW_WORKBOOK}, checks=[noted])


@attack(9)
def add_future_date(probe: Probe) -> Expect:
    """`add` of a real list named and dated 2030-06-01 is refused (the clock says it is in the future)"""
    sha, data = genuine(NEW_LIST)
    path = probe.scratch / "participatingAgencies06012030am.xlsx"
    path.write_bytes(data)
    future = time.mktime((2030, 6, 1, 12, 0, 0, 0, 0, -1))
    os.utime(path, (future, future))
    probe.run("add", str(path))
    return Expect({1}, refuse={sha: "the list dated 2030"})


def _cdx_attack(probe: Probe, listing: bytes) -> Expect:
    probe.ice.serve("/cdx/search/cdx", listing, content_type="application/json")
    probe.backfill()
    return Expect({2}, checks=[said(r"CDX|listing")])


CDX_HEADER = list(wayback.CDX_FIELDS)


@attack(10)
def cdx_short_row(probe: Probe) -> Expect:
    """a CDX listing with a row of one field: a page failure (exit 2) in one line"""
    return _cdx_attack(probe, cdx_json([CDX_HEADER, ["20260101000000"]]))


@attack(10)
def cdx_null_field(probe: Probe) -> Expect:
    """a CDX listing whose row has null for its URL: a page failure (exit 2) in one line"""
    digest = wayback.wayback_digest(real("ice_287g", NEW_LIST))
    return _cdx_attack(probe, cdx_json([CDX_HEADER, ["20260101000000", None, digest, "200", XLSX, "1000"]]))


@attack(10)
def cdx_deep_nesting(probe: Probe) -> Expect:
    """a CDX listing nested 100,000 lists deep: a page failure (exit 2) in one line"""
    return _cdx_attack(probe, b"[" * 100_000 + b"]" * 100_000)


def _serve_captures(probe: Probe, captures: list[tuple[str, str, bytes, str]]) -> None:
    """CDX listings (by query) and raw captures of (timestamp, ICE URL, bytes served, digest listed)."""
    def cdx(query):
        url, match = query["url"][0], query.get("matchType", ["exact"])[0]
        rows = [CDX_HEADER]
        for ts, original, data, digest in captures:
            bare = original.split("://", 1)[1]
            if bare == url or (match == "prefix" and bare.startswith(url)):
                rows.append([ts, original, digest, "200", XLSX, str(len(data))])
        return cdx_json(rows if len(rows) > 1 else [])

    probe.ice.serve("/cdx/search/cdx", cdx, content_type="application/json")
    for ts, original, data, _ in captures:
        probe.ice.serve(f"/web/{ts}id_/{original}", data)


@attack(11)
def wayback_digest_mismatch(probe: Probe) -> Expect:
    """a Wayback capture whose bytes differ from its CDX digest is refused; a matching capture lands"""
    good_sha, good = genuine(NEW_LIST)
    listed = real("ice_287g", NEW_LIST_2)
    served = rezip(listed, level=1)
    ice = "https://www.ice.gov" + DOCLIB_287G
    _serve_captures(probe, [("20260518120000", ice + ice_name(NEW_LIST), good, wayback.wayback_digest(good)),
                            ("20260511120000", ice + ice_name(NEW_LIST_2), served, wayback.wayback_digest(listed))])
    probe.backfill()
    return Expect({1}, keep={good_sha: NEW_LIST}, refuse={sha256(served): "the capture that is not its digest"})


@attack(5)
def wayback_max_captures(probe: Probe) -> Expect:
    """`--max-captures 1` with two new captures lands one, says one is left; the next run lands the other"""
    ice = "https://www.ice.gov" + DOCLIB_287G
    caps = [(ts, ice + ice_name(f), data, wayback.wayback_digest(data))
            for ts, f in (("20260511120000", NEW_LIST_2), ("20260518120000", NEW_LIST))
            for data in [real("ice_287g", f)]]
    _serve_captures(probe, caps)
    probe.backfill("--max-captures", "1")

    def one_then_two(results: list[Result]) -> None:
        first = results[0]
        assert re.search(r"\bleft\b|next run", first.output, re.IGNORECASE), "no word of the capture left"
        landed = re.findall(r"^update: landed ", first.stdout, re.MULTILINE)
        assert len(landed) == 1, f"the first run landed {len(landed)} capture(s)"

    probe.backfill("--max-captures", "1")
    return Expect({0}, keep={sha256(c[2]): c[1].rsplit("/", 1)[-1] for c in caps}, checks=[one_then_two])


@attack(12)
def control_characters_in_names(probe: Probe) -> Expect:
    """link names holding a newline, a carriage return, NUL and ESC are shown escaped, never raw"""
    data = real("ice_287g", ARCHIVED_LIST)
    hrefs = [probe.serve_list(f"participatingAgencies{c}04302026am.xlsx", data)
             for c in ("\n", "\r", "\x00", "\x1b[2J")]
    probe.serve_pages(hrefs)
    probe.update()
    return Expect({0, 1})


@attack(12)
def check_negative_days(probe: Probe) -> Expect:
    """`update --check -1` answers in one line, no traceback"""
    probe.run("update", "--check", "-1")
    return Expect({1, 2}, usage_error_ok=True, checks=[said(r"-1")])


@attack(12)
def since_invalid_month(probe: Probe) -> Expect:
    """`--since 2021-13-01 --until 2021-12-31` is named as not a date, not as 'after --until'; nothing fetched"""
    probe.backfill(since="2021-13-01", until="2021-12-31")
    return Expect({2}, usage_error_ok=True,
                  checks=[said(r"2021-13-01"), not_said(r"is after"), no_request(probe.ice, "fetched")])


@attack(13)
def encoded_dot_segments(probe: Probe) -> Expect:
    """a link .../287g/%2e%2e%2f%2e%2e%2fparticipatingAgencies...xlsx is refused before any request"""
    sha, data = genuine(NEW_LIST_2)
    probe.ice.serve(posixpath.normpath(DOCLIB_287G + "../../" + ice_name(NEW_LIST_2)), data)
    bad = DOCLIB_287G + "%2e%2e%2f%2e%2e%2f" + ice_name(NEW_LIST_2)
    new, keep = _then_new_list(probe)
    probe.serve_pages([bad, new])
    probe.update()
    return Expect({1}, keep=keep, refuse={sha: "the list outside ICE's folder"},
                  checks=[no_request(probe.ice, "asked outside the folder",
                                     lambda r: ice_name(NEW_LIST_2) in r.path)])


@attack(14)
def soft_blocked_page(probe: Probe) -> Expect:
    """the 287(g) page answers 200 'Access Denied' with no list link: a page failure (exit 2)"""
    blocked = (b"<!DOCTYPE html><html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
               b"<p>You don't have permission to access this page on this server.</p></body></html>")
    probe.serve_pages([], page_287g=blocked)
    probe.update()
    return Expect({2})


@attack(15)
def add_sparse_6gb(probe: Probe) -> Expect:
    """`add` of a 6 GB file (sparse, never written) is refused by the size cap without reading it"""
    path = probe.scratch / ice_name(NEW_LIST)
    with open(path, "wb") as fh:
        fh.truncate(6 * 1024**3)
    try:
        probe.run("add", str(path))
    finally:
        path.unlink()
    return Expect({1}, checks=[within(20)])


def manifest_row(probe: Probe, sha: str) -> dict[str, str]:
    for source in ("ice_287g", "ice_detention"):
        with open(probe.raw(source) / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["sha256"] == sha:
                    return row
    raise AssertionError(f"no manifest row with sha256 {sha[:12]}")


# ---------------------------------------------------------------------------------------------
# The verdict table (``python -m tests.probe_attacks REPORT.jsonl``, REPORT written by the test with
# ICE287G_PROBE_REPORT=REPORT.jsonl)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(lines: list[dict]) -> str:
    rows = ["| attack | item | what the probe does | verdict | observed | runs: exit, wall time, peak memory |",
            "|---|---|---|---|---|---|"]
    for d in lines:
        runs = "; ".join(f"{r['code']}{' (killed by the probe)' if not r['judged'] else ''}"
                         f"{' (timeout)' if r['timed_out'] else ''}, {r['seconds']:.1f} s, "
                         + ("-" if r["peak_mb"] is None or math.isnan(r["peak_mb"]) else f"{r['peak_mb']:.0f} MB")
                         for r in d["runs"])
        observed = "; ".join(p[:220] for p in d["problems"]) or "as specified"
        rows.append(f"| `{d['attack']}` | {d['item'] or 'passed before'} | {_cell(d['doc'])} | "
                    f"{'fail' if d['problems'] else 'pass'} | {_cell(observed)} | {runs} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as fh:
        print(markdown_table([json.loads(line) for line in fh if line.strip()]), end="")
