"""Running a sweep: its runs, their seeds, chunks, engines and backends.

Run ids are `point_id x replicates + replicate`, in design order. A run's seed is spawned from
the master seed (`numpy.random.SeedSequence(master, spawn_key=(i,))`), with i the replicate
(`seeds = "common"`: common random numbers across design points) or the run id
(`"independent"`). Runs are grouped into chunks of consecutive run ids, fixed by the sweep
(not by the workers), and a chunk's rows depend only on its runs: serially, on local worker
processes or on a Dask cluster (`experiments.backends`), the dataset is the same.

Engines: `ensemble` runs a whole chunk at once along a batch axis (`sim.ensemble`); `mesa`
runs each `CaucasusModel` in turn (the reference).
"""

from __future__ import annotations

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

from experiments.backends import compute_backend, keep_heap, results
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
    ids = {"run_id": work.run_ids, "point_id": work.point_ids, "replicate": work.replicates, "seed": work.seeds}
    return pd.DataFrame(ids | work.parameters | {name: columns[name] for name in work.outcomes})


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
        workers: start this many worker processes on this machine (`experiments.backends`).
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
        start_worker(scenario)
        yield (lambda works: ((work, run_chunk(work)) for work in works)), "serial"
        return
    with compute_backend(workers, scheduler, start_worker, scenario) as backend:
        slots = 2 * backend.workers  # one chunk running and one waiting on each worker
        yield (lambda works: results(backend, run_chunk, works, slots)), backend.name


def start_worker(scenario: Scenario) -> None:
    """Ready a process to run chunks of `scenario`: glibc's heap settings (`keep_heap`), then `warm_up`."""
    keep_heap()
    warm_up(scenario)


def warm_up(scenario: Scenario) -> None:
    """Load the model and its compiled kernels in this process: a day of two runs of `scenario`.

    Part of starting the backend, like starting its workers: a worker's first chunk would
    otherwise spend its first seconds importing the model and loading its kernels from numba's
    cache (about 2.5 s of the Sobol study's, measured with perf), in the sweep's time and its
    progress bar's rate.
    """
    Simulation(scenario, [0, 1]).run_day()
