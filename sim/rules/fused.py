"""The whole day of every run in two compiled passes: the rules of `sim.rules.day`, fused per run.

`sim.rules.day.advance` and `all_actors_choose` apply the day's rules one at a time over the
whole batch: each rule a pass over every run's arrays, with numpy glue between them. That is the
reference; the day loop (`sim.core.Simulation`) runs the same rules fused, one run at a time
while its arrays sit in cache, in place on the state, without the glue:

1. `open_day`: the day's events of each run (the responses chosen the day before, the routine
   acts drawn for the day, the scripted or injected events), taken in where they fall, the
   escalation ladder, relaxation, structural balance, the latent noise, the grievances' fading,
   and the scores of the influence shares' target (`influence.target_shares` before its `exp`);
2. `np.exp` of the scores, over the batch (numpy's, as in the reference);
3. `close_day`: the influence shares, the corridor's day and the rupture clock, the running trust
   minima, then (unless the day is the last) every actor's choice for the next day and the next
   day's routine acts, with the journal's rows of both.

Every number is the reference's, bit for bit (`tests/test_fused.py`,
`experiments/ensemble_digest.py`): the same formulas in the same order, numpy's 8 x 8 matrix
products as the chains of fused multiply-adds OpenBLAS makes them (`product`), its short sums
from the first term on. Work no number depends on is skipped: a run without events takes none
in, and the latent noise draws no number where its spread is zero (adding zero times a draw
changes no trust but a zero one, for which the draw is still made).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
from numba import types
from numba.extending import intrinsic

from sim.actors import POWER_INDEX, STATE_INDEX
from sim.cameo import AGREEMENT_ID, DETAIN_RUNG, N_RUNGS, RELEASE_ID, RESPONSE_GOLDSTEIN
from sim.corridor import NONE_INDEX
from sim.rules import corridor, influence
from sim.rules.batch import at, inline_kernel, kernel
from sim.rules.events import DayEvents
from sim.rules.responses import NO_ACTION, _choose, _mark_able, grievance_excess, relations_cut
from sim.rules.routine import COOPERATION_WEIGHT, FRICTION_WEIGHT
from sim.rules.stream import CHOICE, NOISE, ROUTINE, choice_index, day_key, noise_index, normal, routine_index, uniform

if TYPE_CHECKING:
    from sim.rules.day import CrisisState, RuleInputs

STATES = np.array(STATE_INDEX)  # actor-axis indices of the two states
POWERS = np.array(POWER_INDEX)  # actor-axis indices of the six powers
RELATIONS_CUT_FLOOR = 3.0  # `sim.rules.day.RELATIONS_CUT_FLOOR`


class DayInputs(NamedTuple):
    """What the fused day reads of `RuleInputs`, each [runs or 1, *core] (1: shared by all runs)."""

    kin: np.ndarray
    sensitivity: np.ndarray
    keep: np.ndarray
    anchor: np.ndarray
    baseline: np.ndarray
    baseline_balance: np.ndarray  # (B B) of `trust.balance_drift`, diagonal counted as zero
    log_reach: np.ndarray  # [., power]: log of the powers' effective capability
    log_ties: np.ndarray  # [., state, power]: log of the floored ties
    pull: np.ndarray  # [., power]: engagement x salience of the powers
    power_position: np.ndarray
    state_position: np.ndarray
    state_salience: np.ndarray
    sponsors: np.ndarray  # [., arrangement, actor]
    arrangement_position: np.ndarray
    support: np.ndarray  # [., arrangement]: `corridor.support` of every arrangement, as if on the table
    closeness: np.ndarray  # [., arrangement]: `corridor.closeness_to_forecast`
    threshold: np.ndarray
    reciprocity: np.ndarray
    restraint: np.ndarray
    dependence: np.ndarray
    boldness: np.ndarray
    routine_cooperation: np.ndarray
    routine_friction: np.ndarray
    rates: np.ndarray  # [., RATES]: the float parameters, in `RATES` order
    counts: np.ndarray  # [., COUNTS]: the integer parameters, in `COUNTS` order
    pair: np.ndarray  # [1, 2]: the rupture pair


RATES = (
    "solidarity",
    "forgiveness",
    "catharsis",
    "trust_rate",
    "balance_rate",
    "noise_sd",
    "influence_trust_weight",
    "influence_capability_weight",
    "influence_tie_weight",
    "influence_rate",
    "concession_rate",
    "peace_widening",
    "sponsor_trust_floor",
    "progress_rate",
    "corridor_progress",
    "thaw_rate",
    "audience_cost",
    "routine_scale",
    "agreement_days",
    "rupture_days",
)
(
    SOLIDARITY,
    FORGIVENESS,
    CATHARSIS,
    TRUST_RATE,
    BALANCE_RATE,
    NOISE_SD,
    TRUST_WEIGHT,
    CAPABILITY_WEIGHT,
    TIE_WEIGHT,
    INFLUENCE_RATE,
    CONCESSION_RATE,
    PEACE_WIDENING,
    SPONSOR_FLOOR,
    PROGRESS_RATE,
    CORRIDOR_PROGRESS,
    THAW_RATE,
    AUDIENCE_COST,
    ROUTINE_SCALE,
    AGREEMENT_DAYS,  # whole numbers, compared as the reference compares them
    RUPTURE_DAYS,
) = range(len(RATES))
COUNTS = ("max_rung_step",)  # integer parameters (truncated to int64, as `choose_every_response` does)
(MAX_RUNG_STEP,) = range(len(COUNTS))
NO_CHOICE, MODEL_CHOICE, CHOSEN = 0, 1, 2  # `close_day`'s `choice`: none (last day), the model's rule, made outside


class DayState(NamedTuple):
    """`CrisisState`'s arrays as [runs, *core] views, updated in place by the fused day."""

    trust: np.ndarray
    grievance: np.ndarray
    standing: np.ndarray
    holding: np.ndarray
    shares: np.ndarray
    streak: np.ndarray
    on_table: np.ndarray
    support: np.ndarray
    reservation: np.ndarray
    progress: np.ndarray
    agreed: np.ndarray
    agreed_day: np.ndarray
    cut_since: np.ndarray
    rupture_day: np.ndarray
    ruptures: np.ndarray
    restored_day: np.ndarray


