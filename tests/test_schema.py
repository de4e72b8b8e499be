"""The schema (one Table Schema file per table in src/ice287g/tables/, read by ice287g.tables.schema) documents
every committed table, and the writers enforce it."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ice287g.analyses import pending
from ice287g.build import cli, codebook, pipeline
from ice287g.core import paths, vocab
from ice287g.history import history, roster
from ice287g.tables import qa, schema, tableschema, writers

from .conftest import REAL_ROOT

pytestmark = pytest.mark.long  # several seconds: scheduled first (conftest)

AGREEMENTS = "data/processed/agreements.csv"
GPKG = "data/processed/agreements_by_county.gpkg"


def committed_outputs() -> list[str]:
    """Every committed file the schema must cover: all of data/processed/ and data/qa/, and the manifest."""
    found = [p.relative_to(REAL_ROOT).as_posix() for d in ("data/processed", "data/qa")
             for p in (REAL_ROOT / d).rglob("*") if p.is_file()]
    return sorted(found + [schema.MANIFEST])


def header(path) -> list[str]:
    if path.suffix == ".gpkg":
        import pyogrio

        return [str(f) for f in pyogrio.read_info(path)["fields"]] + ["geometry"]
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


@pytest.fixture(scope="module")
def agreements_head() -> pd.DataFrame:
    return schema.read_committed_table(REAL_ROOT / AGREEMENTS).head(6).copy()


# ---------------------------------------------------------------------------------------------
# The schema covers exactly the committed outputs


def test_every_committed_output_is_in_the_schema_with_its_exact_header():
    outputs = committed_outputs()
    assert len(outputs) > 30 and GPKG in outputs
    for rel in outputs:
        assert rel in schema.DATASETS, f"{rel} is committed but not documented in src/ice287g/tables/"
        assert header(REAL_ROOT / rel) == schema.DATASETS[rel].names, f"{rel}: header differs from the schema"


def test_every_schema_entry_is_a_committed_file():
    missing = [rel for rel in schema.DATASETS if not (REAL_ROOT / rel).is_file()]
    assert missing == []
    assert sorted(schema.DATASETS) == committed_outputs()


def test_every_committed_file_passes_validation():
    for rel in schema.DATASETS:
        ds = schema.validate_table(schema.read_committed_table(REAL_ROOT / rel), rel)
        assert ds.path == rel


def test_schema_writers_are_the_registry_notebooks_that_declare_the_outputs():
    # the one check of the table schemas' `writers` (the codebook's writer column) against the registry
    declared = {o: nb.name for nb in pipeline.NOTEBOOKS for o in nb.outputs
                if o.startswith(schema.GOVERNED_DIRS) or o == schema.MANIFEST}
    assert set(declared) == set(schema.DATASETS)
    for rel, ds in schema.DATASETS.items():
        assert ds.notebooks[0] == declared[rel], rel
        assert set(ds.notebooks) <= {nb.name for nb in pipeline.NOTEBOOKS}, rel


def test_every_column_is_fully_described():
    for ds in schema.DATASETS.values():
        assert ds.description and ds.sources and ds.notebooks
        for c in ds.columns:
            assert c.type in schema.TYPES, (ds.path, c.name)
            assert c.meaning.strip() and c.source.strip(), (ds.path, c.name)
            assert len(set(c.allowed)) == len(c.allowed), (ds.path, c.name)
    model = schema.DATASETS[AGREEMENTS].column("model")
    assert model.allowed == ("JEM", "WSO", "TFM") and model.nullable
    assert schema.DATASETS[AGREEMENTS].column("lists_seen").type == "integer"
    # the QA copy of the TRAC comparison has the same columns, but never an exact match
    assert schema.DATASETS["data/qa/trac_differences.csv"].names == \
        schema.DATASETS["data/processed/detention_population.csv"].names
    assert "exact" not in schema.DATASETS["data/qa/trac_differences.csv"].column("match").allowed


# ---------------------------------------------------------------------------------------------
# The schema files: labels the code decides, shared fields, keys

def _column(ref: str) -> tableschema.Column:
    """``stem.column`` of a committed table (stems are unique across data/processed, data/qa and figures)."""
    stem, name = ref.split(".")
    (ds,) = [ds for rel, ds in schema.DATASETS.items() if Path(rel).stem == stem]
    return ds.column(name)


# Each set of labels the code decides, and the columns whose schema lists them as its enum. Where a schema
# lists them in another order than the code (the codebook shows the schema's), the code's are sorted here.
CODE_ENUMS = [
    (schema.ERAS, ["list_rows.era", "lists.era"]),
    (vocab.SERIES_ERAS, ["agreements.era", "population_covered.era", "program_milestones.era", "placement_rates.era"]),
    (vocab.LIST_KINDS, ["list_counts.list_kind", "list_rows.list_kind", "lists.list_kind", "news_claims_check.list",
                        "suspicious_drops.list_kind"]),
    (vocab.AGENCY_TYPES, ["agencies.agency_type", "agreement_places.agency_type", "list_rows.agency_type",
                          "roster_candidates.agency_type", "statewide_agency_roles.agency_type",
                          "type_disagreements.agency_type", "unplaced_agreements.agency_type"]),
    (vocab.MODELS, ["agreements.model", "list_changes.model_before", "list_changes.model_after", "list_rows.model",
                    "news_claims_check.model", "pending_outcomes.model", "corrections.model_before",
                    "corrections.model_after", "earlier_successors.model", "pending_state_corrections.model_before",
                    "pending_state_corrections.model_after", "pending_unmatched.model", "renames.model"]),
    (("ALL", *vocab.MODELS), ["list_counts.model"]),
    (schema.LEVELS, ["agreement_places.jurisdiction_level", "agreement_places.name_level",
                     "placement_changes.jurisdiction_level", "type_disagreements.type_level",
                     "type_disagreements.rule_level", "type_disagreements.level",
                     "unplaced_agreements.jurisdiction_level"]),
    (schema.LEVEL_RULES, ["agreement_places.level_rule"]),
    (schema.NAME_RULES, ["agreement_places.name_rule", "type_disagreements.rule"]),
    (schema.PLACEMENT_METHODS, ["agreement_places.method", "placement_changes.old_method",
                                "placement_changes.new_method"]),
    (schema.STATEWIDE_ROLES, ["agreement_places.statewide_role", "statewide_agency_roles.statewide_role"]),
    (schema.ROLE_RULES, ["agreement_places.role_rule", "statewide_agency_roles.role_rule"]),
    (schema.JAIL_RULES, ["agency_facility_matches.match_rule"]),
    (schema.JAIL_REASONS, ["unmatched_jails.reason"]),
    (schema.OPERATOR_KINDS, ["agency_facility_matches.operator_kind", "unmatched_jails.operator_kind"]),
    (schema.OPERATOR_JOIN_RULES, ["facility_operator_join.join_rule"]),
    (schema.TRAC_MATCHES, ["detention_population.match"]),
    (tuple(m for m in schema.TRAC_MATCHES if m != "exact"), ["trac_differences.match"]),
    (history.STATUSES, ["agreements.status"]),
    (roster.MATCH_RULES, ["agency_roster_matches.match_rule"]),
    (tuple(r for r in roster.MATCH_RULES if r != "none"), ["roster_shared_ori.rule_a", "roster_shared_ori.rule_b"]),
    (roster.SHARED_STATUSES, ["roster_shared_ori.status"]),
    (tuple(sorted(pending.OUTCOMES)), ["pending_outcomes.outcome"]),
    (tuple(sorted(qa.STATUSES)), ["qa_summary.status"]),
    (tuple(sorted(paths.RAW_SOURCES)), ["raw_inventory.source"]),
]


@pytest.mark.parametrize("labels, columns", CODE_ENUMS, ids=[cols[0] for _, cols in CODE_ENUMS])
def test_the_schema_lists_the_labels_the_code_decides(labels, columns):
    for ref in columns:
        assert _column(ref).allowed == tuple(labels), f"{ref}: the schema's enum differs from the code's labels"


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_shared_fields_texts_and_sources_are_defined_once_and_used():
    shared = _yaml(tableschema.TABLES_DIR / tableschema.SHARED)
    tables = [_yaml(f) for f in sorted(tableschema.TABLES_DIR.rglob("*.yaml")) if f.name != tableschema.SHARED]
    assert len(tables) == len(schema.DATASETS)
    entries = [f for t in tables for f in t["fields"]] + list(shared["fields"].values())
    assert {f["use"] for f in entries if "use" in f} == set(shared["fields"])
    assert {s["use"] for t in tables for s in t["sources"] if isinstance(s, dict)} == set(shared["sources"])
    quoted = {m for f in entries for k in ("description", "source") for m in re.findall(r"\{(\w+)\}", f.get(k, ""))}
    assert set(shared["texts"]) <= quoted and quoted <= set(shared["texts"]) | set(schema.QUOTED_CONSTANTS)
    # no description is written twice (a field several tables share, or a variant of one, is defined once)
    descriptions = [f["description"] for f in entries if "description" in f]
    assert [d for d in descriptions if descriptions.count(d) > 1] == []
    plain = [s for t in tables for s in t["sources"] if isinstance(s, str)]
    assert len(plain) == len(set(plain)) and not set(plain) & set(shared["sources"].values())


def test_each_schema_file_is_at_its_tables_path_and_in_table_schema_form():
    for rel, ds in schema.DATASETS.items():
        doc = _yaml(tableschema.schema_file(rel))
        assert doc["path"] == rel and doc["writers"] == list(ds.notebooks)
    assert schema.dataset("data/processed/agreements.csv").title
    fk = schema.dataset("data/processed/list_rows.csv").foreign_keys
    assert fk == (tableschema.ForeignKey(("list_id",), "data/processed/lists.csv", ("list_id",)),)


def test_each_schema_file_is_a_valid_table_schema():
    import frictionless  # slow to import (a second), and only this test needs it
    shared = _yaml(tableschema.TABLES_DIR / tableschema.SHARED)
    for rel in schema.DATASETS:
        doc = _yaml(tableschema.schema_file(rel))
        fields = [tableschema.resolve_field(f, shared["fields"], rel) for f in doc["fields"]]
        descriptor = {"fields": fields, **{k: doc[k] for k in ("primaryKey", "foreignKeys") if k in doc}}
        report = frictionless.Schema.validate_descriptor(descriptor)
        assert report.valid, (rel, [e.message for e in report.errors])
    assert not frictionless.Schema.validate_descriptor({"fields": [{"name": "a", "type": "category"}]}).valid


def test_numbers_quoted_from_the_code_are_filled_in():
    text = schema.dataset("data/processed/detention_vs_agreements.csv").description
    assert f"({vocab.GAP_DAYS} days" in text and "{" not in text
    share = schema.dataset("data/processed/agreement_places.csv").column("share_flag").meaning
    assert f"under {schema.SHARE_FLAG_BELOW} (" in share


SHARED = {"texts": {"where": "of the United States"},
          "fields": {"state": {"name": "state", "type": "string", "kind": "category",
                               "description": "State code {where}.", "source": "ICE",
                               "constraints": {"required": True, "enum": ["AL", "AK"]}},
                     "home_state": {"use": "state", "name": "home_state", "constraints": {"required": False}}},
          "sources": {"lists": "`data/raw/ice_287g/`"}}


def _tables(tmp_path: Path, table: dict, shared: dict = SHARED) -> Path:
    folder = tmp_path / "tables"
    (folder / "data" / "processed").mkdir(parents=True)
    (folder / tableschema.SHARED).write_text(yaml.safe_dump(shared), encoding="utf-8")
    (folder / "data" / "processed" / "t.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")
    return folder


TABLE = {"path": "data/processed/t.csv", "title": "T", "description": "Rows older than {GAP_DAYS} days.",
         "writers": ["01_agreement_history"], "sources": [{"use": "lists"}, "a note"], "primaryKey": ["n"],
         "fields": [{"name": "n", "type": "integer", "description": "N.", "source": "s", "unit": "rows",
                     "constraints": {"required": True}},
                    {"use": "home_state", "source": "ICE's hand"}]}


def test_the_loader_resolves_shared_fields_overrides_texts_and_quoted_numbers(tmp_path):
    (ds,) = tableschema.load({"GAP_DAYS": 7}, _tables(tmp_path, TABLE)).values()
    assert ds.description == "Rows older than 7 days." and ds.sources == ("`data/raw/ice_287g/`", "a note")
    assert ds.columns == (tableschema.Column("n", "integer", "N.", "s", unit="rows"),
                          tableschema.Column("home_state", "category", "State code of the United States.",
                                             "ICE's hand", nullable=True, allowed=("AL", "AK")))
    assert ds.primary_key == ("n",) and ds.title == "T"


@pytest.mark.parametrize("change, message", [
    ({"description": "{NOPE}"}, r"\{NOPE\} names no shared text and no constant"),
    ({"fields": [{"use": "county"}]}, r"no shared field 'county'"),
    ({"sources": [{"use": "census"}]}, r"no shared source 'census'"),
    ({"path": "data/processed/other.csv"}, r"defines data/processed/other\.csv, whose schema belongs in"),
    ({"foreignKeys": [{"fields": ["n"], "reference": {"resource": "nowhere", "fields": ["n"]}}]},
     r"foreign key to 'nowhere'"),
    ({"fields": [{"name": "n", "type": "integer", "kind": "category", "description": "N.", "source": "s"}]},
     r"field 'n' of type 'integer' cannot be a 'category'"),
    ({"fields": [{"name": "n", "type": "integer", "descripton": "N.", "source": "s"}]},
     r"field 'n': unknown key 'descripton'"),
    ({"fields": [{"name": "n", "type": "integer", "source": "s"}]}, r"field 'n': no 'description'"),
    ({"fields": [{"use": "state", "constraints": {"unique": True}}]}, r"field 'state': unknown key 'unique'"),
    ({"primary_key": ["n"]}, r"unknown key 'primary_key'"),
])
def test_the_loader_names_the_file_of_a_broken_schema(tmp_path, change, message):
    with pytest.raises(tableschema.TableSchemaError, match=message) as err:
        tableschema.load({"GAP_DAYS": 7}, _tables(tmp_path, {**TABLE, **change}))
    assert str(err.value).startswith("data/processed/t.yaml: ")


def test_a_shared_field_that_uses_itself_is_refused(tmp_path):
    looped = {**SHARED, "fields": {**SHARED["fields"], "state": {"use": "home_state"}}}
    with pytest.raises(tableschema.TableSchemaError, match=r"shared field 'home_state' uses itself"):
        tableschema.load({"GAP_DAYS": 7}, _tables(tmp_path, TABLE, looped))


# Tables whose primary key is not the order they are written in (each writer asks for another order);
# kept as committed, since changing the order would change the files.
WRITTEN_IN_ANOTHER_ORDER = {"data/processed/agency_facility_matches.csv", "data/processed/wapo_agency_years.csv"}


def test_committed_tables_are_sorted_by_their_primary_key():
    keyed = {rel: ds for rel, ds in schema.DATASETS.items() if ds.primary_key}
    assert WRITTEN_IN_ANOTHER_ORDER <= set(keyed)
    for rel, ds in keyed.items():
        table = schema.read_committed_table(REAL_ROOT / rel)
        assert not table.duplicated(list(ds.primary_key)).any(), rel
        in_key_order = writers.sorted_frame(table, ds.primary_key).equals(table)
        assert in_key_order == (rel not in WRITTEN_IN_ANOTHER_ORDER), rel


def test_writers_sort_by_the_primary_key_unless_told_otherwise(tmp_path, monkeypatch, agreements_head):
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(tmp_path / "out"))
    target = paths.processed_dir() / "agreements.csv"
    shuffled = agreements_head.iloc[::-1]
    assert schema.primary_key(target) == ["agreement_id"]
    writers.write_csv(shuffled, target)
    assert list(schema.read_committed_table(target)["agreement_id"]) == sorted(agreements_head["agreement_id"])
    writers.write_csv(shuffled, target, sort_by=["agency"])
    assert list(schema.read_committed_table(target)["agency"]) == sorted(agreements_head["agency"])
    assert schema.primary_key(paths.qa_dir() / "qa_summary.csv") is None
    assert schema.primary_key(tmp_path / "elsewhere.csv") is None


# ---------------------------------------------------------------------------------------------
# validate_table() rejects what does not match, naming the file and the column


def test_a_matching_frame_passes(agreements_head):
    assert schema.validate_table(agreements_head, AGREEMENTS).path == AGREEMENTS


@pytest.mark.parametrize("mutate, column, detail", [
    (lambda df: df.assign(extra_col=1), "extra_col", "not in the schema"),
    (lambda df: df.drop(columns="status"), "status", "is missing"),
    (lambda df: df[["agency_id", "agreement_id"] + list(df.columns[2:])], "agency_id", "position 0"),
    (lambda df: df.assign(model=["JEM", "WSO", "XYZ", "TFM", "JEM", "JEM"]), "model", "'XYZ'"),
    (lambda df: df.assign(status=["Active", "Gone", "Active", "Active", "Active", "Active"]), "status", "'Gone'"),
    (lambda df: df.assign(lists_seen=[1.0, 2.0, 2.5, 3.0, 4.0, 5.0]), "lists_seen", "2.5"),
    (lambda df: df.assign(lists_seen=["1", "2", "two", "3", "4", "5"]), "lists_seen", "'two'"),
    (lambda df: df.assign(agency=["a", "b", "", "d", "e", "f"]), "agency", "may not be empty"),
    (lambda df: df.assign(first_listed=[None, "2025-01-01", "2025-01-01", "2025-01-01", "2025-01-01",
                                        "2025-01-01"]), "first_listed", "may not be empty"),
    (lambda df: df.assign(last_listed=["2025-01-01", "2025-02-30", "2025-01-01", "2025-01-01",
                                       "2025-01-01", "2025-01-01"]), "last_listed", "'2025-02-30'"),
])
def test_validate_rejects_and_names_file_and_column(agreements_head, mutate, column, detail):
    with pytest.raises(schema.SchemaError) as err:
        schema.validate_table(mutate(agreements_head.copy()), AGREEMENTS)
    message = str(err.value)
    assert message.startswith(f"{AGREEMENTS}: ")
    assert f"'{column}'" in message
    assert detail in message


def test_the_first_offending_row_is_named(agreements_head):
    df = agreements_head.assign(model=["JEM", "WSO", "XYZ", "TFM", "ABC", "JEM"])
    with pytest.raises(schema.SchemaError, match=r"row 2, first of 2 such rows has 'XYZ'"):
        schema.validate_table(df, AGREEMENTS)


def test_nullable_columns_accept_empty_values(agreements_head):
    df = agreements_head.assign(model=["", None, "JEM", "WSO", "TFM", "JEM"], signed=["", "", "2020-01-01",
                                                                                      None, "2020-01-01", ""])
    schema.validate_table(df, AGREEMENTS)


def test_unknown_file_is_rejected(agreements_head):
    with pytest.raises(schema.SchemaError, match=r"data/processed/nope\.csv: not in the schema"):
        schema.validate_table(agreements_head, "data/processed/nope.csv")


def test_types_accept_how_pandas_holds_data_at_write_time():
    lists = schema.read_committed_table(REAL_ROOT / "data/processed/lists.csv").head(4)
    as_text = lists.astype(str)  # how later notebooks hold an earlier notebook's table
    schema.validate_table(as_text, "data/processed/lists.csv")
    as_objects = lists.astype(object).assign(in_series=[True, False, True, True])
    schema.validate_table(as_objects, "data/processed/lists.csv")
    with pytest.raises(schema.SchemaError, match=r"'in_series'.*'yes'"):
        schema.validate_table(lists.assign(in_series=["yes", "True", "True", "True"]), "data/processed/lists.csv")
    county = schema.read_committed_table(REAL_ROOT / "data/processed/county_counts.csv").head(3)
    schema.validate_table(county.assign(population_2024=pd.array([1, None, 3], dtype="Int64")),
                    "data/processed/county_counts.csv")
    schema.validate_table(county.assign(population_2024=[1.0, float("nan"), 3.0]), "data/processed/county_counts.csv")


def test_geopackage_geometry_may_sit_anywhere_but_must_be_there():
    gdf = schema.read_committed_table(REAL_ROOT / GPKG).head(3)
    cols = [c for c in gdf.columns if c != "geometry"]
    moved = gdf[cols[:4] + ["geometry"] + cols[4:]]
    schema.validate_table(moved, GPKG)
    with pytest.raises(schema.SchemaError, match=r"column 'geometry' is missing"):
        schema.validate_table(pd.DataFrame(gdf[cols]), GPKG)
    with pytest.raises(schema.SchemaError, match=r"'county_fips' is at position 0"):
        schema.validate_table(gdf[[cols[1], cols[0]] + cols[2:] + ["geometry"]], GPKG)


# ---------------------------------------------------------------------------------------------
# The writers validate before writing


def test_write_csv_refuses_an_undocumented_column_and_keeps_the_old_file(tmp_path, monkeypatch, agreements_head):
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(tmp_path / "out"))
    target = paths.processed_dir() / "agreements.csv"
    assert target == (tmp_path / "out" / AGREEMENTS).resolve()
    writers.write_csv(agreements_head, target, sort_by=["agreement_id"])
    before = target.read_bytes()
    assert before.startswith(b"agreement_id,agency_id,state,")
    with pytest.raises(schema.SchemaError, match=r"data/processed/agreements\.csv: column 'undocumented'"):
        writers.write_csv(agreements_head.assign(undocumented=1), target, sort_by=["agreement_id"])
    with pytest.raises(schema.SchemaError, match=r"data/processed/agreements\.csv: column 'model'"):
        writers.write_csv(agreements_head.assign(model="XYZ"), target, sort_by=["agreement_id"])
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir()] == ["agreements.csv"]  # no temp file left behind


def test_write_csv_refuses_an_undocumented_file_and_a_bad_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(tmp_path / "out"))
    with pytest.raises(schema.SchemaError, match=r"data/qa/new_table\.csv: not in the schema"):
        writers.write_csv(pd.DataFrame({"a": [1]}), paths.qa_dir() / "new_table.csv")
    with pytest.raises(schema.SchemaError, match=r"figures/manifest\.csv: column 'inputs' is missing"):
        writers.write_csv(pd.DataFrame({c: ["x"] for c in ["slug", "title", "alt_text", "source", "notebook"]}),
                          paths.figures_dir() / "manifest.csv")
    assert not (tmp_path / "out" / "data" / "qa" / "new_table.csv").exists()
    assert not (tmp_path / "out" / "figures" / "manifest.csv").exists()
    # figure data and files outside the output root are not governed
    writers.write_csv(pd.DataFrame({"anything": [1]}), paths.figures_dir() / "some_figure.csv")
    writers.write_csv(pd.DataFrame({"anything": [1]}), tmp_path / "elsewhere" / "data" / "processed" / "x.csv")
    assert (tmp_path / "out" / "figures" / "some_figure.csv").read_text() == "anything\n1\n"


def test_write_gpkg_is_validated_too(tmp_path, monkeypatch):
    monkeypatch.setenv("ICE287G_OUTPUT_ROOT", str(tmp_path / "out"))
    gdf = schema.read_committed_table(REAL_ROOT / GPKG).head(3)
    target = paths.processed_dir() / "agreements_by_county.gpkg"
    with pytest.raises(schema.SchemaError, match=r"agreements_by_county\.gpkg: column 'agencies' is missing"):
        writers.write_gpkg(gdf.drop(columns="agencies"), target, layer="agreements_by_county")
    assert not target.exists()
    writers.write_gpkg(gdf, target, layer="agreements_by_county", sort_by=["county_fips"])
    assert header(target) == schema.DATASETS[GPKG].names


def test_a_throwaway_project_may_write_other_tables_but_not_break_ours(project, agreements_head):
    writers.write_csv(pd.DataFrame({"label": ["x"]}), paths.processed_dir() / "label.csv")
    assert (project / "data/processed/label.csv").read_text() == "label\nx\n"
    with pytest.raises(schema.SchemaError, match=r"data/processed/agreements\.csv: column 'extra'"):
        writers.write_csv(agreements_head.assign(extra=1), paths.processed_dir() / "agreements.csv")


# ---------------------------------------------------------------------------------------------
# The codebook


@pytest.fixture(scope="module")
def codebook_text() -> str:
    return (REAL_ROOT / codebook.CODEBOOK).read_text(encoding="utf-8")


def test_committed_codebook_is_generated_from_the_schema(codebook_text):
    assert codebook_text == codebook.codebook_markdown(REAL_ROOT), \
        "docs/codebook.md is out of date: run `python -m ice287g codebook`"
    assert "python -m ice287g codebook" in codebook_text and "do not edit by hand" in codebook_text
    assert str(REAL_ROOT) not in codebook_text
    assert cli.main(["codebook", "--check"]) == 0


def test_codebook_row_counts_are_the_committed_files_row_counts(codebook_text):
    sections = re.findall(r"^### `([^`]+)`$.*?^- \*\*Rows in the committed file:\*\* (\d+)$", codebook_text,
                          flags=re.M | re.S)
    assert [p for p, _ in sections] == sorted(schema.DATASETS)
    for rel, count in sections:
        assert int(count) == len(schema.read_committed_table(REAL_ROOT / rel)), rel


def test_codebook_documents_every_column(codebook_text):
    for rel, ds in schema.DATASETS.items():
        section = codebook_text.split(f"### `{rel}`", 1)[1].split("\n### ", 1)[0]
        assert ds.description in section
        rows = re.findall(r"^\| `([^`]+)` \|", section, flags=re.M)
        assert rows == ds.names, rel


def test_codebook_numbers_come_from_the_data(tmp_path):
    (tmp_path / "data" / "qa").mkdir(parents=True)
    (tmp_path / "data" / "qa" / "skipped_rows.csv").write_text(
        "source_file,sheet,row,reason,content\na.xlsx,S,2,blank row,\na.xlsx,S,3,blank row,\n"
        'b.csv,,4,no agency name,"x\ny"\n')
    text = codebook.codebook_markdown(tmp_path)
    section = text.split("### `data/qa/skipped_rows.csv`", 1)[1].split("\n### ", 1)[0]
    assert "- **Rows in the committed file:** 3\n" in section
    assert "- **Rows in the committed file:** file not present" in text.split("### `data/qa/unused_fixes.csv`")[1]
    assert codebook.codebook_markdown(tmp_path) == text  # deterministic
