"""Calibration configs: which scenario, against which record, on which summaries, with which priors.

A calibration is a TOML file (see `configs/calibration/`):

    [calibration]
    description = "..."
    scenario = "../scenarios/baseline.toml"   # relative to this file
    cut_off = 2025-07-11                      # the record's last day used; within the run
    record = "default"                        # the shipped record, or a CSV path (same columns)
    master_seed = 2025
    population = 2000                         # particles per generation
    generations = 8                           # ABC-SMC generations (rejection first, then SMC)
    quantile = 0.5                            # each tolerance: this weighted quantile of the last
                                              # generation's distances (or give tolerances = [...])
    pilot_runs = 2000                         # prior-predictive runs that set each summary's scale
    batch_size = 1000                         # parameter vectors per simulator call
    kernel_scale = 0.25                       # the SMC kernel's variance / the particles' (ELFI: 2)

    [windows]                                 # named spans of dates for the summaries
    raid_crisis = { first = 2025-06-27, last = 2025-07-11, reason = "..." }

    [[summaries]]                             # each expands over its lists
    kind = "count"                            # count | delay | max_rung | conciliatory
    dyads = ["AZE>RUS", "RUS>AZE"]            # conciliatory: pairs = ["AZE<>RUS"]
    quads = ["verbal_conflict", "material_conflict"]  # count: each quad class on its own
    min_rungs = [2, 3, 4]                     # delay only
    windows = ["raid_crisis"]
    weight = 1.0                              # the summary's weight in the distance

    [priors]                                  # uniform, inside the range the model allows
    "parameters.escalation_cost" = { min = 0.0, max = 10.0, reason = "..." }

Every mistake is a ConfigError naming the file and key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit

from experiments.calibration.summaries import (
    QUAD_NAMES,
    Conciliatory,
    Count,
    Delay,
    MaxRung,
    Summary,
    Window,
)
from experiments.sweep_config import allowed_range
from sim.actors import Actor
from sim.config import MAX_SEED, Scenario, scenario_named_by
from sim.config.fields import check_keys, read_date, read_number, read_string, read_table
from sim.config.source import read_toml, referred
from sim.errors import ConfigError
from sim.inputs import refuse_switched_off
from sim.provenance import canonical_hash
from sim.record import CUT_OFF, RecordedEvent, load_record

HEAD_KEYS = (
    "description",
    "scenario",
    "cut_off",
    "record",
    "master_seed",
    "population",
    "generations",
    "quantile",
    "tolerances",
    "pilot_runs",
    "batch_size",
    "kernel_scale",
)
SUMMARY_KINDS = ("count", "delay", "max_rung", "conciliatory")
SUMMARY_KEYS = {
    "count": ("kind", "dyads", "quads", "windows", "weight"),
    "delay": ("kind", "dyads", "min_rungs", "windows", "weight"),
    "max_rung": ("kind", "dyads", "windows", "weight"),
    "conciliatory": ("kind", "pairs", "windows", "weight"),
}


@dataclass(frozen=True)
class Prior:
    """A uniform prior on one parameter, with the reason for its range."""

    name: str
    low: float
    high: float
    reason: str

    def from_logit(self, z: np.ndarray) -> np.ndarray:
        """The parameter value of a point on the unbounded scale ELFI samples (see `experiments.calibration.abc`)."""
        return self.low + (self.high - self.low) * expit(z)


@dataclass(frozen=True)
class CalibrationConfig:
    """A validated calibration."""

    name: str
    description: str
    source: str
    scenario_path: Path
    scenario: Scenario
    cut_off: dt.date
    record_path: str
    record: tuple[RecordedEvent, ...]
    master_seed: int
    population: int
    generations: int
    quantile: float
    tolerances: tuple[float, ...] | None
    pilot_runs: int
    batch_size: int
    kernel_scale: float
    summaries: tuple[Summary, ...]
    weights: tuple[float, ...]
    priors: tuple[Prior, ...]

    @property
    def parameter_names(self) -> list[str]:
        """The calibrated parameters' dotted names, in file order."""
        return [prior.name for prior in self.priors]

    @property
    def cut_off_day(self) -> int:
        """The cut-off as a day of the run."""
        return self.scenario.day_of(self.cut_off)

    def resolved(self) -> dict[str, Any]:
        """The calibration as resolved, JSON-ready."""
        return {
            "name": self.name,
            "description": self.description,
            "scenario": {"path": str(self.scenario_path), "config_hash": self.scenario.config_hash()},
            "cut_off": self.cut_off.isoformat(),
            "record": self.record_path,
            "record_hash": _record_hash(self.record),
            "master_seed": self.master_seed,
            "population": self.population,
            "generations": self.generations,
            "quantile": self.quantile,
            "tolerances": list(self.tolerances) if self.tolerances else None,
            "pilot_runs": self.pilot_runs,
            "batch_size": self.batch_size,
            "kernel_scale": self.kernel_scale,
            "summaries": [s.name for s in self.summaries],
            "weights": list(self.weights),
            "priors": {p.name: {"min": p.low, "max": p.high, "reason": p.reason} for p in self.priors},
        }

    def config_hash(self) -> str:
        """SHA-256 of what decides the results: the resolved config less its name, description, paths and reasons."""
        identity = self.resolved()
        for key in ("name", "description"):
            identity.pop(key)
        identity["scenario"] = identity["scenario"]["config_hash"]
        identity.pop("record")
        for prior in identity["priors"].values():
            prior.pop("reason")
        return canonical_hash(identity)


