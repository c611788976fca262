"""The results format of a sweep directory: its names, and the check of one chunk against the manifest."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ConfigError, MachineError
from sim.locking import LOCK_SUFFIX

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


def expected_chunk_rows(manifest: dict[str, Any]) -> dict[int, int]:
    """Rows of each chunk the manifest's sweep has (empty when the manifest does not say)."""
    n_runs, chunk_runs = manifest.get("n_runs"), manifest.get("chunk_runs")
    if not (is_int(n_runs) and is_int(chunk_runs) and n_runs > 0 and chunk_runs > 0):
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
    recorded = recorded_checksum(root, path.name)
    if recorded is None and manifest.get(CHECKSUM_FIELD):
        return None, f"has no checksum in {CHECKSUMS}/ (the manifest says every chunk has one)"
    if recorded is not None and recorded != hashlib.sha256(data).hexdigest():
        return None, "does not match its recorded SHA-256 checksum: it was changed after it was written"
    return table, None


def checksum_path(root: Path, name: str) -> Path:
    """Where the checksum of the chunk file `name` is kept."""
    return Path(root) / CHECKSUMS / f"{Path(name).stem}.sha256"


def recorded_checksum(root: Path, name: str) -> str | None:
    """The SHA-256 recorded for runs/`name` (None when none, or unreadable)."""
    try:
        text = checksum_path(root, name).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return None
    digest = text.split(maxsplit=1)[0] if text.strip() else ""
    return digest.lower() if re.fullmatch(r"[0-9a-fA-F]{64}", digest) else "unreadable"


def read_parquet_table(path: Path) -> pa.Table:
    """A Parquet file as a table; an unreadable one is a ConfigError (damaged) or MachineError (the disk)."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as error:
        if isinstance(error, OSError) and error.errno:  # the system's error (EACCES, EIO), not the content
            raise MachineError.from_os_error(path, "read the sweep's design", error) from None
        raise ConfigError(
            str(path), None, f"cannot be read as Parquet ({error}); the sweep directory is damaged"
        ) from None


def is_int(value: Any) -> bool:
    """Whether a manifest value is a whole number (and not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)
