//===- GraphFolds.cpp - Folders and canonicalizations of graph ops -------===//
//
// Constant folding evaluates graph ops whose operands are constants at
// compile time (weights transposed or reshaped by the exporter, shape
// arithmetic), and canonicalization puts ops into the form the lowerings
// expect (explicit padding, batch normalization folded into convolutions).
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include "dialects/graph/IR/ScalarBuilders.h"

using namespace mlir;
using namespace kiln::graph;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Row-major strides of `shape`.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// For each element of `resultShape` (row-major), the index of the element
/// of `operandShape` that broadcasting reads.
static SmallVector<int64_t> broadcastIndices(ArrayRef<int64_t> operandShape,
                                             ArrayRef<int64_t> resultShape) {
  int64_t total = 1;
  for (int64_t d : resultShape)
    total *= d;
  SmallVector<int64_t> operandStrides = stridesOf(operandShape);
  size_t offset = resultShape.size() - operandShape.size();
  SmallVector<int64_t> indices(total);
  SmallVector<int64_t> pos(resultShape.size(), 0);
  for (int64_t linear = 0; linear < total; ++linear) {
    int64_t index = 0;
    for (size_t i = 0; i < operandShape.size(); ++i)
      if (operandShape[i] != 1)
        index += pos[i + offset] * operandStrides[i];
    indices[linear] = index;
    for (int64_t i = static_cast<int64_t>(resultShape.size()) - 1; i >= 0; --i) {
      if (++pos[i] < resultShape[i])
        break;
      pos[i] = 0;
    }
  }
  return indices;
}

/// Evaluates `scalar` (a block of arith/math ops over `args`) on one set of
/// argument values with the ops' own folders. Fails if an op does not fold.
static Attribute evaluateScalar(Block &scalar, ArrayRef<BlockArgument> args,
                                ArrayRef<Attribute> argValues, Value result,
                                DenseMap<Value, Attribute> &env) {
  env.clear();
  for (auto [arg, value] : llvm::zip(args, argValues))
    env[arg] = value;
  SmallVector<Attribute> operands;
  SmallVector<OpFoldResult> folded;
  for (Operation &op : scalar) {
    operands.clear();
    for (Value v : op.getOperands()) {
      Attribute a = env.lookup(v);
      if (!a)
        return {};
      operands.push_back(a);
    }
    folded.clear();
    if (failed(op.fold(operands, folded)) || folded.size() != op.getNumResults())
      return {};
    for (auto [r, f] : llvm::zip(op.getResults(), folded)) {
      Attribute a = llvm::dyn_cast_if_present<Attribute>(f);
      if (!a)
        a = env.lookup(llvm::cast<Value>(f));
      if (!a)
        return {};
      env[r] = a;
    }
  }
  return env.lookup(result);
}

OpFoldResult kiln::graph::foldElementwise(Operation *op, ArrayRef<Attribute> operands) {
  auto type = llvm::dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!type || !type.hasStaticShape() || type.getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<DenseElementsAttr> inputs;
  for (Attribute a : operands) {
    auto elements = llvm::dyn_cast_if_present<DenseElementsAttr>(a);
    if (!elements)
      return {};
    inputs.push_back(elements);
  }

  // The scalar function, built once into a scratch block that is never part
  // of the IR (and destroyed with it).
  Block scalar;
  OpBuilder b(op->getContext());
  b.setInsertionPointToEnd(&scalar);
  SmallVector<BlockArgument> args;
  for (DenseElementsAttr in : inputs)
    args.push_back(scalar.addArgument(getSignlessType(in.getElementType()), op->getLoc()));
  Value result = llvm::cast<ElementwiseOpInterface>(op).buildScalar(
      b, op->getLoc(), SmallVector<Value>(args.begin(), args.end()));

  // Element values as signless scalars, as buildScalar sees them.
  SmallVector<SmallVector<Attribute>> values;
  SmallVector<SmallVector<int64_t>> indices;
  for (auto [in, arg] : llvm::zip(inputs, args)) {
    Type signless = arg.getType();
    SmallVector<Attribute> &v = values.emplace_back();
    if (llvm::isa<FloatType>(signless)) {
      for (const APFloat &f : in.getValues<APFloat>())
        v.push_back(FloatAttr::get(signless, f));
    } else {
      for (const APInt &i : in.getValues<APInt>())
        v.push_back(IntegerAttr::get(signless, i));
    }
    indices.push_back(broadcastIndices(in.getType().getShape(), type.getShape()));
  }

  bool isFloat = llvm::isa<FloatType>(type.getElementType());
  SmallVector<APFloat> floats;
  SmallVector<APInt> ints;
  DenseMap<Value, Attribute> env;
  SmallVector<Attribute> argValues(inputs.size());
  for (int64_t e = 0, n = type.getNumElements(); e < n; ++e) {
    for (size_t i = 0; i < inputs.size(); ++i)
      argValues[i] = values[i][indices[i][e]];
    Attribute value = evaluateScalar(scalar, args, argValues, result, env);
    if (isFloat) {
      auto f = llvm::dyn_cast_if_present<FloatAttr>(value);
      if (!f)
        return {};
      floats.push_back(f.getValue());
    } else {
      auto i = llvm::dyn_cast_if_present<IntegerAttr>(value);
      if (!i)
        return {};
      ints.push_back(i.getValue());
    }
  }
  if (isFloat)
    return DenseElementsAttr::get(type, floats);
  return DenseElementsAttr::get(type, ints);
}

