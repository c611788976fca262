"""The typed, validated objects a config becomes: `Scenario`, `Shock`, `ActorProfile`, `Figure`."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.actors import Actor
from sim.config.series import SeriesPoint
from sim.corridor import Arrangement
from sim.parameters import Disposition, ModelParams
from sim.provenance import canonical_hash

if TYPE_CHECKING:
    from sim.interdependence import Interdependence


@dataclass(frozen=True, kw_only=True)
class Figure:
    """A sourced real figure: its value, year and source (placeholder when estimated)."""

    value: float
    year: int
    source: str
    placeholder: bool = False


@dataclass(frozen=True, kw_only=True)
class CorridorStance:
    """An actor's stance on the corridor's dimension of control (`sim.corridor`), with its reason.

    `reservation` is the worst point a principal (AZE, ARM) accepts: its veto; None for the powers.
    """

    position: float
    salience: float
    reason: str
    reservation: float | None = None


@dataclass(frozen=True, kw_only=True)
class ActorProfile:
    """One actor's sourced baseline and its disposition for this scenario."""

    actor: Actor
    name: str
    gdp_usd_bn: Figure
    milex_usd_bn: Figure
    population: Figure
    ideal_point: Figure
    disposition: Disposition
    kin: dict[Actor, float]
    corridor: CorridorStance


@dataclass(frozen=True, kw_only=True)
class Shock:
    """A dated, scripted event: `actor` does CAMEO action `cameo` to `target` on `date`."""

    date: dt.date
    actor: Actor
    target: Actor
    cameo: str
    shock_id: str = ""
    salience: float = 1.0
    affront: float = 0.0
    description: str = ""
    corridor: Arrangement | None = None


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A validated scenario: everything one run needs, and the raw text it came from."""

    name: str
    description: str
    start_date: dt.date
    horizon_days: int
    seed: int
    params: ModelParams
    profiles: tuple[ActorProfile, ...]
    baseline_trust: np.ndarray
    shocks: tuple[Shock, ...]
    source: str
    raw: dict[str, Any]
    actors_raw: dict[str, Any]
    actors_source: str
    interdependence: Interdependence
    interdependence_raw: dict[str, Any]
    interdependence_source: str
    model: str = "crisis"  # "crisis", or "reciprocity": the null model (sim.config.mechanisms)
    series: tuple[SeriesPoint, ...] = ()  # dated changes of a disposition (sim.config.series)
    switched_off: tuple[str, ...] = ()  # parameters [mechanisms] holds at their null values: not to be varied

    def day_of(self, date: dt.date) -> int:
        """Day index of a date (0 = start date)."""
        return (date - self.start_date).days

    def date_of(self, day: int) -> dt.date:
        """Calendar date of a day index."""
        return self.start_date + dt.timedelta(days=day)

    def series_by_day(self) -> dict[int, list[SeriesPoint]]:
        """The dated series' changes grouped by the day index they take effect on, in file order."""
        by_day: dict[int, list[SeriesPoint]] = {}
        for point in self.series:
            by_day.setdefault(self.day_of(point.date), []).append(point)
        return by_day

    def shocks_by_day(self) -> dict[int, list[Shock]]:
        """The scripted shocks grouped by the day index they fall on, in file order."""
        by_day: dict[int, list[Shock]] = {}
        for shock in self.shocks:
            by_day.setdefault(self.day_of(shock.date), []).append(shock)
        return by_day

    def resolved(self) -> dict[str, Any]:
        """The scenario as resolved (all defaults filled in), as plain JSON-ready data."""
        return {
            "name": self.name,
            "description": self.description,
            "start_date": self.start_date.isoformat(),
            "horizon_days": self.horizon_days,
            "seed": self.seed,
            "model": self.model,
            "parameters": asdict(self.params),
            "actors": {p.actor.value: _profile_dict(p) for p in self.profiles},
            "baseline_trust": self.baseline_trust.round(12).tolist(),
            "shocks": [_shock_dict(s) for s in self.shocks],
            "series": [
                {
                    "actor": p.actor.value,
                    "parameter": p.parameter,
                    "date": p.date.isoformat(),
                    "value": p.value,
                    "reason": p.reason,
                }
                for p in self.series
            ],
            "interdependence": _jsonable(self.interdependence_raw),
        }

    def config_hash(self) -> str:
        """SHA-256 of the resolved scenario (seed included), canonical JSON."""
        return canonical_hash(self.resolved())

    def source_config(self) -> dict[str, Any]:
        """The validated inputs as JSON-ready data, from which `load_run_config` rebuilds this scenario.

        That is the scenario (extends resolved, overrides applied) and the actors and
        interdependence files it used.
        """
        scenario = copy.deepcopy(self.raw)
        files = ("actors_file", "interdependence")
        scenario["scenario"] = {k: v for k, v in scenario["scenario"].items() if k not in files}
        return _jsonable({"scenario": scenario, "actors": self.actors_raw, "interdependence": self.interdependence_raw})


def _jsonable(value: Any) -> Any:
    """TOML data as JSON data: dates as ISO strings, tables and arrays recursively."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _profile_dict(profile: ActorProfile) -> dict[str, Any]:
    data = asdict(profile)
    data["actor"] = profile.actor.value
    data["kin"] = {k.value: v for k, v in profile.kin.items()}
    return data


def _shock_dict(shock: Shock) -> dict[str, Any]:
    data = asdict(shock)
    data["date"] = shock.date.isoformat()
    data["actor"] = shock.actor.value
    data["target"] = shock.target.value
    data["corridor"] = shock.corridor.value if shock.corridor else None
    return data
