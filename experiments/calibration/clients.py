"""Where ELFI computes its batches: in this process, on local worker processes or on a Dask cluster.

ELFI sends each batch (its parameter vectors, the simulator, the summaries and the distance) to
a client. Its own Dask client always starts a fresh local cluster and replaces ELFI's default
client when imported, so this module gives ELFI a client over the backend the command line has
made (`experiments.backends`): `--workers N` local processes, or the Dask scheduler at `--scheduler`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import elfi.client

from experiments.backends import Backend, compute_backend, result_of


class BackendBatches(elfi.client.ClientBase):
    """An ELFI client computing batches on a backend's workers (`experiments.backends`)."""

    def __init__(self, backend: Backend):
        """Compute on `backend`'s workers (one batch per worker at a time)."""
        self.backend = backend
        self.tasks: dict[int, Any] = {}
        self._ids = itertools.count()

    def apply(self, kallable, *args, **kwargs) -> int:
        """Submit `kallable(*args, **kwargs)` and return its task id at once."""
        task_id = next(self._ids)
        self.tasks[task_id] = self.backend.submit(functools.partial(kallable, **kwargs), *args)
        return task_id

    def apply_sync(self, kallable, *args, **kwargs):
        """Call `kallable(*args, **kwargs)` here and return its result."""
        return kallable(*args, **kwargs)

    def get_result(self, task_id: int):
        """The task's result, waiting for it."""
        return result_of(self.tasks.pop(task_id))

    def is_ready(self, task_id: int) -> bool:
        """Whether the task has finished."""
        return self.tasks[task_id].done()

    def remove_task(self, task_id: int) -> None:
        """Forget the task, cancelling it if it still runs."""
        future = self.tasks.pop(task_id, None)
        if future is not None and not future.done():
            future.cancel()

    def reset(self) -> None:
        """Cancel every pending task."""
        for task_id in list(self.tasks):
            self.remove_task(task_id)

    @property
    def num_cores(self) -> int:
        """The number of the backend's workers (at least 1)."""
        return self.backend.workers


@contextmanager
def elfi_client(workers: int | None, scheduler: str | None) -> Iterator[tuple[elfi.client.ClientBase, str]]:
    """ELFI's client for the run (set as ELFI's current client for the block) and the backend's name."""
    from elfi.clients.native import Client as NativeClient

    previous = elfi.client.get_client()
    try:
        if workers is None and scheduler is None:
            client = NativeClient()
            elfi.client.set_client(client)
            yield client, "serial"
            return
        with compute_backend(workers, scheduler) as backend:
            client = BackendBatches(backend)
            elfi.client.set_client(client)
            yield client, backend.name
    finally:
        elfi.client.set_client(previous)
