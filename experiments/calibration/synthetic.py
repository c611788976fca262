"""Synthetic records: one run of the model at known parameter values, written as a dated record.

The known-answer check (`experiments.calibration.coverage`) calibrates against records the model
itself made, at parameter values it knows. A synthetic record is one run of the calibration's
scenario to its cut-off, at one parameter vector and one seed, whose events are written as rows
of the record's CSV (`sim.record.RECORD_COLUMNS`): date, actor, target, CAMEO code and its
Goldstein score, the run's description of the event, a source naming the run, and confidence
"high". The scenario's scripted shocks are inputs, not facts the model must reproduce, so they
are left out (as `experiments.calibration.observed.record_events` would drop them from any
record); the responses, routine acts and injected events stay. Read back with
`sim.record.load_record`, the record's summaries are the run's own (tested), so a calibration
against it goes through the same chain as one against the observed record.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from experiments.calibration.config import CalibrationConfig
from sim.core import Simulation
from sim.events_log import EventKind, EventRecord
from sim.journal import run_records
from sim.record import RECORD_COLUMNS, load_record


def synthetic_events(config: CalibrationConfig, truth: Sequence[float], seed: int) -> list[EventRecord]:
    """The events of one run at `truth` (one value per calibrated parameter) to the cut-off, less the shocks."""
    batch = {name: np.array([float(value)]) for name, value in zip(config.parameter_names, truth, strict=True)}
    simulation = Simulation(config.scenario, [int(seed)], batch)
    while simulation.day <= config.cut_off_day:
        simulation.run_day()
    return [event for event in run_records(simulation.journal, 0) if event.kind != EventKind.SCRIPTED]


def record_text(events: Sequence[EventRecord], source: str) -> str:
    """The events as the record's CSV, each row citing `source`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECORD_COLUMNS)
    for event in events:
        row = (event.date.isoformat(), event.actor.value, event.target.value, event.cameo)
        writer.writerow((*row, f"{event.goldstein:g}", event.description, source, "high"))
    return buffer.getvalue()


def write_synthetic_record(config: CalibrationConfig, truth: Sequence[float], seed: int, path: Path) -> Path:
    """Write the record of one run at `truth` with `seed` to `path` (whole: through a renamed temporary file)."""
    values = ", ".join(f"{name} = {value:.6g}" for name, value in zip(config.parameter_names, truth, strict=True))
    source = f"synthetic: one run of scenario {config.scenario.name!r}, seed {seed}, at {values}"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(record_text(synthetic_events(config, truth, seed), source), encoding="utf-8")
    temporary.replace(path)
    return path


def against_record(config: CalibrationConfig, record_path: Path, master_seed: int) -> CalibrationConfig:
    """The calibration `config` against the record at `record_path` (any date), with its own master seed."""
    record = load_record(record_path, until=None)
    return replace(config, record=record, record_path=str(Path(record_path).resolve()), master_seed=int(master_seed))
