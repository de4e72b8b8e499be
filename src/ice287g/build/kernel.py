"""What a notebook's kernel runs first (``ice287g.setup_notebook``): the house style, the notebook's name, and
the recording of every file under ``data/`` it opens (``record_opens``), which ``stages.problems`` holds to
the notebook's declared inputs. Kept apart from the runner (``pipeline``) and the stage registry
(``stages``), which a notebook never needs: a notebook depends on this module, not on them, so editing the
runner or a parameter reruns no notebook.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from ..core import paths
from ..publish import charts


def stage_dir() -> Path:
    """Where every notebook of a default run writes before their outputs replace the committed ones."""
    return paths.project_root() / ".build" / "stage"


def setup_notebook(name: str) -> None:
    """First call of every notebook: record the files its kernel reads (``record_opens``), name it (for the
    figure manifest) and apply the house style."""
    record_opens(name)
    os.environ.setdefault("ICE287G_NOTEBOOK", f"notebooks/{name}.ipynb")
    charts.use_style()
    pd.set_option("display.max_columns", 30)
    pd.set_option("display.width", 160)


# ---------------------------------------------------------------------------------------------
# What a run opened

RECORDED = ("data/",)
_recording: dict[str, object] = {}


def recording_path(name: str) -> Path:
    return paths.project_root() / ".build" / "opened" / f"{name}.txt"


def _reads(mode, flags) -> bool:
    if isinstance(mode, str):
        return not any(c in mode for c in "wax+")
    return not (flags or 0) & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)


def record_opens(name: str) -> Path | None:
    """In a default run of notebook ``name`` (outputs staged in ``.build/stage/``), record every file
    under ``data/`` the kernel opens for reading, in the run's stage or the project's, by its committed
    path in ``.build/opened/<name>.txt`` (sorted, relative, rewritten at each new file: a kernel may be
    stopped without running exit handlers). Runs with parameters (outputs under ``reports/``) and
    interactive sessions record nothing: they may read other files than the build does. A kernel that
    runs the notebooks one after another (``pipeline.ReusedKernel``) records each in its own file: the
    audit hook, which cannot be removed, is installed once and pointed at the notebook now running."""
    stage = stage_dir().resolve()
    if paths.output_root() != stage:
        _recording.pop("target", None)
        return None
    bases = []
    for base in (stage, paths.project_root()):
        bases += [(str(b) + os.sep, b) for b in {Path(os.path.realpath(base)), Path(os.path.abspath(base))}]
    target = recording_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    _recording.update(target=target, bases=bases, opened=set())
    _write_recording()
    if not _recording.get("hooked"):
        sys.addaudithook(_record_open)
        _recording["hooked"] = True
    return target


def _write_recording() -> None:
    target = _recording["target"]
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text("".join(f"{p}\n" for p in sorted(_recording["opened"])), encoding="utf-8")
    os.replace(tmp, target)


def _record_open(event, args) -> None:
    if (event != "open" or "target" not in _recording or _recording.get("busy")
            or not isinstance(args[0], (str, bytes, os.PathLike))):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    opened = _recording["opened"]
    for prefix, base in _recording["bases"]:
        if path.startswith(prefix):
            rel = Path(path).relative_to(base).as_posix()
            if rel.startswith(RECORDED) and rel not in opened and _reads(args[1], args[2]):
                opened.add(rel)
                _recording["busy"] = True
                try:
                    _write_recording()
                finally:
                    _recording["busy"] = False
            return


def read_recording(name: str) -> list[str] | None:
    """The files a notebook's last default run opened, or None if no run recorded any."""
    target = recording_path(name)
    return target.read_text(encoding="utf-8").split() if target.exists() else None
