"""Runs under a posterior: each run takes a parameter vector drawn from a calibration's posterior.

`caucasus run`, `compare` and `sweep` take `--posterior DIR [--draws N]`; the dashboard takes
`--posterior DIR` for its fan. All of them draw the same way:

- run i's seed is the i-th seed spawned from the master seed (`experiments.replicates`: the first
  63 bits of `numpy.random.SeedSequence(master, spawn_key=(i,))`);
- run i's parameters are the i-th of N vectors resampled with the posterior's weights
  (`Posterior.draw`) by a generator seeded with `SeedSequence([master, DRAW_STREAM])`, a stream
  of its own (no run seed comes from it); the calibrated parameters that are integers are rounded.

So a run's seed and its draw depend only on the master seed and i: the two scenarios of a
comparison share both (common random numbers and common parameters), and the replicates of a
sweep's design points share them too. The posterior is named by its path and the SHA-256 of its
`posterior.parquet` (`PosteriorDraws.identity`), which every output records.

What a set of runs gives (`PosteriorRuns`): one row per run (replicate, seed, the drawn values,
every outcome), the shares of runs with each 0/1 outcome and each corridor arrangement with 95%
Wilson intervals, and for every numeric outcome its median with 50% and 90% intervals over the
runs (quantiles 25-75% and 5-95%: predictive intervals over draws and seeds). With `series`, the
daily trust and influence of every run are kept too (the ensemble engine with histories) and
reduced to the same quantiles day by day: the fan the dashboard draws.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.calibration.posterior import POSTERIOR_FILE, Posterior, load_posterior
from experiments.replicates import replicate_seeds
from experiments.summaries import outcome_values, share_summary
from experiments.sweep_config import allowed_range
from sim.actors import ACTORS, POWERS, STATES
from sim.config import MAX_SEED, Scenario
from sim.core import Simulation
from sim.errors import ConfigError, MachineError
from sim.outcomes import NUMERIC_OUTCOMES, column_title, outcome_table

DEFAULT_DRAWS = 200  # judgement: 90% intervals from 200 runs move by about a run's worth; a second on the engine
MAX_DRAWS = 100_000  # judgement: as `compare --replicates` (experiments.replicated.MAX_REPLICATES)
BATCH_RUNS = 4096  # runs of one ensemble batch without histories: bounds the memory of a large N (judgement)
SERIES_BATCH_RUNS = 256  # runs of one batch with daily histories (about 50 MB a batch over a year)
MAX_SERIES_RUNS = 1_000  # judgement: daily series of more runs (float32, ~100 MB at 1,000) are not kept
DRAW_STREAM = int.from_bytes(b"posterior", "big") % 2**32  # the draws' own SeedSequence entropy word
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # the 90% and 50% intervals and the median
QUANTILE_COLUMNS = ("q05", "q25", "median", "q75", "q95")
DRAW_RULE = (
    "seed i: first 63 bits of numpy SeedSequence(master_seed, spawn_key=(i,)); parameters of run i: "
    "the i-th of N resampled with the posterior's weights by numpy Generator(PCG64(SeedSequence("
    f"[master_seed, {DRAW_STREAM}]))) (Posterior.draw); integer parameters rounded"
)


def check_draws(count: Any) -> int:
    """The number of draws, checked: an integer from 1 to `MAX_DRAWS` (else a ConfigError naming --draws)."""
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or not 1 <= count <= MAX_DRAWS:
        raise ConfigError("--draws", None, f"{count} is out of range; allowed: an integer from 1 to {MAX_DRAWS:,}")
    return int(count)


def posterior_sha256(posterior: Posterior) -> str:
    """SHA-256 of the posterior's `posterior.parquet`: what names it (the path may move)."""
    path = Path(posterior.path) / POSTERIOR_FILE
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise MachineError.from_os_error(path, "read the posterior", error) from None


