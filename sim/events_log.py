"""The event log: every event of a run, scripted, chosen or injected, as a dated record.

`EventLog` writes a run's log the same way for every engine: events are queued for the day
they take effect (a response is chosen at the close of one day and takes effect the next) and
entered when that day is run; a response records as its cause the last hostile event between
the two actors, where there is one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sim.actors import Actor
from sim.cameo import GOLDSTEIN, RESPONSES, describe
from sim.corridor import Arrangement
from sim.routine import ROUTINE_COOPERATION, ROUTINE_FRICTION

if TYPE_CHECKING:
    pass


class EventKind(StrEnum):
    """Where an event came from."""

    SCRIPTED = "scripted"
    RESPONSE = "response"
    INJECTED = "injected"
    ROUTINE = "routine"


@dataclass(frozen=True, kw_only=True)
class EventRecord:
    """One logged event. `cause_id` names the event a response answers, where known."""

    event_id: int
    day: int
    date: dt.date
    actor: Actor
    target: Actor
    cameo: str
    kind: EventKind
    description: str
    salience: float = 1.0
    affront: float = 0.0
    corridor: Arrangement | None = None
    cause_id: int | None = None

    @property
    def goldstein(self) -> float:
        """The Goldstein score of the event's CAMEO code."""
        return GOLDSTEIN[self.cameo]


def response_description(actor: Actor, action: int, target: Actor) -> str:
    """One line for a chosen response, e.g. 'AZE detains nationals of RUS'."""
    return f"{actor} {RESPONSES[action].label} {target}"


def default_description(actor: Actor, cameo: str, target: Actor) -> str:
    """One line for a shock given without a description."""
    return f"{actor} -> {target}: {describe(cameo)}"


class EventLog:
    """A run's event log as it is written: `records` entered so far, `pending` queued for today."""

    def __init__(self, date_of: Callable[[int], dt.date]):
        """Start an empty log; `date_of` maps a day index to its date."""
        self.date_of = date_of
        self.records: list[EventRecord] = []
        self.pending: list[EventRecord] = []
        self._last_hostile: dict[tuple[Actor, Actor], int] = {}

    def queue(
        self, day: int, actor: Actor, target: Actor, cameo: str, kind: EventKind, description: str, **extra: Any
    ) -> EventRecord:
        """Queue an event for `day` (extra: salience, affront, corridor, cause_id)."""
        record = EventRecord(
            event_id=len(self.records) + len(self.pending),
            day=day,
            date=self.date_of(day),
            actor=actor,
            target=target,
            cameo=cameo,
            kind=kind,
            description=description,
            **extra,
        )
        self.pending.append(record)
        return record

    def queue_response(self, day: int, actor: Actor, action: int, target: Actor) -> EventRecord:
        """Queue a chosen response (an index into `RESPONSES`) with the event it answers."""
        hostile = RESPONSES[action].rung > 0
        grievance_key = (actor, target) if hostile else (target, actor)
        return self.queue(
            day,
            actor,
            target,
            RESPONSES[action].cameo,
            EventKind.RESPONSE,
            response_description(actor, action, target),
            cause_id=self._last_hostile.get(grievance_key),
        )

    def queue_routine(self, day: int, actor: Actor, target: Actor, *, friction: bool) -> EventRecord:
        """Queue a routine act: a criticism (`friction`) or a cooperative act (a consultation)."""
        cameo = ROUTINE_FRICTION if friction else ROUTINE_COOPERATION
        verb = "criticises" if friction else "consults"
        return self.queue(day, actor, target, cameo, EventKind.ROUTINE, f"{actor} {verb} {target} (routine)")

    def enter_pending(self) -> list[EventRecord]:
        """Enter the queued events into the log (the day is run) and return them."""
        entered, self.pending = self.pending, []
        for record in entered:
            self.records.append(record)
            if record.goldstein < 0 or record.affront > 0:
                self._last_hostile[(record.target, record.actor)] = record.event_id
        return entered
