"""Counterfactuals on common random numbers: identical until the first changed shock."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from experiments.counterfactual import compare
from sim.errors import ConfigError
from tests.conftest import ROOT, SCENARIOS


def test_without_the_raid_the_runs_agree_to_the_day_before_it():
    comparison = compare(SCENARIOS / "baseline.toml", SCENARIOS / "no_raid.toml", seed=4)
    assert comparison.first_divergence() == "2025-06-27"
    table = comparison.trust_difference()
    before = table[table["date"] < pd.Timestamp("2025-06-27").date()]
    assert (before["difference"] == 0.0).all()
    top = comparison.largest_differences(1).iloc[0]
    assert (top["source"], top["target"]) == ("AZE", "RUS") and top["difference"] > 0.3


def test_a_scenario_against_itself_never_diverges():
    comparison = compare(SCENARIOS / "baseline.toml", SCENARIOS / "baseline.toml", seed=2)
    assert comparison.first_divergence() is None
    assert comparison.factual.outcomes() == comparison.counterfactual.outcomes()


def test_scenarios_of_different_spans_are_refused(tmp_path):
    other = tmp_path / "short.toml"
    other.write_text(f'[scenario]\nextends = "{SCENARIOS / "no_raid.toml"}"\nhorizon_days = 364\n')
    with pytest.raises(ConfigError, match="same start date and horizon"):
        compare(SCENARIOS / "baseline.toml", other)


@pytest.mark.slow  # real `caucasus compare` processes
def test_caucasus_compare_writes_both_runs_and_the_difference(tmp_path):
    out = tmp_path / "cmp"
    result = subprocess.run(
        [sys.executable, "-m", "caucasus", "compare", "configs/scenarios/baseline.toml",
         "configs/scenarios/putin_apologises.toml", "--seed", "1", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "First divergence: 2024-12-26" in result.stdout
    assert {p.name for p in out.iterdir()} == {"factual", "counterfactual", "trust_difference.parquet"}
    assert (out / "factual" / "manifest.json").is_file() and (out / "counterfactual" / "events.parquet").is_file()
    difference = pd.read_parquet(out / "trust_difference.parquet")
    assert set(difference.columns) == {"date", "source", "target", "factual", "counterfactual", "difference"}
    again = subprocess.run(
        [sys.executable, "-m", "caucasus", "compare", "configs/scenarios/baseline.toml",
         "configs/scenarios/no_raid.toml", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 2 and "already holds files" in again.stderr
