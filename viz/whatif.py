"""What-if branches: the live run continued with and without a change, on the same seed.

Both continuations replay the live run to today from its settings and injections, so they
share every random draw; one then takes the change (an extra shock, or a parameter changed
from tomorrow on) and both run to the horizon. Their difference is the change's effect alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.actors import INDEX, POWER_COLUMN, STATE_ROW, Actor
from sim.cameo import describe
from sim.corridor import ARRANGEMENT_INDEX, ARRANGEMENTS, Arrangement
from sim.model import CaucasusModel
from sim.outcomes import RunOutcomes
from viz.live import KNOB_BY_KEYWORD, LiveRun


@dataclass(frozen=True)
class ShockChange:
    """Branch with one more shock, fired on the day after the branch point."""

    actor: str
    target: str
    cameo: str

    def apply(self, model: CaucasusModel) -> None:
        """Queue the shock (ValueError on a bad one)."""
        model.inject(self.actor, self.target, self.cameo)

    def describe(self) -> str:
        """One line for the page."""
        return f"{self.actor} → {self.target}: {self.cameo} {describe(self.cameo)}"


@dataclass(frozen=True)
class ParameterChange:
    """Branch with a parameter changed from the day after the branch point on."""

    keyword: str
    value: float

    def apply(self, model: CaucasusModel) -> None:
        """Change the parameter (ConfigError on a bad key or value)."""
        model.change_parameters(**{self.keyword: self.value})

    def describe(self) -> str:
        """One line for the page."""
        knob = KNOB_BY_KEYWORD.get(self.keyword)
        return f"{knob.label if knob else self.keyword} = {self.value:g}"


Change = ShockChange | ParameterChange


@dataclass(frozen=True)
class WhatIf:
    """Two continuations of a live run from `branch_day`: `as_run` and `changed`."""

    branch_day: int
    change: Change
    as_run: CaucasusModel
    changed: CaucasusModel

    def series(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """A metric's daily values in both continuations (see `METRICS`)."""
        read = METRICS[metric]
        return read(self.as_run), read(self.changed)

    def outcomes(self) -> tuple[RunOutcomes, RunOutcomes]:
        """Both continuations' outcomes at the horizon."""
        return self.as_run.outcomes(), self.changed.outcomes()


def branch(live: LiveRun, change: Change) -> WhatIf:
    """Replay the live run twice to today, apply the change to one, run both to the horizon.

    Raises ValueError (a bad shock) or ConfigError (a bad parameter) before anything runs on.
    """
    as_run, changed = live.replay(), live.replay()
    change.apply(changed)
    return WhatIf(live.day, change, as_run.run(), changed.run())


def _trust(actor: Actor, target: Actor) -> Callable[[CaucasusModel], np.ndarray]:
    return lambda model: model.trust_history[: model.day, INDEX[actor], INDEX[target]]


def _share(state: Actor, power: Actor) -> Callable[[CaucasusModel], np.ndarray]:
    return lambda model: model.shares_history[: model.day, STATE_ROW[state], POWER_COLUMN[power]]


def _support(arrangement: Arrangement) -> Callable[[CaucasusModel], np.ndarray]:
    return lambda model: model.support_history[: model.day, ARRANGEMENT_INDEX[arrangement]]


def _metrics() -> dict[str, Callable[[CaucasusModel], np.ndarray]]:
    metrics = {
        "Trust AZE → RUS": _trust(Actor.AZE, Actor.RUS),
        "Trust ARM → RUS": _trust(Actor.ARM, Actor.RUS),
        "Trust RUS → AZE": _trust(Actor.RUS, Actor.AZE),
        "Trust TUR → RUS": _trust(Actor.TUR, Actor.RUS),
        "Russia's influence over Azerbaijan": _share(Actor.AZE, Actor.RUS),
        "Russia's influence over Armenia": _share(Actor.ARM, Actor.RUS),
        "Turkey's influence over Azerbaijan": _share(Actor.AZE, Actor.TUR),
    }
    for arrangement in ARRANGEMENTS:
        if arrangement != Arrangement.NONE:
            metrics[f"Support: {arrangement.value.replace('_', ' ')}"] = _support(arrangement)
    return metrics


#: What the what-if view can compare, by label: a function from a run to its daily values.
METRICS: dict[str, Callable[[CaucasusModel], np.ndarray]] = _metrics()