class SharedEvents(NamedTuple):
    """A day's scripted and injected events (`DayEvents` without a batch axis), as [1, *core] arrays."""

    hostility: np.ndarray
    cooperation: np.ndarray
    severity_dealt: np.ndarray
    rung: np.ndarray
    detained: np.ndarray
    released: np.ndarray
    agreed: np.ndarray
    proposed: np.ndarray


class Queued(NamedTuple):
    """What the day before queued for the day, [runs, ...]: responses (-1: none) and routine acts."""

    actions: np.ndarray
    targets: np.ndarray
    cooperates: np.ndarray
    criticises: np.ndarray
    routine: np.ndarray  # [runs]: whether the run has any routine act


@intrinsic
def fused_multiply_add(typingctx, a, b, c):
    """The IEEE fused multiply-add a x b + c (rounded once), as BLAS kernels compute their sums of products."""
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, sig, args):
        return builder.fma(*args)

    return signature, codegen


@kernel
def product(left, right, out):
    """Set out = left @ right for n x n matrices, each entry the chain of fused multiply-adds over k in order.

    numpy hands such products to OpenBLAS, whose kernels accumulate each entry so; the result is
    numpy's bit for bit (tested in `tests/test_fused.py`). Eight actors' rows are summed eight
    entries at a time (`_product_rows_of_8`).
    """
    n = out.shape[0]
    if n == 8:
        _product_rows_of_8(left, right, out)
        return
    for i in range(n):
        for j in range(n):
            out[i, j] = 0.0
        for k in range(n):
            factor = left[i, k]
            for j in range(n):
                out[i, j] = fused_multiply_add(factor, right[k, j], out[i, j])


