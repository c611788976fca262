"""Scenario discovery on a finished sweep: where in parameter space does an outcome hold?

`discover(DIR, "rupture")` reads the sweep (`experiments.store.read_sweep_results`), marks the
runs where the condition holds (`experiments.outcome_condition`: the cases of interest), and
describes them with two rule-induction methods of the EMA Workbench, run on every run (each
replicate a row: the replicates of a design point share its parameters, so a box's density is
the share of runs in it where the condition holds):

- PRIM (`ema_workbench.analysis.prim.Prim`, Friedman & Fisher 1999; Bryant & Lempert 2010)
  peels the parameter box a `peel_alpha` share at a time, keeping at least `mass_min` of the
  runs. Its peeling trajectory is the trade-off between coverage (the share of all cases of
  interest inside the box) and density (the share of the runs inside the box that are cases of
  interest). The chosen box is the densest box on the trajectory with coverage at least
  `min_coverage` (or the box asked for); its limits come with the workbench's quasi-p values (a
  one-sided binomial test of each restriction: the chance of that density gain without it).
- CART (`ema_workbench.analysis.cart.CART`, scikit-learn's decision tree, leaves of at least
  `mass_min` of the runs): each leaf a box with its coverage and density.

The workbench's defaults are kept (peel_alpha = paste_alpha = mass_min = 0.05, the lenient1
objective: judgement of the workbench's authors); `min_coverage` = 0.5 is a judgement (a box
should explain at least half the cases). `experiments.discovery_files` writes the result.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.outcome_condition import Condition, parse_condition
from experiments.store import Sweep, read_sweep_results
from sim.errors import ConfigError

PEEL_ALPHA = 0.05  # the EMA Workbench's default (Bryant & Lempert 2010 use 0.05)
PASTE_ALPHA = 0.05  # the EMA Workbench's default
MASS_MIN = 0.05  # the EMA Workbench's default: a box (or CART leaf) holds at least 5% of the runs
MIN_COVERAGE = 0.5  # judgement: the chosen box explains at least half the cases of interest
RUN_COLUMNS = ("run_id", "point_id", "replicate", "seed")  # bookkeeping columns of a sweep's runs
TREE_RANDOM_STATE = 0  # fixes scikit-learn's tie-breaking between equally good splits


@dataclass(frozen=True)
class Discovery:
    """What scenario discovery found for one condition on one sweep.

    Attributes:
        sweep: the sweep.
        condition: the condition (its text and the columns it reads).
        cases: [runs] bool, where the condition holds.
        trajectory: PRIM's peeling trajectory: box id, coverage, density, mass, res_dim, n, k.
        chosen: the id of the chosen box on the trajectory.
        box: the chosen box: one row per restricted parameter, its box min/max, the sweep's
            min/max and the quasi-p values of the lower and upper limits.
        in_box: [runs] bool, the runs inside the chosen box.
        leaves: CART's leaves: coverage, density, mass, res_dim and the rule.
        tree: the fitted scikit-learn tree (for the figure).
        feature_names: the tree's feature names.
    """

    sweep: Sweep
    condition: Condition
    cases: np.ndarray
    trajectory: pd.DataFrame
    chosen: int
    box: pd.DataFrame
    in_box: np.ndarray
    leaves: pd.DataFrame
    tree: Any
    feature_names: list[str]
    prim_box: Any

    @property
    def chosen_stats(self) -> pd.Series:
        """The chosen box's row of the trajectory."""
        return self.trajectory.loc[self.chosen]


def outcome_columns(sweep: Sweep) -> list[str]:
    """The outcome columns a condition may name: the sweep's run columns less bookkeeping and parameters."""
    return [c for c in sweep.runs.columns if c not in RUN_COLUMNS and c not in sweep.inputs]


def discover(
    path: str | Path | Sweep,
    condition: str,
    *,
    min_coverage: float = MIN_COVERAGE,
    box: int | None = None,
) -> Discovery:
    """PRIM and CART on the sweep in `path` for the runs where `condition` holds.

    Args:
        path: a sweep results directory (or a `Sweep` already read).
        condition: the outcome condition (see `experiments.outcome_condition`).
        min_coverage: the chosen box is the densest with at least this coverage.
        box: choose this box of the peeling trajectory instead.

    Raises:
        ConfigError: a bad directory or condition, a condition that holds in no run or in every
            run (nothing to discover), or a `box` not on the trajectory.
    """
    sweep = path if isinstance(path, Sweep) else read_sweep_results(path)
    if not 0.0 < min_coverage <= 1.0:
        raise ConfigError("--min-coverage", None, f"{min_coverage} is out of range; allowed: (0, 1]")
    columns = outcome_columns(sweep)
    parsed = parse_condition(condition, columns, sweep.runs[columns].dtypes)
    cases = parsed.holds(sweep.runs)
    if cases.all() or not cases.any():
        held = "every" if cases.all() else "no"
        raise ConfigError("--outcome", None, f"{parsed.text!r} holds in {held} run of the sweep: nothing to discover")
    x = sweep.runs[sweep.parameters].reset_index(drop=True)
    prim_box = _prim_box(x, cases)
    trajectory = prim_box.peeling_trajectory.copy()
    chosen = _chosen_box(trajectory, min_coverage, box)
    prim_box.select(chosen)
    limits = _box_table(prim_box, chosen, x)
    in_box = _inside(x, limits)
    leaves, tree, features = _cart_leaves(x, cases)
    return Discovery(sweep, parsed, cases, trajectory, chosen, limits, in_box, leaves, tree, features, prim_box)


