"""The module layout the project promises: no import cycles between its concerns."""
import subprocess
import sys
from pathlib import Path

from ice287g.build.stages import imported_modules

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ice287g"


def _dotted(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").as_posix().replace("/", ".")


def _imports_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(m for m in sys.modules if m.startswith('ice287g'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_agreements_does_not_import_geography():
    loaded = _imports_after("import ice287g.history.agreements")
    assert "ice287g.history.agreements" in loaded and "ice287g.ingest.lists" in loaded
    assert "ice287g.places.geography" not in loaded


def test_schema_and_writers_do_not_import_each_other():
    assert "publish.schema" in imported_modules("publish.writers")
    assert "publish.writers" not in imported_modules("publish.schema")


def test_no_module_imports_a_module_that_imports_it():
    modules = [_dotted(p) for p in PACKAGE.rglob("*.py") if p.stem != "__init__"]
    graph = {m: imported_modules(m) & set(modules) for m in modules}
    cycles = sorted((a, b) for a in modules for b in graph[a] if a < b and a in graph[b])
    assert cycles == []


def _readme_module_row() -> str:
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    return next(line for line in readme.splitlines() if line.startswith("| `src/ice287g/` |"))


def test_the_readme_names_every_module_of_the_package():
    modules = {p.stem for p in PACKAGE.rglob("*.py")} - {"__init__", "__main__"}
    missing = sorted(m for m in modules if f"`{m}`" not in _readme_module_row())
    assert not missing, f"README.md's layout table does not name these modules: {missing}"
