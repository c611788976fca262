"""One day of the model, in order, over arrays with any leading batch axes.

`CrisisState` holds everything that changes; `RuleInputs` everything that does not (per-actor
dispositions, capabilities, utilities, baseline trust, model parameters). `advance` applies a
day's `DayEvents` and the daily dynamics; `actor_view` hands one actor the slice of the state
`sim.rules.responses.choose_response` needs. The Mesa model runs a day as: events ->
`advance` -> each actor's `choose_response` for the next day; a batched engine runs the same
functions in the same order over a leading replicate axis.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import cached_property
from typing import Any

import numpy as np

from sim.actors import POWER_INDEX, STATE_INDEX
from sim.parameters import ModelParams, param_names
from sim.rules import corridor, influence, trust
from sim.rules.batch import runs_of
from sim.rules.events import DayEvents
from sim.rules.responses import (
    NO_ACTION,
    able_to_act,
    boldness,
    choose_response,
    grievance_excess,
    relations_cut,
)
from sim.rules.short_axis import max_last

STATE_ROWS = list(STATE_INDEX)  # actor-axis indices of the two states, in share-row order
POWER_COLUMNS = list(POWER_INDEX)  # actor-axis indices of the six powers, in share-column order


@dataclass(frozen=True, kw_only=True)
class RuleInputs:
    """What stays fixed during a run; vectors are per actor, [..., n]."""

    params: ModelParams
    baseline_trust: np.ndarray
    kin: np.ndarray
    sensitivity: np.ndarray
    reciprocity: np.ndarray
    restraint: np.ndarray
    conciliation: np.ndarray
    threshold: np.ndarray
    keep: np.ndarray
    capability: np.ndarray
    presence: np.ndarray
    distraction: np.ndarray
    engagement: np.ndarray
    utility: np.ndarray
    sponsors: np.ndarray
    rupture_pair: tuple[int, int]

    @cached_property
    def effective_capability(self) -> np.ndarray:
        """Capability reaching the region, per actor."""
        return influence.effective_capability(self.capability, self.presence, self.distraction)

    @cached_property
    def boldness(self) -> np.ndarray:
        """boldness[..., i, j] of each actor toward each other (fixed during a run)."""
        return boldness(self.effective_capability, self.params.deterrence)

    def for_runs(self, runs: np.ndarray) -> RuleInputs:
        """These inputs for some runs of a one-axis batch (`runs` indexes it); shared inputs stay shared."""
        params = {name: getattr(self.params, name)[runs] for name in self._batched_params}
        subset = replace(
            self,
            params=replace(self.params, **params) if params else self.params,
            **{name: getattr(self, name)[runs] for name in self._batched_arrays},
        )
        for name in ("effective_capability", "boldness"):  # worked out once for the whole batch
            subset.__dict__[name] = runs_of(getattr(self, name), runs, _UNBATCHED_NDIM[name])
        return subset

    @cached_property
    def _batched_arrays(self) -> tuple[str, ...]:
        return tuple(
            name
            for name, ndim in _UNBATCHED_NDIM.items()
            if name in self.__dataclass_fields__ and np.ndim(getattr(self, name)) > ndim
        )

    @cached_property
    def _batched_params(self) -> tuple[str, ...]:
        return tuple(name for name in param_names(ModelParams) if np.ndim(getattr(self.params, name)) > 0)


@dataclass(frozen=True, kw_only=True)
class CrisisState:
    """Everything that changes day to day (see docs/ODD.md, state variables)."""

    trust: np.ndarray
    grievance: np.ndarray
    standing: np.ndarray
    holding: np.ndarray
    shares: np.ndarray
    streak: np.ndarray
    on_table: np.ndarray
    support: np.ndarray
    agreed: np.ndarray
    agreed_day: np.ndarray
    rupture_day: np.ndarray

    def for_runs(self, runs: np.ndarray) -> CrisisState:
        """The state of some runs of a one-axis batch (`runs` indexes it)."""
        return CrisisState(**{field.name: getattr(self, field.name)[runs] for field in fields(self)})


_MATRICES = ("baseline_trust", "kin", "utility", "sponsors", "boldness")
_UNBATCHED_NDIM = {  # the number of axes of each array input of one run
    name: 2 if name in _MATRICES else 1
    for name in (*(field.name for field in fields(RuleInputs)), "effective_capability", "boldness")
    if name not in ("params", "rupture_pair")
}


def initial_state(inputs: RuleInputs, on_table: np.ndarray, batch_shape: tuple[int, ...] = ()) -> CrisisState:
    """Day-0 state: baseline trust, no grievances, influence shares at their target."""
    n = inputs.baseline_trust.shape[-1]
    trust_now = np.broadcast_to(inputs.baseline_trust, (*batch_shape, n, n)).copy()
    shares = _target_shares(trust_now, inputs)
    table = np.broadcast_to(on_table, (*batch_shape, on_table.shape[-1])).copy()
    state = CrisisState(
        trust=trust_now,
        grievance=np.zeros_like(trust_now),
        standing=np.zeros_like(trust_now),
        holding=np.zeros(trust_now.shape, dtype=bool),
        shares=shares,
        streak=np.zeros(table.shape, dtype=np.int64),
        on_table=table,
        support=np.zeros(table.shape),
        agreed=np.full(batch_shape, -1),
        agreed_day=np.full(batch_shape, -1),
        rupture_day=np.full(batch_shape, -1),
    )
    return replace(state, support=_corridor(state, inputs)[0])


def advance(state: CrisisState, events: DayEvents, inputs: RuleInputs, normal: np.ndarray, day: int) -> CrisisState:
    """Apply a day's events and the daily dynamics; `normal` is the day's [..., n, n] draws."""
    p = inputs.params
    trust_now, grievance = _take_in_where_touched(state.trust, state.grievance, events, inputs)
    standing, holding = _ladder(state, events, inputs.keep)
    trust_now = trust.relax(trust_now, inputs.baseline_trust, inputs.keep)
    trust_now = trust.balance_drift(trust_now, p.balance_rate)
    trust_now = trust.add_noise(trust_now, normal, p.noise_sd)
    shares = influence.step_shares(state.shares, _target_shares(trust_now, inputs), p.influence_rate)
    state = replace(
        state,
        trust=trust_now,
        grievance=trust.fade(grievance, inputs.keep),
        standing=standing,
        holding=holding,
        shares=shares,
        on_table=state.on_table | events.proposed,
    )
    return _negotiate(state, inputs, day)


def take_in(
    trust_now: np.ndarray, grievance: np.ndarray, events: DayEvents, inputs: RuleInputs
) -> tuple[np.ndarray, np.ndarray]:
    """Trust and grievance after the day's events: witnessed, felt, forgiven and settled.

    Where a run has no events, this returns its trust and grievance exactly as they were (no
    impulse, no hurt, nothing forgiven or settled).
    """
    p = inputs.params
    weights = trust.observer_weights(trust_now, inputs.kin)
    seen_hostility = trust.witnessed(weights, events.hostility)
    seen_cooperation = trust.witnessed(weights, events.cooperation)
    hurt = trust.hurt(events.hostility, seen_hostility, inputs.sensitivity, p.solidarity)
    impulse = trust.event_impulse(events.cooperation, seen_cooperation, hurt, p.solidarity)
    grievance = trust.update_grievance(grievance, hurt, events.cooperation, p.forgiveness)
    grievance = trust.settle_accounts(grievance, events.severity_dealt, p.catharsis)
    return trust.apply_impulse(trust_now, impulse, p.trust_rate), grievance


def _take_in_where_touched(
    trust_now: np.ndarray, grievance: np.ndarray, events: DayEvents, inputs: RuleInputs
) -> tuple[np.ndarray, np.ndarray]:
    """`take_in`, computed only for the runs the day's events touch (`events.touched`).

    Untouched runs keep their trust and grievance, as `take_in` would leave them, so this
    changes no number; on a one-axis batch where most runs are quiet it saves most of the work.
    """
    touched = events.touched
    if not touched.any():
        return trust_now, grievance
    if touched.ndim != 1 or trust_now.ndim != 3 or touched.all():
        return take_in(trust_now, grievance, events, inputs)
    runs = np.flatnonzero(touched)
    taken_trust, taken_grievance = take_in(
        trust_now[runs], grievance[runs], events.for_runs(runs), inputs.for_runs(runs)
    )
    trust_now, grievance = trust_now.copy(), grievance.copy()
    trust_now[runs], grievance[runs] = taken_trust, taken_grievance
    return trust_now, grievance


def _ladder(state: CrisisState, events: DayEvents, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Yesterday's standing rungs fade with memory, then today's rungs raise them."""
    standing = np.maximum(trust.fade(state.standing, keep), events.rung)
    holding = (state.holding | events.detained) & ~events.released
    if events.agreed.any():  # an agreement restores relations between its two parties
        peace = events.agreed | np.swapaxes(events.agreed, -1, -2)
        standing = np.where(peace, 0.0, standing)
        holding &= ~peace
    return standing, holding


