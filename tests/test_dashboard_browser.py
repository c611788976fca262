"""The real dashboard in a real browser: `caucasus dashboard` driven by Playwright and Chromium.

One server (started as `caucasus dashboard` does it) serves the whole module; each test opens
its own browser context, so each test is a fresh browser session with its own run. Debian's
/usr/bin/chromium is launched by `viz.browser.launch_chromium` (never `playwright install`).
Each test saves a screenshot of its key moment in test-artifacts/dashboard/<test name>.png.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from experiments.runner import execute, plan_sweep
from experiments.store import SweepStore
from experiments.sweep_config import load_sweep
from tests.conftest import ROOT, SCENARIOS
from viz.browser import CHROMIUM
from viz.info import info_sections
from viz.map_chart import PHASE_COLOURS

# A real Solara server and Chromium: the browser tier (deselect with -m "not browser").
pytestmark = [pytest.mark.browser, pytest.mark.slow]

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

# scripts/test installs Debian's chromium; a missing browser fails these tests (launch_chromium
# says why) unless one opts out explicitly, e.g. on a machine without apt.
if not CHROMIUM.exists() and os.environ.get("CAUCASUS_SKIP_BROWSER_TESTS"):
    pytest.skip(f"no Chromium at {CHROMIUM} and CAUCASUS_SKIP_BROWSER_TESTS is set", allow_module_level=True)

ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
#: Generous waits: this 2-core machine is slow and noisy.
WAIT_MS = 20_000
LOAD_MS = 45_000
BRANCH_MS = 60_000
VIEWS = [
    ".view-network",
    ".view-dyads",
    ".view-shares-aze",
    ".view-shares-arm",
    ".view-corridor",
    ".view-ladder",
]
DAY = re.compile(r"Day (\d+) of 365")


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def server_url(tmp_path_factory) -> Iterator[str]:
    """The URL of one dashboard server (no sweep opened first) for the whole module."""
    from viz.server import serving

    with serving(tmp_path_factory.mktemp("dashboard") / "server.log", sweep_dir=None) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from viz.browser import launch_chromium

    with sync_api.sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


class Traffic:
    """Every request, response, failed request and websocket of a browser context."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.responses: list[tuple[int, str]] = []
        self.websockets: list[str] = []
        self.failed: list[str] = []

    def attach(self, context) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("requestfailed", lambda request: self.failed.append(f"{request.url} ({request.failure})"))
        context.on("response", lambda response: self.responses.append((response.status, response.url)))
        context.on("page", lambda page: page.on("websocket", lambda ws: self.websockets.append(ws.url)))


def start_session(browser, url: str, traffic: Traffic | None = None):
    """A new browser context (a fresh session) that has begun to load the dashboard; returns (context, page)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1100})
    context.set_default_timeout(WAIT_MS)
    if traffic is not None:
        traffic.attach(context)
    page = context.new_page()
    page.goto(url, wait_until="commit", timeout=LOAD_MS)
    return context, page


def wait_for_dashboard(page) -> None:
    """Wait until the page is served and its session rendered (the clock reads day 0)."""
    expect(page.locator(".run-clock")).to_contain_text("Day 0 of 365", timeout=LOAD_MS)


def open_session(browser, url: str, traffic: Traffic | None = None):
    """A new browser context (a fresh session) with the dashboard loaded; returns (context, page)."""
    context, page = start_session(browser, url, traffic)
    wait_for_dashboard(page)
    return context, page


@pytest.fixture
def page(browser, server_url) -> Iterator:
    context, page = open_session(browser, server_url)
    try:
        yield page
    finally:
        context.close()


def screenshot(page, request, suffix: str = "") -> Path:
    """Save the page as test-artifacts/dashboard/<test name><suffix>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{request.node.name}{suffix}.png"
    page.mouse.move(1, 1)  # off the controls, so that no tooltip covers the page
    with contextlib.suppress(AssertionError):  # a tooltip that lingers only spoils the picture, not the test
        expect(page.locator(".v-tooltip__content").filter(visible=True)).to_have_count(0, timeout=2_000)
    every_chart_drawn(page)
    page.screenshot(path=str(path))
    return path


def every_chart_drawn(page) -> None:
    """Wait until every chart has drawn the last step sent (those out of view draw when the browser is idle)."""
    page.wait_for_function("() => !document.querySelector('.solara-echarts[data-pending]')")


def clock(page):
    return page.locator(".run-clock")


def day_of(page) -> int:
    match = DAY.search(clock(page).inner_text())
    assert match, clock(page).inner_text()
    return int(match.group(1))


def step(page, times: int = 1) -> None:
    """Press Step `times` times, each time waiting for the clock to move on by one day."""
    for _ in range(times):
        following = day_of(page) + 1
        page.locator(".step-button").click()
        expect(clock(page)).to_contain_text(f"Day {following} of 365")


