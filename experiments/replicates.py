"""Replicates of one scenario: per-run seeds spawned from a master seed, run one by one.

`replicate_seeds(master, n)` gives the integer seeds of n replicates: the first 63 bits of
each child of `numpy.random.SeedSequence(master).spawn(n)` (`spawned_seeds` gives any children
by index, as sweeps need). A replicate's numbers depend only on
its seed, so any replicate can be rerun alone with `caucasus run CONFIG --seed SEED`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sim.config import Scenario
from sim.model import CaucasusModel


def spawned_seeds(master_seed: int, indices: Iterable[int]) -> np.ndarray:
    """Seed i: the first 63 bits of `SeedSequence(master_seed, spawn_key=(i,))`, the i-th child.

    Each distinct index is hashed once (a sweep with common seeds repeats a few indices many times).
    """
    distinct, position = np.unique(np.asarray(list(indices), dtype=np.int64), return_inverse=True)
    seeds = np.array(
        [
            int(np.random.SeedSequence(master_seed, spawn_key=(int(i),)).generate_state(1, np.uint64)[0] >> 1)
            for i in distinct
        ],
        dtype=np.int64,
    )
    return seeds[position.reshape(-1)]


def replicate_seeds(master_seed: int, count: int) -> list[int]:
    """Integer seeds of `count` replicates spawned from `master_seed` (its first `count` children)."""
    return spawned_seeds(master_seed, range(count)).tolist()


def run_replicates(scenario: str | Path | Scenario, seeds: list[int], **params: Any) -> Iterator[CaucasusModel]:
    """Run the scenario once per seed (with keyword overrides) and yield each finished model."""
    for seed in seeds:
        yield CaucasusModel(scenario, rng=seed, **params).run()
