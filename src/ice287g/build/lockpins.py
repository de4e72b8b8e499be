"""The pinned environment, one lock for every supported Python.

``uv.lock`` is the lock: uv resolves it once for every Python the project supports (``requires-python``
in pyproject.toml), so one file pins every package for every version, each with the markers under which it
is needed. ``requirements.txt`` is its pip-installable export (``uv export``: the same pins with the
same markers), which ``make`` installs with pip where uv is absent; ``environment.yml`` gives conda users
the same pins for the direct dependencies. ``make lock`` rewrites all three; ``python -m
ice287g.build.lockpins`` rewrites environment.yml from requirements.txt.

Where the lock installs a package on one Python and not on another, or another version of it,
``PER_VERSION`` says why; a test reads the lock for each supported version and checks that these are
the only differences."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path
from packaging.markers import Marker

from ..core import paths

PIN_RE = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        m = PIN_RE.match(line)
        if m:
            pins[canonical(m.group(1))] = m.group(2)
    return pins


# Packages the lock resolves differently by Python version, and why (the marker is in uv.lock).
PER_VERSION = {
    "soupsieve": "the soupsieve that beautifulsoup4 takes needs a later patch release of the earliest "
                 "supported Python than some distributions ship, so uv keeps an older soupsieve for those",
    "aiohttp": "papermill asks for aiohttp (and so its dependencies below) on one Python version only",
    "overrides": "jupyter-server needs it only before the standard library's typing.override existed",
    "aiohappyeyeballs": "needed by aiohttp", "aiosignal": "needed by aiohttp", "frozenlist": "needed by aiohttp",
    "multidict": "needed by aiohttp", "propcache": "needed by aiohttp", "yarl": "needed by aiohttp",
}
# What a Linux machine tells a marker, besides the Python version.
LINUX_MARKERS = {"sys_platform": "linux", "os_name": "posix", "platform_system": "Linux",
                 "platform_machine": "x86_64", "implementation_name": "cpython",
                 "platform_python_implementation": "CPython"}
LOCK_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)\s*(?:;\s*(.+?))?\s*$")


def requires_python(root: Path | None = None) -> str:
    """pyproject.toml's ``requires-python``."""
    root = root or paths.project_root()
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]["requires-python"]


def resolved_for(python_full_version: str, root: Path | None = None) -> dict[str, str]:
    """The packages requirements.txt installs on Linux under one Python version, and their versions."""
    root = root or paths.project_root()
    env = dict(LINUX_MARKERS, python_full_version=python_full_version,
               python_version=".".join(python_full_version.split(".")[:2]))
    found = {}
    for line in (root / "requirements.txt").read_text().splitlines():
        m = LOCK_LINE.match(line.strip())
        if m and (m.group(3) is None or Marker(m.group(3)).evaluate(env)):
            found[canonical(m.group(1))] = m.group(2)
    return found


def version_differences(python_full_versions, root: Path | None = None) -> dict[str, dict[str, str | None]]:
    """Packages whose presence or version differs between the given Python versions:
    ``{package: {python version: package version or None}}``."""
    by_python = {v: resolved_for(v, root) for v in python_full_versions}
    names = set().union(*by_python.values())
    table = {n: {v: by_python[v].get(n) for v in python_full_versions} for n in sorted(names)}
    return {n: row for n, row in table.items() if len(set(row.values())) > 1}


def lock_pins(root: Path | None = None) -> dict[str, str]:
    root = root or paths.project_root()
    return parse_pins((root / "requirements.txt").read_text().splitlines())


def environment_pins(root: Path | None = None) -> dict[str, str]:
    """``name==version`` pins in environment.yml's pip section."""
    root = root or paths.project_root()
    return parse_pins((root / "environment.yml").read_text().splitlines())


def direct_dependencies(root: Path | None = None) -> list[str]:
    root = root or paths.project_root()
    data = tomllib.loads((root / "pyproject.toml").read_text())
    return [canonical(re.split(r"[<>=!~\[; ]", d)[0]) for d in data["project"]["dependencies"]]


def environment_yml(root: Path | None = None) -> str:
    pins = lock_pins(root)
    lines = [
        "# Generated from requirements.txt by `python -m ice287g.build.lockpins`; tests check the pins agree.",
        "name: ice287g",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python{requires_python(root)}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={pins[name]}" for name in sorted(direct_dependencies(root))]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    (paths.project_root() / "environment.yml").write_text(environment_yml())
    print("wrote environment.yml")
