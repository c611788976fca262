"""Observable events, read the same way from the dated record and from runs' event journals.

What is compared with the world is defined on events people can see, never on trust. An
`EventTable` holds events as rows (run, day, actor, target) with what an observer can say of
each: its CAMEO quad class, its rung on the escalation ladder and whether it is conciliatory.
`record_events` reads the observed record (one "run"); `journal_events` reads the events of a
batch of runs. Scripted shocks are the model's inputs: they are left out of both (a record row
that is one of the scenario's shocks, matched on date, actor, target and CAMEO code, is not a
fact the model must reproduce).

How a CAMEO code is read (one definition for record and runs):
- quad class: its two-digit root (`sim.record.quad_class`);
- ladder rung: the model's seven ladder codes (111 denounce 1, 114 summon 2, 161 freeze 3,
  173 detain 4, 166 expel 5, 163 sanction 6, 190 force 7); 172 (administrative sanctions, as
  Baku's suspension of flights) 3, a freeze of ties rather than a coercion of persons; any other
  code by its root:
  10-13 (demand, disapprove, reject, threaten) 1, 14 (protest) 2, 16 (reduce relations) 3,
  17 (coerce) 4, 15 (force posture) 5, 18-20 (assault, fight, mass violence) 7; cooperation 0.
  The roots' rungs are a judgement, matched to the ladder's Goldstein order;
- conciliatory: roots 04 (consult: calls, meetings), 05 (diplomatic cooperation: apologies,
  agreements) and 08 (yield: releases). The model's conciliatory acts (call 040, apology 055,
  agreement 057, release 0841) and its routine cooperation (040) are all of these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.actors import INDEX
from sim.cameo import LADDER, RESPONSES
from sim.config import Scenario
from sim.events_log import EventKind
from sim.journal import EventJournal, ResponseRows, RoutineRows, SharedEvent
from sim.record import RecordedEvent, quad_class
from sim.routine import ROUTINE_COOPERATION, ROUTINE_FRICTION

#: Rungs of CAMEO roots off the model's ladder (judgement: the ladder's Goldstein order).
ROOT_RUNG = {10: 1, 11: 1, 12: 1, 13: 1, 14: 2, 15: 5, 16: 3, 17: 4, 18: 7, 19: 7, 20: 7}
LADDER_RUNG = {response.cameo: response.rung for response in LADDER} | {"172": 3}
CONCILIATORY_ROOTS = (4, 5, 8)


def observed_rung(cameo: str) -> int:
    """The escalation rung an observer reads off a CAMEO code (0: not an escalation)."""
    if cameo in LADDER_RUNG:
        return LADDER_RUNG[cameo]
    return ROOT_RUNG.get(int(cameo[:2]), 0)


def is_conciliatory(cameo: str) -> bool:
    """Whether a CAMEO code is a conciliatory act (a consultation, diplomatic cooperation, yielding)."""
    return int(cameo[:2]) in CONCILIATORY_ROOTS


@dataclass(frozen=True)
class EventTable:
    """Observable events of `runs` runs (the record is one run), one row per event."""

    runs: int
    run: np.ndarray
    day: np.ndarray
    actor: np.ndarray
    target: np.ndarray
    quad: np.ndarray
    rung: np.ndarray
    conciliatory: np.ndarray

    def __len__(self) -> int:
        return int(self.run.size)


def event_table(runs: int, rows: Sequence[tuple[int, int, int, int, str]]) -> EventTable:
    """An EventTable from (run, day, actor, target, cameo) rows."""
    codes = [row[4] for row in rows]
    columns = np.array([row[:4] for row in rows], dtype=np.int64).reshape(-1, 4)
    return EventTable(
        runs=runs,
        run=columns[:, 0],
        day=columns[:, 1],
        actor=columns[:, 2],
        target=columns[:, 3],
        quad=np.array([int(quad_class(code)) for code in codes], dtype=np.int64),
        rung=np.array([observed_rung(code) for code in codes], dtype=np.int64),
        conciliatory=np.array([is_conciliatory(code) for code in codes], dtype=bool),
    )


def record_events(record: Iterable[RecordedEvent], scenario: Scenario, cut_off: dt.date) -> EventTable:
    """The record's events from the scenario's start to `cut_off`, less the scenario's scripted shocks."""
    scripted = {(s.date, s.actor, s.target, s.cameo) for s in scenario.shocks}
    rows = [
        (0, scenario.day_of(event.date), INDEX[event.actor], INDEX[event.target], event.cameo)
        for event in record
        if scenario.start_date <= event.date <= cut_off
        and (event.date, event.actor, event.target, event.cameo) not in scripted
    ]
    return event_table(1, rows)


