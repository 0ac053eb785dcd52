//===- OnnxImporter.cpp - ONNX models to the kiln graph dialect -----------===//
//
// Reads the model (binary protobuf or text syntax), then walks the graph:
// graph inputs become arguments of @main, initializers kiln.constant ops,
// nodes (in a topological order computed here, since ONNX's required order
// is not always honoured) are converted through the op table, and graph
// outputs become results. Anything a model can get wrong is a diagnostic at
// the node or tensor it concerns; the walk stops at the first one.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxImporter.h"

#include "frontend/onnx/OnnxLocation.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include "dialects/graph/IR/GraphDialect.h"
#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"

#include <climits>
#include <stdexcept>
#include <queue>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

//===----------------------------------------------------------------------===//
// Reading the model
//===----------------------------------------------------------------------===//

static bool isTextSyntax(StringRef path) { return path.ends_with(".txt"); }

/// Turns the parser's multi-line message ("[ParseError at position (line: L
/// column: C)]", "Error context: ...", reason) into one diagnostic at L:C.
static void emitTextParseError(MLIRContext &context, StringRef path,
                               StringRef message) {
  Location loc = getOnnxModelLoc(&context, path);
  SmallVector<StringRef> lines;
  message.trim().split(lines, '\n', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  unsigned line = 0, column = 0;
  std::string reason, errorContext;
  for (StringRef text : lines) {
    text = text.trim();
    if (text.consume_front("[ParseError at position (line:")) {
      StringRef rest = text.ltrim();
      if (!rest.consumeInteger(10, line)) {
        rest = rest.ltrim();
        if (rest.consume_front("column:"))
          (void)rest.ltrim().consumeInteger(10, column);
      }
      continue;
    }
    if (text.consume_front("Error context:")) {
      errorContext = text.trim().str();
      continue;
    }
    if (!reason.empty())
      reason += " ";
    reason += text.str();
  }
  if (line > 0)
    loc = FileLineColLoc::get(&context, path, line, column);
  InFlightDiagnostic diag = emitError(loc) << "invalid ONNX text syntax: "
                                           << reason;
  if (!errorContext.empty())
    diag << " (in '" << errorContext << "')";
}

/// libonnx's text parser is recursive descent without a depth limit, so
/// deeply nested graph attributes or types would overflow the stack. Brackets
/// nest at least once per level; protobuf's default recursion limit for
/// binary models is the same 100.
static constexpr unsigned kMaxTextNesting = 100;

static LogicalResult checkTextNesting(MLIRContext &context, StringRef path,
                                      StringRef text) {
  unsigned depth = 0, line = 1, column = 0;
  bool inString = false, inComment = false;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      inComment = false;
      continue;
    }
    if (inComment)
      continue;
    if (inString) {
      inString = c != '"';
      continue;
    }
    if (c == '#') {
      inComment = true;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '(' || c == '[') {
      if (++depth > kMaxTextNesting)
        return emitError(FileLineColLoc::get(&context, path, line, column))
               << "invalid ONNX text syntax: brackets nest deeper than "
               << kMaxTextNesting << " levels";
    } else if ((c == '}' || c == ')' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return success();
}

static LogicalResult parseModel(MLIRContext &context, StringRef contents,
                                StringRef path, onnx::ModelProto &model) {
  Location loc = getOnnxModelLoc(&context, path);
  if (isTextSyntax(path)) {
    if (failed(checkTextNesting(context, path, contents)))
      return failure();
    // The parser reads a NUL-terminated string.
    std::string text = contents.str();
    onnx::OnnxParser parser(text.c_str());
    onnx::Common::Status status;
    try {
      status = parser.Parse(model);
    } catch (const std::out_of_range &) {
      // The parser converts numbers with std::stoll and friends.
      return emitError(loc)
             << "invalid ONNX text syntax: a number is out of range";
    } catch (const std::invalid_argument &) {
      return emitError(loc) << "invalid ONNX text syntax: malformed number";
    }
    if (!status.IsOK()) {
      emitTextParseError(context, path, status.ErrorMessage());
      return failure();
    }
    if (!parser.EndOfInput())
      return emitError(loc) << "invalid ONNX text syntax: unexpected text "
                               "after the model";
  } else {
    if (contents.size() > static_cast<size_t>(INT_MAX))
      return emitError(loc) << "not a valid ONNX model: protobuf files are "
                               "limited to 2 GiB (larger models keep their "
                               "weights in external data)";
    if (!model.ParseFromArray(contents.data(),
                              static_cast<int>(contents.size())))
      return emitError(loc) << "not a valid ONNX model: the protobuf data is "
                               "malformed or truncated";
  }
  if (!model.has_graph())
    return emitError(loc) << "not a valid ONNX model: it has no graph";
  return success();
}

//===----------------------------------------------------------------------===//
// The graph walk
//===----------------------------------------------------------------------===//

namespace {
class OnnxImporter : public OnnxSubgraphImporter {
public:
  OnnxImporter(MLIRContext &context, StringRef path,
               const OnnxImportOptions &options)
      : context(context), path(path.str()), options(options),
        builder(&context) {
    llvm::SmallString<256> dir(path);
    llvm::sys::path::remove_filename(dir);
    modelDir = dir.empty() ? "." : std::string(dir);
  }

  OwningOpRef<ModuleOp> import(const onnx::ModelProto &model);

  FailureOr<SmallVector<Value>> importSubgraph(const onnx::GraphProto &graph,
                                               ArrayRef<Value> inputs, Location loc,
                                               StringRef what) override;

private:
  /// The value of tensor `name` in the innermost scope that has it, or null.
  Value lookupValue(StringRef name) const {
    for (const llvm::StringMap<Value> &scope : llvm::reverse(scopes))
      if (Value value = scope.lookup(name))
        return value;
    return {};
  }
  void setValue(StringRef name, Value value) { scopes.back()[name] = value; }

  LogicalResult readOpset(const onnx::ModelProto &model);
  LogicalResult importInputs(const onnx::GraphProto &graph,
                             SmallVectorImpl<Type> &types,
                             SmallVectorImpl<Location> &locs,
                             SmallVectorImpl<StringRef> &names);
  FailureOr<RankedTensorType>
  convertInputType(const onnx::ValueInfoProto &input);
  LogicalResult importInitializers(const onnx::GraphProto &graph);
  FailureOr<SmallVector<size_t>> sortNodes(const onnx::GraphProto &graph);
  LogicalResult importNode(const onnx::NodeProto &node, size_t index);
  void foldNewOps(Block *block, Operation *last, DenseMap<Value, Value> &replaced);
  LogicalResult importBoundInputs(func::FuncOp func, ArrayRef<StringRef> names);
  LogicalResult importOutputs(const onnx::GraphProto &graph,
                              func::FuncOp func);

  std::string getNodeName(const onnx::NodeProto &node, size_t index) const {
    if (!node.name().empty())
      return node.name();
    return node.op_type() + "_" + std::to_string(index);
  }
  Location getNodeLoc(const onnx::NodeProto &node, size_t index) {
    return getOnnxNodeLoc(&context, path, getNodeName(node, index),
                          node.op_type(), index);
  }
  Location getTensorLoc(StringRef name) {
    return getOnnxTensorLoc(&context, path, name);
  }
  Location getModelLoc() { return getOnnxModelLoc(&context, path); }

  MLIRContext &context;
  std::string path;
  std::string modelDir;
  const OnnxImportOptions &options;
  OpBuilder builder;
  OnnxOpTable table;
  /// The opset of the default domain.
  int64_t opset = 0;
  /// The value of every tensor name imported so far, per graph being
  /// imported: the main graph, then the subgraph (If branch, Loop body ...)
  /// inside it being imported, and so on. A subgraph sees every scope
  /// around it.
  SmallVector<llvm::StringMap<Value>, 4> scopes;
  /// Names a node consumes (in any graph, subgraphs included) or a graph
  /// outputs.
  llvm::StringSet<> usedNames;
};
} // namespace

static bool isDefaultDomain(StringRef domain) {
  return domain.empty() || domain == "ai.onnx";
}

LogicalResult OnnxImporter::readOpset(const onnx::ModelProto &model) {
  std::optional<int64_t> version;
  for (const onnx::OperatorSetIdProto &entry : model.opset_import())
    if (isDefaultDomain(entry.domain()) && !version)
      version = entry.version();
  // Before IR version 3 there was no opset_import, and opset 1 was implied.
  if (!version && model.opset_import_size() == 0 && model.ir_version() >= 1 &&
      model.ir_version() < 3)
    version = 1;
  if (!version)
    return emitError(getModelLoc())
           << "the model imports no opset of the default ONNX domain";
  if (*version < 1)
    return emitError(getModelLoc())
           << "the model imports invalid opset " << *version
           << " of the default ONNX domain";
  opset = *version;
  return success();
}

FailureOr<RankedTensorType>
OnnxImporter::convertInputType(const onnx::ValueInfoProto &input) {
  Location loc = getTensorLoc(input.name());
  std::string what = "graph input '" + input.name() + "'";
  if (!input.type().has_tensor_type())
    return emitError(loc) << what << " is not a tensor";
  const onnx::TypeProto::Tensor &tensor = input.type().tensor_type();
  FailureOr<Type> elementType =
      convertElementType(loc, tensor.elem_type(), what);
  if (failed(elementType))
    return failure();
  if (!tensor.has_shape())
    return emitError(loc) << what << " has no shape";

  SmallVector<int64_t> shape;
  for (const onnx::TensorShapeProto::Dimension &dim : tensor.shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);

  auto override = options.inputShapes.find(input.name());
  if (override != options.inputShapes.end()) {
    ArrayRef<int64_t> sizes = override->second;
    if (sizes.size() != shape.size())
      return emitError(loc) << "shape override " << formatShape(sizes)
                            << " for " << what << " has rank " << sizes.size()
                            << ", the input has rank " << shape.size();
    SmallVector<int64_t> overridden(shape);
    for (auto [size, overrideSize] : llvm::zip(overridden, sizes)) {
      if (overrideSize < 0)
        continue;
      if (!ShapedType::isDynamic(size) && size != overrideSize)
        return emitError(loc) << "shape override " << formatShape(sizes)
                              << " for " << what << " conflicts with its shape "
                              << formatShape(shape);
      size = overrideSize;
    }
    shape = std::move(overridden);
  }
  return RankedTensorType::get(shape, *elementType);
}

LogicalResult OnnxImporter::importInputs(const onnx::GraphProto &graph,
                                         SmallVectorImpl<Type> &types,
                                         SmallVectorImpl<Location> &locs,
                                         SmallVectorImpl<StringRef> &names) {
  llvm::StringSet<> initializers;
  for (const onnx::TensorProto &init : graph.initializer())
    initializers.insert(init.name());
  llvm::StringSet<> seen;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (input.name().empty())
      return emitError(getModelLoc()) << "a graph input has no name";
    if (!seen.insert(input.name()).second)
      return emitError(getTensorLoc(input.name()))
             << "graph input '" << input.name() << "' is listed twice";
    // An initializer listed as an input (required before IR version 4) is
    // a constant, not an argument.
    if (initializers.contains(input.name()))
      continue;
    FailureOr<RankedTensorType> type = convertInputType(input);
    if (failed(type))
      return failure();
    types.push_back(*type);
    locs.push_back(getTensorLoc(input.name()));
    names.push_back(input.name());
  }
  for (const auto &entry : options.inputShapes)
    if (!llvm::is_contained(names, entry.getKey()))
      return emitError(getModelLoc())
             << "shape override for '" << entry.getKey()
             << "', which is not a graph input";
  return success();
}

LogicalResult OnnxImporter::importInitializers(const onnx::GraphProto &graph) {
  if (graph.sparse_initializer_size() > 0) {
    const onnx::SparseTensorProto &sparse = graph.sparse_initializer(0);
    return emitError(getTensorLoc(sparse.values().name()))
           << "sparse initializer '" << sparse.values().name()
           << "' is not supported";
  }
  llvm::StringSet<> seen;
  for (const onnx::TensorProto &init : graph.initializer()) {
    Location loc = getTensorLoc(init.name());
    if (init.name().empty())
      return emitError(getModelLoc()) << "an initializer has no name";
    if (!seen.insert(init.name()).second)
      return emitError(loc) << "initializer '" << init.name()
                            << "' is defined twice";
    FailureOr<DenseElementsAttr> value = convertTensorProto(
        loc, init, modelDir, "initializer '" + init.name() + "'");
    if (failed(value))
      return failure();
    FailureOr<graph::ConstantOp> constant =
        graph::buildInferred<graph::ConstantOp>(builder, loc, *value);
    if (failed(constant))
      return failure();
    setValue(init.name(), constant->getResult());
  }
  return success();
}

/// Every tensor name that the subgraphs of `node` (at any depth) consume or
/// output.
static void collectSubgraphNames(const onnx::NodeProto &node, llvm::StringSet<> &names) {
  auto visit = [&](const onnx::GraphProto &graph) {
    for (const onnx::NodeProto &inner : graph.node()) {
      for (const std::string &input : inner.input())
        if (!input.empty())
          names.insert(input);
      collectSubgraphNames(inner, names);
    }
    for (const onnx::ValueInfoProto &output : graph.output())
      names.insert(output.name());
  };
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (attr.has_g())
      visit(attr.g());
    for (const onnx::GraphProto &graph : attr.graphs())
      visit(graph);
  }
}

