"""One run's trust and grievance steps of the fused day (`sim.rules.fused`): events, take-in, ladder, drift, noise.

Each step is the rule-by-rule function it names (`sim.rules.trust`, `sim.rules.day`) on one run
r of the batch, in place, with the same formulas in the same order. Steps are compiled into the
pass that calls them (`inline_kernel`) and index the batch's arrays without making views (whose
reference counting would cost more than the work).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.cameo import AGREEMENT_ID, DETAIN_RUNG, N_RUNGS, RELEASE_ID, RESPONSE_GOLDSTEIN
from sim.rules.batch import at, inline_kernel
from sim.rules.fused_arrays import (
    BALANCE_RATE,
    CAPABILITY_WEIGHT,
    CATHARSIS,
    FORGIVENESS,
    POWERS,
    RELATIONS_CUT_FLOOR,
    SOLIDARITY,
    STATES,
    TIE_WEIGHT,
    TRUST_RATE,
    TRUST_WEIGHT,
)
from sim.rules.matrix_product import product
from sim.rules.responses import relations_cut
from sim.rules.routine import COOPERATION_WEIGHT, FRICTION_WEIGHT
from sim.rules.stream import noise_index, normal


class Day(NamedTuple):
    """One run's events of the day and working arrays, [n, n] unless said (reused from run to run)."""

    hostility: np.ndarray  # [victim, actor], as `DayEvents`
    cooperation: np.ndarray
    dealt: np.ndarray  # [actor, victim]: `severity_dealt`
    rung: np.ndarray  # [actor, target]: the rung of the day's act (0: none), as a number
    ladder: np.ndarray  # [3, actor, target]: detained, released, peace (agreed by either)
    proposed: np.ndarray  # [arrangement]
    work: np.ndarray  # [3, n, n]: observer weights and products


def new_day(n: int, arrangements: int) -> Day:
    """Room for one run's day among `n` actors and `arrangements` arrangements, its events clear."""
    return Day(
        np.zeros((n, n)),
        np.zeros((n, n)),
        np.zeros((n, n)),
        np.zeros((n, n)),  # rungs as numbers: compared with standing levels
        np.zeros((3, n, n), dtype=np.bool_),
        np.zeros(arrangements, dtype=np.bool_),
        np.zeros((3, n, n)),
    )


@inline_kernel
def gather_events(r, queued, d, dirty):
    """Run r's responses and routine acts as the day's events (`response_events`, `with_routine`); touched?

    The event arrays are cleared first if `dirty` (a run without events leaves them clear).
    """
    n = d.hostility.shape[0]
    touched = False
    if dirty:
        _clear_events(d)
    for actor in range(n):
        chosen = queued.actions[r, actor]
        if chosen < 0:
            continue
        victim, goldstein = queued.targets[r, actor], RESPONSE_GOLDSTEIN[chosen]
        d.hostility[victim, actor] = max(-goldstein, 0.0) / 10.0
        d.cooperation[victim, actor] = max(goldstein, 0.0) / 10.0
        if chosen < N_RUNGS:
            d.dealt[actor, victim] = max(-goldstein, 0.0) / 10.0
            d.rung[actor, victim] = chosen + 1
        d.ladder[0, actor, victim] = chosen + 1 == DETAIN_RUNG
        d.ladder[1, actor, victim] = chosen == RELEASE_ID
        if chosen == AGREEMENT_ID:  # peace, both ways
            d.ladder[2, actor, victim], d.ladder[2, victim, actor] = True, True
        touched = True
    if not queued.routine[r]:
        return touched
    for v in range(n):  # routine acts, [victim, actor]
        for k in range(n):
            criticised, consulted = queued.criticises[r, k, v], queued.cooperates[r, k, v]
            d.hostility[v, k] = d.hostility[v, k] + criticised * FRICTION_WEIGHT
            d.cooperation[v, k] = d.cooperation[v, k] + consulted * COOPERATION_WEIGHT
            touched = touched | criticised | consulted
    return touched


@inline_kernel
def _clear_events(d):
    """No events in the day's arrays."""
    d.hostility[:] = 0.0  # one array at a time: each a vector fill
    d.cooperation[:] = 0.0
    d.dealt[:] = 0.0
    d.rung[:] = 0.0
    d.ladder[:] = False
    d.proposed[:] = False


