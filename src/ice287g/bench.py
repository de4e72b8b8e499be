"""``make bench``: wall time and peak memory of the build, each notebook, and xlsx reading.

Not a test: numbers depend on the machine. Each measurement runs in its own child process so the
peak resident memory reported is that command's (the largest process it waited for).
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from . import paths
from .pipeline import NOTEBOOKS

# What reading every raw file of a source should take on the 2-core machine (seconds).
TARGET_SECONDS = {"lists": 10, "detention": 15}


def measure(cmd: list[str]) -> dict:
    """Run ``cmd`` in a fresh wrapper process; return seconds, peak RSS (MB) and exit code."""
    wrapper = [sys.executable, "-m", "ice287g.bench", "--measure", "--", *cmd]
    out = subprocess.run(wrapper, cwd=paths.project_root(), capture_output=True, text=True)
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
    import pandas as pd

    files = sorted((paths.raw_dir() / "ice_287g").glob("*.xlsx"))
    start = time.perf_counter()
    rows = 0
    for f in files:
        for frame in pd.read_excel(f, sheet_name=None, engine=engine).values():
            rows += len(frame)
    return time.perf_counter() - start, rows


def main() -> int:
    make = ["make", "--no-print-directory"]
    results = []

    def report(label: str, m: dict) -> None:
        flag = "" if m["rc"] == 0 else f"  (FAILED, exit {m['rc']})"
        print(f"{label:<42} {m['seconds']:>8.2f} s  {m['peak_mb']:>8.1f} MB peak{flag}", flush=True)
        results.append((label, m))

    print("ice287g bench (environment already installed)\n")
    report("make clean && make all (cold)", measure(["bash", "-c", "make clean >/dev/null && make all"]))
    report("make all (no-op)", measure(make + ["all"]))
    for nb in NOTEBOOKS:
        report(f"notebook {nb.name}", measure([sys.executable, "-m", "ice287g", "run", nb.name]))
    from .agreements import processed
    from .reports import default_workers, report_states

    n_states = len(report_states(processed("agreements.csv")))
    report(f"state reports ({n_states}, {default_workers()} kernels at once)",
           measure([sys.executable, "-m", "ice287g", "reports"]))
    start = time.perf_counter()
    from .agreements import read_all

    list_rows, lists, _, _ = read_all()
    print(f"{'read every ICE 287(g) list (' + str(len(lists)) + ' lists)':<42} "
          f"{time.perf_counter() - start:>8.2f} s  ({len(list_rows)} rows; target under {TARGET_SECONDS['lists']} s)")
    start = time.perf_counter()
    from . import detention

    facilities, releases, _ = detention.read_all()
    print(f"{'parse every detention workbook (' + str(len(releases)) + ')':<42} "
          f"{time.perf_counter() - start:>8.2f} s  ({len(facilities)} facility rows; target under {TARGET_SECONDS['detention']} s)")
    n = len(list((paths.raw_dir() / "ice_287g").glob("*.xlsx")))
    timings = {engine: read_all_xlsx(engine) for engine in ("calamine", "openpyxl")}
    for engine, (seconds, rows) in timings.items():
        print(f"{f'read {n} ICE xlsx files, {engine}':<42} {seconds:>8.2f} s  ({rows} rows)")
    ratio = timings["openpyxl"][0] / timings["calamine"][0]
    print(f"\nopenpyxl / calamine time ratio: {ratio:.1f}x")
    return 1 if any(m["rc"] for _, m in results) else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure" and sys.argv[2] == "--":
        _measure_self(sys.argv[3:])
    else:
        raise SystemExit(main())
