"""Analysis of a finished sweep: outcome summaries with confidence intervals, sensitivity indices, figures.

`analyze(DIR)` reads what `caucasus sweep` wrote into DIR (`manifest.json`, `design.parquet`,
`runs/*.parquet`) and writes into `DIR/analysis/` (or `out`), replacing its own earlier files:

- `points.parquet` and `points.csv`: one row per design point, its parameter values and, for every
  numeric outcome, `<outcome>_mean` over the replicates, `<outcome>_ci_low`/`_ci_high` (95%) and
  `<outcome>_n` (the runs behind the mean);
- `outcomes.csv`: every numeric outcome over all runs: mean, sd, 95% CI of the mean, median, 5%/95%;
- `shares.csv`: the shares of runs with a rupture and with each corridor arrangement, with 95% CIs;
- `sensitivity.csv`: one row per outcome and parameter: `method`, the method's indices, `rank` and
  the outcome's `noise_share` (see below);
- the figures of `experiments.figures` and `report.md` (the text of `AnalysisResult.text`).

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
  noise (the mean over points of var/n within the point, over the variance of the point means;
  missing with one replicate). Noise adds to every parameter's ST alike: where it is large the
  indices say little, and more replicates (or common seeds) help.
"""

from __future__ import annotations

import math
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from scipy import stats

from experiments import store
from sim.corridor import ARRANGEMENTS
from sim.errors import ConfigError

CONFIDENCE = 0.95
BOOKKEEPING = ("run_id", "point_id", "replicate", "seed")
CORRIDOR = "corridor_arrangement"
SHARE_OUTCOMES = frozenset({"rupture"})  # 0/1 outcomes even when stored as integers
METHODS = {"sobol": "sobol", "morris": "morris", "latin_hypercube": "spearman", "full_factorial": "spearman"}
INDEX_COLUMNS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "sigma", "mu_star_conf"),
    "spearman": ("rho", "p_value"),
}
RANKED_BY = {"sobol": "ST", "morris": "mu_star", "spearman": "|rho|"}
BOOTSTRAP_RESAMPLES = 100
MAX_RANKED_IN_REPORT = 5
NOISY = 0.5  # replicate noise share above which the report warns that indices mostly reflect noise
CONSTANT = "constant across points"
RERUN = "rerun the same `caucasus sweep` command to finish it, then analyse again"


@dataclass(frozen=True)
class Sweep:
    """A complete sweep as read from its directory (design in point order, runs in run order)."""

    directory: Path
    manifest: dict[str, Any]
    design: pd.DataFrame
    runs: pd.DataFrame

    @property
    def parameters(self) -> list[str]:
        """The varied parameters' dotted names, in the SALib problem's order."""
        return list(self.manifest["problem"]["names"])

    @property
    def design_spec(self) -> dict[str, Any]:
        """The manifest's `sweep.design` table."""
        return self.manifest["sweep"]["design"]

    @property
    def method(self) -> str:
        """The sensitivity method the design supports: sobol, morris or spearman."""
        return METHODS[self.design_spec["kind"]]

    @property
    def name(self) -> str:
        """The sweep's name (the directory's when the manifest has none)."""
        return str(self.manifest["sweep"].get("name") or self.directory.name)

    @property
    def bootstrap_seed(self) -> int:
        """Seed of SALib's bootstrap: the design's sampler seed (0 when the manifest has none)."""
        seed = self.design_spec.get("seed")
        return seed if _is_int(seed) and seed >= 0 else 0


