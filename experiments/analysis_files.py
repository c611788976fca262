"""The files of a sweep analysis: its directory, the tables, the figures and the report.

Where to write is the user's choice: an `--out` that is a file, lies inside one, is a symbolic
link or holds anything but a previous analysis is a `ConfigError`, raised before anything is
written. The analysis is written whole: into a hidden staging directory beside `--out`, renamed
into place only once every file is written, replacing a previous analysis there as a whole
(`sim.outputs.staged_directory`). Creating a directory or writing a file can fail for the
machine's reasons (disk full, permission denied, I/O error): that is a `MachineError` naming the
path (the file's final path, never the staging directory), and it leaves the previous analysis
(or nothing, and no parent directory it made).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from experiments.store import Sweep
from sim.errors import ConfigError, MachineError
from sim.outputs import staged_directory

WRITE = "write the analysis"  # what failed, in a MachineError
REPORT = "report.md"
TABLE_FILES = frozenset({"points.parquet", "points.csv", "outcomes.csv", "shares.csv", "sensitivity.csv"})


@contextmanager
def staged_out(out_dir: Path) -> Iterator[Path]:
    """The directory to write the analysis into: renamed to `out_dir` when the block ends.

    `out_dir` is checked and its missing parents created first (`prepare_out`); on any failure
    the staging directory and the parents made for it are removed, and a previous analysis in
    `out_dir` stays as it was.
    """
    parent = out_dir.absolute().parent
    made = [p for p in (parent, *parent.parents) if not p.exists()]  # innermost first
    try:
        prepare_out(out_dir)
        with staged_directory(out_dir, WRITE, name_files=True) as staging:
            yield staging
    except BaseException:
        for directory in made:
            with suppress(OSError):
                directory.rmdir()  # only if empty: another process may have written there since
        raise


def prepare_out(out_dir: Path) -> Path:
    """Check `out_dir` (`check_out`), create its missing parents and return it."""
    check_out(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise MachineError.from_os_error(out_dir, WRITE, error) from None
    return out_dir


def check_out(out_dir: Path) -> None:
    """Refuse an `out_dir` that cannot take the analysis (a ConfigError), before anything is written.

    `out_dir` may be missing, empty or hold a previous analysis (its report and only files an
    analysis writes), which the new one replaces; a file, a symbolic link or a directory holding
    anything else is refused, and so are "." and "..": the analysis is renamed into place.
    """
    if out_dir.name in ("", ".."):  # "." or "..": no name to rename a staging directory to
        raise ConfigError(str(out_dir), None, "names no directory of its own; choose another --out")
    if out_dir.is_symlink():
        raise ConfigError(str(out_dir), None, "is a symbolic link; choose another --out")
    in_the_way = _file_in_the_way(out_dir)
    if in_the_way == out_dir:
        raise ConfigError(str(out_dir), None, "exists and is not a directory; choose another --out")
    if in_the_way is not None:
        raise ConfigError(str(out_dir), None, f"cannot be created ({in_the_way} is a file); choose another --out")
    try:
        held = list(out_dir.iterdir()) if out_dir.is_dir() else []
    except OSError as error:
        raise MachineError.from_os_error(out_dir, "read the output directory", error) from None
    if held and not _is_an_analysis(held):
        raise ConfigError(str(out_dir), None, "holds files that are not an analysis; choose another --out")


def _is_an_analysis(entries: list[Path]) -> bool:
    """Whether a directory's entries are a previous analysis: its report and only plain files an analysis writes."""
    names = {entry.name for entry in entries}
    return REPORT in names and all(
        entry.is_file() and not entry.is_symlink() and (entry.name in TABLE_FILES | {REPORT} or entry.suffix == ".png")
        for entry in entries
    )


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
    from experiments.labels import sweep_start_date

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
            start=sweep_start_date(sweep.manifest),
        )
    except OSError as error:
        raise MachineError.from_os_error(error.filename or out_dir, WRITE, error) from None


def write_report(path: Path, markdown: str) -> Path:
    """`report.md`."""
    return write_file(path, lambda target: target.write_text(markdown, "utf-8"))
