"""What an ICE file name says: the date it carries, the kind of file, and which rule read the date.

ICE's names drift (``participatingAgencies11202026am``, ``287gParticipatingAgencies091526pm``,
``ParticipatingAgency091826am``, ``participatingAgencies060920263pm``, ``FY23_detentionStats221212``) and its
dates lie (the old year in January, a stray digit, a year mistyped). Every rule lives here, so the archive's
dates (``lists.file_date``) and the dates given to new downloads (``landing.land``) are read alike. The
functions are pure: the retrieval time that settles a January year is an argument, never the clock.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# The archive's own name: ``YYYY-MM-DD_<ICE file name>``.
ARCHIVE_NAME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})_(.+)$")
# A second version ICE published under the same name is kept as ``<stem>.r<N><suffix>``.
REVISION_RE = re.compile(r"\.r(\d+)$")
WAYBACK_RE = re.compile(r"-(\d{14})$")
LIST_DIGITS_RE = re.compile(r"(\d{6,9})(am|pm|mid)?[A-Za-z]?$", re.IGNORECASE)
DETENTION_RE = re.compile(r"FY\s*(\d{2})[_-]?detentionstats[_-]?(\d{6,8})?", re.IGNORECASE)
# Years a 287(g) list or detention workbook can carry: a date outside them is a typo, not a date.
YEARS = range(2005, 2100)
# A name's date may run ahead of the retrieval clock by a day (ICE's clock is US Eastern, ours UTC).
AHEAD_DAYS = 1
# A detention release comes out during its fiscal year or a few months after it.
FY_RELEASE_LAG_DAYS = 120


@dataclass(frozen=True)
class NameInfo:
    """What a file name says. ``date`` is '' when no rule reads one, and ``problem`` then says why."""
    date: str
    kind: str          # participating | pending | html_table | detention | '' (the name does not say)
    source: str        # ice_287g | ice_detention | ''
    rule: str          # how the date was read, in words
    time_of_day: str = ""  # am | pm | mid | ''
    digits: str = ""   # the date digits as printed
    name_date: str = ""  # what the digits read literally ('' when they read no date as printed)
    revision: int = 1  # N for an archive copy named ``….rN.xlsx`` (a revision under the same ICE name)
    fiscal_year: int | None = None
    problem: str = ""


def split_archive_name(file_name: str) -> tuple[str, str]:
    """(prefix date, ICE file name) of an archive name; ('', name) for a name without the prefix."""
    m = ARCHIVE_NAME_RE.match(file_name)
    return (m.group(1), m.group(2)) if m else ("", file_name)


def revision_name(ice_name: str, revision: int) -> str:
    """The file name of revision ``revision`` (2, 3, …) of an ICE file: ``stem.r2.xlsx``."""
    stem, dot, suffix = ice_name.rpartition(".")
    return f"{stem}.r{revision}.{suffix}" if dot else f"{ice_name}.r{revision}"


def _date(text: str, fmt: str) -> dt.date | None:
    try:
        day = dt.datetime.strptime(text, fmt).date()
    except ValueError:
        return None
    return day if day.year in YEARS else None


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _retrieved_date(retrieved: str | None) -> dt.date | None:
    if not retrieved:
        return None
    return dt.datetime.fromisoformat(retrieved.strip().replace("Z", "+00:00")).date()


def _stray_digit(digits: str) -> list[dt.date]:
    """The dates MMDDYYYY that dropping one digit of ``digits`` gives (ICE once typed a zero too many)."""
    found = {_date(digits[:i] + digits[i + 1:], "%m%d%Y") for i in range(len(digits))}
    return sorted(d for d in found if d)


def _list_date(digits: str, tod: str) -> tuple[dt.date | None, str, str]:
    """(date, rule, literal reading) of a 287(g) list name's digits."""
    if len(digits) == 8:
        day = _date(digits, "%m%d%Y")
        if day:
            return day, "MMDDYYYY", _iso(day)
        return None, f"{digits} is no date as MMDDYYYY (a typo; pass the list's date by hand)", ""
    if len(digits) == 6:
        day = _date(digits, "%m%d%y")
        if day:
            return day, "MMDDYY", _iso(day)
        return None, f"{digits} is no date as MMDDYY", ""
    if len(digits) == 9:
        day = _date(digits[:8], "%m%d%Y")
        if day and tod in ("am", "pm") and digits[8] != "0":
            return day, f"MMDDYYYY then the hour ({digits[8]}{tod})", ""
        days = _stray_digit(digits)
        if len(days) == 1:
            return days[0], f"MMDDYYYY with one stray digit ({digits} read as {days[0]:%m%d%Y})", ""
        return None, (f"{digits}: dropping one digit gives {len(days)} dates "
                      f"({', '.join(map(str, days)) or 'none'}), so none is chosen"), ""
    return None, f"{digits}: {len(digits)} digits match no date pattern (MMDDYYYY, MMDDYY)", ""


