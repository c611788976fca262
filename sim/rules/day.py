"""One day of the model, in order, over arrays with any leading batch axes.

`CrisisState` holds everything that changes; `RuleInputs` everything that does not (per-actor
dispositions, capabilities, utilities, baseline trust, model parameters). `advance` applies a
day's `DayEvents` and the daily dynamics; `all_actors_choose` makes every actor's choice for the
next day at once. The day loop of both engines (`sim.core.Simulation`) calls them in that order.
`actor_view` hands one actor the slice of the state that `sim.rules.responses.choose_response`
(the one-actor form of the rule, a reference for the tests) takes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sim.actors import POWER_INDEX, STATE_INDEX
from sim.cameo import RELATIONS_CUT_RUNG
from sim.parameters import ModelParams, param_names
from sim.rules import corridor, influence, routine, trust
from sim.rules.batch import at, kernel, on_runs, runs_of
from sim.rules.events import DayEvents
from sim.rules.responses import (
    boldness,
    choose_every_response,
    escalation_restraint,
    grievance_excess,
    relations_cut,
)
from sim.rules.shapes import core_ndims, derived, per_actor, per_pair, read_only, scalar
from sim.rules.short_axis import max_last

RELATIONS_CUT_FLOOR = float(RELATIONS_CUT_RUNG)  # a cut standing fades no lower (`_ladder`)
STATE_ROWS = list(STATE_INDEX)  # actor-axis indices of the two states, in share-row order
POWER_COLUMNS = list(POWER_INDEX)  # actor-axis indices of the six powers, in share-column order
PEACE_PAIR = (STATE_INDEX[0], STATE_INDEX[1])  # the parties of the peace treaty track: AZE, ARM


@dataclass(frozen=True, kw_only=True)
class RuleInputs:
    """What stays fixed during a run.

    Each array field declares its shape in one run (`per_actor`: [n], `per_pair`: [n, n]);
    any axes before those are batch axes, present only where runs differ. `for_runs` and the
    kernels read the shapes from these declarations (`sim.rules.shapes`), so a new input is one
    new field here and its value in `sim.inputs.rule_inputs`.
    """

    params: ModelParams
    baseline_trust: np.ndarray = per_pair()
    kin: np.ndarray = per_pair()
    dependence: np.ndarray = per_pair()  # [i, j]: what i loses from a break with j (sim.interdependence)
    routine_cooperation: np.ndarray = per_pair()  # [i, j]: daily base rate of i's routine cooperative acts toward j
    routine_friction: np.ndarray = per_pair()  # [i, j]: daily base rate of i's routine criticism of j
    ties: np.ndarray = per_pair()  # [state, power]: external ties' shares (sim.interdependence)
    sensitivity: np.ndarray = per_actor()
    reciprocity: np.ndarray = per_actor()
    threshold: np.ndarray = per_actor()
    keep: np.ndarray = per_actor()
    capability: np.ndarray = per_actor()
    presence: np.ndarray = per_actor()
    distraction: np.ndarray = per_actor()
    engagement: np.ndarray = per_actor()
    position: np.ndarray = per_actor()  # corridor position on the dimension of control
    salience: np.ndarray = per_actor()  # corridor salience
    reservation: np.ndarray = per_actor()  # [state]: the principals' reservation values at the start
    arrangement_position: np.ndarray = per_actor()  # [arrangement]: NaN for the status quo
    sponsors: np.ndarray = per_pair()  # [arrangement, actor]: True where the actor sponsors it
    rupture_pair: tuple[int, int]
    reciprocal: bool = False  # the null model: actors answer in kind (sim.rules.reciprocity), no trust

    @derived(core_ndim=1)
    def effective_capability(self) -> np.ndarray:
        """Capability reaching the region, per actor."""
        return influence.effective_capability(self.capability, self.presence, self.distraction)

    @derived(core_ndim=1)
    def forecast_weight(self) -> np.ndarray:
        """Capability x salience of each actor: its weight in the corridor forecast and support."""
        return self.effective_capability * self.salience

    @derived(core_ndim=2)
    def boldness(self) -> np.ndarray:
        """boldness[..., i, j] of each actor toward each other, from backed capability (fixed during a run)."""
        return boldness(self.effective_capability, self.kin, self.params.deterrence)

    @derived(core_ndim=2)
    def restraint(self) -> np.ndarray:
        """restraint[..., i, j]: the damping of i's answers to j by what escalation would cost i."""
        return escalation_restraint(self.dependence, self.params.escalation_cost)

    @derived(core_ndim=2)
    def anchor(self) -> np.ndarray:
        """Where trust relaxes to: the baseline, less the mean pull of routine acts (so it rests on the baseline)."""
        return routine.relaxation_anchor(self, self.params.routine_scale)

    def for_runs(self, runs: np.ndarray) -> RuleInputs:
        """These inputs for some runs of a one-axis batch (`runs` indexes it); shared inputs stay shared."""
        params = {name: getattr(self.params, name)[runs] for name in self._batched_params}
        sliced = {name: runs_of(getattr(self, name), runs, ndim) for name, ndim in core_ndims(RuleInputs).items()}
        derived_values = {name: sliced.pop(name) for name in _DERIVED}  # worked out once for the whole batch
        subset = replace(self, params=replace(self.params, **params) if params else self.params, **sliced)
        subset.__dict__.update(derived_values)
        return subset

    @property
    def _batched_params(self) -> tuple[str, ...]:
        return tuple(name for name in param_names(ModelParams) if np.ndim(getattr(self.params, name)) > 0)