/// True if `attr` is a splat constant equal to `value` everywhere.
static bool isSplatOf(Attribute attr, double value) {
  auto splat = llvm::dyn_cast_if_present<SplatElementsAttr>(attr);
  if (!splat)
    return false;
  Type elementType = splat.getElementType();
  if (llvm::isa<FloatType>(elementType))
    return splat.getSplatValue<APFloat>().convertToDouble() == value;
  if (llvm::isa<IntegerType>(elementType) && !elementType.isInteger(1))
    return splat.getSplatValue<APInt>().getSExtValue() == static_cast<int64_t>(value);
  return false;
}

/// x op c -> x when c is the op's identity element and does not change the
/// result type through broadcasting.
static OpFoldResult foldRightIdentity(Value lhs, Attribute rhsAttr,
                                      Type resultType, double identity) {
  if (lhs.getType() == resultType && isSplatOf(rhsAttr, identity))
    return lhs;
  return {};
}

//===----------------------------------------------------------------------===//
// Folders
//===----------------------------------------------------------------------===//

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult IdentityOp::fold(FoldAdaptor) { return getInput(); }

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return r;
  if (OpFoldResult r = foldRightIdentity(getRhs(), adaptor.getLhs(), getType(), 0))
    return r;
  return foldElementwise(*this, adaptor.getOperands());
}

OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 0))
    return r;
  return foldElementwise(*this, adaptor.getOperands());
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return r;
  if (OpFoldResult r = foldRightIdentity(getRhs(), adaptor.getLhs(), getType(), 1))
    return r;
  return foldElementwise(*this, adaptor.getOperands());
}

OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = foldRightIdentity(getLhs(), adaptor.getRhs(), getType(), 1))
    return r;
  return foldElementwise(*this, adaptor.getOperands());
}

/// A product with a zero operand is zero when the other operand is a
/// constant of finite values (0 * inf and 0 * NaN are NaN): an RNN's first
/// step from a zero initial state, whose product with the recurrent weights
/// would otherwise be a pass over them. Zeros of `resultType`, or null.
static OpFoldResult foldProductWithZero(Attribute lhs, Attribute rhs, Type resultType) {
  auto type = llvm::dyn_cast<RankedTensorType>(resultType);
  if (!type || !type.hasStaticShape())
    return {};
  auto finiteConstant = [](Attribute attr) {
    auto elements = llvm::dyn_cast_if_present<DenseElementsAttr>(attr);
    if (!elements)
      return false;
    if (!llvm::isa<FloatType>(elements.getElementType()))
      return elements.getElementType().isSignlessInteger();
    if (elements.isSplat())
      return elements.getSplatValue<APFloat>().isFinite();
    return llvm::all_of(elements.getValues<APFloat>(),
                        [](const APFloat &v) { return v.isFinite(); });
  };
  if (!(isSplatOf(lhs, 0) && finiteConstant(rhs)) && !(isSplatOf(rhs, 0) && finiteConstant(lhs)))
    return {};
  Type elementType = type.getElementType();
  if (llvm::isa<FloatType>(elementType))
    return DenseElementsAttr::get(type, FloatAttr::get(elementType, 0.0));
  if (elementType.isSignlessInteger())
    return DenseElementsAttr::get(type, IntegerAttr::get(elementType, 0));
  return {};
}

