"""A frame's rows as plain Python values: the way the package walks a frame row by row."""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd


def column_rows(frame: pd.DataFrame, columns: Sequence[str]) -> Iterator[tuple]:
    """Each row of ``frame``'s ``columns``, in order, as a tuple of Python values (``tolist``: no numpy
    scalars). Reading whole columns as lists costs a fraction of ``itertuples`` or per-row indexing, which
    matters on the many small frames (a list, a pair of lists, a state) and on every list row at once."""
    return zip(*(frame[c].tolist() for c in columns))
