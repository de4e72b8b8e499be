"""The state reports reuse one kernel per worker: each report must still be a papermill-executed notebook
with its injected ``state`` cell, and nothing may leak from one state's run into the next.

Reports run in kernels: the integration tier (``make test-integration``), which runs beside the build, so
the runs write into a throwaway project, not into the real ``reports/``: its ``data/`` is a link to the real
one (read, never written: a report writes under ``reports/`` and ``.build/`` alone), and it holds a copy of
the two files a report links to by their place in the project."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from ice287g.build import kernels, pipeline
from ice287g.core import paths

from .conftest import REAL_ROOT

pytestmark = pytest.mark.integration
# What a state report links to by its place in the site (copied: a link would lead outside the project)
COPIED = ("notebooks/state_report.py", "figures/manifest.csv")


@pytest.fixture
def reports_project(tmp_path, monkeypatch):
    root = tmp_path / "project"
    root.mkdir()
    (root / "data").symlink_to(REAL_ROOT / "data", target_is_directory=True)
    for name in COPIED:
        (root / name).parent.mkdir(exist_ok=True)
        shutil.copyfile(REAL_ROOT / name, root / name)
    for var in ("ICE287G_OUTPUT_ROOT", "ICE287G_NOTEBOOK"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ICE287G_ROOT", str(root))
    assert paths.reports_dir() == root.resolve() / "reports"
    return root


@pytest.fixture(scope="module")
def kernel():
    k = kernels.ReusedKernel()
    yield k
    k.shutdown()


def _run(kernel, code: str) -> dict:
    return kernel.execute(code, timeout=60)["content"]


def test_prepare_gives_a_fresh_session(kernel, tmp_path):
    _run(kernel, "leaked = 1")
    kernel.prepare({"ICE287G_OUTPUT_ROOT": str(tmp_path)}, tmp_path)
    outputs = []
    reply = kernel.execute(
        "import os\nprint('leaked' in globals(), os.environ['ICE287G_OUTPUT_ROOT'] == os.getcwd())",
        output_hook=outputs.append, timeout=60)
    assert reply["content"]["execution_count"] == 1  # the counter starts again, as in a fresh kernel
    assert [m["content"].get("text") for m in outputs if m["msg_type"] == "stream"] == ["False True\n"]


def test_a_failing_reset_is_an_error(kernel, tmp_path):
    with pytest.raises(pipeline.NotebookError, match="could not reset"):
        kernel.prepare({"A": "1"}, tmp_path / "missing")  # chdir into a folder that is not there


def _report_text(result) -> tuple[str, str]:
    return result.notebook.read_text(encoding="utf-8"), result.html.read_text(encoding="utf-8")


def test_two_states_in_one_kernel_equal_fresh_runs(reports_project):
    """A state run after another in the same kernel writes the same notebook and page as in a fresh kernel."""
    kernels.shutdown_reused_kernels()
    fresh = _report_text(pipeline.run_state_report("DE"))
    # Alaska first: whatever its run leaves in the kernel, Delaware's run after it must not see
    reused = {s: _report_text(pipeline.run_state_report(s, reuse_kernel=True)) for s in ("AK", "DE")}
    kernels.shutdown_reused_kernels()
    assert reused["DE"] == fresh
    assert reused["AK"] != fresh  # two states' reports: the comparison above can tell them apart
    nb = nbformat.reads(reused["DE"][0], as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "state = \"DE\"" in injected[0].source
    assert [c.execution_count for c in nb.cells if c.cell_type == "code"] == list(
        range(1, 1 + sum(c.cell_type == "code" for c in nb.cells)))
    # nothing written but under reports/ and .build/ (rglob does not follow the link into data/)
    others = {p.relative_to(reports_project).as_posix() for p in reports_project.rglob("*")
              if p.is_file() and p.relative_to(reports_project).parts[0] not in ("reports", ".build")}
    assert others == set(COPIED), others
    assert all((reports_project / n).read_bytes() == (REAL_ROOT / n).read_bytes() for n in COPIED)