@inline_kernel
def _product_rows_of_8(left, right, out):
    """`product` of 8 x 8 matrices, the eight entries of a row in eight independent sums."""
    for i in range(8):
        s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
        for k in range(8):
            factor = left[i, k]
            s0 = fused_multiply_add(factor, right[k, 0], s0)
            s1 = fused_multiply_add(factor, right[k, 1], s1)
            s2 = fused_multiply_add(factor, right[k, 2], s2)
            s3 = fused_multiply_add(factor, right[k, 3], s3)
            s4 = fused_multiply_add(factor, right[k, 4], s4)
            s5 = fused_multiply_add(factor, right[k, 5], s5)
            s6 = fused_multiply_add(factor, right[k, 6], s6)
            s7 = fused_multiply_add(factor, right[k, 7], s7)
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = s0, s1, s2, s3
        out[i, 4], out[i, 5], out[i, 6], out[i, 7] = s4, s5, s6, s7


class Day(NamedTuple):
    """One run's events of the day and working arrays, [n, n] unless said (reused from run to run)."""

    hostility: np.ndarray  # [victim, actor], as `DayEvents`
    cooperation: np.ndarray
    dealt: np.ndarray  # [actor, victim]: `severity_dealt`
    rung: np.ndarray
    ladder: np.ndarray  # [3, actor, target]: detained, released, agreed
    proposed: np.ndarray  # [arrangement]
    work: np.ndarray  # [3, n, n]: observer weights and products


@kernel
def _new_day(n, arrangements):
    return Day(
        np.zeros((n, n)),
        np.zeros((n, n)),
        np.zeros((n, n)),
        np.zeros((n, n), dtype=np.int64),
        np.zeros((3, n, n), dtype=np.bool_),
        np.zeros(arrangements, dtype=np.bool_),
        np.zeros((3, n, n)),
    )


@inline_kernel
def _gather_events(r, queued, d, dirty):
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
        d.ladder[2, actor, victim] = chosen == AGREEMENT_ID
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
    n = d.hostility.shape[0]
    for i in range(n):
        for j in range(n):
            d.hostility[i, j], d.cooperation[i, j], d.dealt[i, j], d.rung[i, j] = 0.0, 0.0, 0.0, 0
            d.ladder[0, i, j], d.ladder[1, i, j], d.ladder[2, i, j] = False, False, False
    for a in range(d.proposed.size):
        d.proposed[a] = False


@inline_kernel
def _add_shared(shared, d):
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
            d.ladder[2, i, j] = shared.agreed[0, i, j] or d.ladder[2, i, j]
    for a in range(d.proposed.size):
        d.proposed[a] = shared.proposed[0, a]


@inline_kernel
def _take_in(r, state, inputs, d):
    """`sim.rules.day.take_in` on run r's trust and grievance (in place)."""
    n = d.hostility.shape[0]
    trust, grievance, kin, felt = state.trust, state.grievance, inputs.kin, inputs.sensitivity
    c, f, p = at(kin, r), at(felt, r), at(inputs.rates, r)
    solidarity, forgiveness = inputs.rates[p, SOLIDARITY], inputs.rates[p, FORGIVENESS]
    catharsis, rate = inputs.rates[p, CATHARSIS], inputs.rates[p, TRUST_RATE]
    weights, seen_hostility, seen_cooperation = d.work[0], d.work[1], d.work[2]
    for t in range(n):  # `trust.observer_weights`
        for v in range(n):
            weights[t, v] = 0.0 if t == v else min(max(trust[r, t, v] + kin[c, t, v], 0.0), 1.0)
    product(weights, d.hostility, seen_hostility)  # `trust.witnessed`
    product(weights, d.cooperation, seen_cooperation)
    for i in range(n):
        for j in range(n):
            hurt = felt[f, i] * (d.hostility[i, j] + solidarity * seen_hostility[i, j])  # `trust.hurt`
            impulse = 0.0 if i == j else d.cooperation[i, j] + solidarity * seen_cooperation[i, j] - hurt
            relief = min(max(forgiveness * d.cooperation[i, j], 0.0), 1.0)  # `trust.update_grievance`
            held = 0.0 if i == j else grievance[r, i, j] * (1.0 - relief) + hurt
            grievance[r, i, j] = max(held - catharsis * d.dealt[i, j], 0.0)  # `trust.settle_accounts`
            step = min(max(rate * impulse, -1.0), 1.0)  # `trust.apply_impulse`
            trust[r, i, j] = trust[r, i, j] + step * (1.0 - np.sign(step) * trust[r, i, j])


