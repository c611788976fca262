"""A sweep's results directory: streamed, resumable, one sweep per directory.

Layout of DIR:

- `manifest.json`: the sweep as resolved, its hash, the engine and chunk size, the SALib
  problem, versions, git commit; written once, before any run;
- `design.parquet`: the design points (`point_id` and one column per parameter);
- `runs/chunk-NNNNNN.parquet`: a partitioned Parquet dataset, one row per run, one file per
  chunk of consecutive run ids. Each file is written under a hidden temporary name (which
  `pandas.read_parquet(DIR / "runs")` skips) and renamed into place, so a file that exists is
  whole: a sweep killed at any moment (even `kill -9`) and started again skips the chunks on
  disk and runs only the missing ones;
- `checksums/chunk-NNNNNN.sha256`: the SHA-256 of each chunk file (`sha256sum` format), written
  and synced before the chunk is renamed into place, so every chunk on disk has its checksum;
- `complete.json`: written when every run is on disk (counts, wall time, throughput);
- `quarantine/`: chunks a resume found damaged (unreadable), foreign (another sweep's config
  hash), short or edited (not their checksum), moved aside (never deleted) before they are run
  again; no reader looks there;
- `.caucasus-lock`: while a command writes to DIR, its exclusive lock (`fcntl.flock`) with its
  pid, host and start time; a second command is refused (ConfigError) naming it.

Every file is written under a temporary name unique to its process, synced, renamed into place
and its directory synced, so a power cut leaves whole files only. Every chunk is checked against
the manifest (config hash and chunk number in its metadata, row count, checksum) on resume and
on read (`read_sweep_results`); `caucasus verify DIR` lists every problem.

`read_sweep_results(DIR)` reads a finished sweep back as a `Sweep`, checking the manifest, the
design and the runs against each other (a missing, incomplete or damaged directory is a
ConfigError naming the file and key).

A directory holding another sweep (another config hash, engine or chunk size) is refused,
never mixed; so is a non-empty directory that holds no sweep (a ConfigError). A failure of the
machine while reading or writing (disk full, permission denied, I/O error) is a MachineError.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.sensitivity import DESIGNS, DesignKind, SensitivityMethod
from sim.config.limits import parse_json, read_text
from sim.errors import ConfigError, MachineError
from sim.locking import LOCK_SUFFIX, exclusive_lock, holder_of

MANIFEST = "manifest.json"
DESIGN = "design.parquet"
RUNS = "runs"
COMPLETE = "complete.json"
CHECKSUMS = "checksums"
QUARANTINE = "quarantine"
LOCK = LOCK_SUFFIX  # the lock file in DIR: `.caucasus-lock`
CHECKSUM_FIELD = "chunk_checksums"  # in the manifest: the sweep records a checksum of every chunk
KIND = "caucasus-sweep"
METADATA_KEY = b"caucasus.sweep"
CHUNK_NAME = re.compile(r"chunk-(\d{6,})\.parquet")
RERUN = "rerun the same `caucasus sweep` command to finish it, then analyse again"
REPAIR = "rerun the same `caucasus sweep` command: it moves the chunk to quarantine/ and runs it again"
TEMPORARY = re.compile(r"\..+\.tmp")  # `.NAME.PID.RANDOM.tmp` (and an older `.NAME.tmp`)


@dataclass(frozen=True)
class SweepStore:
    """The results directory of one sweep."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))  # a str given by a caller works too

    @property
    def runs_dir(self) -> Path:
        """The directory of the runs' Parquet dataset."""
        return self.root / RUNS

    def check_compatible(self, identity: dict[str, Any]) -> bool:
        """Whether DIR may receive this sweep; True when it already holds it (a resume).

        `identity` holds `config_hash`, `engine` and `chunk_runs`. Refuses (ConfigError) a file,
        a directory with another sweep, or a non-empty directory without a sweep manifest.
        """
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError("--out", None, f"{self.root} is a file; give a directory for the sweep's results")
        manifest_path = self.root / MANIFEST
        if not manifest_path.exists():
            # a sweep killed while writing its manifest leaves only the manifest's temporary file
            # (and a command holding or leaving the lock)
            held = list(self.root.iterdir()) if self.root.exists() else []
            if any(p.name != LOCK and not TEMPORARY.fullmatch(p.name) for p in held):
                raise ConfigError(
                    "--out", None, f"{self.root} is not empty and holds no sweep; give a new or empty directory"
                )
            return False
        held = read_manifest(self.root)
        for key, value in identity.items():
            if held.get(key) != value:
                raise ConfigError(
                    str(manifest_path),
                    key,
                    f"this directory holds another sweep ({key} {held.get(key)!r}, not {value!r}); "
                    "results are never mixed: give another --out",
                )
        return True

    def initialise(self, manifest: dict[str, Any], design: pd.DataFrame | Iterable[pd.DataFrame]) -> None:
        """Write the manifest (first, so a killed sweep is always recognised), then the design.

        The design is a frame, or blocks of rows (a `Design`), written one row group each: the
        whole design is never held to write it.

        A resumed sweep keeps its manifest; the design, a function of the sweep, is rewritten
        if it was not finished.
        """
        created = not (self.root / MANIFEST).exists()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            _remove_temporaries(self.root)  # left by a killed command (this one holds the lock)
            if not (self.root / MANIFEST).exists():
                manifest = manifest | {CHECKSUM_FIELD: "sha256"}  # every chunk has checksums/chunk-NNNNNN.sha256
                _write_text_atomically(self.root / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
            if not (self.root / DESIGN).exists():
                _write_atomically(_design_tables(design), self.root / DESIGN)
            self.runs_dir.mkdir(exist_ok=True)
        except OSError as error:  # a MachineError too
            if created:  # a directory this call began holds nothing else: leave none of it behind
                for path in (self.root / MANIFEST, self.root / DESIGN, self.runs_dir):
                    shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
            if isinstance(error, MachineError):
                raise
            raise MachineError.from_os_error(self.root, "write the sweep's results", error) from None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold DIR's exclusive lock for the block (a ConfigError naming the holder if another command has it).

        DIR (and its parents) are made if need be, and removed again if the block leaves them empty.
        """
        made = [p for p in (self.root.absolute(), *self.root.absolute().parents) if not p.exists()]
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MachineError.from_os_error(self.root, "write the sweep's results", error) from None
        try:
            with exclusive_lock(self.root / LOCK, self.root, "give another --out"):
                yield
        finally:
            for path in made:  # innermost first; only if empty
                with suppress(OSError):
                    path.rmdir()

    def done_chunks(self, expected_rows: dict[int, int]) -> set[int]:
        """Chunks already on disk and sound; stray temporary files are removed.

        A damaged, foreign, short or edited chunk, or one the sweep does not have, is moved to
        quarantine/ (saying so on one line on stderr) and counted as missing, to be run again.
        """
        done: set[int] = set()
        if not self.runs_dir.is_dir():
            return done
        manifest = read_manifest(self.root)
        for path in sorted(self.runs_dir.iterdir()):
            match = CHUNK_NAME.fullmatch(path.name)
            if path.name.endswith(".tmp"):
                path.unlink()
            elif match:
                index = int(match.group(1))
                _, problem = inspect_chunk(self.root, index, manifest, expected_rows.get(index))
                if problem is None:
                    done.add(index)
                else:
                    self.quarantine(path, problem)
        return done

    def quarantine(self, path: Path, problem: str) -> Path:
        """Move a chunk (and its checksum) aside into DIR/quarantine/, never deleting it; say so on stderr."""
        folder = self.root / QUARANTINE
        try:
            folder.mkdir(exist_ok=True)
            target, n = folder / path.name, 1
            while target.exists():
                n += 1
                target = folder / f"{path.stem}-{n}{path.suffix}"
            os.rename(path, target)
            checksum = _checksum_path(self.root, path.name)
            if checksum.exists():
                os.rename(checksum, target.with_suffix(".sha256"))
            _fsync_directory(folder)
            _fsync_directory(path.parent)
        except OSError as error:
            raise MachineError.from_os_error(path, "move the chunk to quarantine", error) from None
        where = target.relative_to(self.root)
        print(f"caucasus: {path}: {problem}; moved to {where} and run again", file=sys.stderr, flush=True)
        return target

    def write_chunk(self, index: int, frame: pd.DataFrame, provenance: dict[str, Any]) -> None:
        """Write one chunk's rows, with the sweep's provenance in the file's metadata, and its checksum."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        metadata = dict(table.schema.metadata or {}) | {METADATA_KEY: json.dumps(provenance).encode()}
        name = f"chunk-{index:06d}.parquet"
        _write_atomically(
            table.replace_schema_metadata(metadata), self.runs_dir / name, checksum=_checksum_path(self.root, name)
        )

    def mark_complete(self, summary: dict[str, Any]) -> None:
        """Record that every run is on disk."""
        _write_text_atomically(self.root / COMPLETE, json.dumps(summary, indent=2, sort_keys=True) + "\n")


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


# Reading a finished sweep back, checked


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
        return seed if _is_int(seed) and seed >= 0 else 0


def read_sweep_results(path: str | Path) -> Sweep:
    """Read and check a finished sweep's directory.

    A missing, incomplete or damaged directory is a `ConfigError` naming the file (and key); a
    file the machine cannot read is a `MachineError`.
    """
    directory = Path(path)
    manifest = read_checked_manifest(directory)
    design = _read_design(directory, manifest)
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
        if not _is_int(value) or value < 1:
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


def _read_design(directory: Path, manifest: dict[str, Any]) -> pd.DataFrame:
    path = directory / DESIGN
    if not path.is_file():
        raise ConfigError(str(path), None, f"is missing; the sweep directory is incomplete: {RERUN}")
    design = _read_parquet(path).to_pandas()
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


def _read_parquet(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        if isinstance(error, OSError) and error.errno:  # the system's error (EACCES, EIO), not the content
            raise MachineError.from_os_error(path, "read the sweep's design", error) from None
        raise ConfigError(
            str(path), None, f"cannot be read as Parquet ({error}); the sweep directory is damaged"
        ) from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Checking chunks against the manifest; durable writes


def expected_chunk_rows(manifest: dict[str, Any]) -> dict[int, int]:
    """Rows of each chunk the manifest's sweep has (empty when the manifest does not say)."""
    n_runs, chunk_runs = manifest.get("n_runs"), manifest.get("chunk_runs")
    if not (_is_int(n_runs) and _is_int(chunk_runs) and n_runs > 0 and chunk_runs > 0):
        return {}
    return {i: min(chunk_runs, n_runs - i * chunk_runs) for i in range(-(-n_runs // chunk_runs))}


def inspect_chunk(
    root: Path, index: int, manifest: dict[str, Any], expected_rows: int | None, *, check_rows: bool = True
) -> tuple[pa.Table | None, str | None]:
    """Chunk `index` of the sweep in `root` read and checked: (its table, None) or (None, what is wrong).

    Wrong: unreadable as Parquet (damaged), no provenance, another sweep's config hash (foreign),
    another chunk's number, not the sweep's (`expected_rows` None) or not its row count, or a
    checksum that does not match (edited). A chunk without a checksum is wrong only when the
    manifest says chunks have one (`check_rows` False: the row count is left to the caller). A
    file the machine cannot read is a MachineError.
    """
    path = Path(root) / RUNS / f"chunk-{index:06d}.parquet"
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MachineError.from_os_error(path, "read the sweep's runs", error) from None
    if expected_rows is None:
        return None, f"is not a chunk of this sweep (it has {len(expected_chunk_rows(manifest))} chunks)"
    try:
        table = pq.read_table(pa.BufferReader(data), use_threads=False)  # a chunk is small
    except (OSError, pa.ArrowException) as error:
        reason = str(error).splitlines()[0].replace("Could not open Parquet input source '<Buffer>': ", "")
        return None, f"cannot be read as Parquet ({reason}): the file is damaged"
    try:
        provenance = json.loads((table.schema.metadata or {})[METADATA_KEY])
        held_hash, held_index = provenance["config_hash"], provenance.get("chunk", index)
    except (KeyError, TypeError, ValueError):
        return None, "carries no sweep provenance (caucasus.sweep metadata): it was not written by this sweep"
    if held_hash != manifest.get("config_hash"):
        return None, f"holds runs of another sweep (config hash {held_hash!r}, not the manifest's)"
    if held_index != index:
        return None, f"is chunk {held_index!r} of the sweep, under the name of chunk {index}"
    if check_rows and table.num_rows != expected_rows:
        return None, f"holds {table.num_rows} runs, not the chunk's {expected_rows}"
    recorded = _recorded_checksum(root, path.name)
    if recorded is None and manifest.get(CHECKSUM_FIELD):
        return None, f"has no checksum in {CHECKSUMS}/ (the manifest says every chunk has one)"
    if recorded is not None and recorded != hashlib.sha256(data).hexdigest():
        return None, "does not match its recorded SHA-256 checksum: it was changed after it was written"
    return table, None


def _checksum_path(root: Path, name: str) -> Path:
    return Path(root) / CHECKSUMS / f"{Path(name).stem}.sha256"


def _recorded_checksum(root: Path, name: str) -> str | None:
    """The SHA-256 recorded for runs/`name` (None when none, or unreadable)."""
    try:
        text = _checksum_path(root, name).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    digest = text.split(maxsplit=1)[0] if text.strip() else ""
    return digest.lower() if re.fullmatch(r"[0-9a-fA-F]{64}", digest) else "unreadable"


def _temporary(path: Path) -> Path:
    """Where a file is written before it is renamed into place: hidden (no reader lists it), unique to this write."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _remove_temporaries(folder: Path) -> None:
    """Remove the temporary files a killed command left in `folder` (call it holding the lock)."""
    for path in folder.iterdir():
        if TEMPORARY.fullmatch(path.name) and path.is_file():
            path.unlink()


def _fsync_directory(folder: Path) -> None:
    """Make a rename in `folder` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_and_hash(path: Path) -> str:
    """Flush the written file `path` to disk; its SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as written:
        while block := written.read(1 << 20):
            digest.update(block)
        os.fsync(written.fileno())
    return digest.hexdigest()


def _design_tables(design: pd.DataFrame | Iterable[pd.DataFrame]) -> Iterator[pa.Table]:
    """A design frame, or its blocks of rows, as Arrow tables."""
    for block in [design] if isinstance(design, pd.DataFrame) else design:
        yield pa.Table.from_pandas(block, preserve_index=False)


def _write_parquet(table: pa.Table | Iterable[pa.Table], path: Path) -> None:
    """One table, or tables of one schema written in turn as row groups (only one held at a time)."""
    if isinstance(table, pa.Table):
        pq.write_table(table, path)
        return
    writer = None
    try:
        for part in table:
            writer = writer or pq.ParquetWriter(path, part.schema)
            writer.write_table(part)
    finally:
        if writer is not None:
            writer.close()


def _write_atomically(table: pa.Table | Iterable[pa.Table], path: Path, *, checksum: Path | None = None) -> None:
    """Write `table` to `path` whole: a unique temporary file, synced, renamed, the folder synced.

    With `checksum`, the file's SHA-256 is written there (whole, synced) before the rename, so
    the file is never in place without its checksum.
    """
    temporary = _temporary(path)
    try:
        _write_parquet(table, temporary)
        digest = _sync_and_hash(temporary)
        if checksum is not None:
            checksum.parent.mkdir(exist_ok=True)
            _write_text_atomically(checksum, f"{digest}  {RUNS}/{path.name}\n")
        os.replace(temporary, path)
        _fsync_directory(path.parent)
    except OSError as error:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise MachineError.from_os_error(path, "write the sweep's results", error) from None


def _write_text_atomically(path: Path, text: str) -> None:
    temporary = _temporary(path)
    try:
        with temporary.open("w", encoding="utf-8") as sink:
            sink.write(text)
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, path)
        _fsync_directory(path.parent)
    except OSError as error:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise MachineError.from_os_error(path, "write the sweep's results", error) from None
