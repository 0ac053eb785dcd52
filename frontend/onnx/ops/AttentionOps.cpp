//===- AttentionOps.cpp - Attention as kiln ops ---------------------------===//
//
// ONNX Attention (opsets 23-25) decomposed at import into the ops its
// function body describes: scale, Q K^T, softcap, the additive bias (mask,
// causal frontier, sliding window, padding), softmax, and the product with
// V. What the shapes fix is computed here, at compile time: the causal and
// window biases are constants unless they depend on the run-time
// `nonpad_kv_seqlen`. Grouped-query attention reshapes Q into
// (batch, kv_heads, group, ...) so one batched matmul broadcasts each K/V
// head over its group instead of materializing repeated K and V.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

struct AttentionAttrs {
  bool isCausal = false;
  int64_t qNumHeads = 0, kvNumHeads = 0;
  int64_t qkOutputMode = 0;
  std::optional<float> scale;
  float softcap = 0.0f;
  std::optional<int64_t> softmaxPrecision;
  int64_t leftWindow = -1, rightWindow = -1;
};

FailureOr<AttentionAttrs> readAttrs(OnnxNode &node) {
  AttentionAttrs a;
  FailureOr<int64_t> causal = node.getInt("is_causal", 0);
  FailureOr<int64_t> qHeads = node.getInt("q_num_heads", 0);
  FailureOr<int64_t> kvHeads = node.getInt("kv_num_heads", 0);
  FailureOr<int64_t> mode = node.getInt("qk_matmul_output_mode", 0);
  FailureOr<std::optional<float>> scale = node.getOptionalFloat("scale");
  FailureOr<float> softcap = node.getFloat("softcap", 0.0f);
  FailureOr<std::optional<int64_t>> precision = node.getOptionalInt("softmax_precision");
  FailureOr<int64_t> left = node.getInt("left_window_size", -1);
  FailureOr<int64_t> right = node.getInt("right_window_size", -1);
  if (failed(causal) || failed(qHeads) || failed(kvHeads) || failed(mode) ||
      failed(scale) || failed(softcap) || failed(precision) || failed(left) ||
      failed(right))
    return failure();
  if (*causal != 0 && *causal != 1)
    return node.emitUnsupportedValue("is_causal", std::to_string(*causal))
           << " (expected 0 or 1)";
  if (*mode < 0 || *mode > 3)
    return node.emitUnsupportedValue("qk_matmul_output_mode", std::to_string(*mode))
           << " (expected 0 to 3)";
  if (*left < -1 || *right < -1)
    return node.emitError() << "window sizes must be -1 or nonnegative, got "
                            << *left << " and " << *right;
  a.isCausal = *causal == 1;
  a.qNumHeads = *qHeads;
  a.kvNumHeads = *kvHeads;
  a.qkOutputMode = *mode;
  a.scale = *scale;
  a.softcap = *softcap;
  a.softmaxPrecision = *precision;
  a.leftWindow = *left;
  a.rightWindow = *right;
  return a;
}

/// (batch, seq, heads * size) -> (batch, heads, seq, size).
Value splitHeads(GraphEmitter &e, Value x, int64_t heads) {
  ArrayRef<int64_t> s = shapeOf(x);
  if (heads <= 0 || s[2] % heads != 0) {
    e.fail() << "a hidden size of " << s[2] << " does not split into " << heads
             << " heads";
    return {};
  }
  Value r = e.reshape(x, {s[0], s[1], heads, s[2] / heads});
  return e.transpose(r, {0, 2, 1, 3});
}

/// A constant (rows x cols) int64 tensor holding f(i, j).
Value indexTable(GraphEmitter &e, int64_t rows, int64_t cols,
                 llvm::function_ref<int64_t(int64_t, int64_t)> f) {
  SmallVector<int64_t> values;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      values.push_back(f(i, j));
  auto type = RankedTensorType::get({rows, cols}, e.getNode().getBuilder().getI64Type());
  return e.constant(DenseIntElementsAttr::get(type, values));
}

/// 0 where `allowed`, -inf elsewhere, in `type`.
Value additiveBias(GraphEmitter &e, Value allowed, Type type) {
  double inf = std::numeric_limits<double>::infinity();
  return e.op<graph::WhereOp>(allowed, e.scalar(type, 0.0), e.scalar(type, -inf));
}

