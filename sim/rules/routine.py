"""Routine acts of a day, drawn at the dyads' base rates, and the trust anchor that keeps them at rest.

Each day, for each ordered pair (i, j), i makes a routine cooperative act toward j with
probability `scale x cooperation_rate[i, j]` and a routine criticism with probability
`scale x friction_rate[i, j]` (base rates from `sim.routine`), each from its own number of the
run's stream (`ROUTINE` purpose, `routine_index`). The acts move trust and grievance like any
event (`sim.rules.events.with_routine`), so trust wanders in calm times.

So that it wanders without drifting, trust relaxes toward an anchor rather than the baseline:
with retention k_i and the expected daily step E[s] of routine acts at baseline trust,

    T' = (T + s - A) k_i + A   has the stationary mean   B   when   A = B - k_i E[s] / (1 - k_i),

E[s][v, k] = rate x ( (c + solidarity W c)[v, k] (1 - B[v, k]) - hurt[v, k] (1 + B[v, k]) ),
c[v, k] = scale x cooperation_rate[k, v] x 0.1 and h[v, k] = scale x friction_rate[k, v] x 0.2 the
expected cooperation and hostility of the day, hurt = sensitivity x (h + solidarity W h) and W the
observer weights at baseline (`sim.rules.trust`). That is exact for the linear part of the update
and first-order for the bounds, and assumes trust inside [-1, 1]: at extreme settings the anchor
can lie far beyond -1 or 1, trust then sits at the bound and its mean is not the baseline
(docs/ODD.md §7.16); without routine acts the anchor is the baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.cameo import GOLDSTEIN
from sim.rules import trust
from sim.rules.batch import kernel, on_runs, row
from sim.rules.stream import ROUTINE, day_key, routine_index, uniform

if TYPE_CHECKING:
    from sim.rules.day import RuleInputs

COOPERATION_WEIGHT = max(GOLDSTEIN["040"], 0.0) / 10.0  # a routine cooperative act ("Consult", +1)
FRICTION_WEIGHT = max(-GOLDSTEIN["111"], 0.0) / 10.0  # a routine criticism ("Criticize or denounce", -2)


def relaxation_anchor(inputs: RuleInputs, scale: float | np.ndarray) -> np.ndarray:
    """A[..., i, j]: where trust relaxes to, so that its mean under routine acts is the baseline."""
    p, baseline = inputs.params, inputs.baseline_trust
    scale = np.asarray(scale)[..., None, None]
    cooperation = scale * np.swapaxes(inputs.routine_cooperation, -1, -2) * COOPERATION_WEIGHT  # [victim, actor]
    hostility = scale * np.swapaxes(inputs.routine_friction, -1, -2) * FRICTION_WEIGHT
    weights = trust.observer_weights(baseline, inputs.kin)
    solidarity = np.asarray(p.solidarity)[..., None, None]
    warmth = cooperation + solidarity * trust.witnessed(weights, cooperation)
    hurt = inputs.sensitivity[..., :, None] * (hostility + solidarity * trust.witnessed(weights, hostility))
    step = np.asarray(p.trust_rate)[..., None, None] * (warmth * (1.0 - baseline) - hurt * (1.0 + baseline))
    keep = inputs.keep[..., :, None]
    anchor = baseline - keep * step / (1.0 - keep)
    n = baseline.shape[-1]
    anchor[..., np.arange(n), np.arange(n)] = 1.0
    return anchor


def draw_routine(
    cooperation_rate: np.ndarray,
    friction_rate: np.ndarray,
    scale: float | np.ndarray,
    seeds: np.ndarray | int,
    day: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The routine acts of `day` in each run: (cooperates, criticises), booleans [..., actor, target]."""
    return on_runs(
        _draw_routine,
        (cooperation_rate, 2),
        (friction_rate, 2),
        (scale, 0),
        (np.asarray(seeds, dtype=np.int64), 0),
        (np.int64(day), 0),
    )


@kernel
def _draw_routine(runs, cooperation_rate, friction_rate, scale, seeds, day):
    n = cooperation_rate.shape[-1]
    cooperates = np.zeros((runs, n, n), dtype=np.bool_)
    criticises = np.zeros((runs, n, n), dtype=np.bool_)
    for r in range(runs):
        key = day_key(row(seeds, r), day[0], ROUTINE)
        rates_c, rates_f, times = row(cooperation_rate, r), row(friction_rate, r), row(scale, r)
        for i in range(n):
            for j in range(n):
                if rates_c[i, j] > 0.0:
                    cooperates[r, i, j] = uniform(key, routine_index(i, j, n, 0)) < times * rates_c[i, j]
                if rates_f[i, j] > 0.0:
                    criticises[r, i, j] = uniform(key, routine_index(i, j, n, 1)) < times * rates_f[i, j]
    return cooperates, criticises


def routine_arrays(cooperates: np.ndarray, criticises: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hostility, cooperation, touched) of the routine acts, [..., victim, actor] as `DayEvents` holds them."""
    hostility = np.swapaxes(criticises, -1, -2) * FRICTION_WEIGHT
    cooperation = np.swapaxes(cooperates, -1, -2) * COOPERATION_WEIGHT
    touched = (cooperates | criticises).any(axis=(-1, -2))
    return hostility, cooperation, touched