def choose(page, field, item: str) -> None:
    """Pick `item` in a Vuetify v-select: open its menu, click the item, wait for the menu to close."""
    field.locator(".v-select__slot").click()
    menu = page.locator(".v-menu__content.menuable__content__active")
    menu.locator(".v-list-item").filter(has_text=re.compile(rf"^\s*{re.escape(item)}\s*$")).first.click()
    expect(menu).to_have_count(0)
    expect(field.locator(".v-select__selection")).to_have_text(item)


def select_field(page, scope, label: str):
    """The v-select labelled `label` inside `scope`."""
    return scope.locator(".v-select").filter(has=page.locator("label", has_text=re.compile(rf"^{re.escape(label)}$")))


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()


def event_rows(page):
    return page.locator(".event-log-box tbody tr")


def charts_drawn(page, selector: str) -> None:
    """Every chart matched by `selector` has drawn a canvas of non-zero size."""
    charts = page.locator(selector)
    count = charts.count()
    assert count > 0, selector
    for index in range(count):
        canvas = charts.nth(index).locator("canvas").first
        expect(canvas).to_be_attached()
        box = canvas.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, selector


# ---------------------------------------------------------------- a small real sweep

CRISIS_240 = f'[scenario]\nextends = "{SCENARIOS / "no_raid.toml"}"\nhorizon_days = 240\n'
SWEEP = """[sweep]
scenario = "{scenario}"
replicates = 2
master_seed = 7

[design]
kind = "latin_hypercube"
samples = 3

[parameters]
"actors.AZE.sensitivity" = {{ min = 0.4, max = 1.6 }}
"parameters.trust_rate" = {{ min = 0.1, max = 0.35 }}
"""
SWEEP_RUNS = 6


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    """A real sweep (3 design points x 2 replicates over 240 days), as tests/test_viz_sweep_explorer.py makes them."""
    folder = tmp_path_factory.mktemp("sweep")
    scenario = folder / "crisis.toml"
    scenario.write_text(CRISIS_240, encoding="utf-8")
    config = folder / "small.toml"
    config.write_text(SWEEP.format(scenario=scenario), encoding="utf-8")
    execute(plan_sweep(load_sweep(config)), SweepStore(folder / "small"), progress=False)
    return folder / "small"


# ---------------------------------------------------------------- the tests