def _fiscal_window(fiscal_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(fiscal_year - 1, 10, 1), dt.date(fiscal_year, 9, 30) + dt.timedelta(days=FY_RELEASE_LAG_DAYS)


def _detention_date(digits: str, fiscal_year: int | None) -> tuple[dt.date | None, str, str]:
    if len(digits) == 8:
        day = _date(digits, "%m%d%Y")
        return (day, "MMDDYYYY", _iso(day)) if day else (None, f"{digits} is no date as MMDDYYYY", "")
    if len(digits) == 6:
        readings = {rule: d for rule, fmt in (("MMDDYY", "%m%d%y"), ("YYMMDD", "%y%m%d"))
                    if (d := _date(digits, fmt))}
        if fiscal_year is not None and len(readings) > 1:
            start, end = _fiscal_window(fiscal_year)
            readings = {r: d for r, d in readings.items() if start <= d <= end}
        if len(readings) == 1:
            (rule, day), = readings.items()
            return day, rule, _iso(day)
        return None, f"{digits} reads as {len(readings)} dates (MMDDYY, YYMMDD)", ""
    return None, f"{digits}: {len(digits)} digits match no date pattern", ""


def _list_kind(lower: str) -> str:
    if "pending" in lower:
        return "pending"
    if "participatingentities" in lower:
        return "html_table"  # the web table, saved as xlsx by a third party (the archive's Wayback-era copies)
    if "participat" in lower:
        return "participating"
    return ""


def ice_name_info(name: str, retrieved: str | None = None) -> NameInfo:
    """Date, kind and source an ICE file name gives, and the rule that read the date.

    ``retrieved`` (an ISO date or UTC timestamp: when ICE served the file) settles the year of a January
    name that still carries last year's (ICE's habit), and shows up a name dated after it was served.
    A name with the archive's ``YYYY-MM-DD_`` prefix is read from the part after it."""
    _, name = split_archive_name(name)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    revision = 1
    if m := REVISION_RE.search(stem):
        stem, revision = stem[:m.start()], int(m.group(1))
    lower = stem.lower()
    fiscal_year = None
    tod = ""
    digits = ""
    if m := DETENTION_RE.search(stem):
        kind, source = "detention", "ice_detention"
        fiscal_year = 2000 + int(m.group(1))
        digits = m.group(2) or ""
        if digits:
            day, rule, literal = _detention_date(digits, fiscal_year)
        else:
            day, rule, literal = None, f"the name carries only the fiscal year (FY{m.group(1)}), no date", ""
    else:
        kind = _list_kind(lower)
        source = "ice_287g" if kind else ""
        if m := WAYBACK_RE.search(stem):
            digits = m.group(1)
            day, literal = _date(digits[:8], "%Y%m%d"), ""
            rule = "Wayback capture timestamp" if day else f"{digits} is no Wayback timestamp"
            literal = _iso(day)
        elif m := LIST_DIGITS_RE.search(stem):
            digits, tod = m.group(1), (m.group(2) or "").lower()
            day, rule, literal = _list_date(digits, tod)
        else:
            day, rule, literal = None, "no date in the name", ""
    info = dict(kind=kind, source=source, time_of_day=tod, digits=digits, name_date=literal,
                revision=revision, fiscal_year=fiscal_year)
    if day is None:
        return NameInfo(date="", rule="", problem=f"{name}: {rule}", **info)
    seen = _retrieved_date(retrieved)
    if seen is not None:
        if day.month == 1 and seen.year == day.year + 1 and seen.month <= 2:
            day = day.replace(year=seen.year)
            rule += f"; year read as {seen.year}: ICE kept the old year in January (retrieved {retrieved})"
        if day > seen + dt.timedelta(days=AHEAD_DAYS):
            return NameInfo(date="", rule=rule, problem=f"{name}: reads {day}, after it was retrieved ({retrieved})",
                            **info)
    return NameInfo(date=day.isoformat(), rule=rule, **info)
