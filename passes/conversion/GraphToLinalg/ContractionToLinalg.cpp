//===- ContractionToLinalg.cpp - matmul, gemm and conv to linalg ----------===//
//
// Contractions lower to upstream named ops (linalg.matmul, batch_matmul,
// conv_2d_nchw_fchw) because those are what the tiling and vectorization
// strategies recognize; 1-D convolutions are 2-D ones of height 1, and
// depthwise convolutions become an elementwise sum over their window taps,
// which vectorizes along rows. Bias and
// beta*C become the initial value of the accumulator, so they cost nothing
// beyond the fill. Convolutions of other ranks become an equivalent generic.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/GraphToLinalg/LoweringUtils.h"

#include "dialects/graph/IR/GraphOps.h"
#include "passes/dispatch/GroupedConvolution.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace kiln::graph;

namespace kiln::conversion {
namespace {

Value transpose2D(OpBuilder &b, Location loc, Value v) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  auto resultType = RankedTensorType::get(
      {type.getDimSize(1), type.getDimSize(0)}, type.getElementType());
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

/// Materializes `v` broadcast to `shape` (numpy rules).
Value broadcastTo(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> shape) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return buildBroadcastElementwise(
      b, loc, resultType, {v},
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

struct MatMulToLinalg : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    Type elementType = resultType.getElementType();
    Value a = adaptor.getLhs(), b = adaptor.getRhs();
    auto aType = llvm::cast<RankedTensorType>(a.getType());
    auto bType = llvm::cast<RankedTensorType>(b.getType());

    // numpy promotion of vectors to matrices.
    SmallVector<int64_t> aShape(aType.getShape()), bShape(bType.getShape());
    if (aShape.size() == 1)
      aShape.insert(aShape.begin(), 1);
    if (bShape.size() == 1)
      bShape.push_back(1);
    a = reshapeTensor(rewriter, loc, a, RankedTensorType::get(aShape, elementType));
    b = reshapeTensor(rewriter, loc, b, RankedTensorType::get(bShape, elementType));

    int64_t m = aShape[aShape.size() - 2], k = aShape.back(), n = bShape.back();
    SmallVector<int64_t> batch;
    (void)broadcastShapes(ArrayRef<int64_t>(aShape).drop_back(2),
                          ArrayRef<int64_t>(bShape).drop_back(2), batch);
    Type accType = computeType(elementType);
    Value zero = scalarConstant(rewriter, loc, accType, 0.0);
    Value product2D;
    SmallVector<int64_t> fullShape(batch);
    fullShape.append({m, n});

    if (bShape.size() == 2) {
      // [batch..., M, K] x [K, N]: fold the batch into M, one matmul.
      int64_t rows = product(batch) * m;
      Value a2 = reshapeTensor(rewriter, loc, broadcastTo(rewriter, loc, a, [&] {
                                 SmallVector<int64_t> s(batch);
                                 s.append({m, k});
                                 return s;
                               }()),
                               RankedTensorType::get({rows, k}, elementType));
      Value init = filledTensor(rewriter, loc,
                                RankedTensorType::get({rows, n}, accType), zero);
      product2D = linalg::MatmulOp::create(rewriter, loc, ValueRange{a2, b}, init)
                      .getResult(0);
    } else {
      // Batched on both sides: broadcast the batch dims, fold them into one.
      SmallVector<int64_t> aFull(batch), bFull(batch);
      aFull.append({m, k});
      bFull.append({k, n});
      int64_t batchSize = product(batch);
      Value a3 = reshapeTensor(rewriter, loc, broadcastTo(rewriter, loc, a, aFull),
                               RankedTensorType::get({batchSize, m, k}, elementType));
      Value b3 = reshapeTensor(rewriter, loc, broadcastTo(rewriter, loc, b, bFull),
                               RankedTensorType::get({batchSize, k, n}, elementType));
      Value init = filledTensor(
          rewriter, loc, RankedTensorType::get({batchSize, m, n}, accType), zero);
      product2D = linalg::BatchMatmulOp::create(rewriter, loc, ValueRange{a3, b3}, init)
                      .getResult(0);
    }
    Value result = reshapeTensor(rewriter, loc, product2D,
                                 RankedTensorType::get(fullShape, accType));
    result = convertElements(rewriter, loc, result,
                             RankedTensorType::get(fullShape, elementType));
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, result, resultType));
    return success();
  }
};

