//===- ReductionToLinalg.cpp - Pooling and softmax to linalg --------------===//
//
// Pooling lowers to the named linalg pooling ops for 1-D and 2-D windows
// (they decompose and vectorize) and to an equivalent generic otherwise.
// Average pooling divides by per-position element counts computed at compile
// time, which covers count_include_pad and ceil_mode exactly. Softmax is the
// usual max / exp-sum / divide sequence of generics, which keeps it stable
// for large inputs.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/GraphToLinalg/LoweringUtils.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::graph;

namespace kiln::conversion {
namespace {

enum class PoolKind { Max, Sum };

/// The padded input a pooling window walks over, with the extra end padding
/// ceil_mode needs so every window lies inside the tensor.
Value padForPooling(OpBuilder &b, Location loc, Value input,
                    const WindowGeometry &g, Value padValue) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> begin = {0, 0}, end = {0, 0};
  for (size_t i = 0; i < g.kernel.size(); ++i) {
    int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    int64_t needed = (g.outSizes[i] - 1) * g.strides[i] + extent;
    int64_t have = type.getDimSize(2 + i) + g.padBegin[i] + g.padEnd[i];
    begin.push_back(g.padBegin[i]);
    end.push_back(g.padEnd[i] + std::max<int64_t>(0, needed - have));
  }
  return padTensor(b, loc, input, begin, end, padValue);
}

/// Reduces every window of `padded` into `init` (N x C x out...).
Value buildPooling(OpBuilder &b, Location loc, PoolKind kind, Value padded,
                   Value init, const WindowGeometry &g) {
  size_t spatial = g.kernel.size();
  auto elementType = llvm::cast<RankedTensorType>(init.getType()).getElementType();
  auto strides = b.getI64TensorAttr(g.strides);
  auto dilations = b.getI64TensorAttr(g.dilations);
  Value window = tensor::EmptyOp::create(b, loc, g.kernel, elementType);
  Type resultType = init.getType();
  if (spatial == 2 && kind == PoolKind::Max)
    return linalg::PoolingNchwMaxOp::create(b, loc, resultType, ValueRange{padded, window},
                                            init, strides, dilations)
        .getResult(0);
  if (spatial == 2 && kind == PoolKind::Sum)
    return linalg::PoolingNchwSumOp::create(b, loc, resultType, ValueRange{padded, window},
                                            init, strides, dilations)
        .getResult(0);
  if (spatial == 1 && kind == PoolKind::Max)
    return linalg::PoolingNcwMaxOp::create(b, loc, resultType, ValueRange{padded, window},
                                           init, strides, dilations)
        .getResult(0);
  if (spatial == 1 && kind == PoolKind::Sum)
    return linalg::PoolingNcwSumOp::create(b, loc, resultType, ValueRange{padded, window},
                                           init, strides, dilations)
        .getResult(0);

  // Any other rank: iteration space (n, c, out..., k...). As in the named
  // ops, the (unread) window tensor is an operand so that the window loops'
  // sizes are defined by some operand's shape: without it the loop ranges
  // cannot be inferred and the generic does not verify.
  MLIRContext *ctx = b.getContext();
  int64_t numDims = 2 + 2 * spatial;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> inExprs = {dim(0), dim(1)}, windowExprs,
                          outExprs = {dim(0), dim(1)};
  for (size_t i = 0; i < spatial; ++i) {
    inExprs.push_back(dim(2 + i) * g.strides[i] + dim(2 + spatial + i) * g.dilations[i]);
    windowExprs.push_back(dim(2 + spatial + i));
    outExprs.push_back(dim(2 + i));
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numDims, 0, inExprs, ctx),
                                 AffineMap::get(numDims, 0, windowExprs, ctx),
                                 AffineMap::get(numDims, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, resultType, ValueRange{padded, window}, init, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value v = kind == PoolKind::Max ? maxScalars(nb, l, args[2], args[0])
                                               : addScalars(nb, l, args[2], args[0]);
               linalg::YieldOp::create(nb, l, v);
             })
      .getResult(0);
}

