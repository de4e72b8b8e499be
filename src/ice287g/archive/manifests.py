"""The raw archive: manifests, checksum verification, importing new files from a mirror, inventory.

``data/raw/<source>/MANIFEST.csv`` lists every raw file with its sha256 and size. Raw files are
never edited; they are only verified, read, and (by ``import_raw``) added. Every name that becomes a
path under ``data/raw`` (a manifest row, a mirror's folder, a downloaded file) goes through
``safe_raw_name``; every manifest row, here or in a mirror, through ``check_manifest_row``.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from . import xlsxlimits
from ..core import paths
from ..core.messages import printable
from ..core.files import write_bytes, write_text

MANIFEST = "MANIFEST.csv"
README = "README.md"
MANIFEST_COLUMNS = [
    "file", "sha256", "bytes", "kind", "as_of_date", "source_repo",
    "source_path", "source_commit", "original_url", "notes", "final_url", "status",
]
# ``status`` of a genuine workbook that landed without parsing as its kind (``ice287g.landing``); empty otherwise.
QUARANTINED = "quarantined"
REQUIRED_COLUMNS = ["file", "sha256", "bytes", "kind", "as_of_date"]
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DOC_FILES = {MANIFEST, README}
# held by ice287g.lock while a run lands files; not a raw file, never tracked
LOCK_NAME = ".landing.lock"
# A raw file name's length in UTF-8 bytes (what a file system counts), well under a file system's own limit:
# a longer name is refused in one line, never an OSError.
MAX_NAME_BYTES = 150
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")
VERIFIED_CACHE = Path(".build") / "raw_verified.json"
# The sha256 of every workbook found within xlsxlimits' limits: a build that parses every file again (after a
# code change) hashes each workbook instead of scanning its zip again. Only passes are kept.
WITHIN_LIMITS_CACHE = Path(".build") / "workbooks_within_limits.json"
_PASSED: dict[str, set[str]] = {}  # the cache as read by this process, per project root (a test's has its own)
# A file changed within this long of its last hashing may share its size and mtime with the old bytes
# (coarse file-system clocks), so its cached hash is not trusted (git's "racily clean" rule).
RACY_NS = 2_000_000_000


class RawDataError(Exception):
    """The raw archive does not match its manifests, or a name or file would break it."""


class RawHandTableError(RawDataError, ValueError):
    """A hand table the raw archive depends on (raw_as_of_dates.csv) that cannot be read as it stands:
    a raw-data error for the command line, a ValueError as every hand table's error is."""


@dataclass(frozen=True)
class Problem:
    source: str
    file: str
    issue: str
    expected: str = ""
    actual: str = ""
    base: str = "data/raw"  # where the source folder lives (a mirror's path when checking a mirror)

    def __str__(self) -> str:
        where = f"{self.base}/{self.source}/{self.file}" if self.file else f"{self.base}/{self.source}"
        detail = f" (expected {self.expected}, actual {self.actual})" if self.expected or self.actual else ""
        return f"{where}: {self.issue}{detail}"


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def path_label(path: Path) -> str:
    return paths.relative(path) if Path(path).is_absolute() else Path(path).as_posix()


# ---------------------------------------------------------------------------------------------
# Names and files


def folder_check(folder: Path | str) -> tuple[Path, str]:
    """(``folder`` resolved, why no name in it may be a raw file: '' unless the folder is a symlink out of
    its parent). A caller checking many names of one folder works it out once and passes it on."""
    folder = Path(folder)
    base = folder.resolve()
    if base.parent != folder.absolute().parent.resolve():
        return base, f"its folder {folder.name} is a symlink to {base}, outside {folder.parent}"
    return base, ""


