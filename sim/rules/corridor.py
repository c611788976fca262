"""The corridor negotiation: utilities shifted by trust, lobbying, vetoes and agreement.

For actor i and arrangement a (`sim.corridor.Arrangement`):

- effective utility U'[i, a] = U[i, a] + sponsor_trust_weight x sum_s sponsor[a, s] x T[i, s],
  where sponsor[a, :] spreads weight 1 evenly over a's sponsors and i's trust in itself
  counts as 0 (a sponsor gets no boost from sponsoring);
- lobbying pressure on a principal s (AZE, ARM): P[s, a] = lobby_weight x sum_p share[s, p]
  x engagement_p x U'[p, a], the outside powers' utilities weighted by their influence over s;
- s accepts a when U'[s, a] + P[s, a] > U'[s, none] + P[s, none] (each principal holds a
  veto; Tsebelis 2002);
- support[a]: the mean over the two principals of U'[s, a] + P[s, a] (their own utility plus
  the lobbying they face);
- an arrangement on the table, accepted by both principals and the best supported such, gains
  a day of streak; the first to hold `agreement_days` consecutive days is agreed, for good.
"""

from __future__ import annotations

import numpy as np

from sim.corridor import NONE_INDEX
from sim.rules.batch import kernel, on_runs, row


def effective_utility(
    utility: np.ndarray, trust: np.ndarray, sponsors: np.ndarray, weight: float | np.ndarray
) -> np.ndarray:
    """U'[..., i, a]: utilities shifted by trust in each arrangement's sponsors."""
    n = trust.shape[-1]
    off = trust.copy()
    off[..., np.arange(n), np.arange(n)] = 0.0
    by_sponsor = np.swapaxes(sponsors, -1, -2)
    if by_sponsor.ndim == 2:  # one matrix product over all rows of all replicates
        trust_in_sponsors = (off.reshape(-1, n) @ by_sponsor).reshape(*off.shape[:-1], by_sponsor.shape[-1])
    else:
        trust_in_sponsors = off @ by_sponsor
    return utility + np.asarray(weight)[..., None, None] * trust_in_sponsors


def lobbying(
    shares: np.ndarray, engagement_of_powers: np.ndarray, utility_of_powers: np.ndarray, weight: float | np.ndarray
) -> np.ndarray:
    """P[..., s, a]: influence-weighted, engagement-weighted utilities of the outside powers."""
    return on_runs(_lobbying, (shares, 2), (engagement_of_powers, 1), (utility_of_powers, 2), (weight, 0))


@kernel
def _lobbying(runs, shares, engagement_of_powers, utility_of_powers, weight):
    states, powers, arrangements = shares.shape[-2], shares.shape[-1], utility_of_powers.shape[-1]
    pressure = np.empty((runs, states, arrangements))
    for r in range(runs):
        shares_r, engagement_r, utility_r = row(shares, r), row(engagement_of_powers, r), row(utility_of_powers, r)
        for s in range(states):
            for a in range(arrangements):
                lobbied = 0.0
                for p in range(powers):
                    lobbied += shares_r[s, p] * engagement_r[p] * utility_r[p, a]
                pressure[r, s, a] = row(weight, r) * lobbied
    return pressure


def acceptance(utility_of_states: np.ndarray, pressure: np.ndarray, on_table: np.ndarray) -> np.ndarray:
    """accepts[..., s, a]: principal s prefers a (with lobbying) to the status quo; a is on the table."""
    return on_runs(_acceptance, (utility_of_states, 2), (pressure, 2), (on_table, 1))


@kernel
def _acceptance(runs, utility_of_states, pressure, on_table):
    states, arrangements = utility_of_states.shape[-2], utility_of_states.shape[-1]
    accepts = np.empty((runs, states, arrangements), dtype=np.bool_)
    for r in range(runs):
        utility_r, pressure_r, table_r = row(utility_of_states, r), row(pressure, r), row(on_table, r)
        for s in range(states):
            status_quo = utility_r[s, NONE_INDEX] + pressure_r[s, NONE_INDEX]
            for a in range(arrangements):
                accepts[r, s, a] = utility_r[s, a] + pressure_r[s, a] > status_quo and table_r[a]
    return accepts


def support(utility_of_states: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """support[..., a]: mean over the two principals of utility plus lobbying, per arrangement."""
    return on_runs(_support, (utility_of_states, 2), (pressure, 2))


@kernel
def _support(runs, utility_of_states, pressure):
    arrangements = utility_of_states.shape[-1]
    supported = np.empty((runs, arrangements))
    for r in range(runs):
        utility_r, pressure_r = row(utility_of_states, r), row(pressure, r)
        for a in range(arrangements):
            supported[r, a] = (utility_r[0, a] + pressure_r[0, a] + (utility_r[1, a] + pressure_r[1, a])) / 2.0
    return supported


def step_streak(streak: np.ndarray, accepts: np.ndarray, support_now: np.ndarray) -> np.ndarray:
    """Extend the streak of the best-supported arrangement both principals accept; reset others.

    Ties go to the first such arrangement; the status quo never gains a streak.
    """
    return on_runs(_step_streak, (streak, 1), (accepts, 2), (support_now, 1))


@kernel
def _step_streak(runs, streak, accepts, support_now):
    arrangements = streak.shape[-1]
    stepped = np.zeros((runs, arrangements), dtype=np.int64)
    for r in range(runs):
        accepts_r, support_r = row(accepts, r), row(support_now, r)
        best = -1
        for a in range(arrangements):
            agreeable = a != NONE_INDEX and accepts_r[0, a] and accepts_r[1, a]
            if agreeable and (best < 0 or support_r[a] > support_r[best]):
                best = a
        if best >= 0:
            stepped[r, best] = row(streak, r)[best] + 1
    return stepped
