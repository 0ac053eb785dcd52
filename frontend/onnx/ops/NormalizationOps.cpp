//===- NormalizationOps.cpp - Normalizations as reductions ----------------===//
//
// LayerNormalization, RMSNormalization, GroupNormalization,
// InstanceNormalization, LpNormalization, MeanVarianceNormalization and LRN,
// each decomposed into kiln.reduce and elementwise ops (the variance in two
// passes, over the centered values, which stays accurate for inputs far from
// zero). Elementwise fusion puts the pieces back together.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
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
  Value mean;      // keepdims
  Value invStdDev; // 1 / sqrt(var + epsilon), keepdims
  Value result;    // (x - mean) * invStdDev
};
} // namespace

/// (x - mean) / sqrt(var + epsilon) over `axes`, with the variance computed
/// from the centered values.
static Normalized normalize(GraphEmitter &e, Value x, ArrayRef<int64_t> axes,
                            float epsilon) {
  Normalized n;
  n.mean = mean(e, x, axes, /*keepdims=*/true);
  Value centered = e.op<graph::SubOp>(x, n.mean);
  Value variance = mean(e, e.op<graph::MulOp>(centered, centered), axes, true);
  Value shifted = e.op<graph::AddOp>(variance, e.scalar(elementTypeOf(x), epsilon));
  n.invStdDev = e.op<graph::ReciprocalOp>(e.op<graph::SqrtOp>(shifted));
  n.result = e.op<graph::MulOp>(centered, n.invStdDev);
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
static Value scaleAndShift(GraphEmitter &e, Value y, Value scale, Value bias) {
  Value scaled = e.op<graph::MulOp>(y, scale);
  return bias ? e.op<graph::AddOp>(scaled, bias) : scaled;
}

/// A per-channel parameter (shape [C]) reshaped to [C, 1, ..., 1] so that it
/// broadcasts along axis 1 of a tensor of `rank`.
static Value perChannel(GraphEmitter &e, Value param, int64_t rank) {
  if (!e.ok())
    return {};
  ArrayRef<int64_t> shape = shapeOf(param);
  if (shape.size() != 1) {
    e.fail() << "per-channel parameters must be 1-D, got shape " << formatShape(shape);
    return {};
  }
  SmallVector<int64_t> view(rank - 1, 1);
  view[0] = shape[0];
  return e.reshape(param, view);
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
  GraphEmitter e(node);
  Normalized n = normalize(e, e.cast(node.getInput(0), *stash),
                           trailingAxes(*axis, type.getRank()), *epsilon);
  Value y = scaleAndShift(e, e.cast(n.result, type.getElementType()), node.getInput(1),
                          node.getInput(2));
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  if (node.getProto().output_size() > 1)
    node.setOutput(1, n.mean);
  if (node.getProto().output_size() > 2)
    node.setOutput(2, n.invStdDev);
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
  GraphEmitter e(node);
  Value x = e.cast(node.getInput(0), *stash);
  Value meanSquare =
      mean(e, e.op<graph::MulOp>(x, x), trailingAxes(*axis, type.getRank()), true);
  Value rms = e.op<graph::SqrtOp>(e.op<graph::AddOp>(meanSquare, e.scalar(*stash, *epsilon)));
  Value normalized = e.cast(e.op<graph::DivOp>(x, rms), type.getElementType());
  Value y = scaleAndShift(e, normalized, node.getInput(1), Value());
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
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
  int64_t groupSize = channels / *groups;
  for (int64_t d : shape.drop_front(2))
    groupSize *= d;
  GraphEmitter e(node);
  Value grouped = e.reshape(e.cast(node.getInput(0), *stash), {shape[0], *groups, groupSize});
  Value y = e.cast(normalize(e, grouped, {2}, *epsilon).result, type.getElementType());
  Value result;
  if (perGroup) {
    // [G] parameters broadcast as [G, 1] against [N, G, C/G * spatial].
    Value scaled = scaleAndShift(e, y, e.reshape(node.getInput(1), {*groups, 1}),
                                 e.reshape(node.getInput(2), {*groups, 1}));
    result = e.reshape(scaled, shape);
  } else {
    result = scaleAndShift(e, e.reshape(y, shape), perChannel(e, node.getInput(1), shape.size()),
                           perChannel(e, node.getInput(2), shape.size()));
  }
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
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
  GraphEmitter e(node);
  Normalized n = normalize(e, node.getInput(0), trailingAxes(2, rank), *epsilon);
  Value result = scaleAndShift(e, n.result, perChannel(e, node.getInput(1), rank),
                               perChannel(e, node.getInput(2), rank));
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
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
  GraphEmitter e(node);
  Value x = node.getInput(0);
  Value summand = *p == 1 ? e.op<graph::AbsOp>(x) : e.op<graph::MulOp>(x, x);
  Value norm = reduce(e, graph::ReduceKind::sum, summand, {*axis}, true);
  if (*p == 2)
    norm = e.op<graph::SqrtOp>(norm);
  Value zero = e.scalar(elementTypeOf(x), 0.0);
  Value result = e.op<graph::WhereOp>(e.op<graph::EqualOp>(norm, zero), zero,
                                      e.op<graph::DivOp>(x, norm));
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
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
  GraphEmitter e(node);
  Value x = node.getInput(0);
  Value centered = e.op<graph::SubOp>(x, mean(e, x, axes, true));
  Value stdDev = e.op<graph::SqrtOp>(mean(e, e.op<graph::MulOp>(centered, centered), axes, true));
  Value result = e.op<graph::DivOp>(
      centered, e.op<graph::AddOp>(stdDev, e.scalar(elementTypeOf(x), 1e-9)));
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
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
  int64_t before = (*size - 1) / 2, after = *size - 1 - before;
  OpBuilder &b = node.getBuilder();
  GraphEmitter e(node);
  Value view = e.reshape(e.op<graph::MulOp>(x, x), {shape[0], 1, shape[1], rest});
  Value average = e.op<graph::AveragePoolOp>(
      view, b.getDenseI64ArrayAttr({*size, 1}), b.getDenseI64ArrayAttr({before, 0, after, 0}),
      DenseI64ArrayAttr(), DenseI64ArrayAttr(), BoolAttr(), b.getBoolAttr(true),
      graph::AutoPadAttr());
  Value base = e.op<graph::AddOp>(
      e.op<graph::MulOp>(e.reshape(average, shape), e.scalar(element, *alpha)),
      e.scalar(element, *bias));
  Value result = e.op<graph::DivOp>(x, e.op<graph::PowOp>(base, e.scalar(element, *beta)));
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
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
