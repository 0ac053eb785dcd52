//===- ReductionToLinalg.cpp - Reductions, pooling, softmax to linalg -----===//
//
// Pooling lowers to the named linalg pooling ops for 1-D and 2-D windows
// (they decompose and vectorize) and to an equivalent generic otherwise,
// except 1-D and 2-D float max pools of up to 64 window taps: an
// elementwise maximum of their taps, as depthwise convolutions are a sum of
// theirs (a 1-D pool as a 2-D one of one row).
// Average pooling divides by per-position element counts computed at compile
// time, which covers count_include_pad and ceil_mode exactly. Softmax is the
// usual max / exp-sum / divide sequence of generics, which keeps it stable
// for large inputs. Reductions, arg-reductions, scans and top-k are
// linalg.generic reductions; the ones that need positions read them with
// linalg.index, so everything stays plain linalg for both code generators.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/GraphToLinalg/LoweringUtils.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

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

/// Reduces every window of `padded` into `init` (N x C x out...). Unsigned
/// maxima take the generic form: the named NCHW max-pooling ops compare
/// integers as signed.
Value buildPooling(OpBuilder &b, Location loc, PoolKind kind, Value padded,
                   Value init, const WindowGeometry &g, bool isUnsigned = false) {
  size_t spatial = g.kernel.size();
  auto elementType = llvm::cast<RankedTensorType>(init.getType()).getElementType();
  auto strides = b.getI64TensorAttr(g.strides);
  auto dilations = b.getI64TensorAttr(g.dilations);
  Value window = tensor::EmptyOp::create(b, loc, g.kernel, elementType);
  Type resultType = init.getType();
  bool named = !(isUnsigned && kind == PoolKind::Max);
  if (named && spatial == 2 && kind == PoolKind::Max)
    return linalg::PoolingNchwMaxOp::create(b, loc, resultType, ValueRange{padded, window},
                                            init, strides, dilations)
        .getResult(0);
  if (spatial == 2 && kind == PoolKind::Sum)
    return linalg::PoolingNchwSumOp::create(b, loc, resultType, ValueRange{padded, window},
                                            init, strides, dilations)
        .getResult(0);
  if (named && spatial == 1 && kind == PoolKind::Max)
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
               Value v = kind == PoolKind::Max ? maxScalars(nb, l, args[2], args[0], isUnsigned)
                                               : addScalars(nb, l, args[2], args[0]);
               linalg::YieldOp::create(nb, l, v);
             })
      .getResult(0);
}

/// 1-D and 2-D float max pools with at most this many window taps lower to
/// a maximum over their taps (as depthwise convolutions lower to a sum of
/// theirs).
constexpr int64_t kMaxPoolTaps = 64;

/// A 2-D max pool as an elementwise maximum over its window taps (strided
/// slices of `padded`, windowTaps): all-parallel, vectorized along the
/// output rows, its taps read around the padding on CPUs, where the named
/// op's decomposition read each stride-2 row one lane at a time from a
/// padded copy (ResNet-50's pool: 0.81 ms against ONNX Runtime's 0.17).
Value buildMaxOfTaps(OpBuilder &b, Location loc, Value padded, const WindowGeometry &g,
                     RankedTensorType resultType) {
  SmallVector<Value> taps = windowTaps(b, loc, padded, g);
  AffineMap identity = b.getMultiDimIdentityMap(4);
  SmallVector<AffineMap> maps(taps.size() + 1, identity);
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  Value empty =
      tensor::EmptyOp::create(b, loc, resultType.getShape(), resultType.getElementType());
  return linalg::GenericOp::create(b, loc, resultType, taps, empty, maps, iterators,
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     Value acc = args[0];
                                     for (Value tap : args.drop_front().drop_back())
                                       acc = maxScalars(nb, l, acc, tap);
                                     linalg::YieldOp::create(nb, l, acc);
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
    bool isUnsigned = isUnsignedInteger(op.getType().getElementType());
    Value lowest = lowestValue(rewriter, loc, resultType.getElementType(), isUnsigned);
    Value padded = padForPooling(rewriter, loc, adaptor.getInput(), *g, lowest);
    int64_t taps = 1;
    for (int64_t k : g->kernel)
      taps *= k;
    if (g->kernel.size() <= 2 && llvm::isa<FloatType>(resultType.getElementType()) &&
        resultType.hasStaticShape() && taps <= kMaxPoolTaps) {
      // A 1-D pool runs as a 2-D one of one row.
      WindowGeometry tapGeometry = *g;
      Value input = padded;
      RankedTensorType tapType = resultType;
      if (g->kernel.size() == 1) {
        addUnitRow(tapGeometry);
        input = withUnitRow(rewriter, loc, padded);
        tapType = withUnitRow(resultType);
      }
      Value max = buildMaxOfTaps(rewriter, loc, input, tapGeometry, tapType);
      rewriter.replaceOp(op, reshapeTensor(rewriter, loc, max, resultType));
      return success();
    }
    Value init = filledTensor(rewriter, loc, resultType, lowest);
    rewriter.replaceOp(op, buildPooling(rewriter, loc, PoolKind::Max, padded, init, *g,
                                        isUnsigned));
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

/// `shape` with `axes` (sorted) removed, or set to 1 with `keep`.
SmallVector<int64_t> dropAxes(ArrayRef<int64_t> shape, ArrayRef<int64_t> axes,
                              bool keep = false) {
  SmallVector<int64_t> result;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(i)))
      result.push_back(d);
    else if (keep)
      result.push_back(1);
  }
  return result;
}

