"""The mechanisms of issue 12 do what the docs say: rest, the way back, observable rupture, switches, the null model.

Bounds come from the question (docs/ODD.md): at rest without routine acts, every trust within
0.01 of its baseline over a year; with routine acts, the mean over seeds within 0.05 of it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from sim.actors import INDEX, Actor
from sim.config import load_scenario
from sim.core import Simulation
from sim.events_log import EventKind
from sim.journal import run_records
from sim.model import CaucasusModel
from sim.rules import responses
from tests.conftest import SCENARIOS

CALM = SCENARIOS / "calm.toml"
ROOT_STUDIES = SCENARIOS.parent / "studies" / "mechanisms"
BASELINE = SCENARIOS / "baseline.toml"
AZE, RUS = INDEX[Actor.AZE], INDEX[Actor.RUS]


def _history(scenario, seeds):
    return Simulation(scenario, list(seeds), histories=True).run()


def test_without_events_or_routine_every_trust_stays_at_its_baseline_for_a_year():
    scenario = load_scenario(CALM, {"parameters.routine_scale": 0.0})
    run = _history(scenario, range(4))
    drift = np.abs(run.recorder.trust - scenario.baseline_trust).max()
    assert drift <= 0.01
    assert not run.journal.entries  # nothing happened at all


@pytest.mark.slow
def test_with_routine_acts_trust_wanders_but_its_mean_over_seeds_stays_at_the_baseline():
    scenario = load_scenario(CALM)
    run = _history(scenario, range(400))
    trust = run.recorder.trust  # [day, run, i, j]
    assert np.abs(trust[-1] - scenario.baseline_trust).max() > 0.01  # it wanders
    mean_over_seeds = trust.mean(axis=1)  # [day, i, j]
    assert np.abs(mean_over_seeds - scenario.baseline_trust).max() <= 0.05  # it does not drift


def test_routine_acts_are_logged_at_the_dyads_base_rates_and_only_there():
    scenario = load_scenario(CALM)
    run = Simulation(scenario, list(range(50))).run()
    records = [r for seed in range(50) for r in run_records(run.journal, seed)]
    routine = [r for r in records if r.kind == EventKind.ROUTINE]
    inputs = run.inputs
    rates = inputs.routine_cooperation + inputs.routine_friction
    assert routine and all(rates[INDEX[r.actor], INDEX[r.target]] > 0 for r in routine)
    expected = rates.sum() * 50 * (scenario.horizon_days - 1)
    assert abs(len(routine) - expected) <= 4 * np.sqrt(expected)  # a Poisson count within four sd


def test_restraint_follows_from_interdependence_and_boldness_from_backed_capability():
    inputs = CaucasusModel(BASELINE, rng=1).inputs
    restraint, dependence = inputs.restraint, inputs.dependence
    assert np.allclose(restraint, 1 - (1 - dependence) ** inputs.params.escalation_cost)
    order = np.argsort(dependence, axis=None)
    assert np.all(np.diff(restraint.reshape(-1)[order]) >= 0)  # more to lose, more restraint
    bold = inputs.boldness
    share = (bold / 2) ** (1 / inputs.params.deterrence)
    assert np.allclose(share + share.T, 1.0)  # the two shares of a dyad's backed capability sum to one


def test_distraction_makes_russia_less_bold_and_azerbaijan_bolder():
    def boldness(distraction):
        return CaucasusModel(BASELINE, rng=1, RUS_distraction=distraction).inputs.boldness

    calm_russia, drained_russia = boldness(0.0), boldness(0.9)
    assert drained_russia[RUS, AZE] < calm_russia[RUS, AZE]
    assert drained_russia[AZE, RUS] > calm_russia[AZE, RUS]


def test_backed_capability_counts_the_kin_behind_an_actor_but_not_its_rival():
    capability = np.array([4.0, 1.0, 2.0])
    kin = np.array([[0, 0, 0], [0, 0, 0.5], [0, 0.5, 0]])
    backed = responses.backed_capability(capability, kin)
    assert backed[1, 0] == 1.0 + 0.5 * 2.0  # actor 1 with its kin 2 behind it against 0
    assert backed[1, 2] == 1.0  # against its own kin, no one behind it
    assert backed[0, 1] == 4.0


def _with_shocks(tmp_path: Path, shocks: str, extra: str = "") -> Path:
    path = tmp_path / "scenario.toml"
    path.write_text(f'[scenario]\nextends = "{CALM}"\nname = "t"\n[parameters]\nroutine_scale = 0.0\n{extra}{shocks}')
    return path


def _shock(day_date: str, actor: str, target: str, cameo: str) -> str:
    return f'[[shocks]]\ndate = {day_date}\nactor = "{actor}"\ntarget = "{target}"\ncameo = "{cameo}"\n'


def test_a_cut_that_lasts_rupture_days_is_a_rupture_dated_to_its_start_and_ends_when_restored(tmp_path):
    detention = _shock("2025-01-10", "AZE", "RUS", "173")
    release = _shock("2025-02-20", "AZE", "RUS", "0841")
    model = CaucasusModel(_with_shocks(tmp_path, detention + release, "thaw_rate = 0.0\n"), rng=1).run()
    outcomes = model.outcomes()
    assert outcomes.rupture and outcomes.rupture_date == "2025-01-10"
    assert outcomes.restored and outcomes.restored_date == "2025-02-20"


def test_a_second_rupture_is_counted_and_clears_the_restoration_until_it_ends(tmp_path):
    shocks = "".join(
        _shock(date, "AZE", "RUS", cameo)
        for date, cameo in (("2025-01-10", "173"), ("2025-02-20", "0841"), ("2025-04-01", "173"))
    )
    outcomes = CaucasusModel(_with_shocks(tmp_path, shocks, "thaw_rate = 0.0\n"), rng=1).run().outcomes()
    assert outcomes.rupture_date == "2025-01-10" and outcomes.ruptures == 2
    assert not outcomes.restored  # the second rupture still stands at the horizon


def test_a_cut_mended_before_rupture_days_is_no_rupture(tmp_path):
    detention = _shock("2025-01-10", "AZE", "RUS", "173")
    release = _shock("2025-01-15", "AZE", "RUS", "0841")
    outcomes = CaucasusModel(_with_shocks(tmp_path, detention + release, "thaw_rate = 0.0\n"), rng=1).run().outcomes()
    assert not outcomes.rupture and not outcomes.restored and outcomes.ruptures == 0


def test_rupture_does_not_depend_on_trust(tmp_path):
    detention = _shock("2025-01-10", "AZE", "RUS", "173")
    path = _with_shocks(tmp_path, detention, "thaw_rate = 0.0\n")
    for rate in (0.0, 0.2, 0.9):
        outcomes = CaucasusModel(path, rng=1, trust_rate=rate).run().outcomes()
        assert outcomes.rupture and outcomes.rupture_date == "2025-01-10" and not outcomes.restored


def test_a_cut_standing_fades_no_lower_than_the_freeze_until_an_agreement(tmp_path):
    model = CaucasusModel(BASELINE, rng=1).run()
    standing = model.state.standing
    cut = standing > 2.5
    assert np.all(standing[cut] >= 3.0)


def _equal_runs(a: CaucasusModel, b: CaucasusModel) -> bool:
    same_outcomes = {**a.outcomes().to_dict(), "scenario": ""} == {**b.outcomes().to_dict(), "scenario": ""}
    return same_outcomes and np.array_equal(a.trust_history, b.trust_history)


@pytest.mark.parametrize(
    ("switch", "parameter", "null"),
    [
        ("solidarity", "solidarity", 0.0),
        ("balance_drift", "balance_rate", 0.0),
        ("catharsis", "catharsis", 0.0),
        ("escalation_costs", "escalation_cost", 0.0),
        ("way_back", "thaw_rate", 0.0),
        ("routine_interaction", "routine_scale", 0.0),
    ],
)
def test_a_switch_off_is_exactly_its_documented_reduced_model(tmp_path, switch, parameter, null):
    path = tmp_path / f"{switch}.toml"
    path.write_text(f'[scenario]\nextends = "{BASELINE}"\nname = "off"\n[mechanisms]\n{switch} = false\n')
    off = CaucasusModel(path, rng=3, horizon_days=220).run()
    reduced = CaucasusModel(BASELINE, rng=3, horizon_days=220, **{parameter: null}).run()
    assert getattr(off.config.params, parameter) == null
    assert _equal_runs(off, reduced)
    on = CaucasusModel(BASELINE, rng=3, horizon_days=220).run()
    others = {name: value for name, value in vars(on.config.params).items() if name != parameter}
    assert others == {name: value for name, value in vars(off.config.params).items() if name != parameter}


def test_switched_off_mechanisms_leave_no_trace():
    quiet = CaucasusModel(BASELINE, rng=2, routine_scale=0.0, thaw_rate=0.0).run()
    kinds = {r.kind for r in quiet.log}
    assert EventKind.ROUTINE not in kinds
    conciliatory = {"040", "055", "0841", "057"}
    assert not any(r.kind == EventKind.RESPONSE and r.cameo in conciliatory for r in quiet.log)
    assert np.all(CaucasusModel(BASELINE, rng=2, escalation_cost=0.0).inputs.restraint == 0.0)


def test_the_null_model_answers_in_kind_and_never_moves_trust(tmp_path):
    path = tmp_path / "null.toml"
    path.write_text(f'[scenario]\nextends = "{BASELINE}"\nname = "null"\n[mechanisms]\nmodel = "reciprocity"\n')
    model = CaucasusModel(path, rng=1, horizon_days=240).run()
    assert model.config.model == "reciprocity"
    assert np.array_equal(model.trust_history, np.broadcast_to(model.config.baseline_trust, model.trust_history.shape))
    responses_ = [r for r in model.log if r.kind == EventKind.RESPONSE]
    assert responses_
    by_id = {r.event_id: r for r in model.log}
    for response in responses_:
        if response.goldstein < 0 and response.cause_id is not None:  # a hostile answer is no harsher than its cause
            cause = by_id[response.cause_id]
            assert -response.goldstein <= -cause.goldstein + 10 * cause.affront + 1e-9


@pytest.mark.parametrize(
    ("table", "key", "allowed"),
    [
        ("[mechanisms]\nsolidarty = false\n", "mechanisms.solidarty", "allowed"),
        ("[mechanisms]\nsolidarity = 0\n", "mechanisms.solidarity", "true or false"),
        ('[mechanisms]\nmodel = "tft"\n', "mechanisms.model", "crisis, reciprocity"),
        ("[parameters]\nthaw_rate = 0.3\n[mechanisms]\nway_back = false\n", "parameters.thaw_rate", "switches off"),
    ],
)
def test_bad_mechanisms_name_the_key_and_what_is_allowed(tmp_path, table, key, allowed):
    from sim.errors import ConfigError

    path = tmp_path / "bad.toml"
    path.write_text(f'[scenario]\nextends = "{BASELINE}"\nname = "bad"\n{table}')
    with pytest.raises(ConfigError) as error:
        load_scenario(path)
    assert key in str(error.value) and allowed in str(error.value)


def test_shipped_new_scenarios_run():
    for name in ("calm", "russia_undistracted"):
        model = CaucasusModel(SCENARIOS / f"{name}.toml", rng=1, horizon_days=220).run()
        assert model.day == 220


def test_replace_keeps_inputs_consistent():
    inputs = CaucasusModel(BASELINE, rng=1).inputs
    cheaper = replace(inputs, params=replace(inputs.params, escalation_cost=0.0))
    assert np.all(cheaper.restraint == 0.0)


def test_the_null_model_refuses_a_switch_it_turns_off(tmp_path):
    from sim.errors import ConfigError

    path = tmp_path / "null_on.toml"
    path.write_text(
        f'[scenario]\nextends = "{BASELINE}"\nname = "n"\n[mechanisms]\nmodel = "reciprocity"\nway_back = true\n'
    )
    with pytest.raises(ConfigError, match="mechanisms.way_back"):
        load_scenario(path)


def test_a_switched_off_parameter_cannot_be_varied_by_a_batch_or_a_sweep(tmp_path):
    from experiments.sweep_config import load_sweep
    from sim.errors import ConfigError
    from sim.inputs import rule_inputs

    null = ROOT_STUDIES / "null_model.toml"
    with pytest.raises(ConfigError, match="switched off"):
        rule_inputs(load_scenario(null), {"parameters.trust_rate": np.array([0.3, 0.4])})
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(
        f'[sweep]\nscenario = "{null}"\nreplicates = 1\n[design]\nkind = "latin_hypercube"\nsamples = 4\n'
        '[parameters]\n"parameters.thaw_rate" = { min = 0.0, max = 1.0 }\n'
    )
    with pytest.raises(ConfigError, match='parameters."parameters.thaw_rate"'):
        load_sweep(sweep)


def test_a_record_row_with_too_few_or_too_many_fields_is_a_config_error(tmp_path):
    from sim.errors import ConfigError
    from sim.record import RECORD_COLUMNS, load_record

    path = tmp_path / "record.csv"
    for row in ("2025-01-01,AZE,RUS", "2025-01-01,AZE,RUS,111,-2.0,x,y,high,extra"):
        path.write_text(",".join(RECORD_COLUMNS) + "\n" + row + "\n")
        with pytest.raises(ConfigError, match="line 2"):
            load_record(path)
