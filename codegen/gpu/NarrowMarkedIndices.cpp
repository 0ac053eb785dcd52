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

/// Whether upstream's narrowing of `op` is exact however it truncates the
/// operands: it sign-extends a narrowed value back where only its signed
/// range fits 32 bits (a padding's index - 1, -1 at the edge), zero-extends
/// it where only its unsigned range does. Sums, differences, products and
/// bitwise ops are exact either way where their results fit, as are
/// equality, unsigned comparisons and unsigned minima and maxima (sign and
/// zero extension both keep the unsigned order of 32-bit values). An
/// unsigned division, remainder or shift reads the high bits a sign
/// extension sets, so it is narrowed only where its operands are known
/// non-negative; signed ops, which would misread a zero-extended value of
/// 2^31 or more, are not narrowed (the staged kernels mark none).
static bool narrowsExactly(Operation *op, DataFlowSolver &solver) {
  if (llvm::isa<arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::AndIOp, arith::OrIOp,
                arith::XOrIOp, arith::MinUIOp, arith::MaxUIOp, arith::IndexCastOp,
                arith::IndexCastUIOp>(op))
    return true;
  if (auto compare = llvm::dyn_cast<arith::CmpIOp>(op)) {
    arith::CmpIPredicate p = compare.getPredicate();
    return p == arith::CmpIPredicate::eq || p == arith::CmpIPredicate::ne ||
           p == arith::CmpIPredicate::ult || p == arith::CmpIPredicate::ule ||
           p == arith::CmpIPredicate::ugt || p == arith::CmpIPredicate::uge;
  }
  return llvm::isa<arith::DivUIOp, arith::RemUIOp, arith::CeilDivUIOp, arith::ShRUIOp>(op) &&
         llvm::all_of(op->getOperands(), [&](Value v) {
           return succeeded(dataflow::staticallyNonNegative(solver, v));
         });
}

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
    llvm::erase_if(marked, [&](Operation *op) { return !narrowsExactly(op, solver); });
    RewritePatternSet patterns(&getContext());
    arith::populateIntRangeNarrowingPatterns(patterns, solver, /*bitwidthsSupported=*/{32});
    SolverListener listener(solver);
    GreedyRewriteConfig config;
    config.setListener(&listener).setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    // (The marks go first: the narrowing clones an op it narrows, with its
    // attributes.)
    root->walk([](Operation *op) { op->removeAttr(kNarrowAttr); });
    // (A rewrite that did not converge leaves valid, partly narrowed IR:
    // narrowing is an optimization, never a reason to fail a model.)
    (void)applyOpPatternsGreedily(marked, std::move(patterns), config);
  }
};

} // namespace
} // namespace kiln::gpu
