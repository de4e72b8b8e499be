"""Landing one downloaded file in the raw archive: check it, name it, write it and its manifest row.

No network here: ``update`` (which fetches) and ``add`` (a file downloaded by hand) hand over the bytes.
A file lands once it is a workbook within ``xlsxlimits``' limits, has the expected sha256 (when one is
known), parses as its kind with the project's own readers and has a date by the rules of ``icenames``
that is not after today. It is written as ``data/raw/<source>/<YYYY-MM-DD>_<ICE file name>``, then its
manifest row; nothing is ever overwritten.

ICE replaces its files in place, so a genuine workbook is never thrown away for failing to parse: one
within the limits that does not parse as its kind (a list whose row lost its state, a header ICE renamed)
lands *quarantined*, with manifest ``status`` ``quarantined`` and the reason in ``notes``, and the build
stops on it (``ice287g.quarantine``) until a hand fix makes it parse or a hand table excludes it. What is
not a genuine workbook (an HTML page, a truncated download, a file past the limits) is refused and not
stored.

A run killed between the file and its row leaves a file the manifest does not list (or a temporary copy):
``recover``, which every landing command runs first under the landing lock, adopts it when its bytes pass
every check a landing makes, or removes it, and says which.
"""
from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..archive import icenames, manifests, xlsxlimits
from ..core import files, paths
from ..detention import detention
from ..ingest import lists
from ..detention.detention import SUPERSEDED_FILE, WORKBOOK_KIND
from ..core.messages import printable

MANIFEST_KINDS = {
    "participating": "ice_287g_participating_xlsx",
    "pending": "ice_287g_pending_xlsx",
    "detention": WORKBOOK_KIND,
    "capture": "ice_287g_html_capture",
}
KIND_OF_MANIFEST = {manifest_kind: kind for kind, manifest_kind in MANIFEST_KINDS.items()}
SOURCE_OF_KIND = {"participating": "ice_287g", "pending": "ice_287g", "detention": "ice_detention",
                  "capture": "ice_287g"}
# The folders landing writes: the only ones whose unlisted files ``recover`` judges.
LANDING_SOURCES = tuple(sorted(set(SOURCE_OF_KIND.values())))
# A saved ice.gov page of the era between the fact sheets and the workbooks, which printed the list as an
# HTML table: named by page and capture time (``287g-YYYYMMDDhhmmss.html``), read by lists.parse_file like
# the web-table workbooks.
CAPTURE_SUFFIX = ".html"
LANDABLE_SUFFIXES = (".xlsx", CAPTURE_SUFFIX)
# The hand tables that take a file out of the build, by source: a list by its id, a workbook by its name.
EXCLUDED_BY = {"ice_287g": lists.DECISIONS_FILE, "ice_detention": f"data/hand/{SUPERSEDED_FILE}"}
# ICE publishes a detention workbook some weeks after its data pull and names it by the publication date: a
# name dated more than this many days after the pull (or before it) disagrees with the data, and the
# data-pull date printed inside decides.
NAME_AFTER_PULL_DAYS = 60
# What ``files.atomic_path`` names the temporary copy of ``<stem><suffix>``: its prefix, mkstemp's letters.
TEMP_RE = re.compile("^" + re.escape(files.TEMP_PREFIX).replace(re.escape("{stem}"), "(?P<stem>.+)")
                     + r"[A-Za-z0-9_]+?(?P<suffix>\.[A-Za-z0-9]+)?$")
Today = Callable[[], dt.date]


@dataclass(frozen=True)
class Landed:
    status: str  # "landed" | "quarantined" | "unchanged" | "refused"
    source: str  # "ice_287g" | "ice_detention" ('' when refused before the source is known)
    file: str    # the archive name written (or that already holds those bytes), "" when refused
    reason: str  # one line: why refused or quarantined / which file already has these bytes / "revised under …"


class _Refused(Exception):
    def __init__(self, reason: str, source: str = ""):
        super().__init__(reason)
        self.source = source


class _Unparsed(_Refused):
    """A genuine workbook of a known kind that does not parse as that kind: quarantined, not refused."""

    def __init__(self, reason: str, kind: str):
        super().__init__(reason, SOURCE_OF_KIND[kind])
        self.kind = kind


@dataclass(frozen=True)
class _Verdict:
    """What the checks found a file to be, before it is named."""
    kind: str
    as_of: str
    notes: tuple[str, ...]
    quarantine: str = ""  # why it lands quarantined ('' when it parses)
    disagrees: str = ""   # a detention workbook whose name disagrees with its data: how

    @property
    def source(self) -> str:
        return SOURCE_OF_KIND[self.kind]


