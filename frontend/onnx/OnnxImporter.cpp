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
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"
#include "onnx/defs/schema.h"

#include <climits>
#include <map>
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
/// The names a sequence of nodes sees: the main graph's, a function body's
/// being expanded for a node, or a graph attribute's being inlined.
struct Scope {
  /// The value of every tensor name imported so far; a null value is an
  /// absent optional input of a function.
  llvm::StringMap<Value> values;
  /// Names a node consumes or the scope outputs.
  llvm::StringSet<> usedNames;
  /// The opset per (normalized) domain.
  llvm::StringMap<int64_t> opsets;
  /// In a function body: the caller's attribute each attribute reference
  /// names, or a default.
  llvm::StringMap<const onnx::AttributeProto *> attrs;
  /// The location of the node this scope expands; unset for the main graph.
  std::optional<Location> caller;
  /// A graph attribute's scope also sees the names around it.
  const Scope *parent = nullptr;
  /// Expansions this scope is nested in.
  unsigned depth = 0;

  /// The value named `name` here or in an enclosing graph scope; sets
  /// `found` when the name is defined (possibly as absent).
  Value lookup(StringRef name, bool &found) const {
    for (const Scope *s = this; s; s = s->parent) {
      auto it = s->values.find(name);
      if (it != s->values.end()) {
        found = true;
        return it->second;
      }
    }
    found = false;
    return {};
  }
};

/// Function bodies call functions; models can make that recursive.
constexpr unsigned kMaxExpansionDepth = 32;

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
                                               ArrayRef<Value> inputs,
                                               Location loc,
                                               StringRef what) override;

private:
  LogicalResult readOpsets(const onnx::ModelProto &model);
  LogicalResult importInputs(const onnx::GraphProto &graph,
                             SmallVectorImpl<Type> &types,
                             SmallVectorImpl<Location> &locs,
                             SmallVectorImpl<StringRef> &names);
  FailureOr<RankedTensorType>
  convertInputType(const onnx::ValueInfoProto &input);
  LogicalResult importInitializers(const onnx::GraphProto &graph,
                                   Scope &scope);
  FailureOr<SmallVector<size_t>>
  sortNodes(const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
            Scope &scope);
  LogicalResult importNode(const onnx::NodeProto &node, Location loc,
                           Scope &scope);
  LogicalResult convertNode(const onnx::NodeProto &proto,
                            const OnnxOpConverter &converter, int64_t version,
                            Location loc, Scope &scope);
  LogicalResult expandFunction(const onnx::NodeProto &proto,
                               const onnx::FunctionProto &function,
                               const onnx::OpSchema *schema, Location loc,
                               Scope &scope);
  FailureOr<const onnx::FunctionProto *>
  findSchemaFunction(const onnx::NodeProto &proto, StringRef domain,
                     int64_t version, Location loc, Scope &scope,
                     onnx::FunctionProto &storage,
                     const onnx::OpSchema *&schema);
  LogicalResult importBody(const google::protobuf::RepeatedPtrField<
                               onnx::NodeProto> &nodes,
                           Scope &scope);
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
  /// Node #`index` of the graph or body `scope` imports.
  Location getNodeLoc(const onnx::NodeProto &node, size_t index,
                      const Scope &scope) {
    if (!scope.caller)
      return getNodeLoc(node, index);
    return getOnnxInnerNodeLoc(getNodeName(node, index), node.op_type(),
                               *scope.caller);
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
  /// The main graph's names and opsets.
  Scope graphScope;
  /// The scope of the node being converted (graph attributes see it).
  Scope *currentScope = nullptr;
  /// The model's own functions by (domain, name).
  std::map<std::pair<std::string, std::string>, const onnx::FunctionProto *>
      localFunctions;
};
} // namespace

LogicalResult OnnxImporter::readOpsets(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &entry : model.opset_import()) {
    StringRef domain = normalizeOnnxDomain(entry.domain());
    if (entry.version() < 1)
      return emitError(getModelLoc())
             << "the model imports invalid opset " << entry.version()
             << " of " << (domain.empty() ? "the default ONNX domain"
                                          : "domain '" + domain.str() + "'");
    graphScope.opsets.try_emplace(domain, entry.version());
  }
  // Before IR version 3 there was no opset_import, and opset 1 was implied.
  if (model.opset_import_size() == 0 && model.ir_version() >= 1 &&
      model.ir_version() < 3)
    graphScope.opsets[""] = 1;
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

