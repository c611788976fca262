"""Dated series: a disposition that changes on given dates during a run (`[[series]]` in a scenario).

Distraction and engagement may vary over time (issue 12): Russia's drain by the war in Ukraine,
a power's attention to the corridor. Each entry sets one actor's value from its date on:

    [[series]]
    actor = "RUS"
    parameter = "distraction"      # allowed: distraction, engagement
    date = 2025-03-01
    value = 0.3
    reason = "why, with its source"

The value holds from the start of that day (before its events take effect) until the next entry
for the same actor and parameter; before the first, the scenario's value holds. Dates of one
actor's parameter must increase in file order; every entry needs a reason. A scenario that
extends another and gives its own `[[series]]` replaces the base's. In a sweep that varies the
same disposition, the sweep's value holds until the first dated entry, which then applies to
every run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sim.actors import Actor
from sim.config.fields import check_keys, read_actor, read_date_in_run, read_number, read_string
from sim.errors import ConfigError
from sim.parameters import Disposition

SERIES_PARAMETERS = ("distraction", "engagement")
SERIES_KEYS = ("actor", "parameter", "date", "value", "reason")


@dataclass(frozen=True, kw_only=True)
class SeriesPoint:
    """From `date` on, `actor`'s `parameter` is `value`."""

    actor: Actor
    parameter: str
    date: dt.date
    value: float
    reason: str


def read_series(raw: dict[str, Any], source: str, start: dt.date, end: dt.date) -> tuple[SeriesPoint, ...]:
    """The scenario's `[[series]]` entries, checked; ConfigError names the entry and what is allowed."""
    entries = raw.get("series", [])
    if not isinstance(entries, list):
        raise ConfigError(source, "series", "must be an array of tables ([[series]])")
    points = tuple(_point(entry, i, source, start, end) for i, entry in enumerate(entries))
    last: dict[tuple[Actor, str], dt.date] = {}
    for i, point in enumerate(points):
        key = (point.actor, point.parameter)
        if key in last and point.date <= last[key]:
            raise ConfigError(
                source,
                f"series[{i}].date",
                f"{point.date} is out of order: {point.actor}'s {point.parameter} was already set on {last[key]}; "
                "dates of one actor's parameter must increase",
            )
        last[key] = point.date
    return points


def _point(entry: Any, i: int, source: str, start: dt.date, end: dt.date) -> SeriesPoint:
    prefix = f"series[{i}]."
    if not isinstance(entry, dict):
        raise ConfigError(source, prefix[:-1], "must be a table")
    check_keys(entry, SERIES_KEYS, source, prefix)
    parameter = read_string(entry, "parameter", source, prefix)
    if parameter not in SERIES_PARAMETERS:
        raise ConfigError(source, prefix + "parameter", f"{parameter!r}: allowed: {', '.join(SERIES_PARAMETERS)}")
    date = read_date_in_run(entry, "date", source, prefix, start, end)
    low, high = next(f for f in fields(Disposition) if f.name == parameter).metadata["range"]
    reason = read_string(entry, "reason", source, prefix)
    if not reason.strip():
        raise ConfigError(source, prefix + "reason", "give the reason (and source) for the value")
    return SeriesPoint(
        actor=read_actor(entry, "actor", source, prefix),
        parameter=parameter,
        date=date,
        value=float(read_number(entry, "value", source, prefix, low, high)),
        reason=reason,
    )
