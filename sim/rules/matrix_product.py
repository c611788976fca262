"""Matrix products in compiled kernels that give numpy's numbers bit for bit: chains of fused multiply-adds.

numpy hands an n x n product to OpenBLAS, whose kernels accumulate each entry (i, j) as the chain
fma(left[i, k], right[k, j], sum) over k in order, from zero, each step rounded once. `product`
computes exactly that (tested against numpy in `tests/test_fused.py`). For the model's eight
actors it works on whole rows at once: `_product_8x8` multiplies a broadcast left[i, k] into the
row right[k, :] as one 8-wide vector fused multiply-add, the same chain in every lane, so the
numbers are the scalar chain's and the work is an eighth (measured 2026-12-01: 88 ns a product
scalar, 29 ns so). The kernels are compiled for the machine they run on: where it has no 8-wide
vectors, LLVM splits each into narrower ones, lane for lane the same arithmetic.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from sim.rules.batch import inline_step_kernel

_ROW = 8  # the rows `_product_8x8` works on: the model's eight actors (`sim.actors.N_ACTORS`)


@intrinsic
def fused_multiply_add(typingctx, a, b, c):
    """The IEEE fused multiply-add a x b + c (rounded once), as BLAS kernels compute their sums of products."""
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, sig, args):
        return builder.fma(*args)

    return signature, codegen


@inline_step_kernel
def product(left, right, out):
    """Set out = left @ right for n x n C-contiguous float matrices, each entry the chain of fused multiply-adds."""
    n = out.shape[0]
    if n == _ROW:
        _product_8x8(left, right, out)
        return
    for i in range(n):
        for j in range(n):
            out[i, j] = 0.0
        for k in range(n):
            factor = left[i, k]
            for j in range(n):
                out[i, j] = fused_multiply_add(factor, right[k, j], out[i, j])


def _is_c_matrix(value) -> bool:
    return isinstance(value, types.Array) and value.ndim == 2 and value.layout == "C" and value.dtype == types.float64


@intrinsic
def _product_8x8(typingctx, left, right, out):
    """The product of 8 x 8 C-contiguous float matrices, a row at a time in 8-wide vector fused multiply-adds."""
    if not all(_is_c_matrix(value) for value in (left, right, out)):
        return None
    signature = types.void(left, right, out)

    def codegen(context, builder, sig, args):
        left_, right_, out_ = (
            context.make_array(kind)(context, builder, a) for kind, a in zip(sig.args, args, strict=True)
        )
        row = ir.VectorType(ir.DoubleType(), _ROW)
        fma = _declared(builder.module, f"llvm.fma.v{_ROW}f64", ir.FunctionType(row, [row, row, row]))
        rows = [builder.load(_row_pointer(builder, right_.data, k, row), align=8) for k in range(_ROW)]
        unset = ir.Constant(row, ir.Undefined)
        lane, every_lane = ir.IntType(32), ir.Constant(ir.VectorType(ir.IntType(32), _ROW), [0] * _ROW)
        for i in range(_ROW):
            total = ir.Constant(row, [0.0] * _ROW)
            for k in range(_ROW):
                factor = builder.load(builder.gep(left_.data, [ir.Constant(ir.IntType(64), _ROW * i + k)]))
                broadcast = builder.shuffle_vector(
                    builder.insert_element(unset, factor, ir.Constant(lane, 0)), unset, every_lane
                )
                total = builder.call(fma, [broadcast, rows[k], total])
            builder.store(total, _row_pointer(builder, out_.data, i, row), align=8)
        return context.get_dummy_value()

    return signature, codegen


def _row_pointer(builder, data, index: int, row: ir.VectorType):
    """A pointer to row `index` of an 8-column matrix of doubles, as one vector."""
    return builder.bitcast(builder.gep(data, [ir.Constant(ir.IntType(64), _ROW * index)]), row.as_pointer())


def _declared(module, name: str, signature: ir.FunctionType):
    """The LLVM intrinsic `name`, declared in `module` once."""
    return module.globals.get(name) or ir.Function(module, signature, name=name)
