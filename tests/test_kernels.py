"""The compiled rules give, bit for bit, what their formulas give in plain numpy.

Each rule's arithmetic runs as a numba kernel over a run axis (`sim.rules.batch`). Here every
kernel is checked against the formula written out in numpy (the form the rules had before they
were compiled), on random inputs with per-run and shared arguments and batches of several
shapes, so a slip in a loop, an index or the order of an operation shows as a mismatch.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.cameo import RUNG_SEVERITY
from sim.corridor import N_ARRANGEMENTS, NONE_INDEX
from sim.rules import corridor, trust
from sim.rules.responses import wanted_rung
from sim.rules.stream import noise_draws

N = 8
BATCHES = [(), (1,), (7,), (3, 5)]


def _diagonal(values: np.ndarray, value: float) -> np.ndarray:
    values = values.copy()
    values[..., np.arange(values.shape[-1]), np.arange(values.shape[-1])] = value
    return values


@pytest.fixture(params=BATCHES, ids=lambda batch: f"batch{batch}")
def draw(request):
    """Random inputs of one batch shape: `draw(core, low, high, shared=False)`."""
    rng = np.random.default_rng(len(request.param) * 10 + sum(request.param))
    batch = request.param

    def make(core, low=-1.0, high=1.0, shared=False):
        return rng.uniform(low, high, core if shared else (*batch, *core))

    make.batch = batch
    return make


def test_trust_and_grievance_rules_match_their_numpy_formulas(draw):
    t, kin, acts, seen = draw((N, N)), draw((N, N), 0, 0.5, shared=True), draw((N, N), 0, 2), draw((N, N), 0, 2)
    sensitivity, solidarity, rate = draw((N,), 0.3, 1.6), draw((), 0, 1), draw((), -0.5, 0.5)
    grievance, keep, seeds = draw((N, N), 0, 3), draw((N,), 0.9, 1.0), draw((), 0, 1e6).astype(np.int64)
    col = (..., None, None)

    assert np.array_equal(trust.observer_weights(t, kin), _diagonal(np.clip(t + kin, 0.0, 1.0), 0.0))
    assert np.array_equal(
        trust.hurt(acts, seen, sensitivity, solidarity), sensitivity[..., None] * (acts + solidarity[col] * seen)
    )
    assert np.array_equal(
        trust.event_impulse(acts, seen, grievance, solidarity),
        _diagonal(acts + solidarity[col] * seen - grievance, 0.0),
    )
    step = np.clip(rate[col] * (acts - 1.0), -1.0, 1.0)
    assert np.array_equal(trust.apply_impulse(t, acts - 1.0, rate), t + step * (1.0 - np.sign(step) * t))
    relief = np.clip(np.abs(rate)[col] * acts, 0.0, 1.0)
    expected = _diagonal(grievance * (1.0 - relief) + seen, 0.0)
    assert np.array_equal(trust.update_grievance(grievance, seen, acts, np.abs(rate)), expected)
    assert np.array_equal(
        trust.settle_accounts(grievance, acts, solidarity), np.maximum(grievance - solidarity[col] * acts, 0.0)
    )
    assert np.array_equal(trust.relax(t, kin, keep), (t - kin) * keep[..., None] + kin)
    assert np.array_equal(trust.fade(grievance, keep), grievance * keep[..., None])
    off, off_kin = _diagonal(t, 0.0), _diagonal(kin, 0.0)
    drift = _diagonal((off @ off - off_kin @ off_kin) * (1.0 - t * t), 0.0) * (rate[col] / (N - 2))
    assert np.array_equal(trust.balance_drift(t, kin, rate), drift + t)
    normal = noise_draws(seeds, 17, N)
    noisy = np.clip(np.clip(normal, -3.0, 3.0) * np.abs(rate)[col] + t, -1.0, 1.0)
    assert np.array_equal(trust.add_noise(t, seeds, 17, np.abs(rate)), _diagonal(noisy, 1.0))


def test_corridor_streak_matches_its_numpy_formula(draw):
    """The corridor's one kernel: the best-scored arrangement both principals accept gains a day."""
    accepts = draw((2, N_ARRANGEMENTS), 0, 1) < 0.7
    score = draw((N_ARRANGEMENTS,))
    streak = np.asarray(draw((N_ARRANGEMENTS,), 0, 5)).astype(np.int64)
    both = accepts[..., 0, :] & accepts[..., 1, :]
    both[..., NONE_INDEX] = False
    best = np.argmax(np.where(both, score, -np.inf), axis=-1)
    is_best = (np.arange(N_ARRANGEMENTS) == best[..., None]) & both
    assert np.array_equal(corridor.step_streak(streak, accepts, score), np.where(is_best, streak + 1, 0))


def test_wanted_rung_is_the_highest_affordable_rung_of_the_ladder(draw):
    for severity in (draw((), -0.2, 1.2), RUNG_SEVERITY):  # random, and exactly on the rungs' severities
        expected = np.maximum(np.searchsorted(RUNG_SEVERITY, severity, side="right"), 1)
        assert np.array_equal(wanted_rung(severity), expected)