def _holder(sha256: str, raw: Path) -> tuple[str, str] | None:
    """(source, file) of the archive file with these bytes, by the manifests' sha256."""
    for folder in manifests.source_folders(raw):
        if not (folder / manifests.MANIFEST).exists():
            continue
        for row in manifests.read_manifest(folder):
            if row["sha256"].strip().lower() == sha256:
                return folder.name, row["file"]
    return None


def list_id_of(kind: str, file: str) -> str:
    """The list id the history gives a list file ('' for a detention workbook): two files may not share one."""
    list_kind = "participating" if kind == "capture" else kind
    return lists.list_id(list_kind, lists.file_date(file)) if list_kind in ("participating", "pending") else ""


def _taken(folder: Path, kind: str) -> tuple[set[str], dict[str, str]]:
    """The names a source folder lists, and what a new file of ``kind`` may not share with them: a list's
    id, or a detention workbook's data-pull date (each mapped to the file that has it)."""
    rows = manifests.read_manifest(folder) if (folder / manifests.MANIFEST).exists() else []
    taken: dict[str, str] = {}
    for r in rows:
        if kind == "detention" and r["kind"] == WORKBOOK_KIND:
            taken[r["as_of_date"]] = r["file"]
        elif kind != "detention" and lists.MANIFEST_LIST_KINDS.get(r["kind"]) and r["file"].endswith(LANDABLE_SUFFIXES):
            taken[list_id_of(lists.MANIFEST_LIST_KINDS[r["kind"]], r["file"])] = r["file"]
    return {r["file"] for r in rows}, taken


def build_stops(kind: str, file: str) -> str:
    """What a quarantined file waits for, in words: the hand tables that settle it."""
    if kind == "detention":
        return (f"the build stops on it until a fix in data/hand makes it parse or {EXCLUDED_BY['ice_detention']} "
                "lists it")
    return (f"the build stops on it until a fix in data/hand makes it parse or {EXCLUDED_BY['ice_287g']} excludes "
            f"list {list_id_of(kind, file)}")


def _parse(path: Path, kind: str) -> tuple[str, dict]:
    """(kind, facts) once the file parses as ``kind`` ('' lets the contents decide) with the project's readers.

    A file of a known workbook kind that does not parse raises ``_Unparsed`` (it is quarantined); a saved
    page that does not parse, or a file of no known kind that parses as neither, ``_Refused``."""
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
        except Exception as exc:  # every reader failure stops this file; none may stop an update
            if kind:
                raise _Unparsed(f"does not parse as a {kind} list: {said(exc)}", kind) from None
            list_error = said(exc)
        else:
            found = parsed.lists[0]["list_kind"]
            if found == "participating" and parsed.rows.empty:
                raise _Unparsed("a participating list with no agreement in it", found)
            return found, {"rows": len(parsed.rows)}
    try:
        _, facts = detention.read_facilities(path)
        detention.read_detained(path, facts["fiscal_year"])
    except Exception as exc:
        if kind:
            raise _Unparsed(f"does not parse as a detention workbook: {said(exc)}", "detention") from None
        raise _Refused(f"parses neither as a 287(g) list ({list_error}) "
                       f"nor as a detention workbook ({said(exc)})") from None
    return "detention", facts


def parse_problem(path: Path, kind: str) -> str:
    """Why the archive file ``path`` does not parse as ``kind`` (as landing decides it) with today's hand
    tables; '' when it does. The build asks this of every quarantined file."""
    try:
        _parse(Path(path), kind)
    except _Refused as exc:
        return str(exc)
    return ""


def _iso_day(text: str, what: str) -> str:
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise _Refused(f"{what} {text!r} is not a date YYYY-MM-DD") from None


def _not_after_today(day: str, what: str, today: Today) -> None:
    """A file dated after today (by the clock, ICE's day running a day ahead of UTC at most) is refused."""
    now = today()
    if day and dt.date.fromisoformat(day) > now + dt.timedelta(days=icenames.AHEAD_DAYS):
        raise _Refused(f"{what} {day} is after today ({now.isoformat()})")


