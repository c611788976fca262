"""The dashboard's day/date convention (viz/clock.py), its status strip (viz/status.py) and the charts' marks."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.actors import ACTORS, INDEX
from sim.cameo import ladder_rung
from viz.charts import WINDOWS, corridor_option, dyads_option, event_marks, shares_option
from viz.clock import branch_text, clock_line, day_number, queued_text
from viz.event_table import event_rows
from viz.live import LiveRun, RunSettings
from viz.status import highest_rungs, status_items

START = dt.date(2024, 12, 20)  # configs/scenarios/baseline.toml: start_date
RAID = dt.date(2025, 6, 27)  # configs/scenarios/baseline.toml: shock "raid"
US_PROPOSAL = dt.date(2025, 7, 11)  # configs/scenarios/baseline.toml: shock "us_proposal"


def live_run(scenario: str = "baseline") -> LiveRun:
    return LiveRun(RunSettings(scenario, 1))


def run_to(live: LiveRun, days: int) -> LiveRun:
    live.step(days - live.day)
    return live


def status(live: LiveRun) -> dict[str, str]:
    return {item.key: item.text for item in status_items(live.model)}


# ---------------------------------------------------------------- one convention for days and dates


def test_the_clock_shows_the_last_completed_day_and_tomorrow():
    live = live_run()
    config, horizon = live.model.config, live.model.horizon
    assert clock_line(config, 0, horizon) == "Day 0 of 365 · nothing run yet · next Fri 20 Dec 2024"
    assert clock_line(config, 1, horizon) == "Day 1 of 365 · Fri 20 Dec 2024 done · next Sat 21 Dec 2024"
    assert clock_line(config, 365, horizon) == "Day 365 of 365 · Fri 19 Dec 2025 done · run over"
    assert day_number(0) == 1  # the start date is day 1


def test_the_clock_log_and_queue_agree_day_by_day():
    """After every step the clock's date is the model's last completed date, the newest logged
    day carries the clock's day number, and a queued shock is dated tomorrow."""
    live = live_run()
    for _ in range(12):
        live.step()
        line = clock_line(live.model.config, live.day, live.model.horizon)
        assert f"Day {live.day} of 365 · {live.date:%a %d %b %Y} done" in line
        assert live.date == START + dt.timedelta(days=live.day - 1)
        newest = event_rows(live.model.log, [], 1)
        if newest and newest[0].date == live.date.isoformat():
            assert newest[0].day == live.day
    record = live.inject("RUS", "AZE", "111")
    assert f"next {record.date:%a %d %b %Y}" in clock_line(live.model.config, live.day, live.model.horizon)
    queued = event_rows(live.model.log, live.model.events.pending, 5)[0]
    assert queued.queued and queued.day == live.day + 1
    assert queued_text(record.date) == f"queued for tomorrow, {record.date:%a %d %b %Y}"


def test_what_if_branches_after_the_last_completed_day():
    live = run_to(live_run(), 190)
    text = branch_text(live.model.config, live.day)
    assert text == "after day 190 (Fri 27 Jun 2025); the change acts tomorrow, day 191 (Sat 28 Jun 2025)"
    assert branch_text(live.model.config, 0).startswith("before day 1; the change acts tomorrow, day 1 (Fri 20 Dec")


def test_five_presses_of_to_next_shock_reach_the_raid_and_the_sixth_the_day_after():
    """The README's walkthrough: the baseline's shocks fall on 25, 26 and 28 Dec, 13 Mar, 27 and 28 Jun."""
    live = live_run()
    for _ in range(5):
        live.step_to_next_shock()
    assert live.date == RAID
    live.step_to_next_shock()
    assert live.date == RAID + dt.timedelta(days=1)


# ---------------------------------------------------------------- the status strip


def test_the_raid_cell_counts_days_from_the_scripted_raid():
    live = live_run()
    raid_index = (RAID - START).days
    run_to(live, raid_index)
    assert status(live)["raid"] == "before the raid (due Fri 27 Jun 2025)"
    run_to(live, raid_index + 1)
    assert status(live)["raid"] == "the raid's day (Fri 27 Jun 2025)"
    run_to(live, raid_index + 11)
    assert status(live)["raid"] == "10 days since the raid"


@pytest.mark.parametrize("scenario", ["no_raid", "calm"])
def test_a_scenario_without_the_raid_says_so(scenario):
    assert status(run_to(live_run(scenario), 5))["raid"] == "no raid in this scenario"


def test_the_corridor_cell_names_what_is_off_the_table_until_it_is_tabled():
    live = live_run()
    tabled = (US_PROPOSAL - START).days  # the day index of the US proposal
    run_to(live, tabled)
    assert "not on the table: neutral operator" in status(live)["corridor"]
    run_to(live, tabled + 1)
    corridor = status(live)["corridor"]
    if int(live.model.state.agreed) < 0:
        assert "every arrangement is on the table" in corridor and "in the lead:" in corridor
    else:
        assert corridor.startswith("AGREED:")


