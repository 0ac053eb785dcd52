//===- LossOps.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ---===//
//
// Both losses pick, for each sample, the input entry of its target class.
// Without a gather, the pick is a one-hot mask: the target compared with a
// constant [0, C) along the class axis, selecting the input there and
// summing over the classes. Targets outside [0, C) (the ignore_index, most
// often) select nothing and never read out of bounds.
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
enum class LossReduction { None, Sum, Mean };
} // namespace

static FailureOr<LossReduction> getReduction(OnnxNode &node) {
  FailureOr<std::string> reduction = node.getString("reduction", "mean");
  if (failed(reduction))
    return failure();
  if (*reduction == "none")
    return LossReduction::None;
  if (*reduction == "sum")
    return LossReduction::Sum;
  if (*reduction == "mean")
    return LossReduction::Mean;
  return node.emitUnsupportedValue("reduction", "'" + *reduction + "'")
         << " (expected 'none', 'sum' or 'mean')";
}

/// The negative log-likelihood loss of `logProb` ([N, C, d1, ...]) at
/// `target` ([N, d1, ...]): -logProb[n, target, d...] * weight[target],
/// 0 where target is ignore_index, then reduced.
static FailureOr<Value> buildNegativeLogLikelihood(OnnxNode &node, Value logProb,
                                                   Value target, Value weight) {
  FailureOr<LossReduction> reduction = getReduction(node);
  FailureOr<std::optional<int64_t>> ignoreIndex = node.getOptionalInt("ignore_index");
  if (failed(reduction) || failed(ignoreIndex))
    return failure();
  auto inputType = llvm::cast<RankedTensorType>(logProb.getType());
  auto targetType = llvm::cast<RankedTensorType>(target.getType());
  ArrayRef<int64_t> shape = inputType.getShape();
  int64_t rank = shape.size();
  if (rank < 2 || ShapedType::isDynamic(shape[1]))
    return node.emitError() << "the input must have shape N x C x ... with a known "
                               "number of classes C, got "
                            << formatShape(shape);
  SmallVector<int64_t> expectedTarget(shape);
  expectedTarget.erase(expectedTarget.begin() + 1);
  if (targetType.getRank() != rank - 1)
    return node.emitError() << "the target of shape " << formatShape(targetType.getShape())
                            << " does not match the input of shape " << formatShape(shape);
  Type element = inputType.getElementType();
  Type targetElement = targetType.getElementType();
  int64_t classes = shape[1];

  // The one-hot mask [N, C, d...]: target as [N, 1, d...] against the
  // classes as [1, C, 1, ...].
  SmallVector<int64_t> targetShape(targetType.getShape());
  targetShape.insert(targetShape.begin() + 1, 1);
  FailureOr<Value> targetView = node.createReshape(target, targetShape);
  if (failed(targetView))
    return failure();
  SmallVector<int64_t> classShape(rank, 1);
  classShape[1] = classes;
  SmallVector<APInt> classValues;
  unsigned width = targetElement.getIntOrFloatBitWidth();
  for (int64_t c = 0; c < classes; ++c)
    classValues.push_back(APInt(width, c, /*isSigned=*/true));
  FailureOr<Value> classIds = node.createConstant(
      DenseElementsAttr::get(RankedTensorType::get(classShape, targetElement), classValues));
  if (failed(classIds))
    return failure();
  FailureOr<Value> oneHot = node.createValue<graph::EqualOp>(*targetView, *classIds);
  FailureOr<Value> zero = createScalar(node, element, 0.0);
  if (failed(oneHot) || failed(zero))
    return failure();

  FailureOr<Value> pickedInput = node.createValue<graph::WhereOp>(*oneHot, logProb, *zero);
  if (failed(pickedInput))
    return failure();
  FailureOr<Value> picked =
      createReduce(node, graph::ReduceKind::sum, *pickedInput, {1}, false);
  if (failed(picked))
    return failure();

  // The weight of each sample's class (1 without weights; 0 for a target
  // outside [0, C)).
  FailureOr<Value> classWeights;
  if (weight) {
    auto weightType = llvm::cast<RankedTensorType>(weight.getType());
    if (weightType.getRank() != 1)
      return node.emitError() << "the weight must be 1-D, got shape "
                              << formatShape(weightType.getShape());
    SmallVector<int64_t> weightShape(rank, 1);
    weightShape[1] = weightType.getDimSize(0);
    FailureOr<Value> weightView = node.createReshape(weight, weightShape);
    if (failed(weightView))
      return failure();
    classWeights = node.createValue<graph::WhereOp>(*oneHot, *weightView, *zero);
  } else {
    classWeights = createCast(node, *oneHot, element);
  }
  if (failed(classWeights))
    return failure();
  FailureOr<Value> sampleWeights =
      createReduce(node, graph::ReduceKind::sum, *classWeights, {1}, false);
  if (failed(sampleWeights))
    return failure();
  if (*ignoreIndex) {
    FailureOr<Value> ignored = createScalar(node, targetElement, **ignoreIndex);
    if (failed(ignored))
      return failure();
    FailureOr<Value> isIgnored = node.createValue<graph::EqualOp>(target, *ignored);
    if (failed(isIgnored))
      return failure();
    sampleWeights = node.createValue<graph::WhereOp>(*isIgnored, *zero, *sampleWeights);
    if (failed(sampleWeights))
      return failure();
  }

  FailureOr<Value> weighted = node.createValue<graph::MulOp>(*picked, *sampleWeights);
  if (failed(weighted))
    return failure();
  FailureOr<Value> loss = node.createValue<graph::NegOp>(*weighted);
  if (failed(loss) || *reduction == LossReduction::None)
    return loss;
  SmallVector<int64_t> all = trailingAxes(0, rank - 1);
  if (*reduction == LossReduction::Sum)
    return createReduce(node, graph::ReduceKind::sum, *loss, all, false);
  // The mean divides by the total weight of the samples that count. The
  // division is on the kept unit dimensions, not on scalars: code generators
  // parallelize over dimensions, and a scalar op has none.
  FailureOr<Value> keptTotal = createReduce(node, graph::ReduceKind::sum, *loss, all, true);
  FailureOr<Value> totalWeight =
      createReduce(node, graph::ReduceKind::sum, *sampleWeights, all, true);
  if (failed(keptTotal) || failed(totalWeight))
    return failure();
  FailureOr<Value> mean = node.createValue<graph::DivOp>(*keptTotal, *totalWeight);
  if (failed(mean))
    return failure();
  return node.createReshape(*mean, {});
}