FailureOr<SmallVector<size_t>>
OnnxImporter::sortNodes(const onnx::GraphProto &graph) {
  size_t numNodes = graph.node_size();
  llvm::StringMap<size_t> producers;
  for (size_t i = 0; i < numNodes; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    for (const std::string &output : node.output()) {
      if (output.empty())
        continue;
      if (scopes.back().contains(output))
        return emitError(getNodeLoc(node, i))
               << "output '" << output
               << "' redefines a graph input or initializer";
      auto [it, inserted] = producers.try_emplace(output, i);
      if (!inserted)
        return emitError(getNodeLoc(node, i))
               << "output '" << output << "' is also produced by node '"
               << getNodeName(graph.node(it->second), it->second) << "'";
    }
  }

  // Edges producer -> consumer, one per input that names a node's output.
  SmallVector<SmallVector<size_t>> consumers(numNodes), producersOf(numNodes);
  SmallVector<size_t> pending(numNodes, 0);
  for (size_t i = 0; i < numNodes; ++i) {
    const onnx::NodeProto &node = graph.node(i);
    for (const std::string &input : node.input()) {
      if (input.empty())
        continue;
      usedNames.insert(input);
      auto it = producers.find(input);
      if (it == producers.end()) {
        // A graph input, an initializer, or a value of an enclosing graph.
        if (lookupValue(input))
          continue;
        return emitError(getNodeLoc(node, i))
               << "input '" << input
               << "' is not produced by any node, graph input or initializer";
      }
      consumers[it->second].push_back(i);
      producersOf[i].push_back(it->second);
      ++pending[i];
    }
    // The values of this graph that the node's subgraphs read by name are
    // inputs of the node too. Names the subgraphs define themselves are
    // not produced here (ONNX names are unique across the scopes).
    llvm::StringSet<> hidden;
    collectSubgraphNames(node, hidden);
    for (const auto &entry : hidden) {
      usedNames.insert(entry.getKey());
      auto it = producers.find(entry.getKey());
      if (it == producers.end() || it->second == i)
        continue;
      consumers[it->second].push_back(i);
      producersOf[i].push_back(it->second);
      ++pending[i];
    }
  }

  // Kahn's algorithm, taking the lowest index first so that a graph already
  // in topological order keeps its order.
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < numNodes; ++i)
    if (pending[i] == 0)
      ready.push(i);
  SmallVector<size_t> order;
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (size_t consumer : consumers[i])
      if (--pending[consumer] == 0)
        ready.push(consumer);
  }
  if (order.size() == numNodes)
    return order;

  // Every node left waits on another node left; walking those back from any
  // of them must revisit a node, and the walk from there on is a cycle.
  size_t start = 0;
  while (pending[start] == 0)
    ++start;
  SmallVector<size_t> walk;
  llvm::DenseMap<size_t, size_t> positions;
  size_t current = start;
  while (!positions.count(current)) {
    positions[current] = walk.size();
    walk.push_back(current);
    for (size_t producer : producersOf[current]) {
      if (pending[producer] != 0) {
        current = producer;
        break;
      }
    }
  }
  // The walk went against the data flow; report the cycle along it.
  SmallVector<size_t> cycle(walk.begin() + positions[current], walk.end());
  std::reverse(cycle.begin(), cycle.end());
  std::string names;
  for (size_t i : cycle)
    names += "'" + getNodeName(graph.node(i), i) + "' -> ";
  names += "'" + getNodeName(graph.node(cycle.front()), cycle.front()) + "'";
  return emitError(getNodeLoc(graph.node(cycle.front()), cycle.front()))
         << "the graph has a cycle: " << names;
}

