"""What error messages say: where a raw value sits (``location``: file, sheet, row, column), the error a
value that cannot be used raises (``FixError``), and text from outside (a file name ICE chose, a URL a
page linked, a server's reason) made safe to print.

``update`` runs unattended and its lines land in terminals and CI logs: a name holding a newline could
forge a log line, and an escape sequence could rewrite the terminal. Every such value goes through
``printable`` before it is shown."""
from __future__ import annotations

import unicodedata


def printable(text: object) -> str:
    """``text`` with every control or format character (newline, carriage return, NUL, ESC, bidi
    overrides) shown as its escape (``\\n``, ``\\x1b``, ``\\u202e``); everything else, accents included,
    as it is.

    >>> printable("a\\nb\\x1b[2Jc\\u202e")
    'a\\\\nb\\\\x1b[2Jc\\\\u202e'
    >>> printable("Condado de Peñuelas")
    'Condado de Peñuelas'
    """
    return "".join(ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) in ("Cc", "Cf")
                   else ch for ch in str(text))


class FixError(ValueError):
    """A hand table or a raw value that cannot be used as it stands."""


def location(source: str, file: str, sheet: str | None = None, row: int | None = None,
             column: str | None = None) -> str:
    """Where a raw value sits, as every error message names it: file, sheet, row (as in Excel), column."""
    parts = [f"data/raw/{source}/{file}"]
    if sheet is not None:
        parts.append(f"sheet {sheet!r}")
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column}")
    return ", ".join(parts)


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