@inline_kernel
def add_shared(shared, d):
    """The scripted and injected events added in front (`events.combine(shared, events)`)."""
    n = d.hostility.shape[0]
    for i in range(n):
        for j in range(n):
            d.hostility[i, j] = shared.hostility[0, i, j] + d.hostility[i, j]
            d.cooperation[i, j] = shared.cooperation[0, i, j] + d.cooperation[i, j]
            d.dealt[i, j] = shared.severity_dealt[0, i, j] + d.dealt[i, j]
            d.rung[i, j] = max(shared.rung[0, i, j], d.rung[i, j])
            d.ladder[0, i, j] = shared.detained[0, i, j] or d.ladder[0, i, j]
            d.ladder[1, i, j] = shared.released[0, i, j] or d.ladder[1, i, j]
            d.ladder[2, i, j] = shared.agreed[0, i, j] or shared.agreed[0, j, i] or d.ladder[2, i, j]
    for a in range(d.proposed.size):
        d.proposed[a] = shared.proposed[0, a]


@inline_kernel
def take_in(r, state, inputs, d):
    """`sim.rules.day.take_in` on run r's trust and grievance (in place)."""
    n = d.hostility.shape[0]
    trust, grievance, kin, felt = state.trust, state.grievance, inputs.kin, inputs.sensitivity
    c, f, p = at(kin, r), at(felt, r), at(inputs.rates, r)
    solidarity, forgiveness = inputs.rates[p, SOLIDARITY], inputs.rates[p, FORGIVENESS]
    catharsis, rate = inputs.rates[p, CATHARSIS], inputs.rates[p, TRUST_RATE]
    weights, seen_hostility, seen_cooperation = d.work[0], d.work[1], d.work[2]
    for t in range(n):  # `trust.observer_weights`
        for v in range(n):
            weights[t, v] = min(max(trust[r, t, v] + kin[c, t, v], 0.0), 1.0)
        weights[t, t] = 0.0
    product(weights, d.hostility, seen_hostility)  # `trust.witnessed`
    product(weights, d.cooperation, seen_cooperation)
    for i in range(n):  # every pair without branches (a vector loop), then the diagonal as the reference has it
        sensitive, own_trust = felt[f, i], trust[r, i, i]
        for j in range(n):
            hurt = sensitive * (d.hostility[i, j] + solidarity * seen_hostility[i, j])  # `trust.hurt`
            impulse = d.cooperation[i, j] + solidarity * seen_cooperation[i, j] - hurt
            relief = min(max(forgiveness * d.cooperation[i, j], 0.0), 1.0)  # `trust.update_grievance`
            held = grievance[r, i, j] * (1.0 - relief) + hurt
            grievance[r, i, j] = max(held - catharsis * d.dealt[i, j], 0.0)  # `trust.settle_accounts`
            step = min(max(rate * impulse, -1.0), 1.0)  # `trust.apply_impulse`
            trust[r, i, j] = trust[r, i, j] + step * (1.0 - _sign(step) * trust[r, i, j])
        grievance[r, i, i] = max(0.0 - catharsis * d.dealt[i, i], 0.0)  # no grievance against oneself
        step = min(max(rate * 0.0, -1.0), 1.0)  # no impulse toward oneself
        trust[r, i, i] = own_trust + step * (1.0 - _sign(step) * own_trust)


@inline_kernel
def _sign(value):
    """np.sign of a number that is not NaN, without branches (+1.0, -1.0, or a zero: its product with trust is zero)."""
    return (1.0 if value > 0.0 else 0.0) - (1.0 if value < 0.0 else 0.0)


@inline_kernel
def ladder(r, state, keep, k, d, threshold, q):
    """`sim.rules.day._ladder` and `trust.fade` of the grievances on run r (in place); `keep[k]` is its retention.

    Returns the actors able to act (`responses.able_to_act`) by the new grievances, standing and
    holdings against `threshold[q]`, as a bit mask (bit i: actor i), found while they are at hand.
    """
    n = d.rung.shape[0]
    standing, holding, ladder, grievance = state.standing, state.holding, d.ladder, state.grievance
    acting = 0
    for i in range(n):
        kept, limit, across = keep[k, i], threshold[q, i], 0
        for j in range(n):  # without branches: a vector loop
            grievance[r, i, j] = grievance[r, i, j] * kept
            level, peace = standing[r, i, j], ladder[2, i, j]  # peace: an agreement either way
            faded = level * kept
            faded = max(faded, RELATIONS_CUT_FLOOR) if relations_cut(level) else faded
            faded = max(faded, d.rung[i, j])
            standing[r, i, j] = 0.0 if peace else faded
            holding[r, i, j] = (holding[r, i, j] | ladder[0, i, j]) & (not ladder[1, i, j]) & (not peace)
            across = across | _bit(j, _can_act_over(grievance[r, i, j], limit, standing[r, i, j], holding[r, i, j]))
        acting = acting | across | _bit(i, across != 0)
    return acting


