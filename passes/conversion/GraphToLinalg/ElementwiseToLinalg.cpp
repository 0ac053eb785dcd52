//===- ElementwiseToLinalg.cpp - Elementwise graph ops to linalg ----------===//
//
// Every elementwise op becomes one linalg.generic with broadcasting indexing
// maps, so later elementwise fusion sees plain generics it can merge.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/GraphToLinalg/LoweringUtils.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::graph;

namespace kiln::conversion {
namespace {

/// Every op with ElementwiseOpInterface: one generic whose body is the op's
/// scalar semantics over the (signless) converted operands.
struct ElementwiseToGeneric : OpInterfaceConversionPattern<ElementwiseOpInterface> {
  using OpInterfaceConversionPattern::OpInterfaceConversionPattern;

  LogicalResult matchAndRewrite(ElementwiseOpInterface op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = llvm::cast<RankedTensorType>(
        getTypeConverter()->convertType(op->getResult(0).getType()));
    Type resultElement = getElementTypeOrSelf(op->getResult(0).getType());
    auto cast = llvm::dyn_cast<CastOp>(op.getOperation());
    // Small floats (8- and 4-bit) are stored encoded and computed in f32;
    // only conversions handle them.
    bool small = llvm::any_of(op->getOperandTypes(), [](Type t) {
      return isSmallFloat(getElementTypeOrSelf(t));
    }) || isSmallFloat(resultElement);
    if (small && !cast)
      return rewriter.notifyMatchFailure(op, "small floats are only converted");
    // 16-bit floats compute in f32 and round once at the end, like the
    // reference implementations do, instead of after every scalar op.
    Type element = type.getElementType();
    bool widen = computeType(element) != element && !cast &&
                 llvm::all_of(op->getOperandTypes(), [&](Type t) {
                   return getElementTypeOrSelf(t) == element;
                 });
    Value result = buildBroadcastElementwise(
        rewriter, op.getLoc(), type, operands,
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          SmallVector<Value> scalars;
          for (auto [arg, operand] : llvm::zip(args, op->getOperands())) {
            Value scalar = loadScalar(b, loc, arg, getElementTypeOrSelf(operand.getType()));
            if (widen)
              scalar = arith::ExtFOp::create(b, loc, computeType(element), scalar);
            scalars.push_back(scalar);
          }
          if (small) {
            // A conversion between what scalar code holds for each side.
            Type from = getElementTypeOrSelf(cast.getInput().getType());
            Value value = convertScalar(b, loc, scalars[0], scalarTypeFor(from),
                                        scalarTypeFor(resultElement), cast.getSaturate());
            return storeScalar(b, loc, value, resultElement, cast.getSaturate(),
                               cast.getRoundMode());
          }
          Value value = op.buildScalar(b, loc, scalars);
          if (widen && value.getType() == computeType(element))
            value = arith::TruncFOp::create(b, loc, element, value);
          return storeScalar(b, loc, value, resultElement);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The bounds are one-element tensors read inside the generic (broadcast to
/// every element), so no scalar is loaded outside a kernel.
struct ClipToGeneric : OpConversionPattern<ClipOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ClipOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    SmallVector<Value> inputs = {adaptor.getInput()};
    // Scalars as rank-0 tensors, which broadcast against any shape.
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    for (Value bound : {adaptor.getMin(), adaptor.getMax()})
      if (bound)
        inputs.push_back(reshapeTensor(rewriter, loc, bound, scalarType));
    bool hasMin = static_cast<bool>(adaptor.getMin());
    Value result = buildBroadcastElementwise(
        rewriter, loc, type, inputs, [&](OpBuilder &b, Location l, ValueRange args) {
          Value v = args[0];
          unsigned next = 1;
          if (hasMin)
            v = maxScalars(b, l, v, args[next++]);
          if (next < args.size())
            v = minScalars(b, l, v, args[next]);
          return v;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Inference batch normalization as one generic reading the per-channel
/// parameters through broadcasting (they are reshaped to C x 1 x ... x 1).
struct BatchNormToGeneric : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    SmallVector<int64_t> paramShape(type.getRank() - 1, 1);
    paramShape[0] = type.getDimSize(1);
    auto paramType = RankedTensorType::get(paramShape, type.getElementType());
    SmallVector<Value> inputs = {adaptor.getInput()};
    for (Value p : {adaptor.getScale(), adaptor.getBias(), adaptor.getMean(), adaptor.getVariance()})
      inputs.push_back(reshapeTensor(rewriter, loc, p, paramType));
    APFloat epsilon = adaptor.getEpsilon();
    Value result = buildBroadcastElementwise(
        rewriter, loc, type, inputs, [&](OpBuilder &b, Location l, ValueRange a) {
          Value eps = scalarConstant(b, l, a[0].getType(), epsilon.convertToDouble());
          Value stddev = math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, a[4], eps));
          Value centered = arith::SubFOp::create(b, l, a[0], a[3]);
          Value normalized = arith::DivFOp::create(b, l, centered, stddev);
          return arith::AddFOp::create(b, l, arith::MulFOp::create(b, l, normalized, a[1]), a[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateElementwiseToLinalgPatterns(const TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseToGeneric>(converter, ctx);
  patterns.add<ClipToGeneric, BatchNormToGeneric>(converter, ctx);
}

} // namespace kiln::conversion
