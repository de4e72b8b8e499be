"""Reads the definition of every committed table from its Table Schema file in ``src/ice287g/tables/``.

One YAML file per table, at the table's path with ``.yaml`` for its suffix
(``tables/data/processed/agreements.yaml`` defines ``data/processed/agreements.csv``), in Frictionless
Table Schema form: ``title``, ``description``, ``primaryKey``, ``foreignKeys`` and ``fields`` (each with
``name``, ``type``, ``description`` and ``constraints``: ``required``, ``enum``), plus what the codebook needs
beyond the standard: the table's ``path``, its ``writers`` (the notebooks writing it, the first declaring it)
and ``sources``, and each field's ``source``, ``unit`` and ``kind`` (``category`` or ``geometry``, finer
than Table Schema's ``type``).

``tables/shared.yaml`` holds what several tables share, defined once: ``fields`` (a table lists one as
``- use: list_id``, any key beside ``use`` overriding the shared one's; a shared field may itself use
another), ``sources`` (a table lists one as ``- use: ice_lists``) and ``texts``, passages several
descriptions quote, written ``{model_meaning}`` in them. A number a text quotes from the code is written
``{GAP_DAYS}`` and filled in from the ``constants`` the loader is given, so it is defined once, in the code.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

TABLES_DIR = Path(__file__).resolve().parent
SHARED = "shared.yaml"
TYPES = ("string", "integer", "number", "boolean", "date", "category", "geometry")
# Table Schema's type of each of ours (a category is a string, limited to its labels when they are fixed).
TABLE_SCHEMA_TYPES = MappingProxyType({"string": "string", "integer": "integer", "number": "number",
                                       "boolean": "boolean", "date": "date", "category": "string",
                                       "geometry": "any"})
# The keys a schema file may use (Table Schema's, and this project's own: path, writers, sources, kind,
# unit, source); any other is a typo the loader refuses.
TABLE_KEYS = {"path": True, "title": False, "description": True, "writers": True, "sources": True,
              "primaryKey": False, "foreignKeys": False, "fields": True}
FIELD_KEYS = {"name": True, "type": True, "kind": False, "description": True, "unit": False, "source": True,
              "constraints": False}
CONSTRAINT_KEYS = ("required", "enum")
PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")


class TableSchemaError(ValueError):
    """A table's schema file that cannot be read into a definition (names the file)."""


@dataclass(frozen=True)
class Column:
    """One column: name, type, whether it may be empty, what it means, its unit and where it comes from."""

    name: str
    type: str
    meaning: str
    source: str
    nullable: bool = False
    unit: str = ""
    allowed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"column {self.name!r}: type {self.type!r} is not one of {TYPES}")
        if self.allowed and self.type != "category":
            raise ValueError(f"column {self.name!r}: only a category lists allowed values")


@dataclass(frozen=True)
class ForeignKey:
    """Columns of a table whose values are a key of another (``table``, a path) in ``reference``'s columns."""

    fields: tuple[str, ...]
    table: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """One committed table. ``notebooks[0]`` declares it in ``registry.NOTEBOOKS``; any others update it.
    Its rows are written sorted by ``primary_key`` where it has one."""

    path: str
    description: str
    notebooks: tuple[str, ...]
    sources: tuple[str, ...]
    columns: tuple[Column, ...] = field(repr=False)
    title: str = ""
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.path}: a column is defined twice")
        if not set(self.primary_key) <= set(names):
            raise ValueError(f"{self.path}: primary key {self.primary_key} names a column it does not have")

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.path} has no column {name!r}")


def schema_file(path: str, folder: Path = TABLES_DIR) -> Path:
    """Where the schema of the table at ``path`` (relative to the project root) is kept."""
    return folder / Path(path).with_suffix(".yaml")


# libyaml's loader where PyYAML was built with it: every import of the package reads all the files.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(file: Path) -> dict:
    with open(file, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_LOADER)  # noqa: S506 - a safe loader


def _fill(text: str, constants: Mapping[str, object], where: str) -> str:
    def value(match: re.Match) -> str:
        if match.group(1) not in constants:
            raise TableSchemaError(f"{where}: {{{match.group(1)}}} names no shared text and no constant the loader "
                                   "is given")
        return str(constants[match.group(1)])

    return PLACEHOLDER.sub(value, text)