def load_calibration(path: str | Path) -> CalibrationConfig:
    """Read and validate a calibration file."""
    path = Path(path)
    raw = read_toml(path)
    source = str(path)
    check_keys(raw, ("calibration", "windows", "summaries", "priors"), source, "")
    head = read_table(raw, "calibration", source, required=True)
    check_keys(head, HEAD_KEYS, source, "calibration.")
    scenario_path, scenario = scenario_named_by(path, head, "calibration.", source)
    cut_off = _cut_off(head, scenario, source)
    record_path, record = _record(head, path, source, cut_off)
    windows = _windows(read_table(raw, "windows", source), scenario, cut_off, source)
    summaries, weights = _summaries(raw.get("summaries"), windows, source)
    priors = _priors(read_table(raw, "priors", source, required=True), scenario, source)
    generations, quantile, tolerances = _schedule(head, source)
    return CalibrationConfig(
        name=path.stem,
        description=read_string(head, "description", source, "calibration.", default=""),
        source=source,
        scenario_path=scenario_path,
        scenario=scenario,
        cut_off=cut_off,
        record_path=record_path,
        record=record,
        master_seed=int(read_number(head, "master_seed", source, "calibration.", 0, MAX_SEED, integer=True, default=0)),
        population=int(read_number(head, "population", source, "calibration.", 10, 1_000_000, integer=True)),
        generations=generations,
        quantile=quantile,
        tolerances=tolerances,
        pilot_runs=int(
            read_number(head, "pilot_runs", source, "calibration.", 10, 10_000_000, integer=True, default=2000)
        ),
        batch_size=int(
            read_number(head, "batch_size", source, "calibration.", 1, 1_000_000, integer=True, default=1000)
        ),
        kernel_scale=float(read_number(head, "kernel_scale", source, "calibration.", 0.01, 4.0, default=2.0)),
        summaries=summaries,
        weights=weights,
        priors=priors,
    )


def _cut_off(head: dict[str, Any], scenario: Scenario, source: str) -> dt.date:
    cut_off = read_date(head, "cut_off", source, "calibration.")
    last = scenario.date_of(scenario.horizon_days - 1)
    if not scenario.start_date <= cut_off <= last:
        raise ConfigError(
            source,
            "calibration.cut_off",
            f"{cut_off} is outside the scenario's run ({scenario.start_date} to {last}); give a date within it",
        )
    if cut_off > CUT_OFF:
        raise ConfigError(source, "calibration.cut_off", f"{cut_off} is after the project's cut-off {CUT_OFF}")
    return cut_off


