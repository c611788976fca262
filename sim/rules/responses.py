"""How an actor chooses its action for the next day: reach out, answer, or wait.

`choose_every_response` makes every actor's choice in every run at once, straight from the
state matrices (both engines call it, through `sim.rules.day.all_actors_choose`);
`choose_response` is the same rule on one actor's slice (its row and column of the state
matrices, with any leading batch axes), the reference the tests compare it with. Actions are
indices into `sim.cameo.RESPONSES` (0-6: escalation-ladder rungs 1-7; then call, apology,
release, agreement); -1 is no action.

The rule (Goldstein & Pevehouse 1997; Richardson 1960; Axelrod 1984; Keohane & Nye 1977;
Fearon 1994):
1. Reach out (the way back). For each j that i is calm toward (its grievance against j not above
   its threshold), the breach with j has a stake: 1 where relations are cut (either side stands
   at the freeze rung or above, or holds the other's nationals), otherwise j's grievance excess
   against i, clipped to [0, 1]. Reaching out gains i `dependence[i, j] x stake` (what the breach
   costs it) less its audience cost, `audience_cost x (i's standing rung against j) / 7` (backing
   down after escalating in public). i reaches out to the j of largest positive gain with
   probability 1 - exp(-thaw_rate x gain): it signs an agreement restoring relations if they are
   cut and both grievances are below half their thresholds, else releases j's nationals if it
   holds them, else apologises if j's excess is above 1, else calls.
2. Answer. Let e_j = (G[i, j] - theta_i) / theta_i. If max_j e_j > 0, i answers the j with the
   largest e_j with probability min(1, e_j). The wanted severity is
   s = reciprocity x (1 - restraint[i, j]) x boldness[i, j] x G[i, j], the wanted rung the highest
   whose severity (-Goldstein / 10) is at most s (at least rung 1), and the rung taken is at most
   the standing rung (rounded) + max_rung_step: the ladder is climbed, not jumped.

restraint[i, j] = 1 - (1 - dependence[i, j])^escalation_cost: what escalation would cost i, from
its sourced interdependence with j (`sim.interdependence`). boldness[i, j] = (2 K[i, j] /
(K[i, j] + K[j, i]))^deterrence, K[i, j] = E_i + sum_{k != i, j} kin[k, i] E_k: i's effective
capability with its kin's behind it, as a share of the dyad's (1 at parity), so distraction,
which lowers E, lowers an actor's boldness and raises its rival's.
"""

from __future__ import annotations

import numpy as np

from sim.cameo import AGREEMENT_ID, APOLOGY_ID, CALL_ID, RELATIONS_CUT_RUNG, RELEASE_ID, RUNG_SEVERITY
from sim.rules.batch import at, inline_kernel, kernel, on_runs, row
from sim.rules.stream import CHOICE, choice_index, day_key, uniform

NO_ACTION = -1
N_RUNGS_ON_LADDER = len(RUNG_SEVERITY)


def boldness(effective_capability: np.ndarray, kin: np.ndarray, deterrence: float | np.ndarray) -> np.ndarray:
    """boldness[..., i, j] = (2 K[i, j] / (K[i, j] + K[j, i]))^deterrence, K backed capability (1 on the diagonal)."""
    backed = backed_capability(effective_capability, kin)
    share = backed / (backed + np.swapaxes(backed, -1, -2))
    return (2.0 * share) ** np.asarray(deterrence)[..., None, None]


def backed_capability(effective_capability: np.ndarray, kin: np.ndarray) -> np.ndarray:
    """K[..., i, j] = E_i + sum_{k != i, j} kin[k, i] E_k: i's capability in a quarrel with j, its kin behind it."""
    capability = effective_capability[..., :, None]
    kin_behind = np.einsum("...ki,...k->...i", kin, effective_capability)[..., :, None]
    against = np.swapaxes(kin, -1, -2) * effective_capability[..., None, :]  # [i, j]: kin[j, i] E_j (j is no backer)
    return capability + kin_behind - against


def escalation_restraint(dependence: np.ndarray, cost: float | np.ndarray) -> np.ndarray:
    """restraint[..., i, j] = 1 - (1 - dependence[i, j])^cost: what escalating against j would cost i."""
    return 1.0 - (1.0 - dependence) ** np.asarray(cost)[..., None, None]


@inline_kernel
def standing_rung(standing):
    """The rung an actor stands on: its fading standing level (a number), rounded to the nearest rung (x.5 to even)."""
    return np.int64(np.rint(standing))


@inline_kernel
def relations_cut(standing):
    """Whether a standing level is at or above the rung that cuts relations (161).

    That is `standing_rung(standing) >= RELATIONS_CUT_RUNG`, without the rounding: `np.rint`
    rounds x.5 to even, so the rounded rung reaches 3 exactly when the level is above 2.5.
    """
    return standing > RELATIONS_CUT_RUNG - 0.5


