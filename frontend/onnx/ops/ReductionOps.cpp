//===- ReductionOps.cpp - Reductions, arg-reductions, scans, TopK ---------===//
//
// The ten Reduce* ops (axes as an attribute, or from opset 13/18 as a
// second input that must be known at compile time) as kiln.reduce plus
// elementwise pre- and post-processing; ArgMax/ArgMin; CumSum/CumProd; TopK.
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

//===----------------------------------------------------------------------===//
// Shared building blocks
//===----------------------------------------------------------------------===//

Value kiln::frontend::reduce(GraphEmitter &e, graph::ReduceKind kind, Value input,
                             ArrayRef<int64_t> axes, bool keepdims) {
  OpBuilder &b = e.getNode().getBuilder();
  return e.op<graph::ReduceOp>(graph::ReduceKindAttr::get(b.getContext(), kind), input,
                               b.getDenseI64ArrayAttr(axes), b.getBoolAttr(keepdims));
}

Value kiln::frontend::mean(GraphEmitter &e, Value input, ArrayRef<int64_t> axes,
                           bool keepdims) {
  if (!e.ok())
    return {};
  int64_t count = 1;
  for (int64_t axis : axes) {
    int64_t size = shapeOf(input)[axis];
    if (ShapedType::isDynamic(size)) {
      e.fail() << "cannot average over axis " << axis << " of unknown size";
      return {};
    }
    count *= size;
  }
  // An empty float mean is 0/0 = NaN as in numpy; integers must not divide
  // by zero.
  Type element = elementTypeOf(input);
  if (!llvm::isa<FloatType>(element))
    count = std::max<int64_t>(count, 1);
  Value sum = reduce(e, graph::ReduceKind::sum, input, axes, keepdims);
  return e.op<graph::DivOp>(sum, e.scalar(element, static_cast<double>(count)));
}

SmallVector<int64_t> kiln::frontend::trailingAxes(int64_t first, int64_t rank) {
  return llvm::to_vector(llvm::seq<int64_t>(first, rank));
}

//===----------------------------------------------------------------------===//
// Reduce*
//===----------------------------------------------------------------------===//

namespace {
enum class OnnxReduction {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L1,
  L2,
  LogSum,
  LogSumExp,
  SumSquare
};
} // namespace

/// log(sum(exp(x))) with the maximum subtracted first so that exp cannot
/// overflow; where the maximum is infinite (an empty reduction, or
/// infinite inputs) nothing is subtracted, which gives the right infinity.
static Value buildLogSumExp(GraphEmitter &e, Value x, ArrayRef<int64_t> axes,
                            bool keepdims) {
  Value max = reduce(e, graph::ReduceKind::max, x, axes, /*keepdims=*/true);
  Value shift = e.op<graph::WhereOp>(e.op<graph::IsInfOp>(max),
                                     e.scalar(elementTypeOf(x), 0.0), max);
  Value exp = e.op<graph::ExpOp>(e.op<graph::SubOp>(x, shift));
  Value sum = reduce(e, graph::ReduceKind::sum, exp, axes, /*keepdims=*/true);
  Value result = e.op<graph::AddOp>(e.op<graph::LogOp>(sum), shift);
  if (keepdims || axes.empty() || !e.ok())
    return result;
  // The kept axes were only needed to broadcast the shift.
  SmallVector<int64_t> shape;
  for (auto [i, d] : llvm::enumerate(shapeOf(x)))
    if (!llvm::is_contained(axes, static_cast<int64_t>(i)))
      shape.push_back(d);
  return e.reshape(result, shape);
}

