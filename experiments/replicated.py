"""Replicated counterfactuals: two scenarios run on the same N seeds, compared pair by pair.

`caucasus compare F CF --replicates N` runs both scenarios once per seed of N seeds spawned
from a master seed (`experiments.replicates.replicate_seeds`: the children of
`numpy.random.SeedSequence(master)`), on the ensemble engine (`sim.ensemble.run_ensemble`, the
same outcomes as the Mesa model run by run). Both scenarios get the same seeds (common random
numbers), so each seed gives a pair of runs that saw the same noise and decision draws, and the
difference within a pair is the effect of what the scenarios change. `caucasus compare F CF
--posterior DIR --draws N` does the same with run i of both scenarios also taking the i-th
parameter vector drawn from a calibration's posterior (`experiments.posterior_runs`: common
parameters as well as common random numbers); the paired table then holds the drawn values.

What it computes, from the outcome registry (`sim.outcomes.OUTCOMES`, never a hand list):

- the paired table: one row per seed, every outcome column of both runs (`factual_<column>`,
  `counterfactual_<column>`) and, for numeric outcomes, `difference_<column>` (counterfactual
  minus factual; NaN where a day outcome was not reached in one of the runs);
- shares: per scenario, the share of runs with each 0/1 outcome (rupture) and with each value
  of a category outcome (each corridor arrangement), with 95% Wilson score intervals, the
  difference of the shares and the number of pairs whose runs disagree;
- differences: per numeric outcome, the distribution of the paired differences over the pairs
  where both runs have a value: mean with its 95% Student t interval, sd, 5%/50%/95% quantiles,
  and the share of pairs that differ at all (exactly: under common random numbers two runs are
  equal to the bit until they diverge).

`write_replicated` writes these (Parquet, with the provenance in the file's metadata, and CSV),
`report.md` and `manifest.json` (scenarios, config hashes, resolved configs, master seed, every
seed, versions, git commit, command) into one directory, whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from experiments.counterfactual import check_same_span
from experiments.formatting import number
from experiments.replicates import replicate_seeds
from experiments.summaries import CONFIDENCE, t_interval, wilson_interval
from sim.config import Scenario, load_scenario
from sim.ensemble import run_ensemble
from sim.errors import ConfigError
from sim.outcomes import NUMERIC_OUTCOMES, OUTCOMES, CategoryOutcome, column_title
from sim.outputs import staged_directory, write_table
from sim.provenance import git_commit, utc_now, versions

if TYPE_CHECKING:
    from experiments.posterior_runs import PosteriorDraws

MAX_REPLICATES = 100_000  # judgement: about 10 minutes of both scenarios on the ensemble engine, one core
BATCH_RUNS = 4096  # runs of one ensemble batch: bounds the memory of a large N (judgement)
SIDES = ("factual", "counterfactual")
KIND = "caucasus-replicated-comparison"
INTERVAL_METHOD = "Wilson score"
REPLICATED_FILES = frozenset(
    {
        "manifest.json",
        "report.md",
        "paired_outcomes.parquet",
        "paired_outcomes.csv",
        "shares.parquet",
        "shares.csv",
        "differences.parquet",
        "differences.csv",
    }
)


@dataclass(frozen=True)
class ReplicatedComparison:
    """Two scenarios run on the same seeds: the paired outcome table and what it came from."""

    factual: Scenario
    counterfactual: Scenario
    master_seed: int
    seeds: tuple[int, ...]
    paired: pd.DataFrame
    posterior: dict[str, Any] | None = None  # the posterior the runs drew from (`PosteriorDraws.identity`), if any

    def provenance(self) -> dict[str, Any]:
        """What every file carries: both scenarios (name, hash, resolved config), the seeds, versions."""
        drawn = {"posterior": self.posterior} if self.posterior else {}
        return {
            "kind": KIND,
            **{side: scenario_provenance(getattr(self, side)) for side in SIDES},
            "master_seed": self.master_seed,
            "replicates": len(self.seeds),
            "seeds": list(self.seeds),
            "seed_rule": "seed i: first 63 bits of numpy SeedSequence(master_seed, spawn_key=(i,)), both scenarios",
            **drawn,
            "versions": versions(),
        }

    def shares(self) -> pd.DataFrame:
        """Shares of runs with each 0/1 outcome and each category value, per scenario, with Wilson CIs."""
        return share_table(self.paired)

    def differences(self) -> pd.DataFrame:
        """The distribution of the paired differences of each numeric outcome."""
        return difference_table(self.paired)


def scenario_provenance(scenario: Scenario) -> dict[str, Any]:
    """A scenario as the outputs name it: name, file, config hash and resolved config."""
    return {
        "scenario": scenario.name,
        "scenario_file": scenario.source,
        "config_hash": scenario.config_hash(),
        "config": scenario.resolved(),
    }


def check_replicates(count: Any) -> int:
    """The number of replicates, checked: an integer from 1 to `MAX_REPLICATES` (else a ConfigError)."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_REPLICATES:
        raise ConfigError(
            "--replicates", None, f"{count} is out of range; allowed: an integer from 1 to {MAX_REPLICATES:,}"
        )
    return count


