//===- RecurrentOps.cpp - RNN, GRU and LSTM as kiln ops -------------------===//
//
// The ONNX recurrent layers decomposed at import. The sequence length is
// static, so the time loop is unrolled: the input projection X W^T (+ the
// biases that do not depend on the state) is one gemm over every time step
// and direction before the loop, which is where most of the FLOPs are; each
// step then adds a [batch, hidden] x [hidden, gates*hidden] gemm with R (none
// on a first step from a zero state when R is a constant of finite values)
// and the elementwise gate math, which fusion merges into few kernels.
//
// sequence_lens may be a run-time input: each step keeps the previous state
// for batch entries whose sequence has ended and writes zeros to Y there.
// That masking also makes the reverse direction right, since a reversed
// sequence then starts at its own last element.
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

enum class CellKind { RNN, GRU, LSTM };

/// Gates per cell (the rows of W and R in units of hidden_size) and
/// activation functions per direction.
int64_t numGates(CellKind kind) {
  return kind == CellKind::RNN ? 1 : kind == CellKind::GRU ? 3 : 4;
}
int64_t numActivations(CellKind kind) {
  return kind == CellKind::RNN ? 1 : kind == CellKind::GRU ? 2 : 3;
}

struct Activation {
  std::string name; // lower case
  float alpha = 0.0f, beta = 0.0f;
};

/// Whether an activation takes alpha and beta, and their defaults (those of
/// the ONNX operators of the same name).
struct ActivationInfo {
  StringRef name;
  bool usesAlpha, usesBeta;
  float alpha, beta;
};
constexpr ActivationInfo kActivations[] = {
    {"relu", false, false, 0.0f, 0.0f},
    {"tanh", false, false, 0.0f, 0.0f},
    {"sigmoid", false, false, 0.0f, 0.0f},
    {"affine", true, true, 1.0f, 0.0f},
    {"leakyrelu", true, false, 0.01f, 0.0f},
    {"thresholdedrelu", true, false, 1.0f, 0.0f},
    {"scaledtanh", true, true, 1.0f, 1.0f},
    {"hardsigmoid", true, true, 0.2f, 0.5f},
    {"elu", true, false, 1.0f, 0.0f},
    {"softsign", false, false, 0.0f, 0.0f},
    {"softplus", false, false, 0.0f, 0.0f},
};

/// The activations of every direction, in order (f, g, h per direction).
/// activation_alpha and activation_beta are consumed in that order by the
/// activations that take them, as ONNX Runtime reads them.
FailureOr<SmallVector<Activation>> readActivations(OnnxNode &node, CellKind kind,
                                                    int64_t numDirections) {
  FailureOr<std::optional<SmallVector<std::string>>> names =
      node.getOptionalStrings("activations");
  FailureOr<std::optional<SmallVector<float>>> alphas =
      node.getOptionalFloats("activation_alpha");
  FailureOr<std::optional<SmallVector<float>>> betas =
      node.getOptionalFloats("activation_beta");
  if (failed(names) || failed(alphas) || failed(betas))
    return failure();
  int64_t perDirection = numActivations(kind);
  SmallVector<std::string> list;
  if (*names) {
    list = **names;
  } else {
    static const char *defaults[] = {"Sigmoid", "Tanh", "Tanh"};
    if (kind == CellKind::RNN)
      list.push_back("Tanh");
    else
      list.append(defaults, defaults + perDirection);
  }
  // One set given for a bidirectional layer serves both directions.
  if (numDirections == 2 && static_cast<int64_t>(list.size()) == perDirection) {
    SmallVector<std::string> copy(list);
    list.append(copy.begin(), copy.end());
  }
  if (static_cast<int64_t>(list.size()) != perDirection * numDirections)
    return node.emitError() << "'activations' lists " << list.size()
                            << " functions, expected " << perDirection * numDirections
                            << " (" << perDirection << " per direction)";
  size_t nextAlpha = 0, nextBeta = 0;
  SmallVector<Activation> result;
  for (const std::string &name : list) {
    std::string lower = StringRef(name).lower();
    const ActivationInfo *info = llvm::find_if(
        kActivations, [&](const ActivationInfo &a) { return a.name == lower; });
    if (info == std::end(kActivations))
      return node.emitUnsupportedValue("activations", "'" + name + "'")
             << " (expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, "
                "ScaledTanh, HardSigmoid, Elu, Softsign or Softplus)";
    Activation a{lower, info->alpha, info->beta};
    if (info->usesAlpha && *alphas && nextAlpha < (*alphas)->size())
      a.alpha = (**alphas)[nextAlpha++];
    if (info->usesBeta && *betas && nextBeta < (*betas)->size())
      a.beta = (**betas)[nextBeta++];
    result.push_back(a);
  }
  return result;
}

