"""Design points of a sweep, sampled by SALib (or, for a full factorial, every combination).

`sample_design(config)` returns one row per design point, in the sampler's order (the order
SALib's analysers expect): `point_id` and one column per varied parameter. Integer parameters
are rounded to the nearest integer. A design SALib cannot build with the given settings (or
warns it would be unsound, such as Sobol with N not a power of 2) is a `ConfigError`.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import latin, morris, sobol

from experiments.sweep_config import ParameterSpec, SweepConfig
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
    design = config.design
    if design.kind == "full_factorial":
        matrix = np.array(list(itertools.product(*(_levels(p) for p in config.parameters))), dtype=float)
    else:
        matrix = _salib_sample(config)
    frame = pd.DataFrame({"point_id": np.arange(len(matrix), dtype=np.int64)})
    for column, parameter in enumerate(config.parameters):
        values = matrix[:, column]
        frame[parameter.name] = np.rint(values).astype(np.int64) if parameter.integer else values
    return frame


def design_size(config: SweepConfig) -> int:
    """The number of design points the design will have (without sampling it)."""
    design, k = config.design, len(config.parameters)
    if design.kind == "full_factorial":
        return int(np.prod([len(_levels(p)) for p in config.parameters]))
    if design.kind == "sobol":
        return design.samples * (2 * k + 2 if design.second_order else k + 2)
    if design.kind == "morris":
        return design.samples * (k + 1)
    return design.samples


def _levels(parameter: ParameterSpec) -> list[float]:
    if parameter.values is not None:
        return list(parameter.values)
    levels = np.linspace(parameter.low, parameter.high, parameter.levels)
    return sorted(set(np.rint(levels).astype(int).tolist())) if parameter.integer else levels.tolist()


def _salib_sample(config: SweepConfig) -> np.ndarray:
    design, problem = config.design, salib_problem(config)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            if design.kind == "sobol":
                return sobol.sample(problem, design.samples, calc_second_order=design.second_order, seed=design.seed)
            if design.kind == "morris":
                return morris.sample(problem, design.samples, num_levels=design.levels, seed=design.seed)
            return latin.sample(problem, design.samples, seed=design.seed)
        except (ValueError, RuntimeError, UserWarning, ZeroDivisionError) as error:
            raise ConfigError(
                config.source, "design", f"SALib cannot build this {design.kind} design: {error}"
            ) from None
