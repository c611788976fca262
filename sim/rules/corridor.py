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
    weighted = shares * engagement_of_powers[..., None, :]
    return np.asarray(weight)[..., None, None] * (weighted @ utility_of_powers)


def acceptance(utility_of_states: np.ndarray, pressure: np.ndarray, on_table: np.ndarray) -> np.ndarray:
    """accepts[..., s, a]: principal s prefers a (with lobbying) to the status quo; a is on the table."""
    value = utility_of_states + pressure
    return (value > value[..., NONE_INDEX, None]) & on_table[..., None, :]


def support(utility_of_states: np.ndarray, pressure: np.ndarray) -> np.ndarray:
    """support[..., a]: mean over the two principals of utility plus lobbying, per arrangement."""
    value = utility_of_states + pressure
    return (value[..., 0, :] + value[..., 1, :]) / 2.0


def step_streak(streak: np.ndarray, accepts: np.ndarray, support_now: np.ndarray) -> np.ndarray:
    """Extend the streak of the best-supported arrangement both principals accept; reset others."""
    both = accepts[..., 0, :] & accepts[..., 1, :]
    both[..., NONE_INDEX] = False
    ranked = np.where(both, support_now, -np.inf)
    best = np.argmax(ranked, axis=-1)
    is_best = (np.arange(streak.shape[-1]) == best[..., None]) & both
    return np.where(is_best, streak + 1, 0)