def prepare_replicated(
    factual: str | Path, counterfactual: str | Path, replicates: int, master_seed: int | None = None
) -> tuple[Scenario, Scenario, int, list[int]]:
    """Both scenarios loaded and checked to span the same days, the master seed and the spawned seeds."""
    check_replicates(replicates)
    first, second = load_scenario(factual), load_scenario(counterfactual)
    check_same_span(first, second, factual, counterfactual)
    master = first.seed if master_seed is None else master_seed
    return first, second, master, replicate_seeds(master, replicates)


def run_replicated(
    factual: str | Path, counterfactual: str | Path, replicates: int, master_seed: int | None = None
) -> ReplicatedComparison:
    """Run both scenarios on the same `replicates` seeds spawned from `master_seed` (default: the factual's seed)."""
    return run_pairs(*prepare_replicated(factual, counterfactual, replicates, master_seed))


def run_pairs(
    factual: Scenario,
    counterfactual: Scenario,
    master_seed: int,
    seeds: list[int],
    draws: PosteriorDraws | None = None,
) -> ReplicatedComparison:
    """Run both (loaded, checked) scenarios once per seed on the ensemble engine and pair their runs by seed.

    With `draws` (one per seed, `experiments.posterior_runs`), run i of both scenarios also takes
    draw i's parameter values (common parameters as well as common random numbers), and the paired
    table holds the drawn values.
    """
    columns = {
        side: ensemble_outcomes(scenario, seeds, draws)
        for side, scenario in zip(SIDES, (factual, counterfactual), strict=True)
    }
    paired = paired_table(seeds, columns, draws)
    posterior = draws.identity() if draws is not None else None
    return ReplicatedComparison(factual, counterfactual, master_seed, tuple(seeds), paired, posterior)


def ensemble_outcomes(
    scenario: Scenario, seeds: list[int], draws: PosteriorDraws | None = None
) -> dict[str, np.ndarray]:
    """Every outcome column of the scenario run once per seed (and draw, if any), in batches of `BATCH_RUNS`."""
    batches = [
        run_ensemble(
            scenario, seeds[i : i + BATCH_RUNS], draws.batch(slice(i, i + BATCH_RUNS)) if draws else None
        ).outcomes()
        for i in range(0, len(seeds), BATCH_RUNS)
    ]
    return {name: np.concatenate([batch[name] for batch in batches]) for name in batches[0]}


def paired_table(
    seeds: list[int], columns: dict[str, dict[str, np.ndarray]], draws: PosteriorDraws | None = None
) -> pd.DataFrame:
    """One row per seed: replicate, seed, any drawn values, each side's outcome columns and the numeric differences."""
    table: dict[str, Any] = {"replicate": np.arange(len(seeds)), "seed": np.asarray(seeds, dtype=np.int64)}
    if draws is not None:
        table |= draws.batch()
    for name in columns["factual"]:
        for side in SIDES:
            table[f"{side}_{name}"] = columns[side][name]
        if name in NUMERIC_OUTCOMES:
            table[f"difference_{name}"] = columns["counterfactual"][name].astype(float) - columns["factual"][
                name
            ].astype(float)
    return pd.DataFrame(table)