@dataclass(frozen=True, kw_only=True)
class CrisisState:
    """Everything that changes day to day (see docs/ODD.md, state variables), over a batch of runs."""

    trust: np.ndarray = per_pair()
    grievance: np.ndarray = per_pair()
    standing: np.ndarray = per_pair()
    holding: np.ndarray = per_pair()
    shares: np.ndarray = per_pair()  # [..., state, power]
    streak: np.ndarray = per_actor()  # [..., arrangement]
    on_table: np.ndarray = per_actor()
    support: np.ndarray = per_actor()  # NaN for an arrangement not on the table
    reservation: np.ndarray = per_actor()  # [..., state]: the principals' reservation values
    progress: np.ndarray = scalar()  # treaty progress of the AZE-ARM peace track, in [0, 1]
    agreed: np.ndarray = scalar()
    agreed_day: np.ndarray = scalar()
    cut_since: np.ndarray = scalar()  # first day of the current cut between the rupture pair (-1: not cut)
    rupture_day: np.ndarray = scalar()
    ruptures: np.ndarray = scalar()
    restored_day: np.ndarray = scalar()

    def as_batch(self) -> CrisisState:
        """One run's state as a batch of one (a leading run axis of length 1), as read-only views."""
        return CrisisState(**{name: read_only(getattr(self, name)[None]) for name in core_ndims(CrisisState)})


_DERIVED = frozenset(core_ndims(RuleInputs)) - {name for name in RuleInputs.__dataclass_fields__}


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
        reservation=np.broadcast_to(inputs.reservation, (*batch_shape, len(STATE_ROWS))).copy(),
        progress=np.broadcast_to(np.asarray(inputs.params.initial_progress, dtype=float), batch_shape).copy(),
        agreed=np.full(batch_shape, -1),
        agreed_day=np.full(batch_shape, -1),
        cut_since=np.full(batch_shape, -1),
        rupture_day=np.full(batch_shape, -1),
        ruptures=np.zeros(batch_shape, dtype=np.int64),
        restored_day=np.full(batch_shape, -1),
    )
    return replace(state, support=_corridor(state, inputs)[0])


