"""Running a sweep: its runs, their seeds, chunks, engines and backends.

Run ids are `point_id x replicates + replicate`, in design order. A run's seed is spawned from
the master seed (`numpy.random.SeedSequence(master, spawn_key=(i,))`), with i the replicate
(`seeds = "common"`: common random numbers across design points) or the run id
(`"independent"`). Runs are grouped into chunks of consecutive run ids, fixed by the sweep
(not by the workers), and a chunk's rows depend only on its runs: serially, on a local Dask
cluster or on a remote one, the dataset is the same.

Engines: `ensemble` runs a whole chunk at once along a batch axis (`sim.ensemble`); `mesa`
runs each `CaucasusModel` in turn (the reference).
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from experiments.design import Design, salib_problem
from experiments.replicates import spawned_seeds
from experiments.store import KIND, SweepStore
from experiments.sweep_config import SweepConfig
from sim.config import Scenario
from sim.core import Simulation
from sim.ensemble import run_ensemble
from sim.errors import ConfigError
from sim.model import CaucasusModel
from sim.provenance import git_commit, utc_now, versions

ENGINES = ("ensemble", "mesa")
MESA_CHUNK_RUNS = 16
# The ensemble engine is fastest per run with chunks of about 1,000 runs (measured 2026-12-01 on
# 2 cores: 256 / 512 / 1024 / 2048 runs a chunk gave 560-780 / 690-790 / 790-1090 / 620-820 runs/s
# on one core; with the fused day of issue 11's last session, Sobol-study chunks of 512 / 1024 /
# 2048 / 4096 runs gave 2,905-2,979 / 3,110-3,196 / 2,849-3,267 / 2,928-2,959 runs/s, taking
# turns); a run makes its random numbers where it uses them, so the seeds do not matter.
ENSEMBLE_CHUNK_RUNS = 1024
SCHEDULER_TIMEOUT_S = 10
# Dask sets MALLOC_TRIM_THRESHOLD_=65536 in its workers. That switches off glibc's dynamic mmap
# threshold and trims the heap after every large free: each array temporary of the ensemble
# engine (0.5 MiB for a 1024-run chunk) is then mapped, faulted in and released afresh, and a
# worker runs at 60% of the speed of a plain process. Keep temporaries on the heap.
WORKER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": 64 * 2**20, "MALLOC_TRIM_THRESHOLD_": 256 * 2**20}
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (glibc malloc.h)
# A local cluster runs one chunk at a time per core. Dask's statistical profiler (a stack sample of
# the running task every 10 ms), its system monitor every 0.5 s and the nanny's memory checks every
# 0.1 s cost CPU the chunks need: in the Sobol study on 2 workers (perf, 2026-12-01), each worker's
# own thread took 5.4% of a core and a thread of the command's process 4.8 s of the 50 s; with these
# settings 3.3% and nothing. The monitors still run, less often.
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def keep_heap() -> None:
    """Give this process the heap settings of `WORKER_MALLOC`, through glibc's `mallopt` (elsewhere: nothing).

    A serial sweep runs in the command's own process, which started with glibc's defaults; with them a
    chunk whose runs share a few seeds ran at 70-80% of the speed it has with these (2026-12-01).
    """
    try:
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # the process's own symbols: libc, no search
    except OSError:  # a platform without a C library to load this way: keep its defaults
        return
    if mallopt is not None:
        mallopt(_M_TRIM_THRESHOLD, WORKER_MALLOC["MALLOC_TRIM_THRESHOLD_"])
        mallopt(_M_MMAP_THRESHOLD, WORKER_MALLOC["MALLOC_MMAP_THRESHOLD_"])


@dataclass(frozen=True)
class ChunkWork:
    """Everything a worker needs to run one chunk (picklable)."""

    index: int
    engine: str
    scenario: Scenario
    run_ids: np.ndarray
    point_ids: np.ndarray
    replicates: np.ndarray
    seeds: np.ndarray
    parameters: dict[str, np.ndarray]  # per-run values, keyed by dotted name
    outcomes: tuple[str, ...]


class ChunkRows(Mapping[int, int]):
    """Rows (runs) in each chunk, computed when asked: no table of every chunk is held."""

    def __init__(self, n_runs: int, chunk_runs: int) -> None:
        """The chunks of `n_runs` runs, `chunk_runs` a chunk."""
        self.n_runs, self.chunk_runs = n_runs, chunk_runs
        self.n_chunks = -(-n_runs // chunk_runs)

    def __getitem__(self, index: int) -> int:
        """Runs in chunk `index` (a KeyError for no such chunk)."""
        if not isinstance(index, int | np.integer) or not 0 <= index < self.n_chunks:
            raise KeyError(index)
        return min(self.chunk_runs, self.n_runs - int(index) * self.chunk_runs)

    def __iter__(self) -> Iterator[int]:
        """The chunk indices, in order."""
        return iter(range(self.n_chunks))

    def __len__(self) -> int:
        """The number of chunks."""
        return self.n_chunks


@dataclass(frozen=True)
class SweepPlan:
    """A sweep made concrete: its design (read a block at a time), engine and chunks."""

    config: SweepConfig
    design: Design
    engine: str
    chunk_runs: int

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return self.design.n_points

    @property
    def n_runs(self) -> int:
        """Number of runs: design points x replicates."""
        return self.design.n_points * self.config.replicates

    @property
    def n_chunks(self) -> int:
        """Number of chunks."""
        return -(-self.n_runs // self.chunk_runs)

    def chunk_rows(self) -> ChunkRows:
        """Rows (runs) in each chunk (a mapping, computed when asked)."""
        return ChunkRows(self.n_runs, self.chunk_runs)

    def work(self, index: int) -> ChunkWork:
        """The work of chunk `index` (with only the design points its runs use)."""
        replicates = self.config.replicates
        run_ids = np.arange(index * self.chunk_runs, min((index + 1) * self.chunk_runs, self.n_runs), dtype=np.int64)
        point_ids, replicate = np.divmod(run_ids, replicates)
        seed_index = replicate if self.config.seeds == "common" else run_ids
        first = int(point_ids[0])
        points = self.design.rows(first, int(point_ids[-1]) + 1)
        return ChunkWork(
            index=index,
            engine=self.engine,
            scenario=self.config.scenario,
            run_ids=run_ids,
            point_ids=point_ids,
            replicates=replicate,
            seeds=spawned_seeds(self.config.master_seed, seed_index),
            parameters=self._parameters(points, point_ids - first, replicate),
            outcomes=self.config.outcomes,
        )

    def _parameters(self, points: pd.DataFrame, rows: np.ndarray, replicates: np.ndarray) -> dict[str, np.ndarray]:
        """Per-run values: the design's for the varied parameters, and under a posterior draw r for replicate r."""
        values = {name: points[name].to_numpy()[rows] for name in self.config.parameter_names}
        if self.config.posterior is not None:
            values |= self.config.posterior.batch(replicates, leave_out=tuple(self.config.parameter_names))
        return values

    def identity(self) -> dict[str, Any]:
        """What a results directory must match to receive this sweep."""
        return {"config_hash": self.config.config_hash(), "engine": self.engine, "chunk_runs": self.chunk_runs}

    def manifest(self, command: list[str] | None = None) -> dict[str, Any]:
        """The results directory's manifest."""
        return {
            "kind": KIND,
            **self.identity(),
            "sweep": self.config.resolved(),
            "problem": salib_problem(self.config),
            "n_points": self.n_points,
            "n_runs": self.n_runs,
            "n_chunks": self.n_chunks,
            "versions": versions(),
            "git": git_commit(),
            "created": utc_now(),
            "command": command,
        }


