"""Dated series: a disposition changes on its date, in both engines; bad series are refused."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sim.actors import INDEX, Actor
from sim.config import load_scenario
from sim.core import Simulation
from sim.errors import ConfigError
from sim.model import CaucasusModel
from tests.conftest import ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.toml"
REFOCUSES = ROOT / "configs" / "studies" / "series" / "russia_refocuses.toml"
RUS, AZE = INDEX[Actor.RUS], INDEX[Actor.AZE]


def _series(tmp_path, entries: str, name: str = "s.toml"):
    path = tmp_path / name
    path.write_text(f'[scenario]\nextends = "{BASELINE}"\nname = "s"\n{entries}')
    return path


def _entry(date: str, value: float, parameter: str = "distraction", actor: str = "RUS", reason: str = "test") -> str:
    return (
        f'[[series]]\nactor = "{actor}"\nparameter = "{parameter}"\ndate = {date}\nvalue = {value}\n'
        f'reason = "{reason}"\n'
    )


def test_a_series_sets_the_value_from_its_date_on():
    scenario = load_scenario(REFOCUSES)
    change = scenario.day_of(scenario.series[0].date)
    simulation = Simulation(scenario, 1)
    while simulation.day < change:
        simulation.run_day()
    assert simulation.inputs.distraction[RUS] == 0.6  # the actors file's value until the date
    before = simulation.inputs.boldness[AZE, RUS]
    simulation.run_day()
    assert simulation.inputs.distraction[RUS] == 0.3
    assert simulation.inputs.boldness[AZE, RUS] < before  # a stronger Russia: a less bold Baku


def test_a_series_applies_in_every_run_of_the_ensemble_as_in_the_mesa_model():
    from sim.ensemble import run_ensemble

    scenario = load_scenario(REFOCUSES)
    ensemble = run_ensemble(scenario, [1, 2, 3])
    for run, seed in enumerate([1, 2, 3]):
        assert ensemble.run_outcomes(run) == CaucasusModel(REFOCUSES, rng=seed).run().outcomes()
    assert np.all(ensemble.inputs.engagement[..., RUS] == 2.0)


def test_a_series_that_repeats_the_current_value_changes_nothing(tmp_path):
    same = _series(tmp_path, _entry("2025-03-01", 0.6))
    assert CaucasusModel(same, rng=2).run().outcomes().to_dict() | {"scenario": ""} == (
        CaucasusModel(BASELINE, rng=2).run().outcomes().to_dict() | {"scenario": ""}
    )


def test_a_series_changes_the_run_it_claims_to():
    refocused = CaucasusModel(REFOCUSES, rng=1).run()
    baseline = CaucasusModel(BASELINE, rng=1).run()
    assert not np.array_equal(refocused.trust_history, baseline.trust_history)
    first_change = refocused.config.day_of(refocused.config.series[0].date)
    assert np.array_equal(refocused.trust_history[:first_change], baseline.trust_history[:first_change])


@pytest.mark.parametrize(
    ("entries", "key", "allowed"),
    [
        (_entry("2025-03-01", 0.3) + _entry("2025-02-01", 0.2), "series[1].date", "out of order"),
        (_entry("2025-03-01", 0.3, parameter="restraint"), "series[0].parameter", "distraction, engagement"),
        (_entry("2025-03-01", 1.5), "series[0].value", "[0.0, 1.0]"),
        (_entry("2026-03-01", 0.3), "series[0].date", "outside the run"),
        (_entry("2025-03-01", 0.3, actor="XYZ"), "series[0].actor", "RUS"),
        (_entry("2025-03-01", 0.3, reason=" "), "series[0].reason", "reason"),
        ("[series]\nactor = 1\n", "series", "array of tables"),
    ],
)
def test_a_bad_series_names_the_entry_and_what_is_allowed(tmp_path, entries, key, allowed):
    with pytest.raises(ConfigError) as error:
        load_scenario(_series(tmp_path, entries))
    assert key in str(error.value) and allowed in str(error.value)


@pytest.mark.slow  # a real process
def test_a_series_out_of_order_exits_2_and_writes_nothing(tmp_path):
    path = _series(tmp_path, _entry("2025-03-01", 0.3) + _entry("2025-03-01", 0.2))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "caucasus.cli", "run", str(path), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "out of order" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_mid_run_change_keeps_the_series_set_so_far_unless_it_changes_that_value():
    model = CaucasusModel(REFOCUSES, rng=1)
    change = model.config.day_of(model.config.series[0].date)
    while model.day <= change:
        model.step()
    assert model.inputs.distraction[RUS] == 0.3
    model.change_parameters(trust_rate=0.21)  # another parameter: the series' value stays
    assert model.inputs.distraction[RUS] == 0.3 and model.inputs.params.trust_rate == 0.21
    model.change_parameters(RUS_distraction=0.8)  # the same one: the intervention is newer
    assert model.inputs.distraction[RUS] == 0.8


def test_a_series_on_the_first_day_is_in_the_initial_state(tmp_path):
    first = _series(tmp_path, _entry("2024-12-20", 0.0))
    undistracted = CaucasusModel(SCENARIOS / "russia_undistracted.toml", rng=1)
    assert np.array_equal(CaucasusModel(first, rng=1).state.shares, undistracted.state.shares)
