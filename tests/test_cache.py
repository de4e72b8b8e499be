"""The parse cache: a cached read returns exactly what an uncached read returns, and an entry is used
only for the same file bytes and name, reader version, code, fix tables and list kind."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from ice287g.archive import cache, manifests
from ice287g.core import paths
from ice287g.detention import detention
from ice287g.ingest import lists

from .conftest import REAL_RAW, manifest_rows, write_manifest_rows
from .test_webtable import CAPTURE, capture  # noqa: F401  (a saved ice.gov page holding a real web-table list)

ICE = REAL_RAW / "ice_287g"
DET = REAL_RAW / "ice_detention"
# One real file of each era and layout the readers know, with the list kind the manifest gives it.
LIST_FILES = {
    "2025-02-21_participatingAgencies-20250221214937.xlsx": "participating",  # TYPE, no COUNTY yet
    "2025-03-17_participatingAgencies03172025pm.xlsx": "participating",  # first with COUNTY
    "2025-11-18_participatingAgencies11182025am.xlsx": "participating",  # uses rows of three fix tables
    "2026-05-18_participatingAgencies05182026am.xlsx": "participating",
    "2025-08-26_pendingAgencies08262025am.xlsx": "pending",
    "2025-11-10_pendingAgencies11102025am.xlsx": "pending",  # header only: no rows
    "2021-01-13_ParticipatingEntities-20210113002027.xlsx": "participating",  # web-table era
    "2008-03-10_historical-ice-lists.csv": None,  # partners page
    "2017-08-01_pre2018-roster-long.csv": None,  # fact-sheet roster
    "2025-07-03_agreements.csv": None,  # stacked third-party table
}
WORKBOOKS = ["2019-10-07_FY19-detentionstats.xlsx", "2023-09-30_FY23_detentionStats10312023.xlsx"]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """An empty cache of its own, with the cache on whatever the environment says."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(cache, "cache_dir", lambda: folder)
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    cache.stats.clear()
    return folder


@pytest.fixture
def parses(monkeypatch):
    """Count the calls of the parsers under the cache."""
    calls = []
    parse_file, read_facilities = lists.parse_file, detention.read_facilities

    def counted_parse(path, *args, **kwargs):
        calls.append(("lists", lists.Path(path).name))
        return parse_file(path, *args, **kwargs)

    def counted_facilities(path):
        calls.append(("detention", lists.Path(path).name))
        return read_facilities(path)

    monkeypatch.setattr(lists, "parse_file", counted_parse)
    monkeypatch.setattr(detention, "read_facilities", counted_facilities)
    return calls


def _same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert list(a.columns) == list(b.columns)
    assert list(map(str, a.dtypes)) == list(map(str, b.dtypes))
    assert a.index.equals(b.index) and type(a.index) is type(b.index)


def _same_parse(a, b) -> None:
    (pa, ha), (pb, hb) = a, b
    _same_frame(pa.rows, pb.rows)
    assert (pa.lists, pa.skipped, pa.notes, ha) == (pb.lists, pb.skipped, pb.notes, hb)


def _read(path, kind, monkeypatch, *, use_cache: bool):
    """parse_archived with fresh fix tables: the parse and the fix rows it marked used."""
    monkeypatch.setenv(cache.NO_CACHE_ENV, "0" if use_cache else "1")
    rules = lists.Rules.load()
    parsed = lists.parse_archived(path, rules, kind)
    return parsed, [sorted(t.used) for t in rules.tables()]


@pytest.mark.parametrize("name", [*LIST_FILES, CAPTURE])
def test_a_cached_list_is_the_list_an_uncached_read_gives(name, capture, cache_dir, parses, monkeypatch):
    path, kind = (capture, "participating") if name == CAPTURE else (ICE / name, LIST_FILES[name])
    plain, plain_used = _read(path, kind, monkeypatch, use_cache=False)
    cold, cold_used = _read(path, kind, monkeypatch, use_cache=True)
    warm, warm_used = _read(path, kind, monkeypatch, use_cache=True)
    assert [n for _, n in parses] == [path.name, path.name]  # the warm read parsed nothing
    assert cache.stats["lists.hit"] == 1 and cache.stats["lists.miss"] == 1
    _same_parse(plain, cold)
    _same_parse(plain, warm)
    assert plain_used == cold_used == warm_used  # the unused-fix QA sees the same uses from a hit
    if name == "2025-11-18_participatingAgencies11182025am.xlsx":
        assert sum(map(bool, warm_used)) == 3
    if name == "2025-11-10_pendingAgencies11102025am.xlsx":
        assert warm[0].rows.empty and len(warm[0].lists) == 1


