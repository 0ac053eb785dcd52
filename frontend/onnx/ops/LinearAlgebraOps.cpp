//===- LinearAlgebraOps.cpp - MatMul and Gemm -----------------------------===//

#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

static LogicalResult convertMatMul(OnnxNode &node) {
  FailureOr<Value> result =
      node.createValue<graph::MatMulOp>(node.getInput(0), node.getInput(1));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// `transA`/`transB` are ints in ONNX and booleans in kiln.
static FailureOr<BoolAttr> getTransposeFlag(OnnxNode &node, StringRef name) {
  FailureOr<int64_t> value = node.getInt(name, 0);
  if (failed(value))
    return failure();
  if (*value != 0 && *value != 1)
    return node.emitUnsupportedValue(name, std::to_string(*value))
           << " (expected 0 or 1)";
  return node.getBuilder().getBoolAttr(*value == 1);
}

/// Before opset 7, `broadcast` = 0 asks for a C of the result's shape; kiln's
/// unidirectional broadcasting of C accepts that too, so the flag only needs
/// to be well-formed.
static LogicalResult convertGemm(OnnxNode &node) {
  FailureOr<float> alpha = node.getFloat("alpha", 1.0f);
  FailureOr<float> beta = node.getFloat("beta", 1.0f);
  FailureOr<int64_t> broadcast = node.getInt("broadcast", 0);
  FailureOr<BoolAttr> transA = getTransposeFlag(node, "transA");
  FailureOr<BoolAttr> transB = getTransposeFlag(node, "transB");
  if (failed(alpha) || failed(beta) || failed(broadcast) || failed(transA) ||
      failed(transB))
    return failure();
  if (*broadcast != 0 && *broadcast != 1)
    return node.emitUnsupportedValue("broadcast", std::to_string(*broadcast))
           << " (expected 0 or 1)";
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> result = node.createValue<graph::GemmOp>(
      node.getInput(0), node.getInput(1), node.getInput(2),
      b.getF32FloatAttr(*alpha), b.getF32FloatAttr(*beta), *transA, *transB);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

void kiln::frontend::populateLinearAlgebraConverters(OnnxOpTable &table) {
  table.add({"MatMul", 1, 2, 2, 1, {}, convertMatMul});
  table.add({"Gemm", 1, 3, 3, 1,
             {"alpha", "beta", "broadcast", "transA", "transB"}, convertGemm});
  table.add({"Gemm", 7, 3, 3, 1, {"alpha", "beta", "transA", "transB"},
             convertGemm});
  // C became optional in opset 11.
  table.add({"Gemm", 11, 2, 3, 1, {"alpha", "beta", "transA", "transB"},
             convertGemm});
}
