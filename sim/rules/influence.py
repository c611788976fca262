"""Influence shares of the outside powers over Azerbaijan and over Armenia.

`shares[..., s, p]` is power p's share of influence over state s (rows sum to one). Each
day shares move a fraction `rate` toward a target share that favours powers the state trusts
and that have effective capability in the region:

    target[s, p] = softmax_p(trust_weight x T[s, p] + capability_weight x log E_p),
    E_p = capability_p x presence_p x (1 - distraction_p).

A convex step between two distributions keeps the rows summing to one.
"""

from __future__ import annotations

import numpy as np

from sim.rules.short_axis import max_last


def effective_capability(capability: np.ndarray, presence: np.ndarray, distraction: np.ndarray) -> np.ndarray:
    """Capability that reaches the South Caucasus: capability x presence x (1 - distraction)."""
    return np.maximum(capability * presence * (1.0 - distraction), 1e-9)


def target_shares(
    trust_in_powers: np.ndarray,
    capability_of_powers: np.ndarray,
    trust_weight: float | np.ndarray,
    capability_weight: float | np.ndarray,
) -> np.ndarray:
    """Target shares [..., s, p] from the states' trust in the powers and the powers' reach."""
    score = (
        np.asarray(trust_weight)[..., None, None] * trust_in_powers
        + np.asarray(capability_weight)[..., None, None] * np.log(capability_of_powers)[..., None, :]
    )
    score = score - max_last(score, keepdims=True)
    weight = np.exp(score)
    return weight / weight.sum(axis=-1, keepdims=True)


def step_shares(shares: np.ndarray, target: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Move shares a fraction `rate` of the way to the target (rows keep summing to one)."""
    return shares + np.asarray(rate)[..., None, None] * (target - shares)
