"""The sweep explorer: open a `caucasus sweep` results directory and look at what it found.

The page reads the directory with `experiments.analysis` (nothing is recomputed differently
from `caucasus analyze`) and shows, for the runs inside the chosen parameter ranges:

- the distribution of a chosen outcome (a histogram over fixed bins, so that narrowing the
  ranges shows how the distribution moves);
- a chosen parameter against the outcome, as replicate means per design point (with their 95%
  intervals in the tooltip) or as every run;
- the shares of runs with a rupture and with each corridor arrangement (Wilson 95% intervals);

and, over the whole design (filters do not apply: the indices need every design point), the
sensitivity indices of the outcome: Sobol S1/ST, Morris mu*/sigma or Spearman's rho, as
`experiments.analysis.sensitivity_indices` gives them for the sweep's design. They are computed
once each time a directory is opened.

Everything a chart shows comes from pure functions (a `Sweep` and the chosen ranges in, pandas
frames and ECharts option dicts out), which the tests check without a browser; the Solara
components only hold the choices and lay the charts out. `SweepExplorer` is the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import solara

from experiments.analysis import (
    INDEX_COLUMNS,
    OutcomeValues,
    Sweep,
    outcome_values,
    point_summaries,
    read_sweep_results,
    replicate_noise_share,
    sensitivity_indices,
    share_summary,
)
from sim.errors import ConfigError
from viz.echarts import chart
from viz.markdown import Markdown

CHART_HEIGHT = 320
SLIDER_STEPS = 100  # a range slider moves in at least this many steps over its parameter's range
MAX_BINS = 40
MAX_INTEGER_BARS = 30  # whole-number outcomes spanning at most this many values get one bar per value
MAX_SCATTER_POINTS = 10_000  # more runs than this are thinned evenly for the scatter plot
SCATTER_MARGINS = {"scale": True, "boundaryGap": ["5%", "5%"]}  # points at the extremes stay clear of the frame
POINT_MEANS = "replicate means per design point"
ALL_RUNS = "every run"
SCATTER_MODES = [POINT_MEANS, ALL_RUNS]
# Besides ConfigError and OSError, a damaged directory can still fail deeper in the analysis:
# point ids of the wrong type fail a comparison (TypeError), odd values fail pandas or Arrow
# (ValueError, KeyError, ArrowException). The page says so instead of falling over.
UNREADABLE = (KeyError, TypeError, ValueError, pa.ArrowException)
# What the sensitivity analysis raises for data SALib or scipy cannot use (it catches these per
# outcome itself; caught here too so that no outcome can take the page down).
ANALYSIS_FAILURES = (ValueError, RuntimeError, np.linalg.LinAlgError)
SENSITIVITY_BARS = {  # per method: the indices drawn as bars, each with its confidence half-width
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "morris": (("mu_star", "mu_star_conf"), ("sigma", None)),
    "spearman": (("rho", None),),
}
METHOD_TITLES = {
    "sobol": "Sobol indices: first order S1 and total ST (95% bootstrap half-width)",
    "morris": "Morris screening: mu* (95% bootstrap half-width) and sigma",
    "spearman": "Spearman rank correlation of each parameter with the per-point means",
}


# Opening a directory


@dataclass(frozen=True)
class OpenedSweep:
    """A sweep opened in the page: the sweep, its numeric outcomes per run, and which opening it was."""

    sweep: Sweep
    values: OutcomeValues
    number: int = 0

    @property
    def key(self) -> tuple[str, int]:
        """What identifies this opening: the directory and the count of openings (a reopen is new)."""
        return str(self.sweep.directory), self.number

    @property
    def n_runs(self) -> int:
        """Runs in the sweep."""
        return len(self.sweep.runs)

    @property
    def point_ids(self) -> np.ndarray:
        """Each run's design point."""
        return self.sweep.runs["point_id"].to_numpy()


def open_sweep(directory: str | Path, number: int = 0) -> OpenedSweep:
    """Read a sweep results directory and its numeric outcomes.

    Args:
        directory: the directory `caucasus sweep CONFIG --out DIR` wrote (`~` is expanded).
        number: how many directories the page opened before (keys what is computed once per opening).

    Returns:
        The opened sweep.

    Raises:
        ConfigError: the directory is missing, not a sweep, incomplete or damaged.
        OSError: the directory cannot be read.
    """
    sweep = read_sweep_results(Path(directory).expanduser())
    return OpenedSweep(sweep, outcome_values(sweep.runs, sweep.parameters), number)


