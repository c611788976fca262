"""Debian's Chromium driven by Playwright, for the browser tests and the dashboard benchmark.

Never `playwright install`: it downloads a browser from outside the package registries.
The flags keep a headless Chromium off the network and its first-run chores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = "Debian's chromium is not at /usr/bin/chromium: `apt-get install -y chromium` (scripts/test does it)"


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium browser from a started `sync_playwright()`; RuntimeError if it is missing."""
    if not CHROMIUM.exists():
        raise RuntimeError(MISSING)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
