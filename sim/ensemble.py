"""The ensemble engine: many runs of one scenario at once, along a leading batch axis.

It calls the same rule functions as the Mesa model (`sim.rules`), in the same order, on
arrays with a leading replicate axis: each day, that day's scripted shocks and the responses
chosen the evening before (`shock_events`, `response_events`, `combine`), then `advance`,
then `choose_response` for every actor able to act, all at once (`all_actors_choose`). Each
run draws its randomness exactly as a `CaucasusModel` with the same seed does, a block of
normal draws (horizon, n, n) and then a block of uniform draws (horizon, n, 2) from
`numpy.random.default_rng(seed)`, so a run gives the same outcomes and the same event log in
either engine. Runs that share a seed share their draws, which are made once.

Runs may differ in parameters and dispositions (`batch`, see `sim.inputs.rule_inputs`) but not
in their shocks or horizon.

    result = run_ensemble(load_scenario("configs/scenarios/baseline.toml"), seeds=[1, 2, 3])
    result.outcomes()["rupture"]       # one value per run
    result.event_log(0)               # the first run's log, as CaucasusModel(rng=1).log
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.actors import ACTORS, N_ACTORS
from sim.cameo import RESPONSES
from sim.config import Scenario
from sim.events_log import EventLog, EventRecord, shock_day_events
from sim.inputs import initially_on_table, rule_inputs
from sim.outcomes import AZE, RUS, TUR, RunOutcomes, outcome_arrays, run_outcomes
from sim.rules.day import CrisisState, RuleInputs, advance, all_actors_choose, initial_state
from sim.rules.events import DayEvents, combine, response_events
from sim.rules.responses import NO_ACTION


@dataclass(frozen=True)
class RunDraws:
    """The random draws of a set of runs: one block per distinct seed, and each run's block."""

    normal: np.ndarray  # [distinct seeds, horizon, n, n]
    uniform: np.ndarray  # [distinct seeds, horizon, n, 2]
    block_of_run: np.ndarray  # [runs] index into the distinct-seed axis

    @classmethod
    def from_seeds(cls, seeds: Sequence[int], horizon: int) -> RunDraws:
        """Draw each distinct seed's blocks as `CaucasusModel` does: normal, then uniform.

        Blocks come in the order of the seeds' first runs, so where every run has its own seed,
        run i reads block i and a day's draws are a view, not a gathered copy.
        """
        seeds = np.asarray(seeds, dtype=np.int64)
        _, first_run, sorted_block = np.unique(seeds, return_index=True, return_inverse=True)
        block_of_sorted = np.empty_like(first_run)
        block_of_sorted[np.argsort(first_run)] = np.arange(first_run.size)
        distinct, block_of_run = seeds[np.sort(first_run)], block_of_sorted[sorted_block]
        normal = np.empty((distinct.size, horizon, N_ACTORS, N_ACTORS))
        uniform = np.empty((distinct.size, horizon, N_ACTORS, 2))
        for block, seed in enumerate(distinct):
            generator = np.random.default_rng(int(seed))
            generator.standard_normal(out=normal[block])
            generator.random(out=uniform[block])
        return cls(normal, uniform, block_of_run)

    @cached_property
    def one_block_per_run(self) -> bool:
        """Whether run i uses block i (every run its own seed): then no gathering is needed."""
        blocks = self.normal.shape[0]
        return self.block_of_run.size == blocks and np.array_equal(self.block_of_run, np.arange(blocks))

    def day(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Each run's normal [runs, n, n] and uniform [runs, n, 2] draws for `day`."""
        if self.one_block_per_run:
            return self.normal[:, day], self.uniform[:, day]
        return self.normal[self.block_of_run, day], self.uniform[self.block_of_run, day]


@dataclass(frozen=True)
class EnsembleResult:
    """The finished runs: final state, every chosen action, trust extremes."""

    config: Scenario
    seeds: np.ndarray
    inputs: RuleInputs
    state: CrisisState
    actions: np.ndarray  # [horizon, runs, n] response index chosen at the close of each day (-1: none)
    targets: np.ndarray  # [horizon, runs, n] its target (-1: none)
    trust_aze_rus_min: np.ndarray
    trust_tur_rus_min: np.ndarray

    @property
    def size(self) -> int:
        """Number of runs."""
        return self.seeds.size

    def response_counts(self) -> np.ndarray:
        """[runs, len(RESPONSES)]: response events of each run by response index."""
        runs = np.broadcast_to(np.arange(self.size)[None, :, None], self.actions.shape)
        chosen = self.actions >= 0
        flat = runs[chosen] * len(RESPONSES) + self.actions[chosen]
        return np.bincount(flat, minlength=self.size * len(RESPONSES)).reshape(self.size, len(RESPONSES))

    @cached_property
    def _outcomes(self) -> dict[str, np.ndarray]:
        return outcome_arrays(self.state, self.trust_aze_rus_min, self.trust_tur_rus_min, self.response_counts())

    def outcomes(self) -> dict[str, np.ndarray]:
        """Every outcome, one value (or row) per run (see `sim.outcomes.outcome_arrays`)."""
        return dict(self._outcomes)

    def run_outcomes(self, run: int) -> RunOutcomes:
        """One run's outcomes, as `CaucasusModel.outcomes()` gives them."""
        return run_outcomes(self._outcomes, (run,), self.config.name, int(self.seeds[run]), self.config.start_date)

    def event_log(self, run: int) -> list[EventRecord]:
        """One run's event log, written by the same `EventLog` as the Mesa model's."""
        log = EventLog(self.config.date_of)
        shocks = self.config.shocks_by_day()
        for day in range(self.config.horizon_days):
            if day > 0:
                for actor in np.flatnonzero(self.actions[day - 1, run] != NO_ACTION):
                    target = ACTORS[int(self.targets[day - 1, run, actor])]
                    log.queue_response(day, ACTORS[actor], int(self.actions[day - 1, run, actor]), target)
            for shock in shocks.get(day, []):
                log.queue_shock(day, shock)
            log.enter_pending()
        return log.records


def run_ensemble(
    scenario: Scenario,
    seeds: Sequence[int],
    batch: Mapping[str, np.ndarray] | None = None,
    draws: RunDraws | None = None,
) -> EnsembleResult:
    """Run the scenario once per seed, all at once.

    Args:
        scenario: the validated scenario (its shocks and horizon are shared by all runs).
        seeds: each run's integer seed.
        batch: optional per-run values of parameters or dispositions, keyed by dotted name
            (`parameters.trust_rate`, `actors.RUS.restraint`), each of length len(seeds).
        draws: the runs' draws, if already made (`RunDraws.from_seeds(seeds, horizon)`).
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    horizon = scenario.horizon_days
    inputs = rule_inputs(scenario, batch)
    draws = draws or RunDraws.from_seeds(seeds, horizon)
    shocks = {day: shock_day_events(day_shocks) for day, day_shocks in scenario.shocks_by_day().items()}
    state = initial_state(inputs, initially_on_table(), (seeds.size,))
    actions = np.full((horizon, seeds.size, N_ACTORS), NO_ACTION, dtype=np.int8)
    targets = np.full_like(actions, NO_ACTION)
    trust_aze_rus_min = np.full(seeds.size, np.inf)
    trust_tur_rus_min = np.full(seeds.size, np.inf)
    for day in range(horizon):
        normal, uniform = draws.day(day)
        events = response_events(actions[day - 1], targets[day - 1]) if day else DayEvents.empty(N_ACTORS)
        if day in shocks:
            events = combine(shocks[day], events)
        state = advance(state, events, inputs, normal, day)
        np.minimum(trust_aze_rus_min, state.trust[:, AZE, RUS], out=trust_aze_rus_min)
        np.minimum(trust_tur_rus_min, state.trust[:, TUR, RUS], out=trust_tur_rus_min)
        if day + 1 < horizon:
            actions[day], targets[day] = all_actors_choose(state, inputs, uniform)
    return EnsembleResult(scenario, seeds, inputs, state, actions, targets, trust_aze_rus_min, trust_tur_rus_min)
