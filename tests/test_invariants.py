"""Invariants of whole runs over many seeds and every shipped scenario."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.actors import ACTORS
from sim.cameo import GOLDSTEIN
from sim.corridor import NONE_INDEX
from sim.model import CaucasusModel
from tests.conftest import SCENARIOS

SCENARIO_NAMES = sorted(p.stem for p in SCENARIOS.glob("*.toml"))


def check_invariants(model: CaucasusModel) -> None:
    days = model.day
    trust = model.trust_history[:days]
    assert np.all(np.isfinite(trust)) and np.all(np.abs(trust) <= 1.0)
    assert np.all(np.isfinite(model.state.grievance)) and np.all(model.state.grievance >= 0.0)
    shares = model.shares_history[:days]
    assert np.all(shares >= 0.0)
    np.testing.assert_allclose(shares.sum(axis=-1), 1.0, atol=1e-12)
    support = model.support_history[:days]  # NaN for an arrangement off the table (and the status quo)
    shown = support[np.isfinite(support)]
    assert np.all((shown >= 0.0) & (shown <= 1.0)) and np.all(np.isnan(support[:, NONE_INDEX]))
    for record in model.log:
        assert record.actor in ACTORS and record.target in ACTORS and record.actor != record.target
        assert record.cameo in GOLDSTEIN
        assert 0 <= record.day < model.horizon


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**63 - 1),
    scenario=st.sampled_from(SCENARIO_NAMES),
    noise_sd=st.floats(0.0, 0.2),
    solidarity=st.floats(0.0, 1.0),
)
def test_runs_keep_their_invariants(seed, scenario, noise_sd, solidarity):
    model = CaucasusModel(scenario, rng=seed, noise_sd=noise_sd, solidarity=solidarity, horizon_days=240)
    model.run()
    check_invariants(model)


@pytest.mark.parametrize("scenario", SCENARIO_NAMES)
def test_every_scenario_runs_to_its_horizon(scenario):
    model = CaucasusModel(scenario, rng=3).run()
    assert model.day == model.horizon and not model.running
    check_invariants(model)
    outcomes = model.outcomes()
    assert outcomes.corridor_arrangement in {"russian_border_guards", "armenian_control", "neutral_operator", "none"}
    assert (outcomes.corridor_date is None) == (outcomes.corridor_arrangement == "none")
    assert (outcomes.rupture_date is None) == (not outcomes.rupture)