FailureOr<WindowGeometry> poolGeometry(Operation *op, Value input,
                                       ArrayRef<int64_t> kernel,
                                       std::optional<ArrayRef<int64_t>> pads,
                                       std::optional<ArrayRef<int64_t>> strides,
                                       std::optional<ArrayRef<int64_t>> dilations,
                                       AutoPad autoPad, bool ceilMode) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  WindowGeometry g;
  if (failed(computeWindowGeometry(op->getLoc(), type.getShape().drop_front(2), kernel,
                                   pads, strides, dilations, autoPad, ceilMode, g)))
    return failure();
  return g;
}

struct MaxPoolToLinalg : OpConversionPattern<MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    FailureOr<WindowGeometry> g =
        poolGeometry(op, adaptor.getInput(), adaptor.getKernelShape(), adaptor.getPads(),
                     adaptor.getStrides(), adaptor.getDilations(), adaptor.getAutoPad(), adaptor.getCeilMode());
    if (failed(g))
      return failure();
    Value lowest = lowestValue(rewriter, loc, resultType.getElementType());
    Value padded = padForPooling(rewriter, loc, adaptor.getInput(), *g, lowest);
    Value init = filledTensor(rewriter, loc, resultType, lowest);
    rewriter.replaceOp(op, buildPooling(rewriter, loc, PoolKind::Max, padded, init, *g));
    return success();
  }
};

struct AveragePoolToLinalg : OpConversionPattern<AveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(AveragePoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    Type elementType = resultType.getElementType();
    FailureOr<WindowGeometry> g =
        poolGeometry(op, adaptor.getInput(), adaptor.getKernelShape(), adaptor.getPads(),
                     adaptor.getStrides(), adaptor.getDilations(), adaptor.getAutoPad(), adaptor.getCeilMode());
    if (failed(g))
      return failure();
    Value zero = scalarConstant(rewriter, loc, elementType, 0.0);
    Value padded = padForPooling(rewriter, loc, adaptor.getInput(), *g, zero);
    Value init = filledTensor(rewriter, loc, resultType, zero);
    Value sums = buildPooling(rewriter, loc, PoolKind::Sum, padded, init, *g);

    // Elements each window counts, per spatial axis (the count is separable):
    // positions inside the input, or inside the explicitly padded input with
    // count_include_pad (ceil_mode's extra end padding never counts).
    size_t spatial = g->kernel.size();
    SmallVector<SmallVector<int64_t>> counts(spatial);
    for (size_t i = 0; i < spatial; ++i) {
      int64_t in = inputType.getDimSize(2 + i);
      int64_t lo = adaptor.getCountIncludePad() ? 0 : g->padBegin[i];
      int64_t hi = adaptor.getCountIncludePad() ? in + g->padBegin[i] + g->padEnd[i]
                                           : g->padBegin[i] + in;
      for (int64_t o = 0; o < g->outSizes[i]; ++o) {
        int64_t count = 0;
        for (int64_t k = 0; k < g->kernel[i]; ++k) {
          int64_t pos = o * g->strides[i] + k * g->dilations[i];
          count += pos >= lo && pos < hi;
        }
        counts[i].push_back(count);
      }
    }
    SmallVector<int64_t> divisorShape(g->outSizes);
    SmallVector<double> divisors(1, 1.0);
    for (size_t i = 0; i < spatial; ++i) {
      SmallVector<double> next;
      for (double d : divisors)
        for (int64_t c : counts[i])
          next.push_back(d * static_cast<double>(std::max<int64_t>(c, 1)));
      divisors = std::move(next);
    }
    auto divisorType = RankedTensorType::get(divisorShape, elementType);
    SmallVector<Attribute> values;
    for (double d : divisors)
      values.push_back(rewriter.getFloatAttr(elementType, d));
    Value divisor = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(divisorType, values));
    Value result = buildBroadcastElementwise(
        rewriter, loc, resultType, {sums, divisor},
        [](OpBuilder &b, Location l, ValueRange args) {
          return divScalars(b, l, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A generic reducing `input` over `axes` into `init`, combining with `fn`
/// (fn(element, accumulator)).
Value buildReduction(OpBuilder &b, Location loc, Value input, Value init,
                     ArrayRef<int64_t> axes,
                     llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced)
      outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{input}, init, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, fn(nb, l, args[0], args[1]));
             })
      .getResult(0);
}

