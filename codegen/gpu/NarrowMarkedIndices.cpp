//===- NarrowMarkedIndices.cpp - 32-bit index arithmetic where marked -----===//
//
// kiln-narrow-marked-indices: the arith ops a staged kernel marked
// (kNarrowAttr, Mapping.h) computed in 32 bits where integer range analysis
// bounds them. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"

#include "mlir/Analysis/DataFlow/IntegerRangeAnalysis.h"
#include "mlir/Analysis/DataFlow/Utils.h"
#include "mlir/Analysis/DataFlowFramework.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_NARROWMARKEDINDICES
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

/// Keeps the solver's states in step with the rewrites: an erased op's
/// results lose theirs (the patterns give the values they create the
/// ranges of those they replace).
class SolverListener : public RewriterBase::Listener {
public:
  explicit SolverListener(DataFlowSolver &solver) : solver(solver) {}

private:
  void notifyOperationErased(Operation *op) override {
    solver.eraseState(solver.getProgramPointAfter(op));
    for (Value result : op->getResults())
      solver.eraseState(result);
  }

  DataFlowSolver &solver;
};

struct NarrowMarkedIndicesPass : impl::NarrowMarkedIndicesBase<NarrowMarkedIndicesPass> {
  void runOnOperation() override {
    Operation *root = getOperation();
    SmallVector<Operation *> marked;
    root->walk([&](Operation *op) {
      if (op->hasAttr(kNarrowAttr))
        marked.push_back(op);
    });
    if (marked.empty())
      return;
    DataFlowSolver solver;
    dataflow::loadBaselineAnalyses(solver);
    solver.load<dataflow::IntegerRangeAnalysis>();
    if (failed(solver.initializeAndRun(root)))
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    arith::populateIntRangeNarrowingPatterns(patterns, solver, /*bitwidthsSupported=*/{32});
    SolverListener listener(solver);
    GreedyRewriteConfig config;
    config.setListener(&listener).setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    // (Marked ops the narrowing replaces are erased with their marks; the
    // casts it creates carry none.)
    for (Operation *op : marked)
      op->removeAttr(kNarrowAttr);
    // (A rewrite that did not converge leaves valid, partly narrowed IR:
    // narrowing is an optimization, never a reason to fail a model.)
    (void)applyOpPatternsGreedily(marked, std::move(patterns), config);
  }
};

} // namespace
} // namespace kiln::gpu