@inline_kernel
def _ladder(r, state, keep, k, d):
    """`sim.rules.day._ladder` and `trust.fade` of the grievances on run r (in place); `keep[k]` is its retention."""
    n = d.rung.shape[0]
    standing, holding, ladder, grievance = state.standing, state.holding, d.ladder, state.grievance
    for i in range(n):
        for j in range(n):
            grievance[r, i, j] = grievance[r, i, j] * keep[k, i]
            peace = ladder[2, i, j] | ladder[2, j, i]
            faded = standing[r, i, j] * keep[k, i]
            if relations_cut(standing[r, i, j]):
                faded = max(faded, RELATIONS_CUT_FLOOR)
            faded = max(faded, d.rung[i, j])
            held = (holding[r, i, j] | ladder[0, i, j]) & ~ladder[1, i, j] & ~peace
            standing[r, i, j] = 0.0 if peace else faded
            holding[r, i, j] = held


@inline_kernel
def _drift(r, trust, inputs, k, d, key, spread):
    """`trust.relax` toward the anchor, `trust.balance_drift` and `trust.add_noise`, on run r's trust (in place).

    The noise's draws come from the day's NOISE stream `key`, and only where they can change a
    number: with a spread of zero, (+-0) + trust is trust for a trust other than zero.
    """
    n = trust.shape[-1]
    anchor, keep, balance = inputs.anchor, inputs.keep, inputs.baseline_balance
    a, b = at(anchor, r), at(balance, r)
    off, through = d.work[0], d.work[1]
    for i in range(n):
        for j in range(n):
            trust[r, i, j] = (trust[r, i, j] - anchor[a, i, j]) * keep[k, i] + anchor[a, i, j]
            off[i, j] = 0.0 if i == j else trust[r, i, j]
    product(off, off, through)
    scale = inputs.rates[at(inputs.rates, r), BALANCE_RATE] / (n - 2)
    for i in range(n):
        for j in range(n):
            if i == j:
                trust[r, i, j] = 1.0  # the noise resets the diagonal
                continue
            t = trust[r, i, j]
            moved = (through[i, j] - balance[b, i, j]) * (1.0 - t * t) * scale + t
            if spread != 0.0 or moved == 0.0:
                moved = min(max(normal(key, noise_index(i, j, n)), -3.0), 3.0) * spread + moved
            trust[r, i, j] = min(max(moved, -1.0), 1.0)


@inline_kernel
def _share_scores(r, trust, inputs, score):
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


@kernel
def open_day(day, seeds, inputs, state, queued, shared, has_shared, score, net, kept_events, trust_min, first):
    """Step 1 of the fused day (module docstring) for every run, in place on `state`; lowers `trust_min`.

    `net` gets the peace pair's net cooperation of the day. Where `kept_events` has runs on its
    second axis, each run's hostility and cooperation of the day are kept in it ([0] and [1]),
    for the null model's choice.
    """
    runs, n = state.trust.shape[0], state.trust.shape[-1]
    d = _new_day(n, state.on_table.shape[-1])
    trust, keep = state.trust, inputs.keep
    a, b = STATES[0], STATES[1]
    dirty = True
    for r in range(runs):
        touched = _gather_events(r, queued, d, dirty)
        if has_shared:
            _add_shared(shared, d)
            touched = True
        if touched:
            _take_in(r, state, inputs, d)
        k = at(keep, r)
        _ladder(r, state, keep, k, d)
        key = day_key(seeds[r], day, NOISE)
        _drift(r, trust, inputs, k, d, key, inputs.rates[at(inputs.rates, r), NOISE_SD])
        _share_scores(r, trust, inputs, score)
        _lower_minimum(r, trust, trust_min, first)
        if has_shared:
            for x in range(d.proposed.size):
                state.on_table[r, x] = state.on_table[r, x] or d.proposed[x]
        net[r] = d.cooperation[a, b] + d.cooperation[b, a] - d.hostility[a, b] - d.hostility[b, a]
        if kept_events.shape[1] == runs:
            kept_events[0, r] = d.hostility
            kept_events[1, r] = d.cooperation
        dirty = touched


