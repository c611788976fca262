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
from viz.sweep_explorer import SweepExplorer
from viz.views import LiveViews
from viz.whatif_panel import WhatIfPanel

#: Sticks at the top of the scrolling area, covering its 12 px top padding too.
STICKY_HEADER = "position: sticky; top: -12px; z-index: 10; background: white; padding: 14px 0 4px 0"
#: The least time the play loop leaves between frames, so clicks (Pause) are answered at once.
MIN_PAUSE_SECONDS = 0.05


def clock_text(session: Session) -> str:
    """'Day 190 of 365 · Fri 27 Jun 2025 done · next Sat 28 Jun 2025 · baseline, seed 1' for the header.

    The clock shows the last completed day and what Step runs next (the convention of `viz.clock`).
    """
    live = session.live
    settings = live.settings
    return f"{clock_line(live.model.config, live.day, live.model.horizon)} · {settings.scenario}, seed {settings.seed}"


@solara.component
def Page():
    """The whole dashboard for one browser session."""
    session = solara.use_memo(Session, [])
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive("10 days/s")
    defaults = RunSettings()
    scenario = solara.use_reactive(defaults.scenario)
    seed = solara.use_reactive(defaults.seed)
    values = solara.use_reactive(knob_defaults(defaults.scenario))

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
        RunClock(session, tick)
        Messages(session, tick)
    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("Live run"):
            InjectPanel(session, refresh)
            PosteriorFanLoader(session, refresh, tick)
            LiveViews(session, tick)
        with solara.lab.Tab("What-if"):
            WhatIfPanel(session, refresh, tick)
        with solara.lab.Tab("Sweep explorer"):
            SweepExplorer(initial_directory=os.environ.get(SWEEP_DIR_VARIABLE, ""))
        with solara.lab.Tab("About the model"):
            InfoPage()


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
