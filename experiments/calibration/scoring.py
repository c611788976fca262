"""Scores of a forecast against a record a user brings, next to two null models.

`caucasus score FORECAST RECORD.csv [--out OUT]` reads a forecast directory
(`experiments.calibration.forecast`) and a record in the format of
`sim/data/events_record_to_2025-07-11.csv` (any dates: `sim.record.load_record(until=None)`;
no record after the cut-off ships with the project). The record is read as the forecast's runs
were (`experiments.calibration.named_events.record_observed`): its rows matching a scripted
shock of the scenario (date, actor, target, CAMEO code) are inputs and never count, and it is
taken as complete to `--until` (an event it does not hold did not happen).

What is scored, on the forecast window only (record rows outside it feed the nulls, and the
cuts since the scenario's start that `relations_restored` looks back to):

- the weekly counts per dyad and quad class, by the CRPS (continuous ranked probability score).
  For a distribution F on the integers and an outcome y it is the sum over k of
  (F(k) - 1{y <= k})^2 (exactly the integral of the CRPS for a step CDF; for the forecast's
  empirical distribution of N draws it equals the sample formula E|X - y| - E|X - X'| / 2);
- the named events' "has it happened by this week's last day", by the Brier score (p - o)^2 and
  the log score -ln(p) if it happened, -ln(1 - p) if not, with p kept within
  [1/(2N), 1 - 1/(2N)] (N the forecast's draws: a share of N draws cannot tell 0 from less than
  1/N, and a forecast calling the outcome impossible would otherwise score infinity); the same
  bounds for the nulls. `corridor_agreed` is not scored (its model and record definitions
  differ, `named_events`): the report shows the record's sign beside the forecast.

Lower is better for all three. The nulls:

- persistence: each dyad-quad's rate in the record's last four weeks before `--from` (events per
  day), a Poisson count for each week of the window; each event's daily frequency in those four
  weeks (days on which it happened / 28), so P(by day t) = 1 - (1 - f)^t;
- base rates: the same from all the record's days before `--from`, from its first row's date.

Skill is 1 - score_model / score_null (1: perfect; 0: no better than the null; negative: worse;
empty where the null's score is 0). OUT holds `scores.csv` and `scores.md` (the table),
`reliability.png` and `reliability.csv` (forecast probability against observed frequency, in
tenths, over every scorable event and week), `count_scores.parquet` (per week, dyad and quad: the
record's count and each forecaster's CRPS), `event_scores.csv` (per event and week: the outcome
and each forecaster's probability) and `manifest.json` (the forecast, the record and its SHA-256,
versions, command).
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
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.stats import poisson

from experiments.calibration.forecast import DYAD_NAMES, QUADS, ForecastFiles, Window, weekly_counts
from experiments.calibration.named_events import NAMED_EVENTS, NEVER, SCORABLE, Observed, record_observed
from experiments.formatting import markdown_table
from sim.errors import ConfigError
from sim.outputs import staged_directory
from sim.provenance import git_commit, utc_now, versions
from sim.record import RecordedEvent, load_record

KIND = "caucasus-forecast-score"
PERSISTENCE_DAYS = 28  # "the last four weeks' rates" (the issue's null model)
FORECASTERS = ("model", "persistence", "base_rate")
NULLS = FORECASTERS[1:]
RELIABILITY_BINS = 10
POISSON_TAIL = 1e-12  # the Poisson CDF is summed until it is this close to 1 (its remaining CRPS terms are smaller)
SCORE_FILES = frozenset(
    {
        "manifest.json",
        "scores.csv",
        "scores.md",
        "reliability.png",
        "reliability.csv",
        "count_scores.parquet",
        "event_scores.csv",
    }
)


def crps_from_cdf(cdf: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """[cells]: the CRPS of count distributions given by their CDF at 0..K ([cells, K + 1], 1 at K) and outcomes."""
    support = np.arange(cdf.shape[1])
    above = (observed[:, None] <= support[None, :]).astype(float)
    return ((cdf - above) ** 2).sum(axis=1)


def crps_samples(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """[cells]: the CRPS of each cell's empirical distribution of count samples ([draws, cells]) at its outcome."""
    top = int(max(samples.max(initial=0), observed.max(initial=0)))
    cells = samples.shape[1]
    flat = (np.arange(cells)[None, :] * (top + 1) + samples).ravel()
    frequencies = np.bincount(flat, minlength=cells * (top + 1)).reshape(cells, top + 1)
    return crps_from_cdf(np.cumsum(frequencies, axis=1) / samples.shape[0], observed)


