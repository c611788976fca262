"""The dashboard's plain-Python core: live runs, sessions, what-if branches, chart options."""

from __future__ import annotations

import numpy as np
import pytest

from sim.actors import INDEX, Actor
from sim.cameo import ladder_rung
from sim.errors import ConfigError
from sim.events_log import EventKind
from sim.model import CaucasusModel
from viz.charts import corridor_option, dyads_option, ladder_option, network_option, shares_option, trust_colour
from viz.event_table import event_rows, event_table_html
from viz.live import KNOBS, LiveRun, RunSettings, scenario_names
from viz.session import SPEEDS, Session, days_per_frame
from viz.whatif import METRICS, ParameterChange, ShockChange, branch

RAID_DAY = 189  # 27 June 2025 in the baseline (start 20 Dec 2024)


@pytest.fixture(scope="module")
def at_raid() -> LiveRun:
    """The baseline, seed 1, run a week past the Yekaterinburg raid."""
    live = LiveRun(RunSettings())
    live.step(RAID_DAY + 8)
    return live


def test_live_run_matches_a_plain_model_run():
    live = LiveRun(RunSettings("baseline", 3))
    assert live.step(40) == 40
    model = CaucasusModel("baseline", rng=3)
    for _ in range(40):
        model.step()
    np.testing.assert_array_equal(live.model.trust_history[:40], model.trust_history[:40])
    assert live.day == 40 and str(live.date) == "2025-01-28"


def test_stepping_stops_at_the_horizon():
    live = LiveRun(RunSettings("baseline", 1, (("scenario.horizon_days", 240),)))
    assert live.step(300) == 240 and live.finished
    assert live.step() == 0 and live.day == 240


def test_step_to_next_shock_runs_through_the_shock_day():
    live = LiveRun(RunSettings())
    live.step_to_next_shock()
    first = min(live.model.config.shocks_by_day())
    assert live.day == first + 1
    assert any(r.kind == EventKind.SCRIPTED for r in live.model.log)


def test_knobs_read_scenario_values_and_stay_in_parameter_ranges():
    scenario = LiveRun(RunSettings()).model.config
    for knob in KNOBS:
        assert knob.low <= knob.value_in(scenario) <= knob.high, knob.keyword
        assert knob.tooltip  # every slider has a tooltip saying what it changes
    assert scenario_names()[0] == "baseline" and "no_raid" in scenario_names()


def test_injection_is_logged_as_injected_and_replayed_exactly(at_raid):
    live = LiveRun(RunSettings())
    live.step(30)
    record = live.inject("RUS", "AZE", "055")
    assert record.day == 30 and record.kind == EventKind.INJECTED
    live.step(20)
    assert any(r.event_id == record.event_id for r in live.model.log)
    replay = live.replay()
    assert replay.day == live.day
    np.testing.assert_array_equal(replay.trust_history[:50], live.model.trust_history[:50])
    assert [r.description for r in replay.log] == [r.description for r in live.model.log]


@pytest.mark.parametrize(
    ("actor", "target", "cameo", "message"),
    [("AZE", "AZE", "173", "itself"), ("XXX", "AZE", "173", "not an actor"), ("RUS", "AZE", "999", "CAMEO")],
)
def test_bad_injections_are_refused_and_leave_the_run_untouched(actor, target, cameo, message):
    session = Session()
    session.step(5)
    before = session.live.model.state.trust.copy()
    assert not session.inject(actor, target, cameo)
    assert message in session.error
    assert session.live.injections == []
    assert not [r for r in session.live.model.events.pending if r.kind == EventKind.INJECTED]
    np.testing.assert_array_equal(session.live.model.state.trust, before)


def test_reset_applies_changed_values_and_refuses_bad_ones():
    session = Session()
    session.step(10)
    values = {knob.keyword: knob.value_in(session.live.model.config) for knob in KNOBS}
    assert session.reset("baseline", 7, {**values, "escalation_cost": 6.0})
    assert session.live.day == 0 and session.live.settings.seed == 7
    assert session.live.settings.overrides == (("escalation_cost", 6.0),)
    inputs = session.live.model.inputs  # restraint = 1 - (1 - dependence)^escalation_cost, with the new cost
    np.testing.assert_allclose(inputs.restraint, 1.0 - (1.0 - inputs.dependence) ** 6.0)
    running = session.live
    for seed, values_given in ((-1, values), (2**63, values), (None, values), (1, {**values, "trust_rate": 5.0})):
        assert not session.reset("baseline", seed, values_given)
        assert session.error and session.live is running  # the running model is untouched
    assert not session.reset("no_such_scenario", 1, {})
    assert "no_such_scenario" in session.error and session.live is running


def test_speeds_give_at_least_one_day_per_frame():
    for speed in SPEEDS:
        days, seconds = days_per_frame(speed)
        assert days >= 1 and 0 < seconds <= 1.0
    assert days_per_frame("1 day/s") == (1, 1.0)
    assert days_per_frame("max")[0] > days_per_frame("10 days/s")[0]


