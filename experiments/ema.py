"""The model in the EMA Workbench: uncertainties from the parameter metadata, outcomes from the registry.

    from experiments.ema import EnsembleEvaluator, ema_model

    model = ema_model("baseline", ["trust_rate", "RUS_distraction", "AZE_sensitivity"])
    with EnsembleEvaluator(model) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=200)

- Uncertainties (`uncertainties`): any model parameter (`trust_rate`) or actor disposition
  (`RUS_distraction`), named as `CaucasusModel` takes them, with the allowed range of
  `sim.parameters` (a narrower range may be given); integer parameters become
  `IntegerParameter`s. With no names, every parameter and every actor's disposition (87).
- Outcomes (`SCALAR_OUTCOMES`): every numeric column of the outcome registry
  (`sim.outcomes.OUTCOMES`: `rupture`, the `_day` outcomes as day indices with NaN for never,
  `n_<cameo>`, trust, influence, ...) and one 0/1 indicator per value of a category outcome
  (`corridor_none`, `corridor_neutral_operator`, ... as `caucasus analyze` names them). The
  workbench's `ScalarOutcome` takes numbers only, so string outcomes (`blocs`) are left out
  (`LEFT_OUT`); a new registry entry appears here without a change to this module.
- `ema_model` gives a workbench `Model`: one run per experiment, its seed the constant `seed`
  (the scenario's seed unless given). `ema_replicator` gives a `ReplicatorModel`: every
  experiment run once per replicate seed (spawned from a master seed, the same seeds for every
  experiment: common random numbers), each outcome an `ArrayOutcome` of one value per
  replicate (`ema_workbench.process_replications` averages them). Both use `RegistryOutcome`.

Batches. The workbench evaluates one experiment at a time through a model's `run_model`, so the
ensemble engine (`sim.ensemble`) is used where the workbench leaves room for a batch: a
`ReplicatorModel` runs all the replicates of an experiment in one ensemble batch, and
`EnsembleEvaluator` (an evaluator, the workbench's unit of execution) runs many experiments in
one batch, `batch_runs` runs at a time, and hands each experiment's outcomes to the workbench's
callback as any evaluator does. The workbench's own `SequentialEvaluator` and
`MultiprocessingEvaluator` work too, one experiment (one ensemble batch of its replicates) per call.
A batch shares the scenario's shocks and horizon; it differs only in parameters, dispositions
and seeds, which is all the uncertainties here can vary.
"""

from __future__ import annotations

import itertools
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

with warnings.catch_warnings():  # the workbench warns on import that ipyparallel is not installed
    warnings.simplefilter("ignore")
    from ema_workbench import (
        Constant,
        IntegerParameter,
        Model,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
    )
    from ema_workbench.em_framework.evaluators import BaseEvaluator
    from ema_workbench.em_framework.model import AbstractModel
    from ema_workbench.em_framework.outcomes import Outcome
    from ema_workbench.em_framework.parameters import Parameter
    from ema_workbench.em_framework.points import Experiment
    from ema_workbench.util import EMAError

from experiments.replicates import replicate_seeds
from sim.actors import actor_codes
from sim.config import Scenario
from sim.ensemble import run_ensemble
from sim.errors import ConfigError
from sim.model import keyword_overrides, resolve_scenario
from sim.outcomes import OUTCOMES, CategoryOutcome
from sim.parameters import Disposition, ModelParams

SEED = "seed"  # the constant holding a single-replication model's seed
DEFAULT_BATCH_RUNS = 1024  # runs per ensemble batch in EnsembleEvaluator (the sweeps' chunk size: judgement)
SOURCE = "experiments.ema"  # names the caller in a ConfigError


@dataclass(frozen=True)
class ParameterSpec:
    """One tunable input as an uncertainty: its keyword name, allowed range, type and meaning."""

    name: str
    low: float
    high: float
    integer: bool
    doc: str

    def parameter(self, low: float | None = None, high: float | None = None) -> Parameter:
        """The workbench parameter over [low, high] (default: the whole allowed range)."""
        low, high = self.low if low is None else low, self.high if high is None else high
        if self.integer:
            return IntegerParameter(self.name, int(low), int(high))
        return RealParameter(self.name, float(low), float(high))