def resolve_field(entry: dict, shared: Mapping[str, dict], where: str, seen: tuple[str, ...] = ()) -> dict:
    """A field as written, its shared definition first when it says ``use``, overridden by the keys beside it."""
    if "use" not in entry:
        return entry
    if entry["use"] in seen:
        raise TableSchemaError(f"{where}: shared field {entry['use']!r} uses itself ({' -> '.join(seen)})")
    if entry["use"] not in shared:
        raise TableSchemaError(f"{where}: no shared field {entry['use']!r} in {SHARED}")
    base = resolve_field(shared[entry["use"]], shared, where, (*seen, entry["use"]))
    merged = {**base, **{k: v for k, v in entry.items() if k not in ("use", "constraints")}}
    merged["constraints"] = {**base.get("constraints", {}), **entry.get("constraints", {})}
    return merged


def _check_keys(spec: dict, keys: Mapping[str, bool], what: str) -> None:
    """Refuse a key ``keys`` does not name, and a missing one it marks required."""
    unknown = [k for k in spec if k not in keys]
    if unknown:
        raise TableSchemaError(f"{what}: unknown key {unknown[0]!r}")
    missing = [k for k, required in keys.items() if required and k not in spec]
    if missing:
        raise TableSchemaError(f"{what}: no {missing[0]!r}")


def column(spec: dict, constants: Mapping[str, object], where: str) -> Column:
    """A Column from its (resolved) Table Schema field."""
    what = f"{where}: field {spec.get('name')!r}"
    _check_keys(spec, FIELD_KEYS, what)
    _check_keys(spec.get("constraints", {}), dict.fromkeys(CONSTRAINT_KEYS, False), what)
    kind = spec.get("kind", spec["type"])
    if TABLE_SCHEMA_TYPES.get(kind) != spec["type"]:
        raise TableSchemaError(f"{what} of type {spec['type']!r} cannot be a {kind!r}")
    constraints = spec.get("constraints", {})
    return Column(spec["name"], kind, _fill(spec["description"], constants, where),
                  _fill(spec["source"], constants, where), nullable=not constraints.get("required", False),
                  unit=spec.get("unit", ""), allowed=tuple(constraints.get("enum", ())))


def _source(entry, shared: Mapping[str, str], where: str) -> str:
    if isinstance(entry, dict):
        try:
            return shared[entry["use"]]
        except KeyError:
            raise TableSchemaError(f"{where}: no shared source {entry.get('use')!r} in {SHARED}") from None
    return entry


def dataset(doc: dict, shared: dict, constants: Mapping[str, object], paths_by_name: Mapping[str, str],
            where: str) -> Dataset:
    """A Dataset from one table's schema file (``paths_by_name``: each table's path by its resource name)."""
    constants = {**shared.get("texts", {}), **constants}
    fields = [resolve_field(f, shared["fields"], where) for f in doc["fields"]]
    keys = []
    for fk in doc.get("foreignKeys", ()):
        ref = fk["reference"]
        if ref["resource"] not in paths_by_name:
            raise TableSchemaError(f"{where}: foreign key to {ref['resource']!r}, which is no table")
        keys.append(ForeignKey(tuple(fk["fields"]), paths_by_name[ref["resource"]], tuple(ref["fields"])))
    return Dataset(doc["path"], _fill(doc["description"], constants, where), tuple(doc["writers"]),
                   tuple(_fill(_source(s, shared["sources"], where), constants, where) for s in doc["sources"]),
                   tuple(column(f, constants, where) for f in fields), title=doc.get("title", ""),
                   primary_key=tuple(doc.get("primaryKey", ())), foreign_keys=tuple(keys))


def resource_name(path: str) -> str:
    """A table's name in the data package and in foreign keys (its file stem: ``agreements``, ``list_rows``)."""
    return Path(path).stem


def load(constants: Mapping[str, object], folder: Path = TABLES_DIR) -> dict[str, Dataset]:
    """Every table defined in ``folder``, by path, in path order."""
    shared = _read(folder / SHARED)
    docs = {}
    for file in sorted(folder.rglob("*.yaml")):
        if file.name == SHARED and file.parent == folder:
            continue
        doc = _read(file)
        where = file.relative_to(folder).as_posix()
        _check_keys(doc, TABLE_KEYS, where)
        if schema_file(doc["path"], folder) != file:
            raise TableSchemaError(f"{where}: defines {doc['path']}, whose schema belongs in "
                                   f"{schema_file(doc['path'], folder).relative_to(folder)}")
        docs[doc["path"]] = (doc, where)
    paths_by_name = {resource_name(p): p for p in docs if p.startswith("data/processed/")}
    return {path: dataset(doc, shared, constants, paths_by_name, where)
            for path, (doc, where) in sorted(docs.items())}