def test_page_loads_draws_every_view_and_stays_offline(browser, server_url, request):
    traffic = Traffic()
    context, page = open_session(browser, server_url, traffic)
    try:
        expect(clock(page)).to_have_text("Day 0 of 365 · nothing run yet · next Fri 20 Dec 2024 · baseline, seed 1")
        expect(page.locator(".view-network canvas").first).to_be_visible()
        for view in VIEWS:
            charts_drawn(page, view)
        screenshot(page, request)

        open_tab(page, "What-if")
        expect(page.locator(".whatif-panel")).to_be_visible()
        expect(page.locator(".branch-button")).to_be_visible()
        open_tab(page, "Sweep explorer")
        expect(page.locator(".sweep-explorer")).to_be_visible()
        expect(page.locator(".sweep-dir input")).to_be_visible()
        open_tab(page, "About the model")
        first_heading = next(iter(info_sections()))
        expect(page.get_by_role("heading", name=first_heading).first).to_be_visible()
        screenshot(page, request, "-about")
        failed_requests = list(traffic.failed)  # before closing, which may cut requests short
    finally:
        context.close()

    assert traffic.requests, "no request was recorded"
    assert traffic.websockets, "the page opened no websocket to the server"
    offsite = [
        url
        for url in traffic.requests + traffic.websockets
        if urlsplit(url).scheme not in ("blob", "data") and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert offsite == [], f"requests left the machine: {offsite}"
    failed = [(status, url) for status, url in traffic.responses if status >= 400]
    assert failed == [], f"responses with an error status: {failed}"
    assert failed_requests == [], f"requests that failed: {failed_requests}"


def test_step_advances_the_clock_and_next_shock_logs_the_airliner(page, request):
    step(page)
    expect(clock(page)).to_have_text("Day 1 of 365 · Fri 20 Dec 2024 done · next Sat 21 Dec 2024 · baseline, seed 1")
    step(page)
    expect(clock(page)).to_have_text("Day 2 of 365 · Sat 21 Dec 2024 done · next Sun 22 Dec 2024 · baseline, seed 1")
    step(page)
    expect(clock(page)).to_contain_text("Day 3 of 365 · Sun 22 Dec 2024 done")
    assert event_rows(page).filter(has_text="8243").count() == 0

    page.get_by_role("button", name="To next shock").click()
    expect(clock(page)).to_contain_text("Wed 25 Dec 2024 done")  # the day flight 8243 was downed
    downing = event_rows(page).filter(has_text="8243")
    expect(downing).to_have_count(1)
    expect(downing).to_contain_text("scripted")
    expect(downing).to_contain_text("2024-12-25")
    assert "event-scripted" in (downing.get_attribute("class") or "")
    downing.scroll_into_view_if_needed()
    screenshot(page, request)


def test_slider_change_waits_for_reset_then_applies(page, request):
    step(page, 2)
    thumb = page.get_by_role("slider", name="Cost of escalation (exponent on interdependence)")
    before = float(thumb.get_attribute("aria-valuenow"))
    thumb.focus()
    thumb.press("End")
    expect(thumb).not_to_have_attribute("aria-valuenow", str(before))
    top = float(thumb.get_attribute("aria-valuemax"))
    expect(thumb).to_have_attribute("aria-valuenow", re.compile(rf"^{top:g}(\.0)?$"))
    value = page.locator(".knob-escalation_cost .knob-value input")
    expect(value).to_have_value(re.compile(rf"^{top:g}(\.0)?$"))  # the value shows beside the slider
    note = page.locator(".pending-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Changed: press Reset to apply.")
    expect(clock(page)).to_contain_text("Day 2 of 365")  # nothing runs until Reset
    screenshot(page, request, "-pending")

    page.locator(".reset-button").click()
    expect(clock(page)).to_have_text("Day 0 of 365 · nothing run yet · next Fri 20 Dec 2024 · baseline, seed 1")
    notice = page.locator(".page-notice")
    expect(notice).to_contain_text(f"escalation_cost={top:g}")
    expect(note).to_have_count(0)
    screenshot(page, request)
    step(page)  # the page is not stuck
    expect(page.locator(".page-error")).to_have_count(0)


def test_inject_queues_a_shock_and_refuses_an_actor_acting_on_itself(page, request):
    panel = page.locator(".inject-panel")
    injected = event_rows(page).filter(has_text="injected")
    actor, target = panel.locator(".inject-actor"), panel.locator(".inject-target")
    action = panel.locator(".inject-action")

    choose(page, actor, "AZE")  # the target is AZE too: refused
    page.locator(".inject-button").click()
    error = page.locator(".page-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("itself")
    expect(injected).to_have_count(0)
    screenshot(page, request, "-itself")

    choose(page, actor, "TUR")
    choose(page, target, "ARM")
    action.locator(".v-select__slot").click()
    menu = page.locator(".v-menu__content.menuable__content__active")
    item = menu.locator(".v-list-item").nth(2)
    label = item.inner_text().strip()
    item.click()
    expect(menu).to_have_count(0)
    expect(action.locator(".v-select__selection")).to_have_text(label)
    cameo = label.split(" ")[0]

    page.locator(".inject-button").click()
    expect(error).to_have_count(0)
    expect(page.locator(".page-notice")).to_contain_text("Queued")
    queued = event_rows(page).filter(has_text="queued for tomorrow")
    expect(queued).to_have_count(1)
    expect(queued).to_contain_text("TUR → ARM")
    expect(queued).to_contain_text(cameo)

    step(page)
    expect(queued).to_have_count(0)
    row = event_rows(page).filter(has_text="TUR → ARM").filter(has_text="injected")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(cameo)
    assert "event-injected" in (row.get_attribute("class") or "")
    row.scroll_into_view_if_needed()
    screenshot(page, request)


def test_whatif_branches_with_a_shock_and_with_a_parameter(page, request):
    step(page, 3)
    open_tab(page, "What-if")
    panel = page.locator(".whatif-panel")
    expect(panel).to_contain_text("after day 3 (Sun 22 Dec 2024); the change acts tomorrow, day 4 (Mon 23 Dec 2024)")
    page.locator(".branch-button").click()
    title = page.locator(".whatif-result .v-card__title").first
    expect(title).to_contain_text("What-if after day 3", timeout=BRANCH_MS)
    charts_drawn(page, ".view-whatif")
    table = page.locator(".whatif-outcomes table")
    expect(table.locator("th").filter(has_text="as run")).to_have_count(1)
    expect(table.locator("th").filter(has_text="what-if")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_be_visible()
    shock_title = title.inner_text()
    screenshot(page, request, "-shock")

    page.get_by_role("button", name="a changed parameter").click()
    expect(select_field(page, panel, "Parameter")).to_be_visible()
    page.locator(".branch-button").click()
    expect(title).not_to_have_text(shock_title, timeout=BRANCH_MS)
    expect(title).to_contain_text("What-if after day 3")
    charts_drawn(page, ".view-whatif")
    expect(page.locator(".page-notice")).to_contain_text("Branched after day 3")
    screenshot(page, request)


def test_sweep_explorer_opens_a_sweep_and_keeps_it_on_a_bad_directory(page, request, sweep_dir, tmp_path):
    open_tab(page, "Sweep explorer")
    explorer = page.locator(".sweep-explorer")
    field = page.locator(".sweep-dir input")
    field.fill(str(sweep_dir))
    field.press("Tab")  # commit the text before pressing Open
    page.locator(".sweep-open").click()
    count = page.locator(".sweep-count")
    expect(count).to_have_text(f"{SWEEP_RUNS} of {SWEEP_RUNS} runs", timeout=BRANCH_MS)
    expect(explorer.locator(".solara-echarts canvas").first).to_be_visible()
    assert explorer.locator(".solara-echarts canvas").count() >= 2
    expect(page.locator(".sweep-error")).to_have_count(0)
    screenshot(page, request, "-opened")

    missing = tmp_path / "no-such-sweep"
    field.fill(str(missing))
    field.press("Tab")
    page.locator(".sweep-open").click()
    error = page.locator(".sweep-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(str(missing))
    expect(explorer).to_contain_text("Still showing the sweep opened before")
    expect(count).to_have_text(f"{SWEEP_RUNS} of {SWEEP_RUNS} runs")
    expect(explorer.locator(".solara-echarts canvas").first).to_be_visible()
    screenshot(page, request)


def test_two_sessions_run_independently(browser, server_url, request):
    first_context, first = start_session(browser, server_url)
    second_context, second = start_session(browser, server_url)  # both load at once
    try:
        wait_for_dashboard(first)
        wait_for_dashboard(second)
        step(first, 3)
        expect(clock(first)).to_contain_text("Day 3 of 365")
        expect(clock(second)).to_contain_text("Day 0 of 365")
        step(second)
        expect(clock(second)).to_contain_text("Day 1 of 365")
        expect(clock(first)).to_contain_text("Day 3 of 365")
        screenshot(first, request, "-first")
        screenshot(second, request)
    finally:
        first_context.close()
        second_context.close()


def test_bad_seed_shows_an_error_and_keeps_the_run(page, request):
    step(page, 2)
    seed = page.locator(".seed-input input")
    seed.fill("-1")
    seed.press("Enter")
    seed.press("Tab")
    expect(page.locator(".pending-note")).to_be_visible()  # the -1 reached the server
    page.locator(".reset-button").click()
    error = page.locator(".page-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Seed")
    expect(error).to_contain_text("-1")
    expect(clock(page)).to_have_text("Day 2 of 365 · Sat 21 Dec 2024 done · next Sun 22 Dec 2024 · baseline, seed 1")
    screenshot(page, request)


def test_play_runs_and_pause_stops_it(page, request):
    # 30 days/s: fast enough to see it run, far enough from the horizon (~12 s) on a loaded machine
    choose(page, select_field(page, page.locator(".playback"), "Speed"), "30 days/s")
    play = page.locator(".play-button")
    play.click()
    expect(play).to_have_text("Pause")
    expect(page.locator(".step-button")).to_be_disabled()
    # It advances: two different days after the start.
    page.wait_for_function(
        "() => /Day ([1-9]\\d*) of/.test(document.querySelector('.run-clock').innerText)", timeout=WAIT_MS
    )
    moving = day_of(page)
    page.wait_for_function(
        f"() => {{ const m = /Day (\\d+) of/.exec(document.querySelector('.run-clock').innerText);"
        f" return m && Number(m[1]) > {moving}; }}",
        timeout=WAIT_MS,
    )
    play.click()
    expect(play).to_have_text("Play", timeout=1_000)
    time.sleep(1.0)  # a frame already under way may still land; within 1 s the day must stand still
    paused = day_of(page)
    time.sleep(1.0)  # must observe that the day stays put
    assert day_of(page) == paused
    assert 0 < paused < 365, "the run reached its horizon before Pause: Play ran too fast to test"
    expect(page.locator(".step-button")).to_be_enabled()
    screenshot(page, request)
    step(page)


def test_status_strip_and_marks_after_the_raid(page, request):
    """Five presses of To next shock run through the raid's day (README); the strip says where the run stands."""
    strip = page.locator(".status-strip")
    expect(strip.locator(".status-raid")).to_contain_text("before the raid (due Fri 27 Jun 2025)")
    expect(strip.locator(".status-corridor")).to_contain_text("not on the table: neutral operator")
    next_shock = page.get_by_role("button", name="To next shock")
    for day in (6, 7, 9, 84, 190):  # the day after each shock day: 25, 26, 28 Dec, 13 Mar, 27 Jun
        next_shock.click()
        expect(clock(page)).to_contain_text(f"Day {day} of 365")
    expect(clock(page)).to_contain_text("Day 190 of 365 · Fri 27 Jun 2025 done · next Sat 28 Jun 2025")
    expect(strip.locator(".status-raid")).to_have_text(re.compile(r"the raid's day \(Fri 27 Jun 2025\)"))
    step(page, 7)
    expect(strip.locator(".status-raid")).to_contain_text("7 days since the raid")
    for key in ("relations", "corridor", "treaty", "rungs"):
        expect(strip.locator(f".status-{key}")).to_be_visible()
    expect(strip.locator(".status-rungs")).to_contain_text("AZE")
    charts_drawn(page, ".view-dyads")
    screenshot(page, request)
    choose(page, select_field(page, page.locator(".time-window"), "Time charts show"), "last 30 days")
    charts_drawn(page, ".view-dyads")
    page.locator(".view-shares-aze").scroll_into_view_if_needed()
    screenshot(page, request, "-last-30-days")


def test_a_typed_knob_value_moves_the_slider_and_one_out_of_range_is_refused(page, request):
    field = page.locator(".knob-trust_rate .knob-value input")
    thumb = page.get_by_role("slider", name="Trust rate")
    top = float(thumb.get_attribute("aria-valuemax"))
    expect(page.locator(".knob-trust_rate .knob-value label")).to_have_text(f"0 to {top:g}")
    field.fill("0.35")
    field.press("Tab")
    expect(thumb).to_have_attribute("aria-valuenow", "0.35")
    expect(page.locator(".pending-note")).to_be_visible()
    field.fill(f"{top + 1:g}")
    field.press("Tab")
    refused = page.locator(".knob-refused")
    expect(refused).to_contain_text(f"allowed 0 to {top:g}")
    expect(thumb).to_have_attribute("aria-valuenow", "0.35")
    screenshot(page, request, "-refused")
    open_tab(page, "What-if")
    page.get_by_role("button", name="a changed parameter").click()
    panel = page.locator(".whatif-panel")
    expect(panel.locator(".knob .knob-value input")).to_be_visible()
    screenshot(page, request)


def map_colours(page) -> dict[str, str]:
    """The map's fill colour of each state, as the browser's ECharts instance holds it now."""
    every_chart_drawn(page)
    return page.evaluate(
        """() => {
            const chart = document.querySelector('.view-map').__vue__.chart;  // the ECharts instance
            const regions = chart.getOption().geo[0].regions;
            return Object.fromEntries(regions.map(r => [r.name, r.itemStyle.areaColor]));
        }"""
    )


def map_line_colour(page, name: str) -> str:
    """The colour of one of the map's line series (the corridor route, the relations tie) in the browser."""
    every_chart_drawn(page)
    return page.evaluate(
        """(name) => {
            const chart = document.querySelector('.view-map').__vue__.chart;
            return chart.getOption().series.find(s => s.name === name).lineStyle.color;
        }""",
        name,
    )


def test_map_of_the_region_follows_the_run_past_the_raid(page, request):
    region = page.locator(".region-map")
    region.scroll_into_view_if_needed()
    charts_drawn(page, ".view-map")
    expect(region).to_contain_text("Syunik")
    before = map_colours(page)
    tie_before = map_line_colour(page, "relations")
    for name in ("Armenia", "Azerbaijan", "Nakhchivan", "Syunik", "Georgia", "Russia", "Turkey", "Iran"):
        assert name in before, before
    screenshot(page, request, "-start")
    next_shock = page.get_by_role("button", name="To next shock")
    for day in (6, 7, 9, 84, 190):  # through the raid's day (27 Jun 2025), as in the status strip's test
        next_shock.click()
        expect(clock(page)).to_contain_text(f"Day {day} of 365")
    step(page, 14)  # two weeks of the cut: the rupture
    expect(page.locator(".status-relations")).to_contain_text("RUPTURED")
    after = map_colours(page)
    assert after["Azerbaijan"] != before["Azerbaijan"] or after["Armenia"] != before["Armenia"], (before, after)
    assert map_line_colour(page, "relations") == PHASE_COLOURS["rupture"] != tie_before  # the rupture, marked
    region.scroll_into_view_if_needed()
    screenshot(page, request, "-after-the-raid")
    region.screenshot(path=str(ARTIFACTS / f"{request.node.name}-card.png"))  # the map alone (README's picture)
    choose(page, select_field(page, page.locator(".map-colouring"), "Colour the states by"), "trust in RUS")
    page.wait_for_function(
        "() => { const c = document.querySelector('.view-map').__vue__.chart;"
        " return c && c.getOption().legend[0].data.includes('trust in RUS'); }"
    )
    trust = map_colours(page)
    assert trust["Azerbaijan"] != after["Azerbaijan"], "the trust colouring did not replace the influence one"
    region.scroll_into_view_if_needed()
    screenshot(page, request)


# ---------------------------------------------------------------- issue 15: network, tooltips, smaller things

ACTIVE_TIP = ".v-tooltip__content.menuable__content__active"


def snapshot(page, request, suffix: str) -> Path:
    """Save the page as it is, an open tooltip included (`screenshot` waits for tooltips to close)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{request.node.name}{suffix}.png"
    every_chart_drawn(page)
    page.screenshot(path=str(path))
    return path


def run_to_the_raid(page) -> None:
    """Five presses of To next shock: through the raid's day, Day 190 (the fifth press runs 106 days)."""
    next_shock = page.get_by_role("button", name="To next shock")
    for day in (6, 7, 9, 84, 190):
        next_shock.click()
        expect(clock(page)).to_contain_text(f"Day {day} of 365")


def overlaps(first: dict, second: dict) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        first["x"] < second["x"] + second["width"]
        and second["x"] < first["x"] + first["width"]
        and first["y"] < second["y"] + second["height"]
        and second["y"] < first["y"] + first["height"]
    )


def hover_tip(page, activator) -> dict:
    """Rest the pointer on `activator`: no tooltip at once, then its tooltip opens; returns the tooltip's box."""
    page.mouse.move(1, 1)
    expect(page.locator(ACTIVE_TIP).filter(visible=True)).to_have_count(0)
    activator.hover()
    assert page.locator(ACTIVE_TIP).filter(visible=True).count() == 0, "the tooltip opened without a delay"
    tip = page.locator(ACTIVE_TIP).filter(visible=True)
    expect(tip).to_have_count(1)
    page.wait_for_timeout(400)  # Vuetify's opening transition: measure the tooltip where it stays
    return tip.bounding_box()


def test_tooltips_open_after_a_delay_and_never_over_the_neighbouring_control(page, request):
    playback, inject = page.locator(".playback"), page.locator(".inject-panel")
    step_button, play = page.locator(".step-button"), page.locator(".play-button")
    next_shock = page.get_by_role("button", name="To next shock")
    speed = select_field(page, playback, "Speed")
    action, inject_button = inject.locator(".inject-action"), page.locator(".inject-button")
    seed = page.locator(".seed-input")
    first_knob = page.locator(".knob").first
    cases = {
        "step": (step_button, [next_shock, play, speed]),
        "next-shock": (next_shock, [step_button, play, speed]),
        "action": (action, [inject_button, inject.locator(".inject-actor"), inject.locator(".inject-target")]),
        "seed": (seed, [select_field(page, page.locator(".run-settings"), "Scenario"), first_knob]),
    }
    for name, (activator, neighbours) in cases.items():
        tip = hover_tip(page, activator)
        for neighbour in neighbours:
            assert not overlaps(tip, neighbour.bounding_box()), f"{name}'s tooltip covers a neighbouring control"
        if name in ("step", "action"):
            snapshot(page, request, f"-{name}")
    page.mouse.move(1, 1)
    expect(page.locator(ACTIVE_TIP).filter(visible=True)).to_have_count(0)  # gone once the pointer leaves


#: The controls a tooltip must leave uncovered (a select's field, a slider's thumb, a button, an input).
CONTROLS = "button, input, .v-select__slot, [role=slider]"
#: Every control of the tooltip's own card (of the page, for a control in none) that its box overlaps,
#: its own control excepted.
COVERED_IN_CARD = """(anchor, [tip, selector]) => {
  const card = anchor.closest('.v-card') || document;  // a control outside any card: every control
  return [...card.querySelectorAll(selector)].filter((el) => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || anchor.contains(el)) return false;
    const across = box.x < tip.x + tip.width && tip.x < box.x + box.width;
    return across && box.y < tip.y + tip.height && tip.y < box.y + box.height;
  }).map((el) => el.getAttribute('aria-label') || el.innerText || el.className);
}"""


def tooltips_clear_their_cards(page, scope: str) -> int:
    """Hover every control with a tooltip inside `scope` that lies on the screen; none may cover
    another control of its card. Returns how many were checked."""
    anchors = page.locator(f"{scope} .has-tip")
    viewport = page.viewport_size["height"]
    checked = 0
    for index in range(anchors.count()):
        anchor = anchors.nth(index)
        box = anchor.bounding_box()
        if not anchor.is_visible() or box is None or box["y"] + box["height"] > viewport:
            continue
        tip = hover_tip(page, anchor)
        covered = anchor.evaluate(COVERED_IN_CARD, [tip, CONTROLS])
        assert covered == [], f"the tooltip of {anchor.inner_text()[:40]!r} covers {covered}"
        checked += 1
    return checked


def test_no_tooltip_in_view_covers_another_control_of_its_card(page, request):
    """Every tooltip on the first screen of the Live run tab, the sidebar's included, and What-if's."""
    assert tooltips_clear_their_cards(page, "body") >= 15  # the sidebar, the inject panel, the views' pickers
    page.evaluate("() => window.scrollTo(0, 0)")
    open_tab(page, "What-if")
    expect(page.locator(".branch-button")).to_be_visible()
    assert tooltips_clear_their_cards(page, ".whatif-panel") == 4  # kind, actor and target, action, Branch now
    snapshot(page, request, "-whatif")
    page.get_by_role("button", name="a changed parameter").click()
    expect(select_field(page, page.locator(".whatif-panel"), "Parameter")).to_be_visible()
    assert tooltips_clear_their_cards(page, ".whatif-panel") == 4  # kind, parameter, new value, Branch now


def test_the_network_after_a_jump_labels_the_largest_changes_and_shows_one_actors_ties(page, request):
    run_to_the_raid(page)
    caption = page.locator(".network-changes")
    expect(caption).to_contain_text("Largest changes over the last 106 days: AZE→RUS")
    assert caption.inner_text().count("→") == 5  # five labels, not one per moved arrow
    legend = page.locator(".network-legend")
    expect(legend).to_contain_text("red distrust, blue trust, wider = stronger")
    expect(legend.locator(".legend-sample")).to_have_count(5)
    charts_drawn(page, ".view-network")
    page.locator(".network-card").scroll_into_view_if_needed()
    screenshot(page, request)

    choose(page, page.locator(".network-focus"), "AZE")
    expect(caption).not_to_contain_text("TUR→RUS")  # a change that does not involve Azerbaijan
    pairs = re.findall(r"(\w+)→(\w+)", caption.inner_text())
    assert pairs and all("AZE" in pair for pair in pairs)
    charts_drawn(page, ".view-network")
    screenshot(page, request, "-AZE")


def test_a_seed_that_is_no_number_is_flagged_and_reset_refuses_it(page, request):
    step(page, 2)
    seed = page.locator(".seed-input")
    seed.locator("input").fill("abc")
    seed.locator("input").press("Tab")
    expect(seed).to_contain_text("'abc' is not a whole number")  # flagged in the field
    page.locator(".reset-button").click()
    error = page.locator(".page-error")
    expect(error).to_contain_text("Seed: 'abc' is not a whole number")
    expect(clock(page)).to_have_text("Day 2 of 365 · Sat 21 Dec 2024 done · next Sun 22 Dec 2024 · baseline, seed 1")
    screenshot(page, request)


def png_height(path: Path) -> int:
    """The height in pixels written in a PNG's header."""
    return int.from_bytes(path.read_bytes()[20:24], "big")


def test_the_document_scrolls_so_a_full_page_screenshot_and_a_print_hold_the_whole_page(page, request):
    run_to_the_raid(page)  # the time charts and the ladder have something to show (their axis names too)
    viewport = page.viewport_size["height"]
    scroll_height = page.evaluate("() => document.scrollingElement.scrollHeight")
    assert scroll_height > viewport  # the document scrolls, not a box inside it
    inner = page.evaluate(
        """() => { const boxes = []; let el = document.querySelector('.run-clock');
        for (; el && el !== document.scrollingElement; el = el.parentElement) {
          const style = getComputedStyle(el);
          const scrolls = ['auto', 'scroll'].includes(style.overflowY);
          if (scrolls && el.scrollHeight > el.clientHeight) boxes.push(el.className);
        } return boxes; }"""
    )
    assert inner == [], f"the page still scrolls inside {inner}"
    log_bottom = page.evaluate(
        "() => document.querySelector('.event-log-box').getBoundingClientRect().bottom + window.scrollY"
    )
    assert log_bottom > viewport  # the event log lies below the first screen...
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    full = ARTIFACTS / f"{request.node.name}.png"
    page.mouse.move(1, 1)  # off To next shock: its tooltip closes
    expect(page.locator(ACTIVE_TIP).filter(visible=True)).to_have_count(0)
    page.screenshot(path=str(full), full_page=True)
    assert png_height(full) >= log_bottom  # ...and the full-page screenshot reaches it
    page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    expect(page.locator(".event-log-box")).to_be_in_viewport()
    expect(clock(page)).to_be_in_viewport()  # the header stays in view while the document scrolls
    pdf = page.pdf()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) > 1  # a print runs over more than one page


def test_the_sweep_explorer_names_its_sweep_and_scenario_and_opens_tooltips_clear_of_them(page, request, sweep_dir):
    open_tab(page, "Sweep explorer")
    heading = page.locator(".sweep-heading")
    expect(heading).to_have_text("Sweep explorer · no sweep opened")
    expect(clock(page)).to_have_count(0)  # not the live run's "baseline, seed 1"
    field = page.locator(".sweep-dir input")
    field.fill(str(sweep_dir))
    field.press("Tab")
    page.locator(".sweep-open").click()
    expect(page.locator(".sweep-count")).to_have_text(f"{SWEEP_RUNS} of {SWEEP_RUNS} runs", timeout=BRANCH_MS)
    expect(heading).to_have_text(f"Sweep explorer · small · scenario crisis · {SWEEP_RUNS} runs")
    summary = page.locator(".sweep-summary")
    expect(summary).to_contain_text("Scenario crisis (")
    expect(summary).to_contain_text("240 days from 2024-12-20, master seed 7")
    tip = hover_tip(page, page.locator(".sweep-open"))
    assert not overlaps(tip, summary.bounding_box()), "Open's tooltip covers the sweep's summary"
    assert not overlaps(tip, page.locator(".sweep-dir").bounding_box())
    snapshot(page, request, "-open-tooltip")
    screenshot(page, request)
    open_tab(page, "Live run")
    expect(clock(page)).to_contain_text("baseline, seed 1")


#: For each chart: whether it still holds a step not drawn, and whether what it draws (ECharts'
#: own `getOption()`, every component after ECharts filled its defaults in) equals what a new
#: chart draws from the same option alone (viz/echarts.vue merges a step into the chart it has).
#: Left out of the comparison: the pointer's hover state (`axisPointer.value`, `status`), and the
#: `emphasis` (hover) styles that ECharts copies from a label into new items only, which it reads
#: from the label anyway when they are missing (our options set none).
DRAWN_AS_NEW_JS = """
() => {
  const drawn = (option) => {
    for (const axis of [...(option.xAxis || []), ...(option.yAxis || [])]) {
      if (axis.axisPointer) { delete axis.axisPointer.value; delete axis.axisPointer.status; }
    }
    return JSON.stringify(option, (key, item) => (key === 'emphasis' ? undefined : item));
  };
  return [...document.querySelectorAll('.solara-echarts')].map(el => {
    const vm = el.__vue__;
    const fresh = document.createElement('div');
    const size = `width: ${vm.chart.getWidth()}px; height: ${vm.chart.getHeight()}px`;
    fresh.style.cssText = `position: absolute; left: -5000px; ${size}`;
    document.body.appendChild(fresh);
    const chart = vm.echarts.init(fresh);
    chart.setOption(JSON.parse(vm.option_json), true);
    const shown = drawn(vm.chart.getOption()), anew = drawn(chart.getOption());
    chart.dispose();
    fresh.remove();
    return {view: el.className, pending: 'pending' in el.dataset, same: shown === anew, size: shown.length};
  });
}
"""


#: Hand every chart its option without marks and with its first series renamed, as the server would.
RESHAPE_JS = """
() => document.querySelectorAll('.solara-echarts').forEach(el => {
  const option = JSON.parse(el.__vue__.option_json);
  for (const series of option.series) delete series.markLine;
  option.series[0].name = 'renamed';
  el.__vue__.option_json = JSON.stringify(option);
})
"""


def test_each_step_draws_what_a_new_chart_would_in_view_or_out_of_it(page, request):
    """Charts merge each step into what they hold (faster), and those out of view catch up unseen."""
    for _ in range(5):  # through the raid's day (README): long histories, marks, a busy log
        following = day_of(page)
        page.get_by_role("button", name="To next shock").click()
        expect(clock(page)).not_to_contain_text(f"Day {following} of 365")
    step(page, 3)
    choose(page, select_field(page, page.locator(".time-window"), "Time charts show"), "last 30 days")
    step(page, 2)
    below = page.locator(".view-ladder")
    assert not below.evaluate("el => { const r = el.getBoundingClientRect(); return r.top < innerHeight; }")
    every_chart_drawn(page)
    charts = page.evaluate(DRAWN_AS_NEW_JS)
    assert {chart["view"].split()[-1] for chart in charts} == {view[1:] for view in [*VIEWS, ".view-map"]}
    assert [chart for chart in charts if chart["pending"] or not chart["same"]] == []
    assert all(chart["size"] > 500 for chart in charts), charts  # the comparison saw whole options
    # An option of another shape (marks gone, a series renamed) is drawn anew, not merged in.
    page.evaluate(RESHAPE_JS)
    every_chart_drawn(page)
    assert [chart for chart in page.evaluate(DRAWN_AS_NEW_JS) if chart["pending"] or not chart["same"]] == []
    below.scroll_into_view_if_needed()
    charts_drawn(page, ".view-ladder")
    screenshot(page, request)