def try_open(directory: str, number: int = 0) -> tuple[OpenedSweep | None, str | None]:
    """Open a directory as `open_sweep` does, turning every reason it cannot be opened into a message.

    Args:
        directory: the directory as typed by the user.
        number: passed on to `open_sweep`.

    Returns:
        The opened sweep and None, or None and the reason (a ConfigError's own text names the path).
    """
    text = directory.strip()
    if not text:
        return None, "Enter the directory that `caucasus sweep CONFIG --out DIR` wrote, then press Open."
    try:
        return open_sweep(text, number), None
    except ConfigError as error:
        return None, str(error)
    except OSError as error:
        return None, f"{text}: cannot be read ({error.strerror or error})"
    except UNREADABLE as error:
        return None, f"{text}: the sweep's files cannot be used ({type(error).__name__}: {error}); they are damaged"


def numeric_outcomes(values: OutcomeValues) -> list[str]:
    """The numeric outcomes (corridor arrangements as 0/1 indicators) that some run has a value of."""
    return [name for name in values.frame.columns if values.frame[name].notna().any()]


def sweep_summary(opened: OpenedSweep) -> str:
    """One line on the sweep: its name, design, size and sensitivity method (Markdown)."""
    sweep, manifest = opened.sweep, opened.sweep.manifest
    replicates = manifest["n_runs"] // manifest["n_points"]
    return (
        f"**{sweep.name}**: {sweep.design_spec['kind'].replace('_', ' ')} design over "
        f"{len(sweep.parameters)} parameters, {manifest['n_points']:,} points x {replicates} "
        f"replicate{'s' if replicates != 1 else ''} = {opened.n_runs:,} runs; sensitivity by {sweep.method}"
    )


# Filtering by parameter ranges


@dataclass(frozen=True)
class ParameterGrid:
    """A range slider for one parameter: its ends (the data's range on the slider's grid) and step.

    A step of 0 marks a parameter the sweep did not vary (one value): it gets no slider.
    """

    name: str
    minimum: float
    maximum: float
    step: float

    @property
    def full_range(self) -> tuple[float, float]:
        """The slider's whole range: every run."""
        return self.minimum, self.maximum


def slider_grid(name: str, low: float, high: float) -> ParameterGrid:
    """A slider over [low, high] whose step is a power of ten and whose ends are on its grid.

    The ends are widened outwards to multiples of the step, so a slider at either end (where the
    browser rounds values to the step) never cuts off the runs at the data's extremes.

    Args:
        name: the parameter.
        low: its smallest value in the sweep.
        high: its largest value in the sweep.

    Returns:
        The slider's ends and step (step 0 when low equals high).
    """
    span = high - low
    if not span > 0:
        return ParameterGrid(name, low, high, 0.0)
    exponent = math.floor(math.log10(span / SLIDER_STEPS))
    step, decimals = 10.0**exponent, max(0, -exponent)
    minimum = min(low, round(math.floor(low / step) * step, decimals))
    maximum = max(high, round(math.ceil(high / step) * step, decimals))
    return ParameterGrid(name, minimum, maximum, step)


def parameter_grids(sweep: Sweep) -> list[ParameterGrid]:
    """One slider grid per varied parameter with numeric values, in the sweep's parameter order."""
    grids = []
    for name in sweep.parameters:
        column = pd.to_numeric(sweep.design[name], errors="coerce").to_numpy(dtype=float)
        finite = column[np.isfinite(column)]
        if finite.size:
            grids.append(slider_grid(name, float(finite.min()), float(finite.max())))
    return grids


def filter_mask(runs: pd.DataFrame, ranges: Mapping[str, tuple[float, float]]) -> np.ndarray:
    """Which runs have every given parameter inside its range (both ends included).

    Args:
        runs: the sweep's runs (one column per parameter).
        ranges: parameter name to (low, high); parameters not named are not filtered.

    Returns:
        A boolean array, one entry per run.
    """
    keep = np.ones(len(runs), dtype=bool)
    for name, (low, high) in ranges.items():
        column = pd.to_numeric(runs[name], errors="coerce").to_numpy(dtype=float)
        keep &= (column >= low) & (column <= high)
    return keep


