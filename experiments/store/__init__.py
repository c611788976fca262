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

The package keeps the format in one place, by concern: `layout` (the names, and the check of a
chunk against the manifest), `writing` (`SweepStore`: the lock, durable writes, resume with
quarantine) and `reading` (`read_sweep_results` and the checks of a finished sweep).
"""

from experiments.store.layout import (
    CHECKSUM_FIELD,
    CHECKSUMS,
    CHUNK_NAME,
    COMPLETE,
    DESIGN,
    KIND,
    LOCK,
    MANIFEST,
    METADATA_KEY,
    QUARANTINE,
    RERUN,
    RUNS,
    expected_chunk_rows,
    inspect_chunk,
)
from experiments.store.reading import (
    Sweep,
    read_checked_manifest,
    read_design,
    read_manifest,
    read_runs,
    read_sweep_results,
)
from experiments.store.writing import SweepStore, temporary_name

__all__ = [
    "CHECKSUMS",
    "CHECKSUM_FIELD",
    "CHUNK_NAME",
    "COMPLETE",
    "DESIGN",
    "KIND",
    "LOCK",
    "MANIFEST",
    "METADATA_KEY",
    "QUARANTINE",
    "RERUN",
    "RUNS",
    "Sweep",
    "SweepStore",
    "expected_chunk_rows",
    "inspect_chunk",
    "read_checked_manifest",
    "read_design",
    "read_manifest",
    "read_runs",
    "read_sweep_results",
    "temporary_name",
]