/// "takes 2 inputs", "takes 2 to 3 inputs", "takes at least 1 input".
static std::string describeArity(unsigned min, unsigned max, StringRef noun) {
  std::string result;
  if (max == kVariadic)
    result = "at least " + std::to_string(min);
  else if (min == max)
    result = std::to_string(min);
  else
    result = std::to_string(min) + " to " + std::to_string(max);
  result += " " + noun.str();
  if (!(min == max && min == 1) && !(max == kVariadic && min == 1))
    result += "s";
  return result;
}

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &proto,
                                       size_t index) {
  Location loc = getNodeLoc(proto, index);
  StringRef opType = proto.op_type();
  if (!isDefaultDomain(proto.domain()))
    return emitError(loc) << "operator '" << opType << "' of domain '"
                          << proto.domain()
                          << "' is not supported: Kiln imports only the "
                             "default ONNX domain";
  if (!table.contains(opType))
    return emitError(loc) << "unsupported operator '" << opType
                          << "' (domain 'ai.onnx', opset " << opset << ")";
  if (opset > kNewestKnownOpset)
    return emitError(loc) << "operator '" << opType << "' at opset " << opset
                          << " is not supported: Kiln knows the ONNX "
                             "operators up to opset "
                          << kNewestKnownOpset;
  const OnnxOpConverter *converter = table.lookup(opType, opset);
  if (!converter)
    return emitError(loc) << "operator '" << opType << "' at opset " << opset
                          << " is not supported (Kiln supports it from opset "
                          << table.getOldestSupportedVersion(opType) << ")";

  llvm::StringSet<> attrNames;
  for (const onnx::AttributeProto &attr : proto.attribute()) {
    if (!llvm::is_contained(converter->attributes, attr.name()))
      return emitError(loc) << "unknown attribute '" << attr.name()
                            << "' for " << opType << " at opset " << opset;
    if (!attrNames.insert(attr.name()).second)
      return emitError(loc) << "attribute '" << attr.name()
                            << "' is given twice";
  }

  // Trailing optional inputs may be left out or named "".
  unsigned numInputs = proto.input_size();
  if (numInputs > converter->maxInputs || numInputs < converter->minInputs)
    return emitError(loc) << opType << " takes "
                          << describeArity(converter->minInputs,
                                           converter->maxInputs, "input")
                          << ", got " << numInputs;
  for (unsigned i = 0; i < converter->minInputs; ++i)
    if (proto.input(i).empty())
      return emitError(loc) << "input #" << i << " of " << opType
                            << " is required but empty";
  unsigned numOutputs = proto.output_size();
  if (numOutputs < 1 || numOutputs > converter->maxOutputs)
    return emitError(loc) << opType << " has "
                          << describeArity(1, converter->maxOutputs, "output")
                          << ", the node lists " << numOutputs;

  SmallVector<Value> inputs;
  for (const std::string &name : proto.input()) {
    Value value = name.empty() ? Value() : lookupValue(name);
    assert((name.empty() || value) &&
           "topological order puts producers first");
    inputs.push_back(value);
  }
  SmallVector<bool> outputsUsed;
  for (const std::string &name : proto.output())
    outputsUsed.push_back(!name.empty() && usedNames.contains(name));

  OnnxNode node(proto, *converter, opset, loc, builder, inputs, outputsUsed,
                modelDir, this);
  Block *block = builder.getInsertionBlock();
  Operation *last = block->empty() ? nullptr : &block->back();
  if (failed(converter->convert(node)))
    return failure();
  DenseMap<Value, Value> replaced;
  foldNewOps(block, last, replaced);
  for (auto [i, name] : llvm::enumerate(proto.output())) {
    Value value = node.getOutputs()[i];
    if (Value folded = replaced.lookup(value))
      value = folded;
    assert((value || !outputsUsed[i]) && "converters set every used output");
    if (!name.empty() && value)
      setValue(name, value);
  }
  return success();
}

