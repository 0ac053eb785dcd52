//===- VisionToLinalg.cpp - Sampling, col2im and det to linalg ------------===//
//
// grid_sample, roi_align and col2im are each one linalg.generic over their
// result: the body computes where to read and gathers with tensor.extract
// (indices clamped into the input, with a select where a position outside
// reads zero), so no gathered intermediate is materialized. roi_align's
// samples and col2im's block positions are reduction loops; a dummy operand
// of their extent gives those loops their sizes, as the pooling generics do.
// det unrolls an LU decomposition of each (small, static) matrix into
// scalar code in the body of a generic over the batch.
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

/// Scalar helpers for the generic bodies: float code in one type `ft`,
/// integer positions as i64, indices as `index`.
struct BodyBuilder {
  OpBuilder &b;
  Location loc;
  Type ft;

  Value f(double v) { return scalarConstant(b, loc, ft, v); }
  Value i64(int64_t v) { return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v); }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return addScalars(b, loc, x, y); }
  Value sub(Value x, Value y) { return subScalars(b, loc, x, y); }
  Value mul(Value x, Value y) { return mulScalars(b, loc, x, y); }
  Value div(Value x, Value y) { return divScalars(b, loc, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, loc, x, y); }
  Value fmin(Value x, Value y) { return arith::MinimumFOp::create(b, loc, x, y); }
  Value lt(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, y);
  }
  Value gt(Value x, Value y) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, y);
  }
  Value select(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value floor(Value x) { return math::FloorOp::create(b, loc, x); }
  /// Float to i64, truncating toward zero (C's and numpy's int()).
  Value toInt(Value x) { return arith::FPToSIOp::create(b, loc, b.getI64Type(), x); }
  Value toFloat(Value i) { return arith::SIToFPOp::create(b, loc, ft, i); }
  Value indexToFloat(Value i) {
    return toFloat(arith::IndexCastOp::create(b, loc, b.getI64Type(), i));
  }
  Value toIndex(Value i) { return arith::IndexCastOp::create(b, loc, b.getIndexType(), i); }
  /// i64 clamped to [lo, hi].
  Value clampInt(Value i, int64_t lo, int64_t hi) {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, i, i64(lo)), i64(hi));
  }
  /// i1: lo <= i <= hi.
  Value inRange(Value i, int64_t lo, int64_t hi) {
    Value low = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, i, i64(lo));
    Value high = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, i, i64(hi));
    return andI(low, high);
  }
  /// A tensor element converted to `ft`.
  Value load(Value tensor, Type graphElement, ValueRange indices) {
    Value v = tensor::ExtractOp::create(b, loc, tensor, indices);
    return convertScalar(b, loc, v, graphElement, ft);
  }
};

//===----------------------------------------------------------------------===//
// grid_sample
//===----------------------------------------------------------------------===//

/// Reflects `x` at the borders `lo` and `hi` until it lies between them (the
/// reference's repeated reflection, in closed form).
Value reflect(BodyBuilder &bb, Value x, double lo, double hi) {
  double range = hi - lo;
  if (range <= 0)
    return bb.f(lo);
  Value below = bb.lt(x, bb.f(lo)), above = bb.gt(x, bb.f(hi));
  Value distance = bb.select(below, bb.sub(bb.f(lo), x), bb.sub(x, bb.f(hi)));
  Value folds = bb.floor(bb.div(distance, bb.f(range)));
  Value rest = bb.sub(distance, bb.mul(folds, bb.f(range)));
  Value half = bb.floor(bb.mul(folds, bb.f(0.5)));
  Value even = arith::CmpFOp::create(bb.b, bb.loc, arith::CmpFPredicate::OEQ,
                                     bb.mul(half, bb.f(2.0)), folds);
  Value fromLo = bb.add(bb.f(lo), rest), fromHi = bb.sub(bb.f(hi), rest);
  Value belowResult = bb.select(even, fromLo, fromHi);
  Value aboveResult = bb.select(even, fromHi, fromLo);
  return bb.select(below, belowResult, bb.select(above, aboveResult, x));
}

