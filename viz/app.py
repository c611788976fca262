"""The dashboard app: `caucasus dashboard` serves `Page` with Solara.

Every browser session renders its own `Page`, and so builds its own `Session` (with
`solara.use_memo`): two tabs or two students never share a model. A header that stays in view shows the
run's day and date at all times.
"""

from __future__ import annotations

import os
import time

import reacton.core
import solara
import solara.lab

from viz.clock import clock_line
from viz.controls import InjectPanel, PlaybackPanel, RunSettingsPanel, knob_defaults
from viz.info import InfoPage
from viz.live import RunSettings
from viz.posterior_fan import PosteriorFanLoader
from viz.server import SWEEP_DIR_VARIABLE
from viz.session import Session, days_per_frame
from viz.sweep_data import sweep_heading
from viz.sweep_explorer import SweepExplorer
from viz.views import LiveViews
from viz.whatif_panel import WhatIfPanel

#: Sticks under the app bar (64 px, Vuetify's) while the document scrolls.
STICKY_HEADER = "position: sticky; top: 64px; z-index: 10; background: white; padding: 14px 0 4px 0"
#: The page's content grows with what it holds, so the document itself scrolls (Solara's default
#: scrolls an inner box of the window's height: a full-page screenshot or a print got one screen).
CONTENT_STYLE = {"padding": "12px"}
#: Solara's layout boxes are as tall as the window; let them grow, so the document scrolls.
DOCUMENT_SCROLL_CSS = """
.v-application--wrap > div, .v-application--wrap > div > div, main.v-content.solara-content-main {
  height: auto !important;
}
@media print {
  .v-app-bar, .v-navigation-drawer { position: absolute !important; }
}
"""
#: The least time the play loop leaves between frames, so clicks (Pause) are answered at once.
MIN_PAUSE_SECONDS = 0.05
#: The tabs, in order; on the sweep explorer's the header names the sweep, not the live run.
TABS = ("Live run", "What-if", "Sweep explorer", "About the model")
SWEEP_TAB = TABS.index("Sweep explorer")


def clock_text(session: Session) -> str:
    """'Day 190 of 365 · Fri 27 Jun 2025 done · next Sat 28 Jun 2025 · baseline, seed 1' for the header.

    The clock shows the last completed day and what Step runs next (the convention of `viz.clock`).
    """
    live = session.live
    settings = live.settings
    return f"{clock_line(live.model.config, live.day, live.model.horizon)} · {settings.scenario}, seed {settings.seed}"


@solara.component
def Layout(children: list[solara.Element] = []):  # noqa: B006 - Solara's signature for a layout
    """Solara's app layout (app bar, sidebar), with a content box that grows so the document scrolls."""
    solara.Style(DOCUMENT_SCROLL_CSS)
    return solara.AppLayout(children=children, style=CONTENT_STYLE)


@solara.component
def Page():
    """The whole dashboard for one browser session."""
    session = solara.use_memo(Session, [])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("10 days/s")
    defaults = RunSettings()
    scenario = solara.use_reactive(defaults.scenario)
    seed = solara.use_reactive(str(defaults.seed))  # as typed: Reset refuses text that is no seed
    values = solara.use_reactive(knob_defaults(defaults.scenario))
    tab = solara.use_reactive(0)
    heading = solara.use_reactive(sweep_heading(None))

    render_context = reacton.core.get_render_context()

    def refresh() -> None:
        # One render for all the components that read `tick` (each would render apart).
        with render_context:
            tick.set(tick.value + 1)

    def play_loop() -> None:
        while playing.value and not session.live.finished:
            started = time.perf_counter()
            days, frame = days_per_frame(speed.value)
            session.step(days)
            refresh()
            time.sleep(max(MIN_PAUSE_SECONDS, frame - (time.perf_counter() - started)))
        playing.set(False)

    solara.lab.use_task(play_loop, dependencies=[playing.value], prefer_threaded=True)

    solara.Title("South Caucasus crisis 2024–25")
    with solara.AppBarTitle():
        solara.Text("South Caucasus crisis 2024–25")
    with solara.Sidebar():
        PlaybackPanel(session, refresh, tick, playing, speed)
        RunSettingsPanel(session, refresh, tick, scenario, seed, values, playing)
    with solara.Div(style=STICKY_HEADER):  # the day and date stay in view while the page scrolls
        Header(session, tick, tab, heading)
        Messages(session, tick)
    live_tab, whatif_tab, sweep_tab, about_tab = TABS
    with solara.lab.Tabs(value=tab, lazy=True):
        with solara.lab.Tab(live_tab):
            InjectPanel(session, refresh)
            PosteriorFanLoader(session, refresh, tick)
            LiveViews(session, tick)
        with solara.lab.Tab(whatif_tab):
            WhatIfPanel(session, refresh, tick)
        with solara.lab.Tab(sweep_tab):
            SweepExplorer(initial_directory=os.environ.get(SWEEP_DIR_VARIABLE, ""), on_heading=heading.set)
        with solara.lab.Tab(about_tab):
            InfoPage()


@solara.component
def Header(session: Session, tick: solara.Reactive[int], tab: solara.Reactive[int], heading: solara.Reactive[str]):
    """The header's line: the live run's clock, or on the sweep explorer's tab the sweep shown and its scenario."""
    if tab.value == SWEEP_TAB:
        solara.Text(heading.value, classes=["sweep-heading"], style="font-size: 18px; font-weight: 500")
    else:
        RunClock(session, tick)


@solara.component
def RunClock(session: Session, tick: solara.Reactive[int]):
    """The day, date, scenario and seed of the run (redrawn on every change)."""
    _ = tick.value  # subscribes: only this small component redraws, not the page
    solara.Text(clock_text(session), classes=["run-clock"], style="font-size: 18px; font-weight: 500")


@solara.component
def Messages(session: Session, tick: solara.Reactive[int]):
    """The outcome of the last action: an error in red, or what was done."""
    _ = tick.value
    if session.error:
        solara.Error(session.error, classes=["page-error"])
    elif session.notice:
        solara.Success(session.notice, classes=["page-notice"])