/// A constant (q x kv) bias: 0 where `allowed(i, j)`, -inf elsewhere.
Value constantBias(GraphEmitter &e, Type type, int64_t q, int64_t kv,
                   llvm::function_ref<bool(int64_t, int64_t)> allowed) {
  SmallVector<APFloat> values;
  auto floatType = llvm::cast<FloatType>(type);
  for (int64_t i = 0; i < q; ++i)
    for (int64_t j = 0; j < kv; ++j)
      values.push_back(allowed(i, j) ? APFloat::getZero(floatType.getFloatSemantics())
                                     : APFloat::getInf(floatType.getFloatSemantics(),
                                                       /*Negative=*/true));
  return e.constant(DenseElementsAttr::get(RankedTensorType::get({q, kv}, type), values));
}

/// The bias of the keys each query may see at a per-batch offset
/// (nonpad_kv_seqlen - q): `keep(i - j + q, n)` decides from the table value
/// and the batch's count n. Result (batch, 1, q, kv).
Value runtimeOffsetBias(GraphEmitter &e, Value nonpad, Type type, int64_t q, int64_t kv,
                        Value table,
                        llvm::function_ref<Value(GraphEmitter &, Value, Value)> keep) {
  int64_t batch = shapeOf(nonpad)[0];
  Value counts = e.reshape(nonpad, {batch, 1, 1});
  Value allowed = keep(e, table, counts); // (batch, q, kv)
  return e.reshape(additiveBias(e, allowed, type), {batch, 1, q, kv});
}

