"""The module layout the project promises: layered subpackages, no import cycles between its concerns."""
import ast
import re
import subprocess
import sys
from pathlib import Path

from ice287g.build import registry
from ice287g.build.stages import imported_modules

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "ice287g"


def test_importing_the_package_loads_no_pandas():
    """`import ice287g` is the first step of every command and test: the build machinery (pandas, matplotlib)
    loads only when a notebook calls ``ice287g.setup_notebook``."""
    code = "import sys, ice287g; print(' '.join(sorted(m for m in sys.modules if m.startswith(('ice287g', 'pandas')))))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["ice287g"]


def _runs_core_first(module: str, seen: set[str]) -> bool:
    """Whether importing ``module`` (``layer.module``) runs ``ice287g.core``'s ``__init__`` before the module's
    own body: it is in core, or one of its imports (transitively) is."""
    if module.split(".")[0] == "core":
        return True
    seen.add(module)
    return any(_runs_core_first(m, seen) for m in sorted(imported_modules(module) - seen))


FRAME_MAKER = re.compile(r"\bpd\.(read_\w+|DataFrame|Series|concat|array)\(")


def test_every_module_that_makes_frames_runs_cores_pandas_settings_first():
    """``core/__init__`` sets pandas' string storage (the same outputs, faster on small frames): every module
    that reads or builds a frame must load ``core`` before it makes one, in a kernel, a command or a test
    alike. (A module that only reshapes the frames its callers pass, such as the page renderer, needn't.)"""
    users = sorted(".".join(f.relative_to(PACKAGE).with_suffix("").parts) for f in PACKAGE.rglob("*.py")
                   if f.name != "__init__.py" and FRAME_MAKER.search(f.read_text(encoding="utf-8")))
    assert len(users) > 20  # the walk finds the package's frame makers
    assert [m for m in users if not _runs_core_first(m, set())] == []
    code = "import ice287g.core, pandas; print(pandas.options.mode.string_storage)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "python\n"


def test_schema_and_writers_do_not_import_each_other():
    assert "tables.schema" in imported_modules("tables.writers")
    assert "tables.writers" not in imported_modules("tables.schema")


def test_the_import_contracts_hold():
    """pyproject.toml's import-linter contracts: the layers of docs/architecture.md (a subpackage imports
    only those below it) and no cycle among the modules of a subpackage; function-level imports count."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=PACKAGE.parents[1])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


def _readme_module_row() -> str:
    readme = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    return next(line for line in readme.splitlines() if line.startswith("| `src/ice287g/` |"))


def test_the_readme_names_every_module_of_the_package():
    modules = {p.stem for p in PACKAGE.rglob("*.py")} - {"__init__", "__main__"}
    missing = sorted(m for m in modules if f"`{m}`" not in _readme_module_row())
    assert not missing, f"README.md's layout table does not name these modules: {missing}"


# Imports belong at the top of their module, where the layers contract and a reader see them. The few
# allowed inside a function (an optional heavy dependency, the kernel machinery `import ice287g` must not
# load) say why in a comment on the line before, on the import's line or on the line after.
MAX_IMPORTS_INSIDE_FUNCTIONS = 5


def _imports_inside_functions() -> list[tuple[str, int, str]]:
    """(module path, line, import statement) of every import inside a function, stdlib included."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope in ast.walk(tree):
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [(path.relative_to(PACKAGE).as_posix(), node.lineno, ast.unparse(node))
                          for node in ast.walk(scope) if isinstance(node, (ast.Import, ast.ImportFrom))]
    return sorted(set(found))


def _has_a_comment_beside(path: str, line: int) -> bool:
    lines = (PACKAGE / path).read_text(encoding="utf-8").splitlines()
    return any("#" in lines[i] for i in (line - 2, line - 1, line) if 0 <= i < len(lines))


def test_imports_inside_functions_are_few_and_say_why():
    found = _imports_inside_functions()
    assert any(path == "__init__.py" for path, _, _ in found)  # the walk finds function-level imports
    listed = "\n".join(f"{path}:{line} {statement}" for path, line, statement in found)
    assert len(found) <= MAX_IMPORTS_INSIDE_FUNCTIONS, f"imports inside functions (move them to the top):\n{listed}"
    silent = [f"{path}:{line} {statement}" for path, line, statement in found if not _has_a_comment_beside(path, line)]
    assert silent == [], "imports inside functions without a comment saying why:\n" + "\n".join(silent)


MAX_MODULE_LINES = 600


def test_no_module_is_over_the_limit():
    lines = {p.relative_to(PACKAGE).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert lines["build/pipeline.py"] > MAX_MODULE_LINES / 2  # the count reads the modules
    over = sorted(f"{m}: {n}" for m, n in lines.items() if n > MAX_MODULE_LINES)
    assert over == [], f"modules over {MAX_MODULE_LINES} lines (split them by concern): {over}"


def _code_strings(source: str) -> list[str]:
    """The string literals of a module's code, its docstrings left out (they may name a notebook)."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def modules_naming(names) -> dict[str, list[str]]:
    """Each name of ``names`` and the package's modules whose code spells it in a string (each module read
    and parsed once)."""
    strings = {f.relative_to(PACKAGE).as_posix(): _code_strings(f.read_text(encoding="utf-8"))
               for f in PACKAGE.rglob("*.py")}
    return {name: sorted(m for m, found in strings.items() if any(name in s for s in found)) for name in names}


def test_a_notebooks_name_is_spelled_in_at_most_two_modules():
    """Issue 26: each stage is declared once (``build.registry``); one more module may name a notebook (a
    message pointing a reader to it), no third copy to keep in step."""
    named = modules_naming(nb.name for nb in registry.NOTEBOOKS)
    assert all("build/registry.py" in mods for mods in named.values())  # the walk finds the declarations
    assert {n: mods for n, mods in named.items() if len(mods) > 2} == {}
