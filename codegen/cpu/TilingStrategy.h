//===- TilingStrategy.h - How each linalg op is tiled on CPUs ---*- C++ -*-===//
//
// The CPU strategy chooses, per linalg op, a thread-level tiling (an
// scf.forall whose iterations the runtime spreads over the thread pool) and a
// register-level tiling (scf.for loops whose innermost tile is vectorized).
// Tile sizes always divide the loop ranges exactly, so no partial tiles (and
// no dynamic shapes or runtime copies) appear.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_TILINGSTRATEGY_H
#define KILN_CODEGEN_CPU_TILINGSTRATEGY_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"

namespace kiln::cpu {

/// The width (f32 elements) of the panels constant matmul operands are packed
/// into at compile time (kiln-pack-matmul-weights): the micro-kernel's
/// register tile width, two 512-bit vectors (four 256-bit, eight 128-bit).
inline constexpr int64_t kPackedPanelWidth = 32;
/// The micro-kernel's tallest register tile (AVX-512's, and what a module
/// without kiln.vector_registers gets): rows of A (f32) per K step.
inline constexpr int64_t kMicroTileRows = 8;
/// The module attribute (array<i64: count, bytes>) that describes the
/// target's vector registers: how many there are and how wide. kilnc sets
/// it from the target machine; without it, AVX-512's 32 x 64 bytes.
inline constexpr llvm::StringLiteral kVectorRegistersAttr = "kiln.vector_registers";
struct VectorRegisters {
  int64_t count = 32;
  int64_t bytes = 64;
};
/// The vector registers of the target of the module `op` is in.
VectorRegisters vectorRegisters(mlir::Operation *op);
/// The module attribute (i64) that sets the register tile height by hand
/// (a graph .mlir input, a lit test); without it, microTileRowsFor the
/// module's vector registers.
inline constexpr llvm::StringLiteral kMicroTileRowsAttr = "kiln.micro_tile_rows";
/// The register tile height for the module `op` is in.
int64_t microTileRows(mlir::Operation *op);
/// The register tile height for a target with `registers` vector registers
/// of `vectorBytes` bytes: as many rows of kPackedPanelWidth f32
/// accumulators as fit beside one row of B's vectors and a broadcast, at
/// most kMicroTileRows. AVX-512 (32 x 64 B): 8 rows, 16 accumulators. AVX2
/// (16 x 32 B): 2 rows, 8 accumulators, 4 B vectors (3 rows would need 17
/// registers). NEON (32 x 16 B): 2 rows, 16 accumulators, 8 B vectors.
/// x86-64 without AVX (16 x 16 B): 1 row, 8 accumulators.
int64_t microTileRowsFor(int64_t vectorBytes, int64_t registers);
/// How many rows of `rowVectors` vector accumulators a register tile can
/// have beside `rowVectors` vectors of B and one broadcast of A, with
/// `registers` vector registers (the rule microTileRowsFor, ConvToMatmul's
/// tall slivers and their register tiles all follow).
int64_t rowsFitting(int64_t rowVectors, int64_t registers);
/// Marks the linalg.generic of a matmul on packed operands: loops
/// (mo, j, mi, r, k) with A in slivers Ap[mo, k, mi], B in panels Bp[j, k, r]
/// and C viewed as C4[mo, mi, j, r]; or, with A read in place, loops
/// (m, j, r, k) with A[m, k], Bp[j, k, r] and C3[m, j, r].
inline constexpr llvm::StringLiteral kPackedMatmulAttr = "kiln.packed_matmul";
/// Marks the linalg.generic of a convolution's product that reads the
/// (padded) input in place, with no packed copy of its taps: loops
/// (o0, o1, o2, mi, r, c, i, j), three outer ones, the register tile's mr
/// rows (mi) and nr columns (r), and the reduction over input channels and
/// filter taps (c, i, j). Of the operands A (the mr floats the micro-kernel
/// broadcasts) and B (the nr floats it loads as vectors), one is the
/// weights packed at compile time, whose map is a projected permutation,
/// and the other the input [C, H', W'], read at (c, row * SH + i * DH,
/// (piece * w + lane) * SW + j * DW) with `lane` the register loop of its
/// side (SW is 1 when the input is B, whose nr floats are one run).
/// C's layout has mi before r. See kiln-conv-to-matmul.
inline constexpr llvm::StringLiteral kTapProductAttr = "kiln.tap_product";
/// Whether `op` is a channel-major kTapProductAttr product: the weights are
/// A (operand 0, read through a projected permutation) and the input's
/// rows B's vectors (a convolution at unit width stride, pixels in lanes).
/// Otherwise a tap product is pixel-major: the weights are B's panels.
bool isChannelMajorTapProduct(mlir::linalg::LinalgOp op);

/// Whether `op` resamples its innermost axis (a kiln.resample lowered by
/// convert-graph-to-linalg with its taps in the body): an all-parallel
/// generic with no inputs whose body reads a value at an innermost index
/// taken from a constant table at the row's position. Its register tiles are
/// whole rows (up to kMaxResampleRow outputs), whose taps
/// vectorizeResampleRow gathers with constant permutations.
bool resamplesInnermostAxis(mlir::linalg::LinalgOp op);
/// The longest row resamplesInnermostAxis ops take as one register tile.
inline constexpr int64_t kMaxResampleRow = 2048;

/// Marks an scf.for that code generation made before tiling (bands of a
/// convolution's output rows): the linalg ops it holds are tiled like
/// top-level ones, where those in other loops are tiles already.
inline constexpr llvm::StringLiteral kBandLoopAttr = "kiln.band_loop";

/// The sliver height A is packed with for a product of M rows on a target
/// whose register tiles have `tileRows` rows (microTileRows): the largest
/// divisor of M up to that.
int64_t packedRowsPerSliver(int64_t m, int64_t tileRows);

/// C3 += A x Bp as the marked linalg.generic: A [M, K], Bp [N / NR, K, NR]
/// (B packed into panels), C3 [M, N / NR, NR] (C viewed in panels). A
/// constant A is packed too, into slivers of packedRowsPerSliver(M,
/// tileRows) rows at compile time, so the micro-kernel reads both operands
/// as contiguous streams; an activation A is read in place. Returns the new
/// C3.
mlir::Value buildPackedMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                              mlir::Value packedB, mlir::Value c3, int64_t tileRows);

