//===- ControlFlowOps.cpp - If, Loop and Scan imported inline -------------===//
//
// Kiln compiles static graphs, so control flow is resolved at import:
//
// - If imports only the taken branch when the condition is known at compile
//   time (a constant, folded from constants, or a --bind input). Otherwise
//   both branches are imported and each output is selected with kiln.where
//   (if-conversion: kiln ops have no side effects, so computing the branch
//   not taken changes nothing but time); that needs both branches to give
//   the same types.
// - Loop and Scan are unrolled: the body is imported once per iteration
//   with the loop-carried values of the previous one. Loop needs its trip
//   count and its condition (per iteration) known at compile time; Scan's
//   length is the static size of its scan axis.
//
// Subgraphs see the values of the graphs around them by name (the importer
// keeps one scope per graph being imported).
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

/// The most iterations Loop and Scan unroll (for Scan-8, batch entries times
/// steps). Each iteration imports the whole body again, so the compile time
/// and the size of the code grow with it; loops this long want a real loop
/// in the graph dialect, not unrolling.
constexpr int64_t kMaxUnrolledIterations = 1024;

/// The boolean value of a one-element constant, if `value` is one.
std::optional<bool> getConstantCondition(Value value) {
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || attr.getNumElements() != 1)
    return std::nullopt;
  if (attr.getElementType().isInteger(1))
    return *attr.getValues<bool>().begin();
  if (llvm::isa<IntegerType>(attr.getElementType()))
    return !attr.getValues<APInt>()[0].isZero();
  return std::nullopt;
}

/// `items` (of one type) stacked along a new axis `axis`.
Value stack(GraphEmitter &e, ArrayRef<Value> items, int64_t axis) {
  SmallVector<Value> expanded;
  for (Value item : items) {
    if (!item)
      return {}; // a failed step
    SmallVector<int64_t> shape(shapeOf(item));
    shape.insert(shape.begin() + axis, 1);
    expanded.push_back(e.reshape(item, shape));
  }
  if (expanded.size() == 1)
    return expanded.front();
  return e.concat(expanded, axis);
}

/// Entry `index` of `value` along `axis`, without that axis.
Value takeAlong(GraphEmitter &e, Value value, int64_t axis, int64_t index) {
  SmallVector<int64_t> shape(shapeOf(value));
  shape.erase(shape.begin() + axis);
  Value slice = e.op<graph::SliceOp>(value, ArrayRef<int64_t>{index},
                                     ArrayRef<int64_t>{index + 1}, ArrayRef<int64_t>{axis},
                                     ArrayRef<int64_t>{1});
  return e.reshape(slice, shape);
}

/// Fails with an error unless every type of `values` is fully static (loops
/// stack and slice them by their sizes).
LogicalResult checkStatic(OnnxNode &node, ValueRange values, StringRef what) {
  for (auto [i, value] : llvm::enumerate(values))
    if (!llvm::cast<RankedTensorType>(value.getType()).hasStaticShape())
      return node.emitError() << what << " #" << i << " has a dynamic shape ("
                              << value.getType() << "); Kiln unrolls "
                              << node.getOpType() << " only over static shapes";
  return success();
}

/// Fails with an error unless the values a loop gives for scan output #k
/// over its iterations (`steps`) can be stacked: at least one, all of the
/// same static type.
LogicalResult checkStackable(OnnxNode &node, ArrayRef<Value> steps, int64_t k) {
  if (steps.empty())
    return node.emitError() << node.getOpType() << " runs no iteration, so the shape of "
                            << "its scan output #" << k << " is not known";
  for (Value v : steps)
    if (v.getType() != steps.front().getType())
      return node.emitError() << "scan output #" << k << " of " << node.getOpType()
                              << " changes type between iterations ("
                              << steps.front().getType() << " and " << v.getType() << ")";
  return checkStatic(node, steps, "scan output");
}

//===----------------------------------------------------------------------===//
// If
//===----------------------------------------------------------------------===//

