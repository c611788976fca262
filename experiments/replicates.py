"""Replicates of one scenario: per-run seeds spawned from a master seed, run one by one.

`replicate_seeds(master, n)` gives the integer seeds of n replicates: the first 63 bits of
each child of `numpy.random.SeedSequence(master).spawn(n)`. A replicate's numbers depend only on
its seed, so any replicate can be rerun alone with `caucasus run CONFIG --seed SEED`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario
from sim.model import CaucasusModel


def replicate_seeds(master_seed: int, count: int) -> list[int]:
    """Integer seeds of `count` replicates spawned from `master_seed`."""
    children = np.random.SeedSequence(master_seed).spawn(count)
    return [int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for child in children]


def run_replicates(scenario: str | Path | Scenario, seeds: list[int], **params: Any) -> Iterator[CaucasusModel]:
    """Run the scenario once per seed (with keyword overrides) and yield each finished model."""
    for seed in seeds:
        yield CaucasusModel(scenario, rng=seed, **params).run()


def outcomes_frame(models: Iterator[CaucasusModel]) -> pd.DataFrame:
    """One row per replicate: seed and every scalar outcome (response counts as `n_<cameo>`)."""
    rows = []
    for model in models:
        outcome = model.outcomes().to_dict()
        counts = outcome.pop("response_counts")
        outcome.pop("blocs")
        rows.append(outcome | {f"n_{code}": n for code, n in counts.items()})
    return pd.DataFrame(rows)
