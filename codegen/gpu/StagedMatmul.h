//===- StagedMatmul.h - Matmuls through workgroup-memory tiles --*- C++ -*-===//
//
// A matmul-like op (C[.., m, n] = fold over k of body(A[.., m, k],
// B[.., k, n])) computed by blocks of 16x16 threads that step through k in
// tiles of 16. Each thread owns an RM x RN register tile of outputs (rows
// ty + 16 i, columns tx + 16 j of the block's 16 RM x 16 RN outputs). The
// block's A and B tiles of a k step are copied into workgroup memory, which
// holds two stages of them, and each thread folds the 16 products of each
// of its outputs from there (unrolled). The copy runs one k step ahead:
// each thread reads its elements of the next step from global memory into
// registers before it folds the current step, so that the reads overlap
// the arithmetic, and stores them into the other stage after it, then a
// barrier: one barrier a step (and one after the first step's copy). Where
// the fold is short, the k loop is unrolled by the two stages, so that
// each copy of the step reads and writes stages known at compile time
// (Skeleton::unrollStages in StagedMatmul.cpp). Every
// element of A is read from global memory once per block column of
// outputs and every element of B once per block row, and
// each shared-memory value a thread loads serves RN (or RM) products. Each
// output still folds its k loop in order, so the results are those of the
// unstaged kernel bit for bit.
//
// Where B's memory runs along k rather than n (B^T: a Gemm's transB, an
// attention's keys read in place), each thread copies B's (kt + tx,
// ty + 16 r) instead of (kt + ty, tx + 16 r), so that a half warp's copy
// stays 16 consecutive values; the scalar kernel's B tile then has rows
// padded by 4 values, against bank conflicts.
//
// m, n and k need not be multiples of the tiles. Blocks past the end of m
// or n read the last row or column instead (clamped indices: always in
// bounds) and store only the outputs there are; a short last k step reads
// its missing k values clamped too and is folded after the loop, its real
// k values only, so the results stay those of the unstaged kernel. (The
// tensor-core kernels below fold whole k steps: their staged values past
// k are zeros, which add nothing but may turn a -0 sum into +0.)
//
// A side of 4 or 8 outputs (of 32-bit values) a thread reads in groups of
// 4 instead: rows 4 ty + 64 g + l and columns 4 tx + 64 g + l (l < 4), so
// that each group is one 16-byte load from workgroup memory (ld.shared.v4)
// where it was four: for an 8 x 8 tile, 4 loads per 64 fused multiply-adds
// a k step instead of 16. The A tile is then kept k-major (16 x (BM + 4):
// a group is 4 consecutive values of one row, the padding keeps the groups
// aligned; where A's rows start at a 32-byte sector, each warp copies 8 k
// values of 4 rows, whose slots cover the 32 banks), and B's tile, copied
// along n, has rows padded by 16 values (a warp's 2 k rows of 16 columns
// in different banks); every thread of a half warp reads the same A group
// (a broadcast) and 16 consecutive B groups.
// A side of 1 or 2 outputs (of 32-bit values) a thread reads in runs of 4
// consecutive k values of each of its rows or columns instead, one
// 16-byte load a run: A's tile keeps k contiguous as it is, and B's is
// then kept (column, k), rows padded by 4 values (a quarter warp's runs in
// 8 distinct groups of 4 banks). A 2 x 2 tile then makes 4 loads per 16
// fused multiply-adds where it made 16, the small tiles that batch-1
// models' products mostly get.
//
// With TF32 allowed (`kilnc --gpu-tf32`), f32 matmuls whose body is
// acc + a * b and whose m and n ranges are at least 32 use the tensor cores
// instead: the 8 warps of a block, as 2 x 4, each own a (16 TM) x (8 TN)
// warp tile of m16n8k8 mma.sync tiles (TM, TN up to 4). The inputs are
// staged as above, rounded to TF32 (to nearest; on the device one
// cvt.rn.tf32.f32 for sm_90 and newer, ties to even, and one
// cvt.rna.tf32.f32 before, ties away from zero), and each k step of 16 is
// two k steps of 8: per warp tile, TM A fragments, TN B fragments and
// TM x TN mmas. The tiles keep a step in fragment order (each lane's
// fragment is contiguous and in the mma's register order, so it is one
// 16-byte load for A and one 8-byte load for B that the mma takes as it
// is; StagedMatmul.cpp gives the layout, and which elements each warp
// copies so that the staging's stores meet no bank conflicts).
// Matmuls of f16 or bf16 inputs accumulated in f32 (what the graph lowering
// makes of a half-precision MatMul or Gemm) take the tensor cores the same
// way without any flag on sm_80 and newer, with m16n8k16 mmas (one per k
// step of 16) on the inputs as they are: the products are exact and the
// sums in f32, as on the CPU path.
//
#ifndef KILN_CODEGEN_GPU_STAGEDMATMUL_H
#define KILN_CODEGEN_GPU_STAGEDMATMUL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <array>

