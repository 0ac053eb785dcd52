//===- GraphToLinalgPass.cpp - The convert-graph-to-linalg pass -----------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/Passes.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {
#define GEN_PASS_DEF_CONVERTGRAPHTOLINALG
#include "passes/conversion/Passes.h.inc"
} // namespace kiln::conversion

using namespace mlir;

namespace kiln::conversion {

void populateGraphToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwiseToLinalgPatterns(patterns);
  populateContractionToLinalgPatterns(patterns);
  populateReductionToLinalgPatterns(patterns);
  populateShapeToLinalgPatterns(patterns);
}

namespace {

/// Element types the linalg lowerings handle. Unsigned integers need
/// dedicated arithmetic (udiv, unsigned compares) that is not written yet.
bool isLowerableElementType(Type type) {
  auto shaped = llvm::dyn_cast<ShapedType>(type);
  Type element = shaped ? shaped.getElementType() : type;
  return llvm::isa<FloatType>(element) || element.isSignlessInteger();
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
      }
    });
    if (unsupported)
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<graph::KilnDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect,
                           func::FuncDialect>();
    RewritePatternSet patterns(&getContext());
    populateGraphToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace kiln::conversion
