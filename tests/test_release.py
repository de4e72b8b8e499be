"""The data release: one zip, byte-identical across runs, whose datapackage.json frictionless accepts and
whose Parquet, Stata and Excel files carry the schema's types. Built from the committed tables.

The tests marked ``built`` read the zip the build shipped (``make release``, which ``make test-built`` and
the site run first), the very file a reader downloads, rather than building one of their own."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ice287g.publish import release
from ice287g.build import codebook
from ice287g.tables import schema

from .conftest import REAL_ROOT

PROCESSED = REAL_ROOT / "data" / "processed"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    path = REAL_ROOT / release.DIST / release.release_name(REAL_ROOT)
    assert path.is_file(), f"{path.relative_to(REAL_ROOT)} is missing: `make release` writes it"
    folder = tmp_path_factory.mktemp("release")
    with zipfile.ZipFile(path) as zf:
        zf.extractall(folder)
    return path, folder / path.name.removesuffix(".zip")


def _csv_header(path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def _package(folder) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


@pytest.mark.built
def test_the_release_is_named_after_the_newest_participating_list(built):
    lists = pd.read_csv(PROCESSED / "lists.csv", dtype=str, keep_default_na=False)
    series = lists[(lists["in_series"] == "True") & (lists["list_kind"] == "participating")]
    newest = series["list_date"].max()
    path, folder = built
    assert release.release_name(REAL_ROOT) == path.name == f"ice287g-data-{newest}.zip"
    assert folder.is_dir() and (folder / "README.md").read_text(encoding="utf-8").startswith(
        f"# ICE 287(g) data release, newest list {newest}")


@pytest.mark.built
def test_the_zip_is_byte_identical_across_runs(built, tmp_path):
    path, _ = built
    again = release.build(tmp_path, root=REAL_ROOT)
    assert again.read_bytes() == path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {dt.date.fromisoformat(path.stem[-10:]).timetuple()[:6]}
    assert {(i.compress_type, i.external_attr, i.create_system) for i in infos} == {
        (zipfile.ZIP_DEFLATED, (0o100000 | release.FILE_MODE) << 16, 3)}


@pytest.mark.built
def test_the_zip_holds_every_processed_table_and_the_promised_files(built):
    _, folder = built
    tables = [schema.resource_name(p) for p in schema.released_tables()]
    assert {"agreements", "agencies", "list_rows", "lists", "list_counts", "county_counts"} <= set(tables)
    for name in tables:
        assert (folder / "csv" / f"{name}.csv").read_bytes() == (PROCESSED / f"{name}.csv").read_bytes()
        assert (folder / "parquet" / f"{name}.parquet").is_file()
    assert sorted(p.stem for p in (folder / "stata").iterdir()) == sorted(release.STATA_TABLES)
    assert (folder / "agreements_by_county.gpkg").read_bytes() == (PROCESSED / "agreements_by_county.gpkg").read_bytes()
    for name in ("ice287g.xlsx", "datapackage.json", "LICENSE", "CITATION.cff", "README.md"):
        assert (folder / name).is_file(), name


@pytest.mark.built
def test_frictionless_validates_the_package(built):
    frictionless = pytest.importorskip("frictionless")
    _, folder = built
    report = frictionless.validate(folder / "datapackage.json")
    problems = [(t.name, e.type, e.note) for t in report.tasks for e in t.errors[:3]] + [e.note for e in report.errors]
    assert report.valid, problems
    assert len(report.tasks) == len(schema.released_tables()) + 1  # and the GeoPackage, by size and sha256


@pytest.mark.built
def test_frictionless_catches_a_broken_key_a_repeated_row_and_a_wrong_type(built, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    _, folder = built
    package = _package(folder)
    keep = {"agencies", "agreements"}
    package["resources"] = [r for r in package["resources"] if r["name"] in keep]
    for r in package["resources"]:
        del r["bytes"], r["hash"]  # the doctored files are meant to differ
    (tmp_path / "csv").mkdir()
    agencies = (folder / "csv" / "agencies.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    agreements = (folder / "csv" / "agreements.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    held = agreements[1].split(",")[1]  # an agency_id an agreement points to
    (tmp_path / "csv" / "agencies.csv").write_text(
        "".join(line for line in agencies if not line.startswith(held + ",")), encoding="utf-8")
    header = next(csv.reader(agreements[:1]))
    row = next(csv.reader(agreements[2:3]))
    row[header.index("lists_seen")] = "many"  # lists_seen is an integer
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    wrong_type = out.getvalue()
    (tmp_path / "csv" / "agreements.csv").write_text(
        "".join([*agreements[:2], wrong_type, *agreements[3:], agreements[3]]), encoding="utf-8")
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = frictionless.validate(tmp_path / "datapackage.json")
    found = {e.type for t in report.tasks for e in t.errors}
    assert {"foreign-key", "primary-key", "type-error"} <= found, found


@pytest.mark.built
def test_each_resource_has_the_fields_of_its_csv_header(built):
    _, folder = built
    package = _package(folder)
    assert package["$schema"] == release.PACKAGE_PROFILE
    tables = [r for r in package["resources"] if r.get("type") == "table"]
    assert [r["name"] for r in tables] == [schema.resource_name(p) for p in schema.released_tables()]
    assert [r["name"] for r in package["resources"] if r not in tables] == ["agreements_by_county"]
    for r in tables:
        assert [f["name"] for f in r["schema"]["fields"]] == _csv_header(folder / r["path"]), r["name"]


@pytest.mark.built
def test_keys_sources_and_licences_are_in_the_package(built):
    _, folder = built
    package = _package(folder)
    by_name = {r["name"]: r for r in package["resources"]}
    assert by_name["agreements"]["schema"]["primaryKey"] == ["agreement_id"]
    assert {"fields": ["agency_id"], "reference": {"resource": "agencies", "fields": ["agency_id"]}} in \
        by_name["agreements"]["schema"]["foreignKeys"]
    assert {"fields": ["list_id"], "reference": {"resource": "lists", "fields": ["list_id"]}} in \
        by_name["list_rows"]["schema"]["foreignKeys"]
    units = {f["name"]: f.get("unit") for f in by_name["county_counts"]["schema"]["fields"]}
    assert units["population_2024"] == "people" and units["county_fips"] is None
    licences = " ".join(lic["title"] for lic in package["licenses"])
    assert "MIT" in licences and "U.S. government works" in licences and "Source: TRAC, Syracuse University" in licences
    # every archive a manifest names is credited, with its repository
    repos = set()
    for source in ("ice_287g", "ice_detention", "trac", "census"):
        repos |= set(pd.read_csv(REAL_ROOT / "data" / "raw" / source / "MANIFEST.csv", dtype=str,
                                 keep_default_na=False)["source_repo"]) - {""}
    paths_ = {s["path"] for s in package["sources"]}
    assert {f"https://github.com/{r}" for r in repos} <= paths_
    assert "https://github.com/vera-institute/ice-fytd-stats" in paths_


def _codebook_tables(text: str) -> dict[str, list[list[str]]]:
    """docs/codebook.md's column tables, by file: rows of (column, type, empty?, unit, meaning, source)."""
    tables: dict[str, list[list[str]]] = {}
    current = None
    for line in text.splitlines():
        head = re.match(r"^### `([^`]+)`$", line)
        if head:
            current = tables.setdefault(head.group(1), [])
        elif current is not None and line.startswith("| `"):
            current.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
    return tables