namespace kiln::gpu {

/// Threads per block side and k steps per tile.
inline constexpr int64_t kStagedTile = 16;

/// Copies of each input tile in workgroup memory: the k loop alternates
/// between them, one barrier a step.
inline constexpr int64_t kStages = 2;

/// Copies of each input tile where the k loop stages them with
/// asynchronous copies (StagedMatmul::asyncCopies), two steps in flight
/// ahead of the one folded, where the tiles fit kMaxWorkgroupBytes; and
/// that limit: the workgroup memory a kernel may declare statically.
inline constexpr int64_t kAsyncStages = 3;
inline constexpr int64_t kMaxWorkgroupBytes = 48 * 1024;

/// The largest register tile side a thread gets (8 x 8 outputs: 64
/// accumulators, within the 255 registers a thread may use).
inline constexpr int64_t kMaxRegisterTile = 8;

/// Values a thread of the scalar kernel reads from a workgroup tile at once
/// (32-bit values: one 16-byte vector load): a group of outputs of a side
/// of 4 or 8, or a run of k values of a side of 1 or 2; and that load's
/// alignment.
inline constexpr int64_t kVectorWidth = 4;
inline constexpr uint64_t kVectorBytes = 16;
/// Global memory moves in sectors of this many bytes.
inline constexpr int64_t kSectorBytes = 32;

/// The tensor-core kernel: warps per block along m and n, the mma shape
/// (m16n8k8, TF32 inputs, f32 accumulators) and the largest warp tile side
/// in mma tiles.
inline constexpr int64_t kWarpRows = 2, kWarpColumns = 4;
inline constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 8;
/// The mma's k for f16 and bf16 inputs (m16n8k16, f32 accumulators).
inline constexpr int64_t kHalfMmaK = 16;
inline constexpr int64_t kMaxMmaTile = 4;

/// Marks the last op of the TF32 kernel's rounding of an input (an
/// arith.select), which kiln-lower-tensor-core-ops turns into one
/// cvt.rna.tf32.f32 on the device, or cvt.rn.tf32.f32 where the value is
/// kTf32TiesToEven.
inline constexpr llvm::StringLiteral kTf32RoundingAttr = "kiln.tf32_rounding";
inline constexpr llvm::StringLiteral kTf32TiesToEven = "ties_to_even";

/// The loops of a matmul-like op the staging uses; batch loops are the
/// other parallel ones. `rowInput` reads (m, k), `columnInput` (k, n). Each
/// thread computes `rows` x `columns` outputs; or, when `mmaRows` is not 0,
/// each warp `mmaRows` x `mmaColumns` mma tiles on the tensor cores.
struct StagedMatmul {
  unsigned m = 0, n = 0, k = 0;
  unsigned rowInput = 0, columnInput = 1;
  int64_t rows = 1, columns = 1;
  int64_t mmaRows = 0, mmaColumns = 0;
  /// The mma's k: kMmaK (TF32) or kHalfMmaK (f16, bf16).
  int64_t mmaK = kMmaK;
  /// How the TF32 kernel rounds its inputs: to nearest with ties to even
  /// (sm_90 and newer: one cvt.rn.tf32.f32), or ties away from zero.
  bool tf32TiesToEven = false;
  /// Whether the scalar kernel may stage its inputs with asynchronous
  /// copies from global into workgroup memory (cp.async: sm_80 and newer)
  /// where it reads both inputs' elements as they are (StagedMatmul.cpp's
  /// asyncCopyable). The tensor-core kernels stage through registers.
  bool asyncCopies = false;
  /// Slices the k loop is cut into, each folded by blocks of its own into
  /// a partial result that a second kernel combines (SplitProduct.h); 1:
  /// one kernel folds all of k.
  int64_t splits = 1;
};

/// The outputs a block of `matmul`'s kernel computes along m and along n.
inline int64_t blockRows(const StagedMatmul &matmul) {
  return matmul.mmaRows ? kWarpRows * kMmaM * matmul.mmaRows : kStagedTile * matmul.rows;
}
inline int64_t blockColumns(const StagedMatmul &matmul) {
  return matmul.mmaRows ? kWarpColumns * kMmaN * matmul.mmaColumns
                        : kStagedTile * matmul.columns;
}

/// Whether a product of m x n outputs is worth staging: each side fills at
/// least one tile of 16 (fewer outputs go to one thread each, or a block
/// each).
inline bool fitsStagedTiles(int64_t m, int64_t n) { return m >= kStagedTile && n >= kStagedTile; }

/// The loops of `op` if it is a matmul-like op whose m and n ranges
/// fitsStagedTiles: two shaped inputs, one output at a projected
/// permutation (the inputs' maps may be any affine maps), one reduction
/// loop, the row input not reading n, the column input not reading m, the
/// output not reading k. The register tile grows (rows
/// first, up to kMaxRegisterTile a side, each side a power of two whose
/// blocks cover at most 1/8 more of the range than half of it would) while
/// the grid keeps at least `minBlocks` blocks: larger tiles read less per
/// product, more blocks fill the GPU. Blocks past the end of m or n clamp
/// their reads and store only the outputs there are; a short last k step
/// folds its k values only (the tensor cores: it is padded with zeros).
/// With `tf32`, f32 multiply-adds whose m and n ranges are at least 32
/// take the tensor cores, their warp tiles grown the same way; with
/// `halfTensorCores` (sm_80 and newer), so do f16 and bf16 inputs
/// multiplied and added in f32. With `splits` > 1, the grid counts that
/// many blocks for each block of outputs (SplitProduct.h); the result's
/// `splits` is left 1.
std::optional<StagedMatmul> matchStagedMatmul(mlir::linalg::LinalgOp op, int64_t minBlocks,
                                              bool tf32, bool halfTensorCores,
                                              int64_t splits = 1);

/// The elementwise ops a staged matmul's kernel takes in: `start` writes
/// the whole accumulator before the product (a linalg.fill, or a
/// linalg.generic such as a broadcast bias), `consumer` reads the product
/// at its own indices and is its only reader (an activation, a residual
/// addition, the rounding of an f32 accumulator to f16). The kernel then
/// starts each output from the start's value and stores the consumer's
/// value into the consumer's output: one kernel and no pass over the
/// accumulator in memory instead of three kernels. Either may be null.
struct StagedFusion {
  mlir::linalg::LinalgOp start;
  mlir::linalg::GenericOp consumer;
  /// The op that writes each input (by input number) when the kernel
  /// computes that input's elements where it reads them instead of reading
  /// them from memory (markComputedInputs: a padding, a cheap elementwise
  /// op), or null.
  std::array<mlir::linalg::GenericOp, 2> computedInputs;
};

/// Marks the generics kiln-tile-for-gpu builds for paddings (a fill with
/// a source inserted into its middle): no inputs, an identity output map,
/// a body that reads only its indices and the source from above.
inline constexpr llvm::StringLiteral kPaddingAttr = "kiln.padding";

/// The most ops (but its yield) the body of an elementwise op may have for
/// a staged kernel to compute it where it reads its elements: each element
/// is computed once for every block that stages it.
inline constexpr int64_t kMaxComputedInputOps = 8;

/// On tensors, after markStagedFusion: marks each input of `op` (a staged
/// matmul) that the kernel can compute where it reads its elements
/// (findStagedFusion), so that the tensor is never written and its op is
/// no kernel: a padding read by `op` alone (a convolution's), or an
/// all-parallel generic of at most kMaxComputedInputOps arith ops that
/// overwrites its output, read by `op` alone and no other kernel's
/// (a squeeze-and-excitation's scaling before a 1x1 convolution), read
/// directly or through a collapse_shape (whose indices the kernel splits
/// into the op's).
void markComputedInputs(mlir::linalg::LinalgOp op);

/// Whether `op` (on tensors or on buffers) is all-parallel and writes its
/// one output whole, at an identity map, without reading it: a fill (of a
/// value of the output's element type) or a generic whose body does not
/// use the output's element and captures no tensor or buffer (a padding's
/// body reads its source, captured: findStagedFusion checks only operands'
/// buffers for reuse). Such an op can start a reduction's outputs in the
/// reduction's own kernel, each output's start computed where it is
/// folded.
bool overwritesOutput(mlir::linalg::LinalgOp op);

/// On tensors: when the first init of `op` is a linalg.fill (of a
/// tensor.empty) that other ops read too (CSE merges equal fills, such as
/// the zeros of a model's same-shaped products), gives `op` a copy of its
/// own, so that the kernel of `op` can take it in. Returns the init.
mlir::Value giveOwnFill(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op);

/// On tensors, before bufferization: marks the start and the consumer of
/// `op` (a staged matmul) that its kernel can take in, with `op`'s own
/// number `mark` (unique in the function), so that they are left untiled
/// for findStagedFusion. The start must write a fresh tensor
/// with an identity output map and be read only by `op`; the consumer must
/// be all-parallel, read `op`'s result (its only use) through an identity
/// map, write a fresh tensor of the same shape, and its other inputs must
/// be computed before `op`. On the way, a fill shared with other products
/// is copied for `op`, and a consumer that reads `op`'s result through an
/// expand_shape (a batch split off, a convolution's pixels back into rows)
/// is rebuilt over `op`'s own shape. Block reductions take in their start
/// and consumer the same way.
void markStagedFusion(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op, int64_t mark);

/// Whether `consumer` (on tensors) is an elementwise consumer a product's
/// kernel can take in as markStagedFusion's are: all-parallel, writing a
/// fresh tensor whole at an identity map, reading `product` exactly once,
/// at an identity map.
bool isElementwiseConsumer(mlir::linalg::LinalgOp consumer, mlir::Value product);

/// Whether `op` was marked by markStagedFusion.
bool isMarkedForStagedFusion(mlir::Operation *op);

/// The buffer a view (through any number of view-like ops) is of.
mlir::Value rootBuffer(mlir::Value v);

/// Whether `op`, or an op nested in it, uses a view of any of `roots`
/// (making a view is no use: the ops using the view are).
bool usesAny(mlir::Operation *op, llvm::ArrayRef<mlir::Value> roots);

/// Whether `op`, or an op nested in it, may write (or free) a view of any
/// of `roots`: it declares a write of one, or it uses one and declares no
/// effects.
bool mayWriteAny(mlir::Operation *op, llvm::ArrayRef<mlir::Value> roots);

/// Whether an op strictly between `from` and `to` (in one block), or one
/// nested in it, uses a view of any of `roots` (usesAny).
bool usedBetween(mlir::Operation *from, mlir::Operation *to, llvm::ArrayRef<mlir::Value> roots);

/// Whether every use of `root` and of the views made of it (through
/// memory-effect-free view-like ops) other than the making of a view is
/// one `allowed` accepts.
bool usesThroughViewsAre(mlir::Value root, llvm::function_ref<bool(mlir::OpOperand &)> allowed);

/// The root buffers of the memrefs the body of `op` reads from above (a
/// padding's source), or std::nullopt where it reads a tensor from above.
std::optional<llvm::SmallVector<mlir::Value>> buffersReadFromAbove(mlir::Operation *op);

/// The number markStagedFusion marked product `op` with, or -1.
int64_t stagedFusionMark(mlir::Operation *op);

/// Removes markStagedFusion's marks from `op`.
void clearStagedFusionMarks(mlir::Operation *op);

/// On buffers: the start and consumer marked with `op`'s number whose
/// buffers allow taking them into its kernel: the accumulator's buffer
/// used by nothing else; the start's inputs not reused before `op`; the
/// consumer's output none of the buffers the kernel reads and unused
/// between `op` and the consumer; the consumer's other buffers defined
/// before `op`.
StagedFusion findStagedFusion(mlir::linalg::LinalgOp op);

/// The value `op` (all-parallel, writing its output at an identity map: a
/// start findStagedFusion found, a computed input, a padding) gives the
/// output element at `indices`, computed at `b`: a fill's value, or the
/// body on its inputs there (buffers, loaded at their maps; a padding has
/// none: the source's element less the offsets, or the padding value).
mlir::Value elementAt(mlir::OpBuilder &b, mlir::Location loc, mlir::linalg::LinalgOp op,
                      mlir::ValueRange indices);

/// Erases `op`, whose kernel has been built, and the ops of `fusion` that
/// kernel took in.
void eraseWithTakenIn(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                      const StagedFusion &fusion);

/// Stores `value`, a kernel's result for output `indices` of its
/// `accumulator` buffer: with `consumer` (a consumer findStagedFusion
/// found), the consumer's value there into the consumer's output, else
/// `value` into `accumulator`.
void storeResult(mlir::OpBuilder &b, mlir::Location loc, mlir::linalg::GenericOp consumer,
                 mlir::Value accumulator, mlir::Value value, mlir::ValueRange indices);

/// Where the kernel of a product whose k is cut into slices (SplitProduct.h)
/// stores its results: slice s's into `buffer`[s, ..] (the output's
/// indices after s), each folded from `neutral`.
struct PartialResults {
  mlir::Value buffer;
  mlir::TypedAttr neutral;
};

/// Builds before `op` (on buffers; it stays), for `matmul` with `splits` >
/// 1, the staged kernel of the partial products: the slices are the
/// outermost block loop. (Of `fusion`, only the computed inputs.)
void buildStagedPartials(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                         const StagedMatmul &matmul, const PartialResults &partials,
                         const StagedFusion &fusion);

/// Replaces `op` (on buffers) by the staged block/thread forall nest, and
/// erases the ops of `fusion` it takes in.
void buildStagedMatmul(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                       const StagedMatmul &matmul, const StagedFusion &fusion = {});

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_STAGEDMATMUL_H