/// Inputs bound at compile time: the graph reads a constant; the argument
/// stays (its value is checked at run time by the generated NAME_run).
LogicalResult OnnxImporter::importBoundInputs(func::FuncOp func,
                                              ArrayRef<StringRef> names) {
  for (const auto &entry : options.boundInputs) {
    StringRef name = entry.getKey();
    const auto *it = llvm::find(names, name);
    if (it == names.end())
      return emitError(getModelLoc())
             << "--bind names '" << name << "', which is not a graph input";
    unsigned index = it - names.begin();
    DenseElementsAttr value = entry.getValue();
    auto declared = llvm::cast<RankedTensorType>(func.getArgument(index).getType());
    auto given = llvm::cast<RankedTensorType>(value.getType());
    bool compatible = declared.getElementType() == given.getElementType() &&
                      declared.getRank() == given.getRank();
    for (auto [d, g] : llvm::zip(declared.getShape(), given.getShape()))
      compatible &= ShapedType::isDynamic(d) || d == g;
    if (!compatible)
      return emitError(getTensorLoc(name))
             << "the value bound to input '" << name << "' is " << given
             << ", the input is " << declared;
    // The binding also fixes symbolic dimensions of the input.
    func.getArgument(index).setType(given);
    FailureOr<graph::ConstantOp> constant =
        graph::buildInferred<graph::ConstantOp>(builder, getTensorLoc(name), value);
    if (failed(constant))
      return failure();
    setValue(name, constant->getResult());
  }
  func.setFunctionType(builder.getFunctionType(
      func.getBody().front().getArgumentTypes(), {}));
  return success();
}

