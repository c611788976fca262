"""How big a sweep is, known before anything is built, and the ceilings above which it needs --yes.

`sweep_size(config, engine, ...)` computes from the config alone (the design kinds' counts, in
`experiments.sensitivity.DESIGNS`: a full factorial has the product of its parameters' numbers
of values, Sobol N x (k + 2) points or N x (2k + 2) with second-order terms, Morris r x (k + 1),
a Latin hypercube its `samples`) the design points, runs and chunks, the time the runs should
take, the disk the results may take and the memory the design needs. `SweepSize.statement()`
says it on one line; `caucasus sweep` prints it on stderr before the first chunk.

The time is an estimate from a documented rate, not a measurement of this machine: the ensemble
engine ran about `ENSEMBLE_RUNS_PER_S` runs of the 365-day baseline a second on one core
(README, "Measured", 2026-12-01), the Mesa engine about `MESA_RUNS_PER_S`; the rate is scaled by
the scenario's horizon (a run's cost grows with its days) and multiplied by the workers. The
disk is an upper bound: 8 bytes per value of every column of every run and design point, as if
Parquet compressed nothing (it usually makes them 3-4 times smaller).

`check_size(size, yes)` refuses (a ConfigError naming the sweep file and the key that makes the
sweep so big: `parameters` for a full factorial's levels, `design.samples`, or
`sweep.replicates`) a sweep beyond any one of these ceilings, unless `--yes` is given:

- time: more than `MAX_HOURS` (24 h) at the documented rate on the workers given (serial and
  `--scheduler` count one worker: a cluster's size is not known before it connects);
- disk: results estimated above `MAX_DISK_BYTES` (20 GB) (the statement gives the free space of
  `--out`'s disk too, but a disk too small is the machine's failure: exit 1 when it fills);
- memory: a design that SALib samples whole (Latin hypercube, Sobol, Morris) needing more than
  `MAX_DESIGN_MEMORY_BYTES` (2 GB) to sample and hold, estimated at `SAMPLING_MEMORY_FACTOR`
  times its values (SALib's intermediates: measured 1.9-3.5 times). A full factorial is made a
  block of rows at a time (`experiments.design.DESIGN_BLOCK_ROWS`), so its memory is small
  whatever its size.

A sweep of more runs than a 64-bit run id can number is refused even with --yes.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from experiments.design import DESIGN_BLOCK_ROWS, design_size
from experiments.runner import ENGINES, default_chunk_runs
from experiments.sensitivity import DESIGNS
from experiments.sweep_config import SweepConfig
from sim.errors import ConfigError

# The documented rates (runs/s on one worker, 365-day horizon): README, "Measured", 2026-12-01
# (issue 11's last session) — the ensemble 3,480-4,300 runs/s a worker in the Sobol study on two
# local worker processes (common random numbers, every sweep overhead included; 3,120-3,550
# serially in `caucasus bench` on the same, slower hour); Mesa 14.3-16.5 runs/s (mesa.batch_run;
# `--engine mesa` runs alike).
ENSEMBLE_RUNS_PER_S = 3500.0
MESA_RUNS_PER_S = 14.0
RATE_HORIZON_DAYS = 365
MIN_RATE_HORIZON_DAYS = 90  # below this, a run's fixed costs dominate: the rate is not scaled further
MAX_HOURS = 24.0
MAX_DISK_BYTES = 20 * 10**9
MAX_DESIGN_MEMORY_BYTES = 2 * 10**9
SAMPLING_MEMORY_FACTOR = 4
BYTES_PER_VALUE = 8
ID_COLUMNS = 4  # run_id, point_id, replicate, seed
MAX_RUNS = 2**63 - 1  # run ids are 64-bit integers
DOCS = "README, Sweeps: size and ceilings"


@dataclass(frozen=True, kw_only=True)
class SweepSize:
    """A sweep's size, estimated time, disk and memory, from its config alone."""

    name: str
    source: str
    kind: str
    chunked: bool
    n_parameters: int
    n_points: int
    replicates: int
    n_runs: int
    chunk_runs: int
    n_chunks: int
    engine: str
    workers: int
    on_cluster: bool
    runs_per_second: float
    seconds: float
    results_bytes: int
    design_memory_bytes: int
    free_bytes: int | None

    def statement(self) -> str:
        """The size on one line: points, runs, chunks, time, disk and the design's memory."""
        where = "on one worker of the cluster (divide by its workers)" if self.on_cluster else _workers(self.workers)
        how = f"made {DESIGN_BLOCK_ROWS:,} points at a time" if self.chunked else "sampled whole by SALib"
        design = f"the design {how} (about {_bytes(self.design_memory_bytes)} of memory)"
        free = ""
        if self.free_bytes is not None:  # a full disk is the machine's failure (exit 1), found when writing
            more = ", less than that" if self.free_bytes < self.results_bytes else ""
            free = f" ({_bytes(self.free_bytes)} free{more})"
        return (
            f"caucasus: sweep {self.name}: {self.n_points:,} design points x {self.replicates:,} "
            f"{_plural(self.replicates, 'replicate')} = {self.n_runs:,} runs in {self.n_chunks:,} "
            f"{_plural(self.n_chunks, 'chunk')} of up to {self.chunk_runs:,} runs; about {_duration(self.seconds)} "
            f"{where} (at {self.runs_per_second:,.0f} runs/s a worker, the {self.engine} engine's documented rate); "
            f"results up to {_bytes(self.results_bytes)} on disk{free}; {design}"
        )

    def excesses(self) -> list[tuple[str, str]]:
        """The ceilings this sweep passes: (what grows it, the excess in words); empty when within all."""
        found = []
        if not self.chunked and self.design_memory_bytes > MAX_DESIGN_MEMORY_BYTES:
            found.append(
                (
                    "design",
                    f"sampling its design whole (SALib) needs about {_bytes(self.design_memory_bytes)} of memory, "
                    f"above the ceiling of {_bytes(MAX_DESIGN_MEMORY_BYTES)}",
                )
            )
        if self.seconds > MAX_HOURS * 3600:
            found.append(
                (
                    "runs",
                    f"it would take about {_duration(self.seconds)} {_workers(self.workers)} at "
                    f"{self.runs_per_second:,.0f} runs/s a worker, above the ceiling of {MAX_HOURS:g} h",
                )
            )
        if self.results_bytes > MAX_DISK_BYTES:
            found.append(
                (
                    "runs",
                    f"its results may take up to {_bytes(self.results_bytes)} of disk, "
                    f"above the ceiling of {_bytes(MAX_DISK_BYTES)}",
                )
            )
        return found


