"""The event journal: every event of every run of a batch, written as the day loop goes.

The day loop (`sim.core.Simulation`) writes each event into the journal at the moment it is
queued, in the order the events of a day take effect: the responses chosen at the close of
the day before (by actor), the routine acts drawn for the day, then the scenario's scripted
shocks for the day, then any event injected by hand before the day is run. Scripted and
injected events are the same in every run and are written once; responses and routine acts
are rows (run, actor, action or kind, target).

A run's readable log (`sim.events_log.EventLog`, with event ids and the event each response
answers) is read from the journal by `RunLog`, which follows it as it grows: both engines
show the same log because there is only this one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.actors import ACTORS, Actor
from sim.corridor import Arrangement
from sim.events_log import EventKind, EventLog, EventRecord
from sim.rules.responses import NO_ACTION


@dataclass(frozen=True)
class ResponseRows:
    """The responses chosen at the close of one day, to take effect on `day`: one row per response."""

    day: int
    runs: np.ndarray
    actors: np.ndarray
    actions: np.ndarray
    targets: np.ndarray


@dataclass(frozen=True)
class RoutineRows:
    """The routine acts drawn for `day`: one row per act (`friction`: a criticism, else a cooperative act)."""

    day: int
    runs: np.ndarray
    actors: np.ndarray
    targets: np.ndarray
    friction: np.ndarray


@dataclass(frozen=True, kw_only=True)
class SharedEvent:
    """A scripted or injected event, the same in every run of the batch."""

    day: int
    kind: EventKind
    actor: Actor
    target: Actor
    cameo: str
    description: str
    salience: float = 1.0
    affront: float = 0.0
    corridor: Arrangement | None = None


Entry = ResponseRows | RoutineRows | SharedEvent


class EventJournal:
    """Every event queued in a batch of runs, in order; those of the first `days_run` days have taken effect."""

    def __init__(self, runs: int, date_of: Callable[[int], dt.date]):
        """Start an empty journal for `runs` runs; `date_of` maps a day index to its date."""
        self.runs = runs
        self.date_of = date_of
        self.entries: list[Entry] = []
        self.days_run = 0

    def queue_responses(self, day: int, actions: np.ndarray, targets: np.ndarray) -> None:
        """Queue the responses chosen in every run ([runs, n] actions and targets, -1: none) for `day`."""
        runs, actors = np.nonzero(actions != NO_ACTION)
        if runs.size:
            rows = ResponseRows(day, runs, actors, actions[runs, actors], targets[runs, actors])
            self._append(rows)

    def queue_routine(self, day: int, cooperates: np.ndarray, criticises: np.ndarray) -> None:
        """Queue the routine acts drawn in every run ([runs, n, n] booleans, [run, actor, target]) for `day`."""
        acts = np.concatenate([np.argwhere(cooperates), np.argwhere(criticises)])
        if acts.size:
            friction = np.arange(len(acts)) >= np.count_nonzero(cooperates)
            self._append(RoutineRows(day, acts[:, 0], acts[:, 1], acts[:, 2], friction))

    def queue_response_rows(
        self, day: int, runs: np.ndarray, actors: np.ndarray, actions: np.ndarray, targets: np.ndarray
    ) -> None:
        """Queue responses for `day` given as rows, in (run, actor) order (`queue_responses`' rows)."""
        if runs.size:
            self._append(ResponseRows(day, runs, actors, actions, targets))

    def queue_routine_rows(self, day: int, cooperative: np.ndarray, critical: np.ndarray) -> None:
        """Queue routine acts for `day` given as [3, acts] rows (run, actor, target), each kind in that order.

        The rows are copied: the arrays given may be reused.
        """
        acts = np.concatenate([cooperative, critical], axis=1)
        if acts.size:
            friction = np.arange(acts.shape[1]) >= cooperative.shape[1]
            self._append(RoutineRows(day, acts[0], acts[1], acts[2], friction))

    def queue_shared(self, event: SharedEvent) -> None:
        """Queue a scripted or injected event, for every run."""
        self._append(event)

    def _append(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.__dict__.pop("response_rows", None)

    def shared_on(self, day: int) -> list[SharedEvent]:
        """The scripted and injected events queued for `day`, in order."""
        return [entry for entry in self._tail(day) if isinstance(entry, SharedEvent)]

    def _tail(self, day: int) -> list[Entry]:
        """The entries queued for `day`: the last ones, since entries come in order of day."""
        start = len(self.entries)
        while start > 0 and self.entries[start - 1].day >= day:
            start -= 1
        return [entry for entry in self.entries[start:] if entry.day == day]

    @cached_property
    def response_rows(self) -> dict[str, np.ndarray]:
        """Every response queued so far as columns `day`, `run`, `actor`, `action`, `target`."""
        rows = [entry for entry in self.entries if isinstance(entry, ResponseRows)]
        columns = {
            "day": np.concatenate([np.full(r.runs.size, r.day) for r in rows]) if rows else np.zeros(0, np.int64),
            "run": np.concatenate([r.runs for r in rows]) if rows else np.zeros(0, np.int64),
        }
        for name in ("actor", "action", "target"):
            columns[name] = np.concatenate([getattr(r, f"{name}s") for r in rows]) if rows else np.zeros(0, np.int64)
        return columns

    def responses_taken(self) -> dict[str, np.ndarray]:
        """`response_rows` of the responses that have taken effect (their day has been run)."""
        rows = self.response_rows
        taken = rows["day"] < self.days_run
        return {name: values[taken] for name, values in rows.items()}


class RunLog:
    """One run's `EventLog`, read from the journal and brought up to date on each `update`."""

    def __init__(self, journal: EventJournal, run: int):
        """Follow run `run` of `journal`."""
        self.journal = journal
        self.run = run
        self.log = EventLog(journal.date_of)
        self._read = 0

    def update(self) -> EventLog:
        """The log with every entry written so far: entered up to the days run, the rest pending."""
        log = self.log
        for entry in self.journal.entries[self._read :]:
            if log.pending and log.pending[0].day < entry.day:
                log.enter_pending()  # a day's events are entered before the next day's are queued
            self._queue(entry)
        self._read = len(self.journal.entries)
        if log.pending and log.pending[0].day < self.journal.days_run:
            log.enter_pending()
        return log

    def _queue(self, entry: Entry) -> None:
        if isinstance(entry, RoutineRows):
            for row in np.flatnonzero(entry.runs == self.run):
                actor, target = ACTORS[int(entry.actors[row])], ACTORS[int(entry.targets[row])]
                self.log.queue_routine(entry.day, actor, target, friction=bool(entry.friction[row]))
            return
        if isinstance(entry, SharedEvent):
            extra = {"salience": entry.salience, "affront": entry.affront, "corridor": entry.corridor}
            self.log.queue(entry.day, entry.actor, entry.target, entry.cameo, entry.kind, entry.description, **extra)
            return
        for row in np.flatnonzero(entry.runs == self.run):
            actor, target = ACTORS[int(entry.actors[row])], ACTORS[int(entry.targets[row])]
            self.log.queue_response(entry.day, actor, int(entry.actions[row]), target)


def run_records(journal: EventJournal, run: int) -> list[EventRecord]:
    """The events of one run that have taken effect, as the run's log."""
    return RunLog(journal, run).update().records
