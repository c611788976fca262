"""The random draws of a batch of runs, made from each run's seed.

Each run draws its randomness from `numpy.random.default_rng(seed)` in a fixed order: a block
of normal draws [horizon, n, n] (trust noise, day by day) and then a block of uniform draws
[horizon, n, 2] (each actor's answer and conciliation draws at the close of each day). Runs
that share a seed share their draws, which are made once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.actors import N_ACTORS


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
