"""The change report (``history.changes``) as HTML: the front page's section, a state report's part, and
the site's page of every list change with their index.

A list change is a participating list of the archive's series against the list just before it
(``changes.series_pairs``). Its page is ``changes/<list_id of the later list>.html``: a list id is unique
where a date is not (ICE posted two lists on some days, am and pm), and it never changes once the list is
archived, so the feeds (``publish.feeds``) can link it for good. ``changes/index.html`` lists every change,
newest first, and every state's feed. The pages are written into the site folder (``make site``) and link
only each other, the feeds and the site's own header.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from ..history.changes import CHANGE_KINDS, ChangeReport, markdown
from ..core.files import write_text
from . import pages
from .pages import markdown_html, table_part

# The site's folder of change pages, and the section of the change report where its detail starts: the
# front page shows what is above it and folds the rest.
CHANGES_DIR = "changes"
INDEX_PAGE = "index.html"
DETAIL_FROM = "## National totals by model"
# From a page in CHANGES_DIR (or the feeds' folder beside it) up to the site's top.
ROOT = "../"

STATE_CHANGE_HEADERS = {"change": "Change", "agency": "Agency", "model_before": "Model before",
                        "model_after": "Model now", "signed_before": "Signed before", "signed_after": "Signed now"}
RENAME_HEADERS = {"old_agency": "Name before", "new_agency": "Name now", "model": "Model", "signed": "Signed"}


@dataclass(frozen=True, eq=False)
class ListChange:
    """One list change: its report and the report's Markdown in three parts, written once for the page,
    the index and the feed entry that show it."""
    report: ChangeReport
    headline: str   # the headline's text, without its ``#``
    summary: str    # the paragraphs under the headline
    detail: str     # the sections from DETAIL_FROM on

    @property
    def list_id(self) -> str:
        return self.report.after["list_id"]

    @property
    def list_date(self) -> str:
        return self.report.after["list_date"]


def describe(rep: ChangeReport) -> ListChange:
    """``rep`` with its Markdown (``changes.markdown``) split into headline, summary and detail."""
    head, sep, rest = markdown(rep).partition(DETAIL_FROM)
    first, _, summary = head.partition("\n")
    return ListChange(rep, first.removeprefix("# ").strip(), summary.strip() + "\n", sep + rest)


def changes_html(rep: ChangeReport) -> Markup:
    """The change report as HTML under the front page's heading: its headline and summary shown, the rest
    (totals, by model, by state, each agreement, QA) folded."""
    head, sep, rest = markdown(rep).partition(DETAIL_FROM)
    return pages.part("change_report", markdown_html(head, shift=2), markdown_html(sep + rest, shift=2) if sep else "")


def summary_html(change: ListChange) -> Markup:
    """The paragraphs under the change report's headline, as HTML (a feed entry's summary)."""
    return markdown_html(change.summary)


def state_changes(rep: ChangeReport, state: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The change report's agreements changed and renamed in ``state`` (none where nothing changed there)."""
    if state in rep.states:
        return rep.states[state][:2]
    return rep.changes.iloc[:0], rep.renames.iloc[:0]


def state_changes_html(rep: ChangeReport, state: str) -> str:
    """A state's part of the change report as HTML: a sentence, then the agreements changed and renamed."""
    ch, renamed = state_changes(rep, state)
    n = Counter(ch["change"].tolist())
    changed = table_part(ch.assign(change=[c.replace("_", " ") for c in ch["change"]]), STATE_CHANGE_HEADERS) if len(ch) else None
    renames = table_part(renamed, RENAME_HEADERS) if len(renamed) else None
    return str(pages.part("state_changes", rep.after["list_date"], rep.before["list_date"],
                          [(k.replace("_", " "), int(n.get(k, 0))) for k in CHANGE_KINDS], len(renamed),
                          changed, renames))


def changed_states(rep: ChangeReport) -> list[str]:
    """The states where anything changed between the two lists (an agreement added, removed, renamed,
    switched model, re-dated or corrected), alphabetical: the states whose feeds carry this change."""
    return sorted(rep.states)


def state_headline(rep: ChangeReport, state: str, state_name: str) -> str:
    """The headline of ``state``'s part of the change report, worded as the report's own: net change, then
    added, removed and renamed, then any other kind of change there was."""
    row = rep.states[state][2]
    counts = [f"{int(row['added']):,} added", f"{int(row['removed']):,} removed", f"{int(row['renamed']):,} renamed"]
    counts += [f"{int(row[k]):,} {k.replace('_', ' ')}" for k in CHANGE_KINDS
               if k not in ("added", "removed") and int(row[k])]
    net = int(row["net"])
    return (f"{state_name}, 287(g) list of {rep.after['list_date']}: {net:+,} agreement{'' if abs(net) == 1 else 's'} "
            f"({', '.join(counts)})")


def page_name(list_id: str) -> str:
    """The file name of the page of the change to the list ``list_id``."""
    return f"{list_id}.html"


def change_page(change: ListChange, previous: ListChange | None, following: ListChange | None) -> str:
    """``changes/<list_id>.html``: the whole change report under its headline, linking the changes before
    and after it in the series."""

    def neighbour(other: ListChange | None) -> dict | None:
        return None if other is None else {"href": page_name(other.list_id), "date": other.list_date}

    return pages.render("site_change.html.j2", root=ROOT, headline=change.headline,
                        report=markdown_html(f"{change.summary}\n{change.detail}", shift=0),
                        previous=neighbour(previous), following=neighbour(following))


def changes_index(changes: Sequence[ListChange], states: Sequence[tuple[str, str]], feed_href) -> str:
    """``changes/index.html``: every change (``changes``, oldest first) newest first, and the feed of each
    of ``states`` (code, name); ``feed_href(state)`` is the link from this page to that feed."""
    rows = [{"href": page_name(c.list_id), "date": c.list_date, "headline": c.headline} for c in reversed(changes)]
    return pages.render("site_changes.html.j2", root=ROOT, changes=rows,
                        states=[{"state": s, "name": name, "href": feed_href(s)} for s, name in states])


def write_change_pages(site: Path, changes: Sequence[ListChange], states: Sequence[tuple[str, str]],
                       feed_href) -> list[Path]:
    """Every change's page and the index, under ``site/changes/``; return the paths written. A page left
    from a list no longer in the series goes: the folder holds exactly the pages of ``changes``."""
    folder = Path(site) / CHANGES_DIR
    padded = [None, *changes, None]
    written = [write_text(folder / page_name(change.list_id), change_page(change, before, after))
               for before, change, after in zip(padded, padded[1:], padded[2:])]
    written.append(write_text(folder / INDEX_PAGE, changes_index(changes, states, feed_href)))
    for stale in sorted(set(folder.glob("*.html")) - set(written)):
        stale.unlink()
    return written
