"""The Mesa model's interfaces: keyword construction, batch_run, injection, scheduling."""

from __future__ import annotations

import datetime as dt

import mesa
import numpy as np
import pytest

from sim.actors import Actor
from sim.errors import ConfigError
from sim.events_log import EventKind
from sim.model import CaucasusModel
from tests.conftest import SCENARIOS


def test_keyword_arguments_reach_the_config():
    model = CaucasusModel("baseline", rng=4, trust_rate=0.3, RUS_distraction=0.9, horizon_days=210)
    assert model.config.params.trust_rate == 0.3
    assert model.config.profiles[0].disposition.distraction == 0.9
    assert model.horizon == 210 and model.seed == 4


def test_unknown_keyword_is_a_config_error():
    with pytest.raises(ConfigError, match="trust_rat"):
        CaucasusModel("baseline", trust_rat=0.3)


def test_model_from_a_path_and_by_name_agree():
    by_name = CaucasusModel("baseline", rng=2, horizon_days=210).run()
    by_path = CaucasusModel(SCENARIOS / "baseline.toml", rng=2, horizon_days=210).run()
    assert by_name.outcomes() == by_path.outcomes()


def test_batch_run_drives_the_model():
    results = mesa.batch_run(
        CaucasusModel,
        parameters={"scenario": "baseline", "RUS_distraction": [0.2, 0.9], "horizon_days": 220},
        rng=[1, 2],
        max_steps=400,
        number_processes=1,
        display_progress=False,
    )
    assert len(results) == 4 * 8  # four runs, a row per country agent (agent reporters) in each
    assert {r["RUS_distraction"] for r in results} == {0.2, 0.9}
    assert all(r["Step"] == 220 for r in results)
    assert all(-1.0 <= r["trust_AZE_RUS"] <= 1.0 for r in results)
    assert {r["actor"] for r in results} == {actor.value for actor in Actor}
    for run in {r["RunId"] for r in results}:  # model values repeat on each of a run's agent rows
        assert len({r["trust_AZE_RUS"] for r in results if r["RunId"] == run}) == 1


def test_agents_show_their_own_part_of_the_state_read_only():
    model = CaucasusModel("baseline", rng=1, horizon_days=220).run()
    azerbaijan = next(agent for agent in model.agents if agent.actor == Actor.AZE)
    aze = azerbaijan.index
    np.testing.assert_array_equal(azerbaijan.trust, model.state.trust[aze])
    np.testing.assert_array_equal(azerbaijan.grievances, model.state.grievance[aze])
    np.testing.assert_array_equal(azerbaijan.standing, model.state.standing[aze])
    with pytest.raises(ValueError, match="read-only"):
        azerbaijan.trust[0] = 1.0
    agents = model.datacollector.get_agent_vars_dataframe()
    assert len(agents) == 8 * (model.day + 1)  # every actor at construction and after each day
    last = agents.xs(float(model.steps), level="Step").set_index("actor")
    assert last.loc["AZE", "max_grievance"] == pytest.approx(model.state.grievance[aze].max())


def test_scripted_shocks_fire_on_their_date():
    model = CaucasusModel("baseline", rng=1)
    raid_day = model.config.day_of(dt.date(2025, 6, 27))
    while model.day <= raid_day:
        model.step()
    scripted = [r for r in model.log if r.kind == EventKind.SCRIPTED]
    assert [r.date for r in scripted if r.cameo == "173"] == [dt.date(2025, 6, 27)]
    assert all(r.day == model.config.day_of(r.date) for r in model.log)
    # responses to the raid are dated the next day at the earliest
    answers = [r for r in model.log if r.kind == EventKind.RESPONSE and r.actor == Actor.AZE and r.day > raid_day]
    assert answers == [] or min(r.day for r in answers) == raid_day + 1


def test_an_injected_shock_fires_on_the_next_step_and_is_logged():
    model = CaucasusModel("no_raid", rng=1)
    for _ in range(10):
        model.step()
    before = model.state.trust[1, 0]
    record = model.inject("RUS", "AZE", "190", description="test strike")
    model.step()
    assert record in model.log and record.kind == EventKind.INJECTED and record.day == 10
    assert model.state.trust[1, 0] < before - 0.1


@pytest.mark.parametrize(
    ("actor", "target", "cameo", "salience", "message"),
    [
        ("RUS", "RUS", "190", 1.0, "cannot act on itself"),
        ("RUS", "AZE", "999", 1.0, "not a CAMEO code"),
        ("XYZ", "AZE", "190", 1.0, "allowed: RUS, AZE"),
        ("RUS", "AZE", "190", float("nan"), "out of range"),
        ("RUS", "AZE", "190", "high", "out of range"),
    ],
)
def test_a_bad_injection_is_refused_and_leaves_the_model_untouched(actor, target, cameo, salience, message):
    model = CaucasusModel("baseline", rng=1, horizon_days=210)
    model.step()
    with pytest.raises(ValueError, match=message):
        model.inject(actor, target, cameo, salience=salience)
    assert model.events.pending == [] or all(r.kind != EventKind.INJECTED for r in model.events.pending)


def test_a_response_names_the_event_it_answers():
    model = CaucasusModel("baseline", rng=1).run()
    by_id = {r.event_id: r for r in model.log}
    answers = [r for r in model.log if r.kind == EventKind.RESPONSE and r.cause_id is not None]
    assert answers
    for answer in answers:
        cause = by_id[answer.cause_id]
        assert cause.day <= answer.day
        assert {cause.actor, cause.target} == {answer.actor, answer.target}


def test_stepping_past_the_horizon_changes_nothing():
    model = CaucasusModel("baseline", rng=1, horizon_days=210).run()
    outcomes, log_length = model.outcomes(), len(model.log)
    model.step()
    assert model.day == 210 and not model.running
    assert model.outcomes() == outcomes and len(model.log) == log_length
