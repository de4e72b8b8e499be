"""Where things live. Every path the package touches is resolved from the project root, never the cwd.

The root is the folder holding ``pyproject.toml`` above this file (an editable install), unless
``ICE287G_ROOT`` points elsewhere (tests build throwaway projects that way).

Outputs (processed data, QA tables, figures) go under ``output_root()``: the project root for a
default run, or a folder under ``reports/`` when the pipeline runs a notebook with non-default
parameters, so an exploratory run never overwrites the committed outputs.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

RAW_SOURCES = ("ice_287g", "ice_detention", "ice_facilities", "trac", "census", "fbi")


def project_root() -> Path:
    env = os.environ.get("ICE287G_ROOT")
    # resolved once per value of what decides it (a relative ICE287G_ROOT also depends on the working
    # directory): lookups such as every county match ask for the root, and resolving touches the disk
    return _resolved_root(env or "", os.getcwd() if env and not os.path.isabs(env) else "")


@lru_cache(maxsize=None)
def _resolved_root(env: str, cwd: str) -> Path:
    return Path(env).resolve() if env else Path(__file__).resolve().parents[3]


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def hand_dir() -> Path:
    return project_root() / "data" / "hand"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def reports_dir() -> Path:
    return project_root() / "reports"


def site_dir() -> Path:
    """The published site (``make site``): generated, never committed."""
    return project_root() / "site"


def output_root() -> Path:
    env = os.environ.get("ICE287G_OUTPUT_ROOT")
    return Path(env).resolve() if env else project_root()


def processed_dir() -> Path:
    return output_root() / "data" / "processed"


def qa_dir() -> Path:
    return output_root() / "data" / "qa"


def figures_dir() -> Path:
    return output_root() / "figures"


def relative(path: Path | str) -> str:
    """Path as written into outputs: relative to the project root, with forward slashes."""
    p = Path(path).resolve()
    for base in (output_root(), project_root()):
        try:
            return p.relative_to(base).as_posix()
        except ValueError:
            continue
    return p.as_posix()