/// Keys' cubic convolution weights (a = -0.75) of the four taps around a
/// position `t` in [0, 1) past the second tap.
SmallVector<Value> cubicWeights(BodyBuilder &bb, Value t) {
  const double a = -0.75;
  auto far = [&](Value d) { // 1 <= d < 2
    return bb.sub(bb.mul(bb.add(bb.mul(bb.sub(bb.mul(bb.f(a), d), bb.f(5 * a)), d),
                                bb.f(8 * a)),
                         d),
                  bb.f(4 * a));
  };
  auto near = [&](Value d) { // 0 <= d < 1
    return bb.add(bb.mul(bb.mul(bb.sub(bb.mul(bb.f(a + 2), d), bb.f(a + 3)), d), d),
                  bb.f(1.0));
  };
  Value oneMinus = bb.sub(bb.f(1.0), t);
  return {far(bb.add(t, bb.f(1.0))), near(t), near(oneMinus),
          far(bb.add(oneMinus, bb.f(1.0)))};
}

struct GridSampleToLinalg : OpConversionPattern<GridSampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GridSampleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    Value input = adaptor.getInput(), grid = adaptor.getGrid();
    Type element = op.getInput().getType().getElementType();
    Type gridElement = op.getGrid().getType().getElementType();
    ArrayRef<int64_t> inShape = op.getInput().getType().getShape();
    int64_t rank = type.getRank(), spatial = rank - 2;
    SampleMode mode = adaptor.getMode();
    SamplePadding padding = adaptor.getPaddingMode();
    bool alignCorners = adaptor.getAlignCorners(), unnormalized = adaptor.getUnnormalized();

    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{}, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          // Positions are computed in the input's float type, or the
          // grid's when nearest sampling gathers integers.
          Type positionType = llvm::isa<FloatType>(element) ? element : gridElement;
          BodyBuilder bb{b, l, computeType(positionType)};
          SmallVector<Value> outIdx;
          for (int64_t i = 0; i < rank; ++i)
            outIdx.push_back(linalg::IndexOp::create(b, l, i));

          // Per spatial axis: the taps (clamped index, weight) and whether
          // each tap lies inside the input.
          struct Tap {
            Value index, weight, inside;
          };
          SmallVector<SmallVector<Tap>> taps(spatial);
          for (int64_t i = 0; i < spatial; ++i) {
            int64_t size = inShape[2 + i];
            SmallVector<Value> gridIdx = {outIdx[0]};
            gridIdx.append(outIdx.begin() + 2, outIdx.end());
            gridIdx.push_back(bb.index(spatial - 1 - i));
            Value g = bb.load(grid, gridElement, gridIdx);
            Value x;
            if (unnormalized)
              x = g;
            else if (alignCorners)
              x = bb.mul(bb.add(g, bb.f(1.0)), bb.f((size - 1) / 2.0));
            else
              x = bb.div(bb.sub(bb.mul(bb.add(g, bb.f(1.0)), bb.f(size)), bb.f(1.0)), bb.f(2.0));
            if (mode == SampleMode::nearest)
              x = math::RoundEvenOp::create(b, l, x);
            double lo = -0.5, hi = size - 0.5;
            if (alignCorners || unnormalized)
              lo = 0.0, hi = size - 1.0;
            if (padding == SamplePadding::border) {
              Value outside = bb.orI(bb.lt(x, bb.f(lo)), bb.gt(x, bb.f(hi)));
              x = bb.select(outside, bb.fmin(bb.fmax(x, bb.f(0.0)), bb.f(size - 1.0)), x);
            } else if (padding == SamplePadding::reflection) {
              x = reflect(bb, x, lo, hi);
            }

            // Where each tap reads: zeros padding reads nothing outside,
            // border clamps, reflection reflects the tap index again.
            auto makeTap = [&](Value position, Value weight) {
              Tap tap;
              tap.weight = weight;
              tap.inside = bb.inRange(position, 0, size - 1);
              if (padding == SamplePadding::reflection)
                position = bb.toInt(reflect(bb, bb.toFloat(position), lo, hi));
              tap.index = bb.toIndex(bb.clampInt(position, 0, size - 1));
              return tap;
            };
            if (mode == SampleMode::nearest) {
              taps[i].push_back(makeTap(bb.toInt(x), Value()));
              continue;
            }
            Value floor = bb.floor(x);
            Value t = bb.sub(x, floor);
            Value first = bb.toInt(floor);
            SmallVector<Value> weights;
            int64_t firstOffset = 0;
            if (mode == SampleMode::linear) {
              weights = {bb.sub(bb.f(1.0), t), t};
            } else {
              weights = cubicWeights(bb, t);
              firstOffset = -1;
            }
            for (auto [k, w] : llvm::enumerate(weights))
              taps[i].push_back(
                  makeTap(arith::AddIOp::create(b, l, first, bb.i64(firstOffset + k)), w));
          }

          // Sum over every combination of taps (the tensor product).
          Value acc;
          SmallVector<int64_t> choice(spatial, 0);
          while (true) {
            SmallVector<Value> idx = {outIdx[0], outIdx[1]};
            Value weight, inside;
            for (int64_t i = 0; i < spatial; ++i) {
              const Tap &tap = taps[i][choice[i]];
              idx.push_back(tap.index);
              if (tap.weight)
                weight = weight ? bb.mul(weight, tap.weight) : tap.weight;
              inside = inside ? bb.andI(inside, tap.inside) : tap.inside;
            }
            if (mode == SampleMode::nearest) {
              // A gather: the stored element itself, or a stored zero.
              Value v = tensor::ExtractOp::create(b, l, input, idx);
              if (padding == SamplePadding::zeros)
                v = bb.select(inside, v, scalarConstant(b, l, v.getType(), 0.0));
              linalg::YieldOp::create(b, l, v);
              return;
            }
            Value v = bb.load(input, element, idx);
            if (padding == SamplePadding::zeros)
              v = bb.select(inside, v, bb.f(0.0));
            if (weight)
              v = bb.mul(weight, v);
            acc = acc ? bb.add(acc, v) : v;
            int64_t i = spatial - 1;
            while (i >= 0 && ++choice[i] == static_cast<int64_t>(taps[i].size()))
              choice[i--] = 0;
            if (i < 0)
              break;
          }
          linalg::YieldOp::create(b, l, convertScalar(b, l, acc, bb.ft, element));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// roi_align
