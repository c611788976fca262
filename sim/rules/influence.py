"""Influence shares of the outside powers over Azerbaijan and over Armenia.

`shares[..., s, p]` is power p's share of influence over state s (rows sum to one). Each
day shares move a fraction `rate` toward a target share that favours powers the state trusts,
that have effective capability in the region and that hold a share of its external ties:

    target[s, p] = softmax_p(trust_weight x T[s, p] + capability_weight x log E_p
                             + tie_weight x log max(ties[s, p], TIE_FLOOR)),
    E_p = capability_p x presence_p x (1 - distraction_p),

with ties[s, p] the power's share of the state's trade and arms imports (`sim.interdependence`).
A power with no recorded tie is floored at `TIE_FLOOR` so that its log stays finite.

A convex step between two distributions keeps the rows summing to one.
"""

from __future__ import annotations

import numpy as np

from sim.rules.short_axis import max_last

#: The least tie a power counts with in the target share (a tie of 0 would give log 0 = -inf):
#: half the smallest tie recorded in configs/interdependence.toml (Iran's ~1% of Azerbaijan's
#: trade and arms ties), so an unrecorded tie weighs less than any recorded one (judgement).
TIE_FLOOR = 0.005


def effective_capability(capability: np.ndarray, presence: np.ndarray, distraction: np.ndarray) -> np.ndarray:
    """Capability that reaches the South Caucasus: capability x presence x (1 - distraction)."""
    return np.maximum(capability * presence * (1.0 - distraction), 1e-9)


def target_shares(
    trust_in_powers: np.ndarray,
    capability_of_powers: np.ndarray,
    trust_weight: float | np.ndarray,
    capability_weight: float | np.ndarray,
    *,
    ties: np.ndarray | None = None,
    tie_weight: float | np.ndarray = 0.0,
) -> np.ndarray:
    """Target shares [..., s, p] from the states' trust in the powers, the powers' reach and their ties.

    Args:
        trust_in_powers: [..., s, p] each state's trust in each power.
        capability_of_powers: [..., p] effective capability.
        trust_weight: weight of trust (a scalar, or one per run).
        capability_weight: exponent of effective capability (a scalar, or one per run).
        ties: [..., s, p] each power's share of the state's external ties (None: no tie term).
        tie_weight: exponent of the floored ties (a scalar, or one per run).
    """
    score = (
        np.asarray(trust_weight)[..., None, None] * trust_in_powers
        + np.asarray(capability_weight)[..., None, None] * np.log(capability_of_powers)[..., None, :]
    )
    if ties is not None:
        score = score + np.asarray(tie_weight)[..., None, None] * np.log(np.maximum(ties, TIE_FLOOR))
    score = score - max_last(score, keepdims=True)
    weight = np.exp(score)
    return weight / weight.sum(axis=-1, keepdims=True)


def step_shares(shares: np.ndarray, target: np.ndarray, rate: float | np.ndarray) -> np.ndarray:
    """Move shares a fraction `rate` of the way to the target (rows keep summing to one)."""
    return shares + np.asarray(rate)[..., None, None] * (target - shares)
