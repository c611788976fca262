"""Reading a sweep directory back and checking its manifest, design and runs against each other."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.sensitivity import DESIGNS, DesignKind, SensitivityMethod
from experiments.store.layout import (
    CHUNK_NAME,
    DESIGN,
    KIND,
    LOCK,
    MANIFEST,
    REPAIR,
    RERUN,
    RUNS,
    expected_chunk_rows,
    inspect_chunk,
    is_int,
    read_parquet_table,
)
from sim.config.limits import parse_json, read_text
from sim.errors import ConfigError, MachineError
from sim.locking import holder_of


def read_manifest(root: Path) -> dict[str, Any]:
    """A sweep directory's manifest; a missing, damaged or foreign one is a ConfigError.

    One the machine cannot read (permission denied, I/O error) is a MachineError.
    """
    root = Path(root)
    if not root.is_dir():
        problem = "is not a directory" if root.exists() else "does not exist"
        raise ConfigError(str(root), None, f"{problem}; give the directory a `caucasus sweep` wrote")
    path = root / MANIFEST
    if not path.is_file():
        raise ConfigError(str(path), None, "is missing: this is not a sweep results directory")
    try:
        manifest = parse_json(read_text(path, "sweep manifest"), str(path))  # size and nesting limited
    except OSError as error:  # the machine (permission denied, I/O error), not a damaged file
        raise MachineError.from_os_error(path, "read the sweep's manifest", error) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(
            str(path), None, f"cannot be read as JSON ({error}); the sweep directory is damaged"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        kind = manifest.get("kind") if isinstance(manifest, dict) else None
        raise ConfigError(str(path), "kind", f"is {kind!r}, not {KIND!r}: {root} is not a sweep results directory")
    return manifest


def read_runs(root: Path, manifest: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every run on disk, sorted by run id (an empty frame when none); a damaged file is a ConfigError.

    With the sweep's `manifest`, every chunk is also checked against it (config hash, chunk number,
    rows, checksum: `inspect_chunk`); one that fails is a ConfigError naming it.
    """
    runs_dir = Path(root) / RUNS
    parts = sorted(p for p in runs_dir.iterdir() if CHUNK_NAME.fullmatch(p.name)) if runs_dir.is_dir() else []
    tables = []
    rows = expected_chunk_rows(manifest) if manifest is not None else {}
    if manifest is not None and not rows:
        source = str(Path(root) / MANIFEST)
        raise ConfigError(source, "chunk_runs", "is missing or not a positive whole number; the manifest is damaged")
    for part in parts:
        if manifest is not None:
            index = int(CHUNK_NAME.fullmatch(part.name).group(1))
            # rows are counted over all chunks below (`holds N of the sweep's M runs: rerun ...`)
            table, problem = inspect_chunk(Path(root), index, manifest, rows.get(index), check_rows=False)
            if problem is not None:
                raise ConfigError(str(part), None, f"{problem}; {REPAIR}")
            tables.append(table)
            continue
        try:
            tables.append(pq.read_table(part))
        except (OSError, pa.ArrowException) as error:
            if isinstance(error, OSError) and error.errno:  # the system's error (EACCES, EIO), not the content
                raise MachineError.from_os_error(part, "read the sweep's runs", error) from None
            raise ConfigError(str(part), None, f"cannot be read as Parquet ({error}); the file is damaged") from None
    if not tables:
        return pd.DataFrame()
    try:
        frame = pa.concat_tables(tables, promote_options="default").to_pandas()
    except pa.ArrowException as error:
        raise ConfigError(str(runs_dir), None, f"chunk files disagree on their columns ({error}); damaged") from None
    if "run_id" not in frame.columns:
        raise ConfigError(str(runs_dir), "run_id", "is not a column of the run files; the sweep directory is damaged")
    return frame.sort_values("run_id", kind="stable", ignore_index=True)


@dataclass(frozen=True)
class Sweep:
    """A complete sweep as read from its directory (design in point order, runs in run order)."""

    directory: Path
    manifest: dict[str, Any]
    design: pd.DataFrame
    runs: pd.DataFrame

    @property
    def parameters(self) -> list[str]:
        """The varied parameters' dotted names, in the SALib problem's order."""
        return list(self.manifest["problem"]["names"])

    @property
    def drawn(self) -> list[str]:
        """The parameters drawn from a posterior per replicate (`caucasus sweep --posterior`; none otherwise)."""
        posterior = self.manifest["sweep"].get("posterior") or {}
        return [name for name in posterior.get("drawn", []) if isinstance(name, str)]

    @property
    def inputs(self) -> list[str]:
        """Every parameter column of the runs: the varied ones, then those drawn from a posterior."""
        return [*self.parameters, *self.drawn]

    @property
    def design_spec(self) -> dict[str, Any]:
        """The manifest's `sweep.design` table."""
        return self.manifest["sweep"]["design"]

    @property
    def design_kind(self) -> DesignKind:
        """The registry's entry for the sweep's design kind."""
        return DESIGNS[self.design_spec["kind"]]

    @property
    def sensitivity_method(self) -> SensitivityMethod:
        """The sensitivity method the design supports (the registry's entry)."""
        return self.design_kind.method

    @property
    def method(self) -> str:
        """The name of the sensitivity method the design supports: sobol, morris or spearman."""
        return self.sensitivity_method.name

    @property
    def name(self) -> str:
        """The sweep's name (the directory's when the manifest has none)."""
        return str(self.manifest["sweep"].get("name") or self.directory.name)

    @property
    def bootstrap_seed(self) -> int:
        """Seed of SALib's bootstrap: the design's sampler seed (0 when the manifest has none)."""
        seed = self.design_spec.get("seed")
        return seed if is_int(seed) and seed >= 0 else 0


