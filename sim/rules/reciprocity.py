"""The null model's choice rule: pure reciprocity on the Goldstein scale, no trust.

Each actor i looks at the acts against it that took effect today and answers the actor j whose
acts weighed most (the largest of hostility[i, j] and cooperation[i, j], `sim.rules.events`):
hostility with the ladder rung whose severity (-Goldstein / 10) is the highest at most today's
hostility (at least rung 1: tit for tat, neither climbing nor jumping), cooperation with
cooperation: an agreement restoring relations where they stand cut, a release where i holds j's
nationals, otherwise a call. Ties go to the first such j; an actor nobody acted on waits.
"""

from __future__ import annotations

import numpy as np

from sim.cameo import AGREEMENT_ID, CALL_ID, RELEASE_ID
from sim.rules.batch import at, kernel, on_runs
from sim.rules.responses import NO_ACTION, _wanted_rung, relations_cut


def tit_for_tat(
    hostility: np.ndarray, cooperation: np.ndarray, standing: np.ndarray, holding: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every actor's answer in kind to the day's acts: (action, target), each [..., n]."""
    return on_runs(
        _tit_for_tat, (hostility, 2), (cooperation, 2), (standing, 2), (np.asarray(holding, dtype=np.bool_), 2)
    )


@kernel
def _tit_for_tat(runs, hostility, cooperation, standing, holding):
    n = hostility.shape[-1]
    action = np.full((runs, n), NO_ACTION, dtype=np.int64)
    target = np.full((runs, n), NO_ACTION, dtype=np.int64)
    for r in range(runs):
        h, c, s, k = at(hostility, r), at(cooperation, r), at(standing, r), at(holding, r)
        for i in range(n):
            best, weight, hostile = -1, 0.0, False
            for j in range(n):
                if j == i:
                    continue
                if hostility[h, i, j] > weight:
                    best, weight, hostile = j, hostility[h, i, j], True
                if cooperation[c, i, j] > weight:
                    best, weight, hostile = j, cooperation[c, i, j], False
            if best < 0:
                continue
            target[r, i] = best
            if hostile:
                action[r, i] = _wanted_rung(weight) - 1
            elif relations_cut(max(standing[s, i, best], standing[s, best, i])):
                action[r, i] = AGREEMENT_ID
            elif holding[k, i, best]:
                action[r, i] = RELEASE_ID
            else:
                action[r, i] = CALL_ID
    return action, target
