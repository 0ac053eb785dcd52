//===- SplitProduct.h - Staged products cut along k -------------*- C++ -*-===//
//
// A product with few outputs and a long reduction (ResNet-50's last 3x3
// convolutions: 512 filters x 49 pixels, 4608 products each; a transformer
// layer's 128 x 128 output of 512 products each at batch 1) gives one
// staged kernel too few blocks to fill the GPU, each stepping through all
// of k. A block per output (BlockReduction.h) fills it, but reads both
// inputs once per output: 2 k values from memory per output instead of
// about 2 k / 16 through the staged tiles.
//
// Such a product is cut along k instead: k = S x slice, and
//
//   partial[s, ..] = neutral (+) fold over k in [s slice, (s+1) slice) of body
//   out[..]        = start[..] (+) partial[0, ..] (+) ... (+) partial[S-1, ..]
//
// The first is a staged product with S as one more batch loop (S times the
// blocks, each stepping through a slice), the second one thread per output
// in S loads. The op's start and consumer (StagedFusion) go into the
// second kernel: it computes the start's value and stores the consumer's.
// The partial results take S times the output's bytes of workspace. Each
// output's sum is folded in another order than the op's loop (slice by
// slice, then the slices in order), as a block reduction's is.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_GPU_SPLITPRODUCT_H
#define KILN_CODEGEN_GPU_SPLITPRODUCT_H

#include "codegen/gpu/StagedMatmul.h"

namespace kiln::gpu {

/// The most slices a product's k is cut into.
inline constexpr int64_t kMaxSplits = 32;

/// The shortest slice: four k steps of the staged kernel.
inline constexpr int64_t kMinSliceK = 4 * kStagedTile;

/// The staged kernel for `op`, a matmul-like op (matchStagedMatmul) that
/// would otherwise get a block per output: its k cut into the fewest
/// slices (`splits`) that give the grid `minBlocks` blocks, or the most
/// there can be short of that. A slice is at least kMinSliceK long, its
/// length divides k (and is a multiple of kStagedTile where k is). k is not
/// cut (`splits` 1) where the whole product already has `minBlocks` blocks,
/// where no length fits, or where the body does not fold its output with
/// an associative, commutative op (BlockReduction.h) or reads its indices.
std::optional<StagedMatmul> matchSplitProduct(mlir::linalg::LinalgOp op, int64_t minBlocks,
                                              bool tf32, bool halfTensorCores);

/// Replaces `op` (on buffers), for `matmul` with `splits` > 1, by the
/// staged kernel of the partial products into a new buffer and the kernel
/// that combines them, and erases the ops of `fusion` (taken into the
/// latter).
void buildSplitProduct(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                       const StagedMatmul &matmul, const StagedFusion &fusion);

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_SPLITPRODUCT_H
