"""Sweep configs: which scenario to vary, which parameters over which ranges, with which design.

A sweep is a TOML file (see `configs/sweeps/`):

    [sweep]
    name = "rupture_drivers"                 # default: the file's name
    description = "What drives a Russia-Azerbaijan rupture?"
    scenario = "../scenarios/baseline.toml"  # relative to this file
    replicates = 10                          # runs per design point, >= 1
    master_seed = 2025                       # per-run seeds are spawned from it
    seeds = "common"                         # common (default) | independent
    outcomes = ["rupture", "trust_AZE_RUS_min"]   # default: every outcome
    chunk_runs = 1024                        # runs per result file (default: 1024 ensemble, 16 mesa)

    [design]
    kind = "sobol"           # full_factorial | latin_hypercube | sobol | morris
    samples = 256            # sobol: base samples N (a power of 2); latin_hypercube: points;
                             # morris: trajectories
    second_order = false     # sobol only
    levels = 4               # morris only: grid levels (even, >= 2)
    seed = 1                 # sampler seed (default: master_seed)

    [parameters]
    "parameters.trust_rate" = { min = 0.1, max = 0.4 }
    "actors.RUS.distraction" = { min = 0.0, max = 0.9 }
    "actors.AZE.sensitivity" = { values = [0.4, 0.8] }     # full_factorial only
    "parameters.max_rung_step" = { min = 1, max = 3, levels = 3 }   # full_factorial: evenly spaced

Parameters are any model parameter (`parameters.NAME`) or actor disposition
(`actors.CODE.NAME`), within the range the model allows; integer parameters are rounded.
Seeds: with `common`, replicate r of every design point uses the same seed (common random
numbers: differences between points are the parameters', not the noise's); with `independent`,
every run has its own seed. Either way a run's seed depends only on the master seed and its
run id, never on how runs are split over workers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from experiments.sensitivity import DESIGNS as DESIGN_KINDS
from sim.actors import INDEX
from sim.config import MAX_SEED, Scenario, scenario_named_by
from sim.config.fields import check_keys, read_flag, read_number, read_string, read_table
from sim.config.source import read_toml
from sim.errors import ConfigError
from sim.inputs import refuse_switched_off
from sim.outcomes import OUTCOME_NAMES
from sim.parameters import Disposition, ModelParams
from sim.provenance import canonical_hash

if TYPE_CHECKING:
    from experiments.posterior_runs import PosteriorDraws

DESIGNS = tuple(DESIGN_KINDS)  # full_factorial, latin_hypercube, sobol, morris
SEED_POLICIES = ("common", "independent")
SWEEP_KEYS = ("name", "description", "scenario", "replicates", "master_seed", "seeds", "outcomes", "chunk_runs")
DESIGN_KEYS = ("kind", "samples", "second_order", "levels", "seed")


@dataclass(frozen=True, kw_only=True)
class ParameterSpec:
    """One varied parameter: a range (`low`, `high`) or explicit `values`; `integer` when it counts."""

    name: str
    low: float | None = None
    high: float | None = None
    values: tuple[float, ...] | None = None
    levels: int | None = None
    integer: bool = False

    def resolved(self) -> dict[str, Any]:
        """JSON-ready form for the manifest."""
        if self.values is not None:
            return {"values": list(self.values), "integer": self.integer}
        spec = {"min": self.low, "max": self.high, "integer": self.integer}
        return spec | ({"levels": self.levels} if self.levels else {})

    @property
    def bounds(self) -> tuple[float, float]:
        """The range sampled (the extremes of `values` when given as a list)."""
        if self.values is not None:
            return min(self.values), max(self.values)
        return self.low, self.high


@dataclass(frozen=True, kw_only=True)
class DesignSpec:
    """How design points are sampled."""

    kind: str
    samples: int | None
    second_order: bool
    levels: int | None
    seed: int


@dataclass(frozen=True, kw_only=True)
class SweepConfig:
    """A validated sweep."""

    name: str
    description: str
    source: str
    scenario_path: Path
    scenario: Scenario
    design: DesignSpec
    parameters: tuple[ParameterSpec, ...]
    replicates: int
    master_seed: int
    seeds: str
    outcomes: tuple[str, ...]
    chunk_runs: int | None
    posterior: PosteriorDraws | None = None  # `--posterior`: replicate r of every point takes draw r (`with_posterior`)

    @property
    def parameter_names(self) -> list[str]:
        """The varied parameters' dotted names, in file order."""
        return [p.name for p in self.parameters]

    @property
    def drawn_names(self) -> list[str]:
        """The calibrated parameters drawn from the posterior: those the design does not vary (none without one)."""
        if self.posterior is None:
            return []
        return [name for name in self.posterior.names if name not in self.parameter_names]

    def resolved(self) -> dict[str, Any]:
        """The sweep as resolved, JSON-ready (the scenario by its name, hash and inputs)."""
        return {
            "name": self.name,
            "description": self.description,
            "scenario": {
                "path": str(self.scenario_path),
                "name": self.scenario.name,
                "config_hash": self.scenario.config_hash(),
                "horizon_days": self.scenario.horizon_days,
                "source_config": self.scenario.source_config(),
            },
            "design": asdict(self.design),
            "parameters": {p.name: p.resolved() for p in self.parameters},
            "replicates": self.replicates,
            "master_seed": self.master_seed,
            "seeds": self.seeds,
            "outcomes": list(self.outcomes),
            "chunk_runs": self.chunk_runs,
        } | ({"posterior": self._posterior_resolved()} if self.posterior is not None else {})

    def _posterior_resolved(self) -> dict[str, Any]:
        """The posterior's identity, which parameters it sets and which the design overrides."""
        return self.posterior.identity() | {
            "drawn": self.drawn_names,
            "overridden_by_design": [name for name in self.posterior.names if name in self.parameter_names],
            "rule": "replicate r of every design point takes draw r of the parameters not varied by the design; "
            "a calibrated parameter the design varies takes the design's value",
        }

    def config_hash(self) -> str:
        """SHA-256 of what decides the results: the resolved sweep minus names, paths and chunking.

        Under a posterior its SHA-256, draws and master seed are part of it (its path is not): a
        resumed sweep refuses another posterior, and one without it.
        """
        identity = self.resolved()
        for key in ("name", "description", "chunk_runs"):
            identity.pop(key)
        identity["scenario"] = identity["scenario"]["config_hash"]
        if "posterior" in identity:
            identity["posterior"].pop("path")
        return canonical_hash(identity)