def _name_disagrees(info: icenames.NameInfo, pulled: str) -> str:
    """How a detention workbook's name disagrees with its data ('' when it agrees): a name date outside
    ``NAME_AFTER_PULL_DAYS`` after the data pull. (The fiscal year in a name is no test: ICE named its
    first FY25 workbook FY24.)"""
    if not info.name_date:
        return ""
    lag = (dt.date.fromisoformat(info.name_date) - dt.date.fromisoformat(pulled)).days
    if -icenames.AHEAD_DAYS <= lag <= NAME_AFTER_PULL_DAYS:
        return ""
    return (f"file name and data disagree: the name reads {info.name_date}, {abs(lag)} days "
            f"{'after' if lag > 0 else 'before'} the data pull (a workbook comes out within {NAME_AFTER_PULL_DAYS} "
            f"days after it); landed under the data-pull (IIDS) date {pulled} printed on the Facilities sheet")


GIVEN_BY_HAND = "as_of_date given by hand"


def _judge(data: bytes, ice_name: str, *, retrieved: str, seen_at: str | None, as_of_date: str | None,
           today: Today, given_how: str = GIVEN_BY_HAND) -> _Verdict:
    """Every check a file's bytes and name must pass to land: a ``_Verdict``, or ``_Refused`` naming why not.
    ``given_how`` says, for the notes, where ``as_of_date`` came from."""
    capture = ice_name.lower().endswith(CAPTURE_SUFFIX)
    problem = "" if capture else manifests.workbook_problem(data)
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
    if info.kind != "detention" or given:  # a workbook lands under its data-pull date: that one is checked
        _not_after_today(dated, "dated", today)
    with tempfile.TemporaryDirectory(prefix="ice287g-land-") as tmp:
        # the readers see the name the archive will give the file (a detention workbook's date is inside it)
        path = Path(tmp) / (f"{dated}_{ice_name}" if dated and info.kind != "detention" else ice_name)
        path.write_bytes(data)
        try:
            kind, facts = _parse(path, info.kind)
        except _Unparsed as exc:
            if not dated:
                raise _Refused(f"{exc}; and no date to file it under (none in the name): pass as_of_date",
                               exc.source) from None
            _not_after_today(dated, "dated", today)
            return _Verdict(exc.kind, dated, (_dated_by(info, given and given_how),), quarantine=str(exc))
    if kind == "detention" and not given:
        if not facts.get("iids_date"):
            raise _Refused("no data-pull (IIDS) date on the Facilities sheet; pass as_of_date", "ice_detention")
        _not_after_today(facts["iids_date"], "its data-pull (IIDS) date", today)
        disagrees = _name_disagrees(info, facts["iids_date"])
        return _Verdict(kind, facts["iids_date"], (disagrees or _dated_by(info, "", pulled=True),),
                        disagrees=disagrees)
    return _Verdict(kind, dated, (_dated_by(info, given and given_how),))


def _dated_by(info: icenames.NameInfo, given: str, *, pulled: bool = False) -> str:
    """How a file's as_of_date was decided, for its manifest notes; ``given`` says how a date given was."""
    if given:
        return given
    if pulled:
        return "as_of_date = IIDS data-pull date printed on the Facilities sheet"
    return f"date from the file name ({info.rule})"


def land(data: bytes, ice_name: str, url: str, *, retrieved: str, raw: Path | None = None,
         expected_sha256: str | None = None, as_of_date: str | None = None, seen_at: str | None = None,
         via: str = "ice287g update", final_url: str = "", today: Today = dt.date.today) -> Landed:
    """Check ``data`` (a file ICE calls ``ice_name``, fetched from ``url`` at ``retrieved``, an ISO UTC
    timestamp, the last redirect ending at ``final_url``) and land it in ``raw`` (default data/raw), or say
    why not.

    ``as_of_date`` overrides the date the name (or a detention workbook's data-pull line) gives;
    ``seen_at`` is when ICE served the file if not at ``retrieved`` (a Wayback capture's time), which
    settles a January name's year; ``via`` names the command in the manifest notes; ``today`` is the
    clock a date may not run past."""
    raw = Path(raw) if raw is not None else paths.raw_dir()
    try:
        return _land(bytes(data), ice_name, url, retrieved=retrieved, raw=raw, expected_sha256=expected_sha256,
                     as_of_date=as_of_date, seen_at=seen_at, via=via, final_url=final_url, today=today)
    except _Refused as exc:
        return Landed("refused", exc.source, "", printable(f"{ice_name}: {exc}"))


