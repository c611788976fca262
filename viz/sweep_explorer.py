"""The sweep explorer: open a `caucasus sweep` results directory and look at what it found.

The page reads the directory with `experiments.analysis` (nothing is recomputed differently
from `caucasus analyze`) and shows, for the runs inside the chosen parameter ranges:

- the distribution of a chosen outcome (a histogram over fixed bins, so that narrowing the
  ranges shows how the distribution moves);
- a chosen parameter against the outcome, as replicate means per design point (with their 95%
  intervals in the tooltip) or as every run;
- the shares of runs with a rupture and with each corridor arrangement (Wilson 95% intervals);

and, over the whole design (filters do not apply: the indices need every design point), the
scenario discovery panel (`viz.sweep_discovery`: PRIM's box for a condition) and the
sensitivity indices of the outcome: Sobol S1/ST, Morris mu*/sigma or Spearman's rho, as
`experiments.analysis.sensitivity_indices` gives them for the sweep's design. They are computed
once each time a directory is opened.

Everything a chart shows comes from pure functions, which the tests check without a browser:
`viz.sweep_data` (a `Sweep` and the chosen ranges in, pandas frames and Markdown out),
`viz.sweep_sensitivity` (the indices) and `viz.sweep_charts` (frames in, ECharts option dicts
out). This module holds only the Solara components, which hold the choices and lay the charts
out. `SweepExplorer` is the page.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import solara

from viz.echarts import chart
from viz.markdown import Markdown
from viz.sweep_charts import histogram_option, scatter_option, sensitivity_option, shares_option
from viz.sweep_data import (
    OpenedSweep,
    ParameterGrid,
    filter_mask,
    histogram_frame,
    numeric_outcomes,
    parameter_grids,
    run_count_text,
    scatter_frame,
    share_frame,
    shares_markdown,
    subset_values,
    sweep_heading,
    sweep_summary,
    thinned,
    try_open,
)
from viz.sweep_discovery import DiscoveryPanel
from viz.sweep_sensitivity import (
    METHOD_TITLES,
    Sensitivity,
    compute_sensitivity,
    sensitivity_markdown,
    sensitivity_problem,
    sensitivity_rows,
)
from viz.tooltip import Hint

CHART_HEIGHT = 320
POINT_MEANS = "replicate means per design point"
ALL_RUNS = "every run"
SCATTER_MODES = [POINT_MEANS, ALL_RUNS]


def _with_tooltip(text: str, control: solara.Element, style: str = "", side: str = "bottom") -> solara.Element:
    """The control with a tooltip saying what it changes, opening on `side` after a delay (`viz.tooltip`)."""
    return Hint(text, control, side, style)


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
def SweepExplorer(initial_directory: str = "", on_heading: Callable[[str], None] | None = None):
    """The sweep explorer page: a directory field and Open button, then the opened sweep.

    Args:
        initial_directory: a directory to open when the page is first shown (none when empty).
        on_heading: called with the page header's line (`sweep_heading`) whenever the sweep shown changes.
    """
    initial = solara.use_memo(lambda: _initial_state(initial_directory), dependencies=[])
    directory, set_directory = solara.use_state(initial_directory)
    state, set_state = solara.use_state(initial)
    solara.use_effect(lambda: on_heading(sweep_heading(state.opened)) if on_heading else None, [state.opened])

    def open_directory():
        opened, error = try_open(directory, state.openings + 1)
        set_state(PageState(opened or state.opened, error, state.openings + 1))

    with solara.Column(classes=["sweep-explorer"]) as page:
        Markdown("## Sweep explorer")
        with solara.Row(style={"align-items": "center"}):
            field = solara.InputText(
                "Sweep results directory", value=directory, on_value=set_directory, classes=["sweep-dir"]
            )
            _with_tooltip("The directory `caucasus sweep CONFIG --out DIR` wrote", field, "flex-grow: 1", "top")
            button = solara.Button("Open", on_click=open_directory, color="primary", classes=["sweep-open"])
            _with_tooltip("Read the sweep in the directory and show it (replaces the sweep shown)", button, side="top")
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
        Markdown(sweep_summary(opened), classes=["sweep-summary"])
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
        DiscoveryPanel(opened.sweep)
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
