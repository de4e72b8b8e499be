"""The raw archive: manifests, checksum verification, importing new files from a mirror, inventory.

``data/raw/<source>/MANIFEST.csv`` lists every raw file with its sha256 and size. Raw files are
never edited; they are only verified, read, and (by ``import_raw``) added.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths

MANIFEST = "MANIFEST.csv"
README = "README.md"
MANIFEST_COLUMNS = [
    "file", "sha256", "bytes", "kind", "as_of_date", "source_repo",
    "source_path", "source_commit", "original_url", "notes",
]
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
DOC_FILES = {MANIFEST, README}


class RawDataError(Exception):
    """The raw archive does not match its manifests."""


@dataclass(frozen=True)
class Problem:
    source: str
    file: str
    issue: str
    expected: str = ""
    actual: str = ""

    def __str__(self) -> str:
        where = f"data/raw/{self.source}/{self.file}" if self.file else f"data/raw/{self.source}"
        detail = f" (expected {self.expected}, actual {self.actual})" if self.expected or self.actual else ""
        return f"{where}: {self.issue}{detail}"


def sha256_file(path: Path | str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(folder: Path) -> list[dict[str, str]]:
    """Rows of ``folder/MANIFEST.csv``; a missing column or malformed row stops with the row named."""
    path = folder / MANIFEST
    if not path.exists():
        raise RawDataError(f"{paths.relative(path)}: manifest missing")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("file", "sha256", "bytes") if c not in (reader.fieldnames or [])]
        if missing:
            raise RawDataError(f"{paths.relative(path)}: header lacks column(s) {missing}")
        rows = list(reader)
    for lineno, row in enumerate(rows, start=2):
        if not row.get("file"):
            raise RawDataError(f"{paths.relative(path)} row {lineno}: empty 'file'")
    return rows


def source_folders(raw: Path | None = None) -> list[Path]:
    raw = raw or paths.raw_dir()
    return sorted(p for p in raw.iterdir() if p.is_dir())


def verify_raw(raw: Path | None = None) -> list[Problem]:
    """Every problem in the archive: size or hash mismatch, missing file, unlisted file, bad hash."""
    raw = raw or paths.raw_dir()
    problems: list[Problem] = []
    if not raw.is_dir():
        return [Problem("", "", "raw data folder missing")]
    for stray in sorted(p for p in raw.iterdir() if p.is_file()):
        problems.append(Problem(stray.name, "", "unlisted file outside any source folder"))
    for folder in source_folders(raw):
        source = folder.name
        try:
            rows = read_manifest(folder)
        except RawDataError as exc:
            problems.append(Problem(source, MANIFEST, str(exc)))
            continue
        listed: set[str] = set()
        for lineno, row in enumerate(rows, start=2):
            name, want_sha, want_bytes = row["file"], row["sha256"].strip().lower(), row["bytes"].strip()
            if name in listed:
                problems.append(Problem(source, name, f"listed twice in {MANIFEST} (row {lineno})"))
            listed.add(name)
            if not SHA256_RE.match(want_sha):
                problems.append(Problem(source, name, f"malformed sha256 in {MANIFEST} row {lineno}",
                                        "64 hex digits", row["sha256"]))
                continue
            path = folder / name
            if not path.is_file():
                problems.append(Problem(source, name, f"missing (listed in {MANIFEST} row {lineno})"))
                continue
            size = path.stat().st_size
            if want_bytes and want_bytes.isdigit() and int(want_bytes) != size:
                problems.append(Problem(source, name, "size mismatch", f"{want_bytes} bytes", f"{size} bytes"))
            actual = sha256_file(path)
            if actual != want_sha:
                problems.append(Problem(source, name, "sha256 mismatch", want_sha, actual))
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            if path.is_file() and rel not in listed and rel not in DOC_FILES:
                problems.append(Problem(source, rel, f"unlisted file (not in {MANIFEST})"))
    return problems


def check_raw(raw: Path | None = None) -> int:
    """Raise RawDataError naming every problem; return the number of verified files."""
    problems = verify_raw(raw)
    if problems:
        lines = "\n  ".join(str(p) for p in problems)
        raise RawDataError(f"raw data verification failed ({len(problems)} problem(s)):\n  {lines}")
    return sum(len(read_manifest(f)) for f in source_folders(raw))


# ---------------------------------------------------------------------------------------------
# Importing files that are new in a mirror (such as ../shared/data/raw)


@dataclass(frozen=True)
class ImportResult:
    copied: list[str]
    unchanged: list[str]
    readmes_updated: list[str]


def _mirror_folders(mirror: Path) -> list[Path]:
    if (mirror / MANIFEST).exists():
        return [mirror]
    folders = [p for p in sorted(mirror.iterdir()) if p.is_dir() and (p / MANIFEST).exists()]
    if not folders:
        raise RawDataError(f"{mirror}: no {MANIFEST} in it or in its sub-folders")
    return folders


def _manifest_line_ending(path: Path) -> str:
    return "\r\n" if b"\r\n" in path.read_bytes()[:4096] else "\n"


def import_raw(mirror: Path | str, raw: Path | None = None) -> ImportResult:
    """Copy files listed in a mirror's manifests that ``raw`` lacks, and append their manifest rows.

    A file present on both sides with different bytes is an error (raw files are never overwritten).
    The mirror's own checksums are verified before anything is copied.
    """
    mirror = Path(mirror).resolve()
    raw = raw or paths.raw_dir()
    copied: list[str] = []
    unchanged: list[str] = []
    readmes: list[str] = []
    plans: list[tuple[Path, Path, list[dict[str, str]], list[str]]] = []
    for src_folder in _mirror_folders(mirror):
        dst_folder = raw / src_folder.name
        src_rows = read_manifest(src_folder)
        with open(src_folder / MANIFEST, newline="", encoding="utf-8") as fh:
            fieldnames = csv.DictReader(fh).fieldnames or MANIFEST_COLUMNS
        dst_rows = {r["file"]: r for r in read_manifest(dst_folder)} if (dst_folder / MANIFEST).exists() else {}
        new_rows = []
        for row in src_rows:
            name = row["file"]
            src = src_folder / name
            actual = sha256_file(src)
            if actual != row["sha256"].strip().lower():
                raise RawDataError(
                    f"{src}: mirror file does not match its own manifest "
                    f"(expected {row['sha256']}, actual {actual}); nothing imported")
            dst = dst_folder / name
            if dst.exists() or name in dst_rows:
                have = sha256_file(dst) if dst.exists() else dst_rows[name]["sha256"]
                if have != actual:
                    raise RawDataError(
                        f"data/raw/{dst_folder.name}/{name}: a different file of the same name is in the mirror "
                        f"(local {have}, mirror {actual}); raw files are never overwritten; nothing imported")
                unchanged.append(f"{dst_folder.name}/{name}")
                continue
            new_rows.append(row)
        plans.append((src_folder, dst_folder, new_rows, list(fieldnames)))
    for src_folder, dst_folder, new_rows, fieldnames in plans:
        dst_folder.mkdir(parents=True, exist_ok=True)
        manifest = dst_folder / MANIFEST
        if new_rows:
            for row in new_rows:
                target = dst_folder / row["file"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src_folder / row["file"], target)
                copied.append(f"{dst_folder.name}/{row['file']}")
            if manifest.exists():
                ending = _manifest_line_ending(manifest)
                buf = io.StringIO()
                existing_cols = next(csv.reader(open(manifest, newline="", encoding="utf-8")))
                writer = csv.DictWriter(buf, fieldnames=existing_cols, lineterminator=ending, extrasaction="ignore")
                writer.writerows(new_rows)
                text = manifest.read_bytes()
                if not text.endswith(ending.encode()):
                    text += ending.encode()
                manifest.write_bytes(text + buf.getvalue().encode("utf-8"))
            else:
                shutil.copyfile(src_folder / MANIFEST, manifest)
        src_readme, dst_readme = src_folder / README, dst_folder / README
        if src_readme.exists() and (not dst_readme.exists() or dst_readme.read_bytes() != src_readme.read_bytes()):
            shutil.copyfile(src_readme, dst_readme)
            readmes.append(f"{dst_folder.name}/{README}")
    return ImportResult(copied, unchanged, readmes)


# ---------------------------------------------------------------------------------------------
# Inventory


@lru_cache(maxsize=None)
def _manifest_frame(folder: str) -> pd.DataFrame:
    rows = read_manifest(Path(folder))
    return pd.DataFrame(rows, dtype=str)


def manifest(source: str) -> pd.DataFrame:
    """One source's manifest as a DataFrame of strings."""
    return _manifest_frame(str(paths.raw_dir() / source)).copy()


