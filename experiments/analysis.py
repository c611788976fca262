"""Analysis of a finished sweep: outcome summaries with confidence intervals, sensitivity indices, figures.

`analyze(DIR)` reads what `caucasus sweep` wrote into DIR (`manifest.json`, `design.parquet`,
`runs/*.parquet`) and writes into `DIR/analysis/` (or `out`), whole: a previous analysis there is
replaced only once the new one is complete, and a failure leaves it (or nothing) as it was:

- `points.parquet` and `points.csv`: one row per design point, its parameter values and, for every
  numeric outcome, `<outcome>_mean` over the replicates, `<outcome>_ci_low`/`_ci_high` (95%) and
  `<outcome>_n` (the runs behind the mean);
- `outcomes.csv`: every numeric outcome over all runs: mean, sd, 95% CI of the mean, median, 5%/95%;
- `shares.csv`: the shares of runs with a rupture and with each corridor arrangement, with 95% CIs;
- `sensitivity.csv`: one row per outcome and parameter: `method`, the method's indices, `rank` and
  the outcome's `noise_share` (see below);
- the figures of `experiments.figures` and `report.md` (the text of `AnalysisResult.text`).

This module runs the steps; each is another module's: reading and checking the sweep
(`experiments.store.read_sweep_results`), statistics (`experiments.summaries`), sensitivity
indices by the design's method (`experiments.sensitivity`, the registry of designs and
methods), the report (`experiments.report`), the files (`experiments.analysis_files`). The names
other code imports from here (`Sweep`, `outcome_values`, `sensitivity_indices`, ...) stay
importable from here.

Conventions:

- Shares: boolean outcomes (`rupture`) and one 0/1 indicator per corridor arrangement
  (`corridor_<name>`) get Wilson score intervals; other numeric outcomes get Student t intervals
  over the replicates (none from a single run). `blocs` is not numeric and is left out.
- `rupture_day` and `corridor_day` are missing for runs without a rupture or an agreement: their
  means are over the runs that reached one, and `n` says how many did.
- Sensitivity indices are computed on the per-point means, in `point_id` (SALib sample) order:
  Sobol S1/ST (`SALib.analyze.sobol`), Morris mu* (`SALib.analyze.morris`), and Spearman's rho
  of each parameter with the outcome for Latin hypercube and full factorial designs. The bootstrap
  draws use the design's seed, so the same sweep always gives the same confidence intervals.
  Outcomes that are constant across points, or (for Sobol and Morris) missing at some point, are
  skipped and listed in the report.
- `noise_share` estimates how much of the variance of an outcome's per-point means is replicate
  noise (`experiments.summaries.replicate_noise_share`): with independent seeds the within-point
  variance over n; under common random numbers the seed x point interaction over n (a seed's
  effect shared by every point cancels between points); missing with one replicate and where it
  cannot be computed honestly. Noise adds to every parameter's ST alike: where it is large the
  indices say little, and more replicates help.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments import analysis_files
from experiments.report import report_markdown, report_text
from experiments.sensitivity import INDEX_COLUMNS, sensitivity_indices
from experiments.store import Sweep, read_sweep_results
from experiments.summaries import (
    CONFIDENCE,
    OutcomeValues,
    outcome_values,
    overall_summary,
    point_summaries,
    replicate_noise_share,
    share_summary,
    t_interval,
    wilson_interval,
)

__all__ = [
    "CONFIDENCE",
    "INDEX_COLUMNS",
    "AnalysisResult",
    "OutcomeValues",
    "Sweep",
    "analyze",
    "outcome_values",
    "overall_summary",
    "point_summaries",
    "read_sweep_results",
    "replicate_noise_share",
    "report_markdown",
    "report_text",
    "sensitivity_indices",
    "share_summary",
    "t_interval",
    "wilson_interval",
]


@dataclass(frozen=True)
class AnalysisResult:
    """What `analyze` computed and wrote."""

    points: pd.DataFrame
    outcomes: pd.DataFrame
    shares: pd.DataFrame
    sensitivity: pd.DataFrame
    files: tuple[Path, ...]
    text: str


def analyze(path: str | Path, out: str | Path | None = None, *, figures: bool = True) -> AnalysisResult:
    """Analyse the complete sweep in `path`, writing tables, figures and a report into `out`.

    Args:
        path: the directory `caucasus sweep` wrote.
        out: where to write (default `path/analysis`); created if missing, a previous analysis
            there replaced as a whole once the new one is complete.
        figures: whether to draw the figures (tables and report are always written).

    Returns:
        The tables, the files written and the report text.

    Raises:
        ConfigError: the directory is missing, not a sweep, incomplete or damaged, or `out` is
            (or lies inside) a file, is a symbolic link or holds files that are not an analysis;
            nothing is written.
        MachineError: the machine failed to read the sweep or to write the analysis (disk full,
            permission denied, I/O error); a previous analysis in `out` stays as it was.
    """
    sweep = read_sweep_results(path)
    out_dir = Path(out) if out is not None else sweep.directory / "analysis"
    analysis_files.check_out(out_dir)  # the user's mistakes in --out, before the work
    values = outcome_values(sweep.runs, sweep.inputs)
    point_ids = sweep.runs["point_id"].to_numpy()
    points = point_summaries(sweep.design, values, point_ids)
    point_means = values.frame.groupby(point_ids, sort=True).mean()
    sensitivity, skipped = sensitivity_indices(sweep, point_means)
    noise = replicate_noise_share(values, point_ids, sweep.runs["seed"].to_numpy())
    sensitivity = sensitivity.assign(noise_share=sensitivity["outcome"].map(noise))
    outcomes, shares = overall_summary(values), share_summary(values)
    with analysis_files.staged_out(out_dir) as staging:
        staged = analysis_files.write_tables(staging, points, outcomes, shares, sensitivity)
        if figures:
            staged += analysis_files.write_figures(staging, sweep, values.frame, point_means, sensitivity, shares)
        written = [out_dir / file.name for file in staged]  # where they will be: the report names these
        report_path = out_dir / analysis_files.REPORT
        text = report_text(sweep, outcomes, shares, sensitivity, skipped, values.left_out, [*written, report_path])
        analysis_files.write_report(staging / report_path.name, report_markdown(sweep, text, written))
    return AnalysisResult(points, outcomes, shares, sensitivity, (*written, report_path), text)