@dataclass(frozen=True)
class OutcomeValues:
    """Numeric outcome values, one row per run (run_id order), with the columns that are 0/1 shares."""

    frame: pd.DataFrame
    shares: frozenset[str]
    left_out: tuple[str, ...]


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
        out: where to write (default `path/analysis`); created if missing, own files replaced.
        figures: whether to draw the figures (tables and report are always written).

    Returns:
        The tables, the files written and the report text.

    Raises:
        ConfigError: the directory is missing, not a sweep, incomplete or damaged, or `out`
            cannot be written.
    """
    sweep = read_sweep_results(path)
    out_dir = _prepare_out(Path(out) if out is not None else sweep.directory / "analysis")
    values = outcome_values(sweep.runs, sweep.parameters)
    point_ids = sweep.runs["point_id"].to_numpy()
    points = point_summaries(sweep.design, values, point_ids)
    point_means = values.frame.groupby(point_ids, sort=True).mean()
    sensitivity, skipped = sensitivity_indices(sweep, point_means)
    sensitivity = sensitivity.assign(noise_share=sensitivity["outcome"].map(replicate_noise_share(values, point_ids)))
    outcomes, shares = overall_summary(values), share_summary(values)
    written = _write_tables(out_dir, points, outcomes, shares, sensitivity)
    if figures:
        written += _write_figures(sweep, values, point_means, sensitivity, shares, out_dir)
    report_path = out_dir / "report.md"
    text = report_text(sweep, outcomes, shares, sensitivity, skipped, values.left_out, [*written, report_path])
    _write_file(report_path, lambda target: target.write_text(report_markdown(sweep, text, written), "utf-8"))
    return AnalysisResult(points, outcomes, shares, sensitivity, (*written, report_path), text)


# Reading a sweep directory


def read_sweep_results(path: str | Path) -> Sweep:
    """Read and check a sweep results directory; every problem is a `ConfigError` naming the file."""
    directory = Path(path)
    manifest = read_manifest(directory)
    design = _read_design(directory, manifest)
    runs = _read_runs(directory, manifest)
    return Sweep(directory, manifest, design, runs)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The checked `manifest.json` of a sweep directory."""
    manifest = store.read_manifest(directory)
    _check_manifest(manifest, str(directory / store.MANIFEST))
    return manifest


def _check_manifest(manifest: dict[str, Any], source: str) -> None:
    for key in ("n_points", "n_runs"):
        value = _manifest_field(manifest, key, source)
        if not _is_int(value) or value < 1:
            raise ConfigError(source, key, f"is {value!r}, not a positive whole number; the manifest is damaged")
    names = _manifest_field(manifest, "problem.names", source)
    bounds = _manifest_field(manifest, "problem.bounds", source)
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        raise ConfigError(
            source, "problem.names", "is not a non-empty list of parameter names; the manifest is damaged"
        )
    pairs = isinstance(bounds, list) and all(isinstance(pair, list) and len(pair) == 2 for pair in bounds)
    if not pairs or len(bounds) != len(names):
        raise ConfigError(
            source, "problem.bounds", "does not give one [min, max] per parameter; the manifest is damaged"
        )
    kind = _manifest_field(manifest, "sweep.design.kind", source)
    if kind not in METHODS:
        raise ConfigError(source, "sweep.design.kind", f"is {kind!r}; expected one of {', '.join(METHODS)}")
    _check_design_size(manifest, source)


def _check_design_size(manifest: dict[str, Any], source: str) -> None:
    design, k, n_points = manifest["sweep"]["design"], len(manifest["problem"]["names"]), manifest["n_points"]
    if design["kind"] == "sobol":
        block = 2 * k + 2 if design.get("second_order") else k + 2
    elif design["kind"] == "morris":
        block = k + 1
    else:
        return
    if n_points % block:
        raise ConfigError(
            source,
            "n_points",
            f"{n_points} points do not fit a {design['kind']} design over {k} parameters (a multiple of {block}); "
            "the manifest is damaged",
        )


def _manifest_field(manifest: dict[str, Any], key: str, source: str) -> Any:
    value: Any = manifest
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ConfigError(source, key, "is missing; the manifest is damaged or from another version")
        value = value[part]
    return value


