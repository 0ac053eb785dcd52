//===- ReductionBuilders.h - Reductions for decomposed ops ------*- C++ -*-===//
//
// The ONNX reductions with a post-processing step, the normalizations and
// the losses are imported as kiln.reduce and elementwise ops, built with a
// GraphEmitter. These build the reductions they share.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_OPS_REDUCTIONBUILDERS_H
#define KILN_FRONTEND_ONNX_OPS_REDUCTIONBUILDERS_H

#include "frontend/onnx/GraphEmitter.h"

namespace kiln::frontend {

/// kiln.reduce of `input` over `axes` (an empty list reduces nothing).
mlir::Value reduce(GraphEmitter &e, graph::ReduceKind kind, mlir::Value input,
                   llvm::ArrayRef<int64_t> axes, bool keepdims);

/// The mean over `axes` (non-negative): the sum divided by the number of
/// elements reduced, which must be known. Integers divide truncating toward
/// zero.
mlir::Value mean(GraphEmitter &e, mlir::Value input,
                 llvm::ArrayRef<int64_t> axes, bool keepdims);

/// The axes `first`..rank-1 of a tensor of `rank`.
llvm::SmallVector<int64_t> trailingAxes(int64_t first, int64_t rank);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_OPS_REDUCTIONBUILDERS_H
