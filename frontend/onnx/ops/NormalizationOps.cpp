//===- NormalizationOps.cpp - Normalizations as reductions ----------------===//
//
// LayerNormalization, RMSNormalization, GroupNormalization,
// InstanceNormalization, LpNormalization, MeanVarianceNormalization and LRN,
// each decomposed into kiln.reduce and elementwise ops (the variance in two
// passes, over the centered values, which stays accurate for inputs far from
// zero). Elementwise fusion puts the pieces back together.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"
#include "frontend/onnx/ops/ReductionBuilders.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {
/// The pieces of a normalization over some axes.
struct Normalized {
  Value centered;  // x - mean
  Value mean;      // keepdims
  Value invStdDev; // 1 / sqrt(var + epsilon), keepdims
  Value result;    // centered * invStdDev
};
} // namespace

/// (x - mean) / sqrt(var + epsilon) over `axes`, with the variance computed
/// from the centered values.
static FailureOr<Normalized> normalize(OnnxNode &node, Value x,
                                       ArrayRef<int64_t> axes, float epsilon) {
  Normalized n;
  Type element = llvm::cast<RankedTensorType>(x.getType()).getElementType();
  FailureOr<Value> mean = createMean(node, x, axes, /*keepdims=*/true);
  if (failed(mean))
    return failure();
  n.mean = *mean;
  FailureOr<Value> centered = node.createValue<graph::SubOp>(x, n.mean);
  if (failed(centered))
    return failure();
  n.centered = *centered;
  FailureOr<Value> squared = node.createValue<graph::MulOp>(n.centered, n.centered);
  if (failed(squared))
    return failure();
  FailureOr<Value> variance = createMean(node, *squared, axes, /*keepdims=*/true);
  FailureOr<Value> eps = createScalar(node, element, epsilon);
  if (failed(variance) || failed(eps))
    return failure();
  FailureOr<Value> shifted = node.createValue<graph::AddOp>(*variance, *eps);
  if (failed(shifted))
    return failure();
  FailureOr<Value> stdDev = node.createValue<graph::SqrtOp>(*shifted);
  if (failed(stdDev))
    return failure();
  FailureOr<Value> inv = node.createValue<graph::ReciprocalOp>(*stdDev);
  if (failed(inv))
    return failure();
  n.invStdDev = *inv;
  FailureOr<Value> result = node.createValue<graph::MulOp>(n.centered, n.invStdDev);
  if (failed(result))
    return failure();
  n.result = *result;
  return n;
}

/// The element type `stash_type` (an ONNX data type, default FLOAT) names
/// for the statistics of LayerNormalization, RMSNormalization and
/// GroupNormalization.
static FailureOr<Type> getStashType(OnnxNode &node) {
  FailureOr<int64_t> stash = node.getInt("stash_type", onnx::TensorProto::FLOAT);
  if (failed(stash))
    return failure();
  Type type = getElementType(node.getContext(), static_cast<int32_t>(*stash));
  if (!type || !llvm::isa<FloatType>(type))
    return node.emitUnsupportedValue("stash_type", std::to_string(*stash))
           << " (expected a floating-point data type)";
  return type;
}

/// y * scale (+ bias): scale and bias broadcast against y.
static FailureOr<Value> scaleAndShift(OnnxNode &node, Value y, Value scale,
                                      Value bias) {
  FailureOr<Value> scaled = node.createValue<graph::MulOp>(y, scale);
  if (failed(scaled) || !bias)
    return scaled;
  return node.createValue<graph::AddOp>(*scaled, bias);
}

/// A per-channel parameter (shape [C]) reshaped to [C, 1, ..., 1] so that it
/// broadcasts along axis 1 of a tensor of `rank`.
static FailureOr<Value> perChannel(OnnxNode &node, Value param, int64_t rank) {
  auto type = llvm::cast<RankedTensorType>(param.getType());
  if (type.getRank() != 1)
    return node.emitError() << "per-channel parameters must be 1-D, got shape "
                            << formatShape(type.getShape());
  SmallVector<int64_t> shape(rank - 1, 1);
  shape[0] = type.getDimSize(0);
  return node.createReshape(param, shape);
}

static FailureOr<int64_t> getNormalizedAxis(OnnxNode &node, int64_t defaultAxis) {
  FailureOr<int64_t> axis = node.getInt("axis", defaultAxis);
  if (failed(axis))
    return failure();
  int64_t rank = node.getInputType(0).getRank();
  FailureOr<int64_t> a = graph::normalizeAxis(*axis, rank);
  if (failed(a))
    return node.emitError() << "axis " << *axis << " is out of range for rank " << rank;
  return *a;
}

