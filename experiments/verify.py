"""`caucasus verify DIR`: check a sweep's or a run's directory and list what is wrong.

A sweep directory (its `manifest.json` says `kind = "caucasus-sweep"`): the manifest is whole,
the design numbers its points, every chunk the manifest promises is on disk, readable, carries
the manifest's config hash and its own chunk number, has the chunk's row count and matches its
recorded SHA-256 checksum; `complete.json` is there; nothing else lies in the directory or in
`runs/` (files set aside in `quarantine/`, an `analysis/` and a `discovery/` are not problems). A run directory
(`caucasus run`): the manifest and every run file are present and readable, and every file
carries the manifest's config hash; nothing else is there. A comparison directory: both runs
as above and the trust difference readable. A replicated comparison (`compare --replicates`, its
manifest's kind `caucasus-replicated-comparison`): every file there, each Parquet file readable
and carrying the manifest's config hashes and seeds, one row per seed in the paired table,
nothing else. Runs under a posterior (`run --posterior`, kind `caucasus-posterior-runs`): the
same, with the posterior's SHA-256 too, and the series quantiles when the manifest says they
were kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from experiments.posterior_files import KIND as POSTERIOR_KIND
from experiments.posterior_files import POSTERIOR_RUN_FILES, SERIES_FILE
from experiments.replicated import KIND as REPLICATED_KIND
from experiments.replicated import REPLICATED_FILES
from experiments.store import (
    CHECKSUM_FIELD,
    CHECKSUMS,
    CHUNK_NAME,
    COMPLETE,
    DESIGN,
    KIND,
    LOCK,
    MANIFEST,
    QUARANTINE,
    RUNS,
    expected_chunk_rows,
    inspect_chunk,
    read_checked_manifest,
    read_design,
)
from sim.errors import ConfigError
from sim.locking import holder_of
from sim.outputs import PROVENANCE_KEY, RUN_FILES

SWEEP_ENTRIES = {MANIFEST, DESIGN, RUNS, COMPLETE, CHECKSUMS, QUARANTINE, "analysis", "discovery", LOCK}
COMPARISON_ENTRIES = {"factual", "counterfactual", "trust_difference.parquet"}


@dataclass
class Verdict:
    """What `verify` found: the kind of directory, a one-line summary, the problems and notes."""

    directory: Path
    kind: str = "unknown"
    summary: str = ""
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.problems

    def text(self) -> str:
        """The report: `OK ...` or one line per problem."""
        lines = [f"OK: {self.directory}: {self.summary}" if self.ok else f"{self.directory}: {self.summary}"]
        lines += [f"  problem: {problem}" for problem in self.problems]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def verify(directory: str | Path) -> Verdict:
    """Check a sweep, run or comparison directory; a directory that is none of them is a problem."""
    directory = Path(directory)
    verdict = Verdict(directory)
    if not directory.is_dir():
        verdict.problems.append("does not exist" if not directory.exists() else "is not a directory")
        verdict.summary = "nothing to verify"
        return verdict
    names = {entry.name for entry in directory.iterdir()}
    manifest = _json(directory / MANIFEST) if MANIFEST in names else None
    if isinstance(manifest, dict) and manifest.get("kind") == KIND:
        _verify_sweep(directory, verdict, names)
    elif isinstance(manifest, dict) and manifest.get("kind") == REPLICATED_KIND:
        verdict.kind = "replicated comparison"
        _verify_replicated(directory, verdict, names, manifest)
        verdict.summary = f"a complete replicated comparison of {manifest.get('replicates')} seeds"
    elif isinstance(manifest, dict) and manifest.get("kind") == POSTERIOR_KIND:
        verdict.kind = "runs under a posterior"
        _verify_posterior_runs(directory, verdict, names, manifest)
        verdict.summary = f"complete runs under a posterior, {manifest.get('runs')} draws"
    elif MANIFEST in names:
        verdict.kind = "run"
        _verify_run(directory, verdict, names)
        verdict.summary = verdict.summary or "a complete run"
    elif names and names <= COMPARISON_ENTRIES | {".factual.caucasus-lock"} and "factual" in names:
        verdict.kind = "comparison"
        for side in ("factual", "counterfactual"):
            if (directory / side).is_dir():
                _verify_run(directory / side, verdict, {entry.name for entry in (directory / side).iterdir()})
            else:
                verdict.problems.append(f"{directory / side}: is missing")
        _check_parquet(directory / "trust_difference.parquet", verdict)
        verdict.summary = "a complete comparison"
    else:
        verdict.problems.append(f"holds no {MANIFEST}: not a sweep, run or comparison directory")
    if not verdict.ok:
        count = len(verdict.problems)
        verdict.summary = f"{count} problem{'s' if count > 1 else ''} found"
    return verdict


def _verify_sweep(directory: Path, verdict: Verdict, names: set[str]) -> None:
    verdict.kind = "sweep"
    holder = holder_of(directory / LOCK)
    if holder is not None:
        verdict.problems.append(f"a sweep is being written here now ({holder}); verify it once that command ends")
    try:
        manifest = read_checked_manifest(directory)
    except ConfigError as error:
        verdict.problems.append(str(error))
        return
    try:
        read_design(directory, manifest)
    except ConfigError as error:
        verdict.problems.append(str(error))
    rows = expected_chunk_rows(manifest)
    if not rows:
        verdict.problems.append(f"{directory / MANIFEST}: no usable n_runs and chunk_runs; the manifest is damaged")
    runs_dir = directory / RUNS
    on_disk = sorted(entry.name for entry in runs_dir.iterdir()) if runs_dir.is_dir() else []
    missing = []
    for index, expected in rows.items():
        name = f"chunk-{index:06d}.parquet"
        if name not in on_disk:
            missing.append(index)
            continue
        _, problem = inspect_chunk(directory, index, manifest, expected)
        if problem is not None:
            verdict.problems.append(f"{runs_dir / name}: {problem}")
    if missing:
        shown = ", ".join(f"chunk-{index:06d}.parquet" for index in missing[:5]) + (", ..." if len(missing) > 5 else "")
        verdict.problems.append(
            f"{runs_dir}: {len(missing)} of the sweep's {len(rows)} chunks are missing ({shown}); rerun the same "
            "`caucasus sweep` command to finish it"
        )
    elif COMPLETE not in names:
        verdict.problems.append(f"{directory / COMPLETE}: is missing: the sweep did not finish; rerun its command")
    expected_names = {f"chunk-{index:06d}.parquet" for index in rows}
    for name in on_disk:
        if name not in expected_names:
            kind = "another chunk" if CHUNK_NAME.fullmatch(name) else "a stray file"
            verdict.problems.append(f"{runs_dir / name}: {kind}, not one of the sweep's (readers of runs/ take it in)")
    for name in sorted(names - SWEEP_ENTRIES):
        verdict.problems.append(f"{directory / name}: a stray file, not part of the sweep")
    aside = directory / QUARANTINE
    quarantined = [path for path in aside.iterdir() if path.suffix == ".parquet"] if aside.is_dir() else []
    if quarantined:
        verdict.notes.append(f"{aside}: {len(quarantined)} chunk(s) set aside by a resume, kept; readers ignore them")
    checked = "checksums match" if manifest.get(CHECKSUM_FIELD) else "no checksums recorded"
    if not manifest.get(CHECKSUM_FIELD):
        verdict.notes.append("the sweep was written before chunks had checksums: an edited chunk cannot be found")
    verdict.summary = f"a complete sweep of {manifest['n_runs']} runs in {len(rows)} chunks, {checked}"


def _verify_run(directory: Path, verdict: Verdict, names: set[str]) -> None:
    manifest = _json(directory / MANIFEST)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("config_hash"), str):
        verdict.problems.append(f"{directory / MANIFEST}: is not a run's manifest (a JSON object with config_hash)")
        return
    config_hash = manifest["config_hash"]
    for name in sorted(RUN_FILES - {MANIFEST}):
        path = directory / name
        if name not in names:
            verdict.problems.append(f"{path}: is missing")
        elif name.endswith(".parquet"):
            table = _check_parquet(path, verdict)
            if table is not None:
                held = _provenance_hash(table)
                if held != config_hash:
                    verdict.problems.append(f"{path}: carries config hash {held!r}, not the manifest's {config_hash!r}")
        else:
            outcomes = _json(path)
            if not isinstance(outcomes, dict):
                verdict.problems.append(f"{path}: cannot be read as a JSON object")
            elif outcomes.get("config_hash") != config_hash:
                held = outcomes.get("config_hash")
                verdict.problems.append(f"{path}: carries config hash {held!r}, not the manifest's {config_hash!r}")
    for name in sorted(names - RUN_FILES):
        verdict.problems.append(f"{directory / name}: a stray file, not part of the run")


def _verify_replicated(directory: Path, verdict: Verdict, names: set[str], manifest: dict[str, Any]) -> None:
    """Every file of a replicated comparison, its Parquet files carrying the manifest's hashes and seeds."""
    identity = {key: manifest.get(key) for key in ("seeds", "master_seed")}
    hashes = {side: (manifest.get(side) or {}).get("config_hash") for side in ("factual", "counterfactual")}
    for name, path, table in _readable_tables(directory, REPLICATED_FILES, names, verdict):
        origin = _provenance(table)
        held = {side: (origin.get(side) or {}).get("config_hash") for side in hashes}
        if held != hashes or {key: origin.get(key) for key in identity} != identity:
            verdict.problems.append(f"{path}: carries other config hashes or seeds than {directory / MANIFEST}")
        if name == "paired_outcomes.parquet" and table.column("seed").to_pylist() != manifest.get("seeds"):
            verdict.problems.append(f"{path}: its rows are not one per seed of {directory / MANIFEST}")
    _report_strays(directory, REPLICATED_FILES, names, verdict, "the comparison")


