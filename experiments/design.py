"""Design points of a sweep, sampled by its design kind (SALib's samplers, or every combination).

`sample_design(config)` returns one row per design point, in the sampler's order (the order
SALib's analysers expect): `point_id` and one column per varied parameter. Integer parameters
are rounded to the nearest integer. A design SALib cannot build with the given settings (or
warns it would be unsound, such as Sobol with N not a power of 2) is a `ConfigError`. What each
kind samples and how many points it has is the registry's (`experiments.sensitivity.DESIGNS`).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from experiments.sensitivity import DESIGNS
from experiments.sweep_config import SweepConfig
from sim.errors import ConfigError


def salib_problem(config: SweepConfig) -> dict[str, Any]:
    """The SALib problem: parameter names and bounds."""
    return {
        "num_vars": len(config.parameters),
        "names": config.parameter_names,
        "bounds": [list(p.bounds) for p in config.parameters],
    }


def sample_design(config: SweepConfig) -> pd.DataFrame:
    """The design points: `point_id` and one column per parameter, in sampling order."""
    matrix = _sample_matrix(config)
    frame = pd.DataFrame({"point_id": np.arange(len(matrix), dtype=np.int64)})
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
