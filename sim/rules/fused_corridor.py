"""One run's corridor steps of the fused day (`sim.rules.fused`): influence shares, pressure, acceptance, agreement.

Each step is the rule-by-rule function it names (`sim.rules.influence`, `sim.rules.corridor`,
`sim.rules.day._negotiate`) on one run r of the batch, in place, with the same formulas in the
same order.
"""

from __future__ import annotations

import numpy as np

from sim.corridor import NONE_INDEX
from sim.rules.batch import at, inline_kernel
from sim.rules.fused_arrays import (
    AGREEMENT_DAYS,
    CONCESSION_RATE,
    CORRIDOR_PROGRESS,
    PEACE_WIDENING,
    PROGRESS_RATE,
    SPONSOR_FLOOR,
    STATES,
)


@inline_kernel
def step_shares(r, shares, weight, rate):
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
def sponsor_trust(r, trust, inputs, lowest):
    """lowest[r, a, principal]: the principal's lowest trust in arrangement a's sponsors in run r (inf: none).

    Worked out while run r's trust is at hand (`open_day`), for `negotiate`'s acceptance.
    """
    k, pairs = at(inputs.sponsors, r), inputs.sponsorships
    for a in range(inputs.sponsors.shape[1]):
        for principal in range(STATES.size):
            lowest[r, a, principal] = np.inf
    for x in range(pairs.shape[1]):  # only the sponsorships some run has
        a, sponsor = pairs[0, x, 0], pairs[0, x, 1]
        if inputs.sponsors[k, a, sponsor]:
            for principal in range(STATES.size):
                lowest[r, a, principal] = min(lowest[r, a, principal], trust[r, STATES[principal], sponsor])


@inline_kernel
def _accepted(r, a, state, inputs, lowest, widening, floor):
    """Whether both principals accept arrangement a in run r (`corridor.radius`, `corridor.acceptance`)."""
    x, s, w = at(inputs.state_position, r), at(inputs.state_salience, r), at(inputs.arrangement_position, r)
    where = inputs.arrangement_position[w, a]
    for principal in range(inputs.state_position.shape[1]):
        position = inputs.state_position[x, principal]
        salience = inputs.state_salience[s, principal]
        band = abs(state.reservation[r, principal] - position) + widening * state.progress[r] * (1.0 - salience)
        if not abs(where - position) <= band:
            return False
        if not lowest[r, a, principal] > floor:
            return False
    return True


@inline_kernel
def _best_arrangement(r, state, inputs, lowest, widening, floor):
    """The arrangement both principals accept that is nearest the forecast (-1: none), as `corridor.step_streak`."""
    c = at(inputs.closeness, r)
    best = -1
    for a in range(state.on_table.shape[1]):
        if a == NONE_INDEX or not state.on_table[r, a]:
            continue
        if (best < 0 or inputs.closeness[c, a] > inputs.closeness[c, best]) and _accepted(
            r, a, state, inputs, lowest, widening, floor
        ):
            best = a
    return best


@inline_kernel
def negotiate(r, day, state, inputs, net, lowest):
    """`sim.rules.day._negotiate` for run r (in place); `lowest` from `sponsor_trust`."""
    p = at(inputs.rates, r)
    open_talks = state.agreed[r] < 0
    if open_talks:
        _pull_reservations(r, state, inputs, inputs.rates[p, CONCESSION_RATE])
    u = at(inputs.support, r)
    for a in range(state.support.shape[1]):
        state.support[r, a] = inputs.support[u, a] if state.on_table[r, a] else np.nan
    widening, floor = inputs.rates[p, PEACE_WIDENING], inputs.rates[p, SPONSOR_FLOOR]
    best = _best_arrangement(r, state, inputs, lowest, widening, floor)
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