@inline_kernel
def _step_shares(r, shares, weight, rate):
    """`influence.target_shares` (normalised) and `influence.step_shares` for run r (in place)."""
    for s in range(shares.shape[1]):
        total = 0.0
        for p in range(shares.shape[2]):
            total += weight[r, s, p]
        for p in range(shares.shape[2]):
            shares[r, s, p] = shares[r, s, p] + rate * (weight[r, s, p] / total - shares[r, s, p])


@inline_kernel
def _pull_reservations(r, state, inputs, rate):
    """`corridor.pull_reservations` for run r (in place)."""
    s = at(inputs.state_salience, r)
    first = _pulled(r, 0, state, inputs, rate * (1.0 - inputs.state_salience[s, 0]))
    second = _pulled(r, 1, state, inputs, rate * (1.0 - inputs.state_salience[s, 1]))
    state.reservation[r, 0], state.reservation[r, 1] = first, second


@inline_kernel
def _pulled(r, principal, state, inputs, step):
    """A principal's reservation after the powers' pull, `step` the rate x (1 - its salience)."""
    u, x = at(inputs.pull, r), at(inputs.power_position, r)
    held, total = state.reservation[r, principal], 0.0
    for p in range(inputs.pull.shape[1]):
        total += state.shares[r, principal, p] * inputs.pull[u, p] * (inputs.power_position[x, p] - held)
    return held + step * total


@inline_kernel
def _accepted(r, a, state, inputs, widening, floor):
    """Whether both principals accept arrangement a in run r (`corridor.radius`, `corridor.acceptance`)."""
    x, s, k, w = (
        at(inputs.state_position, r),
        at(inputs.state_salience, r),
        at(inputs.sponsors, r),
        at(inputs.arrangement_position, r),
    )
    where = inputs.arrangement_position[w, a]
    for principal in range(inputs.state_position.shape[1]):
        position = inputs.state_position[x, principal]
        salience = inputs.state_salience[s, principal]
        band = abs(state.reservation[r, principal] - position) + widening * state.progress[r] * (1.0 - salience)
        if not abs(where - position) <= band:
            return False
        lowest = np.inf
        for sponsor in range(inputs.sponsors.shape[2]):
            if inputs.sponsors[k, a, sponsor]:
                lowest = min(lowest, state.trust[r, STATES[principal], sponsor])
        if not lowest > floor:
            return False
    return True


@inline_kernel
def _best_arrangement(r, state, inputs, widening, floor):
    """The arrangement both principals accept that is nearest the forecast (-1: none), as `corridor.step_streak`."""
    c = at(inputs.closeness, r)
    best = -1
    for a in range(state.on_table.shape[1]):
        if a == NONE_INDEX or not state.on_table[r, a]:
            continue
        if (best < 0 or inputs.closeness[c, a] > inputs.closeness[c, best]) and _accepted(
            r, a, state, inputs, widening, floor
        ):
            best = a
    return best


@inline_kernel
def _negotiate(r, day, state, inputs, net):
    """`sim.rules.day._negotiate` for run r (in place)."""
    p = at(inputs.rates, r)
    open_talks = state.agreed[r] < 0
    if open_talks:
        _pull_reservations(r, state, inputs, inputs.rates[p, CONCESSION_RATE])
    u = at(inputs.support, r)
    for a in range(state.support.shape[1]):
        state.support[r, a] = inputs.support[u, a] if state.on_table[r, a] else np.nan
    best = _best_arrangement(r, state, inputs, inputs.rates[p, PEACE_WIDENING], inputs.rates[p, SPONSOR_FLOOR])
    longest, longest_at = 0, 0  # the stepped streaks' maximum and its first argmax
    for a in range(state.streak.shape[1]):
        stepped = state.streak[r, a] + 1 if a == best else 0
        if stepped > longest:
            longest, longest_at = stepped, a
        if open_talks:
            state.streak[r, a] = stepped
    done = open_talks and longest >= inputs.rates[p, AGREEMENT_DAYS]
    moved = state.progress[r] + inputs.rates[p, PROGRESS_RATE] * net[r] + inputs.rates[p, CORRIDOR_PROGRESS] * done
    state.progress[r] = min(max(moved, 0.0), 1.0)
    if done:
        state.agreed[r], state.agreed_day[r] = longest_at, day


