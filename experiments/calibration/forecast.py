"""Forecasts under a calibration's posterior: weekly event counts by dyad and quad class, named outcomes by date.

`caucasus forecast --posterior DIR --from DATE --until DATE --out OUT [--draws N] [--seed S]`
runs the posterior's scenario (`Posterior.scenario()`, from its start to `--until`) once per
draw: draw i takes a parameter vector resampled from the posterior with its weights
(`Posterior.draw` with `numpy.random.default_rng(S)`) and seed i of the seeds spawned from the
master seed S (`experiments.replicates.replicate_seeds`: the first 63 bits of
`SeedSequence(S, spawn_key=(i,))`), on the ensemble engine. S defaults to the scenario's seed.

The forecast window runs from `--from` (after the posterior's cut-off) to `--until` (within the
scenario's horizon), in weeks starting on `--from` (the last week ends on `--until` and may be
shorter). What is counted are the observable events of `experiments.calibration.observed`
(scripted shocks are inputs and never count), the same way a record's are counted when the
forecast is scored (`experiments.calibration.scoring`). OUT holds:

    counts.parquet          one row per draw, week, dyad and quad class: draw, week_start, dyad
                            ("AZE>RUS": events from AZE to RUS), quad, count (the samples)
    counts_summary.csv      per week, dyad and quad: mean and the 5/25/50/75/95% quantiles over
                            the draws (numpy's linear interpolation)
    events.csv              per named event (`experiments.calibration.named_events`) and week:
                            the probability it has happened in the window by the week's last day
    event_draws.parquet     per draw and named event: the date it first happened in the window
                            (null: not by --until)
    draws.parquet           per draw: its seed and parameter vector
    manifest.json           the posterior (path, SHA-256 of its files, cut-off), the scenario (name,
                            config hash, start, horizon, its scripted shocks), from, until, the
                            weeks, draws, master seed, dyads, quads, the events' definitions,
                            versions, git commit, command
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.calibration.named_events import NAMED_EVENTS, NEVER, first_days, run_observed
from experiments.calibration.observed import EventTable
from experiments.calibration.posterior import MANIFEST_FILE, POSTERIOR_FILE, Posterior, load_posterior
from experiments.calibration.summaries import QUAD_NAMES
from experiments.replicates import replicate_seeds
from sim.actors import INDEX, N_ACTORS, Actor
from sim.config import Scenario
from sim.core import Simulation
from sim.errors import ConfigError
from sim.outputs import staged_directory
from sim.provenance import git_commit, utc_now, versions

KIND = "caucasus-forecast"
DYADS: tuple[tuple[Actor, Actor], ...] = tuple(
    (Actor(a), Actor(b))
    for a, b in (
        ("AZE", "RUS"),
        ("RUS", "AZE"),
        ("AZE", "ARM"),
        ("ARM", "AZE"),
        ("IRN", "AZE"),
        ("AZE", "IRN"),
        ("RUS", "ARM"),
        ("ARM", "RUS"),
    )
)
DYAD_NAMES = tuple(f"{a}>{b}" for a, b in DYADS)
QUADS = tuple(QUAD_NAMES)  # in quad-class order, 1..4
WEEK_DAYS = 7
DEFAULT_DRAWS = 1000
MAX_DRAWS = 10_000  # judgement: counts.parquet holds draws x weeks x 32 rows (16.6 million for a year)
BATCH_RUNS = 2048  # runs of one ensemble batch: bounds the memory of the journals (judgement)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FORECAST_FILES = frozenset(
    {
        "manifest.json",
        "counts.parquet",
        "counts_summary.csv",
        "events.csv",
        "event_draws.parquet",
        "draws.parquet",
        "score",  # `caucasus score`'s default output, inside the forecast
    }
)

_DYAD_INDEX = np.full((N_ACTORS, N_ACTORS), -1, dtype=np.int64)
for _i, (_a, _b) in enumerate(DYADS):
    _DYAD_INDEX[INDEX[_a], INDEX[_b]] = _i


@dataclass(frozen=True)
class Window:
    """The forecast window, `first`..`last`, of a scenario starting on `start`, in weeks from `first`."""

    start: dt.date
    first: dt.date
    last: dt.date

    @property
    def first_day(self) -> int:
        """`first` as a day index of the scenario."""
        return (self.first - self.start).days

    @property
    def last_day(self) -> int:
        """`last` as a day index of the scenario."""
        return (self.last - self.start).days

    @property
    def weeks(self) -> list[tuple[dt.date, dt.date]]:
        """Each week's first and last date (the last week ends on `last`)."""
        days = (self.last - self.first).days + 1
        starts = [self.first + dt.timedelta(days=d) for d in range(0, days, WEEK_DAYS)]
        return [(s, min(s + dt.timedelta(days=WEEK_DAYS - 1), self.last)) for s in starts]

    def week_lengths(self) -> np.ndarray:
        """Each week's number of days."""
        return np.array([(end - begin).days + 1 for begin, end in self.weeks])

    def week_last_days(self) -> np.ndarray:
        """Each week's last day, as a day index of the scenario."""
        return np.array([(end - self.start).days for _, end in self.weeks])