def inventory() -> pd.DataFrame:
    """Every raw file: source folder, file, kind, as-of date, size, sha256 and where it came from."""
    frames = []
    for folder in source_folders():
        df = manifest(folder.name)
        df.insert(0, "source", folder.name)
        frames.append(df)
    inv = pd.concat(frames, ignore_index=True)
    inv["bytes"] = inv["bytes"].astype("int64")
    keep = ["source", "file", "kind", "as_of_date", "bytes", "sha256", "source_repo", "original_url"]
    return inv[keep].sort_values(["source", "file"], kind="mergesort").reset_index(drop=True)


def raw_path(source: str, file: str) -> Path:
    return paths.raw_dir() / source / file


def raw_sha256(path: Path | str) -> str:
    """sha256 of a raw file as its manifest records it (hashing only files the manifest lacks)."""
    path = Path(path).resolve()
    folder = path.parent
    if (folder / MANIFEST).exists() and path.name != MANIFEST:
        df = _manifest_frame(str(folder))
        hit = df.loc[df["file"] == path.name, "sha256"]
        if len(hit):
            return str(hit.iloc[0])
    return sha256_file(path)


# ---------------------------------------------------------------------------------------------
# Coverage: which dates each kind of source speaks for. Stacked files are opened so that every
# list they hold counts, not just the file's own date.