/// A generic over the iteration space `shape` that reduces `axes` (sorted)
/// into a tensor of `shape` without them, starting from `identity`.
/// `inputs` have the shape `shape`, `reducedInputs` that of the result (one
/// value per output element). `body` gets their elements in that order and
/// the accumulator last, and returns the new accumulator; it may read the
/// iteration indices with linalg.index.
Value buildReductionGeneric(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                            ValueRange inputs, ValueRange reducedInputs,
                            Value identity, ArrayRef<int64_t> axes,
                            const ElementwiseBodyFn &body) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = shape.size();
  auto resultType = RankedTensorType::get(dropAxes(shape, axes), identity.getType());
  if (static_cast<int64_t>(axes.size()) == rank) {
    // A reduction to a single value gets a leading unit parallel loop: the
    // GPU strategy maps parallel loops to threads and needs one.
    auto withUnit = [&](Value v) {
      auto type = llvm::cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> unitShape = {1};
      llvm::append_range(unitShape, type.getShape());
      return reshapeTensor(b, loc, v, type.clone(unitShape));
    };
    SmallVector<int64_t> unitShape = {1};
    llvm::append_range(unitShape, shape);
    SmallVector<Value> unitInputs = llvm::map_to_vector(inputs, withUnit);
    SmallVector<Value> unitReduced = llvm::map_to_vector(reducedInputs, withUnit);
    SmallVector<int64_t> unitAxes = llvm::map_to_vector(axes, [](int64_t a) { return a + 1; });
    Value result = buildReductionGeneric(b, loc, unitShape, unitInputs, unitReduced,
                                         identity, unitAxes, body);
    return reshapeTensor(b, loc, result, resultType);
  }
  SmallVector<AffineExpr> outExprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = llvm::is_contained(axes, i);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced)
      outExprs.push_back(getAffineDimExpr(i, ctx));
  }
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
  SmallVector<AffineMap> maps(inputs.size(), b.getMultiDimIdentityMap(rank));
  maps.append(reducedInputs.size() + 1, outMap);
  SmallVector<Value> operands(inputs);
  llvm::append_range(operands, reducedInputs);
  Value init = filledTensor(b, loc, resultType, identity);
  return linalg::GenericOp::create(
             b, loc, resultType, operands, init, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args));
             })
      .getResult(0);
}

/// A generic reducing `input` over `axes` (sorted), starting from
/// `identity` and combining with `fn` (fn(element, accumulator)).
Value buildReduction(OpBuilder &b, Location loc, Value input, Value identity,
                     ArrayRef<int64_t> axes,
                     llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> fn) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  return buildReductionGeneric(b, loc, type.getShape(), input, {}, identity, axes,
                               [&](OpBuilder &nb, Location l, ValueRange args) {
                                 return fn(nb, l, args[0], args[1]);
                               });
}