def load_sweep(path: str | Path) -> SweepConfig:
    """Read and validate a sweep file; every mistake is a `ConfigError` naming the key."""
    path = Path(path)
    raw = read_toml(path)
    source = str(path)
    check_keys(raw, ("sweep", "design", "parameters"), source, "")
    head = read_table(raw, "sweep", source, required=True)
    check_keys(head, SWEEP_KEYS, source, "sweep.")
    scenario_path, scenario = scenario_named_by(path, head, "sweep.", source)
    master_seed = int(read_number(head, "master_seed", source, "sweep.", 0, MAX_SEED, integer=True, default=0))
    parameters = _read_parameters(read_table(raw, "parameters", source, required=True), source)
    for parameter in parameters:
        refuse_switched_off(scenario, [parameter.name], source, f'parameters."{parameter.name}"')
    design = _read_design(read_table(raw, "design", source, required=True), source, master_seed)
    _check_parameters_fit_design(parameters, design, source)
    return SweepConfig(
        name=read_string(head, "name", source, "sweep.", default=path.stem),
        description=read_string(head, "description", source, "sweep.", default=""),
        source=source,
        scenario_path=scenario_path,
        scenario=scenario,
        design=design,
        parameters=parameters,
        replicates=int(read_number(head, "replicates", source, "sweep.", 1, 1_000_000, integer=True)),
        master_seed=master_seed,
        seeds=_read_choice(head, "seeds", SEED_POLICIES, source, "sweep.", default="common"),
        outcomes=_read_outcomes(head, source),
        chunk_runs=_optional_int(head, "chunk_runs", source, "sweep.", 1, 1_000_000),
    )


def with_posterior(config: SweepConfig, draws: PosteriorDraws) -> SweepConfig:
    """The sweep under a posterior: one replicate per draw (`sweep.replicates` gives way to `--draws`)."""
    return replace(config, replicates=draws.count, posterior=draws)


def _read_design(table: dict[str, Any], source: str, master_seed: int) -> DesignSpec:
    check_keys(table, DESIGN_KEYS, source, "design.")
    kind = _read_choice(table, "kind", DESIGNS, source, "design.")
    samples = _optional_int(table, "samples", source, "design.", 1, 10_000_000)
    levels = _optional_int(table, "levels", source, "design.", 2, 1000)
    second_order = read_flag(table, "second_order", source, "design.")
    levels = DESIGN_KINDS[kind].read_options(samples, second_order, levels, source)
    seed = int(read_number(table, "seed", source, "design.", 0, 2**32 - 1, integer=True, default=master_seed % 2**32))
    return DesignSpec(kind=kind, samples=samples, second_order=second_order, levels=levels, seed=seed)


def _read_parameters(table: dict[str, Any], source: str) -> tuple[ParameterSpec, ...]:
    if not table:
        raise ConfigError(source, "parameters", "empty; name at least one parameter to vary")
    return tuple(_read_parameter(name, spec, source) for name, spec in _flatten(table))