struct GlobalAveragePoolToLinalg : OpConversionPattern<GlobalAveragePoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GlobalAveragePoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    Type elementType = resultType.getElementType();
    SmallVector<int64_t> axes;
    int64_t count = 1;
    for (int64_t i = 2; i < inputType.getRank(); ++i) {
      axes.push_back(i);
      count *= inputType.getDimSize(i);
    }
    auto reducedType = RankedTensorType::get(
        {inputType.getDimSize(0), inputType.getDimSize(1)}, elementType);
    Value init = filledTensor(rewriter, loc, reducedType,
                              scalarConstant(rewriter, loc, elementType, 0.0));
    Value sums = buildReduction(rewriter, loc, adaptor.getInput(), init, axes, addScalars);
    Value mean = buildBroadcastElementwise(
        rewriter, loc, reducedType, {sums}, [&](OpBuilder &b, Location l, ValueRange a) {
          return mulScalars(b, l, a[0],
                            scalarConstant(b, l, elementType, 1.0 / static_cast<double>(count)));
        });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, mean, resultType));
    return success();
  }
};

struct SoftmaxToLinalg : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    // 16-bit floats round each step to their type, as the reference
    // implementation does, but sum in f32.
    auto type = resultType;
    Type elementType = type.getElementType();
    Value input = convertElements(rewriter, loc, adaptor.getInput(), type);
    if (type.getRank() == 0) {
      // Softmax of a scalar is 1.
      rewriter.replaceOp(op, filledTensor(rewriter, loc, resultType,
                                          scalarConstant(rewriter, loc,
                                                         resultType.getElementType(), 1.0)));
      return success();
    }
    int64_t axis = *normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), type.getRank());
    SmallVector<int64_t> reducedShape(type.getShape());
    reducedShape.erase(reducedShape.begin() + axis);
    auto reducedType = RankedTensorType::get(reducedShape, elementType);
    // The reduced tensor broadcasts back by re-inserting the axis as size 1.
    SmallVector<int64_t> keptShape(type.getShape());
    keptShape[axis] = 1;
    auto keptType = RankedTensorType::get(keptShape, elementType);

    Value maxInit = filledTensor(rewriter, loc, reducedType,
                                 lowestValue(rewriter, loc, elementType));
    Value maxima = buildReduction(rewriter, loc, input, maxInit, {axis},
                                  [](OpBuilder &b, Location l, Value x, Value acc) {
                                    return maxScalars(b, l, x, acc);
                                  });
    Value exps = buildBroadcastElementwise(
        rewriter, loc, type, {input, reshapeTensor(rewriter, loc, maxima, keptType)},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          return math::ExpOp::create(b, l, arith::SubFOp::create(b, l, a[0], a[1]));
        });
    // Sums accumulate in f32 for 16-bit floats.
    Type sumType = computeType(elementType);
    Value sumInit = filledTensor(rewriter, loc, reducedType.clone(sumType),
                                 scalarConstant(rewriter, loc, sumType, 0.0));
    Value sums = buildReduction(rewriter, loc, exps, sumInit, {axis},
                                [&](OpBuilder &b, Location l, Value x, Value acc) {
                                  return addScalars(b, l, convertScalar(b, l, x, elementType,
                                                                        sumType),
                                                    acc);
                                });
    sums = convertElements(rewriter, loc, sums, reducedType);
    Value result = buildBroadcastElementwise(
        rewriter, loc, type, {exps, reshapeTensor(rewriter, loc, sums, keptType)},
        [](OpBuilder &b, Location l, ValueRange a) { return divScalars(b, l, a[0], a[1]); });
    rewriter.replaceOp(op, convertElements(rewriter, loc, result, resultType));
    return success();
  }
};

} // namespace

void populateReductionToLinalgPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<MaxPoolToLinalg, AveragePoolToLinalg, GlobalAveragePoolToLinalg,
               SoftmaxToLinalg>(converter, patterns.getContext());
}

} // namespace kiln::conversion
