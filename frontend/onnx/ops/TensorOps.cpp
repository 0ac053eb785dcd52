//===- TensorOps.cpp - Constants, identity and shape manipulation ---------===//
//
// Constant, Identity, Shape, Size, Reshape (shape as an attribute before
// opset 5), Flatten, Transpose and Concat.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"

#include <numeric>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

static LogicalResult convertConstant(OnnxNode &node) {
  // The table has rejected the value forms the op's version lacks.
  static const char *const valueAttrs[] = {
      "value",     "value_float",  "value_floats",  "value_int",
      "value_ints", "value_string", "value_strings", "sparse_value"};
  const char *present = nullptr;
  int count = 0;
  for (const char *name : valueAttrs) {
    if (node.findAttr(name)) {
      present = name;
      ++count;
    }
  }
  if (count != 1)
    return node.emitError()
           << "Constant needs exactly one value attribute, got " << count;
  StringRef kind = present;
  if (kind == "sparse_value")
    return node.emitError()
           << "attribute 'sparse_value' is not supported (sparse tensors)";
  if (kind == "value_string" || kind == "value_strings")
    return node.emitError() << "attribute '" << kind
                            << "' is not supported (string tensors)";

  OpBuilder &b = node.getBuilder();
  DenseElementsAttr value;
  if (kind == "value") {
    FailureOr<const onnx::TensorProto *> tensor =
        node.getOptionalTensor("value");
    if (failed(tensor))
      return failure();
    FailureOr<DenseElementsAttr> converted =
        node.convertTensor(**tensor, "attribute 'value'");
    if (failed(converted))
      return failure();
    value = *converted;
  } else if (kind == "value_float") {
    FailureOr<std::optional<float>> f = node.getOptionalFloat(kind);
    if (failed(f))
      return failure();
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   ArrayRef<float>(**f));
  } else if (kind == "value_floats") {
    FailureOr<std::optional<SmallVector<float>>> fs =
        node.getOptionalFloats(kind);
    if (failed(fs))
      return failure();
    auto type = RankedTensorType::get({static_cast<int64_t>((*fs)->size())},
                                      b.getF32Type());
    value = DenseElementsAttr::get(type, ArrayRef<float>(**fs));
  } else if (kind == "value_int") {
    FailureOr<std::optional<int64_t>> i = node.getOptionalInt(kind);
    if (failed(i))
      return failure();
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   ArrayRef<int64_t>(**i));
  } else {
    assert(kind == "value_ints" && "every value form is handled");
    FailureOr<std::optional<SmallVector<int64_t>>> is =
        node.getOptionalInts(kind);
    if (failed(is))
      return failure();
    auto type = RankedTensorType::get({static_cast<int64_t>((*is)->size())},
                                      b.getI64Type());
    value = DenseElementsAttr::get(type, ArrayRef<int64_t>(**is));
  }
  FailureOr<Value> result = node.createConstant(value);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertIdentity(OnnxNode &node) {
  FailureOr<Value> result =
      node.createValue<graph::IdentityOp>(node.getInput(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Before opset 5 the target shape is the `shape` attribute.
static LogicalResult convertReshapeWithAttribute(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> shape = node.getRequiredInts("shape");
  if (failed(shape))
    return failure();
  FailureOr<Value> shapeValue = node.createI64Constant(*shape);
  if (failed(shapeValue))
    return failure();
  FailureOr<Value> result =
      node.createValue<graph::ReshapeOp>(node.getInput(0), *shapeValue);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertReshape(OnnxNode &node) {
  FailureOr<int64_t> allowZero = node.getInt("allowzero", 0);
  if (failed(allowZero))
    return failure();
  if (*allowZero != 0 && *allowZero != 1)
    return node.emitUnsupportedValue("allowzero", std::to_string(*allowZero))
           << " (expected 0 or 1)";
  // The target shape determines the result's: it must be a constant.
  if (failed(node.getConstantInts(1, "the target shape")))
    return failure();
  FailureOr<Value> result = node.createValue<graph::ReshapeOp>(
      node.getInput(0), node.getInput(1),
      *allowZero ? node.getBuilder().getBoolAttr(true) : BoolAttr());
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertFlatten(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", 1);
  if (failed(axis))
    return failure();
  FailureOr<Value> result = node.createValue<graph::FlattenOp>(
      node.getInput(0), node.getBuilder().getI64IntegerAttr(*axis));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertTranspose(OnnxNode &node) {
  FailureOr<std::optional<SmallVector<int64_t>>> perm =
      node.getOptionalInts("perm");
  if (failed(perm))
    return failure();
  SmallVector<int64_t> permutation;
  if (*perm) {
    permutation = std::move(**perm);
  } else {
    // The default reverses the axes.
    permutation.resize(node.getInputType(0).getRank());
    std::iota(permutation.rbegin(), permutation.rend(), 0);
  }
  FailureOr<Value> result = node.createValue<graph::TransposeOp>(
      node.getInput(0), node.getBuilder().getDenseI64ArrayAttr(permutation));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertConcat(OnnxNode &node) {
  // Version 1 concatenates along axis 1 by default; later versions require
  // the attribute.
  FailureOr<int64_t> axis = node.getSinceVersion() < 4
                                ? node.getInt("axis", 1)
                                : node.getRequiredInt("axis");
  if (failed(axis))
    return failure();
  SmallVector<Value> inputs;
  for (size_t i = 0, e = node.getNumInputs(); i < e; ++i) {
    Value input = node.getInput(i);
    if (!input)
      return node.emitError() << "input #" << i << " of Concat is empty";
    inputs.push_back(input);
  }
  FailureOr<Value> result = node.createValue<graph::ConcatOp>(
      ValueRange(inputs), node.getBuilder().getI64IntegerAttr(*axis));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertShape(OnnxNode &node) {
  FailureOr<int64_t> start = node.getInt("start", 0);
  FailureOr<std::optional<int64_t>> end = node.getOptionalInt("end");
  if (failed(start) || failed(end))
    return failure();
  FailureOr<graph::ShapeOp> op = node.create<graph::ShapeOp>(node.getInput(0));
  if (failed(op))
    return failure();
  // Set after creation: the builder's attribute arguments come in ODS order,
  // and inference reads them, so re-infer.
  op->setStart(*start);
  if (*end)
    op->setEnd(**end);
  if (failed(graph::inferResultTypes(*op)))
    return failure();
  node.setOutput(0, op->getResult());
  return success();
}

static LogicalResult convertSize(OnnxNode &node) {
  FailureOr<Value> result = node.createValue<graph::SizeOp>(node.getInput(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

void kiln::frontend::populateTensorConverters(OnnxOpTable &table) {
  table.add({"Shape", 1, 1, 1, 1, {}, convertShape});
  table.add({"Shape", 15, 1, 1, 1, {"end", "start"}, convertShape});
  table.add({"Size", 1, 1, 1, 1, {}, convertSize});
  table.add({"Constant", 1, 0, 0, 1, {"value"}, convertConstant});
  table.add({"Constant", 11, 0, 0, 1, {"sparse_value", "value"},
             convertConstant});
  table.add({"Constant", 12, 0, 0, 1,
             {"sparse_value", "value", "value_float", "value_floats",
              "value_int", "value_ints", "value_string", "value_strings"},
             convertConstant});

  table.add({"Identity", 1, 1, 1, 1, {}, convertIdentity});

  table.add({"Reshape", 1, 1, 1, 1, {"consumed_inputs", "shape"},
             convertReshapeWithAttribute});
  table.add({"Reshape", 5, 2, 2, 1, {}, convertReshape});
  table.add({"Reshape", 14, 2, 2, 1, {"allowzero"}, convertReshape});

  table.add({"Flatten", 1, 1, 1, 1, {"axis"}, convertFlatten});
  table.add({"Transpose", 1, 1, 1, 1, {"perm"}, convertTranspose});
  table.add({"Concat", 1, 1, kVariadic, 1, {"axis"}, convertConcat});
  table.add({"Concat", 4, 1, kVariadic, 1, {"axis"}, convertConcat});
}
