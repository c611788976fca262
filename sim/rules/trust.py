"""Trust and grievance: how events, third parties, memory and noise move them.

Conventions: `trust[..., i, j]` is how much i trusts j, in [-1, 1] (diagonal 1);
`grievance[..., i, j] >= 0` is i's unanswered hurt from j. A day's events arrive as
`hostility[..., v, k]` (summed salience x (negative Goldstein / 10 + affront) of k's acts
against v) and `cooperation[..., v, k]` (summed salience x positive Goldstein / 10).
"""

from __future__ import annotations

import numpy as np


def observer_weights(trust: np.ndarray, kin: np.ndarray) -> np.ndarray:
    """How much each observer t identifies with each victim v: clip(T[t, v] + kin[t, v], 0, 1).

    Only those who trust the victim (or are kin) react ("the enemy of my friend is my enemy");
    "the enemy of my enemy" is left to the slower `balance_drift`. The diagonal is zero (an
    actor is not its own observer).
    """
    weights = np.clip(trust + kin, 0.0, 1.0)
    n = weights.shape[-1]
    weights[..., np.arange(n), np.arange(n)] = 0.0
    return weights


def hurt(
    hostility: np.ndarray, seen_hostility: np.ndarray, sensitivity: np.ndarray, solidarity: float | np.ndarray
) -> np.ndarray:
    """hurt[i, j] = sensitivity_i x (hostility[i, j] + solidarity x sum_v W[i, v] hostility[v, j]).

    What j's hostile acts that day cost i: its own injuries, and, at `solidarity` weight, the
    injuries of those i identifies with (`seen_hostility` = W @ hostility, see `witnessed`).
    """
    return sensitivity[..., :, None] * (hostility + np.asarray(solidarity)[..., None, None] * seen_hostility)


def event_impulse(
    cooperation: np.ndarray, seen_cooperation: np.ndarray, hurt_now: np.ndarray, solidarity: float | np.ndarray
) -> np.ndarray:
    """Signed impulse on trust[i, j] of a day's events: direct, plus solidarity-weighted.

    impulse[i, j] = cooperation[i, j] + solidarity x sum_v W[i, v] cooperation[v, j] - hurt[i, j]:
    an act for or against those i identifies with moves i as if it were its own, at
    `solidarity` weight. `seen_cooperation` is W @ cooperation (`witnessed`). Zero diagonal.
    """
    impulse = cooperation + np.asarray(solidarity)[..., None, None] * seen_cooperation - hurt_now
    n = impulse.shape[-1]
    impulse[..., np.arange(n), np.arange(n)] = 0.0
    return impulse


def witnessed(weights: np.ndarray, acts: np.ndarray) -> np.ndarray:
    """W @ acts: what each observer t takes in of the acts against those it identifies with."""
    return weights @ acts


def apply_impulse(trust: np.ndarray, impulse: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Move trust by `rate x impulse`, shrinking the step near the bound it heads for.

    A negative step p moves T by p (1 + T), a positive one by p (1 - T); |p| <= 1 keeps
    T in [-1, 1].
    """
    step = np.clip(np.asarray(rate)[..., None, None] * impulse, -1.0, 1.0)
    return trust + step * (1.0 - np.sign(step) * trust)  # exactly p (1 + T) for p < 0, p (1 - T) for p > 0


def update_grievance(
    grievance: np.ndarray, hurt_now: np.ndarray, cooperation: np.ndarray, forgiveness: float | np.ndarray
) -> np.ndarray:
    """Add the day's hurt (`hurt`) and lift forgiven grievance.

    A cooperative act of weight c lifts the share `forgiveness x c` (at most all) of the
    grievance of its target against its author.
    """
    relief = np.clip(np.asarray(forgiveness)[..., None, None] * cooperation, 0.0, 1.0)
    updated = grievance * (1.0 - relief) + hurt_now
    n = updated.shape[-1]
    updated[..., np.arange(n), np.arange(n)] = 0.0  # no grievance against oneself
    return updated


def settle_accounts(grievance: np.ndarray, severity_dealt: np.ndarray, catharsis: float | np.ndarray) -> np.ndarray:
    """Answering settles part of the account: i's grievance against j falls by what i dealt j."""
    return np.maximum(grievance - np.asarray(catharsis)[..., None, None] * severity_dealt, 0.0)


def retention(half_life_days: np.ndarray) -> np.ndarray:
    """Daily retention factor 2^(-1 / half-life) of each actor's memory."""
    return np.exp2(-1.0 / half_life_days)


def relax(values: np.ndarray, baseline: np.ndarray | float, keep: np.ndarray) -> np.ndarray:
    """Decay each row i toward its baseline by the row's retention `keep[..., i]`."""
    relaxed = values - baseline
    relaxed *= keep[..., :, None]
    relaxed += baseline
    return relaxed


def fade(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Decay each row i toward zero by the row's retention `keep[..., i]` (`relax` to 0)."""
    return values * keep[..., :, None]


def balance_drift(trust: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Continuous structural balance: dT = rate x (T T / (n - 2)) x (1 - T^2), diagonal held.

    "The friend of my friend is my friend" (Kulakowski et al. 2005; Marvel et al. 2011).
    """
    n = trust.shape[-1]
    diagonal = (..., np.arange(n), np.arange(n))
    off = trust.copy()
    off[diagonal] = 0.0
    drift = off @ off
    damping = trust * trust
    np.subtract(1.0, damping, out=damping)
    drift *= damping  # (T T) x (1 - T^2), in place: these arrays are large over a batch
    drift[diagonal] = 0.0
    drift *= np.asarray(rate)[..., None, None] / (n - 2)
    drift += trust
    return drift


def add_noise(trust: np.ndarray, standard_normal: np.ndarray, sd: float | np.ndarray) -> np.ndarray:
    """Add bounded noise (draws clipped to +-3 sd), clip to [-1, 1] and reset the diagonal."""
    noisy = np.minimum(np.maximum(standard_normal, -3.0), 3.0)
    noisy *= np.asarray(sd)[..., None, None]
    noisy += trust
    np.minimum(np.maximum(noisy, -1.0, out=noisy), 1.0, out=noisy)
    n = noisy.shape[-1]
    noisy[..., np.arange(n), np.arange(n)] = 1.0
    return noisy
