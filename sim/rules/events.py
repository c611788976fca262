"""A day's events as arrays: what the trust, ladder and corridor rules consume.

Events of a day, scripted or chosen, are reduced to dense arrays with any leading batch axes:

- `hostility[..., v, k]`: sum over k's acts against v of salience x (max(-g, 0) / 10 + affront);
- `cooperation[..., v, k]`: sum of salience x max(g, 0) / 10;
- `severity_dealt[..., k, v]`: the severity (-g / 10) of the ladder response k dealt v (settles
  k's account);
- `rung[..., k, v]`: the ladder rung of k's response to v (0: none);
- `detained`, `released`, `agreed` `[..., k, v]`: k detained / released v's nationals, signed
  an agreement with v;
- `proposed[..., a]`: arrangement a was put on the corridor table;
- routine acts (`with_routine`) add to `hostility` and `cooperation` only;
- `touched[...]`: whether the run has any event that day (runs without are left as they were
  by the trust and grievance rules, `sim.rules.day.take_in`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sim.cameo import (
    AGREEMENT,
    AGREEMENT_ID,
    DETAIN_RUNG,
    GOLDSTEIN,
    LADDER,
    N_RUNGS,
    RELEASE,
    RELEASE_ID,
    RESPONSE_GOLDSTEIN,
)
from sim.corridor import N_ARRANGEMENTS
from sim.rules.batch import kernel, on_runs, runs_of
from sim.rules.routine import routine_arrays
from sim.rules.shapes import core_ndims, per_actor, per_pair, scalar


@dataclass(frozen=True, kw_only=True)
class DayEvents:
    """A day's events reduced to arrays (see the module docstring)."""

    hostility: np.ndarray = per_pair()
    cooperation: np.ndarray = per_pair()
    severity_dealt: np.ndarray = per_pair()
    rung: np.ndarray = per_pair()
    detained: np.ndarray = per_pair()
    released: np.ndarray = per_pair()
    agreed: np.ndarray = per_pair()
    proposed: np.ndarray = per_actor()  # [..., arrangement]
    touched: np.ndarray = scalar()

    @classmethod
    def empty(cls, n: int, batch_shape: tuple[int, ...] = ()) -> DayEvents:
        """No events, for `n` actors and the given batch shape."""
        square = (*batch_shape, n, n)
        return cls(
            hostility=np.zeros(square),
            cooperation=np.zeros(square),
            severity_dealt=np.zeros(square),
            rung=np.zeros(square, dtype=np.int64),
            detained=np.zeros(square, dtype=bool),
            released=np.zeros(square, dtype=bool),
            agreed=np.zeros(square, dtype=bool),
            proposed=np.zeros((*batch_shape, N_ARRANGEMENTS), dtype=bool),
            touched=np.zeros(batch_shape, dtype=bool),
        )

    def for_runs(self, runs: np.ndarray) -> DayEvents:
        """The events of some runs of a one-axis batch (`runs` indexes it); unbatched arrays are shared."""
        shapes = core_ndims(DayEvents)
        return DayEvents(**{name: runs_of(getattr(self, name), runs, ndim) for name, ndim in shapes.items()})


@dataclass(frozen=True, kw_only=True)
class ShockInput:
    """A scripted or injected event as the rules see it: actor and target indices, CAMEO code."""

    actor: int
    target: int
    cameo: str
    salience: float = 1.0
    affront: float = 0.0
    proposes: int | None = None