def advance(
    state: CrisisState, events: DayEvents, inputs: RuleInputs, seeds: np.ndarray | int, day: int
) -> CrisisState:
    """Apply a day's events and the daily dynamics; the noise is drawn from the runs' `seeds` for `day`."""
    p = inputs.params
    trust_now, grievance = _take_in_where_touched(state.trust, state.grievance, events, inputs)
    standing, holding = _ladder(state, events, inputs.keep)
    trust_now = trust.relax(trust_now, inputs.anchor, inputs.keep)
    trust_now = trust.balance_drift(trust_now, inputs.baseline_trust, p.balance_rate)
    trust_now = trust.add_noise(trust_now, seeds, day, p.noise_sd)
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
    return _rupture(_negotiate(state, events, inputs, day), inputs, day)


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
    """Yesterday's standing rungs fade with memory, then today's rungs raise them.

    A standing that cuts relations (above 2.5) fades no lower than the freeze rung (3): frozen
    channels stay frozen until someone restores them. Detentions start holding, releases end it,
    and an agreement restores relations between its two parties: their standing rungs drop to
    zero and they hold none of each other's nationals.
    """
    return on_runs(
        _ladder_kernel,
        (state.standing, 2),
        (state.holding, 2),
        (events.rung, 2),
        (events.detained, 2),
        (events.released, 2),
        (events.agreed, 2),
        (keep, 1),
    )


@kernel
def _ladder_kernel(runs, standing, holding, rung, detained, released, agreed, keep):
    n = standing.shape[-1]
    standing_now, holding_now = np.empty((runs, n, n)), np.empty((runs, n, n), dtype=np.bool_)
    for r in range(runs):
        s, h, u, k = at(standing, r), at(holding, r), at(rung, r), at(keep, r)
        d, e, a = at(detained, r), at(released, r), at(agreed, r)
        for i in range(n):
            for j in range(n):
                peace = agreed[a, i, j] or agreed[a, j, i]
                faded = standing[s, i, j] * keep[k, i]  # `trust.fade`
                if relations_cut(standing[s, i, j]):
                    faded = max(faded, RELATIONS_CUT_FLOOR)
                faded = max(faded, rung[u, i, j])
                standing_now[r, i, j] = 0.0 if peace else faded
                holding_now[r, i, j] = (holding[h, i, j] or detained[d, i, j]) and not released[e, i, j] and not peace
    return standing_now, holding_now


def _target_shares(trust_now: np.ndarray, inputs: RuleInputs) -> np.ndarray:
    p = inputs.params
    trust_in_powers = trust_now[..., STATE_ROWS, :][..., POWER_COLUMNS]
    reach = inputs.effective_capability[..., POWER_COLUMNS]
    return influence.target_shares(
        trust_in_powers,
        reach,
        p.influence_trust_weight,
        p.influence_capability_weight,
        ties=inputs.ties,
        tie_weight=p.influence_tie_weight,
    )


