//===- LossOps.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ---===//
//
// Both losses pick, for each sample, the input entry of its target class.
// Without a gather, the pick is a one-hot mask: the target compared with a
// constant [0, C) along the class axis, selecting the input there and
// summing over the classes. Targets outside [0, C) (the ignore_index, most
// often) select nothing and never read out of bounds.
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
enum class LossReduction { None, Sum, Mean };

/// The attributes both losses share.
struct LossAttrs {
  LossReduction reduction = LossReduction::Mean;
  std::optional<int64_t> ignoreIndex;
};
} // namespace

static FailureOr<LossAttrs> getLossAttrs(OnnxNode &node) {
  FailureOr<std::string> reduction = node.getString("reduction", "mean");
  FailureOr<std::optional<int64_t>> ignoreIndex = node.getOptionalInt("ignore_index");
  if (failed(reduction) || failed(ignoreIndex))
    return failure();
  LossAttrs attrs;
  attrs.ignoreIndex = *ignoreIndex;
  if (*reduction == "none")
    attrs.reduction = LossReduction::None;
  else if (*reduction == "sum")
    attrs.reduction = LossReduction::Sum;
  else if (*reduction != "mean")
    return node.emitUnsupportedValue("reduction", "'" + *reduction + "'")
           << " (expected 'none', 'sum' or 'mean')";
  return attrs;
}

/// The negative log-likelihood loss of `logProb` ([N, C, d1, ...]) at
/// `target` ([N, d1, ...]): -logProb[n, target, d...] * weight[target],
/// 0 where target is ignore_index, then reduced.
static Value buildNegativeLogLikelihood(GraphEmitter &e, const LossAttrs &attrs,
                                        Value logProb, Value target, Value weight) {
  if (!e.ok())
    return {};
  ArrayRef<int64_t> shape = shapeOf(logProb);
  ArrayRef<int64_t> targetShape = shapeOf(target);
  int64_t rank = shape.size();
  if (rank < 2 || ShapedType::isDynamic(shape[1])) {
    e.fail() << "the input must have shape N x C x ... with a known number of classes C, got "
             << formatShape(shape);
    return {};
  }
  if (static_cast<int64_t>(targetShape.size()) != rank - 1) {
    e.fail() << "the target of shape " << formatShape(targetShape)
             << " does not match the input of shape " << formatShape(shape);
    return {};
  }
  Type element = elementTypeOf(logProb);
  Type targetElement = elementTypeOf(target);
  int64_t classes = shape[1];

  // The one-hot mask [N, C, d...]: target as [N, 1, d...] against the
  // classes as [1, C, 1, ...].
  SmallVector<int64_t> targetView(targetShape);
  targetView.insert(targetView.begin() + 1, 1);
  SmallVector<int64_t> classShape(rank, 1);
  classShape[1] = classes;
  SmallVector<APInt> classValues;
  for (int64_t c = 0; c < classes; ++c)
    classValues.push_back(APInt(targetElement.getIntOrFloatBitWidth(), c, /*isSigned=*/true));
  Value classIds = e.constant(
      DenseElementsAttr::get(RankedTensorType::get(classShape, targetElement), classValues));
  Value oneHot = e.op<graph::EqualOp>(e.reshape(target, targetView), classIds);
  Value zero = e.scalar(element, 0.0);
  Value picked = reduce(e, graph::ReduceKind::sum, e.op<graph::WhereOp>(oneHot, logProb, zero),
                        {1}, false);

  // The weight of each sample's class (1 without weights; 0 for a target
  // outside [0, C)).
  Value classWeights;
  if (weight) {
    ArrayRef<int64_t> weightShape = shapeOf(weight);
    if (weightShape.size() != 1) {
      e.fail() << "the weight must be 1-D, got shape " << formatShape(weightShape);
      return {};
    }
    SmallVector<int64_t> weightView(rank, 1);
    weightView[1] = weightShape[0];
    classWeights = e.op<graph::WhereOp>(oneHot, e.reshape(weight, weightView), zero);
  } else {
    classWeights = e.cast(oneHot, element);
  }
  Value sampleWeights = reduce(e, graph::ReduceKind::sum, classWeights, {1}, false);
  if (attrs.ignoreIndex) {
    Value ignored = e.op<graph::EqualOp>(
        target, e.scalar(targetElement, static_cast<double>(*attrs.ignoreIndex)));
    sampleWeights = e.op<graph::WhereOp>(ignored, zero, sampleWeights);
  }

  Value loss = e.op<graph::NegOp>(e.op<graph::MulOp>(picked, sampleWeights));
  if (attrs.reduction == LossReduction::None)
    return loss;
  SmallVector<int64_t> all = trailingAxes(0, rank - 1);
  if (attrs.reduction == LossReduction::Sum)
    return reduce(e, graph::ReduceKind::sum, loss, all, false);
  // The mean divides by the total weight of the samples that count. The
  // division is on the kept unit dimensions, not on scalars: code generators
  // parallelize over dimensions, and a scalar op has none.
  Value mean = e.op<graph::DivOp>(reduce(e, graph::ReduceKind::sum, loss, all, true),
                                  reduce(e, graph::ReduceKind::sum, sampleWeights, all, true));
  return e.reshape(mean, {});
}

static LogicalResult convertNegativeLogLikelihoodLoss(OnnxNode &node) {
  FailureOr<LossAttrs> attrs = getLossAttrs(node);
  if (failed(attrs))
    return failure();
  GraphEmitter e(node);
  Value loss = buildNegativeLogLikelihood(e, *attrs, node.getInput(0), node.getInput(1),
                                          node.getInput(2));
  if (!e.ok())
    return failure();
  node.setOutput(0, loss);
  return success();
}

/// The negative log-likelihood of the log-softmax over the classes (axis 1);
/// the optional second output is that log-softmax.
static LogicalResult convertSoftmaxCrossEntropyLoss(OnnxNode &node) {
  FailureOr<LossAttrs> attrs = getLossAttrs(node);
  if (failed(attrs))
    return failure();
  GraphEmitter e(node);
  Value logProb =
      e.op<graph::LogSoftmaxOp>(node.getInput(0), node.getBuilder().getI64IntegerAttr(1));
  Value loss =
      buildNegativeLogLikelihood(e, *attrs, logProb, node.getInput(1), node.getInput(2));
  if (!e.ok())
    return failure();
  node.setOutput(0, loss);
  if (node.getProto().output_size() > 1)
    node.setOutput(1, logProb);
  return success();
}

void kiln::frontend::populateLossConverters(OnnxOpTable &table) {
  table.add({"NegativeLogLikelihoodLoss", 12, 2, 3, 1, {"ignore_index", "reduction"},
             convertNegativeLogLikelihoodLoss});
  table.add({"SoftmaxCrossEntropyLoss", 12, 2, 3, 2, {"ignore_index", "reduction"},
             convertSoftmaxCrossEntropyLoss});
}