def _target_shares(trust_now: np.ndarray, inputs: RuleInputs) -> np.ndarray:
    p = inputs.params
    trust_in_powers = trust_now[..., STATE_ROWS, :][..., POWER_COLUMNS]
    reach = inputs.effective_capability[..., POWER_COLUMNS]
    return influence.target_shares(trust_in_powers, reach, p.influence_trust_weight, p.influence_capability_weight)


def _corridor(state: CrisisState, inputs: RuleInputs) -> tuple[np.ndarray, np.ndarray]:
    p = inputs.params
    utility = corridor.effective_utility(inputs.utility, state.trust, inputs.sponsors, p.sponsor_trust_weight)
    pressure = corridor.lobbying(
        state.shares, inputs.engagement[..., POWER_COLUMNS], utility[..., POWER_COLUMNS, :], p.lobby_weight
    )
    states_utility = utility[..., STATE_ROWS, :]
    return corridor.support(states_utility, pressure), corridor.acceptance(states_utility, pressure, state.on_table)


def _negotiate(state: CrisisState, inputs: RuleInputs, day: int) -> CrisisState:
    support, accepts = _corridor(state, inputs)
    streak = corridor.step_streak(state.streak, accepts, support)
    open_talks = state.agreed < 0
    done = open_talks & (max_last(streak) >= inputs.params.agreement_days)
    return replace(
        state,
        support=support,
        streak=np.where(open_talks[..., None], streak, state.streak),
        agreed=np.where(done, np.argmax(streak, axis=-1), state.agreed),
        agreed_day=np.where(done, day, state.agreed_day),
        rupture_day=_rupture(state, inputs, day),
    )


