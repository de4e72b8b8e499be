from __future__ import annotations

import tempfile

import nbformat
import pytest

from ice287g.build import notebook_html, pipeline
from ice287g.core import files

from .conftest import REAL_ROOT

HEADER = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python (ice287g)
#     language: python
#     name: ice287g
# ---
"""


def _write_notebook(project, name, body):
    (project / "notebooks" / f"{name}.py").write_text(HEADER + body)


GOOD = """
# %% tags=["parameters"]
label = "default"

# %%
from ice287g.core import paths
from ice287g.tables import writers
import pandas as pd
writers.write_csv(pd.DataFrame({"label": [label]}), paths.processed_dir() / "label.csv")
print("label is", label)
"""

BOOM = """
# %% tags=["parameters"]
x = 1

# %%
y = x + 1

# %%
raise ValueError("bad input: data/raw/ice_287g/x.xlsx, sheet Sheet1, row 7, column STATE")
"""


@pytest.mark.integration  # runs a notebook in a kernel
def test_failing_notebook_is_named_with_its_cell_and_earlier_outputs_survive(project):
    _write_notebook(project, "99_boom", BOOM)
    committed = project / "notebooks" / "99_boom.ipynb"
    committed.write_text("previous executed notebook")
    with pytest.raises(pipeline.NotebookError) as err:
        pipeline.run_notebook("99_boom", check_outputs=False)
    message = str(err.value)
    assert "notebook 99_boom failed in cell 3" in message
    assert "ValueError" in message and "row 7, column STATE" in message
    assert committed.read_text() == "previous executed notebook"
    assert (project / "reports" / "failed" / "99_boom.ipynb").exists()


@pytest.mark.integration  # runs a notebook in a kernel
def test_default_run_writes_committed_notebook_without_volatile_metadata(project):
    _write_notebook(project, "98_good", GOOD)
    result = pipeline.run_notebook("98_good", check_outputs=False)
    assert result.notebook == project / "notebooks" / "98_good.ipynb"
    text = result.notebook.read_text()
    assert "papermill" not in text and "start_time" not in text and str(project) not in text
    nb = nbformat.reads(text, as_version=4)
    assert nb.metadata.kernelspec.name == "ice287g"
    assert [c.id for c in nb.cells] == ["cell-000", "cell-001"]
    assert (project / "data/processed/label.csv").read_text() == "label\ndefault\n"


@pytest.mark.integration  # runs a notebook in a kernel
def test_non_default_parameters_write_to_reports_only(project):
    _write_notebook(project, "98_good", GOOD)
    (project / "data/processed/label.csv").write_text("label\ndefault\n")
    result = pipeline.run_notebook("98_good", {"label": "other"}, check_outputs=False)
    assert result.notebook == project / "reports" / "98_good__label-other.ipynb"
    assert result.html.exists() and "label is other" in result.html.read_text()
    assert (project / "reports/98_good__label-other/data/processed/label.csv").read_text() == "label\nother\n"
    assert (project / "data/processed/label.csv").read_text() == "label\ndefault\n"
    assert not (project / "notebooks" / "98_good.ipynb").exists()


def test_unknown_parameter_and_missing_parameters_cell_are_errors(project):
    _write_notebook(project, "98_good", GOOD)
    with pytest.raises(pipeline.NotebookError, match=r"unknown parameter\(s\) \['nope'\]"):
        pipeline.run_notebook("98_good", {"nope": 1}, check_outputs=False)
    _write_notebook(project, "97_untagged", "\n# %%\nx = 1\n")
    with pytest.raises(pipeline.NotebookError, match="tagged 'parameters'"):
        pipeline.run_notebook("97_untagged", check_outputs=False)


@pytest.mark.integration  # runs a notebook in a kernel
def test_a_notebook_that_writes_nothing_fails_its_output_check(project, monkeypatch):
    _write_notebook(project, "98_good", GOOD)
    spec = pipeline.Stage("98_good", outputs=("data/processed/label.csv", "figures/never.svg"))
    monkeypatch.setattr(pipeline, "NOTEBOOKS", (spec,))
    with pytest.raises(pipeline.NotebookError, match="figures/never.svg"):
        pipeline.run_notebook("98_good")


def test_a_declared_output_an_earlier_notebook_staged_counts_only_when_written_again(tmp_path):
    # a run stage already holds what an earlier notebook wrote: the one declaring it must write it itself
    files.write_text(tmp_path / "data/qa/qa_summary.csv", "stage\n")
    nb_spec = pipeline.Stage("98_good", outputs=("data/qa/qa_summary.csv",))
    before = pipeline._signatures(tmp_path, nb_spec.outputs)
    with pytest.raises(pipeline.NotebookError, match=r"did not write its declared output\(s\): \['data/qa/qa_summary"):
        pipeline._check_outputs(nb_spec, tmp_path, before)
    files.write_text(tmp_path / "data/qa/qa_summary.csv", "stage\n")  # the same bytes, written again
    pipeline._check_outputs(nb_spec, tmp_path, before)
    pipeline._check_outputs(nb_spec, tmp_path)  # a report folder holds only what its one notebook wrote


def test_parameter_values_are_typed_like_papermill():
    assert [pipeline.parse_value(v) for v in ["3", "2.5", "true", "None", "2026-05-18"]] == [
        3, 2.5, True, None, "2026-05-18"]


@pytest.mark.parametrize("spec", pipeline.NOTEBOOKS, ids=lambda s: s.name)
def test_every_notebook_is_a_committed_pair_with_one_parameters_cell(spec):
    import jupytext

    source = REAL_ROOT / "notebooks" / f"{spec.name}.py"
    executed = REAL_ROOT / "notebooks" / f"{spec.name}.ipynb"
    assert source.exists() and executed.exists()
    nb = jupytext.read(source)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert nb.cells[0].cell_type == "markdown"  # opens with its narrative
    done = nbformat.read(executed, as_version=4)
    assert done.metadata.kernelspec.name == "ice287g"
    assert [c.source for c in done.cells] == [c.source for c in nb.cells], "executed notebook is stale"


def test_strip_volatile_removes_timings_and_keeps_outputs():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1+1")
    cell.metadata["papermill"] = {"duration": 0.1}
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]
    nb.cells = [cell]
    nb.metadata["papermill"] = {"start_time": "x", "input_path": "/abs/path"}
    out = notebook_html.strip_volatile(nb)
    assert "papermill" not in out.metadata and out.cells[0].metadata == {}
    assert out.cells[0].outputs[0]["data"]["text/plain"] == "2"
    assert "papermill" in nb.metadata  # input untouched




def test_a_print_split_into_two_messages_is_stored_as_one_output():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(...)", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="1,843 agreements"),
        nbformat.v4.new_output("stream", name="stdout", text=" on the list\n"),
        nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
        nbformat.v4.new_output("display_data", {"text/plain": "table"}),
        nbformat.v4.new_output("stream", name="stdout", text="after\n")])]
    outputs = notebook_html.strip_volatile(nb).cells[0].outputs
    assert [(o.output_type, o.get("name"), o.get("text")) for o in outputs] == [
        ("stream", "stdout", "1,843 agreements on the list\n"), ("stream", "stderr", "a warning\n"),
        ("display_data", None, None), ("stream", "stdout", "after\n")]


def test_a_path_in_text_output_is_a_leak_but_the_same_bytes_in_image_data_are_not(tmp_path):
    import nbformat

    from ice287g.build.notebook_html import leaked_path

    tmp = tempfile.gettempdir() + "/"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"image/png": f"iVBOR{tmp}AAAA", "text/plain": "<Figure>"})])])
    assert leaked_path(nb, tmp_path) is None  # base64 happens to spell /tmp/: not a path
    assert nb.cells[0].outputs[0].data["image/png"].endswith("AAAA")  # the notebook itself is not changed
    nb.cells[0].outputs.append(nbformat.v4.new_output("stream", name="stdout", text=f"wrote {tmp}out.csv\n"))
    assert leaked_path(nb, tmp_path) == tmp