Value applyActivation(GraphEmitter &e, const Activation &a, Value x) {
  OpBuilder &b = e.getNode().getBuilder();
  Type type = elementTypeOf(x);
  auto alpha = b.getF32FloatAttr(a.alpha);
  StringRef n = a.name;
  if (n == "relu")
    return e.op<graph::ReluOp>(x);
  if (n == "tanh")
    return e.op<graph::TanhOp>(x);
  if (n == "sigmoid")
    return e.op<graph::SigmoidOp>(x);
  if (n == "affine")
    return e.op<graph::AddOp>(e.op<graph::MulOp>(x, e.scalar(type, a.alpha)),
                              e.scalar(type, a.beta));
  if (n == "leakyrelu")
    return e.op<graph::LeakyReluOp>(x, alpha);
  if (n == "thresholdedrelu")
    return e.op<graph::ThresholdedReluOp>(x, alpha);
  if (n == "scaledtanh")
    return e.op<graph::MulOp>(
        e.op<graph::TanhOp>(e.op<graph::MulOp>(x, e.scalar(type, a.beta))),
        e.scalar(type, a.alpha));
  if (n == "hardsigmoid")
    return e.op<graph::HardSigmoidOp>(x, alpha, b.getF32FloatAttr(a.beta));
  if (n == "elu")
    return e.op<graph::EluOp>(x, alpha);
  if (n == "softsign")
    return e.op<graph::SoftsignOp>(x);
  assert(n == "softplus" && "readActivations accepts only known names");
  return e.op<graph::SoftplusOp>(x);
}

/// `x[starts:ends]` along `axes` (step 1).
Value slice(GraphEmitter &e, Value x, ArrayRef<int64_t> axes, ArrayRef<int64_t> starts,
            ArrayRef<int64_t> ends) {
  SmallVector<int64_t> steps(axes.size(), 1);
  return e.op<graph::SliceOp>(x, starts, ends, axes, steps);
}

/// Entry `d` of the leading axis of `x`, without that axis.
Value direction(GraphEmitter &e, Value x, int64_t d) {
  if (!x)
    return {};
  SmallVector<int64_t> shape(shapeOf(x).drop_front());
  return e.reshape(slice(e, x, {0}, {d}, {d + 1}), shape);
}

struct CellAttrs {
  CellKind kind;
  int64_t numDirections = 1;
  bool reverse = false; // the only direction runs backwards
  int64_t layout = 0;
  std::optional<float> clip;
  bool linearBeforeReset = false;
  bool inputForget = false;
  SmallVector<Activation> activations;
};

