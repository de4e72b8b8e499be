"""The change report and the freshness check, on the committed processed tables."""
from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest

from ice287g.ingest.lists import series_lists
from ice287g.acquire import freshness
from ice287g.archive import manifests
from ice287g.build import cli
from ice287g.history import agreements, changes, asof


@pytest.fixture(scope="module")
def tables():
    return asof.read_processed("lists.csv"), asof.read_processed("list_counts.csv"), asof.qa_table("renames.csv")


def _total(counts, list_id, model="ALL"):
    c = counts[(counts["list_id"] == list_id) & (counts["state"] == "ALL") & (counts["model"] == model)]
    return int(c["agreements"].iloc[0])


def test_default_pair_is_the_newest_list_and_the_one_before(tables):
    lists, counts, _ = tables
    series = series_lists(lists)
    before, after = changes.list_pair(lists)
    assert (before, after) == tuple(series["list_id"].iloc[-2:])
    assert after == agreements.resolve_list(lists, "newest")
    assert changes.list_pair(lists, "first-2025", "newest")[0] == agreements.resolve_list(lists, "first-2025")
    with pytest.raises(ValueError, match="no list before it"):
        changes.previous_list(lists, series["list_id"].iloc[0])


def test_previous_skips_an_excluded_list(tables):
    lists, _, _ = tables
    series = series_lists(lists)
    doctored = lists.copy()
    doctored.loc[doctored["list_id"] == series["list_id"].iloc[-2], "in_series"] = "False"
    assert changes.previous_list(doctored, series["list_id"].iloc[-1]) == series["list_id"].iloc[-3]


def test_report_on_the_newest_list_agrees_with_list_counts(tables, tmp_path):
    lists, counts, _ = tables
    rep = changes.build()
    after, before = rep.after["list_id"], rep.before["list_id"]
    text = changes.markdown(rep)
    date = rep.after["list_date"]
    assert date == series_lists(lists)["list_date"].iloc[-1]
    net = _total(counts, after) - _total(counts, before)
    headline = text.splitlines()[0]
    assert headline.startswith(f"# 287(g) list of {date}: {net:+,} agreements")
    n = rep.changes["change"].value_counts()
    assert int(n.get("added", 0)) - int(n.get("removed", 0)) == net  # no model switch on this pair changes totals
    for m in ("JEM", "WSO", "TFM"):
        b, a = _total(counts, before, m), _total(counts, after, m)
        assert f"| {m} | {b:,} | {a:,} | {a - b:+,} |".replace("+0 |", "0 |") in text
    assert f"| All models | {_total(counts, before):,} | {_total(counts, after):,} |" in text
    assert changes.markdown(changes.build()) == text  # deterministic
    assert changes.report_path(rep) == changes.paths.project_root() / "reports" / "changes" / f"{date}.md"
    path = changes.write_report(folder=tmp_path)
    assert path == tmp_path / f"{date}.md"
    assert path.read_text(encoding="utf-8") == text


def test_a_rename_shows_as_a_rename_not_an_addition_and_a_removal(tables):
    _, _, renames = tables
    r = renames[renames["agreement_id"].str.startswith("AK-alaska-department-of-corrections:WSO:")].iloc[0]
    rep = changes.build(after=r["new_first_listed"])
    assert rep.before["list_date"] == r["old_last_listed"] and rep.after["list_date"] == r["new_first_listed"]
    assert r["agreement_id"] in set(rep.renames["agreement_id"])
    moved = rep.changes[rep.changes["change"].isin(["added", "removed"])]
    assert not moved["agency"].isin([r["old_agency"], r["new_agency"]]).any()
    text = changes.markdown(rep)
    assert f"| AK | {r['old_agency']} | {r['new_agency']} | WSO | {r['signed']} |" in text
    assert f"{len(rep.renames)} renamed)" in text.splitlines()[0]


def test_markdown_cells_escape_pipes():
    assert changes.md("A | B  Sheriff's\nOffice") == "A \\| B Sheriff's Office"
    df = pd.DataFrame({"agency": ["Bad|Name"]})
    assert "| Bad\\|Name |" in changes.table(df, {"agency": "Agency"})


