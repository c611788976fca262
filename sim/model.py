"""The Mesa model: eight country agents, dated shocks, and the daily rules.

One step is one day. Shocks due on day d are Mesa events scheduled at time d; they and the
responses the agents chose the day before are applied in the step that closes day d, which
then records the day and lets every agent choose its action for day d + 1. The model is
built from a scenario file or a `Scenario`, with keyword overrides, so `mesa.batch_run` can
drive it:

    CaucasusModel("baseline", rng=1, trust_rate=0.4, RUS_restraint=0.9)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.actors import ACTORS, INDEX, N_ACTORS, Actor, actor_codes
from sim.agents import CountryAgent
from sim.cameo import GOLDSTEIN
from sim.config import Scenario, load_scenario, with_overrides
from sim.corridor import N_ARRANGEMENTS
from sim.errors import ConfigError
from sim.events_log import EventKind, EventLog, EventRecord, default_description, shock_day_events
from sim.inputs import initially_on_table, rule_inputs
from sim.outcomes import RunOutcomes, outcome_arrays, response_counts_of, run_outcomes, russia_share
from sim.parameters import ModelParams, param_names
from sim.rules.day import CrisisState, advance, initial_state
from sim.rules.events import combine, response_events
from sim.rules.responses import NO_ACTION

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

    `trust_rate=0.4` -> `parameters.trust_rate`; `RUS_restraint=0.9` ->
    `actors.RUS.restraint`; `horizon_days=200` -> `scenario.horizon_days`; dotted keys pass.
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
                "ACTOR_disposition (e.g. RUS_restraint) or a dotted config key",
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
        self.inputs = rule_inputs(self.config)
        self.state: CrisisState = initial_state(self.inputs, initially_on_table())
        horizon = self.config.horizon_days
        # All of a run's randomness, drawn up front from its one generator, in a fixed order
        # (normal[d] perturbs trust on day d; uniform[d] drives the choices made at its close):
        # any engine that draws the same blocks from the same seed reproduces the run.
        self.normal_draws = self.rng.standard_normal((horizon, N_ACTORS, N_ACTORS))
        self.uniform_draws = self.rng.random((horizon, N_ACTORS, 2))
        self.countries = [CountryAgent(self, profile, INDEX[profile.actor]) for profile in self.config.profiles]
        self.events = EventLog(self.config.date_of)
        self.log: list[EventRecord] = self.events.records
        self._pending_actions = np.full(N_ACTORS, NO_ACTION), np.full(N_ACTORS, NO_ACTION)
        self.trust_history = np.empty((horizon, N_ACTORS, N_ACTORS))
        self.shares_history = np.empty((horizon, *self.state.shares.shape))
        self.support_history = np.empty((horizon, N_ARRANGEMENTS))
        self.interventions: list[tuple[int, dict[str, Any]]] = []
        self._schedule_shocks()
        self.datacollector = mesa.DataCollector(model_reporters=self.reporters())
        self.datacollector.collect(self)

    # ------------------------------------------------------------ time

    @property
    def day(self) -> int:
        """Days completed so far (the index of the next day to run)."""
        return min(self.steps, self.horizon)

    @property
    def date(self) -> dt.date:
        """Date of the last completed day (the day before the start date before the first step)."""
        return self.config.date_of(self.day - 1)

    @property
    def horizon(self) -> int:
        """Number of days in the run."""
        return self.config.horizon_days

    def _schedule_shocks(self) -> None:
        self._shocks_by_day = self.config.shocks_by_day()
        for day in sorted(self._shocks_by_day):
            self.schedule_event(self._fire_shocks, at=day)

    def _fire_shocks(self) -> None:
        """Queue the scripted shocks due today (called by Mesa's event list at time = day)."""
        for shock in self._shocks_by_day.get(int(self.time), []):
            self.events.queue_shock(self.day, shock)

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
        return self.events.queue(
            self.day,
            actor,
            target,
            cameo,
            EventKind.INJECTED,
            description or default_description(actor, cameo, target),
            salience=salience,
        )

    def change_parameters(self, **params: Any) -> None:
        """Run on from the next day with changed parameters (a mid-run intervention).

        Takes the keywords of the constructor (`trust_rate=0.4`, `AZE_restraint=0.9`, dotted
        keys); the seed, start date and horizon cannot change mid-run. The drawn random numbers
        stay as they are, so a changed copy of a run differs from it only through the change.
        `config` becomes the changed scenario; `interventions` records (day, overrides).
        Raises ConfigError for an unknown key or an out-of-range value, leaving the run as it was.
        """
        overrides = keyword_overrides(params)
        fixed = sorted(k for k in overrides if k.startswith("scenario."))
        if fixed:
            raise ConfigError("change_parameters(...)", fixed[0], "cannot change mid-run; start a new run instead")
        config = with_overrides(self.config, overrides)
        self.inputs = rule_inputs(config)
        self.config = config
        self.interventions.append((self.day, overrides))

    # ------------------------------------------------------------ the day

    def step(self) -> None:
        """Close the current day: apply its events and rules, record it, let agents choose."""
        day = self.steps - 1  # Mesa has already counted this step
        if day >= self.horizon:  # stepping past the horizon changes nothing
            self.running = False
            return
        records = self.events.enter_pending()
        events = combine(shock_day_events(records), response_events(*self._pending_actions))
        self.state = advance(self.state, events, self.inputs, self.normal_draws[day], day)
        self._record(day)
        self.running = day + 1 < self.horizon
        if self.running:
            self._pending_actions = self._decide(day)
        self.datacollector.collect(self)

    def _record(self, day: int) -> None:
        self.trust_history[day] = self.state.trust
        self.shares_history[day] = self.state.shares
        self.support_history[day] = self.state.support

    def _decide(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Every agent chooses its action for tomorrow; the choices are queued and logged."""
        actions = np.full(N_ACTORS, NO_ACTION)
        targets = np.full(N_ACTORS, NO_ACTION)
        for agent in self.countries:
            action, target = agent.decide(self.uniform_draws[day])
            actions[agent.index], targets[agent.index] = action, target
            if action != NO_ACTION:
                self.events.queue_response(self.day, agent.actor, int(action), ACTORS[int(target)])
        return actions, targets

    # ------------------------------------------------------------ reporting

    def run(self) -> CaucasusModel:
        """Run to the horizon and return self."""
        while self.running and self.day < self.horizon:
            self.step()
        return self

    def outcomes(self) -> RunOutcomes:
        """The run's named outcomes, over the days run so far."""
        return run_outcomes(self.outcome_arrays(), (), self.config.name, self.seed, self.config.start_date)

    def outcome_arrays(self) -> dict[str, np.ndarray]:
        """The outcomes as `sim.outcomes.outcome_arrays` (the form the ensemble engine gives)."""
        history = self.trust_history[: self.day] if self.day else self.state.trust[None]
        aze, rus, tur = INDEX[Actor.AZE], INDEX[Actor.RUS], INDEX[Actor.TUR]
        return outcome_arrays(
            self.state, history[:, aze, rus].min(), history[:, tur, rus].min(), response_counts_of(self.log)
        )

    def reporters(self) -> dict[str, Any]:
        """Model reporters for Mesa's DataCollector, read each day (what `mesa.batch_run` collects)."""
        return {
            "day": lambda m: m.day,
            "trust_AZE_RUS": lambda m: float(m.state.trust[INDEX[Actor.AZE], INDEX[Actor.RUS]]),
            "trust_TUR_RUS": lambda m: float(m.state.trust[INDEX[Actor.TUR], INDEX[Actor.RUS]]),
            "russia_influence_AZE": lambda m: russia_share(m.state.shares, Actor.AZE),
            "russia_influence_ARM": lambda m: russia_share(m.state.shares, Actor.ARM),
            "rupture": lambda m: bool(m.state.rupture_day >= 0),
            "corridor_agreed": lambda m: int(m.state.agreed),
        }