FailureOr<CellAttrs> readAttrs(OnnxNode &node, CellKind kind) {
  CellAttrs a;
  a.kind = kind;
  FailureOr<std::string> dir = node.getString("direction", "forward");
  FailureOr<int64_t> layout = node.getInt("layout", 0);
  FailureOr<std::optional<float>> clip = node.getOptionalFloat("clip");
  FailureOr<int64_t> lbr = node.getInt("linear_before_reset", 0);
  FailureOr<int64_t> inputForget = node.getInt("input_forget", 0);
  FailureOr<int64_t> outputSequence = node.getInt("output_sequence", 0);
  if (failed(dir) || failed(layout) || failed(clip) || failed(lbr) || failed(inputForget) ||
      failed(outputSequence))
    return failure();
  if (*dir == "bidirectional")
    a.numDirections = 2;
  else if (*dir == "reverse")
    a.reverse = true;
  else if (*dir != "forward")
    return node.emitUnsupportedValue("direction", "'" + *dir + "'")
           << " (expected forward, reverse or bidirectional)";
  if (*layout != 0 && *layout != 1)
    return node.emitUnsupportedValue("layout", std::to_string(*layout))
           << " (expected 0 or 1)";
  if (*lbr != 0 && *lbr != 1)
    return node.emitUnsupportedValue("linear_before_reset", std::to_string(*lbr))
           << " (expected 0 or 1)";
  if (*inputForget != 0 && *inputForget != 1)
    return node.emitUnsupportedValue("input_forget", std::to_string(*inputForget))
           << " (expected 0 or 1)";
  if (*clip && !(**clip > 0.0f))
    return node.emitUnsupportedValue("clip", std::to_string(**clip))
           << " (expected a positive threshold)";
  a.layout = *layout;
  a.clip = *clip;
  a.linearBeforeReset = *lbr == 1;
  a.inputForget = *inputForget == 1;
  FailureOr<SmallVector<Activation>> acts = readActivations(node, kind, a.numDirections);
  if (failed(acts))
    return failure();
  a.activations = std::move(*acts);
  return a;
}

/// Fails with an error unless `value` (input `what`) has shape `expected`.
LogicalResult checkShape(OnnxNode &node, Value value, StringRef what,
                         ArrayRef<int64_t> expected) {
  if (!value || shapeOf(value) == expected)
    return success();
  return node.emitError() << what << " has shape " << formatShape(shapeOf(value))
                          << ", expected " << formatShape(expected);
}

/// True when sequence_lens is a constant whose entries all cover the whole
/// sequence, so no step needs masking.
bool coversWholeSequence(Value seqLens, int64_t seqLength) {
  DenseElementsAttr lens;
  if (!matchPattern(seqLens, m_Constant(&lens)))
    return false;
  return llvm::all_of(lens.getValues<APInt>(),
                      [&](const APInt &v) { return v.getSExtValue() >= seqLength; });
}

