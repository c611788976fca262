"""Shape declarations of the rules' arrays: how many axes one run has, the rest are batch axes.

Inputs, events and state carry leading batch axes only where runs differ. A dataclass field
declares its shape in one run with `scalar`, `per_actor` or `per_pair` (0, 1 or 2 core axes),
and a value worked out from the others with `derived(core_ndim)`; `core_ndims(cls)` reads the
declarations back, so code that slices runs out of a batch never keeps its own list of names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field, fields
from functools import cache, cached_property
from typing import Any

import numpy as np

CORE_NDIM = "core_ndim"


def scalar() -> Any:
    """A field with one number per run: [...]."""
    return field(metadata={CORE_NDIM: 0})


def per_actor() -> Any:
    """A field with one vector per run: [..., n] (per actor, or per arrangement)."""
    return field(metadata={CORE_NDIM: 1})


def per_pair() -> Any:
    """A field with one matrix per run: [..., n, n] (per pair of actors, or actor and arrangement)."""
    return field(metadata={CORE_NDIM: 2})


def derived(core_ndim: int) -> Callable[[Callable[[Any], Any]], cached_property]:
    """A cached property worked out from the fields, with `core_ndim` axes in one run."""

    def declare(compute: Callable[[Any], Any]) -> cached_property:
        value = cached_property(compute)
        value.core_ndim = core_ndim
        return value

    return declare


@cache
def core_ndims(cls: type) -> dict[str, int]:
    """The number of core axes of each declared array of a dataclass, fields then derived values (do not mutate)."""
    declared = {f.name: f.metadata[CORE_NDIM] for f in fields(cls) if CORE_NDIM in f.metadata}
    for name, value in vars(cls).items():
        if isinstance(value, cached_property) and hasattr(value, CORE_NDIM):
            declared[name] = value.core_ndim
    return declared


def read_only(values: np.ndarray) -> np.ndarray:
    """A view of `values` that cannot be written through."""
    view = np.asarray(values).view()
    view.flags.writeable = False
    return view