/// The axes of a reduction over `rank` dimensions, non-negative and sorted.
SmallVector<int64_t> normalizedAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result =
      llvm::map_to_vector(axes, [&](int64_t a) { return a < 0 ? a + rank : a; });
  llvm::sort(result);
  return result;
}

/// Sums and products accumulate in computeType (f32 for 16-bit floats, which
/// round once at the end, like the reference implementations); maxima and
/// minima are exact in their own type.
Type accumulatorType(Type element, ReduceKind kind) {
  bool arithmetic = kind == ReduceKind::sum || kind == ReduceKind::prod;
  return arithmetic ? computeType(element) : element;
}

/// The identity of `kind` for a (stored, signless) element type; booleans
/// are stored as 0/1 bytes.
Value reduceIdentity(OpBuilder &b, Location loc, ReduceKind kind, Type type,
                     bool isBool, bool isUnsigned) {
  switch (kind) {
  case ReduceKind::sum:
    return scalarConstant(b, loc, type, 0.0);
  case ReduceKind::prod:
    return scalarConstant(b, loc, type, 1.0);
  case ReduceKind::max:
    return isBool ? scalarConstant(b, loc, type, 0.0)
                  : lowestValue(b, loc, type, isUnsigned);
  case ReduceKind::min:
    return isBool ? scalarConstant(b, loc, type, 1.0)
                  : graph::highestValue(b, loc, type, isUnsigned);
  }
  llvm_unreachable("covered switch");
}

/// Combines an element into an accumulator with `kind`. Booleans (0/1
/// bytes) combine with or (max) and and (min).
Value combineScalars(OpBuilder &b, Location loc, ReduceKind kind, Value x,
                     Value acc, bool isBool, bool isUnsigned) {
  switch (kind) {
  case ReduceKind::sum:
    return addScalars(b, loc, acc, x);
  case ReduceKind::prod:
    return mulScalars(b, loc, acc, x);
  case ReduceKind::max:
    if (isBool)
      return arith::OrIOp::create(b, loc, acc, x);
    return maxScalars(b, loc, acc, x, isUnsigned);
  case ReduceKind::min:
    if (isBool)
      return arith::AndIOp::create(b, loc, acc, x);
    return minScalars(b, loc, acc, x, isUnsigned);
  }
  llvm_unreachable("covered switch");
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
    Value sums = buildReduction(rewriter, loc, adaptor.getInput(),
                                scalarConstant(rewriter, loc, elementType, 0.0), axes,
                                addScalars);
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
    // The reduced tensor broadcasts back by re-inserting the axis as size 1.
    auto keptType = RankedTensorType::get(dropAxes(type.getShape(), {axis}, true), elementType);

    Value maxima = buildReduction(rewriter, loc, input,
                                  lowestValue(rewriter, loc, elementType), {axis},
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
    Value sums = buildReduction(rewriter, loc, exps, scalarConstant(rewriter, loc, sumType, 0.0),
                                {axis}, [&](OpBuilder &b, Location l, Value x, Value acc) {
                                  return addScalars(b, l, convertScalar(b, l, x, elementType,
                                                                        sumType),
                                                    acc);
                                });
    sums = convertElements(
        rewriter, loc, sums,
        RankedTensorType::get(dropAxes(type.getShape(), {axis}), elementType));
    Value result = buildBroadcastElementwise(
        rewriter, loc, type, {exps, reshapeTensor(rewriter, loc, sums, keptType)},
        [](OpBuilder &b, Location l, ValueRange a) { return divScalars(b, l, a[0], a[1]); });
    rewriter.replaceOp(op, convertElements(rewriter, loc, result, resultType));
    return success();
  }
};

