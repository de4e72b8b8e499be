from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from ice287g.archive import manifests
from ice287g.publish import charts

DATA = pd.DataFrame({"model": ["JEM", "WSO", "TFM"], "agreements": [62, 75, 0]})
TEXTS = dict(title="Agreements by model", source="ICE 287(g) web table, 2023-06-22",
             alt_text="Bar chart: 62 JEM and 75 WSO agreements, no TFM.")


def _bar():
    fig, ax = plt.subplots()
    ax.bar(DATA["model"], DATA["agreements"], color=[charts.MODEL_COLORS[m] for m in DATA["model"]])
    return fig


@pytest.mark.parametrize("missing", ["title", "source", "alt_text"])
def test_refuses_a_figure_without_its_texts(project, missing):
    texts = {**TEXTS, missing: "  "}
    with pytest.raises(charts.FigureError, match=missing.replace("_", " ")):
        charts.save_figure(_bar(), "bars", data=DATA, **texts)
    assert not any((project / "figures").iterdir())


def test_refuses_a_figure_without_data(project):
    with pytest.raises(charts.FigureError, match="data"):
        charts.save_figure(_bar(), "bars", data=DATA.iloc[0:0], **TEXTS)


def test_writes_svg_png_csv_and_manifest_deterministically(project, monkeypatch):
    monkeypatch.setenv("ICE287G_NOTEBOOK", "notebooks/99_test.ipynb")
    raw = project / "data/raw/ice_287g/2025-06-06_participatingAgencies06062025am.xlsx"
    written = charts.save_figure(_bar(), "bars", data=DATA, inputs=[raw], **TEXTS)
    first = {k: p.read_bytes() for k, p in written.items()}
    charts.save_figure(_bar(), "bars", data=DATA, inputs=[raw], **TEXTS)
    assert {k: p.read_bytes() for k, p in written.items()} == first
    svg = first["svg"].decode()
    assert "<desc id=\"fig-desc\">Bar chart: 62 JEM and 75 WSO agreements, no TFM.</desc>" in svg
    assert "dc:date" not in svg and str(project) not in svg
    assert b"Software" not in first["png"][:400]
    manifest = charts.read_manifest()
    assert manifest.to_dict("records") == [{
        "slug": "bars", **TEXTS, "notebook": "notebooks/99_test.ipynb",
        "inputs": f"data/raw/ice_287g/{raw.name}@sha256:{manifests.sha256_file(raw)}",
    }]


def test_manifest_is_upserted_one_row_per_slug(project):
    charts.save_figure(_bar(), "b_second", data=DATA, **TEXTS)
    charts.save_figure(_bar(), "a_first", data=DATA, **TEXTS)
    charts.save_figure(_bar(), "b_second", data=DATA, **{**TEXTS, "title": "Retitled"})
    manifest = charts.read_manifest()
    assert manifest["slug"].tolist() == ["a_first", "b_second"]
    assert manifest.loc[1, "title"] == "Retitled"


def test_model_colours_are_fixed_and_distinct():
    assert set(charts.MODEL_COLORS) == {"JEM", "WSO", "TFM"}
    assert len(set(charts.MODEL_COLORS.values())) == 3


def test_gallery_lists_every_figure_with_its_texts_and_links():
    from .conftest import REAL_ROOT

    manifest = charts.read_manifest(REAL_ROOT / "figures")
    text = charts.gallery_markdown(manifest)
    assert text.count("\n## ") == len(manifest) > 10
    for r in manifest.itertuples(index=False):
        assert f'<img src="{r.slug}.png"' in text and f"({r.slug}.csv)" in text and r.source in text
    assert (REAL_ROOT / "figures" / "README.md").read_text() == text  # committed gallery is current


def test_polygon_paths_keep_every_vertex_and_are_built_once_per_geometry():
    import numpy as np
    from shapely.geometry import MultiPolygon, Polygon

    square = Polygon([(0, 0), (2, 0), (2, 2), (0, 2)], holes=[[(0.5, 0.5), (1, 0.5), (1, 1)]])
    geom = MultiPolygon([square, Polygon([(5, 5), (6, 5), (6, 6)])])
    path = charts._polygon_path(geom)
    assert path.vertices.tolist() == np.array(list(square.exterior.coords) + list(square.interiors[0].coords)
                                              + [(5, 5), (6, 5), (6, 6), (5, 5)], dtype=float).tolist()
    assert charts._cached_path(geom) is charts._cached_path(geom)
    other = MultiPolygon([square, Polygon([(5, 5), (6, 5), (6, 6)])])  # equal shape, another object
    assert charts._cached_path(other) is not charts._cached_path(geom)
    charts._cached_path.cache_clear()
    assert charts._PATHS == {}
