"""Run last by `make test`, after `make all` and the nbval re-run: the committed outputs must be
exactly what a build from raw files writes."""
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_committed_outputs_equal_a_fresh_build():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "status", "--porcelain", "--", "data", "figures", "notebooks", "docs", "README.md"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out == "", f"the build changed or added committed outputs (not deterministic or not committed):\n{out}"