static LogicalResult convertNegativeLogLikelihoodLoss(OnnxNode &node) {
  FailureOr<Value> loss = buildNegativeLogLikelihood(node, node.getInput(0), node.getInput(1),
                                                     node.getInput(2));
  if (failed(loss))
    return failure();
  node.setOutput(0, *loss);
  return success();
}

/// The negative log-likelihood of the log-softmax over the classes (axis 1);
/// the optional second output is that log-softmax.
static LogicalResult convertSoftmaxCrossEntropyLoss(OnnxNode &node) {
  FailureOr<Value> logProb = node.createValue<graph::LogSoftmaxOp>(
      node.getInput(0), node.getBuilder().getI64IntegerAttr(1));
  if (failed(logProb))
    return failure();
  FailureOr<Value> loss =
      buildNegativeLogLikelihood(node, *logProb, node.getInput(1), node.getInput(2));
  if (failed(loss))
    return failure();
  node.setOutput(0, *loss);
  if (node.getProto().output_size() > 1)
    node.setOutput(1, *logProb);
  return success();
}

void kiln::frontend::populateLossConverters(OnnxOpTable &table) {
  table.add({"NegativeLogLikelihoodLoss", 12, 2, 3, 1, {"ignore_index", "reduction"},
             convertNegativeLogLikelihoodLoss});
  table.add({"SoftmaxCrossEntropyLoss", 12, 2, 3, 2, {"ignore_index", "reduction"},
             convertSoftmaxCrossEntropyLoss});
}
