"""Rules over batches of runs: compiled kernels that loop over a run axis; some runs of a batch.

Rule inputs, events and state carry leading batch axes only where they vary from run to run;
an input shared by all runs keeps its unbatched ("core") shape.

The rules' arithmetic is written once, as numba-compiled kernels that loop over a run axis
(`on_runs` flattens the batch axes into it); the Mesa model calls them on one run, the
ensemble engine on thousands. A kernel sees every argument as [runs or 1, *core]: 1 where the
argument is shared by all runs, which `at` and `row` resolve: `row(values, r)` is run r's
entry (a number, or a view), `values[at(values, r), i, j]` reads it without making a view,
whose reference counting adds up in the kernels that read many arrays. Kernels are compiled
on first use and cached on disk (numba's `cache=True`), so only the first process on a machine
pays for it. Numba checks a cached kernel only against its own source file, not against the
functions it inlines from other files (the random stream of `stream`, say) nor the arrays it
froze in; so the cache lives in a directory named after a hash of every source of `sim.rules`
(`sim/rules/__pycache__/numba-<hash>/`), and any change to a rule compiles everything afresh.
A `NUMBA_CACHE_DIR` set in the environment is left as it is.

`runs_of` takes the given runs of a batched array and passes a shared one through, so a rule
applied to the result sees exactly what it would have seen on the whole batch, for those runs.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np

from sim.rules.no_alias import NoAliasCompiler


def _cache_by_source() -> None:
    """Point numba's on-disk cache at a directory named after a hash of the rules' sources."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    rules = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted(rules.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    numba.config.CACHE_DIR = str(rules / "__pycache__" / f"numba-{digest.hexdigest()[:16]}")


_cache_by_source()  # before any kernel of sim.rules is defined (they all import this module first)

kernel = numba.njit(cache=True)
"""Decorator of the rules' compiled kernels (no fastmath: IEEE arithmetic in the written order)."""

_STEP_OPTIONS = {"cache": True, "_nrt": False, "error_model": "numpy"}
"""numba's options for the fused day's passes (`sim.rules.fused`) and what they compile into themselves.
Without numba's reference counting (NRT): they allocate nothing (their working arrays are passed
in), and counting the references of every array handed from a pass to its steps took about half
their time (`perf`: 45% of a batch's samples in NRT_incref and NRT_decref's atomic additions).
numpy's error model: a division by zero gives inf or nan, as in numpy's rule-by-rule reference,
with no branch."""

pass_kernel = numba.njit(**_STEP_OPTIONS, pipeline_class=NoAliasCompiler)
"""Decorator of the fused day's two passes (`_STEP_OPTIONS`), their array arguments declared not to
overlap (`sim.rules.no_alias`): none they write shares memory with another."""

inline_step_kernel = numba.njit(**_STEP_OPTIONS, inline="always")
"""Decorator of a kernel with `_STEP_OPTIONS` that the passes compile into themselves (a matrix product)."""

inline_kernel = numba.njit(cache=True, inline="always")
"""Decorator of a kernel that the kernels calling it compile into themselves: a small formula read per
element, or a step of the fused day (`sim.rules.fused`), where a call would cost more than the work."""


@numba.njit(cache=True, inline="always")
def at(values: np.ndarray, run: int) -> int:
    """Where run `run`'s entry of a kernel argument is: `run`, or 0 if the argument is shared by all runs."""
    return run if values.shape[0] > 1 else 0


@numba.njit(cache=True, inline="always")
def row(values: np.ndarray, run: int) -> Any:
    """Run `run`'s entry of a kernel argument: values[at(values, run)] (a number or a view)."""
    return values[at(values, run)]


def on_runs(rule_kernel: Callable[..., Any], *arguments: tuple[Any, int]) -> Any:
    """Call a compiled rule kernel on every run of the arguments' common batch shape.

    Each argument is a pair (value, number of core axes): a scalar parameter has 0, a
    per-actor vector 1, a matrix 2; any leading axes are batch axes. Each value reaches the
    kernel as a [runs, *core] array, or [1, *core] when it is shared by all runs; each
    [runs, *core] array the kernel returns comes back with the batch axes restored. The
    kernel is called as `rule_kernel(runs, *arguments)`.
    """
    values = [np.asarray(value) for value, _ in arguments]
    batch = ()
    for value, (_, core) in zip(values, arguments, strict=True):
        shape = value.shape[: value.ndim - core]
        if shape and shape != batch:
            batch = np.broadcast_shapes(batch, shape) if batch else shape
    flat = [_flatten(value, core, batch) for value, (_, core) in zip(values, arguments, strict=True)]
    result = rule_kernel(math.prod(batch), *flat)
    if isinstance(result, tuple):
        return tuple(_unflatten(part, batch) for part in result)
    return _unflatten(result, batch)


def _flatten(value: np.ndarray, core: int, batch: tuple[int, ...]) -> np.ndarray:
    """`value` as [runs, *core] (its own batch is `batch`) or [1, *core] (shared)."""
    if value.ndim == core:
        return value[None]
    if len(batch) == 1 and value.shape[0] == batch[0]:
        return value
    core_shape = value.shape[value.ndim - core :]
    return np.ascontiguousarray(np.broadcast_to(value, (*batch, *core_shape))).reshape(-1, *core_shape)


def _unflatten(result: np.ndarray, batch: tuple[int, ...]) -> np.ndarray:
    if not batch:
        return result[0]
    return result if len(batch) == 1 else result.reshape(*batch, *result.shape[1:])


def runs_of(values: np.ndarray | float, runs: np.ndarray, unbatched_ndim: int) -> np.ndarray | float:
    """`values[runs]` if `values` has a batch axis (more than `unbatched_ndim` axes), else `values`."""
    return values[runs] if np.ndim(values) > unbatched_ndim else values
