"""The dashboard page rendered with Solara's own test helpers (no browser): controls and views."""

from __future__ import annotations

import html
import time

import ipyvuetify as v
import solara
from reacton.find import Finder

import sim.model
import viz.live
from sim.model import SCENARIO_DIR
from sim.outcomes import OUTCOMES
from viz.app import Page
from viz.map_data import MAP_NAME
from viz.tooltip import MAX_WIDTH_PX, OPEN_DELAY_MS, SIDES


def render_page():
    """One browser session's page, inside the app layout that `solara run` gives it."""
    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    return rc


def clock(rc) -> str:
    return rc.find(v.Html, class_="run-clock").widget.children[0]


def widget_text(widget) -> str:
    return widget.children[0] if getattr(widget, "children", None) else getattr(widget, "value", "")


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def html_of(rc, css_class: str) -> str:
    """The HTML of the one `solara.HTML` element carrying a CSS class."""
    boxes = [w for w in rc.find(solara.widgets.HTML).widgets if css_class in w.attributes.get("class", "").split()]
    assert len(boxes) == 1
    return boxes[0].unsafe_innerHTML


def event_log_html(rc) -> str:
    return html_of(rc, "event-log-box")


def test_step_advances_the_clock_and_the_views():
    rc = render_page()
    assert clock(rc).startswith("Day 0 of 365 · nothing run yet · next Fri 20 Dec 2024")
    assert "No events yet" in event_log_html(rc)
    button(rc, "Step").click()  # day 1 is the start date, and it is done
    assert clock(rc).startswith("Day 1 of 365 · Fri 20 Dec 2024 done · next Sat 21 Dec 2024")
    for _ in range(5):
        button(rc, "Step").click()
    assert clock(rc).startswith("Day 6 of 365 · Wed 25 Dec 2024 done · next Thu 26 Dec 2024")
    assert "8243" in event_log_html(rc)  # the downing of the airliner on 25 December is logged
    charts = rc.find(solara.components.echarts.EchartsWidget).widgets
    assert len(charts) == 7
    dyads = next(c for c in charts if c.attributes.get("class") == "view-dyads")
    assert len(dyads.option["xAxis"]["data"]) == 6
    region = next(c for c in charts if c.attributes.get("class") == "view-map")
    assert region.option["geo"]["map"] == MAP_NAME and set(region.maps) == {MAP_NAME}  # the geometry, registered
    assert "not cut" in region.option["title"]["subtext"]
    for _ in range(9):  # through 28 Dec 2024, when Azerbaijan freezes channels with Russia (viz/info.md)
        button(rc, "Step").click()
    assert "cut since Sat 28 Dec 2024" in region.option["title"]["subtext"]  # the map follows the step


def test_slider_change_waits_for_reset_then_applies():
    rc = render_page()
    button(rc, "Step").click()
    slider = rc.find(v.Slider, label="Cost of escalation (exponent on interdependence)").widget
    slider.v_model = 6.0
    assert float(value_field(rc, "escalation_cost").v_model) == 6.0  # the value shows beside the slider
    rc.find(v.Alert, class_="pending-note").assert_single()
    assert clock(rc).startswith("Day 1 ")  # nothing runs until Reset
    button(rc, "Reset").click()
    assert clock(rc).startswith("Day 0 ")
    rc.find(v.Alert, class_="pending-note").assert_empty()
    notice = rc.find(v.Alert, class_="page-notice").widget
    assert "escalation_cost=6" in widget_text(notice)


def value_field(rc, keyword: str):
    """The number field beside a knob's slider."""
    return rc.find(v.TextField, class_="knob-value").widgets[[k.keyword for k in viz.live.KNOBS].index(keyword)]


def test_a_typed_knob_value_moves_its_slider_and_one_out_of_range_is_refused():
    rc = render_page()
    knob = viz.live.KNOB_BY_KEYWORD["trust_rate"]
    field = value_field(rc, "trust_rate")
    assert field.label == f"{knob.low:g} to {knob.high:g}"  # the allowed range, from the parameter's metadata
    field.v_model = "0.35"
    field.fire_event("focusout")
    slider = rc.find(v.Slider, label=knob.label).widget
    assert slider.v_model == 0.35 and (slider.min, slider.max) == (knob.low, knob.high)
    rc.find(v.Alert, class_="pending-note").assert_single()
    field.v_model = str(knob.high + 1)
    field.fire_event("focusout")
    refused = rc.find(v.Html, class_="knob-refused").widget
    assert "refused" in refused.children[0] and f"{knob.low:g} to {knob.high:g}" in refused.children[0]
    assert slider.v_model == 0.35  # kept


