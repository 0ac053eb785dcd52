//===- TrainingOps.cpp - ai.onnx.preview.training optimizers as kiln ops --===//
//
// The optimizer steps of the ai.onnx.preview.training domain (Adagrad, Adam,
// Momentum): elementwise updates of each tensor to optimize X with its
// gradient G and accumulators, for a run-time learning rate R and step
// count T. A node may update several tensors at once: its inputs are R, T,
// then the Xs, the Gs and each accumulator in turn, and its outputs the new
// Xs followed by the new accumulators.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

/// One tensor's update: its new X and accumulators from X, G and the old
/// accumulators (all of X's element type), R and T as X's type.
using UpdateFn = llvm::function_ref<SmallVector<Value>(
    GraphEmitter &e, Value r, Value t, Value positive, Value x, Value g,
    ArrayRef<Value> accumulators)>;

/// Checks the node's layout for `numAccumulators` and applies `update` to
/// each tensor it optimizes.
LogicalResult convertOptimizer(OnnxNode &node, unsigned numAccumulators,
                               UpdateFn update) {
  unsigned perTensor = 2 + numAccumulators;
  size_t numInputs = node.getNumInputs();
  if (numInputs < 2 + perTensor || (numInputs - 2) % perTensor != 0)
    return node.emitError() << node.getOpType() << " takes R, T and " << perTensor
                            << " inputs per optimized tensor, got " << numInputs
                            << " inputs";
  size_t count = (numInputs - 2) / perTensor;
  if (static_cast<size_t>(node.getProto().output_size()) > count * (1 + numAccumulators))
    return node.emitError() << node.getOpType() << " updating " << count << " tensor"
                            << (count == 1 ? "" : "s") << " has at most "
                            << count * (1 + numAccumulators) << " outputs, the node lists "
                            << node.getProto().output_size();
  for (size_t i = 0; i < numInputs; ++i)
    if (!node.getInput(i))
      return node.emitError() << "input #" << i << " of " << node.getOpType()
                              << " is required but empty";
  Value r = node.getInput(0), t = node.getInput(1);
  if (node.getInputType(0).getNumElements() != 1 || node.getInputType(1).getNumElements() != 1 ||
      !llvm::isa<FloatType>(elementTypeOf(r)) || !elementTypeOf(t).isInteger(64))
    return node.emitError() << "R must be a floating-point scalar and T an int64 scalar, got "
                            << r.getType() << " and " << t.getType();

  GraphEmitter e(node);
  Type i64 = elementTypeOf(t);
  Value positive = e.op<graph::GreaterOp>(e.reshape(t, {}), e.scalar(i64, 0.0));
  for (size_t i = 0; i < count; ++i) {
    Value x = node.getInput(2 + i), g = node.getInput(2 + count + i);
    Type type = elementTypeOf(x);
    SmallVector<Value> accumulators;
    for (unsigned a = 0; a < numAccumulators; ++a)
      accumulators.push_back(node.getInput(2 + (2 + a) * count + i));
    bool matches = llvm::isa<FloatType>(type) && g.getType() == x.getType() &&
                   llvm::all_of(accumulators, [&](Value v) { return v.getType() == x.getType(); });
    if (!matches)
      return node.emitError() << "tensor #" << i << " to optimize is " << x.getType()
                              << ": its gradient and accumulators must have that type";
    Value rx = e.cast(e.reshape(r, {}), type), tx = e.cast(e.reshape(t, {}), type);
    SmallVector<Value> results = update(e, rx, tx, positive, x, g, accumulators);
    if (!e.ok())
      return failure();
    // New X first, then each accumulator's block.
    for (auto [k, value] : llvm::enumerate(results)) {
      size_t output = k * count + i;
      if (node.isOutputUsed(output))
        node.setOutput(output, value);
    }
  }
  return success();
}

/// x * a for a constant a.
Value scaled(GraphEmitter &e, Value x, double a) {
  if (a == 1.0 || !x)
    return x;
  return e.op<graph::MulOp>(x, e.scalar(elementTypeOf(x), a));
}

/// The gradient with the L2 regularization term: norm x + g.
Value regularize(GraphEmitter &e, Value x, Value g, float norm) {
  return norm == 0.0f ? g : e.op<graph::AddOp>(scaled(e, x, norm), g);
}

LogicalResult convertAdagrad(OnnxNode &node) {
  FailureOr<float> decay = node.getFloat("decay_factor", 0.0f);
  FailureOr<float> epsilon = node.getFloat("epsilon", 1e-6f);
  FailureOr<float> norm = node.getFloat("norm_coefficient", 0.0f);
  if (failed(decay) || failed(epsilon) || failed(norm))
    return failure();
  return convertOptimizer(node, 1, [&](GraphEmitter &e, Value r, Value t, Value,
                                       Value x, Value g, ArrayRef<Value> acc) {
    Type type = elementTypeOf(x);
    // r / (1 + t * decay_factor)
    Value rate = e.op<graph::DivOp>(
        r, e.op<graph::AddOp>(e.scalar(type, 1.0), scaled(e, t, *decay)));
    Value regularized = regularize(e, x, g, *norm);
    Value h = e.op<graph::AddOp>(acc[0], e.op<graph::MulOp>(regularized, regularized));
    Value root = e.op<graph::AddOp>(e.op<graph::SqrtOp>(h), e.scalar(type, *epsilon));
    Value step = e.op<graph::DivOp>(e.op<graph::MulOp>(rate, regularized), root);
    return SmallVector<Value>{e.op<graph::SubOp>(x, step), h};
  });
}