def raw_name_problem(name: str, folder: Path, checked: tuple[Path, str] | None = None) -> str:
    """Why ``name`` may not be a raw file of ``folder`` ('' when it may).

    A raw file is a plain name directly inside its source folder: no separator, no ``..``, not hidden
    (``.*`` names are hidden, and ``.*.tmp-*`` ones are gitignored), not the folder's MANIFEST.csv or
    README.md, and it resolves (symlinks followed) to a path directly inside the folder, itself resolved
    inside its parent. ``checked`` is ``folder_check(folder)`` when the caller already has it."""
    if not name:
        return "empty file name"
    length = len(name.encode("utf-8", "surrogatepass"))
    if length > MAX_NAME_BYTES:
        return f"file name of {length} bytes, longer than the limit of {MAX_NAME_BYTES}"
    if "\x00" in name:
        return "file name contains a NUL byte"
    if "/" in name or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return "not a plain file name (a path separator or drive); raw files sit directly in their source folder"
    if ".." in name:
        return "file name contains '..'"
    if name.startswith("."):
        return "hidden file name (starts with '.')"
    if name.strip() != name or any(ord(c) < 32 for c in name):
        return "file name has leading/trailing blanks or control characters"
    if name in DOC_FILES:
        return f"{name} is the folder's own documentation, not a raw file"
    folder = Path(folder)
    base, outside = checked or folder_check(folder)
    if outside:
        return outside
    target = (folder / name).resolve()
    if target.parent != base:
        return f"resolves to {target}, outside {path_label(folder)}"
    return ""


def safe_raw_name(name: str, folder: Path | str, where: str = "", checked: tuple[Path, str] | None = None) -> Path:
    """``folder / name`` once ``name`` is known to be a plain raw-file name that stays inside ``folder``.

    Used for every name that becomes a path under a raw folder: manifest rows, mirror rows and folders,
    downloads. ``where`` names the origin (e.g. ``data/raw/trac/MANIFEST.csv row 3``); ``checked`` is
    ``folder_check(folder)`` when the caller already has it."""
    folder = Path(folder)
    problem = raw_name_problem(name, folder, checked)
    if problem:
        raise RawDataError(f"{where or path_label(folder)}: file {name!r} refused: {problem}")
    return folder / name


def workbook_problem(data: bytes | Path | str, *, limits: bool = True) -> str:
    """Why ``data`` (a file's bytes, or its path) is not an Excel workbook a reader may open ('' when it is one).

    Sniffs the first bytes: an xlsx is a zip holding ``[Content_Types].xml``; an old xls is an OLE
    compound file. Text, an HTML page (a download that got an error page) and a truncated zip are named.
    With ``limits`` an xlsx must also keep ``xlsxlimits``' limits (parts, sizes, ratio, sheet ranges), which
    reads the whole zip as a stream; ``verify-raw`` sniffs only, as it opens no workbook."""
    if isinstance(data, (bytes, bytearray)):
        head, archive = bytes(data[:1024]), io.BytesIO(data)
    else:
        with open(data, "rb") as fh:
            head = fh.read(1024)
        archive = data
    if not head:
        return "empty file, not a workbook"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(archive) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, EOFError, ValueError):
            return "not a readable xlsx: truncated or damaged workbook (an incomplete zip archive)"
        if "[Content_Types].xml" not in names:
            return "a zip archive, but not an Excel workbook (no [Content_Types].xml)"
        return xlsxlimits.zip_problem(data) if limits else ""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html", b"<head", b"<body")):
        return "this is an HTML page, not a workbook"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return f"not a workbook (unknown format, first bytes {head[:8].hex(' ')})"
    return "this is text, not a workbook"


def check_workbook(path: Path | str, error: type[Exception] = RawDataError, where: str = "") -> Path:
    """Raise ``error`` naming ``path`` (or ``where``) unless it is an Excel workbook within ``xlsxlimits``'
    limits; every reader calls it before opening one (a workbook past them can abort the process).

    A reader passes its own error class and location format, so its callers' handling stays as it is. A
    workbook whose bytes passed before (``WITHIN_LIMITS_CACHE``, by sha256) is only sniffed."""
    sha = sha256_file(path)
    passed = _within_limits()
    problem = workbook_problem(path, limits=sha not in passed)
    if problem:
        raise error(f"{where or path_label(Path(path))}: {problem}")
    if sha not in passed:
        passed.add(sha)

        try:
            write_text(paths.project_root() / WITHIN_LIMITS_CACHE, json.dumps(sorted(passed), indent=0) + "\n")
        except OSError:
            pass  # a read-only checkout checks again next time
    return Path(path)


def _within_limits() -> set[str]:
    """The sha256 of the workbooks known to keep the limits (this process's, and ``WITHIN_LIMITS_CACHE``'s)."""
    path = paths.project_root() / WITHIN_LIMITS_CACHE
    key = str(path)
    if key not in _PASSED:
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = []
        known = known if isinstance(known, list) else []
        _PASSED[key] = {k for k in known if isinstance(k, str) and SHA256_RE.match(k)}
    return _PASSED[key]