struct GemmToLinalg : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    Type elementType = resultType.getElementType();
    Value a = adaptor.getTransA() ? transpose2D(rewriter, loc, adaptor.getA()) : adaptor.getA();
    Value b = adaptor.getTransB() ? transpose2D(rewriter, loc, adaptor.getB()) : adaptor.getB();
    double alpha = adaptor.getAlpha().convertToDouble();
    double beta = adaptor.getBeta().convertToDouble();
    Value c = adaptor.getC();
    bool useC = c && beta != 0.0;
    // f16 and bf16 accumulate in f32 (as MatMul does): the products, alpha
    // and beta * C in f32, rounded once at the end.
    Type accType = computeType(elementType);
    auto accTensorType = RankedTensorType::get(resultType.getShape(), accType);
    if (useC) {
      auto cType = llvm::cast<RankedTensorType>(c.getType());
      c = convertElements(rewriter, loc, c, RankedTensorType::get(cType.getShape(), accType));
    }

    // With alpha == 1, beta * C is the accumulator's initial value.
    Value init;
    if (useC && alpha == 1.0) {
      init = buildBroadcastElementwise(
          rewriter, loc, accTensorType, {c},
          [&](OpBuilder &nb, Location l, ValueRange args) {
            if (beta == 1.0)
              return args[0];
            return mulScalars(nb, l, args[0], scalarConstant(nb, l, accType, beta));
          });
    } else {
      init = filledTensor(rewriter, loc, accTensorType,
                          scalarConstant(rewriter, loc, accType, 0.0));
    }
    Value result =
        linalg::MatmulOp::create(rewriter, loc, ValueRange{a, b}, init).getResult(0);
    if (alpha != 1.0) {
      SmallVector<Value> inputs = {result};
      if (useC)
        inputs.push_back(c);
      result = buildBroadcastElementwise(
          rewriter, loc, accTensorType, inputs,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value v = mulScalars(nb, l, args[0], scalarConstant(nb, l, accType, alpha));
            if (args.size() > 1)
              v = addScalars(nb, l, v,
                             mulScalars(nb, l, args[1], scalarConstant(nb, l, accType, beta)));
            return v;
          });
    }
    rewriter.replaceOp(op, convertElements(rewriter, loc, result, resultType));
    return success();
  }
};

/// The body of a convolution generic: acc + in * w, the two factors first
/// extended to the accumulator's type (f32 for 16-bit floats, as the named
/// convolutions do for a wider output).
void multiplyAccumulate(OpBuilder &b, Location loc, ValueRange args) {
  Value acc = args[2];
  auto widen = [&](Value v) -> Value {
    return v.getType() == acc.getType() ? v : arith::ExtFOp::create(b, loc, acc.getType(), v);
  };
  Value prod = mulScalars(b, loc, widen(args[0]), widen(args[1]));
  linalg::YieldOp::create(b, loc, addScalars(b, loc, acc, prod));
}

/// A convolution's accumulator at its start, of type `accType` ([N, M,
/// spatial...], or with `grouped` [N, G, M / G, spatial...]): the bias
/// broadcast over N and space (extended to the accumulator's element type),
/// or zeros.
Value convolutionStart(OpBuilder &b, Location loc, Value bias, RankedTensorType accType,
                       bool grouped = false) {
  Type accElement = accType.getElementType();
  if (!bias)
    return filledTensor(b, loc, accType, scalarConstant(b, loc, accElement, 0.0));
  SmallVector<int64_t> biasShape(accType.getRank() - 1, 1);
  biasShape[0] = accType.getDimSize(1);
  if (grouped)
    biasShape[1] = accType.getDimSize(2);
  auto biasType = llvm::cast<RankedTensorType>(bias.getType());
  Value wide = convertElements(b, loc, bias, RankedTensorType::get(biasType.getShape(), accElement));
  Value reshaped = reshapeTensor(b, loc, wide, RankedTensorType::get(biasShape, accElement));
  return broadcastTo(b, loc, reshaped, accType.getShape());
}

