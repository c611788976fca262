"""The registry of sweep designs and sensitivity methods: the one place that knows them by name.

- `DESIGNS`: design kind (`[design] kind` of a sweep config) -> `DesignKind`: its sampler, its
  number of points, the `[design]` options and parameters it accepts, its description, and
  `method`, the `SensitivityMethod` that analyses it;
- `METHODS`: method name (`sobol`, `morris`, `spearman`) -> `SensitivityMethod`: its analyser,
  the columns of its index table (`INDEX_COLUMNS`), its ranking score, how the report prints it
  and how the figures draw it;
- `sensitivity_indices`: the indices of every outcome of a sweep by its design's method.

Everything else asks the registry (`DESIGNS[kind].n_points(...)`, `sweep.sensitivity_method.analyse(...)`)
and never tests a design's or a method's name.
"""

from experiments.sensitivity.designs import DESIGNS, DesignKind
from experiments.sensitivity.indices import CONSTANT, sensitivity_indices
from experiments.sensitivity.methods import METHODS, ReportColumn, SensitivityMethod

INDEX_COLUMNS: dict[str, tuple[str, ...]] = {name: method.index_columns for name, method in METHODS.items()}

__all__ = [
    "CONSTANT",
    "DESIGNS",
    "INDEX_COLUMNS",
    "METHODS",
    "DesignKind",
    "ReportColumn",
    "SensitivityMethod",
    "sensitivity_indices",
]