def open_posterior(path: Path) -> tuple[Posterior, Scenario]:
    """The posterior at `path` and its scenario; a ConfigError names `--posterior` when it is not a usable one."""
    try:
        posterior = load_posterior(path)
        return posterior, posterior.scenario()
    except ConfigError as error:
        if error.key == "--posterior":
            raise
        raise ConfigError("--posterior", None, str(error)) from None


def check_window(posterior: Posterior, scenario: Scenario, first: dt.date, last: dt.date) -> Window:
    """The forecast window, checked: after the posterior's cut-off, `last` not before `first`, within the horizon."""
    if first <= posterior.cut_off:
        raise ConfigError(
            "--from",
            None,
            f"{first} is a forecast window before the cut-off: {posterior.path} was calibrated on the record to "
            f"{posterior.cut_off}; a forecast starts after it (--from {posterior.cut_off + dt.timedelta(days=1)} "
            "or later)",
        )
    if last < first:
        raise ConfigError("--until", None, f"{last} is before --from {first}")
    horizon_end = scenario.date_of(scenario.horizon_days - 1)
    if last > horizon_end:
        raise ConfigError(
            "--until",
            None,
            f"{last} is past the horizon of scenario {scenario.name!r}, whose last day is {horizon_end}",
        )
    return Window(scenario.start_date, first, last)


def check_draws(draws: Any) -> int:
    """The number of draws, checked: an integer from 1 to `MAX_DRAWS` (else a ConfigError)."""
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
        raise ConfigError("--draws", None, f"{draws} is out of range; allowed: an integer from 1 to {MAX_DRAWS:,}")
    return draws