def _land(data: bytes, ice_name: str, url: str, *, retrieved: str, raw: Path, expected_sha256: str | None,
          as_of_date: str | None, seen_at: str | None, via: str, final_url: str, today: Today) -> Landed:
    unsafe = manifests.raw_name_problem(ice_name, raw)
    if unsafe:
        raise _Refused(f"file name refused: {unsafe}")
    if not ice_name.lower().endswith(LANDABLE_SUFFIXES):
        raise _Refused(f"not a name that lands (only {', '.join(LANDABLE_SUFFIXES)} files land)")
    for what, address in (("URL", url), ("final URL", final_url)):
        if address and not urlsplit(address).scheme:
            raise _Refused(f"{what} {address!r} is not absolute")
    too_big = xlsxlimits.size_problem(len(data))
    if too_big:
        raise _Refused(too_big)
    sha = hashlib.sha256(data).hexdigest()
    if expected_sha256 and sha != expected_sha256.strip().lower():
        raise _Refused(f"sha256 {sha} differs from the expected {expected_sha256.strip().lower()}")
    held = _holder(sha, raw)
    if held:
        return Landed("unchanged", held[0], held[1], f"these bytes are already data/raw/{held[0]}/{held[1]}")
    verdict = _judge(data, ice_name, retrieved=retrieved, seen_at=seen_at, as_of_date=as_of_date, today=today)
    source, kind, as_of = verdict.source, verdict.kind, verdict.as_of
    folder = raw / source
    listed, ids = _taken(folder, kind)
    if verdict.disagrees and as_of in ids:
        raise _Refused(f"a duplicate of the release of {as_of}, which data/raw/{source}/{ids[as_of]} already holds "
                       f"({verdict.disagrees.partition('; landed under')[0]})", source)
    name, revision, clash = f"{as_of}_{ice_name}", 1, ""
    while (name in listed or (folder / name).exists() or (folder / name).is_symlink()
           or list_id_of(kind, name) in ids):
        clash = clash or (f"revised under the same name: {name} holds other bytes"
                          if name in listed or (folder / name).exists() else
                          f"kept as a revision: {ids[list_id_of(kind, name)]} is another list of that kind, date and "
                          "time of day")
        revision += 1
        name = f"{as_of}_{icenames.revision_name(ice_name, revision)}"
    unsafe = manifests.raw_name_problem(name, folder)
    if unsafe:
        raise _Refused(f"archive name {name!r} refused: {unsafe}", source)
    notes = [f"retrieved {retrieved} by {via}", *verdict.notes]
    if verdict.quarantine:
        notes.append(f"quarantined: {verdict.quarantine}")
    row = _row(name, data, kind, as_of, url, notes, final_url=final_url, quarantine=verdict.quarantine)
    _write(folder, folder / name, data, row)
    if verdict.quarantine:
        return Landed("quarantined", source, name,
                      printable(f"{ice_name}: {verdict.quarantine}; {build_stops(kind, name)}"))
    reason = clash or f"new {kind} file dated {as_of}"
    if verdict.disagrees:
        reason += f"; {verdict.disagrees}"
    if kind == "detention" and as_of in ids:
        reason += (f"; {ids[as_of]} has the same data-pull date: the build reads one workbook per release, so mark "
                   f"one superseded in data/hand/{SUPERSEDED_FILE}")
    return Landed("landed", source, name, printable(reason))


def _row(name: str, data: bytes, kind: str, as_of: str, url: str, notes: list[str], *, final_url: str = "",
         quarantine: str = "") -> dict[str, str]:
    return {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": str(len(data)),
            "kind": MANIFEST_KINDS[kind], "as_of_date": as_of, "source_repo": "", "source_path": "",
            "source_commit": "", "original_url": url, "notes": "; ".join(notes), "final_url": final_url,
            "status": manifests.QUARANTINED if quarantine else ""}


