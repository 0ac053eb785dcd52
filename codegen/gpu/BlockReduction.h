//===- BlockReduction.h - Reductions shared by a block's threads -*- C++ -*-===//
//
// A reduction whose outputs are too few to keep a block busy one element per
// thread (a sum to a single value, a dot product) is computed by a whole
// block per output element instead: each thread folds a strided share of the
// reduction loops, then the block combines the partial values in a tree in
// workgroup (shared) memory with barriers, and the last 32 values, for
// 32-bit element types, within one warp through shuffles.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_GPU_BLOCKREDUCTION_H
#define KILN_CODEGEN_GPU_BLOCKREDUCTION_H

#include "codegen/gpu/StagedMatmul.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::gpu {

/// How a linalg op folds its single output: `combiner` (in the op's body)
/// takes the output's block argument as operand `accOperand` and yields the
/// new value; `neutral` is its identity.
struct BlockReduction {
  mlir::Operation *combiner = nullptr;
  unsigned accOperand = 0;
  mlir::TypedAttr neutral;
};

/// Whether a reduction with `outputs` output elements of `reduced` elements
/// each is shared by a block per output (when its body allows it): its
/// outputs would not fill one block of `threadsPerBlock` one element per
/// thread and there is more than one element to reduce, or they would not
/// fill the GPU and each reduces at least a block's worth of elements.
/// (kiln-tile-for-gpu stages the matmul-like ones instead, their k cut
/// into slices: SplitProduct.h.)
bool sharesOutputsPerBlock(int64_t outputs, int64_t reduced, int64_t threadsPerBlock);

/// The reduction of `op` if its threads can share it: one output, reduction
/// loops the output does not depend on, a body whose only use of the output
/// element is an associative, commutative arith op with an identity that
/// produces the yielded value.
std::optional<BlockReduction> matchBlockReduction(mlir::linalg::LinalgOp op);

/// `x (+) acc` with `reduction`'s own combiner (cloned at `b`).
mlir::Value combineWith(mlir::OpBuilder &b, const BlockReduction &reduction, mlir::Value x,
                        mlir::Value acc);

/// Elements each thread of a block reduction folds at least before the
/// threads combine their values, where the block has more than a warp: a
/// reduction of up to 8 x 32 elements (an LSTM step's product over 256
/// values, the sums of a LayerNorm over 128) is one warp's, which combines
/// its values with shuffles alone, no barrier and no workgroup memory; a
/// longer one gets more warps, up to the block.
inline constexpr int64_t kElementsPerReducingThread = 8;

/// Threads per block for a reduction over `reductionSize` elements: a power
/// of two from one warp to `maxThreads`, the fewest that leave each thread
/// at most kElementsPerReducingThread elements.
int64_t blockReductionThreads(int64_t reductionSize, int64_t maxThreads);

/// Replaces `op` (on buffers) by an scf.forall over its output elements
/// mapped to blocks, each holding a thread-mapped scf.forall of
/// `blockReductionThreads(...)` threads that reduce that element together.
/// The workgroup buffer is a memref.alloc in the GPU workgroup address space
/// at block level. With `fusion.start` (the op that writes the output's
/// initial values, found by findStagedFusion), each output folds its total
/// into the start's value; with `fusion.consumer`, the consumer's value at
/// the output goes into the consumer's output instead of the total into
/// the op's. Both are erased: no kernels of their own.
mlir::LogicalResult buildBlockReduction(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                                        const BlockReduction &reduction, int64_t maxThreads,
                                        const StagedFusion &fusion = {});

/// Warps of a column reduction's block (kColumnWarps x kWarpSize threads).
inline constexpr int64_t kColumnWarps = 8;

/// A reduction a block computes kWarpSize outputs of at once, a lane per
/// output and the warps dividing the reduction (a matrix-vector product
/// x[k] W[k, n], a mean over time of [T, N]): the loop `columns` (the
/// output's innermost parallel loop) goes across the lanes.
struct ColumnReduction {
  BlockReduction reduction;
  unsigned columns = 0;
};

/// The column reduction of `op` if its outputs are few (fewer than a
/// quarter of what an H100 holds at once, as for sharesOutputsPerBlock),
/// its innermost parallel loop has at least kWarpSize outputs, each output
/// reduces at least 2 kColumnWarps elements, its body allows a block
/// reduction (matchBlockReduction), and its inputs keep the lanes' reads
/// together: an input that reads the columns loop reads it as its
/// innermost index, by itself (consecutive lanes, consecutive addresses),
/// and at least one does. A block per output would have consecutive
/// threads read such an input a whole row apart (W[k, n] down a column);
/// kiln-tile-for-gpu takes this kernel where it would take that one.
std::optional<ColumnReduction> matchColumnReduction(mlir::linalg::LinalgOp op);

/// Replaces `op` (on buffers) by the column reduction's kernel: blocks over
/// the other parallel loops and the columns in groups of kWarpSize; lane l
/// of warp w folds output column (group kWarpSize + l) over reduction
/// elements w, w + kColumnWarps, ...; the warps' values meet in workgroup
/// memory, and warp 0 folds them in warp order, into the start's value
/// (`fusion.start`, or the output's), and stores the consumer's value
/// where `fusion.consumer` is given. Columns past the end read the last
/// one and store nothing. Erases `op` and the ops of `fusion`.
void buildColumnReduction(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                          const ColumnReduction &column, const StagedFusion &fusion = {});

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_BLOCKREDUCTION_H