def subset_values(values: OutcomeValues, mask: np.ndarray) -> OutcomeValues:
    """The outcome values of the runs the mask keeps."""
    return OutcomeValues(values.frame.loc[mask], values.shares, values.left_out)


def run_count_text(shown: int, total: int) -> str:
    """'N of M runs'."""
    return f"{shown:,} of {total:,} runs"


# Outcome distribution


def histogram_frame(shown: pd.Series, reference: pd.Series | None = None) -> pd.DataFrame:
    """Counts of an outcome's values in bins fixed by `reference` (default: the shown values).

    Whole-number outcomes over a short range (and 0/1 shares) get one bar per value; others get
    equal-width bins. Missing values (no rupture, hence no rupture day) are left out.

    Args:
        shown: the values to count.
        reference: the values that fix the bins (all runs, so bins stay put while filtering).

    Returns:
        One row per bin: label, start, end, runs.
    """
    edges, labels = _bins(_finite(shown if reference is None else reference))
    counts = np.histogram(_finite(shown), bins=edges)[0] if len(edges) else np.array([], dtype=int)
    return pd.DataFrame({"label": labels, "start": edges[:-1], "end": edges[1:], "runs": counts})


def _finite(values: pd.Series) -> np.ndarray:
    array = values.to_numpy(dtype=float, na_value=np.nan)
    return array[np.isfinite(array)]


def _bins(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    if values.size == 0:
        return np.array([]), []
    low, high = float(values.min()), float(values.max())
    if np.all(values == np.round(values)) and high - low <= MAX_INTEGER_BARS:
        centres = np.arange(low, high + 1)
        return np.append(centres - 0.5, high + 0.5), [f"{centre:g}" for centre in centres]
    count = int(np.clip(math.ceil(math.sqrt(values.size)), 5, MAX_BINS))
    edges = np.histogram_bin_edges(values, bins=count)
    return edges, [f"{start:.3g} to {end:.3g}" for start, end in zip(edges[:-1], edges[1:], strict=True)]


def histogram_option(histogram: pd.DataFrame, outcome: str, missing: int = 0) -> dict[str, Any]:
    """ECharts bar chart of a `histogram_frame`.

    Args:
        histogram: the bins and counts.
        outcome: the outcome's name (the x axis).
        missing: runs shown that have no value of the outcome (said in the subtitle).

    Returns:
        The ECharts option.
    """
    note = f"{missing:,} runs without a value left out" if missing else ""
    return {
        "animation": False,
        "title": {
            "text": f"Distribution of {outcome}",
            "subtext": note,
            "left": "center",
            "textStyle": {"fontSize": 14},
        },
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 60, "right": 20, "top": 60, "bottom": 60},
        "xAxis": {
            "type": "category",
            "data": histogram["label"].tolist(),
            "name": outcome,
            "nameLocation": "middle",
            "nameGap": 35,
        },
        "yAxis": {"type": "value", "name": "runs", "minInterval": 1},
        "series": [{"type": "bar", "name": "runs", "data": _plain_list(histogram["runs"]), "barCategoryGap": "10%"}],
    }


# Parameter against outcome


def scatter_frame(
    opened: OpenedSweep, mask: np.ndarray, parameter: str, outcome: str, per_point: bool = True
) -> pd.DataFrame:
    """A parameter against an outcome for the runs the mask keeps, rows without a value left out.

    Args:
        opened: the sweep.
        mask: which runs to use (`filter_mask`).
        parameter: the x values.
        outcome: the y values.
        per_point: one row per design point (the mean over its replicates, from
            `experiments.analysis.point_summaries`) rather than one per run.

    Returns:
        Columns x and y, then ci_low, ci_high, runs (per point) or run_id (per run).
    """
    values = OutcomeValues(opened.values.frame.loc[mask, [outcome]], opened.values.shares, ())
    runs = opened.sweep.runs.loc[mask]
    if not per_point:
        frame = pd.DataFrame({"x": runs[parameter], "y": values.frame[outcome], "run_id": runs["run_id"]})
        return frame.dropna(subset=["x", "y"]).reset_index(drop=True)
    point_ids = runs["point_id"].to_numpy()
    design = opened.sweep.design[opened.sweep.design["point_id"].isin(point_ids)]
    points = point_summaries(design, values, point_ids)
    columns = {parameter: "x", f"{outcome}_mean": "y", f"{outcome}_ci_low": "ci_low", f"{outcome}_ci_high": "ci_high"}
    frame = points[[*columns, f"{outcome}_n"]].rename(columns=columns | {f"{outcome}_n": "runs"})
    return frame.dropna(subset=["x", "y"]).reset_index(drop=True)


