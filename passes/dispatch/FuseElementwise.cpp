//===- FuseElementwise.cpp - Fuse elementwise producers into consumers ----===//

#include "passes/dispatch/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::dispatch {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/dispatch/Passes.h.inc"
} // namespace kiln::dispatch

using namespace mlir;

namespace kiln::dispatch {
namespace {

/// Fusing duplicates the producer's computation into every consumer, so
/// only single-use elementwise producers are fused.
bool shouldFuse(OpOperand *fused) {
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  return producer && producer->hasOneUse() &&
         producer.getNumLoops() == producer.getNumParallelLoops();
}

struct FuseElementwisePass : impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::dispatch