/// log_softmax as x - max - log(sum(exp(x - max))): a max reduction, a sum
/// reduction that exponentiates as it reads, and one elementwise generic.
struct LogSoftmaxToLinalg : OpConversionPattern<LogSoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LogSoftmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    Type elementType = type.getElementType();
    if (type.getRank() == 0) {
      // The softmax of a scalar is 1, its log 0.
      rewriter.replaceOp(op, filledTensor(rewriter, loc, type,
                                          scalarConstant(rewriter, loc, elementType, 0.0)));
      return success();
    }
    int64_t axis = *normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), type.getRank());
    Value input = adaptor.getInput();
    Value maxima = buildReduction(rewriter, loc, input, lowestValue(rewriter, loc, elementType),
                                  {axis},
                                  [](OpBuilder &b, Location l, Value x, Value acc) {
                                    return maxScalars(b, l, acc, x);
                                  });
    Value sums = buildReductionGeneric(
        rewriter, loc, type.getShape(), input, maxima,
        scalarConstant(rewriter, loc, elementType, 0.0), {axis},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value e = math::ExpOp::create(b, l, arith::SubFOp::create(b, l, a[0], a[1]));
          return arith::AddFOp::create(b, l, a[2], e);
        });
    auto keptType = RankedTensorType::get(dropAxes(type.getShape(), {axis}, true), elementType);
    Value result = buildBroadcastElementwise(
        rewriter, loc, type,
        {input, reshapeTensor(rewriter, loc, maxima, keptType),
         reshapeTensor(rewriter, loc, sums, keptType)},
        [](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value shifted = arith::SubFOp::create(b, l, a[0], a[1]);
          return arith::SubFOp::create(b, l, shifted, math::LogOp::create(b, l, a[2]));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The index of the first (or last) maximum (or minimum) along `axis` of a
/// static tensor, as an i64 tensor without that axis: a max (min) reduction,
/// then a reduction that keeps the smallest (largest) index holding it. A
/// NaN is the maximum and the minimum (the float max/min propagate it), and
/// it is found by x != x.
Value buildArgReduction(OpBuilder &b, Location loc, Value input, int64_t axis,
                        bool findMax, bool last, bool isUnsigned) {
  auto type = llvm::cast<RankedTensorType>(input.getType());
  Type elementType = type.getElementType();
  bool isFloat = llvm::isa<FloatType>(elementType);
  ReduceKind kind = findMax ? ReduceKind::max : ReduceKind::min;
  Value extrema = buildReduction(b, loc, input,
                                 reduceIdentity(b, loc, kind, elementType, false, isUnsigned),
                                 {axis},
                                 [&](OpBuilder &nb, Location l, Value x, Value acc) {
                                   return combineScalars(nb, l, kind, x, acc, false,
                                                         isUnsigned);
                                 });
  Type i64 = b.getI64Type();
  // Not found: a sentinel every index beats.
  Value sentinel = last ? scalarConstant(b, loc, i64, -1.0)
                        : arith::ConstantOp::create(
                              b, loc, b.getI64IntegerAttr(std::numeric_limits<int64_t>::max()));
  // The loop that walks the axis: a reduction of every axis (a 1-D
  // input's) runs with a leading unit loop (buildReductionGeneric).
  int64_t loop = type.getRank() == 1 ? axis + 1 : axis;
  return buildReductionGeneric(
      b, loc, type.getShape(), input, extrema, sentinel, {axis},
      [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
        Value match = graph::compareScalars(nb, l, graph::Comparison::EQ, a[0], a[1]);
        if (isFloat) {
          Value isNaN = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::UNO, a[0], a[0]);
          match = arith::OrIOp::create(nb, l, match, isNaN);
        }
        Value index = arith::IndexCastOp::create(nb, l, i64, linalg::IndexOp::create(nb, l, loop));
        Value candidate = arith::SelectOp::create(nb, l, match, index, a[2]);
        // Only matches change the accumulator; the first (last) one wins.
        Value better = last ? arith::MaxSIOp::create(nb, l, a[2], candidate).getResult()
                            : arith::MinSIOp::create(nb, l, a[2], candidate).getResult();
        return better;
      });
}

template <typename OpTy, bool FindMax>
struct ArgReduceToLinalg : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult matchAndRewrite(OpTy op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t axis = *normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), inputType.getRank());
    Value indices = buildArgReduction(rewriter, op.getLoc(), adaptor.getInput(), axis, FindMax,
                                      adaptor.getSelectLastIndex(),
                                      isUnsignedInteger(op.getInput().getType()));
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), indices,
                                         convertedType(this->getTypeConverter(), op)));
    return success();
  }
};