@dataclass(frozen=True)
class PosteriorDraws:
    """N parameter vectors drawn from a posterior, in run order, and what they were drawn from."""

    path: str
    sha256: str
    scenario: str
    master_seed: int
    values: pd.DataFrame = field(repr=False, compare=False)  # one row per draw, one column per calibrated parameter

    @property
    def count(self) -> int:
        """How many vectors were drawn."""
        return len(self.values)

    @property
    def names(self) -> list[str]:
        """The calibrated parameters' dotted names."""
        return list(self.values.columns)

    def batch(self, rows: np.ndarray | slice | None = None, leave_out: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
        """The drawn values as the ensemble's per-run `batch` (rows `rows`, all by default), less `leave_out`."""
        chosen = self.values if rows is None else self.values.iloc[rows]
        return {name: chosen[name].to_numpy() for name in self.names if name not in leave_out}

    def identity(self) -> dict[str, Any]:
        """What outputs record of the posterior: its path, hash, scenario, the draws and how they were made."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "scenario": self.scenario,
            "parameters": self.names,
            "draws": self.count,
            "master_seed": self.master_seed,
            "draw_rule": DRAW_RULE,
        }


def draw_from(posterior: Posterior, count: int, master_seed: int) -> PosteriorDraws:
    """`count` parameter vectors from `posterior` for the master seed (see the module's docstring).

    A calibrated parameter the model does not know, or a particle outside its allowed range, is a
    ConfigError naming the posterior's file (its values would otherwise be taken as valid).
    """
    check_draws(count)
    if not 0 <= master_seed <= MAX_SEED:
        raise ConfigError("--seed", None, f"{master_seed} is out of range; allowed: an integer in [0, 2^63)")
    source = str(Path(posterior.path) / POSTERIOR_FILE)
    integers = {name: _check_particles(posterior, name, source) for name in posterior.parameters}
    generator = np.random.Generator(np.random.PCG64(np.random.SeedSequence([master_seed, DRAW_STREAM])))
    drawn = posterior.draw(count, generator)
    values = pd.DataFrame(
        {name: np.rint(drawn[name]).astype(np.int64) if integers[name] else drawn[name] for name in drawn}
    )
    return PosteriorDraws(
        str(Path(posterior.path).resolve()), posterior_sha256(posterior), posterior.scenario_name, master_seed, values
    )


def _check_particles(posterior: Posterior, name: str, source: str) -> bool:
    """Whether `name` is an integer parameter; a ConfigError for an unknown one or a particle out of range."""
    low, high, integer = allowed_range(name, source, name)
    values = posterior.particles[name].to_numpy(dtype=float)
    if not np.all(np.isfinite(values)) or values.min() < low or values.max() > high:
        raise ConfigError(source, name, f"has particles outside the range the model allows, [{low}, {high}]")
    return integer


def load_given_posterior(posterior_dir: Path | str) -> Posterior:
    """`load_posterior`, its refusals naming the option that gave the directory (`--posterior`)."""
    try:
        return load_posterior(posterior_dir)
    except ConfigError as error:
        if "--posterior" in str(error):
            raise
        raise ConfigError(f"--posterior {error.source}", error.key, error.problem) from None


def prepare_draws(
    posterior_dir: Path | str, scenarios: Sequence[tuple[Scenario, str]], count: int, master_seed: int
) -> PosteriorDraws:
    """Load the posterior, check it fits each scenario (named by its source) and draw `count` vectors."""
    check_draws(count)
    posterior = load_given_posterior(posterior_dir)
    for scenario, source in scenarios:
        posterior.check_scenario(scenario, source)
    return draw_from(posterior, count, master_seed)


@dataclass(frozen=True)
class SeriesFan:
    """Daily quantiles over runs of trust and influence: [quantile, day, ...] arrays, `QUANTILES` order."""

    dates: tuple[dt.date, ...]
    trust: np.ndarray  # [q, day, source, target]
    shares: np.ndarray  # [q, day, state, power]
    runs: int

    def table(self) -> pd.DataFrame:
        """Long form: date, series (trust or influence), first and second actor, the quantile columns."""
        actors, powers, states = ([a.value for a in group] for group in (ACTORS, POWERS, STATES))
        parts = [
            _fan_rows(self.dates, self.trust, "trust", actors, actors),
            _fan_rows(self.dates, np.swapaxes(self.shares, 2, 3), "influence", powers, states),
        ]
        table = pd.concat(parts, ignore_index=True)
        return table[table["first"] != table["second"]].reset_index(drop=True)


def _fan_rows(dates: tuple, values: np.ndarray, series: str, first: list[str], second: list[str]) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([list(dates), first, second], names=["date", "first", "second"])
    columns = {name: values[q].reshape(-1) for q, name in enumerate(QUANTILE_COLUMNS)}
    frame = pd.DataFrame(columns, index=index).reset_index()
    frame.insert(1, "series", series)
    return frame


@dataclass(frozen=True)
class PosteriorRuns:
    """N runs of one scenario under a posterior's draws: the per-run table and, if kept, the daily fan."""

    scenario: Scenario
    draws: PosteriorDraws
    seeds: tuple[int, ...]
    runs: pd.DataFrame
    fan: SeriesFan | None

    def shares(self) -> pd.DataFrame:
        """Shares of runs with each 0/1 outcome and each corridor arrangement, with 95% Wilson intervals."""
        values = outcome_values(self.runs, ["replicate", "seed", *self.draws.names])
        table = share_summary(values)
        table.insert(1, "title", [column_title(name) for name in table["outcome"]])
        return table

    def intervals(self) -> pd.DataFrame:
        """Every numeric outcome over the runs: median, 50% and 90% intervals (and as dates for day outcomes)."""
        return outcome_intervals(self.runs, self.scenario.start_date)


def outcome_intervals(runs: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    """Per numeric outcome: runs with a value, q05, q25, median, q75, q95; `_day` outcomes also as ISO dates."""
    rows = []
    for name in NUMERIC_OUTCOMES:
        if name not in runs:
            continue
        values = runs[name].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        quantiles = np.quantile(values, QUANTILES) if len(values) else np.full(len(QUANTILES), np.nan)
        row: dict[str, Any] = {"outcome": name, "title": column_title(name), "runs": len(values)}
        row |= dict(zip(QUANTILE_COLUMNS, quantiles.tolist(), strict=True))
        if name.endswith("_day"):
            row |= {f"{column}_date": _date_of(start, row[column]) for column in QUANTILE_COLUMNS}
        rows.append(row)
    return pd.DataFrame(rows)


def _date_of(start: dt.date, day: float) -> str | None:
    """The ISO date of a (possibly fractional: a quantile) day index, rounded to the nearest day; None for NaN."""
    return (start + dt.timedelta(days=round(day))).isoformat() if np.isfinite(day) else None


def run_under_posterior(scenario: Scenario, draws: PosteriorDraws, *, series: bool | None = None) -> PosteriorRuns:
    """Run `scenario` once per draw, run i on spawned seed i with draw i, on the ensemble engine.

    Args:
        scenario: the (checked) scenario.
        draws: the posterior's draws; their master seed spawns the runs' seeds.
        series: keep the daily trust and influence and reduce them to the fan (default: when
            there are at most `MAX_SERIES_RUNS` runs).
    """
    seeds = replicate_seeds(draws.master_seed, draws.count)
    keep_series = draws.count <= MAX_SERIES_RUNS if series is None else series
    size = SERIES_BATCH_RUNS if keep_series else BATCH_RUNS
    outcome_parts, trust, shares = [], [], []
    for start in range(0, draws.count, size):
        rows = slice(start, start + size)
        simulation = Simulation(scenario, seeds[rows], draws.batch(rows), histories=keep_series).run()
        outcome_parts.append(outcome_table(simulation))
        if keep_series:
            trust.append(simulation.recorder.trust.astype(np.float32))
            shares.append(simulation.recorder.shares.astype(np.float32))
    outcomes = {name: np.concatenate([part[name] for part in outcome_parts]) for name in outcome_parts[0]}
    table = pd.DataFrame({"replicate": np.arange(draws.count), "seed": np.asarray(seeds, dtype=np.int64)})
    table = pd.concat([table, draws.values.reset_index(drop=True), pd.DataFrame(outcomes)], axis=1)
    fan = _fan(scenario, np.concatenate(trust, axis=1), np.concatenate(shares, axis=1)) if keep_series else None
    return PosteriorRuns(scenario, draws, tuple(seeds), table, fan)


def _fan(scenario: Scenario, trust: np.ndarray, shares: np.ndarray) -> SeriesFan:
    """Quantiles over the run axis (1) of [day, run, ...] histories."""
    dates = tuple(scenario.date_of(day) for day in range(scenario.horizon_days))
    return SeriesFan(
        dates, np.quantile(trust, QUANTILES, axis=1), np.quantile(shares, QUANTILES, axis=1), trust.shape[1]
    )
