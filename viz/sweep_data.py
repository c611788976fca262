"""The sweep explorer's data: a `caucasus sweep` results directory opened, filtered and summarised.

Pure functions over pandas and numpy, no Solara and no chart options: they open a sweep with
`experiments.analysis` (nothing is recomputed differently from `caucasus analyze`), give the
slider grids and the runs inside the chosen parameter ranges, and build the frames and texts
the page shows: the outcome's histogram over fixed bins, a parameter against the outcome (per
design point or per run) and the shares of runs with a rupture and with each corridor
arrangement. The sensitivity indices are in `viz.sweep_sensitivity`, the ECharts options drawn
from these frames in `viz.sweep_charts`, the page in `viz.sweep_explorer`.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from experiments.analysis import (
    OutcomeValues,
    Sweep,
    outcome_values,
    point_summaries,
    read_sweep_results,
    share_summary,
)
from experiments.store import MANIFEST
from sim.errors import ConfigError

SLIDER_STEPS = 100  # a range slider moves in at least this many steps over its parameter's range
MAX_BINS = 40
MAX_INTEGER_BARS = 30  # whole-number outcomes spanning at most this many values get one bar per value
MAX_SCATTER_POINTS = 10_000  # more runs than this are thinned evenly for the scatter plot
# Besides ConfigError and OSError, a damaged directory can still fail deeper in the analysis:
# point ids of the wrong type fail a comparison (TypeError), odd values fail pandas or Arrow
# (ValueError, KeyError, ArrowException). The page says so instead of falling over.
UNREADABLE = (KeyError, TypeError, ValueError, pa.ArrowException)
NOT_OPENED = (
    "{directory}: no sweep results directory that the dashboard can read (give the directory that "
    "`caucasus sweep CONFIG --out DIR` wrote, as a path on the machine the dashboard runs on)"
)


# Opening a directory


@dataclass(frozen=True)
class OpenedSweep:
    """A sweep opened in the page: the sweep, its numeric outcomes per run, and which opening it was."""

    sweep: Sweep
    values: OutcomeValues
    number: int = 0

    @property
    def key(self) -> tuple[str, int]:
        """What identifies this opening: the directory and the count of openings (a reopen is new)."""
        return str(self.sweep.directory), self.number

    @property
    def n_runs(self) -> int:
        """Runs in the sweep."""
        return len(self.sweep.runs)

    @property
    def point_ids(self) -> np.ndarray:
        """Each run's design point."""
        return self.sweep.runs["point_id"].to_numpy()


def open_sweep(directory: str | Path, number: int = 0) -> OpenedSweep:
    """Read a sweep results directory and its numeric outcomes.

    Args:
        directory: the directory `caucasus sweep CONFIG --out DIR` wrote (`~` is expanded).
        number: how many directories the page opened before (keys what is computed once per opening).

    Returns:
        The opened sweep.

    Raises:
        ConfigError: the directory is missing, not a sweep, incomplete or damaged.
        OSError: the directory cannot be read.
    """
    sweep = read_sweep_results(Path(directory).expanduser())
    return OpenedSweep(sweep, outcome_values(sweep.runs, sweep.inputs), number)


def try_open(directory: str, number: int = 0) -> tuple[OpenedSweep | None, str | None]:
    """Open a directory as `open_sweep` does, turning every reason it cannot be opened into a message.

    Anyone who can reach the page's port can type a path, so the page never says which paths
    exist on the server: a missing path, a file, a directory without a sweep manifest (or with a
    damaged or foreign one) and one the machine cannot read all get the same message, and the
    exact reason goes to the server's stderr only. A directory that holds a sweep gets the
    reason it cannot be used (incomplete, damaged runs).

    Args:
        directory: the directory as typed by the user.
        number: passed on to `open_sweep`.

    Returns:
        The opened sweep and None, or None and the reason.
    """
    text = directory.strip()
    if not text:
        return None, "Enter the directory that `caucasus sweep CONFIG --out DIR` wrote, then press Open."
    root = Path(text).expanduser()
    try:
        return open_sweep(text, number), None
    except ConfigError as error:
        if error.source in (str(root), str(root / MANIFEST)):  # no sweep there (or none readable)
            return None, _not_opened(text, str(error))
        return None, str(error)
    except OSError as error:
        return None, _not_opened(text, f"{error.filename or text}: {error.strerror or error}")
    except UNREADABLE as error:
        return None, f"{text}: the sweep's files cannot be used ({type(error).__name__}: {error}); they are damaged"


def _not_opened(text: str, reason: str) -> str:
    """The page's message for a path that holds no readable sweep; the exact reason goes to stderr."""
    print(f"caucasus dashboard: cannot open {text!r} as a sweep: {reason}", file=sys.stderr)
    return NOT_OPENED.format(directory=text)


def numeric_outcomes(values: OutcomeValues) -> list[str]:
    """The numeric outcomes (corridor arrangements as 0/1 indicators) that some run has a value of."""
    return [name for name in values.frame.columns if values.frame[name].notna().any()]


