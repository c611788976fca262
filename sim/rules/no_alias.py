"""A numba compiler pipeline that tells LLVM a kernel's array arguments do not overlap.

numba passes each array to a compiled function as its own data pointer. Without word that two
such pointers never overlap, LLVM must assume a store through one may change what another
reads, and compiles a loop over eight elements that reads five arrays and writes two as scalar
code. `NoAliasCompiler` runs numba's own nopython pipeline with its `noalias` flag set, which
marks every pointer argument `noalias` (numba's option exists but its `jit` does not expose it),
so such loops become vector loops. The promise is the caller's: no array a kernel so compiled
writes may share memory with any other of its arguments (`sim.core.Simulation` checks this of
the fused day's arrays when it makes them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba.core.compiler import CompilerBase, DefaultPassBuilder
from numba.core.compiler_machinery import FunctionPass, register_pass
from numba.core.untyped_passes import TranslateByteCode


@register_pass(mutates_CFG=False, analysis_only=True)
class _ArraysDoNotOverlap(FunctionPass):
    """Set the compilation's `noalias` flag (read when the function's arguments are lowered)."""

    _name = "arrays_do_not_overlap"

    def __init__(self) -> None:
        FunctionPass.__init__(self)

    def run_pass(self, state) -> bool:
        state.flags.noalias = True
        return False


class NoAliasCompiler(CompilerBase):
    """The nopython pipeline of numba, its array arguments marked `noalias`."""

    def define_pipelines(self):
        """The nopython pipeline of numba with `_ArraysDoNotOverlap` after the bytecode is read."""
        passes = DefaultPassBuilder.define_nopython_pipeline(self.state)
        passes.add_pass_after(_ArraysDoNotOverlap, TranslateByteCode)
        passes.finalize()
        return [passes]


def arrays_of(*values: Any) -> list[np.ndarray]:
    """Every array in `values`, tuples (named or not) opened."""
    arrays: list[np.ndarray] = []
    for value in values:
        if isinstance(value, np.ndarray):
            arrays.append(value)
        elif isinstance(value, tuple):
            arrays.extend(arrays_of(*value))
    return arrays


def check_no_overlap(written: list[np.ndarray], others: list[np.ndarray]) -> None:
    """Raise ValueError if an array a kernel writes may share memory with another of its arguments.

    numpy's bounds test (`np.may_share_memory`): a false alarm is possible, an overlap never missed.
    """
    everything = written + others
    for position, array in enumerate(written):
        for other in everything[position + 1 :]:
            if array.size and other.size and np.may_share_memory(array, other):
                raise ValueError("an array the fused day writes overlaps another of its arrays (sim.rules.no_alias)")
