"""Where chunks and batches are computed (`experiments.backends`): real local worker processes, checked inputs."""

from __future__ import annotations

import os

import pytest

from experiments.backends import WORKER_THREADS, LocalProcesses, compute_backend, results
from sim.errors import ConfigError, MachineError


def _environment_of_worker(name: str) -> tuple[int, str | None]:
    return os.getpid(), os.environ.get(name)


def _square(value: int) -> int:
    return value * value


def _cannot_start() -> None:
    raise RuntimeError("this worker cannot start")


def test_local_workers_start_before_the_first_task_with_one_numerical_thread_each(monkeypatch):
    """Every process is up when the backend is (its start function run), the parent's environment left as it was."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    backend = LocalProcesses(2)
    try:
        assert len(backend._pool._processes) == 2  # both started, before any task of ours
        answers = [backend.submit(_environment_of_worker, "OPENBLAS_NUM_THREADS").result() for _ in range(4)]
    finally:
        backend.close()
    assert {value for _, value in answers} == {WORKER_THREADS["OPENBLAS_NUM_THREADS"]}
    assert all(pid != os.getpid() for pid, _ in answers)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7"  # the command's own process keeps its setting


def test_results_pair_every_input_with_its_answer_whatever_order_they_finish_in():
    with compute_backend(2, None) as backend:
        answered = dict(results(backend, _square, iter(range(20)), slots=3))
    assert answered == {value: value * value for value in range(20)}
    assert backend.name == "2 local worker processes"


def test_both_workers_and_a_scheduler_are_refused():
    with pytest.raises(ConfigError, match="not both"), compute_backend(2, "tcp://127.0.0.1:1"):
        pass


def test_workers_that_cannot_start_are_the_machines_failure_and_leave_no_process():
    import psutil

    with pytest.raises(MachineError, match="could not start"):
        LocalProcesses(2, _cannot_start)
    _, alive = psutil.wait_procs(
        [child for child in psutil.Process().children() if "spawn_main" in " ".join(child.cmdline())], timeout=10
    )
    assert not alive