def share_indicators(paired: pd.DataFrame, side: str) -> dict[str, np.ndarray]:
    """One side's 0/1 indicators: each boolean outcome and each value of each category outcome."""
    indicators: dict[str, np.ndarray] = {}
    for outcome in OUTCOMES:
        column = f"{side}_{outcome.name}"
        if column not in paired:
            continue
        if outcome.dtype == "bool":
            indicators[outcome.name] = paired[column].to_numpy(dtype=bool)
        elif isinstance(outcome, CategoryOutcome):
            for value in outcome.categories:
                indicators[outcome.indicator_name(value)] = (paired[column].astype(str) == value).to_numpy()
    return indicators


def share_table(paired: pd.DataFrame) -> pd.DataFrame:
    """Per 0/1 outcome: each scenario's runs, share and 95% Wilson CI; the difference and the pairs that disagree."""
    sides = {side: share_indicators(paired, side) for side in SIDES}
    n = len(paired)
    rows = []
    for name in sides["factual"]:
        row: dict[str, Any] = {"outcome": name, "title": column_title(name), "pairs": n}
        for side in SIDES:
            hits = int(sides[side][name].sum())
            low, high = wilson_interval(hits, n)
            row |= {f"{side}_runs": hits, f"{side}_share": hits / n, f"{side}_ci_low": float(low)}
            row[f"{side}_ci_high"] = float(high)
        row["difference"] = row["counterfactual_share"] - row["factual_share"]
        row["pairs_differ"] = int(np.sum(sides["factual"][name] != sides["counterfactual"][name]))
        rows.append(row)
    return pd.DataFrame(rows)


DIFFERENCE_COLUMNS = (
    "outcome", "title", "pairs", "only_factual", "only_counterfactual", "mean", "ci_low", "ci_high", "sd", "q05",
    "median", "q95", "share_differ",
)  # fmt: skip


def difference_table(paired: pd.DataFrame) -> pd.DataFrame:
    """Per numeric outcome: the paired differences over the pairs where both runs have a value.

    `pairs` counts those pairs; `only_factual` / `only_counterfactual` count the pairs where only
    one run has a value (a day outcome reached in one scenario only); `mean` has a 95% Student t
    interval (`ci_low`, `ci_high`); `share_differ` is the share of pairs whose values differ.
    """
    rows = []
    for name in NUMERIC_OUTCOMES:
        if f"difference_{name}" not in paired:
            continue
        left, right = (paired[f"{side}_{name}"].to_numpy(dtype=float) for side in SIDES)
        both = np.isfinite(left) & np.isfinite(right)
        difference = right[both] - left[both]
        count = len(difference)
        mean = float(difference.mean()) if count else np.nan
        sd = float(difference.std(ddof=1)) if count > 1 else np.nan
        low, high = t_interval(mean, sd, count)
        quantiles = np.quantile(difference, [0.05, 0.5, 0.95]) if count else [np.nan] * 3
        rows.append(
            {
                "outcome": name,
                "title": column_title(name),
                "pairs": count,
                "only_factual": int(np.sum(np.isfinite(left) & ~np.isfinite(right))),
                "only_counterfactual": int(np.sum(~np.isfinite(left) & np.isfinite(right))),
                "mean": mean,
                "ci_low": float(low),
                "ci_high": float(high),
                "sd": sd,
                "q05": float(quantiles[0]),
                "median": float(quantiles[1]),
                "q95": float(quantiles[2]),
                "share_differ": float(np.mean(difference != 0)) if count else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))


def replicated_report(comparison: ReplicatedComparison) -> str:
    """The Markdown report: what was run, on which seeds, the shares and the paired differences."""
    f, cf = comparison.factual, comparison.counterfactual
    n = len(comparison.seeds)
    seeds = ", ".join(str(seed) for seed in comparison.seeds[:3]) + (", ..." if n > 3 else "")
    header = [
        f"# Replicated comparison: {cf.name} against {f.name}",
        "",
        f"- factual: `{f.name}` ({f.source}), config hash `{f.config_hash()}`",
        f"- counterfactual: `{cf.name}` ({cf.source}), config hash `{cf.config_hash()}`",
        f"- {f.horizon_days} days from {f.start_date.isoformat()}; {n:,} seeds ({seeds}) spawned from master seed "
        f"{comparison.master_seed} (numpy SeedSequence), the same seeds for both scenarios (common random numbers)",
        *_posterior_lines(comparison.posterior),
        "- every seed, both resolved configs and the versions: `manifest.json` (and each Parquet file's metadata)",
        "- versions: " + ", ".join(f"{name} {version}" for name, version in versions().items()),
    ]
    return "\n".join([*header, "", _shares_markdown(comparison.shares()), "", _differences_markdown(comparison)]) + "\n"


