"""Plain-text formatting of numbers and tables for the analysis report (and the reasons it gives)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

ZERO_TOLERANCE = 1e-12  # magnitudes below it are floating-point residue (1.08e-19 for a zero): printed as 0
ZERO_NOTE = f"numbers of magnitude below {ZERO_TOLERANCE:g} are printed as 0: floating-point residue"


def number(value: Any, spec: str = ".4g", tolerance: float = ZERO_TOLERANCE) -> str:
    """A number in `spec` format; 'n/a' when it is not finite, `str(value)` when it is not a number.

    A magnitude below `tolerance` is printed as 0 in `spec`'s format (pass 0 where tiny values
    are the point, as p-values are).
    """
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(as_float):
        return "n/a"
    text = format(0.0 if abs(as_float) < tolerance else as_float, spec)
    return text.removeprefix("-") if float(text) == 0 else text  # no "-0.000"


def interval(low: float, high: float) -> str:
    """'[low, high]', or 'n/a' when either end is not finite."""
    return f"[{number(low)}, {number(high)}]" if math.isfinite(low) and math.isfinite(high) else "n/a"


def plus_minus(value: float, half_width: float, spec: str = ".3f") -> str:
    """'value +- half_width', both in `spec` format."""
    return f"{number(value, spec)} +- {number(half_width, spec)}"


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: int = 2, left: int = 1) -> str:
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


def markdown_table(table: pd.DataFrame, spec: str = ".3g") -> str:
    """A data frame as a Markdown table: its columns as the header, floats in `spec` format (blank when missing)."""

    def cell(value: Any) -> str:
        if isinstance(value, float | np.floating):
            return "" if math.isnan(value) else format(value, spec)
        return str(value)

    rows = [[cell(value) for value in row] for row in table.itertuples(index=False)]
    lines = [[str(column) for column in table.columns], ["---"] * len(table.columns), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)
