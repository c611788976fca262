"""How fast the dashboard steps and redraws: `caucasus bench --dashboard`.

Three measurements, in one run on the same machine:

1. In the server: one Step click on the real page (rendered with Solara's test helpers),
   through the model step, the chart options and Solara's diff of the widgets. The model's
   own step and a matplotlib drawing of the same four time-series views (what Mesa's
   SolaraViz draws with) are timed beside it as baselines.
2. In a real browser: the real server (`caucasus dashboard`) and Debian's Chromium. A Step
   click is timed until the clock in the page has changed ("clock"), until the browser has
   painted the charts in view and gone idle ("settled"; two animation frames in a row < 25 ms
   apart), and until every chart, those out of view too, has drawn the step ("drawn"; charts
   out of view draw when the browser is idle, viz/echarts.vue).
3. Play at full speed: days run per second, and how long Pause takes to stop the run.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import solara
from matplotlib.figure import Figure

from viz.browser import CHROMIUM, MISSING, launch_chromium
from viz.server import serving
from viz.session import Session

#: Issue 15 item 10: step + redraw under 100 ms (median, in Chromium, after the raid).
TARGET_MS = 100.0
#: Where the timed steps start: at day 0, and after "To next shock" pressed five times (through
#: the Yekaterinburg raid's day, day 190: long histories, a busy event log; the baseline's
#: shocks are the plane, Kadyrov's call, the half-apology, the treaty text, then the raid).
NEXT_SHOCK_PRESSES = (0, 5)

#: In the browser: click Step and time the clock change, the idle page after the repaint, and
#: the moment every chart has drawn the new step (charts out of view draw when the browser is
#: idle, viz/echarts.vue; a chart holding an option not yet drawn carries `data-pending`).
STEP_AND_SETTLE_JS = """
() => new Promise(resolve => {
  const clock = document.querySelector('.run-clock');
  const before = clock.innerText;
  const t0 = performance.now();
  let changed = null, settled = null;
  const pending = () => document.querySelector('.solara-echarts[data-pending]') !== null;
  const settle = (last) => requestAnimationFrame(now => {
    if (settled === null && now - last < 25 && now - changed > 30) settled = now;
    if (settled !== null && !pending()) resolve({clock: changed - t0, settled: settled - t0, drawn: now - t0});
    else settle(now);
  });
  const watcher = new MutationObserver(() => {
    if (changed === null && clock.innerText !== before) {
      changed = performance.now(); watcher.disconnect(); settle(changed);
    }
  });
  watcher.observe(clock, {subtree: true, childList: true, characterData: true});
  document.querySelector('button.step-button').click();
})
"""


def _summary(label: str, samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"  {label:<46} median {statistics.median(ordered):7.1f} ms   p90 {p90:7.1f} ms   (n={len(ordered)})"


def _timed(action: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def server_step_times(presses: int, steps: int) -> tuple[int, dict[str, list[float]]]:
    """(start day, times): step+render in the server, the model step alone, matplotlib drawing."""
    import ipyvuetify as v

    from viz.app import Page

    box, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    try:
        for _ in range(presses):
            rc.find(v.Btn, children=["To next shock"]).widget.click()
        rendered = _timed(rc.find(v.Btn, children=["Step"]).widget.click, steps)
    finally:
        rc.close()
    session = Session()
    for _ in range(presses):
        session.step_to_next_shock()
    start_day = session.live.day
    model_only = _timed(session.step, steps)
    matplotlib = _timed(lambda: _draw_with_matplotlib(session), max(3, steps // 5))
    times = {"step + render (server)": rendered, "model step alone": model_only, "matplotlib, 4 views": matplotlib}
    return start_day, times


def _draw_with_matplotlib(session: Session) -> None:
    """The four time-series views drawn as PNGs with matplotlib (the SolaraViz way)."""
    model = session.live.model
    days = np.arange(model.day)
    series = (
        model.shares_history[: model.day, 0],
        model.shares_history[: model.day, 1],
        model.trust_history[: model.day, 1, 0:3:2],
        model.support_history[: model.day],
    )
    for values in series:
        figure = Figure(figsize=(5, 2.8), dpi=90)
        axes = figure.add_subplot()
        axes.plot(days, values)
        axes.set_xlabel("day")
        figure.savefig(io.BytesIO(), format="png")


def browser_step_times(url: str, page_factory: Callable[[], object], presses: int, steps: int) -> dict:
    """Click→clock and click→settled times of Step in a real browser, after `presses` of To next shock."""
    page = page_factory()
    page.goto(url)
    page.locator(".view-network canvas").wait_for(timeout=60_000)
    for _ in range(presses):
        day = _clock_day(page)
        page.get_by_role("button", name="To next shock").click()
        page.wait_for_function(f"() => !document.querySelector('.run-clock').innerText.startsWith('Day {day} ')")
    results = [page.evaluate(STEP_AND_SETTLE_JS) for _ in range(steps)]
    page.close()
    return {
        "click to clock changed (browser)": [r["clock"] for r in results],
        "click to charts painted, page idle (browser)": [r["settled"] for r in results],
        "click to every chart drawn, out of view too": [r["drawn"] for r in results],
    }


def play_measures(url: str, page_factory: Callable[[], object], seconds: float = 2.0) -> tuple[float, float]:
    """(days run per second while playing at "max", ms from Pause until the clock stops)."""
    page = page_factory()
    page.goto(url)
    page.locator(".view-network canvas").wait_for(timeout=60_000)
    page.locator(".playback .v-select").click()
    page.locator(".v-menu__content .v-list-item", has_text="max").click()
    page.locator(".play-button").click()
    page.wait_for_function("() => !document.querySelector('.run-clock').innerText.startsWith('Day 0 ')")
    first = _clock_day(page)
    started = time.perf_counter()
    time.sleep(seconds)
    days_per_second = (_clock_day(page) - first) / (time.perf_counter() - started)
    paused = time.perf_counter()
    page.locator(".play-button").click()
    page.wait_for_function("() => document.querySelector('.play-button').innerText.trim() === 'PLAY'")
    pause_ms = (time.perf_counter() - paused) * 1000
    page.close()
    return days_per_second, pause_ms


def _clock_day(page: object) -> int:
    return int(page.locator(".run-clock").inner_text().split()[1])


def dashboard_benchmark(steps: int = 30) -> str:
    """Run all three measurements and return the printed report.

    Raises RuntimeError (before anything is timed) when Playwright or Chromium is missing.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError("the dashboard benchmark needs Playwright: pip install -e '.[test]'") from None
    if not CHROMIUM.exists():
        raise RuntimeError(MISSING)

    lines = [f"Dashboard step + redraw (default views, baseline seed 1), {steps} steps per row"]
    for presses in NEXT_SHOCK_PRESSES:
        start_day, times = server_step_times(presses, steps)
        lines.append(f"in the server, from day {start_day}:")
        lines += [_summary(label, samples) for label, samples in times.items()]
    with (
        tempfile.TemporaryDirectory() as folder,
        sync_playwright() as playwright,
        serving(Path(folder) / "server.log", timeout=60) as url,
    ):
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport={"width": 1500, "height": 1000})
        browser_rows = {n: browser_step_times(url, context.new_page, n, steps) for n in NEXT_SHOCK_PRESSES}
        days_per_second, pause_ms = play_measures(url, context.new_page)
        browser.close()
    for presses, rows in browser_rows.items():
        lines.append(f"in Chromium, after {presses} presses of To next shock:")
        lines += [_summary(label, samples) for label, samples in rows.items()]
    settled, drawn = (
        max(statistics.median(rows[label]) for rows in browser_rows.values())
        for label in ("click to charts painted, page idle (browser)", "click to every chart drawn, out of view too")
    )
    lines.append(f"Play at 'max': {days_per_second:.0f} days/s; Pause stops the run in {pause_ms:.0f} ms")
    verdict = "met" if settled < TARGET_MS else "NOT met"
    lines.append(
        f"target: step + redraw < {TARGET_MS:.0f} ms (median, browser, charts in view painted): {settled:.0f} ms, "
        f"{verdict}; every chart drawn, out of view too: {drawn:.0f} ms"
    )
    return "\n".join(lines)
