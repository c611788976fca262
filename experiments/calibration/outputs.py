"""What a finished calibration writes: its posterior, diagnostics, predictive checks, figures, report.

- `posterior.parquet`: the last generation's particles and weights (`experiments.calibration.posterior`).
- `posterior.csv`: each parameter's prior range, weighted posterior median and 5-95% interval,
  and how much the data constrained it (contraction: 1 - posterior variance / prior variance).
- `diagnostics.csv`: each generation's tolerance, runs, acceptance rate, effective sample size, time.
- `checks.csv`: posterior predictive checks: every summary of the record beside its distribution
  over `CHECK_RUNS` fresh runs at parameter vectors drawn from the posterior (new seeds: not the
  accepted runs themselves, which are biased toward the record), and under the prior (the pilot).
- `figures/`: marginal posteriors against their priors, pair plots of the most correlated
  parameters, the posterior predictive checks, the tolerance and acceptance by generation.
- `report.md`: the above in words and tables.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.calibration.config import CalibrationConfig  # noqa: E402
from experiments.calibration.posterior import load_posterior, write_posterior  # noqa: E402
from experiments.calibration.simulator import BatchSimulator, WeightedDistance  # noqa: E402
from experiments.calibration.store import CalibrationStore  # noqa: E402
from experiments.formatting import markdown_table

CHECK_RUNS = 1000
CHECK_STREAM = 2  # the checks' draws: a stream of the master seed of its own
PAIRS_SHOWN = 4


def write_outputs(
    store: CalibrationStore,
    config: CalibrationConfig,
    simulator: BatchSimulator,
    distance: WeightedDistance,
    progress: Callable[[str], None] = print,
) -> None:
    """Write every result file of a calibration whose generations are all done."""
    generations = store.generations()
    last = store.particles(generations[-1].index)
    out = store.out_dir
    write_posterior(out, last[config.parameter_names], last["weight"].to_numpy(float))
    posterior = load_posterior(out)
    diagnostics = pd.DataFrame([g.__dict__ for g in generations])
    store.write_file(out / "diagnostics.csv", lambda path: diagnostics.to_csv(path, index=False))
    parameters = parameter_table(config, posterior.particles, posterior.weights)
    store.write_file(out / "posterior.csv", lambda path: parameters.to_csv(path, index=False))
    progress(f"posterior predictive checks: {CHECK_RUNS} runs drawn from the posterior")
    predictive = predictive_runs(config, simulator, posterior)
    checks = check_table(config, store.observed(), predictive, store.pilot(), distance)
    store.write_file(out / "checks.csv", lambda path: checks.to_csv(path, index=False))
    figures = out / "figures"
    figures.mkdir(exist_ok=True)
    store.write_file(figures / "marginals.png", lambda p: _save(marginals_figure(config, posterior), p))
    store.write_file(figures / "pairs.png", lambda p: _save(pairs_figure(config, posterior), p))
    store.write_file(figures / "checks.png", lambda p: _save(checks_figure(checks), p))
    store.write_file(figures / "generations.png", lambda p: _save(generations_figure(diagnostics), p))
    report = report_text(config, store.manifest(), diagnostics, parameters, checks)
    store.write_file(out / "report.md", lambda path: path.write_text(report, encoding="utf-8"))


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, quantiles) -> np.ndarray:
    """Quantiles of weighted values (the inverse of the weighted empirical distribution function)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / np.sum(weights)
    return np.array([values[order][min(np.searchsorted(cumulative, q), len(values) - 1)] for q in quantiles])


