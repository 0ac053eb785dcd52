//===- OnnxNode.cpp - One ONNX node as seen by its converter --------------===//

#include "frontend/onnx/OnnxNode.h"

#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace kiln::frontend;

using AttrKind = onnx::AttributeProto::AttributeType;

OnnxNode::OnnxNode(const onnx::NodeProto &proto,
                   const OnnxOpConverter &converter, int64_t opset,
                   Location loc, OpBuilder &builder, ArrayRef<Value> inputs,
                   ArrayRef<bool> outputsUsed, StringRef modelDir,
                   OnnxSubgraphImporter *subgraphs)
    : proto(proto), converter(converter), opset(opset), loc(loc),
      builder(builder), inputs(inputs), outputsUsed(outputsUsed),
      outputs(proto.output_size()), modelDir(modelDir), subgraphs(subgraphs) {}

int64_t OnnxNode::getSinceVersion() const { return converter.sinceVersion; }

RankedTensorType OnnxNode::getInputType(size_t i) const {
  Value input = getInput(i);
  assert(input && "only present inputs have a type");
  return llvm::cast<RankedTensorType>(input.getType());
}

/// A graph input (block argument) that `value` is computed from, if any.
static std::optional<std::string> findGraphInput(Value value) {
  SmallVector<Value> work = {value};
  llvm::SmallPtrSet<Operation *, 16> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (auto arg = llvm::dyn_cast<BlockArgument>(v)) {
      auto func = llvm::dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
      if (auto name = func ? func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "kiln.name")
                           : StringAttr())
        return name.str();
      continue;
    }
    Operation *op = v.getDefiningOp();
    if (op && seen.insert(op).second)
      llvm::append_range(work, op->getOperands());
  }
  return std::nullopt;
}

FailureOr<DenseElementsAttr> OnnxNode::getConstantInput(size_t i, StringRef what) {
  Value input = getInput(i);
  assert(input && "only present inputs have a value");
  DenseElementsAttr value;
  if (matchPattern(input, m_Constant(&value)))
    return value;
  return emitNotConstantError(input, "input #" + std::to_string(i) + " ('" +
                                         proto.input(i) + "'), " + what.str() + ",");
}

InFlightDiagnostic OnnxNode::emitNotConstantError(Value value, StringRef subject) {
  InFlightDiagnostic diag = emitError() << subject << " must be known at compile time";
  if (std::optional<std::string> source = findGraphInput(value))
    diag << ", but it depends on graph input '" << *source
         << "' (give its value at compile time with --bind " << *source << "=FILE)";
  return diag;
}

FailureOr<SmallVector<Value>> OnnxNode::importSubgraph(const onnx::GraphProto &graph,
                                                       StringRef attrName,
                                                       ArrayRef<Value> values) {
  assert(subgraphs && "the importer passes itself to nodes with graph attributes");
  std::string what = "the " + attrName.str() + " of " + proto.op_type();
  return subgraphs->importSubgraph(graph, values, loc, what);
}

FailureOr<SmallVector<int64_t>> OnnxNode::getConstantInts(size_t i, StringRef what) {
  FailureOr<DenseElementsAttr> value = getConstantInput(i, what);
  if (failed(value))
    return failure();
  if (!llvm::isa<IntegerType>(value->getElementType()))
    return emitError() << "input #" << i << " ('" << proto.input(i) << "'), " << what
                       << ", must hold integers, got " << value->getElementType();
  return llvm::map_to_vector(value->getValues<APInt>(),
                             [](const APInt &v) { return v.getSExtValue(); });
}