/// The reduction itself, over axes already resolved (empty: none).
static Value buildReduction(GraphEmitter &e, OnnxReduction reduction, Value x,
                            ArrayRef<int64_t> axes, bool keepdims) {
  using graph::ReduceKind;
  switch (reduction) {
  case OnnxReduction::Sum:
    return reduce(e, ReduceKind::sum, x, axes, keepdims);
  case OnnxReduction::Prod:
    return reduce(e, ReduceKind::prod, x, axes, keepdims);
  case OnnxReduction::Max:
    return reduce(e, ReduceKind::max, x, axes, keepdims);
  case OnnxReduction::Min:
    return reduce(e, ReduceKind::min, x, axes, keepdims);
  case OnnxReduction::Mean:
    return mean(e, x, axes, keepdims);
  case OnnxReduction::L1:
    return reduce(e, ReduceKind::sum, e.op<graph::AbsOp>(x), axes, keepdims);
  case OnnxReduction::SumSquare:
    return reduce(e, ReduceKind::sum, e.op<graph::MulOp>(x, x), axes, keepdims);
  case OnnxReduction::L2:
  case OnnxReduction::LogSum:
  case OnnxReduction::LogSumExp: {
    // Integers go through f64 (numpy's float) and are truncated back.
    Type element = elementTypeOf(x);
    bool isFloat = llvm::isa<FloatType>(element);
    Value input = e.cast(x, isFloat ? element : e.getNode().getBuilder().getF64Type());
    Value result;
    if (reduction == OnnxReduction::LogSumExp)
      result = buildLogSumExp(e, input, axes, keepdims);
    else if (reduction == OnnxReduction::L2)
      result = e.op<graph::SqrtOp>(reduce(e, ReduceKind::sum,
                                          e.op<graph::MulOp>(input, input), axes, keepdims));
    else
      result = e.op<graph::LogOp>(reduce(e, ReduceKind::sum, input, axes, keepdims));
    return e.cast(result, element);
  }
  }
  llvm_unreachable("covered switch");
}

/// Reduce* at every opset: `axesFromInput` from the version that moved the
/// axes into the second input (ReduceSum 13, the others 18). No axes means
/// all axes, unless noop_with_empty_axes asks for no reduction.
template <OnnxReduction Reduction, bool AxesFromInput>
static LogicalResult convertReduce(OnnxNode &node) {
  FailureOr<int64_t> keepdims = node.getInt("keepdims", 1);
  FailureOr<int64_t> noop = AxesFromInput
                                ? node.getInt("noop_with_empty_axes", 0)
                                : FailureOr<int64_t>(0);
  if (failed(keepdims) || failed(noop))
    return failure();
  SmallVector<int64_t> axes;
  if (AxesFromInput) {
    if (node.getInput(1)) {
      FailureOr<SmallVector<int64_t>> values =
          node.getConstantInts(1, "the axes to reduce");
      if (failed(values))
        return failure();
      axes = std::move(*values);
    }
  } else {
    FailureOr<std::optional<SmallVector<int64_t>>> values =
        node.getOptionalInts("axes");
    if (failed(values))
      return failure();
    if (*values)
      axes = std::move(**values);
  }
  int64_t rank = node.getInputType(0).getRank();
  if (axes.empty() && *noop == 0)
    axes = trailingAxes(0, rank);
  // Resolved here so that errors name the node's axes and the mean counts
  // the right dimensions; kiln.reduce checks them again.
  for (int64_t &axis : axes) {
    FailureOr<int64_t> a = graph::normalizeAxis(axis, rank);
    if (failed(a))
      return node.emitError()
             << "axis " << axis << " is out of range for rank " << rank;
    axis = *a;
  }
  GraphEmitter e(node);
  Value result = buildReduction(e, Reduction, node.getInput(0), axes, *keepdims != 0);
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
  return success();
}

template <OnnxReduction Reduction>
static void addReduce(OnnxOpTable &table, StringRef opType,
                      int64_t axesInputSince) {
  table.add({opType, 1, 1, 1, 1, {"axes", "keepdims"},
             convertReduce<Reduction, false>});
  table.add({opType, axesInputSince, 1, 2, 1,
             {"keepdims", "noop_with_empty_axes"},
             convertReduce<Reduction, true>});
}

//===----------------------------------------------------------------------===//
// ArgMax, ArgMin
//===----------------------------------------------------------------------===//