def thinned(frame: pd.DataFrame, limit: int = MAX_SCATTER_POINTS) -> pd.DataFrame:
    """At most `limit` rows, taken evenly (every k-th) when there are more."""
    if len(frame) <= limit:
        return frame
    return frame.iloc[:: math.ceil(len(frame) / limit)]


def scatter_option(points: pd.DataFrame, parameter: str, outcome: str, total: int | None = None) -> dict[str, Any]:
    """ECharts scatter plot of a `scatter_frame` (every column shown in the tooltip).

    Args:
        points: the rows to draw (`thinned` if need be).
        parameter: the x axis.
        outcome: the y axis.
        total: rows before thinning (the subtitle says when fewer are drawn).

    Returns:
        The ECharts option.
    """
    per_point = "ci_low" in points.columns
    dimensions = [parameter, f"mean {outcome}" if per_point else outcome, *points.columns[2:]]
    note = f"1 in {math.ceil(total / len(points))} of {total:,} shown" if total and total > len(points) else ""
    return {
        "animation": False,
        "title": {
            "text": f"{outcome} against {parameter}" + (" (replicate means)" if per_point else " (runs)"),
            "subtext": note,
            "left": "center",
            "textStyle": {"fontSize": 14},
        },
        "tooltip": {"trigger": "item"},
        "grid": {"left": 60, "right": 30, "top": 60, "bottom": 50},
        "xAxis": {"type": "value", "name": parameter, "nameLocation": "middle", "nameGap": 30, **SCATTER_MARGINS},
        "yAxis": {"type": "value", "name": outcome, **SCATTER_MARGINS},
        "series": [
            {
                "type": "scatter",
                "name": outcome,
                "symbolSize": 7 if per_point else 4,
                "large": len(points) > 2000,
                "dimensions": dimensions,
                "encode": {"x": 0, "y": 1, "tooltip": list(range(len(dimensions)))},
                "data": _plain_rows(points),
            }
        ],
    }


# Shares of corridor arrangements and rupture


def share_frame(values: OutcomeValues) -> pd.DataFrame:
    """`experiments.analysis.share_summary` of the given runs, with a readable label per row."""
    shares = share_summary(values)
    labels = [name.replace("corridor_", "corridor: ", 1).replace("_", " ") for name in shares["outcome"]]
    return shares.assign(label=labels)


def shares_option(shares: pd.DataFrame) -> dict[str, Any]:
    """ECharts horizontal bar chart of a `share_frame` (intervals and counts in the tooltip)."""
    dimensions = ["label", "share", "ci_low", "ci_high", "runs", "n"]
    return {
        "animation": False,
        "title": {"text": "Share of runs", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "item"},
        "grid": {"left": 20, "right": 30, "top": 40, "bottom": 40, "containLabel": True},
        "dataset": {"dimensions": dimensions, "source": _plain_rows(shares[dimensions])},
        "xAxis": {
            "type": "value",
            "name": "share of runs",
            "min": 0,
            "max": 1,
            "nameLocation": "middle",
            "nameGap": 25,
        },
        "yAxis": {"type": "category", "inverse": True},
        "series": [{"type": "bar", "name": "share", "encode": {"y": "label", "x": "share", "tooltip": dimensions[1:]}}],
    }


def shares_markdown(shares: pd.DataFrame) -> str:
    """The shares as a Markdown table: share, 95% Wilson interval and runs."""
    rows = [
        f"| {row.label} | {_format(row.share, '.1%')} | {_format(row.ci_low, '.1%')} to {_format(row.ci_high, '.1%')} "
        f"| {row.runs:,} of {int(row.n):,} |"
        for row in shares.itertuples()
    ]
    return "\n".join(["| outcome | share | 95% CI | runs |", "|---|---:|---:|---:|", *rows])


