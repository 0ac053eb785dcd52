//===- DataMovement.h - Geometry of the data movement ops -------*- C++ -*-===//
//
// What the type inference, the folders and the linalg lowerings of the data
// movement ops (GraphDataMovementOps.td) must agree on: which input element
// a slice or a padded position reads, and how ONNX normalizes axes.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_GRAPH_IR_DATAMOVEMENT_H
#define KILN_DIALECTS_GRAPH_IR_DATAMOVEMENT_H

#include "dialects/graph/IR/GraphOps.h"

namespace kiln::graph {

/// One input axis of a slice, after ONNX's normalization: the result holds
/// `size` elements, input positions `start`, `start + step`, ... . Axes the
/// slice does not name are {0, dim, 1}. On an axis of dynamic size, `size`
/// is dynamic (and `start` meaningless).
struct SliceAxis {
  int64_t start;
  int64_t size;
  int64_t step;
};

/// The per-axis geometry of slicing `shape` (ONNX Slice semantics: negative
/// starts/ends count from the back, then both are clamped). Emits an error at
/// `loc` (if given) and fails on bad attributes.
mlir::LogicalResult computeSliceGeometry(std::optional<mlir::Location> loc,
                                         llvm::ArrayRef<int64_t> shape,
                                         llvm::ArrayRef<int64_t> starts,
                                         llvm::ArrayRef<int64_t> ends,
                                         llvm::ArrayRef<int64_t> axes,
                                         llvm::ArrayRef<int64_t> steps,
                                         llvm::SmallVectorImpl<SliceAxis> &geometry);

/// `axes` with negative values counted from the back of `rank`; fails with an
/// error naming `what` at `loc` (if given) when one is out of range or
/// repeated.
mlir::FailureOr<llvm::SmallVector<int64_t>>
normalizeAxes(std::optional<mlir::Location> loc, llvm::ArrayRef<int64_t> axes,
              int64_t rank, llvm::StringRef what);

/// The input position a padded axis reads in `mode` (reflect, edge, wrap)
/// for position `pos` relative to the input's first element (negative in the
/// begin padding), on an input axis of `size` > 0 elements.
int64_t padSourcePosition(PadMode mode, int64_t pos, int64_t size);

/// The width in bits of `type` as ONNX stores it (booleans take a byte).
unsigned getStorageBitWidth(mlir::Type type);

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_IR_DATAMOVEMENT_H