template <typename OpTy>
static LogicalResult convertArgReduce(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", 0);
  FailureOr<int64_t> keepdims = node.getInt("keepdims", 1);
  FailureOr<int64_t> last = node.getInt("select_last_index", 0);
  if (failed(axis) || failed(keepdims) || failed(last))
    return failure();
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> result = node.createValue<OpTy>(
      node.getInput(0), b.getI64IntegerAttr(*axis), b.getBoolAttr(*keepdims != 0),
      b.getBoolAttr(*last != 0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// CumSum, CumProd
//===----------------------------------------------------------------------===//

template <graph::ReduceKind Kind>
static LogicalResult convertCumulative(OnnxNode &node) {
  FailureOr<int64_t> exclusive = node.getInt("exclusive", 0);
  FailureOr<int64_t> reverse = node.getInt("reverse", 0);
  if (failed(exclusive) || failed(reverse))
    return failure();
  FailureOr<SmallVector<int64_t>> axis =
      node.getConstantInts(1, "the axis to accumulate along");
  if (failed(axis))
    return failure();
  if (axis->size() != 1)
    return node.emitError() << "the axis must be a single value, got "
                            << axis->size();
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> result = node.createValue<graph::CumulativeOp>(
      graph::ReduceKindAttr::get(node.getContext(), Kind), node.getInput(0),
      b.getI64IntegerAttr(axis->front()), b.getBoolAttr(*exclusive != 0),
      b.getBoolAttr(*reverse != 0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// TopK
//===----------------------------------------------------------------------===//

/// `k` is an attribute at opset 1 and a one-element input from 10, which
/// must be known at compile time (it sets the result shape).
static LogicalResult convertTopK(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", -1);
  FailureOr<int64_t> largest = node.getInt("largest", 1);
  FailureOr<int64_t> sorted = node.getInt("sorted", 1);
  if (failed(axis) || failed(largest) || failed(sorted))
    return failure();
  int64_t k;
  if (node.getSinceVersion() < 10) {
    FailureOr<int64_t> value = node.getRequiredInt("k");
    if (failed(value))
      return failure();
    k = *value;
  } else {
    FailureOr<SmallVector<int64_t>> values =
        node.getConstantInts(1, "the number of elements k");
    if (failed(values))
      return failure();
    if (values->size() != 1)
      return node.emitError() << "k must be a single value, got "
                              << values->size();
    k = values->front();
  }
  OpBuilder &b = node.getBuilder();
  // Two results: the inferring builder takes a placeholder type for each.
  FailureOr<graph::TopKOp> op = node.create<graph::TopKOp>(
      b.getNoneType(), node.getInput(0), b.getI64IntegerAttr(k),
      b.getI64IntegerAttr(*axis), b.getBoolAttr(*largest != 0),
      b.getBoolAttr(*sorted != 0));
  if (failed(op))
    return failure();
  node.setOutput(0, op->getValues());
  if (node.getProto().output_size() > 1)
    node.setOutput(1, op->getIndices());
  return success();
}

void kiln::frontend::populateReductionConverters(OnnxOpTable &table) {
  addReduce<OnnxReduction::Sum>(table, "ReduceSum", 13);
  addReduce<OnnxReduction::Mean>(table, "ReduceMean", 18);
  addReduce<OnnxReduction::Max>(table, "ReduceMax", 18);
  addReduce<OnnxReduction::Min>(table, "ReduceMin", 18);
  addReduce<OnnxReduction::Prod>(table, "ReduceProd", 18);
  addReduce<OnnxReduction::L1>(table, "ReduceL1", 18);
  addReduce<OnnxReduction::L2>(table, "ReduceL2", 18);
  addReduce<OnnxReduction::LogSum>(table, "ReduceLogSum", 18);
  addReduce<OnnxReduction::LogSumExp>(table, "ReduceLogSumExp", 18);
  addReduce<OnnxReduction::SumSquare>(table, "ReduceSumSquare", 18);

  table.add({"ArgMax", 1, 1, 1, 1, {"axis", "keepdims"},
             convertArgReduce<graph::ArgMaxOp>});
  table.add({"ArgMax", 12, 1, 1, 1, {"axis", "keepdims", "select_last_index"},
             convertArgReduce<graph::ArgMaxOp>});
  table.add({"ArgMin", 1, 1, 1, 1, {"axis", "keepdims"},
             convertArgReduce<graph::ArgMinOp>});
  table.add({"ArgMin", 12, 1, 1, 1, {"axis", "keepdims", "select_last_index"},
             convertArgReduce<graph::ArgMinOp>});

  table.add({"CumSum", 11, 2, 2, 1, {"exclusive", "reverse"},
             convertCumulative<graph::ReduceKind::sum>});
  table.add({"CumProd", 26, 2, 2, 1, {"exclusive", "reverse"},
             convertCumulative<graph::ReduceKind::prod>});

  table.add({"TopK", 1, 1, 1, 2, {"axis", "k"}, convertTopK});
  table.add({"TopK", 10, 2, 2, 2, {"axis"}, convertTopK});
  table.add({"TopK", 11, 2, 2, 2, {"axis", "largest", "sorted"}, convertTopK});
}
