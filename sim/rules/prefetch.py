"""Software prefetch of a run's arrays: `ahead(array, r)` asks the cache for run r's part of a [runs, ...] array.

LLVM's `llvm.prefetch` (read, keep in all levels, data), one per cache line of the run's block;
the processor may ignore it, and a prefetch never faults, so it changes no number and no
behaviour, only when memory is read (`sim.rules.fused.open_day` asks for the next run's state).
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from sim.rules.batch import inline_kernel

LINE = 64  # bytes in a cache line (x86-64, arm64's are 64 or 128: a hint either way)


@intrinsic
def _prefetch(typingctx, array, r, offset):
    """llvm.prefetch (read, high locality, data) of byte `offset` of run r's part of `array`."""
    if not isinstance(array, types.Array):
        return None
    signature = types.void(array, r, offset)

    def codegen(context, builder, sig, args):
        values = context.make_array(sig.args[0])(context, builder, args[0])
        stride = builder.extract_value(values.strides, 0)
        start = builder.add(builder.mul(args[1], stride), args[2])
        byte = ir.IntType(8).as_pointer()
        address = builder.gep(builder.bitcast(values.data, byte), [start])
        i32 = ir.IntType(32)
        fn = builder.module.globals.get("llvm.prefetch.p0i8") or ir.Function(
            builder.module, ir.FunctionType(ir.VoidType(), [byte, i32, i32, i32]), name="llvm.prefetch.p0i8"
        )
        builder.call(fn, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return signature, codegen


@inline_kernel
def ahead(array, r):
    """Prefetch run r's part of a [runs, ...] C-contiguous array (nothing past the last run)."""
    if r < array.shape[0]:
        for offset in range(0, array.strides[0], LINE):
            _prefetch(array, r, offset)