def _record(head: dict[str, Any], path: Path, source: str, cut_off: dt.date) -> tuple[str, tuple[RecordedEvent, ...]]:
    given = read_string(head, "record", source, "calibration.", default="default")
    if given == "default":
        return "default", load_record()
    record_path = (path.parent / given).resolve()
    try:
        return str(record_path), load_record(record_path, until=None)
    except ConfigError as error:
        raise referred(error, "calibration.record", source) from None


def _windows(table: dict[str, Any], scenario: Scenario, cut_off: dt.date, source: str) -> dict[str, Window]:
    windows = {}
    for name, entry in table.items():
        key = f"windows.{name}"
        if not isinstance(entry, dict):
            raise ConfigError(source, key, 'give a table { first = DATE, last = DATE, reason = "..." }')
        check_keys(entry, ("first", "last", "reason"), source, f"{key}.")
        first, last = (read_date(entry, bound, source, f"{key}.") for bound in ("first", "last"))
        if not scenario.start_date <= first <= last <= cut_off:
            raise ConfigError(
                source, key, f"{first} to {last} must be a span within {scenario.start_date} to the cut-off {cut_off}"
            )
        read_string(entry, "reason", source, f"{key}.")
        windows[name] = Window(name, scenario.day_of(first), scenario.day_of(last))
    return windows


def _summaries(entries: Any, windows: dict[str, Window], source: str) -> tuple[tuple[Summary, ...], tuple[float, ...]]:
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            source, "summaries", "give at least one [[summaries]] entry; an empty summary set fits nothing"
        )
    summaries: list[Summary] = []
    weights: list[float] = []
    for i, entry in enumerate(entries):
        prefix = f"summaries[{i}]."
        if not isinstance(entry, dict):
            raise ConfigError(source, f"summaries[{i}]", "must be a table")
        kind = entry.get("kind")
        if kind not in SUMMARY_KINDS:
            raise ConfigError(source, prefix + "kind", f"{kind!r} is not allowed; allowed: {', '.join(SUMMARY_KINDS)}")
        check_keys(entry, SUMMARY_KEYS[kind], source, prefix)
        weight = read_number(entry, "weight", source, prefix, 0.0, 1000.0, default=1.0)
        expanded = _expand(kind, entry, windows, source, prefix)
        summaries += expanded
        weights += [float(weight)] * len(expanded)
    names = [s.name for s in summaries]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ConfigError(source, "summaries", f"names a summary twice: {', '.join(repeated)}")
    return tuple(summaries), tuple(weights)


def _expand(kind: str, entry: dict[str, Any], windows: dict[str, Window], source: str, prefix: str) -> list[Summary]:
    spans = [windows_of(name, windows, source, prefix) for name in _list(entry, "windows", source, prefix)]
    if kind == "conciliatory":
        pairs = [_pair(text, "<>", source, prefix + "pairs") for text in _list(entry, "pairs", source, prefix)]
        return [Conciliatory(a, b, w) for a, b in pairs for w in spans]
    dyads = [_pair(text, ">", source, prefix + "dyads") for text in _list(entry, "dyads", source, prefix)]
    if kind == "count":
        quads = _list(entry, "quads", source, prefix)
        for quad in quads:
            if quad not in QUAD_NAMES:
                raise ConfigError(
                    source, prefix + "quads", f"{quad!r} is not allowed; allowed: {', '.join(QUAD_NAMES)}"
                )
        return [Count(a, b, (q,), w) for a, b in dyads for q in quads for w in spans]
    if kind == "delay":
        rungs = _list(entry, "min_rungs", source, prefix)
        if any(isinstance(r, bool) or not isinstance(r, int) or not 1 <= r <= 7 for r in rungs):
            raise ConfigError(source, prefix + "min_rungs", f"{rungs} must list ladder rungs, integers 1-7")
        return [Delay(a, b, r, w) for a, b in dyads for r in rungs for w in spans]
    return [MaxRung(a, b, w) for a, b in dyads for w in spans]


