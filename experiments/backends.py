"""Where a sweep's chunks and a calibration's batches are computed: local worker processes or a Dask cluster.

`--workers N` starts N worker processes on this machine (`LocalProcesses`, the standard library's
process pool); `--scheduler ADDRESS` sends the work to the Dask scheduler there (`DaskCluster`).
Both take tasks with `submit` and give futures with `result`, `done` and `cancel`; a task's
result depends only on its arguments, so the numbers are the same on either, and serially.

Local workers are plain processes rather than a local Dask cluster. A sweep on a few cores is
bound by the CPU, and a `LocalCluster` spends some of it apart from the runs: its scheduler lives
in the command's own process and every worker runs an event loop beside its task. Measured
2026-12-01 on 2 cores, the Sobol study of `configs/sweeps/sobol_10_parameters.toml` took
36.1-43.1 s of sweep time on a 2-worker `LocalCluster` and 31.0-31.1 s on 2 processes, the same
kernels within the hour (README, "Measured"); over the sweep the cluster's scheduler and the
command's main thread took about 7 s of CPU, the workers' event loops about 2 s each.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from sim.errors import ConfigError, MachineError

SCHEDULER_TIMEOUT_S = 10
# glibc's heap settings for the processes that run the model. Dask sets MALLOC_TRIM_THRESHOLD_=65536
# in its workers: that switches off glibc's dynamic mmap threshold and trims the heap after every
# large free, so each array temporary of the ensemble engine (0.5 MiB for a 1024-run chunk) is
# mapped, faulted in and released afresh, and a worker ran at 60% of the speed of a plain process.
# These keep temporaries on the heap. A Dask cluster's workers need them in their environment
# (README); local workers and a serial run set them for themselves (`keep_heap`).
WORKER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": 64 * 2**20, "MALLOC_TRIM_THRESHOLD_": 256 * 2**20}
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (glibc malloc.h)
# One thread of numerical libraries per worker, as Dask's nannies give theirs: N workers on N
# cores already fill them, and a BLAS thread pool in each would only compete for the same cores.
WORKER_THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def keep_heap() -> None:
    """Give this process the heap settings of `WORKER_MALLOC`, through glibc's `mallopt` (elsewhere: nothing).

    A process that started with glibc's defaults ran a chunk whose runs share a few seeds at
    70-80% of the speed it has with these (2026-12-01).
    """
    try:
        mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # the process's own symbols: libc, no search
    except OSError:  # a platform without a C library to load this way: keep its defaults
        return
    if mallopt is not None:
        mallopt(_M_TRIM_THRESHOLD, WORKER_MALLOC["MALLOC_TRIM_THRESHOLD_"])
        mallopt(_M_MMAP_THRESHOLD, WORKER_MALLOC["MALLOC_MMAP_THRESHOLD_"])


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


class LocalProcesses:
    """`workers` processes on this machine, each started (and set up by `start`) before the first task."""

    def __init__(self, workers: int, start: Callable[..., None] = keep_heap, *start_args: Any):
        """Start the processes: each runs `start(*start_args)` first (by default `keep_heap`)."""
        self.workers = workers
        self.name = f"{workers} local worker processes"
        self._pool = ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=start, initargs=start_args
        )
        try:
            with _environment(WORKER_THREADS):  # the processes start here, one per task while none is idle
                for future in [self._pool.submit(os.getpid) for _ in range(workers)]:
                    result_of(future)
        except BaseException:  # a worker that could not start (or Ctrl-C): no process is left behind
            self._pool.shutdown(wait=False, cancel_futures=True)
            raise

    def submit(self, task: Callable[..., Any], *args: Any) -> Future:
        """Run `task(*args)` in a worker; its future."""
        return self._pool.submit(task, *args)

    @staticmethod
    def finished(futures: Collection[Future]) -> set[Future]:
        """The futures among `futures` that have finished, waiting until at least one has."""
        return wait(futures, return_when=FIRST_COMPLETED).done

    def close(self) -> None:
        """Stop the processes; tasks not yet started are cancelled."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskCluster:
    """The workers of the Dask scheduler a `distributed.Client` is connected to."""

    def __init__(self, client: Any, address: str):
        """Compute on `client`'s cluster, whose scheduler is at `address`."""
        self.client = client
        self.name = f"dask scheduler {address}"

    @property
    def workers(self) -> int:
        """The number of the cluster's workers (at least 1)."""
        return max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, task: Callable[..., Any], *args: Any) -> Any:
        """Run `task(*args)` on a worker (never taken from a cache: a task may be sent again); its future."""
        return self.client.submit(task, *args, pure=False)

    @staticmethod
    def finished(futures: Collection[Any]) -> set[Any]:
        """The futures among `futures` that have finished, waiting until at least one has."""
        from distributed import wait as dask_wait

        return set(dask_wait(list(futures), return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        """Disconnect (the cluster itself runs on)."""
        self.client.close()


Backend = LocalProcesses | DaskCluster


@contextmanager
def compute_backend(
    workers: int | None, scheduler: str | None, start: Callable[..., None] = keep_heap, *start_args: Any
) -> Iterator[Backend]:
    """`workers` local processes (each first running `start(*start_args)`), or the Dask cluster at `scheduler`.

    Giving both, a number of workers this machine cannot run, or an address where no scheduler
    answers is a ConfigError (the user's input). On a Dask cluster, `start` runs on every worker
    before the first task.
    """
    if workers is not None and scheduler is not None:
        raise ConfigError("--workers", None, "give --workers or --scheduler, not both")
    if workers is None and scheduler is None:
        raise ValueError("compute_backend needs a number of workers or a scheduler's address")
    check_workers(workers)
    backend: Backend = (
        LocalProcesses(workers, start, *start_args)
        if workers is not None
        else DaskCluster(_connect(scheduler), scheduler)
    )
    try:
        if isinstance(backend, DaskCluster):
            backend.client.run(start, *start_args)  # inside: a failure here still disconnects
        yield backend
    finally:
        backend.close()


def results(
    backend: Backend, task: Callable[[Any], Any], inputs: Iterator[Any], slots: int
) -> Iterator[tuple[Any, Any]]:
    """(input, task(input)) for each input as it finishes, with at most `slots` tasks in flight (memory stays flat)."""
    pending: dict[Any, Any] = {}
    for value in inputs:
        pending[backend.submit(task, value)] = value
        if len(pending) >= slots:
            yield from _collect(backend, pending)
    while pending:
        yield from _collect(backend, pending)


def _collect(backend: Backend, pending: dict[Any, Any]) -> Iterator[tuple[Any, Any]]:
    """The finished tasks of `pending` (at least one, waiting for it), removed from it."""
    for future in backend.finished(pending):
        yield pending.pop(future), result_of(future)


def result_of(future: Any) -> Any:
    """A task's result (waiting for it); a MachineError if a local worker process died or could not start.

    A worker dies when the system kills it (out of memory, `kill -9`); the work already written
    stays, and rerunning the command goes on from it.
    """
    try:
        return future.result()
    except BrokenProcessPool:
        raise MachineError(
            "--workers",
            "finish the work",
            "a worker process died, killed by the system (out of memory?) or by a signal, or could not "
            "start; what was written is kept: run the command again to go on from it",
        ) from None


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """These environment variables set for the block (the processes started in it inherit them)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _connect(address: str) -> Any:
    """A client of the Dask scheduler at `address`, the user's input: a ConfigError if none answers.

    A malformed address, one where nothing listens and one where something else answers are
    refused alike, within SCHEDULER_TIMEOUT_S: Dask's own client waits forever on a peer that
    accepts the connection but never answers, and fails with any error (even a MemoryError) on
    one that answers something else, so the address is first tried with a deadline of our own.
    """
    from distributed import Client

    try:
        _handshake(address)
        return Client(address, timeout=f"{SCHEDULER_TIMEOUT_S}s")
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
