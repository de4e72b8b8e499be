"""Where the browser tests find Chromium (or Chrome) and its driver, by the names each system gives them:
Debian's `chromium` and `chromium-driver` (/usr/bin/chromedriver), Ubuntu's `chromium-browser` (and the
snap's `chromium.chromedriver`), and GitHub's Ubuntu runners' preinstalled `google-chrome` with the
chromedriver in $CHROMEWEBDRIVER. Nothing here downloads a browser.

Standard library only: `.ci/run` asks it (`python3 tests/browser/browsers.py`, exit 1 when either is
missing) before any environment exists, to install Debian's packages only where neither is there.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
DRIVERS = ("chromedriver", "chromium.chromedriver")
# The folder GitHub's runner images name for their chromedriver (also on their PATH, as a rule).
DRIVER_DIR_VARIABLE = "CHROMEWEBDRIVER"


def first_on_path(names) -> str | None:
    return next((found for found in map(shutil.which, names) if found), None)


def browser() -> str | None:
    return first_on_path(BROWSERS)


def driver() -> str | None:
    folder = os.environ.get(DRIVER_DIR_VARIABLE)
    beside = Path(folder) / "chromedriver" if folder else None
    if beside is not None and beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return first_on_path(DRIVERS)


if __name__ == "__main__":
    found = {"browser": browser(), "driver": driver()}
    for role, path in found.items():
        print(f"{role}: {path or 'none of ' + ', '.join(BROWSERS if role == 'browser' else DRIVERS)}")
    sys.exit(0 if all(found.values()) else 1)