def read_sweep_results(path: str | Path) -> Sweep:
    """Read and check a finished sweep's directory.

    A missing, incomplete or damaged directory is a `ConfigError` naming the file (and key); a
    file the machine cannot read is a `MachineError`.
    """
    directory = Path(path)
    manifest = read_checked_manifest(directory)
    design = read_design(directory, manifest)
    runs = _read_all_runs(directory, manifest)
    return Sweep(directory, manifest, design, runs)


def read_checked_manifest(directory: Path) -> dict[str, Any]:
    """The `manifest.json` of a sweep directory, checked for what reading its results needs."""
    manifest = read_manifest(directory)
    _check_manifest(manifest, str(directory / MANIFEST))
    return manifest


def _check_manifest(manifest: dict[str, Any], source: str) -> None:
    for key in ("n_points", "n_runs"):
        value = _manifest_field(manifest, key, source)
        if not is_int(value) or value < 1:
            raise ConfigError(source, key, f"is {value!r}, not a positive whole number; the manifest is damaged")
    names = _manifest_field(manifest, "problem.names", source)
    bounds = _manifest_field(manifest, "problem.bounds", source)
    if not isinstance(names, list) or not names or not all(isinstance(name, str) for name in names):
        raise ConfigError(
            source, "problem.names", "is not a non-empty list of parameter names; the manifest is damaged"
        )
    pairs = isinstance(bounds, list) and all(isinstance(pair, list) and len(pair) == 2 for pair in bounds)
    if not pairs or len(bounds) != len(names):
        raise ConfigError(
            source, "problem.bounds", "does not give one [min, max] per parameter; the manifest is damaged"
        )
    kind = _manifest_field(manifest, "sweep.design.kind", source)
    if kind not in DESIGNS:
        raise ConfigError(source, "sweep.design.kind", f"is {kind!r}; expected one of {', '.join(DESIGNS)}")
    _check_design_size(manifest, source)


def _check_design_size(manifest: dict[str, Any], source: str) -> None:
    design, k, n_points = manifest["sweep"]["design"], len(manifest["problem"]["names"]), manifest["n_points"]
    points_per_sample = DESIGNS[design["kind"]].points_per_sample(k, design)
    if points_per_sample is not None and n_points % points_per_sample:
        raise ConfigError(
            source,
            "n_points",
            f"{n_points} points do not fit a {design['kind']} design over {k} parameters "
            f"(a multiple of {points_per_sample}); the manifest is damaged",
        )


def _manifest_field(manifest: dict[str, Any], key: str, source: str) -> Any:
    value: Any = manifest
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise ConfigError(source, key, "is missing; the manifest is damaged or from another version")
        value = value[part]
    return value


def read_design(directory: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    """The design points of a sweep directory, checked against its manifest."""
    path = directory / DESIGN
    if not path.is_file():
        raise ConfigError(str(path), None, f"is missing; the sweep directory is incomplete: {RERUN}")
    design = read_parquet_table(path).to_pandas()
    names, n_points = manifest["problem"]["names"], manifest["n_points"]
    missing = [column for column in ("point_id", *names) if column not in design.columns]
    if missing:
        raise ConfigError(str(path), missing[0], "is not a column of the design; the sweep directory is damaged")
    design = design.sort_values("point_id", kind="stable").reset_index(drop=True)
    if len(design) != n_points or not np.array_equal(design["point_id"].to_numpy(), np.arange(n_points)):
        raise ConfigError(
            str(path), "point_id", f"does not number the manifest's {n_points} points 0..{n_points - 1} once each"
        )
    return design[["point_id", *names]]


def _read_all_runs(directory: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    runs_dir, n_runs = directory / RUNS, manifest["n_runs"]
    runs = read_runs(directory, manifest)
    if len(runs) < n_runs:
        holder = holder_of(directory / LOCK)
        if holder is not None:  # not to be rerun: it is running
            raise ConfigError(
                str(runs_dir),
                None,
                f"holds {len(runs)} of the sweep's {n_runs} runs: the sweep is being written now ({holder}); "
                "analyse it once that command ends",
            )
        raise ConfigError(str(runs_dir), None, f"holds {len(runs)} of the sweep's {n_runs} runs: {RERUN}")
    for column in ("run_id", "point_id"):
        if column not in runs.columns:
            raise ConfigError(str(runs_dir), column, "is not a column of the run files; the sweep directory is damaged")
    if len(runs) > n_runs or runs["run_id"].duplicated().any():
        raise ConfigError(
            str(runs_dir),
            "run_id",
            f"{len(runs)} rows for {n_runs} runs: some runs appear twice; the files are damaged",
        )
    _check_run_points(runs, manifest, str(runs_dir))
    return runs


def _check_run_points(runs: pd.DataFrame, manifest: dict[str, Any], source: str) -> None:
    n_points = manifest["n_points"]
    point_ids = runs["point_id"].to_numpy()
    if point_ids.min() < 0 or point_ids.max() >= n_points or len(np.unique(point_ids)) != n_points:
        raise ConfigError(
            source, "point_id", f"does not cover the design points 0..{n_points - 1}; the files are damaged"
        )
    listed = manifest["sweep"].get("outcomes") or []
    missing = [name for name in listed if isinstance(name, str) and name not in runs.columns]
    if missing:
        raise ConfigError(source, missing[0], "is a kept outcome (manifest sweep.outcomes) but not in the run files")