/// hardmax: 1 at the first maximum along the axis, 0 elsewhere.
struct HardmaxToLinalg : OpConversionPattern<HardmaxOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(HardmaxOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    Type elementType = type.getElementType();
    Value one = scalarConstant(rewriter, loc, elementType, 1.0);
    if (type.getRank() == 0) {
      rewriter.replaceOp(op, filledTensor(rewriter, loc, type, one));
      return success();
    }
    int64_t axis = *normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), type.getRank());
    Value indices = buildArgReduction(rewriter, loc, adaptor.getInput(), axis,
                                      /*findMax=*/true, /*last=*/false, false);
    // The index is read at the element's position without the axis.
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < rank; ++i)
      if (i != axis)
        exprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                   rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(), elementType);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, type, indices, empty, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value index = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                                       linalg::IndexOp::create(b, l, axis));
              Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, index, a[0]);
              Value zero = scalarConstant(b, l, elementType, 0.0);
              Value oneInBody = scalarConstant(b, l, elementType, 1.0);
              linalg::YieldOp::create(b, l,
                                      Value(arith::SelectOp::create(b, l, hit, oneInBody, zero)));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ReduceToLinalg : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    Value input = adaptor.getInput();
    auto inputType = llvm::cast<RankedTensorType>(input.getType());
    SmallVector<int64_t> axes = normalizedAxes(adaptor.getAxes(), inputType.getRank());
    if (axes.empty()) {
      rewriter.replaceOp(op, reshapeTensor(rewriter, loc, input, resultType));
      return success();
    }
    Type graphElement = llvm::cast<RankedTensorType>(op.getInput().getType()).getElementType();
    bool isBool = graphElement.isInteger(1);
    bool isUnsigned = isUnsignedInteger(graphElement);
    ReduceKind kind = adaptor.getKind();
    Type element = inputType.getElementType();
    Type acc = accumulatorType(element, kind);
    Value identity = reduceIdentity(rewriter, loc, kind, acc, isBool, isUnsigned);
    Value reduced = buildReduction(
        rewriter, loc, input, identity, axes, [&](OpBuilder &b, Location l, Value x, Value a) {
          if (x.getType() != acc)
            x = arith::ExtFOp::create(b, l, acc, x);
          return combineScalars(b, l, kind, x, a, isBool, isUnsigned);
        });
    reduced = convertElements(rewriter, loc, reduced,
                              llvm::cast<RankedTensorType>(reduced.getType()).clone(element));
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, reduced, resultType));
    return success();
  }
};

/// A running sum or product as one generic over the input's dimensions and
/// one more, k, that walks the axis: element i accumulates the elements k
/// with k <= i (k < i when exclusive; >=, > when reversed). Quadratic in the
/// axis length, but plain linalg that tiles and vectorizes like any other
/// reduction.
struct CumulativeToLinalg : OpConversionPattern<CumulativeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(CumulativeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), rank);
    ReduceKind kind = adaptor.getKind();
    Type element = type.getElementType();
    Type acc = accumulatorType(element, kind);
    Value init = filledTensor(rewriter, loc, type.clone(acc),
                              reduceIdentity(rewriter, loc, kind, acc, false, false));
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> inExprs;
    for (int64_t i = 0; i < rank; ++i)
      inExprs.push_back(getAffineDimExpr(i == axis ? rank : i, ctx));
    SmallVector<AffineMap> maps = {
        AffineMap::get(rank + 1, 0, inExprs, ctx),
        AffineMap::get(rank + 1, 0,
                       AffineMap::getMultiDimIdentityMap(rank, ctx).getResults(), ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    arith::CmpIPredicate predicate =
        adaptor.getReverse()
            ? (adaptor.getExclusive() ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::uge)
            : (adaptor.getExclusive() ? arith::CmpIPredicate::ult : arith::CmpIPredicate::ule);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), adaptor.getInput(), init, maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value i = linalg::IndexOp::create(b, l, axis);
              Value k = linalg::IndexOp::create(b, l, rank);
              Value take = arith::CmpIOp::create(b, l, predicate, k, i);
              Value x = a[0];
              if (x.getType() != acc)
                x = arith::ExtFOp::create(b, l, acc, x);
              Value combined = combineScalars(b, l, kind, x, a[1], false, false);
              linalg::YieldOp::create(
                  b, l, Value(arith::SelectOp::create(b, l, take, combined, a[1])));
            })
            .getResult(0);
    rewriter.replaceOp(op, convertElements(rewriter, loc, result, type));
    return success();
  }
};