def parameter_specs() -> dict[str, ParameterSpec]:
    """Every model parameter and every actor's disposition, by the keyword `CaucasusModel` takes."""
    specs = {}
    for field in fields(ModelParams):
        specs[field.name] = _spec(field.name, field)
    for code in actor_codes():
        for field in fields(Disposition):
            specs[f"{code}_{field.name}"] = _spec(f"{code}_{field.name}", field)
    return specs


def _spec(name: str, field: Any) -> ParameterSpec:
    low, high = field.metadata["range"]
    return ParameterSpec(name, low, high, isinstance(field.default, int), field.metadata["doc"])


def uncertainties(
    names: Iterable[str] | None = None, ranges: Mapping[str, tuple[float, float]] | None = None
) -> list[Parameter]:
    """Workbench parameters for the named inputs (all when None), over `ranges` or their allowed range.

    Raises:
        ConfigError: an unknown name, or a range outside the allowed one (naming what is allowed).
    """
    specs = parameter_specs()
    ranges = dict(ranges or {})
    chosen = list(specs) if names is None else list(names)
    for name in [*chosen, *ranges]:
        if name not in specs:
            raise ConfigError(
                SOURCE,
                name,
                "unknown parameter; allowed: a model parameter (trust_rate) or ACTOR_disposition (RUS_distraction)",
            )
    parameters = []
    for name in chosen:
        spec = specs[name]
        low, high = ranges.get(name, (spec.low, spec.high))
        if not spec.low <= low < high <= spec.high:
            raise ConfigError(SOURCE, name, f"range ({low}, {high}) not within [{spec.low}, {spec.high}], low < high")
        parameters.append(spec.parameter(low, high))
    return parameters


def _scalar_sources() -> tuple[tuple[str, str, str | None], ...]:
    """(EMA outcome name, outcome table column, category value or None) for every numeric outcome."""
    sources: list[tuple[str, str, str | None]] = []
    for outcome in OUTCOMES:
        if isinstance(outcome, CategoryOutcome):
            sources += [(outcome.indicator_name(value), outcome.name, value) for value in outcome.categories]
        elif outcome.dtype in ("bool", "int", "float"):
            sources += [(column, column, None) for column in outcome.column_names]
    return tuple(sources)


SCALAR_SOURCES = _scalar_sources()
SCALAR_OUTCOMES: tuple[str, ...] = tuple(name for name, _, _ in SCALAR_SOURCES)
LEFT_OUT: tuple[str, ...] = tuple(
    column
    for outcome in OUTCOMES
    if outcome.dtype == "str" and not isinstance(outcome, CategoryOutcome)
    for column in outcome.column_names
)


def scalar_rows(columns: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    """Every run's numeric outcomes (`SCALAR_OUTCOMES`, Python scalars) from outcome table columns."""
    values = {
        name: (columns[column] == value) if value is not None else columns[column]
        for name, column, value in SCALAR_SOURCES
    }
    size = len(next(iter(columns.values())))
    return [{name: values[name][run].item() for name in SCALAR_OUTCOMES} for run in range(size)]


def run_batch(config: Scenario, inputs: Sequence[Mapping[str, Any]], seeds: Sequence[int]) -> list[dict[str, Any]]:
    """Run `config` once per (inputs, seed) pair in one ensemble batch; each run's numeric outcomes.

    Args:
        config: the scenario (its shocks and horizon shared by every run).
        inputs: each run's parameter values by keyword name (`trust_rate`, `RUS_distraction`); every
            run names the same parameters.
        seeds: each run's seed.
    """
    names = sorted({name for values in inputs for name in values})
    dotted = keyword_overrides(dict.fromkeys(names, 0))  # keyword name -> dotted config key, checked
    keys = list(dotted)
    batch = {key: np.array([values[name] for values in inputs]) for key, name in zip(keys, names, strict=True)}
    result = run_ensemble(config, [int(seed) for seed in seeds], batch or None)
    return scalar_rows(result.outcomes())


class RegistryOutcome(ScalarOutcome):
    """A registry outcome in the workbench: a number per run, or a list of numbers (one per replicate).

    One class for both models: the workbench keeps one outcome class per name in a process, so
    a `Model` and a `ReplicatorModel` of the same outcomes must share it. `save_results` writes
    either shape; `load_results` reads a replicated one back as [experiments, replicates].
    """

    def process(self, values: list[Any]) -> Any:
        """The value, checked: a number, or a list of numbers."""
        value = Outcome.process(self, values)
        numbers_only = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, numbers.Number) for v in numbers_only):
            raise EMAError(f"outcome {self.name} should be a number or a list of numbers, not {value!r}")
        return value

    @classmethod
    def from_disk(cls, filename: str, archive: Any) -> np.ndarray:
        """A column as [experiments], a replicated outcome as [experiments, replicates]."""
        values = pd.read_csv(archive.extractfile(filename), index_col=False, header=None).to_numpy()
        return values[:, 0] if values.shape[1] == 1 else values