def _rupture(state: CrisisState, inputs: RuleInputs, day: int) -> np.ndarray:
    """The rupture day: first day one side of the pair has both lost and cut relations.

    That is: it trusts the other at or below `rupture_trust` and stands at rung 3 or above
    against it.
    """
    a, b = inputs.rupture_pair
    broken = _breaks_with(state, inputs, a, b) | _breaks_with(state, inputs, b, a)
    return np.where((state.rupture_day < 0) & broken, day, state.rupture_day)


def _breaks_with(state: CrisisState, inputs: RuleInputs, i: int, j: int) -> np.ndarray:
    distrusts = state.trust[..., i, j] <= inputs.params.rupture_trust
    return distrusts & relations_cut(state.standing[..., i, j])


def actor_view(state: CrisisState, inputs: RuleInputs, me: int) -> dict[str, Any]:
    """The keyword arguments of `choose_response` for actor `me` (its own slice of the state)."""
    return {
        "grievance_mine": state.grievance[..., me, :],
        "excess_mine": grievance_excess(state.grievance[..., me, :], inputs.threshold[..., me, None]),
        "excess_at_me": grievance_excess(state.grievance[..., :, me], inputs.threshold),
        "reciprocity_mine": inputs.reciprocity[..., me],
        "restraint_mine": inputs.restraint[..., me],
        "conciliation_mine": inputs.conciliation[..., me],
        "boldness_mine": inputs.boldness[..., me, :],
        "standing_mine": state.standing[..., me, :],
        "standing_at_me": state.standing[..., :, me],
        "holding_mine": state.holding[..., me, :],
        "max_rung_step": inputs.params.max_rung_step,
    }


def pairs_view(state: CrisisState, inputs: RuleInputs, runs: np.ndarray, actors: np.ndarray) -> dict[str, Any]:
    """`actor_view` of chosen (run, actor) pairs of a one-axis batch, along one pair axis.

    Pair k is actor `actors[k]` of run `runs[k]`; each argument of `choose_response` gets a
    leading pair axis, whose entry k holds that actor's own slice of that run's state and
    inputs, exactly as `actor_view(state of that run, inputs of that run, that actor)` gives it.
    """
    threshold_mine = _of_pairs(inputs.threshold, runs, actors, 1)
    grievance_mine = state.grievance[runs, actors]
    return {
        "grievance_mine": grievance_mine,
        "excess_mine": grievance_excess(grievance_mine, threshold_mine[..., None]),
        "excess_at_me": grievance_excess(state.grievance[runs, :, actors], runs_of(inputs.threshold, runs, 1)),
        "reciprocity_mine": _of_pairs(inputs.reciprocity, runs, actors, 1),
        "restraint_mine": _of_pairs(inputs.restraint, runs, actors, 1),
        "conciliation_mine": _of_pairs(inputs.conciliation, runs, actors, 1),
        "boldness_mine": _of_pairs(inputs.boldness, runs, actors, 2),
        "standing_mine": state.standing[runs, actors],
        "standing_at_me": state.standing[runs, :, actors],
        "holding_mine": state.holding[runs, actors],
        "max_rung_step": runs_of(np.asarray(inputs.params.max_rung_step), runs, 0),
    }


def all_actors_choose(state: CrisisState, inputs: RuleInputs, draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every actor's `choose_response` for the next day, over a one-axis batch: (action, target) [runs, n].

    `draws` are the day's uniform draws [runs, n, 2]. Only the actors that can act (`able_to_act`)
    are computed, all at once along one axis of (run, actor) pairs (`pairs_view`); the others do
    nothing, as `choose_response` would decide for them.
    """
    action = np.full(state.grievance.shape[:-1], NO_ACTION, dtype=np.int64)
    target = np.full_like(action, NO_ACTION)
    runs, actors = np.nonzero(able_to_act(state.grievance, inputs.threshold, state.standing))
    if runs.size:
        view = pairs_view(state, inputs, runs, actors)
        action[runs, actors], target[runs, actors] = choose_response(actors, **view, draws=draws[runs, actors])
    return action, target


def _of_pairs(values: np.ndarray | float, runs: np.ndarray, actors: np.ndarray, unbatched_ndim: int) -> np.ndarray:
    """values[run, actor] of each pair if `values` has a batch axis, else values[actor] (shared by all runs)."""
    return values[runs, actors] if np.ndim(values) > unbatched_ndim else values[actors]