def parameter_table(config: CalibrationConfig, particles: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    """Per parameter: prior range, posterior median and 90% interval, contraction; most constrained first."""
    rows = []
    for prior in config.priors:
        values = particles[prior.name].to_numpy(float)
        mean = np.sum(weights * values)
        variance = np.sum(weights * (values - mean) ** 2)
        low, median, high = weighted_quantiles(values, weights, (0.05, 0.5, 0.95))
        rows.append(
            {
                "parameter": prior.name,
                "prior_min": prior.low,
                "prior_max": prior.high,
                "median": median,
                "q05": low,
                "q95": high,
                "contraction": 1.0 - variance / ((prior.high - prior.low) ** 2 / 12.0),
                "reason": prior.reason,
            }
        )
    return pd.DataFrame(rows).sort_values("contraction", ascending=False, ignore_index=True)


def predictive_runs(config: CalibrationConfig, simulator: BatchSimulator, posterior) -> np.ndarray:
    """[CHECK_RUNS, summaries] of fresh runs at parameter vectors drawn from the posterior."""
    rng = np.random.default_rng([config.master_seed, CHECK_STREAM])
    drawn = posterior.draw(CHECK_RUNS, rng)
    parameters = np.column_stack([drawn[name] for name in config.parameter_names])
    seeds = rng.integers(1, 2**31 - 1, size=CHECK_RUNS)
    step = config.batch_size
    return np.concatenate(
        [simulator.summaries_of(parameters[i : i + step], seeds[i : i + step]) for i in range(0, CHECK_RUNS, step)]
    )


def check_table(
    config: CalibrationConfig,
    observed: np.ndarray,
    predictive: np.ndarray,
    prior: np.ndarray,
    distance: WeightedDistance,
) -> pd.DataFrame:
    """Each summary: the record's value, its posterior and prior predictive intervals, and where it falls."""
    rows = []
    for k, summary in enumerate(config.summaries):
        post = np.quantile(predictive[:, k], (0.05, 0.25, 0.5, 0.75, 0.95))
        pre = np.quantile(prior[:, k], (0.05, 0.5, 0.95))
        below = np.mean(predictive[:, k] < observed[k]) + 0.5 * np.mean(predictive[:, k] == observed[k])
        rows.append(
            {
                "summary": summary.name,
                "observed": observed[k],
                "weight": distance.weights[k],
                "scale": distance.scales[k],
                "posterior_q05": post[0],
                "posterior_q25": post[1],
                "posterior_median": post[2],
                "posterior_q75": post[3],
                "posterior_q95": post[4],
                "prior_q05": pre[0],
                "prior_median": pre[1],
                "prior_q95": pre[2],
                "predictive_rank": below,
                "inside_90": bool(post[0] <= observed[k] <= post[4]),
            }
        )
    return pd.DataFrame(rows)


def marginals_figure(config: CalibrationConfig, posterior) -> plt.Figure:
    """A histogram per parameter: the weighted posterior against its uniform prior."""
    n = len(config.priors)
    columns = min(4, n)
    rows = -(-n // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 2.4 * rows), squeeze=False)
    for ax, prior in zip(axes.flat, config.priors, strict=False):
        values = posterior.particles[prior.name].to_numpy(float)
        ax.hist(
            values, bins=25, range=(prior.low, prior.high), weights=posterior.weights, density=True, color="#4477aa"
        )
        ax.axhline(1.0 / (prior.high - prior.low), color="#cc6677", linestyle="--", label="prior")
        ax.set_title(prior.name.replace("parameters.", "").replace("actors.", ""), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7)
    figure.suptitle("Marginal posteriors (bars) against their priors (dashed)", fontsize=10)
    figure.tight_layout()
    return figure


def strongest_pairs(posterior, n: int = PAIRS_SHOWN) -> list[tuple[str, str, float]]:
    """The `n` parameter pairs with the largest weighted correlation in absolute value."""
    names = list(posterior.parameters)
    values = posterior.particles[names].to_numpy(float)
    if len(names) < 2:
        return []
    correlation = np.nan_to_num(np.cov(values, rowvar=False, aweights=posterior.weights))
    scale = np.sqrt(np.clip(np.diag(correlation), 1e-300, None))
    correlation = correlation / np.outer(scale, scale)
    pairs = [(names[i], names[j], correlation[i, j]) for i in range(len(names)) for j in range(i + 1, len(names))]
    return sorted(pairs, key=lambda pair: -abs(pair[2]))[:n]


def pairs_figure(config: CalibrationConfig, posterior) -> plt.Figure:
    """Scatter plots of the most correlated parameter pairs, points sized by weight."""
    pairs = strongest_pairs(posterior) or [(config.parameter_names[0], config.parameter_names[0], 1.0)]
    figure, axes = plt.subplots(1, len(pairs), figsize=(3.4 * len(pairs), 3.2), squeeze=False)
    size = 4 + 400 * posterior.weights / posterior.weights.max() / np.sqrt(len(posterior.weights))
    for ax, (first, second, rho) in zip(axes.flat, pairs, strict=False):
        ax.scatter(posterior.particles[first], posterior.particles[second], s=size, alpha=0.4, color="#4477aa")
        ax.set_xlabel(first, fontsize=7)
        ax.set_ylabel(second, fontsize=7)
        ax.set_title(f"weighted correlation {rho:+.2f}", fontsize=8)
        ax.tick_params(labelsize=7)
    figure.tight_layout()
    return figure


def checks_figure(checks: pd.DataFrame) -> plt.Figure:
    """Each summary's posterior (thick) and prior (thin) predictive 90% interval, and the record (dot)."""
    n = len(checks)
    figure, ax = plt.subplots(figsize=(8, 0.22 * n + 1.2))
    y = np.arange(n)[::-1]
    ax.hlines(y, checks.prior_q05, checks.prior_q95, color="#bbbbbb", linewidth=1, label="prior predictive 90%")
    ax.hlines(y, checks.posterior_q05, checks.posterior_q95, color="#4477aa", linewidth=4, label="posterior 90%")
    ax.plot(checks.observed, y, "o", color="#cc6677", markersize=4, label="record")
    ax.set_yticks(y, checks.summary, fontsize=6)
    ax.set_xscale("symlog", linthresh=10)  # linear to 10, logarithmic beyond: the prior's tails reach 100s
    ax.set_xlabel("value (counts, days or rungs; logarithmic above 10)")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Posterior predictive checks", fontsize=10)
    figure.tight_layout()
    return figure


def generations_figure(diagnostics: pd.DataFrame) -> plt.Figure:
    """Tolerance and acceptance rate by generation."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    generation = diagnostics["index"] + 1
    left.plot(generation, diagnostics.tolerance, "o-")
    left.set_xlabel("generation")
    left.set_ylabel("tolerance (distance)")
    right.plot(generation, 100 * diagnostics.acceptance_rate, "o-")
    right.set_xlabel("generation")
    right.set_ylabel("acceptance rate (%)")
    figure.tight_layout()
    return figure


def report_text(config, manifest, diagnostics: pd.DataFrame, parameters: pd.DataFrame, checks: pd.DataFrame) -> str:
    """The calibration's report in Markdown."""
    inside = int(checks.inside_90.sum())
    used = checks[checks.weight > 0]
    lines = [
        f"# Calibration `{config.name}`",
        "",
        f"{config.description}",
        "",
        f"Scenario `{config.scenario.name}` against the record to {config.cut_off} ({len(config.summaries)} summaries, "
        f"{len(config.priors)} parameters), ABC-SMC with ELFI: population {config.population}, "
        f"{len(diagnostics)} generations, {int(diagnostics.runs.sum()):,} runs after a pilot of {config.pilot_runs:,}. "
        f"Config hash `{manifest['config_hash'][:12]}`, master seed {config.master_seed}.",
        "",
        "## Generations",
        "",
        markdown_table(diagnostics),
        "",
        "## Posterior (most constrained first)",
        "",
        markdown_table(parameters.drop(columns=["reason"])),
        "",
        "## Posterior predictive checks",
        "",
        f"The record falls inside the posterior predictive 90% interval for {inside} of {len(checks)} summaries "
        f"({len(used)} of them in the distance; a summary without spread under the prior has weight 0).",
        "",
        markdown_table(
            checks[["summary", "observed", "posterior_q05", "posterior_median", "posterior_q95", "inside_90"]]
        ),
        "",
        "Figures: `figures/marginals.png`, `figures/pairs.png`, `figures/checks.png`, `figures/generations.png`.",
        "",
    ]
    return "\n".join(lines)


def _save(figure: plt.Figure, path) -> None:
    figure.savefig(path, format="png", dpi=110)
    plt.close(figure)