LogicalResult convertAttention(OnnxNode &node) {
  FailureOr<AttentionAttrs> attrs = readAttrs(node);
  if (failed(attrs))
    return failure();
  GraphEmitter e(node);
  Value q = node.getInput(0), k = node.getInput(1), v = node.getInput(2);
  Value mask = node.getInput(3), pastKey = node.getInput(4), pastValue = node.getInput(5);
  Value nonpad = node.getInput(6);
  Type type = elementTypeOf(q);
  if (!llvm::isa<FloatType>(type))
    return node.emitError() << "Attention needs floating-point Q, K and V, got " << type;
  int64_t rank = shapeOf(q).size();
  if ((rank != 3 && rank != 4) || shapeOf(k).size() != size_t(rank) ||
      shapeOf(v).size() != size_t(rank))
    return node.emitError() << "Q, K and V must all be 3-D or all 4-D";
  if (static_cast<bool>(pastKey) != static_cast<bool>(pastValue))
    return node.emitError() << "past_key and past_value must be given together";
  if (nonpad && pastKey)
    return node.emitError() << "nonpad_kv_seqlen cannot be combined with past_key";

  if (rank == 3) {
    if (attrs->qNumHeads <= 0 || attrs->kvNumHeads <= 0)
      return node.emitError() << "3-D inputs need q_num_heads and kv_num_heads";
    q = splitHeads(e, q, attrs->qNumHeads);
    k = splitHeads(e, k, attrs->kvNumHeads);
    v = splitHeads(e, v, attrs->kvNumHeads);
    if (!e.ok())
      return failure();
  } else if (node.getSinceVersion() >= 25 && (attrs->qNumHeads || attrs->kvNumHeads)) {
    return node.emitError() << "q_num_heads and kv_num_heads must not be given for 4-D inputs";
  }

  // The cache: present = past ++ incoming along the sequence axis.
  if (pastKey) {
    k = e.concat({pastKey, k}, 2);
    v = e.concat({pastValue, v}, 2);
  }
  Value presentKey = k, presentValue = v;
  if (!e.ok())
    return failure();
  ArrayRef<int64_t> qShape = shapeOf(q), kShape = shapeOf(k), vShape = shapeOf(v);
  int64_t batch = qShape[0], qHeads = qShape[1], qLen = qShape[2], headSize = qShape[3];
  int64_t kvHeads = kShape[1], kvLen = kShape[2];
  if (kShape[3] != headSize || vShape[1] != kvHeads || vShape[2] != kvLen)
    return node.emitError() << "K and V do not match Q: Q is " << formatShape(qShape)
                            << ", K " << formatShape(kShape) << ", V "
                            << formatShape(vShape);
  if (qHeads % kvHeads != 0)
    return node.emitError() << qHeads << " query heads do not group over " << kvHeads
                            << " key/value heads";
  int64_t group = qHeads / kvHeads, valueSize = vShape[3];
  int64_t pastLen = pastKey ? shapeOf(pastKey)[2] : 0;

  // The additive bias over (q, kv), broadcasting against the scores.
  double inf = std::numeric_limits<double>::infinity();
  Value bias;
  if (mask) {
    int64_t maskLen = shapeOf(mask).back();
    if (maskLen > kvLen)
      return node.emitError() << "attn_mask covers " << maskLen << " keys, there are "
                              << kvLen;
    bool isBool = elementTypeOf(mask).isInteger(1);
    if (maskLen < kvLen) {
      // Keys past the mask's end are masked out.
      SmallVector<int64_t> padShape(shapeOf(mask));
      padShape.back() = kvLen - maskLen;
      mask = e.concat({mask, e.splat(elementTypeOf(mask), padShape, isBool ? 0.0 : -inf)},
                      -1);
    }
    bias = isBool ? additiveBias(e, mask, type) : mask;
  }
  if (attrs->isCausal || attrs->leftWindow >= 0 || attrs->rightWindow >= 0) {
    // Constraints on j relative to the query's absolute position i + offset.
    auto keep = [&](int64_t diff) { // diff = i + offset - j
      bool ok = !attrs->isCausal || diff >= 0;
      if (attrs->leftWindow >= 0)
        ok &= diff <= attrs->leftWindow;
      if (attrs->rightWindow >= 0)
        ok &= -diff <= attrs->rightWindow;
      return ok;
    };
    Value frontier;
    if (nonpad) {
      // offset = n - q per batch: diff = (i - j + q) + ... compared with n.
      Value table = indexTable(e, qLen, kvLen, [&](int64_t i, int64_t j) { return j - i + qLen; });
      AttentionAttrs limits = *attrs;
      frontier = runtimeOffsetBias(
          e, nonpad, type, qLen, kvLen, table, [&](GraphEmitter &g, Value t, Value n) {
            // diff = n - t: causal diff >= 0 <=> t <= n; left: n - t <= L
            // <=> n <= t + L; right: t - n <= R <=> t - R <= n.
            Type i64 = elementTypeOf(t);
            Value allowed;
            auto both = [&](Value c) {
              allowed = allowed ? g.op<graph::AndOp>(allowed, c) : c;
            };
            if (limits.isCausal)
              both(g.op<graph::LessOrEqualOp>(t, n));
            if (limits.leftWindow >= 0)
              both(g.op<graph::LessOrEqualOp>(
                  n, g.op<graph::AddOp>(t, g.scalar(i64, limits.leftWindow))));
            if (limits.rightWindow >= 0)
              both(g.op<graph::LessOrEqualOp>(
                  g.op<graph::SubOp>(t, g.scalar(i64, limits.rightWindow)), n));
            return allowed;
          });
    } else {
      frontier = constantBias(e, type, qLen, kvLen,
                              [&](int64_t i, int64_t j) { return keep(i + pastLen - j); });
    }
    bias = bias ? e.op<graph::AddOp>(bias, frontier) : frontier;
  }
  if (nonpad) {
    // Keys at or past each batch's count are padding.
    Value positions = indexTable(e, 1, kvLen, [](int64_t, int64_t j) { return j; });
    Value counts = e.reshape(nonpad, {batch, 1});
    Value valid = e.op<graph::LessOp>(positions, counts); // (batch, kv)
    Value padding = e.reshape(additiveBias(e, valid, type), {batch, 1, 1, kvLen});
    bias = bias ? e.op<graph::AddOp>(bias, padding) : padding;
  }

  // Scores: (Q sqrt(s)) (K sqrt(s))^T, per kv head over its group of query
  // heads, as (batch, q_heads, q, kv).
  double scale = attrs->scale ? *attrs->scale : 1.0 / std::sqrt(double(headSize));
  Value root = e.scalar(type, std::sqrt(scale));
  Value qs = e.op<graph::MulOp>(q, root);
  Value ks = e.op<graph::MulOp>(k, root);
  Value kt = e.transpose(ks, {0, 1, 3, 2});
  // Grouped heads: (batch, kv_heads, group, ...) against (batch, kv_heads,
  // 1, ...), reshapes that cost nothing.
  auto grouped = [&](Value x, int64_t groupSize) -> Value {
    if (group == 1)
      return x;
    ArrayRef<int64_t> s = shapeOf(x);
    return e.reshape(x, {batch, kvHeads, groupSize, s[2], s[3]});
  };
  Value scores = e.op<graph::MatMulOp>(grouped(qs, group), grouped(kt, 1));
  scores = e.reshape(scores, {batch, qHeads, qLen, kvLen});
  if (attrs->softcap > 0.0f) {
    Value cap = e.scalar(type, attrs->softcap);
    scores = e.op<graph::MulOp>(e.op<graph::TanhOp>(e.op<graph::DivOp>(scores, cap)), cap);
  }
  Value qkOutput = scores;
  Value biased = bias ? e.op<graph::AddOp>(scores, bias) : scores;
  if (attrs->qkOutputMode == 2)
    qkOutput = biased;

  Type softmaxType = type;
  if (attrs->softmaxPrecision) {
    FailureOr<Type> precision = convertElementType(
        node.getLoc(), static_cast<int32_t>(*attrs->softmaxPrecision), "softmax_precision");
    if (failed(precision))
      return failure();
    softmaxType = *precision;
  }
  Value probabilities = e.op<graph::SoftmaxOp>(e.cast(biased, softmaxType),
                                               node.getBuilder().getI64IntegerAttr(-1));
  if (bias) {
    // A query whose bias masks every key attends nothing: its row is 0, not
    // softmax's NaN. Decided on the bias, as the reference does. A constant
    // bias is checked here; otherwise the keys each row keeps are counted
    // (a matmul against ones, exact for any count).
    DenseElementsAttr constantBias;
    bool needsGuard = true;
    if (matchPattern(bias, m_Constant(&constantBias))) {
      int64_t rowLength = shapeOf(bias).back();
      auto values = constantBias.getValues<APFloat>();
      needsGuard = false;
      for (int64_t row = 0; row * rowLength < constantBias.getNumElements() && !needsGuard;
           ++row)
        needsGuard = llvm::all_of(llvm::seq<int64_t>(0, rowLength), [&](int64_t j) {
          APFloat x = values[row * rowLength + j];
          return x.isInfinity() && x.isNegative();
        });
    }
    if (needsGuard) {
      ArrayRef<int64_t> biasShape = shapeOf(bias);
      OpBuilder &b = node.getBuilder();
      Value masked = e.op<graph::IsInfOp>(bias, b.getBoolAttr(true), b.getBoolAttr(false));
      Value kept = e.cast(e.op<graph::NotOp>(masked), softmaxType);
      Value ones = e.splat(softmaxType, {biasShape.back(), 1}, 1.0);
      Value count = e.op<graph::MatMulOp>(kept, ones);
      Value empty = e.op<graph::EqualOp>(count, e.scalar(softmaxType, 0.0));
      probabilities = e.op<graph::WhereOp>(empty, e.scalar(softmaxType, 0.0), probabilities);
    }
  }
  if (attrs->qkOutputMode == 3)
    qkOutput = probabilities;
  probabilities = e.cast(probabilities, type);

  Value y = e.op<graph::MatMulOp>(grouped(probabilities, group), grouped(v, 1));
  y = e.reshape(y, {batch, qHeads, qLen, valueSize});
  if (rank == 3)
    y = e.reshape(e.transpose(y, {0, 2, 1, 3}), {batch, qLen, qHeads * valueSize});
  qkOutput = e.cast(qkOutput, type);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  if (node.isOutputUsed(1))
    node.setOutput(1, presentKey);
  if (node.isOutputUsed(2))
    node.setOutput(2, presentValue);
  if (node.isOutputUsed(3))
    node.setOutput(3, qkOutput);
  return success();
}

} // namespace

void kiln::frontend::populateAttentionConverters(OnnxOpTable &table) {
  llvm::SmallVector<llvm::StringRef, 8> attrs = {
      "is_causal", "kv_num_heads", "q_num_heads", "qk_matmul_output_mode",
      "scale",     "softcap",      "softmax_precision"};
  table.add({"Attention", 23, 3, 6, 4, attrs, convertAttention});
  table.add({"Attention", 24, 3, 7, 4, attrs, convertAttention});
  attrs.append({"left_window_size", "right_window_size"});
  table.add({"Attention", 25, 3, 7, 4, attrs, convertAttention});
}