@pytest.mark.built
def test_the_codebook_and_the_package_come_from_the_same_definitions(built):
    _, folder = built
    documented_tables = _codebook_tables((REAL_ROOT / codebook.CODEBOOK).read_text(encoding="utf-8"))
    package = {r["path"].removeprefix("csv/"): r for r in _package(folder)["resources"]}
    documented = {p.removeprefix("data/processed/"): rows for p, rows in documented_tables.items()
                  if p.startswith("data/processed/")}
    assert set(documented) == set(package)
    for name, rows in documented.items():
        fields = package[name]["schema"]["fields"] if "schema" in package[name] else package[name]["columns"]
        assert [r[0].strip("`") for r in rows] == [f["name"] for f in fields], name
        for row, f in zip(rows, fields):
            assert row[4] == codebook._cell(f["description"]), (name, f["name"])
            assert row[3] == f.get("unit", ""), (name, f["name"])
            if "schema" in package[name]:
                assert (row[2] == "no") == f.get("constraints", {}).get("required", False), (name, f["name"])
        assert package[name]["description"] == schema.dataset(f"data/processed/{name}").description


@pytest.mark.built
def test_parquet_carries_the_schema_types(built):
    _, folder = built
    want = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "date": pa.date32(),
            "string": pa.string(), "category": pa.string()}
    for rel in schema.released_tables():
        table = pq.read_table(folder / "parquet" / f"{schema.resource_name(rel)}.parquet")
        ds = schema.dataset(rel)
        assert table.schema.names == ds.names, rel
        assert [table.schema.field(c.name).type for c in ds.columns] == [want[c.type] for c in ds.columns], rel
        assert table.num_rows == codebook.row_count(REAL_ROOT / rel), rel
    counties = pq.read_table(folder / "parquet" / "county_counts.parquet").to_pandas()
    assert counties["county_fips"].str.fullmatch(r"\d{5}").all() and "04013" in set(counties["county_fips"])
    rows = pq.read_table(folder / "parquet" / "list_rows.parquet")
    assert rows.schema.field("list_date").type == pa.date32() and rows.schema.field("row").type == pa.int64()
    signed = pq.read_table(folder / "parquet" / "agreements.parquet").column("signed").to_pylist()
    raw = pd.read_csv(PROCESSED / "agreements.csv", dtype=str, keep_default_na=False)["signed"].tolist()
    assert [d.isoformat() if d else "" for d in signed] == raw