LogicalResult convertRecurrent(OnnxNode &node, CellKind kind) {
  FailureOr<CellAttrs> attrs = readAttrs(node, kind);
  if (failed(attrs))
    return failure();
  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  Value x = node.getInput(0), w = node.getInput(1), r = node.getInput(2);
  Value bias = node.getInput(3), seqLens = node.getInput(4), initH = node.getInput(5);
  Value initC = kind == CellKind::LSTM ? node.getInput(6) : Value();
  Value peep = kind == CellKind::LSTM ? node.getInput(7) : Value();
  Type type = elementTypeOf(x);
  if (!llvm::isa<FloatType>(type))
    return node.emitError() << node.getOpType() << " needs a floating-point X, got " << type;
  for (Value v : {x, w, r, bias, seqLens, initH, initC, peep})
    if (v && !llvm::cast<RankedTensorType>(v.getType()).hasStaticShape())
      return node.emitError() << node.getOpType() << " needs inputs of static shape, got "
                              << v.getType();
  if (shapeOf(x).size() != 3 || shapeOf(w).size() != 3 || shapeOf(r).size() != 3)
    return node.emitError() << "X, W and R must be 3-D, got " << formatShape(shapeOf(x))
                            << ", " << formatShape(shapeOf(w)) << " and "
                            << formatShape(shapeOf(r));

  bool batchFirst = attrs->layout == 1;
  ArrayRef<int64_t> xShape = shapeOf(x);
  int64_t seq = xShape[batchFirst ? 1 : 0], batch = xShape[batchFirst ? 0 : 1];
  int64_t inputSize = xShape[2];
  int64_t dirs = attrs->numDirections, gates = numGates(kind);
  int64_t hidden = shapeOf(r)[2];
  FailureOr<std::optional<int64_t>> hiddenAttr = node.getOptionalInt("hidden_size");
  if (failed(hiddenAttr))
    return failure();
  if (*hiddenAttr && **hiddenAttr != hidden)
    return node.emitError() << "hidden_size is " << **hiddenAttr << " but R has shape "
                            << formatShape(shapeOf(r));
  int64_t width = gates * hidden;
  SmallVector<int64_t> stateShape = batchFirst ? SmallVector<int64_t>{batch, dirs, hidden}
                                               : SmallVector<int64_t>{dirs, batch, hidden};
  if (failed(checkShape(node, w, "W", {dirs, width, inputSize})) ||
      failed(checkShape(node, r, "R", {dirs, width, hidden})) ||
      failed(checkShape(node, bias, "B", {dirs, 2 * width})) ||
      failed(checkShape(node, seqLens, "sequence_lens", {batch})) ||
      failed(checkShape(node, initH, "initial_h", stateShape)) ||
      failed(checkShape(node, initC, "initial_c", stateShape)) ||
      failed(checkShape(node, peep, "P", {dirs, 3 * hidden})))
    return failure();

  // Everything in layout 0: X [seq, batch, input], states [dirs, batch, hidden].
  if (batchFirst) {
    x = e.transpose(x, {1, 0, 2});
    if (initH)
      initH = e.transpose(initH, {1, 0, 2});
    if (initC)
      initC = e.transpose(initC, {1, 0, 2});
    if (!e.ok())
      return failure();
  }
  if (seqLens && !elementTypeOf(seqLens).isInteger(32))
    return node.emitError() << "sequence_lens must be int32, got " << elementTypeOf(seqLens);
  if (seqLens && coversWholeSequence(seqLens, seq))
    seqLens = Value();

  // The input projection of every step and direction in one gemm, with the
  // biases that do not depend on the state: [seq * batch, dirs * width].
  // GRU's recurrent bias of the candidate gate multiplies with the reset
  // gate under linear_before_reset, so it stays in the step then.
  bool separateCandidateBias = kind == CellKind::GRU && attrs->linearBeforeReset;
  Value projectionBias, candidateBias;
  if (bias) {
    Value wb = slice(e, bias, {1}, {0}, {width});
    Value rb = slice(e, bias, {1}, {width}, {2 * width});
    if (separateCandidateBias) {
      candidateBias = slice(e, rb, {1}, {2 * hidden}, {3 * hidden}); // [dirs, hidden]
      rb = e.concat({slice(e, rb, {1}, {0}, {2 * hidden}), e.splat(type, {dirs, hidden}, 0.0)},
                    1);
    }
    projectionBias = e.reshape(e.op<graph::AddOp>(wb, rb), {dirs * width});
  }
  Value projected = e.op<graph::GemmOp>(
      e.reshape(x, {seq * batch, inputSize}), e.reshape(w, {dirs * width, inputSize}),
      projectionBias, b.getF32FloatAttr(1.0f), b.getF32FloatAttr(1.0f), b.getBoolAttr(false),
      b.getBoolAttr(true));
  projected = e.reshape(projected, {seq, batch, dirs * width});
  if (!e.ok())
    return failure();

  Value clipLow, clipHigh;
  if (attrs->clip) {
    clipLow = e.scalar(type, -*attrs->clip);
    clipHigh = e.scalar(type, *attrs->clip);
  }
  auto clip = [&](Value v) -> Value {
    return attrs->clip ? e.op<graph::ClipOp>(v, clipLow, clipHigh) : v;
  };
  auto gate = [&](Value v, int64_t i) { return slice(e, v, {1}, {i * hidden}, {(i + 1) * hidden}); };
  auto matmulT = [&](Value lhs, Value rhs) {
    return e.op<graph::GemmOp>(lhs, rhs, Value(), b.getF32FloatAttr(1.0f),
                               b.getF32FloatAttr(1.0f), b.getBoolAttr(false),
                               b.getBoolAttr(true));
  };
  Value one = e.scalar(type, 1.0), zeros = e.splat(type, {batch, hidden}, 0.0);
  // Per direction: the outputs of every step in time order and the final
  // states.
  SmallVector<SmallVector<Value>> outputs(dirs);
  SmallVector<Value> finalH, finalC;
  int64_t perDirection = numActivations(kind);
  for (int64_t d = 0; d < dirs; ++d) {
    ArrayRef<Activation> acts = ArrayRef(attrs->activations).slice(d * perDirection, perDirection);
    Value rd = direction(e, r, d); // [width, hidden]
    Value h = initH ? direction(e, initH, d) : zeros;
    Value c = initC ? direction(e, initC, d) : zeros;
    Value rGates, rCandidate, candBias, pI, pO, pF;
    if (kind == CellKind::GRU) {
      if (!attrs->linearBeforeReset) {
        rGates = slice(e, rd, {0}, {0}, {2 * hidden});
        rCandidate = slice(e, rd, {0}, {2 * hidden}, {3 * hidden});
      }
      if (candidateBias)
        candBias = e.reshape(direction(e, candidateBias, d), {1, hidden});
    }
    if (peep) {
      Value pd = e.reshape(direction(e, peep, d), {1, 3 * hidden});
      pI = gate(pd, 0);
      pO = gate(pd, 1);
      pF = gate(pd, 2);
    }
    bool backwards = d == 1 || attrs->reverse;
    outputs[d].resize(seq);
    // Each step multiplies the state by R^T. From a zero state (no
    // initial_h, or zeros) and finite constant weights the first step's
    // product folds to zeros (kiln.gemm's folder), saving a pass over R.
    // Only products of h itself: GRU's (reset * h) x R^T without
    // linear_before_reset is NaN where reset is not finite.
    for (int64_t step = 0; step < seq; ++step) {
      int64_t t = backwards ? seq - 1 - step : step;
      Value xw = e.reshape(
          slice(e, projected, {0, 2}, {t, d * width}, {t + 1, (d + 1) * width}),
          {batch, width});
      Value newH, newC;
      switch (kind) {
      case CellKind::RNN:
        newH = applyActivation(e, acts[0], clip(e.op<graph::AddOp>(xw, matmulT(h, rd))));
        break;
      case CellKind::GRU: {
        // z and r together, then the candidate. With linear_before_reset
        // the state's product with every gate's weights is one gemm (one
        // pass over R a step), sliced after.
        Value hAll = attrs->linearBeforeReset ? matmulT(h, rd) : Value();
        Value zrPre = e.op<graph::AddOp>(slice(e, xw, {1}, {0}, {2 * hidden}),
                                         hAll ? slice(e, hAll, {1}, {0}, {2 * hidden})
                                              : matmulT(h, rGates));
        Value zr = applyActivation(e, acts[0], clip(zrPre));
        Value z = gate(zr, 0), reset = gate(zr, 1);
        Value recurrent;
        if (attrs->linearBeforeReset) {
          Value hr = gate(hAll, 2);
          if (candBias)
            hr = e.op<graph::AddOp>(hr, candBias);
          recurrent = e.op<graph::MulOp>(reset, hr);
        } else {
          recurrent = matmulT(e.op<graph::MulOp>(reset, h), rCandidate);
        }
        Value candidate =
            applyActivation(e, acts[1], clip(e.op<graph::AddOp>(gate(xw, 2), recurrent)));
        // (1 - z) * candidate + z * h
        newH = e.op<graph::AddOp>(e.op<graph::MulOp>(e.op<graph::SubOp>(one, z), candidate),
                                  e.op<graph::MulOp>(z, h));
        break;
      }
      case CellKind::LSTM: {
        Value pre = e.op<graph::AddOp>(xw, matmulT(h, rd)); // i, o, f, c
        Value iPre = gate(pre, 0), oPre = gate(pre, 1), fPre = gate(pre, 2);
        if (peep) {
          iPre = e.op<graph::AddOp>(iPre, e.op<graph::MulOp>(pI, c));
          fPre = e.op<graph::AddOp>(fPre, e.op<graph::MulOp>(pF, c));
        }
        Value i = applyActivation(e, acts[0], clip(iPre));
        Value f = attrs->inputForget ? e.op<graph::SubOp>(one, i)
                                     : applyActivation(e, acts[0], clip(fPre));
        Value cell = applyActivation(e, acts[1], clip(gate(pre, 3)));
        newC = e.op<graph::AddOp>(e.op<graph::MulOp>(f, c), e.op<graph::MulOp>(i, cell));
        if (peep)
          oPre = e.op<graph::AddOp>(oPre, e.op<graph::MulOp>(pO, newC));
        Value o = applyActivation(e, acts[0], clip(oPre));
        newH = e.op<graph::MulOp>(o, applyActivation(e, acts[2], newC));
        break;
      }
      }
      if (seqLens) {
        // Entries whose sequence ended keep their state and output zeros.
        Value valid = e.reshape(
            e.op<graph::LessOp>(e.scalar(elementTypeOf(seqLens), t), seqLens), {batch, 1});
        outputs[d][t] = e.op<graph::WhereOp>(valid, newH, zeros);
        h = e.op<graph::WhereOp>(valid, newH, h);
        if (newC)
          c = e.op<graph::WhereOp>(valid, newC, c);
      } else {
        outputs[d][t] = newH;
        h = newH;
        if (newC)
          c = newC;
      }
      if (!e.ok())
        return failure();
    }
    finalH.push_back(e.reshape(h, {1, batch, hidden}));
    if (kind == CellKind::LSTM)
      finalC.push_back(e.reshape(c, {1, batch, hidden}));
  }

  // Y [seq, dirs, batch, hidden]; Y_h and Y_c [dirs, batch, hidden]; or
  // batch first.
  if (node.isOutputUsed(0)) {
    SmallVector<Value> perDir;
    for (int64_t d = 0; d < dirs; ++d) {
      SmallVector<Value> steps;
      for (Value v : outputs[d])
        steps.push_back(e.reshape(v, {1, 1, batch, hidden}));
      perDir.push_back(seq == 1 ? steps.front() : e.concat(steps, 0));
    }
    Value y = dirs == 1 ? perDir.front() : e.concat(perDir, 1);
    if (batchFirst)
      y = e.transpose(y, {2, 0, 1, 3});
    node.setOutput(0, y);
  }
  auto states = [&](ArrayRef<Value> perDir) {
    Value v = dirs == 1 ? perDir.front() : e.concat(perDir, 0);
    return batchFirst ? e.transpose(v, {1, 0, 2}) : v;
  };
  if (node.isOutputUsed(1))
    node.setOutput(1, states(finalH));
  if (kind == CellKind::LSTM && node.isOutputUsed(2))
    node.setOutput(2, states(finalC));
  return success(e.ok());
}

