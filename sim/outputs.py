"""What a run writes: tidy tables, outcomes and a manifest, all in one directory.

`run_tables` turns a finished model into tidy DataFrames (`events`, `trust`, `influence`,
`corridor`); `write_run` writes them as Parquet next to `outcomes.json` and `manifest.json`.
Every file carries the run's provenance: the manifest in full, each Parquet file in its
key-value metadata (`caucasus.provenance`), `outcomes.json` as its config hash and versions.
Files are written into a fresh sibling directory that is renamed into place at the end, so a
run directory is never left half-written and an existing run is only replaced with `force`.
While it is written, a lock beside it (`.NAME.caucasus-lock`, `sim.locking`) keeps a second
command from writing the same directory: that one is refused (exit 2) naming the holder, or, if
it comes after, finds the directory taken (the check is made again under the lock).
Nothing else in the project writes run files.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.actors import ACTORS, POWERS, STATES
from sim.corridor import ARRANGEMENTS
from sim.errors import ConfigError, MachineError
from sim.locking import LOCK_SUFFIX, exclusive_lock
from sim.outcomes import RunOutcomes
from sim.provenance import git_commit, utc_now, versions

if TYPE_CHECKING:
    from sim.model import CaucasusModel

TABLES = ("events", "trust", "influence", "corridor")
RUN_FILES = frozenset({"manifest.json", "outcomes.json", *(f"{name}.parquet" for name in TABLES)})
PROVENANCE_KEY = b"caucasus.provenance"


def run_tables(model: CaucasusModel) -> dict[str, pd.DataFrame]:
    """Tidy tables of the days run so far."""
    days = model.day
    dates = [model.config.date_of(d) for d in range(days)]
    actors, powers, states = ([a.value for a in group] for group in (ACTORS, POWERS, STATES))
    trust = _long(dates, model.trust_history[:days], [("source", actors), ("target", actors)], "value")
    return {
        "events": events_table(model),
        "trust": trust[trust["source"] != trust["target"]].reset_index(drop=True),
        "influence": _long(
            dates, np.swapaxes(model.shares_history[:days], 1, 2), [("power", powers), ("state", states)], "share"
        ),
        "corridor": _long(
            dates, model.support_history[:days], [("arrangement", [a.value for a in ARRANGEMENTS])], "support"
        ),
    }


EVENT_COLUMNS = (
    "date", "day", "event_id", "actor", "target", "cameo", "goldstein", "kind", "description", "salience",
    "affront", "cause_id",
)  # fmt: skip


def events_table(model: CaucasusModel) -> pd.DataFrame:
    """The event log, one row per event, columns `EVENT_COLUMNS`."""
    rows = [[getattr(record, column) for column in EVENT_COLUMNS] for record in model.log]
    table = pd.DataFrame(rows, columns=list(EVENT_COLUMNS))
    for column in ("actor", "target", "kind"):
        table[column] = table[column].astype(str)
    table["cause_id"] = table["cause_id"].astype("Int64")
    return table


def _long(dates: list, values: np.ndarray, axes: list[tuple[str, list[str]]], value_name: str) -> pd.DataFrame:
    """Reshape values[day, i, j, ...] into rows (date, one column per axis, value)."""
    names = ["date", *(name for name, _ in axes)]
    index = pd.MultiIndex.from_product([dates, *(labels for _, labels in axes)], names=names)
    return pd.DataFrame({value_name: values.reshape(-1)}, index=index).reset_index()


def provenance(model: CaucasusModel) -> dict[str, Any]:
    """What every output file carries: scenario, seed, config hash, resolved config, versions."""
    return {
        "scenario": model.config.name,
        "seed": model.seed,
        "config_hash": model.config.config_hash(),
        "config": model.config.resolved(),
        "versions": versions(),
    }


def manifest(model: CaucasusModel, command: list[str] | None = None) -> dict[str, Any]:
    """Provenance plus the scenario file, days run, git commit, time and command."""
    return provenance(model) | {
        "scenario_file": model.config.source,
        "source_config": model.config.source_config(),
        "days_run": model.day,
        "git": git_commit(),
        "created_at": utc_now(),
        "command": command,
    }


def write_table(table: pd.DataFrame, path: Path, origin: dict[str, Any]) -> None:
    """Write a table as Parquet with the run's provenance in the file's key-value metadata."""
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    metadata = dict(arrow.schema.metadata or {}) | {PROVENANCE_KEY: json.dumps(origin, sort_keys=True).encode()}
    pq.write_table(arrow.replace_schema_metadata(metadata), path)


def read_provenance(path: Path) -> dict[str, Any]:
    """The provenance stored in a run's Parquet table."""
    return json.loads(pq.read_schema(path).metadata[PROVENANCE_KEY])


