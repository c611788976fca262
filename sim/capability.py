"""Capability: a CINC-like composite index of the eight actors' material power.

The Correlates of War CINC index (Singer, Bremer & Stuckey 1972) averages a state's shares of
the system totals of six indicators. With the three sourced figures of `configs/actors.toml`
(GDP, military expenditure, population) the index here is the mean of each actor's share of
the eight actors' totals: it sums to one over the actors. GDP stands in for CINC's iron-steel
and energy components, military spending for military expenditure and personnel.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def capability_index(gdp: Sequence[float], milex: Sequence[float], population: Sequence[float]) -> np.ndarray:
    """Mean share of the group's GDP, military spending and population, per actor."""
    components = np.array([gdp, milex, population], dtype=float)
    shares = components / components.sum(axis=1, keepdims=True)
    return shares.mean(axis=0)