/// Folds the ops a converter just built (after `last`), so that later nodes
/// see constants wherever the model computes them from constants or from
/// known sizes (shape subgraphs feeding Reshape, Slice ...: Shape folds
/// without a constant operand). Operands that are not constants fold as
/// null, the usual folding protocol; such ops are only replaced by
/// constants (forwarding an operand, as identity folds do, is left to
/// canonicalization). Records each folded value's replacement in
/// `replaced`.
void OnnxImporter::foldNewOps(Block *block, Operation *last,
                              DenseMap<Value, Value> &replaced) {
  auto begin = last ? std::next(last->getIterator()) : block->begin();
  for (Operation &op : llvm::make_early_inc_range(llvm::make_range(begin, block->end()))) {
    if (op.hasTrait<OpTrait::ConstantLike>() ||
        !llvm::isa<graph::KilnDialect>(op.getDialect()))
      continue;
    SmallVector<Attribute> operands;
    bool allConstant = true;
    for (Value v : op.getOperands()) {
      Attribute attr;
      allConstant &= matchPattern(v, m_Constant(&attr));
      operands.push_back(attr);
    }
    SmallVector<OpFoldResult> folded;
    if (failed(op.fold(operands, folded)) || folded.size() != op.getNumResults())
      continue;
    OpBuilder b(&op);
    SmallVector<Value> results;
    for (auto [result, f] : llvm::zip(op.getResults(), folded)) {
      if (auto value = llvm::dyn_cast<Value>(f)) {
        if (!allConstant)
          break;
        results.push_back(value);
        continue;
      }
      Operation *constant = op.getDialect()->materializeConstant(
          b, llvm::cast<Attribute>(f), result.getType(), op.getLoc());
      if (!constant)
        break;
      results.push_back(constant->getResult(0));
    }
    if (results.size() != op.getNumResults())
      continue;
    for (auto [result, value] : llvm::zip(op.getResults(), results)) {
      result.replaceAllUsesWith(value);
      replaced[result] = value;
    }
    op.erase();
  }
}