def _posterior_lines(posterior: dict[str, Any] | None) -> list[str]:
    """The report's line on the posterior the runs drew from (none without one)."""
    if not posterior:
        return []
    return [
        f"- under the posterior {posterior['path']} (posterior.parquet SHA-256 `{posterior['sha256'][:16]}...`): "
        f"run i of both scenarios takes draw i of {', '.join(posterior['parameters'])} (common parameters); "
        "the draws are in `paired_outcomes`"
    ]


def _shares_markdown(shares: pd.DataFrame) -> str:
    lines = [
        f"## Shares of runs ({CONFIDENCE:.0%} {INTERVAL_METHOD} intervals)",
        "",
        "| outcome | factual | counterfactual | difference | pairs that differ |",
        "|---|---|---|---|---|",
    ]
    for row in shares.itertuples():
        cells = [
            f"{number(getattr(row, f'{side}_share'), '.3f')} [{number(getattr(row, f'{side}_ci_low'), '.3f')}, "
            f"{number(getattr(row, f'{side}_ci_high'), '.3f')}]"
            for side in SIDES
        ]
        lines.append(
            f"| {row.title} | {cells[0]} | {cells[1]} | {number(row.difference, '+.3f')} | "
            f"{row.pairs_differ:,} of {row.pairs:,} |"
        )
    return "\n".join(lines)


def _differences_markdown(comparison: ReplicatedComparison) -> str:
    lines = [
        "## Paired differences (counterfactual - factual, same seed)",
        "",
        f"Over the pairs where both runs have a value; mean with its {CONFIDENCE:.0%} Student t interval.",
        "",
        "| outcome | pairs | mean | 95% CI | sd | 5% | median | 95% | share of pairs that differ | one run only |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in comparison.differences().itertuples():
        lines.append(
            f"| {row.title} | {row.pairs:,} | {number(row.mean)} | [{number(row.ci_low)}, {number(row.ci_high)}] | "
            f"{number(row.sd)} | {number(row.q05)} | {number(row.median)} | {number(row.q95)} | "
            f"{number(row.share_differ, '.3f')} | factual {row.only_factual:,}, counterfactual "
            f"{row.only_counterfactual:,} |"
        )
    return "\n".join(lines)


def check_replicated_dir(out_dir: Path, force: bool) -> None:
    """Refuse a directory that holds anything but a previous replicated comparison (which `force` replaces)."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(str(out_dir), None, "exists and is not a plain directory; choose another --out")
    held = {entry.name for entry in out_dir.iterdir()} if out_dir.is_dir() else set()
    if held and not force:
        raise ConfigError(str(out_dir), None, "already holds files; choose another --out (or --force)")
    if held and not ("manifest.json" in held and held <= REPLICATED_FILES):
        raise ConfigError(
            str(out_dir), None, "holds files that are not a replicated comparison; --force only replaces one"
        )


def write_replicated(
    comparison: ReplicatedComparison, out_dir: Path, *, force: bool = False, command: list[str] | None = None
) -> Path:
    """Write the paired table, shares, differences (Parquet and CSV), `report.md` and `manifest.json`, whole."""
    out_dir = Path(out_dir)
    check_replicated_dir(out_dir, force)
    origin = comparison.provenance()
    tables = {
        "paired_outcomes": comparison.paired,
        "shares": comparison.shares(),
        "differences": comparison.differences(),
    }
    again = partial(check_replicated_dir, out_dir, force)  # under the lock
    with staged_directory(out_dir, "write the comparison", check=again) as staging:
        for name, table in tables.items():
            write_table(table, staging / f"{name}.parquet", origin)
            table.to_csv(staging / f"{name}.csv", index=False)
        (staging / "report.md").write_text(replicated_report(comparison), "utf-8")
        manifest = origin | {"interval": f"{CONFIDENCE:.0%} {INTERVAL_METHOD}", "git": git_commit()}
        manifest |= {"created_at": utc_now(), "command": command}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return out_dir