@pytest.mark.built
def test_the_workbook_opens_with_its_sheets_and_a_fixed_date(built):
    _, folder = built
    book = pd.read_excel(folder / "ice287g.xlsx", sheet_name=None, engine="calamine")
    assert list(book) == ["README", "agreements", "agencies", "state_counts", "county_counts", "columns"]
    agreements = pd.read_csv(PROCESSED / "agreements.csv", dtype=str, keep_default_na=False)
    assert len(book["agreements"]) == len(agreements)
    newest = release.newest_list(REAL_ROOT)
    counts = pd.read_csv(PROCESSED / "list_counts.csv", dtype=str, keep_default_na=False)
    total = counts[(counts["list_id"] == newest["list_id"]) & (counts["state"] == "ALL") & (counts["model"] == "ALL")]
    states = book["state_counts"]
    assert states["state"].iloc[-1] == "ALL" and int(states["agreements"].iloc[-1]) == int(total["agreements"].iloc[0])
    assert int(states.loc[states["state"] != "ALL", "agreements"].sum()) == int(total["agreements"].iloc[0])
    readme = pd.read_excel(folder / "ice287g.xlsx", sheet_name="README", header=None, dtype=str, engine="calamine")
    text = " ".join(readme.fillna("").to_numpy().ravel())
    assert "U.S. government works" in text and newest["list_id"] in text
    core = zipfile.ZipFile(folder / "ice287g.xlsx").read("docProps/core.xml").decode()
    assert f"<dcterms:created xsi:type=\"dcterms:W3CDTF\">{newest['list_date']}T00:00:00Z" in core