def _write(folder: Path, target: Path, data: bytes, row: dict[str, str]) -> None:
    """The file (atomically), then at once its manifest row; the file goes again if the row cannot be
    written. A kill between the two leaves a file the manifest lacks, which ``recover`` settles."""
    folder.mkdir(parents=True, exist_ok=True)
    files.write_bytes(target, data)
    try:
        _add_row(folder, row)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _add_row(folder: Path, row: dict[str, str]) -> None:
    problems = manifests.check_manifest_row(row, 0, folder)
    if problems:
        raise _Refused("; ".join(str(p) for p in problems), folder.name)
    manifest = folder / manifests.MANIFEST
    if manifest.exists():
        manifests.append_manifest_rows(manifest, [row])
    else:  # a new source folder: header and row in one write
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=manifests.MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
        files.write_bytes(manifest, buf.getvalue().encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Recovery after a run was killed between a file and its manifest row


def _retrieved_at(path: Path) -> str:
    """When a half-landed file was written (its modification time, never later than the clock), as ISO UTC."""
    now = dt.datetime.now(dt.timezone.utc)
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    return min(mtime, now).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _adopt(folder: Path, path: Path, name: str, raw: Path, via: str, today: Today) -> str:
    """Why ``path`` (found in ``folder`` as ``name``, or a temporary copy of it) cannot be adopted; ''
    once it is in place with its manifest row."""
    too_big = xlsxlimits.size_problem(path.stat().st_size)
    if too_big:
        return too_big
    data = path.read_bytes()
    held = _holder(hashlib.sha256(data).hexdigest(), raw)
    if held:
        return f"its bytes are already data/raw/{held[0]}/{held[1]}"
    prefix, ice_name = icenames.split_archive_name(name)
    unsafe = manifests.raw_name_problem(name, folder) or (
        "" if ice_name.lower().endswith(LANDABLE_SUFFIXES) else "not a name that lands")
    if unsafe:
        return unsafe
    retrieved = _retrieved_at(path)
    try:
        verdict = _judge(data, ice_name, retrieved=retrieved, seen_at=None, as_of_date=prefix or None, today=today,
                         given_how="as_of_date from the archive name's date prefix")
    except _Refused as exc:
        return str(exc)
    if verdict.source != folder.name:
        return f"it is a {verdict.kind} file, which lands in data/raw/{verdict.source}"
    _, ids = _taken(folder, verdict.kind)
    lid = list_id_of(verdict.kind, name)
    if lid in ids:  # two files of one list id would break the build (a release's second workbook is only a hint)
        return f"{ids[lid]} is already the list of that kind, date and time of day"
    notes = [f"adopted by {via}: found without its manifest row (a landing stopped before writing it); "
             f"written {retrieved}", *verdict.notes]
    if verdict.quarantine:
        notes.append(f"quarantined: {verdict.quarantine}")
    row = _row(name, data, verdict.kind, verdict.as_of, "", notes, quarantine=verdict.quarantine)
    target = folder / name
    if path != target:
        os.replace(path, target)
    try:
        _add_row(folder, row)
    except _Refused as exc:
        return str(exc)
    return ""


def recover(raw: Path | None = None, *, via: str = "ice287g", today: Today = dt.date.today) -> list[str]:
    """Settle what a killed landing left in ``raw`` (default data/raw), and say what was done, one line each:
    a file of a landing folder that its manifest does not list, or a temporary copy a killed writer left, is
    adopted (its row added) when its bytes pass every check a landing makes, else removed. A temporary copy
    of a file already in place, or of a manifest, is removed. Call it under the landing lock, first."""
    raw = Path(raw) if raw is not None else paths.raw_dir()
    said: list[str] = []
    if not raw.is_dir():
        return said
    for folder in manifests.source_folders(raw):
        if manifests.raw_name_problem(folder.name, raw) or not (folder / manifests.MANIFEST).exists():
            continue  # a folder that links out of data/raw is verify-raw's to name, never recovery's to clean
        listed = {r["file"] for r in manifests.read_manifest(folder)}
        for path in sorted(folder.iterdir()):
            if not (path.is_file() or path.is_symlink()) or path.name in listed or path.name in manifests.DOC_FILES:
                continue
            where = f"data/raw/{folder.name}/{path.name}"
            temp = TEMP_RE.match(path.name)
            if temp:
                name = temp.group("stem") + (temp.group("suffix") or "")
                if name in listed or name in manifests.DOC_FILES or (folder / name).exists():
                    path.unlink()
                    said.append(printable(f"removed {where}: a temporary copy a killed writer left of {name}, "
                                          "which is in place"))
                    continue
            elif folder.name not in LANDING_SOURCES:
                said.append(printable(f"left {where}: not in {manifests.MANIFEST}, and only files of "
                                      f"{', '.join(LANDING_SOURCES)} are landed here (import-raw adopts its own)"))
                continue
            else:
                name = path.name
            landing_writes = folder.name in LANDING_SOURCES and not path.is_symlink()
            why = _adopt(folder, path, name, raw, via, today) if landing_writes else "not a file a landing writes here"
            if why:
                path.unlink(missing_ok=True)
                said.append(printable(f"removed {where}: found without its manifest row, and refused: {why}"))
            else:
                said.append(printable(f"adopted data/raw/{folder.name}/{name}: found without its manifest row"
                                      f"{' (as ' + path.name + ')' if name != path.name else ''}; its bytes pass "
                                      "every check a landing makes, so its row is added"))
    return said