LogicalResult convertAdam(OnnxNode &node) {
  FailureOr<float> alpha = node.getFloat("alpha", 0.9f);
  FailureOr<float> beta = node.getFloat("beta", 0.999f);
  FailureOr<float> epsilon = node.getFloat("epsilon", 1e-6f);
  FailureOr<float> norm = node.getFloat("norm_coefficient", 0.0f);
  FailureOr<float> normPost = node.getFloat("norm_coefficient_post", 0.0f);
  if (failed(alpha) || failed(beta) || failed(epsilon) || failed(norm) || failed(normPost))
    return failure();
  return convertOptimizer(node, 2, [&](GraphEmitter &e, Value r, Value t, Value positive,
                                       Value x, Value g, ArrayRef<Value> acc) {
    Type type = elementTypeOf(x);
    Value one = e.scalar(type, 1.0);
    Value regularized = regularize(e, x, g, *norm);
    Value v = e.op<graph::AddOp>(scaled(e, acc[0], *alpha),
                                 scaled(e, regularized, 1.0 - double(*alpha)));
    Value h = e.op<graph::AddOp>(
        scaled(e, acc[1], *beta),
        scaled(e, e.op<graph::MulOp>(regularized, regularized), 1.0 - double(*beta)));
    Value root = e.op<graph::AddOp>(e.op<graph::SqrtOp>(h), e.scalar(type, *epsilon));
    // Bias correction from the second step on: r sqrt(1 - beta^t) / (1 - alpha^t).
    Value betaT = e.op<graph::PowOp>(e.scalar(type, *beta), t);
    Value alphaT = e.op<graph::PowOp>(e.scalar(type, *alpha), t);
    Value corrected = e.op<graph::DivOp>(
        e.op<graph::MulOp>(r, e.op<graph::SqrtOp>(e.op<graph::SubOp>(one, betaT))),
        e.op<graph::SubOp>(one, alphaT));
    Value rate = e.op<graph::WhereOp>(positive, corrected, r);
    Value xNew = e.op<graph::SubOp>(x, e.op<graph::MulOp>(rate, e.op<graph::DivOp>(v, root)));
    return SmallVector<Value>{scaled(e, xNew, 1.0 - double(*normPost)), v, h};
  });
}

LogicalResult convertMomentum(OnnxNode &node) {
  FailureOr<float> alpha = node.getFloat("alpha", 0.0f);
  FailureOr<float> beta = node.getFloat("beta", 0.0f);
  FailureOr<float> norm = node.getFloat("norm_coefficient", 0.0f);
  FailureOr<std::string> mode = node.getString("mode", "");
  if (failed(alpha) || failed(beta) || failed(norm) || failed(mode))
    return failure();
  for (StringRef name : {"alpha", "beta", "mode", "norm_coefficient"})
    if (!node.findAttr(name))
      return node.emitError() << "Momentum needs attribute '" << name << "'";
  if (*mode != "standard" && *mode != "nesterov")
    return node.emitUnsupportedValue("mode", "'" + *mode + "'")
           << " (expected 'standard' or 'nesterov')";
  bool nesterov = *mode == "nesterov";
  return convertOptimizer(node, 1, [&](GraphEmitter &e, Value r, Value, Value positive,
                                       Value x, Value g, ArrayRef<Value> acc) {
    Type type = elementTypeOf(x);
    Value regularized = regularize(e, x, g, *norm);
    // The first step (t = 0) takes the gradient whole.
    Value b = e.op<graph::WhereOp>(positive, e.scalar(type, *beta), e.scalar(type, 1.0));
    Value v = e.op<graph::AddOp>(scaled(e, acc[0], *alpha), e.op<graph::MulOp>(b, regularized));
    Value step = nesterov ? e.op<graph::AddOp>(regularized, scaled(e, v, *alpha)) : v;
    return SmallVector<Value>{e.op<graph::SubOp>(x, e.op<graph::MulOp>(r, step)), v};
  });
}

} // namespace

void kiln::frontend::populateTrainingConverters(OnnxOpTable &table) {
  table.add({"Adagrad", 1, 5, kVariadic, kVariadic,
             {"decay_factor", "epsilon", "norm_coefficient"}, convertAdagrad, kTrainingDomain});
  table.add({"Adam", 1, 6, kVariadic, kVariadic,
             {"alpha", "beta", "epsilon", "norm_coefficient", "norm_coefficient_post"},
             convertAdam, kTrainingDomain});
  table.add({"Momentum", 1, 5, kVariadic, kVariadic,
             {"alpha", "beta", "mode", "norm_coefficient"}, convertMomentum, kTrainingDomain});
}