def windows_of(name: Any, windows: dict[str, Window], source: str, prefix: str) -> Window:
    """The window named `name` (a ConfigError listing the windows defined)."""
    if name not in windows:
        allowed = ", ".join(windows) or "none defined: add a [windows] table"
        raise ConfigError(source, prefix + "windows", f"{name!r} is not a window; allowed: {allowed}")
    return windows[name]


def _list(entry: dict[str, Any], key: str, source: str, prefix: str) -> list[Any]:
    values = entry.get(key)
    if not isinstance(values, list) or not values:
        raise ConfigError(source, prefix + key, "give a non-empty list")
    return values


def _pair(text: Any, sep: str, source: str, key: str) -> tuple[Actor, Actor]:
    parts = text.split(sep) if isinstance(text, str) else []
    codes = [a.value for a in Actor]
    if len(parts) != 2 or any(p not in codes for p in parts) or parts[0] == parts[1]:
        raise ConfigError(
            source, key, f"{text!r} is not allowed; give two different actors as 'AZE{sep}RUS' ({', '.join(codes)})"
        )
    return Actor(parts[0]), Actor(parts[1])


def _priors(table: dict[str, Any], scenario: Scenario, source: str) -> tuple[Prior, ...]:
    if not table:
        raise ConfigError(source, "priors", "empty; give a prior for at least one parameter")
    priors = []
    for name, spec in _flat(table):
        key = f'priors."{name}"'
        low, high, integer = allowed_range(name, source, key)
        if integer:
            raise ConfigError(source, key, "counts in whole numbers; calibrate continuous parameters only")
        if not isinstance(spec, dict):
            raise ConfigError(source, key, 'give a table { min = ..., max = ..., reason = "..." }')
        check_keys(spec, ("min", "max", "reason"), source, f"{key}.")
        given = [read_number(spec, bound, source, f"{key}.", low, high) for bound in ("min", "max")]
        if given[0] >= given[1]:
            raise ConfigError(source, key, f"min {given[0]} must be below max {given[1]}")
        reason = read_string(spec, "reason", source, f"{key}.")
        refuse_switched_off(scenario, [name], source, key)
        priors.append(Prior(name, float(given[0]), float(given[1]), reason))
    return tuple(priors)


def _flat(table: dict[str, Any], prefix: str = ""):
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not (value.keys() & {"min", "max", "reason"}):
            yield from _flat(value, f"{name}.")
        else:
            yield name, value


def _schedule(head: dict[str, Any], source: str) -> tuple[int, float, tuple[float, ...] | None]:
    if "tolerances" in head:
        if "generations" in head or "quantile" in head:
            raise ConfigError(
                source, "calibration.tolerances", "give tolerances, or generations and quantile, not both"
            )
        tolerances = head["tolerances"]
        numbers = isinstance(tolerances, list) and all(
            isinstance(t, (int, float)) and not isinstance(t, bool) and t > 0 for t in tolerances
        )
        if not numbers or len(tolerances) < 1 or any(b >= a for a, b in zip(tolerances, tolerances[1:], strict=False)):
            raise ConfigError(source, "calibration.tolerances", "give a decreasing list of positive distances")
        return len(tolerances), 0.0, tuple(float(t) for t in tolerances)
    generations = int(read_number(head, "generations", source, "calibration.", 1, 100, integer=True))
    quantile = float(read_number(head, "quantile", source, "calibration.", 0.01, 0.99, default=0.5))
    return generations, quantile, None


def _record_hash(record: tuple[RecordedEvent, ...]) -> str:
    text = "\n".join(f"{e.date},{e.actor},{e.target},{e.cameo}" for e in record)
    return hashlib.sha256(text.encode()).hexdigest()