LogicalResult convertRNN(OnnxNode &node) { return convertRecurrent(node, CellKind::RNN); }
LogicalResult convertGRU(OnnxNode &node) { return convertRecurrent(node, CellKind::GRU); }
LogicalResult convertLSTM(OnnxNode &node) { return convertRecurrent(node, CellKind::LSTM); }

} // namespace

void kiln::frontend::populateRecurrentConverters(OnnxOpTable &table) {
  llvm::SmallVector<llvm::StringRef, 8> common = {
      "activation_alpha", "activation_beta", "activations", "clip", "direction",
      "hidden_size"};
  auto with = [&](std::initializer_list<llvm::StringRef> extra) {
    llvm::SmallVector<llvm::StringRef, 8> attrs(common);
    attrs.append(extra.begin(), extra.end());
    return attrs;
  };
  // Opset 1 had output_sequence (Y is produced whenever it is used); 14
  // added layout. Later versions only add element types.
  table.add({"RNN", 1, 3, 6, 2, with({"output_sequence"}), convertRNN});
  table.add({"RNN", 7, 3, 6, 2, with({}), convertRNN});
  table.add({"RNN", 14, 3, 6, 2, with({"layout"}), convertRNN});
  table.add({"GRU", 1, 3, 6, 2, with({"output_sequence"}), convertGRU});
  table.add({"GRU", 3, 3, 6, 2, with({"linear_before_reset", "output_sequence"}), convertGRU});
  table.add({"GRU", 7, 3, 6, 2, with({"linear_before_reset"}), convertGRU});
  table.add({"GRU", 14, 3, 6, 2, with({"layout", "linear_before_reset"}), convertGRU});
  table.add({"LSTM", 1, 3, 8, 3, with({"input_forget", "output_sequence"}), convertLSTM});
  table.add({"LSTM", 7, 3, 8, 3, with({"input_forget"}), convertLSTM});
  table.add({"LSTM", 14, 3, 8, 3, with({"input_forget", "layout"}), convertLSTM});
}
