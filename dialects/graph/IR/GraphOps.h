//===- GraphOps.h - Operations of the kiln graph dialect --------*- C++ -*-===//
//
// The ops, their attributes, and the shape helpers shared by their type
// inference, folders and lowerings.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_GRAPH_IR_GRAPHOPS_H
#define KILN_DIALECTS_GRAPH_IR_GRAPHOPS_H

#include "dialects/graph/IR/GraphDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/graph/IR/GraphEnums.h.inc"
#include "dialects/graph/IR/GraphInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/graph/IR/GraphAttrs.h.inc"

namespace kiln::graph {

/// True when each actual type is the inferred one or a refinement of it: the
/// same element type and rank, with static sizes where inference had `?`.
bool areRefinementCompatible(mlir::TypeRange inferred, mlir::TypeRange actual);

/// ONNX multidirectional (numpy) broadcasting of two shapes. Dynamic sizes
/// broadcast to dynamic unless the other side fixes them. Fails when two
/// static sizes differ and neither is 1.
mlir::LogicalResult broadcastShapes(llvm::ArrayRef<int64_t> lhs,
                                    llvm::ArrayRef<int64_t> rhs,
                                    llvm::SmallVectorImpl<int64_t> &result);

/// True if a tensor of shape `from` broadcasts to `to` without changing `to`
/// (ONNX unidirectional broadcasting).
bool isUnidirectionalBroadcastable(llvm::ArrayRef<int64_t> from,
                                   llvm::ArrayRef<int64_t> to);

/// The geometry of a sliding-window op (convolution or pooling) over the
/// spatial axes, with defaults filled in and auto_pad resolved where the
/// input sizes are known.
struct WindowGeometry {
  llvm::SmallVector<int64_t> kernel;    // per spatial axis
  llvm::SmallVector<int64_t> strides;   // per spatial axis
  llvm::SmallVector<int64_t> dilations; // per spatial axis
  llvm::SmallVector<int64_t> padBegin;  // per spatial axis
  llvm::SmallVector<int64_t> padEnd;    // per spatial axis
  llvm::SmallVector<int64_t> outSizes;  // per spatial axis; dynamic if unknown
};

/// Computes the window geometry for `inputSpatial` sizes. Emits an error at
/// `loc` (if given) and fails on inconsistent attributes.
mlir::LogicalResult computeWindowGeometry(
    std::optional<mlir::Location> loc, llvm::ArrayRef<int64_t> inputSpatial,
    llvm::ArrayRef<int64_t> kernel, std::optional<llvm::ArrayRef<int64_t>> pads,
    std::optional<llvm::ArrayRef<int64_t>> strides,
    std::optional<llvm::ArrayRef<int64_t>> dilations, AutoPad autoPad,
    bool ceilMode, WindowGeometry &geometry);

/// `[1,?,3]`: a shape in diagnostics.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// Constant folding materializes new constants; beyond this many elements it
/// is left to the generated code (binary size and compile time). Folds that
/// only move elements of a larger constant may exceed it.
constexpr int64_t kMaxFoldedElements = 1 << 16;

/// Normalizes a possibly negative axis for a tensor of `rank`; fails if out of
/// range.
mlir::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// How an elementwise op's result element type follows from its operands'
/// (see Kiln_ElementwiseOp in GraphOps.td).
enum class ElementwiseResult {
  Same,  // every operand has the result's element type
  Bool,  // i1; the operands share one element type
  First, // the first operand's; the others may differ
};

/// The result type of an elementwise op over `operands`: their broadcast
/// shape and the element type `rule` gives. Emits an error at `loc` (if
/// given) and fails when shapes do not broadcast or element types disagree.
mlir::LogicalResult
inferElementwiseType(std::optional<mlir::Location> loc, mlir::ValueRange operands,
                     ElementwiseResult rule,
                     llvm::SmallVectorImpl<mlir::Type> &types);

/// Constant folding of an elementwise op: evaluates its buildScalar on every
/// element of constant operands with the folders of the ops it builds.
/// Returns null when an operand is not constant, the result is large, or a
/// scalar op does not fold (it is then computed at run time).
mlir::OpFoldResult foldElementwise(mlir::Operation *op,
                                   llvm::ArrayRef<mlir::Attribute> operands);

/// Infers the result types of `op` from its operands and attributes and
/// sets them. On failure an error naming the reason was emitted at the op's
/// location and the op is unchanged.
mlir::LogicalResult inferResultTypes(mlir::Operation *op);

} // namespace kiln::graph

#define GET_OP_CLASSES
#include "dialects/graph/IR/GraphOps.h.inc"

namespace kiln::graph {

/// Builds a single-result graph op whose result type is inferred: the typed
/// builder runs with a placeholder type, then inference sets the real one.
/// Unlike the inferring ODS builder this never aborts: on bad operands or
/// attributes it emits an error at `loc`, erases the op and fails.
template <typename OpTy, typename... Args>
mlir::FailureOr<OpTy> buildInferred(mlir::OpBuilder &b, mlir::Location loc,
                                    Args &&...args) {
  auto op = OpTy::create(b, loc, b.getNoneType(), std::forward<Args>(args)...);
  if (mlir::failed(inferResultTypes(op))) {
    op->erase();
    return mlir::failure();
  }
  return op;
}

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_IR_GRAPHOPS_H
