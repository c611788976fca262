"""Screening before calibration: Morris elementary effects of each prior's parameter on the fit.

`caucasus calibrate CONFIG --screen --out DIR` varies every parameter of the config's `[priors]`
over its prior range on a Morris design (SALib; Morris 1991, Campolongo et al. 2007), runs each
point `SCREEN_REPLICATES` times with common seeds, and measures the logarithm of the distance to
the record (the calibration's own distance, scaled by a prior-predictive pilot), averaged over
the replicates. The logarithm keeps the regions where the model spirals (daily hostile acts,
distances in the hundreds) from setting the ranking alone: on the distance itself they did, and a
parameter that moves the routine counts the record shows (`routine_scale`) ranked last. A
parameter whose elementary effects (mu*) are small cannot be told apart by the record and is
better fixed than calibrated; the ranking is written to DIR/screening.csv and DIR/screening.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.sample import morris as morris_sample

from experiments.calibration.config import CalibrationConfig
from experiments.calibration.simulator import BatchSimulator, WeightedDistance
from sim.outputs import staged_directory
from sim.provenance import git_commit, utc_now, versions

SCREEN_TRAJECTORIES = 32  # Morris trajectories (Campolongo et al. 2007 suggest 10-50)
SCREEN_LEVELS = 4  # grid levels (even; Morris's usual 4)
SCREEN_REPLICATES = 4  # runs per design point, common seeds: the log distance's mean over them
LOG_OFFSET = 1.0  # log(distance + 1): a distance of 0 (a run equal to the record) stays finite


@dataclass(frozen=True)
class Screening:
    """The ranking of parameters by their effect on the distance to the record."""

    table: pd.DataFrame
    runs: int


def screen(config: CalibrationConfig, simulator: BatchSimulator, distance: WeightedDistance, observed) -> Screening:
    """Morris indices of each prior's parameter on the mean log distance to `observed`."""
    problem = {
        "num_vars": len(config.priors),
        "names": config.parameter_names,
        "bounds": [[p.low, p.high] for p in config.priors],
    }
    seed = config.master_seed % 2**32
    design = morris_sample.sample(problem, SCREEN_TRAJECTORIES, num_levels=SCREEN_LEVELS, seed=seed)
    seeds = np.random.default_rng([config.master_seed, 3]).integers(1, 2**31 - 1, size=SCREEN_REPLICATES)
    parameters = np.repeat(design, SCREEN_REPLICATES, axis=0)
    run_seeds = np.tile(seeds, len(design))
    step = config.batch_size
    summaries = np.concatenate(
        [
            simulator.summaries_of(parameters[i : i + step], run_seeds[i : i + step])
            for i in range(0, len(parameters), step)
        ]
    )
    log_distance = np.log(distance(summaries, observed[None, :]) + LOG_OFFSET)
    distances = log_distance.reshape(len(design), SCREEN_REPLICATES).mean(axis=1)
    indices = morris_analysis.analyze(problem, design, distances, num_levels=SCREEN_LEVELS, seed=seed)
    table = pd.DataFrame(
        {
            "parameter": config.parameter_names,
            "mu_star": indices["mu_star"],
            "mu_star_conf": indices["mu_star_conf"],
            "mu": indices["mu"],
            "sigma": indices["sigma"],
        }
    ).sort_values("mu_star", ascending=False, ignore_index=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return Screening(table, len(parameters))


def write_screening(config: CalibrationConfig, screening: Screening, out_dir: Path, command: list[str]) -> None:
    """Write the ranking (CSV and Markdown) and a manifest to `out_dir`, whole or not at all."""
    with staged_directory(Path(out_dir), "write the screening") as staging:
        screening.table.to_csv(staging / "screening.csv", index=False)
        (staging / "screening.md").write_text(screening_text(config, screening), encoding="utf-8")
        manifest = {
            "kind": "caucasus-screening",
            "calibration": config.resolved(),
            "config_hash": config.config_hash(),
            "design": {
                "trajectories": SCREEN_TRAJECTORIES,
                "levels": SCREEN_LEVELS,
                "replicates": SCREEN_REPLICATES,
                "runs": screening.runs,
            },
            "command": command,
            "versions": versions(),
            "git": git_commit(),
            "written": utc_now(),
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def screening_text(config: CalibrationConfig, screening: Screening) -> str:
    """The ranking in Markdown."""
    rows = [
        f"| {row.rank} | `{row.parameter}` | {row.mu_star:.3f} ± {row.mu_star_conf:.3f} "
        f"| {row.mu:+.3f} | {row.sigma:.3f} |"
        for row in screening.table.itertuples()
    ]
    return "\n".join(
        [
            f"# Screening `{config.name}`: Morris elementary effects on the log distance to the record",
            "",
            f"{SCREEN_TRAJECTORIES} trajectories on a {SCREEN_LEVELS}-level grid over the priors' ranges, "
            f"{SCREEN_REPLICATES} runs per point with common seeds ({screening.runs:,} runs); the output is "
            "the mean of log(1 + the distance to the record's summaries) (the calibration's distance).",
            "",
            "| rank | parameter | mu* (± 95%) | mu | sigma |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