LogicalResult OnnxImporter::importInitializers(const onnx::GraphProto &graph,
                                               Scope &scope) {
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
    scope.values[init.name()] = constant->getResult();
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

FailureOr<SmallVector<size_t>> OnnxImporter::sortNodes(
    const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
    Scope &scope) {
  size_t numNodes = nodes.size();
  llvm::StringMap<size_t> producers;
  for (size_t i = 0; i < numNodes; ++i) {
    const onnx::NodeProto &node = nodes[i];
    for (const std::string &output : node.output()) {
      if (output.empty())
        continue;
      if (scope.values.contains(output))
        return emitError(getNodeLoc(node, i, scope))
               << "output '" << output
               << "' redefines a graph input or initializer";
      auto [it, inserted] = producers.try_emplace(output, i);
      if (!inserted)
        return emitError(getNodeLoc(node, i, scope))
               << "output '" << output << "' is also produced by node '"
               << getNodeName(nodes[it->second], it->second) << "'";
    }
  }

  // Edges producer -> consumer, one per input that names a node's output.
  SmallVector<SmallVector<size_t>> consumers(numNodes), producersOf(numNodes);
  SmallVector<size_t> pending(numNodes, 0);
  for (size_t i = 0; i < numNodes; ++i) {
    const onnx::NodeProto &node = nodes[i];
    for (const std::string &input : node.input()) {
      if (input.empty())
        continue;
      scope.usedNames.insert(input);
      auto it = producers.find(input);
      if (it == producers.end()) {
        // A graph input, an initializer, a value of an enclosing graph, or
        // a function's formal input.
        bool found = false;
        (void)scope.lookup(input, found);
        if (found)
          continue;
        return emitError(getNodeLoc(node, i, scope))
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
      scope.usedNames.insert(entry.getKey());
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
    names += "'" + getNodeName(nodes[i], i) + "' -> ";
  names += "'" + getNodeName(nodes[cycle.front()], cycle.front()) + "'";
  return emitError(getNodeLoc(nodes[cycle.front()], cycle.front(), scope))
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

/// "domain 'ai.onnx.ml'", or "the default ONNX domain".
static std::string describeDomain(StringRef domain) {
  return domain.empty() ? "the default ONNX domain"
                        : "domain '" + domain.str() + "'";
}

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &proto,
                                       Location loc, Scope &scope) {
  StringRef opType = proto.op_type();
  StringRef domain = normalizeOnnxDomain(proto.domain());
  std::string domainName = domain.empty() ? "ai.onnx" : domain.str();
  auto local = localFunctions.find({domain.str(), proto.op_type()});
  const onnx::FunctionProto *localFunction =
      local == localFunctions.end() ? nullptr : local->second;
  bool knownDomain = getNewestKnownOpset(domain) > 0;
  if (!knownDomain && !localFunction)
    return emitError(loc) << "operator '" << opType << "' of domain '"
                          << domain
                          << "' is not supported: Kiln imports the domains "
                             "ai.onnx, ai.onnx.ml, ai.onnx.preview and "
                             "ai.onnx.preview.training, and the model's own "
                             "functions";
  auto opsetIt = scope.opsets.find(domain);
  if (opsetIt == scope.opsets.end() && !localFunction)
    return emitError(loc) << "the model imports no opset of "
                          << describeDomain(domain);
  int64_t version = opsetIt == scope.opsets.end() ? 0 : opsetIt->second;

  // A converter of Kiln's own comes first.
  if (knownDomain && table.contains(opType, domain)) {
    if (version > getNewestKnownOpset(domain))
      return emitError(loc)
             << "operator '" << opType << "' at opset " << version
             << " is not supported: Kiln knows the operators of "
             << describeDomain(domain) << " up to opset "
             << getNewestKnownOpset(domain);
    if (const OnnxOpConverter *converter =
            table.lookup(opType, version, domain))
      return convertNode(proto, *converter, version, loc, scope);
  }
  if (localFunction)
    return expandFunction(proto, *localFunction, nullptr, loc, scope);
  onnx::FunctionProto built;
  const onnx::OpSchema *schema = nullptr;
  FailureOr<const onnx::FunctionProto *> function =
      findSchemaFunction(proto, domain, version, loc, scope, built, schema);
  if (failed(function))
    return failure();
  if (*function)
    return expandFunction(proto, **function, schema, loc, scope);
  if (table.contains(opType, domain))
    return emitError(loc) << "operator '" << opType << "' at opset " << version
                          << " is not supported (Kiln supports it from opset "
                          << table.getOldestSupportedVersion(opType, domain)
                          << ")";
  return emitError(loc) << "unsupported operator '" << opType << "' (domain '"
                        << domainName << "', opset " << version << ")";
}

LogicalResult OnnxImporter::convertNode(const onnx::NodeProto &proto,
                                        const OnnxOpConverter &converter,
                                        int64_t version, Location loc,
                                        Scope &scope) {
  StringRef opType = proto.op_type();
  llvm::StringSet<> attrNames;
  for (const onnx::AttributeProto &attr : proto.attribute()) {
    if (!attr.ref_attr_name().empty())
      return emitError(loc) << "attribute '" << attr.name()
                            << "' refers to attribute '"
                            << attr.ref_attr_name()
                            << "' outside of a function";
    if (!llvm::is_contained(converter.attributes, attr.name()))
      return emitError(loc) << "unknown attribute '" << attr.name()
                            << "' for " << opType << " at opset " << version;
    if (!attrNames.insert(attr.name()).second)
      return emitError(loc) << "attribute '" << attr.name()
                            << "' is given twice";
  }

  // Trailing optional inputs may be left out or named "".
  unsigned numInputs = proto.input_size();
  if (numInputs > converter.maxInputs || numInputs < converter.minInputs)
    return emitError(loc) << opType << " takes "
                          << describeArity(converter.minInputs,
                                           converter.maxInputs, "input")
                          << ", got " << numInputs;
  for (unsigned i = 0; i < converter.minInputs; ++i)
    if (proto.input(i).empty())
      return emitError(loc) << "input #" << i << " of " << opType
                            << " is required but empty";
  unsigned numOutputs = proto.output_size();
  if (numOutputs < 1 || numOutputs > converter.maxOutputs)
    return emitError(loc) << opType << " has "
                          << describeArity(1, converter.maxOutputs, "output")
                          << ", the node lists " << numOutputs;

  SmallVector<Value> inputs;
  for (const std::string &name : proto.input()) {
    bool found = false;
    Value value = name.empty() ? Value() : scope.lookup(name, found);
    assert((name.empty() || found) && "producers are imported first");
    inputs.push_back(value);
  }
  SmallVector<bool> outputsUsed;
  for (const std::string &name : proto.output())
    outputsUsed.push_back(!name.empty() && scope.usedNames.contains(name));

  OnnxNode node(proto, converter, version, loc, builder, inputs, outputsUsed,
                modelDir, this);
  Block *block = builder.getInsertionBlock();
  Operation *last = block->empty() ? nullptr : &block->back();
  Scope *outer = currentScope;
  currentScope = &scope;
  LogicalResult converted = converter.convert(node);
  currentScope = outer;
  if (failed(converted))
    return failure();
  DenseMap<Value, Value> replaced;
  foldNewOps(block, last, replaced);
  for (auto [i, name] : llvm::enumerate(proto.output())) {
    Value value = node.getOutputs()[i];
    if (Value folded = replaced.lookup(value))
      value = folded;
    assert((value || !outputsUsed[i]) && "converters set every used output");
    if (!name.empty() && value)
      scope.values[name] = value;
  }
  return success();
}

FailureOr<const onnx::FunctionProto *> OnnxImporter::findSchemaFunction(
    const onnx::NodeProto &proto, StringRef domain, int64_t version,
    Location loc, Scope &scope, onnx::FunctionProto &storage,
    const onnx::OpSchema *&schema) {
  // libonnx may be older than the opsets Kiln checks against; its schema for
  // a newer opset is then the op's newest version it knows. None of the ops
  // whose function Kiln takes from it changed after libonnx's last opset.
  schema = onnx::OpSchemaRegistry::Schema(proto.op_type(),
                                          static_cast<int>(version),
                                          domain.str());
  if (!schema || schema->Deprecated())
    return static_cast<const onnx::FunctionProto *>(nullptr);
  if (schema->HasFunction())
    return schema->GetFunction();
  if (!schema->HasContextDependentFunction())
    return static_cast<const onnx::FunctionProto *>(nullptr);
  // The body depends on the node: give it the attributes and input types.
  std::vector<onnx::TypeProto> types;
  for (const std::string &name : proto.input()) {
    onnx::TypeProto type;
    bool found = false;
    Value value = name.empty() ? Value() : scope.lookup(name, found);
    if (value) {
      auto tensorType = llvm::cast<RankedTensorType>(value.getType());
      onnx::TypeProto::Tensor *tensor = type.mutable_tensor_type();
      if (std::optional<int32_t> code =
              getOnnxDataType(tensorType.getElementType()))
        tensor->set_elem_type(*code);
      onnx::TensorShapeProto *shape = tensor->mutable_shape();
      for (int64_t size : tensorType.getShape()) {
        onnx::TensorShapeProto::Dimension *dim = shape->add_dim();
        if (!ShapedType::isDynamic(size))
          dim->set_dim_value(size);
      }
    }
    types.push_back(std::move(type));
  }
  onnx::FunctionBodyBuildContextImpl context(proto, types);
  if (!schema->BuildContextDependentFunction(context, storage))
    return emitError(loc) << "ONNX's function body of " << proto.op_type()
                          << " does not apply to this node";
  return &storage;
}

LogicalResult OnnxImporter::expandFunction(const onnx::NodeProto &proto,
                                           const onnx::FunctionProto &function,
                                           const onnx::OpSchema *schema,
                                           Location loc, Scope &scope) {
  StringRef opType = proto.op_type();
  if (scope.depth >= kMaxExpansionDepth)
    return emitError(loc) << "function expansion nests deeper than "
                          << kMaxExpansionDepth << " levels (is '" << opType
                          << "' recursive?)";
  if (proto.input_size() > function.input_size())
    return emitError(loc) << opType << " takes at most "
                          << describeArity(function.input_size(),
                                           function.input_size(), "input")
                          << ", got " << proto.input_size();
  if (proto.output_size() > function.output_size())
    return emitError(loc) << opType << " has at most "
                          << describeArity(function.output_size(),
                                           function.output_size(), "output")
                          << ", the node lists " << proto.output_size();

  Scope inner;
  inner.caller = loc;
  inner.depth = scope.depth + 1;
  for (const auto &entry : scope.opsets)
    inner.opsets[entry.getKey()] = entry.getValue();
  for (const onnx::OperatorSetIdProto &entry : function.opset_import())
    inner.opsets[normalizeOnnxDomain(entry.domain())] = entry.version();

  // The caller's attributes by name, then the defaults the schema gives.
  for (const onnx::AttributeProto &attr : proto.attribute()) {
    bool declared = schema ? schema->attributes().count(attr.name()) > 0
                           : llvm::is_contained(function.attribute(),
                                                attr.name());
    if (!declared)
      return emitError(loc) << "unknown attribute '" << attr.name()
                            << "' for " << opType;
    if (!inner.attrs.try_emplace(attr.name(), &attr).second)
      return emitError(loc) << "attribute '" << attr.name()
                            << "' is given twice";
  }
  if (schema)
    for (const auto &[name, attr] : schema->attributes())
      if (!attr.default_value.name().empty())
        inner.attrs.try_emplace(name, &attr.default_value);

  // Formal inputs the caller leaves out are absent (null) in the body.
  for (auto [i, formal] : llvm::enumerate(function.input())) {
    Value value;
    if (static_cast<int>(i) < proto.input_size() && !proto.input(i).empty()) {
      bool found = false;
      value = scope.lookup(proto.input(i), found);
      assert(found && "producers are imported first");
    }
    inner.values[formal] = value;
  }
  for (const onnx::NodeProto &node : function.node())
    for (const std::string &name : node.input())
      inner.usedNames.insert(name);
  for (auto [i, name] : llvm::enumerate(proto.output()))
    if (!name.empty() && scope.usedNames.contains(name))
      inner.usedNames.insert(function.output(i));

  if (failed(importBody(function.node(), inner)))
    return failure();
  for (auto [i, name] : llvm::enumerate(proto.output())) {
    if (name.empty())
      continue;
    Value value = inner.values.lookup(function.output(i));
    if (!value && scope.usedNames.contains(name))
      return emitError(loc) << "the function body of " << opType
                            << " does not compute output '"
                            << function.output(i) << "'";
    if (value)
      scope.values[name] = value;
  }
  return success();
}

LogicalResult OnnxImporter::importBody(
    const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes,
    Scope &scope) {
  assert(scope.caller && "bodies are imported for a node");
  FailureOr<SmallVector<size_t>> order = sortNodes(nodes, scope);
  if (failed(order))
    return failure();
  for (size_t index : *order) {
    const onnx::NodeProto &node = nodes[index];
    Location loc = getNodeLoc(node, index, scope);
    // Bind the node to the scope: absent inputs become "", attribute
    // references the caller's attributes (or nothing, when it has none).
    onnx::NodeProto bound = node;
    for (std::string &input : *bound.mutable_input()) {
      if (input.empty())
        continue;
      bool found = false;
      Value value = scope.lookup(input, found);
      assert(found && "topological order puts producers first");
      if (!value)
        input.clear();
    }
    bound.clear_attribute();
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.ref_attr_name().empty()) {
        *bound.add_attribute() = attr;
        continue;
      }
      const onnx::AttributeProto *actual = scope.attrs.lookup(attr.ref_attr_name());
      if (!actual)
        continue;
      onnx::AttributeProto *copy = bound.add_attribute();
      *copy = *actual;
      copy->set_name(attr.name());
    }
    if (failed(importNode(bound, loc, scope)))
      return failure();
  }
  return success();
}

FailureOr<SmallVector<Value>>
OnnxImporter::importSubgraph(const onnx::GraphProto &graph,
                             ArrayRef<Value> inputs, Location loc,
                             StringRef what) {
  assert(currentScope && "graphs are inlined while converting a node");
  const Scope &outer = *currentScope;
  if (outer.depth >= kMaxExpansionDepth)
    return emitError(loc) << "graph attributes nest deeper than "
                          << kMaxExpansionDepth << " levels";
  if (graph.input_size() != static_cast<int>(inputs.size()))
    return emitError(loc) << what << " has " << graph.input_size()
                          << " inputs, the node binds " << inputs.size();
  Scope inner;
  inner.parent = &outer;
  inner.caller = loc;
  inner.depth = outer.depth + 1;
  for (const auto &entry : outer.opsets)
    inner.opsets[entry.getKey()] = entry.getValue();
  for (const auto &entry : outer.attrs)
    inner.attrs[entry.getKey()] = entry.getValue();
  for (auto [input, value] : llvm::zip(graph.input(), inputs)) {
    if (input.name().empty())
      return emitError(loc) << "an input of " << what << " has no name";
    // The bound value's type wins over the declared one, but a different
    // element type means a broken model.
    if (input.type().has_tensor_type() &&
        input.type().tensor_type().elem_type() != 0) {
      Type declared =
          getElementType(&context, input.type().tensor_type().elem_type());
      Type bound = llvm::cast<ShapedType>(value.getType()).getElementType();
      if (declared && declared != bound)
        return emitError(loc) << "input '" << input.name() << "' of " << what
                              << " is declared with element type " << declared
                              << " but receives " << bound;
    }
    inner.values[input.name()] = value;
  }
  if (failed(importInitializers(graph, inner)))
    return failure();
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &name : node.input())
      inner.usedNames.insert(name);
  for (const onnx::ValueInfoProto &output : graph.output())
    inner.usedNames.insert(output.name());
  if (failed(importBody(graph.node(), inner)))
    return failure();
  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    bool found = false;
    Value value = inner.lookup(output.name(), found);
    if (!value)
      return emitError(loc) << "output '" << output.name() << "' of " << what
                            << " is not produced by any node, input or "
                               "initializer";
    results.push_back(value);
  }
  return results;
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
    graphScope.values[name] = constant->getResult();
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
    Value value = graphScope.values.lookup(output.name());
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

std::string kiln::frontend::listSupportedOnnxOps() {
  OnnxOpTable table;
  std::string text;
  llvm::raw_string_ostream os(text);
  for (const OnnxOpConverter *c : table.getOldestConverters())
    os << OnnxOpTable::getKey(c->opType, c->domain) << " " << c->sinceVersion
       << "-" << getNewestKnownOpset(c->domain) << "\n";
  return text;
}

OwningOpRef<ModuleOp> OnnxImporter::import(const onnx::ModelProto &model) {
  if (failed(readOpsets(model)))
    return nullptr;
  for (const onnx::FunctionProto &function : model.functions())
    localFunctions.try_emplace(
        {normalizeOnnxDomain(function.domain()).str(), function.name()},
        &function);
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
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "kiln.name", builder.getStringAttr(name));
    graphScope.values[name] = entry->getArgument(i);
  }
  builder.setInsertionPointToEnd(entry);
  if (failed(importBoundInputs(func, argNames)))
    return nullptr;

  if (failed(importInitializers(graph, graphScope)))
    return nullptr;
  FailureOr<SmallVector<size_t>> order = sortNodes(graph.node(), graphScope);
  if (failed(order))
    return nullptr;
  for (const onnx::ValueInfoProto &output : graph.output())
    graphScope.usedNames.insert(output.name());
  for (size_t index : *order)
    if (failed(importNode(graph.node(index), getNodeLoc(graph.node(index), index),
                          graphScope)))
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