# What each response index and each routine act reads as, by the same rules as the record.
_RESPONSE_CODES = [response.cameo for response in RESPONSES]
_ACTION_QUAD = np.array([int(quad_class(code)) for code in _RESPONSE_CODES], dtype=np.int64)
_ACTION_RUNG = np.array([observed_rung(code) for code in _RESPONSE_CODES], dtype=np.int64)
_ACTION_CONCILIATORY = np.array([is_conciliatory(code) for code in _RESPONSE_CODES], dtype=bool)
_ROUTINE_CODES = (ROUTINE_COOPERATION, ROUTINE_FRICTION)  # by `friction`
_ROUTINE_QUAD = np.array([int(quad_class(code)) for code in _ROUTINE_CODES], dtype=np.int64)
_ROUTINE_RUNG = np.array([observed_rung(code) for code in _ROUTINE_CODES], dtype=np.int64)
_ROUTINE_CONCILIATORY = np.array([is_conciliatory(code) for code in _ROUTINE_CODES], dtype=bool)


def journal_events(journal: EventJournal, first_day: int = 0, last_day: int | None = None) -> EventTable:
    """The runs' events that took effect on days `first_day`..`last_day` (default: every day run).

    Responses and routine acts are the runs' own; injected events count in every run; scripted
    shocks are inputs and are left out.
    """
    last = journal.days_run - 1 if last_day is None else min(last_day, journal.days_run - 1)
    parts: list[tuple[np.ndarray, ...]] = []
    for entry in journal.entries:
        if not first_day <= entry.day <= last:
            continue
        if isinstance(entry, ResponseRows):
            parts.append(_rows(entry, entry.actions, _ACTION_QUAD, _ACTION_RUNG, _ACTION_CONCILIATORY))
        elif isinstance(entry, RoutineRows):
            kind = entry.friction.astype(np.int64)
            parts.append(_rows(entry, kind, _ROUTINE_QUAD, _ROUTINE_RUNG, _ROUTINE_CONCILIATORY))
        elif isinstance(entry, SharedEvent) and entry.kind == EventKind.INJECTED:
            parts.append(_shared_rows(entry, journal.runs))
    return _concatenated(journal.runs, parts)


def _rows(entry: ResponseRows | RoutineRows, codes: np.ndarray, quad, rung, conciliatory) -> tuple[np.ndarray, ...]:
    day = np.full(entry.runs.size, entry.day, dtype=np.int64)
    return (entry.runs, day, entry.actors, entry.targets, quad[codes], rung[codes], conciliatory[codes])


def _shared_rows(entry: SharedEvent, runs: int) -> tuple[np.ndarray, ...]:
    every = np.arange(runs, dtype=np.int64)

    def same(value) -> np.ndarray:
        return np.full(runs, value)

    return (
        every,
        same(entry.day),
        same(INDEX[entry.actor]),
        same(INDEX[entry.target]),
        same(int(quad_class(entry.cameo))),
        same(observed_rung(entry.cameo)),
        same(is_conciliatory(entry.cameo)),
    )


def _concatenated(runs: int, parts: list[tuple[np.ndarray, ...]]) -> EventTable:
    names = ("run", "day", "actor", "target", "quad", "rung", "conciliatory")
    if not parts:
        empty = {name: np.zeros(0, dtype=bool if name == "conciliatory" else np.int64) for name in names}
        return EventTable(runs=runs, **empty)
    columns = {name: np.concatenate([part[i] for part in parts]) for i, name in enumerate(names)}
    columns = {name: values.astype(bool if name == "conciliatory" else np.int64) for name, values in columns.items()}
    return EventTable(runs=runs, **columns)
