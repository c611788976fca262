"""Same config and seed, same bytes; another seed, other numbers; provenance recorded."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sim.model import CaucasusModel
from sim.outputs import TABLES, read_provenance, write_run
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.toml"


def write(tmp_path, name, seed, **params):
    model = CaucasusModel(BASELINE, rng=seed, **params).run()
    return write_run(model, model.outcomes(), tmp_path / name)


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    return write(tmp, "a", 7), write(tmp, "b", 7), write(tmp, "c", 8)


def test_same_seed_gives_byte_identical_tables_and_outcomes(three_runs):
    first, second, _ = three_runs
    for name in [f"{t}.parquet" for t in TABLES] + ["outcomes.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_another_seed_gives_other_numbers(three_runs):
    first, _, other = three_runs
    trust_a = pd.read_parquet(first / "trust.parquet")
    trust_c = pd.read_parquet(other / "trust.parquet")
    assert not trust_a["value"].equals(trust_c["value"])


def test_manifest_records_config_hash_seed_and_versions(three_runs):
    first, second, other = three_runs
    manifests = [json.loads((d / "manifest.json").read_text()) for d in three_runs]
    assert manifests[0]["seed"] == 7 and manifests[2]["seed"] == 8
    assert manifests[0]["config_hash"] == manifests[1]["config_hash"] != manifests[2]["config_hash"]
    assert {"python", "mesa", "numpy", "pandas", "pyarrow"} <= set(manifests[0]["versions"])
    assert manifests[0]["versions"]["mesa"].startswith("3.5")
    assert manifests[0]["config"]["parameters"]["trust_rate"] == pytest.approx(0.2)
    assert len(manifests[0]["config"]["shocks"]) == 9  # the baseline's shocks


def test_rerunning_from_the_manifest_config_reproduces_the_run(three_runs, tmp_path):
    """The manifest's resolved config is enough: the same seed and overrides give the same outcomes."""
    first = three_runs[0]
    manifest = json.loads((first / "manifest.json").read_text())
    rerun = CaucasusModel(manifest["scenario_file"], rng=manifest["seed"]).run()
    assert rerun.config.config_hash() == manifest["config_hash"]
    written = json.loads((first / "outcomes.json").read_text())
    assert rerun.outcomes().to_dict().items() <= written.items()


def test_overrides_change_the_hash_and_are_recorded(tmp_path):
    run = write(tmp_path, "o", 7, RUS_distraction=0.2)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["config"]["actors"]["RUS"]["disposition"]["distraction"] == 0.2


def test_tables_have_the_documented_columns(three_runs):
    first = three_runs[0]
    columns = {
        "events": ["date", "actor", "target", "cameo", "goldstein", "kind", "description"],
        "trust": ["date", "source", "target", "value"],
        "influence": ["date", "power", "state", "share"],
        "corridor": ["date", "arrangement", "support"],
    }
    for table, expected in columns.items():
        frame = pd.read_parquet(first / f"{table}.parquet")
        assert set(expected) <= set(frame.columns), table
        assert len(frame) > 0
    events = pd.read_parquet(first / "events.parquet")
    assert set(events["kind"]) <= {"scripted", "response", "injected", "routine"}
    influence = pd.read_parquet(first / "influence.parquet")
    sums = influence.groupby(["date", "state"])["share"].sum()
    assert ((sums - 1.0).abs() < 1e-9).all()


def test_every_output_carries_the_config_hash_seed_and_versions(three_runs):
    first = three_runs[0]
    manifest = json.loads((first / "manifest.json").read_text())
    outcomes = json.loads((first / "outcomes.json").read_text())
    assert outcomes["config_hash"] == manifest["config_hash"] and outcomes["seed"] == 7
    assert outcomes["versions"] == manifest["versions"]
    for table in TABLES:
        origin = read_provenance(first / f"{table}.parquet")
        assert origin["config_hash"] == manifest["config_hash"] and origin["seed"] == 7
        assert origin["config"] == manifest["config"] and origin["versions"] == manifest["versions"]


def test_a_run_reruns_from_its_manifest_alone_after_the_config_changed(tmp_path):
    """Round trip: the manifest carries the run's inputs; the scenario file may change or vanish."""
    scenario = tmp_path / "mine.toml"
    scenario.write_text(
        f'[scenario]\nextends = "{BASELINE}"\n[parameters]\nsolidarity = 0.5\n[actors.RUS]\ndistraction = 0.7\n'
    )
    first = write_run(run := CaucasusModel(scenario, rng=11).run(), run.outcomes(), tmp_path / "first")
    scenario.write_text("this file no longer parses")
    again = CaucasusModel(first / "manifest.json").run()
    second = write_run(again, again.outcomes(), tmp_path / "second")
    for name in [f"{t}.parquet" for t in TABLES] + ["outcomes.json"]:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert again.config.name == "mine" and again.seed == 11


def test_an_integer_and_a_float_of_the_same_value_are_one_config():
    assert (
        CaucasusModel(BASELINE, noise_sd=0).config.config_hash()
        == CaucasusModel(BASELINE, noise_sd=0.0).config.config_hash()
    )