def sweep_summary(opened: OpenedSweep) -> str:
    """The sweep in two lines: its name, design, size and sensitivity method; its scenario (Markdown)."""
    sweep, manifest = opened.sweep, opened.sweep.manifest
    replicates = manifest["n_runs"] // manifest["n_points"]
    return (
        f"**{sweep.name}**: {sweep.design_spec['kind'].replace('_', ' ')} design over "
        f"{len(sweep.parameters)} parameters, {manifest['n_points']:,} points x {replicates} "
        f"replicate{'s' if replicates != 1 else ''} = {opened.n_runs:,} runs; sensitivity by {sweep.method}  \n"
        f"{scenario_text(manifest)}"
    )


def scenario_text(manifest: Mapping[str, Any]) -> str:
    """The sweep's scenario as its manifest records it: name, what it is, days and start, master seed.

    'Scenario **no_raid** (the baseline without the Yekaterinburg raid…), 365 days from 2024-12-20,
    master seed 7'; a manifest without one of these says so rather than guess.
    """
    head = manifest.get("sweep", {})
    recorded = head.get("scenario", {})
    inputs = recorded.get("source_config", {}).get("scenario", {}).get("scenario", {})
    text = f"Scenario **{recorded.get('name', 'not recorded in the manifest')}**"
    if inputs.get("description"):
        text += f" ({inputs['description'].rstrip('.')})"
    if recorded.get("horizon_days"):
        text += f", {recorded['horizon_days']} days"
        text += f" from {inputs['start_date']}" if inputs.get("start_date") else ""
    if head.get("master_seed") is not None:
        text += f", master seed {head['master_seed']}"
    return text


def sweep_heading(opened: OpenedSweep | None) -> str:
    """The page header's line while the sweep explorer is shown: the sweep and its scenario, not the live run's."""
    if opened is None:
        return "Sweep explorer · no sweep opened"
    scenario = opened.sweep.manifest.get("sweep", {}).get("scenario", {}).get("name", "scenario not recorded")
    return f"Sweep explorer · {opened.sweep.name} · scenario {scenario} · {opened.n_runs:,} runs"


# Filtering by parameter ranges


@dataclass(frozen=True)
class ParameterGrid:
    """A range slider for one parameter: its ends (the data's range on the slider's grid) and step.

    A step of 0 marks a parameter the sweep did not vary (one value): it gets no slider.
    """

    name: str
    minimum: float
    maximum: float
    step: float

    @property
    def full_range(self) -> tuple[float, float]:
        """The slider's whole range: every run."""
        return self.minimum, self.maximum


def slider_grid(name: str, low: float, high: float) -> ParameterGrid:
    """A slider over [low, high] whose step is a power of ten and whose ends are on its grid.

    The ends are widened outwards to multiples of the step, so a slider at either end (where the
    browser rounds values to the step) never cuts off the runs at the data's extremes.

    Args:
        name: the parameter.
        low: its smallest value in the sweep.
        high: its largest value in the sweep.

    Returns:
        The slider's ends and step (step 0 when low equals high).
    """
    span = high - low
    if not span > 0:
        return ParameterGrid(name, low, high, 0.0)
    exponent = math.floor(math.log10(span / SLIDER_STEPS))
    step, decimals = 10.0**exponent, max(0, -exponent)
    minimum = min(low, round(math.floor(low / step) * step, decimals))
    maximum = max(high, round(math.ceil(high / step) * step, decimals))
    return ParameterGrid(name, minimum, maximum, step)


def parameter_grids(sweep: Sweep) -> list[ParameterGrid]:
    """One slider grid per varied parameter with numeric values, in the sweep's parameter order."""
    grids = []
    for name in sweep.parameters:
        column = pd.to_numeric(sweep.design[name], errors="coerce").to_numpy(dtype=float)
        finite = column[np.isfinite(column)]
        if finite.size:
            grids.append(slider_grid(name, float(finite.min()), float(finite.max())))
    return grids


def filter_mask(runs: pd.DataFrame, ranges: Mapping[str, tuple[float, float]]) -> np.ndarray:
    """Which runs have every given parameter inside its range (both ends included).

    Args:
        runs: the sweep's runs (one column per parameter).
        ranges: parameter name to (low, high); parameters not named are not filtered.

    Returns:
        A boolean array, one entry per run.
    """
    keep = np.ones(len(runs), dtype=bool)
    for name, (low, high) in ranges.items():
        column = pd.to_numeric(runs[name], errors="coerce").to_numpy(dtype=float)
        keep &= (column >= low) & (column <= high)
    return keep


def subset_values(values: OutcomeValues, mask: np.ndarray) -> OutcomeValues:
    """The outcome values of the runs the mask keeps."""
    return OutcomeValues(values.frame.loc[mask], values.shares, values.left_out)


def run_count_text(shown: int, total: int) -> str:
    """'N of M runs'."""
    return f"{shown:,} of {total:,} runs"


# Outcome distribution


