"""Blocs: the split of the actors into two camps that best balances the trust network (ODD §7.15).

Trust is symmetrised and centred on its mean off-diagonal value, so that camps form around
relative alignment even when almost all trust is positive (Heider 1946); of all splits of the
actors into two camps, the one maximising centred trust within camps minus centred trust across
them wins. Blocs are observed, never acted on: the `blocs` outcome (`sim.outcomes`) reports them.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from sim.actors import ACTORS

BLOC_TOLERANCE = 1e-12  # splits scoring within this of the best count as ties (the first wins)


@cache
def _splits() -> tuple[np.ndarray, np.ndarray]:
    """Every split of the actors into two camps with Russia (actor 0) in camp 0, and its sign matrix."""
    n = len(ACTORS)
    masks = np.arange(2 ** (n - 1))
    camps = np.zeros((masks.size, n), dtype=np.int64)
    camps[:, 1:] = (masks[:, None] >> np.arange(n - 1)) & 1
    same = np.where(camps[:, :, None] == camps[:, None, :], 1.0, -1.0)
    return camps, same


def bloc_camps(trust: np.ndarray) -> np.ndarray:
    """The camp (0: Russia's, 1: the other) of each actor in the best-balanced split, [..., n].

    Trust is symmetrised and centred on its mean off-diagonal value, so that camps form around
    relative alignment even when almost all trust is positive (Heider 1946). Of all splits of
    the actors into two camps, the one maximising centred trust within camps minus centred
    trust across them wins; splits within `BLOC_TOLERANCE` of the best tie, the first wins.
    """
    camps, same = _splits()
    n = trust.shape[-1]
    off = ~np.eye(n, dtype=bool)
    mutual = (trust + np.swapaxes(trust, -1, -2)) / 2.0
    centre = mutual[..., off].mean(axis=-1)
    mutual = np.where(off, mutual - centre[..., None, None], 0.0)
    score = np.einsum("...ij,mij->...m", mutual, same)
    best = np.argmax(score >= score.max(axis=-1, keepdims=True) - BLOC_TOLERANCE, axis=-1)
    return camps[best]


def camps_to_blocs(camps: np.ndarray) -> list[list[str]]:
    """Camp assignments as lists of actor codes, Russia's camp first."""
    sides = [side for side in (0, 1) if (camps == side).any()]
    return [[actor.value for actor, camp in zip(ACTORS, camps, strict=True) if camp == side] for side in sides]


def blocs(trust: np.ndarray) -> list[list[str]]:
    """The two camps that best balance one trust matrix (see `bloc_camps`)."""
    return camps_to_blocs(bloc_camps(trust))
