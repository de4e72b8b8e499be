"""Text from outside (a file name ICE chose, a URL a page linked, a server's reason) made safe to print.

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