@inline_kernel
def _rupture(r, day, state, inputs):
    """`sim.rules.day._rupture` for run r (in place)."""
    a, b = inputs.pair[0, 0], inputs.pair[0, 1]
    length = inputs.rates[at(inputs.rates, r), RUPTURE_DAYS]
    standing, holding = state.standing, state.holding
    cut = relations_cut(standing[r, a, b]) | relations_cut(standing[r, b, a]) | holding[r, a, b] | holding[r, b, a]
    since = state.cut_since[r]
    was_rupture = since >= 0 and day - since >= length
    since = (day if since < 0 else since) if cut else -1
    begins = cut and day - since + 1 == length
    if begins and state.rupture_day[r] < 0:
        state.rupture_day[r] = since
    state.ruptures[r] += begins
    if begins:
        state.restored_day[r] = -1
    elif was_rupture and not cut:
        state.restored_day[r] = day
    state.cut_since[r] = since


class Mine(NamedTuple):
    """One actor's row and column of the state, as `choose_response` takes them (`sim.rules.day.actor_view`)."""

    grievance: np.ndarray
    excess: np.ndarray
    excess_at_me: np.ndarray
    restraint: np.ndarray
    dependence: np.ndarray
    boldness: np.ndarray
    standing: np.ndarray
    standing_at_me: np.ndarray
    holding: np.ndarray
    held: np.ndarray
    able: np.ndarray  # [actor]: whether each actor can act at all (`able_to_act`)


@kernel
def _new_mine(n):
    return Mine(
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n),
        np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.bool_),
        np.zeros(n, dtype=np.bool_),
    )


@inline_kernel
def _choose_all(r, day, seed, state, inputs, queued, mine):
    """`all_actors_choose` for run r: each able actor's action and target for the next day, into `queued`."""
    n = state.trust.shape[-1]
    g, t, s, h = state.grievance, inputs.threshold, state.standing, state.holding
    q = at(t, r)
    _mark_able(g, t, s, h, r, q, r, r, mine.able)
    key = day_key(seed, day, CHOICE)
    x, d, b = at(inputs.restraint, r), at(inputs.dependence, r), at(inputs.boldness, r)
    p, c = at(inputs.rates, r), at(inputs.counts, r)
    for me in range(n):
        queued.actions[r, me], queued.targets[r, me] = NO_ACTION, NO_ACTION
        if not mine.able[me]:
            continue
        for j in range(n):
            mine.grievance[j] = g[r, me, j]
            mine.excess[j] = grievance_excess(g[r, me, j], t[q, me])
            mine.excess_at_me[j] = grievance_excess(g[r, j, me], t[q, j])
            mine.restraint[j], mine.dependence[j] = inputs.restraint[x, me, j], inputs.dependence[d, me, j]
            mine.boldness[j], mine.standing[j], mine.standing_at_me[j] = (
                inputs.boldness[b, me, j],
                s[r, me, j],
                s[r, j, me],
            )
            mine.holding[j], mine.held[j] = h[r, me, j], h[r, j, me]
        queued.actions[r, me], queued.targets[r, me] = _choose(
            me,
            mine.grievance,
            mine.excess,
            mine.excess_at_me,
            inputs.reciprocity[at(inputs.reciprocity, r), me],
            mine.restraint,
            mine.dependence,
            mine.boldness,
            mine.standing,
            mine.standing_at_me,
            mine.holding,
            mine.held,
            inputs.rates[p, THAW_RATE],
            inputs.rates[p, AUDIENCE_COST],
            inputs.counts[c, MAX_RUNG_STEP],
            uniform(key, choice_index(me, 0)),
            uniform(key, choice_index(me, 1)),
        )


