//===- BlockReduction.h - Reductions shared by a block's threads -*- C++ -*-===//
//
// A reduction whose outputs are too few to keep a block busy one element per
// thread (a sum to a single value, a dot product) is computed by a whole
// block per output element instead: each thread folds a strided share of the
// reduction loops, then the block combines the partial values in a tree in
// workgroup (shared) memory with barriers, and the last 32 values, for
// integer and float types of up to 32 bits, within one warp through
// shuffles.
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
/// fill the GPU and each reduces at least a block's worth of elements, or
/// at least a warp's where one thread an output would have a warp's lanes
/// read an input rows apart (`lanesReadApart`: a global average pool,
/// whose lanes along the channels would each read their own channel, each
/// request 32 sectors; a block's lanes read one channel's consecutive
/// elements instead). (kiln-tile-for-gpu stages the matmul-like ones
/// instead, their k cut into slices: SplitProduct.h.)
bool sharesOutputsPerBlock(int64_t outputs, int64_t reduced, int64_t threadsPerBlock,
                           bool lanesReadApart);

/// The reduction of `op` if its threads can share it: one output, reduction
/// loops the output does not depend on, a body whose only use of the output
/// element is an associative, commutative arith op with an identity that
/// produces the yielded value.
std::optional<BlockReduction> matchBlockReduction(mlir::linalg::LinalgOp op);

/// `x (+) acc` with `reduction`'s own combiner (cloned at `b`).
mlir::Value combineWith(mlir::OpBuilder &b, const BlockReduction &reduction, mlir::Value x,
                        mlir::Value acc);

/// Whether a warp's lanes can exchange values of `type` by shuffles:
/// integers and floats of up to 32 bits (a narrower value travels in the
/// low bits of a 32-bit register, unchanged).
bool isShuffleable(mlir::Type type);

/// `value` (of a shuffleable type) combined by `reduction` with every other
/// lane's of its warp, in a butterfly of 5 xor shuffles: every lane gets
/// the warp's total, folded in the same order.
mlir::Value warpTotal(mlir::OpBuilder &b, mlir::Location loc, const BlockReduction &reduction,
                      mlir::Value value);

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

/// The most slices of a column reduction's result one consumer may read
/// for its kernel to take the reduction in (markSlicedConsumer): each
/// slice is folded by the block, its warps' values in workgroup memory.
inline constexpr int64_t kMaxConsumerSlices = 8;

/// On tensors: marks the consumer of `op`, a column reduction that
/// markStagedFusion marked, when it reads `op`'s result only through
/// slices (a recurrent step's gates: an LSTM's four of its [1, 4H]
/// product, a GRU's three) or whole, all of them one elementwise generic's
/// inputs at identity maps, each slice static with unit strides and the
/// result's rank, and that generic writes fresh tensors whole at identity
/// maps (one or more: an LSTM step's cell and hidden states). The kernel
/// of the consumer then computes the reduction's values it reads
/// (findSlicedConsumer, buildSlicedColumnReduction): one kernel a step
/// where there were two.
void markSlicedConsumer(mlir::linalg::LinalgOp op);

/// Whether `op` (on tensors) has a consumer markSlicedConsumer would mark
/// that reads a part of its result (a slice) or has several results: a
/// consumer that reads the whole result and has one is taken in otherwise
/// (markStagedFusion; a reduction of one output a thread, by its
/// consumer's tiles).
bool readThroughSlices(mlir::linalg::LinalgOp op);

/// Whether `op` is a consumer markSlicedConsumer marked.
bool isSlicedConsumer(mlir::Operation *op);

/// Removes markSlicedConsumer's marks from `op`.
void clearSlicedConsumerMarks(mlir::Operation *op);

/// The consumer a column reduction's kernel computes: which of its
/// inputs read the reduction's result, and at what offsets into it.
struct SlicedConsumer {
  mlir::linalg::GenericOp consumer;
  /// (the consumer's operand number, the slice's offsets in the result).
  llvm::SmallVector<std::pair<unsigned, llvm::SmallVector<int64_t>>> slices;
};

/// On buffers: the consumer markSlicedConsumer marked for `op` (a column
/// reduction; `start`, from findStagedFusion, starts its outputs, or
/// null), if the buffers allow taking `op` into its kernel: `op`'s result
/// buffer used by nothing but the start, `op` and the consumer's slices;
/// the consumer's outputs none of the buffers the kernel reads other than
/// at the thread's own element; nothing between `op` and the consumer
/// using the result, those outputs or `op`'s inputs.
std::optional<SlicedConsumer> findSlicedConsumer(mlir::linalg::LinalgOp op,
                                                 mlir::linalg::LinalgOp start);

/// Replaces `sliced.consumer` (on buffers) by one kernel that computes the
/// values of `op` it reads: blocks over the consumer's outputs, kWarpSize
/// columns a block; for each slice, lane l of warp w folds the
/// reduction's column (slice offset + block column + l) over elements w,
/// w + kColumnWarps, ... as buildColumnReduction does; after one barrier
/// warp 0 adds each slice's warp values in warp order into the start's
/// value (`start`, or the result buffer's) and computes the consumer's
/// values there. Erases `op`, `start` and the consumer.
void buildSlicedColumnReduction(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                                const ColumnReduction &column, mlir::linalg::LinalgOp start,
                                const SlicedConsumer &sliced);

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_BLOCKREDUCTION_H
