"""The simulator ELFI calls: a batch of parameter vectors in, their runs' summary statistics out.

One call runs the whole batch at once on the ensemble's batch axis (`sim.core.Simulation`), up to
the cut-off only (the days after it cannot change a summary), and reads each run's summaries
from its observable events (`experiments.calibration.observed.journal_events`). Runs' seeds come
from the `random_state` ELFI gives each batch, itself seeded from the calibration's master seed
and the batch's index, so a calibration gives the same numbers however its batches are spread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from experiments.calibration.observed import journal_events
from experiments.calibration.summaries import Summary, summary_matrix
from sim.config import MAX_SEED, Scenario
from sim.core import Simulation


@dataclass(frozen=True)
class BatchSimulator:
    """Runs `scenario` to day `last_day` for each parameter vector and returns its summaries."""

    scenario: Scenario
    names: tuple[str, ...]
    summaries: tuple[Summary, ...]
    last_day: int

    def __call__(self, *values: np.ndarray, batch_size: int = 1, random_state=None) -> np.ndarray:
        """[batch_size, summaries] for the parameter columns `values` (in the order of `names`)."""
        random_state = random_state or np.random.RandomState()
        seeds = random_state.randint(1, MAX_SEED, size=batch_size)
        return self.summaries_of(np.column_stack([np.ravel(v) for v in values]), seeds)

    def summaries_of(self, parameters: np.ndarray, seeds: Sequence[int]) -> np.ndarray:
        """[runs, summaries] for a [runs, names] array of parameter vectors, each run with its seed."""
        batch = {name: parameters[:, i].astype(float) for i, name in enumerate(self.names)}
        simulation = Simulation(self.scenario, [int(s) for s in seeds], batch)
        while simulation.day <= self.last_day:
            simulation.run_day()
        return summary_matrix(self.summaries, journal_events(simulation.journal, 0, self.last_day))


@dataclass(frozen=True)
class WeightedDistance:
    """The distance between summaries: Euclidean on summaries divided by their scale, weighted.

    d(x, y) = sqrt(sum_k w_k ((x_k - y_k) / s_k)^2), with s_k each summary's spread under the
    prior predictive (see `distance_for`); a summary with no spread there (w_k = 0) cannot tell
    parameter values apart and is left out.
    """

    scales: np.ndarray
    weights: np.ndarray

    def __call__(self, simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """One distance per row of `simulated` ([n, summaries]) to `observed` ([1, summaries])."""
        scaled = (np.atleast_2d(simulated) - np.atleast_2d(observed)) / self.scales
        return np.sqrt(np.sum(self.weights * scaled**2, axis=1))


#: The smallest scale of a summary: one event, one day or one rung (judgement: a difference of
#: one event is never worth more than one unit of distance, however rare the event).
MIN_SCALE = 1.0


def distance_for(pilot: np.ndarray, weights: Sequence[float]) -> WeightedDistance:
    """The distance scaled by the pilot runs' robust spread of each summary (no spread at all: weight 0).

    The scale is the median absolute deviation (times 1.4826, the standard deviation of a normal
    distribution), not the standard deviation, because the prior predictive has heavy tails (runs
    that spiral to daily hostile acts) that would otherwise set the scale; it is at least
    `MIN_SCALE`.
    """
    median = np.median(pilot, axis=0)
    spread = 1.4826 * np.median(np.abs(pilot - median), axis=0)
    usable = pilot.std(axis=0) > 0
    weights = np.where(usable, np.asarray(weights, float), 0.0)
    return WeightedDistance(np.maximum(spread, MIN_SCALE), weights)