@inline_kernel
def _draw_routine(r, day, seed, inputs, queued):
    """`routine.draw_routine` for run r: the next day's routine acts, into `queued`; whether there is any."""
    n = queued.cooperates.shape[-1]
    key = day_key(seed, day, ROUTINE)
    c, f = at(inputs.routine_cooperation, r), at(inputs.routine_friction, r)
    times = inputs.rates[at(inputs.rates, r), ROUTINE_SCALE]
    made = False
    for i in range(n):
        for j in range(n):
            cooperates, criticises = False, False
            rate = inputs.routine_cooperation[c, i, j]
            if rate > 0.0:
                cooperates = uniform(key, routine_index(i, j, n, 0)) < times * rate
            rate = inputs.routine_friction[f, i, j]
            if rate > 0.0:
                criticises = uniform(key, routine_index(i, j, n, 1)) < times * rate
            queued.cooperates[r, i, j], queued.criticises[r, i, j] = cooperates, criticises
            made = made | cooperates | criticises
    queued.routine[r] = made
    return made


@inline_kernel
def _clear(r, queued):
    """Nothing queued for run r."""
    n = queued.actions.shape[1]
    for i in range(n):
        queued.actions[r, i], queued.targets[r, i] = NO_ACTION, NO_ACTION
        for j in range(n):
            queued.cooperates[r, i, j], queued.criticises[r, i, j] = False, False
    queued.routine[r] = False


@kernel
def close_day(day, seeds, inputs, state, weight, net, queued, choice, rows):
    """Step 3 of the fused day (module docstring) for every run.

    Unless `choice` is NO_CHOICE (the last day: `queued` is cleared), every actor's action for
    day + 1 (MODEL_CHOICE: by the model's rule, keyed by `day`; CHOSEN: already in `queued`) and
    the routine acts of day + 1 are written into `queued`, and `rows` gets the journal's rows of
    both: rows[0, :4] the responses (run, actor, action, target), rows[1, :3] the cooperative
    routine acts and rows[2, :3] the criticisms (run, actor, target), each in (run, actor,
    target) order. Returns how many rows of each.
    """
    runs = state.trust.shape[0]
    counted = np.zeros(3, dtype=np.int64)
    mine = _new_mine(state.trust.shape[-1])
    for r in range(runs):
        _step_shares(r, state.shares, weight, inputs.rates[at(inputs.rates, r), INFLUENCE_RATE])
        _negotiate(r, day, state, inputs, net)
        _rupture(r, day, state, inputs)
        if choice == NO_CHOICE:
            _clear(r, queued)
            continue
        if choice == MODEL_CHOICE:
            _choose_all(r, day, seeds[r], state, inputs, queued, mine)
        _row_responses(r, queued, rows, counted)
        if _draw_routine(r, day + 1, seeds[r], inputs, queued):
            _row_acts(r, queued.cooperates, rows, counted, 1)
            _row_acts(r, queued.criticises, rows, counted, 2)
    return counted


@inline_kernel
def _lower_minimum(r, trust, trust_min, first):
    """The running minimum of run r's trust (`sim.recorder.Recorder`), started on the `first` day."""
    for i in range(trust.shape[1]):
        for j in range(trust.shape[2]):
            if first or trust[r, i, j] < trust_min[r, i, j]:
                trust_min[r, i, j] = trust[r, i, j]


@inline_kernel
def _row_responses(r, queued, rows, counted):
    """Run r's responses as journal rows (`EventJournal.queue_responses`)."""
    for actor in range(queued.actions.shape[1]):
        if queued.actions[r, actor] != NO_ACTION:
            k = counted[0]
            rows[0, 0, k], rows[0, 1, k] = r, actor
            rows[0, 2, k], rows[0, 3, k] = queued.actions[r, actor], queued.targets[r, actor]
            counted[0] = k + 1


@inline_kernel
def _row_acts(r, acts, rows, counted, kind):
    """Run r's routine acts of one kind as journal rows (`EventJournal.queue_routine`)."""
    n = acts.shape[-1]
    for i in range(n):
        for j in range(n):
            if acts[r, i, j]:
                k = counted[kind]
                rows[kind, 0, k], rows[kind, 1, k], rows[kind, 2, k] = r, i, j
                counted[kind] = k + 1


