"""Sensitivity indices of every outcome of a sweep, by the method its design kind names.

The method-independent part: which outcomes can be analysed (not constant across points, reached
at 3 points or more and, unless the method allows gaps, at every point), the tidy table and the
ranks. What is computed per outcome is the method's (`SensitivityMethod.analyse`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from experiments.formatting import number
from experiments.sensitivity.methods import SensitivityMethod

if TYPE_CHECKING:
    from experiments.store import Sweep

CONSTANT = "constant across points"
ANALYSIS_FAILURES = (ValueError, RuntimeError, np.linalg.LinAlgError)  # what SALib and scipy raise for unusable data


def sensitivity_indices(sweep: Sweep, point_means: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Sensitivity indices of every outcome's per-point means, and why any outcome was skipped.

    Args:
        sweep: the sweep (its design kind picks the method; its design matrix feeds Morris and Spearman).
        point_means: per-point mean of each outcome, indexed by point_id in order.

    Returns:
        A tidy table (outcome, parameter, method, the method's indices, rank; rank 1 is the most
        influential) and, for each skipped outcome, the reason.
    """
    method = sweep.sensitivity_method
    tables, skipped = [], {}
    for outcome in point_means.columns:
        y = point_means[outcome].to_numpy(dtype=float)
        reason = unusable(y, allow_missing=method.allows_missing)
        if reason is None:
            try:
                table = method.analyse(sweep, y)
            except ANALYSIS_FAILURES as error:
                reason = f"{method.name} analysis failed ({error})"
        if reason is not None:
            skipped[outcome] = reason
            continue
        tables.append(ranked(table, method).assign(outcome=outcome, method=method.name))
    columns = ["outcome", "parameter", "method", *method.index_columns, "rank"]  # noise_share: added by analyze
    if not tables:
        return pd.DataFrame(columns=columns), skipped
    return pd.concat(tables, ignore_index=True)[columns], skipped


def unusable(y: np.ndarray, allow_missing: bool) -> str | None:
    """Why an outcome's per-point means cannot be analysed (None when they can)."""
    finite = y[np.isfinite(y)]
    if len(finite) < 3:
        return "reached at fewer than 3 points"
    if len(finite) < len(y) and not allow_missing:
        return f"undefined at {len(y) - len(finite)} of {len(y)} points (no run there reached it)"
    if np.ptp(finite) <= 1e-12 * max(1.0, float(np.max(np.abs(finite)))):
        return f"{CONSTANT} ({number(finite[0])})"
    return None


def ranked(table: pd.DataFrame, method: SensitivityMethod) -> pd.DataFrame:
    """The index table with a `rank` column (1: the largest ranking score), sorted by it."""
    rank = method.ranking_score(table).rank(ascending=False, method="first", na_option="bottom")
    return table.assign(rank=rank.astype(int)).sort_values("rank", kind="stable")