def test_qa_findings_report_a_failing_check(tables, monkeypatch):
    real = asof.qa_table

    def doctored(name):
        df = real(name)
        if name == "qa_summary.csv":
            df = df.copy()
            df.loc[df.index[0], "status"] = "fail"
        return df

    monkeypatch.setattr(changes.asof, "qa_table", doctored)
    text = changes.markdown(changes.build())
    assert "**1 QA check fail**" in text


def test_cli_has_changes_and_update_check():
    parser = cli.build_parser()
    assert parser.parse_args(["changes", "--as-of", "2025-03-17"]).as_of == "2025-03-17"
    assert parser.parse_args(["update", "--check", "21"]).check == 21


# ---- freshness -------------------------------------------------------------------------------------

def _newest(kind=None, source=None):
    inv = manifests.inventory()
    part = inv[inv["kind"].isin(kind)] if kind else inv[inv["source"] == source]
    return dt.date.fromisoformat(part["as_of_date"].max())


def test_fresh_archive_passes_and_prints_every_source():
    lists_day = _newest(kind=["ice_287g_participating_xlsx", "ice_287g_html_table_xlsx"])
    detention_day = _newest(kind=["ice_detentionStats_workbook_xlsx"])
    today = max(lists_day, detention_day)
    days = (today - min(lists_day, detention_day)).days
    out = io.StringIO()
    assert freshness.check(days, today=today, out=out) == 0
    text = out.getvalue()
    assert "ICE 287(g) participating lists" in text and lists_day.isoformat() in text
    for label in ("pending lists", "detention statistics workbooks", "TRAC", "Census"):
        assert label in text
    assert "check: ok" in text


def test_stale_lists_and_workbooks_fail_and_say_why():
    lists_day = _newest(kind=["ice_287g_participating_xlsx"])
    detention_day = _newest(kind=["ice_detentionStats_workbook_xlsx"])
    today = max(lists_day, detention_day) + dt.timedelta(days=30)
    out = io.StringIO()
    assert freshness.check(21, today=today, out=out) == 1
    text = out.getvalue()
    age = (today - detention_day).days
    assert re.search(rf"{detention_day.isoformat()}\s+{age} days old", text)
    assert "ICE may have stopped publishing its detention statistics" in text
    assert "appropriations act" in text
    assert "check: FAILED (2 checked source(s)" in text


def test_only_the_lists_and_workbooks_gate():
    # the pending lists, TRAC and Census are years old against this date, yet only the gated two count
    lists_day = _newest(kind=["ice_287g_participating_xlsx"])
    detention_day = _newest(kind=["ice_detentionStats_workbook_xlsx"])
    today = max(lists_day, detention_day)
    ages = freshness.source_ages(manifests.inventory(), today, days=(today - min(lists_day, detention_day)).days)
    assert ages.loc[ages["stale"], "source"].tolist() == []
    assert ages.loc[~ages["gates"], "source"].str.contains("pending|TRAC|Census").all()
    empty = manifests.inventory().iloc[:0]
    assert freshness.check(1, today=today, out=io.StringIO(), inventory=empty) == 1


def test_the_chart_alt_text_says_when_nothing_changed_or_nobody_gained():
    import pandas as pd

    from ice287g.history import agreements, changes

    kinds = list(changes.CHANGE_KINDS)
    empty = agreements.changes_by_state(pd.DataFrame({"state": pd.Series(dtype=str), "change": pd.Series(dtype=str)}))
    assert changes.chart_alt_text(empty, "2026-05-18", "2026-05-25") == (
        "No agreement was added, removed or changed between the lists of 2026-05-18 and 2026-05-25.")
    lost = agreements.changes_by_state(pd.DataFrame({"state": ["TX", "FL"], "change": ["removed", "removed"]}))
    assert set(kinds) <= set(lost.columns)
    assert changes.chart_alt_text(lost, "a", "b").endswith("0 agreements added and 2 no longer listed between the "
                                                            "lists of a and b; no state gained.")
    gained = agreements.changes_by_state(pd.DataFrame({"state": ["TX", "TX", "FL"],
                                                       "change": ["added", "added", "removed"]}))
    assert changes.chart_alt_text(gained, "a", "b") == (
        "Horizontal bars for 2 states, sorted by net change: 2 agreements added and 1 no longer listed between "
        "the lists of a and b; TX gained the most.")
