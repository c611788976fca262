"""Trust and grievance: how events, third parties, memory and noise move them.

Conventions: `trust[..., i, j]` is how much i trusts j, in [-1, 1] (diagonal 1);
`grievance[..., i, j] >= 0` is i's unanswered hurt from j. A day's events arrive as
`hostility[..., v, k]` (summed salience x (negative Goldstein / 10 + affront) of k's acts
against v) and `cooperation[..., v, k]` (summed salience x positive Goldstein / 10).
"""

from __future__ import annotations

import numpy as np

from sim.rules.batch import kernel, on_runs, row
from sim.rules.stream import NOISE, day_key, noise_index, normal


def observer_weights(trust: np.ndarray, kin: np.ndarray) -> np.ndarray:
    """How much each observer t identifies with each victim v: clip(T[t, v] + kin[t, v], 0, 1).

    Only those who trust the victim (or are kin) react ("the enemy of my friend is my enemy");
    "the enemy of my enemy" is left to the slower `balance_drift`. The diagonal is zero (an
    actor is not its own observer).
    """
    return on_runs(_observer_weights, (trust, 2), (kin, 2))


@kernel
def _observer_weights(runs, trust, kin):
    n = trust.shape[-1]
    weights = np.empty((runs, n, n))
    for r in range(runs):
        trust_r, kin_r = row(trust, r), row(kin, r)
        for t in range(n):
            for v in range(n):
                weights[r, t, v] = 0.0 if t == v else min(max(trust_r[t, v] + kin_r[t, v], 0.0), 1.0)
    return weights


def hurt(
    hostility: np.ndarray, seen_hostility: np.ndarray, sensitivity: np.ndarray, solidarity: float | np.ndarray
) -> np.ndarray:
    """hurt[i, j] = sensitivity_i x (hostility[i, j] + solidarity x sum_v W[i, v] hostility[v, j]).

    What j's hostile acts that day cost i: its own injuries, and, at `solidarity` weight, the
    injuries of those i identifies with (`seen_hostility` = W @ hostility, see `witnessed`).
    """
    return on_runs(_hurt, (hostility, 2), (seen_hostility, 2), (sensitivity, 1), (solidarity, 0))


@kernel
def _hurt(runs, hostility, seen_hostility, sensitivity, solidarity):
    n = hostility.shape[-1]
    hurt_now = np.empty((runs, n, n))
    for r in range(runs):
        direct, seen, felt, weight = row(hostility, r), row(seen_hostility, r), row(sensitivity, r), row(solidarity, r)
        for i in range(n):
            for j in range(n):
                hurt_now[r, i, j] = felt[i] * (direct[i, j] + weight * seen[i, j])
    return hurt_now


def event_impulse(
    cooperation: np.ndarray, seen_cooperation: np.ndarray, hurt_now: np.ndarray, solidarity: float | np.ndarray
) -> np.ndarray:
    """Signed impulse on trust[i, j] of a day's events: direct, plus solidarity-weighted.

    impulse[i, j] = cooperation[i, j] + solidarity x sum_v W[i, v] cooperation[v, j] - hurt[i, j]:
    an act for or against those i identifies with moves i as if it were its own, at
    `solidarity` weight. `seen_cooperation` is W @ cooperation (`witnessed`). Zero diagonal.
    """
    return on_runs(_event_impulse, (cooperation, 2), (seen_cooperation, 2), (hurt_now, 2), (solidarity, 0))


@kernel
def _event_impulse(runs, cooperation, seen_cooperation, hurt_now, solidarity):
    n = cooperation.shape[-1]
    impulse = np.empty((runs, n, n))
    for r in range(runs):
        direct, seen, hurt_r = row(cooperation, r), row(seen_cooperation, r), row(hurt_now, r)
        weight = row(solidarity, r)
        for i in range(n):
            for j in range(n):
                impulse[r, i, j] = 0.0 if i == j else direct[i, j] + weight * seen[i, j] - hurt_r[i, j]
    return impulse


