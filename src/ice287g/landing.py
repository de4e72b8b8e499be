"""Landing one downloaded file in the raw archive: check it, name it, write it and its manifest row.

No network here: ``update`` (which fetches) and ``add`` (a file downloaded by hand) hand over the bytes.
A file lands only once it is a workbook, has the expected sha256 (when one is known), parses as its kind
with the project's own readers and has a date by the rules of ``icenames``. It is written atomically
as ``data/raw/<source>/<YYYY-MM-DD>_<ICE file name>``, its manifest row last; nothing is ever
overwritten, and nothing is left half-written when a step fails.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from . import icenames, paths, sources
from .detention import SUPERSEDED_FILE, WORKBOOK_KIND

MANIFEST_KINDS = {
    "participating": "ice_287g_participating_xlsx",
    "pending": "ice_287g_pending_xlsx",
    "detention": WORKBOOK_KIND,
    "capture": "ice_287g_html_capture",
}
SOURCE_OF_KIND = {"participating": "ice_287g", "pending": "ice_287g", "detention": "ice_detention",
                  "capture": "ice_287g"}
# A saved ice.gov page of the era between the fact sheets and the workbooks, which printed the list as an
# HTML table: named by page and capture time (``287g-YYYYMMDDhhmmss.html``), read by lists.parse_file like
# the web-table workbooks.
CAPTURE_SUFFIX = ".html"
LANDABLE_SUFFIXES = (".xlsx", CAPTURE_SUFFIX)


@dataclass(frozen=True)
class Landed:
    status: str  # "landed" | "unchanged" | "refused"
    source: str  # "ice_287g" | "ice_detention" ('' when refused before the source is known)
    file: str    # the archive name written (or that already holds those bytes), "" when refused
    reason: str  # one line: why refused / which file already has these bytes / "revised under the same name"


class _Refused(Exception):
    def __init__(self, reason: str, source: str = ""):
        super().__init__(reason)
        self.source = source


def _holder(sha256: str, raw: Path) -> tuple[str, str] | None:
    """(source, file) of the archive file with these bytes, by the manifests' sha256."""
    for folder in sources.source_folders(raw):
        if not (folder / sources.MANIFEST).exists():
            continue
        for row in sources.read_manifest(folder):
            if row["sha256"].strip().lower() == sha256:
                return folder.name, row["file"]
    return None


def _id(kind: str, file: str) -> str:
    """The list id the history gives a list file ('' for a detention workbook): two files may not share one."""
    from . import lists

    list_kind = "participating" if kind == "capture" else kind
    return lists.list_id(list_kind, lists.file_date(file)) if list_kind in ("participating", "pending") else ""


def _taken(folder: Path, kind: str) -> tuple[set[str], dict[str, str]]:
    """The names a source folder lists, and what a new file of ``kind`` may not share with them: a list's
    id, or a detention workbook's data-pull date (each mapped to the file that has it)."""
    from . import lists

    rows = sources.read_manifest(folder) if (folder / sources.MANIFEST).exists() else []
    taken: dict[str, str] = {}
    for r in rows:
        if kind == "detention" and r["kind"] == WORKBOOK_KIND:
            taken[r["as_of_date"]] = r["file"]
        elif kind != "detention" and lists.MANIFEST_LIST_KINDS.get(r["kind"]) and r["file"].endswith(LANDABLE_SUFFIXES):
            taken[_id(lists.MANIFEST_LIST_KINDS[r["kind"]], r["file"])] = r["file"]
    return {r["file"] for r in rows}, taken


def _parse(path: Path, kind: str) -> tuple[str, dict]:
    """(kind, facts) once the file parses as ``kind`` ('' lets the contents decide) with the project's readers."""
    from . import detention, lists

    def said(exc: Exception) -> str:  # the readers name the temporary copy; the caller knows the file by its name
        return str(exc).replace(f"{path.parent.as_posix()}/", "")

    if kind == "capture":
        try:
            parsed = lists.parse_file(path, kind="participating")
        except Exception as exc:
            raise _Refused(f"does not parse as a captured 287(g) page: {said(exc)}", "ice_287g") from None
        if parsed.rows.empty:
            raise _Refused("a captured 287(g) page with no agreement in it", "ice_287g")
        return kind, {"rows": len(parsed.rows)}
    if kind in ("participating", "pending", ""):
        try:
            parsed = lists.parse_file(path, kind=kind or None)
        except Exception as exc:  # every reader failure refuses the file; none may stop an update
            if kind:
                raise _Refused(f"does not parse as a {kind} list: {said(exc)}", "ice_287g") from None
            list_error = said(exc)
        else:
            found = parsed.lists[0]["list_kind"]
            if found == "participating" and parsed.rows.empty:
                raise _Refused("a participating list with no agreement in it", "ice_287g")
            return found, {"rows": len(parsed.rows)}
    try:
        _, facts = detention.read_facilities(path)
        detention.read_detained(path, facts["fiscal_year"])
    except Exception as exc:
        if kind:
            raise _Refused(f"does not parse as a detention workbook: {said(exc)}", "ice_detention") from None
        raise _Refused(f"parses neither as a 287(g) list ({list_error}) "
                       f"nor as a detention workbook ({said(exc)})") from None
    return "detention", facts