def sweep_size(
    config: SweepConfig,
    engine: str = "ensemble",
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    out: Path | None = None,
) -> SweepSize:
    """The sweep's size, time, disk and memory, computed without sampling or running anything.

    Args:
        config: the sweep.
        engine: ensemble or mesa.
        workers: the local worker processes (None: serial, one).
        scheduler: the Dask scheduler's address, if the sweep runs on a cluster.
        out: the results directory (for its disk's free space).
    """
    if engine not in ENGINES:
        raise ConfigError("--engine", None, f"{engine!r} is not an engine; allowed: {', '.join(ENGINES)}")
    kind = DESIGNS[config.design.kind]
    k = len(config.parameters)
    n_points = design_size(config)
    n_runs = n_points * config.replicates
    chunk_runs = config.chunk_runs or default_chunk_runs(engine)
    base = ENSEMBLE_RUNS_PER_S if engine == "ensemble" else MESA_RUNS_PER_S
    rate = base * RATE_HORIZON_DAYS / max(config.scenario.horizon_days, MIN_RATE_HORIZON_DAYS)
    parallel = 1 if scheduler is not None else (workers or 1)
    design_values = (k + 1) * BYTES_PER_VALUE  # point_id and one column per parameter
    if kind.chunked:
        design_memory = min(n_points, DESIGN_BLOCK_ROWS) * design_values * 2  # a block and its table
    else:
        design_memory = n_points * design_values * SAMPLING_MEMORY_FACTOR
    return SweepSize(
        name=config.name,
        source=config.source,
        kind=config.design.kind,
        chunked=kind.chunked,
        n_parameters=k,
        n_points=n_points,
        replicates=config.replicates,
        n_runs=n_runs,
        chunk_runs=chunk_runs,
        n_chunks=-(-n_runs // chunk_runs),
        engine=engine,
        workers=parallel,
        on_cluster=scheduler is not None,
        runs_per_second=rate,
        seconds=n_runs / (rate * parallel),
        results_bytes=n_runs * (ID_COLUMNS + k + len(config.outcomes)) * BYTES_PER_VALUE + n_points * design_values,
        design_memory_bytes=design_memory,
        free_bytes=free_space(out),
    )


def check_size(size: SweepSize, *, yes: bool = False) -> None:
    """Refuse (ConfigError naming the file and key) a sweep beyond a ceiling unless `yes`; too many runs always."""
    design_key = "parameters" if size.kind == "full_factorial" else "design.samples"
    what = (
        f"{size.n_points:,} design points x {size.replicates:,} {_plural(size.replicates, 'replicate')} "
        f"= {size.n_runs:,} runs"
    )
    if size.n_runs > MAX_RUNS:
        raise ConfigError(
            size.source,
            "sweep.replicates" if size.n_points <= MAX_RUNS else design_key,
            f"the sweep is {what}: more than a 64-bit run id can number ({MAX_RUNS:,}); make it smaller",
        )
    excesses = size.excesses()
    if yes or not excesses:
        return
    by_design = size.replicates == 1 or any(grows == "design" for grows, _ in excesses)
    key = design_key if by_design or _one_replicate(size).excesses() else "sweep.replicates"
    raise ConfigError(
        size.source,
        key,
        f"the sweep is {what}: {'; '.join(text for _, text in excesses)} ({DOCS}); "
        "make it smaller, or give --yes to start it anyway",
    )


def free_space(out: Path | None) -> int | None:
    """Free bytes on the disk that holds (or will hold) `out`; None when unknown."""
    if out is None:
        return None
    path = Path(out).absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None
    return usage.free if usage.total else None  # a pseudo file system (/proc, /sys) has no size


def _one_replicate(size: SweepSize) -> SweepSize:
    """The same sweep with one replicate (to tell whether the replicates are what makes it too big)."""
    design_bytes = size.n_points * (size.n_parameters + 1) * BYTES_PER_VALUE
    runs_bytes = size.results_bytes - design_bytes
    return replace(
        size,
        replicates=1,
        n_runs=size.n_points,
        seconds=size.seconds / size.replicates,
        results_bytes=design_bytes + runs_bytes // size.replicates,
    )


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _workers(workers: int) -> str:
    return "serially" if workers == 1 else f"on {workers} workers"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    days = seconds / 86400
    return f"{days:,.0f} days" if days < 1e6 else f"{days:.1e} days"


def _bytes(count: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            value = count / scale
            if unit == "TB" and value >= 1e6:
                return f"{value:.1e} TB"
            return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{math.ceil(count)} bytes"