def _verify_posterior_runs(directory: Path, verdict: Verdict, names: set[str], manifest: dict[str, Any]) -> None:
    """Every file of runs under a posterior, its Parquet files carrying the manifest's hash, posterior and seeds."""
    keys = ("config_hash", "seeds", "master_seed", "posterior")
    identity = {key: manifest.get(key) for key in keys}
    expected = POSTERIOR_RUN_FILES if manifest.get("series_quantiles") else POSTERIOR_RUN_FILES - {SERIES_FILE}
    for name, path, table in _readable_tables(directory, expected, names, verdict):
        if {key: _provenance(table).get(key) for key in keys} != identity:
            verdict.problems.append(
                f"{path}: carries another config hash, posterior or seeds than {directory / MANIFEST}"
            )
        if name == "runs.parquet" and table.column("seed").to_pylist() != manifest.get("seeds"):
            verdict.problems.append(f"{path}: its rows are not one per seed of {directory / MANIFEST}")
    _report_strays(directory, expected, names, verdict, "the runs")


def _readable_tables(
    directory: Path, expected: set[str], names: set[str], verdict: Verdict
) -> list[tuple[str, Path, pa.Table]]:
    """The expected Parquet files that can be read, by name; a problem for each expected file missing."""
    tables = []
    for name in sorted(expected - {MANIFEST}):
        path = directory / name
        if name not in names:
            verdict.problems.append(f"{path}: is missing")
        elif name.endswith(".parquet") and (table := _check_parquet(path, verdict)) is not None:
            tables.append((name, path, table))
    return tables


def _report_strays(directory: Path, expected: set[str], names: set[str], verdict: Verdict, what: str) -> None:
    """A problem for each file that is not one of `expected`."""
    for name in sorted(names - expected):
        verdict.problems.append(f"{directory / name}: a stray file, not part of {what}")


def _provenance(table: pa.Table) -> dict[str, Any]:
    try:
        origin = json.loads((table.schema.metadata or {})[PROVENANCE_KEY])
    except (KeyError, TypeError, ValueError):
        return {}
    return origin if isinstance(origin, dict) else {}


def _check_parquet(path: Path, verdict: Verdict) -> pa.Table | None:
    try:
        return pq.read_table(path, use_threads=False)
    except (OSError, pa.ArrowException) as error:
        verdict.problems.append(f"{path}: cannot be read as Parquet ({str(error).splitlines()[0]})")
        return None


def _provenance_hash(table: pa.Table) -> Any:
    try:
        return json.loads((table.schema.metadata or {})[PROVENANCE_KEY])["config_hash"]
    except (KeyError, TypeError, ValueError):
        return None


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
