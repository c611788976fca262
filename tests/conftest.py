"""Shared test settings: the project root, scenario folder and Hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"

# No per-example deadline (a loaded 2-core machine makes timings noisy); in CI the examples are
# derived from the test names, so a CI run is repeatable.
settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
