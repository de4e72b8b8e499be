"""ICE's pages that ``ice287g update`` reads, and the captures of them the Wayback Machine holds: where each
page lives and which files in its folder are its files."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import fetch


@dataclass(frozen=True)
class Page:
    label: str
    path: str  # on ICE's site
    folder: str  # the URL folder its files live in
    accept: Callable[[str], bool]  # which file names in that folder are this page's files


DETENTION_NAME = re.compile(r"^FY\d{2}.?detentionstats", re.IGNORECASE)
PAGE_287G = Page("287(g)", "/identify-and-arrest/287g", "/doclib/about/offices/ero/287g/", lambda name: True)
PAGE_DETENTION = Page("detention statistics", "/detain/detention-management", "/doclib/detention/",
                      lambda name: bool(DETENTION_NAME.match(name)))
PAGES = (PAGE_287G, PAGE_DETENTION)
# The 287(g) page moved from /287g to /identify-and-arrest/287g; its web-table era captures carry the list.
PAGE_287G_PATHS = ("/287g", "/identify-and-arrest/287g")
ICE_HOST = fetch.ICE_HOSTS[0]
