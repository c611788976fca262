"""Sensitivity methods: the indices each computes from a sweep's per-point means, and how they are shown.

A `SensitivityMethod` knows its analyser (SALib's, or scipy's Spearman correlation), the columns
of its index table, what parameters are ranked by, how the report prints its indices and how the
figures draw them. `METHODS` holds one of each by name (the `method` column of
`sensitivity.csv`); the design kinds of `experiments.sensitivity.designs` name the method that
analyses them. A new method is a subclass registered in `METHODS`.

The analysers run on the per-point means in `point_id` (SALib sample) order; the bootstrap
draws use the design's seed (`Sweep.bootstrap_seed`), so a sweep always gets the same
confidence intervals.
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from experiments.formatting import ZERO_TOLERANCE
from experiments.summaries import CONFIDENCE

if TYPE_CHECKING:
    from experiments.store import Sweep

BOOTSTRAP_RESAMPLES = 100
MORRIS_LEVELS = 4  # Morris's grid levels when a design does not say


@dataclass(frozen=True)
class ReportColumn:
    """One column of the report's index table: its header, the index and its 95% half-width column, a format."""

    header: str
    index: str
    half_width: str | None = None
    spec: str = ".3f"
    tolerance: float = ZERO_TOLERANCE  # magnitudes below it print as 0 (0 for p-values: tiny is the point)