LogicalResult convertIf(OnnxNode &node) {
  FailureOr<const onnx::GraphProto *> thenBranch = node.getRequiredGraph("then_branch");
  FailureOr<const onnx::GraphProto *> elseBranch = node.getRequiredGraph("else_branch");
  if (failed(thenBranch) || failed(elseBranch))
    return failure();
  Value cond = node.getInput(0);
  RankedTensorType condType = node.getInputType(0);
  if (!condType.hasStaticShape() || condType.getNumElements() != 1)
    return node.emitError() << "the condition of If must hold one element, got " << condType;
  int numOutputs = node.getProto().output_size();
  auto checkCount = [&](const onnx::GraphProto *branch, StringRef name) -> LogicalResult {
    if (branch->output_size() == numOutputs)
      return success();
    return node.emitError() << "the " << name << " has " << branch->output_size()
                            << " outputs, the node has " << numOutputs;
  };
  if (failed(checkCount(*thenBranch, "then_branch")) ||
      failed(checkCount(*elseBranch, "else_branch")))
    return failure();

  if (std::optional<bool> taken = getConstantCondition(cond)) {
    StringRef name = *taken ? "then_branch" : "else_branch";
    FailureOr<SmallVector<Value>> results =
        node.importSubgraph(**(*taken ? thenBranch : elseBranch), name, {});
    if (failed(results))
      return failure();
    for (auto [i, value] : llvm::enumerate(*results))
      node.setOutput(i, value);
    return success();
  }

  FailureOr<SmallVector<Value>> thenResults =
      node.importSubgraph(**thenBranch, "then_branch", {});
  if (failed(thenResults))
    return failure();
  FailureOr<SmallVector<Value>> elseResults =
      node.importSubgraph(**elseBranch, "else_branch", {});
  if (failed(elseResults))
    return failure();
  for (auto [i, thenValue, elseValue] : llvm::enumerate(*thenResults, *elseResults)) {
    if (thenValue.getType() == elseValue.getType())
      continue;
    std::string types;
    llvm::raw_string_ostream os(types);
    os << "input #0 ('" << node.getProto().input(0) << "'), the condition of an If whose "
       << "branches give output #" << i << " different types (" << thenValue.getType()
       << " and " << elseValue.getType() << "),";
    return node.emitNotConstantError(cond, types);
  }
  GraphEmitter e(node);
  Value scalar = e.reshape(cond, {});
  if (!elementTypeOf(cond).isInteger(1))
    scalar = e.op<graph::NotOp>(e.op<graph::EqualOp>(
        scalar, e.scalar(elementTypeOf(cond), 0.0)));
  for (auto [i, thenValue, elseValue] : llvm::enumerate(*thenResults, *elseResults)) {
    // An output both branches take from the same value needs no select.
    Value selected = thenValue == elseValue
                         ? thenValue
                         : e.op<graph::WhereOp>(scalar, thenValue, elseValue);
    node.setOutput(i, selected);
  }
  return success(e.ok());
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

LogicalResult convertLoop(OnnxNode &node) {
  FailureOr<const onnx::GraphProto *> body = node.getRequiredGraph("body");
  if (failed(body))
    return failure();
  if (node.getNumInputs() < 2)
    return node.emitError() << "Loop takes the trip count and the condition (either may "
                               "be empty) before its loop-carried values, got "
                            << node.getNumInputs() << " inputs";
  Value tripCount = node.getInput(0), cond = node.getInput(1);
  SmallVector<Value> carried;
  for (size_t i = 2; i < node.getNumInputs(); ++i) {
    if (!node.getInput(i))
      return node.emitError() << "loop-carried input #" << i << " of Loop is empty";
    carried.push_back(node.getInput(i));
  }
  int64_t numCarried = carried.size();
  int64_t numScans = (*body)->output_size() - 1 - numCarried;
  if ((*body)->input_size() != 2 + numCarried || numScans < 0)
    return node.emitError() << "the body of Loop has " << (*body)->input_size()
                            << " inputs and " << (*body)->output_size()
                            << " outputs, but the node has " << numCarried
                            << " loop-carried values (the body takes 2 + " << numCarried
                            << " and gives 1 + " << numCarried << " + scan outputs)";
  if (node.getProto().output_size() > numCarried + numScans)
    return node.emitError() << "Loop has " << node.getProto().output_size()
                            << " outputs, its body gives " << numCarried << " + "
                            << numScans;

  std::optional<int64_t> maxTrips;
  if (tripCount) {
    FailureOr<SmallVector<int64_t>> trips = node.getConstantInts(0, "the trip count");
    if (failed(trips))
      return failure();
    if (trips->size() != 1)
      return node.emitError() << "the trip count of Loop must hold one element";
    maxTrips = std::max<int64_t>(0, trips->front());
  }
  bool running = true;
  if (cond) {
    FailureOr<DenseElementsAttr> value = node.getConstantInput(1, "the loop condition");
    if (failed(value))
      return failure();
    std::optional<bool> known = getConstantCondition(node.getInput(1));
    if (!known)
      return node.emitError() << "the loop condition must hold one boolean";
    running = *known;
  }
  if (!tripCount && !cond)
    return node.emitError() << "a Loop with neither a trip count nor a condition never "
                               "ends";

  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  auto boolType = RankedTensorType::get({}, b.getI1Type());
  SmallVector<SmallVector<Value>> scans(numScans);
  int64_t iteration = 0;
  for (; running && (!maxTrips || iteration < *maxTrips); ++iteration) {
    if (iteration == kMaxUnrolledIterations)
      return node.emitError() << "Loop runs more than " << kMaxUnrolledIterations
                              << " iterations; Kiln unrolls loops up to that many";
    SmallVector<Value> bodyInputs = {
        e.scalar(b.getI64Type(), static_cast<double>(iteration)),
        e.constant(DenseElementsAttr::get(boolType, true))};
    if (!e.ok())
      return failure();
    llvm::append_range(bodyInputs, carried);
    FailureOr<SmallVector<Value>> results = node.importSubgraph(**body, "body", bodyInputs);
    if (failed(results))
      return failure();
    // The spec calls the body's condition ignored when the node has no
    // condition input, but ONNX Runtime and the reference implementation
    // stop on it all the same; Kiln does as they do.
    std::optional<bool> next = getConstantCondition(results->front());
    if (!next)
      return node.emitNotConstantError(
          results->front(), "the condition computed by iteration " +
                                std::to_string(iteration) + " of the body");
    running = *next;
    for (int64_t i = 0; i < numCarried; ++i)
      carried[i] = (*results)[1 + i];
    for (int64_t k = 0; k < numScans; ++k)
      scans[k].push_back((*results)[1 + numCarried + k]);
  }

  for (int64_t i = 0; i < numCarried; ++i)
    if (node.isOutputUsed(i))
      node.setOutput(i, carried[i]);
  for (int64_t k = 0; k < numScans; ++k) {
    if (!node.isOutputUsed(numCarried + k))
      continue;
    if (failed(checkStackable(node, scans[k], k)))
      return failure();
    node.setOutput(numCarried + k, stack(e, scans[k], 0));
  }
  return success(e.ok());
}

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

/// Reads a per-input list attribute of Scan (axes or directions), defaulting
/// to zeros.
FailureOr<SmallVector<int64_t>> getPerInput(OnnxNode &node, StringRef name, int64_t count) {
  FailureOr<std::optional<SmallVector<int64_t>>> values = node.getOptionalInts(name);
  if (failed(values))
    return failure();
  if (!*values)
    return SmallVector<int64_t>(count, 0);
  if (static_cast<int64_t>((*values)->size()) != count)
    return node.emitError() << "'" << name << "' has " << (*values)->size()
                            << " entries, expected " << count;
  return std::move(**values);
}

LogicalResult checkDirections(OnnxNode &node, StringRef name, ArrayRef<int64_t> values) {
  for (int64_t v : values)
    if (v != 0 && v != 1)
      return node.emitUnsupportedValue(name, std::to_string(v))
             << " (expected 0 for forward or 1 for reverse)";
  return success();
}

/// Runs a Scan body over `length` steps: `states` are carried, scan input j
/// is read along `inAxes[j]` (reversed where `inDirs[j]`), and each step's
/// scan outputs are collected in step order into `stepOutputs`.
LogicalResult runScan(OnnxNode &node, GraphEmitter &e, const onnx::GraphProto &body,
                      SmallVectorImpl<Value> &states, ArrayRef<Value> scanInputs,
                      ArrayRef<int64_t> inAxes, ArrayRef<int64_t> inDirs, int64_t length,
                      SmallVectorImpl<SmallVector<Value>> &stepOutputs) {
  for (int64_t t = 0; t < length; ++t) {
    SmallVector<Value> bodyInputs(states.begin(), states.end());
    for (auto [j, input] : llvm::enumerate(scanInputs))
      bodyInputs.push_back(takeAlong(e, input, inAxes[j], inDirs[j] ? length - 1 - t : t));
    if (!e.ok())
      return failure();
    FailureOr<SmallVector<Value>> results = node.importSubgraph(body, "body", bodyInputs);
    if (failed(results))
      return failure();
    for (size_t i = 0; i < states.size(); ++i)
      states[i] = (*results)[i];
    for (size_t k = 0; k < stepOutputs.size(); ++k)
      stepOutputs[k].push_back((*results)[states.size() + k]);
  }
  return success();
}

/// Scan output values of every step (in step order) stacked along `axis`,
/// last step first where `reverse`.
FailureOr<Value> stackScanOutput(OnnxNode &node, GraphEmitter &e, SmallVector<Value> steps,
                                 int64_t axis, bool reverse, int64_t k) {
  if (failed(checkStackable(node, steps, k)))
    return failure();
  if (reverse)
    std::reverse(steps.begin(), steps.end());
  Value result = stack(e, steps, axis);
  if (!e.ok())
    return failure();
  return result;
}

/// What every Scan version checks first: its body, and the node's inputs
/// after the first `leading` ones (Scan-8's sequence_lens) as n states and m
/// scan inputs, with the body's outputs as n states and k scan outputs.
struct ScanArity {
  const onnx::GraphProto *body;
  int64_t n, m, k;
};

FailureOr<ScanArity> getScanArity(OnnxNode &node, int64_t leading) {
  FailureOr<const onnx::GraphProto *> body = node.getRequiredGraph("body");
  FailureOr<int64_t> numScanInputs = node.getRequiredInt("num_scan_inputs");
  if (failed(body) || failed(numScanInputs))
    return failure();
  int64_t numInputs = node.getNumInputs();
  int64_t m = *numScanInputs, n = numInputs - leading - m;
  if (m < 1 || n < 0) {
    node.emitError() << "num_scan_inputs is " << m << ", the node has " << numInputs
                     << " inputs" << (leading ? " (sequence_lens first)" : "");
    return failure();
  }
  int64_t k = (*body)->output_size() - n;
  if ((*body)->input_size() != n + m || k < 0) {
    node.emitError() << "the body of Scan has " << (*body)->input_size() << " inputs and "
                     << (*body)->output_size() << " outputs, but the node has " << n
                     << " states and " << m << " scan inputs";
    return failure();
  }
  return ScanArity{*body, n, m, k};
}

LogicalResult convertScan(OnnxNode &node) {
  FailureOr<ScanArity> arity = getScanArity(node, /*leading=*/0);
  if (failed(arity))
    return failure();
  const onnx::GraphProto *body = arity->body;
  int64_t numInputs = node.getNumInputs();
  int64_t n = arity->n, m = arity->m, k = arity->k;
  FailureOr<SmallVector<int64_t>> inAxes = getPerInput(node, "scan_input_axes", m);
  FailureOr<SmallVector<int64_t>> inDirs = getPerInput(node, "scan_input_directions", m);
  FailureOr<SmallVector<int64_t>> outAxes = getPerInput(node, "scan_output_axes", k);
  FailureOr<SmallVector<int64_t>> outDirs = getPerInput(node, "scan_output_directions", k);
  if (failed(inAxes) || failed(inDirs) || failed(outAxes) || failed(outDirs) ||
      failed(checkDirections(node, "scan_input_directions", *inDirs)) ||
      failed(checkDirections(node, "scan_output_directions", *outDirs)))
    return failure();

  SmallVector<Value> states, scanInputs;
  for (int64_t i = 0; i < numInputs; ++i) {
    if (!node.getInput(i))
      return node.emitError() << "input #" << i << " of Scan is empty";
    (i < n ? states : scanInputs).push_back(node.getInput(i));
  }
  if (failed(checkStatic(node, scanInputs, "scan input")))
    return failure();
  int64_t length = -1;
  for (auto [j, input] : llvm::enumerate(scanInputs)) {
    int64_t rank = shapeOf(input).size();
    int64_t &axis = (*inAxes)[j];
    if (axis < -rank || axis >= rank)
      return node.emitError() << "scan_input_axes[" << j << "] = " << axis
                              << " is out of range for scan input #" << j << " of rank "
                              << rank;
    if (axis < 0)
      axis += rank;
    int64_t size = shapeOf(input)[axis];
    if (length >= 0 && size != length)
      return node.emitError() << "scan input #" << j << " has " << size
                              << " steps along its scan axis, scan input #0 has " << length;
    length = size;
  }
  if (length > kMaxUnrolledIterations)
    return node.emitError() << "Scan runs " << length << " steps; Kiln unrolls loops up to "
                            << kMaxUnrolledIterations << " iterations";

  GraphEmitter e(node);
  SmallVector<SmallVector<Value>> stepOutputs(k);
  if (failed(runScan(node, e, *body, states, scanInputs, *inAxes, *inDirs, length,
                     stepOutputs)))
    return failure();
  for (int64_t i = 0; i < n; ++i)
    if (node.isOutputUsed(i))
      node.setOutput(i, states[i]);
  for (int64_t j = 0; j < k; ++j) {
    if (!node.isOutputUsed(n + j))
      continue;
    int64_t rank = stepOutputs[j].empty() ? 0 : shapeOf(stepOutputs[j].front()).size() + 1;
    int64_t axis = (*outAxes)[j];
    if (!stepOutputs[j].empty() && (axis < -rank || axis >= rank))
      return node.emitError() << "scan_output_axes[" << j << "] = " << axis
                              << " is out of range for scan output #" << j << " of rank "
                              << rank;
    if (axis < 0)
      axis += rank;
    FailureOr<Value> stacked = stackScanOutput(node, e, stepOutputs[j], axis, (*outDirs)[j], j);
    if (failed(stacked))
      return failure();
    node.setOutput(n + j, *stacked);
  }
  return success(e.ok());
}

/// Scan-8: every input has a leading batch axis; scan inputs scan along
/// axis 1. Each batch entry runs the body on its own slices.
LogicalResult convertScan8(OnnxNode &node) {
  FailureOr<ScanArity> arity = getScanArity(node, /*leading=*/1);
  if (failed(arity))
    return failure();
  const onnx::GraphProto *body = arity->body;
  int64_t numInputs = node.getNumInputs();
  int64_t n = arity->n, m = arity->m, k = arity->k;
  FailureOr<SmallVector<int64_t>> dirs = getPerInput(node, "directions", m);
  if (failed(dirs) || failed(checkDirections(node, "directions", *dirs)))
    return failure();

  SmallVector<Value> states, scanInputs;
  for (int64_t i = 1; i < numInputs; ++i) {
    if (!node.getInput(i))
      return node.emitError() << "input #" << i << " of Scan is empty";
    (i <= n ? states : scanInputs).push_back(node.getInput(i));
  }
  if (failed(checkStatic(node, states, "state")) ||
      failed(checkStatic(node, scanInputs, "scan input")))
    return failure();
  int64_t batch = -1, length = -1;
  for (Value v : llvm::concat<Value>(states, scanInputs)) {
    ArrayRef<int64_t> shape = shapeOf(v);
    if (shape.empty() || (batch >= 0 && shape[0] != batch))
      return node.emitError() << "the inputs of Scan-8 must share their leading batch axis";
    batch = shape[0];
  }
  for (Value v : scanInputs) {
    ArrayRef<int64_t> shape = shapeOf(v);
    if (shape.size() < 2 || (length >= 0 && shape[1] != length))
      return node.emitError() << "the scan inputs of Scan-8 must share their sequence axis 1";
    length = shape[1];
  }
  if (Value lens = node.getInput(0)) {
    // Shorter sequences would leave padding in the scan outputs; only the
    // full length is supported.
    FailureOr<SmallVector<int64_t>> values = node.getConstantInts(0, "sequence_lens");
    if (failed(values))
      return failure();
    for (int64_t len : *values)
      if (len != length)
        return node.emitError() << "sequence_lens of Scan must all be the full length "
                                << length << " in Kiln, got " << len;
  }
  if (batch * length > kMaxUnrolledIterations)
    return node.emitError() << "Scan runs " << batch << " x " << length
                            << " steps; Kiln unrolls loops up to "
                            << kMaxUnrolledIterations << " iterations";

  GraphEmitter e(node);
  SmallVector<int64_t> inAxes(m, 0);
  SmallVector<SmallVector<Value>> finalStates(n), perBatchOutputs(k);
  for (int64_t b = 0; b < batch; ++b) {
    SmallVector<Value> entryStates, entryInputs;
    for (Value v : states)
      entryStates.push_back(takeAlong(e, v, 0, b));
    for (Value v : scanInputs)
      entryInputs.push_back(takeAlong(e, v, 0, b));
    if (!e.ok())
      return failure();
    SmallVector<SmallVector<Value>> stepOutputs(k);
    if (failed(runScan(node, e, *body, entryStates, entryInputs, inAxes, *dirs, length,
                       stepOutputs)))
      return failure();
    for (int64_t i = 0; i < n; ++i)
      finalStates[i].push_back(entryStates[i]);
    for (int64_t j = 0; j < k; ++j) {
      FailureOr<Value> stacked = stackScanOutput(node, e, stepOutputs[j], 0, false, j);
      if (failed(stacked))
        return failure();
      perBatchOutputs[j].push_back(*stacked);
    }
  }
  for (int64_t i = 0; i < n; ++i)
    if (node.isOutputUsed(i))
      node.setOutput(i, stack(e, finalStates[i], 0));
  for (int64_t j = 0; j < k; ++j)
    if (node.isOutputUsed(n + j))
      node.setOutput(n + j, stack(e, perBatchOutputs[j], 0));
  return success(e.ok());
}

} // namespace

void kiln::frontend::populateControlFlowConverters(OnnxOpTable &table) {
  // Later versions only add element types (sequences and optionals, which
  // Kiln does not import).
  table.add({"If", 1, 1, 1, kVariadic, {"else_branch", "then_branch"}, convertIf});
  // The trip count and the condition may be empty names; the converter
  // checks the count.
  table.add({"Loop", 1, 0, kVariadic, kVariadic, {"body"}, convertLoop});
  table.add({"Scan", 8, 0, kVariadic, kVariadic, {"body", "directions", "num_scan_inputs"},
             convertScan8});
  table.add({"Scan", 9, 1, kVariadic, kVariadic,
             {"body", "num_scan_inputs", "scan_input_axes", "scan_input_directions",
              "scan_output_axes", "scan_output_directions"},
             convertScan});
}
