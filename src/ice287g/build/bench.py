"""``make bench``: wall time and peak memory of the build, each notebook, the reports and raw reading.

Not a test: numbers depend on the machine. Each measurement runs in its own child process so the
peak resident memory reported is that command's (the largest process it waited for).

What it measures, with the environment installed: a cold ``make all`` (no outputs, no parse cache) and
one with the parse cache warm, a no-op ``make all``, ``make all`` after one new list lands (in a
throwaway clone: a copy of the newest list under a later date, landed with ``ice287g add``), every
notebook alone, ``make reports``, and reading every raw file without the cache; then the ratios
"add one list / cold build" and "cold build / reading every raw file".
"""
from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from ..archive.cache import DIR_NAME as CACHE_DIR
from ..archive.cache import NO_CACHE_ENV
from ..core import paths
from ..detention import detention
from ..history.asof import read_processed
from ..ingest.lists import read_all
from .pipeline import NOTEBOOKS
from .reports import default_workers, report_states

# What reading every raw file of a source should take on the 2-core machine (seconds).
TARGET_SECONDS = {"lists": 10, "detention": 15}
# What adding one list may cost, as a share of a cold build.
ADD_ONE_LIST_SHARE = 0.4
# What the environment is installed from (the Makefile's $(INSTALLED) prerequisites).
ENVIRONMENT_FILES = ("requirements.txt", "uv.lock", "pyproject.toml")


