"""The posterior fan on the live time charts: `caucasus dashboard --posterior DIR [--draws N]`.

With a posterior, the dashboard runs N draws (default `viz.server.DASHBOARD_DRAWS`) of the live
run's scenario and knob values on the ensemble engine with daily histories, each run with its
own posterior draw and its own seed spawned from the live run's seed
(`experiments.posterior_runs`: the calibrated parameters come from the draws, the knobs set the
others), and reduces them to daily quantiles. The trust and influence charts draw them as bands
(median, 50% and 90%) under the live run's own line. The fan is made in the background after
every Reset (a few seconds) and kept per settings, so sessions with the same settings share it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import solara
import solara.lab

from experiments.posterior_runs import SeriesFan, prepare_draws, run_under_posterior
from sim.errors import ConfigError
from sim.model import keyword_overrides, resolve_scenario
from viz.live import LiveRun, RunSettings, scenario_named
from viz.server import DASHBOARD_DRAWS, DRAWS_VARIABLE, POSTERIOR_VARIABLE
from viz.session import Session


@dataclass(frozen=True)
class FanSource:
    """The posterior the page draws its fan from, and how many runs."""

    directory: Path
    draws: int


def fan_source() -> FanSource | None:
    """The posterior given to `caucasus dashboard` (None without one)."""
    directory = os.environ.get(POSTERIOR_VARIABLE, "")
    if not directory:
        return None
    return FanSource(Path(directory), int(os.environ.get(DRAWS_VARIABLE, DASHBOARD_DRAWS)))


@lru_cache(maxsize=8)
def fan_for(settings: RunSettings, source: FanSource) -> SeriesFan:
    """The fan of `source.draws` runs of the settings' scenario and knobs under the posterior (ConfigError if unfit)."""
    scenario = scenario_named(settings.scenario)
    if settings.overrides:
        scenario = resolve_scenario(scenario, keyword_overrides(dict(settings.overrides)))
    draws = prepare_draws(source.directory, [(scenario, f"scenario {settings.scenario}")], source.draws, settings.seed)
    return run_under_posterior(scenario, draws, series=True).fan


def fan_status(source: FanSource, live: LiveRun, error: str) -> str:
    """What the page says about the fan: being made, drawn, or why not."""
    if error:
        return f"Posterior fan not drawn: {error}"
    if live.fan is None:
        return f"Posterior fan: running {source.draws} draws of {source.directory} in the background..."
    return (
        f"Posterior fan: median (dotted), 50% and 90% bands of {live.fan.runs} runs, each with its own draw from "
        f"{source.directory} and its own seed (the knobs set the parameters it does not calibrate); the solid "
        "line is the live run"
    )


@solara.component
def PosteriorFanLoader(session: Session, refresh: Callable[[], None], tick: solara.Reactive[int]):
    """Make the live run's fan in the background (once per Reset) and say where it stands."""
    _ = tick.value  # subscribes: a Reset (a new live run) starts a new fan
    source = solara.use_memo(fan_source, [])
    error = solara.use_reactive("")
    live = session.live

    def make() -> None:
        if source is None:
            return
        try:
            fan = fan_for(live.settings, source)
        except (ConfigError, ValueError) as problem:
            error.set(str(problem))
            return
        error.set("")
        live.fan = fan
        refresh()

    solara.lab.use_task(make, dependencies=[id(live)], prefer_threaded=True)
    if source is not None:
        solara.Text(fan_status(source, live, error.value), classes=["posterior-fan-status"], style="font-size: 12px")
