"""Figures of a sweep analysis, as PNG files for a paper (drawn with matplotlib's Agg canvas, no pyplot).

`write_figures` draws, into one directory:

- `distributions.png`: histograms over all runs of the main numeric outcomes (days on a date
  axis; an outcome with the same value in every run gets no histogram, a line under the title
  says "all runs: 223 (2025-07-31)"), and a panel of the shares of runs with a rupture and with
  each corridor arrangement (95% Wilson CIs);
- `parameters_vs_<outcome>.png` for a few key outcomes: the per-point mean against each
  parameter, one panel per parameter, with the binned mean as a line (at most
  `MAX_SCATTER_POINTS` points drawn per panel);
- `sensitivity_<outcome>.png` for the same outcomes: the bars of the sensitivity method
  (`SensitivityMethod.draw_bars`: ST and S1 with 95% bootstrap error bars for Sobol, mu* with
  its 95% bootstrap error bar for Morris, |Spearman rho| for other designs);
- `sensitivity_overview.png`: the main index of every analysed outcome and parameter as a heat
  map (`SensitivityMethod.overview_index`, scaled by `.overview_values`): signed Spearman rho
  from -1 to 1 on a diverging map; ST or scaled mu* (which carry no sign) from 0 to 1.

Parameters are labelled by their readable names and units (`experiments.labels`), days as dates
when the sweep's manifest gives the start date.

The key outcomes are `KEY_OUTCOMES` where analysed (not constant across points), topped up
from the other analysed outcomes to `MAX_KEY_OUTCOMES`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from experiments.labels import date_of, is_day_column, parameter_text, value_text
from experiments.sensitivity import METHODS
from sim.outcomes import NUMERIC_OUTCOMES, SHARE_UNIT, column_title, column_unit
from sim.parameters import parameter_label, parameter_unit

DPI = 200
MAX_SCATTER_POINTS = 5000
MAX_KEY_OUTCOMES = 5
MAX_HISTOGRAMS = 8
KEY_OUTCOMES = ("rupture", "trust_AZE_RUS_min", "russia_influence_AZE", "corridor_neutral_operator")
SECONDARY_OUTCOMES = (
    "max_escalation_rung",
    "russia_influence_ARM",
    "trust_TUR_RUS_min",
    "trust_AZE_RUS_final",
    "rupture_day",
    "corridor_day",
)


def key_outcomes(analysed: Sequence[str], count: int = MAX_KEY_OUTCOMES) -> list[str]:
    """The outcomes worth a figure of their own: the key ones analysed, topped up from the rest."""
    preference = [*KEY_OUTCOMES, *SECONDARY_OUTCOMES]
    ordered = [name for name in preference if name in analysed]
    ordered += sorted((name for name in analysed if name not in preference), key=lambda name: name.startswith("n_"))
    return ordered[:count]


def write_figures(
    *,
    runs: pd.DataFrame,
    point_means: pd.DataFrame,
    design: pd.DataFrame,
    parameters: Sequence[str],
    sensitivity: pd.DataFrame,
    method: str,
    shares: pd.DataFrame,
    out: Path,
    start: dt.date | None = None,
) -> list[Path]:
    """Draw every figure into `out` and return the files written.

    Args:
        runs: numeric outcome values, one row per run.
        point_means: per-point mean of each outcome, in point_id order.
        design: the design points in point_id order (one column per parameter).
        parameters: the parameter columns of `design` to plot against.
        sensitivity: the tidy sensitivity table of `experiments.analysis.sensitivity_indices`.
        method: the sensitivity method's name (a key of `experiments.sensitivity.METHODS`).
        shares: the share table (outcome, share, ci_low, ci_high).
        out: the directory to write into.
        start: the scenario's start date (day 0), to show days as dates; None: days as numbers.
    """
    analysed = list(dict.fromkeys(sensitivity["outcome"]))
    figures = {"distributions.png": distributions_figure(runs, shares, start)}
    for outcome in key_outcomes(analysed):
        figures[f"parameters_vs_{outcome}.png"] = parameters_figure(outcome, point_means, design, parameters, start)
        table = sensitivity[sensitivity["outcome"] == outcome]
        figures[f"sensitivity_{outcome}.png"] = sensitivity_figure(outcome, table, method)
    if analysed:
        figures["sensitivity_overview.png"] = sensitivity_overview_figure(sensitivity, method, parameters)
    return [save(figure, out / name) for name, figure in figures.items()]


def save(figure: Figure, path: Path) -> Path:
    """Write a figure as PNG at `DPI`."""
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=DPI)
    return path


def _grid(panels: int, columns: int, width: float, height: float, constrained: bool = True) -> tuple[Figure, list]:
    """A grid of panels; without `constrained`, fixed margins (much faster to draw for many panels)."""
    columns = max(1, min(columns, panels))
    rows = math.ceil(panels / columns)
    size = (width * columns, height * rows + 0.6)
    figure = Figure(figsize=size, layout="constrained" if constrained else None)
    if not constrained:
        top = 1 - 0.75 / size[1]
        figure.subplots_adjust(left=0.8 / size[0], right=0.98, bottom=0.55 / size[1], top=top, wspace=0.35, hspace=0.5)
    axes = figure.subplots(rows, columns, squeeze=False).ravel().tolist()
    for unused in axes[panels:]:
        unused.set_visible(False)
    return figure, axes[:panels]


# Distributions


def distributions_figure(runs: pd.DataFrame, shares: pd.DataFrame, start: dt.date | None = None) -> Figure:
    """Histograms of the main numeric outcomes over all runs, and the shares panel.

    An outcome with one value in every run that has it gets no histogram (a single bar says
    nothing): a line under the title gives the value instead, "all runs: 223 (2025-07-31)".
    """
    names, same = _histogram_outcomes(runs)
    panels = len(names) + (0 if shares.empty else 1)
    figure, axes = _grid(max(panels, 1), 3, 4.2, 3.2)
    for axis, name in zip(axes, names, strict=False):
        _histogram(axis, runs[name], name, start)
    if not shares.empty:
        _shares_panel(axes[len(names)], shares)
    title = f"Outcomes over all {len(runs):,} runs of the sweep"
    notes = [f"{column_title(name)}, {_all_runs_text(runs[name], name, start)}" for name in same]
    figure.suptitle("\n".join([title, *notes]), fontsize=13 if not notes else 10)
    return figure


def constant_value(column: pd.Series) -> float | None:
    """The one value of a column whose runs (those with a value) all have the same, else None."""
    values = column.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return float(values[0]) if len(values) and np.all(values == values[0]) else None


def _all_runs_text(column: pd.Series, name: str, start: dt.date | None) -> str:
    """The one value of every run, as "all runs: 223 (2025-07-31)" (and how many never reached it)."""
    value = value_text(name, constant_value(column), start)
    missing = int(column.isna().sum())
    return f"all runs that reached it: {value} ({missing:,} runs: never)" if missing else f"all runs: {value}"


def _histogram_outcomes(runs: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The outcomes to draw as histograms, and those with the same value in every run (no histogram)."""
    main = [name for name in runs.columns if name in NUMERIC_OUTCOMES]
    counts = [name for name in runs.columns if name.startswith("n_")]
    chosen = main or counts
    same = [name for name in chosen if constant_value(runs[name]) is not None]
    return [name for name in chosen if name not in same][:MAX_HISTOGRAMS], same


