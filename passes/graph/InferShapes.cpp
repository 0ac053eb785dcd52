//===- InferShapes.cpp - Refine tensor types through the graph ------------===//
//
// Importers give every value the type inference could compute from what
// they knew; exported models often compute shapes at run time from other
// shapes (Shape -> Gather -> Concat -> Reshape). Folding those subgraphs makes
// the shapes constant, after which re-inference makes the types static. The
// two feed each other, so they alternate until a fixpoint.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/Passes.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::graph {
#define GEN_PASS_DEF_INFERSHAPES
#include "passes/graph/Passes.h.inc"
} // namespace kiln::graph

using namespace mlir;
using namespace kiln::graph;

namespace {

/// A bound on refine/fold rounds; each round makes progress, so real graphs
/// converge in a handful.
constexpr int kMaxRounds = 64;

/// The more precise of an inferred type and the type the IR already had: a
/// result may legitimately know more than inference (a reshape whose shape
/// operand is not constant, a type the importer was given), and re-inference
/// must not throw that away.
Type keepKnownDims(Type inferred, Type before) {
  auto inf = llvm::dyn_cast<RankedTensorType>(inferred);
  auto old = llvm::dyn_cast<RankedTensorType>(before);
  if (!inf || !old || inf.getRank() != old.getRank() ||
      inf.getElementType() != old.getElementType())
    return inferred;
  SmallVector<int64_t> shape(inf.getShape());
  for (auto [dim, known] : llvm::zip(shape, old.getShape()))
    if (ShapedType::isDynamic(dim))
      dim = known;
  return inf.clone(shape);
}

/// Re-infers the result types of every graph op in `func`, in order; returns
/// whether any type changed, or failure if an op no longer type-checks.
FailureOr<bool> refineTypes(func::FuncOp func) {
  bool changed = false;
  WalkResult walk = func.walk([&](Operation *op) {
    if (!llvm::isa<KilnDialect>(op->getDialect()))
      return WalkResult::advance();
    SmallVector<Type> before(op->getResultTypes());
    if (failed(inferResultTypes(op)))
      return WalkResult::interrupt();
    for (auto [result, old] : llvm::zip(op->getResults(), before))
      result.setType(keepKnownDims(result.getType(), old));
    changed |= before != SmallVector<Type>(op->getResultTypes());
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  return changed;
}

/// Makes the function type agree with the refined returned values.
void updateSignature(func::FuncOp func) {
  auto ret = llvm::cast<func::ReturnOp>(func.getBody().back().getTerminator());
  func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                 ret.getOperandTypes()));
}

struct InferShapesPass
    : kiln::graph::impl::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      if (op.getDialect().getNamespace() == KilnDialect::getDialectNamespace())
        op.getCanonicalizationPatterns(patterns, ctx);
    FrozenRewritePatternSet frozen(std::move(patterns));

    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      for (int round = 0; round < kMaxRounds; ++round) {
        FailureOr<bool> refined = refineTypes(func);
        if (failed(refined))
          return signalPassFailure();
        // Not converging within the driver's own limit only means more
        // rounds are needed; the next round picks up where this one stopped.
        bool folded = false;
        (void)applyPatternsGreedily(func, frozen, GreedyRewriteConfig(), &folded);
        if (!*refined && !folded)
          break;
      }
      updateSignature(func);
    }
  }
};

} // namespace
