"""The ensemble engine: many runs of one scenario at once, along a leading batch axis.

It runs the model's one day loop (`sim.core.Simulation`) over a batch of runs, without daily
histories: the same code, in the same order, as the Mesa model, which runs it on one run. A
run with a given seed thus gives the same outcomes and the same event log in either engine.
Runs may differ in parameters and dispositions (`batch`, see `sim.inputs.rule_inputs`) but not
in their shocks or horizon.

    result = run_ensemble(load_scenario("configs/scenarios/baseline.toml"), seeds=[1, 2, 3])
    result.outcomes()["rupture"]       # one value per run
    result.event_log(0)               # the first run's log, as CaucasusModel(rng=1).log
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.config import Scenario
from sim.core import Simulation
from sim.events_log import EventRecord
from sim.journal import run_records
from sim.outcomes import RunOutcomes, outcome_table, run_outcomes
from sim.rules.day import CrisisState, RuleInputs


@dataclass(frozen=True)
class EnsembleResult:
    """The finished runs of a batch."""

    simulation: Simulation

    @property
    def config(self) -> Scenario:
        """The scenario run."""
        return self.simulation.scenario

    @property
    def seeds(self) -> np.ndarray:
        """Each run's seed."""
        return self.simulation.seeds

    @property
    def inputs(self) -> RuleInputs:
        """The runs' inputs."""
        return self.simulation.inputs

    @property
    def state(self) -> CrisisState:
        """The runs' final state, [runs, ...]."""
        return self.simulation.state

    @property
    def size(self) -> int:
        """Number of runs."""
        return self.simulation.size

    @cached_property
    def _outcomes(self) -> dict[str, np.ndarray]:
        return outcome_table(self.simulation)

    def outcomes(self, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """Every outcome column (`sim.outcomes.OUTCOMES`), one value per run; or those `names` need."""
        if names is not None and "_outcomes" not in self.__dict__:  # only what is asked (a sweep keeps a few)
            return outcome_table(self.simulation, names)
        return dict(self._outcomes)

    def run_outcomes(self, run: int) -> RunOutcomes:
        """One run's outcomes, as `CaucasusModel.outcomes()` gives them."""
        return run_outcomes(self._outcomes, run, self.config.name, int(self.seeds[run]), self.config.start_date)

    def event_log(self, run: int) -> list[EventRecord]:
        """One run's event log, read from the journal the runs wrote (as `CaucasusModel.log`)."""
        return run_records(self.simulation.journal, run)


def run_ensemble(
    scenario: Scenario,
    seeds: Sequence[int],
    batch: Mapping[str, np.ndarray] | None = None,
) -> EnsembleResult:
    """Run the scenario once per seed, all at once.

    Args:
        scenario: the validated scenario (its shocks and horizon are shared by all runs).
        seeds: each run's integer seed.
        batch: optional per-run values of parameters or dispositions, keyed by dotted name
            (`parameters.trust_rate`, `actors.RUS.distraction`), each of length len(seeds).
    """
    return EnsembleResult(Simulation(scenario, list(seeds), batch).run())
