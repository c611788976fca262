"""Design points of a sweep, sampled by its design kind (SALib's samplers, or every combination).

`sample_design(config)` returns one row per design point, in the sampler's order (the order
SALib's analysers expect): `point_id` and one column per varied parameter. Integer parameters
are rounded to the nearest integer. A design SALib cannot build with the given settings (or
warns it would be unsound, such as Sobol with N not a power of 2) is a `ConfigError`. What each
kind samples and how many points it has is the registry's (`experiments.sensitivity.DESIGNS`).

A sweep holds its design as a `Design`: its size is known without sampling it
(`design_size`), and its rows are read a block at a time (`Design.rows`, `Design.blocks`). A
full factorial makes each block by index arithmetic and never holds the whole grid; the
designs SALib samples (Latin hypercube, Sobol, Morris) are sampled whole, once, and held in
memory: the sweep's size ceiling (`experiments.sweep_size`) is what keeps them within memory.
Either way the blocks, put together, equal `sample_design(config)` row for row.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from experiments.sensitivity import DESIGNS
from experiments.sweep_config import SweepConfig
from sim.errors import ConfigError, MachineError

# Rows of a design made, and written to design.parquet (one row group each), at a time: a few MB.
DESIGN_BLOCK_ROWS = 65_536


def salib_problem(config: SweepConfig) -> dict[str, Any]:
    """The SALib problem: parameter names and bounds."""
    return {
        "num_vars": len(config.parameters),
        "names": config.parameter_names,
        "bounds": [list(p.bounds) for p in config.parameters],
    }


def sample_design(config: SweepConfig) -> pd.DataFrame:
    """The design points: `point_id` and one column per parameter, in sampling order."""
    return _frame(config, _sample_matrix(config), 0)


class Design:
    """A sweep's design points, read a block of rows at a time.

    A design kind that is `chunked` (the full factorial) makes each block when asked and holds
    none; the others are sampled whole by SALib when the `Design` is made (a `ConfigError` if
    SALib cannot build it) and held.

    Attributes:
        config: the sweep.
        n_points: how many points the design has.
    """

    def __init__(self, config: SweepConfig) -> None:
        """Size the design; sample it whole now unless its kind makes it a block at a time."""
        self.config = config
        self.n_points = design_size(config)
        self._whole = None if DESIGNS[config.design.kind].chunked else sample_design(config)

    def __len__(self) -> int:
        """The number of design points."""
        return self.n_points

    def rows(self, start: int, stop: int) -> pd.DataFrame:
        """Points `start` to `stop` (exclusive): `point_id` and one column per parameter."""
        stop = min(stop, self.n_points)
        if self._whole is not None:
            return self._whole.iloc[start:stop].reset_index(drop=True)
        design = self.config.design
        try:
            matrix = DESIGNS[design.kind].sample_rows(asdict(design), self.config.parameters, start, stop)
        except MemoryError:
            raise MachineError("design.parquet", "make the design's points", "out of memory") from None
        return _frame(self.config, matrix, start)

    def blocks(self, size: int | None = None) -> Iterator[pd.DataFrame]:
        """The whole design, `size` rows at a time (default `DESIGN_BLOCK_ROWS`), in order."""
        size = size or DESIGN_BLOCK_ROWS
        for start in range(0, self.n_points, size):
            yield self.rows(start, start + size)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        """The blocks of `DESIGN_BLOCK_ROWS` rows (what `SweepStore.initialise` writes)."""
        return self.blocks()

    def frame(self) -> pd.DataFrame:
        """The whole design as one frame (equal to `sample_design`): for designs that fit in memory."""
        if self._whole is not None:
            return self._whole
        return pd.concat(list(self.blocks()), ignore_index=True)


def _frame(config: SweepConfig, matrix: np.ndarray, start: int) -> pd.DataFrame:
    """Design rows from sampled values: integer parameters rounded, points numbered from `start`."""
    frame = pd.DataFrame({"point_id": np.arange(start, start + len(matrix), dtype=np.int64)})
    for column, parameter in enumerate(config.parameters):
        values = matrix[:, column]
        frame[parameter.name] = np.rint(values).astype(np.int64) if parameter.integer else values
    return frame


def design_size(config: SweepConfig) -> int:
    """The number of design points the design will have (without sampling it)."""
    return DESIGNS[config.design.kind].n_points(asdict(config.design), config.parameters)


def _sample_matrix(config: SweepConfig) -> np.ndarray:
    design = config.design
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return DESIGNS[design.kind].sample(salib_problem(config), asdict(design), config.parameters)
        except (ValueError, RuntimeError, UserWarning, ZeroDivisionError) as error:
            raise ConfigError(
                config.source, "design", f"SALib cannot build this {design.kind} design: {error}"
            ) from None
        except MemoryError:  # allowed past the size ceiling (--yes) on a machine without the memory
            raise MachineError(config.source, f"sample the {design.kind} design", "out of memory") from None