/// A convolution of any rank as a linalg.generic: iteration space
/// (n, m, out..., c, k...), into an accumulator of type `accType` started
/// at `bias` (convolutionStart). Correct for every case; the named ops below are
/// preferred where they exist because they vectorize. `accType` may be wider
/// than the operands (an f32 accumulator for f16 or bf16).
///
/// With `group` > 1 the group is a parallel dimension of its own, (n, g, m,
/// out..., c, k...), over views of the operands whose channels are split
/// into groups: input [N, G, C/G, ...], weight [G, M/G, C/G, k...] and
/// accumulator [N, G, M/G, out...]. One op for any number of groups (one
/// convolution per group made IR, and compile time, grow with the groups).
/// The accumulator's start writes the split shape itself, so that it stays
/// the op's own init (a kernel takes such a start in; through a reshape it
/// would not).
Value buildGenericConv(OpBuilder &b, Location loc, Value input, Value weight, Value bias,
                       RankedTensorType accType, const WindowGeometry &g,
                       int64_t group = 1) {
  MLIRContext *ctx = b.getContext();
  bool grouped = group > 1;
  // [A, B, rest...] viewed as [G, A / G, rest...] past the first `at` axes.
  // (Axis `at` is split into exactly the two, also where A / G is 1: a
  // reshape that joined a unit axis to the next one would not let
  // kiln-fuse-elementwise move the split before a padding of that axis.)
  auto splitGroups = [&](Value v, int64_t at) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[at] /= group;
    shape.insert(shape.begin() + at, group);
    return tensor::ExpandShapeOp::create(b, loc,
                                         RankedTensorType::get(shape, type.getElementType()), v,
                                         dispatch::groupSplit(type.getRank(), at));
  };
  RankedTensorType initType = accType;
  if (grouped) {
    input = splitGroups(input, 1);
    weight = splitGroups(weight, 0);
    SmallVector<int64_t> shape(accType.getShape());
    shape[1] /= group;
    shape.insert(shape.begin() + 1, group);
    initType = RankedTensorType::get(shape, accType.getElementType());
  }
  Value init = convolutionStart(b, loc, bias, initType, grouped);
  int64_t d = g.kernel.size(), lead = grouped ? 3 : 2; // (n, [g,] m)
  int64_t numDims = lead + 1 + 2 * d;                  // ..., out[d], c, k[d]
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  AffineExpr n = dim(0), m = dim(lead - 1), c = dim(lead + d);
  SmallVector<AffineExpr> inExprs = {n}, wExprs, outExprs = {n};
  if (grouped) {
    inExprs.push_back(dim(1));
    wExprs.push_back(dim(1));
    outExprs.push_back(dim(1));
  }
  inExprs.push_back(c);
  wExprs.append({m, c});
  outExprs.push_back(m);
  for (int64_t i = 0; i < d; ++i) {
    AffineExpr o = dim(lead + i), k = dim(lead + 1 + d + i);
    inExprs.push_back(o * g.strides[i] + k * g.dilations[i]);
    wExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numDims, 0, inExprs, ctx),
                                 AffineMap::get(numDims, 0, wExprs, ctx),
                                 AffineMap::get(numDims, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(lead + d, utils::IteratorType::parallel);
  iterators.append(1 + d, utils::IteratorType::reduction);
  Value result = linalg::GenericOp::create(b, loc, initType, ValueRange{input, weight}, init,
                                           maps, iterators, multiplyAccumulate)
                     .getResult(0);
  if (!grouped)
    return result;
  return tensor::CollapseShapeOp::create(b, loc, accType, result,
                                         dispatch::groupSplit(accType.getRank(), 1));
}

/// Float depthwise convolutions with at most this many window taps lower to
/// a sum of taps; larger windows (and integer convolutions) keep the named op
/// (one input per tap would make the generic unwieldy).
constexpr int64_t kMaxDepthwiseTaps = 64;

