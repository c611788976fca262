"""The command line's happy path: `caucasus run` prints a summary and writes every output."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from experiments.replicates import replicate_seeds
from tests.conftest import ROOT


@pytest.mark.slow  # a real `caucasus run` process
def test_caucasus_run_prints_the_summary_and_writes_the_run(tmp_path):
    out = tmp_path / "b1"
    result = subprocess.run(
        [sys.executable, "-m", "caucasus", "run", "configs/scenarios/baseline.toml", "--seed", "1", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Yekaterinburg raids" in result.stdout and "Outcomes:" in result.stdout
    assert "corridor arrangement" in result.stdout
    expected = {
        "manifest.json",
        "outcomes.json",
        "events.parquet",
        "trust.parquet",
        "influence.parquet",
        "corridor.parquet",
    }
    assert {p.name for p in out.iterdir()} == expected
    outcomes = json.loads((out / "outcomes.json").read_text())
    for key in (
        "rupture",
        "rupture_date",
        "corridor_arrangement",
        "corridor_date",
        "russia_influence_AZE",
        "russia_influence_ARM",
        "max_escalation_rung",
        "response_counts",
    ):
        assert key in outcomes
    events = pd.read_parquet(out / "events.parquet")
    assert (events["kind"] == "response").any() and (events["kind"] == "scripted").sum() == 9  # the baseline's shocks
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 1 and len(manifest["config_hash"]) == 64


def test_replicate_seeds_are_reproducible_and_distinct():
    seeds = replicate_seeds(2025, 50)
    assert seeds == replicate_seeds(2025, 50)
    assert len(set(seeds)) == 50
    assert all(0 <= s < 2**63 for s in seeds)
    assert replicate_seeds(2025, 10) == seeds[:10]  # a replicate's seed does not depend on the count


def test_spawned_seeds_of_repeated_indices_are_each_indexs_own_child():
    from experiments.replicates import spawned_seeds

    indices = [3, 0, 3, 7, 0, 3]  # a sweep with common seeds repeats a few indices many times
    children = {
        i: int(np.random.SeedSequence(2025, spawn_key=(i,)).generate_state(1, np.uint64)[0] >> 1) for i in (0, 3, 7)
    }
    assert spawned_seeds(2025, indices).tolist() == [children[i] for i in indices]
    assert spawned_seeds(2025, []).dtype == np.int64 and spawned_seeds(2025, []).size == 0
