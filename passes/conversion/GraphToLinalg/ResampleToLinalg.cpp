//===- ResampleToLinalg.cpp - kiln.resample to linalg ---------------------===//
//
// A resample is one linalg.generic over the output and the taps: the tap's
// input position comes from the (constant) index table, read with
// tensor.extract, so gathering and weighting fuse into one loop nest and no
// gathered intermediate is materialized.
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

struct ResampleToLinalg : OpConversionPattern<ResampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ResampleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = convertedType(getTypeConverter(), op);
    int64_t rank = type.getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
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
    Value init = weights ? filledTensor(rewriter, loc, type,
                                        scalarConstant(rewriter, loc, elementType, 0.0))
                         : tensor::EmptyOp::create(rewriter, loc, type.getShape(), elementType);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, inputs, init, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> indices;
          for (int64_t i = 0; i < rank; ++i)
            indices.push_back(i == axis ? arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                                     args[0])
                                        : Value(linalg::IndexOp::create(b, l, i)));
          Value element = tensor::ExtractOp::create(b, l, input, indices);
          if (!weights) {
            linalg::YieldOp::create(b, l, element);
            return;
          }
          Value weighted = mulScalars(b, l, element, args[1]);
          linalg::YieldOp::create(b, l, addScalars(b, l, args[2], weighted));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateResampleToLinalgPatterns(const TypeConverter &converter,
                                      RewritePatternSet &patterns) {
  patterns.add<ResampleToLinalg>(converter, patterns.getContext());
}

} // namespace kiln::conversion