@inline_kernel
def grievance_excess(grievance, threshold):
    """(grievance - threshold) / threshold: how far a grievance stands above its holder's threshold."""
    return (grievance - threshold) / threshold


def wanted_rung(severity: np.ndarray) -> np.ndarray:
    """The highest ladder rung (1-7) whose severity is at most `severity`; at least 1."""
    return on_runs(_wanted_rungs, (severity, 0))


@kernel
def _wanted_rungs(runs, severity):
    rungs = np.empty(runs, dtype=np.int64)
    for r in range(runs):
        rungs[r] = _wanted_rung(row(severity, r))
    return rungs


@inline_kernel
def _wanted_rung(severity):
    affordable = 0
    while affordable < N_RUNGS_ON_LADDER and RUNG_SEVERITY[affordable] <= severity:
        affordable += 1
    return max(affordable, 1)


def choose_response(
    me: int | np.ndarray,
    *,
    grievance_mine: np.ndarray,
    excess_mine: np.ndarray,
    excess_at_me: np.ndarray,
    reciprocity_mine: np.ndarray,
    restraint_mine: np.ndarray,
    dependence_mine: np.ndarray,
    boldness_mine: np.ndarray,
    standing_mine: np.ndarray,
    standing_at_me: np.ndarray,
    holding_mine: np.ndarray,
    held_from_me: np.ndarray,
    thaw_rate: float | np.ndarray,
    audience_cost: float | np.ndarray,
    max_rung_step: int | np.ndarray,
    draws: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose actor `me`'s action and target for the next day.

    `sim.rules.day.actor_view` gives one actor's slice of the state as these keyword arguments;
    with leading batch axes, every replicate chooses at once. `choose_every_response` makes the
    same choice for every actor of every run straight from the state matrices.

    Args:
        me: the actor's index (or one index per batch entry).
        grievance_mine: G[..., me, :], its grievances against each actor.
        excess_mine: `grievance_excess` of its grievances over its threshold, [..., n].
        excess_at_me: `grievance_excess` of each actor's grievance against it over that actor's
            threshold, [..., n].
        reciprocity_mine: its reciprocity, [...].
        restraint_mine: restraint[..., me, :], what escalating against each actor would cost it.
        dependence_mine: dependence[..., me, :], what a break with each actor costs it.
        boldness_mine: boldness[..., me, :].
        standing_mine: standing levels S[..., me, :].
        standing_at_me: standing levels S[..., :, me].
        holding_mine: 1 where `me` holds detained nationals of j, [..., n].
        held_from_me: 1 where j holds detained nationals of `me`, [..., n].
        thaw_rate: daily hazard of reaching out per unit of net benefit, [...].
        audience_cost: cost of backing down per rung stood on, over 7, [...].
        max_rung_step: most rungs climbed in one answer, [...].
        draws: uniform draws [..., 2]: answer, reach out.

    Returns:
        (action, target), integer arrays of the batch shape; -1 where it does nothing.
    """
    return on_runs(
        _choose_for_each,
        (np.asarray(me, dtype=np.int64), 0),
        (grievance_mine, 1),
        (excess_mine, 1),
        (excess_at_me, 1),
        (reciprocity_mine, 0),
        (restraint_mine, 1),
        (dependence_mine, 1),
        (boldness_mine, 1),
        (standing_mine, 1),
        (standing_at_me, 1),
        (np.asarray(holding_mine, dtype=np.bool_), 1),
        (np.asarray(held_from_me, dtype=np.bool_), 1),
        (thaw_rate, 0),
        (audience_cost, 0),
        (np.asarray(max_rung_step, dtype=np.int64), 0),
        (draws, 1),
    )


@kernel
def _choose_for_each(
    runs,
    me,
    grievance,
    excess,
    excess_at_me,
    reciprocity,
    restraint,
    dependence,
    bold,
    standing,
    standing_at_me,
    holding,
    held,
    thaw_rate,
    audience_cost,
    max_rung_step,
    draws,
):
    action = np.empty(runs, dtype=np.int64)
    target = np.empty(runs, dtype=np.int64)
    for r in range(runs):
        draws_r = row(draws, r)
        action[r], target[r] = _choose(
            row(me, r),
            row(grievance, r),
            row(excess, r),
            row(excess_at_me, r),
            row(reciprocity, r),
            row(restraint, r),
            row(dependence, r),
            row(bold, r),
            row(standing, r),
            row(standing_at_me, r),
            row(holding, r),
            row(held, r),
            row(thaw_rate, r),
            row(audience_cost, r),
            row(max_rung_step, r),
            draws_r[0],
            draws_r[1],
        )
    return action, target


def choose_every_response(
    grievance: np.ndarray,
    threshold: np.ndarray,
    reciprocity: np.ndarray,
    restraint: np.ndarray,
    dependence: np.ndarray,
    boldness_matrix: np.ndarray,
    standing: np.ndarray,
    holding: np.ndarray,
    thaw_rate: float | np.ndarray,
    audience_cost: float | np.ndarray,
    max_rung_step: int | np.ndarray,
    seeds: np.ndarray | int,
    day: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`choose_response` of every actor, from the whole state: (action, target), each [..., n].

    Matrices are [..., n, n], dispositions [..., n]. Actor i's choice is exactly
    `choose_response(i, **actor_view(...), draws=choice_draws(seeds, day, n)[..., i, :])`: its two
    draws are made here, from the runs' `seeds` and the `day` (`sim.rules.stream`), and only for
    the actors able to act (`able_to_act`); the others are passed over, as they would choose
    nothing whatever their draws.
    """
    return on_runs(
        _choose_every,
        (grievance, 2),
        (threshold, 1),
        (reciprocity, 1),
        (restraint, 2),
        (dependence, 2),
        (boldness_matrix, 2),
        (standing, 2),
        (np.asarray(holding, dtype=np.bool_), 2),
        (thaw_rate, 0),
        (audience_cost, 0),
        (np.asarray(max_rung_step, dtype=np.int64), 0),
        (np.asarray(seeds, dtype=np.int64), 0),
        (np.int64(day), 0),
    )


@kernel
def _choose_every(
    runs,
    grievance,
    threshold,
    reciprocity,
    restraint,
    dependence,
    bold,
    standing,
    holding,
    thaw_rate,
    audience_cost,
    max_rung_step,
    seeds,
    day,
):
    n = grievance.shape[-1]
    action = np.full((runs, n), NO_ACTION, dtype=np.int64)
    target = np.full((runs, n), NO_ACTION, dtype=np.int64)
    able = np.empty(n, dtype=np.bool_)
    # one actor's row and column, as `choose_response` takes them (copied: no per-run views)
    grievance_mine, excess_mine, excess_at_me = np.empty(n), np.empty(n), np.empty(n)
    restraint_mine, dependence_mine = np.empty(n), np.empty(n)
    bold_mine, standing_mine, standing_at_me = np.empty(n), np.empty(n), np.empty(n)
    holding_mine, held_from_me = np.empty(n, dtype=np.bool_), np.empty(n, dtype=np.bool_)
    for r in range(runs):
        g, t, s, h = at(grievance, r), at(threshold, r), at(standing, r), at(holding, r)
        x, d, b = at(restraint, r), at(dependence, r), at(bold, r)
        _mark_able(grievance, threshold, standing, holding, g, t, s, h, able)
        for me in range(n):
            if not able[me]:
                continue
            for j in range(n):
                grievance_mine[j] = grievance[g, me, j]
                excess_mine[j] = grievance_excess(grievance[g, me, j], threshold[t, me])
                excess_at_me[j] = grievance_excess(grievance[g, j, me], threshold[t, j])
                restraint_mine[j], dependence_mine[j], bold_mine[j] = (
                    restraint[x, me, j],
                    dependence[d, me, j],
                    bold[b, me, j],
                )
                standing_mine[j], standing_at_me[j] = standing[s, me, j], standing[s, j, me]
                holding_mine[j], held_from_me[j] = holding[h, me, j], holding[h, j, me]
            key = day_key(row(seeds, r), day[0], CHOICE)
            action[r, me], target[r, me] = _choose(
                me,
                grievance_mine,
                excess_mine,
                excess_at_me,
                reciprocity[at(reciprocity, r), me],
                restraint_mine,
                dependence_mine,
                bold_mine,
                standing_mine,
                standing_at_me,
                holding_mine,
                held_from_me,
                row(thaw_rate, r),
                row(audience_cost, r),
                max_rung_step[at(max_rung_step, r)],
                uniform(key, choice_index(me, 0)),
                uniform(key, choice_index(me, 1)),
            )
    return action, target


@inline_kernel
def _choose(
    me,
    grievance,
    excess,
    excess_at_me,
    reciprocity,
    restraint,
    dependence,
    bold,
    standing,
    standing_at_me,
    holding,
    held,
    thaw_rate,
    audience_cost,
    max_rung_step,
    answer_draw,
    reach_draw,
):
    """One actor's (action, target): the rule of the module docstring, on its own row and column."""
    other, gain = _best_reach(
        me, excess, excess_at_me, dependence, standing, standing_at_me, holding, held, audience_cost
    )
    if other >= 0 and _reaches_out(reach_draw, thaw_rate * gain):  # the way back
        cut = _cut(standing[other], standing_at_me[other], holding[other], held[other])
        if cut and max(excess[other], excess_at_me[other]) < -0.5:
            return AGREEMENT_ID, other
        if holding[other]:
            return RELEASE_ID, other
        return (APOLOGY_ID if excess_at_me[other] > 1.0 else CALL_ID), other
    target, top = _worst_other(excess, me)
    if answer_draw < min(top, 1.0):  # answer the worst grievance
        severity = reciprocity * (1.0 - restraint[target]) * bold[target] * grievance[target]
        ceiling = min(standing_rung(standing[target]) + max_rung_step, N_RUNGS_ON_LADDER)
        return min(_wanted_rung(severity), ceiling) - 1, target
    return NO_ACTION, NO_ACTION


# 1 - exp(-x) <= x for x >= 0. Computed, 1 - fl(exp(-x)) exceeds x by at most about 2^-52: libm's exp
# is within 1 ulp, 1 - E is exact for E in [0.5, 1], and beyond (x > ln 2) the bound's own slack is far
# larger. A draw at least x + this margin is therefore not below 1 - exp(-x) (tests/test_rules.py).
_REACH_MARGIN = 1e-15


@inline_kernel
def _reaches_out(draw, rate):
    """Whether draw < 1 - exp(-rate), the exp worked out only where the bound 1 - exp(-rate) <= rate cannot decide.

    The same answer as the formula for every rate >= 0 (a gain is positive and thaw_rate at least 0).
    """
    if rate >= 0.0 and draw >= rate + _REACH_MARGIN:
        return False
    return draw < 1.0 - np.exp(-rate)


@inline_kernel
def _cut(standing_mine, standing_at_me, holding_mine, held_from_me):
    """Whether relations are cut: either side stands at the freeze rung or higher, or holds the other's nationals."""
    return relations_cut(max(standing_mine, standing_at_me)) or holding_mine or held_from_me


@inline_kernel
def _best_reach(me, excess, excess_at_me, dependence, standing, standing_at_me, holding, held, audience_cost):
    """The j that reaching out to would gain `me` the most, and that gain (-1, 0.0 if none gains)."""
    best, top = -1, 0.0
    for j in range(excess.shape[0]):
        if j == me or excess[j] > 0.0:  # no reaching out while its own grievance against j is above threshold
            continue
        cut = _cut(standing[j], standing_at_me[j], holding[j], held[j])
        stake = 1.0 if cut else min(max(excess_at_me[j], 0.0), 1.0)
        gain = dependence[j] * stake - audience_cost * standing_rung(standing[j]) / N_RUNGS_ON_LADDER
        if stake > 0.0 and gain > top:
            best, top = j, gain
    return best, top


@inline_kernel
def _worst_other(values, me):
    """The first index j != me of the largest values[j], and that value."""
    best, top = -1, -np.inf
    for j in range(values.shape[0]):
        if j != me and (best < 0 or values[j] > top):
            best, top = j, values[j]
    return best, top


def able_to_act(grievance: np.ndarray, threshold: np.ndarray, standing: np.ndarray, holding: np.ndarray) -> np.ndarray:
    """Whether each actor can act at all, [..., n], from the whole [..., n, n] state.

    An actor answers only a grievance above its threshold, and reaches out only to one who holds
    such a grievance against it or where relations are cut (a standing rung that cuts them, or
    nationals held). So where actor i's row and column hold none of these, `choose_response`
    gives i no action, whatever its draws.
    """
    return on_runs(
        _able_to_act, (grievance, 2), (threshold, 1), (standing, 2), (np.asarray(holding, dtype=np.bool_), 2)
    )


@kernel
def _able_to_act(runs, grievance, threshold, standing, holding):
    able = np.empty((runs, grievance.shape[-1]), dtype=np.bool_)
    for r in range(runs):
        g, t, s, h = at(grievance, r), at(threshold, r), at(standing, r), at(holding, r)
        _mark_able(grievance, threshold, standing, holding, g, t, s, h, able[r])
    return able


@inline_kernel
def _mark_able(grievance, threshold, standing, holding, g, t, s, h, able):
    """Set able[i] for each actor of one run (entries g, t, s, h of the arrays): see `able_to_act`."""
    n = grievance.shape[-1]
    able[:] = False
    for i in range(n):
        limit, any_of_mine = threshold[t, i], False
        for j in range(n):  # without branches: a vector loop
            either = (grievance[g, i, j] > limit) | relations_cut(standing[s, i, j]) | holding[h, i, j]
            any_of_mine = any_of_mine | either
            able[j] = able[j] | either
        able[i] = able[i] | any_of_mine