def test_the_relations_cell_follows_the_state_every_day():
    """Cut, ruptured, restored: the cell names the state's own dates (docs/ODD.md §7.13)."""
    live = live_run()
    seen = set()
    config = live.model.config
    while not live.finished:
        live.step()
        state, text = live.model.state, status(live)["relations"]
        since, first = int(state.cut_since), int(state.rupture_day)
        if since >= 0:
            cut_date = f"{config.date_of(since):%a %d %b %Y}"
            assert cut_date in text
            seen.add("ruptured" if text.startswith("RUPTURED") else "cut")
        elif int(state.ruptures) and int(state.restored_day) >= 0:
            assert text.startswith(f"restored on {config.date_of(int(state.restored_day)):%a %d %b %Y}")
            seen.add("restored")
        if first >= 0:
            assert f"{config.date_of(first):%a %d %b %Y}" in text
        if first < 0 and since < 0:
            assert text == "normal: not cut, no rupture"
    assert seen, "the baseline never cut relations: nothing was checked"


def test_the_highest_rung_so_far_is_never_below_a_standing_rung():
    """A standing rung comes from a rung taken (and fades from it), so no actor stands above its highest act."""
    live = live_run()
    while not live.finished:
        live.step(5)
        best = highest_rungs(live.model.log)
        standing = live.model.state.standing
        for actor in ACTORS:
            taken = ladder_rung(best[actor.value].cameo) if actor.value in best else 0
            assert round(float(standing[INDEX[actor]].max())) <= taken, (actor, live.date)


# ---------------------------------------------------------------- marks on every time chart


def time_chart_marks(live: LiveRun) -> list[list[dict]]:
    """The vertical marks of each time chart (dyads, both influence charts, the corridor)."""
    model = live.model
    options = [
        dyads_option(model, [(ACTORS[1], ACTORS[0])]),
        shares_option(model, ACTORS[1]),
        shares_option(model, ACTORS[2]),
        corridor_option(model),
    ]
    return [option["series"][0].get("markLine", {}).get("data", []) for option in options]


def test_every_time_chart_marks_the_shocks_the_injection_and_the_rupture():
    live = run_to(live_run(), 30)
    live.inject("TUR", "ARM", "114")
    live.step(2)
    marks = event_marks(live.model)
    by_label = {mark["label"]["formatter"]: mark["xAxis"] for mark in marks}
    assert by_label["plane"] == "2024-12-25"
    assert by_label["TUR→ARM 114"] == live.model.config.date_of(30).isoformat()
    first = int(live.model.state.rupture_day)
    if first >= 0:
        assert by_label["rupture"] == live.model.config.date_of(first).isoformat()
    assert all(day < live.day for day in [live.model.config.day_of(dt.date.fromisoformat(m["xAxis"])) for m in marks])
    for chart_marks in time_chart_marks(live):
        assert [m for m in chart_marks if "xAxis" in m and m in marks] == marks


def test_no_mark_is_drawn_for_a_day_not_yet_run():
    live = run_to(live_run(), 5)  # the plane falls on day index 5, not yet run
    assert event_marks(live.model) == []
    live.step()
    assert [m["label"]["formatter"] for m in event_marks(live.model)] == ["plane"]
    assert np.all([len(m) == 1 for m in time_chart_marks(live)])


# ---------------------------------------------------------------- the time charts' window


def test_a_window_shows_the_last_days_or_the_whole_year():
    live = run_to(live_run(), (RAID - START).days + 8)  # a week after the raid
    model = live.model
    last = (RAID + dt.timedelta(days=7)).isoformat()
    for window, axis_days, data_days in ((WINDOWS["last 30 days"], 30, 30), (WINDOWS["whole year"], 365, model.day)):
        for option in (dyads_option(model, [(ACTORS[1], ACTORS[0])], window), corridor_option(model, window)):
            assert len(option["xAxis"]["data"]) == axis_days
            assert all(len(series["data"]) == data_days for series in option["series"])
        shares = shares_option(model, ACTORS[1], window)
        assert shares["xAxis"]["data"][data_days - 1] == last  # the lines end at the last completed day
        trust = dyads_option(model, [(ACTORS[1], ACTORS[0])], window)["series"][0]["data"]
        assert trust[-1] == pytest.approx(
            model.trust_history[model.day - 1, INDEX[ACTORS[1]], INDEX[ACTORS[0]]], abs=1e-4
        )
    recent = [m["xAxis"] for m in event_marks(model, WINDOWS["last 30 days"])]
    assert RAID.isoformat() in recent and "2024-12-25" not in recent  # the plane is outside the last 30 days


def test_a_window_longer_than_the_run_shows_the_run_so_far():
    live = run_to(live_run(), 10)
    option = dyads_option(live.model, [(ACTORS[1], ACTORS[0])], WINDOWS["last 30 days"])
    assert option["xAxis"]["data"] == [(START + dt.timedelta(days=d)).isoformat() for d in range(10)]
