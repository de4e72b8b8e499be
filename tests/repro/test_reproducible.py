"""Run last by `make test`, after `make all` and the nbval re-run: the committed outputs must be
exactly what a build from raw files writes, and the build must leave nothing else in the output folders."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the folders a build writes into (ice287g.tables.writers.OUTPUT_DIRS)
OUTPUT_DIRS = ["data/processed", "data/qa", "figures", "notebooks"]


def _git_status(*args: str) -> str:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run(["git", "status", "--porcelain", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def test_committed_outputs_equal_a_fresh_build():
    out = _git_status("--", "data", "figures", "notebooks", "docs", "README.md")
    assert out == "", f"the build changed or added committed outputs (not deterministic or not committed):\n{out}"


def test_no_untracked_or_ignored_file_is_left_in_the_output_folders():
    # --ignored: a temp file of an interrupted write (.NAME.tmp-*) is gitignored, so plain status misses it
    out = _git_status("--ignored", "--untracked-files=all", "--", *OUTPUT_DIRS)
    assert out == "", f"files the build left that are not committed outputs (stale temp files?):\n{out}"
