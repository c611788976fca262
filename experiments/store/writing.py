"""Writing a sweep directory: one command at a time, every file whole, resumable by chunk."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.store.layout import (
    CHECKSUM_FIELD,
    CHUNK_NAME,
    COMPLETE,
    DESIGN,
    LOCK,
    MANIFEST,
    METADATA_KEY,
    QUARANTINE,
    RUNS,
    TEMPORARY,
    checksum_path,
    inspect_chunk,
)
from experiments.store.reading import read_manifest
from sim.errors import ConfigError, MachineError
from sim.locking import exclusive_lock


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
            checksum = checksum_path(self.root, path.name)
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
            table.replace_schema_metadata(metadata), self.runs_dir / name, checksum=checksum_path(self.root, name)
        )

    def mark_complete(self, summary: dict[str, Any]) -> None:
        """Record that every run is on disk."""
        _write_text_atomically(self.root / COMPLETE, json.dumps(summary, indent=2, sort_keys=True) + "\n")


def temporary_name(path: Path) -> Path:
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
    with _replacing(path) as temporary:
        _write_parquet(table, temporary)
        digest = _sync_and_hash(temporary)
        if checksum is not None:
            checksum.parent.mkdir(exist_ok=True)
            _write_text_atomically(checksum, f"{digest}  {RUNS}/{path.name}\n")


def _write_text_atomically(path: Path, text: str) -> None:
    with _replacing(path) as temporary, temporary.open("w", encoding="utf-8") as sink:
        sink.write(text)
        sink.flush()
        os.fsync(sink.fileno())


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary name to write `path` under, renamed into place (directory synced) when the block ends.

    A failure leaves no temporary file behind and is a MachineError naming `path`.
    """
    temporary = temporary_name(path)
    try:
        yield temporary
        os.replace(temporary, path)
        _fsync_directory(path.parent)
    except OSError as error:
        with suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise MachineError.from_os_error(path, "write the sweep's results", error) from None
