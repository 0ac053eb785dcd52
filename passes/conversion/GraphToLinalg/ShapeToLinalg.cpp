//===- ShapeToLinalg.cpp - Constants and data movement to linalg/tensor ---===//
//
// Reshapes become collapse/expand_shape (free after bufferization), concat a
// chain of insert_slice into one destination, transpose a linalg.transpose.
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

struct ConstantToArith : OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto value = llvm::dyn_cast<TypedAttr>(adaptor.getValue());
    if (!value)
      return rewriter.notifyMatchFailure(op, "constant value is not a typed attribute");
    Type type = convertedType(getTypeConverter(), op);
    if (value.getType() != type) {
      auto elements = llvm::dyn_cast<DenseElementsAttr>(value);
      if (!elements)
        return rewriter.notifyMatchFailure(op, "cannot reinterpret the constant");
      Type stored = llvm::cast<ShapedType>(type).getElementType();
      Type element = elements.getElementType();
      unsigned width = stored.getIntOrFloatBitWidth();
      if (isSmallFloat(element)) {
        // Small floats become their bit patterns in a byte.
        value = llvm::cast<DenseFPElementsAttr>(elements).mapValues(
            stored, [&](const APFloat &v) { return v.bitcastToAPInt().zext(width); });
      } else if (element.getIntOrFloatBitWidth() < width) {
        // Booleans and sub-byte integers become bytes, extended as their
        // signedness says.
        bool isSigned = !element.isInteger(1) && !isUnsignedInteger(element);
        value = llvm::cast<DenseIntElementsAttr>(elements).mapValues(
            stored, [&](const APInt &v) { return isSigned ? v.sext(width) : v.zext(width); });
      } else {
        // Unsigned integers: the same bits, signless.
        value = elements.bitcast(stored);
      }
    }
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, value);
    return success();
  }
};

struct IdentityToInput : OpConversionPattern<IdentityOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(IdentityOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

template <typename OpTy>
struct ReshapeLikeToTensor : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = convertedType(this->getTypeConverter(), op);
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "result shape is not static");
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), adaptor.getInput(), type));
    return success();
  }
};

struct TransposeToLinalg : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = convertedType(getTypeConverter(), op);
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), type.getShape(),
                                         type.getElementType());
    rewriter.replaceOp(op, linalg::TransposeOp::create(rewriter, op.getLoc(),
                                                       adaptor.getInput(), init, adaptor.getPerm())
                               .getResult()[0]);
    return success();
  }
};

struct ConcatToInsertSlices : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    int64_t axis = *normalizeAxis(static_cast<int64_t>(adaptor.getAxis()), type.getRank());
    Value result = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                           type.getElementType());
    int64_t offset = 0;
    for (Value input : adaptor.getInputs()) {
      auto inputType = llvm::cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> offsets(type.getRank(), 0);
      offsets[axis] = offset;
      offset += inputType.getDimSize(axis);
      if (inputType.getNumElements() == 0)
        continue;
      result = insertSlice(rewriter, loc, input, result, offsets);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateShapeToLinalgPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<ConstantToArith, IdentityToInput, ReshapeLikeToTensor<ReshapeOp>,
               ReshapeLikeToTensor<FlattenOp>, TransposeToLinalg, ConcatToInsertSlices>(converter, patterns.getContext());
}


} // namespace kiln::conversion