def _iso_day(text: str, what: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise _Refused(f"{what} {text!r} is not a date YYYY-MM-DD") from None


def land(data: bytes, ice_name: str, url: str, *, retrieved: str, raw: Path | None = None,
         expected_sha256: str | None = None, as_of_date: str | None = None, seen_at: str | None = None,
         via: str = "ice287g update") -> Landed:
    """Check ``data`` (a file ICE calls ``ice_name``, fetched from ``url`` at ``retrieved``, an ISO UTC
    timestamp) and land it in ``raw`` (default data/raw), or say why not.

    ``as_of_date`` overrides the date the name (or a detention workbook's data-pull line) gives;
    ``seen_at`` is when ICE served the file if not at ``retrieved`` (a Wayback capture's time), which
    settles a January name's year; ``via`` names the command in the manifest notes."""
    raw = Path(raw) if raw is not None else paths.raw_dir()
    try:
        return _land(bytes(data), ice_name, url, retrieved=retrieved, raw=raw, expected_sha256=expected_sha256,
                     as_of_date=as_of_date, seen_at=seen_at, via=via)
    except _Refused as exc:
        return Landed("refused", exc.source, "", f"{ice_name}: {exc}".replace("\n", " "))


def _land(data: bytes, ice_name: str, url: str, *, retrieved: str, raw: Path, expected_sha256: str | None,
          as_of_date: str | None, seen_at: str | None, via: str) -> Landed:
    unsafe = sources.raw_name_problem(ice_name, raw)
    if unsafe:
        raise _Refused(f"file name refused: {unsafe}")
    if not ice_name.lower().endswith(LANDABLE_SUFFIXES):
        raise _Refused(f"not a name that lands (only {', '.join(LANDABLE_SUFFIXES)} files land)")
    capture = ice_name.lower().endswith(CAPTURE_SUFFIX)
    if url and not urlsplit(url).scheme:
        raise _Refused(f"URL {url!r} is not absolute")
    sha = hashlib.sha256(data).hexdigest()
    if expected_sha256 and sha != expected_sha256.strip().lower():
        raise _Refused(f"sha256 {sha} differs from the expected {expected_sha256.strip().lower()}")
    held = _holder(sha, raw)
    if held:
        return Landed("unchanged", held[0], held[1], f"these bytes are already data/raw/{held[0]}/{held[1]}")
    problem = "" if capture else sources.workbook_problem(data)
    if problem:
        raise _Refused(problem)
    info = icenames.ice_name_info(ice_name, seen_at or retrieved)
    if capture:
        info = dataclasses.replace(info, kind="capture")
    if info.kind == "html_table":
        raise _Refused("a third party's xlsx copy of the web table, not an ICE workbook")
    given = _iso_day(as_of_date, "as_of_date") if as_of_date else ""
    dated = given or info.date
    if info.kind in ("participating", "pending", "capture") and not dated:
        raise _Refused(f"no list date: {info.problem}; pass as_of_date", info.source)
    with tempfile.TemporaryDirectory(prefix="ice287g-land-") as tmp:
        # the readers see the name the archive will give the file (a detention workbook's date is inside it)
        path = Path(tmp) / (f"{dated}_{ice_name}" if dated and info.kind != "detention" else ice_name)
        path.write_bytes(data)
        kind, facts = _parse(path, info.kind)
    source = SOURCE_OF_KIND[kind]
    if kind == "detention" and not given:
        if not facts.get("iids_date"):
            raise _Refused("no data-pull (IIDS) date on the Facilities sheet; pass as_of_date", source)
        as_of = facts["iids_date"]
    else:
        as_of = dated
    folder = raw / source
    listed, ids = _taken(folder, kind)
    name, revision, clash = f"{as_of}_{ice_name}", 1, ""
    while name in listed or (folder / name).exists() or (folder / name).is_symlink() or _id(kind, name) in ids:
        clash = clash or (f"revised under the same name: {name} holds other bytes"
                          if name in listed or (folder / name).exists() else
                          f"kept as a revision: {ids[_id(kind, name)]} is another list of that kind, date and "
                          "time of day")
        revision += 1
        name = f"{as_of}_{icenames.revision_name(ice_name, revision)}"
    target = sources.safe_raw_name(name, folder, f"data/raw/{source}")
    notes = f"retrieved {retrieved} by {via}"
    if kind != "detention" and not as_of_date:
        notes += f"; date from the file name ({info.rule})"
    elif as_of_date:
        notes += "; as_of_date given by hand"
    else:
        notes += "; as_of_date = IIDS data-pull date printed on the Facilities sheet"
    row = {"file": name, "sha256": sha, "bytes": str(len(data)), "kind": MANIFEST_KINDS[kind], "as_of_date": as_of,
           "source_repo": "", "source_path": "", "source_commit": "", "original_url": url, "notes": notes}
    _write(folder, target, data, row)
    reason = clash or f"new {kind} file dated {as_of}"
    if kind == "detention" and as_of in ids:
        reason += (f"; {ids[as_of]} has the same data-pull date: the build reads one workbook per release, so mark "
                   f"one superseded in data/hand/{SUPERSEDED_FILE}")
    return Landed("landed", source, name, reason)


def _write(folder: Path, target: Path, data: bytes, row: dict[str, str]) -> None:
    """The file first (atomically), then its manifest row; the file goes again if the row cannot be written."""
    from .writers import write_bytes

    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / sources.MANIFEST
    write_bytes(target, data)
    try:
        problems = sources.check_manifest_row(row, 0, folder)
        if problems:
            raise _Refused("; ".join(str(p) for p in problems), folder.name)
        if manifest.exists():
            sources.append_manifest_rows(manifest, [row])
        else:  # a new source folder: header and row in one write
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=sources.MANIFEST_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerow(row)
            write_bytes(manifest, buf.getvalue().encode("utf-8"))
    except BaseException:
        target.unlink(missing_ok=True)
        raise
