//===- StagedMatmul.h - Matmuls through workgroup-memory tiles --*- C++ -*-===//
//
// A matmul-like op (C[.., m, n] = fold over k of body(A[.., m, k],
// B[.., k, n])) computed by 16x16-output blocks of 256 threads that step
// through k in tiles of 16: each thread copies one element of the block's
// A tile and one of its B tile into workgroup memory, a barrier, each
// thread folds the 16 products of its output element from there, a
// barrier. Every element of A and B is read from global memory once per
// block instead of once per thread; each thread still folds its k loop in
// order, so the results are those of the unstaged kernel bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_GPU_STAGEDMATMUL_H
#define KILN_CODEGEN_GPU_STAGEDMATMUL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::gpu {

/// Outputs and k steps per block tile side.
inline constexpr int64_t kStagedTile = 16;

/// The loops of a matmul-like op the staging uses; batch loops are the
/// other parallel ones. `rowInput` reads (m, k), `columnInput` (k, n).
struct StagedMatmul {
  unsigned m = 0, n = 0, k = 0;
  unsigned rowInput = 0, columnInput = 1;
};

/// The loops of `op` if it is a matmul-like op whose m, n and k ranges the
/// tile divides: two shaped inputs, one output, projected-permutation maps,
/// one reduction loop, the row input not reading n, the column input not
/// reading m, the output not reading k.
std::optional<StagedMatmul> matchStagedMatmul(mlir::linalg::LinalgOp op);

/// Replaces `op` (on buffers) by the staged block/thread forall nest.
void buildStagedMatmul(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                       const StagedMatmul &matmul);

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_STAGEDMATMUL_H
