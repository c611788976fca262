"""The Mesa model: eight country agents, dated shocks, and the daily rules.

One step is one day: the model runs the day loop of `sim.core.Simulation` on a single run
(the ensemble engine runs the same loop on thousands), with daily histories kept. The step
that closes day d applies the day's events (the responses chosen the day before, the scripted
shocks due that day, then any injected event), advances the state, records the day and lets
every actor choose its action for day d + 1. The `CountryAgent`s in the model's agent set show
each actor's own part of the state. The model is built from a scenario file or a `Scenario`,
with keyword overrides, so `mesa.batch_run` can drive it:

    CaucasusModel("baseline", rng=1, trust_rate=0.4, RUS_distraction=0.2)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.actors import INDEX, Actor, actor_codes
from sim.agents import CountryAgent
from sim.cameo import GOLDSTEIN
from sim.config import Scenario, load_scenario, with_overrides
from sim.core import Simulation
from sim.errors import ConfigError
from sim.events_log import EventKind, EventLog, EventRecord, default_description
from sim.inputs import rule_inputs
from sim.journal import RunLog, SharedEvent
from sim.outcomes import RunOutcomes, outcome_table, run_outcomes, russia_share
from sim.parameters import ModelParams, param_names
from sim.rules.day import CrisisState, RuleInputs

SCENARIO_DIR = Path(__file__).resolve().parents[1] / "configs" / "scenarios"


def resolve_scenario(scenario: str | Path | Scenario, overrides: dict[str, Any] | None = None) -> Scenario:
    """A `Scenario` from an object, a TOML path, or a name in `configs/scenarios/`."""
    if isinstance(scenario, Scenario):
        return with_overrides(scenario, overrides) if overrides else scenario
    path = Path(scenario)
    if not path.suffix and not path.exists():
        path = SCENARIO_DIR / f"{scenario}.toml"
    return load_scenario(path, overrides)


def keyword_overrides(params: dict[str, Any]) -> dict[str, Any]:
    """Map model keyword arguments to dotted config keys.

    `trust_rate=0.4` -> `parameters.trust_rate`; `RUS_distraction=0.2` ->
    `actors.RUS.distraction`; `horizon_days=200` -> `scenario.horizon_days`; dotted keys pass.
    """
    dotted = {}
    for key, value in params.items():
        code, _, field = key.partition("_")
        if "." in key:
            dotted[key] = value
        elif key in param_names(ModelParams):
            dotted[f"parameters.{key}"] = value
        elif key in ("horizon_days", "start_date"):
            dotted[f"scenario.{key}"] = value
        elif code in INDEX and field:
            dotted[f"actors.{code}.{field}"] = value
        else:
            raise ConfigError(
                "CaucasusModel(...)",
                key,
                "unknown keyword; allowed: a model parameter, horizon_days, start_date, "
                "ACTOR_disposition (e.g. RUS_distraction) or a dotted config key",
            )
    return dotted


class CaucasusModel(mesa.Model):
    """The South Caucasus crisis of 2024-25 as a Mesa model (see docs/ODD.md)."""

    def __init__(self, scenario: str | Path | Scenario = "baseline", *, rng: int | None = None, **params: Any):
        """Build a run.

        Args:
            scenario: a `Scenario`, a scenario TOML path, or a name in `configs/scenarios/`.
            rng: the run's integer seed; the scenario's seed when None.
            **params: overrides (see `keyword_overrides`).
        """
        overrides = keyword_overrides(params)
        if rng is not None:
            if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
                raise ConfigError("CaucasusModel(...)", "rng", f"{rng!r} is not an integer seed")
            overrides["scenario.seed"] = int(rng)  # the resolved config (and its hash) holds the seed used
        self.config = resolve_scenario(scenario, overrides)
        self.seed = self.config.seed
        super().__init__(rng=self.seed)
        self.simulation = Simulation(self.config, self.seed, histories=True)
        self.countries = [CountryAgent(self, profile, INDEX[profile.actor]) for profile in self.config.profiles]
        self._run_log = RunLog(self.simulation.journal, 0)
        self.interventions: list[tuple[int, dict[str, Any]]] = []
        self.datacollector = mesa.DataCollector(
            model_reporters=self.reporters(), agent_reporters=CountryAgent.reporters()
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------ time

    @property
    def day(self) -> int:
        """Days completed so far (the index of the next day to run)."""
        return self.simulation.day

    @property
    def date(self) -> dt.date:
        """Date of the last completed day (the day before the start date before the first step)."""
        return self.config.date_of(self.day - 1)

    @property
    def horizon(self) -> int:
        """Number of days in the run."""
        return self.config.horizon_days

    @property
    def state(self) -> CrisisState:
        """The run's state after the days run so far."""
        return self.simulation.state

    @property
    def inputs(self) -> RuleInputs:
        """The run's inputs (changed by `change_parameters`)."""
        return self.simulation.inputs

    @property
    def events(self) -> EventLog:
        """The run's event log: `records` that have taken effect, `pending` queued for the next day."""
        return self._run_log.update()

    @property
    def log(self) -> list[EventRecord]:
        """The events that have taken effect so far."""
        return self.events.records

    @property
    def trust_history(self) -> np.ndarray:
        """[horizon, n, n] trust at the close of each day (valid for the days run)."""
        return self.simulation.recorder.trust

    @property
    def shares_history(self) -> np.ndarray:
        """[horizon, state, power] influence shares at the close of each day."""
        return self.simulation.recorder.shares

    @property
    def support_history(self) -> np.ndarray:
        """[horizon, arrangement] corridor support at the close of each day."""
        return self.simulation.recorder.support

    def inject(
        self, actor: Actor | str, target: Actor | str, cameo: str, *, salience: float = 1.0, description: str = ""
    ) -> EventRecord:
        """Queue a shock for the next step, logged as injected. Raises ValueError on a bad shock."""
        for code in (actor, target):
            if code not in actor_codes():
                raise ValueError(f"{code!r} is not an actor; allowed: {', '.join(actor_codes())}")
        actor, target = Actor(actor), Actor(target)
        if actor == target:
            raise ValueError(f"{actor} cannot act on itself; pick another target")
        if cameo not in GOLDSTEIN:
            raise ValueError(f"{cameo!r} is not a CAMEO code on the scale; allowed: {', '.join(GOLDSTEIN)}")
        if isinstance(salience, bool) or not isinstance(salience, (int, float)) or not 0.0 <= salience <= 5.0:
            raise ValueError(f"salience {salience} is out of range; allowed: [0, 5]")
        if self.day >= self.horizon:
            raise ValueError("the run has reached its horizon; reset to inject again")
        event = SharedEvent(
            day=self.day,
            kind=EventKind.INJECTED,
            actor=actor,
            target=target,
            cameo=cameo,
            description=description or default_description(actor, cameo, target),
            salience=salience,
        )
        self.simulation.inject(event)
        return self.events.pending[-1]

    def change_parameters(self, **params: Any) -> None:
        """Run on from the next day with changed parameters (a mid-run intervention).

        Takes the keywords of the constructor (`trust_rate=0.4`, `AZE_reciprocity=0.9`, dotted
        keys); the seed, start date and horizon cannot change mid-run. The random numbers are keyed by
        (seed, day), so they stay as they are: a changed copy of a run differs from it only through the change.
        `config` becomes the changed scenario; `interventions` records (day, overrides).
        Raises ConfigError for an unknown key or an out-of-range value, leaving the run as it was.
        """
        overrides = keyword_overrides(params)
        fixed = sorted(k for k in overrides if k.startswith("scenario."))
        if fixed:
            raise ConfigError("change_parameters(...)", fixed[0], "cannot change mid-run; start a new run instead")
        config = with_overrides(self.config, overrides)
        self.simulation.change_inputs(rule_inputs(config))
        self.config = config
        self.interventions.append((self.day, overrides))

    # ------------------------------------------------------------ the day

    def step(self) -> None:
        """Close the current day: apply its events and rules, record it, let every actor choose."""
        if self.simulation.finished:  # stepping past the horizon changes nothing
            self.running = False
            return
        self.simulation.run_day()
        self.running = not self.simulation.finished
        self.datacollector.collect(self)

    # ------------------------------------------------------------ reporting

    def run(self) -> CaucasusModel:
        """Run to the horizon and return self."""
        while self.running and self.day < self.horizon:
            self.step()
        return self

    def outcomes(self) -> RunOutcomes:
        """The run's named outcomes (`sim.outcomes.OUTCOMES`), over the days run so far."""
        return run_outcomes(self.outcome_table(), 0, self.config.name, self.seed, self.config.start_date)

    def outcome_table(self) -> dict[str, np.ndarray]:
        """The outcome columns of this run (one row), as the ensemble engine gives them for each of its runs."""
        return outcome_table(self.simulation)

    def reporters(self) -> dict[str, Any]:
        """Model reporters for Mesa's DataCollector, read each day (what `mesa.batch_run` collects)."""
        return {
            "day": lambda m: m.day,
            "trust_AZE_RUS": lambda m: float(m.state.trust[INDEX[Actor.AZE], INDEX[Actor.RUS]]),
            "trust_TUR_RUS": lambda m: float(m.state.trust[INDEX[Actor.TUR], INDEX[Actor.RUS]]),
            "russia_influence_AZE": lambda m: float(russia_share(m.state.shares, Actor.AZE)),
            "russia_influence_ARM": lambda m: float(russia_share(m.state.shares, Actor.ARM)),
            "rupture": lambda m: bool(m.state.rupture_day >= 0),
            "corridor_agreed": lambda m: int(m.state.agreed),
        }