def check_out_dir(out_dir: Path, force: bool) -> None:
    """Refuse an output directory that cannot take this run, before anything is run or written.

    An existing non-empty directory is refused; with `force`, one that holds a previous run
    (a manifest and run files only) is accepted for replacement, and nothing else ever is. The
    nearest existing ancestor must be a directory (else a ConfigError) that this process can
    write in (else a MachineError: the machine's permissions, not the user's input).
    """
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise ConfigError(str(out_dir), None, "exists and is not a plain directory; choose another --out")
    try:
        held = {entry.name for entry in out_dir.iterdir()} if out_dir.is_dir() else set()
    except OSError as error:
        raise MachineError.from_os_error(out_dir, "read the output directory", error) from None
    if held and not force:
        raise ConfigError(str(out_dir), None, "already holds files; choose another --out (or --force to replace a run)")
    if held and not ("manifest.json" in held and held <= RUN_FILES):
        raise ConfigError(
            str(out_dir), None, "holds files that are not a run; --force only replaces a previous run's directory"
        )
    ancestor = next(p for p in (out_dir.absolute(), *out_dir.absolute().parents) if p.exists())
    if not ancestor.is_dir():
        raise ConfigError(str(out_dir), None, f"{ancestor} is not a directory; choose another --out")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise MachineError(str(out_dir), f"write in {ancestor}", "permission denied; choose another --out")
    _check_name_lengths(out_dir, ancestor)


AUXILIARY_NAME_CHARS = 18  # the longest name written beside DIR: `.DIR.replaced-PID` (staging: `.DIR.XXXXXXXX`)


def _check_name_lengths(out_dir: Path, ancestor: Path) -> None:
    """Refuse an output path with a name too long for the file system, before anything is run.

    The last name needs room for the staging and replaced names written beside it.
    """
    try:
        limit = os.pathconf(ancestor, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    names = out_dir.absolute().parts[1:]
    for i, name in enumerate(names):
        room = AUXILIARY_NAME_CHARS if i == len(names) - 1 else 0
        if len(os.fsencode(name)) + room > limit:
            raise ConfigError(
                str(out_dir),
                None,
                f"the name {name[:40]}... is {len(os.fsencode(name))} bytes long; this file system allows "
                f"{limit - room} here: choose a shorter --out (or, for the default runs/<scenario>-seed<N>, "
                "a shorter scenario.name)",
            )


def write_run(
    model: CaucasusModel, outcomes: RunOutcomes, out_dir: Path, *, force: bool = False, command: list[str] | None = None
) -> Path:
    """Write the run's tables, outcomes and manifest to `out_dir`.

    Files go to a staging directory beside `out_dir` that is renamed into place only once it is
    complete; a previous run in `out_dir` (with `force`) is moved aside first and deleted only
    after the new one is in place, so a failure leaves either the old run or the new one. A
    failure of the machine (disk full, permission denied) is a MachineError.
    """
    out_dir = Path(out_dir)
    check_out_dir(out_dir, force)
    with staged_directory(out_dir, "write the run", check=lambda: check_out_dir(out_dir, force)) as staging:
        origin = provenance(model)
        for name, table in run_tables(model).items():
            write_table(table, staging / f"{name}.parquet", origin)
        stamp = {key: origin[key] for key in ("config_hash", "versions")}
        _write_json(staging / "outcomes.json", outcomes.to_dict() | stamp)
        _write_json(staging / "manifest.json", manifest(model, command))
    return out_dir


@contextmanager
def staged_directory(
    out_dir: Path, action: str, *, name_files: bool = False, check: Callable[[], None] | None = None
) -> Iterator[Path]:
    """A fresh directory beside `out_dir` to write into, renamed to `out_dir` when the block ends.

    On any failure the staging directory and the parents this call created are removed, so
    nothing is left half-written; an OSError (or a MachineError from a nested write) becomes a
    MachineError saying that `action` failed on `out_dir`, with the system's reason. With
    `name_files`, a nested MachineError on a file in the staging directory keeps its action and
    names that file where it was to be, under `out_dir`.

    The block runs holding the lock `.NAME.caucasus-lock` beside `out_dir` (another command
    holding it: a ConfigError naming it); `check` (e.g. that `out_dir` may be written) is called
    first under the lock.
    """
    out_dir = Path(out_dir)
    parent = out_dir.absolute().parent
    created = [p for p in (parent, *parent.parents) if not p.exists()]  # innermost first
    staging = None
    lock = ExitStack()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        lock.enter_context(exclusive_lock(out_dir.parent / f".{out_dir.name}{LOCK_SUFFIX}", out_dir, "another --out"))
        if check is not None:
            check()
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; an output directory is an ordinary one
        yield staging
        _swap_in(staging, out_dir)
    except BaseException as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        lock.close()
        for made in created:
            with suppress(OSError):
                made.rmdir()  # only if empty: another process may have written there since
        if isinstance(error, MachineError) and name_files and staging is not None:
            raise MachineError(_unstaged(error.path, staging, out_dir), error.action, error.reason) from None
        if isinstance(error, MachineError):  # from a nested write: name this directory, not the staging one
            raise MachineError(str(out_dir), action, error.reason) from None
        if isinstance(error, OSError):
            raise MachineError.from_os_error(out_dir, action, error) from None
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        lock.close()


def _unstaged(path: str, staging: Path, out_dir: Path) -> str:
    """`path` as it will be once `staging` is renamed to `out_dir` (unchanged if not in `staging`)."""
    try:
        return str(out_dir / Path(path).relative_to(staging))
    except ValueError:
        return path


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Rename the complete staging directory to `out_dir`, replacing an old run safely."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    old = out_dir.with_name(f".{out_dir.name}.replaced-{os.getpid()}")
    out_dir.rename(old)
    try:
        staging.rename(out_dir)
    except OSError:
        old.rename(out_dir)
        raise
    shutil.rmtree(old)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
