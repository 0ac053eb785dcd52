//===- SequenceModelOps.cpp - Ops of sequence models as kiln ops ----------===//
//
// The ONNX ops that newer opsets added for language and sequence models
// (RotaryEmbedding 23, TensorScatter 24, CausalConvWithState and
// LinearAttention 27, SwiGLU 28, ai.onnx.preview FlexAttention 1), decomposed
// at import. ONNX defines most of them as functions, but libonnx's schema
// registry predates them, so Kiln builds what their function bodies say.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

/// Elements [start, end) with `step` along `axis`.
Value slice(GraphEmitter &e, Value x, int64_t axis, int64_t start, int64_t end,
            int64_t step = 1) {
  if (!x)
    return {}; // An earlier step failed.
  OpBuilder &b = e.getNode().getBuilder();
  return e.op<graph::SliceOp>(x, b.getDenseI64ArrayAttr({start}),
                              b.getDenseI64ArrayAttr({end}),
                              b.getDenseI64ArrayAttr({axis}),
                              b.getDenseI64ArrayAttr({step}));
}

/// x * sigmoid(alpha x).
Value swish(GraphEmitter &e, Value x, float alpha) {
  return e.op<graph::SwishOp>(x, e.getNode().getBuilder().getF32FloatAttr(alpha));
}

FailureOr<std::string> readChoice(OnnxNode &node, StringRef name, StringRef defaultValue,
                                  ArrayRef<StringRef> choices) {
  FailureOr<std::string> value = node.getString(name, defaultValue);
  if (failed(value))
    return failure();
  if (!llvm::is_contained(choices, *value)) {
    InFlightDiagnostic diag = node.emitUnsupportedValue(name, "'" + *value + "'");
    diag << " (expected";
    for (auto [i, choice] : llvm::enumerate(choices))
      diag << (i ? ", '" : " '") << choice << "'";
    return diag << ")";
  }
  return value;
}

//===----------------------------------------------------------------------===//
// SwiGLU
//===----------------------------------------------------------------------===//

