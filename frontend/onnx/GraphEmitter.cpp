//===- GraphEmitter.cpp - Building kiln op sequences in converters --------===//

#include "frontend/onnx/GraphEmitter.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

Value GraphEmitter::constant(DenseElementsAttr value) {
  if (failed)
    return {};
  FailureOr<Value> result = node.createConstant(value);
  if (mlir::failed(result)) {
    failed = true;
    return {};
  }
  return *result;
}

Value GraphEmitter::splat(Type type, ArrayRef<int64_t> shape, double value) {
  auto tensorType = RankedTensorType::get(shape, type);
  if (auto floatType = llvm::dyn_cast<FloatType>(type))
    return constant(DenseElementsAttr::get(tensorType, FloatAttr::get(floatType, value)));
  return constant(DenseElementsAttr::get(
      tensorType, IntegerAttr::get(type, static_cast<int64_t>(value))));
}

Value GraphEmitter::scalar(Type type, double value) { return splat(type, {}, value); }

Value GraphEmitter::reshape(Value value, ArrayRef<int64_t> shape) {
  if (failed || !value)
    return failed = true, Value();
  if (shapeOf(value) == shape)
    return value;
  FailureOr<Value> result = node.createReshape(value, shape);
  if (mlir::failed(result)) {
    failed = true;
    return {};
  }
  return *result;
}

Value GraphEmitter::transpose(Value value, ArrayRef<int64_t> perm) {
  if (failed || !value)
    return failed = true, Value();
  return op<graph::TransposeOp>(value, node.getBuilder().getDenseI64ArrayAttr(perm));
}

Value GraphEmitter::concat(ValueRange values, int64_t axis) {
  if (failed || llvm::is_contained(values, Value()))
    return failed = true, Value();
  return op<graph::ConcatOp>(values, node.getBuilder().getI64IntegerAttr(axis));
}

Value GraphEmitter::cast(Value value, Type elementType) {
  if (failed || !value)
    return failed = true, Value();
  if (elementTypeOf(value) == elementType)
    return value;
  OpBuilder &b = node.getBuilder();
  return op<graph::CastOp>(value, TypeAttr::get(elementType), b.getBoolAttr(true),
                           b.getStringAttr("up"));
}
