"""One run's choices of the fused day (`sim.rules.fused`): the rupture clock, the actors' choices, routine acts, rows.

Each step is the rule-by-rule function it names (`sim.rules.day._rupture`, `all_actors_choose`,
`sim.rules.routine.draw_routine`, the journal's `queue_responses` and `queue_routine`) on one run
r of the batch, in place, with the same formulas and the same random numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.rules.batch import at, inline_kernel
from sim.rules.fused_arrays import AUDIENCE_COST, MAX_RUNG_STEP, RUPTURE_DAYS, THAW_RATE
from sim.rules.responses import NO_ACTION, _choose, grievance_excess, relations_cut
from sim.rules.stream import CHOICE, ROUTINE, choice_index, day_key, uniform


@inline_kernel
def rupture(r, day, state, inputs):
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
    """What one run's choices and routine draws work with besides the state."""

    excess: np.ndarray  # [i, j]: `grievance_excess` of i's grievance against j over i's threshold
    drawn: np.ndarray  # [draw]: whether each possible routine act was drawn (at most two a pair)


def new_mine(n: int) -> Mine:
    """Room for the choices and routine draws of one run among `n` actors."""
    return Mine(np.zeros((n, n)), np.zeros(2 * n * n, dtype=np.bool_))


@inline_kernel
def choose_all(r, day, seed, state, inputs, queued, mine, acting):
    """`all_actors_choose` for run r: each able actor's action and target for the next day, into `queued`.

    `acting` is the bit mask of the actors able to act (`responses.able_to_act`) the ladder found.
    """
    n = state.trust.shape[-1]
    g, t, s, h = state.grievance, inputs.threshold, state.standing, state.holding
    q = at(t, r)
    key = day_key(seed, day, CHOICE)
    x, d, b = at(inputs.restraint, r), at(inputs.dependence, r), at(inputs.boldness, r)
    p, c = at(inputs.rates, r), at(inputs.counts, r)
    if acting:
        for i in range(n):  # every excess at once (a vector loop): the able actors read rows and columns
            for j in range(n):
                mine.excess[i, j] = grievance_excess(g[r, i, j], t[q, i])
    for me in range(n):
        queued.actions[r, me], queued.targets[r, me] = NO_ACTION, NO_ACTION
        if not (acting >> me) & 1:
            continue
        queued.actions[r, me], queued.targets[r, me] = _choose(
            me,
            g[r, me],
            mine.excess[me],
            mine.excess[:, me],
            inputs.reciprocity[at(inputs.reciprocity, r), me],
            inputs.restraint[x, me],
            inputs.dependence[d, me],
            inputs.boldness[b, me],
            s[r, me],
            s[r, :, me],
            h[r, me],
            h[r, :, me],
            inputs.rates[p, THAW_RATE],
            inputs.rates[p, AUDIENCE_COST],
            inputs.counts[c, MAX_RUNG_STEP],
            uniform(key, choice_index(me, 0)),
            uniform(key, choice_index(me, 1)),
        )


@inline_kernel
def draw_routine(r, day, seed, inputs, queued, mine):
    """`routine.draw_routine` for run r: the next day's routine acts, into `queued`; whether there is any.

    Only the acts some run makes at a positive rate (`routine_draws`) are drawn, all at once
    (a vector loop: a draw at a chance of zero is never below it); the others stay false, and
    the arrays are cleared only if the day before left an act in them.
    """
    if queued.routine[r]:
        _clear_routine(r, queued)
    key = day_key(seed, day, ROUTINE)
    draws, chance, drawn = inputs.routine_draws, inputs.routine_chance, mine.drawn
    c = at(chance, r)
    made = False
    for x in range(draws.shape[1]):
        drawn[x] = uniform(key, inputs.routine_stream[0, x]) < chance[c, x]
        made = made | drawn[x]
    if made:
        for x in range(draws.shape[1]):
            if drawn[x]:
                i, j = draws[0, x, 0], draws[0, x, 1]
                if draws[0, x, 2]:
                    queued.criticises[r, i, j] = True
                else:
                    queued.cooperates[r, i, j] = True
    queued.routine[r] = made
    return made


@inline_kernel
def _clear_routine(r, queued):
    """No routine acts queued for run r."""
    n = queued.cooperates.shape[-1]
    for i in range(n):
        for j in range(n):
            queued.cooperates[r, i, j], queued.criticises[r, i, j] = False, False


@inline_kernel
def clear(r, queued):
    """Nothing queued for run r."""
    n = queued.actions.shape[1]
    for i in range(n):
        queued.actions[r, i], queued.targets[r, i] = NO_ACTION, NO_ACTION
    _clear_routine(r, queued)
    queued.routine[r] = False


@inline_kernel
def row_responses(r, queued, rows, counted):
    """Run r's responses as journal rows (`EventJournal.queue_responses`)."""
    for actor in range(queued.actions.shape[1]):
        if queued.actions[r, actor] != NO_ACTION:
            k = counted[0]
            rows[0, 0, k], rows[0, 1, k] = r, actor
            rows[0, 2, k], rows[0, 3, k] = queued.actions[r, actor], queued.targets[r, actor]
            counted[0] = k + 1


@inline_kernel
def row_acts(r, acts, rows, counted, kind):
    """Run r's routine acts of one kind as journal rows (`EventJournal.queue_routine`)."""
    n = acts.shape[-1]
    for i in range(n):
        for j in range(n):
            if acts[r, i, j]:
                k = counted[kind]
                rows[kind, 0, k], rows[kind, 1, k], rows[kind, 2, k] = r, i, j
                counted[kind] = k + 1