OpFoldResult MatMulOp::fold(FoldAdaptor adaptor) {
  return foldProductWithZero(adaptor.getLhs(), adaptor.getRhs(), getType());
}

/// alpha * op(A) * op(B) without C: zero when A or B is (see above).
OpFoldResult GemmOp::fold(FoldAdaptor adaptor) {
  if (getC() || !getAlpha().isFinite())
    return {};
  return foldProductWithZero(adaptor.getA(), adaptor.getB(), getType());
}

/// Reshaping a constant only changes its type.
static OpFoldResult foldReshapeLike(Value input, Attribute inputAttr,
                                    Type resultType) {
  auto type = llvm::cast<RankedTensorType>(resultType);
  if (input.getType() == type && type.hasStaticShape())
    return input;
  auto elements = llvm::dyn_cast_if_present<DenseElementsAttr>(inputAttr);
  if (elements && type.hasStaticShape())
    return elements.reshape(type);
  return {};
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(getInput(), adaptor.getInput(), getType());
}

OpFoldResult FlattenOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(getInput(), adaptor.getInput(), getType());
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPerm();
  bool identity = llvm::all_of(llvm::enumerate(perm), [](auto p) {
    return static_cast<int64_t>(p.index()) == p.value();
  });
  if (identity && getInput().getType() == getType())
    return getInput();
  auto elements = llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!elements || !type.hasStaticShape())
    return {};
  if (elements.isSplat())
    return elements.resizeSplat(type);
  // Move raw element bytes: weights can be large, so avoid per-element
  // attribute objects. Sub-byte (i1) data is not stored one element per byte.
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return {};
  size_t width = bits / 8;
  ArrayRef<char> src = elements.getRawData();
  ArrayRef<int64_t> inShape = elements.getType().getShape();
  SmallVector<int64_t> inStrides = stridesOf(inShape);
  std::vector<char> dst(src.size());
  ArrayRef<int64_t> outShape = type.getShape();
  SmallVector<int64_t> pos(outShape.size(), 0);
  int64_t total = type.getNumElements();
  for (int64_t linear = 0; linear < total; ++linear) {
    int64_t from = 0;
    for (size_t i = 0; i < perm.size(); ++i)
      from += pos[i] * inStrides[perm[i]];
    std::memcpy(&dst[linear * width], &src[from * width], width);
    for (int64_t i = static_cast<int64_t>(outShape.size()) - 1; i >= 0; --i) {
      if (++pos[i] < outShape[i])
        break;
      pos[i] = 0;
    }
  }
  return DenseElementsAttr::getFromRawBuffer(type, dst);
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!type.hasStaticShape() || type.getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<DenseElementsAttr> parts;
  for (Attribute a : adaptor.getInputs()) {
    auto elements = llvm::dyn_cast_if_present<DenseElementsAttr>(a);
    if (!elements)
      return {};
    parts.push_back(elements);
  }
  int64_t axis = *normalizeAxis(static_cast<int64_t>(getAxis()), type.getRank());
  // Row-major: the result is, for each index of the outer axes, the inner
  // blocks of every part in order.
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= type.getDimSize(i);
  SmallVector<Attribute> values;
  values.reserve(type.getNumElements());
  SmallVector<SmallVector<Attribute>> partValues;
  for (DenseElementsAttr p : parts)
    partValues.emplace_back(p.getValues<Attribute>());
  for (int64_t o = 0; o < outer; ++o)
    for (auto [p, vals] : llvm::zip(parts, partValues)) {
      int64_t block = p.getNumElements() / outer;
      values.append(vals.begin() + o * block, vals.begin() + (o + 1) * block);
    }
  return DenseElementsAttr::get(type, values);
}

//===----------------------------------------------------------------------===//
// Canonicalizations
//===----------------------------------------------------------------------===//

