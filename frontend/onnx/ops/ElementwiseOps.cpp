//===- ElementwiseOps.cpp - Arithmetic, math, logic and activations -------===//
//
// Every ONNX op that maps onto an elementwise kiln op: arithmetic (with the
// legacy `broadcast`/`axis` form before opset 7), math functions,
// activations, comparisons, logic and bit ops, the variadic Max/Min/Sum/Mean
// (chained two operands at a time), Where, Cast/CastLike and Clip (bounds as
// attributes before opset 11).
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

/// Unary ops whose float attributes have the same names in ONNX and kiln.
template <typename OpTy>
static LogicalResult convertUnaryWithFloats(OnnxNode &node,
                                            ArrayRef<StringRef> names) {
  SmallVector<NamedAttribute> attrs;
  Builder b(node.getContext());
  for (StringRef name : names) {
    FailureOr<std::optional<float>> value = node.getOptionalFloat(name);
    if (failed(value))
      return failure();
    if (*value)
      attrs.push_back(b.getNamedAttr(name, b.getF32FloatAttr(**value)));
  }
  FailureOr<OpTy> op = node.create<OpTy>(node.getInput(0));
  if (failed(op))
    return failure();
  for (NamedAttribute attr : attrs)
    (*op)->setAttr(attr.getName(), attr.getValue());
  node.setOutput(0, op->getResult());
  return success();
}

#define KILN_UNARY_WITH_FLOATS(OpTy, ...)                                      \
  [](OnnxNode &node) {                                                         \
    return convertUnaryWithFloats<OpTy>(node, {__VA_ARGS__});                  \
  }

static LogicalResult convertGelu(OnnxNode &node) {
  FailureOr<std::string> approximate = node.getString("approximate", "none");
  if (failed(approximate))
    return failure();
  if (*approximate != "none" && *approximate != "tanh")
    return node.emitUnsupportedValue("approximate", "'" + *approximate + "'")
           << " (expected 'none' or 'tanh')";
  FailureOr<graph::GeluOp> op = node.create<graph::GeluOp>(node.getInput(0));
  if (failed(op))
    return failure();
  op->setTanhApproximation(*approximate == "tanh");
  node.setOutput(0, op->getResult());
  return success();
}

static LogicalResult convertIsInf(OnnxNode &node) {
  FailureOr<int64_t> negative = node.getInt("detect_negative", 1);
  FailureOr<int64_t> positive = node.getInt("detect_positive", 1);
  if (failed(negative) || failed(positive))
    return failure();
  FailureOr<graph::IsInfOp> op = node.create<graph::IsInfOp>(node.getInput(0));
  if (failed(op))
    return failure();
  op->setDetectNegative(*negative != 0);
  op->setDetectPositive(*positive != 0);
  node.setOutput(0, op->getResult());
  return success();
}

static LogicalResult convertMod(OnnxNode &node) {
  FailureOr<int64_t> fmod = node.getInt("fmod", 0);
  if (failed(fmod))
    return failure();
  if (*fmod != 0 && *fmod != 1)
    return node.emitUnsupportedValue("fmod", std::to_string(*fmod)) << " (expected 0 or 1)";
  FailureOr<graph::ModOp> op =
      node.create<graph::ModOp>(node.getInput(0), node.getInput(1));
  if (failed(op))
    return failure();
  op->setFmod(*fmod == 1);
  node.setOutput(0, op->getResult());
  return success();
}

