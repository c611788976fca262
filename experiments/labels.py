"""Readable labels for a sweep's analysis: parameters by name and unit, day outcomes as dates.

Parameter labels and units come from the parameter metadata (`sim.parameters.parameter_label`,
`parameter_unit`); which outcome columns are days comes from the outcome registry
(`sim.outcomes.DayOutcome`); the start date (day 0) from the sweep's manifest, which records
the scenario's inputs.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from experiments.formatting import number
from sim.outcomes import OUTCOME_OF_COLUMN, DayOutcome
from sim.parameters import parameter_label, parameter_unit


def parameter_text(dotted: str) -> str:
    """A parameter's label with its unit: "RUS distraction (share of capability, 0-1)"."""
    unit = parameter_unit(dotted)
    return f"{parameter_label(dotted)} ({unit})" if unit else parameter_label(dotted)


def sweep_start_date(manifest: dict[str, Any]) -> dt.date | None:
    """The scenario's start date (day 0) as the sweep's manifest records it, or None when it does not."""
    try:
        text = manifest["sweep"]["scenario"]["source_config"]["scenario"]["scenario"]["start_date"]
        return dt.date.fromisoformat(str(text))
    except (KeyError, TypeError, ValueError):
        return None


def is_day_column(name: str) -> bool:
    """Whether an outcome column holds days from the scenario start (a `DayOutcome`)."""
    return isinstance(OUTCOME_OF_COLUMN.get(name), DayOutcome)


def date_of(day: float, start: dt.date) -> dt.date:
    """The date of a (possibly fractional, rounded to the nearest) day from `start`."""
    return start + dt.timedelta(days=round(day))


def value_text(name: str, value: float, start: dt.date | None) -> str:
    """A value of an outcome column: a day with its date, "223 (2025-07-31)"; other numbers plain."""
    text = number(value)
    if start is not None and is_day_column(name) and math.isfinite(value):
        return f"{text} ({date_of(value, start).isoformat()})"
    return text