def shock_events(shocks: Sequence[ShockInput], n: int) -> DayEvents:
    """Arrays of a day's scripted or injected events (no batch axis; the same in every replicate).

    Such events move trust and grievance, detain (173), release (0841), agree (057) and
    propose, but set no standing rung and settle no account: the ladder tracks the actors'
    own responses.
    """
    events = replace(DayEvents.empty(n), touched=np.asarray(bool(shocks)))
    for shock in shocks:
        goldstein = GOLDSTEIN[shock.cameo]
        events.hostility[shock.target, shock.actor] += shock.salience * (max(-goldstein, 0.0) / 10.0 + shock.affront)
        events.cooperation[shock.target, shock.actor] += shock.salience * max(goldstein, 0.0) / 10.0
        events.detained[shock.actor, shock.target] |= shock.cameo == LADDER[DETAIN_RUNG - 1].cameo
        events.released[shock.actor, shock.target] |= shock.cameo == RELEASE.cameo
        events.agreed[shock.actor, shock.target] |= shock.cameo == AGREEMENT.cameo
        if shock.proposes is not None:
            events.proposed[shock.proposes] = True
    return events


def response_events(action: np.ndarray, target: np.ndarray) -> DayEvents:
    """Arrays of the responses chosen by all actors: `action`, `target` shaped [..., n].

    Each actor acts at most once a day, so every (actor, target) cell receives at most one
    response.
    """
    arrays = on_runs(_response_events, (action, 1), (target, 1))
    proposed = np.zeros((*action.shape[:-1], N_ARRANGEMENTS), dtype=bool)
    return DayEvents(**dict(zip(_RESPONSE_ARRAYS, arrays, strict=True)), proposed=proposed)


_RESPONSE_ARRAYS = ("hostility", "cooperation", "severity_dealt", "rung", "detained", "released", "agreed", "touched")


@kernel
def _response_events(runs, action, target):
    n = action.shape[-1]
    hostility, cooperation, severity_dealt = np.zeros((runs, n, n)), np.zeros((runs, n, n)), np.zeros((runs, n, n))
    rung = np.zeros((runs, n, n), dtype=np.int64)
    detained, released = np.zeros((runs, n, n), dtype=np.bool_), np.zeros((runs, n, n), dtype=np.bool_)
    agreed, touched = np.zeros((runs, n, n), dtype=np.bool_), np.zeros(runs, dtype=np.bool_)
    for r in range(runs):
        for actor in range(n):
            chosen = action[r, actor]
            if chosen < 0:
                continue
            victim, goldstein = target[r, actor], RESPONSE_GOLDSTEIN[chosen]
            hostility[r, victim, actor] = max(-goldstein, 0.0) / 10.0
            cooperation[r, victim, actor] = max(goldstein, 0.0) / 10.0
            if chosen < N_RUNGS:
                severity_dealt[r, actor, victim] = max(-goldstein, 0.0) / 10.0
                rung[r, actor, victim] = chosen + 1
            detained[r, actor, victim] = chosen + 1 == DETAIN_RUNG
            released[r, actor, victim] = chosen == RELEASE_ID
            agreed[r, actor, victim] = chosen == AGREEMENT_ID
            touched[r] = True
    return hostility, cooperation, severity_dealt, rung, detained, released, agreed, touched


def with_routine(events: DayEvents, cooperates: np.ndarray, criticises: np.ndarray) -> DayEvents:
    """The day's events with its routine acts (`sim.rules.routine.draw_routine`) added.

    Routine acts move trust and grievance only: they add to `hostility` and `cooperation` (after
    the events already there, as `combine` would) and touch their runs; nothing else changes.
    """
    hostility, cooperation, touched = routine_arrays(cooperates, criticises)
    return replace(
        events,
        hostility=events.hostility + hostility,
        cooperation=events.cooperation + cooperation,
        touched=events.touched | touched,
    )


def combine(first: DayEvents, second: DayEvents) -> DayEvents:
    """Both days' worth of events together (broadcasting batch axes)."""
    return DayEvents(
        hostility=first.hostility + second.hostility,
        cooperation=first.cooperation + second.cooperation,
        severity_dealt=first.severity_dealt + second.severity_dealt,
        rung=np.maximum(first.rung, second.rung),
        detained=first.detained | second.detained,
        released=first.released | second.released,
        agreed=first.agreed | second.agreed,
        proposed=first.proposed | second.proposed,
        touched=first.touched | second.touched,
    )