/// A convolution of `input` (padded already) by `weight` [M, C / group,
/// k...] into an accumulator of type `accType` ([N, M, out...]) started at
/// `bias` (convolutionStart), of any rank and group count: a 2-D one of one
/// group is the named op, anything else one generic (grouped ones in the
/// form of passes/dispatch/GroupedConvolution.h, from which each code
/// generator picks how to run the groups).
Value buildConvolution(OpBuilder &b, Location loc, Value input, Value weight, Value bias,
                       RankedTensorType accType, const WindowGeometry &g, int64_t group) {
  if (g.kernel.size() != 2 || group > 1)
    return buildGenericConv(b, loc, input, weight, bias, accType, g, group);
  Value init = convolutionStart(b, loc, bias, accType);
  return linalg::Conv2DNchwFchwOp::create(b, loc, accType, ValueRange{input, weight}, init,
                                          b.getI64TensorAttr(g.strides),
                                          b.getI64TensorAttr(g.dilations))
      .getResult(0);
}

/// A 2-D depthwise convolution as an elementwise sum over its window taps:
///   out[n,c,y,x] = bias[c] + sum_(i,j) in[n,c,y*sh+i*dh, x*sw+j*dw] w[c,i,j]
/// Each tap is a strided slice of the (padded) input with the output's shape
/// and each weight tap a [C] vector, so the generic is all-parallel with
/// projected-permutation maps (`bias`, if any, is read per channel like the
/// weights, so no accumulator is filled first): it vectorizes along the output row (contiguous
/// in NCHW, where the named op's vectorization runs along channels, H*W
/// apart), and the bias and activation that follow fuse into it. 16-bit
/// floats accumulate in f32 and round once; products and sums may contract
/// into FMAs.
Value buildDepthwiseTaps(OpBuilder &b, Location loc, Value input, Value weight,
                         Value bias, const WindowGeometry &g,
                         RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  Type elementType = resultType.getElementType();
  Type accType = computeType(elementType);
  int64_t c = resultType.getDimSize(1);
  auto weightTapType = RankedTensorType::get({c}, elementType);
  SmallVector<Value> taps = windowTaps(b, loc, input, g), weights;
  for (int64_t i = 0; i < g.kernel[0]; ++i)
    for (int64_t j = 0; j < g.kernel[1]; ++j)
      weights.push_back(reshapeTensor(
          b, loc, extractSlice(b, loc, weight, {0, 0, i, j}, {c, 1, 1, 1}), weightTapType));
  int64_t numTaps = taps.size();
  SmallVector<Value> inputs = taps;
  inputs.append(weights);
  if (bias)
    inputs.push_back(bias);
  AffineMap identity = b.getMultiDimIdentityMap(4);
  AffineMap channel = AffineMap::get(4, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<AffineMap> maps(numTaps, identity);
  maps.append(numTaps + (bias ? 1 : 0), channel);
  maps.push_back(identity); // result
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  Value empty = tensor::EmptyOp::create(b, loc, resultType.getShape(), elementType);
  return linalg::GenericOp::create(
             b, loc, resultType, inputs, empty, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               auto widen = [&](Value v) -> Value {
                 return v.getType() == accType ? v
                                               : arith::ExtFOp::create(nb, l, accType, v);
               };
               // Each product and sum may fuse into one FMA (one rounding
               // fewer, as the named op's vectorized outer products do).
               auto contract = arith::FastMathFlags::contract;
               Value acc = bias ? widen(args[2 * numTaps]) : Value();
               for (int64_t t = 0; t < numTaps; ++t) {
                 Value product = arith::MulFOp::create(nb, l, widen(args[t]),
                                                       widen(args[numTaps + t]), contract);
                 acc = acc ? arith::AddFOp::create(nb, l, acc, product, contract).getResult()
                           : product;
               }
               if (acc.getType() != elementType)
                 acc = arith::TruncFOp::create(nb, l, elementType, acc);
               linalg::YieldOp::create(nb, l, acc);
             })
      .getResult(0);
}