def _workbench() -> tuple[Any, Any]:
    """The workbench's `prim` and `cart` modules, imported when first used (seconds: scikit-learn, statsmodels)."""
    with warnings.catch_warnings():  # the workbench warns on import that ipyparallel is not installed
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, prim
    logging.getLogger("EMA").setLevel(logging.WARNING)  # the workbench logs every PRIM step at INFO
    return prim, cart


def _prim_box(x: pd.DataFrame, cases: np.ndarray) -> Any:
    ema_prim, _ = _workbench()
    prim = ema_prim.Prim(x, cases, peel_alpha=PEEL_ALPHA, paste_alpha=PASTE_ALPHA, mass_min=MASS_MIN)
    return prim.find_box()


def _chosen_box(trajectory: pd.DataFrame, min_coverage: float, box: int | None) -> int:
    if box is not None:
        if not 0 <= box < len(trajectory):
            raise ConfigError(
                "--box", None, f"{box} is not on the peeling trajectory; allowed: 0 to {len(trajectory) - 1}"
            )
        return box
    covering = trajectory[trajectory["coverage"] >= min_coverage]
    if covering.empty:  # the first box holds every run: coverage 1
        return 0
    best = covering.sort_values(["density", "res_dim", "coverage"], ascending=[False, True, False], kind="stable")
    return int(best.index[0])


def _box_table(prim_box: Any, chosen: int, x: pd.DataFrame) -> pd.DataFrame:
    """The chosen box's restricted parameters: limits, the sweep's range, quasi-p values (NaN: not restricted)."""
    limits = prim_box.box_lims[chosen]
    initial = prim_box.box_lims[0]
    p_values = prim_box.p_values[chosen]
    rows = []
    for name in x.columns:
        low, high = limits[name].iloc[0], limits[name].iloc[1]
        if low == initial[name].iloc[0] and high == initial[name].iloc[1]:
            continue
        qp_low, qp_high = (np.nan if value < 0 else value for value in p_values.get(name, [-1, -1]))
        rows.append(
            {
                "parameter": name,
                "box_min": float(low),
                "box_max": float(high),
                "sweep_min": float(initial[name].iloc[0]),
                "sweep_max": float(initial[name].iloc[1]),
                "qp_lower": qp_low,
                "qp_upper": qp_high,
            }
        )
    columns = ["parameter", "box_min", "box_max", "sweep_min", "sweep_max", "qp_lower", "qp_upper"]
    return pd.DataFrame(rows, columns=columns)


def _inside(x: pd.DataFrame, box: pd.DataFrame) -> np.ndarray:
    """[runs] bool: the runs whose parameters lie within every limit of the box (limits included)."""
    inside = np.ones(len(x), dtype=bool)
    for row in box.itertuples():
        values = x[row.parameter].to_numpy()
        inside &= (values >= row.box_min) & (values <= row.box_max)
    return inside


def _cart_leaves(x: pd.DataFrame, cases: np.ndarray) -> tuple[pd.DataFrame, Any, list[str]]:
    """CART's leaves as boxes, densest first, with their rules."""
    from sklearn.tree import DecisionTreeClassifier

    _, ema_cart = _workbench()
    cart = ema_cart.CART(x, cases, mass_min=MASS_MIN)
    # CART.build_tree without a random_state: the same tree, with ties between splits broken the same way
    cart.clf = DecisionTreeClassifier(min_samples_leaf=int(MASS_MIN * len(x)), random_state=TREE_RANDOM_STATE)
    cart.clf.fit(cart._x, cart.y)
    initial = ema_cart.sdutil._make_box(x)
    rows = []
    for leaf, (limits, stats) in enumerate(zip(cart.boxes, cart.stats, strict=True)):
        rules = [
            _rule(name, limits[name].iloc[0], limits[name].iloc[1], initial[name].iloc[0], initial[name].iloc[1])
            for name in x.columns
            if (limits[name].iloc[0], limits[name].iloc[1]) != (initial[name].iloc[0], initial[name].iloc[1])
        ]
        rows.append(
            {
                "leaf": leaf,
                "coverage": stats["coverage"],
                "density": stats["density"],
                "mass": stats["mass"],
                "res_dim": stats["res dim"],
                "rule": " and ".join(rules) or "(all runs)",
            }
        )
    leaves = pd.DataFrame(rows).sort_values(["density", "coverage"], ascending=False, kind="stable")
    return leaves.reset_index(drop=True), cart.clf, list(cart.feature_names)


def _rule(name: str, low: float, high: float, full_low: float, full_high: float) -> str:
    if low != full_low and high != full_high:
        return f"{low:.3g} <= {name} <= {high:.3g}"
    return f"{name} >= {low:.3g}" if low != full_low else f"{name} <= {high:.3g}"