namespace {

/// kiln.transpose of `v` by `perm`, its type inferred (a transpose of a
/// constant folds); fails, with an error, on a bad permutation.
FailureOr<Value> buildTranspose(PatternRewriter &rewriter, Location loc, Value v,
                                ArrayRef<int64_t> perm) {
  auto t = buildInferred<TransposeOp>(rewriter, loc, v, rewriter.getDenseI64ArrayAttr(perm));
  return failed(t) ? FailureOr<Value>() : FailureOr<Value>(t->getResult());
}

/// Writes explicit pads in place of auto_pad once the input sizes are known,
/// so lowerings only see the `notset` form.
template <typename OpTy>
struct ResolveAutoPad : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    if (op.getAutoPad() == AutoPad::notset)
      return rewriter.notifyMatchFailure(op, "padding is already explicit");
    auto input = llvm::cast<RankedTensorType>(op.getInput().getType());
    ArrayRef<int64_t> spatial = input.getShape().drop_front(2);
    if (llvm::any_of(spatial, ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "spatial sizes are not known yet");
    SmallVector<int64_t> kernel;
    bool ceilMode = false;
    if constexpr (std::is_same_v<OpTy, ConvOp>) {
      auto weight = llvm::cast<RankedTensorType>(op.getWeight().getType());
      kernel.assign(weight.getShape().begin() + 2, weight.getShape().end());
    } else {
      kernel.assign(op.getKernelShape().begin(), op.getKernelShape().end());
      ceilMode = op.getCeilMode();
    }
    WindowGeometry g;
    if (failed(computeWindowGeometry(std::nullopt, spatial, kernel, op.getPads(),
                                     op.getStrides(), op.getDilations(),
                                     op.getAutoPad(), ceilMode, g)))
      return rewriter.notifyMatchFailure(op, "invalid window geometry");
    SmallVector<int64_t> pads(g.padBegin);
    pads.append(g.padEnd);
    rewriter.modifyOpInPlace(op, [&] {
      op.setPadsAttr(rewriter.getDenseI64ArrayAttr(pads));
      op.setAutoPad(AutoPad::notset);
    });
    return success();
  }
};

/// batch_norm(conv(x, W, b)) -> conv(x, W', b') when W, b and the batch norm
/// parameters are constants: W' = W * s, b' = (b - mean) * s + bias with
/// s = scale / sqrt(var + eps) per output channel.
struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use conv");
    auto type = llvm::cast<RankedTensorType>(conv.getType());
    if (!type.getElementType().isF32())
      return rewriter.notifyMatchFailure(bn, "only f32 is folded");
    DenseElementsAttr weight, scale, bias, mean, var, convBias;
    if (!matchPattern(conv.getWeight(), m_Constant(&weight)) ||
        !matchPattern(bn.getScale(), m_Constant(&scale)) ||
        !matchPattern(bn.getBias(), m_Constant(&bias)) ||
        !matchPattern(bn.getMean(), m_Constant(&mean)) ||
        !matchPattern(bn.getVariance(), m_Constant(&var)))
      return rewriter.notifyMatchFailure(bn, "parameters are not constants");
    if (conv.getBias() && !matchPattern(conv.getBias(), m_Constant(&convBias)))
      return rewriter.notifyMatchFailure(bn, "conv bias is not a constant");

    int64_t m = weight.getType().getDimSize(0);
    int64_t perChannel = weight.getNumElements() / m;
    SmallVector<float> s(scale.getValues<float>()), b(bias.getValues<float>()),
        mu(mean.getValues<float>()), v(var.getValues<float>());
    if (static_cast<int64_t>(s.size()) != m)
      return rewriter.notifyMatchFailure(bn, "parameter sizes differ from channels");
    SmallVector<float> cb(m, 0.0f);
    if (convBias)
      cb.assign(convBias.getValues<float>().begin(), convBias.getValues<float>().end());
    double eps = bn.getEpsilon().convertToDouble();
    SmallVector<float> w(weight.getValues<float>());
    SmallVector<float> newBias(m);
    for (int64_t c = 0; c < m; ++c) {
      double factor = s[c] / std::sqrt(static_cast<double>(v[c]) + eps);
      for (int64_t i = 0; i < perChannel; ++i)
        w[c * perChannel + i] = static_cast<float>(w[c * perChannel + i] * factor);
      newBias[c] = static_cast<float>((cb[c] - mu[c]) * factor + b[c]);
    }
    auto biasType = RankedTensorType::get({m}, type.getElementType());
    Location loc = rewriter.getFusedLoc({conv.getLoc(), bn.getLoc()});
    Value newWeight = ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(weight.getType(), ArrayRef<float>(w)));
    Value newBiasValue = ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(biasType, ArrayRef<float>(newBias)));
    auto fused = ConvOp::create(rewriter, loc, bn.getType(), conv.getInput(),
                                newWeight, newBiasValue, conv.getPadsAttr(),
                                conv.getStridesAttr(), conv.getDilationsAttr(),
                                conv.getGroupAttr(), conv.getAutoPadAttr());
    rewriter.replaceOp(bn, fused.getResult());
    return success();
  }
};