# (series label, source group, counts as an ICE list of participating agreements)
SERIES_BY_KIND = {
    "ice_287g_participating_xlsx": ("ICE participating workbook", "ICE 287(g) lists", True),
    "ice_287g_pending_xlsx": ("ICE pending workbook", "ICE 287(g) lists", False),
    "ice_287g_html_table_xlsx": ("ice.gov 287(g) web table", "ICE 287(g) lists", True),
    "wapo_287g_curated_derived_xlsx": ("Washington Post sheriff flags", "Secondary sources", False),
    "ice_detentionStats_workbook_xlsx": ("ICE detention workbooks", "Detention", False),
    "derived_stacked_facilities_parquet": ("Detention facilities (stacked)", "Detention", False),
    "facility_county_crosswalk_csv": ("Facility crosswalks", "Detention", False),
    "facility_geocode_crosswalk_csv": ("Facility crosswalks", "Detention", False),
    "trac_detained_population_json": ("TRAC Quick Facts", "Detention", False),
    "trac_bookins_json": ("TRAC Quick Facts", "Detention", False),
    "trac_facilities_adp_json": ("TRAC Quick Facts", "Detention", False),
    "trac_atd_json": ("TRAC Quick Facts", "Detention", False),
}
# Stacked ICE-list CSVs are told apart by their columns, not their names.
STACKED_LAYOUTS = (
    ("capture_date", "ICE fact-sheet roster (stacked)"),
    ("as_of", "ICE partners page (stacked)"),
    ("date", "ICE sheets (stacked by a third party)"),
)
GEOGRAPHY_SERIES = ("Census geography (vintage)", "Geography", False)


def _stacked_csv_dates(path: Path) -> tuple[str, list[str]]:
    head = pd.read_csv(path, nrows=0)
    for column, label in STACKED_LAYOUTS:
        if column in head.columns:
            values = pd.read_csv(path, usecols=[column], dtype=str)[column].dropna()
            dates = sorted({v.strip()[:10] for v in values})
            return label, dates
    raise RawDataError(f"{paths.relative(path)}: stacked CSV with no known date column "
                       f"(looked for {[c for c, _ in STACKED_LAYOUTS]}; has {list(head.columns)})")