struct ConvToLinalg : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    auto weightType = llvm::cast<RankedTensorType>(adaptor.getWeight().getType());
    Type elementType = resultType.getElementType();
    int64_t rank = inputType.getRank(), spatial = rank - 2;

    WindowGeometry g;
    SmallVector<int64_t> kernel(weightType.getShape().drop_front(2));
    if (failed(computeWindowGeometry(loc, inputType.getShape().drop_front(2), kernel,
                                     adaptor.getPads(), adaptor.getStrides(), adaptor.getDilations(),
                                     adaptor.getAutoPad(), /*ceilMode=*/false, g)))
      return failure();

    Value zero = scalarConstant(rewriter, loc, elementType, 0.0);
    SmallVector<int64_t> padBegin = {0, 0}, padEnd = {0, 0};
    padBegin.append(g.padBegin);
    padEnd.append(g.padEnd);
    Value input = padTensor(rewriter, loc, adaptor.getInput(), padBegin, padEnd, zero);

    // 1-D convolutions run as 2-D ones of height 1 (free reshapes), so they
    // share the 2-D paths: im2col matmuls and depthwise taps.
    RankedTensorType convType = resultType;
    Value weight = adaptor.getWeight();
    if (spatial == 1) {
      input = withUnitRow(rewriter, loc, input);
      weight = withUnitRow(rewriter, loc, weight);
      convType = withUnitRow(resultType);
      addUnitRow(g);
      spatial = 2;
      rank = 4;
    }

    int64_t group = adaptor.getGroup();
    int64_t channels = inputType.getDimSize(1), m = weightType.getDimSize(0);
    if (spatial == 2 && group == channels && m == channels &&
        llvm::isa<FloatType>(elementType) && g.kernel[0] * g.kernel[1] <= kMaxDepthwiseTaps) {
      Value taps = buildDepthwiseTaps(rewriter, loc, input, weight, adaptor.getBias(), g,
                                      convType);
      rewriter.replaceOp(op, reshapeTensor(rewriter, loc, taps, resultType));
      return success();
    }

    // The accumulator starts at the bias (broadcast over N and space). f16
    // and bf16 accumulate in f32 (as MatMul and Gemm do) and round once.
    RankedTensorType outType = convType;
    convType = RankedTensorType::get(outType.getShape(), computeType(elementType));
    Value result;
    if (spatial == 2 && group == channels && m == channels && group > 1) {
      Value init = convolutionStart(rewriter, loc, adaptor.getBias(), convType);
      // Depthwise: the weight's size-1 input-channel axis goes away.
      auto chw = RankedTensorType::get({m, g.kernel[0], g.kernel[1]}, elementType);
      Value w = reshapeTensor(rewriter, loc, weight, chw);
      result = linalg::DepthwiseConv2DNchwChwOp::create(
                   rewriter, loc, convType, ValueRange{input, w}, init,
                   rewriter.getI64TensorAttr(g.strides), rewriter.getI64TensorAttr(g.dilations))
                   .getResult(0);
    } else {
      result = buildConvolution(rewriter, loc, input, weight, adaptor.getBias(), convType, g,
                                group);
    }
    result = convertElements(rewriter, loc, result, outType);
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, result, resultType));
    return success();
  }
};

/// The kernel reversed along every spatial axis (linalg's indexing maps
/// cannot express K-1-k, so the reversed read is a gather in the body).
Value flipKernel(OpBuilder &b, Location loc, Value weight) {
  auto type = llvm::cast<RankedTensorType>(weight.getType());
  int64_t rank = type.getRank();
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{}, init, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange) {
               SmallVector<Value> indices;
               for (int64_t i = 0; i < rank; ++i) {
                 Value index = linalg::IndexOp::create(nb, l, i);
                 if (i >= 2) {
                   Value last = arith::ConstantIndexOp::create(nb, l, type.getDimSize(i) - 1);
                   index = arith::SubIOp::create(nb, l, last, index);
                 }
                 indices.push_back(index);
               }
               Value element = tensor::ExtractOp::create(nb, l, weight, indices);
               linalg::YieldOp::create(nb, l, element);
             })
      .getResult(0);
}

