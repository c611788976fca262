"""A browser session's live run: its settings, the model, stepping and injected shocks.

Nothing here knows about Solara: `LiveRun` is plain Python, so the page, the what-if branches
and the tests drive the same object. Every session builds its own `LiveRun` (never a
module-level model, which every browser session would share).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from sim.actors import Actor
from sim.cameo import LADDER, RESPONSES, Response
from sim.config import Scenario
from sim.events_log import EventRecord
from sim.model import SCENARIO_DIR, CaucasusModel, resolve_scenario
from sim.parameters import Disposition, ModelParams

if TYPE_CHECKING:
    from experiments.posterior_runs import SeriesFan


@dataclass(frozen=True)
class Knob:
    """A parameter the page offers as a slider: a `CaucasusModel` keyword and its bounds."""

    keyword: str
    label: str
    tooltip: str
    low: float
    high: float
    step: float

    def value_in(self, scenario: Scenario) -> float:
        """The knob's value in a scenario (before any override)."""
        code, _, name = self.keyword.partition("_")
        if code in Actor.__members__:
            profile = next(p for p in scenario.profiles if p.actor == code)
            return float(getattr(profile.disposition, name))
        return float(getattr(scenario.params, self.keyword))


def _knob(keyword: str, label: str, *, high: float | None = None, step: float = 0.01) -> Knob:
    """A knob whose tooltip is the parameter's documented meaning (sim.parameters)."""
    code, _, name = keyword.partition("_")
    owner = Disposition if code in Actor.__members__ else ModelParams
    attribute = name if owner is Disposition else keyword
    meta = owner.__dataclass_fields__[attribute].metadata
    low, top = meta["range"]
    return Knob(keyword, label, meta["doc"], float(low), float(top if high is None else high), step)


#: The parameters that matter most for the story (see experiments/studies/rupture_drivers.md).
KNOBS: tuple[Knob, ...] = (
    _knob("escalation_cost", "Cost of escalation (exponent on interdependence)", step=0.1),
    _knob("thaw_rate", "Way back: hazard of reaching out", step=0.05),
    _knob("AZE_sensitivity", "Azerbaijan's sensitivity to humiliation"),
    _knob("RUS_sensitivity", "Russia's sensitivity to humiliation"),
    _knob("AZE_memory_half_life_days", "Azerbaijan's memory (half-life, days)", high=365.0, step=1.0),
    _knob("RUS_distraction", "Russia's distraction (the war in Ukraine)"),
    _knob("USA_engagement", "US engagement on the corridor"),
    _knob("trust_rate", "Trust rate"),
)
KNOB_BY_KEYWORD: dict[str, Knob] = {knob.keyword: knob for knob in KNOBS}

#: Actions a user can inject or branch on: the escalation ladder and the conciliatory acts.
INJECTABLE: tuple[Response, ...] = RESPONSES


def scenario_names() -> list[str]:
    """The scenarios in configs/scenarios/, baseline first."""
    names = sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))
    return sorted(names, key=lambda name: name != "baseline")


@lru_cache(maxsize=32)
def scenario_named(name: str) -> Scenario:
    """A scenario of configs/scenarios/ by name, read once (scenarios are immutable)."""
    return resolve_scenario(name)


def action_label(response: Response) -> str:
    """How the page names an action: code, wording and Goldstein score."""
    side = f"rung {response.rung}" if response in LADDER else "conciliatory"
    return f"{response.cameo} · {response.label} ({side}, Goldstein {response.goldstein:+.1f})"


@dataclass(frozen=True)
class RunSettings:
    """What a Reset builds: a scenario by name, a seed and knob overrides (keyword, value)."""

    scenario: str = "baseline"
    seed: int = 1
    overrides: tuple[tuple[str, float], ...] = ()

    def build(self) -> CaucasusModel:
        """A new model; raises ConfigError for an unknown scenario, a bad seed or value."""
        return CaucasusModel(scenario_named(self.scenario), rng=self.seed, **dict(self.overrides))


@dataclass(frozen=True)
class Injection:
    """A shock the user injected: queued at the close of `day`, it fires on the next step."""

    day: int
    actor: Actor
    target: Actor
    cameo: str


@dataclass
class LiveRun:
    """One session's run: the model, what was injected, and the trust before the last step.

    A step may run many days (To next shock, a frame of Play): `previous_trust` is the trust
    on `previous_day`, before the last step, so the views can show what changed over it.
    """

    settings: RunSettings
    model: CaucasusModel = field(init=False)
    injections: list[Injection] = field(init=False, default_factory=list)
    previous_trust: np.ndarray = field(init=False)
    fan: SeriesFan | None = field(init=False, default=None)  # the posterior fan of these settings, once made
    previous_day: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.model = self.settings.build()
        self.previous_trust = self.model.state.trust.copy()

    @property
    def last_step_days(self) -> int:
        """Days the last step ran (0 before the first): the span of `previous_trust`'s changes."""
        return self.model.day - self.previous_day

    @property
    def day(self) -> int:
        """Days completed so far."""
        return self.model.day

    @property
    def date(self) -> dt.date:
        """Date of the last completed day."""
        return self.model.date

    @property
    def finished(self) -> bool:
        """Whether the run has reached its horizon."""
        return self.model.day >= self.model.horizon

    def step(self, days: int = 1) -> int:
        """Run up to `days` more days (never past the horizon); returns the days run."""
        run = min(days, self.model.horizon - self.model.day)
        if run > 0:
            self.previous_trust = self.model.state.trust.copy()
            self.previous_day = self.model.day
        for _ in range(run):
            self.model.step()
        return run

    def next_shock_day(self) -> int | None:
        """The day index of the next scripted shock not yet applied, if any."""
        upcoming = [day for day in self.model.config.shocks_by_day() if day >= self.model.day]
        return min(upcoming) if upcoming else None

    def step_to_next_shock(self) -> int:
        """Run through the day of the next scripted shock (or to the horizon); returns days run."""
        day = self.next_shock_day()
        return self.step((self.model.horizon if day is None else day + 1) - self.model.day)

    def inject(self, actor: str, target: str, cameo: str) -> EventRecord:
        """Queue a shock for the next step (logged as injected); ValueError on a bad shock."""
        record = self.model.inject(actor, target, cameo)
        self.injections.append(Injection(self.model.day, record.actor, record.target, cameo))
        return record

    def replay(self) -> CaucasusModel:
        """A fresh model with the same settings and injections, run to the same day."""
        model = self.settings.build()
        for injection in self.injections:
            while model.day < injection.day:
                model.step()
            model.inject(injection.actor, injection.target, injection.cameo)
        while model.day < self.model.day:
            model.step()
        return model
