"""The event log: every event of a run, scripted, chosen or injected, as a dated record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sim.actors import Actor
from sim.cameo import GOLDSTEIN, RESPONSES, describe
from sim.corridor import Arrangement


class EventKind(StrEnum):
    """Where an event came from."""

    SCRIPTED = "scripted"
    RESPONSE = "response"
    INJECTED = "injected"


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