def test_status_strip_says_the_outcome_after_every_step():
    rc = render_page()
    strip = html_of(rc, "status-strip")
    assert "before the raid (due Fri 27 Jun 2025)" in strip and "not on the table: neutral operator" in strip
    for _ in range(9):  # through 28 Dec 2024, when Azerbaijan freezes channels with Russia (viz/info.md)
        button(rc, "Step").click()
    strip = html_of(rc, "status-strip")
    assert "cut since Sat 28 Dec 2024" in strip and "AZE 3 (" in strip


def test_bad_seed_shows_a_message_and_keeps_the_run():
    rc = render_page()
    for _ in range(3):
        button(rc, "Step").click()
    seed = rc.find(v.TextField, label="Seed").widget
    seed.v_model = "-5"
    seed.fire_event("focusout")
    button(rc, "Reset").click()
    error = rc.find(v.Alert, class_="page-error").widget
    assert "Seed" in widget_text(error) and "0 to" in widget_text(error)
    assert clock(rc).startswith("Day 3 ")  # the running model is untouched


def test_a_broken_scenario_file_in_the_picker_shows_a_message_and_keeps_the_run(tmp_path, monkeypatch):
    """A user's own faulty file in configs/scenarios/ is listed; picking it must not raise."""
    scenarios = tmp_path / "scenarios"  # the baseline finds its actors file at ../actors.toml
    scenarios.mkdir()
    for source, target in (
        (SCENARIO_DIR / "baseline.toml", scenarios),
        (SCENARIO_DIR.parent / "actors.toml", tmp_path),
    ):
        (target / source.name).write_text(source.read_text(encoding="utf-8"), "utf-8")
    (scenarios / "broken.toml").write_text("[scenario]\nhorizon_days = 'long'\n", encoding="utf-8")
    monkeypatch.setattr(viz.live, "SCENARIO_DIR", scenarios)
    monkeypatch.setattr(sim.model, "SCENARIO_DIR", scenarios)
    rc = render_page()
    picker = rc.find(v.Select, label="Scenario").widget
    assert picker.items == ["baseline", "broken"]
    picker.v_model = "broken"
    error = rc.find(v.Alert, class_="page-error").widget
    assert "broken.toml" in widget_text(error) and "scenario.start_date" in widget_text(error)
    button(rc, "Step").click()
    button(rc, "Reset").click()
    assert "broken.toml" in widget_text(rc.find(v.Alert, class_="page-error").widget)
    assert clock(rc).startswith("Day 1 ")  # the running model is untouched


def test_inject_queues_a_shock_that_fires_next_step():
    rc = render_page()
    button(rc, "Step").click()
    button(rc, "Inject").click()  # default: RUS denounces AZE
    assert "queued for tomorrow, Sat 21 Dec 2024" in event_log_html(rc)  # day 1 (20 Dec) is done
    assert "Queued for tomorrow, day 2 (Sat 21 Dec 2024)" in widget_text(rc.find(v.Alert, class_="page-notice").widget)
    button(rc, "Step").click()
    log = event_log_html(rc)
    assert 'class="event-injected"' in log and "queued" not in log.split("event-injected")[1].split("</tr>")[0]


def test_inject_on_itself_is_refused_with_a_message():
    rc = render_page()
    rc.find(v.Select, label="Target").widget.v_model = "RUS"
    button(rc, "Inject").click()
    error = rc.find(v.Alert, class_="page-error").widget
    assert "itself" in widget_text(error)
    assert "No events yet" in event_log_html(rc)


def test_two_sessions_are_independent():
    first, second = render_page(), render_page()
    for _ in range(4):
        button(first, "Step").click()
    assert clock(first).startswith("Day 4 ") and clock(second).startswith("Day 0 ")


def test_play_runs_days_and_pause_stops():
    rc = render_page()
    rc.find(v.Select, label="Speed").widget.v_model = "max"
    button(rc, "Play").click()
    deadline = time.time() + 20
    while time.time() < deadline and clock(rc).startswith("Day 0 "):
        time.sleep(0.1)
    button(rc, "Pause").click()
    time.sleep(0.5)
    stopped = clock(rc)
    time.sleep(0.6)
    assert not stopped.startswith("Day 0 ") and clock(rc) == stopped