/// gemm(A, B, trans_a/trans_b) -> gemm(transpose(A), transpose(B)): the
/// transpose of a constant (the usual weight operand) folds away at compile
/// time, and lowerings only see plain operands.
struct MakeGemmTransposesExplicit : OpRewritePattern<GemmOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GemmOp op, PatternRewriter &rewriter) const override {
    if (!op.getTransA() && !op.getTransB())
      return rewriter.notifyMatchFailure(op, "no transposed operand");
    auto transpose = [&](Value v) { return buildTranspose(rewriter, op.getLoc(), v, {1, 0}); };
    Value a = op.getA(), b = op.getB();
    if (op.getTransA()) {
      FailureOr<Value> t = transpose(a);
      if (failed(t))
        return failure();
      a = *t;
    }
    if (op.getTransB()) {
      FailureOr<Value> t = transpose(b);
      if (failed(t))
        return failure();
      b = *t;
    }
    rewriter.modifyOpInPlace(op, [&] {
      op.getAMutable().assign(a);
      op.getBMutable().assign(b);
      op.setTransA(false);
      op.setTransB(false);
    });
    return success();
  }
};

/// conv_transpose(x, W) whose kernel equals its stride (U-Net's 2x2,
/// stride-2 upsampling), without padding, output padding, dilation or
/// groups: each input pixel writes a k0 x k1 patch of its own, so the op is
/// a 1x1 convolution to M x k0 x k1 channels (one per position in the
/// patch) followed by a depth-to-space (reshape, transpose, reshape) and
/// the bias. A constant weight's transpose and reshape fold. The general
/// lowering (a convolution over the stride-spread input) multiplies k0 x k1
/// times as many terms, all but one of each output's the spread-in zeros.
struct ConvTransposeAsDepthToSpace : OpRewritePattern<ConvTransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ConvTransposeOp op, PatternRewriter &rewriter) const override {
    auto input = llvm::dyn_cast<RankedTensorType>(op.getInput().getType());
    auto weight = llvm::dyn_cast<RankedTensorType>(op.getWeight().getType());
    auto result = llvm::dyn_cast<RankedTensorType>(op.getType());
    if (!input || !weight || !result || input.getRank() != 4 || !input.hasStaticShape() ||
        !weight.hasStaticShape() || !result.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "not a static 2-D transposed convolution");
    auto all = [](std::optional<ArrayRef<int64_t>> values, int64_t value) {
      return !values || llvm::all_of(*values, [&](int64_t v) { return v == value; });
    };
    int64_t n = input.getDimSize(0), h = input.getDimSize(2), w = input.getDimSize(3);
    int64_t m = weight.getDimSize(1), k0 = weight.getDimSize(2), k1 = weight.getDimSize(3);
    SmallVector<int64_t> strides = {1, 1};
    if (op.getStrides())
      strides.assign(op.getStrides()->begin(), op.getStrides()->end());
    if (op.getGroup() != 1 || !all(op.getPadsBegin(), 0) || !all(op.getDilations(), 1) ||
        strides != SmallVector<int64_t>{k0, k1} ||
        result.getShape() != ArrayRef<int64_t>{n, m, h * k0, w * k1})
      return rewriter.notifyMatchFailure(
          op, "patches overlap, or padding, output padding, dilation or groups");
    auto biasType = op.getBias() ? llvm::dyn_cast<RankedTensorType>(op.getBias().getType())
                                 : RankedTensorType();
    if (input.getNumElements() == 0 || weight.getNumElements() == 0 ||
        (op.getBias() && (!biasType || biasType.getShape() != ArrayRef<int64_t>{m} ||
                          biasType.getElementType() != result.getElementType())))
      return rewriter.notifyMatchFailure(op, "empty tensors or an unusual bias");
    Location loc = op.getLoc();
    auto reshape = [&](Value v, ArrayRef<int64_t> shape) -> FailureOr<Value> {
      auto shapeType =
          RankedTensorType::get({static_cast<int64_t>(shape.size())}, rewriter.getI64Type());
      Value shapeValue = ConstantOp::create(rewriter, loc, DenseIntElementsAttr::get(shapeType, shape));
      auto r = buildInferred<ReshapeOp>(rewriter, loc, v, shapeValue, rewriter.getBoolAttr(false));
      return failed(r) ? FailureOr<Value>() : FailureOr<Value>(r->getResult());
    };
    // [C, M, k0, k1] -> [M, k0, k1, C] -> filters [M k0 k1, C, 1, 1].
    FailureOr<Value> filters = buildTranspose(rewriter, loc, op.getWeight(), {1, 2, 3, 0});
    if (succeeded(filters))
      filters = reshape(*filters, {m * k0 * k1, input.getDimSize(1), 1, 1});
    if (failed(filters))
      return failure();
    // A constant bias starts the 1x1 convolution's accumulators (as it starts
    // the transposed convolution's), repeated for the k0 x k1 positions of a
    // patch; another is added to the output.
    Value productBias;
    DenseElementsAttr biasValues;
    if (op.getBias() && matchPattern(op.getBias(), m_Constant(&biasValues))) {
      SmallVector<Attribute> repeated;
      for (Attribute value : biasValues.getValues<Attribute>())
        repeated.append(k0 * k1, value);
      productBias = ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({m * k0 * k1}, biasType.getElementType()),
                                 repeated));
    }
    auto product = buildInferred<ConvOp>(
        rewriter, loc, op.getInput(), *filters, productBias, DenseI64ArrayAttr(),
        DenseI64ArrayAttr(), DenseI64ArrayAttr(), rewriter.getI64IntegerAttr(1),
        AutoPadAttr::get(rewriter.getContext(), AutoPad::notset));
    if (failed(product))
      return failure();
    // [N, M k0 k1, H, W] -> [N, M, k0, k1, H, W] -> [N, M, H, k0, W, k1].
    FailureOr<Value> patches = reshape(product->getResult(), {n, m, k0, k1, h, w});
    if (succeeded(patches))
      patches = buildTranspose(rewriter, loc, *patches, {0, 1, 4, 2, 5, 3});
    if (succeeded(patches))
      patches = reshape(*patches, {n, m, h * k0, w * k1});
    if (failed(patches))
      return failure();
    Value output = *patches;
    if (op.getBias() && !productBias) {
      FailureOr<Value> bias = reshape(op.getBias(), {m, 1, 1});
      if (failed(bias))
        return failure();
      auto sum = buildInferred<AddOp>(rewriter, loc, output, *bias);
      if (failed(sum))
        return failure();
      output = sum->getResult();
    }
    rewriter.replaceOp(op, output);
    return success();
  }
};

} // namespace

void GemmOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                         MLIRContext *context) {
  patterns.add<MakeGemmTransposesExplicit>(context);
}

void ConvTransposeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                  MLIRContext *context) {
  patterns.add<ConvTransposeAsDepthToSpace>(context);
}

void ConvOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                         MLIRContext *context) {
  patterns.add<ResolveAutoPad<ConvOp>>(context);
}

void MaxPoolOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<ResolveAutoPad<MaxPoolOp>>(context);
}

void MaxPoolIndicesOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                   MLIRContext *context) {
  patterns.add<ResolveAutoPad<MaxPoolIndicesOp>>(context);
}

void LpPoolOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<ResolveAutoPad<LpPoolOp>>(context);
}

void AveragePoolOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                MLIRContext *context) {
  patterns.add<ResolveAutoPad<AveragePoolOp>>(context);
}

void BatchNormOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<FoldBatchNormIntoConv>(context);
}
