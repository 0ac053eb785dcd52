//===- RowKernel.h - Normalizations computed a warp per row -----*- C++ -*-===//
//
// A softmax (a row's max, the exponentials, their sum, the quotients) or a
// LayerNorm (the mean, the centred values, their variance, the normalized
// values) is a chain of reductions over the innermost loop of a row and of
// elementwise ops over the row or over its reduced values. Each of those
// ops was a kernel of its own, the row going through memory between them.
// A row group is such a chain computed by one kernel: a warp per row (a
// whole block of kThreadsPerBlock threads for rows longer than
// kMaxWarpRowLength), thread t of the row's T holding the row's elements
// t, t + T, t + 2 T, ... in registers from the op that computes them to
// the last that reads them. A reduction folds each thread's elements in
// order from its neutral value, then the lanes' values in a butterfly of
// shuffles (every lane gets its warp's total); where a row has several
// warps, lane 0 of each stores its warp's total into workgroup memory and,
// after a barrier, every thread folds them in warp order. The total goes
// into the value of the fill that starts the reduction: for rows of up to
// 256 elements the order of the block reductions the ops had before, bit
// for bit. Only the values something after the group reads are stored.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_GPU_ROWKERNEL_H
#define KILN_CODEGEN_GPU_ROWKERNEL_H

#include "codegen/gpu/Mapping.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::gpu {

/// The rows a group takes: at least a warp's elements (shorter rows would
/// leave lanes idle; one thread a row folds them), at most 32 a thread.
/// Rows of up to kMaxWarpRowLength get a warp each, longer ones a block.
inline constexpr int64_t kElementsPerThread = 32;
inline constexpr int64_t kMinRowLength = kWarpSize;
inline constexpr int64_t kMaxWarpRowLength = kElementsPerThread * kWarpSize;
inline constexpr int64_t kMaxRowLength = kElementsPerThread * kThreadsPerBlock;

/// On tensors: marks the row groups of `func`, ops outside scf.forall that
/// `excluded` does not name. A group starts at a reduction over the last
/// of its loops (all others parallel, a row of kMinRowLength to
/// kMaxRowLength elements, its result at the other loops, its body a block
/// reduction's: matchBlockReduction, of 32-bit values) that starts from a
/// fill of its own. It takes in the ops after it that read its values, in
/// block order, while each is
/// - an elementwise generic over the same loops (a row op), or over the
///   loops but the last (a row's value), writing a fresh output whole, or
/// - another such reduction over the same loops, starting from a fill of
///   its own (which the group takes in too),
/// and reads the group's values only at its own elements: a row op's
/// element (p, r) at (p, r), a row's value at p. It stops at the first
/// other op reading a group value. A group of one reduction and values of
/// its result only is left alone (a block reduction takes in its start and
/// consumer already). Returns the number of groups.
int64_t markRowGroups(mlir::RewriterBase &rewriter, mlir::func::FuncOp func,
                      llvm::function_ref<bool(mlir::linalg::LinalgOp)> excluded);

/// Whether `op` was marked by markRowGroups.
bool isInRowGroup(mlir::Operation *op);

/// On buffers: builds the kernel of the row group `op` belongs to before
/// the group's last op, and erases the group's ops, which it returns. The
/// kernel has a block of up to 8 warps for each 8 rows, or a block of
/// kThreadsPerBlock threads for each row longer than kMaxWarpRowLength.
/// Returns none, and
/// removes the marks of the group's ops (which are then tiled one by one),
/// where the buffers do not allow one kernel: an op between the group's
/// ops that uses a buffer the group writes or writes one it reads, a
/// buffer the group writes that it reads from memory other than through
/// the value a group op wrote or at a lane's own row elements, a
/// reduction's start that is not its fill.
llvm::SmallVector<mlir::Operation *> buildRowKernel(mlir::RewriterBase &rewriter,
                                                     mlir::linalg::LinalgOp op);

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_ROWKERNEL_H