def _experiment_inputs(model: AbstractModel, experiment: Experiment) -> dict[str, Any]:
    """An experiment's values of the model's uncertainties and levers, by keyword name."""
    sample = experiment.scenario | experiment.policy
    values = {}
    for parameter in [*model.uncertainties, *model.levers]:
        value = sample.get(parameter.name, parameter.default)
        if value is None:
            raise ConfigError(SOURCE, parameter.name, f"has no value in experiment {experiment.experiment_id}")
        for variable in parameter.variable_name:
            values[variable] = value
    return values


class CaucasusEMAModel(Model):
    """The model as a workbench `Model`: one run per experiment, seeded by the constant `seed`."""

    def __init__(self, name: str, config: Scenario, seed: int):
        """A workbench model of `config` (see `ema_model`)."""
        self.config = config
        super().__init__(name, function=self.run_one)
        self.outcomes = [RegistryOutcome(outcome) for outcome in SCALAR_OUTCOMES]
        self.constants = [Constant(SEED, seed)]

    def run_one(self, seed: int, **inputs: Any) -> dict[str, Any]:
        """One run (the workbench calls this with an experiment's values and the seed)."""
        return run_batch(self.config, [inputs], [seed])[0]

    def evaluate(self, experiments: Sequence[Experiment]) -> list[dict[str, Any]]:
        """Every experiment's outcomes, from one ensemble batch."""
        seed = next(c.value for c in self.constants if c.name == SEED)
        rows = run_batch(self.config, [_experiment_inputs(self, e) for e in experiments], [seed] * len(experiments))
        return [self.processed(row) for row in rows]

    def processed(self, outputs: Mapping[str, Any]) -> dict[str, Any]:
        """The outcomes as the workbench stores them (each `Outcome.process` applied)."""
        self.outcomes_output = outputs
        processed = dict(self.outcomes_output)
        self.reset_model()
        return processed


class CaucasusEMAReplicator(ReplicatorModel):
    """The model as a workbench `ReplicatorModel`: every experiment run once per replicate seed, in one batch."""

    def __init__(self, name: str, config: Scenario, seeds: Sequence[int]):
        """A replicated workbench model of `config` (see `ema_replicator`)."""
        self.config = config
        super().__init__(name, function=self.run_one)
        self.outcomes = [RegistryOutcome(outcome) for outcome in SCALAR_OUTCOMES]
        self.replications = [{SEED: int(seed)} for seed in seeds]

    @property
    def seeds(self) -> list[int]:
        """The replicates' seeds (the same for every experiment)."""
        return [replication[SEED] for replication in self.replications]

    def run_one(self, seed: int, **inputs: Any) -> dict[str, Any]:
        """One replicate of one experiment (what the workbench's own loop would call)."""
        return run_batch(self.config, [inputs], [seed])[0]

    def run_model(self, scenario: Any, policy: Any, constants: Any) -> None:
        """Run every replicate of one experiment in one ensemble batch (replaces the workbench's loop)."""
        AbstractModel.run_model(self, scenario, policy, constants)  # initialise and name the inputs
        inputs = {**scenario, **self.policy}
        rows = run_batch(self.config, [inputs] * len(self.seeds), self.seeds)
        self.outcomes_output = {name: [row[name] for row in rows] for name in SCALAR_OUTCOMES}

    def evaluate(self, experiments: Sequence[Experiment]) -> list[dict[str, Any]]:
        """Every experiment's outcomes (a list over the replicates each), from one ensemble batch."""
        n = len(self.seeds)
        inputs = [_experiment_inputs(self, e) for e in experiments for _ in range(n)]
        rows = run_batch(self.config, inputs, self.seeds * len(experiments))
        results = []
        for start in range(0, len(rows), n):
            replicates = rows[start : start + n]
            self.outcomes_output = {name: [row[name] for row in replicates] for name in SCALAR_OUTCOMES}
            results.append(dict(self.outcomes_output))
            self.reset_model()
        return results