def histogram_frame(shown: pd.Series, reference: pd.Series | None = None) -> pd.DataFrame:
    """Counts of an outcome's values in bins fixed by `reference` (default: the shown values).

    Whole-number outcomes over a short range (and 0/1 shares) get one bar per value; others get
    equal-width bins. Missing values (no rupture, hence no rupture day) are left out.

    Args:
        shown: the values to count.
        reference: the values that fix the bins (all runs, so bins stay put while filtering).

    Returns:
        One row per bin: label, start, end, runs.
    """
    edges, labels = _bins(_finite(shown if reference is None else reference))
    counts = np.histogram(_finite(shown), bins=edges)[0] if len(edges) else np.array([], dtype=int)
    return pd.DataFrame({"label": labels, "start": edges[:-1], "end": edges[1:], "runs": counts})


def _finite(values: pd.Series) -> np.ndarray:
    array = values.to_numpy(dtype=float, na_value=np.nan)
    return array[np.isfinite(array)]


def _bins(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    if values.size == 0:
        return np.array([]), []
    low, high = float(values.min()), float(values.max())
    if np.all(values == np.round(values)) and high - low <= MAX_INTEGER_BARS:
        centres = np.arange(low, high + 1)
        return np.append(centres - 0.5, high + 0.5), [f"{centre:g}" for centre in centres]
    count = int(np.clip(math.ceil(math.sqrt(values.size)), 5, MAX_BINS))
    edges = np.histogram_bin_edges(values, bins=count)
    return edges, [f"{start:.3g} to {end:.3g}" for start, end in zip(edges[:-1], edges[1:], strict=True)]


# Parameter against outcome


def scatter_frame(
    opened: OpenedSweep, mask: np.ndarray, parameter: str, outcome: str, per_point: bool = True
) -> pd.DataFrame:
    """A parameter against an outcome for the runs the mask keeps, rows without a value left out.

    Args:
        opened: the sweep.
        mask: which runs to use (`filter_mask`).
        parameter: the x values.
        outcome: the y values.
        per_point: one row per design point (the mean over its replicates, from
            `experiments.analysis.point_summaries`) rather than one per run.

    Returns:
        Columns x and y, then ci_low, ci_high, runs (per point) or run_id (per run).
    """
    values = OutcomeValues(opened.values.frame.loc[mask, [outcome]], opened.values.shares, ())
    runs = opened.sweep.runs.loc[mask]
    if not per_point:
        frame = pd.DataFrame({"x": runs[parameter], "y": values.frame[outcome], "run_id": runs["run_id"]})
        return frame.dropna(subset=["x", "y"]).reset_index(drop=True)
    point_ids = runs["point_id"].to_numpy()
    design = opened.sweep.design[opened.sweep.design["point_id"].isin(point_ids)]
    points = point_summaries(design, values, point_ids)
    columns = {parameter: "x", f"{outcome}_mean": "y", f"{outcome}_ci_low": "ci_low", f"{outcome}_ci_high": "ci_high"}
    frame = points[[*columns, f"{outcome}_n"]].rename(columns=columns | {f"{outcome}_n": "runs"})
    return frame.dropna(subset=["x", "y"]).reset_index(drop=True)


def thinned(frame: pd.DataFrame, limit: int = MAX_SCATTER_POINTS) -> pd.DataFrame:
    """At most `limit` rows, taken evenly (every k-th) when there are more."""
    if len(frame) <= limit:
        return frame
    return frame.iloc[:: math.ceil(len(frame) / limit)]


# Shares of corridor arrangements and rupture


def share_frame(values: OutcomeValues) -> pd.DataFrame:
    """`experiments.analysis.share_summary` of the given runs, with a readable label per row."""
    shares = share_summary(values)
    labels = [name.replace("corridor_", "corridor: ", 1).replace("_", " ") for name in shares["outcome"]]
    return shares.assign(label=labels)


def shares_markdown(shares: pd.DataFrame) -> str:
    """The shares as a Markdown table: share, 95% Wilson interval and runs."""
    rows = [
        f"| {row.label} | {format_value(row.share, '.1%')} "
        f"| {format_value(row.ci_low, '.1%')} to {format_value(row.ci_high, '.1%')} "
        f"| {row.runs:,} of {int(row.n):,} |"
        for row in shares.itertuples()
    ]
    return "\n".join(["| outcome | share | 95% CI | runs |", "|---|---:|---:|---:|", *rows])


# Values for the browser and for Markdown


def plain(value: Any) -> Any:
    """A value JSON can carry: numpy scalars as Python ones, NaN and infinities as null.

    Args:
        value: a cell of a frame.

    Returns:
        The value as a plain Python value, or None where it is not a finite number.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_value(value: Any, spec: str) -> str:
    """A cell formatted for a Markdown table, 'n/a' where it has no finite value.

    Args:
        value: a cell of a frame.
        spec: the format spec (".3g", ".1%", ...).

    Returns:
        The formatted text.
    """
    number = plain(value)
    return "n/a" if number is None else format(number, spec)