/// top_k by ranking: element i's rank is the number of elements that come
/// before it (greater, or equal at a lower index, for the largest); output
/// position r then takes the one element of rank r. Both steps are
/// reductions over the axis (quadratic in its length), so the whole op is
/// plain linalg without sorting.
struct TopKToLinalg : OpConversionPattern<TopKOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TopKOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = llvm::cast<RankedTensorType>(input.getType());
    auto valuesType =
        llvm::cast<RankedTensorType>(getTypeConverter()->convertType(op.getValues().getType()));
    auto indicesType =
        llvm::cast<RankedTensorType>(getTypeConverter()->convertType(op.getIndices().getType()));
    int64_t rank = inputType.getRank();
    int64_t axis = *normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), rank);
    bool largest = adaptor.getLargest();
    bool isUnsigned = isUnsignedInteger(op.getInput().getType());
    MLIRContext *ctx = rewriter.getContext();
    Type i64 = rewriter.getI64Type();

    // Iteration space: the dimensions of the output of each step plus j,
    // the position along the axis that is read.
    SmallVector<AffineExpr> alongJ;
    for (int64_t d = 0; d < rank; ++d)
      alongJ.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    AffineMap readJ = AffineMap::get(rank + 1, 0, alongJ, ctx);
    AffineMap own = AffineMap::get(
        rank + 1, 0, AffineMap::getMultiDimIdentityMap(rank, ctx).getResults(), ctx);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);

    Value zero64 = scalarConstant(rewriter, loc, i64, 0.0);
    Value rankInit = filledTensor(rewriter, loc, inputType.clone(i64), zero64);
    Value ranks =
        linalg::GenericOp::create(
            rewriter, loc, rankInit.getType(), ValueRange{input, input}, rankInit,
            {own, readJ, own}, iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value xi = a[0], xj = a[1];
              Value i = linalg::IndexOp::create(b, l, axis);
              Value j = linalg::IndexOp::create(b, l, rank);
              Value strictly = graph::compareScalars(
                  b, l, largest ? graph::Comparison::GT : graph::Comparison::LT, xj, xi,
                  isUnsigned);
              Value equal = graph::compareScalars(b, l, graph::Comparison::EQ, xj, xi);
              Value earlier = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, j, i);
              Value before = arith::OrIOp::create(
                  b, l, strictly, arith::AndIOp::create(b, l, equal, earlier));
              Value one = scalarConstant(b, l, i64, 1.0);
              Value inc = arith::AddIOp::create(b, l, a[2], one);
              linalg::YieldOp::create(b, l, Value(arith::SelectOp::create(b, l, before, inc, a[2])));
            })
            .getResult(0);

    // Output position r (the axis index of the result) takes element j
    // when rank(j) == r.
    auto select = [&](RankedTensorType resultType, bool wantIndex) {
      Value init = filledTensor(rewriter, loc, resultType,
                                scalarConstant(rewriter, loc, resultType.getElementType(), 0.0));
      return linalg::GenericOp::create(
                 rewriter, loc, resultType, ValueRange{input, ranks}, init,
                 {readJ, readJ, own}, iterators,
                 [&](OpBuilder &b, Location l, ValueRange a) {
                   Value r = arith::IndexCastOp::create(b, l, i64,
                                                        linalg::IndexOp::create(b, l, axis));
                   Value hit = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, a[1], r);
                   Value value = a[0];
                   if (wantIndex)
                     value = arith::IndexCastOp::create(b, l, i64,
                                                        linalg::IndexOp::create(b, l, rank));
                   linalg::YieldOp::create(
                       b, l, Value(arith::SelectOp::create(b, l, hit, value, a[2])));
                 })
          .getResult(0);
    };
    Value values = select(valuesType, false);
    Value indices = select(indicesType, true);
    rewriter.replaceOp(op, {values, indices});
    return success();
  }
};

