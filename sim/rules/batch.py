"""Taking some runs out of a one-axis batch, for rules computed only where they can change something.

Rule inputs, events and state carry a leading batch axis only where they vary from run to run;
an input shared by all runs keeps its unbatched shape. `runs_of` takes the given runs of the
first kind and passes the second through, so a rule applied to the result sees exactly what it
would have seen on the whole batch, for those runs.
"""

from __future__ import annotations

import numpy as np


def runs_of(values: np.ndarray | float, runs: np.ndarray, unbatched_ndim: int) -> np.ndarray | float:
    """`values[runs]` if `values` has a batch axis (more than `unbatched_ndim` axes), else `values`."""
    return values[runs] if np.ndim(values) > unbatched_ndim else values
