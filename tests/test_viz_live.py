"""The dashboard's plain-Python core: live runs, sessions, what-if branches, chart options."""

from __future__ import annotations

import numpy as np
import pytest

from sim.actors import INDEX, Actor
from sim.cameo import ladder_rung
from sim.config import MAX_SEED
from sim.errors import ConfigError
from sim.events_log import EventKind
from sim.model import CaucasusModel
from viz.charts import (
    CHANGE_SHOWN,
    CHANGES_LABELLED,
    LEGEND_TRUST,
    MINUS,
    changes_text,
    corridor_option,
    dyads_option,
    ladder_option,
    largest_changes,
    network_legend_html,
    network_option,
    shares_option,
    trust_colour,
    trust_width,
)
from viz.event_table import event_rows, event_table_html
from viz.live import KNOBS, LiveRun, RunSettings, scenario_names
from viz.session import SPEEDS, Session, days_per_frame, parse_seed, seed_problem
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


def test_network_option_has_every_arrow_coloured_and_sized_by_trust(at_raid):
    trust = at_raid.model.state.trust
    option = network_option(trust, at_raid.previous_trust, at_raid.last_step_days)
    series = option["series"][0]
    assert len(series["data"]) == 8 and len(series["links"]) == 56
    aze_rus = next(link for link in series["links"] if (link["source"], link["target"]) == ("AZE", "RUS"))
    value = float(trust[INDEX[Actor.AZE], INDEX[Actor.RUS]])
    assert aze_rus["value"] == round(value, 2)
    assert aze_rus["lineStyle"]["color"] == trust_colour(value)
    assert aze_rus["lineStyle"]["width"] == trust_width(value)
    by_name = {node["name"]: node for node in series["data"]}
    assert abs(by_name["AZE"]["x"]) < 50 and abs(by_name["ARM"]["x"]) < 50  # the states sit in the middle


def change_of(link: dict, trust: np.ndarray, previous: np.ndarray) -> float:
    a, b = INDEX[Actor(link["source"])], INDEX[Actor(link["target"])]
    return float(trust[a, b] - previous[a, b])


def test_after_a_jump_only_the_largest_changes_over_it_glow_and_are_labelled(at_raid):
    """The fixture ran 197 days in one step: many arrows moved, only the few largest are labelled."""
    trust, previous = at_raid.model.state.trust, at_raid.previous_trust
    assert at_raid.last_step_days == RAID_DAY + 8
    links = network_option(trust, previous, at_raid.last_step_days)["series"][0]["links"]
    moved = int((np.abs(trust - previous) >= CHANGE_SHOWN).sum())
    assert moved > CHANGES_LABELLED  # the case of the issue: more arrows moved than can be labelled
    labelled = [link for link in links if "label" in link]
    glowing = [link for link in links if "shadowBlur" in link["lineStyle"]]
    assert len(labelled) == CHANGES_LABELLED and glowing == labelled
    smallest_labelled = min(abs(change_of(link, trust, previous)) for link in labelled)
    assert all(abs(change_of(link, trust, previous)) <= smallest_labelled for link in links if "label" not in link)
    for link in labelled:
        assert link["label"]["formatter"] == f"{change_of(link, trust, previous):+.2f}".replace("-", MINUS)
    assert all(f"over the last {RAID_DAY + 8} days" in link["tooltip"]["formatter"] for link in links)


def test_picking_an_actor_shows_its_ties_alone(at_raid):
    trust, previous = at_raid.model.state.trust, at_raid.previous_trust
    links = network_option(trust, previous, 1, Actor.AZE)["series"][0]["links"]
    assert len(links) == 2 * 7
    assert all("AZE" in (link["source"], link["target"]) for link in links)
    labelled = {(link["source"], link["target"]) for link in links if "label" in link}
    assert labelled == {(a.value, b.value) for a, b, _ in largest_changes(trust, previous, Actor.AZE)}