# ---------------------------------------------------------------------------------------------
# Manifests


def parse_manifest(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs of a manifest; any malformation is one line naming file and line."""
    label = path_label(path)
    if not path.exists():
        raise RawDataError(f"{label}: manifest missing")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise RawDataError(f"{label} line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
                           "save the manifest as UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = next(reader, None)
        if not header:
            raise RawDataError(f"{label}: empty manifest (no header)")
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise RawDataError(f"{label}: header lacks column(s) {missing}")
        start = reader.line_num + 1
        for cells in reader:
            if not any(c.strip() for c in cells):
                start = reader.line_num + 1
                continue
            if len(cells) != len(header):
                raise RawDataError(f"{label} line {start}: {len(cells)} fields where the header has {len(header)} "
                                   "(an unbalanced quote or a stray comma?)")
            rows.append((start, dict(zip(header, cells))))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise RawDataError(f"{label} line {start}: malformed CSV ({exc}; an unbalanced quote?)") from None
    return header, rows


def read_manifest(folder: Path) -> list[dict[str, str]]:
    """Rows of ``folder/MANIFEST.csv``; a malformed manifest or an unsafe file name stops with the row named."""
    path = Path(folder) / MANIFEST
    _, rows = parse_manifest(path)
    label, checked = path_label(path), folder_check(folder)
    for lineno, row in rows:
        safe_raw_name(row["file"], folder, f"{label} row {lineno}", checked)
    return [row for _, row in rows]


def check_manifest_row(row: dict[str, str], lineno: int, folder: Path, seen: set[str] | None = None, *,
                       base: str = "data/raw", sha256_of: Callable[[Path], str] = sha256_file,
                       checked: tuple[Path, str] | None = None) -> list[Problem]:
    """Every rule a manifest row breaks, for ``verify-raw`` and ``import-raw`` alike: a safe file name
    listed once, a kind, an as-of date (YYYY-MM-DD), a well-formed sha256, a byte count; the file
    present with that size and sha256, and a workbook when its name says so (sniffed: ``import-raw``
    holds a new file to ``xlsxlimits``' limits too). ``checked`` is ``folder_check(folder)`` when the
    caller already has it."""
    folder = Path(folder)
    name = row.get("file") or ""
    at = f"{MANIFEST} row {lineno}"

    def problem(issue: str, expected: str = "", actual: str = "") -> Problem:
        return Problem(folder.name, name, f"{issue} ({at})" if at not in issue else issue, expected, actual, base)

    unsafe = raw_name_problem(name, folder, checked)
    if unsafe:  # named by its manifest row: the name itself is no place to point at
        return [Problem(folder.name, MANIFEST, f"row {lineno}: file {name!r} refused: {unsafe}", base=base)]
    out = []
    if seen is not None:
        if name in seen:
            out.append(problem(f"listed twice in {MANIFEST} (again in row {lineno})"))
        seen.add(name)
    if not (row.get("kind") or "").strip():
        out.append(problem("empty kind"))
    as_of = (row.get("as_of_date") or "").strip()
    try:
        valid_date = bool(ISO_DATE_RE.match(as_of)) and bool(pd.Timestamp(as_of))
    except ValueError:
        valid_date = False
    if not valid_date:
        out.append(problem("as_of_date is not a date YYYY-MM-DD", "YYYY-MM-DD", repr(as_of)))
    want_sha, want_bytes = (row.get("sha256") or "").strip().lower(), (row.get("bytes") or "").strip()
    sha_ok = bool(SHA256_RE.match(want_sha))
    if not sha_ok:
        out.append(problem(f"malformed sha256 in {at}", "64 hex digits", row.get("sha256") or ""))
    if not want_bytes.isdigit():
        out.append(problem("bytes is not a whole number", "a byte count", repr(want_bytes)))
    path = folder / name
    if not path.is_file():
        return out + [problem(f"missing (listed in {at})")]
    size = path.stat().st_size
    if want_bytes.isdigit() and int(want_bytes) != size:
        out.append(problem("size mismatch", f"{want_bytes} bytes", f"{size} bytes"))
    if sha_ok:
        actual = sha256_of(path)
        if actual != want_sha:
            out.append(problem("sha256 mismatch", want_sha, actual))
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        not_workbook = workbook_problem(path, limits=False)
        if not_workbook:
            out.append(problem(not_workbook))
    return out


def source_folders(raw: Path | None = None) -> list[Path]:
    raw = raw or paths.raw_dir()
    return sorted(p for p in raw.iterdir() if p.is_dir())


def verify_raw(raw: Path | None = None, *, sha256_of: Callable[[Path], str] = sha256_file) -> list[Problem]:
    """Every problem in the archive: a row breaking ``check_manifest_row``, an unlisted file, a bad manifest."""
    raw = raw or paths.raw_dir()
    problems: list[Problem] = []
    if not raw.is_dir():
        return [Problem("", "", "raw data folder missing")]
    for stray in sorted(p for p in raw.iterdir() if not p.is_dir() and p.name != LOCK_NAME):
        problems.append(Problem(stray.name, "", "unlisted file outside any source folder"))
    for folder in source_folders(raw):
        source = folder.name
        unsafe = raw_name_problem(source, raw)
        if unsafe:
            problems.append(Problem(source, "", f"source folder refused: {unsafe}"))
            continue
        try:
            _, rows = parse_manifest(folder / MANIFEST)
        except RawDataError as exc:
            message, label = str(exc), path_label(folder / MANIFEST)
            problems.append(Problem(source, MANIFEST, message.removeprefix(label).lstrip(" :")))
            continue
        listed: set[str] = set()
        checked = folder_check(folder)
        for lineno, row in rows:
            problems += check_manifest_row(row, lineno, folder, listed, sha256_of=sha256_of, checked=checked)
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if (path.is_file() or path.is_symlink()) and rel not in listed and rel not in DOC_FILES:
                problems.append(Problem(source, rel, f"unlisted file (not in {MANIFEST})"))
    return problems


def problems_message(head: str, problems: list) -> str:
    """One line per problem; a name from a manifest or a mirror is shown with its control characters escaped."""
    if len(problems) == 1:
        return f"{head}: {printable(problems[0])}"
    lines = "\n  ".join(printable(p) for p in problems)
    return f"{head} ({len(problems)} problems):\n  {lines}"


def check_raw(raw: Path | None = None) -> int:
    """Raise RawDataError naming every problem; return the number of verified files."""
    problems = verify_raw(raw)
    if problems:
        raise RawDataError(problems_message("raw data verification failed", problems))
    return sum(len(read_manifest(f)) for f in source_folders(raw))


def ensure_verified(raw: Path | None = None) -> int:
    """``check_raw`` for every entry point that reads raw data, made cheap by a cache of each file's
    (size, mtime_ns, sha256) in ``.build/raw_verified.json``: a file whose size and mtime are unchanged
    (and not racily recent) keeps its hash; any other is hashed again. Returns the number of files."""
    raw = raw or paths.raw_dir()
    cache_path = paths.project_root() / VERIFIED_CACHE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    fresh: dict[str, list] = {}

    def sha256_of(path: Path) -> str:
        key = path.relative_to(raw).as_posix()
        st = path.stat()
        hit = cache.get(key)
        if (isinstance(hit, list) and len(hit) == 4 and hit[:2] == [st.st_size, st.st_mtime_ns]
                and st.st_mtime_ns + RACY_NS < hit[3]):
            fresh[key] = hit
            return hit[2]
        digest = sha256_file(path)
        fresh[key] = [st.st_size, st.st_mtime_ns, digest, time.time_ns()]
        return digest

    problems = verify_raw(raw, sha256_of=sha256_of)
    if fresh != cache:
        try:
            write_text(cache_path, json.dumps(fresh, indent=0, sort_keys=True) + "\n")
        except OSError:
            pass  # a read-only checkout still verifies, only more slowly
    if problems:
        raise RawDataError(problems_message(
            "raw data verification failed (raw files are never edited: `git checkout -- data/raw` restores them, "
            "`python -m ice287g verify-raw` lists every problem)", problems))
    return len(fresh)


def _manifest_line_ending(path: Path) -> str:
    return "\r\n" if b"\r\n" in path.read_bytes()[:4096] else "\n"


def append_manifest_rows(manifest: Path, rows: list[dict[str, str]]) -> Path:
    """Append ``rows`` to an existing manifest atomically, in its own columns and line ending.

    A column a row fills that the manifest lacks (``final_url`` or ``status`` in an older manifest, or one a
    mirror's manifest has) widens the header first, every earlier row left empty in it: nothing a row says
    is dropped, and a manifest gains a column only when a row needs it."""
    ending = _manifest_line_ending(manifest)
    existing_cols, old_rows = parse_manifest(manifest)
    order = {c: i for i, c in enumerate(MANIFEST_COLUMNS)}
    wanted = sorted({c for r in rows for c, v in r.items() if c not in existing_cols and (v or "").strip()},
                    key=lambda c: (order.get(c, len(order)), c))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=existing_cols + wanted, lineterminator=ending, extrasaction="ignore")
    data = manifest.read_bytes()
    if wanted:  # the whole manifest again, with the wider header
        writer.writeheader()
        writer.writerows(row for _, row in old_rows)
        writer.writerows(rows)
        bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
        write_bytes(manifest, bom + buf.getvalue().encode("utf-8"))
    else:
        writer.writerows(rows)
        if not data.endswith(ending.encode()):
            data += ending.encode()
        write_bytes(manifest, data + buf.getvalue().encode("utf-8"))
    _manifest_frame.cache_clear()  # the inventory read earlier in this process is stale now
    return manifest



# ---------------------------------------------------------------------------------------------
# Inventory


class _Manifest(NamedTuple):
    frame: pd.DataFrame  # every row, as strings
    sha256: dict[str, str]  # file -> sha256 as recorded (the first row of a file listed twice)


@lru_cache(maxsize=None)
def _manifest_frame(folder: str) -> _Manifest:
    """A manifest read once per process (``cache_clear`` after writing one), with the sha256 of each file at
    hand: a figure's inputs look up many files, and a frame filter per file costs a pandas pass each."""
    rows = read_manifest(Path(folder))
    sha256: dict[str, str] = {}
    for row in rows:
        sha256.setdefault(row["file"], row["sha256"])
    return _Manifest(pd.DataFrame(rows, dtype=str), sha256)


def manifest(source: str) -> pd.DataFrame:
    """One source's manifest as a DataFrame of strings."""
    return _manifest_frame(str(paths.raw_dir() / source)).frame.copy()


def inventory(only: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every raw file (of the source folders named in ``only``, if any): source folder, file, kind, as-of
    date, size, sha256 and where it came from."""
    frames = []
    for folder in source_folders():
        if only and folder.name not in only:
            continue
        df = manifest(folder.name)
        df.insert(0, "source", folder.name)
        frames.append(df)
    inv = pd.concat(frames, ignore_index=True)
    inv["bytes"] = inv["bytes"].astype("int64")
    keep = ["source", "file", "kind", "as_of_date", "bytes", "sha256", "source_repo", "original_url"]
    return inv[keep].sort_values(["source", "file"], kind="mergesort").reset_index(drop=True)


def raw_path(source: str, file: str) -> Path:
    return safe_raw_name(file, safe_raw_name(source, paths.raw_dir()))


def raw_sha256(path: Path | str) -> str:
    """sha256 of a raw file as its manifest records it (hashing only files the manifest lacks)."""
    path = Path(path).resolve()
    folder = path.parent
    if (folder / MANIFEST).exists() and path.name != MANIFEST:
        recorded = _manifest_frame(str(folder)).sha256.get(path.name)
        if recorded is not None:
            return recorded
    return sha256_file(path)


def verification_table(raw: Path | None = None) -> pd.DataFrame:
    """Every manifest row with its verification status (``ok`` or the problem found)."""
    problems = {}
    for p in verify_raw(raw):
        problems.setdefault((p.source, p.file), []).append(str(p))
    inv = inventory()
    inv["status"] = [
        "; ".join(problems.get((s, f), [])) or "ok" for s, f in zip(inv["source"], inv["file"])
    ]
    for (source, file), issues in sorted(problems.items()):
        if not ((inv["source"] == source) & (inv["file"] == file)).any():
            extra = {"source": source, "file": file, "status": "; ".join(issues)}
            inv = pd.concat([inv, pd.DataFrame([extra])], ignore_index=True)
    return inv[["source", "file", "kind", "bytes", "sha256", "status"]]
