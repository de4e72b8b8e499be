"""Importing raw files that are new in a mirror of the archive (such as ../shared/data/raw; `ice287g import-raw`): each file checked as a landing is, copied with its manifest row, the mirror's README updates and hand fixes carried over."""
from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..archive.manifests import (MANIFEST, README, WORKBOOK_SUFFIXES, Problem, RawDataError, RawHandTableError,
                               append_manifest_rows, check_manifest_row, parse_manifest, path_label,
                               problems_message, raw_name_problem, read_manifest, safe_raw_name, sha256_file,
                               workbook_problem)
from ..core import hand, paths
from ..core.files import write_bytes


# ---------------------------------------------------------------------------------------------
# Importing files that are new in a mirror (such as ../shared/data/raw)


@dataclass(frozen=True)
class ImportResult:
    copied: list[str]
    unchanged: list[str]
    readmes_updated: list[str]
    unused_fixes: tuple[str, ...] = ()
    adopted: tuple[str, ...] = ()  # files in place without their row (an import killed before it), row added


def _mirror_folders(mirror: Path) -> list[Path]:
    if not mirror.is_dir():
        raise RawDataError(f"{mirror}: no such folder")
    if (mirror / MANIFEST).exists():
        return [mirror]
    folders = [p for p in sorted(mirror.iterdir()) if p.is_dir() and (p / MANIFEST).exists()]
    if not folders:
        raise RawDataError(f"{mirror}: no {MANIFEST} in it or in its sub-folders")
    return folders


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().parent == folder.resolve()


AS_OF_FIXES = "raw_as_of_dates.csv"


def as_of_fixes(path: Path | None = None) -> dict[tuple[str, str], tuple[str, str]]:
    """data/hand/raw_as_of_dates.csv: ``(source, file) -> (date, reason)`` for mirror rows whose
    as_of_date is not a date (a vintage described in words, a commit message); decided by hand, with
    the evidence in ``reason``."""
    table = hand.read_hand_table(AS_OF_FIXES, path, missing_ok=True, error=RawHandTableError)
    if table is None:
        return {}
    return {(r.source.strip(), r.value.strip()): (r.fix.strip(), r.reason.strip()) for r in table.itertuples()}


def _dated(row: dict[str, str], source: str, fixes: dict, used: set) -> dict[str, str]:
    """``row`` with the hand-decided as_of_date when one is listed for it; the mirror's words are kept
    in the notes."""
    fix = fixes.get((source, row.get("file", "")))
    if fix is None:
        return row
    used.add((source, row["file"]))
    date, reason = fix
    said = (row.get("as_of_date") or "").strip()
    note = f"as_of_date {date} from data/hand/{AS_OF_FIXES} ({reason}); the mirror's as_of_date: {said!r}"
    return {**row, "as_of_date": date, "notes": f"{row['notes']} {note}".strip() if row.get("notes") else note}