@dataclass(frozen=True)
class Forecast:
    """The runs of a forecast, reduced: weekly counts and the named events' first days, per draw."""

    posterior: Posterior
    scenario: Scenario
    window: Window
    master_seed: int
    seeds: np.ndarray
    parameters: dict[str, np.ndarray]
    counts: np.ndarray  # [draws, weeks, dyads, quads]
    first_days: dict[str, np.ndarray]  # per named event, [draws]: its first day in the window, NEVER if none

    @property
    def draws(self) -> int:
        """Number of draws (runs)."""
        return self.seeds.size

    def counts_table(self) -> pd.DataFrame:
        """The samples, long: draw, week_start, dyad, quad, count."""
        index = np.indices(self.counts.shape).reshape(4, -1)
        starts = np.array([begin for begin, _ in self.window.weeks], dtype="datetime64[D]")
        return pd.DataFrame(
            {
                "draw": index[0].astype(np.int32),
                "week_start": starts[index[1]],
                "dyad": pd.Categorical.from_codes(index[2], categories=DYAD_NAMES),
                "quad": pd.Categorical.from_codes(index[3], categories=QUADS),
                "count": self.counts.reshape(-1).astype(np.int32),
            }
        )

    def summary_table(self) -> pd.DataFrame:
        """Per week, dyad and quad: the mean and quantiles of the count over the draws."""
        rows = []
        quantiles = np.quantile(self.counts, QUANTILES, axis=0)  # [quantiles, weeks, dyads, quads]
        means = self.counts.mean(axis=0)
        for w, (begin, end) in enumerate(self.window.weeks):
            for d, dyad in enumerate(DYAD_NAMES):
                for q, quad in enumerate(QUADS):
                    row = {"week_start": begin, "week_end": end, "dyad": dyad, "quad": quad, "mean": means[w, d, q]}
                    row |= {f"q{round(p * 100):02d}": quantiles[i, w, d, q] for i, p in enumerate(QUANTILES)}
                    rows.append(row)
        return pd.DataFrame(rows)

    def probabilities(self) -> pd.DataFrame:
        """Per named event and week: the share of draws in which it happened in the window by the week's end."""
        rows = []
        for event in NAMED_EVENTS:
            first = self.first_days[event.name]
            for (_, end), last_day in zip(self.window.weeks, self.window.week_last_days(), strict=True):
                happened = (first != NEVER) & (first <= last_day)
                rows.append(
                    {"event": event.name, "by_date": end, "probability": happened.mean(), "scorable": event.scorable}
                )
        return pd.DataFrame(rows)

    def event_draws(self) -> pd.DataFrame:
        """Per draw and named event: the date it first happened in the window (NaT: not by `until`)."""
        frames = []
        for event in NAMED_EVENTS:
            first = self.first_days[event.name]
            dates = pd.to_datetime(self.window.start) + pd.to_timedelta(np.where(first == NEVER, np.nan, first), "D")
            frames.append(pd.DataFrame({"draw": np.arange(self.draws), "event": event.name, "date": dates}))
        return pd.concat(frames, ignore_index=True)

    def draws_table(self) -> pd.DataFrame:
        """Per draw: its seed and parameter vector."""
        return pd.DataFrame({"draw": np.arange(self.draws), "seed": self.seeds, **self.parameters})

    def manifest(self, command: list[str] | None) -> dict[str, Any]:
        """What the forecast came from and how to read it (see the module docstring)."""
        scenario = self.scenario
        return {
            "kind": KIND,
            "posterior": {
                "path": str(self.posterior.path.resolve()),
                "sha256": posterior_hash(self.posterior.path),
                "cut_off": self.posterior.cut_off.isoformat(),
                "parameters": list(self.posterior.parameters),
            },
            "scenario": {
                "name": scenario.name,
                "path": scenario.source,
                "config_hash": scenario.config_hash(),
                "start_date": scenario.start_date.isoformat(),
                "horizon_days": scenario.horizon_days,
            },
            "scripted": [[s.date.isoformat(), s.actor.value, s.target.value, s.cameo] for s in scenario.shocks],
            "from": self.window.first.isoformat(),
            "until": self.window.last.isoformat(),
            "weeks": [[begin.isoformat(), end.isoformat()] for begin, end in self.window.weeks],
            "draws": self.draws,
            "master_seed": self.master_seed,
            "seed_rule": "draw i: seed = first 63 bits of numpy SeedSequence(master_seed, spawn_key=(i,)); "
            "parameters = Posterior.draw(draws, numpy.random.default_rng(master_seed))",
            "dyads": list(DYAD_NAMES),
            "quads": list(QUADS),
            "events": [
                {"name": e.name, "title": e.title, "definition": e.definition, "scorable": e.scorable}
                for e in NAMED_EVENTS
            ],
            "versions": versions(),
            "git": git_commit(),
            "created_at": utc_now(),
            "command": command,
        }


def posterior_hash(path: Path) -> str:
    """SHA-256 of a posterior directory's manifest and particles, in that order."""
    digest = hashlib.sha256()
    for name in (MANIFEST_FILE, POSTERIOR_FILE):
        digest.update((path / name).read_bytes())
    return digest.hexdigest()


