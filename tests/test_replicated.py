"""Replicated comparisons (`caucasus compare --replicates N`): real runs of two short scenarios on common seeds."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from caucasus.cli import main
from experiments.replicated import (
    MAX_REPLICATES,
    REPLICATED_FILES,
    ReplicatedComparison,
    check_replicates,
    run_replicated,
)
from experiments.replicates import replicate_seeds
from experiments.summaries import wilson_interval
from experiments.verify import verify
from sim.errors import ConfigError
from sim.model import CaucasusModel
from sim.outcomes import NUMERIC_OUTCOMES, OUTCOMES, CategoryOutcome
from sim.outputs import read_provenance
from tests.conftest import SCENARIOS

# Day 240 covers the raid (27 June, day 189) and the weeks after it: ruptures happen in the factual.
HORIZON = 240
REPLICATES = 12
MASTER = 11


def short(folder: Path, base: str) -> Path:
    """`base` cut to HORIZON days (both scenarios of a comparison must span the same days)."""
    path = folder / base
    path.write_text(f'[scenario]\nextends = "{SCENARIOS / base}"\nhorizon_days = {HORIZON}\n', encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("replicated")
    return short(folder, "baseline.toml"), short(folder, "no_raid.toml")


@pytest.fixture(scope="module")
def comparison(scenarios) -> ReplicatedComparison:
    return run_replicated(*scenarios, REPLICATES, master_seed=MASTER)


def test_both_scenarios_run_on_the_same_seeds_spawned_from_the_master_seed(comparison, scenarios):
    seeds = replicate_seeds(MASTER, REPLICATES)
    assert list(comparison.seeds) == seeds and comparison.paired["seed"].tolist() == seeds
    assert len(set(seeds)) == REPLICATES
    # each row pairs the two scenarios' runs of one seed: the Mesa model on that seed gives the same outcomes
    for row in (0, REPLICATES - 1):
        for side, path in zip(("factual", "counterfactual"), scenarios, strict=True):
            alone = CaucasusModel(path, rng=seeds[row]).run().outcome_table()
            for name, value in alone.items():
                assert same_value(comparison.paired.at[row, f"{side}_{name}"], value[0]), (side, name)


def same_value(left, right) -> bool:
    """Equal, NaN equal to NaN (a day outcome never reached in both)."""
    if isinstance(right, str | np.str_):
        return str(left) == str(right)
    return bool(left == right) or bool(np.isnan(float(left)) and np.isnan(float(right)))


def test_a_scenario_against_itself_differs_in_no_pair(scenarios):
    same = run_replicated(scenarios[0], scenarios[0], 6, master_seed=MASTER)  # common random numbers: equal runs
    assert (same.shares()["pairs_differ"] == 0).all()
    differences = same.differences()
    assert (differences["share_differ"].dropna() == 0).all() and (differences["mean"].dropna() == 0).all()
    assert (differences["only_factual"] == 0).all() and (differences["only_counterfactual"] == 0).all()


def test_shares_have_wilson_intervals_that_contain_them(comparison):
    shares = comparison.shares()
    categories = [o for o in OUTCOMES if isinstance(o, CategoryOutcome)]
    expected = {o.name for o in OUTCOMES if o.dtype == "bool"}
    expected |= {o.indicator_name(value) for o in categories for value in o.categories}
    assert set(shares["outcome"]) == expected  # from the registry: rupture and every corridor arrangement
    for side in ("factual", "counterfactual"):
        share, low, high = (shares[f"{side}_{key}"].to_numpy() for key in ("share", "ci_low", "ci_high"))
        assert np.all((low <= share) & (share <= high)) and np.all((low >= 0) & (high <= 1))
        assert np.allclose(share, shares[f"{side}_runs"] / REPLICATES)
        wilson = wilson_interval(shares[f"{side}_runs"], REPLICATES)
        assert np.allclose(low, wilson[0]) and np.allclose(high, wilson[1])
        corridor = shares[shares["outcome"].str.startswith("corridor_")]
        assert corridor[f"{side}_share"].sum() == pytest.approx(1.0)  # every run agrees one arrangement or none
    rupture = shares.set_index("outcome").loc["rupture"]
    left, right = (comparison.paired[f"{side}_rupture"].to_numpy() for side in ("factual", "counterfactual"))
    assert rupture["pairs_differ"] == np.sum(left != right)
    assert rupture["difference"] == pytest.approx(right.mean() - left.mean())


def test_paired_differences_of_every_numeric_outcome(comparison):
    differences = comparison.differences().set_index("outcome")
    assert list(differences.index) == list(NUMERIC_OUTCOMES)
    for name, row in differences.iterrows():
        left, right = (
            comparison.paired[f"{side}_{name}"].to_numpy(dtype=float) for side in ("factual", "counterfactual")
        )
        both = np.isfinite(left) & np.isfinite(right)
        assert row["pairs"] + row["only_factual"] + row["only_counterfactual"] <= REPLICATES
        assert row["pairs"] == both.sum()
        if row["pairs"]:
            difference = right[both] - left[both]
            assert row["mean"] == pytest.approx(difference.mean())
            assert row["q05"] <= row["median"] <= row["q95"]
            assert row["share_differ"] == pytest.approx(np.mean(difference != 0))
        if row["pairs"] > 1:
            assert row["ci_low"] <= row["mean"] <= row["ci_high"]
        paired = comparison.paired[f"difference_{name}"].to_numpy(dtype=float)
        np.testing.assert_array_equal(np.isfinite(paired), both)


@pytest.mark.parametrize("count", [0, -3, MAX_REPLICATES + 1, True, 2.5])
def test_a_bad_number_of_replicates_is_a_config_error(count):
    with pytest.raises(ConfigError, match="--replicates.*allowed: an integer from 1"):
        check_replicates(count)


@pytest.mark.parametrize("count", ["0", "-1", str(MAX_REPLICATES + 1)])
def test_the_command_refuses_a_bad_number_of_replicates_and_writes_nothing(scenarios, tmp_path, capsys, count):
    out = tmp_path / "out"
    status = main(["compare", *map(str, scenarios), "--replicates", count, "--out", str(out)])
    assert status == 2 and not out.exists() and list(tmp_path.iterdir()) == []
    assert "--replicates" in capsys.readouterr().err


def test_a_non_integer_number_of_replicates_is_a_usage_error(scenarios, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", *map(str, scenarios), "--replicates", "many"])
    assert exit_info.value.code == 2


@pytest.mark.slow  # two scenarios on 5 seeds, written and read back
def test_the_command_writes_the_paired_table_report_and_manifest_with_their_provenance(scenarios, tmp_path, capsys):
    out = tmp_path / "replicated"
    argv = ["compare", *map(str, scenarios), "--replicates", "5", "--seed", str(MASTER), "--out", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert {entry.name for entry in out.iterdir()} == REPLICATED_FILES
    seeds = replicate_seeds(MASTER, 5)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == seeds and manifest["master_seed"] == MASTER and manifest["replicates"] == 5
    assert {"factual", "counterfactual", "versions", "git", "command"} <= set(manifest)
    assert manifest["factual"]["config"]["horizon_days"] == HORIZON and "Wilson" in manifest["interval"]
    for name in ("paired_outcomes", "shares", "differences"):
        origin = read_provenance(out / f"{name}.parquet")
        assert origin["seeds"] == seeds and origin["versions"] == manifest["versions"]
        assert origin["factual"]["config_hash"] == manifest["factual"]["config_hash"]
        assert origin["counterfactual"]["config_hash"] == manifest["counterfactual"]["config_hash"]
        assert pd.read_csv(out / f"{name}.csv").shape == pd.read_parquet(out / f"{name}.parquet").shape
    paired = pd.read_parquet(out / "paired_outcomes.parquet")
    assert paired["seed"].tolist() == seeds  # one row per seed
    report = (out / "report.md").read_text()
    assert manifest["factual"]["config_hash"] in report and manifest["counterfactual"]["config_hash"] in report
    assert "Wilson" in report and "common random numbers" in report and report.strip() in printed
    # the same directory again: refused without --force, replaced with it
    assert main(argv) == 2
    assert main([*argv, "--force"]) == 0
    assert verify(out).ok and verify(out).kind == "replicated comparison"
    other = pd.read_parquet(out / "shares.parquet")  # written again without the provenance: found
    other.to_parquet(out / "shares.parquet")
    assert any("shares.parquet: carries other config hashes or seeds" in problem for problem in verify(out).problems)


def test_the_command_refuses_an_out_directory_holding_other_files(scenarios, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    argv = ["compare", *map(str, scenarios), "--replicates", "2", "--out", str(out), "--force"]
    assert main(argv) == 2
    assert [entry.name for entry in out.iterdir()] == ["notes.txt"]