def _flatten(table: dict[str, Any], prefix: str = ""):
    """(dotted name, spec) pairs: quoted dotted keys and nested tables both work."""
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not (value.keys() & {"min", "max", "values", "levels"}):
            yield from _flatten(value, f"{name}.")
        else:
            yield name, value


def _read_parameter(name: str, spec: Any, source: str) -> ParameterSpec:
    key = f'parameters."{name}"'  # the TOML path of the entry
    low, high, integer = allowed_range(name, source, key)
    if not isinstance(spec, dict):
        raise ConfigError(source, key, "give a table: { min = ..., max = ... } or { values = [...] }")
    check_keys(spec, ("min", "max", "values", "levels"), source, f"{key}.")
    if "values" in spec:
        if spec.keys() & {"min", "max", "levels"}:
            raise ConfigError(source, key, "give either values or min and max, not both")
        values = _read_values(spec["values"], low, high, integer, source, f"{key}.values")
        return ParameterSpec(name=name, values=values, integer=integer)
    given = [read_number(spec, bound, source, f"{key}.", low, high, integer=integer) for bound in ("min", "max")]
    if given[0] > given[1]:
        raise ConfigError(source, key, f"min {given[0]} is above max {given[1]}; give min < max")
    if given[0] == given[1]:
        raise ConfigError(source, key, f"min and max are both {given[0]}; give a range (min < max) or leave it out")
    levels = _optional_int(spec, "levels", source, f"{key}.", 2, 1000)
    return ParameterSpec(name=name, low=given[0], high=given[1], levels=levels, integer=integer)


def _read_values(values: Any, low: float, high: float, integer: bool, source: str, key: str) -> tuple[float, ...]:
    if not isinstance(values, list) or not values:
        raise ConfigError(source, key, "give a non-empty list of numbers")
    kind = "integers" if integer else "numbers"
    for value in values:
        number = not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
        if not number or not low <= value <= high:
            raise ConfigError(source, key, f"{value!r} is not allowed; give {kind} in [{low}, {high}]")
    if len(set(values)) != len(values):
        raise ConfigError(source, key, f"{values} repeats a value; list each once")
    return tuple(values)


def allowed_range(name: str, source: str, key: str) -> tuple[float, float, bool]:
    """The range the model allows for a dotted parameter name, and whether it is an integer."""
    parts = name.split(".")
    model_fields = {f.name: f for f in dataclass_fields(ModelParams)}
    disposition_fields = {f.name: f for f in dataclass_fields(Disposition)}
    if len(parts) == 2 and parts[0] == "parameters" and parts[1] in model_fields:
        found = model_fields[parts[1]]
    elif len(parts) == 3 and parts[0] == "actors" and parts[1] in INDEX and parts[2] in disposition_fields:
        found = disposition_fields[parts[2]]
    else:
        raise ConfigError(
            source,
            key,
            "unknown parameter; allowed: parameters.NAME with NAME one of "
            f"{', '.join(model_fields)}; or actors.CODE.NAME with CODE one of {', '.join(INDEX)} "
            f"and NAME one of {', '.join(disposition_fields)}",
        )
    low, high = found.metadata["range"]
    return low, high, isinstance(found.default, int)


def _check_parameters_fit_design(parameters: tuple[ParameterSpec, ...], design: DesignSpec, source: str) -> None:
    names, design_kind = [p.name for p in parameters], DESIGN_KINDS[design.kind]
    for parameter in parameters:
        key = f'parameters."{parameter.name}"'
        if names.count(parameter.name) > 1:
            raise ConfigError(source, key, "named twice")
        design_kind.check_parameter(parameter, source, key)
    design_kind.check_parameter_count(len(parameters), source)


def _read_outcomes(head: dict[str, Any], source: str) -> tuple[str, ...]:
    if "outcomes" not in head:
        return OUTCOME_NAMES
    outcomes = head["outcomes"]
    if not isinstance(outcomes, list) or not outcomes:
        raise ConfigError(source, "sweep.outcomes", "give a non-empty list of outcome names")
    for name in outcomes:
        if name not in OUTCOME_NAMES:
            raise ConfigError(
                source, "sweep.outcomes", f"{name!r} is not an outcome; allowed: {', '.join(OUTCOME_NAMES)}"
            )
    if len(set(outcomes)) != len(outcomes):
        raise ConfigError(source, "sweep.outcomes", "names an outcome twice")
    return tuple(outcomes)


def _read_choice(table: dict[str, Any], key: str, allowed: tuple[str, ...], source: str, prefix: str, default=None):
    value = table.get(key, default)
    if value not in allowed:
        raise ConfigError(source, prefix + key, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")
    return value


def _optional_int(table: dict[str, Any], key: str, source: str, prefix: str, low: int, high: int) -> int | None:
    if key not in table:
        return None
    return int(read_number(table, key, source, prefix, low, high, integer=True))