def witnessed(weights: np.ndarray, acts: np.ndarray) -> np.ndarray:
    """W @ acts: what each observer t takes in of the acts against those it identifies with."""
    return weights @ acts


def apply_impulse(trust: np.ndarray, impulse: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Move trust by `rate x impulse`, shrinking the step near the bound it heads for.

    A negative step p moves T by p (1 + T), a positive one by p (1 - T); |p| <= 1 keeps
    T in [-1, 1].
    """
    return on_runs(_apply_impulse, (trust, 2), (impulse, 2), (rate, 0))


@kernel
def _apply_impulse(runs, trust, impulse, rate):
    n = trust.shape[-1]
    moved = np.empty((runs, n, n))
    for r in range(runs):
        trust_r, impulse_r, rate_r = row(trust, r), row(impulse, r), row(rate, r)
        for i in range(n):
            for j in range(n):
                step = min(max(rate_r * impulse_r[i, j], -1.0), 1.0)
                moved[r, i, j] = trust_r[i, j] + step * (1.0 - np.sign(step) * trust_r[i, j])
    return moved


def update_grievance(
    grievance: np.ndarray, hurt_now: np.ndarray, cooperation: np.ndarray, forgiveness: float | np.ndarray
) -> np.ndarray:
    """Add the day's hurt (`hurt`) and lift forgiven grievance.

    A cooperative act of weight c lifts the share `forgiveness x c` (at most all) of the
    grievance of its target against its author. No grievance against oneself.
    """
    return on_runs(_update_grievance, (grievance, 2), (hurt_now, 2), (cooperation, 2), (forgiveness, 0))


@kernel
def _update_grievance(runs, grievance, hurt_now, cooperation, forgiveness):
    n = grievance.shape[-1]
    updated = np.empty((runs, n, n))
    for r in range(runs):
        held, hurt_r, cooperation_r = row(grievance, r), row(hurt_now, r), row(cooperation, r)
        forgiving = row(forgiveness, r)
        for i in range(n):
            for j in range(n):
                relief = min(max(forgiving * cooperation_r[i, j], 0.0), 1.0)
                updated[r, i, j] = 0.0 if i == j else held[i, j] * (1.0 - relief) + hurt_r[i, j]
    return updated


def settle_accounts(grievance: np.ndarray, severity_dealt: np.ndarray, catharsis: float | np.ndarray) -> np.ndarray:
    """Answering settles part of the account: i's grievance against j falls by what i dealt j."""
    return on_runs(_settle_accounts, (grievance, 2), (severity_dealt, 2), (catharsis, 0))


@kernel
def _settle_accounts(runs, grievance, severity_dealt, catharsis):
    n = grievance.shape[-1]
    settled = np.empty((runs, n, n))
    for r in range(runs):
        held, dealt, share = row(grievance, r), row(severity_dealt, r), row(catharsis, r)
        for i in range(n):
            for j in range(n):
                settled[r, i, j] = max(held[i, j] - share * dealt[i, j], 0.0)
    return settled


def retention(half_life_days: np.ndarray) -> np.ndarray:
    """Daily retention factor 2^(-1 / half-life) of each actor's memory."""
    return np.exp2(-1.0 / half_life_days)


def relax(values: np.ndarray, baseline: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Decay each row i toward its baseline by the row's retention `keep[..., i]`."""
    return on_runs(_relax, (values, 2), (baseline, 2), (keep, 1))


@kernel
def _relax(runs, values, baseline, keep):
    n = values.shape[-1]
    relaxed = np.empty((runs, n, n))
    for r in range(runs):
        values_r, baseline_r, keep_r = row(values, r), row(baseline, r), row(keep, r)
        for i in range(n):
            for j in range(n):
                relaxed[r, i, j] = (values_r[i, j] - baseline_r[i, j]) * keep_r[i] + baseline_r[i, j]
    return relaxed


def fade(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Decay each row i toward zero by the row's retention `keep[..., i]` (`relax` to 0)."""
    return on_runs(_fade, (values, 2), (keep, 1))


@kernel
def _fade(runs, values, keep):
    n = values.shape[-1]
    faded = np.empty((runs, n, n))
    for r in range(runs):
        values_r, keep_r = row(values, r), row(keep, r)
        for i in range(n):
            for j in range(n):
                faded[r, i, j] = values_r[i, j] * keep_r[i]
    return faded


def balance_drift(trust: np.ndarray, baseline: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Continuous structural balance on departures from the baseline, diagonal held.

    dT = rate x ((T T - B B) / (n - 2)) x (1 - T^2). In (T T) and (B B) the diagonal counts as
    zero: i's view of j moves with the views of the third parties k, "the friend of my friend is
    my friend" (Kulakowski et al. 2005; Marvel et al. 2011), as far as they have moved from the
    baseline B: the observed baseline already holds whatever balance the world had, so trust at
    its baseline does not drift.
    """
    n = trust.shape[-1]
    off, off_baseline = trust.copy(), np.array(baseline, dtype=float)
    off[..., np.arange(n), np.arange(n)] = 0.0
    off_baseline[..., np.arange(n), np.arange(n)] = 0.0
    return on_runs(_balance_drift, (trust, 2), (off @ off - off_baseline @ off_baseline, 2), (rate, 0))


@kernel
def _balance_drift(runs, trust, through_third, rate):
    n = trust.shape[-1]
    drifted = np.empty((runs, n, n))
    for r in range(runs):
        trust_r, through_r = row(trust, r), row(through_third, r)
        scale = row(rate, r) / (n - 2)
        for i in range(n):
            for j in range(n):
                drift = 0.0 if i == j else through_r[i, j] * (1.0 - trust_r[i, j] * trust_r[i, j]) * scale
                drifted[r, i, j] = drift + trust_r[i, j]
    return drifted


def add_noise(trust: np.ndarray, seeds: np.ndarray | int, day: int, sd: float | np.ndarray) -> np.ndarray:
    """Add the day's bounded noise, clip to [-1, 1] and reset the diagonal.

    The noise on the pair (i, j) is `sd` times a standard normal draw clipped to +-3, the draw
    being the run's number for (seed, day, NOISE, i * n + j) (`sim.rules.stream`), made here,
    once a day for each distinct seed: runs that share a seed (common random numbers) share it.
    """
    batch = trust.shape[:-2]
    seeds = np.broadcast_to(np.asarray(seeds, dtype=np.int64), batch)
    first = first_run_of_each_seed(seeds)
    return on_runs(_add_noise, (trust, 2), (seeds, 0), (first, 0), (np.int64(day), 0), (sd, 0))


def first_run_of_each_seed(seeds: np.ndarray) -> np.ndarray:
    """For each run (in the flat order of `seeds`), the flat index of the first run with its seed."""
    flat = seeds.reshape(-1)
    _, first, inverse = np.unique(flat, return_index=True, return_inverse=True)
    return first[inverse].reshape(seeds.shape)


@kernel
def _add_noise(runs, trust, seeds, first, day, sd):
    n = trust.shape[-1]
    noisy, draws = np.empty((runs, n, n)), np.empty((runs, n, n))
    for r in range(runs):
        source = row(first, r)
        if source == r:  # the first run with this seed: make the day's draws
            key = day_key(row(seeds, r), day[0], NOISE)
            for i in range(n):
                for j in range(n):
                    if i != j:
                        draws[r, i, j] = normal(key, noise_index(i, j, n))
        trust_r, spread = row(trust, r), row(sd, r)
        for i in range(n):
            for j in range(n):
                if i == j:
                    noisy[r, i, j] = 1.0
                    continue
                moved = min(max(draws[source, i, j], -3.0), 3.0) * spread + trust_r[i, j]
                noisy[r, i, j] = min(max(moved, -1.0), 1.0)
    return noisy