# Sensitivity


@dataclass(frozen=True)
class Sensitivity:
    """The sensitivity indices of an opened sweep, the outcomes skipped and why, and replicate noise."""

    method: str
    table: pd.DataFrame
    skipped: dict[str, str]
    noise_share: dict[str, float]
    error: str | None = None


def compute_sensitivity(opened: OpenedSweep) -> Sensitivity:
    """`experiments.analysis.sensitivity_indices` on the per-point means of every numeric outcome.

    Args:
        opened: the sweep (all of it: indices need every design point).

    Returns:
        The indices; `error` says why none could be computed at all.
    """
    method, point_ids = opened.sweep.method, opened.point_ids
    point_means = opened.values.frame.groupby(point_ids, sort=True).mean()
    try:
        table, skipped = sensitivity_indices(opened.sweep, point_means)
    except ANALYSIS_FAILURES as error:
        empty = pd.DataFrame(columns=["outcome", "parameter", "method", *INDEX_COLUMNS[method], "rank"])
        return Sensitivity(method, empty, {}, {}, f"the {method} analysis failed ({error})")
    noise = replicate_noise_share(opened.values, point_ids)
    return Sensitivity(method, table, skipped, {name: float(share) for name, share in noise.items()})


def sensitivity_rows(sensitivity: Sensitivity, outcome: str) -> pd.DataFrame:
    """The outcome's rows of the indices table, most influential parameter first."""
    rows = sensitivity.table[sensitivity.table["outcome"] == outcome]
    return rows.sort_values("rank", kind="stable").reset_index(drop=True)


def sensitivity_problem(sensitivity: Sensitivity, outcome: str) -> str | None:
    """Why the outcome has no indices (None when it has them)."""
    if sensitivity.error:
        return f"No sensitivity indices: {sensitivity.error}."
    if outcome in sensitivity.skipped:
        return f"No {sensitivity.method} indices for {outcome}: {sensitivity.skipped[outcome]}."
    if sensitivity_rows(sensitivity, outcome).empty:
        return f"No {sensitivity.method} indices for {outcome}."
    return None