def _config(scenario: str | Path | Scenario, horizon_days: int | None) -> Scenario:
    return resolve_scenario(scenario, {"scenario.horizon_days": horizon_days} if horizon_days else None)


def ema_model(
    scenario: str | Path | Scenario = "baseline",
    names: Iterable[str] | None = None,
    *,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    seed: int | None = None,
    horizon_days: int | None = None,
    name: str = "caucasus",
) -> CaucasusEMAModel:
    """A workbench `Model` of the scenario (a name in configs/scenarios/, a TOML path or a `Scenario`).

    Args:
        scenario: the scenario run by every experiment.
        names: the uncertainties (keyword names); all parameters and dispositions when None.
        ranges: narrower ranges of some of them, by name.
        seed: every run's seed (the constant `seed`); the scenario's when None.
        horizon_days: a shorter (or longer) horizon than the scenario's.
        name: the model's name in the workbench's results (a Python identifier).
    """
    config = _config(scenario, horizon_days)
    model = CaucasusEMAModel(name, config, config.seed if seed is None else seed)
    model.uncertainties = uncertainties(names, ranges)
    return model


def ema_replicator(
    scenario: str | Path | Scenario = "baseline",
    names: Iterable[str] | None = None,
    *,
    replicates: int = 10,
    master_seed: int = 2025,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    horizon_days: int | None = None,
    name: str = "caucasus",
) -> CaucasusEMAReplicator:
    """A workbench `ReplicatorModel`: `replicates` seeds spawned from `master_seed` (see `ema_model`)."""
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise ConfigError(SOURCE, "replicates", f"{replicates!r}; allowed: a whole number of at least 1")
    config = _config(scenario, horizon_days)
    model = CaucasusEMAReplicator(name, config, replicate_seeds(master_seed, replicates))
    model.uncertainties = uncertainties(names, ranges)
    return model


class EnsembleEvaluator(BaseEvaluator):
    """A workbench evaluator that runs experiments through the ensemble engine, `batch_runs` runs at a time.

    Takes `ema_model`s and `ema_replicator`s (their `evaluate`); results are what the workbench's
    `SequentialEvaluator` gives for the same experiments.
    """

    def __init__(self, msis: AbstractModel | list[AbstractModel], batch_runs: int = DEFAULT_BATCH_RUNS):
        """An evaluator of the models, running up to `batch_runs` runs per ensemble batch."""
        super().__init__(msis)
        for model in self._msis:
            if not isinstance(model, CaucasusEMAModel | CaucasusEMAReplicator):
                raise TypeError(f"{model.name}: EnsembleEvaluator runs ema_model / ema_replicator models only")
        self.batch_runs = batch_runs

    def initialize(self) -> None:
        """Nothing to start: the batches run in this process."""

    def finalize(self) -> None:
        """Nothing to stop."""

    def evaluate_experiments(self, experiments: Iterable[Experiment], callback: Callable, **kwargs: Any) -> None:
        """Run the experiments in batches and hand each one's outcomes to the callback."""
        models = {model.name: model for model in self._msis}
        per_run = {name: len(getattr(model, "replications", [None])) for name, model in models.items()}
        size = max(1, self.batch_runs // max(per_run.values()))
        for batch in itertools.batched(experiments, size):
            for name, group in itertools.groupby(sorted(batch, key=lambda e: e.model_name), lambda e: e.model_name):
                group = list(group)
                for experiment, outcomes in zip(group, models[name].evaluate(group), strict=True):
                    callback(experiment, outcomes)