def crps_poisson(means: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """[cells]: the CRPS of Poisson distributions with these means at the outcomes."""
    top = int(max(observed.max(initial=0), poisson.ppf(1 - POISSON_TAIL, means.max(initial=0))))
    cdf = poisson.cdf(np.arange(top + 1)[None, :], means[:, None])
    cdf[:, -1] = 1.0
    return crps_from_cdf(cdf, observed)


def brier(probability: np.ndarray, happened: np.ndarray) -> np.ndarray:
    """The Brier score of each probability for its outcome."""
    return (probability - happened.astype(float)) ** 2


def log_score(probability: np.ndarray, happened: np.ndarray, floor: float) -> np.ndarray:
    """-ln of the probability given to what happened, the probability kept within [floor, 1 - floor]."""
    kept = np.clip(probability, floor, 1 - floor)
    return -np.log(np.where(happened, kept, 1 - kept))


@dataclass(frozen=True)
class RecordInWindow:
    """A record read against a forecast: what happened in the window, and the nulls' rates before it."""

    observed_counts: np.ndarray  # [weeks, dyads, quads]
    happened: dict[str, np.ndarray]  # per named event, [weeks]: it happened in the window by the week's last day
    count_rates: dict[str, np.ndarray]  # per null, [dyads, quads]: events per day
    event_frequencies: dict[str, dict[str, float]]  # per null, per named event: share of days it happened on
    first_date: dt.date  # of the record's rows
    last_date: dt.date


def read_record(record: tuple[RecordedEvent, ...], forecast: ForecastFiles, source: str) -> RecordInWindow:
    """What the record says of the forecast's window and of the weeks before it."""
    window = forecast.window
    if not any(event.date < window.first for event in record):
        raise ConfigError(
            source, None, f"has no rows before --from {window.first}: the null models' rates come from its history"
        )
    observed = record_observed(record, window.start, forecast.scripted)
    first_date = min(event.date for event in record)
    spans = {
        "persistence": (window.first_day - PERSISTENCE_DAYS, window.first_day - 1),
        "base_rate": ((first_date - window.start).days, window.first_day - 1),
    }
    last_days = window.week_last_days()
    happened = {}
    for event in NAMED_EVENTS:
        first = event.occurrences(observed).first_day(window.first_day, window.last_day)[0]
        happened[event.name] = (first != NEVER) & (first <= last_days)
    return RecordInWindow(
        observed_counts=weekly_counts(observed.events, window)[0],
        happened=happened,
        count_rates={
            null: _span_counts(observed, window, *span) / (span[1] - span[0] + 1) for null, span in spans.items()
        },
        event_frequencies={null: _event_frequencies(observed, *span) for null, span in spans.items()},
        first_date=first_date,
        last_date=max(event.date for event in record),
    )


def _span_counts(observed: Observed, window: Window, first: int, last: int) -> np.ndarray:
    """[dyads, quads]: the record's events on days `first`..`last`."""
    span = Window(window.start, window.start + dt.timedelta(days=first), window.start + dt.timedelta(days=last))
    return weekly_counts(observed.events, span)[0].sum(axis=0)


def _event_frequencies(observed: Observed, first: int, last: int) -> dict[str, float]:
    days = last - first + 1
    return {event.name: event.occurrences(observed).days(first, last) / days for event in SCORABLE}


@dataclass(frozen=True)
class Scores:
    """A forecast scored against a record."""

    forecast: ForecastFiles
    record_path: Path
    record: RecordInWindow
    count_scores: pd.DataFrame
    event_scores: pd.DataFrame

    def table(self) -> pd.DataFrame:
        """Per measure and subject: each forecaster's mean score and the model's skill against each null."""
        rows = [_row("CRPS", "all dyads", self.count_scores)]
        rows += [_row("CRPS", dyad, cells) for dyad, cells in self.count_scores.groupby("dyad", observed=True)]
        for measure in ("Brier", "log"):
            scores = self.event_scores.rename(columns={f"{measure}_{f}": f for f in FORECASTERS})
            rows.append(_row(measure, "all events", scores))
            rows += [_row(measure, name, scores[scores["event"] == name]) for name in (e.name for e in SCORABLE)]
        return pd.DataFrame(rows)

    def reliability(self) -> pd.DataFrame:
        """Per forecaster and tenth of probability: the events' mean forecast, observed frequency and number."""
        rows = []
        happened = self.event_scores["happened"].to_numpy(dtype=float)
        for forecaster in FORECASTERS:
            probability = self.event_scores[f"p_{forecaster}"].to_numpy()
            bins = np.minimum((probability * RELIABILITY_BINS).astype(int), RELIABILITY_BINS - 1)
            for b in np.unique(bins):
                inside = bins == b
                rows.append(
                    {
                        "forecaster": forecaster,
                        "bin_low": b / RELIABILITY_BINS,
                        "bin_high": (b + 1) / RELIABILITY_BINS,
                        "mean_probability": probability[inside].mean(),
                        "observed_frequency": happened[inside].mean(),
                        "count": int(inside.sum()),
                    }
                )
        return pd.DataFrame(rows)


def _row(measure: str, subject: str, scores: pd.DataFrame) -> dict[str, Any]:
    means = {forecaster: scores[forecaster].mean() for forecaster in FORECASTERS}
    row: dict[str, Any] = {"measure": measure, "subject": subject, "cells": len(scores), **means}
    for null in NULLS:
        row[f"skill_vs_{null}"] = 1 - means["model"] / means[null] if means[null] > 0 else np.nan
    return row


def score_forecast(forecast: ForecastFiles, record_path: Path) -> Scores:
    """Score the forecast against the record at `record_path` (a ConfigError on a bad record)."""
    record = read_record(load_record(record_path, until=None), forecast, str(record_path))
    return Scores(forecast, Path(record_path), record, _count_scores(forecast, record), _event_scores(forecast, record))


def _count_scores(forecast: ForecastFiles, record: RecordInWindow) -> pd.DataFrame:
    draws, weeks, dyads, quads = forecast.counts.shape
    observed = record.observed_counts.reshape(-1)
    lengths = np.repeat(forecast.window.week_lengths(), dyads * quads)
    index = np.indices((weeks, dyads, quads)).reshape(3, -1)
    starts = [begin for begin, _ in forecast.window.weeks]
    table = pd.DataFrame(
        {
            "week_start": [starts[w] for w in index[0]],
            "dyad": np.array(DYAD_NAMES)[index[1]],
            "quad": np.array(QUADS)[index[2]],
            "observed": observed,
            "model": crps_samples(forecast.counts.reshape(draws, -1), observed),
        }
    )
    for null in NULLS:
        table[null] = crps_poisson(np.tile(record.count_rates[null].reshape(-1), weeks) * lengths, observed)
    return table


def _event_scores(forecast: ForecastFiles, record: RecordInWindow) -> pd.DataFrame:
    floor = 1 / (2 * forecast.draws)
    elapsed = np.array([(end - forecast.window.first).days + 1 for _, end in forecast.window.weeks])
    frames = []
    for event in SCORABLE:
        rows = forecast.probabilities[forecast.probabilities["event"] == event.name]
        happened = record.happened[event.name]
        table = pd.DataFrame({"event": event.name, "by_date": rows["by_date"].to_numpy(), "happened": happened})
        table["p_model"] = rows["probability"].to_numpy()
        for null in NULLS:
            table[f"p_{null}"] = 1 - (1 - record.event_frequencies[null][event.name]) ** elapsed
        for forecaster in FORECASTERS:
            table[f"Brier_{forecaster}"] = brier(table[f"p_{forecaster}"].to_numpy(), happened)
            table[f"log_{forecaster}"] = log_score(table[f"p_{forecaster}"].to_numpy(), happened, floor)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def score_report(scores: Scores) -> str:
    """The scores as Markdown: what was scored, the table, the unscored corridor event, the definitions."""
    forecast, record = scores.forecast, scores.record
    manifest = forecast.manifest
    lines = [
        f"# Forecast scores: {forecast.path}",
        "",
        f"Forecast of scenario `{manifest['scenario']['name']}` under the posterior {manifest['posterior']['path']} "
        f"(cut-off {manifest['posterior']['cut_off']}), {forecast.draws} draws, window {forecast.window.first} to "
        f"{forecast.window.last} ({len(forecast.window.weeks)} weeks). Record: {scores.record_path} (rows from "
        f"{record.first_date} to {record.last_date}; taken as complete to {forecast.window.last}).",
        "",
        "Lower scores are better; skill = 1 - score_model / score_null (positive: the model does better). "
        "CRPS: weekly counts per dyad and quad class; Brier and log: the named events, has it happened by each "
        "week's last day. Nulls: persistence (the record's rates in the four weeks before the window, Poisson) "
        "and base rates (the record's rates over all its days before the window).",
        "",
        markdown_table(scores.table(), ".4f"),
        "",
        _corridor_note(scores),
        "",
        "## Named events (observable definitions)",
        "",
        *(f"- `{event.name}`: {event.definition}" for event in NAMED_EVENTS),
        "",
    ]
    return "\n".join(lines)


def _corridor_note(scores: Scores) -> str:
    probabilities = scores.forecast.probabilities
    corridor = probabilities[probabilities["event"] == "corridor_agreed"]["probability"].iloc[-1]
    sign = "holds" if scores.record.happened["corridor_agreed"][-1] else "does not hold"
    return (
        f"Not scored: `corridor_agreed`. The forecast gives it {corridor:.3f} by {scores.forecast.window.last} "
        f"(from the runs' agreed arrangement, which the model's event log cannot show); the record {sign} an "
        "agreement (CAMEO 057) between two of ARM, AZE, USA in the window. The two definitions differ, so no score."
    )


def reliability_figure(scores: Scores, path: Path) -> Path:
    """Draw the reliability diagram (forecast probability against observed frequency) to a PNG file."""
    figure = Figure(figsize=(5.5, 5.0))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly reliable")
    bins = scores.reliability()
    for forecaster, marker in zip(FORECASTERS, ("o", "s", "^"), strict=True):
        rows = bins[bins["forecaster"] == forecaster]
        axes.plot(rows["mean_probability"], rows["observed_frequency"], marker=marker, label=forecaster)
        for row in rows.itertuples():
            axes.annotate(str(row.count), (row.mean_probability, row.observed_frequency), fontsize=6, alpha=0.7)
    axes.set(xlim=(0, 1), ylim=(-0.02, 1.02), xlabel="forecast probability (mean in each tenth)")
    axes.set_ylabel("observed frequency in the record")
    axes.set_title("Named events, by each week of the window (numbers: events x weeks)", fontsize=9)
    axes.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=150)
    return path


