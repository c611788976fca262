"""Routine interaction: each dyad's base rates of everyday cooperation and criticism, from the record.

Dyads are not silent between crises: the pre-crisis record shows calls, visits, statements and
frictions in calm months. The model draws such routine acts every day at base rates estimated
from the observed record (`sim.record`) in its calm windows:

    cooperation_rate[i, j] = (i's verbal-cooperation events toward j in the calm windows) / calm days
    friction_rate[i, j]    = (i's verbal-conflict events toward j in the calm windows) / calm days

Verbal quad classes only (CAMEO roots 01-05 and 10-14): material acts (freezes, detentions,
agreements) come from the actors' own decisions, never from a base rate. A routine act takes
effect as the mildest code of its class (`ROUTINE_COOPERATION` 040 "Consult", Goldstein +1;
`ROUTINE_FRICTION` 111 "Criticize or denounce", -2), with salience 1.

The calm windows are the record's months outside the two crises the baseline scripts: from the
start of the record to the day before the plane was downed, and from a month after it to the day
before the raid (the month after the plane is its crisis: demands, cancelled flights, summons).
The record is thin in calm months (its README says so: 8 rows in 2024 before December, few in
February-May 2025), so these rates are low estimates, and dyads without a calm-window event have
none; `parameters.routine_scale` multiplies them all (0 switches routine interaction off).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from sim.actors import INDEX, N_ACTORS
from sim.record import Quad, RecordedEvent, load_record

ROUTINE_COOPERATION = "040"
ROUTINE_FRICTION = "111"
CALM_WINDOWS: tuple[tuple[dt.date, dt.date], ...] = (
    (dt.date(2024, 2, 1), dt.date(2024, 12, 24)),  # Feb 2024 (the record starts 22 Feb) to the eve of the plane
    (dt.date(2025, 1, 25), dt.date(2025, 6, 26)),  # a month after the plane to the eve of the raid (27 Jun 2025)
)


def calm_days(windows: Sequence[tuple[dt.date, dt.date]] = CALM_WINDOWS) -> int:
    """Number of days in the calm windows (both ends included)."""
    return sum((end - start).days + 1 for start, end in windows)


def in_calm_window(date: dt.date, windows: Sequence[tuple[dt.date, dt.date]] = CALM_WINDOWS) -> bool:
    """Whether a date falls in one of the calm windows."""
    return any(start <= date <= end for start, end in windows)


def base_rates(
    record: Sequence[RecordedEvent] | None = None, windows: Sequence[tuple[dt.date, dt.date]] = CALM_WINDOWS
) -> tuple[np.ndarray, np.ndarray]:
    """Daily base rates (cooperation, friction), each [actor, target], from the record's calm windows."""
    events = load_record() if record is None else record
    cooperation, friction = np.zeros((N_ACTORS, N_ACTORS)), np.zeros((N_ACTORS, N_ACTORS))
    for event in events:
        if not in_calm_window(event.date, windows) or event.actor == event.target:
            continue
        i, j = INDEX[event.actor], INDEX[event.target]
        if event.quad == Quad.VERBAL_COOPERATION:
            cooperation[i, j] += 1.0
        elif event.quad == Quad.VERBAL_CONFLICT:
            friction[i, j] += 1.0
    days = calm_days(windows)
    return cooperation / days, friction / days
