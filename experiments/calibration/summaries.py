"""Summary statistics of observable events: one row of numbers per run, or for the record.

Each summary is computed from an `EventTable` (`experiments.calibration.observed`) the same way
whether the events are the record's or a batch of runs', on days counted from the scenario's
start:

- `Count`: events from `actor` to `target` of the given CAMEO quad classes in a dated window;
- `Delay`: days from a date to `actor`'s first act toward `target` at rung `min_rung` or above
  (no such act by the window's end: the window's length plus one, a censored value);
- `MaxRung`: the highest rung of `actor`'s acts toward `target` in a window (0: none);
- `Conciliatory`: conciliatory acts between two actors, both ways, in a window.

Trust is not observed and is never a summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.actors import INDEX, Actor
from sim.record import Quad

QUAD_NAMES = {
    "verbal_cooperation": Quad.VERBAL_COOPERATION,
    "material_cooperation": Quad.MATERIAL_COOPERATION,
    "verbal_conflict": Quad.VERBAL_CONFLICT,
    "material_conflict": Quad.MATERIAL_CONFLICT,
}


@dataclass(frozen=True)
class Window:
    """A named span of days, `first`..`last` inclusive, counted from the scenario's start."""

    name: str
    first: int
    last: int


@dataclass(frozen=True)
class Count:
    """Events from `actor` to `target` of `quads` in `window`."""

    actor: Actor
    target: Actor
    quads: tuple[str, ...]
    window: Window

    @property
    def name(self) -> str:
        """The summary's column name."""
        return f"count {self.actor}>{self.target} {'+'.join(self.quads)} {self.window.name}"

    def compute(self, events) -> np.ndarray:
        """One value per run of `events`."""
        quads = [int(QUAD_NAMES[q]) for q in self.quads]
        chosen = _dyad(events, self.actor, self.target) & _within(events, self.window) & np.isin(events.quad, quads)
        return np.bincount(events.run[chosen], minlength=events.runs).astype(float)


@dataclass(frozen=True)
class Delay:
    """Days from `window.first` to `actor`'s first act toward `target` at `min_rung` or above."""

    actor: Actor
    target: Actor
    min_rung: int
    window: Window

    @property
    def name(self) -> str:
        """The summary's column name."""
        return f"delay {self.actor}>{self.target} rung>={self.min_rung} {self.window.name}"

    def compute(self, events) -> np.ndarray:
        """One value per run of `events`."""
        chosen = _dyad(events, self.actor, self.target) & _within(events, self.window) & (events.rung >= self.min_rung)
        censored = self.window.last - self.window.first + 1
        first = np.full(events.runs, self.window.first + censored, dtype=np.int64)
        np.minimum.at(first, events.run[chosen], events.day[chosen])
        return (first - self.window.first).astype(float)


@dataclass(frozen=True)
class MaxRung:
    """The highest rung of `actor`'s acts toward `target` in `window` (0: none)."""

    actor: Actor
    target: Actor
    window: Window

    @property
    def name(self) -> str:
        """The summary's column name."""
        return f"max_rung {self.actor}>{self.target} {self.window.name}"

    def compute(self, events) -> np.ndarray:
        """One value per run of `events`."""
        chosen = _dyad(events, self.actor, self.target) & _within(events, self.window)
        highest = np.zeros(events.runs, dtype=np.int64)
        np.maximum.at(highest, events.run[chosen], events.rung[chosen])
        return highest.astype(float)


@dataclass(frozen=True)
class Conciliatory:
    """Conciliatory acts between `actor` and `target`, both ways, in `window`."""

    actor: Actor
    target: Actor
    window: Window

    @property
    def name(self) -> str:
        """The summary's column name."""
        return f"conciliatory {self.actor}<>{self.target} {self.window.name}"

    def compute(self, events) -> np.ndarray:
        """One value per run of `events`."""
        pair = _dyad(events, self.actor, self.target) | _dyad(events, self.target, self.actor)
        chosen = pair & _within(events, self.window) & events.conciliatory
        return np.bincount(events.run[chosen], minlength=events.runs).astype(float)


Summary = Count | Delay | MaxRung | Conciliatory


def summary_matrix(summaries: Sequence[Summary], events) -> np.ndarray:
    """[runs, summaries]: every summary of every run of `events`."""
    if not summaries:
        return np.zeros((events.runs, 0))
    return np.column_stack([summary.compute(events) for summary in summaries])


def _dyad(events, actor: Actor, target: Actor) -> np.ndarray:
    return (events.actor == INDEX[actor]) & (events.target == INDEX[target])


def _within(events, window: Window) -> np.ndarray:
    return (events.day >= window.first) & (events.day <= window.last)