@pytest.mark.parametrize("name", WORKBOOKS)
def test_a_cached_workbook_is_the_workbook_an_uncached_read_gives(name, cache_dir, parses, monkeypatch):
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    plain = detention.read_release(DET / name)
    monkeypatch.setenv(cache.NO_CACHE_ENV, "")
    cold, warm = detention.read_release(DET / name), detention.read_release(DET / name)
    assert len(parses) == 2 and cache.stats["detention.hit"] == 1
    for got in (cold, warm):
        _same_frame(plain[0], got[0])
        assert plain[1:] == got[1:]
    assert len(warm[0]) > 0 and warm[1]["fiscal_year"] == int(name.split("FY")[1][:2]) + 2000


def test_a_new_reader_version_misses(cache_dir, parses, monkeypatch):
    path = ICE / "2025-08-26_pendingAgencies08262025am.xlsx"
    rules = lists.Rules.load()
    lists.parse_archived(path, rules, "pending")
    lists.parse_archived(path, rules, "pending")
    (old,) = (cache_dir / "lists").iterdir()
    monkeypatch.setattr(lists, "READER_VERSION", lists.READER_VERSION + 1)
    lists.parse_archived(path, rules, "pending")
    assert len(parses) == 2
    (new,) = (cache_dir / "lists").iterdir()  # the old generation is gone: the cache does not grow
    assert new != old and len(list(new.iterdir())) == 1


def test_changed_bytes_miss_and_the_same_bytes_elsewhere_hit(cache_dir, parses, tmp_path):
    rules = lists.Rules.load()
    name = "2025-08-26_pendingAgencies08262025am.xlsx"
    copy = tmp_path / "elsewhere" / name
    copy.parent.mkdir()
    shutil.copyfile(ICE / name, copy)
    first, _ = lists.parse_archived(copy, rules, "pending")
    lists.parse_archived(ICE / name, rules, "pending")  # same name and bytes in another folder: a hit
    assert len(parses) == 1
    shutil.copyfile(ICE / "2025-09-08_pendingAgencies09082025am.xlsx", copy)  # other bytes, same name
    second, _ = lists.parse_archived(copy, rules, "pending")
    assert len(parses) == 2
    assert len(first.rows) != len(second.rows)


def test_the_same_bytes_under_another_name_miss(cache_dir, parses, tmp_path):
    """A file's name carries its list date, so a renamed copy is parsed under its own name."""
    rules = lists.Rules.load()
    name = "2025-08-26_pendingAgencies08262025am.xlsx"
    renamed = tmp_path / "2025-08-27_pendingAgencies08272025am.xlsx"
    shutil.copyfile(ICE / name, renamed)
    a, _ = lists.parse_archived(ICE / name, rules, "pending")
    b, _ = lists.parse_archived(renamed, rules, "pending")
    assert len(parses) == 2
    assert (a.lists[0]["list_date"], b.lists[0]["list_date"]) == ("2025-08-26", "2025-08-27")


def test_an_edited_fix_table_or_another_kind_misses(cache_dir, parses):
    path = ICE / "2025-11-18_participatingAgencies11182025am.xlsx"
    rules = lists.Rules.load()
    lists.parse_archived(path, rules, "participating")
    lists.parse_archived(path, rules, None)  # the kind read from the headers, not the manifest's
    assert len(parses) == 2
    key = next(iter(rules.agency_types.fixes))
    rules.agency_types.fixes[key] = rules.agency_types.fixes[key] + " (edited)"
    with pytest.raises(lists.ListError, match="unknown agency TYPE"):  # parsed again, with the edit
        lists.parse_archived(path, rules, "participating")
    assert len(parses) == 3


