"""The sweep explorer's sensitivity indices: computed once per opened sweep, then per outcome.

Over the whole design (the parameter filters do not apply: the indices need every design
point), `experiments.analysis.sensitivity_indices` gives Sobol S1/ST, Morris mu*/sigma or
Spearman's rho of each numeric outcome for the sweep's design; this module keeps them with the
outcomes skipped and the replicate noise, and says per outcome what the page shows: the rows,
why there are none, and a Markdown table. Pure functions, no Solara and no chart options.

Everything the page knows about particular sensitivity methods is in the three tables below
(`SENSITIVITY_BARS`, `MARKDOWN_EXTRAS`, `METHOD_TITLES`), keyed by method name; the rest of
viz/ looks methods up there and never tests a method's name.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.analysis import INDEX_COLUMNS, replicate_noise_share, sensitivity_indices
from viz.sweep_data import OpenedSweep, format_value

# Per sensitivity method (the only place viz/ names them)

SENSITIVITY_BARS = {  # per method: the indices drawn as bars, each with its confidence half-width
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "morris": (("mu_star", "mu_star_conf"), ("sigma", None)),
    "spearman": (("rho", None),),
}
MARKDOWN_EXTRAS = {  # per method: more columns of its Markdown table (header, column, format)
    "spearman": (("p value", "p_value", ".2g"),),
}
METHOD_TITLES = {
    "sobol": "Sobol indices: first order S1 and total ST (95% bootstrap half-width)",
    "morris": "Morris screening: mu* (95% bootstrap half-width) and sigma",
    "spearman": "Spearman rank correlation of each parameter with the per-point means",
}
# What the sensitivity analysis raises for data SALib or scipy cannot use (it catches these per
# outcome itself; caught here too so that no outcome can take the page down).
ANALYSIS_FAILURES = (ValueError, RuntimeError, np.linalg.LinAlgError)


@dataclass(frozen=True)
class Sensitivity:
    """The sensitivity indices of an opened sweep, the outcomes skipped and why, and replicate noise."""

    method: str
    table: pd.DataFrame
    skipped: dict[str, str]
    noise_share: dict[str, float]
    error: str | None = None


def compute_sensitivity(opened: OpenedSweep) -> Sensitivity:
    """`experiments.analysis.sensitivity_indices` on the per-point means of every numeric outcome.

    Args:
        opened: the sweep (all of it: indices need every design point).

    Returns:
        The indices; `error` says why none could be computed at all.
    """
    method, point_ids = opened.sweep.method, opened.point_ids
    point_means = opened.values.frame.groupby(point_ids, sort=True).mean()
    try:
        table, skipped = sensitivity_indices(opened.sweep, point_means)
    except ANALYSIS_FAILURES as error:
        empty = pd.DataFrame(columns=["outcome", "parameter", "method", *INDEX_COLUMNS[method], "rank"])
        return Sensitivity(method, empty, {}, {}, f"the {method} analysis failed ({error})")
    noise = replicate_noise_share(opened.values, point_ids, opened.sweep.runs["seed"].to_numpy())
    return Sensitivity(method, table, skipped, {name: float(share) for name, share in noise.items()})


def sensitivity_rows(sensitivity: Sensitivity, outcome: str) -> pd.DataFrame:
    """The outcome's rows of the indices table, most influential parameter first."""
    rows = sensitivity.table[sensitivity.table["outcome"] == outcome]
    return rows.sort_values("rank", kind="stable").reset_index(drop=True)


def sensitivity_problem(sensitivity: Sensitivity, outcome: str) -> str | None:
    """Why the outcome has no indices (None when it has them)."""
    if sensitivity.error:
        return f"No sensitivity indices: {sensitivity.error}."
    if outcome in sensitivity.skipped:
        return f"No {sensitivity.method} indices for {outcome}: {sensitivity.skipped[outcome]}."
    if sensitivity_rows(sensitivity, outcome).empty:
        return f"No {sensitivity.method} indices for {outcome}."
    return None


def sensitivity_markdown(rows: pd.DataFrame, method: str) -> str:
    """One outcome's indices as a Markdown table, with the confidence half-widths as +-.

    Args:
        rows: `sensitivity_rows` of the outcome.
        method: the sweep's sensitivity method (which indices are columns).

    Returns:
        The table: rank, parameter, then one column per index (and the method's extra columns).
    """
    extras = MARKDOWN_EXTRAS.get(method, ())
    headers = [index for index, _ in SENSITIVITY_BARS[method]] + [header for header, _, _ in extras]
    lines = [f"| rank | parameter | {' | '.join(headers)} |", "|---:|---|" + "---:|" * len(headers)]
    for _, row in rows.iterrows():
        cells = [
            format_value(row[index], ".3g") + (f" +- {format_value(row[conf], '.2g')}" if conf else "")
            for index, conf in SENSITIVITY_BARS[method]
        ]
        cells += [format_value(row[column], spec) for _, column, spec in extras]
        lines.append(f"| {row['rank']} | {row['parameter']} | {' | '.join(cells)} |")
    return "\n".join(lines)
