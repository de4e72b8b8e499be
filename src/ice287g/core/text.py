"""A cell's text as every reader compares it: Unicode normalized, quotes straightened, spaces collapsed."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=None)
def squash_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return _SPACES.sub(" ", text).strip()


def squash(value) -> str:
    """Text of a cell: NFKC, curly quotes straight, non-breaking spaces gone, spaces collapsed."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return squash_text(value if isinstance(value, str) else str(value))