def sensitivity_option(rows: pd.DataFrame, method: str, outcome: str) -> dict[str, Any]:
    """ECharts horizontal bar chart of one outcome's indices (confidence half-widths in the tooltip).

    Args:
        rows: `sensitivity_rows` of the outcome.
        method: sobol, morris or spearman (which indices are bars).
        outcome: the outcome's name (the title).

    Returns:
        The ECharts option: one bar series per index, parameters ranked top down.
    """
    dimensions = ["parameter", *INDEX_COLUMNS[method]]
    series = [
        {
            "type": "bar",
            "name": index,
            "encode": {"y": "parameter", "x": index, "tooltip": [index, conf] if conf else [index]},
        }
        for index, conf in SENSITIVITY_BARS[method]
    ]
    return {
        "animation": False,
        "title": {"text": f"Sensitivity of {outcome}", "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 25},
        "grid": {"left": 20, "right": 30, "top": 60, "bottom": 40, "containLabel": True},
        "dataset": {"dimensions": dimensions, "source": _plain_rows(rows[dimensions])},
        "xAxis": {"type": "value", "name": "index", "nameLocation": "middle", "nameGap": 25},
        "yAxis": {"type": "category", "inverse": True},
        "series": series,
    }


def sensitivity_markdown(rows: pd.DataFrame, method: str) -> str:
    """One outcome's indices as a Markdown table, with the confidence half-widths as +-."""
    headers = [index for index, _ in SENSITIVITY_BARS[method]] + (["p value"] if method == "spearman" else [])
    lines = [f"| rank | parameter | {' | '.join(headers)} |", "|---:|---|" + "---:|" * len(headers)]
    for _, row in rows.iterrows():
        cells = [
            _format(row[index], ".3g") + (f" +- {_format(row[conf], '.2g')}" if conf else "")
            for index, conf in SENSITIVITY_BARS[method]
        ]
        if method == "spearman":
            cells.append(_format(row["p_value"], ".2g"))
        lines.append(f"| {row['rank']} | {row['parameter']} | {' | '.join(cells)} |")
    return "\n".join(lines)


# JSON-safe values for the browser


def _plain(value: Any) -> Any:
    """A value JSON can carry: numpy scalars as Python ones, NaN and infinities as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _plain_list(values: pd.Series) -> list[Any]:
    return [_plain(value) for value in values.tolist()]


def _plain_rows(frame: pd.DataFrame) -> list[list[Any]]:
    return [[_plain(value) for value in row] for row in frame.itertuples(index=False, name=None)]


def _format(value: Any, spec: str) -> str:
    number = _plain(value)
    return "n/a" if number is None else format(number, spec)


# Components


def _with_tooltip(text: str, control: solara.Element, style: str = "") -> solara.Element:
    """The control with a tooltip saying what it changes (wrapped in a div, which any tooltip accepts)."""
    return solara.Tooltip(text, children=[solara.Column(children=[control], gap="0px", style=style)])


def _chart(option: dict[str, Any]) -> solara.Element:
    return chart(option, CHART_HEIGHT, "sweep-chart")


@dataclass(frozen=True)
class PageState:
    """What the page shows: the sweep opened last (kept when another fails), the last error, openings."""

    opened: OpenedSweep | None = None
    error: str | None = None
    openings: int = 0


def _initial_state(directory: str) -> PageState:
    if not directory.strip():
        return PageState()
    opened, error = try_open(directory, 1)
    return PageState(opened, error, 1)


@solara.component
def SweepExplorer(initial_directory: str = ""):
    """The sweep explorer page: a directory field and Open button, then the opened sweep.

    Args:
        initial_directory: a directory to open when the page is first shown (none when empty).
    """
    initial = solara.use_memo(lambda: _initial_state(initial_directory), dependencies=[])
    directory, set_directory = solara.use_state(initial_directory)
    state, set_state = solara.use_state(initial)

    def open_directory():
        opened, error = try_open(directory, state.openings + 1)
        set_state(PageState(opened or state.opened, error, state.openings + 1))

    with solara.Column(classes=["sweep-explorer"]) as page:
        Markdown("## Sweep explorer")
        with solara.Row(style={"align-items": "center"}):
            field = solara.InputText(
                "Sweep results directory", value=directory, on_value=set_directory, classes=["sweep-dir"]
            )
            _with_tooltip("The directory `caucasus sweep CONFIG --out DIR` wrote", field, "flex-grow: 1")
            button = solara.Button("Open", on_click=open_directory, color="primary", classes=["sweep-open"])
            _with_tooltip("Read the sweep in the directory and show it (replaces the sweep shown)", button)
        if state.error:
            solara.Error(state.error, classes=["sweep-error"])
            if state.opened is not None:
                solara.Text(f"Still showing the sweep opened before: {state.opened.sweep.directory}")
        if state.opened is not None:
            SweepView(state.opened).key(f"sweep-{state.opened.number}")
        elif not state.error:
            solara.Info("Open a sweep results directory to explore its runs.")
    return page


@solara.component
def SweepView(opened: OpenedSweep):
    """One opened sweep: filters, run count, choices, charts and sensitivity."""
    sensitivity = solara.use_memo(lambda: compute_sensitivity(opened), dependencies=[opened.key])
    grids = solara.use_memo(lambda: parameter_grids(opened.sweep), dependencies=[opened.key])
    outcomes = solara.use_memo(lambda: numeric_outcomes(opened.values), dependencies=[opened.key])
    ranges, set_ranges = solara.use_state({grid.name: grid.full_range for grid in grids if grid.step})
    mask = filter_mask(opened.sweep.runs, ranges)
    shown = int(mask.sum())

    with solara.Column() as view:
        Markdown(sweep_summary(opened))
        ParameterFilters(grids, ranges, lambda name, value: set_ranges(ranges | {name: value}))
        solara.Text(run_count_text(shown, opened.n_runs), classes=["sweep-count"])
        if not outcomes:
            solara.Warning(
                f"{opened.sweep.directory}: the sweep kept no numeric outcome "
                f"(only {', '.join(opened.values.left_out) or 'none'}); there is nothing to plot.",
                classes=["sweep-warning"],
            )
        else:
            OutcomeViews(opened, mask, outcomes, sensitivity)
    return view


@solara.component
def ParameterFilters(
    grids: list[ParameterGrid],
    ranges: Mapping[str, tuple[float, float]],
    on_range: Callable[[str, tuple[float, float]], None],
):
    """One range slider per varied parameter; a parameter with one value is only named."""
    with solara.Card("Filter runs by parameter range", margin=0) as card:
        for grid in grids:
            if not grid.step:
                solara.Text(f"{grid.name} is fixed at {grid.minimum:g}")
                continue
            low, high = ranges.get(grid.name, grid.full_range)
            slider = solara.SliderRangeFloat(
                f"{grid.name}: {low:g} to {high:g}",
                value=(low, high),
                min=grid.minimum,
                max=grid.maximum,
                step=grid.step,
                on_value=lambda value, name=grid.name: on_range(name, value),
            )
            _with_tooltip(
                f"Show only runs with {grid.name} in this range (distribution, scatter plot and shares)", slider
            )
    return card


@solara.component
def OutcomeViews(opened: OpenedSweep, mask: np.ndarray, outcomes: list[str], sensitivity: Sensitivity):
    """The choices of outcome, parameter and scatter mode, and the charts they drive."""
    outcome, set_outcome = solara.use_state(outcomes[0])
    parameter, set_parameter = solara.use_state(opened.sweep.parameters[0])
    mode, set_mode = solara.use_state(POINT_MEANS)
    outcome = outcome if outcome in outcomes else outcomes[0]

    with solara.Column() as views:
        with solara.Row():
            choose_outcome = solara.Select("Outcome", values=outcomes, value=outcome, on_value=set_outcome)
            _with_tooltip(
                "The outcome shown in the distribution, the scatter plot and the sensitivity chart", choose_outcome
            )
            choose_parameter = solara.Select(
                "Parameter", values=opened.sweep.parameters, value=parameter, on_value=set_parameter
            )
            _with_tooltip("The parameter on the scatter plot's x axis", choose_parameter)
            choose_mode = solara.Select("Scatter shows", values=SCATTER_MODES, value=mode, on_value=set_mode)
            _with_tooltip("Plot each design point's mean over its replicates, or every run", choose_mode)
        if not mask.any():
            solara.Warning(
                "No run lies inside the chosen parameter ranges: widen them to see the distribution, "
                "the scatter plot and the shares.",
                classes=["sweep-warning"],
            )
        else:
            FilteredCharts(opened, mask, outcome, parameter, mode == POINT_MEANS)
        SensitivityPanel(sensitivity, outcome)
    return views


@solara.component
def FilteredCharts(opened: OpenedSweep, mask: np.ndarray, outcome: str, parameter: str, per_point: bool):
    """Distribution, parameter-vs-outcome and shares of the runs inside the ranges."""
    values = subset_values(opened.values, mask)
    histogram = histogram_frame(values.frame[outcome], opened.values.frame[outcome])
    missing = int(values.frame[outcome].isna().sum())
    points = scatter_frame(opened, mask, parameter, outcome, per_point)
    shares = share_frame(values)
    with solara.Column() as charts:
        with solara.Columns([1, 1]):
            _chart(histogram_option(histogram, outcome, missing))
            _chart(scatter_option(thinned(points), parameter, outcome, total=len(points)))
        if shares.empty:
            solara.Info("This sweep kept neither the rupture nor the corridor arrangement: no shares to show.")
        else:
            with solara.Columns([1, 1]):
                _chart(shares_option(shares))
                Markdown(shares_markdown(shares))
    return charts


@solara.component
def SensitivityPanel(sensitivity: Sensitivity, outcome: str):
    """The outcome's sensitivity indices over the whole design, or why there are none."""
    rows = sensitivity_rows(sensitivity, outcome)
    problem = sensitivity_problem(sensitivity, outcome)
    noise = sensitivity.noise_share.get(outcome, math.nan)
    with solara.Card(METHOD_TITLES[sensitivity.method], margin=0) as card:
        noise_note = (
            f" Replicate noise: {noise:.0%} of the variance of the point means." if math.isfinite(noise) else ""
        )
        solara.Text("Over every design point: the parameter filters do not apply to the indices." + noise_note)
        if problem:
            solara.Warning(problem, classes=["sweep-warning"])
        else:
            with solara.Columns([1, 1]):
                _chart(sensitivity_option(rows, sensitivity.method, outcome))
                Markdown(sensitivity_markdown(rows, sensitivity.method))
    return card