LogicalResult convertSwiGLU(OnnxNode &node) {
  FailureOr<float> alpha = node.getFloat("alpha", 1.0f);
  if (failed(alpha))
    return failure();
  Value a = node.getInput(0), b = node.getInput(1);
  if (a.getType() != b.getType())
    return node.emitError() << "SwiGLU needs A and B of one type, got " << a.getType()
                            << " and " << b.getType();
  GraphEmitter e(node);
  Value y = e.op<graph::MulOp>(swish(e, a, *alpha), b);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// RotaryEmbedding
//===----------------------------------------------------------------------===//

LogicalResult convertRotaryEmbedding(OnnxNode &node) {
  FailureOr<int64_t> interleaved = node.getInt("interleaved", 0);
  FailureOr<int64_t> rotaryDim = node.getInt("rotary_embedding_dim", 0);
  FailureOr<int64_t> numHeads = node.getInt("num_heads", 0);
  if (failed(interleaved) || failed(rotaryDim) || failed(numHeads))
    return failure();
  GraphEmitter e(node);
  Value input = node.getInput(0), cos = node.getInput(1), sin = node.getInput(2);
  Value positions = node.getInput(3);
  ArrayRef<int64_t> shape = shapeOf(input);
  Type type = elementTypeOf(input);
  if (!llvm::isa<FloatType>(type))
    return node.emitError() << "RotaryEmbedding needs a floating-point input, got " << type;

  // (batch, seq, heads, head_size).
  Value x;
  int64_t batch = shape[0];
  if (shape.size() == 4) {
    x = e.transpose(input, {0, 2, 1, 3});
  } else if (shape.size() == 3) {
    if (*numHeads <= 0 || shape[2] % *numHeads != 0)
      return node.emitError() << "a 3-D input needs num_heads dividing its hidden size "
                              << shape[2] << ", got " << *numHeads;
    x = e.reshape(input, {batch, shape[1], *numHeads, shape[2] / *numHeads});
  } else {
    return node.emitError() << "the input must be 3-D or 4-D, got " << formatShape(shape);
  }
  if (!e.ok())
    return failure();
  ArrayRef<int64_t> xs = shapeOf(x);
  int64_t seq = xs[1], heads = xs[2], headSize = xs[3];
  int64_t dim = *rotaryDim == 0 ? headSize : *rotaryDim;
  if (dim <= 0 || dim > headSize || dim % 2 != 0)
    return node.emitError() << "rotary_embedding_dim " << dim
                            << " must be even and at most the head size " << headSize;
  int64_t half = dim / 2;

  if (positions) {
    cos = e.op<graph::GatherOp>(cos, positions, node.getBuilder().getI64IntegerAttr(0));
    sin = e.op<graph::GatherOp>(sin, positions, node.getBuilder().getI64IntegerAttr(0));
    if (!e.ok())
      return failure();
  }
  for (Value cache : {cos, sin}) {
    ArrayRef<int64_t> s = shapeOf(cache);
    if (s.size() != 3 || s[0] != batch || s[1] != seq || s[2] != half)
      return node.emitError() << "the cos and sin caches must give (batch, sequence, "
                                 "rotary_embedding_dim / 2) = "
                              << formatShape({batch, seq, half}) << " values, got "
                              << formatShape(s);
  }
  cos = e.reshape(cos, {batch, seq, 1, half});
  sin = e.reshape(sin, {batch, seq, 1, half});

  Value rotated = dim == headSize ? x : slice(e, x, 3, 0, dim);
  Value x1 = *interleaved ? slice(e, rotated, 3, 0, dim, 2) : slice(e, rotated, 3, 0, half);
  Value x2 = *interleaved ? slice(e, rotated, 3, 1, dim, 2) : slice(e, rotated, 3, half, dim);
  Value real = e.op<graph::SubOp>(e.op<graph::MulOp>(cos, x1), e.op<graph::MulOp>(sin, x2));
  Value imag = e.op<graph::AddOp>(e.op<graph::MulOp>(sin, x1), e.op<graph::MulOp>(cos, x2));
  if (!e.ok())
    return failure();
  if (*interleaved) {
    SmallVector<int64_t> pairShape = {batch, seq, heads, half, 1};
    rotated = e.reshape(e.concat({e.reshape(real, pairShape), e.reshape(imag, pairShape)}, 4),
                        {batch, seq, heads, dim});
  } else {
    rotated = e.concat({real, imag}, 3);
  }
  Value y = dim == headSize ? rotated : e.concat({rotated, slice(e, x, 3, dim, headSize)}, 3);
  y = shape.size() == 4 ? e.transpose(y, {0, 2, 1, 3}) : e.reshape(y, shape);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// TensorScatter
//===----------------------------------------------------------------------===//

/// Writes `update` into the cache along the sequence axis at a per-batch
/// offset: one ScatterElements with indices offset[b] + i (modulo the cache
/// length in circular mode).
LogicalResult convertTensorScatter(OnnxNode &node) {
  FailureOr<std::string> mode = readChoice(node, "mode", "linear", {"linear", "circular"});
  FailureOr<int64_t> axisAttr = node.getInt("axis", -2);
  if (failed(mode) || failed(axisAttr))
    return failure();
  GraphEmitter e(node);
  Value cache = node.getInput(0), update = node.getInput(1), offsets = node.getInput(2);
  ArrayRef<int64_t> cacheShape = shapeOf(cache), updateShape = shapeOf(update);
  int64_t rank = cacheShape.size();
  int64_t axis = *axisAttr < 0 ? *axisAttr + rank : *axisAttr;
  if (axis < 1 || axis >= rank)
    return node.emitError() << "axis " << *axisAttr << " must name a non-batch axis of the "
                            << rank << "-D cache";
  if (elementTypeOf(cache) != elementTypeOf(update) ||
      updateShape.size() != cacheShape.size())
    return node.emitError() << "the update " << update.getType()
                            << " does not match the cache " << cache.getType();
  for (int64_t i = 0; i < rank; ++i)
    if (i == axis ? updateShape[i] > cacheShape[i] : updateShape[i] != cacheShape[i])
      return node.emitError() << "the update " << formatShape(updateShape)
                              << " does not fit the cache " << formatShape(cacheShape)
                              << " along axis " << axis;
  int64_t batch = cacheShape[0], length = updateShape[axis];
  Type i64 = node.getBuilder().getI64Type();

  SmallVector<int64_t> stepShape(rank, 1), batchShape(rank, 1);
  stepShape[axis] = length;
  batchShape[0] = batch;
  SmallVector<int64_t> steps;
  for (int64_t i = 0; i < length; ++i)
    steps.push_back(i);
  Value indices = e.constant(DenseIntElementsAttr::get(RankedTensorType::get(stepShape, i64), steps));
  if (offsets) {
    if (shapeOf(offsets) != ArrayRef<int64_t>{batch})
      return node.emitError() << "write_indices must hold one offset per batch ("
                              << batch << "), got " << formatShape(shapeOf(offsets));
    Value start = e.reshape(e.cast(offsets, i64), batchShape);
    indices = e.op<graph::AddOp>(start, indices);
  }
  if (*mode == "circular")
    indices = e.op<graph::ModOp>(indices, e.scalar(i64, double(cacheShape[axis])),
                                 node.getBuilder().getBoolAttr(false));
  if (!e.ok())
    return failure();
  indices = e.op<graph::ExpandOp>(indices, node.getBuilder().getDenseI64ArrayAttr(updateShape));
  Value y = e.op<graph::ScatterElementsOp>(
      cache, indices, update, node.getBuilder().getI64IntegerAttr(axis),
      graph::ScatterReductionAttr::get(node.getContext(), graph::ScatterReduction::none));
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// CausalConvWithState
//===----------------------------------------------------------------------===//

/// A depthwise 1-D convolution over [past state ++ input] without padding;
/// the last kernel_size - 1 steps of that are the new state.
LogicalResult convertCausalConvWithState(OnnxNode &node) {
  FailureOr<std::string> activation =
      readChoice(node, "activation", "none", {"none", "silu", "swish"});
  if (failed(activation))
    return failure();
  GraphEmitter e(node);
  Value input = node.getInput(0), weight = node.getInput(1), bias = node.getInput(2);
  Value past = node.getInput(3);
  ArrayRef<int64_t> inShape = shapeOf(input), wShape = shapeOf(weight);
  Type type = elementTypeOf(input);
  if (inShape.size() != 3 || wShape.size() != 3)
    return node.emitError() << "input (batch, channels, length) and weight (channels, 1, "
                               "kernel) must be 3-D, got "
                            << formatShape(inShape) << " and " << formatShape(wShape);
  int64_t batch = inShape[0], channels = inShape[1], kernel = wShape[2];
  if (wShape[0] != channels || wShape[1] != 1 || kernel < 1)
    return node.emitError() << "the weight must be (" << channels << ", 1, kernel), got "
                            << formatShape(wShape);
  SmallVector<int64_t> stateShape = {batch, channels, kernel - 1};
  if (past && shapeOf(past) != ArrayRef<int64_t>(stateShape))
    return node.emitError() << "past_state must be " << formatShape(stateShape) << ", got "
                            << formatShape(shapeOf(past));
  Value padded = input;
  if (kernel > 1)
    padded = e.concat({past ? past : e.splat(type, stateShape, 0.0), input}, 2);
  if (!e.ok())
    return failure();
  OpBuilder &b = node.getBuilder();
  Value y = e.op<graph::ConvOp>(padded, weight, bias, b.getDenseI64ArrayAttr({0, 0}),
                                b.getDenseI64ArrayAttr({1}), b.getDenseI64ArrayAttr({1}),
                                b.getI64IntegerAttr(channels),
                                graph::AutoPadAttr::get(node.getContext(), graph::AutoPad::notset));
  if (*activation != "none") {
    // In single precision at least, as the reference computes it.
    Type wide = type.getIntOrFloatBitWidth() < 32 ? b.getF32Type() : type;
    y = e.cast(swish(e, e.cast(y, wide), 1.0f), type);
  }
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  if (node.isOutputUsed(1)) {
    int64_t total = shapeOf(padded)[2];
    Value state = slice(e, padded, 2, total - (kernel - 1), total);
    if (!e.ok())
      return failure();
    node.setOutput(1, state);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// LinearAttention
//===----------------------------------------------------------------------===//

/// (batch, time, heads * size) -> (batch, heads, time, size).
Value unpackHeads(GraphEmitter &e, Value x, int64_t heads) {
  ArrayRef<int64_t> s = shapeOf(x);
  return e.transpose(e.reshape(x, {s[0], s[1], heads, s[2] / heads}), {0, 2, 1, 3});
}

/// The recurrence over time, unrolled (the sequence length is static): per
/// step the state (batch, kv_heads, d_k, d_v) decays, is corrected towards
/// the value (delta rules), takes k^T v, and is read by the query. In single
/// precision, as the reference computes it.
LogicalResult convertLinearAttention(OnnxNode &node) {
  FailureOr<std::string> rule = readChoice(node, "update_rule", "gated_delta",
                                           {"linear", "gated", "delta", "gated_delta"});
  FailureOr<int64_t> qHeads = node.getRequiredInt("q_num_heads");
  FailureOr<int64_t> kvHeads = node.getRequiredInt("kv_num_heads");
  FailureOr<float> scaleAttr = node.getFloat("scale", 0.0f);
  FailureOr<int64_t> chunk = node.getInt("chunk_size", 64);
  if (failed(rule) || failed(qHeads) || failed(kvHeads) || failed(scaleAttr) || failed(chunk))
    return failure();
  if (*qHeads <= 0 || *kvHeads <= 0 || *qHeads % *kvHeads != 0)
    return node.emitError() << "q_num_heads (" << *qHeads
                            << ") must be a positive multiple of kv_num_heads (" << *kvHeads
                            << ")";
  bool gating = *rule == "gated" || *rule == "gated_delta";
  bool delta = *rule == "delta" || *rule == "gated_delta";
  Value query = node.getInput(0), key = node.getInput(1), value = node.getInput(2);
  Value past = node.getInput(3), decay = node.getInput(4), beta = node.getInput(5);
  if (gating != static_cast<bool>(decay))
    return node.emitError() << "update_rule '" << *rule << "' "
                            << (gating ? "needs" : "does not take") << " the decay input";
  if (delta != static_cast<bool>(beta))
    return node.emitError() << "update_rule '" << *rule << "' "
                            << (delta ? "needs" : "does not take") << " the beta input";
  for (Value x : {query, key, value})
    if (shapeOf(x).size() != 3)
      return node.emitError() << "query, key and value must be 3-D (batch, time, heads * "
                                 "size), got "
                              << formatShape(shapeOf(x));
  Type outType = elementTypeOf(query);
  ArrayRef<int64_t> qShape = shapeOf(query);
  int64_t batch = qShape[0], time = qShape[1];
  int64_t hq = *qHeads, hkv = *kvHeads, group = hq / hkv;
  if (qShape[2] % hq != 0 || shapeOf(value)[2] % hkv != 0 ||
      shapeOf(key) != ArrayRef<int64_t>{batch, time, hkv * (qShape[2] / hq)} ||
      shapeOf(value)[0] != batch || shapeOf(value)[1] != time)
    return node.emitError() << "query " << formatShape(qShape) << ", key "
                            << formatShape(shapeOf(key)) << " and value "
                            << formatShape(shapeOf(value)) << " do not split into "
                            << hq << " query and " << hkv << " key/value heads";
  int64_t dk = qShape[2] / hq, dv = shapeOf(value)[2] / hkv;

  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  Type f32 = b.getF32Type();
  Value q4 = e.cast(unpackHeads(e, query, hq), f32);
  Value k4 = e.cast(unpackHeads(e, key, hkv), f32);
  Value v4 = e.cast(unpackHeads(e, value, hkv), f32);
  Value decay4, beta4;
  if (decay) {
    ArrayRef<int64_t> s = shapeOf(decay);
    if (s.size() != 3 || s[0] != batch || s[1] != time || (s[2] != hkv && s[2] != hkv * dk))
      return node.emitError() << "decay must be (" << batch << ", " << time << ", " << hkv
                              << " or " << hkv * dk << "), got " << formatShape(s);
    decay4 = e.cast(unpackHeads(e, decay, hkv), f32); // (b, hkv, t, 1 or dk)
  }
  if (beta) {
    ArrayRef<int64_t> s = shapeOf(beta);
    if (s.size() != 3 || s[0] != batch || s[1] != time || (s[2] != hkv && s[2] != 1))
      return node.emitError() << "beta must be (" << batch << ", " << time << ", " << hkv
                              << " or 1), got " << formatShape(s);
    beta4 = e.cast(unpackHeads(e, beta, s[2]), f32); // (b, hkv or 1, t, 1)
  }
  SmallVector<int64_t> stateShape = {batch, hkv, dk, dv};
  Type stateType = outType;
  Value state;
  if (past) {
    if (shapeOf(past) != ArrayRef<int64_t>(stateShape))
      return node.emitError() << "past_state must be " << formatShape(stateShape) << ", got "
                              << formatShape(shapeOf(past));
    stateType = elementTypeOf(past);
    state = e.cast(past, f32);
  } else {
    state = e.splat(f32, stateShape, 0.0);
  }
  double scale = *scaleAttr == 0.0f ? 1.0 / std::sqrt(double(dk)) : double(*scaleAttr);
  Value scaleValue = e.scalar(f32, scale);

  SmallVector<Value> outputs;
  for (int64_t t = 0; t < time && e.ok(); ++t) {
    Value qt = slice(e, q4, 2, t, t + 1); // (b, hq, 1, dk)
    Value kt = slice(e, k4, 2, t, t + 1); // (b, hkv, 1, dk)
    Value vt = slice(e, v4, 2, t, t + 1); // (b, hkv, 1, dv)
    if (gating) {
      Value g = slice(e, decay4, 2, t, t + 1);
      g = e.reshape(g, {batch, hkv, shapeOf(g)[3], 1});
      state = e.op<graph::MulOp>(state, e.op<graph::ExpOp>(g));
    }
    if (delta) {
      Value retrieved = e.op<graph::MatMulOp>(kt, state); // (b, hkv, 1, dv)
      Value bt = slice(e, beta4, 2, t, t + 1);             // (b, hkv or 1, 1, 1)
      vt = e.op<graph::MulOp>(bt, e.op<graph::SubOp>(vt, retrieved));
    }
    Value column = e.reshape(kt, {batch, hkv, dk, 1});
    state = e.op<graph::AddOp>(state, e.op<graph::MatMulOp>(column, vt));
    // Each key/value head serves its group of query heads.
    Value grouped = e.reshape(qt, {batch, hkv, group, dk});
    Value read = e.reshape(e.op<graph::MatMulOp>(grouped, state), {batch, hq, 1, dv});
    outputs.push_back(e.op<graph::MulOp>(read, scaleValue));
  }
  if (!e.ok())
    return failure();
  Value all = outputs.size() == 1 ? outputs.front() : e.concat(outputs, 2);
  Value y = e.reshape(e.transpose(all, {0, 2, 1, 3}), {batch, time, hq * dv});
  y = e.cast(y, outType);
  Value present = e.cast(state, stateType);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  if (node.isOutputUsed(1))
    node.setOutput(1, present);
  return success();
}

//===----------------------------------------------------------------------===//
// FlexAttention (ai.onnx.preview)
//===----------------------------------------------------------------------===//

/// Attention whose scores and probabilities pass through the node's
/// score_mod and prob_mod graphs, imported inline.
LogicalResult convertFlexAttention(OnnxNode &node) {
  FailureOr<std::optional<float>> scaleAttr = node.getOptionalFloat("scale");
  FailureOr<std::optional<int64_t>> precision = node.getOptionalInt("softmax_precision");
  if (failed(scaleAttr) || failed(precision))
    return failure();
  Value q = node.getInput(0), k = node.getInput(1), v = node.getInput(2);
  Type type = elementTypeOf(q);
  if (!llvm::isa<FloatType>(type) || elementTypeOf(k) != type || elementTypeOf(v) != type)
    return node.emitError() << "FlexAttention needs Q, K and V of one floating-point type";
  ArrayRef<int64_t> qs = shapeOf(q), ks = shapeOf(k), vs = shapeOf(v);
  if (qs.size() != 4 || ks.size() != 4 || vs.size() != 4)
    return node.emitError() << "Q, K and V must be 4-D";
  int64_t batch = qs[0], qHeads = qs[1], qLen = qs[2], headSize = qs[3];
  int64_t kvHeads = ks[1], kvLen = ks[2], valueSize = vs[3];
  if (ks[0] != batch || vs[0] != batch || ks[3] != headSize || vs[1] != kvHeads ||
      vs[2] != kvLen || kvHeads <= 0 || qHeads % kvHeads != 0)
    return node.emitError() << "K " << formatShape(ks) << " and V " << formatShape(vs)
                            << " do not match Q " << formatShape(qs);
  int64_t group = qHeads / kvHeads;

  Type softmaxType = type.isF64() ? type : Float32Type::get(node.getContext());
  if (*precision) {
    FailureOr<Type> t = convertElementType(node.getLoc(), static_cast<int32_t>(**precision),
                                           "softmax_precision");
    if (failed(t))
      return failure();
    if (!llvm::isa<FloatType>(*t))
      return node.emitError() << "softmax_precision must be a floating-point type, got "
                              << *t;
    softmaxType = *t;
  }

  GraphEmitter e(node);
  // Q sqrt(s) times (K sqrt(s))^T, per kv head over its group of query heads.
  double scale = *scaleAttr ? double(**scaleAttr) : 1.0 / std::sqrt(double(headSize));
  Value root = e.scalar(type, std::sqrt(scale));
  Value qScaled = e.op<graph::MulOp>(q, root);
  Value kt = e.transpose(e.op<graph::MulOp>(k, root), {0, 1, 3, 2});
  Value scores = e.op<graph::MatMulOp>(e.reshape(qScaled, {batch, kvHeads, group, qLen, headSize}),
                                       e.reshape(kt, {batch, kvHeads, 1, headSize, kvLen}));
  scores = e.cast(e.reshape(scores, {batch, qHeads, qLen, kvLen}), softmaxType);
  if (!e.ok())
    return failure();

  auto modify = [&](StringRef name, Value x) -> FailureOr<Value> {
    FailureOr<const onnx::GraphProto *> graph = node.getOptionalGraph(name);
    if (failed(graph))
      return failure();
    if (!*graph)
      return x;
    FailureOr<SmallVector<Value>> results = node.importSubgraph(**graph, name, {x});
    if (failed(results))
      return failure();
    if (results->size() != 1 || (*results)[0].getType() != x.getType())
      return node.emitError() << name << " must compute one " << x.getType();
    return (*results)[0];
  };
  FailureOr<Value> modified = modify("score_mod", scores);
  if (failed(modified))
    return failure();
  Value probs = e.op<graph::SoftmaxOp>(*modified, node.getBuilder().getI64IntegerAttr(-1));
  if (!e.ok())
    return failure();
  modified = modify("prob_mod", probs);
  if (failed(modified))
    return failure();
  Value vWide = e.cast(v, softmaxType);
  Value y = e.op<graph::MatMulOp>(e.reshape(*modified, {batch, kvHeads, group, qLen, kvLen}),
                                  e.reshape(vWide, {batch, kvHeads, 1, kvLen, valueSize}));
  y = e.cast(e.reshape(y, {batch, qHeads, qLen, valueSize}), type);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// AffineGrid
//===----------------------------------------------------------------------===//

/// The normalized coordinates of the output grid (x fastest, then y, then
/// z, and a 1 for the translation), a constant (points, spatial + 1),
/// times theta^T.
LogicalResult convertAffineGrid(OnnxNode &node) {
  FailureOr<int64_t> alignCorners = node.getInt("align_corners", 0);
  if (failed(alignCorners))
    return failure();
  Value theta = node.getInput(0);
  FailureOr<SmallVector<int64_t>> size = node.getConstantInts(1, "the output size");
  if (failed(size))
    return failure();
  Type type = elementTypeOf(theta);
  ArrayRef<int64_t> ts = shapeOf(theta);
  if (size->size() != 4 && size->size() != 5)
    return node.emitError() << "size must be (N, C, H, W) or (N, C, D, H, W), got "
                            << size->size() << " values";
  int64_t spatial = size->size() - 2, batch = (*size)[0];
  if (!llvm::isa<FloatType>(type) || ts.size() != 3 || ts[0] != batch ||
      ts[1] != spatial || ts[2] != spatial + 1)
    return node.emitError() << "theta must be a floating-point (" << batch << ", " << spatial
                            << ", " << spatial + 1 << ") tensor, got " << theta.getType();
  SmallVector<int64_t> dims(size->begin() + 2, size->end());
  if (llvm::any_of(dims, [](int64_t d) { return d <= 0; }))
    return node.emitError() << "the spatial sizes must be positive, got " << formatShape(dims);

  auto coordinate = [&](int64_t i, int64_t n) {
    if (*alignCorners)
      return n == 1 ? -1.0 : -1.0 + 2.0 * double(i) / double(n - 1);
    return -1.0 + (2.0 * double(i) + 1.0) / double(n);
  };
  int64_t points = 1;
  for (int64_t d : dims)
    points *= d;
  SmallVector<double> base;
  base.reserve(points * (spatial + 1));
  SmallVector<int64_t> index(spatial, 0);
  for (int64_t p = 0; p < points; ++p) {
    // Coordinates in (x, y[, z]) order: the last axis first.
    for (int64_t d = spatial - 1; d >= 0; --d)
      base.push_back(coordinate(index[d], dims[d]));
    base.push_back(1.0);
    for (int64_t d = spatial - 1; d >= 0; --d) {
      if (++index[d] < dims[d])
        break;
      index[d] = 0;
    }
  }
  auto floatType = llvm::cast<FloatType>(type);
  SmallVector<APFloat> values;
  for (double x : base) {
    APFloat f(x);
    bool lost;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(f);
  }
  GraphEmitter e(node);
  Value grid = e.constant(DenseElementsAttr::get(
      RankedTensorType::get({points, spatial + 1}, type), values));
  // (N, points, spatial + 1) x (N, spatial + 1, spatial): theta transposed.
  Value y = e.op<graph::MatMulOp>(grid, e.transpose(theta, {0, 2, 1}));
  SmallVector<int64_t> outShape = {batch};
  outShape.append(dims.begin(), dims.end());
  outShape.push_back(spatial);
  y = e.reshape(y, outShape);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

} // namespace

void kiln::frontend::populateSequenceModelConverters(OnnxOpTable &table) {
  table.add({"RotaryEmbedding", 23, 3, 4, 1,
             {"interleaved", "num_heads", "rotary_embedding_dim"}, convertRotaryEmbedding});
  table.add({"TensorScatter", 24, 2, 3, 1, {"axis", "mode"}, convertTensorScatter});
  table.add({"CausalConvWithState", 27, 2, 4, 2, {"activation"}, convertCausalConvWithState});
  table.add({"LinearAttention", 27, 3, 6, 2,
             {"chunk_size", "kv_num_heads", "q_num_heads", "scale", "update_rule"},
             convertLinearAttention});
  table.add({"SwiGLU", 28, 2, 2, 1, {"alpha"}, convertSwiGLU});
  table.add({"AffineGrid", 20, 2, 2, 1, {"align_corners"}, convertAffineGrid});
  table.add({"FlexAttention", 1, 3, 3, 1, {"prob_mod", "scale", "score_mod", "softmax_precision"},
             convertFlexAttention, kPreviewDomain});
}