def import_raw(mirror: Path | str, raw: Path | None = None, fixes_path: Path | None = None) -> ImportResult:
    """Copy files listed in a mirror's manifests that ``raw`` lacks, and append their manifest rows.

    Every mirror row is first checked with ``check_manifest_row`` (the rules of ``verify-raw``) and its
    name against both folders; if any row fails, or a file of the same name differs locally (raw files
    are never overwritten), nothing is copied and every failing row is named. A row whose as_of_date
    data/hand/raw_as_of_dates.csv decides is checked and written with that date; a decision that
    matches no mirror row is named in ``ImportResult.unused_fixes``. A file already in place with the
    mirror's bytes but no manifest row (an import killed between the two) gets the mirror's row: it is
    *adopted*. A new workbook must keep ``xlsxlimits``' limits."""
    mirror = Path(mirror).resolve()
    raw = raw or paths.raw_dir()
    fixes = as_of_fixes(fixes_path)
    used: set[tuple[str, str]] = set()
    unchanged: list[str] = []
    problems: list[str] = []
    plans: list[tuple[Path, Path, list[dict[str, str]], list[dict[str, str]], bool]] = []
    for src_folder in _mirror_folders(mirror):
        dst_folder = raw / src_folder.name
        refused = raw_name_problem(src_folder.name, mirror if src_folder != mirror else mirror.parent) or (
            raw_name_problem(src_folder.name, raw))
        if refused:
            problems.append(f"{src_folder}: source folder refused: {refused}")
            continue
        _, src_rows = parse_manifest(src_folder / MANIFEST)
        dst_rows = {r["file"]: r for r in read_manifest(dst_folder)} if (dst_folder / MANIFEST).exists() else {}
        new_rows, adopted, seen = [], [], set()
        for lineno, row in src_rows:
            row = _dated(row, src_folder.name, fixes, used)
            row_problems = check_manifest_row(row, lineno, src_folder, seen, base=src_folder.parent.as_posix())
            name = row["file"]
            dst_unsafe = "" if row_problems else raw_name_problem(name, dst_folder)
            if dst_unsafe:
                problems.append(f"{src_folder / MANIFEST} row {lineno} ({name}): refused for "
                                f"{path_label(dst_folder)}: {dst_unsafe}")
            problems += [str(p) for p in row_problems]
            if row_problems or dst_unsafe:
                continue
            dst = dst_folder / name
            in_place = dst.exists() or dst.is_symlink()
            if in_place or name in dst_rows:
                have = sha256_file(dst) if dst.exists() else dst_rows.get(name, {}).get("sha256", "a symlink")
                if have != row["sha256"].strip().lower():
                    problems.append(
                        f"{path_label(dst)}: a different file of the same name is in the mirror "
                        f"(local {have}, mirror {row['sha256']}); raw files are never overwritten")
                elif name in dst_rows:
                    unchanged.append(f"{dst_folder.name}/{name}")
                    continue
            if Path(name).suffix.lower() in WORKBOOK_SUFFIXES:  # a reader will open it: the limits first
                over = workbook_problem(src_folder / name)
                if over:
                    problems.append(str(Problem(src_folder.name, name, over, base=src_folder.parent.as_posix())))
                    continue
            (adopted if in_place else new_rows).append(row)
        src_readme = src_folder / README
        readme = src_readme.is_file() and _inside(src_readme, src_folder)
        if src_readme.exists() and not readme:
            problems.append(f"{src_readme}: refused: a symlink out of its folder")
        plans.append((src_folder, dst_folder, new_rows, adopted, readme))
    if problems:
        raise RawDataError(problems_message("the mirror does not match its own manifests (the rules of verify-raw); nothing imported", problems))
    result = _copy_planned(plans, unchanged)
    return dataclasses.replace(result, unused_fixes=tuple(sorted(f"{src}/{file}" for src, file in set(fixes) - used)))


def _copy_planned(plans, unchanged: list[str]) -> ImportResult:
    copied: list[str] = []
    adopted: list[str] = []
    readmes: list[str] = []
    for src_folder, dst_folder, new_rows, in_place, readme in plans:
        dst_folder.mkdir(parents=True, exist_ok=True)
        manifest = dst_folder / MANIFEST
        if (new_rows or in_place) and not manifest.exists():  # a new source: the mirror's header and line ending
            write_bytes(manifest, (src_folder / MANIFEST).read_bytes().splitlines(keepends=True)[0])
        for row in in_place:  # already checked: the same bytes as the mirror's, in place
            append_manifest_rows(manifest, [row])
            adopted.append(f"{dst_folder.name}/{row['file']}")
        for row in new_rows:  # each file, then its row: a kill between them leaves a file the next import adopts
            data = (src_folder / row["file"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != row["sha256"].strip().lower():  # changed since checked
                raise RawDataError(f"{src_folder / row['file']}: changed while importing; import again")
            write_bytes(safe_raw_name(row["file"], dst_folder), data)
            append_manifest_rows(manifest, [row])
            copied.append(f"{dst_folder.name}/{row['file']}")
        src_readme, dst_readme = src_folder / README, dst_folder / README
        if readme and (not dst_readme.exists() or dst_readme.read_bytes() != src_readme.read_bytes()):
            write_bytes(dst_readme, src_readme.read_bytes())
            readmes.append(f"{dst_folder.name}/{README}")
    return ImportResult(copied, unchanged, readmes, adopted=tuple(adopted))
