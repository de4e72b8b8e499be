"""Issue 25's acceptance test: the hostile probe's attacks on ``update`` and ``add``, replayed in one run.

Each attack (tests/probe_attacks.py) runs ``python -m ice287g update`` or ``add`` as a subprocess against
loopback servers (127.0.0.1 only), in a throwaway project under git holding the real raw archive less a
few held-out files, reset before every attack. After each one, whatever the attack:

1. every run ended cleanly: its exit code is one the attack allows (0 ok, 1 refused or quarantined,
   2 a page failure), never a signal, a timeout or a traceback; every output line is one message
   (``update: ...``), with no raw control character;
2. verify-raw's check passes;
3. ``git status`` shows only files that legitimately landed: new ICE files with their manifests' rows,
   and nothing else in data/raw (no temporary file, no second copy of the same bytes);
4. every genuine ICE file the attack served is in data/raw (landed, or quarantined), unless the attack
   says it must be refused (an impostor, over the limits, a duplicate).

Each run's wall time and peak memory are printed (``-s`` not needed), never asserted: speed lives in
the benchmarks. With ``ICE287G_PROBE_REPORT=FILE`` set, one JSON line per attack is appended to FILE
(``python -m tests.probe_attacks FILE`` prints it as a Markdown table)."""
from __future__ import annotations

import csv
import json
import os
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from ice287g.archive import manifests
from ice287g.core.messages import printable
from tests.loopback import Loopback
from tests.probe_attacks import (
    ATTACKS,
    ITEM,
    NEW_LIST,
    NEW_LIST_3,
    REAL_RAW,
    Expect,
    Probe,
    Result,
    build_project,
    genuine,
    git,
    reset_project,
    sha256,
)

ICE_SOURCES = ("ice_287g", "ice_detention")
COMMANDS = ("update", "add", "verify-raw")
# argparse's own answer to a bad argument: "usage: ..." (wrapped, indented) and "prog cmd: error: ..."
USAGE_LINE = re.compile(r"^(usage: |\s+\S|python -m ice287g( \S+)?: error: )")


@dataclass
class World:
    base: Path
    project: Path
    cache: Path
    ice: Loopback
    other: Loopback
    baseline: Counter  # sha256 -> rows in the ICE manifests before any attack


