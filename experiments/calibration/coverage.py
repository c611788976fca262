"""The known-answer check: simulation-based calibration of the calibration (Talts et al. 2018).

If the model made the record, a calibration must find the parameter values that made it as often
as its credible intervals claim. Each repetition r of the check

1. draws a true parameter vector from the priors and a run seed, from its own stream of the
   config's master seed (`numpy.random.default_rng([master_seed, COVERAGE_STREAM, r])`);
2. runs the model once at it and writes that run's events as a synthetic record
   (`experiments.calibration.synthetic`: the scripted shocks left out);
3. calibrates against that record with the config's settings and a master seed of its own
   (`experiments.calibration.abc.calibrate`, into `OUT/repetitions/NNN/calibration`);
4. records, per parameter, the weighted posterior's central 50% and 90% intervals
   (quantiles 0.25-0.75 and 0.05-0.95, `outputs.weighted_quantiles`), whether the truth lies in
   each, and its weighted rank: the posterior weight below the truth (ties count half), the
   normalised rank statistic of Talts et al., uniform on [0, 1] when the posterior is calibrated.

Over R repetitions the coverage is the share of truths inside each interval, with its 95%
Clopper-Pearson interval; a calibration whose 90% intervals cover far less than 90% is broken,
whatever the record says. ABC posteriors at a tolerance above zero are wider than the exact
posterior, so coverage above nominal is expected of a short schedule; coverage below it is not.
The overall figure pools every parameter of every repetition; parameters of one repetition share
a record, so its interval (which treats them as independent) is narrower than it should be.

    OUT/check.json                  the check: config and its hash, repetitions, master seed
    OUT/repetitions/NNN/record.csv  repetition NNN's synthetic record
    OUT/repetitions/NNN/calibration its calibration (a `caucasus calibrate` directory)
    OUT/ranks.csv                   one row per repetition and parameter: truth, intervals, rank
    OUT/coverage.csv, coverage.md   coverage per parameter and overall, at 50% and 90%
    OUT/figures/ranks.png           the rank histograms, with the band a uniform rank stays in

A killed check resumes: a repetition whose calibration is complete is read, not rerun, and an
unfinished calibration resumes at its last generation.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

from experiments.calibration.abc import calibrate, prior_draws  # noqa: E402
from experiments.calibration.config import CalibrationConfig  # noqa: E402
from experiments.calibration.outputs import weighted_quantiles  # noqa: E402
from experiments.calibration.posterior import MANIFEST_FILE, Posterior, load_posterior  # noqa: E402
from experiments.calibration.synthetic import against_record, write_synthetic_record  # noqa: E402
from experiments.formatting import markdown_table
from sim.config import MAX_SEED  # noqa: E402
from sim.errors import ConfigError, MachineError  # noqa: E402

COVERAGE_STREAM = 3  # the truths' and seeds' draws: a stream of the master seed of its own
LEVELS = (0.5, 0.9)  # the central credible intervals checked
CONFIDENCE = 0.95  # of the binomial intervals around each coverage
RANK_BINS = 5
CHECK_FILE = "check.json"


@dataclass(frozen=True)
class Truth:
    """Repetition `index`'s known answer: the parameter vector, the run's seed, the calibration's seed."""

    index: int
    values: np.ndarray
    run_seed: int
    calibration_seed: int


def truths(config: CalibrationConfig, repetitions: int) -> list[Truth]:
    """The known answers of `repetitions` repetitions, each from its own stream of the master seed."""
    drawn = []
    for index in range(repetitions):
        rng = np.random.default_rng([config.master_seed, COVERAGE_STREAM, index])
        values = prior_draws(config, 1, rng)[0]
        run_seed, calibration_seed = (int(s) for s in rng.integers(1, MAX_SEED, size=2))
        drawn.append(Truth(index, values, run_seed, calibration_seed))
    return drawn


def weighted_rank(values: np.ndarray, weights: np.ndarray, truth: float) -> float:
    """The posterior weight below `truth`, ties counting half: in [0, 1], uniform under a calibrated posterior."""
    weights = np.asarray(weights, float) / np.sum(weights)
    return float(np.sum(weights[values < truth]) + 0.5 * np.sum(weights[values == truth]))