/// The kernel of a transposed convolution, `weight` [C, M / group, k...],
/// as its stride-1 convolution's: reversed along every spatial axis, its
/// channel axes swapped within each group, [M, C / group, k...]:
///   kernel[g M/G + m, c, t...] = weight[g C/G + c, m, (K - 1 - t)...].
/// A constant weight (a trained model's) of whole-byte elements is
/// reordered at compile time, so that the convolution has constant weights
/// (which the CPU packs at compile time, and which need no GPU kernels);
/// any other is reversed and transposed by ops.
Value transposedKernel(OpBuilder &b, Location loc, Value weight, int64_t group) {
  auto wType = llvm::cast<RankedTensorType>(weight.getType());
  Type elementType = wType.getElementType();
  int64_t c = wType.getDimSize(0), mPerGroup = wType.getDimSize(1), d = wType.getRank() - 2;
  SmallVector<int64_t> kernelShape = {mPerGroup * group, c / group};
  kernelShape.append(wType.getShape().begin() + 2, wType.getShape().end());
  auto kernelType = RankedTensorType::get(kernelShape, elementType);
  DenseElementsAttr weights;
  if (matchPattern(weight, m_Constant(&weights)) && elementType.isIntOrFloat() &&
      elementType.getIntOrFloatBitWidth() % 8 == 0) {
    if (weights.isSplat())
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(kernelType, weights.getSplatValue<Attribute>()));
    // Reversing every spatial axis reverses a tap's linear index.
    int64_t bytes = elementType.getIntOrFloatBitWidth() / 8, taps = 1;
    for (int64_t i = 0; i < d; ++i)
      taps *= wType.getDimSize(2 + i);
    ArrayRef<char> source = weights.getRawData();
    std::vector<char> reordered(source.size());
    int64_t cPerGroup = c / group;
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t m = 0; m < mPerGroup; ++m)
        for (int64_t t = 0; t < taps; ++t) {
          int64_t from = (ci * mPerGroup + m) * taps + t;
          int64_t to = (((ci / cPerGroup) * mPerGroup + m) * cPerGroup + ci % cPerGroup) * taps +
                       (taps - 1 - t);
          std::copy_n(source.begin() + from * bytes, bytes, reordered.begin() + to * bytes);
        }
    return arith::ConstantOp::create(b, loc,
                                     DenseElementsAttr::getFromRawBuffer(kernelType, reordered));
  }
  Value flipped = flipKernel(b, loc, weight);
  // [C, M / group, k...] as [group, C / group, M / group, k...], its
  // middle axes swapped, is [M, C / group, k...].
  SmallVector<int64_t> grouped = {group, c / group, mPerGroup}, perm = {0, 2, 1};
  for (int64_t i = 0; i < d; ++i) {
    grouped.push_back(wType.getDimSize(2 + i));
    perm.push_back(3 + i);
  }
  if (group == 1) { // (without the unit axis)
    grouped.erase(grouped.begin());
    perm = llvm::map_to_vector(ArrayRef(perm).drop_front(), [](int64_t p) { return p - 1; });
  }
  Value source = reshapeTensor(b, loc, flipped, RankedTensorType::get(grouped, elementType));
  SmallVector<int64_t> swapped = applyPermutation(grouped, perm);
  Value kernel = linalg::TransposeOp::create(
                     b, loc, source, tensor::EmptyOp::create(b, loc, swapped, elementType), perm)
                     .getResult()[0];
  return reshapeTensor(b, loc, kernel, kernelType);
}

