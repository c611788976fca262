"""ECharts options for the sweep explorer, built from the frames of `viz.sweep_data`.

Plain functions from frames to option dicts, as `viz.charts` is for the live views: the
outcome's histogram, a parameter against the outcome, the shares of runs and one outcome's
sensitivity indices. Animation is off and every value is plain JSON (numpy scalars as Python
ones, NaN as null), so an option goes to the browser as it is.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from experiments.analysis import INDEX_COLUMNS
from viz.sweep_data import plain
from viz.sweep_sensitivity import SENSITIVITY_BARS

SCATTER_MARGINS = {"scale": True, "boundaryGap": ["5%", "5%"]}  # points at the extremes stay clear of the frame


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


def sensitivity_option(rows: pd.DataFrame, method: str, outcome: str) -> dict[str, Any]:
    """ECharts horizontal bar chart of one outcome's indices (confidence half-widths in the tooltip).

    Args:
        rows: `sensitivity_rows` of the outcome.
        method: the sweep's sensitivity method (`SENSITIVITY_BARS` says which indices are bars).
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


# JSON-safe values for the browser


def _plain_list(values: pd.Series) -> list[Any]:
    return [plain(value) for value in values.tolist()]


def _plain_rows(frame: pd.DataFrame) -> list[list[Any]]:
    return [[plain(value) for value in row] for row in frame.itertuples(index=False, name=None)]
