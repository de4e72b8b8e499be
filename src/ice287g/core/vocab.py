"""The project's vocabulary, defined once: models, agency types, eras, list kinds, the gap threshold."""
from __future__ import annotations

MODELS = ("JEM", "WSO", "TFM")
MODEL_LABELS = {"JAIL ENFORCEMENT MODEL": "JEM", "WARRANT SERVICE OFFICER": "WSO", "TASK FORCE MODEL": "TFM"}
MODEL_NAMES = {"JEM": "Jail Enforcement", "WSO": "Warrant Service Officer", "TFM": "Task Force"}
AGENCY_TYPES = ("County", "Municipality", "State Agency")
STATE_AGENCY_TYPE = "State Agency"

# Eras of ICE's 287(g) lists, told apart by their columns, never by file name.
ERAS = {
    "partners_page": "ICE's partners page, the earliest lists (stacked CSV): state and agency only",
    "fact_sheet": "ICE's fact-sheet roster (stacked CSV, one list per Wayback capture)",
    "web_table": "the ice.gov table (xlsx, sheet \"287(g) Agreements\"): no TYPE, no COUNTY",
    "ice_workbook": "ICE's own participating / pending workbooks: TYPE, later COUNTY",
    "stacked_2025": "a third party's re-tabulation of ICE sheets, no SIGNED",
}
SERIES_ERAS = ("partners_page", "fact_sheet", "web_table", "ice_workbook")
LIST_KINDS = ("participating", "pending")

# The project's gap threshold: lists further apart than this are separated by a gap in every chart,
# an agreement off every list for longer is not succeeded by a later one, and a list older than this
# is too stale to answer for a date.
GAP_DAYS = 180

# The map category of a county whose agreements are of more than one model.
MIX = "two or more models"

# What ICE prints in its COUNTY column when it names no county.
NOT_PRINTED = {"", "NA", "#NA", "N/A", "#N/A", "NONE", "STATEWIDE", "STATE WIDE"}
