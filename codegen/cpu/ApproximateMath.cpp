//===- ApproximateMath.cpp - Polynomial math for vector code --------------===//
//
// Powers with small constant exponents become products (x^2 -> x*x, as the
// decomposed LayerNorm and tanh-GELU of exported transformers write them) or
// square roots first; what is left is expanded or approximated by
// polynomials that vectorize. Conversions between f32 and bf16 become
// integer arithmetic: without AVX512-BF16, LLVM would call __truncsfbf2,
// which libgcc 12 lacks and the JIT cannot resolve.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/Transforms/Approximation.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

struct ApproximateMathPass : impl::ApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    auto all = [](StringRef) { return true; };
    populateMathAlgebraicSimplificationPatterns(patterns);
    populateMathF32ExpansionPatterns(patterns, all);
    populateMathPolynomialApproximationPatterns(patterns, all);
    arith::populateExpandBFloat16Patterns(patterns);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  }
};

} // namespace
} // namespace kiln::cpu
