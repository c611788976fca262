"""A calibration's directory, written as it goes so that a killed calibration resumes.

    OUT/manifest.json            the calibration (config, its hash, seed), scenario, versions, commit;
                                 `status`: "running" until the posterior is written, then "complete"
    OUT/observed.csv             the record's summaries (what is fitted)
    OUT/pilot.parquet            the prior-predictive pilot: parameters and summaries
    OUT/generations/NNN.parquet  each generation's particles: parameters, weight, distance, summaries
    OUT/generations/NNN.json     its diagnostics (tolerance, runs, acceptance rate, effective sample
                                 size, seconds) and ELFI's counters; written last: a generation is done
                                 when its .json exists
    OUT/generations/NNN.pkl      ELFI's population object, to resume from (read only by this code)
    OUT/posterior.parquet, OUT/diagnostics.csv, OUT/checks.csv, OUT/report.md, OUT/figures/
                                 written when the last generation is done (`experiments.calibration.outputs`)

Each file is written under a temporary name and renamed into place, so none is ever half-written.
Rerunning the same config into OUT resumes after the last generation done; another config (its
hash differs) is refused.
"""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.calibration.config import CalibrationConfig
from experiments.calibration.posterior import MANIFEST_FILE, MANIFEST_KIND, posterior_manifest
from sim.errors import ConfigError, MachineError
from sim.locking import exclusive_lock

GENERATIONS = "generations"


@dataclass(frozen=True)
class Generation:
    """One finished generation's diagnostics."""

    index: int
    tolerance: float
    runs: int
    accepted: int
    acceptance_rate: float
    effective_sample_size: float
    seconds: float

    def line(self, total: int) -> str:
        """A progress line."""
        return (
            f"generation {self.index + 1}/{total}: tolerance {self.tolerance:.3f}, {self.runs:,} runs, "
            f"acceptance {100 * self.acceptance_rate:.1f}%, ESS {self.effective_sample_size:,.0f}, {self.seconds:.1f} s"
        )


