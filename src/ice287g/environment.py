"""The pinned environment: ``requirements.txt`` is the lock (every package, ``==``); ``environment.yml``
gives conda users the same pins for the direct dependencies. ``python -m ice287g.environment``
rewrites environment.yml from the lock after ``make lock``."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from . import paths

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
        "# Generated from requirements.txt by `python -m ice287g.environment`; tests check the pins agree.",
        "name: ice287g",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={pins[name]}" for name in sorted(direct_dependencies(root))]
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    (paths.project_root() / "environment.yml").write_text(environment_yml())
    print("wrote environment.yml")