@pytest.mark.parametrize("damage", ["empty", "garbage", "truncated", "another key"])
def test_a_damaged_entry_is_parsed_again(damage, cache_dir, parses, monkeypatch):
    path = ICE / "2025-08-26_pendingAgencies08262025am.xlsx"
    want, _ = _read(path, "pending", monkeypatch, use_cache=True)
    (entry,) = (cache_dir / "lists").glob("*/*")
    data = entry.read_bytes()
    if damage == "another key":  # a sound entry copied over from elsewhere
        cache.store("lists", entry.parent.name, "another-key", "a value")
        data = cache.entry_path("lists", entry.parent.name, "another-key").read_bytes()
    else:
        data = {"empty": b"", "garbage": b"not a pickle at all", "truncated": data[: len(data) // 2]}[damage]
    entry.write_bytes(data)
    got, _ = _read(path, "pending", monkeypatch, use_cache=True)
    assert len(parses) == 2 and cache.stats["lists.discarded"] == 1
    _same_parse(want, got)
    again, _ = _read(path, "pending", monkeypatch, use_cache=True)  # the entry was written afresh
    assert len(parses) == 2
    _same_parse(want, again)


def test_no_cache_reads_and_writes_nothing(cache_dir, parses, monkeypatch):
    path = ICE / "2025-08-26_pendingAgencies08262025am.xlsx"
    _read(path, "pending", monkeypatch, use_cache=False)
    _read(path, "pending", monkeypatch, use_cache=False)
    assert len(parses) == 2 and not cache_dir.exists()


def test_an_unwritable_cache_is_no_cache(tmp_path, parses, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setattr(cache, "cache_dir", lambda: blocker / "cache")
    path = ICE / "2025-08-26_pendingAgencies08262025am.xlsx"
    a, _ = _read(path, "pending", monkeypatch, use_cache=True)
    b, _ = _read(path, "pending", monkeypatch, use_cache=True)
    assert len(parses) == 2
    _same_parse(a, b)


def test_the_code_fingerprint_follows_every_module_the_reader_imports():
    found = cache.code_modules("ice287g.ingest.lists")
    # every module lists imports, by relative import, is followed: webtable, fixtables, text, keys ...
    assert {"ice287g.ingest.lists", "ice287g.ingest.webtable", "ice287g.core.fixtables", "ice287g.core.text",
            "ice287g.core.keys", "ice287g.archive.cache"} <= found
    assert "ice287g.build.reports" not in found
    source = ("from . import hand, paths  # a comment\nfrom .fixtables import (\n    squash,\n    location,\n)\n"
              "def f():\n    from ..ingest.webtable import decode\n    import ice287g.core.vocab\nimport pandas as pd\n")
    assert cache.package_imports("ice287g.core.example", source) == {
        "ice287g.core", "ice287g.core.hand", "ice287g.core.paths", "ice287g.core.fixtables", "ice287g.ingest.webtable",
        "ice287g.core.vocab"}


def test_an_edited_module_changes_the_fingerprint(monkeypatch):
    before = cache.code_fingerprint("ice287g.ingest.lists")
    real = cache.Path.read_text

    def edited(self, *args, **kwargs):
        text = real(self, *args, **kwargs)
        return text + "\n# edited\n" if self.name == "keys.py" else text

    cache.code_fingerprint.cache_clear()
    monkeypatch.setattr(cache.Path, "read_text", edited)
    try:
        assert cache.code_fingerprint("ice287g.ingest.lists") != before
        assert cache.code_fingerprint("ice287g.detention.detention") != before
    finally:
        cache.code_fingerprint.cache_clear()


# ---- adding one list to the archive re-parses exactly that file ----------------------------------

NEW_LIST = "2025-06-13_participatingAgencies06132025am.xlsx"


def test_adding_one_list_parses_only_that_list(archive, parses, monkeypatch):
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    folder = archive / "ice_287g"
    shutil.copyfile(ICE / "2025-06-06_pendingAgencies06062025am.xlsx", folder / "2025-06-06_pendingAgencies06062025am.xlsx")
    fieldnames, rows = manifest_rows(folder)
    real = {r["file"]: r for r in manifest_rows(ICE)[1]}
    rows.append(real["2025-06-06_pendingAgencies06062025am.xlsx"])
    write_manifest_rows(folder, fieldnames, rows)
    manifests._manifest_frame.cache_clear()
    assert cache.cache_dir() == paths.project_root() / ".cache"

    first = lists.read_all()
    assert sorted(n for _, n in parses) == sorted(r["file"] for r in rows)
    parses.clear()
    assert lists.read_all()[1].equals(first[1]) and not parses  # nothing changed: nothing parsed

    newest = "2025-06-06_participatingAgencies06062025am.xlsx"  # the newest list, under a new date
    shutil.copyfile(folder / newest, folder / NEW_LIST)
    rows.append({**real[newest], "file": NEW_LIST, "as_of_date": "2025-06-13"})
    write_manifest_rows(folder, fieldnames, rows)
    manifests._manifest_frame.cache_clear()
    rows_c, lists_c, skipped_c, notes_c = lists.read_all()
    assert parses == [("lists", NEW_LIST)]
    assert "participating-2025-06-13am" in set(lists_c["list_id"])

    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    rows_u, lists_u, skipped_u, notes_u = lists.read_all()
    _same_frame(rows_c, rows_u)
    _same_frame(lists_c, lists_u)
    assert (skipped_c, notes_c) == (skipped_u, notes_u)


def test_the_second_count_of_a_workbook_is_cached(cache_dir, monkeypatch):
    """listqa's openpyxl count of each workbook's agency cells, the other slow read of the raw lists."""
    from ice287g.history import listqa

    calls = []
    count = listqa._workbook_agency_cells
    monkeypatch.setattr(listqa, "_workbook_agency_cells", lambda path: calls.append(path) or count(path))
    meta = pd.DataFrame(lists.parse_file(ICE / "2025-06-06_participatingAgencies06062025am.xlsx").lists)
    monkeypatch.setenv(cache.NO_CACHE_ENV, "1")
    plain = listqa.raw_agency_cells(meta, ICE)
    monkeypatch.setenv(cache.NO_CACHE_ENV, "")
    cold, warm = listqa.raw_agency_cells(meta, ICE), listqa.raw_agency_cells(meta, ICE)
    assert len(calls) == 2 and cache.stats["listqa.hit"] == 1
    _same_frame(plain, cold)
    _same_frame(plain, warm)
    assert warm["agency_cells"].tolist() == [649]  # 2025-06-06: 649 agreements, as test_listqa counts them