class CalibrationStore:
    """The files of one calibration directory."""

    def __init__(self, out_dir: Path):
        """The calibration written to `out_dir`."""
        self.out_dir = Path(out_dir)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory's lock (another command writing it: a ConfigError)."""
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MachineError.from_os_error(self.out_dir.parent, "create the folder", error) from None
        lock = self.out_dir.parent / f".{self.out_dir.name}.caucasus-lock"
        with exclusive_lock(lock, self.out_dir, "wait for it to finish or give another --out"):
            yield

    def open(self, config: CalibrationConfig, command: list[str] | None) -> None:
        """Start the directory, or check that it holds this calibration (to resume it)."""
        manifest_path = self.out_dir / MANIFEST_FILE
        if manifest_path.is_file():
            self._check_same(config, manifest_path)
            return
        if self.out_dir.exists() and any(self.out_dir.iterdir()):
            raise ConfigError(
                "--out", None, f"{self.out_dir} is not empty and holds no calibration; give a new or empty directory"
            )
        extra = {
            "status": "running",
            "calibration": config.resolved(),
            "config_hash": config.config_hash(),
            "master_seed": config.master_seed,
            "command": command or [],
        }
        manifest = posterior_manifest(
            config.scenario, config.scenario_path, config.cut_off, config.parameter_names, extra
        )
        self._write_json(manifest_path, manifest)

    def _check_same(self, config: CalibrationConfig, manifest_path: Path) -> None:
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(str(manifest_path), None, f"cannot be read ({error}); give another --out") from None
        if manifest.get("kind") != MANIFEST_KIND or manifest.get("config_hash") != config.config_hash():
            raise ConfigError(
                "--out",
                None,
                f"{self.out_dir} holds another calibration (its config hash differs from {config.source}'s); "
                "give another --out, or the config it was started with to resume it",
            )

    def manifest(self) -> dict[str, Any]:
        """The manifest as written."""
        return json.loads((self.out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))

    def update_manifest(self, entries: dict[str, Any]) -> None:
        """Add or replace manifest entries."""
        self._write_json(self.out_dir / MANIFEST_FILE, self.manifest() | entries)

    # The record's summaries and the pilot.
    def has_observed(self) -> bool:
        """Whether the record's summaries are written."""
        return (self.out_dir / "observed.csv").is_file()

    def observed(self) -> np.ndarray:
        """The record's summaries as written."""
        return pd.read_csv(self.out_dir / "observed.csv")["observed"].to_numpy(float)

    def write_observed(self, config: CalibrationConfig, observed: np.ndarray) -> np.ndarray:
        """Write the record's summaries; return them."""
        table = pd.DataFrame({"summary": [s.name for s in config.summaries], "observed": observed})
        self._write(self.out_dir / "observed.csv", lambda path: table.to_csv(path, index=False))
        return observed

    def has_pilot(self) -> bool:
        """Whether the pilot is written."""
        return (self.out_dir / "pilot.parquet").is_file()

    def pilot(self) -> np.ndarray:
        """The pilot's summaries ([runs, summaries])."""
        table = pd.read_parquet(self.out_dir / "pilot.parquet")
        return table[[c for c in table.columns if c.startswith("summary: ")]].to_numpy(float)

    def write_pilot(self, config: CalibrationConfig, parameters: np.ndarray, summaries: np.ndarray) -> np.ndarray:
        """Write the pilot's parameters and summaries; return the summaries."""
        table = pd.concat([parameter_frame(config, parameters), summary_frame(config, summaries)], axis=1)
        self._write(self.out_dir / "pilot.parquet", lambda path: table.to_parquet(path, index=False))
        return summaries

    # Generations.
    def generations(self) -> list[Generation]:
        """The generations done, in order (a gap ends the list: later files are not trusted)."""
        done = []
        while (self._generation_path(len(done), "json")).is_file():
            raw = self._generation_record(len(done))
            done.append(self._readable(len(done), "json", lambda record=raw: Generation(**record["diagnostics"])))
        return done

    def restore(self, smc, done: list[Generation]) -> None:
        """Put the generations done back into a fresh ELFI SMC, with its counters, to go on from there."""
        smc._populations = [self.population(g.index) for g in done]
        last = done[-1].index
        counters = self._readable(last, "json", lambda: self._generation_record(last)["elfi"])
        smc.state["n_batches"] = counters["n_batches"]
        smc.state["n_sim"] = counters["n_sim"]
        smc.batches._next_batch_index = counters["next_batch_index"]

    def population(self, index: int):
        """ELFI's population object of generation `index`."""
        return self._readable(index, "pkl", lambda: pickle.loads(self._generation_path(index, "pkl").read_bytes()))

    def _generation_record(self, index: int) -> dict[str, Any]:
        """Generation `index`'s .json: its diagnostics and ELFI's counters."""
        return self._readable(
            index, "json", lambda: json.loads(self._generation_path(index, "json").read_text(encoding="utf-8"))
        )

    def _readable(self, index: int, suffix: str, read):
        """`read()` of generation `index`'s file; a file that cannot be read is a ConfigError saying what to do."""
        path = self._generation_path(index, suffix)
        try:
            return read()
        except (OSError, EOFError, ValueError, KeyError, TypeError, pickle.UnpicklingError) as error:
            raise ConfigError(
                str(path),
                None,
                f"cannot be read ({type(error).__name__}: {error}); delete it and the generations after it "
                "to compute them again, or give another --out",
            ) from None

    def particles(self, index: int) -> pd.DataFrame:
        """Generation `index`'s particles: parameters, weight, distance and summaries."""
        return pd.read_parquet(self._generation_path(index, "parquet"))

    def write_generation(self, config: CalibrationConfig, smc, index: int, seconds: float) -> Generation:
        """Write the generation ELFI has just finished; the .json last."""
        population = smc._populations[-1]
        weights = np.asarray(population.weights, float)
        normalised = weights / weights.sum()
        generation = Generation(
            index=index,
            tolerance=float(population.threshold),
            runs=int(population.n_sim),
            accepted=int(population.n_samples),
            acceptance_rate=float(population.n_samples / population.n_sim),
            effective_sample_size=float(1.0 / np.sum(normalised**2)),
            seconds=round(seconds, 3),
        )
        self._generation_path(index, "json").parent.mkdir(exist_ok=True)
        table = posterior_frame(config, population)
        table["weight"] = normalised
        table["distance"] = np.asarray(population.discrepancies, float)
        table = pd.concat([table, summary_frame(config, np.asarray(population.outputs["summaries"]))], axis=1)
        self._write(self._generation_path(index, "parquet"), lambda path: table.to_parquet(path, index=False))
        self._write(self._generation_path(index, "pkl"), lambda path: path.write_bytes(pickle.dumps(population)))
        counters = {
            "n_batches": int(smc.state["n_batches"]),
            "n_sim": int(smc.state["n_sim"]),
            "next_batch_index": int(smc.batches.next_index),
        }
        self._write_json(self._generation_path(index, "json"), {"diagnostics": asdict(generation), "elfi": counters})
        return generation

    def write_file(self, path: Path, writer) -> None:
        """Write `path` whole (see `_write`)."""
        self._write(path, writer)

    def _generation_path(self, index: int, suffix: str) -> Path:
        return self.out_dir / GENERATIONS / f"{index:03d}.{suffix}"

    def _write_json(self, path: Path, data: dict[str, Any]) -> None:
        self._write(path, lambda temporary: temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8"))

    def _write(self, path: Path, writer) -> None:
        """Write `path` whole: through a temporary file renamed into place (a MachineError on failure)."""
        temporary = path.with_name(f".{path.name}.partial")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            writer(temporary)
            os.replace(temporary, path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise MachineError.from_os_error(path, "write the calibration", error) from None


def node_name(index: int) -> str:
    """ELFI's name for the calibrated parameter at `index` (dotted names are not node names)."""
    return f"theta_{index}"


def posterior_frame(config: CalibrationConfig, population) -> pd.DataFrame:
    """The particles of an ELFI population, one column per parameter by dotted name, on the parameters' scale."""
    return pd.DataFrame(
        {
            prior.name: prior.from_logit(np.asarray(population.outputs[node_name(i)], float))
            for i, prior in enumerate(config.priors)
        }
    )


def parameter_frame(config: CalibrationConfig, parameters: np.ndarray) -> pd.DataFrame:
    """A [runs, parameters] array as columns by dotted name."""
    return pd.DataFrame(parameters, columns=config.parameter_names)


def summary_frame(config: CalibrationConfig, summaries: np.ndarray) -> pd.DataFrame:
    """A [runs, summaries] array as columns "summary: NAME"."""
    return pd.DataFrame(np.atleast_2d(summaries), columns=[f"summary: {s.name}" for s in config.summaries])