def plan_sweep(config: SweepConfig, engine: str = "ensemble") -> SweepPlan:
    """Fix the chunks and the design: a full factorial is made later a block at a time, SALib's designs now, whole.

    Check the sweep's size first (`experiments.sweep_size`): sampling a design whole takes
    memory in proportion to its points.
    """
    if engine not in ENGINES:
        raise ConfigError("--engine", None, f"{engine!r} is not an engine; allowed: {', '.join(ENGINES)}")
    return SweepPlan(config, Design(config), engine, config.chunk_runs or default_chunk_runs(engine))


def default_chunk_runs(engine: str) -> int:
    """Runs per chunk when the sweep does not say: fixed by the sweep, never by the workers."""
    return MESA_CHUNK_RUNS if engine == "mesa" else ENSEMBLE_CHUNK_RUNS


def run_chunk(work: ChunkWork) -> pd.DataFrame:
    """One row per run of the chunk: ids, seed, parameters and the kept outcomes."""
    if work.engine == "ensemble":
        columns = run_ensemble(work.scenario, work.seeds, work.parameters).outcomes(work.outcomes)
    else:
        columns = _mesa_outcomes(work)
    frame = pd.DataFrame(
        {"run_id": work.run_ids, "point_id": work.point_ids, "replicate": work.replicates, "seed": work.seeds}
    )
    for name, values in work.parameters.items():
        frame[name] = values
    for name in work.outcomes:
        frame[name] = columns[name]
    return frame


