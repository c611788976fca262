"""The EMA Workbench adapter: real `perform_experiments` runs against the model run directly."""

from __future__ import annotations

import math
import warnings
from dataclasses import fields

import numpy as np
import pytest

with warnings.catch_warnings():  # the workbench warns that ipyparallel is not installed
    warnings.simplefilter("ignore")
    from ema_workbench import Sample, SequentialEvaluator, load_results, perform_experiments, save_results

from experiments.ema import (
    LEFT_OUT,
    SCALAR_OUTCOMES,
    EnsembleEvaluator,
    ema_model,
    ema_replicator,
    parameter_specs,
    uncertainties,
)
from experiments.replicates import replicate_seeds
from sim.errors import ConfigError
from sim.model import CaucasusModel
from sim.outcomes import OUTCOME_NAMES, OUTCOMES, CategoryOutcome
from sim.parameters import Disposition, ModelParams

NAMES = ["trust_rate", "RUS_distraction", "AZE_sensitivity", "max_rung_step"]
SCENARIOS = [
    Sample(trust_rate=0.1, RUS_distraction=0.9, AZE_sensitivity=0.4, max_rung_step=1),
    Sample(trust_rate=0.3, RUS_distraction=0.3, AZE_sensitivity=1.5, max_rung_step=3),
    Sample(trust_rate=0.6, RUS_distraction=0.7, AZE_sensitivity=1.0, max_rung_step=7),
]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _direct(params: dict, seed: int) -> dict:
    """The numeric outcomes of the Mesa model run directly, as the adapter names them."""
    flat = CaucasusModel("baseline", rng=seed, **params).run().outcomes()
    row = {}
    for outcome in OUTCOMES:
        if isinstance(outcome, CategoryOutcome):
            row |= {outcome.indicator_name(v): flat[outcome.name] == v for v in outcome.categories}
        else:
            row |= {column: flat[column] for column in outcome.column_names if column not in LEFT_OUT}
    return row


def test_the_outcomes_are_every_numeric_registry_column_and_one_indicator_per_category():
    categories = [o for o in OUTCOMES if isinstance(o, CategoryOutcome)]
    indicators = {o.indicator_name(v) for o in categories for v in o.categories}
    assert set(SCALAR_OUTCOMES) == (set(OUTCOME_NAMES) - {o.name for o in categories} - set(LEFT_OUT)) | indicators
    assert LEFT_OUT == ("blocs",)  # the one string outcome that is no category


def test_uncertainties_take_the_ranges_of_the_parameter_metadata():
    specs = parameter_specs()
    assert len(specs) == len(fields(ModelParams)) + 8 * len(fields(Disposition))  # sim/parameters.py
    for parameter in uncertainties(NAMES):
        spec = specs[parameter.name]
        assert (parameter.lower_bound, parameter.upper_bound) == (spec.low, spec.high)
    assert type(uncertainties(["max_rung_step"])[0]).__name__ == "IntegerParameter"
    narrowed = uncertainties(["RUS_distraction"], {"RUS_distraction": (0.5, 1.0)})[0]
    assert (narrowed.lower_bound, narrowed.upper_bound) == (0.5, 1.0)


@pytest.mark.parametrize(
    ("names", "ranges", "key"),
    [(["trust_speed"], None, "trust_speed"), (["RUS_distraction"], {"RUS_distraction": (0.5, 1.5)}, "RUS_distraction")],
)
def test_an_unknown_parameter_or_a_range_beyond_the_allowed_one_is_a_config_error(names, ranges, key):
    with pytest.raises(ConfigError) as error:
        ema_model("baseline", names, ranges=ranges)
    assert error.value.key == key


@pytest.mark.slow
def test_perform_experiments_gives_what_the_model_run_directly_gives():
    model = ema_model("baseline", NAMES, seed=4)
    experiments, outcomes = perform_experiments(model, scenarios=SCENARIOS)
    assert list(outcomes) == list(SCALAR_OUTCOMES) and len(experiments) == len(SCENARIOS)
    for row, scenario in enumerate(SCENARIOS):
        assert all(experiments[name][row] == scenario[name] for name in NAMES)
        direct = _direct(dict(scenario), seed=4)
        for name in SCALAR_OUTCOMES:
            assert _same(outcomes[name][row].item(), direct[name]), (row, name)
        corridor = [name for name in SCALAR_OUTCOMES if name.startswith("corridor_") and name != "corridor_day"]
        assert sum(outcomes[name][row] for name in corridor) == 1  # exactly one arrangement (or none) per run


@pytest.mark.slow
def test_the_ensemble_evaluator_gives_what_the_sequential_evaluator_gives():
    model = ema_model("baseline", NAMES)
    with SequentialEvaluator(model) as evaluator:
        _, sequential = evaluator.perform_experiments(scenarios=SCENARIOS)
    with EnsembleEvaluator(model, batch_runs=2) as evaluator:  # two batches
        _, batched = evaluator.perform_experiments(scenarios=SCENARIOS)
    for name in SCALAR_OUTCOMES:
        np.testing.assert_array_equal(sequential[name], batched[name], err_msg=name)


@pytest.mark.slow
def test_a_replicator_runs_every_experiment_on_the_same_replicate_seeds(tmp_path):
    model = ema_replicator("baseline", NAMES, replicates=3, master_seed=7)
    assert model.seeds == replicate_seeds(7, 3)
    _, outcomes = perform_experiments(model, scenarios=SCENARIOS[:2])
    with EnsembleEvaluator(model) as evaluator:
        _, batched = evaluator.perform_experiments(scenarios=SCENARIOS[:2])
    for row, scenario in enumerate(SCENARIOS[:2]):
        for replicate, seed in enumerate(model.seeds):
            direct = _direct(dict(scenario), seed)
            for name in ("rupture", "trust_AZE_RUS_min", "n_173", "corridor_none", "rupture_day"):
                assert _same(outcomes[name][row, replicate].item(), direct[name]), (row, replicate, name)
    for name in SCALAR_OUTCOMES:
        assert outcomes[name].shape == (2, 3)
        np.testing.assert_array_equal(outcomes[name], batched[name], err_msg=name)
    archive = tmp_path / "results.tar.gz"
    save_results(perform_experiments(model, scenarios=SCENARIOS[:2]), archive)
    _, loaded = load_results(archive)
    np.testing.assert_array_equal(loaded["trust_AZE_RUS_min"], outcomes["trust_AZE_RUS_min"])