/// MaxPool's indices: the window maxima, then a second pass over every
/// window keeping the smallest row-major input index (the first in the
/// window's scan) that holds the maximum inside the unpadded input;
/// column-major indices are converted from it at the end.
struct MaxPoolIndicesToLinalg : OpConversionPattern<MaxPoolIndicesOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MaxPoolIndicesOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    Value input = adaptor.getInput();
    auto inputType = llvm::cast<RankedTensorType>(input.getType());
    Type elementType = inputType.getElementType();
    FailureOr<WindowGeometry> g =
        poolGeometry(op, input, adaptor.getKernelShape(), adaptor.getPads(),
                     adaptor.getStrides(), adaptor.getDilations(), adaptor.getAutoPad(),
                     adaptor.getCeilMode());
    if (failed(g))
      return failure();
    bool isUnsigned = isUnsignedInteger(op.getInput().getType().getElementType());
    Value lowest = lowestValue(rewriter, loc, elementType, isUnsigned);
    Value padded = padForPooling(rewriter, loc, input, *g, lowest);
    auto maxType = resultType.clone(elementType);
    Value maxima = buildPooling(rewriter, loc, PoolKind::Max, padded,
                                filledTensor(rewriter, loc, maxType, lowest), *g, isUnsigned);

    // Iteration space (n, c, out..., k...), as the pooling generic.
    MLIRContext *ctx = rewriter.getContext();
    int64_t spatial = g->kernel.size();
    int64_t numDims = 2 + 2 * spatial;
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> inExprs = {dim(0), dim(1)}, windowExprs, outExprs = {dim(0), dim(1)};
    for (int64_t i = 0; i < spatial; ++i) {
      inExprs.push_back(dim(2 + i) * g->strides[i] + dim(2 + spatial + i) * g->dilations[i]);
      windowExprs.push_back(dim(2 + spatial + i));
      outExprs.push_back(dim(2 + i));
    }
    AffineMap outMap = AffineMap::get(numDims, 0, outExprs, ctx);
    SmallVector<AffineMap> maps = {AffineMap::get(numDims, 0, inExprs, ctx),
                                   AffineMap::get(numDims, 0, windowExprs, ctx), outMap,
                                   outMap};
    SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
    iterators.append(spatial, utils::IteratorType::reduction);
    Value window = tensor::EmptyOp::create(rewriter, loc, g->kernel, elementType);
    Type i64 = rewriter.getI64Type();
    Value init = filledTensor(
        rewriter, loc, resultType,
        arith::ConstantOp::create(rewriter, loc,
                                  rewriter.getI64IntegerAttr(std::numeric_limits<int64_t>::max())));
    ArrayRef<int64_t> inShape = inputType.getShape();
    Value indices =
        linalg::GenericOp::create(
            rewriter, loc, resultType, ValueRange{padded, window, maxima}, init, maps,
            iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              auto constant = [&](int64_t v) -> Value {
                return arith::ConstantIndexOp::create(b, l, v);
              };
              // Row-major position in the input, and whether it is inside.
              Value index = arith::AddIOp::create(
                  b, l,
                  arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 0),
                                        constant(inShape[1])),
                  linalg::IndexOp::create(b, l, 1));
              Value inside = arith::ConstantIntOp::create(b, l, 1, 1);
              for (int64_t i = 0; i < spatial; ++i) {
                Value pos = arith::AddIOp::create(
                    b, l,
                    arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 2 + i),
                                          constant(g->strides[i])),
                    arith::MulIOp::create(b, l, linalg::IndexOp::create(b, l, 2 + spatial + i),
                                          constant(g->dilations[i])));
                pos = arith::SubIOp::create(b, l, pos, constant(g->padBegin[i]));
                Value low = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, pos,
                                                  constant(0));
                Value high = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, pos,
                                                   constant(inShape[2 + i]));
                inside = arith::AndIOp::create(b, l, inside,
                                               arith::AndIOp::create(b, l, low, high));
                index = arith::AddIOp::create(
                    b, l, arith::MulIOp::create(b, l, index, constant(inShape[2 + i])), pos);
              }
              Value equal = graph::compareScalars(b, l, graph::Comparison::EQ, a[0], a[2]);
              Value match = arith::AndIOp::create(b, l, inside, equal);
              Value candidate = arith::SelectOp::create(
                  b, l, match, arith::IndexCastOp::create(b, l, i64, index), a[3]);
              linalg::YieldOp::create(
                  b, l, Value(arith::MinSIOp::create(b, l, a[3], candidate)));
            })
            .getResult(0);
    if (adaptor.getStorageOrder()) {
      // Column-major: the spatial coordinates weigh 1, D1, D1 * D2, ...
      indices = buildBroadcastElementwise(
          rewriter, loc, resultType, indices, [&](OpBuilder &b, Location l, ValueRange a) {
            auto constant = [&](int64_t v) -> Value {
              return arith::ConstantIntOp::create(b, l, i64, v);
            };
            int64_t plane = 1;
            for (int64_t i = 0; i < spatial; ++i)
              plane *= inShape[2 + i];
            Value rest = arith::RemSIOp::create(b, l, a[0], constant(plane));
            Value result = arith::SubIOp::create(b, l, a[0], rest);
            SmallVector<int64_t> weights(spatial, 1);
            for (int64_t i = 1; i < spatial; ++i)
              weights[i] = weights[i - 1] * inShape[1 + i];
            for (int64_t i = spatial - 1; i >= 0; --i) {
              Value coord = arith::RemSIOp::create(b, l, rest, constant(inShape[2 + i]));
              rest = arith::DivSIOp::create(b, l, rest, constant(inShape[2 + i]));
              result = arith::AddIOp::create(
                  b, l, result, arith::MulIOp::create(b, l, coord, constant(weights[i])));
            }
            return result;
          });
    }
    rewriter.replaceOp(op, indices);
    return success();
  }
};

