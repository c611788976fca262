"""What `caucasus run SCENARIO --posterior DIR` writes and prints.

One directory, written whole (staged beside it and renamed into place, under its lock, as a
run's is: `sim.outputs.staged_directory`):

    runs.parquet, .csv           one row per run: replicate, seed, the drawn parameter values, every outcome
    shares.parquet, .csv         shares of runs with each 0/1 outcome and corridor arrangement, 95% Wilson
    intervals.parquet, .csv      per numeric outcome: runs with a value, median, 50% and 90% intervals
                                 (and as dates for the `_day` outcomes)
    series_quantiles.parquet     daily trust and influence quantiles over the runs (when kept)
    report.md                    the summary the command prints
    manifest.json                the scenario (name, file, hash, resolved config), the posterior (path,
                                 SHA-256, draws, how they were drawn), the master seed, every seed,
                                 versions, git commit, command

Every Parquet file carries the same provenance in its metadata (`caucasus.provenance`).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from experiments.formatting import number, text_table
from experiments.posterior_runs import MAX_SERIES_RUNS, PosteriorRuns
from experiments.replicated import scenario_provenance
from sim.errors import ConfigError
from sim.outputs import staged_directory, write_table
from sim.provenance import git_commit, utc_now, versions

KIND = "caucasus-posterior-runs"
SERIES_FILE = "series_quantiles.parquet"
POSTERIOR_RUN_FILES = frozenset(
    {
        "manifest.json",
        "report.md",
        "runs.parquet",
        "runs.csv",
        "shares.parquet",
        "shares.csv",
        "intervals.parquet",
        "intervals.csv",
        SERIES_FILE,
    }
)


def provenance(runs: PosteriorRuns) -> dict[str, Any]:
    """What every file carries: the scenario, the posterior and its draws, the seeds, the versions."""
    return {
        "kind": KIND,
        **scenario_provenance(runs.scenario),
        "posterior": runs.draws.identity(),
        "master_seed": runs.draws.master_seed,
        "runs": len(runs.seeds),
        "seeds": list(runs.seeds),
        "versions": versions(),
    }


def check_posterior_out(out_dir: Path, force: bool) -> None:
    """Refuse a directory that holds anything but a previous posterior run (which `force` replaces)."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(str(out_dir), None, "exists and is not a plain directory; choose another --out")
    held = {entry.name for entry in out_dir.iterdir()} if out_dir.is_dir() else set()
    if held and not force:
        raise ConfigError(str(out_dir), None, "already holds files; choose another --out (or --force)")
    if held and not ("manifest.json" in held and held <= POSTERIOR_RUN_FILES):
        raise ConfigError(
            str(out_dir), None, "holds files that are not runs under a posterior; --force only replaces those"
        )


def write_posterior_runs(
    runs: PosteriorRuns, out_dir: Path, *, force: bool = False, command: list[str] | None = None
) -> Path:
    """Write the runs, shares, intervals, series quantiles, `report.md` and `manifest.json` to `out_dir`, whole."""
    out_dir = Path(out_dir)
    check_posterior_out(out_dir, force)
    origin = provenance(runs)
    tables = {"runs": runs.runs, "shares": runs.shares(), "intervals": runs.intervals()}
    with staged_directory(out_dir, "write the runs", check=partial(check_posterior_out, out_dir, force)) as staging:
        for name, table in tables.items():
            write_table(table, staging / f"{name}.parquet", origin)
            table.to_csv(staging / f"{name}.csv", index=False)
        if runs.fan is not None:
            write_table(runs.fan.table(), staging / SERIES_FILE, origin)
        (staging / "report.md").write_text(posterior_report(runs), "utf-8")
        manifest = origin | {"series_quantiles": runs.fan is not None, "git": git_commit()}
        manifest |= {"created_at": utc_now(), "command": command}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return out_dir


def posterior_report(runs: PosteriorRuns) -> str:
    """The readable summary: what was run under which posterior, the shares and the outcome intervals."""
    scenario, draws = runs.scenario, runs.draws
    n = len(runs.seeds)
    fan = (
        f"daily trust and influence quantiles over the {n:,} runs: series_quantiles.parquet"
        if runs.fan is not None
        else f"daily series not kept (more than {MAX_SERIES_RUNS:,} runs)"
    )
    lines = [
        f"# {scenario.name} under the posterior of {draws.scenario!r}",
        "",
        f"- scenario: `{scenario.name}` ({scenario.source}), config hash `{scenario.config_hash()}`, "
        f"{scenario.horizon_days} days from {scenario.start_date.isoformat()}",
        f"- posterior: {draws.path} (posterior.parquet SHA-256 `{draws.sha256[:16]}...`), "
        f"{len(draws.names)} calibrated parameters: {', '.join(draws.names)}",
        f"- {n:,} runs, each with its own posterior draw and its own seed, spawned from master seed "
        f"{draws.master_seed}; every seed and draw: runs.parquet",
        f"- {fan}",
        "",
        "## Shares of runs (95% Wilson intervals)",
        "",
        "```",
        text_table(
            ["outcome", "runs", "share", "95% interval"],
            [
                [row.title, f"{row.runs:,} of {row.n:,}", number(row.share, ".3f"), _pair(row.ci_low, row.ci_high)]
                for row in runs.shares().itertuples()
            ],
        ),
        "```",
        "",
        "## Outcomes over draws and seeds (median, 50% and 90% intervals)",
        "",
        "```",
        text_table(
            ["outcome", "runs", "median", "50%", "90%"],
            [_interval_cells(row) for row in runs.intervals().to_dict("records")],
        ),
        "```",
    ]
    return "\n".join(lines) + "\n"


def _pair(low: Any, high: Any, spec: str = ".3f") -> str:
    return f"[{number(low, spec)}, {number(high, spec)}]"


def _interval_cells(row: dict[str, Any]) -> list[str]:
    """A table row; a `_day` outcome shows its dates."""
    if not row["runs"]:
        return [row["title"], "0", "n/a", "n/a", "n/a"]
    if "median_date" in row and isinstance(row.get("median_date"), str):
        return [
            row["title"],
            f"{row['runs']:,}",
            row["median_date"],
            f"[{row['q25_date']}, {row['q75_date']}]",
            f"[{row['q05_date']}, {row['q95_date']}]",
        ]
    return [
        row["title"],
        f"{row['runs']:,}",
        number(row["median"]),
        _pair(row["q25"], row["q75"], ".4g"),
        _pair(row["q05"], row["q95"], ".4g"),
    ]
