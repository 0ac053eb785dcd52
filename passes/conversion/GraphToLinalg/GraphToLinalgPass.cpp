//===- GraphToLinalgPass.cpp - The convert-graph-to-linalg pass -----------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/Passes.h"

#include "dialects/graph/IR/GraphOps.h"
#include "dialects/graph/IR/ScalarBuilders.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "passes/conversion/Passes.h.inc"
} // namespace kiln::conversion

using namespace mlir;

namespace kiln::conversion {

GraphToLinalgTypeConverter::GraphToLinalgTypeConverter() {
  addConversion([](Type type) -> Type {
    type = graph::getSignlessType(type);
    // Booleans, 4- and 2-bit integers and the small floats are bytes in
    // memory (a vector of i1 or i4 would be stored packed; LLVM has no
    // 8-bit floats).
    if (auto tensor = llvm::dyn_cast<RankedTensorType>(type)) {
      Type element = tensor.getElementType();
      if (element.isInteger(1) || graph::isSubByteInteger(element) ||
          graph::isSmallFloat(element))
        return tensor.clone(IntegerType::get(type.getContext(), 8));
    }
    return type;
  });
  // Values cross between converted and unconverted code only while the
  // conversion runs; the casts cancel out when it is done.
  auto cast = [](OpBuilder &b, Type type, ValueRange inputs, Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

void populateGraphToLinalgPatterns(const TypeConverter &converter,
                                   RewritePatternSet &patterns) {
  populateElementwiseToLinalgPatterns(converter, patterns);
  populateContractionToLinalgPatterns(converter, patterns);
  populateReductionToLinalgPatterns(converter, patterns);
  populateShapeToLinalgPatterns(converter, patterns);
  populateResampleToLinalgPatterns(converter, patterns);
  populateDataMovementToLinalgPatterns(converter, patterns);
  populateVisionToLinalgPatterns(converter, patterns);
}

namespace {

/// Element types the linalg lowerings handle: floats and integers of 1 to
/// 64 bits of any signedness.
bool isLowerableElementType(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (auto integer = llvm::dyn_cast<IntegerType>(element))
    return integer.getWidth() <= 64;
  return llvm::isa<FloatType>(element);
}

struct ConvertGraphToLinalgPass
    : impl::ConvertGraphToLinalgBase<ConvertGraphToLinalgPass> {
  void runOnOperation() override {
    // User-facing checks first, so unsupported input gets a precise error
    // instead of a generic legalization failure.
    bool unsupported = false;
    getOperation().walk([&](Operation *op) {
      if (!llvm::isa<graph::KilnDialect>(op->getDialect()))
        return;
      for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
        auto shaped = llvm::dyn_cast<ShapedType>(t);
        if (shaped && !shaped.hasStaticShape()) {
          op->emitError() << "cannot lower with dynamic shape " << t;
          unsupported = true;
          return;
        }
        if (!isLowerableElementType(t)) {
          op->emitError() << "element type "
                          << llvm::cast<ShapedType>(t).getElementType()
                          << " is not supported yet";
          unsupported = true;
          return;
        }
        // 8- and 4-bit floats have no arithmetic: they are converted and
        // moved, nothing else.
        Type element = getElementTypeOrSelf(t);
        if (graph::isSmallFloat(element) &&
            !llvm::isa<graph::CastOp, graph::ConstantOp, graph::IdentityOp, graph::ReshapeOp,
                       graph::FlattenOp, graph::TransposeOp, graph::ConcatOp>(op)) {
          op->emitError() << "element type " << element
                          << " is supported by conversions and data movement only";
          unsupported = true;
          return;
        }
      }
    });
    if (unsupported)
      return signalPassFailure();

    GraphToLinalgTypeConverter converter;
    ConversionTarget target(getContext());
    target.addIllegalDialect<graph::KilnDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return converter.isSignatureLegal(func.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp ret) { return converter.isLegal(ret.getOperandTypes()); });
    RewritePatternSet patterns(&getContext());
    populateGraphToLinalgPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln::conversion