/// Lp pooling: |x|^p, padded with zeros, summed over each window by the
/// pooling generics, then the p-th root.
struct LpPoolToLinalg : OpConversionPattern<LpPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LpPoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = convertedType(getTypeConverter(), op);
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    Type elementType = resultType.getElementType();
    FailureOr<WindowGeometry> g =
        poolGeometry(op, adaptor.getInput(), adaptor.getKernelShape(), adaptor.getPads(),
                     adaptor.getStrides(), adaptor.getDilations(), adaptor.getAutoPad(),
                     adaptor.getCeilMode());
    if (failed(g))
      return failure();
    int64_t p = adaptor.getP();
    Value powered = buildBroadcastElementwise(
        rewriter, loc, inputType, adaptor.getInput(),
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value x = math::AbsFOp::create(b, l, a[0]);
          if (p == 1)
            return x;
          if (p == 2)
            return arith::MulFOp::create(b, l, x, x);
          return math::PowFOp::create(b, l, x, scalarConstant(b, l, elementType, p));
        });
    Value zero = scalarConstant(rewriter, loc, elementType, 0.0);
    Value padded = padForPooling(rewriter, loc, powered, *g, zero);
    Value init = filledTensor(rewriter, loc, resultType, zero);
    Value sums = buildPooling(rewriter, loc, PoolKind::Sum, padded, init, *g);
    Value result = buildBroadcastElementwise(
        rewriter, loc, resultType, sums, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          if (p == 1)
            return a[0];
          if (p == 2)
            return math::SqrtOp::create(b, l, a[0]);
          return math::PowFOp::create(b, l, a[0],
                                      scalarConstant(b, l, elementType, 1.0 / p));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateReductionToLinalgPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<MaxPoolToLinalg, AveragePoolToLinalg, GlobalAveragePoolToLinalg,
               SoftmaxToLinalg, LogSoftmaxToLinalg, HardmaxToLinalg, ReduceToLinalg,
               ArgReduceToLinalg<ArgMaxOp, true>, ArgReduceToLinalg<ArgMinOp, false>,
               CumulativeToLinalg, TopKToLinalg, LpPoolToLinalg, MaxPoolIndicesToLinalg>(converter,
                                                                 patterns.getContext());
}

} // namespace kiln::conversion