void OnnxNode::setOutput(size_t i, Value value) {
  assert(i < outputs.size() && "the node lists this output");
  outputs[i] = value;
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

/// The kind of `attr`. Models older than IR version 2 may leave the type
/// field unset; the kind then follows from the field that holds the value.
static AttrKind getKind(const onnx::AttributeProto &attr) {
  if (attr.type() != onnx::AttributeProto::UNDEFINED)
    return attr.type();
  if (attr.has_f())
    return onnx::AttributeProto::FLOAT;
  if (attr.has_i())
    return onnx::AttributeProto::INT;
  if (attr.has_s())
    return onnx::AttributeProto::STRING;
  if (attr.has_t())
    return onnx::AttributeProto::TENSOR;
  if (attr.has_g())
    return onnx::AttributeProto::GRAPH;
  if (attr.has_sparse_tensor())
    return onnx::AttributeProto::SPARSE_TENSOR;
  if (attr.floats_size())
    return onnx::AttributeProto::FLOATS;
  if (attr.ints_size())
    return onnx::AttributeProto::INTS;
  if (attr.strings_size())
    return onnx::AttributeProto::STRINGS;
  if (attr.tensors_size())
    return onnx::AttributeProto::TENSORS;
  if (attr.graphs_size())
    return onnx::AttributeProto::GRAPHS;
  return onnx::AttributeProto::UNDEFINED;
}

static std::string getKindName(AttrKind kind) {
  std::string name = onnx::AttributeProto::AttributeType_Name(kind);
  return name.empty() ? "kind " + std::to_string(kind) : name;
}

const onnx::AttributeProto *OnnxNode::findAttr(StringRef name) const {
  for (const onnx::AttributeProto &attr : proto.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

LogicalResult OnnxNode::checkKind(const onnx::AttributeProto &attr,
                                  AttrKind kind) {
  AttrKind actual = getKind(attr);
  if (actual == kind)
    return success();
  return emitError() << "attribute '" << attr.name() << "' must be "
                     << getKindName(kind) << ", got " << getKindName(actual);
}

FailureOr<std::optional<int64_t>> OnnxNode::getOptionalInt(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return std::optional<int64_t>();
  if (failed(checkKind(*attr, onnx::AttributeProto::INT)))
    return failure();
  return std::optional<int64_t>(attr->i());
}

FailureOr<int64_t> OnnxNode::getInt(StringRef name, int64_t defaultValue) {
  FailureOr<std::optional<int64_t>> value = getOptionalInt(name);
  if (failed(value))
    return failure();
  return value->value_or(defaultValue);
}

FailureOr<int64_t> OnnxNode::getRequiredInt(StringRef name) {
  FailureOr<std::optional<int64_t>> value = getOptionalInt(name);
  if (failed(value))
    return failure();
  if (!*value)
    return emitError() << "missing required attribute '" << name << "'";
  return **value;
}

FailureOr<std::optional<float>> OnnxNode::getOptionalFloat(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return std::optional<float>();
  if (failed(checkKind(*attr, onnx::AttributeProto::FLOAT)))
    return failure();
  return std::optional<float>(attr->f());
}

FailureOr<float> OnnxNode::getFloat(StringRef name, float defaultValue) {
  FailureOr<std::optional<float>> value = getOptionalFloat(name);
  if (failed(value))
    return failure();
  return value->value_or(defaultValue);
}

FailureOr<std::string> OnnxNode::getString(StringRef name,
                                           StringRef defaultValue) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return defaultValue.str();
  if (failed(checkKind(*attr, onnx::AttributeProto::STRING)))
    return failure();
  return attr->s();
}

FailureOr<std::optional<SmallVector<int64_t>>>
OnnxNode::getOptionalInts(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return std::optional<SmallVector<int64_t>>();
  if (failed(checkKind(*attr, onnx::AttributeProto::INTS)))
    return failure();
  return std::optional<SmallVector<int64_t>>(
      SmallVector<int64_t>(attr->ints().begin(), attr->ints().end()));
}

FailureOr<SmallVector<int64_t>> OnnxNode::getRequiredInts(StringRef name) {
  FailureOr<std::optional<SmallVector<int64_t>>> value = getOptionalInts(name);
  if (failed(value))
    return failure();
  if (!*value)
    return emitError() << "missing required attribute '" << name << "'";
  return std::move(**value);
}

FailureOr<std::optional<SmallVector<float>>>
OnnxNode::getOptionalFloats(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return std::optional<SmallVector<float>>();
  if (failed(checkKind(*attr, onnx::AttributeProto::FLOATS)))
    return failure();
  return std::optional<SmallVector<float>>(
      SmallVector<float>(attr->floats().begin(), attr->floats().end()));
}

FailureOr<std::optional<SmallVector<std::string>>>
OnnxNode::getOptionalStrings(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return std::optional<SmallVector<std::string>>();
  if (failed(checkKind(*attr, onnx::AttributeProto::STRINGS)))
    return failure();
  return std::optional<SmallVector<std::string>>(
      SmallVector<std::string>(attr->strings().begin(), attr->strings().end()));
}

FailureOr<const onnx::GraphProto *>
OnnxNode::getOptionalGraph(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return static_cast<const onnx::GraphProto *>(nullptr);
  if (failed(checkKind(*attr, onnx::AttributeProto::GRAPH)))
    return failure();
  return &attr->g();
}

FailureOr<const onnx::GraphProto *>
OnnxNode::getRequiredGraph(StringRef name) {
  FailureOr<const onnx::GraphProto *> graph = getOptionalGraph(name);
  if (failed(graph))
    return failure();
  if (!*graph)
    return emitError() << "missing required attribute '" << name << "'";
  return *graph;
}

FailureOr<const onnx::TensorProto *>
OnnxNode::getOptionalTensor(StringRef name) {
  const onnx::AttributeProto *attr = findAttr(name);
  if (!attr)
    return static_cast<const onnx::TensorProto *>(nullptr);
  if (failed(checkKind(*attr, onnx::AttributeProto::TENSOR)))
    return failure();
  return &attr->t();
}

FailureOr<DenseElementsAttr>
OnnxNode::convertTensor(const onnx::TensorProto &tensor, StringRef what) {
  return convertTensorProto(loc, tensor, modelDir, what);
}

InFlightDiagnostic OnnxNode::emitUnsupportedValue(StringRef name,
                                                  StringRef value) {
  return emitError() << "unsupported value " << value << " for attribute '"
                     << name << "'";
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

FailureOr<Value> OnnxNode::createConstant(ElementsAttr value) {
  return createValue<graph::ConstantOp>(value);
}

FailureOr<Value> OnnxNode::createI64Constant(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    builder.getI64Type());
  return createConstant(DenseIntElementsAttr::get(type, values));
}

FailureOr<Value> OnnxNode::createReshape(Value value, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> sizes(shape);
  bool hasZero = false, hasDynamic = false;
  for (int64_t &size : sizes) {
    if (ShapedType::isDynamic(size)) {
      if (hasDynamic)
        return emitError() << "cannot reshape to a shape with more than one "
                              "dynamic dimension";
      hasDynamic = true;
      size = -1;
    }
    hasZero |= size == 0;
  }
  // A 0 in a reshape's shape copies the input size unless allow_zero is set,
  // and allow_zero forbids -1.
  if (hasZero && hasDynamic)
    return emitError() << "cannot reshape to a shape with both a zero-sized "
                          "and a dynamic dimension";
  FailureOr<Value> shapeValue = createI64Constant(sizes);
  if (failed(shapeValue))
    return failure();
  return createValue<graph::ReshapeOp>(
      value, *shapeValue, hasZero ? builder.getBoolAttr(true) : BoolAttr());
}