def day_inputs(inputs: RuleInputs) -> DayInputs:
    """The fused day's view of `inputs` (worked out once per inputs: numpy's numbers, as the reference's)."""
    p = inputs.params
    states, powers = list(STATE_INDEX), list(POWER_INDEX)
    off_baseline = np.array(inputs.baseline_trust, dtype=float)
    n = off_baseline.shape[-1]
    off_baseline[..., np.arange(n), np.arange(n)] = 0.0
    weight = inputs.forecast_weight
    on_table = np.ones(np.shape(inputs.arrangement_position)[-1], dtype=bool)
    values = {
        "kin": (inputs.kin, 2),
        "sensitivity": (inputs.sensitivity, 1),
        "keep": (inputs.keep, 1),
        "anchor": (inputs.anchor, 2),
        "baseline": (inputs.baseline_trust, 2),
        "baseline_balance": (off_baseline @ off_baseline, 2),
        "log_reach": (np.log(inputs.effective_capability[..., powers]), 1),
        "log_ties": (np.log(np.maximum(inputs.ties, influence.TIE_FLOOR)), 2),
        "pull": (inputs.engagement[..., powers] * inputs.salience[..., powers], 1),
        "power_position": (inputs.position[..., powers], 1),
        "state_position": (inputs.position[..., states], 1),
        "state_salience": (inputs.salience[..., states], 1),
        "sponsors": (np.asarray(inputs.sponsors, dtype=np.bool_), 2),
        "arrangement_position": (inputs.arrangement_position, 1),
        "support": (corridor.support(inputs.arrangement_position, inputs.position, weight, on_table), 1),
        "closeness": (
            corridor.closeness_to_forecast(inputs.arrangement_position, corridor.forecast(inputs.position, weight)),
            1,
        ),
        "threshold": (inputs.threshold, 1),
        "reciprocity": (inputs.reciprocity, 1),
        "restraint": (inputs.restraint, 2),
        "dependence": (inputs.dependence, 2),
        "boldness": (inputs.boldness, 2),
        "routine_cooperation": (inputs.routine_cooperation, 2),
        "routine_friction": (inputs.routine_friction, 2),
        "rates": (_stacked([np.asarray(getattr(p, name), dtype=float) for name in RATES]), 1),
        "counts": (_stacked([np.asarray(getattr(p, name), dtype=np.int64) for name in COUNTS]), 1),
        "pair": (np.array(inputs.rupture_pair, dtype=np.int64), 1),
    }
    return DayInputs(**{name: _with_run_axis(value, core) for name, (value, core) in values.items()})


def _stacked(parameters: list[np.ndarray]) -> np.ndarray:
    """Scalar or per-run parameters as one [..., parameter] array."""
    batch = np.broadcast_shapes(*(value.shape for value in parameters))
    return np.stack([np.broadcast_to(value, batch) for value in parameters], axis=-1)


def _with_run_axis(value: np.ndarray, core: int) -> np.ndarray:
    """`value` as a contiguous [runs or 1, *core] array (a shared value gets a run axis of 1)."""
    value = np.asarray(value)
    value = value[None] if value.ndim == core else value.reshape(-1, *value.shape[value.ndim - core :])
    return np.ascontiguousarray(value)


def day_state(state: CrisisState, single: bool) -> DayState:
    """`state`'s arrays as [runs, *core] views (a `single` run's get a run axis of 1): writing them writes `state`."""
    return DayState(**{name: _run_view(getattr(state, name), single) for name in DayState._fields})


def _run_view(values: np.ndarray, single: bool) -> np.ndarray:
    view = values[None] if single else values
    if not (view.flags.c_contiguous and view.flags.writeable):
        raise ValueError("the fused day writes the state in place: its arrays must be contiguous and writable")
    return view


def shared_events(events: DayEvents) -> SharedEvents:
    """A day's scripted and injected events (`events.shock_events`) as the fused day reads them."""
    return SharedEvents(**{name: np.ascontiguousarray(getattr(events, name)[None]) for name in SharedEvents._fields})
