"""The ensemble engine equals the Mesa model: same seeds, same outcomes, same event logs, bit for bit.

Both run the one day loop of `sim.core.Simulation`; these tests keep it so.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.ensemble import run_ensemble
from sim.model import CaucasusModel, resolve_scenario

SCENARIOS = ["baseline", "no_raid", "putin_apologises", "russia_retaliates", "iran_escalates"]


def _assert_same_outcomes(mesa_outcomes, ensemble_outcomes):
    assert ensemble_outcomes.to_dict() == mesa_outcomes.to_dict()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_replicate_equals_its_mesa_run(scenario):
    config = resolve_scenario(scenario)
    seeds = [1, 2, 3, 2025]
    result = run_ensemble(config, seeds)
    for run, seed in enumerate(seeds):
        model = CaucasusModel(config, rng=seed).run()
        _assert_same_outcomes(model.outcomes(), result.run_outcomes(run))
        assert result.event_log(run) == model.log
        np.testing.assert_array_equal(result.state.trust[run], model.state.trust)


def test_per_run_parameters_equal_mesa_runs_with_those_overrides():
    """Each run of a batch may have its own parameters and dispositions (what a sweep varies)."""
    config = resolve_scenario("baseline")
    batch = {
        "parameters.trust_rate": np.array([0.1, 0.3, 0.35]),
        "parameters.max_rung_step": np.array([1, 2, 3]),
        "parameters.agreement_days": np.array([5, 21, 60]),
        "actors.RUS.distraction": np.array([0.2, 0.6, 0.99]),
        "parameters.escalation_cost": np.array([0.0, 3.0, 12.0]),
        "actors.AZE.memory_half_life_days": np.array([10.0, 100.0, 500.0]),
        "actors.USA.presence": np.array([0.1, 0.5, 0.9]),
        "actors.TUR.response_threshold": np.array([0.2, 1.0, 3.0]),
    }
    seeds = [7, 7, 8]  # a shared seed shares its draws; parameters still differ
    result = run_ensemble(config, seeds, batch)
    for run, seed in enumerate(seeds):
        overrides = {key: values[run].item() for key, values in batch.items()}
        model = CaucasusModel(config, rng=seed, **overrides).run()
        _assert_same_outcomes(model.outcomes(), result.run_outcomes(run))
        assert result.event_log(run) == model.log


def test_outcome_columns_are_one_row_per_run_and_match_both_engines():
    config = resolve_scenario("baseline")
    result = run_ensemble(config, [4, 5])
    columns = result.outcomes()
    assert all(len(values) == 2 for values in columns.values())
    model = CaucasusModel(config, rng=5).run()
    single = model.outcome_table()
    assert list(single) == list(columns)
    for name, values in columns.items():
        np.testing.assert_array_equal(values[1:], single[name], err_msg=name)


def test_a_runs_numbers_do_not_depend_on_the_batch_it_is_run_in():
    """Numbers are keyed by (seed, day, purpose, index): any batch, order or size gives each run the same."""
    config = resolve_scenario("baseline")
    alone = run_ensemble(config, [9])
    among = run_ensemble(config, [3, 9, 9, 2025])
    for run in (1, 2):
        assert among.run_outcomes(run).to_dict() == alone.run_outcomes(0).to_dict()
        assert among.event_log(run) == alone.event_log(0)
    np.testing.assert_array_equal(among.state.trust[1], alone.state.trust[0])
