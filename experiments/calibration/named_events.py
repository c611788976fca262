"""Named outcomes a forecast gives probabilities of, defined on observable events (record and runs alike).

Each named event is read off the observable events of `experiments.calibration.observed` (quad
class, ladder rung, conciliatory; scripted shocks left out), so the same definition applies to
a batch of runs and to a record a user brings. A forecast asks, for each weekly date, whether
the event has happened in the forecast window by then (on a day from `--from` to that date).

- `relations_cut`: an act at rung 3 or above (a freeze of channels, a detention, an expulsion,
  sanctions, force; by a CAMEO code's root: reducing relations, coercion, force posture,
  assault) between Azerbaijan and Russia, either way;
- `relations_restored`: a restoring act between Azerbaijan and Russia, either way, on a day
  after a cut between them (a rung-3 act, either way, since the scenario's start: it may lie
  before the window). A restoring act is a formal agreement (CAMEO 057) or a yielding act
  (root 08: releases, returns); calls and meetings (04) and apologies (055) are not. The
  model ends a cut with an agreement and releases (its way back, docs/ODD.md §7.10);
- `conciliatory_AZE_RUS`: a conciliatory act (roots 04, 05, 08: calls, meetings, apologies,
  agreements, releases; routine cooperation included) between Azerbaijan and Russia, either way;
- `russia_above_rung_2`: an act of Russia toward Azerbaijan at rung 3 or above;
- `corridor_agreed`: the corridor arrangement agreed. The model's event log cannot show it (an
  agreement is the bargaining's state, not an act in the log), so a forecast takes it from the
  runs' state: the day an arrangement was agreed (`agreed_day`, the `corridor_day` outcome).
  On a record its nearest observable sign is a formal agreement (CAMEO 057) between two of
  Armenia, Azerbaijan and the United States, either way; the two are different definitions,
  so this event is forecast but never scored (`scorable` is False): `caucasus score` shows the
  record's sign beside the forecast, without a score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from experiments.calibration.observed import EventTable, event_table, journal_events
from sim.actors import INDEX, Actor
from sim.cameo import RESPONSES
from sim.events_log import EventKind
from sim.journal import EventJournal, ResponseRows, SharedEvent
from sim.record import RecordedEvent

NEVER = -1  # the first day of an event that did not happen in the window
CUT_RUNG = 3  # sim.cameo.RELATIONS_CUT_RUNG: a freeze of channels (161) or higher
AGREEMENT = "057"
RESTORING_ROOTS = (8,)  # yield: releases and returns (0841 in the model)
CORRIDOR_PARTIES = (Actor.ARM, Actor.AZE, Actor.USA)
AZE, RUS = INDEX[Actor.AZE], INDEX[Actor.RUS]


def is_restoring(cameo: str) -> bool:
    """Whether a CAMEO code restores relations: a formal agreement (057) or a yielding act (root 08)."""
    return cameo == AGREEMENT or int(cameo[:2]) in RESTORING_ROOTS


@dataclass(frozen=True)
class Occurrences:
    """Days on which something happened, in `runs` runs (one row per run and day; repeats allowed)."""

    runs: int
    run: np.ndarray
    day: np.ndarray

    def first_day(self, first: int, last: int) -> np.ndarray:
        """[runs]: the first day in `first`..`last` on which it happened (NEVER: not in that span)."""
        inside = (self.day >= first) & (self.day <= last)
        earliest = np.full(self.runs, np.iinfo(np.int64).max)
        np.minimum.at(earliest, self.run[inside], self.day[inside])
        return np.where(earliest == np.iinfo(np.int64).max, NEVER, earliest)

    def days(self, first: int, last: int) -> int:
        """How many distinct days in `first`..`last` it happened on (in any run: meant for a record)."""
        inside = (self.day >= first) & (self.day <= last)
        return int(np.unique(self.day[inside]).size)


@dataclass(frozen=True)
class Observed:
    """What the named events are read from, for `events.runs` runs (a record is one run)."""

    events: EventTable  # every observable act (scripted shocks left out), days from the scenario's start
    restoring: EventTable  # the restoring acts among them (agreements 057, root 08)
    corridor: Occurrences  # runs: the day an arrangement was agreed; a record: 057 among ARM, AZE, USA


@dataclass(frozen=True, kw_only=True)
class NamedEvent:
    """A named outcome: its name, title, definition and how its occurrences are read."""

    name: str
    title: str
    definition: str
    occurrences: Callable[[Observed], Occurrences]
    scorable: bool = True


def _chosen(events: EventTable, chosen: np.ndarray) -> Occurrences:
    return Occurrences(events.runs, events.run[chosen], events.day[chosen])


def _pair(events: EventTable) -> np.ndarray:
    """Acts between Azerbaijan and Russia, either way."""
    return ((events.actor == AZE) & (events.target == RUS)) | ((events.actor == RUS) & (events.target == AZE))


def _cut(observed: Observed) -> Occurrences:
    events = observed.events
    return _chosen(events, _pair(events) & (events.rung >= CUT_RUNG))


def _restored(observed: Observed) -> Occurrences:
    """Restoring acts between AZE and RUS on a day after the run's first cut since the scenario's start."""
    cuts = _cut(observed)
    since_start = cuts.day >= 0
    first_cut = np.full(observed.events.runs, np.iinfo(np.int64).max)
    np.minimum.at(first_cut, cuts.run[since_start], cuts.day[since_start])
    acts = observed.restoring
    return _chosen(acts, _pair(acts) & (acts.day > first_cut[acts.run]))


def _conciliatory(observed: Observed) -> Occurrences:
    events = observed.events
    return _chosen(events, _pair(events) & events.conciliatory)


def _russia_above_rung_2(observed: Observed) -> Occurrences:
    events = observed.events
    return _chosen(events, (events.actor == RUS) & (events.target == AZE) & (events.rung > 2))


NAMED_EVENTS: tuple[NamedEvent, ...] = (
    NamedEvent(
        name="relations_cut",
        title="Relations cut (AZE-RUS)",
        definition="an act at rung >= 3 (freeze, detention, expulsion, sanctions, force) between AZE and RUS, "
        "either way",
        occurrences=_cut,
    ),
    NamedEvent(
        name="relations_restored",
        title="Relations restored (AZE-RUS)",
        definition="an agreement (CAMEO 057) or a release/return (root 08) between AZE and RUS, either way, "
        "on a day after a cut between them (since the scenario's start)",
        occurrences=_restored,
    ),
    NamedEvent(
        name="conciliatory_AZE_RUS",
        title="Conciliatory act (AZE-RUS)",
        definition="a conciliatory act (CAMEO roots 04, 05, 08) between AZE and RUS, either way",
        occurrences=_conciliatory,
    ),
    NamedEvent(
        name="russia_above_rung_2",
        title="Russia above rung 2 toward AZE",
        definition="an act of RUS toward AZE at rung >= 3",
        occurrences=_russia_above_rung_2,
    ),
    NamedEvent(
        name="corridor_agreed",
        title="Corridor arrangement agreed",
        definition="runs: the day an arrangement was agreed (state, not an event in the log); a record: "
        "an agreement (CAMEO 057) between two of ARM, AZE, USA. Different definitions: not scored",
        occurrences=lambda observed: observed.corridor,
        scorable=False,
    ),
)
EVENT_NAMES = tuple(event.name for event in NAMED_EVENTS)
SCORABLE = tuple(event for event in NAMED_EVENTS if event.scorable)


def run_observed(journal: EventJournal, agreed_day: np.ndarray, last_day: int) -> Observed:
    """What the named events read from a batch of runs, days 0..`last_day` (`agreed_day`: -1 none)."""
    agreed = agreed_day <= last_day
    runs = np.flatnonzero((agreed_day >= 0) & agreed)
    return Observed(
        events=journal_events(journal, 0, last_day),
        restoring=journal_restoring(journal, last_day),
        corridor=Occurrences(journal.runs, runs, agreed_day[runs].astype(np.int64)),
    )


_RESTORING_ACTIONS = np.array([is_restoring(response.cameo) for response in RESPONSES])


def journal_restoring(journal: EventJournal, last_day: int) -> EventTable:
    """The restoring acts (responses and injected events) of the runs, days 0..`last_day`."""
    last = min(last_day, journal.days_run - 1)
    rows: list[tuple[int, int, int, int, str]] = []
    for entry in journal.entries:
        if entry.day > last:
            continue
        if isinstance(entry, ResponseRows):
            chosen = np.flatnonzero(_RESTORING_ACTIONS[entry.actions])
            rows += [
                (int(entry.runs[i]), entry.day, int(entry.actors[i]), int(entry.targets[i]), RESPONSES[a].cameo)
                for i, a in zip(chosen, entry.actions[chosen], strict=True)
            ]
        elif isinstance(entry, SharedEvent) and entry.kind == EventKind.INJECTED and is_restoring(entry.cameo):
            every = [
                (run, entry.day, INDEX[entry.actor], INDEX[entry.target], entry.cameo) for run in range(journal.runs)
            ]
            rows += every
    return event_table(journal.runs, rows)


def record_observed(
    record: Iterable[RecordedEvent], start_date: dt.date, scripted: set[tuple[dt.date, str, str, str]]
) -> Observed:
    """What the named events read from a record: every row but the scripted shocks, days from `start_date`.

    `scripted` holds the scenario's shocks as (date, actor, target, cameo); a matching row is an
    input of the model, not a fact it forecast. Rows before `start_date` have negative days.
    """
    kept = [
        event for event in record if (event.date, event.actor.value, event.target.value, event.cameo) not in scripted
    ]

    def rows(chosen: Iterable[RecordedEvent]) -> list[tuple[int, int, int, int, str]]:
        return [(0, (e.date - start_date).days, INDEX[e.actor], INDEX[e.target], e.cameo) for e in chosen]

    corridor = event_table(1, rows(e for e in kept if _corridor_sign(e)))
    return Observed(
        events=event_table(1, rows(kept)),
        restoring=event_table(1, rows(e for e in kept if is_restoring(e.cameo))),
        corridor=Occurrences(1, corridor.run, corridor.day),
    )


def _corridor_sign(event: RecordedEvent) -> bool:
    """A formal agreement between two of Armenia, Azerbaijan and the United States."""
    return event.cameo == AGREEMENT and event.actor in CORRIDOR_PARTIES and event.target in CORRIDOR_PARTIES


def first_days(observed: Observed, first: int, last: int) -> dict[str, np.ndarray]:
    """Per named event, [runs]: its first day in `first`..`last` (NEVER: it did not happen then)."""
    return {event.name: event.occurrences(observed).first_day(first, last) for event in NAMED_EVENTS}
