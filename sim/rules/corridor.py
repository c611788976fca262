"""The corridor negotiation: bargaining on a dimension of control, inside the peace track.

Arrays carry any leading batch axes. Actor i has a position x_i in [0, 1], a salience s_i and
an effective capability E_i; the two principals (AZE, ARM) also hold a reservation value r_s,
the worst point each accepts; arrangement a sits at X_a (`sim.corridor.POSITION`). Each day
(docs/ODD.md §7.12):

- pressure: each principal's reservation moves toward the positions of the outside powers,
  each weighted by its influence share over the principal, its engagement and its salience:
  r_s <- r_s + rate x (1 - s_s) x sum_p share[s, p] x engagement_p x s_p x (x_p - r_s)
  (the compromise model's weighted pull, Stokman & van Oosten 1994; Friedkin & Johnsen 1999);
- the peace track widens each principal's band: its radius is |r_s - x_s| + widening x P x (1 - s_s)
  (P: treaty progress, `step_progress`);
- principal s accepts a tabled arrangement a when |X_a - x_s| is within its radius and it trusts
  each of a's sponsors above `sponsor_trust_floor` (its own sponsorship counts as trust 1);
- forecast F = sum_i E_i s_i x_i / sum_i E_i s_i (Bueno de Mesquita's weighted mean);
- of the arrangements both principals accept, the one nearest F gains a day of streak, the
  others lose theirs; the first to hold `agreement_days` consecutive days is agreed, for good;
- support[a] = sum_i E_i s_i (1 - |X_a - x_i|) / sum_i E_i s_i on the table, NaN off it.
"""

from __future__ import annotations

import numpy as np

from sim.corridor import NONE_INDEX
from sim.rules.batch import kernel, on_runs, row


def forecast(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """F[...]: the capability x salience weighted mean position (`weight` = E x s, per actor)."""
    return np.sum(weight * position, axis=-1) / np.sum(weight, axis=-1)


def pull_reservations(
    reservation: np.ndarray,
    shares: np.ndarray,
    pull_of_powers: np.ndarray,
    position_of_powers: np.ndarray,
    salience_of_states: np.ndarray,
    rate: float | np.ndarray,
) -> np.ndarray:
    """r[..., s] after a day's pressure of the powers (`pull_of_powers` = engagement x salience).

    Each step closes part of the gap to a weighted mean of points in [0, 1]; with the
    parameter ranges (rate <= 0.1, engagement <= 3, salience <= 1) the part is below one, so
    a reservation in [0, 1] stays in [0, 1].
    """
    weights = shares * pull_of_powers[..., None, :]  # [..., state, power]
    gap = position_of_powers[..., None, :] - reservation[..., :, None]
    pulled = np.sum(weights * gap, axis=-1)
    return reservation + np.asarray(rate)[..., None] * (1.0 - salience_of_states) * pulled


def radius(
    reservation: np.ndarray,
    position_of_states: np.ndarray,
    salience_of_states: np.ndarray,
    progress: np.ndarray,
    widening: float | np.ndarray,
) -> np.ndarray:
    """How far from its position each principal accepts a point: [..., state]."""
    widened = np.asarray(widening)[..., None] * np.asarray(progress)[..., None] * (1.0 - salience_of_states)
    return np.abs(reservation - position_of_states) + widened


def acceptance(
    band: np.ndarray,
    position_of_states: np.ndarray,
    trust_in_sponsors: np.ndarray,
    trust_floor: float | np.ndarray,
    arrangement_position: np.ndarray,
    on_table: np.ndarray,
) -> np.ndarray:
    """accepts[..., s, a]: a is on the table, within s's band, and s trusts each of its sponsors.

    `trust_in_sponsors[..., s, a]` is s's lowest trust in a's sponsors (1 where s sponsors a
    itself, +inf where a has none); the status quo is never accepted (it is no proposal).
    """
    distance = np.abs(arrangement_position - position_of_states[..., :, None])
    within = distance <= band[..., :, None]  # NaN (the status quo) compares False
    trusted = trust_in_sponsors > np.asarray(trust_floor)[..., None, None]
    return within & trusted & on_table[..., None, :]


def lowest_trust_in_sponsors(trust_of_states: np.ndarray, sponsors: np.ndarray) -> np.ndarray:
    """[..., s, a]: s's lowest trust in any sponsor of a (+inf for an arrangement with none).

    `trust_of_states[..., s, k]` is the principals' rows of the trust matrix (own trust 1);
    `sponsors[a, k]` marks k as a sponsor of a.
    """
    masked = np.where(sponsors[..., None, :, :], trust_of_states[..., :, None, :], np.inf)
    return np.min(masked, axis=-1)


def support(
    arrangement_position: np.ndarray, position: np.ndarray, weight: np.ndarray, on_table: np.ndarray
) -> np.ndarray:
    """support[..., a]: weighted mean closeness 1 - |X_a - x_i| of the actors; NaN off the table."""
    closeness = 1.0 - np.abs(arrangement_position - position[..., :, None])  # [..., actor, arrangement]
    weighted = np.sum(weight[..., :, None] * closeness, axis=-2) / np.sum(weight, axis=-1)[..., None]
    return np.where(on_table, weighted, np.nan)


def closeness_to_forecast(arrangement_position: np.ndarray, forecast_now: np.ndarray) -> np.ndarray:
    """-|X_a - F|[..., a]: higher for an arrangement nearer the forecast (NaN for the status quo)."""
    return -np.abs(arrangement_position - np.asarray(forecast_now)[..., None])


def step_progress(
    progress: np.ndarray,
    cooperation: np.ndarray,
    hostility: np.ndarray,
    pair: tuple[int, int],
    rate: float | np.ndarray,
    corridor_agreed_today: np.ndarray,
    corridor_step: float | np.ndarray,
) -> np.ndarray:
    """Treaty progress P[...] after a day: the pair's cooperation raises it, hostility lowers it.

    P <- clip(P + rate x (coop[a, b] + coop[b, a] - hostility[a, b] - hostility[b, a])
              + corridor_step x [the corridor was agreed today], 0, 1)
    """
    a, b = pair
    net = cooperation[..., a, b] + cooperation[..., b, a] - hostility[..., a, b] - hostility[..., b, a]
    moved = progress + np.asarray(rate) * net + np.asarray(corridor_step) * corridor_agreed_today
    return np.clip(moved, 0.0, 1.0)


def step_streak(streak: np.ndarray, accepts: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Extend the streak of the best-scored arrangement both principals accept; reset others.

    Ties go to the first such arrangement; the status quo never gains a streak.
    """
    return on_runs(_step_streak, (streak, 1), (accepts, 2), (score, 1))


@kernel
def _step_streak(runs, streak, accepts, score):
    arrangements = streak.shape[-1]
    stepped = np.zeros((runs, arrangements), dtype=np.int64)
    for r in range(runs):
        accepts_r, score_r = row(accepts, r), row(score, r)
        best = -1
        for a in range(arrangements):
            agreeable = a != NONE_INDEX and accepts_r[0, a] and accepts_r[1, a]
            if agreeable and (best < 0 or score_r[a] > score_r[best]):
                best = a
        if best >= 0:
            stepped[r, best] = row(streak, r)[best] + 1
    return stepped