//===----------------------------------------------------------------------===//

struct RoiAlignToLinalg : OpConversionPattern<RoiAlignOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(RoiAlignOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = convertedType(getTypeConverter(), op);
    Value input = adaptor.getInput(), rois = adaptor.getRois();
    Value batchIndices = adaptor.getBatchIndices();
    Type element = op.getInput().getType().getElementType();
    Type indexElement = op.getBatchIndices().getType().getElementType();
    ArrayRef<int64_t> inShape = op.getInput().getType().getShape();
    int64_t batch = inShape[0], height = inShape[2], width = inShape[3];
    int64_t outH = op.getOutputHeightAttr().getInt(), outW = op.getOutputWidthAttr().getInt();
    int64_t gridH = op.getSamplingHeightAttr().getInt();
    int64_t gridW = op.getSamplingWidthAttr().getInt();
    bool isMax = adaptor.getMode() == RoiPoolMode::max;
    bool halfPixel = adaptor.getHalfPixel();
    double scale = adaptor.getSpatialScale().convertToDouble();

    // Loops (r, c, ph, pw, iy, ix); the samples are a reduction.
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps = {AffineMap::get(6, 0, {dim(4), dim(5)}, ctx),
                                   AffineMap::get(6, 0, {dim(0), dim(1), dim(2), dim(3)}, ctx)};
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    iterators.append(2, utils::IteratorType::reduction);
    Type resultElement = type.getElementType();
    Value samples = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{gridH, gridW},
                                            resultElement);
    Value init = filledTensor(rewriter, loc, type,
                              isMax ? lowestValue(rewriter, loc, resultElement)
                                    : scalarConstant(rewriter, loc, resultElement, 0.0));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{samples}, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          BodyBuilder bb{b, l, computeType(element)};
          Value r = linalg::IndexOp::create(b, l, 0), c = linalg::IndexOp::create(b, l, 1);
          Value ph = bb.indexToFloat(linalg::IndexOp::create(b, l, 2));
          Value pw = bb.indexToFloat(linalg::IndexOp::create(b, l, 3));
          Value iy = bb.indexToFloat(linalg::IndexOp::create(b, l, 4));
          Value ix = bb.indexToFloat(linalg::IndexOp::create(b, l, 5));
          Value n = tensor::ExtractOp::create(b, l, batchIndices, ValueRange{r});
          n = convertScalar(b, l, n, indexElement, b.getI64Type());
          n = bb.toIndex(bb.clampInt(n, 0, batch - 1));

          double offset = halfPixel ? 0.5 : 0.0;
          auto corner = [&](int64_t k) {
            Value v = bb.load(rois, element, ValueRange{r, bb.index(k)});
            return bb.sub(bb.mul(v, bb.f(scale)), bb.f(offset));
          };
          Value startW = corner(0), startH = corner(1), endW = corner(2), endH = corner(3);
          Value roiW = bb.sub(endW, startW), roiH = bb.sub(endH, startH);
          if (!halfPixel) {
            roiW = bb.fmax(roiW, bb.f(1.0));
            roiH = bb.fmax(roiH, bb.f(1.0));
          }
          Value binH = bb.div(roiH, bb.f(outH)), binW = bb.div(roiW, bb.f(outW));
          Value y = bb.add(bb.add(startH, bb.mul(ph, binH)),
                           bb.div(bb.mul(bb.add(iy, bb.f(0.5)), binH), bb.f(gridH)));
          Value x = bb.add(bb.add(startW, bb.mul(pw, binW)),
                           bb.div(bb.mul(bb.add(ix, bb.f(0.5)), binW), bb.f(gridW)));
          Value outside = bb.orI(bb.orI(bb.lt(y, bb.f(-1.0)), bb.gt(y, bb.f(height))),
                                 bb.orI(bb.lt(x, bb.f(-1.0)), bb.gt(x, bb.f(width))));
          // Per axis: the low and high element and the weight of the high
          // one; past the last element both are the last, at weight 0.
          auto axis = [&](Value p, int64_t size) {
            p = bb.fmax(p, bb.f(0.0));
            Value low = bb.toInt(p);
            Value atEnd = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, low,
                                                bb.i64(size - 1));
            low = bb.select(atEnd, bb.i64(size - 1), low);
            Value high = bb.select(atEnd, low, arith::AddIOp::create(b, l, low, bb.i64(1)));
            Value frac = bb.select(atEnd, bb.f(0.0), bb.sub(p, bb.toFloat(low)));
            return std::make_tuple(bb.toIndex(low), bb.toIndex(high), frac);
          };
          auto [yLow, yHigh, ly] = axis(y, height);
          auto [xLow, xHigh, lx] = axis(x, width);
          Value hy = bb.sub(bb.f(1.0), ly), hx = bb.sub(bb.f(1.0), lx);
          Value zero = bb.f(0.0);
          auto weighted = [&](Value wy, Value wx, Value yi, Value xi) {
            Value w = bb.select(outside, zero, bb.mul(wy, wx));
            Value v = bb.load(input, element, ValueRange{n, c, yi, xi});
            return bb.mul(w, v);
          };
          Value v1 = weighted(hy, hx, yLow, xLow), v2 = weighted(hy, lx, yLow, xHigh);
          Value v3 = weighted(ly, hx, yHigh, xLow), v4 = weighted(ly, lx, yHigh, xHigh);
          Value acc = convertScalar(b, l, args[1], resultElement, bb.ft);
          Value result;
          if (isMax) {
            Value sample = bb.fmax(bb.fmax(v1, v2), bb.fmax(v3, v4));
            result = bb.fmax(acc, sample);
          } else {
            Value sample = bb.add(bb.add(v1, v2), bb.add(v3, v4));
            result = bb.add(acc, bb.div(sample, bb.f(std::max<int64_t>(gridH * gridW, 1))));
          }
          linalg::YieldOp::create(b, l, convertScalar(b, l, result, bb.ft, resultElement));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// col2im
