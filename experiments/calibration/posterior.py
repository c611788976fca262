"""A calibration's posterior: weighted parameter vectors, and runs drawn from them.

`caucasus calibrate CONFIG --out DIR` writes, when its last generation is done:

    DIR/posterior.parquet   one row per particle: a column per calibrated parameter (dotted name,
                            e.g. `parameters.escalation_cost`, `actors.AZE.sensitivity`) and
                            `weight` (normalised: the weights sum to 1)
    DIR/manifest.json       `kind` = "caucasus-calibration", the scenario (`path`, `name`, `config_hash`,
                            `start_date`, `horizon_days`), `cut_off`, `parameters` (the calibrated
                            names, in order), the calibration config and its hash, the master
                            seed, versions and commit

Any command that takes `--posterior DIR` reads it with `load_posterior` and draws parameter
vectors with `Posterior.draw`, which gives the mapping `sim.ensemble.run_ensemble` takes as
`batch` (one value per run).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, load_scenario
from sim.errors import ConfigError
from sim.inputs import refuse_switched_off
from sim.provenance import git_commit, utc_now, versions

POSTERIOR_FILE = "posterior.parquet"
MANIFEST_FILE = "manifest.json"
MANIFEST_KIND = "caucasus-calibration"
WEIGHT = "weight"


@dataclass(frozen=True)
class Posterior:
    """The particles of a finished calibration, with their weights and where they came from."""

    path: Path
    particles: pd.DataFrame
    weights: np.ndarray
    manifest: dict[str, Any]

    @property
    def parameters(self) -> tuple[str, ...]:
        """The calibrated parameters' dotted names."""
        return tuple(self.particles.columns)

    @property
    def scenario_name(self) -> str:
        """The name of the scenario it was calibrated on."""
        return self.manifest["scenario"]["name"]

    def scenario(self) -> Scenario:
        """The calibrated scenario, read again from its file (a ConfigError if it has changed since)."""
        path = Path(self.manifest["scenario"]["path"])
        scenario = load_scenario(path)
        if scenario.config_hash() != self.manifest["scenario"]["config_hash"]:
            raise ConfigError(
                str(path), None, f"has changed since {self.path} was calibrated on it (its config hash differs)"
            )
        return scenario

    @property
    def start_date(self) -> dt.date:
        """The first day of the scenario it was calibrated on."""
        return dt.date.fromisoformat(self.manifest["scenario"]["start_date"])

    @property
    def cut_off(self) -> dt.date:
        """The last day of the record it was calibrated against."""
        return dt.date.fromisoformat(self.manifest["cut_off"])

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective sample size of the weights, 1 / sum(w^2)."""
        return float(1.0 / np.sum(self.weights**2))

    def draw(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """`n` parameter vectors resampled with their weights, as per-run columns by dotted name."""
        rows = rng.choice(len(self.weights), size=n, replace=True, p=self.weights)
        return {name: self.particles[name].to_numpy()[rows] for name in self.parameters}

    def check_scenario(self, scenario: Scenario, source: str) -> None:
        """Refuse a scenario the posterior cannot be used with (a ConfigError naming `source`).

        Counterfactuals of the calibrated scenario are welcome; what must agree is the calendar
        (the same start date: day indices mean the same dates) and, when the scenario switches a
        mechanism off, that no calibrated parameter belongs to it.
        """
        if scenario.start_date != self.start_date:
            raise ConfigError(
                source,
                "--posterior",
                f"{self.path} was calibrated on scenario {self.scenario_name!r}, which starts on "
                f"{self.start_date}; {scenario.name!r} starts on {scenario.start_date}. Use a scenario "
                "with the same start date (a counterfactual of the calibrated one)",
            )
        refuse_switched_off(scenario, self.parameters, source, "--posterior")


def posterior_manifest(
    scenario: Scenario,
    scenario_path: Path,
    cut_off: dt.date,
    parameters: list[str],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest of a calibration on `scenario` (read from `scenario_path`) to `cut_off` of `parameters`."""
    return {
        "kind": MANIFEST_KIND,
        "scenario": {
            "path": str(Path(scenario_path).resolve()),
            "name": scenario.name,
            "config_hash": scenario.config_hash(),
            "start_date": scenario.start_date.isoformat(),
            "horizon_days": scenario.horizon_days,
        },
        "cut_off": cut_off.isoformat(),
        "parameters": list(parameters),
        **(extra or {}),
        "versions": versions(),
        "git": git_commit(),
        "written": utc_now(),
    }


def load_posterior(path: Path | str) -> Posterior:
    """Read a calibration's posterior; a missing, unfinished or foreign directory is a ConfigError."""
    path = Path(path)
    manifest = _read_manifest(path)
    table_path = path / POSTERIOR_FILE
    if not table_path.is_file():
        raise ConfigError(
            str(path), "--posterior", f"no {POSTERIOR_FILE}: the calibration has not finished (rerun it to resume)"
        )
    try:
        table = pd.read_parquet(table_path)
    except (OSError, ValueError) as error:
        raise ConfigError(str(table_path), None, f"cannot be read as Parquet ({error})") from None
    names = list(manifest.get("parameters", []))
    missing = [name for name in [*names, WEIGHT] if name not in table.columns]
    if missing or not names or table.empty:
        raise ConfigError(str(table_path), None, f"not a posterior of this calibration (missing columns {missing})")
    weights = table[WEIGHT].to_numpy(dtype=float)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ConfigError(str(table_path), WEIGHT, "weights must be finite, non-negative and not all zero")
    return Posterior(path, table[names].astype(float), weights / weights.sum(), manifest)


def _read_manifest(path: Path) -> dict[str, Any]:
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ConfigError(str(path), "--posterior", "not a calibration directory (no manifest.json)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(str(manifest_path), None, f"cannot be read as JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != MANIFEST_KIND:
        raise ConfigError(str(manifest_path), "kind", f"not a calibration's manifest (expected {MANIFEST_KIND!r})")
    return manifest


def write_posterior(out_dir: Path, particles: pd.DataFrame, weights: np.ndarray) -> Path:
    """Write the particles and their normalised weights to `out_dir/posterior.parquet` (whole or not at all)."""
    table = particles.copy()
    table[WEIGHT] = np.asarray(weights, dtype=float) / np.sum(weights)
    final = out_dir / POSTERIOR_FILE
    temporary = out_dir / f".{POSTERIOR_FILE}.partial"
    table.to_parquet(temporary, index=False)
    temporary.replace(final)
    return final