def test_largest_changes_orders_by_size_and_leaves_out_daily_noise():
    previous = np.zeros((8, 8))
    trust = previous.copy()
    rus, aze, arm, tur = (INDEX[a] for a in (Actor.RUS, Actor.AZE, Actor.ARM, Actor.TUR))
    trust[aze, rus], trust[tur, rus], trust[rus, aze], trust[arm, aze] = -0.6, -0.2, 0.1, CHANGE_SHOWN / 2
    assert largest_changes(trust, previous) == [
        (Actor.AZE, Actor.RUS, -0.6),
        (Actor.TUR, Actor.RUS, -0.2),
        (Actor.RUS, Actor.AZE, 0.1),
    ]  # ARM→AZE moved less than CHANGE_SHOWN: noise, not labelled
    assert largest_changes(trust, previous, count=1) == [(Actor.AZE, Actor.RUS, -0.6)]
    assert largest_changes(trust, previous, focus=Actor.TUR) == [(Actor.TUR, Actor.RUS, -0.2)]
    assert largest_changes(previous, previous) == []


def test_changes_text_names_the_span_and_the_changes():
    assert "Nothing run yet" in changes_text([], 0)
    assert changes_text([], 1) == f"No arrow moved by {CHANGE_SHOWN:g} or more on the last day."
    text = changes_text([(Actor.AZE, Actor.RUS, -0.62), (Actor.RUS, Actor.AZE, 0.07)], 106)
    assert text == f"Largest changes over the last 106 days: AZE→RUS {MINUS}0.62, RUS→AZE +0.07"


def test_the_legend_draws_the_arrows_colours_and_widths():
    legend = network_legend_html()
    for value in LEGEND_TRUST:
        assert f'stroke="{trust_colour(value)}" stroke-width="{trust_width(value):g}"' in legend
    assert "distrust" in legend and f"{CHANGES_LABELLED} largest changes" in legend
    assert trust_width(0) < trust_width(0.5) < trust_width(-1) == trust_width(1)


def test_last_step_days_counts_the_days_of_the_last_step():
    live = LiveRun(RunSettings())
    assert live.last_step_days == 0
    live.step()
    assert live.last_step_days == 1
    before = live.model.state.trust.copy()
    days = live.step_to_next_shock()
    assert days > 1 and live.last_step_days == days
    np.testing.assert_array_equal(live.previous_trust, before)  # the trust before the jump, not the day before


def test_a_typed_seed_must_be_a_whole_number_in_range():
    assert parse_seed(" 7 ") == 7 and parse_seed(0) == 0 and parse_seed(str(MAX_SEED)) == MAX_SEED
    for typed, says in (("abc", "'abc' is not a whole number"), ("1.5", "'1.5'"), ("", "no seed"), (None, "no seed")):
        with pytest.raises(ValueError, match=f"Seed: .*{says}.*0 to {MAX_SEED}"):
            parse_seed(typed)
    for typed in ("-1", str(MAX_SEED + 1)):
        assert seed_problem(typed).startswith(f"Seed: {int(typed)} is not allowed")
    assert seed_problem("12") == ""


def test_reset_with_a_seed_that_is_no_number_keeps_the_run():
    session = Session()
    session.step(3)
    running = session.live
    assert not session.reset("baseline", "abc", {})
    assert "'abc' is not a whole number" in session.error and session.live is running and running.day == 3
    assert session.reset("baseline", "12", {}) and session.live.settings.seed == 12


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


#: ECharts' defaults: an axis label sits 8 px from its axis in a 12 px font.
LABEL_MARGIN, FONT_SIZE = 8, 12


def test_axis_names_keep_clear_of_the_legends_and_the_tick_labels(at_raid):
    """A time chart's y-axis name runs up beside the axis (at its top it collided with the legend);
    the ladder's "rung" sits under its row of tick labels, not in it between two ticks."""
    model = at_raid.model
    for option in (
        shares_option(model, Actor.AZE),
        dyads_option(model, [(Actor.AZE, Actor.RUS)]),
        corridor_option(model),
    ):
        y_axis, grid = option["yAxis"], option["grid"]
        assert option["legend"]["top"] == 0 and y_axis["nameLocation"] == "middle"
        assert LABEL_MARGIN + 2 * FONT_SIZE <= y_axis["nameGap"] <= grid["left"] - FONT_SIZE  # left of "-0.5", inside
    ladder = ladder_option(model)
    x_axis = ladder["xAxis"]
    assert x_axis["nameLocation"] == "middle" and x_axis["nameGap"] >= LABEL_MARGIN + FONT_SIZE
    assert ladder["grid"]["bottom"] >= x_axis["nameGap"] + FONT_SIZE  # and inside the chart


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
