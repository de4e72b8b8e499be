"""The project's vocabulary, defined once: models, agency types, eras, list kinds, the gap threshold."""
from __future__ import annotations

MODELS = ("JEM", "WSO", "TFM")
MODEL_LABELS = {"JAIL ENFORCEMENT MODEL": "JEM", "WARRANT SERVICE OFFICER": "WSO", "TASK FORCE MODEL": "TFM"}
MODEL_NAMES = {"JEM": "Jail Enforcement", "WSO": "Warrant Service Officer", "TFM": "Task Force"}
AGENCY_TYPES = ("County", "Municipality", "State Agency")
STATE_AGENCY_TYPE = "State Agency"

# Eras of ICE's 287(g) lists, told apart by their columns, never by file name.
ERAS = {
    "partners_page": "2007/2008 ICE partners page (stacked CSV): state and agency only",
    "fact_sheet": "2011-2017 fact-sheet roster (stacked CSV, one list per Wayback capture)",
    "web_table": "2021-2025 ice.gov table (xlsx, sheet \"287(g) Agreements\"): no TYPE, no COUNTY",
    "ice_workbook": "ICE's own participating / pending workbooks (2025-02 ->): TYPE, later COUNTY",
    "stacked_2025": "a third party's re-tabulation of 17 ICE sheets (May-July 2025), no SIGNED",
}
SERIES_ERAS = ("partners_page", "fact_sheet", "web_table", "ice_workbook")
LIST_KINDS = ("participating", "pending")

# The project's gap threshold: lists further apart than this are separated by a gap in every chart,
# an agreement off every list for longer is not succeeded by a later one, and a list older than this
# is too stale to answer for a date.
GAP_DAYS = 180
