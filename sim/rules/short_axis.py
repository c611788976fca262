"""Maximum over a short trailing axis (the 6 powers, the arrangements).

numpy reduces along a short last axis one row at a time, which over a batch costs about ten
times as much as an elementwise pass (`x.max(axis=-1)` on [2048, 8, 8]: 1.3 ms; the same as
seven `np.maximum` of its columns: 0.12 ms). `max_last` combines the trailing axis' slices
elementwise instead; the results are exactly those of `max(axis=-1)` (for arrays without NaN).
"""

from __future__ import annotations

from functools import reduce

import numpy as np


def max_last(values: np.ndarray, keepdims: bool = False) -> np.ndarray:
    """`values.max(axis=-1)`, as elementwise maxima of the last axis' slices."""
    top = reduce(np.maximum, (values[..., k] for k in range(values.shape[-1])))
    return top[..., None] if keepdims else top
