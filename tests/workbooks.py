"""Doctored copies of real workbooks for tests: one part of the zip edited, everything else as it was."""
from __future__ import annotations

import io
import zipfile
from collections.abc import Callable


def rezip(data: bytes, part: str = "", edit: Callable[[bytes], bytes] = lambda body: body) -> bytes:
    """``data`` (an xlsx) zipped anew, deflated, with ``part`` passed through ``edit``. Each part keeps its own
    date (not the clock's), so the same edit gives the same bytes; with no edit, the same workbook in other bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            dst.writestr(zipfile.ZipInfo(item.filename, item.date_time), edit(body) if item.filename == part else body,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