def test_whatif_branches_share_the_past_and_differ_only_after(at_raid):
    whatif = branch(at_raid, ShockChange("RUS", "AZE", "055"))
    day = whatif.branch_day
    assert day == at_raid.day and whatif.as_run.day == whatif.changed.day == at_raid.model.horizon
    np.testing.assert_array_equal(whatif.as_run.trust_history[:day], at_raid.model.trust_history[:day])
    np.testing.assert_array_equal(whatif.as_run.trust_history[:day], whatif.changed.trust_history[:day])
    base, changed = whatif.series("Trust AZE → RUS")
    assert changed[day] > base[day]  # an apology a week after the raid raises Azerbaijan's trust in Russia
    for metric in METRICS:
        a, b = whatif.series(metric)
        assert a.shape == b.shape == (at_raid.model.horizon,)


def test_whatif_without_change_equals_the_run_continued(at_raid):
    whatif = branch(at_raid, ParameterChange("AZE_reciprocity", at_raid.model.inputs.reciprocity[INDEX[Actor.AZE]]))
    np.testing.assert_array_equal(whatif.as_run.trust_history, whatif.changed.trust_history)
    continued = at_raid.replay().run()
    np.testing.assert_array_equal(continued.trust_history, whatif.as_run.trust_history)


def test_whatif_parameter_change_acts_from_the_branch_day(at_raid):
    whatif = branch(at_raid, ParameterChange("AZE_reciprocity", 0.0))
    assert whatif.changed.interventions == [(at_raid.day, {"actors.AZE.reciprocity": 0.0})]

    def aze_rungs(model):
        return {ladder_rung(r.cameo) for r in model.log if r.day > at_raid.day and r.actor == "AZE"} - {0}

    assert max(aze_rungs(whatif.changed)) < max(aze_rungs(whatif.as_run))  # no urge to answer in kind: milder answers


def test_bad_branches_are_refused():
    session = Session()
    session.step(3)
    assert not session.branch(ParameterChange("AZE_reciprocity", 7.0))
    assert "reciprocity" in session.error and session.whatif is None
    assert not session.branch(ShockChange("AZE", "AZE", "055"))
    assert "itself" in session.error


def test_mid_run_change_rejects_what_cannot_change():
    model = CaucasusModel("baseline", rng=1)
    with pytest.raises(ConfigError, match="mid-run"):
        model.change_parameters(horizon_days=30)
    with pytest.raises(ConfigError, match="out of range"):
        model.change_parameters(trust_rate=3.0)
    assert model.interventions == []


def test_network_option_has_every_arrow_coloured_by_trust_and_marks_changes(at_raid):
    trust = at_raid.model.state.trust
    option = network_option(trust, at_raid.previous_trust)
    series = option["series"][0]
    assert len(series["data"]) == 8 and len(series["links"]) == 56
    aze_rus = next(link for link in series["links"] if (link["source"], link["target"]) == ("AZE", "RUS"))
    assert aze_rus["value"] == round(float(trust[INDEX[Actor.AZE], INDEX[Actor.RUS]]), 2)
    assert aze_rus["lineStyle"]["color"] == trust_colour(trust[INDEX[Actor.AZE], INDEX[Actor.RUS]])
    moved = np.abs(trust - at_raid.previous_trust) >= 0.03
    assert sum("label" in link for link in series["links"]) == int(moved.sum())
    by_name = {node["name"]: node for node in series["data"]}
    assert abs(by_name["AZE"]["x"]) < 50 and abs(by_name["ARM"]["x"]) < 50  # the states sit in the middle


def test_trust_colour_runs_red_to_blue():
    assert trust_colour(-1) == "#c62828" and trust_colour(1) == "#1565c0" and trust_colour(0) == "#bdbdbd"


def test_time_series_options_cover_the_days_run(at_raid):
    model = at_raid.model
    for option in (
        shares_option(model, Actor.AZE),
        dyads_option(model, [(Actor.AZE, Actor.RUS)]),
        corridor_option(model),
    ):
        assert len(option["xAxis"]["data"]) == model.day
        assert all(len(series["data"]) == model.day for series in option["series"])
    shares = np.array([s["data"] for s in shares_option(model, Actor.AZE)["series"]])
    np.testing.assert_allclose(shares.sum(axis=0), 1.0, atol=1e-3)
    ladder = ladder_option(model)["series"][0]["data"]
    aze = ladder[INDEX[Actor.AZE]]
    assert aze["value"] >= 2 and "RUS" in aze["label"]["formatter"]  # Azerbaijan has climbed against Russia


def test_event_rows_are_newest_first_with_causes(at_raid):
    model = at_raid.model
    rows = event_rows(model.log, model.events.pending)
    days = [row.day for row in rows if not row.queued]
    assert days == sorted(days, reverse=True)
    responses = [row for row in rows if row.kind == "response" and row.cause]
    assert responses and all(row.cause.startswith("#") for row in responses)
    html = event_table_html(rows)
    assert html.count("<tr class=") == len(rows) and "Goldstein" in html
    assert "No events yet" in event_table_html([])