/// C4 += Ap x Bp as the marked linalg.generic, both operands packed already:
/// Ap [M / mr, K, mr], Bp [N / NR, K, NR], C4 [M / mr, mr, N / NR, NR].
/// Returns the new C4.
mlir::Value buildPackedProduct(mlir::OpBuilder &b, mlir::Location loc, mlir::Value packedA,
                               mlir::Value packedB, mlir::Value c4);

/// C += A x B as the kTapProductAttr generic over the eight loops described
/// there, with the given operand maps (A, B, C). Returns the new C.
mlir::Value buildTapProduct(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a,
                            mlir::Value bOperand, mlir::Value c,
                            llvm::ArrayRef<mlir::AffineMap> maps);

/// A constant matrix packed into panels of `nr` columns, [ceil(N / nr), K, nr],
/// the last one filled up with zero columns: from B [K, N], or from B's
/// transpose [N, K] when `transposed`.
mlir::DenseElementsAttr packPanels(mlir::DenseElementsAttr b, int64_t nr, bool transposed);

/// `v` (static shape) padded with zeros at the end of its last dimension to
/// `size` (`v` itself when it has that size): the zero columns that keep the
/// micro-kernel's vectors full width.
mlir::Value padLastDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, int64_t size);

/// The first `size` entries of `v`'s last dimension: padLastDim undone.
mlir::Value truncateLastDim(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                            int64_t size);

struct TilingPlan {
  /// Tile sizes of the scf.forall level, one per loop (0 = untiled). Empty
  /// when the op is too small to be worth running in parallel.
  llvm::SmallVector<int64_t> threadTiles;
  /// Tile sizes of the innermost level, whose tiles become vectors.
  llvm::SmallVector<int64_t> vectorTiles;
  /// Tile sizes of a cache-blocking level between the two (scf.for loops
  /// outside the register tiles); empty when there is none.
  llvm::SmallVector<int64_t> cacheTiles;
  /// The order of the register-level loops (a permutation); empty keeps the
  /// loops' order.
  llvm::SmallVector<int64_t> vectorInterchange;
};

/// The plan for `op`, whose loop ranges must be static; std::nullopt when
/// the op is left to the generic loop lowering. Register tiles of products
/// have the height microTileRows(op) gives (a pixel-major tap product's
/// taller slivers: their height, and fewer vectors of filters than a panel).
std::optional<TilingPlan> planTiling(mlir::linalg::LinalgOp op,
                                     bool allowThreads);

/// The largest divisor of `n` that is at most `limit` (at least 1).
int64_t largestDivisorAtMost(int64_t n, int64_t limit);

/// Tiles `op` with `options` (scf::tileUsingSCF, before `op`), replaces its
/// results by the loops' and erases it; returns the tiled op and, with
/// `loops`, the loops. (The CPU and GPU tilings both go through here.)
mlir::FailureOr<mlir::linalg::LinalgOp>
tileAndReplace(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
               const mlir::scf::SCFTilingOptions &options,
               llvm::SmallVectorImpl<mlir::LoopLikeOpInterface> *loops = nullptr);

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_TILINGSTRATEGY_H