//===----------------------------------------------------------------------===//

struct Col2ImToLinalg : OpConversionPattern<Col2ImOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(Col2ImOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = convertedType(getTypeConverter(), op);
    Value input = adaptor.getInput();
    ArrayRef<int64_t> image = adaptor.getImageShape(), block = adaptor.getBlockShape();
    ArrayRef<int64_t> pads = adaptor.getPads(), strides = adaptor.getStrides();
    ArrayRef<int64_t> dilations = adaptor.getDilations();
    int64_t spatial = image.size(), rank = 2 + spatial;
    SmallVector<int64_t> positions;
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t extent = (block[i] - 1) * dilations[i] + 1;
      positions.push_back((image[i] + pads[i] + pads[spatial + i] - extent) / strides[i] + 1);
    }

    // Loops (n, c, image..., block...); the block offsets are a reduction.
    int64_t numLoops = rank + spatial;
    SmallVector<AffineExpr> blockExprs;
    for (int64_t i = 0; i < spatial; ++i)
      blockExprs.push_back(getAffineDimExpr(rank + i, ctx));
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < rank; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, blockExprs, ctx),
                                   AffineMap::get(numLoops, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.append(spatial, utils::IteratorType::reduction);
    Type element = type.getElementType();
    Value window = tensor::EmptyOp::create(rewriter, loc, block, element);
    Value init = filledTensor(rewriter, loc, type, scalarConstant(rewriter, loc, element, 0.0));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{window}, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          BodyBuilder bb{b, l, element};
          auto idx = [&](int64_t v) { return bb.index(v); };
          Value column = linalg::IndexOp::create(b, l, 1);
          Value position = idx(0), inside;
          for (int64_t i = 0; i < spatial; ++i) {
            Value o = linalg::IndexOp::create(b, l, 2 + i);
            Value k = linalg::IndexOp::create(b, l, rank + i);
            column = arith::AddIOp::create(b, l, arith::MulIOp::create(b, l, column,
                                                                         idx(block[i])),
                                           k);
            // The block position p with p * stride + k * dilation = o + pad.
            Value offset = arith::SubIOp::create(
                b, l, arith::AddIOp::create(b, l, o, idx(pads[i])),
                arith::MulIOp::create(b, l, k, idx(dilations[i])));
            Value p = arith::DivSIOp::create(b, l, offset, idx(strides[i]));
            Value exact = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq,
                arith::RemSIOp::create(b, l, offset, idx(strides[i])), idx(0));
            Value low = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, offset, idx(0));
            Value high =
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, p, idx(positions[i]));
            Value ok = bb.andI(exact, bb.andI(low, high));
            inside = inside ? bb.andI(inside, ok) : ok;
            p = arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, p, idx(0)),
                                       idx(positions[i] - 1));
            position = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, position, idx(positions[i])), p);
          }
          Value n = linalg::IndexOp::create(b, l, 0);
          Value v = tensor::ExtractOp::create(b, l, input, ValueRange{n, column, position});
          v = bb.select(inside, v, scalarConstant(b, l, element, 0.0));
          linalg::YieldOp::create(b, l, addScalars(b, l, args[1], v));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// det