/// Statistics over the axes from `axis` on, in the stash type; Y is cast
/// back to the input type before scale and bias, as the ONNX function does.
static LogicalResult convertLayerNormalization(OnnxNode &node) {
  FailureOr<int64_t> axis = getNormalizedAxis(node, -1);
  FailureOr<float> epsilon = node.getFloat("epsilon", 1e-5f);
  FailureOr<Type> stash = getStashType(node);
  if (failed(axis) || failed(epsilon) || failed(stash))
    return failure();
  RankedTensorType type = node.getInputType(0);
  FailureOr<Value> x = createCast(node, node.getInput(0), *stash);
  if (failed(x))
    return failure();
  FailureOr<Normalized> n =
      normalize(node, *x, trailingAxes(*axis, type.getRank()), *epsilon);
  if (failed(n))
    return failure();
  FailureOr<Value> y = createCast(node, n->result, type.getElementType());
  if (failed(y))
    return failure();
  FailureOr<Value> result = scaleAndShift(node, *y, node.getInput(1), node.getInput(2));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  if (node.getProto().output_size() > 1)
    node.setOutput(1, n->mean);
  if (node.getProto().output_size() > 2)
    node.setOutput(2, n->invStdDev);
  return success();
}

/// x / sqrt(mean(x^2) + epsilon) * scale over the axes from `axis` on.
static LogicalResult convertRMSNormalization(OnnxNode &node) {
  FailureOr<int64_t> axis = getNormalizedAxis(node, -1);
  FailureOr<float> epsilon = node.getFloat("epsilon", 1e-5f);
  FailureOr<Type> stash = getStashType(node);
  if (failed(axis) || failed(epsilon) || failed(stash))
    return failure();
  RankedTensorType type = node.getInputType(0);
  FailureOr<Value> x = createCast(node, node.getInput(0), *stash);
  if (failed(x))
    return failure();
  FailureOr<Value> squared = node.createValue<graph::MulOp>(*x, *x);
  if (failed(squared))
    return failure();
  FailureOr<Value> meanSquare =
      createMean(node, *squared, trailingAxes(*axis, type.getRank()), true);
  FailureOr<Value> eps = createScalar(node, *stash, *epsilon);
  if (failed(meanSquare) || failed(eps))
    return failure();
  FailureOr<Value> shifted = node.createValue<graph::AddOp>(*meanSquare, *eps);
  if (failed(shifted))
    return failure();
  FailureOr<Value> rms = node.createValue<graph::SqrtOp>(*shifted);
  if (failed(rms))
    return failure();
  FailureOr<Value> normalized = node.createValue<graph::DivOp>(*x, *rms);
  if (failed(normalized))
    return failure();
  FailureOr<Value> y = createCast(node, *normalized, type.getElementType());
  if (failed(y))
    return failure();
  FailureOr<Value> result = scaleAndShift(node, *y, node.getInput(1), Value());
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// The channels split into num_groups groups, each normalized over its
/// channels and the spatial axes: reshape to [N, G, C/G * spatial],
/// normalize the last axis. Scale and bias are per group at opset 18 and
/// per channel from 21.
static LogicalResult convertGroupNormalization(OnnxNode &node) {
  FailureOr<int64_t> groups = node.getRequiredInt("num_groups");
  FailureOr<float> epsilon = node.getFloat("epsilon", 1e-5f);
  bool perGroup = node.getSinceVersion() < 21;
  RankedTensorType type = node.getInputType(0);
  FailureOr<Type> stash = perGroup ? FailureOr<Type>(type.getElementType())
                                   : getStashType(node);
  if (failed(groups) || failed(epsilon) || failed(stash))
    return failure();
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.size() < 3 || llvm::any_of(shape.drop_front(), ShapedType::isDynamic))
    return node.emitError() << "GroupNormalization needs an input of shape N x C x "
                               "D1 x ... with known C and D, got "
                            << formatShape(shape);
  int64_t channels = shape[1];
  if (*groups <= 0 || channels % *groups != 0)
    return node.emitUnsupportedValue("num_groups", std::to_string(*groups))
           << " (must divide the " << channels << " channels)";
  int64_t perGroupSize = channels / *groups;
  for (int64_t d : shape.drop_front(2))
    perGroupSize *= d;
  FailureOr<Value> x = createCast(node, node.getInput(0), *stash);
  if (failed(x))
    return failure();
  FailureOr<Value> grouped = node.createReshape(*x, {shape[0], *groups, perGroupSize});
  if (failed(grouped))
    return failure();
  FailureOr<Normalized> n = normalize(node, *grouped, {2}, *epsilon);
  if (failed(n))
    return failure();
  FailureOr<Value> y = createCast(node, n->result, type.getElementType());
  if (failed(y))
    return failure();
  FailureOr<Value> result;
  if (perGroup) {
    // [G] parameters broadcast as [G, 1] against [N, G, C/G * spatial].
    FailureOr<Value> scale = node.createReshape(node.getInput(1), {*groups, 1});
    FailureOr<Value> bias = node.createReshape(node.getInput(2), {*groups, 1});
    if (failed(scale) || failed(bias))
      return failure();
    FailureOr<Value> scaled = scaleAndShift(node, *y, *scale, *bias);
    if (failed(scaled))
      return failure();
    result = node.createReshape(*scaled, shape);
  } else {
    FailureOr<Value> back = node.createReshape(*y, shape);
    FailureOr<Value> scale = perChannel(node, node.getInput(1), shape.size());
    FailureOr<Value> bias = perChannel(node, node.getInput(2), shape.size());
    if (failed(back) || failed(scale) || failed(bias))
      return failure();
    result = scaleAndShift(node, *back, *scale, *bias);
  }
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Each (n, c) normalized over the spatial axes, then per-channel scale and
/// bias.
static LogicalResult convertInstanceNormalization(OnnxNode &node) {
  FailureOr<float> epsilon = node.getFloat("epsilon", 1e-5f);
  if (failed(epsilon))
    return failure();
  RankedTensorType type = node.getInputType(0);
  int64_t rank = type.getRank();
  if (rank < 3)
    return node.emitError() << "InstanceNormalization needs an input of rank >= 3 "
                               "(N x C x D1 x ...), got "
                            << formatShape(type.getShape());
  FailureOr<Normalized> n =
      normalize(node, node.getInput(0), trailingAxes(2, rank), *epsilon);
  if (failed(n))
    return failure();
  FailureOr<Value> scale = perChannel(node, node.getInput(1), rank);
  FailureOr<Value> bias = perChannel(node, node.getInput(2), rank);
  if (failed(scale) || failed(bias))
    return failure();
  FailureOr<Value> result = scaleAndShift(node, n->result, *scale, *bias);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// x divided by its L1 or L2 norm along `axis`; 0 where the norm is 0.
static LogicalResult convertLpNormalization(OnnxNode &node) {
  FailureOr<int64_t> axis = getNormalizedAxis(node, -1);
  FailureOr<int64_t> p = node.getInt("p", 2);
  if (failed(axis) || failed(p))
    return failure();
  if (*p != 1 && *p != 2)
    return node.emitUnsupportedValue("p", std::to_string(*p)) << " (expected 1 or 2)";
  Value x = node.getInput(0);
  Type element = node.getInputType(0).getElementType();
  FailureOr<Value> summand = *p == 1 ? node.createValue<graph::AbsOp>(x)
                                     : node.createValue<graph::MulOp>(x, x);
  if (failed(summand))
    return failure();
  FailureOr<Value> norm = createReduce(node, graph::ReduceKind::sum, *summand, {*axis}, true);
  if (failed(norm))
    return failure();
  if (*p == 2)
    norm = node.createValue<graph::SqrtOp>(*norm);
  FailureOr<Value> zero = createScalar(node, element, 0.0);
  if (failed(norm) || failed(zero))
    return failure();
  FailureOr<Value> isZero = node.createValue<graph::EqualOp>(*norm, *zero);
  FailureOr<Value> quotient = node.createValue<graph::DivOp>(x, *norm);
  if (failed(isZero) || failed(quotient))
    return failure();
  FailureOr<Value> result = node.createValue<graph::WhereOp>(*isZero, *zero, *quotient);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// (x - mean) / (sqrt(var) + 1e-9) over `axes` (default N and the spatial
/// axes of an NCHW tensor), as the ONNX function defines it.
static LogicalResult convertMeanVarianceNormalization(OnnxNode &node) {
  FailureOr<std::optional<SmallVector<int64_t>>> axesAttr = node.getOptionalInts("axes");
  if (failed(axesAttr))
    return failure();
  int64_t rank = node.getInputType(0).getRank();
  SmallVector<int64_t> axes = axesAttr->value_or(SmallVector<int64_t>{0, 2, 3});
  for (int64_t &axis : axes) {
    FailureOr<int64_t> a = graph::normalizeAxis(axis, rank);
    if (failed(a))
      return node.emitError() << "axis " << axis << " is out of range for rank " << rank;
    axis = *a;
  }
  Value x = node.getInput(0);
  Type element = node.getInputType(0).getElementType();
  FailureOr<Value> mean = createMean(node, x, axes, true);
  if (failed(mean))
    return failure();
  FailureOr<Value> centered = node.createValue<graph::SubOp>(x, *mean);
  if (failed(centered))
    return failure();
  FailureOr<Value> squared = node.createValue<graph::MulOp>(*centered, *centered);
  if (failed(squared))
    return failure();
  FailureOr<Value> variance = createMean(node, *squared, axes, true);
  if (failed(variance))
    return failure();
  FailureOr<Value> stdDev = node.createValue<graph::SqrtOp>(*variance);
  FailureOr<Value> eps = createScalar(node, element, 1e-9);
  if (failed(stdDev) || failed(eps))
    return failure();
  FailureOr<Value> divisor = node.createValue<graph::AddOp>(*stdDev, *eps);
  if (failed(divisor))
    return failure();
  FailureOr<Value> result = node.createValue<graph::DivOp>(*centered, *divisor);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// x / (bias + alpha / size * square_sum)^beta, where square_sum adds x^2
/// over a window of `size` channels around each channel. alpha / size *
/// square_sum is alpha times the average pool of x^2 along the channels
/// with the window's padding counted: x^2 is viewed as [N, 1, C, rest] and
/// pooled with a size x 1 window.
static LogicalResult convertLRN(OnnxNode &node) {
  FailureOr<float> alpha = node.getFloat("alpha", 1e-4f);
  FailureOr<float> beta = node.getFloat("beta", 0.75f);
  FailureOr<float> bias = node.getFloat("bias", 1.0f);
  FailureOr<int64_t> size = node.getRequiredInt("size");
  if (failed(alpha) || failed(beta) || failed(bias) || failed(size))
    return failure();
  if (*size <= 0)
    return node.emitUnsupportedValue("size", std::to_string(*size)) << " (must be positive)";
  Value x = node.getInput(0);
  RankedTensorType type = node.getInputType(0);
  ArrayRef<int64_t> shape = type.getShape();
  if (shape.size() < 3 || llvm::any_of(shape.drop_front(), ShapedType::isDynamic))
    return node.emitError() << "LRN needs an input of shape N x C x D1 x ... with "
                               "known C and D, got "
                            << formatShape(shape);
  int64_t rest = 1;
  for (int64_t d : shape.drop_front(2))
    rest *= d;
  Type element = type.getElementType();
  FailureOr<Value> squared = node.createValue<graph::MulOp>(x, x);
  if (failed(squared))
    return failure();
  FailureOr<Value> view = node.createReshape(*squared, {shape[0], 1, shape[1], rest});
  if (failed(view))
    return failure();
  int64_t before = (*size - 1) / 2, after = *size - 1 - before;
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> average = node.createValue<graph::AveragePoolOp>(
      *view, b.getDenseI64ArrayAttr({*size, 1}),
      b.getDenseI64ArrayAttr({before, 0, after, 0}), DenseI64ArrayAttr(),
      DenseI64ArrayAttr(), BoolAttr(), b.getBoolAttr(true), graph::AutoPadAttr());
  if (failed(average))
    return failure();
  FailureOr<Value> sums = node.createReshape(*average, shape);
  FailureOr<Value> alphaValue = createScalar(node, element, *alpha);
  FailureOr<Value> biasValue = createScalar(node, element, *bias);
  FailureOr<Value> betaValue = createScalar(node, element, *beta);
  if (failed(sums) || failed(alphaValue) || failed(biasValue) || failed(betaValue))
    return failure();
  FailureOr<Value> scaled = node.createValue<graph::MulOp>(*sums, *alphaValue);
  if (failed(scaled))
    return failure();
  FailureOr<Value> base = node.createValue<graph::AddOp>(*scaled, *biasValue);
  if (failed(base))
    return failure();
  FailureOr<Value> divisor = node.createValue<graph::PowOp>(*base, *betaValue);
  if (failed(divisor))
    return failure();
  FailureOr<Value> result = node.createValue<graph::DivOp>(x, *divisor);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

void kiln::frontend::populateNormalizationConverters(OnnxOpTable &table) {
  table.add({"LayerNormalization", 17, 2, 3, 3, {"axis", "epsilon", "stash_type"},
             convertLayerNormalization});
  table.add({"RMSNormalization", 23, 2, 2, 1, {"axis", "epsilon", "stash_type"},
             convertRMSNormalization});
  table.add({"GroupNormalization", 18, 3, 3, 1, {"epsilon", "num_groups"},
             convertGroupNormalization});
  table.add({"GroupNormalization", 21, 3, 3, 1, {"epsilon", "num_groups", "stash_type"},
             convertGroupNormalization});
  table.add({"InstanceNormalization", 1, 3, 3, 1, {"consumed_inputs", "epsilon"},
             convertInstanceNormalization});
  table.add({"InstanceNormalization", 6, 3, 3, 1, {"epsilon"},
             convertInstanceNormalization});
  table.add({"LpNormalization", 1, 1, 1, 1, {"axis", "p"}, convertLpNormalization});
  table.add({"MeanVarianceNormalization", 9, 1, 1, 1, {"axes"},
             convertMeanVarianceNormalization});
  table.add({"LRN", 1, 1, 1, 1, {"alpha", "beta", "bias", "size"}, convertLRN});
}