def _read_design(directory: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    path = directory / store.DESIGN
    if not path.is_file():
        raise ConfigError(str(path), None, f"is missing; the sweep directory is incomplete: {RERUN}")
    design = _read_parquet(path).to_pandas()
    names, n_points = manifest["problem"]["names"], manifest["n_points"]
    missing = [column for column in ("point_id", *names) if column not in design.columns]
    if missing:
        raise ConfigError(str(path), missing[0], "is not a column of the design; the sweep directory is damaged")
    design = design.sort_values("point_id", kind="stable").reset_index(drop=True)
    if len(design) != n_points or not np.array_equal(design["point_id"].to_numpy(), np.arange(n_points)):
        raise ConfigError(
            str(path), "point_id", f"does not number the manifest's {n_points} points 0..{n_points - 1} once each"
        )
    return design[["point_id", *names]]


def _read_runs(directory: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    runs_dir, n_runs = directory / store.RUNS, manifest["n_runs"]
    runs = store.read_runs(directory)
    if len(runs) < n_runs:
        raise ConfigError(str(runs_dir), None, f"holds {len(runs)} of the sweep's {n_runs} runs: {RERUN}")
    for column in ("run_id", "point_id"):
        if column not in runs.columns:
            raise ConfigError(str(runs_dir), column, "is not a column of the run files; the sweep directory is damaged")
    if len(runs) > n_runs or runs["run_id"].duplicated().any():
        raise ConfigError(
            str(runs_dir),
            "run_id",
            f"{len(runs)} rows for {n_runs} runs: some runs appear twice; the files are damaged",
        )
    _check_run_points(runs, manifest, str(runs_dir))
    return runs


def _check_run_points(runs: pd.DataFrame, manifest: dict[str, Any], source: str) -> None:
    n_points = manifest["n_points"]
    point_ids = runs["point_id"].to_numpy()
    if point_ids.min() < 0 or point_ids.max() >= n_points or len(np.unique(point_ids)) != n_points:
        raise ConfigError(
            source, "point_id", f"does not cover the design points 0..{n_points - 1}; the files are damaged"
        )
    listed = manifest["sweep"].get("outcomes") or []
    missing = [name for name in listed if isinstance(name, str) and name not in runs.columns]
    if missing:
        raise ConfigError(source, missing[0], "is a kept outcome (manifest sweep.outcomes) but not in the run files")


def _read_parquet(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        raise ConfigError(
            str(path), None, f"cannot be read as Parquet ({error}); the sweep directory is damaged"
        ) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Outcome summaries


def outcome_values(runs: pd.DataFrame, parameters: Sequence[str]) -> OutcomeValues:
    """Every numeric outcome of the runs as floats; the corridor as one 0/1 indicator per arrangement."""
    columns: dict[str, np.ndarray] = {}
    shares: set[str] = set()
    left_out = []
    for name in runs.columns:
        if name in BOOKKEEPING or name in parameters:
            continue
        column = runs[name]
        if name == CORRIDOR:
            indicators = _arrangement_indicators(column)
            columns |= indicators
            shares |= set(indicators)
        elif is_bool_dtype(column) or is_numeric_dtype(column):
            columns[name] = column.to_numpy(dtype=float, na_value=np.nan)
            if is_bool_dtype(column) or name in SHARE_OUTCOMES:
                shares.add(name)
        else:
            left_out.append(name)
    return OutcomeValues(pd.DataFrame(columns, index=runs.index), frozenset(shares), tuple(left_out))


def _arrangement_indicators(column: pd.Series) -> dict[str, np.ndarray]:
    known = [arrangement.value for arrangement in ARRANGEMENTS]
    seen = set(column.dropna().astype(str).unique())
    missing = column.isna().to_numpy()
    indicators = {}
    for arrangement in [*known, *sorted(seen - set(known))]:
        indicator = (column.astype(str) == arrangement).to_numpy(dtype=float)
        indicator[missing] = np.nan
        indicators[f"corridor_{arrangement}"] = indicator
    return indicators


def wilson_interval(successes: Any, n: Any, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a share `successes / n` (NaN where n is 0)."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = successes / n
        centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def t_interval(mean: Any, sd: Any, n: Any, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Student t interval of a mean from the sample sd and size (NaN where n < 2)."""
    mean, sd, n = (np.asarray(array, dtype=float) for array in (mean, sd, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        degrees = np.where(n >= 2, n - 1, np.nan)
        half = stats.t.ppf(0.5 + confidence / 2, degrees) * sd / np.sqrt(n)
    return mean - half, mean + half


def _interval(is_share: bool, mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return wilson_interval(mean * n, n) if is_share else t_interval(mean, sd, n)


def point_summaries(design: pd.DataFrame, values: OutcomeValues, point_ids: np.ndarray) -> pd.DataFrame:
    """Per design point: its parameters, and each outcome's mean, 95% CI and number of runs."""
    grouped = values.frame.groupby(point_ids, sort=True)
    means, sds, counts = grouped.mean(), grouped.std(), grouped.count()
    columns: dict[str, np.ndarray] = {}
    for name in values.frame.columns:
        low, high = _interval(name in values.shares, means[name], sds[name], counts[name])
        columns[f"{name}_mean"] = means[name].to_numpy()
        columns[f"{name}_ci_low"], columns[f"{name}_ci_high"] = low, high
        columns[f"{name}_n"] = counts[name].to_numpy()
    summaries = pd.DataFrame(columns)
    return pd.concat([design.reset_index(drop=True), summaries], axis=1)


def replicate_noise_share(values: OutcomeValues, point_ids: np.ndarray) -> pd.Series:
    """Estimated share of the variance of each outcome's per-point means that is replicate noise (0 to 1)."""
    grouped = values.frame.groupby(point_ids, sort=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        noise = (grouped.var() / grouped.count()).mean()
        share = noise / grouped.mean().var()
    return share.clip(0.0, 1.0)


def overall_summary(values: OutcomeValues) -> pd.DataFrame:
    """Each numeric outcome over all runs: n, mean, sd, 95% CI of the mean, median and 5%/95% quantiles."""
    frame = values.frame
    n, mean, sd = frame.count(), frame.mean(), frame.std()
    quantiles = frame.quantile([0.05, 0.5, 0.95])
    rows = []
    for name in frame.columns:
        low, high = _interval(name in values.shares, mean[name], sd[name], n[name])
        rows.append(
            {
                "outcome": name,
                "kind": "share" if name in values.shares else "mean",
                "n": int(n[name]),
                "mean": mean[name],
                "sd": sd[name],
                "ci_low": float(low),
                "ci_high": float(high),
                "median": quantiles.at[0.5, name],
                "q05": quantiles.at[0.05, name],
                "q95": quantiles.at[0.95, name],
            }
        )
    return pd.DataFrame(
        rows, columns=["outcome", "kind", "n", "mean", "sd", "ci_low", "ci_high", "median", "q05", "q95"]
    )


def share_summary(values: OutcomeValues) -> pd.DataFrame:
    """Shares of runs with a rupture and with each corridor arrangement, with Wilson 95% CIs."""
    names = [name for name in values.frame.columns if name == "rupture" or name.startswith("corridor_")]
    names = [name for name in names if name in values.shares]
    frame = values.frame[names]
    runs, n = frame.sum().to_numpy(), frame.count().to_numpy()
    low, high = wilson_interval(runs, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = runs / n
    return pd.DataFrame(
        {"outcome": names, "runs": runs.astype(int), "n": n, "share": share, "ci_low": low, "ci_high": high}
    )


# Sensitivity


def sensitivity_indices(sweep: Sweep, point_means: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Sensitivity indices of every outcome's per-point means, and why any outcome was skipped.

    Args:
        sweep: the sweep (its design kind picks the method; its design matrix feeds Morris and Spearman).
        point_means: per-point mean of each outcome, indexed by point_id in order.

    Returns:
        A tidy table (outcome, parameter, method, the method's indices, rank; rank 1 is the most
        influential) and, for each skipped outcome, the reason.
    """
    method = sweep.method
    analyse = {"sobol": _sobol, "morris": _morris, "spearman": _spearman}[method]
    tables, skipped = [], {}
    for outcome in point_means.columns:
        y = point_means[outcome].to_numpy(dtype=float)
        reason = _unusable(y, allow_missing=method == "spearman")
        if reason is None:
            try:
                table = analyse(sweep, y)
            except (ValueError, RuntimeError, np.linalg.LinAlgError) as error:
                reason = f"{method} analysis failed ({error})"
        if reason is not None:
            skipped[outcome] = reason
            continue
        tables.append(_ranked(table, method).assign(outcome=outcome, method=method))
    columns = ["outcome", "parameter", "method", *INDEX_COLUMNS[method], "rank"]  # noise_share: added by analyze
    if not tables:
        return pd.DataFrame(columns=columns), skipped
    return pd.concat(tables, ignore_index=True)[columns], skipped


def _unusable(y: np.ndarray, allow_missing: bool) -> str | None:
    finite = y[np.isfinite(y)]
    if len(finite) < 3:
        return "reached at fewer than 3 points"
    if len(finite) < len(y) and not allow_missing:
        return f"undefined at {len(y) - len(finite)} of {len(y)} points (no run there reached it)"
    if np.ptp(finite) <= 1e-12 * max(1.0, float(np.max(np.abs(finite)))):
        return f"{CONSTANT} ({_number(finite[0])})"
    return None


def _problem(sweep: Sweep) -> dict[str, Any]:
    problem = sweep.manifest["problem"]
    return {"num_vars": len(problem["names"]), "names": list(problem["names"]), "bounds": problem["bounds"]}


def _design_matrix(sweep: Sweep) -> np.ndarray:
    return sweep.design[sweep.parameters].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


def _sobol(sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sobol.analyze(
            _problem(sweep),
            y,
            calc_second_order=bool(sweep.design_spec.get("second_order")),
            num_resamples=BOOTSTRAP_RESAMPLES,
            conf_level=CONFIDENCE,
            print_to_console=False,
            seed=sweep.bootstrap_seed,
        )
    return pd.DataFrame({"parameter": sweep.parameters} | {key: result[key] for key in INDEX_COLUMNS["sobol"]})


def _morris(sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
    from SALib.analyze import morris

    levels = sweep.design_spec.get("levels")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = morris.analyze(
            _problem(sweep),
            _design_matrix(sweep),
            y,
            num_resamples=BOOTSTRAP_RESAMPLES,
            conf_level=CONFIDENCE,
            print_to_console=False,
            num_levels=levels if _is_int(levels) else 4,
            seed=sweep.bootstrap_seed,
        )
    indices = {key: np.ma.filled(np.ma.asarray(result[key], dtype=float), np.nan) for key in INDEX_COLUMNS["morris"]}
    return pd.DataFrame({"parameter": sweep.parameters} | indices)


def _spearman(sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
    matrix, reached = _design_matrix(sweep), np.isfinite(y)
    rows = []
    for column, name in enumerate(sweep.parameters):
        x = matrix[reached, column]
        rho = p_value = math.nan
        if np.all(np.isfinite(x)) and np.ptp(x) > 0:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                rho, p_value = stats.spearmanr(x, y[reached])
        rows.append({"parameter": name, "rho": float(rho), "p_value": float(p_value)})
    return pd.DataFrame(rows)


def ranking_score(table: pd.DataFrame, method: str) -> pd.Series:
    """What parameters are ranked by: ST (Sobol), mu_star (Morris) or |rho| (Spearman)."""
    return table["rho"].abs() if method == "spearman" else table[RANKED_BY[method]]


def _ranked(table: pd.DataFrame, method: str) -> pd.DataFrame:
    rank = ranking_score(table, method).rank(ascending=False, method="first", na_option="bottom")
    return table.assign(rank=rank.astype(int)).sort_values("rank", kind="stable")


# Writing


def _prepare_out(out_dir: Path) -> Path:
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(str(out_dir), None, "exists and is not a directory; choose another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(str(out_dir), None, f"cannot be created ({error.strerror}); choose another --out") from None
    return out_dir


def _write_file(path: Path, write: Callable[[Path], Any]) -> Path:
    try:
        write(path)
    except OSError as error:
        raise ConfigError(str(path), None, f"cannot be written ({error.strerror}); choose another --out") from None
    return path


def _write_tables(
    out_dir: Path, points: pd.DataFrame, outcomes: pd.DataFrame, shares: pd.DataFrame, sensitivity: pd.DataFrame
) -> list[Path]:
    return [
        _write_file(out_dir / "points.parquet", lambda path: points.to_parquet(path, index=False)),
        _write_file(out_dir / "points.csv", lambda path: _write_csv(points, path)),
        _write_file(out_dir / "outcomes.csv", lambda path: outcomes.to_csv(path, index=False)),
        _write_file(out_dir / "shares.csv", lambda path: shares.to_csv(path, index=False)),
        _write_file(out_dir / "sensitivity.csv", lambda path: sensitivity.to_csv(path, index=False)),
    ]


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    """CSV through Arrow: several times faster than pandas for wide float tables; missing values are empty."""
    options = pa_csv.WriteOptions(quoting_style="needed")
    pa_csv.write_csv(pa.Table.from_pandas(table, preserve_index=False), str(path), write_options=options)


def _write_figures(
    sweep: Sweep,
    values: OutcomeValues,
    point_means: pd.DataFrame,
    sensitivity: pd.DataFrame,
    shares: pd.DataFrame,
    out_dir: Path,
) -> list[Path]:
    from experiments import figures

    try:
        return figures.write_figures(
            runs=values.frame,
            point_means=point_means,
            design=sweep.design,
            parameters=sweep.parameters,
            sensitivity=sensitivity,
            method=sweep.method,
            shares=shares,
            out=out_dir,
        )
    except OSError as error:
        raise ConfigError(str(out_dir), None, f"cannot write the figures ({error}); choose another --out") from None


# Report


def report_text(
    sweep: Sweep,
    outcomes: pd.DataFrame,
    shares: pd.DataFrame,
    sensitivity: pd.DataFrame,
    skipped: dict[str, str],
    left_out: Sequence[str],
    files: Sequence[Path],
) -> str:
    """The plain-text report: the sweep, the shares, the outcomes and the ranked parameters."""
    sections = [
        _header_section(sweep),
        _shares_section(shares),
        _outcomes_section(outcomes, left_out),
        _sensitivity_section(sweep.method, sensitivity, skipped),
        _files_section(files),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _files_section(files: Sequence[Path]) -> str:
    if not files:
        return ""
    names = textwrap.wrap(
        ", ".join(path.name for path in files), width=100, initial_indent="  ", subsequent_indent="  "
    )
    return f"Files written to {files[0].parent}\n" + "\n".join(names)


def report_markdown(sweep: Sweep, text: str, files: Sequence[Path]) -> str:
    """`report.md`: the text report in a code block, then the figures."""
    images = [f"![{path.stem}]({path.name})" for path in files if path.suffix == ".png"]
    return "\n\n".join([f"# Sweep analysis: {sweep.name}", f"```text\n{text.rstrip()}\n```", *images]) + "\n"


def _header_section(sweep: Sweep) -> str:
    manifest, head = sweep.manifest, sweep.manifest["sweep"]
    replicates = head.get("replicates") or manifest["n_runs"] // manifest["n_points"]
    lines = [f"Sweep analysis: {sweep.name}"]
    if head.get("description"):
        lines.append(f"  {head['description']}")
    lines += [
        f"  design      {_design_text(sweep.design_spec)}",
        f"  runs        {manifest['n_points']:,} points x {replicates} replicate{'s' if replicates != 1 else ''}"
        f" = {manifest['n_runs']:,} runs"
        f" (engine {manifest.get('engine', '?')}, seeds {head.get('seeds', '?')})",
        f"  config hash {manifest.get('config_hash', '?')}",
        f"  parameters  {len(sweep.parameters)}:",
    ]
    width = max(len(name) for name in sweep.parameters)
    for name, (low, high) in zip(sweep.parameters, manifest["problem"]["bounds"], strict=True):
        lines.append(f"    {name:<{width}}  {_number(low)} .. {_number(high)}")
    return "\n".join(lines)


def _design_text(design: dict[str, Any]) -> str:
    kind, samples, seed = design["kind"], design.get("samples"), design.get("seed")
    if kind == "sobol":
        order = "with" if design.get("second_order") else "without"
        text = f"Sobol (Saltelli), N = {samples} base samples, {order} second-order terms"
    elif kind == "morris":
        text = f"Morris, {samples} trajectories on a {design.get('levels')}-level grid"
    elif kind == "latin_hypercube":
        text = f"Latin hypercube, {samples} points"
    else:
        text = "full factorial grid"
    return text + (f"; sampler seed {seed}" if seed is not None else "")


def _shares_section(shares: pd.DataFrame) -> str:
    if shares.empty:
        return ""
    rows = [
        [row.outcome, _number(row.share), _ci(row.ci_low, row.ci_high), f"{row.runs:,} / {int(row.n):,}"]
        for row in shares.itertuples()
    ]
    return "Shares of runs (95% Wilson CI)\n" + _text_table(["outcome", "share", "95% CI", "runs"], rows)


def _outcomes_section(outcomes: pd.DataFrame, left_out: Sequence[str]) -> str:
    rows = [
        [
            row.outcome,
            _number(row.mean),
            _ci(row.ci_low, row.ci_high),
            _number(row.sd),
            _number(row.median),
            _number(row.q05),
            _number(row.q95),
            f"{row.n:,}",
        ]
        for row in outcomes.itertuples()
    ]
    headers = ["outcome", "mean", "95% CI", "sd", "median", "5%", "95%", "n"]
    text = "Outcomes over all runs (shares: Wilson CI; others: Student t CI)\n" + _text_table(headers, rows)
    if left_out:
        text += f"\n  not numeric, left out: {', '.join(left_out)}"
    return text


def _sensitivity_section(method: str, sensitivity: pd.DataFrame, skipped: dict[str, str]) -> str:
    title = {
        "sobol": "Sensitivity: Sobol indices of the per-point means, ranked by total order ST (+- 95% bootstrap)",
        "morris": "Sensitivity: Morris mu* of the per-point means (+- 95% bootstrap), with mu and sigma",
        "spearman": "Sensitivity: Spearman rank correlation of each parameter with the per-point means",
    }[method]
    blocks = [title]
    for outcome, table in sensitivity.groupby("outcome", sort=False):
        rows = [[f"{row['rank']}.", row["parameter"], *_index_cells(method, row)] for _, row in table.iterrows()]
        shown = rows[:MAX_RANKED_IN_REPORT]
        header = _outcome_header(outcome, table["noise_share"].iloc[0] if "noise_share" in table else math.nan)
        block = header + "\n" + _text_table(["", "parameter", *_index_headers(method)], shown, indent=4, left=2)
        if len(rows) > len(shown):
            block += f"\n    ... {len(rows) - len(shown)} more in sensitivity.csv"
        blocks.append(block)
    if skipped:
        blocks.append(_skipped_text(skipped))
    return "\n\n".join(blocks)


def _skipped_text(skipped: dict[str, str]) -> str:
    constant = {name: reason for name, reason in skipped.items() if reason.startswith(CONSTANT)}
    lines = [f"  {name}: {reason}" for name, reason in skipped.items() if name not in constant]
    if constant:
        values = ", ".join(f"{name} {reason.removeprefix(CONSTANT).strip()}" for name, reason in constant.items())
        lines += textwrap.wrap(f"{CONSTANT}: {values}", width=100, initial_indent="  ", subsequent_indent="    ")
    return "Not analysed\n" + "\n".join(lines)


def _outcome_header(outcome: str, noise_share: float) -> str:
    if not math.isfinite(noise_share):
        return outcome
    note = f"{outcome}  (replicate noise: {noise_share:.0%} of the variance of the point means"
    return note + ("; the indices mostly reflect noise)" if noise_share > NOISY else ")")


def _index_headers(method: str) -> list[str]:
    return {"sobol": ["ST", "S1"], "morris": ["mu*", "mu", "sigma"], "spearman": ["rho", "p"]}[method]


def _index_cells(method: str, row: pd.Series) -> list[str]:
    if method == "sobol":
        return [_pm(row["ST"], row["ST_conf"]), _pm(row["S1"], row["S1_conf"])]
    if method == "morris":
        return [
            _pm(row["mu_star"], row["mu_star_conf"], ".3g"),
            _number(row["mu"], ".3g"),
            _number(row["sigma"], ".3g"),
        ]
    return [_number(row["rho"], "+.3f"), _number(row["p_value"], ".2g")]


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: int = 2, left: int = 1) -> str:
    """Aligned plain-text table: the first `left` columns flush left, the others flush right."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for cells in [headers, *rows]:
        aligned = [
            f"{cell:<{width}}" if column < left else f"{cell:>{width}}"
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append(" " * indent + "  ".join(aligned).rstrip())
    return "\n".join(lines)


def _number(value: Any, spec: str = ".4g") -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return format(number, spec) if math.isfinite(number) else "n/a"


def _ci(low: float, high: float) -> str:
    return f"[{_number(low)}, {_number(high)}]" if math.isfinite(low) and math.isfinite(high) else "n/a"


def _pm(value: float, half_width: float, spec: str = ".3f") -> str:
    return f"{_number(value, spec)} +- {_number(half_width, spec)}"
