"""Shared fixtures: the project root and replicate runs reused across test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
