"""Shared test settings and fixtures: the project root, scenario folder, Hypothesis profiles, a Dask cluster."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"

# No per-example deadline (a loaded 2-core machine makes timings noisy); in CI the examples are
# derived from the test names, so a CI run is repeatable.
settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def dask_cluster():
    """A real local Dask cluster (2 single-threaded worker processes), started once, for `--scheduler`."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    ) as cluster:
        yield cluster