class SensitivityMethod(ABC):
    """A way of measuring each parameter's influence on an outcome's per-point means.

    Attributes:
        name: the method's name (`Sweep.method`, the `method` column of `sensitivity.csv`).
        index_columns: the columns of its index table, after `parameter`.
        ranked_by: the index parameters are ranked by (as the report names it).
        report_title: the heading of the report's sensitivity section.
        report_columns: the indices the report shows per parameter, in order.
        figure_title: what the sensitivity figures call the method.
        overview_index: the index of the overview heat map.
        overview_label: what the overview heat map shows.
        overview_signed: whether the overview's values carry a sign (-1 to 1, a diverging map) or not (0 to 1).
        allows_missing: whether an outcome missing at some points can still be analysed.
    """

    name: ClassVar[str]
    index_columns: ClassVar[tuple[str, ...]]
    ranked_by: ClassVar[str]
    report_title: ClassVar[str]
    report_columns: ClassVar[tuple[ReportColumn, ...]]
    figure_title: ClassVar[str]
    overview_index: ClassVar[str]
    overview_label: ClassVar[str]
    overview_signed: ClassVar[bool] = False
    allows_missing: ClassVar[bool] = False

    @abstractmethod
    def analyse(self, sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
        """The indices of one outcome.

        Args:
            sweep: the sweep (its problem, design matrix, design options and bootstrap seed).
            y: the outcome's mean at each design point, in point_id order.

        Returns:
            One row per parameter: `parameter` and the `index_columns`.
        """

    def ranking_score(self, table: pd.DataFrame) -> pd.Series:
        """What parameters are ranked by, the largest first."""
        return table[self.ranked_by]

    @abstractmethod
    def draw_bars(self, axis: Any, table: pd.DataFrame, positions: np.ndarray, unit: str) -> None:
        """Draw one outcome's indices as horizontal bars (one per parameter at `positions`) on a matplotlib axis.

        Args:
            axis: the matplotlib axes.
            table: the outcome's rows of the sensitivity table, in rank order.
            positions: the bars' positions on the y axis.
            unit: what the outcome's values measure (for an axis label).
        """

    def overview_values(self, matrix: pd.DataFrame) -> pd.DataFrame:
        """The overview heat map's values (0 to 1, or -1 to 1 if signed) from the `overview_index` of each cell."""
        return matrix.clip(lower=0)


class SobolIndices(SensitivityMethod):
    """Sobol first-order S1 and total-order ST indices (`SALib.analyze.sobol`) with bootstrap CIs."""

    name = "sobol"
    index_columns = ("S1", "S1_conf", "ST", "ST_conf")
    ranked_by = "ST"
    report_title = "Sensitivity: Sobol indices of the per-point means, ranked by total order ST (+- 95% bootstrap)"
    report_columns = (ReportColumn("ST", "ST", "ST_conf"), ReportColumn("S1", "S1", "S1_conf"))
    figure_title = "Sobol indices (95% bootstrap CI)"
    overview_index = "ST"
    overview_label = "total-order index ST"

    def analyse(self, sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
        """Sobol S1 and ST of one outcome, from a Saltelli design (with second-order terms if it has them)."""
        from SALib.analyze import sobol

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sobol.analyze(
                salib_problem(sweep),
                y,
                calc_second_order=bool(sweep.design_spec.get("second_order")),
                num_resamples=BOOTSTRAP_RESAMPLES,
                conf_level=CONFIDENCE,
                print_to_console=False,
                seed=sweep.bootstrap_seed,
            )
        return pd.DataFrame({"parameter": sweep.parameters} | {key: result[key] for key in self.index_columns})

    def draw_bars(self, axis: Any, table: pd.DataFrame, positions: np.ndarray, unit: str) -> None:
        """ST and S1 side by side, with their 95% bootstrap error bars."""
        height = 0.38
        axis.barh(positions - height / 2, table["ST"], height, xerr=table["ST_conf"], color="#4472a8", capsize=2)
        axis.barh(positions + height / 2, table["S1"], height, xerr=table["S1_conf"], color="#e3a33b", capsize=2)
        axis.legend(["ST (total order)", "S1 (first order)"], fontsize=8, loc="lower right")
        axis.axvline(0, color="black", linewidth=0.6)
        axis.set_xlabel("Sobol index (share of the variance of the per-point means)")


class MorrisIndices(SensitivityMethod):
    """Morris elementary effects: mu, mu* (with a bootstrap CI) and sigma (`SALib.analyze.morris`)."""

    name = "morris"
    index_columns = ("mu", "mu_star", "sigma", "mu_star_conf")
    ranked_by = "mu_star"
    report_title = "Sensitivity: Morris mu* of the per-point means (+- 95% bootstrap), with mu and sigma"
    report_columns = (
        ReportColumn("mu*", "mu_star", "mu_star_conf", ".3g"),
        ReportColumn("mu", "mu", None, ".3g"),
        ReportColumn("sigma", "sigma", None, ".3g"),
    )
    figure_title = "Morris screening (95% bootstrap CI)"
    overview_index = "mu_star"
    overview_label = "mu* / largest mu* of the outcome"

    def analyse(self, sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
        """Morris indices of one outcome, from a design of trajectories on the design's grid."""
        from SALib.analyze import morris

        levels = sweep.design_spec.get("levels")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = morris.analyze(
                salib_problem(sweep),
                design_matrix(sweep),
                y,
                num_resamples=BOOTSTRAP_RESAMPLES,
                conf_level=CONFIDENCE,
                print_to_console=False,
                num_levels=levels if isinstance(levels, int) and not isinstance(levels, bool) else MORRIS_LEVELS,
                seed=sweep.bootstrap_seed,
            )
        indices = {key: np.ma.filled(np.ma.asarray(result[key], dtype=float), np.nan) for key in self.index_columns}
        return pd.DataFrame({"parameter": sweep.parameters} | indices)

    def draw_bars(self, axis: Any, table: pd.DataFrame, positions: np.ndarray, unit: str) -> None:
        """mu* with its 95% bootstrap error bar, in the outcome's unit."""
        axis.barh(positions, table["mu_star"], xerr=table["mu_star_conf"], color="#4472a8", capsize=3)
        axis.set_xlabel(f"mu*: mean |elementary effect| (outcome change as the parameter crosses its range)\n[{unit}]")

    def overview_values(self, matrix: pd.DataFrame) -> pd.DataFrame:
        """mu* over the largest mu* of each outcome (mu* has the outcome's unit)."""
        matrix = matrix.clip(lower=0)
        return matrix.div(matrix.max(axis=1).replace(0, np.nan), axis=0)


class SpearmanRho(SensitivityMethod):
    """Spearman's rank correlation of each parameter with the outcome (scipy), over the points that reached it."""

    name = "spearman"
    index_columns = ("rho", "p_value")
    ranked_by = "|rho|"
    report_title = "Sensitivity: Spearman rank correlation of each parameter with the per-point means"
    report_columns = (ReportColumn("rho", "rho", None, "+.3f"), ReportColumn("p", "p_value", None, ".2g", 0.0))
    figure_title = "Spearman rank correlation"
    overview_index = "rho"
    overview_label = "Spearman rho (signed)"
    overview_signed = True
    allows_missing = True

    def analyse(self, sweep: Sweep, y: np.ndarray) -> pd.DataFrame:
        """Spearman's rho and its p-value per parameter (NaN for a parameter constant over the design)."""
        matrix, reached = design_matrix(sweep), np.isfinite(y)
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

    def ranking_score(self, table: pd.DataFrame) -> pd.Series:
        """|rho|: a strong negative correlation ranks as high as a strong positive one."""
        return table["rho"].abs()

    def draw_bars(self, axis: Any, table: pd.DataFrame, positions: np.ndarray, unit: str) -> None:
        """|rho|, blue where the parameter increases the outcome and red where it decreases it."""
        rho = table["rho"].to_numpy(dtype=float)
        colours = np.where(rho >= 0, "#4472a8", "#c0392b")
        axis.barh(positions, np.abs(rho), color=colours)
        axis.set_xlim(0, 1)
        axis.set_xlabel("|Spearman rho| with the per-point mean (blue: increases it, red: decreases it)")

    def overview_values(self, matrix: pd.DataFrame) -> pd.DataFrame:
        """Rho with its sign: a parameter that lowers the outcome shows as strongly as one that raises it."""
        return matrix


def salib_problem(sweep: Sweep) -> dict[str, Any]:
    """The sweep's SALib problem (parameter names and bounds) as its manifest records it."""
    problem = sweep.manifest["problem"]
    return {"num_vars": len(problem["names"]), "names": list(problem["names"]), "bounds": problem["bounds"]}


def design_matrix(sweep: Sweep) -> np.ndarray:
    """The design points as floats, one row per point (point_id order), one column per parameter."""
    return sweep.design[sweep.parameters].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


SOBOL, MORRIS, SPEARMAN = SobolIndices(), MorrisIndices(), SpearmanRho()
METHODS: dict[str, SensitivityMethod] = {method.name: method for method in (SOBOL, MORRIS, SPEARMAN)}