def test_whatif_branch_shows_both_lines_and_outcomes():
    rc = render_page()
    for _ in range(10):
        button(rc, "Step").click()
    rc.find(v.Tabs).widget.v_model = 1  # the What-if tab
    subtitles = [w.children[0] for w in rc.find(v.CardSubtitle).widgets if str(w.children[0]).startswith("Branch")]
    assert len(subtitles) == 1
    assert "after day 10 (Sun 29 Dec 2024); the change acts tomorrow, day 11 (Mon 30 Dec 2024)" in subtitles[0]
    button(rc, "Branch now").click()
    chart = rc.find(
        solara.components.echarts.EchartsWidget,
        attributes={"style": "height: 380px; width: 100%", "class": "view-whatif"},
    ).widget
    names = [series["name"] for series in chart.option["series"]]
    assert names == ["as run", "what-if", "what-if − as run"]
    assert len(chart.option["series"][0]["data"]) == 365
    table = html_of(rc, "whatif-outcomes")
    assert "<th>what-if</th>" in table and all(html.escape(outcome.title, quote=False) in table for outcome in OUTCOMES)


def test_every_tooltip_waits_before_opening_and_opens_on_its_stated_side():
    """Solara's own tooltips opened at once below their control, over the next one (issue 15, item 7)."""
    rc = render_page()
    tooltips = rc.find(v.Tooltip).widgets
    assert len(tooltips) >= 15  # every control of the sidebar, the inject panel and the live views
    for tooltip in tooltips:
        sides = [side for side in SIDES if getattr(tooltip, side)]
        assert len(sides) == 1 and tooltip.content_class == f"tip-{sides[0]}"
        assert tooltip.open_delay == OPEN_DELAY_MS > 0 and tooltip.max_width == MAX_WIDTH_PX
    # The row Step, Play, To next shock: above it, where no control sits (the card's title does).
    for label in ("Step", "Play", "To next shock"):
        (tooltip,) = [t for t in tooltips if Finder([t]).find(v.Btn, children=[label]).widgets]
        assert tooltip.top


def network_chart(rc):
    charts = rc.find(solara.components.echarts.EchartsWidget).widgets
    return next(c for c in charts if c.attributes.get("class") == "view-network")


def test_the_network_picks_one_actors_ties_and_names_the_changes_over_a_jump():
    rc = render_page()
    for _ in range(5):  # through the raid's day: the fifth press jumps 106 days
        button(rc, "To next shock").click()
    caption = rc.find(v.Html, class_="network-changes").widget.children[0]
    assert caption.startswith("Largest changes over the last 106 days: AZE→RUS")
    assert caption.count("→") == 5
    assert len(network_chart(rc).option["series"][0]["links"]) == 56
    rc.find(v.Select, label="Ties of").widget.v_model = "IRN"
    network = network_chart(rc)
    assert len(network.option["series"][0]["links"]) == 14
    assert all("IRN" in (link["source"], link["target"]) for link in network.option["series"][0]["links"])
    assert "distrust" in html_of(rc, "network-legend")


def test_a_seed_that_is_no_number_is_flagged_and_refused_by_reset():
    rc = render_page()
    for _ in range(2):
        button(rc, "Step").click()
    seed = rc.find(v.TextField, label="Seed").widget
    seed.v_model = "abc"
    seed.fire_event("focusout")
    seed = rc.find(v.TextField, label="Seed").widget
    assert seed.error and "'abc' is not a whole number" in str(seed.messages)  # flagged in the field
    button(rc, "Reset").click()
    error = rc.find(v.Alert, class_="page-error").widget
    assert "'abc' is not a whole number" in widget_text(error)
    assert clock(rc).startswith("Day 2 ") and clock(rc).endswith("baseline, seed 1")  # the run is untouched


def test_the_sweep_explorers_header_names_the_sweep_not_the_live_run():
    rc = render_page()
    rc.find(v.Tabs).widget.v_model = 2  # the Sweep explorer tab
    rc.find(v.Html, class_="run-clock").assert_empty()
    assert rc.find(v.Html, class_="sweep-heading").widget.children[0] == "Sweep explorer · no sweep opened"
    rc.find(v.Tabs).widget.v_model = 0
    assert clock(rc).endswith("baseline, seed 1")
