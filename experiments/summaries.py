"""Statistics of a sweep's runs: numeric outcome values, confidence intervals, per-point and overall summaries.

- Shares: boolean outcomes (`rupture`) and one 0/1 indicator per corridor arrangement
  (`corridor_<name>`) get Wilson score intervals; other numeric outcomes get Student t intervals
  over the replicates (none from a single run). `blocs` is not numeric and is left out.
- `rupture_day` and `corridor_day` are missing for runs without a rupture or an agreement: their
  means are over the runs that reached one, and `n` says how many did.
- `replicate_noise_share` estimates how much of the variance of an outcome's per-point means is
  replicate noise (missing with one replicate). With independent seeds it is the mean over points
  of var/n within the point, over the variance of the point means. Under common random numbers
  (replicate r has the same seed at every point) a seed's effect shared by every point moves all
  point means alike and leaves their differences, which the indices measure, untouched: the
  noise that blurs the indices is the part of the seed's effect that differs between points, the
  seed x point interaction of a two-way layout (points x seeds), so the share is its mean square
  over n, over the variance of the point means. It is missing where that cannot be computed
  honestly: an outcome without a value at some run (a day never reached), or seeds that are
  neither common nor all different.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from scipy import stats

from sim.outcomes import OUTCOME_OF_COLUMN, SHARE_OUTCOMES, CategoryOutcome

CONFIDENCE = 0.95
BOOKKEEPING = ("run_id", "point_id", "replicate", "seed")


@dataclass(frozen=True)
class OutcomeValues:
    """Numeric outcome values, one row per run (run_id order), with the columns that are 0/1 shares."""

    frame: pd.DataFrame
    shares: frozenset[str]
    left_out: tuple[str, ...]


def outcome_values(runs: pd.DataFrame, parameters: Sequence[str]) -> OutcomeValues:
    """Every numeric outcome of the runs as floats; a category outcome (the corridor) as one 0/1 indicator per value.

    Which outcomes are shares (0/1 even when stored as integers) and which are categories comes
    from the outcome registry (`sim.outcomes.OUTCOMES`).
    """
    columns: dict[str, np.ndarray] = {}
    shares: set[str] = set()
    left_out = []
    for name in runs.columns:
        if name in BOOKKEEPING or name in parameters:
            continue
        column = runs[name]
        outcome = OUTCOME_OF_COLUMN.get(name)
        if isinstance(outcome, CategoryOutcome):
            indicators = _category_indicators(column, outcome)
            columns |= indicators
            shares |= set(indicators)
        elif is_bool_dtype(column) or is_numeric_dtype(column):
            columns[name] = column.to_numpy(dtype=float, na_value=np.nan)
            if is_bool_dtype(column) or name in SHARE_OUTCOMES:
                shares.add(name)
        else:
            left_out.append(name)
    return OutcomeValues(pd.DataFrame(columns, index=runs.index), frozenset(shares), tuple(left_out))


def _category_indicators(column: pd.Series, outcome: CategoryOutcome) -> dict[str, np.ndarray]:
    known = list(outcome.categories)
    seen = set(column.dropna().astype(str).unique())
    missing = column.isna().to_numpy()
    indicators = {}
    for value in [*known, *sorted(seen - set(known))]:
        indicator = (column.astype(str) == value).to_numpy(dtype=float)
        indicator[missing] = np.nan
        indicators[outcome.indicator_name(value)] = indicator
    return indicators


def wilson_interval(successes: Any, n: Any, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a share `successes / n` (NaN where n is 0; exactly 0 or 1 at the ends)."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = successes / n
        centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z / (1 + z**2 / n) * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2))
    low = np.where((successes == 0) & (n > 0), 0.0, centre - half)  # exactly 0: rounding left 2.8e-17 above it
    high = np.where((successes == n) & (n > 0), 1.0, centre + half)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


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


NOISE_RESIDUE = 1e-12  # a noise share below it is floating-point residue of identical replicates: 0


def seed_layout(point_ids: np.ndarray, seeds: np.ndarray | None) -> str:
    """How a sweep's seeds were laid out: "common", "independent" or "mixed".

    "common": every point has the same seeds, each once (common random numbers); "independent":
    every run has its own seed (also when the seeds are unknown); "mixed": anything else.
    """
    if seeds is None:
        return "independent"
    runs = pd.DataFrame({"point": np.asarray(point_ids), "seed": np.asarray(seeds)})
    if runs["seed"].is_unique:
        return "independent"
    every_pair_once = not runs.duplicated().any()
    grid = runs["point"].nunique() * runs["seed"].nunique() == len(runs)  # with every pair once: all of them
    return "common" if every_pair_once and grid else "mixed"


def replicate_noise_share(values: OutcomeValues, point_ids: np.ndarray, seeds: np.ndarray | None = None) -> pd.Series:
    """Estimated share of the variance of each outcome's per-point means that is replicate noise (0 to 1).

    With `seeds` of common random numbers (`seed_layout` "common") it is the seed x point
    interaction's share (see the module's docstring), NaN for an outcome with missing values;
    with independent (or unknown) seeds the within-point variance's; NaN for mixed seeds.
    """
    layout = seed_layout(point_ids, seeds)
    if layout == "common":
        point_index = np.unique(point_ids, return_inverse=True)[1]
        seed_index = np.unique(seeds, return_inverse=True)[1]
        shape = (point_index.max() + 1, seed_index.max() + 1)
        share = pd.Series(
            {
                name: _interaction_share(_points_by_seeds(values.frame[name], point_index, seed_index, shape))
                for name in values.frame
            },
            dtype=float,
        )
    elif layout == "independent":
        grouped = values.frame.groupby(point_ids, sort=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (grouped.var() / grouped.count()).mean() / grouped.mean().var()
    else:
        share = pd.Series(np.nan, index=values.frame.columns)
    share = share.astype(float).clip(0.0, 1.0)
    return share.where(~(share < NOISE_RESIDUE), 0.0)


def _points_by_seeds(column: pd.Series, point_index: np.ndarray, seed_index: np.ndarray, shape: tuple) -> np.ndarray:
    """An outcome as a [points, seeds] matrix (a complete grid: `seed_layout` "common")."""
    table = np.full(shape, np.nan)
    table[point_index, seed_index] = column.to_numpy(dtype=float)
    return table


def _interaction_share(y: np.ndarray) -> float:
    """The seed x point interaction mean square over n, over the variance of the point means (NaN if not computable)."""
    points, replicates = y.shape
    if points < 2 or replicates < 2 or not np.all(np.isfinite(y)):
        return np.nan
    residual = y - y.mean(axis=1, keepdims=True) - y.mean(axis=0, keepdims=True) + y.mean()
    interaction = np.sum(residual**2) / ((points - 1) * (replicates - 1))
    spread = y.mean(axis=1).var(ddof=1)
    return float(interaction / replicates / spread) if spread > 0 else np.nan


def overall_summary(values: OutcomeValues) -> pd.DataFrame:
    """Each numeric outcome over all runs: n, mean, sd, 95% CI of the mean, median, 5%/95% quantiles, min and max."""
    frame = values.frame
    n, mean, sd, low_end, high_end = frame.count(), frame.mean(), frame.std(), frame.min(), frame.max()
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
                "min": low_end[name],
                "max": high_end[name],
            }
        )
    columns = ["outcome", "kind", "n", "mean", "sd", "ci_low", "ci_high", "median", "q05", "q95", "min", "max"]
    return pd.DataFrame(rows, columns=columns)


def share_summary(values: OutcomeValues) -> pd.DataFrame:
    """Shares of runs with each 0/1 outcome (rupture) and each category value (corridor), with Wilson 95% CIs."""
    names = [name for name in values.frame.columns if name in values.shares]
    frame = values.frame[names]
    runs, n = frame.sum().to_numpy(), frame.count().to_numpy()
    low, high = wilson_interval(runs, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = runs / n
    return pd.DataFrame(
        {"outcome": names, "runs": runs.astype(int), "n": n, "share": share, "ci_low": low, "ci_high": high}
    )