def parameter_rows(
    config: CalibrationConfig, particles: pd.DataFrame, weights: np.ndarray, truth: Truth
) -> list[dict[str, object]]:
    """Per parameter: the truth, the posterior's central intervals, whether each holds the truth, the rank."""
    rows = []
    for prior, value in zip(config.priors, truth.values, strict=True):
        drawn = particles[prior.name].to_numpy(float)
        q05, q25, q50, q75, q95 = weighted_quantiles(drawn, weights, (0.05, 0.25, 0.5, 0.75, 0.95))
        rows.append(
            {
                "repetition": truth.index,
                "parameter": prior.name,
                "truth": float(value),
                "q05": q05,
                "q25": q25,
                "median": q50,
                "q75": q75,
                "q95": q95,
                "inside_50": bool(q25 <= value <= q75),
                "inside_90": bool(q05 <= value <= q95),
                "width_90_of_prior": (q95 - q05) / (prior.high - prior.low),
                "rank": weighted_rank(drawn, weights, value),
            }
        )
    return rows


def binomial_interval(covered: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Clopper-Pearson interval of a proportion `covered` / `n` at `confidence`."""
    interval = stats.binomtest(covered, n).proportion_ci(confidence_level=confidence, method="exact")
    return float(interval.low), float(interval.high)


def coverage_table(ranks: pd.DataFrame) -> pd.DataFrame:
    """Coverage at each level per parameter (file order) and over all, with Clopper-Pearson intervals."""
    groups = [(name, ranks[ranks.parameter == name]) for name in dict.fromkeys(ranks.parameter)]
    rows = []
    for name, group in [*groups, ("all parameters", ranks)]:
        row: dict[str, object] = {"parameter": name, "n": len(group)}
        for level in LEVELS:
            percent = round(100 * level)
            covered = int(group[f"inside_{percent}"].sum())
            low, high = binomial_interval(covered, len(group))
            row |= {
                f"coverage_{percent}": covered / len(group),
                f"ci_low_{percent}": low,
                f"ci_high_{percent}": high,
            }
        row["median_width_90_of_prior"] = float(group["width_90_of_prior"].median())
        rows.append(row)
    return pd.DataFrame(rows)


def rank_band(n: int, bins: int, confidence: float = 0.99) -> tuple[float, float]:
    """The counts one of `bins` equal bins holds with probability `confidence` when `n` ranks are uniform."""
    tail = (1 - confidence) / 2
    return float(stats.binom.ppf(tail, n, 1 / bins)), float(stats.binom.ppf(1 - tail, n, 1 / bins))


def rank_figure(ranks: pd.DataFrame, bins: int = RANK_BINS) -> plt.Figure:
    """A histogram of the ranks per parameter and pooled, with the 99% band of uniform ranks (Talts et al. fig. 1)."""
    panels = [(name, ranks[ranks.parameter == name]) for name in dict.fromkeys(ranks.parameter)]
    panels.append(("all parameters", ranks))
    figure, axes = plt.subplots(1, len(panels), figsize=(2.8 * len(panels), 2.8), squeeze=False)
    for ax, (name, group) in zip(axes.flat, panels, strict=True):
        low, high = rank_band(len(group), bins)
        ax.axhspan(low, high, color="#dddddd", label="99% band, uniform")
        ax.axhline(len(group) / bins, color="#888888", linewidth=0.8)
        ax.hist(group["rank"], bins=bins, range=(0, 1), color="#4477aa", edgecolor="white")
        ax.set_title(name.replace("parameters.", "").replace("actors.", ""), fontsize=8)
        ax.set_xlabel("posterior weight below the truth", fontsize=7)
        ax.tick_params(labelsize=7)
    axes.flat[0].set_ylabel("repetitions")
    axes.flat[0].legend(fontsize=6, loc="lower left")
    figure.suptitle(f"Rank histograms of the known-answer check ({ranks.repetition.nunique()} repetitions)", fontsize=9)
    figure.tight_layout()
    return figure


def coverage_markdown(table: pd.DataFrame, config: CalibrationConfig, repetitions: int) -> str:
    """The coverage table in words and Markdown."""
    shown = table.copy()
    for level in LEVELS:
        percent = round(100 * level)
        shown[f"{percent}% interval"] = [
            f"{row[f'coverage_{percent}']:.2f} ({row[f'ci_low_{percent}']:.2f}-{row[f'ci_high_{percent}']:.2f})"
            for _, row in table.iterrows()
        ]
    shown = shown[["parameter", "n", "50% interval", "90% interval", "median_width_90_of_prior"]]
    return "\n".join(
        [
            f"# Known-answer check of `{config.name}`",
            "",
            f"{repetitions} repetitions: a truth drawn from the priors, one run at it as the record, a calibration "
            f"(population {config.population}, {config.generations} generations, pilot {config.pilot_runs}). "
            f"Coverage: the share of truths inside the posterior's central interval "
            f"(in brackets its {round(100 * CONFIDENCE)}% Clopper-Pearson interval); nominal 0.50 and 0.90. "
            "The last column is the median width of the 90% interval as a share of the prior's range.",
            "",
            markdown_table(shown, ".2f"),
            "",
            "Rank histograms: `figures/ranks.png`.",
            "",
        ]
    )


@dataclass(frozen=True)
class CoverageCheck:
    """A finished check: the per-parameter ranks and the coverage table."""

    out_dir: Path
    ranks: pd.DataFrame
    table: pd.DataFrame


def run_check(
    config: CalibrationConfig,
    repetitions: int,
    out_dir: Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[str], None] = print,
) -> CoverageCheck:
    """Run (or resume) `repetitions` known-answer repetitions of `config` into `out_dir` and write the coverage."""
    out_dir = Path(out_dir)
    if repetitions < 1:
        raise ConfigError("--repetitions", None, f"{repetitions} must be at least 1")
    _open(out_dir, config, repetitions)
    rows = []
    for truth in truths(config, repetitions):
        started = time.perf_counter()
        folder = out_dir / "repetitions" / f"{truth.index:03d}"
        posterior = known_answer_repetition(config, truth, folder, workers=workers, scheduler=scheduler)
        progress(f"repetition {truth.index + 1} of {repetitions}: {time.perf_counter() - started:.1f} s")
        rows += parameter_rows(config, posterior.particles, posterior.weights, truth)
    ranks = pd.DataFrame(rows)
    table = coverage_table(ranks)
    write_results(out_dir, config, ranks, table)
    return CoverageCheck(out_dir, ranks, table)


def known_answer_repetition(
    config: CalibrationConfig, truth: Truth, folder: Path, *, workers: int | None = None, scheduler: str | None = None
) -> Posterior:
    """One repetition into `folder`: the synthetic record at `truth`, its calibration (unless done), its posterior."""
    calibration_dir = Path(folder) / "calibration"
    if not _complete(calibration_dir):
        record = write_synthetic_record(config, truth.values, truth.run_seed, Path(folder) / "record.csv")
        synthetic = against_record(config, record, truth.calibration_seed)
        calibrate(synthetic, calibration_dir, workers=workers, scheduler=scheduler, progress=lambda _: None)
    return load_posterior(calibration_dir)


def _complete(calibration_dir: Path) -> bool:
    manifest = calibration_dir / MANIFEST_FILE
    return manifest.is_file() and json.loads(manifest.read_text(encoding="utf-8")).get("status") == "complete"


def _open(out_dir: Path, config: CalibrationConfig, repetitions: int) -> None:
    """Start `out_dir`, or check that it holds this check (to resume it); anything else is a ConfigError."""
    check = {"config": config.source, "config_hash": config.config_hash(), "repetitions": repetitions}
    path = out_dir / CHECK_FILE
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError("--out", None, f"{out_dir} is a file; give a new or empty directory")
    if path.is_file():
        if _written_hash(path) != check["config_hash"]:
            raise ConfigError("--out", None, f"{out_dir} holds a check of another config; give another --out")
    elif out_dir.exists() and any(out_dir.iterdir()):
        raise ConfigError("--out", None, f"{out_dir} is not empty and holds no known-answer check; give another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(check, indent=2) + "\n", encoding="utf-8")
    except OSError as error:
        raise MachineError.from_os_error(path, "start the check", error) from None


def _written_hash(path: Path) -> str | None:
    try:
        written = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(str(path), None, f"cannot be read ({error}); give another --out") from None
    return written.get("config_hash") if isinstance(written, dict) else None


def write_results(out_dir: Path, config: CalibrationConfig, ranks: pd.DataFrame, table: pd.DataFrame) -> None:
    """Write the ranks, the coverage table (CSV and Markdown) and the rank histograms into `out_dir`."""
    markdown = coverage_markdown(table, config, ranks.repetition.nunique())
    figure = rank_figure(ranks)
    try:
        (out_dir / "figures").mkdir(parents=True, exist_ok=True)
        ranks.to_csv(out_dir / "ranks.csv", index=False)
        table.to_csv(out_dir / "coverage.csv", index=False)
        (out_dir / "coverage.md").write_text(markdown, encoding="utf-8")
        figure.savefig(out_dir / "figures" / "ranks.png", format="png", dpi=110)
    except OSError as error:
        raise MachineError.from_os_error(out_dir, "write the coverage", error) from None
    finally:
        plt.close(figure)
