"""The files of a sweep analysis: its directory, the tables, the figures and the report.

Where to write is the user's choice: an `--out` that is a file, or lies inside one, is a
`ConfigError`. Creating the directory or writing a file can fail for the machine's reasons
(disk full, permission denied, I/O error): that is a `MachineError` naming the path. Files are
written in place, replacing the analysis's own earlier files; `analyze` writes nothing before
the sweep has been read and checked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from experiments.store import Sweep
from sim.errors import ConfigError, MachineError

WRITE = "write the analysis"  # what failed, in a MachineError


def prepare_out(out_dir: Path) -> Path:
    """Create the analysis directory (and its parents) if missing and return it."""
    in_the_way = _file_in_the_way(out_dir)
    if in_the_way == out_dir:
        raise ConfigError(str(out_dir), None, "exists and is not a directory; choose another --out")
    if in_the_way is not None:
        raise ConfigError(str(out_dir), None, f"cannot be created ({in_the_way} is a file); choose another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MachineError.from_os_error(out_dir, WRITE, error) from None
    return out_dir


def _file_in_the_way(path: Path) -> Path | None:
    """The path itself or its nearest existing parent, when that is not a directory."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def write_file(path: Path, write: Callable[[Path], Any]) -> Path:
    """Write one file with `write(path)` and return its path."""
    try:
        write(path)
    except OSError as error:
        raise MachineError.from_os_error(path, WRITE, error) from None
    return path


def write_tables(
    out_dir: Path, points: pd.DataFrame, outcomes: pd.DataFrame, shares: pd.DataFrame, sensitivity: pd.DataFrame
) -> list[Path]:
    """`points.parquet`, `points.csv`, `outcomes.csv`, `shares.csv` and `sensitivity.csv`."""
    return [
        write_file(out_dir / "points.parquet", lambda path: points.to_parquet(path, index=False)),
        write_file(out_dir / "points.csv", lambda path: write_csv(points, path)),
        write_file(out_dir / "outcomes.csv", lambda path: outcomes.to_csv(path, index=False)),
        write_file(out_dir / "shares.csv", lambda path: shares.to_csv(path, index=False)),
        write_file(out_dir / "sensitivity.csv", lambda path: sensitivity.to_csv(path, index=False)),
    ]


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """CSV through Arrow: several times faster than pandas for wide float tables; missing values are empty."""
    options = pa_csv.WriteOptions(quoting_style="needed")
    pa_csv.write_csv(pa.Table.from_pandas(table, preserve_index=False), str(path), write_options=options)


def write_figures(
    out_dir: Path,
    sweep: Sweep,
    runs: pd.DataFrame,
    point_means: pd.DataFrame,
    sensitivity: pd.DataFrame,
    shares: pd.DataFrame,
) -> list[Path]:
    """Draw the figures of `experiments.figures` into `out_dir` and return their paths.

    Args:
        out_dir: the analysis directory.
        sweep: the sweep (its design points, parameters and sensitivity method).
        runs: the numeric outcome values, one row per run.
        point_means: per-point mean of each outcome, in point_id order.
        sensitivity: the sensitivity table, with its noise shares.
        shares: the share table.
    """
    from experiments import figures  # matplotlib: loaded only when figures are drawn

    try:
        return figures.write_figures(
            runs=runs,
            point_means=point_means,
            design=sweep.design,
            parameters=sweep.parameters,
            sensitivity=sensitivity,
            method=sweep.method,
            shares=shares,
            out=out_dir,
        )
    except OSError as error:
        raise MachineError.from_os_error(error.filename or out_dir, WRITE, error) from None


def write_report(path: Path, markdown: str) -> Path:
    """`report.md`."""
    return write_file(path, lambda target: target.write_text(markdown, "utf-8"))
