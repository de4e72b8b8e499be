"""The stage registry (ice287g.build.registry) renders the README's table of where each output comes from."""
from pathlib import Path

import pytest

from ice287g.build import registry

REAL_ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_readme_holds_the_registry_outputs_table():
    readme = (REAL_ROOT / "README.md").read_text(encoding="utf-8")
    assert registry.with_outputs_table(readme) == readme, (
        "README.md's table of where each output comes from is stale: run `python -m ice287g readme`")


def test_a_figure_in_every_format_is_one_row_item_and_a_lone_format_stays():
    outputs = ("data/qa/a.csv", "figures/map.svg", "figures/map.png", "figures/map.csv", "figures/manifest.csv")
    assert registry.grouped(outputs) == ["data/qa/a.csv", "figures/map.*", "figures/manifest.csv"]


def test_every_declared_output_is_in_the_table_under_its_notebook():
    rows = {line.split(" | ")[0].strip("| `"): line for line in registry.outputs_markdown().splitlines()
            if line.startswith("| `")}
    assert list(rows) == [s.name for s in registry.NOTEBOOKS]
    for stage in registry.NOTEBOOKS:
        for out in stage.outputs:
            assert f"`{out}`" in rows[stage.name] or f"`{out.rpartition('.')[0]}.*`" in rows[stage.name], out


def test_a_readme_without_the_markers_is_refused():
    with pytest.raises(ValueError, match="outputs markers"):
        registry.with_outputs_table("# no markers\n")