/// A transposed convolution of `group` groups into an accumulator of type
/// `accType` (N x M x out...) started at `bias`:
/// out[o] = sum_k xu[o + pad + k d] w'[k] where w' is the kernel reversed and
/// xu the input spread out by the strides and shifted by the kernel's extent
/// less one (zeros elsewhere), which makes every output position a plain
/// dot product: a stride-1 convolution (buildConvolution: for 2-D the named
/// op, whose im2col and matmul micro-kernel a strided ConvTranspose pays
/// with multiplying the spread-in zeros too, s^2 times the work of a col2im
/// formulation) of the window of xu that the outputs read, by w' with its
/// channel axes swapped within each group ([M, C / group, k...]).
Value buildTransposedConv(OpBuilder &b, Location loc, Value input, Value weight, Value bias,
                          RankedTensorType outType, ArrayRef<int64_t> padsBegin,
                          ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                          int64_t group) {
  auto inType = llvm::cast<RankedTensorType>(input.getType());
  auto wType = llvm::cast<RankedTensorType>(weight.getType());
  int64_t d = inType.getRank() - 2;
  SmallVector<int64_t> spreadShape(inType.getShape().take_front(2));
  SmallVector<int64_t> offsets = {0, 0}, steps = {1, 1};
  for (int64_t i = 0; i < d; ++i) {
    int64_t k = wType.getDimSize(2 + i), extent = (k - 1) * dilations[i] + 1;
    int64_t in = inType.getDimSize(2 + i), out = outType.getDimSize(2 + i);
    // A negative pad (an output that starts before the full result) shifts
    // the input further in instead.
    int64_t lead = std::max<int64_t>(0, -padsBegin[i]);
    int64_t placed = extent - 1 + lead + (in - 1) * strides[i] + 1;
    int64_t read = out + padsBegin[i] + lead + (k - 1) * dilations[i];
    spreadShape.push_back(std::max(placed, read));
    offsets.push_back(extent - 1 + lead);
    steps.push_back(strides[i]);
  }
  Type elementType = inType.getElementType();
  Value spread = filledTensor(b, loc, RankedTensorType::get(spreadShape, elementType),
                              scalarConstant(b, loc, elementType, 0.0));
  auto attrs = [&](ArrayRef<int64_t> values) {
    return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult {
      return b.getIndexAttr(v);
    });
  };
  spread = tensor::InsertSliceOp::create(b, loc, input, spread, attrs(offsets),
                                         attrs(inType.getShape()), attrs(steps));

  Value kernel = transposedKernel(b, loc, weight, group);
  // The window the outputs read starts at pad + lead.
  WindowGeometry g;
  SmallVector<int64_t> start = {0, 0}, size(spreadShape.begin(), spreadShape.begin() + 2);
  for (int64_t i = 0; i < d; ++i) {
    start.push_back(padsBegin[i] + std::max<int64_t>(0, -padsBegin[i]));
    size.push_back(outType.getDimSize(2 + i) + (wType.getDimSize(2 + i) - 1) * dilations[i]);
    g.kernel.push_back(wType.getDimSize(2 + i));
    g.strides.push_back(1);
    g.dilations.push_back(dilations[i]);
  }
  Value window = extractSlice(b, loc, spread, start, size);
  return buildConvolution(b, loc, window, kernel, bias, outType, g, group);
}

struct ConvTransposeToLinalg : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    auto weightType = llvm::cast<RankedTensorType>(adaptor.getWeight().getType());
    Type elementType = resultType.getElementType();
    int64_t rank = resultType.getRank(), spatial = rank - 2;
    SmallVector<int64_t> ones(spatial, 1), zeros(spatial, 0);
    ArrayRef<int64_t> pads = adaptor.getPadsBegin() ? *adaptor.getPadsBegin() : zeros;
    ArrayRef<int64_t> strides = adaptor.getStrides() ? *adaptor.getStrides() : ones;
    ArrayRef<int64_t> dilations = adaptor.getDilations() ? *adaptor.getDilations() : ones;

    auto accType = RankedTensorType::get(resultType.getShape(), computeType(elementType));
    Value result =
        buildTransposedConv(rewriter, loc, adaptor.getInput(), adaptor.getWeight(),
                            adaptor.getBias(), accType, pads, strides, dilations,
                            adaptor.getGroup());
    rewriter.replaceOp(op, convertElements(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void populateContractionToLinalgPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<MatMulToLinalg, GemmToLinalg, ConvToLinalg, ConvTransposeToLinalg>(converter, patterns.getContext());
}

} // namespace kiln::conversion
