//===- GraphEmitter.h - Building kiln op sequences in converters -*- C++ -*-===//
//
// Composite ONNX ops (Attention, ...) become sequences of kiln ops. Building
// each through OnnxNode::createValue means checking a FailureOr at every
// step; GraphEmitter carries the failure instead: once a step fails (after
// emitting its error at the node), every later step returns null and ok()
// says so, and the converter checks once at the end.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_GRAPHEMITTER_H
#define KILN_FRONTEND_ONNX_GRAPHEMITTER_H

#include "frontend/onnx/OnnxNode.h"

namespace kiln::frontend {

class GraphEmitter {
public:
  explicit GraphEmitter(OnnxNode &node) : node(node) {}

  /// False once any step failed.
  bool ok() const { return !failed; }
  OnnxNode &getNode() { return node; }

  /// A kiln op of type OpTy on `args` (values, attributes), or null. Null
  /// value arguments (from a failed step) make it null too; optional
  /// operands must be passed as `mlir::Value()` only where the op allows it.
  template <typename OpTy, typename... Args>
  mlir::Value op(Args &&...args) {
    if (failed)
      return {};
    mlir::FailureOr<mlir::Value> result =
        node.createValue<OpTy>(std::forward<Args>(args)...);
    if (mlir::failed(result)) {
      failed = true;
      return {};
    }
    return *result;
  }

  /// A constant.
  mlir::Value constant(mlir::DenseElementsAttr value);
  /// A rank-0 constant of float or integer type `type`.
  mlir::Value scalar(mlir::Type type, double value);
  /// A constant of `shape` filled with `value`.
  mlir::Value splat(mlir::Type type, llvm::ArrayRef<int64_t> shape, double value);
  /// `value` reshaped to `shape` (no -1 or 0 entries).
  mlir::Value reshape(mlir::Value value, llvm::ArrayRef<int64_t> shape);
  mlir::Value transpose(mlir::Value value, llvm::ArrayRef<int64_t> perm);
  mlir::Value concat(mlir::ValueRange values, int64_t axis);
  /// Converts to another element type; returns `value` when it has it.
  mlir::Value cast(mlir::Value value, mlir::Type elementType);

  /// Emits an error at the node and makes the emitter fail.
  mlir::InFlightDiagnostic fail() {
    failed = true;
    return node.emitError();
  }

private:
  OnnxNode &node;
  bool failed = false;
};

/// The static shape of a value's ranked tensor type.
inline llvm::ArrayRef<int64_t> shapeOf(mlir::Value value) {
  return llvm::cast<mlir::RankedTensorType>(value.getType()).getShape();
}

/// The element type of a value's tensor type.
inline mlir::Type elementTypeOf(mlir::Value value) {
  return llvm::cast<mlir::RankedTensorType>(value.getType()).getElementType();
}

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_GRAPHEMITTER_H