LogicalResult OnnxImporter::importOutputs(const onnx::GraphProto &graph,
                                          func::FuncOp func) {
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Location loc = getTensorLoc(output.name());
    Value value = lookupValue(output.name());
    if (!value)
      return emitError(loc) << "graph output '" << output.name()
                            << "' is not produced by any node, graph input or "
                               "initializer";
    // The computed shape wins over the declared one (shape inference will
    // refine it), but an element type mismatch means a broken model.
    if (output.type().has_tensor_type() &&
        output.type().tensor_type().elem_type() != 0) {
      Type declared =
          getElementType(&context, output.type().tensor_type().elem_type());
      Type computed = llvm::cast<ShapedType>(value.getType()).getElementType();
      if (declared && declared != computed)
        return emitError(loc) << "graph output '" << output.name()
                              << "' is declared with element type "
                              << declared << " but computes " << computed;
    }
    results.push_back(value);
  }
  func::ReturnOp::create(builder, getModelLoc(), results);
  func.setFunctionType(FunctionType::get(
      &context, func.getArgumentTypes(), ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "kiln.name",
                       builder.getStringAttr(output.name()));
  return success();
}

FailureOr<SmallVector<Value>>
OnnxImporter::importSubgraph(const onnx::GraphProto &graph, ArrayRef<Value> inputs,
                             Location loc, StringRef what) {
  if (static_cast<size_t>(graph.input_size()) != inputs.size())
    return emitError(loc) << what << " has " << graph.input_size()
                          << " inputs, the node binds " << inputs.size();
  scopes.emplace_back();
  llvm::scope_exit popScope([&] { scopes.pop_back(); });
  for (auto [input, value] : llvm::zip(graph.input(), inputs)) {
    if (input.name().empty())
      return emitError(loc) << "an input of " << what << " has no name";
    // The bound value's type wins over the declared one, but a different
    // element type means a broken model.
    if (input.type().has_tensor_type() && input.type().tensor_type().elem_type() != 0) {
      Type declared = getElementType(&context, input.type().tensor_type().elem_type());
      Type bound = llvm::cast<ShapedType>(value.getType()).getElementType();
      if (declared && declared != bound)
        return emitError(loc) << "input '" << input.name() << "' of " << what
                              << " is declared with element type " << declared
                              << " but receives " << bound;
    }
    setValue(input.name(), value);
  }
  if (failed(importInitializers(graph)))
    return failure();
  FailureOr<SmallVector<size_t>> order = sortNodes(graph);
  if (failed(order))
    return failure();
  for (size_t index : *order)
    if (failed(importNode(graph.node(index), index)))
      return failure();
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    Value value = lookupValue(output.name());
    if (!value)
      return emitError(loc) << "output '" << output.name() << "' of " << what
                            << " is not produced by any node, input or initializer";
    results.push_back(value);
  }
  return results;
}