def manifest_rows(project: Path) -> list[dict[str, str]]:
    rows = []
    for source in ICE_SOURCES:
        with open(project / "data" / "raw" / source / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
            rows += [{**r, "source": source} for r in csv.DictReader(fh)]
    return rows


def verify_raw(project: Path) -> list[str]:
    """What ``python -m ice287g verify-raw`` would name in the throwaway archive, one line per problem ([] when
    it passes): its own check, ``archive.manifests.verify_raw``, called on the project's data/raw in this
    process (tests/test_manifests.py runs the command itself), without a second of interpreter start-up
    after every attack."""
    return [printable(problem) for problem in manifests.verify_raw(project / "data" / "raw")]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    base = tmp_path_factory.mktemp("probe")
    project = build_project(base / "project")
    assert verify_raw(project) == [], "the throwaway archive does not verify before any attack"
    cache = base / "cache"
    cache.mkdir()
    ice, other = Loopback().start(), Loopback().start()
    yield World(base, project, cache, ice, other, Counter(r["sha256"] for r in manifest_rows(project)))
    ice.stop()
    other.stop()


# ---------------------------------------------------------------------------------------------
# What every attack is checked for


def run_problems(result: Result, expect: Expect) -> list[str]:
    """Why one run did not end cleanly ([] when it did)."""
    out = []
    if result.timed_out:
        out.append(f"{result.label}: still running after {result.seconds:.0f} s (killed)")
    elif result.code < 0:
        out.append(f"{result.label}: killed by signal {-result.code} (exit {128 - result.code})")
    elif result.code not in expect.codes:
        out.append(f"{result.label}: exit {result.code}, expected {sorted(expect.codes)}")
    if "Traceback (most recent call last)" in result.output:
        last = [line for line in result.stderr.splitlines() if line.strip()][-1:] or [""]
        out.append(f"{result.label}: traceback ({last[0][:160]})")
    elif result.code is not None and result.code < 0 and result.stderr.strip():
        out.append(f"{result.label}: aborted ({result.stderr.strip().splitlines()[0][:160]})")
    if not expect.usage_error_ok and re.search(r": error: (unrecognized arguments|argument )", result.stderr):
        out.append(f"{result.label}: usage error ({result.stderr.strip().splitlines()[-1][:160]})")
    command = next((a for a in result.argv if a in COMMANDS), "")
    raw = sorted({repr(c) for line in result.output.split("\n") for c in line
                  if unicodedata.category(c) == "Cc" and c != "\t"})
    if raw:
        out.append(f"{result.label}: raw control character(s) {', '.join(raw)} in the output")
    if result.code is not None and result.code >= 0:  # a killed run's output is the abort's, reported above
        stray = [line for line in result.output.split("\n") if line.strip() and not line.startswith(f"{command}: ")
                 and not (expect.usage_error_ok and USAGE_LINE.match(line))]
        if stray:
            out.append(f"{result.label}: {len(stray)} line(s) that are not one '{command}: ' message, "
                       f"first {stray[0][:120]!r}")
    return out


def archive_problems(world: World, expect: Expect) -> list[str]:
    """Why the archive is not what the attack should leave ([] when it is)."""
    out = []
    verify = verify_raw(world.project)
    if verify:
        out.append(f"verify-raw fails: {' | '.join(verify[:3])[:300]}")

    rows = manifest_rows(world.project)
    by_sha: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_sha.setdefault(r["sha256"], []).append(r)
    legit = set(expect.keep) | set(expect.quarantine)
    allowed_changes = {f"data/raw/{s}/MANIFEST.csv" for s in ICE_SOURCES}
    new_files: dict[str, str] = {}  # path -> sha256 of every file new in an ICE source folder
    status = git(world.project, "status", "--porcelain", "-z", "-uall", "--ignored")
    for entry in filter(None, status.split("\0")):
        code, path = entry[:2], entry[3:]
        if code == "!!":  # ignored: the lock is; anything else ignored in data/raw is a leftover
            if path.startswith("data/raw/") and path != "data/raw/.landing.lock":
                out.append(f"left behind in data/raw: {path!r}")
            continue
        if code == " M" and path in allowed_changes:
            continue
        parts = path.split("/")
        if code == "??" and len(parts) == 4 and parts[:2] == ["data", "raw"] and parts[2] in ICE_SOURCES:
            new_files[path] = sha256((world.project / path).read_bytes())
            listed = any(r["file"] == parts[3] and r["source"] == parts[2] for r in by_sha.get(new_files[path], []))
            if new_files[path] not in legit or not listed:
                out.append(f"landed but should not have: {path!r}" + ("" if listed else " (no manifest row)"))
            continue
        out.append(f"unexpected change: {code} {path!r}")
    copies = Counter(new_files.values())
    for sha in sorted({sha for sha in new_files.values() if copies[sha] > 1 or world.baseline.get(sha)}):
        out.append("the same bytes are in data/raw twice: "
                   + ", ".join(sorted([p for p, h in new_files.items() if h == sha]
                                      + [f"data/raw/{r['source']}/{r['file']}" for r in by_sha.get(sha, [])
                                         if f"data/raw/{r['source']}/{r['file']}" not in new_files])))

    for sha, label in expect.keep.items():
        found = by_sha.get(sha, [])
        if not found:
            out.append(f"lost: {label} is not in data/raw")
            continue
        state = found[0].get("status", "")
        if sha in expect.quarantine and state != "quarantined":
            out.append(f"{label} is in data/raw but not quarantined (status {state!r}, no status column)"
                       if "status" not in found[0] else f"{label} is in data/raw with status {state!r}")
        elif sha not in expect.quarantine and state:
            out.append(f"{label} landed with status {state!r}")
    for sha, label in expect.refuse.items():
        for r in by_sha.get(sha, []):
            out.append(f"{label} landed as data/raw/{r['source']}/{r['file']}, should be refused")
    for sha, found in by_sha.items():
        if len(found) > world.baseline.get(sha, 0) and len(found) > 1 and sha not in new_files.values():
            out.append("the same bytes are listed twice: " + ", ".join(r["file"] for r in found))
    return out


def report(name: str, results: list[Result], problems: list[str], capsys) -> None:
    """Each run's time and memory on the terminal; a JSON line in $ICE287G_PROBE_REPORT if set."""
    with capsys.disabled():
        for r in results:
            print(f"\nprobe {name} {r.label}: exit {r.code}{' (killed by the probe)' if not r.judged else ''}"
                  f"{' (timeout)' if r.timed_out else ''}, {r.seconds:.1f} s, peak {r.peak_mb:.0f} MB", end="")
    path = os.environ.get("ICE287G_PROBE_REPORT")
    if path:
        line = {"attack": name, "item": ITEM[name], "doc": (ATTACKS[name].__doc__ or "").strip(),
                "runs": [{"label": r.label, "args": [a for a in r.argv[r.argv.index("ice287g") + 1:]]
                          if "ice287g" in r.argv else r.argv[3:], "code": r.code, "judged": r.judged,
                          "timed_out": r.timed_out, "seconds": round(r.seconds, 2), "peak_mb": round(r.peak_mb, 1)}
                         for r in results],
                "problems": problems}
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")


# The integration tier (`make test-integration`, run beside `make all`): each attack runs whole commands as
# subprocesses, and the throwaway project keeps every file they write away from the build.
pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", list(ATTACKS))
def test_attack(name, world, tmp_path, capsys):
    reset_project(world.project, world.base)
    world.ice.reset()
    world.other.reset()
    probe = Probe(world.project, world.ice, world.other, tmp_path, world.cache)
    problems: list[str] = []
    try:
        expect = ATTACKS[name](probe)
    except AssertionError as exc:  # the attack could not be staged as the probe staged it
        problems.append(f"attack: {exc}")
        expect = None
    finally:
        probe.cleanup()
    if expect is not None:
        for result in probe.results:
            if result.judged:
                problems += run_problems(result, expect)
        problems += archive_problems(world, expect)
        for check in expect.checks:
            try:
                check(probe.results)
            except AssertionError as exc:
                problems.append(str(exc).splitlines()[0] if str(exc) else f"{check.__qualname__} failed")
    report(name, probe.results, problems, capsys)
    if problems:  # every problem, one per line, without the test's own traceback
        pytest.fail(f"{name}:\n  " + "\n  ".join(problems), pytrace=False)


# ---------------------------------------------------------------------------------------------
# The checks themselves: each passes what the issue asks for and fails what the probe saw


def _run(code=0, stdout="update: landed data/raw/ice_287g/x.xlsx from http://127.0.0.1:1/x.xlsx\nupdate: 1 landed\n",
         stderr="", command="update") -> Result:
    return Result("run1", [sys.executable, "-m", "ice287g", command], code, stdout, stderr, 1.0, 100.0)


def test_a_clean_run_passes_and_each_way_of_ending_badly_fails():
    assert run_problems(_run(), Expect({0})) == []
    assert run_problems(_run(1, stderr="update: refused x.xlsx: over the limits\n"), Expect({1})) == []
    assert run_problems(_run(1), Expect({0})) == ["run1: exit 1, expected [0]"]
    aborted = run_problems(_run(-6, stderr="memory allocation of 549755813888 bytes failed\n"), Expect({0, 1}))
    assert aborted == ["run1: killed by signal 6 (exit 134)",
                       "run1: aborted (memory allocation of 549755813888 bytes failed)"]
    traceback = run_problems(_run(1, stderr="Traceback (most recent call last):\n  File \"x\"\nKeyError: 'original'\n"),
                             Expect({1}))
    assert traceback[0] == "run1: traceback (KeyError: 'original')" and "not one 'update: ' message" in traceback[1]
    escaped = run_problems(_run(1, "update: refused a\\x1bb.xlsx: name refused\n"), Expect({1}))
    assert escaped == []
    raw = run_problems(_run(1, "update: refused a\x1bb\x00.xlsx: name refused\n"), Expect({1}))
    assert raw == ["run1: raw control character(s) '\\x00', '\\x1b' in the output"]
    forged = run_problems(_run(1, "update: refused a\nupdate: landed b.xlsx\n"), Expect({1}))
    assert forged == []  # a newline in a name forges a line that looks like one: the next attack's lines catch it
    loop = run_problems(_run(1, "update: refused x.xlsx: HTTP 302\nThe last 30x error message was:\nFound\n"),
                        Expect({1}))
    assert loop == ["run1: 2 line(s) that are not one 'update: ' message, first 'The last 30x error message was:'"]
    usage = "usage: python -m ice287g update [-h]\n                 [--check DAYS]\n" \
            "python -m ice287g update: error: argument --check: must be 0 or more, not -1\n"
    assert run_problems(_run(2, "", usage), Expect({2}, usage_error_ok=True)) == []
    unknown = run_problems(_run(2, "", usage.replace("argument --check: must be 0 or more, not -1",
                                                     "unrecognized arguments: --deadline 6")), Expect({2}))
    assert unknown[0].startswith("run1: usage error (") and len(unknown) == 2


def _stage(world: World, archive_file: str, name: str | None = None, status: str | None = None) -> str:
    """Put a held-out real list into the throwaway archive as a landing would (file, manifest row; a
    ``status`` column when ``status`` is given); its sha256."""
    folder = world.project / "data" / "raw" / "ice_287g"
    data = (REAL_RAW / "ice_287g" / archive_file).read_bytes()
    with open(REAL_RAW / "ice_287g" / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["file"] == archive_file)
    with open(folder / "MANIFEST.csv", newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames), list(reader)
    if status is not None and "status" not in header:
        header.append("status")
    rows.append({**row, "file": name or archive_file, **({"status": status} if status is not None else {})})
    with open(folder / "MANIFEST.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n", restval="")
        writer.writeheader()
        writer.writerows(rows)
    (folder / (name or archive_file)).write_bytes(data)
    return sha256(data)


def test_the_archive_checks_pass_a_quarantined_landing_and_fail_a_loss_a_stray_and_a_copy(world):
    reset_project(world.project, world.base)
    sha = genuine(NEW_LIST_3)[0]
    assert archive_problems(world, Expect({1}, keep={sha: "the list"})) == ["lost: the list is not in data/raw"]
    assert _stage(world, NEW_LIST_3, status="quarantined") == sha
    assert archive_problems(world, Expect({1}, keep={sha: "the list"}, quarantine={sha: "the list"})) == []
    assert archive_problems(world, Expect({1}, keep={sha: "the list"})) == \
        ["the list landed with status 'quarantined'"]
    assert archive_problems(world, Expect({1}, refuse={sha: "the list"})) == [
        f"landed but should not have: 'data/raw/ice_287g/{NEW_LIST_3}'",
        f"the list landed as data/raw/ice_287g/{NEW_LIST_3}, should be refused"]

    reset_project(world.project, world.base)
    _stage(world, NEW_LIST_3)
    assert archive_problems(world, Expect({0}, keep={sha: "the list"}, quarantine={sha: "the list"})) == \
        ["the list is in data/raw but not quarantined (status '', no status column)"]
    r2 = NEW_LIST_3.replace(".xlsx", ".r2.xlsx")
    _stage(world, NEW_LIST_3, name=r2)
    assert archive_problems(world, Expect({0}, keep={sha: "the list"})) == [
        f"the same bytes are in data/raw twice: data/raw/ice_287g/{r2}, data/raw/ice_287g/{NEW_LIST_3}"]

    reset_project(world.project, world.base)
    orphan = world.project / "data" / "raw" / "ice_287g" / NEW_LIST
    orphan.write_bytes(genuine(NEW_LIST)[1])  # what a kill between the file and its manifest row leaves
    (world.project / "data" / "raw" / "ice_287g" / ".x.tmp-1").write_bytes(b"half")
    problems = archive_problems(world, Expect({0}, keep={genuine(NEW_LIST)[0]: "the new list"}))
    assert problems[0].startswith("verify-raw fails: ") and sorted(problems[1:]) == [
        f"landed but should not have: 'data/raw/ice_287g/{NEW_LIST}' (no manifest row)",
        "left behind in data/raw: 'data/raw/ice_287g/.x.tmp-1'",
        "lost: the new list is not in data/raw"]
    reset_project(world.project, world.base)
    assert archive_problems(world, Expect({0})) == []