def measure(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run ``cmd`` in a fresh wrapper process; return seconds, peak RSS (MB) and exit code."""
    wrapper = [sys.executable, "-m", "ice287g.build.bench", "--measure", "--", *cmd]
    out = subprocess.run(wrapper, cwd=cwd or paths.project_root(), capture_output=True, text=True,
                         env={**os.environ, **(env or {})})
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"bench: could not measure {' '.join(cmd)}")


def _measure_self(cmd: list[str]) -> None:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode:
        sys.stderr.write(proc.stderr[-4000:])
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_kb / 1024, 1), "rc": proc.returncode}))


def read_all_xlsx(engine: str) -> tuple[float, int]:
    """Seconds to read every sheet of every ICE 287(g) workbook with ``engine``; rows read."""
    files = sorted((paths.raw_dir() / "ice_287g").glob("*.xlsx"))
    start = time.perf_counter()
    rows = 0
    for f in files:
        for frame in pd.read_excel(f, sheet_name=None, engine=engine).values():
            rows += len(frame)
    return time.perf_counter() - start, rows


def newest_list_copy(folder: Path, days_later: int = 7) -> Path:
    """The newest participating list less its last row, under ICE's name for a date ``days_later`` days
    on, in ``folder``: the list a weekly update would bring, for timing what one new list costs."""
    lists = read_processed("lists.csv")
    newest = lists[lists["list_kind"] == "participating"].sort_values("list_date").iloc[-1]
    day = dt.date.fromisoformat(newest["list_date"]) + dt.timedelta(days=days_later)
    target = folder / f"participatingAgencies{day:%m%d%Y}am.xlsx"
    # one agreement fewer: the archive refuses a file whose bytes it already holds, and a new list changes
    book = load_workbook(paths.raw_dir() / "ice_287g" / newest["source_file"])
    sheet = book.worksheets[0]
    while sheet.max_row > 1:  # trailing blank rows go too, up to and including the last printed row
        printed = any(cell.value not in (None, "") for cell in sheet[sheet.max_row])
        sheet.delete_rows(sheet.max_row)
        if printed:
            break
    book.save(target)
    return target


def add_one_list(report, make: list[str]) -> dict:
    """Time ``make all`` after one new list, in a throwaway clone of the committed project (its parse
    cache copied, its first build untimed), so the working copy is never touched."""
    root = paths.project_root()
    with tempfile.TemporaryDirectory(prefix="ice287g-bench-") as tmp:
        clone = Path(tmp) / root.name
        subprocess.run(["git", "clone", "--quiet", str(root), str(clone)], check=True)
        (clone / ".venv").symlink_to(root / ".venv")
        # the clone shares the installed environment: its fresh checkout must not look newer than it, or
        # make would reinstall the environment from the clone (and point it there)
        installed = (root / ".venv" / ".installed").stat().st_mtime - 1
        for name in ENVIRONMENT_FILES:
            os.utime(clone / name, (installed, installed))
        if (root / CACHE_DIR).is_dir():
            shutil.copytree(root / CACHE_DIR, clone / CACHE_DIR)
        if (root.parent / "shared").exists() and not (clone.parent / "shared").exists():
            (clone.parent / "shared").symlink_to(root.parent / "shared")
        env = {"ICE287G_ROOT": str(clone), "PYTHONPATH": str(clone / "src")}
        report("clone: first make all (parse cache copied)", measure(make + ["all"], clone, env))
        new = newest_list_copy(Path(tmp))
        archive = clone / "data" / "raw" / "ice_287g"
        before = set(archive.iterdir())
        landed = measure([sys.executable, "-m", "ice287g", "add", str(new)], clone, env)
        report(f"clone: ice287g add {new.name}", landed)
        if not set(archive.iterdir()) - before:
            raise SystemExit(f"bench: {new.name} did not land in the clone's archive; nothing to time")
        added = measure(make + ["all"], clone, env)
        report("clone: make all after adding one list", added)
        return added


def main() -> int:
    make = ["make", "--no-print-directory"]
    results = []

    def report(label: str, m: dict) -> None:
        flag = "" if m["rc"] == 0 else f"  (FAILED, exit {m['rc']})"
        print(f"{label:<48} {m['seconds']:>8.2f} s  {m['peak_mb']:>8.1f} MB peak{flag}", flush=True)
        results.append((label, m))

    print("ice287g bench (environment already installed)\n")
    cold = measure(["bash", "-c", f"make clean >/dev/null && rm -rf {CACHE_DIR} && make all"])
    report("make clean && make all (cold, no parse cache)", cold)
    report("make clean && make all (parse cache warm)", measure(["bash", "-c", "make clean >/dev/null && make all"]))
    report("make all (no-op)", measure(make + ["all"]))
    added = add_one_list(report, make)
    for nb in NOTEBOOKS:
        report(f"notebook {nb.name}", measure([sys.executable, "-m", "ice287g", "run", nb.name]))

    n_states = len(report_states(read_processed("agreements.csv")))
    report(f"state reports ({n_states}, {default_workers()} kernels at once)",
           measure([sys.executable, "-m", "ice287g", "reports"]))
    os.environ[NO_CACHE_ENV] = "1"  # reading every raw file, as a cold build must
    start = time.perf_counter()

    list_rows, lists, _, _ = read_all()
    raw_seconds = time.perf_counter() - start
    print(f"{'read every ICE 287(g) list (' + str(len(lists)) + ' lists)':<42} "
          f"{time.perf_counter() - start:>8.2f} s  ({len(list_rows)} rows; target under {TARGET_SECONDS['lists']} s)")
    start = time.perf_counter()

    facilities, releases, _ = detention.read_all()
    raw_seconds += time.perf_counter() - start
    print(f"{'parse every detention workbook (' + str(len(releases)) + ')':<42} "
          f"{time.perf_counter() - start:>8.2f} s  ({len(facilities)} facility rows; target under {TARGET_SECONDS['detention']} s)")
    n = len(list((paths.raw_dir() / "ice_287g").glob("*.xlsx")))
    timings = {engine: read_all_xlsx(engine) for engine in ("calamine", "openpyxl")}
    for engine, (seconds, rows) in timings.items():
        print(f"{f'read {n} ICE xlsx files, {engine}':<42} {seconds:>8.2f} s  ({rows} rows)")
    ratio = timings["openpyxl"][0] / timings["calamine"][0]
    print(f"\nopenpyxl / calamine time ratio: {ratio:.1f}x")
    print(f"add one list / cold build: {added['seconds'] / cold['seconds']:.2f} (target at most {ADD_ONE_LIST_SHARE})")
    print(f"cold build / reading every raw file: {cold['seconds'] / raw_seconds:.1f}x")
    print(f"peak memory, any step: {max(m['peak_mb'] for _, m in results):.0f} MB")
    return 1 if any(m["rc"] for _, m in results) else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure" and sys.argv[2] == "--":
        _measure_self(sys.argv[3:])
    else:
        raise SystemExit(main())
