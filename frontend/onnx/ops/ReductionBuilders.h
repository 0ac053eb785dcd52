//===- ReductionBuilders.h - Building blocks of decomposed ops --*- C++ -*-===//
//
// The ONNX reductions with a post-processing step, the normalizations and
// the losses are imported as kiln.reduce and elementwise ops. These build
// the pieces they share at a node's location (errors go to the node).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_OPS_REDUCTIONBUILDERS_H
#define KILN_FRONTEND_ONNX_OPS_REDUCTIONBUILDERS_H

#include "frontend/onnx/OnnxNode.h"

namespace kiln::frontend {

/// A rank-0 kiln.constant of `element` holding `value`.
mlir::FailureOr<mlir::Value> createScalar(OnnxNode &node, mlir::Type element,
                                          double value);

/// kiln.reduce of `input` over `axes` (an empty list reduces nothing).
mlir::FailureOr<mlir::Value> createReduce(OnnxNode &node, graph::ReduceKind kind,
                                          mlir::Value input,
                                          llvm::ArrayRef<int64_t> axes,
                                          bool keepdims);

/// The mean over `axes`: the sum divided by the number of elements reduced,
/// which must be known. Integers divide truncating toward zero.
mlir::FailureOr<mlir::Value> createMean(OnnxNode &node, mlir::Value input,
                                        llvm::ArrayRef<int64_t> axes,
                                        bool keepdims);

/// kiln.cast of `input` to `element`, or `input` when it has that type.
mlir::FailureOr<mlir::Value> createCast(OnnxNode &node, mlir::Value input,
                                        mlir::Type element);

/// The axes `first`..rank-1 of a tensor of `rank`.
llvm::SmallVector<int64_t> trailingAxes(int64_t first, int64_t rank);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_OPS_REDUCTIONBUILDERS_H
