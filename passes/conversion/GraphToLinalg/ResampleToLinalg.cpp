//===- ResampleToLinalg.cpp - kiln.resample to linalg ---------------------===//
//
// A resample is one linalg.generic over the output (and, with many taps, the
// taps): each tap's input position comes from the (constant) index table,
// read with tensor.extract, so gathering and weighting fuse into one loop
// nest and no gathered intermediate is materialized.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/GraphToLinalg/LoweringUtils.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::graph;

namespace kiln::conversion {
namespace {

/// The most taps a resample's generic reads one by one in its body instead
/// of through a reduction loop: linear (2) and cubic (4) interpolation, and
/// antialiased resizing by small factors.
constexpr int64_t kMaxUnrolledTaps = 8;

struct ResampleToLinalg : OpConversionPattern<ResampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ResampleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = convertedType(getTypeConverter(), op);
    int64_t axis = *normalizeAxis(op.getAxis(), type.getRank());
    int64_t taps = llvm::cast<RankedTensorType>(adaptor.getIndices().getType()).getDimSize(1);
    Value result = taps <= kMaxUnrolledTaps
                       ? buildUnrolled(rewriter, op.getLoc(), adaptor, type, axis, taps)
                       : buildReduction(rewriter, op.getLoc(), adaptor, type, axis);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// The input element at the output position `indices` with the resampled
  /// axis's index replaced by the table's `index` (i64).
  static Value readTap(OpBuilder &b, Location l, Value input, int64_t rank, int64_t axis,
                       Value index) {
    SmallVector<Value> indices;
    for (int64_t i = 0; i < rank; ++i)
      indices.push_back(i == axis ? arith::IndexCastOp::create(b, l, b.getIndexType(), index)
                                  : Value(linalg::IndexOp::create(b, l, i)));
    return tensor::ExtractOp::create(b, l, input, indices);
  }

  /// An all-parallel generic over the output whose body reads every tap and
  /// its weight from the tables at the output's position along the axis
  /// (tensor.extract, not operands: read so, a table entry is the same for a
  /// whole vector of outputs along an outer axis, and the tap is then one
  /// contiguous row; along the innermost axis the loop stays scalar, see
  /// readsRowsOrScalars in kiln-tile-and-vectorize).
  static Value buildUnrolled(OpBuilder &b, Location loc, OpAdaptor adaptor,
                             RankedTensorType type, int64_t axis, int64_t taps) {
    int64_t rank = type.getRank();
    Value input = adaptor.getInput(), weights = adaptor.getWeights();
    Value indexTable = adaptor.getIndices();
    SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    return linalg::GenericOp::create(
               b, loc, type, ValueRange(), init, maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange) {
                 Value position = linalg::IndexOp::create(nb, l, axis);
                 Value sum;
                 for (int64_t t = 0; t < taps; ++t) {
                   Value tap = arith::ConstantIndexOp::create(nb, l, t);
                   Value index = tensor::ExtractOp::create(nb, l, indexTable,
                                                           ValueRange{position, tap});
                   Value element = readTap(nb, l, input, rank, axis, index);
                   if (!weights) {
                     sum = element;
                     break;
                   }
                   Value weight =
                       tensor::ExtractOp::create(nb, l, weights, ValueRange{position, tap});
                   Value weighted = mulScalars(nb, l, element, weight);
                   sum = sum ? addScalars(nb, l, sum, weighted) : weighted;
                 }
                 linalg::YieldOp::create(nb, l, sum);
               })
        .getResult(0);
  }

  /// Many taps: a generic over the output and the taps (a reduction).
  static Value buildReduction(OpBuilder &b, Location loc, OpAdaptor adaptor,
                              RankedTensorType type, int64_t axis) {
    MLIRContext *ctx = b.getContext();
    int64_t rank = type.getRank();
    Value input = adaptor.getInput(), weights = adaptor.getWeights();
    // Loops: the output's dimensions, then the taps (a reduction).
    int64_t numLoops = rank + 1;
    SmallVector<AffineExpr> outExprs;
    for (int64_t i = 0; i < rank; ++i)
      outExprs.push_back(getAffineDimExpr(i, ctx));
    AffineMap tableMap = AffineMap::get(
        numLoops, 0, {getAffineDimExpr(axis, ctx), getAffineDimExpr(rank, ctx)}, ctx);
    AffineMap outMap = AffineMap::get(numLoops, 0, outExprs, ctx);
    SmallVector<Value> inputs = {adaptor.getIndices()};
    SmallVector<AffineMap> maps = {tableMap};
    if (weights) {
      inputs.push_back(weights);
      maps.push_back(tableMap);
    }
    maps.push_back(outMap);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);

    Type elementType = type.getElementType();
    Value init = weights ? filledTensor(b, loc, type, scalarConstant(b, loc, elementType, 0.0))
                         : tensor::EmptyOp::create(b, loc, type.getShape(), elementType);
    return linalg::GenericOp::create(
               b, loc, type, inputs, init, maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value element = readTap(nb, l, input, rank, axis, args[0]);
                 if (!weights) {
                   linalg::YieldOp::create(nb, l, element);
                   return;
                 }
                 Value weighted = mulScalars(nb, l, element, args[1]);
                 linalg::YieldOp::create(nb, l, addScalars(nb, l, args[2], weighted));
               })
        .getResult(0);
  }
};

} // namespace

void populateResampleToLinalgPatterns(const TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<ResampleToLinalg>(converter, patterns.getContext());
}

} // namespace kiln::conversion