@pytest.mark.parametrize("name", release.STATA_TABLES)
@pytest.mark.built
def test_stata_files_open_with_labels_from_the_schema(built, name):
    _, folder = built
    rel = f"data/processed/{name}.csv"
    frame = pd.read_stata(folder / "stata" / f"{name}.dta")
    assert list(frame.columns) == schema.dataset(rel).names
    assert len(frame) == codebook.row_count(REAL_ROOT / rel)
    with pd.io.stata.StataReader(folder / "stata" / f"{name}.dta") as reader:
        labels = reader.variable_labels()
        assert reader.data_label == schema.dataset(rel).title
    assert all(0 < len(v) <= release.STATA_LABEL_MAX for v in labels.values())
    for c in schema.dataset(rel).columns:
        if c.type == "date":
            assert pd.api.types.is_datetime64_any_dtype(frame[c.name]), c.name


def test_stata_labels_are_cut_to_stata_limit():
    long = "word " * 40
    assert len(release._label(long)) == release.STATA_LABEL_MAX and release._label("short") == "short"


def test_every_released_table_has_a_title_and_valid_keys():
    tables = schema.released_tables()
    assert all(schema.dataset(rel).title for rel in tables)
    keyed = [ds for ds in schema.DATASETS.values() if ds.primary_key]
    assert keyed and all(set(ds.primary_key) <= set(ds.names) for ds in keyed)
    linked = [(ds, fk) for ds in schema.DATASETS.values() for fk in ds.foreign_keys]
    assert linked
    for ds, fk in linked:
        assert set(fk.fields) <= set(ds.names) and set(fk.reference) <= set(schema.dataset(fk.table).names)
        assert fk.table in tables and ds.path in tables


def test_make_release_is_its_own_target_and_dist_is_ignored():
    makefile = (REAL_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^release: \$\(STAMP\)/docs\.done\n\t\$\(PY\) -m ice287g release$", makefile, re.M)
    assert not re.search(r"^(all|test):.*\brelease\b", makefile, re.M)
    assert "dist/" in (REAL_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_citation_and_licence_agree_with_pyproject():
    pyproject = (REAL_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', pyproject, re.M).group(1)
    assert re.search(r'^license = "MIT"', pyproject, re.M)
    citation = (REAL_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(version)}$", citation, re.M)
    assert re.search(r"^license: MIT$", citation, re.M) and "Source: TRAC, Syracuse University" in citation
    assert (REAL_ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_state_counts_pivots_one_list():
    counts = pd.DataFrame([
        ("2026-01-01", "participating", "AZ", "ALL", "3", "2", "1", "l1"),
        ("2026-01-01", "participating", "AZ", "JEM", "1", "1", "1", "l1"),
        ("2026-01-01", "participating", "AZ", "TFM", "2", "2", "1", "l1"),
        ("2026-01-01", "participating", "ALL", "ALL", "3", "2", "1", "l1"),
        ("2026-01-01", "participating", "ALL", "JEM", "1", "1", "1", "l1"),
        ("2026-01-01", "participating", "ALL", "TFM", "2", "2", "1", "l1"),
        ("2025-01-01", "participating", "TX", "ALL", "9", "9", "1", "l0"),
    ], columns=schema.dataset("data/processed/list_counts.csv").names)
    out = release.state_counts(counts, "l1")
    assert out[["state", "JEM", "WSO", "TFM", "agreements", "agencies"]].values.tolist() == [
        ["AZ", 1, 0, 2, 3, 2], ["ALL", 1, 0, 2, 3, 2]]
    assert out["state_name"].tolist() == ["Arizona", "All states and territories"]


def test_the_command_line_writes_the_zip(tmp_path, monkeypatch, capsys):
    from ice287g.build import cli

    monkeypatch.setattr(release, "release_members", lambda root=None: {"a.txt": b"a"})
    assert cli.main(["release", "--out", str(tmp_path)]) == 0
    assert "release: wrote" in capsys.readouterr().out
    assert (tmp_path / release.release_name()).is_file()