def _corridor(state: CrisisState, inputs: RuleInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's support, acceptance [..., state, arrangement] and closeness to the forecast."""
    p = inputs.params
    principals = inputs.position[..., STATE_ROWS]
    band = corridor.radius(
        state.reservation, principals, inputs.salience[..., STATE_ROWS], state.progress, p.peace_widening
    )
    trust_in_sponsors = corridor.lowest_trust_in_sponsors(state.trust[..., STATE_ROWS, :], inputs.sponsors)
    accepts = corridor.acceptance(
        band, principals, trust_in_sponsors, p.sponsor_trust_floor, inputs.arrangement_position, state.on_table
    )
    weight = inputs.forecast_weight
    support = corridor.support(inputs.arrangement_position, inputs.position, weight, state.on_table)
    score = corridor.closeness_to_forecast(inputs.arrangement_position, corridor.forecast(inputs.position, weight))
    return support, accepts, score


def _negotiate(state: CrisisState, events: DayEvents, inputs: RuleInputs, day: int) -> CrisisState:
    """The corridor's day: pressure on the reservations, acceptance, streaks, agreement, treaty progress."""
    p = inputs.params
    open_talks = state.agreed < 0
    pulled = corridor.pull_reservations(
        state.reservation,
        state.shares,
        inputs.engagement[..., POWER_COLUMNS] * inputs.salience[..., POWER_COLUMNS],
        inputs.position[..., POWER_COLUMNS],
        inputs.salience[..., STATE_ROWS],
        p.concession_rate,
    )
    state = replace(state, reservation=np.where(open_talks[..., None], pulled, state.reservation))
    support, accepts, score = _corridor(state, inputs)
    streak = corridor.step_streak(state.streak, accepts, score)
    done = open_talks & (max_last(streak) >= p.agreement_days)
    progress = corridor.step_progress(
        state.progress, events.cooperation, events.hostility, PEACE_PAIR, p.progress_rate, done, p.corridor_progress
    )
    return replace(
        state,
        support=support,
        progress=progress,
        streak=np.where(open_talks[..., None], streak, state.streak),
        agreed=np.where(done, np.argmax(streak, axis=-1), state.agreed),
        agreed_day=np.where(done, day, state.agreed_day),
    )


def _rupture(state: CrisisState, inputs: RuleInputs, day: int) -> CrisisState:
    """Track the cut between the rupture pair, and date its ruptures and restorations (observable events only).

    Relations are cut while either side stands at the freeze rung or above against the other or
    holds the other's nationals. A cut that has lasted `rupture_days` days is a rupture, dated to
    the cut's first day (`rupture_day`: the first rupture; `ruptures` counts them). Relations are
    restored on the first day a rupture's cut no longer holds (an agreement, with releases);
    `restored_day` dates the end of the latest rupture, and is cleared when a new one begins.
    """
    a, b = inputs.rupture_pair
    cut = (
        relations_cut(state.standing[..., a, b])
        | relations_cut(state.standing[..., b, a])
        | state.holding[..., a, b]
        | state.holding[..., b, a]
    )
    length = inputs.params.rupture_days
    was_rupture = (state.cut_since >= 0) & (day - state.cut_since >= length)  # yesterday's cut, if it was one
    cut_since = np.where(cut, np.where(state.cut_since < 0, day, state.cut_since), -1)
    begins = cut & (day - cut_since + 1 == length)
    return replace(
        state,
        cut_since=cut_since,
        rupture_day=np.where(begins & (state.rupture_day < 0), cut_since, state.rupture_day),
        ruptures=state.ruptures + begins,
        restored_day=np.where(begins, -1, np.where(was_rupture & ~cut, day, state.restored_day)),
    )


def actor_view(state: CrisisState, inputs: RuleInputs, me: int) -> dict[str, Any]:
    """The keyword arguments of `choose_response` for actor `me` (its own slice of the state)."""
    p = inputs.params
    return {
        "grievance_mine": state.grievance[..., me, :],
        "excess_mine": grievance_excess(state.grievance[..., me, :], inputs.threshold[..., me, None]),
        "excess_at_me": grievance_excess(state.grievance[..., :, me], inputs.threshold),
        "reciprocity_mine": inputs.reciprocity[..., me],
        "restraint_mine": inputs.restraint[..., me, :],
        "dependence_mine": inputs.dependence[..., me, :],
        "boldness_mine": inputs.boldness[..., me, :],
        "standing_mine": state.standing[..., me, :],
        "standing_at_me": state.standing[..., :, me],
        "holding_mine": state.holding[..., me, :],
        "held_from_me": state.holding[..., :, me],
        "thaw_rate": p.thaw_rate,
        "audience_cost": p.audience_cost,
        "max_rung_step": p.max_rung_step,
    }


def all_actors_choose(
    state: CrisisState, inputs: RuleInputs, seeds: np.ndarray | int, day: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every actor's `choose_response` for the next day: (action, target), each [..., n].

    Each actor's draws are the runs' numbers for (`day`, CHOICE) (`sim.rules.stream`). The same
    choices as asking each actor with its `actor_view`, made at once from the whole state
    (`choose_every_response`).
    """
    p = inputs.params
    return choose_every_response(
        state.grievance,
        inputs.threshold,
        inputs.reciprocity,
        inputs.restraint,
        inputs.dependence,
        inputs.boldness,
        state.standing,
        state.holding,
        p.thaw_rate,
        p.audience_cost,
        p.max_rung_step,
        seeds,
        day,
    )
