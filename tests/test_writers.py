from __future__ import annotations

import pandas as pd
import pytest

from ice287g.core import files
from ice287g.tables import writers


def test_csv_rows_sorted_floats_fixed_and_lf_only(tmp_path):
    df = pd.DataFrame({"state": ["TX", "FL", "AL"], "adp": [1 / 3, 2.0, 10.5], "n": [3, 1, 2]})
    path = writers.write_csv(df, tmp_path / "out.csv", sort_by=["state"])
    assert path.read_bytes() == b"state,adp,n\nAL,10.500000,2\nFL,2.000000,1\nTX,0.333333,3\n"


def test_csv_default_sort_is_every_column(tmp_path):
    df = pd.DataFrame({"a": [2, 1, 1], "b": ["x", "z", "y"]})
    writers.write_csv(df, tmp_path / "o.csv")
    assert (tmp_path / "o.csv").read_text() == "a,b\n1,y\n1,z\n2,x\n"


def test_a_failed_write_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "keep.csv"
    writers.write_csv(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        with files.atomic_path(target) as tmp:
            tmp.write_text("half a fi")
            raise RuntimeError("disk full")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.csv"]  # no temp file left behind


def test_unknown_sort_column_is_an_error(tmp_path):
    with pytest.raises(KeyError, match="nope"):
        writers.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "x.csv", sort_by=["nope"])


def test_parquet_is_byte_identical_across_writes(tmp_path):
    df = pd.DataFrame({"k": ["b", "a"], "v": [1.5, 2.5]})
    a = writers.write_parquet(df, tmp_path / "a.parquet").read_bytes()
    b = writers.write_parquet(df.iloc[::-1], tmp_path / "b.parquet").read_bytes()
    assert a == b
    assert pd.read_parquet(tmp_path / "a.parquet")["k"].tolist() == ["a", "b"]


def test_geopackage_is_byte_identical_across_writes(tmp_path):
    import time

    import geopandas as gpd
    from shapely.geometry import Point

    gdf = gpd.GeoDataFrame({"fips": ["12057", "12105"], "n": [3, 5]},
                           geometry=[Point(-82.3, 27.9), Point(-81.7, 27.9)], crs=4269)
    a = writers.write_gpkg(gdf, tmp_path / "a.gpkg", layer="counties").read_bytes()
    time.sleep(1.1)  # a clock-dependent timestamp would show up as a difference
    b = writers.write_gpkg(gdf.iloc[::-1], tmp_path / "b.gpkg", layer="counties").read_bytes()
    assert a == b
    back = gpd.read_file(tmp_path / "a.gpkg")
    assert back["fips"].tolist() == ["12057", "12105"]


STALE = ["data/processed/.list_rows.tmp-k3j2x.csv", "data/processed/.agreements_by_county.tmp-1a.gpkg-journal",
         "data/qa/.qa_summary.tmp-zz.csv", "figures/.county_map.tmp-9.svg", "notebooks/.03_maps.tmp-q.ipynb"]
KEPT = ["data/processed/list_rows.csv", "data/processed/.gitkeep", "figures/tmp-notes.csv", "notebooks/03_maps.py",
        "data/raw/ice_287g/.x.tmp-1.csv", "data/hand/.y.tmp-2.csv"]


def _files(root, names):
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x")


def test_stale_temp_files_under_the_output_folders_are_removed_and_nothing_else(tmp_path):
    _files(tmp_path, STALE + KEPT)
    removed = writers.remove_stale_temp(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in removed) == sorted(STALE)
    assert all((tmp_path / k).exists() for k in KEPT) and not any((tmp_path / s).exists() for s in STALE)


def test_the_temp_files_atomic_path_makes_are_the_ones_the_cleaner_removes(tmp_path):
    with pytest.raises(KeyboardInterrupt):  # a killed writer: the rename never happens
        with files.atomic_path(tmp_path / "data/processed/x.csv") as tmp:
            tmp.write_text("half")
            left = tmp.with_name(tmp.name + "-journal")
            left.write_text("journal")
            raise KeyboardInterrupt
    assert writers.remove_stale_temp(tmp_path) == [left]


def test_make_clean_removes_stale_temp_files_too(tmp_path):
    import subprocess

    from .conftest import REAL_ROOT

    _files(tmp_path, STALE + ["notebooks/03_maps.py"])
    out = subprocess.run(["make", "-s", "-f", str(REAL_ROOT / "Makefile"), "clean"], cwd=tmp_path,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert not any((tmp_path / s).exists() for s in STALE) and (tmp_path / "notebooks/03_maps.py").exists()


def test_the_makefile_cleans_the_folders_the_writers_name():
    import re

    from .conftest import REAL_ROOT

    listed = re.search(r"^OUTPUT_DIRS := (.*)$", (REAL_ROOT / "Makefile").read_text(), re.M).group(1).split()
    assert tuple(listed) == writers.OUTPUT_DIRS


def test_an_upsert_starts_from_the_committed_copy_when_this_run_has_none(tmp_path, monkeypatch):
    monkeypatch.setenv("ICE287G_ROOT", str(tmp_path))
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(tmp_path / ".build/stage/x"))
    _files(tmp_path, ["figures/manifest.csv"])
    staged = tmp_path / ".build/stage/x/figures/manifest.csv"
    assert writers.upsert_base(staged) == tmp_path / "figures/manifest.csv"
    _files(tmp_path, [".build/stage/x/figures/manifest.csv"])
    assert writers.upsert_base(staged) == staged