def _histogram(axis, column: pd.Series, name: str, start: dt.date | None = None) -> None:
    values = column.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    axis.set_title(column_title(name), fontsize=10)
    axis.set_xlabel(column_unit(name))
    axis.set_ylabel("runs")
    if start is not None and is_day_column(name):
        _date_axis(axis.xaxis, start)
        axis.set_xlabel(f"date, and day from {start.isoformat()}", fontsize=8)
    if not len(values):
        axis.text(0.5, 0.5, "no run reached it", ha="center", va="center", transform=axis.transAxes)
        return
    if np.all(values == np.round(values)) and np.ptp(values) <= 60:
        bins = np.arange(values.min() - 0.5, values.max() + 1.5)
    else:
        bins = 40
    axis.hist(values, bins=bins, color="#4472a8", edgecolor="white", linewidth=0.4)
    missing = len(column) - len(values)
    if missing:
        axis.text(0.98, 0.95, f"{missing:,} runs: never", ha="right", va="top", transform=axis.transAxes, fontsize=8)


def _date_axis(axis, start: dt.date) -> None:
    """Ticks of a day axis as "31 Jul" over the day number (day 0 is `start`)."""
    axis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda day, _: f"{date_of(day, start):%d %b}\n{day:.0f}"))


def _shares_panel(axis, shares: pd.DataFrame) -> None:
    labels = [column_title(name) for name in shares["outcome"]]
    positions = np.arange(len(shares))
    share = shares["share"].to_numpy(dtype=float)
    errors = np.vstack([share - shares["ci_low"].to_numpy(), shares["ci_high"].to_numpy() - share]).clip(min=0)
    axis.barh(positions, share, xerr=errors, color="#a85f44", capsize=3)
    axis.set_yticks(positions, labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlim(0, 1)
    axis.set_xlabel(f"{SHARE_UNIT} (95% Wilson CI)")
    axis.set_title("Rupture and corridor outcomes", fontsize=10)


# Parameters against an outcome


def parameters_figure(
    outcome: str,
    point_means: pd.DataFrame,
    design: pd.DataFrame,
    parameters: Sequence[str],
    start: dt.date | None = None,
) -> Figure:
    """Per-point mean of `outcome` against each parameter, one panel per parameter (a day's mean also as a date)."""
    y = point_means[outcome].to_numpy(dtype=float)
    shown = _thinned(len(y))
    figure, axes = _grid(len(parameters), 4, 3.6, 3.0, constrained=False)
    for axis, name in zip(axes, parameters, strict=True):
        x = pd.to_numeric(design[name], errors="coerce").to_numpy(dtype=float)
        axis.scatter(x[shown], y[shown], s=4, alpha=0.35, color="#4472a8", linewidths=0, label="design point")
        centres, means = _binned_means(x, y)
        axis.plot(centres, means, color="#c0392b", linewidth=1.8, label="binned mean")
        axis.set_title(parameter_label(name), fontsize=9)
        axis.set_xlabel(parameter_unit(name) or "parameter value", fontsize=8)
        axis.set_ylabel(f"mean ({column_unit(outcome)})", fontsize=8)
        if start is not None and is_day_column(outcome):
            _date_axis(axis.yaxis, start)
            axis.set_ylabel(f"mean: date, and day from {start.isoformat()}", fontsize=8)
    axes[0].legend(fontsize=7, loc="best")
    note = f"{len(shown):,} of {len(y):,} points shown" if len(shown) < len(y) else f"{len(y):,} design points"
    figure.suptitle(f"{column_title(outcome)}: mean over replicates per design point ({note})", fontsize=12)
    return figure


def _thinned(count: int) -> np.ndarray:
    if count <= MAX_SCATTER_POINTS:
        return np.arange(count)
    return np.sort(np.random.default_rng(0).choice(count, MAX_SCATTER_POINTS, replace=False))


def _binned_means(x: np.ndarray, y: np.ndarray, bins: int = 20) -> tuple[np.ndarray, np.ndarray]:
    usable = np.isfinite(x) & np.isfinite(y)
    frame = pd.DataFrame({"x": x[usable], "y": y[usable]})
    if frame.empty:
        return np.array([]), np.array([])
    if frame["x"].nunique() <= bins:
        grouped = frame.groupby("x")["y"].mean()
        return grouped.index.to_numpy(dtype=float), grouped.to_numpy()
    bin_of = pd.qcut(frame["x"], bins, duplicates="drop")
    grouped = frame.groupby(bin_of, observed=True).mean()
    return grouped["x"].to_numpy(), grouped["y"].to_numpy()


# Sensitivity


def sensitivity_figure(outcome: str, table: pd.DataFrame, method: str) -> Figure:
    """Bars of the sensitivity indices of one outcome, the most influential parameter on top."""
    table = table.sort_values("rank")
    positions = np.arange(len(table))
    figure = Figure(figsize=(7.5, 1.4 + 0.42 * len(table)), layout="constrained")
    axis = figure.subplots()
    METHODS[method].draw_bars(axis, table, positions, column_unit(outcome))
    axis.set_yticks(positions, [parameter_text(name) for name in table["parameter"]], fontsize=8)
    axis.invert_yaxis()
    axis.set_ylabel("parameter (unit)")
    axis.grid(axis="x", alpha=0.3)
    title = f"{column_title(outcome)}: {METHODS[method].figure_title}"
    noise = table["noise_share"].iloc[0] if "noise_share" in table and len(table) else math.nan
    if math.isfinite(noise):
        title += f"\nreplicate noise: {noise:.0%} of the variance of the per-point means"
    axis.set_title(title, fontsize=11)
    return figure


def sensitivity_overview_figure(sensitivity: pd.DataFrame, method: str, parameters: Sequence[str]) -> Figure:
    """Heat map of the main index (ST, mu* scaled per outcome, or signed rho) of every outcome and parameter."""
    matrix, label = _overview_matrix(sensitivity, method, parameters)
    signed = METHODS[method].overview_signed
    size = (max(7.0, 3.5 + 0.55 * len(parameters)), 2.2 + 0.38 * len(matrix))
    figure = Figure(figsize=size, layout="constrained")
    axis = figure.subplots()
    colours = {"cmap": "RdBu", "vmin": -1, "vmax": 1} if signed else {"cmap": "viridis", "vmin": 0, "vmax": 1}
    image = axis.imshow(matrix.to_numpy(dtype=float), aspect="auto", **colours)
    labels = [parameter_label(name) for name in parameters]
    axis.set_xticks(np.arange(len(parameters)), labels, rotation=60, ha="right", fontsize=8)
    axis.set_yticks(np.arange(len(matrix)), [column_title(name) for name in matrix.index], fontsize=8)
    axis.set_xlabel("parameter")
    axis.set_ylabel("outcome")
    if matrix.size <= 300:
        _annotate(axis, matrix.to_numpy(dtype=float), signed)
    figure.colorbar(image, ax=axis, label=label)
    axis.set_title(f"Sensitivity overview\n{label} of each outcome's per-point means", fontsize=11)
    return figure


def _overview_matrix(sensitivity: pd.DataFrame, method: str, parameters: Sequence[str]) -> tuple[pd.DataFrame, str]:
    outcomes, sensitivity_method = list(dict.fromkeys(sensitivity["outcome"])), METHODS[method]
    matrix = sensitivity.pivot(index="outcome", columns="parameter", values=sensitivity_method.overview_index)
    matrix = matrix.reindex(outcomes)[list(parameters)]
    return sensitivity_method.overview_values(matrix), sensitivity_method.overview_label


def _annotate(axis, values: np.ndarray, signed: bool = False) -> None:
    for (row, column), value in np.ndenumerate(values):
        if np.isfinite(value):
            dark = abs(value) > 0.6 if signed else value < 0.6  # the cell's colour is dark there
            text = f"{value:+.2f}" if signed else f"{value:.2f}"
            axis.text(column, row, text, ha="center", va="center", fontsize=6, color="white" if dark else "black")