def check_score_dir(out_dir: Path, force: bool) -> None:
    """Refuse a directory that holds anything but previous scores (which `force` replaces)."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(str(out_dir), "--out", "exists and is not a plain directory; choose another --out")
    held = {entry.name for entry in out_dir.iterdir()} if out_dir.is_dir() else set()
    if held and not force:
        raise ConfigError(str(out_dir), "--out", "already holds files; choose another --out (or --force)")
    if held and not ("manifest.json" in held and held <= SCORE_FILES):
        raise ConfigError(
            str(out_dir), "--out", "holds files that are not a forecast's scores; --force only replaces them"
        )


def write_scores(scores: Scores, out_dir: Path, *, force: bool = False, command: list[str] | None = None) -> Path:
    """Write the scores' files (see the module docstring) to `out_dir`, whole or not at all."""
    out_dir = Path(out_dir)
    check_score_dir(out_dir, force)
    with staged_directory(out_dir, "write the scores", check=partial(check_score_dir, out_dir, force)) as staging:
        scores.table().to_csv(staging / "scores.csv", index=False)
        (staging / "scores.md").write_text(score_report(scores), encoding="utf-8")
        scores.reliability().to_csv(staging / "reliability.csv", index=False)
        reliability_figure(scores, staging / "reliability.png")
        scores.count_scores.to_parquet(staging / "count_scores.parquet", index=False)
        scores.event_scores.to_csv(staging / "event_scores.csv", index=False)
        (staging / "manifest.json").write_text(json.dumps(_manifest(scores, command), indent=2) + "\n", "utf-8")
    return out_dir


def _manifest(scores: Scores, command: list[str] | None) -> dict[str, Any]:
    return {
        "kind": KIND,
        "forecast": str(scores.forecast.path.resolve()),
        "forecast_posterior_sha256": scores.forecast.manifest["posterior"]["sha256"],
        "record": str(scores.record_path.resolve()),
        "record_sha256": hashlib.sha256(scores.record_path.read_bytes()).hexdigest(),
        "window": [scores.forecast.window.first.isoformat(), scores.forecast.window.last.isoformat()],
        "persistence_days": PERSISTENCE_DAYS,
        "versions": versions(),
        "git": git_commit(),
        "created_at": utc_now(),
        "command": command,
    }