def run_forecast(posterior: Posterior, scenario: Scenario, window: Window, draws: int, master_seed: int) -> Forecast:
    """Run the posterior's `scenario` to `window.last` once per draw and reduce the runs to the forecast."""
    seeds = np.asarray(replicate_seeds(master_seed, check_draws(draws)), dtype=np.int64)
    parameters = posterior.draw(draws, np.random.default_rng(master_seed))
    parts = [
        _forecast_batch(
            scenario, window, seeds[i : i + BATCH_RUNS], {k: v[i : i + BATCH_RUNS] for k, v in parameters.items()}
        )
        for i in range(0, draws, BATCH_RUNS)
    ]
    counts = np.concatenate([part[0] for part in parts])
    first = {event.name: np.concatenate([part[1][event.name] for part in parts]) for event in NAMED_EVENTS}
    return Forecast(posterior, scenario, window, master_seed, seeds, parameters, counts, first)


def _forecast_batch(
    scenario: Scenario, window: Window, seeds: np.ndarray, batch: dict[str, np.ndarray]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    simulation = Simulation(scenario, seeds.tolist(), batch)
    while simulation.day <= window.last_day:
        simulation.run_day()
    observed = run_observed(simulation.journal, simulation.state.agreed_day, window.last_day)
    return weekly_counts(observed.events, window), first_days(observed, window.first_day, window.last_day)


def weekly_counts(events: EventTable, window: Window) -> np.ndarray:
    """[runs, weeks, dyads, quads]: the events of each run counted by week of the window, dyad and quad class."""
    weeks = len(window.weeks)
    dyad = _DYAD_INDEX[events.actor, events.target]
    chosen = (dyad >= 0) & (events.day >= window.first_day) & (events.day <= window.last_day)
    week = (events.day[chosen] - window.first_day) // WEEK_DAYS
    cell = ((events.run[chosen] * weeks + week) * len(DYADS) + dyad[chosen]) * len(QUADS) + events.quad[chosen] - 1
    counts = np.bincount(cell, minlength=events.runs * weeks * len(DYADS) * len(QUADS))
    return counts.reshape(events.runs, weeks, len(DYADS), len(QUADS))


def check_forecast_dir(out_dir: Path, force: bool) -> None:
    """Refuse a directory that holds anything but a previous forecast (which `force` replaces)."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(str(out_dir), "--out", "exists and is not a plain directory; choose another --out")
    held = {entry.name for entry in out_dir.iterdir()} if out_dir.is_dir() else set()
    if held and not force:
        raise ConfigError(str(out_dir), "--out", "already holds files; choose another --out (or --force)")
    if held and not ("manifest.json" in held and held <= FORECAST_FILES):
        raise ConfigError(str(out_dir), "--out", "holds files that are not a forecast; --force only replaces one")


def write_forecast(forecast: Forecast, out_dir: Path, *, force: bool = False, command: list[str] | None = None) -> Path:
    """Write the forecast's files (see the module docstring) to `out_dir`, whole or not at all."""
    out_dir = Path(out_dir)
    check_forecast_dir(out_dir, force)
    with staged_directory(out_dir, "write the forecast", check=partial(check_forecast_dir, out_dir, force)) as staging:
        forecast.counts_table().to_parquet(staging / "counts.parquet", index=False)
        forecast.summary_table().to_csv(staging / "counts_summary.csv", index=False)
        forecast.probabilities().to_csv(staging / "events.csv", index=False)
        forecast.event_draws().to_parquet(staging / "event_draws.parquet", index=False)
        forecast.draws_table().to_parquet(staging / "draws.parquet", index=False)
        manifest = json.dumps(forecast.manifest(command), indent=2) + "\n"
        (staging / "manifest.json").write_text(manifest, encoding="utf-8")
    return out_dir


def forecast_summary(forecast: Forecast) -> str:
    """What a person reads first: the named events' probabilities by `until`, the mean weekly counts by dyad."""
    probabilities = forecast.probabilities()
    last = probabilities[probabilities["by_date"] == forecast.window.last]
    lines = [
        f"Forecast of {forecast.scenario.name!r} under {forecast.posterior.path}: {forecast.draws} draws, "
        f"{forecast.window.first} to {forecast.window.last} ({len(forecast.window.weeks)} weeks)",
        f"Probability by {forecast.window.last}:",
        *(f"  {row.event:<22} {row.probability:.3f}" for row in last.itertuples()),
        "Mean events per week (all quad classes):",
    ]
    per_week = forecast.counts.sum(axis=3).mean(axis=(0, 1))
    lines += [f"  {name:<8} {value:.2f}" for name, value in zip(DYAD_NAMES, per_week, strict=True)]
    return "\n".join(lines)


@dataclass(frozen=True)
class ForecastFiles:
    """A forecast read back from its directory, as `caucasus score` needs it."""

    path: Path
    manifest: dict[str, Any]
    window: Window
    counts: np.ndarray  # [draws, weeks, dyads, quads]
    probabilities: pd.DataFrame  # events.csv

    @property
    def draws(self) -> int:
        """Number of draws."""
        return int(self.manifest["draws"])

    @property
    def scripted(self) -> set[tuple[dt.date, str, str, str]]:
        """The scenario's scripted shocks as (date, actor, target, cameo): inputs, never counted."""
        return {(dt.date.fromisoformat(d), a, t, c) for d, a, t, c in self.manifest["scripted"]}


def load_forecast(path: Path | str) -> ForecastFiles:
    """Read a forecast directory; one that is not a forecast is a ConfigError naming it."""
    path = Path(path)
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise ConfigError(str(path), "FORECAST", "not a forecast directory (no manifest.json); run `caucasus forecast`")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(str(manifest_path), None, f"cannot be read as JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise ConfigError(str(manifest_path), "kind", f"not a forecast's manifest (expected {KIND!r})")
    try:
        dates = (manifest["scenario"]["start_date"], manifest["from"], manifest["until"])
        window = Window(*(dt.date.fromisoformat(date) for date in dates))
        int(manifest["draws"]), list(manifest["scripted"])
    except (KeyError, TypeError, ValueError) as error:
        raise ConfigError(str(manifest_path), None, f"not a complete forecast manifest ({error!r})") from None
    return ForecastFiles(path, manifest, window, _read_counts(path, manifest, window), _read_events(path))


def _read_counts(path: Path, manifest: dict[str, Any], window: Window) -> np.ndarray:
    try:
        return _counts_array(pd.read_parquet(path / "counts.parquet"), manifest, window)
    except (OSError, ValueError, KeyError, IndexError) as error:
        raise ConfigError(str(path / "counts.parquet"), None, f"not a forecast's counts ({error!r})") from None


def _counts_array(table: pd.DataFrame, manifest: dict[str, Any], window: Window) -> np.ndarray:
    """[draws, weeks, dyads, quads] from the long table of counts.parquet."""
    weeks = {np.datetime64(begin, "D"): i for i, (begin, _) in enumerate(window.weeks)}
    counts = np.zeros((int(manifest["draws"]), len(weeks), len(DYADS), len(QUADS)), dtype=np.int64)
    week = table["week_start"].to_numpy(dtype="datetime64[D]")
    dyad = pd.Categorical(table["dyad"], categories=DYAD_NAMES).codes
    quad = pd.Categorical(table["quad"], categories=QUADS).codes
    if len(table) != counts.size or (dyad < 0).any() or (quad < 0).any():
        raise ValueError(f"expected {counts.size} rows, one per draw, week, dyad ({', '.join(DYAD_NAMES)}) and quad")
    counts[table["draw"].to_numpy(), np.array([weeks[w] for w in week], dtype=np.int64), dyad, quad] = table["count"]
    return counts


def _read_events(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path / "events.csv", parse_dates=["by_date"])
    except (OSError, ValueError) as error:
        raise ConfigError(str(path / "events.csv"), None, f"cannot be read as CSV ({error})") from None
    if not {"event", "by_date", "probability"} <= set(table.columns):
        raise ConfigError(str(path / "events.csv"), None, "not a forecast's events (event, by_date, probability)")
    table["by_date"] = table["by_date"].dt.date
    return table