def _mesa_outcomes(work: ChunkWork) -> dict[str, np.ndarray]:
    runs = []
    for position, seed in enumerate(work.seeds):
        overrides = {name: values[position].item() for name, values in work.parameters.items()}
        runs.append(CaucasusModel(work.scenario, rng=int(seed), **overrides).run().outcome_table())
    return {name: np.concatenate([run[name] for run in runs]) for name in runs[0]}


@dataclass(frozen=True)
class SweepReport:
    """What one invocation of a sweep did."""

    n_runs: int
    runs_done_before: int
    runs_run: int
    seconds: float
    backend: str

    @property
    def runs_per_second(self) -> float:
        """Throughput of this invocation."""
        return self.runs_run / self.seconds if self.seconds > 0 else float("nan")


def execute(
    plan: SweepPlan,
    store: SweepStore,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    command: list[str] | None = None,
    progress: bool | None = None,
    statement: str | None = None,
) -> SweepReport:
    """Run the chunks not yet on disk and write each as it arrives.

    Args:
        plan: the sweep.
        store: its results directory (checked: a different sweep there is refused).
        workers: start a local Dask cluster of this many single-threaded worker processes.
        scheduler: the address of an existing Dask scheduler (tcp://host:port) instead.
        command: the command line, for the manifest.
        progress: show a progress bar (default: when stderr is a terminal).
        statement: printed on stderr once the backend is up and the directory initialised,
            before the first chunk (the sweep's size, `experiments.sweep_size`).
    """
    store.check_compatible(plan.identity())  # a mistake is refused before anything is written
    with store.locked():  # no other command writes into DIR until this one ends (exit 2 naming it)
        return _execute_locked(plan, store, workers, scheduler, command, progress, statement)


def _execute_locked(
    plan: SweepPlan,
    store: SweepStore,
    workers: int | None,
    scheduler: str | None,
    command: list[str] | None,
    progress: bool | None,
    statement: str | None = None,
) -> SweepReport:
    store.check_compatible(plan.identity())  # again, holding the lock: another command may have written since
    with _backend(workers, scheduler, plan.config.scenario) as (submit_all, backend):  # connects before any write
        store.initialise(plan.manifest(command), plan.design)  # the design a block at a time
        if statement:  # after every check and the first write: a mistake or a failure is one paragraph alone
            print(statement, file=sys.stderr, flush=True)
        rows = plan.chunk_rows()
        done = store.done_chunks(rows)  # read once (the list of chunks is not held: a sweep may have millions)
        todo = (i for i in range(plan.n_chunks) if i not in done)
        done_before = sum(rows[i] for i in done)
        provenance = {"config_hash": plan.config.config_hash(), "engine": plan.engine, "versions": versions()}
        started = time.perf_counter()
        show = sys.stderr.isatty() if progress is None else progress
        size = shutil.get_terminal_size((100, 24))  # a terminal that reports no size (0 x 0) hides the bar
        with tqdm(
            total=plan.n_runs,
            initial=done_before,
            unit="run",
            disable=not show,
            smoothing=0.1,
            ncols=size.columns,
            nrows=size.lines,
        ) as bar:
            for work, frame in submit_all(plan.work(i) for i in todo):
                store.write_chunk(work.index, frame, provenance | {"chunk": work.index})
                bar.update(len(frame))
        seconds = time.perf_counter() - started
    report = SweepReport(plan.n_runs, done_before, plan.n_runs - done_before, seconds, backend)
    store.mark_complete(
        {
            "n_runs": plan.n_runs,
            "runs_run_last": report.runs_run,
            "seconds_last": round(seconds, 3),
            "runs_per_second_last": round(report.runs_per_second, 1),
            "backend_last": backend,
            "finished": utc_now(),
        }
    )
    return report


Runner = Callable[[Iterator[ChunkWork]], Iterator[tuple[ChunkWork, pd.DataFrame]]]


@contextmanager
def _backend(workers: int | None, scheduler: str | None, scenario: Scenario) -> Iterator[tuple[Runner, str]]:
    """A function running chunks (yielding them as they finish) and the backend's name, its processes warmed up."""
    if scheduler is None and workers is None:
        keep_heap()
        warm_up(scenario)
        yield (lambda works: ((work, run_chunk(work)) for work in works)), "serial"
        return
    with dask_client(workers, scheduler) as (client, name):
        client.run(warm_up, scenario)  # every worker, before the first chunk
        slots = 2 * max(1, len(client.scheduler_info().get("workers", {})))
        yield (lambda works: _dask_results(client, works, slots)), name