static LogicalResult convertBitShift(OnnxNode &node) {
  FailureOr<std::string> direction = node.getString("direction", "");
  if (failed(direction))
    return failure();
  if (*direction != "LEFT" && *direction != "RIGHT")
    return node.emitUnsupportedValue("direction", "'" + *direction + "'")
           << " (expected 'LEFT' or 'RIGHT')";
  FailureOr<Value> result = node.createValue<graph::BitShiftOp>(
      node.getInput(0), node.getInput(1), *direction == "LEFT");
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Max, Min, Sum and Mean of any number of operands, two at a time (they
/// broadcast together, so the order does not change the result shape).
template <typename OpTy>
static FailureOr<Value> foldOperands(OnnxNode &node) {
  Value result;
  for (size_t i = 0; i < node.getNumInputs(); ++i) {
    Value input = node.getInput(i);
    if (!input)
      continue;
    if (!result) {
      result = input;
      continue;
    }
    FailureOr<Value> next = node.createValue<OpTy>(result, input);
    if (failed(next))
      return failure();
    result = *next;
  }
  if (!result)
    return node.emitError() << "needs at least one input";
  return result;
}

template <typename OpTy>
static LogicalResult convertVariadic(OnnxNode &node) {
  FailureOr<Value> result = foldOperands<OpTy>(node);
  if (failed(result))
    return failure();
  // A single input is returned as it is.
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertMean(OnnxNode &node) {
  FailureOr<Value> sum = foldOperands<graph::AddOp>(node);
  if (failed(sum))
    return failure();
  Type element = llvm::cast<RankedTensorType>(sum->getType()).getElementType();
  if (!llvm::isa<FloatType>(element))
    return node.emitError() << "Mean needs floating-point inputs, got " << element;
  size_t count = llvm::count_if(llvm::seq<size_t>(0, node.getNumInputs()),
                                [&](size_t i) { return node.getInput(i); });
  auto scalarType = RankedTensorType::get({}, element);
  FailureOr<Value> divisor = node.createConstant(DenseElementsAttr::get(
      scalarType, FloatAttr::get(element, static_cast<double>(count))));
  if (failed(divisor))
    return failure();
  FailureOr<Value> mean = node.createValue<graph::DivOp>(*sum, *divisor);
  if (failed(mean))
    return failure();
  node.setOutput(0, *mean);
  return success();
}

static LogicalResult convertWhere(OnnxNode &node) {
  FailureOr<Value> result = node.createValue<graph::WhereOp>(
      node.getInput(0), node.getInput(1), node.getInput(2));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// The element type a Cast's `to` names: a data type number, or (opset 1) its
/// name as a string.
static FailureOr<Type> getCastTarget(OnnxNode &node) {
  const onnx::AttributeProto *to = node.findAttr("to");
  if (!to)
    return node.emitError() << "missing required attribute 'to'";
  int64_t dataType = -1;
  if (to->type() == onnx::AttributeProto::STRING || (!to->has_i() && to->has_s())) {
    for (int32_t t = 0; t < 32; ++t)
      if (getOnnxDataTypeName(t) == to->s())
        dataType = t;
    if (dataType < 0)
      return node.emitUnsupportedValue("to", "'" + to->s() + "'");
  } else {
    FailureOr<int64_t> value = node.getRequiredInt("to");
    if (failed(value))
      return failure();
    dataType = *value;
  }
  return convertElementType(node.getLoc(), static_cast<int32_t>(dataType),
                            "the cast target");
}

static LogicalResult buildCast(OnnxNode &node, Type to) {
  FailureOr<int64_t> saturate = node.getInt("saturate", 1);
  FailureOr<std::string> roundMode = node.getString("round_mode", "up");
  if (failed(saturate) || failed(roundMode))
    return failure();
  if (*roundMode != "up" && *roundMode != "down" && *roundMode != "nearest")
    return node.emitUnsupportedValue("round_mode", "'" + *roundMode + "'")
           << " (expected 'up', 'down' or 'nearest')";
  Value input = node.getInput(0);
  if (node.getInputType(0).getElementType() == to) {
    node.setOutput(0, input);
    return success();
  }
  FailureOr<Value> result = node.createValue<graph::CastOp>(
      input, TypeAttr::get(to), BoolAttr::get(node.getContext(), *saturate != 0),
      StringAttr::get(node.getContext(), *roundMode));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertCast(OnnxNode &node) {
  FailureOr<Type> to = getCastTarget(node);
  if (failed(to))
    return failure();
  return buildCast(node, *to);
}

static LogicalResult convertCastLike(OnnxNode &node) {
  return buildCast(node, node.getInputType(1).getElementType());
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

/// Ops that appeared at `since` without legacy forms.
template <typename OpTy>
static void addSimpleUnary(OnnxOpTable &table, StringRef opType, int64_t since) {
  table.add({opType, since, 1, 1, 1, {}, convertUnary<OpTy>});
}

template <typename OpTy>
static void addSimpleBinary(OnnxOpTable &table, StringRef opType, int64_t since) {
  table.add({opType, since, 2, 2, 1, {}, convertBinary<OpTy>});
}

/// Comparison and logic ops: the legacy broadcast form at version 1, numpy
/// broadcasting from 7.
template <typename OpTy>
static void addLegacyBinary(OnnxOpTable &table, StringRef opType) {
  table.add({opType, 1, 2, 2, 1, {"axis", "broadcast"}, convertLegacyBinary<OpTy>});
  table.add({opType, 7, 2, 2, 1, {}, convertBinary<OpTy>});
}

template <typename OpTy>
static void addVariadic(OnnxOpTable &table, StringRef opType, OnnxConvertFn convert) {
  table.add({opType, 1, 1, kVariadic, 1, {"consumed_inputs"}, convert});
  table.add({opType, 6, 1, kVariadic, 1, {}, convert});
}

void kiln::frontend::populateElementwiseConverters(OnnxOpTable &table) {
  addBinary<graph::AddOp>(table, "Add");
  addBinary<graph::SubOp>(table, "Sub");
  addBinary<graph::MulOp>(table, "Mul");
  addBinary<graph::DivOp>(table, "Div");
  addUnary<graph::ReluOp>(table, "Relu");
  addUnary<graph::SigmoidOp>(table, "Sigmoid");
  addUnary<graph::TanhOp>(table, "Tanh");
  addUnary<graph::AbsOp>(table, "Abs");
  addUnary<graph::NegOp>(table, "Neg");
  addUnary<graph::ExpOp>(table, "Exp");
  addUnary<graph::LogOp>(table, "Log");
  addUnary<graph::SqrtOp>(table, "Sqrt");
  addUnary<graph::ReciprocalOp>(table, "Reciprocal");
  addUnary<graph::FloorOp>(table, "Floor");
  addUnary<graph::CeilOp>(table, "Ceil");
  addSimpleUnary<graph::SignOp>(table, "Sign", 9);
  addSimpleUnary<graph::RoundOp>(table, "Round", 11);
  addSimpleUnary<graph::SinOp>(table, "Sin", 7);
  addSimpleUnary<graph::CosOp>(table, "Cos", 7);
  addSimpleUnary<graph::TanOp>(table, "Tan", 7);
  addSimpleUnary<graph::AsinOp>(table, "Asin", 7);
  addSimpleUnary<graph::AcosOp>(table, "Acos", 7);
  addSimpleUnary<graph::AtanOp>(table, "Atan", 7);
  addSimpleUnary<graph::SinhOp>(table, "Sinh", 9);
  addSimpleUnary<graph::CoshOp>(table, "Cosh", 9);
  addSimpleUnary<graph::AsinhOp>(table, "Asinh", 9);
  addSimpleUnary<graph::AcoshOp>(table, "Acosh", 9);
  addSimpleUnary<graph::AtanhOp>(table, "Atanh", 9);
  addSimpleUnary<graph::ErfOp>(table, "Erf", 9);
  addSimpleUnary<graph::SoftplusOp>(table, "Softplus", 1);
  addSimpleUnary<graph::SoftsignOp>(table, "Softsign", 1);
  addSimpleUnary<graph::HardSwishOp>(table, "HardSwish", 14);
  addSimpleUnary<graph::MishOp>(table, "Mish", 18);
  addSimpleUnary<graph::IsNaNOp>(table, "IsNaN", 9);
  addSimpleUnary<graph::NotOp>(table, "Not", 1);
  addSimpleUnary<graph::BitwiseNotOp>(table, "BitwiseNot", 18);
  table.add({"IsInf", 10, 1, 1, 1, {"detect_negative", "detect_positive"}, convertIsInf});

  table.add({"LeakyRelu", 1, 1, 1, 1, {"alpha", "consumed_inputs"},
             KILN_UNARY_WITH_FLOATS(graph::LeakyReluOp, "alpha")});
  table.add({"LeakyRelu", 6, 1, 1, 1, {"alpha"},
             KILN_UNARY_WITH_FLOATS(graph::LeakyReluOp, "alpha")});
  table.add({"Elu", 1, 1, 1, 1, {"alpha", "consumed_inputs"},
             KILN_UNARY_WITH_FLOATS(graph::EluOp, "alpha")});
  table.add({"Elu", 6, 1, 1, 1, {"alpha"}, KILN_UNARY_WITH_FLOATS(graph::EluOp, "alpha")});
  table.add({"Selu", 1, 1, 1, 1, {"alpha", "consumed_inputs", "gamma"},
             KILN_UNARY_WITH_FLOATS(graph::SeluOp, "alpha", "gamma")});
  table.add({"Selu", 6, 1, 1, 1, {"alpha", "gamma"},
             KILN_UNARY_WITH_FLOATS(graph::SeluOp, "alpha", "gamma")});
  table.add({"Celu", 12, 1, 1, 1, {"alpha"}, KILN_UNARY_WITH_FLOATS(graph::CeluOp, "alpha")});
  table.add({"HardSigmoid", 1, 1, 1, 1, {"alpha", "beta", "consumed_inputs"},
             KILN_UNARY_WITH_FLOATS(graph::HardSigmoidOp, "alpha", "beta")});
  table.add({"HardSigmoid", 6, 1, 1, 1, {"alpha", "beta"},
             KILN_UNARY_WITH_FLOATS(graph::HardSigmoidOp, "alpha", "beta")});
  table.add({"ThresholdedRelu", 10, 1, 1, 1, {"alpha"},
             KILN_UNARY_WITH_FLOATS(graph::ThresholdedReluOp, "alpha")});
  table.add({"Shrink", 9, 1, 1, 1, {"bias", "lambd"},
             KILN_UNARY_WITH_FLOATS(graph::ShrinkOp, "bias", "lambd")});
  table.add({"Swish", 24, 1, 1, 1, {"alpha"}, KILN_UNARY_WITH_FLOATS(graph::SwishOp, "alpha")});
  table.add({"Gelu", 20, 1, 1, 1, {"approximate"}, convertGelu});

  addLegacyBinary<graph::EqualOp>(table, "Equal");
  addLegacyBinary<graph::LessOp>(table, "Less");
  addLegacyBinary<graph::GreaterOp>(table, "Greater");
  addSimpleBinary<graph::LessOrEqualOp>(table, "LessOrEqual", 12);
  addSimpleBinary<graph::GreaterOrEqualOp>(table, "GreaterOrEqual", 12);
  addLegacyBinary<graph::AndOp>(table, "And");
  addLegacyBinary<graph::OrOp>(table, "Or");
  addLegacyBinary<graph::XorOp>(table, "Xor");
  addSimpleBinary<graph::BitwiseAndOp>(table, "BitwiseAnd", 18);
  addSimpleBinary<graph::BitwiseOrOp>(table, "BitwiseOr", 18);
  addSimpleBinary<graph::BitwiseXorOp>(table, "BitwiseXor", 18);
  table.add({"BitShift", 11, 2, 2, 1, {"direction"}, convertBitShift});
  table.add({"Pow", 1, 2, 2, 1, {"axis", "broadcast"}, convertLegacyBinary<graph::PowOp>});
  table.add({"Pow", 7, 2, 2, 1, {}, convertBinary<graph::PowOp>});
  table.add({"Mod", 10, 2, 2, 1, {"fmod"}, convertMod});
  table.add({"PRelu", 1, 2, 2, 1, {"consumed_inputs"}, convertBinary<graph::PReluOp>});
  table.add({"PRelu", 6, 2, 2, 1, {}, convertBinary<graph::PReluOp>});
  addVariadic<graph::MaxOp>(table, "Max", convertVariadic<graph::MaxOp>);
  addVariadic<graph::MinOp>(table, "Min", convertVariadic<graph::MinOp>);
  addVariadic<graph::AddOp>(table, "Sum", convertVariadic<graph::AddOp>);
  addVariadic<graph::AddOp>(table, "Mean", convertMean);
  table.add({"Where", 9, 3, 3, 1, {}, convertWhere});
  table.add({"Cast", 1, 1, 1, 1, {"to"}, convertCast});
  table.add({"Cast", 19, 1, 1, 1, {"saturate", "to"}, convertCast});
  table.add({"Cast", 24, 1, 1, 1, {"round_mode", "saturate", "to"}, convertCast});
  table.add({"CastLike", 15, 2, 2, 1, {}, convertCastLike});
  table.add({"CastLike", 19, 2, 2, 1, {"saturate"}, convertCastLike});
  table.add({"CastLike", 24, 2, 2, 1, {"round_mode", "saturate"}, convertCastLike});
  table.add({"Clip", 1, 1, 1, 1, {"consumed_inputs", "max", "min"},
             convertClipWithAttributes});
  table.add({"Clip", 6, 1, 1, 1, {"max", "min"}, convertClipWithAttributes});
  table.add({"Clip", 11, 1, 3, 1, {}, convertClip});
}
