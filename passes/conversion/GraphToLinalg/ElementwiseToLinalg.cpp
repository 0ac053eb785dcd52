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

using namespace mlir;
using namespace kiln::graph;

namespace kiln::conversion {
namespace {

/// Binary arithmetic with broadcasting.
template <typename OpTy>
struct BinaryToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  using ScalarFn = Value (*)(OpBuilder &, Location, Value, Value);

  BinaryToGeneric(MLIRContext *ctx, ScalarFn fn)
      : OpRewritePattern<OpTy>(ctx), fn(fn) {}

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = llvm::cast<RankedTensorType>(op.getType());
    Value result = buildBroadcastElementwise(
        rewriter, op.getLoc(), type, {op.getLhs(), op.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return fn(b, loc, args[0], args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  ScalarFn fn;
};

/// Unary ops whose scalar body is given by a function.
template <typename OpTy>
struct UnaryToGeneric : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  using ScalarFn = Value (*)(OpBuilder &, Location, Value);

  UnaryToGeneric(MLIRContext *ctx, ScalarFn fn)
      : OpRewritePattern<OpTy>(ctx), fn(fn) {}

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto type = llvm::cast<RankedTensorType>(op.getType());
    Value result = buildBroadcastElementwise(
        rewriter, op.getLoc(), type, {op.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return fn(b, loc, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }

  ScalarFn fn;
};

Value relu(OpBuilder &b, Location loc, Value x) {
  return maxScalars(b, loc, x, scalarConstant(b, loc, x.getType(), 0.0));
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  // 1 / (1 + exp(-x)): exp overflows to inf for very negative x, giving the
  // correct limit 0.
  Value one = scalarConstant(b, loc, x.getType(), 1.0);
  Value negated = arith::NegFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, negated);
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

Value tanh(OpBuilder &b, Location loc, Value x) {
  return math::TanhOp::create(b, loc, x);
}

/// The bounds are one-element tensors read inside the generic (broadcast to
/// every element), so no scalar is loaded outside a kernel.
struct ClipToGeneric : OpRewritePattern<ClipOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ClipOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getType());
    SmallVector<Value> inputs = {op.getInput()};
    // Scalars as rank-0 tensors, which broadcast against any shape.
    auto scalarType = RankedTensorType::get({}, type.getElementType());
    for (Value bound : {op.getMin(), op.getMax()})
      if (bound)
        inputs.push_back(reshapeTensor(rewriter, loc, bound, scalarType));
    bool hasMin = static_cast<bool>(op.getMin());
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
struct BatchNormToGeneric : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BatchNormOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> paramShape(type.getRank() - 1, 1);
    paramShape[0] = type.getDimSize(1);
    auto paramType = RankedTensorType::get(paramShape, type.getElementType());
    SmallVector<Value> inputs = {op.getInput()};
    for (Value p : {op.getScale(), op.getBias(), op.getMean(), op.getVariance()})
      inputs.push_back(reshapeTensor(rewriter, loc, p, paramType));
    APFloat epsilon = op.getEpsilon();
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

void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<BinaryToGeneric<AddOp>>(ctx, addScalars);
  patterns.add<BinaryToGeneric<SubOp>>(ctx, subScalars);
  patterns.add<BinaryToGeneric<MulOp>>(ctx, mulScalars);
  patterns.add<BinaryToGeneric<DivOp>>(ctx, divScalars);
  patterns.add<UnaryToGeneric<ReluOp>>(ctx, relu);
  patterns.add<UnaryToGeneric<SigmoidOp>>(ctx, sigmoid);
  patterns.add<UnaryToGeneric<TanhOp>>(ctx, tanh);
  patterns.add<ClipToGeneric, BatchNormToGeneric>(ctx);
}

} // namespace kiln::conversion