def warm_up(scenario: Scenario) -> None:
    """Load the model and its compiled kernels in this process: a day of two runs of `scenario`.

    Part of starting the backend, like starting its workers: a worker's first chunk would
    otherwise spend its first seconds importing the model and loading its kernels from numba's
    cache (about 2.5 s of the Sobol study's, measured with perf), in the sweep's time and its
    progress bar's rate.
    """
    Simulation(scenario, [0, 1]).run_day()


@contextmanager
def dask_client(workers: int | None, scheduler: str | None) -> Iterator[tuple[Any, str]]:
    """A Dask client of a LocalCluster of `workers` processes, or of the scheduler at `scheduler`, and its name.

    Giving both, a number of workers this machine cannot run, or an address where no scheduler
    answers is a ConfigError (the user's input).
    """
    if workers is not None and scheduler is not None:
        raise ConfigError("--workers", None, "give --workers or --scheduler, not both")
    check_workers(workers)
    import dask
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is not None:
        client = _connect(Client, scheduler)
        name = f"dask scheduler {scheduler}"
    else:
        environ = dask.config.get("distributed.nanny.pre-spawn-environ", {}) | WORKER_MALLOC
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ, **QUIET_WORKERS}):
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        client = Client(cluster)
        name = f"dask LocalCluster({workers} workers)"
    try:
        yield client, name
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def check_workers(workers: int | None) -> None:
    """Refuse (ConfigError at --workers) fewer than 1 or more worker processes than this machine has cores.

    More processes than cores only share the cores (each run takes as long, the sweep no less)
    and take a worker's memory each; a larger cluster is `--scheduler`'s.
    """
    cores = os.cpu_count() or 1
    if workers is not None and not 1 <= workers <= cores:
        raise ConfigError(
            "--workers",
            None,
            f"{workers} is out of range; allowed: 1 to {cores} worker processes (this machine's cores, "
            "os.cpu_count()); for more, start a Dask cluster and give --scheduler",
        )


def _connect(client_type: type, address: str) -> Any:
    """A client of the Dask scheduler at `address`, the user's input: a ConfigError if none answers.

    A malformed address, one where nothing listens and one where something else answers are
    refused alike, within SCHEDULER_TIMEOUT_S: Dask's own client waits forever on a peer that
    accepts the connection but never answers, and fails with any error (even a MemoryError) on
    one that answers something else, so the address is first tried with a deadline of our own.
    """
    try:
        _handshake(address)
        return client_type(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
    except Exception as error:  # whatever fails here, no usable scheduler is at that address
        reason = str(error) or type(error).__name__
        raise ConfigError(
            "--scheduler",
            None,
            f"no Dask scheduler answered at {address} within {SCHEDULER_TIMEOUT_S} s ({reason}); start one "
            "(`dask scheduler`, then `dask worker ADDRESS` where the project is installed) or use --workers N",
        ) from None


def _handshake(address: str) -> None:
    """Open a Dask connection to `address` and exchange handshakes, all within SCHEDULER_TIMEOUT_S."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect

    async def handshake() -> None:
        try:  # connect() gives up connecting after the timeout (an OSError) but waits on the handshake
            comm = await asyncio.wait_for(connect(address, timeout=SCHEDULER_TIMEOUT_S), SCHEDULER_TIMEOUT_S + 2)
        except TimeoutError:
            raise TimeoutError("it accepted the connection but never answered Dask's handshake") from None
        await comm.close()

    with ThreadPoolExecutor(1) as thread:  # its own event loop, even if the caller runs one
        thread.submit(asyncio.run, handshake()).result()


def _dask_results(client: Any, works: Iterator[ChunkWork], slots: int) -> Iterator[tuple[ChunkWork, pd.DataFrame]]:
    """Keep `slots` chunks in flight; yield each as it finishes (memory stays flat)."""
    from dask.distributed import as_completed

    pending = {}
    finished = as_completed()
    for work in works:
        future = client.submit(run_chunk, work, pure=False)
        pending[future.key] = work
        finished.add(future)
        if finished.count() >= slots:
            yield from _collect_one(finished, pending)
    while finished.count():
        yield from _collect_one(finished, pending)


def _collect_one(finished: Any, pending: dict) -> Iterator[tuple[ChunkWork, pd.DataFrame]]:
    future = next(finished)
    work = pending.pop(future.key)
    yield work, future.result()