def _year_flag_spans(path: Path) -> list[tuple[str, str]]:
    head = pd.read_excel(path, engine="calamine", nrows=0)
    years = sorted(int(c[1:]) for c in head.columns if re.fullmatch(r"y\d{4}", str(c)))
    return [(f"{y}-01-01", f"{y}-12-31") for y in years]


def _json_snapshot_dates(path: Path) -> list[str]:
    import json

    rows = json.loads(path.read_text())
    dates = set()
    for row in rows if isinstance(rows, list) else []:
        for key in ("date", "download_date"):
            value = row.get(key) if isinstance(row, dict) else None
            if value and re.fullmatch(r"\d\d/\d\d/\d{4}", str(value).strip()):
                m, d, y = str(value).strip().split("/")
                dates.add(f"{y}-{m}-{d}")
    return sorted(dates)


def coverage() -> pd.DataFrame:
    """One row per (series, date span, file): what period each raw file can speak for.

    Columns: group, series, ice_list (counts toward the agreement history), start, end, file.
    """
    rows = []
    inv = inventory()
    for rec in inv.itertuples(index=False):
        path = raw_path(rec.source, rec.file)
        if rec.source == "census":
            series, group, ice_list = GEOGRAPHY_SERIES
            spans = [(rec.as_of_date, rec.as_of_date)]
        elif rec.kind == "ice_287g_derived_csv":
            series, dates = _stacked_csv_dates(path)
            group, ice_list = "ICE 287(g) lists", True
            spans = [(d, d) for d in dates]
        elif rec.kind == "wapo_287g_curated_derived_xlsx":
            series, group, ice_list = SERIES_BY_KIND[rec.kind]
            spans = _year_flag_spans(path)
        else:
            series, group, ice_list = SERIES_BY_KIND.get(rec.kind, (rec.kind, "Other", False))
            dates = _json_snapshot_dates(path) if path.suffix == ".json" else []
            spans = [(d, d) for d in dates] or [(rec.as_of_date, rec.as_of_date)]
        for start, end in spans:
            rows.append({"group": group, "series": series, "ice_list": ice_list,
                         "start": start, "end": end, "file": f"{rec.source}/{rec.file}"})
    out = pd.DataFrame(rows)
    return out.drop_duplicates().sort_values(["group", "series", "start", "file"], kind="mergesort").reset_index(drop=True)


def list_gaps(cov: pd.DataFrame, min_days: int) -> pd.DataFrame:
    """Stretches longer than ``min_days`` with no ICE list of participating agreements at all."""
    dates = pd.to_datetime(cov.loc[cov["ice_list"], "start"]).drop_duplicates().sort_values().reset_index(drop=True)
    gaps = pd.DataFrame({"last_list_before": dates.shift(1), "first_list_after": dates})
    gaps["days"] = (gaps["first_list_after"] - gaps["last_list_before"]).dt.days
    gaps = gaps[gaps["days"] > min_days].reset_index(drop=True)
    gaps["days"] = gaps["days"].astype("int64")
    for col in ("last_list_before", "first_list_after"):
        gaps[col] = gaps[col].dt.strftime("%Y-%m-%d")
    return gaps


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


def sync_claims(mirror: Path | str) -> str:
    """Copy ``claims/news_claims.csv`` from beside a mirror's ``data/raw`` into ``data/hand/`` when it differs."""
    mirror = Path(mirror).resolve()
    for base in (mirror, *mirror.parents[:3]):
        src = base / "claims" / "news_claims.csv"
        if src.exists():
            dst = paths.hand_dir() / "news_claims.csv"
            if dst.exists() and dst.read_bytes() == src.read_bytes():
                return ""
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            return "updated data/hand/news_claims.csv from the mirror's claims/news_claims.csv"
    return ""
