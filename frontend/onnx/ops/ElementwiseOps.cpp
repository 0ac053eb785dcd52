//===- ElementwiseOps.cpp - Arithmetic and activations --------------------===//
//
// Add, Sub, Mul, Div (with the legacy `broadcast`/`axis` form before opset
// 7), Relu, Sigmoid, Tanh and Clip (bounds as attributes before opset 11).
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

template <typename OpTy>
static LogicalResult convertUnary(OnnxNode &node) {
  FailureOr<Value> result = node.createValue<OpTy>(node.getInput(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

template <typename OpTy>
static LogicalResult convertBinary(OnnxNode &node) {
  FailureOr<Value> result =
      node.createValue<OpTy>(node.getInput(0), node.getInput(1));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Before opset 7, a binary op broadcasts only with `broadcast` = 1, and then
/// aligns the rhs shape with the lhs dimensions starting at `axis` (by
/// default, its trailing dimensions). Appending size-1 dimensions to the rhs
/// makes numpy broadcasting align it the same way.
template <typename OpTy>
static LogicalResult convertLegacyBinary(OnnxNode &node) {
  FailureOr<int64_t> broadcast = node.getInt("broadcast", 0);
  FailureOr<std::optional<int64_t>> axis = node.getOptionalInt("axis");
  if (failed(broadcast) || failed(axis))
    return failure();
  Value lhs = node.getInput(0), rhs = node.getInput(1);
  ArrayRef<int64_t> lhsShape = node.getInputType(0).getShape();
  ArrayRef<int64_t> rhsShape = node.getInputType(1).getShape();

  if (*broadcast == 0) {
    bool same = lhsShape.size() == rhsShape.size();
    for (size_t i = 0; same && i < lhsShape.size(); ++i)
      same = ShapedType::isDynamic(lhsShape[i]) ||
             ShapedType::isDynamic(rhsShape[i]) || lhsShape[i] == rhsShape[i];
    if (!same)
      return node.emitError()
             << "operand shapes " << formatShape(lhsShape) << " and "
             << formatShape(rhsShape)
             << " differ and attribute 'broadcast' is 0";
  } else if (*broadcast != 1) {
    return node.emitUnsupportedValue("broadcast", std::to_string(*broadcast))
           << " (expected 0 or 1)";
  } else if (*axis) {
    int64_t lhsRank = lhsShape.size(), rhsRank = rhsShape.size();
    FailureOr<int64_t> start = graph::normalizeAxis(**axis, lhsRank);
    if (failed(start) || *start + rhsRank > lhsRank)
      return node.emitError()
             << "cannot broadcast shape " << formatShape(rhsShape)
             << " onto " << formatShape(lhsShape) << " at axis " << **axis;
    int64_t trailing = lhsRank - *start - rhsRank;
    if (trailing > 0) {
      SmallVector<int64_t> aligned(rhsShape);
      aligned.append(trailing, 1);
      FailureOr<Value> reshaped = node.createReshape(rhs, aligned);
      if (failed(reshaped))
        return failure();
      rhs = *reshaped;
    }
  }

  FailureOr<Value> result = node.createValue<OpTy>(lhs, rhs);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Before opset 11, Clip's bounds are float attributes; a missing bound does
/// not clamp (ONNX's defaults are the float type's limits).
static LogicalResult convertClipWithAttributes(OnnxNode &node) {
  FailureOr<std::optional<float>> min = node.getOptionalFloat("min");
  FailureOr<std::optional<float>> max = node.getOptionalFloat("max");
  if (failed(min) || failed(max))
    return failure();
  Type elementType = node.getInputType(0).getElementType();
  if ((*min || *max) && !llvm::isa<FloatType>(elementType))
    return node.emitError() << "Clip with 'min'/'max' attributes needs a "
                               "floating-point input, got "
                            << elementType;
  auto buildBound = [&](std::optional<float> bound) -> FailureOr<Value> {
    if (!bound)
      return Value();
    auto type = RankedTensorType::get({}, elementType);
    return node.createConstant(DenseElementsAttr::get(
        type, FloatAttr::get(elementType, static_cast<double>(*bound))));
  };
  FailureOr<Value> minValue = buildBound(*min);
  if (failed(minValue))
    return failure();
  FailureOr<Value> maxValue = buildBound(*max);
  if (failed(maxValue))
    return failure();
  FailureOr<Value> result =
      node.createValue<graph::ClipOp>(node.getInput(0), *minValue, *maxValue);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertClip(OnnxNode &node) {
  FailureOr<Value> result = node.createValue<graph::ClipOp>(
      node.getInput(0), node.getInput(1), node.getInput(2));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

template <typename OpTy>
static void addBinary(OnnxOpTable &table, StringRef opType) {
  table.add({opType, 1, 2, 2, 1, {"axis", "broadcast", "consumed_inputs"},
             convertLegacyBinary<OpTy>});
  table.add({opType, 6, 2, 2, 1, {"axis", "broadcast"},
             convertLegacyBinary<OpTy>});
  table.add({opType, 7, 2, 2, 1, {}, convertBinary<OpTy>});
}

template <typename OpTy>
static void addUnary(OnnxOpTable &table, StringRef opType) {
  // Version 1's `consumed_inputs` was an in-place hint without effect on
  // results.
  table.add({opType, 1, 1, 1, 1, {"consumed_inputs"}, convertUnary<OpTy>});
  table.add({opType, 6, 1, 1, 1, {}, convertUnary<OpTy>});
}

void kiln::frontend::populateElementwiseConverters(OnnxOpTable &table) {
  addBinary<graph::AddOp>(table, "Add");
  addBinary<graph::SubOp>(table, "Sub");
  addBinary<graph::MulOp>(table, "Mul");
  addBinary<graph::DivOp>(table, "Div");
  addUnary<graph::ReluOp>(table, "Relu");
  addUnary<graph::SigmoidOp>(table, "Sigmoid");
  addUnary<graph::TanhOp>(table, "Tanh");
  table.add({"Clip", 1, 1, 1, 1, {"consumed_inputs", "max", "min"},
             convertClipWithAttributes});
  table.add({"Clip", 6, 1, 1, 1, {"max", "min"}, convertClipWithAttributes});
  table.add({"Clip", 11, 1, 3, 1, {}, convertClip});
}