std::string kiln::frontend::listSupportedOnnxOps() {
  OnnxOpTable table;
  std::string text;
  llvm::raw_string_ostream os(text);
  for (StringRef op : table.getOpTypes())
    os << op << " " << table.getOldestSupportedVersion(op) << "-" << kNewestKnownOpset << "\n";
  return text;
}

OwningOpRef<ModuleOp> OnnxImporter::import(const onnx::ModelProto &model) {
  if (failed(readOpset(model)))
    return nullptr;
  const onnx::GraphProto &graph = model.graph();

  OwningOpRef<ModuleOp> module = ModuleOp::create(getModelLoc());
  (*module)->setAttr("kiln.source", builder.getStringAttr(path));
  (*module)->setAttr("kiln.graph_name", builder.getStringAttr(graph.name()));

  SmallVector<Type> argTypes;
  SmallVector<Location> argLocs;
  SmallVector<StringRef> argNames;
  if (failed(importInputs(graph, argTypes, argLocs, argNames)))
    return nullptr;

  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, getModelLoc(), "main",
                                   builder.getFunctionType(argTypes, {}));
  Block *entry =
      builder.createBlock(&func.getBody(), {}, argTypes, argLocs);
  scopes.emplace_back();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "kiln.name", builder.getStringAttr(name));
    setValue(name, entry->getArgument(i));
  }
  builder.setInsertionPointToEnd(entry);
  if (failed(importBoundInputs(func, argNames)))
    return nullptr;

  if (failed(importInitializers(graph)))
    return nullptr;
  FailureOr<SmallVector<size_t>> order = sortNodes(graph);
  if (failed(order))
    return nullptr;
  for (const onnx::ValueInfoProto &output : graph.output())
    usedNames.insert(output.name());
  for (size_t index : *order)
    if (failed(importNode(graph.node(index), index)))
      return nullptr;
  if (failed(importOutputs(graph, func)))
    return nullptr;

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp>
kiln::frontend::importOnnxBuffer(MLIRContext &context, StringRef contents,
                                 StringRef path,
                                 const OnnxImportOptions &options) {
  context.loadDialect<graph::KilnDialect, func::FuncDialect>();
  // libonnx and protobuf may throw; nothing of theirs may escape into
  // callers built without exceptions.
  try {
    onnx::ModelProto model;
    if (failed(parseModel(context, contents, path, model)))
      return nullptr;
    OnnxImporter importer(context, path, options);
    return importer.import(model);
  } catch (const std::exception &e) {
    emitError(getOnnxModelLoc(&context, path))
        << "internal error while importing the model: " << e.what();
  } catch (...) {
    emitError(getOnnxModelLoc(&context, path))
        << "internal error while importing the model";
  }
  return nullptr;
}

OwningOpRef<ModuleOp>
kiln::frontend::importOnnxFile(MLIRContext &context, StringRef path,
                               const OnnxImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(getOnnxModelLoc(&context, path))
        << "cannot read '" << path << "': " << buffer.getError().message();
    return nullptr;
  }
  return importOnnxBuffer(context, (*buffer)->getBuffer(), path, options);
}
