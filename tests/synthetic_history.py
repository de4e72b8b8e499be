"""A small hand-made list history (lists and list rows) for the identity and history tests."""
from __future__ import annotations

import pandas as pd

from ice287g.core.keys import agency_id, agency_key


def lists_frame(dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"list_id": [f"participating-{d}" for d in dates], "list_date": dates,
                         "list_kind": "participating", "in_series": True, "time_of_day": ""})


def rows_frame(rows: list[tuple]) -> pd.DataFrame:
    """``rows``: (list_date, state, agency, model, signed); era from the model (model-less = partners page)."""
    out = []
    for i, (date, state, agency, model, signed) in enumerate(rows):
        key = agency_key(agency)
        out.append({"list_id": f"participating-{date}", "list_date": date, "list_kind": "participating",
                    "row": i + 2, "state": state, "agency": agency, "agency_printed": agency, "agency_type": "",
                    "model": model, "signed": signed, "era": "partners_page" if not model else "ice_workbook",
                    "agency_key": key, "agency_id": agency_id(state, key)})
    return pd.DataFrame(out)