@inline_kernel
def fade(r, state, keep, k, threshold, q):
    """`ladder` on a day without events on run r: the grievances and standing levels fade (in place).

    Returns the actors able to act, as `ladder` does.
    """
    n = state.standing.shape[-1]
    standing, grievance, holding = state.standing, state.grievance, state.holding
    acting = 0
    for i in range(n):
        kept, limit, across = keep[k, i], threshold[q, i], 0
        for j in range(n):  # without branches: a vector loop
            grievance[r, i, j] = grievance[r, i, j] * kept
            level = standing[r, i, j]
            faded = level * kept
            standing[r, i, j] = max(faded, RELATIONS_CUT_FLOOR) if relations_cut(level) else faded
            across = across | _bit(j, _can_act_over(grievance[r, i, j], limit, standing[r, i, j], holding[r, i, j]))
        acting = acting | across | _bit(i, across != 0)
    return acting


@inline_kernel
def _bit(index, on):
    """The bit mask of `index` if `on`, else 0: arithmetic, so that a loop of them stays a vector loop."""
    return np.int64(on) << index


@inline_kernel
def _can_act_over(grievance, threshold, standing, holding):
    """Whether a pair lets both its actors act (`responses._mark_able`): a grievance, a cut, a holding.

    Bitwise on the three, without branches.
    """
    return np.int64(grievance > threshold) | np.int64(relations_cut(standing)) | np.int64(holding)


@inline_kernel
def drift(r, trust, inputs, k, d, key, spread):
    """`trust.relax` toward the anchor, `trust.balance_drift` and `trust.add_noise`, on run r's trust (in place).

    The noise's draws come from the day's NOISE stream `key`, and only where they can change a
    number: with a spread of zero, (+-0) + trust is trust for a trust other than zero. Each row
    is worked out in loops without branches (which the compiler makes vector loops), the noise
    and the diagonal after.
    """
    n = trust.shape[-1]
    anchor, keep, balance = inputs.anchor, inputs.keep, inputs.baseline_balance
    a, b = at(anchor, r), at(balance, r)
    off, moved = d.work[0], d.work[1]
    for i in range(n):
        kept = keep[k, i]
        for j in range(n):
            relaxed = (trust[r, i, j] - anchor[a, i, j]) * kept + anchor[a, i, j]
            trust[r, i, j], off[i, j] = relaxed, relaxed
        off[i, i] = 0.0
    product(off, off, moved)  # (T T), then the moved trust in its place
    scale = inputs.rates[at(inputs.rates, r), BALANCE_RATE] / (n - 2)
    for i in range(n):
        zero = False
        for j in range(n):
            t = trust[r, i, j]
            moved[i, j] = (moved[i, j] - balance[b, i, j]) * (1.0 - t * t) * scale + t
            trust[r, i, j] = min(max(moved[i, j], -1.0), 1.0)
            zero = zero | (moved[i, j] == 0.0)
        if spread != 0.0 or zero:
            for j in range(n):
                if j != i and (spread != 0.0 or moved[i, j] == 0.0):
                    noisy = min(max(normal(key, noise_index(i, j, n)), -3.0), 3.0) * spread + moved[i, j]
                    trust[r, i, j] = min(max(noisy, -1.0), 1.0)
        trust[r, i, i] = 1.0  # the noise resets the diagonal


@inline_kernel
def share_scores(r, trust, inputs, score):
    """The scores of `influence.target_shares` for run r, less their row maxima (before `exp`)."""
    p, c, t = at(inputs.rates, r), at(inputs.log_reach, r), at(inputs.log_ties, r)
    trust_weight, capability_weight = inputs.rates[p, TRUST_WEIGHT], inputs.rates[p, CAPABILITY_WEIGHT]
    tie_weight = inputs.rates[p, TIE_WEIGHT]
    for s in range(STATES.size):
        for q in range(POWERS.size):
            value = trust_weight * trust[r, STATES[s], POWERS[q]] + capability_weight * inputs.log_reach[c, q]
            score[r, s, q] = value + tie_weight * inputs.log_ties[t, s, q]
        top = score[r, s, 0]
        for q in range(1, POWERS.size):
            top = max(top, score[r, s, q])
        for q in range(POWERS.size):
            score[r, s, q] = score[r, s, q] - top


@inline_kernel
def lower_minimum(r, trust, trust_min, first):
    """The running minimum of run r's trust (`sim.recorder.Recorder`), started on the `first` day."""
    for i in range(trust.shape[1]):
        for j in range(trust.shape[2]):  # without branches: a vector loop
            t = trust[r, i, j]
            trust_min[r, i, j] = t if (first or t < trust_min[r, i, j]) else trust_min[r, i, j]