//===----------------------------------------------------------------------===//

/// Matrices larger than this are not unrolled (the body grows as n^3).
constexpr int64_t kMaxUnrolledDet = 16;

struct DetToLinalg : OpConversionPattern<DetOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(DetOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    Value input = adaptor.getInput();
    Type element = op.getInput().getType().getElementType();
    int64_t n = op.getInput().getType().getShape().back();
    if (n > kMaxUnrolledDet)
      return op.emitError() << "det of " << n << "x" << n << " matrices is not supported (at most "
                            << kMaxUnrolledDet << "x" << kMaxUnrolledDet << ")";
    int64_t rank = type.getRank();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{}, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange) {
          BodyBuilder bb{b, l, computeType(element)};
          SmallVector<Value> batch;
          for (int64_t i = 0; i < rank; ++i)
            batch.push_back(linalg::IndexOp::create(b, l, i));
          SmallVector<SmallVector<Value>> a(n, SmallVector<Value>(n));
          for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) {
              SmallVector<Value> idx(batch);
              idx.push_back(bb.index(i));
              idx.push_back(bb.index(j));
              a[i][j] = bb.load(input, element, idx);
            }
          Value det = bb.f(1.0);
          for (int64_t k = 0; k < n; ++k) {
            // Partial pivoting: bring the largest magnitude of column k
            // (from row k down) to row k; each swap flips the sign.
            for (int64_t r = k + 1; r < n; ++r) {
              Value larger = bb.gt(math::AbsFOp::create(b, l, a[r][k]),
                                   math::AbsFOp::create(b, l, a[k][k]));
              for (int64_t j = k; j < n; ++j) {
                Value top = a[k][j];
                a[k][j] = bb.select(larger, a[r][j], top);
                a[r][j] = bb.select(larger, top, a[r][j]);
              }
              det = bb.select(larger, arith::NegFOp::create(b, l, det), det);
            }
            Value pivot = a[k][k];
            det = bb.mul(det, pivot);
            // A zero pivot means a zero column below: the determinant is
            // 0, and the elimination must not divide by it.
            Value zeroPivot = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, pivot,
                                                    bb.f(0.0));
            Value safePivot = bb.select(zeroPivot, bb.f(1.0), pivot);
            for (int64_t r = k + 1; r < n; ++r) {
              Value factor = bb.div(a[r][k], safePivot);
              for (int64_t j = k + 1; j < n; ++j)
                a[r][j] = bb.sub(a[r][j], bb.mul(factor, a[k][j]));
            }
          }
          linalg::YieldOp::create(b, l, convertScalar(b, l, det, bb.ft, element));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateVisionToLinalgPatterns(const TypeConverter &converter,
                                    RewritePatternSet &patterns) {
  patterns.add<GridSampleToLinalg, RoiAlignToLinalg, Col2ImToLinalg, DetToLinalg>(
      converter, patterns.getContext());
}

} // namespace kiln::conversion
